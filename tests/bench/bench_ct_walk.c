// SPDX-License-Identifier: GPL-2.0
/*
 * What counting the conntrack costs xlbd (status, drains, the stats file's
 * xlb_conntrack_entries and xlb_backend_active_flows): one maps_ct_walk()
 * applying lb_flow_live() to every entry, as the daemon does, over
 *   ct_walk_1m_ms        1M flows in a 2M-entry conntrack (an LRU map
 *                        evicts before it is full),
 *   ct_walk_empty_4m_ms  the default 4M-entry conntrack, empty.
 * Median of several runs of the thread's CPU time (user + kernel: the walk
 * is batched lookups, mostly kernel time; on a busy host the wall time
 * would measure the neighbours), on real maps pinned in a private bpffs.
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

#include "lb.h"
#include "maps.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "bench/bench.h"

#define RUNS		5	/* odd, so the median is one run */
#define FLOWS		(1u << 20)
#define FILL_BATCH	65536

static char bpffs[] = "/tmp/xlb_bench_ct_XXXXXX";

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct count {
	__u32 *per_be;
	__u64 entries, now;
};

static int count_cb(void *arg, const struct xlb_flow_key *k,
		    const struct xlb_flow *f)
{
	struct count *c = arg;

	c->entries++;
	if (f->backend_id < XLB_MAX_BACKENDS &&
	    lb_flow_live(k, f, c->now, XLB_UDP_TIMEOUT_NS_DEFAULT))
		c->per_be[f->backend_id]++;
	return 0;
}

static int fill(struct maps *m, __u32 n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fd = bpf_map__fd(m->skel->maps.xlb_conntrack);
	struct xlb_flow_key *k = calloc(FILL_BATCH, sizeof(*k));
	struct xlb_flow *f = calloc(FILL_BATCH, sizeof(*f));
	__u64 t = now_ns();
	__u32 i, done, cnt;
	int err = 0;

	if (!k || !f) {
		err = -ENOMEM;
		goto out;
	}
	for (done = 0; done < n && !err; done += cnt) {
		cnt = n - done < FILL_BATCH ? n - done : FILL_BATCH;
		for (i = 0; i < cnt; i++) {
			__u32 x = done + i;

			k[i].family = XLB_AF_INET;
			k[i].proto = IPPROTO_TCP;
			k[i].src[0] = htonl(0xc6120000 | (x >> 16));
			k[i].dst[0] = htonl(0xc6120064);
			k[i].sport = htons(x & 0xffff);
			k[i].dport = htons(80);
			f[i].backend_id = 1 + x % 1000;
			f[i].atime_ns = t;
		}
		if (bpf_map_update_batch(fd, k, f, &cnt, &opts))
			err = -errno;
	}
out:
	free(k);
	free(f);
	return err;
}

static int bench(const char *name, __u32 ct_size, __u32 flows)
{
	struct count c = {};
	double t[RUNS], t0;
	struct maps m = {};
	char pins[300];
	int i, err;

	snprintf(pins, sizeof(pins), "%s/%s", bpffs, name);
	err = maps_open(&m, pins, ct_size);
	if (!err)
		err = maps_load(&m);
	if (!err)
		err = fill(&m, flows);
	c.per_be = calloc(XLB_MAX_BACKENDS, sizeof(*c.per_be));
	if (!err && !c.per_be)
		err = -ENOMEM;
	for (i = 0; i < RUNS && !err; i++) {
		memset(c.per_be, 0, XLB_MAX_BACKENDS * sizeof(*c.per_be));
		c.entries = 0;
		c.now = now_ns();
		t0 = cpu_ms();
		err = maps_ct_walk(&m, count_cb, &c);
		t[i] = cpu_ms() - t0;
		if (!err && c.entries != flows) {
			fprintf(stderr, "bench_ct_walk: %s: %llu entries, "
				"not %u\n", name,
				(unsigned long long)c.entries, flows);
			err = -EIO;
		}
	}
	free(c.per_be);
	maps_close(&m);
	maps_remove(pins, 0);
	if (err) {
		fprintf(stderr, "bench_ct_walk: %s: %s\n", name,
			strerror(-err));
		return err;
	}
	qsort(t, RUNS, sizeof(*t), bench_cmp_double);
	printf("%s_ms %.1f ms\n", name, t[RUNS / 2]);
	fflush(stdout);
	return 0;
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
	err = bench("ct_walk_1m", 2 * FLOWS, FLOWS) ?:
	      bench("ct_walk_empty_4m", XLB_CONNTRACK_DEFAULT, 0);
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	return err ? 1 : 0;
}
