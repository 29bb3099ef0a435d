/* SPDX-License-Identifier: MIT */
/*
 * lambda_ctx — the Lambda invocation a process is working for, and the
 * per-invocation metrics line.
 *
 * Request id: the runtime learns each invocation's id from the
 * Lambda-Runtime-Aws-Request-Id header of the Runtime API's answer to
 * GET /runtime/invocation/next. The shim reads the same bytes as they reach
 * the runtime: connect() registers sockets whose peer is
 * $AWS_LAMBDA_RUNTIME_API, and read/recv/recvfrom/recvmsg (wrapped here)
 * parse the HTTP responses on those sockets only — the headers, never the
 * body, so an event cannot forge an id. Any other descriptor costs one bit
 * test in a bitmap.
 *
 * The id is kept per thread (the thread that fetched the invocation) and
 * process-wide (the latest one fetched, for threads that never fetch:
 * thread pools, background threads), both lock-free.
 *
 * Metrics (FNGUARD_METRICS=emf): violations and blocked calls are counted
 * per category, and written as CloudWatch Embedded Metric Format lines when
 * an invocation ends (the Runtime API's answer to the runtime's
 * POST .../response or .../error), when the next one starts if no end was
 * seen, and at exit.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "policy.h"

/* Longest request id kept (NUL included); longer ones are cut. */
#define LAMBDA_CTX_REQUEST_ID_MAX 64

/*
 * Called for every connect() the program makes, before the real call:
 * registers fd when sa is the Runtime API's address, forgets fd otherwise
 * (its number was reused). Preserves errno.
 */
void lambda_ctx_on_connect(int fd, const struct sockaddr *sa, socklen_t len);

/*
 * Copies the current request id into buf (NUL-terminated, cut to size - 1)
 * and returns its length; 0 when no invocation was seen yet. The calling
 * thread's own invocation when it fetched one, else the latest fetched by
 * the process. Async-signal-safe.
 */
size_t lambda_ctx_request_id(char *buf, size_t size);

/*
 * Counts one violation of category (and whether it was blocked) for the
 * metrics line. Async-signal-safe; a no-op unless FNGUARD_METRICS=emf.
 */
void lambda_ctx_note_violation(enum policy_category category, bool blocked);
