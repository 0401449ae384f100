/* SPDX-License-Identifier: GPL-2.0 */
/* Addresses, ports and durations as operators write them. */
#ifndef XLB_ADDR_H
#define XLB_ADDR_H

#include <stddef.h>
#include <linux/types.h>

/* An IPv4 or IPv6 address; IPv4 sits in a[0], the rest zero. */
struct ip_addr {
	__u8 family;		/* XLB_AF_INET or XLB_AF_INET6; 0 = unset */
	__u8 pad[3];
	__be32 a[4];
};

#define ADDR_STRLEN	48	/* "[ffff:...:ffff]:65535" fits */

/* "198.18.0.1" or "2001:db8::1". 0 or -EINVAL. */
int addr_parse(const char *s, struct ip_addr *out);
/* "198.18.0.1:80" or "[2001:db8::1]:443"; port 1..65535. 0 or -EINVAL. */
int addr_port_parse(const char *s, struct ip_addr *out, __u16 *port);
/* Canonical text ("2001:db8::1"); returns buf. */
const char *addr_str(const struct ip_addr *a, char *buf, size_t len);
/* "198.18.0.1:80" or "[2001:db8::1]:443"; returns buf. */
const char *addr_port_str(const struct ip_addr *a, __u16 port, char *buf,
			  size_t len);
int addr_cmp(const struct ip_addr *x, const struct ip_addr *y);
/* A VIP's protocol as the grammar spells it: "tcp" or "udp". */
const char *proto_name(__u8 proto);
/* Longest duration accepted anywhere (drain timeout, udp-timeout): 24h. */
#define DURATION_MAX_MS	(24ull * 60 * 60 * 1000)
/* "250ms", "2s", "1m", "1h" (a bare number is an error). 0, -EINVAL (not
 * a number with a unit) or -ERANGE (zero or above DURATION_MAX_MS). */
int duration_parse(const char *s, __u64 *ms);
/* Shortest exact form of a duration: "250ms", "2s", "1m". */
const char *duration_str(__u64 ms, char *buf, size_t len);
/* Decimal unsigned in [min, max]. 0, -EINVAL or -ERANGE. */
int uint_parse(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out);

#endif /* XLB_ADDR_H */
