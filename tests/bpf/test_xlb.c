// SPDX-License-Identifier: GPL-2.0
/*
 * xlb's XDP program under BPF_PROG_TEST_RUN: table-driven cases (input
 * frame, verdict, exact output bytes built here independently, exact
 * counter deltas), stateful flow-table cases, truncation at every offset
 * and a bounded fuzz pass. Runs in a private network namespace.
 *
 * The flow table is split by CPU, and BPF_PROG_TEST_RUN runs on the CPU
 * of the calling thread: the thread stays pinned (CPU 0 unless a case
 * says otherwise), so a flow's packets meet their own partition.
 */
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "test.h"
#include "bpf/fixture.h"

/* Table rows name the leading fields and leave the rest zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static struct xlb_bpf *skel;
static int prog_fd;

#define UDP_TIMEOUT_NS	(5ull * 1000000000ull)

/*
 * The flow table's geometry: one partition per possible CPU, 2^14 slots
 * in all (small enough to fill in a fraction of a second), and a fixed
 * seed so that every flow's buckets are known in advance.
 */
#define CT_TEST_SLOTS	(1u << 14)
#define CT_SEED		0x7ab1e5edu

static struct xlb_ct_bucket *ct_tab;	/* xlb_flows, mapped */
static struct xlb_ct_keys *ct_keys_tab;	/* xlb_flow_keys, mapped */
static __u32 ct_nparts, ct_nb;		/* partitions, buckets in each */
static size_t ct_len, ct_keys_len;

/* --- fixture: VIPs and backends ------------------------------------------ */

struct vip_def {
	__u32 id;
	const char *addr;
	__u8 proto;
	__u16 port;
	__u32 flags;
	__u8 mode;
	__u32 ring_size;
	__u32 backends[4];	/* ids; 0 ends the list */
	const char *be_addrs[4];
};

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

static const struct vip_def vips[] = {
	{ 1, "198.18.50.1", TCP, 80, 0, XLB_MODE_IPIP, 7, { 11 },
	  { "198.18.0.10" } },
	{ 2, "198.18.50.1", UDP, 53, 0, XLB_MODE_IPIP, 7, { 21 },
	  { "198.18.0.10" } },
	{ 3, "2001:db8:50::1", TCP, 80, 0, XLB_MODE_IPIP, 7, { 31 },
	  { "2001:db8::10" } },
	{ 4, "2001:db8:50::1", UDP, 53, 0, XLB_MODE_IPIP, 7, { 41 },
	  { "198.18.1.10" } },
	{ 5, "198.18.50.1", TCP, 443, 0, XLB_MODE_IPIP, 7, { 51 },
	  { "2001:db8:1::10" } },
	{ 6, "198.18.50.2", TCP, 80, XLB_VIP_F_STICKY, XLB_MODE_IPIP, 13,
	  { 61, 62, 63, 64 },
	  { "198.18.0.10", "198.18.0.11", "198.18.0.12", "198.18.0.13" } },
	{ 7, "198.18.50.3", TCP, 80, 0, XLB_MODE_IPIP, 7, { 71 },
	  { "198.18.0.50" } },
	{ 8, "198.18.50.3", TCP, 81, 0, XLB_MODE_IPIP, 7, { 81 },
	  { "198.19.200.1" } },
	{ 9, "198.18.50.3", TCP, 82, 0, XLB_MODE_IPIP, 7, { 0 }, { NULL } },
	{ 10, "198.18.50.4", TCP, 80, 0, XLB_MODE_IPIP, 13,
	  { 101, 102, 103, 104 },
	  { "198.18.0.10", "198.18.0.11", "198.18.0.12", "198.18.0.13" } },
	{ 11, "198.18.50.3", TCP, 83, 0, XLB_MODE_GUE, 7, { 111 },
	  { "198.18.0.10" } },
	{ 12, "2001:db8:50::1", TCP, 8080, 0, XLB_MODE_IPIP, 7, { 121 },
	  { "2001:db8:1::10" } },
	{ 13, "198.18.50.1", UDP, 443, 0, XLB_MODE_IPIP, 7, { 131 },
	  { "2001:db8::10" } },
	/* Its backend's route has MTU 1400 (RT_MTU_ADDR, main()). */
	{ 14, "198.18.50.5", TCP, 80, 0, XLB_MODE_IPIP, 7, { 141 },
	  { "198.18.0.14" } },
	{ 15, "2001:db8:50::2", TCP, 80, 0, XLB_MODE_GUE, 7, { 151 },
	  { "2001:db8::10" } },
	{ 16, "198.18.50.6", TCP, 80, 0, XLB_MODE_L2, 7, { 161 },
	  { "198.18.0.12" } },
	{ 17, "198.18.50.6", UDP, 53, 0, XLB_MODE_L2, 7, { 171 },
	  { "198.18.1.10" } },
	{ 18, "2001:db8:50::3", TCP, 80, 0, XLB_MODE_L2, 7, { 181 },
	  { "2001:db8::10" } },
	{ 19, "198.18.50.3", UDP, 83, 0, XLB_MODE_GUE, 7, { 191 },
	  { "2001:db8:1::10" } },
};
#define NVIPS	(sizeof(vips) / sizeof(vips[0]))

/* Backend 12 serves VIP 1 after a ring swap. */
#define BE_SWAP		12
#define BE_SWAP_ADDR	"198.18.0.11"

static int fixture_load(void)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	size_t i, j;
	void *p;

	if (ncpu < 1)
		return ncpu;
	skel = xlb_bpf__open();
	if (!skel)
		return -errno;
	/* The default 4M flows would preallocate 128 MB for nothing. */
	ct_nparts = ncpu;
	ct_nb = CT_TEST_SLOTS / XLB_CT_WAYS / ct_nparts;
	if (!ct_nb)
		ct_nb = 1;
	skel->rodata->ct_parts = ct_nparts;
	skel->rodata->ct_part_buckets = ct_nb;
	skel->rodata->ct_seed = CT_SEED;
	err = bpf_map__set_max_entries(skel->maps.xlb_flows,
				       ct_nparts * ct_nb) ?:
	      bpf_map__set_max_entries(skel->maps.xlb_flow_keys,
				       ct_nparts * ct_nb);
	if (!err)
		err = xlb_bpf__load(skel);
	if (err)
		return err;
	prog_fd = bpf_program__fd(skel->progs.xlb_main);
	/* Read and written in place, as the daemon's scanner does. */
	ct_len = (size_t)ct_nparts * ct_nb * sizeof(*ct_tab);
	ct_len = (ct_len + 4095) & ~(size_t)4095;
	p = mmap(NULL, ct_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(skel->maps.xlb_flows), 0);
	if (p == MAP_FAILED)
		return -errno;
	ct_tab = p;
	ct_keys_len = (size_t)ct_nparts * ct_nb * sizeof(*ct_keys_tab);
	ct_keys_len = (ct_keys_len + 4095) & ~(size_t)4095;
	p = mmap(NULL, ct_keys_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(skel->maps.xlb_flow_keys), 0);
	if (p == MAP_FAILED)
		return -errno;
	ct_keys_tab = p;
	err = fx_cfg_set(skel, XLB_CFG_F_ENABLED, UDP_TIMEOUT_NS);
	for (i = 0; i < NVIPS && !err; i++) {
		const struct vip_def *v = &vips[i];
		__u32 n = 0, zero = 0;

		err = fx_vip_add(skel, v->id, v->addr, v->proto, v->port,
				 v->flags, v->ring_size, v->mode);
		for (j = 0; j < 4 && v->backends[j] && !err; j++, n++)
			err = fx_backend_set(skel, v->backends[j], v->id,
					     v->be_addrs[j], XLB_BE_F_VALID);
		if (!err)
			err = n ? fx_ring_set(skel, v->id, v->backends, n,
					      v->ring_size) :
				  fx_ring_set(skel, v->id, &zero, 1,
					      v->ring_size);
	}
	if (!err)
		err = fx_backend_set(skel, BE_SWAP, 1, BE_SWAP_ADDR,
				     XLB_BE_F_VALID);
	return err;
}

static const struct vip_def *vip_by_id(__u32 id)
{
	size_t i;

	for (i = 0; i < NVIPS; i++)
		if (vips[i].id == id)
			return &vips[i];
	return NULL;
}

static const char *be_addr(__u32 be_id)
{
	size_t i, j;

	if (be_id == BE_SWAP)
		return BE_SWAP_ADDR;
	for (i = 0; i < NVIPS; i++)
		for (j = 0; j < 4; j++)
			if (vips[i].backends[j] == be_id)
				return vips[i].be_addrs[j];
	return NULL;
}

/* --- expected output ---------------------------------------------------- */

static struct xlb_flow_key flow_key(const struct fx_pkt *p)
{
	struct xlb_flow_key k = {};

	fx_addr(p->src, k.src);
	fx_addr(p->dst, k.dst);
	k.sport = htons(p->sport);
	k.dport = htons(p->dport);
	k.proto = p->proto;
	k.family = fx_family(p->dst);
	return k;
}

/*
 * The frame xlb must send for an IP packet (inner_len bytes at in + l2,
 * family inner6) towards backend address be: built field by field from
 * the spec, not by xlb's code. tos, df and id are the inner packet's; k
 * is the flow whose hash labels an IPv6 outer header.
 */
struct inner_desc {
	__u8 mode;		/* XLB_MODE_* of the VIP */
	size_t l2;
	__u16 vlan_tci;
	int inner6;
	size_t inner_len;
	__u8 tos;
	int df;
	__u8 id[2];
	struct xlb_flow_key k;
};

static size_t expect_encap_raw(const __u8 *in, size_t in_len,
			       const struct inner_desc *d, const char *be,
			       __u8 *out)
{
	const struct fx_neigh *n = fx_neigh_find(be);
	int outer6 = fx_family(be) == XLB_AF_INET6;
	int gue = d->mode == XLB_MODE_GUE;
	size_t off = 12, glen = gue ? 12 : 0;
	__u32 hash = xlb_hash_flow(&d->k, FX_HASH_SEED);
	__be32 src[4], dst[4];
	__u8 *h;

	if (!n)
		return 0;
	memcpy(out, n->mac, 6);
	memcpy(out + 6, strcmp(n->dev, FX_IF_LB) ? fx_far_mac : fx_lb_mac, 6);
	if (d->mode == XLB_MODE_L2) {
		/* Direct routing: only the MAC addresses change. */
		memcpy(out + 12, in + 12, in_len - 12);
		return in_len;
	}
	if (d->vlan_tci) {
		out[off++] = 0x81;
		out[off++] = 0x00;
		out[off++] = d->vlan_tci >> 8;
		out[off++] = d->vlan_tci;
	}
	out[off++] = outer6 ? 0x86 : 0x08;
	out[off++] = outer6 ? 0xdd : 0x00;
	h = out + off;
	fx_addr(be, dst);
	if (!outer6) {
		size_t tot = d->inner_len + 20 + glen;

		fx_addr(FX_ENCAP_SRC4, src);
		h[0] = 0x45;
		h[1] = d->tos;
		h[2] = tot >> 8;
		h[3] = tot;
		h[4] = d->inner6 ? 0 : d->id[0];	/* inner id copied */
		h[5] = d->inner6 ? 0 : d->id[1];
		h[6] = d->df ? 0x40 : 0;
		h[7] = 0;
		h[8] = 64;
		h[9] = gue ? 17 : d->inner6 ? 41 : 4;
		h[10] = h[11] = 0;
		memcpy(h + 12, src, 4);
		memcpy(h + 16, dst, 4);
		{
			__u16 c = fx_csum(h, 20, 0);

			h[10] = c >> 8;
			h[11] = c;
		}
		off += 20;
	} else {
		__u32 label = xlb_hash_flow(&d->k, FX_HASH_SEED) & 0xfffff;

		fx_addr(FX_ENCAP_SRC6, src);
		h[0] = 0x60 | d->tos >> 4;
		h[1] = (d->tos & 0x0f) << 4 | label >> 16;
		h[2] = label >> 8;
		h[3] = label;
		h[4] = (d->inner_len + glen) >> 8;
		h[5] = d->inner_len + glen;
		h[6] = gue ? 17 : d->inner6 ? 41 : 4;
		h[7] = 64;
		memcpy(h + 8, src, 16);
		memcpy(h + 24, dst, 16);
		off += 40;
	}
	if (gue) {
		/* UDP: source from the flow hash, GUE port, no checksum;
		 * GUE variant 0: Proto/ctype = the inner protocol. */
		__u16 sport = 0xc000 | (hash & 0x3fff);
		size_t ulen = d->inner_len + 12;

		h = out + off;
		h[0] = sport >> 8;
		h[1] = sport;
		h[2] = XLB_GUE_PORT_DEFAULT >> 8;
		h[3] = XLB_GUE_PORT_DEFAULT & 0xff;
		h[4] = ulen >> 8;
		h[5] = ulen;
		h[6] = h[7] = 0;
		h[8] = 0;
		h[9] = d->inner6 ? 41 : 4;
		h[10] = h[11] = 0;
		off += 12;
	}
	memcpy(out + off, in + d->l2, in_len - d->l2);
	return off + in_len - d->l2;
}

static size_t expect_encap(const __u8 *in, size_t in_len,
			   const struct fx_pkt *p, const char *be, __u8 mode,
			   __u8 *out)
{
	int inner6 = fx_family(p->dst) == XLB_AF_INET6;
	size_t l4_len = (p->proto == IPPROTO_TCP ? 20 : 8) + p->payload;
	struct inner_desc d = {
		.mode = mode,
		.l2 = p->vlan_tci ? 18 : 14,
		.vlan_tci = p->vlan_tci,
		.inner6 = inner6,
		.tos = p->tos,
		.df = inner6 || !p->no_df,
		.id = { 0x12, 0x34 },
		.k = flow_key(p),
	};

	/* The IP packet, not the frame: Ethernet padding follows it. */
	d.inner_len = inner6 ? 40 + p->ext_hdrs * 8 +
			       (p->frag_off ? 8 : 0) + l4_len :
			       20 + p->ip_opts + l4_len;
	return expect_encap_raw(in, in_len, &d, be, out);
}

/*
 * The "fragmentation needed" or "packet too big" reply to frame in, from
 * RFC 792 and RFC 4443: Ethernet addresses swapped, from the VIP to the
 * client, 128 bytes of the original IP packet quoted.
 */
#define ICMP_QUOTE	128

static size_t expect_icmp(const __u8 *in, const struct fx_pkt *p,
			  __u32 mtu, __u8 *out)
{
	int v6 = fx_family(p->dst) == XLB_AF_INET6;
	size_t l2 = p->vlan_tci ? 18 : 14, hl = v6 ? 40 : 20;
	__u8 *ip = out + l2, *icmp = ip + hl;
	__be32 src[4], dst[4];
	__u32 sum = 0;
	__u16 c;
	size_t i;

	fx_addr(p->dst, src);	/* the reply comes from the VIP */
	fx_addr(p->src, dst);
	memcpy(out, fx_client_mac, 6);
	memcpy(out + 6, fx_lb_mac, 6);
	if (p->vlan_tci) {
		out[12] = 0x81;
		out[13] = 0x00;
		out[14] = p->vlan_tci >> 8;
		out[15] = p->vlan_tci;
	}
	out[l2 - 2] = v6 ? 0x86 : 0x08;
	out[l2 - 1] = v6 ? 0xdd : 0x00;
	memset(ip, 0, hl + 8);
	memcpy(icmp + 8, in + l2, ICMP_QUOTE);
	if (!v6) {
		size_t tot = 20 + 8 + ICMP_QUOTE;

		ip[0] = 0x45;
		ip[1] = 0xc0;
		ip[2] = tot >> 8;
		ip[3] = tot;
		ip[8] = 64;
		ip[9] = 1;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		c = fx_csum(ip, 20, 0);
		ip[10] = c >> 8;
		ip[11] = c;
		icmp[0] = 3;
		icmp[1] = 4;
		icmp[6] = mtu >> 8;
		icmp[7] = mtu;
	} else {
		size_t plen = 8 + ICMP_QUOTE;

		ip[0] = 0x60;
		ip[4] = plen >> 8;
		ip[5] = plen;
		ip[6] = 58;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		icmp[0] = 2;
		icmp[4] = mtu >> 24;
		icmp[5] = mtu >> 16;
		icmp[6] = mtu >> 8;
		icmp[7] = mtu;
		for (i = 0; i < 32; i += 2)
			sum += ip[8 + i] << 8 | ip[8 + i + 1];
		sum += plen + 58;
	}
	c = fx_csum(icmp, 8 + ICMP_QUOTE, sum);
	icmp[2] = c >> 8;
	icmp[3] = c;
	return l2 + hl + 8 + ICMP_QUOTE;
}

/* --- one step: run, check verdict, bytes and counters -------------------- */

#define S_END	-1

struct step {
	const struct fx_pkt *pkt;
	void (*mutate)(__u8 *buf, size_t *len);
	__u32 verdict;
	__u32 vip_id;		/* forwarded: counters of this VIP */
	__u32 be_id;		/* forwarded: to this backend */
	int stats[4];		/* xlb_stats indices that grow by one */
	int new_flow;		/* forwarded: backend new_flows + 1 */
	__u32 icmp_mtu;		/* XDP_TX of a too-big reply with this MTU */
};

static void check_stats(const __u64 *before, const __u64 *after,
			const int *exp)
{
	__u64 want[XLB_STAT_MAX] = {};
	int i;

	for (i = 0; i < 4 && exp[i] != S_END; i++)
		want[exp[i]]++;
	for (i = 0; i < XLB_STAT_MAX; i++)
		if (!CHECK(after[i] - before[i] == want[i],
			   "xlb_stats[%d] grew by %llu, expected %llu", i,
			   (unsigned long long)(after[i] - before[i]),
			   (unsigned long long)want[i]))
			break;
}

static struct fx_run run;
static __u8 inbuf[4096], expbuf[4096];

