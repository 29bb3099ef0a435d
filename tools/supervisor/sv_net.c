// SPDX-License-Identifier: MIT
/*
 * Network calls, performed by the supervisor on the target's own socket.
 *
 * The socket is taken from the target with pidfd_getfd(2): a duplicate of
 * the same open socket, so connecting, binding or sending on it is
 * connecting, binding or sending on the target's. The address is copied
 * out of the target once, judged (lib/net_ops.c's rules: connect, sendto
 * and sendmsg outbound, bind and listen inbound), and the copy is what the
 * call uses: a thread that rewrites the address afterwards changes nothing.
 * Message data is copied too (sendto, sendmsg, sendmmsg), descriptors
 * passed with SCM_RIGHTS are fetched from the target the same way.
 *
 * Blocked: connect and sends fail with ECONNREFUSED, bind and listen with
 * EACCES. What fnguard exec cannot see: the name a static program resolved
 * (it resolves names itself). An address is allowed by a "cidr" rule, or
 * by a host rule with a literal name among whose addresses, as the
 * supervisor resolves them, it is (sv_dns.c); wildcard host rules
 * ("dynamodb.*.amazonaws.com") cannot match (docs/supervisor.md).
 *
 * Unix sockets are judged by path, made absolute against the target's cwd
 * and judged again where a planted symlink leads; the supervisor connects
 * through the resolved O_PATH descriptor (/proc/self/fd/N) and binds from
 * inside the judged parent directory (fchdir in the worker's own file
 * system context), so a link flipped after the judgement is not followed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "sv.h"

#define ARG(i)	(req->n->data.args[i])
#define IARG(i) ((int)req->n->data.args[i])

/* The most message data one emulated send carries (a stream send may be partial). */
#define SEND_MAX (4u << 20)
/* sendmmsg looks at no more messages than the kernel would (UIO_MAXIOV). */
#define MMSG_MAX    1024
#define IOV_MAX_    1024
#define CONTROL_MAX (64u << 10)

/* The user-space layouts the kernel reads (64-bit). */
struct user_msghdr {
	uint64_t name;
	int32_t namelen;
	int32_t pad0;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	int32_t pad1;
};

struct user_iovec {
	uint64_t base;
	uint64_t len;
};

