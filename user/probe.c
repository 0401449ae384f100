// SPDX-License-Identifier: GPL-2.0
/* Non-blocking health probe I/O: one socket per probe, never a wait. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "probe.h"
#include "xlb.h"

/* The configured Host or the backend's "addr:port". */
#define HOST_BUF (HEALTH_HOST_MAX > ADDR_STRLEN ? HEALTH_HOST_MAX : ADDR_STRLEN)

enum {
	PH_IDLE = 0,
	PH_CONNECT,	/* waiting for the connect to complete */
	PH_READ,	/* http status line or agent line */
	PH_UDP,		/* datagram sent, waiting for a reply or an error */
};

void probe_init(struct probe *p)
{
	p->fd = -1;
	p->phase = PH_IDLE;
	p->events = 0;
	p->len = 0;
}

void probe_close(struct probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	/* buf and len stay: the agent's line is judged after the close. */
	p->fd = -1;
	p->phase = PH_IDLE;
	p->events = 0;
}

static int set_result(struct probe *p, struct health_result *r, int res,
		      int why, int err)
{
	r->res = res;
	r->why = why;
	r->err = err;
	p->phase = PH_IDLE;
	return PROBE_DONE;
}

static int fail(struct probe *p, struct health_result *r, int why, int err)
{
	return set_result(p, r, HEALTH_RES_FAIL, why, err);
}

static int ok(struct probe *p, struct health_result *r)
{
	return set_result(p, r, HEALTH_RES_OK, HEALTH_WHY_NONE, 0);
}

static socklen_t to_sockaddr(const struct ip_addr *a, __u16 port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == XLB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->a, 16);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = a->a[0];
		return sizeof(*s4);
	}
}

static int http_send(struct probe *p, const struct probe_spec *s,
		     struct health_result *r)
{
	const struct health_check *c = s->check;
	char host[HOST_BUF];
	ssize_t n;
	int len;

	if (c->host[0])
		snprintf(host, sizeof(host), "%s", c->host);
	else
		addr_port_str(&s->addr, s->port, host, sizeof(host));
	len = snprintf(p->buf, sizeof(p->buf),
		       "GET %s HTTP/1.0\r\nHost: %s\r\n"
		       "User-Agent: xlb-health\r\nConnection: close\r\n\r\n",
		       c->path[0] ? c->path : "/", host);
	if (len < 0 || len >= (int)sizeof(p->buf))
		return fail(p, r, HEALTH_WHY_SEND, EMSGSIZE);
	/* A fresh socket's send buffer takes a few hundred bytes whole. */
	n = send(p->fd, p->buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return fail(p, r, HEALTH_WHY_SEND, errno);
	if (n != len)
		return fail(p, r, HEALTH_WHY_SEND, EAGAIN);
	p->len = 0;
	p->phase = PH_READ;
	p->events = EPOLLIN;
	return PROBE_WAIT;
}

/* The connection is up: tcp is done, http sends, agent listens. */
static int connected(struct probe *p, const struct probe_spec *s,
		     struct health_result *r)
{
	switch (s->kind) {
	case HEALTH_HTTP:
		return http_send(p, s, r);
	case HEALTH_AGENT:
		p->len = 0;
		p->phase = PH_READ;
		p->events = EPOLLIN;
		return PROBE_WAIT;
	default:
		return ok(p, r);
	}
}

static int udp_send(struct probe *p, const struct probe_spec *s,
		    struct health_result *r)
{
	const char *msg = s->check->send;
	ssize_t n;

	/* An empty datagram still draws an ICMP port unreachable. */
	n = send(p->fd, msg, strlen(msg), MSG_NOSIGNAL);
	if (n < 0)
		return fail(p, r, HEALTH_WHY_SEND, errno);
	p->phase = PH_UDP;
	p->events = EPOLLIN;
	return PROBE_WAIT;
}

int probe_start(struct probe *p, const struct probe_spec *s,
		struct health_result *r)
{
	int af = s->addr.family == XLB_AF_INET6 ? AF_INET6 : AF_INET;
	int type = s->kind == HEALTH_UDP ? SOCK_DGRAM : SOCK_STREAM;
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(r, 0, sizeof(*r));
	probe_init(p);
	p->fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return fail(p, r, HEALTH_WHY_SOCKET, errno);
	if (type == SOCK_STREAM) {
		/*
		 * Close with RST: thousands of probes a second would
		 * otherwise leave as many TIME_WAIT sockets on this host.
		 */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (s->src && s->src->family == s->addr.family) {
		int one = 1;

		/* Pick the port at connect time, per destination: bind()
		 * alone would need a free port per probe in flight. */
		setsockopt(p->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		sl = to_sockaddr(s->src, 0, &ss);
		if (bind(p->fd, (struct sockaddr *)&ss, sl))
			return fail(p, r, HEALTH_WHY_SOCKET, errno);
	}
	sl = to_sockaddr(&s->addr, s->port, &ss);
	/* A connected UDP socket gets ICMP errors back as socket errors. */
	if (connect(p->fd, (struct sockaddr *)&ss, sl)) {
		if (errno != EINPROGRESS)
			return fail(p, r, HEALTH_WHY_CONNECT, errno);
		p->phase = PH_CONNECT;
		p->events = EPOLLOUT;
		return PROBE_WAIT;
	}
	if (type == SOCK_DGRAM)
		return udp_send(p, s, r);
	return connected(p, s, r);
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l))
		return errno;
	return err;
}

static int http_done(struct probe *p, const struct probe_spec *s,
		     struct health_result *r, bool eof)
{
	int code, want = s->check->expect_code ? s->check->expect_code :
			 HEALTH_EXPECT_DEFAULT;
	int err = probe_http_status(p->buf, p->len, eof, &code);

