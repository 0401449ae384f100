// SPDX-License-Identifier: GPL-2.0
/*
 * VRRPv3 core: codec vectors, malformed packets, and the state machine on
 * a simulated link driven by a fake clock. The link carries real encoded
 * packets through vrrp_decode(), with a fixed 1 ms latency.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp.h"
#include "xlb.h"

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.a) == 1) {
		a.family = XLB_AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, s, a.a), 1);
		a.family = XLB_AF_INET6;
	}
	return a;
}

static struct vrrp_cfg cfg4(__u8 vrid, __u8 prio, const char *primary)
{
	struct vrrp_cfg c;

	memset(&c, 0, sizeof(c));
	c.vrid = vrid;
	c.prio = prio;
	c.interval_cs = VRRP_INTERVAL_DEFAULT_CS;
	c.preempt = true;
	c.primary = ip(primary);
	c.naddrs = 2;
	c.addrs[0] = ip("198.18.0.100");
	c.addrs[1] = ip("198.18.0.101");
	return c;
}

static struct vrrp_cfg cfg6(__u8 vrid, __u8 prio, const char *primary)
{
	struct vrrp_cfg c = cfg4(vrid, prio, "198.18.0.1");

	c.primary = ip(primary);
	c.naddrs = 1;
	c.addrs[0] = ip("2001:db8::100");
	return c;
}

/*
 * Independent checksum: the pseudo-header and message laid out in one
 * buffer, summed as 32-bit words (the code under test sums 16-bit ones).
 */
