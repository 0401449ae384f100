// SPDX-License-Identifier: GPL-2.0
/*
 * XDP data path benchmark: the real xlb program under BPF_PROG_TEST_RUN
 * with a full Maglev table (65537 slots, 100 backends) and 2^20 flows in
 * its flow table of 4M slots (the default), split in one partition per
 * possible CPU as xlbd splits it. The bench runs on CPU 0, whose
 * partition 0 the packets use; flow i is in partition i % parts, as RSS
 * would spread them. Prints "NAME VALUE UNIT" lines; every figure is the
 * median of RUNS runs, and counters prove that every timed iteration took
 * the intended path (the bench fails otherwise).
 *
 * Live frames (BPF_F_TEST_XDP_LIVE_FRAMES) are refused on this machine's
 * kernel (EPERM even for an empty program), so the packet streams are
 * non-live repeats, which time the program and not the transmit:
 *
 * 1. The driver (tests/bench/scale.bpf.c, scale_drive). A non-live repeat
 *    runs the program again on the same buffer, which the previous
 *    iteration's IPIP encapsulation moved back by 20 bytes and whose
 *    Ethernet header it overwrote: the driver moves data forward again,
 *    restores the destination MAC and ethertype, writes the n-th flow's
 *    source address and port and tail-calls the program measured, which
 *    must move data back by 20 bytes as encapsulation does (every target
 *    here does). xdp_drive_floor_ns is the driver tail-calling a program
 *    that only does that and returns XDP_TX: the floor of every figure of
 *    this method. The driver's count proves every iteration reached the
 *    target.
 *
 *    Established flows: xdp_established_ns is one flow (flow 0) again and
 *    again, xdp_established_cycle_ns partition 0's 2^19 flows in a
 *    permuted order (caches as cold as 2^20 flows make them); CT_HIT ==
 *    TX == iterations. The lookups alone, in the same shape: the flow's
 *    40-byte 5-tuple key looked up in an LRU hash laid out as the old
 *    conntrack (4M entries, value struct bench_lru_flow, no map flags)
 *    holding the same 2^20 flows (xdp_ct_lru_lookup*_ns), or looked up in
 *    xlb's own table as its ct_find() does (xdp_ct_table_lookup*_ns):
 *    every iteration must hit (the programs count). The ratios compare
 *    them with each other and with xdp_established*_ns, raw and above the
 *    floor (_net).
 *
 *    New flows: a new tuple every packet (the driver's count mod 2^24,
 *    never reused within a table's life: CT_MISS_SYN resp.
 *    CT_MISS_NONSYN == iterations, and the last tuples are checked to be
 *    in the table). They go to VIP 2, whose whole table is one backend.
 *    The new-flow figures differ by the table they find:
 *      xdp_new_flow_ns        the 2^20 established flows (the inserts of
 *                             earlier runs stay: partition 0 ends 70 %
 *                             full);
 *      xdp_new_flow_empty_ns  an empty table (cleared before each run; a
 *                             run fills 6 % of partition 0);
 *      xdp_new_flow_full_ns   a full one: before the first run userspace
 *                             writes every slot of the table with a live
 *                             entry without XLB_CT_F_SEEN2 (not SYNs: a
 *                             table filled by the data path never has
 *                             every slot used), so every insert finds no
 *                             free slot, tries to move an entry of either
 *                             bucket (once in XLB_CT_BACKOFF_SKIP after
 *                             the first XLB_CT_BACKOFF_FAILS: the moves'
 *                             backoff) and replaces the oldest entry
 *                             (CT_EVICT == iterations); the new entries
 *                             lack SEEN2 too, so the table stays full.
 *    xdp_new_flow_full_over_established is the last over
 *    xdp_established_ns. xdp_lru_insert_floor_ns is the old conntrack's
 *    insert alone: the driver's new tuples inserted into the LRU hash
 *    above (2^20 flows in it), then as the floor.
 *
 *    xdp_nonsyn_miss_ns_2parts and _64parts: a TCP ACK of a tuple no
 *    partition has: its own partition's two buckets, then every other
 *    partition's (bpf_loop), then the Maglev table and an insert. The
 *    table is 4M slots either way, holding the 2^20 flows spread over all
 *    its partitions: 2 partitions (this machine's CPUs) of 2^18 buckets,
 *    or a second xlb loaded with ct_parts = 64 and 2^13 buckets each, as
 *    a 64-CPU host would split the default table (partitions 2..63 are
 *    never written by a CPU here; their buckets are read all the same).
 *    Partition 0 is restored (cleared and refilled with its share) before
 *    each run (REPEAT_MISS packets, REPEAT_MISS_WIDE with 64: within a
 *    CPU's budget of remote lookups, XLB_CT_REMOTE_READS / 63 a second),
 *    so both insert into a partition at most half full: the scan makes
 *    the difference. xdp_nonsyn_flood_ns_64parts: the same ACKs once the
 *    second's budget is spent (an ACK flood): no remote lookup, by the
 *    Maglev table, no insert (CT_REMOTE_SKIP == iterations).
 *
 * 2. Single runs (the *_single_* figures and the modes): each timed run
 *    is its own BPF_PROG_TEST_RUN with repeat = 1, so the kernel copies
 *    the original frame in every time and times one program run plus the
 *    timer and bh disable/enable, which xdp_single_floor_ns (an empty
 *    program, same method) carries too. Caches are colder than in a
 *    packet stream (the syscall runs between packets). A run's value is
 *    the median of BATCH single runs; new flows get a fresh source
 *    address and port from userspace each run. xdp_gue_ns (GUE
 *    encapsulation of an established flow), xdp_l2_ns (L2 MAC rewrite)
 *    and xdp_icmp_toobig_ns (a 1500-byte packet of an established flow
 *    answered with "fragmentation needed"; the per-CPU reply window is
 *    reset between runs, outside the timed part) compare with
 *    xdp_established_single_ns (IPIP).
 *
 * 3. xdp_*_prog_ns time the program alone on frames it does not modify
 *    (one repeat = 100000 run): the pass path and the empty program, and
 *    xdp_pass_over_floor_prog their ratio.
 *
 * 4. Premature evictions at 90 % fill (ct_premature_evict_pct): the
 *    table emptied, then 0.9 x its slots of new flows (SYNs of distinct
 *    tuples from the driver, in runs of FILL_BATCH alternating between
 *    CPU 0 and CPU 1 by pinning, so each partition gets half), and the
 *    share of them the table no longer holds at the end: used slots
 *    counted through the mapping (every flow is distinct), checked
 *    against CT_EVICT + CT_FULL. lru_premature_evict_pct is the same
 *    stream inserted into a fresh LRU hash laid out as the old conntrack,
 *    its elements counted by a batched dump.
 */
