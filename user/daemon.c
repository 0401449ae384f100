// SPDX-License-Identifier: GPL-2.0
/* xlbd core: model, apply, requests, reload, drains, persistence. */
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <json-c/json.h>
#include "ctl.h"
#include "ctl_proto.h"
#include "ctscan.h"
#include "daemon.h"
#include "evloop.h"
#include "flows.h"
#include "health.h"
#include "log.h"
#include "neigh.h"
#include "state.h"
#include "vrrpd.h"

#define DRAIN_CHECK_MS		250
/* A next hop that is not resolved after this long is reported: three ARP
 * or ND solicitations one second apart (the kernel's default
 * mcast_solicit and retrans_time), after which the kernel itself calls
 * the entry FAILED. Start-up waits as long for next hops to resolve. */
#define NEXTHOP_BOUND_MS	3000

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void lb_warn(void *arg, const char *msg)
{
	(void)arg;
	log_warn("%s", msg);
}

/* --- data path configuration -------------------------------------------- */

static int iface_mac(const char *iface, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

/* The interface's first global address of each family, for encapsulation
 * sources the config leaves unset. */
static void iface_addrs(const char *iface, struct ip_addr *v4,
			struct ip_addr *v6)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, iface))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !v4->family) {
			struct sockaddr_in *s = (void *)i->ifa_addr;

			v4->family = XLB_AF_INET;
			v4->a[0] = s->sin_addr.s_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6 && !v6->family) {
			struct sockaddr_in6 *s = (void *)i->ifa_addr;

			if (IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr))
				continue;
			v6->family = XLB_AF_INET6;
			memcpy(v6->a, &s->sin6_addr, 16);
		}
	}
	freeifaddrs(ifa);
}

static int cfg_write(struct daemon *d, const struct conf *c)
{
	struct ip_addr s4 = c->encap_src4, s6 = c->encap_src6;
	struct xlb_config cfg = {};
	int err;

	err = iface_mac(c->iface, cfg.if_mac);
	if (err) {
		log_err("reading the MAC address of %s: %s", c->iface,
			strerror(-err));
		return err;
	}
	iface_addrs(c->iface, &s4, &s6);
	cfg.flags = XLB_CFG_F_ENABLED;
	cfg.hash_seed = c->hash_seed;
	cfg.encap_src4 = s4.family ? s4.a[0] : 0;
	if (s6.family)
		memcpy(cfg.encap_src6, s6.a, sizeof(cfg.encap_src6));
	cfg.udp_timeout_ns = c->udp_timeout_ms * 1000000ull;
	cfg.gue_port = htons(c->gue_port);
	cfg.flood_rate = c->flood_rate;
	err = maps_cfg_write(&d->maps, &cfg);
	if (err)
		log_err("writing xlb_cfg: %s", strerror(-err));
	return err;
}

/* --- recovery ----------------------------------------------------------- */

struct recovered {
	struct xlb_vip_key *vk;
	struct xlb_vip *vv;
	size_t n_vips;
	__u32 *ids;
	struct xlb_backend *bv;
	size_t n_be, cap_be;
};

static int rec_vip(void *arg, const struct xlb_vip_key *k,
		   const struct xlb_vip *v)
{
	struct recovered *r = arg;

	if (r->n_vips >= XLB_MAX_VIPS)
		return -E2BIG;
	r->vk[r->n_vips] = *k;
	r->vv[r->n_vips++] = *v;
	return 0;
}

static int rec_be(void *arg, __u32 id, const struct xlb_backend *b)
{
	struct recovered *r = arg;

	if (r->n_be == r->cap_be) {
		size_t cap = r->cap_be ? 2 * r->cap_be : 64;
		__u32 *ids = realloc(r->ids, cap * sizeof(*ids));
		struct xlb_backend *bv;

		if (!ids)
			return -ENOMEM;
		r->ids = ids;
		bv = realloc(r->bv, cap * sizeof(*bv));
		if (!bv)
			return -ENOMEM;
		r->bv = bv;
		r->cap_be = cap;
	}
	r->ids[r->n_be] = id;
	r->bv[r->n_be++] = *b;
	return 0;
}

static int recover(struct daemon *d)
{
	struct recovered r = {};
	int err;

	r.vk = calloc(XLB_MAX_VIPS, sizeof(*r.vk));
	r.vv = calloc(XLB_MAX_VIPS, sizeof(*r.vv));
	err = r.vk && r.vv ? 0 : -ENOMEM;
	if (!err)
		err = maps_vips_walk(&d->maps, rec_vip, &r);
	if (!err)
		err = maps_backends_walk(&d->maps, rec_be, &r);
	if (!err)
		err = lb_recover(&d->lb, r.vk, r.vv, r.n_vips, r.ids, r.bv,
				 r.n_be);
	if (err)
		log_err("reading the pinned maps under %s: %s", d->pin_dir,
			strerror(-err));
	else
		log_info("recovered %zu VIPs and %zu backends from the pinned "
			 "maps under %s", r.n_vips, r.n_be, d->pin_dir);
	free(r.vk);
	free(r.vv);
	free(r.ids);
	free(r.bv);
	return err;
}

/* --- live flows --------------------------------------------------------- */

/* Live flows by backend id: now for a small table, else from the
 * scanner's last complete pass (ctscan.h). */
static const __u32 *live_flows(const struct daemon *d)
{
	return ctscan_fresh(d->ctscan)->live;
}

/* --- health checks ------------------------------------------------------- */

/* What a backend id's health target watches (the copy health.c holds). */
struct daemon_hc {
	struct health_target t;
	__u32 gen;
};

static bool vip_watched(const struct conf_vip *cv)
{
	return cv->check.kind != HEALTH_NONE || cv->agent.port;
}

/* Does be have slots in its VIP's table? */
static bool be_in_table(const struct lb_be *be)
{
	return lb_be_effective_weight(be) > 0;
}

/* The target of backend be of VIP vip_id, if it is that backend's. */
static const struct daemon_hc *hc_of(const struct daemon *d, __u32 vip_id,
				     const struct lb_be *be)
{
	const struct daemon_hc *hc = d->hc ? d->hc[be->id] : NULL;

	if (!hc || hc->t.group != vip_id || addr_cmp(&hc->t.addr, &be->addr))
		return NULL;
	return hc;
}

/* Backends of v that are up and down by their checks (unknown: neither). */
static void vip_counts(const struct daemon *d, const struct lb_vip *v,
		       __u32 *up, __u32 *down)
{
	struct health_status st;
	size_t i;

	*up = *down = 0;
	for (i = 0; i < v->n_be; i++) {
		if (!hc_of(d, v->id, &v->be[i]) ||
		    health_get(d->health, v->be[i].id, &st))
			continue;
		*up += st.state == HEALTH_UP;
		*down += st.state == HEALTH_DOWN;
	}
}

/*
 * lb_apply()'s health overlay: down backends leave the table, agents'
 * shares scale weights. With every checked backend down a VIP fails open:
 * each backend keeps the state it has in the running table, so the last
 * table stays; fail-closed lets them all go.
 */
static void health_overlay(void *arg, const struct conf_vip *cv,
			   const struct lb_vip *cur, struct lb_vip *v)
{
	struct daemon *d = arg;
	struct health_status st;
	__u32 up, down;
	bool hold;
	size_t i;

	/* New flows only to backends whose next hop is resolved. */
	for (i = 0; i < v->n_be; i++)
		v->be[i].unresolved = d->neigh &&
				      !neigh_resolved(d->neigh, &v->be[i].addr);
	if (!vip_watched(cv)) {
		for (i = 0; i < v->n_be; i++)
			v->be[i].down = false;
		return;
	}
	vip_counts(d, v, &up, &down);
	hold = !cv->fail_closed && !up && down;
	for (i = 0; i < v->n_be; i++) {
		struct lb_be *be = &v->be[i];
		const struct lb_be *cb = cur ? lb_be_find(cur, &be->addr) :
					 NULL;
		const struct daemon_hc *hc = hc_of(d, v->id, be);

		if (!hc || health_get(d->health, be->id, &st)) {
			/* Not watched yet: one in the table stays (it starts
			 * UP), a new one waits for its first check. */
			be->down = cb ? cb->down :
				   cv->check.kind != HEALTH_NONE;
			continue;
		}
		if (hold)
			be->down = cb ? cb->down : true;
		else
			be->down = st.state != HEALTH_UP;
		if (!cv->agent.port || !be->weight)
			continue;
		/* The damped weight, unless the operator changed the
		 * configured one since (never damped). */
		be->weight = hc->t.weight == be->weight ? st.weight :
			     health_weight_of(be->weight, st.agent_pct);
	}
}

static const char *be_name(struct daemon *d, __u32 id, char *buf,
			   size_t len)
{
	const struct lb_vip *v = NULL;
	const struct lb_be *be = lb_be_by_id(&d->lb, id, &v);
	char a[ADDR_STRLEN], vp[ADDR_STRLEN];

	if (!be)
		snprintf(buf, len, "backend id %u", id);
	else
		snprintf(buf, len, "backend %s of %s %s",
			 addr_str(&be->addr, a, sizeof(a)),
			 proto_name(v->proto),
			 addr_port_str(&v->addr, v->port, vp, sizeof(vp)));
	return buf;
}

