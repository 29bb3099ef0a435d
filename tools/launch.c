// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "descendant_vars.h"
#include "exe_kind.h"
#include "launch.h"
#include "policy.h"

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

int launch_log_fd(const char *dest)
{
	char *end;
	if (!dest || strcmp(dest, "stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(dest, "stderr") == 0)
		return STDERR_FILENO;
	if (strncmp(dest, "fd:", 3) == 0) {
		long n = strtol(dest + 3, &end, 10);
		if (dest[3] && !*end && n >= 0 && n < INT_MAX && fcntl((int)n, F_GETFD) >= 0)
			return (int)n;
	}
	return -1;
}

const char *launch_find_command(const char *cmd, char *buf, size_t size)
{
	if (strchr(cmd, '/'))
		return cmd;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		if ((size_t)snprintf(buf, size, "%.*s%s%s", (int)len, path, len ? "/" : "", cmd) <
			    size &&
		    access(buf, X_OK) == 0)
			return buf;
		path += len;
		path += *path == ':';
	}
	return NULL;
}

int launch_check_preloadable(const char *cmd)
{
	char buf[PATH_MAX];
	const char *file = launch_find_command(cmd, buf, sizeof(buf));
	if (!file)
		return 0; /* execvp says why */
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return 0;
	bool foreign = false;
	enum exe_kind kind = exe_kind_of_fd(fd, &foreign);
	close(fd);
	if (kind == EXE_STATIC) {
		fprintf(stderr,
			"fnguard: %s is a static program: no preloaded library reaches it; run it "
			"with fnguard exec (fnguard trace to learn its profile)\n",
			file);
		return -ENOEXEC;
	}
	if (foreign) {
		fprintf(stderr,
			"fnguard: %s is an ELF of another class (32-bit?): libfnguard.so cannot "
			"be loaded into it\n",
			file);
		return -ENOEXEC;
	}
	return 0;
}

/* What a tree's first process sets for its descendants (descendant_vars.h). */
static const char *const descendant_marks[] = {FNGUARD_DESCENDANT_LOG_VARS,
					       FNGUARD_DESCENDANT_MARKS};

/* Whether lib is LD_PRELOAD's first entry (ld.so splits it at ':' and ' '). */
static bool preload_first(const char *list, const char *lib)
{
	list += strspn(list, ": ");
	size_t len = strcspn(list, ": ");
	return len == strlen(lib) && memcmp(list, lib, len) == 0;
}

int launch_setup_env(const char *profile, const char *mode)
{
	char lib[PATH_MAX], abs[PATH_MAX];
	int r = launch_find_lib(lib, sizeof(lib));
	if (r < 0) {
		fprintf(stderr, "fnguard: cannot find libfnguard.so (set FNGUARD_LIB)\n");
		return r;
	}
	/* ld.so splits LD_PRELOAD at both: the command would start without the shim. */
	if (strpbrk(lib, ": ")) {
		fprintf(stderr, "fnguard: %s: a preloaded library's path cannot hold ':' or ' '\n",
			lib);
		return -EINVAL;
	}
	const char *old = getenv("LD_PRELOAD");
	char *preload = NULL;
	if (old && *old && !preload_first(old, lib)) {
		if (asprintf(&preload, "%s:%s", lib, old) < 0)
			return -ENOMEM;
	} else if (!(preload = strdup(old && *old ? old : lib))) {
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
	/* The command is the first process of a new tree: nothing it inherits is its own. */
	for (size_t i = 0; i < sizeof(descendant_marks) / sizeof(descendant_marks[0]); i++)
		unsetenv(descendant_marks[i]);
	for (size_t i = 0; policy_var_pin_name(i); i++)
		unsetenv(policy_var_pin_name(i));
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
	return launch_run_hooked(argv, NULL);
}

int launch_run_hooked(char **argv, const struct launch_hooks *hooks)
{
	struct sigaction sa = {.sa_handler = forward};
	int status;
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fnguard: fork: %s\n", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (hooks && hooks->child)
			hooks->child(hooks->arg);
		execvp(argv[0], argv);
		fprintf(stderr, "fnguard: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	child_pid = pid;
	if (hooks && hooks->parent)
		hooks->parent(hooks->arg);
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
