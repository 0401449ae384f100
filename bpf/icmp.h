/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "Fragmentation needed" (ICMP type 3 code 4) and ICMPv6 "packet too big"
 * built in place from a packet that will not fit the path to its backend
 * once encapsulated, and sent back out of the interface it came in on.
 *
 * The frame grows by the new IP and ICMP headers in front; the original
 * IP packet stays where it is and becomes the quote, and the tail is cut
 * after XLB_ICMP_QUOTE bytes of it. A fixed quote keeps the checksum to
 * one bpf_csum_diff() call (which takes at most 512 bytes) and is more
 * than both RFCs ask for the client to find its socket: the IPv4 header
 * and 8 bytes (RFC 792), the IPv6 header and the TCP/UDP ports (RFC
 * 4443's "as much as fits in 1280" is a should).
 */
#ifndef XLB_ICMP_H
#define XLB_ICMP_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xlb.h"
#include "csum.h"
#include "parse.h"
#include "encap.h"

#define XLB_ICMP_QUOTE		128	/* bytes of the original packet */
#define XLB_ICMP_TTL		64
#define XLB_ICMP_TOS		0xc0	/* internetwork control */

struct xlb_icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 check;
	__be32 rest;	/* IPv4: unused 16 bits + next-hop MTU; v6: MTU */
};

/*
 * Rewrite the frame into the reply. mtu is what the client must use: the
 * path's MTU less the encapsulation. The reply comes from the VIP (the
 * address the client sent to) to the client, Ethernet addresses swapped,
 * a VLAN tag kept. frame_len is the frame's length as it came. Returns 0
 * or -1 (frame unchanged only if -1 comes before the first adjust; the
 * caller drops either way).
 */
static __always_inline int icmp_too_big(struct xdp_md *ctx,
					const struct xlb_pkt *pkt, __u32 mtu,
					__u64 frame_len)
{
	int v6 = pkt->key.family == XLB_AF_INET6;
	int hdr = (v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
		  sizeof(struct xlb_icmp_hdr);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_icmp_hdr ih = {};
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN];
	struct ethhdr *eth = data;
	__u32 l2, len;
	void *l3;
	__u64 sum;

	if (pkt->l3_len < XLB_ICMP_QUOTE || (void *)(eth + 1) > data_end)
		return -1;
	mac_copy(dmac, eth->h_source);
	mac_copy(smac, eth->h_dest);
	if (bpf_xdp_adjust_head(ctx, -hdr))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	/* Bounds for the largest reply: VLAN + IPv6 + ICMPv6 + quote. */
	if (data + sizeof(*eth) + 4 + sizeof(struct ipv6hdr) +
	    sizeof(ih) + XLB_ICMP_QUOTE > data_end)
		return -1;
	mac_copy(eth->h_dest, dmac);
	mac_copy(eth->h_source, smac);
	if (pkt->has_vlan) {
		struct vlan_hdr_xlb *vh = (void *)(eth + 1);

		eth->h_proto = bpf_htons(ETH_P_8021Q);
		vh->tci = pkt->vlan_tci;
		vh->proto = bpf_htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
		l3 = vh + 1;
		l2 = sizeof(*eth) + sizeof(*vh);
	} else {
		eth->h_proto = bpf_htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
		l3 = eth + 1;
		l2 = sizeof(*eth);
	}
	/* The quote starts right after our headers: the old IP header. */
	sum = bpf_csum_diff(NULL, 0, l3 + hdr, XLB_ICMP_QUOTE, 0) &
	      0xffffffffull;
	if (!v6) {
		struct iphdr ip = {};

		ih.type = 3;		/* destination unreachable */
		ih.code = 4;		/* fragmentation needed, DF set */
		ih.rest = bpf_htonl(mtu & 0xffff);
		ih.check = csum_fold64(csum_add_words(sum, &ih, 2));
		ip.version = 4;
		ip.ihl = 5;
		ip.tos = XLB_ICMP_TOS;
		ip.tot_len = bpf_htons(sizeof(ip) + sizeof(ih) +
				       XLB_ICMP_QUOTE);
		ip.ttl = XLB_ICMP_TTL;
		ip.protocol = IPPROTO_ICMP;
		ip.saddr = pkt->key.dst[0];
		ip.daddr = pkt->key.src[0];
		ip.check = csum_ipv4_hdr(&ip);
		*(struct iphdr *)l3 = ip;
		*(struct xlb_icmp_hdr *)(l3 + sizeof(ip)) = ih;
	} else {
		struct ipv6hdr ip = {};
		__u32 plen = sizeof(ih) + XLB_ICMP_QUOTE;

		ip.version = 6;
		ip.payload_len = bpf_htons(plen);
		ip.nexthdr = IPPROTO_ICMPV6;
		ip.hop_limit = XLB_ICMP_TTL;
		__builtin_memcpy(&ip.saddr, pkt->key.dst, 16);
		__builtin_memcpy(&ip.daddr, pkt->key.src, 16);
		ih.type = 2;		/* packet too big */
		ih.rest = bpf_htonl(mtu);
		/* Pseudo header: addresses, length, next header. */
		sum = csum_add_words(sum, &ip.saddr, 8);
		sum += bpf_htonl(plen) + bpf_htonl(IPPROTO_ICMPV6);
		ih.check = csum_fold64(csum_add_words(sum, &ih, 2));
		*(struct ipv6hdr *)l3 = ip;
		*(struct xlb_icmp_hdr *)(l3 + sizeof(ip)) = ih;
	}
	/* From the length as it came, not from the pointers: 32-bit
	 * codegen (-mcpu=v3) would subtract them in 32 bits, which the
	 * verifier refuses. */
	len = l2 + hdr + XLB_ICMP_QUOTE;
	if (bpf_xdp_adjust_tail(ctx, (int)len - (int)(frame_len + hdr)))
		return -1;
	return 0;
}

#endif /* XLB_ICMP_H */
