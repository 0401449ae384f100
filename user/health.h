/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backend health checking: when to probe each backend, what a result means
 * (consecutive rise/fall, back-off while down) and the weights backends'
 * load agents report (with a damper). Probe I/O itself is in probe.[ch].
 *
 * The module owns no thread and no clock. The caller's event loop:
 *   - watches the fds the module hands it through ops->fd_add/mod/del and
 *     calls health_io() when one is ready;
 *   - calls health_tick() when health_next_deadline() is reached;
 *   - receives results as events through ops->event, synchronously, from
 *     inside health_tick()/health_io().
 * Timers live in a binary heap: every start, timeout and result costs
 * O(log n), never a scan over all backends.
 *
 * States. A backend added with HEALTH_UNKNOWN (a new backend) gets no
 * traffic until its first result decides: one success makes it UP (a
 * completed probe is the proof), one failure makes it DOWN. A backend
 * added with HEALTH_UP (one already serving when the daemon restarted,
 * as the pinned maps say) stays in traffic until `fall` consecutive
 * failures, so a restart never empties a VIP. After that, UP -> DOWN takes
 * `fall` consecutive failures and DOWN -> UP `rise` consecutive successes;
 * the opposite result resets the count.
 *
 * Timing. Each gap is the interval +-10 % (PRNG seeded by the caller) and
 * counts from the previous probe's start. While a backend is DOWN each
 * failure doubles its gap, 2x, 4x, up to 8x; the first success restores
 * 1x. A probe's answer already queued when its timeout is handled counts,
 * so a loop that runs late does not fail healthy backends.
 *
 * Damper. A weight change from the agent is emitted only when at least
 * the agent's damp_interval_ms passed since the last one emitted for that
 * backend and it differs from the emitted weight by at least its
 * damp_change_pct percent; otherwise the next report is judged again.
 * Changes to or from 0 (drain, 0 %) and leaving "down" are emitted at
 * once.
 *
 * Agent. "up" means 100 % of the configured weight, "NN%" (0..100) that
 * share, "drain" weight 0 (existing flows continue), "down" takes the
 * backend DOWN whatever its health check says until the agent reports
 * anything else. Above 100 % is rejected: the operator's weight is the
 * ceiling, an agent may only lower it. An agent that cannot be reached or
 * answers garbage changes nothing (the health check judges reachability);
 * the error is reported once per distinct error, counted every time.
 *
 * A probe this host could not even start (no fd, no memory, the source
 * address missing) says nothing about the backend: it is counted and
 * reported (once per distinct error) but moves no state.
 */
#ifndef XLB_HEALTH_H
#define XLB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "addr.h"
#include "health_conf.h"
#include "probe.h"

enum health_state {
	HEALTH_UNKNOWN = 0,
	HEALTH_UP,
	HEALTH_DOWN,
};

#define HEALTH_BACKOFF_MAX	8	/* times the interval, while down */
#define HEALTH_JITTER_PCT	10	/* each gap is interval +-10 % */

/* One backend to watch. */
struct health_target {
	__u32 id;		/* the caller's backend id, 1..XLB_MAX_BACKENDS-1 */
	__u32 group;		/* the caller's VIP id, < XLB_MAX_VIPS */
	struct ip_addr addr;
	__u16 port;		/* the backend's port (the VIP's) */
	__u16 weight;		/* configured weight, 1..65535 */
	__u8 initial;		/* HEALTH_UNKNOWN (new) or HEALTH_UP (restored) */
	__u8 pad[3];
	struct health_check check;
	struct health_agent agent;
};

enum health_ev_type {
	HEALTH_EV_STATE = 1,	/* effective state changed */
	HEALTH_EV_WEIGHT,	/* effective weight changed (after damping) */
	HEALTH_EV_AGENT_ERROR,	/* agent unreachable or garbage; log it */
	HEALTH_EV_LOCAL_ERROR,	/* could not probe at all (HEALTH_WHY_SOCKET:
				 * fds, memory, source address): the
				 * backend's state is left alone; log it */
};

/* What just happened to one backend; valid only during the callback. */
struct health_event {
	__u8 type;		/* enum health_ev_type */
	__u8 old_state, new_state;
	__u8 agent;		/* the result came from the agent */
	__u32 id, group;
	struct health_result result;	/* the result that caused it */
	__u32 latency_ms;
	__u32 consecutive;	/* results in a row like this one */
	__u32 old_weight, new_weight;
	const char *line;	/* AGENT_ERROR with a bad line: it, sanitised */
};

