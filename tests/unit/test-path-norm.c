// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "path_norm.h"
#include "util.h"

struct norm_case {
	const char *base;
	const char *path;
	const char *expect;
};

static const struct norm_case cases[] = {
	{NULL, "/", "/"},
	{NULL, "/etc/passwd", "/etc/passwd"},
	{NULL, "//etc///passwd", "/etc/passwd"},
	{NULL, "//", "/"},
	{NULL, "/./etc/./passwd/.", "/etc/passwd"},
	{NULL, "/a/b/../c", "/a/c"},
	{NULL, "/a/b/../../..", "/"},
	{NULL, "/..", "/"},
	{NULL, "/../../etc", "/etc"},
	{NULL, "/a/b/", "/a/b"},
	{NULL, "/a/b//", "/a/b"},
	{NULL, "/a/b/..", "/a"},
	{NULL, "/a/...", "/a/..."},
	{NULL, "/a/..b/.c", "/a/..b/.c"},
	{"/base", "/abs", "/abs"},
	{"/var/task", "app.py", "/var/task/app.py"},
	{"/var/task/", "app.py", "/var/task/app.py"},
	{"/var/task", ".", "/var/task"},
	{"/var/task", "./", "/var/task"},
	{"/var/task", "..", "/var"},
	{"/var/task", "../../../x", "/x"},
	{"/", "x", "/x"},
	{"/", ".", "/"},
	{"/var/./task//", "lib/../x/", "/var/task/x"},
	{"/var/task/..", "x", "/var/x"},
	/* Bytes other than '/' and NUL are kept as they are. */
	{NULL, "/a b/\t\n/\xff\xfe/caf\xc3\xa9", "/a b/\t\n/\xff\xfe/caf\xc3\xa9"},
	{NULL, "/a\\b/*?[x]", "/a\\b/*?[x]"},
};

Test(path_normalize, table)
{
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct norm_case *c = &cases[i];
		char buf[PATH_MAX];
		size_t len = 99999;
		int r = path_normalize(c->base, c->path, buf, sizeof(buf), &len);

		cr_expect_eq(r, 0, "%s + %s: %d", c->base ? c->base : "(null)", c->path, r);
		if (r < 0)
			continue;
		cr_expect_str_eq(buf, c->expect, "%s + %s", c->base ? c->base : "(null)", c->path);
		cr_expect_eq(len, strlen(c->expect), "%s", c->path);
	}
}

Test(path_normalize, invalid)
{
	char buf[64];
	size_t len = 42;

	cr_expect_eq(path_normalize("/x", "", buf, sizeof(buf), &len), -EINVAL);
	cr_expect_eq(path_normalize("/x", NULL, buf, sizeof(buf), &len), -EINVAL);
	cr_expect_eq(path_normalize(NULL, "rel", buf, sizeof(buf), &len), -EINVAL);
	cr_expect_eq(path_normalize("", "rel", buf, sizeof(buf), &len), -EINVAL);
	cr_expect_eq(path_normalize("relative/base", "rel", buf, sizeof(buf), &len), -EINVAL);
	cr_expect_eq(path_normalize(NULL, ".", buf, sizeof(buf), &len), -EINVAL);
	cr_expect_eq(len, 42, "ret_len written on failure");
}

