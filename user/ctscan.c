// SPDX-License-Identifier: GPL-2.0
/* The flow table's scanner: sliced passes, live counts, purges. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctscan.h"
#include "evloop.h"
#include "maps.h"
#include "xlb.h"

/* Buckets between two looks at the clock: a few microseconds' work. */
#define CTSCAN_CHUNK		256

struct ctscan {
	struct ev_loop *loop;
	struct maps *m;
	struct ev_timer *timer;
	__u64 udp_ns;

	/* the pass in progress */
	bool running;
	__u64 pos;		/* next bucket */
	__u32 now;		/* the table's clock at the pass start */
	__u32 tmo[4];		/* timeouts by tag & (UDP | CLOSING), ticks */
	bool purging;		/* any purge_active */
	__u64 start_ms, cpu_us, slices;
	__u32 *live_next;
	__u64 used_next, live_total_next;
	__u8 *purge_active;	/* ids whose slots this pass frees */

	__u8 *purge_pending;	/* ids for the next pass */
	__u32 *live;		/* of the last complete pass */
	struct ctscan_counts counts;
};

static __u64 mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static void uncount(struct ctscan *s, const struct maps_ct_slot *sl)
{
	/* As it was counted, but for the data path's writes since: never
	 * below zero. */
	if (s->used_next)
		s->used_next--;
	if (xlb_ct_live(&sl->meta, s->now, s->udp_ns) &&
	    s->live_next[sl->backend_id]) {
		s->live_next[sl->backend_id]--;
		s->live_total_next--;
	}
}

/* Free slot sl unless the data path used it since it was read. */
static bool slot_free(const struct maps_ct_slot *sl)
{
	if (__atomic_load_n(&sl->live->atime, __ATOMIC_RELAXED) !=
	    sl->meta.atime)
		return false;
	return maps_ct_clear(sl->live, sl->meta.tag);
}

