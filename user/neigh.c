// SPDX-License-Identifier: GPL-2.0
/* rtnetlink: managed neighbour entries and route lookups. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "xlb.h"
#include "neigh.h"

#ifndef NTF_EXT_MANAGED
#define NTF_EXT_MANAGED	(1 << 0)
#endif
#ifndef NDA_FLAGS_EXT
#define NDA_FLAGS_EXT	15
#endif

/* The valid states of the kernel's neighbour table (include/net/neighbour.h):
 * the only ones in which bpf_fib_lookup() returns a MAC address. */
#define NEIGH_NUD_VALID	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | \
			 NUD_PROBE | NUD_STALE | NUD_DELAY)

/* One managed next hop. */
struct neigh_entry {
	int ifindex;
	struct ip_addr addr;
	__u16 state;		/* NUD_* as last seen; NUD_NONE: no entry */
	bool reported;		/* overdue: reported once */
	__u64 since_ms;		/* unresolved since */
	__u64 losses;		/* resolved -> unresolved */
	bool gone;		/* deleted under us: to add again */
};

/* One backend address and its next hop; kept sorted by address. */
struct neigh_target {
	struct ip_addr addr;
	int err;		/* route lookup, 0 or -errno */
	int ifindex;
	struct ip_addr via;
};

struct neigh {
	int fd;			/* requests and their answers */
	int ev_fd;		/* neighbour and route events */
	__u32 seq;
	struct neigh_entry *e;
	size_t n, cap;
	struct neigh_target *t;
	size_t n_t;
};

/* A request: header, family message and attributes in one buffer. */
struct nl_req {
	char buf[256] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static int events_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int groups[] = { RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE };
	int fd, buf = 1 << 20, err;
	size_t i;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			       &groups[i], sizeof(groups[i])))
			goto fail;
	/* A burst (a link flap with many backends) fits; an overflow is
	 * noticed (ENOBUFS) and made good by reading every state. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int neigh_open(struct neigh **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct neigh *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return -ENOMEM;
	n->ev_fd = -1;
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->fd < 0 || bind(n->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto fail;
	}
	n->ev_fd = events_open();
	if (n->ev_fd < 0) {
		err = n->ev_fd;
		goto fail;
	}
	*out = n;
	return 0;
fail:
	if (n->fd >= 0)
		close(n->fd);
	free(n);
	return err;
}

int neigh_events_fd(const struct neigh *n)
{
	return n->ev_fd;
}

static void nl_attr(struct nlmsghdr *nh, int type, const void *data,
		    size_t len)
{
	struct rtattr *rta = (void *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int af_of(const struct ip_addr *a)
{
	return a->family == XLB_AF_INET ? AF_INET : AF_INET6;
}

static size_t alen_of(const struct ip_addr *a)
{
	return a->family == XLB_AF_INET ? 4 : 16;
}

/*
 * Send req and read the answer: for a request with NLM_F_ACK the ack's
 * error; otherwise the first message is copied into resp.
 */
