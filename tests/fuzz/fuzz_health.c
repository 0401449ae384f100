// SPDX-License-Identifier: GPL-2.0
/*
 * Health engine under arbitrary sequences of adds, updates, deletes,
 * clock steps, probe outcomes and agent lines (scripted probes, no
 * sockets), checking its invariants after every step: group counts match
 * the backends' states, no weight above the configured one, every fd
 * handed out is given back, the next deadline is in the future, events
 * describe real changes. Raw bytes also go through both line parsers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include "health.h"
#include "probe.h"
#include "xlb.h"

#define IDS	16
#define GROUPS	3

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

enum { OUT_OK, OUT_FAIL, OUT_HANG, OUT_LOCAL };

static struct {
	int outcome[IDS + 1];
	char line[IDS + 1][9];
	int fds_out;		/* handed to fd_add, not yet fd_del'd */
	int open;		/* fake sockets not yet closed */
	int hanging[64];
	int n_hanging;
	__u16 weight[IDS + 1];	/* configured, 0: not added */
} F;

static __u32 id_of(const struct probe_spec *s)
{
	return ntohl(s->addr.a[0]) & 0xff;
}

static int f_start(struct probe *p, const struct probe_spec *s,
		   struct health_result *r)
{
	__u32 id = id_of(s);
	int out = F.outcome[id];

	memset(r, 0, sizeof(*r));
	p->fd = 1000 + id * 2 + (s->kind == HEALTH_AGENT);
	p->events = EPOLLOUT;
	F.open++;
	if (s->kind == HEALTH_AGENT) {
		p->len = strlen(F.line[id]);
		memcpy(p->buf, F.line[id], p->len);
	}
	switch (out) {
	case OUT_HANG:
		if (F.n_hanging < 64)
			F.hanging[F.n_hanging++] = p->fd;
		return PROBE_WAIT;
	case OUT_LOCAL:
		r->res = HEALTH_RES_FAIL;
		r->why = HEALTH_WHY_SOCKET;
		r->err = 24;
		return PROBE_DONE;
	case OUT_FAIL:
		r->res = HEALTH_RES_FAIL;
		r->why = HEALTH_WHY_CONNECT;
		r->err = 111;
		return PROBE_DONE;
	default:
		r->res = HEALTH_RES_OK;
		return PROBE_DONE;
	}
}

static int f_io(struct probe *p, const struct probe_spec *s, uint32_t ev,
		struct health_result *r)
{
	(void)s;
	memset(r, 0, sizeof(*r));
	if (ev & EPOLLIN) {
		r->res = HEALTH_RES_OK;
		return PROBE_DONE;
	}
	/* Half way: now waits for input. */
	p->events = EPOLLIN;
	return PROBE_WAIT;
}

static void f_timeout(struct probe *p, const struct probe_spec *s,
		      struct health_result *r)
{
	(void)p;
	(void)s;
	memset(r, 0, sizeof(*r));
	r->res = HEALTH_RES_TIMEOUT;
	r->why = HEALTH_WHY_TIMEOUT;
}

static void f_close(struct probe *p)
{
	if (p->fd >= 0)
		F.open--;
	p->fd = -1;
}

static int f_fd_add(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)fd;
	(void)events;
	F.fds_out++;
	return 0;
}

static int f_fd_mod(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)fd;
	(void)events;
	return 0;
}

static void f_fd_del(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	F.fds_out--;
}

static void f_event(void *ctx, const struct health_event *ev)
{
	(void)ctx;
	CHECK(ev->id >= 1 && ev->id <= IDS);
	CHECK(ev->group < GROUPS);
	if (ev->type == HEALTH_EV_STATE)
		CHECK(ev->old_state != ev->new_state);
	if (ev->type == HEALTH_EV_WEIGHT) {
		CHECK(ev->old_weight != ev->new_weight);
		CHECK(ev->new_weight <= F.weight[ev->id]);
	}
	CHECK(ev->type != HEALTH_EV_LOCAL_ERROR ||
	      ev->result.why == HEALTH_WHY_SOCKET);
}

static const struct health_probe_ops fops = {
	.start = f_start, .io = f_io, .timeout = f_timeout, .close = f_close,
};

static const struct health_ops hops = {
	.fd_add = f_fd_add, .fd_mod = f_fd_mod, .fd_del = f_fd_del,
	.event = f_event,
};