static __u16 ref_csum(const struct ip_addr *src, const struct ip_addr *dst,
		      const __u8 *msg, size_t len)
{
	__u8 buf[64 + VRRP_PKT_MAX + 4] = { 0 };
	size_t alen = src->family == XLB_AF_INET6 ? 16 : 4, n = 0, i;
	uint64_t sum = 0;

	memcpy(buf + n, src->a, alen);
	n += alen;
	memcpy(buf + n, dst->a, alen);
	n += alen;
	if (alen == 16) {
		buf[n++] = len >> 24;
		buf[n++] = len >> 16;
		buf[n++] = len >> 8;
		buf[n++] = len;
		n += 3;
		buf[n++] = 112;
	} else {
		n++;
		buf[n++] = 112;
		buf[n++] = len >> 8;
		buf[n++] = len;
	}
	memcpy(buf + n, msg, len);
	n += len;
	n = (n + 3) & ~(size_t)3;	/* zero padding adds nothing */
	for (i = 0; i < n; i += 4)
		sum += (uint64_t)buf[i] << 24 | buf[i + 1] << 16 |
		       buf[i + 2] << 8 | buf[i + 3];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void test_checksum_ipv4(void **state)
{
	struct ip_addr mc, dst = ip("224.0.0.18");
	struct vrrp_cfg c = cfg4(7, 100, "198.18.0.1");
	__u8 buf[VRRP_PKT_MAX], want[16] = {
		0x31, 7, 100, 2, 0, 100, 0, 0,
		198, 18, 0, 100, 198, 18, 0, 101,
	};
	struct vrrp v;
	__u16 sum;

	(void)state;
	assert_int_equal(vrrp_init(&v, &c), 0);
	assert_int_equal(vrrp_dests(&v, &mc), 1);
	assert_memory_equal(mc.a, dst.a, 4);
	assert_int_equal(vrrp_build(&v, 100, &mc, buf, sizeof(buf)), 16);
	sum = ref_csum(&c.primary, &dst, want, sizeof(want));
	/* Also computed offline, by a third implementation. */
	assert_int_equal(sum, 0x36fd);
	want[6] = sum >> 8;
	want[7] = sum & 0xff;
	assert_memory_equal(buf, want, sizeof(want));
	/* A correct checksum verifies to zero. */
	assert_int_equal(ref_csum(&c.primary, &dst, buf, 16), 0);
}

static void test_checksum_ipv6(void **state)
{
	struct ip_addr mc, dst = ip("ff02::12");
	struct vrrp_cfg c = cfg6(42, 200, "2001:db8::1");
	__u8 buf[VRRP_PKT_MAX], want[24] = {
		0x31, 42, 200, 1, 0x01, 0x2c, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0x01, 0x00,
	};
	struct vrrp v;
	__u16 sum;

	(void)state;
	c.interval_cs = 300;
	assert_int_equal(vrrp_init(&v, &c), 0);
	assert_int_equal(vrrp_dests(&v, &mc), 1);
	assert_int_equal(mc.family, XLB_AF_INET6);
	assert_memory_equal(mc.a, dst.a, 16);
	assert_int_equal(vrrp_build(&v, 200, &mc, buf, sizeof(buf)), 24);
	sum = ref_csum(&c.primary, &dst, want, sizeof(want));
	assert_int_equal(sum, 0xa997);
	want[6] = sum >> 8;
	want[7] = sum & 0xff;
	assert_memory_equal(buf, want, sizeof(want));
}

/* The destination is in the pseudo-header: unicast changes the sum. */
static void test_checksum_unicast(void **state)
{
	struct vrrp_cfg c = cfg4(7, 100, "198.18.0.1");
	struct ip_addr dst[VRRP_PEERS_MAX], mc = ip("224.0.0.18");
	struct vrrp_advert adv;
	__u8 buf[VRRP_PKT_MAX];
	struct vrrp v;
	int len;

	(void)state;
	c.npeers = 2;
	c.peers[0] = ip("198.18.0.2");
	c.peers[1] = ip("198.18.0.3");
	assert_int_equal(vrrp_init(&v, &c), 0);
	assert_int_equal(vrrp_dests(&v, dst), 2);
	assert_memory_equal(dst[1].a, c.peers[1].a, 4);
	len = vrrp_build(&v, 100, &dst[0], buf, sizeof(buf));
	assert_int_equal(len, 16);
	assert_int_equal(ref_csum(&c.primary, &dst[0], buf, len), 0);
	assert_int_equal(vrrp_parse(buf, len, &c.primary, &dst[0], &adv),
			 VRRP_OK);
	assert_int_equal(vrrp_parse(buf, len, &c.primary, &mc, &adv),
			 VRRP_DROP_CSUM);
}

static void test_parse_roundtrip(void **state)
{
	struct ip_addr src = ip("2001:db8::7"), dst = ip("ff02::12");
	struct vrrp_advert in, out;
	__u8 buf[VRRP_PKT_MAX];
	unsigned int i;
	int len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.family = XLB_AF_INET6;
	in.vrid = 255;
	in.prio = 0;
	in.count = VRRP_ADDRS_MAX;
	in.interval_cs = VRRP_INTERVAL_MAX_CS;
	for (i = 0; i < in.count; i++) {
		in.addrs[i] = ip("2001:db8::");
		in.addrs[i].a[3] = htonl(i + 1);
	}
	len = vrrp_encode(&in, &src, &dst, buf, sizeof(buf));
	assert_int_equal(len, VRRP_PKT_MAX);
	assert_int_equal(buf[4], 0x0f);	/* reserved bits zero */
	assert_int_equal(buf[5], 0xff);
	assert_int_equal(vrrp_parse(buf, len, &src, &dst, &out), VRRP_OK);
	assert_memory_equal(&in, &out, sizeof(in));
	assert_int_equal(vrrp_pkt_vrid(buf, len), 255);
	assert_int_equal(vrrp_pkt_vrid(buf, 7), -EINVAL);

	assert_int_equal(vrrp_encode(&in, &src, &dst, buf, len - 1), -ENOSPC);
	in.interval_cs = 0;
	assert_int_equal(vrrp_encode(&in, &src, &dst, buf, len), -EINVAL);
	in.interval_cs = VRRP_INTERVAL_MAX_CS + 1;
	assert_int_equal(vrrp_encode(&in, &src, &dst, buf, len), -EINVAL);
	in.interval_cs = 1;
	in.count = 0;
	assert_int_equal(vrrp_encode(&in, &src, &dst, buf, len), -EINVAL);
	in.count = 1;
	dst = ip("224.0.0.18");
	assert_int_equal(vrrp_encode(&in, &src, &dst, buf, len), -EINVAL);
}

static void test_init_validation(void **state)
{
	struct vrrp_cfg good = cfg4(1, 100, "198.18.0.1"), c;
	struct vrrp v;

	(void)state;
	assert_int_equal(vrrp_init(&v, &good), 0);
	assert_int_equal(v.state, VRRP_STATE_INIT);
	assert_true(vrrp_next_timeout(&v) == VRRP_NO_TIMEOUT);
#define BAD(stmt) do {							\
		c = good;						\
		stmt;							\
		assert_int_equal(vrrp_init(&v, &c), -EINVAL);		\
	} while (0)
	BAD(c.vrid = 0);
	BAD(c.prio = 0);
	BAD(c.prio = VRRP_PRIO_OWNER);
	BAD(c.interval_cs = 0);
	BAD(c.interval_cs = VRRP_INTERVAL_MAX_CS + 1);
	BAD(c.naddrs = 0);
	BAD(c.naddrs = VRRP_ADDRS_MAX + 1);
	BAD(c.addrs[1] = ip("2001:db8::100"));
	BAD(c.addrs[1] = c.addrs[0]);
	BAD(c.primary.family = 0);
	BAD(c.npeers = VRRP_PEERS_MAX + 1);
	BAD((c.npeers = 1, c.peers[0] = ip("2001:db8::2")));
	BAD((c.npeers = 1, c.peers[0] = c.primary));
	BAD((c.npeers = 2, c.peers[0] = ip("198.18.0.2"),
	     c.peers[1] = ip("198.18.0.2")));
	BAD(c.preempt_delay_ms = DURATION_MAX_MS + 1);
#undef BAD
	c = good;
	c.prio = VRRP_PRIO_MAX;
	c.interval_cs = VRRP_INTERVAL_MIN_CS;
	assert_int_equal(vrrp_init(&v, &c), 0);
}

/* ---- malformed packets --------------------------------------------- */

struct rxcase {
	const char *name;
	enum vrrp_drop want;
};

static void test_malformed(void **state)
{
	struct vrrp_cfg c = cfg4(9, 100, "198.18.0.1");
	struct ip_addr peer = ip("198.18.0.2"), mc = ip("224.0.0.18");
	__u64 want[VRRP_DROP_MAX] = { 0 };
	__u8 good[VRRP_PKT_MAX], pkt[VRRP_PKT_MAX + 4];
	struct vrrp v, sender;
	struct vrrp_rx_info rx;
	struct vrrp_out out;
	int len, slen, d;
	__u16 sum;

	(void)state;
	assert_int_equal(vrrp_init(&v, &c), 0);
	assert_int_equal(vrrp_start(&v, 0, &out), 0);
	c.primary = peer;
	assert_int_equal(vrrp_init(&sender, &c), 0);
	len = vrrp_build(&sender, 150, &mc, good, sizeof(good));
	assert_int_equal(len, 16);

	/* Rewrite the checksum after a change so only that change counts. */
#define RESUM(p, l) do {						\
		(p)[6] = (p)[7] = 0;					\
		sum = ref_csum(&peer, &mc, (p), (l));			\
		(p)[6] = sum >> 8;					\
		(p)[7] = sum & 0xff;					\
	} while (0)
