// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "cjson_lazy.h"
#ifndef CJSON_LAZY_CLI
#include "dl_ops.h"
#endif

/*
 * X(return type, name, parameters, arguments, answer when not loaded) for
 * every cJSON function the profile engine calls (the link fails if one is
 * missing here: nothing else provides it).
 */
#define CJSON_FUNCTIONS(X)                                                                        \
	X(cJSON *, AddArrayToObject, (cJSON *const o, const char *const n), (o, n), NULL)         \
	X(cJSON *, AddBoolToObject, (cJSON *const o, const char *const n, const cJSON_bool b),    \
	  (o, n, b), NULL)                                                                        \
	X(cJSON_bool, AddItemToArray, (cJSON * a, cJSON * i), (a, i), 0)                          \
	X(cJSON *, AddRawToObject, (cJSON *const o, const char *const n, const char *const r),    \
	  (o, n, r), NULL)                                                                        \
	X(cJSON *, AddStringToObject, (cJSON *const o, const char *const n, const char *const s), \
	  (o, n, s), NULL)                                                                        \
	X(cJSON *, CreateObject, (void), (), NULL)                                                \
	X(int, GetArraySize, (const cJSON *a), (a), 0)                                            \
	X(cJSON *, GetObjectItemCaseSensitive, (const cJSON *const o, const char *const s),       \
	  (o, s), NULL)                                                                           \
	X(cJSON_bool, IsArray, (const cJSON *const i), (i), 0)                                    \
	X(cJSON_bool, IsBool, (const cJSON *const i), (i), 0)                                     \
	X(cJSON_bool, IsNull, (const cJSON *const i), (i), 0)                                     \
	X(cJSON_bool, IsNumber, (const cJSON *const i), (i), 0)                                   \
	X(cJSON_bool, IsObject, (const cJSON *const i), (i), 0)                                   \
	X(cJSON_bool, IsString, (const cJSON *const i), (i), 0)                                   \
	X(cJSON_bool, IsTrue, (const cJSON *const i), (i), 0)                                     \
	X(cJSON *, ParseWithLength, (const char *v, size_t n), (v, n), NULL)                      \
	X(cJSON *, ParseWithLengthOpts,                                                           \
	  (const char *v, size_t n, const char **end, cJSON_bool nul), (v, n, end, nul), NULL)    \
	X(char *, PrintUnformatted, (const cJSON *i), (i), NULL)

/* ret, params and args are a type, a parameter list and an argument list: parentheses
 * around them would break them (here and in the two macros below). */
// NOLINTNEXTLINE(bugprone-macro-parentheses)
#define CJSON_POINTER(ret, name, params, args, fail) ret(*name) params;
static struct {
	CJSON_FUNCTIONS(CJSON_POINTER)
	void (*Delete)(cJSON *);
} fn;
#undef CJSON_POINTER

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_result = -ENOENT;
static atomic_bool tried;
static char load_error[256];

#ifdef CJSON_LAZY_CLI
/* The CLI: no wrapper in the way. */
#define lazy_dlopen dlopen
#define lazy_dlsym  dlsym
#else
#define lazy_dlopen dl_ops_libc_dlopen
#define lazy_dlsym  dl_ops_libc_dlsym
#endif

static void load(void)
{
#ifndef CJSON_LAZY_CLI
	/* libc's own dlopen: the exported one is the shim's wrapper, which judges. */
	if ((!dl_ops_libc_dlopen || !dl_ops_libc_dlsym) &&
	    (dl_ops_resolve() < 0 || !dl_ops_libc_dlopen || !dl_ops_libc_dlsym)) {
		snprintf(load_error, sizeof(load_error), "libc's dlopen or dlsym was not found");
		return;
	}
#endif
	void *h = lazy_dlopen("libcjson.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		snprintf(load_error, sizeof(load_error), "%s",
			 why ? why : "libcjson.so.1: not found");
		return;
	}
	/* Never closed: cJSON objects may outlive any one caller. */
#define CJSON_LOOKUP(ret, name, params, args, fail)                                            \
	/* NOLINTNEXTLINE(bugprone-macro-parentheses) */                                       \
	if (!(fn.name = (ret(*) params)lazy_dlsym(h, "cJSON_" #name))) {                       \
		snprintf(load_error, sizeof(load_error), "libcjson.so.1 has no cJSON_" #name); \
		load_result = -ENOSYS;                                                         \
		return;                                                                        \
	}
	CJSON_FUNCTIONS(CJSON_LOOKUP)
	CJSON_LOOKUP(void, Delete, (cJSON *), (), 0)
#undef CJSON_LOOKUP
	load_result = 0;
}

static void load_once(void)
{
	load();
	atomic_store_explicit(&tried, true, memory_order_release);
}

int cjson_lazy_load(void)
{
	pthread_once(&once, load_once);
	return load_result;
}

uintptr_t cjson_lazy_code(void)
{
	return cjson_lazy_tried() && load_result == 0 ? (uintptr_t)fn.Delete : 0;
}

bool cjson_lazy_tried(void)
{
	return atomic_load_explicit(&tried, memory_order_acquire);
}

const char *cjson_lazy_error(void)
{
	return load_error;
}

/* Without cJSON nothing was parsed nor built: the answers are "none" and "no". */
#define CJSON_DEFINE(ret, name, params, args, fail)                  \
	ret cJSON_##name params                                      \
	{                                                            \
		/* NOLINTNEXTLINE(bugprone-macro-parentheses) */     \
		return cjson_lazy_load() == 0 ? fn.name args : fail; \
	}
CJSON_FUNCTIONS(CJSON_DEFINE)
#undef CJSON_DEFINE

void cJSON_Delete(cJSON *item)
{
	if (item && cjson_lazy_load() == 0)
		fn.Delete(item);
}
