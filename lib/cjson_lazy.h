/* SPDX-License-Identifier: MIT */
/*
 * cjson_lazy — cJSON, loaded only by processes that read or write JSON.
 *
 * The profile engine (policy/) calls cJSON to read JSON profiles and, in
 * record mode, to merge the learned profile at exit. A process started with
 * a compiled bundle in alert or enforce mode does neither, yet a DT_NEEDED
 * entry made every process under the shim map and relocate libcjson before
 * main (~36 us here, paid again by every child). The shim defines the cJSON
 * functions the engine uses (hidden, so the engine binds to them at link
 * time) and each loads libcjson.so.1 on first use, with the shim's own
 * search path (its RUNPATH: the Lambda layer's lib/).
 *
 * Loading is not async-signal-safe: a process that will need cJSON at exit
 * (record mode with FNGUARD_RECORD_OUT, whose SIGTERM path writes the
 * profile) loads it with cjson_lazy_load() before: during init, or at its
 * first learned behaviour (record.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Loads libcjson.so.1 once. Returns 0, or -ENOENT (cannot be loaded) or
 * -ENOSYS (a function is missing); the loader's reason is in cjson_lazy_error(). */
int cjson_lazy_load(void);

/* True once the load has been tried (whatever came of it): no load is under way. */
bool cjson_lazy_tried(void);

/* An address in libcjson's code once loaded, else 0. */
uintptr_t cjson_lazy_code(void);

/* Why the load failed ("" when it did not, or was not tried). */
const char *cjson_lazy_error(void);
