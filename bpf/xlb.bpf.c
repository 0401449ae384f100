// SPDX-License-Identifier: GPL-2.0
/*
 * xlb data path: an XDP layer-4 load balancer. A packet to a virtual
 * service (address, port, protocol) finds its flow in the flow table or, when
 * new, a backend in the VIP's Maglev table; it is then encapsulated towards
 * the backend and transmitted. Everything else goes to the kernel.
 *
 * The map declarations are part of the ABI: the daemon and the tests use
 * these names through the skeleton.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xlb.h"
#include "parse.h"
#include "csum.h"
#include "encap.h"
#include "hash.h"
#include "icmp.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_vip);
} xlb_vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_VIP_ADDRS_MAX);
	__type(key, struct xlb_addr_key);
	__type(value, __u32);	/* number of VIPs on the address */
} xlb_vip_addrs SEC(".maps");

/* One Maglev table per VIP id; the daemon fills a new inner map and swaps
 * it in with one update, so a packet sees either the old or the new table. */
struct xlb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_RING_SIZE_DEFAULT);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u32);	/* backend id */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct xlb_ring);
} xlb_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
} xlb_backends SEC(".maps");

/* The flow table (include/xlb.h): the daemon sizes both before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XLB_CONNTRACK_DEFAULT / XLB_CT_WAYS);
	__type(key, __u32);
	__type(value, struct xlb_ct_bucket);
} xlb_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XLB_CONNTRACK_DEFAULT / XLB_CT_WAYS);
	__type(key, __u32);
	__type(value, struct xlb_ct_keys);
} xlb_flow_keys SEC(".maps");

/* How xlb_flows is split (xlb_ct_geometry[0]), kept with it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_ct_geometry);
} xlb_ct_geometry SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_config);
} xlb_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_nexthop);
} xlb_nexthops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_vip_filter);
} xlb_vip_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_ctr);
} xlb_vip_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_ctr);
} xlb_backend_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xlb_ctr);	/* packets and bytes */
} xlb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_RATE_MAX);
	__type(key, __u32);
	__type(value, struct xlb_rate);
} xlb_rates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_FRAGS_MAX);
	__type(key, struct xlb_frag_key);
	__type(value, struct xlb_frag);
} xlb_frags SEC(".maps");

#define AF_INET		2
#define AF_INET6	10

