// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "launch.h"

int launch_find_lib(char *buf, size_t size)
{
	const char *env = getenv("FNGUARD_LIB");
	char exe[PATH_MAX];
	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return access(buf, R_OK) == 0 ? 0 : -ENOENT;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, size, "%s/../lib/libfnguard.so", exe);
			char real[PATH_MAX];
			if (access(buf, R_OK) == 0 && realpath(buf, real)) {
				snprintf(buf, size, "%s", real);
				return 0;
			}
		}
	}
	snprintf(buf, size, "%s/libfnguard.so", FNGUARD_LIBDIR);
	return access(buf, R_OK) == 0 ? 0 : -ENOENT;
}

int launch_setup_env(const char *profile, const char *mode)
{
	char lib[PATH_MAX], abs[PATH_MAX];
	int r = launch_find_lib(lib, sizeof(lib));
	if (r < 0) {
		fprintf(stderr, "fnguard: cannot find libfnguard.so (set FNGUARD_LIB)\n");
		return r;
	}
	const char *old = getenv("LD_PRELOAD");
	char *preload = NULL;
	if (old && *old && !strstr(old, lib)) {
		if (asprintf(&preload, "%s:%s", lib, old) < 0)
			return -ENOMEM;
	} else if (!(preload = strdup(lib))) {
		return -ENOMEM;
	}
	setenv("LD_PRELOAD", preload, 1);
	free(preload);
	if (profile) {
		if (!realpath(profile, abs)) {
			fprintf(stderr, "fnguard: %s: %s\n", profile, strerror(errno));
			return -errno;
		}
		setenv("FNGUARD_PROFILE", abs, 1);
	}
	if (mode)
		setenv("FNGUARD_MODE", mode, 1);
	unsetenv("FNGUARD_LOG_FD");
	unsetenv("FNGUARD_LOG_ID");
	unsetenv("FNGUARD_LOG_SHARED");
	return 0;
}

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

int launch_run(char **argv)
{
	struct sigaction sa = {.sa_handler = forward};
	int status;
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fnguard: fork: %s\n", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "fnguard: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	child_pid = pid;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
