// SPDX-License-Identifier: GPL-2.0
/*
 * Weighted Maglev table builder (Eisenbud et al., NSDI 2016, section 3.4).
 *
 * Each backend walks its own permutation of the slots (offset + k * skip,
 * mod size) and claims the first free slot it meets, as in the paper. The
 * paper gives every backend one claim per round, which splits the table
 * evenly. For weights we first decide how many slots each backend gets
 * (largest remainder, so every backend is within one slot of its ideal
 * share and equal weights differ by at most one slot), then run rounds in
 * which a backend claims a slot only when its Bresenham accumulator says
 * it is due. Claims are thus spread over the whole fill in proportion to
 * the quota, which keeps the paper's low disruption: when a backend goes,
 * the others keep claiming in nearly the same order. With equal weights
 * the table is exactly the paper's, backends taken in key order.
 *
 * Nearly, not exactly: removing one of n backends moves more than its own
 * slots, because they reach the survivors unevenly and a balanced fill
 * evens that out by moving other slots, which shifts later claims. The
 * paper's fill does the same. The excess depends mostly on size / n^2,
 * about the slots each survivor gains: 1.02 x the ideal 1/n at 655, 1.2
 * at 40, 1.6 at 6.5, 6.7 at 0.07 (1000 backends, 65537 slots).
 * docs/performance.md has the figures and the alternatives measured; none
 * kept every backend within one slot of its share and got 1000 backends
 * to 1.2 / n, so the table size is the operator's trade-off.
 *
 * Speed (65537 slots, 100 backends: under 1 ms on a 2.1 GHz EPYC core)
 * comes from an occupancy bitmap, an add-and-compare permutation step,
 * a free-list endgame for the last slots and a heap for skewed weights;
 * each of the three yields the same table as the plain loop (the unit
 * test compares them with a reference).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

/*
 * Per-backend fill state, kept small because the fill loop visits every
 * backend once per round.
 */
struct maglev_perm {
	__u32 next;	/* next slot of this backend's permutation */
	__u32 skip;	/* step, 1..size-1 */
	__u32 quota;	/* slots this backend gets */
	__u32 acc;	/* Bresenham accumulator, 0..rounds-1 */
	__u32 id;
};

/* Keys are byte strings; read them little-endian on every host. */
static __u64 maglev_le64(const __u8 *p)
{
	__u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static __u32 maglev_le32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 |
	       (__u32)p[3] << 24;
}

/*
 * A bijective 64-bit mixer: xor-shifts fold high bits down, odd multipliers
 * spread low bits up. The constants are the fractional parts of sqrt(2)
 * and sqrt(3) (any odd constants with mixed bits would do).
 */
static __u64 maglev_mix(__u64 x)
{
	x ^= x >> 31;
	x *= 0x6a09e667f3bcc909ull;
	x ^= x >> 29;
	x *= 0xbb67ae8584caa73bull;
	x ^= x >> 32;
	return x;
}

/*
 * Hash a 20-byte key. Each word goes through a full bijective mix after it
 * is absorbed, so two keys that differ in one word cannot collide in the
 * state; lane selects one of independent hash functions for the same seed.
 */
static __u64 maglev_hash(const __u8 *key, __u32 seed, __u32 lane)
{
	__u64 h;

	h = maglev_mix(((__u64)seed << 32 | lane) ^ 0x3c6ef372fe94f82bull);
	h = maglev_mix(h ^ maglev_le64(key));
	h = maglev_mix(h ^ maglev_le64(key + 8));
	/* The length in the top byte keeps this apart from longer keys. */
	return maglev_mix(h ^ maglev_le32(key + 16) ^ (__u64)20 << 56);
}

/* a * b mod m without overflow for m < 2^32. */
static __u32 maglev_mulmod(__u32 a, __u32 b, __u32 m)
{
	return (__u64)a * b % m;
}

