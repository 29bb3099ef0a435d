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

/* The kernel reads this much of a script for its "#!" line (BINPRM_BUF_SIZE). */
#define SCRIPT_HEAD 256

/* The first bytes of the file, read once; what lies beyond them is read with pread. */
struct file_head {
	int fd;
	const unsigned char *buf;
	size_t len;
	struct exe_buf *scratch; /* program headers and dynamic array go here */
};

/* Up to want bytes at off: from the head when it holds them all, else one pread. */
static ssize_t read_some(const struct file_head *h, void *dst, size_t want, uint64_t off)
{
	if (off <= h->len && want <= h->len - off) {
		memcpy(dst, h->buf + off, want);
		return (ssize_t)want;
	}
	return pread(h->fd, dst, want, (off_t)off);
}

static bool read_all(const struct file_head *h, void *dst, size_t len, uint64_t off)
{
	return read_some(h, dst, len, off) == (ssize_t)len;
}

/*
 * One ELF class's view. Kind: the first PT_INTERP makes it dynamic; an
 * ET_DYN with DT_SONAME (within PT_DYNAMIC's file size) is a loader run
 * directly, any other ET_EXEC or ET_DYN static. Interpreter: the first
 * PT_INTERP, NUL-terminated at its end and taken up to its first NUL, as
 * the kernel takes it. Audit: read as
 * the loader reads the dynamic array, at PT_DYNAMIC's address through the
 * PT_LOAD that maps it, up to DT_NULL (not PT_DYNAMIC's own offset and
 * size, which it ignores); more program headers than are read here, or an
 * array too long to read through, counts as naming one.
 */
