// SPDX-License-Identifier: GPL-2.0
/* Addresses, ports, durations and numbers as operators write them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "xlb.h"

/* Long enough for any valid textual IPv6 address; longer input is junk. */
#define ADDR_TEXT_MAX	(INET6_ADDRSTRLEN - 1)

int addr_parse(const char *s, struct ip_addr *out)
{
	struct ip_addr a = { 0 };
	size_t len = strlen(s);

	if (len == 0 || len > ADDR_TEXT_MAX)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a.a[0]) == 1) {
		a.family = XLB_AF_INET;
	} else if (strchr(s, ':') && inet_pton(AF_INET6, s, a.a) == 1) {
		a.family = XLB_AF_INET6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

int addr_port_parse(const char *s, struct ip_addr *out, __u16 *port)
{
	char host[ADDR_TEXT_MAX + 1];
	const char *colon, *hs = s;
	unsigned long long p;
	struct ip_addr a;
	size_t hl;

	if (s[0] == '[') {
		/* IPv6 must be bracketed so the port is unambiguous. */
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hs = s + 1;
		hl = rb - hs;
		colon = rb + 1;
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
		hl = colon - s;
	}
	if (hl == 0 || hl > ADDR_TEXT_MAX)
		return -EINVAL;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	if (addr_parse(host, &a))
		return -EINVAL;
	if ((s[0] == '[') != (a.family == XLB_AF_INET6))
		return -EINVAL;
	if (uint_parse(colon + 1, 1, 65535, &p))
		return -EINVAL;
	*out = a;
	*port = p;
	return 0;
}

const char *addr_str(const struct ip_addr *a, char *buf, size_t len)
{
	int af = a->family == XLB_AF_INET6 ? AF_INET6 : AF_INET;

	if (len == 0)
		return buf;
	if (a->family != XLB_AF_INET && a->family != XLB_AF_INET6) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (!inet_ntop(af, a->a, buf, len))
		buf[0] = '\0';
	return buf;
}

const char *addr_port_str(const struct ip_addr *a, __u16 port, char *buf,
			  size_t len)
{
	char host[INET6_ADDRSTRLEN];

	addr_str(a, host, sizeof(host));
	if (a->family == XLB_AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
	return buf;
}

const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

int addr_cmp(const struct ip_addr *x, const struct ip_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, sizeof(x->a));
}

static const struct {
	const char *unit;
	__u64 ms;
} duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
};

int duration_parse(const char *s, __u64 *ms)
{
	unsigned long long n;
	char num[21];
	size_t i, nd;

	for (nd = 0; s[nd] >= '0' && s[nd] <= '9'; nd++)
		;
	if (nd == 0 || nd >= sizeof(num))
		return nd ? -ERANGE : -EINVAL;
	memcpy(num, s, nd);
	num[nd] = '\0';
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]);
	     i++) {
		if (strcmp(s + nd, duration_units[i].unit))
			continue;
		if (uint_parse(num, 0, DURATION_MAX_MS, &n))
			return -ERANGE;
		if (n == 0 || n > DURATION_MAX_MS / duration_units[i].ms)
			return -ERANGE;
		*ms = n * duration_units[i].ms;
		return 0;
	}
	return -EINVAL;
}

const char *duration_str(__u64 ms, char *buf, size_t len)
{
	size_t i = sizeof(duration_units) / sizeof(duration_units[0]);

	/* The largest unit that represents ms exactly. */
	while (--i > 0)
		if (ms && ms % duration_units[i].ms == 0)
			break;
	snprintf(buf, len, "%llu%s",
		 (unsigned long long)(ms / duration_units[i].ms),
		 duration_units[i].unit);
	return buf;
}

int uint_parse(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
	}
	for (p = s; *p; p++) {
		unsigned int d = *p - '0';

		if (v > (~0ULL - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