static int slot_cb(void *arg, const struct maps_ct_slot *sl)
{
	struct ctscan *s = arg;
	__u32 tag = sl->meta.tag, atime = sl->meta.atime;

	if (s->purge_active[sl->backend_id]) {
		if (maps_ct_clear(sl->live, tag))
			s->counts.purged++;
		return 0;
	}
	/* Expired: freed, long before its 16-bit clock could wrap and
	 * make it look fresh (XLB_CT_IDLE_MAX). */
	if (!xlb_ct_live(&sl->meta, s->now, s->udp_ns)) {
		if (slot_free(sl))
			s->counts.expired++;
		return 0;
	}
	/* A copy and its original: one flow, whose state is both's (a FIN
	 * may have reached either). One stays, the other goes. */
	if (tag & XLB_CT_F_COPY) {
		__u32 flags = tag & (XLB_CT_F_SEEN2 | XLB_CT_F_CLOSING);
		struct maps_ct_slot k = *sl, tw;

		/* The scan read no key: this one needs its own. */
		if (maps_ct_slot_keys(s->m, &k) && maps_ct_twin(s->m, &k, &tw) &&
		    slot_free(&tw)) {
			flags |= tw.meta.tag & (XLB_CT_F_SEEN2 |
						XLB_CT_F_CLOSING);
			if (xlb_ct_idle(&tw.meta, s->now) <
			    xlb_ct_idle(&sl->meta, s->now)) {
				atime = tw.meta.atime;
				__atomic_store_n(&sl->live->atime, atime,
						 __ATOMIC_RELAXED);
			}
			/* Counted already in this pass: once. */
			if (tw.index < sl->index)
				uncount(s, &tw);
		}
		/* Alone now: no need to look again next time. If the data
		 * path changed the slot meanwhile, the next pass does it. */
		__atomic_compare_exchange_n(&sl->live->tag, &tag,
					    (tag | flags) & ~XLB_CT_F_COPY,
					    false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	s->used_next++;
	s->live_next[sl->backend_id]++;
	s->live_total_next++;
	return 0;
}

/* The timeout class of a tag: tmo[]'s index, UDP over CLOSING as in
 * xlb_ct_timeout(). */
static unsigned int tmo_class(__u32 tag)
{
	return (tag & XLB_CT_F_UDP ? 2 : 0) | (tag & XLB_CT_F_CLOSING ? 1 : 0);
}

/* A used slot that is not simply counted: slot_cb() decides. */
static void slot_slow(struct ctscan *s, __u64 b, struct xlb_ct_meta *line,
		      int w, struct xlb_ct_meta mt)
{
	struct maps_ct_slot sl = {
		.live = &line[w],
		.index = b * XLB_CT_WAYS + w,
		.meta = mt,
		.backend_id = mt.backend_id,
	};

	slot_cb(s, &sl);
}

/*
 * A bucket: what a pass spends its time on, so some nanoseconds a slot.
 * The common bucket of a busy table, eight established TCP flows alone
 * in their partition and of backends not purged, is recognised by its
 * tags' AND and OR and its longest idle time, and counted at once. In any
 * other, each slot is free, counted or odd (classed without a branch),
 * and the odd go through slot_cb().
 */
static int bucket_cb(void *arg, __u64 b, struct xlb_ct_meta *line)
{
	/* Flags that take a slot out of the TCP-established class. */
	const __u32 odd = XLB_CT_F_COPY | XLB_CT_F_UDP | XLB_CT_F_CLOSING;
	struct ctscan *s = arg;
	struct xlb_ct_meta mt[XLB_CT_WAYS];
	__u32 *counts = s->live_next, now = s->now, tmo[4];
	__u32 any = 0, all = ~0u, idle_max = 0;
	unsigned int used = 0, ok = 0, n;
	int w;

	memcpy(tmo, s->tmo, sizeof(tmo));
#pragma GCC unroll 8
	for (w = 0; w < XLB_CT_WAYS; w++) {
		__u32 idle;

		mt[w] = maps_ct_meta(maps_ct_meta_load(&line[w]));
		any |= mt[w].tag;
		all &= mt[w].tag;
		idle = (__u16)(now - mt[w].atime);
		idle_max = idle > idle_max ? idle : idle_max;
	}
	if (!(any & XLB_CT_F_USED))
		return 0;
	if ((all & XLB_CT_F_USED) && !(any & odd) &&
	    idle_max < tmo[tmo_class(0)] &&
	    !s->purging) {
#pragma GCC unroll 8
		for (w = 0; w < XLB_CT_WAYS; w++)
			counts[mt[w].backend_id]++;
		s->used_next += XLB_CT_WAYS;
		s->live_total_next += XLB_CT_WAYS;
		return 0;
	}
#pragma GCC unroll 8
	for (w = 0; w < XLB_CT_WAYS; w++) {
		__u32 tag = mt[w].tag;

		used |= (tag & XLB_CT_F_USED) << w;
		ok |= (((tag & (XLB_CT_F_USED | XLB_CT_F_COPY)) ==
			XLB_CT_F_USED) &
		       ((__u16)(now - mt[w].atime) < tmo[tmo_class(tag)]))
		      << w;
	}
	if (s->purging)
		for (w = 0; w < XLB_CT_WAYS; w++)
			if (s->purge_active[mt[w].backend_id])
				ok &= ~(1u << w);
	/* Every slot's count plus one or nothing: an unpredictable branch
	 * would cost more. */
	n = 0;
#pragma GCC unroll 8
	for (w = 0; w < XLB_CT_WAYS; w++) {
		counts[mt[w].backend_id] += (ok >> w) & 1;
		n += (ok >> w) & 1;
	}
	s->used_next += n;
	s->live_total_next += n;
	for (used &= ~ok; used; used &= used - 1)
		slot_slow(s, b, line, __builtin_ctz(used),
			  mt[__builtin_ctz(used)]);
	return 0;
}

static void pass_begin(struct ctscan *s)
{
	unsigned int c;

	s->running = true;
	s->pos = 0;
	s->now = maps_ct_now();
	s->start_ms = ev_now_ms();
	s->cpu_us = 0;
	s->slices = 0;
	s->used_next = s->live_total_next = 0;
	memset(s->live_next, 0, XLB_MAX_BACKENDS * sizeof(*s->live_next));
	/* A pass frees what was queued before it began. */
	memcpy(s->purge_active, s->purge_pending, XLB_MAX_BACKENDS);
	memset(s->purge_pending, 0, XLB_MAX_BACKENDS);
	s->purging = memchr(s->purge_active, 1, XLB_MAX_BACKENDS) != NULL;
	for (c = 0; c < 4; c++)
		s->tmo[c] = xlb_ct_timeout((c & 2 ? XLB_CT_F_UDP : 0) |
					   (c & 1 ? XLB_CT_F_CLOSING : 0),
					   s->udp_ns);
}

static void pass_end(struct ctscan *s)
{
	__u32 *t = s->live;

	s->live = s->live_next;
	s->live_next = t;
	s->counts.live = s->live;
	s->counts.used = s->used_next;
	s->counts.live_total = s->live_total_next;
	s->counts.passes++;
	s->counts.pass_ms = ev_now_ms() - s->start_ms;
	s->counts.pass_cpu_us = s->cpu_us;
	s->counts.pass_slices = s->slices;
	memset(s->purge_active, 0, XLB_MAX_BACKENDS);
	s->running = false;
}

/* One slice: buckets until CTSCAN_SLICE_US have passed. 1 when the pass
 * is complete, 0 if not, -errno. */
static int slice(struct ctscan *s, __u64 budget_us)
{
	bool timed = budget_us != UINT64_MAX;
	__u64 t0 = mono_us(), t;
	int ret;

	do {
		ret = maps_ct_scan_buckets(s->m, &s->pos, CTSCAN_CHUNK,
					   bucket_cb, s);
		t = mono_us() - t0;
	} while (ret == 0 && t < budget_us);
	s->cpu_us += t;
	s->slices++;
	/* The loop's slices; a pass run at once (start-up, a small table)
	 * is no slice. */
	if (timed && t > s->counts.max_slice_us)
		s->counts.max_slice_us = t;
	return ret;
}

static void tick(struct ev_loop *loop, void *arg)
{
	struct ctscan *s = arg;
	__u64 wait, elapsed;
	int ret;

	s->timer = NULL;
	if (!s->running)
		pass_begin(s);
	ret = slice(s, CTSCAN_SLICE_US);
	if (ret == 0) {
		/* Other events run between two slices. */
		s->timer = ev_timer_add(loop, 0, tick, s);
		return;
	}
	if (ret > 0)
		pass_end(s);
	else
		s->running = false;
	/* The next pass a period after this one began, and the scanner's
	 * time at most a tenth of the daemon's. */
	elapsed = ev_now_ms() - s->start_ms;
	wait = elapsed < CTSCAN_PERIOD_MS ? CTSCAN_PERIOD_MS - elapsed : 0;
	if (wait < 9 * s->cpu_us / 1000)
		wait = 9 * s->cpu_us / 1000;
	s->timer = ev_timer_add(loop, wait, tick, s);
}

int ctscan_new(struct ctscan **out, struct ev_loop *loop, struct maps *m)
{
	struct ctscan *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->m = m;
	s->udp_ns = XLB_UDP_TIMEOUT_NS_DEFAULT;
	s->live = calloc(XLB_MAX_BACKENDS, sizeof(*s->live));
	s->live_next = calloc(XLB_MAX_BACKENDS, sizeof(*s->live_next));
	s->purge_active = calloc(XLB_MAX_BACKENDS, 1);
	s->purge_pending = calloc(XLB_MAX_BACKENDS, 1);
	if (!s->live || !s->live_next || !s->purge_active ||
	    !s->purge_pending) {
		ctscan_free(s);
		return -ENOMEM;
	}
	s->counts.live = s->live;
	if (loop) {
		s->timer = ev_timer_add(loop, 0, tick, s);
		if (!s->timer) {
			ctscan_free(s);
			return -ENOMEM;
		}
	}
	*out = s;
	return 0;
}

void ctscan_free(struct ctscan *s)
{
	if (!s)
		return;
	if (s->timer)
		ev_timer_cancel(s->loop, s->timer);
	free(s->live);
	free(s->live_next);
	free(s->purge_active);
	free(s->purge_pending);
	free(s);
}

void ctscan_set_udp_timeout(struct ctscan *s, __u64 udp_timeout_ns)
{
	s->udp_ns = udp_timeout_ns;
}

void ctscan_purge(struct ctscan *s, __u32 id, bool purge)
{
	if (id >= XLB_MAX_BACKENDS)
		return;
	s->purge_pending[id] = purge;
	if (!purge)
		s->purge_active[id] = 0;
}

const struct ctscan_counts *ctscan_counts(const struct ctscan *s)
{
	return &s->counts;
}

const struct ctscan_counts *ctscan_fresh(struct ctscan *s)
{
	if (s->m->ct_buckets <= CTSCAN_SYNC_BUCKETS)
		ctscan_run_now(s);
	return &s->counts;
}

int ctscan_run_now(struct ctscan *s)
{
	int ret;

	if (!s->running)
		pass_begin(s);
	ret = slice(s, UINT64_MAX);
	if (ret > 0) {
		pass_end(s);
		return 0;
	}
	s->running = false;
	return ret < 0 ? ret : -EIO;
}