static int nl_talk(struct neigh *n, struct nlmsghdr *req, void *resp,
		   size_t resp_len)
{
	char buf[8192];
	struct nlmsghdr *h;
	ssize_t len;

	req->nlmsg_seq = ++n->seq;
	if (send(n->fd, req, req->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		len = recv(n->fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (void *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != n->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (resp) {
				memcpy(resp, h, h->nlmsg_len < resp_len ?
				       h->nlmsg_len : resp_len);
				return 0;
			}
		}
	}
}

/* The next hop toward dst: the gateway of its route, or dst on-link. */
static int route_nexthop(struct neigh *n, const struct ip_addr *dst,
			 int *ifindex, struct ip_addr *nh)
{
	struct nl_req req = {};
	struct nlmsghdr *rh = (void *)req.buf;
	struct rtmsg *rq = NLMSG_DATA(rh);
	char resp[4096];
	struct nlmsghdr *h = (void *)resp;
	struct rtmsg *rt;
	struct rtattr *rta;
	int len, err;

	rh->nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	rh->nlmsg_type = RTM_GETROUTE;
	rh->nlmsg_flags = NLM_F_REQUEST;
	rq->rtm_family = af_of(dst);
	rq->rtm_dst_len = alen_of(dst) * 8;
	nl_attr(rh, RTA_DST, dst->a, alen_of(dst));
	memset(resp, 0, sizeof(resp));
	err = nl_talk(n, rh, resp, sizeof(resp));
	if (err)
		return err;
	if (h->nlmsg_type != RTM_NEWROUTE)
		return -EPROTO;
	rt = NLMSG_DATA(h);
	if (rt->rtm_type != RTN_UNICAST)
		return -ENETUNREACH;
	*nh = *dst;
	*ifindex = 0;
	len = RTM_PAYLOAD(h);
	for (rta = RTM_RTA(rt); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_OIF)
			*ifindex = *(int *)RTA_DATA(rta);
		else if (rta->rta_type == RTA_GATEWAY &&
			 RTA_PAYLOAD(rta) == alen_of(dst)) {
			memset(nh->a, 0, sizeof(nh->a));
			memcpy(nh->a, RTA_DATA(rta), alen_of(dst));
		}
	}
	return *ifindex ? 0 : -ENETUNREACH;
}

int neigh_onlink(struct neigh *n, const struct ip_addr *dst, int ifindex,
		 int *oif, struct ip_addr *via)
{
	int err = route_nexthop(n, dst, oif, via);

	if (err)
		return err;
	if (*oif != ifindex || addr_cmp(via, dst))
		return -EHOSTUNREACH;
	return 0;
}

static int neigh_msg(struct neigh *n, int type, int flags, int ifindex,
		     const struct ip_addr *a)
{
	struct nl_req req = {};
	struct nlmsghdr *nh = (void *)req.buf;
	struct ndmsg *nd = NLMSG_DATA(nh);
	__u32 ext = NTF_EXT_MANAGED;

	nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nd->ndm_family = af_of(a);
	nd->ndm_ifindex = ifindex;
	/* NUD_NONE + managed: the kernel resolves the entry itself and
	 * keeps an existing entry's state (no flap on a restart). */
	nd->ndm_state = NUD_NONE;
	nl_attr(nh, NDA_DST, a->a, alen_of(a));
	if (type == RTM_NEWNEIGH)
		nl_attr(nh, NDA_FLAGS_EXT, &ext, sizeof(ext));
	return nl_talk(n, nh, NULL, 0);
}

static bool entry_eq(const struct neigh_entry *e, int ifindex,
		     const struct ip_addr *a)
{
	return e->ifindex == ifindex && !addr_cmp(&e->addr, a);
}

static struct neigh_entry *entry_find(const struct neigh *n, int ifindex,
				      const struct ip_addr *a)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (entry_eq(&n->e[i], ifindex, a))
			return &n->e[i];
	return NULL;
}

static bool nud_valid(__u16 state)
{
	return state & NEIGH_NUD_VALID;
}

/* A next hop's state changed: keep the time it became unresolved and
 * count its losses. true if it (un)resolved. */
static bool entry_set(struct neigh_entry *e, __u16 state, __u64 now_ms)
{
	bool was = nud_valid(e->state), is = nud_valid(state);

	e->state = state;
	if (was == is)
		return false;
	if (!is) {
		e->since_ms = now_ms;
		e->reported = false;
		e->losses++;
	}
	return true;
}

/* The kernel's state of entry e: NUD_NONE when it has none. */
static __u16 entry_read(struct neigh *n, const struct neigh_entry *e)
{
	struct nl_req req = {};
	struct nlmsghdr *rh = (void *)req.buf;
	struct ndmsg *nd = NLMSG_DATA(rh);
	char resp[512];
	struct nlmsghdr *h = (void *)resp;

	rh->nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	rh->nlmsg_type = RTM_GETNEIGH;
	rh->nlmsg_flags = NLM_F_REQUEST;
	nd->ndm_family = af_of(&e->addr);
	nd->ndm_ifindex = e->ifindex;
	nl_attr(rh, NDA_DST, e->addr.a, alen_of(&e->addr));
	memset(resp, 0, sizeof(resp));
	if (nl_talk(n, rh, resp, sizeof(resp)) ||
	    h->nlmsg_type != RTM_NEWNEIGH)
		return NUD_NONE;
	return ((struct ndmsg *)NLMSG_DATA(h))->ndm_state;
}

static void warnf(void (*warn)(void *, const char *), void *arg,
		  const char *what, const struct ip_addr *a, int err)
{
	char msg[256], buf[ADDR_STRLEN];

	if (!warn)
		return;
	snprintf(msg, sizeof(msg), "%s %s: %s", what,
		 addr_str(a, buf, sizeof(buf)), strerror(-err));
	warn(arg, msg);
}

static int target_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct neigh_target *)a)->addr,
			&((const struct neigh_target *)b)->addr);
}

static const struct neigh_target *target_find(const struct neigh *n,
					      const struct ip_addr *addr)
{
	struct neigh_target key = { .addr = *addr };

	return n->n_t ? bsearch(&key, n->t, n->n_t, sizeof(*n->t),
				target_cmp) : NULL;
}

static bool wanted(const struct neigh_target *t, size_t n_t,
		   const struct neigh_entry *e)
{
	size_t i;

	for (i = 0; i < n_t; i++)
		if (!t[i].err && entry_eq(e, t[i].ifindex, &t[i].via))
			return true;
	return false;
}

