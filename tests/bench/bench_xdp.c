// SPDX-License-Identifier: GPL-2.0
/*
 * XDP data path benchmark: the real xlb program under BPF_PROG_TEST_RUN
 * with a full Maglev table (65537 slots, 100 backends) and ~1M flows in
 * conntrack. Prints "NAME VALUE UNIT" lines; every figure is the median
 * of RUNS runs, and counters prove that every timed iteration took the
 * intended path (the bench fails otherwise).
 *
 * Why not a plain repeat: XDP_TX rewrites the frame in place, so with
 * repeat > 1 the program would see its own output from the second
 * iteration on. Live-frame mode (BPF_F_TEST_XDP_LIVE_FRAMES) does not
 * re-initialise packet data either: net/bpf/test_run.c copies the frame
 * into a page once, when the page pool allocates the page; on recycling
 * it only resets the data pointers (reset_ctx()), so a recycled page holds
 * what the last program run left there. (Measured here: with a plain
 * frame, only the first batch of 64 took CT_HIT; the rest were
 * OTHERHOST.) So the bench uses these methods:
 *
 * 1. Live frames with a self-restoring frame (xdp_established_ns,
 *    xdp_tx_floor_ns, xdp_pass_ns, xdp_floor_ns). Encapsulation moves
 *    data back by the outer header and writes Ethernet + outer IPv4 in
 *    front of the untouched inner packet; of the original frame only its
 *    14 Ethernet bytes are overwritten, by bytes 6..19 of the outer
 *    header (frag_off, TTL, protocol, checksum, source, destination). The
 *    bench chooses the LB's MAC, the client frame's source MAC and the
 *    backend address (198.18.8.0) so that those 14 bytes are exactly the
 *    original Ethernet header: every recycled page then holds the
 *    original frame, and CT_HIT == TX == iterations proves it. Live mode
 *    times the whole batch, redirect and veth transmit included (the
 *    peer drops with XDP), so xdp_tx_floor_ns is an empty program
 *    returning XDP_TX in the same mode, and xdp_tx_encap_floor_ns one that
 *    also moves data back by 20 bytes. The pass path and its floor (an
 *    empty program returning XDP_PASS) run live too: both frames go up
 *    the stack (a TCP ACK to the LB's own address, answered with a RST),
 *    which is what passing traffic costs; xdp_pass_over_floor is their
 *    ratio. Method 4 gives the program-only ratio as well.
 *
 * 2. Live frames through a flow generator (xdp_new_flow_ns,
 *    xdp_nonsyn_miss_ns). A new flow needs a new 5-tuple every packet,
 *    and live frames repeat one frame. So a 24-instruction XDP program
 *    (flowgen_load()) bumps a per-CPU counter, writes it into the
 *    frame's source port and the low byte of its source address, and
 *    tail-calls xlb: every packet is a tuple never seen before (counters:
 *    CT_MISS_SYN resp. CT_MISS_NONSYN == iterations, and the last tuples
 *    are checked to be in conntrack). The frames go to VIP 2, whose whole
 *    table is the self-restoring backend. xdp_flowgen_floor_ns is the
 *    generator tail-calling an empty XDP_TX program, in the same mode.
 *    New flows evict old ones once the LRU conntrack is full, as on a
 *    busy balancer. xdp_lru_insert_floor_ns is the generator tail-calling
 *    a program that only inserts the frame's 5-tuple, keyed as xlb keys
 *    it, into an LRU hash of conntrack's size, key and value, filled with
 *    the same flows, then returns XDP_TX (lru_floor_load()): what a new
 *    flow costs before xlb does anything of its own (the last tuples are
 *    checked to be in that map).
 *
 * 3. Single runs (the *_single_* figures): each timed run is its own
 *    BPF_PROG_TEST_RUN with repeat = 1, so the kernel copies the original
 *    frame in every time and times one program run plus the timer and
 *    bh disable/enable, which xdp_single_floor_ns (an empty program, same
 *    method) carries too. Caches are colder than in a packet stream (the
 *    syscall runs between packets). A run's value is the median of BATCH
 *    single runs; new flows get a fresh source address and port from
 *    userspace each run.
 *
 *    The forwarding modes and the too-big reply are timed this way too:
 *    xdp_gue_ns (GUE encapsulation of an established flow), xdp_l2_ns
 *    (L2 MAC rewrite of an established flow) and xdp_icmp_toobig_ns (a
 *    1500-byte packet of an established flow answered with
 *    "fragmentation needed"; the per-CPU reply window is reset between
 *    runs, outside the timed part, so the rate limit never bites).
 *    Compare them with xdp_established_single_ns (IPIP) and
 *    xdp_single_floor_ns.
 *
 * 4. xdp_*_prog_ns time the program alone on frames it does not modify
 *    (non-live, one repeat = 100000 run): the pass path and the empty
 *    program, and xdp_pass_over_floor_prog their ratio.
 */
