// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs of the benchmarks' repeat method (tests/bench/e2e_scale.c,
 * bench_xdp.c): packets cycling over K flows, or K new ones, timed by
 * BPF_PROG_TEST_RUN with a repeat count (a packet stream: what one packet
 * leaves in the caches and the TLB the next one finds), without live
 * frames or a transport.
 *
 * scale_drive  runs first on every iteration. A non-live repeat runs the
 *              program again on the same buffer, which the previous
 *              iteration's encapsulation moved back by 20 bytes and whose
 *              Ethernet header it overwrote with the outer header's second
 *              half: the driver moves data forward again (all but the first
 *              iteration of a test run), restores the destination MAC and
 *              ethertype, writes flow i's source address and port (the
 *              flows of e2e_scale.c's flow_client()), i = (n * P mod K) *
 *              S for the n-th packet (P prime: a permutation of the K
 *              flows that does not walk memory in fill order; S, the step,
 *              picks one partition's share of flows spread over S) and
 *              tail-calls jmp[0]. Flow i is 24 bits of the frame: the last
 *              two bytes of the source address and the low byte of the
 *              source port.
 * scale_floor  what every target shares: moves data back by an outer IPv4
 *              header and returns XDP_TX.
 * scale_lru   the old conntrack's lookup alone: the 40-byte flow key from
 *              the frame, one lookup in an LRU hash laid out as
 *              xlb_conntrack was (tests/bench/ct.h; its fd reused), then as
 *              scale_floor.
 * scale_table  the flow table's lookup alone, in the same shape: the flow
 *              hash with the table's seed, this CPU's partition, its two
 *              buckets, tags first and then the entry, as bpf/xlb.bpf.c's
 *              ct_find() (xlb's own map reused), then as scale_floor.
 * Both count their hits in lookup_hits and return XDP_DROP on a miss:
 * a bench checks every timed packet hit.
 * scale_lru_insert  the old conntrack's insert alone: the frame's flow key
 *              into bench_lru (BPF_ANY, backend insert_backend), then as
 *              scale_floor.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "xlb.h"
/* bpf/ is not on this rule's include path. */
#include "../../bpf/hash.h"
#include "ct.h"

#define FRAME_MIN	(ETH_HLEN + 20 + 20)

/* Set from userspace after load: the LB's MAC, K and, before every test
 * run, armed = 0 (the first iteration finds the frame as sent). Not
 * rodata: clang folds a memcpy from const volatile to its initialiser. */
__u8 drive_mac[ETH_ALEN];
__u32 drive_flows = 1;
__u32 drive_step = 1;
__u32 drive_armed;
__u64 drive_ctr;
__u64 lookup_hits;
/* The VIP id of the flows scale_table looks for. */
__u32 lookup_vip_id = 1;
/* The backend of what scale_lru_insert inserts. */
__u32 insert_backend;

/* The table's split, set before load as xlbd sets xlb's. */
const volatile __u32 ct_parts = 1;
const volatile __u32 ct_part_buckets = 1;
const volatile __u32 ct_seed;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} drive_jmp SEC(".maps");

/* All three replaced (bpf_map__reuse_fd) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xlb_flow_key);
	__type(value, struct bench_lru_flow);
} bench_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_ct_bucket);
} xlb_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_ct_keys);
} xlb_flow_keys SEC(".maps");

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
	i = drive_ctr++ * BENCH_DRIVE_STRIDE % drive_flows * drive_step;
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

/* The frame's IPv4 TCP 5-tuple as xlb keys it; 0, or -1 if too short. */
static __always_inline int frame_key(struct xdp_md *ctx,
				     struct xlb_flow_key *k)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct tcphdr *th = (void *)(ip + 1);

	if ((void *)(th + 1) > end)
		return -1;
	k->src[0] = ip->saddr;
	k->dst[0] = ip->daddr;
	k->sport = th->source;
	k->dport = th->dest;
	k->proto = ip->protocol;
	k->family = XLB_AF_INET;
	return 0;
}

static __always_inline int hit(struct xdp_md *ctx)
{
	lookup_hits++;
	if (bpf_xdp_adjust_head(ctx, -20))
		return XDP_DROP;
	return XDP_TX;
}

SEC("xdp")
int scale_lru(struct xdp_md *ctx)
{
	struct xlb_flow_key k = {};

	if (frame_key(ctx, &k) || !bpf_map_lookup_elem(&bench_lru, &k))
		return XDP_DROP;
	return hit(ctx);
}

SEC("xdp")
int scale_table(struct xdp_md *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id(), h, tag, part, idx[2];
	struct xlb_flow_key k = {};
	__u32 port_vip, key;
	int i, j;

	if (frame_key(ctx, &k))
		return XDP_DROP;
	h = xlb_hash_flow(&k, ct_seed);
	tag = (h & XLB_CT_TAG_MASK) | XLB_CT_F_USED;
	part = cpu < ct_parts ? cpu : cpu % ct_parts;
	idx[0] = xlb_ct_bucket1(h, ct_part_buckets);
	idx[1] = xlb_ct_alt(idx[0], h & XLB_CT_TAG_MASK, ct_part_buckets);
	port_vip = (__u32)k.sport | lookup_vip_id << 16;
	for (j = 0; j < 2; j++) {
		struct xlb_ct_bucket *b;
		struct xlb_ct_keys *ks;

		key = part * ct_part_buckets + idx[j];
		b = bpf_map_lookup_elem(&xlb_flows, &key);
		ks = bpf_map_lookup_elem(&xlb_flow_keys, &key);
		if (!b || !ks)
			return XDP_DROP;
		for (i = 0; i < XLB_CT_WAYS; i++) {
			const struct xlb_ct_entry *e = &ks->e[i];

			if ((b->meta[i].tag &
			     (XLB_CT_TAG_MASK | XLB_CT_F_USED)) != tag)
				continue;
			if (*(const __u64 *)&e->src[0] ==
			    *(const __u64 *)&k.src[0] &&
			    *(const __u64 *)&e->src[2] ==
			    *(const __u64 *)&k.src[2] &&
			    *(const __u32 *)&e->sport == port_vip)
				return hit(ctx);
		}
	}
	return XDP_DROP;
}

SEC("xdp")
int scale_lru_insert(struct xdp_md *ctx)
{
	struct bench_lru_flow v = {};
	struct xlb_flow_key k = {};

	if (frame_key(ctx, &k))
		return XDP_DROP;
	v.backend_id = insert_backend;
	if (bpf_map_update_elem(&bench_lru, &k, &v, BPF_ANY))
		return XDP_DROP;
	return hit(ctx);
}

char LICENSE[] SEC("license") = "GPL";
