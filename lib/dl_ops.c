// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "dl_ops.h"
#include "raw_syscall.h"
#include "real.h"
#include "shim.h"
#include "syscall_ops.h"
#include "thread_scratch.h"

#define HIDDEN __attribute__((visibility("hidden")))
#define EXPORT __attribute__((visibility("default")))

/* Read by the trampolines below: hidden, so they are reached PC-relative. */
HIDDEN void *(*dl_ops_libc_dlsym)(void *, const char *);
HIDDEN void *(*dl_ops_libc_dlvsym)(void *, const char *, const char *);
HIDDEN void *(*dl_ops_libc_dlopen)(const char *, int);
HIDDEN void *(*dl_ops_libc_dlmopen)(Lmid_t, const char *, int);

/* ---- libc's own dlsym, from its dynamic symbol table --------------------- */

struct elf_view {
	ElfW(Addr) base;
	const ElfW(Sym) * symtab;
	const char *strtab;
	const uint32_t *gnu_hash;
	const ElfW(Half) * versym;
};

static uintptr_t dyn_ptr(const struct elf_view *v, ElfW(Addr) p)
{
	/* ld.so relocates these in place on most architectures, not on all. */
	return p < v->base ? v->base + p : p;
}

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* The default-version definition of name (the one a plain reference binds). */
static const ElfW(Sym) * elf_find(const struct elf_view *v, const char *name, uint32_t h)
{
	const uint32_t *gh = v->gnu_hash;
	uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_size = gh[2], shift = gh[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(gh + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size);
	const uint32_t *chain = buckets + nbuckets;
	const unsigned bits = 8 * sizeof(ElfW(Addr));

	if (!nbuckets || !bloom_size)
		return NULL;
	/* The Bloom filter answers most misses (another library's table) at once. */
	ElfW(Addr) word = bloom[(h / bits) % bloom_size];
	ElfW(Addr) mask = ((ElfW(Addr))1 << (h % bits)) | ((ElfW(Addr))1 << ((h >> shift) % bits));
	if ((word & mask) != mask)
		return NULL;
	for (uint32_t i = buckets[h % nbuckets]; i >= symoffset; i++) {
		uint32_t ch = chain[i - symoffset];
		const ElfW(Sym) *sym = &v->symtab[i];
		if ((ch | 1) == (h | 1) && strcmp(v->strtab + sym->st_name, name) == 0 &&
		    sym->st_shndx != SHN_UNDEF && (!v->versym || !(v->versym[i] & 0x8000)))
			return sym;
		if (ch & 1)
			break;
	}
	return NULL;
}

static void *elf_lookup(const struct elf_view *v, const char *name)
{
	const ElfW(Sym) *sym = elf_find(v, name, gnu_hash(name));
	return sym ? (void *)(v->base + sym->st_value) : NULL;
}

static bool read_dynamic(struct dl_phdr_info *info, struct elf_view *v);

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct elf_view *v = data;
	const char *slash = strrchr(info->dlpi_name, '/');
	const char *base = slash ? slash + 1 : info->dlpi_name;

	(void)size;
	if (strncmp(base, "libc.so.", 8) != 0)
		return 0;
	read_dynamic(info, v);
	return 1;
}

/*
 * The objects after this one in the global search order, for the shim's own
 * lookups of "next": dlsym(RTLD_NEXT) walks the same list, but costs ~900
 * instructions a name (locking, error catching, version checks) where a
 * hash probe per object costs tens, and every process under the shim asks
 * for about 150 names before main. At start only the initial objects are
 * loaded, and dl_iterate_phdr lists them in search order.
 */
#define NEXT_MAX 32
static struct elf_view next_views[NEXT_MAX];
static size_t n_next;
/* libc's and the shim's own tables: a lookup that lands in libc gets the shim's export. */
static struct elf_view self_view;
static uintptr_t libc_lo, libc_hi;