#include <sched.h>

#include "bpf/fixture.h"
#include "bench/bench.h"
#include "bench/ct.h"
#include "bench/scale.skel.h"

#define RUNS		7	/* odd, so the median is one run */
#define BATCH		20000	/* single runs in one figure */
#define REPEAT		(1u << 20)
#define REPEAT_NEW	(1u << 17)	/* each one inserts a flow */
#define REPEAT_MISS	(1u << 14)	/* partition 0 stays below half */
/* Below a CPU's remote lookups a second with 64 partitions
 * (XLB_CT_REMOTE_READS / 63). */
#define REPEAT_MISS_WIDE	(1u << 12)
#define PROG_REPEAT	100000
#define NBACKENDS	100
#define NFLOWS		(1u << 20)
#define CT_SLOTS	XLB_CONNTRACK_DEFAULT
#define PARTS_WIDE	64	/* the miss of a 64-CPU host */
#define FILL_PCT	90	/* premature evictions at this fill */
#define FILL_BATCH	(1u << 16)	/* inserts of one CPU in turn */
#define FILL_ALL	(~0u)	/* fill_flows(): every partition */
#define NEW_TUPLES	(1u << 24)	/* the driver's flow bits */

#define VIP_ADDR	"198.18.50.1"
#define VIP_PORT	80
/* The backend of flow 0, and VIP 2's only one: the fixture's neighbour
 * on the LB's link (XDP_TX). */
#define BE_LIVE		(NBACKENDS + 1)
#define BE_LIVE_ADDR	"198.18.0.10"
#define VIP2_PORT	81
#define BE_LIVE2	(NBACKENDS + 2)
/* VIPs 3 (GUE) and 4 (L2): every slot one backend, on the LB's link. */
#define VIP_GUE_PORT	82
#define VIP_L2_PORT	83
#define BE_GUE		(NBACKENDS + 3)
#define BE_L2		(NBACKENDS + 4)

/* A set of xlb_stats counters. */
#define S(x)		(1ull << XLB_STAT_##x)

static struct xlb_bpf *skel, *skel64;
static struct scale_bpf *sc;
static struct bench_ct ct, ct64;
static int xlb_fd, floor_pass_fd;
static int ncpus;
static __u8 tmpl_syn[256], tmpl_ack[256], tmpl_pass[256];
static __u8 tmpl_syn2[256], tmpl_ack2[256];
static size_t tmpl_len;
static __u8 tmpl_gue[256], tmpl_l2[256], tmpl_big[2048];
/* bench_single(): frame length if not tmpl_len, a hook before each run */
static size_t single_len;
static void (*single_prep)(void);
static __u64 rng_state = 0x2545f4914f6cdd1dull;
/* The driver's first count not yet used for a new tuple. */
static __u64 fresh;

/* Client of pre-filled flow i: 198.19.0.0/16, 256 ports per address,
 * as the driver writes flow i into tmpl_ack. */
static void flow_client(__u32 i, __be32 *saddr, __be16 *sport)
{
	*saddr = htonl(0xc6130000u | (i >> 8 & 0xffff));
	*sport = htons(1024 + (i & 255));
}

static void flow_key(__u32 i, struct xlb_flow_key *k)
{
	__be32 saddr, vip[4];
	__be16 sport;

	flow_client(i, &saddr, &sport);
	fx_addr(VIP_ADDR, vip);
	bench_ct_key4(k, saddr, vip[0], sport, htons(VIP_PORT));
}

/* The backend the table gives flow i; flow 0 (the one of tmpl_ack) is on
 * BE_LIVE. */
static __u32 flow_backend(__u32 i, const struct xlb_flow_key *k)
{
	if (!i)
		return BE_LIVE;
	return 1 + xlb_hash_flow(k, FX_HASH_SEED) % XLB_RING_SIZE_DEFAULT %
		   NBACKENDS;
}

static void pin_cpu(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

static int xdp_prog(int action)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = action },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	/* Same expected attach type as libbpf gives xlb: tail-call maps
	 * only mix compatible programs. */
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xlb_bench", "GPL", insns, 2,
			     &o);
}

/* Enabled, with the fixture's MAC and addresses. */
static int setup_cfg(struct xlb_bpf *s)
{
	return fx_cfg_set(s, XLB_CFG_F_ENABLED, XLB_UDP_TIMEOUT_NS_DEFAULT) ?
	       -errno : 0;
}

/* VIP 2, whose whole table is BE_LIVE2: the new flows' VIP. */
static int setup_vip2(struct xlb_bpf *s)
{
	__u32 id = BE_LIVE2;
	int err;

	err = fx_vip_add(s, 2, VIP_ADDR, IPPROTO_TCP, VIP2_PORT, 0,
			 XLB_RING_SIZE_DEFAULT, XLB_MODE_IPIP);
	if (!err)
		err = fx_backend_set(s, BE_LIVE2, 2, BE_LIVE_ADDR,
				     XLB_BE_F_VALID);
	if (!err)
		err = fx_ring_set(s, 2, &id, 1, XLB_RING_SIZE_DEFAULT);
	return err;
}

