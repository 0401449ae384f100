// SPDX-License-Identifier: GPL-2.0
/*
 * The scaling part of `make bench-e2e` (tests/bench/e2e.sh). Prints
 * "NAME VALUE UNIT" lines:
 *
 * - ct_<N>_est_ns, ct_<N>_memlock_mb, ct_<N>_bytes_per_flow: the real xlb
 *   program with its flow table sized N * 9/8 (as xlbd's conntrack-size
 *   would be set before load: one partition a possible CPU) and filled
 *   with N established flows, flow i in partition i % parts as RSS would
 *   spread them; the bench runs on CPU 0 and each timed packet belongs to
 *   a flow drawn at random from partition 0's share, so caches are as
 *   cold as on a balancer with that many flows. Method 3 of
 *   bench_xdp.c: every packet is its own BPF_PROG_TEST_RUN with repeat 1
 *   (the kernel copies the frame in each time), the figure is the median
 *   over RUNS of the median of BATCH runs; ct_single_floor_ns is an empty
 *   program timed the same way (the harness's share). Every timed run must
 *   take the flow-table-hit path (counters) or the bench fails. Memory is
 *   the map's memlock as the kernel reports it in fdinfo (what `bpftool
 *   map show` prints), per flow held.
 * - ct_rep_<K>_<fit|4M>_{floor,lru,lookup,xlb}_ns: the repeat method, a
 *   packet stream rather than single runs: established packets cycling
 *   over partition 0's share of K flows (K = 1 ... 1M), the table sized
 *   K * 9/8 (at least xlbd's minimum conntrack-size) or the default 4M.
 *   One BPF_PROG_TEST_RUN of REPEAT iterations, the kernel's average per
 *   iteration, median of RUNS; the programs of tests/bench/scale.bpf.c
 *   pick the flow, restore the frame and tail-call the target: an empty
 *   encapsulating program (floor), the flow table's lookup alone on xlb's
 *   map (lookup), the same lookup in an LRU hash laid out as the old
 *   conntrack, of the same size and holding the same K flows (lru: the
 *   baseline), and xlb (xlb), back to back on the same filled maps, so
 *   lookup - floor is what the table's lookup costs at that K and table
 *   size, lru - floor the old one's, and xlb - lookup the rest of xlb's
 *   work. `e2e_scale repeat` runs only these.
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
#include "bench/ct.h"
#include "bench/scale.skel.h"

#define RUNS		5	/* odd, so the median is one run */
#define BATCH		10000
#define REPEAT		(1u << 17)	/* iterations of one repeat run */
#define CT_FIT_MIN	1024	/* xlbd's smallest conntrack-size */
#define NBACKENDS	100
#define VIP_ADDR	"198.18.50.1"
#define VIP_PORT	80

static __u64 rng_state = 0x9e3779b97f4a7c15ull;
static int ncpus;

