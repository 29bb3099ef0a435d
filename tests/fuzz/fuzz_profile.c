// SPDX-License-Identifier: MIT
/*
 * The profile reader on arbitrary bytes.
 *
 *  - All or nothing: a failed load leaves *ret untouched, allocates nothing
 *    that outlives the call (LeakSanitizer) and, when the profile is
 *    invalid, says why in at least one diagnostic naming the file. A
 *    successful load reports nothing.
 *  - Diagnostics are printable: no raw control characters reach a terminal,
 *    and a line:col position lies inside the document.
 *  - read -> write -> read is the identity: what the writer makes of a
 *    loaded profile loads again, and writing that gives the same text and
 *    the same hash. The resolved form ("extends" merged in) loads too.
 *  - The profile image (what a bundle carries) loads into the same policy:
 *    same resolved text, same hash. The same image with one byte changed
 *    (which one and how follows from the input) loads or is refused, never
 *    crashes or leaks.
 *  - The file matcher a bundle carries is taken (same expansion) and gives
 *    the built one's verdicts on paths made from the rules; with one byte
 *    changed it loads or is refused, and what loads can be matched against.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "policy.h"
#include "profile.h"
#include "strbuf.h"

#define NAME "fuzz.json"

static void check_diags(const struct diag_list *diags, const char *text, size_t len)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	for (size_t i = 0; i < diags->n; i++) {
		const char *d = diags->lines[i];
		unsigned line, col;
		FUZZ_CHECK(strncmp(d, NAME ":", sizeof(NAME)) == 0, "diagnostic without file: %s",
			   d);
		for (const char *c = d; *c; c++)
			FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f,
				   "control character 0x%02x in diagnostic: %s", (unsigned char)*c,
				   d);
		if (sscanf(d, NAME ":%u:%u:", &line, &col) == 2)
			FUZZ_CHECK(line >= 1 && line <= lines && col >= 1 && col <= len + 1,
				   "position %u:%u outside the %zu-line document: %s", line, col,
				   lines, d);
	}
}

/* Loads text that the writer produced: it must load cleanly. */
static struct policy *reload(const char *text, const char *what)
{
	struct policy_load_opts opts = {.no_extends = true};
	struct diag_list diags = {0};
	struct policy *pol = NULL;
	int r = policy_load_buffer(NAME, text, strlen(text), &opts, &pol, &diags);
	if (r < 0)
		fuzz_fail("%s does not load again (%d, %s):\n%s", what, r,
			  diags.n ? diags.lines[0] : "no diagnostic", text);
	FUZZ_CHECK(diags.n == 0, "%s loads with a diagnostic: %s", what, diags.lines[0]);
	diag_list_clear(&diags);
	return pol;
}

/* Flips one bit of buf; which one follows from the input (and seed). */
static void flip_from_input(char *buf, size_t len, const uint8_t *data, size_t size, uint64_t seed)
{
	uint64_t h = seed;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	buf[h % len] ^= (char)(1u << (h >> 32) % 8);
}

static void check_image(const struct policy *pol, const char *resolved, const uint8_t *data,
			size_t size)
{
	struct policy_load_opts opts = {.no_extends = true};
	struct diag_list diags = {0};
	struct strbuf img = {0};
	struct policy *back = NULL;
	char *text = NULL, h1[17], h2[17];

	policy_image_write(pol, &img);
	if (img.oom) {
		free(img.buf);
		return;
	}
	int r = policy_load_image(NAME, img.buf, img.len, NULL, 0, &opts, &back, &diags);
	FUZZ_CHECK(r == 0, "the image does not load (%d): %s", r,
		   diags.n ? diags.lines[0] : "no diagnostic");
	FUZZ_CHECK(policy_to_json(back, true, &text) == 0, "writer failed on the image");
	if (strcmp(text, resolved) != 0)
		fuzz_fail("the image is another profile:\n--- json\n%s--- image\n%s", resolved,
			  text);
	policy_hash(pol, h1);
	policy_hash(back, h2);
	FUZZ_CHECK(strcmp(h1, h2) == 0, "the image's hash differs: %s %s", h1, h2);
	policy_free(back);
	free(text);

	flip_from_input(img.buf, img.len, data, size, 0xcbf29ce484222325ull);
	back = NULL;
	r = policy_load_image(NAME, img.buf, img.len, NULL, 0, &opts, &back, &diags);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "a damaged image gave %d", r);
	FUZZ_CHECK(r == 0 || back == NULL, "a refused image wrote *ret");
	policy_free(back);
	diag_list_clear(&diags);
	free(img.buf);
}

