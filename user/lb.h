/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The apply engine: turns a desired model (struct conf) into map contents,
 * hitlessly. Everything is computed and every new ring is created and
 * written before any change is visible to the data path; then changes are
 * published in an order that never exposes a half state:
 *   new VIP:     backends -> ring -> xlb_rings[id] -> xlb_vips/vip_addrs
 *   removed VIP: xlb_vips/vip_addrs -> xlb_rings[id] -> backends
 *   changed VIP: new/changed backends -> one ring swap -> removed backends
 *                (and backends going down: flagged after the swap)
 * An error before publishing leaves maps and runtime state exactly as they
 * were. Maps are reached only through struct lb_map_ops, so tests can
 * substitute a fake. This module never prints; warnings go to a hook.
 */
#ifndef XLB_LB_H
#define XLB_LB_H

#include <stdbool.h>
#include <stddef.h>
#include "xlb.h"
#include "conf.h"

struct lb_map_ops {
	int (*vip_put)(void *ctx, const struct xlb_vip_key *k,
		       const struct xlb_vip *v);
	int (*vip_del)(void *ctx, const struct xlb_vip_key *k);
	/* count VIPs on the address; 0 deletes the entry */
	int (*addr_put)(void *ctx, const struct xlb_addr_key *k, __u32 count);
	/* a zeroed b clears the slot */
	int (*backend_put)(void *ctx, __u32 id, const struct xlb_backend *b);
	/* a new inner map holding table[0..size-1]; returns its fd */
	int (*ring_create)(void *ctx, __u32 size, const __u32 *table);
	void (*ring_close)(void *ctx, int fd);
	int (*ring_set)(void *ctx, __u32 vip_id, int fd);
	int (*ring_del)(void *ctx, __u32 vip_id);
	/* current table of vip_id: its size, and contents when table != NULL
	 * and *size fits; -ENOENT without a ring */
	int (*ring_read)(void *ctx, __u32 vip_id, __u32 *size, __u32 *table,
			 __u32 table_len);
	/* zero the per-CPU counters of a newly allocated id, so a new VIP or
	 * backend never shows the counts of a former owner of its id */
	int (*vip_ctr_zero)(void *ctx, __u32 vip_id);
	int (*backend_ctr_zero)(void *ctx, __u32 id);
};

/* Backend ids: never-used ids first (ascending), then freed ids in the
 * order they were freed, so a just-freed id is reused as late as possible
 * and stale conntrack entries do not land on a new backend. */
struct idalloc {
	__u16 *q;		/* ring buffer of free ids */
	__u32 head, count;
	__u8 *used;		/* XLB_MAX_BACKENDS entries */
};

int idalloc_init(struct idalloc *a);
void idalloc_free(struct idalloc *a);
/* An id in 1..65535, or 0 when none is left. */
__u32 idalloc_get(struct idalloc *a);
void idalloc_put(struct idalloc *a, __u32 id);
/* Rebuild from the set of used ids (recovery); free ids ascending. */
void idalloc_reset(struct idalloc *a, const __u8 *used);
int idalloc_copy(struct idalloc *dst, const struct idalloc *src);

struct lb_be {
	struct ip_addr addr;
	__u32 id;
	__u32 weight;		/* as applied */
	__u8 flags;		/* XLB_BE_F_* as written */
	bool down;		/* health: out of the ring, flows re-pick */
	bool unresolved;	/* next hop unresolved: out of the ring,
				 * flows keep it */
};

struct lb_vip {
	__u8 proto;
	__u8 mode;
	__u16 port;
	__u32 flags;
	struct ip_addr addr;
	__u32 id;
	__u32 ring_size;
	bool ring_unknown;	/* recovered: compare before swapping */
	struct lb_be *be;
	size_t n_be;
};

struct lb {
	const struct lb_map_ops *ops;
	void *ctx;
	struct lb_vip *vips;
	size_t n_vips;
	__u32 seed;
	__u32 table_size;
	struct idalloc ids;
	__u8 vip_used[XLB_MAX_VIPS];
	/* backend ids deleted since the last lb_take_purged() */
	__u32 *purged;
	size_t n_purged, cap_purged;
	bool partial;		/* the last apply failed while publishing */
	/* Changes whenever vips (and their backends) are replaced: a
	 * pointer into them taken at another gen may be freed. Work that
	 * spans turns of the loop (a flows listing) checks it. */
	__u64 gen;
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
	/*
	 * Health overlay, asked by lb_apply() for each VIP of the new model
	 * once its backends have ids, addresses, configured weights and the
	 * running down state (cur: the running VIP, NULL for a new one). It
	 * may set each backend's down and unresolved and lower its weight (a
	 * load agent's share); the tables are then built from that. NULL:
	 * the running down state stays (restored by lb_recover()).
	 */
	void (*health)(void *arg, const struct conf_vip *cv,
		       const struct lb_vip *cur, struct lb_vip *v);
	void *health_arg;
};

int lb_init(struct lb *lb, const struct lb_map_ops *ops, void *ctx);
void lb_free(struct lb *lb);

/* Adopt the state found in the maps after a restart. vips/backends are
 * what the maps hold; backends of unknown VIPs are cleared. */
int lb_recover(struct lb *lb, const struct xlb_vip_key *vk,
	       const struct xlb_vip *vv, size_t n_vips, const __u32 *be_ids,
	       const struct xlb_backend *bv, size_t n_be);

/* Make the maps match c. 0, or -errno with a message in err. */
int lb_apply(struct lb *lb, const struct conf *c, char *err, size_t errlen);

const struct lb_vip *lb_vip_find(const struct lb *lb, __u8 proto,
				 const struct ip_addr *addr, __u16 port);
const struct lb_be *lb_be_find(const struct lb_vip *v,
			       const struct ip_addr *addr);
/* The VIP and backend of a backend id, or NULL. */
const struct lb_be *lb_be_by_id(const struct lb *lb, __u32 id,
				const struct lb_vip **vip);

/*
 * The weight a backend has in its VIP's table now: its configured weight,
 * or 0 while it is draining or down.
 */
__u32 lb_be_effective_weight(const struct lb_be *be);

/* Ids deleted since the last call (for the conntrack purge); the caller
 * frees the array. */
size_t lb_take_purged(struct lb *lb, __u32 **ids);

/* Key helpers shared with the daemon. */
void lb_vip_key(struct xlb_vip_key *k, __u8 proto, const struct ip_addr *a,
		__u16 port);

#endif /* XLB_LB_H */
