// SPDX-License-Identifier: GPL-2.0
/*
 * The apply engine against a fake map backend that records every map
 * operation: publication order, single ring swaps, rollback on errors
 * before publication, id allocation, recovery, flow liveness.
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
#include <netinet/in.h>
#include <cmocka.h>

#include "conf.h"
#include "lb.h"
#include "xlb.h"

#define TSIZE	13	/* small prime table */
#define MAXEV	256
#define MAXFD	64

struct fake {
	char ev[MAXEV][48];
	int n_ev;
	/* maps */
	struct xlb_vip_key vk[16];
	struct xlb_vip vv[16];
	int n_vips;
	struct xlb_backend be[64];
	int ring[XLB_MAX_VIPS];		/* fd, 0 = none */
	__u32 tables[MAXFD][TSIZE];
	__u32 sizes[MAXFD];
	int next_fd;
	int open_fds;
	int fail_create_at;		/* nth ring_create fails (1-based) */
	int creates;
	__u32 addr_count[4];		/* by last address byte % 4 */
	int warnings;
	int vip_zeroed[XLB_MAX_VIPS];	/* counter resets per id */
	int be_zeroed[64];
	int zero_err;			/* returned by the resets when set */
};

static struct fake F;

static void rec(const char *fmt, ...)
{
	va_list ap;

	assert_true(F.n_ev < MAXEV);
	va_start(ap, fmt);
	vsnprintf(F.ev[F.n_ev++], sizeof(F.ev[0]), fmt, ap);
	va_end(ap);
}

static int f_vip_put(void *ctx, const struct xlb_vip_key *k,
		     const struct xlb_vip *v)
{
	int i;

	(void)ctx;
	rec("vip_put %u", v->id);
	for (i = 0; i < F.n_vips; i++)
		if (!memcmp(&F.vk[i], k, sizeof(*k))) {
			F.vv[i] = *v;
			return 0;
		}
	F.vk[F.n_vips] = *k;
	F.vv[F.n_vips++] = *v;
	return 0;
}

static int f_vip_del(void *ctx, const struct xlb_vip_key *k)
{
	int i;

	(void)ctx;
	for (i = 0; i < F.n_vips; i++)
		if (!memcmp(&F.vk[i], k, sizeof(*k))) {
			rec("vip_del %u", F.vv[i].id);
			F.vk[i] = F.vk[F.n_vips - 1];
			F.vv[i] = F.vv[--F.n_vips];
			return 0;
		}
	rec("vip_del ?");
	return 0;
}

static int f_addr_put(void *ctx, const struct xlb_addr_key *k, __u32 count)
{
	(void)ctx;
	rec("addr_put %u", count);
	F.addr_count[ntohl(k->addr[0]) & 3] = count;
	return 0;
}

static int f_backend_put(void *ctx, __u32 id, const struct xlb_backend *b)
{
	(void)ctx;
	assert_true(id > 0 && id < 64);
	rec("backend_put %u %u", id, b->flags);
	F.be[id] = *b;
	return 0;
}

static int f_ring_create(void *ctx, __u32 size, const __u32 *table)
{
	int fd;

	(void)ctx;
	F.creates++;
	if (F.creates == F.fail_create_at)
		return -ENOMEM;
	assert_int_equal(size, TSIZE);
	fd = ++F.next_fd;
	assert_true(fd < MAXFD);
	memcpy(F.tables[fd], table, size * sizeof(*table));
	F.sizes[fd] = size;
	F.open_fds++;
	return fd;
}

static void f_ring_close(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	F.open_fds--;
}

static int f_ring_set(void *ctx, __u32 vip_id, int fd)
{
	(void)ctx;
	rec("ring_set %u", vip_id);
	F.ring[vip_id] = fd;
	return 0;
}

static int f_ring_del(void *ctx, __u32 vip_id)
{
	(void)ctx;
	rec("ring_del %u", vip_id);
	F.ring[vip_id] = 0;
	return 0;
}