/* Bytes of the frame as it arrived; what every counter adds. */
static __always_inline void stat_add(__u32 idx, __u64 bytes)
{
	struct xlb_ctr *c = bpf_map_lookup_elem(&xlb_stats, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline int verdict(__u32 reason, int action, __u64 bytes)
{
	stat_add(reason, bytes);
	return action;
}

/* BPF has no memcmp: compare a MAC as one 32-bit and one 16-bit word. */
static __always_inline int mac_eq(const void *a, const void *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* A clear filter bit proves the destination carries no VIP. dst_xor:
 * see parse_dst(). */
static __always_inline int may_be_vip(__u32 dst_xor, __u8 family)
{
	struct xlb_vip_filter *f;
	__u32 zero = 0, bit;

	f = bpf_map_lookup_elem(&xlb_vip_filter, &zero);
	if (!f)
		return 1;
	bit = xlb_vip_filter_bit_xor(dst_xor, family);
	return (f->bits[bit / 64] >> (bit % 64)) & 1;
}

/* After may_be_vip(): is there a VIP on the destination address? */
static __always_inline int is_vip_addr(const struct xlb_pkt *pkt)
{
	struct xlb_addr_key k = {};

	__builtin_memcpy(k.addr, pkt->key.dst, sizeof(k.addr));
	k.family = pkt->key.family;
	return bpf_map_lookup_elem(&xlb_vip_addrs, &k) != NULL;
}

/* The VIP key of a flow, its last word in one store (see
 * key_ports_set()). */
static __always_inline void vip_key_set(struct xlb_vip_key *vk,
					const struct xlb_flow_key *k)
{
	__builtin_memcpy(vk->addr, k->dst, sizeof(vk->addr));
	*(__u32 *)&vk->port = k->dport | (__u32)k->proto << 16 |
			      (__u32)k->family << 24;
}

static __always_inline int backend_usable(const struct xlb_backend *be,
					  __u32 vip_id)
{
	return be && (be->flags & (XLB_BE_F_VALID | XLB_BE_F_DOWN)) ==
		     XLB_BE_F_VALID && be->vip_id == vip_id;
}

/* Maglev pick: slot = hash % ring_size. Returns the backend id or 0. */
static __always_inline __u32 ring_pick(const struct xlb_vip *vip,
				       const struct xlb_pkt *pkt,
				       const struct xlb_config *cfg)
{
	__u32 vip_id = vip->id, slot, hash, *id;
	void *ring;

	if (!vip->ring_size)
		return 0;
	ring = bpf_map_lookup_elem(&xlb_rings, &vip_id);
	if (!ring)
		return 0;
	if (vip->flags & XLB_VIP_F_STICKY)
		hash = xlb_hash_addr(pkt->key.src, pkt->key.family,
				     cfg->hash_seed);
	else
		hash = xlb_hash_flow(&pkt->key, cfg->hash_seed);
	slot = hash % vip->ring_size;
	id = bpf_map_lookup_elem(ring, &slot);
	return id ? *id : 0;
}

static __always_inline void ctr_add(void *map, __u32 idx, __u64 bytes,
				    __u64 new_flows)
{
	struct xlb_ctr *c = bpf_map_lookup_elem(map, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
		/* Most packets start no flow: no write for them. */
		if (new_flows)
			c->new_flows += new_flows;
	}
}

/*
 * One more event in this CPU's current window of rate idx: 1 if it is
 * within limit, 0 if over. Per CPU, so no atomics and no shared cache
 * line; a host allows up to limit times its CPUs a second.
 */
static __always_inline int rate_allow(__u32 idx, __u32 limit, __u64 now)
{
	struct xlb_rate *r = bpf_map_lookup_elem(&xlb_rates, &idx);

	if (!r)
		return 1;
	if (now - r->window_ns >= XLB_RATE_WINDOW_NS) {
		r->window_ns = now;
		r->count = 0;
	}
	if (r->count < limit + 1)
		r->count++;
	return r->count <= limit;
}

/*
 * Ask the FIB for the next hop of a backend and cache it. Returns 0 or
 * the xlb_stats index of the drop reason. A global function: its lookup
 * structure lives in a frame of its own, not in the packet's.
 */
__noinline int nexthop_refresh(struct xdp_md *ctx, __u32 be_id,
			       const struct xlb_backend *be,
			       const struct xlb_config *cfg, __u64 now)
{
	struct bpf_fib_lookup fib = {};
	struct xlb_nexthop *nh;
	int rc;

	if (!ctx || !be || !cfg)
		return XLB_STAT_DROP_FIB;
	nh = bpf_map_lookup_elem(&xlb_nexthops, &be_id);
	if (!nh)
		return XLB_STAT_DROP_FIB;
	fib.ifindex = ctx->ingress_ifindex;
	if (be->family == XLB_AF_INET) {
		fib.family = AF_INET;
		fib.ipv4_src = cfg->encap_src4;
		fib.ipv4_dst = be->addr[0];
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, cfg->encap_src6, 16);
		__builtin_memcpy(fib.ipv6_dst, be->addr, 16);
	}
	/* tot_len 0: never FRAG_NEEDED here; mtu_result carries the route
	 * MTU, which the caller checks against the encapsulated length. */
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XLB_STAT_DROP_NO_NEIGH;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XLB_STAT_DROP_FIB;
	nh->ifindex = fib.ifindex;
	nh->mtu = fib.mtu_result;
	__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
	nh->expires_ns = now + XLB_NEXTHOP_TTL_NS;
	return 0;
}

/*
 * The next hop towards a backend: the per-CPU cache, or the FIB when the
 * entry expired. Returns 0 or the xlb_stats index of the drop reason.
 */
static __always_inline int nexthop_get(struct xdp_md *ctx, __u32 be_id,
				       const struct xlb_backend *be,
				       const struct xlb_config *cfg, __u64 now,
				       struct xlb_nexthop **out)
{
	struct xlb_nexthop *nh;

	nh = bpf_map_lookup_elem(&xlb_nexthops, &be_id);
	if (!nh)
		return XLB_STAT_DROP_FIB;
	*out = nh;
	if (nh->expires_ns > now)
		return 0;
	return nexthop_refresh(ctx, be_id, be, cfg, now);
}

/* --- the flow table (include/xlb.h, docs/datapath.md) --------------------- */

/* Set by the daemon before load, from xlb_ct_geometry: constants to the
 * verifier's eye, so the packet path reads no map for them. */
const volatile __u32 ct_parts = 1;
const volatile __u32 ct_part_buckets = 1;
const volatile __u32 ct_seed;

/* A flow and its place in this CPU's partition: what a lookup compares,
 * what an insert writes. Its first 24 bytes are a struct xlb_ct_entry. */
struct ct_flow {
	__be32 src[4];
	__be16 sport;
	__u16 vip_id;
	__u32 pad;
	__u32 backend_id;
	__u32 port_vip;		/* sport and vip_id as one word */
	__u32 part;
	__u32 idx[2];		/* its two buckets in the partition */
	__u32 tag;		/* XLB_CT_TAG_MASK bits of the hash */
	__u32 now;		/* in ticks */
	__u32 udp_ticks;	/* the UDP timeout */
};

/* The other partitions' scan. */
struct ct_remote {
	struct xlb_ct_entry found;
	struct xlb_ct_meta found_meta;	/* tag 0: not found */
};

/* An insert's choice of slots. Volatile, in a map value, never in
 * registers: the verifier does not follow a map value's contents, so the
 * branches of a scan join again at each slot instead of doubling the
 * paths. */
struct ct_work {
	volatile __u64 best[2];	/* ct_victim() of the best slot */
	volatile __u32 way[2];
	volatile __u32 live[2];	/* live slots */
};

/* Moves that keep failing (XLB_CT_BACKOFF_FAILS, XLB_CT_BACKOFF_SKIP). */
struct ct_backoff {
	__u32 fails;		/* moves failed in a row */
	__u32 skip;		/* inserts left that try none */
};

/* The flow table's scratch: too large for the stack beside the packet's
 * (512 bytes for every frame of a call chain together). Per CPU, so also
 * what an insert remembers of the previous ones on this CPU. */
struct ct_scratch {
	struct ct_flow f;
	struct ct_remote r;
	struct ct_work w;
	struct ct_backoff bo;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ct_scratch);
} xlb_ct_scratch SEC(".maps");

static __always_inline struct xlb_ct_bucket *ct_bucket(__u32 part, __u32 idx)
{
	__u32 k = part * ct_part_buckets + idx;

	return bpf_map_lookup_elem(&xlb_flows, &k);
}

/* The keys of the same bucket: read only when a tag matches, or to write. */
static __always_inline struct xlb_ct_keys *ct_keys(__u32 part, __u32 idx)
{
	__u32 k = part * ct_part_buckets + idx;

	return bpf_map_lookup_elem(&xlb_flow_keys, &k);
}

/* The flow of k to VIP vip_id, placed in this CPU's partition. */
static __always_inline void ct_flow_init(struct ct_flow *f,
					 const struct xlb_flow_key *k,
					 __u32 vip_id, __u32 now, __u64 udp_ns)
{
	__u32 cpu = bpf_get_smp_processor_id(), h;

	h = xlb_hash_flow(k, ct_seed);
	__builtin_memcpy(f->src, k->src, sizeof(f->src));
	f->sport = k->sport;
	f->vip_id = vip_id;
	f->pad = 0;
	f->backend_id = 0;
	f->port_vip = (__u32)k->sport | vip_id << 16;
	f->part = cpu < ct_parts ? cpu : cpu % ct_parts;
	f->tag = h & XLB_CT_TAG_MASK;
	f->idx[0] = xlb_ct_bucket1(h, ct_part_buckets);
	f->idx[1] = xlb_ct_alt(f->idx[0], f->tag, ct_part_buckets);
	f->now = now;
	f->udp_ticks = xlb_ct_timeout(XLB_CT_F_UDP, udp_ns);
}

/* The slot of bucket b (its keys k) holding flow f, or -1. Compares the
 * tags in the meta line first: a miss reads no key. */
static __always_inline int ct_find(const struct xlb_ct_bucket *b,
				   const struct xlb_ct_keys *k,
				   const struct ct_flow *f)
{
	__u32 want = f->tag | XLB_CT_F_USED;
	int i;

	for (i = 0; i < XLB_CT_WAYS; i++) {
		const struct xlb_ct_entry *e = &k->e[i];

		if ((b->meta[i].tag & (XLB_CT_TAG_MASK | XLB_CT_F_USED)) !=
		    want)
			continue;
		if (*(const __u64 *)&e->src[0] == *(const __u64 *)&f->src[0] &&
		    *(const __u64 *)&e->src[2] == *(const __u64 *)&f->src[2] &&
		    *(const __u32 *)&e->sport == f->port_vip)
			return i;
	}
	return -1;
}

/* bpf_loop()'s context must be on the stack: it points at the state (a
 * map value may hold no pointer). */
struct ct_rctx {
	struct ct_scratch *sc;
};

static long ct_remote_cb(__u32 part, void *arg)
{
	struct ct_scratch *sc = ((struct ct_rctx *)arg)->sc;
	struct xlb_ct_keys *k = NULL;
	const struct ct_flow *f;
	struct xlb_ct_bucket *b;
	int i, w;

	if (!sc)
		return 1;
	f = &sc->f;
	if (part == f->part)
		return 0;
	for (i = 0; i < 2; i++) {
		b = ct_bucket(part, f->idx[i]);
		k = ct_keys(part, f->idx[i]);
		if (!b || !k)
			return 1;
		w = ct_find(b, k, f);
		if (w >= 0 && w < XLB_CT_WAYS && k) {
			sc->r.found = k->e[w];
			sc->r.found_meta = b->meta[w];
			return 1;
		}
	}
	return 0;
}

/* Flow f in the other CPUs' partitions: 2 with a copy in sc->r, or 0. */
static __always_inline int ct_remote(struct ct_scratch *sc,
				     struct xlb_ct_meta **mp,
				     struct xlb_ct_entry **ep)
{
	struct ct_rctx c = { .sc = sc };

	if (ct_parts < 2)
		return 0;
	sc->r.found_meta.tag = 0;
	bpf_loop(ct_parts, ct_remote_cb, &c, 0);
	if (!sc->r.found_meta.tag)
		return 0;
	*mp = &sc->r.found_meta;
	*ep = &sc->r.found;
	return 2;
}

/*
 * Look flow f up in this CPU's partition: 1 with the slot in *mp and *ep
 * (to update in place), else 0.
 */
static __always_inline int ct_lookup_local(struct ct_scratch *sc,
					   struct xlb_ct_meta **mp,
					   struct xlb_ct_entry **ep)
{
	const struct ct_flow *f = &sc->f;
	struct xlb_ct_keys *k = NULL;
	struct xlb_ct_bucket *b;
	int j, w;

	for (j = 0; j < 2; j++) {
		b = ct_bucket(f->part, f->idx[j]);
		k = ct_keys(f->part, f->idx[j]);
		if (!b || !k)
			return 0;
		w = ct_find(b, k, f);
		if (w >= 0 && w < XLB_CT_WAYS && k) {
			*mp = &b->meta[w];
			*ep = &k->e[w];
			return 1;
		}
	}
	return 0;
}

/* This CPU's partition, then the others: 1 or 2 as ct_lookup_local() and
 * ct_remote(), 0 if none has it. */
static __always_inline int ct_lookup(struct ct_scratch *sc,
				     struct xlb_ct_meta **mp,
				     struct xlb_ct_entry **ep)
{
	return ct_lookup_local(sc, mp, ep) ?: ct_remote(sc, mp, ep);
}

/* May this CPU read the others' partitions for one more lookup now? */
static __always_inline int ct_remote_allow(__u64 now_ns)
{
	__u32 parts = ct_parts;

	if (parts < 2)
		return 1;
	return rate_allow(XLB_RATE_REMOTE, XLB_CT_REMOTE_READS / (parts - 1),
			  now_ns);
}

/* How good a victim slot m is: free 3, expired 2, live without a second
 * packet 1, else 0; older first within a class. */
static __always_inline __u64 ct_victim(const struct xlb_ct_meta *m, __u32 now,
				       __u32 udp_ticks)
{
	__u32 idle, tag = m->tag, timeout;

	if (!(tag & XLB_CT_F_USED))
		return 3ull << 32;
	idle = xlb_ct_idle(m, now);
	/* The UDP timeout resolved by the caller: a branch on a value that
	 * stays live would split every later state in two. */
	timeout = tag & XLB_CT_F_UDP ? udp_ticks : xlb_ct_timeout(tag, 0);
	if (idle >= timeout)
		return 2ull << 32 | idle;
	if (!(tag & XLB_CT_F_SEEN2))
		return 1ull << 32 | idle;
	return idle;
}

/* Stores before it are not moved after it by the compiler (x86 keeps
 * the order of stores; readers check the tag before and after). */
#define ct_barrier()	asm volatile("" ::: "memory")

/* Slot w of bucket b (keys k) gets flow e to backend be_id. */
static __always_inline void ct_write(struct xlb_ct_bucket *b,
				     struct xlb_ct_keys *k, __u32 w,
				     const struct xlb_ct_entry *e, __u32 tag,
				     __u32 atime, __u32 be_id)
{
	if (w >= XLB_CT_WAYS)
		return;
	/* Free while written: a reader on another CPU sees the old flow,
	 * the new one, or none, never a mix passing the compare. */
	b->meta[w].tag = 0;
	ct_barrier();
	k->e[w] = *e;
	b->meta[w].atime = atime;
	b->meta[w].backend_id = be_id;
	ct_barrier();
	b->meta[w].tag = tag;
}

/* Best victim of bucket b into w's j-th place. */
static __always_inline void ct_best(const struct xlb_ct_bucket *b,
				    const struct ct_flow *f,
				    struct ct_work *w, int j)
{
	__u64 v;
	int i;

	j &= 1;
	w->best[j] = 0;
	w->way[j] = 0;
	w->live[j] = 0;
	for (i = 0; i < XLB_CT_WAYS; i++) {
		v = ct_victim(&b->meta[i], f->now, f->udp_ticks);
		if (v >> 32 < 2)
			w->live[j]++;
		if (v > w->best[j]) {
			w->best[j] = v;
			w->way[j] = i;
		}
	}
}

/* Entries of a full bucket that an insert tries to move: each costs the
 * read of another bucket's metas (a cache miss on a large table). */
#define CT_DISPLACE_TRIES	2

/*
 * Make room in bucket idx (b, keys k) by moving one of its entries to that
 * entry's other bucket, where a slot is free or expired: CT_DISPLACE_TRIES
 * entries, from a way the new flow's tag picks (another flow tries
 * others). The slot freed, or -1.
 */
static __always_inline int ct_displace(struct xlb_ct_bucket *b,
				       struct xlb_ct_keys *k,
				       const struct ct_flow *f, __u32 idx)
{
	struct xlb_ct_keys *ak;
	struct xlb_ct_bucket *a;
	__u32 t, i, j, alt;

	for (t = 0; t < CT_DISPLACE_TRIES; t++) {
		__u32 tag;

		i = ((f->tag >> 8) + t) & (XLB_CT_WAYS - 1);
		tag = b->meta[i].tag;
		if (!(tag & XLB_CT_F_USED))
			continue;
		alt = xlb_ct_alt(idx, tag & XLB_CT_TAG_MASK, ct_part_buckets);
		if (alt == idx)
			continue;
		a = ct_bucket(f->part, alt);
		ak = ct_keys(f->part, alt);
		if (!a || !ak)
			return -1;
		for (j = 0; j < XLB_CT_WAYS; j++) {
			if (ct_victim(&a->meta[j], f->now, f->udp_ticks) >> 32 <
			    2)
				continue;
			ct_write(a, ak, j, &k->e[i], tag, b->meta[i].atime,
				 b->meta[i].backend_id);
			return i;
		}
	}
	return -1;
}

/* Whether this insert tries to move an entry (ct_backoff). */
static __always_inline int ct_move_try(struct ct_backoff *bo)
{
	if (bo->skip) {
		bo->skip--;
		return 0;
	}
	return 1;
}

static __always_inline void ct_move_failed(struct ct_backoff *bo)
{
	if (bo->fails < XLB_CT_BACKOFF_FAILS)
		bo->fails++;
	if (bo->fails >= XLB_CT_BACKOFF_FAILS)
		bo->skip = XLB_CT_BACKOFF_SKIP;
}

/*
 * Flow f (its backend set) into this CPU's partition: its old slot if the
 * tuple has one (a port reused), else a free or expired slot of the less
 * loaded bucket, else room made by a move (unless moves keep failing:
 * ct_backoff), else the oldest slot that never saw a second packet.
 * Returns the XLB_STAT_* index to count, or 0.
 */
static __always_inline __u32 ct_insert(struct ct_scratch *sc, __u32 flags)
{
	const struct ct_flow *f = &sc->f;
	const struct xlb_ct_entry *e = (const void *)f;
	__u32 tag = f->tag | flags | XLB_CT_F_USED;
	struct ct_work *wk = &sc->w;
	struct xlb_ct_bucket *b0, *b1;
	struct xlb_ct_keys *k0, *k1;
	__u32 be = f->backend_id;
	__u64 v0, v1;
	int w;

	b0 = ct_bucket(f->part, f->idx[0]);
	b1 = ct_bucket(f->part, f->idx[1]);
	k0 = ct_keys(f->part, f->idx[0]);
	k1 = ct_keys(f->part, f->idx[1]);
	if (!b0 || !b1 || !k0 || !k1)
		return XLB_STAT_CT_FULL;
	w = ct_find(b0, k0, f);
	if (w >= 0) {
		ct_write(b0, k0, w, e, tag, f->now, be);
		return 0;
	}
	w = ct_find(b1, k1, f);
	if (w >= 0) {
		ct_write(b1, k1, w, e, tag, f->now, be);
		return 0;
	}
	ct_best(b0, f, wk, 0);
	ct_best(b1, f, wk, 1);
	v0 = wk->best[0];
	v1 = wk->best[1];
	if (v0 >> 32 >= 2 && (v1 >> 32 < 2 || wk->live[0] <= wk->live[1])) {
		ct_write(b0, k0, wk->way[0], e, tag, f->now, be);
		return 0;
	}
	if (v1 >> 32 >= 2) {
		ct_write(b1, k1, wk->way[1], e, tag, f->now, be);
		return 0;
	}
	if (ct_move_try(&sc->bo)) {
		w = ct_displace(b0, k0, f, f->idx[0]);
		if (w >= 0) {
			sc->bo.fails = 0;
			ct_write(b0, k0, w, e, tag, f->now, be);
			return XLB_STAT_CT_MOVED;
		}
		w = ct_displace(b1, k1, f, f->idx[1]);
		if (w >= 0) {
			sc->bo.fails = 0;
			ct_write(b1, k1, w, e, tag, f->now, be);
			return XLB_STAT_CT_MOVED;
		}
		ct_move_failed(&sc->bo);
	}
	/* Only live entries left: the oldest that never saw a second
	 * packet goes (a SYN flood replaces its own), never one that did. */
	if (v0 >> 32 == 1 && (v1 >> 32 != 1 || v0 >= v1)) {
		ct_write(b0, k0, wk->way[0], e, tag, f->now, be);
		return XLB_STAT_CT_EVICT;
	}
	if (v1 >> 32 == 1) {
		ct_write(b1, k1, wk->way[1], e, tag, f->now, be);
		return XLB_STAT_CT_EVICT;
	}
	return XLB_STAT_CT_FULL;
}

/* The backend id the table holds for a flow, or 0: for ICMP errors. A
 * global function, checked once, in a frame of its own. */
__noinline __u32 ct_backend_of(const struct xlb_flow_key *k, __u32 vip_id)
{
	struct xlb_ct_meta *m = NULL;
	struct xlb_ct_entry *e = NULL;
	struct ct_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&xlb_ct_scratch, &zero);
	if (!k || !sc)
		return 0;
	ct_flow_init(&sc->f, k, vip_id, 0, 0);
	if (!ct_lookup(sc, &m, &e) || !m)
		return 0;
	return m->backend_id;
}

