// SPDX-License-Identifier: GPL-2.0
/*
 * Health check scheduling and judgement: a timer heap of probe slots (each
 * backend has a check slot and maybe an agent slot), consecutive rise/fall
 * counting, back-off while down, agent reports and the weight damper.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "probe.h"
#include "xlb.h"

#define NO_HEAP			UINT32_MAX
#define AGENT_LINE_SHOWN	48

struct target;

struct slot {
	struct target *t;
	struct probe p;
	__u8 kind;		/* what the probe does */
	bool agent;
	bool watched;		/* p.fd was handed to ops->fd_add */
	__u16 port;
	__u32 interval_ms, timeout_ms;
	__u32 heap_idx;
	__u64 due_ms;		/* idle: next start; in flight: timeout */
	__u64 started_ms;
	__u32 latency_ms;
	__u32 consecutive;
	bool last_ok;
};

struct target {
	struct health_target cfg;
	struct slot check, agent;
	__u8 check_state;
	__u8 state;		/* effective */
	__u8 agent_down, agent_drain, agent_pct;
	__u32 backoff;
	struct health_result last, agent_last;
	struct health_result local_last;	/* last local error reported */
	__u64 count[HEALTH_RES_MAX], agent_count[HEALTH_RES_MAX];
	__u64 last_change_ms;
	__u32 weight;		/* last emitted */
	bool weight_emitted;
	__u64 weight_ms;	/* when it was */
};

struct group {
	__u32 total, up;
};

struct health {
	struct health_ops ops;
	struct health_probe_ops pops;
	struct health_params par;
	__u64 rng;
	struct target **by_id;
	size_t n_id;
	struct slot **by_fd;
	size_t n_fd;
	struct slot **heap;
	size_t heap_len, heap_cap;
	struct group *groups;
	size_t n_groups;
};

/* splitmix64: small, seedable, good enough to spread timers. */
static __u64 rng_next(struct health *h)
{
	__u64 z = (h->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* --- timer heap ------------------------------------------------------- */

static void heap_set(struct health *h, size_t i, struct slot *s)
{
	h->heap[i] = s;
	s->heap_idx = i;
}

static void heap_up(struct health *h, size_t i)
{
	struct slot *s = h->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (h->heap[parent]->due_ms <= s->due_ms)
			break;
		heap_set(h, i, h->heap[parent]);
		i = parent;
	}
	heap_set(h, i, s);
}

static void heap_down(struct health *h, size_t i)
{
	struct slot *s = h->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->heap_len)
			break;
		if (c + 1 < h->heap_len &&
		    h->heap[c + 1]->due_ms < h->heap[c]->due_ms)
			c++;
		if (s->due_ms <= h->heap[c]->due_ms)
			break;
		heap_set(h, i, h->heap[c]);
		i = c;
	}
	heap_set(h, i, s);
}

