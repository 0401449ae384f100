// SPDX-License-Identifier: GPL-2.0
/*
 * VRRPv3 (RFC 5798): advertisement codec and state machine. Section
 * numbers in comments refer to RFC 5798.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "vrrp.h"
#include "xlb.h"

static size_t addr_len(__u8 family)
{
	return family == XLB_AF_INET6 ? 16 : 4;
}

static bool family_ok(__u8 family)
{
	return family == XLB_AF_INET || family == XLB_AF_INET6;
}

/* Only the family's bytes count: callers need not zero the rest. */
static bool addr_same(const struct ip_addr *x, const struct ip_addr *y)
{
	return x->family == y->family &&
	       !memcmp(x->a, y->a, addr_len(x->family));
}

/* Addresses as unsigned integers in network byte order (6.4.3). */
static int addr_order(const struct ip_addr *x, const struct ip_addr *y)
{
	return memcmp(x->a, y->a, addr_len(x->family));
}

static bool addr_in(const struct ip_addr *a, const struct ip_addr *list,
		    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (addr_same(a, &list[i]))
			return true;
	return false;
}

static bool addrs_unique(const struct ip_addr *list, unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++)
		if (addr_in(&list[i], list, i))
			return false;
	return true;
}

/* RFC 1071 sum of big-endian 16-bit words; odd tail padded with zero. */
static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const __u8 *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (__u32)p[0] << 8 | p[1];
	if (len)
		sum += (__u32)p[0] << 8;
	return sum;
}

/*
 * One's complement checksum of the message and the pseudo-header of
 * RFC 2460 8.1 (IPv6) or the IPv4 equivalent, as 5.2.8 asks. Over a
 * message carrying its checksum, a correct one gives 0.
 */
