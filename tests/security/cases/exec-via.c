// SPDX-License-Identifier: MIT
/*
 * exec: the program outside the profile's exec rules ($SEC_DENIED_PROG) run
 * through HOW = execveat, fexecve, memfd (copied into a memfd, then fexecve),
 * loader (the dynamic loader run as the program), raw-execve (an inline system call),
 * vfork (execve in a vfork child) or clone3 (execve in a child made by an
 * inline clone3 system call).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "case.h"

extern char **environ;

static int find_interp(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type == PT_INTERP) {
			*(const char **)data =
				(const char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
			return 1;
		}
	}
	return 0;
}

static int copy_to_memfd(const char *path)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int fd = memfd_create("payload", 0);
	if (fd < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, (size_t)n) != n) {
			close(in);
			close(fd);
			return -1;
		}
	}
	close(in);
	return fd;
}

static int wait_child(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	fprintf(stderr, "child status=%d\n", st);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *how = argv[1], *prog = case_env("SEC_DENIED_PROG");
	char *args[] = {(char *)prog, (char *)"ran", NULL};
	long r;
	if (!strcmp(how, "execveat")) {
		int dir = open(case_env("SEC_BIN"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = execveat(dir, "denied-probe", args, environ, 0);
	} else if (!strcmp(how, "fexecve")) {
		int fd = open(prog, O_RDONLY);
		r = fd < 0 ? -1 : fexecve(fd, args, environ);
	} else if (!strcmp(how, "memfd")) {
		int fd = copy_to_memfd(prog);
		case_report("memfd_create", fd);
		r = fd < 0 ? -1 : fexecve(fd, args, environ);
	} else if (!strcmp(how, "loader")) {
		const char *interp = NULL;
		dl_iterate_phdr(find_interp, &interp);
		if (!interp)
			return 2;
		char *largs[] = {(char *)interp, (char *)prog, (char *)"ran", NULL};
		r = execve(interp, largs, environ);
	} else if (!strcmp(how, "raw-execve")) {
		r = case_raw6(SYS_execve, (long)prog, (long)args, (long)environ, 0, 0, 0);
	} else if (!strcmp(how, "vfork")) {
		int err = 0;
		pid_t pid = vfork();
		if (pid == 0) {
			execve(prog, args, environ);
			err = errno;
			_exit(127);
		}
		errno = err;
		r = pid < 0 ? -1 : (err ? -1 : 0);
		case_report("vfork+execve", r);
		if (pid > 0)
			wait_child(pid);
		return 0;
	} else if (!strcmp(how, "clone3")) {
		struct clone_args ca = {.exit_signal = SIGCHLD};
		r = case_raw6(SYS_clone3, (long)&ca, sizeof(ca), 0, 0, 0, 0);
		if (r == 0) {
			execve(prog, args, environ);
			case_report("clone3 child: execve", -1);
			_exit(127);
		}
		case_report("clone3", r);
		if (r > 0)
			wait_child((pid_t)r);
		return 0;
	} else {
		return 2;
	}
	case_report(how, r);
	return 0;
}
