// SPDX-License-Identifier: MIT
/*
 * network: the tag sent to a loopback listener no rule allows. HOW =
 * tcp-connect, raw-connect (an inline system call), udp-sendto (no connect),
 * udp-sendmmsg, tcp-fastopen (sendto with MSG_FASTOPEN), ipv4-mapped
 * (::ffff:127.0.0.1 on an IPv6 socket), zero-addr (0.0.0.0, which the kernel
 * takes as this host), unix-abstract (an abstract unix socket).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "case.h"

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *how = argv[1], *tag = case_env("SEC_TAG");
	struct sockaddr_storage ss;
	socklen_t len;
	long r;
	int fd;
	if (!strcmp(how, "tcp-connect") || !strcmp(how, "raw-connect")) {
		len = case_addr4(&ss, "SEC_TCP_PORT");
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (!strcmp(how, "raw-connect"))
			r = case_raw6(SYS_connect, fd, (long)&ss, len, 0, 0, 0);
		else
			r = connect(fd, (struct sockaddr *)&ss, len);
		case_report(how, r);
		if (r == 0)
			case_send_tag(fd);
	} else if (!strcmp(how, "udp-sendto")) {
		len = case_addr4(&ss, "SEC_UDP_PORT");
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		r = sendto(fd, tag, strlen(tag), 0, (struct sockaddr *)&ss, len);
		case_report(how, r);
	} else if (!strcmp(how, "udp-sendmmsg")) {
		len = case_addr4(&ss, "SEC_UDP_PORT");
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		struct iovec iov = {.iov_base = (void *)tag, .iov_len = strlen(tag)};
		struct mmsghdr m = {.msg_hdr = {.msg_name = &ss,
						.msg_namelen = len,
						.msg_iov = &iov,
						.msg_iovlen = 1}};
		r = sendmmsg(fd, &m, 1, 0);
		case_report(how, r);
	} else if (!strcmp(how, "tcp-fastopen")) {
		len = case_addr4(&ss, "SEC_TCP_PORT");
		fd = socket(AF_INET, SOCK_STREAM, 0);
		r = sendto(fd, tag, strlen(tag), MSG_FASTOPEN, (struct sockaddr *)&ss, len);
		case_report(how, r);
	} else if (!strcmp(how, "ipv4-mapped")) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		memset(&ss, 0, sizeof(ss));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(case_env("SEC_TCP_PORT")));
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6->sin6_addr);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		r = connect(fd, (struct sockaddr *)&ss, sizeof(*s6));
		case_report(how, r);
		if (r == 0)
			case_send_tag(fd);
	} else if (!strcmp(how, "zero-addr")) {
		len = case_addr4(&ss, "SEC_TCP_PORT");
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_ANY);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		r = connect(fd, (struct sockaddr *)&ss, len);
		case_report(how, r);
		if (r == 0)
			case_send_tag(fd);
	} else if (!strcmp(how, "unix-abstract")) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
		const char *name = case_env("SEC_ABSTRACT");
		memset(&ss, 0, sizeof(ss));
		sun->sun_family = AF_UNIX;
		size_t n = strlen(name);
		if (n >= sizeof(sun->sun_path))
			return 2;
		memcpy(sun->sun_path + 1, name, n);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		r = connect(fd, (struct sockaddr *)&ss,
			    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
		case_report(how, r);
		if (r == 0)
			case_send_tag(fd);
	} else {
		return 2;
	}
	return 0;
}
