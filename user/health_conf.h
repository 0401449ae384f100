/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a health check and a load agent are, as configured: their kinds,
 * parameters, defaults and bounds, and the one validation of them. The
 * grammar (cmd.c) parses within these bounds, the model (conf.c) and the
 * scheduler (health.c) validate with them, the prober (probe.c) reads the
 * parameters. Scheduling is health.[ch], socket I/O probe.[ch].
 */
#ifndef XLB_HEALTH_CONF_H
#define XLB_HEALTH_CONF_H

#include <linux/types.h>

/* Check kinds. */
enum health_kind {
	HEALTH_NONE = 0,	/* no check: always up */
	HEALTH_TCP,		/* connect succeeds */
	HEALTH_HTTP,		/* GET path answers the expected status */
	HEALTH_UDP,		/* send/expect, or no ICMP error in time */
	HEALTH_AGENT,		/* used for the agent slot only */
};

#define HEALTH_PATH_MAX		128
#define HEALTH_HOST_MAX		64
#define HEALTH_PAYLOAD_MAX	64

/* Defaults the grammar documents. */
#define HEALTH_INTERVAL_MS_DEFAULT	1000
#define HEALTH_RISE_DEFAULT		2
#define HEALTH_FALL_DEFAULT		3
#define HEALTH_EXPECT_DEFAULT		200
#define HEALTH_DAMP_INTERVAL_MS_DEFAULT	5000
#define HEALTH_DAMP_CHANGE_PCT_DEFAULT	10

/* Bounds. Probe intervals and timeouts: 10ms..1h. */
#define HEALTH_INTERVAL_MS_MIN		10
#define HEALTH_INTERVAL_MS_MAX		3600000
#define HEALTH_COUNT_MAX		100	/* rise, fall: 1..100 */
#define HEALTH_EXPECT_MIN		100	/* http status codes */
#define HEALTH_EXPECT_MAX		599
/* The damper's interval has the probe intervals' bounds. Above 50 % a
 * backend's agent could not even halve its weight, only drain it. */
#define HEALTH_DAMP_INTERVAL_MS_MIN	HEALTH_INTERVAL_MS_MIN
#define HEALTH_DAMP_INTERVAL_MS_MAX	HEALTH_INTERVAL_MS_MAX
#define HEALTH_DAMP_CHANGE_PCT_MAX	50

/* A health check as the operator configured it (one per VIP). */
struct health_check {
	__u8 kind;		/* enum health_kind */
	__u8 rise;		/* 0: default */
	__u8 fall;		/* 0: default */
	__u8 pad;
	__u16 port;		/* 0: the backend's own port */
	__u16 expect_code;	/* http; 0: 200 */
	__u32 interval_ms;	/* 0: default */
	__u32 timeout_ms;	/* 0: interval / 2; must not exceed interval */
	char path[HEALTH_PATH_MAX];	/* http; "": "/" */
	char host[HEALTH_HOST_MAX];	/* http Host; "": backend address */
	char send[HEALTH_PAYLOAD_MAX];	/* udp payload */
	char expect[HEALTH_PAYLOAD_MAX]; /* udp: reply must contain it */
};

/* A load agent on each backend of a VIP; port 0 = no agent. */
struct health_agent {
	__u16 port;
	__u16 pad;
	__u32 interval_ms;	/* 0: default */
	__u32 timeout_ms;	/* 0: interval / 2 */
	__u32 damp_interval_ms;	/* 0: default */
	__u32 damp_change_pct;	/* 0: default; at most ..._PCT_MAX */
};

/* Validate a check, an agent (port 0: none) as health_add would; 0 or
 * -EINVAL. */
int health_check_valid(const struct health_check *c);
int health_agent_valid(const struct health_agent *a);
/* A check kind as the grammar spells it: "tcp", "http", "udp", "none". */
const char *health_kind_str(int kind);

#endif /* XLB_HEALTH_CONF_H */
