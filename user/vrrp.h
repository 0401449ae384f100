/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VRRP version 3 (RFC 5798) protocol core: advertisement codec and the
 * per-instance state machine. No I/O and no clock reads: the caller passes
 * the time (milliseconds, any monotonic origin) into every call, executes
 * the actions handed back in struct vrrp_out and asks vrrp_next_timeout()
 * when to call vrrp_timer() next. Instances (one per VRID and family) are
 * independent, so several of them give an active/active pair.
 *
 * Address owners (priority 255) are not supported locally: xlb's virtual
 * addresses are never a host's own interface addresses, and an owner
 * would also have to ignore every advertisement (RFC 5798 section 7.1).
 * Advertisements with priority 255 from other routers are accepted.
 */
#ifndef XLB_VRRP_H
#define XLB_VRRP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "addr.h"

#define VRRP_VERSION		3
#define VRRP_TYPE_ADVERT	1
#define VRRP_IPPROTO		112
#define VRRP_TTL		255	/* sent and required on receive */
#define VRRP_HDR_LEN		8
#define VRRP_PRIO_STOP		0	/* master resigning */
#define VRRP_PRIO_MIN		1
#define VRRP_PRIO_DEFAULT	100
#define VRRP_PRIO_MAX		254	/* highest for a non-owner */
#define VRRP_PRIO_OWNER		255
#define VRRP_INTERVAL_MIN_CS	1	/* 10 ms */
#define VRRP_INTERVAL_MAX_CS	4095	/* 12-bit field */
#define VRRP_INTERVAL_DEFAULT_CS 100	/* 1 s */
/* 64 IPv6 addresses make a 1032-byte advert: fits the IPv6 minimum MTU. */
#define VRRP_ADDRS_MAX		64
#define VRRP_PEERS_MAX		8
#define VRRP_PKT_MAX		(VRRP_HDR_LEN + VRRP_ADDRS_MAX * 16)
/* Multicast group: 224.0.0.18 and ff02::12 (see vrrp_dests()). */
#define VRRP_MCAST4		0xe0000012u	/* host order */
/* Sentinel from vrrp_next_timeout() for a stopped instance. */
#define VRRP_NO_TIMEOUT		(~0ull)

enum vrrp_state {
	VRRP_STATE_INIT,
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
};

/*
 * Why a received packet was dropped. Each reason has its own counter, so
 * decoding returns one of these rather than an errno.
 */
enum vrrp_drop {
	VRRP_OK,
	VRRP_DROP_FAMILY,	/* addresses not of the instance's family */
	VRRP_DROP_TTL,		/* TTL / hop limit not 255: off-link */
	VRRP_DROP_TRUNCATED,	/* header or addresses cut short */
	VRRP_DROP_VERSION,	/* version is not 3 */
	VRRP_DROP_TYPE,		/* type is not ADVERTISEMENT */
	VRRP_DROP_LENGTH,	/* bytes after the last address */
	VRRP_DROP_CSUM,		/* checksum (with pseudo-header) wrong */
	VRRP_DROP_INTERVAL,	/* max advert interval of 0 */
	VRRP_DROP_VRID,		/* not this instance's VRID */
	VRRP_DROP_PEER,		/* source is not a configured peer */
	VRRP_DROP_OWN,		/* our own advert looped back */
	VRRP_DROP_COUNT,	/* address count differs from ours */
	VRRP_DROP_ADDRS,	/* same count, different addresses */
	VRRP_DROP_MAX
};

/* One advertisement, decoded. Addresses share the family. */
struct vrrp_advert {
	__u8 family;		/* XLB_AF_INET or XLB_AF_INET6 */
	__u8 vrid;
	__u8 prio;
	__u8 count;
	__u16 interval_cs;	/* max advert interval, centiseconds */
	struct ip_addr addrs[VRRP_ADDRS_MAX];
};

struct vrrp_cfg {
	__u8 vrid;			/* 1..255 */
	__u8 prio;			/* 1..254 */
	__u16 interval_cs;		/* 1..4095 */
	bool preempt;			/* RFC default: true */
	/* Behave as nopreempt for this long after vrrp_start(). */
	__u64 preempt_delay_ms;
	/* Our address on the link: the adverts' source and tiebreak. */
	struct ip_addr primary;
	unsigned int naddrs;		/* 1..VRRP_ADDRS_MAX */
	struct ip_addr addrs[VRRP_ADDRS_MAX];
	/* If set: advertise unicast to these and accept only them. */
	unsigned int npeers;
	struct ip_addr peers[VRRP_PEERS_MAX];
};

struct vrrp_stats {
	__u64 rx_adverts;		/* passed every check */
	__u64 rx_prio0;			/* of which priority 0 */
	__u64 rx_discarded;		/* valid, but ignored */
	__u64 tx_adverts;		/* VRRP_ACT_ADVERT handed out */
	__u64 tx_prio0;
	__u64 became_master;
	__u64 became_backup;
	__u64 transitions;		/* state changes, to INIT included */
	__u64 drops[VRRP_DROP_MAX];	/* by reason; [VRRP_OK] unused */
};

