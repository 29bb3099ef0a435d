// SPDX-License-Identifier: MIT
/*
 * network: the tag sent as a hand-made IPv4/UDP packet through an AF_PACKET
 * socket on the loopback interface, below every address check, to the
 * listener on this host's address ($SEC_HOST_IP; the kernel drops loopback
 * addresses arriving this way as martians). Needs CAP_NET_RAW, which Lambda
 * functions do not have. With "inet": the same socket spelled
 * socket(AF_INET, SOCK_PACKET), the kernel's old name for it, and the frame
 * sent with its link-level header through a sockaddr_pkt.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"

static uint16_t ip_checksum(const void *data, size_t len)
{
	const uint16_t *w = data;
	uint32_t sum = 0;
	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int main(int argc, char **argv)
{
	const char *tag = case_env("SEC_TAG");
	size_t tag_len = strlen(tag);
	bool inet = argc > 1 && strcmp(argv[1], "inet") == 0;
	int fd = inet ? socket(AF_INET, SOCK_PACKET, htons(ETH_P_ALL))
		      : socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	case_report(inet ? "socket(AF_INET, SOCK_PACKET)" : "socket(AF_PACKET)", fd);
	if (fd < 0)
		return 0;
	unsigned char frame[1500];
	/* SOCK_PACKET sends the link-level header too (loopback's: zeros, then the type). */
	size_t link = inet ? sizeof(struct ethhdr) : 0;
	unsigned char *pkt = frame + link;
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(pkt + sizeof(*ip));
	size_t total = sizeof(*ip) + sizeof(*udp) + tag_len;
	if (link + total > sizeof(frame))
		return 2;
	memset(frame, 0, link + sizeof(*ip) + sizeof(*udp));
	if (inet)
		((struct ethhdr *)frame)->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)total);
	/* A documentation address as the source: a local one would be a martian too. */
	inet_pton(AF_INET, "198.51.100.7", &ip->saddr);
	if (inet_pton(AF_INET, case_env("SEC_HOST_IP"), &ip->daddr) != 1)
		return 2;
	ip->check = ip_checksum(ip, sizeof(*ip));
	udp->source = htons(40000);
	udp->dest = htons((uint16_t)atoi(case_env("SEC_UDP_ANY_PORT")));
	udp->len = htons((uint16_t)(sizeof(*udp) + tag_len));
	memcpy(pkt + sizeof(*ip) + sizeof(*udp), tag, tag_len);
	long r;
	if (inet) {
		struct sockaddr_pkt sp = {.spkt_family = AF_PACKET,
					  .spkt_protocol = htons(ETH_P_IP)};
		memcpy(sp.spkt_device, "lo", 3);
		r = sendto(fd, frame, link + total, 0, (struct sockaddr *)&sp, sizeof(sp));
	} else {
		struct sockaddr_ll ll = {.sll_family = AF_PACKET,
					 .sll_protocol = htons(ETH_P_IP),
					 .sll_ifindex = (int)if_nametoindex("lo"),
					 .sll_halen = ETH_ALEN};
		r = sendto(fd, pkt, total, 0, (struct sockaddr *)&ll, sizeof(ll));
	}
	case_report("sendto(AF_PACKET)", r);
	return 0;
}
