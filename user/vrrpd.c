// SPDX-License-Identifier: GPL-2.0
/* xlbd's VRRP instances on the event loop. */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "vrrp.h"
#include "vrrp_io.h"
#include "vrrpd.h"
#include "xlb.h"

#define RX_BURST	64	/* packets per wakeup, so timers still run */
#define NOTIFY_MAX	16	/* notify commands running at once */
#define NOTIFY_ENV	7	/* XLB_VRRP_* variables */

extern char **environ;

struct vio {
	struct vrrp_io io;
	int refs;
	struct vrrpd *vd;
};

struct inst {
	bool used;
	struct vrrpd *vd;
	struct cmd_vrrp c;		/* the statement it runs */
	__u8 family;
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct vio *io;
	struct vrrp v;
	struct ev_timer *timer;
	struct ev_timer *announce;
	unsigned int announce_left;
	__u8 base;			/* statement or vrrp priority */
	bool fault;			/* link down: stopped */
	bool send_failing;		/* logged once until a send works */
};

struct vrrpd {
	struct ev_loop *loop;
	const struct conf *conf;
	const struct lb *lb;
	struct inst inst[VRRPD_INST_MAX];
	struct vio io[VRRPD_INST_MAX];
	struct ev_timer *track;
	bool synced;			/* the first sync happened */
	pid_t children[NOTIFY_MAX];
	void (*link_up)(void *arg, const char *ifname);
	bool (*vip_down)(void *arg, const struct lb_vip *v);
	void *arg;
};

static const char *fam_str(__u8 family)
{
	return family == XLB_AF_INET6 ? "ipv6" : "ipv4";
}

/* Carrier and administratively up: frames can pass. */
static bool link_ok(const char *ifname)
{
	struct ifreq ifr = {};
	bool ok = false;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;	/* cannot tell: do not fault */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		ok = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	close(fd);
	return ok;
}

static bool addr_in(const struct ip_addr *a, const struct ip_addr *list,
		    unsigned int n);
static bool is_virtual(const struct conf *c, const struct ip_addr *a);

/* The interface's first address of family (IPv6: not link-local) that is
 * no virtual address of the config, the adverts' source. 0 or
 * -EADDRNOTAVAIL. */
static int primary_addr(const struct conf *conf, const char *ifname,
			__u8 family, struct ip_addr *a)
{
	struct ifaddrs *ifa, *i;
	int err = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && err; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		memset(a, 0, sizeof(*a));
		if (family == XLB_AF_INET &&
		    i->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *s = (void *)i->ifa_addr;

			a->family = XLB_AF_INET;
			a->a[0] = s->sin_addr.s_addr;
			err = is_virtual(conf, a) ? -EADDRNOTAVAIL : 0;
		} else if (family == XLB_AF_INET6 &&
			   i->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *s = (void *)i->ifa_addr;

			if (IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr))
				continue;
			a->family = XLB_AF_INET6;
			memcpy(a->a, &s->sin6_addr, 16);
			err = is_virtual(conf, a) ? -EADDRNOTAVAIL : 0;
		}
	}
	freeifaddrs(ifa);
	return err;
}

static bool addr_in(const struct ip_addr *a, const struct ip_addr *list,
		    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!addr_cmp(a, &list[i]))
			return true;
	return false;
}

/* Held by some instance (or to be): never an advert's source. */
static bool is_virtual(const struct conf *c, const struct ip_addr *a)
{
	struct ip_addr v[VRRP_ADDRS_MAX];
	size_t i, n;

	for (i = 0; i < c->n_vrrp; i++) {
		n = conf_vrrp_addrs(c, i, v, VRRP_ADDRS_MAX);
		if (addr_in(a, v, n))
			return true;
	}
	return false;
}

/* --- notify ----------------------------------------------------------- */

