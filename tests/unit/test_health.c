// SPDX-License-Identifier: GPL-2.0
/*
 * Health engine on a fake clock with scripted probes (no sockets): rise and
 * fall, back-off, jitter, agent reports and the damper, the helpers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "health.h"
#include "probe.h"
#include "xlb.h"

#define MAX_ID		8192
#define MAX_EV		256
#define FAKE_FD_BASE	100000	/* no real fd is that high here */

enum { FK_DONE = 0, FK_HANG };

struct script {
	int mode;
	struct health_result r;
	const char *line;	/* agent: what it answers */
};

struct ev_copy {
	struct health_event ev;
	__u64 now;
	char line[64];
};

static struct {
	__u64 now;
	struct script chk[MAX_ID], agt[MAX_ID];
	struct ev_copy ev[MAX_EV];
	int n_ev;
	long events_total;
	/* start times per target, check slot */
	__u64 starts[MAX_ID][64];
	int n_starts[MAX_ID];
	__u64 agent_starts;
	int fds_open;
	int fd_adds, fd_dels;
} fk;

static __u32 id_of(const struct probe_spec *s)
{
	__u32 a = ntohl(s->addr.a[0]);

	return a & 0xffff;
}

static const struct health_result R_OK = { .res = HEALTH_RES_OK };
static const struct health_result R_FAIL = {
	.res = HEALTH_RES_FAIL, .why = HEALTH_WHY_CONNECT, .err = 111,
};

static int fake_start(struct probe *p, const struct probe_spec *s,
		      struct health_result *r)
{
	__u32 id = id_of(s);
	bool agent = s->kind == HEALTH_AGENT;
	const struct script *sc = agent ? &fk.agt[id] : &fk.chk[id];

	if (agent) {
		fk.agent_starts++;
	} else if (fk.n_starts[id] < 64) {
		fk.starts[id][fk.n_starts[id]++] = fk.now;
	}
	p->fd = FAKE_FD_BASE + id * 2 + agent;
	p->events = EPOLLIN;
	fk.fds_open++;
	if (sc->mode == FK_HANG)
		return PROBE_WAIT;
	*r = sc->r;
	if (sc->line) {
		p->len = strlen(sc->line);
		memcpy(p->buf, sc->line, p->len);
	}
	return PROBE_DONE;
}

/* A hanging probe that becomes readable answers with its script. */
static int fake_io(struct probe *p, const struct probe_spec *s,
		   uint32_t events, struct health_result *r)
{
	const struct script *sc = s->kind == HEALTH_AGENT ?
				  &fk.agt[id_of(s)] : &fk.chk[id_of(s)];

	(void)events;
	*r = sc->r;
	if (sc->line) {
		p->len = strlen(sc->line);
		memcpy(p->buf, sc->line, p->len);
	}
	return PROBE_DONE;
}

static void fake_timeout(struct probe *p, const struct probe_spec *s,
			 struct health_result *r)
{
	(void)p;
	(void)s;
	*r = (struct health_result){ .res = HEALTH_RES_TIMEOUT,
				     .why = HEALTH_WHY_TIMEOUT };
}

static void fake_close(struct probe *p)
{
	if (p->fd >= 0)
		fk.fds_open--;
	p->fd = -1;
}

static const struct health_probe_ops fake_probe = {
	.start = fake_start,
	.io = fake_io,
	.timeout = fake_timeout,
	.close = fake_close,
};

static int cb_fd_add(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)fd;
	(void)events;
	fk.fd_adds++;
	return 0;
}

static void cb_fd_del(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	fk.fd_dels++;
}

static void cb_event(void *ctx, const struct health_event *ev)
{
	(void)ctx;
	fk.events_total++;
	if (fk.n_ev < MAX_EV) {
		struct ev_copy *c = &fk.ev[fk.n_ev++];

		c->ev = *ev;
		c->now = fk.now;
		c->line[0] = '\0';
		if (ev->line)
			snprintf(c->line, sizeof(c->line), "%s", ev->line);
		c->ev.line = NULL;
	}
}

static const struct health_ops ops = {
	.fd_add = cb_fd_add,
	.fd_del = cb_fd_del,
	.event = cb_event,
};

static struct health *new_h(__u64 seed)
{
	struct health_params par = { .seed = seed, .probe = &fake_probe };
	struct health *h;

	memset(&fk, 0, sizeof(fk));
	fk.now = 1000000;
	h = health_new(&ops, &par);
	assert_non_null(h);
	return h;
}

static struct health_target tgt(__u32 id, int kind)
{
	struct health_target t = {
		.id = id,
		.group = 1,
		.port = 80,
		.weight = 100,
		.initial = HEALTH_UNKNOWN,
	};

	t.addr.family = XLB_AF_INET;
	t.addr.a[0] = htonl(0xc6120000 | id);	/* 198.18.x.y */
	t.check.kind = kind;
	t.check.interval_ms = 1000;
	return t;
}

/* Advance the fake clock to the next deadline and run it. */
static void step(struct health *h)
{
	__u64 d = health_next_deadline(h);

	assert_true(d != UINT64_MAX);
	assert_true(d >= fk.now);
	fk.now = d;
	health_tick(h, fk.now);
}

/* Run one probe of target id (the only one) and return its state. */
static int probe_once(struct health *h, __u32 id, struct health_result r)
{
	struct health_status st;
	int before = fk.n_starts[id];

	fk.chk[id].r = r;
	while (fk.n_starts[id] == before)
		step(h);
	assert_int_equal(health_get(h, id, &st), 0);
	return st.state;
}

