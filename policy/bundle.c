// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "seccomp_filter.h"
#include "strbuf.h"
#include "util.h"

struct header {
	char magic[8];
	uint32_t version;
	uint32_t n_sections;
	uint64_t total_size;
	uint64_t checksum;
};

struct section {
	uint32_t kind;
	uint32_t flags;
	uint64_t offset;
	uint64_t size;
};

#define MAX_SECTIONS 16u

static uint64_t fnv1a64(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * Version 2's checksum: FNV-1a's step over 8-byte words (then the tail
 * bytes), an eighth of the work at every cold start. Damage still flips
 * the result; it was never meant to resist tampering.
 */
static uint64_t checksum(uint32_t version, const unsigned char *p, size_t len)
{
	if (version < 2)
		return fnv1a64(p, len);
	uint64_t h = 0xcbf29ce484222325ull, w;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

bool bundle_sniff(const void *data, size_t len)
{
	return len >= sizeof(struct header) && memcmp(data, BUNDLE_MAGIC, 8) == 0;
}

/* The sections of a bundle being built: data borrowed until written. */
struct build {
	struct section s[MAX_SECTIONS];
	const void *data[MAX_SECTIONS];
	size_t n;
};

static void add_section(struct build *b, uint32_t kind, uint32_t flags, const void *data,
			size_t size)
{
	b->s[b->n] = (struct section){.kind = kind, .flags = flags, .size = size};
	b->data[b->n++] = data;
}

static size_t align8(size_t off)
{
	return (off + 7) & ~(size_t)7;
}

/* Lays the sections out (each 8-byte aligned) and checksums the result. */
static int write_bundle(struct build *b, void **ret, size_t *ret_len)
{
	size_t off = sizeof(struct header) + b->n * sizeof(struct section);
	for (size_t i = 0; i < b->n; i++) {
		off = align8(off);
		b->s[i].offset = off;
		off += b->s[i].size;
	}
	unsigned char *buf = calloc(1, off);
	if (!buf)
		return -ENOMEM;
	struct header *h = (struct header *)buf;
	memcpy(h->magic, BUNDLE_MAGIC, 8);
	h->version = BUNDLE_VERSION;
	h->n_sections = (uint32_t)b->n;
	h->total_size = off;
	memcpy(buf + sizeof(*h), b->s, b->n * sizeof(struct section));
	for (size_t i = 0; i < b->n; i++)
		memcpy(buf + b->s[i].offset, b->data[i], b->s[i].size);
	h->checksum = checksum(BUNDLE_VERSION, buf + sizeof(*h), off - sizeof(*h));
	*ret = buf;
	*ret_len = off;
	return 0;
}

/* The arch's syscall names by number, for the SIGSYS handler (it cannot ask libseccomp). */
static int syscall_names(uint32_t arch, struct strbuf *out)
{
	for (int nr = 0; nr < BUNDLE_MAX_NR; nr++) {
		const char *name = seccomp_filter_syscall_name(arch, nr);
		strbuf_put(out, name ? name : "");
		strbuf_put_mem(out, "\n", 1);
	}
	return out->oom ? -ENOMEM : 0;
}

static uint32_t arch_or_native(uint32_t arch)
{
	if (arch)
		return arch;
	return seccomp_filter_arch_from_name(
#if defined(__aarch64__)
		"aarch64"
#else
		"x86_64"
#endif
	);
}

/* The sections every bundle has after its JSON: image, file matcher, and names when asked. */
static int add_tables(struct build *b, const struct policy *policy, uint32_t arch, bool names,
		      struct strbuf *image, struct strbuf *matcher, struct strbuf *name_list)
{
	policy_image_write(policy, image);
	policy_matcher_write(policy, matcher);
	if (image->oom || matcher->oom)
		return -ENOMEM;
	if (names) {
		int r = syscall_names(arch, name_list);
		if (r < 0)
			return r;
	}
	add_section(b, BUNDLE_PROFILE_IMAGE, 0, image->buf, image->len);
	add_section(b, BUNDLE_FILE_MATCHER, 0, matcher->buf, matcher->len);
	if (names)
		add_section(b, BUNDLE_SYSCALL_NAMES, 0, name_list->buf, name_list->len);
	return 0;
}

int bundle_build_lean(const struct policy *policy, bool names, void **ret, size_t *ret_len)
{
	struct strbuf image = {0}, matcher = {0}, name_list = {0};
	struct build b = {0};
	int r = add_tables(&b, policy, arch_or_native(0), names, &image, &matcher, &name_list);
	if (r == 0)
		r = write_bundle(&b, ret, ret_len);
	free(name_list.buf);
	free(image.buf);
	free(matcher.buf);
	return r;
}

int bundle_build(const struct policy *policy, uint32_t arch, void **ret, size_t *ret_len,
		 struct diag_list *diags)
{
	static const struct {
		enum policy_mode mode;
		bool errno_only;
	} variants[] = {
		{POLICY_MODE_ENFORCE, false},
		{POLICY_MODE_ENFORCE, true},
		{POLICY_MODE_ALERT, false},
	};
	struct seccomp_filter *filters[ELEMENTSOF(variants)] = {0};
	struct strbuf names = {0}, image = {0}, matcher = {0};
	struct build b = {0};
	_cleanup_free_ char *json = NULL;
	int r;

	arch = arch_or_native(arch);
	r = policy_to_json(policy, true, &json);
	if (r < 0)
		return r;
	add_section(&b, BUNDLE_PROFILE_JSON, 0, json, strlen(json));
	r = add_tables(&b, policy, arch, true, &image, &matcher, &names);
	if (r < 0)
		goto out;
	struct policy_verdict wv;
	bool no_write = policy_check_syscall(policy, "write", &wv) == 0 && !wv.allowed;
	for (size_t i = 0; i < ELEMENTSOF(variants); i++) {
		struct seccomp_options o;
		size_t len;
		seccomp_options_init(&o, policy);
		o.mode = variants[i].mode;
		o.errno_only = variants[i].errno_only;
		o.arch = arch;
		o.after_install_lockdown = true;
		o.log_fd = -1; /* unknown until run time: "write" must be in the profile */
		r = seccomp_filter_build(policy, &o, &filters[i], diags);
		if (r < 0)
			goto out;
		const struct sock_filter *prog = seccomp_filter_program(filters[i], &len);
		add_section(
			&b, BUNDLE_BPF,
			(uint32_t)variants[i].mode |
				(variants[i].errno_only ? BUNDLE_BPF_ERRNO_ONLY : 0) |
				(seccomp_filter_uses_trap(filters[i]) ? BUNDLE_BPF_USES_TRAP : 0) |
				(no_write ? BUNDLE_BPF_NO_WRITE : 0) |
				(arch == AUDIT_ARCH_AARCH64 ? BUNDLE_BPF_ARCH_AARCH64 : 0) |
				SECCOMP_FILTER_RULES << BUNDLE_BPF_RULES_SHIFT,
			prog, len * sizeof(*prog));
	}
	r = write_bundle(&b, ret, ret_len);
out:
	for (size_t i = 0; i < ELEMENTSOF(variants); i++)
		seccomp_filter_free(filters[i]);
	free(names.buf);
	free(image.buf);
	free(matcher.buf);
	return r;
}

static int parse(const void *data, size_t len, bool sum, struct bundle_view *ret,
		 const char **ret_msg)
{
	const unsigned char *buf = data;
	struct header h;
	struct bundle_view v = {0};

	if (!bundle_sniff(data, len)) {
		*ret_msg = "not a fnguard bundle";
		return -EINVAL;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.version > BUNDLE_VERSION) {
		*ret_msg = "bundle format newer than this fnguard";
		return -EPROTONOSUPPORT;
	}
	if (h.version < BUNDLE_VERSION_OLDEST || h.total_size != len || h.n_sections == 0 ||
	    h.n_sections > MAX_SECTIONS ||
	    sizeof(h) + (size_t)h.n_sections * sizeof(struct section) > len) {
		*ret_msg = "bundle header damaged or truncated";
		return -EINVAL;
	}
	if (sum && checksum(h.version, buf + sizeof(h), len - sizeof(h)) != h.checksum) {
		*ret_msg = "bundle checksum mismatch";
		return -EINVAL;
	}
	for (uint32_t i = 0; i < h.n_sections; i++) {
		struct section s;
		memcpy(&s, buf + sizeof(h) + i * sizeof(s), sizeof(s));
		if (s.offset > len || s.size > len - s.offset) {
			*ret_msg = "bundle section out of bounds";
			return -EINVAL;
		}
		if (s.kind == BUNDLE_PROFILE_JSON) {
			v.json = (const char *)buf + s.offset;
			v.json_len = s.size;
		} else if (s.kind == BUNDLE_PROFILE_IMAGE) {
			v.image = buf + s.offset;
			v.image_len = s.size;
		} else if (s.kind == BUNDLE_FILE_MATCHER) {
			v.matcher = buf + s.offset;
			v.matcher_len = s.size;
		} else if (s.kind == BUNDLE_SYSCALL_NAMES) {
			v.names = (const char *)buf + s.offset;
			v.names_len = s.size;
		} else if (s.kind == BUNDLE_BPF) {
			if ((s.offset & 7) || (s.size % sizeof(struct sock_filter)) || !s.size ||
			    s.size / sizeof(struct sock_filter) > BPF_MAXINSNS ||
			    v.n_bpf == sizeof(v.bpf) / sizeof(v.bpf[0])) {
				*ret_msg = "bundle program malformed";
				return -EINVAL;
			}
			v.bpf[v.n_bpf].flags = s.flags;
			v.bpf[v.n_bpf].prog = (const struct sock_filter *)(buf + s.offset);
			v.bpf[v.n_bpf].len = s.size / sizeof(struct sock_filter);
			v.n_bpf++;
		}
	}
	/* Lean bundles (a first process's, for its descendants) carry only the image. */
	if (!v.json && !v.image) {
		*ret_msg = "bundle has no profile";
		return -EINVAL;
	}
	v.size = len;
	*ret = v;
	return 0;
}

int bundle_parse(const void *data, size_t len, struct bundle_view *ret, const char **ret_msg)
{
	return parse(data, len, true, ret, ret_msg);
}

/* Compiled before the fixed rules it would get now (a newer fnguard's is stricter: used). */
static bool program_stale(uint32_t flags)
{
	return (flags & BUNDLE_BPF_RULES_MASK) >> BUNDLE_BPF_RULES_SHIFT < SECCOMP_FILTER_RULES;
}

const struct sock_filter *bundle_program(const struct bundle_view *b, enum policy_mode mode,
					 bool errno_only, uint32_t arch, size_t *ret_len,
					 bool *ret_uses_trap)
{
	uint32_t want = (uint32_t)mode | (errno_only ? BUNDLE_BPF_ERRNO_ONLY : 0) |
			(arch == AUDIT_ARCH_AARCH64 ? BUNDLE_BPF_ARCH_AARCH64 : 0);
	for (size_t i = 0; i < b->n_bpf; i++) {
		uint32_t flags = b->bpf[i].flags;
		if ((flags & ~(BUNDLE_BPF_USES_TRAP | BUNDLE_BPF_NO_WRITE |
			       BUNDLE_BPF_RULES_MASK)) == want) {
			if (program_stale(flags))
				return NULL;
			*ret_len = b->bpf[i].len;
			*ret_uses_trap = b->bpf[i].flags & BUNDLE_BPF_USES_TRAP;
			return b->bpf[i].prog;
		}
	}
	return NULL;
}

bool bundle_programs_stale(const struct bundle_view *b)
{
	for (size_t i = 0; i < b->n_bpf; i++)
		if (program_stale(b->bpf[i].flags))
			return true;
	return false;
}

bool bundle_lists_write(const struct bundle_view *b)
{
	for (size_t i = 0; i < b->n_bpf; i++)
		if (b->bpf[i].flags & BUNDLE_BPF_NO_WRITE)
			return false;
	return true;
}

int bundle_syscall_names(const struct bundle_view *b, const char **names, size_t max,
			 char **ret_copy)
{
	*ret_copy = NULL;
	if (!b->names)
		return -ENOENT;
	char *copy = malloc(b->names_len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, b->names, b->names_len);
	copy[b->names_len] = '\0';
	char *p = copy;
	for (size_t nr = 0; nr < max && *p; nr++) {
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		names[nr] = *p ? p : NULL;
		p = nl + 1;
	}
	*ret_copy = copy;
	return 0;
}

int bundle_load_policy(const char *path, const struct policy_load_opts *opts, struct policy **ret,
		       void **ret_bundle, struct bundle_view *ret_view, struct diag_list *diags)
{
	char *data = NULL;
	size_t len = 0;
	int r = policy_read_file(path, &data, &len);
	if (r < 0) {
		diag_add(diags, path, 0, 0, NULL, "cannot read: %s", strerror(-r));
		return r;
	}
	if (!bundle_sniff(data, len)) {
		r = policy_load_buffer(path, data, len, opts, ret, diags);
		free(data);
		*ret_bundle = NULL;
		return r;
	}
	r = bundle_load_policy_mem(path, data, len, opts, ret, ret_view, diags);
	if (r < 0) {
		free(data);
		return r;
	}
	*ret_bundle = data;
	return 0;
}

int bundle_load_policy_mem(const char *name, const void *data, size_t len,
			   const struct policy_load_opts *opts, struct policy **ret,
			   struct bundle_view *ret_view, struct diag_list *diags)
{
	const char *msg = NULL;
	int r = parse(data, len, !(opts && opts->checksum_checked), ret_view, &msg);
	if (r < 0) {
		diag_add(diags, name, 0, 0, NULL, "%s", msg);
		return r;
	}
	/*
	 * The image needs no JSON parse. A version 1 bundle has only the
	 * JSON, resolved already: nothing to extend.
	 */
	struct policy_load_opts o = opts ? *opts : (struct policy_load_opts){0};
	o.no_extends = true;
	if (ret_view->image)
		return policy_load_image(name, ret_view->image, ret_view->image_len,
					 ret_view->matcher, ret_view->matcher_len, &o, ret, diags);
	return policy_load_buffer(name, ret_view->json, ret_view->json_len, &o, ret, diags);
}
