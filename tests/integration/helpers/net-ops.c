// SPDX-License-Identifier: MIT
/*
 * net-ops OP ARGS...: calls one libc network entry point by name, so the
 * integration tests can check each interposer alone. Exit 0 on success;
 * on failure prints "errno=NAME" (or "gai=NAME", "h_errno=NAME") to stderr
 * and exits 1. Addresses are numeric (inet_pton, so "::ffff:127.0.0.1"
 * works); a unix address is a path, or "@name" for an abstract one.
 *
 *   connect ADDR PORT tcp|udp           socket + connect
 *   sendto ADDR PORT MSG                unconnected UDP datagram
 *   sendmsg ADDR PORT MSG               same through sendmsg
 *   sendmmsg ADDR PORT ADDR2 PORT2      two datagrams, prints how many went
 *   sendto-unspec ADDR PORT MSG         sendto an IPv4 address marked AF_UNSPEC
 *                                       (the kernel sends it as AF_INET)
 *   bind-unspec PORT                    bind an IPv4 UDP socket to AF_UNSPEC :PORT
 *   race-sendto ADDR PORT PORT2 N       N datagrams to ADDR:PORT while another
 *                                       thread keeps switching the port to PORT2
 *   fastopen ADDR PORT MSG              TCP sendto with MSG_FASTOPEN
 *   unix-connect PATH                   stream connect
 *   unix-sendto PATH MSG                datagram to a bound unix socket
 *   unix-sendmmsg PATH1 PATH2           one datagram to each, in one sendmmsg
 *   bind ADDR PORT tcp|udp              bind (prints the port taken)
 *   unix-bind PATH                      bind a unix stream socket
 *   listen ADDR PORT                    bind behind the shim's back, then listen
 *   accept|accept4 ADDR                 listener made behind the shim's back,
 *                                       one raw connection, then accept
 *   getaddrinfo NAME [SERVICE]          prints the addresses
 *   gethostbyname|gethostbyname2|gethostbyname_r|gethostbyname2_r NAME
 *   gethostbyname2-6 NAME               gethostbyname2(NAME, AF_INET6)
 *   res_query NAME                      an A query through the resolver
 *   res_send NAME                       the same query made with res_mkquery, sent
 *                                       with res_send
 *   res_send-long NAME                  the same, padded past 65535 bytes
 *   ruserok NAME                        ruserok(NAME, 0, "u", "u") (resolves NAME)
 *   getnameinfo ADDR                    prints the host name (numeric if none)
 *   gethostbyaddr ADDR                  prints the name
 *   resolve-connect NAME PORT           getaddrinfo, then connect to the first
 *   resolve-connect-each NAME PORT      getaddrinfo for every socket type, then a UDP
 *                                       connect to each entry: "ADDR ok|errno=E"
 *   jump-connect NAME ADDR PORT         getaddrinfo(NAME) given up after 300 ms by a
 *                                       SIGALRM handler that jumps out (siglongjmp,
 *                                       as wget's --dns-timeout), then a TCP connect
 *   bench tcp|udp HOST PORT N           median ns per connect() over 7 runs of N
 *                                       (HOST a name: resolved first; tcp with
 *                                       PORT 0: a listener of its own)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "raw_syscall.h"

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

static int fail(const char *what)
{
	const char *name = strerrorname_np(errno);
	fprintf(stderr, "%s: errno=%s\n", what, name ? name : "?");
	return 1;
}

static const char *gai_name(int r)
{
	switch (r) {
	case EAI_FAIL:
		return "EAI_FAIL";
	case EAI_NONAME:
		return "EAI_NONAME";
	case EAI_AGAIN:
		return "EAI_AGAIN";
	case EAI_SYSTEM:
		return "EAI_SYSTEM";
	case EAI_FAMILY:
		return "EAI_FAMILY";
	case EAI_SERVICE:
		return "EAI_SERVICE";
	default:
		return "EAI_OTHER";
	}
}

static const char *h_name(int h)
{
	switch (h) {
	case HOST_NOT_FOUND:
		return "HOST_NOT_FOUND";
	case TRY_AGAIN:
		return "TRY_AGAIN";
	case NO_RECOVERY:
		return "NO_RECOVERY";
	case NO_DATA:
		return "NO_DATA";
	default:
		return "OTHER";
	}
}

/* Fills ss from a numeric address and port; returns its length or 0. */
static socklen_t inet_addr_of(const char *addr, const char *port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(port));
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(port));
		return sizeof(*sin6);
	}
	fprintf(stderr, "bad address %s\n", addr);
	exit(2);
}

