// SPDX-License-Identifier: MIT
/*
 * Another preload after the shim that wraps open() too (a tracer, an
 * allocator's hooks): the shim's "real" open must be this one, as
 * dlsym(RTLD_NEXT) would answer, and it must pass the call on. Marks each
 * call on stderr.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

int open(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	va_list ap;
	va_start(ap, flags);
	int mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, int) : 0;
	va_end(ap);
	if (!next)
		next = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	write(2, "[chain-open]\n", 13);
	return next(path, flags, mode);
}
