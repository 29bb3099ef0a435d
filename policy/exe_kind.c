// SPDX-License-Identifier: MIT
/* What kind of program a file is (exe_kind.h). */
#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "exe_kind.h"

/* One ELF class's view of the header, program headers and dynamic section. */
#define DEFINE_ELF_KIND(bits)                                                                  \
	static enum exe_kind elf##bits##_kind(int fd, const unsigned char *head)               \
	{                                                                                      \
		Elf##bits##_Ehdr ehdr, *eh = &ehdr;                                            \
		Elf##bits##_Phdr ph[64];                                                       \
		Elf##bits##_Dyn dyn[256];                                                      \
		bool dynamic = false;                                                          \
		size_t dyn_off = 0, dyn_size = 0;                                              \
		memcpy(&ehdr, head, sizeof(ehdr));                                             \
		if (eh->e_phentsize != sizeof(ph[0]) || eh->e_phnum == 0 ||                    \
		    eh->e_phnum == PN_XNUM)                                                    \
			return EXE_UNKNOWN;                                                    \
		size_t n = eh->e_phnum < 64 ? eh->e_phnum : 64;                                \
		if (pread(fd, ph, n * sizeof(ph[0]), (off_t)eh->e_phoff) !=                    \
		    (ssize_t)(n * sizeof(ph[0])))                                              \
			return EXE_UNKNOWN;                                                    \
		for (size_t i = 0; i < n; i++) {                                               \
			if (ph[i].p_type == PT_INTERP)                                         \
				return EXE_DYNAMIC;                                            \
			if (ph[i].p_type == PT_DYNAMIC) {                                      \
				dynamic = true;                                                \
				dyn_off = (size_t)ph[i].p_offset;                              \
				dyn_size = (size_t)ph[i].p_filesz;                             \
			}                                                                      \
		}                                                                              \
		if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)                             \
			return EXE_UNKNOWN;                                                    \
		if (eh->e_type == ET_DYN && dynamic) {                                         \
			/* A static-pie has no DT_SONAME; ld.so (run as a program) has one. */ \
			if (dyn_size > sizeof(dyn))                                            \
				dyn_size = sizeof(dyn);                                        \
			ssize_t got = pread(fd, dyn, dyn_size, (off_t)dyn_off);                \
			for (size_t i = 0; got > 0 && i < (size_t)got / sizeof(dyn[0]); i++) { \
				if (dyn[i].d_tag == DT_NULL)                                   \
					break;                                                 \
				if (dyn[i].d_tag == DT_SONAME)                                 \
					return EXE_LOADER;                                     \
			}                                                                      \
		}                                                                              \
		return EXE_STATIC;                                                             \
	}

DEFINE_ELF_KIND(32)
DEFINE_ELF_KIND(64)

/* One ELF class's PT_INTERP: its length, or -1. */
#define DEFINE_ELF_INTERP(bits)                                                                  \
	static ssize_t elf##bits##_interp(int fd, const unsigned char *head, char *buf,          \
					  size_t size)                                           \
	{                                                                                        \
		Elf##bits##_Ehdr eh;                                                             \
		Elf##bits##_Phdr ph[64];                                                         \
		memcpy(&eh, head, sizeof(eh));                                                   \
		if (eh.e_phentsize != sizeof(ph[0]) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM) \
			return -1;                                                               \
		size_t n = eh.e_phnum < 64 ? eh.e_phnum : 64;                                    \
		if (pread(fd, ph, n * sizeof(ph[0]), (off_t)eh.e_phoff) !=                       \
		    (ssize_t)(n * sizeof(ph[0])))                                                \
			return -1;                                                               \
		for (size_t i = 0; i < n; i++) {                                                 \
			if (ph[i].p_type != PT_INTERP)                                           \
				continue;                                                        \
			size_t len = (size_t)ph[i].p_filesz;                                     \
			if (len < 2 || len > size)                                               \
				return -1;                                                       \
			if (pread(fd, buf, len, (off_t)ph[i].p_offset) != (ssize_t)len ||        \
			    buf[len - 1] != '\0' || memchr(buf, '\0', len - 1))                  \
				return -1;                                                       \
			return (ssize_t)len - 1;                                                 \
		}                                                                                \
		return -1;                                                                       \
	}

DEFINE_ELF_INTERP(32)
DEFINE_ELF_INTERP(64)

/*
 * One ELF class's DT_AUDIT or DT_DEPAUDIT, which the loader honours like
 * LD_AUDIT. Read as the loader reads it: the dynamic array at PT_DYNAMIC's
 * address, through the PT_LOAD that maps it, up to DT_NULL (not
 * PT_DYNAMIC's own offset and size, which it ignores). More program
 * headers than are read here counts as naming one (unknown).
 */