static void test_rise_fall(void **state)
{
	struct health *h = new_h(1);
	struct health_target t = tgt(1, HEALTH_TCP);
	struct health_status st;

	(void)state;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	assert_int_equal(health_get(h, 1, &st), 0);
	assert_int_equal(st.state, HEALTH_UNKNOWN);
	/* A new backend: the first success proves it. */
	assert_int_equal(probe_once(h, 1, R_OK), HEALTH_UP);
	assert_int_equal(fk.n_ev, 1);
	assert_int_equal(fk.ev[0].ev.type, HEALTH_EV_STATE);
	assert_int_equal(fk.ev[0].ev.old_state, HEALTH_UNKNOWN);
	assert_int_equal(fk.ev[0].ev.new_state, HEALTH_UP);
	assert_int_equal(fk.ev[0].ev.consecutive, 1);
	assert_int_equal(fk.ev[0].ev.id, 1);
	assert_int_equal(fk.ev[0].ev.group, 1);
	/* fall 3: two failures, then a success resets the count. */
	assert_int_equal(probe_once(h, 1, R_FAIL), HEALTH_UP);
	assert_int_equal(probe_once(h, 1, R_FAIL), HEALTH_UP);
	health_get(h, 1, &st);
	assert_int_equal(st.consecutive, 2);
	assert_int_equal(probe_once(h, 1, R_OK), HEALTH_UP);
	health_get(h, 1, &st);
	assert_int_equal(st.consecutive, 1);
	assert_int_equal(probe_once(h, 1, R_FAIL), HEALTH_UP);
	assert_int_equal(probe_once(h, 1, R_FAIL), HEALTH_UP);
	assert_int_equal(fk.n_ev, 1);
	assert_int_equal(probe_once(h, 1, R_FAIL), HEALTH_DOWN);
	assert_int_equal(fk.n_ev, 2);
	assert_int_equal(fk.ev[1].ev.old_state, HEALTH_UP);
	assert_int_equal(fk.ev[1].ev.new_state, HEALTH_DOWN);
	assert_int_equal(fk.ev[1].ev.consecutive, 3);
	assert_int_equal(fk.ev[1].ev.result.res, HEALTH_RES_FAIL);
	assert_int_equal(fk.ev[1].ev.result.err, 111);
	health_get(h, 1, &st);
	assert_int_equal(st.last_change_ms, fk.now);
	/* rise 2: success, failure resets, then two successes. */
	assert_int_equal(probe_once(h, 1, R_OK), HEALTH_DOWN);
	assert_int_equal(probe_once(h, 1, R_FAIL), HEALTH_DOWN);
	assert_int_equal(probe_once(h, 1, R_OK), HEALTH_DOWN);
	assert_int_equal(fk.n_ev, 2);
	assert_int_equal(probe_once(h, 1, R_OK), HEALTH_UP);
	assert_int_equal(fk.n_ev, 3);
	assert_int_equal(fk.ev[2].ev.old_state, HEALTH_DOWN);
	assert_int_equal(fk.ev[2].ev.consecutive, 2);
	health_get(h, 1, &st);
	assert_int_equal(st.count[HEALTH_RES_OK], 5);
	assert_int_equal(st.count[HEALTH_RES_FAIL], 6);
	assert_int_equal(st.count[HEALTH_RES_TIMEOUT], 0);
	health_free(h);
}

static void test_custom_rise_fall(void **state)
{
	struct health *h = new_h(2);
	struct health_target t = tgt(3, HEALTH_TCP);
	int i;

	(void)state;
	t.check.rise = 4;
	t.check.fall = 1;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	assert_int_equal(probe_once(h, 3, R_FAIL), HEALTH_DOWN);
	for (i = 0; i < 3; i++)
		assert_int_equal(probe_once(h, 3, R_OK), HEALTH_DOWN);
	assert_int_equal(probe_once(h, 3, R_OK), HEALTH_UP);
	assert_int_equal(probe_once(h, 3, R_FAIL), HEALTH_DOWN);
	assert_int_equal(fk.n_ev, 3);
	health_free(h);
}

/* A backend restored at daemon restart keeps traffic until fall failures. */
static void test_initial_up(void **state)
{
	struct health *h = new_h(3);
	struct health_target t = tgt(2, HEALTH_HTTP);

	(void)state;
	t.initial = HEALTH_UP;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	assert_true(health_group_up(h, 1, NULL) == 1);
	assert_int_equal(probe_once(h, 2, R_FAIL), HEALTH_UP);
	assert_int_equal(probe_once(h, 2, R_FAIL), HEALTH_UP);
	assert_int_equal(fk.n_ev, 0);
	assert_int_equal(probe_once(h, 2, R_FAIL), HEALTH_DOWN);
	assert_int_equal(fk.n_ev, 1);
	assert_int_equal(fk.ev[0].ev.old_state, HEALTH_UP);
	health_free(h);
}

/* Gap between start k-1 and k lies within +-10 % of mult * interval. */
static void assert_gap(__u64 gap, __u32 mult)
{
	__u64 base = 1000ull * mult;

	if (gap < base - base / 10 || gap > base + base / 10)
		fail_msg("gap %llu not within 10%% of %llu",
			 (unsigned long long)gap, (unsigned long long)base);
}

