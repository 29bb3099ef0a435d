// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "seccomp_filter.h"

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

bool bundle_sniff(const void *data, size_t len)
{
	return len >= sizeof(struct header) && memcmp(data, BUNDLE_MAGIC, 8) == 0;
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
	struct seccomp_filter *filters[3] = {0};
	char *json = NULL;
	int r;

	if (!arch)
		arch = seccomp_filter_arch_from_name(
#if defined(__aarch64__)
			"aarch64"
#else
			"x86_64"
#endif
		);
	r = policy_to_json(policy, true, &json);
	if (r < 0)
		return r;
	size_t n = sizeof(variants) / sizeof(variants[0]);
	/* Names for the SIGSYS handler, which cannot ask libseccomp. */
	char *names = NULL;
	size_t names_len = 0, names_cap = 8192;
	names = malloc(names_cap);
	if (!names) {
		free(json);
		return -ENOMEM;
	}
	for (int nr = 0; nr < BUNDLE_MAX_NR; nr++) {
		const char *name = seccomp_filter_syscall_name(arch, nr);
		size_t l = name ? strlen(name) : 0;
		if (names_len + l + 1 > names_cap) {
			char *g = realloc(names, names_cap * 2);
			if (!g) {
				free(names);
				free(json);
				return -ENOMEM;
			}
			names = g;
			names_cap *= 2;
		}
		memcpy(names + names_len, name ? name : "", l);
		names_len += l;
		names[names_len++] = '\n';
	}
	size_t total =
		sizeof(struct header) + (2 + n) * sizeof(struct section) + strlen(json) + names_len;
	for (size_t i = 0; i < n; i++) {
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
		seccomp_filter_program(filters[i], &len);
		total += (total & 7) ? 8 - (total & 7) : 0;
		total += len * sizeof(struct sock_filter);
	}
	unsigned char *buf = calloc(1, total + 8);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	(void)0;
	struct header *h = (struct header *)buf;
	struct section *s = (struct section *)(buf + sizeof(*h));
	size_t off = sizeof(*h) + (2 + n) * sizeof(*s);
	memcpy(h->magic, BUNDLE_MAGIC, 8);
	h->version = BUNDLE_VERSION;
	h->n_sections = (uint32_t)(2 + n);
	s[0] = (struct section){.kind = BUNDLE_PROFILE_JSON, .offset = off, .size = strlen(json)};
	memcpy(buf + off, json, strlen(json));
	off += strlen(json);
	s[1] = (struct section){.kind = BUNDLE_SYSCALL_NAMES, .offset = off, .size = names_len};
	memcpy(buf + off, names, names_len);
	off += names_len;
	s++;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const struct sock_filter *prog = seccomp_filter_program(filters[i], &len);
		off += (off & 7) ? 8 - (off & 7) : 0;
		s[1 + i] = (struct section){
			.kind = BUNDLE_BPF,
			.flags = (uint32_t)variants[i].mode |
				 (variants[i].errno_only ? BUNDLE_BPF_ERRNO_ONLY : 0) |
				 (seccomp_filter_uses_trap(filters[i]) ? BUNDLE_BPF_USES_TRAP : 0) |
				 (arch == AUDIT_ARCH_AARCH64 ? BUNDLE_BPF_ARCH_AARCH64 : 0),
			.offset = off,
			.size = len * sizeof(*prog),
		};
		memcpy(buf + off, prog, len * sizeof(*prog));
		off += len * sizeof(*prog);
	}
	h->total_size = off;
	h->checksum = fnv1a64(buf + sizeof(*h), off - sizeof(*h));
	*ret = buf;
	*ret_len = off;
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		seccomp_filter_free(filters[i]);
	free(names);
	free(json);
	return r;
}

int bundle_parse(const void *data, size_t len, struct bundle_view *ret, const char **ret_msg)
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
	if (h.version != BUNDLE_VERSION || h.total_size != len || h.n_sections == 0 ||
	    h.n_sections > MAX_SECTIONS ||
	    sizeof(h) + (size_t)h.n_sections * sizeof(struct section) > len) {
		*ret_msg = "bundle header damaged or truncated";
		return -EINVAL;
	}
	if (fnv1a64(buf + sizeof(h), len - sizeof(h)) != h.checksum) {
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
	if (!v.json) {
		*ret_msg = "bundle has no profile";
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

const struct sock_filter *bundle_program(const struct bundle_view *b, enum policy_mode mode,
					 bool errno_only, uint32_t arch, size_t *ret_len,
					 bool *ret_uses_trap)
{
	uint32_t want = (uint32_t)mode | (errno_only ? BUNDLE_BPF_ERRNO_ONLY : 0) |
			(arch == AUDIT_ARCH_AARCH64 ? BUNDLE_BPF_ARCH_AARCH64 : 0);
	for (size_t i = 0; i < b->n_bpf; i++) {
		if ((b->bpf[i].flags & ~BUNDLE_BPF_USES_TRAP) == want) {
			*ret_len = b->bpf[i].len;
			*ret_uses_trap = b->bpf[i].flags & BUNDLE_BPF_USES_TRAP;
			return b->bpf[i].prog;
		}
	}
	return NULL;
}

int bundle_load_policy(const char *path, const struct policy_load_opts *opts, struct policy **ret,
		       void **ret_bundle, struct bundle_view *ret_view, struct diag_list *diags)
{
	char *data = NULL;
	size_t len = 0;
	const char *msg = NULL;
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
	r = bundle_parse(data, len, ret_view, &msg);
	if (r < 0) {
		diag_add(diags, path, 0, 0, NULL, "%s", msg);
		free(data);
		return r;
	}
	/* The embedded profile is resolved already: nothing to extend. */
	struct policy_load_opts o = opts ? *opts : (struct policy_load_opts){0};
	o.no_extends = true;
	r = policy_load_buffer(path, ret_view->json, ret_view->json_len, &o, ret, diags);
	if (r < 0) {
		free(data);
		return r;
	}
	*ret_bundle = data;
	return 0;
}