	if (err == -EAGAIN) {
		if (p->len == sizeof(p->buf))
			return fail(p, r, HEALTH_WHY_TOO_LONG, 0);
		return PROBE_WAIT;
	}
	if (err)
		return fail(p, r, eof && !p->len ? HEALTH_WHY_CLOSED :
			    HEALTH_WHY_BAD_REPLY, 0);
	r->code = code;
	if (code != want)
		return fail(p, r, HEALTH_WHY_STATUS, 0);
	return ok(p, r);
}

static int agent_done(struct probe *p, struct health_result *r, bool eof)
{
	char *nl = memchr(p->buf, '\n', p->len);

	if (nl) {
		p->len = nl - p->buf;
	} else if (!eof) {
		if (p->len == sizeof(p->buf))
			return fail(p, r, HEALTH_WHY_TOO_LONG, 0);
		return PROBE_WAIT;
	} else if (!p->len) {
		return fail(p, r, HEALTH_WHY_CLOSED, 0);
	}
	/* The line stays in buf for health.c to judge. */
	return ok(p, r);
}

static int read_some(struct probe *p, const struct probe_spec *s,
		     struct health_result *r)
{
	bool eof = false;
	ssize_t n;

	n = recv(p->fd, p->buf + p->len, sizeof(p->buf) - p->len, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return PROBE_WAIT;
		return fail(p, r, HEALTH_WHY_RECV, errno);
	}
	if (n == 0)
		eof = true;
	p->len += n;
	if (s->kind == HEALTH_AGENT)
		return agent_done(p, r, eof);
	return http_done(p, s, r, eof);
}

static int udp_read(struct probe *p, const struct probe_spec *s,
		    struct health_result *r)
{
	const char *want = s->check->expect;
	ssize_t n;

	n = recv(p->fd, p->buf, sizeof(p->buf), 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return PROBE_WAIT;
		return fail(p, r, HEALTH_WHY_RECV, errno);
	}
	if (want[0] && !memmem(p->buf, n, want, strlen(want)))
		return fail(p, r, HEALTH_WHY_MISMATCH, 0);
	return ok(p, r);
}

int probe_io(struct probe *p, const struct probe_spec *s, uint32_t events,
	     struct health_result *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	switch (p->phase) {
	case PH_CONNECT:
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return PROBE_WAIT;
		err = sock_error(p->fd);
		if (err)
			return fail(p, r, HEALTH_WHY_CONNECT, err);
		if (s->kind == HEALTH_UDP)
			return udp_send(p, s, r);
		return connected(p, s, r);
	case PH_READ:
		return read_some(p, s, r);
	case PH_UDP:
		return udp_read(p, s, r);
	default:
		return PROBE_WAIT;
	}
}

void probe_timeout(struct probe *p, const struct probe_spec *s,
		   struct health_result *r)
{
	int round;

	/*
	 * An answer already waiting counts: a host too busy to run its
	 * event loop in time must not fail healthy backends. Each round
	 * takes one step (connected, then the line); three are the most a
	 * probe has.
	 */
	for (round = 0; round < 3 && p->fd >= 0; round++) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		uint32_t ev;

		if (p->events & EPOLLOUT)
			pfd.events = POLLOUT;
		if (poll(&pfd, 1, 0) != 1)
			break;
		ev = (pfd.revents & POLLIN ? EPOLLIN : 0) |
		     (pfd.revents & POLLOUT ? EPOLLOUT : 0) |
		     (pfd.revents & POLLERR ? EPOLLERR : 0) |
		     (pfd.revents & POLLHUP ? EPOLLHUP : 0);
		if (probe_io(p, s, ev, r) == PROBE_DONE)
			return;
	}
	memset(r, 0, sizeof(*r));
	if (s->kind == HEALTH_UDP && p->phase == PH_UDP && !s->check->expect[0]) {
		ok(p, r);
		return;
	}
	set_result(p, r, HEALTH_RES_TIMEOUT, HEALTH_WHY_TIMEOUT, 0);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int probe_http_status(const char *buf, size_t len, bool eof, int *code)
{
	const char *nl = memchr(buf, '\n', len);
	size_t l = nl ? (size_t)(nl - buf) : len;

	if (!nl && !eof)
		return -EAGAIN;
	if (l && buf[l - 1] == '\r')
		l--;
	/* "HTTP/1.1 200" at least; a reason phrase is optional. */
	if (l < 12 || memcmp(buf, "HTTP/", 5) || !is_digit(buf[5]) ||
	    buf[6] != '.' || !is_digit(buf[7]) || buf[8] != ' ')
		return -EINVAL;
	if (!is_digit(buf[9]) || !is_digit(buf[10]) || !is_digit(buf[11]) ||
	    buf[9] == '0')
		return -EINVAL;
	if (l > 12 && buf[12] != ' ')
		return -EINVAL;
	*code = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	return 0;
}