/* Client of flow i: 198.19.0.0/16, 256 ports per address. */
static void flow_client(__u32 i, __be32 *saddr, __be16 *sport)
{
	*saddr = htonl(0xc6130000u | (i >> 8 & 0xffff));
	*sport = htons(1024 + (i & 255));
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
	 * about the flow table, not next hops. */
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

static void flow_key(__u32 i, struct xlb_flow_key *k)
{
	__be32 saddr, vip[4];
	__be16 sport;

	flow_client(i, &saddr, &sport);
	fx_addr(VIP_ADDR, vip);
	bench_ct_key4(k, saddr, vip[0], sport, htons(VIP_PORT));
}

/* nflows established flows into table t, flow i in partition i % parts. */
static int fill(struct bench_ct *t, __u32 nflows)
{
	__u32 now = bench_ct_now(), i;
	struct xlb_flow_key k;
	int err;

	for (i = 0; i < nflows; i++) {
		flow_key(i, &k);
		err = bench_ct_put(t, i % t->parts, &k, 1, 1 + i % NBACKENDS,
				   XLB_CT_F_SEEN2, now);
		if (err)
			return err;
	}
	return 0;
}

/* The same flows into an LRU hash of the old conntrack's layout. */
static int fill_lru(int fd, __u32 nflows)
{
	const __u32 chunk = 8192;
	struct xlb_flow_key *keys;
	struct bench_lru_flow *vals;
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
			flow_key(i + j, &keys[j]);
			memset(&vals[j], 0, sizeof(vals[j]));
			vals[j].backend_id = 1 + (i + j) % NBACKENDS;
			vals[j].vip_id = 1;
			vals[j].atime_ns = now;
		}
		if (bpf_map_update_batch(fd, keys, vals, &n, NULL))
			err = -errno;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* Flows of partition 0's share of nflows (flow i * parts). */
static __u32 share(__u32 nflows)
{
	return (nflows + ncpus - 1) / ncpus;
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

				flow_client(bench_rng(&rng_state) %
					    share(nflows) * ncpus, &saddr,
					    &sport);
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

/* xlb with its flow table sized for ct_size flows as maps_open() sizes
 * it, set up, mapped into *t and filled with nflows flows; NULL with
 * errno set on failure. */
static struct xlb_bpf *xlb_filled(__u32 ct_size, __u32 nflows,
				  struct bench_ct *t)
{
	__u32 per = ct_size / XLB_CT_WAYS / ncpus;
	struct xlb_bpf *skel;
	int err;

	memset(t, 0, sizeof(*t));
	skel = xlb_bpf__open();
	if (!skel)
		return NULL;
	err = bench_ct_geometry(skel, ncpus, per ? per : 1);
	if (!err)
		err = xlb_bpf__load(skel);
	if (!err)
		err = setup(skel);
	if (!err)
		err = bench_ct_map(t, skel);
	if (!err)
		err = fill(t, nflows);
	if (err) {
		bench_ct_unmap(t);
		xlb_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/* Did only the counters of the flow-table-hit path grow, by n each? */
static int check_hits(struct xlb_bpf *skel, const __u64 *before, __u64 n,
		      const char *label)
{
	__u64 after[XLB_STAT_MAX];
	int i;

	fx_stats(skel, after);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		__u64 want = i == XLB_STAT_CT_HIT || i == XLB_STAT_TX ? n : 0;

		if (after[i] - before[i] != want) {
			fprintf(stderr, "e2e_scale: %s flows: xlb_stats[%d] "
				"grew by %llu, expected %llu\n", label, i,
				(unsigned long long)(after[i] - before[i]),
				(unsigned long long)want);
			return -EPROTO;
		}
	}
	return 0;
}

static int bench_ct(__u32 nflows, const char *label, __u8 *tmpl, size_t len)
{
	__u64 before[XLB_STAT_MAX];
	struct xlb_bpf *skel;
	struct bench_ct t;
	long long mem;
	double ns;
	int err;

	skel = xlb_filled(nflows / 8 * 9, nflows, &t);
	if (!skel)
		return -errno;
	fx_stats(skel, before);
	err = time_single(bpf_program__fd(skel->progs.xlb_main), tmpl, len,
			  nflows, XDP_TX, &ns);
	if (!err)
		err = check_hits(skel, before, (__u64)RUNS * BATCH, label);
	if (err)
		goto out;
	mem = bench_memlock(bpf_map__fd(skel->maps.xlb_flows)) +
	      bench_memlock(bpf_map__fd(skel->maps.xlb_flow_keys));
	printf("ct_%s_est_ns %.1f ns\n", label, ns);
	printf("ct_%s_memlock_mb %.1f MiB\n", label, mem / 1048576.0);
	printf("ct_%s_bytes_per_flow %.1f bytes\n", label, (double)mem / nflows);
	fflush(stdout);
out:
	bench_ct_unmap(&t);
	xlb_bpf__destroy(skel);
	return err;
}

/*
 * The repeat method (tests/bench/scale.bpf.c): scale_drive tail-calls
 * target_fd on REPEAT packets cycling over the drive_flows flows; the
 * figure is the median over RUNS of the kernel's average per iteration.
 * Every iteration must reach the target (drive_ctr); a lookup program
 * must hit on every one (lookup_hits).
 */
static int time_repeat(struct scale_bpf *sc, int target_fd, int lookup,
		       const __u8 *f, size_t len, double *ns)
{
	struct xdp_md ctx = {
		.data_end = len,
		.ingress_ifindex = fx_ifindex_lb,
	};
	__u64 start = sc->bss->drive_ctr, hits = sc->bss->lookup_hits;
	__u32 zero = 0;
	double v[RUNS];
	int i;

	if (bpf_map_update_elem(bpf_map__fd(sc->maps.drive_jmp), &zero,
				&target_fd, BPF_ANY))
		return -errno;
	for (i = 0; i < RUNS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			    .data_in = f,
			    .data_size_in = len,
			    .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .repeat = REPEAT);

		sc->bss->drive_armed = 0;
		if (bpf_prog_test_run_opts(
			    bpf_program__fd(sc->progs.scale_drive), &o))
			return -errno;
		if (o.retval != XDP_TX) {
			fprintf(stderr, "e2e_scale: verdict %u, expected "
				"%u\n", o.retval, XDP_TX);
			return -EPROTO;
		}
		v[i] = o.duration;
	}
	if (sc->bss->drive_ctr - start != (__u64)RUNS * REPEAT) {
		fprintf(stderr, "e2e_scale: %llu of %llu packets reached the "
			"target\n",
			(unsigned long long)(sc->bss->drive_ctr - start),
			(unsigned long long)RUNS * REPEAT);
		return -EPROTO;
	}
	if (lookup && sc->bss->lookup_hits - hits != (__u64)RUNS * REPEAT) {
		fprintf(stderr, "e2e_scale: %llu of %llu lookups hit\n",
			(unsigned long long)(sc->bss->lookup_hits - hits),
			(unsigned long long)RUNS * REPEAT);
		return -EPROTO;
	}
	*ns = bench_median(v, RUNS);
	return 0;
}

/*
 * ct_rep_<K>_<fit|4M>_{floor,lru,lookup,xlb}_ns: established packets
 * cycling over partition 0's share of K flows, the table sized K * 9/8 (at
 * least xlbd's minimum) or the default; the floor, the LRU lookup alone
 * (an LRU hash of the old layout and the same size, holding the same K
 * flows), the table's lookup alone and the whole of xlb, timed back to
 * back on the same maps.
 */
static int bench_rep(__u32 nflows, const char *klabel, int fit,
		     const __u8 *tmpl, size_t len)
{
	__u32 size = fit ? nflows / 8 * 9 : XLB_CONNTRACK_DEFAULT;
	const char *slabel = fit ? "fit" : "4M";
	double floor_ns, lru_ns, ct_ns, xlb_ns;
	__u64 before[XLB_STAT_MAX];
	struct scale_bpf *sc = NULL;
	struct xlb_bpf *skel;
	struct bench_ct t;
	char label[32];
	int err, lru_fd;

	if (size < CT_FIT_MIN)
		size = CT_FIT_MIN;
	snprintf(label, sizeof(label), "%s_%s", klabel, slabel);
	skel = xlb_filled(size, nflows, &t);
	if (!skel)
		return -errno;
	lru_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xlb_lru_bench",
				sizeof(struct xlb_flow_key),
				sizeof(struct bench_lru_flow), size, NULL);
	err = lru_fd < 0 ? -errno : fill_lru(lru_fd, nflows);
	if (!err) {
		sc = scale_bpf__open();
		if (!sc)
			err = -errno;
	}
	if (err)
		goto out;
	sc->rodata->ct_parts = t.parts;
	sc->rodata->ct_part_buckets = t.part_buckets;
	sc->rodata->ct_seed = t.seed;
	err = bpf_map__reuse_fd(sc->maps.bench_lru, lru_fd) ?:
	      bpf_map__reuse_fd(sc->maps.xlb_flows,
				bpf_map__fd(skel->maps.xlb_flows)) ?:
	      bpf_map__reuse_fd(sc->maps.xlb_flow_keys,
				bpf_map__fd(skel->maps.xlb_flow_keys)) ?:
	      scale_bpf__load(sc);
	if (err)
		goto out;
	memcpy(sc->bss->drive_mac, fx_lb_mac, ETH_ALEN);
	sc->data->drive_flows = share(nflows);
	sc->data->drive_step = ncpus;
	err = time_repeat(sc, bpf_program__fd(sc->progs.scale_floor), 0, tmpl,
			  len, &floor_ns);
	if (!err)
		err = time_repeat(sc, bpf_program__fd(sc->progs.scale_lru), 1,
				  tmpl, len, &lru_ns);
	if (!err)
		err = time_repeat(sc, bpf_program__fd(sc->progs.scale_table), 1,
				  tmpl, len, &ct_ns);
	fx_stats(skel, before);
	if (!err)
		err = time_repeat(sc, bpf_program__fd(skel->progs.xlb_main), 0,
				  tmpl, len, &xlb_ns);
	if (!err)
		err = check_hits(skel, before, (__u64)RUNS * REPEAT, label);
	if (err)
		goto out;
	printf("ct_rep_%s_floor_ns %.1f ns\n", label, floor_ns);
	printf("ct_rep_%s_lru_ns %.1f ns\n", label, lru_ns);
	printf("ct_rep_%s_lookup_ns %.1f ns\n", label, ct_ns);
	printf("ct_rep_%s_xlb_ns %.1f ns\n", label, xlb_ns);
	fflush(stdout);
out:
	scale_bpf__destroy(sc);
	if (lru_fd >= 0)
		close(lru_fd);
	bench_ct_unmap(&t);
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

int main(int argc, char **argv)
{
	static const __u32 rep_flows[] = { 1, 100, 10000, 100000, 1000000 };
	static const char *const rep_labels[] = { "1", "100", "10k", "100k",
						  "1M" };
	int only_rep = argc > 1 && !strcmp(argv[1], "repeat");
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
	ncpus = libbpf_num_possible_cpus();
	err = ncpus < 1 ? -EINVAL : fx_net_setup();
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

	for (i = 0; i < sizeof(rep_flows) / sizeof(rep_flows[0]); i++) {
		for (j = 0; j < 2; j++) {
			err = bench_rep(rep_flows[i], rep_labels[i], !j, tmpl,
					len);
			if (err) {
				fprintf(stderr, "e2e_scale: repeat %s flows: "
					"%s\n", rep_labels[i], strerror(-err));
				return 1;
			}
		}
	}
	if (only_rep)
		return 0;

	for (i = 0; i < 3; i++) {
		err = bench_ct(flows[i], labels[i], tmpl, len);
		if (err) {
			fprintf(stderr, "e2e_scale: flow table %s: %s\n",
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
