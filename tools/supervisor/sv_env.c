// SPDX-License-Identifier: MIT
/*
 * The program's environment. Normally the supervisor's own (environ), which
 * it then shares with the program. Started by the shim's launcher (--env-fd,
 * lib/handover.c) the two differ: the supervisor runs with the first
 * process's environment, so that nothing a request carries (LD_*, resolver
 * variables such as HOSTALIASES or RES_OPTIONS, GLIBC_TUNABLES) steers the
 * supervisor's own loader, libc or name resolution, and the program gets the
 * environment its caller gave it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv.h"

extern char **environ;

static char **program_env; /* NULL: environ */
static size_t n_env, cap_env;
static char *block;

char **sv_env(void)
{
	return program_env ? program_env : environ;
}

static char **find(const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n_env; i++)
		if (strncmp(program_env[i], name, len) == 0 && program_env[i][len] == '=')
			return &program_env[i];
	return NULL;
}

const char *sv_env_get(const char *name)
{
	if (!program_env)
		return getenv(name);
	char **e = find(name);
	return e ? *e + strlen(name) + 1 : NULL;
}

static int append(char *entry)
{
	if (!program_env || n_env + 2 > cap_env) {
		size_t cap = cap_env ? cap_env * 2 : 64;
		char **grown = realloc(program_env, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		program_env = grown;
		cap_env = cap;
	}
	program_env[n_env++] = entry;
	program_env[n_env] = NULL;
	return 0;
}

int sv_env_set(const char *name, const char *value)
{
	if (!program_env)
		return setenv(name, value, 1) < 0 ? -errno : 0;
	size_t nl = strlen(name), vl = strlen(value);
	char *entry = malloc(nl + vl + 2);
	if (!entry)
		return -ENOMEM;
	memcpy(entry, name, nl);
	entry[nl] = '=';
	memcpy(entry + nl + 1, value, vl + 1);
	char **e = find(name);
	if (e) {
		*e = entry; /* the old one may live in the block: not freed */
		return 0;
	}
	int r = append(entry);
	if (r < 0)
		free(entry);
	return r;
}

int sv_env_detach(const char *skip_prefix)
{
	if (program_env)
		return 0;
	if (append(NULL) < 0)
		return -ENOMEM;
	n_env = 0;
	size_t skip = skip_prefix ? strlen(skip_prefix) : 0;
	for (char **e = environ; e && *e; e++)
		if ((!skip || strncmp(*e, skip_prefix, skip) != 0) && strchr(*e, '=') &&
		    append(*e) < 0)
			return -ENOMEM;
	return 0;
}

int sv_env_load(int fd)
{
	size_t size = 0, cap = 0;
	for (;;) {
		if (size + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			char *grown = realloc(block, cap);
			if (!grown)
				return -ENOMEM;
			block = grown;
		}
		ssize_t n = pread(fd, block + size, cap - size - 1, (off_t)size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		size += (size_t)n;
	}
	block[size] = '\0';
	/* Entries are NUL-terminated; an empty block is an empty environment. */
	if (!program_env && append(NULL) < 0)
		return -ENOMEM;
	n_env = 0;
	for (size_t off = 0; off < size;) {
		size_t len = strlen(block + off);
		if (len && strchr(block + off, '=') && append(block + off) < 0)
			return -ENOMEM;
		off += len + 1;
	}
	return 0;
}
