// SPDX-License-Identifier: MIT
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ip_route.h"

#define IPOPT_END_  0x00
#define IPOPT_NOOP_ 0x01
#define IPOPT_LSRR_ 0x83
#define IPOPT_SSRR_ 0x89
#define IPOPT_MAX   40 /* the most options an IPv4 header holds */
#ifndef IPV6_2292RTHDR
#define IPV6_2292RTHDR 5
#endif
#ifndef IPV6_2292PKTOPTIONS
#define IPV6_2292PKTOPTIONS 6
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
	/* The old API's sticky options are control messages: a routing header among them. */
	if (level == IPPROTO_IPV6 && name == IPV6_2292PKTOPTIONS)
		return val && len > 0 && ip_route_control(val, len);
	return false;
}

/*
 * Control messages walked as the kernel walks them (for_each_cmsghdr,
 * CMSG_OK), not with libc's macros, which stop earlier on some versions: a
 * message the kernel would refuse (EINVAL) ends the walk, nothing is sent.
 */
bool ip_route_control(const void *control, size_t size)
{
	const unsigned char *base = control;
	size_t off = 0;

	while (control && off <= size && size - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr c;
		memcpy(&c, base + off, sizeof(c));
		if (c.cmsg_len < sizeof(struct cmsghdr) || c.cmsg_len > size - off)
			return false; /* CMSG_OK fails: the kernel refuses the message */
		const unsigned char *data = base + off + CMSG_LEN(0);
		size_t n = c.cmsg_len - CMSG_LEN(0);
		if (c.cmsg_len < CMSG_LEN(0))
			n = 0;
		if (c.cmsg_level == IPPROTO_IP &&
		    (c.cmsg_type == IP_RETOPTS || c.cmsg_type == IP_OPTIONS) &&
		    ipv4_routes(data, n))
			return true;
		if (c.cmsg_level == IPPROTO_IPV6 &&
		    (c.cmsg_type == IPV6_RTHDR || c.cmsg_type == IPV6_2292RTHDR))
			return true;
		size_t step = CMSG_ALIGN(c.cmsg_len);
		if (step > size - off)
			break;
		off += step;
	}
	return false;
}

bool ip_route_cmsg(const struct msghdr *m)
{
	return m && m->msg_control && ip_route_control(m->msg_control, m->msg_controllen);
}
