// SPDX-License-Identifier: MIT
/*
 * fnguard record — learn a profile from a real run.
 *
 * Two sources, one profile: the learn events (read from a pipe the shim
 * writes them to, and passed on to where they would have gone), which say
 * when each behaviour was first seen and how often; and the profile the
 * shim itself writes at exit, which holds what events can lose (the rate
 * limiter summarises bursts, lines are cut at 4 KiB). The events are the
 * same lines `fnguard learn` reads from CloudWatch, so both commands build
 * the same profile from the same run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"
#include "learn-cli.h"
#include "learn_log.h"
#include "log_id.h"
#include "policy.h"
#include "record-syscalls.h"

static void record_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard record -o OUT.json [OPTIONS] -- CMD [ARG...]\n\n"
		"Runs CMD (and everything it starts) under fnguard in record mode and writes\n"
		"the profile it learned to OUT.json. Rules already allowed by the --extends\n"
		"profiles are left out and those profiles become the result's \"extends\".\n"
		"What varies from run to run is generalised (random names under /tmp,\n"
		"ephemeral ports, $LAMBDA_TASK_ROOT, directories read wholesale, arguments);\n"
		"see docs/learning.md. The learn events are printed as JSON lines as they\n"
		"happen (to stdout, or --log).\n\n"
		"Options:\n" LEARN_CLI_OPTIONS_HELP
		"  -l, --log DEST         where the events go: stdout (default), stderr or fd:N\n\n"
		"Examples:\n"
		"  fnguard record -o fnguard.json --extends lambda-base -- python3 handler.py\n"
		"  fnguard record -o p.json --threshold 4 -- sh -c 'cat /etc/hostname | wc -c'\n"
		"  fnguard record -o p.json --generalize-aws --name orders -- node index.js\n\n"
		"Exit status: CMD's; 2 on a usage error or if the profile cannot be written.\n");
}

struct reader {
	int fd;	     /* the events pipe */
	int echo_fd; /* where the events are passed on */
	struct learner *learner;
	struct learn_log_stats stats;
	atomic_bool stop; /* the command is done: drain what is there, then stop */
	int error;
};

