/* SPDX-License-Identifier: MIT */
/*
 * dns_peer — the peers of datagram sockets a program "connected" to a DNS
 * port (net_ops.c): such a socket is left unconnected in the kernel, so that
 * nothing reaches the resolver but what the shim judged, and its peer is
 * kept here, by the socket's identity (device and inode: a dup of it, or the
 * same socket under another number, is the same entry).
 *
 * A fixed table; the least recently used entry makes room for a new one
 * (its socket, unconnected, then sends nowhere: EDESTADDRREQ). A mutex
 * guards it, reset in a fork child. Not for signal handlers.
 */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>

#define DNS_PEER_SLOTS 16

/* Whether addr is an AF_INET or AF_INET6 address with port 53. */
bool dns_peer_port(const struct sockaddr *addr, socklen_t len);

/* Keeps addr as fd's peer (replacing any); -errno (ENOTSOCK: fd is no socket). */
int dns_peer_set(int fd, const struct sockaddr *addr, socklen_t len);

/* Forgets fd's peer, if it has one. */
void dns_peer_forget(int fd);

/* fd's peer into *addr (*len its size): true, or false when it has none. */
bool dns_peer_get(int fd, struct sockaddr_storage *addr, socklen_t *len);
