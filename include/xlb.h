/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI between xlb's XDP program and userspace: every map key and value,
 * map sizes, flag bits and counter indices. Nothing else lives here.
 *
 * Rules: fixed-width types with the byte order in the type, explicit
 * padding, a size assertion per struct, no pointers, bool or enums.
 * Addresses are always 16 bytes; an IPv4 address sits in addr[0] with
 * addr[1..3] zero, and the family field says which it is.
 */
#ifndef XLB_H
#define XLB_H

#include <linux/types.h>

/* Address families, as stored in the family fields below. */
#define XLB_AF_INET		4
#define XLB_AF_INET6		6

/* Map sizes. */
#define XLB_MAX_VIPS		1024	/* ids 0..1023 */
#define XLB_MAX_BACKENDS	65536	/* ids 1..65535; 0 means "none" */
#define XLB_RING_SIZE_DEFAULT	65537	/* Maglev slots, prime */
#define XLB_RING_SIZE_MAX	1048573	/* largest prime < 2^20 */
#define XLB_CONNTRACK_DEFAULT	(4u << 20)	/* flows */
#define XLB_VIP_ADDRS_MAX	XLB_MAX_VIPS

/*
 * Idle timeouts of a flow: a TCP flow idle for XLB_TCP_TIMEOUT_NS, one
 * whose client closed it (FIN/RST) quiet for XLB_CLOSING_LINGER_NS, a UDP
 * flow idle for its udp-timeout has expired. An expired entry is the
 * first to be replaced, is no live flow for the daemon (status, drain),
 * and a UDP packet that finds one starts a new flow.
 */
#define XLB_UDP_TIMEOUT_NS_DEFAULT	(30ull * 1000000000ull)
#define XLB_TCP_TIMEOUT_NS		(900ull * 1000000000ull)
#define XLB_CLOSING_LINGER_NS		(2ull * 1000000000ull)
/* udp-timeout's range: the flow table's clock counts ticks of 67 ms up to
 * XLB_CT_IDLE_MAX. */
#define XLB_UDP_TIMEOUT_MIN_NS		(1ull * 1000000000ull)
#define XLB_UDP_TIMEOUT_MAX_NS		(3600ull * 1000000000ull)
/* How long the data path trusts a cached next hop before asking the FIB. */
#define XLB_NEXTHOP_TTL_NS		(1000000000ull)

/* Outer header defaults. */
#define XLB_OUTER_TTL		64
#define XLB_GUE_PORT_DEFAULT	6080
/*
 * GUE (draft-ietf-intarea-gue), variant 0: outer IP, UDP to the GUE port,
 * then a 4-byte header (version 0, C 0, Hlen 0, Proto/ctype = the inner
 * IP protocol: 4 or 41, flags 0) and the client's packet. The UDP source
 * port is XLB_GUE_SPORT_BASE plus 14 bits of the flow hash, so the
 * backends' NICs spread flows over their queues; the UDP checksum is
 * zero (RFC 768 for IPv4; for IPv6 as RFC 6935/6936 allow for tunnels:
 * the inner packet carries its own checksum and xlb-decap accepts only
 * its own addresses and port).
 */
#define XLB_GUE_HDR_LEN		4
#define XLB_GUE_SPORT_BASE	0xc000

/* struct xlb_vip.mode: how packets reach the backends. */
#define XLB_MODE_IPIP		0	/* IPIP, IP6IP6, IP6-in-IP4, IP4-in-IP6 */
#define XLB_MODE_GUE		1	/* outer IP + UDP (GUE) */
#define XLB_MODE_L2		2	/* MAC rewrite, no encapsulation */

/* struct xlb_vip.flags */
#define XLB_VIP_F_STICKY	(1u << 0)	/* hash the client address only */

/* struct xlb_backend.flags */
#define XLB_BE_F_VALID		(1u << 0)	/* slot in use */
#define XLB_BE_F_DOWN		(1u << 1)	/* failed health checks: flows re-pick */
#define XLB_BE_F_DRAINING	(1u << 2)	/* out of the ring, flows continue */
#define XLB_BE_F_UNRESOLVED	(1u << 3)	/* next hop unresolved: out of the ring, flows continue */

/* struct xlb_config.flags */
#define XLB_CFG_F_ENABLED	(1u << 0)	/* zero before the daemon configured us: pass all */