static void echo(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		/* A stdout the command made non-blocking (Node does): wait as a blocking one would. */
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd out = {.fd = fd, .events = POLLOUT};
			if (poll(&out, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Whole lines (n bytes, the last ending in '\n'), passed on as the shim
 * writes to a stream the command shares (log_line.h): each write starts
 * with a newline of its own, so a line of the command's left unfinished
 * never glues an event to it, and holds at most PIPE_BUF bytes, so a pipe
 * never interleaves it with the command's bytes.
 */
static void pass_on(int fd, const char *lines, size_t n)
{
	char chunk[PIPE_BUF];
	size_t used = 0;

	while (n) {
		const char *nl = memchr(lines, '\n', n);
		size_t line = nl ? (size_t)(nl - lines) + 1 : n;
		if (used && used + line > sizeof(chunk)) {
			echo(fd, chunk, used);
			used = 0;
		}
		if (!used)
			chunk[used++] = '\n';
		if (used + line > sizeof(chunk)) {
			/* Longer than any event: passed on whole, not atomically. */
			echo(fd, chunk, used);
			echo(fd, lines, line);
			used = 0;
		} else {
			memcpy(chunk + used, lines, line);
			used += line;
		}
		lines += line;
		n -= line;
	}
	if (used)
		echo(fd, chunk, used);
}

static int observe(const struct learn_obs *obs, const struct learn_log_event *ev, void *userdata)
{
	struct reader *rd = userdata;
	if (ev->explicit_deny)
		return 0;
	return learner_add(rd->learner, obs);
}

static void take_line(struct reader *rd, const char *line, size_t len)
{
	int r = learn_log_parse_line(line, len, observe, rd, &rd->stats);
	if (r < 0 && !rd->error)
		rd->error = r;
}

static void *read_events(void *arg)
{
	struct reader *rd = arg;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);

	if (!buf) {
		rd->error = -ENOMEM;
		return NULL;
	}
	for (;;) {
		struct pollfd pfd = {.fd = rd->fd, .events = POLLIN};
		int ready = poll(&pfd, 1, 100);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			/* A daemon the command left behind may hold the pipe open forever. */
			if (atomic_load(&rd->stop))
				break;
			continue;
		}
		if (len + 4096 > cap) {
			char *m = realloc(buf, cap * 2);
			if (!m) {
				rd->error = -ENOMEM;
				break;
			}
			buf = m;
			cap *= 2;
		}
		ssize_t n = read(rd->fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
			take_line(rd, start, (size_t)(nl - start));
			start = nl + 1;
		}
		pass_on(rd->echo_fd, buf, (size_t)(start - buf));
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		/*
		 * A trickle of events, one wake-up each, costs the command a
		 * wake-up per event write and this thread a context switch per
		 * line: let a few collect first (at most 64 KB, the pipe's size,
		 * arrive in a millisecond; a full pipe only makes the writer wait).
		 */
		if ((size_t)n < 16384 && !atomic_load(&rd->stop))
			nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	if (len) {
		/* A last line without its newline (buf may be full: nothing written past it). */
		pass_on(rd->echo_fd, buf, len);
		echo(rd->echo_fd, "\n", 1);
		take_line(rd, buf, len);
	}
	free(buf);
	return NULL;
}

/* Removes the shim's record file and its lock. */
static void remove_record(const char *path)
{
	char lock[PATH_MAX + 48];
	unlink(path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(lock);
}

int cmd_record(int argc, char **argv)
{
	static const struct option options[] = {
		LEARN_CLI_LONG_OPTIONS,
		{"log", required_argument, NULL, 'l'},
		{0},
	};
	struct learn_cli cli;
	const char *log_dest = getenv("FNGUARD_LOG");
	char abs_out[PATH_MAX], raw[PATH_MAX + 32], num[16];
	int c, pipefd[2];

	learn_cli_init(&cli, "record");
	optind = 1;
	while ((c = getopt_long(argc, argv, "+" LEARN_CLI_SHORT_OPTIONS "l:", options, NULL)) !=
	       -1) {
		int r = learn_cli_option(&cli, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r > 0)
			continue;
		if (c == 'l') {
			log_dest = optarg;
		} else if (c == 'h') {
			record_usage(stdout);
			return EXIT_OK;
		} else {
			record_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!cli.out || optind >= argc) {
		fprintf(stderr, "fnguard record: %s\n",
			!cli.out ? "-o OUT.json is required" : "no command given");
		record_usage(stderr);
		return EXIT_USAGE;
	}
	int echo_fd = launch_log_fd(log_dest);
	if (echo_fd < 0) {
		fprintf(stderr,
			"fnguard record: --log: '%s' is not stdout, stderr or an open fd:N\n",
			log_dest);
		return EXIT_USAGE;
	}

	/* The echo is record's to write: CMD's events go to the pipe, and CMD gets neither. */
	if (echo_fd > STDERR_FILENO)
		fcntl(echo_fd, F_SETFD, FD_CLOEXEC);

	/* A program the shim cannot reach would run and leave an empty profile. */
	if (launch_check_preloadable(argv[optind]) < 0)
		return 126;

	/* The output must be writable before CMD runs, not after. */
	int probe = open(cli.out, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (probe < 0 || !realpath(cli.out, abs_out)) {
		fprintf(stderr, "fnguard record: %s: %s\n", cli.out, strerror(errno));
		if (probe >= 0)
			close(probe);
		return EXIT_USAGE;
	}
	close(probe);
	snprintf(raw, sizeof(raw), "%s.recording", abs_out);
	remove_record(raw);

	struct reader rd = {0};
	if (learner_new(&rd.learner) < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		fprintf(stderr, "fnguard record: %s\n", strerror(errno ? errno : ENOMEM));
		learner_free(rd.learner);
		return EXIT_USAGE;
	}
	/*
	 * The write end is CMD's log (inherited), at a high number as the
	 * shim's own copy is: CMD's descriptors are numbered as they would be
	 * bare (a number in a child's arguments is learned). The read end
	 * stays ours.
	 */
	int high = fcntl(pipefd[1], F_DUPFD, log_id_fd_floor(900, 2, 3));
	if (high >= 0) {
		close(pipefd[1]);
		pipefd[1] = high;
	} else {
		fcntl(pipefd[1], F_SETFD, 0);
	}
	snprintf(num, sizeof(num), "fd:%d", pipefd[1]);
	setenv("FNGUARD_LOG", num, 1);
	setenv("FNGUARD_RECORD_OUT", raw, 1);
	/* Each process adds what it learned to the end; read all at once below. */
	setenv("FNGUARD_RECORD_APPEND", "1", 1);
	unsetenv("FNGUARD_PROFILE");
	if (launch_setup_env(NULL, "record") < 0) {
		learner_free(rd.learner);
		return EXIT_USAGE;
	}
	/*
	 * The calls the --extends profiles do not list, learned by a listener
	 * of ours (tools/record-syscalls.c): the shim's record mode filters
	 * nothing, so it cannot see them.
	 */
	struct policy *base = NULL, *oracle = NULL;
	struct record_sys *sys = NULL;
	if (cli.n_extends) {
		char *all = record_sys_all_names();
		int r = all ? learn_cli_load_base(&cli, &base) : -ENOMEM;
		if (r == 0 && policy_rule_count(base, POLICY_CAT_SYSCALL) > 0)
			r = learn_cli_load_base_with(&cli, all, &oracle);
		if (r == 0 && oracle)
			r = record_sys_new(base, oracle, pipefd[1], argv + optind, &sys);
		free(all);
		if (r < 0) {
			if (r == -ENOMEM)
				fprintf(stderr, "fnguard record: %s\n", strerror(-r));
			policy_free(base);
			policy_free(oracle);
			learner_free(rd.learner);
			return EXIT_USAGE;
		}
	}
	rd.fd = pipefd[0];
	rd.echo_fd = echo_fd;
	pthread_t thread;
	if (pthread_create(&thread, NULL, read_events, &rd) != 0) {
		fprintf(stderr, "fnguard record: cannot start the event reader\n");
		record_sys_finish(sys);
		policy_free(base);
		policy_free(oracle);
		learner_free(rd.learner);
		return EXIT_USAGE;
	}
	struct launch_hooks hooks = {record_sys_child, record_sys_parent, sys};
	int status = launch_run_hooked(argv + optind, sys ? &hooks : NULL);
	/* Its last lines go into the pipe before the reader is told to stop. */
	size_t sys_suppressed = record_sys_finish(sys);
	policy_free(base);
	policy_free(oracle);
	close(pipefd[1]);
	atomic_store(&rd.stop, true);
	pthread_join(thread, NULL);
	close(pipefd[0]);
	if (status < 0) {
		remove_record(raw);
		learner_free(rd.learner);
		return 127;
	}

	int r = rd.error;
	struct diag_list diags = {0};
	if (r == 0) {
		r = learner_fill_from_file(rd.learner, raw, &diags);
		if (r == -ENOENT)
			r = 0; /* nothing was recorded, or the command was killed */
	}
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard: %s\n", diags.lines[i]);
	diag_list_clear(&diags);
	remove_record(raw);
	if (r < 0) {
		fprintf(stderr, "fnguard record: %s\n", strerror(-r));
		learner_free(rd.learner);
		return EXIT_USAGE;
	}
	/* Rules only the shim's record holds: the run's phase is the best guess. */
	learner_set_unknown_phase(rd.learner,
				  rd.stats.invoke ? LEARNER_PHASE_INVOKE : LEARNER_PHASE_INIT);
	/* The listener's summaries count calls enforce will refuse: never learned. */
	if (rd.stats.suppressed > sys_suppressed)
		fprintf(stderr,
			"fnguard record: %zu events were rate-limited; the shim's own record "
			"filled in what they would have said\n",
			rd.stats.suppressed - sys_suppressed);
	r = learn_cli_finish(&cli, rd.learner, rd.stats.function);
	learner_free(rd.learner);
	return r < 0 ? EXIT_USAGE : status;
}
