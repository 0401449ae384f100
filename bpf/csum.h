/* SPDX-License-Identifier: GPL-2.0 */
/* Internet checksum of headers the data path builds itself. */
#ifndef XLB_CSUM_H
#define XLB_CSUM_H

#include <linux/types.h>

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Checksum of a 20-byte IPv4 header (no options) whose check field is
 * zero. Summing the 16-bit words in host order gives the byte-swapped
 * ones' complement sum, which stores back correctly without swapping.
 */
static __always_inline __u16 csum_ipv4_hdr(const void *hdr)
{
	const __u16 *w = hdr;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
	return csum_fold(sum);
}

/*
 * Fold a 64-bit sum of 32-bit words read in memory order (what
 * bpf_csum_diff() returns, and what csum_add_words() adds) to the 16-bit
 * checksum, stored back without swapping like csum_ipv4_hdr()'s.
 */
static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return csum_fold((__u32)sum);
}

/* Add n 32-bit words of a header held on the stack. */
static __always_inline __u64 csum_add_words(__u64 sum, const void *p, int n)
{
	const __u32 *w = p;
	int i;

#pragma unroll
	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

#endif /* XLB_CSUM_H */
