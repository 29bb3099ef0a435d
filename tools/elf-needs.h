/* SPDX-License-Identifier: MIT */
/*
 * elf-needs — the newest glibc a shared object needs, read from its version
 * references (DT_VERNEED, what the loader checks before it maps anything):
 * symbol versions (GLIBC_2.34) and ABI markers that name no symbol
 * (GLIBC_ABI_DT_RELR, defined since glibc 2.36). A preload the loader
 * cannot satisfy is skipped with a line on stderr and the program runs
 * without it: `fnguard check --library` asks first, without loading it
 * (its constructor would start the shim).
 */
#pragma once

#include <stddef.h>

struct glibc_version {
	unsigned major, minor;
};

/* "2.34", "2.2.5" (the third number ignored). Returns 0 or -EINVAL. */
int glibc_version_parse(const char *text, struct glibc_version *ret);

/* a < b, a == b, a > b: -1, 0, 1. */
int glibc_version_cmp(struct glibc_version a, struct glibc_version b);

/*
 * The newest glibc version path's references need, and the reference that
 * needs it ("GLIBC_ABI_DT_RELR"), copied into what (NUL-terminated, cut to
 * what_size). An object that references none needs 0.0. Returns 0,
 * -ENOEXEC (not a 64-bit ELF shared object or program of this machine's
 * byte order, or its dynamic section does not hold together), -EPROTO (a
 * glibc version it names that this code does not know: GLIBC_PRIVATE, a
 * new ABI marker; what names it), or -errno from reading it.
 */
int elf_glibc_need(const char *path, struct glibc_version *ret, char *what, size_t what_size);