/* flow_pick()'s packet facts and what it found besides the backend. */
struct flow_io {
	__u64 now_ns;
	__u64 bytes;
	__u32 new_vip;		/* the VIP saw a new flow */
	__u32 new_be;		/* the backend got one */
};

/*
 * Find the flow's backend: the flow table, else the VIP's table. Returns
 * the backend id, 0 if none is usable. A global function: the verifier
 * checks it once, not once for each path of the packet that leads here.
 */
__noinline __u32 flow_pick(struct xlb_pkt *pkt, const struct xlb_vip *vip,
			   const struct xlb_config *cfg, struct flow_io *io)
{
	struct xlb_ct_meta *m = NULL;
	struct xlb_ct_entry *e = NULL;
	__u32 closing, be_id, stat, tag, vip_new = 1, zero = 0;
	struct xlb_backend *be;
	struct ct_scratch *sc;
	int syn, found;

	sc = bpf_map_lookup_elem(&xlb_ct_scratch, &zero);
	if (!pkt || !vip || !cfg || !io || !sc)
		return 0;
	ct_flow_init(&sc->f, &pkt->key, vip->id,
		     io->now_ns >> XLB_CT_TICK_SHIFT, cfg->udp_timeout_ns);
	closing = pkt->tcp_flags & (TCPF_FIN | TCPF_RST) ? XLB_CT_F_CLOSING : 0;
	syn = pkt->key.proto == IPPROTO_TCP &&
	      (pkt->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
	if (syn) {
		stat_add(XLB_STAT_CT_MISS_SYN, io->bytes);
		/* A SYN starts a new flow: a previous one's flags go. */
		closing = 0;
		goto pick;
	}
	/* Found on another CPU (RSS moved the flow): a copy comes to this
	 * one's partition, so its next packets find it here. Reading the
	 * others is rationed: a flood of unknown flows must stay cheap. */
	found = ct_lookup_local(sc, &m, &e);
	if (!found) {
		if (!ct_remote_allow(io->now_ns)) {
			stat_add(XLB_STAT_CT_REMOTE_SKIP, io->bytes);
			goto untracked;
		}
		found = ct_remote(sc, &m, &e);
	}
	if (!found || !m || !e) {
		stat_add(pkt->key.proto == IPPROTO_TCP ?
			 XLB_STAT_CT_MISS_NONSYN : XLB_STAT_CT_MISS_SYN,
			 io->bytes);
		goto pick;
	}
	tag = m->tag;
	/* A closed flow's slot, quiet since: the tuple's next connection
	 * may have begun on another CPU (its SYN took a slot there). */
	if (found == 1 && (tag & (XLB_CT_F_CLOSING | XLB_CT_F_UDP)) ==
	    XLB_CT_F_CLOSING &&
	    xlb_ct_idle(m, sc->f.now) >= xlb_ct_timeout(tag, 0)) {
		found = ct_remote(sc, &m, &e);
		if (!found || !m || !e ||
		    xlb_ct_idle(m, sc->f.now) >= xlb_ct_timeout(m->tag, 0)) {
			stat_add(XLB_STAT_CT_MISS_NONSYN, io->bytes);
			goto pick;
		}
		tag = m->tag;
	}
	if ((tag & XLB_CT_F_UDP) &&
	    xlb_ct_idle(m, sc->f.now) >= sc->f.udp_ticks) {
		/* Idle too long: a new UDP flow, in the same slot. */
		stat_add(XLB_STAT_CT_MISS_SYN, io->bytes);
		goto pick;
	}
	be_id = m->backend_id;
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!backend_usable(be, vip->id)) {
		stat_add(XLB_STAT_CT_REPICK, io->bytes);
		/* Same flow, new backend: the VIP saw it before. */
		vip_new = 0;
		closing |= tag & XLB_CT_F_CLOSING;
		goto pick;
	}
	if (found == 2) {
		stat_add(XLB_STAT_CT_REMOTE, io->bytes);
		sc->f.backend_id = be_id;
		ct_insert(sc, (tag & ~XLB_CT_TAG_MASK) | XLB_CT_F_SEEN2 |
			  XLB_CT_F_COPY | closing);
		return be_id;
	}
	stat_add(XLB_STAT_CT_HIT, io->bytes);
	/* Write only when something changes: an established flow dirties
	 * its meta line about once a second at most. */
	if (xlb_ct_idle(m, sc->f.now) >= XLB_CT_TOUCH_TICKS)
		m->atime = sc->f.now;
	if ((tag | XLB_CT_F_SEEN2 | closing) != tag)
		m->tag = tag | XLB_CT_F_SEEN2 | closing;
	return be_id;
pick:
	be_id = ring_pick(vip, pkt, cfg);
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be_id || !backend_usable(be, vip->id))
		return 0;
	/*
	 * SYN-flood guard: above flood_rate inserts per CPU per second a
	 * new flow goes by the table alone (the same backend while the
	 * table is unchanged). The table never gives a flow that saw a
	 * second packet to a new one; the guard also keeps a flood from
	 * replacing new flows that have not answered yet.
	 */
	if (cfg->flood_rate && !rate_allow(XLB_RATE_FLOWS, cfg->flood_rate,
					   io->now_ns)) {
		stat_add(XLB_STAT_FLOOD, io->bytes);
	} else {
		/* A re-picked flow has proved itself; any other first
		 * entry waits for its second packet (an ACK flood of
		 * random tuples stays replaceable). */
		sc->f.backend_id = be_id;
		stat = ct_insert(sc, closing | (vip_new ? 0 : XLB_CT_F_SEEN2) |
				 (pkt->key.proto == IPPROTO_UDP ?
				  XLB_CT_F_UDP : 0));
		if (stat)
			stat_add(stat, io->bytes);
	}
	/* Counted with the packet, one counter write per map. */
	io->new_vip = vip_new;
	io->new_be = 1;
	return be_id;
