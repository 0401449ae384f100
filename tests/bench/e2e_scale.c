// SPDX-License-Identifier: GPL-2.0
/*
 * The scaling part of `make bench-e2e` (tests/bench/e2e.sh). Prints
 * "NAME VALUE UNIT" lines:
 *
 * - ct_<N>_est_ns, ct_<N>_memlock_mb, ct_<N>_bytes_per_flow: the real xlb
 *   program with its conntrack sized N * 9/8 (as xlbd's conntrack-size
 *   would be set before load) and filled with N established flows; each
 *   timed packet belongs to a flow drawn at random from the N, so caches
 *   are as cold as on a balancer with that many flows. Method 3 of
 *   bench_xdp.c: every packet is its own BPF_PROG_TEST_RUN with repeat 1
 *   (the kernel copies the frame in each time), the figure is the median
 *   over RUNS of the median of BATCH runs; ct_single_floor_ns is an empty
 *   program timed the same way (the harness's share). Every timed run must
 *   take the conntrack-hit path (counters) or the bench fails. Memory is
 *   the map's memlock as the kernel reports it in fdinfo (what `bpftool
 *   map show` prints).
 * - maglev_build_ms_<M>x<N>: table build time for M slots, N backends
 *   (thread CPU time, median of RUNS).
 * - maglev_remap_<M>_<N>: share of flows (table slots) that change backend
 *   when one of N backends is removed, median of RUNS removals, and the
 *   same over the ideal 1/N.
 */
#include <sched.h>

#include "bpf/fixture.h"
#include "maglev.h"
#include "bench/bench.h"

#define RUNS		5	/* odd, so the median is one run */
#define BATCH		10000
#define NBACKENDS	100
#define VIP_ADDR	"198.18.50.1"
#define VIP_PORT	80

static __u64 rng_state = 0x9e3779b97f4a7c15ull;

/* Client of flow i: 198.19.0.0/16, 256 ports per address. */
static void flow_client(__u32 i, __be32 *saddr, __be16 *sport)
{
	*saddr = htonl(0xc6130000u | (i >> 8 & 0xffff));
	*sport = htons(1024 + (i & 255));
}

/* memlock of a BPF object fd, from /proc/self/fdinfo. */
static long long fd_memlock(int fd)
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

static int setup(struct xlb_bpf *skel)
{
	__u32 ring[NBACKENDS], i;
	int err;

	err = fx_cfg_set(skel, XLB_CFG_F_ENABLED, XLB_UDP_TIMEOUT_NS_DEFAULT);
	if (!err)
		err = fx_vip_add(skel, 1, VIP_ADDR, IPPROTO_TCP, VIP_PORT, 0,
				 XLB_RING_SIZE_DEFAULT, XLB_MODE_IPIP);
	/* Every backend behind the fixture's one neighbour: the bench is
	 * about conntrack, not next hops. */
	for (i = 1; i <= NBACKENDS && !err; i++)
		err = fx_backend_set(skel, i, 1, "198.18.0.10",
				     XLB_BE_F_VALID);
	for (i = 0; i < NBACKENDS; i++)
		ring[i] = i + 1;
	if (!err)
		err = fx_ring_set(skel, 1, ring, NBACKENDS,
				  XLB_RING_SIZE_DEFAULT);
	return err;
}

