// SPDX-License-Identifier: GPL-2.0
/* VRRP sockets, virtual addresses and their announcement. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "vrrp_io.h"
#include "xlb.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX	62
#endif

#define IPV4_HDR_MAX	60
/* The kernel's INFINITY_LIFE_TIME (net/addrconf.h), not in the UAPI. */
#define LIFETIME_FOREVER	0xffffffffu

static int setopt(int fd, int level, int name, int val)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		return -errno;
	return 0;
}

int vrrp_io_open(struct vrrp_io *io, __u8 family, int ifindex)
{
	int fd, err;

	if ((family != XLB_AF_INET && family != XLB_AF_INET6) || ifindex <= 0)
		return -EINVAL;
	fd = socket(family == XLB_AF_INET ? AF_INET : AF_INET6,
		    SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IPPROTO);
	if (fd < 0)
		return -errno;
	/* Only this link: adverts are link-local by nature (TTL 255). */
	err = setopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, ifindex);
	if (err)
		goto err_close;
	if (family == XLB_AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = ifindex };

		err = setopt(fd, IPPROTO_IP, IP_TTL, VRRP_TTL) ?:
		      setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL) ?:
		      setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) ?:
		      setopt(fd, IPPROTO_IP, IP_PKTINFO, 1);
		if (!err && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
				       sizeof(mr)) < 0)
			err = -errno;
	} else {
		err = setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL) ?:
		      setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL) ?:
		      setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) ?:
		      setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex) ?:
		      setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) ?:
		      setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	}
	if (err)
		goto err_close;
	io->fd = fd;
	io->family = family;
	io->ifindex = ifindex;
	return 0;

err_close:
	close(fd);
	return err;
}

int vrrp_io_join(struct vrrp_io *io)
{
	if (io->family == XLB_AF_INET) {
		struct ip_mreqn mr = {
			.imr_multiaddr.s_addr = htonl(VRRP_MCAST4),
			.imr_ifindex = io->ifindex,
		};

		if (setsockopt(io->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
			       sizeof(mr)) < 0)
			return -errno;
	} else {
		struct ipv6_mreq mr = { .ipv6mr_interface = io->ifindex };

		mr.ipv6mr_multiaddr.s6_addr[0] = 0xff;
		mr.ipv6mr_multiaddr.s6_addr[1] = 0x02;
		mr.ipv6mr_multiaddr.s6_addr[15] = 0x12;
		if (setsockopt(io->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr,
			       sizeof(mr)) < 0)
			return -errno;
	}
	return 0;
}

