/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing for the data path. Every read is bounds-checked against
 * data_end; offsets are kept as small scalars and re-checked before use so
 * the verifier can follow them. parse_dst() reads no further than the IP
 * destination address, all the VIP filter needs, and fills nothing: most
 * traffic that is not ours is judged by it alone. parse_packet() parses
 * the whole packet into a struct xlb_pkt and says what kind it is.
 */
#ifndef XLB_PARSE_H
#define XLB_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "xlb.h"

#define XLB_MAX_EXT_HDRS	4	/* IPv6 extension headers walked */

#define IP_MF			0x2000
#define IP_OFFMASK		0x1fff
#define IP_DF			0x4000

#define NEXTHDR_HOP		0
#define NEXTHDR_ROUTING		43
#define NEXTHDR_FRAGMENT	44
#define NEXTHDR_DEST		60

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6		58
#endif

/* struct xlb_pkt.frag */
#define XLB_FRAG_NONE		0
#define XLB_FRAG_FIRST		1	/* offset 0: carries the L4 header */
#define XLB_FRAG_LATER		2	/* no L4 header */

/*
 * What parse_packet() found. PARSE_L4: a well-formed TCP or UDP packet,
 * key complete. PARSE_NOT_IP: not IPv4/IPv6, or no readable address.
 * PARSE_OTHER_L4: well-formed IP, not TCP/UDP; l4_off set.
 * PARSE_FRAGMENT: an IP fragment with addresses, proto, frag, frag_id,
 * l3_len, tos and df set; a first TCP or UDP fragment has its ports and
 * TCP flags too. PARSE_BAD: malformed, key.dst and family set, key.proto
 * set if known (0: unknown).
 */
#define PARSE_L4		0
#define PARSE_NOT_IP		1
#define PARSE_OTHER_L4		2
#define PARSE_FRAGMENT		3
#define PARSE_BAD		4

struct xlb_pkt {
	struct xlb_flow_key key;	/* client 5-tuple; zeroed padding */
	__u32 l3_off;		/* offset of the IP header from data */
	__u32 l3_len;		/* IP packet length, header included */
	__u32 l4_off;		/* offset of the L4 header from data */
	__be32 frag_id;		/* fragments: IP identification */
	__be16 vlan_tci;	/* valid when has_vlan */
	__be16 ip_id;		/* inner IPv4 identification */
	__u8 has_vlan;
	__u8 tos;		/* inner TOS or traffic class */
	__u8 df;		/* inner DF bit; 1 for IPv6 */
	__u8 tcp_flags;		/* byte 13 of the TCP header */
	__u8 frag;		/* XLB_FRAG_* */
	__u8 pad[3];
} __attribute__((aligned(8)));	/* for the 8-byte key stores below */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the key stores below assume a little-endian target"
#endif

/*
 * The key is written in the 8-byte words the kernel reads it in (jhash
 * reads 4-byte words, the key compare 8-byte ones), and right before it
 * reads it: a load that spans two narrower stores still in the store
 * buffer is not forwarded and waits for them to reach the cache.
 * An IPv4 address fills the first word of its zeroed 16 bytes.
 */
static __always_inline void key_addr4_set(__be32 *a, __be32 addr)
{
	*(__u64 *)a = addr;
}

/* Ports (adjacent in TCP and UDP headers), protocol, family, padding. */
static __always_inline void key_ports_set(struct xlb_flow_key *k,
					  const void *l4)
{
	*(__u64 *)&k->sport = *(const __u32 *)l4 | (__u64)k->proto << 32 |
			      (__u64)k->family << 40;
}

struct vlan_hdr_xlb {
	__be16 tci;
	__be16 proto;
};

/* TCP flags byte */
#define TCPF_FIN	0x01
#define TCPF_SYN	0x02
#define TCPF_RST	0x04
#define TCPF_ACK	0x10

/*
 * TCP or UDP header at l4_off, l4_len bytes of IP payload. Returns
 * PARSE_L4, PARSE_OTHER_L4 or PARSE_BAD. In a first fragment the UDP
 * length covers the whole datagram, beyond l4_len.
 */
static __always_inline int parse_l4(void *data, void *data_end,
				    __u32 l4_off, __u32 l4_len,
				    struct xlb_pkt *pkt)
{
	/* Callers bounded l4_off; mask again so the verifier sees a
	 * small offset after the arithmetic. */
	void *l4 = data + (l4_off & 0x3fff);

	pkt->l4_off = l4_off & 0x3fff;
	if (pkt->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if (l4_len < sizeof(*th) || (void *)(th + 1) > data_end)
			return PARSE_BAD;
		if (th->doff < 5 || th->doff * 4u > l4_len)
			return PARSE_BAD;
		key_ports_set(&pkt->key, th);
		pkt->tcp_flags = ((__u8 *)th)[13];
		return PARSE_L4;
	}
	if (pkt->key.proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;
		__u32 ulen;

		if (l4_len < sizeof(*uh) || (void *)(uh + 1) > data_end)
			return PARSE_BAD;
		ulen = bpf_ntohs(uh->len);
		if (ulen < sizeof(*uh) ||
		    (ulen > l4_len && pkt->frag != XLB_FRAG_FIRST))
			return PARSE_BAD;
		key_ports_set(&pkt->key, uh);
		return PARSE_L4;
	}
	return PARSE_OTHER_L4;
}

