// SPDX-License-Identifier: MIT
/*
 * The Lambda invocation context (see lambda_ctx.h): which invocation a call
 * belongs to, read from the Runtime API's responses as the runtime receives
 * them, and the per-invocation metrics line (CloudWatch Embedded Metric
 * Format).
 *
 * The HTTP responses are parsed by lambda_http.c, so that an event (the
 * body of the same response, attacker-controlled) can never pass for a
 * header.
 *
 * Concurrency: the request id is kept per thread and process-wide (latest
 * wins), both written without locks: a thread-local copy guarded by its
 * length (a signal handler on the same thread sees 0 mid-write and falls
 * back), and a ring of seqlock slots for the process. A thread's copy holds
 * while its invocation may still run: until that thread reads an
 * invocation's end (Java-style runtimes, one invocation per thread at a
 * time), or until a thread without an id of its own reads one (Node's
 * thread pool fetches on one worker and answers on another), which ends
 * every id published so far; after that the thread has the process's id.
 * A connection whose parse lost its place (lambda_http.h) withdraws the id
 * altogether: events leave requestId out rather than guess. Counters are atomics
 * in a MAP_SHARED page, so that a forked child blocked before its exec
 * (Node's child_process, which forks) still counts in the parent's line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "clock_fmt.h"
#include "event.h"
#include "json_line.h"
#include "lambda_ctx.h"
#include "lambda_http.h"
#include "real.h"
#include "shim.h"
#include "syscall_ops.h"
#include "large_bss.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc declares the address arguments as transparent unions under _GNU_SOURCE. */
#ifdef __SOCKADDR_ALLTYPES
#define SA(a) ((a).__sockaddr__)
#else
#define SA(a) (a)
#endif

/* glibc's fortified entry points, declared by its headers only under _FORTIFY_SOURCE. */
ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, __SOCKADDR_ARG addr,
		       socklen_t *addr_len);

/* Descriptors above this are never tracked (the bitmap is 8 KiB). */
#define RT_FD_MAX 65536
/* Runtime API connections followed at once (stale ones are evicted). */
#define RT_CONN_MAX 16
/* Process-wide request id ring. */
#define ID_SLOTS 8
#define ID_WORDS (LAMBDA_CTX_REQUEST_ID_MAX / 8)

#define RT_ADDR_MAX 2

_Static_assert(LAMBDA_HTTP_ID_MAX == LAMBDA_CTX_REQUEST_ID_MAX, "one request id size");

struct rt_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port; /* host order */
};

struct rt_conn {
	atomic_int fd1; /* the descriptor + 1; 0: free (zeroed bss, nothing to set up) */
	atomic_flag busy;
	atomic_bool missed;	   /* data went by while busy: the parse is out of step */
	atomic_uint_fast64_t used; /* last use, for eviction */
	struct lambda_http http;
};

struct id_slot {
	atomic_uint seq; /* odd while written */
	atomic_uint len;
	atomic_uint_least64_t words[ID_WORDS];
};

struct counters {
	atomic_uint_fast64_t violations[POLICY_CATEGORY_MAX];
	atomic_uint_fast64_t blocked[POLICY_CATEGORY_MAX];
};

static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static bool ctx_enabled; /* the shim is active: track and count */
static struct rt_addr rt_addrs[RT_ADDR_MAX];
static size_t n_rt_addrs;

static atomic_ulong fd_bits[RT_FD_MAX / 64] LARGE_BSS;
/* Some descriptor was ever marked: until then read() and friends need not look at fd_bits. */
static atomic_bool fd_any;
static struct rt_conn conns[RT_CONN_MAX] LARGE_BSS;
static atomic_uint_fast64_t use_clock;

static struct id_slot id_slots[ID_SLOTS];
static atomic_uint id_latest; /* slot index + 1; 0: none yet */
static atomic_uint id_next;   /* publications so far: the last one's generation */
/* Thread ids of this generation or older name invocations that have ended. */
static atomic_uint id_ended;
static atomic_bool lost_reported;