untracked:
	/* Most likely a flow of another CPU: its backend if the table has
	 * not changed since it began; neither new nor remembered. */
	be_id = ring_pick(vip, pkt, cfg);
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be_id || !backend_usable(be, vip->id))
		return 0;
	return be_id;
}

/*
 * The backend of the flow an ICMP error is about: the flow table (no insert:
 * an error starts no flow), else the table. pkt->key becomes the flow's
 * key. Returns the backend id or 0.
 */
static __always_inline __u32 icmp_backend(struct xlb_pkt *pkt,
					  const struct xlb_flow_key *k,
					  const struct xlb_config *cfg,
					  struct xlb_vip **vipp,
					  struct xlb_backend **bep)
{
	struct xlb_vip_key vk = {};
	struct xlb_backend *be;
	struct xlb_vip *vip;
	__u32 be_id;

	/* An error goes to the source of the packet it quotes: one about
	 * a VIP flow is addressed to the VIP (the filter passed it on that
	 * address). Any other is not about a flow of ours. */
	if ((k->dst[0] ^ pkt->key.dst[0]) | (k->dst[1] ^ pkt->key.dst[1]) |
	    (k->dst[2] ^ pkt->key.dst[2]) | (k->dst[3] ^ pkt->key.dst[3]))
		return 0;
	vip_key_set(&vk, k);
	vip = bpf_map_lookup_elem(&xlb_vips, &vk);
	if (!vip)
		return 0;
	*vipp = vip;
	pkt->key = *k;
	be_id = ct_backend_of(&pkt->key, vip->id);
	if (be_id) {
		be = bpf_map_lookup_elem(&xlb_backends, &be_id);
		if (backend_usable(be, vip->id))
			goto found;
	}
	be_id = ring_pick(vip, pkt, cfg);
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be_id || !backend_usable(be, vip->id))
		return 0;
