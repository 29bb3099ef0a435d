// SPDX-License-Identifier: MIT
/*
 * Network interposers (DESIGN.md "Network").
 *
 * What is judged, and how it fails in enforce mode:
 *   connect, sendto, sendmsg, sendmmsg  the destination (outbound); a blocked
 *       call fails with ECONNREFUSED, what a client already handles for a
 *       peer that is not there. sendto with MSG_FASTOPEN connects without
 *       connect() and is judged the same way. sendmmsg sends the messages
 *       before the first blocked one and returns their count, so the caller
 *       meets the refusal on its next call, as with a partial send.
 *   bind, listen  the local address (inbound, needs "inbound": true); EACCES,
 *       what the kernel says for a port one may not bind. bind judges the
 *       address as asked: bind to port 0 is judged as port 0 (a rule without
 *       "ports", or with a range that holds 0, allows it), and listen then
 *       judges the port actually taken (getsockname).
 *   accept, accept4  the listening socket's own address (getsockname), after
 *       the connection is taken: a blocked one is closed and the call fails
 *       with ECONNABORTED, which servers treat as "try the next one" instead
 *       of spinning on a backlog that never drains.
 *   getaddrinfo, gethostbyname*  the name, with the service's port when it is
 *       numeric and the protocol from hints, else any port/protocol. A name
 *       outside the profile is not resolved at all (no query leaves the
 *       process through libc): getaddrinfo returns EAI_FAIL, gethostbyname
 *       and gethostbyname2 NULL with h_errno NO_RECOVERY, the _r variants
 *       EACCES with *result NULL and *h_errnop NO_RECOVERY. Numeric hosts
 *       (what inet_aton accepts with nothing after it, like "127.1" or
 *       "0x7f000001", and IPv6 literals with an optional %scope) are not
 *       names: they are resolved and judged at connect as addresses.
 *
 * Names and addresses: every address a resolution returns is bound to the
 * name asked for (dns_cache, DNS_CACHE_TTL_NS), and an outbound call to an
 * address is allowed when a cidr rule allows the address or a host rule
 * allows one of the names it was resolved from, for that port and protocol.
 * The resolver's own work (reading /etc/hosts, talking to nscd or the name
 * server) runs inside the shim guard and is not judged: the name was.
 *
 * Protocol: SO_TYPE, SOCK_STREAM is tcp, SOCK_DGRAM is udp, anything else is
 * judged as "any". Only AF_INET, AF_INET6 (IPv4-mapped judged as IPv4) and
 * AF_UNIX addresses are judged, and only on sockets of those domains;
 * AF_NETLINK, AF_PACKET and the rest are the seccomp layer's. Unix sockets
 * are judged by path (made absolute against the cwd, and judged again where
 * a symlink planted in a writable place leads, as files are) or, abstract
 * ones, by "@name"; an unnamed (autobind) unix address is not judged.
 *
 * Events: "target" is "1.2.3.4:443", "[2001:db8::1]:443", "name:443" (a
 * resolution; just "name" when the port is unknown), "name:443 (1.2.3.4)"
 * (an address resolved from that name), a unix path or "@abstract";
 * "proto" is the protocol ("tcp", "udp"; absent when any); the op says
 * the direction. The tip is a "network" rule: "host" when the address came
 * from a name, "cidr" (the bare address) otherwise, "unix" for unix sockets,
 * with "ports", "proto": "udp" and "inbound": true where they apply.
 *
 * Record mode learns at connect time: the name with its port and protocol
 * when the address came from a resolved name, the address otherwise. A
 * resolution is learned only when its service gives a numeric port (the
 * rule the following connect learns anyway); one without a port learns
 * nothing (a rule for the name on any port would be wider than what the
 * program does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netdb.h>
#include <resolv.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cwd.h"
#include "dns_cache.h"
#include "dns_peer.h"
#include "ip_route.h"
#include "judge.h"
#include "lambda_ctx.h"
#include "path_resolve.h"
#include "real.h"
#include "shim.h"
#include "syscall_ops.h"

#define EXPORT __attribute__((visibility("default")))

/* glibc declares the address arguments as transparent unions under _GNU_SOURCE. */
#ifdef __SOCKADDR_ALLTYPES
#define CONST_SA(a) ((a).__sockaddr__)
#define SA(a)	    ((a).__sockaddr__)
#else
#define CONST_SA(a) (a)
#define SA(a)	    (a)
#endif

/* The kernel never looks at more messages than this in one sendmmsg. */
#define SENDMMSG_MAX 1024

/* "name:65535 (ffff:...:255.255.255.255)" */
#define TARGET_MAX (DNS_CACHE_NAME_MAX + 8 + INET6_ADDRSTRLEN + 4)

struct inet_peer {
	int family;	  /* AF_INET (IPv4-mapped IPv6 included) or AF_INET6 */
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	int port;
};

/*
 * Peers this thread was allowed to reach whatever the protocol. The profile
 * never changes after start, so an answer of the address rules never goes
 * stale, and a program that sends datagram after datagram to the same
 * address (a metrics agent, its DNS server) or reconnects to the same
 * service skips the rule lookups and the SO_TYPE system call after the
 * first. An answer of a name's rules (the address is one the resolver gave
 * for an allowed name) holds until that binding's end as it was then (a
 * later resolution would push it back, so it is looked up again after),
 * and only while no binding has been given up for another (an eviction
 * brings a binding's end forward: dns_cache_evictions). The
 * whole key is compared, never a hash of it; only allowed answers are kept
 * (a denial takes the slow path and is logged). Written and read only
 * between shim_enter and shim_leave, so a signal handler's call never sees
 * a slot half written.
 */
#define PEER_CACHE_SLOTS 8

struct peer_key {
	uint8_t family; /* 0: empty slot */
	uint8_t dir;
	uint16_t port;
	uint8_t addr[16];
};

struct peer_slot {
	struct peer_key key;
	uint64_t until;	    /* CLOCK_MONOTONIC ns the answer holds until; 0: for good */
	uint64_t evictions; /* dns_cache_evictions() when a name's answer was kept */
};

static __thread struct peer_slot peer_cache[PEER_CACHE_SLOTS]
	__attribute__((tls_model("initial-exec")));

/* What a violation's tip proposes. */
struct net_tip {
	const char *host;
	const char *cidr;
	const char *unix_path;
	size_t unix_len;
	int port; /* NET_PORT_ANY: no "ports" */
	enum net_proto proto;
	bool inbound;
};

static void tip_network(struct json_line *jl, const struct shim_event *ev)
{
	const struct net_tip *t = ev->tip_data;

	json_line_arr_begin(jl, "network");
	json_line_obj_begin(jl, NULL);
	if (t->host)
		json_line_strz(jl, "host", t->host);
	else if (t->cidr)
		json_line_strz(jl, "cidr", t->cidr);
	else
		json_line_str_literal(jl, "unix", t->unix_path, t->unix_len);
	if (t->port != NET_PORT_ANY) {
		json_line_arr_begin(jl, "ports");
		json_line_i64(jl, NULL, t->port);
		json_line_arr_end(jl);
	}
	if (t->proto == NET_PROTO_UDP)
		json_line_strz(jl, "proto", "udp");
	if (t->inbound)
		json_line_bool(jl, "inbound", true);
	json_line_obj_end(jl);
	json_line_arr_end(jl);
}

static const char *proto_name(enum net_proto proto)
{
	switch (proto) {
	case NET_PROTO_TCP:
		return "tcp";
	case NET_PROTO_UDP:
		return "udp";
	default:
		return NULL;
	}
}

static enum policy_mode net_mode(void)
{
	return shim.action[POLICY_CAT_NETWORK];
}

static const struct policy_verdict allowed_verdict = {.allowed = true, .rule = -1};
static const struct policy_verdict denied_verdict = {.allowed = false, .rule = -1};

/* Protocol of a socket, or -1 when fd is not a socket (the real call will say so). */
static int socket_proto(int fd)
{
	int type;
	socklen_t len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -1;
	switch (type) {
	case SOCK_STREAM:
		return NET_PROTO_TCP;
	case SOCK_DGRAM:
		return NET_PROTO_UDP;
	default:
		return NET_PROTO_ANY;
	}
}

/*
 * Only sockets of the families judged here are ever blocked or logged. An
 * address of one family on a socket of another fails in the kernel anyway;
 * asked only when a call is about to be acted on, so allowed calls pay
 * nothing for it.
 */
static bool judged_domain(int fd)
{
	int domain;
	socklen_t len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return false;
	return domain == AF_INET || domain == AF_INET6 || domain == AF_UNIX;
}

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* False for an address too short for its family (the kernel refuses it). */
static bool inet_peer_of(const struct sockaddr *sa, socklen_t len, struct inet_peer *ret)
{
	sa_family_t family;
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(family));
	memset(ret, 0, sizeof(*ret));
	if (family == AF_INET) {
		struct sockaddr_in sin;
		if (len < sizeof(sin))
			return false;
		memcpy(&sin, sa, sizeof(sin));
		ret->family = AF_INET;
		memcpy(ret->addr, &sin.sin_addr, 4);
		ret->port = ntohs(sin.sin_port);
		return true;
	}
	/* The kernel accepts the RFC 2133 size, without sin6_scope_id. */
	struct sockaddr_in6 sin6 = {0};
	if (family != AF_INET6 || len < offsetof(struct sockaddr_in6, sin6_scope_id))
		return false;
	memcpy(&sin6, sa, offsetof(struct sockaddr_in6, sin6_scope_id));
	ret->port = ntohs(sin6.sin6_port);
	if (memcmp(&sin6.sin6_addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		ret->family = AF_INET;
		memcpy(ret->addr, (const uint8_t *)&sin6.sin6_addr + 12, 4);
	} else {
		ret->family = AF_INET6;
		memcpy(ret->addr, &sin6.sin6_addr, 16);
	}
	return true;
}

