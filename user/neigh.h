/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeping backends' next hops resolved, so the data path's FIB lookup
 * finds a neighbour: one kernel-managed neighbour entry (NTF_EXT_MANAGED:
 * the kernel resolves it and keeps it fresh without traffic) per next
 * hop, i.e. the backend itself when on-link or the gateway of its route.
 * Also the interface's forwarding sysctls, without which bpf_fib_lookup()
 * answers "forwarding disabled". This module never prints.
 */
#ifndef XLB_NEIGH_H
#define XLB_NEIGH_H

#include <stddef.h>
#include "addr.h"

struct neigh;

int neigh_open(struct neigh **out);
/* Remove every entry we added, then close. */
void neigh_close(struct neigh *n, bool remove);
/*
 * Make the managed entries those of the next hops of addrs[0..cnt-1]:
 * add the missing ones, delete ours that are no longer needed. Failures
 * for single addresses are reported through warn (with context) and do
 * not stop the others; returns the number of failures.
 */
int neigh_sync(struct neigh *n, const struct ip_addr *addrs, size_t cnt,
	       void (*warn)(void *arg, const char *msg), void *arg);
/* Number of managed entries held. */
size_t neigh_count(const struct neigh *n);

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