static __always_inline int parse_ipv4(void *data, void *data_end,
				      struct xlb_pkt *pkt)
{
	struct iphdr *iph = data + pkt->l3_off;
	__u32 frame_len = data_end - data;
	__u32 hlen, tot_len, frag;
	int rc;

	if ((void *)(iph + 1) > data_end)
		return PARSE_NOT_IP;	/* no address to judge it by */
	pkt->key.family = XLB_AF_INET;
	key_addr4_set(pkt->key.src, iph->saddr);
	key_addr4_set(pkt->key.dst, iph->daddr);
	pkt->key.proto = iph->protocol;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_BAD;
	hlen = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < hlen || pkt->l3_off + tot_len > frame_len)
		return PARSE_BAD;
	pkt->l3_len = tot_len;
	pkt->tos = iph->tos;
	pkt->df = !!(iph->frag_off & bpf_htons(IP_DF));
	pkt->ip_id = iph->id;
	frag = bpf_ntohs(iph->frag_off) & (IP_MF | IP_OFFMASK);
	if (!frag)
		return parse_l4(data, data_end, pkt->l3_off + hlen,
				tot_len - hlen, pkt);
	pkt->frag_id = iph->id;
	if (frag & IP_OFFMASK) {
		pkt->frag = XLB_FRAG_LATER;
		return PARSE_FRAGMENT;
	}
	pkt->frag = XLB_FRAG_FIRST;
	rc = parse_l4(data, data_end, pkt->l3_off + hlen, tot_len - hlen,
		      pkt);
	return rc == PARSE_BAD ? PARSE_BAD : PARSE_FRAGMENT;
}

static __always_inline int parse_ipv6(void *data, void *data_end,
				      struct xlb_pkt *pkt)
{
	struct ipv6hdr *ip6 = data + pkt->l3_off;
	__u32 frame_len = data_end - data;
	__u32 off, end, plen;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return PARSE_NOT_IP;
	pkt->key.family = XLB_AF_INET6;
	__builtin_memcpy(pkt->key.src, &ip6->saddr, 16);
	__builtin_memcpy(pkt->key.dst, &ip6->daddr, 16);
	if (ip6->version != 6)
		return PARSE_BAD;
	plen = bpf_ntohs(ip6->payload_len);
	off = pkt->l3_off + sizeof(*ip6);
	end = off + plen;
	if (plen == 0 || end > frame_len)
		return PARSE_BAD;	/* jumbograms are not ours either */
	nh = ip6->nexthdr;

#pragma unroll
	for (i = 0; i < XLB_MAX_EXT_HDRS; i++) {
		__u8 *eh;

		if (nh != NEXTHDR_HOP && nh != NEXTHDR_ROUTING &&
		    nh != NEXTHDR_DEST)
			break;
		/* off grows by at most 2 KiB a header: the mask keeps the
		 * verifier's range small without changing the value. */
		eh = data + (off & 0x3fff);
		if (off + 2 > end || (void *)(eh + 2) > data_end)
			return PARSE_BAD;
		nh = eh[0];
		off += (eh[1] + 1) * 8;
	}
	if (nh == NEXTHDR_HOP || nh == NEXTHDR_ROUTING || nh == NEXTHDR_DEST)
		return PARSE_BAD;	/* more headers than we walk */
	if (off > end)
		return PARSE_BAD;
	pkt->l3_len = sizeof(*ip6) + plen;
	pkt->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	pkt->df = 1;
	if (nh == NEXTHDR_FRAGMENT) {
		__u8 *fh = data + (off & 0x3fff);
		__u16 fo;
		int rc;

		if (off + 8 > end || (void *)(fh + 8) > data_end)
			return PARSE_BAD;
		pkt->key.proto = fh[0];
		pkt->frag_id = *(__be32 *)(fh + 4);
		fo = bpf_ntohs(*(__be16 *)(fh + 2));
		if (fo & 0xfff8) {
			pkt->frag = XLB_FRAG_LATER;
			return PARSE_FRAGMENT;
		}
		/* Offset 0, with or without more fragments (an atomic
		 * fragment, RFC 6946, is steered the same way). */
		pkt->frag = XLB_FRAG_FIRST;
		off += 8;
		rc = parse_l4(data, data_end, off, end - off, pkt);
		return rc == PARSE_BAD ? PARSE_BAD : PARSE_FRAGMENT;
	}
	pkt->key.proto = nh;
	return parse_l4(data, data_end, off, end - off, pkt);
}

