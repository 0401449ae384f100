// SPDX-License-Identifier: GPL-2.0
/*
 * The flow-table scanner over a table in plain memory laid out as the
 * mapped one (struct maps with its ct fields set, no BPF): live counts by
 * the table's timeouts, purges, a copy merged with its original and
 * counted once, and a large table scanned in slices on the event loop.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctscan.h"
#include "evloop.h"
#include "maps.h"
#include "xlb.h"

#define SEC_TICKS(s)	((__u32)(((s) * 1000000000ull) >> XLB_CT_TICK_SHIFT))

static struct maps M;

static void table(__u32 parts, __u32 part_buckets)
{
	memset(&M, 0, sizeof(M));
	M.ct_geo.parts = parts;
	M.ct_geo.part_buckets = part_buckets;
	M.ct_buckets = (__u64)parts * part_buckets;
	M.ct = calloc(M.ct_buckets, sizeof(*M.ct));
	M.ct_keys = calloc(M.ct_buckets, sizeof(*M.ct_keys));
	assert_non_null(M.ct);
	assert_non_null(M.ct_keys);
}

static void table_free(void)
{
	free(M.ct);
	free(M.ct_keys);
}

/* Put flow (client port, backend) into partition part, bucket idx, slot
 * way, idle for idle_ticks; returns its meta. */
static struct xlb_ct_meta *put(__u32 part, __u32 idx, int way, __u16 port,
			       __u16 be, __u32 flags, __u32 idle_ticks,
			       __u32 tagbits)
{
	__u64 bi = (__u64)part * M.ct_geo.part_buckets + idx;
	struct xlb_ct_entry *e = &M.ct_keys[bi].e[way];
	struct xlb_ct_bucket *b = &M.ct[bi];

	e->src[0] = 0x010012c6;	/* 198.18.0.1 */
	e->sport = port;
	e->vip_id = 1;
	b->meta[way].backend_id = be;
	b->meta[way].atime = maps_ct_now() - idle_ticks;
	b->meta[way].tag = tagbits | flags | XLB_CT_F_USED;
	return &b->meta[way];
}

static const struct ctscan_counts *pass(struct ctscan *s)
{
	assert_int_equal(ctscan_run_now(s), 0);
	return ctscan_counts(s);
}

static void test_live_counts(void **state)
{
	struct xlb_ct_meta *tcp_old, *fin_old, *udp_old, *ahead;
	const struct ctscan_counts *c;
	struct ctscan *s;

	(void)state;
	table(2, 16);
	put(0, 0, 0, 1, 5, XLB_CT_F_SEEN2, 0, 0x100);
	put(0, 3, 1, 2, 5, 0, SEC_TICKS(899), 0x200);
	tcp_old = put(1, 7, 0, 3, 5, 0, SEC_TICKS(901), 0x300);
	put(1, 7, 1, 4, 6, XLB_CT_F_CLOSING, SEC_TICKS(1), 0x400);
	fin_old = put(1, 8, 2, 5, 6, XLB_CT_F_CLOSING, SEC_TICKS(3), 0x500);
	put(0, 9, 7, 6, 7, XLB_CT_F_UDP, SEC_TICKS(29), 0x600);
	udp_old = put(0, 9, 6, 7, 7, XLB_CT_F_UDP, SEC_TICKS(31), 0x700);
	/* Touched by the data path after the pass read its clock: the
	 * 16-bit clock a little ahead is idle 0, not 73 minutes. */
	ahead = put(1, 10, 3, 8, 7, XLB_CT_F_SEEN2, 0, 0x800);
	ahead->atime += 3;
	assert_int_equal(ctscan_new(&s, NULL, &M), 0);
	/* udp-timeout 60 s: both UDP flows live. */
	ctscan_set_udp_timeout(s, 60000000000ull);
	c = pass(s);
	assert_int_equal(c->live[7], 3);
	assert_int_equal(c->expired, 2);
	/* 30 s: the one idle for 31 s expires. The expired ones are freed,
	 * the others kept. */
	ctscan_set_udp_timeout(s, 30000000000ull);
	c = pass(s);
	assert_int_equal(c->used, 5);
	assert_int_equal(c->live_total, 5);
	assert_int_equal(c->live[5], 2);
	assert_int_equal(c->live[6], 1);
	assert_int_equal(c->live[7], 2);
	assert_int_equal(c->passes, 2);
	assert_int_equal(c->expired, 3);
	assert_int_equal(tcp_old->tag, 0);
	assert_int_equal(fin_old->tag, 0);
	assert_int_equal(udp_old->tag, 0);
	assert_true(ahead->tag & XLB_CT_F_USED);
	ctscan_free(s);
	table_free();
}