#include <sched.h>
#include <sys/resource.h>

#include "bpf/fixture.h"
#include "bench/bench.h"

#define RUNS		7	/* odd, so the median is one run */
#define BATCH		20000	/* single runs in one figure */
#define LIVE_REPEAT	(1u << 20)
#define LIVE_REPEAT_PASS (1u << 18)	/* each one goes up the stack */
#define LIVE_REPEAT_NEW	(1u << 17)	/* each one inserts a flow */
#define PROG_REPEAT	100000
#define NBACKENDS	100
#define NFLOWS		(1u << 20)

#define VIP_ADDR	"198.18.50.1"
#define VIP_PORT	80
/* The backend of the live established flow: its address ends in 08 00,
 * the IPv4 ethertype (see the method above). */
#define BE_LIVE		(NBACKENDS + 1)
#define BE_LIVE_ADDR	"198.18.8.0"
/* VIP 2: every slot of its table is BE_LIVE2, at the same address. */
#define VIP2_PORT	81
#define BE_LIVE2	(NBACKENDS + 2)
/* VIPs 3 (GUE) and 4 (L2): every slot one backend, on the LB's link. */
#define VIP_GUE_PORT	82
#define VIP_L2_PORT	83
#define BE_GUE		(NBACKENDS + 3)
#define BE_L2		(NBACKENDS + 4)

static struct xlb_bpf *skel;
static int xlb_fd, floor_pass_fd, floor_tx_fd, encap_floor_fd, peer_fd;
static __u8 lb_mac[6];
static __u8 tmpl_syn[256], tmpl_ack[256], tmpl_pass[256];
static __u8 tmpl_syn2[256], tmpl_ack2[256];
static int flowgen_fd, flowgen_ctr_fd, flowgen_jmp_fd;
static size_t tmpl_len;
static __u8 tmpl_gue[256], tmpl_l2[256], tmpl_big[2048];
/* bench_single(): frame length if not tmpl_len, a hook before each run */
static size_t single_len;
static void (*single_prep)(void);
static __u64 rng_state = 0x2545f4914f6cdd1dull;

/* Client of pre-filled flow i: 198.19.0.0/16, 16 ports per address. */
static void flow_client(__u32 i, __be32 *saddr, __be16 *sport)
{
	*saddr = htonl(0xc6130000u | (i >> 4));
	*sport = htons(10000 + (i & 15));
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

/* Raw BPF instructions for the flow generator. */
#define I_MOV_REG(d, s)	{ BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0 }
#define I_MOV_IMM(d, i)	{ BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i }
#define I_ALU_IMM(op, d, i) { BPF_ALU64 | op | BPF_K, d, 0, 0, i }
#define I_LDX(sz, d, s, o) { BPF_LDX | sz | BPF_MEM, d, s, o, 0 }
#define I_STX(sz, d, s, o) { BPF_STX | sz | BPF_MEM, d, s, o, 0 }
#define I_ST(sz, d, o, i) { BPF_ST | sz | BPF_MEM, d, 0, o, i }
#define I_JGT_REG(d, s, o) { BPF_JMP | BPF_JGT | BPF_X, d, s, o, 0 }
#define I_JEQ_IMM(d, i, o) { BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i }
#define I_LD_MAP(d, fd)	{ BPF_LD | BPF_DW | BPF_IMM, d,	\
			  BPF_PSEUDO_MAP_FD, 0, fd }, { 0, 0, 0, 0, 0 }
#define I_CALL(fn)	{ BPF_JMP | BPF_CALL, 0, 0, 0, fn }
#define I_EXIT		{ BPF_JMP | BPF_EXIT, 0, 0, 0, 0 }

