// SPDX-License-Identifier: GPL-2.0
/*
 * BPF_PROG_TEST_RUN tests of decap.bpf.c: each tunnel family mix is
 * stripped to the exact expected bytes, VLAN tags survive, other traffic
 * passes untouched, and no truncated or corrupted frame is ever aborted
 * or handed to the kernel half-stripped.
 */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test.h"
#include "xlb.h"
#include "decap.skel.h"

#define FRAME_MAX	512

static struct decap_bpf *skel;
static int prog_fd;
static int ncpus;

/* The host's decap addresses: 198.18.0.11 and 2001:db8::11. */
static const char *const our4 = "198.18.0.11", *const our6 = "2001:db8::11";

struct frame {
	unsigned char b[FRAME_MAX];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put8(struct frame *f, __u8 v)
{
	put(f, &v, 1);
}

static void put16(struct frame *f, __u16 v)
{
	__be16 n = htons(v);

	put(f, &n, 2);
}

static void put_addr(struct frame *f, int af, const char *s)
{
	unsigned char a[16];

	if (inet_pton(af == 4 ? AF_INET : AF_INET6, s, a) != 1)
		abort();
	put(f, a, af == 4 ? 4 : 16);
}

static __u16 csum16(const unsigned char *p, size_t n)
{
	__u32 s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* Ethernet header, with an 802.1Q tag (VLAN 7) when vlan is set. */
static void put_eth(struct frame *f, int vlan, __u16 proto)
{
	static const unsigned char dst[6] = { 0x02, 0, 0, 0, 0, 0x11 };
	static const unsigned char src[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	put(f, dst, 6);
	put(f, src, 6);
	if (vlan) {
		put16(f, ETH_P_8021Q);
		put16(f, 7);
	}
	put16(f, proto);
}

/* IPv4 header with optlen bytes of NOP options; payload bytes follow. */
static void put_ip4(struct frame *f, __u8 proto, const char *src,
		    const char *dst, size_t payload, size_t optlen,
		    __u16 frag_off)
{
	size_t start = f->len, hlen = 20 + optlen;
	__u16 sum;

	put8(f, 0x40 | hlen / 4);
	put8(f, 0);
	put16(f, hlen + payload);
	put16(f, 0x1234);	/* id */
	put16(f, frag_off);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);		/* checksum, below */
	put_addr(f, 4, src);
	put_addr(f, 4, dst);
	memset(f->b + f->len, 1, optlen);	/* IPOPT_NOOP */
	f->len += optlen;
	sum = csum16(f->b + start, hlen);
	f->b[start + 10] = sum >> 8;
	f->b[start + 11] = sum & 0xff;
}

static void put_ip6(struct frame *f, __u8 nexthdr, const char *src,
		    const char *dst, size_t payload)
{
	put8(f, 0x60);
	put8(f, 0);
	put16(f, 0);
	put16(f, payload);
	put8(f, nexthdr);
	put8(f, 64);
	put_addr(f, 6, src);
	put_addr(f, 6, dst);
}

/* A TCP SYN-shaped payload of n bytes; its content is irrelevant here. */
static void put_l4(struct frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(f, (__u8)(0xa0 + i));
}

#define L4LEN	24

/* The client's packet to the VIP: what the backend's kernel must see. */
static void put_inner(struct frame *f, int af)
{
	if (af == 4) {
		put_ip4(f, IPPROTO_TCP, "198.18.0.1", "198.18.0.100", L4LEN, 0,
			0x4000);
	} else {
		put_ip6(f, IPPROTO_TCP, "2001:db8::1", "2001:db8::100",
			L4LEN);
	}
	put_l4(f, L4LEN);
}

static size_t inner_len(int af)
{
	return (af == 4 ? 20 : 40) + L4LEN;
}

/*
 * A tunnel frame: outer family oaf, inner family iaf, to outer destination
 * dst (NULL: this host's address of that family).
 */
static void tunnel(struct frame *f, int vlan, int oaf, int iaf,
		   const char *dst, size_t optlen)
{
	__u8 proto = iaf == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;

	f->len = 0;
	put_eth(f, vlan, oaf == 4 ? ETH_P_IP : ETH_P_IPV6);
	if (oaf == 4)
		put_ip4(f, proto, "198.18.0.2", dst ? dst : our4,
			inner_len(iaf), optlen, 0x4000);
	else
		put_ip6(f, proto, "2001:db8::2", dst ? dst : our6,
			inner_len(iaf));
	put_inner(f, iaf);
}

#define GUE_PORT	6080

/* A GUE tunnel frame (include/xlb.h) to dport with GUE byte 0 g0 and
 * Proto/ctype gproto (0: the inner family's). */
static void tunnel_gue(struct frame *f, int vlan, int oaf, int iaf,
		       __u16 dport, __u8 g0, __u8 gproto)
{
	size_t ulen = 8 + 4 + inner_len(iaf);

	f->len = 0;
	put_eth(f, vlan, oaf == 4 ? ETH_P_IP : ETH_P_IPV6);
	if (oaf == 4)
		put_ip4(f, IPPROTO_UDP, "198.18.0.2", our4, ulen, 0, 0x4000);
	else
		put_ip6(f, IPPROTO_UDP, "2001:db8::2", our6, ulen);
	put16(f, 0xc123);
	put16(f, dport);
	put16(f, ulen);
	put16(f, 0);
	put8(f, g0);
	put8(f, gproto ? gproto : iaf == 4 ? IPPROTO_IPIP : IPPROTO_IPV6);
	put16(f, 0);
	put_inner(f, iaf);
}

/* What the kernel must receive for a tunnel frame: same L2, inner packet. */
static void decapsulated(struct frame *f, int vlan, int iaf)
{
	f->len = 0;
	put_eth(f, vlan, iaf == 4 ? ETH_P_IP : ETH_P_IPV6);
	put_inner(f, iaf);
}

struct ctrs {
	__u64 pkts[XLB_DECAP_STAT_MAX];
	__u64 bytes[XLB_DECAP_STAT_MAX];
};

static int read_ctrs(struct ctrs *c)
{
	struct xlb_ctr v[ncpus];
	__u32 i;
	int cpu, err;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < XLB_DECAP_STAT_MAX; i++) {
		err = bpf_map__lookup_elem(skel->maps.xlb_decap_stats, &i,
					   sizeof(i), v, sizeof(v), 0);
		if (err)
			return err;
		for (cpu = 0; cpu < ncpus; cpu++) {
			c->pkts[i] += v[cpu].packets;
			c->bytes[i] += v[cpu].bytes;
		}
	}
	return 0;
}

/* Run the program once; out receives the resulting frame. */
static int run(const struct frame *in, struct frame *out, __u32 *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in->b,
		.data_size_in = in->len,
		.data_out = out->b,
		.data_size_out = sizeof(out->b),
		.repeat = 1,
	);
	int err;

