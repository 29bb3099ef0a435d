/* SPDX-License-Identifier: MIT */
/*
 * file_matcher — the file rules' frozen trie as a bundle carries it, so a
 * process starting under a bundle maps its matcher in instead of building
 * it (the build is about half of a child's start-up instructions).
 *
 * The trie is built from the rules' globs with ${VAR} expanded, and the
 * bundle's rules are expanded at load (profile_image.h): the block keeps
 * the expanded globs it was built from, and is used only when they are,
 * byte for byte and in order, the globs this load expanded. Otherwise
 * (the run's LAMBDA_TASK_ROOT differs from the compile's) the trie is
 * built as from JSON. Same answers either way.
 *
 * Layout (host byte order, as the trie image): { u32 magic "FMAT", u32
 * version 1, u32 glob count, u32 globs' bytes, u32 image bytes, u32 0 },
 * the globs each NUL-terminated, zero padding to 8 bytes, the image
 * (glob_trie_image()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct glob_trie;
struct profile;
struct strbuf;

/* Appends the block for files (frozen, built from p's file rules); check out->oom. */
void file_matcher_write(const struct glob_trie *files, const struct profile *p, struct strbuf *out);

/*
 * The trie the block holds, when it was built from p's file globs as they
 * are now: 0 and *ret set; 0 and *ret NULL when the globs differ (build
 * it); -EINVAL when the block or its image is damaged; -ENOMEM. in_place:
 * the trie points into block, which must outlive it (glob_trie_load()).
 */
int file_matcher_load(const void *block, size_t len, const struct profile *p, bool in_place,
		      struct glob_trie **ret);
