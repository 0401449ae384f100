/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights.
 * Pure computation: no I/O, no BPF. Used by the daemon to fill a VIP's
 * lookup table and by tests and benchmarks.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct maglev_backend {
	__u32 id;		/* written into the table */
	__u32 weight;		/* 0 = gets no slot */
	__u8 key[20];		/* stable identity, e.g. family + address */
};

/*
 * Fill table[0..size-1] with backend ids. size must be prime and larger
 * than the number of backends. The result depends only on the set of
 * (key, weight) pairs and the seed, never on the order of be[], so two
 * load balancers with the same backends and seed build the same table.
 *
 * Each backend gets size * weight / (sum of weights) slots, rounded down
 * or up by largest remainder (ties in key order): within one slot of its
 * ideal share, so equal weights differ by at most one slot. A backend
 * whose ideal share is below one slot may get none.
 *
 * Returns 0, -EINVAL (size not prime, duplicate key, n >= size, table or
 * be NULL), -ENOENT (no backend with a non-zero weight) or -ENOMEM; on
 * error table is untouched.
 */
int maglev_build(const struct maglev_backend *be, size_t n, __u32 size,
		 __u32 seed, __u32 *table);
bool maglev_is_prime(__u32 n);

#endif /* XLB_MAGLEV_H */
