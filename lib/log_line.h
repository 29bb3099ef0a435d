/* SPDX-License-Identifier: MIT */
/*
 * log_line — writing one finished event line where the function writes too.
 *
 * By default events go to the function's own stdout (what Lambda ships), so
 * its bytes and ours share one pipe. A line of the function's left without
 * its newline (a progress bar, a print(end="")), or a large write the pipe
 * splits, would glue an event to the function's text: not a JSON line, and
 * invisible to JSON log filters (an evasion: one write() hides every later
 * violation). Where the log shares the process's stdout or stderr, every
 * event therefore starts with a newline of its own. The whole is one
 * write(2) of at most PIPE_BUF bytes (JSON_LINE_MAX leaves room for the
 * newline), so a pipe never interleaves it with anyone's bytes. The price
 * is an empty line before each event in a shared stream.
 *
 * Async-signal-safe, no allocation, no locks (the shim's SIGSYS handler
 * and the supervisor both write through it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* True when fd is the same open file as fd 1 or fd 2 (same device and inode). */
bool log_line_shares_output(int fd);

/*
 * Writes line[0..len) to fd, preceded by '\n' when newline_first, in one
 * write(2) (retried on EINTR and after a short write). Returns 0 or -errno
 * (-EIO when the write took nothing). SIGPIPE is the caller's business.
 */
int log_line_write(int fd, const char *line, size_t len, bool newline_first);
