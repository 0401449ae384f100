// SPDX-License-Identifier: GPL-2.0
/*
 * xlb data path: an XDP layer-4 load balancer. A packet to a virtual
 * service (address, port, protocol) finds its flow in conntrack or, when
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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_CONNTRACK_DEFAULT);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
} xlb_conntrack SEC(".maps");

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
 * The next hop towards a backend: the per-CPU cache, or the FIB when the
 * entry expired. Returns 0 or the xlb_stats index of the drop reason.
 */
static __always_inline int nexthop_get(struct xdp_md *ctx, __u32 be_id,
				       const struct xlb_backend *be,
				       const struct xlb_config *cfg, __u64 now,
				       struct xlb_nexthop **out)
{
	struct bpf_fib_lookup fib = {};
	struct xlb_nexthop *nh;
	int rc;

	nh = bpf_map_lookup_elem(&xlb_nexthops, &be_id);
	if (!nh)
		return XLB_STAT_DROP_FIB;
	*out = nh;
	if (nh->expires_ns > now)
		return 0;

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
 * Find the flow's backend: conntrack, else the VIP's table. Returns the
 * backend id (0: none usable) and the backend in *bep.
 */
static __always_inline __u32 flow_backend(struct xlb_pkt *pkt,
					  const struct xlb_vip *vip,
					  const struct xlb_config *cfg,
					  __u64 now, __u64 bytes,
					  struct xlb_backend **bep,
					  __u32 *new_vip, __u32 *new_be)
{
	__u8 closing = pkt->tcp_flags & (TCPF_FIN | TCPF_RST) ?
		       XLB_FLOW_F_CLOSING : 0;
	int syn = pkt->key.proto == IPPROTO_TCP &&
		  (pkt->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
	struct xlb_flow *flow, nf;
	struct xlb_backend *be;
	__u32 vip_new = 1;
	__u32 be_id;

	if (syn) {
		stat_add(XLB_STAT_CT_MISS_SYN, bytes);
		/* A SYN starts a new flow: clear a previous one's flags. */
		closing = 0;
		goto pick;
	}
	flow = bpf_map_lookup_elem(&xlb_conntrack, &pkt->key);
	if (flow) {
		__u64 timeout = cfg->udp_timeout_ns ?:
				XLB_UDP_TIMEOUT_NS_DEFAULT;
		__u64 atime = flow->atime_ns;

		if (pkt->key.proto == IPPROTO_UDP && now > atime &&
		    now - atime > timeout) {
			/* Idle too long: a new UDP flow. */
			stat_add(XLB_STAT_CT_MISS_SYN, bytes);
			goto pick;
		}
		be_id = flow->backend_id;
		be = bpf_map_lookup_elem(&xlb_backends, &be_id);
		if (backend_usable(be, vip->id)) {
			stat_add(XLB_STAT_CT_HIT, bytes);
			/* Write only when something changes, so an
			 * established flow costs no cache-line bounce. */
			if (now - atime > XLB_ATIME_GRANULARITY_NS)
				flow->atime_ns = now;
			if (closing & ~flow->flags)
				flow->flags |= closing;
			*bep = be;
			return be_id;
		}
		stat_add(XLB_STAT_CT_REPICK, bytes);
		/* Same flow, new backend: the VIP saw it before. */
		vip_new = 0;
		closing |= flow->flags;
	} else {
		stat_add(pkt->key.proto == IPPROTO_TCP ?
			 XLB_STAT_CT_MISS_NONSYN : XLB_STAT_CT_MISS_SYN, bytes);
	}
pick:
	be_id = ring_pick(vip, pkt, cfg);
	be = bpf_map_lookup_elem(&xlb_backends, &be_id);
	if (!be_id || !backend_usable(be, vip->id))
		return 0;
	nf = (struct xlb_flow){ .backend_id = be_id, .vip_id = vip->id,
				.flags = closing, .atime_ns = now };
	/*
	 * SYN-flood guard. xlb_conntrack is an LRU: every insert into a full
	 * map evicts the least recently used entries, so a flood of new
	 * tuples would push established flows out and their next packets
	 * would re-pick (wrongly, once the backend set changed). Lookups
	 * never evict, so bounding the inserts bounds the eviction rate:
	 * above flood_rate inserts per CPU per second this flow goes by the
	 * table alone (the same backend while the table is unchanged), and
	 * an established flow is only evicted if it stays idle while the
	 * capped insert rate cycles through the whole map (capacity / (rate
	 * x CPUs) seconds, ~1000 s for 4M entries at 1000/s on 4 CPUs), not
	 * within the flood's first second. Below the rate the next window
	 * inserts again. Failure (no memory) still forwards this packet;
	 * the next one picks the same backend from the table.
	 */
	if (cfg->flood_rate && !rate_allow(XLB_RATE_FLOWS, cfg->flood_rate,
					   now))
		stat_add(XLB_STAT_FLOOD, bytes);
	else
		bpf_map_update_elem(&xlb_conntrack, &pkt->key, &nf, BPF_ANY);
	/* Counted with the packet, one counter write per map. */
	*new_vip = vip_new;
	*new_be = 1;
	*bep = be;
	return be_id;
}

/*
 * The backend of the flow an ICMP error is about: conntrack (no insert:
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
	struct xlb_flow *flow;
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
	flow = bpf_map_lookup_elem(&xlb_conntrack, &pkt->key);
	if (flow) {
		be_id = flow->backend_id;
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

static __always_inline void frag_remember(const struct xlb_pkt *pkt,
					  __u32 be_id, __u32 vip_id, __u8 mode,
					  __u32 hash)
{
	struct xlb_frag_key fk = {};
	struct xlb_frag f = {};

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
	struct xlb_nexthop *nh = NULL;
	struct xlb_vip_key vk;
	struct xlb_pkt pkt = {};
	struct xlb_frag *frag;
	struct xlb_vip *vip;
	__u32 be_id, outer_len, new_vip = 0, new_be = 0, vip_id;
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
			goto forward;
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
		goto forward;
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
	be_id = flow_backend(&pkt, vip, cfg, now, bytes, &be, &new_vip,
			     &new_be);
	if (!be_id || !be)
		return verdict(XLB_STAT_DROP_NO_BACKEND, XDP_DROP, bytes);
	vip_id = vip->id;
	mode = vip->mode;
	/* Only some paths need the flow hash: computed when they do. */
	hash = 0;
	if (kind == 1) {
		stat_add(XLB_STAT_FRAGMENT, bytes);
		hash = xlb_hash_flow(&pkt.key, cfg->hash_seed);
		frag_remember(&pkt, be_id, vip_id, mode, hash);
	}

forward:
	if (mode == XLB_MODE_L2) {
		outer_len = 0;
	} else if (mode != XLB_MODE_IPIP && mode != XLB_MODE_GUE) {
		return verdict(XLB_STAT_DROP_ENCAP, XDP_DROP, bytes);
	} else if (be->family == XLB_AF_INET) {
		if (!cfg->encap_src4)
			return verdict(XLB_STAT_DROP_ENCAP, XDP_DROP, bytes);
		outer_len = sizeof(struct iphdr);
	} else if (be->family == XLB_AF_INET6) {
		if (!(cfg->encap_src6[0] | cfg->encap_src6[1] |
		      cfg->encap_src6[2] | cfg->encap_src6[3]))
			return verdict(XLB_STAT_DROP_ENCAP, XDP_DROP, bytes);
		outer_len = sizeof(struct ipv6hdr);
	} else {
		return verdict(XLB_STAT_DROP_ENCAP, XDP_DROP, bytes);
	}
	if (mode == XLB_MODE_GUE) {
		if (!cfg->gue_port)
			return verdict(XLB_STAT_DROP_ENCAP, XDP_DROP, bytes);
		outer_len += XLB_GUE_LEN;
	}

	rc = nexthop_get(ctx, be_id, be, cfg, now, &nh);
	if (rc)
		return verdict(rc, XDP_DROP, bytes);
	if (!nh)
		return verdict(XLB_STAT_DROP_FIB, XDP_DROP, bytes);
	if (pkt.l3_len + outer_len > nh->mtu) {
		/* No ICMP about ICMP (RFC 1122 3.2.2, RFC 4443 2.4). An
		 * IPv4 packet without DF may be fragmented on the way: it
		 * goes on with DF clear outside too, for a path whose
		 * links carry more than the route MTU. */
		if (kind == 3)
			return verdict(XLB_STAT_DROP_TOO_BIG, XDP_DROP, bytes);
		if (pkt.key.family == XLB_AF_INET && !pkt.df) {
			stat_add(XLB_STAT_TOO_BIG_FWD, bytes);
		} else {
			if (nh->mtu <= outer_len)
				return verdict(XLB_STAT_DROP_TOO_BIG, XDP_DROP,
					       bytes);
			if (!rate_allow(XLB_RATE_ICMP, XLB_ICMP_RATE_PER_CPU,
					now))
				return verdict(XLB_STAT_ICMP_RATELIMIT,
					       XDP_DROP, bytes);
			if (icmp_too_big(ctx, &pkt, nh->mtu - outer_len,
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
		hash = xlb_hash_flow(&pkt.key, cfg->hash_seed);
	if (mode == XLB_MODE_L2)
		rc = l2_rewrite(ctx, nh);
	else if (be->family == XLB_AF_INET)
		rc = encap_ipv4(ctx, &pkt, nh, cfg->encap_src4, be->addr[0],
				mode == XLB_MODE_GUE ? cfg->gue_port : 0,
				hash);
	else
		rc = encap_ipv6(ctx, &pkt, nh, cfg->encap_src6, be->addr,
				mode == XLB_MODE_GUE ? cfg->gue_port : 0,
				hash);
	if (rc)
		return verdict(XLB_STAT_DROP_ENCAP, XDP_DROP, bytes);

	ctr_add(&xlb_vip_stats, vip_id, bytes, new_vip);
	ctr_add(&xlb_backend_stats, be_id, bytes, new_be);
	if (nh->ifindex == ctx->ingress_ifindex)
		return verdict(XLB_STAT_TX, XDP_TX, bytes);
	stat_add(XLB_STAT_REDIRECT, bytes);
	return bpf_redirect(nh->ifindex, 0);
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