static void test_backoff(void **state)
{
	static const __u32 mult[] = { 1, 1, 2, 4, 8, 8, 8, 1, 1, 1 };
	struct health *h = new_h(4);
	struct health_target t = tgt(5, HEALTH_TCP);
	struct health_status st;
	int i;

	(void)state;
	t.initial = HEALTH_UP;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	/* Starts 0..2 fail to DOWN; 3..6 keep failing; 7 succeeds. */
	for (i = 0; i < 7; i++)
		probe_once(h, 5, R_FAIL);
	health_get(h, 5, &st);
	assert_int_equal(st.state, HEALTH_DOWN);
	assert_int_equal(st.backoff, 8);
	probe_once(h, 5, R_OK);
	health_get(h, 5, &st);
	assert_int_equal(st.backoff, 1);
	probe_once(h, 5, R_OK);
	probe_once(h, 5, R_OK);
	assert_int_equal(fk.n_starts[5], 10);
	/* mult[k] is the gap before start k+1. */
	for (i = 1; i < 10; i++)
		assert_gap(fk.starts[5][i] - fk.starts[5][i - 1], mult[i - 1]);
	health_get(h, 5, &st);
	assert_int_equal(st.state, HEALTH_UP);
	health_free(h);
}

static void test_jitter(void **state)
{
	__u64 first[2][50], gmin = UINT64_MAX, gmax = 0;
	int run, i, k;

	(void)state;
	for (run = 0; run < 2; run++) {
		struct health *h = new_h(run == 0 ? 42 : 43);
		__u64 t0 = fk.now;

		for (i = 1; i <= 50; i++) {
			struct health_target t = tgt(i, HEALTH_TCP);

			fk.chk[i].r = R_OK;
			assert_int_equal(health_add(h, &t, t0), 0);
		}
		while (fk.now < t0 + 30000)
			step(h);
		for (i = 1; i <= 50; i++) {
			/* First probe within the first interval. */
			assert_true(fk.starts[i][0] >= t0);
			assert_true(fk.starts[i][0] < t0 + 1000);
			first[run][i - 1] = fk.starts[i][0];
			assert_true(fk.n_starts[i] >= 28);
			for (k = 1; k < fk.n_starts[i]; k++) {
				__u64 g = fk.starts[i][k] - fk.starts[i][k - 1];

				assert_gap(g, 1);
				gmin = g < gmin ? g : gmin;
				gmax = g > gmax ? g : gmax;
			}
		}
		health_free(h);
	}
	/* The jitter is used, both ways, and the seed decides it. */
	assert_true(gmin < 920);
	assert_true(gmax > 1080);
	assert_true(memcmp(first[0], first[1], sizeof(first[0])) != 0);
}

static void test_seed_deterministic(void **state)
{
	__u64 a[20], b[20];
	int run, i;

	(void)state;
	for (run = 0; run < 2; run++) {
		struct health *h = new_h(7);
		struct health_target t = tgt(9, HEALTH_TCP);

		fk.chk[9].r = R_OK;
		assert_int_equal(health_add(h, &t, fk.now), 0);
		while (fk.n_starts[9] < 20)
			step(h);
		memcpy(run ? b : a, fk.starts[9], sizeof(a));
		health_free(h);
	}
	for (i = 0; i < 20; i++)
		assert_true(a[i] == b[i]);
}

static void test_timeout_and_io(void **state)
{
	struct health *h = new_h(5);
	struct health_target t = tgt(4, HEALTH_HTTP);
	struct health_status st;
	__u64 started;

	(void)state;
	t.check.timeout_ms = 300;
	fk.chk[4].mode = FK_HANG;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	step(h);
	started = fk.now;
	assert_int_equal(fk.n_starts[4], 1);
	assert_int_equal(fk.fd_adds, 1);
	assert_true(health_next_deadline(h) == started + 300);
	step(h);
	health_get(h, 4, &st);
	assert_int_equal(st.last.res, HEALTH_RES_TIMEOUT);
	assert_int_equal(st.last_latency_ms, 300);
	assert_int_equal(st.count[HEALTH_RES_TIMEOUT], 1);
	assert_int_equal(st.state, HEALTH_DOWN);
	assert_int_equal(fk.fd_dels, 1);
	assert_int_equal(fk.fds_open, 0);
	/* Next start is from the previous start, backed off (2x). */
	assert_gap(health_next_deadline(h) - started, 2);
	/* Now the probe answers through health_io after 40 ms. */
	fk.chk[4].r = R_OK;
	step(h);
	started = fk.now;
	fk.now += 40;
	health_io(h, FAKE_FD_BASE + 4 * 2, EPOLLIN, fk.now);
	health_get(h, 4, &st);
	assert_int_equal(st.last.res, HEALTH_RES_OK);
	assert_int_equal(st.last_latency_ms, 40);
	assert_int_equal(st.backoff, 1);
	assert_int_equal(fk.fd_dels, 2);
	assert_int_equal(fk.fds_open, 0);
	/* The fd is forgotten: a stray event does nothing. */
	health_io(h, FAKE_FD_BASE + 4 * 2, EPOLLIN, fk.now);
	health_get(h, 4, &st);
	assert_int_equal(st.count[HEALTH_RES_OK], 1);
	assert_gap(health_next_deadline(h) - started, 1);
	/* Deleting with a probe in flight closes it without an event. */
	step(h);
	assert_int_equal(fk.fds_open, 1);
	int n = fk.n_ev;
	assert_int_equal(health_del(h, 4), 0);
	assert_int_equal(fk.fds_open, 0);
	assert_int_equal(fk.n_ev, n);
	assert_true(health_next_deadline(h) == UINT64_MAX);
	health_free(h);
}