static __u32 maglev_powmod(__u32 b, __u32 e, __u32 m)
{
	__u32 r = 1;

	while (e) {
		if (e & 1)
			r = maglev_mulmod(r, b, m);
		b = maglev_mulmod(b, b, m);
		e >>= 1;
	}
	return r;
}

/*
 * Miller-Rabin with bases 2, 7 and 61 is exact for every n < 4759123141,
 * so for every __u32; trial division would cost up to 32768 divisions.
 */
bool maglev_is_prime(__u32 n)
{
	static const __u32 bases[] = { 2, 7, 61 };
	__u32 d = n - 1, s = 0;
	size_t i;

	if (n < 2)
		return false;
	if (n < 4)
		return true;
	if (!(n & 1))
		return false;
	while (!(d & 1)) {
		d >>= 1;
		s++;
	}
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		__u32 a = bases[i] % n, x, r;

		if (!a)
			continue;
		x = maglev_powmod(a, d, n);
		if (x == 1 || x == n - 1)
			continue;
		for (r = 1; r < s; r++) {
			x = maglev_mulmod(x, x, n);
			if (x == n - 1)
				break;
		}
		if (r == s)
			return false;
	}
	return true;
}

static int maglev_cmp_key(const void *a, const void *b)
{
	const struct maglev_backend *x = *(const struct maglev_backend **)a;
	const struct maglev_backend *y = *(const struct maglev_backend **)b;

	return memcmp(x->key, y->key, sizeof(x->key));
}

/* Order for handing out leftover slots: larger remainder, then key order. */
struct maglev_rem {
	__u64 rem;
	__u32 idx;	/* position in key order */
};

static int maglev_cmp_rem(const void *a, const void *b)
{
	const struct maglev_rem *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem < y->rem ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Split size slots between the backends of sorted[] (all weights > 0, sum
 * total), set up their permutations and set *rounds to the largest quota.
 * Backends whose quota comes out 0 (ideal share below one slot and not
 * among the largest remainders) are dropped from perm[]; *np is updated.
 */
static int maglev_quotas(const struct maglev_backend **sorted, size_t *np,
			 __u64 total, __u32 size, __u32 seed,
			 struct maglev_perm *perm, __u32 *rounds)
{
	size_t i, j, n = *np;
	struct maglev_rem *rem;
	__u64 given = 0;

	rem = calloc(n, sizeof(*rem));
	if (!rem)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		__u64 share = (__u64)size * sorted[i]->weight;

		perm[i].quota = share / total;
		given += perm[i].quota;
		rem[i].rem = share % total;
		rem[i].idx = i;
	}
	/* The leftover is below n since every remainder is below total. */
	if (given < size)
		qsort(rem, n, sizeof(*rem), maglev_cmp_rem);
	for (i = 0; given < size; i++, given++)
		perm[rem[i].idx].quota++;
	free(rem);

	*rounds = 0;
	for (i = 0, j = 0; i < n; i++) {
		const __u8 *key = sorted[i]->key;
		__u32 offset;

		if (!perm[i].quota)
			continue;
		offset = maglev_hash(key, seed, 1) % size;
		perm[j].quota = perm[i].quota;
		perm[j].skip = maglev_hash(key, seed, 2) % (size - 1) + 1;
		perm[j].next = offset;
		perm[j].id = sorted[i]->id;
		if (perm[j].quota > *rounds)
			*rounds = perm[j].quota;
		j++;
	}
	/*
	 * Start every accumulator just below the threshold: each backend
	 * claims in the first round, and with equal weights the backends one
	 * slot short sit out the last round, exactly the paper's fill.
	 */
	for (i = 0; i < j; i++)
		perm[i].acc = *rounds - 1;
	*np = j;
	return 0;
}