/* A duplicate of the target's descriptor fd, or -errno. */
static int grab_fd(struct sv_req *req, int fd)
{
	pid_t pid = sv_req_tgid(req);
	if (pid < 0)
		return pid;
	int pidfd = (int)sv_raw(syscall(SYS_pidfd_open, pid, 0));
	if (pidfd < 0)
		return pidfd;
	int dup = (int)sv_raw(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
	close(pidfd);
	if (dup >= 0 && !sv_req_valid(req)) {
		/* The pid may have been reused: this is not the caller's descriptor. */
		close(dup);
		return -ESRCH;
	}
	return dup;
}

/* Before a call that waits on a blocking socket: let another worker take the next calls. */
static void maybe_blocks(int sock, int msg_flags)
{
	int fl = fcntl(sock, F_GETFL);
	if (fl < 0 || (!(fl & O_NONBLOCK) && !(msg_flags & MSG_DONTWAIT)))
		sv_handoff();
}

static int sock_int(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
		return -errno;
	return v;
}

static enum net_proto proto_of(int sock)
{
	switch (sock_int(sock, SO_TYPE)) {
	case SOCK_STREAM:
		return NET_PROTO_TCP;
	case SOCK_DGRAM:
		return NET_PROTO_UDP;
	default:
		return NET_PROTO_ANY;
	}
}

static const char *proto_name(enum net_proto proto)
{
	return proto == NET_PROTO_TCP ? "tcp" : proto == NET_PROTO_UDP ? "udp" : NULL;
}

/* What a violation's tip proposes (as the shim's). */
struct net_tip {
	const char *host;
	const char *cidr;
	const char *unix_path;
	size_t unix_len;
	int port;
	enum net_proto proto;
	bool inbound;
};

static void tip_network(struct json_line *jl, const struct sv_event *ev)
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

struct inet_peer {
	int family;
	uint8_t addr[16];
	int port;
};

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* False for an address too short for its family (the kernel refuses it). */
static bool inet_peer_of(const struct sockaddr_storage *ss, socklen_t len, struct inet_peer *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		if (len < sizeof(*sin))
			return false;
		ret->family = AF_INET;
		memcpy(ret->addr, &sin->sin_addr, 4);
		ret->port = ntohs(sin->sin_port);
		return true;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	if (ss->ss_family != AF_INET6 || len < offsetof(struct sockaddr_in6, sin6_scope_id))
		return false;
	ret->port = ntohs(sin6->sin6_port);
	if (memcmp(&sin6->sin6_addr, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		ret->family = AF_INET;
		memcpy(ret->addr, (const uint8_t *)&sin6->sin6_addr + 12, 4);
	} else {
		ret->family = AF_INET6;
		memcpy(ret->addr, &sin6->sin6_addr, 16);
	}
	return true;
}

/* Judges an IP endpoint; true to block. */
static bool judge_inet(struct sv_req *req, const struct inet_peer *p, enum net_proto proto,
		       enum net_dir dir)
{
	struct policy_verdict v = {.allowed = true, .rule = -1};
	char ip[INET6_ADDRSTRLEN], name[SV_DNS_NAME_MAX];
	char target[SV_DNS_NAME_MAX + INET6_ADDRSTRLEN + 16];
	bool record = sv.action[POLICY_CAT_NETWORK] == POLICY_MODE_RECORD;
	bool named = false;
	const char *relayed = NULL;
	struct inet_peer real;
	int n;

	/*
	 * The Runtime API relay's address stands for the real Runtime API
	 * (sv_relay.c): judged, reported and learned as that address, by the
	 * rule that allows it, and by no other.
	 */
	if (dir == NET_DIR_OUT && proto == NET_PROTO_TCP &&
	    sv_relay_judged_as(p->family, p->addr, p->port, &real.family, real.addr, &real.port)) {
		p = &real;
		relayed = sv_relay_note();
	}
	if (sv.policy &&
	    policy_check_ip(sv.policy, p->family, p->addr, p->port, proto, dir, &v) < 0)
		v = (struct policy_verdict){.allowed = false, .rule = -1};
	/* As the shim: host rules judge outbound calls, by the name the address is one of. */
	if (dir == NET_DIR_OUT && (!v.allowed || record))
		named = sv_dns_confirm(p->family, p->addr, p->port, proto, &v, name);
	if (v.allowed && !record)
		return false;
	if (!inet_ntop(p->family, p->addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	if (named)
		n = snprintf(target, sizeof(target), "%s:%d (%s)", name, p->port, ip);
	else if (p->family == AF_INET6)
		n = snprintf(target, sizeof(target), "[%s]:%d", ip, p->port);
	else
		n = snprintf(target, sizeof(target), "%s:%d", ip, p->port);
	const char *detail = relayed;
	if (!detail && dir == NET_DIR_OUT && !named && !record)
		detail = sv_dns_note();
	struct net_tip tip = {.host = named ? name : NULL,
			      .cidr = ip,
			      .port = p->port,
			      .proto = proto,
			      .inbound = dir == NET_DIR_IN};
	struct sv_judgement j = {
		.ev =
			{
				.category = POLICY_CAT_NETWORK,
				.op = req->call->name,
				.target = target,
				.target_len = n > 0 ? (size_t)n : 0,
				.proto = proto_name(proto),
				.detail = detail,
				.tip = tip_network,
				.tip_data = &tip,
			},
		.verdict = v,
		.learn =
			{
				.kind = named ? SV_LEARN_HOST : SV_LEARN_IP,
				.name = named ? name : NULL,
				.family = p->family,
				.port = p->port,
				.proto = proto,
				.inbound = dir == NET_DIR_IN,
			},
	};
	memcpy(j.learn.addr, p->addr, sizeof(j.learn.addr));
	return sv_judge(req, &j);
}

static bool judge_unix_name(struct sv_req *req, const char *name, size_t len, enum net_dir dir,
			    const char *detail)
{
	struct policy_verdict v = {.allowed = true, .rule = -1};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (sv.policy) {
		if (len > sizeof(sun.sun_path)) {
			v = (struct policy_verdict){.allowed = false, .rule = -1};
			detail = "the socket path is too long to judge";
		} else {
			memcpy(sun.sun_path, name, len);
			if (name[0] == '@')
				sun.sun_path[0] = '\0';
			socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
			if (policy_check_sockaddr(sv.policy, (const struct sockaddr *)&sun, salen,
						  NET_PROTO_ANY, dir, &v) < 0)
				v = (struct policy_verdict){.allowed = false, .rule = -1};
		}
	}
	if (v.allowed && sv.action[POLICY_CAT_NETWORK] != POLICY_MODE_RECORD)
		return false;
	struct net_tip tip = {.unix_path = name,
			      .unix_len = len,
			      .port = NET_PORT_ANY,
			      .inbound = dir == NET_DIR_IN};
	struct sv_judgement j = {
		.ev =
			{
				.category = POLICY_CAT_NETWORK,
				.op = req->call->name,
				.target = name,
				.target_len = len,
				.detail = detail,
				.tip = tip_network,
				.tip_data = &tip,
			},
		.verdict = v,
		.learn = {.kind = SV_LEARN_UNIX,
			  .name = name,
			  .port = NET_PORT_ANY,
			  .inbound = dir == NET_DIR_IN},
	};
	return sv_judge(req, &j);
}

/* An address ready to be used by the supervisor, after judging. */
struct dest {
	struct sockaddr_storage ss;
	socklen_t len;
	struct sv_path p; /* unix paths: the name and its lookup */
	struct sv_obj o;
	bool unix_path;
};

static void dest_close(struct dest *d)
{
	if (d->unix_path) {
		sv_obj_close(&d->o);
		sv_path_close(&d->p);
	}
}

/*
 * Judges the address in d for sock and rewrites a unix path to the object or
 * directory judged. Returns 0, or -err_blocked, or the lookup's -errno.
 */
static int judge_dest(struct sv_req *req, int sock, struct dest *d, enum net_dir dir,
		      int err_blocked)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	struct inet_peer peer;

	if (d->len < sizeof(sa_family_t))
		return 0;
	int domain = sock_int(sock, SO_DOMAIN);
	if (domain != AF_INET && domain != AF_INET6 && domain != AF_UNIX)
		return 0; /* other families are the profile filter's (they cannot be created) */
	if (d->ss.ss_family == AF_UNSPEC && (domain == AF_INET || domain == AF_INET6)) {
		/*
		 * Read as the socket's own family, as the shim does (net_ops.c):
		 * an AF_INET socket sends to its address and binds to it, raw
		 * AF_INET6 sockets send to it. The
		 * call made here, with this copy, reads it the same way. A
		 * connect to it disconnects: h_connect does not ask.
		 */
		struct sockaddr_storage as = d->ss;
		/* An AF_INET6 bind refuses it; a UDPv6 send goes to the connected peer instead. */
		if (domain == AF_INET6 &&
		    (dir == NET_DIR_IN || sock_int(sock, SO_TYPE) == SOCK_DGRAM))
			return 0;
		if (domain == AF_INET6 && d->len < sizeof(struct sockaddr_in6))
			memset((char *)&as + d->len, 0, sizeof(struct sockaddr_in6) - d->len);
		as.ss_family = (sa_family_t)domain;
		if (!inet_peer_of(&as, d->len, &peer))
			return 0; /* too short: the kernel refuses it */
		return judge_inet(req, &peer, proto_of(sock), dir) ? -err_blocked : 0;
	}
	if (d->ss.ss_family == AF_INET || d->ss.ss_family == AF_INET6) {
		if (!inet_peer_of(&d->ss, d->len, &peer))
			return 0; /* the kernel refuses it */
		return judge_inet(req, &peer, proto_of(sock), dir) ? -err_blocked : 0;
	}
	if (d->ss.ss_family != AF_UNIX || d->len <= off || d->len > sizeof(struct sockaddr_un))
		return 0; /* unnamed (autobind), or refused by the kernel */
	char *sun_path = ((struct sockaddr_un *)&d->ss)->sun_path;
	size_t n = d->len - off;
	if (sun_path[0] == '\0') {
		char name[sizeof(((struct sockaddr_un *)NULL)->sun_path) + 1];
		name[0] = '@';
		memcpy(name + 1, sun_path + 1, n - 1);
		return judge_unix_name(req, name, n, dir, NULL) ? -err_blocked : 0;
	}
	n = strnlen(sun_path, n);
	memcpy(req->buf[2], sun_path, n);
	req->buf[2][n] = '\0';
	d->unix_path = true;
	d->o.fd = d->o.parent = -1;
	int r = sv_path_set(req, AT_FDCWD, req->buf[2], req->buf[3], &d->p);
	if (r < 0)
		return r;
	/* connect and sendto follow a final symlink; bind creates the name. */
	if (dir == NET_DIR_OUT)
		r = sv_path_object(req, &d->p, SV_PATH_FOLLOW, req->out[1], &d->o);
	else
		r = sv_path_entry(req, &d->p, req->out[1], &d->o);
	if (d->p.name_err) {
		if (judge_unix_name(req, d->p.raw, strlen(d->p.raw), dir,
				    "the socket path could not be resolved"))
			return -err_blocked;
	} else {
		if (judge_unix_name(req, d->p.name, d->p.name_len, dir, NULL))
			return -err_blocked;
		if (r == 0 && d->p.need_real && d->o.have_canon &&
		    strcmp(d->o.canon, d->p.name) != 0 &&
		    judge_unix_name(req, d->o.canon, d->o.canon_len, dir,
				    "reached through a symlink"))
			return -err_blocked;
	}
	if (r < 0)
		return r;
	if (dir == NET_DIR_OUT) {
		/* Connect through the descriptor judged. */
		struct sockaddr_un *sun = (struct sockaddr_un *)&d->ss;
		char self[32];
		sv_fd_path(d->o.fd, self);
		memset(sun->sun_path, 0, sizeof(sun->sun_path));
		memcpy(sun->sun_path, self, strlen(self));
		d->len = (socklen_t)(off + strlen(self) + 1);
	}
	return 0;
}

/* Reads the address argument. Returns 0, -EINVAL or -EFAULT. */
static int read_dest(struct sv_req *req, uint64_t addr, int64_t len, struct dest *d)
{
	memset(d, 0, sizeof(*d));
	d->o.fd = d->o.parent = -1;
	d->p.base = AT_FDCWD;
	if (len < 0 || (uint64_t)len > sizeof(d->ss))
		return -EINVAL;
	d->len = (socklen_t)len;
	if (!sv_req_valid(req))
		return -ESRCH;
	return sv_mem_read(req, addr, &d->ss, d->len);
}

/* The kernel raises SIGPIPE on the sender: here the sender is the supervisor. */
static void pipe_signal(struct sv_req *req, int64_t r, int flags)
{
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL)) {
		pid_t pid = sv_req_tgid(req);
		if (pid > 0 && sv_req_valid(req))
			syscall(SYS_tgkill, pid, req->tid, SIGPIPE);
	}
}

static int64_t h_connect(struct sv_req *req)
{
	struct dest d;
	int64_t r = read_dest(req, ARG(1), (int)ARG(2), &d);
	if (r < 0)
		return r;
	int sock = grab_fd(req, IARG(0));
	if (sock < 0)
		return sock;
	/* AF_UNSPEC: a disconnect, nothing reached. */
	if (d.len < sizeof(sa_family_t) || d.ss.ss_family != AF_UNSPEC)
		r = judge_dest(req, sock, &d, NET_DIR_OUT, ECONNREFUSED);
	if (r == 0) {
		maybe_blocks(sock, 0);
		r = sv_raw(connect(sock, (struct sockaddr *)&d.ss, d.len));
	}
	dest_close(&d);
	close(sock);
	return r;
}

static int64_t h_bind(struct sv_req *req)
{
	struct dest d;
	int64_t r = read_dest(req, ARG(1), (int)ARG(2), &d);
	if (r < 0)
		return r;
	int sock = grab_fd(req, IARG(0));
	if (sock < 0)
		return sock;
	r = judge_dest(req, sock, &d, NET_DIR_IN, EACCES);
	if (r == 0 && d.unix_path) {
		/* The name is created inside the directory judged, with the target's umask. */
		int m = sv_req_umask(req);
		r = m < 0 ? m : sv_raw(fchdir(d.o.parent));
		if (r == 0) {
			struct sockaddr_un sun = {.sun_family = AF_UNIX};
			size_t n = strlen(d.o.last);
			syscall(SYS_umask, m);
			if (n >= sizeof(sun.sun_path))
				r = -ENAMETOOLONG;
			else {
				memcpy(sun.sun_path, d.o.last, n);
				r = sv_raw(bind(sock, (struct sockaddr *)&sun,
						(socklen_t)(offsetof(struct sockaddr_un, sun_path) +
							    n + 1)));
			}
			/* Do not keep the directory busy (nothing relies on a worker's cwd). */
			(void)!chdir("/");
		}
	} else if (r == 0) {
		r = sv_raw(bind(sock, (struct sockaddr *)&d.ss, d.len));
	}
	dest_close(&d);
	close(sock);
	return r;
}

/* listen judges the address actually taken (a bind to port 0 got a port by now). */
static int64_t h_listen(struct sv_req *req)
{
	struct dest d;
	if (!sv_req_valid(req))
		return -ESRCH;
	int sock = grab_fd(req, IARG(0));
	if (sock < 0)
		return sock;
	memset(&d, 0, sizeof(d));
	d.o.fd = d.o.parent = -1;
	d.p.base = AT_FDCWD;
	d.len = sizeof(d.ss);
	int64_t r = 0;
	if (getsockname(sock, (struct sockaddr *)&d.ss, &d.len) == 0 && d.len <= sizeof(d.ss) &&
	    (d.ss.ss_family == AF_INET || d.ss.ss_family == AF_INET6)) {
		struct inet_peer peer;
		if (inet_peer_of(&d.ss, d.len, &peer) &&
		    judge_inet(req, &peer, proto_of(sock), NET_DIR_IN))
			r = -EACCES;
	}
	if (r == 0)
		r = sv_raw(listen(sock, IARG(1)));
	close(sock);
	return r;
}

/* Copies iov (in the target) into one buffer. Returns the bytes copied or -errno. */
static int64_t gather(struct sv_req *req, uint64_t iov_addr, uint64_t iovlen, char **ret)
{
	struct user_iovec iov[IOV_MAX_];
	size_t total = 0;

	if (iovlen > IOV_MAX_)
		return -EMSGSIZE;
	int r = sv_mem_read(req, iov_addr, iov, iovlen * sizeof(iov[0]));
	if (r < 0)
		return r;
	for (size_t i = 0; i < iovlen; i++) {
		if (iov[i].len > SEND_MAX - total)
			iov[i].len = SEND_MAX - total; /* a stream send may be partial */
		total += iov[i].len;
	}
	char *data = sv_req_big(req, total ? total : 1);
	if (!data)
		return -ENOMEM;
	size_t at = 0;
	for (size_t i = 0; i < iovlen && at < total; i++) {
		r = sv_mem_read(req, iov[i].base, data + at, iov[i].len);
		if (r < 0)
			return r;
		at += iov[i].len;
	}
	*ret = data;
	return (int64_t)total;
}

/* Descriptors passed with SCM_RIGHTS, fetched from the target. */
struct passed {
	int fds[256];
	size_t n;
};

static void passed_close(struct passed *p)
{
	for (size_t i = 0; i < p->n; i++)
		close(p->fds[i]);
	p->n = 0;
}

/* Rewrites SCM_RIGHTS numbers in control (a copy) to the supervisor's duplicates. */
static int translate_rights(struct sv_req *req, char *control, size_t len, struct passed *p)
{
	struct msghdr mh = {.msg_control = control, .msg_controllen = len};
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			if (p->n == sizeof(p->fds) / sizeof(p->fds[0]))
				return -ETOOMANYREFS;
			int fd = grab_fd(req, fds[i]);
			if (fd < 0)
				return fd == -EBADF ? -EBADF : fd;
			p->fds[p->n++] = fd;
			fds[i] = fd;
		}
	}
	return 0;
}

