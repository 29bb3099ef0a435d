/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exe_kind.h"

/* A script's first bytes in a memfd, looked at as the shim looks at a program. */
static struct exe_view inspect(const char *text, size_t len, char *interp, char *arg,
			       size_t arg_size)
{
	struct exe_view v = {.interp = interp, .interp_size = 64, .arg = arg, .arg_size = arg_size};
	int fd = memfd_create("script", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	exe_inspect(fd, &v);
	close(fd);
	cr_assert_eq(v.kind, EXE_SCRIPT);
	return v;
}

static void expect(const char *text, const char *want_interp, const char *want_arg)
{
	char interp[64], arg[64];
	struct exe_view v = inspect(text, strlen(text), interp, arg, sizeof(arg));

	cr_assert_eq(v.interp_len, (ssize_t)strlen(want_interp), "%s", text);
	cr_assert_str_eq(interp, want_interp, "%s", text);
	if (!want_arg) {
		cr_assert_eq(v.arg_len, -1, "%s: arg '%s'", text, arg);
		return;
	}
	cr_assert_eq(v.arg_len, (ssize_t)strlen(want_arg), "%s", text);
	cr_assert_str_eq(arg, want_arg, "%s", text);
}

Test(exe_kind, script_interpreter_and_argument_as_the_kernel_reads_them)
{
	expect("#!/bin/sh\necho\n", "/bin/sh", NULL);
	expect("#!/bin/sh", "/bin/sh", NULL);
	expect("#! \t/usr/bin/perl -w\nprint 1\n", "/usr/bin/perl", "-w");
	/* One argument, never split; trailing spaces and tabs trimmed. */
	expect("#!/usr/bin/env python3 -u -B \t \nx\n", "/usr/bin/env", "python3 -u -B");
	expect("#!/bin/sh   \nx\n", "/bin/sh", NULL);
	/* A NUL ends the interpreter, and the argument. */
	expect("#!/bin/sh\0-x\n", "/bin/sh", NULL);
	expect("#!/bin/sh -e\0-x\n", "/bin/sh", "-e");
	/* Carriage returns are part of the words, as for the kernel. */
	expect("#!/bin/sh\r\n", "/bin/sh\r", NULL);
}

/* expect() with the text's own length (it may hold NULs). */
static void expect_n(const char *text, size_t len, const char *want_interp, const char *want_arg)
{
	char interp[64], arg[64];
	struct exe_view v = inspect(text, len, interp, arg, sizeof(arg));

	cr_assert_str_eq(interp, want_interp);
	cr_assert_eq(v.arg_len, want_arg ? (ssize_t)strlen(want_arg) : -1, "arg '%s'", arg);
	if (want_arg)
		cr_assert_str_eq(arg, want_arg);
}

Test(exe_kind, empty_argument_and_a_line_without_newline)
{
	/* A space, then a NUL: the kernel passes an empty argument. */
	expect_n("#!/bin/sh \0-x\n", 15, "/bin/sh", "");
	/* A short file without a newline: the zeros after it end the line, nothing is trimmed. */
	expect_n("#!/bin/sh -e  ", 14, "/bin/sh", "-e  ");
	expect_n("#!/bin/sh   ", 12, "/bin/sh", "");
	expect_n("#!/bin/sh", 9, "/bin/sh", NULL);
}

Test(exe_kind, an_interpreter_name_cut_by_the_buffer_is_no_script)
{
	/* No newline and no end to the name in the first 256 bytes: ENOEXEC, not a script. */
	char text[300], interp[64];
	memset(text, 'a', sizeof(text));
	memcpy(text, "#!/", 3);
	struct exe_view v = {.interp = interp, .interp_size = sizeof(interp)};
	int fd = memfd_create("script", MFD_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text)), (ssize_t)sizeof(text));
	exe_inspect(fd, &v);
	close(fd);
	cr_assert_eq(v.kind, EXE_UNKNOWN);
	/* Spaces only, the same. */
	memset(text + 2, ' ', sizeof(text) - 2);
	fd = memfd_create("script", MFD_CLOEXEC);
	cr_assert_eq(write(fd, text, sizeof(text)), (ssize_t)sizeof(text));
	exe_inspect(fd, &v);
	close(fd);
	cr_assert_eq(v.kind, EXE_UNKNOWN);
}

Test(exe_kind, the_line_ends_where_the_kernel_stops_reading)
{
	/* 255 bytes are read for the line: an argument past them is cut there. */
	char text[400], arg[300], interp[64];
	memset(text, 'a', sizeof(text));
	memcpy(text, "#!/bin/sh ", 10);
	text[sizeof(text) - 1] = '\n';
	struct exe_view v = inspect(text, sizeof(text), interp, arg, sizeof(arg));
	cr_assert_str_eq(interp, "/bin/sh");
	cr_assert_eq(v.arg_len, 255 - 10);
	/* An argument longer than its buffer is not given. */
	v = inspect(text, sizeof(text), interp, arg, 16);
	cr_assert_eq(v.arg_len, -1);
	cr_assert_str_eq(interp, "/bin/sh");
}

Test(exe_kind, argument_not_wanted)
{
	char interp[64];
	struct exe_view v = inspect("#!/bin/sh -e\n", 13, interp, NULL, 0);
	cr_assert_str_eq(interp, "/bin/sh");
	cr_assert_eq(v.arg_len, -1);
}
