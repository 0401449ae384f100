// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the weighted Maglev table builder.
 *
 * user/maglev.c is compiled into this file (the #include below) rather than
 * linked, for two reasons: its allocations can then be failed one by one,
 * and its optimised fill (bitmap walk, free-list endgame, heap schedule)
 * can be compared slot for slot with a plain reference built here from the
 * same hash.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xlb.h"

/* Allocation number at which the module's malloc/calloc fail; 0 = never. */
static int alloc_calls, alloc_fail_at;

static void *failing_malloc(size_t len)
{
	if (++alloc_calls == alloc_fail_at)
		return NULL;
	return malloc(len);
}

static void *failing_calloc(size_t n, size_t len)
{
	if (++alloc_calls == alloc_fail_at)
		return NULL;
	return calloc(n, len);
}

#define malloc failing_malloc
#define calloc failing_calloc
#include "maglev.c"
#undef malloc
#undef calloc

#define SIZE	XLB_RING_SIZE_DEFAULT
#define EMPTY	UINT32_MAX

/* A small deterministic generator, so failures reproduce. */
static __u64 rng_state = 0x2545f4914f6cdd1dull;

static __u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state >> 32;
}

/* Backend i: id i + 1, keyed like the daemon keys an IPv4 backend. */
static void set_backend(struct maglev_backend *be, size_t i, __u32 weight)
{
	memset(be, 0, sizeof(*be));
	be->id = i + 1;
	be->weight = weight;
	be->key[0] = XLB_AF_INET;
	be->key[4] = 198;
	be->key[5] = 18 + (i >> 16 & 1);
	be->key[6] = i >> 8;
	be->key[7] = i;
}

static struct maglev_backend *backends(size_t n, __u32 weight)
{
	struct maglev_backend *be = calloc(n ? n : 1, sizeof(*be));
	size_t i;

	assert_non_null(be);
	for (i = 0; i < n; i++)
		set_backend(&be[i], i, weight);
	return be;
}

static __u32 *new_table(__u32 size)
{
	__u32 *t = malloc(size * sizeof(*t));

	assert_non_null(t);
	return t;
}

/* counts[id] for ids 1..max_id; fails on an id outside 1..max_id. */
static void count_ids(const __u32 *table, __u32 size, __u32 *counts,
		      __u32 max_id)
{
	__u32 s;

	memset(counts, 0, (max_id + 1) * sizeof(*counts));
	for (s = 0; s < size; s++) {
		assert_in_range(table[s], 1, max_id);
		counts[table[s]]++;
	}
}

/*
 * The reference: the same hash, quotas by an O(n^2) largest-remainder
 * selection, the schedule by its closed form (claims after round r are
 * floor((rounds - 1 + r * quota) / rounds)) and every permutation step by
 * a 64-bit multiply and modulo.
 */
static void ref_build(const struct maglev_backend *in, size_t n, __u32 size,
		      __u32 seed, __u32 *table)
{
	struct maglev_backend *be = calloc(n, sizeof(*be));
	__u64 *quota = calloc(n, sizeof(*quota)), *rem = calloc(n, 8);
	__u64 *offset = calloc(n, 8), *skip = calloc(n, 8), *pos = calloc(n, 8);
	__u64 total = 0, given = 0, rounds = 0, r;
	bool *bumped = calloc(n, sizeof(*bumped));
	size_t i, j, m = 0;

	assert_true(be && quota && rem && offset && skip && pos && bumped);
	/* Insertion sort by key, dropping weight 0. */
	for (i = 0; i < n; i++) {
		if (!in[i].weight)
			continue;
		for (j = m; j > 0 && memcmp(be[j - 1].key, in[i].key, 20) > 0;
		     j--)
			be[j] = be[j - 1];
		be[j] = in[i];
		m++;
	}
	for (i = 0; i < m; i++)
		total += be[i].weight;
	for (i = 0; i < m; i++) {
		quota[i] = (__u64)size * be[i].weight / total;
		rem[i] = (__u64)size * be[i].weight % total;
		given += quota[i];
	}
	for (; given < size; given++) {
		size_t best = m;

		for (i = 0; i < m; i++)
			if (!bumped[i] && (best == m || rem[i] > rem[best]))
				best = i;
		bumped[best] = true;
		quota[best]++;
	}
	for (i = 0; i < m; i++) {
		offset[i] = maglev_hash(be[i].key, seed, 1) % size;
		skip[i] = maglev_hash(be[i].key, seed, 2) % (size - 1) + 1;
		if (quota[i] > rounds)
			rounds = quota[i];
	}
	for (i = 0; i < size; i++)
		table[i] = EMPTY;
	for (r = 1; r <= rounds; r++) {
		for (i = 0; i < m; i++) {
			__u64 before, after, s;

			before = (rounds - 1 + (r - 1) * quota[i]) / rounds;
			after = (rounds - 1 + r * quota[i]) / rounds;

			if (after == before)
				continue;
			for (;;) {
				s = (offset[i] + pos[i]++ * skip[i]) % size;
				if (table[s] == EMPTY)
					break;
			}
			table[s] = be[i].id;
		}
	}
	free(bumped);
	free(pos);
	free(skip);
	free(offset);
	free(rem);
	free(quota);
	free(be);
}