static bool read_dynamic(struct dl_phdr_info *info, struct elf_view *v)
{
	v->base = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
			continue;
		const ElfW(Dyn) *d =
			(const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
		for (; d->d_tag != DT_NULL; d++) {
			if (d->d_tag == DT_SYMTAB)
				v->symtab = (const ElfW(Sym) *)dyn_ptr(v, d->d_un.d_ptr);
			else if (d->d_tag == DT_STRTAB)
				v->strtab = (const char *)dyn_ptr(v, d->d_un.d_ptr);
			else if (d->d_tag == DT_GNU_HASH)
				v->gnu_hash = (const uint32_t *)dyn_ptr(v, d->d_un.d_ptr);
			else if (d->d_tag == DT_VERSYM)
				v->versym = (const ElfW(Half) *)dyn_ptr(v, d->d_un.d_ptr);
		}
	}
	return v->symtab && v->strtab && v->gnu_hash;
}

static bool holds(const struct dl_phdr_info *info, uintptr_t addr);

/* The dynamic loader's file name (the object holding _r_debug), for exec_ops. */
static char loader_path[256];

/* The shim's own object, libc's address range and the loader's name. */
static int find_self_and_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (holds(info, (uintptr_t)&find_self_and_libc))
		read_dynamic(info, &self_view);
	if (!loader_path[0] && info->dlpi_name[0] == '/' &&
	    strlen(info->dlpi_name) < sizeof(loader_path) && holds(info, (uintptr_t)&_r_debug))
		memcpy(loader_path, info->dlpi_name, strlen(info->dlpi_name) + 1);
	const char *slash = strrchr(info->dlpi_name, '/');
	const char *base = slash ? slash + 1 : info->dlpi_name;
	if (strncmp(base, "libc.so.", 8) == 0) {
		for (int i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
			uintptr_t start = info->dlpi_addr + ph->p_vaddr;
			if (ph->p_type != PT_LOAD)
				continue;
			if (!libc_lo || start < libc_lo)
				libc_lo = start;
			if (start + ph->p_memsz > libc_hi)
				libc_hi = start + ph->p_memsz;
		}
	}
	return 0;
}

static bool holds(const struct dl_phdr_info *info, uintptr_t addr)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && addr >= start && addr - start < ph->p_memsz)
			return true;
	}
	return false;
}

static int collect_next(struct dl_phdr_info *info, size_t size, void *data)
{
	bool *after_us = data;
	(void)size;
	if (!*after_us) {
		*after_us = holds(info, (uintptr_t)&collect_next);
		return 0;
	}
	/* The vDSO is not in the search list; a view without a GNU hash cannot be probed. */
	if (!info->dlpi_name[0] || strncmp(info->dlpi_name, "linux-vdso", 10) == 0 ||
	    strncmp(info->dlpi_name, "linux-gate", 10) == 0)
		return 0;
	struct elf_view v = {0};
	if (n_next == NEXT_MAX || !read_dynamic(info, &v)) {
		n_next = 0; /* cannot mirror the search: every lookup asks dlsym */
		return 1;
	}
	next_views[n_next++] = v;
	return 0;
}

/*
 * Once per process, whoever asks first: the shim's init, or a wrapper that
 * another library's constructor (or a thread it started) called before it.
 * A second thread waits for the first (spinning: a system call the filter
 * traps would come back here); a signal handler that interrupted the
 * resolving thread, or a fork child of another thread's resolving, gets
 * -EBUSY (its call fails with ENOSYS).
 */
/* 0: not yet; the thread resolving (resolve_self()); or one of these. */
#define RESOLVE_DONE   (-1L)
#define RESOLVE_FAILED (-2L)
static long resolve_state;

/*
 * The calling thread, without a system call: an exec'd child runs this
 * under the filter it inherited before its SIGSYS handler exists, and a
 * profile need not list gettid (a trap would kill the child).
 */
static __thread char resolve_mark __attribute__((tls_model("initial-exec")));

static long resolve_self(void)
{
	return (long)((uintptr_t)&resolve_mark >> 1);
}

