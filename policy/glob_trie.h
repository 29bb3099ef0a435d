/* SPDX-License-Identifier: MIT */
/*
 * glob_trie — a set of segment globs compiled into a trie, matched in time
 * proportional to the subject's length (not to the number of patterns).
 *
 * Two flavours share the code:
 *  - GLOB_TRIE_PATH: '/'-separated absolute paths. Within a segment '*' is any
 *    run of characters and '?' one character (one UTF-8 code point); a whole
 *    segment '**' is zero or more segments. Case-sensitive.
 *  - GLOB_TRIE_HOST: DNS names, labels compared case-insensitively, a trailing
 *    dot ignored. A leading "*." matches one or more labels ("*.example.com"
 *    matches "a.example.com" and "a.b.example.com" but not "example.com");
 *    '*' anywhere else matches within one label ("dynamodb.*.amazonaws.com",
 *    "s3-*.amazonaws.com"). '?' and '**' are not host syntax.
 *
 * Each added pattern carries a caller-chosen 32-bit value; a match reports the
 * values of every pattern that matches. After glob_trie_freeze() the trie is
 * immutable and may be queried from any number of threads (and after fork)
 * without locks.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum glob_trie_flavor {
	GLOB_TRIE_PATH,
	GLOB_TRIE_HOST,
};

/* Longest pattern or subject accepted, in bytes. */
#define GLOB_MAX_LEN 4096
/* Most '**' segments one path pattern may hold (bounds matching cost). */
#define GLOB_MAX_DOUBLE_STAR 4

struct glob_trie;

/*
 * Checks the syntax of one pattern. Returns 0 if valid, else -EINVAL with
 * *ret_msg pointing at a static English message ("'**' must be a whole path
 * segment") and *ret_offset at the byte offset of the offending character.
 * ret_msg and ret_offset may be NULL.
 */
int glob_validate(enum glob_trie_flavor flavor, const char *pattern, const char **ret_msg,
		  size_t *ret_offset);

/* Creates an empty trie. Caller frees with glob_trie_free(). */
int glob_trie_new(enum glob_trie_flavor flavor, struct glob_trie **ret);

/*
 * Adds a pattern (copied). Returns 0, -EINVAL for a pattern glob_validate()
 * rejects, -ENOMEM, or -EBUSY after glob_trie_freeze(). The same pattern may
 * be added several times with different values.
 */
int glob_trie_add(struct glob_trie *trie, const char *pattern, uint32_t value);

/* Finishes construction; the trie is read-only from here on. */
int glob_trie_freeze(struct glob_trie *trie);

/*
 * glob_trie_freeze() without a path trie's cache of recent directories
 * (4 KiB cleared): for a trie matched now and then (programs, at an exec).
 */
int glob_trie_freeze_uncached(struct glob_trie *trie);

/*
 * Called once per matching pattern. Return 0 to go on, non-zero to stop the
 * walk (glob_trie_match then returns that value).
 */
typedef int (*glob_trie_visit_fn)(uint32_t value, void *userdata);

/*
 * Matches a subject (not NUL-terminated necessarily: len bytes). PATH
 * subjects must be absolute and already normalised (see path_norm.h): no
 * "//", "/./", "/../" and no trailing '/' except for "/" itself. HOST
 * subjects may have any case and a trailing dot.
 * Returns 0 when the walk completed, the visitor's non-zero value if it
 * stopped, or -EINVAL for a subject that is not of the flavour's form (too
 * long, relative path). No allocation, async-signal-safe.
 */
int glob_trie_match(const struct glob_trie *trie, const char *subject, size_t len,
		    glob_trie_visit_fn visit, void *userdata);

/*
 * The frozen trie's image: one block of indices and offsets, no pointers
 * (host byte order), borrowed until glob_trie_free(). Returns 0 or -EBUSY
 * before glob_trie_freeze().
 */
int glob_trie_image(const struct glob_trie *trie, const void **ret, size_t *ret_len);

/*
 * A frozen trie from an image glob_trie_image() gave. The image must be of
 * flavor and hold exactly patterns patterns, with values below patterns (a
 * caller's rule indexes). Every index, offset and count is checked before
 * use. in_place: the image is used where it lies (when 8-byte aligned) and
 * must then stay, unchanged, until glob_trie_free(); else it is copied.
 * Returns 0, -EINVAL (damaged, or not what was asked for) or -ENOMEM.
 */
int glob_trie_load(enum glob_trie_flavor flavor, const void *image, size_t len, uint32_t patterns,
		   bool in_place, struct glob_trie **ret);

/* Number of patterns added. */
size_t glob_trie_size(const struct glob_trie *trie);

void glob_trie_free(struct glob_trie *trie);

/*
 * Matches one subject against one pattern without building a trie: the
 * reference semantics the trie must agree with (tests compare the two), and
 * the matcher for single strings such as argv elements. In the PATH flavour
 * the pattern and subject may also be relative ("*.png", "out/*.txt"); '/'
 * is never matched by '*' or '?'. Returns true on a match.
 */
_Bool glob_match_one(enum glob_trie_flavor flavor, const char *pattern, const char *subject,
		     size_t len);
