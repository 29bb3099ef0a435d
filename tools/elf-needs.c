// SPDX-License-Identifier: MIT
/* elf-needs — the newest glibc a shared object's version references need. */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf-needs.h"

int glibc_version_parse(const char *text, struct glibc_version *ret)
{
	unsigned long v[2];
	const char *p = text;

	for (int i = 0; i < 2; i++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v[i] = 0;
		while (*p >= '0' && *p <= '9') {
			v[i] = v[i] * 10 + (unsigned long)(*p++ - '0');
			if (v[i] > 1000)
				return -EINVAL;
		}
		if (i == 0 && *p++ != '.')
			return -EINVAL;
	}
	/* A third number (2.2.5) orders before the next minor version: not needed. */
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p)
		return -EINVAL;
	*ret = (struct glibc_version){(unsigned)v[0], (unsigned)v[1]};
	return 0;
}

int glibc_version_cmp(struct glibc_version a, struct glibc_version b)
{
	if (a.major != b.major)
		return a.major < b.major ? -1 : 1;
	if (a.minor != b.minor)
		return a.minor < b.minor ? -1 : 1;
	return 0;
}

/* What one version reference needs; -EPROTO for a glibc name not known here. */
static int reference_needs(const char *name, struct glibc_version *ret)
{
	/* ABI markers: versions no symbol carries, that a linker adds for a feature. */
	static const struct {
		const char *name;
		struct glibc_version since;
	} markers[] = {
		{"GLIBC_ABI_DT_RELR", {2, 36}},
	};

	if (strncmp(name, "GLIBC_", 6) != 0) {
		*ret = (struct glibc_version){0, 0};
		return 0;
	}
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		if (strcmp(name, markers[i].name) == 0) {
			*ret = markers[i].since;
			return 0;
		}
	}
	return glibc_version_parse(name + 6, ret) < 0 ? -EPROTO : 0;
}

struct image {
	const unsigned char *data;
	size_t size;
	const Elf64_Phdr *ph;
	size_t phnum;
};

/* The file offset of [vaddr, vaddr + len) in a PT_LOAD segment's file bytes, or -1. */
static long long file_offset(const struct image *im, uint64_t vaddr, uint64_t len)
{
	for (size_t i = 0; i < im->phnum; i++) {
		const Elf64_Phdr *p = &im->ph[i];
		if (p->p_type != PT_LOAD || vaddr < p->p_vaddr ||
		    vaddr - p->p_vaddr > p->p_filesz || len > p->p_filesz - (vaddr - p->p_vaddr))
			continue;
		uint64_t off = p->p_offset + (vaddr - p->p_vaddr);
		if (off > im->size || len > im->size - off)
			return -1;
		return (long long)off;
	}
	return -1;
}

static int read_needs(const struct image *im, struct glibc_version *ret, char *what,
		      size_t what_size)
{
	const Elf64_Ehdr *eh = (const void *)im->data;
	const Elf64_Dyn *dyn = NULL;
	size_t ndyn = 0;

	if (im->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != (__BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB) ||
	    (eh->e_type != ET_DYN && eh->e_type != ET_EXEC) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > im->size ||
	    (size_t)eh->e_phnum * sizeof(Elf64_Phdr) > im->size - eh->e_phoff ||
	    eh->e_phoff % _Alignof(Elf64_Phdr))
		return -ENOEXEC;
	struct image view = *im;
	view.ph = (const void *)(im->data + eh->e_phoff);
	view.phnum = eh->e_phnum;
	for (size_t i = 0; i < view.phnum; i++) {
		const Elf64_Phdr *p = &view.ph[i];
		if (p->p_type != PT_DYNAMIC)
			continue;
		if (p->p_offset > im->size || p->p_filesz > im->size - p->p_offset ||
		    p->p_offset % _Alignof(Elf64_Dyn))
			return -ENOEXEC;
		dyn = (const void *)(im->data + p->p_offset);
		ndyn = p->p_filesz / sizeof(Elf64_Dyn);
	}
	uint64_t verneed = 0, verneednum = 0, strtab = 0, strsz = 0;
	for (size_t i = 0; dyn && i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		switch (dyn[i].d_tag) {
		case DT_VERNEED:
			verneed = dyn[i].d_un.d_ptr;
			break;
		case DT_VERNEEDNUM:
			verneednum = dyn[i].d_un.d_val;
			break;
		case DT_STRTAB:
			strtab = dyn[i].d_un.d_ptr;
			break;
		case DT_STRSZ:
			strsz = dyn[i].d_un.d_val;
			break;
		default:
			break;
		}
	}
	*ret = (struct glibc_version){0, 0};
	if (what_size)
		what[0] = '\0';
	if (!verneed || !verneednum)
		return 0;
	long long str_off = file_offset(&view, strtab, strsz);
	if (str_off < 0 || !strsz)
		return -ENOEXEC;
	const char *str = (const char *)im->data + str_off;
	/* Entries and their names, each bounds-checked; at most as many as the tag says. */
	uint64_t at = verneed;
	for (uint64_t n = 0; n < verneednum; n++) {
		long long vo = file_offset(&view, at, sizeof(Elf64_Verneed));
		if (vo < 0 || vo % _Alignof(Elf64_Verneed))
			return -ENOEXEC;
		const Elf64_Verneed *vn = (const void *)(im->data + vo);
		uint64_t aux = at + vn->vn_aux;
		for (unsigned k = 0; k < vn->vn_cnt; k++) {
			long long ao = file_offset(&view, aux, sizeof(Elf64_Vernaux));
			if (ao < 0 || ao % _Alignof(Elf64_Vernaux))
				return -ENOEXEC;
			const Elf64_Vernaux *va = (const void *)(im->data + ao);
			if (va->vna_name >= strsz ||
			    !memchr(str + va->vna_name, '\0', strsz - va->vna_name))
				return -ENOEXEC;
			const char *name = str + va->vna_name;
			struct glibc_version v;
			if (reference_needs(name, &v) < 0) {
				snprintf(what, what_size, "%s", name);
				return -EPROTO;
			}
			if (glibc_version_cmp(v, *ret) > 0) {
				*ret = v;
				snprintf(what, what_size, "%s", name);
			}
			if (!va->vna_next)
				break;
			aux += va->vna_next;
		}
		if (!vn->vn_next)
			break;
		at += vn->vn_next;
	}
	return 0;
}

int elf_glibc_need(const char *path, struct glibc_version *ret, char *what, size_t what_size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return S_ISREG(st.st_mode) ? -ENOEXEC : -EINVAL;
	}
	void *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (data == MAP_FAILED)
		return -e;
	struct image im = {.data = data, .size = (size_t)st.st_size};
	int r = read_needs(&im, ret, what, what_size);
	munmap(data, (size_t)st.st_size);
	return r;
}
