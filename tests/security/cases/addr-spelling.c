// SPDX-License-Identifier: MIT
/*
 * network: the forbidden listener named by another spelling of 127.0.0.1
 * (argv[1]: 127.1, 0x7f000001, 2130706433), resolved with getaddrinfo and
 * connected to, as a client library would.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	int e = getaddrinfo(argv[1], case_env("SEC_TCP_PORT"), &hints, &res);
	if (e) {
		fprintf(stderr, "getaddrinfo(%s): %s\n", argv[1], gai_strerror(e));
		return 0;
	}
	int fd = socket(res->ai_family, res->ai_socktype, 0);
	int r = connect(fd, res->ai_addr, res->ai_addrlen);
	case_report(argv[1], r);
	if (r == 0)
		case_send_tag(fd);
	freeaddrinfo(res);
	return 0;
}