/* key of xlb_vips */
struct xlb_vip_key {
	__be32 addr[4];
	__be16 port;
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;		/* XLB_AF_* */
};
_Static_assert(sizeof(struct xlb_vip_key) == 20, "xlb_vip_key size");

/* value of xlb_vips */
struct xlb_vip {
	__u32 id;		/* index into xlb_rings and xlb_vip_stats */
	__u32 flags;		/* XLB_VIP_F_* */
	__u32 ring_size;	/* slots in this VIP's Maglev table */
	__u8 mode;		/* XLB_MODE_* */
	__u8 pad[3];
};
_Static_assert(sizeof(struct xlb_vip) == 16, "xlb_vip size");

/* key of xlb_vip_addrs: every address that has at least one VIP */
struct xlb_addr_key {
	__be32 addr[4];
	__u8 family;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xlb_addr_key) == 20, "xlb_addr_key size");

/* value of xlb_backends, indexed by backend id */
struct xlb_backend {
	__be32 addr[4];
	__u32 vip_id;		/* the VIP this backend serves */
	__u8 family;		/* XLB_AF_* */
	__u8 flags;		/* XLB_BE_F_* */
	__u16 pad;
};
_Static_assert(sizeof(struct xlb_backend) == 24, "xlb_backend size");

/* A packet's 5-tuple as the client sent it (parser and hashing). */
struct xlb_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};
_Static_assert(sizeof(struct xlb_flow_key) == 40, "xlb_flow_key size");

/*
 * The flow table: two BPF_F_MMAPABLE arrays indexed alike by bucket,
 * xlb_flows (each bucket's metas: tags, clocks, backends; one cache line)
 * and xlb_flow_keys (its flows' keys), split in one partition per
 * possible CPU (xlb_ct_geometry). A CPU inserts and
 * updates only in its own partition, so the packet path takes no lock and
 * no atomic operation; it looks in the others when its own does not know
 * a flow. A flow hashes (xlb_ct_hash) to two buckets of a partition
 * (xlb_ct_bucket1, xlb_ct_alt), takes a slot in the less loaded one, may
 * move one entry to its other bucket to make room (partial-key cuckoo:
 * the other bucket follows from the bucket and the tag alone), and else
 * replaces an expired entry, then the oldest that never saw a second
 * packet; an entry that did is never replaced by a new flow (the flow
 * goes by the Maglev table alone, counted XLB_STAT_CT_FULL).
 * docs/datapath.md explains the choices.
 */
#define XLB_CT_WAYS		8	/* slots per bucket */
/* The table's clock: bpf_ktime_get_coarse_ns() >> XLB_CT_TICK_SHIFT
 * (67.1 ms ticks), kept in 16 bits (they wrap after 73 min). */
#define XLB_CT_TICK_SHIFT	26
/* A slot's atime is rewritten only when this many ticks old (~1.07 s). */
#define XLB_CT_TOUCH_TICKS	16
/* The idle times a slot can tell, in ticks (4123 s): an atime up to 4096
 * ticks ahead of a reader's clock is one written after the reader looked
 * at its clock, idle 0. Every timeout is shorter (XLB_UDP_TIMEOUT_MAX_NS);
 * the daemon frees expired slots long before their clock wraps. */
#define XLB_CT_IDLE_MAX		0xf000u

/*
 * An insert into two full buckets first tries to move one of their
 * entries to its other bucket. Where that keeps failing (a partition full
 * of live flows: every bucket around is full too), each try costs the
 * read of four more buckets for nothing; so after XLB_CT_BACKOFF_FAILS
 * failures in a row a CPU tries once in XLB_CT_BACKOFF_SKIP such inserts,
 * until a move succeeds again.
 */
#define XLB_CT_BACKOFF_FAILS	8
#define XLB_CT_BACKOFF_SKIP	64

/* struct xlb_ct_meta.tag: the flow hash's high 24 bits | XLB_CT_F_* */
#define XLB_CT_TAG_MASK		0xffffff00u
#define XLB_CT_F_USED		(1u << 0)	/* 0: a free slot */
#define XLB_CT_F_SEEN2		(1u << 1)	/* a packet after the first */
#define XLB_CT_F_CLOSING	(1u << 2)	/* client sent FIN or RST */
#define XLB_CT_F_UDP		(1u << 3)	/* else TCP */
/* Copied from another CPU's partition (RSS moved the flow): the daemon
 * frees the older of the two (maps_ct_twin()). */
