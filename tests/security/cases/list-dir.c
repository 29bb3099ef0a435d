// SPDX-License-Identifier: MIT
/*
 * glibc-internal opendir: listing the secret directory (a file there is named
 * after the secret) with HOW = opendir, scandir, nftw or glob.
 */
#include <dirent.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

static int print_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	printf("%s\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *dir = case_env("SEC_SECRET_DIR");
	const char *how = argv[1];
	long r;
	if (!strcmp(how, "opendir")) {
		DIR *d = opendir(dir);
		r = d ? 0 : -1;
		for (struct dirent *e; d && (e = readdir(d));)
			printf("%s\n", e->d_name);
	} else if (!strcmp(how, "scandir")) {
		struct dirent **list;
		int n = scandir(dir, &list, NULL, alphasort);
		r = n;
		for (int i = 0; i < n; i++)
			printf("%s\n", list[i]->d_name);
	} else if (!strcmp(how, "nftw")) {
		r = nftw(dir, print_entry, 4, FTW_PHYS);
	} else if (!strcmp(how, "glob")) {
		char pattern[4200];
		glob_t g;
		case_path(pattern, sizeof(pattern), dir, "*");
		r = glob(pattern, 0, NULL, &g) == 0 ? 0 : -1;
		for (size_t i = 0; r == 0 && i < g.gl_pathc; i++)
			printf("%s\n", g.gl_pathv[i]);
	} else {
		return 2;
	}
	case_report(how, r);
	return 0;
}