/* Every change is logged; state and weight changes re-apply. */
static void health_event(void *ctx, const struct health_event *ev)
{
	struct daemon *d = ctx;
	char name[160], res[128];

	be_name(d, ev->id, name, sizeof(name));
	health_result_str(&ev->result, res, sizeof(res));
	switch (ev->type) {
	case HEALTH_EV_STATE:
		log_msg(ev->new_state == HEALTH_DOWN ? LOG_LVL_WARN :
			LOG_LVL_INFO, "%s: %s -> %s (%s%s, %u in a row, "
			"%u ms)", name, health_state_str(ev->old_state),
			health_state_str(ev->new_state),
			ev->agent ? "load agent: " : "", res, ev->consecutive,
			ev->latency_ms);
		d->health_dirty = true;
		break;
	case HEALTH_EV_WEIGHT:
		log_info("%s: effective weight %u -> %u (load agent)", name,
			 ev->old_weight, ev->new_weight);
		d->health_dirty = true;
		break;
	case HEALTH_EV_AGENT_ERROR:
		log_warn("%s: load agent: %s%s%s%s", name, res,
			 ev->line ? " '" : "", ev->line ? ev->line : "",
			 ev->line ? "'" : "");
		break;
	case HEALTH_EV_LOCAL_ERROR:
		log_err("%s: cannot probe it from here: %s", name, res);
		break;
	}
}

/* A backend entered or left its table by the state of its next hop. */
static void nexthop_log(struct daemon *d, __u32 id, bool unresolved)
{
	const struct lb_vip *v = NULL;
	const struct lb_be *be = lb_be_by_id(&d->lb, id, &v);
	char name[160], via[ADDR_STRLEN], dev[IF_NAMESIZE];
	struct neigh_info ni;

	if (!be || !d->neigh || neigh_info(d->neigh, &be->addr, &ni))
		return;
	be_name(d, id, name, sizeof(name));
	if (ni.err) {
		log_warn("%s: no route to it (%s): out of the table", name,
			 strerror(-ni.err));
		return;
	}
	addr_str(&ni.via, via, sizeof(via));
	if (!if_indextoname(ni.ifindex, dev))
		snprintf(dev, sizeof(dev), "%d", ni.ifindex);
	if (unresolved)
		log_warn("%s: next hop %s dev %s unresolved (%s): out of the "
			 "table for new flows until it resolves (its flows "
			 "keep it)", name, via, dev,
			 neigh_state_str(ni.state));
	else
		log_info("%s: next hop %s dev %s resolved (%s) after %llu ms: "
			 "in the table", name, via, dev,
			 neigh_state_str(ni.state),
			 (unsigned long long)(ev_now_ms() - ni.since_ms));
}

/*
 * After every apply: say loudly when a VIP starts or stops failing
 * open/closed, and queue the conntrack entries of backends that went
 * down for removal (the data path re-picks them already; this frees
 * the entries).
 */
static void health_review(struct daemon *d)
{
	__u8 fail[XLB_MAX_VIPS] = { 0 };
	char vp[ADDR_STRLEN];
	size_t i, j;

	for (i = 0; i < d->lb.n_vips; i++) {
		const struct lb_vip *v = &d->lb.vips[i];
		const struct conf_vip *cv = conf_vip_find(&d->conf, v->proto,
							  &v->addr, v->port);
		__u32 up = 0, down = 0, in = 0;

		if (cv && vip_watched(cv))
			vip_counts(d, v, &up, &down);
		if (!up && down)
			fail[v->id] = cv->fail_closed ? STATS_FAIL_CLOSED :
					STATS_FAIL_OPEN;
		for (j = 0; j < v->n_be; j++) {
			const struct lb_be *be = &v->be[j];

			in += be_in_table(be);
			if (be->unresolved != d->be_unresolved[be->id])
				nexthop_log(d, be->id, be->unresolved);
			d->be_unresolved[be->id] = be->unresolved;
			if (be->down && !d->be_down[be->id])
				ctscan_purge(d->ctscan, be->id, true);
			else if (!be->down)
				ctscan_purge(d->ctscan, be->id, false);
			d->be_down[be->id] = be->down;
		}
		if (fail[v->id] == d->vip_fail[v->id])
			continue;
		addr_port_str(&v->addr, v->port, vp, sizeof(vp));
		if (fail[v->id] == STATS_FAIL_OPEN)
			log_err("%s %s: EVERY BACKEND IS DOWN (%u): failing "
				"open, keeping the last table (%u backend%s "
				"in it)", proto_name(v->proto), vp, down, in,
				in == 1 ? "" : "s");
		else if (fail[v->id] == STATS_FAIL_CLOSED)
			log_err("%s %s: EVERY BACKEND IS DOWN (%u): "
				"fail-closed, the table is empty and packets "
				"are dropped", proto_name(v->proto), vp, down);
		else
			log_warn("%s %s: %u backend%s up again: no longer "
				 "failing %s", proto_name(v->proto), vp, up,
				 up == 1 ? "" : "s",
				 d->vip_fail[v->id] == STATS_FAIL_OPEN ?
				 "open" : "closed");
	}
	memcpy(d->vip_fail, fail, sizeof(fail));
}

/* Health changed: the same apply path as any change, with the model as
 * it is. */
static void health_apply(struct daemon *d)
{
	char err[512];

	d->health_dirty = false;
	if (lb_apply(&d->lb, &d->conf, err, sizeof(err)))
		log_err("applying health changes: %s", err);
	health_review(d);
}

/* --- next hops ------------------------------------------------------------ */

/* Track the next hops of c's backends. */
static int nexthop_track(struct daemon *d, const struct conf *c)
{
	struct ip_addr *addrs;
	size_t i, j, n = 0;
	int ret;

	if (!d->neigh)
		return 0;
	for (i = 0; i < c->n_vips; i++)
		n += c->vips[i].n_be;
	addrs = calloc(n ? n : 1, sizeof(*addrs));
	if (!addrs)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < c->n_vips; i++)
		for (j = 0; j < c->vips[i].n_be; j++)
			addrs[n++] = c->vips[i].be[j].addr;
	ret = neigh_sync(d->neigh, addrs, n, ev_now_ms(), lb_warn, NULL);
	free(addrs);
	return ret < 0 ? ret : 0;
}

static void nexthop_report(void *arg, const struct ip_addr *backend,
			   const struct neigh_info *ni)
{
	char a[ADDR_STRLEN], via[ADDR_STRLEN], dev[IF_NAMESIZE];

	(void)arg;
	if (!if_indextoname(ni->ifindex, dev))
		snprintf(dev, sizeof(dev), "%d", ni->ifindex);
	log_warn("backend %s: next hop %s dev %s did not resolve within %u "
		 "ms (%s): the backend stays out of the tables until it does",
		 addr_str(backend, a, sizeof(a)),
		 addr_str(&ni->via, via, sizeof(via)), dev, NEXTHOP_BOUND_MS,
		 neigh_state_str(ni->state));
}

static void nexthop_timer_cb(struct ev_loop *loop, void *arg);

/* Report the overdue next hops; wake up when the next one falls due. */
static void nexthop_rearm(struct daemon *d)
{
	__u64 now = ev_now_ms(), due;

	if (d->nexthop_timer)
		ev_timer_cancel(d->loop, d->nexthop_timer);
	d->nexthop_timer = NULL;
	if (!d->neigh)
		return;
	due = neigh_overdue(d->neigh, now, NEXTHOP_BOUND_MS, nexthop_report,
			    d);
	if (due != UINT64_MAX)
		d->nexthop_timer = ev_timer_add(d->loop, due - now,
						nexthop_timer_cb, d);
}

static void nexthop_timer_cb(struct ev_loop *loop, void *arg)
{
	struct daemon *d = arg;

	(void)loop;
	d->nexthop_timer = NULL;
	nexthop_rearm(d);
}

/* Neighbour and route events: a backend whose next hop resolved enters
 * its table now, one whose next hop failed leaves it. */
static void nexthop_fd_cb(struct ev_loop *loop, int fd, uint32_t events,
			  void *arg)
{
	struct daemon *d = arg;
	int ret;

	(void)loop;
	(void)fd;
	(void)events;
	ret = neigh_input(d->neigh, ev_now_ms());
	if (ret < 0) {
		log_err("reading neighbour events: %s", strerror(-ret));
		return;
	}
	if (ret & NEIGH_CHANGED_ROUTE) {
		int err = nexthop_track(d, &d->conf);

		if (err)
			log_err("following a route change: %s",
				strerror(-err));
	}
	if (ret)
		health_apply(d);
	nexthop_rearm(d);
}

/* Start-up: give the next hops of c up to NEXTHOP_BOUND_MS to resolve,
 * so that the first tables xlbd publishes hold its reachable backends. */
static void nexthop_settle(struct daemon *d, const struct conf *c)
{
	__u64 start = ev_now_ms(), now = start;
	size_t i, j, n = 0, ok = 0;
	struct pollfd pfd = { .fd = neigh_events_fd(d->neigh),
			      .events = POLLIN };
	int ret;

	for (;;) {
		n = ok = 0;
		for (i = 0; i < c->n_vips; i++)
			for (j = 0; j < c->vips[i].n_be; j++, n++)
				ok += neigh_resolved(d->neigh,
						     &c->vips[i].be[j].addr);
		if (ok == n || now >= start + NEXTHOP_BOUND_MS)
			break;
		if (poll(&pfd, 1, start + NEXTHOP_BOUND_MS - now) < 0 &&
		    errno != EINTR)
			break;
		ret = neigh_input(d->neigh, ev_now_ms());
		if (ret > 0 && (ret & NEIGH_CHANGED_ROUTE))
			nexthop_track(d, c);
		now = ev_now_ms();
	}
	if (n)
		log_info("next hops of %zu of %zu backends resolved in %llu ms",
			 ok, n, (unsigned long long)(now - start));
}

