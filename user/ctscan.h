/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow table's scanner: passes over the mapped table, a bucket's
 * metas at a time (maps_ct_scan_buckets), each in slices of at most
 * CTSCAN_SLICE_US on the event loop, so that no turn of the loop waits
 * for it, whatever the table's size. A pass counts the live flows of
 * every backend id and the used slots, and frees expired slots and those
 * of backends queued with ctscan_purge(). Queries read the counts of the
 * last complete pass: they are at most one period plus one pass old. A
 * new pass starts CTSCAN_PERIOD_MS after the previous one started, or
 * later if passes take more than a tenth of the time.
 */
#ifndef XLB_CTSCAN_H
#define XLB_CTSCAN_H

#include <stdbool.h>
#include <linux/types.h>

#define CTSCAN_SLICE_US		500
#define CTSCAN_PERIOD_MS	250

struct ev_loop;
struct maps;
struct ctscan;

struct ctscan_counts {
	const __u32 *live;	/* live flows by backend id (XLB_MAX_BACKENDS) */
	__u64 used;		/* used slots (a pass frees expired ones) */
	__u64 live_total;
	__u64 passes;		/* completed */
	__u64 pass_ms;		/* the last one's duration, slices and gaps */
	__u64 pass_cpu_us;	/* the time its slices took */
	__u64 pass_slices;	/* turns of the loop it took */
	__u64 max_slice_us;	/* the longest slice so far */
	__u64 expired;		/* slots freed since start: expired */
	__u64 purged;		/* of a deleted or failed backend */
};

/* Scans m's flow table on loop; the first pass starts at once. 0 or
 * -ENOMEM. */
int ctscan_new(struct ctscan **out, struct ev_loop *loop, struct maps *m);
void ctscan_free(struct ctscan *s);

/* The UDP timeout that decides which UDP flows are live. */
void ctscan_set_udp_timeout(struct ctscan *s, __u64 udp_timeout_ns);

/* Free the slots of backend id in the next complete pass (a deleted or
 * failed backend), or no longer (it came back first). */
void ctscan_purge(struct ctscan *s, __u32 id, bool purge);

/* The last complete pass (all zero before the first one ends). */
const struct ctscan_counts *ctscan_counts(const struct ctscan *s);

/* Run a whole pass now, blocking: for start-up and tests only. 0 or
 * -errno. */
int ctscan_run_now(struct ctscan *s);

/*
 * Counts as of now for a query, for a table of at most CTSCAN_SYNC_BUCKETS
 * buckets (one pass now, in this turn: some 0.5 ms even when every slot
 * is used); else the last complete pass's. By size, not by the last
 * pass's time: a table can fill between two passes.
 */
#define CTSCAN_SYNC_BUCKETS	16384
const struct ctscan_counts *ctscan_fresh(struct ctscan *s);

#endif /* XLB_CTSCAN_H */