found:
	*bep = be;
	return be_id;
}

/*
 * A later fragment follows the first one's backend. Never a re-pick: a
 * datagram split over two backends is lost on both, so a backend that
 * went down since the first fragment still gets the rest.
 */
static __always_inline __u32 frag_backend(const struct xlb_pkt *pkt,
					  struct xlb_frag **fp,
					  struct xlb_backend **bep)
{
	struct xlb_frag_key fk = {};
	struct xlb_backend *be;
	struct xlb_frag *f;
	__u32 be_id;

	__builtin_memcpy(fk.src, pkt->key.src, sizeof(fk.src));
	__builtin_memcpy(fk.dst, pkt->key.dst, sizeof(fk.dst));
	fk.id = pkt->frag_id;
	fk.proto = pkt->key.proto;
	fk.family = pkt->key.family;
	f = bpf_map_lookup_elem(&xlb_frags, &fk);
	if (!f)
		return 0;
	be_id = f->backend_id;
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be || !(be->flags & XLB_BE_F_VALID) || be->vip_id != f->vip_id)
		return 0;
	*fp = f;
	*bep = be;
	return be_id;
}

/* A first fragment's backend for its later fragments; returns the flow
 * hash. A global function: its keys and the hash spill into a frame of
 * their own. */
__noinline __u32 frag_remember(const struct xlb_pkt *pkt, __u32 be_id,
			       __u32 vip_id, __u32 mode, __u32 seed)
{
	struct xlb_frag_key fk = {};
	struct xlb_frag f = {};
	__u32 hash;

	if (!pkt)
		return 0;
	hash = xlb_hash_flow(&pkt->key, seed);

	__builtin_memcpy(fk.src, pkt->key.src, sizeof(fk.src));
	__builtin_memcpy(fk.dst, pkt->key.dst, sizeof(fk.dst));
	fk.id = pkt->frag_id;
	fk.proto = pkt->key.proto;
	fk.family = pkt->key.family;
	f.backend_id = be_id;
	f.vip_id = vip_id;
	f.mode = mode;
	f.flow_hash = hash;
	bpf_map_update_elem(&xlb_frags, &fk, &f, BPF_ANY);
	return hash;
}

