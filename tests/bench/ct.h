/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow table as the benchmarks set it up (include/xlb.h, "The flow
 * table"), and the LRU conntrack it replaced, kept as their baseline.
 * Shared by the benchmarks' BPF programs (scale.bpf.c: the types only)
 * and their userspace.
 */
#ifndef XLB_BENCH_CT_H
#define XLB_BENCH_CT_H

#include <linux/types.h>
#include "xlb.h"

/*
 * The old conntrack's value: xlb_conntrack was an LRU hash of
 * XLB_CONNTRACK_DEFAULT entries keyed by struct xlb_flow_key (40 bytes)
 * with this 16-byte value, created without map flags.
 */
struct bench_lru_flow {
	__u32 backend_id;
	__u16 vip_id;
	__u8 flags;
	__u8 pad;
	__u64 atime_ns;
};
_Static_assert(sizeof(struct bench_lru_flow) == 16, "bench_lru_flow size");

/* scale.bpf.c's driver: the n-th packet is flow n * STRIDE mod K (a
 * prime, coprime to every K). */
#define BENCH_DRIVE_STRIDE	2654435761ull

/* The fixed seed of every benchmark table: runs place flows alike. */
#define BENCH_CT_SEED	0x1badc0deu

#ifndef __bpf__
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hash.h"
#include "xlb.skel.h"

/* A loaded xlb's table, mapped. */
struct bench_ct {
	struct xlb_ct_bucket *b;	/* metas */
	struct xlb_ct_keys *k;		/* keys, bucket by bucket */
	__u64 nbuckets;
	size_t len, klen;
	__u32 parts, part_buckets, seed;
};

/*
 * Before xlb's load: parts partitions of part_buckets buckets, as
 * maps_open() would set them (tests bypass the daemon's pins).
 */
static inline int bench_ct_geometry(struct xlb_bpf *skel, __u32 parts,
				    __u32 part_buckets)
{
	skel->rodata->ct_parts = parts;
	skel->rodata->ct_part_buckets = part_buckets;
	skel->rodata->ct_seed = BENCH_CT_SEED;
	return bpf_map__set_max_entries(skel->maps.xlb_flows,
					parts * part_buckets) ?:
	       bpf_map__set_max_entries(skel->maps.xlb_flow_keys,
					parts * part_buckets);
}

/* After the load: the table through its mapping. */
static inline int bench_ct_map(struct bench_ct *ct, struct xlb_bpf *skel)
{
	void *p;

	memset(ct, 0, sizeof(*ct));
	ct->parts = skel->rodata->ct_parts;
	ct->part_buckets = skel->rodata->ct_part_buckets;
	ct->seed = skel->rodata->ct_seed;
	ct->nbuckets = bpf_map__max_entries(skel->maps.xlb_flows);
	ct->len = (ct->nbuckets * sizeof(*ct->b) + 4095) & ~(size_t)4095;
	ct->klen = (ct->nbuckets * sizeof(*ct->k) + 4095) & ~(size_t)4095;
	p = mmap(NULL, ct->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(skel->maps.xlb_flows), 0);
	if (p == MAP_FAILED)
		return -errno;
	ct->b = p;
	p = mmap(NULL, ct->klen, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(skel->maps.xlb_flow_keys), 0);
	if (p == MAP_FAILED) {
		munmap(ct->b, ct->len);
		ct->b = NULL;
		return -errno;
	}
	ct->k = p;
	return 0;
}

static inline void bench_ct_unmap(struct bench_ct *ct)
{
	if (ct->b)
		munmap(ct->b, ct->len);
	if (ct->k)
		munmap(ct->k, ct->klen);
	ct->b = NULL;
	ct->k = NULL;
}

/* Every slot of partition part free (part >= parts: the whole table). */
static inline void bench_ct_clear(struct bench_ct *ct, __u32 part)
{
	if (part >= ct->parts) {
		memset(ct->b, 0, ct->nbuckets * sizeof(*ct->b));
		memset(ct->k, 0, ct->nbuckets * sizeof(*ct->k));
	} else {
		memset(ct->b + (__u64)part * ct->part_buckets, 0,
		       (size_t)ct->part_buckets * sizeof(*ct->b));
		memset(ct->k + (__u64)part * ct->part_buckets, 0,
		       (size_t)ct->part_buckets * sizeof(*ct->k));
	}
}

/* The key the data path hashes for an IPv4 TCP flow. */
static inline void bench_ct_key4(struct xlb_flow_key *k, __be32 saddr,
				 __be32 daddr, __be16 sport, __be16 dport)
{
	memset(k, 0, sizeof(*k));
	k->src[0] = saddr;
	k->dst[0] = daddr;
	k->sport = sport;
	k->dport = dport;
	k->proto = IPPROTO_TCP;
	k->family = XLB_AF_INET;
}

/* The two buckets (table indices) and tag of flow k in partition part,
 * as ct_flow_init() computes them. */
static inline __u32 bench_ct_place(const struct bench_ct *ct, __u32 part,
				   const struct xlb_flow_key *k, __u64 bk[2])
{
	__u32 h = xlb_hash_flow(k, ct->seed), tag = h & XLB_CT_TAG_MASK;
	__u32 i0 = xlb_ct_bucket1(h, ct->part_buckets);

	bk[0] = (__u64)part * ct->part_buckets + i0;
	bk[1] = (__u64)part * ct->part_buckets +
		xlb_ct_alt(i0, tag, ct->part_buckets);
	return tag;
}

/* The slot of flow k (to VIP vip_id) in partition part, or NULL. */
static inline struct xlb_ct_meta *
bench_ct_find(const struct bench_ct *ct, __u32 part,
	      const struct xlb_flow_key *k, __u16 vip_id,
	      struct xlb_ct_entry **ep)
{
	__u64 bk[2];
	__u32 tag = bench_ct_place(ct, part, k, bk);
	int j, w;

	for (j = 0; j < 2; j++) {
		struct xlb_ct_bucket *b = &ct->b[bk[j]];

		for (w = 0; w < XLB_CT_WAYS; w++) {
			struct xlb_ct_entry *e = &ct->k[bk[j]].e[w];

			if ((b->meta[w].tag &
			     (XLB_CT_TAG_MASK | XLB_CT_F_USED)) !=
			    (tag | XLB_CT_F_USED) ||
			    memcmp(e->src, k->src, sizeof(e->src)) ||
			    e->sport != k->sport || e->vip_id != vip_id)
				continue;
			if (ep)
				*ep = e;
			return &b->meta[w];
		}
	}
	return NULL;
}

/* A free slot of bucket b, or -1. */
static inline int bench_ct_free_slot(const struct xlb_ct_bucket *b)
{
	int w;

	for (w = 0; w < XLB_CT_WAYS; w++)
		if (!(b->meta[w].tag & XLB_CT_F_USED))
			return w;
	return -1;
}

/* Make room in bucket bk (of partition part) as ct_displace() does: move
 * its first entry whose other bucket has a free slot there. The slot
 * freed, or -1. */
static inline int bench_ct_displace(struct bench_ct *ct, __u32 part, __u64 bk)
{
	__u64 base = (__u64)part * ct->part_buckets;
	struct xlb_ct_bucket *b = &ct->b[bk], *a;
	__u32 idx = bk - base, alt;
	int w, k;

	for (w = 0; w < XLB_CT_WAYS; w++) {
		alt = xlb_ct_alt(idx, b->meta[w].tag & XLB_CT_TAG_MASK,
				 ct->part_buckets);
		if (alt == idx)
			continue;
		a = &ct->b[base + alt];
		k = bench_ct_free_slot(a);
		if (k < 0)
			continue;
		ct->k[base + alt].e[k] = ct->k[bk].e[w];
		a->meta[k] = b->meta[w];
		b->meta[w].tag = 0;
		return w;
	}
	return -1;
}

/* Two moves where the data path makes one: an entry of bucket bk to its
 * other bucket, after one of that bucket's to its own other. The slot
 * freed, or -1. */
static inline int bench_ct_displace2(struct bench_ct *ct, __u32 part,
				     __u64 bk)
{
	__u64 base = (__u64)part * ct->part_buckets;
	struct xlb_ct_bucket *b = &ct->b[bk], *a;
	__u32 idx = bk - base, alt;
	int w, k;

	for (w = 0; w < XLB_CT_WAYS; w++) {
		alt = xlb_ct_alt(idx, b->meta[w].tag & XLB_CT_TAG_MASK,
				 ct->part_buckets);
		if (alt == idx)
			continue;
		a = &ct->b[base + alt];
		k = bench_ct_displace(ct, part, base + alt);
		if (k < 0)
			continue;
		ct->k[base + alt].e[k] = ct->k[bk].e[w];
		a->meta[k] = b->meta[w];
		b->meta[w].tag = 0;
		return w;
	}
	return -1;
}

/*
 * Flow k of VIP vip_id on backend be into partition part as ct_insert()
 * places a new flow in a table with room: a free slot of the less loaded
 * of its two buckets, else one made by moving an entry to its other
 * bucket. Benchmarks fill their tables this way; where the data path
 * would find no room (a few flows in a million from 87 % full on), two
 * moves make it, so that a table holds every flow a bench times. flags:
 * XLB_CT_F_* besides USED. 0, or -ENOSPC.
 */
static inline int bench_ct_put(struct bench_ct *ct, __u32 part,
			       const struct xlb_flow_key *k, __u16 vip_id,
			       __u16 be, __u32 flags, __u32 atime)
{
	__u64 bk[2];
	__u32 tag = bench_ct_place(ct, part, k, bk);
	int free_w[2], used[2] = { 0, 0 }, j, w;
	struct xlb_ct_bucket *b;
	struct xlb_ct_entry *e;

	for (j = 0; j < 2; j++) {
		b = &ct->b[bk[j]];
		free_w[j] = bench_ct_free_slot(b);
		for (w = 0; w < XLB_CT_WAYS; w++)
			used[j] += b->meta[w].tag & XLB_CT_F_USED;
	}
	j = free_w[0] >= 0 && (free_w[1] < 0 || used[0] <= used[1]) ? 0 : 1;
	w = free_w[j];
	if (w < 0) {
		j = 0;
		w = bench_ct_displace(ct, part, bk[0]);
	}
	if (w < 0) {
		j = 1;
		w = bench_ct_displace(ct, part, bk[1]);
	}
	if (w < 0) {
		j = 0;
		w = bench_ct_displace2(ct, part, bk[0]);
	}
	if (w < 0) {
		j = 1;
		w = bench_ct_displace2(ct, part, bk[1]);
	}
	if (w < 0)
		return -ENOSPC;
	b = &ct->b[bk[j]];
	e = &ct->k[bk[j]].e[w];
	memset(e, 0, sizeof(*e));
	memcpy(e->src, k->src, sizeof(e->src));
	e->sport = k->sport;
	e->vip_id = vip_id;
	b->meta[w].backend_id = be;
	b->meta[w].atime = atime;
	b->meta[w].tag = tag | flags | XLB_CT_F_USED;
	return 0;
}

/* Used slots of the whole table. */
static inline __u64 bench_ct_used(const struct bench_ct *ct)
{
	__u64 b, n = 0;
	int w;

	for (b = 0; b < ct->nbuckets; b++)
		for (w = 0; w < XLB_CT_WAYS; w++)
			n += ct->b[b].meta[w].tag & XLB_CT_F_USED;
	return n;
}

/* Now on the table's clock, as the data path reads it. */
static inline __u32 bench_ct_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec) >>
	       XLB_CT_TICK_SHIFT;
}

/* memlock of a BPF object fd, from /proc/self/fdinfo; -1 if unknown. */
static inline long long bench_memlock(int fd)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}
#endif /* !__bpf__ */

#endif /* XLB_BENCH_CT_H */
