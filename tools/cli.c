// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "util.h"

const char *cli_getvar(const char *name, void *userdata)
{
	(void)userdata;
	return getenv(name);
}

const char *cli_search_path(void)
{
	static char buf[4 * PATH_MAX];
	if (!buf[0])
		policy_default_search_path(getenv("FNGUARD_PROFILE_PATH"), buf, sizeof(buf));
	return buf;
}

int cli_load_policy(const char *path, bool no_extends, struct policy **ret)
{
	struct diag_list diags = {0};
	struct policy_load_opts opts = {
		.search_path = cli_search_path(),
		.getvar = cli_getvar,
		.no_extends = no_extends,
	};
	/* A compiled bundle is a profile too (fnguard run, check and the layer's wrapper take it). */
	void *bundle = NULL;
	struct bundle_view view;
	int r = bundle_load_policy(path, &opts, ret, &bundle, &view, &diags);
	free(bundle);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard: %s\n", diags.lines[i]);
	if (r < 0 && diags.n == 0)
		fprintf(stderr, "fnguard: %s: %s\n", path, strerror(-r));
	diag_list_clear(&diags);
	return r;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

/* Writes len bytes to path through a temporary file in the same directory. */
int cli_write_atomically(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;

	mode_t mask = umask(0);
	umask(mask);
	int r = 0;
	for (size_t done = 0; done < len && r == 0;) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (r == 0 && fchmod(fd, 0666 & ~mask) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0) {
		int owned = fd;
		/* Read by _cleanup_close_, which the analyzer does not see. */
		fd = -1; // NOLINT(clang-analyzer-deadcode.DeadStores)
		if (close(owned) < 0)
			r = -errno;
	}
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}
