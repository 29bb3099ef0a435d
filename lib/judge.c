// SPDX-License-Identifier: MIT
#include <stdatomic.h>
#include <stdio.h>

#include "judge.h"
#include "lambda_ctx.h"
#include "record.h"
#include "shim.h"

bool judge_act(struct judgement *j)
{
	enum policy_category cat = j->ev.category;
	enum policy_mode mode = shim.action[cat];
	char rule[512];

	if (mode == POLICY_MODE_RECORD) {
		if (record_first_time(j)) {
			j->ev.type = "learn";
			j->ev.action = EVENT_ACTION_LEARNED;
			j->ev.rule = NULL;
			j->ev.tip = NULL;
			event_emit(&j->ev);
			record_keep(j);
		}
		return false;
	}
	if (j->verdict.allowed)
		return false;

	atomic_fetch_add(&shim.violations, 1);
	/* Per-category counts for the Lambda metrics line; alert is the only mode that lets it run. */
	lambda_ctx_note_violation(cat, mode != POLICY_MODE_ALERT);
	j->ev.type = "violation";
	if (j->verdict.rule >= 0 && shim.policy &&
	    policy_describe_rule(shim.policy, cat, j->verdict.rule, rule, sizeof(rule)) > 0)
		j->ev.rule = rule;
	else if (!j->ev.rule)
		j->ev.rule = j->verdict.by_deny ? "denied" : "no rule allows it";
	if (j->verdict.by_deny)
		j->ev.tip = NULL; /* an explicit deny: no fragment can allow it */
	if (mode == POLICY_MODE_ALERT) {
		j->ev.action = EVENT_ACTION_LOGGED;
		event_emit(&j->ev);
		return false;
	}
	j->ev.action = EVENT_ACTION_BLOCKED;
	atomic_fetch_add(&shim.blocked, 1);
	event_emit(&j->ev);
	return true;
}
