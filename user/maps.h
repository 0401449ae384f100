/* SPDX-License-Identifier: GPL-2.0 */
/*
 * All access to xlb's BPF maps and program, through the skeleton: loading
 * with pinned maps, attaching with libxdp, reading state back after a
 * restart, rings (inner maps), counters and conntrack walks.
 * This module never prints; it returns 0 or -errno.
 */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

#include <stdbool.h>
#include <limits.h>
#include <string.h>
#include <linux/types.h>
#include "xlb.h"

struct xlb_bpf;
struct xdp_program;

/* What maps_attach() found and did. */
enum maps_attach_result {
	MAPS_ATTACHED,		/* no xlb program was on the interface */
	MAPS_KEPT,		/* ours was running and is kept (restart) */
	MAPS_UPGRADED,		/* ours ran with another tag: replaced */
};

struct maps {
	struct xlb_bpf *skel;		/* the maps we use */
	struct xlb_bpf *skel_new;	/* the program attached on upgrade */
	struct xdp_program *prog;	/* ours, as attached */
	char pin_dir[PATH_MAX];
	int ifindex;
	bool generic;
	bool pinned;			/* pinned maps existed at open */
	__u32 ct_size;			/* flows the flow table holds */
	__u32 ct_size_pinned;		/* != 0: the pinned table's size won */
	struct xlb_ct_geometry ct_geo;
	bool ct_geo_new;		/* a new table: geometry written at load */
	struct xlb_ct_bucket *ct;	/* the flow table's metas, mapped */
	struct xlb_ct_keys *ct_keys;	/* and its keys */
	__u64 ct_buckets;
	size_t ct_len, ct_keys_len;
	int ncpus;
};

/* Mount bpffs on /sys/fs/bpf if it is not (ip netns exec remounts /sys). */
int maps_mount_bpffs(void);
/*
 * Open the skeleton with every map pinned under pin_dir, the flow table
 * sized for ct_size flows (or as pinned). -EPROTO: the pins hold a flow
 * table of an older layout.
 */
int maps_open(struct maps *m, const char *pin_dir, __u32 ct_size);
/* Load (reusing pinned maps) and attach to ifindex through libxdp. */
int maps_attach(struct maps *m, int ifindex, bool generic,
		enum maps_attach_result *res);
/* Load (reusing pinned maps) without attaching: tests and tools. */
int maps_load(struct maps *m);
void maps_close(struct maps *m);
/* Detach our program from ifindex and unpin every map under pin_dir;
 * works without maps_open() (xlbd --detach). Missing pieces are skipped. */
int maps_remove(const char *pin_dir, int ifindex);

int maps_cfg_write(struct maps *m, const struct xlb_config *cfg);

/* Recovery: call cb for each entry; a non-zero cb return stops the walk
 * and is returned. */
int maps_vips_walk(struct maps *m,
		   int (*cb)(void *arg, const struct xlb_vip_key *k,
			     const struct xlb_vip *v), void *arg);
int maps_backends_walk(struct maps *m,
		       int (*cb)(void *arg, __u32 id,
				 const struct xlb_backend *b), void *arg);

/* Sum of a per-CPU counter. */
int maps_vip_ctr(struct maps *m, __u32 vip_id, struct xlb_ctr *sum);
int maps_backend_ctr(struct maps *m, __u32 be_id, struct xlb_ctr *sum);
int maps_global_ctr(struct maps *m, __u32 idx, struct xlb_ctr *sum);
/*
 * The SYN-flood guard for the stats file: *active when some CPU's current
 * window (started less than XLB_RATE_WINDOW_NS before now_ns, the data
 * path's CLOCK_MONOTONIC_COARSE) counted more than rate new flows; *held
 * the flows it kept out of conntrack so far (XLB_STAT_FLOOD). 0 or
 * -errno.
 */
int maps_flood_state(struct maps *m, __u32 rate, __u64 now_ns, bool *active,
		     __u64 *held);

/* The flow table's size for ct_size flows on ncpus CPUs: whole buckets in
 * equal partitions. */
__u32 maps_ct_effective(__u32 ct_size, int ncpus);
/* Now on the table's clock (XLB_CT_TICK_SHIFT ticks of the coarse
 * monotonic clock, as bpf_ktime_get_coarse_ns()). */
__u32 maps_ct_now(void);
/* A used slot of the flow table as one scan read it: a consistent copy
 * (its tag the same before and after the entry was read). */
struct maps_ct_slot {
	struct xlb_ct_meta *live;	/* the table's own: maps_ct_clear() */
	__u64 index;			/* bucket * XLB_CT_WAYS + way */
	struct xlb_ct_meta meta;	/* tag and atime as read */
	struct xlb_ct_entry e;		/* client, port, VIP */
	__u32 backend_id;
};
/*
 * Scan the flow table through its mapping: slots [*pos, *pos + budget)
 * (slot numbers as maps_ct_slot.index), cb for each used one. A non-zero
 * cb return stops the scan and is returned; *pos is then the next slot,
 * so the scan can go on from there. 1 when the last slot is done (*pos
 * back to 0), 0 when more remains, -ENODEV without a mapped table.
 */
int maps_ct_scan(struct maps *m, __u64 *pos, __u64 budget,
		 int (*cb)(void *arg, const struct maps_ct_slot *s),
		 void *arg);
/*
 * The same a bucket at a time, for passes that count every slot: buckets
 * [*pos, *pos + budget), cb for each with the table's own metas (read
 * them with maps_ct_meta_load()). The returns as maps_ct_scan's,
 * positions in buckets (of m->ct_buckets).
 */
int maps_ct_scan_buckets(struct maps *m, __u64 *pos, __u64 budget,
			 int (*cb)(void *arg, __u64 bucket,
				   struct xlb_ct_meta *line),
			 void *arg);
/* A slot's meta, whole: one 8-byte load (tag, atime and backend_id of
 * one moment), and as the struct. */
static inline __u64 maps_ct_meta_load(const struct xlb_ct_meta *mt)
{
	return __atomic_load_n((const __u64 *)mt, __ATOMIC_RELAXED);
}
static inline struct xlb_ct_meta maps_ct_meta(__u64 v)
{
	struct xlb_ct_meta mt;

	memcpy(&mt, &v, sizeof(mt));
	return mt;
}
/* Slot s's key into s->e: false if the slot changed since it was read. */
bool maps_ct_slot_keys(const struct maps *m, struct maps_ct_slot *s);
/* The table's slots (the end of a scan's positions). */
__u64 maps_ct_slots(const struct maps *m);
/* Free a slot unless it holds another flow than when it was read (tag):
 * the data path may have reused it meanwhile. */
bool maps_ct_clear(struct xlb_ct_meta *mt, __u32 tag);
/* The same flow as slot s in another partition (a copy in *twin), or
 * false: a slot with XLB_CT_F_COPY has one while its original has not
 * been freed. */
bool maps_ct_twin(struct maps *m, const struct maps_ct_slot *s,
		  struct maps_ct_slot *twin);

/* The map operations of the apply engine, on the real maps (ctx: maps). */
struct lb_map_ops;
extern const struct lb_map_ops maps_lb_ops;

#endif /* XLB_MAPS_H */