/*
 * Fill state. Finding a backend's next free slot by walking its permutation
 * costs 1 / (fraction free) probes, so about size * ln(size) probes in all,
 * most of them in the last few percent of the fill. Once only a few slots
 * are free we instead look at each free slot and compute how many steps
 * away it lies in the backend's permutation: (slot - next) / skip mod size.
 * The nearest one is exactly the slot the walk would have reached, so the
 * table is the same either way; only the cost differs.
 */
struct maglev_fill {
	__u32 size;
	__u32 left;	/* free slots */
	__u32 endgame;	/* use the free list from this many free slots */
	__u32 nfree;	/* entries in freelist, 0 before the endgame */
	__u32 neg_inv;	/* -size^-1 mod 2^32, for Montgomery reduction */
	__u64 *used;	/* bitmap of taken slots, until the endgame */
	__u32 *freelist;	/* endgame slots */
	__u32 *step_inv;	/* per backend skip^-1 * 2^32 mod size, or 0 */
	__u32 *table;
};

/* Largest r with r * r <= x; the library must not need libm. */
static __u32 maglev_isqrt(__u32 x)
{
	__u32 r = 0, bit;

	for (bit = 1u << 15; bit; bit >>= 1)
		if ((__u64)(r | bit) * (r | bit) <= x)
			r |= bit;
	return r;
}

/* a^-1 mod m for a prime m and 0 < a < m (extended Euclid). */
static __u32 maglev_inverse(__u32 a, __u32 m)
{
	__s64 t = 0, nt = 1, tmp;
	__u64 r = m, nr = a, q, rtmp;

	while (nr) {
		q = r / nr;
		tmp = t - (__s64)q * nt;
		t = nt;
		nt = tmp;
		rtmp = r - q * nr;
		r = nr;
		nr = rtmp;
	}
	return t < 0 ? t + m : t;
}

/*
 * x * 2^-32 mod size for x < size * 2^32, without a division. Needs
 * size < 2^31 so that the sum below cannot overflow.
 */
static inline __u32 maglev_redc(const struct maglev_fill *f, __u64 x)
{
	__u32 q = (__u32)x * f->neg_inv;
	__u64 t = (x + (__u64)q * f->size) >> 32;

	return t >= f->size ? t - f->size : t;
}

static void maglev_enter_endgame(struct maglev_fill *f)
{
	__u32 w, nwords = f->size / 64 + 1;

	for (w = 0; w < nwords; w++) {
		__u64 free_bits = ~f->used[w];

		while (free_bits) {
			__u32 c = w * 64 + __builtin_ctzll(free_bits);

			free_bits &= free_bits - 1;
			if (c < f->size)
				f->freelist[f->nfree++] = c;
		}
	}
}

/* The free slot nearest to p->next along p's permutation. */
static __u32 maglev_take_nearest(struct maglev_fill *f,
				 const struct maglev_perm *p, size_t idx)
{
	__u32 j, best = 0, best_steps = UINT32_MAX, inv, c;

	/* nfree == left from here on, so it is only 0 before the endgame. */
	if (!f->nfree)
		maglev_enter_endgame(f);
	inv = f->step_inv[idx];
	if (!inv) {
		inv = ((__u64)maglev_inverse(p->skip, f->size) << 32) %
		      f->size;
		f->step_inv[idx] = inv;
	}
	for (j = 0; j < f->nfree; j++) {
		__u32 s = f->freelist[j], d, steps;

		d = s >= p->next ? s - p->next : s + (f->size - p->next);
		steps = maglev_redc(f, (__u64)d * inv);
		if (steps < best_steps) {
			best_steps = steps;
			best = j;
		}
	}
	c = f->freelist[best];
	f->freelist[best] = f->freelist[--f->nfree];
	return c;
}

/*
 * Walk p's permutation to the first free slot. Occupancy lives in a bitmap
 * (size / 8 bytes, in L1 for the default 65537 slots) rather than in the
 * table, whose every id is valid. A step is an add and a conditional
 * subtract.
 */