static int resolve_objects(void)
{
	struct elf_view v = {0};
	bool after_us = false;

	if (dl_iterate_phdr(find_libc, &v) != 1 || !v.symtab || !v.strtab || !v.gnu_hash)
		return -ENOENT;
	n_next = 0;
	dl_iterate_phdr(collect_next, &after_us);
	dl_ops_libc_dlsym = (void *(*)(void *, const char *))elf_lookup(&v, "dlsym");
	dl_ops_libc_dlvsym =
		(void *(*)(void *, const char *, const char *))elf_lookup(&v, "dlvsym");
	dl_ops_libc_dlopen = (void *(*)(const char *, int))elf_lookup(&v, "dlopen");
	dl_ops_libc_dlmopen = (void *(*)(Lmid_t, const char *, int))elf_lookup(&v, "dlmopen");
	dl_iterate_phdr(find_self_and_libc, NULL);
	return dl_ops_libc_dlsym && dl_ops_libc_dlvsym && dl_ops_libc_dlopen ? 0 : -ENOENT;
}

int dl_ops_resolve(void)
{
	long state = __atomic_load_n(&resolve_state, __ATOMIC_ACQUIRE);

	if (__builtin_expect(state == RESOLVE_DONE, 1))
		return 0;
	if (state == RESOLVE_FAILED)
		return -ENOENT;
	long self = resolve_self();
	state = 0;
	if (!__atomic_compare_exchange_n(&resolve_state, &state, self, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_ACQUIRE)) {
		/* Bounded: a fork child of another thread's resolving never sees it end. */
		for (unsigned long spins = 0; state > 0;
		     state = __atomic_load_n(&resolve_state, __ATOMIC_ACQUIRE)) {
			if (state == self || ++spins > (1UL << 24))
				return -EBUSY;
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
		return state == RESOLVE_DONE ? 0 : -ENOENT;
	}
	int r = resolve_objects();
	__atomic_store_n(&resolve_state, r == 0 ? RESOLVE_DONE : RESOLVE_FAILED, __ATOMIC_RELEASE);
	return r;
}

bool dl_ops_next_mirrored(void)
{
	return n_next > 0;
}

/* The names of the mapped objects, one after another with their NULs. */
struct loaded_names {
	char *buf;
	size_t used, cap;
	uintptr_t also_own;
};

static int collect_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	struct loaded_names *ln = data;
	(void)size;
	/* The program (no name), the vDSO (no path) and the shim's own are not the function's. */
	if (info->dlpi_name[0] != '/' || holds(info, (uintptr_t)&collect_loaded) ||
	    (ln->also_own && holds(info, ln->also_own)))
		return 0;
	size_t n = strlen(info->dlpi_name) + 1;
	if (ln->used + n > ln->cap) {
		size_t cap = ln->cap ? ln->cap : 4096;
		while (cap < ln->used + n)
			cap *= 2;
		char *b = realloc(ln->buf, cap);
		if (!b)
			return 1;
		ln->buf = b;
		ln->cap = cap;
	}
	memcpy(ln->buf + ln->used, info->dlpi_name, n);
	ln->used += n;
	return 0;
}

void dl_ops_learn_loaded(uintptr_t also_own)
{
	struct loaded_names ln = {.also_own = also_own};
	/*
	 * Copied under the loader's lock, judged after it: the judgement takes
	 * the learner's lock, which a writer of the record holds while it may
	 * load libcjson (the loader's lock again).
	 */
	dl_iterate_phdr(collect_loaded, &ln);
	for (size_t i = 0; i < ln.used; i += strlen(ln.buf + i) + 1)
		file_ops_guard_read("load", ln.buf + i);
	free(ln.buf);
	if (raw_syscall(SYS_faccessat, AT_FDCWD, LD_SO_CACHE, F_OK) == 0)
		file_ops_guard_read("load", LD_SO_CACHE);
}

const char *dl_ops_loader_path(void)
{
	return loader_path;
}

bool dl_ops_in_libc(const void *fn)
{
	uintptr_t a = (uintptr_t)fn;
	return a && a >= libc_lo && a < libc_hi;
}