static void test_purge(void **state)
{
	struct xlb_ct_meta *a, *b, *c;
	struct ctscan *s;

	(void)state;
	table(2, 16);
	a = put(0, 1, 0, 1, 9, XLB_CT_F_SEEN2, 0, 0x100);
	b = put(1, 2, 3, 2, 9, 0, SEC_TICKS(2000), 0x200);
	c = put(1, 2, 4, 3, 8, 0, 0, 0x300);
	assert_int_equal(ctscan_new(&s, NULL, &M), 0);
	ctscan_purge(s, 9, true);
	pass(s);
	assert_int_equal(a->tag, 0);
	assert_int_equal(b->tag, 0);
	assert_true(c->tag & XLB_CT_F_USED);
	assert_int_equal(ctscan_counts(s)->used, 1);
	assert_int_equal(ctscan_counts(s)->live[9], 0);
	/* Queued, then back before the pass: nothing freed. */
	a = put(0, 1, 0, 1, 8, 0, 0, 0x100);
	ctscan_purge(s, 8, true);
	ctscan_purge(s, 8, false);
	pass(s);
	assert_true(a->tag & XLB_CT_F_USED);
	assert_int_equal(ctscan_counts(s)->live[8], 2);
	ctscan_free(s);
	table_free();
}

/* A flow copied from partition 0 to 1 (RSS moved it): one flow, with
 * the FIN its original saw. */
static void test_copy_merged(void **state)
{
	__u32 nb = 16, tagbits = 0xabcd00, i0 = 5, i1;
	struct xlb_ct_meta *orig, *copy;
	struct ctscan *s;

	(void)state;
	table(2, nb);
	i1 = xlb_ct_alt(i0, tagbits, nb);
	orig = put(0, i0, 2, 80, 4, XLB_CT_F_SEEN2 | XLB_CT_F_CLOSING,
		   SEC_TICKS(1), tagbits);
	/* The copy sits in the other candidate bucket of its partition. */
	copy = put(1, i1, 6, 80, 4, XLB_CT_F_SEEN2 | XLB_CT_F_COPY, 0,
		   tagbits);
	{
		struct maps_ct_slot sl = {
			.live = copy,
			.index = ((__u64)nb + i1) * XLB_CT_WAYS + 6,
			.meta = *copy,
			.e = M.ct_keys[nb + i1].e[6],
			.backend_id = copy->backend_id,
		}, tw;

		assert_true(maps_ct_twin(&M, &sl, &tw));
		assert_ptr_equal(tw.live, orig);
		assert_int_equal(tw.backend_id, 4);
	}
	assert_int_equal(ctscan_new(&s, NULL, &M), 0);
	pass(s);
	/* Counted once, the original freed, the copy now closing. */
	assert_int_equal(ctscan_counts(s)->used, 1);
	assert_int_equal(ctscan_counts(s)->live[4], 1);
	assert_int_equal(orig->tag, 0);
	assert_true(copy->tag & XLB_CT_F_CLOSING);
	assert_false(copy->tag & XLB_CT_F_COPY);
	/* Another client port is another flow: no twin. */
	copy = put(1, i1, 7, 81, 4, XLB_CT_F_COPY, 0, tagbits);
	put(0, i0, 3, 82, 4, 0, 0, tagbits);
	pass(s);
	assert_int_equal(ctscan_counts(s)->used, 3);
	ctscan_free(s);
	table_free();
}

static __u64 rng = 0x2545f4914f6cdd1dull;

static __u32 rnd(__u32 n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (__u32)(rng >> 11) % n;
}

/*
 * The scanner's counts against the rules counted slot by slot: a random
 * table of full buckets of plain established flows (the pass's fast
 * path), of full buckets of every class, and of mixed ones (free slots,
 * FIN, UDP, copies, idle near each timeout, a clock ahead), purging one
 * backend in the second pass.
 */
