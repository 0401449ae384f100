// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs of `make bench-e2e` (tests/bench/e2e.sh), loaded by
 * tests/bench/e2e_gen.c:
 *
 * e2e_gen   the traffic generator, run by BPF_PROG_TEST_RUN in live-frame
 *           mode on the generator's veth: it writes a whole TCP/IPv4 frame
 *           (a recycled page holds whatever the load balancer left in it),
 *           gives it the next source address and port and returns XDP_TX,
 *           which sends it to the load balancer's end of the veth.
 * e2e_sink  on the same veth: counts the IPv4 frames that come back from
 *           the load balancer, split by whether they are addressed to a
 *           backend, and drops them; the rest (ARP) goes up the stack.
 * e2e_fwd   the ceiling: the least an XDP balancer must do per packet
 *           (pick a backend from the tuple, push an outer IPv4 header,
 *           rewrite Ethernet, XDP_TX) with no conntrack, no table and no
 *           route lookup.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define E2E_FRAME_LEN	(ETH_HLEN + 20 + 20)
#define E2E_MAX_BE	8

/* Generator: the frame, and the one's-complement sums of its IPv4 and TCP
 * checksums with the varying fields (source address low half, source
 * port) and the checksums themselves zero. */
const volatile __u8 gen_frame[E2E_FRAME_LEN];
const volatile __u32 gen_ip_sum;
const volatile __u32 gen_tcp_sum;
/* 0: a new tuple every packet; N: cycle over N tuples. */
const volatile __u32 gen_flows;

/* Forwarder: own MAC and address, backends' addresses and MACs. */
const volatile __u8 fwd_mac[ETH_ALEN];
const volatile __be32 fwd_src;
const volatile __u32 fwd_nbe = 1;
const volatile __be32 fwd_be_addr[E2E_MAX_BE];
const volatile __u8 fwd_be_mac[E2E_MAX_BE][ETH_ALEN];

/* Sink: backends are sink_net/sink_mask (network byte order). */
const volatile __be32 sink_net;
const volatile __be32 sink_mask;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gen_ctr SEC(".maps");

/* [0] frames to a backend, [1] anything else */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} sink_ctr SEC(".maps");

static __always_inline __u16 fold(__u64 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s;
}

SEC("xdp")
int e2e_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *f = data;
	__u32 zero = 0, i;
	__u64 *c, n;
	__u16 port, lo;
	struct iphdr *ip;
	struct tcphdr *th;

	if (data + E2E_FRAME_LEN > end)
		return XDP_DROP;
	c = bpf_map_lookup_elem(&gen_ctr, &zero);
	if (!c)
		return XDP_DROP;
	n = (*c)++;
	if (gen_flows)
		n %= gen_flows;
	for (i = 0; i < E2E_FRAME_LEN; i++)
		f[i] = gen_frame[i];
	/* Ports 1024..65535, then the next source address. */
	port = 1024 + n % 64512;
	lo = n / 64512;
	ip = data + ETH_HLEN;
	th = (void *)(ip + 1);
	((__be16 *)&ip->saddr)[1] = bpf_htons(lo);
	th->source = bpf_htons(port);
	ip->check = bpf_htons(fold((__u64)gen_ip_sum + lo));
	th->check = bpf_htons(fold((__u64)gen_tcp_sum + lo + port));
	return XDP_TX;
}

SEC("xdp")
int e2e_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + ETH_HLEN;
	__u32 idx = 1;
	__u64 *c;

	/* ARP and IPv6 go up: the namespace answers for the backends. */
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if ((void *)(ip + 1) <= end && (ip->daddr & sink_mask) == sink_net)
		idx = 0;
	c = bpf_map_lookup_elem(&sink_ctr, &idx);
	if (c)
		(*c)++;
	return XDP_DROP;
}

SEC("xdp")
int e2e_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth;
	struct iphdr *ip = data + ETH_HLEN, *o;
	struct tcphdr *th = (void *)(ip + 1);
	__u32 b, sum, len;

	if ((void *)(th + 1) > end || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	b = (ip->saddr ^ th->source) % fwd_nbe;
	if (b >= E2E_MAX_BE)
		return XDP_DROP;
	len = bpf_ntohs(ip->tot_len) + 20;
	if (bpf_xdp_adjust_head(ctx, -20))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	o = data + ETH_HLEN;
	if ((void *)(o + 1) > end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, (const void *)fwd_be_mac[b], ETH_ALEN);
	__builtin_memcpy(eth->h_source, (const void *)fwd_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	o->version = 4;
	o->ihl = 5;
	o->tos = 0;
	o->tot_len = bpf_htons(len);
	o->id = 0;
	o->frag_off = bpf_htons(0x4000);
	o->ttl = 64;
	o->protocol = IPPROTO_IPIP;
	o->check = 0;
	o->saddr = fwd_src;
	o->daddr = fwd_be_addr[b];
	sum = 0;
	for (int i = 0; i < 10; i++)
		sum += ((__u16 *)o)[i];
	o->check = fold(sum);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
