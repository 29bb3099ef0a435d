/* SPDX-License-Identifier: MIT */
/*
 * exe_kind — what kind of program a file is, for whether a preloaded
 * library can reach it: a script, a dynamic ELF (its interpreter loads
 * LD_PRELOAD), the dynamic loader itself, or a static program. Reads the
 * header, program headers and dynamic section with pread: no allocation, no
 * other system call (the shim calls it on the way to an exec).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

enum exe_kind {
	EXE_UNKNOWN, /* unreadable, not ELF */
	EXE_SCRIPT,  /* #!: the interpreter runs, with the same environment */
	EXE_DYNAMIC, /* has an interpreter (ld.so), which loads LD_PRELOAD */
	EXE_LOADER,  /* a shared object run directly (ld.so itself): honours LD_PRELOAD */
	EXE_STATIC,  /* nothing in it will load the shim */
};

/* The kind of the program open at fd; *ret_foreign (optional): an ELF of another class. */
enum exe_kind exe_kind_of_fd(int fd, bool *ret_foreign);

/*
 * The program the kernel starts first for the one open at fd: a script's
 * interpreter (the first word after "#!") or an ELF's PT_INTERP, into buf.
 * Returns its length, or -1 (none, or unreadable).
 */
ssize_t exe_interp_of_fd(int fd, char *buf, size_t size);

/* True when the ELF open at fd names audit libraries (DT_AUDIT, DT_DEPAUDIT). */
bool exe_has_audit(int fd);