/* What xlb_forward() needs of a packet besides its frame. */
struct fwd_req {
	__u64 now;
	__u64 bytes;
	__u32 be_id;
	__u32 vip_id;
	__u32 kind;		/* 0 whole, 1 first fragment, 2 later, 3 ICMP */
	__u32 hash;		/* the flow hash, when kind already has it */
	__u32 outer_len;	/* encapsulation bytes */
	__u32 new_vip;
	__u32 new_be;
	__u8 mode;
	__u8 pad[7];
};

/*
 * The encapsulation's length and a fresh next hop for backend be_id,
 * before xlb_forward(): here, so that the FIB's frame and the
 * forwarder's are siblings under the packet's, not stacked. Returns 0 or
 * the xlb_stats index of the drop reason.
 */
static __always_inline int forward_prepare(struct xdp_md *ctx,
					   const struct xlb_config *cfg,
					   struct fwd_req *rq)
{
	__u32 be_id = rq->be_id, outer_len;
	struct xlb_nexthop *nh = NULL;
	struct xlb_backend *be;
	__u8 mode = rq->mode;
	int rc;

	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be)
		return XLB_STAT_DROP_NO_BACKEND;
	if (mode == XLB_MODE_L2) {
		outer_len = 0;
	} else if (mode != XLB_MODE_IPIP && mode != XLB_MODE_GUE) {
		return XLB_STAT_DROP_ENCAP;
	} else if (be->family == XLB_AF_INET) {
		if (!cfg->encap_src4)
			return XLB_STAT_DROP_ENCAP;
		outer_len = sizeof(struct iphdr);
	} else if (be->family == XLB_AF_INET6) {
		if (!(cfg->encap_src6[0] | cfg->encap_src6[1] |
		      cfg->encap_src6[2] | cfg->encap_src6[3]))
			return XLB_STAT_DROP_ENCAP;
		outer_len = sizeof(struct ipv6hdr);
	} else {
		return XLB_STAT_DROP_ENCAP;
	}
	if (mode == XLB_MODE_GUE) {
		if (!cfg->gue_port)
			return XLB_STAT_DROP_ENCAP;
		outer_len += XLB_GUE_LEN;
	}
	rq->outer_len = outer_len;
	rc = nexthop_get(ctx, be_id, be, cfg, rq->now, &nh);
	if (rc)
		return rc;
	return nh ? 0 : XLB_STAT_DROP_FIB;
}