struct health_ops {
	/* Start/change/stop watching fd for EPOLLIN/EPOLLOUT. 0 or -errno;
	 * a failing fd_add fails that probe (HEALTH_WHY_SOCKET). */
	int (*fd_add)(void *ctx, int fd, uint32_t events);
	int (*fd_mod)(void *ctx, int fd, uint32_t events);
	void (*fd_del)(void *ctx, int fd);	/* called before close */
	/* Must not call health_add/update/del/free. */
	void (*event)(void *ctx, const struct health_event *ev);
	void *ctx;
};

/* Probe I/O; probe.c's functions unless a test substitutes its own. */
struct health_probe_ops {
	int (*start)(struct probe *p, const struct probe_spec *s,
		     struct health_result *r);
	int (*io)(struct probe *p, const struct probe_spec *s,
		  uint32_t events, struct health_result *r);
	void (*timeout)(struct probe *p, const struct probe_spec *s,
			struct health_result *r);
	void (*close)(struct probe *p);
};

struct health_params {
	__u64 seed;			/* jitter PRNG; tests fix it */
	const struct health_probe_ops *probe;	/* NULL: real sockets */
	struct ip_addr src4, src6;	/* family 0: the kernel chooses */
};

/* Everything the status command shows for one backend. */
struct health_status {
	__u8 state;		/* effective: check state unless agent down */
	__u8 check_state;
	__u8 agent_down;
	__u8 agent_drain;
	__u8 agent_pct;		/* last accepted report, 100 before any */
	__u8 pad[3];
	struct health_result last;
	__u32 last_latency_ms;
	__u32 consecutive;
	__u64 last_change_ms;	/* 0: never changed */
	__u64 count[HEALTH_RES_MAX];
	struct health_result agent_last;
	__u64 agent_count[HEALTH_RES_MAX];
	__u32 weight;		/* last emitted (configured until a report) */
	__u32 backoff;		/* current interval multiplier */
};

struct health;

/* NULL with errno on error (EINVAL: a source of the wrong family);
 * ops and params are copied. */
struct health *health_new(const struct health_ops *ops,
			  const struct health_params *params);
/* Closes every probe (through ops->fd_del). */
void health_free(struct health *h);

/* Start watching t (copied). The first probe runs within one interval,
 * spread by the PRNG so that thousands of new backends don't all connect
 * in the same millisecond. 0, -EINVAL (bad field), -EEXIST or -ENOMEM. */
int health_add(struct health *h, const struct health_target *t, __u64 now_ms);
/* New configuration for t->id (reload): state, counters and the agent's
 * last report stay; probes in flight are dropped and restart within an
 * interval. A check added where there was none starts from t->initial.
 * May emit STATE/WEIGHT events at once: a new configured weight, or the
 * agent removed, is applied undamped. Otherwise a report the damper holds
 * back stays held, and new damper settings judge the next report.
 * 0, -ENOENT, -EINVAL or -ENOMEM (nothing changed on error). */
int health_update(struct health *h, const struct health_target *t,
		  __u64 now_ms);
/* Stop watching (closing an in-flight probe, no event). 0 or -ENOENT. */
int health_del(struct health *h, __u32 id);
/* 0 or -ENOENT. */
int health_get(const struct health *h, __u32 id, struct health_status *st);

/* Run due probes and expire timed-out ones. */
void health_tick(struct health *h, __u64 now_ms);
/* An fd handed out through ops->fd_add is ready. */
void health_io(struct health *h, int fd, uint32_t events, __u64 now_ms);
/* When health_tick() has work next; UINT64_MAX when never. */
__u64 health_next_deadline(const struct health *h);

/* Backends of group that are UP, and how many there are in all. */
__u32 health_group_up(const struct health *h, __u32 group, __u32 *total);

/* The agent's share of a configured weight; at least 1 unless pct is 0. */
__u32 health_weight_of(__u32 weight, int pct);
/* "50%", "drain", "down", "up" (whitespace and one CR/LF around it are
 * fine, words any case). 0 with *pct (0..100) and *word set, -EINVAL
 * (garbage) or -ERANGE (a percentage above 100). */
enum health_agent_word {
	HEALTH_AGENT_PCT = 0,
	HEALTH_AGENT_UP,
	HEALTH_AGENT_DOWN,
	HEALTH_AGENT_DRAIN,
};
int health_agent_parse(const char *line, size_t len, int *word, int *pct);

/* "ok", "timeout", "fail: connect: Connection refused", "fail: http 500". */
const char *health_result_str(const struct health_result *r, char *buf,
			      size_t len);
const char *health_state_str(int state);

#endif /* XLB_HEALTH_H */