static bool is_prime_slow(__u32 n)
{
	__u32 d;

	if (n < 2)
		return false;
	for (d = 2; (__u64)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static void test_is_prime(void **state)
{
	static const __u32 primes[] = {
		2, 3, 5, 65537, 655373, XLB_RING_SIZE_DEFAULT,
		XLB_RING_SIZE_MAX, 2147483647, 2147483659u, 4294967291u,
	};
	static const __u32 composites[] = {
		0, 1, 4, 9, 65535, 65536, 655371,
		/* Carmichael numbers fool the Fermat test. */
		561, 1105, 1729, 2465, 6601, 8911, 41041,
		/* Strong pseudoprimes to small bases. */
		2047, 1373653, 25326001, 3215031751u,
		4293001441u,	/* 65521^2 */
		4292870399u,	/* 65519 * 65521 */
		4294967293u, 4294967295u,
	};
	size_t i;
	__u32 n;

	(void)state;
	for (i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		assert_true(maglev_is_prime(primes[i]));
	for (i = 0; i < sizeof(composites) / sizeof(composites[0]); i++)
		assert_false(maglev_is_prime(composites[i]));
	for (n = 0; n < 30000; n++)
		assert_int_equal(maglev_is_prime(n), is_prime_slow(n));
	for (n = 4294967295u - 3000; n != 0; n++)
		assert_int_equal(maglev_is_prime(n), is_prime_slow(n));
}

/* The arithmetic behind the endgame, checked against plain 64-bit math. */
static void test_modular_helpers(void **state)
{
	static const __u32 mods[] = { 3, 13, 65537, 655373, 1048573,
				      2147483647 };
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		struct maglev_fill f = { .size = mods[i] };
		__u32 m = mods[i], x;

		for (x = m, k = 0; k < 4; k++)
			x *= 2 - m * x;
		f.neg_inv = -x;
		assert_int_equal((__u32)(m * f.neg_inv), UINT32_MAX);
		for (k = 0; k < 2000; k++) {
			__u32 a = rng() % (m - 1) + 1, inv;
			__u64 v = ((__u64)rng() << 32 | rng()) %
				  ((__u64)m << 32);

			inv = maglev_inverse(a, m);
			assert_true(inv < m);
			assert_int_equal((__u64)a * inv % m, 1);
			/* redc(v) * 2^32 == v (mod m), redc(v) < m */
			x = maglev_redc(&f, v);
			assert_true(x < m);
			assert_int_equal(((__u64)x << 32) % m, v % m);
		}
	}
	assert_int_equal(maglev_isqrt(0), 0);
	assert_int_equal(maglev_isqrt(3), 1);
	assert_int_equal(maglev_isqrt(4), 2);
	assert_int_equal(maglev_isqrt(65537), 256);
	assert_int_equal(maglev_isqrt(UINT32_MAX), 65535);
	for (k = 0; k < 10000; k++) {
		__u32 v = rng(), r = maglev_isqrt(v);

		assert_true((__u64)r * r <= v && (__u64)(r + 1) * (r + 1) > v);
	}
	/*
	 * Montgomery reduction needs an odd size and would overflow past
	 * 2^31 slots: those tables are walked to the end.
	 */
	assert_int_equal(maglev_endgame(2), 0);
	assert_int_equal(maglev_endgame(2147483659u), 0);
	assert_int_equal(maglev_endgame(2147483647), 46340);
	assert_int_equal(maglev_endgame(SIZE), 256);
}

/*
 * Every input bit flips each output bit with probability 1/2; checked
 * over random keys and over keys that differ only in a few low bytes, as
 * backend addresses do.
 */
static void test_hash_avalanche(void **state)
{
	enum { KEYS = 400 };
	static unsigned flips[64];
	__u64 total = 0;
	int k, b, o;

	(void)state;
	for (k = 0; k < KEYS; k++) {
		struct maglev_backend be;
		__u32 seed = rng();
		__u64 h;

		set_backend(&be, k, 1);
		if (k & 1)
			for (b = 0; b < 20; b++)
				be.key[b] = rng();
		h = maglev_hash(be.key, seed, 1);
		for (b = 0; b < 160; b++) {
			__u64 d;

			be.key[b / 8] ^= 1u << (b % 8);
			d = h ^ maglev_hash(be.key, seed, 1);
			be.key[b / 8] ^= 1u << (b % 8);
			total += __builtin_popcountll(d);
			for (o = 0; o < 64; o++)
				flips[o] += d >> o & 1;
		}
		/* The seed and the lane are inputs too. */
		assert_int_not_equal(h, maglev_hash(be.key, seed ^ 1, 1));
		assert_int_not_equal(h, maglev_hash(be.key, seed, 2));
	}
	printf("# hash: %.3f of 64 bits flip per input bit\n",
	       (double)total / (KEYS * 160));
	assert_true(total > 31.5 * KEYS * 160 && total < 32.5 * KEYS * 160);
	for (o = 0; o < 64; o++)
		assert_in_range(flips[o], KEYS * 160 * 45 / 100,
				KEYS * 160 * 55 / 100);
}

/*
 * Keys are read as little-endian bytes, so every host hashes alike. These
 * values pin the hash and the whole build: if they change, load balancers
 * on different versions stop agreeing on the table.
 */
static void test_golden(void **state)
{
	struct maglev_backend *be = backends(10, 1);
	__u32 *table = new_table(SIZE), s;
	__u64 fnv = 0xcbf29ce484222325ull;

	(void)state;
	assert_int_equal(maglev_hash(be[0].key, 0, 1), 0x7dac98eef4760d07ull);
	assert_int_equal(maglev_hash(be[3].key, 42, 2), 0x299f98d253d536b3ull);
	assert_int_equal(maglev_build(be, 10, SIZE, 42, table), 0);
	for (s = 0; s < SIZE; s++)
		fnv = (fnv ^ table[s]) * 0x100000001b3ull;
	assert_int_equal(table[0], 2);
	assert_int_equal(table[SIZE - 1], 3);
	assert_int_equal(fnv, 0x321707a82eeb9a9cull);
	free(table);
	free(be);
}

/* Each backend with weight > 0 is in the table, nothing else is. */
static void test_slots_valid(void **state)
{
	enum { N = 100 };
	struct maglev_backend *be = backends(N, 7);
	__u32 *table = new_table(SIZE), counts[N + 1];
	size_t i;

	(void)state;
	for (i = 0; i < N; i += 3)
		be[i].weight = 0;
	assert_int_equal(maglev_build(be, N, SIZE, 1, table), 0);
	count_ids(table, SIZE, counts, N);
	for (i = 0; i < N; i++) {
		if (i % 3 == 0)
			assert_int_equal(counts[i + 1], 0);
		else
			assert_true(counts[i + 1] > 0);
	}
	free(table);
	free(be);
}

static void test_equal_weights(void **state)
{
	static const struct {
		size_t n;
		__u32 size;
	} cases[] = {
		{ 1, 2 }, { 1, SIZE }, { 2, SIZE }, { 3, SIZE }, { 7, SIZE },
		{ 10, SIZE }, { 100, SIZE }, { 1000, SIZE }, { 5000, SIZE },
		{ 12, 13 }, { 100, 101 }, { 333, 1009 }, { 1000, 655373 },
	};
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = cases[c].n;
		__u32 size = cases[c].size, min = UINT32_MAX, max = 0;
		struct maglev_backend *be = backends(n, 65535);
		__u32 *table = new_table(size);
		__u32 *counts = calloc(n + 1, sizeof(*counts));

		assert_non_null(counts);
		assert_int_equal(maglev_build(be, n, size, 5, table), 0);
		count_ids(table, size, counts, n);
		for (i = 1; i <= n; i++) {
			if (counts[i] < min)
				min = counts[i];
			if (counts[i] > max)
				max = counts[i];
		}
		assert_int_equal(min, size / n);
		assert_int_equal(max, size / n + (size % n != 0));
		free(counts);
		free(table);
		free(be);
	}
}

/*
 * Each backend gets floor or ceil of size * weight / total: within one
 * slot of its share, far inside 1 % for any share of 100 slots or more.
 */
static void test_weights_honoured(void **state)
{
	enum { MIX_123 = 0, MIX_HEAVY, MIX_MANY_LIGHT, MIX_RANDOM, MIX_TWO,
	       MIX_ZEROS, MIXES };
	static const size_t ns[MIXES] = { 4, 2, 1000, 1000, 1010, 50 };
	static const __u32 sizes[MIXES] = { SIZE, SIZE, SIZE, SIZE, 655373,
					    SIZE };
	double worst = 0;
	int mix;

	(void)state;
	for (mix = 0; mix < MIXES; mix++) {
		size_t n = ns[mix], i;
		__u32 size = sizes[mix];
		struct maglev_backend *be = backends(n, 1);
		__u32 *table = new_table(size);
		__u32 *counts = calloc(n + 1, sizeof(*counts));
		__u64 total = 0;

		assert_non_null(counts);
		for (i = 0; i < n; i++) {
			switch (mix) {
			case MIX_123:
				be[i].weight = i + 1;
				break;
			case MIX_HEAVY:
				be[i].weight = i ? 65535 : 1;
				break;
			case MIX_MANY_LIGHT:	/* the heap schedule */
				be[i].weight = i ? 1 : 65535;
				break;
			case MIX_RANDOM:
				be[i].weight = rng() % 65535 + 1;
				break;
			case MIX_TWO:
				be[i].weight = i < 10 ? 100 : 1;
				break;
			case MIX_ZEROS:
				be[i].weight = i % 2 ? 0 : i * 100;
				break;
			}
			total += be[i].weight;
		}
		assert_int_equal(maglev_build(be, n, size, 9, table), 0);
		count_ids(table, size, counts, n);
		for (i = 0; i < n; i++) {
			__s64 share = (__u64)size * be[i].weight;
			__s64 got = (__s64)counts[i + 1] * total;
			double ideal = (double)share / total;

			/* |count - ideal| < 1 */
			assert_true(got - share < (__s64)total &&
				    share - got < (__s64)total);
			if (ideal >= 100 &&
			    fabs(counts[i + 1] - ideal) / ideal > worst)
				worst = fabs(counts[i + 1] - ideal) / ideal;
		}
		free(counts);
		free(table);
		free(be);
	}
	printf("# weights: worst error %.4f %% of the ideal share\n",
	       worst * 100);
	assert_true(worst < 0.01);
}

/* The optimised builder and the plain reference agree slot for slot. */
static void test_matches_reference(void **state)
{
	static const struct {
		size_t n;
		__u32 size;
		int weights;	/* 0 equal, 1 mild mix, 2 and 3 skewed */
	} cases[] = {
		{ 1, 2, 0 }, { 2, 3, 0 }, { 6, 7, 1 }, { 12, 13, 2 },
		{ 5, 101, 0 }, { 40, 101, 1 }, { 30, 1009, 2 },
		{ 10, 10007, 0 }, { 100, 10007, 1 }, { 200, 10007, 2 },
		{ 10, SIZE, 0 }, { 100, SIZE, 0 }, { 1000, SIZE, 0 },
		{ 300, SIZE, 1 }, { 50, SIZE, 2 }, { 1000, SIZE, 3 },
	};
	size_t c, i;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = cases[c].n;
		__u32 size = cases[c].size, seed = rng();
		struct maglev_backend *be = backends(n, 10);
		__u32 *got = new_table(size), *want = new_table(size);

		for (i = 0; i < n; i++) {
			/* 2 and 3 take the heap schedule for 10007+ slots. */
			if (cases[c].weights == 1)
				be[i].weight = 1 + i * i * 7 % 300;
			else if (cases[c].weights == 2)
				be[i].weight = i == n / 2 ? 65535 : 1 + i % 40;
			else if (cases[c].weights == 3)
				be[i].weight = i % 10 ? 1 + i % 7 : 5000 + i;
		}
		assert_int_equal(maglev_build(be, n, size, seed, got), 0);
		ref_build(be, n, size, seed, want);
		for (i = 0; i < size; i++)
			if (got[i] != want[i])
				fail_msg("case %zu slot %zu: %u, reference %u",
					 c, i, got[i], want[i]);
		free(want);
		free(got);
		free(be);
	}
}

