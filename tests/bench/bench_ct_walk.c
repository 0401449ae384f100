// SPDX-License-Identifier: GPL-2.0
/*
 * What the flow table costs xlbd besides the data path: its memory, and
 * counting it (status, drains, the stats file's xlb_conntrack_entries and
 * xlb_backend_active_flows), which the daemon's scanner (user/ctscan.c)
 * does in passes over the mapped table (maps_ct_scan_buckets()).
 *
 *   ct_bytes_per_flow          xlb_flows' and xlb_flow_keys' max_entries *
 *                              value_size (from bpf_map_info) over the
 *                              table's slots;
 *   ct_memlock_bytes_per_flow  the maps' memlock (fdinfo: what `bpftool
 *                              map show` prints) over its slots;
 *   lru_memlock_bytes_per_flow the same of an LRU hash laid out as the old
 *                              conntrack (4M entries, 40-byte key, 16-byte
 *                              value), over its entries: the baseline;
 *   ct_scan_ms                 one pass of the daemon's scanner
 *                              (ctscan_run_now(): maps_ct_scan_buckets()
 *                              in chunks, live flows counted per backend,
 *                              every slot an established flow) over the
 *                              default 4M-slot table, every slot used;
 *   ct_scan_1m_ms              the same with 2^20 of its slots used;
 *   ct_scan_empty_ms           the same, empty;
 *   lru_walk_1m_ms             the baseline: what the old maps_ct_walk()
 *                              did, a batched dump (4096 a call) of 2^20
 *                              flows from a 2M-entry LRU hash of the old
 *                              layout, each flow tested live and counted
 *                              per backend (the old ct_walk_1m_ms).
 * Times are medians of RUNS runs of the thread's CPU time (user + kernel:
 * on a busy host the wall time would measure the neighbours), on real
 * maps pinned in a private bpffs; every pass must count every used slot.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ctscan.h"
#include "maps.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "bench/bench.h"
#include "bench/ct.h"

#define RUNS		11	/* odd, so the median is one run */
#define FLOWS		(1u << 20)
#define LRU_BATCH	4096

static char bpffs[] = "/tmp/xlb_bench_ct_XXXXXX";
static __u64 rng_state = 0x9e3779b97f4a7c15ull;

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * n slots of m's table used (every slot if n is their number, else
 * random ones), each a live established flow of one of 1000 backends.
 * Not where the data path would look for them: the scanner reads every
 * slot alike.
 */
static void fill(struct maps *m, __u64 n)
{
	__u64 slots = m->ct_buckets * XLB_CT_WAYS, i, s;
	__u32 now = maps_ct_now();

	memset(m->ct, 0, m->ct_buckets * sizeof(*m->ct));
	memset(m->ct_keys, 0, m->ct_buckets * sizeof(*m->ct_keys));
	for (i = 0; i < n; i++) {
		struct xlb_ct_meta *mt;
		struct xlb_ct_entry *e;

		do {
			s = n == slots ? i : bench_rng(&rng_state) % slots;
			mt = &m->ct[s / XLB_CT_WAYS].meta[s % XLB_CT_WAYS];
		} while (n != slots && (mt->tag & XLB_CT_F_USED));
		e = &m->ct_keys[s / XLB_CT_WAYS].e[s % XLB_CT_WAYS];
		e->src[0] = htonl(0xc6120000u | (__u32)(i >> 16));
		e->sport = htons(i & 0xffff);
		e->vip_id = 1;
		mt->backend_id = 1 + i % 1000;
		mt->atime = now;
		mt->tag = ((__u32)bench_rng(&rng_state) & XLB_CT_TAG_MASK) |
			  XLB_CT_F_USED | XLB_CT_F_SEEN2;
	}
}

/* One scanner pass over m's table, n slots used; the median in *ms. */
static int scan(struct maps *m, __u64 n, double *ms)
{
	struct ctscan *s = NULL;
	double t[RUNS], t0;
	int i, err;

	err = ctscan_new(&s, NULL, m);
	for (i = 0; i < RUNS && !err; i++) {
		const struct ctscan_counts *c;

		t0 = cpu_ms();
		err = ctscan_run_now(s);
		t[i] = cpu_ms() - t0;
		c = ctscan_counts(s);
		if (!err && (c->used != n || c->live_total != n)) {
			fprintf(stderr, "bench_ct_walk: %llu used and %llu "
				"live slots counted, not %llu\n",
				(unsigned long long)c->used,
				(unsigned long long)c->live_total,
				(unsigned long long)n);
			err = -EIO;
		}
	}
	ctscan_free(s);
	*ms = err ? 0 : bench_median(t, RUNS);
	return err;
}

static int bench_table(void)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct maps m = {};
	char pins[300];
	double full, one, empty, bytes;
	__u64 slots;
	long long mem;
	int err, fd;

	snprintf(pins, sizeof(pins), "%s/xlb", bpffs);
	err = maps_open(&m, pins, XLB_CONNTRACK_DEFAULT) ?: maps_load(&m);
	if (err)
		goto out;
	/* Both maps of the table: the metas and the keys. */
	fd = bpf_map__fd(m.skel->maps.xlb_flows);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	slots = (__u64)info.max_entries * XLB_CT_WAYS;
	bytes = (double)info.max_entries * info.value_size;
	mem = bench_memlock(fd);
	fd = bpf_map__fd(m.skel->maps.xlb_flow_keys);
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	bytes += (double)info.max_entries * info.value_size;
	mem += bench_memlock(fd);
	printf("ct_bytes_per_flow %.1f bytes\n", bytes / slots);
	printf("ct_memlock_bytes_per_flow %.1f bytes\n", (double)mem / slots);
	fflush(stdout);
	fill(&m, slots);
	err = scan(&m, slots, &full);
	if (!err) {
		fill(&m, FLOWS);
		err = scan(&m, FLOWS, &one);
	}
	if (!err) {
		fill(&m, 0);
		err = scan(&m, 0, &empty);
	}
	if (!err) {
		printf("ct_scan_ms %.1f ms\n", full);
		printf("ct_scan_1m_ms %.1f ms\n", one);
		printf("ct_scan_empty_ms %.1f ms\n", empty);
		printf("ct_scan_slots %llu slots\n", (unsigned long long)slots);
		fflush(stdout);
	}