static void do_step(const struct step *s)
{
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	__u64 bbefore[XLB_STAT_MAX], bafter[XLB_STAT_MAX];
	struct xlb_ctr vb = {}, va = {}, bb = {}, ba = {};
	size_t len = fx_build(s->pkt, inbuf);

	if (s->mutate)
		s->mutate(inbuf, &len);
	fx_stats(skel, before);
	fx_stats_bytes(skel, bbefore);
	if (s->vip_id) {
		vb = fx_ctr(skel->maps.xlb_vip_stats, s->vip_id);
		bb = fx_ctr(skel->maps.xlb_backend_stats, s->be_id);
	}
	fx_run(prog_fd, inbuf, len, &run);
	fx_stats(skel, after);
	fx_stats_bytes(skel, bafter);
	CHECK_EQ(run.err, 0);
	CHECK_EQ(run.ret, s->verdict);
	check_stats(before, after, s->stats);
	/* Byte counters count the frame as it arrived. */
	{
		int i;

		for (i = 0; i < 4 && s->stats[i] != S_END; i++)
			CHECK_EQ(bafter[s->stats[i]] - bbefore[s->stats[i]],
				 len);
	}

	if (s->verdict == XDP_PASS) {
		CHECK_EQ(run.out_len, len);
		CHECK_MEM(run.out, inbuf, len);
	}
	if (s->icmp_mtu) {
		size_t elen = expect_icmp(inbuf, s->pkt, s->icmp_mtu, expbuf);

		CHECK_EQ(run.out_len, elen);
		CHECK_MEM(run.out, expbuf, elen < run.out_len ? elen :
			  run.out_len);
		/* Independently: both checksums verify. */
		if (run.out_len == elen) {
			size_t l2 = s->pkt->vlan_tci ? 18 : 14;

			if (fx_family(s->pkt->dst) == XLB_AF_INET) {
				CHECK_EQ(fx_csum(run.out + l2, 20, 0), 0);
				CHECK_EQ(fx_csum(run.out + l2 + 20,
						 8 + ICMP_QUOTE, 0), 0);
			}
		}
	} else if (s->verdict == XDP_TX || s->verdict == XDP_REDIRECT) {
		const struct vip_def *vd = vip_by_id(s->vip_id);
		size_t elen = expect_encap(inbuf, len, s->pkt,
					   be_addr(s->be_id),
					   vd ? vd->mode : XLB_MODE_IPIP,
					   expbuf);

		CHECK(elen, "backend %u has no known neighbour", s->be_id);
		CHECK_EQ(run.out_len, elen);
		CHECK_MEM(run.out, expbuf, elen < run.out_len ? elen :
			  run.out_len);
		va = fx_ctr(skel->maps.xlb_vip_stats, s->vip_id);
		ba = fx_ctr(skel->maps.xlb_backend_stats, s->be_id);
		CHECK_EQ(va.packets - vb.packets, 1);
		CHECK_EQ(va.bytes - vb.bytes, len);
		CHECK_EQ(ba.packets - bb.packets, 1);
		CHECK_EQ(ba.bytes - bb.bytes, len);
		CHECK_EQ(ba.new_flows - bb.new_flows, s->new_flow);
		/* A re-pick moves a flow the VIP already counted. */
		CHECK_EQ(va.new_flows - vb.new_flows,
			 s->new_flow && s->stats[0] != XLB_STAT_CT_REPICK);
	}
}

/* Independent check of the outer IPv4 checksum of a forwarded frame. */
static void check_outer_csum(void)
{
	size_t l2 = run.out[12] == 0x81 ? 18 : 14;

	if (run.out[l2 - 2] == 0x08)
		CHECK_EQ(fx_csum(run.out + l2, 20, 0), 0);
}

/* --- table-driven cases ------------------------------------------------- */

#define C4	"198.18.100.1"
#define C6	"2001:db8:100::1"
#define V4	"198.18.50.1"
#define V6	"2001:db8:50::1"

static const __u8 other_mac[6] = { 2, 0, 0, 0, 0, 0x99 };
static const __u8 bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void mut_arp(__u8 *b, size_t *len)
{
	(void)len;
	b[12] = 0x08;
	b[13] = 0x06;
}

static void mut_ihl4(__u8 *b, size_t *len)
{
	(void)len;
	b[14] = 0x44;
}

static void mut_version(__u8 *b, size_t *len)
{
	(void)len;
	b[14] = 0x55;
}

static void mut_totlen_long(__u8 *b, size_t *len)
{
	size_t tot = *len - 14 + 1;

	b[16] = tot >> 8;
	b[17] = tot;
}

static void mut_totlen_short(__u8 *b, size_t *len)
{
	(void)len;
	b[16] = 0;
	b[17] = 19;
}

static void mut_doff4(__u8 *b, size_t *len)
{
	(void)len;
	b[14 + 20 + 12] = 0x40;
}

static void mut_doff_big(__u8 *b, size_t *len)
{
	(void)len;
	b[14 + 20 + 12] = 0xf0;	/* 60 bytes, but only 20 + payload */
}

static void mut_udp_len7(__u8 *b, size_t *len)
{
	(void)len;
	b[14 + 20 + 4] = 0;
	b[14 + 20 + 5] = 7;
}

static void mut_v6_version(__u8 *b, size_t *len)
{
	(void)len;
	b[14] = 0x40 | (b[14] & 0x0f);
}

static void mut_v6_plen_long(__u8 *b, size_t *len)
{
	size_t plen = *len - 14 - 40 + 1;

	b[18] = plen >> 8;
	b[19] = plen;
}

/* Three option headers become hop-by-hop, routing, destination. */
static void mut_ext_chain(__u8 *b, size_t *len)
{
	(void)len;
	b[14 + 6] = 0;		/* IPv6 next header: hop-by-hop */
	b[14 + 40] = 43;	/* hop-by-hop -> routing */
	b[14 + 48] = 60;	/* routing -> destination options */
}

static void mut_pad60(__u8 *b, size_t *len)
{
	/* Ethernet pads short frames; the tail is not part of the packet */
	memset(b + *len, 0, 60 - *len);
	*len = 60;
}

static void mut_ipid(__u8 *b, size_t *len)
{
	(void)len;
	b[14 + 4] = 0x99;
}

static void mut_udp_len_big(__u8 *b, size_t *len)
{
	(void)len;
	b[14 + 20 + 4] = 0x05;	/* 1480: the whole datagram */
	b[14 + 20 + 5] = 0xc8;
}

static void mut_v6_fragid(__u8 *b, size_t *len)
{
	(void)len;
	b[14 + 40 + 7] = 0x55;
}

static void mut_short_ip(__u8 *b, size_t *len)
{
	(void)b;
	*len = 14 + 19;
}

#define PKT(...) (&(const struct fx_pkt){ __VA_ARGS__ })
#define TF_SYN	0x02
#define TF_ACK	0x10
#define TF_FIN	0x01
#define TF_RST	0x04
#define ST(...)	{ __VA_ARGS__, S_END }

struct tcase {
	const char *name;
	struct step s;
	int check_csum;
};

static const struct tcase cases[] = {
	{ "4in4 TCP SYN: new flow, XDP_TX with exact encapsulation",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN, .payload = 10), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 1 },
	{ "4in4 TCP ACK of that flow: flow-table hit",
	  { PKT(C4, V4, 40000, 80, TCP, TF_ACK, .payload = 100), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_CT_HIT, XLB_STAT_TX), 0 }, 1 },
	{ "4in4 UDP: new flow",
	  { PKT(C4, V4, 5353, 53, UDP, .payload = 33), NULL,
	    XDP_TX, 2, 21, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 1 },
	{ "6in6 TCP SYN: XDP_TX",
	  { PKT(C6, V6, 40000, 80, TCP, TF_SYN, .payload = 5), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 0 },
	{ "6in6 TCP with traffic class 0xb8: copied to outer",
	  { PKT(C6, V6, 40001, 80, TCP, TF_ACK, .tos = 0xb8), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_NONSYN, XLB_STAT_TX), 1 },
	  0 },
	{ "6in6 to a backend behind another interface: redirect",
	  { PKT(C6, V6, 40000, 8080, TCP, TF_SYN), NULL,
	    XDP_REDIRECT, 12, 121, ST(XLB_STAT_CT_MISS_SYN,
				      XLB_STAT_REDIRECT), 1 }, 0 },
	{ "6in4 UDP: redirect to the other interface",
	  { PKT(C6, V6, 5353, 53, UDP, .payload = 20, .tos = 0x28), NULL,
	    XDP_REDIRECT, 4, 41, ST(XLB_STAT_CT_MISS_SYN,
				    XLB_STAT_REDIRECT), 1 }, 1 },
	{ "4in6 TCP SYN: redirect",
	  { PKT(C4, V4, 40000, 443, TCP, TF_SYN, .tos = 0x10), NULL,
	    XDP_REDIRECT, 5, 51, ST(XLB_STAT_CT_MISS_SYN,
				    XLB_STAT_REDIRECT), 1 }, 0 },
	{ "4in6 UDP: XDP_TX",
	  { PKT(C4, V4, 6000, 443, UDP, .payload = 64, .no_df = 1), NULL,
	    XDP_TX, 13, 131, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  0 },
	{ "4in4 with TOS 0xb8 and no DF: TOS copied, DF clear, id kept",
	  { PKT(C4, V4, 40002, 80, TCP, TF_SYN, .tos = 0xb8, .no_df = 1),
	    NULL, XDP_TX, 1, 11, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  1 },
	{ "VLAN-tagged 4in4: tag kept",
	  { PKT(C4, V4, 40003, 80, TCP, TF_SYN, .vlan_tci = 0x2064), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 1 },
	{ "VLAN-tagged 6in6: tag kept",
	  { PKT(C6, V6, 40003, 80, TCP, TF_SYN, .vlan_tci = 7), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 0 },
	{ "IPv4 with 8 option bytes: forwarded whole",
	  { PKT(C4, V4, 40004, 80, TCP, TF_SYN, .ip_opts = 8), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 1 },
	{ "IPv6 with 3 destination-option headers: forwarded",
	  { PKT(C6, V6, 40005, 80, TCP, TF_SYN, .ext_hdrs = 3), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 0 },
	{ "IPv6 hop-by-hop, routing and destination headers: forwarded",
	  { PKT(C6, V6, 40012, 80, TCP, TF_SYN, .ext_hdrs = 3), mut_ext_chain,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 0 },
	{ "IPv6 with 4 extension headers (the most walked): forwarded",
	  { PKT(C6, V6, 40006, 80, TCP, TF_SYN, .ext_hdrs = 4), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 0 },
	{ "IPv6 with 5 extension headers to a VIP: parse drop",
	  { PKT(C6, V6, 40007, 80, TCP, TF_SYN, .ext_hdrs = 5), NULL,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "Ethernet-padded 60-byte UDP frame: padding carried, length from IP",
	  { PKT(C4, V4, 5354, 53, UDP, .payload = 2), mut_pad60,
	    XDP_TX, 2, 21, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 1 },
	{ "inner packet of 1480 bytes fits the 1500 MTU",
	  { PKT(C4, V4, 40008, 80, TCP, TF_SYN, .payload = 1440), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 1 },
	{ "inner packet of 1481 bytes: fragmentation needed, MTU 1480",
	  { PKT(C4, V4, 40009, 80, TCP, TF_SYN, .payload = 1441), NULL,
	    XDP_TX, 0, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_ICMP_SENT), 0,
	    1480 }, 0 },
	{ "VLAN-tagged too big: fragmentation needed keeps the tag",
	  { PKT(C4, V4, 40013, 80, TCP, TF_ACK, .payload = 1460,
		.vlan_tci = 0x2064), NULL,
	    XDP_TX, 0, 0, ST(XLB_STAT_CT_MISS_NONSYN, XLB_STAT_ICMP_SENT), 0,
	    1480 }, 0 },
	{ "too big with DF clear: forwarded, outer DF clear, counted",
	  { PKT(C4, V4, 40014, 80, TCP, TF_SYN, .payload = 1441,
		.no_df = 1), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TOO_BIG_FWD,
			      XLB_STAT_TX), 1 }, 1 },
	{ "route MTU 1400 learned from the FIB: 1380 bytes fit",
	  { PKT(C4, "198.18.50.5", 40015, 80, TCP, TF_SYN, .payload = 1340),
	    NULL, XDP_TX, 14, 141, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  1 },
	{ "route MTU 1400: 1381 bytes, fragmentation needed with MTU 1380",
	  { PKT(C4, "198.18.50.5", 40016, 80, TCP, TF_SYN, .payload = 1341),
	    NULL, XDP_TX, 0, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_ICMP_SENT),
	    0, 1380 }, 0 },
	{ "IPv6 inner of 1460 bytes to an IPv6 backend fits",
	  { PKT(C6, V6, 40010, 80, TCP, TF_SYN, .payload = 1400), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 0 },
	{ "IPv6 inner of 1461 bytes to an IPv6 backend: packet too big 1460",
	  { PKT(C6, V6, 40011, 80, TCP, TF_SYN, .payload = 1401), NULL,
	    XDP_TX, 0, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_ICMP_SENT), 0,
	    1460 }, 0 },
	{ "VLAN-tagged IPv6 too big: packet too big keeps the tag",
	  { PKT(C6, V6, 40013, 80, TCP, TF_SYN, .payload = 1500,
		.vlan_tci = 7), NULL,
	    XDP_TX, 0, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_ICMP_SENT), 0,
	    1460 }, 0 },
	{ "non-VIP IPv4 passes untouched",
	  { PKT(C4, "198.18.0.1", 40000, 22, TCP, TF_SYN), NULL,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "non-VIP IPv6 passes untouched",
	  { PKT(C6, "2001:db8::1", 40000, 22, TCP, TF_SYN), NULL,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "VIP address, unserved port: firewall drop",
	  { PKT(C4, V4, 40000, 81, TCP, TF_SYN), NULL,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_FIREWALL) }, 0 },
	{ "VIP address, unserved protocol: firewall drop",
	  { PKT(C4, V4, 40000, 80, UDP), NULL,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_FIREWALL) }, 0 },
	{ "IPv6 VIP address, unserved port: firewall drop",
	  { PKT(C6, V6, 40000, 22, TCP, TF_SYN), NULL,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_FIREWALL) }, 0 },
	{ "ICMP to a VIP address passes",
	  { PKT(C4, V4, 0x0800, 0, IPPROTO_ICMP), NULL,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "frame for another MAC passes (OTHERHOST)",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN, .dmac = other_mac), NULL,
	    XDP_PASS, 0, 0, ST(XLB_STAT_OTHERHOST) }, 0 },
	{ "broadcast frame passes",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN, .dmac = bcast_mac), NULL,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "non-IP ethertype passes",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN), mut_arp,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "IPv4 first fragment (MF) to a VIP: steered by its 5-tuple",
	  { PKT(C4, V4, 40020, 80, TCP, TF_ACK, .frag_off = 0x2000,
		.no_df = 1), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_CT_MISS_NONSYN, XLB_STAT_FRAGMENT,
			      XLB_STAT_TX), 1 }, 1 },
	{ "IPv4 later fragment of that datagram: follows the first",
	  { PKT(C4, V4, 40020, 80, TCP, TF_ACK, .frag_off = 185,
		.no_df = 1), NULL,
	    XDP_TX, 1, 11, ST(XLB_STAT_FRAGMENT, XLB_STAT_TX), 0 }, 1 },
	{ "IPv4 later fragment, first one unseen (other id): dropped",
	  { PKT(C4, V4, 40020, 80, TCP, TF_ACK, .frag_off = 185,
		.no_df = 1), mut_ipid,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_FRAG) }, 0 },
	{ "IPv4 UDP first fragment, UDP length beyond it: steered",
	  { PKT(C4, V4, 5360, 53, UDP, .payload = 40, .frag_off = 0x2000,
		.no_df = 1), mut_udp_len_big,
	    XDP_TX, 2, 21, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_FRAGMENT,
			      XLB_STAT_TX), 1 }, 1 },
	{ "IPv6 first fragment to a VIP: steered by its 5-tuple",
	  { PKT(C6, V6, 40020, 80, TCP, TF_ACK, .frag_off = 1), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_NONSYN, XLB_STAT_FRAGMENT,
			      XLB_STAT_TX), 1 }, 0 },
	{ "IPv6 later fragment of that datagram: follows the first",
	  { PKT(C6, V6, 40020, 80, TCP, TF_ACK, .frag_off = 8), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_FRAGMENT, XLB_STAT_TX), 0 }, 0 },
	{ "IPv6 later fragment, first one unseen (other id): dropped",
	  { PKT(C6, V6, 40020, 80, TCP, TF_ACK, .frag_off = 8),
	    mut_v6_fragid, XDP_DROP, 0, 0, ST(XLB_STAT_DROP_FRAG) }, 0 },
	{ "IPv6 first fragment behind an option header: steered",
	  { PKT(C6, V6, 40021, 80, TCP, TF_ACK, .frag_off = 1,
		.ext_hdrs = 1), NULL,
	    XDP_TX, 3, 31, ST(XLB_STAT_CT_MISS_NONSYN, XLB_STAT_FRAGMENT,
			      XLB_STAT_TX), 1 }, 0 },
	{ "ICMP fragment to a VIP address: to the kernel",
	  { PKT(C4, V4, 0x0800, 0, IPPROTO_ICMP, .frag_off = 185,
		.no_df = 1), NULL,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "IPv4 fragment to a non-VIP passes",
	  { PKT(C4, "198.18.0.1", 40000, 80, TCP, TF_ACK, .frag_off = 0x2000),
	    NULL, XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "IPv4 IHL 4 to a VIP: parse drop",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN), mut_ihl4,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "IPv4 IHL 4 to a non-VIP passes",
	  { PKT(C4, "198.18.0.1", 40000, 80, TCP, TF_SYN), mut_ihl4,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "IPv4 ethertype, version 5, to a VIP: parse drop",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN), mut_version,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "IPv4 total length beyond the frame: parse drop",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN), mut_totlen_long,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "IPv4 total length below the header: parse drop",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN), mut_totlen_short,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "TCP data offset 4: parse drop",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN), mut_doff4,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "TCP data offset past the packet: parse drop",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN, .payload = 4), mut_doff_big,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "UDP length 7: parse drop",
	  { PKT(C4, V4, 5353, 53, UDP), mut_udp_len7,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "IPv6 ethertype, version 4, to a VIP: parse drop",
	  { PKT(C6, V6, 40000, 80, TCP, TF_SYN), mut_v6_version,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "IPv6 payload length beyond the frame: parse drop",
	  { PKT(C6, V6, 40000, 80, TCP, TF_SYN), mut_v6_plen_long,
	    XDP_DROP, 0, 0, ST(XLB_STAT_DROP_PARSE) }, 0 },
	{ "IPv4 header cut at 19 bytes: no address, passes",
	  { PKT(C4, V4, 40000, 80, TCP, TF_SYN), mut_short_ip,
	    XDP_PASS, 0, 0, ST(XLB_STAT_PASS) }, 0 },
	{ "VIP with no neighbour for the backend: dropped",
	  { PKT(C4, "198.18.50.3", 40000, 80, TCP, TF_SYN), NULL,
	    XDP_DROP, 0, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_DROP_NO_NEIGH) },
	  0 },
	{ "VIP with no route to the backend: dropped",
	  { PKT(C4, "198.18.50.3", 40000, 81, TCP, TF_SYN), NULL,
	    XDP_DROP, 0, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_DROP_FIB) }, 0 },
	{ "VIP with an empty table: dropped",
	  { PKT(C4, "198.18.50.3", 40000, 82, TCP, TF_SYN), NULL,
	    XDP_DROP, 0, 0, ST(XLB_STAT_CT_MISS_SYN,
			       XLB_STAT_DROP_NO_BACKEND) }, 0 },
	{ "GUE VIP, IPv4 backend: outer IPv4, UDP to 6080, GUE proto 4",
	  { PKT(C4, "198.18.50.3", 40000, 83, TCP, TF_SYN, .payload = 9),
	    NULL, XDP_TX, 11, 111, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  1 },
	{ "GUE VIP, second packet of the flow: same source port",
	  { PKT(C4, "198.18.50.3", 40000, 83, TCP, TF_ACK, .payload = 99),
	    NULL, XDP_TX, 11, 111, ST(XLB_STAT_CT_HIT, XLB_STAT_TX), 0 }, 1 },
	{ "GUE VIP, IPv6 backend: outer IPv6, flow label, GUE proto 41",
	  { PKT(C6, "2001:db8:50::2", 40000, 80, TCP, TF_SYN, .tos = 0x28),
	    NULL, XDP_TX, 15, 151, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  0 },
	{ "GUE VIP, IPv4 client to an IPv6 backend behind xbpf2: redirect",
	  { PKT(C4, "198.18.50.3", 5000, 83, UDP, .payload = 30), NULL,
	    XDP_REDIRECT, 19, 191, ST(XLB_STAT_CT_MISS_SYN,
				      XLB_STAT_REDIRECT), 1 }, 0 },
	{ "GUE VIP: inner 1468 bytes fit the 1500 MTU",
	  { PKT(C4, "198.18.50.3", 40001, 83, TCP, TF_SYN, .payload = 1428),
	    NULL, XDP_TX, 11, 111, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  1 },
	{ "GUE VIP: inner 1469 bytes, fragmentation needed with MTU 1468",
	  { PKT(C4, "198.18.50.3", 40002, 83, TCP, TF_SYN, .payload = 1429),
	    NULL, XDP_TX, 0, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_ICMP_SENT),
	    0, 1468 }, 0 },
	{ "L2 VIP: only the MAC addresses change, XDP_TX",
	  { PKT(C4, "198.18.50.6", 40000, 80, TCP, TF_SYN, .payload = 5),
	    NULL, XDP_TX, 16, 161, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  0 },
	{ "L2 VIP, VLAN-tagged: tag kept",
	  { PKT(C4, "198.18.50.6", 40001, 80, TCP, TF_SYN, .vlan_tci = 12),
	    NULL, XDP_TX, 16, 161, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 },
	  0 },
	{ "L2 VIP: a 1500-byte packet fits (no encapsulation cost)",
	  { PKT(C4, "198.18.50.6", 40002, 80, TCP, TF_ACK, .payload = 1460),
	    NULL, XDP_TX, 16, 161, ST(XLB_STAT_CT_MISS_NONSYN, XLB_STAT_TX),
	    1 }, 0 },
	{ "L2 VIP, backend behind xbpf2: redirect with that link's MACs",
	  { PKT(C4, "198.18.50.6", 5000, 53, UDP, .payload = 12), NULL,
	    XDP_REDIRECT, 17, 171, ST(XLB_STAT_CT_MISS_SYN,
				      XLB_STAT_REDIRECT), 1 }, 0 },
	{ "L2 IPv6 VIP: MAC rewrite",
	  { PKT(C6, "2001:db8:50::3", 40000, 80, TCP, TF_SYN), NULL,
	    XDP_TX, 18, 181, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX), 1 }, 0 },
};

static void run_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_begin();
		do_step(&cases[i].s);
		if (cases[i].check_csum && !test_failed_checks)
			check_outer_csum();
		test_end(cases[i].name);
	}
}

