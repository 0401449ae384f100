// SPDX-License-Identifier: GPL-2.0
/* rtnetlink: managed neighbour entries and route lookups. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

struct neigh_entry {
	int ifindex;
	struct ip_addr addr;
};

struct neigh {
	int fd;
	__u32 seq;
	struct neigh_entry *e;
	size_t n, cap;
};

/* A request: header, family message and attributes in one buffer. */
struct nl_req {
	char buf[256] __attribute__((aligned(NLMSG_ALIGNTO)));
};

int neigh_open(struct neigh **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct neigh *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return -ENOMEM;
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->fd < 0 || bind(n->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		if (n->fd >= 0)
			close(n->fd);
		free(n);
		return err;
	}
	*out = n;
	return 0;
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
	return e->ifindex == ifindex && e->addr.family == a->family &&
	       !memcmp(e->addr.a, a->a, sizeof(a->a));
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

int neigh_sync(struct neigh *n, const struct ip_addr *addrs, size_t cnt,
	       void (*warn)(void *arg, const char *msg), void *arg)
{
	struct neigh_entry *want;
	size_t n_want = 0, i, j;
	int fails = 0, err;

	want = calloc(cnt ? cnt : 1, sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (i = 0; i < cnt; i++) {
		struct neigh_entry e;

		err = route_nexthop(n, &addrs[i], &e.ifindex, &e.addr);
		if (err) {
			warnf(warn, arg, "no route to backend", &addrs[i], err);
			fails++;
			continue;
		}
		for (j = 0; j < n_want; j++)
			if (entry_eq(&want[j], e.ifindex, &e.addr))
				break;
		if (j == n_want)
			want[n_want++] = e;
	}
	/* Delete ours that are no longer wanted. */
	for (i = 0; i < n->n;) {
		for (j = 0; j < n_want; j++)
			if (entry_eq(&want[j], n->e[i].ifindex, &n->e[i].addr))
				break;
		if (j < n_want) {
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
	/* Add the missing ones (re-adding is harmless after a restart). */
	for (j = 0; j < n_want; j++) {
		for (i = 0; i < n->n; i++)
			if (entry_eq(&n->e[i], want[j].ifindex, &want[j].addr))
				break;
		if (i < n->n)
			continue;
		err = neigh_msg(n, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
				want[j].ifindex, &want[j].addr);
		if (err) {
			warnf(warn, arg, "adding managed neighbour",
			      &want[j].addr, err);
			fails++;
			continue;
		}
		if (n->n == n->cap) {
			size_t cap = n->cap ? 2 * n->cap : 16;
			struct neigh_entry *p = realloc(n->e, cap * sizeof(*p));

			if (!p) {
				free(want);
				return -ENOMEM;
			}
			n->e = p;
			n->cap = cap;
		}
		n->e[n->n++] = want[j];
	}
	free(want);
	return fails;
}

size_t neigh_count(const struct neigh *n)
{
	return n->n;
}

void neigh_close(struct neigh *n, bool remove)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; remove && i < n->n; i++)
		neigh_msg(n, RTM_DELNEIGH, 0, n->e[i].ifindex, &n->e[i].addr);
	close(n->fd);
	free(n->e);
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
