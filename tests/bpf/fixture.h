/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the XDP tests and the XDP benchmark: a private network
 * namespace with veth links, permanent neighbours and forwarding on (so
 * bpf_fib_lookup answers), helpers that fill xlb's maps, a packet builder
 * and a runner around BPF_PROG_TEST_RUN.
 *
 * Addresses: LB 198.18.0.1 / 2001:db8::1 on xbpf0 (MAC 02:00:00:00:00:01),
 * 198.18.1.1 / 2001:db8:1::1 on xbpf2 (MAC 02:00:00:00:00:02, MTU 9000).
 * Packets come in on xbpf0: next hops on xbpf0 are XDP_TX, on xbpf2 a
 * redirect.
 */
#ifndef XLB_TEST_FIXTURE_H
#define XLB_TEST_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb.h"
#include "hash.h"
#include "xlb.skel.h"

#define FX_IF_LB	"xbpf0"
#define FX_IF_LB_PEER	"xbpf1"
#define FX_IF_FAR	"xbpf2"
#define FX_IF_FAR_PEER	"xbpf3"

static const __u8 fx_lb_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 fx_far_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const __u8 fx_client_mac[6] = { 0x02, 0, 0, 0, 0, 0xcc };

#define FX_ENCAP_SRC4	"198.18.0.1"
#define FX_ENCAP_SRC6	"2001:db8::1"
#define FX_HASH_SEED	0x5eed1234u

static int fx_ifindex_lb, fx_ifindex_far;

static inline int fx_sh(const char *cmd)
{
	char buf[512];
	int rc;

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	rc = system(buf);
	if (rc)
		fprintf(stderr, "fixture: '%s' failed (%d)\n", cmd, rc);
	return rc ? -1 : 0;
}

static inline int fx_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* A neighbour the next hop resolves to: MAC 02:00:00:00:HI:LO. */
struct fx_neigh {
	const char *addr;
	const char *dev;
	__u8 mac[6];
};

static const struct fx_neigh fx_neighs[] = {
	{ "198.18.0.10", FX_IF_LB, { 2, 0, 0, 0, 0x00, 0x0a } },
	{ "198.18.0.11", FX_IF_LB, { 2, 0, 0, 0, 0x00, 0x0b } },
	{ "198.18.0.12", FX_IF_LB, { 2, 0, 0, 0, 0x00, 0x0c } },
	{ "198.18.0.13", FX_IF_LB, { 2, 0, 0, 0, 0x00, 0x0d } },
	{ "198.18.0.14", FX_IF_LB, { 2, 0, 0, 0, 0x00, 0x0e } },
	{ "2001:db8::10", FX_IF_LB, { 2, 0, 0, 0, 0x00, 0x1a } },
	{ "198.18.1.10", FX_IF_FAR, { 2, 0, 0, 0, 0x01, 0x0a } },
	{ "2001:db8:1::10", FX_IF_FAR, { 2, 0, 0, 0, 0x01, 0x1a } },
};

static inline const struct fx_neigh *fx_neigh_find(const char *addr)
{
	size_t i;

	for (i = 0; i < sizeof(fx_neighs) / sizeof(fx_neighs[0]); i++)
		if (!strcmp(fx_neighs[i].addr, addr))
			return &fx_neighs[i];
	return NULL;
}

/*
 * Move this process into a private network namespace (gone when it
 * exits, so nothing to clean up) and build the topology.
 */