/* --- the flow table: where a flow lives, read and written in place ------- */

#define NS_TICKS(ns)	((__u32)((ns) >> XLB_CT_TICK_SHIFT))
#define CT_FLAGS	(~XLB_CT_TAG_MASK)	/* a tag's XLB_CT_F_* bits */

static int cur_cpu;	/* the CPU the test thread is pinned to */

/* Pin the test thread: BPF_PROG_TEST_RUN runs on its CPU, whose
 * partition the data path uses. */
static int pin_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		return -errno;
	cur_cpu = cpu;
	return sched_getcpu() == cpu ? 0 : -EAGAIN;
}

static __u32 ct_now(void)
{
	return NS_TICKS(fx_now_coarse());
}

/* Ticks from t0 to a on the table's 16-bit clock. */
#define CT_SINCE(a, t0)	((__u16)((a) - (t0)))

/* The VIP id of a packet's destination, 0 if none. */
static __u32 pkt_vip(const struct fx_pkt *p)
{
	__be32 a[4], b[4];
	size_t i;

	fx_addr(p->dst, a);
	for (i = 0; i < NVIPS; i++) {
		fx_addr(vips[i].addr, b);
		if (!memcmp(a, b, 16) && vips[i].proto == p->proto &&
		    vips[i].port == p->dport)
			return vips[i].id;
	}
	return 0;
}

/* A flow as the data path places it: its entry (backend 0), its tag
 * and its two buckets in a partition (ct_flow_init()). */
struct ct_place {
	struct xlb_ct_entry e;
	__u32 be;		/* its backend, for ct_plant() */
	__u32 tag;
	__u32 idx[2];
};

static struct ct_place ct_place_of(const struct fx_pkt *p)
{
	struct xlb_flow_key k = flow_key(p);
	struct ct_place pl = {};
	__u32 h = xlb_hash_flow(&k, CT_SEED);

	memcpy(pl.e.src, k.src, sizeof(pl.e.src));
	pl.e.sport = k.sport;
	pl.e.vip_id = pkt_vip(p);
	pl.tag = h & XLB_CT_TAG_MASK;
	pl.idx[0] = xlb_ct_bucket1(h, ct_nb);
	pl.idx[1] = xlb_ct_alt(pl.idx[0], pl.tag, ct_nb);
	return pl;
}

static struct xlb_ct_bucket *ct_bucket(__u32 part, __u32 idx)
{
	return &ct_tab[(size_t)part * ct_nb + idx];
}

/* The key of slot w of bucket b (in xlb_flow_keys, bucket for bucket). */
static struct xlb_ct_entry *ct_ent(const struct xlb_ct_bucket *b, int w)
{
	return &ct_keys_tab[b - ct_tab].e[w];
}

static int ct_match(const struct xlb_ct_bucket *b, int w,
		    const struct ct_place *pl)
{
	const struct xlb_ct_entry *e = ct_ent(b, w);

	return (b->meta[w].tag & (XLB_CT_TAG_MASK | XLB_CT_F_USED)) ==
	       (pl->tag | XLB_CT_F_USED) &&
	       !memcmp(e->src, pl->e.src, sizeof(e->src)) &&
	       e->sport == pl->e.sport && e->vip_id == pl->e.vip_id;
}

/* A slot found: where, and a copy of what it held then. */
struct ct_slot {
	__u32 part, idx, way;
	struct xlb_ct_meta m;
	struct xlb_ct_entry e;
};

static struct xlb_ct_meta *ct_meta_of(const struct ct_slot *s)
{
	return &ct_bucket(s->part, s->idx)->meta[s->way];
}

/* Flow pl in partition part (its two buckets, as ct_lookup() looks). */
static int ct_find_part(const struct ct_place *pl, __u32 part,
			struct ct_slot *s)
{
	int j, w;

	memset(s, 0, sizeof(*s));
	for (j = 0; j < 2; j++) {
		struct xlb_ct_bucket *b = ct_bucket(part, pl->idx[j]);

		for (w = 0; w < XLB_CT_WAYS; w++) {
			if (!ct_match(b, w, pl))
				continue;
			s->part = part;
			s->idx = pl->idx[j];
			s->way = w;
			s->m = b->meta[w];
			s->e = *ct_ent(b, w);
			return 0;
		}
	}
	return -ENOENT;
}

/* Slots of partition part holding flow pl: 0 or 1 unless duplicated. */
static int ct_count(const struct ct_place *pl, __u32 part)
{
	int j, w, n = 0;

	for (j = 0; j < 2; j++) {
		if (j && pl->idx[1] == pl->idx[0])
			break;
		for (w = 0; w < XLB_CT_WAYS; w++)
			n += ct_match(ct_bucket(part, pl->idx[j]), w, pl);
	}
	return n;
}

/* The flow's slot as the data path would find it from the pinned CPU:
 * its partition first, then the others. */
static int ct_get(const struct fx_pkt *p, struct ct_slot *s)
{
	struct ct_place pl = ct_place_of(p);
	__u32 own = cur_cpu % ct_nparts, i;

	if (!ct_find_part(&pl, own, s))
		return 0;
	for (i = 0; i < ct_nparts; i++)
		if (i != own && !ct_find_part(&pl, i, s))
			return 0;
	return -ENOENT;
}

static int ct_set_atime(const struct fx_pkt *p, __u32 atime)
{
	struct ct_slot s;

	if (ct_get(p, &s))
		return -ENOENT;
	ct_meta_of(&s)->atime = atime;
	return 0;
}

/* Used slots of a partition. */
static __u32 ct_used(__u32 part)
{
	__u32 i, n = 0;
	int w;

	for (i = 0; i < ct_nb; i++)
		for (w = 0; w < XLB_CT_WAYS; w++)
			n += ct_bucket(part, i)->meta[w].tag & XLB_CT_F_USED;
	return n;
}

/* Every CPU's flow-table scratch zero: what inserts there remember of
 * the previous ones (the moves' backoff) forgotten. */
static void ct_scratch_clear(void)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	__u32 key = 0, vsz;
	void *zero;

	fd = bpf_map__fd(skel->maps.xlb_ct_scratch);
	vsz = bpf_map__value_size(skel->maps.xlb_ct_scratch);
	zero = calloc(ncpu, (vsz + 7) & ~7u);
	if (!CHECK(zero && !bpf_map_update_elem(fd, &key, zero, BPF_ANY),
		   "clear xlb_ct_scratch: %s", strerror(errno)))
		exit(1);
	free(zero);
}

static void ct_clear(void)
{
	memset(ct_tab, 0, (size_t)ct_nparts * ct_nb * sizeof(*ct_tab));
	memset(ct_keys_tab, 0, (size_t)ct_nparts * ct_nb * sizeof(*ct_keys_tab));
	ct_scratch_clear();
}

static void ct_write(__u32 part, __u32 idx, int way,
		     const struct xlb_ct_entry *e, __u32 be, __u32 tag,
		     __u32 atime)
{
	struct xlb_ct_bucket *b = ct_bucket(part, idx);

	*ct_ent(b, way) = *e;
	b->meta[way].atime = atime;
	b->meta[way].backend_id = be;
	b->meta[way].tag = tag;
}

/* Plant flow p with backend be and flags into a free slot of its
 * buckets in partition part, as an insert on that CPU would. */
static int ct_plant(const struct fx_pkt *p, __u32 part, __u32 be,
		    __u32 flags, __u32 atime)
{
	struct ct_place pl = ct_place_of(p);
	int j, w;

	for (j = 0; j < 2; j++)
		for (w = 0; w < XLB_CT_WAYS; w++)
			if (!(ct_bucket(part, pl.idx[j])->meta[w].tag &
			      XLB_CT_F_USED)) {
				ct_write(part, pl.idx[j], w, &pl.e, be,
					 pl.tag | flags | XLB_CT_F_USED,
					 atime);
				return 0;
			}
	return -ENOSPC;
}

static __u32 ct_rng_state = 0x2545f491u;

/* xorshift32: fillers and random tuples, the same on every run. */
static __u32 ct_rng(void)
{
	ct_rng_state ^= ct_rng_state << 13;
	ct_rng_state ^= ct_rng_state >> 17;
	ct_rng_state ^= ct_rng_state << 5;
	return ct_rng_state;
}

/* --- stateful cases ----------------------------------------------------- */

static void step_pkt(const struct fx_pkt *p, __u32 verdict, __u32 vip,
		     __u32 be, int s0, int s1, int new_flow)
{
	struct step s = { p, NULL, verdict, vip, be, { s0, s1, S_END },
			  new_flow };

	do_step(&s);
}

static void test_ring_swap(void)
{
	const struct fx_pkt *syn = PKT(C4, V4, 41000, 80, TCP, TF_SYN);
	const struct fx_pkt *ack = PKT(C4, V4, 41000, 80, TCP, TF_ACK);
	__u32 swap = BE_SWAP, orig = 11;
	struct ct_slot f, f2;

	test_begin();
	step_pkt(syn, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	CHECK_EQ(fx_ring_set(skel, 1, &swap, 1, 7), 0);
	step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_get(ack, &f), 0);
	CHECK_EQ(f.m.backend_id, 11);
	test_end("the flow table keeps a flow on its backend after the ring "
		 "swap");

	test_begin();
	step_pkt(syn, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX,
		 1);
	CHECK_EQ(ct_get(ack, &f2), 0);
	CHECK_EQ(f2.m.backend_id, BE_SWAP);
	CHECK_EQ(f2.e.vip_id, 1);
	/* Overwritten in place: the tuple keeps one slot. */
	CHECK(f2.part == f.part && f2.idx == f.idx && f2.way == f.way,
	      "moved from %u/%u/%u to %u/%u/%u", f.part, f.idx, f.way,
	      f2.part, f2.idx, f2.way);
	{
		struct ct_place pl = ct_place_of(ack);

		CHECK_EQ(ct_count(&pl, f2.part), 1);
	}
	step_pkt(ack, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(fx_ring_set(skel, 1, &orig, 1, 7), 0);
	test_end("a SYN re-picks from the new ring and overwrites the entry");
}

static void test_nonsyn_miss(void)
{
	const struct fx_pkt *ack = PKT(C4, V4, 41001, 80, TCP, TF_ACK);
	struct ct_slot f;
	__u32 t0 = ct_now();

	test_begin();
	CHECK(ct_get(ack, &f) != 0, "entry exists before the test");
	step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_MISS_NONSYN, XLB_STAT_TX, 1);
	CHECK_EQ(ct_get(ack, &f), 0);
	CHECK_EQ(f.part, cur_cpu);
	CHECK_EQ(f.m.backend_id, 11);
	CHECK_EQ(f.e.vip_id, 1);
	/* The first packet of the flow: no XLB_CT_F_SEEN2 yet. */
	CHECK_EQ(f.m.tag & CT_FLAGS, XLB_CT_F_USED);
	CHECK(CT_SINCE(f.m.atime, t0) <= CT_SINCE(ct_now(), t0),
	      "atime %u not in [%u, now]", f.m.atime, t0);
	step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	test_end("a non-SYN without an entry is forwarded and recorded");
}

