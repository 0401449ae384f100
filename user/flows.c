// SPDX-License-Identifier: GPL-2.0
/* The flows listing: the flow table as a stream, a slice per turn. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <json-c/json.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "flows.h"
#include "lb.h"
#include "maps.h"
#include "xlb.h"

/* Slots per maps_ct_scan() call: a few microseconds of an empty table,
 * so the time is looked at often enough. */
#define FLOWS_CHUNK		4096
/* Flows between two looks at the clock (some 25 ns, a flow some 1 us). */
#define FLOWS_CLOCK_EVERY	8
/* What flow_cb() returns to stop maps_ct_scan() (1 is its own "done"). */
#define FLOWS_PAUSE		2	/* the turn's time is up, or the client's
					 * queue is full */
#define FLOWS_LIMIT		3	/* one more flow than the limit */

struct be_ref {
	const struct lb_vip *v;
	const struct lb_be *b;
};

struct flows {
	struct maps *m;
	const struct lb *lb;
	struct flows_query q;
	struct be_ref *ix;		/* by backend id, valid for ix_gen */
	__u64 ix_gen;
	const struct lb_vip *vip;	/* the filter's, for ix_gen */
	struct json_object *item;	/* reused for every flow */
	__u64 pos;			/* the next slot to read */
	__u64 n;			/* flows sent */
	bool truncated;
	/* for the current turn */
	struct ctl_client *cl;
	__u32 now;			/* on the table's clock */
	__u64 deadline_us;
	unsigned int clock_in;		/* flows until the clock is read */
};

static __u64 mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Backend id -> VIP and backend of the model as it is now. -ENOENT when
 * the filter's VIP is not in it. */
static int index_build(struct flows *f)
{
	const struct lb *lb = f->lb;
	size_t i, j;

	memset(f->ix, 0, XLB_MAX_BACKENDS * sizeof(*f->ix));
	for (i = 0; i < lb->n_vips; i++)
		for (j = 0; j < lb->vips[i].n_be; j++) {
			const struct lb_be *b = &lb->vips[i].be[j];

			f->ix[b->id].v = &lb->vips[i];
			f->ix[b->id].b = b;
		}
	f->vip = NULL;
	if (f->q.has_vip) {
		f->vip = lb_vip_find(lb, f->q.proto, &f->q.vip, f->q.port);
		if (!f->vip)
			return -ENOENT;
	}
	f->ix_gen = lb->gen;
	return 0;
}

/* The item's fields, set for one flow; the object is reused. */
static int item_new(struct flows *f)
{
	static const char *const strs[] = {
		"proto", "client", "vip", "backend",
	};
	struct json_object *o = json_object_new_object();
	size_t i;
	int err = 0;

	for (i = 0; o && !err && i < sizeof(strs) / sizeof(strs[0]); i++)
		err = json_object_object_add(o, strs[i],
					     json_object_new_string(""));
	if (o && !err)
		err = json_object_object_add(o, "idle_ms",
					     json_object_new_int64(0));
	if (o && !err)
		err = json_object_object_add(o, "closing",
					     json_object_new_boolean(0));
	if (!o || err) {
		json_object_put(o);
		return -ENOMEM;
	}
	f->item = o;
	return 0;
}

static int set_str(struct json_object *o, const char *key, const char *v)
{
	return json_object_set_string(json_object_object_get(o, key), v) ?
	       0 : -ENOMEM;
}

/* Queue the item line of slot s: a flow of VIP v to backend be. */
static int flow_put(struct flows *f, const struct maps_ct_slot *s,
		    const struct lb_vip *v, const struct lb_be *be)
{
	struct json_object *o = f->item;
	struct ip_addr cl = { .family = v->addr.family };
	char buf[ADDR_STRLEN], *line;
	__u64 idle;
	int err;

	memcpy(cl.a, s->e.src, sizeof(cl.a));
	idle = ((__u64)xlb_ct_idle(&s->meta, f->now) << XLB_CT_TICK_SHIFT) /
	       1000000;
	err = set_str(o, "proto", proto_name(v->proto)) ?:
	      set_str(o, "client", addr_port_str(&cl, ntohs(s->e.sport), buf,
						 sizeof(buf))) ?:
	      set_str(o, "vip", addr_port_str(&v->addr, v->port, buf,
					      sizeof(buf))) ?:
	      set_str(o, "backend", addr_str(&be->addr, buf, sizeof(buf)));
	if (err)
		return err;
	json_object_set_int64(json_object_object_get(o, "idle_ms"), idle);
	json_object_set_boolean(json_object_object_get(o, "closing"),
				s->meta.tag & XLB_CT_F_CLOSING);
	line = ctl_stream_item(o);
	if (!line)
		return -ENOMEM;
	err = ctl_stream_put(f->cl, line);
	free(line);
	return err;
}