/*
 * Encapsulate (or rewrite) the packet towards its backend and send it.
 * A global function: its locals live in a frame of its own, so the
 * packet's frame and the flow table's fit the stack together.
 */
__noinline int xlb_forward(struct xdp_md *ctx, const struct xlb_pkt *pkt,
			   const struct xlb_config *cfg, struct fwd_req *rq)
{
	struct xlb_nexthop *nh = NULL;
	struct xlb_backend *be;
	__u32 be_id, outer_len, vip_id, kind, hash;
	__u64 bytes, now;
	__u8 mode;
	int rc;

	if (!ctx || !pkt || !cfg || !rq)
		return XDP_DROP;
	bytes = rq->bytes;
	now = rq->now;
	be_id = rq->be_id;
	vip_id = rq->vip_id;
	kind = rq->kind;
	hash = rq->hash;
	mode = rq->mode;
	outer_len = rq->outer_len;
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	nh = bpf_map_lookup_elem(&xlb_nexthops, &be_id);
	if (!be || !nh)
		return verdict(XLB_STAT_DROP_FIB, XDP_DROP, bytes);
	if (pkt->l3_len + outer_len > nh->mtu) {
		/* No ICMP about ICMP (RFC 1122 3.2.2, RFC 4443 2.4). An
		 * IPv4 packet without DF may be fragmented on the way: it
		 * goes on with DF clear outside too, for a path whose
		 * links carry more than the route MTU. */
		if (kind == 3)
			return verdict(XLB_STAT_DROP_TOO_BIG, XDP_DROP, bytes);
		if (pkt->key.family == XLB_AF_INET && !pkt->df) {
			stat_add(XLB_STAT_TOO_BIG_FWD, bytes);
		} else {
			if (nh->mtu <= outer_len)
				return verdict(XLB_STAT_DROP_TOO_BIG, XDP_DROP,
					       bytes);
			if (!rate_allow(XLB_RATE_ICMP, XLB_ICMP_RATE_PER_CPU,
					now))
				return verdict(XLB_STAT_ICMP_RATELIMIT,
					       XDP_DROP, bytes);
			if (icmp_too_big(ctx, pkt, nh->mtu - outer_len,
					 bytes))
				return verdict(XLB_STAT_DROP_TOO_BIG, XDP_DROP,
					       bytes);
			return verdict(XLB_STAT_ICMP_SENT, XDP_TX, bytes);
		}
	}

	/* A later fragment has no ports: it takes the first one's hash.
	 * Only IPv6 outer headers (flow label) and GUE (source port) use
	 * it. */
	if (kind != 2 && (mode == XLB_MODE_GUE ||
			  (mode == XLB_MODE_IPIP &&
			   be->family == XLB_AF_INET6)))
		hash = xlb_hash_flow(&pkt->key, cfg->hash_seed);
	if (mode == XLB_MODE_L2)
		rc = l2_rewrite(ctx, nh);
	else if (be->family == XLB_AF_INET)
		rc = encap_ipv4(ctx, pkt, nh, cfg->encap_src4, be->addr[0],
				mode == XLB_MODE_GUE ? cfg->gue_port : 0,
				hash);
	else
		rc = encap_ipv6(ctx, pkt, nh, cfg->encap_src6, be->addr,
				mode == XLB_MODE_GUE ? cfg->gue_port : 0,
				hash);
	if (rc)
		return verdict(XLB_STAT_DROP_ENCAP, XDP_DROP, bytes);

	ctr_add(&xlb_vip_stats, vip_id, bytes, rq->new_vip);
	ctr_add(&xlb_backend_stats, be_id, bytes, rq->new_be);
	if (nh->ifindex == ctx->ingress_ifindex)
		return verdict(XLB_STAT_TX, XDP_TX, bytes);
	stat_add(XLB_STAT_REDIRECT, bytes);
	return bpf_redirect(nh->ifindex, 0);
}

/*
 * A packet to an address the VIP filter lets through: parsed, then
 * steered, firewalled or passed. Apart from xlb_main() so that its locals
 * are initialised on this path only.
 */