static const struct health_event *last_ev(int type)
{
	int i;

	for (i = fk.n_ev - 1; i >= 0; i--)
		if (fk.ev[i].ev.type == type)
			return &fk.ev[i].ev;
	return NULL;
}

static int count_ev(int type)
{
	int i, n = 0;

	for (i = 0; i < fk.n_ev; i++)
		n += fk.ev[i].ev.type == type;
	return n;
}

/* One agent probe answering line; returns the number of new events. */
static int agent_says(struct health *h, __u32 id, const char *line)
{
	__u64 before = fk.agent_starts;
	int n = fk.n_ev;

	fk.agt[id].r = R_OK;
	fk.agt[id].line = line;
	while (fk.agent_starts == before)
		step(h);
	return fk.n_ev - n;
}

static void test_damper(void **state)
{
	struct health *h = new_h(6);
	struct health_target t = tgt(7, HEALTH_NONE);
	const struct health_event *e;
	struct health_status st;
	__u64 last_emit;
	int i, n;

	(void)state;
	t.agent.port = 7777;
	t.agent.interval_ms = 1000;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	health_get(h, 7, &st);
	assert_int_equal(st.state, HEALTH_UP);	/* no check: up */
	assert_int_equal(st.weight, 100);
	/* First report: emitted at once (none emitted before). */
	assert_int_equal(agent_says(h, 7, "50%\n"), 1);
	e = last_ev(HEALTH_EV_WEIGHT);
	assert_non_null(e);
	assert_int_equal(e->old_weight, 100);
	assert_int_equal(e->new_weight, 50);
	assert_int_equal(e->agent, 1);
	last_emit = fk.now;
	/* 45 % is a 10 % change: held until 5 s after the last one. */
	for (i = 0; i < 20; i++) {
		n = agent_says(h, 7, "45%");
		if (n)
			break;
		assert_true(fk.now - last_emit < 5000);
	}
	assert_int_equal(n, 1);
	assert_true(fk.now - last_emit >= 5000);
	assert_true(fk.now - last_emit <= 5000 + 1100);
	e = last_ev(HEALTH_EV_WEIGHT);
	assert_int_equal(e->old_weight, 50);
	assert_int_equal(e->new_weight, 45);
	/* 44 % is a 2 % change: never emitted, however long. */
	for (i = 0; i < 12; i++)
		assert_int_equal(agent_says(h, 7, "44%"), 0);
	health_get(h, 7, &st);
	assert_int_equal(st.weight, 45);
	assert_int_equal(st.agent_pct, 44);
	/* 90 %: large and the interval long passed: at once. */
	assert_int_equal(agent_says(h, 7, "90%"), 1);
	/* To zero: immediate although the last change was just now. */
	assert_int_equal(agent_says(h, 7, "drain"), 1);
	e = last_ev(HEALTH_EV_WEIGHT);
	assert_int_equal(e->old_weight, 90);
	assert_int_equal(e->new_weight, 0);
	assert_int_equal(e->new_state, HEALTH_UP);	/* flows continue */
	health_get(h, 7, &st);
	assert_int_equal(st.agent_drain, 1);
	/* From zero: immediate too. */
	assert_int_equal(agent_says(h, 7, "60%"), 1);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 60);
	assert_int_equal(agent_says(h, 7, "0%"), 1);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 0);
	assert_int_equal(agent_says(h, 7, "UP"), 1);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 100);
	/* down: a state change at once, the weight left alone. */
	assert_int_equal(agent_says(h, 7, "down"), 1);
	e = &fk.ev[fk.n_ev - 1].ev;
	assert_int_equal(e->type, HEALTH_EV_STATE);
	assert_int_equal(e->old_state, HEALTH_UP);
	assert_int_equal(e->new_state, HEALTH_DOWN);
	assert_int_equal(health_get(h, 7, &st), 0);
	assert_int_equal(st.state, HEALTH_DOWN);
	/* Leaving down is immediate, for the state and a small weight step. */
	assert_int_equal(agent_says(h, 7, "95%"), 2);
	assert_int_equal(fk.ev[fk.n_ev - 2].ev.type, HEALTH_EV_STATE);
	assert_int_equal(fk.ev[fk.n_ev - 2].ev.new_state, HEALTH_UP);
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.type, HEALTH_EV_WEIGHT);
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.old_weight, 100);
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.new_weight, 95);
	health_free(h);
}

/* Run agent reports of line until one emits; how long that took. */
static __u64 held_for(struct health *h, __u32 id, const char *line,
		      int max_reports)
{
	__u64 t0 = fk.now;
	int i;

	for (i = 0; i < max_reports; i++)
		if (agent_says(h, id, line))
			return fk.now - t0;
	return UINT64_MAX;
}

/*
 * Non-default damper settings come with each target's agent: a 30 %
 * minimum change and 2500 ms between changes, against the defaults (10 %,
 * 5 s) given the same reports. Agent reports every 500 ms +-10 %.
 */