struct vrrp {
	struct vrrp_cfg cfg;
	enum vrrp_state state;
	__u8 prio;			/* now: cfg or vrrp_set_priority() */
	__u16 master_adv_cs;		/* Master_Adver_Interval */
	/* Adver_Timer in Master, Master_Down_Timer in Backup. */
	__u64 deadline;
	__u64 preempt_after;		/* preempt only from this time on */
	struct ip_addr master;		/* master we follow (Backup) */
	__u8 master_prio;
	struct vrrp_stats stats;
};

/* Actions for the caller, executed in this order. */
#define VRRP_ACT_RELEASE	(1u << 0)	/* remove the addresses */
#define VRRP_ACT_ADVERT		(1u << 1)	/* send, with out.prio */
#define VRRP_ACT_TAKEOVER	(1u << 2)	/* add addresses, GARP / NA */

struct vrrp_out {
	unsigned int act;		/* VRRP_ACT_* */
	__u8 prio;			/* for VRRP_ACT_ADVERT */
	bool changed;			/* state changed: notify */
	enum vrrp_state from, to;
	__u64 seq;			/* stats.transitions after it */
};

/*
 * Validate cfg completely and set v up in Initialize. Returns 0 or
 * -EINVAL (VRID 0, priority outside 1..254, interval outside 1..4095 cs,
 * no or too many addresses or peers, mixed families, duplicates, a peer
 * equal to the primary address).
 */
int vrrp_init(struct vrrp *v, const struct vrrp_cfg *cfg);
/* Startup event: Initialize -> Backup. 0 or -EALREADY. */
int vrrp_start(struct vrrp *v, __u64 now, struct vrrp_out *out);
/* Shutdown event: -> Initialize; a master resigns with priority 0. */
void vrrp_shutdown(struct vrrp *v, __u64 now, struct vrrp_out *out);
/* Fire the running timer if now has reached it. */
void vrrp_timer(struct vrrp *v, __u64 now, struct vrrp_out *out);
/* When vrrp_timer() must run next, or VRRP_NO_TIMEOUT. */
__u64 vrrp_next_timeout(const struct vrrp *v);
/*
 * Change the priority at run time (tracking, planned switchover). A
 * master advertises the new priority at once; a preempting backup with a
 * higher priority then ignores it and takes over after its master-down
 * interval. 0 or -ERANGE (outside 1..254).
 */
int vrrp_set_priority(struct vrrp *v, __u64 now, __u8 prio,
		      struct vrrp_out *out);

/* A received packet: the caller fills src, dst and ttl, decode adv. */
struct vrrp_rx_info {
	struct ip_addr src, dst;
	int ttl;			/* IPv4 TTL or IPv6 hop limit */
	struct vrrp_advert adv;
};

/*
 * Check a received VRRP message (buf starts at the version field) for v
 * and fill rx->adv. Returns VRRP_OK or the reason, which it also counts.
 */
enum vrrp_drop vrrp_decode(struct vrrp *v, const void *buf, size_t len,
			   struct vrrp_rx_info *rx);
/* Feed an advert that vrrp_decode() accepted to the state machine. */
void vrrp_rx(struct vrrp *v, __u64 now, const struct vrrp_rx_info *rx,
	     struct vrrp_out *out);

/*
 * Instance-independent part of decoding: lengths, version, type,
 * checksum over the pseudo-header of src -> dst, interval. A count above
 * VRRP_ADDRS_MAX gives VRRP_DROP_COUNT.
 */
enum vrrp_drop vrrp_parse(const void *buf, size_t len,
			  const struct ip_addr *src, const struct ip_addr *dst,
			  struct vrrp_advert *adv);
/*
 * Write adv as sent from src to dst. Returns the length or -EINVAL
 * (field out of range, family mismatch) or -ENOSPC.
 */
int vrrp_encode(const struct vrrp_advert *adv, const struct ip_addr *src,
		const struct ip_addr *dst, void *buf, size_t len);
/* v's advert with priority prio (from struct vrrp_out) for dst. */
int vrrp_build(const struct vrrp *v, __u8 prio, const struct ip_addr *dst,
	       void *buf, size_t len);
/*
 * Where v's adverts go: the configured peers, or the VRRP multicast group
 * of v's family. Fills dst[0..n-1] (room for VRRP_PEERS_MAX), returns n.
 */
unsigned int vrrp_dests(const struct vrrp *v, struct ip_addr *dst);
/* The VRID of a packet, to pick its instance; or -EINVAL if too short. */
int vrrp_pkt_vrid(const void *buf, size_t len);

/* Skew_Time and Master_Down_Interval for the current Master_Adver_Interval
 * and priority, in milliseconds. */
__u64 vrrp_skew_ms(const struct vrrp *v);
__u64 vrrp_master_down_ms(const struct vrrp *v);
const char *vrrp_state_str(enum vrrp_state s);
const char *vrrp_drop_str(enum vrrp_drop d);

#endif /* XLB_VRRP_H */