static int setup_backends(void)
{
	char path[] = "/tmp/xbpf-neigh-XXXXXX";
	char cmd[128];
	__u32 i, *ring;
	FILE *f;
	int fd, err = 0;

	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -errno;
	}
	for (i = 0; i < NBACKENDS; i++)
		fprintf(f, "neigh replace 198.18.0.%u lladdr "
			"02:00:00:00:02:%02x dev " FX_IF_LB " nud permanent\n",
			100 + i, i);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "ip -batch %s", path);
	err = fx_sh(cmd);
	unlink(path);
	if (err)
		return err;

	for (i = 1; i <= NBACKENDS && !err; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "198.18.0.%u", 99 + i);
		err = fx_backend_set(skel, i, 1, addr, XLB_BE_F_VALID);
	}
	if (!err)
		err = fx_backend_set(skel, BE_LIVE, 1, BE_LIVE_ADDR,
				     XLB_BE_F_VALID);
	if (!err)
		err = setup_vip2(skel);
	if (err)
		return err;
	ring = calloc(NBACKENDS, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	for (i = 0; i < NBACKENDS; i++)
		ring[i] = i + 1;
	err = fx_ring_set(skel, 1, ring, NBACKENDS, XLB_RING_SIZE_DEFAULT);
	free(ring);
	return err;
}

/* xlb with its flow table of CT_SLOTS slots split in parts partitions,
 * mapped into *t; NULL with errno set on failure. */
static struct xlb_bpf *xlb_load(__u32 parts, struct bench_ct *t)
{
	struct xlb_bpf *s = xlb_bpf__open();
	int err;

	if (!s)
		return NULL;
	err = bench_ct_geometry(s, parts, CT_SLOTS / XLB_CT_WAYS / parts);
	if (!err)
		err = xlb_bpf__load(s);
	if (!err)
		err = bench_ct_map(t, s);
	if (err) {
		xlb_bpf__destroy(s);
		errno = err < 0 ? -err : EINVAL;
		return NULL;
	}
	return s;
}

/*
 * The NFLOWS established flows (XLB_CT_F_SEEN2, used now) of VIP 1 into
 * flow table t, flow i in partition i % parts, each on the backend the
 * table gives it; only those of partition part if part < parts.
 */
static int fill_flows(struct bench_ct *t, __u32 part)
{
	__u32 now = bench_ct_now(), i;
	struct xlb_flow_key k;
	int err;

	for (i = part < t->parts ? part : 0; i < NFLOWS;
	     i += part < t->parts ? t->parts : 1) {
		flow_key(i, &k);
		err = bench_ct_put(t, i % t->parts, &k, 1, flow_backend(i, &k),
				   XLB_CT_F_SEEN2, now);
		if (err)
			return err;
	}
	return 0;
}

/* The same flows into an LRU hash laid out as the old conntrack. */
static int fill_lru(int fd)
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
	for (i = 0; i < NFLOWS && !err; i += chunk) {
		for (j = 0; j < chunk; j++) {
			flow_key(i + j, &keys[j]);
			memset(&vals[j], 0, sizeof(vals[j]));
			vals[j].backend_id = flow_backend(i + j, &keys[j]);
			vals[j].vip_id = 1;
			vals[j].atime_ns = now;
		}
		n = chunk;
		if (bpf_map_update_batch(fd, keys, vals, &n, NULL))
			err = -errno;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* An LRU hash of the old conntrack's size, key, value and flags. */
static int lru_create(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xlb_lru_bench",
				sizeof(struct xlb_flow_key),
				sizeof(struct bench_lru_flow), CT_SLOTS, NULL);

	return fd < 0 ? -errno : fd;
}

/* Elements of an LRU map, by batched dump. */
static long long lru_count(int fd)
{
	const __u32 chunk = 4096;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	struct xlb_flow_key *keys = calloc(chunk, sizeof(*keys));
	struct bench_lru_flow *vals = calloc(chunk, sizeof(*vals));
	__u64 token = 0;
	long long total = 0;
	bool first = true;
	__u32 n;
	int ret;

	if (!keys || !vals) {
		total = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = chunk;
		ret = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					   keys, vals, &n, &o);
		if (ret && errno != ENOENT) {
			total = -errno;
			break;
		}
		total += n;
		first = false;
		if (ret)
			break;
	}
out:
	free(keys);
	free(vals);
	return total;
}

/*
 * Every slot of table t used by a live entry without XLB_CT_F_SEEN2, of
 * a random tag: no insert finds a free or expired slot, and any entry
 * may be replaced.
 */
static void fill_full(struct bench_ct *t)
{
	__u32 now = bench_ct_now();
	__u64 b, n = 0;
	int w;

	for (b = 0; b < t->nbuckets; b++) {
		for (w = 0; w < XLB_CT_WAYS; w++, n++) {
			struct xlb_ct_entry *e = &t->k[b].e[w];

			memset(e, 0, sizeof(*e));
			e->src[0] = htonl(0xc6120000u | (n >> 6 & 0xffff));
			e->sport = htons(1024 + (n & 63));
			e->vip_id = 1;
			t->b[b].meta[w].backend_id = 1;
			t->b[b].meta[w].atime = now;
			t->b[b].meta[w].tag = (bench_rng(&rng_state) &
					       XLB_CT_TAG_MASK) |
					      XLB_CT_F_USED;
		}
	}
}

/* The driver tail-calls prog_fd, flow n * STRIDE mod flows, times step. */
static int drive_set(int prog_fd, __u32 flows, __u32 step)
{
	__u32 zero = 0;

	sc->data->drive_flows = flows;
	sc->data->drive_step = step;
	return bpf_map_update_elem(bpf_map__fd(sc->maps.drive_jmp), &zero,
				   &prog_fd, BPF_ANY) ? -errno : 0;
}

/* The flow the driver writes into tmpl for its count c (new tuples:
 * flows NEW_TUPLES, step 1). */
static void drive_key(const __u8 *tmpl, __u64 c, struct xlb_flow_key *k)
{
	__u32 i = c * BENCH_DRIVE_STRIDE % NEW_TUPLES;
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u8 fr[256];

	memcpy(fr, tmpl, tmpl_len);
	fr[ETH_HLEN + 14] = i >> 16;
	fr[ETH_HLEN + 15] = i >> 8;
	fr[ETH_HLEN + 21] = i;
	memcpy(&saddr, fr + ETH_HLEN + 12, 4);
	memcpy(&daddr, fr + ETH_HLEN + 16, 4);
	memcpy(&sport, fr + ETH_HLEN + 20, 2);
	memcpy(&dport, fr + ETH_HLEN + 22, 2);
	bench_ct_key4(k, saddr, daddr, sport, dport);
}

/* Are the last n new tuples of VIP 2 in partition 0 of table t (lru_fd
 * < 0) or in the LRU map lru_fd, on BE_LIVE2? */
