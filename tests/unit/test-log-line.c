// SPDX-License-Identifier: MIT
/* Event lines on a stream shared with the function: a newline first, one write. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "json_line.h"
#include "log_line.h"

static ssize_t drain(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size);
	cr_assert_geq(n, 0);
	return n;
}

Test(log_line, newline_first_only_when_asked)
{
	int p[2];
	char buf[64];
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(log_line_write(p[1], "{\"a\":1}\n", 8, false), 0);
	cr_assert_eq(drain(p[0], buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "{\"a\":1}\n", 8), 0);
	cr_assert_eq(log_line_write(p[1], "{\"a\":1}\n", 8, true), 0);
	cr_assert_eq(drain(p[0], buf, sizeof(buf)), 9, "one write, newline included");
	cr_assert_eq(memcmp(buf, "\n{\"a\":1}\n", 9), 0);
	close(p[0]);
	close(p[1]);
}

Test(log_line, longest_line_and_its_newline_fit_in_one_atomic_write)
{
	int p[2];
	static char line[JSON_LINE_MAX], out[JSON_LINE_MAX + 8];
	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(log_line_write(p[1], line, sizeof(line), true), 0);
	cr_assert_eq(drain(p[0], out, sizeof(out)), JSON_LINE_MAX + 1);
	cr_assert_leq(JSON_LINE_MAX + 1, PIPE_BUF);
	close(p[0]);
	close(p[1]);
}

Test(log_line, errors_are_returned_not_raised)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(log_line_write(p[1], "{}\n", 3, true), -EPIPE);
	close(p[1]);
	cr_assert_eq(log_line_write(p[1], "{}\n", 3, false), -EBADF);
}

Test(log_line, sharing_is_by_open_file_not_descriptor_number)
{
	int p[2], q[2];
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pipe(q), 0);
	cr_assert_geq(dup2(p[1], STDOUT_FILENO), 0);
	cr_assert_geq(dup2(q[1], STDERR_FILENO), 0);
	int copy = fcntl(p[1], F_DUPFD, 100);
	cr_assert(log_line_shares_output(copy), "a copy of stdout shares it");
	cr_assert(log_line_shares_output(q[1]), "stderr's file shares it");
	int other[2];
	cr_assert_eq(pipe(other), 0);
	cr_assert_not(log_line_shares_output(other[1]), "another pipe does not");
	cr_assert_not(log_line_shares_output(-1));
}