void *dl_ops_next(const char *name)
{
	uint32_t h = gnu_hash(name);

	for (size_t i = 0; i < n_next; i++) {
		const ElfW(Sym) *sym = elf_find(&next_views[i], name, h);
		if (!sym)
			continue;
		/* An IFUNC's value is its resolver: dlsym knows how to call it. */
		if (ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC)
			return dl_ops_libc_dlsym ? dl_ops_libc_dlsym(RTLD_NEXT, name) : NULL;
		return (void *)(next_views[i].base + sym->st_value);
	}
	/*
	 * Defined by none of the objects dlsym would search: absent (an older
	 * libc), answered without dlsym, which takes the loader's lock and may
	 * allocate (a first call can come from a signal handler).
	 */
	if (n_next)
		return NULL;
	return dl_ops_libc_dlsym ? dl_ops_libc_dlsym(RTLD_NEXT, name) : NULL;
}

/* ---- the answer a lookup gets ---------------------------------------------- */

/*
 * libc's other names for functions the shim wraps (public weak aliases and
 * GLIBC_PRIVATE). The names in place, not pointers: no relocation to apply
 * at every load.
 */
static const struct {
	char alias[24], wrapper[24];
} aliases[] = {
	{"__open", "open"},
	{"__open64", "open64"},
	{"__libc_open", "open"},
	{"__libc_open64", "open64"},
	{"__open_nocancel", "open"},
	{"__open64_nocancel", "open64"},
	{"__openat_nocancel", "openat"},
	{"__openat64_nocancel", "openat64"},
	{"__connect", "connect"},
	{"__libc_connect", "connect"},
	{"__close", "close"},
	{"__close_nocancel", "close"},
	{"__libc_system", "system"},
	{"__execve", "execve"},
	{"__sendto", "sendto"},
	{"__sendmsg", "sendmsg"},
	{"__sendmmsg", "sendmmsg"},
	{"__send", "send"},
	{"__bind", "bind"},
	{"__fopen", "fopen"},
	{"_IO_fopen", "fopen"},
	{"__opendir", "opendir"},
	{"__stat", "stat"},
	{"__lstat", "lstat"},
	{"__fstatat", "fstatat"},
	{"__access", "access"},
	{"__unlink", "unlink"},
	{"__rename", "rename"},
	{"__mkdir", "mkdir"},
	{"__rmdir", "rmdir"},
	{"__readlink", "readlink"},
	{"__symlink", "symlink"},
	{"__link", "link"},
	{"__chmod", "chmod"},
	{"__chown", "chown"},
	{"__chdir", "chdir"},
	{"__fchdir", "fchdir"},
	{"__dup2", "dup2"},
	{"__libc_sigaction", "sigaction"},
	{"mkostemp64", "mkostemp"},
	{"mkstemps64", "mkstemps"},
	{"mkostemps64", "mkostemps"},
};

/*
 * The shim's wrapper of a wrapped name: its own export, found in its dynamic
 * symbol table (a table of names and addresses here cost 410 relocations at
 * every load). NULL only if that table could not be read: the caller then
 * answers NULL rather than libc's function.
 */
static void *wrapper_named(const char *name)
{
	return self_view.gnu_hash ? elf_lookup(&self_view, name) : NULL;
}

/* The real entry for a wrapped name, to tell libc's definition from another library's. */
#define REAL_ENTRY(ret, name, params) \
	if (strcmp(#name, n) == 0)    \
		return real_lookup(REAL_IDX_##name, #name);
static void *real_named(const char *n)
{
	REAL_SYMBOLS(REAL_ENTRY)
	return NULL;
}
#undef REAL_ENTRY

static void *answer(const char *name, void *found)
{
	if (!found || !name)
		return found;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].alias, name) == 0)
			return wrapper_named(aliases[i].wrapper);
	/* Only libc's definition is replaced: another library's own "open" is its business. */
	if (found == real_named(name))
		return wrapper_named(name);
	/*
	 * Any other definition in libc of a name the shim exports (execv and
	 * its kin, an older version of posix_spawn, dlsym itself): the shim's.
	 */
	if ((uintptr_t)found >= libc_lo && (uintptr_t)found < libc_hi && self_view.gnu_hash) {
		void *w = elf_lookup(&self_view, name);
		if (w)
			return w;
	}
	return found;
}

