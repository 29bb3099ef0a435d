// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec_rules.h"
#include "glob_pattern.h"
#include "glob_trie.h"

struct exec_rules {
	const struct exec_rule *rules;
	size_t n;
	struct glob_trie *paths;
};

int exec_rules_build(const struct exec_rule *rules, size_t n, struct exec_rules **ret)
{
	struct exec_rules *er = calloc(1, sizeof(*er));
	int r;
	if (!er)
		return -ENOMEM;
	er->rules = rules;
	er->n = n;
	r = glob_trie_new(GLOB_TRIE_PATH, &er->paths);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = glob_trie_add(er->paths, rules[i].glob, (uint32_t)i);
	if (r == 0)
		r = glob_trie_freeze_uncached(er->paths); /* one match an exec */
	if (r < 0) {
		exec_rules_free(er);
		return r;
	}
	*ret = er;
	return 0;
}

void exec_rules_free(struct exec_rules *er)
{
	if (!er)
		return;
	if (er->paths)
		glob_trie_free(er->paths);
	free(er);
}

/*
 * Iterative glob with single-star backtracking: linear in practice and never
 * exponential, because only the most recent '*' is retried.
 */
bool exec_argv_element_match(const char *pattern, const char *arg)
{
	const char *p = pattern, *s = arg;
	const char *star_p = NULL, *star_s = NULL;

	if (strcmp(pattern, "*") == 0)
		return true;
	while (*s) {
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		if (*p && *p != '/' && (*p == '?' ? *s != '/' : *p == *s)) {
			/* One character as paths count them (a NUL ends any sequence). */
			s += *p == '?' ? glob_char_len(s, strnlen(s, 4)) : 1;
			p++;
			continue;
		}
		if (*p == '/' && *s == '/') {
			p++;
			s++;
			continue;
		}
		/* Mismatch: let the last '*' absorb one more character, never a '/'. */
		if (star_p && *star_s != '/') {
			p = star_p;
			s = ++star_s;
			continue;
		}
		return false;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static bool argv_match(const struct exec_rule *rule, char *const argv[])
{
	size_t i;
	if (!rule->argv)
		return true;
	for (i = 0; i < rule->argc; i++) {
		if (i + 1 == rule->argc && strcmp(rule->argv[i], "**") == 0)
			return true;
		if (!argv || !argv[i])
			return false;
		if (!exec_argv_element_match(rule->argv[i], argv[i]))
			return false;
	}
	return !argv || !argv[i];
}

struct exec_walk {
	const struct exec_rules *er;
	char *const *argv;
	int best;
};

static int exec_visit(uint32_t value, void *userdata)
{
	struct exec_walk *w = userdata;
	if ((w->best < 0 || (int)value < w->best) && argv_match(&w->er->rules[value], w->argv))
		w->best = (int)value;
	return 0;
}

int exec_rules_match(const struct exec_rules *er, const char *path, size_t len, char *const argv[])
{
	struct exec_walk w = {.er = er, .argv = argv, .best = -1};
	int r = glob_trie_match(er->paths, path, len, exec_visit, &w);
	if (r < 0)
		return r;
	return w.best >= 0 ? w.best : -ENOENT;
}