static void health_timer_cb(struct ev_loop *loop, void *arg);

static void health_rearm(struct daemon *d)
{
	__u64 due = health_next_deadline(d->health), now;

	if (due == d->health_due)
		return;
	if (d->health_timer)
		ev_timer_cancel(d->loop, d->health_timer);
	d->health_timer = NULL;
	d->health_due = UINT64_MAX;
	if (due == UINT64_MAX)
		return;
	now = ev_now_ms();
	d->health_timer = ev_timer_add(d->loop, due > now ? due - now : 0,
				       health_timer_cb, d);
	if (d->health_timer)
		d->health_due = due;
	else
		log_err("health checks: arming a timer: out of memory");
}

static void health_after(struct daemon *d)
{
	if (d->health_dirty)
		health_apply(d);
	health_rearm(d);
}

static void health_timer_cb(struct ev_loop *loop, void *arg)
{
	struct daemon *d = arg;

	(void)loop;
	d->health_timer = NULL;
	d->health_due = UINT64_MAX;
	health_tick(d->health, ev_now_ms());
	health_after(d);
}

static void health_fd_cb(struct ev_loop *loop, int fd, uint32_t events,
			 void *arg)
{
	struct daemon *d = arg;

	(void)loop;
	health_io(d->health, fd, events, ev_now_ms());
	health_after(d);
}

static int hops_fd_add(void *ctx, int fd, uint32_t events)
{
	struct daemon *d = ctx;

	return ev_fd_add(d->loop, fd, events, health_fd_cb, d);
}

static int hops_fd_mod(void *ctx, int fd, uint32_t events)
{
	struct daemon *d = ctx;

	return ev_fd_mod(d->loop, fd, events);
}

static void hops_fd_del(void *ctx, int fd)
{
	struct daemon *d = ctx;

	ev_fd_del(d->loop, fd);
}

static int health_open(struct daemon *d)
{
	struct health_ops ops = {
		.fd_add = hops_fd_add,
		.fd_mod = hops_fd_mod,
		.fd_del = hops_fd_del,
		.event = health_event,
		.ctx = d,
	};
	struct health_params par = {
		.seed = now_ns() ^ ((__u64)getpid() << 32),
	};

	d->health_due = UINT64_MAX;
	d->hc = calloc(XLB_MAX_BACKENDS, sizeof(*d->hc));
	d->be_down = calloc(XLB_MAX_BACKENDS, 1);
	d->be_unresolved = calloc(XLB_MAX_BACKENDS, 1);
	if (!d->hc || !d->be_down || !d->be_unresolved)
		return -ENOMEM;
	d->health = health_new(&ops, &par);
	if (!d->health)
		return -errno;
	d->lb.health = health_overlay;
	d->lb.health_arg = d;
	return 0;
}

static void health_close(struct daemon *d)
{
	size_t i;

	health_free(d->health);
	d->health = NULL;
	for (i = 0; d->hc && i < XLB_MAX_BACKENDS; i++)
		free(d->hc[i]);
	free(d->hc);
	d->hc = NULL;
	free(d->be_down);
	d->be_down = NULL;
	free(d->be_unresolved);
	d->be_unresolved = NULL;
}

/*
 * Make the health targets match the running model: one per backend of a
 * VIP with a check or an agent, keyed by backend id. A backend in the
 * table now starts UP (a restart or a check just configured must not
 * empty a VIP), a new one UNKNOWN. Changed settings go through
 * health_update (state and counters stay).
 */
static void health_sync(struct daemon *d)
{
	__u32 gen = ++d->hc_gen;
	__u64 now = ev_now_ms();
	char name[160];
	size_t i, j;
	int ret;

	for (i = 0; i < d->lb.n_vips; i++) {
		const struct lb_vip *v = &d->lb.vips[i];
		const struct conf_vip *cv = conf_vip_find(&d->conf, v->proto,
							  &v->addr, v->port);

		if (!cv || !vip_watched(cv))
			continue;
		for (j = 0; j < v->n_be; j++) {
			const struct lb_be *be = &v->be[j];
			const struct conf_backend *cb;
			struct daemon_hc *hc = d->hc[be->id];
			struct health_target t = { 0 };

			cb = conf_backend_find(cv, &be->addr);
			t.id = be->id;
			t.group = v->id;
			t.addr = be->addr;
			t.port = v->port;
			t.weight = cb && cb->weight ? cb->weight : 1;
			t.initial = be->down ? HEALTH_UNKNOWN : HEALTH_UP;
			t.check = cv->check;
			t.agent = cv->agent;
			if (hc && (hc->t.group != t.group ||
				   addr_cmp(&hc->t.addr, &t.addr))) {
				health_del(d->health, be->id);
				free(hc);
				d->hc[be->id] = hc = NULL;
			}
			if (hc) {
				t.initial = hc->t.initial;
				hc->gen = gen;
				if (!memcmp(&t, &hc->t, sizeof(t)))
					continue;
				ret = health_update(d->health, &t, now);
				if (!ret)
					hc->t = t;
			} else {
				hc = calloc(1, sizeof(*hc));
				ret = hc ? health_add(d->health, &t, now) :
				      -ENOMEM;
				if (!ret) {
					hc->t = t;
					hc->gen = gen;
					d->hc[be->id] = hc;
				} else {
					free(hc);
				}
			}
			if (ret)
				log_err("health checks of %s: %s",
					be_name(d, be->id, name, sizeof(name)),
					strerror(-ret));
		}
	}
	for (i = 1; i < XLB_MAX_BACKENDS; i++) {
		if (!d->hc[i] || d->hc[i]->gen == gen)
			continue;
		health_del(d->health, i);
		free(d->hc[i]);
		d->hc[i] = NULL;
	}
	health_rearm(d);
}

/* A checked backend's health for the stats: up by its checks (so a VIP
 * failing open shows its backends down) and its probes by result. */
static void stats_health(struct daemon *d, const struct conf_vip *cv,
			 const struct lb_vip *lv, const struct lb_be *be,
			 struct stats_backend *sb)
{
	struct health_status st;

	if (!vip_watched(cv) || !hc_of(d, lv->id, be) ||
	    health_get(d->health, be->id, &st))
		return;
	sb->up = st.state == HEALTH_UP;
	sb->checks[STATS_HC_OK] = st.count[HEALTH_RES_OK];
	sb->checks[STATS_HC_FAIL] = st.count[HEALTH_RES_FAIL];
	sb->checks[STATS_HC_TIMEOUT] = st.count[HEALTH_RES_TIMEOUT];
}

/* --- committing a new model -------------------------------------------- */

static void drain_timer_cb(struct ev_loop *loop, void *arg);
static void stats_configure(struct daemon *d);

static void post_apply(struct daemon *d)
{
	size_t i, j, n = 0, nd = 0;
	struct daemon_drain *dr;
	__u32 *ids;
	size_t n_ids;

	for (i = 0; i < d->conf.n_vips; i++)
		n += d->conf.vips[i].n_be;
	dr = calloc(n ? n : 1, sizeof(*dr));
	if (!dr) {
		log_err("out of memory updating drains");
		return;
	}
	for (i = 0; i < d->conf.n_vips; i++) {
		const struct conf_vip *v = &d->conf.vips[i];

		for (j = 0; j < v->n_be; j++) {
			const struct conf_backend *b = &v->be[j];
			size_t k;

			if (!b->draining || !b->drain_timeout_ms)
				continue;
			/* Keep the deadline of a drain already running. */
			dr[nd].proto = v->proto;
			dr[nd].port = v->port;
			dr[nd].vip = v->addr;
			dr[nd].be = b->addr;
			dr[nd].deadline_ms = ev_now_ms() + b->drain_timeout_ms;
			for (k = 0; k < d->n_drains; k++)
				if (d->drains[k].proto == v->proto &&
				    d->drains[k].port == v->port &&
				    !addr_cmp(&d->drains[k].vip, &v->addr) &&
				    !addr_cmp(&d->drains[k].be, &b->addr))
					dr[nd].deadline_ms =
						d->drains[k].deadline_ms;
			nd++;
		}
	}
	free(d->drains);
	d->drains = dr;
	d->n_drains = nd;
	if (nd && !d->drain_timer)
		d->drain_timer = ev_timer_add(d->loop, DRAIN_CHECK_MS,
					      drain_timer_cb, d);

	/* Flow table slots of deleted backends, in the background. */
	n_ids = lb_take_purged(&d->lb, &ids);
	for (i = 0; i < n_ids; i++) {
		ctscan_purge(d->ctscan, ids[i], true);
		d->be_unresolved[ids[i]] = 0;
	}
	free(ids);
	ctscan_set_udp_timeout(d->ctscan, d->conf.udp_timeout_ms * 1000000ull);

	/* Health targets follow the model; their first results may
	 * already change the table. */
	health_sync(d);
	if (d->health_dirty)
		health_apply(d);
	else
		health_review(d);

	/* VRRP instances and the addresses they hold follow the model. */
	if (d->vrrpd)
		vrrpd_sync(d->vrrpd);
}

