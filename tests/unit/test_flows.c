// SPDX-License-Identifier: GPL-2.0
/*
 * The flows listing over a flow table in plain memory laid out as the
 * mapped one (struct maps with its ct fields set, no BPF) and a model
 * built by hand, served by a real control socket on a loop in this
 * process: what is listed (live flows of known backends, a copy once,
 * the VIP filter), the limit and truncated, a large table over many
 * short turns, the model changing mid-listing (the index follows, a
 * filtered VIP removed ends the listing), a table that is not mapped,
 * and a client that goes away (LeakSanitizer checks the frees).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "evloop.h"
#include "unit/evwait.h"
#include "flows.h"
#include "lb.h"
#include "maps.h"
#include "xlb.h"

#define SEC_TICKS(s)	((__u32)(((s) * 1000000000ull) >> XLB_CT_TICK_SHIFT))
/* Valgrind runs need longer: -DWAIT_MS=600000. */
#ifndef WAIT_MS
#define WAIT_MS		20000
#endif

static struct maps M;
static struct lb LB;
static struct flows_query Q;
static char dir[64], path[128];
static struct ev_loop *loop;
static struct ctl *ctl;

/* The producer's calls, timed through a wrapper around its ops: the CPU
 * time they take (a loaded machine may preempt a call; that is not the
 * work it does). */
static struct {
	struct ctl_stream inner;
	int calls, frees, started;
	__u64 max_us;
	__u32 us_hist[64];		/* calls by CPU time, 50 us steps */
	int (*before_call)(int call);	/* may change the model */
} T;

/* --- the table and the model ------------------------------------------- */

static void table(__u32 parts, __u32 part_buckets)
{
	M.ct_geo.parts = parts;
	M.ct_geo.part_buckets = part_buckets;
	M.ct_buckets = (__u64)parts * part_buckets;
	M.ct = calloc(M.ct_buckets, sizeof(*M.ct));
	M.ct_keys = calloc(M.ct_buckets, sizeof(*M.ct_keys));
	assert_non_null(M.ct);
	assert_non_null(M.ct_keys);
}

/* Flow from 198.18.1.X:port of VIP vip_id in partition part, bucket idx,
 * slot way, to backend be, idle for idle_ticks. */
static struct xlb_ct_meta *put(__u32 part, __u32 idx, int way, __u8 x,
			       __u16 port, __u16 vip_id, __u16 be,
			       __u32 flags, __u32 idle_ticks, __u32 tagbits)
{
	__u64 bi = (__u64)part * M.ct_geo.part_buckets + idx;
	struct xlb_ct_entry *e = &M.ct_keys[bi].e[way];
	struct xlb_ct_bucket *b = &M.ct[bi];

	e->src[0] = htonl(0xc6120100u | x);
	e->sport = htons(port);
	e->vip_id = vip_id;
	b->meta[way].backend_id = be;
	b->meta[way].atime = maps_ct_now() - idle_ticks;
	b->meta[way].tag = tagbits | flags | XLB_CT_F_USED;
	return &b->meta[way];
}

static struct ip_addr v4(__u32 a)
{
	struct ip_addr ip = { .family = XLB_AF_INET };

	ip.a[0] = htonl(a);
	return ip;
}

/*
 * As lb_apply() does: new arrays replace the old ones, which are freed
 * (so a stale pointer is caught by ASan), and gen moves. VIP id 1 is tcp
 * 198.18.0.100:80 with backends 198.18.0.(base+1..3), ids 1..3; VIP id 2
 * udp 198.18.0.101:53 with backend 198.18.0.21, id 4. with_udp false
 * leaves VIP 2 out.
 */