	memset(out->b, 0, sizeof(out->b));
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return err;
	out->len = opts.data_size_out;
	*verdict = opts.retval;
	return 0;
}

/* Expected counter change: one packet of the input frame's size. */
static void check_ctrs(const struct ctrs *before, int idx, size_t bytes)
{
	struct ctrs after;
	int i;

	if (!CHECK(read_ctrs(&after) == 0, "reading counters"))
		return;
	for (i = 0; i < XLB_DECAP_STAT_MAX; i++) {
		CHECK_EQ(after.pkts[i] - before->pkts[i], i == idx);
		CHECK_EQ(after.bytes[i] - before->bytes[i],
			 i == idx ? bytes : 0);
	}
}

/* Run in; expect verdict, output exp (NULL: no check) and one count. */
static void expect(const struct frame *in, __u32 verdict,
		   const struct frame *exp, int ctr)
{
	struct frame out;
	struct ctrs before;
	__u32 got;

	if (!CHECK(read_ctrs(&before) == 0, "reading counters"))
		return;
	if (!CHECK(run(in, &out, &got) == 0, "test run: %s", strerror(errno)))
		return;
	CHECK_EQ(got, verdict);
	if (exp) {
		CHECK_EQ(out.len, exp->len);
		CHECK_MEM(out.b, exp->b,
			  exp->len < out.len ? exp->len : out.len);
	}
	check_ctrs(&before, ctr, in->len);
}

static const char *af_name(int af)
{
	return af == 4 ? "IPv4" : "IPv6";
}

static void test_mixes(void)
{
	static const int afs[2] = { 4, 6 };
	struct frame in, exp;
	char name[96];
	int vlan, o, i;

	for (vlan = 0; vlan < 2; vlan++) {
		for (o = 0; o < 2; o++) {
			for (i = 0; i < 2; i++) {
				test_begin();
				tunnel(&in, vlan, afs[o], afs[i], NULL, 0);
				decapsulated(&exp, vlan, afs[i]);
				expect(&in, XDP_PASS, &exp,
				       XLB_DECAP_STAT_DECAP);
				snprintf(name, sizeof(name),
					 "%s in %s%s: outer header stripped",
					 af_name(afs[i]), af_name(afs[o]),
					 vlan ? ", VLAN tag kept" : "");
				test_end(name);
			}
		}
	}
}

