/* SPDX-License-Identifier: MIT */
/*
 * exe_kind — what kind of program a file is, for whether a preloaded
 * library can reach it: a script, a dynamic ELF (its interpreter loads
 * LD_PRELOAD), the dynamic loader itself, or a static program. Reads the
 * first kilobyte (header, program headers and, in nearly every program,
 * PT_INTERP) and what lies beyond it with pread: no allocation, no other
 * system call (the shim calls it on the way to an exec).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum exe_kind {
	EXE_UNKNOWN, /* unreadable, not ELF */
	EXE_SCRIPT,  /* #!: the interpreter runs, with the same environment */
	EXE_DYNAMIC, /* has an interpreter (ld.so), which loads LD_PRELOAD */
	EXE_LOADER,  /* a shared object run directly (ld.so itself): honours LD_PRELOAD */
	EXE_STATIC,  /* nothing in it will load the shim */
};

/* A script's "#!" argument fits in this (the kernel reads 256 bytes of the line). */
#define EXE_SCRIPT_ARG_MAX 256

struct exe_view {
	char *interp;	    /* in: where the interpreter's name goes (NULL: not wanted) */
	size_t interp_size; /* in: its size */
	enum exe_kind kind;
	/*
	 * For EXE_SCRIPT and EXE_DYNAMIC, when interp was given: the program
	 * the kernel starts first (the first word after "#!", or PT_INTERP),
	 * its length; else -1 (none, unreadable or longer than interp_size - 1).
	 */
	ssize_t interp_len;
	/*
	 * in: where a script's optional argument goes (NULL: not wanted), its
	 * size. out: the rest of the "#!" line after the interpreter, trimmed
	 * of spaces and tabs, up to a NUL, as the kernel passes it (one
	 * argument, never split); its length, or -1 when there is none or it
	 * does not fit.
	 */
	char *arg;
	size_t arg_size;
	ssize_t arg_len;
	bool foreign; /* an ELF of another class (32-bit on 64-bit) */
	/*
	 * For EXE_DYNAMIC: it names audit libraries (DT_AUDIT, DT_DEPAUDIT),
	 * which the loader honours like LD_AUDIT, or cannot be read through.
	 */
	bool audit;
};

/* One look at the program open at fd, filling v's out fields. */
void exe_inspect(int fd, struct exe_view *v);

/* The kind of the program open at fd; *ret_foreign (optional): an ELF of another class. */
enum exe_kind exe_kind_of_fd(int fd, bool *ret_foreign);