static void model(__u32 base, bool with_udp)
{
	struct lb_vip *v = calloc(2, sizeof(*v));
	size_t i, j;

	assert_non_null(v);
	v[0] = (struct lb_vip){ .proto = IPPROTO_TCP, .port = 80, .id = 1,
				.addr = v4(0xc6120064), .n_be = 3 };
	v[1] = (struct lb_vip){ .proto = IPPROTO_UDP, .port = 53, .id = 2,
				.addr = v4(0xc6120065), .n_be = 1 };
	v[0].be = calloc(3, sizeof(*v[0].be));
	v[1].be = calloc(1, sizeof(*v[1].be));
	assert_non_null(v[0].be);
	assert_non_null(v[1].be);
	for (j = 0; j < 3; j++)
		v[0].be[j] = (struct lb_be){ .id = j + 1,
					     .addr = v4(0xc6120000 + base + j +
							1) };
	v[1].be[0] = (struct lb_be){ .id = 4, .addr = v4(0xc6120015) };
	for (i = 0; i < LB.n_vips; i++)
		free(LB.vips[i].be);
	free(LB.vips);
	LB.vips = v;
	LB.n_vips = with_udp ? 2 : 1;
	if (!with_udp)
		free(v[1].be);
	LB.gen++;
}

/* --- the server ----------------------------------------------------------- */

static int timed_produce(void *arg, struct ctl_client *cl, char *err,
			 size_t errlen)
{
	struct timespec a, b;
	__u64 us;
	int ret;

	(void)arg;
	if (T.before_call)
		T.before_call(T.calls);
	T.calls++;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	ret = T.inner.ops->produce(T.inner.arg, cl, err, errlen);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	us = (b.tv_sec - a.tv_sec) * 1000000ull + b.tv_nsec / 1000 -
	     a.tv_nsec / 1000;
	if (us > T.max_us)
		T.max_us = us;
	T.us_hist[us / 50 < 63 ? us / 50 : 63]++;
	return ret;
}

static void timed_free(void *arg)
{
	(void)arg;
	T.frees++;
	T.inner.ops->free(T.inner.arg);
}

static const struct ctl_stream_ops timed_ops = {
	.produce = timed_produce,
	.free = timed_free,
};

/* Any request: the listing Q asks for, or its error. */
static char *handler(void *arg, const char *line, size_t len,
		     struct ctl_stream *stream)
{
	int err;

	(void)arg;
	(void)line;
	(void)len;
	err = flows_stream(&T.inner, &M, &LB, &Q);
	if (err)
		return ctl_reply_error(err == -ENOENT ? "no such VIP" :
				       strerror(-err));
	T.started++;
	stream->ops = &timed_ops;
	stream->arg = NULL;
	return ctl_stream_head("flows");
}

/* --- the client ----------------------------------------------------------- */

struct tcl {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof, in_stream, bad, done;
	char why[256];
	struct json_object *items;	/* every item, in order */
	/* or, when set, each item handed to this instead */
	void (*on_item)(struct tcl *c, struct json_object *item);
	__u64 n_items;
	__u64 count;
	bool truncated;
	char error[256];
};

static void tcl_line(struct tcl *c, const char *line, size_t len)
{
	struct ctl_line l;
	char err[256];

	if (ctl_line_decode(line, len, c->in_stream, &l, err, sizeof(err))) {
		c->bad = true;
		snprintf(c->why, sizeof(c->why), "%.*s", (int)len, line);
		return;
	}
	switch (l.kind) {
	case CTL_LINE_HEAD:
		assert_string_equal(l.name, "flows");
		c->in_stream = true;
		break;
	case CTL_LINE_ITEM:
		c->n_items++;
		if (c->on_item) {
			c->on_item(c, l.data);
			break;
		}
		json_object_array_add(c->items, l.data);
		l.data = NULL;
		break;
	case CTL_LINE_END:
		c->count = l.count;
		c->truncated = l.truncated;
		c->done = true;
		break;
	case CTL_LINE_ERROR:
		snprintf(c->error, sizeof(c->error), "%s", err);
		c->done = true;
		break;
	case CTL_LINE_DATA:
		c->bad = true;
		break;
	}
	json_object_put(l.data);
}