int neigh_sync(struct neigh *n, const struct ip_addr *addrs, size_t cnt,
	       __u64 now_ms, void (*warn)(void *arg, const char *msg),
	       void *arg)
{
	struct neigh_target *t;
	size_t n_t = 0, i, j;
	int fails = 0, err;

	t = calloc(cnt ? cnt : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < cnt; i++)
		t[i].addr = addrs[i];
	qsort(t, cnt, sizeof(*t), target_cmp);
	for (i = 0; i < cnt; i++)
		if (!n_t || addr_cmp(&t[n_t - 1].addr, &t[i].addr))
			t[n_t++] = t[i];
	/* Make room for every next hop first: nothing below can fail for
	 * want of memory. */
	if (n->cap < n->n + n_t) {
		struct neigh_entry *p = realloc(n->e, (n->n + n_t) *
						sizeof(*p));

		if (!p) {
			free(t);
			return -ENOMEM;
		}
		n->e = p;
		n->cap = n->n + n_t;
	}
	for (i = 0; i < n_t; i++) {
		const struct neigh_target *was = target_find(n, &t[i].addr);

		t[i].err = route_nexthop(n, &t[i].addr, &t[i].ifindex,
					 &t[i].via);
		if (!t[i].err)
			continue;
		fails++;
		/* Once per backend and cause, however many route events
		 * follow. */
		if (!was || was->err != t[i].err)
			warnf(warn, arg, "no route to backend", &t[i].addr,
			      t[i].err);
	}
	/* Delete ours that are no longer wanted. */
	for (i = 0; i < n->n;) {
		if (wanted(t, n_t, &n->e[i])) {
			i++;
			continue;
		}
		err = neigh_msg(n, RTM_DELNEIGH, 0, n->e[i].ifindex,
				&n->e[i].addr);
		if (err && err != -ENOENT) {
			warnf(warn, arg, "removing neighbour", &n->e[i].addr,
			      err);
			fails++;
		}
		n->e[i] = n->e[--n->n];
	}
	/* Add the missing ones (re-adding is harmless after a restart: the
	 * kernel keeps a managed entry's state) and read their state. */
	for (j = 0; j < n_t; j++) {
		struct neigh_entry *e;

		if (t[j].err || entry_find(n, t[j].ifindex, &t[j].via))
			continue;
		err = neigh_msg(n, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
				t[j].ifindex, &t[j].via);
		if (err) {
			warnf(warn, arg, "adding managed neighbour",
			      &t[j].via, err);
			fails++;
		}
		e = &n->e[n->n++];
		memset(e, 0, sizeof(*e));
		e->ifindex = t[j].ifindex;
		e->addr = t[j].via;
		e->since_ms = now_ms;
		e->state = err ? NUD_NONE : entry_read(n, e);
	}
	free(n->t);
	n->t = t;
	n->n_t = n_t;
	return fails;
}

void neigh_refresh(struct neigh *n, __u64 now_ms)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		struct neigh_entry *e = &n->e[i];

		e->gone = false;
		neigh_msg(n, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
			  e->ifindex, &e->addr);
		entry_set(e, entry_read(n, e), now_ms);
	}
}

static void reread(struct neigh *n, __u64 now_ms)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		entry_set(&n->e[i], entry_read(n, &n->e[i]), now_ms);
}

static int neigh_ev(struct neigh *n, const struct nlmsghdr *h, __u64 now_ms)
{
	const struct ndmsg *nd = NLMSG_DATA(h);
	struct ip_addr a = {};
	const struct rtattr *rta;
	struct neigh_entry *e;
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)))
		return 0;
	if (nd->ndm_family == AF_INET)
		a.family = XLB_AF_INET;
	else if (nd->ndm_family == AF_INET6)
		a.family = XLB_AF_INET6;
	else
		return 0;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	for (rta = (const void *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == NDA_DST &&
		    RTA_PAYLOAD(rta) == alen_of(&a))
			memcpy(a.a, RTA_DATA(rta), alen_of(&a));
	e = entry_find(n, nd->ndm_ifindex, &a);
	if (!e)
		return 0;
	if (h->nlmsg_type == RTM_DELNEIGH)
		e->gone = true;
	return entry_set(e, h->nlmsg_type == RTM_DELNEIGH ? NUD_NONE :
			 nd->ndm_state, now_ms) ? NEIGH_CHANGED_STATE : 0;
}

