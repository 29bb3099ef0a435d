// SPDX-License-Identifier: MIT
/*
 * files: the secret reached by another name, opened read-only through libc.
 * HOW = symlink (a link planted in a writable directory), dotdot
 * (OUT/../secret), chdir / fchdir (a relative path from the work directory),
 * dirfd / dirfd-dotdot (openat on a directory opened earlier), proc-root
 * (/proc/self/root/...), proc-cwd (/proc/self/cwd/...), dev-fd
 * (/dev/fd/N/... on a directory descriptor), hardlink (a link made in a
 * writable directory), opath (an O_PATH descriptor reopened through
 * /proc/self/fd/N).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

/* The secret's path below the work directory, as the runner lays it out. */
#define SECRET_REL "secret/secret.txt"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *how = argv[1], *secret = case_env("SEC_SECRET");
	const char *out = case_env("SEC_OUT"), *work = case_env("SEC_WORK");
	char path[4200];
	int fd = -1;
	if (!strcmp(how, "symlink")) {
		case_path(path, sizeof(path), out, "link");
		case_report("symlink", symlink(secret, path));
		fd = open(path, O_RDONLY);
	} else if (!strcmp(how, "dotdot")) {
		case_path(path, sizeof(path), out, "../" SECRET_REL);
		fd = open(path, O_RDONLY);
	} else if (!strcmp(how, "chdir")) {
		case_report("chdir", chdir(work));
		fd = open(SECRET_REL, O_RDONLY);
	} else if (!strcmp(how, "fchdir")) {
		int dir = open(work, O_RDONLY | O_DIRECTORY);
		case_report("fchdir", fchdir(dir));
		fd = open(SECRET_REL, O_RDONLY);
	} else if (!strcmp(how, "dirfd")) {
		int dir = open(work, O_RDONLY | O_DIRECTORY);
		case_report("open(work)", dir);
		fd = openat(dir, SECRET_REL, O_RDONLY);
	} else if (!strcmp(how, "dirfd-dotdot")) {
		int dir = open(out, O_RDONLY | O_DIRECTORY);
		case_report("open(out)", dir);
		fd = openat(dir, "../" SECRET_REL, O_RDONLY);
	} else if (!strcmp(how, "proc-root")) {
		snprintf(path, sizeof(path), "/proc/self/root%s", secret);
		fd = open(path, O_RDONLY);
	} else if (!strcmp(how, "proc-cwd")) {
		case_report("chdir", chdir(work));
		fd = open("/proc/self/cwd/" SECRET_REL, O_RDONLY);
	} else if (!strcmp(how, "dev-fd")) {
		int dir = open(work, O_RDONLY | O_DIRECTORY);
		case_report("open(work)", dir);
		snprintf(path, sizeof(path), "/dev/fd/%d/" SECRET_REL, dir);
		fd = open(path, O_RDONLY);
	} else if (!strcmp(how, "hardlink")) {
		case_path(path, sizeof(path), out, "hardlink");
		case_report("link", link(secret, path));
		fd = open(path, O_RDONLY);
	} else if (!strcmp(how, "opath")) {
		int p = open(secret, O_PATH);
		case_report("open(O_PATH)", p);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", p);
		fd = open(path, O_RDONLY);
	} else {
		return 2;
	}
	case_report(how, fd);
	if (fd >= 0)
		case_leak_fd(fd, how);
	return 0;
}