static size_t diff_slots(const __u32 *a, const __u32 *b, __u32 size)
{
	size_t d = 0;
	__u32 s;

	for (s = 0; s < size; s++)
		d += a[s] != b[s];
	return d;
}

static void test_seed(void **state)
{
	enum { N = 10 };
	struct maglev_backend *be = backends(N, 1);
	__u32 *a = new_table(SIZE), *b = new_table(SIZE);
	size_t d;

	(void)state;
	assert_int_equal(maglev_build(be, N, SIZE, 7, a), 0);
	assert_int_equal(maglev_build(be, N, SIZE, 7, b), 0);
	assert_memory_equal(a, b, SIZE * sizeof(*a));
	/* Independent tables agree on about 1/N of the slots. */
	assert_int_equal(maglev_build(be, N, SIZE, 8, b), 0);
	d = diff_slots(a, b, SIZE);
	printf("# seed 7 vs 8: %.2f %% of slots differ\n", 100.0 * d / SIZE);
	assert_true(d > SIZE * 85 / 100 && d < SIZE * 95 / 100);
	free(b);
	free(a);
	free(be);
}

static void test_order_independent(void **state)
{
	enum { N = 300 };
	struct maglev_backend *be = backends(N, 1), tmp;
	__u32 *a = new_table(SIZE), *b = new_table(SIZE);
	size_t i, j;
	int round;

	(void)state;
	for (i = 0; i < N; i++)
		be[i].weight = i % 5 ? i % 17 + 1 : 0;
	assert_int_equal(maglev_build(be, N, SIZE, 3, a), 0);
	for (round = 0; round < 5; round++) {
		for (i = N - 1; i > 0; i--) {
			j = rng() % (i + 1);
			tmp = be[i];
			be[i] = be[j];
			be[j] = tmp;
		}
		assert_int_equal(maglev_build(be, N, SIZE, 3, b), 0);
		assert_memory_equal(a, b, SIZE * sizeof(*a));
	}
	free(b);
	free(a);
	free(be);
}