static __thread char tls_id[LAMBDA_CTX_REQUEST_ID_MAX] __attribute__((tls_model("initial-exec")));
static __thread volatile sig_atomic_t tls_id_len __attribute__((tls_model("initial-exec")));
static __thread unsigned tls_id_gen __attribute__((tls_model("initial-exec")));

static bool metrics_on;
static struct counters static_counters;
static struct counters *counters = &static_counters;
static atomic_bool invocation_active;
static pid_t metrics_owner;

/* ---- configuration -------------------------------------------------- */

/* "127.0.0.1:9001", "[::1]:9001", "localhost:9001". */
static void parse_runtime_api(const char *value)
{
	char host[64];
	const char *colon;
	char *end;
	size_t hlen;

	if (!value || !*value)
		return;
	if (value[0] == '[') {
		const char *close = strchr(value, ']');
		if (!close || close[1] != ':')
			return;
		hlen = (size_t)(close - value - 1);
		if (hlen >= sizeof(host))
			return;
		memcpy(host, value + 1, hlen);
		colon = close + 1;
	} else {
		colon = strrchr(value, ':');
		if (!colon)
			return;
		hlen = (size_t)(colon - value);
		if (hlen >= sizeof(host))
			return;
		memcpy(host, value, hlen);
	}
	host[hlen] = '\0';
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port == 0 || port > 65535)
		return;

	struct rt_addr *a = &rt_addrs[0];
	if (strcmp(host, "localhost") == 0) {
		/* What a resolver gives for localhost; other names cannot be resolved here. */
		rt_addrs[0] = (struct rt_addr){.family = AF_INET, .port = (uint16_t)port};
		inet_pton(AF_INET, "127.0.0.1", rt_addrs[0].addr);
		rt_addrs[1] = (struct rt_addr){.family = AF_INET6, .port = (uint16_t)port};
		inet_pton(AF_INET6, "::1", rt_addrs[1].addr);
		n_rt_addrs = 2;
		return;
	}
	if (inet_pton(AF_INET, host, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, a->addr) == 1)
		a->family = AF_INET6;
	else
		return;
	a->port = (uint16_t)port;
	n_rt_addrs = 1;
}

static void flush_at_exit(void);

