// SPDX-License-Identifier: MIT
/*
 * files: changing what the profile makes read-only ($SEC_RO: the directory and
 * its file "target"). HOW = creat (a new file), truncate, rename-over (a file
 * written in a writable directory renamed onto target), proc-fd-reopen (target
 * opened read-only, then /proc/self/fd/N reopened for writing), rename-out (the
 * secret moved into the writable directory: a deletion the profile forbids).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *how = argv[1], *ro = case_env("SEC_RO"), *out = case_env("SEC_OUT");
	char target[4200], path[4200];
	case_path(target, sizeof(target), ro, "target");
	long r;
	if (!strcmp(how, "creat")) {
		case_path(path, sizeof(path), ro, "planted");
		r = creat(path, 0644);
		if (r >= 0)
			(void)!write((int)r, "planted\n", 8);
	} else if (!strcmp(how, "truncate")) {
		r = truncate(target, 0);
	} else if (!strcmp(how, "rename-over")) {
		case_path(path, sizeof(path), out, "evil");
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		case_report("open(out/evil)", fd);
		(void)!write(fd, "replaced\n", 9);
		close(fd);
		r = rename(path, target);
	} else if (!strcmp(how, "proc-fd-reopen")) {
		int fd = open(target, O_RDONLY);
		case_report("open(target, O_RDONLY)", fd);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r = open(path, O_WRONLY | O_TRUNC);
		if (r >= 0)
			(void)!write((int)r, "replaced\n", 9);
	} else if (!strcmp(how, "rename-out")) {
		case_path(path, sizeof(path), out, "stolen");
		r = rename(case_env("SEC_SECRET"), path);
	} else {
		return 2;
	}
	case_report(how, r);
	return 0;
}