#define DEFINE_ELF_INSPECT(bits)                                                                 \
	static bool elf##bits##_audit(const struct file_head *h, const Elf##bits##_Phdr *ph,     \
				      size_t n, const Elf##bits##_Phdr *dynamic)                 \
	{                                                                                        \
		Elf##bits##_Dyn *dyn = h->scratch->dyn##bits;                                    \
		const size_t dyn_size = sizeof(h->scratch->dyn##bits);                           \
		const Elf##bits##_Phdr *load = NULL;                                             \
		for (size_t i = 0; i < n; i++)                                                   \
			if (ph[i].p_type == PT_LOAD && dynamic->p_vaddr >= ph[i].p_vaddr &&      \
			    dynamic->p_vaddr - ph[i].p_vaddr < ph[i].p_filesz)                   \
				load = &ph[i];                                                   \
		if (!load)                                                                       \
			return false; /* not in the file: zeros, DT_NULL at once */              \
		uint64_t off = load->p_offset + (dynamic->p_vaddr - load->p_vaddr);              \
		uint64_t left = load->p_filesz - (dynamic->p_vaddr - load->p_vaddr);             \
		for (int rounds = 0; left >= sizeof(dyn[0]) && rounds < 256; rounds++) {         \
			size_t want = left < dyn_size ? (size_t)left : dyn_size;                 \
			ssize_t got = read_some(h, dyn, want, off);                              \
			if (got < (ssize_t)sizeof(dyn[0]))                                       \
				return true;                                                     \
			for (size_t k = 0; k < (size_t)got / sizeof(dyn[0]); k++) {              \
				if (dyn[k].d_tag == DT_NULL)                                     \
					return false;                                            \
				if (dyn[k].d_tag == DT_AUDIT || dyn[k].d_tag == DT_DEPAUDIT)     \
					return true;                                             \
			}                                                                        \
			off += (uint64_t)got / sizeof(dyn[0]) * sizeof(dyn[0]);                  \
			left -= (uint64_t)got / sizeof(dyn[0]) * sizeof(dyn[0]);                 \
		}                                                                                \
		return left >= sizeof(dyn[0]); /* too long to read through: unknown */           \
	}                                                                                        \
                                                                                                 \
	static bool elf##bits##_has_soname(const struct file_head *h,                            \
					   const Elf##bits##_Phdr *dynamic)                      \
	{                                                                                        \
		Elf##bits##_Dyn *dyn = h->scratch->dyn##bits;                                    \
		size_t size = (size_t)dynamic->p_filesz;                                         \
		if (size > sizeof(h->scratch->dyn##bits))                                        \
			size = sizeof(h->scratch->dyn##bits);                                    \
		ssize_t got = read_some(h, dyn, size, dynamic->p_offset);                        \
		for (size_t i = 0; got > 0 && i < (size_t)got / sizeof(dyn[0]); i++) {           \
			if (dyn[i].d_tag == DT_NULL)                                             \
				break;                                                           \
			if (dyn[i].d_tag == DT_SONAME)                                           \
				return true;                                                     \
		}                                                                                \
		return false;                                                                    \
	}                                                                                        \
                                                                                                 \
	static void elf##bits##_inspect(const struct file_head *h, struct exe_view *v)           \
	{                                                                                        \
		Elf##bits##_Ehdr eh;                                                             \
		Elf##bits##_Phdr *ph = h->scratch->ph##bits;                                     \
		const Elf##bits##_Phdr *dynamic = NULL, *interp = NULL;                          \
		memcpy(&eh, h->buf, sizeof(eh));                                                 \
		if (eh.e_phentsize != sizeof(ph[0]) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM) \
			return;                                                                  \
		size_t n = eh.e_phnum < EXE_PHDRS ? eh.e_phnum : EXE_PHDRS;                      \
		if (!read_all(h, ph, n * sizeof(ph[0]), eh.e_phoff))                             \
			return;                                                                  \
		for (size_t i = 0; i < n; i++) {                                                 \
			if (ph[i].p_type == PT_INTERP && !interp)                                \
				interp = &ph[i];                                                 \
			if (ph[i].p_type == PT_DYNAMIC)                                          \
				dynamic = &ph[i];                                                \
		}                                                                                \
		if (!interp) {                                                                   \
			if (eh.e_type == ET_EXEC || eh.e_type == ET_DYN)                         \
				v->kind = eh.e_type == ET_DYN && dynamic &&                      \
							  elf##bits##_has_soname(h, dynamic)     \
						  ? EXE_LOADER                                   \
						  : EXE_STATIC;                                  \
			return;                                                                  \
		}                                                                                \
		v->kind = EXE_DYNAMIC;                                                           \
		v->audit = eh.e_phnum > EXE_PHDRS ||                                             \
			   (dynamic && elf##bits##_audit(h, ph, n, dynamic));                    \
		size_t len = (size_t)interp->p_filesz;                                           \
		if (!v->interp || len < 2 || len > v->interp_size)                               \
			return;                                                                  \
		if (!read_all(h, v->interp, len, interp->p_offset) ||                            \
		    v->interp[len - 1] != '\0' || v->interp[0] == '\0')                          \
			return;                                                                  \
		v->interp_len = (ssize_t)strlen(v->interp);                                      \
	}

DEFINE_ELF_INSPECT(32)
DEFINE_ELF_INSPECT(64)

static bool space_or_tab(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * A script's interpreter and its optional argument, read as the kernel
 * reads them (fs/binfmt_script.c), on the same buffer: the first
 * SCRIPT_HEAD bytes, zeros after a shorter file. The line ends at the first
 * newline, else at the buffer's last byte, provided the interpreter's name
 * ends before that (a space, a tab or a NUL; else the kernel takes it for
 * cut and refuses the file with ENOEXEC: no script then, execvp hands it
 * to the shell). Spaces and tabs are trimmed from the line's end; the
 * interpreter is the first word after "#!" (up to a space, a tab or a
 * NUL); after a space or a tab, the argument starts at the next byte that
 * is neither and runs to a NUL (empty when that comes first).
 */
static void script_inspect(const unsigned char *head, size_t n, struct exe_view *v)
{
	unsigned char buf[SCRIPT_HEAD] = {0};
	const size_t last = SCRIPT_HEAD - 1;
	size_t i, start, end;

	v->kind = EXE_SCRIPT;
	memcpy(buf, head, n < SCRIPT_HEAD ? n : SCRIPT_HEAD);
	const unsigned char *nl = memchr(buf, '\n', SCRIPT_HEAD);
	if (nl) {
		end = (size_t)(nl - buf);
	} else {
		for (i = 2; i <= last && space_or_tab(buf[i]); i++)
			;
		while (i <= last && !space_or_tab(buf[i]) && buf[i] != '\0')
			i++;
		if (i > last) {
			v->kind = EXE_UNKNOWN; /* ENOEXEC */
			return;
		}
		end = last;
	}
	if (!v->interp)
		return;
	while (space_or_tab(buf[end - 1]))
		end--;
	buf[end] = '\0';
	for (i = 2; i < end && space_or_tab(buf[i]); i++)
		;
	start = i;
	while (!space_or_tab(buf[i]) && buf[i] != '\0')
		i++;
	if (i == start || i - start >= v->interp_size)
		return;
	memcpy(v->interp, buf + start, i - start);
	v->interp[i - start] = '\0';
	v->interp_len = (ssize_t)(i - start);
	if (!v->arg || buf[i] == '\0')
		return;
	while (space_or_tab(buf[i]))
		i++;
	start = i;
	while (buf[i] != '\0')
		i++;
	if (i - start >= v->arg_size)
		return;
	memcpy(v->arg, buf + start, i - start);
	v->arg[i - start] = '\0';
	v->arg_len = (ssize_t)(i - start);
}

void exe_inspect_in(int fd, struct exe_view *v, struct exe_buf *buf)
{
	/* Header, program headers and PT_INTERP of nearly every program: one read. */
	unsigned char *head = buf->head;
	ssize_t n = pread(fd, head, sizeof(buf->head), 0);
	struct file_head h = {.fd = fd, .buf = head, .len = n > 0 ? (size_t)n : 0, .scratch = buf};

	v->kind = EXE_UNKNOWN;
	v->interp_len = -1;
	v->arg_len = -1;
	v->foreign = false;
	v->audit = false;
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		script_inspect(head, (size_t)n, v);
		return;
	}
	if (n < (ssize_t)sizeof(Elf32_Ehdr) || memcmp(head, ELFMAG, SELFMAG) != 0)
		return;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	bool native = head[EI_DATA] == ELFDATA2LSB;
#else
	bool native = head[EI_DATA] == ELFDATA2MSB;
#endif
	v->foreign = head[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32);
	if (native && head[EI_CLASS] == ELFCLASS32)
		elf32_inspect(&h, v);
	else if (native && head[EI_CLASS] == ELFCLASS64 && n >= (ssize_t)sizeof(Elf64_Ehdr))
		elf64_inspect(&h, v);
}

void exe_inspect(int fd, struct exe_view *v)
{
	struct exe_buf buf;

	exe_inspect_in(fd, v, &buf);
}

enum exe_kind exe_kind_of_fd(int fd, bool *ret_foreign)
{
	struct exe_view v = {0};

	exe_inspect(fd, &v);
	if (ret_foreign)
		*ret_foreign = v.foreign;
	return v.kind;
}