static __always_inline int vip_packet(struct xdp_md *ctx,
				      const struct xlb_config *cfg, __u64 bytes,
				      int family, __u32 l3_off)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_backend *be = NULL;
	struct xlb_vip_key vk;
	struct xlb_pkt pkt = {};
	struct fwd_req rq = {};
	struct flow_io io;
	struct xlb_frag *frag;
	struct xlb_vip *vip;
	__u32 be_id, new_vip = 0, new_be = 0, vip_id;
	__u32 kind, hash;
	__u8 mode;
	__u64 now;
	int rc;

	now = bpf_ktime_get_coarse_ns();
	rc = parse_packet(data, data_end, family, l3_off, &pkt);
	switch (rc) {
	case PARSE_L4:
		kind = 0;
		break;
	case PARSE_FRAGMENT:
		/*
		 * Fragments of other protocols (a large ping) go to the
		 * kernel, all of them, as they share the protocol. TCP and
		 * UDP: the first fragment goes by its 5-tuple like the
		 * datagram's unfragmented siblings and leaves its backend
		 * in xlb_frags; later ones follow it or, arriving before
		 * it, are dropped: never split over two backends.
		 */
		if ((pkt.key.proto != IPPROTO_TCP &&
		     pkt.key.proto != IPPROTO_UDP) || !is_vip_addr(&pkt))
			return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
		if (pkt.frag == XLB_FRAG_LATER) {
			frag = NULL;
			be_id = frag_backend(&pkt, &frag, &be);
			if (!be_id || !frag || !be)
				return verdict(XLB_STAT_DROP_FRAG, XDP_DROP,
					       bytes);
			stat_add(XLB_STAT_FRAGMENT, bytes);
			vip_id = frag->vip_id;
			mode = frag->mode;
			hash = frag->flow_hash;
			kind = 2;
			goto send;
		}
		kind = 1;
		break;
	case PARSE_OTHER_L4: {
		/* Errors about a VIP flow go to its backend, so that path
		 * MTU discovery reaches the socket that sent; echo and the
		 * rest are the kernel's (it answers a ping to a VIP address
		 * configured on it). */
		struct xlb_flow_key ik = {};

		if (pkt.key.proto != IPPROTO_ICMP &&
		    pkt.key.proto != IPPROTO_ICMPV6)
			return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
		if (parse_icmp_error(data, data_end, &pkt, &ik))
			return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
		vip = NULL;
		be_id = icmp_backend(&pkt, &ik, cfg, &vip, &be);
		if (!vip)
			return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
		if (!be_id || !be)
			return verdict(XLB_STAT_DROP_NO_BACKEND, XDP_DROP,
				       bytes);
		stat_add(XLB_STAT_ICMP_STEERED, bytes);
		vip_id = vip->id;
		mode = vip->mode;
		hash = 0;
		kind = 3;
		goto send;
	}
	case PARSE_BAD:
		/* A protocol we do not serve may be malformed in peace:
		 * the kernel judges it. */
		if ((pkt.key.proto == 0 || pkt.key.proto == IPPROTO_TCP ||
		     pkt.key.proto == IPPROTO_UDP) && is_vip_addr(&pkt))
			return verdict(XLB_STAT_DROP_PARSE, XDP_DROP, bytes);
		return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
	default:
		return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
	}

	vip_key_set(&vk, &pkt.key);
	vip = bpf_map_lookup_elem(&xlb_vips, &vk);
	if (!vip) {
		if (is_vip_addr(&pkt))
			return verdict(XLB_STAT_DROP_FIREWALL, XDP_DROP, bytes);
		return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
	}
	io.now_ns = now;
	io.bytes = bytes;
	io.new_vip = io.new_be = 0;
	be_id = flow_pick(&pkt, vip, cfg, &io);
	be = be_id ? bpf_map_lookup_elem(&xlb_backends, &be_id) : NULL;
	if (!be_id || !be)
		return verdict(XLB_STAT_DROP_NO_BACKEND, XDP_DROP, bytes);
	new_vip = io.new_vip;
	new_be = io.new_be;
	vip_id = vip->id;
	mode = vip->mode;
	/* Only some paths need the flow hash: computed when they do. */
	hash = 0;
	if (kind == 1) {
		stat_add(XLB_STAT_FRAGMENT, bytes);
		hash = frag_remember(&pkt, be_id, vip_id, mode,
				     cfg->hash_seed);
	}
send:
	rq.be_id = be_id;
	rq.vip_id = vip_id;
	rq.kind = kind;
	rq.hash = hash;
	rq.mode = mode;
	rq.new_vip = new_vip;
	rq.new_be = new_be;
	rq.bytes = bytes;
	rq.now = now;
	rc = forward_prepare(ctx, cfg, &rq);
	if (rc)
		return verdict(rc, XDP_DROP, bytes);
	return xlb_forward(ctx, &pkt, cfg, &rq);
}

SEC("xdp")
int xlb_main(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct xlb_config *cfg;
	__u32 zero = 0, dst_xor = 0, l3_off = 0;
	int family;

	cfg = bpf_map_lookup_elem(&xlb_cfg, &zero);
	if (!cfg || !(cfg->flags & XLB_CFG_F_ENABLED))
		return verdict(XLB_STAT_PASS, XDP_PASS, bytes);

	if (data + ETH_HLEN > data_end)
		return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
	/* Broadcast and multicast are for the kernel; unicast to another
	 * MAC reached us by flooding and is not ours to forward. */
	if (((__u8 *)data)[0] & 1)
		return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
	if (!mac_eq(data, cfg->if_mac))
		return verdict(XLB_STAT_OTHERHOST, XDP_PASS, bytes);

	/*
	 * The VIP filter comes first: most traffic that is not ours is
	 * judged by its destination address alone and reaches the kernel
	 * without further parsing or a hash-map lookup. Every packet xlb
	 * acts on is addressed to a VIP address: TCP and UDP, fragments,
	 * malformed packets to a VIP address, and ICMP errors about a VIP
	 * flow (sent to the source of the packet they quote: the VIP).
	 */
	family = parse_dst(data, data_end, &l3_off, &dst_xor);
	if (!family || !may_be_vip(dst_xor, family))
		return verdict(XLB_STAT_PASS, XDP_PASS, bytes);
	return vip_packet(ctx, cfg, bytes, family, l3_off);
}

char LICENSE[] SEC("license") = "GPL";