HIDDEN int dl_ops_judge_dlopen(const char *path, int flags);

/*
 * Whether the loader expands something in name before it opens it: a
 * dynamic string token ($ORIGIN, $PLATFORM, $LIB, braced or not; glibc's
 * own test is narrower: "$LIBX" is literal there, refused here).
 */
static bool has_dst(const char *name)
{
	static const char tokens[][9] = {"ORIGIN", "PLATFORM", "LIB"};

	for (const char *d = strchr(name, '$'); d; d = strchr(d + 1, '$')) {
		const char *t = d + 1 + (d[1] == '{');
		for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
			if (strncmp(t, tokens[i], strlen(tokens[i])) == 0)
				return true;
	}
	return false;
}

/*
 * dlopen of a path runs the library's constructors: it is judged as reading
 * and executing that file (a bare name is found by the loader in the system
 * directories and the caller's run path, which the profile cannot name). A
 * name with a dynamic string token is not judged: the loader puts the
 * calling object's directory, the platform or its library directory there,
 * and judged as spelled "$ORIGIN/../denied/x.so" read as an allowed name
 * (found by review, 2026-11-25); it is refused in enforce, logged in alert.
 * Returns 0 to go on, -1 to fail the dlopen.
 */
static int judge_load(const char *op, const char *path, int flags)
{
	struct thread_scratch *sc = thread_scratch_kept();
	if (sc)
		sc->dl_error_pending = false; /* each dl* call resets dlerror, as in glibc */
	if (!path || (flags & RTLD_NOLOAD))
		return 0;
	int r;
	if (has_dst(path)) {
		r = file_ops_refuse_unjudged(op, path,
					     "a dynamic string token ($ORIGIN, $LIB, $PLATFORM) in "
					     "the name: where the loader takes it is not judged");
	} else if (!strchr(path, '/')) {
		return 0;
	} else if (strnlen(path, PATH_MAX) == PATH_MAX && shim.active) {
		/* The loader opens it whole and the kernel refuses it: nothing reached. */
		errno = ENAMETOOLONG;
		r = -1;
	} else {
		r = file_ops_guard_read(op, path);
	}
	if (r == 0)
		return 0;
	/*
	 * Failed without the loader: dlerror() says why as the loader would
	 * (Python's import and ctypes, node's process.dlopen report it),
	 * not NULL, nor an older failure of the loader's.
	 */
	int e = errno;
	if (shim_enter()) {
		if ((sc = thread_scratch())) {
			const char *why = strerrordesc_np(e);
			size_t n = strnlen(path, PATH_MAX);
			snprintf(sc->dl_error, sizeof(sc->dl_error),
				 "%.*s: cannot open shared object file: %s", (int)n, path,
				 why ? why : "Permission denied");
			if (REAL(dlerror))
				REAL(dlerror)();
			sc->dl_error_pending = true;
		}
		shim_leave();
	}
	errno = e;
	return -1;
}

int dl_ops_judge_dlopen(const char *path, int flags)
{
	if (!dl_ops_libc_dlopen && dl_ops_resolve() < 0)
		return -1;
	return judge_load("dlopen", path, flags);
}

HIDDEN int dl_ops_judge_dlmopen(const char *path, int flags);

/* dlmopen, into a namespace of its own or not: judged as dlopen. */
int dl_ops_judge_dlmopen(const char *path, int flags)
{
	if (!dl_ops_libc_dlmopen && (dl_ops_resolve() < 0 || !dl_ops_libc_dlmopen)) {
		errno = ENOSYS;
		return -1;
	}
	return judge_load("dlmopen", path, flags);
}