static void test_closing(void)
{
	const struct fx_pkt *syn = PKT(C4, V4, 41002, 80, TCP, TF_SYN);
	const struct fx_pkt *fin = PKT(C4, V4, 41002, 80, TCP, TF_FIN | TF_ACK);
	const struct fx_pkt *rst = PKT(C6, V6, 41002, 80, TCP, TF_RST);
	const struct fx_pkt *syn6 = PKT(C6, V6, 41002, 80, TCP, TF_SYN);
	struct ct_slot f, f2;

	test_begin();
	step_pkt(syn, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(fin, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_get(fin, &f), 0);
	CHECK_EQ(f.m.tag & CT_FLAGS,
		 XLB_CT_F_USED | XLB_CT_F_SEEN2 | XLB_CT_F_CLOSING);
	step_pkt(syn, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	CHECK_EQ(ct_get(fin, &f2), 0);
	/* A new connection on the same tuple: a first packet again. */
	CHECK_EQ(f2.m.tag & CT_FLAGS, XLB_CT_F_USED);
	CHECK(f2.idx == f.idx && f2.way == f.way, "not overwritten in place");
	step_pkt(syn6, XDP_TX, 3, 31, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(rst, XDP_TX, 3, 31, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_get(rst, &f), 0);
	CHECK_EQ(f.m.tag & CT_FLAGS,
		 XLB_CT_F_USED | XLB_CT_F_SEEN2 | XLB_CT_F_CLOSING);
	test_end("FIN and RST mark the flow closing, a SYN clears it");
}

static void test_down_repick(void)
{
	const struct fx_pkt *syn = PKT(C4, V4, 41003, 80, TCP, TF_SYN);
	const struct fx_pkt *ack = PKT(C4, V4, 41003, 80, TCP, TF_ACK);
	__u32 swap = BE_SWAP, orig = 11;
	struct ct_slot f;

	test_begin();
	step_pkt(syn, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	CHECK_EQ(fx_backend_set(skel, 11, 1, "198.18.0.10",
				XLB_BE_F_VALID | XLB_BE_F_DOWN), 0);
	CHECK_EQ(fx_ring_set(skel, 1, &swap, 1, 7), 0);
	step_pkt(ack, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_REPICK, XLB_STAT_TX, 1);
	CHECK_EQ(ct_get(ack, &f), 0);
	CHECK_EQ(f.m.backend_id, BE_SWAP);
	/* A re-picked flow has proved itself: never replaced. */
	CHECK(f.m.tag & XLB_CT_F_SEEN2, "re-picked flow without SEEN2");
	step_pkt(ack, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(fx_backend_set(skel, 11, 1, "198.18.0.10", XLB_BE_F_VALID),
		 0);
	CHECK_EQ(fx_ring_set(skel, 1, &orig, 1, 7), 0);
	test_end("a flow on a DOWN backend re-picks from the table");

	/* A DOWN backend still in the (stale) table is not a choice. */
	test_begin();
	CHECK_EQ(fx_backend_set(skel, 11, 1, "198.18.0.10",
				XLB_BE_F_VALID | XLB_BE_F_DOWN), 0);
	step_pkt(PKT(C4, V4, 41004, 80, TCP, TF_SYN), XDP_DROP, 0, 0,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_DROP_NO_BACKEND, 0);
	CHECK_EQ(fx_backend_set(skel, 11, 1, "198.18.0.10", XLB_BE_F_VALID),
		 0);
	test_end("a DOWN backend picked from the table drops (no backend)");

	/* A backend now serving another VIP is not this flow's backend. */
	test_begin();
	step_pkt(PKT(C4, V4, 41005, 80, TCP, TF_SYN), XDP_TX, 1, 11,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	CHECK_EQ(fx_backend_set(skel, 11, 2, "198.18.0.10", XLB_BE_F_VALID),
		 0);
	CHECK_EQ(fx_ring_set(skel, 1, &swap, 1, 7), 0);
	step_pkt(PKT(C4, V4, 41005, 80, TCP, TF_ACK), XDP_TX, 1, BE_SWAP,
		 XLB_STAT_CT_REPICK, XLB_STAT_TX, 1);
	CHECK_EQ(fx_backend_set(skel, 11, 1, "198.18.0.10", XLB_BE_F_VALID),
		 0);
	CHECK_EQ(fx_ring_set(skel, 1, &orig, 1, 7), 0);
	test_end("an entry whose backend moved to another VIP re-picks");
}

/*
 * The shortest frames still go out: a UDP packet without payload is 42
 * bytes on the wire (veth does not pad), 62 with an IPv4 header in front,
 * shorter than an IPv6 + GUE header set that the encapsulation once
 * bounds-checked for whatever the family.
 */
static void test_short_frames(void)
{
	const struct fx_pkt *u4 = PKT(C4, V4, 41020, 53, UDP, .payload = 0);
	const struct fx_pkt *u46 = PKT(C4, V4, 41021, 443, UDP, .payload = 0);
	const struct fx_pkt *g4 = PKT(C4, "198.18.50.3", 41022, 83, UDP,
				      .payload = 0);

	test_begin();
	step_pkt(u4, XDP_TX, 2, 21, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(u4, XDP_TX, 2, 21, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	step_pkt(u46, XDP_TX, 13, 131, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(g4, XDP_REDIRECT, 19, 191, XLB_STAT_CT_MISS_SYN,
		 XLB_STAT_REDIRECT, 1);
	test_end("42-byte UDP frames are encapsulated and sent (IPIP, "
		 "IPv6, GUE)");
}

static void test_udp_timeout(void)
{
	const struct fx_pkt *u = PKT(C4, V4, 41006, 53, UDP, .payload = 8);
	struct ct_slot f, f2;
	__u32 now, t0;

	test_begin();
	step_pkt(u, XDP_TX, 2, 21, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(u, XDP_TX, 2, 21, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_get(u, &f), 0);
	CHECK_EQ(f.m.tag & CT_FLAGS,
		 XLB_CT_F_USED | XLB_CT_F_UDP | XLB_CT_F_SEEN2);

	/* Idle 10 s > 5 s timeout: a new flow, recorded afresh in the
	 * same slot (no SEEN2: its first packet). */
	now = ct_now();
	CHECK_EQ(ct_set_atime(u, now - NS_TICKS(10000000000ull)), 0);
	t0 = ct_now();
	step_pkt(u, XDP_TX, 2, 21, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	CHECK_EQ(ct_get(u, &f2), 0);
	CHECK(CT_SINCE(f2.m.atime, t0) <= CT_SINCE(ct_now(), t0), "atime not refreshed");
	CHECK_EQ(f2.m.tag & CT_FLAGS, XLB_CT_F_USED | XLB_CT_F_UDP);
	CHECK(f2.idx == f.idx && f2.way == f.way, "not renewed in place");

	/* Idle 2 s: within the timeout, older than XLB_CT_TOUCH_TICKS:
	 * a hit that rewrites atime. */
	now = ct_now();
	CHECK_EQ(ct_set_atime(u, now - NS_TICKS(2000000000ull)), 0);
	t0 = ct_now();
	step_pkt(u, XDP_TX, 2, 21, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_get(u, &f), 0);
	CHECK(CT_SINCE(f.m.atime, t0) <= CT_SINCE(ct_now(), t0), "atime not rewritten after 2 s");

	/* Idle 0.3 s: a hit that leaves atime alone. */
	now = ct_now();
	CHECK_EQ(ct_set_atime(u, now - NS_TICKS(300000000ull)), 0);
	step_pkt(u, XDP_TX, 2, 21, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_get(u, &f), 0);
	CHECK_EQ(f.m.atime, (__u16)(now - NS_TICKS(300000000ull)));
	test_end("UDP flows expire after the idle timeout; atime is coarse");

	/*
	 * The LRU had no TCP idle timeout. The table's (900 s) makes an
	 * idle entry a victim for new flows, but a packet that still
	 * finds it keeps the flow on it: the same property.
	 */
	test_begin();
	{
		const struct fx_pkt *ack = PKT(C4, V4, 41007, 80, TCP, TF_ACK);

		step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_MISS_NONSYN,
			 XLB_STAT_TX, 1);
		CHECK_EQ(ct_set_atime(ack, ct_now() -
				      NS_TICKS(XLB_TCP_TIMEOUT_NS) - 100), 0);
		t0 = ct_now();
		step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
		CHECK_EQ(ct_get(ack, &f), 0);
		CHECK(CT_SINCE(f.m.atime, t0) <= CT_SINCE(ct_now(), t0), "atime not refreshed");
	}
	test_end("an idle TCP flow past its timeout keeps its entry when it "
		 "sends again");
}

/*
 * The flow and address hashes pick every flow's Maglev slot: two load
 * balancers (or two versions during an upgrade) agree on backends only
 * while these values hold. Pinned from the plain murmur3 steps; the
 * second part checks each hash against those steps over every word, so
 * shortcuts in hash.h must give the same value for every key.
 */
static __u32 ref_hash(const __be32 *w, int n, __u32 seed, __u32 len)
{
	__u32 h = seed;
	int i;

	for (i = 0; i < n; i++)
		h = xlb_hash_word(h, w[i]);
	return xlb_hash_final(h, len);
}

static void test_hash(void)
{
	struct xlb_flow_key k;
	__be32 w[10], a[4];
	__u64 rs = 0x9e3779b97f4a7c15ull;
	int i, j, bad = 0;

	test_begin();
	k = flow_key(PKT(C4, V4, 40000, 80, TCP));
	CHECK_EQ(xlb_hash_flow(&k, FX_HASH_SEED), 0xe0197582u);
	k = flow_key(PKT(C6, V6, 40000, 443, UDP));
	CHECK_EQ(xlb_hash_flow(&k, FX_HASH_SEED), 0xeb3b0509u);
	fx_addr(C4, a);
	CHECK_EQ(xlb_hash_addr(a, XLB_AF_INET, FX_HASH_SEED), 0x6e922c3du);
	fx_addr(C6, a);
	CHECK_EQ(xlb_hash_addr(a, XLB_AF_INET6, FX_HASH_SEED), 0x2dff9e74u);
	/* Random keys, half of them IPv4 (three zero words per address),
	 * some with a zero word elsewhere. */
	for (i = 0; i < 100000; i++) {
		for (j = 0; j < 10; j++) {
			rs ^= rs << 13;
			rs ^= rs >> 7;
			rs ^= rs << 17;
			w[j] = (rs >> 24) % 7 ? (__u32)rs : 0;
		}
		if (i & 1)
			w[1] = w[2] = w[3] = w[5] = w[6] = w[7] = 0;
		memcpy(&k, w, sizeof(k));
		w[9] = (__u32)k.proto << 8 | k.family;
		w[8] = (__u32)k.sport << 16 | k.dport;
		k.pad = 0;
		bad += xlb_hash_flow(&k, (__u32)(rs >> 32)) !=
		       ref_hash(w, 10, (__u32)(rs >> 32), 40);
		memcpy(a, w, 16);
		w[4] = k.family;
		bad += xlb_hash_addr(a, k.family, (__u32)rs) !=
		       ref_hash(w, 5, (__u32)rs, 20);
	}
	CHECK_EQ(bad, 0);
	test_end("flow and address hashes: pinned values, and the murmur3 "
		 "steps over every word for 100000 random keys");
}

static void test_sticky(void)
{
	const struct vip_def *v = vip_by_id(6);
	struct xlb_flow_key k;
	__be32 src[4];
	__u32 h, want, b1, p1, p2 = 0, port;

	test_begin();
	fx_addr(C4, src);
	want = v->backends[(xlb_hash_addr(src, XLB_AF_INET, FX_HASH_SEED) %
			    v->ring_size) % 4];
	/* Two ports that a 5-tuple hash would send to different backends,
	 * so the case fails if stickiness is lost. */
	p1 = 42000;
	k = flow_key(PKT(C4, "198.18.50.2", p1, 80, TCP));
	b1 = v->backends[xlb_hash_flow(&k, FX_HASH_SEED) % v->ring_size % 4];
	for (port = p1 + 1; port < 43000 && !p2; port++) {
		k = flow_key(PKT(C4, "198.18.50.2", port, 80, TCP));
		h = xlb_hash_flow(&k, FX_HASH_SEED) % v->ring_size;
		if (v->backends[h % 4] != b1)
			p2 = port;
	}
	CHECK(p2, "no two ports with different 5-tuple choices");
	step_pkt(PKT(C4, "198.18.50.2", p1, 80, TCP, TF_SYN), XDP_TX, 6, want,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(PKT(C4, "198.18.50.2", p2, 80, TCP, TF_SYN), XDP_TX, 6, want,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	/* Two flows in the table (the entry is per 5-tuple even when the
	 * pick is by address), both on that backend. */
	{
		struct ct_slot f1, f2;

		CHECK_EQ(ct_get(PKT(C4, "198.18.50.2", p1, 80, TCP), &f1), 0);
		CHECK_EQ(ct_get(PKT(C4, "198.18.50.2", p2, 80, TCP), &f2), 0);
		CHECK_EQ(f1.m.backend_id, want);
		CHECK_EQ(f2.m.backend_id, want);
		CHECK(f1.idx != f2.idx || f1.way != f2.way, "one slot for two");
	}
	test_end("sticky VIP: two client ports land on the same backend");

	/* The 5-tuple choice is predictable from bpf/hash.h. */
	test_begin();
	v = vip_by_id(10);
	for (port = 43000; port < 43016; port++) {
		k = flow_key(PKT(C4, "198.18.50.4", port, 80, TCP));
		h = xlb_hash_flow(&k, FX_HASH_SEED) % v->ring_size;
		step_pkt(PKT(C4, "198.18.50.4", port, 80, TCP, TF_SYN),
			 XDP_TX, 10, v->backends[h % 4], XLB_STAT_CT_MISS_SYN,
			 XLB_STAT_TX, 1);
	}
	test_end("5-tuple VIP: slot = hash(5-tuple) % ring size, 16 flows");
}

static void test_disabled(void)
{
	test_begin();
	CHECK_EQ(fx_cfg_set(skel, 0, UDP_TIMEOUT_NS), 0);
	step_pkt(PKT(C4, V4, 41010, 80, TCP, TF_SYN), XDP_PASS, 0, 0,
		 XLB_STAT_PASS, S_END, 0);
	CHECK_EQ(fx_cfg_set(skel, XLB_CFG_F_ENABLED, UDP_TIMEOUT_NS), 0);
	test_end("disabled configuration passes everything untouched");
}

/* The program trusts a clear filter bit: with the bit of a VIP address
 * cleared, even that VIP's traffic passes (the daemon never leaves it so;
 * this proves the filter is what spares other traffic the lookups). */
static void test_vip_filter(void)
{
	int fd = bpf_map__fd(skel->maps.xlb_vip_filter);
	struct xlb_vip_filter saved, none = {};
	__u32 zero = 0;

	test_begin();
	CHECK_EQ(bpf_map_lookup_elem(fd, &zero, &saved), 0);
	CHECK_EQ(bpf_map_update_elem(fd, &zero, &none, 0), 0);
	step_pkt(PKT(C4, V4, 41020, 80, TCP, TF_SYN), XDP_PASS, 0, 0,
		 XLB_STAT_PASS, S_END, 0);
	step_pkt(PKT(C4, V4, 41020, 81, TCP, TF_SYN), XDP_PASS, 0, 0,
		 XLB_STAT_PASS, S_END, 0);
	CHECK_EQ(bpf_map_update_elem(fd, &zero, &saved, 0), 0);
	fx_run(prog_fd, inbuf, fx_build(PKT(C4, V4, 41020, 80, TCP, TF_SYN),
					inbuf), &run);
	CHECK_EQ(run.ret, XDP_TX);
	test_end("a clear VIP filter bit passes without a VIP lookup");
}

static void test_encap_src_unset(void)
{
	int fd = bpf_map__fd(skel->maps.xlb_cfg);
	struct xlb_config c, saved;
	__u32 zero = 0;

	test_begin();
	CHECK_EQ(bpf_map_lookup_elem(fd, &zero, &saved), 0);
	c = saved;
	c.encap_src4 = 0;
	CHECK_EQ(bpf_map_update_elem(fd, &zero, &c, BPF_ANY), 0);
	step_pkt(PKT(C4, V4, 41020, 80, TCP, TF_SYN), XDP_DROP, 0, 0,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_DROP_ENCAP, 0);
	/* IPv6 backends still work without an IPv4 source */
	step_pkt(PKT(C4, V4, 41020, 443, TCP, TF_SYN), XDP_REDIRECT, 5, 51,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_REDIRECT, 1);
	c = saved;
	memset(c.encap_src6, 0, sizeof(c.encap_src6));
	CHECK_EQ(bpf_map_update_elem(fd, &zero, &c, BPF_ANY), 0);
	step_pkt(PKT(C6, V6, 41020, 80, TCP, TF_SYN), XDP_DROP, 0, 0,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_DROP_ENCAP, 0);
	CHECK_EQ(bpf_map_update_elem(fd, &zero, &saved, BPF_ANY), 0);
	test_end("encapsulation source of the needed family unset: encap drop");
}

static void test_nexthop_cache(void)
{
	int ncpu = libbpf_num_possible_cpus(), i, fd;
	const struct fx_pkt *ack = PKT(C4, V4, 41011, 80, TCP, TF_ACK);
	struct xlb_nexthop nh[ncpu];
	__u32 id = 11;
	__u64 t0;

	test_begin();
	fd = bpf_map__fd(skel->maps.xlb_nexthops);
	CHECK_EQ(fx_nexthop_flush(skel, id), 0);
	t0 = fx_now_coarse();
	step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_MISS_NONSYN, XLB_STAT_TX, 1);
	CHECK_EQ(bpf_map_lookup_elem(fd, &id, nh), 0);
	for (i = 0; i < ncpu; i++)
		if (nh[i].expires_ns)
			break;
	CHECK(i < ncpu, "no CPU cached the next hop");
	if (i < ncpu) {
		CHECK(nh[i].expires_ns >= t0 + XLB_NEXTHOP_TTL_NS,
		      "expiry too early");
		CHECK_EQ(nh[i].ifindex, fx_ifindex_lb);
		CHECK_EQ(nh[i].mtu, 1500);
		CHECK_MEM(nh[i].dmac, fx_neigh_find("198.18.0.10")->mac, 6);
		CHECK_MEM(nh[i].smac, fx_lb_mac, 6);
	}
	/* A valid cached entry is used without asking the FIB: plant a
	 * different MAC and see it on the wire. */
	for (i = 0; i < ncpu; i++) {
		nh[i].expires_ns = fx_now_coarse() + 60000000000ull;
		nh[i].dmac[5] = 0x77;
	}
	CHECK_EQ(bpf_map_update_elem(fd, &id, nh, BPF_ANY), 0);
	fx_run(prog_fd, inbuf, fx_build(ack, inbuf), &run);
	CHECK_EQ(run.ret, XDP_TX);
	CHECK_EQ(run.out[5], 0x77);
	/* Expired: the FIB's answer again. */
	CHECK_EQ(fx_nexthop_flush(skel, id), 0);
	fx_run(prog_fd, inbuf, fx_build(ack, inbuf), &run);
	CHECK_EQ(run.ret, XDP_TX);
	CHECK_EQ(run.out[5], 0x0a);
	test_end("next hop cache: filled from the FIB, used until it expires");
}


/* --- PMTU: rate limit, inbound ICMP errors ------------------------------ */

/* Set rate window idx on every CPU: started now, count events in it. */
static int rate_set(__u32 idx, __u64 window_ns, __u32 count)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct xlb_rate r[ncpu];

	memset(r, 0, sizeof(r));
	for (i = 0; i < ncpu; i++) {
		r[i].window_ns = window_ns;
		r[i].count = count;
	}
	return bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_rates), &idx, r,
				   BPF_ANY);
}

static void test_icmp_rate(void)
{
	const struct fx_pkt *big = PKT(C4, V4, 41030, 80, TCP, TF_ACK,
				       .payload = 1441);
	struct step sent = { big, NULL, XDP_TX, 0, 0,
			     { XLB_STAT_CT_HIT, XLB_STAT_ICMP_SENT, S_END }, 0,
			     1480 };
	struct step limited = { big, NULL, XDP_DROP, 0, 0,
				{ XLB_STAT_CT_HIT, XLB_STAT_ICMP_RATELIMIT,
				  S_END } };

	test_begin();
	step_pkt(PKT(C4, V4, 41030, 80, TCP, TF_SYN), XDP_TX, 1, 11,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	/* Two replies left in this window on every CPU. */
	CHECK_EQ(rate_set(XLB_RATE_ICMP, fx_now_coarse(),
			  XLB_ICMP_RATE_PER_CPU - 2), 0);
	do_step(&sent);
	do_step(&sent);
	do_step(&limited);
	do_step(&limited);
	/* The window passed: replies again. */
	CHECK_EQ(rate_set(XLB_RATE_ICMP, fx_now_coarse() - 1100000000ull,
			  XLB_ICMP_RATE_PER_CPU + 1), 0);
	do_step(&sent);
	CHECK_EQ(rate_set(XLB_RATE_ICMP, 0, 0), 0);
	test_end("too-big replies: at most 100 a second per CPU, then dropped "
		 "and counted; the next window replies again");
}

/*
 * An ICMP error from router about a packet the VIP (vip:vport) sent to
 * the client (cli:cport): outer header, ICMP header, then quote bytes of
 * the quoted packet (IP header + 20-byte TCP header, or less).
 */
static size_t build_icmp_err(__u8 *buf, const char *router, const char *vip,
			     __u16 vport, const char *cli, __u16 cport,
			     __u8 type, __u8 code, size_t quote)
{
	int v6 = fx_family(vip) == XLB_AF_INET6;
	size_t hl = v6 ? 40 : 20, ql = hl + 20, tot, i;
	__u8 q[64] = {}, *ip = buf + 14, *icmp = ip + hl;
	__be32 a[4], b[4];
	__u32 sum = 0;
	__u16 c;

	if (quote > ql)
		quote = ql;
	fx_addr(vip, a);
	fx_addr(cli, b);
	/* The quoted packet: VIP -> client, TCP. */
	if (!v6) {
		q[0] = 0x45;
		q[2] = 0x05;
		q[3] = 0xdc;	/* 1500: the packet that did not fit */
		q[6] = 0x40;
		q[8] = 1;
		q[9] = IPPROTO_TCP;
		memcpy(q + 12, a, 4);
		memcpy(q + 16, b, 4);
	} else {
		q[0] = 0x60;
		q[4] = 0x05;
		q[5] = 0xb4;
		q[6] = IPPROTO_TCP;
		q[7] = 1;
		memcpy(q + 8, a, 16);
		memcpy(q + 24, b, 16);
	}
	q[hl] = vport >> 8;
	q[hl + 1] = vport;
	q[hl + 2] = cport >> 8;
	q[hl + 3] = cport;
	q[hl + 12] = 0x50;
	q[hl + 13] = TF_ACK;

	memcpy(buf, fx_lb_mac, 6);
	memcpy(buf + 6, fx_client_mac, 6);
	buf[12] = v6 ? 0x86 : 0x08;
	buf[13] = v6 ? 0xdd : 0x00;
	tot = hl + 8 + quote;
	memset(ip, 0, hl + 8);
	fx_addr(router, b);
	if (!v6) {
		ip[0] = 0x45;
		ip[2] = tot >> 8;
		ip[3] = tot;
		ip[4] = 0x43;
		ip[5] = 0x21;
		ip[8] = 255;
		ip[9] = IPPROTO_ICMP;
		memcpy(ip + 12, b, 4);
		memcpy(ip + 16, a, 4);
		c = fx_csum(ip, 20, 0);
		ip[10] = c >> 8;
		ip[11] = c;
	} else {
		ip[0] = 0x60;
		ip[4] = (tot - 40) >> 8;
		ip[5] = tot - 40;
		ip[6] = 58;
		ip[7] = 255;
		memcpy(ip + 8, b, 16);
		memcpy(ip + 24, a, 16);
		for (i = 8; i < 40; i += 2)
			sum += ip[i] << 8 | ip[i + 1];
		sum += tot - 40 + 58;
	}
	icmp[0] = type;
	icmp[1] = code;
	icmp[6] = v6 ? 0x05 : 0x05;	/* MTU 1400 / 0x0578 */
	icmp[7] = 0x78;
	memcpy(icmp + 8, q, quote);
	c = fx_csum(icmp, 8 + quote, sum);
	icmp[2] = c >> 8;
	icmp[3] = c;
	return 14 + tot;
}

/*
 * Readdress an ICMP error of build_icmp_err() to dst, another address of
 * its family, with its checksums (the IPv4 header's, the ICMPv6 one's
 * pseudo header) fixed.
 */
static void icmp_err_readdress(__u8 *buf, size_t len, const char *dst)
{
	__u8 *ip = buf + 14;
	__be32 a[4];
	__u32 sum = 0;
	size_t i;
	__u16 c;

	fx_addr(dst, a);
	if ((ip[0] >> 4) == 4) {
		memcpy(ip + 16, a, 4);
		ip[10] = ip[11] = 0;
		c = fx_csum(ip, 20, 0);
		ip[10] = c >> 8;
		ip[11] = c;
		return;
	}
	memcpy(ip + 24, a, 16);
	for (i = 8; i < 40; i += 2)
		sum += ip[i] << 8 | ip[i + 1];
	sum += len - 14 - 40 + 58;
	ip[42] = ip[43] = 0;
	c = fx_csum(ip + 40, len - 14 - 40, sum);
	ip[42] = c >> 8;
	ip[43] = c;
}

/* Run an ICMP error; expect it encapsulated to backend be (NULL: passed
 * untouched) and the counters. */
static void icmp_step(const __u8 *in, size_t len, const char *be, __u32 vip,
		      __u32 be_id, const char *cli, __u16 cport,
		      const char *vaddr, __u16 vport, const int *stats)
{
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	struct xlb_ctr vb, va;

	memcpy(inbuf, in, len);
	fx_stats(skel, before);
	vb = fx_ctr(skel->maps.xlb_vip_stats, vip);
	fx_run(prog_fd, inbuf, len, &run);
	fx_stats(skel, after);
	va = fx_ctr(skel->maps.xlb_vip_stats, vip);
	CHECK_EQ(run.err, 0);
	check_stats(before, after, stats);
	if (!be) {
		if (stats[0] != XLB_STAT_PASS) {
			CHECK_EQ(run.ret, XDP_DROP);
			return;
		}
		CHECK_EQ(run.ret, XDP_PASS);
		CHECK_EQ(run.out_len, len);
		CHECK_MEM(run.out, inbuf, len);
		return;
	}
	{
		int v6 = fx_family(vaddr) == XLB_AF_INET6;
		struct inner_desc d = {
			.l2 = 14, .inner6 = v6, .inner_len = len - 14,
			.df = v6, .id = { 0x43, 0x21 },
			.k = flow_key(PKT(cli, vaddr, cport, vport, TCP)),
		};
		size_t elen = expect_encap_raw(inbuf, len, &d, be, expbuf);

		CHECK_EQ(run.ret, XDP_TX);
		CHECK_EQ(run.out_len, elen);
		CHECK_MEM(run.out, expbuf, elen < run.out_len ? elen :
			  run.out_len);
		CHECK_EQ(va.packets - vb.packets, 1);
		CHECK_EQ(va.new_flows - vb.new_flows, 0);
	}
	(void)be_id;
}

#define ROUTER4	"198.18.7.1"
#define ROUTER6	"2001:db8:7::1"

static void test_icmp_steer(void)
{
	static __u8 b[512];
	const int steered[] = { XLB_STAT_ICMP_STEERED, XLB_STAT_TX, S_END };
	const int pass[] = { XLB_STAT_PASS, S_END };
	const int nobe[] = { XLB_STAT_DROP_NO_BACKEND, S_END };
	struct ct_slot f;
	size_t len, q, n;
	__u32 used;

	test_begin();
	CHECK_EQ(ct_plant(PKT(C4, V4, 46000, 80, TCP), cur_cpu, BE_SWAP, 0,
			  ct_now()), 0);
	len = build_icmp_err(b, ROUTER4, V4, 80, C4, 46000, 3, 4, 40);
	icmp_step(b, len, BE_SWAP_ADDR, 1, BE_SWAP, C4, 46000, V4, 80,
		  steered);
	test_end("IPv4 fragmentation needed about a VIP flow: to the "
		 "backend in the flow table (not the table's)");

	test_begin();
	used = ct_used(cur_cpu);
	len = build_icmp_err(b, ROUTER4, V4, 80, C4, 46001, 11, 0, 40);
	icmp_step(b, len, "198.18.0.10", 1, 11, C4, 46001, V4, 80, steered);
	CHECK(ct_get(PKT(C4, V4, 46001, 80, TCP), &f) != 0,
	      "an ICMP error created a flow-table entry");
	CHECK_EQ(ct_used(cur_cpu), used);
	test_end("IPv4 time exceeded, flow not in the flow table: the table's "
		 "backend, no entry created");

	/* RSS may bring the error to another CPU than the flow's. */
	test_begin();
	if (CHECK(ct_nparts >= 2, "%u partitions", ct_nparts)) {
		CHECK_EQ(ct_plant(PKT(C4, V4, 46004, 80, TCP),
				  (cur_cpu + 1) % ct_nparts, BE_SWAP,
				  XLB_CT_F_SEEN2, ct_now()), 0);
		used = ct_used(cur_cpu);
		len = build_icmp_err(b, ROUTER4, V4, 80, C4, 46004, 3, 4, 40);
		icmp_step(b, len, BE_SWAP_ADDR, 1, BE_SWAP, C4, 46004, V4, 80,
			  steered);
		/* An error starts no flow: no copy either. */
		CHECK_EQ(ct_used(cur_cpu), used);
	}
	test_end("ICMP error about a flow another CPU's partition holds: to "
		 "that entry's backend");

	test_begin();
	len = build_icmp_err(b, ROUTER6, V6, 80, C6, 46002, 2, 0, 60);
	icmp_step(b, len, "2001:db8::10", 3, 31, C6, 46002, V6, 80, steered);
	len = build_icmp_err(b, ROUTER6, V6, 80, C6, 46003, 1, 4, 60);
	icmp_step(b, len, "2001:db8::10", 3, 31, C6, 46003, V6, 80, steered);
	test_end("ICMPv6 packet too big and unreachable about a VIP flow: to "
		 "its backend");

	test_begin();
	n = 0;
	for (q = 0; q < 40; q++, n++) {
		int ok = q >= 24;

		len = build_icmp_err(b, ROUTER4, V4, 80, C4, 46000, 3, 4, q);
		icmp_step(b, len, ok ? BE_SWAP_ADDR : NULL, 1, BE_SWAP, C4,
			  46000, V4, 80, ok ? steered : pass);
		if (test_failed_checks)
			break;
	}
	for (q = 0; q < 60; q++, n++) {
		int ok = q >= 44;

		len = build_icmp_err(b, ROUTER6, V6, 80, C6, 46002, 2, 0, q);
		icmp_step(b, len, ok ? "2001:db8::10" : NULL, 3, 31, C6,
			  46002, V6, 80, ok ? steered : pass);
		if (test_failed_checks)
			break;
	}
	CHECK_EQ(n, 100);
	test_end("ICMP errors quoting 0..59 bytes: without the ports to the "
		 "kernel untouched, with them steered");

	test_begin();
	len = build_icmp_err(b, ROUTER4, "198.18.0.1", 22, C4, 46000, 3, 4,
			     40);
	icmp_step(b, len, NULL, 0, 0, C4, 46000, "198.18.0.1", 22, pass);
	len = build_icmp_err(b, ROUTER4, V4, 9999, C4, 46000, 3, 4, 40);
	icmp_step(b, len, NULL, 0, 0, C4, 46000, V4, 9999, pass);
	len = build_icmp_err(b, ROUTER4, V4, 80, C4, 46000, 5, 0, 40);
	icmp_step(b, len, NULL, 0, 0, C4, 46000, V4, 80, pass);
	len = build_icmp_err(b, ROUTER6, V6, 80, C6, 46002, 128, 0, 60);
	icmp_step(b, len, NULL, 0, 0, C6, 46002, V6, 80, pass);
	len = build_icmp_err(b, ROUTER4, "198.18.50.3", 82, C4, 46000, 3, 4,
			     40);
	icmp_step(b, len, NULL, 0, 0, C4, 46000, "198.18.50.3", 82, nobe);
	test_end("ICMP about no VIP, redirects and echo go to the kernel; "
		 "about a VIP with an empty table: dropped");

	test_begin();
	/* Flows of V4:80 and V6:80 that the table holds (above), quoted in
	 * errors sent to another VIP address: the filter lets them in, the
	 * quote's source is not where they were sent. */
	len = build_icmp_err(b, ROUTER4, V4, 80, C4, 46000, 3, 4, 40);
	icmp_err_readdress(b, len, "198.18.50.3");
	icmp_step(b, len, NULL, 0, 0, C4, 46000, V4, 80, pass);
	len = build_icmp_err(b, ROUTER6, V6, 80, C6, 46002, 2, 0, 60);
	icmp_err_readdress(b, len, "2001:db8:50::2");
	icmp_step(b, len, NULL, 0, 0, C6, 46002, V6, 80, pass);
	test_end("ICMP error quoting a VIP flow but addressed to another "
		 "VIP address: to the kernel untouched");
}

/* --- SYN-flood guard ---------------------------------------------------- */

static int cfg_flood(__u32 rate)
{
	int fd = bpf_map__fd(skel->maps.xlb_cfg);
	struct xlb_config c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &c))
		return -errno;
	c.flood_rate = rate;
	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY);
}

#define FLOOD_EST	1000
/* Half the table: as many slots as the flooded CPU's partition has. */
#define FLOOD_SYNS	(CT_TEST_SLOTS / 2)
/* Entries of flows waiting for their second packet, planted: an id no
 * VIP has, so no packet matches them and they are easy to count. */
#define PENDING_VIP	(XLB_MAX_VIPS - 1)

/* Established flows C4-ish 198.18.101.x:port -> V4:80. */
static const struct fx_pkt *est_pkt(__u32 i, __u8 flags, char *addr)
{
	static struct fx_pkt p;

	snprintf(addr, 32, "198.18.101.%u", i / 250);
	p = (struct fx_pkt){ addr, V4, 20000 + i % 250, 80, TCP, flags };
	return &p;
}

static int flood_run(__u32 base, __u32 n, int fd)
{
	__u32 i;

	/* Source 198.19.X.Y, port Z: x = base + i = Z << 16 | X << 8 | Y.
	 * The frame is rebuilt each time: XDP_TX rewrites it. */
	for (i = 0; i < n; i++) {
		__u32 x = base + i;
		size_t len = fx_build(PKT("198.19.0.0", V4, 1, 80, TCP, TF_SYN),
				      inbuf);

		inbuf[14 + 14] = x >> 8;
		inbuf[14 + 15] = x;
		inbuf[14 + 20 + 0] = x >> 24;
		inbuf[14 + 20 + 1] = x >> 16;
		fx_run(fd, inbuf, len, &run);
		if (run.err || run.ret != XDP_TX)
			return -1;
	}
	return 0;
}

/* The FLOOD_EST established flows still in the table, with SEEN2. */
static __u32 est_present(void)
{
	struct ct_slot f;
	char addr[32];
	__u32 i, n = 0;

	for (i = 0; i < FLOOD_EST; i++)
		n += !ct_get(est_pkt(i, 0, addr), &f) &&
		     (f.m.tag & XLB_CT_F_SEEN2);
	return n;
}

/* Planted pending entries still in partition part. */
static __u32 pending_present(__u32 part)
{
	__u32 i, n = 0;
	int w;

	for (i = 0; i < ct_nb; i++) {
		struct xlb_ct_bucket *b = ct_bucket(part, i);

		for (w = 0; w < XLB_CT_WAYS; w++)
			n += (b->meta[w].tag & XLB_CT_F_USED) &&
			     ct_ent(b, w)->vip_id == PENDING_VIP;
	}
	return n;
}

/*
 * Every slot of partition part: a live TCP entry idle idle ticks with
 * flags, a random tag and vip_id vip (fillers no packet matches).
 */
static void ct_fill(__u32 part, __u32 flags, __u32 idle, __u16 vip)
{
	struct xlb_ct_entry e = { .vip_id = vip };
	__u32 i, now = ct_now();
	int w;

	for (i = 0; i < ct_nb; i++)
		for (w = 0; w < XLB_CT_WAYS; w++) {
			e.src[0] = htonl(0xc613fe00u | (i & 0xff));
			e.src[1] = htonl(i << 8 | w);
			e.sport = htons(w);
			ct_write(part, i, w, &e, 11,
				 (ct_rng() & XLB_CT_TAG_MASK) | flags |
				 XLB_CT_F_USED, now - idle);
		}
}

static void test_flood(void)
{
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	__u32 i, n_on, n_off, p_fill, p_on, p_off, part = 0;
	__u64 t0, windows, inserted, evicted;
	struct ct_slot f;
	char addr[32];

	/* Per-CPU windows and partitions: one CPU, so counts are exact. */
	pin_cpu(part);

	test_begin();
	/*
	 * The LRU was filled with old entries, then with FLOOD_EST flows
	 * that carry traffic. The table's equivalent of the old entries
	 * is a partition full of flows waiting for their second packet
	 * (older than the flood), the ones a flood may replace; the
	 * established flows send two packets each, so they have SEEN2.
	 */
	ct_clear();
	ct_fill(part, 0, 100, PENDING_VIP);
	CHECK_EQ(cfg_flood(100), 0);
	CHECK_EQ(rate_set(XLB_RATE_FLOWS, fx_now_coarse(), 0), 0);
	for (i = 0; i < FLOOD_EST; i++) {
		fx_run(prog_fd, inbuf, fx_build(est_pkt(i, TF_ACK, addr),
						inbuf), &run);
		if (!CHECK_EQ(run.ret, XDP_TX))
			break;
		fx_run(prog_fd, inbuf, fx_build(est_pkt(i, TF_ACK, addr),
						inbuf), &run);
		if (!CHECK_EQ(run.ret, XDP_TX))
			break;
		/* Below the rate: every window starts afresh. */
		CHECK_EQ(rate_set(XLB_RATE_FLOWS, fx_now_coarse(), 0), 0);
	}
	CHECK_EQ(est_present(), FLOOD_EST);
	p_fill = pending_present(part);
	CHECK_EQ(p_fill, ct_nb * XLB_CT_WAYS - FLOOD_EST);

	/* The flood: FLOOD_SYNS new SYNs, 100 inserted a window (one
	 * window, or a few on a loaded machine). */
	t0 = fx_now_coarse();
	CHECK_EQ(rate_set(XLB_RATE_FLOWS, t0, 0), 0);
	fx_stats(skel, before);
	CHECK_EQ(flood_run(0x10000, FLOOD_SYNS, prog_fd), 0);
	fx_stats(skel, after);
	windows = (fx_now_coarse() - t0) / XLB_RATE_WINDOW_NS + 1;
	inserted = FLOOD_SYNS - (after[XLB_STAT_FLOOD] -
				 before[XLB_STAT_FLOOD]);
	evicted = after[XLB_STAT_CT_EVICT] - before[XLB_STAT_CT_EVICT];
	p_on = pending_present(part);
	printf("# flood: %u SYNs in %llu window(s), %llu inserted, %u of %u "
	       "pending flows replaced\n", FLOOD_SYNS,
	       (unsigned long long)windows, (unsigned long long)inserted,
	       p_fill - p_on, p_fill);
	CHECK_EQ(after[XLB_STAT_TX] - before[XLB_STAT_TX], FLOOD_SYNS);
	CHECK(inserted >= 100 && inserted <= 100 * windows,
	      "%llu inserted in %llu windows", (unsigned long long)inserted,
	      (unsigned long long)windows);
	/* A full partition: each insert replaced one waiting flow. */
	CHECK_EQ(evicted + after[XLB_STAT_CT_FULL] - before[XLB_STAT_CT_FULL],
		 inserted);
	CHECK_EQ(p_fill - p_on, evicted);
	n_on = est_present();
	CHECK_EQ(n_on, FLOOD_EST);
	test_end("flood guard on (100/s): a SYN flood of half the table size "
		 "inserts 100, the flows waiting for a second packet stay");

	test_begin();
	/* Below the rate again (next window): new flows are inserted
	 * (the partition is full: in place of a waiting flow). */
	CHECK_EQ(rate_set(XLB_RATE_FLOWS, fx_now_coarse() - 1100000000ull,
			  1000000), 0);
	{
		struct step s = { PKT(C4, V4, 46100, 80, TCP, TF_SYN), NULL,
				  XDP_TX, 1, 11,
				  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_EVICT,
				     XLB_STAT_TX), 1 };

		do_step(&s);
	}
	CHECK_EQ(ct_get(PKT(C4, V4, 46100, 80, TCP), &f), 0);
	/* Over it: forwarded by the table, not inserted, counted. */
	CHECK_EQ(rate_set(XLB_RATE_FLOWS, fx_now_coarse(), 100), 0);
	{
		struct step s = { PKT(C4, V4, 46101, 80, TCP, TF_SYN), NULL,
				  XDP_TX, 1, 11,
				  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_FLOOD,
				     XLB_STAT_TX), 1 };

		do_step(&s);
	}
	CHECK(ct_get(PKT(C4, V4, 46101, 80, TCP), &f) != 0,
	      "inserted above the rate");
	test_end("flood guard: above the rate forwarded by the table and "
		 "counted, not inserted; resumes in the next window");

	/*
	 * Without the guard the LRU lost the established flows. The table
	 * never gives a flow with a second packet to a new one: the flood
	 * replaces the waiting flows (and itself), every established flow
	 * stays.
	 */
	test_begin();
	CHECK_EQ(cfg_flood(0), 0);
	fx_stats(skel, before);
	CHECK_EQ(flood_run(0x800000, FLOOD_SYNS, prog_fd), 0);
	CHECK_EQ(flood_run(0x900000, FLOOD_SYNS, prog_fd), 0);
	fx_stats(skel, after);
	CHECK_EQ(after[XLB_STAT_FLOOD] - before[XLB_STAT_FLOOD], 0);
	n_off = est_present();
	p_off = pending_present(part);
	printf("# established flows left: guard on %u, off %u of %u; "
	       "waiting flows left: guard on %u, off %u of %u\n",
	       n_on, n_off, FLOOD_EST, p_on, p_off, p_fill);
	CHECK_EQ(n_off, FLOOD_EST);
	CHECK(p_off < p_fill / 2, "without the guard %u of %u waiting flows "
	      "stayed", p_off, p_fill);
	CHECK(after[XLB_STAT_CT_EVICT] - before[XLB_STAT_CT_EVICT] >=
	      p_on - p_off, "evictions not counted");
	test_end("flood guard off: the same flood (twice) replaces the flows "
		 "waiting for a second packet, never an established one");
}

/* --- the flow table ----------------------------------------------------- */

/* Checks that a slot holds flow pl with backend be and exactly flags. */
static void check_slot(const struct ct_slot *s, const struct ct_place *pl,
		       __u32 be, __u32 flags)
{
	CHECK_EQ(s->m.tag & XLB_CT_TAG_MASK, pl->tag);
	CHECK_EQ(s->m.tag & CT_FLAGS, flags | XLB_CT_F_USED);
	CHECK_MEM(s->e.src, pl->e.src, sizeof(s->e.src));
	CHECK_EQ(s->e.sport, pl->e.sport);
	CHECK_EQ(s->e.vip_id, pl->e.vip_id);
	CHECK_EQ(s->m.backend_id, be);
	CHECK_EQ(s->e.pad, 0);
}

static void test_ct_insert_lookup(void)
{
	static const struct {
		const char *name;
		int cpu;
		struct fx_pkt first, next;
		__u32 verdict, vip, be, flags;
		int stat_fwd;
	} rows[] = {
		{ "IPv4 TCP on CPU 0", 0,
		  { C4, V4, 47000, 80, TCP, TF_SYN },
		  { C4, V4, 47000, 80, TCP, TF_ACK },
		  XDP_TX, 1, 11, 0, XLB_STAT_TX },
		{ "IPv6 TCP on CPU 1", 1,
		  { C6, V6, 47001, 80, TCP, TF_SYN },
		  { C6, V6, 47001, 80, TCP, TF_ACK },
		  XDP_TX, 3, 31, 0, XLB_STAT_TX },
		/* Payloads that make frames of Ethernet's minimum, 60
		 * bytes, or more: see the encapsulation's bounds check. */
		{ "IPv4 UDP on CPU 1", 1,
		  { C4, V4, 47002, 53, UDP, .payload = 18 },
		  { C4, V4, 47002, 53, UDP, .payload = 25 },
		  XDP_TX, 2, 21, XLB_CT_F_UDP, XLB_STAT_TX },
		{ "IPv6 UDP, redirected, on CPU 0", 0,
		  { C6, V6, 47003, 53, UDP, .payload = 4 },
		  { C6, V6, 47003, 53, UDP, .payload = 9 },
		  XDP_REDIRECT, 4, 41, XLB_CT_F_UDP, XLB_STAT_REDIRECT },
	};
	char name[160];
	size_t r;

	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct fx_pkt *p1 = &rows[r].first, *p2 = &rows[r].next;
		struct ct_place pl = ct_place_of(p1);
		__u32 used[2], t0, a0, part = rows[r].cpu;
		struct ct_slot s, s2;

		test_begin();
		if (!CHECK(ct_nparts >= 2, "%u partitions", ct_nparts) ||
		    !CHECK_EQ(pin_cpu(rows[r].cpu), 0))
			goto next;
		ct_clear();
		used[0] = ct_used(0);
		used[1] = ct_used(1);
		t0 = ct_now();
		step_pkt(p1, rows[r].verdict, rows[r].vip, rows[r].be,
			 XLB_STAT_CT_MISS_SYN, rows[r].stat_fwd, 1);
		/* Exactly one slot, in the sending CPU's partition. */
		CHECK_EQ(ct_used(part) - used[part], 1);
		CHECK_EQ(ct_used(!part) - used[!part], 0);
		if (!CHECK_EQ(ct_find_part(&pl, part, &s), 0))
			goto next;
		check_slot(&s, &pl, rows[r].be, rows[r].flags);
		CHECK(CT_SINCE(s.m.atime, t0) <= CT_SINCE(ct_now(), t0),
		      "atime %u, t0 %u",
		      s.m.atime, t0);

		/* Within XLB_CT_TOUCH_TICKS of its last write: hits leave
		 * atime alone (the first sets SEEN2, the second writes
		 * nothing). */
		a0 = (__u16)(ct_now() - 10);
		ct_meta_of(&s)->atime = a0;
		step_pkt(p2, rows[r].verdict, rows[r].vip, rows[r].be,
			 XLB_STAT_CT_HIT, rows[r].stat_fwd, 0);
		CHECK_EQ(ct_find_part(&pl, part, &s2), 0);
		check_slot(&s2, &pl, rows[r].be,
			   rows[r].flags | XLB_CT_F_SEEN2);
		CHECK_EQ(s2.m.atime, a0);
		CHECK(s2.idx == s.idx && s2.way == s.way, "slot moved");
		step_pkt(p2, rows[r].verdict, rows[r].vip, rows[r].be,
			 XLB_STAT_CT_HIT, rows[r].stat_fwd, 0);
		CHECK_EQ(ct_find_part(&pl, part, &s2), 0);
		CHECK_EQ(s2.m.atime, a0);
		CHECK_EQ(s2.m.tag & CT_FLAGS,
			 rows[r].flags | XLB_CT_F_SEEN2 | XLB_CT_F_USED);

		/* Older than that: the hit rewrites it. */
		ct_meta_of(&s)->atime = ct_now() - XLB_CT_TOUCH_TICKS - 5;
		t0 = ct_now();
		step_pkt(p2, rows[r].verdict, rows[r].vip, rows[r].be,
			 XLB_STAT_CT_HIT, rows[r].stat_fwd, 0);
		CHECK_EQ(ct_find_part(&pl, part, &s2), 0);
		CHECK(CT_SINCE(s2.m.atime, t0) <= CT_SINCE(ct_now(), t0),
		      "atime %u not rewritten (t0 %u)", s2.m.atime, t0);
		CHECK_EQ(ct_used(part) - used[part], 1);
		CHECK_EQ(ct_used(!part) - used[!part], 0);
next:
		snprintf(name, sizeof(name), "flow table, %s: the first packet "
			 "takes one slot of its CPU's partition, the second "
			 "hits and sets SEEN2; atime written at most every "
			 "%u ticks", rows[r].name, XLB_CT_TOUCH_TICKS);
		test_end(name);
	}
	pin_cpu(0);
}

static void test_ct_udp_expiry(void)
{
	static const struct {
		const char *name;
		__u32 idle;		/* ticks */
		int stat;		/* XLB_STAT_CT_HIT or _MISS_SYN */
	} rows[] = {
		{ "idle past the 5 s udp-timeout: a new flow in the same slot",
		  NS_TICKS(UDP_TIMEOUT_NS) + 20, XLB_STAT_CT_MISS_SYN },
		{ "idle 10 s, past udp-timeout, within the 30 s default: new",
		  NS_TICKS(10000000000ull), XLB_STAT_CT_MISS_SYN },
		{ "idle within the udp-timeout: a hit",
		  NS_TICKS(UDP_TIMEOUT_NS) - 20, XLB_STAT_CT_HIT },
	};
	const struct fx_pkt *u = PKT(C4, V4, 47010, 53, UDP, .payload = 8);
	struct ct_place pl = ct_place_of(u);
	struct ct_slot s, s2;
	char name[160];
	size_t r;
	__u32 used, t0;

	pin_cpu(0);
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		int hit = rows[r].stat == XLB_STAT_CT_HIT;

		test_begin();
		ct_clear();
		step_pkt(u, XDP_TX, 2, 21, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX,
			 1);
		step_pkt(u, XDP_TX, 2, 21, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
		if (!CHECK_EQ(ct_find_part(&pl, 0, &s), 0))
			goto next;
		used = ct_used(0);
		ct_meta_of(&s)->atime = ct_now() - rows[r].idle;
		t0 = ct_now();
		step_pkt(u, XDP_TX, 2, 21, rows[r].stat, XLB_STAT_TX, !hit);
		CHECK_EQ(ct_find_part(&pl, 0, &s2), 0);
		/* Renewed, not duplicated: the same slot, no other. */
		CHECK(s2.idx == s.idx && s2.way == s.way,
		      "slot %u/%u became %u/%u", s.idx, s.way, s2.idx,
		      s2.way);
		CHECK_EQ(ct_count(&pl, 0), 1);
		CHECK_EQ(ct_used(0), used);
		CHECK_EQ(ct_used(1), 0);
		/* A new flow starts over without SEEN2 and a fresh atime. */
		check_slot(&s2, &pl, 21, XLB_CT_F_UDP |
			   (hit ? XLB_CT_F_SEEN2 : 0));
		CHECK(CT_SINCE(s2.m.atime, t0) <= CT_SINCE(ct_now(), t0),
		      "atime %u (t0 %u)", s2.m.atime, t0);
next:
		snprintf(name, sizeof(name), "flow table, UDP %s",
			 rows[r].name);
		test_end(name);
	}
}

/*
 * Replacement order. The new flow's two buckets are set up slot by
 * slot over a partition full of live established fillers (so no entry
 * can move unless a case makes room); a SYN must land in exactly the
 * expected slot and leave every other one as it was.
 */
#define CT_M_FREE	0xffffffffu	/* ct_mod.flags: a free slot */
#define CT_FILL_IDLE	1000		/* ticks, ~17 s: live */
#define MOD(b, w, f, i)	{ b, w, f, i }
#define MOD_END		{ -1, 0, 0, 0 }

struct ct_mod {
	int b;			/* which of the flow's buckets, -1 ends */
	int way;
	__u32 flags;		/* XLB_CT_F_* of a used slot, or CT_M_FREE */
	__u32 idle;		/* ticks */
};

struct ct_repl {
	const char *name;
	struct ct_mod mods[4];
	int vb, vw;		/* the slot the flow takes; vb -1: none */
	int mover;		/* slot vb/vw holds a real flow whose other
				 * bucket has a free slot */
	int stats[4];
};

#define TCP_EXPIRED	(NS_TICKS(XLB_TCP_TIMEOUT_NS) + 10)
#define SEEN		XLB_CT_F_SEEN2

static const struct ct_repl repl_rows[] = {
	{ "(a) one free slot, in the second bucket: taken",
	  { MOD(1, 5, CT_M_FREE, 0), MOD_END }, 1, 5, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX) },
	{ "(a) free slots in both: the less loaded bucket's first",
	  { MOD(0, 2, CT_M_FREE, 0), MOD(1, 4, CT_M_FREE, 0),
	    MOD(1, 1, CT_M_FREE, 0), MOD_END }, 1, 1, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX) },
	{ "(a) one free slot in each: the first bucket",
	  { MOD(0, 6, CT_M_FREE, 0), MOD(1, 3, CT_M_FREE, 0), MOD_END },
	  0, 6, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX) },
	{ "(b) no free slot, one TCP entry idle past 900 s: replaced",
	  { MOD(1, 3, SEEN, TCP_EXPIRED), MOD_END }, 1, 3, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX) },
	{ "(b) an expired entry goes before an older live one without SEEN2",
	  { MOD(0, 0, 0, 13000), MOD(1, 6, SEEN, TCP_EXPIRED), MOD_END },
	  1, 6, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX) },
	{ "(b) a CLOSING entry quiet 3 s (linger 2 s) before a live one",
	  { MOD(0, 4, SEEN | XLB_CT_F_CLOSING, NS_TICKS(3000000000ull)),
	    MOD(0, 1, 0, 2000), MOD_END }, 0, 4, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX) },
	{ "(b) a CLOSING entry quiet 1 s is live: the oldest without SEEN2 "
	  "goes",
	  { MOD(0, 4, SEEN | XLB_CT_F_CLOSING, NS_TICKS(1000000000ull)),
	    MOD(1, 2, 0, 500), MOD_END }, 1, 2, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_EVICT, XLB_STAT_TX) },
	{ "(b) a UDP entry idle 10 s (udp-timeout 5 s): replaced",
	  { MOD(0, 7, SEEN | XLB_CT_F_UDP, NS_TICKS(10000000000ull)),
	    MOD(1, 0, 0, 3000), MOD_END }, 0, 7, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_TX) },
	{ "(c) all live: the oldest without SEEN2 goes, evict counted",
	  { MOD(0, 2, 0, 50), MOD(0, 5, 0, 80), MOD(1, 0, 0, 60), MOD_END },
	  0, 5, 0, ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_EVICT, XLB_STAT_TX) },
	{ "(c) all live: the oldest without SEEN2 in the second bucket",
	  { MOD(0, 3, 0, 40), MOD(1, 7, 0, 90), MOD_END }, 1, 7, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_EVICT, XLB_STAT_TX) },
	{ "(d) all live with SEEN2, no room by moving: none replaced, by "
	  "the table",
	  { MOD_END }, -1, 0, 0,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_FULL, XLB_STAT_TX) },
	{ "(e) all 16 live, an entry of the first bucket has room in its "
	  "other one: it moves",
	  { MOD_END }, 0, 6, 1,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_MOVED, XLB_STAT_TX) },
	{ "(e) the same for an entry of the second bucket",
	  { MOD(0, 1, 0, 30), MOD_END }, 1, 2, 1,
	  ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_MOVED, XLB_STAT_TX) },
};

