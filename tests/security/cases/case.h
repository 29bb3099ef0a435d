/* SPDX-License-Identifier: MIT */
/*
 * case — what every escape-corpus program shares. The runner
 * (tests/security/run-corpus.py) passes the targets in the environment
 * (SEC_*) and judges the outcome from outside: a case only tries, and
 * reports what it got on stderr for the diagnostics.
 */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

/* The value of the runner's variable NAME; exits 2 when it is missing. */
const char *case_env(const char *name);

/* "DIR/NAME" in a static buffer of the caller's, truncated never: exits 2. */
void case_path(char *buf, size_t size, const char *dir, const char *name);

/*
 * Copies what fd holds (up to 64 KiB) to stdout and to $SEC_OUT/leak-HOW, the
 * places the runner looks for the secret. Returns the bytes copied or -errno.
 */
long case_leak_fd(int fd, const char *how);

/* Opens PATH read-only through libc and leaks it; returns what case_leak_fd does. */
long case_leak_path(const char *path, const char *how);

/* Writes "WHAT: result=OK" or "WHAT: result=ERR errno=NAME" to stderr (r < 0 is a failure). */
void case_report(const char *what, long r);

/* Creates $SEC_OUT/NAME ("ran"): the trace an effect leaves for the runner. */
int case_marker(const char *name);

/* The loopback listener on port $PORT_VAR (IPv4), for an attempt to reach it. */
socklen_t case_addr4(struct sockaddr_storage *ss, const char *port_var);

/*
 * System call NR made with this program's own syscall instruction: no libc
 * function (syscall(3) included, which the shim interposes) in between.
 * Returns the result, or -1 with errno set.
 */
long case_raw6(long nr, long a, long b, long c, long d, long e, long f);

/* Sends $SEC_TAG on a connected socket: what the listener attributes to this run. */
long case_send_tag(int fd);