EXPORT char *dlerror(void)
{
	struct thread_scratch *sc = thread_scratch_kept();

	char *loader = REAL(dlerror) ? REAL(dlerror)() : NULL;
	if (sc && sc->dl_error_pending) {
		sc->dl_error_pending = false;
		if (!loader) /* the loader's, if any, came after the refusal (which cleared it) */
			return sc->dl_error;
	}
	return loader;
}

HIDDEN void *dl_ops_dlsym_handle(void *handle, const char *name);
HIDDEN void *dl_ops_dlvsym_handle(void *handle, const char *name, const char *version);

void *dl_ops_dlsym_handle(void *handle, const char *name)
{
	struct thread_scratch *sc = thread_scratch_kept();
	if (sc)
		sc->dl_error_pending = false;
	if (!dl_ops_libc_dlsym && (dl_ops_resolve() < 0 || !dl_ops_libc_dlsym))
		return NULL;
	return answer(name, dl_ops_libc_dlsym(handle, name));
}

void *dl_ops_dlvsym_handle(void *handle, const char *name, const char *version)
{
	struct thread_scratch *sc = thread_scratch_kept();
	if (sc)
		sc->dl_error_pending = false;
	if (!dl_ops_libc_dlvsym && (dl_ops_resolve() < 0 || !dl_ops_libc_dlvsym))
		return NULL;
	return answer(name, dl_ops_libc_dlvsym(handle, name, version));
}

/*
 * The exported entry points. RTLD_NEXT ((void *)-1) jumps to libc's function
 * with the caller's return address still on the stack: glibc finds "next"
 * from it. Anything else is answered by the functions above. dlopen is
 * judged, then jumps to libc's with the caller's return address too: the
 * loader searches the CALLER's run path for a bare name.
 */
#if defined(__x86_64__)
/* Before the shim's constructor (another library's constructor may look up
 * symbols first) libc's functions are found on the way; rsp stays 16-aligned. */
__asm__(".text\n"
	".globl dlsym\n"
	".type dlsym, @function\n"
	"dlsym:\n"
	"	cmpq $-1, %rdi\n"
	"	jne dl_ops_dlsym_handle\n"
	"	cmpq $0, dl_ops_libc_dlsym(%rip)\n"
	"	jne 1f\n"
	"	pushq %rdi\n"
	"	pushq %rsi\n"
	"	subq $8, %rsp\n"
	"	call dl_ops_resolve\n"
	"	addq $8, %rsp\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"1:	jmp *dl_ops_libc_dlsym(%rip)\n"
	".size dlsym, .-dlsym\n"
	".globl dlopen\n"
	".type dlopen, @function\n"
	"dlopen:\n"
	"	pushq %rdi\n"
	"	pushq %rsi\n"
	"	subq $8, %rsp\n"
	"	call dl_ops_judge_dlopen\n"
	"	addq $8, %rsp\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"	testl %eax, %eax\n"
	"	jne 2f\n"
	"	jmp *dl_ops_libc_dlopen(%rip)\n"
	"2:	xorl %eax, %eax\n"
	"	ret\n"
	".size dlopen, .-dlopen\n"
	/* dlmopen(lmid, file, mode): the same, file and mode judged. */
	".globl dlmopen\n"
	".type dlmopen, @function\n"
	"dlmopen:\n"
	"	pushq %rdi\n"
	"	pushq %rsi\n"
	"	pushq %rdx\n"
	"	movq %rsi, %rdi\n"
	"	movl %edx, %esi\n"
	"	call dl_ops_judge_dlmopen\n"
	"	popq %rdx\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"	testl %eax, %eax\n"
	"	jne 2f\n"
	"	jmp *dl_ops_libc_dlmopen(%rip)\n"
	"2:	xorl %eax, %eax\n"
	"	ret\n"
	".size dlmopen, .-dlmopen\n"
	".globl dlvsym\n"
	".type dlvsym, @function\n"
	"dlvsym:\n"
	"	cmpq $-1, %rdi\n"
	"	jne dl_ops_dlvsym_handle\n"
	"	cmpq $0, dl_ops_libc_dlvsym(%rip)\n"
	"	jne 1f\n"
	"	pushq %rdi\n"
	"	pushq %rsi\n"
	"	pushq %rdx\n"
	"	call dl_ops_resolve\n"
	"	popq %rdx\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"1:	jmp *dl_ops_libc_dlvsym(%rip)\n"
	".size dlvsym, .-dlvsym\n");