static int drive_check(const struct bench_ct *t, int lru_fd,
		       const __u8 *tmpl, int n)
{
	struct xlb_flow_key k;
	struct bench_lru_flow f;
	struct xlb_ct_entry *e;
	struct xlb_ct_meta *m;
	int i;

	for (i = 1; i <= n; i++) {
		drive_key(tmpl, sc->bss->drive_ctr - i, &k);
		if (lru_fd >= 0) {
			if (bpf_map_lookup_elem(lru_fd, &k, &f) ||
			    f.backend_id != BE_LIVE2)
				return -ENOENT;
		} else if (!(m = bench_ct_find(t, 0, &k, 2, &e)) ||
			   m->backend_id != BE_LIVE2) {
			return -ENOENT;
		}
	}
	return 0;
}

/*
 * The driver and the lookups of scale.bpf.c, on lru_fd (an LRU hash laid
 * out as the old conntrack; < 0: a small one of its own) and xlb's table,
 * whose geometry they are given.
 */
static int scale_load(int lru_fd)
{
	int err;

	scale_bpf__destroy(sc);
	sc = scale_bpf__open();
	if (!sc)
		return -errno;
	sc->rodata->ct_parts = ct.parts;
	sc->rodata->ct_part_buckets = ct.part_buckets;
	sc->rodata->ct_seed = ct.seed;
	err = lru_fd >= 0 ? bpf_map__reuse_fd(sc->maps.bench_lru, lru_fd) : 0;
	if (!err)
		err = bpf_map__reuse_fd(sc->maps.xlb_flows,
					bpf_map__fd(skel->maps.xlb_flows)) ?:
		      bpf_map__reuse_fd(sc->maps.xlb_flow_keys,
					bpf_map__fd(skel->maps.xlb_flow_keys));
	if (!err)
		err = scale_bpf__load(sc);
	if (err)
		return err;
	memcpy(sc->bss->drive_mac, fx_lb_mac, ETH_ALEN);
	sc->bss->insert_backend = BE_LIVE2;
	return 0;
}

enum path { P_FIXED, P_ESTABLISHED_COLD, P_NEW_FLOW, P_NONSYN_MISS };

/* The frame of single run seq on a path. */
static const __u8 *frame(enum path p, const __u8 *fixed, __u64 seq)
{
	static __u8 f[256];
	__be32 saddr;
	__be16 sport;

	switch (p) {
	case P_ESTABLISHED_COLD:
		/* A flow of partition 0's share: a hit, not a copy. */
		memcpy(f, tmpl_ack, tmpl_len);
		flow_client(bench_rng(&rng_state) % (NFLOWS / ct.parts) *
			    ct.parts, &saddr, &sport);
		fx_set_client(f, saddr, sport);
		return f;
	case P_NEW_FLOW:
	case P_NONSYN_MISS:
		/* 198.18.128.0/17 and all ports: never a pre-filled flow,
		 * never the same tuple twice within 2^30 runs. */
		memcpy(f, p == P_NEW_FLOW ? tmpl_syn : tmpl_ack, tmpl_len);
		fx_set_client(f, htonl(0xc6128000u | (seq >> 16 & 0x3fff) |
				    (p == P_NONSYN_MISS ? 0x4000 : 0)),
			   htons(seq & 0xffff));
		return f;
	default:
		return fixed;
	}
}

/* Counters of s in grow grew by exactly n each, those in ignore by any
 * amount, the rest not at all? */
static int check_path(struct xlb_bpf *s, const char *name,
		      const __u64 *before, __u64 grow, __u64 ignore, __u64 n)
{
	__u64 after[XLB_STAT_MAX];
	int i;

	fx_stats(s, after);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		__u64 want = grow >> i & 1 ? n : 0;

		if (ignore >> i & 1)
			continue;
		if (after[i] - before[i] != want) {
			fprintf(stderr, "bench_xdp: %s: xlb_stats[%d] grew by "
				"%llu, expected %llu\n", name, i,
				(unsigned long long)(after[i] - before[i]),
				(unsigned long long)want);
			return -EPROTO;
		}
	}
	return 0;
}

static void report(const char *name, double ns)
{
	printf("%s %.1f ns\n", name, ns);
	fflush(stdout);
}

static void ratio(const char *name, double v)
{
	printf("%s %.2f ratio\n", name, v);
	fflush(stdout);
}

/* Method 3: median over RUNS of the median of BATCH single runs. */
static int bench_single(const char *name, enum path p, int fd,
			const __u8 *fixed, __u32 want_ret, __u64 grow,
			__u64 ignore, double *ns)
{
	static __u32 d[BATCH];
	static __u64 seq;
	__u64 before[XLB_STAT_MAX];
	double med[RUNS];
	struct fx_run *r;
	int b, i, err;

	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	fx_stats(skel, before);
	for (b = 0; b < RUNS; b++) {
		for (i = 0; i < BATCH; i++) {
			if (single_prep)
				single_prep();
			fx_run(fd, frame(p, fixed, seq++),
			       single_len ? single_len : tmpl_len, r);
			if (r->err || r->ret != want_ret) {
				fprintf(stderr, "bench_xdp: %s: err %d "
					"verdict %u, expected %u\n", name,
					r->err, r->ret, want_ret);
				free(r);
				return -EPROTO;
			}
			d[i] = r->duration;
		}
		qsort(d, BATCH, sizeof(d[0]), bench_cmp_u32);
		med[b] = d[BATCH / 2];
	}
	free(r);
	err = check_path(skel, name, before, grow, ignore,
			 (__u64)RUNS * BATCH);
	if (err)
		return err;
	*ns = bench_median(med, RUNS);
	report(name, *ns);
	return 0;
}

/* A figure of methods 1 and 3. */
struct repeat {
	const char *name;
	int fd;			/* the program measured */
	const __u8 *frame;
	__u32 repeat;		/* iterations of one run */
	int alone;		/* method 3: fd runs without the driver */
	__u32 flows, step;	/* the driver's cycle; 0: new tuples */
	struct xlb_bpf *skel;	/* whose counters: NULL, the main xlb */
	__u64 grow;		/* S(): counters one a packet */
	__u64 ignore;		/* S(): counters that may grow */
	int hits;		/* a scale.bpf.c target: one hit a packet */
	int (*prep)(void);	/* before each run, untimed */
};