/*
 * vrrp track-vips: does VIP v have no backend up? A checked VIP answers
 * from the health states: failing open (the default) keeps the last
 * table, so its backends' down flags stay as they were when the last
 * one fails. An unchecked one from the table (the down and unresolved
 * flags the overlay set).
 */
static bool vip_down_cb(void *arg, const struct lb_vip *v)
{
	struct daemon *d = arg;
	const struct conf_vip *cv = conf_vip_find(&d->conf, v->proto,
						  &v->addr, v->port);
	__u32 up, down;
	size_t i;

	if (cv && cv->check.kind != HEALTH_NONE) {
		vip_counts(d, v, &up, &down);
		return !up && down;
	}
	for (i = 0; i < v->n_be; i++)
		if (!v->be[i].down && !v->be[i].unresolved)
			return false;
	return true;
}

/*
 * The interface is back after a carrier loss, which flushed the managed
 * neighbour entries with the others: add them again; the backends enter
 * the tables as the kernel resolves them.
 */
static void link_up_cb(void *arg, const char *ifname)
{
	struct daemon *d = arg;

	if (!d->neigh || strcmp(ifname, d->conf.iface))
		return;
	neigh_refresh(d->neigh, ev_now_ms());
	log_info("%s is up: managed neighbour entries added again; backends "
		 "enter the tables as their next hops resolve", ifname);
	health_apply(d);
	nexthop_rearm(d);
}

static bool cfg_differs(const struct conf *a, const struct conf *b)
{
	return a->hash_seed != b->hash_seed ||
	       a->udp_timeout_ms != b->udp_timeout_ms ||
	       a->flood_rate != b->flood_rate || a->gue_port != b->gue_port ||
	       addr_cmp(&a->encap_src4, &b->encap_src4) ||
	       addr_cmp(&a->encap_src6, &b->encap_src6);
}

/*
 * An l2 VIP's frames reach a backend by its MAC alone, so every backend
 * must be directly connected through the LB interface. Checked here, at
 * apply time, because it depends on the routes of the running host (the
 * config parser cannot know them): a config load, reload or runtime
 * command that breaks it is refused as a whole.
 */