#define RX(l, ttl_, want_) do {						\
		memset(&rx, 0, sizeof(rx));				\
		rx.src = peer;						\
		rx.dst = mc;						\
		rx.ttl = (ttl_);					\
		d = vrrp_decode(&v, pkt, (l), &rx);			\
		assert_int_equal(d, (want_));				\
		want[d]++;						\
	} while (0)

	memcpy(pkt, good, len);
	RX(len, 255, VRRP_OK);
	RX(len, 254, VRRP_DROP_TTL);
	RX(len, 64, VRRP_DROP_TTL);
	RX(7, 255, VRRP_DROP_TRUNCATED);
	RX(0, 255, VRRP_DROP_TRUNCATED);
	RX(len - 1, 255, VRRP_DROP_TRUNCATED);	/* half an address */
	RX(8, 255, VRRP_DROP_TRUNCATED);	/* header only, count 2 */

	pkt[0] = 0x21;				/* VRRPv2 */
	RESUM(pkt, len);
	RX(len, 255, VRRP_DROP_VERSION);
	pkt[0] = 0x32;				/* type 2 */
	RESUM(pkt, len);
	RX(len, 255, VRRP_DROP_TYPE);

	memcpy(pkt, good, len);
	pkt[len] = 0;
	pkt[len + 1] = 0;
	RX(len + 2, 255, VRRP_DROP_LENGTH);
	pkt[8] ^= 0x01;				/* old sum */
	RX(len, 255, VRRP_DROP_CSUM);
	memcpy(pkt, good, len);
	pkt[7] ^= 0x80;
	RX(len, 255, VRRP_DROP_CSUM);

	memcpy(pkt, good, len);
	pkt[4] = 0xf0;				/* rsvd set, interval 0 */
	pkt[5] = 0;
	RESUM(pkt, len);
	RX(len, 255, VRRP_DROP_INTERVAL);
	pkt[5] = 100;				/* rsvd is ignored */
	RESUM(pkt, len);
	RX(len, 255, VRRP_OK);
	assert_int_equal(rx.adv.interval_cs, 100);

	memcpy(pkt, good, len);
	pkt[1] = 10;
	RESUM(pkt, len);
	RX(len, 255, VRRP_DROP_VRID);

	/* One address fewer than configured. */
	memcpy(pkt, good, len);
	pkt[3] = 1;
	RESUM(pkt, 12);
	RX(12, 255, VRRP_DROP_COUNT);
	/* ... unless the sender claims to own them (7.1). */
	pkt[2] = VRRP_PRIO_OWNER;
	RESUM(pkt, 12);
	RX(12, 255, VRRP_OK);
	/* Zero addresses is malformed whatever the priority. */
	pkt[3] = 0;
	RESUM(pkt, 8);
	RX(8, 255, VRRP_DROP_COUNT);

	memcpy(pkt, good, len);
	pkt[15] = 102;				/* 198.18.0.102 */
	RESUM(pkt, len);
	RX(len, 255, VRRP_DROP_ADDRS);
	/* Order does not matter. */
	memcpy(pkt + 8, good + 12, 4);
	memcpy(pkt + 12, good + 8, 4);
	RESUM(pkt, len);
	RX(len, 255, VRRP_OK);

	/* Our own advert, looped back by multicast. */
	slen = vrrp_build(&v, 100, &mc, pkt, sizeof(pkt));
	memset(&rx, 0, sizeof(rx));
	rx.src = c.primary = ip("198.18.0.1");
	rx.dst = mc;
	rx.ttl = 255;
	assert_int_equal(vrrp_decode(&v, pkt, slen, &rx), VRRP_DROP_OWN);
	want[VRRP_DROP_OWN]++;

	/* An IPv6 packet handed to an IPv4 instance. */
	memset(&rx, 0, sizeof(rx));
	rx.src = ip("2001:db8::2");
	rx.dst = ip("ff02::12");
	rx.ttl = 255;
	assert_int_equal(vrrp_decode(&v, good, len, &rx), VRRP_DROP_FAMILY);
	want[VRRP_DROP_FAMILY]++;

	/* Every reason counted exactly, and none of it touched the state. */
	for (d = 1; d < VRRP_DROP_MAX; d++) {
		if (v.stats.drops[d] != want[d])
			fail_msg("drops[%s] = %llu, want %llu",
				 vrrp_drop_str(d),
				 (unsigned long long)v.stats.drops[d],
				 (unsigned long long)want[d]);
		/* Peers have their own test. */
		if (d != VRRP_DROP_PEER)
			assert_true(want[d] > 0);
	}
	assert_int_equal(want[VRRP_OK], 4);
	assert_int_equal(v.stats.rx_adverts, 0);
	assert_int_equal(v.state, VRRP_STATE_BACKUP);
	assert_int_equal(vrrp_next_timeout(&v), vrrp_master_down_ms(&v));
	assert_string_equal(vrrp_drop_str(VRRP_DROP_CSUM), "checksum");
#undef RX
#undef RESUM
}

