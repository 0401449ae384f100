/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every benchmark program shares: medians and a PRNG. */
#ifndef XLB_BENCH_H
#define XLB_BENCH_H

#include <stdlib.h>
#include <linux/types.h>

/* xorshift64*: fast, and the same sequence for a seed on every run. */
static inline __u64 bench_rng(__u64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

static inline int bench_cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v; with n odd the median is one of the runs. */
static inline double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return v[n / 2];
}

#endif /* XLB_BENCH_H */
