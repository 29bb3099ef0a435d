// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "exec_rules.h"

Test(exec_rules, argv_element)
{
	cr_assert(exec_argv_element_match("*", "/anything/at/all"));
	cr_assert(exec_argv_element_match("*", ""));
	cr_assert(exec_argv_element_match("/tmp/*.png", "/tmp/a.png"));
	cr_assert(exec_argv_element_match("/tmp/*.png", "/tmp/.png"));
	cr_assert_not(exec_argv_element_match("/tmp/*.png", "/tmp/../etc/x.png"));
	cr_assert_not(exec_argv_element_match("/tmp/*.png", "/tmp/a/b.png"));
	cr_assert_not(exec_argv_element_match("/tmp/*.png", "/tmp/a.jpg"));
	cr_assert(exec_argv_element_match("-?", "-c"));
	cr_assert_not(exec_argv_element_match("-?", "-cc"));
	cr_assert(exec_argv_element_match("a?c", "a\xc3\xa9"
						 "c"));
	cr_assert(exec_argv_element_match("--out=*", "--out=x"));
	cr_assert(exec_argv_element_match("*.txt", "a.b.txt"));
	cr_assert_not(exec_argv_element_match("*.txt", "dir/a.txt"));
	cr_assert(exec_argv_element_match("a*b*c", "aXXbYYc"));
	cr_assert_not(exec_argv_element_match("a*b*c", "aXXbYY"));
	cr_assert(exec_argv_element_match("exact", "exact"));
	cr_assert_not(exec_argv_element_match("exact", "exactly"));
	cr_assert_not(exec_argv_element_match("", "x"));
	cr_assert(exec_argv_element_match("", ""));
}

static char *argv_convert[] = {"convert", "in.jpg", "/tmp/out.png", NULL};
static char *argv_short[] = {"convert", "in.jpg", NULL};
static char *argv_long[] = {"convert", "in.jpg", "/tmp/out.png", "extra", NULL};

Test(exec_rules, rules)
{
	char *a0[] = {"convert", "*", "/tmp/*.png"};
	char *a1[] = {"sh", "-c", "**"};
	struct exec_rule rules[] = {
		{.path = "/usr/bin/convert", .glob = "/usr/bin/convert", .argv = a0, .argc = 3},
		{.path = "/bin/sh", .glob = "/bin/sh", .argv = a1, .argc = 3},
		{.path = "/usr/local/bin/*", .glob = "/usr/local/bin/*"},
	};
	struct exec_rules *er;
	cr_assert_eq(exec_rules_build(rules, 3, &er), 0);
	cr_assert_eq(exec_rules_match(er, "/usr/bin/convert", 16, argv_convert), 0);
	cr_assert_eq(exec_rules_match(er, "/usr/bin/convert", 16, argv_short), -ENOENT);
	cr_assert_eq(exec_rules_match(er, "/usr/bin/convert", 16, argv_long), -ENOENT);
	char *sh1[] = {"sh", "-c", NULL};
	char *sh2[] = {"sh", "-c", "id", "x", NULL};
	char *sh3[] = {"bash", "-c", "id", NULL};
	cr_assert_eq(exec_rules_match(er, "/bin/sh", 7, sh1), 1, "'**' matches nothing too");
	cr_assert_eq(exec_rules_match(er, "/bin/sh", 7, sh2), 1);
	cr_assert_eq(exec_rules_match(er, "/bin/sh", 7, sh3), -ENOENT);
	cr_assert_eq(exec_rules_match(er, "/usr/local/bin/tool", 19, sh3), 2);
	cr_assert_eq(exec_rules_match(er, "/usr/local/bin/a/b", 18, NULL), -ENOENT);
	cr_assert_eq(exec_rules_match(er, "/bin/bash", 9, NULL), -ENOENT);
	exec_rules_free(er);
}