static inline int fx_net_setup(void)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		"ip link add " FX_IF_LB " type veth peer name " FX_IF_LB_PEER,
		"ip link add " FX_IF_FAR " type veth peer name " FX_IF_FAR_PEER,
		"ip link set " FX_IF_LB " address 02:00:00:00:00:01",
		"ip link set " FX_IF_FAR " address 02:00:00:00:00:02",
		"ip link set " FX_IF_FAR " mtu 9000",
		"ip link set " FX_IF_FAR_PEER " mtu 9000",
		"ip link set " FX_IF_LB " up",
		"ip link set " FX_IF_LB_PEER " up",
		"ip link set " FX_IF_FAR " up",
		"ip link set " FX_IF_FAR_PEER " up",
		"ip addr add 198.18.0.1/24 dev " FX_IF_LB,
		"ip addr add 2001:db8::1/64 dev " FX_IF_LB " nodad",
		"ip addr add 198.18.1.1/24 dev " FX_IF_FAR,
		"ip addr add 2001:db8:1::1/64 dev " FX_IF_FAR " nodad",
		/* A path MTU below the link's: the FIB reports a route's
		 * MTU when it is locked (or with ip_forward_use_pmtu). */
		"ip route add 198.18.0.14/32 dev " FX_IF_LB " mtu lock 1400",
	};
	char cmd[256];
	size_t i;

	if (unshare(CLONE_NEWNET))
		return -errno;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (fx_sh(cmds[i]))
			return -EIO;
	for (i = 0; i < sizeof(fx_neighs) / sizeof(fx_neighs[0]); i++) {
		const __u8 *m = fx_neighs[i].mac;

		snprintf(cmd, sizeof(cmd),
			 "ip neigh replace %s lladdr "
			 "%02x:%02x:%02x:%02x:%02x:%02x dev %s nud permanent",
			 fx_neighs[i].addr,
			 m[0], m[1], m[2], m[3], m[4], m[5], fx_neighs[i].dev);
		if (fx_sh(cmd))
			return -EIO;
	}
	/* Per-namespace sysctls: bpf_fib_lookup answers FWD_DISABLED
	 * unless the ingress device forwards. */
	if (fx_write("/proc/sys/net/ipv4/conf/all/forwarding", "1") ||
	    fx_write("/proc/sys/net/ipv6/conf/all/forwarding", "1"))
		return -EIO;
	fx_ifindex_lb = if_nametoindex(FX_IF_LB);
	fx_ifindex_far = if_nametoindex(FX_IF_FAR);
	return fx_ifindex_lb && fx_ifindex_far ? 0 : -ENODEV;
}

/* --- addresses ---------------------------------------------------------- */

static inline int fx_family(const char *s)
{
	return strchr(s, ':') ? XLB_AF_INET6 : XLB_AF_INET;
}

static inline void fx_addr(const char *s, __be32 out[4])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET6, s, out) != 1 &&
	    inet_pton(AF_INET, s, out) != 1) {
		fprintf(stderr, "fixture: bad address %s\n", s);
		abort();
	}
}

/* --- maps --------------------------------------------------------------- */

static inline int fx_cfg_set(struct xlb_bpf *skel, __u32 flags,
			     __u64 udp_timeout_ns)
{
	struct xlb_config c = {};
	__u32 zero = 0;
	__be32 a[4];

	c.flags = flags;
	c.hash_seed = FX_HASH_SEED;
	fx_addr(FX_ENCAP_SRC4, a);
	c.encap_src4 = a[0];
	fx_addr(FX_ENCAP_SRC6, c.encap_src6);
	c.udp_timeout_ns = udp_timeout_ns;
	memcpy(c.if_mac, fx_lb_mac, 6);
	c.gue_port = htons(XLB_GUE_PORT_DEFAULT);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_cfg), &zero, &c,
				   BPF_ANY);
}


/* Set the VIP filter bit of an address, as the daemon does. */
static inline int fx_filter_set(struct xlb_bpf *skel, const __be32 *addr,
				__u8 family)
{
	int fd = bpf_map__fd(skel->maps.xlb_vip_filter);
	struct xlb_vip_filter f;
	__u32 zero = 0, bit = xlb_vip_filter_bit(addr, family);

	if (bpf_map_lookup_elem(fd, &zero, &f))
		return -errno;
	f.bits[bit / 64] |= 1ull << (bit % 64);
	return bpf_map_update_elem(fd, &zero, &f, BPF_ANY) ? -errno : 0;
}

static inline int fx_vip_add(struct xlb_bpf *skel, __u32 id, const char *addr,
			     __u8 proto, __u16 port, __u32 flags,
			     __u32 ring_size, __u8 mode)
{
	struct xlb_vip_key k = {};
	struct xlb_addr_key ak = {};
	struct xlb_vip v = {};
	__u32 n = 0;
	int err;

	fx_addr(addr, k.addr);
	k.port = htons(port);
	k.proto = proto;
	k.family = fx_family(addr);
	v.id = id;
	v.flags = flags;
	v.ring_size = ring_size;
	v.mode = mode;
	err = fx_filter_set(skel, k.addr, k.family);
	if (err)
		return err;
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_vips), &k, &v,
				  BPF_ANY);
	if (err)
		return err;
	memcpy(ak.addr, k.addr, 16);
	ak.family = k.family;
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.xlb_vip_addrs), &ak, &n);
	n++;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_vip_addrs), &ak,
				   &n, BPF_ANY);
}

static inline int fx_backend_set(struct xlb_bpf *skel, __u32 id, __u32 vip_id,
				 const char *addr, __u8 flags)
{
	struct xlb_backend b = {};

	fx_addr(addr, b.addr);
	b.family = fx_family(addr);
	b.vip_id = vip_id;
	b.flags = flags;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_backends), &id,
				   &b, BPF_ANY);
}

