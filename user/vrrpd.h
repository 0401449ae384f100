/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbd's VRRP: the configured instances run on the daemon's event loop,
 * with the protocol in vrrp.c and the network in vrrp_io.c. A vrrp
 * statement gives one instance per address family under its VRID (RFC
 * 5798 keeps the IPv4 and IPv6 VRID spaces apart).
 *
 * The master holds the virtual addresses on the interface and announces
 * them (gratuitous ARP / unsolicited NA) at takeover, twice more
 * VRRPD_ANNOUNCE_REPEAT_MS apart, and then every VRRPD_ANNOUNCE_REFRESH_MS.
 * A backup or a stopped instance holds none. The XDP data path forwards
 * on both load balancers, so which one holds the addresses only decides
 * where the clients send.
 *
 * Tracking: the VRRP interface losing its carrier (or going down) stops
 * the instance like a fault (state init, addresses released); it starts
 * again in backup when the link is back. track-interface N lowers the
 * priority by N while the data path's interface (when it is another one)
 * is down; track-vips N lowers it by N while any VIP whose address the
 * instance holds has backends and none of them up. The priority never
 * goes below 1.
 */
#ifndef XLB_VRRPD_H
#define XLB_VRRPD_H

#include <json-c/json.h>
#include <linux/types.h>

#include "conf.h"
#include "lb.h"
#include "stats.h"

#define VRRPD_ANNOUNCE_COUNT		3
#define VRRPD_ANNOUNCE_REPEAT_MS	100
#define VRRPD_ANNOUNCE_REFRESH_MS	10000
#define VRRPD_TRACK_MS			100	/* backend state polling */
#define VRRPD_INST_MAX			(2 * CONF_VRRP_MAX)

struct ev_loop;
struct vrrpd;

/* conf and lb are the daemon's running model and tables, read whenever
 * the instances track them; they must outlive the vrrpd. link_up is
 * called when an instance's interface is back (a carrier loss flushed
 * its neighbour entries). vip_down tells track-vips whether VIP v has no
 * backend up; NULL: none of its backends is up in the table (health
 * checks failing open keep backends in the table, so a daemon with
 * health checks answers from their state). 0 or -errno. */
int vrrpd_new(struct vrrpd **out, struct ev_loop *loop,
	      const struct conf *conf, const struct lb *lb,
	      void (*link_up)(void *arg, const char *ifname),
	      bool (*vip_down)(void *arg, const struct lb_vip *v), void *arg);
/*
 * Bring the instances in line with conf (after every commit and reload):
 * new ones start in backup, removed ones shut down (a master resigns),
 * changed addresses or priority apply live, other changes restart the
 * instance. Startup removes the virtual addresses first, in case a
 * previous run left them. Problems are logged.
 */
void vrrpd_sync(struct vrrpd *vd);
/* Runtime priority of every instance of vrid (both families), kept until
 * the statement's priority changes or xlbd restarts. 0, -ENOENT. */
int vrrpd_set_priority(struct vrrpd *vd, __u8 vrid, __u8 prio, char *err,
		       size_t errlen);
/* {"instances":[...]} for vrrp show. */
struct json_object *vrrpd_show(struct vrrpd *vd);
/* Reap finished notify commands (on SIGCHLD). */
void vrrpd_reap(struct vrrpd *vd);
/* Shut every instance down (a master resigns with priority 0 and
 * releases its addresses) and free vd. */
void vrrpd_free(struct vrrpd *vd);

/* For the stats file: one entry per VRID, in VRID order, with the state,
 * priority and counters of its IPv4 instance (of its IPv6 one without
 * IPv4). Fills at most max, returns the count. */
size_t vrrpd_stats(const struct vrrpd *vd, struct stats_vrrp *out,
		   size_t max);

#endif /* XLB_VRRPD_H */
