// SPDX-License-Identifier: MIT
/*
 * failsafe-nomalloc.so — a test-only preload (never installed, never part of
 * libfnguard) that makes memory allocation fail for chosen callers, to
 * simulate running out of memory inside the shim while the program itself
 * keeps working.
 *
 *   FAILSAFE_NOMALLOC_IN=a,b,...  substrings of the objects whose calls may
 *                                 fail (e.g. "libfnguard.so,libcjson,libseccomp");
 *                                 the caller is the return address's object
 *   FAILSAFE_NOMALLOC_AFTER=N     the first N such calls succeed, all later fail
 *   FAILSAFE_NOMALLOC_REPORT=1    at exit, "nomalloc: calls=N failed=M" on stderr
 *
 * Allocation itself is glibc's (__libc_malloc and friends).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

#define EXPORT __attribute__((visibility("default")))

static atomic_ulong calls, failed;

/* Whether the object holding the caller's address is one of the named ones. */
static bool targeted(const void *caller)
{
	const char *in = getenv("FAILSAFE_NOMALLOC_IN");
	Dl_info info;
	if (!in || !*in || !dladdr(caller, &info) || !info.dli_fname)
		return false;
	const char *name = strrchr(info.dli_fname, '/');
	name = name ? name + 1 : info.dli_fname;
	for (const char *p = in; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char want[128];
		if (len && len < sizeof(want)) {
			memcpy(want, p, len);
			want[len] = '\0';
			if (strstr(name, want))
				return true;
		}
		p += len + (comma ? 1 : 0);
	}
	return false;
}

static bool should_fail(const void *caller)
{
	if (!targeted(caller))
		return false;
	const char *after = getenv("FAILSAFE_NOMALLOC_AFTER");
	unsigned long n = atomic_fetch_add(&calls, 1);
	if (!after || n < strtoul(after, NULL, 10))
		return false;
	atomic_fetch_add(&failed, 1);
	errno = ENOMEM;
	return true;
}

EXPORT void *malloc(size_t size)
{
	return should_fail(__builtin_return_address(0)) ? NULL : __libc_malloc(size);
}

EXPORT void *calloc(size_t n, size_t size)
{
	return should_fail(__builtin_return_address(0)) ? NULL : __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t size)
{
	return should_fail(__builtin_return_address(0)) ? NULL : __libc_realloc(p, size);
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	return should_fail(__builtin_return_address(0)) ? NULL : __libc_memalign(align, size);
}

EXPORT int posix_memalign(void **ret, size_t align, size_t size)
{
	if (should_fail(__builtin_return_address(0)))
		return ENOMEM;
	void *p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*ret = p;
	return 0;
}

/* glibc's own strdup calls malloc from libc: the caller would be lost. */
EXPORT char *strdup(const char *s)
{
	if (should_fail(__builtin_return_address(0)))
		return NULL;
	size_t len = strlen(s) + 1;
	char *d = __libc_malloc(len);
	return d ? memcpy(d, s, len) : NULL;
}

EXPORT char *strndup(const char *s, size_t n)
{
	if (should_fail(__builtin_return_address(0)))
		return NULL;
	size_t len = strnlen(s, n);
	char *d = __libc_malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

__attribute__((destructor)) static void report(void)
{
	char line[96];
	const char *want = getenv("FAILSAFE_NOMALLOC_REPORT");
	if (!want || strcmp(want, "1") != 0)
		return;
	int n = snprintf(line, sizeof(line), "nomalloc: calls=%lu failed=%lu\n",
			 atomic_load(&calls), atomic_load(&failed));
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