#elif defined(__aarch64__)
__asm__(".text\n"
	".globl dlsym\n"
	".type dlsym, %function\n"
	"dlsym:\n"
	"	cmn x0, #1\n"
	"	b.ne dl_ops_dlsym_handle\n"
	"	adrp x16, dl_ops_libc_dlsym\n"
	"	ldr x16, [x16, :lo12:dl_ops_libc_dlsym]\n"
	"	cbnz x16, 1f\n"
	"	stp x29, x30, [sp, #-32]!\n"
	"	stp x0, x1, [sp, #16]\n"
	"	bl dl_ops_resolve\n"
	"	ldp x0, x1, [sp, #16]\n"
	"	ldp x29, x30, [sp], #32\n"
	"	adrp x16, dl_ops_libc_dlsym\n"
	"	ldr x16, [x16, :lo12:dl_ops_libc_dlsym]\n"
	"1:	br x16\n"
	".size dlsym, .-dlsym\n"
	".globl dlopen\n"
	".type dlopen, %function\n"
	"dlopen:\n"
	"	stp x29, x30, [sp, #-32]!\n"
	"	stp x0, x1, [sp, #16]\n"
	"	bl dl_ops_judge_dlopen\n"
	"	mov w9, w0\n"
	"	ldp x0, x1, [sp, #16]\n"
	"	ldp x29, x30, [sp], #32\n"
	"	cbnz w9, 2f\n"
	"	adrp x16, dl_ops_libc_dlopen\n"
	"	ldr x16, [x16, :lo12:dl_ops_libc_dlopen]\n"
	"	br x16\n"
	"2:	mov x0, #0\n"
	"	ret\n"
	".size dlopen, .-dlopen\n"
	".globl dlmopen\n"
	".type dlmopen, %function\n"
	"dlmopen:\n"
	"	stp x29, x30, [sp, #-48]!\n"
	"	stp x0, x1, [sp, #16]\n"
	"	str x2, [sp, #32]\n"
	"	mov x0, x1\n"
	"	mov w1, w2\n"
	"	bl dl_ops_judge_dlmopen\n"
	"	mov w9, w0\n"
	"	ldp x0, x1, [sp, #16]\n"
	"	ldr x2, [sp, #32]\n"
	"	ldp x29, x30, [sp], #48\n"
	"	cbnz w9, 2f\n"
	"	adrp x16, dl_ops_libc_dlmopen\n"
	"	ldr x16, [x16, :lo12:dl_ops_libc_dlmopen]\n"
	"	br x16\n"
	"2:	mov x0, #0\n"
	"	ret\n"
	".size dlmopen, .-dlmopen\n"
	".globl dlvsym\n"
	".type dlvsym, %function\n"
	"dlvsym:\n"
	"	cmn x0, #1\n"
	"	b.ne dl_ops_dlvsym_handle\n"
	"	adrp x16, dl_ops_libc_dlvsym\n"
	"	ldr x16, [x16, :lo12:dl_ops_libc_dlvsym]\n"
	"	cbnz x16, 1f\n"
	"	stp x29, x30, [sp, #-32]!\n"
	"	stp x0, x1, [sp, #16]\n"
	"	str x2, [sp, #-16]!\n"
	"	bl dl_ops_resolve\n"
	"	ldr x2, [sp], #16\n"
	"	ldp x0, x1, [sp, #16]\n"
	"	ldp x29, x30, [sp], #32\n"
	"	adrp x16, dl_ops_libc_dlvsym\n"
	"	ldr x16, [x16, :lo12:dl_ops_libc_dlvsym]\n"
	"1:	br x16\n"
	".size dlvsym, .-dlvsym\n");
#else
#error "dl_ops: add this architecture's trampolines"
#endif