/* The backend VIP 10's table gives flow p (4 backends, 13 slots). */
static __u32 vip10_pick(const struct fx_pkt *p)
{
	const struct vip_def *v = vip_by_id(10);
	struct xlb_flow_key k = flow_key(p);

	return v->backends[xlb_hash_flow(&k, FX_HASH_SEED) % v->ring_size %
			   4];
}

/* A flow to VIP 10 (from 198.18.100.2) with bucket target among its
 * two whose other bucket is none of avoid[0..1]; its port, 0 if none. */
static __u16 find_mover(__u32 target, const __u32 *avoid, __u32 *alt)
{
	__u32 port;

	for (port = 1; port < 65536; port++) {
		struct ct_place pl = ct_place_of(PKT("198.18.100.2",
						     "198.18.50.4", port, 80,
						     TCP));
		__u32 a;

		if (pl.idx[0] != target && pl.idx[1] != target)
			continue;
		a = xlb_ct_alt(target, pl.tag, ct_nb);
		if (a == target || a == avoid[0] || a == avoid[1])
			continue;
		*alt = a;
		return port;
	}
	return 0;
}

/* Give a filler in bucket idx a new random tag until its other bucket
 * is not avoid: only the mover may find room there. */
static void retag_away(__u32 idx, int way, __u32 avoid)
{
	struct xlb_ct_meta *m = &ct_bucket(0, idx)->meta[way];
	int i;

	for (i = 0; i < 100; i++) {
		if (xlb_ct_alt(idx, m->tag & XLB_CT_TAG_MASK, ct_nb) != avoid)
			return;
		m->tag = (ct_rng() & XLB_CT_TAG_MASK) |
			 (m->tag & CT_FLAGS);
	}
}

