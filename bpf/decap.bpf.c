// SPDX-License-Identifier: GPL-2.0
/*
 * xlb backend-side decapsulation. The load balancer wraps each client
 * packet in an outer IP header (IPIP, IP6IP6, IPv6-in-IPv4, IPv4-in-IPv6)
 * addressed to the backend; hosts without kernel tunnel modules run this
 * program to strip that header so the kernel receives the client's packet
 * as if it had arrived directly (the VIP lives on the backend's lo).
 *
 * Only tunnels addressed to one of this host's addresses (xlb_decap_addrs,
 * filled by xlb-decap) are touched, so transit tunnels pass through. A
 * tunnel to us whose inner header is not sane is dropped and counted:
 * passing it would hand the kernel an IPIP packet it has no handler for.
 * Everything else goes to the kernel untouched.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xlb.h"

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_DECAP_ADDRS_MAX);
	__type(key, struct xlb_addr_key);
	__type(value, __u32);	/* ifindex the address was found on */
} xlb_decap_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_DECAP_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xlb_ctr);	/* packets and bytes */
} xlb_decap_stats SEC(".maps");

/*
 * The GUE port, network order; xlb-decap sets it before loading (0: no
 * GUE). UDP to another port is ordinary traffic and passes.
 */
const volatile __be16 gue_port = 0;

static __always_inline int count(__u32 idx, __u64 bytes, int verdict)
{
	struct xlb_ctr *c = bpf_map_lookup_elem(&xlb_decap_stats, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
	return verdict;
}

/*
 * A tunnel to us: the outer header is olen bytes at l2len, and plen bytes
 * of payload follow it inside the outer datagram. Check the inner header,
 * move the Ethernet header (and VLAN tag) forward over the outer header
 * and fix the ethertype. Returns the verdict.
 */
static __always_inline int strip(struct xdp_md *ctx, __u32 l2len, __u32 olen,
				 __u32 plen, __u8 inner)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 len = end - data;
	struct ethhdr eth;
	struct vlan_hdr vlan;
	__be16 new_proto;

	/* Masks restate bounds the verifier cannot carry through the caller's
	 * branches: l2len is 14 or 18, olen 20..72 (IPv4 with options and
	 * GUE's 12 bytes). */
	l2len &= 0x1f;
	olen &= 0x7f;
	if (inner == IPPROTO_IPIP) {
		struct iphdr *in = data + l2len + olen;

		if ((void *)(in + 1) > end)
			goto malformed;
		if (in->version != 4 || in->ihl < 5 ||
		    bpf_ntohs(in->tot_len) < in->ihl * 4 ||
		    bpf_ntohs(in->tot_len) > plen)
			goto malformed;
		new_proto = bpf_htons(ETH_P_IP);
	} else {
		struct ipv6hdr *in6 = data + l2len + olen;

		if ((void *)(in6 + 1) > end)
			goto malformed;
		if (in6->version != 6 ||
		    sizeof(*in6) + bpf_ntohs(in6->payload_len) > plen)
			goto malformed;
		new_proto = bpf_htons(ETH_P_IPV6);
	}

	if (data + sizeof(eth) + sizeof(vlan) > end)
		goto malformed;
	__builtin_memcpy(&eth, data, sizeof(eth));
	__builtin_memcpy(&vlan, data + sizeof(eth), sizeof(vlan));

	/* The frame is at least l2len + olen + 20 bytes long, so this cannot
	 * fail; if it did, nothing has been changed yet. */
	if (bpf_xdp_adjust_head(ctx, (int)olen))
		goto malformed;

	/* From here on the outer header is gone: every exit drops, so a
	 * half-stripped frame never reaches the kernel. */
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + sizeof(eth) + sizeof(vlan) > end)
		return count(XLB_DECAP_STAT_MALFORMED, len, XDP_DROP);
	if (l2len == sizeof(eth) + sizeof(vlan)) {
		vlan.proto = new_proto;
		__builtin_memcpy(data + sizeof(eth), &vlan, sizeof(vlan));
	} else {
		eth.h_proto = new_proto;
	}
	__builtin_memcpy(data, &eth, sizeof(eth));
	return count(XLB_DECAP_STAT_DECAP, len, XDP_PASS);

malformed:
	return count(XLB_DECAP_STAT_MALFORMED, len, XDP_DROP);
}

#define GUE_LEN		(sizeof(struct udphdr) + XLB_GUE_HDR_LEN)
#define GUE_NOT_OURS	-2

/*
 * UDP at off, ulen bytes of outer payload: GUE_NOT_OURS if not to the
 * GUE port, -1 if GUE but not what xlb sends (another version, control
 * messages, optional fields, an inner protocol other than IPv4/IPv6, a
 * UDP length that disagrees), else the inner protocol (4 or 41).
 */
