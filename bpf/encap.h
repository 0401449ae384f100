/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encapsulation: grow the headroom by one outer IP header (and, for GUE,
 * a UDP and a GUE header; see include/xlb.h), rewrite Ethernet (keeping
 * a VLAN tag) and write the outer headers in front of the untouched
 * inner packet. And the L2 mode's plain MAC rewrite.
 */
#ifndef XLB_ENCAP_H
#define XLB_ENCAP_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xlb.h"
#include "csum.h"
#include "parse.h"

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP	4
#endif
#ifndef IPPROTO_IPV6
#define IPPROTO_IPV6	41
#endif

#define XLB_GUE_LEN	(sizeof(struct udphdr) + XLB_GUE_HDR_LEN)

/* Packet stores may be unaligned (the verifier allows it where the CPU
 * does); word copies keep clang from emitting one store per byte. */
static __always_inline void mac_copy(void *dst, const void *src)
{
	*(__u32 *)dst = *(const __u32 *)src;
	*(__u16 *)(dst + 4) = *(const __u16 *)(src + 4);
}

/*
 * Move data back by outer_len and write the new Ethernet header. Returns
 * a pointer to where the outer IP header goes, or NULL.
 */
static __always_inline void *encap_grow(struct xdp_md *ctx,
					const struct xlb_pkt *pkt,
					const struct xlb_nexthop *nh,
					int outer_len, int outer_max,
					__be16 outer_proto)
{
	struct ethhdr *eth;
	void *data, *data_end;

	if (bpf_xdp_adjust_head(ctx, -outer_len))
		return NULL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	/*
	 * Bounds for the largest headers this family writes (outer_max, a
	 * constant at each inlined call): VLAN + outer IP + GUE. The frame
	 * is longer: the inner packet follows. A bound past this family's
	 * headers would refuse the shortest inner frames (a 42-byte UDP
	 * packet is 62 bytes with an IPv4 header in front).
	 */
	if (data + sizeof(*eth) + 4 + outer_max > data_end)
		return NULL;
	mac_copy(eth->h_dest, nh->dmac);
	mac_copy(eth->h_source, nh->smac);
	if (pkt->has_vlan) {
		struct vlan_hdr_xlb *vh = (void *)(eth + 1);

		eth->h_proto = bpf_htons(ETH_P_8021Q);
		vh->tci = pkt->vlan_tci;
		vh->proto = outer_proto;
		return vh + 1;
	}
	eth->h_proto = outer_proto;
	return eth + 1;
}

/* The UDP and GUE headers after an outer IP header. */
static __always_inline void gue_write(void *p, const struct xlb_pkt *pkt,
				      __be16 port, __u32 hash)
{
	struct udphdr *uh = p;
	__u8 *g = (void *)(uh + 1);

	uh->source = bpf_htons(XLB_GUE_SPORT_BASE | (hash & 0x3fff));
	uh->dest = port;
	uh->len = bpf_htons(pkt->l3_len + XLB_GUE_LEN);
	uh->check = 0;
	*(__u32 *)g = 0;
	g[1] = pkt->key.family == XLB_AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
}

/*
 * gue_port 0: IPIP; else GUE to that port, hash picks the source port.
 * The outer header is built as the two 8-byte words and one 4-byte word
 * it is in memory (little-endian values, network-order fields), its
 * checksum summed from them, and written with three stores.
 */
static __always_inline int encap_ipv4(struct xdp_md *ctx,
				      const struct xlb_pkt *pkt,
				      const struct xlb_nexthop *nh,
				      __be32 saddr, __be32 daddr,
				      __be16 gue_port, __u32 hash)
{
	int glen = gue_port ? XLB_GUE_LEN : 0;
	__u16 tot_len = pkt->l3_len + sizeof(struct iphdr) + glen;
	__u8 proto = gue_port ? IPPROTO_UDP :
		     pkt->key.family == XLB_AF_INET ? IPPROTO_IPIP :
						      IPPROTO_IPV6;
	/* The inner IPv4 id stays unique per inner source for packets that
	 * may be fragmented; with DF set it does not matter. */
	__be16 id = pkt->key.family == XLB_AF_INET ? pkt->ip_id : 0;
	__be16 frag_off = pkt->df ? bpf_htons(IP_DF) : 0;
	__u64 w0, w1;
	void *outer;

	/* version 4, ihl 5, tos, tot_len, id, frag_off */
	w0 = 0x45 | (__u64)pkt->tos << 8 | (__u64)bpf_htons(tot_len) << 16 |
	     (__u64)id << 32 | (__u64)frag_off << 48;
	/* ttl, protocol, check (0 while summing), saddr */
	w1 = XLB_OUTER_TTL | (__u64)proto << 8 | (__u64)saddr << 32;
	w1 |= (__u64)csum_fold64((w0 & 0xffffffff) + (w0 >> 32) +
				 (w1 & 0xffffffff) + (w1 >> 32) + daddr) << 16;

	outer = encap_grow(ctx, pkt, nh, sizeof(struct iphdr) + glen,
			   sizeof(struct iphdr) + XLB_GUE_LEN,
			   bpf_htons(ETH_P_IP));
	if (!outer)
		return -1;
	((__u64 *)outer)[0] = w0;
	((__u64 *)outer)[1] = w1;
	((__u32 *)outer)[4] = daddr;
	if (gue_port)
		gue_write(outer + sizeof(struct iphdr), pkt, gue_port, hash);
	return 0;
}

static __always_inline int encap_ipv6(struct xdp_md *ctx,
				      const struct xlb_pkt *pkt,
				      const struct xlb_nexthop *nh,
				      const __be32 *saddr, const __be32 *daddr,
				      __be16 gue_port, __u32 flow_hash)
{
	int glen = gue_port ? XLB_GUE_LEN : 0;
	struct ipv6hdr hdr = {}, *outer;

	hdr.version = 6;
	hdr.priority = pkt->tos >> 4;
	hdr.flow_lbl[0] = (pkt->tos << 4) | ((flow_hash >> 16) & 0x0f);
	hdr.flow_lbl[1] = flow_hash >> 8;
	hdr.flow_lbl[2] = flow_hash;
	hdr.payload_len = bpf_htons(pkt->l3_len + glen);
	hdr.nexthdr = gue_port ? IPPROTO_UDP :
		      pkt->key.family == XLB_AF_INET ? IPPROTO_IPIP :
						       IPPROTO_IPV6;
	hdr.hop_limit = XLB_OUTER_TTL;
	__builtin_memcpy(&hdr.saddr, saddr, 16);
	__builtin_memcpy(&hdr.daddr, daddr, 16);

	outer = encap_grow(ctx, pkt, nh, sizeof(hdr) + glen,
			   sizeof(hdr) + XLB_GUE_LEN, bpf_htons(ETH_P_IPV6));
	if (!outer)
		return -1;
	*outer = hdr;
	if (gue_port)
		gue_write(outer + 1, pkt, gue_port, flow_hash);
	return 0;
}

/*
 * L2 mode (direct routing): the frame goes to the backend's MAC as it
 * came, IP untouched; the backend holds the VIP on lo.
 */
static __always_inline int l2_rewrite(struct xdp_md *ctx,
				      const struct xlb_nexthop *nh)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	mac_copy(eth->h_dest, nh->dmac);
	mac_copy(eth->h_source, nh->smac);
	return 0;
}

#endif /* XLB_ENCAP_H */