static void test_ct_replace(void)
{
	const struct fx_pkt *syn = PKT(C4, "198.18.50.4", 0, 80, TCP, TF_SYN);
	struct fx_pkt nsyn = *syn, nack, msyn = {}, mack;
	struct xlb_ct_bucket snap[3];
	struct xlb_ct_keys ksnap[3];
	struct ct_place pl, mpl = {};
	char name[200];
	__u32 be, mbe = 0, alt = 0, port;
	size_t r;
	int j, w, i;

	pin_cpu(0);
	/* A client port whose two buckets differ. */
	for (port = 47100; port < 48000; port++) {
		nsyn.sport = port;
		pl = ct_place_of(&nsyn);
		if (pl.idx[0] != pl.idx[1])
			break;
	}
	nack = nsyn;
	nack.tcp_flags = TF_ACK;
	be = vip10_pick(&nsyn);
	for (r = 0; r < sizeof(repl_rows) / sizeof(repl_rows[0]); r++) {
		const struct ct_repl *c = &repl_rows[r];
		__u32 now, idx[3];
		int nb = 2, diffs = 0;
		struct ct_slot s;
		/* A mover where the insert looks: the first of the
		 * CT_DISPLACE_TRIES ways its tag picks. */
		int vw = c->mover ? (int)((pl.tag >> 8) & (XLB_CT_WAYS - 1)) :
				    c->vw;

		test_begin();
		ct_clear();
		ct_fill(0, XLB_CT_F_SEEN2, CT_FILL_IDLE, 999);
		now = ct_now();
		idx[0] = pl.idx[0];
		idx[1] = pl.idx[1];
		for (i = 0; i < 4 && c->mods[i].b >= 0; i++) {
			const struct ct_mod *m = &c->mods[i];
			struct xlb_ct_bucket *b = ct_bucket(0, idx[m->b]);

			if (m->flags == CT_M_FREE) {
				memset(&b->meta[m->way], 0,
				       sizeof(b->meta[0]));
				memset(ct_ent(b, m->way), 0,
				       sizeof(struct xlb_ct_entry));
				continue;
			}
			b->meta[m->way].tag =
				(b->meta[m->way].tag & XLB_CT_TAG_MASK) |
				m->flags | XLB_CT_F_USED;
			b->meta[m->way].atime = now - m->idle;
		}
		if (c->mover) {
			struct xlb_ct_bucket *a;

			/* A real flow, in slot vb/vw, its other bucket
			 * with one free slot no filler can move to. */
			msyn = (struct fx_pkt){ "198.18.100.2", "198.18.50.4",
						0, 80, TCP, TF_SYN };
			msyn.sport = find_mover(idx[c->vb], idx, &alt);
			if (!CHECK(msyn.sport, "no flow shares bucket %u",
				   idx[c->vb]))
				goto next;
			mpl = ct_place_of(&msyn);
			/* Not what the table gives it, so that a hit is
			 * told from a miss. */
			mbe = vip10_pick(&msyn) == 104 ? 103 : 104;
			ct_write(0, idx[c->vb], vw, &mpl.e, mbe,
				 mpl.tag | XLB_CT_F_USED | XLB_CT_F_SEEN2,
				 now - CT_FILL_IDLE);
			a = ct_bucket(0, alt);
			memset(&a->meta[3], 0, sizeof(a->meta[3]));
			memset(ct_ent(a, 3), 0, sizeof(struct xlb_ct_entry));
			for (j = 0; j < 2; j++)
				for (w = 0; w < XLB_CT_WAYS; w++)
					if (j != c->vb || w != vw)
						retag_away(idx[j], w, alt);
			idx[2] = alt;
			nb = 3;
		}
		for (j = 0; j < nb; j++) {
			snap[j] = *ct_bucket(0, idx[j]);
			ksnap[j] = ct_keys_tab[ct_bucket(0, idx[j]) - ct_tab];
		}

		{
			struct step st = { &nsyn, NULL, XDP_TX, 10, be,
					   { c->stats[0], c->stats[1],
					     c->stats[2], c->stats[3] }, 1 };

			do_step(&st);
		}
		/* The flow where expected, every other slot untouched (a
		 * moved entry's new slot apart). */
		for (j = 0; j < nb; j++)
			for (w = 0; w < XLB_CT_WAYS; w++) {
				struct xlb_ct_bucket *b = ct_bucket(0, idx[j]);

				if ((j == c->vb && w == vw) ||
				    (j == 2 && w == 3))
					continue;
				diffs += memcmp(&b->meta[w], &snap[j].meta[w],
						sizeof(b->meta[w])) ||
					 memcmp(ct_ent(b, w), &ksnap[j].e[w],
						sizeof(ksnap[j].e[w]));
			}
		CHECK_EQ(diffs, 0);
		CHECK_EQ(ct_used(1), 0);
		if (c->vb < 0) {
			CHECK(ct_find_part(&pl, 0, &s) != 0,
			      "inserted in a full table");
			/* Still by the table: the same backend. */
			{
				struct step st = { &nack, NULL, XDP_TX, 10, be,
						   ST(XLB_STAT_CT_MISS_NONSYN,
						      XLB_STAT_CT_FULL,
						      XLB_STAT_TX), 1 };

				do_step(&st);
			}
			goto next;
		}
		if (!CHECK_EQ(ct_find_part(&pl, 0, &s), 0))
			goto next;
		CHECK(s.idx == idx[c->vb] && s.way == (__u32)vw,
		      "in bucket %u way %u, expected %u way %d", s.idx, s.way,
		      idx[c->vb], vw);
		check_slot(&s, &pl, be, 0);
		CHECK(CT_SINCE(s.m.atime, now) <= CT_SINCE(ct_now(), now), "atime %u",
		      s.m.atime);
		step_pkt(&nack, XDP_TX, 10, be, XLB_STAT_CT_HIT, XLB_STAT_TX,
			 0);
		if (c->mover) {
			struct ct_slot ms;

			/* Moved whole: tag, flags, atime, backend. */
			if (CHECK_EQ(ct_find_part(&mpl, 0, &ms), 0)) {
				CHECK_EQ(ms.idx, alt);
				CHECK_EQ(ms.way, 3);
				check_slot(&ms, &mpl, mbe, XLB_CT_F_SEEN2);
				CHECK_EQ(ms.m.atime, (__u16)(now - CT_FILL_IDLE));
			}
			mack = msyn;
			mack.tcp_flags = TF_ACK;
			step_pkt(&mack, XDP_TX, 10, mbe, XLB_STAT_CT_HIT,
				 XLB_STAT_TX, 0);
		}
next:
		snprintf(name, sizeof(name), "flow table replacement %s",
			 c->name);
		test_end(name);
	}
}

