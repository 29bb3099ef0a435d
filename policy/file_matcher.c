// SPDX-License-Identifier: MIT
#include "file_matcher.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "glob_trie.h"
#include "profile.h"
#include "strbuf.h"

#define FM_MAGIC   0x54414d46u /* "FMAT" */
#define FM_VERSION 1u

struct fm_header {
	uint32_t magic, version, n_globs, globs_len, image_len, zero;
};

static size_t pad8(size_t n)
{
	return (8 - n % 8) % 8;
}

void file_matcher_write(const struct glob_trie *files, const struct profile *p, struct strbuf *out)
{
	static const char zeros[8];
	struct fm_header h = {.magic = FM_MAGIC, .version = FM_VERSION};
	const void *image;
	size_t image_len, globs_len = 0;

	if (glob_trie_image(files, &image, &image_len) < 0 || p->n_files > UINT32_MAX) {
		out->oom = true;
		return;
	}
	for (size_t i = 0; i < p->n_files; i++)
		globs_len += strlen(p->files[i].glob) + 1;
	if (globs_len > UINT32_MAX || image_len > UINT32_MAX) {
		out->oom = true;
		return;
	}
	h.n_globs = (uint32_t)p->n_files;
	h.globs_len = (uint32_t)globs_len;
	h.image_len = (uint32_t)image_len;
	strbuf_put_mem(out, (const char *)&h, sizeof(h));
	for (size_t i = 0; i < p->n_files; i++)
		strbuf_put_mem(out, p->files[i].glob, strlen(p->files[i].glob) + 1);
	strbuf_put_mem(out, zeros, pad8(globs_len));
	strbuf_put_mem(out, image, image_len);
}

/* The block's globs are p's, in order. globs: h->globs_len bytes. */
static bool same_globs(const struct fm_header *h, const char *globs, const struct profile *p)
{
	size_t at = 0;

	if (h->n_globs != p->n_files)
		return false;
	for (size_t i = 0; i < p->n_files; i++) {
		size_t n = strlen(p->files[i].glob) + 1;

		if (n > h->globs_len - at || memcmp(globs + at, p->files[i].glob, n) != 0)
			return false;
		at += n;
	}
	return at == h->globs_len;
}

int file_matcher_load(const void *block, size_t len, const struct profile *p, bool in_place,
		      struct glob_trie **ret)
{
	const char *b = block;
	struct fm_header h;

	*ret = NULL;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, b, sizeof(h));
	uint64_t globs_end = sizeof(h) + (uint64_t)h.globs_len;
	uint64_t image_at = globs_end + pad8(globs_end);
	if (h.magic != FM_MAGIC || h.version != FM_VERSION || h.zero != 0 ||
	    image_at + h.image_len != len || (h.globs_len && b[globs_end - 1] != '\0'))
		return -EINVAL;
	if (!same_globs(&h, b + sizeof(h), p))
		return 0;
	int r = glob_trie_load(GLOB_TRIE_PATH, b + image_at, h.image_len, h.n_globs, in_place, ret);
	return r == -ENOMEM ? r : r < 0 ? -EINVAL : 0;
}
