// SPDX-License-Identifier: MIT
/*
 * failsafe-forkmt DENIED_DIR ALLOWED_FILE FORKS THREADS NAMES EXPECT
 *
 * Fork in a multithreaded process. THREADS busy threads stay inside
 * interposed calls (opens of NAMES names under DENIED_DIR, new names keep
 * record mode's learner busy, and stats of ALLOWED_FILE), while a separate forker
 * thread forks FORKS times. Each child, forked while the others were inside
 * the shim, judges calls of its own: an open under DENIED_DIR must fail with
 * EXPECT (EACCES in enforce, ENOENT otherwise), ALLOWED_FILE must open, and
 * /bin/true must run. A child that has not finished within 10 s is counted
 * as hung (a lock the shim left taken in the child) and killed.
 *
 * Prints on stderr: "forks=N ok=N wrong=N hung=N crashed=N".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *denied_dir, *allowed_file;
static int expect_errno;
static unsigned long n_names;
static atomic_bool stop;

static void *busy(void *arg)
{
	long id = (long)arg;
	char path[4096];
	struct stat st;
	for (unsigned long k = 0; !atomic_load(&stop); k++) {
		snprintf(path, sizeof(path), "%s/t%ld-%lu", denied_dir, id, k % n_names);
		int fd = open(path, O_RDONLY);
		if (fd >= 0)
			close(fd);
		stat(allowed_file, &st);
	}
	return NULL;
}

/* The child: judged calls of its own, then an exec. Exit 0 when all went as expected. */
static int child_work(int n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/child-%d", denied_dir, n);
	int fd = open(path, O_RDONLY);
	if (fd >= 0 || errno != expect_errno)
		return 3;
	fd = open(allowed_file, O_RDONLY);
	if (fd < 0)
		return 4;
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 5;
	return 0;
}

struct tally {
	int forks, ok, wrong, hung, crashed;
};

static void *forker(void *arg)
{
	struct tally *t = arg;
	for (int i = 0; i < t->forks; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			t->wrong++;
			continue;
		}
		if (pid == 0)
			_exit(child_work(i));
		int status = 0;
		struct timespec step = {0, 1000000};
		int waited_ms = 0;
		pid_t r;
		while ((r = waitpid(pid, &status, WNOHANG)) == 0 && waited_ms < 10000) {
			nanosleep(&step, NULL);
			waited_ms++;
		}
		if (r == 0) {
			t->hung++;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		} else if (WIFSIGNALED(status)) {
			t->crashed++;
			fprintf(stderr, "child %d: signal %d\n", i, WTERMSIG(status));
		} else if (WEXITSTATUS(status) != 0) {
			t->wrong++;
			fprintf(stderr, "child %d: exit %d\n", i, WEXITSTATUS(status));
		} else {
			t->ok++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 7)
		return 2;
	denied_dir = argv[1];
	allowed_file = argv[2];
	struct tally t = {.forks = atoi(argv[3])};
	int n_threads = atoi(argv[4]);
	n_names = strtoul(argv[5], NULL, 10);
	expect_errno = strcmp(argv[6], "EACCES") == 0 ? EACCES : ENOENT;
	pthread_t threads[64], fk;
	if (n_threads < 1 || n_threads > 64 || n_names < 1)
		return 2;
	for (long i = 0; i < n_threads; i++)
		pthread_create(&threads[i], NULL, busy, (void *)i);
	/* Let the busy threads get going before the first fork. */
	usleep(20000);
	pthread_create(&fk, NULL, forker, &t);
	pthread_join(fk, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	fprintf(stderr, "forks=%d ok=%d wrong=%d hung=%d crashed=%d\n", t.forks, t.ok, t.wrong,
		t.hung, t.crashed);
	return t.ok == t.forks ? 0 : 1;
}
