/* SPDX-License-Identifier: MIT */
/*
 * Inside the seccomp compiler: the rule plan that seccomp_filter.c builds
 * and feeds to libseccomp, and that seccomp_oci.c writes out as OCI JSON.
 * Only those two files include this.
 */
#pragma once

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp_filter.h"

#define RULE_MAX_CONDS 2

enum cond_kind {
	COND_MASKED32, /* (arg & mask) == value, mask within the low 32 bits */
	COND_EQ64,     /* arg == value, all 64 bits (pointers) */
};

struct filter_cond {
	uint8_t arg;
	uint8_t kind;
	uint64_t mask;
	uint64_t value;
};

struct filter_rule {
	int nr;
	uint32_t action;
	unsigned n_conds;
	struct filter_cond conds[RULE_MAX_CONDS];
};

struct seccomp_filter {
	uint32_t arch;
	uint32_t default_action;
	scmp_filter_ctx ctx;
	struct sock_filter *prog;
	size_t prog_len;
	struct filter_rule *rules;
	size_t n_rules, cap_rules;
};