#define XLB_CT_F_COPY		(1u << 4)

/* What a lookup compares first, what replacement and the daemon's counts
 * need: a bucket's eight fit one cache line, apart from the keys. */
struct xlb_ct_meta {
	__u32 tag;
	__u16 atime;		/* last use, in ticks (low 16 bits) */
	__u16 backend_id;
};
_Static_assert(sizeof(struct xlb_ct_meta) == 8, "xlb_ct_meta size");

/* value of xlb_flows */
struct xlb_ct_bucket {
	struct xlb_ct_meta meta[XLB_CT_WAYS];
};
_Static_assert(sizeof(struct xlb_ct_bucket) == 64, "xlb_ct_bucket size");

/* A flow's key: the client's address and port and the VIP (whose id
 * stands for its address, port and protocol). */
struct xlb_ct_entry {
	__be32 src[4];		/* IPv4: src[0], the rest zero */
	__be16 sport;
	__u16 vip_id;
	__u32 pad;
};
_Static_assert(sizeof(struct xlb_ct_entry) == 24, "xlb_ct_entry size");

/* value of xlb_flow_keys: with the bucket's metas, 32 bytes a flow, all
 * included */
struct xlb_ct_keys {
	struct xlb_ct_entry e[XLB_CT_WAYS];
};
_Static_assert(sizeof(struct xlb_ct_keys) == 192, "xlb_ct_keys size");

/* value of xlb_ct_geometry[0]: how the table is split, written by the
 * daemon when it creates the table and read back by every later one. */
struct xlb_ct_geometry {
	__u32 parts;		/* partitions: possible CPUs */
	__u32 part_buckets;	/* buckets in each */
	__u32 seed;		/* of xlb_ct_hash: random, kept with the table */
	__u32 version;		/* XLB_CT_VERSION */
};
_Static_assert(sizeof(struct xlb_ct_geometry) == 16, "xlb_ct_geometry size");
#define XLB_CT_VERSION		2

/* value of xlb_cfg[0]; written by the daemon */
struct xlb_config {
	__u32 flags;		/* XLB_CFG_F_* */
	__u32 hash_seed;
	__be32 encap_src4;	/* outer source of IPv4 encapsulation */
	__u32 pad0;
	__be32 encap_src6[4];	/* outer source of IPv6 encapsulation */
	__u64 udp_timeout_ns;
	__u8 if_mac[6];		/* frames to other MACs are not ours */
	__be16 gue_port;	/* outer UDP destination port for GUE */
	/*
	 * SYN-flood guard: above this many new-flow conntrack inserts per
	 * CPU per second, new flows go by the table without an entry.
	 * 0: no guard.
	 */
	__u32 flood_rate;
	__u32 pad1;
};
_Static_assert(sizeof(struct xlb_config) == 56, "xlb_config size");

/* The flow table's arithmetic, shared by the data path and userspace. */
#define XLB_CT_INLINE	static inline __attribute__((always_inline))

/* First bucket of hash h among nb. */
XLB_CT_INLINE __u32 xlb_ct_bucket1(__u32 h, __u32 nb)
{
	return (__u32)(((__u64)h * nb) >> 32);
}

/* The other bucket of a slot with tag in bucket b (and back). */
XLB_CT_INLINE __u32 xlb_ct_alt(__u32 b, __u32 tag, __u32 nb)
{
	__u32 off = (__u32)(((__u64)((tag >> 8) * 0x9e3779b1u) * nb) >> 32);

	return off >= b ? off - b : off + nb - b;
}

/* Ticks a slot may stay idle before it expires. */
XLB_CT_INLINE __u32 xlb_ct_timeout(__u32 tag, __u64 udp_timeout_ns)
{
	if (tag & XLB_CT_F_UDP)
		return (udp_timeout_ns ? udp_timeout_ns :
			XLB_UDP_TIMEOUT_NS_DEFAULT) >> XLB_CT_TICK_SHIFT;
	if (tag & XLB_CT_F_CLOSING)
		return XLB_CLOSING_LINGER_NS >> XLB_CT_TICK_SHIFT;
	return XLB_TCP_TIMEOUT_NS >> XLB_CT_TICK_SHIFT;
}

/* Idle ticks of a slot at now (0 if its atime is ahead of now: a reader
 * whose clock lags the writer's). */
