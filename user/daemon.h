/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbd's core: the running model, its application to the maps, the
 * control requests, reload, drains, persistence. xlbd.c is only the
 * command line around it.
 */
#ifndef XLB_DAEMON_H
#define XLB_DAEMON_H

#include <stdbool.h>
#include <linux/types.h>
#include "conf.h"
#include "lb.h"
#include "maps.h"
#include "stats.h"

struct ev_loop;
struct ev_timer;
struct ctl;
struct neigh;
struct health;
struct daemon_hc;
struct vrrpd;

struct daemon_drain {
	__u8 proto;
	__u16 port;
	struct ip_addr vip;
	struct ip_addr be;
	__u64 deadline_ms;
};

struct daemon {
	const char *conf_path;
	const char *sock_path;
	const char *pin_dir;
	const char *state_path;

	struct conf conf;		/* the running model */
	__u64 conf_hash;		/* of the config file it derives from */
	bool cfg_written;		/* xlb_cfg holds our settings */
	struct maps maps;
	bool maps_open;
	struct lb lb;
	bool lb_init;
	struct neigh *neigh;
	struct vrrpd *vrrpd;
	struct ev_loop *loop;
	struct ctl *ctl;
	int sig_fd;

	struct daemon_drain *drains;
	size_t n_drains;
	struct ev_timer *drain_timer;

	struct ctscan *ctscan;		/* flow table: counts and purges */

	/* the stats file, as running (conf holds the wanted one) */
	char stats_path[PATH_MAX];
	__u64 stats_interval_ms;
	struct ev_timer *stats_timer;
	int stats_err;			/* last write error logged, or 0 */
	struct health *health;		/* probes of checked VIPs' backends */
	struct daemon_hc **hc;		/* by backend id: what it watches */
	__u32 hc_gen;
	struct ev_timer *health_timer;
	__u64 health_due;		/* of health_timer, UINT64_MAX: none */
	bool health_dirty;		/* a state or weight changed */
	__u8 *be_down;			/* by backend id, as last applied */
	__u8 *be_unresolved;		/* by backend id, as last applied */
	struct ev_timer *nexthop_timer;	/* next unresolved one to report */
	__u8 vip_fail[XLB_MAX_VIPS];	/* STATS_FAIL_*, what status and
					 * stats show (logged when it
					 * changes) */

	bool shutdown;			/* detach the data path on exit */
	int exit_code;
};

/* Load, attach, restore and apply; then daemon_run(). 0 or -errno (the
 * failure is logged). */
int daemon_start(struct daemon *d);
int daemon_run(struct daemon *d);
void daemon_stop(struct daemon *d);

/*
 * A snapshot of everything the stats file shows, from the maps and the
 * daemon's state (see stats.h for the families). Each subsystem of the
 * daemon adds its part here; the VRRP families stay empty until the
 * daemon runs VRRP. The arrays belong to ds:
 * daemon_stats_free() releases them. 0 or -errno (ds is then empty).
 */
struct daemon_stats {
	struct stats_snapshot snap;
	struct stats_vip *vips;
	struct stats_backend *backends;
	struct stats_vrrp *vrrp;
};
int daemon_stats_fill(struct daemon *d, struct daemon_stats *ds);
void daemon_stats_free(struct daemon_stats *ds);

/* xlbd --detach: remove the data path of CONFIG's interface. */
int daemon_detach(const char *conf_path, const char *pin_dir);

#endif /* XLB_DAEMON_H */