static __u32 maglev_take_walk(struct maglev_fill *f,
			      const struct maglev_perm *p)
{
	__u32 c = p->next, back = f->size - p->skip;

	while (f->used[c >> 6] & 1ull << (c & 63))
		c = c >= back ? c - back : c + p->skip;
	f->used[c >> 6] |= 1ull << (c & 63);
	return c;
}

/*
 * Give p the next free slot of its permutation. Each backend claims exactly
 * its quota and the quotas sum to size, so a free slot exists; the
 * permutation visits every slot, so the walk finds it before wrapping.
 */
static void maglev_claim(struct maglev_fill *f, struct maglev_perm *p,
			 size_t idx)
{
	__u32 c;

	if (f->left > f->endgame)
		c = maglev_take_walk(f, p);
	else
		c = maglev_take_nearest(f, p, idx);
	f->left--;
	f->table[c] = p->id;
	p->next = c >= f->size - p->skip ? c - (f->size - p->skip) :
					    c + p->skip;
}

/*
 * The claim schedule: in each of rounds rounds, the backends in key order,
 * each claiming when its accumulator (acc += quota) reaches rounds. So
 * backend i makes its k-th claim in round ceil(((k - 1) * rounds + 1) /
 * quota) (rounds counted from 1), and within a round key order decides.
 * With near-equal quotas nearly every visit claims and this loop is all
 * it takes.
 */
static void maglev_fill_rounds(struct maglev_fill *f, struct maglev_perm *perm,
			       size_t n, __u32 rounds)
{
	size_t i;
	__u32 r;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			struct maglev_perm *p = &perm[i];

			if (p->acc < rounds - p->quota) {
				p->acc += p->quota;
				continue;
			}
			p->acc -= rounds - p->quota;
			maglev_claim(f, p, i);
		}
	}
}

/* Steps between a backend's claims, in rounds: whole, or whole + 1. */
struct maglev_gap {
	__u32 whole;	/* rounds / quota */
	__u32 part;	/* rounds % quota */
};

/*
 * The same schedule for skewed quotas, where most visits of the loop above
 * would claim nothing (one backend of weight 65535 among 999 of weight 1:
 * 65 million visits for 65537 claims). A min-heap keyed by (round << 32 |
 * key index) yields the claims in the same order. The next round is kept
 * as a numerator remainder so no claim needs a division: with
 * a = (k - 1) * rounds + 1 = quota * round - acc (0 <= acc < quota), the
 * next a is a + rounds = a + whole * quota + part.
 */
static void maglev_fill_heap(struct maglev_fill *f, struct maglev_perm *perm,
			     size_t n, __u32 rounds, __u64 *heap,
			     struct maglev_gap *gap)
{
	size_t i, len = n;

	for (i = 0; i < n; i++) {
		gap[i].whole = rounds / perm[i].quota;
		gap[i].part = rounds % perm[i].quota;
		/* The first claim: a = 1, round 1. */
		perm[i].acc = perm[i].quota - 1;
		/* Ascending, so already a heap. */
		heap[i] = (__u64)1 << 32 | i;
	}
	while (len) {
		__u64 top = heap[0], v;
		struct maglev_perm *p;
		size_t pos, child;
		__u32 round;

		i = (__u32)top;
		round = top >> 32;
		p = &perm[i];
		maglev_claim(f, p, i);

		round += gap[i].whole;
		if (gap[i].part <= p->acc) {
			p->acc -= gap[i].part;
		} else {
			round++;
			p->acc += p->quota - gap[i].part;
		}
		/* A claim past the quota would fall in round rounds + 1. */
		v = round > rounds ? heap[--len] : (__u64)round << 32 | i;
		if (!len)
			break;
		for (pos = 0; (child = 2 * pos + 1) < len; pos = child) {
			if (child + 1 < len && heap[child + 1] < heap[child])
				child++;
			if (v <= heap[child])
				break;
			heap[pos] = heap[child];
		}
		heap[pos] = v;
	}
}