static void ip_text(const struct inet_peer *p, char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(p->family, p->addr, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
}

/*
 * Finds the name p was resolved from. When *v does not allow the call, a
 * name that a host rule allows for this port and protocol does, and it is
 * the one reported; otherwise the first name found is.
 */
static bool resolved_name(const struct inet_peer *p, enum net_proto proto, struct policy_verdict *v,
			  char name[DNS_CACHE_NAME_MAX])
{
	char buf[DNS_CACHE_NAME_MAX];
	unsigned cursor = 0;
	uint64_t now = shim_now_mono();
	size_t len;
	bool found = false;

	while (dns_cache_next(p->family, p->addr, now, &cursor, buf, sizeof(buf), &len, NULL) ==
	       0) {
		struct policy_verdict hv;
		if (!found) {
			memcpy(name, buf, len + 1);
			found = true;
		}
		if (v->allowed || !shim.policy)
			break;
		if (policy_check_host(shim.policy, buf, len, p->port, proto, NET_DIR_OUT, &hv) ==
			    0 &&
		    hv.allowed) {
			*v = hv;
			memcpy(name, buf, len + 1);
			break;
		}
	}
	return found;
}

/* Judges an IP endpoint; returns true to block. */
static bool judge_inet(const char *op, int fd, const struct inet_peer *p, enum net_proto proto,
		       enum net_dir dir)
{
	enum policy_mode mode = net_mode();
	struct policy_verdict v = allowed_verdict;
	char name[DNS_CACHE_NAME_MAX], ip[INET6_ADDRSTRLEN], target[TARGET_MAX];
	bool named = false;
	int n;

	if (shim.policy &&
	    policy_check_ip(shim.policy, p->family, p->addr, p->port, proto, dir, &v) < 0)
		v = denied_verdict;
	if (dir == NET_DIR_OUT && (mode == POLICY_MODE_RECORD || !v.allowed))
		named = resolved_name(p, proto, &v, name);
	if (v.allowed && mode != POLICY_MODE_RECORD)
		return false;
	if (!judged_domain(fd))
		return false;

	ip_text(p, ip);
	if (named)
		n = snprintf(target, sizeof(target), "%s:%d (%s)", name, p->port, ip);
	else if (p->family == AF_INET6)
		n = snprintf(target, sizeof(target), "[%s]:%d", ip, p->port);
	else
		n = snprintf(target, sizeof(target), "%s:%d", ip, p->port);
	if (n < 0)
		n = 0;

	struct net_tip tip = {
		.host = named ? name : NULL,
		.cidr = named ? NULL : ip,
		.port = p->port,
		.proto = proto,
		.inbound = dir == NET_DIR_IN,
	};
	struct judgement j = {0};
	j.ev.category = POLICY_CAT_NETWORK;
	j.ev.op = op;
	j.ev.target = target;
	j.ev.target_len = (size_t)n < sizeof(target) ? (size_t)n : sizeof(target) - 1;
	j.ev.proto = proto_name(proto);
	j.ev.tip = tip_network;
	j.ev.tip_data = &tip;
	j.verdict = v;
	j.learn.kind = named ? LEARN_HOST : LEARN_IP;
	j.learn.name = named ? name : NULL;
	j.learn.family = p->family;
	memcpy(j.learn.addr, p->addr, sizeof(j.learn.addr));
	j.learn.port = p->port;
	j.learn.proto = proto;
	j.learn.inbound = dir == NET_DIR_IN;
	return judge_act(&j);
}

/* Judges a unix socket path (absolute, normalised) or "@abstract" name. */
static void check_unix(const char *path, size_t len, enum net_dir dir, struct policy_verdict *v,
		       const char **ret_detail)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	*v = allowed_verdict;
	if (!shim.policy)
		return;
	if (len > sizeof(sun.sun_path)) {
		/* Only a relative path made long by a deep cwd gets here. */
		*v = denied_verdict;
		*ret_detail = "the socket path is too long to judge";
		return;
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (policy_check_sockaddr(shim.policy, (const struct sockaddr *)&sun, salen, NET_PROTO_ANY,
				  dir, v) < 0)
		*v = denied_verdict;
}

/* unknown: where path leads could not be found, so no rule can allow it. */
static bool act_unix_as(const char *op, int fd, const char *path, size_t len, enum net_dir dir,
			const char *detail, bool unknown)
{
	struct policy_verdict v;
	const char *why = NULL;

	check_unix(path, len, dir, &v, &why);
	if (unknown && net_mode() != POLICY_MODE_RECORD)
		v = (struct policy_verdict){.allowed = false, .rule = -1};
	if (v.allowed && net_mode() != POLICY_MODE_RECORD)
		return false;
	if (!judged_domain(fd))
		return false;

	struct net_tip tip = {
		.unix_path = path,
		.unix_len = len,
		.port = NET_PORT_ANY,
		.inbound = dir == NET_DIR_IN,
	};
	struct judgement j = {0};
	j.ev.category = POLICY_CAT_NETWORK;
	j.ev.op = op;
	j.ev.target = path;
	j.ev.target_len = len;
	j.ev.detail = why ? why : detail;
	j.ev.tip = tip_network;
	j.ev.tip_data = &tip;
	j.verdict = v;
	j.learn.kind = LEARN_UNIX;
	j.learn.name = path;
	j.learn.port = NET_PORT_ANY;
	j.learn.inbound = dir == NET_DIR_IN;
	return judge_act(&j);
}

static bool act_unix(const char *op, int fd, const char *path, size_t len, enum net_dir dir,
		     const char *detail)
{
	return act_unix_as(op, fd, path, len, dir, detail, false);
}

/*
 * Judges the address of a unix socket. follow: the kernel follows a final
 * symlink (connect, sendto) or creates the name (bind, judged as named).
 */
/*
 * A socket's name as path_resolve makes it, a relative one joined to where
 * the working directory is now (a fresh getcwd): nothing checks the socket
 * after connect or bind as an open's descriptor is, so the directory's
 * remembered path (which a rename moves) is not enough.
 */
static int unix_resolve(const char *name, bool follow, struct resolved_path *rp)
{
	char abs[PATH_MAX];
	size_t len = 0, n = strlen(name);

	if (name[0] == '/')
		return path_resolve(AT_FDCWD, name, follow, rp);
	int r = cwd_get_fresh(abs, sizeof(abs), &len);
	if (r < 0)
		return r;
	if (len + 1 + n + 1 > sizeof(abs))
		return -ENAMETOOLONG;
	abs[len] = '/';
	memcpy(abs + len + 1, name, n + 1);
	return path_resolve(AT_FDCWD, abs, follow, rp);
}

/*
 * A unix socket reached by path is pinned before it is judged: opened
 * O_PATH (the kernel follows every link, as connect would), judged as the
 * file that descriptor is, and connected to through /proc/self/fd/N, so
 * that a link swapped between the judgement and the call cannot lead the
 * call elsewhere. fd -1: not pinned (the call uses the caller's address).
 */
struct unix_pin {
	int fd;
	int err; /* the open failed: the call fails with this, as it would have */
	socklen_t len;
	struct sockaddr_un sun;
};

static void unpin(struct unix_pin *pin)
{
	if (pin && pin->fd >= 0) {
		int saved = errno;
		shim_syscall(SYS_close, pin->fd);
		pin->fd = -1;
		errno = saved;
	}
}

static void unpin_all(struct unix_pin *pins, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		unpin(&pins[i]);
}

/*
 * Pins name for a call on socket fd (sending: a send with an address, which
 * only a datagram socket looks up). Returns 1 when pinned (path holds the
 * file's path), 0 when not (the name is judged and used as before: another
 * kind of socket, no /proc), -1 when where it leads cannot be told (no
 * descriptor left for the pin, a path that cannot be read back: refused as
 * unknown). pin->err: the name does not open, as
 * the call would not.
 */
static int pin_unix(int fd, bool sending, const char *name, struct unix_pin *pin, char *path,
		    size_t size, size_t *path_len)
{
	int v;
	socklen_t vlen = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &vlen) < 0 || v != AF_UNIX)
		return 0;
	vlen = sizeof(v);
	if (sending && (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen) < 0 || v != SOCK_DGRAM))
		return 0;
	int pfd = (int)shim_syscall(SYS_openat, AT_FDCWD, name, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		/* No descriptor for the pin: judging the name instead would be the race again. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			return -1;
		pin->err = errno;
		return 0;
	}
	const char *dir = proc_fd_dir();
	int n = dir ? snprintf(pin->sun.sun_path, sizeof(pin->sun.sun_path), "%s/%d", dir, pfd)
		    : -1;
	int r = path_of_fd(pfd, path, size, path_len);
	if (r < 0 || n < 0 || (size_t)n >= sizeof(pin->sun.sun_path)) {
		shim_syscall(SYS_close, pfd);
		/* No /proc: judged by resolving the name, and called with it. */
		return r == -ENOENT && !proc_fd_dir() ? 0 : -1;
	}
	pin->fd = pfd;
	pin->sun.sun_family = AF_UNIX;
	pin->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 1;
}