void vrrp_io_close(struct vrrp_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

int vrrp_io_send(struct vrrp_io *io, const struct ip_addr *src,
		 const struct ip_addr *dst, const void *msg, size_t len)
{
	union {
		char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (src->family != io->family || dst->family != io->family)
		return -EINVAL;
	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_control = &cbuf;
	cm = (struct cmsghdr *)&cbuf;
	/* The source is in the checksum: pin it, and the interface. */
	if (io->family == XLB_AF_INET) {
		struct in_pktinfo pi = { .ipi_ifindex = io->ifindex };

		memcpy(&pi.ipi_spec_dst, src->a, 4);
		memcpy(&sin.sin_addr, dst->a, 4);
		mh.msg_name = &sin;
		mh.msg_namelen = sizeof(sin);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_ifindex = io->ifindex };

		memcpy(&pi.ipi6_addr, src->a, 16);
		memcpy(&sin6.sin6_addr, dst->a, 16);
		sin6.sin6_scope_id = io->ifindex;
		mh.msg_name = &sin6;
		mh.msg_namelen = sizeof(sin6);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	if (sendmsg(io->fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

/* Raw IPv4 sockets deliver the IP header: addresses and TTL come from it. */
static int recv4(struct vrrp_io *io, void *buf, size_t len,
		 struct vrrp_rx_info *rx)
{
	__u8 pkt[IPV4_HDR_MAX + VRRP_PKT_MAX];
	size_t ihl;
	ssize_t n;

	n = recv(io->fd, pkt, sizeof(pkt), MSG_TRUNC);
	if (n < 0)
		return -errno;
	if ((size_t)n > sizeof(pkt))
		return -EMSGSIZE;
	if (n < 20 || pkt[0] >> 4 != 4)
		return -EBADMSG;
	ihl = (pkt[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > (size_t)n || pkt[9] != VRRP_IPPROTO)
		return -EBADMSG;
	if ((size_t)n - ihl > len)
		return -EMSGSIZE;
	memset(&rx->src, 0, sizeof(rx->src));
	memset(&rx->dst, 0, sizeof(rx->dst));
	rx->src.family = rx->dst.family = XLB_AF_INET;
	memcpy(rx->src.a, pkt + 12, 4);
	memcpy(rx->dst.a, pkt + 16, 4);
	rx->ttl = pkt[8];
	memcpy(buf, pkt + ihl, n - ihl);
	return n - ihl;
}

static int recv6(struct vrrp_io *io, void *buf, size_t len,
		 struct vrrp_rx_info *rx)
{
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		  CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct sockaddr_in6 sin6;
	struct msghdr mh = {
		.msg_name = &sin6, .msg_namelen = sizeof(sin6),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	bool have_dst = false, have_hl = false;
	struct cmsghdr *cm;
	ssize_t n;

	n = recvmsg(io->fd, &mh, 0);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	memset(&rx->src, 0, sizeof(rx->src));
	memset(&rx->dst, 0, sizeof(rx->dst));
	rx->src.family = rx->dst.family = XLB_AF_INET6;
	memcpy(rx->src.a, &sin6.sin6_addr, 16);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(rx->dst.a, &pi.ipi6_addr, 16);
			have_dst = true;
		} else if (cm->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(&rx->ttl, CMSG_DATA(cm), sizeof(int));
			have_hl = true;
		}
	}
	/* Without them the checksum and TTL checks cannot be made. */
	if (!have_dst || !have_hl)
		return -EBADMSG;
	return n;
}

int vrrp_io_recv(struct vrrp_io *io, void *buf, size_t len,
		 struct vrrp_rx_info *rx)
{
	if (io->family == XLB_AF_INET)
		return recv4(io, buf, len, rx);
	return recv6(io, buf, len, rx);
}

/* ---- addresses ----------------------------------------------------- */

static void nl_attr(struct nlmsghdr *nh, unsigned short type,
		    const void *data, size_t len)
{
	struct rtattr *rta = (void *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send one request and wait for its acknowledgement. */
static int nl_talk(struct nlmsghdr *req)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char ans[512];
	struct nlmsghdr *nh;
	int fd, err;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	req->nlmsg_seq = 1;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		err = -errno;
		goto out;
	}
	n = recv(fd, ans, sizeof(ans), 0);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	nh = (struct nlmsghdr *)ans;
	if (!NLMSG_OK(nh, (size_t)n) || nh->nlmsg_type != NLMSG_ERROR ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		err = -EPROTO;
		goto out;
	}
	err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
out:
	close(fd);
	return err;
}

static int addr_change(int ifindex, const struct ip_addr *a, bool add)
{
	union {
		struct nlmsghdr nh;	/* aligns buf */
		char buf[NLMSG_SPACE(sizeof(struct ifaddrmsg)) +
			 2 * RTA_SPACE(16) +
			 RTA_SPACE(sizeof(struct ifa_cacheinfo))];
	} req;
	struct nlmsghdr *nh = &req.nh;
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	size_t alen = a->family == XLB_AF_INET6 ? 16 : 4;

	if ((a->family != XLB_AF_INET && a->family != XLB_AF_INET6) ||
	    ifindex <= 0)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	nh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (add)
		nh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	ifa->ifa_family = a->family == XLB_AF_INET6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = alen * 8;
	ifa->ifa_index = ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	nl_attr(nh, IFA_LOCAL, a->a, alen);
	nl_attr(nh, IFA_ADDRESS, a->a, alen);
	if (add && a->family == XLB_AF_INET6) {
		/* Deprecated from the start (preferred lifetime 0): still
		 * received and answered for, but never chosen as a source.
		 * A /128 matches an on-link peer's address longer than the
		 * host's own /64 does, so the host's IPv6 connections to the
		 * backends (health checks) would come from the VIP, and the
		 * backends, which hold it on lo, answer themselves. */
		struct ifa_cacheinfo ci = {
			.ifa_prefered = 0,
			.ifa_valid = LIFETIME_FOREVER,
		};

		/* The peer still held it a moment ago: DAD would only
		 * fail. */
		ifa->ifa_flags = IFA_F_NODAD;
		nl_attr(nh, IFA_CACHEINFO, &ci, sizeof(ci));
	}
	return nl_talk(nh);
}

int vrrp_io_addr_add(int ifindex, const struct ip_addr *a)
{
	return addr_change(ifindex, a, true);
}

int vrrp_io_addr_del(int ifindex, const struct ip_addr *a)
{
	int err = addr_change(ifindex, a, false);

	return err == -EADDRNOTAVAIL ? 0 : err;
}

/* ---- announcements ------------------------------------------------- */

static int if_mac(int ifindex, __u8 mac[ETH_ALEN])
{
	struct ifreq ifr = { .ifr_ifindex = ifindex };
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFNAME, &ifr) < 0 ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		err = -EOPNOTSUPP;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

static int garp(int ifindex, const struct ip_addr *a, const __u8 *mac)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	__u8 arp[28] = {
		0x00, 0x01,		/* Ethernet */
		0x08, 0x00,		/* IPv4 */
		ETH_ALEN, 4,
		0x00, 0x01,		/* request */
	};
	int fd, err = 0;

	/* Sender and target address both the VIP: RFC 5227's announcement. */
	memcpy(arp + 8, mac, ETH_ALEN);
	memcpy(arp + 14, a->a, 4);
	memcpy(arp + 24, a->a, 4);
	/* Protocol 0: this socket only sends. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, arp, sizeof(arp), 0, (struct sockaddr *)&sll,
		   sizeof(sll)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int unsolicited_na(int ifindex, const struct ip_addr *a,
			  const __u8 *mac)
{
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct sockaddr_in6 all = {
		.sin6_family = AF_INET6,
		.sin6_scope_id = ifindex,
	};
	struct in6_pktinfo pi = { .ipi6_ifindex = ifindex };
	struct nd_neighbor_advert na = { 0 };
	__u8 msg[sizeof(na) + 8];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) };
	struct msghdr mh = {
		.msg_name = &all, .msg_namelen = sizeof(all),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd, err;

	all.sin6_addr.s6_addr[0] = 0xff;
	all.sin6_addr.s6_addr[1] = 0x02;
	all.sin6_addr.s6_addr[15] = 0x01;
	/* Override: neighbours replace the old master's link address.
	 * Not solicited (to all nodes), not a router. The kernel fills
	 * in the ICMPv6 checksum. */
	na.nd_na_type = ND_NEIGHBOR_ADVERT;
	na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	memcpy(&na.nd_na_target, a->a, 16);
	memcpy(msg, &na, sizeof(na));
	msg[sizeof(na)] = ND_OPT_TARGET_LINKADDR;
	msg[sizeof(na) + 1] = 1;		/* 8 octets */
	memcpy(msg + sizeof(na) + 2, mac, ETH_ALEN);

	memcpy(&pi.ipi6_addr, a->a, 16);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	/* Receivers drop neighbour discovery with a hop limit below 255. */
	err = setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
	if (!err && sendmsg(fd, &mh, 0) < 0)
		err = -errno;
	close(fd);
	return err;
}

int vrrp_io_announce(int ifindex, const struct ip_addr *a)
{
	__u8 mac[ETH_ALEN];
	int err;

	if (a->family != XLB_AF_INET && a->family != XLB_AF_INET6)
		return -EINVAL;
	err = if_mac(ifindex, mac);
	if (err)
		return err;
	if (a->family == XLB_AF_INET)
		return garp(ifindex, a, mac);
	return unsolicited_na(ifindex, a, mac);
}
