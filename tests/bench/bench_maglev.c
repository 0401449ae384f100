// SPDX-License-Identifier: GPL-2.0
/*
 * Maglev table builder benchmark: build time for the default and a ten
 * times larger table, and how much of the table moves when one backend
 * goes away. Prints "NAME VALUE UNIT" lines, each the median of RUNS runs.
 *
 * Build times are this thread's CPU time, not wall time: a build never
 * sleeps, so on an idle machine the two agree, and on a shared one CPU
 * time leaves out the moments another process held the core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maglev.h"
#include "xlb.h"
#include "bench/bench.h"

#define RUNS		15	/* odd, so the median is one run */
#define REMAP_SIZE	XLB_RING_SIZE_DEFAULT

/* Backend i as the daemon would key it: family, then a 198.18/15 address. */
static void bench_backends(struct maglev_backend *be, size_t n)
{
	size_t i;

	memset(be, 0, n * sizeof(*be));
	for (i = 0; i < n; i++) {
		be[i].id = i + 1;
		be[i].weight = 100;
		be[i].key[0] = XLB_AF_INET;
		be[i].key[4] = 198;
		be[i].key[5] = 18 + (i >> 16 & 1);
		be[i].key[6] = i >> 8;
		be[i].key[7] = i;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int build_ms(__u32 size, size_t n, int skewed, double *out)
{
	struct maglev_backend *be;
	double t[RUNS];
	__u32 *table;
	int i, err = 0;

	be = calloc(n, sizeof(*be));
	table = calloc(size, sizeof(*table));
	if (!be || !table) {
		err = -ENOMEM;
		goto out;
	}
	bench_backends(be, n);
	/* One heavy backend among light ones: the most rounds per slot. */
	if (skewed) {
		for (i = 0; i < (int)n; i++)
			be[i].weight = 1;
		be[0].weight = 65535;
	}
	/* Warm the allocator and caches once, untimed. */
	err = maglev_build(be, n, size, 1, table);
	for (i = 0; i < RUNS && !err; i++) {
		double t0 = now_ms();

		err = maglev_build(be, n, size, i + 1, table);
		t[i] = now_ms() - t0;
	}
	if (!err)
		*out = bench_median(t, RUNS);
out:
	free(table);
	free(be);
	return err;
}

/* Percent of all slots that change backend when one of n is removed. */
static int remap_pct(size_t n, double *out)
{
	__u32 *before, *after;
	struct maglev_backend *be;
	double pct[RUNS];
	int i, err = 0;

	be = calloc(n, sizeof(*be));
	before = calloc(REMAP_SIZE, sizeof(*before));
	after = calloc(REMAP_SIZE, sizeof(*after));
	if (!be || !before || !after) {
		err = -ENOMEM;
		goto out;
	}
	/* Each run takes a different seed and removes a different backend. */
	for (i = 0; i < RUNS && !err; i++) {
		size_t gone = (size_t)i * 7919 % n, moved = 0, s;

		bench_backends(be, n);
		err = maglev_build(be, n, REMAP_SIZE, 1000 + i, before);
		if (err)
			break;
		be[gone] = be[n - 1];
		err = maglev_build(be, n - 1, REMAP_SIZE, 1000 + i, after);
		for (s = 0; s < REMAP_SIZE; s++)
			moved += before[s] != after[s];
		pct[i] = 100.0 * moved / REMAP_SIZE;
	}
	if (!err)
		*out = bench_median(pct, RUNS);
out:
	free(after);
	free(before);
	free(be);
	return err;
}

int main(void)
{
	static const __u32 sizes[] = { XLB_RING_SIZE_DEFAULT, 655373 };
	static const size_t counts[] = { 100, 1000 };
	static const size_t remap_n[] = { 10, 100, 1000 };
	size_t i, j;
	double v;
	int err;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			err = build_ms(sizes[i], counts[j], 0, &v);
			if (err)
				goto fail;
			printf("maglev_build_ms_%ux%zu %.3f ms\n", sizes[i],
			       counts[j], v);
		}
	}
	err = build_ms(XLB_RING_SIZE_DEFAULT, 1000, 1, &v);
	if (err)
		goto fail;
	printf("maglev_build_ms_%ux1000_skewed %.3f ms\n",
	       XLB_RING_SIZE_DEFAULT, v);
	for (i = 0; i < 3; i++) {
		err = remap_pct(remap_n[i], &v);
		if (err)
			goto fail;
		printf("maglev_remap_pct_%zu %.3f percent\n", remap_n[i], v);
		printf("maglev_remap_over_ideal_%zu %.3f ratio\n", remap_n[i],
		       v / (100.0 / remap_n[i]));
	}
	return 0;
fail:
	fprintf(stderr, "bench_maglev: %s\n", strerror(-err));
	return 1;
}