static int l2_check(struct daemon *d, const struct conf *c, char *err,
		    size_t errlen)
{
	char vn[ADDR_STRLEN + 8], bn[ADDR_STRLEN], vb[ADDR_STRLEN + 8];
	char on[IF_NAMESIZE];
	int ifindex = if_nametoindex(c->iface), oif, ret;
	struct ip_addr via;
	size_t i, j;

	for (i = 0; i < c->n_vips; i++) {
		const struct conf_vip *v = &c->vips[i];

		if (v->mode != XLB_MODE_L2)
			continue;
		for (j = 0; j < v->n_be && d->neigh; j++) {
			ret = neigh_onlink(d->neigh, &v->be[j].addr, ifindex,
					   &oif, &via);
			if (!ret)
				continue;
			addr_port_str(&v->addr, v->port, vn, sizeof(vn));
			addr_str(&v->be[j].addr, bn, sizeof(bn));
			if (ret != -EHOSTUNREACH) {
				snprintf(err, errlen, "backend %s of l2 VIP %s: "
					 "route lookup: %s", bn, vn,
					 strerror(-ret));
				return -EINVAL;
			}
			if (!if_indextoname(oif, on))
				snprintf(on, sizeof(on), "%d", oif);
			vb[0] = '\0';
			if (addr_cmp(&via, &v->be[j].addr)) {
				char gw[ADDR_STRLEN];

				snprintf(vb, sizeof(vb), "via %s ",
					 addr_str(&via, gw, sizeof(gw)));
			}
			snprintf(err, errlen, "backend %s of l2 VIP %s is not "
				 "on the segment of %s (its route goes %sdev "
				 "%s); mode l2 needs backends directly "
				 "connected to %s", bn, vn, c->iface, vb, on,
				 c->iface);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Make nc the running model: persist it, apply it, and only then adopt
 * it. On error the maps, the model and the state file are as before.
 * Takes nc over on success and on error.
 */
static int commit(struct daemon *d, struct conf *nc, __u64 hash, char *err,
		  size_t errlen)
{
	int ret;

	ret = l2_check(d, nc, err, errlen);
	if (ret) {
		conf_free(nc);
		return ret;
	}
	ret = state_write(d->state_path, nc, hash);
	if (ret) {
		snprintf(err, errlen, "saving the state to %s: %s",
			 d->state_path, strerror(-ret));
		conf_free(nc);
		return ret;
	}
	/* The next hops of nc's backends, before its tables: a backend
	 * takes new flows only once its next hop is resolved. */
	ret = nexthop_track(d, nc);
	if (ret) {
		snprintf(err, errlen, "tracking next hops: %s", strerror(-ret));
		goto restore;
	}
	if (!d->cfg_written || cfg_differs(&d->conf, nc)) {
		ret = cfg_write(d, nc);
		if (ret) {
			snprintf(err, errlen, "writing xlb_cfg: %s",
				 strerror(-ret));
			goto restore;
		}
	}
	ret = lb_apply(&d->lb, nc, err, errlen);
	if (ret && !d->lb.partial) {
		if (d->cfg_written && cfg_differs(&d->conf, nc))
			cfg_write(d, &d->conf);
		goto restore;
	}
	d->cfg_written = true;
	conf_free(&d->conf);
	d->conf = *nc;
	d->conf_hash = hash;
	post_apply(d);
	stats_configure(d);
	nexthop_rearm(d);
	return ret;
restore:
	state_write(d->state_path, &d->conf, d->conf_hash);
	nexthop_track(d, &d->conf);
	conf_free(nc);
	return ret;
}

static int mutate(struct daemon *d, const struct cmd *cmd, char *err,
		  size_t errlen)
{
	struct conf nc;
	int ret;

	ret = conf_copy(&nc, &d->conf);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	ret = conf_apply(&nc, cmd, err, errlen);
	if (ret) {
		conf_free(&nc);
		return ret;
	}
	return commit(d, &nc, d->conf_hash, err, errlen);
}

/* --- drains and purges ---------------------------------------------------- */

static void drain_timer_cb(struct ev_loop *loop, void *arg)
{
	struct daemon *d = arg;
	char err[256], vb[ADDR_STRLEN], bb[ADDR_STRLEN];
	const __u32 *flows = live_flows(d);
	__u64 now = ev_now_ms(), next = DRAIN_CHECK_MS;
	size_t i;

	d->drain_timer = NULL;
	for (i = 0; i < d->n_drains; i++) {
		struct daemon_drain dr = d->drains[i];
		const struct lb_vip *v;
		const struct lb_be *be;
		struct cmd cmd = {};
		__u32 live;

		v = lb_vip_find(&d->lb, dr.proto, &dr.vip, dr.port);
		be = v ? lb_be_find(v, &dr.be) : NULL;
		if (!be)
			continue;
		live = flows[be->id];
		if (live && now < dr.deadline_ms)
			continue;
		cmd.verb = CMD_BACKEND_DEL;
		cmd.proto = dr.proto;
		cmd.vip = dr.vip;
		cmd.port = dr.port;
		cmd.addr = dr.be;
		cmd.force = true;
		addr_port_str(&dr.vip, dr.port, vb, sizeof(vb));
		addr_str(&dr.be, bb, sizeof(bb));
		if (mutate(d, &cmd, err, sizeof(err)))
			log_err("removing drained backend %s of %s %s: %s", bb,
				proto_name(dr.proto), vb, err);
		else
			log_info("drain of backend %s of %s %s done: %s; "
				 "removed", bb, proto_name(dr.proto), vb,
				 live ? "timeout reached" : "no live flow");
		/* mutate() rebuilt the drain list: start over next time. */
		break;
	}
	if (d->n_drains && !d->drain_timer)
		d->drain_timer = ev_timer_add(loop, next, drain_timer_cb, d);
}

/* --- queries ------------------------------------------------------------- */

static void jadd_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void jadd_u64(struct json_object *o, const char *k, __u64 v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

/* A VIP's object: what names it and, with opts, its options. */
static struct json_object *vip_object(const struct conf_vip *v, bool opts)
{
	struct json_object *o = json_object_new_object();
	char buf[ADDR_STRLEN];

	jadd_str(o, "proto", proto_name(v->proto));
	jadd_str(o, "vip", addr_port_str(&v->addr, v->port, buf,
					 sizeof(buf)));
	if (!opts)
		return o;
	json_object_object_add(o, "sticky", json_object_new_boolean(
			       v->flags & XLB_VIP_F_STICKY));
	jadd_str(o, "mode", cmd_mode_name(v->mode));
	return o;
}

static struct json_object *q_vip_list(struct daemon *d)
{
	struct json_object *data = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < d->conf.n_vips; i++) {
		const struct conf_vip *v = &d->conf.vips[i];
		struct json_object *o = vip_object(v, true);

		jadd_u64(o, "backends", v->n_be);
		json_object_array_add(arr, o);
	}
	json_object_object_add(data, "vips", arr);
	return data;
}

/* Health fields of one backend, for status and health show. */
static void jadd_be_health(struct daemon *d, struct json_object *o,
			   const struct conf_vip *cv, const struct lb_vip *lv,
			   const struct lb_be *be, bool full)
{
	const struct daemon_hc *hc = lv && be ? hc_of(d, lv->id, be) : NULL;
	struct health_status st;
	char buf[128];
	__u64 now, ago;
	time_t at;
	struct tm tm;

	jadd_u64(o, "effective_weight", be ? be->weight : 0);
	json_object_object_add(o, "in_table", json_object_new_boolean(
			       be && be_in_table(be)));
	if (!hc || health_get(d->health, be->id, &st)) {
		jadd_str(o, "health", "unchecked");
		return;
	}
	jadd_str(o, "health", health_state_str(st.state));
	jadd_str(o, "last_check", health_result_str(&st.last, buf,
						    sizeof(buf)));
	jadd_u64(o, "latency_ms", st.last_latency_ms);
	jadd_u64(o, "consecutive", st.consecutive);
	if (st.last_change_ms) {
		now = ev_now_ms();
		ago = now > st.last_change_ms ? now - st.last_change_ms : 0;
		jadd_u64(o, "changed_ago_ms", ago);
		at = time(NULL) - (time_t)(ago / 1000);
		gmtime_r(&at, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jadd_str(o, "changed_at", buf);
	} else {
		json_object_object_add(o, "changed_ago_ms", NULL);
		json_object_object_add(o, "changed_at", NULL);
	}
	if (cv->agent.port) {
		if (st.agent_down)
			snprintf(buf, sizeof(buf), "down");
		else if (st.agent_drain)
			snprintf(buf, sizeof(buf), "drain");
		else
			snprintf(buf, sizeof(buf), "%u%%", st.agent_pct);
		jadd_str(o, "agent", buf);
		jadd_str(o, "agent_last", health_result_str(&st.agent_last,
							    buf, sizeof(buf)));
	}
	if (!full)
		return;
	jadd_u64(o, "checks_ok", st.count[HEALTH_RES_OK]);
	jadd_u64(o, "checks_failed", st.count[HEALTH_RES_FAIL]);
	jadd_u64(o, "checks_timeout", st.count[HEALTH_RES_TIMEOUT]);
	jadd_u64(o, "backoff", st.backoff);
	if (cv->agent.port) {
		jadd_u64(o, "agent_ok", st.agent_count[HEALTH_RES_OK]);
		jadd_u64(o, "agent_failed", st.agent_count[HEALTH_RES_FAIL] +
			 st.agent_count[HEALTH_RES_TIMEOUT]);
	}
}

static const char *vip_health_str(const struct daemon *d,
				  const struct conf_vip *cv,
				  const struct lb_vip *lv)
{
	if (!vip_watched(cv))
		return "unchecked";
	if (!lv)
		return "ok";
	switch (d->vip_fail[lv->id]) {
	case STATS_FAIL_OPEN:
		return "fail-open";
	case STATS_FAIL_CLOSED:
		return "fail-closed";
	default:
		return "ok";
	}
}

/* VIP-level health fields shared by status and health show. */
static void jadd_vip_health(struct daemon *d, struct json_object *o,
			    const struct conf_vip *cv, const struct lb_vip *lv)
{
	__u32 up = 0, down = 0;

	if (lv && vip_watched(cv))
		vip_counts(d, lv, &up, &down);
	jadd_str(o, "health", vip_health_str(d, cv, lv));
	jadd_u64(o, "backends_up", vip_watched(cv) ? up : cv->n_be);
	jadd_u64(o, "backends_down", down);
}

/* The next hop of backend addr: "next_hop": {"addr", "dev", "state"}. */
static void jadd_nexthop(struct daemon *d, struct json_object *o,
			 const struct ip_addr *addr)
{
	char buf[ADDR_STRLEN], dev[IF_NAMESIZE];
	struct json_object *nh;
	struct neigh_info ni;

	if (!d->neigh || neigh_info(d->neigh, addr, &ni))
		return;
	nh = json_object_new_object();
	if (ni.err) {
		jadd_str(nh, "error", strerror(-ni.err));
	} else {
		if (!if_indextoname(ni.ifindex, dev))
			snprintf(dev, sizeof(dev), "%d", ni.ifindex);
		jadd_str(nh, "addr", addr_str(&ni.via, buf, sizeof(buf)));
		jadd_str(nh, "dev", dev);
		jadd_str(nh, "state", neigh_state_str(ni.state));
		json_object_object_add(nh, "resolved",
				       json_object_new_boolean(ni.resolved));
		jadd_u64(nh, "losses", ni.losses);
	}
	json_object_object_add(o, "next_hop", nh);
}

/*
 * A backend's object for health show (full) and status: its address,
 * state (status only), configured weight and health fields. *lbp (unless
 * NULL): its running backend, NULL while it is not in the maps.
 */
static struct json_object *be_object(struct daemon *d,
				     const struct conf_vip *v,
				     const struct lb_vip *lv,
				     const struct conf_backend *b, bool full,
				     const struct lb_be **lbp)
{
	const struct lb_be *lb = lv ? lb_be_find(lv, &b->addr) : NULL;
	struct json_object *o = json_object_new_object();
	char buf[ADDR_STRLEN];

	jadd_str(o, "addr", addr_str(&b->addr, buf, sizeof(buf)));
	if (!full)
		jadd_str(o, "state", lb && lb->down ? "down" :
			 b->draining ? "draining" :
			 lb && lb->unresolved ? "resolving" : "active");
	jadd_nexthop(d, o, &b->addr);
	jadd_u64(o, "weight", b->weight);
	jadd_be_health(d, o, v, lv, lb, full);
	if (lbp)
		*lbp = lb;
	return o;
}

static struct json_object *q_health(struct daemon *d, const struct cmd *cmd,
				    char *err, size_t errlen)
{
	struct json_object *data, *arr;
	size_t i, j;

	if (cmd->has_vip &&
	    !conf_vip_find(&d->conf, cmd->proto, &cmd->vip, cmd->port)) {
		snprintf(err, errlen, "no such VIP");
		return NULL;
	}
	data = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < d->conf.n_vips; i++) {
		const struct conf_vip *v = &d->conf.vips[i];
		const struct health_check *hc = &v->check;
		const struct lb_vip *lv = lb_vip_find(&d->lb, v->proto,
						      &v->addr, v->port);
		struct json_object *o, *c, *bes;
		__u32 iv;

		if (cmd->has_vip && (cmd->proto != v->proto ||
				     cmd->port != v->port ||
				     addr_cmp(&cmd->vip, &v->addr)))
			continue;
		o = vip_object(v, false);
		jadd_vip_health(d, o, v, lv);
		c = json_object_new_object();
		jadd_str(c, "kind", health_kind_str(hc->kind));
		if (hc->kind != HEALTH_NONE) {
			iv = hc->interval_ms ? hc->interval_ms :
			     HEALTH_INTERVAL_MS_DEFAULT;
			jadd_u64(c, "port", hc->port ? hc->port : v->port);
			jadd_u64(c, "interval_ms", iv);
			jadd_u64(c, "timeout_ms", hc->timeout_ms ?
				 hc->timeout_ms : iv / 2);
			jadd_u64(c, "rise", hc->rise ? hc->rise :
				 HEALTH_RISE_DEFAULT);
			jadd_u64(c, "fall", hc->fall ? hc->fall :
				 HEALTH_FALL_DEFAULT);
			jadd_str(c, "all_down", v->fail_closed ?
				 "fail-closed" : "fail-open");
		}
		if (hc->kind == HEALTH_HTTP) {
			jadd_str(c, "path", hc->path[0] ? hc->path : "/");
			jadd_u64(c, "expect", hc->expect_code ?
				 hc->expect_code : HEALTH_EXPECT_DEFAULT);
		}
		if (hc->kind == HEALTH_UDP && hc->send[0]) {
			jadd_str(c, "send", hc->send);
			jadd_str(c, "expect", hc->expect);
		}
		json_object_object_add(o, "check", c);
		if (v->agent.port) {
			c = json_object_new_object();
			iv = v->agent.interval_ms ? v->agent.interval_ms :
			     HEALTH_INTERVAL_MS_DEFAULT;
			jadd_u64(c, "port", v->agent.port);
			jadd_u64(c, "interval_ms", iv);
			jadd_u64(c, "timeout_ms", v->agent.timeout_ms ?
				 v->agent.timeout_ms : iv / 2);
			jadd_u64(c, "damp_interval_ms",
				 v->agent.damp_interval_ms ?
				 v->agent.damp_interval_ms :
				 HEALTH_DAMP_INTERVAL_MS_DEFAULT);
			jadd_u64(c, "damp_change_pct",
				 v->agent.damp_change_pct ?
				 v->agent.damp_change_pct :
				 HEALTH_DAMP_CHANGE_PCT_DEFAULT);
			json_object_object_add(o, "agent", c);
		}
		bes = json_object_new_array();
		for (j = 0; j < v->n_be; j++)
			json_object_array_add(bes, be_object(d, v, lv, &v->be[j],
							     true, NULL));
		json_object_object_add(o, "backends", bes);
		json_object_array_add(arr, o);
	}
	json_object_object_add(data, "vips", arr);
	return data;
}

/* The flow table: size, occupancy (the scanner's last pass) and what
 * the data path counted. */
static void jadd_flow_table(struct daemon *d, struct json_object *data)
{
	const struct ctscan_counts *c = ctscan_counts(d->ctscan);
	struct json_object *o = json_object_new_object();
	static const struct {
		const char *key;
		__u32 idx;
	} ctr[] = {
		{ "evictions", XLB_STAT_CT_EVICT },
		{ "untracked", XLB_STAT_CT_FULL },
		{ "moves", XLB_STAT_CT_MOVED },
		{ "remote_hits", XLB_STAT_CT_REMOTE },
		{ "remote_skipped", XLB_STAT_CT_REMOTE_SKIP },
	};
	struct xlb_ctr sum;
	size_t i;

	jadd_u64(o, "slots", d->maps.ct_size);
	jadd_u64(o, "partitions", d->maps.ct_geo.parts);
	jadd_u64(o, "used", c->used);
	jadd_u64(o, "live", c->live_total);
	for (i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++)
		jadd_u64(o, ctr[i].key, maps_global_ctr(&d->maps, ctr[i].idx,
							&sum) ? 0 :
			 sum.packets);
	jadd_u64(o, "freed_expired", c->expired);
	jadd_u64(o, "freed_backend_gone", c->purged);
	jadd_u64(o, "scan_ms", c->pass_ms);
	jadd_u64(o, "scan_max_slice_us", c->max_slice_us);
	json_object_object_add(data, "flow_table", o);
}

static struct json_object *q_status(struct daemon *d, char *err,
				    size_t errlen)
{
	struct json_object *data, *arr;
	struct xlb_ctr ctr;
	const __u32 *flows = live_flows(d);
	size_t i, j;

	(void)err;
	(void)errlen;
	data = json_object_new_object();
	arr = json_object_new_array();
	jadd_str(data, "interface", d->conf.iface);
	jadd_str(data, "attach_mode", d->conf.generic ? "generic" : "native");
	jadd_flow_table(d, data);
	for (i = 0; i < d->conf.n_vips; i++) {
		const struct conf_vip *v = &d->conf.vips[i];
		const struct lb_vip *lv = lb_vip_find(&d->lb, v->proto,
						      &v->addr, v->port);
		struct json_object *o = vip_object(v, true);
		struct json_object *bes = json_object_new_array();

		memset(&ctr, 0, sizeof(ctr));
		if (lv)
			maps_vip_ctr(&d->maps, lv->id, &ctr);
		jadd_u64(o, "packets", ctr.packets);
		jadd_u64(o, "bytes", ctr.bytes);
		jadd_vip_health(d, o, v, lv);
		for (j = 0; j < v->n_be; j++) {
			const struct lb_be *lb;
			struct json_object *bo = be_object(d, v, lv, &v->be[j],
							   false, &lb);

			memset(&ctr, 0, sizeof(ctr));
			if (lb)
				maps_backend_ctr(&d->maps, lb->id, &ctr);
			jadd_u64(bo, "flows", lb ? flows[lb->id] : 0);
			jadd_u64(bo, "packets", ctr.packets);
			jadd_u64(bo, "bytes", ctr.bytes);
			json_object_array_add(bes, bo);
		}
		json_object_object_add(o, "backends", bes);
		json_object_array_add(arr, o);
	}
	json_object_object_add(data, "vips", arr);
	return data;
}

/* flows: the head of a stream of the flow table's live flows (flows.h),
 * which st takes over, or the error reply. */
static char *q_flows(struct daemon *d, const struct cmd *cmd,
		     struct ctl_stream *st)
{
	struct flows_query q = {
		.has_vip = cmd->has_vip,
		.proto = cmd->proto,
		.vip = cmd->vip,
		.port = cmd->port,
		.limit = cmd->limit,
		.udp_timeout_ns = d->conf.udp_timeout_ms * 1000000ull,
	};
	int ret;

	/* flows_stream() looks the VIP up in the model it lists. */
	ret = flows_stream(st, &d->maps, &d->lb, &q);
	if (ret)
		return ctl_reply_error(ret == -ENOENT ? "no such VIP" :
				       strerror(-ret));
	return ctl_stream_head("flows");
}

/*
 * {key: the text fn() puts in a stream}, for save and stats; NULL with
 * err set ("what: reason") when it fails.
 */
static struct json_object *q_text(const char *key, const char *what,
				  int (*fn)(const void *arg, FILE *f),
				  const void *arg, char *err, size_t errlen)
{
	struct json_object *data;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = open_memstream(&text, &len);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ret = fn(arg, f);
	/* A memory stream fails to close only when memory runs out. */
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (ret) {
		free(text);
		snprintf(err, errlen, "%s: %s", what, strerror(-ret));
		return NULL;
	}
	data = json_object_new_object();
	jadd_str(data, key, text);
	free(text);
	return data;
}

static int write_conf(const void *arg, FILE *f)
{
	return conf_write(arg, f, false);
}

static struct json_object *q_save(struct daemon *d, char *err, size_t errlen)
{
	return q_text("config", "writing the configuration", write_conf,
		      &d->conf, err, errlen);
}

/* --- stats ---------------------------------------------------------------- */

#ifndef XLB_VERSION
#define XLB_VERSION "unknown"
#endif

void daemon_stats_free(struct daemon_stats *ds)
{
	free(ds->vips);
	free(ds->backends);
	free(ds->vrrp);
	memset(ds, 0, sizeof(*ds));
}

int daemon_stats_fill(struct daemon *d, struct daemon_stats *ds)
{
	struct stats_snapshot *s = &ds->snap;
	size_t i, j, n_be = 0;
	struct timespec ts;
	struct xlb_ctr ctr;
	struct neigh_info ni;
	__u32 k;
	int err;

	memset(ds, 0, sizeof(*ds));
	for (i = 0; i < d->conf.n_vips; i++)
		n_be += d->conf.vips[i].n_be;
	ds->vips = calloc(d->conf.n_vips ? d->conf.n_vips : 1,
			  sizeof(*ds->vips));
	ds->backends = calloc(n_be ? n_be : 1, sizeof(*ds->backends));
	if (!ds->vips || !ds->backends) {
		err = -ENOMEM;
		goto fail;
	}
	s->vips = ds->vips;
	s->backends = ds->backends;
	for (i = 0; i < d->conf.n_vips; i++) {
		const struct conf_vip *v = &d->conf.vips[i];
		const struct lb_vip *lv = lb_vip_find(&d->lb, v->proto,
						      &v->addr, v->port);
		struct stats_vip *sv = &ds->vips[s->n_vips++];

		sv->addr = v->addr;
		sv->port = v->port;
		sv->proto = v->proto;
		if (lv) {
			err = maps_vip_ctr(&d->maps, lv->id, &ctr);
			if (err)
				goto fail;
			sv->packets = ctr.packets;
			sv->bytes = ctr.bytes;
			sv->new_flows = ctr.new_flows;
			sv->fail = d->vip_fail[lv->id];
		}
		for (j = 0; j < v->n_be; j++) {
			const struct conf_backend *b = &v->be[j];
			const struct lb_be *lb = lv ? lb_be_find(lv, &b->addr) :
						      NULL;
			struct stats_backend *sb =
				&ds->backends[s->n_backends++];

			sb->vip = i;
			sb->addr = b->addr;
			sb->draining = b->draining;
			/* Not in the maps (an apply failed half way): no
			 * traffic, nothing counted. */
			if (!lb)
				continue;
			err = maps_backend_ctr(&d->maps, lb->id, &ctr);
			if (err)
				goto fail;
			sb->packets = ctr.packets;
			sb->bytes = ctr.bytes;
			sb->new_flows = ctr.new_flows;
			sb->active_flows = live_flows(d)[lb->id];
			sb->weight = lb_be_effective_weight(lb);
			sb->up = !lb->down;
			sb->resolving = lb->unresolved;
			if (d->neigh && !neigh_info(d->neigh, &b->addr, &ni))
				sb->nexthop_losses = ni.losses;
			stats_health(d, v, lv, lb, sb);
		}
	}
	for (k = 0; k < XLB_STAT_MAX; k++) {
		err = maps_global_ctr(&d->maps, k, &s->global[k]);
		if (err)
			goto fail;
	}
	ds->vrrp = calloc(VRRPD_INST_MAX, sizeof(*ds->vrrp));
	if (!ds->vrrp) {
		err = -ENOMEM;
		goto fail;
	}
	s->vrrp = ds->vrrp;
	s->n_vrrp = d->vrrpd ? vrrpd_stats(d->vrrpd, ds->vrrp,
					  VRRPD_INST_MAX) : 0;
	s->ct_entries = ctscan_counts(d->ctscan)->used;
	s->ct_live = ctscan_counts(d->ctscan)->live_total;
	s->ct_capacity = d->maps.ct_size;
	s->ct_expired = ctscan_counts(d->ctscan)->expired;
	s->ct_purged = ctscan_counts(d->ctscan)->purged;
	/* The data path's clock: CLOCK_MONOTONIC (coarse there). */
	err = maps_flood_state(&d->maps, d->conf.flood_rate, now_ns(),
			       &s->flood_active, &s->flood_syns);
	if (err)
		goto fail;
	s->version = XLB_VERSION;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->time_ms = (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return 0;
fail:
	daemon_stats_free(ds);
	return err;
}

/* One write; an error is logged when it differs from the last one, not at
 * every interval. */
static void stats_write(struct daemon *d)
{
	struct daemon_stats ds;
	const char *what = "collecting the stats for";
	int ret;

	ret = daemon_stats_fill(d, &ds);
	if (!ret) {
		what = "writing";
		ret = stats_write_file(d->stats_path, &ds.snap);
		daemon_stats_free(&ds);
	}
	if (ret && ret != d->stats_err)
		log_err("stats: %s %s: %s (logged again only if the error "
			"changes)", what, d->stats_path, strerror(-ret));
	else if (!ret && d->stats_err)
		log_info("stats: %s written again", d->stats_path);
	d->stats_err = ret;
}

static void stats_timer_cb(struct ev_loop *loop, void *arg)
{
	struct daemon *d = arg;

	d->stats_timer = NULL;
	stats_write(d);
	d->stats_timer = ev_timer_add(loop, d->stats_interval_ms,
				      stats_timer_cb, d);
	if (!d->stats_timer)
		log_err("stats: arming the timer: %s; %s is no longer "
			"written", strerror(errno), d->stats_path);
}

/* Follow the model's stats statement: a new file or interval takes effect
 * at once, with a first write now. */
static void stats_configure(struct daemon *d)
{
	const struct conf *c = &d->conf;
	char dur[32];
	int n;

	if (!c->stats_path[0] && !d->stats_path[0])
		return;
	if (!strcmp(c->stats_path, d->stats_path) &&
	    c->stats_interval_ms == d->stats_interval_ms)
		return;
	if (d->stats_timer)
		ev_timer_cancel(d->loop, d->stats_timer);
	d->stats_timer = NULL;
	if (!c->stats_path[0])
		log_info("stats: %s is no longer written", d->stats_path);
	memcpy(d->stats_path, c->stats_path, sizeof(d->stats_path));
	d->stats_interval_ms = c->stats_interval_ms;
	d->stats_err = 0;
	if (!d->stats_path[0])
		return;
	log_info("stats: writing %s every %s", d->stats_path,
		 duration_str(d->stats_interval_ms, dur, sizeof(dur)));
	/* A writer killed mid-write left its temporary file; nothing else
	 * would ever remove it. A missing directory is the write's error. */
	n = stats_clean_temps(d->stats_path);
	if (n > 0)
		log_info("stats: removed %d temporary file%s of an interrupted "
			 "write next to %s", n, n > 1 ? "s" : "",
			 d->stats_path);
	else if (n < 0 && n != -ENOENT)
		log_warn("stats: removing stale temporary files next to %s: "
			 "%s", d->stats_path, strerror(-n));
	d->stats_timer = ev_timer_add(d->loop, 0, stats_timer_cb, d);
	if (!d->stats_timer)
		log_err("stats: arming the timer: %s; %s is not written",
			strerror(errno), d->stats_path);
}

static int write_stats(const void *arg, FILE *f)
{
	return stats_render(arg, f);
}

static struct json_object *q_stats(struct daemon *d, char *err,
				   size_t errlen)
{
	struct json_object *data;
	struct daemon_stats ds;
	int ret;

	ret = daemon_stats_fill(d, &ds);
	if (ret) {
		snprintf(err, errlen, "collecting the stats: %s",
			 strerror(-ret));
		return NULL;
	}
	data = q_text("text", "rendering the stats", write_stats, &ds.snap,
		      err, errlen);
	daemon_stats_free(&ds);
	return data;
}

/* backend del without force: refuse while the backend has live flows. */
static int check_del(struct daemon *d, const struct cmd *cmd, char *err,
		     size_t errlen)
{
	const struct lb_vip *v;
	const struct lb_be *be;
	char buf[ADDR_STRLEN];
	__u32 live;

	if (cmd->force)
		return 0;
	v = lb_vip_find(&d->lb, cmd->proto, &cmd->vip, cmd->port);
	be = v ? lb_be_find(v, &cmd->addr) : NULL;
	if (!be)
		return 0;	/* conf_apply reports it */
	live = live_flows(d)[be->id];
	log_debug("backend id %u has %u live flows", be->id, live);
	if (!live)
		return 0;
	snprintf(err, errlen, "backend %s has %u live flow%s; drain it first "
		 "or add 'force'", addr_str(&cmd->addr, buf, sizeof(buf)),
		 live, live == 1 ? "" : "s");
	return -EBUSY;
}

/* {"message":"198.18.0.11 is draining with N live flows"} */
static struct json_object *drain_message(struct daemon *d,
					 const struct cmd *cmd)
{
	const struct lb_vip *v;
	const struct lb_be *be;
	struct json_object *o;
	char buf[ADDR_STRLEN], msg[128];
	__u32 live = 0;

	v = lb_vip_find(&d->lb, cmd->proto, &cmd->vip, cmd->port);
	be = v ? lb_be_find(v, &cmd->addr) : NULL;
	if (!be)
		return NULL;
	live = live_flows(d)[be->id];
	snprintf(msg, sizeof(msg), "%s is draining with %u live flow%s",
		 addr_str(&cmd->addr, buf, sizeof(buf)), live,
		 live == 1 ? "" : "s");
	o = json_object_new_object();
	jadd_str(o, "message", msg);
	return o;
}

static void shutdown_cb(struct ev_loop *loop, void *arg)
{
	struct daemon *d = arg;

	d->shutdown = true;
	ev_loop_stop(loop);
}

/* The request words as one line, for the log. */
static void argv_join(int argc, char **argv, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				argv[i]);
}

static char *handle(void *arg, const char *line, size_t len,
		    struct ctl_stream *stream)
{
	struct daemon *d = arg;
	struct json_object *data = NULL;
	char err[512] = "", words[256], **argv = NULL;
	struct cmd cmd;
	int argc, ret;

	ret = ctl_request_decode(line, len, &argc, &argv, err, sizeof(err));
	if (ret)
		return ctl_reply_error(err);
	argv_join(argc, argv, words, sizeof(words));
	ret = cmd_parse(argc, argv, CMD_CTX_RUNTIME, &cmd, err, sizeof(err));
	ctl_argv_free(argv);
	if (ret)
		return ctl_reply_error(err);
	switch (cmd.verb) {
	case CMD_VIP_LIST:
		data = q_vip_list(d);
		break;
	case CMD_STATUS:
		data = q_status(d, err, sizeof(err));
		break;
	case CMD_FLOWS:
		return q_flows(d, &cmd, stream);
	case CMD_HEALTH_SHOW:
		data = q_health(d, &cmd, err, sizeof(err));
		break;
	case CMD_SAVE:
		data = q_save(d, err, sizeof(err));
		break;
	case CMD_STATS:
		data = q_stats(d, err, sizeof(err));
		break;
	case CMD_VRRP_SHOW:
		data = vrrpd_show(d->vrrpd);
		break;
	case CMD_VRRP_PRIORITY:
		ret = vrrpd_set_priority(d->vrrpd, cmd.vrrp.vrid,
					 cmd.vrrp.prio, err, sizeof(err));
		if (ret) {
			log_info("refused '%s': %s", words, err);
			break;
		}
		log_info("done: %s", words);
		return ctl_reply_ok(NULL);
	case CMD_SHUTDOWN:
		log_info("shutdown requested on the control socket");
		ev_timer_add(d->loop, 0, shutdown_cb, d);
		return ctl_reply_ok(NULL);
	default:
		if (!cmd_verb_mutates(cmd.verb)) {
			snprintf(err, sizeof(err), "not a runtime command");
			break;
		}
		ret = cmd.verb == CMD_BACKEND_DEL ?
		      check_del(d, &cmd, err, sizeof(err)) : 0;
		if (!ret)
			ret = mutate(d, &cmd, err, sizeof(err));
		if (ret) {
			log_info("refused '%s': %s", words, err);
			break;
		}
		log_info("done: %s", words);
		if (cmd.verb == CMD_BACKEND_DRAIN)
			return ctl_reply_ok(drain_message(d, &cmd));
		return ctl_reply_ok(NULL);
	}
	if (!data)
		return ctl_reply_error(err[0] ? err : "failed");
	return ctl_reply_ok(data);
}

/* --- reload ------------------------------------------------------------- */

static void reload(struct daemon *d)
{
	char err[512];
	struct conf nc;
	__u64 hash;
	int ret;

	ret = conf_load_file(d->conf_path, &nc, &hash, err, sizeof(err));
	if (ret) {
		log_err("reload: %s; keeping the running configuration", err);
		return;
	}
	/* What only a restart can change stays as it runs. */
	if (strcmp(nc.iface, d->conf.iface) || nc.generic != d->conf.generic) {
		log_warn("reload: the interface changes only on a restart; "
			 "keeping %s", d->conf.iface);
		memcpy(nc.iface, d->conf.iface, sizeof(nc.iface));
		nc.generic = d->conf.generic;
	}
	if (nc.conntrack_size != d->conf.conntrack_size) {
		log_warn("reload: conntrack-size changes only on a restart "
			 "(and a new pin directory); keeping %u",
			 d->conf.conntrack_size);
		nc.conntrack_size = d->conf.conntrack_size;
	}
	ret = commit(d, &nc, hash, err, sizeof(err));
	if (ret) {
		log_err("reload: %s; keeping the running configuration", err);
		return;
	}
	log_info("reloaded %s: %zu VIPs", d->conf_path, d->conf.n_vips);
}

static void signal_cb(struct ev_loop *loop, int fd, uint32_t events,
		      void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			vrrpd_reap(d->vrrpd);
		} else if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading %s", d->conf_path);
			reload(d);
		} else {
			log_info("%s: exiting; the data path keeps forwarding",
				 strsignal(si.ssi_signo));
			ev_loop_stop(loop);
		}
	}
}