static void test_ip_options(void)
{
	struct frame in, exp;

	test_begin();
	tunnel(&in, 0, 4, 4, NULL, 8);
	decapsulated(&exp, 0, 4);
	expect(&in, XDP_PASS, &exp, XLB_DECAP_STAT_DECAP);
	test_end("outer IPv4 with options: whole outer header stripped");
}

static void test_padding(void)
{
	struct frame in, exp;

	/* Ethernet pads short frames; the padding follows the datagram and
	 * the kernel trims it by the inner length, so it is kept. */
	test_begin();
	tunnel(&in, 0, 4, 4, NULL, 0);
	decapsulated(&exp, 0, 4);
	memset(in.b + in.len, 0, 6);
	in.len += 6;
	memset(exp.b + exp.len, 0, 6);
	exp.len += 6;
	expect(&in, XDP_PASS, &exp, XLB_DECAP_STAT_DECAP);
	test_end("trailing Ethernet padding is kept after the inner packet");
}

static void test_untouched(void)
{
	struct frame in;

	test_begin();
	tunnel(&in, 0, 4, 4, "198.18.0.12", 0);
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	tunnel(&in, 0, 6, 6, "2001:db8::12", 0);
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	tunnel(&in, 1, 4, 6, "198.18.0.12", 0);
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	test_end("tunnel to another host's address passes untouched");

	test_begin();
	in.len = 0;
	put_eth(&in, 0, ETH_P_IP);
	put_ip4(&in, IPPROTO_TCP, "198.18.0.1", our4, L4LEN, 0, 0x4000);
	put_l4(&in, L4LEN);
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	in.len = 0;
	put_eth(&in, 1, ETH_P_IPV6);
	put_ip6(&in, IPPROTO_TCP, "2001:db8::1", our6, L4LEN);
	put_l4(&in, L4LEN);
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	in.len = 0;
	put_eth(&in, 0, ETH_P_ARP);
	put_l4(&in, 28);
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	test_end("non-tunnel traffic to this host passes untouched");

	test_begin();
	tunnel(&in, 0, 4, 4, NULL, 0);
	in.b[20] = 0x20;	/* more fragments */
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	tunnel(&in, 0, 4, 6, NULL, 0);
	in.b[21] = 0x10;	/* offset 16 */
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	test_end("outer IPv4 fragment passes untouched (needs reassembly)");

	test_begin();
	/* IPv6 with a hop-by-hop header before the inner packet. */
	tunnel(&in, 0, 6, 4, NULL, 0);
	in.b[14 + 6] = 0;
	expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	test_end("outer IPv6 with an extension header passes untouched");
}

/* Set byte off of a tunnel frame to v; expect a drop as malformed. */
static void expect_malformed(int oaf, int iaf, size_t off, __u8 v)
{
	struct frame in;

	tunnel(&in, 0, oaf, iaf, NULL, 0);
	in.b[off] = v;
	expect(&in, XDP_DROP, NULL, XLB_DECAP_STAT_MALFORMED);
}

static void test_malformed(void)
{
	test_begin();
	expect_malformed(4, 4, 34, 0x65);	/* inner version 6 */
	expect_malformed(4, 6, 34, 0x45);	/* inner version 4 */
	expect_malformed(6, 4, 54, 0x44);	/* inner IHL 4 */
	expect_malformed(6, 6, 54, 0x00);	/* inner version 0 */
	test_end("tunnel to us with a bad inner version or IHL is dropped");

	test_begin();
	expect_malformed(4, 4, 34 + 3, 20 + L4LEN + 1);	/* inner tot_len */
	expect_malformed(4, 4, 34 + 3, 19);
	expect_malformed(4, 6, 34 + 5, L4LEN + 1);	/* inner payload_len */
	expect_malformed(6, 4, 54 + 3, 20 + L4LEN + 1);
	expect_malformed(6, 6, 54 + 5, L4LEN + 1);
	test_end("inner length beyond the outer datagram is dropped");

	test_begin();
	expect_malformed(4, 4, 17, 20 + 20 + L4LEN + 1); /* outer tot_len */
	expect_malformed(4, 4, 17, 19);
	expect_malformed(4, 4, 14, 0x44);		/* outer IHL 4 */
	expect_malformed(4, 4, 14, 0x4f);		/* IHL past the end */
	expect_malformed(6, 6, 19, 40 + L4LEN + 1);	/* payload_len */
	expect_malformed(6, 6, 19, 0);
	test_end("outer length inconsistent with the frame is dropped");
}