static void test_unknown_peer(void **state)
{
	struct vrrp_cfg c = cfg4(9, 100, "198.18.0.1");
	struct ip_addr me = c.primary, mc = ip("224.0.0.18");
	struct vrrp_rx_info rx;
	struct vrrp v, other;
	__u8 pkt[VRRP_PKT_MAX];
	int len;

	(void)state;
	c.npeers = 1;
	c.peers[0] = ip("198.18.0.2");
	assert_int_equal(vrrp_init(&v, &c), 0);
	c.npeers = 0;
	c.primary = ip("198.18.0.3");
	assert_int_equal(vrrp_init(&other, &c), 0);

	len = vrrp_build(&other, 200, &me, pkt, sizeof(pkt));
	memset(&rx, 0, sizeof(rx));
	rx.src = c.primary;
	rx.dst = me;
	rx.ttl = 255;
	assert_int_equal(vrrp_decode(&v, pkt, len, &rx), VRRP_DROP_PEER);
	assert_int_equal(v.stats.drops[VRRP_DROP_PEER], 1);
	/* Multicast from a stranger: also refused. */
	len = vrrp_build(&other, 200, &mc, pkt, sizeof(pkt));
	rx.dst = mc;
	assert_int_equal(vrrp_decode(&v, pkt, len, &rx), VRRP_DROP_PEER);
	assert_int_equal(v.stats.drops[VRRP_DROP_PEER], 2);
}

/* ---- a simulated link ---------------------------------------------- */

#define NODES		4
#define QLEN		256
#define LATENCY_MS	1
#define EVENTS_MAX	100000

struct pkt {
	__u64 at;
	int from, to;
	struct ip_addr dst;
	int len;
	__u8 buf[VRRP_PKT_MAX];
};

struct sim {
	int n;
	__u64 now;
	struct vrrp v[NODES];
	bool holding[NODES];	/* addresses added (TAKEOVER - RELEASE) */
	bool cut[NODES];	/* node isolated from the link */
	bool dead[NODES];	/* crashed: no timers, no receive */
	__u64 master_at[NODES];	/* time of the last TAKEOVER */
	__u64 backup_at[NODES];	/* time of the last RELEASE */
	__u64 last_rx[NODES];	/* time of the last advert accepted */
	unsigned int sent[NODES];
	unsigned int sent_prio[NODES][256];
	struct pkt q[QLEN];
	int nq;
};

static void sim_exec(struct sim *s, int i, const struct vrrp_out *out)
{
	struct ip_addr dst[VRRP_PEERS_MAX];
	unsigned int nd, k;
	int j;

	if (out->act & VRRP_ACT_RELEASE) {
		assert_true(s->holding[i]);
		s->holding[i] = false;
		s->backup_at[i] = s->now;
	}
	if (out->act & VRRP_ACT_ADVERT) {
		s->sent[i]++;
		s->sent_prio[i][out->prio]++;
		nd = vrrp_dests(&s->v[i], dst);
		for (k = 0; k < nd; k++) {
			for (j = 0; j < s->n; j++) {
				struct pkt *p;

				if (j == i || s->cut[i] || s->cut[j])
					continue;
				/* Other VRIDs on the link are other hosts'. */
				if (s->v[j].cfg.vrid != s->v[i].cfg.vrid)
					continue;
				if (dst[k].a[0] != htonl(VRRP_MCAST4) &&
				    dst[k].a[0] != htonl(0xff020000) &&
				    memcmp(dst[k].a, s->v[j].cfg.primary.a, 16))
					continue;
				assert_true(s->nq < QLEN);
				p = &s->q[s->nq++];
				p->at = s->now + LATENCY_MS;
				p->from = i;
				p->to = j;
				p->dst = dst[k];
				p->len = vrrp_build(&s->v[i], out->prio,
						    &dst[k], p->buf,
						    sizeof(p->buf));
				assert_true(p->len > 0);
			}
		}
	}
	if (out->act & VRRP_ACT_TAKEOVER) {
		assert_false(s->holding[i]);
		s->holding[i] = true;
		s->master_at[i] = s->now;
	}
	/* Addresses are held exactly while Master. */
	assert_int_equal(s->holding[i],
			 s->v[i].state == VRRP_STATE_MASTER);
}

static void sim_deliver(struct sim *s, struct pkt *p)
{
	struct vrrp_rx_info rx;
	struct vrrp_out out;
	int to = p->to;

	if (s->dead[to] || s->cut[to])
		return;
	memset(&rx, 0, sizeof(rx));
	rx.src = s->v[p->from].cfg.primary;
	rx.dst = p->dst;
	rx.ttl = 255;
	assert_int_equal(vrrp_decode(&s->v[to], p->buf, p->len, &rx),
			 VRRP_OK);
	s->last_rx[to] = s->now;
	vrrp_rx(&s->v[to], s->now, &rx, &out);
	sim_exec(s, to, &out);
}

/* Run every event up to and including time until. */
static void sim_run(struct sim *s, __u64 until)
{
	int events = 0, i, k;

	for (;;) {
		__u64 next = VRRP_NO_TIMEOUT;

		for (i = 0; i < s->n; i++)
			if (!s->dead[i] && vrrp_next_timeout(&s->v[i]) < next)
				next = vrrp_next_timeout(&s->v[i]);
		for (k = 0; k < s->nq; k++)
			if (s->q[k].at < next)
				next = s->q[k].at;
		if (next > until)
			break;
		assert_true(++events < EVENTS_MAX);
		s->now = next;
		/* Packets first, in send order, then timers. */
		for (k = 0; k < s->nq;) {
			if (s->q[k].at == next) {
				struct pkt p = s->q[k];

				memmove(&s->q[k], &s->q[k + 1],
					(s->nq - k - 1) * sizeof(s->q[0]));
				s->nq--;
				sim_deliver(s, &p);
			} else {
				k++;
			}
		}
		for (i = 0; i < s->n; i++) {
			struct vrrp_out out;

			if (s->dead[i] || vrrp_next_timeout(&s->v[i]) > next)
				continue;
			vrrp_timer(&s->v[i], next, &out);
			sim_exec(s, i, &out);
		}
	}
	s->now = until;
}