/* --- life cycle ---------------------------------------------------------- */

/* The model to start with: the saved state if it derives from the same
 * config file, else the config file. */
static int initial_model(struct daemon *d, struct conf *c)
{
	char err[512];
	struct conf sc;
	__u64 saved;
	int ret;

	ret = conf_load_file(d->conf_path, c, &d->conf_hash, err,
			     sizeof(err));
	if (ret) {
		log_err("%s", err);
		return ret;
	}
	ret = state_read(d->state_path, &sc, &saved, err, sizeof(err));
	if (ret == -ENOENT) {
		log_info("no state file %s: using %s", d->state_path,
			 d->conf_path);
		return 0;
	}
	if (ret) {
		log_warn("ignoring the state file: %s", ret == -EINVAL ? err :
			 strerror(-ret));
		return 0;
	}
	if (saved != d->conf_hash) {
		log_info("%s changed since %s was saved: using the config "
			 "file", d->conf_path, d->state_path);
		conf_free(&sc);
		return 0;
	}
	conf_free(c);
	*c = sc;
	log_info("restored %zu VIPs from %s", c->n_vips, d->state_path);
	return 0;
}

int daemon_start(struct daemon *d)
{
	enum maps_attach_result res;
	struct conf c;
	int ifindex, ret;
	sigset_t mask;

	d->sig_fd = -1;
	ret = initial_model(d, &c);
	if (ret)
		return ret;
	conf_init(&d->conf);
	if (!c.iface[0]) {
		log_err("%s: no 'interface' statement", d->conf_path);
		ret = -EINVAL;
		goto err;
	}
	ifindex = if_nametoindex(c.iface);
	if (!ifindex) {
		ret = -errno;
		log_err("interface %s: %s", c.iface, strerror(errno));
		goto err;
	}
	d->loop = ev_loop_new();
	if (!d->loop) {
		ret = -ENOMEM;
		log_err("out of memory");
		goto err;
	}
	ret = maps_mount_bpffs();
	if (ret) {
		log_err("mounting bpffs on /sys/fs/bpf: %s", strerror(-ret));
		goto err;
	}
	ret = maps_open(&d->maps, d->pin_dir, c.conntrack_size);
	if (ret == -EPROTO) {
		log_err("the maps pinned under %s hold a flow table of another "
			"layout (an older xlb): this xlbd cannot use it. Remove "
			"them with 'xlbd --detach -c %s -p %s', then start "
			"again; tracked flows are lost, and established "
			"connections keep their backends only where the "
			"Maglev tables did not change since they started",
			d->pin_dir, d->conf_path, d->pin_dir);
		goto err;
	}
	if (ret) {
		log_err("opening the BPF object with pins under %s: %s",
			d->pin_dir, strerror(-ret));
		goto err;
	}
	d->maps_open = true;
	if (d->maps.ct_size_pinned) {
		log_warn("the pinned flow table has %u slots, not %u: keeping "
			 "it (its flows would be lost)", d->maps.ct_size_pinned,
			 c.conntrack_size);
		c.conntrack_size = d->maps.ct_size_pinned;
	}
	ret = maps_attach(&d->maps, ifindex, c.generic, &res);
	if (ret) {
		log_err("attaching XDP to %s (%s mode): %s", c.iface,
			c.generic ? "generic" : "native", strerror(-ret));
		goto err;
	}
	log_info("%s XDP program on %s (%s mode), maps under %s",
		 res == MAPS_ATTACHED ? "attached the" :
		 res == MAPS_KEPT ? "kept the running" : "upgraded the",
		 c.iface, c.generic ? "generic" : "native", d->pin_dir);
	ret = ctscan_new(&d->ctscan, d->loop, &d->maps);
	if (ret) {
		log_err("out of memory");
		goto err;
	}
	ctscan_set_udp_timeout(d->ctscan, c.udp_timeout_ms * 1000000ull);
	/* The flows a restart finds count before the socket answers. */
	ret = ctscan_run_now(d->ctscan);
	if (ret) {
		log_err("scanning the flow table: %s", strerror(-ret));
		goto err;
	}
	ret = neigh_forwarding_on(c.iface);
	if (ret) {
		log_err("turning forwarding on for %s: %s", c.iface,
			strerror(-ret));
		goto err;
	}
	log_info("forwarding turned on for %s (IPv4 and IPv6): "
		 "bpf_fib_lookup needs it", c.iface);
	ret = neigh_open(&d->neigh);
	if (ret) {
		log_err("opening rtnetlink: %s", strerror(-ret));
		goto err;
	}
	ret = ev_fd_add(d->loop, neigh_events_fd(d->neigh), EPOLLIN,
			nexthop_fd_cb, d);
	if (ret) {
		log_err("watching neighbour events: %s", strerror(-ret));
		goto err;
	}
	ret = lb_init(&d->lb, &maps_lb_ops, &d->maps);
	if (ret)
		goto err;
	d->lb_init = true;
	d->lb.warn = lb_warn;
	ret = health_open(d);
	if (ret) {
		log_err("starting health checks: %s", strerror(-ret));
		goto err;
	}
	ret = vrrpd_new(&d->vrrpd, d->loop, &d->conf, &d->lb,
			 link_up_cb, vip_down_cb, d);
	if (ret) {
		log_err("out of memory");
		goto err;
	}
	if (d->maps.pinned) {
		ret = recover(d);
		if (ret)
			goto err;
	}
	/* The first commit writes xlb_cfg (settings, enabled), then the
	 * objects: tables of the backends whose next hops resolved. */
	ret = nexthop_track(d, &c);
	if (ret) {
		log_err("tracking next hops: %s", strerror(-ret));
		goto err;
	}
	nexthop_settle(d, &c);
	{
		char err[512];

		ret = commit(d, &c, d->conf_hash, err, sizeof(err));
		if (ret) {
			log_err("applying the configuration: %s", err);
			return ret;
		}
	}
	log_info("applied %zu VIPs", d->conf.n_vips);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);	/* vrrp notify commands */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sig_fd < 0 ||
	    ev_fd_add(d->loop, d->sig_fd, EPOLLIN, signal_cb, d)) {
		ret = -errno;
		log_err("signalfd: %s", strerror(errno));
		return ret;
	}
	ret = ctl_open(&d->ctl, d->loop, d->sock_path, handle, d);
	if (ret) {
		log_err("control socket %s: %s", d->sock_path,
			ret == -EADDRINUSE ? "another xlbd is listening there" :
			strerror(-ret));
		return ret;
	}
	log_info("listening on %s", d->sock_path);
	return 0;