static int f_ring_read(void *ctx, __u32 vip_id, __u32 *size, __u32 *table,
		       __u32 len)
{
	int fd = F.ring[vip_id];

	(void)ctx;
	if (!fd)
		return -ENOENT;
	*size = F.sizes[fd];
	if (table && len >= *size)
		memcpy(table, F.tables[fd], *size * sizeof(*table));
	return 0;
}

static int f_vip_ctr_zero(void *ctx, __u32 vip_id)
{
	(void)ctx;
	assert_true(vip_id < XLB_MAX_VIPS);
	if (F.zero_err)
		return F.zero_err;
	F.vip_zeroed[vip_id]++;
	return 0;
}

static int f_backend_ctr_zero(void *ctx, __u32 id)
{
	(void)ctx;
	assert_true(id > 0 && id < 64);
	if (F.zero_err)
		return F.zero_err;
	F.be_zeroed[id]++;
	return 0;
}

static const struct lb_map_ops fake_ops = {
	.vip_put = f_vip_put,
	.vip_del = f_vip_del,
	.addr_put = f_addr_put,
	.backend_put = f_backend_put,
	.ring_create = f_ring_create,
	.ring_close = f_ring_close,
	.ring_set = f_ring_set,
	.ring_del = f_ring_del,
	.ring_read = f_ring_read,
	.vip_ctr_zero = f_vip_ctr_zero,
	.backend_ctr_zero = f_backend_ctr_zero,
};

static void f_warn(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
	F.warnings++;
}

static struct lb LB;

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	assert_int_equal(lb_init(&LB, &fake_ops, NULL), 0);
	LB.warn = f_warn;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lb_free(&LB);
	return 0;
}