/*
 * Removing one of n backends: its own slots must move, the others' should
 * mostly stay. Returns the worst fraction of other backends' slots that
 * moved over a few choices of the removed backend.
 */
static double removal_disruption(size_t n, __u32 size)
{
	struct maglev_backend *be = backends(n, 1);
	__u32 *before = new_table(size), *after = new_table(size), s;
	double worst = 0;
	int k;

	assert_int_equal(maglev_build(be, n, size, 11, before), 0);
	for (k = 0; k < 3; k++) {
		size_t gone = (size_t)k * n / 3, own = 0, moved = 0;
		struct maglev_backend saved = be[gone];

		be[gone] = be[n - 1];
		assert_int_equal(maglev_build(be, n - 1, size, 11, after), 0);
		for (s = 0; s < size; s++) {
			assert_int_not_equal(after[s], saved.id);
			if (before[s] == saved.id)
				own++;
			else
				moved += before[s] != after[s];
		}
		be[n - 1] = be[gone];
		be[gone] = saved;
		if ((double)moved / (size - own) > worst)
			worst = (double)moved / (size - own);
	}
	free(after);
	free(before);
	free(be);
	return worst;
}

/*
 * Bounds are about twice what this implementation measures (the paper's
 * algorithm, which these tables reproduce for equal weights, measures the
 * same); more means the fill order lost its consistency.
 */
