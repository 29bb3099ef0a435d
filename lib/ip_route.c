// SPDX-License-Identifier: MIT
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "ip_route.h"

#define IPOPT_END_  0x00
#define IPOPT_NOOP_ 0x01
#define IPOPT_LSRR_ 0x83
#define IPOPT_SSRR_ 0x89
#define IPOPT_MAX   40 /* the most options an IPv4 header holds */
#ifndef IPV6_2292RTHDR
#define IPV6_2292RTHDR 5
#endif

/* IPv4 options, read as the kernel reads them (ip_options_compile); damaged ones count. */
static bool ipv4_routes(const unsigned char *opt, size_t len)
{
	size_t i = 0;

	if (len > IPOPT_MAX)
		return true; /* the kernel refuses it; not a reason to read past 40 */
	while (i < len) {
		unsigned char type = opt[i];
		if (type == IPOPT_END_)
			return false;
		if (type == IPOPT_NOOP_) {
			i++;
			continue;
		}
		if (type == IPOPT_LSRR_ || type == IPOPT_SSRR_)
			return true;
		if (i + 1 >= len || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return true;
		i += opt[i + 1];
	}
	return false;
}

bool ip_route_sockopt(int level, int name, const void *val, socklen_t len)
{
	if (level == IPPROTO_IP && name == IP_OPTIONS)
		return val && len > 0 && ipv4_routes(val, len);
	if (level == IPPROTO_IPV6 && (name == IPV6_RTHDR || name == IPV6_2292RTHDR))
		return val && len > 0;
	return false;
}

bool ip_route_cmsg(const struct msghdr *m)
{
	if (!m || !m->msg_control || m->msg_controllen < sizeof(struct cmsghdr))
		return false;
	/* CMSG_NXTHDR takes pointers it does not write through. */
	struct msghdr *mm = (struct msghdr *)m;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mm); c; c = CMSG_NXTHDR(mm, c)) {
		if (c->cmsg_len < CMSG_LEN(0))
			return false; /* the kernel refuses the message */
		size_t n = c->cmsg_len - CMSG_LEN(0);
		if (c->cmsg_level == IPPROTO_IP &&
		    (c->cmsg_type == IP_RETOPTS || c->cmsg_type == IP_OPTIONS) &&
		    ipv4_routes(CMSG_DATA(c), n))
			return true;
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    (c->cmsg_type == IPV6_RTHDR || c->cmsg_type == IPV6_2292RTHDR))
			return true;
	}
	return false;
}