static __always_inline int gue_inner(void *data, void *end, __u32 off,
				     __u32 ulen)
{
	struct udphdr *uh = data + (off & 0x7f);
	__u8 *g = (void *)(uh + 1);

	/* A UDP header too short to have a port is the kernel's to judge. */
	if ((void *)(uh + 1) > end || uh->dest != gue_port)
		return GUE_NOT_OURS;
	if ((void *)(g + XLB_GUE_HDR_LEN) > end)
		return -1;
	if (ulen < GUE_LEN || bpf_ntohs(uh->len) != ulen)
		return -1;
	/* Version 0, C 0, Hlen 0: no options; flags 0. */
	if (g[0] || g[2] || g[3])
		return -1;
	if (g[1] != IPPROTO_IPIP && g[1] != IPPROTO_IPV6)
		return -1;
	return g[1];
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 len = end - data;
	struct ethhdr *eth = data;
	struct xlb_addr_key key = {};
	__u32 l2len = sizeof(*eth);
	__be16 proto;

	if ((void *)(eth + 1) > end)
		goto pass;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr *vh = data + sizeof(*eth);

		if ((void *)(vh + 1) > end)
			goto pass;
		proto = vh->proto;
		l2len += sizeof(*vh);
	}

	/*
	 * IP-in-IP, and GUE (include/xlb.h): outer UDP to the GUE port, the
	 * 4-byte variant 0 header, then the inner packet. The UDP checksum
	 * is not checked (xlb sends none; the inner packet has its own).
	 */
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + l2len;
		__u32 olen, tot;

		if ((void *)(ip + 1) > end)
			goto pass;
		if (ip->protocol != IPPROTO_IPIP &&
		    ip->protocol != IPPROTO_IPV6 &&
		    (ip->protocol != IPPROTO_UDP || !gue_port))
			goto pass;
		key.family = XLB_AF_INET;
		key.addr[0] = ip->daddr;
		if (!bpf_map_lookup_elem(&xlb_decap_addrs, &key))
			goto pass;
		/* A fragment cannot be decapsulated without reassembly; a
		 * kernel with tunnel modules can still handle it. */
		if (ip->frag_off & bpf_htons(0x3fff))
			goto pass;
		/* The outer checksum is not checked: the kernel checks the
		 * inner one, which covers what it acts on. */
		olen = ip->ihl * 4;
		tot = bpf_ntohs(ip->tot_len);
		if (ip->version != 4 || olen < sizeof(*ip) || tot < olen ||
		    l2len + tot > len)
			return count(XLB_DECAP_STAT_MALFORMED, len, XDP_DROP);
		if (ip->protocol == IPPROTO_UDP) {
			int inner = gue_inner(data, end, l2len + olen,
					      tot - olen);

			if (inner == GUE_NOT_OURS)
				goto pass;
			if (inner < 0)
				return count(XLB_DECAP_STAT_MALFORMED, len,
					     XDP_DROP);
			return strip(ctx, l2len, olen + GUE_LEN,
				     tot - olen - GUE_LEN, inner);
		}
		return strip(ctx, l2len, olen, tot - olen,
			     ip->protocol == IPPROTO_IPIP ? IPPROTO_IPIP :
							    IPPROTO_IPV6);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + l2len;
		__u32 plen;

		if ((void *)(ip6 + 1) > end)
			goto pass;
		/* Extension headers between the outer and inner header are not
		 * something the load balancer sends: such packets pass. */
		if (ip6->nexthdr != IPPROTO_IPIP &&
		    ip6->nexthdr != IPPROTO_IPV6 &&
		    (ip6->nexthdr != IPPROTO_UDP || !gue_port))
			goto pass;
		key.family = XLB_AF_INET6;
		__builtin_memcpy(key.addr, &ip6->daddr, sizeof(key.addr));
		if (!bpf_map_lookup_elem(&xlb_decap_addrs, &key))
			goto pass;
		plen = bpf_ntohs(ip6->payload_len);
		if (ip6->version != 6 || l2len + sizeof(*ip6) + plen > len)
			return count(XLB_DECAP_STAT_MALFORMED, len, XDP_DROP);
		if (ip6->nexthdr == IPPROTO_UDP) {
			int inner = gue_inner(data, end, l2len + sizeof(*ip6),
					      plen);

			if (inner == GUE_NOT_OURS)
				goto pass;
			if (inner < 0)
				return count(XLB_DECAP_STAT_MALFORMED, len,
					     XDP_DROP);
			return strip(ctx, l2len, sizeof(*ip6) + GUE_LEN,
				     plen - GUE_LEN, inner);
		}
		return strip(ctx, l2len, sizeof(*ip6), plen,
			     ip6->nexthdr == IPPROTO_IPIP ? IPPROTO_IPIP :
							    IPPROTO_IPV6);
	}
pass:
	return count(XLB_DECAP_STAT_PASS, len, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