XLB_CT_INLINE __u32 xlb_ct_idle(const struct xlb_ct_meta *m, __u32 now)
{
	__u32 d = (__u16)(now - m->atime);

	return d < XLB_CT_IDLE_MAX ? d : 0;
}

/* Does a slot hold a flow that has not expired? */
XLB_CT_INLINE int xlb_ct_live(const struct xlb_ct_meta *m, __u32 now,
			      __u64 udp_timeout_ns)
{
	return (m->tag & XLB_CT_F_USED) &&
	       xlb_ct_idle(m, now) < xlb_ct_timeout(m->tag, udp_timeout_ns);
}

/* per-CPU cache of a backend's next hop, indexed by backend id */
struct xlb_nexthop {
	__u64 expires_ns;
	__u32 ifindex;
	__u16 mtu;
	__u8 smac[6];
	__u8 dmac[6];
	__u8 pad[6];
};
_Static_assert(sizeof(struct xlb_nexthop) == 32, "xlb_nexthop size");

/* per-CPU counters: xlb_vip_stats[vip id], xlb_backend_stats[backend id] */
struct xlb_ctr {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 pad;
};
_Static_assert(sizeof(struct xlb_ctr) == 32, "xlb_ctr size");

/*
 * xlb_vip_filter[0]: one bit per hashed destination address, set while a
 * VIP uses an address that hashes there. A clear bit proves the packet is
 * not for a VIP (nor a firewalled VIP address), so most traffic that is not
 * ours reaches the kernel without a single hash-map lookup. The daemon sets
 * a bit before the VIP appears and clears it after the VIP is gone, so a
 * bit is never clear while its VIP is reachable.
 */
#define XLB_VIP_FILTER_SHIFT	12
#define XLB_VIP_FILTER_BITS	(1u << XLB_VIP_FILTER_SHIFT)

struct xlb_vip_filter {
	__u64 bits[XLB_VIP_FILTER_BITS / 64];
};
_Static_assert(sizeof(struct xlb_vip_filter) == 512, "xlb_vip_filter size");

/*
 * The bit of an address: both sides must compute it the same way. The
 * data path folds the address as it reads it (addr_xor: the xor of its
 * 32-bit words) and never stores it whole.
 */
static inline __attribute__((always_inline)) __u32
xlb_vip_filter_bit_xor(__u32 addr_xor, __u8 family)
{
	__u32 h = addr_xor ^ family;

	h ^= h >> 16;
	h *= 0x9e3779b1u;
	return h >> (32 - XLB_VIP_FILTER_SHIFT);
}

static inline __attribute__((always_inline)) __u32
xlb_vip_filter_bit(const __be32 *addr, __u8 family)
{
	return xlb_vip_filter_bit_xor(addr[0] ^ addr[1] ^ addr[2] ^ addr[3],
				      family);
}

/* Indices of xlb_stats, the global per-CPU counters (packets and bytes). */
#define XLB_STAT_PASS		0	/* not for a VIP: to the kernel */
#define XLB_STAT_TX		1	/* forwarded by XDP_TX */
#define XLB_STAT_REDIRECT	2	/* forwarded by redirect */
#define XLB_STAT_DROP_FIREWALL	3	/* VIP address, port/proto not served */
#define XLB_STAT_DROP_NO_BACKEND 4	/* VIP with an empty table */
#define XLB_STAT_DROP_PARSE	5	/* malformed packet to a VIP address */
#define XLB_STAT_DROP_TOO_BIG	6	/* encapsulated packet exceeds the MTU */
#define XLB_STAT_DROP_FIB	7	/* no route to the backend */
#define XLB_STAT_DROP_NO_NEIGH	8	/* next hop not resolved */
#define XLB_STAT_DROP_ENCAP	9	/* could not grow the headroom */
#define XLB_STAT_CT_HIT		10	/* packet found its flow */
#define XLB_STAT_CT_MISS_SYN	11	/* new TCP flow (SYN) or new UDP flow */
#define XLB_STAT_CT_MISS_NONSYN	12	/* TCP non-SYN without an entry */
#define XLB_STAT_CT_REPICK	13	/* entry pointed at a dead backend */
#define XLB_STAT_OTHERHOST	14	/* frame for another MAC: to the kernel */
#define XLB_STAT_FRAGMENT	15	/* IP fragment to a VIP, forwarded */
#define XLB_STAT_ICMP_SENT	16	/* too big: ICMP/ICMPv6 reply sent */
#define XLB_STAT_ICMP_RATELIMIT	17	/* too big, reply over the rate: drop */
#define XLB_STAT_ICMP_STEERED	18	/* ICMP error forwarded to a backend */
#define XLB_STAT_TOO_BIG_FWD	19	/* too big, IPv4 DF clear: forwarded */
#define XLB_STAT_FLOOD		20	/* new flow not inserted: flood guard */
#define XLB_STAT_DROP_FRAG	21	/* later fragment, first one unseen */
#define XLB_STAT_CT_REMOTE	22	/* flow found in another CPU's partition */
#define XLB_STAT_CT_EVICT	23	/* live entry without a second packet replaced */
#define XLB_STAT_CT_FULL	24	/* new flow found no slot: by the table alone */
#define XLB_STAT_CT_MOVED	25	/* entry moved to its other bucket for room */
/* not found here, other CPUs' partitions not read (over
 * XLB_CT_REMOTE_READS): by the table alone, no entry */
