/* SPDX-License-Identifier: MIT */
/*
 * learn_log — reads fnguard events back out of logs: the shim's own JSON
 * lines, and the forms CloudWatch Logs hands them back in:
 *
 *  - a line with a prefix: "2026-11-22T02:40:00.123Z\t<json>",
 *    "2026-11-22T02:40:00.123Z <request id> <json>", Lambda's text format;
 *  - a JSON object per line whose "message" or "@message" member holds the
 *    event line as a string (Logs Insights JSON lines, Lambda's JSON format);
 *  - one JSON document: {"events": [{"message": ...}, ...]} from
 *    `aws logs filter-log-events --output json`, or an array of objects
 *    with "message"/"@message" (a Logs Insights JSON export);
 *  - CSV with the event in a quoted field (a Logs Insights CSV export).
 *
 * Anything else (other loggers, the function's own output, fnguard events
 * that are not learn or violation) is skipped. Learn events become
 * observations from their fields; violations from their "tip", the exact
 * fragment that would allow them. The phase of an observation is invoke
 * when the event carries a request id, init otherwise.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "learn.h"

struct learn_log_stats {
	size_t lines;	    /* lines (or wrapped messages) read */
	size_t events;	    /* fnguard events among them */
	size_t learn;	    /* learn events */
	size_t violations;  /* violation events */
	size_t denied;	    /* violations an explicit deny decided (no tip) */
	size_t unusable;    /* events no rule can express (bad target) */
	size_t suppressed;  /* events the shim's rate limiter summarised, by their count */
	size_t truncated;   /* events whose line was cut (a broader rule was learned) */
	size_t invoke;	    /* observations made during an invocation */
	char function[129]; /* the "function" of the first event that names one */
};

/* What an observation came from. */
struct learn_log_event {
	const char *type;   /* "learn" or "violation" */
	const char *op;	    /* the libc function */
	bool from_tip;	    /* read from a violation's tip */
	bool explicit_deny; /* a violation without a tip: a deny rule decided */
};

/*
 * Called once per observation. Return 0 to go on, -EINVAL to count the
 * observation as unusable and go on, any other negative errno to stop.
 */
typedef int (*learn_log_fn)(const struct learn_obs *obs, const struct learn_log_event *ev,
			    void *userdata);

/*
 * Reads a whole log (any mix of the forms above). Returns 0 or the first
 * fatal error fn returned (or -ENOMEM). stats (may be NULL) accumulates.
 */
int learn_log_parse(const char *text, size_t len, learn_log_fn fn, void *userdata,
		    struct learn_log_stats *stats);

/* Reads one line (no newline). Same returns. */
int learn_log_parse_line(const char *line, size_t len, learn_log_fn fn, void *userdata,
			 struct learn_log_stats *stats);

/*
 * Parses a network event target: "ip:port", "[v6]:port", "name:port",
 * "name:port (ip)", "name", a unix path or "@abstract". Fills kind, name
 * (into buf), family/addr and port of *obs. Returns 0 or -EINVAL.
 */
int learn_log_parse_net_target(const char *target, struct learn_obs *obs, char *buf, size_t size);