static bool tcl_done(void *arg)
{
	struct tcl *c = arg;
	size_t off;
	char *nl;
	ssize_t n;

	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 1 << 17;
			c->buf = realloc(c->buf, c->cap);
			assert_non_null(c->buf);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len,
			 MSG_DONTWAIT);
		if (n <= 0) {
			c->eof = n == 0;
			break;
		}
		c->len += n;
	}
	for (off = 0; (nl = memchr(c->buf + off, '\n', c->len - off));
	     off = nl - c->buf + 1)
		tcl_line(c, c->buf + off, nl - (c->buf + off));
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return c->done || c->eof || c->bad;
}

static void tcl_open(struct tcl *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	void (*on_item)(struct tcl *c, struct json_object *item) = c->on_item;

	memset(c, 0, sizeof(*c));
	c->on_item = on_item;
	c->items = json_object_new_array();
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	strcpy(sun.sun_path, path);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)),
			 0);
	assert_int_equal(send(c->fd, "flows\n", 6, MSG_NOSIGNAL), 6);
}

static void tcl_close(struct tcl *c)
{
	close(c->fd);
	free(c->buf);
	json_object_put(c->items);
}

/* Run the loop until pred holds (true) or ms pass (false). */
static bool run_until(bool (*pred)(void *arg), void *arg, __u64 ms)
{
	return evwait_until(loop, pred, arg, ms);
}

/* A whole listing of Q into c. */
static void list(struct tcl *c)
{
	tcl_open(c);
	assert_true(run_until(tcl_done, c, WAIT_MS));
	if (c->bad)
		fail_msg("bad line: %s", c->why);
}

