// SPDX-License-Identifier: MIT
/*
 * The Runtime API relay. A static program talks to the Runtime API itself:
 * the supervisor sees its system calls, never the bytes, so it cannot see
 * the Lambda-Runtime-Aws-Request-Id header that names the invocation being
 * served. The relay stands in between: the program's
 * $AWS_LAMBDA_RUNTIME_API names a loopback port of the supervisor's, every
 * connection to it is forwarded unchanged to the real address, and the
 * responses are read on the way by the shim's own parser
 * (lib/lambda_http.c, which skips bodies: an event can never pass for a
 * header). Each request id found becomes the one the supervisor's events
 * carry; the latest wins, as the shim's process-wide id.
 *
 * One thread serves every connection with poll(2) on non-blocking sockets
 * and a fixed buffer per direction. A side whose buffer is full is not read
 * until the other side has taken it (TCP's flow control then holds the
 * sender), so nothing is buffered without bound, and a /next that
 * long-polls for minutes holds one slot and nothing else. The thread takes
 * no lock but the request id's, which a worker holds for one copy: the
 * notification loop never waits for the relay, and the relay never waits
 * for the loop (the supervisor is not under the program's filter).
 *
 * A slot (its buffers and its upstream socket) is made before the accept it
 * serves: short of memory or descriptors the relay stops accepting for a
 * while, and the connection waits in the listen backlog instead of being
 * dropped.
 *
 * Connecting to the relay is judged as connecting to the real Runtime API
 * (sv_relay_judged_as(), used by sv_net.c): the same permission, under the
 * same rule, learned as the real address in record mode.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lambda_http.h"
#include "sv.h"

/* Connections served at once; more wait in the backlog. */
#define RELAY_CONN_MAX 256
#define RELAY_BACKLOG  128
/* Bytes held per direction of a connection. */
#define RELAY_BUF (16u << 10)
/* How long accepting pauses when memory or descriptors ran short. */
#define RELAY_RETRY_MS 100
#define RELAY_STACK    (256u << 10)

struct relay_half {
	size_t head, tail; /* the bytes waiting are buf[head, tail) */
	bool eof;	   /* the source has shut down its side */
	bool shut;	   /* ... and the destination has been told (SHUT_WR) */
	char buf[RELAY_BUF];
};

struct relay_conn {
	int client;   /* accepted from the program */
	int upstream; /* to the real Runtime API */
	bool connecting;
	struct lambda_http http; /* the responses, upstream to client */
	struct relay_half to_up, to_client;
};

/* Set before the thread starts, read-only afterwards. */
static int listen_fd = -1;
static struct sockaddr_storage upstream_ss;
static socklen_t upstream_len;
static int up_family;
static uint8_t up_addr[16];
static int up_port;
static int self_port;
static atomic_bool running;
static char note[192];

/* The relay thread's own. */
static struct relay_conn *conns[RELAY_CONN_MAX];
static size_t n_conns;
static struct relay_conn *spare;
static struct pollfd pfds[1 + 2 * RELAY_CONN_MAX];

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static char current_id[LAMBDA_HTTP_ID_MAX];
static size_t current_id_len;

/* ---- raw socket calls (no preload library in the supervisor sees them) ------- */

static int sock_new(int family)
{
	return (int)sv_raw(
		syscall(SYS_socket, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

static void sock_close(int fd)
{
	if (fd >= 0)
		syscall(SYS_close, fd);
}

/* Closes fd with a reset, so that the peer sees the connection fail rather than end. */
static void sock_reset(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	if (fd < 0)
		return;
	syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	syscall(SYS_close, fd);
}

/*
 * The relay writes what it has as soon as it has it: Nagle's algorithm on
 * top of the program's own would hold a request's second write for an
 * acknowledgement the peer delays.
 */
static void sock_nodelay(int fd)
{
	int one = 1;
	syscall(SYS_setsockopt, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* ---- the address ------------------------------------------------------------------ */

/*
 * "127.0.0.1:9001", "[::1]:9001", "localhost:9001" (the loopback address
 * the profile names); other names are not resolved here. Returns 0 or
 * -EINVAL.
 */
static int parse_runtime_api(const char *value)
{
	char host[64];
	const char *colon;
	char *end;
	size_t hlen;

	if (value[0] == '[') {
		const char *close = strchr(value, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = (size_t)(close - value - 1);
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, value + 1, hlen);
		colon = close + 1;
	} else {
		colon = strrchr(value, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - value);
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, value, hlen);
	}
	host[hlen] = '\0';
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port == 0 || port > 65535)
		return -EINVAL;

	memset(&upstream_ss, 0, sizeof(upstream_ss));
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, up_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&upstream_ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, up_addr, 4);
		up_family = AF_INET;
		upstream_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, up_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&upstream_ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, up_addr, 16);
		up_family = AF_INET6;
		upstream_len = sizeof(*sin6);
	} else {
		return -EINVAL;
	}
	up_port = (int)port;
	return 0;
}