static void sim_add(struct sim *s, const struct vrrp_cfg *c)
{
	assert_true(s->n < NODES);
	assert_int_equal(vrrp_init(&s->v[s->n], c), 0);
	s->n++;
}

static void sim_start(struct sim *s, int i)
{
	struct vrrp_out out;

	assert_int_equal(vrrp_start(&s->v[i], s->now, &out), 0);
	assert_true(out.changed);
	assert_int_equal(out.to, VRRP_STATE_BACKUP);
	assert_int_equal(out.act, 0);
}

static int masters(const struct sim *s)
{
	int i, m = 0;

	for (i = 0; i < s->n; i++)
		m += s->v[i].state == VRRP_STATE_MASTER && !s->dead[i];
	return m;
}

static struct sim *sim_new(void)
{
	static struct sim s;

	memset(&s, 0, sizeof(s));
	return &s;
}

/* Reference formulas from the RFC, in ms, for priority p and interval i. */
static __u64 skew(__u64 p, __u64 i_cs)
{
	return (256 - p) * i_cs * 10 / 256;
}

static __u64 mdown(__u64 p, __u64 i_cs)
{
	return 3 * i_cs * 10 + skew(p, i_cs);
}

static void test_timers_single(void **state)
{
	struct vrrp_cfg c = cfg4(1, 100, "198.18.0.1");
	struct vrrp_out out;
	struct vrrp v;

	(void)state;
	assert_int_equal(mdown(100, 100), 3609);
	assert_int_equal(vrrp_init(&v, &c), 0);
	vrrp_timer(&v, 5000, &out);		/* stopped: nothing */
	assert_int_equal(out.act, 0);
	assert_int_equal(vrrp_start(&v, 1000, &out), 0);
	assert_int_equal(out.seq, 1);
	assert_int_equal(vrrp_start(&v, 1000, &out), -EALREADY);
	assert_int_equal(vrrp_skew_ms(&v), 609);
	assert_int_equal(vrrp_master_down_ms(&v), 3609);
	assert_int_equal(vrrp_next_timeout(&v), 4609);

	vrrp_timer(&v, 4608, &out);
	assert_int_equal(out.act, 0);
	assert_false(out.changed);
	assert_int_equal(v.state, VRRP_STATE_BACKUP);

	vrrp_timer(&v, 4609, &out);
	assert_int_equal(out.act, VRRP_ACT_ADVERT | VRRP_ACT_TAKEOVER);
	assert_int_equal(out.prio, 100);
	assert_true(out.changed);
	assert_int_equal(out.from, VRRP_STATE_BACKUP);
	assert_int_equal(out.to, VRRP_STATE_MASTER);
	assert_int_equal(out.seq, 2);
	assert_int_equal(vrrp_next_timeout(&v), 5609);

	/* Adverts every interval, no further transition. */
	vrrp_timer(&v, 5609, &out);
	assert_int_equal(out.act, VRRP_ACT_ADVERT);
	assert_false(out.changed);
	assert_int_equal(vrrp_next_timeout(&v), 6609);
	/* A late loop sends one advert, then keeps the interval from now. */
	vrrp_timer(&v, 9000, &out);
	assert_int_equal(out.act, VRRP_ACT_ADVERT);
	assert_int_equal(vrrp_next_timeout(&v), 10000);
	assert_int_equal(v.stats.tx_adverts, 3);
	assert_int_equal(v.stats.became_master, 1);
	assert_int_equal(v.stats.became_backup, 1);

	/* Shutdown as master: resign with priority 0, drop addresses. */
	vrrp_shutdown(&v, 9500, &out);
	assert_int_equal(out.act, VRRP_ACT_ADVERT | VRRP_ACT_RELEASE);
	assert_int_equal(out.prio, 0);
	assert_int_equal(out.to, VRRP_STATE_INIT);
	assert_int_equal(out.seq, 3);
	assert_int_equal(v.stats.tx_prio0, 1);
	assert_true(vrrp_next_timeout(&v) == VRRP_NO_TIMEOUT);
	vrrp_shutdown(&v, 9600, &out);		/* again: nothing */
	assert_false(out.changed);
	assert_int_equal(out.act, 0);

	/* Restart, and shutdown as backup: no advert, nothing to drop. */
	assert_int_equal(vrrp_start(&v, 20000, &out), 0);
	assert_int_equal(vrrp_next_timeout(&v), 23609);
	vrrp_shutdown(&v, 21000, &out);
	assert_int_equal(out.act, 0);
	assert_true(out.changed);
	assert_int_equal(out.to, VRRP_STATE_INIT);
	assert_int_equal(v.stats.transitions, 5);
}