Test(path_normalize, too_long)
{
	char buf[8], big[PATH_MAX * 2];
	size_t len = 42;

	/* "/abcdef" plus NUL is exactly 8 bytes. */
	cr_expect_eq(path_normalize(NULL, "/abcdef", buf, sizeof(buf), &len), 0);
	cr_expect_str_eq(buf, "/abcdef");
	cr_expect_eq(len, 7);
	len = 42;
	cr_expect_eq(path_normalize(NULL, "/abcdefg", buf, sizeof(buf), &len), -ENAMETOOLONG);
	cr_expect_eq(path_normalize(NULL, "/abc/def", buf, sizeof(buf), &len), -ENAMETOOLONG);
	cr_expect_eq(path_normalize("/abcd", "efg", buf, sizeof(buf), &len), -ENAMETOOLONG);
	cr_expect_eq(path_normalize(NULL, "/", buf, 1, &len), -ENAMETOOLONG);
	cr_expect_eq(path_normalize(NULL, "/", buf, 0, &len), -ENAMETOOLONG);
	cr_expect_eq(len, 42);

	/* Only the result counts: what "/.." removes never had to fit. */
	cr_expect_eq(path_normalize(NULL, "/averyveryverylongname/../ab", buf, sizeof(buf), &len),
		     0);
	cr_expect_str_eq(buf, "/ab");
	cr_expect_eq(
		path_normalize(NULL, "/ab/averyveryverylongname/x/../..", buf, sizeof(buf), &len),
		0);
	cr_expect_str_eq(buf, "/ab");
	/* Here the long segment is part of the result. */
	cr_expect_eq(path_normalize(NULL, "/ab/averyveryverylongname/c/..", buf, sizeof(buf), &len),
		     -ENAMETOOLONG);

	cr_expect_eq(path_normalize(NULL, "/", buf, 2, &len), 0);
	cr_expect_str_eq(buf, "/");
	cr_expect_eq(len, 1);

	/* A long base with a relative path, near PATH_MAX. */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[PATH_MAX - 1] = '\0';
	char out[PATH_MAX];
	cr_expect_eq(path_normalize(big, ".", out, sizeof(out), &len), 0);
	cr_expect_eq(len, PATH_MAX - 1);
	cr_expect_eq(path_normalize(big, "x", out, sizeof(out), &len), -ENAMETOOLONG);
	cr_expect_eq(path_normalize(big, "../x", out, sizeof(out), &len), 0);
	cr_expect_str_eq(out, "/x");
}

Test(path_norm, is_normal_agrees_with_normalize)
{
	static const char *const paths[] = {
		"/",	  "/a",	    "/a/b",	"/a/b/",    "//a",	"/a//b",
		"/./a",	  "/a/.",   "/a/..",	"/a/../b",  "/..",	"/.hidden",
		"/a/.b",  "/a/..b", "/a/b..",	"/a/...",   "relative", "",
		"/a/./b", "/.",	    "/a/b/c.d", "/x/.../y", "/..a/b",	"/a/b//",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *p = paths[i];
		char buf[64];
		size_t len = 0;
		int r = path_normalize(NULL, p, buf, sizeof(buf), &len);
		bool same = r == 0 && len == strlen(p) && memcmp(buf, p, len) == 0;
		cr_assert_eq(path_is_normal(p, strlen(p)), same,
			     "'%s': is_normal=%d, normalize gives '%s'", p,
			     path_is_normal(p, strlen(p)), r == 0 ? buf : "(error)");
	}
}

/* Every string of up to 7 bytes over "/.a", in a heap block of its exact size (ASan sees overreads). */
Test(path_norm, is_normal_exhaustive)
{
	static const char alphabet[] = "/.a";
	char p[8];
	unsigned checked = 0;

	for (size_t n = 1; n <= 7; n++) {
		size_t total = 1;
		for (size_t i = 0; i < n; i++)
			total *= 3;
		for (size_t code = 0; code < total; code++) {
			size_t c = code;
			for (size_t i = 0; i < n; i++, c /= 3)
				p[i] = alphabet[c % 3];
			p[n] = '\0';
			char buf[64], *copy = malloc(n);
			size_t len = 0;
			cr_assert_not_null(copy);
			memcpy(copy, p, n);
			int r = path_normalize(NULL, p, buf, sizeof(buf), &len);
			bool same = r == 0 && len == n && memcmp(buf, p, n) == 0;
			cr_assert_eq(path_is_normal(copy, n), same, "'%s'", p);
			free(copy);
			checked++;
		}
	}
	cr_expect_eq(checked, 3279);
}
