// SPDX-License-Identifier: GPL-2.0
/*
 * ct_fill PIN_DIR N: give a running xlbd N live flows without sending
 * them: written into its pinned flow table through the mapping, spread
 * over every partition, each to a backend the maps hold (round robin),
 * established (XLB_CT_F_SEEN2) and used now. For tests of the daemon with
 * millions of flows; the data path would keep them as it keeps any.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "xlb.h"

static int pin(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "ct_fill: %s: %s\n", path, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	struct xlb_ct_geometry g;
	struct xlb_ct_bucket *ct;
	struct xlb_ct_keys *keys;
	struct timespec ts;
	__u32 zero = 0, id, now, n, nb_ids = 0;
	__u32 *ids, *vips;
	__u64 i, buckets, len, klen;
	int gfd, tfd, kfd, bfd;

	if (argc != 3) {
		fprintf(stderr, "usage: ct_fill PIN_DIR N\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	gfd = pin(argv[1], "xlb_ct_geometry");
	tfd = pin(argv[1], "xlb_flows");
	kfd = pin(argv[1], "xlb_flow_keys");
	bfd = pin(argv[1], "xlb_backends");
	if (gfd < 0 || tfd < 0 || kfd < 0 || bfd < 0)
		return 1;
	if (bpf_map_lookup_elem(gfd, &zero, &g)) {
		perror("ct_fill: geometry");
		return 1;
	}
	ids = calloc(XLB_MAX_BACKENDS, sizeof(*ids));
	vips = calloc(XLB_MAX_BACKENDS, sizeof(*vips));
	if (!ids || !vips)
		return 1;
	for (id = 1; id < XLB_MAX_BACKENDS; id++) {
		struct xlb_backend b;

		if (bpf_map_lookup_elem(bfd, &id, &b) ||
		    !(b.flags & XLB_BE_F_VALID))
			continue;
		ids[nb_ids] = id;
		vips[nb_ids++] = b.vip_id;
	}
	buckets = (__u64)g.parts * g.part_buckets;
	if (!nb_ids || n > buckets * XLB_CT_WAYS) {
		fprintf(stderr, "ct_fill: %u backends, %llu slots\n", nb_ids,
			(unsigned long long)(buckets * XLB_CT_WAYS));
		return 1;
	}
	len = (buckets * sizeof(*ct) + 4095) & ~4095ull;
	klen = (buckets * sizeof(*keys) + 4095) & ~4095ull;
	ct = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
	keys = mmap(NULL, klen, PROT_READ | PROT_WRITE, MAP_SHARED, kfd, 0);
	if (ct == MAP_FAILED || keys == MAP_FAILED) {
		perror("ct_fill: mmap");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = ((__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec) >>
	      XLB_CT_TICK_SHIFT;
	/* Slot i: bucket i / WAYS of every partition in turn, so each
	 * partition holds its share. Clients 198.19.x.y, one port each. */
	for (i = 0; i < n; i++) {
		__u64 b = (i / XLB_CT_WAYS / g.parts) +
			  (i / XLB_CT_WAYS % g.parts) * g.part_buckets;
		struct xlb_ct_bucket *bk = &ct[b];
		struct xlb_ct_entry *e = &keys[b].e[i % XLB_CT_WAYS];
		int w = i % XLB_CT_WAYS;

		memset(e, 0, sizeof(*e));
		e->src[0] = htonl(0xc6130000u | (__u32)(i >> 15));
		e->sport = htons((__u16)(1024 + (i & 0x7fff)));
		e->vip_id = vips[i % nb_ids];
		bk->meta[w].backend_id = ids[i % nb_ids];
		bk->meta[w].atime = now;
		bk->meta[w].tag = (__u32)(i * 2654435761u) & XLB_CT_TAG_MASK;
		bk->meta[w].tag |= XLB_CT_F_USED | XLB_CT_F_SEEN2;
	}
	printf("%u flows over %u backends in %u partitions\n", n, nb_ids,
	       g.parts);
	munmap(ct, len);
	munmap(keys, klen);
	return 0;
}