/* One sendmsg on sock from the target's msghdr at addr. Returns the bytes sent or -errno. */
static int64_t send_one(struct sv_req *req, int sock, const struct user_msghdr *um, int flags)
{
	struct dest d;
	struct passed passed = {.n = 0};
	char *data = NULL, *control = NULL;
	int64_t r = 0;

	memset(&d, 0, sizeof(d));
	d.o.fd = d.o.parent = -1;
	d.p.base = AT_FDCWD;
	bool named = um->name && um->namelen;
	if (named) {
		r = read_dest(req, um->name, um->namelen, &d);
		if (r < 0)
			return r;
		r = judge_dest(req, sock, &d, NET_DIR_OUT, ECONNREFUSED);
		if (r < 0)
			goto out;
	}
	if (um->controllen > CONTROL_MAX) {
		r = -ENOBUFS;
		goto out;
	}
	if (um->controllen) {
		control = malloc(um->controllen);
		if (!control) {
			r = -ENOMEM;
			goto out;
		}
		r = sv_mem_read(req, um->control, control, um->controllen);
		if (r == 0)
			r = translate_rights(req, control, um->controllen, &passed);
		if (r < 0)
			goto out;
	}
	int64_t len = gather(req, um->iov, um->iovlen, &data);
	if (len < 0) {
		r = len;
		goto out;
	}
	struct iovec iov = {.iov_base = data, .iov_len = (size_t)len};
	struct msghdr mh = {
		.msg_name = named ? &d.ss : NULL,
		.msg_namelen = named ? d.len : 0,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = um->controllen,
	};
	if (!sv_req_valid(req)) {
		r = -ESRCH; /* what was read may not be the caller's */
		goto out;
	}
	maybe_blocks(sock, flags);
	r = sv_raw(sendmsg(sock, &mh, flags | MSG_NOSIGNAL));
	pipe_signal(req, r, flags);
out:
	passed_close(&passed);
	free(control);
	dest_close(&d);
	return r;
}

