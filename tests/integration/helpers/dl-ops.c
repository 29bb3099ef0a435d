// SPDX-License-Identifier: MIT
/*
 * dl-ops DENIED MISSING: what dlopen() and dlerror() answer, one line each
 * ("<what> handle|null <dlerror() or (none)>"), for test-dlopen.py. DENIED
 * is a library the profile does not let the process read; MISSING a name
 * the profile allows that does not exist.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(const char *what, void *h)
{
	const char *e = dlerror();
	printf("%s %s %s\n", what, h ? "handle" : "null", e ? e : "(none)");
	if (h)
		dlclose(h);
}

int main(int argc, char **argv)
{
	static char too_long[PATH_MAX + 100];

	if (argc != 3) {
		fprintf(stderr, "usage: dl-ops DENIED MISSING\n");
		return 2;
	}
	report("denied", dlopen(argv[1], RTLD_NOW));
	/* Told once, as the loader's own errors are. */
	report("after", NULL);
	/* The loader's failure, left unread, then one of the shim's: the last is told, then none. */
	(void)dlopen(argv[2], RTLD_NOW);
	report("denied-over-missing", dlopen(argv[1], RTLD_NOW));
	report("after-both", NULL);
	/* The shim's, left unread, then the loader's: the loader's, the later one. */
	(void)dlopen(argv[1], RTLD_NOW);
	report("missing-over-denied", dlopen(argv[2], RTLD_NOW));
	/*
	 * Every later dl* call resets it, as glibc's own: a bare name the loader
	 * finds (not judged), then a lookup in it, leave nothing to tell; a bare
	 * name it cannot find is told, once.
	 */
	(void)dlopen(argv[1], RTLD_NOW);
	void *z = dlopen("libz.so.1", RTLD_NOW);
	void *sym = z ? dlsym(z, "zlibVersion") : NULL;
	report("found-after-denied", sym ? z : NULL);
	(void)dlopen(argv[1], RTLD_NOW);
	report("absent-after-denied", dlopen("libfnguard-test-absent.so.9", RTLD_NOW));
	report("after-absent", NULL);
	/* dlmopen, into a new namespace (where a second libc would run unwrapped): judged too. */
	report("dlmopen-denied", dlmopen(LM_ID_NEWLM, argv[1], RTLD_NOW));
	/* Names the loader expands ($ORIGIN: the caller's directory) are not judged. */
	report("origin", dlopen("$ORIGIN/../libz.so.1", RTLD_NOW));
	report("origin-braced", dlopen("${ORIGIN}/libz.so.1", RTLD_NOW));
	/* A '$' that starts no token is part of the name: judged as any. */
	char literal[PATH_MAX];
	snprintf(literal, sizeof(literal), "%s$HOME.so", argv[2]);
	void *l = dlopen(literal, RTLD_NOW);
	const char *le = dlerror();
	printf("dollar-literal %s %s\n", l ? "handle" : "null",
	       le && strstr(le, "No such file") ? "No such file"
	       : le				? le
						: "(none)");
	/* A name the kernel refuses as too long: as bare, and nothing to report. */
	too_long[0] = '/';
	for (size_t i = 1; i < sizeof(too_long) - 1; i++)
		too_long[i] = i % 100 ? 'x' : '/';
	void *h = dlopen(too_long, RTLD_NOW);
	const char *e = dlerror();
	printf("too-long %s %s\n", h ? "handle" : "null",
	       e ? (strstr(e, "File name too long") ? "File name too long" : e) : "(none)");
	/* libc's dlerror, asked through a handle on libc, is the shim's too. */
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	char *(*err)(void) = libc ? (char *(*)(void))dlsym(libc, "dlerror") : NULL;
	(void)dlopen(argv[1], RTLD_NOW);
	const char *via = err ? err() : NULL;
	printf("via-libc-handle %s\n", via ? via : "(none)");
	return 0;
}