bool sv_relay_judged_as(int family, const uint8_t addr[16], int port, int *ret_family,
			uint8_t ret_addr[16], int *ret_port)
{
	static const uint8_t loopback[4] = {127, 0, 0, 1};

	if (!atomic_load_explicit(&running, memory_order_acquire) || family != AF_INET ||
	    port != self_port || memcmp(addr, loopback, sizeof(loopback)) != 0)
		return false;
	*ret_family = up_family;
	memset(ret_addr, 0, 16);
	memcpy(ret_addr, up_addr, up_family == AF_INET ? 4 : 16);
	*ret_port = up_port;
	return true;
}

const char *sv_relay_note(void)
{
	return note;
}

/* ---- the request id ------------------------------------------------------------------ */

static void on_headers(void *userdata, int status, const char *id, size_t id_len)
{
	(void)userdata;
	(void)status;
	if (!id_len)
		return; /* an answer to a /response or /error, or not the Runtime API's */
	pthread_mutex_lock(&id_lock);
	memcpy(current_id, id, id_len);
	current_id_len = id_len;
	pthread_mutex_unlock(&id_lock);
}

size_t sv_relay_request_id(char *buf, size_t size)
{
	size_t len;

	if (!size)
		return 0;
	pthread_mutex_lock(&id_lock);
	len = current_id_len < size - 1 ? current_id_len : size - 1;
	memcpy(buf, current_id, len);
	pthread_mutex_unlock(&id_lock);
	buf[len] = '\0';
	return len;
}

/* ---- forwarding ---------------------------------------------------------------------- */

/* Reads what fits from fd into h (the responses through the parser). Returns 0 or -1: drop. */
static int fill(int fd, struct relay_half *h, struct lambda_http *parse)
{
	if (h->eof)
		return 0;
	if (h->tail == sizeof(h->buf) && h->head > 0) {
		memmove(h->buf, h->buf + h->head, h->tail - h->head);
		h->tail -= h->head;
		h->head = 0;
	}
	if (h->tail == sizeof(h->buf))
		return 0;
	long n = syscall(SYS_recvfrom, fd, h->buf + h->tail, sizeof(h->buf) - h->tail, 0, NULL,
			 NULL);
	if (n > 0) {
		/* Before the program has the bytes: its next call already counts for this id. */
		if (parse)
			lambda_http_feed(parse, h->buf + h->tail, (size_t)n, on_headers, NULL);
		h->tail += (size_t)n;
	} else if (n == 0) {
		h->eof = true;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		return -1;
	}
	return 0;
}

/* Writes what h holds to fd, and passes its end on once it is all there. Returns 0 or -1. */
static int drain(int fd, struct relay_half *h)
{
	while (h->head < h->tail) {
		long n = syscall(SYS_sendto, fd, h->buf + h->head, h->tail - h->head, MSG_NOSIGNAL,
				 NULL, 0);
		if (n > 0)
			h->head += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		else
			return -1;
	}
	if (h->head == h->tail)
		h->head = h->tail = 0;
	if (h->eof && h->head == h->tail && !h->shut) {
		syscall(SYS_shutdown, fd, SHUT_WR);
		h->shut = true;
	}
	return 0;
}

static bool has_room(const struct relay_half *h)
{
	return !h->eof && (h->tail < sizeof(h->buf) || h->head > 0);
}

static bool has_data(const struct relay_half *h)
{
	return h->head < h->tail;
}

static void conn_events(const struct relay_conn *c, struct pollfd *client, struct pollfd *up)
{
	short ce = 0, ue = 0;

	if (has_room(&c->to_up))
		ce |= POLLIN;
	if (has_data(&c->to_client))
		ce |= POLLOUT;
	if (c->connecting) {
		ue = POLLOUT;
	} else {
		if (has_room(&c->to_client))
			ue |= POLLIN;
		if (has_data(&c->to_up))
			ue |= POLLOUT;
	}
	/* A socket nothing is wanted from is left out: its hang-up would wake poll forever. */
	*client = (struct pollfd){.fd = ce ? c->client : -1, .events = ce};
	*up = (struct pollfd){.fd = ue ? c->upstream : -1, .events = ue};
}

