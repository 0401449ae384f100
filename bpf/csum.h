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

#endif /* XLB_CSUM_H */