/* The kernel's average over one run of repeat iterations; median of RUNS
 * such runs. */
static int bench_repeat(const struct repeat *p, double *ns)
{
	struct xdp_md ctx = {
		.data_end = tmpl_len,
		.ingress_ifindex = fx_ifindex_lb,
	};
	struct xlb_bpf *s = p->skel ? p->skel : skel;
	int fd = p->alone ? p->fd : bpf_program__fd(sc->progs.scale_drive);
	__u64 before[XLB_STAT_MAX], hits, ctr;
	double v[RUNS];
	int i, err = 0;

	if (!p->alone) {
		err = p->flows ? drive_set(p->fd, p->flows, p->step) :
		      drive_set(p->fd, NEW_TUPLES, 1);
		if (!p->flows)
			sc->bss->drive_ctr = fresh;
	}
	hits = sc->bss->lookup_hits;
	ctr = sc->bss->drive_ctr;
	fx_stats(s, before);
	for (i = 0; i < RUNS && !err; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			    .data_in = p->frame,
			    .data_size_in = tmpl_len,
			    .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .repeat = p->repeat);

		err = p->prep ? p->prep() : 0;
		sc->bss->drive_armed = 0;
		if (!err && bpf_prog_test_run_opts(fd, &o))
			err = -errno;
		if (!err && o.retval != (p->alone ? XDP_PASS : XDP_TX)) {
			fprintf(stderr, "bench_xdp: %s: verdict %u\n",
				p->name, o.retval);
			err = -EPROTO;
		}
		v[i] = o.duration;
	}
	if (err) {
		fprintf(stderr, "bench_xdp: %s: %s\n", p->name,
			strerror(-err));
		return err;
	}
	if (!p->flows && !p->alone)
		fresh = sc->bss->drive_ctr;
	err = check_path(s, p->name, before, p->grow, p->ignore,
			 (__u64)RUNS * p->repeat);
	if (err)
		return err;
	hits = sc->bss->lookup_hits - hits;
	ctr = sc->bss->drive_ctr - ctr;
	if (hits != (p->hits ? (__u64)RUNS * p->repeat : 0) ||
	    ctr != (p->alone ? 0 : (__u64)RUNS * p->repeat)) {
		fprintf(stderr, "bench_xdp: %s: %llu packets driven, %llu "
			"lookups hit\n", p->name, (unsigned long long)ctr,
			(unsigned long long)hits);
		return -EPROTO;
	}
	*ns = bench_median(v, RUNS);
	report(p->name, *ns);
	return 0;
}

/* Before each run of a miss figure: partition 0 holds its share of the
 * flows and nothing else. */
static struct bench_ct *restore_ct;

static struct xlb_bpf *restore_skel;

/* Every CPU's window of remote lookups (XLB_RATE_REMOTE) begun now with
 * count of them spent. */
static int remote_window(__u32 count)
{
	struct xlb_rate r[ncpus];
	__u32 idx = XLB_RATE_REMOTE;
	int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < ncpus; i++) {
		r[i].window_ns = fx_now_coarse();
		r[i].count = count;
	}
	return bpf_map_update_elem(bpf_map__fd(restore_skel->maps.xlb_rates),
				   &idx, r, BPF_ANY) ? -errno : 0;
}

static int restore_part0(void)
{
	bench_ct_clear(restore_ct, 0);
	return fill_flows(restore_ct, 0) ?: remote_window(0);
}

/* The same, the remote lookups of this second spent: a flood. */
static int restore_part0_spent(void)
{
	bench_ct_clear(restore_ct, 0);
	return fill_flows(restore_ct, 0) ?: remote_window(UINT32_MAX);
}

static int clear_table(void)
{
	bench_ct_clear(&ct, ct.parts);
	return 0;
}

/*
 * Method 4: n new flows (SYNs of new tuples) through the driver into
 * target_fd, FILL_BATCH at a time, CPU 0 and CPU 1 in turn; the driver's
 * count starts at c0.
 */
static int fill_stream(int target_fd, __u64 c0, __u64 n)
{
	struct xdp_md ctx = {
		.data_end = tmpl_len,
		.ingress_ifindex = fx_ifindex_lb,
	};
	int cpus = ncpus > 1 ? 2 : 1, err, turn;
	__u64 done;

	err = drive_set(target_fd, NEW_TUPLES, 1);
	sc->bss->drive_ctr = c0;
	for (done = 0, turn = 0; done < n && !err; turn++) {
		__u32 k = n - done < FILL_BATCH ? n - done : FILL_BATCH;
		LIBBPF_OPTS(bpf_test_run_opts, o,
			    .data_in = tmpl_syn2,
			    .data_size_in = tmpl_len,
			    .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .repeat = k);

		pin_cpu(turn % cpus);
		sc->bss->drive_armed = 0;
		if (bpf_prog_test_run_opts(bpf_program__fd(
				sc->progs.scale_drive), &o))
			err = -errno;
		else if (o.retval != XDP_TX)
			err = -EPROTO;
		done += k;
	}
	pin_cpu(0);
	if (!err && sc->bss->drive_ctr - c0 != n) {
		fprintf(stderr, "bench_xdp: fill: %llu packets driven of "
			"%llu\n", (unsigned long long)(sc->bss->drive_ctr - c0),
			(unsigned long long)n);
		err = -EPROTO;
	}
	return err;
}

