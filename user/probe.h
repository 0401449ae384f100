/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One health probe's socket I/O, non-blocking: tcp connect, http status,
 * udp send/expect and the agent's one line. Timing and what a result
 * means are health.c's business.
 */
#ifndef XLB_PROBE_H
#define XLB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "health_conf.h"

/* Outcome of one probe. */
enum health_res {
	HEALTH_RES_NONE = 0,	/* no probe finished yet */
	HEALTH_RES_OK,
	HEALTH_RES_FAIL,
	HEALTH_RES_TIMEOUT,
	HEALTH_RES_MAX,
};

/* Why a probe failed; err/code in struct health_result say more. */
enum health_why {
	HEALTH_WHY_NONE = 0,
	HEALTH_WHY_SOCKET,	/* socket()/bind() failed: err */
	HEALTH_WHY_CONNECT,	/* connect failed: err */
	HEALTH_WHY_SEND,	/* err */
	HEALTH_WHY_RECV,	/* err (ICMP errors on UDP land here) */
	HEALTH_WHY_CLOSED,	/* peer closed before a complete answer */
	HEALTH_WHY_STATUS,	/* http status code differs: code */
	HEALTH_WHY_BAD_REPLY,	/* not an HTTP status line / agent line */
	HEALTH_WHY_MISMATCH,	/* udp reply lacks the expected string */
	HEALTH_WHY_TOO_LONG,	/* answer longer than the read buffer */
	HEALTH_WHY_TIMEOUT,
};

struct health_result {
	__u8 res;		/* enum health_res */
	__u8 why;		/* enum health_why */
	__u16 code;		/* http status received (0 if none) */
	int err;		/* positive errno, 0 if none */
};

/* Large enough for an http request and a status line or agent line. */
#define PROBE_BUF	384

struct probe_spec {
	const struct health_check *check;	/* kind and its parameters */
	__u8 kind;		/* HEALTH_TCP/HTTP/UDP/AGENT */
	__u16 port;		/* where to probe */
	struct ip_addr addr;
	const struct ip_addr *src;	/* NULL or family 0: kernel picks */
};

struct probe {
	int fd;			/* -1 when idle */
	__u8 phase;
	__u32 events;		/* what fd waits for: EPOLLIN or EPOLLOUT */
	__u16 len;		/* bytes in buf */
	char buf[PROBE_BUF];	/* agent: the line when done */
};

/* The caller stops watching p->fd and calls probe_close() after DONE. */
#define PROBE_DONE	0	/* result is set */
#define PROBE_WAIT	1	/* watch p->fd for p->events */

void probe_init(struct probe *p);
/* PROBE_DONE or PROBE_WAIT. */
int probe_start(struct probe *p, const struct probe_spec *s,
		struct health_result *r);
int probe_io(struct probe *p, const struct probe_spec *s, uint32_t events,
	     struct health_result *r);
/* The timeout passed: sets r. An answer already queued on the socket
 * is taken first; a udp check without an expect string succeeds here
 * (no ICMP error came back in time). */
void probe_timeout(struct probe *p, const struct probe_spec *s,
		   struct health_result *r);
/* Close the socket (done or abandoned); p is idle again, buf kept. */
void probe_close(struct probe *p);

/* Status code of "HTTP/1.x NNN ...". 0, -EAGAIN (no complete line yet
 * and eof false) or -EINVAL. */
int probe_http_status(const char *buf, size_t len, bool eof, int *code);

#endif /* XLB_PROBE_H */