static void ctx_init(void)
{
	const char *metrics = secure_getenv("FNGUARD_METRICS");

	if (!shim.active)
		return;
	parse_runtime_api(secure_getenv("AWS_LAMBDA_RUNTIME_API"));
	if (metrics && *metrics && strcmp(metrics, "emf") != 0 && strcmp(metrics, "off") != 0 &&
	    shim.root)
		event_error("FNGUARD_METRICS is not emf or off: no metrics line", metrics, EINVAL);
	if (metrics && strcmp(metrics, "emf") == 0) {
		void *page = mmap(NULL, sizeof(struct counters), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (page != MAP_FAILED)
			counters = page;
		metrics_owner = (pid_t)shim_syscall(SYS_getpid);
		metrics_on = true;
		atexit(flush_at_exit);
	}
	ctx_enabled = true;
}

static void ctx_init_once(void)
{
	shim_init_once();
	pthread_once(&ctx_once, ctx_init);
}

__attribute__((constructor)) static void lambda_ctx_constructor(void)
{
	ctx_init_once();
}

/* ---- Runtime API addresses ------------------------------------------ */

static bool is_runtime_addr(const struct sockaddr *sa, socklen_t len)
{
	int family;
	const uint8_t *addr;
	uint16_t port;
	sa_family_t f;

	if (!sa || len < sizeof(sa_family_t))
		return false;
	memcpy(&f, sa, sizeof(f));
	if (f == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		family = AF_INET;
		addr = (const uint8_t *)&in->sin_addr;
		/* The analyzer misses getpeername()'s write through glibc's __SOCKADDR_ARG. */
		// NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage)
		port = ntohs(in->sin_port);
	} else if (f == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		family = AF_INET6;
		addr = in6->sin6_addr.s6_addr;
		// NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): as above
		port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			family = AF_INET;
			addr += 12;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < n_rt_addrs; i++) {
		const struct rt_addr *a = &rt_addrs[i];
		if (a->family == family && a->port == port &&
		    memcmp(a->addr, addr, family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

/* The socket's peer still is the Runtime API (its number may have been reused). */
static bool peer_is_runtime(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0 || len > sizeof(ss))
		return false;
	return is_runtime_addr((const struct sockaddr *)&ss, len);
}

/* ---- tracked descriptors -------------------------------------------- */

static inline bool fd_tracked(int fd)
{
	unsigned u = (unsigned)fd;
	return u < RT_FD_MAX && atomic_load_explicit(&fd_any, memory_order_acquire) &&
	       ((atomic_load_explicit(&fd_bits[u / 64], memory_order_relaxed) >> (u % 64)) & 1);
}

static void fd_mark(int fd, bool on)
{
	unsigned u = (unsigned)fd;
	unsigned long bit = 1ul << (u % 64);
	if (u >= RT_FD_MAX)
		return;
	if (on) {
		atomic_fetch_or_explicit(&fd_bits[u / 64], bit, memory_order_release);
		atomic_store_explicit(&fd_any, true, memory_order_release);
	} else {
		atomic_fetch_and_explicit(&fd_bits[u / 64], ~bit, memory_order_release);
	}
}

static struct rt_conn *conn_find(int fd)
{
	if (fd < 0)
		return NULL; /* fd + 1 would be 0: a free slot */
	for (size_t i = 0; i < RT_CONN_MAX; i++)
		if (atomic_load_explicit(&conns[i].fd1, memory_order_acquire) == fd + 1)
			return &conns[i];
	return NULL;
}

static void conn_reset(struct rt_conn *c)
{
	lambda_http_reset(&c->http);
	atomic_store(&c->missed, false);
}

/* A slot for fd: its own, a free one, or the least recently used (evicted). */
static struct rt_conn *conn_claim(int fd)
{
	struct rt_conn *c = conn_find(fd);
	if (c)
		return c;
	for (int pass = 0; pass < 2; pass++) {
		struct rt_conn *oldest = NULL;
		for (size_t i = 0; i < RT_CONN_MAX; i++) {
			int expected = 0;
			if (atomic_compare_exchange_strong(&conns[i].fd1, &expected, fd + 1))
				return &conns[i];
			if (!oldest || atomic_load(&conns[i].used) < atomic_load(&oldest->used))
				oldest = &conns[i];
		}
		if (!oldest || atomic_flag_test_and_set(&oldest->busy))
			continue;
		int victim = atomic_load(&oldest->fd1);
		if (victim > 0 && atomic_compare_exchange_strong(&oldest->fd1, &victim, fd + 1)) {
			fd_mark(victim - 1, false);
			atomic_flag_clear(&oldest->busy);
			return oldest;
		}
		atomic_flag_clear(&oldest->busy);
	}
	return NULL;
}

static void conn_forget(int fd)
{
	struct rt_conn *c = conn_find(fd);
	fd_mark(fd, false);
	if (c) {
		int expected = fd + 1;
		atomic_compare_exchange_strong(&c->fd1, &expected, 0);
	}
}

void lambda_ctx_on_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int saved = errno;

	ctx_init_once();
	if (!ctx_enabled || !n_rt_addrs || fd < 0 || fd >= RT_FD_MAX)
		goto out;
	if (!is_runtime_addr(sa, len)) {
		if (fd_tracked(fd))
			conn_forget(fd);
		goto out;
	}
	struct rt_conn *c = conn_claim(fd);
	if (!c)
		goto out;
	if (atomic_flag_test_and_set(&c->busy)) {
		atomic_store(&c->missed, true);
	} else {
		conn_reset(c);
		atomic_flag_clear(&c->busy);
	}
	atomic_store(&c->used, atomic_fetch_add(&use_clock, 1) + 1);
	fd_mark(fd, true);
out:
	errno = saved;
}

/* ---- the request id ------------------------------------------------- */

static void id_publish(const char *id, size_t len)
{
	uint64_t words[ID_WORDS] = {0};

	if (len >= LAMBDA_CTX_REQUEST_ID_MAX)
		len = LAMBDA_CTX_REQUEST_ID_MAX - 1;
	unsigned gen = atomic_fetch_add(&id_next, 1) + 1;

	/* This thread's copy: a signal handler reading mid-write sees length 0. */
	tls_id_len = 0;
	atomic_signal_fence(memory_order_seq_cst);
	if (len)
		memcpy(tls_id, id, len);
	tls_id_gen = gen;
	atomic_signal_fence(memory_order_seq_cst);
	tls_id_len = (sig_atomic_t)len;

	/* The process's latest: a seqlock slot, then the pointer to it. */
	if (len)
		memcpy(words, id, len);
	unsigned index = (gen - 1) % ID_SLOTS;
	struct id_slot *s = &id_slots[index];
	unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if ((seq & 1) || !atomic_compare_exchange_strong(&s->seq, &seq, seq + 1))
		return; /* another writer is in this slot: eight publications at once */
	atomic_thread_fence(memory_order_release);
	for (size_t i = 0; i < ID_WORDS; i++)
		atomic_store_explicit(&s->words[i], words[i], memory_order_relaxed);
	atomic_store_explicit(&s->len, (unsigned)len, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
	atomic_store_explicit(&id_latest, index + 1, memory_order_release);
}

/* Every id published so far names an invocation that is over (or unknown). */
static void ids_end_all(void)
{
	unsigned gen = atomic_load(&id_next);
	unsigned ended = atomic_load(&id_ended);
	while (ended < gen && !atomic_compare_exchange_weak(&id_ended, &ended, gen))
		;
}

/* This thread's id, while the invocation it names may still run. */
static bool tls_id_current(void)
{
	return tls_id_len && tls_id_gen > atomic_load_explicit(&id_ended, memory_order_relaxed);
}

size_t lambda_ctx_request_id(char *buf, size_t size)
{
	uint64_t words[ID_WORDS];
	size_t len = tls_id_current() ? (size_t)tls_id_len : 0;

	if (!size)
		return 0;
	if (len) {
		if (len >= size)
			len = size - 1;
		memcpy(buf, tls_id, len);
		atomic_signal_fence(memory_order_seq_cst);
		if ((size_t)tls_id_len >= len && len) {
			buf[len] = '\0';
			return len;
		}
	}
	for (int tries = 0; tries < 4; tries++) {
		unsigned latest = atomic_load_explicit(&id_latest, memory_order_acquire);
		if (!latest)
			break;
		struct id_slot *s = &id_slots[latest - 1];
		unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (seq & 1)
			continue;
		for (size_t i = 0; i < ID_WORDS; i++)
			words[i] = atomic_load_explicit(&s->words[i], memory_order_relaxed);
		len = atomic_load_explicit(&s->len, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) != seq)
			continue;
		if (len >= size)
			len = size - 1;
		if (len >= sizeof(words))
			len = sizeof(words) - 1;
		memcpy(buf, words, len);
		buf[len] = '\0';
		return len;
	}
	buf[0] = '\0';
	return 0;
}

/* ---- metrics (Embedded Metric Format) ------------------------------- */

void lambda_ctx_note_violation(enum policy_category category, bool blocked)
{
	if (!metrics_on || (unsigned)category >= POLICY_CATEGORY_MAX)
		return;
	atomic_fetch_add_explicit(&counters->violations[category], 1, memory_order_relaxed);
	if (blocked)
		atomic_fetch_add_explicit(&counters->blocked[category], 1, memory_order_relaxed);
}

/*
 * One EMF line: the counts of one category (dimension sets
 * [FunctionName, Category] and [FunctionName], so that an alarm on the
 * function alone sums every category), or, category NULL, the zero line of
 * an invocation without violations ([FunctionName] only).
 */
static void emf_line(const char *category, uint64_t violations, uint64_t blocked,
		     const char *request_id, size_t request_id_len)
{
	struct json_line jl;
	struct timespec ts;
	char stamp[CLOCK_FMT_RFC3339_LEN + 1];
	size_t stamp_len = 0;
	size_t len;

	clock_gettime(CLOCK_REALTIME, &ts);
	json_line_begin(&jl, 0);
	if (clock_fmt_rfc3339(&ts, stamp, sizeof(stamp), &stamp_len) == 0)
		json_line_str(&jl, "timestamp", stamp, stamp_len);
	/* Lambda's log-level filter must keep lines that carry violations. */
	json_line_strz(&jl, "level", violations ? "WARN" : "INFO");
	json_line_strz(&jl, "logger", "fnguard");
	json_line_strz(&jl, "type", "metrics");
	json_line_obj_begin(&jl, "_aws");
	json_line_u64(&jl, "Timestamp",
		      (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
	json_line_arr_begin(&jl, "CloudWatchMetrics");
	json_line_obj_begin(&jl, NULL);
	json_line_strz(&jl, "Namespace", "fnguard");
	json_line_arr_begin(&jl, "Dimensions");
	if (category) {
		json_line_arr_begin(&jl, NULL);
		json_line_strz(&jl, NULL, "FunctionName");
		json_line_strz(&jl, NULL, "Category");
		json_line_arr_end(&jl);
	}
	json_line_arr_begin(&jl, NULL);
	json_line_strz(&jl, NULL, "FunctionName");
	json_line_arr_end(&jl);
	json_line_arr_end(&jl);
	json_line_arr_begin(&jl, "Metrics");
	json_line_obj_begin(&jl, NULL);
	json_line_strz(&jl, "Name", "Violations");
	json_line_strz(&jl, "Unit", "Count");
	json_line_obj_end(&jl);
	json_line_obj_begin(&jl, NULL);
	json_line_strz(&jl, "Name", "Blocked");
	json_line_strz(&jl, "Unit", "Count");
	json_line_obj_end(&jl);
	json_line_arr_end(&jl);
	json_line_obj_end(&jl);
	json_line_arr_end(&jl);
	json_line_obj_end(&jl);
	json_line_strz(&jl, "FunctionName", shim.function[0] ? shim.function : "unknown");
	if (category)
		json_line_strz(&jl, "Category", category);
	json_line_u64(&jl, "Violations", violations);
	json_line_u64(&jl, "Blocked", blocked);
	if (request_id_len)
		json_line_str(&jl, "requestId", request_id, request_id_len);
	json_line_i64(&jl, "pid", (int64_t)shim_syscall(SYS_getpid));
	if (json_line_finish(&jl, &len) == 0)
		event_write_line(jl.buf, len);
}

/*
 * Writes what was counted since the last line: one line per category with
 * violations, or the zero line when an invocation ended without any. Every
 * count is taken exactly once (atomic exchange), whoever flushes.
 */
static void metrics_flush(void)
{
	uint64_t v[POLICY_CATEGORY_MAX], b[POLICY_CATEGORY_MAX];
	char id[LAMBDA_CTX_REQUEST_ID_MAX];
	bool any = false;

	if (!metrics_on || (pid_t)shim_syscall(SYS_getpid) != metrics_owner)
		return; /* a forked child shares the counters: its parent writes them */
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++) {
		v[c] = atomic_exchange(&counters->violations[c], 0);
		b[c] = atomic_exchange(&counters->blocked[c], 0);
		any |= v[c] != 0;
	}
	bool invocation = atomic_exchange(&invocation_active, false);
	if (!any && !invocation)
		return;
	shim_busy++;
	size_t id_len = lambda_ctx_request_id(id, sizeof(id));
	if (!any)
		emf_line(NULL, 0, 0, id, id_len);
	for (int c = 0; c < POLICY_CATEGORY_MAX; c++)
		if (v[c])
			emf_line(policy_category_to_string((enum policy_category)c), v[c], b[c], id,
				 id_len);
	shim_busy--;
}

static void flush_at_exit(void)
{
	metrics_flush();
}

/* ---- what the Runtime API's answers mean --------------------------- */

static void invocation_start(int fd, const char *id, size_t len)
{
	if (!peer_is_runtime(fd)) {
		conn_forget(fd);
		return;
	}
	/* The previous invocation's counts go out under its own id. */
	metrics_flush();
	id_publish(id, len);
	if (metrics_on)
		atomic_store(&invocation_active, true);
}

static void invocation_end(int fd)
{
	if (!peer_is_runtime(fd)) {
		conn_forget(fd);
		return;
	}
	/* This thread's invocation, or (a thread without one) every one so far. */
	if (tls_id_current())
		tls_id_len = 0;
	else
		ids_end_all();
	/*
	 * Lambda freezes the process once the response is posted, and may end
	 * it without thawing: the counts the rate limiter held back go out now,
	 * under this invocation's id.
	 */
	shim_busy++;
	event_flush_suppressed();
	shim_busy--;
	if (metrics_on && atomic_load(&invocation_active))
		metrics_flush();
}

/* The end of a response's header block on a Runtime API connection. */
static void on_headers(void *userdata, int status, const char *id, size_t id_len)
{
	int fd = *(const int *)userdata;

	/* A request id starts an invocation; a 2xx without one answers .../response or /error. */
	if (id_len)
		invocation_start(fd, id, id_len);
	else if (status >= 200 && status < 300)
		invocation_end(fd);
}

/*
 * A Runtime API connection's parse lost its place: which invocation is
 * running is unknown until the runtime connects again, and events say so by
 * leaving requestId out.
 */
static void ids_withdraw(void)
{
	id_publish("", 0);
	ids_end_all();
	if (!atomic_exchange(&lost_reported, true)) {
		shim_busy++;
		event_error("lost track of the Runtime API's responses on a connection: events "
			    "leave requestId out until the runtime connects again",
			    NULL, 0);
		shim_busy--;
	}
}

/* Bytes the program received on a tracked descriptor. */
static void on_data(int fd, const void *buf, size_t n)
{
	int saved = errno;
	struct rt_conn *c = conn_find(fd);

	if (!c) {
		fd_mark(fd, false);
		goto out;
	}
	atomic_store_explicit(&c->used, atomic_fetch_add(&use_clock, 1) + 1, memory_order_relaxed);
	if (atomic_flag_test_and_set(&c->busy)) {
		atomic_store(&c->missed, true);
		goto out;
	}
	/* Evicted for another connection between the lookup and the flag. */
	if (atomic_load(&c->fd1) != fd + 1) {
		atomic_flag_clear(&c->busy);
		goto out;
	}
	bool was_tainted = lambda_http_tainted(&c->http);
	if (atomic_exchange(&c->missed, false))
		lambda_http_lose(&c->http);
	lambda_http_feed(&c->http, buf, n, on_headers, &fd);
	if (!was_tainted && lambda_http_tainted(&c->http))
		ids_withdraw();
	atomic_flag_clear(&c->busy);
out:
	errno = saved;
}

static void on_data_iov(int fd, const struct msghdr *msg, size_t n)
{
	if (!msg)
		return;
	for (size_t i = 0; i < (size_t)msg->msg_iovlen && n > 0; i++) {
		size_t take = msg->msg_iov[i].iov_len < n ? msg->msg_iov[i].iov_len : n;
		on_data(fd, msg->msg_iov[i].iov_base, take);
		n -= take;
	}
}

/* Data the program did not get to see in its buffer: the parse is out of step. */
static void on_skipped(int fd)
{
	struct rt_conn *c = conn_find(fd);
	if (c)
		atomic_store(&c->missed, true);
}

/* ---- interposers ---------------------------------------------------- */

/*
 * read() is the hottest call there is: an untracked descriptor costs one
 * bit test before a tail call into libc, no stack frame. Before the shim
 * resolved libc (another library's constructor), the system call is made
 * directly.
 */
__attribute__((noinline)) static ssize_t read_tracked(int fd, void *buf, size_t count)
{
	ssize_t n =
		REAL(read) ? REAL(read)(fd, buf, count) : shim_syscall(SYS_read, fd, buf, count);
	if (n > 0 && fd_tracked(fd))
		on_data(fd, buf, (size_t)n);
	return n;
}

EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	if (__builtin_expect(!fd_tracked(fd) && REAL(read) != NULL, 1))
		return REAL(read)(fd, buf, count);
	return read_tracked(fd, buf, count);
}

__attribute__((noinline)) static ssize_t read_chk_tracked(int fd, void *buf, size_t count,
							  size_t buflen)
{
	ssize_t n = REAL(__read_chk) ? REAL(__read_chk)(fd, buf, count, buflen)
				     : shim_syscall(SYS_read, fd, buf, count);
	if (n > 0 && fd_tracked(fd))
		on_data(fd, buf, (size_t)n);
	return n;
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	if (__builtin_expect(!fd_tracked(fd) && REAL(__read_chk) != NULL, 1))
		return REAL(__read_chk)(fd, buf, count, buflen);
	return read_chk_tracked(fd, buf, count, buflen);
}

static void after_recv(int fd, const void *buf, ssize_t n, int flags)
{
	if (n <= 0 || (flags & MSG_PEEK) || !fd_tracked(fd))
		return;
	if (flags & MSG_TRUNC)
		on_skipped(fd);
	else
		on_data(fd, buf, (size_t)n);
}

__attribute__((noinline)) static ssize_t recvfrom_tracked(int fd, void *buf, size_t len, int flags,
							  struct sockaddr *addr,
							  socklen_t *addr_len)
{
	ssize_t n = REAL(recvfrom)
			    ? REAL(recvfrom)(fd, buf, len, flags, addr, addr_len)
			    : shim_syscall(SYS_recvfrom, fd, buf, len, flags, addr, addr_len);
	after_recv(fd, buf, n, flags);
	return n;
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (__builtin_expect(!fd_tracked(fd) && REAL(recv) != NULL, 1))
		return REAL(recv)(fd, buf, len, flags);
	return recvfrom_tracked(fd, buf, len, flags, NULL, NULL);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (__builtin_expect(!fd_tracked(fd) && REAL(__recv_chk) != NULL, 1))
		return REAL(__recv_chk)(fd, buf, len, buflen, flags);
	if (len > buflen)
		__builtin_trap(); /* what glibc's __chk_fail does, without its message */
	return recvfrom_tracked(fd, buf, len, flags, NULL, NULL);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, __SOCKADDR_ARG addr,
			socklen_t *addr_len)
{
	if (__builtin_expect(!fd_tracked(fd) && REAL(recvfrom) != NULL, 1))
		return REAL(recvfrom)(fd, buf, len, flags, SA(addr), addr_len);
	return recvfrom_tracked(fd, buf, len, flags, SA(addr), addr_len);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
			      __SOCKADDR_ARG addr, socklen_t *addr_len)
{
	if (__builtin_expect(!fd_tracked(fd) && REAL(__recvfrom_chk) != NULL, 1))
		return REAL(__recvfrom_chk)(fd, buf, len, buflen, flags, SA(addr), addr_len);
	if (len > buflen)
		__builtin_trap();
	return recvfrom_tracked(fd, buf, len, flags, SA(addr), addr_len);
}

__attribute__((noinline)) static ssize_t recvmsg_tracked(int fd, struct msghdr *msg, int flags)
{
	ssize_t n = REAL(recvmsg) ? REAL(recvmsg)(fd, msg, flags)
				  : shim_syscall(SYS_recvmsg, fd, msg, flags);
	if (n > 0 && !(flags & MSG_PEEK) && fd_tracked(fd)) {
		if (flags & MSG_TRUNC)
			on_skipped(fd);
		else
			on_data_iov(fd, msg, (size_t)n);
	}
	return n;
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (__builtin_expect(!fd_tracked(fd) && REAL(recvmsg) != NULL, 1))
		return REAL(recvmsg)(fd, msg, flags);
	return recvmsg_tracked(fd, msg, flags);
}