#define DEFINE_ELF_AUDIT(bits)                                                               \
	static bool elf##bits##_audit(int fd, const unsigned char *head)                     \
	{                                                                                    \
		Elf##bits##_Ehdr eh;                                                         \
		Elf##bits##_Phdr ph[64];                                                     \
		Elf##bits##_Dyn dyn[256];                                                    \
		const Elf##bits##_Phdr *dynamic = NULL, *load = NULL;                        \
		memcpy(&eh, head, sizeof(eh));                                               \
		if (eh.e_phentsize != sizeof(ph[0]) || eh.e_phnum == 0)                      \
			return false;                                                        \
		if (eh.e_phnum > 64)                                                         \
			return true;                                                         \
		size_t n = eh.e_phnum;                                                       \
		if (pread(fd, ph, n * sizeof(ph[0]), (off_t)eh.e_phoff) !=                   \
		    (ssize_t)(n * sizeof(ph[0])))                                            \
			return true;                                                         \
		for (size_t i = 0; i < n; i++)                                               \
			if (ph[i].p_type == PT_DYNAMIC)                                      \
				dynamic = &ph[i];                                            \
		if (!dynamic)                                                                \
			return false;                                                        \
		for (size_t i = 0; i < n; i++)                                               \
			if (ph[i].p_type == PT_LOAD && dynamic->p_vaddr >= ph[i].p_vaddr &&  \
			    dynamic->p_vaddr - ph[i].p_vaddr < ph[i].p_filesz)               \
				load = &ph[i];                                               \
		if (!load)                                                                   \
			return false; /* not in the file: zeros, DT_NULL at once */          \
		uint64_t off = load->p_offset + (dynamic->p_vaddr - load->p_vaddr);          \
		uint64_t left = load->p_filesz - (dynamic->p_vaddr - load->p_vaddr);         \
		for (int rounds = 0; left >= sizeof(dyn[0]) && rounds < 256; rounds++) {     \
			size_t want = left < sizeof(dyn) ? (size_t)left : sizeof(dyn);       \
			ssize_t got = pread(fd, dyn, want, (off_t)off);                      \
			if (got < (ssize_t)sizeof(dyn[0]))                                   \
				return true;                                                 \
			for (size_t k = 0; k < (size_t)got / sizeof(dyn[0]); k++) {          \
				if (dyn[k].d_tag == DT_NULL)                                 \
					return false;                                        \
				if (dyn[k].d_tag == DT_AUDIT || dyn[k].d_tag == DT_DEPAUDIT) \
					return true;                                         \
			}                                                                    \
			off += (uint64_t)got / sizeof(dyn[0]) * sizeof(dyn[0]);              \
			left -= (uint64_t)got / sizeof(dyn[0]) * sizeof(dyn[0]);             \
		}                                                                            \
		return left >= sizeof(dyn[0]); /* too long to read through: unknown */       \
	}

DEFINE_ELF_AUDIT(32)
DEFINE_ELF_AUDIT(64)

bool exe_has_audit(int fd)
{
	unsigned char head[sizeof(Elf64_Ehdr)];
	ssize_t n = pread(fd, head, sizeof(head), 0);

	if (n < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(head, ELFMAG, SELFMAG) != 0)
		return false;
	if (head[EI_CLASS] == ELFCLASS32)
		return elf32_audit(fd, head);
	return head[EI_CLASS] == ELFCLASS64 && n == (ssize_t)sizeof(head) && elf64_audit(fd, head);
}

ssize_t exe_interp_of_fd(int fd, char *buf, size_t size)
{
	unsigned char head[256];
	ssize_t n = pread(fd, head, sizeof(head), 0);

	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		/* As the kernel reads it: the first word after "#!", within the first line. */
		ssize_t i = 2, start;
		while (i < n && (head[i] == ' ' || head[i] == '\t'))
			i++;
		start = i;
		while (i < n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' &&
		       head[i] != '\0')
			i++;
		if (i == start || (size_t)(i - start) >= size)
			return -1;
		memcpy(buf, head + start, (size_t)(i - start));
		buf[i - start] = '\0';
		return i - start;
	}
	if (n < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(head, ELFMAG, SELFMAG) != 0)
		return -1;
	if (head[EI_CLASS] == ELFCLASS32)
		return elf32_interp(fd, head, buf, size);
	if (head[EI_CLASS] == ELFCLASS64 && n >= (ssize_t)sizeof(Elf64_Ehdr))
		return elf64_interp(fd, head, buf, size);
	return -1;
}

enum exe_kind exe_kind_of_fd(int fd, bool *ret_foreign)
{
	unsigned char head[sizeof(Elf64_Ehdr)];
	enum exe_kind kind = EXE_UNKNOWN;
	bool foreign = false;

	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!')
		kind = EXE_SCRIPT;
	else if (n >= (ssize_t)sizeof(Elf32_Ehdr) && memcmp(head, ELFMAG, SELFMAG) == 0) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		bool native = head[EI_DATA] == ELFDATA2LSB;
#else
		bool native = head[EI_DATA] == ELFDATA2MSB;
#endif
		if (native && head[EI_CLASS] == ELFCLASS32)
			kind = elf32_kind(fd, head);
		else if (native && head[EI_CLASS] == ELFCLASS64 && n == (ssize_t)sizeof(head))
			kind = elf64_kind(fd, head);
		foreign = head[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32);
	}
	if (ret_foreign)
		*ret_foreign = foreign;
	return kind;
}