static bool judge_unix(const char *op, int fd, const struct sockaddr *sa, socklen_t len,
		       enum net_dir dir, bool follow, struct unix_pin *pin)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	char name[sizeof(((struct sockaddr_un *)NULL)->sun_path) + 1];
	struct resolved_path rp;
	size_t n;

	/* Unnamed (autobind) or malformed: nothing to judge, or the kernel refuses it. */
	if (len <= off || len > sizeof(struct sockaddr_un))
		return false;
	n = len - off;
	const char *sun_path = (const char *)sa + off;
	/* The analyzer misses getsockname()'s write through glibc's __SOCKADDR_ARG. */
	if (sun_path[0] == '\0') { // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
		name[0] = '@';
		memcpy(name + 1, sun_path + 1, n - 1);
		name[n] = '\0';
		return act_unix(op, fd, name, n, dir, NULL);
	}
	n = strnlen(sun_path, n);
	memcpy(name, sun_path, n);
	name[n] = '\0';
	if (pin && follow && net_mode() != POLICY_MODE_RECORD) {
		char pinned[PATH_MAX];
		size_t plen;
		int pinning = pin_unix(fd, strcmp(op, "connect") != 0, name, pin, pinned,
				       sizeof(pinned), &plen);
		if (pinning < 0)
			return act_unix_as(op, fd, name, n, dir,
					   "the socket path could not be resolved", true);
		if (pinning > 0) {
			/* Judged by its name and by the file it is now, which the call reaches. */
			bool named = unix_resolve(name, false, &rp) == 0 && !rp.unresolved;
			if (named && act_unix(op, fd, rp.name, rp.name_len, dir, NULL))
				return true;
			if (named && plen == rp.name_len && memcmp(pinned, rp.name, plen) == 0)
				return false;
			return act_unix(op, fd, pinned, plen, dir, "reached through a symlink");
		}
		if (pin->err)
			return true; /* nothing there to reach: the call fails as it would */
	}
	if (unix_resolve(name, follow, &rp) < 0) {
		/*
		 * No cwd to anchor a relative name, or too long to join to it:
		 * where it is is unknown (and a name spelled "@..." is still a
		 * path, never the abstract socket a rule of that name allows).
		 */
		return act_unix_as(op, fd, name, n, dir, "the socket path could not be resolved",
				   true);
	}
	if (rp.unresolved)
		return act_unix_as(op, fd, rp.name, rp.name_len, dir,
				   "links on the way could not be followed to where they lead",
				   true);
	if (act_unix(op, fd, rp.name, rp.name_len, dir, NULL))
		return true;
	return rp.has_real &&
	       act_unix(op, fd, rp.real, rp.real_len, dir, "reached through a symlink");
}

/*
 * Whether p is allowed for proto: by the address rules, or going out by a
 * rule for a name the resolver bound it to (as judge_inet judges it), that
 * binding's end then folded into *until (the earliest kept). *now is read
 * when first needed.
 */
static bool allowed_for(const struct inet_peer *p, enum net_proto proto, enum net_dir dir,
			uint64_t *now, uint64_t *until)
{
	struct policy_verdict v;
	char name[DNS_CACHE_NAME_MAX];
	unsigned cursor = 0;
	size_t len;
	uint64_t ends;

	if (policy_check_ip(shim.policy, p->family, p->addr, p->port, proto, dir, &v) == 0 &&
	    v.allowed)
		return true;
	if (dir != NET_DIR_OUT)
		return false;
	if (!*now)
		*now = shim_now_mono();
	while (dns_cache_next(p->family, p->addr, *now, &cursor, name, sizeof(name), &len, &ends) ==
	       0) {
		if (policy_check_host(shim.policy, name, len, p->port, proto, NET_DIR_OUT, &v) ==
			    0 &&
		    v.allowed) {
			if (!*until || ends < *until)
				*until = ends;
			return true;
		}
	}
	return false;
}

/*
 * The common case without the SO_TYPE system call: an address the rules
 * allow for tcp and for udp alike (by address, or by the name it was
 * resolved from) is allowed whatever the socket is (record mode still
 * needs the protocol, for what it learns).
 */
static bool allowed_any_proto(const struct inet_peer *p, enum net_dir dir)
{
	struct peer_key k = {
		.family = (uint8_t)p->family, .dir = (uint8_t)dir, .port = (uint16_t)p->port};
	uint64_t now = 0, until = 0;

	if (net_mode() == POLICY_MODE_RECORD || !shim.policy)
		return false;
	memcpy(k.addr, p->addr, sizeof(k.addr));
	uint32_t h = (uint32_t)p->port * 0x9e3779b1u;
	for (size_t i = 0; i < sizeof(k.addr); i += 4) {
		uint32_t w;
		memcpy(&w, k.addr + i, 4);
		h = (h ^ w) * 0x9e3779b1u;
	}
	struct peer_slot *slot = &peer_cache[(h >> 27) % PEER_CACHE_SLOTS];
	if (memcmp(&slot->key, &k, sizeof(k)) == 0 &&
	    (!slot->until ||
	     (shim_now_mono() < slot->until && dns_cache_evictions() == slot->evictions)))
		return true;
	/* Read before the bindings are: an eviction from here on is seen at the next hit. */
	uint64_t evictions = dns_cache_evictions();
	if (!allowed_for(p, NET_PROTO_TCP, dir, &now, &until) ||
	    !allowed_for(p, NET_PROTO_UDP, dir, &now, &until))
		return false;
	slot->key = k;
	slot->until = until;
	slot->evictions = evictions;
	return true;
}

/* SOCK_DGRAM: an AF_INET6 one (UDP, ICMPv6) never sends to an AF_UNSPEC address's bytes. */
static bool is_datagram(int fd)
{
	int type;
	socklen_t len = sizeof(type);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM;
}

/*
 * An AF_UNSPEC destination: the kernel sends a datagram of an AF_INET
 * socket to its sin_addr (and a raw AF_INET6 one to its sin6_addr; UDPv6
 * sends to the connected peer instead), and an AF_INET socket binds to it
 * as to INADDR_ANY; a connect to it disconnects.
 * Returns the address as the socket's family reads it (in *buf), or NULL
 * when nothing is reached through it.
 */
static const struct sockaddr *unspec_as_domain(const char *op, int fd, const struct sockaddr *sa,
					       socklen_t len, struct sockaddr_storage *buf)
{
	int domain;
	socklen_t dlen = sizeof(domain);

	if (strcmp(op, "connect") == 0 || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) < 0)
		return NULL;
	if (domain == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(buf, sa, sizeof(struct sockaddr_in));
	} else if (domain == AF_INET6 && len >= offsetof(struct sockaddr_in6, sin6_scope_id) &&
		   strcmp(op, "bind") != 0 && !is_datagram(fd)) {
		memset(buf, 0, sizeof(*buf));
		memcpy(buf, sa,
		       len < sizeof(struct sockaddr_in6) ? len : sizeof(struct sockaddr_in6));
	} else {
		return NULL;
	}
	buf->ss_family = (sa_family_t)domain;
	return (const struct sockaddr *)buf;
}

/* Judges one socket address; true to block. */
static bool judge_sockaddr(const char *op, int fd, const struct sockaddr *sa, socklen_t len,
			   enum net_dir dir, bool follow, struct unix_pin *pin)
{
	sa_family_t family;
	struct inet_peer peer;
	struct sockaddr_storage as_domain;

	if (!sa || len < sizeof(sa_family_t))
		return false;
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(family));
	if (family == AF_UNSPEC) {
		sa = unspec_as_domain(op, fd, sa, len, &as_domain);
		if (!sa)
			return false;
		family = as_domain.ss_family;
		if (len > sizeof(as_domain))
			len = sizeof(as_domain);
	}
	if (family == AF_UNIX)
		return judge_unix(op, fd, sa, len, dir, follow, pin);
	if ((family != AF_INET && family != AF_INET6) || !inet_peer_of(sa, len, &peer))
		return false;
	if (allowed_any_proto(&peer, dir))
		return false;
	int proto = socket_proto(fd);
	if (proto < 0)
		return false;
	return judge_inet(op, fd, &peer, (enum net_proto)proto, dir);
}

static bool judged_family(const struct sockaddr *sa, socklen_t len)
{
	sa_family_t family;
	if (!sa || len < sizeof(sa_family_t))
		return false;
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(family));
	return family == AF_INET || family == AF_INET6 || family == AF_UNIX || family == AF_UNSPEC;
}

/*
 * The common path: 0 to let the call run, -1 when it is blocked (errno =
 * err). errno is preserved otherwise.
 */
static int guard_sockaddr_pinned(const char *op, int fd, const struct sockaddr *sa, socklen_t len,
				 enum net_dir dir, int err, struct unix_pin *pin)
{
	int saved = errno;
	bool block;

	if (!judged_family(sa, len) || !shim_enter())
		return 0;
	block = judge_sockaddr(op, fd, sa, len, dir, dir == NET_DIR_OUT, pin);
	shim_leave();
	if (block) {
		unpin(pin);
		errno = pin && pin->err ? pin->err : err;
		return -1;
	}
	errno = saved;
	return 0;
}

static int guard_sockaddr(const char *op, int fd, const struct sockaddr *sa, socklen_t len,
			  enum net_dir dir, int err)
{
	return guard_sockaddr_pinned(op, fd, sa, len, dir, err, NULL);
}

/* Judges the socket's own address (listen, accept); true to block. */
static bool judge_local(const char *op, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 || len > sizeof(ss))
		return false;
	return judge_sockaddr(op, fd, (const struct sockaddr *)&ss, len, NET_DIR_IN, false, NULL);
}

/*
 * The address judged is the one the kernel gets: a copy, which another
 * thread cannot change between the two. An address longer than any the
 * kernel takes is passed on as it is (connect and sendto refuse it).
 */
static const struct sockaddr *own_copy(const struct sockaddr *sa, socklen_t len,
				       struct sockaddr_storage *buf)
{
	if (!sa || len == 0 || len > sizeof(*buf))
		return sa;
	memcpy(buf, sa, len);
	return (const struct sockaddr *)buf;
}

/*
 * A message's destination: the kernel cuts a longer msg_namelen to the size
 * of a sockaddr_storage instead of refusing it, so the copy is cut the same
 * way (not the caller's memory passed on).
 */
static void own_msg_name(struct msghdr *m, struct sockaddr_storage *buf)
{
	if (m->msg_namelen > sizeof(*buf))
		m->msg_namelen = sizeof(*buf);
	m->msg_name = (void *)own_copy(m->msg_name, m->msg_namelen, buf);
}

/* ---- routes through other hosts ---------------------------------------------- */