/* Moves what can be moved. Returns false when the connection is over (and closed). */
static bool conn_pump(struct relay_conn *c, short crev, short urev)
{
	const short ready = POLLIN | POLLHUP | POLLERR;

	if (c->connecting && (urev & (POLLOUT | POLLERR | POLLHUP))) {
		if (sock_error(c->upstream) != 0)
			goto drop; /* the program sees its connection fail, as it would have */
		c->connecting = false;
		urev = POLLIN;
	}
	if ((crev & ready) && fill(c->client, &c->to_up, NULL) < 0)
		goto drop;
	if (!c->connecting && (urev & ready) && fill(c->upstream, &c->to_client, &c->http) < 0)
		goto drop;
	if (!c->connecting && drain(c->upstream, &c->to_up) < 0)
		goto drop;
	if (drain(c->client, &c->to_client) < 0)
		goto drop;
	if (!(c->to_up.shut && c->to_client.shut))
		return true;
	sock_close(c->client);
	sock_close(c->upstream);
	free(c);
	return false;
drop:
	sock_reset(c->client);
	sock_reset(c->upstream);
	free(c);
	return false;
}

/* A slot with its upstream socket, ready for the next accept. Returns 0 or -errno. */
static int spare_ready(void)
{
	if (spare)
		return 0;
	struct relay_conn *c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->upstream = sock_new(up_family);
	if (c->upstream < 0) {
		int r = c->upstream;
		free(c);
		return r;
	}
	spare = c;
	return 0;
}

