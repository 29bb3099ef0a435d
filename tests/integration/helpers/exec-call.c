// SPDX-License-Identifier: MIT
/*
 * exec-call OP PROGRAM [ARG...]: runs PROGRAM through one exec entry point
 * by name, so the integration tests can check each interposer alone. The
 * exec's argv is PROGRAM ARG... (for system and popen PROGRAM is the
 * command). When the entry point fails it prints "errno=NAME" to stderr
 * and exits 1; spawning ones wait and exit with the child's status.
 *
 * OPs: execve execv execvp execvpe execl execlp execle fexecve execveat
 * posix_spawn posix_spawnp system popen, and the environment tricks:
 *   execve-empty-env    execve with envp = {NULL}
 *   execve-hostile-env  execve without LD_PRELOAD, with FNGUARD_MODE=record,
 *                       FNGUARD_PROFILE=/dev/null and FNGUARD_ON_ERROR=open
 *   execvpe-hostile-env the same through execvpe
 *   spawn-hostile-env   the same through posix_spawn
 *   spawn-chdir         posix_spawn with a file action that changes to the
 *                       directory $SPAWN_DIR first (a relative PROGRAM then
 *                       names a file there)
 *   unsetenv-system     unsetenv(LD_PRELOAD), FNGUARD_MODE=record, system()
 *   unsetenv-popen      the same, popen()
 *   putenv-bare-system  putenv("FNGUARD_BARE") (a name without '='), system()
 *   clearenv-execv      clearenv(), execv
 *   vfork-execve        vfork, execve in the child
 *   fork-execv          fork, execv in the child
 *   dup2-log-execve     dup2 over the log descriptor, then execve
 *   wordexp             wordexp("$(PROGRAM)"): a command substitution, which
 *                       glibc runs with /bin/sh -c through its own spawn;
 *                       prints "wordexp=N" (its return) to stderr, exits 1
 *                       unless it is 0
 *   system-cancel       system(PROGRAM) in a thread cancelled after 0.3 s;
 *                       prints "left=1" to stderr if a child is left, else
 *                       "left=0"
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

extern char **environ;

static const char *errno_name(int e)
{
	static char buf[16];
	switch (e) {
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case E2BIG:
		return "E2BIG";
	case ENOEXEC:
		return "ENOEXEC";
	case ELOOP:
		return "ELOOP";
	case EBADF:
		return "EBADF";
	case ENOTDIR:
		return "ENOTDIR";
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	default:
		snprintf(buf, sizeof(buf), "%d", e);
		return buf;
	}
}

static int fail(int e)
{
	fprintf(stderr, "errno=%s\n", errno_name(e));
	return 1;
}

static int wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return fail(errno);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* environ without LD_PRELOAD and with a weaker fnguard configuration. */
static char **hostile_env(void)
{
	static char *env[4096];
	size_t n = 0;
	for (char **e = environ; *e && n < 4090; e++) {
		if (strncmp(*e, "LD_PRELOAD=", 11) == 0 || strncmp(*e, "FNGUARD_MODE=", 13) == 0 ||
		    strncmp(*e, "FNGUARD_PROFILE=", 16) == 0)
			continue;
		env[n++] = *e;
	}
	env[n++] = "FNGUARD_MODE=record";
	env[n++] = "FNGUARD_PROFILE=/dev/null";
	env[n++] = "FNGUARD_ON_ERROR=open";
	env[n] = NULL;
	return env;
}

static void weaken_environ(void)
{
	unsetenv("LD_PRELOAD");
	setenv("FNGUARD_MODE", "record", 1);
	setenv("FNGUARD_PROFILE", "/dev/null", 1);
}

/* execl and friends need their arguments spelled out. */
#define A(i) (n > (i) ? a[i] : NULL)

