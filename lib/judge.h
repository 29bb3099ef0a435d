/* SPDX-License-Identifier: MIT */
/*
 * judge — from a policy verdict to what happens: let the call run, learn it
 * (record), log it (alert), or block it and log it (enforce). One place for
 * the mode logic of every interposer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "event.h"
#include "policy.h"

/* What the learner needs to turn a call into a rule (record mode). */
struct judge_learn {
	enum {
		LEARN_NONE,
		LEARN_FILE,
		LEARN_HOST,
		LEARN_IP,
		LEARN_UNIX,
		LEARN_EXEC,
	} kind;
	unsigned rights;	/* FILE */
	const char *name;	/* HOST name, UNIX path, FILE/EXEC path */
	int family;		/* IP */
	unsigned char addr[16]; /* IP */
	int port;		/* HOST, IP: NET_PORT_ANY if unknown */
	int proto;		/* enum net_proto */
	bool inbound;
	char *const *argv; /* EXEC */
};

struct judgement {
	struct shim_event ev; /* category, op, target, access, tip ... */
	struct policy_verdict verdict;
	struct judge_learn learn;
};

/*
 * Acts on j (verdict already filled): emits the learn or violation event
 * and returns true when the call must be blocked (enforce mode, denied).
 * Record mode and alert mode never block.
 */
bool judge_act(struct judgement *j);