/*
 * Moves back off where they keep failing: after XLB_CT_BACKOFF_FAILS
 * inserts into a partition full of established flows (no room to move
 * to), the next XLB_CT_BACKOFF_SKIP inserts that would move do not, though
 * room is there now: their flows go by the table. The one after them
 * moves again.
 */
static void test_ct_move_backoff(void)
{
	struct fx_pkt nsyn = *PKT(C4, "198.18.50.4", 0, 80, TCP, TF_SYN);
	struct fx_pkt msyn = { "198.18.100.2", "198.18.50.4", 0, 80, TCP,
			       TF_SYN };
	struct ct_place pl, mpl;
	struct xlb_ct_bucket *a;
	__u32 idx[2], alt = 0, be, now, port;
	int i, j, w, vw, moved = 0;
	struct ct_slot s;

	pin_cpu(0);
	test_begin();
	for (port = 47100; port < 48000; port++) {
		nsyn.sport = port;
		pl = ct_place_of(&nsyn);
		if (pl.idx[0] != pl.idx[1])
			break;
	}
	be = vip10_pick(&nsyn);
	ct_clear();
	ct_fill(0, XLB_CT_F_SEEN2, CT_FILL_IDLE, 999);
	for (i = 0; i < XLB_CT_BACKOFF_FAILS; i++) {
		struct fx_pkt f = nsyn;
		struct step st = { &f, NULL, XDP_TX, 10, 0,
				   ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_FULL,
				      XLB_STAT_TX), 1 };

		f.sport = 20000 + i;
		st.be_id = vip10_pick(&f);
		do_step(&st);
	}
	/* Room for a move now, as in replacement (e). */
	now = ct_now();
	idx[0] = pl.idx[0];
	idx[1] = pl.idx[1];
	vw = (pl.tag >> 8) & (XLB_CT_WAYS - 1);
	msyn.sport = find_mover(idx[0], idx, &alt);
	if (!CHECK(msyn.sport, "no flow shares bucket %u", idx[0]))
		goto out;
	mpl = ct_place_of(&msyn);
	ct_write(0, idx[0], vw, &mpl.e, 104,
		 mpl.tag | XLB_CT_F_USED | XLB_CT_F_SEEN2, now - CT_FILL_IDLE);
	a = ct_bucket(0, alt);
	memset(&a->meta[3], 0, sizeof(a->meta[3]));
	memset(ct_ent(a, 3), 0, sizeof(struct xlb_ct_entry));
	for (j = 0; j < 2; j++)
		for (w = 0; w < XLB_CT_WAYS; w++)
			if (j || w != vw)
				retag_away(idx[j], w, alt);
	for (i = 0; i < XLB_CT_BACKOFF_SKIP; i++) {
		struct step st = { &nsyn, NULL, XDP_TX, 10, be,
				   ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_FULL,
				      XLB_STAT_TX), 1 };

		do_step(&st);
		moved += !!(a->meta[3].tag & XLB_CT_F_USED);
	}
	CHECK(moved == 0, "moved during the backoff: %d", moved);
	CHECK(ct_find_part(&pl, 0, &s) != 0, "inserted during the backoff");
	{
		struct step st = { &nsyn, NULL, XDP_TX, 10, be,
				   ST(XLB_STAT_CT_MISS_SYN, XLB_STAT_CT_MOVED,
				      XLB_STAT_TX), 1 };

		do_step(&st);
	}
	CHECK_EQ(ct_find_part(&pl, 0, &s), 0);
	CHECK(a->meta[3].tag & XLB_CT_F_USED, "the mover did not move");
out:
	test_end("flow table: moves back off after failing in a full "
		 "partition, and try again after the backoff");
}

/*
 * The second-packet rule: a partition 90 % full of established flows
 * (SYN, then ACK: SEEN2 through the data path), then a SYN flood of
 * random tuples four times its size without the guard. The flood takes
 * what is free, then replaces itself, and where a flow's buckets hold
 * only established flows it goes by the table; it must not take a
 * single established slot.
 */
static void test_ct_flood_seen2(void)
{
	__u32 n_est = ct_nb * XLB_CT_WAYS * 9 / 10, n_syn = ct_nb *
		      XLB_CT_WAYS * 4, i, lost = 0, moved_be = 0, kept = 0;
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	struct ct_place *est;
	__u8 tmpl[128];
	size_t len;

	test_begin();
	pin_cpu(0);
	ct_clear();
	CHECK_EQ(cfg_flood(0), 0);
	est = calloc(n_est, sizeof(*est));
	if (!CHECK(est, "calloc"))
		goto out;
	len = fx_build(PKT("198.18.0.0", V4, 1, 80, TCP, TF_SYN), tmpl);
	for (i = 0; i < n_est; i++) {
		__be32 a = htonl(0xc6120000u | (ct_rng() & 0x1ffff));
		__be16 port = htons(1024 + i);
		struct fx_pkt p = { "198.18.0.0", V4, 1024 + i, 80, TCP };
		char s[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &a, s, sizeof(s));
		p.src = s;
		est[i] = ct_place_of(&p);
		fx_set_client(tmpl, a, port);
		tmpl[14 + 20 + 13] = TF_SYN;
		fx_run(prog_fd, tmpl, len, &run);
		if (!CHECK_EQ(run.ret, XDP_TX))
			break;
		tmpl[14 + 20 + 13] = TF_ACK;
		fx_run(prog_fd, tmpl, len, &run);
		if (!CHECK_EQ(run.ret, XDP_TX))
			break;
	}
	/* A 90 % fill loses at most 0.1 % (the table's bound; the
	 * premature-eviction test measures it): the flood must then keep
	 * every flow that was established. */
	for (i = 0; i < n_est; i++) {
		struct ct_slot s;

		if (ct_find_part(&est[i], 0, &s) ||
		    !(s.m.tag & XLB_CT_F_SEEN2)) {
			est[i].tag = UINT32_MAX;
			lost++;
		}
	}
	CHECK(lost * 1000 <= n_est, "%u of %u flows not established before "
	      "the flood", lost, n_est);
	kept = n_est - lost;

	fx_stats(skel, before);
	tmpl[14 + 20 + 13] = TF_SYN;
	for (i = 0; i < n_syn; i++) {
		fx_set_client(tmpl, htonl(0xc6120000u | (ct_rng() & 0x1ffff)),
			      htons(ct_rng()));
		fx_run(prog_fd, tmpl, len, &run);
		if (!CHECK_EQ(run.ret, XDP_TX))
			break;
	}
	fx_stats(skel, after);
	lost = 0;
	for (i = 0; i < n_est; i++) {
		struct ct_slot s;

		if (est[i].tag == UINT32_MAX)
			continue;
		if (ct_find_part(&est[i], 0, &s) ||
		    !(s.m.tag & XLB_CT_F_SEEN2))
			lost++;
		else if (s.m.backend_id != 11)
			moved_be++;
	}
	printf("# SYN flood over %u established flows: %u SYNs, evicted "
	       "%llu, full %llu, moved %llu, established lost %u\n", kept,
	       n_syn,
	       (unsigned long long)(after[XLB_STAT_CT_EVICT] -
				    before[XLB_STAT_CT_EVICT]),
	       (unsigned long long)(after[XLB_STAT_CT_FULL] -
				    before[XLB_STAT_CT_FULL]),
	       (unsigned long long)(after[XLB_STAT_CT_MOVED] -
				    before[XLB_STAT_CT_MOVED]), lost);
	CHECK_EQ(lost, 0);
	CHECK_EQ(moved_be, 0);
	/* The flood did press on the table: it filled it, replaced its
	 * own entries, and often found no room. */
	CHECK_EQ(ct_used(0), ct_nb * XLB_CT_WAYS);
	CHECK(after[XLB_STAT_CT_EVICT] - before[XLB_STAT_CT_EVICT] >
	      n_syn / 2, "few evictions");
	CHECK(after[XLB_STAT_CT_FULL] - before[XLB_STAT_CT_FULL] > n_syn / 100,
	      "the flood rarely found its buckets full");
out:
	free(est);
	test_end("flow table: a SYN flood four times the partition replaces "
		 "no established (SEEN2) flow");
}