static void notify(struct inst *in, const struct vrrp_out *out)
{
	struct vrrpd *vd = in->vd;
	char vrid[8], seq[24], prio[8], env[NOTIFY_ENV][64];
	char *argv[5], **envp;
	size_t n_env = 0, i;
	struct timespec now;
	sigset_t none;
	pid_t pid;
	int slot, fd;

	for (slot = 0; slot < NOTIFY_MAX; slot++)
		if (!vd->children[slot])
			break;
	if (slot == NOTIFY_MAX) {
		log_warn("vrrp %u (%s): %d notify commands still running; "
			 "not running %s for transition %llu", in->c.vrid,
			 fam_str(in->family), NOTIFY_MAX, in->c.notify,
			 (unsigned long long)out->seq);
		return;
	}
	/* Everything the child needs, built before the fork. */
	snprintf(vrid, sizeof(vrid), "%u", in->c.vrid);
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)out->seq);
	snprintf(prio, sizeof(prio), "%u", in->v.prio);
	snprintf(env[0], sizeof(env[0]), "XLB_VRRP_VRID=%s", vrid);
	snprintf(env[1], sizeof(env[1]), "XLB_VRRP_FAMILY=%s",
		 fam_str(in->family));
	snprintf(env[2], sizeof(env[2]), "XLB_VRRP_STATE=%s",
		 vrrp_state_str(out->to));
	snprintf(env[3], sizeof(env[3]), "XLB_VRRP_FROM=%s",
		 vrrp_state_str(out->from));
	snprintf(env[4], sizeof(env[4]), "XLB_VRRP_SEQ=%s", seq);
	snprintf(env[5], sizeof(env[5]), "XLB_VRRP_PRIORITY=%s", prio);
	/* When the state changed, not when the command got to run. */
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(env[6], sizeof(env[6]), "XLB_VRRP_TIME_MS=%lld",
		 (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	argv[0] = in->c.notify;
	argv[1] = (char *)vrrp_state_str(out->to);
	argv[2] = vrid;
	argv[3] = seq;
	argv[4] = NULL;
	/* The daemon's environment, without stale XLB_VRRP_ values. */
	while (environ[n_env])
		n_env++;
	envp = calloc(n_env + NOTIFY_ENV + 1, sizeof(*envp));
	if (!envp) {
		log_warn("vrrp %u (%s): notify %s: out of memory", in->c.vrid,
			 fam_str(in->family), in->c.notify);
		return;
	}
	for (i = 0, n_env = 0; environ[i]; i++)
		if (strncmp(environ[i], "XLB_VRRP_", 9))
			envp[n_env++] = environ[i];
	for (i = 0; i < NOTIFY_ENV; i++)
		envp[n_env++] = env[i];
	sigemptyset(&none);

	pid = fork();
	if (pid < 0) {
		log_warn("vrrp %u (%s): notify %s: fork: %s", in->c.vrid,
			 fam_str(in->family), in->c.notify, strerror(errno));
		free(envp);
		return;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here on. */
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		fd = open("/dev/null", O_RDONLY);
		if (fd > 0) {
			dup2(fd, 0);
			close(fd);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	free(envp);
	vd->children[slot] = pid;
	log_debug("vrrp %u (%s): notify %s %s %s %s: pid %d", in->c.vrid,
		  fam_str(in->family), argv[0], argv[1], vrid, seq, (int)pid);
}

void vrrpd_reap(struct vrrpd *vd)
{
	int i, st;
	pid_t r;

	for (i = 0; i < NOTIFY_MAX; i++) {
		if (!vd->children[i])
			continue;
		r = waitpid(vd->children[i], &st, WNOHANG);
		if (r == 0)
			continue;
		if (r > 0 && WIFEXITED(st) && WEXITSTATUS(st))
			log_warn("vrrp notify command (pid %d) exited with "
				 "status %d", (int)r, WEXITSTATUS(st));
		else if (r > 0 && WIFSIGNALED(st))
			log_warn("vrrp notify command (pid %d) killed by "
				 "signal %d", (int)r, WTERMSIG(st));
		vd->children[i] = 0;
	}
}

/* --- actions ------------------------------------------------------------ */

static void arm(struct inst *in);
static void announce_cb(struct ev_loop *loop, void *arg);

static void announce_all(struct inst *in)
{
	char an[ADDR_STRLEN];
	unsigned int i;
	int err;

	for (i = 0; i < in->v.cfg.naddrs; i++) {
		err = vrrp_io_announce(in->ifindex, &in->v.cfg.addrs[i]);
		if (err)
			log_warn("vrrp %u: announcing %s on %s: %s",
				 in->c.vrid, addr_str(&in->v.cfg.addrs[i], an,
						      sizeof(an)),
				 in->ifname, strerror(-err));
	}
}

static void announce_stop(struct inst *in)
{
	if (in->announce)
		ev_timer_cancel(in->vd->loop, in->announce);
	in->announce = NULL;
}

static void announce_cb(struct ev_loop *loop, void *arg)
{
	struct inst *in = arg;

	in->announce = NULL;
	if (in->v.state != VRRP_STATE_MASTER)
		return;
	announce_all(in);
	if (in->announce_left)
		in->announce_left--;
	in->announce = ev_timer_add(loop, in->announce_left ?
				    VRRPD_ANNOUNCE_REPEAT_MS :
				    VRRPD_ANNOUNCE_REFRESH_MS,
				    announce_cb, in);
}

static void release(struct inst *in, const struct ip_addr *a)
{
	char an[ADDR_STRLEN];
	int err = vrrp_io_addr_del(in->ifindex, a);

	if (err)
		log_warn("vrrp %u: removing %s from %s: %s", in->c.vrid,
			 addr_str(a, an, sizeof(an)), in->ifname,
			 strerror(-err));
}

static void hold(struct inst *in, const struct ip_addr *a)
{
	char an[ADDR_STRLEN];
	int err = vrrp_io_addr_add(in->ifindex, a);

	if (err)
		log_warn("vrrp %u: adding %s to %s: %s", in->c.vrid,
			 addr_str(a, an, sizeof(an)), in->ifname,
			 strerror(-err));
}

/* Execute out in the order the core requires: release, advert, takeover. */
static void exec(struct inst *in, const struct vrrp_out *out)
{
	struct ip_addr dst[VRRP_PEERS_MAX];
	char an[ADDR_STRLEN], mn[ADDR_STRLEN];
	__u8 buf[VRRP_PKT_MAX];
	unsigned int i, n;
	int len, err;

	if (out->act & VRRP_ACT_RELEASE) {
		announce_stop(in);
		for (i = 0; i < in->v.cfg.naddrs; i++)
			release(in, &in->v.cfg.addrs[i]);
	}
	if (out->act & VRRP_ACT_ADVERT) {
		n = vrrp_dests(&in->v, dst);
		for (i = 0; i < n; i++) {
			len = vrrp_build(&in->v, out->prio, &dst[i], buf,
					 sizeof(buf));
			err = len < 0 ? len :
			      vrrp_io_send(&in->io->io, &in->v.cfg.primary,
					   &dst[i], buf, len);
			if (err && !in->send_failing && !in->fault)
				log_warn("vrrp %u (%s): sending to %s: %s",
					 in->c.vrid, fam_str(in->family),
					 addr_str(&dst[i], an, sizeof(an)),
					 strerror(-err));
			in->send_failing = err != 0;
		}
	}
	if (out->act & VRRP_ACT_TAKEOVER) {
		for (i = 0; i < in->v.cfg.naddrs; i++)
			hold(in, &in->v.cfg.addrs[i]);
		announce_stop(in);
		announce_all(in);
		in->announce_left = VRRPD_ANNOUNCE_COUNT - 1;
		in->announce = ev_timer_add(in->vd->loop,
					    VRRPD_ANNOUNCE_REPEAT_MS,
					    announce_cb, in);
	}
	if (out->changed) {
		if (in->v.state == VRRP_STATE_BACKUP && in->v.master.family)
			addr_str(&in->v.master, mn, sizeof(mn));
		else
			snprintf(mn, sizeof(mn), "-");
		log_info("vrrp %u (%s) on %s: %s -> %s, transition %llu, "
			 "priority %u, master %s", in->c.vrid,
			 fam_str(in->family), in->ifname,
			 vrrp_state_str(out->from), vrrp_state_str(out->to),
			 (unsigned long long)out->seq, in->v.prio, mn);
		if (in->c.notify[0])
			notify(in, out);
	}
}

static void rx_drain(struct vio *io);

static void timer_cb(struct ev_loop *loop, void *arg)
{
	struct inst *in = arg;
	struct vrrp_out out;

	(void)loop;
	in->timer = NULL;
	/*
	 * A late loop (a busy host, a long reload) must not let a backup's
	 * master-down timer win over adverts already queued: take them
	 * first. They may re-arm the timer, or arm() just below does.
	 */
	if (in->v.state == VRRP_STATE_BACKUP) {
		rx_drain(in->io);
		if (in->timer)
			return;
	}
	vrrp_timer(&in->v, ev_now_ms(), &out);
	exec(in, &out);
	arm(in);
}

static void arm(struct inst *in)
{
	__u64 next = vrrp_next_timeout(&in->v), now = ev_now_ms();

	if (in->timer)
		ev_timer_cancel(in->vd->loop, in->timer);
	in->timer = NULL;
	if (next == VRRP_NO_TIMEOUT)
		return;
	in->timer = ev_timer_add(in->vd->loop, next > now ? next - now : 0,
				 timer_cb, in);
	if (!in->timer)
		log_err("vrrp %u: timer: %s", in->c.vrid, strerror(errno));
}

/* --- receiving --------------------------------------------------------- */

static void rx_cb(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	rx_drain(arg);
}

static void rx_drain(struct vio *io)
{
	struct vrrpd *vd = io->vd;
	__u8 buf[VRRP_PKT_MAX];
	struct vrrp_rx_info rx;
	struct vrrp_out out;
	struct inst *in, *any = NULL;
	int i, k, len, vrid;

	for (i = 0; i < RX_BURST; i++) {
		memset(&rx, 0, sizeof(rx));
		len = vrrp_io_recv(&io->io, buf, sizeof(buf), &rx);
		if (len == -EAGAIN)
			return;
		if (len < 0) {
			log_debug("vrrp: receive on ifindex %d: %s",
				  io->io.ifindex, strerror(-len));
			continue;
		}
		vrid = vrrp_pkt_vrid(buf, len);
		in = NULL;
		for (k = 0; k < VRRPD_INST_MAX; k++) {
			struct inst *c = &vd->inst[k];

			if (!c->used || c->io != io)
				continue;
			any = c;
			if (c->c.vrid == vrid)
				in = c;
		}
		if (!in) {
			/* Counted as a wrong VRID by every instance here. */
			for (k = 0; k < VRRPD_INST_MAX && any; k++)
				if (vd->inst[k].used && vd->inst[k].io == io)
					vrrp_decode(&vd->inst[k].v, buf, len,
						    &rx);
			continue;
		}
		if (vrrp_decode(&in->v, buf, len, &rx) != VRRP_OK)
			continue;
		vrrp_rx(&in->v, ev_now_ms(), &rx, &out);
		exec(in, &out);
		arm(in);
	}
}

/* --- sockets ------------------------------------------------------------- */

static struct vio *io_get(struct vrrpd *vd, __u8 family, int ifindex)
{
	struct vio *io, *free_io = NULL;
	int i, err;

	for (i = 0; i < VRRPD_INST_MAX; i++) {
		io = &vd->io[i];
		if (io->refs && io->io.family == family &&
		    io->io.ifindex == ifindex) {
			io->refs++;
			return io;
		}
		if (!io->refs && !free_io)
			free_io = io;
	}
	io = free_io;
	if (!io) {
		errno = ENOSPC;
		return NULL;
	}
	err = vrrp_io_open(&io->io, family, ifindex);
	if (err)
		goto fail;
	/* Joined even with unicast peers: harmless, and a peer-less
	 * instance may share the socket. */
	err = vrrp_io_join(&io->io) ?:
	      ev_fd_add(vd->loop, io->io.fd, EPOLLIN, rx_cb, io);
	if (err) {
		vrrp_io_close(&io->io);
		goto fail;
	}
	io->refs = 1;
	io->vd = vd;
	return io;
fail:
	errno = -err;
	return NULL;
}

static void io_put(struct vrrpd *vd, struct vio *io)
{
	if (--io->refs)
		return;
	ev_fd_del(vd->loop, io->io.fd);
	vrrp_io_close(&io->io);
}

/* --- tracking ------------------------------------------------------------- */

/* A VIP whose address in holds has backends and none of them up. */
static bool vips_down(const struct inst *in)
{
	const struct lb *lb = in->vd->lb;
	size_t i, j;

	for (i = 0; i < lb->n_vips; i++) {
		const struct lb_vip *v = &lb->vips[i];
		bool up = false;

		if (!v->n_be || !addr_in(&v->addr, in->v.cfg.addrs,
					 in->v.cfg.naddrs))
			continue;
		if (in->vd->vip_down) {
			if (in->vd->vip_down(in->vd->arg, v))
				return true;
			continue;
		}
		for (j = 0; j < v->n_be && !up; j++)
			up = !v->be[j].down;
		if (!up)
			return true;
	}
	return false;
}

static __u8 effective_prio(const struct inst *in)
{
	const char *dp = in->vd->conf->iface;
	int p = in->base;

	if (in->c.track_iface && dp[0] && strcmp(dp, in->ifname) &&
	    !link_ok(dp))
		p -= in->c.track_iface;
	if (in->c.track_vips && vips_down(in))
		p -= in->c.track_vips;
	return p < VRRP_PRIO_MIN ? VRRP_PRIO_MIN : p;
}

/* Link state and priority of one instance. */
static void track(struct inst *in)
{
	struct vrrp_out out;
	bool ok = link_ok(in->ifname);
	__u8 p;

	if (!ok && !in->fault) {
		log_warn("vrrp %u (%s): %s is down: stopping the instance",
			 in->c.vrid, fam_str(in->family), in->ifname);
		in->fault = true;
		vrrp_shutdown(&in->v, ev_now_ms(), &out);
		exec(in, &out);
		arm(in);
	}
	p = effective_prio(in);
	if (p != in->v.prio) {
		log_info("vrrp %u (%s): priority %u -> %u", in->c.vrid,
			 fam_str(in->family), in->v.prio, p);
		vrrp_set_priority(&in->v, ev_now_ms(), p, &out);
		exec(in, &out);
		arm(in);
	}
	if (ok && in->fault) {
		log_info("vrrp %u (%s): %s is up: starting the instance",
			 in->c.vrid, fam_str(in->family), in->ifname);
		in->fault = false;
		if (in->vd->link_up)
			in->vd->link_up(in->vd->arg, in->ifname);
		vrrp_start(&in->v, ev_now_ms(), &out);
		exec(in, &out);
		arm(in);
	}
}

static void track_cb(struct ev_loop *loop, void *arg)
{
	struct vrrpd *vd = arg;
	int i;

	for (i = 0; i < VRRPD_INST_MAX; i++)
		if (vd->inst[i].used)
			track(&vd->inst[i]);
	vd->track = ev_timer_add(loop, VRRPD_TRACK_MS, track_cb, vd);
}

/* --- instances ---------------------------------------------------------- */

static void inst_stop(struct inst *in)
{
	struct vrrp_out out;

	vrrp_shutdown(&in->v, ev_now_ms(), &out);
	exec(in, &out);
	arm(in);
	announce_stop(in);
}

static void inst_free(struct inst *in)
{
	inst_stop(in);
	io_put(in->vd, in->io);
	in->used = false;
}

/* The core's configuration for statement c in family, or -errno. */
static int make_cfg(const struct conf *conf, const struct cmd_vrrp *c,
		    const char *ifname, __u8 family, __u8 prio,
		    const struct ip_addr *addrs, unsigned int n,
		    struct vrrp_cfg *cfg)
{
	unsigned int i;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	cfg->vrid = c->vrid;
	cfg->prio = prio;
	cfg->interval_cs = c->advert_cs;
	cfg->preempt = !c->nopreempt;
	cfg->preempt_delay_ms = c->preempt_delay_ms;
	err = primary_addr(conf, ifname, family, &cfg->primary);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (addrs[i].family == family)
			cfg->addrs[cfg->naddrs++] = addrs[i];
	if (c->peer.family == family)
		cfg->peers[cfg->npeers++] = c->peer;
	return 0;
}

static struct inst *inst_find(struct vrrpd *vd, __u8 vrid, __u8 family)
{
	int i;

	for (i = 0; i < VRRPD_INST_MAX; i++)
		if (vd->inst[i].used && vd->inst[i].c.vrid == vrid &&
		    vd->inst[i].family == family)
			return &vd->inst[i];
	return NULL;
}

/* Settings that only a restart of the instance can change. */
static bool needs_restart(const struct cmd_vrrp *a, const struct cmd_vrrp *b)
{
	return a->advert_cs != b->advert_cs || a->nopreempt != b->nopreempt ||
	       a->preempt_delay_ms != b->preempt_delay_ms ||
	       addr_cmp(&a->peer, &b->peer) || strcmp(a->iface, b->iface);
}

/* keep: the counters of the instance this one replaces, so that the
 * transitions stay numbered from the daemon's start. */
static void inst_new(struct vrrpd *vd, const struct cmd_vrrp *c,
		     const char *ifname, __u8 family,
		     const struct ip_addr *addrs, unsigned int n,
		     const struct vrrp_stats *keep)
{
	struct inst *in = NULL;
	struct vrrp_cfg cfg;
	struct vrrp_out out;
	unsigned int i;
	int k, err;

	for (k = 0; k < VRRPD_INST_MAX && !in; k++)
		if (!vd->inst[k].used)
			in = &vd->inst[k];
	if (!in) {	/* the removed ones are freed first: cannot happen */
		log_err("vrrp %u: too many instances", c->vrid);
		return;
	}
	memset(in, 0, sizeof(*in));
	in->vd = vd;
	in->c = *c;
	in->family = family;
	in->base = c->prio;
	snprintf(in->ifname, sizeof(in->ifname), "%s", ifname);
	in->ifindex = if_nametoindex(ifname);
	if (!in->ifindex) {
		log_err("vrrp %u: interface %s: %s", c->vrid, ifname,
			strerror(errno));
		return;
	}
	err = make_cfg(vd->conf, c, ifname, family, c->prio, addrs, n, &cfg);
	if (err) {
		log_err("vrrp %u (%s): no %s address on %s to send from",
			c->vrid, fam_str(family),
			family == XLB_AF_INET6 ? "IPv6" : "IPv4", ifname);
		return;
	}
	err = vrrp_init(&in->v, &cfg);
	if (err) {
		log_err("vrrp %u (%s): invalid instance (a peer equal to the "
			"address of %s?)", c->vrid, fam_str(family), ifname);
		return;
	}
	in->io = io_get(vd, family, in->ifindex);
	if (!in->io) {
		log_err("vrrp %u (%s): socket on %s: %s", c->vrid,
			fam_str(family), ifname, strerror(errno));
		return;
	}
	in->used = true;
	if (keep)
		in->v.stats = *keep;
	if (!vd->synced)	/* left by an earlier run */
		for (i = 0; i < in->v.cfg.naddrs; i++)
			release(in, &in->v.cfg.addrs[i]);
	in->fault = !link_ok(ifname);
	log_info("vrrp %u (%s) on %s: priority %u, advert %ums, %u "
		 "address%s%s", c->vrid, fam_str(family), ifname, c->prio,
		 c->advert_cs * 10, in->v.cfg.naddrs,
		 in->v.cfg.naddrs == 1 ? "" : "es",
		 in->fault ? "; link down, waiting" : "");
	if (!in->fault) {
		vrrp_start(&in->v, ev_now_ms(), &out);
		exec(in, &out);
		arm(in);
	}
	track(in);
}

/* New addresses (and statement) of a running instance. */
static void inst_update(struct inst *in, const struct cmd_vrrp *c,
			const struct ip_addr *addrs, unsigned int n)
{
	struct vrrp_cfg cfg;
	struct vrrp tmp;
	bool master = in->v.state == VRRP_STATE_MASTER;
	unsigned int i;

	if (make_cfg(in->vd->conf, c, in->ifname, in->family, in->v.prio,
		     addrs, n, &cfg) ||
	    vrrp_init(&tmp, &cfg)) {
		log_err("vrrp %u (%s): the new addresses do not make a valid "
			"instance; keeping the running one", c->vrid,
			fam_str(in->family));
		return;
	}
	for (i = 0; master && i < in->v.cfg.naddrs; i++)
		if (!addr_in(&in->v.cfg.addrs[i], cfg.addrs, cfg.naddrs))
			release(in, &in->v.cfg.addrs[i]);
	for (i = 0; master && i < cfg.naddrs; i++)
		if (!addr_in(&cfg.addrs[i], in->v.cfg.addrs, in->v.cfg.naddrs)) {
			hold(in, &cfg.addrs[i]);
			vrrp_io_announce(in->ifindex, &cfg.addrs[i]);
		}
	if (cfg.naddrs != in->v.cfg.naddrs ||
	    memcmp(cfg.addrs, in->v.cfg.addrs,
		   cfg.naddrs * sizeof(cfg.addrs[0])))
		log_info("vrrp %u (%s): now %u address%s", c->vrid,
			 fam_str(in->family), cfg.naddrs,
			 cfg.naddrs == 1 ? "" : "es");
	in->v.cfg.naddrs = cfg.naddrs;
	memcpy(in->v.cfg.addrs, cfg.addrs, sizeof(cfg.addrs));
	if (c->prio != in->c.prio)
		in->base = c->prio;
	in->c = *c;
	track(in);
}

void vrrpd_sync(struct vrrpd *vd)
{
	const struct conf *conf = vd->conf;
	struct ip_addr addrs[VRRP_ADDRS_MAX];
	static const __u8 fams[] = { XLB_AF_INET, XLB_AF_INET6 };
	size_t i, n;
	unsigned int f, k, nf;
	struct vrrp_stats keep;
	bool kept;
	struct inst *in;

	/* Instances whose VRID is gone first, so that slots are free. */
	for (k = 0; k < VRRPD_INST_MAX; k++) {
		in = &vd->inst[k];
		if (!in->used || conf_vrrp_find(conf, in->c.vrid))
			continue;
		log_info("vrrp %u (%s): removed from the configuration",
			 in->c.vrid, fam_str(in->family));
		inst_free(in);
	}
	for (i = 0; i < conf->n_vrrp; i++) {
		const struct cmd_vrrp *c = &conf->vrrp[i];
		const char *ifname = c->iface[0] ? c->iface : conf->iface;

		n = conf_vrrp_addrs(conf, i, addrs, VRRP_ADDRS_MAX);
		for (f = 0; f < 2; f++) {
			for (k = 0, nf = 0; k < n; k++)
				nf += addrs[k].family == fams[f];
			in = inst_find(vd, c->vrid, fams[f]);
			kept = false;
			if (in && (!nf || needs_restart(&in->c, c))) {
				if (nf)
					log_info("vrrp %u (%s): settings "
						 "changed: restarting",
						 c->vrid, fam_str(fams[f]));
				inst_free(in);
				/* Counted up to the shutdown just done. */
				keep = in->v.stats;
				kept = true;
				in = NULL;
			}
			if (!nf)
				continue;
			if (in)
				inst_update(in, c, addrs, n);
			else
				inst_new(vd, c, ifname, fams[f], addrs, n,
					 kept ? &keep : NULL);
		}
	}
	vd->synced = true;
	if (!vd->track && conf->n_vrrp)
		vd->track = ev_timer_add(vd->loop, VRRPD_TRACK_MS, track_cb,
					 vd);
}

int vrrpd_set_priority(struct vrrpd *vd, __u8 vrid, __u8 prio, char *err,
		       size_t errlen)
{
	bool found = false;
	int k;

	for (k = 0; k < VRRPD_INST_MAX; k++) {
		struct inst *in = &vd->inst[k];

		if (!in->used || in->c.vrid != vrid)
			continue;
		found = true;
		in->base = prio;
		track(in);
	}
	if (!found) {
		snprintf(err, errlen, "no vrrp instance %u", vrid);
		return -ENOENT;
	}
	return 0;
}

/* --- queries --------------------------------------------------------- */

static void jstr(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void ju64(struct json_object *o, const char *k, __u64 v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static struct json_object *inst_json(const struct inst *in)
{
	struct json_object *o = json_object_new_object();
	struct json_object *drops = json_object_new_object();
	struct json_object *addrs = json_object_new_array();
	const struct vrrp_stats *st = &in->v.stats;
	char buf[ADDR_STRLEN];
	__u64 dropped = 0;
	unsigned int i;

	ju64(o, "vrid", in->c.vrid);
	jstr(o, "family", fam_str(in->family));
	jstr(o, "interface", in->ifname);
	jstr(o, "state", vrrp_state_str(in->v.state));
	json_object_object_add(o, "link_down",
			       json_object_new_boolean(in->fault));
	ju64(o, "priority", in->v.prio);
	ju64(o, "base_priority", in->base);
	jstr(o, "primary", addr_str(&in->v.cfg.primary, buf, sizeof(buf)));
	if (in->v.state == VRRP_STATE_MASTER)
		jstr(o, "master", buf);
	else if (in->v.state == VRRP_STATE_BACKUP && in->v.master.family)
		jstr(o, "master", addr_str(&in->v.master, buf, sizeof(buf)));
	else
		jstr(o, "master", "-");
	ju64(o, "master_priority", in->v.master_prio);
	ju64(o, "advert_ms", in->v.cfg.interval_cs * 10ull);
	ju64(o, "master_down_ms", vrrp_master_down_ms(&in->v));
	json_object_object_add(o, "preempt",
			       json_object_new_boolean(in->v.cfg.preempt));
	ju64(o, "transitions", st->transitions);
	ju64(o, "became_master", st->became_master);
	ju64(o, "became_backup", st->became_backup);
	ju64(o, "rx_adverts", st->rx_adverts);
	ju64(o, "tx_adverts", st->tx_adverts);
	for (i = VRRP_OK + 1; i < VRRP_DROP_MAX; i++) {
		ju64(drops, vrrp_drop_str(i), st->drops[i]);
		dropped += st->drops[i];
	}
	ju64(o, "dropped", dropped);
	json_object_object_add(o, "drops", drops);
	for (i = 0; i < in->v.cfg.naddrs; i++)
		json_object_array_add(addrs, json_object_new_string(
			addr_str(&in->v.cfg.addrs[i], buf, sizeof(buf))));
	json_object_object_add(o, "addresses", addrs);
	return o;
}

static int inst_order(const void *x, const void *y)
{
	const struct inst *a = *(const struct inst *const *)x;
	const struct inst *b = *(const struct inst *const *)y;

	if (a->c.vrid != b->c.vrid)
		return a->c.vrid < b->c.vrid ? -1 : 1;
	return a->family < b->family ? -1 : a->family > b->family;
}

struct json_object *vrrpd_show(struct vrrpd *vd)
{
	struct json_object *data = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	const struct inst *list[VRRPD_INST_MAX];
	size_t k, n = 0;

	for (k = 0; k < VRRPD_INST_MAX; k++)
		if (vd->inst[k].used)
			list[n++] = &vd->inst[k];
	qsort(list, n, sizeof(list[0]), inst_order);
	for (k = 0; k < n; k++)
		json_object_array_add(arr, inst_json(list[k]));
	json_object_object_add(data, "instances", arr);
	return data;
}

size_t vrrpd_stats(const struct vrrpd *vd, struct stats_vrrp *out,
		   size_t max)
{
	const struct inst *list[VRRPD_INST_MAX];
	size_t k, n = 0, m = 0;

	for (k = 0; k < VRRPD_INST_MAX; k++)
		if (vd->inst[k].used)
			list[n++] = &vd->inst[k];
	qsort(list, n, sizeof(list[0]), inst_order);
	for (k = 0; k < n && m < max; k++) {
		const struct vrrp_stats *st = &list[k]->v.stats;

		/* XLB_AF_INET sorts first: the IPv4 instance stands for its
		 * VRID, in every family. */
		if (m && out[m - 1].vrid == list[k]->c.vrid)
			continue;
		out[m].vrid = list[k]->c.vrid;
		out[m].state = list[k]->v.state == VRRP_STATE_MASTER ?
			       STATS_VRRP_MASTER :
			       list[k]->v.state == VRRP_STATE_BACKUP ?
			       STATS_VRRP_BACKUP : STATS_VRRP_INIT;
		out[m].prio = list[k]->v.prio;
		out[m].transitions = st->transitions;
		out[m].tx_adverts = st->tx_adverts;
		out[m].rx_adverts = st->rx_adverts;
		memcpy(out[m].drops, st->drops, sizeof(out[m].drops));
		m++;
	}
	return m;
}

/* --- life cycle ---------------------------------------------------------- */

int vrrpd_new(struct vrrpd **out, struct ev_loop *loop,
	      const struct conf *conf, const struct lb *lb,
	      void (*link_up)(void *arg, const char *ifname),
	      bool (*vip_down)(void *arg, const struct lb_vip *v), void *arg)
{
	struct vrrpd *vd = calloc(1, sizeof(*vd));

	if (!vd)
		return -ENOMEM;
	vd->loop = loop;
	vd->conf = conf;
	vd->lb = lb;
	vd->link_up = link_up;
	vd->vip_down = vip_down;
	vd->arg = arg;
	*out = vd;
	return 0;
}

/* A master resigns with priority 0 and releases its addresses. */
void vrrpd_free(struct vrrpd *vd)
{
	int k;

	if (!vd)
		return;
	for (k = 0; k < VRRPD_INST_MAX; k++)
		if (vd->inst[k].used)
			inst_free(&vd->inst[k]);
	if (vd->track)
		ev_timer_cancel(vd->loop, vd->track);
	free(vd);
}