static int fill(struct xlb_bpf *skel, __u32 nflows)
{
	const __u32 chunk = 8192;
	struct xlb_flow_key *keys;
	struct xlb_flow *vals;
	__u64 now = fx_now_coarse();
	__u32 i, j, n;
	int err = 0;

	keys = calloc(chunk, sizeof(*keys));
	vals = calloc(chunk, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nflows && !err; i += n) {
		n = nflows - i < chunk ? nflows - i : chunk;
		for (j = 0; j < n; j++) {
			struct xlb_flow_key *k = &keys[j];
			__be32 saddr;
			__be16 sport;

			memset(k, 0, sizeof(*k));
			flow_client(i + j, &saddr, &sport);
			k->src[0] = saddr;
			fx_addr(VIP_ADDR, k->dst);
			k->sport = sport;
			k->dport = htons(VIP_PORT);
			k->proto = IPPROTO_TCP;
			k->family = XLB_AF_INET;
			memset(&vals[j], 0, sizeof(vals[j]));
			vals[j].backend_id = 1 + (i + j) % NBACKENDS;
			vals[j].vip_id = 1;
			vals[j].atime_ns = now;
		}
		if (bpf_map_update_batch(bpf_map__fd(skel->maps.xlb_conntrack),
					 keys, vals, &n, NULL))
			err = -errno;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* Median over RUNS of the median of BATCH single runs; nflows 0 runs the
 * fixed frame f. */
static int time_single(int fd, __u8 *f, size_t len, __u32 nflows,
		       __u32 want, double *ns)
{
	static __u32 d[BATCH];
	static struct fx_run r;
	static __u8 fr[256];
	double med[RUNS];
	int b, i;

	for (b = 0; b < RUNS; b++) {
		for (i = 0; i < BATCH; i++) {
			memcpy(fr, f, len);
			if (nflows) {
				__be32 saddr;
				__be16 sport;

				flow_client(bench_rng(&rng_state) % nflows,
					    &saddr, &sport);
				fx_set_client(fr, saddr, sport);
			}
			fx_run(fd, fr, len, &r);
			if (r.err || r.ret != want) {
				fprintf(stderr, "e2e_scale: err %d verdict %u"
					", expected %u\n", r.err, r.ret, want);
				return -EPROTO;
			}
			d[i] = r.duration;
		}
		qsort(d, BATCH, sizeof(d[0]), bench_cmp_u32);
		med[b] = d[BATCH / 2];
	}
	*ns = bench_median(med, RUNS);
	return 0;
}

static int bench_ct(__u32 nflows, const char *label, __u8 *tmpl, size_t len)
{
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	struct xlb_bpf *skel;
	long long mem;
	double ns;
	int err, i;

	skel = xlb_bpf__open();
	if (!skel)
		return -errno;
	err = bpf_map__set_max_entries(skel->maps.xlb_conntrack,
				       nflows / 8 * 9);
	if (!err)
		err = xlb_bpf__load(skel);
	if (!err)
		err = setup(skel);
	if (!err)
		err = fill(skel, nflows);
	if (err)
		goto out;
	fx_stats(skel, before);
	err = time_single(bpf_program__fd(skel->progs.xlb_main), tmpl, len,
			  nflows, XDP_TX, &ns);
	if (err)
		goto out;
	fx_stats(skel, after);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		__u64 want = i == XLB_STAT_CT_HIT || i == XLB_STAT_TX ?
			     (__u64)RUNS * BATCH : 0;

		if (after[i] - before[i] != want) {
			fprintf(stderr, "e2e_scale: %s flows: xlb_stats[%d] "
				"grew by %llu, expected %llu\n", label, i,
				(unsigned long long)(after[i] - before[i]),
				(unsigned long long)want);
			err = -EPROTO;
			goto out;
		}
	}
	mem = fd_memlock(bpf_map__fd(skel->maps.xlb_conntrack));
	printf("ct_%s_est_ns %.1f ns\n", label, ns);
	printf("ct_%s_memlock_mb %.1f MiB\n", label, mem / 1048576.0);
	printf("ct_%s_bytes_per_flow %.1f bytes\n", label, (double)mem / nflows);
	fflush(stdout);
out:
	xlb_bpf__destroy(skel);
	return err;
}

static void backends(struct maglev_backend *be, size_t n)
{
	size_t i;

	memset(be, 0, n * sizeof(*be));
	for (i = 0; i < n; i++) {
		be[i].id = i + 1;
		be[i].weight = 100;
		be[i].key[0] = XLB_AF_INET;
		be[i].key[4] = 198;
		be[i].key[5] = 18 + (i >> 16 & 1);
		be[i].key[6] = i >> 8;
		be[i].key[7] = i;
	}
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Build time and remap share for size slots and n backends. */
static int bench_maglev(__u32 size, size_t n)
{
	struct maglev_backend *be = calloc(n, sizeof(*be));
	__u32 *before = calloc(size, sizeof(*before));
	__u32 *after = calloc(size, sizeof(*after));
	double t[RUNS], moved[RUNS];
	int i, err = 0;

	if (!be || !before || !after) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < RUNS && !err; i++) {
		size_t gone = (size_t)i * 7919 % n, m = 0, s;
		double t0;

		backends(be, n);
		t0 = cpu_ms();
		err = maglev_build(be, n, size, 1000 + i, before);
		t[i] = cpu_ms() - t0;
		if (err)
			break;
		be[gone] = be[n - 1];
		err = maglev_build(be, n - 1, size, 1000 + i, after);
		for (s = 0; s < size; s++)
			m += before[s] != after[s];
		moved[i] = (double)m / size;
	}
	if (err)
		goto out;
	printf("maglev_build_ms_%ux%zu %.2f ms\n", size, n, bench_median(t, RUNS));
	printf("maglev_remap_%u_%zu %.5f share\n", size, n,
	       bench_median(moved, RUNS));
	printf("maglev_remap_over_ideal_%u_%zu %.2f ratio\n", size, n,
	       bench_median(moved, RUNS) * n);
	fflush(stdout);
out:
	free(after);
	free(before);
	free(be);
	return err;
}

int main(void)
{
	static const __u32 flows[] = { 10000, 1000000, 8000000 };
	static const char *const labels[] = { "10k", "1M", "8M" };
	static const __u32 sizes[] = { XLB_RING_SIZE_DEFAULT, 655373,
					 XLB_RING_SIZE_MAX };
	static const size_t counts[] = { 10, 100, 1000 };
	struct fx_pkt p = { "198.19.0.0", VIP_ADDR, 1024, VIP_PORT,
			    IPPROTO_TCP, 0x10, .payload = 0,
			    .dmac = fx_lb_mac };
	__u8 tmpl[256];
	size_t len, i, j;
	cpu_set_t cpus;
	double ns;
	int err, fd;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	err = fx_net_setup();
	if (err) {
		fprintf(stderr, "e2e_scale: network namespace: %s\n",
			strerror(-err));
		return 1;
	}
	len = fx_build(&p, tmpl);

	/* The harness's share: an empty program, same method. */
	{
		const struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
			  .dst_reg = BPF_REG_0, .imm = XDP_TX },
			{ .code = BPF_JMP | BPF_EXIT },
		};

		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "e2e_floor", "GPL",
				   insns, 2, NULL);
	}
	err = fd < 0 ? -errno : time_single(fd, tmpl, len, 0, XDP_TX, &ns);
	if (fd >= 0)
		close(fd);
	if (err) {
		fprintf(stderr, "e2e_scale: floor: %s\n", strerror(-err));
		return 1;
	}
	printf("ct_single_floor_ns %.1f ns\n", ns);

	for (i = 0; i < 3; i++) {
		err = bench_ct(flows[i], labels[i], tmpl, len);
		if (err) {
			fprintf(stderr, "e2e_scale: conntrack %s: %s\n",
				labels[i], strerror(-err));
			return 1;
		}
	}
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++) {
			err = bench_maglev(sizes[i], counts[j]);
			if (err) {
				fprintf(stderr, "e2e_scale: maglev %ux%zu: %s\n",
					sizes[i], counts[j], strerror(-err));
				return 1;
			}
		}
	}
	return 0;
}
