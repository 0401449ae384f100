// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes as a run of VRRP events for one instance: received packets (some
 * with their checksum fixed up, so the state machine is reached), timer
 * ticks, priority changes, shutdown and restart. Nothing may crash, and
 * after every event: the addresses are held exactly while Master, only
 * released when held and only taken when not, the timer is in the future
 * once it has run, every packet is counted once, and an accepted packet encodes back
 * to the same bytes.
 *
 * Input: one config byte, then events: an op byte (low 3 bits the kind,
 * the rest a time step), and for packets a length byte and the bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp.h"
#include "xlb.h"

static struct ip_addr v4(__u8 last)
{
	struct ip_addr a = { .family = XLB_AF_INET };

	a.a[0] = __builtin_bswap32(0xc6120000u | last);	/* 198.18.0.x */
	return a;
}

static struct ip_addr v6(__u8 last)
{
	struct ip_addr a = { .family = XLB_AF_INET6 };

	a.a[0] = __builtin_bswap32(0x20010db8u);
	a.a[3] = __builtin_bswap32(last);
	return a;
}

static struct ip_addr (*mk)(__u8);

static void setup(struct vrrp *v, __u8 sel)
{
	struct vrrp_cfg c = { 0 };

	mk = sel & 1 ? v6 : v4;
	c.vrid = 7;
	c.prio = sel & 0x80 ? 254 : 100;
	c.interval_cs = sel & 0x40 ? 1 : 100;
	c.preempt = sel & 2;
	c.preempt_delay_ms = sel & 0x20 ? 500 : 0;
	c.primary = mk(1);
	c.naddrs = 2;
	c.addrs[0] = mk(100);
	c.addrs[1] = mk(101);
	if (sel & 4) {
		c.npeers = 1;
		c.peers[0] = mk(2);
	}
	if (vrrp_init(v, &c))
		abort();
}

/* Pseudo-header (IPv4: 0, 112, len16; IPv6: len32, 0, 0, 0, 112). */
static __u16 csum(const struct ip_addr *s, const struct ip_addr *d,
		  const __u8 *p, size_t len)
{
	size_t alen = s->family == XLB_AF_INET6 ? 16 : 4, i;
	__u8 ph[40] = { 0 };
	__u32 sum = 0;

	memcpy(ph, s->a, alen);
	memcpy(ph + alen, d->a, alen);
	if (alen == 4) {
		ph[9] = 112;
		ph[10] = len >> 8;
		ph[11] = len;
	} else {
		ph[34] = len >> 8;
		ph[35] = len;
		ph[39] = 112;
	}
	for (i = 0; i < (alen == 4 ? 12 : 40); i += 2)
		sum += ph[i] << 8 | ph[i + 1];
	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static bool holding;

static void apply(const struct vrrp *v, const struct vrrp_out *o, __u64 now)
{
	if (o->act & VRRP_ACT_RELEASE) {
		if (!holding)
			abort();
		holding = false;
	}
	if (o->act & VRRP_ACT_TAKEOVER) {
		if (holding)
			abort();
		holding = true;
	}
	if (holding != (v->state == VRRP_STATE_MASTER))
		abort();
	if (o->changed && (o->to != v->state || o->from == o->to ||
			   o->seq != v->stats.transitions))
		abort();
	if (v->state == VRRP_STATE_INIT &&
	    vrrp_next_timeout(v) != VRRP_NO_TIMEOUT)
		abort();
}

static void check_reencode(const struct vrrp_rx_info *rx, const __u8 *p,
			   size_t len)
{
	__u8 out[VRRP_PKT_MAX];
	int n;

	if (p[4] & 0xf0)	/* reserved bits are not kept */
		return;
	n = vrrp_encode(&rx->adv, &rx->src, &rx->dst, out, sizeof(out));
	if (n != (int)len || memcmp(out, p, 6))
		abort();
	if (memcmp(out + 8, p + 8, len - 8))
		abort();
	/* One's complement has two zeros: 0x0000 and 0xffff both verify. */
	if (memcmp(out + 6, p + 6, 2) &&
	    !((out[6] | out[7]) == 0 && (p[6] & p[7]) == 0xff) &&
	    !((p[6] | p[7]) == 0 && (out[6] & out[7]) == 0xff))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u64 now = 1000, pkts = 0, drops, accepted = 0;
	struct ip_addr mc;
	struct vrrp_out o;
	struct vrrp v;
	size_t i = 1;
	int k;

	if (size < 1)
		return 0;
	setup(&v, data[0]);
	holding = false;
	vrrp_dests(&v, &mc);
	vrrp_start(&v, now, &o);
	apply(&v, &o, now);

	while (i < size) {
		__u8 op = data[i++];

		now += (op >> 3) * 7;
		switch (op & 7) {
		case 0:
		case 1:
		case 2: {
			/* 0: as is; 1: checksum fixed; 2: fixed, TTL 64 */
			struct vrrp_rx_info rx = { 0 };
			__u8 pkt[VRRP_PKT_MAX + 16];
			size_t len;

			if (i >= size)
				return 0;
			len = data[i++] % sizeof(pkt);
			if (len > size - i)
				len = size - i;
			memcpy(pkt, data + i, len);
			i += len;
			/* Ourselves, a router above us (the peer if one is
			 * configured) or one below us. */
			rx.src = op & 0x80 ? v.cfg.primary :
				 op & 0x40 ? mk(2) : mk(0);
			rx.dst = mc;
			rx.ttl = (op & 7) == 2 ? 64 : 255;
			if ((op & 7) && len >= 8) {
				__u16 s;

				pkt[6] = pkt[7] = 0;
				s = csum(&rx.src, &rx.dst, pkt, len);
				pkt[6] = s >> 8;
				pkt[7] = s;
			}
			pkts++;
			if (vrrp_decode(&v, pkt, len, &rx) != VRRP_OK)
				break;
			accepted++;
			check_reencode(&rx, pkt, len);
			vrrp_rx(&v, now, &rx, &o);
			apply(&v, &o, now);
			break;
		}
		case 3:
		case 4:
			/* Events may come while the timer is overdue; once it
			 * has run, it is due only in the future. */
			vrrp_timer(&v, now, &o);
			apply(&v, &o, now);
			if (v.state != VRRP_STATE_INIT &&
			    vrrp_next_timeout(&v) <= now)
				abort();
			break;
		case 5:
			if (i >= size)
				return 0;
			k = vrrp_set_priority(&v, now, data[i++], &o);
			if (k && k != -ERANGE)
				abort();
			apply(&v, &o, now);
			break;
		case 6:
			vrrp_shutdown(&v, now, &o);
			apply(&v, &o, now);
			break;
		case 7:
			k = vrrp_start(&v, now, &o);
			if (k && k != -EALREADY)
				abort();
			apply(&v, &o, now);
			break;
		}
	}
	for (drops = 0, k = 1; k < VRRP_DROP_MAX; k++)
		drops += v.stats.drops[k];
	if (drops + accepted != pkts || v.stats.rx_adverts != accepted)
		abort();
	return 0;
}