static struct health_target make(const uint8_t *d)
{
	struct health_target t = { 0 };

	t.id = 1 + d[0] % IDS;
	t.group = d[1] % GROUPS;
	t.port = 80;
	t.weight = 1 + d[2] * 3;
	t.initial = d[3] & 1 ? HEALTH_UP : HEALTH_UNKNOWN;
	t.addr.family = XLB_AF_INET;
	t.addr.a[0] = htonl(0xc6120000 | t.id);
	t.check.kind = d[3] >> 1 & 3;	/* none, tcp, http, udp */
	t.check.rise = d[3] >> 3 & 3;
	t.check.fall = d[3] >> 5 & 3;
	t.check.interval_ms = 10 + d[4] * 4;
	t.check.timeout_ms = d[4] & 1 ? 0 : t.check.interval_ms;
	if (d[3] & 0x80) {
		t.agent.port = 7777;
		t.agent.interval_ms = 10 + d[2];
	}
	return t;
}

static void invariants(struct health *h, __u64 now, bool ticked)
{
	__u32 id;

	for (id = 1; id <= IDS; id++) {
		struct health_status st;

		if (health_get(h, id, &st)) {
			CHECK(!F.weight[id]);
			continue;
		}
		CHECK(F.weight[id]);
		CHECK(st.weight <= F.weight[id]);
		CHECK(st.agent_pct <= 100);
		CHECK(st.backoff >= 1 && st.backoff <= HEALTH_BACKOFF_MAX);
		CHECK(st.state <= HEALTH_DOWN);
		CHECK(st.agent_down ? st.state == HEALTH_DOWN :
		      st.state == st.check_state);
	}
	CHECK(F.open == F.fds_out);
	/* Nothing is left due after a tick. */
	CHECK(ticked ? health_next_deadline(h) > now :
		       health_next_deadline(h) >= now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct health_params par = { .seed = 1, .probe = &fops };
	__u32 grp[IDS + 1] = { 0 };
	struct health *h;
	__u64 now = 1000;
	size_t i = 0;
	int word, pct, code;

	memset(&F, 0, sizeof(F));
	health_agent_parse((const char *)data, size, &word, &pct);
	probe_http_status((const char *)data, size, size & 1, &code);
	h = health_new(&hops, &par);
	if (!h)
		return 0;
	while (i + 6 <= size) {
		const uint8_t *d = data + i + 1;
		struct health_target t = make(d);
		__u32 g, id, up, total, n_up, n_total;

		switch (data[i] % 7) {
		case 0:
			if (!health_add(h, &t, now)) {
				F.weight[t.id] = t.weight;
				grp[t.id] = t.group;
			}
			break;
		case 1:
			if (!health_del(h, t.id))
				F.weight[t.id] = 0;
			break;
		case 2:
			/* The weight bound holds once the update is in. */
			if (F.weight[t.id] && t.weight > F.weight[t.id])
				F.weight[t.id] = t.weight;
			if (!health_update(h, &t, now)) {
				F.weight[t.id] = t.weight;
				grp[t.id] = t.group;
			}
			break;
		case 3:
			now += 1 + d[0] * 7;
			health_tick(h, now);
			break;
		case 4:
			F.outcome[t.id] = d[1] % 4;
			break;
		case 5:
			memcpy(F.line[t.id], d, 5);
			F.line[t.id][d[0] % 6] = '\0';
			break;
		case 6:
			if (F.n_hanging) {
				int k = d[0] % F.n_hanging;

				health_io(h, F.hanging[k],
					  d[1] & 1 ? EPOLLIN : EPOLLOUT, now);
			}
			break;
		}
		i += 6;
		invariants(h, now, data[i - 6] % 7 == 3);
		for (g = 0; g < GROUPS; g++) {
			n_up = n_total = 0;
			for (id = 1; id <= IDS; id++) {
				struct health_status st;

				if (!F.weight[id] || grp[id] != g)
					continue;
				CHECK(!health_get(h, id, &st));
				n_total++;
				n_up += st.state == HEALTH_UP;
			}
			up = health_group_up(h, g, &total);
			CHECK(up == n_up && total == n_total);
		}
	}
	health_free(h);
	CHECK(F.open == 0 && F.fds_out == 0);
	return 0;
}