/*
 * Every truncation of every tunnel frame: a frame too short to hold the
 * outer header cannot be known to be a tunnel and passes untouched; one
 * that holds it is a truncated tunnel to us and is dropped.
 */
static void test_truncated(void)
{
	static const int afs[2] = { 4, 6 };
	struct frame full, in, out;
	int vlan, o, i, bad = 0, runs = 0;
	__u32 verdict, want;
	size_t n, hdr;

	test_begin();
	for (vlan = 0; vlan < 2; vlan++)
	for (o = 0; o < 2; o++)
	for (i = 0; i < 2; i++) {
		tunnel(&full, vlan, afs[o], afs[i], NULL, 0);
		hdr = (vlan ? 18 : 14) + (afs[o] == 4 ? 20 : 40);
		/* The kernel refuses test runs shorter than an Ethernet
		 * header. */
		for (n = ETH_HLEN; n < full.len; n++) {
			memcpy(in.b, full.b, n);
			in.len = n;
			runs++;
			if (!CHECK(run(&in, &out, &verdict) == 0, "run"))
				break;
			want = n < hdr ? XDP_PASS : XDP_DROP;
			if (verdict != want ||
			    (verdict == XDP_PASS &&
			     (out.len != n || memcmp(out.b, in.b, n)))) {
				if (bad++ < 5)
					CHECK(0, "vlan %d %s in %s cut to %zu: "
					      "verdict %u, expected %u",
					      vlan, af_name(afs[i]),
					      af_name(afs[o]), n, verdict,
					      want);
			}
		}
	}
	CHECK_EQ(bad, 0);
	printf("# %d truncated frames\n", runs);
	test_end("truncated tunnel frames: untouched pass or drop, exactly");
}

/*
 * Every byte of every tunnel frame set to a few telling values: the
 * verdict is never XDP_ABORTED, and a passed frame is either the input
 * untouched or exactly L2 header + everything after the outer header.
 */
static void test_corrupted(void)
{
	static const __u8 vals[] = { 0x00, 0xff, 0x04, 0x29, 0x45, 0x60 };
	static const int afs[2] = { 4, 6 };
	struct frame full, in, out, strip;
	int vlan, o, i, bad = 0, runs = 0;
	size_t off, v, l2, olen;
	__u32 verdict;

	test_begin();
	for (vlan = 0; vlan < 2; vlan++)
	for (o = 0; o < 2; o++)
	for (i = 0; i < 2; i++) {
		tunnel(&full, vlan, afs[o], afs[i], NULL, 0);
		l2 = vlan ? 18 : 14;
		olen = afs[o] == 4 ? 20 : 40;
		for (off = 0; off < full.len; off++)
		for (v = 0; v < sizeof(vals); v++) {
			in = full;
			in.b[off] = vals[v];
			runs++;
			if (!CHECK(run(&in, &out, &verdict) == 0, "run"))
				goto out;
			if (verdict == XDP_DROP)
				continue;
			if (verdict == XDP_PASS && out.len == in.len &&
			    !memcmp(out.b, in.b, in.len))
				continue;
			/* Decapsulated: L2 with a rewritten type, then the
			 * inner packet. */
			strip.len = 0;
			put(&strip, in.b, l2 - 2);
			put16(&strip, (in.b[l2 + (o ? 6 : 9)] == 4) ?
				      ETH_P_IP : ETH_P_IPV6);
			put(&strip, in.b + l2 + olen, in.len - l2 - olen);
			if (verdict == XDP_PASS && out.len == strip.len &&
			    !memcmp(out.b, strip.b, strip.len))
				continue;
			if (bad++ < 5)
				CHECK(0, "vlan %d %s in %s, byte %zu = 0x%02x: "
				      "verdict %u, %u bytes out",
				      vlan, af_name(afs[i]), af_name(afs[o]),
				      off, vals[v], verdict, (unsigned)out.len);
		}
	}
out:
	CHECK_EQ(bad, 0);
	printf("# %d corrupted frames\n", runs);
	test_end("corrupted tunnel frames: never aborted, never half-stripped");
}