/*
 * A new inner table of size slots, slot i = ids[i % n], swapped in with
 * one update as the daemon does. The inner map must carry
 * BPF_F_INNER_MAP like the template in xlb.bpf.c: map flags must match.
 */
static inline int fx_ring_set(struct xlb_bpf *skel, __u32 vip_id,
			      const __u32 *ids, __u32 n, __u32 size)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_INNER_MAP);
	int fd, err = 0;
	__u32 i;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_ring", 4, 4, size, &o);
	if (fd < 0)
		return -errno;
	for (i = 0; i < size && !err; i++)
		err = bpf_map_update_elem(fd, &i, &ids[i % n], BPF_ANY);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_rings),
					  &vip_id, &fd, BPF_ANY);
	close(fd);
	return err;
}

/* Sum of a per-CPU struct xlb_ctr over all CPUs. */
static inline struct xlb_ctr fx_ctr(struct bpf_map *map, __u32 idx)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xlb_ctr v[ncpu], sum = {};
	int i;

	if (bpf_map_lookup_elem(bpf_map__fd(map), &idx, v))
		return sum;
	for (i = 0; i < ncpu; i++) {
		sum.packets += v[i].packets;
		sum.bytes += v[i].bytes;
		sum.new_flows += v[i].new_flows;
	}
	return sum;
}

static inline void fx_stats(struct xlb_bpf *skel, __u64 out[XLB_STAT_MAX])
{
	__u32 i;

	for (i = 0; i < XLB_STAT_MAX; i++)
		out[i] = fx_ctr(skel->maps.xlb_stats, i).packets;
}

static inline void fx_stats_bytes(struct xlb_bpf *skel,
				  __u64 out[XLB_STAT_MAX])
{
	__u32 i;

	for (i = 0; i < XLB_STAT_MAX; i++)
		out[i] = fx_ctr(skel->maps.xlb_stats, i).bytes;
}

/* Forget every cached next hop of a backend, on every CPU. */
static inline int fx_nexthop_flush(struct xlb_bpf *skel, __u32 be_id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xlb_nexthop v[ncpu];

	memset(v, 0, sizeof(v));
	return bpf_map_update_elem(bpf_map__fd(skel->maps.xlb_nexthops),
				   &be_id, v, BPF_ANY);
}