#define XLB_STAT_CT_REMOTE_SKIP	26
#define XLB_STAT_MAX		32

/*
 * Per-CPU rate windows, xlb_rates[XLB_RATE_*]: a count of events in the
 * current one-second window. The ICMP too-big replies allow
 * XLB_ICMP_RATE_PER_CPU a window; new flows xlb_config.flood_rate.
 */
#define XLB_RATE_ICMP		0
#define XLB_RATE_FLOWS		1
#define XLB_RATE_REMOTE		2
#define XLB_RATE_MAX		3
#define XLB_RATE_WINDOW_NS	(1000000000ull)
/*
 * A packet whose flow this CPU's partition does not know (a non-SYN TCP
 * packet, a UDP datagram) reads the other CPUs' partitions: at most this
 * many partition reads per CPU per second (XLB_RATE_REMOTE counts
 * lookups, each reading ct_parts - 1), some 5 % of a CPU. Beyond, the
 * packet goes by the Maglev table without an entry, and its flow's next
 * packet looks again: an ACK flood costs no more than a table lookup.
 */
#define XLB_CT_REMOTE_READS	500000u
#define XLB_ICMP_RATE_PER_CPU	100

/* value of xlb_rates */
struct xlb_rate {
	__u64 window_ns;	/* start of the current window */
	__u32 count;		/* events in it, including refused ones */
	__u32 pad;
};
_Static_assert(sizeof(struct xlb_rate) == 16, "xlb_rate size");

/*
 * Fragments: the first fragment of a datagram is steered by its 5-tuple
 * like any packet; its backend is remembered here under the datagram's
 * identity, and later fragments follow it. Key: struct xlb_frag_key;
 * value: struct xlb_frag.
 */
#define XLB_FRAGS_MAX		16384

struct xlb_frag_key {
	__be32 src[4];
	__be32 dst[4];
	__be32 id;		/* IPv4: 16-bit id in the low bytes */
	__u8 proto;		/* upper-layer protocol */
	__u8 family;
	__u16 pad;
};
_Static_assert(sizeof(struct xlb_frag_key) == 40, "xlb_frag_key size");

struct xlb_frag {
	__u32 backend_id;
	__u16 vip_id;
	__u8 mode;		/* the VIP's XLB_MODE_* */
	__u8 pad;
	__u32 flow_hash;	/* the first fragment's, for the outer header */
};
_Static_assert(sizeof(struct xlb_frag) == 12, "xlb_frag size");

/*
 * Backend-side decapsulation (decap.bpf.c). xlb_decap_addrs is keyed by
 * struct xlb_addr_key: the host's addresses a tunnel may be sent to; its
 * value is the __u32 ifindex the address was found on. xlb_decap_stats is
 * a per-CPU array of struct xlb_ctr (packets and bytes) indexed by
 * XLB_DECAP_STAT_*.
 */
#define XLB_DECAP_ADDRS_MAX		256
#define XLB_DECAP_STAT_DECAP		0	/* tunnel to us, stripped */
#define XLB_DECAP_STAT_PASS		1	/* anything else, untouched */
#define XLB_DECAP_STAT_MALFORMED	2	/* tunnel to us, bad: dropped */
#define XLB_DECAP_STAT_MAX		4

#endif /* XLB_H */