/* Both start; the higher priority's shorter skew makes it master. */
static void test_startup_pair(void **state)
{
	struct vrrp_cfg a = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.2");
	struct sim *s = sim_new();
	__u64 ta = mdown(200, 100);

	(void)state;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	assert_int_equal(ta, 3218);
	sim_run(s, ta - 1);
	assert_int_equal(masters(s), 0);
	sim_run(s, ta);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[0], ta);
	sim_run(s, 60000);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[1].stats.became_master, 0);
	/* Adverts at ta, ta + 1 s, ...: all heard, none discarded. */
	assert_int_equal(s->sent[0], (60000 - ta) / 1000 + 1);
	assert_int_equal(s->v[1].stats.rx_adverts, s->sent[0]);
	assert_int_equal(s->v[1].stats.rx_discarded, 0);
	assert_int_equal(s->sent[1], 0);
	/* The backup waits a master-down interval from the last advert. */
	assert_int_equal(vrrp_next_timeout(&s->v[1]),
			 s->last_rx[1] + mdown(100, 100));
	assert_memory_equal(s->v[1].master.a, s->v[0].cfg.primary.a, 4);
	assert_int_equal(s->v[1].master_prio, 200);

	/* The master dies silently: takeover a master-down interval later. */
	s->dead[0] = true;
	sim_run(s, 70000);
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[1], s->last_rx[1] + 3609);
}

/* A higher-priority backup with preempt discards the lower master's
 * adverts and takes over when its own Master_Down_Timer fires (6.4.2). */
static void test_preempt(void **state)
{
	struct vrrp_cfg a = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.2");
	struct sim *s = sim_new();
	__u64 t0 = 20000;

	(void)state;
	sim_add(s, &a);
	sim_add(s, &b);
	s->dead[0] = true;	/* host A boots later */
	sim_start(s, 1);
	sim_run(s, t0);
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[1], 3609);

	s->dead[0] = false;
	sim_start(s, 0);
	sim_run(s, t0 + 3218 - 1);
	assert_int_equal(s->v[0].state, VRRP_STATE_BACKUP);
	/* Three of B's adverts arrived meanwhile; all discarded. */
	assert_int_equal(s->v[0].stats.rx_adverts, 3);
	assert_int_equal(s->v[0].stats.rx_discarded, 3);
	sim_run(s, t0 + 3218 + LATENCY_MS);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[0], t0 + 3218);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->backup_at[1], t0 + 3218 + LATENCY_MS);
	/* B learnt A's interval and follows it. */
	assert_int_equal(s->v[1].master_adv_cs, 100);
	assert_int_equal(vrrp_next_timeout(&s->v[1]),
			 t0 + 3218 + LATENCY_MS + 3609);
	sim_run(s, t0 + 60000);
	assert_int_equal(masters(s), 1);
	assert_int_equal(s->v[0].stats.became_master, 1);
	assert_int_equal(s->v[1].stats.became_backup, 2);
}

static void test_nopreempt(void **state)
{
	struct vrrp_cfg a = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.2");
	struct sim *s = sim_new();

	(void)state;
	a.preempt = false;
	sim_add(s, &a);
	sim_add(s, &b);
	s->dead[0] = true;	/* host A boots later */
	sim_start(s, 1);
	sim_run(s, 20000);
	s->dead[0] = false;
	sim_start(s, 0);
	sim_run(s, 200000);
	assert_int_equal(s->v[0].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[0].stats.became_master, 0);
	assert_int_equal(s->v[0].stats.rx_discarded, 0);
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[1].stats.transitions, 2);
	/* Still the backup that takes over when B resigns. */
	{
		struct vrrp_out out;

		vrrp_shutdown(&s->v[1], s->now, &out);
		sim_exec(s, 1, &out);
	}
	sim_run(s, 201000);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[0], 200000 + LATENCY_MS + skew(200, 100));
}

/* Preempt delay: nopreempt for 10 s after startup, then RFC preempt. */
static void test_preempt_delay(void **state)
{
	struct vrrp_cfg a = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.2");
	struct sim *s = sim_new();

	(void)state;
	a.preempt_delay_ms = 10000;
	sim_add(s, &a);
	sim_add(s, &b);
	s->dead[0] = true;	/* host A boots later */
	sim_start(s, 1);
	sim_run(s, 20000);
	s->dead[0] = false;
	sim_start(s, 0);
	/* B's adverts leave at 3609 + k s and arrive 1 ms later. */
	sim_run(s, 30000 - 1);
	assert_int_equal(s->v[0].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[0].stats.rx_discarded, 0);
	assert_int_equal(s->last_rx[0], 29610);
	sim_run(s, 32827);
	assert_int_equal(s->v[0].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[0].stats.rx_discarded, 3);  /* 30610..32610 */
	sim_run(s, 32828 + LATENCY_MS);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[0], 29610 + 3218);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
}

/* Equal priorities, started together: both time out at once, and the
 * higher primary address wins when they hear each other. */
static void test_equal_priority(void **state)
{
	struct vrrp_cfg a = cfg4(1, 100, "198.18.0.9");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.10");
	struct sim *s = sim_new();

	(void)state;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	sim_run(s, 3609);
	assert_int_equal(masters(s), 2);
	sim_run(s, 3609 + LATENCY_MS);
	assert_int_equal(masters(s), 1);
	/* .10 > .9 */
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->backup_at[0], 3610);
	/* The winner discarded the loser's advert and sent nothing extra. */
	assert_int_equal(s->v[1].stats.rx_discarded, 1);
	assert_int_equal(s->sent[1], 1);
	sim_run(s, 100000);
	assert_int_equal(masters(s), 1);
	assert_int_equal(s->v[1].stats.transitions, 2);
	assert_int_equal(s->v[0].stats.transitions, 3);
}

/* The tiebreak compares addresses as unsigned 128-bit integers. */
static void test_equal_priority_ipv6(void **state)
{
	struct vrrp_cfg a = cfg6(3, 100, "2001:db8::ffff:1");
	struct vrrp_cfg b = cfg6(3, 100, "2001:db8:1::1");
	struct sim *s = sim_new();

	(void)state;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	sim_run(s, 10000);
	assert_int_equal(masters(s), 1);
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[0].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[0].master_prio, 100);
}