/*
 * Free slots at which the free list takes over from the walk. With k slots
 * free a walk costs size / k probes and a scan k steps, a few times dearer
 * each; sqrt(size) measured best (65537 slots: 0.85 ms instead of 1.0).
 */
static __u32 maglev_endgame(__u32 size)
{
	/*
	 * redc() needs an odd size below 2^31: a table of 2 slots or of
	 * 16 GiB is only ever walked.
	 */
	if (size >= 1u << 31 || !(size & 1))
		return 0;
	return maglev_isqrt(size);
}

int maglev_build(const struct maglev_backend *be, size_t n, __u32 size,
		 __u32 seed, __u32 *table)
{
	const struct maglev_backend **sorted = NULL;
	struct maglev_fill f = { .size = size, .left = size, .table = table };
	struct maglev_perm *perm = NULL;
	struct maglev_gap *gap;
	size_t i, active = 0;
	__u64 total = 0, *heap;
	__u32 rounds, x;
	int err;

	if (!maglev_is_prime(size) || n >= size || !table || (n && !be))
		return -EINVAL;
	if (!n)
		return -ENOENT;

	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sorted[i] = &be[i];
	/* Key order makes the result independent of the caller's order. */
	qsort(sorted, n, sizeof(*sorted), maglev_cmp_key);
	for (i = 1; i < n; i++) {
		if (!memcmp(sorted[i - 1]->key, sorted[i]->key,
			    sizeof(be->key))) {
			err = -EINVAL;
			goto out_sorted;
		}
	}
	for (i = 0; i < n; i++) {
		if (!sorted[i]->weight)
			continue;
		sorted[active++] = sorted[i];
		total += sorted[i]->weight;
	}
	if (!active) {
		err = -ENOENT;
		goto out_sorted;
	}

	perm = malloc(active * sizeof(*perm));
	if (!perm) {
		err = -ENOMEM;
		goto out_sorted;
	}
	f.used = calloc(size / 64 + 1, sizeof(*f.used));
	if (!f.used) {
		err = -ENOMEM;
		goto out_perm;
	}
	f.endgame = maglev_endgame(size);
	f.freelist = malloc((f.endgame + 1) * sizeof(*f.freelist));
	if (!f.freelist) {
		err = -ENOMEM;
		goto out_used;
	}
	f.step_inv = calloc(active, sizeof(*f.step_inv));
	if (!f.step_inv) {
		err = -ENOMEM;
		goto out_freelist;
	}
	/* Newton's iteration doubles the correct low bits: 3, 6, 12, 24, 48. */
	for (x = size, i = 0; i < 4; i++)
		x *= 2 - size * x;
	f.neg_inv = -x;

	err = maglev_quotas(sorted, &active, total, size, seed, perm, &rounds);
	if (err)
		goto out_step_inv;
	/*
	 * The round loop makes active * rounds visits for size claims; past
	 * 8 visits per claim the heap is cheaper (measured: 65537 slots, one
	 * heavy and 999 light backends, 0.4 ms instead of 30 ms; equal
	 * weights, 0.9 ms instead of 3.3 ms the other way round).
	 */
	if ((__u64)active * rounds <= 8 * (__u64)size) {
		maglev_fill_rounds(&f, perm, active, rounds);
	} else {
		heap = malloc(active * (sizeof(*heap) + sizeof(*gap)));
		if (!heap) {
			err = -ENOMEM;
			goto out_step_inv;
		}
		gap = (struct maglev_gap *)(heap + active);
		maglev_fill_heap(&f, perm, active, rounds, heap, gap);
		free(heap);
	}
out_step_inv:
	free(f.step_inv);
out_freelist:
	free(f.freelist);
out_used:
	free(f.used);
out_perm:
	free(perm);
out_sorted:
	free(sorted);
	return err;
}