static void model(struct conf *c, const char *text)
{
	char err[256], buf[2048];

	snprintf(buf, sizeof(buf),
		 "interface eth0\nencap-source 198.18.0.2\ntable-size %d\n%s",
		 TSIZE, text);
	if (conf_parse_text("test", buf, c, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
}

static int apply(const char *text)
{
	char err[256];
	struct conf c;
	int ret;

	model(&c, text);
	ret = lb_apply(&LB, &c, err, sizeof(err));
	conf_free(&c);
	return ret;
}

static void expect_events(const char *const *want, int n)
{
	int i;

	for (i = 0; i < n && i < F.n_ev; i++)
		assert_string_equal(F.ev[i], want[i]);
	assert_int_equal(F.n_ev, n);
	F.n_ev = 0;
}

#define EXPECT(...) do {						\
	static const char *const ___w[] = { __VA_ARGS__ };		\
	expect_events(___w, sizeof(___w) / sizeof(___w[0]));		\
} while (0)

static int table_count(int fd, __u32 id)
{
	int i, n = 0;

	for (i = 0; i < TSIZE; i++)
		n += F.tables[fd][i] == id;
	return n;
}

#define V1 "vip add tcp 198.18.0.100:80\n"
#define B1 "backend add tcp 198.18.0.100:80 198.18.0.11\n"
#define B2 "backend add tcp 198.18.0.100:80 198.18.0.12\n"
#define B3 "backend add tcp 198.18.0.100:80 198.18.0.13\n"

static void test_idalloc_fifo(void **state)
{
	struct idalloc a;
	__u8 *used = calloc(XLB_MAX_BACKENDS, 1);

	(void)state;
	assert_int_equal(idalloc_init(&a), 0);
	assert_int_equal(idalloc_get(&a), 1);
	assert_int_equal(idalloc_get(&a), 2);
	assert_int_equal(idalloc_get(&a), 3);
	idalloc_put(&a, 2);
	/* A freed id goes to the back: never-used ids come first. */
	assert_int_equal(idalloc_get(&a), 4);
	idalloc_put(&a, 2);	/* not in use: ignored */
	used[1] = used[3] = 1;
	idalloc_reset(&a, used);
	assert_int_equal(idalloc_get(&a), 2);
	assert_int_equal(idalloc_get(&a), 4);
	idalloc_free(&a);
	free(used);
}

static void test_new_vip_order(void **state)
{
	(void)state;
	assert_int_equal(apply(V1 B1 B2), 0);
	/* backends, then the table, then the VIP and its address */
	EXPECT("backend_put 1 1", "backend_put 2 1", "ring_set 0",
	       "vip_put 0", "addr_put 1");
	assert_int_equal(F.open_fds, 0);	/* published rings closed */
	assert_int_equal(table_count(1, 1) + table_count(1, 2), TSIZE);
	assert_true(table_count(1, 1) > 0 && table_count(1, 2) > 0);
	assert_int_equal(F.vv[0].ring_size, TSIZE);
	assert_int_equal(LB.n_vips, 1);
}

static void test_same_model_no_change(void **state)
{
	(void)state;
	assert_int_equal(apply(V1 B1 B2), 0);
	F.n_ev = 0;
	assert_int_equal(apply(V1 B1 B2), 0);
	assert_int_equal(F.n_ev, 0);
	assert_int_equal(F.creates, 1);
}

static void test_backend_add_one_swap(void **state)
{
	(void)state;
	assert_int_equal(apply(V1 B1 B2), 0);
	F.n_ev = 0;
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	EXPECT("backend_put 3 1", "ring_set 0");
	assert_true(table_count(F.ring[0], 3) > 0);
}

static void test_drain_and_del(void **state)
{
	__u32 *ids;
	int fd;

	(void)state;
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	F.n_ev = 0;
	assert_int_equal(apply(V1 B1
			 "backend add tcp 198.18.0.100:80 198.18.0.12\n"
			 "backend drain tcp 198.18.0.100:80 198.18.0.12\n"
			 B3), 0);
	/* flagged draining first, then the one swap without it */
	EXPECT("backend_put 2 5", "ring_set 0");
	fd = F.ring[0];
	assert_int_equal(table_count(fd, 2), 0);
	assert_int_equal(table_count(fd, 1) + table_count(fd, 3), TSIZE);
	assert_int_equal(lb_take_purged(&LB, &ids), 0);
	free(ids);
	/* del: nothing to swap (it was out of the ring), then cleared */
	assert_int_equal(apply(V1 B1 B3), 0);
	EXPECT("backend_put 2 0");
	assert_int_equal(lb_take_purged(&LB, &ids), 1);
	assert_int_equal(ids[0], 2);
	free(ids);
	/* del of an active backend: swap first, clear after */
	assert_int_equal(apply(V1 B1), 0);
	EXPECT("ring_set 0", "backend_put 3 0");
	assert_int_equal(table_count(F.ring[0], 1), TSIZE);
	/* a new backend does not reuse the freed ids */
	assert_int_equal(apply(V1 B1 B2), 0);
	EXPECT("backend_put 4 1", "ring_set 0");
}

static void test_weights(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(apply(V1 B1 B2), 0);
	F.n_ev = 0;
	assert_int_equal(apply(V1 B1 "backend add tcp 198.18.0.100:80 "
			       "198.18.0.12 weight 0\n"), 0);
	EXPECT("ring_set 0");
	fd = F.ring[0];
	assert_int_equal(table_count(fd, 1), TSIZE);
	assert_int_equal(F.warnings, 0);
}

static void test_empty_ring_warns(void **state)
{
	(void)state;
	assert_int_equal(apply(V1
			 "backend add tcp 198.18.0.100:80 198.18.0.11\n"
			 "backend drain tcp 198.18.0.100:80 198.18.0.11\n"), 0);
	assert_int_equal(F.warnings, 1);
	assert_int_equal(table_count(F.ring[0], 0), TSIZE);
	assert_int_equal(F.n_vips, 1);	/* the VIP stays */
}

static void test_vip_removal_order(void **state)
{
	(void)state;
	assert_int_equal(apply(V1 B1 B2
			 "vip add tcp 198.18.0.100:443\n"), 0);
	EXPECT("backend_put 1 1", "backend_put 2 1", "ring_set 0",
	       "vip_put 0", "addr_put 1", "ring_set 1", "vip_put 1",
	       "addr_put 2");
	assert_int_equal(apply("vip add tcp 198.18.0.100:443\n"), 0);
	/* unreachable first (the address keeps one VIP), then table and
	 * backends */
	EXPECT("vip_del 0", "addr_put 1", "ring_del 0", "backend_put 1 0",
	       "backend_put 2 0");
	assert_int_equal(apply(""), 0);
	EXPECT("vip_del 1", "addr_put 0", "ring_del 1");
}

static void test_rollback(void **state)
{
	char before[MAXEV];

	(void)state;
	assert_int_equal(apply(V1 B1), 0);
	F.n_ev = 0;
	snprintf(before, sizeof(before), "%d", F.n_vips);
	F.fail_create_at = F.creates + 2;	/* the second new table */
	assert_int_equal(apply(V1 B1 B2
			 "vip add tcp 198.18.0.101:80\n"
			 "backend add tcp 198.18.0.101:80 198.18.0.13\n"),
			 -ENOMEM);
	/* nothing was published, the created table was closed */
	assert_int_equal(F.n_ev, 0);
	assert_int_equal(F.open_fds, 0);
	assert_int_equal(LB.n_vips, 1);
	assert_int_equal(LB.vips[0].n_be, 1);
	/* ids handed out by the failed attempt are available again, in
	 * the same order */
	F.fail_create_at = 0;
	assert_int_equal(apply(V1 B1 B2), 0);
	EXPECT("backend_put 2 1", "ring_set 0");
}

static void test_recover(void **state)
{
	struct xlb_vip_key vk[1];
	struct xlb_vip vv[1];
	__u32 ids[3];
	struct xlb_backend bv[3];
	int i;

	(void)state;
	assert_int_equal(apply(V1 B1 B2), 0);
	vk[0] = F.vk[0];
	vv[0] = F.vv[0];
	ids[0] = 1;
	bv[0] = F.be[1];
	ids[1] = 2;
	bv[1] = F.be[2];
	/* a backend written for a VIP that was never published */
	ids[2] = 9;
	bv[2] = F.be[1];
	bv[2].vip_id = 7;
	/* a new process: fresh engine, same maps */
	lb_free(&LB);
	assert_int_equal(lb_init(&LB, &fake_ops, NULL), 0);
	F.n_ev = 0;
	assert_int_equal(lb_recover(&LB, vk, vv, 1, ids, bv, 3), 0);
	EXPECT("backend_put 9 0");
	i = F.creates;
	/* same model: the table in use is identical, so no new one is made */
	assert_int_equal(apply(V1 B1 B2), 0);
	EXPECT("backend_put 1 1", "backend_put 2 1");
	/* recovered ids keep their counters */
	assert_int_equal(F.vip_zeroed[0], 1);
	assert_int_equal(F.be_zeroed[1], 1);
	assert_int_equal(F.be_zeroed[2], 1);
	assert_int_equal(F.creates, i);
	assert_int_equal(F.ring[0], 1);
	/* and new ids skip the recovered ones */
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	EXPECT("backend_put 3 1", "ring_set 0");
}

/* gen tells pointers into the model apart: every apply that replaces
 * the VIPs changes it (even to an equal model), a rolled back one not. */
static void test_gen(void **state)
{
	struct xlb_vip_key vk[1];
	struct xlb_vip vv[1];
	__u64 g;

	(void)state;
	g = LB.gen;
	assert_int_equal(apply(V1 B1), 0);
	assert_true(LB.gen != g);
	g = LB.gen;
	assert_int_equal(apply(V1 B1), 0);
	assert_true(LB.gen != g);
	g = LB.gen;
	F.fail_create_at = F.creates + 1;
	assert_int_equal(apply(V1 B1 "vip add tcp 198.18.0.101:80\n"),
			 -ENOMEM);
	assert_int_equal(LB.gen, g);
	F.fail_create_at = 0;
	vk[0] = F.vk[0];
	vv[0] = F.vv[0];
	assert_int_equal(lb_recover(&LB, vk, vv, 1, NULL, NULL, 0), 0);
	assert_true(LB.gen != g);
}

/* A newly allocated id starts from zero; a kept one keeps its counts. */
static void test_counters_zeroed(void **state)
{
	const struct lb_vip *v;

	(void)state;
	assert_int_equal(apply(V1 B1 B2), 0);
	assert_int_equal(F.vip_zeroed[0], 1);
	assert_int_equal(F.be_zeroed[1], 1);
	assert_int_equal(F.be_zeroed[2], 1);
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	assert_int_equal(F.vip_zeroed[0], 1);
	assert_int_equal(F.be_zeroed[1], 1);
	assert_int_equal(F.be_zeroed[2], 1);
	assert_int_equal(F.be_zeroed[3], 1);
	assert_int_equal(apply(V1 B1 B2 B3 "vip add tcp 198.18.0.100:443\n"),
			 0);
	assert_int_equal(F.vip_zeroed[1], 1);
	/* a failed reset refuses the change before anything is published */
	F.zero_err = -EIO;
	F.n_ev = 0;
	assert_int_equal(apply(V1 B1 B2 B3 "vip add tcp 198.18.0.100:443\n"
			       "backend add tcp 198.18.0.100:80 198.18.0.14\n"),
			 -EIO);
	assert_int_equal(F.n_ev, 0);
	assert_int_equal(LB.vips[0].n_be, 3);
	assert_int_equal(apply(V1 B1 B2 B3 "vip add tcp 198.18.0.100:443\n"
			       "vip add tcp 198.18.0.100:8080\n"), -EIO);
	assert_int_equal(F.n_ev, 0);
	assert_int_equal(LB.n_vips, 2);
	F.zero_err = 0;
	/* the effective weight: 0 while draining */
	assert_int_equal(apply("vip add tcp 198.18.0.100:80\n"
			       "backend add tcp 198.18.0.100:80 198.18.0.11 "
			       "weight 7\n" B2
			       "backend drain tcp 198.18.0.100:80 198.18.0.12\n"),
			 0);
	v = &LB.vips[0];
	assert_int_equal(lb_be_effective_weight(&v->be[0]), 7);
	assert_int_equal(lb_be_effective_weight(&v->be[1]), 0);
}

static void test_seed_change_rebuilds(void **state)
{
	(void)state;
	assert_int_equal(apply(V1 B1 B2 "vip add tcp 198.18.0.100:443\n"), 0);
	F.n_ev = 0;
	assert_int_equal(apply("hash-seed 99\n" V1 B1 B2
			 "vip add tcp 198.18.0.100:443\n"), 0);
	/* every table is rebuilt and swapped once; nothing else changes */
	EXPECT("ring_set 0", "ring_set 1");
}

/* The daemon's overlay, reduced to health and next hops: backends whose
 * address's last byte is in DOWN[] failed their checks, those with it in
 * UNRESOLVED[] have no resolved next hop. */
static __u8 DOWN[4], UNRESOLVED[4];

static void overlay(void *arg, const struct conf_vip *cv,
		    const struct lb_vip *cur, struct lb_vip *v)
{
	size_t i, j;

	(void)arg;
	(void)cv;
	(void)cur;
	for (i = 0; i < v->n_be; i++) {
		__u8 last = ntohl(v->be[i].addr.a[0]) & 0xff;

		v->be[i].down = false;
		v->be[i].unresolved = false;
		for (j = 0; j < sizeof(DOWN); j++) {
			v->be[i].down |= DOWN[j] == last;
			v->be[i].unresolved |= UNRESOLVED[j] == last;
		}
	}
}

/* Failed checks, as the daemon's overlay reports them. */
static void test_down(void **state)
{
	(void)state;
	memset(DOWN, 0, sizeof(DOWN));
	memset(UNRESOLVED, 0, sizeof(UNRESOLVED));
	LB.health = overlay;
	assert_int_equal(apply(V1 B1 B2), 0);
	F.n_ev = 0;
	DOWN[0] = 12;
	assert_int_equal(apply(V1 B1 B2), 0);
	/* out of the table first, then flagged (its flows re-pick) */
	EXPECT("ring_set 0", "backend_put 2 3");
	assert_int_equal(table_count(F.ring[0], 2), 0);
	/* stays down across other changes, then comes back */
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	EXPECT("backend_put 3 1", "ring_set 0");
	assert_int_equal(table_count(F.ring[0], 2), 0);
	DOWN[0] = 0;
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	EXPECT("backend_put 2 1", "ring_set 0");
	assert_true(table_count(F.ring[0], 2) > 0);
	LB.health = NULL;
}

static void test_unresolved(void **state)
{
	__u32 before[TSIZE], *ids;

	(void)state;
	memset(DOWN, 0, sizeof(DOWN));
	memset(UNRESOLVED, 0, sizeof(UNRESOLVED));
	LB.health = overlay;
	UNRESOLVED[0] = 13;
	assert_int_equal(apply(V1 B1 B2), 0);
	memcpy(before, F.tables[F.ring[0]], sizeof(before));
	F.n_ev = 0;
	/* added while its next hop resolves: in the pool, out of the
	 * table, so nothing is swapped */
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	EXPECT("backend_put 3 9");
	assert_int_equal(table_count(F.ring[0], 3), 0);
	/* resolved: enters with one swap */
	UNRESOLVED[0] = 0;
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	EXPECT("backend_put 3 1", "ring_set 0");
	assert_true(table_count(F.ring[0], 3) > 0);
	/* lost again: flagged first (never DOWN: its flows keep it), then
	 * the swap back to the very table it joined */
	UNRESOLVED[1] = 13;
	assert_int_equal(apply(V1 B1 B2 B3), 0);
	EXPECT("backend_put 3 9", "ring_set 0");
	assert_false(F.be[3].flags & XLB_BE_F_DOWN);
	assert_memory_equal(F.tables[F.ring[0]], before, sizeof(before));
	assert_int_equal(lb_take_purged(&LB, &ids), 0);
	free(ids);
	/* no effective weight while unresolved */
	assert_int_equal(lb_be_effective_weight(&LB.vips[0].be[2]), 0);
	LB.health = NULL;
}

/* The flow table's timeouts, in its ticks (include/xlb.h). */
static void test_flow_live(void **state)
{
	__u32 tick = 1u << XLB_CT_TICK_SHIFT, t0 = 1000;
	struct xlb_ct_meta m = { .tag = XLB_CT_F_USED, .atime = t0 };
	__u64 s = 1000000000ull;
	__u32 tcp = XLB_TCP_TIMEOUT_NS / tick, fin = 2 * s / tick;
	__u32 udp = 30 * s / tick;

	(void)state;
	assert_true(xlb_ct_live(&m, t0 + tcp - 1, 30 * s));
	assert_false(xlb_ct_live(&m, t0 + tcp, 30 * s));
	m.tag |= XLB_CT_F_CLOSING;
	assert_true(xlb_ct_live(&m, t0 + fin - 1, 30 * s));
	assert_false(xlb_ct_live(&m, t0 + fin, 30 * s));
	m.tag = XLB_CT_F_USED | XLB_CT_F_UDP;
	assert_true(xlb_ct_live(&m, t0 + udp - 1, 30 * s));
	assert_false(xlb_ct_live(&m, t0 + udp, 30 * s));
	/* udp-timeout 0: the default */
	assert_false(xlb_ct_live(&m, t0 + XLB_UDP_TIMEOUT_NS_DEFAULT / tick,
				 0));
	/* atime ahead of now (another CPU wrote it later): live */
	assert_true(xlb_ct_live(&m, t0 - 5, 30 * s));
	/* a free slot is no flow */
	m.tag = 0;
	assert_false(xlb_ct_live(&m, t0, 30 * s));
	/* the two buckets of a tag lead to each other */
	assert_int_equal(xlb_ct_alt(xlb_ct_alt(17, 0xabcdef00, 4096),
				    0xabcdef00, 4096), 17);
	assert_true(xlb_ct_alt(17, 0xabcdef00, 4096) < 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idalloc_fifo),
		cmocka_unit_test_setup_teardown(test_new_vip_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_same_model_no_change,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_add_one_swap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_and_del, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_weights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_ring_warns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vip_removal_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_zeroed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seed_change_rebuilds,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unresolved, setup,
						teardown),
		cmocka_unit_test(test_flow_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