/*
 * An IPv4 source route or an IPv6 routing header sends the packet to the
 * first hop it names, whatever destination the rules judged (ip_route.h):
 * no rule can allow it. Refused in enforce mode (EPERM, what the kernel
 * answers for what a process may not do), logged in alert mode; record mode
 * learns nothing from it.
 */
/*
 * Record mode: what enforce mode will refuse whatever the profile says (a
 * source route, TCP to port 53, a datagram there that is no query) is said
 * now, as a coverage event, so that a profile recorded without a single
 * violation does not break in enforce without warning.
 */
static void note_refused_in_enforce(const char *op, const char *target)
{
	struct shim_event ev = {
		.type = "coverage",
		.category = POLICY_CAT_NETWORK,
		.op = op,
		.target = target,
		.target_len = strlen(target),
		.detail = "enforce mode refuses this whatever the profile says",
	};
	if (!shim_enter())
		return;
	event_emit(&ev);
	shim_leave();
}

static bool recording(void)
{
	return shim.action[POLICY_CAT_NETWORK] == POLICY_MODE_RECORD;
}

static int refuse_route(const char *op, const char *target)
{
	struct judgement j = {
		.ev = {.category = POLICY_CAT_NETWORK,
		       .op = op,
		       .target = target,
		       .target_len = strlen(target),
		       .rule = "a route through hosts of the sender's choosing: no rule allows it"},
		.verdict = {.allowed = false, .rule = -1},
	};
	int saved = errno;

	if (recording()) {
		note_refused_in_enforce(op, target);
		return 0;
	}
	if (!shim_enter())
		return 0;
	bool block = judge_act(&j);
	shim_leave();
	errno = block ? EPERM : saved;
	return block ? -1 : 0;
}

#define ROUTE_OPT_MAX 64

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	unsigned char copy[ROUTE_OPT_MAX];
	shim_started();
	if (!REAL(setsockopt)) {
		errno = ENOSYS;
		return -1;
	}
	if (level != IPPROTO_IP && level != IPPROTO_IPV6)
		return REAL(setsockopt)(fd, level, name, val, len);
	/* Judged on a copy another thread cannot change (IPv4 options are 40 bytes at most). */
	if (val && len > 0 && len <= sizeof(copy)) {
		memcpy(copy, val, len);
		val = copy;
	}
	if (ip_route_sockopt(level, name, val, len) &&
	    refuse_route("setsockopt", level == IPPROTO_IP ? "IP_OPTIONS (a source route)"
							   : "IPV6_RTHDR (a routing header)") < 0)
		return -1;
	return REAL(setsockopt)(fd, level, name, val, len);
}

/*
 * A message's control data, copied where it is small enough (a route in it
 * judged on what is sent), then judged. 0, or -1 refused.
 */
#define ROUTE_CMSG_MAX 1024
static int judge_cmsg(const char *op, int fd, struct msghdr *m, unsigned char *copy)
{
	if (!m->msg_control || !m->msg_controllen)
		return 0;
	if (m->msg_controllen > ROUTE_CMSG_MAX) {
		/* Judged in place another thread could change: only IP sockets carry routes. */
		int domain = -1;
		socklen_t dlen = sizeof(domain);
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) == 0 &&
		    domain != AF_INET && domain != AF_INET6)
			return 0;
		return refuse_route(op, "control data larger than the shim reads") < 0 ? -1 : 0;
	}
	memcpy(copy, m->msg_control, m->msg_controllen);
	m->msg_control = copy;
	if (ip_route_cmsg(m) && refuse_route(op, "IP_RETOPTS or IPV6_RTHDR (a route)") < 0)
		return -1;
	return 0;
}

/* ---- what the program sends to a DNS port itself ---------------------------- */

/*
 * A rule that lets datagrams reach a DNS port (lambda-base's resolver rules)
 * would let any bytes through: a query the program builds itself carries
 * whatever names it likes to the resolver, which passes them on (DNS
 * exfiltration past the judged resolver functions). So what a program sends
 * to port 53 itself is read as the DNS query it must be, and its questions
 * are judged as res_send judges them; a datagram that is no readable query,
 * or longer than the shim reads (DNS_PAYLOAD_MAX), is judged as a name no
 * rule allows. A copy is judged and sent: another thread cannot change it in
 * between. A datagram socket connected to port 53 is left unconnected in the
 * kernel (dns_peer.h): send, sendto, sendmsg and sendmmsg without an address
 * go to its peer, judged; a write(2) on it, which the shim does not see,
 * fails with EDESTADDRREQ, as do its dups in programs it is handed to. A
 * stream (TCP) connection to port 53, whose bytes the shim does not read,
 * is judged as a name no rule allows. libc's own resolver sends through its
 * internal functions, none of this: its names are judged by getaddrinfo and
 * the res_ functions.
 */
#define DNS_PAYLOAD_MAX 4096

static int guard_query(const char *op, const char *name, const char *domain);
static int judge_dns_questions(const char *op, const unsigned char *m, size_t len);

/* A name no rule allows, for what the shim does not read: refused, logged (record: noted). */
static int judge_unread(const char *op, const char *what)
{
	if (recording()) {
		note_refused_in_enforce(op, what);
		return 0;
	}
	return guard_query(op, what, NULL);
}

static int judge_dns_stream(const char *op)
{
	return judge_unread(op,
			    "(DNS over TCP from the program itself: the shim does not read it)");
}

/* The datagram's bytes, gathered into out; false when they do not fit (or cannot be read). */
static bool gather(const struct msghdr *m, unsigned char *out, size_t size, size_t *ret_len)
{
	size_t n = 0;
	if (m->msg_iovlen > IOV_MAX)
		return false; /* the kernel refuses it (EMSGSIZE) */
	for (size_t i = 0; m->msg_iov && i < m->msg_iovlen; i++) {
		/* Read once: another thread may change it. */
		struct iovec v = m->msg_iov[i];
		if (v.iov_len > size - n || (v.iov_len && !v.iov_base))
			return false;
		memcpy(out + n, v.iov_base, v.iov_len);
		n += v.iov_len;
	}
	*ret_len = n;
	return true;
}

/*
 * A query, as the program sends one: the header of a standard query (not a
 * response, opcode QUERY, no answer or authority records). Anything else to
 * a DNS port is judged as a datagram that is no query.
 */
static bool dns_query_header(const unsigned char *m, size_t len)
{
	return len >= 12 && !(m[2] & 0x80) && ((m[2] >> 3) & 0xf) == 0 && !m[6] && !m[7] && !m[8] &&
	       !m[9];
}

/* Judges a datagram for a DNS port (out: its copy, to send); 0 or -1 (errno set). */
static int judge_dns_datagram(const char *op, const struct msghdr *m, unsigned char *out,
			      size_t *ret_len)
{
	if (!gather(m, out, DNS_PAYLOAD_MAX, ret_len)) {
		int r = judge_unread(op, "(a datagram to a DNS port that the shim does not read)");
		return r < 0 ? -1 : 1;
	}
	if (!dns_query_header(out, *ret_len))
		return judge_unread(op, "(a datagram to a DNS port that is no DNS query)");
	return judge_dns_questions(op, out, *ret_len);
}

/*
 * sendmsg of m (its destination given, or fd's DNS peer) after judging its
 * datagram. A datagram the shim does not read goes as it is where alert or
 * record let it.
 */
static ssize_t sendmsg_dns(const char *op, int fd, const struct msghdr *m, int flags)
{
	unsigned char copy[DNS_PAYLOAD_MAX];
	size_t len = 0;
	int r = judge_dns_datagram(op, m, copy, &len);
	if (r < 0)
		return -1;
	if (r > 0)
		return REAL(sendmsg)(fd, m, flags);
	/* The kernel would read the copy after this returns. */
	flags &= ~MSG_ZEROCOPY;
	struct iovec one = {.iov_base = copy, .iov_len = len};
	struct msghdr c = *m;
	c.msg_iov = &one;
	c.msg_iovlen = 1;
	return REAL(sendmsg)(fd, &c, flags);
}

static ssize_t sendto_dns(const char *op, int fd, const void *buf, size_t n, int flags,
			  const struct sockaddr *to, socklen_t tolen)
{
	struct iovec v = {.iov_base = (void *)buf, .iov_len = n};
	struct msghdr m = {
		.msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = &v, .msg_iovlen = 1};
	return sendmsg_dns(op, fd, &m, flags);
}

/*
 * A send without an address that the kernel refused for want of one
 * (EDESTADDRREQ: nothing was sent), on a socket whose peer the shim keeps:
 * to that peer, judged. Every other send costs nothing more than the call.
 */
static bool dns_peer_send(const char *op, int fd, const void *buf, size_t n, int flags,
			  ssize_t *ret)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int saved = errno;
	if (*ret >= 0 || saved != EDESTADDRREQ)
		return false;
	bool found = dns_peer_get(fd, &peer, &len);
	errno = saved;
	if (!found)
		return false;
	*ret = sendto_dns(op, fd, buf, n, flags, (const struct sockaddr *)&peer, len);
	return true;
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	ssize_t r;
	shim_started();
	if (!REAL(send)) {
		errno = ENOSYS;
		return -1;
	}
	r = REAL(send)(fd, buf, n, flags);
	dns_peer_send("send", fd, buf, n, flags, &r);
	return r;
}

/* A datagram socket "connected" to a DNS port answers with its peer. */
EXPORT int getpeername(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
	struct sockaddr_storage peer;
	socklen_t peer_len;
	shim_started();
	if (!REAL(getpeername)) {
		errno = ENOSYS;
		return -1;
	}
	struct sockaddr *sa = SA(addr);
	/* The kernel first: only a socket it says is unconnected can be one the shim keeps. */
	int r = REAL(getpeername)(fd, sa, len);
	int err = errno;
	if (r == 0 || err != ENOTCONN || !len || !sa || !dns_peer_get(fd, &peer, &peer_len)) {
		errno = err;
		return r;
	}
	memcpy(sa, &peer, peer_len < *len ? peer_len : *len);
	*len = peer_len;
	return 0;
}

EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	struct sockaddr_storage copy;
	struct unix_pin pin = {.fd = -1};
	const struct sockaddr *sa = own_copy(CONST_SA(addr), len, &copy);
	if (!REAL(connect)) {
		errno = ENOSYS;
		return -1;
	}
	if (guard_sockaddr_pinned("connect", fd, sa, len, NET_DIR_OUT, ECONNREFUSED, &pin) < 0)
		return -1;
	if (dns_peer_port(sa, len)) {
		int proto = socket_proto(fd);
		/*
		 * Left unconnected (from an earlier peer too): what it sends goes
		 * through the shim, judged.
		 */
		if (proto == NET_PROTO_UDP && dns_peer_set(fd, sa, len) == 0) {
			struct sockaddr unspec = {.sa_family = AF_UNSPEC};
			int saved = errno;
			REAL(connect)(fd, &unspec, sizeof(unspec));
			errno = saved;
			return 0;
		}
		if (proto == NET_PROTO_TCP && judge_dns_stream("connect") < 0) {
			errno = ECONNREFUSED;
			return -1;
		}
	} else if (sa && sa->sa_family == AF_UNSPEC) {
		/*
		 * A disconnect: a peer no more. A connect elsewhere needs nothing:
		 * the shim asks for the peer only of a socket the kernel says is
		 * unconnected (EDESTADDRREQ, ENOTCONN), so other connects pay
		 * nothing here.
		 */
		dns_peer_forget(fd);
	}
	int r = pin.fd >= 0 ? REAL(connect)(fd, (const struct sockaddr *)&pin.sun, pin.len)
			    : REAL(connect)(fd, sa, len);
	unpin(&pin);
	/*
	 * Lambda: follow Runtime API connections for the request id
	 * (lambda_ctx.c); only a connection made or under way starts a parse
	 * over (EISCONN mid-response must not).
	 */
	if (r == 0 || errno == EINPROGRESS)
		lambda_ctx_on_connect(fd, sa, len);
	return r;
}

/* libc's public alias of connect. */
EXPORT extern __typeof(connect) __connect __attribute__((alias("connect")));

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
		      socklen_t len)
{
	struct sockaddr_storage copy;
	const struct sockaddr *sa = own_copy(CONST_SA(addr), len, &copy);
	if (!REAL(sendto)) {
		errno = ENOSYS;
		return -1;
	}
	struct unix_pin pin = {.fd = -1};
	ssize_t sent;
	if (!sa || !len) {
		sent = REAL(sendto)(fd, buf, n, flags, sa, len);
		dns_peer_send("sendto", fd, buf, n, flags, &sent);
		return sent;
	}
	if (guard_sockaddr_pinned("sendto", fd, sa, len, NET_DIR_OUT, ECONNREFUSED, &pin) < 0)
		return -1;
	if (dns_peer_port(sa, len)) {
		int proto = socket_proto(fd);
		if (proto == NET_PROTO_UDP)
			return sendto_dns("sendto", fd, buf, n, flags, sa, len);
		/* MSG_FASTOPEN connects and sends: DNS over TCP. */
		if (proto == NET_PROTO_TCP && judge_dns_stream("sendto") < 0) {
			errno = ECONNREFUSED;
			return -1;
		}
	}
	if (pin.fd < 0)
		return REAL(sendto)(fd, buf, n, flags, sa, len);
	ssize_t r = REAL(sendto)(fd, buf, n, flags, (const struct sockaddr *)&pin.sun, pin.len);
	unpin(&pin);
	return r;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct msghdr m;
	struct sockaddr_storage copy;

	if (!REAL(sendmsg)) {
		errno = ENOSYS;
		return -1;
	}
	if (!msg)
		return REAL(sendmsg)(fd, msg, flags);
	/* The header is read once: what is judged is what is sent. */
	m = *msg;
	_Alignas(struct cmsghdr) unsigned char control[ROUTE_CMSG_MAX];
	if (judge_cmsg("sendmsg", fd, &m, control) < 0)
		return -1;
	if (!m.msg_name || !m.msg_namelen) {
		socklen_t peer_len;
		ssize_t r = REAL(sendmsg)(fd, &m, flags);
		int err = errno;
		if (r >= 0 || err != EDESTADDRREQ || !dns_peer_get(fd, &copy, &peer_len)) {
			errno = err;
			return r;
		}
		m.msg_name = &copy;
		m.msg_namelen = peer_len;
		return sendmsg_dns("sendmsg", fd, &m, flags);
	}
	own_msg_name(&m, &copy);
	struct unix_pin pin = {.fd = -1};
	if (guard_sockaddr_pinned("sendmsg", fd, m.msg_name, m.msg_namelen, NET_DIR_OUT,
				  ECONNREFUSED, &pin) < 0)
		return -1;
	if (dns_peer_port(m.msg_name, m.msg_namelen)) {
		int proto = socket_proto(fd);
		if (proto == NET_PROTO_UDP)
			return sendmsg_dns("sendmsg", fd, &m, flags);
		if (proto == NET_PROTO_TCP && judge_dns_stream("sendmsg") < 0) {
			errno = ECONNREFUSED;
			return -1;
		}
	}
	if (pin.fd < 0)
		return REAL(sendmsg)(fd, &m, flags);
	m.msg_name = &pin.sun;
	m.msg_namelen = pin.len;
	ssize_t r = REAL(sendmsg)(fd, &m, flags);
	unpin(&pin);
	return r;
}

static bool same_dest(const struct msghdr *a, const struct msghdr *b)
{
	return a->msg_namelen == b->msg_namelen &&
	       (a->msg_name == b->msg_name ||
		memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0);
}

/*
 * sendmmsg: the messages go out in batches whose headers and destinations
 * are copied first (another thread cannot change what was judged), each
 * destination judged; a denied one ends the call after the messages before
 * it (or fails it, when it is the first). A burst to one destination is
 * judged once.
 */
#define SENDMMSG_BATCH 32

/*
 * Whether the messages of a batch (copied headers and names) go one at a
 * time through sendmsg: one goes to a DNS port or carries control data.
 */
static bool one_by_one(const struct mmsghdr *batch, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct msghdr *m = &batch[i].msg_hdr;
		if (m->msg_name && dns_peer_port(m->msg_name, m->msg_namelen))
			return true;
		/* Control data may hold a route: judged by sendmsg on its copy. */
		if (m->msg_control && m->msg_controllen)
			return true;
	}
	return false;
}

/* The batch sent through sendmsg, message by message; how many went, or -1. */
static int sendmmsg_each(int fd, struct mmsghdr *vec, struct mmsghdr *batch, unsigned int n,
			 int flags)
{
	unsigned int i;
	for (i = 0; i < n; i++) {
		ssize_t r = sendmsg(fd, &batch[i].msg_hdr, flags);
		if (r < 0)
			return i ? (int)i : -1;
		vec[i].msg_len = (unsigned int)r;
	}
	return (int)i;
}

EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	struct mmsghdr batch[SENDMMSG_BATCH];
	struct sockaddr_storage names[SENDMMSG_BATCH];
	struct unix_pin pins[SENDMMSG_BATCH];
	unsigned int limit = vlen < SENDMMSG_MAX ? vlen : SENDMMSG_MAX, sent = 0;
	int saved = errno, refused = ECONNREFUSED;

	if (!REAL(sendmmsg)) {
		errno = ENOSYS;
		return -1;
	}
	if (!vec || !vlen)
		return REAL(sendmmsg)(fd, vec, vlen, flags);
	while (sent < limit) {
		unsigned int n = limit - sent < SENDMMSG_BATCH ? limit - sent : SENDMMSG_BATCH;
		unsigned int ok = n;
		const struct msghdr *judged = NULL;
		bool denied = false;
		for (unsigned int i = 0; i < n; i++) {
			batch[i] = vec[sent + i];
			struct msghdr *m = &batch[i].msg_hdr;
			own_msg_name(m, &names[i]);
			pins[i] = (struct unix_pin){.fd = -1};
		}
		if (one_by_one(batch, n)) {
			int r = sendmmsg_each(fd, vec + sent, batch, n, flags);
			if (r < 0)
				return sent ? (int)sent : -1;
			sent += (unsigned int)r;
			if ((unsigned int)r < n)
				break;
			continue;
		}
		if (shim_enter()) {
			for (unsigned int i = 0; i < n; i++) {
				struct msghdr *m = &batch[i].msg_hdr;
				if (!m->msg_name || !judged_family(m->msg_name, m->msg_namelen) ||
				    (judged && same_dest(judged, m)))
					continue;
				if (judge_sockaddr("sendmmsg", fd, m->msg_name, m->msg_namelen,
						   NET_DIR_OUT, true, &pins[i])) {
					ok = i;
					denied = true;
					refused = pins[i].err ? pins[i].err : ECONNREFUSED;
					break;
				}
				if (pins[i].fd >= 0) {
					/* Sent where it was judged (as sendmsg does). */
					m->msg_name = &pins[i].sun;
					m->msg_namelen = pins[i].len;
				}
				judged = m;
			}
			shim_leave();
		}
		if (ok == 0) {
			unpin_all(pins, n);
			if (sent)
				break;
			errno = refused;
			return -1;
		}
		errno = saved;
		int r = REAL(sendmmsg)(fd, batch, ok, flags);
		unpin_all(pins, n);
		if (r < 0 && errno == EDESTADDRREQ && !sent) {
			/* Unconnected: perhaps a DNS socket the shim keeps the peer of. */
			r = sendmmsg_each(fd, vec, batch, ok, flags);
			if (r < 0)
				return -1;
			sent = (unsigned int)r;
			break;
		}
		if (r < 0)
			return sent ? (int)sent : -1;
		for (int i = 0; i < r; i++)
			vec[sent + (unsigned int)i].msg_len = batch[i].msg_len;
		sent += (unsigned int)r;
		if ((unsigned int)r < ok || denied)
			break;
	}
	return (int)sent;
}

EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	struct sockaddr_storage copy;
	const struct sockaddr *sa = own_copy(CONST_SA(addr), len, &copy);
	if (!REAL(bind)) {
		errno = ENOSYS;
		return -1;
	}
	if (guard_sockaddr("bind", fd, sa, len, NET_DIR_IN, EACCES) < 0)
		return -1;
	return REAL(bind)(fd, sa, len);
}

EXPORT int listen(int fd, int backlog)
{
	int saved = errno;
	bool block = false;

	if (!REAL(listen)) {
		errno = ENOSYS;
		return -1;
	}
	if (shim_enter()) {
		block = judge_local("listen", fd);
		shim_leave();
	}
	if (block) {
		errno = EACCES;
		return -1;
	}
	errno = saved;
	return REAL(listen)(fd, backlog);
}

/* Judges a connection just accepted on listener; closes it when blocked. */
static int after_accept(const char *op, int listener, int fd)
{
	int saved = errno;
	bool block = false;

	if (fd < 0 || !shim_enter())
		return fd;
	block = judge_local(op, listener);
	shim_leave();
	if (block) {
		REAL(close)(fd);
		errno = ECONNABORTED;
		return -1;
	}
	errno = saved;
	return fd;
}

EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
	if (!REAL(accept)) {
		errno = ENOSYS;
		return -1;
	}
	return after_accept("accept", fd, REAL(accept)(fd, SA(addr), len));
}

EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags)
{
	if (!REAL(accept4)) {
		errno = ENOSYS;
		return -1;
	}
	return after_accept("accept4", fd, REAL(accept4)(fd, SA(addr), len, flags));
}

/* ---- name resolution ---------------------------------------------------- */

/*
 * True for what the resolver takes as an address and never sends to a name
 * server. inet_aton alone is not enough: it stops at white space, and glibc
 * resolves "127.0.0.1 x" as a name.
 */
/*
 * What a name-taking call resolves without asking DNS: getaddrinfo reads
 * "addr%scope" itself (and refuses an unknown scope), gethostbyname* only a
 * whole address, the res_* query functions nothing (they send any name).
 */
enum numeric_kind {
	NUMERIC_SCOPED,
	NUMERIC_PLAIN,
	NUMERIC_NONE,
};

static bool numeric_host(const char *node, enum numeric_kind kind)
{
	struct in_addr a4;
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 1];
	size_t len = kind == NUMERIC_SCOPED ? strcspn(node, "%") : strlen(node);

	if (kind == NUMERIC_NONE)
		return false;
	if (node[strcspn(node, " \t\n\v\f\r")] == '\0' && inet_aton(node, &a4))
		return true;
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, node, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a6) == 1;
}

/*
 * Whether a name could be written as a host rule: a tip proposing
 * "127.0.0.1 x" or a name with control characters would only mislead.
 */
static bool rule_worthy_name(const char *name)
{
	for (const char *s = name; *s; s++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
			return false;
	}
	return true;
}

/* A numeric service ("443"); NET_PORT_ANY for none or a service name. */
static int service_port(const char *service)
{
	int port = 0;
	if (!service || !*service)
		return NET_PORT_ANY;
	for (const char *s = service; *s; s++) {
		if (*s < '0' || *s > '9' || s - service >= 5)
			return NET_PORT_ANY;
		port = port * 10 + (*s - '0');
	}
	return port <= 65535 ? port : NET_PORT_ANY;
}

static enum net_proto hints_proto(const struct addrinfo *hints)
{
	if (!hints)
		return NET_PROTO_ANY;
	if (hints->ai_socktype == SOCK_STREAM || hints->ai_protocol == IPPROTO_TCP)
		return NET_PROTO_TCP;
	if (hints->ai_socktype == SOCK_DGRAM || hints->ai_protocol == IPPROTO_UDP)
		return NET_PROTO_UDP;
	return NET_PROTO_ANY;
}

enum name_guard {
	NAME_PASS,    /* not judged: call libc, nothing more */
	NAME_RESOLVE, /* judged and let through: the guard is held, bind the results */
	NAME_BLOCKED, /* not to be resolved */
};

/*
 * Judges resolving name. On NAME_RESOLVE the caller resolves inside the
 * guard and then calls shim_leave().
 */
/*
 * The resolver reads its search list, aliases and options from the
 * environment too: LOCALDOMAIN (names tried with other domains appended,
 * first when RES_OPTIONS raises ndots) and HOSTALIASES (a file mapping a
 * name to another) make an allowed name ask DNS for names the function
 * chose, and bind the answer to the allowed one. Returns why, or NULL.
 */
static const char *resolver_steered(void)
{
	const char *v;

	if ((v = getenv("LOCALDOMAIN")) && *v)
		return "LOCALDOMAIN is set: the resolver would ask for other names (a search list "
		       "of the program's choosing)";
	if ((v = getenv("HOSTALIASES")) && *v)
		return "HOSTALIASES is set: the resolver would look up another name for this one";
	if ((v = getenv("RES_OPTIONS")) && strstr(v, "ndots"))
		return "RES_OPTIONS sets ndots: the resolver would try the name with the search "
		       "list's domains first";
	return NULL;
}

static enum name_guard guard_name(const char *op, const char *name, int port, enum net_proto proto,
				  enum numeric_kind numeric)
{
	struct policy_verdict v = allowed_verdict;
	char target[DNS_CACHE_NAME_MAX + 8];
	int saved = errno;
	size_t len;

	if (!name || !*name || numeric_host(name, numeric) || !shim_enter())
		return NAME_PASS;
	len = strlen(name);
	if (shim.policy &&
	    policy_check_host(shim.policy, name, len, port, proto, NET_DIR_OUT, &v) < 0)
		v = denied_verdict;
	const char *steered =
		v.allowed && net_mode() != POLICY_MODE_RECORD ? resolver_steered() : NULL;
	if (steered)
		v = denied_verdict;
	/* Record mode learns a name with its port; without one, the connect will. */
	bool act = net_mode() == POLICY_MODE_RECORD ? port != NET_PORT_ANY : !v.allowed;
	if (act) {
		int n = port == NET_PORT_ANY
				? snprintf(target, sizeof(target), "%.*s", DNS_CACHE_NAME_MAX, name)
				: snprintf(target, sizeof(target), "%.*s:%d", DNS_CACHE_NAME_MAX,
					   name, port);
		struct net_tip tip = {.host = name, .port = port, .proto = proto};
		struct judgement j = {0};
		j.ev.category = POLICY_CAT_NETWORK;
		j.ev.op = op;
		j.ev.target = target;
		j.ev.target_len = n > 0 && (size_t)n < sizeof(target) ? (size_t)n : 0;
		j.ev.proto = proto_name(proto);
		j.ev.tip = rule_worthy_name(name) && !steered ? tip_network : NULL;
		j.ev.tip_data = &tip;
		j.ev.detail = steered;
		j.verdict = v;
		j.learn.kind = LEARN_HOST;
		j.learn.name = name;
		j.learn.port = port;
		j.learn.proto = proto;
		if (judge_act(&j)) {
			shim_leave();
			errno = saved;
			return NAME_BLOCKED;
		}
	}
	errno = saved;
	return NAME_RESOLVE;
}

static bool same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->sa_family == AF_INET6 &&
	       memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

static int bind_address(const char *name, int family, const void *addr)
{
	return dns_cache_insert(family, addr, name, strlen(name), shim_now_mono());
}

/*
 * A caller's name, copied: the one judged is the one resolved and bound
 * (another thread cannot rewrite it between them). A name longer than the
 * copy (no DNS name or numeric form is) is cut: judged and resolved cut.
 */
#define OWN_NAME_MAX 1025

static const char *own_name(const char *name, char buf[OWN_NAME_MAX])
{
	if (!name)
		return NULL;
	size_t n = strnlen(name, OWN_NAME_MAX - 1);
	memcpy(buf, name, n);
	buf[n] = '\0';
	return buf;
}

EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	if (!REAL(getaddrinfo)) {
		errno = ENOSYS;
		return EAI_SYSTEM;
	}
	/*
	 * The name and hints judged are the ones resolved and bound: private
	 * copies, which another thread cannot rewrite between the three.
	 */
	struct addrinfo hint_copy;
	char name_copy[OWN_NAME_MAX];
	if (hints) {
		hint_copy = *hints;
		hints = &hint_copy;
	}
	node = own_name(node, name_copy);
	if (hints && (hints->ai_flags & AI_NUMERICHOST))
		return REAL(getaddrinfo)(node, service, hints, res);
	/*
	 * Without a port the lookup says nothing of how the name will be used
	 * (Node asks every name as SOCK_STREAM, then sends UDP to it): any
	 * rule for the name lets it resolve; the connect judges the rest.
	 */
	int port = service_port(service);
	enum name_guard g = guard_name("getaddrinfo", node, port,
				       port == NET_PORT_ANY ? NET_PROTO_ANY : hints_proto(hints),
				       NUMERIC_SCOPED);
	if (g == NAME_BLOCKED)
		return EAI_FAIL;
	int r = REAL(getaddrinfo)(node, service, hints, res);
	if (g == NAME_RESOLVE && node) {
		int saved = errno;
		const struct sockaddr *prev = NULL;
		for (const struct addrinfo *ai = r == 0 ? *res : NULL; ai; ai = ai->ai_next) {
			const struct sockaddr *sa = ai->ai_addr;
			bool v4 = ai->ai_family == AF_INET &&
				  ai->ai_addrlen >= sizeof(struct sockaddr_in);
			bool v6 = ai->ai_family == AF_INET6 &&
				  ai->ai_addrlen >= sizeof(struct sockaddr_in6);
			/* One entry per socket type: an address is bound once. */
			if (!sa || sa->sa_family != ai->ai_family || (!v4 && !v6) ||
			    (prev && same_address(prev, sa)))
				continue;
			/* A bind that failed (every slot busy) is tried again by the next entry. */
			if ((v4 ? bind_address(node, AF_INET,
					       &((const struct sockaddr_in *)sa)->sin_addr)
				: bind_address(node, AF_INET6,
					       &((const struct sockaddr_in6 *)sa)->sin6_addr)) == 0)
				prev = sa;
		}
		shim_leave();
		errno = saved;
	}
	return r;
}