static int route_ev(const struct nlmsghdr *h)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	const struct rtattr *rta;
	__u32 table;
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) ||
	    (rt->rtm_flags & RTM_F_CLONED))
		return 0;
	table = rt->rtm_table;
	len = RTM_PAYLOAD(h);
	for (rta = RTM_RTA(rt); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == RTA_TABLE &&
		    RTA_PAYLOAD(rta) == sizeof(__u32))
			table = *(const __u32 *)RTA_DATA(rta);
	/* The local table changes with every address (VRRP adds and
	 * removes VIPs): it holds no route to a backend. */
	return table == RT_TABLE_LOCAL ? 0 : NEIGH_CHANGED_ROUTE;
}

int neigh_event(struct neigh *n, const struct nlmsghdr *h, __u64 now_ms)
{
	switch (h->nlmsg_type) {
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		return neigh_ev(n, h, now_ms);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return route_ev(h);
	default:
		return 0;
	}
}

/* Entries deleted under us (ip neigh flush, a carrier loss): the kernel
 * resolves nothing it has no entry for, so add them again. */
static void readd_gone(struct neigh *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		if (!n->e[i].gone)
			continue;
		n->e[i].gone = false;
		neigh_msg(n, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
			  n->e[i].ifindex, &n->e[i].addr);
	}
}

int neigh_input(struct neigh *n, __u64 now_ms)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h;
	int changed = 0;
	ssize_t len;

	for (;;) {
		len = recv(n->ev_fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				readd_gone(n);
				return changed;
			}
			if (errno != ENOBUFS)
				return -errno;
			/* Events were lost: read every state again, and
			 * look the routes up again. */
			reread(n, now_ms);
			changed |= NEIGH_CHANGED_STATE | NEIGH_CHANGED_ROUTE;
			continue;
		}
		for (h = (void *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len))
			changed |= neigh_event(n, h, now_ms);
	}
}

bool neigh_resolved(const struct neigh *n, const struct ip_addr *addr)
{
	struct neigh_info info;

	return !neigh_info(n, addr, &info) && info.resolved;
}

int neigh_info(const struct neigh *n, const struct ip_addr *addr,
	       struct neigh_info *info)
{
	const struct neigh_target *t = target_find(n, addr);
	const struct neigh_entry *e;

	memset(info, 0, sizeof(*info));
	if (!t)
		return -ENOENT;
	info->err = t->err;
	info->ifindex = t->ifindex;
	info->via = t->via;
	e = t->err ? NULL : entry_find(n, t->ifindex, &t->via);
	if (!e)
		return 0;
	info->state = e->state;
	info->resolved = nud_valid(e->state);
	info->since_ms = e->since_ms;
	info->losses = e->losses;
	return 0;
}

const char *neigh_state_str(__u16 state)
{
	static const struct {
		__u16 state;
		const char *name;
	} names[] = {
		{ NUD_INCOMPLETE, "incomplete" }, { NUD_REACHABLE, "reachable" },
		{ NUD_STALE, "stale" }, { NUD_DELAY, "delay" },
		{ NUD_PROBE, "probe" }, { NUD_FAILED, "failed" },
		{ NUD_NOARP, "noarp" }, { NUD_PERMANENT, "permanent" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (state & names[i].state)
			return names[i].name;
	return "none";
}

__u64 neigh_overdue(struct neigh *n, __u64 now_ms, __u64 bound_ms,
		    void (*report)(void *arg, const struct ip_addr *backend,
				   const struct neigh_info *info),
		    void *arg)
{
	__u64 next = UINT64_MAX;
	struct neigh_info info;
	size_t i, j;

	for (i = 0; i < n->n; i++) {
		struct neigh_entry *e = &n->e[i];

		if (nud_valid(e->state) || e->reported)
			continue;
		if (now_ms < e->since_ms + bound_ms) {
			if (e->since_ms + bound_ms < next)
				next = e->since_ms + bound_ms;
			continue;
		}
		e->reported = true;
		for (j = 0; j < n->n_t; j++) {
			if (n->t[j].err ||
			    !entry_eq(e, n->t[j].ifindex, &n->t[j].via))
				continue;
			neigh_info(n, &n->t[j].addr, &info);
			report(arg, &n->t[j].addr, &info);
		}
	}
	return next;
}

void neigh_close(struct neigh *n, bool remove)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; remove && i < n->n; i++)
		neigh_msg(n, RTM_DELNEIGH, 0, n->e[i].ifindex, &n->e[i].addr);
	close(n->fd);
	if (n->ev_fd >= 0)
		close(n->ev_fd);
	free(n->e);
	free(n->t);
	free(n);
}

static int sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int neigh_forwarding_on(const char *iface)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding",
		 iface);
	err = sysctl_write(path, "1");
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding",
		 iface);
	err = sysctl_write(path, "1");
	/* A kernel without IPv6 has no such file. */
	return err == -ENOENT ? 0 : err;
}