/* A used slot: list it if it is a live flow of a listed VIP. */
static int flow_cb(void *arg, const struct maps_ct_slot *s)
{
	struct flows *f = arg;
	const struct lb_vip *v = f->ix[s->backend_id].v;
	const struct lb_be *be = f->ix[s->backend_id].b;
	struct maps_ct_slot twin;
	int err;

	if (!be || v->id != s->e.vip_id ||
	    !xlb_ct_live(&s->meta, f->now, f->q.udp_timeout_ns))
		return 0;
	if (f->vip && v != f->vip)
		return 0;
	/* A copy whose original is still there (the scanner frees one
	 * soon): the flow is listed with its original. */
	if ((s->meta.tag & XLB_CT_F_COPY) && maps_ct_twin(f->m, s, &twin))
		return 0;
	if (f->q.limit && f->n == f->q.limit) {
		f->truncated = true;
		return FLOWS_LIMIT;
	}
	err = flow_put(f, s, v, be);
	if (err)
		return err;
	f->n++;
	if (ctl_stream_full(f->cl))
		return FLOWS_PAUSE;
	if (--f->clock_in == 0) {
		f->clock_in = FLOWS_CLOCK_EVERY;
		if (mono_us() >= f->deadline_us)
			return FLOWS_PAUSE;
	}
	return 0;
}

/* One turn: slots until the time is up or the client's queue is full,
 * then the end line once the last slot is read or the limit passed. */
static int flows_produce(void *arg, struct ctl_client *cl, char *err,
			 size_t errlen)
{
	struct flows *f = arg;
	char buf[ADDR_STRLEN], *line;
	int ret;

	/* A rebuilt index (1 MiB cleared, then filled) is part of the turn. */
	f->deadline_us = mono_us() + CTL_STREAM_BUDGET_US;
	if (f->lb->gen != f->ix_gen && index_build(f)) {
		snprintf(err, errlen, "VIP %s %s was removed during the "
			 "listing", proto_name(f->q.proto),
			 addr_port_str(&f->q.vip, f->q.port, buf, sizeof(buf)));
		return -ENOENT;
	}
	f->cl = cl;
	f->now = maps_ct_now();
	f->clock_in = FLOWS_CLOCK_EVERY;
	do {
		ret = maps_ct_scan(f->m, &f->pos, FLOWS_CHUNK, flow_cb, f);
	} while (ret == 0 && mono_us() < f->deadline_us);
	if (ret == 0 || ret == FLOWS_PAUSE)
		return CTL_STREAM_MORE;
	if (ret < 0) {
		snprintf(err, errlen, "reading the flow table: %s",
			 strerror(-ret));
		return ret;
	}
	line = ctl_stream_end(f->n, f->truncated);
	ret = line ? ctl_stream_put(cl, line) : -ENOMEM;
	free(line);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	return CTL_STREAM_DONE;
}

static void flows_free(void *arg)
{
	struct flows *f = arg;

	json_object_put(f->item);
	free(f->ix);
	free(f);
}

static const struct ctl_stream_ops flows_ops = {
	.produce = flows_produce,
	.free = flows_free,
};

int flows_stream(struct ctl_stream *st, struct maps *m, const struct lb *lb,
		 const struct flows_query *q)
{
	struct flows *f = calloc(1, sizeof(*f));
	int err = -ENOMEM;

	if (!f)
		return -ENOMEM;
	f->m = m;
	f->lb = lb;
	f->q = *q;
	f->ix = malloc(XLB_MAX_BACKENDS * sizeof(*f->ix));
	if (!f->ix || item_new(f))
		goto err;
	err = index_build(f);
	if (err)
		goto err;
	st->ops = &flows_ops;
	st->arg = f;
	return 0;
err:
	flows_free(f);
	return err;
}