static void test_remove_disruption(void **state)
{
	static const struct {
		size_t n;
		double bound;
	} cases[] = { { 10, 0.01 }, { 100, 0.012 }, { 1000, 0.013 } };
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double d = removal_disruption(cases[c].n, SIZE);

		printf("# remove 1 of %zu: %.3f %% of the other backends' "
		       "slots moved (bound %.1f %%)\n", cases[c].n, d * 100,
		       cases[c].bound * 100);
		assert_true(d < cases[c].bound);
	}
}

/*
 * Issue 8's measure: the share of all slots (so of new flows) whose backend
 * changes when one backend goes, over the ideal, that backend's own share.
 * Worst of three removals, each with its own seed.
 */
static double remap_over_ideal(size_t n, __u32 size, bool weighted)
{
	struct maglev_backend *be = backends(n, 100);
	__u32 *before = new_table(size), *after = new_table(size), s;
	double worst = 0;
	int k;

	for (k = 0; k < 3; k++) {
		size_t gone = (size_t)k * n / 3 + 1, moved = 0, i;
		struct maglev_backend saved;
		__u64 total = 0;

		for (i = 0; i < n; i++) {
			set_backend(&be[i], i, weighted ? 50 + i * 37 % 100 : 100);
			total += be[i].weight;
		}
		assert_int_equal(maglev_build(be, n, size, 31 + k, before), 0);
		saved = be[gone];
		be[gone] = be[n - 1];
		assert_int_equal(maglev_build(be, n - 1, size, 31 + k, after), 0);
		for (s = 0; s < size; s++)
			moved += before[s] != after[s];
		if ((double)moved * total / ((double)size * saved.weight) > worst)
			worst = (double)moved * total /
				((double)size * saved.weight);
	}
	free(after);
	free(before);
	free(be);
	return worst;
}