static inline __u64 fx_now_coarse(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* --- packets ------------------------------------------------------------ */

struct fx_pkt {
	const char *src, *dst;	/* family from the address */
	__u16 sport, dport;
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP, or other */
	__u8 tcp_flags;
	__u8 tos;
	__u8 no_df;		/* IPv4: clear DF */
	__u16 vlan_tci;		/* non-zero: one 802.1Q tag */
	__u16 payload;		/* bytes after the L4 header */
	__u8 ip_opts;		/* IPv4 option bytes, multiple of 4 */
	__u8 ext_hdrs;		/* IPv6: destination option headers */
	__u16 frag_off;		/* IPv4 frag_off (host order) or, for
				 * IPv6, non-zero: add a fragment header */
	const __u8 *dmac;	/* NULL: the LB's MAC */
};

static inline __u16 fx_csum(const void *p, size_t len, __u32 sum)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Rewrite source address and port of a template IPv4/TCP frame, fixing
 * the IPv4 header checksum (benchmarks vary the client this way). */
static inline void fx_set_client(__u8 *f, __be32 saddr, __be16 sport)
{
	__u16 c;

	memcpy(f + 26, &saddr, 4);
	memcpy(f + 34, &sport, 2);
	f[24] = f[25] = 0;
	c = fx_csum(f + 14, 20, 0);
	f[24] = c >> 8;
	f[25] = c;
}

/* Build a frame into buf (>= 4096 bytes); returns its length. */
static inline size_t fx_build(const struct fx_pkt *p, __u8 *buf)
{
	int v6 = fx_family(p->dst) == XLB_AF_INET6;
	size_t off = 0, l3, l4, l4_len, i;
	__be32 src[4], dst[4];

	fx_addr(p->src, src);
	fx_addr(p->dst, dst);
	memcpy(buf, p->dmac ? p->dmac : fx_lb_mac, 6);
	memcpy(buf + 6, fx_client_mac, 6);
	off = 12;
	if (p->vlan_tci) {
		buf[off++] = 0x81;
		buf[off++] = 0x00;
		buf[off++] = p->vlan_tci >> 8;
		buf[off++] = p->vlan_tci;
	}
	buf[off++] = v6 ? 0x86 : 0x08;
	buf[off++] = v6 ? 0xdd : 0x00;
	l3 = off;
	l4_len = (p->proto == IPPROTO_TCP ? 20 : 8) + p->payload;
	if (!v6) {
		struct iphdr *ip = (void *)(buf + l3);
		size_t hl = 20 + p->ip_opts;

		memset(ip, 0, hl);
		ip->version = 4;
		ip->ihl = hl / 4;
		ip->tos = p->tos;
		ip->tot_len = htons(hl + l4_len);
		ip->id = htons(0x1234);
		ip->frag_off = htons(p->frag_off | (p->no_df ? 0 : 0x4000));
		ip->ttl = 63;
		ip->protocol = p->proto;
		ip->saddr = src[0];
		ip->daddr = dst[0];
		/* NOPs then end of options */
		for (i = 0; i < p->ip_opts; i++)
			buf[l3 + 20 + i] = i + 1 == p->ip_opts ? 0 : 1;
		ip->check = htons(fx_csum(ip, hl, 0));
		l4 = l3 + hl;
	} else {
		struct ipv6hdr *ip6 = (void *)(buf + l3);
		__u8 nh = p->proto;
		size_t ext = p->ext_hdrs * 8 + (p->frag_off ? 8 : 0);

		memset(ip6, 0, 40 + ext);
		ip6->version = 6;
		ip6->priority = p->tos >> 4;
		ip6->flow_lbl[0] = (p->tos << 4) | 0x0a;
		ip6->flow_lbl[1] = 0xbc;
		ip6->flow_lbl[2] = 0xde;
		ip6->payload_len = htons(ext + l4_len);
		ip6->hop_limit = 63;
		memcpy(&ip6->saddr, src, 16);
		memcpy(&ip6->daddr, dst, 16);
		l4 = l3 + 40 + ext;
		/* Fill headers backwards so each names the next. */
		if (p->frag_off) {
			__u8 *f = buf + l4 - 8;

			f[0] = nh;
			f[2] = p->frag_off >> 8;
			f[3] = p->frag_off;
			f[7] = 1;	/* identification */
			nh = 44;
		}
		for (i = p->ext_hdrs; i > 0; i--) {
			__u8 *e = buf + l3 + 40 + (i - 1) * 8;

			e[0] = nh;
			e[1] = 0;	/* 8 bytes */
			e[2] = 1;	/* PadN of 4 bytes */
			e[3] = 4;
			nh = 60;
		}
		ip6->nexthdr = nh;
	}
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(buf + l4);

		memset(th, 0, 20);
		th->source = htons(p->sport);
		th->dest = htons(p->dport);
		th->seq = htonl(1000);
		th->doff = 5;
		buf[l4 + 13] = p->tcp_flags;
		th->window = htons(8192);
	} else {
		struct udphdr *uh = (void *)(buf + l4);

		memset(uh, 0, 8);
		uh->source = htons(p->sport);
		uh->dest = htons(p->dport);
		uh->len = htons(l4_len);
	}
	for (i = 0; i < p->payload; i++)
		buf[l4 + l4_len - p->payload + i] = i * 7;
	/* L4 checksum with the pseudo header, so frames are fully valid. */
	{
		__u32 sum = 0;
		__u8 *ck = buf + l4 + (p->proto == IPPROTO_TCP ? 16 : 6);
		__u16 c;

		for (i = 0; i < (v6 ? 16u : 4u); i += 2) {
			sum += ((__u8 *)src)[i] << 8 | ((__u8 *)src)[i + 1];
			sum += ((__u8 *)dst)[i] << 8 | ((__u8 *)dst)[i + 1];
		}
		sum += p->proto + l4_len;
		c = fx_csum(buf + l4, l4_len, sum);
		if (p->proto == IPPROTO_UDP && !c)
			c = 0xffff;
		ck[0] = c >> 8;
		ck[1] = c;
	}
	return l4 + l4_len;
}

/* --- running ------------------------------------------------------------ */

struct fx_run {
	int err;
	__u32 ret;
	__u32 out_len;
	__u32 duration;
	__u8 out[4096];
};

static inline void fx_run(int prog_fd, const void *in, __u32 len,
			  struct fx_run *r)
{
	struct xdp_md ctx = {
		.data_end = len,
		.ingress_ifindex = fx_ifindex_lb,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = in,
		    .data_size_in = len,
		    .data_out = r->out,
		    .data_size_out = sizeof(r->out),
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = 1);

	r->err = bpf_prog_test_run_opts(prog_fd, &o) ? -errno : 0;
	r->ret = o.retval;
	r->out_len = o.data_size_out;
	r->duration = o.duration;
}

#endif /* XLB_TEST_FIXTURE_H */