/* Accepts what waits, as far as slots go. Returns false when accepting must pause. */
static bool accept_some(void)
{
	while (n_conns < RELAY_CONN_MAX) {
		if (spare_ready() < 0)
			return false;
		int fd = (int)sv_raw(
			syscall(SYS_accept4, listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
		if (fd == -EINTR || fd == -ECONNABORTED)
			continue;
		if (fd == -EAGAIN || fd == -EWOULDBLOCK)
			return true;
		if (fd < 0)
			return false; /* EMFILE, ENFILE, ENOBUFS, ENOMEM: later */
		struct relay_conn *c = spare;
		spare = NULL;
		c->client = fd;
		sock_nodelay(c->client);
		sock_nodelay(c->upstream);
		long r = sv_raw(syscall(SYS_connect, c->upstream, &upstream_ss, upstream_len));
		if (r < 0 && r != -EINPROGRESS && r != -EINTR) {
			/* The real Runtime API refused: the program's connection fails. */
			sock_reset(c->client);
			sock_close(c->upstream);
			free(c);
			continue;
		}
		c->connecting = r < 0;
		memset(&c->http, 0, sizeof(c->http));
		lambda_http_reset(&c->http);
		c->to_up.head = c->to_up.tail = 0;
		c->to_up.eof = c->to_up.shut = false;
		c->to_client.head = c->to_client.tail = 0;
		c->to_client.eof = c->to_client.shut = false;
		conns[n_conns++] = c;
	}
	return true;
}

static void *relay_main(void *arg)
{
	uint64_t paused_until = 0;

	(void)arg;
	for (;;) {
		uint64_t now = sv_now_mono();
		bool accepting = n_conns < RELAY_CONN_MAX && now >= paused_until;
		struct timespec pause = {0, RELAY_RETRY_MS * 1000000L};

		pfds[0] = (struct pollfd){.fd = accepting ? listen_fd : -1, .events = POLLIN};
		for (size_t i = 0; i < n_conns; i++)
			conn_events(conns[i], &pfds[1 + 2 * i], &pfds[2 + 2 * i]);
		bool timed = n_conns < RELAY_CONN_MAX && !accepting;
		/* No signal mask is passed, so the kernel ignores the size. */
		long n = syscall(SYS_ppoll, pfds, 1 + 2 * n_conns, timed ? &pause : NULL, NULL, 8);
		if (n < 0) {
			if (errno != EINTR)
				nanosleep(&pause, NULL); /* ENOMEM: the kernel is short too */
			continue;
		}
		/* From the end: a finished connection's place is taken by the last one, done already. */
		for (size_t i = n_conns; i-- > 0;) {
			short crev = pfds[1 + 2 * i].revents, urev = pfds[2 + 2 * i].revents;
			if (!crev && !urev)
				continue;
			if (!conn_pump(conns[i], crev, urev))
				conns[i] = conns[--n_conns];
		}
		if ((pfds[0].revents & POLLIN) && !accept_some())
			paused_until = sv_now_mono() + RELAY_RETRY_MS * 1000000ull;
	}
	return NULL;
}

/* Listens on 127.0.0.1 and starts the thread. Returns 0, or -errno with *ret_what. */
static int relay_start(const char **ret_what)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t thread;
	int r;

	*ret_what = "no loopback port for the relay: the program talks to the Runtime API "
		    "directly and events carry no requestId";
	int fd = sock_new(AF_INET);
	if (fd < 0)
		return fd;
	r = (int)sv_raw(syscall(SYS_bind, fd, &sin, sizeof(sin)));
	if (r == 0)
		r = (int)sv_raw(syscall(SYS_listen, fd, RELAY_BACKLOG));
	if (r == 0)
		r = (int)sv_raw(syscall(SYS_getsockname, fd, &sin, &len));
	if (r < 0) {
		sock_close(fd);
		return r;
	}
	listen_fd = fd;
	self_port = ntohs(sin.sin_port);

	*ret_what = "the relay's thread could not be started: the program talks to the "
		    "Runtime API directly and events carry no requestId";
	/* Signals are the main thread's to take (sv_launch_wait), never the relay's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_attr_init(&attr);
	if (r == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, RELAY_STACK);
		atomic_store_explicit(&running, true, memory_order_release);
		r = -pthread_create(&thread, &attr, relay_main, NULL);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		atomic_store(&running, false);
		sock_close(listen_fd);
		listen_fd = -1;
	}
	return r;
}

void sv_relay_prepare(bool supervised)
{
	const char *api = sv_env_get("AWS_LAMBDA_RUNTIME_API");
	const char *preload = sv_env_get("LD_PRELOAD");
	const char *what = NULL;

	if (!api || !*api)
		return;
	sv.relay_asked = true;
	snprintf(sv.runtime_api, sizeof(sv.runtime_api), "%s", api);
	sv.relay_off = true;
	if (getenv("FNGUARD_NO_RUNTIME_RELAY")) {
		sv.relay_layer =
			(struct sv_layer){false, 0, "turned off by FNGUARD_NO_RUNTIME_RELAY"};
		return;
	}
	if (!supervised) {
		sv.relay_layer = (struct sv_layer){
			false, 0,
			"user notification is unavailable: no event would carry a requestId"};
		return;
	}
	if (preload && strstr(preload, "fnguard")) {
		/*
		 * The preload library in a descendant would judge the relay's
		 * port as an address of its own, which no profile names.
		 */
		sv.relay_layer = (struct sv_layer){
			false, 0,
			"the preload library is in the program's environment (it would judge the "
			"relay's address as an ordinary one): the program talks to the Runtime "
			"API directly"};
		return;
	}
	sv.relay_off = false;
	int r = parse_runtime_api(api);
	if (r < 0)
		what = "$AWS_LAMBDA_RUNTIME_API is not an IP address and port (or localhost:port): "
		       "events carry no requestId";
	else
		r = relay_start(&what);
	if (r == 0) {
		snprintf(sv.relay_addr, sizeof(sv.relay_addr), "127.0.0.1:%d", self_port);
		snprintf(note, sizeof(note),
			 "the Runtime API, through fnguard's relay at %s (judged as %.64s)",
			 sv.relay_addr, sv.runtime_api);
		/* The thread serves already: on failure the program keeps the real address. */
		r = sv_env_set("AWS_LAMBDA_RUNTIME_API", sv.relay_addr);
		what = "the program's environment could not be changed: events carry no "
		       "requestId";
		if (r < 0)
			atomic_store(&running, false);
	}
	if (r == 0) {
		sv.relay_layer = (struct sv_layer){
			true, 0,
			"the program's $AWS_LAMBDA_RUNTIME_API is relayed: events carry the "
			"request id of the latest invocation"};
		return;
	}
	sv.relay_layer = (struct sv_layer){false, -r, what};
	sv.relay_addr[0] = '\0';
	/* A supervisor that writes no `start` says it here. */
	if (!sv.root)
		sv_event_emit(NULL, &(struct sv_event){
					    .type = "coverage",
					    .category = POLICY_CAT_NETWORK,
					    .op = "fnguard exec",
					    .target = sv.runtime_api,
					    .target_len = strlen(sv.runtime_api),
					    .detail = what,
				    });
}