/*
 * An ICMP or ICMPv6 error (destination unreachable, packet too big, time
 * exceeded) quotes the packet that caused it. For a VIP flow that packet
 * went from the VIP to the client (a backend's direct reply), so the
 * flow's key is the quoted tuple swapped. Fills *k and returns 0 when the
 * quote holds an IP header of the packet's family and the TCP or UDP
 * ports; -1 for anything else (other ICMP types, truncated or fragmented
 * quotes, IPv6 extension headers in the quote): the kernel judges those.
 */
static __always_inline int parse_icmp_error(void *data, void *data_end,
					    const struct xlb_pkt *pkt,
					    struct xlb_flow_key *k)
{
	__u32 off = pkt->l4_off & 0x3fff, end = pkt->l3_off + pkt->l3_len;
	__u8 *icmp = data + off;
	__u16 *ports;

	if (off + 8 > end || (void *)(icmp + 8) > data_end)
		return -1;
	off += 8;
	if (pkt->key.family == XLB_AF_INET) {
		struct iphdr *in = data + off;
		__u32 hl;

		if (pkt->key.proto != IPPROTO_ICMP ||
		    (icmp[0] != 3 && icmp[0] != 11))
			return -1;
		if (off + sizeof(*in) > end || (void *)(in + 1) > data_end)
			return -1;
		if (in->version != 4 || in->ihl < 5 ||
		    (in->frag_off & bpf_htons(IP_OFFMASK)))
			return -1;
		if (in->protocol != IPPROTO_TCP &&
		    in->protocol != IPPROTO_UDP)
			return -1;
		hl = in->ihl * 4;
		ports = data + ((off + hl) & 0x3fff);
		if (off + hl + 4 > end || (void *)(ports + 2) > data_end)
			return -1;
		k->src[0] = in->daddr;
		k->dst[0] = in->saddr;
		k->proto = in->protocol;
		k->family = XLB_AF_INET;
	} else {
		struct ipv6hdr *in = data + off;

		if (pkt->key.proto != IPPROTO_ICMPV6 ||
		    icmp[0] < 1 || icmp[0] > 3)
			return -1;
		if (off + sizeof(*in) > end || (void *)(in + 1) > data_end)
			return -1;
		if (in->version != 6 || (in->nexthdr != IPPROTO_TCP &&
					 in->nexthdr != IPPROTO_UDP))
			return -1;
		ports = (void *)(in + 1);
		if (off + sizeof(*in) + 4 > end ||
		    (void *)(ports + 2) > data_end)
			return -1;
		__builtin_memcpy(k->src, &in->daddr, 16);
		__builtin_memcpy(k->dst, &in->saddr, 16);
		k->proto = in->nexthdr;
		k->family = XLB_AF_INET6;
	}
	k->sport = ports[1];
	k->dport = ports[0];
	return 0;
}

/*
 * Ethernet (at most one 802.1Q tag) to the IP destination address.
 * Returns its family (XLB_AF_*), the IP header's offset in *l3_off and
 * in *dst_xor the xor of the address's 32-bit words, the VIP filter's
 * input; 0 when the frame carries no IP header whose addresses can be
 * read (what parse_packet() would call PARSE_NOT_IP).
 */
static __always_inline int parse_dst(void *data, void *data_end,
				     __u32 *l3_off, __u32 *dst_xor)
{
	void *l3 = data + sizeof(struct ethhdr);
	__be16 proto;

	if (l3 > data_end)
		return 0;
	/* h_proto of the packed struct ethhdr would be read byte by byte. */
	proto = ((__be16 *)data)[6];
	*l3_off = sizeof(struct ethhdr);
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr_xlb *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return 0;
		proto = vh->proto;
		l3 = vh + 1;
		*l3_off += sizeof(*vh);
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > data_end)
			return 0;
		*dst_xor = iph->daddr;
		return XLB_AF_INET;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;
		__u32 *d = (__u32 *)&ip6->daddr;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		*dst_xor = d[0] ^ d[1] ^ d[2] ^ d[3];
		return XLB_AF_INET6;
	}
	return 0;
}

/*
 * The whole packet, from what parse_dst() found: the IP header of family
 * at l3_off, after Ethernet and a VLAN tag if l3_off says so.
 */
static __always_inline int parse_packet(void *data, void *data_end,
					int family, __u32 l3_off,
					struct xlb_pkt *pkt)
{
	pkt->l3_off = l3_off;
	if (l3_off != sizeof(struct ethhdr)) {
		struct vlan_hdr_xlb *vh = data + sizeof(struct ethhdr);

		if ((void *)(vh + 1) > data_end)
			return PARSE_NOT_IP;
		pkt->has_vlan = 1;
		pkt->vlan_tci = vh->tci;
	}
	if (family == XLB_AF_INET)
		return parse_ipv4(data, data_end, pkt);
	return parse_ipv6(data, data_end, pkt);
}

#endif /* XLB_PARSE_H */