static void test_damper_settings(void **state)
{
	struct health_target a = tgt(8, HEALTH_NONE), b = tgt(9, HEALTH_NONE);
	struct health_status st;
	struct health *h;
	__u64 took;
	int n;

	(void)state;
	a.agent.port = b.agent.port = 1;
	a.agent.interval_ms = b.agent.interval_ms = 500;
	a.agent.damp_interval_ms = 2500;
	a.agent.damp_change_pct = 30;
	a.weight = b.weight = 200;

	/* A 20 % step: held for good at 30 %, after 5 s at the default. */
	h = new_h(9);
	assert_int_equal(health_add(h, &a, fk.now), 0);
	/* The first report is emitted at once. */
	assert_int_equal(agent_says(h, 8, "50%"), 1);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 100);
	assert_int_equal(held_for(h, 8, "60%", 20), UINT64_MAX);
	health_get(h, 8, &st);
	assert_int_equal(st.weight, 100);
	assert_int_equal(st.agent_pct, 60);
	health_free(h);
	h = new_h(9);
	assert_int_equal(health_add(h, &b, fk.now), 0);
	assert_int_equal(agent_says(h, 9, "50%"), 1);
	took = held_for(h, 9, "60%", 20);
	assert_true(took >= 5000 && took <= 5000 + 550);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 120);
	health_free(h);

	/* Large steps: held 2500 ms, not 5 s. */
	h = new_h(10);
	assert_int_equal(health_add(h, &a, fk.now), 0);
	assert_int_equal(agent_says(h, 8, "50%"), 1);
	took = held_for(h, 8, "80%", 20);		/* 100 -> 160: 60 % */
	assert_true(took >= 2500 && took <= 2500 + 550);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 160);
	took = held_for(h, 8, "55%", 20);		/* 160 -> 110: 31 % */
	assert_true(took >= 2500 && took <= 2500 + 550);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 110);

	/* New settings (a reload) apply no held report by themselves: 60 %
	 * (110 -> 120, 9 %) stays held across the update. The next report
	 * is judged by them: at 1 % and 10 ms a 2 % step passes at once. */
	assert_int_equal(agent_says(h, 8, "60%"), 0);
	a.agent.damp_change_pct = 1;
	a.agent.damp_interval_ms = 10;
	n = fk.n_ev;
	assert_int_equal(health_update(h, &a, fk.now), 0);
	assert_int_equal(fk.n_ev, n);
	health_get(h, 8, &st);
	assert_int_equal(st.weight, 110);
	assert_int_equal(st.agent_pct, 60);
	assert_int_equal(agent_says(h, 8, "54%"), 1);	/* 110 -> 108 */
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 108);
	/* Bad settings are refused and the ones in force stay. */
	a.agent.damp_change_pct = HEALTH_DAMP_CHANGE_PCT_MAX + 1;
	assert_int_equal(health_update(h, &a, fk.now), -EINVAL);
	assert_int_equal(agent_says(h, 8, "53%"), 1);	/* 108 -> 106 */
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 106);
	/* The operator's weight is applied undamped, scaled by the last
	 * report; so is the agent's removal. */
	a.agent.damp_change_pct = 50;
	a.agent.damp_interval_ms = 3600000;
	a.weight = 180;
	assert_int_equal(health_update(h, &a, fk.now), 0);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 95);
	a.agent.port = 0;
	assert_int_equal(health_update(h, &a, fk.now), 0);
	assert_int_equal(last_ev(HEALTH_EV_WEIGHT)->new_weight, 180);
	health_free(h);
}

static void test_agent_errors(void **state)
{
	struct health *h = new_h(8);
	struct health_target t = tgt(6, HEALTH_TCP);
	struct health_status st;
	int i;

	(void)state;
	t.initial = HEALTH_UP;
	t.agent.port = 4444;
	fk.chk[6].r = R_OK;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	assert_int_equal(agent_says(h, 6, "75%"), 1);
	/* Garbage: reported once with the line, counted every time. */
	assert_int_equal(agent_says(h, 6, "hello\tworld\r\n"), 1);
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.type, HEALTH_EV_AGENT_ERROR);
	assert_string_equal(fk.ev[fk.n_ev - 1].line, "hello?world??");
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.result.why,
			 HEALTH_WHY_BAD_REPLY);
	for (i = 0; i < 3; i++)
		assert_int_equal(agent_says(h, 6, "150%"), 0);
	/* A different error is news. */
	fk.agt[6].r = R_FAIL;
	fk.agt[6].line = NULL;
	__u64 before = fk.agent_starts;
	int n = fk.n_ev;

	while (fk.agent_starts == before)
		step(h);
	assert_int_equal(fk.n_ev, n + 1);
	assert_int_equal(fk.ev[n].ev.type, HEALTH_EV_AGENT_ERROR);
	assert_int_equal(fk.ev[n].ev.result.why, HEALTH_WHY_CONNECT);
	health_get(h, 6, &st);
	/* Nothing else changed: weight and state stay. */
	assert_int_equal(st.weight, 75);
	assert_int_equal(st.state, HEALTH_UP);
	assert_int_equal(st.agent_count[HEALTH_RES_OK], 1);
	assert_int_equal(st.agent_count[HEALTH_RES_FAIL], 5);
	assert_int_equal(st.agent_last.why, HEALTH_WHY_CONNECT);
	/* Recovery is quiet unless the weight changes. */
	assert_int_equal(agent_says(h, 6, "75%"), 0);
	assert_int_equal(count_ev(HEALTH_EV_AGENT_ERROR), 2);
	assert_int_equal(count_ev(HEALTH_EV_WEIGHT), 1);
	health_free(h);
}

