/* SPDX-License-Identifier: MIT */
/*
 * landlock_layer — the shim's Landlock layer (docs/landlock.md): the
 * profile's file, exec and TCP port rules, as a superset the kernel
 * enforces on every descendant, immune to raw system calls. Enforce mode
 * only: a Landlock denial cannot be logged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_line.h"
#include "landlock_rules.h"

enum landlock_status {
	LANDLOCK_NOT_TRIED = 0,
	LANDLOCK_ACTIVE,
	LANDLOCK_UNAVAILABLE, /* the kernel or the platform refused, or it could not be built */
	LANDLOCK_OFF,	      /* nothing to enforce: no profile, record or alert mode */
};

/* What the start event reports. */
struct landlock_state {
	enum landlock_status status;
	int abi;			       /* the kernel's Landlock ABI, 0 when unknown */
	int error;			       /* errno when unavailable, 0 if none */
	const char *reason;		       /* static English, or NULL */
	bool inherited;			       /* the domain came from an ancestor */
	bool turned_off;		       /* by FNGUARD_NO_LANDLOCK */
	size_t rules;			       /* rules this process added */
	uint64_t handled_fs;		       /* LL_FS_* restricted (after the ABI mask) */
	uint64_t handled_net;		       /* LL_NET_* restricted */
	const char *notes[LANDLOCK_MAX_NOTES]; /* why some rights are not restricted */
	size_t n_notes;
	uint64_t micros; /* time spent building and installing */
};

extern struct landlock_state landlock_state;

/*
 * Builds the ruleset from the profile and restricts this process (the first
 * process of a tree; descendants inherit the domain, FNGUARD_LANDLOCK says
 * so). Call after the profile is loaded and before the seccomp filter goes
 * in (it does not list the landlock calls). Never fails the process: the
 * outcome is in landlock_state. Returns 0.
 */
int landlock_layer_start(void);

/* True when the profile requires Landlock in enforce mode and it is not active. */
bool landlock_layer_required_but_missing(void);

/* Writes the start event's "name": {...} object for the layer. */
void landlock_layer_json(struct json_line *jl, const char *name);
