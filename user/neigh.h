/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backends' next hops: keeping them resolved, and knowing whether they
 * are. The data path's FIB lookup drops a packet whose next hop has no
 * valid neighbour entry (XLB_STAT_DROP_NO_NEIGH), so a backend may take
 * new flows only while its next hop is resolved.
 *
 * One kernel-managed neighbour entry (NTF_EXT_MANAGED: the kernel
 * resolves it and keeps it fresh without traffic) per next hop, i.e. the
 * backend itself when on-link or the gateway of its route. Its state
 * follows rtnetlink's neighbour events (RTNLGRP_NEIGH), not polling;
 * route events mark the next hops stale, and the caller syncs again.
 * Also the interface's forwarding sysctls, without which bpf_fib_lookup()
 * answers "forwarding disabled". This module never prints.
 */
#ifndef XLB_NEIGH_H
#define XLB_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <linux/types.h>
#include "addr.h"

struct neigh;

int neigh_open(struct neigh **out);
/* Remove every entry we added (remove), then close. */
void neigh_close(struct neigh *n, bool remove);

/*
 * Track the backends addrs[0..cnt-1] (duplicates allowed): look up each
 * one's next hop, add the managed entries that are missing and read
 * their state, delete ours that no backend needs any more. Failures for
 * single addresses are reported through warn (with context) and do not
 * stop the others: such a backend counts as unresolved. Returns the
 * number of failures, or -ENOMEM (nothing changed).
 */
int neigh_sync(struct neigh *n, const struct ip_addr *addrs, size_t cnt,
	       __u64 now_ms, void (*warn)(void *arg, const char *msg),
	       void *arg);

/* Add every entry again and re-read the states: after a carrier loss,
 * which flushes the managed entries with the others. */
void neigh_refresh(struct neigh *n, __u64 now_ms);

/* The socket of neighbour and route events, for the event loop. */
int neigh_events_fd(const struct neigh *n);

#define NEIGH_CHANGED_STATE	(1 << 0)	/* a next hop (un)resolved */
#define NEIGH_CHANGED_ROUTE	(1 << 1)	/* routes changed: sync again */

/*
 * Read the pending events (never blocks). Returns NEIGH_CHANGED_* bits,
 * or -errno. Lost events (a full socket buffer) are made good by reading
 * every state again.
 */
int neigh_input(struct neigh *n, __u64 now_ms);

/* Apply one rtnetlink message (RTM_NEWNEIGH, RTM_DELNEIGH, RTM_NEWROUTE,
 * RTM_DELROUTE; others are ignored). neigh_input()'s core. */
int neigh_event(struct neigh *n, const struct nlmsghdr *h, __u64 now_ms);

/* Is the next hop of backend addr resolved (a valid neighbour state, as
 * bpf_fib_lookup() requires)? An address not tracked is not. */
bool neigh_resolved(const struct neigh *n, const struct ip_addr *addr);

struct neigh_info {
	int err;		/* route lookup: 0 or -errno (no next hop) */
	int ifindex;
	struct ip_addr via;	/* the backend itself, or its gateway */
	__u16 state;		/* NUD_*; NUD_NONE: no entry */
	bool resolved;
	__u64 since_ms;		/* unresolved since (when !resolved) */
	__u64 losses;		/* resolved -> unresolved, since tracked */
};

/* What is known of backend addr's next hop. 0 or -ENOENT (not tracked). */
int neigh_info(const struct neigh *n, const struct ip_addr *addr,
	       struct neigh_info *info);

/* The kernel's name of a NUD_* state: "reachable", "incomplete", ... */
const char *neigh_state_str(__u16 state);

/*
 * Next hops unresolved for bound_ms or longer that were not reported
 * yet: report(arg, backend, info) once per backend behind each. Returns
 * when the next one falls due (UINT64_MAX: none).
 */
__u64 neigh_overdue(struct neigh *n, __u64 now_ms, __u64 bound_ms,
		    void (*report)(void *arg, const struct ip_addr *backend,
				   const struct neigh_info *info),
		    void *arg);

/*
 * Is dst directly connected through ifindex (its route has no gateway
 * and leaves by ifindex)? 0 if so, -EHOSTUNREACH if not (*oif and *via
 * then say where the route goes: via is dst itself when on-link
 * elsewhere), or another -errno from the lookup (-ENETUNREACH: no
 * route).
 */
int neigh_onlink(struct neigh *n, const struct ip_addr *dst, int ifindex,
		 int *oif, struct ip_addr *via);

/* Set net.ipv{4,6}.conf.IFACE.forwarding to 1. 0 or -errno. */
int neigh_forwarding_on(const char *iface);

#endif /* XLB_NEIGH_H */