/* Verdicts of a and b on every rule's glob taken as a path, for every right. */
static void same_file_verdicts(const struct policy *a, const struct policy *b)
{
	const struct profile *p = policy_resolved(a);
	for (size_t i = 0; i < p->n_files && i < 64; i++) {
		const char *g = p->files[i].glob;
		for (unsigned rights = 1; rights <= 8; rights <<= 1) {
			struct policy_verdict va, vb;
			int ra = policy_check_file(a, g, strlen(g), rights, &va);
			int rb = policy_check_file(b, g, strlen(g), rights, &vb);
			FUZZ_CHECK(ra == rb && (ra < 0 ||
						(va.allowed == vb.allowed && va.rule == vb.rule)),
				   "the bundle's matcher answers otherwise on %s", g);
		}
	}
}

/* A byte of the matcher block damaged (where and how from the input): loads or is refused. */
static void check_matcher(const struct policy *pol, const uint8_t *data, size_t size)
{
	/* In place, as the shim loads it (m.buf outlives every policy made from it). */
	struct policy_load_opts opts = {.no_extends = true, .matcher_in_place = true};
	struct diag_list diags = {0};
	struct strbuf img = {0}, m = {0};
	struct policy *back = NULL;

	policy_image_write(pol, &img);
	policy_matcher_write(pol, &m);
	if (img.oom || m.oom) {
		free(img.buf);
		free(m.buf);
		return;
	}
	int r = policy_load_image(NAME, img.buf, img.len, m.buf, m.len, &opts, &back, &diags);
	FUZZ_CHECK(r == 0 && policy_files_prebuilt(back), "the matcher is not taken (%d): %s", r,
		   diags.n ? diags.lines[0] : "no diagnostic");
	same_file_verdicts(pol, back);
	policy_free(back);

	flip_from_input(m.buf, m.len, data, size, 0x84222325cbf29ce4ull);
	back = NULL;
	r = policy_load_image(NAME, img.buf, img.len, m.buf, m.len, &opts, &back, &diags);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "a damaged matcher gave %d", r);
	if (r == 0) {
		struct policy_verdict v;
		const struct profile *p = policy_resolved(back);
		for (size_t i = 0; i < p->n_files && i < 64; i++)
			policy_check_file(back, p->files[i].glob, strlen(p->files[i].glob), 1, &v);
	}
	policy_free(back);
	diag_list_clear(&diags);
	free(img.buf);
	free(m.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char marker;
	struct policy *const untouched = (struct policy *)&marker;
	struct policy_load_opts opts = {.no_extends = true};
	struct diag_list diags = {0};
	struct policy *pol = untouched;
	const char *text = (const char *)data;
	int r;

	r = policy_load_buffer(NAME, text, size, &opts, &pol, &diags);
	check_diags(&diags, text, size);
	if (r < 0) {
		FUZZ_CHECK(pol == untouched, "a failed load (%d) wrote *ret", r);
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM, "unexpected error %d", r);
		FUZZ_CHECK(r != -EINVAL || diags.n > 0, "rejected without a diagnostic");
		diag_list_clear(&diags);
		return 0;
	}
	FUZZ_CHECK(pol != untouched && pol != NULL, "success without a policy");
	FUZZ_CHECK(diags.n == 0, "accepted with a diagnostic: %s", diags.lines[0]);
	diag_list_clear(&diags);

	char *first = NULL, *second = NULL, *resolved = NULL;
	FUZZ_CHECK(policy_to_json(pol, false, &first) == 0, "writer failed");
	FUZZ_CHECK(policy_to_json(pol, true, &resolved) == 0, "resolved writer failed");
	struct policy *again = reload(first, "the written profile");
	FUZZ_CHECK(policy_to_json(again, false, &second) == 0, "second write failed");
	if (strcmp(first, second) != 0)
		fuzz_fail("read -> write -> read is not the identity:\n--- first\n%s--- second\n%s",
			  first, second);
	char h1[17], h2[17];
	policy_hash(pol, h1);
	policy_hash(again, h2);
	FUZZ_CHECK(strcmp(h1, h2) == 0, "hash changed over a round trip: %s %s", h1, h2);
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++) {
		enum policy_category cat = (enum policy_category)c;
		FUZZ_CHECK(policy_rule_count(pol, cat) == policy_rule_count(again, cat),
			   "rule count of %s changed", policy_category_to_string(cat));
		FUZZ_CHECK(policy_action(pol, cat) == policy_action(again, cat),
			   "action of %s changed", policy_category_to_string(cat));
	}
	FUZZ_CHECK(policy_mode(pol) == policy_mode(again), "mode changed");
	FUZZ_CHECK(policy_on_error(pol) == policy_on_error(again), "on_error changed");
	FUZZ_CHECK(strcmp(policy_name(pol), policy_name(again)) == 0, "name changed");
	policy_free(reload(resolved, "the resolved profile"));
	check_image(pol, resolved, data, size);
	check_matcher(pol, data, size);

	policy_free(again);
	policy_free(pol);
	free(first);
	free(second);
	free(resolved);
	return 0;
}