/* ct_premature_evict_pct and lru_premature_evict_pct (method 4). */
static int bench_premature(void)
{
	__u64 n = (__u64)CT_SLOTS * FILL_PCT / 100, used, lost, c0 = fresh;
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	long long present;
	int lru_fd, err;

	bench_ct_clear(&ct, ct.parts);
	fx_stats(skel, before);
	err = fill_stream(xlb_fd, c0, n);
	if (!err)
		err = check_path(skel, "fill", before, S(CT_MISS_SYN) | S(TX),
				 S(CT_EVICT) | S(CT_FULL) | S(CT_MOVED), n);
	if (err)
		return err;
	fx_stats(skel, after);
	used = bench_ct_used(&ct);
	lost = n - used;
	if (after[XLB_STAT_CT_EVICT] - before[XLB_STAT_CT_EVICT] +
	    after[XLB_STAT_CT_FULL] - before[XLB_STAT_CT_FULL] != lost) {
		fprintf(stderr, "bench_xdp: fill: %llu flows lost, counted "
			"%llu evicted and %llu not inserted\n",
			(unsigned long long)lost,
			(unsigned long long)(after[XLB_STAT_CT_EVICT] -
					     before[XLB_STAT_CT_EVICT]),
			(unsigned long long)(after[XLB_STAT_CT_FULL] -
					     before[XLB_STAT_CT_FULL]));
		return -EPROTO;
	}
	printf("ct_premature_evict_pct %.4f %%\n", 100.0 * lost / n);
	printf("ct_premature_evict_flows %llu flows\n",
	       (unsigned long long)lost);
	printf("ct_fill%d_moved_pct %.2f %%\n", FILL_PCT, 100.0 *
	       (after[XLB_STAT_CT_MOVED] - before[XLB_STAT_CT_MOVED]) / n);
	fflush(stdout);

	/* The same tuples into a fresh LRU hash. */
	lru_fd = lru_create();
	if (lru_fd < 0)
		return lru_fd;
	err = scale_load(lru_fd) ?:
	      fill_stream(bpf_program__fd(sc->progs.scale_lru_insert), c0, n);
	present = err ? 0 : lru_count(lru_fd);
	if (!err && present < 0)
		err = present;
	if (!err) {
		printf("lru_premature_evict_pct %.4f %%\n",
		       100.0 * (n - present) / n);
		printf("lru_premature_evict_flows %llu flows\n",
		       (unsigned long long)(n - present));
		fflush(stdout);
	}
	close(lru_fd);
	return err;
}

/*
 * xdp_nonsyn_miss_ns_64parts: a second xlb whose 4M slots are split in
 * PARTS_WIDE partitions, the flows spread over all of them, VIP 2 as in
 * the first; the driver's ACKs miss in every partition.
 */
static int bench_miss_wide(double *ns, double *flood_ns)
{
	/* Within a CPU's budget of remote lookups a second. */
	struct repeat r = {
		.name = "xdp_nonsyn_miss_ns_64parts", .frame = tmpl_ack2,
		.repeat = REPEAT_MISS_WIDE, .grow = S(CT_MISS_NONSYN) | S(TX),
		.ignore = S(CT_MOVED), .prep = restore_part0,
	};
	/* Past it: by the Maglev table, no remote lookup, no entry. */
	struct repeat fl = {
		.name = "xdp_nonsyn_flood_ns_64parts", .frame = tmpl_ack2,
		.repeat = REPEAT_MISS, .grow = S(CT_REMOTE_SKIP) | S(TX),
		.prep = restore_part0_spent,
	};
	int err;

	skel64 = xlb_load(PARTS_WIDE, &ct64);
	if (!skel64)
		return -errno;
	r.skel = fl.skel = skel64;
	r.fd = fl.fd = bpf_program__fd(skel64->progs.xlb_main);
	err = setup_cfg(skel64) ?: setup_vip2(skel64) ?:
	      fill_flows(&ct64, FILL_ALL);
	restore_ct = &ct64;
	restore_skel = skel64;
	if (!err)
		err = bench_repeat(&r, ns);
	if (!err && drive_check(&ct64, -1, tmpl_ack2, 16)) {
		fprintf(stderr, "bench_xdp: 64 partitions: missed flows not "
			"inserted\n");
		err = -EPROTO;
	}
	if (!err)
		err = bench_repeat(&fl, flood_ns);
	return err;
}

/* A fresh too-big reply window on this CPU (the bench runs on CPU 0). */
static void icmp_window_reset(void)
{
	struct xlb_rate r[ncpus];
	__u32 idx = XLB_RATE_ICMP;
	int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < ncpus; i++)
		r[i].window_ns = fx_now_coarse();
	bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_rates), &idx, r,
			    BPF_ANY);
}

/* VIPs 3 and 4 and their backends, and one packet of each flow so the
 * timed runs find it in the flow table. */
static int setup_modes(void)
{
	__u32 id;
	int err;

	err = fx_vip_add(skel, 3, VIP_ADDR, IPPROTO_TCP, VIP_GUE_PORT, 0,
			 XLB_RING_SIZE_DEFAULT, XLB_MODE_GUE);
	if (!err)
		err = fx_vip_add(skel, 4, VIP_ADDR, IPPROTO_TCP, VIP_L2_PORT, 0,
				 XLB_RING_SIZE_DEFAULT, XLB_MODE_L2);
	if (!err)
		err = fx_backend_set(skel, BE_GUE, 3, "198.18.0.100",
				     XLB_BE_F_VALID);
	if (!err)
		err = fx_backend_set(skel, BE_L2, 4, "198.18.0.101",
				     XLB_BE_F_VALID);
	id = BE_GUE;
	if (!err)
		err = fx_ring_set(skel, 3, &id, 1, XLB_RING_SIZE_DEFAULT);
	id = BE_L2;
	if (!err)
		err = fx_ring_set(skel, 4, &id, 1, XLB_RING_SIZE_DEFAULT);
	return err;
}

static int warm(const __u8 *f, size_t len, __u32 want)
{
	struct fx_run *r = malloc(sizeof(*r));
	int err = 0;

	if (!r)
		return -ENOMEM;
	fx_run(xlb_fd, f, len, r);
	if (r->err || r->ret != want)
		err = -EPROTO;
	free(r);
	return err;
}

/* A driver figure: the program measured, frame, the driver's cycle. */
#define DRIVEN(n, f, fr, fl, st)					\
	(struct repeat){ .name = (n), .fd = (f), .frame = (fr),	\
			 .repeat = REPEAT, .flows = (fl), .step = (st) }