static void bind_hostent(const char *name, const struct hostent *h)
{
	int saved = errno;
	if (h && h->h_addr_list &&
	    ((h->h_addrtype == AF_INET && h->h_length == 4) ||
	     (h->h_addrtype == AF_INET6 && h->h_length == 16)))
		for (char **a = h->h_addr_list; *a; a++)
			bind_address(name, h->h_addrtype, *a);
	shim_leave();
	errno = saved;
}

/*
 * The resolver's raw query functions: a name outside the profile is not
 * asked about at all (DNS exfiltration through libresolv), as for
 * getaddrinfo. The answer is DNS wire format: nothing is bound to the name.
 */
static int guard_query(const char *op, const char *name, const char *domain)
{
	char full[DNS_CACHE_NAME_MAX + 1];

	if (domain && *domain && name) {
		int n = snprintf(full, sizeof(full), "%s.%s", name, domain);
		/* Longer than any DNS name: judged as a name no rule allows (logged). */
		name = n < 0 || (size_t)n >= sizeof(full) ? "(a name longer than DNS allows)"
							  : full;
	}
	enum name_guard g = guard_name(op, name, NET_PORT_ANY, NET_PROTO_ANY, NUMERIC_NONE);
	if (g == NAME_BLOCKED) {
		h_errno = NO_RECOVERY;
		errno = EACCES;
		return -1;
	}
	if (g == NAME_RESOLVE)
		shim_leave();
	return 0;
}

/*
 * One of libresolv's query functions and its __res_ name, the one programs
 * built against glibc < 2.34 reference: RES_QUERY(name, (parameters),
 * (arguments), the domain appended to the name or NULL).
 */
// NOLINTBEGIN(bugprone-macro-parentheses): args is a parenthesized argument list
#define RES_QUERY(sym, params, args, domain)                           \
	EXPORT int sym params                                          \
	{                                                              \
		char own_[OWN_NAME_MAX], own_domain_[OWN_NAME_MAX];    \
		name = own_name(name, own_);                           \
		OWN_DOMAIN_##domain(own_domain_);                      \
		if (!REAL(sym) || guard_query(#sym, name, domain) < 0) \
			return -1;                                     \
		return REAL(sym) args;                                 \
	}                                                              \
	EXPORT extern __typeof(sym) __##sym __attribute__((alias(#sym), copy(sym)));
// NOLINTEND(bugprone-macro-parentheses)
/* The domain, copied too where there is one. */
#define OWN_DOMAIN_NULL(buf)   (void)(buf)
#define OWN_DOMAIN_domain(buf) (domain = own_name(domain, buf))
/* The parameters after the name (and domain), and their names. */
#define RES_REST int class, int type, unsigned char *answer, int len
#define RES_ARGS class, type, answer, len

RES_QUERY(res_query, (const char *name, RES_REST), (name, RES_ARGS), NULL)
RES_QUERY(res_search, (const char *name, RES_REST), (name, RES_ARGS), NULL)
RES_QUERY(res_querydomain, (const char *name, const char *domain, RES_REST),
	  (name, domain, RES_ARGS), domain)
RES_QUERY(res_nquery, (res_state st, const char *name, RES_REST), (st, name, RES_ARGS), NULL)
RES_QUERY(res_nsearch, (res_state st, const char *name, RES_REST), (st, name, RES_ARGS), NULL)
RES_QUERY(res_nquerydomain, (res_state st, const char *name, const char *domain, RES_REST),
	  (st, name, domain, RES_ARGS), domain)

/*
 * res_send and res_nsend take a whole query: the names in its question
 * section are judged as res_query judges its name. A message whose
 * questions cannot be read (none, a compressed name, cut short) is refused:
 * what it asks is unknown. The message is copied first: the one judged is
 * the one sent.
 */
#define DNS_MSG_MAX 65535

static int question_name(const unsigned char *m, size_t len, size_t *off, char *out, size_t size)
{
	size_t o = *off, n = 0;

	for (;;) {
		if (o >= len)
			return -EINVAL;
		unsigned l = m[o++];
		if (l == 0)
			break;
		if (l > 63 || o + l > len || n + l + 2 > size)
			return -EINVAL; /* a pointer (0xc0), or too long */
		if (n)
			out[n++] = '.';
		for (unsigned i = 0; i < l; i++) {
			unsigned char c = m[o + i];
			/* A dot or NUL inside a label would change the name judged. */
			if (c == '.' || c == '\0')
				return -EINVAL;
			out[n++] = (char)c;
		}
		o += l;
	}
	if (o + 4 > len)
		return -EINVAL; /* type and class */
	out[n] = '\0';
	*off = o + 4;
	return n ? 0 : -EINVAL;
}

static int guard_send(const char *op, const unsigned char *msg, int msglen, unsigned char **copy)
{
	*copy = NULL;
	if (!msg || msglen < 12)
		return 0; /* the resolver refuses it */
	/* Longer than one message: over TCP it is several, the first one's length cut to 16 bits. */
	if (msglen > DNS_MSG_MAX)
		return guard_query(op, "(a query longer than one DNS message)", NULL);
	unsigned char *m = malloc((size_t)msglen);
	if (!m) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(m, msg, (size_t)msglen);
	*copy = m;
	return judge_dns_questions(op, m, (size_t)msglen);
}

/*
 * A question's name, judged as a resolution. Record mode learns it as asked
 * of a name server (the name on port 53, udp): a rule for the name on any
 * port lets the same query through later, and a program that resolves with
 * its own queries (c-ares: Node.js's dns.resolve) connects to the addresses,
 * learned as such, never through a name the shim bound.
 */
static int judge_dns_name(const char *op, const char *name)
{
	if (shim.action[POLICY_CAT_NETWORK] != POLICY_MODE_RECORD)
		return guard_query(op, name, NULL);
	if (guard_name(op, name, 53, NET_PROTO_UDP, NUMERIC_NONE) == NAME_RESOLVE)
		shim_leave();
	return 0;
}

/* The names a DNS message asks for, each judged; one that cannot be read is refused. */
static int judge_dns_questions(const char *op, const unsigned char *m, size_t len)
{
	char name[DNS_CACHE_NAME_MAX + 1];

	if (len < 12)
		return judge_unread(op, "(a datagram to a DNS port that is no DNS query)");
	size_t qd = (size_t)m[4] << 8 | m[5], off = 12;
	for (size_t i = 0; i < qd || i == 0; i++) {
		if (i == qd || question_name(m, len, &off, name, sizeof(name)) < 0)
			/* Judged under a name no rule can allow: refused in enforce, logged. */
			return judge_unread(op, "(a query without a readable question)");
		if (judge_dns_name(op, name) < 0)
			return -1;
	}
	return 0;
}

EXPORT int res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	unsigned char *copy = NULL;

	if (!REAL(res_send) || guard_send("res_send", msg, msglen, &copy) < 0) {
		free(copy);
		return -1;
	}
	int r = REAL(res_send)(copy ? copy : msg, msglen, answer, anslen);
	free(copy);
	return r;
}
EXPORT extern __typeof(res_send) __res_send __attribute__((alias("res_send"), copy(res_send)));

EXPORT int res_nsend(res_state st, const unsigned char *msg, int msglen, unsigned char *answer,
		     int anslen)
{
	unsigned char *copy = NULL;

	if (!REAL(res_nsend) || guard_send("res_nsend", msg, msglen, &copy) < 0) {
		free(copy);
		return -1;
	}
	int r = REAL(res_nsend)(st, copy ? copy : msg, msglen, answer, anslen);
	free(copy);
	return r;
}
EXPORT extern __typeof(res_nsend) __res_nsend __attribute__((alias("res_nsend"), copy(res_nsend)));

/*
 * gethostbyname and gethostbyname2 answer in glibc's process-wide buffers:
 * another thread's call could rewrite one between a lookup's return and
 * the shim binding its addresses to the name (binding the other call's
 * addresses to an allowed name). Calls through the shim take turns; a fork
 * child starts with the lock free (the holder is not in it).
 */
/* Recursive: a name service module may look a name up from inside one. */
static pthread_mutex_t hostent_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static void hostent_lock_reset(void)
{
	pthread_mutex_t fresh = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
	memcpy(&hostent_lock, &fresh, sizeof(fresh));
}

__attribute__((constructor)) static void hostent_lock_setup(void)
{
	pthread_atfork(NULL, NULL, hostent_lock_reset);
}

EXPORT struct hostent *gethostbyname(const char *name)
{
	if (!REAL(gethostbyname)) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	char copy[OWN_NAME_MAX];
	name = own_name(name, copy);
	enum name_guard g =
		guard_name("gethostbyname", name, NET_PORT_ANY, NET_PROTO_ANY, NUMERIC_PLAIN);
	if (g == NAME_BLOCKED) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	pthread_mutex_lock(&hostent_lock);
	struct hostent *h = REAL(gethostbyname)(name);
	if (g == NAME_RESOLVE)
		bind_hostent(name, h);
	pthread_mutex_unlock(&hostent_lock);
	return h;
}

EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	if (!REAL(gethostbyname2)) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	char copy[OWN_NAME_MAX];
	name = own_name(name, copy);
	enum name_guard g =
		guard_name("gethostbyname2", name, NET_PORT_ANY, NET_PROTO_ANY, NUMERIC_PLAIN);
	if (g == NAME_BLOCKED) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	pthread_mutex_lock(&hostent_lock);
	struct hostent *h = REAL(gethostbyname2)(name, af);
	if (g == NAME_RESOLVE)
		bind_hostent(name, h);
	pthread_mutex_unlock(&hostent_lock);
	return h;
}