static void *system_thread(void *cmd)
{
	system(cmd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: exec-call OP PROGRAM [ARG...]\n");
		return 2;
	}
	const char *op = argv[1], *prog = argv[2];
	char **a = argv + 2;
	int n = argc - 2;
	char *empty[] = {NULL};
	pid_t pid;
	int r;

	if (n > 7 && strncmp(op, "execl", 5) == 0) {
		fprintf(stderr, "exec-call: at most 6 arguments\n");
		return 2;
	}
	fflush(stdout);
	if (strcmp(op, "execve") == 0)
		execve(prog, a, environ);
	else if (strcmp(op, "execv") == 0)
		execv(prog, a);
	else if (strcmp(op, "execvp") == 0)
		execvp(prog, a);
	else if (strcmp(op, "execvpe") == 0)
		execvpe(prog, a, environ);
	else if (strcmp(op, "execl") == 0)
		execl(prog, a[0], A(1), A(2), A(3), A(4), A(5), A(6), (char *)NULL);
	else if (strcmp(op, "execlp") == 0)
		execlp(prog, a[0], A(1), A(2), A(3), A(4), A(5), A(6), (char *)NULL);
	else if (strcmp(op, "execle") == 0) {
		/* execle needs its NULL right after the last argument. */
		switch (n) {
		case 1:
			execle(prog, a[0], (char *)NULL, environ);
			break;
		case 2:
			execle(prog, a[0], a[1], (char *)NULL, environ);
			break;
		case 3:
			execle(prog, a[0], a[1], a[2], (char *)NULL, environ);
			break;
		default:
			execle(prog, a[0], a[1], a[2], a[3], (char *)NULL, environ);
			break;
		}
	} else if (strcmp(op, "fexecve") == 0) {
		int fd = open(prog, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return fail(errno);
		fexecve(fd, a, environ);
	} else if (strcmp(op, "execveat") == 0) {
		char dir[4096], base[4096];
		snprintf(dir, sizeof(dir), "%s", prog);
		snprintf(base, sizeof(base), "%s", prog);
		int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return fail(errno);
		execveat(dfd, basename(base), a, environ, 0);
	} else if (strcmp(op, "posix_spawn") == 0 || strcmp(op, "posix_spawnp") == 0) {
		r = op[11] == 'p' ? posix_spawnp(&pid, prog, NULL, NULL, a, environ)
				  : posix_spawn(&pid, prog, NULL, NULL, a, environ);
		if (r != 0)
			return fail(r);
		return wait_child(pid);
	} else if (strcmp(op, "spawn-chdir") == 0) {
		posix_spawn_file_actions_t fa;
		const char *dir = getenv("SPAWN_DIR");
		posix_spawn_file_actions_init(&fa);
		if (!dir || posix_spawn_file_actions_addchdir_np(&fa, dir) != 0)
			return fail(EINVAL);
		r = posix_spawn(&pid, prog, &fa, NULL, a, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (r != 0)
			return fail(r);
		return wait_child(pid);
	} else if (strcmp(op, "spawn-hostile-env") == 0) {
		r = posix_spawn(&pid, prog, NULL, NULL, a, hostile_env());
		if (r != 0)
			return fail(r);
		return wait_child(pid);
	} else if (strcmp(op, "putenv-bare-system") == 0) {
		static char bare[] = "FNGUARD_BARE";
		putenv(bare);
		r = system(prog);
		if (r < 0)
			return fail(errno);
		return WIFEXITED(r) ? WEXITSTATUS(r) : 128 + WTERMSIG(r);
	} else if (strcmp(op, "system") == 0 || strcmp(op, "unsetenv-system") == 0) {
		if (op[0] == 'u')
			weaken_environ();
		errno = 0;
		r = system(prog);
		int e = errno;
		fprintf(stderr, "status=%d\n", r);
		if (r == -1 || (WIFEXITED(r) && WEXITSTATUS(r) == 127))
			return fail(e);
		return WIFEXITED(r) ? WEXITSTATUS(r) : 1;
	} else if (strcmp(op, "system-cancel") == 0) {
		pthread_t t;
		struct timespec pause = {.tv_nsec = 300 * 1000 * 1000};
		pthread_create(&t, NULL, system_thread, (void *)prog);
		nanosleep(&pause, NULL);
		pthread_cancel(t);
		pthread_join(t, NULL);
		/* 0: a shell still running; a pid: one not reaped; -1 (ECHILD): none left. */
		fprintf(stderr, "left=%d\n", waitpid(-1, NULL, WNOHANG) >= 0);
		return 0;
	} else if (strcmp(op, "wordexp") == 0) {
		char words[4096];
		wordexp_t w;
		snprintf(words, sizeof(words), "$(%s)", prog);
		r = wordexp(words, &w, 0);
		fprintf(stderr, "wordexp=%d\n", r);
		if (r == 0)
			wordfree(&w);
		return r == 0 ? 0 : 1;
	} else if (strcmp(op, "popen") == 0 || strcmp(op, "unsetenv-popen") == 0) {
		if (op[0] == 'u')
			weaken_environ();
		FILE *f = popen(prog, "r");
		if (!f)
			return fail(errno);
		char buf[4096];
		size_t got;
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, got, stdout);
		r = pclose(f);
		return WIFEXITED(r) ? WEXITSTATUS(r) : 1;
	} else if (strcmp(op, "execve-empty-env") == 0)
		execve(prog, a, empty);
	else if (strcmp(op, "execve-hostile-env") == 0)
		execve(prog, a, hostile_env());
	else if (strcmp(op, "execvpe-hostile-env") == 0)
		execvpe(prog, a, hostile_env());
	else if (strcmp(op, "clearenv-execv") == 0) {
		clearenv();
		execv(prog, a);
	} else if (strcmp(op, "vfork-execve") == 0) {
		pid = vfork();
		if (pid == 0) {
			execve(prog, a, environ);
			_exit(errno == EACCES ? 126 : 127);
		}
		if (pid < 0)
			return fail(errno);
		r = wait_child(pid);
		if (r == 126)
			return fail(EACCES);
		return r;
	} else if (strcmp(op, "fork-execv") == 0) {
		pid = fork();
		if (pid == 0) {
			execv(prog, a);
			_exit(errno == EACCES ? 126 : 127);
		}
		if (pid < 0)
			return fail(errno);
		r = wait_child(pid);
		if (r == 126)
			return fail(EACCES);
		return r;
	} else if (strcmp(op, "dup2-log-execve") == 0) {
		const char *log = getenv("FNGUARD_LOG_FD");
		if (!log)
			return fail(ENOENT);
		/* The program wants that number for itself: the log must move, and children follow. */
		if (dup2(2, atoi(log)) < 0)
			return fail(errno);
		execve(prog, a, environ);
	} else {
		fprintf(stderr, "exec-call: unknown op %s\n", op);
		return 2;
	}
	return fail(errno);
}