err:
	conf_free(&c);
	return ret;
}

int daemon_run(struct daemon *d)
{
	int ret = ev_loop_run(d->loop);

	if (ret)
		log_err("event loop: %s", strerror(-ret));
	return ret;
}

void daemon_stop(struct daemon *d)
{
	int ret;

	ctl_close(d->ctl);
	d->ctl = NULL;
	/* A master resigns at once (priority 0) so that its peer takes
	 * over without waiting for the master-down interval; the data path
	 * keeps forwarding whatever still arrives here. */
	vrrpd_free(d->vrrpd);
	d->vrrpd = NULL;
	if (d->shutdown) {
		neigh_close(d->neigh, true);
		d->neigh = NULL;
		if (d->maps_open)
			maps_close(&d->maps);
		d->maps_open = false;
		ret = maps_remove(d->pin_dir, if_nametoindex(d->conf.iface));
		if (ret)
			log_err("removing the data path from %s: %s",
				d->conf.iface, strerror(-ret));
		else
			log_info("detached from %s and unpinned the maps "
				 "under %s", d->conf.iface, d->pin_dir);
	}
	neigh_close(d->neigh, false);
	if (d->lb_init)
		lb_free(&d->lb);
	if (d->maps_open)
		maps_close(&d->maps);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	/* Before the loop: closing probes unwatches their fds. */
	health_close(d);
	ctscan_free(d->ctscan);
	d->ctscan = NULL;
	ev_loop_free(d->loop);
	conf_free(&d->conf);
	free(d->drains);
}

int daemon_detach(const char *conf_path, const char *pin_dir)
{
	char err[512];
	struct conf c;
	int ifindex, ret;

	ret = conf_parse_file(conf_path, &c, err, sizeof(err));
	if (ret) {
		log_err("%s", err);
		return ret;
	}
	ret = maps_mount_bpffs();
	if (ret) {
		log_err("mounting bpffs: %s", strerror(-ret));
		goto out;
	}
	ifindex = if_nametoindex(c.iface);
	ret = maps_remove(pin_dir, ifindex);
	if (ret)
		log_err("removing the data path from %s: %s", c.iface,
			strerror(-ret));
	else
		log_info("detached from %s and unpinned the maps under %s",
			 c.iface, pin_dir);
out:
	conf_free(&c);
	return ret;
}