/*
 * A reverse lookup asks DNS for the address's PTR name ("4.3.2.1.in-addr.arpa",
 * the nibbles of an IPv6 address under "ip6.arpa"), which carries what the
 * function chose to the name servers of whoever owns that range: it is
 * judged as that name (a host rule such as "*.in-addr.arpa" allows them).
 * Returns the guard's answer; NAME_PASS for what is not an address.
 */
static enum name_guard guard_reverse(const char *op, int family, const void *addr)
{
	char name[80];
	const uint8_t *a = addr;
	size_t n = 0;

	if (!addr)
		return NAME_PASS;
	/*
	 * glibc's DNS module asks for an IPv4-mapped (::ffff:a.b.c.d) or
	 * -compatible (::a.b.c.d, not ::1) address under in-addr.arpa.
	 */
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[12], local[4] = {0, 0, 0, 1};
	if (family == AF_INET6 && (memcmp(a, mapped, 12) == 0 ||
				   (memcmp(a, zero, 12) == 0 && memcmp(a + 12, local, 4) != 0))) {
		family = AF_INET;
		a += 12;
	}
	if (family == AF_INET) {
		snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
	} else if (family == AF_INET6) {
		static const char hex[] = "0123456789abcdef";
		for (int i = 15; i >= 0; i--) {
			name[n++] = hex[a[i] & 0xf];
			name[n++] = '.';
			name[n++] = hex[a[i] >> 4];
			name[n++] = '.';
		}
		memcpy(name + n, "ip6.arpa", sizeof("ip6.arpa"));
	} else {
		return NAME_PASS;
	}
	return guard_name(op, name, NET_PORT_ANY, NET_PROTO_ANY, NUMERIC_NONE);
}

/* The address a sockaddr holds for guard_reverse, or NULL. */
static const void *sockaddr_ip(const struct sockaddr *sa, socklen_t len, int *ret_family)
{
	if (!sa || len < sizeof(sa_family_t))
		return NULL;
	*ret_family = sa->sa_family;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return &((const struct sockaddr_in *)sa)->sin_addr;
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return &((const struct sockaddr_in6 *)sa)->sin6_addr;
	return NULL;
}

/*
 * getnameinfo: a host name not asked for (NI_NUMERICHOST) or for an address
 * no rule lets be looked up: refused (NI_NAMEREQD: EAI_NONAME), else the
 * numeric form, as when there is no PTR record. The service part never
 * leaves the machine (services are files).
 */
EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		       char *serv, socklen_t servlen, int flags)
{
	int family = AF_UNSPEC;
	if (!REAL(getnameinfo))
		return EAI_SYSTEM;
	if (!host || !hostlen || (flags & NI_NUMERICHOST))
		return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	/* The address judged is the one looked up. */
	struct sockaddr_storage own;
	if (sa) {
		/* glibc reads no more of a longer one. */
		if (salen > sizeof(own))
			salen = sizeof(own);
		memcpy(&own, sa, salen);
		sa = (const struct sockaddr *)&own;
	}
	const void *ip = sockaddr_ip(sa, salen, &family);
	enum name_guard g = guard_reverse("getnameinfo", family, ip);
	if (g == NAME_BLOCKED) {
		if (flags & NI_NAMEREQD)
			return EAI_NONAME;
		flags |= NI_NUMERICHOST;
	}
	int r = REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	if (g == NAME_RESOLVE)
		shim_leave();
	return r;
}

/*
 * The address a reverse lookup asks about, copied into own (the one judged
 * is the one looked up): glibc uses the first 4 or 16 bytes of a longer
 * one. False when it is too short for its family (not judged: glibc fails).
 */
static bool own_address(const void **addr, socklen_t *len, int type, unsigned char own[16])
{
	socklen_t want = type == AF_INET ? 4 : type == AF_INET6 ? 16 : 0;
	if (!*addr || !want || *len < want)
		return false;
	memcpy(own, *addr, want);
	*addr = own;
	*len = want;
	return true;
}

EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	if (!REAL(gethostbyaddr)) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	unsigned char own[16];
	bool sized = own_address(&addr, &len, type, own);
	enum name_guard g = guard_reverse("gethostbyaddr", type, sized ? addr : NULL);
	if (g == NAME_BLOCKED) {
		h_errno = NO_RECOVERY;
		return NULL;
	}
	struct hostent *h = REAL(gethostbyaddr)(addr, len, type);
	if (g == NAME_RESOLVE)
		shim_leave();
	return h;
}

/*
 * rexec resolves *ahost and connects with libc's internal functions,
 * unseen: the name is judged (refused: -1, EACCES); what it then reaches
 * is that name's address.
 */
static bool rexec_refused(const char *op, char **ahost)
{
	enum name_guard g =
		guard_name(op, ahost ? *ahost : NULL, NET_PORT_ANY, NET_PROTO_TCP, NUMERIC_PLAIN);
	if (g == NAME_BLOCKED) {
		errno = EACCES;
		return true;
	}
	if (g == NAME_RESOLVE)
		shim_leave();
	return false;
}

EXPORT int rexec(char **ahost, int rport, const char *name, const char *pass, const char *cmd,
		 int *fd2p)
{
	if (!REAL(rexec) || rexec_refused("rexec", ahost))
		return -1;
	return REAL(rexec)(ahost, rport, name, pass, cmd, fd2p);
}

EXPORT int rexec_af(char **ahost, int rport, const char *name, const char *pass, const char *cmd,
		    int *fd2p, sa_family_t af)
{
	if (!REAL(rexec_af) || rexec_refused("rexec_af", ahost))
		return -1;
	return REAL(rexec_af)(ahost, rport, name, pass, cmd, fd2p, af);
}

/* rcmd and ruserok resolve the host with libc's internal functions too. */
EXPORT int rcmd(char **ahost, unsigned short port, const char *locuser, const char *remuser,
		const char *cmd, int *fd2p)
{
	if (!REAL(rcmd) || rexec_refused("rcmd", ahost))
		return -1;
	return REAL(rcmd)(ahost, port, locuser, remuser, cmd, fd2p);
}

EXPORT int rcmd_af(char **ahost, unsigned short port, const char *locuser, const char *remuser,
		   const char *cmd, int *fd2p, sa_family_t af)
{
	if (!REAL(rcmd_af) || rexec_refused("rcmd_af", ahost))
		return -1;
	return REAL(rcmd_af)(ahost, port, locuser, remuser, cmd, fd2p, af);
}

EXPORT int ruserok(const char *rhost, int superuser, const char *ruser, const char *luser)
{
	char *host = (char *)rhost;

	if (!REAL(ruserok) || rexec_refused("ruserok", &host))
		return -1;
	return REAL(ruserok)(rhost, superuser, ruser, luser);
}

EXPORT int ruserok_af(const char *rhost, int superuser, const char *ruser, const char *luser,
		      sa_family_t af)
{
	char *host = (char *)rhost;

	if (!REAL(ruserok_af) || rexec_refused("ruserok_af", &host))
		return -1;
	return REAL(ruserok_af)(rhost, superuser, ruser, luser, af);
}

static int blocked_r(struct hostent **result, int *h_errnop)
{
	if (result)
		*result = NULL;
	if (h_errnop)
		*h_errnop = NO_RECOVERY;
	/*
	 * The thread's h_errno too, as glibc's own _r functions leave it:
	 * CPython's gethostbyaddr reads h_errno, not the one it passed (it
	 * raised herror 0, "no error", found by a refusal sweep).
	 */
	h_errno = NO_RECOVERY;
	errno = EACCES;
	return EACCES;
}

EXPORT int gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret,
			   char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
	if (!REAL(gethostbyaddr_r))
		return blocked_r(result, h_errnop);
	unsigned char own[16];
	bool sized = own_address(&addr, &len, type, own);
	enum name_guard g = guard_reverse("gethostbyaddr_r", type, sized ? addr : NULL);
	if (g == NAME_BLOCKED)
		return blocked_r(result, h_errnop);
	int r = REAL(gethostbyaddr_r)(addr, len, type, ret, buf, buflen, result, h_errnop);
	if (g == NAME_RESOLVE)
		shim_leave();
	return r;
}

EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
			   struct hostent **result, int *h_errnop)
{
	if (!REAL(gethostbyname_r))
		return ENOSYS;
	char copy[OWN_NAME_MAX];
	name = own_name(name, copy);
	enum name_guard g =
		guard_name("gethostbyname_r", name, NET_PORT_ANY, NET_PROTO_ANY, NUMERIC_PLAIN);
	if (g == NAME_BLOCKED)
		return blocked_r(result, h_errnop);
	int r = REAL(gethostbyname_r)(name, ret, buf, buflen, result, h_errnop);
	if (g == NAME_RESOLVE)
		bind_hostent(name, r == 0 && result ? *result : NULL);
	return r;
}

EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			    struct hostent **result, int *h_errnop)
{
	if (!REAL(gethostbyname2_r))
		return ENOSYS;
	char copy[OWN_NAME_MAX];
	name = own_name(name, copy);
	enum name_guard g =
		guard_name("gethostbyname2_r", name, NET_PORT_ANY, NET_PROTO_ANY, NUMERIC_PLAIN);
	if (g == NAME_BLOCKED)
		return blocked_r(result, h_errnop);
	int r = REAL(gethostbyname2_r)(name, af, ret, buf, buflen, result, h_errnop);
	if (g == NAME_RESOLVE)
		bind_hostent(name, r == 0 && result ? *result : NULL);
	return r;
}