/* Split brain: a partition makes two masters; on healing, one stays. */
static void test_split_brain(void **state)
{
	struct vrrp_cfg a = cfg4(1, 150, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.2");
	struct sim *s = sim_new();
	__u64 heal;

	(void)state;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	sim_run(s, 10000);
	assert_int_equal(masters(s), 1);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);

	s->cut[1] = true;
	sim_run(s, 20000);
	assert_int_equal(masters(s), 2);
	assert_true(s->holding[0] && s->holding[1]);

	s->cut[1] = false;
	heal = s->now;
	/* A's next advert (every 1 s from 3414) demotes B on arrival. */
	sim_run(s, heal + 1000 + LATENCY_MS);
	assert_int_equal(masters(s), 1);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
	assert_true(s->backup_at[1] > heal);
	assert_int_equal((s->backup_at[1] - LATENCY_MS - 3414) % 1000, 0);
	assert_int_equal(s->v[0].stats.became_master, 1);
	sim_run(s, heal + 30000);
	assert_int_equal(masters(s), 1);
}

/* Priority 0 from a resigning master: the backup waits only Skew_Time. */
static void test_resign(void **state)
{
	struct vrrp_cfg a = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.2");
	struct sim *s = sim_new();
	struct vrrp_out out;

	(void)state;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	sim_run(s, 10500);
	vrrp_shutdown(&s->v[0], s->now, &out);
	assert_int_equal(out.prio, 0);
	sim_exec(s, 0, &out);
	assert_int_equal(s->backup_at[0], 10500);
	sim_run(s, 10500 + LATENCY_MS);
	assert_int_equal(s->v[1].stats.rx_prio0, 1);
	assert_int_equal(vrrp_next_timeout(&s->v[1]),
			 10500 + LATENCY_MS + 609);
	sim_run(s, 20000);
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[1], 10500 + LATENCY_MS + 609);
	assert_int_equal(s->v[0].state, VRRP_STATE_INIT);
}

/* A master hearing priority 0 (another master resigning) asserts itself
 * at once and restarts its Adver_Timer (6.4.3). */
static void test_master_hears_prio0(void **state)
{
	struct vrrp_cfg c = cfg4(1, 100, "198.18.0.1");
	struct vrrp_rx_info rx;
	struct vrrp_out out;
	struct vrrp v;

	(void)state;
	assert_int_equal(vrrp_init(&v, &c), 0);
	memset(&rx, 0, sizeof(rx));
	rx.src = ip("198.18.0.2");
	rx.adv.prio = 0;
	rx.adv.interval_cs = 100;
	/* Initialize ignores adverts. */
	vrrp_rx(&v, 0, &rx, &out);
	assert_int_equal(out.act, 0);
	assert_false(out.changed);
	assert_int_equal(v.stats.rx_discarded, 1);
	vrrp_start(&v, 0, &out);
	vrrp_timer(&v, 3609, &out);
	assert_int_equal(v.state, VRRP_STATE_MASTER);
	vrrp_rx(&v, 4000, &rx, &out);
	assert_int_equal(out.act, VRRP_ACT_ADVERT);
	assert_int_equal(out.prio, 100);
	assert_int_equal(vrrp_next_timeout(&v), 5000);
	/* A lower priority is discarded without an advert (RFC 5798). */
	rx.adv.prio = 99;
	vrrp_rx(&v, 4100, &rx, &out);
	assert_int_equal(out.act, 0);
	assert_int_equal(vrrp_next_timeout(&v), 5000);
	assert_int_equal(v.stats.rx_discarded, 2);
	/* Equal priority, lower address: also discarded. */
	rx.adv.prio = 100;
	rx.src = ip("198.18.0.0");
	vrrp_rx(&v, 4200, &rx, &out);
	assert_int_equal(out.act, 0);
	assert_int_equal(v.state, VRRP_STATE_MASTER);
	/* Higher priority with a 50 cs interval: backup, learns it. */
	rx.adv.prio = 101;
	rx.adv.interval_cs = 50;
	vrrp_rx(&v, 4300, &rx, &out);
	assert_int_equal(out.act, VRRP_ACT_RELEASE);
	assert_int_equal(out.to, VRRP_STATE_BACKUP);
	assert_int_equal(v.master_adv_cs, 50);
	assert_int_equal(vrrp_master_down_ms(&v), mdown(100, 50));
	assert_int_equal(vrrp_next_timeout(&v), 4300 + 1500 + 304);
}

