// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs of tests/bench/e2e_scale.c's repeat method: established
 * packets cycling over K flows, timed by BPF_PROG_TEST_RUN with a repeat
 * count (a packet stream: what one packet leaves in the caches and the TLB
 * the next one finds), without live frames or a transport.
 *
 * scale_drive  runs first on every iteration. A non-live repeat runs the
 *              program again on the same buffer, which the previous
 *              iteration's encapsulation moved back by 20 bytes and whose
 *              Ethernet header it overwrote with the outer header's second
 *              half: the driver moves data forward again (all but the first
 *              iteration of a test run), restores the destination MAC and
 *              ethertype, writes flow i's source address and port (the
 *              flows of e2e_scale.c's flow_client()), i = n * P mod K for
 *              the n-th packet (P prime: a permutation of the K flows that
 *              does not walk memory in fill order) and tail-calls jmp[0].
 * scale_floor  what every target shares: moves data back by an outer IPv4
 *              header and returns XDP_TX.
 * scale_ct     the conntrack lookup alone: the flow key from the frame, one
 *              lookup in xlb's own map (its fd reused), then as
 *              scale_floor. A miss is XDP_DROP, which the bench rejects.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "xlb.h"

#define FRAME_MIN	(ETH_HLEN + 20 + 20)
#define STRIDE		2654435761ull	/* prime: coprime to every K */

/* Set from userspace after load: the LB's MAC, K and, before every test
 * run, armed = 0 (the first iteration finds the frame as sent). Not
 * rodata: clang folds a memcpy from const volatile to its initialiser. */
__u8 drive_mac[ETH_ALEN];
__u32 drive_flows = 1;
__u32 drive_armed;
__u64 drive_ctr;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} drive_jmp SEC(".maps");

/* Replaced by xlb's map (bpf_map__reuse_fd) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
} xlb_conntrack SEC(".maps");

SEC("xdp")
int scale_drive(struct xdp_md *ctx)
{
	void *data, *end;
	__u8 *f;
	__u32 i;

	if (drive_armed && bpf_xdp_adjust_head(ctx, 20))
		return XDP_ABORTED;
	drive_armed = 1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	f = data;
	if (data + FRAME_MIN > end || !drive_flows)
		return XDP_ABORTED;
	i = drive_ctr++ * STRIDE % drive_flows;
	__builtin_memcpy(f, drive_mac, ETH_ALEN);
	f[12] = ETH_P_IP >> 8;
	f[13] = ETH_P_IP & 0xff;
	/* 198.19.(i >> 16).(i >> 8), port 1024 + (i & 255) */
	f[ETH_HLEN + 14] = i >> 16;
	f[ETH_HLEN + 15] = i >> 8;
	f[ETH_HLEN + 20 + 1] = i;
	bpf_tail_call(ctx, &drive_jmp, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int scale_floor(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -20))
		return XDP_DROP;
	return XDP_TX;
}

SEC("xdp")
int scale_ct(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct tcphdr *th = (void *)(ip + 1);
	struct xlb_flow_key k = {};

	if ((void *)(th + 1) > end)
		return XDP_DROP;
	k.src[0] = ip->saddr;
	k.dst[0] = ip->daddr;
	k.sport = th->source;
	k.dport = th->dest;
	k.proto = ip->protocol;
	k.family = XLB_AF_INET;
	if (!bpf_map_lookup_elem(&xlb_conntrack, &k))
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, -20))
		return XDP_DROP;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