/*
 * The flow generator: c = ++counter (per CPU); TCP source port (bytes
 * 34-35) = low 16 bits of c, last byte of the IPv4 source (29) = bits
 * 16-23; then tail call to flowgen_jmp[0]. Checksums are left stale: xlb
 * does not verify them (the backend does).
 */
static int flowgen_load(void)
{
	struct bpf_insn insns[] = {
		I_MOV_REG(BPF_REG_6, BPF_REG_1),
		I_LDX(BPF_W, BPF_REG_7, BPF_REG_6, 0),	/* data */
		I_LDX(BPF_W, BPF_REG_8, BPF_REG_6, 4),	/* data_end */
		I_MOV_REG(BPF_REG_2, BPF_REG_7),
		I_ALU_IMM(BPF_ADD, BPF_REG_2, 36),
		I_JGT_REG(BPF_REG_2, BPF_REG_8, 18),	/* -> drop */
		I_ST(BPF_W, BPF_REG_10, -4, 0),
		I_MOV_REG(BPF_REG_2, BPF_REG_10),
		I_ALU_IMM(BPF_ADD, BPF_REG_2, -4),
		I_LD_MAP(BPF_REG_1, flowgen_ctr_fd),
		I_CALL(BPF_FUNC_map_lookup_elem),
		I_JEQ_IMM(BPF_REG_0, 0, 11),		/* -> drop */
		I_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0),
		I_ALU_IMM(BPF_ADD, BPF_REG_1, 1),
		I_STX(BPF_DW, BPF_REG_0, BPF_REG_1, 0),
		I_STX(BPF_H, BPF_REG_7, BPF_REG_1, 34),
		I_ALU_IMM(BPF_RSH, BPF_REG_1, 16),
		I_STX(BPF_B, BPF_REG_7, BPF_REG_1, 29),
		I_MOV_REG(BPF_REG_1, BPF_REG_6),
		I_LD_MAP(BPF_REG_2, flowgen_jmp_fd),
		I_MOV_IMM(BPF_REG_3, 0),
		I_CALL(BPF_FUNC_tail_call),
		I_MOV_IMM(BPF_REG_0, XDP_DROP),		/* drop: */
		I_EXIT,
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);

	flowgen_ctr_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY,
					"flowgen_ctr", 4, 8, 1, NULL);
	flowgen_jmp_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "flowgen_jmp",
					4, 4, 1, NULL);
	if (flowgen_ctr_fd < 0 || flowgen_jmp_fd < 0)
		return -errno;
	/* The map fds were unknown when the array was initialised. */
	insns[9].imm = flowgen_ctr_fd;
	insns[20].imm = flowgen_jmp_fd;
	flowgen_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xlb_flowgen", "GPL",
				   insns, sizeof(insns) / sizeof(insns[0]),
				   &o);
	return flowgen_fd < 0 ? -errno : 0;
}

/*
 * An otherwise empty program that moves data back by an outer IPv4
 * header, as encapsulation does, and returns XDP_TX: what the grown
 * headroom costs the live-frame harness (the frame's bytes stay as they
 * are, so it is self-restoring too).
 */
static int encap_floor_load(void)
{
	const struct bpf_insn insns[] = {
		I_MOV_IMM(BPF_REG_2, -20),
		I_CALL(BPF_FUNC_xdp_adjust_head),
		I_MOV_IMM(BPF_REG_0, XDP_TX),
		I_EXIT,
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xlb_encap_floor", "GPL",
			     insns, sizeof(insns) / sizeof(insns[0]), &o);
}

/*
 * The LRU insert floor: key the IPv4 TCP frame's 5-tuple as struct
 * xlb_flow_key (bytes 26-29 source, 30-33 destination, 34-37 ports), insert
 * it into lru_fd with backend BE_LIVE2, return XDP_TX.
 */