static socklen_t unix_addr_of(const char *path, struct sockaddr_un *sun)
{
	size_t n = strlen(path);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		exit(2);
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static int inet_socket(const struct sockaddr_storage *ss, int type)
{
	int fd = socket(ss->ss_family, type, 0);
	if (fd < 0)
		exit(fail("socket"));
	return fd;
}

static int type_of(const char *proto)
{
	return strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
}

static void print_addr(const struct sockaddr *sa)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a = sa->sa_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (inet_ntop(sa->sa_family, a, buf, sizeof(buf)))
		printf("%s\n", buf);
}

static int print_hostent(const struct hostent *h)
{
	char buf[INET6_ADDRSTRLEN];
	for (char **a = h->h_addr_list; *a; a++)
		if (inet_ntop(h->h_addrtype, *a, buf, sizeof(buf)))
			printf("%s\n", buf);
	return 0;
}

/* A listening TCP socket on addr, port 0, made with raw system calls. */
static int raw_listener(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	*len = inet_addr_of(addr, "0", ss);
	int fd = (int)raw_syscall(SYS_socket, ss->ss_family, SOCK_STREAM, 0);
	if (fd < 0 || raw_syscall(SYS_bind, fd, ss, *len) < 0 || raw_syscall(SYS_listen, fd, 8) < 0)
		exit(fail("raw listener"));
	if (raw_syscall(SYS_getsockname, fd, ss, len) < 0)
		exit(fail("getsockname"));
	return fd;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	for (;;) {
		int c = (int)raw_syscall(SYS_accept4, fd, NULL, NULL, 0);
		if (c >= 0)
			raw_syscall(SYS_close, c);
	}
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/*
 * Median over 7 runs of the mean time of one connect() call. A host that is
 * not numeric is resolved once first, so the connect is judged by name.
 */
static int bench(const char *kind, const char *host, const char *port, int n)
{
	struct sockaddr_storage ss;
	struct in6_addr probe;
	socklen_t len;
	long long runs[7];
	bool tcp = strcmp(kind, "udp") != 0;

	if (inet_pton(AF_INET, host, &probe) != 1 && inet_pton(AF_INET6, host, &probe) != 1) {
		struct addrinfo hints = {.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM}, *res;
		int r = getaddrinfo(host, port, &hints, &res);
		if (r) {
			fprintf(stderr, "gai=%s\n", gai_name(r));
			return 1;
		}
		memcpy(&ss, res->ai_addr, res->ai_addrlen);
		len = res->ai_addrlen;
		freeaddrinfo(res);
	} else {
		len = inet_addr_of(host, port, &ss);
	}
	for (int run = 0; run < 7; run++) {
		long long total = 0;
		for (int i = 0; i < n; i++) {
			int fd = (int)raw_syscall(SYS_socket, ss.ss_family,
						  tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
			long long t0 = now_ns();
			int r = connect(fd, (struct sockaddr *)&ss, len);
			total += now_ns() - t0;
			if (r < 0)
				return fail("connect");
			raw_syscall(SYS_close, fd);
		}
		runs[run] = total / n;
	}
	qsort(runs, 7, sizeof(runs[0]), cmp_ll);
	printf("%lld\n", runs[3]);
	return 0;
}

/* The destination another thread keeps rewriting (race-sendto). */
static struct sockaddr_in race_addr;
static volatile int race_stop;
static uint16_t race_ports[2];

static void *race_flip(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !race_stop; i++)
		__atomic_store_n(&race_addr.sin_port, race_ports[i & 1], __ATOMIC_RELAXED);
	return NULL;
}

static int race_sendto(const char *ip, const char *port, const char *port2, int n)
{
	pthread_t t;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sent = 0;

	race_addr.sin_family = AF_INET;
	if (fd < 0 || inet_pton(AF_INET, ip, &race_addr.sin_addr) != 1)
		return fail("race-sendto");
	race_ports[0] = htons((uint16_t)atoi(port));
	race_ports[1] = htons((uint16_t)atoi(port2));
	race_addr.sin_port = race_ports[0];
	if (pthread_create(&t, NULL, race_flip, NULL) != 0)
		return fail("pthread_create");
	for (int i = 0; i < n; i++)
		if (sendto(fd, "race", 4, 0, (struct sockaddr *)&race_addr, sizeof(race_addr)) == 4)
			sent++;
	race_stop = 1;
	pthread_join(t, NULL);
	printf("sent %d\n", sent);
	return 0;
}

/* One sendmmsg of two datagrams ("first", "second") to a and b; prints how many went. */
static int send_two(int fd, void *a, socklen_t la, void *b, socklen_t lb)
{
	struct iovec iov[2] = {{.iov_base = "first", .iov_len = 5},
			       {.iov_base = "second", .iov_len = 6}};
	struct mmsghdr vec[2] = {
		{.msg_hdr =
			 {.msg_name = a, .msg_namelen = la, .msg_iov = &iov[0], .msg_iovlen = 1}},
		{.msg_hdr =
			 {.msg_name = b, .msg_namelen = lb, .msg_iov = &iov[1], .msg_iovlen = 1}},
	};
	int r = sendmmsg(fd, vec, 2, 0);
	if (r < 0)
		return fail("sendmmsg");
	printf("sent %d\n", r);
	return 0;
}

static sigjmp_buf jump_back;

static void jump_on_alarm(int sig)
{
	(void)sig;
	siglongjmp(jump_back, 1);
}

/* jump-connect: a lookup left by a jump, then a connect. */
static int jump_connect(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct addrinfo *res;

	if (argc < 5)
		return 2;
	signal(SIGALRM, jump_on_alarm);
	if (sigsetjmp(jump_back, 1) == 0) {
		ualarm(300000, 0);
		int r = getaddrinfo(argv[2], "443", NULL, &res);
		ualarm(0, 0);
		printf("lookup returned: %s\n", gai_name(r));
		return 1;
	}
	printf("timed out\n");
	fflush(stdout);
	socklen_t len = inet_addr_of(argv[3], argv[4], &ss);
	int fd = inet_socket(&ss, SOCK_STREAM);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		return fail("connect");
	printf("connected\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_un sun;
	socklen_t len;
	int fd, r;

	if (argc < 3) {
		fprintf(stderr, "usage: net-ops OP ARGS...\n");
		return 2;
	}
	const char *op = argv[1];
	if (strcmp(op, "jump-connect") == 0)
		return jump_connect(argc, argv);

	if (strcmp(op, "connect") == 0 && argc == 5) {
		len = inet_addr_of(argv[2], argv[3], &ss);
		fd = inet_socket(&ss, type_of(argv[4]));
		if (connect(fd, (struct sockaddr *)&ss, len) < 0)
			return fail("connect");
		if (type_of(argv[4]) == SOCK_DGRAM && send(fd, "ping", 4, 0) < 0)
			return fail("send");
		return 0;
	}
	if ((strcmp(op, "sendto") == 0 || strcmp(op, "sendmsg") == 0) && argc == 5) {
		len = inet_addr_of(argv[2], argv[3], &ss);
		fd = inet_socket(&ss, SOCK_DGRAM);
		if (op[4] == 't') {
			if (sendto(fd, argv[4], strlen(argv[4]), 0, (struct sockaddr *)&ss, len) <
			    0)
				return fail("sendto");
			return 0;
		}
		struct iovec iov = {.iov_base = argv[4], .iov_len = strlen(argv[4])};
		struct msghdr msg = {
			.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
		if (sendmsg(fd, &msg, 0) < 0)
			return fail("sendmsg");
		return 0;
	}
	if (strcmp(op, "sendto-unspec") == 0 && argc == 5) {
		len = inet_addr_of(argv[2], argv[3], &ss);
		fd = inet_socket(&ss, SOCK_DGRAM);
		ss.ss_family = AF_UNSPEC;
		if (sendto(fd, argv[4], strlen(argv[4]), 0, (struct sockaddr *)&ss, len) < 0)
			return fail("sendto");
		return 0;
	}
	if (strcmp(op, "bind-unspec") == 0 && argc == 3) {
		struct sockaddr_in sin = {.sin_family = AF_UNSPEC,
					  .sin_port = htons((uint16_t)atoi(argv[2]))};
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return fail("bind");
		return 0;
	}
	if (strcmp(op, "race-sendto") == 0 && argc == 6)
		return race_sendto(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (strcmp(op, "sendmmsg") == 0 && argc == 6) {
		struct sockaddr_storage ss2;
		socklen_t len2;
		len = inet_addr_of(argv[2], argv[3], &ss);
		len2 = inet_addr_of(argv[4], argv[5], &ss2);
		fd = inet_socket(&ss, SOCK_DGRAM);
		return send_two(fd, &ss, len, &ss2, len2);
	}
	if (strcmp(op, "unix-sendmmsg") == 0 && argc == 4) {
		struct sockaddr_un sun2;
		socklen_t len2;
		len = unix_addr_of(argv[2], &sun);
		len2 = unix_addr_of(argv[3], &sun2);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		return send_two(fd, &sun, len, &sun2, len2);
	}
	if (strcmp(op, "fastopen") == 0 && argc == 5) {
		len = inet_addr_of(argv[2], argv[3], &ss);
		fd = inet_socket(&ss, SOCK_STREAM);
		if (sendto(fd, argv[4], strlen(argv[4]), MSG_FASTOPEN, (struct sockaddr *)&ss,
			   len) < 0)
			return fail("sendto");
		return 0;
	}
	if (strcmp(op, "unix-connect") == 0 || strcmp(op, "unix-sendto") == 0) {
		bool dgram = op[5] == 's';
		len = unix_addr_of(argv[2], &sun);
		fd = socket(AF_UNIX, dgram ? SOCK_DGRAM : SOCK_STREAM, 0);
		if (dgram) {
			if (argc != 4)
				return 2;
			if (sendto(fd, argv[3], strlen(argv[3]), 0, (struct sockaddr *)&sun, len) <
			    0)
				return fail("sendto");
			return 0;
		}
		if (connect(fd, (struct sockaddr *)&sun, len) < 0)
			return fail("connect");
		return 0;
	}
	if (strcmp(op, "bind") == 0 && argc == 5) {
		len = inet_addr_of(argv[2], argv[3], &ss);
		fd = inet_socket(&ss, type_of(argv[4]));
		if (bind(fd, (struct sockaddr *)&ss, len) < 0)
			return fail("bind");
		len = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &len);
		printf("%d\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
		return 0;
	}
	if (strcmp(op, "unix-bind") == 0) {
		len = unix_addr_of(argv[2], &sun);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (bind(fd, (struct sockaddr *)&sun, len) < 0)
			return fail("bind");
		return 0;
	}
	if (strcmp(op, "listen") == 0 && argc == 4) {
		len = inet_addr_of(argv[2], argv[3], &ss);
		fd = (int)raw_syscall(SYS_socket, ss.ss_family, SOCK_STREAM, 0);
		if (raw_syscall(SYS_bind, fd, &ss, len) < 0)
			return fail("raw bind");
		if (listen(fd, 8) < 0)
			return fail("listen");
		return 0;
	}
	if (strcmp(op, "accept") == 0 || strcmp(op, "accept4") == 0) {
		char buf[1];
		int lfd = raw_listener(argv[2], &ss, &len);
		int c = (int)raw_syscall(SYS_socket, ss.ss_family, SOCK_STREAM, 0);
		if (raw_syscall(SYS_connect, c, &ss, len) < 0)
			return fail("raw connect");
		fd = op[6] == '4' ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC)
				  : accept(lfd, NULL, NULL);
		if (fd < 0) {
			int saved = errno;
			char byte;
			/* What the peer of a refused connection sees. */
			if (recv(c, &byte, 1, 0) == 0)
				printf("peer saw close\n");
			errno = saved;
			return fail(op);
		}
		if (send(fd, "x", 1, 0) != 1 || recv(c, buf, 1, 0) != 1)
			return fail("exchange");
		printf("accepted\n");
		return 0;
	}
	if (strcmp(op, "getaddrinfo") == 0) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
		r = getaddrinfo(argv[2], argc > 3 ? argv[3] : NULL, &hints, &res);
		if (r) {
			fprintf(stderr, "getaddrinfo: gai=%s\n", gai_name(r));
			return 1;
		}
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
			print_addr(ai->ai_addr);
		freeaddrinfo(res);
		return 0;
	}
	if (strcmp(op, "gethostbyname") == 0 || strcmp(op, "gethostbyname2") == 0) {
		struct hostent *h =
			op[13] == '2' ? gethostbyname2(argv[2], AF_INET) : gethostbyname(argv[2]);
		if (!h) {
			fprintf(stderr, "%s: h_errno=%s\n", op, h_name(h_errno));
			return 1;
		}
		return print_hostent(h);
	}
	if (strcmp(op, "gethostbyname2-6") == 0) {
		struct hostent *h = gethostbyname2(argv[2], AF_INET6);
		if (!h) {
			fprintf(stderr, "%s: h_errno=%s\n", op, h_name(h_errno));
			return 1;
		}
		return 0;
	}
	if (strcmp(op, "getnameinfo") == 0) {
		char host[NI_MAXHOST];
		len = inet_addr_of(argv[2], "0", &ss);
		r = getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0, 0);
		if (r) {
			fprintf(stderr, "gai=%s\n", gai_name(r));
			return 1;
		}
		printf("%s\n", host);
		return 0;
	}
	if (strcmp(op, "gethostbyaddr") == 0) {
		struct in6_addr a;
		int family = strchr(argv[2], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(family, argv[2], &a) != 1)
			return 2;
		struct hostent *h = gethostbyaddr(&a, family == AF_INET ? 4 : 16, family);
		if (!h) {
			fprintf(stderr, "%s: h_errno=%s\n", op, h_name(h_errno));
			return 1;
		}
		printf("%s\n", h->h_name);
		return 0;
	}
	if (strcmp(op, "res_query") == 0) {
		unsigned char answer[512];
		if (res_query(argv[2], ns_c_in, ns_t_a, answer, sizeof(answer)) < 0) {
			fprintf(stderr, "%s: h_errno=%s\n", op, h_name(h_errno));
			return 1;
		}
		return 0;
	}
	if (strcmp(op, "res_send") == 0 || strcmp(op, "res_send-long") == 0) {
		/* -long: the query, then zeros to more than one message can hold. */
		static unsigned char query[65600];
		unsigned char answer[512];
		int n = res_mkquery(ns_o_query, argv[2], ns_c_in, ns_t_a, NULL, 0, NULL, query,
				    512);
		if (n > 0 && op[8] == '-')
			n = (int)sizeof(query);
		if (n < 0 || res_send(query, n, answer, sizeof(answer)) < 0) {
			fprintf(stderr, "%s: h_errno=%s n=%d\n", op, h_name(h_errno), n);
			return 1;
		}
		return 0;
	}
	if (strcmp(op, "ruserok") == 0) {
		errno = 0;
		r = ruserok(argv[2], 0, "u", "u");
		fprintf(stderr, "%s: r=%d errno=%s\n", op, r, strerrorname_np(errno));
		return r == 0 ? 0 : 1;
	}
	if (strcmp(op, "gethostbyname_r") == 0 || strcmp(op, "gethostbyname2_r") == 0) {
		struct hostent he, *h = NULL;
		char buf[4096];
		int herr = 0;
		r = op[13] == '2'
			    ? gethostbyname2_r(argv[2], AF_INET, &he, buf, sizeof(buf), &h, &herr)
			    : gethostbyname_r(argv[2], &he, buf, sizeof(buf), &h, &herr);
		if (r != 0 || !h) {
			const char *name = r ? strerrorname_np(r) : "0";
			fprintf(stderr, "%s: ret=%s h_errno=%s\n", op, name ? name : "?",
				h_name(herr));
			return 1;
		}
		return print_hostent(h);
	}
	if (strcmp(op, "resolve-connect") == 0 && argc == 4) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
		r = getaddrinfo(argv[2], argv[3], &hints, &res);
		if (r) {
			fprintf(stderr, "getaddrinfo: gai=%s\n", gai_name(r));
			return 1;
		}
		fd = socket(res->ai_family, SOCK_STREAM, 0);
		if (connect(fd, res->ai_addr, res->ai_addrlen) < 0)
			return fail("connect");
		return 0;
	}
	if (strcmp(op, "resolve-connect-each") == 0 && argc == 4) {
		struct addrinfo hints = {0}, *res;
		r = getaddrinfo(argv[2], argv[3], &hints, &res);
		if (r) {
			fprintf(stderr, "getaddrinfo: gai=%s\n", gai_name(r));
			return 1;
		}
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			int u = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			const char *name = NULL;
			if (u < 0 || connect(u, ai->ai_addr, ai->ai_addrlen) < 0)
				name = strerrorname_np(errno);
			if (u >= 0)
				close(u);
			char buf[INET6_ADDRSTRLEN] = "?";
			const void *a =
				ai->ai_family == AF_INET
					? (const void *)&((struct sockaddr_in *)ai->ai_addr)
						  ->sin_addr
					: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)
						  ->sin6_addr;
			inet_ntop(ai->ai_family, a, buf, sizeof(buf));
			if (name)
				printf("%s errno=%s\n", buf, name);
			else
				printf("%s ok\n", buf);
		}
		freeaddrinfo(res);
		return 0;
	}
	if (strcmp(op, "bench") == 0 && argc == 6) {
		int lfd = -1;
		pthread_t t;
		if (strcmp(argv[2], "tcp") == 0 && strcmp(argv[4], "0") == 0) {
			/* A listener of our own, drained by a thread, behind the shim's back. */
			static char port[8];
			struct in6_addr probe;
			bool v6 = inet_pton(AF_INET6, argv[3], &probe) == 1;
			lfd = raw_listener(v6 ? "::1" : "127.0.0.1", &ss, &len);
			raw_syscall(SYS_listen, lfd, 4096);
			snprintf(port, sizeof(port), "%d",
				 ntohs(((struct sockaddr_in *)&ss)->sin_port));
			argv[4] = port;
			pthread_create(&t, NULL, drain, &lfd);
		}
		return bench(argv[2], argv[3], argv[4], atoi(argv[5]));
	}
	fprintf(stderr, "unknown op or wrong arguments: %s\n", op);
	return 2;
}