/* Item i as "client vip backend idle_ms closing". */
static const char *row(struct tcl *c, size_t i)
{
	static char buf[256];
	struct json_object *o = json_object_array_get_idx(c->items, i);

	snprintf(buf, sizeof(buf), "%s %s %s %s %lld %s",
		 json_object_get_string(json_object_object_get(o, "proto")),
		 json_object_get_string(json_object_object_get(o, "client")),
		 json_object_get_string(json_object_object_get(o, "vip")),
		 json_object_get_string(json_object_object_get(o, "backend")),
		 /* a tick (67 ms) may pass between put() and the read */
		 (long long)(json_object_get_int64(
			json_object_object_get(o, "idle_ms")) + 500) / 1000,
		 json_object_get_boolean(json_object_object_get(o,
				"closing")) ? "closing" : "open");
	/* exactly these six fields */
	assert_int_equal(json_object_object_length(o), 6);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	memset(&M, 0, sizeof(M));
	memset(&LB, 0, sizeof(LB));
	memset(&Q, 0, sizeof(Q));
	Q.udp_timeout_ns = XLB_UDP_TIMEOUT_NS_DEFAULT;
	model(10, true);
	strcpy(dir, "/tmp/xd_flows_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	loop = ev_loop_new();
	assert_non_null(loop);
	assert_int_equal(ctl_open(&ctl, loop, path, handler, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	ctl_close(ctl);
	ev_loop_free(loop);
	rmdir(dir);
	for (i = 0; i < LB.n_vips; i++)
		free(LB.vips[i].be);
	free(LB.vips);
	free(M.ct);
	free(M.ct_keys);
	assert_int_equal(T.frees, T.started);
	return 0;
}

/* --- the cases ------------------------------------------------------------ */

/* Live flows of known backends; a copy with its original once, one
 * without it as the flow; the VIP filter. */
static void test_what_is_listed(void **state)
{
	__u32 tag = 0xabcd00;
	struct tcl c = { 0 };

	(void)state;
	table(2, 16);
	put(0, 0, 0, 1, 40001, 1, 1, XLB_CT_F_SEEN2, SEC_TICKS(2), 0x100);
	put(0, 3, 1, 2, 40002, 1, 2, XLB_CT_F_CLOSING, 0, 0x200);
	/* TCP idle past its timeout; UDP within and past the UDP one */
	put(0, 4, 0, 3, 40003, 1, 3, 0, SEC_TICKS(901), 0x300);
	put(1, 7, 0, 4, 5353, 2, 4, XLB_CT_F_UDP, SEC_TICKS(29), 0x400);
	put(1, 7, 1, 5, 5354, 2, 4, XLB_CT_F_UDP, SEC_TICKS(31), 0x500);
	/* an unknown backend id, and a known one keyed to another VIP (a
	 * reused id): neither listed */
	put(1, 8, 0, 6, 40006, 1, 99, 0, 0, 0x600);
	put(1, 8, 1, 7, 40007, 2, 1, 0, 0, 0x700);
	/* a copy of a flow whose original is still there, then one whose
	 * original is gone */
	put(0, 5, 2, 8, 40008, 1, 3, XLB_CT_F_SEEN2, 0, tag);
	put(1, 5, 6, 8, 40008, 1, 3, XLB_CT_F_COPY, 0, tag);
	put(1, 9, 3, 9, 40009, 1, 2, XLB_CT_F_COPY, 0, 0x900);
	list(&c);
	assert_int_equal(c.count, 5);
	assert_false(c.truncated);
	assert_int_equal(json_object_array_length(c.items), 5);
	assert_string_equal(row(&c, 0), "tcp 198.18.1.1:40001 198.18.0.100:80 "
			    "198.18.0.11 2 open");
	assert_string_equal(row(&c, 1), "tcp 198.18.1.2:40002 198.18.0.100:80 "
			    "198.18.0.12 0 closing");
	assert_string_equal(row(&c, 2), "tcp 198.18.1.8:40008 198.18.0.100:80 "
			    "198.18.0.13 0 open");
	assert_string_equal(row(&c, 3), "udp 198.18.1.4:5353 198.18.0.101:53 "
			    "198.18.0.21 29 open");
	assert_string_equal(row(&c, 4), "tcp 198.18.1.9:40009 198.18.0.100:80 "
			    "198.18.0.12 0 open");
	tcl_close(&c);

	/* One VIP's flows only. */
	Q.has_vip = true;
	Q.proto = IPPROTO_UDP;
	Q.vip = v4(0xc6120065);
	Q.port = 53;
	list(&c);
	assert_int_equal(c.count, 1);
	assert_string_equal(row(&c, 0), "udp 198.18.1.4:5353 198.18.0.101:53 "
			    "198.18.0.21 29 open");
	tcl_close(&c);
}

/* limit N: N flows at most; truncated only if one more was there. */
static void test_limit(void **state)
{
	struct tcl c = { 0 };
	int i;

	(void)state;
	table(2, 16);
	for (i = 0; i < 5; i++)
		put(i % 2, i, 0, i + 1, 40000 + i, 1, 1, 0, 0, 0x100 * (i + 1));
	Q.limit = 2;
	list(&c);
	assert_int_equal(c.count, 2);
	assert_int_equal(json_object_array_length(c.items), 2);
	assert_true(c.truncated);
	tcl_close(&c);
	Q.limit = 5;
	list(&c);
	assert_int_equal(c.count, 5);
	assert_false(c.truncated);
	tcl_close(&c);
	Q.limit = 6;
	list(&c);
	assert_int_equal(c.count, 5);
	assert_false(c.truncated);
	tcl_close(&c);
}

/* Items counted, not kept: a listing of 2^18 would take 1 GB. */
static void count_only(struct tcl *c, struct json_object *item)
{
	(void)c;
	(void)item;
}

/* 4M slots, 2^18 flows: all listed, over many turns, each short. */
static void test_large_table(void **state)
{
	__u32 parts = 2, nb = (4u << 20) / XLB_CT_WAYS / 2, i, n = 1u << 18;
	struct tcl c = { .on_item = count_only };
	int k;

	(void)state;
	table(parts, nb);
	for (i = 0; i < n; i++)
		put(i % parts, (i / parts) * 7 % nb, i / parts / nb, i & 0xff,
		    1024 + i / 256, 1, 1 + i % 3, 0, 0, 0x100);
	list(&c);
	assert_int_equal(c.count, n);
	assert_int_equal(c.n_items, n);
	for (i = 0, k = 0; i < 64 && k < T.calls * 99 / 100; i++)
		k += T.us_hist[i];
	print_message("%d turns: 99%% within %u us of CPU, the longest %llu "
		      "us\n", T.calls, i * 50, (unsigned long long)T.max_us);
	assert_true(T.calls > 10);
	/* The budget is 500 us, the clock read every 8 flows, which a
	 * sanitized build takes longer to list; its allocator now and then
	 * takes milliseconds to recycle freed memory, hence the 99th
	 * percentile. */
	assert_true(i * 50 <= 1000);
	tcl_close(&c);
}

/* Backends change address between two turns (their objects replaced):
 * the flows read afterwards show the new ones. ASan catches a stale
 * index. */
static int renumber_at_2(int call)
{
	if (call == 2)
		model(20, true);
	return 0;
}

static size_t old_be, renamed_be, back_again;

static void count_backends(struct tcl *c, struct json_object *item)
{
	const char *be = json_object_get_string(json_object_object_get(item,
							"backend"));

	(void)c;
	if (!strcmp(be, "198.18.0.11")) {
		old_be++;
		back_again += renamed_be > 0;
	}
	renamed_be += !strcmp(be, "198.18.0.21");
}

static void test_model_changes(void **state)
{
	__u32 i, n = 1u << 16;
	struct tcl c = { .on_item = count_backends };

	(void)state;
	table(1, 1u << 16);
	for (i = 0; i < n; i++)
		put(0, i, 0, i & 0xff, 1024 + i / 256, 1, 1, 0, 0, 0x100);
	T.before_call = renumber_at_2;
	old_be = renamed_be = back_again = 0;
	list(&c);
	assert_true(T.calls > 3);
	assert_int_equal(c.count, n);
	/* the old address, then the new one from the third turn on */
	assert_true(old_be > 0 && renamed_be > 0);
	assert_int_equal(back_again, 0);
	assert_int_equal(old_be + renamed_be, n);
	tcl_close(&c);
}

/* The listed VIP goes away mid-listing: an error ends it. */
static int drop_udp_at_2(int call)
{
	if (call == 2)
		model(10, false);
	return 0;
}

static void test_vip_removed(void **state)
{
	__u32 i, n = 1u << 16;
	struct tcl c = { .on_item = count_only };

	(void)state;
	table(1, 1u << 16);
	for (i = 0; i < n; i++)
		put(0, i, 0, i & 0xff, 1024 + i / 256, 2, 4, XLB_CT_F_UDP, 0,
		    0x100);
	Q.has_vip = true;
	Q.proto = IPPROTO_UDP;
	Q.vip = v4(0xc6120065);
	Q.port = 53;
	T.before_call = drop_udp_at_2;
	list(&c);
	assert_string_equal(c.error, "VIP udp 198.18.0.101:53 was removed "
			    "during the listing");
	assert_true(c.n_items > 0 && c.n_items < n);
	assert_int_equal(T.calls, 3);
	tcl_close(&c);
}

/* Asking for a VIP that is not there, and a table that is not mapped. */
static void test_errors(void **state)
{
	struct tcl c = { 0 };

	(void)state;
	Q.has_vip = true;
	Q.proto = IPPROTO_TCP;
	Q.vip = v4(0xc6120066);
	Q.port = 80;
	list(&c);
	assert_false(c.in_stream);
	assert_string_equal(c.error, "no such VIP");
	tcl_close(&c);
	Q.has_vip = false;
	list(&c);
	assert_string_equal(c.error, "reading the flow table: No such device");
	tcl_close(&c);
}

/* A client that leaves mid-listing: the listing's state is freed. */
static bool started(void *arg)
{
	(void)arg;
	return T.calls >= 2;
}

static bool freed(void *arg)
{
	(void)arg;
	return T.frees == 1;
}

static void test_client_leaves(void **state)
{
	__u32 i, n = 1u << 16;
	struct tcl c = { 0 };

	(void)state;
	table(1, 1u << 16);
	for (i = 0; i < n; i++)
		put(0, i, 0, i & 0xff, 1024 + i / 256, 1, 1, 0, 0, 0x100);
	tcl_open(&c);
	assert_true(run_until(started, NULL, WAIT_MS));
	tcl_close(&c);
	assert_true(run_until(freed, NULL, WAIT_MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_what_is_listed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_model_changes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vip_removed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_leaves, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
