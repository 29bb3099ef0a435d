/* SPDX-License-Identifier: MIT */
/*
 * profile_image — a resolved profile as flat binary tables, for bundles.
 *
 * The shim's start-up used to parse the bundle's embedded JSON (cJSON, the
 * reader's checks, a canonical re-write for the hash: ~0.7 M instructions
 * for the Python profile). An image holds the same rules already checked,
 * in the order the matchers are built from, with the profile's hash, so
 * that loading is a bounds-checked copy. What depends on the environment
 * is not frozen: path patterns keep their ${VAR} as written and are
 * expanded again at load, as the JSON reader does.
 *
 * Layout (native byte order; a bundle is built for one architecture):
 * "FGPI", u32 version, u64 hash, then the fields of struct profile in
 * declaration order. A string is u32 length + bytes (length 0xffffffff for
 * NULL); a list is u32 count + items; a rule origin is u32 source index
 * (0xffffffff: none), u32 line, u32 col.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "strbuf.h"

#define PROFILE_IMAGE_VERSION 1u

/* Appends p's image with hash to out (check out->oom). */
void profile_image_write(const struct profile *p, uint64_t hash, struct strbuf *out);

/*
 * Rebuilds a profile from an image, expanding ${VAR} in path patterns
 * with opts. Returns 0, -ENOMEM, or -EINVAL with *ret_msg (static or in
 * msg, msg_size bytes) saying what is wrong: a damaged image or a
 * variable whose value cannot be used.
 */
int profile_image_read(const void *data, size_t len, const struct policy_load_opts *opts,
		       struct profile **ret, uint64_t *ret_hash, char *msg, size_t msg_size);