static int64_t h_sendto(struct sv_req *req)
{
	struct user_msghdr um = {
		.name = ARG(4),
		.namelen = (int32_t)ARG(5),
		.iov = 0,
		.iovlen = 0,
	};
	struct dest d;
	int flags = IARG(3);
	int sock = grab_fd(req, IARG(0));
	if (sock < 0)
		return sock;
	int64_t r = 0;
	bool named = um.name && um.namelen;
	memset(&d, 0, sizeof(d));
	d.o.fd = d.o.parent = -1;
	d.p.base = AT_FDCWD;
	if (named) {
		r = read_dest(req, um.name, um.namelen, &d);
		if (r == 0)
			r = judge_dest(req, sock, &d, NET_DIR_OUT, ECONNREFUSED);
	}
	size_t len = (size_t)ARG(2) < SEND_MAX ? (size_t)ARG(2) : SEND_MAX;
	char *data = r == 0 ? sv_req_big(req, len ? len : 1) : NULL;
	if (r == 0 && !data)
		r = -ENOMEM;
	if (r == 0)
		r = sv_mem_read(req, ARG(1), data, len);
	if (r == 0 && !sv_req_valid(req))
		r = -ESRCH;
	if (r == 0) {
		maybe_blocks(sock, flags);
		r = sv_raw(sendto(sock, data, len, flags | MSG_NOSIGNAL,
				  named ? (struct sockaddr *)&d.ss : NULL, named ? d.len : 0));
		pipe_signal(req, r, flags);
	}
	dest_close(&d);
	close(sock);
	return r;
}

