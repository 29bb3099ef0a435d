// SPDX-License-Identifier: MIT
/*
 * libc evasion without dlsym: libc's own open found by walking libc's
 * dynamic symbol table in memory (dl_iterate_phdr), as code does when the
 * dynamic linker's lookups are watched.
 */
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "case.h"

struct lookup {
	const char *name;
	void *found;
};

static int find_in_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct lookup *want = data;
	(void)size;
	if (!strstr(info->dlpi_name, "/libc.so"))
		return 0;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
			continue;
		const ElfW(Dyn) *dyn =
			(const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
		for (; dyn->d_tag != DT_NULL; dyn++) {
			/* glibc's loader has already relocated these to addresses. */
			if (dyn->d_tag == DT_SYMTAB)
				symtab = (const ElfW(Sym) *)dyn->d_un.d_ptr;
			else if (dyn->d_tag == DT_STRTAB)
				strtab = (const char *)dyn->d_un.d_ptr;
		}
	}
	/* .dynsym is followed by .dynstr in every libc.so.6 built by binutils. */
	if (!symtab || !strtab || (const char *)symtab >= strtab)
		return 0;
	for (const ElfW(Sym) *s = symtab; (const char *)(s + 1) <= strtab; s++) {
		if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_value &&
		    !strcmp(strtab + s->st_name, want->name)) {
			want->found = (void *)(info->dlpi_addr + s->st_value);
			return 1;
		}
	}
	return 0;
}

int main(void)
{
	struct lookup want = {.name = "open"};
	dl_iterate_phdr(find_in_libc, &want);
	if (!want.found) {
		fprintf(stderr, "elf-lookup: open not found in libc's symbol table\n");
		return 1;
	}
	int (*libc_open)(const char *, int, ...) = (int (*)(const char *, int, ...))want.found;
	int fd = libc_open(case_env("SEC_SECRET"), O_RDONLY);
	case_report("libc's open, found in its symbol table", fd);
	if (fd >= 0)
		case_leak_fd(fd, "elf-lookup");
	return 0;
}
