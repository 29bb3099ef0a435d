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

#include <elf.h>
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

/*
 * What one look reads into (about 8.5 KiB): the file's first kilobyte, its
 * program headers, a stretch of its dynamic array. Callers that run on a
 * small stack (the shim's exec path, in a vfork child) give one that is not
 * on it.
 */
#define EXE_HEAD_SIZE 1024
#define EXE_PHDRS     64
#define EXE_DYNS      256
struct exe_buf {
	unsigned char head[EXE_HEAD_SIZE];
	union {
		Elf32_Phdr ph32[EXE_PHDRS];
		Elf64_Phdr ph64[EXE_PHDRS];
	};
	union {
		Elf32_Dyn dyn32[EXE_DYNS];
		Elf64_Dyn dyn64[EXE_DYNS];
	};
};

/* One look at the program open at fd, filling v's out fields; buf on the stack. */
void exe_inspect(int fd, struct exe_view *v);

/* The same, reading into buf. */
void exe_inspect_in(int fd, struct exe_view *v, struct exe_buf *buf);

/* The kind of the program open at fd; *ret_foreign (optional): an ELF of another class. */
enum exe_kind exe_kind_of_fd(int fd, bool *ret_foreign);