int main(void)
{
	double est, estc, sfloor, sest, cold, nf, miss, pfloor, ppass, spass;
	double snf, smiss, dfloor, gue, l2, toobig, lru_ins, lru, lruc, tab;
	double tabc, nf_empty, nf_full, miss64, flood64;
	size_t big_len;
	struct fx_pkt p = { "198.19.0.0", VIP_ADDR, 1024, VIP_PORT,
			    IPPROTO_TCP, 0x10, .payload = 64 };
	__u32 share;
	char miss_name[48];
	struct repeat r;
	int err, lru_fd = -1, floor_fd, lru_look, tab_look;

	/* One CPU: per-CPU next-hop cache and counters stay warm and the
	 * runs do not migrate mid-batch (method 4 moves on purpose). */
	pin_cpu(0);
	ncpus = libbpf_num_possible_cpus();
	err = ncpus < 1 ? -EINVAL : fx_net_setup();
	if (err) {
		fprintf(stderr, "bench_xdp: network namespace: %s\n",
			strerror(-err));
		return 1;
	}
	/* One partition a possible CPU, as xlbd splits the table. */
	skel = xlb_load(ncpus, &ct);
	if (!skel) {
		fprintf(stderr, "bench_xdp: load xlb: %s\n", strerror(errno));
		return 1;
	}
	xlb_fd = bpf_program__fd(skel->progs.xlb_main);
	floor_pass_fd = xdp_prog(XDP_PASS);
	if (floor_pass_fd < 0) {
		fprintf(stderr, "bench_xdp: load empty program: %s\n",
			strerror(errno));
		return 1;
	}
	err = setup_cfg(skel);
	if (!err)
		err = fx_vip_add(skel, 1, VIP_ADDR, IPPROTO_TCP, VIP_PORT, 0,
				 XLB_RING_SIZE_DEFAULT, XLB_MODE_IPIP);
	if (!err)
		err = setup_backends();
	if (!err)
		err = setup_modes();
	if (!err)
		err = fill_flows(&ct, FILL_ALL);
	if (!err) {
		lru_fd = lru_create();
		err = lru_fd < 0 ? lru_fd : fill_lru(lru_fd);
	}
	if (!err)
		err = scale_load(lru_fd);
	if (err) {
		fprintf(stderr, "bench_xdp: fill maps: %s\n", strerror(-err));
		return 1;
	}
	printf("xdp_ct_parts %u partitions\n", ct.parts);
	floor_fd = bpf_program__fd(sc->progs.scale_floor);
	lru_look = bpf_program__fd(sc->progs.scale_lru);
	tab_look = bpf_program__fd(sc->progs.scale_table);
	/* Partition 0's share of the flows, in the driver's cycle. */
	share = NFLOWS / ct.parts;

	tmpl_len = fx_build(&p, tmpl_ack);
	p.tcp_flags = 0x02;
	fx_build(&p, tmpl_syn);
	p.dport = VIP2_PORT;
	p.src = "198.18.200.0";
	fx_build(&p, tmpl_syn2);
	p.src = "198.18.201.0";
	p.tcp_flags = 0x10;
	fx_build(&p, tmpl_ack2);
	p.dst = "198.18.0.1";	/* the LB itself: not a VIP */
	p.dport = VIP_PORT;
	fx_build(&p, tmpl_pass);
	p.dst = VIP_ADDR;
	p.src = "198.18.202.0";
	p.dport = VIP_GUE_PORT;
	fx_build(&p, tmpl_gue);
	p.dport = VIP_L2_PORT;
	fx_build(&p, tmpl_l2);
	p.dport = VIP_PORT;
	p.payload = 1460;	/* a 1500-byte packet: 20 too many for IPIP */
	big_len = fx_build(&p, tmpl_big);
	if (warm(tmpl_gue, tmpl_len, XDP_TX) ||
	    warm(tmpl_l2, tmpl_len, XDP_TX) ||
	    warm(tmpl_big, big_len, XDP_TX)) {
		fprintf(stderr, "bench_xdp: GUE, L2 or too-big frame not "
			"forwarded as expected\n");
		return 1;
	}

	/* Method 1: established flows and the lookups alone. */
	r = DRIVEN("xdp_drive_floor_ns", floor_fd, tmpl_ack, 1, 1);
	if (!err)
		err = bench_repeat(&r, &dfloor);
	r = DRIVEN("xdp_established_ns", xlb_fd, tmpl_ack, 1, 1);
	r.grow = S(CT_HIT) | S(TX);
	if (!err)
		err = bench_repeat(&r, &est);
	r = DRIVEN("xdp_ct_lru_lookup_ns", lru_look, tmpl_ack, 1, 1);
	r.hits = 1;
	if (!err)
		err = bench_repeat(&r, &lru);
	r = DRIVEN("xdp_ct_table_lookup_ns", tab_look, tmpl_ack, 1, 1);
	r.hits = 1;
	if (!err)
		err = bench_repeat(&r, &tab);
	r = DRIVEN("xdp_established_cycle_ns", xlb_fd, tmpl_ack, share,
		   ct.parts);
	r.grow = S(CT_HIT) | S(TX);
	if (!err)
		err = bench_repeat(&r, &estc);
	r = DRIVEN("xdp_ct_lru_lookup_cycle_ns", lru_look, tmpl_ack, share,
		   ct.parts);
	r.hits = 1;
	if (!err)
		err = bench_repeat(&r, &lruc);
	r = DRIVEN("xdp_ct_table_lookup_cycle_ns", tab_look, tmpl_ack, share,
		   ct.parts);
	r.hits = 1;
	if (!err)
		err = bench_repeat(&r, &tabc);
	if (!err) {
		ratio("xdp_ct_table_over_lru_lookup", tab / lru);
		ratio("xdp_ct_table_over_lru_lookup_net",
		      (tab - dfloor) / (lru - dfloor));
		ratio("xdp_ct_table_over_lru_lookup_cycle", tabc / lruc);
		ratio("xdp_ct_table_over_lru_lookup_cycle_net",
		      (tabc - dfloor) / (lruc - dfloor));
		ratio("xdp_established_over_lru_lookup", est / lru);
		ratio("xdp_established_over_lru_lookup_cycle", estc / lruc);
	}
	/* The old conntrack's insert, into the same LRU hash. */
	r = DRIVEN("xdp_lru_insert_floor_ns",
		   bpf_program__fd(sc->progs.scale_lru_insert), tmpl_syn2, 0,
		   0);
	r.repeat = REPEAT_NEW;
	r.hits = 1;
	if (!err)
		err = bench_repeat(&r, &lru_ins);
	if (!err && drive_check(NULL, lru_fd, tmpl_syn2, 16)) {
		fprintf(stderr, "bench_xdp: LRU insert: flows not in its "
			"map\n");
		err = -EPROTO;
	}
	/* Done with the LRU hash: half a GB back. */
	if (!err)
		err = scale_load(-1);
	close(lru_fd);

	/* Method 2 on paths that insert nothing. */
	if (!err)
		err = bench_single("xdp_single_floor_ns", P_FIXED,
				   floor_pass_fd, tmpl_pass, XDP_PASS, 0, 0,
				   &sfloor);
	if (!err)
		err = bench_single("xdp_established_single_ns", P_FIXED,
				   xlb_fd, tmpl_ack, XDP_TX, S(CT_HIT) | S(TX),
				   0, &sest);
	if (!err)
		err = bench_single("xdp_established_cold_single_ns",
				   P_ESTABLISHED_COLD, xlb_fd, NULL, XDP_TX,
				   S(CT_HIT) | S(TX), 0, &cold);
	if (!err)
		err = bench_single("xdp_pass_single_ns", P_FIXED, xlb_fd,
				   tmpl_pass, XDP_PASS, S(PASS), 0, &spass);
	if (!err)
		err = bench_single("xdp_gue_ns", P_FIXED, xlb_fd, tmpl_gue,
				   XDP_TX, S(CT_HIT) | S(TX), 0, &gue);
	if (!err)
		err = bench_single("xdp_l2_ns", P_FIXED, xlb_fd, tmpl_l2,
				   XDP_TX, S(CT_HIT) | S(TX), 0, &l2);
	if (!err) {
		single_len = big_len;
		single_prep = icmp_window_reset;
		err = bench_single("xdp_icmp_toobig_ns", P_FIXED, xlb_fd,
				   tmpl_big, XDP_TX, S(CT_HIT) | S(ICMP_SENT),
				   0, &toobig);
		single_len = 0;
		single_prep = NULL;
	}

	/* Method 1: new flows on the 2^20, and misses. */
	r = DRIVEN("xdp_new_flow_ns", xlb_fd, tmpl_syn2, 0, 0);
	r.repeat = REPEAT_NEW;
	r.grow = S(CT_MISS_SYN) | S(TX);
	r.ignore = S(CT_MOVED);
	if (!err)
		err = bench_repeat(&r, &nf);
	if (!err && drive_check(&ct, -1, tmpl_syn2, 16)) {
		fprintf(stderr, "bench_xdp: new flows not in the table\n");
		err = -EPROTO;
	}
	restore_ct = &ct;
	restore_skel = skel;
	/* This machine's split: 2 partitions here. */
	snprintf(miss_name, sizeof(miss_name), "xdp_nonsyn_miss_ns_%uparts",
		 ct.parts);
	r = DRIVEN(miss_name, xlb_fd, tmpl_ack2, 0, 0);
	r.repeat = REPEAT_MISS;
	r.grow = S(CT_MISS_NONSYN) | S(TX);
	r.ignore = S(CT_MOVED);
	r.prep = restore_part0;
	if (!err)
		err = bench_repeat(&r, &miss);
	if (!err && drive_check(&ct, -1, tmpl_ack2, 16)) {
		fprintf(stderr, "bench_xdp: missed flows not inserted\n");
		err = -EPROTO;
	}
	if (!err)
		err = bench_miss_wide(&miss64, &flood64);
	if (!err) {
		ratio("xdp_nonsyn_miss_64parts_over_own", miss64 / miss);
		ratio("xdp_nonsyn_flood_64parts_over_established",
		      flood64 / est);
	}

	/* Method 2: single runs that insert. */
	if (!err)
		err = bench_single("xdp_new_flow_single_ns", P_NEW_FLOW, xlb_fd,
				   NULL, XDP_TX, S(CT_MISS_SYN) | S(TX),
				   S(CT_MOVED), &snf);
	if (!err)
		err = bench_single("xdp_nonsyn_miss_single_ns", P_NONSYN_MISS,
				   xlb_fd, NULL, XDP_TX,
				   S(CT_MISS_NONSYN) | S(TX), S(CT_MOVED),
				   &smiss);

	/* Method 1 on an empty table, then on a full one. */
	r = DRIVEN("xdp_new_flow_empty_ns", xlb_fd, tmpl_syn2, 0, 0);
	r.repeat = REPEAT_NEW;
	r.grow = S(CT_MISS_SYN) | S(TX);
	r.prep = clear_table;
	if (!err)
		err = bench_repeat(&r, &nf_empty);
	if (!err)
		fill_full(&ct);
	r = DRIVEN("xdp_new_flow_full_ns", xlb_fd, tmpl_syn2, 0, 0);
	r.repeat = REPEAT_NEW;
	r.grow = S(CT_MISS_SYN) | S(TX) | S(CT_EVICT);
	if (!err)
		err = bench_repeat(&r, &nf_full);
	if (!err && drive_check(&ct, -1, tmpl_syn2, 16)) {
		fprintf(stderr, "bench_xdp: new flows not in the full "
			"table\n");
		err = -EPROTO;
	}
	if (!err) {
		ratio("xdp_new_flow_full_over_established", nf_full / est);
		/* Both over tuples that miss the cache: the like figure. */
		ratio("xdp_new_flow_full_over_established_cycle",
		      nf_full / estc);
	}

	/* Method 3: the program alone on frames it does not modify. */
	r = (struct repeat){ .name = "xdp_floor_prog_ns", .fd = floor_pass_fd,
			     .frame = tmpl_pass, .repeat = PROG_REPEAT,
			     .alone = 1 };
	if (!err)
		err = bench_repeat(&r, &pfloor);
	r.name = "xdp_pass_prog_ns";
	r.fd = xlb_fd;
	r.grow = S(PASS);
	if (!err)
		err = bench_repeat(&r, &ppass);
	if (!err)
		ratio("xdp_pass_over_floor_prog", ppass / pfloor);

	/* Method 4. */
	if (!err)
		err = bench_premature();

	close(floor_pass_fd);
	scale_bpf__destroy(sc);
	bench_ct_unmap(&ct64);
	xlb_bpf__destroy(skel64);
	bench_ct_unmap(&ct);
	xlb_bpf__destroy(skel);
	if (err) {
		fprintf(stderr, "bench_xdp: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
