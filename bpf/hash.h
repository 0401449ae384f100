/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flow hashing shared by the data path and userspace. Plain C with no BPF
 * helpers, so tests and tools can include it and predict which Maglev slot
 * a flow lands in. Words are read as they sit in memory (network order);
 * the BPF target and the host are both little endian, so both sides agree.
 *
 * The mixing is the murmur3 32-bit block and finalisation steps: cheap
 * (two multiplies a word) and with full avalanche, which Maglev needs to
 * spread flows evenly over the slots.
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#include <linux/types.h>
#include "xlb.h"

/* Inlined in BPF too, where a call would become a BPF-to-BPF call. */
#define XLB_HASH_INLINE	static inline __attribute__((always_inline))

/*
 * In BPF, one word at a time: left free, the compiler loads a whole key
 * up front and spills it, with BPF's ten registers, into some 200 bytes
 * of the caller's stack (512 for a call chain, all frames together).
 */
#ifdef __bpf__
#define XLB_HASH_STEP()	asm volatile("" ::: "memory")
#else
#define XLB_HASH_STEP()	do { } while (0)
#endif

XLB_HASH_INLINE __u32 xlb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

XLB_HASH_INLINE __u32 xlb_hash_word(__u32 h, __u32 w)
{
	XLB_HASH_STEP();
	w *= 0xcc9e2d51u;
	w = xlb_rotl32(w, 15);
	w *= 0x1b873593u;
	h ^= w;
	h = xlb_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

XLB_HASH_INLINE __u32 xlb_hash_final(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Hash of a client address alone: sticky VIPs. */
XLB_HASH_INLINE __u32 xlb_hash_addr(const __be32 addr[4], __u8 family,
				  __u32 seed)
{
	__u32 h = seed;

	h = xlb_hash_word(h, addr[0]);
	h = xlb_hash_word(h, addr[1]);
	h = xlb_hash_word(h, addr[2]);
	h = xlb_hash_word(h, addr[3]);
	h = xlb_hash_word(h, family);
	return xlb_hash_final(h, 20);
}

/* Hash of the client's 5-tuple: ordinary VIPs, and the IPv6 flow label. */
XLB_HASH_INLINE __u32 xlb_hash_flow(const struct xlb_flow_key *k, __u32 seed)
{
	__u32 h = seed;

	h = xlb_hash_word(h, k->src[0]);
	h = xlb_hash_word(h, k->src[1]);
	h = xlb_hash_word(h, k->src[2]);
	h = xlb_hash_word(h, k->src[3]);
	h = xlb_hash_word(h, k->dst[0]);
	h = xlb_hash_word(h, k->dst[1]);
	h = xlb_hash_word(h, k->dst[2]);
	h = xlb_hash_word(h, k->dst[3]);
	h = xlb_hash_word(h, (__u32)k->sport << 16 | k->dport);
	h = xlb_hash_word(h, (__u32)k->proto << 8 | k->family);
	return xlb_hash_final(h, 40);
}

#endif /* XLB_HASH_H */