/*
 * The excess over the ideal grows as size / n^2 shrinks: about 1.02 at
 * 655 (10 backends, 65537 slots), 1.2 at 40, 1.6 at 6.5 (100 backends),
 * 3 at 1 and 6.7 at 0.07 (1000 backends); docs/performance.md explains
 * why. Bounds sit a few % above what these cases measure, so a fill that
 * loses consistency fails; the cases at size / n^2 of 41 and 52 hold the
 * documented rule that 40 * n^2 slots keep the share within 1.2 / n.
 */
static void test_remove_remap(void **state)
{
	static const struct {
		size_t n;
		__u32 size;
		bool weighted;
		double bound;
	} cases[] = {
		{ 10, SIZE, false, 1.06 },
		{ 40, SIZE, false, 1.2 },
		{ 100, SIZE, false, 1.65 },
		{ 100, SIZE, true, 1.65 },
		{ 1000, SIZE, false, 6.9 },
		{ 100, 524287, false, 1.2 },
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double r = remap_over_ideal(cases[c].n, cases[c].size,
					    cases[c].weighted);

		printf("# remove 1 of %zu%s, %u slots: %.3f x its share "
		       "remapped (bound %.2f)\n", cases[c].n,
		       cases[c].weighted ? " weighted" : "", cases[c].size, r,
		       cases[c].bound);
		assert_true(r <= cases[c].bound);
	}
}

/* Adding a backend: it takes its share; few slots move between others. */
static void test_add_disruption(void **state)
{
	static const struct {
		size_t n;
		double bound;
	} cases[] = { { 10, 0.006 }, { 100, 0.012 }, { 1000, 0.012 } };
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = cases[c].n, moved = 0, taken = 0;
		struct maglev_backend *be = backends(n + 1, 1);
		__u32 *before = new_table(SIZE), *after = new_table(SIZE), s;
		double d;

		assert_int_equal(maglev_build(be, n, SIZE, 13, before), 0);
		assert_int_equal(maglev_build(be, n + 1, SIZE, 13, after), 0);
		for (s = 0; s < SIZE; s++) {
			if (after[s] == n + 1)
				taken++;
			else
				moved += before[s] != after[s];
		}
		assert_in_range(taken, SIZE / (n + 1), SIZE / (n + 1) + 1);
		d = (double)moved / SIZE;
		printf("# add 1 to %zu: %.3f %% of the other backends' slots "
		       "moved (bound %.1f %%)\n", n, d * 100,
		       cases[c].bound * 100);
		assert_true(d < cases[c].bound);
		free(after);
		free(before);
		free(be);
	}
}

/* Halving one weight among 100 mostly moves that backend's slots only. */
static void test_weight_change_disruption(void **state)
{
	enum { N = 100 };
	struct maglev_backend *be = backends(N, 100);
	__u32 *before = new_table(SIZE), *after = new_table(SIZE), s;
	size_t moved = 0, lost = 0;
	double d;

	(void)state;
	for (s = 0; s < N; s++)
		be[s].weight = 50 + s % 100;
	assert_int_equal(maglev_build(be, N, SIZE, 17, before), 0);
	be[40].weight /= 2;
	assert_int_equal(maglev_build(be, N, SIZE, 17, after), 0);
	for (s = 0; s < SIZE; s++) {
		if (before[s] == 41 && after[s] != 41)
			lost++;
		else if (after[s] != 41)
			moved += before[s] != after[s];
	}
	d = (double)moved / SIZE;
	printf("# halve 1 weight of %d: backend lost %zu slots, %.3f %% of "
	       "the others' moved (bound 1.5 %%)\n", N, lost, d * 100);
	assert_true(lost > 0);
	assert_true(d < 0.015);
	free(after);
	free(before);
	free(be);
}

