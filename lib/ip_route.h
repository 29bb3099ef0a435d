/* SPDX-License-Identifier: MIT */
/*
 * ip_route — socket options that route a packet through hosts of the
 * sender's choosing: IPv4's loose and strict source route options (LSRR,
 * SSRR) and IPv6 routing headers. The kernel sends such a packet to the
 * first hop the route names, whatever destination a rule judged (only the
 * port has to match), so net_ops.c refuses them in setsockopt and in
 * sendmsg's control messages. A pure reader: no system call, no event.
 */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>

/*
 * Whether setsockopt(level, name, val, len) sets a route: IP_OPTIONS holding
 * a source route (or options too damaged to tell), IPV6_RTHDR (any).
 */
bool ip_route_sockopt(int level, int name, const void *val, socklen_t len);

/* Whether control data (size bytes) carries a route (IP_RETOPTS, IPV6_RTHDR). */
bool ip_route_control(const void *control, size_t size);

/* ip_route_control of a message's control data. */
bool ip_route_cmsg(const struct msghdr *m);
