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
	__u32 ct_size;			/* effective conntrack size */
	__u32 ct_size_pinned;		/* != 0: the pinned map's size won */
	int ncpus;
};

/* Mount bpffs on /sys/fs/bpf if it is not (ip netns exec remounts /sys). */
int maps_mount_bpffs(void);
/* Open the skeleton with every map pinned under pin_dir. */
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
int maps_cfg_read(struct maps *m, struct xlb_config *cfg);

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

/* Walk conntrack; cb as above. */
int maps_ct_walk(struct maps *m,
		 int (*cb)(void *arg, const struct xlb_flow_key *k,
			   const struct xlb_flow *f), void *arg);
/*
 * Delete up to budget conntrack entries whose backend_id satisfies match,
 * continuing from *cursor (zeroed, with *started false, for a new pass).
 * Returns 1 when the pass is complete, 0 when more remains, or -errno.
 */
struct maps_ct_cursor {
	struct xlb_flow_key key;
	bool started;
};
int maps_ct_purge_step(struct maps *m, struct maps_ct_cursor *cur,
		       bool (*match)(void *arg, __u32 backend_id), void *arg,
		       unsigned int budget);

/* The map operations of the apply engine, on the real maps (ctx: maps). */
struct lb_map_ops;
extern const struct lb_map_ops maps_lb_ops;

#endif /* XLB_MAPS_H */