/* Planned switchover: the master lowers its priority below the backup's. */
static void test_set_priority(void **state)
{
	struct vrrp_cfg a = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 150, "198.18.0.2");
	struct sim *s = sim_new();
	struct vrrp_out out;
	__u64 t = 10500, last;

	(void)state;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	sim_run(s, t);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	last = s->last_rx[1];
	assert_int_equal(last, 3218 + 7000 + LATENCY_MS);

	assert_int_equal(vrrp_set_priority(&s->v[0], t, 0, &out), -ERANGE);
	assert_int_equal(vrrp_set_priority(&s->v[0], t, 255, &out), -ERANGE);
	assert_int_equal(vrrp_set_priority(&s->v[0], t, 100, &out), 0);
	assert_int_equal(out.act, VRRP_ACT_ADVERT);
	assert_int_equal(out.prio, 100);
	assert_false(out.changed);
	sim_exec(s, 0, &out);
	assert_int_equal(vrrp_next_timeout(&s->v[0]), t + 1000);
	/* Same priority again: nothing to say. */
	assert_int_equal(vrrp_set_priority(&s->v[0], t, 100, &out), 0);
	assert_int_equal(out.act, 0);

	/* B discards priority-100 adverts, times out from the last 200. */
	sim_run(s, last + mdown(150, 100) + LATENCY_MS);
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[1], last + mdown(150, 100));
	assert_int_equal(s->v[0].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->backup_at[0], s->master_at[1] + LATENCY_MS);
	/* At 10500 (at once), 11500, 12500 and 13500. */
	assert_int_equal(s->sent_prio[0][100], 4);
	assert_int_equal(s->v[1].stats.rx_discarded, 4);
	/* A's new priority sets its skew as a backup. */
	assert_int_equal(vrrp_skew_ms(&s->v[0]), skew(100, 100));

	/* Tracking back up: A (preempt) takes over again. */
	assert_int_equal(vrrp_set_priority(&s->v[0], s->now, 200, &out), 0);
	assert_int_equal(out.act, 0);		/* a backup says nothing */
	last = s->last_rx[0];
	sim_run(s, s->now + 10000);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[0], last + mdown(100, 100));
	assert_int_equal(masters(s), 1);
}

/* 10 ms adverts: the backup takes over 36 ms after the last advert. */
static void test_fast_interval(void **state)
{
	struct vrrp_cfg a = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg b = cfg4(1, 100, "198.18.0.2");
	struct sim *s = sim_new();

	(void)state;
	a.interval_cs = b.interval_cs = VRRP_INTERVAL_MIN_CS;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	assert_int_equal(vrrp_master_down_ms(&s->v[1]), 36);
	assert_int_equal(vrrp_master_down_ms(&s->v[0]), 32);
	assert_int_equal(vrrp_skew_ms(&s->v[1]), 6);
	sim_run(s, 5000);
	assert_int_equal(s->master_at[0], 32);
	assert_int_equal(s->sent[0], (5000 - 32) / 10 + 1);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
	s->dead[0] = true;
	sim_run(s, 6000);
	assert_int_equal(s->v[1].state, VRRP_STATE_MASTER);
	assert_int_equal(s->master_at[1], s->last_rx[1] + 36);
	assert_true(s->master_at[1] - 5000 < 1000);
	/* Resignation at 10 ms: skew only. */
	{
		struct vrrp_out out;

		vrrp_shutdown(&s->v[1], s->now, &out);
		assert_int_equal(out.prio, 0);
	}
}

/* Two VRIDs with opposite priorities: each host masters one. */
static void test_active_active(void **state)
{
	struct vrrp_cfg a1 = cfg4(1, 200, "198.18.0.1");
	struct vrrp_cfg a2 = cfg4(2, 100, "198.18.0.1");
	struct vrrp_cfg b1 = cfg4(1, 100, "198.18.0.2");
	struct vrrp_cfg b2 = cfg4(2, 200, "198.18.0.2");
	struct sim *s = sim_new();
	struct vrrp_out out;
	int i;

	(void)state;
	a2.addrs[0] = b2.addrs[0] = ip("198.18.1.100");
	a2.addrs[1] = b2.addrs[1] = ip("198.18.1.101");
	sim_add(s, &a1);
	sim_add(s, &a2);
	sim_add(s, &b1);
	sim_add(s, &b2);
	for (i = 0; i < 4; i++)
		sim_start(s, i);
	sim_run(s, 30000);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[2].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[3].state, VRRP_STATE_MASTER);
	/* Host A stops VRID 1 only: VRID 2 is untouched. */
	vrrp_shutdown(&s->v[0], s->now, &out);
	sim_exec(s, 0, &out);
	sim_run(s, 40000);
	assert_int_equal(s->v[2].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[3].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[3].stats.transitions, 2);
	assert_int_equal(s->v[1].stats.transitions, 1);
}

/* Unicast peers: adverts go to the peer only and still elect. */
static void test_unicast_pair(void **state)
{
	struct vrrp_cfg a = cfg6(5, 200, "2001:db8::1");
	struct vrrp_cfg b = cfg6(5, 100, "2001:db8::2");
	struct sim *s = sim_new();

	(void)state;
	a.npeers = b.npeers = 1;
	a.peers[0] = b.primary;
	b.peers[0] = a.primary;
	sim_add(s, &a);
	sim_add(s, &b);
	sim_start(s, 0);
	sim_start(s, 1);
	sim_run(s, 10000);
	assert_int_equal(s->v[0].state, VRRP_STATE_MASTER);
	assert_int_equal(s->v[1].state, VRRP_STATE_BACKUP);
	assert_int_equal(s->v[1].stats.rx_adverts, s->sent[0]);
	assert_true(s->sent[0] > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_ipv4),
		cmocka_unit_test(test_checksum_ipv6),
		cmocka_unit_test(test_checksum_unicast),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_init_validation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unknown_peer),
		cmocka_unit_test(test_timers_single),
		cmocka_unit_test(test_startup_pair),
		cmocka_unit_test(test_preempt),
		cmocka_unit_test(test_nopreempt),
		cmocka_unit_test(test_preempt_delay),
		cmocka_unit_test(test_equal_priority),
		cmocka_unit_test(test_equal_priority_ipv6),
		cmocka_unit_test(test_split_brain),
		cmocka_unit_test(test_resign),
		cmocka_unit_test(test_master_hears_prio0),
		cmocka_unit_test(test_set_priority),
		cmocka_unit_test(test_fast_interval),
		cmocka_unit_test(test_active_active),
		cmocka_unit_test(test_unicast_pair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
