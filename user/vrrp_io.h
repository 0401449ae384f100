/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VRRP's contact with the network: the raw IPPROTO_VRRP socket of one
 * interface and family, the virtual addresses (rtnetlink) and their
 * announcement (gratuitous ARP, unsolicited neighbour advertisement).
 * The protocol itself is in vrrp.c; nothing here decides anything.
 */
#ifndef XLB_VRRP_IO_H
#define XLB_VRRP_IO_H

#include <stddef.h>
#include <linux/types.h>

#include "addr.h"
#include "vrrp.h"

struct vrrp_io {
	int fd;
	__u8 family;
	int ifindex;
};

/*
 * Open a non-blocking raw VRRP socket on ifindex for family: sends with
 * TTL / hop limit 255, no multicast loopback, and receives only what
 * arrives on ifindex. One socket serves every VRID of the interface
 * (dispatch with vrrp_pkt_vrid()). 0 or -errno.
 */
int vrrp_io_open(struct vrrp_io *io, __u8 family, int ifindex);
/* Join 224.0.0.18 or ff02::12 on the interface (not needed for unicast
 * peers). 0 or -errno. */
int vrrp_io_join(struct vrrp_io *io);
void vrrp_io_close(struct vrrp_io *io);
/* Send a VRRP message (from vrrp_build()) from src, which must be an
 * address of the interface, to dst. 0 or -errno. */
int vrrp_io_send(struct vrrp_io *io, const struct ip_addr *src,
		 const struct ip_addr *dst, const void *msg, size_t len);
/*
 * Receive one packet: copy the VRRP message (from the version field) to
 * buf and set rx->src, rx->dst and rx->ttl for vrrp_decode(). Returns the
 * message length, -EAGAIN when nothing is queued, -EMSGSIZE (larger than
 * len), -EBADMSG (broken IPv4 header) or another -errno.
 */
int vrrp_io_recv(struct vrrp_io *io, void *buf, size_t len,
		 struct vrrp_rx_info *rx);

/* Add a as a host address (/32, /128) on ifindex; present already is
 * fine. IPv6 without DAD, so it is usable at once, and deprecated
 * (preferred lifetime 0), so the host never picks it as a source for its
 * own connections. 0 or -errno. */
int vrrp_io_addr_add(int ifindex, const struct ip_addr *a);
/* Remove it; absent already is fine. 0 or -errno. */
int vrrp_io_addr_del(int ifindex, const struct ip_addr *a);
/* Tell the link that a is here now: a gratuitous ARP request (IPv4) or
 * an unsolicited neighbour advertisement with Override to all nodes
 * (IPv6, sent from a, which must be on the interface). 0 or -errno. */
int vrrp_io_announce(int ifindex, const struct ip_addr *a);

#endif /* XLB_VRRP_IO_H */