static void test_counts_match_rules(void **state)
{
	const __u32 nb = 512, udp_s = 30, purged = 3;
	const struct ctscan_counts *c;
	__u32 want[16] = {}, want_used = 0, want_expired = 0;
	__u32 now, idles[] = {0, SEC_TICKS(1), SEC_TICKS(3), SEC_TICKS(29),
			      SEC_TICKS(31), SEC_TICKS(899), SEC_TICKS(901),
			      0xffff};
	struct ctscan *s;
	__u64 b;
	int w, round;

	(void)state;
	table(2, nb);
	assert_int_equal(ctscan_new(&s, NULL, &M), 0);
	ctscan_set_udp_timeout(s, udp_s * 1000000000ull);
	for (round = 0; round < 2; round++) {
		memset(want, 0, sizeof(want));
		want_used = want_expired = 0;
		now = maps_ct_now();
		for (b = 0; b < M.ct_buckets; b++) {
			/* 0: plain, 1: full, each of any class and
			 * younger than the TCP timeout, 2: anything. */
			__u32 kind = rnd(3);

			for (w = 0; w < XLB_CT_WAYS; w++) {
				struct xlb_ct_meta *mt = &M.ct[b].meta[w];
				__u32 flags = XLB_CT_F_USED | XLB_CT_F_SEEN2;
				__u32 idle = idles[rnd(6)];

				if (kind == 2 && !rnd(3)) {
					memset(mt, 0, sizeof(*mt));
					continue;
				}
				if (kind)
					flags |= (rnd(4) ? 0 : XLB_CT_F_CLOSING) |
						 (rnd(3) ? 0 : XLB_CT_F_UDP);
				if (kind == 2) {
					flags |= rnd(8) ? 0 : XLB_CT_F_COPY;
					idle = idles[rnd(8)];
				}
				mt->backend_id = 1 + rnd(15);
				mt->tag = ((b * 8 + w) << 8) | flags;
				/* 0xffff: the clock a tick ahead. */
				mt->atime = now - (idle == 0xffff ? 0 : idle) +
					    (idle == 0xffff);
				if (round && mt->backend_id == purged)
					continue;
				if (!xlb_ct_live(mt, now, udp_s *
						 1000000000ull)) {
					want_expired++;
					continue;
				}
				want[mt->backend_id]++;
				want_used++;
			}
		}
		if (round)
			ctscan_purge(s, purged, true);
		c = pass(s);
		assert_int_equal(c->used, want_used);
		assert_int_equal(c->live_total, want_used);
		for (w = 0; w < 16; w++)
			assert_int_equal(c->live[w], want[w]);
		assert_int_equal(c->live[purged], round ? 0 : want[purged]);
		/* Freed: the expired (those purged are counted apart). */
		if (!round)
			assert_int_equal(c->expired, want_expired);
	}
	assert_true(ctscan_counts(s)->purged > 0);
	ctscan_free(s);
	table_free();
}

static void stop_cb(struct ev_loop *loop, void *arg)
{
	(void)arg;
	ev_loop_stop(loop);
}

/* 4M slots, every one used: passes run in slices on the loop, each of
 * them short; the counts of a complete pass are all there. */
static void test_sliced(void **state)
{
	__u32 parts = 2, nb = (4u << 20) / XLB_CT_WAYS / 2, now;
	const struct ctscan_counts *c;
	struct ev_loop *loop;
	struct ctscan *s;
	__u64 i;
	int w;

	(void)state;
	table(parts, nb);
	now = maps_ct_now();
	for (i = 0; i < M.ct_buckets; i++)
		for (w = 0; w < XLB_CT_WAYS; w++) {
			M.ct[i].meta[w].tag = XLB_CT_F_USED | XLB_CT_F_SEEN2;
			M.ct[i].meta[w].atime = now;
			M.ct[i].meta[w].backend_id = 1 + (i & 1);
		}
	loop = ev_loop_new();
	assert_non_null(loop);
	assert_int_equal(ctscan_new(&s, loop, &M), 0);
	/* Long enough for a pass even on a busy machine (about 30 ms of
	 * work when idle). */
	assert_non_null(ev_timer_add(loop, 3000, stop_cb, NULL));
	assert_int_equal(ev_loop_run(loop), 0);
	c = ctscan_counts(s);
	assert_true(c->passes >= 1);
	assert_int_equal(c->used, 4u << 20);
	assert_int_equal(c->live[1] + c->live[2], 4u << 20);
	/* Sliced: a pass took several turns of the loop, and no slice ran
	 * much over its budget (preemption on a loaded machine aside). */
	print_message("# 4M slots: pass %llu us of CPU in %llu slices, longest "
		      "slice %llu us\n", (unsigned long long)c->pass_cpu_us,
		      (unsigned long long)c->pass_slices,
		      (unsigned long long)c->max_slice_us);
	/* A slice overruns its budget by at most one chunk of buckets
	 * (slower here under ASan), and by preemption on a busy machine. */
	assert_true(c->pass_slices >= 2);
	assert_true(c->pass_cpu_us / c->pass_slices < 4 * CTSCAN_SLICE_US);
	assert_true(c->max_slice_us < 20 * CTSCAN_SLICE_US);
	ctscan_free(s);
	ev_loop_free(loop);
	table_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_counts),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_copy_merged),
		cmocka_unit_test(test_counts_match_rules),
		cmocka_unit_test(test_sliced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