static int heap_reserve(struct health *h, size_t extra)
{
	size_t cap = h->heap_cap ? h->heap_cap : 64;
	struct slot **n;

	if (h->heap_len + extra <= h->heap_cap)
		return 0;
	while (cap < h->heap_len + extra)
		cap *= 2;
	n = realloc(h->heap, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	h->heap = n;
	h->heap_cap = cap;
	return 0;
}

/* Space was reserved by health_add, so this cannot fail. */
static void heap_push(struct health *h, struct slot *s)
{
	heap_set(h, h->heap_len++, s);
	heap_up(h, s->heap_idx);
}

static void heap_remove(struct health *h, struct slot *s)
{
	size_t i = s->heap_idx;
	struct slot *last;

	if (i == NO_HEAP)
		return;
	s->heap_idx = NO_HEAP;
	last = h->heap[--h->heap_len];
	if (last == s)
		return;
	heap_set(h, i, last);
	heap_up(h, i);
	heap_down(h, last->heap_idx);
}

static void slot_schedule(struct health *h, struct slot *s, __u64 due_ms)
{
	s->due_ms = due_ms;
	if (s->heap_idx == NO_HEAP) {
		heap_push(h, s);
	} else {
		heap_up(h, s->heap_idx);
		heap_down(h, s->heap_idx);
	}
}

__u64 health_next_deadline(const struct health *h)
{
	return h->heap_len ? h->heap[0]->due_ms : UINT64_MAX;
}

static int target_valid(const struct health_target *t)
{
	if (!t->id || t->id >= XLB_MAX_BACKENDS || t->group >= XLB_MAX_VIPS)
		return -EINVAL;
	if (t->addr.family != XLB_AF_INET && t->addr.family != XLB_AF_INET6)
		return -EINVAL;
	if (!t->weight)
		return -EINVAL;
	if (t->initial != HEALTH_UNKNOWN && t->initial != HEALTH_UP)
		return -EINVAL;
	if (health_check_valid(&t->check))
		return -EINVAL;
	if (t->check.kind != HEALTH_NONE && !t->check.port && !t->port)
		return -EINVAL;
	if (health_agent_valid(&t->agent))
		return -EINVAL;
	return 0;
}

/* --- events ----------------------------------------------------------- */

static struct group *group_of(struct health *h, __u32 group)
{
	return group < h->n_groups ? &h->groups[group] : NULL;
}

static void emit(struct health *h, struct target *t, struct slot *s,
		 int type, const struct health_result *r, int old_state,
		 __u32 old_weight, const char *line)
{
	struct health_event ev = {
		.type = type,
		.old_state = old_state,
		.new_state = t->state,
		.agent = s->agent,
		.id = t->cfg.id,
		.group = t->cfg.group,
		.result = *r,
		.latency_ms = s->latency_ms,
		.consecutive = s->consecutive,
		.old_weight = old_weight,
		.new_weight = t->weight,
		.line = line,
	};

	if (h->ops.event)
		h->ops.event(h->ops.ctx, &ev);
}

/* Recompute the effective state; tell the caller when it changed. */
static void update_state(struct health *h, struct target *t, struct slot *s,
			 const struct health_result *r, __u64 now_ms)
{
	int old = t->state, st = t->agent_down ? HEALTH_DOWN : t->check_state;
	struct group *g = group_of(h, t->cfg.group);

	if (st == old)
		return;
	t->state = st;
	t->last_change_ms = now_ms;
	if (old == HEALTH_UP)
		g->up--;
	if (st == HEALTH_UP)
		g->up++;
	emit(h, t, s, HEALTH_EV_STATE, r, old, t->weight, NULL);
}

/* Emit a weight change unless the damper holds it back. */
static void set_weight(struct health *h, struct target *t, struct slot *s,
		       const struct health_result *r, __u32 want, bool force,
		       __u64 now_ms)
{
	const struct health_agent *ag = &t->cfg.agent;
	__u32 old = t->weight;
	__u32 damp_ms = ag->damp_interval_ms ? ag->damp_interval_ms :
			HEALTH_DAMP_INTERVAL_MS_DEFAULT;
	__u32 damp_pct = ag->damp_change_pct ? ag->damp_change_pct :
			 HEALTH_DAMP_CHANGE_PCT_DEFAULT;
	__u64 diff = want > old ? want - old : old - want;

	if (want == old)
		return;
	/* Leaving or reaching zero is never damped: draining must be prompt. */
	if (!force && want && old) {
		if (t->weight_emitted && now_ms - t->weight_ms < damp_ms)
			return;
		if (diff * 100 < (__u64)damp_pct * old)
			return;
	}
	t->weight = want;
	t->weight_emitted = true;
	t->weight_ms = now_ms;
	emit(h, t, s, HEALTH_EV_WEIGHT, r, t->state, old, NULL);
}

/* --- results ---------------------------------------------------------- */

static __u32 jittered(struct health *h, __u64 gap)
{
	__u64 j = gap * HEALTH_JITTER_PCT / 100;

	if (!j)
		return gap;
	return gap - j + rng_next(h) % (2 * j + 1);
}

static void next_probe(struct health *h, struct slot *s, __u32 mult,
		       __u64 now_ms)
{
	__u64 due = s->started_ms + jittered(h, (__u64)s->interval_ms * mult);

	/* A probe that ran into its timeout may finish after that point. */
	slot_schedule(h, s, due > now_ms ? due : now_ms);
}

static void streak(struct slot *s, bool ok)
{
	if (s->consecutive && s->last_ok == ok)
		s->consecutive++;
	else
		s->consecutive = 1;
	s->last_ok = ok;
}

static bool same_result(const struct health_result *a,
			const struct health_result *b)
{
	return a->res == b->res && a->why == b->why && a->err == b->err &&
	       a->code == b->code;
}

static void check_result(struct health *h, struct target *t, struct slot *s,
			 const struct health_result *r, __u64 now_ms)
{
	const struct health_check *c = &t->cfg.check;
	__u32 rise = c->rise ? c->rise : HEALTH_RISE_DEFAULT;
	__u32 fall = c->fall ? c->fall : HEALTH_FALL_DEFAULT;
	bool ok = r->res == HEALTH_RES_OK;

	t->last = *r;
	t->count[r->res]++;
	if (r->why == HEALTH_WHY_SOCKET) {
		bool fresh = !same_result(r, &t->local_last);

		t->local_last = *r;
		next_probe(h, s, t->backoff, now_ms);
		if (fresh)
			emit(h, t, s, HEALTH_EV_LOCAL_ERROR, r, t->state,
			     t->weight, NULL);
		return;
	}
	memset(&t->local_last, 0, sizeof(t->local_last));
	streak(s, ok);
	switch (t->check_state) {
	case HEALTH_UNKNOWN:
		t->check_state = ok ? HEALTH_UP : HEALTH_DOWN;
		break;
	case HEALTH_UP:
		if (!ok && s->consecutive >= fall)
			t->check_state = HEALTH_DOWN;
		break;
	case HEALTH_DOWN:
		if (ok && s->consecutive >= rise)
			t->check_state = HEALTH_UP;
		break;
	}
	/* Down and still failing: 2x, 4x, up to 8x the interval. */
	if (ok)
		t->backoff = 1;
	else if (t->check_state == HEALTH_DOWN)
		t->backoff = t->backoff * 2 > HEALTH_BACKOFF_MAX ?
			     HEALTH_BACKOFF_MAX : t->backoff * 2;
	next_probe(h, s, t->backoff, now_ms);
	update_state(h, t, s, r, now_ms);
}

/* Printable copy of an agent's line for the caller's log. */
static const char *sanitise(const char *in, size_t len, char *out, size_t sz)
{
	size_t i, n = len < sz - 1 ? len : sz - 1;

	for (i = 0; i < n; i++) {
		unsigned char c = in[i];

		out[i] = c < 0x20 || c >= 0x7f ? '?' : c;
	}
	out[n] = '\0';
	return out;
}

static void agent_result(struct health *h, struct target *t, struct slot *s,
			 struct health_result *r, __u64 now_ms)
{
	char shown[AGENT_LINE_SHOWN + 1];
	const char *line = NULL;
	int word = 0, pct = 0;
	bool was_down;

	if (r->res == HEALTH_RES_OK &&
	    health_agent_parse(s->p.buf, s->p.len, &word, &pct)) {
		r->res = HEALTH_RES_FAIL;
		r->why = HEALTH_WHY_BAD_REPLY;
		line = sanitise(s->p.buf, s->p.len, shown, sizeof(shown));
	}
	t->agent_count[r->res]++;
	streak(s, r->res == HEALTH_RES_OK);
	next_probe(h, s, 1, now_ms);
	if (r->res != HEALTH_RES_OK) {
		/* Once per distinct error: an agent down for a day is one line. */
		bool fresh = !same_result(r, &t->agent_last);

		t->agent_last = *r;
		if (fresh)
			emit(h, t, s, HEALTH_EV_AGENT_ERROR, r, t->state,
			     t->weight, line);
		return;
	}
	t->agent_last = *r;
	if (word == HEALTH_AGENT_DOWN) {
		t->agent_down = 1;
		update_state(h, t, s, r, now_ms);
		return;
	}
	was_down = t->agent_down;
	t->agent_down = 0;
	t->agent_drain = word == HEALTH_AGENT_DRAIN;
	t->agent_pct = word == HEALTH_AGENT_PCT ? pct :
		       word == HEALTH_AGENT_DRAIN ? 0 : 100;
	update_state(h, t, s, r, now_ms);
	set_weight(h, t, s, r, health_weight_of(t->cfg.weight, t->agent_pct),
		   was_down, now_ms);
}

__u32 health_weight_of(__u32 weight, int pct)
{
	__u32 w = (__u64)weight * pct / 100;

	/* Only an explicit 0 % or drain takes a backend out of the ring. */
	return !w && pct ? 1 : w;
}

/* --- probes ----------------------------------------------------------- */

static void spec_of(struct health *h, struct slot *s, struct probe_spec *sp)
{
	sp->check = &s->t->cfg.check;
	sp->kind = s->kind;
	sp->port = s->port;
	sp->addr = s->t->cfg.addr;
	sp->src = sp->addr.family == XLB_AF_INET6 ? &h->par.src6 :
						    &h->par.src4;
}

static int watch(struct health *h, struct slot *s)
{
	int fd = s->p.fd, err;

	if ((size_t)fd >= h->n_fd) {
		size_t n = h->n_fd ? h->n_fd : 64;
		struct slot **nb;

		while (n <= (size_t)fd)
			n *= 2;
		nb = realloc(h->by_fd, n * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		memset(nb + h->n_fd, 0, (n - h->n_fd) * sizeof(*nb));
		h->by_fd = nb;
		h->n_fd = n;
	}
	err = h->ops.fd_add ? h->ops.fd_add(h->ops.ctx, fd, s->p.events) : 0;
	if (err)
		return err;
	h->by_fd[fd] = s;
	s->watched = true;
	return 0;
}

static void unwatch(struct health *h, struct slot *s)
{
	if (s->watched) {
		if (h->ops.fd_del)
			h->ops.fd_del(h->ops.ctx, s->p.fd);
		h->by_fd[s->p.fd] = NULL;
		s->watched = false;
	}
	h->pops.close(&s->p);
}

static void finish(struct health *h, struct slot *s, struct health_result *r,
		   __u64 now_ms)
{
	struct target *t = s->t;

	s->latency_ms = now_ms - s->started_ms;
	/* Agent lines are parsed from the buffer, which closing keeps. */
	unwatch(h, s);
	if (s->agent)
		agent_result(h, t, s, r, now_ms);
	else
		check_result(h, t, s, r, now_ms);
}

static void start(struct health *h, struct slot *s, __u64 now_ms)
{
	struct health_result r;
	struct probe_spec sp;
	int err;

	spec_of(h, s, &sp);
	s->started_ms = now_ms;
	if (h->pops.start(&s->p, &sp, &r) == PROBE_WAIT) {
		err = watch(h, s);
		if (!err) {
			slot_schedule(h, s, now_ms + s->timeout_ms);
			return;
		}
		r = (struct health_result){ .res = HEALTH_RES_FAIL,
					    .why = HEALTH_WHY_SOCKET,
					    .err = -err };
	}
	finish(h, s, &r, now_ms);
}

void health_tick(struct health *h, __u64 now_ms)
{
	/* Each slot leaves the top of the heap with a later due time, so
	 * this runs once per due slot. */
	while (h->heap_len && h->heap[0]->due_ms <= now_ms) {
		struct slot *s = h->heap[0];
		struct health_result r;
		struct probe_spec sp;

		if (s->p.fd >= 0) {
			spec_of(h, s, &sp);
			h->pops.timeout(&s->p, &sp, &r);
			finish(h, s, &r, now_ms);
		} else {
			start(h, s, now_ms);
		}
	}
}

void health_io(struct health *h, int fd, uint32_t events, __u64 now_ms)
{
	struct health_result r;
	struct probe_spec sp;
	struct slot *s;
	__u32 old;

	if (fd < 0 || (size_t)fd >= h->n_fd || !(s = h->by_fd[fd]))
		return;
	spec_of(h, s, &sp);
	old = s->p.events;
	if (h->pops.io(&s->p, &sp, events, &r) == PROBE_DONE) {
		finish(h, s, &r, now_ms);
		return;
	}
	if (s->p.events != old && h->ops.fd_mod &&
	    h->ops.fd_mod(h->ops.ctx, fd, s->p.events)) {
		r = (struct health_result){ .res = HEALTH_RES_FAIL,
					    .why = HEALTH_WHY_SOCKET,
					    .err = ENOMEM };
		finish(h, s, &r, now_ms);
	}
}

/* --- targets ---------------------------------------------------------- */

struct health *health_new(const struct health_ops *ops,
			  const struct health_params *params)
{
	struct health *h;

	if (params && ((params->src4.family &&
			params->src4.family != XLB_AF_INET) ||
		       (params->src6.family &&
			params->src6.family != XLB_AF_INET6))) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->ops = *ops;
	if (params)
		h->par = *params;
	h->rng = h->par.seed;
	if (params && params->probe) {
		h->pops = *params->probe;
	} else {
		h->pops.start = probe_start;
		h->pops.io = probe_io;
		h->pops.timeout = probe_timeout;
		h->pops.close = probe_close;
	}
	return h;
}

static void slot_init(struct health *h, struct target *t, struct slot *s,
		      bool agent, __u32 interval_ms, __u32 timeout_ms,
		      __u64 now_ms)
{
	__u32 iv = interval_ms ? interval_ms : HEALTH_INTERVAL_MS_DEFAULT;

	s->t = t;
	s->agent = agent;
	s->interval_ms = iv;
	s->timeout_ms = timeout_ms ? timeout_ms : iv / 2;
	s->heap_idx = NO_HEAP;
	probe_init(&s->p);
	/* First probe somewhere in the first interval. */
	slot_schedule(h, s, now_ms + rng_next(h) % iv);
}

static int group_reserve(struct health *h, __u32 group)
{
	size_t n = group + 1;
	struct group *ng;

	if (group < h->n_groups)
		return 0;
	ng = realloc(h->groups, n * sizeof(*ng));
	if (!ng)
		return -ENOMEM;
	memset(ng + h->n_groups, 0, (n - h->n_groups) * sizeof(*ng));
	h->groups = ng;
	h->n_groups = n;
	return 0;
}

static void group_join(struct health *h, struct target *t, int dir)
{
	struct group *g = group_of(h, t->cfg.group);

	g->total += dir;
	if (t->state == HEALTH_UP)
		g->up += dir;
}

/* (Re)start t's probe slots from its configuration. */
static void slots_setup(struct health *h, struct target *t, __u64 now_ms)
{
	const struct health_target *cfg = &t->cfg;

	if (cfg->check.kind != HEALTH_NONE) {
		t->check.kind = cfg->check.kind;
		t->check.port = cfg->check.port ? cfg->check.port : cfg->port;
		slot_init(h, t, &t->check, false, cfg->check.interval_ms,
			  cfg->check.timeout_ms, now_ms);
	}
	if (cfg->agent.port) {
		t->agent.kind = HEALTH_AGENT;
		t->agent.port = cfg->agent.port;
		slot_init(h, t, &t->agent, true, cfg->agent.interval_ms,
			  cfg->agent.timeout_ms, now_ms);
	}
}

int health_add(struct health *h, const struct health_target *cfg,
	       __u64 now_ms)
{
	struct target *t;
	int err;

	err = target_valid(cfg);
	if (err)
		return err;
	if (cfg->id < h->n_id && h->by_id[cfg->id])
		return -EEXIST;
	if (cfg->id >= h->n_id) {
		size_t n = h->n_id ? h->n_id : 64;
		struct target **nb;

		while (n <= cfg->id)
			n *= 2;
		nb = realloc(h->by_id, n * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		memset(nb + h->n_id, 0, (n - h->n_id) * sizeof(*nb));
		h->by_id = nb;
		h->n_id = n;
	}
	if (group_reserve(h, cfg->group) || heap_reserve(h, 2))
		return -ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->backoff = 1;
	t->weight = cfg->weight;
	t->agent_pct = 100;
	t->check.heap_idx = NO_HEAP;
	t->agent.heap_idx = NO_HEAP;
	probe_init(&t->check.p);
	probe_init(&t->agent.p);
	t->check_state = cfg->check.kind == HEALTH_NONE ? HEALTH_UP :
			 cfg->initial;
	slots_setup(h, t, now_ms);
	t->state = t->check_state;
	group_join(h, t, 1);
	h->by_id[cfg->id] = t;
	return 0;
}

int health_update(struct health *h, const struct health_target *cfg,
		  __u64 now_ms)
{
	struct target *t = cfg->id < h->n_id ? h->by_id[cfg->id] : NULL;
	bool reweigh;
	int err, old_kind;

	if (!t)
		return -ENOENT;
	err = target_valid(cfg);
	if (err)
		return err;
	if (group_reserve(h, cfg->group) || heap_reserve(h, 2))
		return -ENOMEM;
	/* In-flight probes belong to the old configuration. */
	heap_remove(h, &t->check);
	heap_remove(h, &t->agent);
	unwatch(h, &t->check);
	unwatch(h, &t->agent);
	group_join(h, t, -1);
	old_kind = t->cfg.check.kind;
	/* A new configured weight, or the agent gone: the operator's own
	 * change, never damped. Otherwise a report the damper holds back
	 * stays held (new damper settings judge the next report). */
	reweigh = cfg->weight != t->cfg.weight ||
		  (t->cfg.agent.port && !cfg->agent.port);
	t->cfg = *cfg;
	group_join(h, t, 1);
	if (cfg->check.kind == HEALTH_NONE) {
		t->check_state = HEALTH_UP;
		t->backoff = 1;
	} else if (old_kind == HEALTH_NONE) {
		t->check_state = cfg->initial;
	}
	if (!cfg->agent.port) {
		t->agent_down = 0;
		t->agent_drain = 0;
		t->agent_pct = 100;
	}
	slots_setup(h, t, now_ms);
	update_state(h, t, &t->check, &t->last, now_ms);
	if (reweigh)
		set_weight(h, t, &t->check, &t->last,
			   health_weight_of(cfg->weight, t->agent_pct), true,
			   now_ms);
	return 0;
}

static void target_free(struct health *h, struct target *t)
{
	heap_remove(h, &t->check);
	heap_remove(h, &t->agent);
	unwatch(h, &t->check);
	unwatch(h, &t->agent);
	group_join(h, t, -1);
	free(t);
}

int health_del(struct health *h, __u32 id)
{
	struct target *t = id < h->n_id ? h->by_id[id] : NULL;

	if (!t)
		return -ENOENT;
	h->by_id[id] = NULL;
	target_free(h, t);
	return 0;
}

void health_free(struct health *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n_id; i++)
		if (h->by_id[i])
			target_free(h, h->by_id[i]);
	free(h->by_id);
	free(h->by_fd);
	free(h->heap);
	free(h->groups);
	free(h);
}

int health_get(const struct health *h, __u32 id, struct health_status *st)
{
	const struct target *t = id < h->n_id ? h->by_id[id] : NULL;

	if (!t)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->state = t->state;
	st->check_state = t->check_state;
	st->agent_down = t->agent_down;
	st->agent_drain = t->agent_drain;
	st->agent_pct = t->agent_pct;
	st->last = t->last;
	st->last_latency_ms = t->check.latency_ms;
	st->consecutive = t->check.consecutive;
	st->last_change_ms = t->last_change_ms;
	memcpy(st->count, t->count, sizeof(st->count));
	st->agent_last = t->agent_last;
	memcpy(st->agent_count, t->agent_count, sizeof(st->agent_count));
	st->weight = t->weight;
	st->backoff = t->backoff;
	return 0;
}

__u32 health_group_up(const struct health *h, __u32 group, __u32 *total)
{
	const struct group *g = group < h->n_groups ? &h->groups[group] : NULL;

	if (total)
		*total = g ? g->total : 0;
	return g ? g->up : 0;
}

/* --- text ------------------------------------------------------------- */

static bool word_is(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && !strncasecmp(s, w, len);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

int health_agent_parse(const char *line, size_t len, int *word, int *pct)
{
	size_t i, n;
	int v = 0;

	/* One CR/LF at the end, blanks around the word. */
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	while (len && blank(line[len - 1]))
		len--;
	while (len && blank(*line)) {
		line++;
		len--;
	}
	if (word_is(line, len, "up")) {
		*word = HEALTH_AGENT_UP;
		*pct = 100;
		return 0;
	}
	if (word_is(line, len, "down")) {
		*word = HEALTH_AGENT_DOWN;
		*pct = 0;
		return 0;
	}
	if (word_is(line, len, "drain")) {
		*word = HEALTH_AGENT_DRAIN;
		*pct = 0;
		return 0;
	}
	if (len < 2 || line[len - 1] != '%')
		return -EINVAL;
	n = len - 1;
	for (i = 0; i < n; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -EINVAL;
		/* Saturate: any number past 100 is just out of range. */
		if (v <= 100)
			v = v * 10 + (line[i] - '0');
	}
	if (v > 100)
		return -ERANGE;
	*word = HEALTH_AGENT_PCT;
	*pct = v;
	return 0;
}

const char *health_state_str(int state)
{
	switch (state) {
	case HEALTH_UP:
		return "up";
	case HEALTH_DOWN:
		return "down";
	default:
		return "unknown";
	}
}

static const char *why_str(int why)
{
	switch (why) {
	case HEALTH_WHY_SOCKET:		return "socket";
	case HEALTH_WHY_CONNECT:	return "connect";
	case HEALTH_WHY_SEND:		return "send";
	case HEALTH_WHY_RECV:		return "recv";
	case HEALTH_WHY_CLOSED:		return "closed before answering";
	case HEALTH_WHY_STATUS:		return "http";
	case HEALTH_WHY_BAD_REPLY:	return "bad reply";
	case HEALTH_WHY_MISMATCH:	return "unexpected reply";
	case HEALTH_WHY_TOO_LONG:	return "reply too long";
	default:			return "error";
	}
}

const char *health_result_str(const struct health_result *r, char *buf,
			      size_t len)
{
	switch (r->res) {
	case HEALTH_RES_NONE:
		snprintf(buf, len, "none");
		break;
	case HEALTH_RES_OK:
		snprintf(buf, len, "ok");
		break;
	case HEALTH_RES_TIMEOUT:
		snprintf(buf, len, "timeout");
		break;
	default:
		if (r->why == HEALTH_WHY_STATUS)
			snprintf(buf, len, "fail: http %u", r->code);
		else if (r->err)
			snprintf(buf, len, "fail: %s: %s", why_str(r->why),
				 strerror(r->err));
		else
			snprintf(buf, len, "fail: %s", why_str(r->why));
	}
	return buf;
}