static int lru_floor_load(int lru_fd)
{
	struct bpf_insn insns[] = {
		I_LDX(BPF_W, BPF_REG_7, BPF_REG_1, 0),	/* data */
		I_LDX(BPF_W, BPF_REG_8, BPF_REG_1, 4),	/* data_end */
		I_MOV_REG(BPF_REG_2, BPF_REG_7),
		I_ALU_IMM(BPF_ADD, BPF_REG_2, 38),
		I_JGT_REG(BPF_REG_2, BPF_REG_8, 25),	/* -> drop */
		/* key at fp-40, value at fp-56, zeroed */
		I_ST(BPF_DW, BPF_REG_10, -40, 0),
		I_ST(BPF_DW, BPF_REG_10, -32, 0),
		I_ST(BPF_DW, BPF_REG_10, -24, 0),
		I_ST(BPF_DW, BPF_REG_10, -16, 0),
		I_ST(BPF_DW, BPF_REG_10, -8, 0),
		I_ST(BPF_DW, BPF_REG_10, -56, 0),
		I_ST(BPF_DW, BPF_REG_10, -48, 0),
		I_LDX(BPF_W, BPF_REG_1, BPF_REG_7, 26),
		I_STX(BPF_W, BPF_REG_10, BPF_REG_1, -40),	/* src[0] */
		I_LDX(BPF_W, BPF_REG_1, BPF_REG_7, 30),
		I_STX(BPF_W, BPF_REG_10, BPF_REG_1, -24),	/* dst[0] */
		I_LDX(BPF_W, BPF_REG_1, BPF_REG_7, 34),
		I_STX(BPF_W, BPF_REG_10, BPF_REG_1, -8),	/* ports */
		/* proto, family (little endian) */
		I_ST(BPF_H, BPF_REG_10, -4, IPPROTO_TCP | XLB_AF_INET << 8),
		I_ST(BPF_W, BPF_REG_10, -56, BE_LIVE2),	/* backend_id */
		I_LD_MAP(BPF_REG_1, lru_fd),
		I_MOV_REG(BPF_REG_2, BPF_REG_10),
		I_ALU_IMM(BPF_ADD, BPF_REG_2, -40),
		I_MOV_REG(BPF_REG_3, BPF_REG_10),
		I_ALU_IMM(BPF_ADD, BPF_REG_3, -56),
		I_MOV_IMM(BPF_REG_4, BPF_ANY),
		I_CALL(BPF_FUNC_map_update_elem),
		I_MOV_IMM(BPF_REG_0, XDP_TX),
		I_EXIT,
		I_MOV_IMM(BPF_REG_0, XDP_DROP),		/* drop: */
		I_EXIT,
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_XDP);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xlb_lru_floor", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &o);
}

static int flowgen_target(int prog_fd)
{
	__u32 zero = 0;

	return bpf_map_update_elem(flowgen_jmp_fd, &zero, &prog_fd, BPF_ANY);
}