out:
	maps_close(&m);
	maps_remove(pins, 0);
	if (err)
		fprintf(stderr, "bench_ct_walk: flow table: %s\n",
			strerror(-err));
	return err;
}

/* The baseline's fill: FLOWS flows in batches. */
static int lru_fill(int fd)
{
	struct xlb_flow_key *k = calloc(LRU_BATCH, sizeof(*k));
	struct bench_lru_flow *f = calloc(LRU_BATCH, sizeof(*f));
	__u64 t = (__u64)maps_ct_now() << XLB_CT_TICK_SHIFT;
	__u32 i, done, cnt;
	int err = 0;

	if (!k || !f) {
		err = -ENOMEM;
		goto out;
	}
	for (done = 0; done < FLOWS && !err; done += cnt) {
		cnt = FLOWS - done < LRU_BATCH ? FLOWS - done : LRU_BATCH;
		for (i = 0; i < cnt; i++) {
			__u32 x = done + i;

			bench_ct_key4(&k[i], htonl(0xc6120000 | (x >> 16)),
				      htonl(0xc6120064), htons(x & 0xffff),
				      htons(80));
			f[i].backend_id = 1 + x % 1000;
			f[i].vip_id = 1;
			f[i].atime_ns = t;
		}
		if (bpf_map_update_batch(fd, k, f, &cnt, NULL))
			err = -errno;
	}
out:
	free(k);
	free(f);
	return err;
}

/* The old walk: the LRU dumped in batches, each flow tested live (its
 * idle time against the TCP timeout) and counted per backend. */
static int lru_walk(int fd, __u32 *per_be, __u64 *entries)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	struct xlb_flow_key *k = calloc(LRU_BATCH, sizeof(*k));
	struct bench_lru_flow *f = calloc(LRU_BATCH, sizeof(*f));
	__u64 now = (__u64)maps_ct_now() << XLB_CT_TICK_SHIFT, token = 0;
	bool first = true;
	int err = 0, ret;
	__u32 n, i;

	if (!k || !f) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = LRU_BATCH;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					   k, f, &n, &o);
		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		first = false;
		for (i = 0; i < n; i++) {
			(*entries)++;
			if (f[i].backend_id < XLB_MAX_BACKENDS &&
			    now - f[i].atime_ns < XLB_TCP_TIMEOUT_NS)
				per_be[f[i].backend_id]++;
		}
		if (ret)
			break;
	}
out:
	free(k);
	free(f);
	return err;
}

static int bench_lru(void)
{
	__u32 *per_be = calloc(XLB_MAX_BACKENDS, sizeof(*per_be));
	double t[RUNS], t0;
	long long mem;
	__u64 entries;
	int fd, i, err = 0;

	/* Its memory at the old default size, then the old walk's map. */
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xlb_lru_bench",
			    sizeof(struct xlb_flow_key),
			    sizeof(struct bench_lru_flow),
			    XLB_CONNTRACK_DEFAULT, NULL);
	if (fd < 0 || !per_be) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	mem = bench_memlock(fd);
	close(fd);
	printf("lru_memlock_bytes_per_flow %.1f bytes\n",
	       (double)mem / XLB_CONNTRACK_DEFAULT);
	fflush(stdout);
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xlb_lru_bench",
			    sizeof(struct xlb_flow_key),
			    sizeof(struct bench_lru_flow), 2 * FLOWS, NULL);
	err = fd < 0 ? -errno : lru_fill(fd);
	for (i = 0; i < RUNS && !err; i++) {
		memset(per_be, 0, XLB_MAX_BACKENDS * sizeof(*per_be));
		entries = 0;
		t0 = cpu_ms();
		err = lru_walk(fd, per_be, &entries);
		t[i] = cpu_ms() - t0;
		if (!err && entries != FLOWS) {
			fprintf(stderr, "bench_ct_walk: LRU walk: %llu "
				"entries, not %u\n",
				(unsigned long long)entries, FLOWS);
			err = -EIO;
		}
	}
	if (fd >= 0)
		close(fd);
	if (!err) {
		printf("lru_walk_1m_ms %.1f ms\n", bench_median(t, RUNS));
		fflush(stdout);
	}
out:
	free(per_be);
	if (err)
		fprintf(stderr, "bench_ct_walk: LRU baseline: %s\n",
			strerror(-err));
	return err;
}

int main(void)
{
	int err;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(bpffs) || mount("bpf", bpffs, "bpf", 0, "mode=0700")) {
		fprintf(stderr, "bench_ct_walk: private bpffs: %s\n",
			strerror(errno));
		return 1;
	}
	err = bench_table() ?: bench_lru();
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	return err ? 1 : 0;
}