static void test_agent_parse(void **state)
{
	static const struct {
		const char *in;
		int err, word, pct;
	} cases[] = {
		{ "50%", 0, HEALTH_AGENT_PCT, 50 },
		{ "0%", 0, HEALTH_AGENT_PCT, 0 },
		{ "100%", 0, HEALTH_AGENT_PCT, 100 },
		{ "007%\r\n", 0, HEALTH_AGENT_PCT, 7 },
		{ " 75%\t\n", 0, HEALTH_AGENT_PCT, 75 },
		{ "up", 0, HEALTH_AGENT_UP, 100 },
		{ "Up\n", 0, HEALTH_AGENT_UP, 100 },
		{ "DOWN\r\n", 0, HEALTH_AGENT_DOWN, 0 },
		{ "drain", 0, HEALTH_AGENT_DRAIN, 0 },
		{ "101%", -ERANGE, 0, 0 },
		{ "99999999999999999999%", -ERANGE, 0, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "\n", -EINVAL, 0, 0 },
		{ "%", -EINVAL, 0, 0 },
		{ "50", -EINVAL, 0, 0 },
		{ "-5%", -EINVAL, 0, 0 },
		{ "+5%", -EINVAL, 0, 0 },
		{ "5 0%", -EINVAL, 0, 0 },
		{ "50 %", -EINVAL, 0, 0 },
		{ "5.5%", -EINVAL, 0, 0 },
		{ "50%%", -EINVAL, 0, 0 },
		{ "up 50%", -EINVAL, 0, 0 },
		{ "drained", -EINVAL, 0, 0 },
		{ "upp", -EINVAL, 0, 0 },
		{ "ready", -EINVAL, 0, 0 },
		{ "50%\n\n", -EINVAL, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int word = -1, pct = -1;
		int err = health_agent_parse(cases[i].in, strlen(cases[i].in),
					     &word, &pct);

		if (err != cases[i].err)
			fail_msg("\"%s\": err %d, expected %d", cases[i].in,
				 err, cases[i].err);
		if (!err && (word != cases[i].word || pct != cases[i].pct))
			fail_msg("\"%s\": word %d pct %d", cases[i].in, word,
				 pct);
	}
	/* Length, not NUL, bounds the line. */
	int word, pct;

	assert_int_equal(health_agent_parse("40%garbage", 3, &word, &pct), 0);
	assert_int_equal(pct, 40);
}

static void test_http_status(void **state)
{
	static const struct {
		const char *in;
		bool eof;
		int err, code;
	} cases[] = {
		{ "HTTP/1.0 200 OK\r\n", false, 0, 200 },
		{ "HTTP/1.1 500 Internal Server Error\r\nServer: x\r\n", false,
		  0, 500 },
		{ "HTTP/1.1 204\r\n", false, 0, 204 },
		{ "HTTP/1.1 301 Moved\n", false, 0, 301 },
		{ "HTTP/1.0 200 OK", true, 0, 200 },
		{ "HTTP/1.0 200 OK", false, -EAGAIN, 0 },
		{ "HTTP/1.", false, -EAGAIN, 0 },
		{ "", true, -EINVAL, 0 },
		{ "HTTP/1.0 20 OK\r\n", false, -EINVAL, 0 },
		{ "HTTP/1.0 2000 OK\r\n", false, -EINVAL, 0 },
		{ "HTTP/1.0 099 OK\r\n", false, -EINVAL, 0 },
		{ "HTTP/1.0 abc OK\r\n", false, -EINVAL, 0 },
		{ "HTTP/1.0  200 OK\r\n", false, -EINVAL, 0 },
		{ "HTTP/x.0 200 OK\r\n", false, -EINVAL, 0 },
		{ "http/1.0 200 OK\r\n", false, -EINVAL, 0 },
		{ "SSH-2.0-OpenSSH_9.2\r\n", false, -EINVAL, 0 },
		{ "HTTP/1.0 200OK\r\n", false, -EINVAL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int code = -1;
		int err = probe_http_status(cases[i].in, strlen(cases[i].in),
					    cases[i].eof, &code);

		if (err != cases[i].err)
			fail_msg("\"%s\": err %d, expected %d", cases[i].in,
				 err, cases[i].err);
		if (!err && code != cases[i].code)
			fail_msg("\"%s\": code %d", cases[i].in, code);
	}
}

static void test_groups(void **state)
{
	struct health *h = new_h(9);
	struct health_target a = tgt(10, HEALTH_TCP), b = tgt(11, HEALTH_TCP);
	struct health_target c = tgt(12, HEALTH_TCP);
	__u32 total;

	(void)state;
	a.group = b.group = 5;
	a.initial = b.initial = HEALTH_UP;
	c.group = 6;
	/* no backends */
	assert_int_equal(health_group_up(h, 5, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(health_group_up(h, 1000, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(health_add(h, &a, fk.now), 0);
	assert_int_equal(health_add(h, &b, fk.now), 0);
	assert_int_equal(health_add(h, &c, fk.now), 0);
	assert_int_equal(health_group_up(h, 5, &total), 2);
	assert_int_equal(total, 2);
	/* c is unknown: not up, so its group counts as all down. */
	assert_int_equal(health_group_up(h, 6, &total), 0);
	assert_int_equal(total, 1);
	fk.chk[10].r = R_FAIL;
	fk.chk[11].r = R_FAIL;
	fk.chk[12].r = R_OK;
	while (fk.n_starts[10] < 3 || fk.n_starts[11] < 3)
		step(h);
	assert_int_equal(health_group_up(h, 5, &total), 0);
	assert_int_equal(total, 2);
	assert_int_equal(health_group_up(h, 6, &total), 1);
	assert_int_equal(total, 1);
	fk.chk[11].r = R_OK;
	while (fk.n_starts[11] < 5)
		step(h);
	assert_int_equal(health_group_up(h, 5, NULL), 1);
	assert_int_equal(health_del(h, 11), 0);
	assert_int_equal(health_group_up(h, 5, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(health_del(h, 10), 0);
	assert_int_equal(health_group_up(h, 5, &total), 0);
	assert_int_equal(total, 0);
	health_free(h);
}

static void test_validation(void **state)
{
	struct health *h = new_h(10);
	struct health_target t;

	(void)state;
#define BAD(stmt) do {							\
		t = tgt(20, HEALTH_HTTP);				\
		stmt;							\
		assert_int_equal(health_add(h, &t, fk.now), -EINVAL);	\
	} while (0)
	BAD(t.id = 0);
	BAD(t.id = XLB_MAX_BACKENDS);
	BAD(t.group = XLB_MAX_VIPS);
	BAD(t.addr.family = 0);
	BAD(t.weight = 0);
	BAD(t.initial = HEALTH_DOWN);
	BAD(t.check.kind = HEALTH_AGENT);
	BAD(t.check.kind = 99);
	BAD(t.check.interval_ms = 5);
	BAD(t.check.timeout_ms = 1001);
	BAD(t.check.expect_code = 99);
	BAD(t.check.expect_code = 600);
	BAD(strcpy(t.check.path, "health"));
	BAD(strcpy(t.check.path, "/a b"));
	BAD(strcpy(t.check.path, "/a\r\nX: y"));
	BAD(memset(t.check.path, '/', sizeof(t.check.path)));
	BAD(strcpy(t.check.host, "a\nb"));
	BAD(t.check.send[0] = '\x01');
	BAD((t.port = 0, t.check.port = 0));
	BAD((t.agent.port = 1, t.agent.timeout_ms = 5000));
	BAD((t.agent.port = 1, t.agent.damp_interval_ms = 9));
	BAD((t.agent.port = 1, t.agent.damp_interval_ms = 3600001));
	BAD((t.agent.port = 1,
	     t.agent.damp_change_pct = HEALTH_DAMP_CHANGE_PCT_MAX + 1));
#undef BAD
	/* Source addresses must match their family. */
	struct health_params par = { 0 };

	par.src4.family = XLB_AF_INET6;
	errno = 0;
	assert_null(health_new(&ops, &par));
	assert_int_equal(errno, EINVAL);
	par.src4.family = 0;
	par.src6.family = XLB_AF_INET;
	assert_null(health_new(&ops, &par));
	t = tgt(20, HEALTH_HTTP);
	t.check.timeout_ms = 1000;	/* equal to the interval is fine */
	strcpy(t.check.path, "/healthz?x=1");
	assert_int_equal(health_add(h, &t, fk.now), 0);
	assert_int_equal(health_add(h, &t, fk.now), -EEXIST);
	assert_int_equal(health_del(h, 21), -ENOENT);
	assert_int_equal(health_del(h, 200000), -ENOENT);
	struct health_status st;

	assert_int_equal(health_get(h, 21, &st), -ENOENT);
	/* A check without a port of its own on a portless target is ok
	 * when there is no check. */
	t = tgt(22, HEALTH_NONE);
	t.port = 0;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	health_free(h);
}

static void test_update(void **state)
{
	struct health *h = new_h(12);
	struct health_target t = tgt(30, HEALTH_TCP);
	struct health_status st;
	__u32 total;

	(void)state;
	assert_int_equal(health_update(h, &t, fk.now), -ENOENT);
	assert_int_equal(health_add(h, &t, fk.now), 0);
	assert_int_equal(probe_once(h, 30, R_OK), HEALTH_UP);
	/* Weight: emitted at once, state and counters kept. */
	t.weight = 50;
	assert_int_equal(health_update(h, &t, fk.now), 0);
	assert_int_equal(fk.n_ev, 2);
	assert_int_equal(fk.ev[1].ev.type, HEALTH_EV_WEIGHT);
	assert_int_equal(fk.ev[1].ev.old_weight, 100);
	assert_int_equal(fk.ev[1].ev.new_weight, 50);
	health_get(h, 30, &st);
	assert_int_equal(st.state, HEALTH_UP);
	assert_int_equal(st.count[HEALTH_RES_OK], 1);
	/* Invalid: refused, nothing changes. */
	t.weight = 0;
	assert_int_equal(health_update(h, &t, fk.now), -EINVAL);
	health_get(h, 30, &st);
	assert_int_equal(st.weight, 50);
	/* New interval: the next probe comes within the new one. */
	t.weight = 50;
	t.check.interval_ms = 5000;
	assert_int_equal(health_update(h, &t, fk.now), 0);
	assert_true(health_next_deadline(h) < fk.now + 5000);
	probe_once(h, 30, R_FAIL);
	probe_once(h, 30, R_FAIL);
	assert_int_equal(probe_once(h, 30, R_FAIL), HEALTH_DOWN);
	assert_gap((fk.starts[30][3] - fk.starts[30][2]) / 5, 1);
	/* Another group: counts move with it. */
	t.group = 2;
	assert_int_equal(health_update(h, &t, fk.now), 0);
	assert_int_equal(health_group_up(h, 1, &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(health_group_up(h, 2, &total), 0);
	assert_int_equal(total, 1);
	/* Check removed: a down backend is up, at once. */
	t.check.kind = HEALTH_NONE;
	assert_int_equal(health_update(h, &t, fk.now), 0);
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.type, HEALTH_EV_STATE);
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.old_state, HEALTH_DOWN);
	assert_int_equal(fk.ev[fk.n_ev - 1].ev.new_state, HEALTH_UP);
	assert_int_equal(health_group_up(h, 2, NULL), 1);
	assert_true(health_next_deadline(h) == UINT64_MAX);
	/* A check added again starts from initial. */
	t.check.kind = HEALTH_TCP;
	t.initial = HEALTH_UNKNOWN;
	assert_int_equal(health_update(h, &t, fk.now), 0);
	health_get(h, 30, &st);
	assert_int_equal(st.state, HEALTH_UNKNOWN);
	assert_int_equal(health_group_up(h, 2, NULL), 0);
	health_free(h);
}

static void test_local_error(void **state)
{
	static const struct health_result emfile = {
		.res = HEALTH_RES_FAIL, .why = HEALTH_WHY_SOCKET, .err = EMFILE,
	};
	struct health *h = new_h(13);
	struct health_target t = tgt(31, HEALTH_TCP);
	struct health_status st;
	int i;

	(void)state;
	t.initial = HEALTH_UP;
	assert_int_equal(health_add(h, &t, fk.now), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(probe_once(h, 31, emfile), HEALTH_UP);
	assert_int_equal(fk.n_ev, 1);
	assert_int_equal(fk.ev[0].ev.type, HEALTH_EV_LOCAL_ERROR);
	assert_int_equal(fk.ev[0].ev.result.err, EMFILE);
	health_get(h, 31, &st);
	assert_int_equal(st.count[HEALTH_RES_FAIL], 5);
	assert_int_equal(st.backoff, 1);
	/* Real failures count; a local error between them is neutral (it
	 * neither adds to nor resets the streak) and news again. */
	assert_int_equal(probe_once(h, 31, R_FAIL), HEALTH_UP);
	assert_int_equal(probe_once(h, 31, R_FAIL), HEALTH_UP);
	assert_int_equal(probe_once(h, 31, emfile), HEALTH_UP);
	assert_int_equal(fk.n_ev, 2);
	assert_int_equal(fk.ev[1].ev.type, HEALTH_EV_LOCAL_ERROR);
	assert_int_equal(probe_once(h, 31, R_FAIL), HEALTH_DOWN);
	assert_int_equal(fk.ev[2].ev.consecutive, 3);
	health_free(h);
}

static void test_weight_of(void **state)
{
	(void)state;
	assert_int_equal(health_weight_of(100, 50), 50);
	assert_int_equal(health_weight_of(1, 50), 1);
	assert_int_equal(health_weight_of(3, 1), 1);
	assert_int_equal(health_weight_of(1000, 0), 0);
	assert_int_equal(health_weight_of(65535, 100), 65535);
	assert_int_equal(health_weight_of(65535, 99), 64879);
}

static void test_result_str(void **state)
{
	struct health_result r = { .res = HEALTH_RES_FAIL,
				   .why = HEALTH_WHY_STATUS, .code = 500 };
	char buf[64];

	(void)state;
	assert_string_equal(health_result_str(&r, buf, sizeof(buf)),
			    "fail: http 500");
	r = (struct health_result){ .res = HEALTH_RES_FAIL,
				    .why = HEALTH_WHY_CONNECT,
				    .err = ECONNREFUSED };
	assert_string_equal(health_result_str(&r, buf, sizeof(buf)),
			    "fail: connect: Connection refused");
	r = (struct health_result){ .res = HEALTH_RES_TIMEOUT };
	assert_string_equal(health_result_str(&r, buf, sizeof(buf)),
			    "timeout");
	assert_string_equal(health_state_str(HEALTH_DOWN), "down");
}

/* Many backends: every probe starts exactly when due, each on its own
 * schedule, and the heap never loses or duplicates a slot. */
static void test_many(void **state)
{
	struct health *h = new_h(11);
	__u64 t0 = fk.now;
	int i, k;

	(void)state;
	for (i = 1; i <= 5000; i++) {
		struct health_target t = tgt(i, HEALTH_TCP);

		t.check.interval_ms = 100;
		fk.chk[i].r = (i % 3) ? R_OK : R_FAIL;
		assert_int_equal(health_add(h, &t, t0), 0);
	}
	while (fk.now < t0 + 2000)
		step(h);
	for (i = 1; i <= 5000; i++) {
		/* OK ones: 100 ms +-10 %; failing ones back off. */
		if (i % 3) {
			assert_true(fk.n_starts[i] >= 18 &&
				    fk.n_starts[i] <= 23);
			for (k = 1; k < fk.n_starts[i]; k++) {
				__u64 g = fk.starts[i][k] - fk.starts[i][k - 1];

				assert_true(g >= 90 && g <= 110);
			}
		} else {
			struct health_status st;

			health_get(h, i, &st);
			assert_int_equal(st.state, HEALTH_DOWN);
			assert_int_equal(st.backoff, 8);
		}
	}
	assert_int_equal(health_group_up(h, 1, NULL), 5000 - 5000 / 3);
	health_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rise_fall),
		cmocka_unit_test(test_custom_rise_fall),
		cmocka_unit_test(test_initial_up),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_jitter),
		cmocka_unit_test(test_seed_deterministic),
		cmocka_unit_test(test_timeout_and_io),
		cmocka_unit_test(test_damper),
		cmocka_unit_test(test_damper_settings),
		cmocka_unit_test(test_agent_errors),
		cmocka_unit_test(test_agent_parse),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_local_error),
		cmocka_unit_test(test_weight_of),
		cmocka_unit_test(test_result_str),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