/* Current flow generator count (single CPU: the bench is pinned). */
static __u64 flowgen_count(void)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u64 v[ncpu], sum = 0;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(flowgen_ctr_fd, &zero, v))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* Are the flows of generator counts [c - n, c) in map fd (conntrack, or
 * the LRU floor's map)? */
static int flowgen_check(int fd, const __u8 *tmpl, __u64 c, int n)
{
	struct xlb_flow_key k = {};
	struct xlb_flow f;
	__u8 fr[256];
	int i;

	for (i = 1; i <= n; i++) {
		__u64 v = c - i + 1;

		memcpy(fr, tmpl, tmpl_len);
		memcpy(fr + 34, &v, 2);	/* as the program stores */
		fr[29] = v >> 16;
		memcpy(&k.src[0], fr + 26, 4);
		memcpy(&k.dst[0], fr + 30, 4);
		memcpy(&k.sport, fr + 34, 2);
		memcpy(&k.dport, fr + 36, 2);
		k.proto = IPPROTO_TCP;
		k.family = XLB_AF_INET;
		if (bpf_map_lookup_elem(fd, &k, &f) ||
		    f.backend_id != BE_LIVE2)
			return -ENOENT;
	}
	return 0;
}

/*
 * Pick the LB's MAC so that the outer header of the live established
 * frame, bytes 6..19, equals the frame's own Ethernet header: dst MAC =
 * frag_off (DF), TTL, protocol 4, checksum; src MAC = the encapsulation
 * source and the first half of the backend address; ethertype = its
 * second half (08 00). The client frame carries that src MAC.
 */
static int self_restoring_setup(size_t inner_len)
{
	__u8 h[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, XLB_OUTER_TTL, 4 };
	__be32 a[4];
	__u16 c;
	char cmd[128];

	h[2] = (inner_len + 20) >> 8;
	h[3] = inner_len + 20;
	fx_addr(FX_ENCAP_SRC4, a);
	memcpy(h + 12, a, 4);
	fx_addr(BE_LIVE_ADDR, a);
	memcpy(h + 16, a, 4);
	c = fx_csum(h, 20, 0);
	h[10] = c >> 8;
	h[11] = c;
	memcpy(lb_mac, h + 6, 6);
	snprintf(cmd, sizeof(cmd), "ip link set " FX_IF_LB
		 " address %02x:%02x:%02x:%02x:%02x:%02x", lb_mac[0],
		 lb_mac[1], lb_mac[2], lb_mac[3], lb_mac[4], lb_mac[5]);
	if (fx_sh(cmd) ||
	    fx_sh("ip route add 198.18.8.0/24 dev " FX_IF_LB) ||
	    fx_sh("ip neigh replace " BE_LIVE_ADDR " lladdr 02:00:00:00:03:00"
		  " dev " FX_IF_LB " nud permanent"))
		return -EIO;
	return 0;
}

/* Does one run leave the original frame where it found it? */
static int self_restoring_check(const __u8 *f)
{
	static struct fx_run r;

	fx_run(xlb_fd, f, tmpl_len, &r);
	if (r.err || r.ret != XDP_TX || r.out_len != tmpl_len + 20 ||
	    memcmp(r.out + 20, f, tmpl_len)) {
		fprintf(stderr, "bench_xdp: frame is not self-restoring\n");
		return -EPROTO;
	}
	return 0;
}

static void frame_set_macs(__u8 *f, const __u8 *src_mac)
{
	memcpy(f, lb_mac, 6);
	memcpy(f + 6, src_mac, 6);
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
		err = fx_backend_set(skel, BE_LIVE2, 2, BE_LIVE_ADDR,
				     XLB_BE_F_VALID);
	if (!err) {
		__u32 id = BE_LIVE2;

		err = fx_ring_set(skel, 2, &id, 1, XLB_RING_SIZE_DEFAULT);
	}
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

/* ~1M established flows into conntrack (or a map like it, fd), each on
 * the backend the table gives it; flow 0 (the live established flow) on
 * BE_LIVE. */
static int fill_flows(int fd)
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
	for (i = 0; i < NFLOWS && !err; i += chunk) {
		for (j = 0; j < chunk; j++) {
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
			vals[j].backend_id = 1 +
				xlb_hash_flow(k, FX_HASH_SEED) %
				XLB_RING_SIZE_DEFAULT % NBACKENDS;
			if (i + j == 0)
				vals[j].backend_id = BE_LIVE;
			vals[j].vip_id = 1;
			vals[j].atime_ns = now;
		}
		n = chunk;
		err = bpf_map_update_batch(fd, keys, vals, &n, NULL);
		if (err)
			err = -errno;
	}
out:
	free(keys);
	free(vals);
	return err;
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
		memcpy(f, tmpl_ack, tmpl_len);
		flow_client(bench_rng(&rng_state) % NFLOWS, &saddr,
			    &sport);
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

/* Check that counter idx (and idx2) grew by exactly n, the rest not. */
static int check_path(const char *name, const __u64 *before, int idx,
		      int idx2, __u64 n)
{
	__u64 after[XLB_STAT_MAX];
	int i;

	if (idx < 0)
		return 0;
	fx_stats(skel, after);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		__u64 want = (i == idx || i == idx2) ? n : 0;

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

/* Method 2: median over RUNS of the median of BATCH single runs. */
static int bench_single(const char *name, enum path p, int fd,
			const __u8 *fixed, __u32 want_ret, int idx, int idx2,
			double *ns)
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
	err = check_path(name, before, idx, idx2, (__u64)RUNS * BATCH);
	if (err)
		return err;
	*ns = bench_median(med, RUNS);
	report(name, *ns);
	return 0;
}

/* Methods 1 and 3: the kernel's average over one run of repeat
 * iterations, live or not; median of RUNS such runs. */
static int bench_repeat(const char *name, int fd, const __u8 *f, int live,
			__u32 repeat, int idx, int idx2, double *ns)
{
	struct xdp_md ctx = {
		.data_end = tmpl_len,
		.ingress_ifindex = fx_ifindex_lb,
	};
	__u64 before[XLB_STAT_MAX];
	double v[RUNS];
	int i, err;

	fx_stats(skel, before);
	for (i = 0; i < RUNS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			    .data_in = f,
			    .data_size_in = tmpl_len,
			    .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .repeat = repeat,
			    .flags = live ? BPF_F_TEST_XDP_LIVE_FRAMES : 0);

		if (bpf_prog_test_run_opts(fd, &o)) {
			err = -errno;
			fprintf(stderr, "bench_xdp: %s: %s\n", name,
				strerror(-err));
			return err;
		}
		v[i] = o.duration;
	}
	err = check_path(name, before, idx, idx2, (__u64)RUNS * repeat);
	if (err)
		return err;
	*ns = bench_median(v, RUNS);
	report(name, *ns);
	return 0;
}

/*
 * xdp_lru_insert_floor_ns: the flow generator tail-calling the LRU floor
 * program, whose map is made like conntrack and filled alike. The map
 * (half a GB at 4M flows) lives only for this figure.
 */
static int bench_lru_floor(double *ns)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo,
		    .map_flags = bpf_map__map_flags(skel->maps.xlb_conntrack));
	int lru_fd, prog_fd = -1, err;

	lru_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "xlb_lru_floor",
				sizeof(struct xlb_flow_key),
				sizeof(struct xlb_flow),
				bpf_map__max_entries(skel->maps.xlb_conntrack),
				&mo);
	if (lru_fd < 0)
		return -errno;
	err = fill_flows(lru_fd);
	if (!err) {
		prog_fd = lru_floor_load(lru_fd);
		if (prog_fd < 0)
			err = -errno;
	}
	if (!err)
		err = flowgen_target(prog_fd);
	if (!err)
		err = bench_repeat("xdp_lru_insert_floor_ns", flowgen_fd,
				   tmpl_syn2, 1, LIVE_REPEAT_NEW, -1, -1, ns);
	if (!err && flowgen_check(lru_fd, tmpl_syn2, flowgen_count(), 16)) {
		fprintf(stderr, "bench_xdp: LRU floor: flows not in its map\n");
		err = -EPROTO;
	}
	if (prog_fd >= 0)
		close(prog_fd);
	close(lru_fd);
	return err;
}

