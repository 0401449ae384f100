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

/* Default idle timeout of a UDP flow's conntrack entry. */
#define XLB_UDP_TIMEOUT_NS_DEFAULT	(30ull * 1000000000ull)
/* A flow's atime is only rewritten when it is older than this. */
#define XLB_ATIME_GRANULARITY_NS	(1000000000ull)
/*
 * When the daemon counts a flow as live (status, drain): a TCP flow idle
 * for less than XLB_TCP_LIVE_NS, unless the client closed it (FIN/RST) and
 * it has been quiet for XLB_CLOSING_LINGER_NS; a UDP flow within its
 * timeout. Conntrack keeps no other TCP state: entries age out by LRU.
 */
#define XLB_TCP_LIVE_NS			(300ull * 1000000000ull)
#define XLB_CLOSING_LINGER_NS		(2ull * 1000000000ull)
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

/* key of xlb_conntrack: the client's view of the flow */
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

/* struct xlb_flow.flags */
#define XLB_FLOW_F_CLOSING	(1u << 0)	/* client sent FIN or RST */

/* value of xlb_conntrack */
struct xlb_flow {
	__u32 backend_id;
	__u16 vip_id;
	__u8 flags;		/* XLB_FLOW_F_*; a SYN clears them */
	__u8 pad;
	__u64 atime_ns;		/* bpf_ktime_get_ns() of the last use, coarse */
};
_Static_assert(sizeof(struct xlb_flow) == 16, "xlb_flow size");

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
#define XLB_STAT_MAX		32

/*
 * Per-CPU rate windows, xlb_rates[XLB_RATE_*]: a count of events in the
 * current one-second window. The ICMP too-big replies allow
 * XLB_ICMP_RATE_PER_CPU a window; new flows xlb_config.flood_rate.
 */
#define XLB_RATE_ICMP		0
#define XLB_RATE_FLOWS		1
#define XLB_RATE_MAX		2
#define XLB_RATE_WINDOW_NS	(1000000000ull)
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