static void test_ct_remote(void)
{
	const struct fx_pkt *syn = PKT(C4, V4, 47300, 80, TCP, TF_SYN);
	const struct fx_pkt *ack = PKT(C4, V4, 47300, 80, TCP, TF_ACK);
	const struct fx_pkt *fin = PKT(C4, V4, 47301, 80, TCP,
				       TF_FIN | TF_ACK);
	const struct fx_pkt *syn2 = PKT(C4, V4, 47301, 80, TCP, TF_SYN);
	const struct fx_pkt *ack2 = PKT(C4, V4, 47301, 80, TCP, TF_ACK);
	struct ct_place pl = ct_place_of(ack), pl2 = ct_place_of(ack2);
	__u32 swap = BE_SWAP, orig = 11, used1;
	struct ct_slot s, s0;

	test_begin();
	if (!CHECK(ct_nparts >= 2, "%u partitions", ct_nparts))
		goto out1;
	ct_clear();
	CHECK_EQ(pin_cpu(0), 0);
	step_pkt(syn, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	/* The table would now pick another backend. */
	CHECK_EQ(fx_ring_set(skel, 1, &swap, 1, 7), 0);
	CHECK_EQ(pin_cpu(1), 0);
	used1 = ct_used(1);
	step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_REMOTE, XLB_STAT_TX, 0);
	/* A copy in CPU 1's partition: established, marked a copy. */
	CHECK_EQ(ct_used(1), used1 + 1);
	if (CHECK_EQ(ct_find_part(&pl, 1, &s), 0))
		check_slot(&s, &pl, 11, XLB_CT_F_SEEN2 | XLB_CT_F_COPY);
	CHECK_EQ(ct_find_part(&pl, 0, &s0), 0);
	CHECK_EQ(s0.m.backend_id, 11);
	step_pkt(ack, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_used(1), used1 + 1);
	/* Control: a new flow on CPU 1 goes by the swapped table. */
	step_pkt(PKT(C4, V4, 47302, 80, TCP, TF_SYN), XDP_TX, 1, BE_SWAP,
		 XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
out1:
	CHECK_EQ(fx_ring_set(skel, 1, &orig, 1, 7), 0);
	pin_cpu(0);
	test_end("flow table: a flow inserted on CPU 0 is found from CPU 1 "
		 "(remote, same backend after a ring swap), copied there, "
		 "then a plain hit");

	/*
	 * A closed flow's slot, quiet past the linger: the tuple's next
	 * connection may have begun on another CPU, whose entry wins.
	 * Without one the packet is a miss (re-picked from the table).
	 */
	test_begin();
	if (!CHECK(ct_nparts >= 2, "%u partitions", ct_nparts))
		goto out2;
	ct_clear();
	CHECK_EQ(pin_cpu(0), 0);
	step_pkt(syn2, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(fin, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_set_atime(fin, ct_now() - NS_TICKS(3000000000ull)), 0);
	CHECK_EQ(ct_find_part(&pl2, 0, &s0), 0);
	CHECK_EQ(fx_ring_set(skel, 1, &swap, 1, 7), 0);
	CHECK_EQ(pin_cpu(1), 0);
	step_pkt(syn2, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX,
		 1);
	CHECK_EQ(pin_cpu(0), 0);
	step_pkt(ack2, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_REMOTE, XLB_STAT_TX, 0);
	/* The quiet slot now holds the copy. */
	if (CHECK_EQ(ct_find_part(&pl2, 0, &s), 0)) {
		check_slot(&s, &pl2, BE_SWAP, XLB_CT_F_SEEN2 | XLB_CT_F_COPY);
		CHECK(s.idx == s0.idx && s.way == s0.way, "not in place");
		CHECK_EQ(ct_count(&pl2, 0), 1);
	}
	step_pkt(ack2, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	/* No live copy elsewhere: a miss, by the table. */
	CHECK_EQ(fx_ring_set(skel, 1, &orig, 1, 7), 0);
	ct_clear();
	step_pkt(syn2, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(fin, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_set_atime(fin, ct_now() - NS_TICKS(3000000000ull)), 0);
	CHECK_EQ(fx_ring_set(skel, 1, &swap, 1, 7), 0);
	step_pkt(ack2, XDP_TX, 1, BE_SWAP, XLB_STAT_CT_MISS_NONSYN,
		 XLB_STAT_TX, 1);
	/* Within the linger the closed slot still serves its flow. */
	ct_clear();
	CHECK_EQ(fx_ring_set(skel, 1, &orig, 1, 7), 0);
	step_pkt(syn2, XDP_TX, 1, 11, XLB_STAT_CT_MISS_SYN, XLB_STAT_TX, 1);
	step_pkt(fin, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
	CHECK_EQ(ct_set_atime(fin, ct_now() - NS_TICKS(1000000000ull)), 0);
	CHECK_EQ(fx_ring_set(skel, 1, &swap, 1, 7), 0);
	step_pkt(ack2, XDP_TX, 1, 11, XLB_STAT_CT_HIT, XLB_STAT_TX, 0);
out2:
	CHECK_EQ(fx_ring_set(skel, 1, &orig, 1, 7), 0);
	pin_cpu(0);
	test_end("flow table: a closed flow's slot quiet past 2 s defers to "
		 "the tuple's live entry on another CPU, else a miss");
}

/*
 * Premature eviction: SYNs of distinct random tuples from both CPUs in
 * turn until 90 % of the table's slots are taken. Every flow lost on the
 * way (replaced, or found no slot) is one a real table would have broken
 * while it still had room; at most 0.1 % may be.
 */
#define PREM_FLOWS	(CT_TEST_SLOTS * 9 / 10)

static void test_ct_premature(void)
{
	static struct ct_place pl[PREM_FLOWS];
	static __u8 cpu_of[PREM_FLOWS];
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX], evict, full, moved;
	__u32 i, lost = 0, n = PREM_FLOWS, used;
	__u8 tmpl[128];
	size_t len;
	double pct;

	test_begin();
	if (!CHECK(ct_nparts >= 2, "%u partitions", ct_nparts))
		goto out;
	ct_clear();
	CHECK_EQ(cfg_flood(0), 0);
	len = fx_build(PKT("198.18.0.0", V4, 1, 80, TCP, TF_SYN), tmpl);
	fx_stats(skel, before);
	for (i = 0; i < n; i++) {
		/* Distinct: an odd multiplier permutes the /15. */
		__be32 a = htonl(0xc6120000u | ((i * 0x9e3779b1u) & 0x1ffff));
		__u16 port = 1024 + ct_rng() % 64512;
		struct fx_pkt p = { "198.18.0.0", V4, port, 80, TCP };
		char s[INET_ADDRSTRLEN];

		cpu_of[i] = i & 1;
		if (pin_cpu(cpu_of[i])) {
			CHECK(0, "pin to CPU %u", cpu_of[i]);
			break;
		}
		inet_ntop(AF_INET, &a, s, sizeof(s));
		p.src = s;
		pl[i] = ct_place_of(&p);
		fx_set_client(tmpl, a, htons(port));
		fx_run(prog_fd, tmpl, len, &run);
		if (!CHECK_EQ(run.ret, XDP_TX))
			break;
	}
	fx_stats(skel, after);
	pin_cpu(0);
	n = i;
	for (i = 0; i < n; i++) {
		struct ct_slot s;

		lost += ct_find_part(&pl[i], cpu_of[i], &s) != 0;
	}
	evict = after[XLB_STAT_CT_EVICT] - before[XLB_STAT_CT_EVICT];
	full = after[XLB_STAT_CT_FULL] - before[XLB_STAT_CT_FULL];
	moved = after[XLB_STAT_CT_MOVED] - before[XLB_STAT_CT_MOVED];
	used = ct_used(0) + ct_used(1);
	pct = n ? 100.0 * lost / n : 100.0;
	printf("# ct_premature_evict_pct %.3f\n", pct);
	printf("# %u flows into %u slots (%u partitions): lost %u, evict "
	       "%llu, full %llu, moved %llu, used %u\n", n, CT_TEST_SLOTS,
	       ct_nparts, lost, (unsigned long long)evict,
	       (unsigned long long)full, (unsigned long long)moved, used);
	CHECK_EQ(n, PREM_FLOWS);
	CHECK_EQ(after[XLB_STAT_CT_MISS_SYN] - before[XLB_STAT_CT_MISS_SYN], n);
	/* Every loss is counted, and moves lose nothing. */
	CHECK_EQ(evict + full, lost);
	CHECK_EQ(used, n - lost);
	CHECK(lost * 1000 <= n, "%u of %u flows (%.3f %%) lost", lost, n, pct);
out:
	pin_cpu(0);
	test_end("flow table: filled to 90 % from both CPUs, at most 0.1 % of "
		 "the flows lost before it was full");
}

/* --- truncation at every offset ------------------------------------------ */

static void test_truncation(void)
{
	static const struct {
		const char *name;
		struct fx_pkt p;
	} frames[] = {
		{ "IPv4 TCP",
		  { C4, V4, 44000, 80, TCP, TF_SYN, .payload = 6 } },
		{ "IPv4 UDP", { C4, V4, 44000, 53, UDP, .payload = 6 } },
		{ "IPv4 TCP with options",
		  { C4, V4, 44000, 80, TCP, TF_ACK, .ip_opts = 12 } },
		{ "VLAN IPv4 TCP",
		  { C4, V4, 44000, 80, TCP, TF_SYN, .vlan_tci = 5 } },
		{ "IPv6 TCP",
		  { C6, V6, 44000, 80, TCP, TF_SYN, .payload = 6 } },
		{ "IPv6 UDP", { C6, V6, 44000, 53, UDP, .payload = 3 } },
		{ "IPv6 TCP with 3 extension headers",
		  { C6, V6, 44000, 80, TCP, TF_ACK, .ext_hdrs = 3 } },
	};
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	char name[128];
	size_t f, len, cut;

	for (f = 0; f < sizeof(frames) / sizeof(frames[0]); f++) {
		const struct fx_pkt *p = &frames[f].p;
		size_t l3 = p->vlan_tci ? 18 : 14;
		size_t iph = fx_family(p->dst) == XLB_AF_INET6 ? 40 : 20;
		int runs = 0;

		test_begin();
		len = fx_build(p, inbuf);
		/* BPF_PROG_TEST_RUN refuses frames below ETH_HLEN. */
		for (cut = 14; cut < len; cut++) {
			int pass = cut < l3 + iph;

			fx_stats(skel, before);
			fx_run(prog_fd, inbuf, cut, &run);
			fx_stats(skel, after);
			runs++;
			if (!CHECK_EQ(run.err, 0) ||
			    !CHECK(run.ret == (pass ? XDP_PASS : XDP_DROP),
				   "cut at %zu: verdict %u", cut, run.ret))
				break;
			check_stats(before, after, pass ?
				    (int[]){ XLB_STAT_PASS, S_END } :
				    (int[]){ XLB_STAT_DROP_PARSE, S_END });
			if (test_failed_checks)
				break;
		}
		snprintf(name, sizeof(name),
			 "%s cut at each of %d offsets: pass without an "
			 "address, parse drop with one", frames[f].name, runs);
		test_end(name);
	}
}

/* --- fuzz --------------------------------------------------------------- */

static __u64 rng_state;

static __u64 rng(void)
{
	/* xorshift64*: fast, and reproducible from the printed seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int is_vip(int family, const __u8 *addr, __u8 proto, __u16 port_be)
{
	struct xlb_vip_key k = {};
	struct xlb_vip v;

	memcpy(k.addr, addr, family == XLB_AF_INET ? 4 : 16);
	k.port = port_be;
	k.proto = proto;
	k.family = family;
	return !bpf_map_lookup_elem(bpf_map__fd(skel->maps.xlb_vips), &k, &v);
}

static int is_vip_address(int family, const __u8 *addr)
{
	struct xlb_addr_key k = {};
	__u32 n;

	memcpy(k.addr, addr, family == XLB_AF_INET ? 4 : 16);
	k.family = family;
	return !bpf_map_lookup_elem(bpf_map__fd(skel->maps.xlb_vip_addrs), &k,
				    &n);
}

/*
 * A valid TCP/UDP packet of exactly len bytes to a configured VIP, or a
 * TCP/UDP fragment to a VIP address?
 */
static int valid_inner(int v6, const __u8 *p, size_t len)
{
	size_t hl, l4len;
	__u8 proto;

	if (!v6 && len >= 20 && ((p[6] << 8 | p[7]) & 0x3fff) &&
	    (p[9] == IPPROTO_TCP || p[9] == IPPROTO_UDP))
		return is_vip_address(XLB_AF_INET, p + 16);
	if (v6 && len >= 48) {
		size_t o = 40;
		__u8 nh = p[6];
		int i;

		for (i = 0; i < 4 && (nh == 0 || nh == 43 || nh == 60) &&
			    o + 2 <= len; i++) {
			nh = p[o];
			o += (p[o + 1] + 1) * 8;
		}
		if (nh == 44 && o + 8 <= len &&
		    (p[o] == IPPROTO_TCP || p[o] == IPPROTO_UDP))
			return is_vip_address(XLB_AF_INET6, p + 24);
	}

	if (!v6) {
		if (len < 20 || p[0] >> 4 != 4 || (p[0] & 15) < 5)
			return 0;
		hl = (p[0] & 15) * 4;
		if ((size_t)(p[2] << 8 | p[3]) != len || len < hl)
			return 0;
		if ((p[6] << 8 | p[7]) & 0x3fff)
			return 0;	/* a fragment */
		proto = p[9];
	} else {
		int i;

		if (len < 40 || p[0] >> 4 != 6 ||
		    (size_t)(p[4] << 8 | p[5]) + 40 != len)
			return 0;
		proto = p[6];
		hl = 40;
		for (i = 0; i < 4 && (proto == 0 || proto == 43 ||
				      proto == 60); i++) {
			if (hl + 2 > len)
				return 0;
			proto = p[hl];
			hl += (p[hl + 1] + 1) * 8;
		}
		if (hl > len)
			return 0;
	}
	l4len = len - hl;
	if (proto == IPPROTO_TCP) {
		if (l4len < 20 || (p[hl + 12] >> 4) < 5 ||
		    (size_t)(p[hl + 12] >> 4) * 4 > l4len)
			return 0;
	} else if (proto == IPPROTO_UDP) {
		size_t ulen = p[hl + 4] << 8 | p[hl + 5];

		if (l4len < 8 || ulen < 8 || ulen > l4len)
			return 0;
	} else {
		return 0;
	}
	return is_vip(v6 ? XLB_AF_INET6 : XLB_AF_INET, p + (v6 ? 24 : 16),
		      proto, *(__u16 *)(p + hl + 2));
}

/* A too-big reply: from a VIP address, both checksums right. */
static int valid_icmp_reply(const __u8 *f, size_t len)
{
	size_t l2 = f[12] == 0x81 && f[13] == 0x00 ? 18 : 14;
	const __u8 *h = f + l2;
	__u32 sum = 0;
	size_t i;

	if (len != l2 + (f[l2 - 2] == 0x86 ? 48 : 28) + ICMP_QUOTE ||
	    memcmp(f + 6, fx_lb_mac, 6))
		return 0;
	if (f[l2 - 2] == 0x08 && f[l2 - 1] == 0x00)
		return h[0] == 0x45 && h[9] == 1 && !fx_csum(h, 20, 0) &&
		       h[20] == 3 && h[21] == 4 &&
		       !fx_csum(h + 20, 8 + ICMP_QUOTE, 0) &&
		       is_vip_address(XLB_AF_INET, h + 12);
	if (f[l2 - 2] != 0x86 || f[l2 - 1] != 0xdd || h[6] != 58 ||
	    h[40] != 2)
		return 0;
	for (i = 8; i < 40; i += 2)
		sum += h[i] << 8 | h[i + 1];
	sum += 8 + ICMP_QUOTE + 58;
	return !fx_csum(h + 40, 8 + ICMP_QUOTE, sum) &&
	       is_vip_address(XLB_AF_INET6, h + 8);
}

/* A forwarded frame: well-formed encapsulation of a valid VIP packet. */
static int valid_encap(const __u8 *f, size_t len, __u32 verdict)
{
	const struct fx_neigh *n = NULL;
	__u8 proto;
	size_t l2 = 14, i, inner_len;
	__be32 src[4];
	const __u8 *h;
	int v6;

	if (len < 14)
		return 0;
	for (i = 0; i < sizeof(fx_neighs) / sizeof(fx_neighs[0]); i++)
		if (!memcmp(f, fx_neighs[i].mac, 6))
			n = &fx_neighs[i];
	if (!n)
		return 0;
	if (memcmp(f + 6, strcmp(n->dev, FX_IF_LB) ? fx_far_mac : fx_lb_mac,
		   6))
		return 0;
	if ((verdict == XDP_TX) != !strcmp(n->dev, FX_IF_LB))
		return 0;
	if (f[12] == 0x81 && f[13] == 0x00)
		l2 = 18;
	if (len < l2)
		return 0;
	v6 = f[l2 - 2] == 0x86 && f[l2 - 1] == 0xdd;
	if (!v6 && !(f[l2 - 2] == 0x08 && f[l2 - 1] == 0x00))
		return 0;
	h = f + l2;
	/* L2 mode: the client's own packet, to a VIP. */
	if (!v6 && len >= l2 + 20 && l2 + (h[2] << 8 | h[3]) <= len &&
	    valid_inner(0, h, h[2] << 8 | h[3]))
		return 1;
	if (v6 && len >= l2 + 40 && l2 + 40 + (h[4] << 8 | h[5]) <= len &&
	    valid_inner(1, h, 40 + (h[4] << 8 | h[5])))
		return 1;
	if (!v6) {
		if (len < l2 + 20 || h[0] != 0x45 || h[8] != 64 ||
		    fx_csum(h, 20, 0) != 0)
			return 0;
		fx_addr(FX_ENCAP_SRC4, src);
		if (memcmp(h + 12, src, 4))
			return 0;
		inner_len = (h[2] << 8 | h[3]) - 20;
		if (l2 + 20 + inner_len > len)
			return 0;
		h += 20;
		proto = h[-11];
	} else {
		if (len < l2 + 40 || h[0] >> 4 != 6 || h[7] != 64)
			return 0;
		fx_addr(FX_ENCAP_SRC6, src);
		if (memcmp(h + 8, src, 16))
			return 0;
		inner_len = h[4] << 8 | h[5];
		if (l2 + 40 + inner_len > len)
			return 0;
		proto = h[6];
		h += 40;
	}
	if (proto == IPPROTO_UDP) {
		/* GUE: to the GUE port, variant 0, proto 4 or 41. */
		if (inner_len < 12 || (h[2] << 8 | h[3]) != XLB_GUE_PORT_DEFAULT ||
		    (size_t)(h[4] << 8 | h[5]) != inner_len || h[8] != 0 ||
		    h[10] || h[11] || (h[0] & 0xc0) != 0xc0)
			return 0;
		proto = h[9];
		h += 12;
		inner_len -= 12;
	}
	if (proto != 4 && proto != 41)
		return 0;
	return valid_inner(proto == 41, h, inner_len);
}

#define FUZZ_FRAMES	1000000

static void test_fuzz(void)
{
	static const struct fx_pkt seeds[] = {
		{ C4, V4, 45000, 80, TCP, TF_SYN, .payload = 12 },
		{ C4, V4, 45000, 80, TCP, TF_ACK, .ip_opts = 4 },
		{ C4, V4, 45000, 53, UDP, .payload = 20 },
		{ C4, V4, 45000, 443, TCP, TF_ACK, .vlan_tci = 9 },
		{ C4, "198.18.50.2", 45000, 80, TCP, TF_SYN },
		{ C6, V6, 45000, 80, TCP, TF_SYN, .payload = 7 },
		{ C6, V6, 45000, 53, UDP, .ext_hdrs = 2 },
		{ C6, V6, 45000, 8080, TCP, TF_FIN, .vlan_tci = 3 },
		{ C4, "198.18.0.1", 45000, 22, TCP, TF_SYN },
		{ C4, "198.18.50.3", 45000, 83, TCP, TF_SYN, .payload = 5 },
		{ C6, "2001:db8:50::2", 45000, 80, TCP, TF_ACK },
		{ C4, "198.18.50.6", 45000, 80, TCP, TF_SYN, .payload = 3 },
		{ C6, "2001:db8:50::3", 45000, 80, TCP, TF_ACK },
	};
	const size_t nseeds = sizeof(seeds) / sizeof(seeds[0]);
	__u64 seed = 0x9e3779b97f4a7c15ull, n, counts[8] = {};
	static __u8 buf[4096];
	__u8 seedbuf[16][256];
	size_t seedlen[16], len, i;
	struct timespec t0, t1;
	int bad = 0;

	for (i = 0; i < nseeds; i++)
		seedlen[i] = fx_build(&seeds[i], seedbuf[i]);
	rng_state = seed;
	printf("# fuzz: %d frames, seed 0x%llx\n", FUZZ_FRAMES,
	       (unsigned long long)seed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_begin();
	for (n = 0; n < FUZZ_FRAMES && !bad; n++) {
		__u64 r = rng();
		size_t s = r % nseeds, k, pos, cnt;
		int mode = (r >> 8) % 10;

		len = seedlen[s];
		memcpy(buf, seedbuf[s], len);
		switch (mode) {
		case 0: case 1: case 2: case 3:	/* flip bytes */
			cnt = 1 + (r >> 16) % 4;
			for (k = 0; k < cnt; k++)
				buf[rng() % len] = rng();
			break;
		case 4: case 5:			/* insert bytes */
			cnt = 1 + (r >> 16) % 16;
			pos = rng() % len;
			memmove(buf + pos + cnt, buf + pos, len - pos);
			for (k = 0; k < cnt; k++)
				buf[pos + k] = rng();
			len += cnt;
			break;
		case 6: case 7:			/* delete bytes */
			pos = 14 + rng() % (len - 14);
			cnt = 1 + (r >> 16) % 16;
			if (pos + cnt > len)
				cnt = len - pos;
			memmove(buf + pos, buf + pos + cnt, len - pos - cnt);
			len -= cnt;
			break;
		case 8:				/* truncate */
			len = 14 + rng() % (len - 14);
			break;
		default:			/* random after our MAC */
			len = 14 + rng() % 200;
			for (k = 6; k < len; k++)
				buf[k] = rng();
			buf[12] = (r >> 16) & 1 ? 0x86 : 0x08;
			buf[13] = (r >> 16) & 1 ? 0xdd : 0x00;
			buf[14] = (buf[14] & 0x0f) |
				  ((r >> 16) & 1 ? 0x60 : 0x40);
			break;
		}
		if (len < 14)
			len = 14;
		fx_run(prog_fd, buf, len, &run);
		if (run.err || run.ret > XDP_REDIRECT) {
			CHECK(0, "frame %llu: err %d verdict %u",
			      (unsigned long long)n, run.err, run.ret);
			bad = 1;
			break;
		}
		counts[run.ret]++;
		if ((run.ret == XDP_TX || run.ret == XDP_REDIRECT) &&
		    !valid_encap(run.out, run.out_len, run.ret) &&
		    !(run.ret == XDP_TX &&
		      valid_icmp_reply(run.out, run.out_len))) {
			size_t q;

			printf("# input:");
			for (q = 0; q < len; q++)
				printf(" %02x", buf[q]);
			printf("\n");
			CHECK(0, "frame %llu: forwarded but not a valid "
			      "encapsulation of a VIP packet",
			      (unsigned long long)n);
			bad = 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_EQ(counts[XDP_ABORTED], 0);
	CHECK_EQ(n, FUZZ_FRAMES);
	printf("# fuzz: %llu frames in %.1f s: pass %llu drop %llu tx %llu "
	       "redirect %llu\n", (unsigned long long)n,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)counts[XDP_PASS],
	       (unsigned long long)counts[XDP_DROP],
	       (unsigned long long)counts[XDP_TX],
	       (unsigned long long)counts[XDP_REDIRECT]);
	/* The mutations must reach the forwarding path, or the check on
	 * forwarded frames proves nothing. */
	CHECK(counts[XDP_TX] > FUZZ_FRAMES / 100, "too few forwarded");
	CHECK(counts[XDP_DROP] > FUZZ_FRAMES / 100, "too few dropped");
	test_end("fuzz: 1000000 mutated frames, none aborted, every "
		 "forwarded frame a valid encapsulation");
}

int main(void)
{
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	err = fx_net_setup();
	if (err) {
		printf("not ok 1 - network namespace setup: %s\n",
		       strerror(-err));
		return 1;
	}
	err = fixture_load();
	if (err) {
		printf("not ok 1 - load xlb.bpf.o and fill maps: %s\n",
		       strerror(-err));
		return 1;
	}
	err = pin_cpu(0);
	if (err) {
		printf("not ok 1 - pin the test thread to CPU 0: %s\n",
		       strerror(-err));
		return 1;
	}
	run_table();
	test_ring_swap();
	test_nonsyn_miss();
	test_closing();
	test_down_repick();
	test_short_frames();
	test_udp_timeout();
	test_hash();
	test_sticky();
	test_disabled();
	test_vip_filter();
	test_encap_src_unset();
	test_nexthop_cache();
	test_icmp_rate();
	test_icmp_steer();
	test_flood();
	test_ct_insert_lookup();
	test_ct_udp_expiry();
	test_ct_replace();
	test_ct_move_backoff();
	test_ct_flood_seen2();
	test_ct_remote();
	test_ct_premature();
	test_truncation();
	test_fuzz();
	xlb_bpf__destroy(skel);
	return test_exit();
}