/* A fresh too-big reply window on this CPU (the bench runs on CPU 0). */
static void icmp_window_reset(void)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct xlb_rate r[ncpu];
	__u32 idx = XLB_RATE_ICMP;

	memset(r, 0, sizeof(r));
	for (i = 0; i < ncpu; i++)
		r[i].window_ns = fx_now_coarse();
	bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_rates), &idx, r,
			    BPF_ANY);
}

/* VIPs 3 and 4 and their backends, and one packet of each flow so the
 * timed runs find it in conntrack. */
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

int main(void)
{
	double floor_ns, tx_floor, est, pass, sfloor, sest, cold, nf, miss;
	double pfloor, ppass, spass, gen_floor, snf, smiss, encap_floor;
	double gue, l2, toobig, lru_floor;
	size_t big_len;
	struct fx_pkt p = { "198.19.0.0", VIP_ADDR, 10000, VIP_PORT,
			    IPPROTO_TCP, 0x10, .payload = 64,
			    .dmac = lb_mac };
	struct xlb_config cfg;
	__u8 src_mac[6];
	cpu_set_t cpus;
	__u32 zero = 0;
	int err;

	/* One CPU: per-CPU next-hop cache and counters stay warm and the
	 * runs do not migrate mid-batch. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	err = fx_net_setup();
	if (!err)
		err = self_restoring_setup(20 + 20 + 64);
	if (err) {
		fprintf(stderr, "bench_xdp: network namespace: %s\n",
			strerror(-err));
		return 1;
	}
	skel = xlb_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench_xdp: load xlb: %s\n", strerror(errno));
		return 1;
	}
	xlb_fd = bpf_program__fd(skel->progs.xlb_main);
	floor_pass_fd = xdp_prog(XDP_PASS);
	floor_tx_fd = xdp_prog(XDP_TX);
	peer_fd = xdp_prog(XDP_DROP);
	encap_floor_fd = encap_floor_load();
	if (floor_pass_fd < 0 || floor_tx_fd < 0 || peer_fd < 0 ||
	    encap_floor_fd < 0) {
		fprintf(stderr, "bench_xdp: load empty programs: %s\n",
			strerror(errno));
		return 1;
	}
	/* Frames sent into a veth are only accepted when the peer runs XDP. */
	err = bpf_xdp_attach(if_nametoindex(FX_IF_LB_PEER), peer_fd, 0, NULL);
	if (!err)
		err = fx_cfg_set(skel, XLB_CFG_F_ENABLED,
				 XLB_UDP_TIMEOUT_NS_DEFAULT);
	if (!err)
		err = bpf_map_lookup_elem(bpf_map__fd(skel->maps.xlb_cfg),
					  &zero, &cfg);
	if (!err) {
		memcpy(cfg.if_mac, lb_mac, 6);
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_cfg),
					  &zero, &cfg, BPF_ANY);
	}
	if (!err)
		err = fx_vip_add(skel, 1, VIP_ADDR, IPPROTO_TCP, VIP_PORT, 0,
				 XLB_RING_SIZE_DEFAULT, XLB_MODE_IPIP);
	if (!err)
		err = fx_vip_add(skel, 2, VIP_ADDR, IPPROTO_TCP, VIP2_PORT, 0,
				 XLB_RING_SIZE_DEFAULT, XLB_MODE_IPIP);
	if (!err)
		err = setup_backends();
	if (!err)
		err = setup_modes();
	if (!err)
		err = flowgen_load();
	if (!err)
		err = fill_flows(bpf_map__fd(skel->maps.xlb_conntrack));
	if (err) {
		fprintf(stderr, "bench_xdp: fill maps: %s\n", strerror(-err));
		return 1;
	}

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
	/* The src MAC of self_restoring_setup(): encapsulation source, then
	 * the first half of the backend address. */
	{
		__be32 a[4];

		fx_addr(FX_ENCAP_SRC4, a);
		memcpy(src_mac, a, 4);
		fx_addr(BE_LIVE_ADDR, a);
		memcpy(src_mac + 4, a, 2);
	}
	frame_set_macs(tmpl_ack, src_mac);
	frame_set_macs(tmpl_syn, src_mac);
	frame_set_macs(tmpl_pass, src_mac);
	frame_set_macs(tmpl_syn2, src_mac);
	frame_set_macs(tmpl_ack2, src_mac);
	frame_set_macs(tmpl_gue, src_mac);
	frame_set_macs(tmpl_l2, src_mac);
	frame_set_macs(tmpl_big, src_mac);
	if (warm(tmpl_gue, tmpl_len, XDP_TX) ||
	    warm(tmpl_l2, tmpl_len, XDP_TX) ||
	    warm(tmpl_big, big_len, XDP_TX)) {
		fprintf(stderr, "bench_xdp: GUE, L2 or too-big frame not "
			"forwarded as expected\n");
		return 1;
	}

	/* Method 1: live frames. */
	err = self_restoring_check(tmpl_ack);
	if (!err)
		err = self_restoring_check(tmpl_syn2);
	if (!err)
		err = bench_repeat("xdp_floor_ns", floor_pass_fd, tmpl_pass, 1,
			   LIVE_REPEAT_PASS, -1, -1, &floor_ns);
	if (!err)
		err = bench_repeat("xdp_pass_ns", xlb_fd, tmpl_pass, 1,
				   LIVE_REPEAT_PASS, XLB_STAT_PASS, -1, &pass);
	if (!err)
		printf("xdp_pass_over_floor %.2f ratio\n", pass / floor_ns);
	if (!err)
		err = bench_repeat("xdp_tx_floor_ns", floor_tx_fd, tmpl_ack, 1,
				   LIVE_REPEAT, -1, -1, &tx_floor);
	if (!err)
		err = bench_repeat("xdp_tx_encap_floor_ns", encap_floor_fd,
				   tmpl_ack, 1, LIVE_REPEAT, -1, -1, &encap_floor);
	if (!err)
		err = bench_repeat("xdp_established_ns", xlb_fd, tmpl_ack, 1,
				   LIVE_REPEAT, XLB_STAT_CT_HIT, XLB_STAT_TX,
				   &est);

	/* Method 3 on paths that insert nothing, before the inserts of
	 * method 2 push pre-filled flows out of the LRU. */
	if (!err)
		err = bench_single("xdp_single_floor_ns", P_FIXED,
				   floor_pass_fd, tmpl_pass, XDP_PASS, -1, -1,
				   &sfloor);
	if (!err)
		err = bench_single("xdp_established_single_ns", P_FIXED,
				   xlb_fd, tmpl_ack, XDP_TX, XLB_STAT_CT_HIT,
				   XLB_STAT_TX, &sest);
	if (!err)
		err = bench_single("xdp_established_cold_single_ns",
				   P_ESTABLISHED_COLD, xlb_fd, NULL, XDP_TX,
				   XLB_STAT_CT_HIT, XLB_STAT_TX, &cold);
	if (!err)
		err = bench_single("xdp_pass_single_ns", P_FIXED, xlb_fd,
				   tmpl_pass, XDP_PASS, XLB_STAT_PASS, -1,
				   &spass);
	if (!err)
		err = bench_single("xdp_gue_ns", P_FIXED, xlb_fd, tmpl_gue,
				   XDP_TX, XLB_STAT_CT_HIT, XLB_STAT_TX, &gue);
	if (!err)
		err = bench_single("xdp_l2_ns", P_FIXED, xlb_fd, tmpl_l2,
				   XDP_TX, XLB_STAT_CT_HIT, XLB_STAT_TX, &l2);
	if (!err) {
		single_len = big_len;
		single_prep = icmp_window_reset;
		err = bench_single("xdp_icmp_toobig_ns", P_FIXED, xlb_fd,
				   tmpl_big, XDP_TX, XLB_STAT_CT_HIT,
				   XLB_STAT_ICMP_SENT, &toobig);
		single_len = 0;
		single_prep = NULL;
	}

	/* Method 2: live frames with fresh tuples. */
	if (!err)
		err = flowgen_target(floor_tx_fd);
	if (!err)
		err = bench_repeat("xdp_flowgen_floor_ns", flowgen_fd,
				   tmpl_syn2, 1, LIVE_REPEAT_NEW, -1, -1,
				   &gen_floor);
	if (!err)
		err = bench_lru_floor(&lru_floor);
	if (!err)
		err = flowgen_target(xlb_fd);
	if (!err)
		err = bench_repeat("xdp_new_flow_ns", flowgen_fd, tmpl_syn2, 1,
				   LIVE_REPEAT_NEW, XLB_STAT_CT_MISS_SYN,
				   XLB_STAT_TX, &nf);
	if (!err && flowgen_check(bpf_map__fd(skel->maps.xlb_conntrack),
				  tmpl_syn2, flowgen_count(), 16)) {
		fprintf(stderr, "bench_xdp: new flows not in conntrack\n");
		err = -EPROTO;
	}
	if (!err)
		err = bench_repeat("xdp_nonsyn_miss_ns", flowgen_fd, tmpl_ack2,
				   1, LIVE_REPEAT_NEW, XLB_STAT_CT_MISS_NONSYN,
				   XLB_STAT_TX, &miss);

	/* Method 3: single runs. */
	if (!err)
		err = bench_single("xdp_new_flow_single_ns", P_NEW_FLOW, xlb_fd,
				   NULL, XDP_TX, XLB_STAT_CT_MISS_SYN,
				   XLB_STAT_TX, &snf);
	if (!err)
		err = bench_single("xdp_nonsyn_miss_single_ns", P_NONSYN_MISS,
				   xlb_fd, NULL, XDP_TX,
				   XLB_STAT_CT_MISS_NONSYN, XLB_STAT_TX,
				   &smiss);
	/* Method 4: the program alone on frames it does not modify. */
	if (!err)
		err = bench_repeat("xdp_floor_prog_ns", floor_pass_fd,
				   tmpl_pass, 0, PROG_REPEAT, -1, -1, &pfloor);
	if (!err)
		err = bench_repeat("xdp_pass_prog_ns", xlb_fd, tmpl_pass, 0,
				   PROG_REPEAT, XLB_STAT_PASS, -1, &ppass);
	if (!err)
		printf("xdp_pass_over_floor_prog %.2f ratio\n", ppass / pfloor);

	bpf_xdp_detach(if_nametoindex(FX_IF_LB_PEER), 0, NULL);
	close(peer_fd);
	close(flowgen_fd);
	close(flowgen_jmp_fd);
	close(flowgen_ctr_fd);
	close(encap_floor_fd);
	close(floor_tx_fd);
	close(floor_pass_fd);
	xlb_bpf__destroy(skel);
	if (err) {
		fprintf(stderr, "bench_xdp: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
