/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus stats file. The daemon copies its counters and state into
 * a struct stats_snapshot (plain data, no BPF or socket access here);
 * stats_render() turns it into the text exposition format and
 * stats_write_file() replaces the file node_exporter's textfile collector
 * reads, atomically, so a scrape never sees half a file.
 *
 * Metric families, in file order (the public contract):
 *   xlb_vip_{packets,bytes,new_flows}_total,
 *   xlb_vip_failing_{open,closed}                          {proto,vip}
 *   xlb_backend_{packets,bytes,new_flows}_total,
 *   xlb_backend_{active_flows,up,weight,draining,resolving},
 *   xlb_backend_nexthop_losses_total                     {proto,vip,backend}
 *   xlb_health_checks_total                       {proto,vip,backend,result}
 *   xlb_packets_total{action}, xlb_drops_total{reason}
 *   xlb_conntrack_{entries,live,capacity}, xlb_conntrack_hits_total,
 *   xlb_conntrack_misses_total{kind}, xlb_conntrack_{remote_hits,
 *   evictions,untracked,moves}_total
 *   xlb_vrrp_state{vrid}, xlb_vrrp_transitions_total{vrid},
 *   xlb_vrrp_priority{vrid}, xlb_vrrp_adverts_{sent,received}_total{vrid},
 *   xlb_vrrp_adverts_dropped_total{vrid,reason}
 *   xlb_flood_active, xlb_flood_syns_total
 *   xlb_build_info{version}
 *   xlb_stats_write_timestamp_seconds      (always the file's last line)
 */
#ifndef XLB_STATS_H
#define XLB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "addr.h"
#include "vrrp.h"
#include "xlb.h"

/* Indices of struct stats_backend.checks: probes finished, by result. */
#define STATS_HC_OK		0
#define STATS_HC_FAIL		1
#define STATS_HC_TIMEOUT	2
#define STATS_HC_MAX		3

/*
 * struct stats_vip.fail: every checked backend of the VIP is down and it
 * keeps its last table (open) or empties it (closed).
 */
#define STATS_FAIL_NONE		0
#define STATS_FAIL_OPEN		1
#define STATS_FAIL_CLOSED	2

/* struct stats_vrrp.state, the value of xlb_vrrp_state. */
#define STATS_VRRP_INIT		0
#define STATS_VRRP_BACKUP	1
#define STATS_VRRP_MASTER	2

struct stats_vip {
	struct ip_addr addr;
	__u16 port;		/* host byte order */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	/* xlb_vip_stats[id], summed over CPUs */
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u8 fail;		/* STATS_FAIL_* */
};

struct stats_backend {
	size_t vip;		/* index of its VIP in stats_snapshot.vips */
	struct ip_addr addr;
	/* xlb_backend_stats[id], summed over CPUs */
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 active_flows;	/* live conntrack entries pointing here */
	__u32 weight;		/* effective: after agent, drain and health */
	bool up;		/* health: in traffic unless draining */
	bool draining;
	bool resolving;		/* next hop unresolved: out of the table */
	__u64 nexthop_losses;	/* resolved -> unresolved transitions */
	__u64 checks[STATS_HC_MAX];	/* indexed by STATS_HC_* */
};

struct stats_vrrp {
	__u8 vrid;		/* 1..255 */
	__u8 state;		/* STATS_VRRP_* */
	__u8 prio;		/* effective: after tracking */
	__u64 transitions;	/* state changes since the daemon started */
	__u64 tx_adverts;	/* adverts sent (once for all peers) */
	__u64 rx_adverts;	/* adverts that passed every check */
	/* by enum vrrp_drop, labelled by vrrp_drop_str(); [VRRP_OK] unused */
	__u64 drops[VRRP_DROP_MAX];
};

struct stats_snapshot {
	const struct stats_vip *vips;
	size_t n_vips;
	const struct stats_backend *backends;
	size_t n_backends;
	const struct stats_vrrp *vrrp;
	size_t n_vrrp;
	/*
	 * xlb_stats summed over CPUs, indexed by XLB_STAT_*. Verdicts, drop
	 * reasons, conntrack hits and misses all come from here.
	 */
	struct xlb_ctr global[XLB_STAT_MAX];
	__u64 ct_entries;	/* used slots of the flow table */
	__u64 ct_live;		/* live flows in it */
	__u64 ct_capacity;	/* its slots */
	__u64 ct_expired;	/* slots the daemon freed: expired */
	__u64 ct_purged;	/* of a deleted or failed backend */
	bool flood_active;
	__u64 flood_syns;
	const char *version;	/* build version; NULL renders "unknown" */
	__u64 time_ms;		/* CLOCK_REALTIME of the snapshot, ms */
};

/*
 * Write s to f in the Prometheus text format (with stdio's unlocked calls:
 * f must not be shared between threads). 0, -EINVAL (a backend's vip
 * index out of range, an unknown proto, family, fail or VRRP state, an array
 * pointer NULL with a non-zero count; nothing is written then), -ENOMEM,
 * or -EIO if f reported an error.
 */
int stats_render(const struct stats_snapshot *s, FILE *f);

/*
 * Replace path with the rendered snapshot: written to a hidden temporary
 * file in the same directory (never named *.prom, so the textfile
 * collector ignores it), synced, mode 0644, renamed over path, then the
 * directory synced. 0 or -errno. On any failure before the rename the
 * temporary file is removed and path keeps its old content; a failure to
 * sync the directory after the rename leaves the new file in place.
 */
int stats_write_file(const char *path, const struct stats_snapshot *s);

/*
 * Remove the temporary files stats_write_file(path) leaves when its process
 * dies mid-write (kill -9, a crash, power loss): regular files named as it
 * names them, in path's directory. Nothing else is touched; a writer of path
 * running at the same time would lose its write. The number removed, or
 * -errno (reading the directory, or the first failed unlink: the others
 * are still tried).
 */
int stats_clean_temps(const char *path);

#endif /* XLB_STATS_H */