static __u16 vrrp_csum(const struct ip_addr *src, const struct ip_addr *dst,
		       const void *msg, size_t len)
{
	size_t alen = addr_len(src->family);
	__u8 tail[8] = { 0 };
	__u32 sum = 0;

	sum = csum_add(sum, src->a, alen);
	sum = csum_add(sum, dst->a, alen);
	if (src->family == XLB_AF_INET6) {
		/* 32-bit upper-layer length, 3 zero bytes, next header. */
		tail[0] = len >> 24;
		tail[1] = len >> 16;
		tail[2] = len >> 8;
		tail[3] = len;
		tail[7] = VRRP_IPPROTO;
		sum = csum_add(sum, tail, 8);
	} else {
		/* zero, protocol, 16-bit length */
		tail[1] = VRRP_IPPROTO;
		tail[2] = len >> 8;
		tail[3] = len;
		sum = csum_add(sum, tail, 4);
	}
	sum = csum_add(sum, msg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

int vrrp_encode(const struct vrrp_advert *adv, const struct ip_addr *src,
		const struct ip_addr *dst, void *buf, size_t len)
{
	size_t alen = addr_len(adv->family), need;
	__u8 *p = buf;
	__u16 sum;
	unsigned int i;

	if (!family_ok(adv->family) || src->family != adv->family ||
	    dst->family != adv->family)
		return -EINVAL;
	if (adv->count < 1 || adv->count > VRRP_ADDRS_MAX ||
	    adv->interval_cs < VRRP_INTERVAL_MIN_CS ||
	    adv->interval_cs > VRRP_INTERVAL_MAX_CS)
		return -EINVAL;
	for (i = 0; i < adv->count; i++)
		if (adv->addrs[i].family != adv->family)
			return -EINVAL;
	need = VRRP_HDR_LEN + adv->count * alen;
	if (len < need)
		return -ENOSPC;

	p[0] = VRRP_VERSION << 4 | VRRP_TYPE_ADVERT;
	p[1] = adv->vrid;
	p[2] = adv->prio;
	p[3] = adv->count;
	/* The 4 reserved bits above the interval are zero on transmit. */
	p[4] = adv->interval_cs >> 8;
	p[5] = adv->interval_cs & 0xff;
	p[6] = 0;
	p[7] = 0;
	for (i = 0; i < adv->count; i++)
		memcpy(p + VRRP_HDR_LEN + i * alen, adv->addrs[i].a, alen);
	sum = vrrp_csum(src, dst, p, need);
	p[6] = sum >> 8;
	p[7] = sum & 0xff;
	return need;
}

enum vrrp_drop vrrp_parse(const void *buf, size_t len,
			  const struct ip_addr *src, const struct ip_addr *dst,
			  struct vrrp_advert *adv)
{
	const __u8 *p = buf;
	size_t alen, need;
	unsigned int i;
	__u16 interval;

	if (!family_ok(src->family) || dst->family != src->family)
		return VRRP_DROP_FAMILY;
	alen = addr_len(src->family);
	if (len < VRRP_HDR_LEN)
		return VRRP_DROP_TRUNCATED;
	if (p[0] >> 4 != VRRP_VERSION)
		return VRRP_DROP_VERSION;
	if ((p[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_DROP_TYPE;
	need = VRRP_HDR_LEN + (size_t)p[3] * alen;
	if (len < need)
		return VRRP_DROP_TRUNCATED;
	if (len > need)
		return VRRP_DROP_LENGTH;
	if (vrrp_csum(src, dst, p, len) != 0)
		return VRRP_DROP_CSUM;
	/* The reserved bits are ignored on receipt (5.2.6). */
	interval = (p[4] & 0x0f) << 8 | p[5];
	if (interval == 0)
		return VRRP_DROP_INTERVAL;
	/* At least one address (5.2.5); more than we keep cannot match. */
	if (p[3] < 1 || p[3] > VRRP_ADDRS_MAX)
		return VRRP_DROP_COUNT;

	memset(adv, 0, sizeof(*adv));
	adv->family = src->family;
	adv->vrid = p[1];
	adv->prio = p[2];
	adv->count = p[3];
	adv->interval_cs = interval;
	for (i = 0; i < adv->count; i++) {
		adv->addrs[i].family = src->family;
		memcpy(adv->addrs[i].a, p + VRRP_HDR_LEN + i * alen, alen);
	}
	return VRRP_OK;
}

int vrrp_pkt_vrid(const void *buf, size_t len)
{
	if (len < VRRP_HDR_LEN)
		return -EINVAL;
	return ((const __u8 *)buf)[1];
}

int vrrp_init(struct vrrp *v, const struct vrrp_cfg *c)
{
	__u8 fam = c->primary.family;
	unsigned int i;

	if (c->vrid < 1 || c->prio < VRRP_PRIO_MIN || c->prio > VRRP_PRIO_MAX ||
	    c->interval_cs < VRRP_INTERVAL_MIN_CS ||
	    c->interval_cs > VRRP_INTERVAL_MAX_CS ||
	    c->preempt_delay_ms > DURATION_MAX_MS)
		return -EINVAL;
	if (!family_ok(fam))
		return -EINVAL;
	if (c->naddrs < 1 || c->naddrs > VRRP_ADDRS_MAX ||
	    c->npeers > VRRP_PEERS_MAX)
		return -EINVAL;
	for (i = 0; i < c->naddrs; i++)
		if (c->addrs[i].family != fam)
			return -EINVAL;
	for (i = 0; i < c->npeers; i++)
		if (c->peers[i].family != fam ||
		    addr_same(&c->peers[i], &c->primary))
			return -EINVAL;
	if (!addrs_unique(c->addrs, c->naddrs) ||
	    !addrs_unique(c->peers, c->npeers))
		return -EINVAL;

	memset(v, 0, sizeof(*v));
	v->cfg = *c;
	v->state = VRRP_STATE_INIT;
	v->prio = c->prio;
	v->master_adv_cs = c->interval_cs;
	v->deadline = VRRP_NO_TIMEOUT;
	return 0;
}

/*
 * Computed in milliseconds rather than centiseconds so that short
 * intervals keep their skew: at 1 cs the centisecond formula truncates
 * the skew of every priority to 0 and ties the backups.
 */
__u64 vrrp_skew_ms(const struct vrrp *v)
{
	return (256 - v->prio) * (__u64)v->master_adv_cs * 10 / 256;
}

__u64 vrrp_master_down_ms(const struct vrrp *v)
{
	return 3 * (__u64)v->master_adv_cs * 10 + vrrp_skew_ms(v);
}

static __u64 adver_ms(const struct vrrp *v)
{
	return (__u64)v->cfg.interval_cs * 10;
}

static void out_clear(struct vrrp_out *out)
{
	memset(out, 0, sizeof(*out));
}

static void send_advert(struct vrrp *v, __u8 prio, struct vrrp_out *out)
{
	out->act |= VRRP_ACT_ADVERT;
	out->prio = prio;
	v->stats.tx_adverts++;
	if (prio == VRRP_PRIO_STOP)
		v->stats.tx_prio0++;
}

static void set_state(struct vrrp *v, enum vrrp_state to,
		      struct vrrp_out *out)
{
	out->changed = true;
	out->from = v->state;
	out->to = to;
	v->state = to;
	v->stats.transitions++;
	out->seq = v->stats.transitions;
	if (to == VRRP_STATE_MASTER)
		v->stats.became_master++;
	else if (to == VRRP_STATE_BACKUP)
		v->stats.became_backup++;
}

/* Follow the master that sent rx, as a Backup (6.4.2, 6.4.3). */
static void follow(struct vrrp *v, __u64 now, const struct vrrp_rx_info *rx)
{
	v->master_adv_cs = rx->adv.interval_cs;
	v->master = rx->src;
	v->master_prio = rx->adv.prio;
	v->deadline = now + vrrp_master_down_ms(v);
}

int vrrp_start(struct vrrp *v, __u64 now, struct vrrp_out *out)
{
	out_clear(out);
	if (v->state != VRRP_STATE_INIT)
		return -EALREADY;
	/* 6.4.1, non-owner branch. */
	v->master_adv_cs = v->cfg.interval_cs;
	v->deadline = now + vrrp_master_down_ms(v);
	v->preempt_after = now + v->cfg.preempt_delay_ms;
	memset(&v->master, 0, sizeof(v->master));
	v->master_prio = 0;
	set_state(v, VRRP_STATE_BACKUP, out);
	return 0;
}

void vrrp_shutdown(struct vrrp *v, __u64 now, struct vrrp_out *out)
{
	(void)now;
	out_clear(out);
	if (v->state == VRRP_STATE_INIT)
		return;
	if (v->state == VRRP_STATE_MASTER) {
		out->act |= VRRP_ACT_RELEASE;
		send_advert(v, VRRP_PRIO_STOP, out);
	}
	v->deadline = VRRP_NO_TIMEOUT;
	set_state(v, VRRP_STATE_INIT, out);
}

void vrrp_timer(struct vrrp *v, __u64 now, struct vrrp_out *out)
{
	out_clear(out);
	if (v->state == VRRP_STATE_INIT || now < v->deadline)
		return;
	send_advert(v, v->prio, out);
	v->deadline = now + adver_ms(v);
	if (v->state == VRRP_STATE_BACKUP) {
		/* Master_Down_Timer fired (6.4.2). */
		out->act |= VRRP_ACT_TAKEOVER;
		v->master = v->cfg.primary;
		v->master_prio = v->prio;
		set_state(v, VRRP_STATE_MASTER, out);
	}
}

__u64 vrrp_next_timeout(const struct vrrp *v)
{
	return v->state == VRRP_STATE_INIT ? VRRP_NO_TIMEOUT : v->deadline;
}

int vrrp_set_priority(struct vrrp *v, __u64 now, __u8 prio,
		      struct vrrp_out *out)
{
	out_clear(out);
	if (prio < VRRP_PRIO_MIN || prio > VRRP_PRIO_MAX)
		return -ERANGE;
	if (prio == v->prio)
		return 0;
	v->prio = prio;
	if (v->state == VRRP_STATE_MASTER) {
		/*
		 * Tell the backups now rather than at the next interval, so
		 * a planned switchover starts its master-down countdown
		 * at once; a backup's timer keeps running and its new skew
		 * applies from its next reset.
		 */
		v->master_prio = prio;
		send_advert(v, prio, out);
		v->deadline = now + adver_ms(v);
	}
	return 0;
}

/* RFC 7.1 checks in its order, then our own (family, peer, loop). */
static enum vrrp_drop check(const struct vrrp *v, const void *buf,
			    size_t len, struct vrrp_rx_info *rx)
{
	const struct vrrp_cfg *c = &v->cfg;
	const struct vrrp_advert *a = &rx->adv;
	enum vrrp_drop d;
	unsigned int i;

	if (rx->src.family != c->primary.family ||
	    rx->dst.family != c->primary.family)
		return VRRP_DROP_FAMILY;
	if (rx->ttl != VRRP_TTL)
		return VRRP_DROP_TTL;
	d = vrrp_parse(buf, len, &rx->src, &rx->dst, &rx->adv);
	if (d != VRRP_OK)
		return d;
	if (a->vrid != c->vrid)
		return VRRP_DROP_VRID;
	if (c->npeers && !addr_in(&rx->src, c->peers, c->npeers))
		return VRRP_DROP_PEER;
	if (addr_same(&rx->src, &c->primary))
		return VRRP_DROP_OWN;
	/* An owner's advert is used even if misconfigured (7.1). */
	if (a->prio == VRRP_PRIO_OWNER)
		return VRRP_OK;
	if (a->count != c->naddrs)
		return VRRP_DROP_COUNT;
	/* Equal counts: every address of ours present means equal sets. */
	for (i = 0; i < c->naddrs; i++)
		if (!addr_in(&c->addrs[i], a->addrs, a->count))
			return VRRP_DROP_ADDRS;
	return VRRP_OK;
}

enum vrrp_drop vrrp_decode(struct vrrp *v, const void *buf, size_t len,
			   struct vrrp_rx_info *rx)
{
	enum vrrp_drop d = check(v, buf, len, rx);

	if (d != VRRP_OK)
		v->stats.drops[d]++;
	return d;
}

static bool may_preempt(const struct vrrp *v, __u64 now)
{
	return v->cfg.preempt && now >= v->preempt_after;
}

void vrrp_rx(struct vrrp *v, __u64 now, const struct vrrp_rx_info *rx,
	     struct vrrp_out *out)
{
	const struct vrrp_advert *a = &rx->adv;

	out_clear(out);
	v->stats.rx_adverts++;
	if (a->prio == VRRP_PRIO_STOP)
		v->stats.rx_prio0++;

	switch (v->state) {
	case VRRP_STATE_INIT:
		break;
	case VRRP_STATE_BACKUP:		/* 6.4.2 */
		if (a->prio == VRRP_PRIO_STOP) {
			/* Skew_Time: the highest-priority backup goes first. */
			v->master_prio = VRRP_PRIO_STOP;
			v->deadline = now + vrrp_skew_ms(v);
			return;
		}
		if (!may_preempt(v, now) || a->prio >= v->prio) {
			follow(v, now, rx);
			return;
		}
		/* We preempt: let the Master_Down_Timer run out. */
		break;
	case VRRP_STATE_MASTER:		/* 6.4.3 */
		if (a->prio == VRRP_PRIO_STOP) {
			send_advert(v, v->prio, out);
			v->deadline = now + adver_ms(v);
			return;
		}
		if (a->prio > v->prio ||
		    (a->prio == v->prio &&
		     addr_order(&rx->src, &v->cfg.primary) > 0)) {
			follow(v, now, rx);
			out->act |= VRRP_ACT_RELEASE;
			set_state(v, VRRP_STATE_BACKUP, out);
			return;
		}
		/*
		 * A lower master is told nothing extra: RFC 5798 discards
		 * here and our next periodic advert demotes it.
		 */
		break;
	}
	v->stats.rx_discarded++;
}

unsigned int vrrp_dests(const struct vrrp *v, struct ip_addr *dst)
{
	const struct vrrp_cfg *c = &v->cfg;

	if (c->npeers) {
		memcpy(dst, c->peers, c->npeers * sizeof(*dst));
		return c->npeers;
	}
	memset(dst, 0, sizeof(*dst));
	dst->family = c->primary.family;
	if (dst->family == XLB_AF_INET6) {
		dst->a[0] = htonl(0xff020000);
		dst->a[3] = htonl(0x12);
	} else {
		dst->a[0] = htonl(VRRP_MCAST4);
	}
	return 1;
}

int vrrp_build(const struct vrrp *v, __u8 prio, const struct ip_addr *dst,
	       void *buf, size_t len)
{
	const struct vrrp_cfg *c = &v->cfg;
	struct vrrp_advert adv;

	memset(&adv, 0, sizeof(adv));
	adv.family = c->primary.family;
	adv.vrid = c->vrid;
	adv.prio = prio;
	adv.count = c->naddrs;
	adv.interval_cs = c->interval_cs;
	memcpy(adv.addrs, c->addrs, c->naddrs * sizeof(adv.addrs[0]));
	return vrrp_encode(&adv, &c->primary, dst, buf, len);
}

const char *vrrp_state_str(enum vrrp_state s)
{
	switch (s) {
	case VRRP_STATE_INIT:
		return "init";
	case VRRP_STATE_BACKUP:
		return "backup";
	case VRRP_STATE_MASTER:
		return "master";
	}
	return "?";
}

const char *vrrp_drop_str(enum vrrp_drop d)
{
	static const char *const names[VRRP_DROP_MAX] = {
		[VRRP_OK]		= "ok",
		[VRRP_DROP_FAMILY]	= "family",
		[VRRP_DROP_TTL]		= "ttl",
		[VRRP_DROP_TRUNCATED]	= "truncated",
		[VRRP_DROP_VERSION]	= "version",
		[VRRP_DROP_TYPE]	= "type",
		[VRRP_DROP_LENGTH]	= "length",
		[VRRP_DROP_CSUM]	= "checksum",
		[VRRP_DROP_INTERVAL]	= "interval",
		[VRRP_DROP_VRID]	= "vrid",
		[VRRP_DROP_PEER]	= "peer",
		[VRRP_DROP_OWN]		= "own",
		[VRRP_DROP_COUNT]	= "count",
		[VRRP_DROP_ADDRS]	= "addrs",
	};

	if ((unsigned int)d >= VRRP_DROP_MAX)
		return "?";
	return names[d];
}