static void assert_untouched(const __u32 *table, __u32 size)
{
	__u32 s;

	for (s = 0; s < size; s++)
		assert_int_equal(table[s], EMPTY);
}

static void test_errors(void **state)
{
	struct maglev_backend *be = backends(20, 1);
	__u32 *table = new_table(SIZE);

	(void)state;
	memset(table, 0xff, SIZE * sizeof(*table));
	/* size not prime */
	assert_int_equal(maglev_build(be, 3, 0, 1, table), -EINVAL);
	assert_int_equal(maglev_build(be, 3, 1, 1, table), -EINVAL);
	assert_int_equal(maglev_build(be, 3, 65536, 1, table), -EINVAL);
	assert_int_equal(maglev_build(be, 3, 561, 1, table), -EINVAL);
	/* n >= size */
	assert_int_equal(maglev_build(be, 2, 2, 1, table), -EINVAL);
	assert_int_equal(maglev_build(be, 13, 13, 1, table), -EINVAL);
	assert_int_equal(maglev_build(be, 20, 17, 1, table), -EINVAL);
	assert_int_equal(maglev_build(be, 12, 13, 1, table), 0);
	memset(table, 0xff, SIZE * sizeof(*table));
	/* NULL */
	assert_int_equal(maglev_build(be, 3, SIZE, 1, NULL), -EINVAL);
	assert_int_equal(maglev_build(NULL, 3, SIZE, 1, table), -EINVAL);
	/* no backend with a weight */
	assert_int_equal(maglev_build(NULL, 0, SIZE, 1, table), -ENOENT);
	be[0].weight = be[1].weight = be[2].weight = 0;
	assert_int_equal(maglev_build(be, 3, SIZE, 1, table), -ENOENT);
	/* duplicate keys, even among weight 0, in any position */
	be[2].key[7] = be[0].key[7];
	assert_int_equal(maglev_build(be, 3, SIZE, 1, table), -EINVAL);
	set_backend(&be[2], 2, 1);
	be[19].key[6] = be[7].key[6];
	be[19].key[7] = be[7].key[7];
	be[19].id = 77;
	assert_int_equal(maglev_build(be, 20, SIZE, 1, table), -EINVAL);
	/* the first 19 are fine */
	assert_untouched(table, SIZE);
	assert_int_equal(maglev_build(be, 19, SIZE, 1, table), 0);
	free(table);
	free(be);
}

/*
 * Fail each allocation in turn: -ENOMEM, the table untouched, and nothing
 * leaked (LeakSanitizer checks at exit). Once all of them succeed the
 * table is the one built without failures.
 */
static void fail_each_allocation(const struct maglev_backend *be, size_t n)
{
	__u32 *want = new_table(SIZE), *table = new_table(SIZE);
	int at, err;

	assert_int_equal(maglev_build(be, n, SIZE, 2, want), 0);
	for (at = 1;; at++) {
		memset(table, 0xff, SIZE * sizeof(*table));
		alloc_calls = 0;
		alloc_fail_at = at;
		err = maglev_build(be, n, SIZE, 2, table);
		alloc_fail_at = 0;
		if (!err)
			break;
		assert_int_equal(err, -ENOMEM);
		assert_untouched(table, SIZE);
		assert_true(at < 20);
	}
	/* Every allocation failed once before this success. */
	assert_int_equal(alloc_calls, at - 1);
	assert_memory_equal(table, want, SIZE * sizeof(*table));
	free(table);
	free(want);
}

static void test_enomem(void **state)
{
	struct maglev_backend *be = backends(1000, 1);

	(void)state;
	fail_each_allocation(be, 100);
	/* One heavy backend: the heap schedule allocates once more. */
	be[5].weight = 65535;
	fail_each_allocation(be, 1000);
	free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_prime),
		cmocka_unit_test(test_modular_helpers),
		cmocka_unit_test(test_hash_avalanche),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_slots_valid),
		cmocka_unit_test(test_equal_weights),
		cmocka_unit_test(test_weights_honoured),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_remove_disruption),
		cmocka_unit_test(test_remove_remap),
		cmocka_unit_test(test_add_disruption),
		cmocka_unit_test(test_weight_change_disruption),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