static int64_t h_sendmsg(struct sv_req *req)
{
	struct user_msghdr um;
	if (!sv_req_valid(req))
		return -ESRCH;
	int64_t r = sv_mem_read(req, ARG(1), &um, sizeof(um));
	if (r < 0)
		return r;
	int sock = grab_fd(req, IARG(0));
	if (sock < 0)
		return sock;
	r = send_one(req, sock, &um, IARG(2));
	close(sock);
	return r;
}

/*
 * sendmmsg: the messages one by one, each judged; the count of those sent
 * before the first failure (or blocked one), as the kernel counts, and each
 * sent message's msg_len written back.
 */
static int64_t h_sendmmsg(struct sv_req *req)
{
	struct {
		struct user_msghdr hdr;
		uint32_t len;
		uint32_t pad;
	} mm;
	unsigned vlen = (unsigned)ARG(2) < MMSG_MAX ? (unsigned)ARG(2) : MMSG_MAX;
	int sock = grab_fd(req, IARG(0));
	if (sock < 0)
		return sock;
	int64_t r = 0;
	unsigned i;
	for (i = 0; i < vlen; i++) {
		uint64_t at = ARG(1) + (uint64_t)i * sizeof(mm);
		r = sv_mem_read(req, at, &mm, sizeof(mm));
		if (r == 0)
			r = send_one(req, sock, &mm.hdr, IARG(3));
		if (r < 0)
			break;
		mm.len = (uint32_t)r;
		r = sv_mem_write(req, at + offsetof(__typeof__(mm), len), &mm.len, sizeof(mm.len));
		if (r < 0)
			break;
	}
	close(sock);
	return i > 0 ? (int64_t)i : r;
}

const struct sv_call sv_net_calls[] = {
	{"connect", h_connect}, {"bind", h_bind},	{"listen", h_listen},
	{"sendto", h_sendto},	{"sendmsg", h_sendmsg}, {"sendmmsg", h_sendmmsg},
	{NULL, NULL},
};