static void test_gue(void)
{
	static const int afs[2] = { 4, 6 };
	struct frame in, exp;
	char name[96];
	size_t cut, l3;
	int vlan, o, i, n, bad;

	for (vlan = 0; vlan < 2; vlan++) {
		for (o = 0; o < 2; o++) {
			for (i = 0; i < 2; i++) {
				test_begin();
				tunnel_gue(&in, vlan, afs[o], afs[i], GUE_PORT,
					   0, 0);
				decapsulated(&exp, vlan, afs[i]);
				expect(&in, XDP_PASS, &exp,
				       XLB_DECAP_STAT_DECAP);
				snprintf(name, sizeof(name),
					 "GUE: %s in UDP/%s%s: outer headers "
					 "stripped", af_name(afs[i]),
					 af_name(afs[o]),
					 vlan ? ", VLAN tag kept" : "");
				test_end(name);
			}
		}
	}

	test_begin();
	for (o = 0; o < 2; o++) {
		/* Ordinary UDP to this host: untouched. */
		tunnel_gue(&in, 0, afs[o], 4, 53, 0, 0);
		expect(&in, XDP_PASS, &in, XLB_DECAP_STAT_PASS);
	}
	test_end("UDP to another port than the GUE port passes untouched");

	test_begin();
	for (o = 0; o < 2; o++) {
		tunnel_gue(&in, 0, afs[o], 4, GUE_PORT, 0x40, 0);
		expect(&in, XDP_DROP, NULL, XLB_DECAP_STAT_MALFORMED);
		tunnel_gue(&in, 0, afs[o], 4, GUE_PORT, 0x80, 0);
		expect(&in, XDP_DROP, NULL, XLB_DECAP_STAT_MALFORMED);
		tunnel_gue(&in, 0, afs[o], 4, GUE_PORT, 0x01, 0);
		expect(&in, XDP_DROP, NULL, XLB_DECAP_STAT_MALFORMED);
		tunnel_gue(&in, 0, afs[o], 4, GUE_PORT, 0, IPPROTO_TCP);
		expect(&in, XDP_DROP, NULL, XLB_DECAP_STAT_MALFORMED);
		/* UDP length one more than the datagram */
		tunnel_gue(&in, 0, afs[o], 4, GUE_PORT, 0, 0);
		l3 = 14 + (afs[o] == 4 ? 20 : 40);
		in.b[l3 + 5]++;
		expect(&in, XDP_DROP, NULL, XLB_DECAP_STAT_MALFORMED);
	}
	test_end("GUE version 1, control, options, a non-IP inner protocol or "
		 "a wrong UDP length: dropped as malformed");

	/* Every cut of a GUE frame: the outer length check catches it
	 * (malformed) or, without a whole outer header, it passes. */
	test_begin();
	n = 0;
	bad = 0;
	for (o = 0; o < 2; o++) {
		struct frame full;

		tunnel_gue(&full, 0, afs[o], afs[o], GUE_PORT, 0, 0);
		l3 = 14 + (afs[o] == 4 ? 20 : 40);
		for (cut = 14; cut < full.len && !bad; cut++, n++) {
			in = full;
			in.len = cut;
			expect(&in, cut < l3 ? XDP_PASS : XDP_DROP, NULL,
			       cut < l3 ? XLB_DECAP_STAT_PASS :
					  XLB_DECAP_STAT_MALFORMED);
			bad = test_failed_checks;
		}
	}
	snprintf(name, sizeof(name), "GUE frames cut at each of %d offsets: "
		 "pass without an outer header, else malformed", n);
	test_end(name);
}

static int add_addr(int af, const char *s)
{
	struct xlb_addr_key k;
	__u32 ifindex = 1;

	memset(&k, 0, sizeof(k));
	k.family = af == 4 ? XLB_AF_INET : XLB_AF_INET6;
	if (inet_pton(af == 4 ? AF_INET : AF_INET6, s, k.addr) != 1)
		return -EINVAL;
	return bpf_map__update_elem(skel->maps.xlb_decap_addrs, &k, sizeof(k),
				    &ifindex, sizeof(ifindex), BPF_ANY);
}

int main(void)
{
	int err;

	ncpus = libbpf_num_possible_cpus();
	skel = decap_bpf__open();
	if (skel) {
		skel->rodata->gue_port = htons(GUE_PORT);
		if (decap_bpf__load(skel)) {
			decap_bpf__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel || ncpus <= 0) {
		printf("not ok 1 - load decap.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	prog_fd = bpf_program__fd(skel->progs.xlb_decap);
	err = add_addr(4, our4);
	if (!err)
		err = add_addr(6, our6);
	if (err) {
		printf("not ok 1 - fill xlb_decap_addrs: %s\n", strerror(-err));
		decap_bpf__destroy(skel);
		return 1;
	}

	test_mixes();
	test_ip_options();
	test_padding();
	test_untouched();
	test_malformed();
	test_truncated();
	test_corrupted();
	test_gue();

	decap_bpf__destroy(skel);
	return test_exit();
}
