// SPDX-License-Identifier: GPL-2.0
/*
 * maps.c and the apply engine on real BPF maps, pinned in a private bpffs
 * (own mount namespace): pinning and reuse, the conntrack size of a pinned
 * map, what lb_apply writes, recovery after a restart keeping the tables
 * in use, per-CPU sums, the background conntrack purge, removal.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "conf.h"
#include "lb.h"
#include "maps.h"
#include "xlb.skel.h"

#define TSIZE	251

static char pins[256];
static char bpffs[] = "/tmp/xd_maps_XXXXXX";

static const char *model_text =
	"interface lo\n"
	"encap-source 198.18.0.2\n"
	"table-size 251\n"
	"hash-seed 7\n"
	"vip add tcp 198.18.0.100:80\n"
	"backend add tcp 198.18.0.100:80 198.18.0.11\n"
	"backend add tcp 198.18.0.100:80 198.18.0.12\n"
	"backend add tcp 198.18.0.100:80 198.18.0.13 weight 200\n"
	"vip add udp 198.18.0.100:53\n"
	"backend add udp 198.18.0.100:53 198.18.0.11\n";

static int model(struct conf *c, const char *text)
{
	char err[256];
	int ret = conf_parse_text("test", text, c, err, sizeof(err));

	if (ret)
		printf("# %s\n", err);
	return ret;
}

struct walk {
	int n;
	struct xlb_vip_key k[8];
	struct xlb_vip v[8];
	__u32 ids[8];
	struct xlb_backend b[8];
};

static int vip_cb(void *arg, const struct xlb_vip_key *k,
		  const struct xlb_vip *v)
{
	struct walk *w = arg;

	if (w->n >= 8)
		return -E2BIG;
	w->k[w->n] = *k;
	w->v[w->n++] = *v;
	return 0;
}

static int be_cb(void *arg, __u32 id, const struct xlb_backend *b)
{
	struct walk *w = arg;

	if (w->n >= 8)
		return -E2BIG;
	w->ids[w->n] = id;
	w->b[w->n++] = *b;
	return 0;
}

static __u32 ring_id(struct maps *m, __u32 vip_id)
{
	__u32 id = 0;

	bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.xlb_rings), &vip_id,
			    &id);
	return id;
}

static int setup_bpffs(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (!mkdtemp(bpffs))
		return -errno;
	if (mount("bpf", bpffs, "bpf", 0, "mode=0700"))
		return -errno;
	snprintf(pins, sizeof(pins), "%s/xlb", bpffs);
	return 0;
}

static void test_pin_and_reuse(void)
{
	struct maps m, m2;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(m.pinned, 0);
	CHECK_EQ(maps_load(&m), 0);
	CHECK(access(pins, F_OK) == 0, "pin dir missing");
	/* a second opener finds the pins; the pinned conntrack keeps its
	 * size whatever is asked */
	CHECK_EQ(maps_open(&m2, pins, 8192), 0);
	CHECK_EQ(m2.pinned, 1);
	CHECK_EQ(m2.ct_size, 65536);
	CHECK_EQ(m2.ct_size_pinned, 65536);
	CHECK_EQ(maps_load(&m2), 0);
	CHECK_EQ(bpf_map__max_entries(m2.skel->maps.xlb_conntrack), 65536);
	maps_close(&m2);
	maps_close(&m);
	test_end("maps are pinned and reused; a pinned conntrack keeps its "
		 "size");
}

static void test_apply_and_recover(void)
{
	struct walk vw = {}, bw = {};
	struct maps m;
	struct lb lb;
	struct conf c;
	__u32 table[TSIZE], size = 0, cnt[4] = {}, i, r0, r1;
	struct xlb_addr_key ak = { .family = XLB_AF_INET };
	__u32 addr_cnt = 0;
	char err[256];
	int ret;

	test_begin();
	CHECK_EQ(model(&c, model_text), 0);
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	CHECK_EQ(lb_init(&lb, &maps_lb_ops, &m), 0);
	ret = lb_apply(&lb, &c, err, sizeof(err));
	CHECK(ret == 0, "lb_apply: %s", err);
	CHECK_EQ(maps_vips_walk(&m, vip_cb, &vw), 0);
	CHECK_EQ(vw.n, 2);
	CHECK_EQ(vw.v[0].ring_size, TSIZE);
	CHECK_EQ(maps_backends_walk(&m, be_cb, &bw), 0);
	CHECK_EQ(bw.n, 4);
	for (i = 0; i < (__u32)bw.n; i++)
		CHECK_EQ(bw.b[i].flags, XLB_BE_F_VALID);
	ak.addr[0] = inet_addr("198.18.0.100");
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(m.skel->maps.xlb_vip_addrs),
				     &ak, &addr_cnt), 0);
	CHECK_EQ(addr_cnt, 2);
	/* the TCP VIP's table: all three, be3 about twice as often */
	r0 = lb_vip_find(&lb, IPPROTO_TCP, &c.vips[0].addr, 80)->id;
	CHECK_EQ(maps_lb_ops.ring_read(&m, r0, &size, table, TSIZE), 0);
	CHECK_EQ(size, TSIZE);
	for (i = 0; i < TSIZE; i++)
		if (table[i] >= 1 && table[i] <= 3)
			cnt[table[i]]++;
	CHECK_EQ(cnt[1] + cnt[2] + cnt[3], TSIZE);
	CHECK(cnt[3] > cnt[1] + cnt[1] / 2, "be3 %u slots, be1 %u", cnt[3],
	      cnt[1]);
	r1 = ring_id(&m, r0);
	lb_free(&lb);
	maps_close(&m);

	/* A restarted daemon: same pins, state read back, same model. */
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(m.pinned, 1);
	CHECK_EQ(maps_load(&m), 0);
	CHECK_EQ(lb_init(&lb, &maps_lb_ops, &m), 0);
	CHECK_EQ(lb_recover(&lb, vw.k, vw.v, vw.n, bw.ids, bw.b, bw.n), 0);
	ret = lb_apply(&lb, &c, err, sizeof(err));
	CHECK(ret == 0, "lb_apply after recovery: %s", err);
	CHECK_EQ(ring_id(&m, r0), r1);	/* the table in use was kept */
	conf_free(&c);
	/* a change after recovery swaps the table and keeps the ids */
	CHECK_EQ(model(&c, "interface lo\nencap-source 198.18.0.2\n"
		       "table-size 251\nhash-seed 7\n"
		       "vip add tcp 198.18.0.100:80\n"
		       "backend add tcp 198.18.0.100:80 198.18.0.11\n"
		       "backend add tcp 198.18.0.100:80 198.18.0.13\n"), 0);
	ret = lb_apply(&lb, &c, err, sizeof(err));
	CHECK(ret == 0, "lb_apply: %s", err);
	CHECK(ring_id(&m, r0) != r1, "table not swapped");
	CHECK_EQ(maps_lb_ops.ring_read(&m, r0, &size, table, TSIZE), 0);
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < TSIZE; i++)
		if (table[i] <= 3)
			cnt[table[i]]++;
	CHECK_EQ(cnt[2], 0);
	CHECK_EQ(cnt[1] + cnt[3], TSIZE);
	addr_cnt = 0;
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(m.skel->maps.xlb_vip_addrs),
				     &ak, &addr_cnt), 0);
	CHECK_EQ(addr_cnt, 1);
	memset(&bw, 0, sizeof(bw));
	CHECK_EQ(maps_backends_walk(&m, be_cb, &bw), 0);
	CHECK_EQ(bw.n, 2);
	conf_free(&c);
	lb_free(&lb);
	maps_close(&m);
	test_end("lb_apply writes the maps; a restart reads them back and "
		 "keeps the tables");
}

static void test_percpu_sum(void)
{
	struct xlb_ctr *v, sum;
	struct maps m;
	__u32 key = 5;
	int i;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	v = calloc(m.ncpus, sizeof(*v));
	for (i = 0; i < m.ncpus; i++) {
		v[i].packets = i + 1;
		v[i].bytes = 100 * (i + 1);
	}
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(m.skel->maps.xlb_vip_stats),
				     &key, v, 0), 0);
	CHECK_EQ(maps_vip_ctr(&m, key, &sum), 0);
	CHECK_EQ(sum.packets, m.ncpus * (m.ncpus + 1) / 2);
	CHECK_EQ(sum.bytes, 100 * m.ncpus * (m.ncpus + 1) / 2);
	free(v);
	maps_close(&m);
	test_end("per-CPU counters are summed over every CPU");
}

static void test_flood_state(void)
{
	struct xlb_rate *r;
	struct xlb_ctr *c;
	__u32 key = XLB_RATE_FLOWS, idx = XLB_STAT_FLOOD;
	__u64 now = 50ull * 1000000000ull, held = 1;
	bool active = true;
	struct maps m;
	int i;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	r = calloc(m.ncpus, sizeof(*r));
	c = calloc(m.ncpus, sizeof(*c));
	CHECK_EQ(maps_flood_state(&m, 100, now, &active, &held), 0);
	CHECK(!active && held == 0, "fresh maps: active %d held %llu", active,
	      (unsigned long long)held);
	for (i = 0; i < m.ncpus; i++)
		c[i].packets = 7;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(m.skel->maps.xlb_stats),
				     &idx, c, 0), 0);
	/* The last CPU over the rate in the current window. */
	r[m.ncpus - 1].window_ns = now - 500000000ull;
	r[m.ncpus - 1].count = 101;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(m.skel->maps.xlb_rates),
				     &key, r, 0), 0);
	CHECK_EQ(maps_flood_state(&m, 100, now, &active, &held), 0);
	CHECK(active, "over the rate in the window: not active");
	CHECK_EQ(held, 7ull * m.ncpus);
	/* At the rate, an old window, or no guard: not active. */
	CHECK_EQ(maps_flood_state(&m, 101, now, &active, &held), 0);
	CHECK(!active, "at the rate: active");
	CHECK_EQ(maps_flood_state(&m, 100, now + 600000000ull, &active,
				  &held), 0);
	CHECK(!active, "window over: active");
	CHECK_EQ(maps_flood_state(&m, 0, now, &active, &held), 0);
	CHECK(!active, "guard off: active");
	free(r);
	free(c);
	maps_close(&m);
	test_end("flood state: active while a CPU's current window is over "
		 "the rate; flows held summed");
}

static bool match_one(void *arg, __u32 id)
{
	(void)arg;
	return id == 1;
}

static int count_cb(void *arg, const struct xlb_flow_key *k,
		    const struct xlb_flow *f)
{
	int *n = arg;

	(void)k;
	n[f->backend_id & 3]++;
	return 0;
}

static void test_ct_purge(void)
{
	struct maps_ct_cursor cur = {};
	struct xlb_flow_key k = { .proto = IPPROTO_TCP,
				  .family = XLB_AF_INET };
	struct xlb_flow f = {};
	struct maps m;
	int fd, i, n[4] = {}, steps = 0, ret;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	fd = bpf_map__fd(m.skel->maps.xlb_conntrack);
	/* more than one batch of the walk */
	for (i = 0; i < 10000; i++) {
		k.sport = htons(i);
		k.src[0] = htonl(0xc6120000 + i / 100);
		f.backend_id = 1 + (i % 2);
		CHECK_EQ(bpf_map_update_elem(fd, &k, &f, 0), 0);
	}
	CHECK_EQ(maps_ct_walk(&m, count_cb, n), 0);
	CHECK_EQ(n[1], 5000);
	CHECK_EQ(n[2], 5000);
	memset(n, 0, sizeof(n));
	while ((ret = maps_ct_purge_step(&m, &cur, match_one, NULL, 256)) == 0
	       && steps < 1000)
		steps++;
	CHECK_EQ(ret, 1);
	CHECK(steps >= 10000 / 256 - 1, "only %d steps of 256", steps);
	CHECK_EQ(maps_ct_walk(&m, count_cb, n), 0);
	CHECK_EQ(n[1], 0);
	CHECK_EQ(n[2], 5000);
	maps_close(&m);
	test_end("conntrack purge in bounded steps removes only the matching "
		 "backend");
}

/*
 * The walk while the data path writes: a stable set of flows, each
 * replaced again and again by a BPF_ANY update (an LRU update puts a new
 * element in place of the old one) and churn of other flows inserted and
 * deleted. Every stable flow must be seen exactly once by every walk.
 */
#define WALK_STABLE	3000
#define WALK_CHURN	3000

struct churn {
	int fd;
	volatile int stop;
	unsigned long writes;
};

static void walk_key(struct xlb_flow_key *k, int i, int set)
{
	memset(k, 0, sizeof(*k));
	k->proto = IPPROTO_TCP;
	k->family = XLB_AF_INET;
	k->src[0] = htonl(0xc6120000 + set);
	k->sport = htons(i);
}

static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	struct xlb_flow_key k;
	struct xlb_flow f = { .backend_id = 1 };
	int i = 0;

	while (!c->stop) {
		walk_key(&k, i % WALK_STABLE, 0);
		f.atime_ns = c->writes;
		bpf_map_update_elem(c->fd, &k, &f, BPF_ANY);
		walk_key(&k, i % WALK_CHURN, 1);
		f.backend_id = 2;
		if (bpf_map_update_elem(c->fd, &k, &f, BPF_NOEXIST))
			bpf_map_delete_elem(c->fd, &k);
		f.backend_id = 1;
		c->writes++;
		i++;
	}
	return NULL;
}

struct seen {
	unsigned char n[WALK_STABLE];
	int others;
};

static int seen_cb(void *arg, const struct xlb_flow_key *k,
		   const struct xlb_flow *f)
{
	struct seen *s = arg;
	int i = ntohs(k->sport);

	if (k->src[0] != htonl(0xc6120000) || i >= WALK_STABLE) {
		s->others++;
		return 0;
	}
	if (f->backend_id == 1 && s->n[i] < 255)
		s->n[i]++;
	return 0;
}

static void test_ct_walk_concurrent(void)
{
	struct churn c = {};
	struct xlb_flow_key k;
	struct xlb_flow f = { .backend_id = 1 };
	struct seen s;
	pthread_t t;
	int i, w, missed = 0, dup = 0, bad_walks = 0, ret;
	struct maps m;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	c.fd = bpf_map__fd(m.skel->maps.xlb_conntrack);
	for (i = 0; i < WALK_STABLE; i++) {
		walk_key(&k, i, 0);
		CHECK_EQ(bpf_map_update_elem(c.fd, &k, &f, BPF_ANY), 0);
	}
	CHECK_EQ(pthread_create(&t, NULL, churn_fn, &c), 0);
	for (w = 0; w < 300; w++) {
		int wm = 0, wd = 0;

		memset(&s, 0, sizeof(s));
		ret = maps_ct_walk(&m, seen_cb, &s);
		if (ret) {
			printf("# walk %d: %s\n", w, strerror(-ret));
			bad_walks++;
			continue;
		}
		for (i = 0; i < WALK_STABLE; i++) {
			wm += s.n[i] == 0;
			wd += s.n[i] > 1;
		}
		if (wm || wd) {
			if (bad_walks < 5)
				printf("# walk %d: %d stable flows missed, %d "
				       "seen twice or more\n", w, wm, wd);
			bad_walks++;
		}
		missed += wm;
		dup += wd;
	}
	c.stop = 1;
	pthread_join(t, NULL);
	printf("# %lu writes during the walks\n", c.writes);
	CHECK(c.writes > 0, "no write during the walks");
	CHECK(bad_walks == 0, "%d of 300 walks wrong: %d missed, %d duplicated",
	      bad_walks, missed, dup);
	maps_close(&m);
	test_end("conntrack walk during updates sees every stable flow "
		 "exactly once");
}

static int filter_has(struct maps *m, const char *addr4)
{
	struct xlb_vip_filter f;
	__be32 a[4] = { inet_addr(addr4) };
	__u32 zero = 0, bit = xlb_vip_filter_bit(a, XLB_AF_INET);

	if (bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.xlb_vip_filter),
				&zero, &f))
		return -1;
	return (f.bits[bit / 64] >> (bit % 64)) & 1;
}

static void test_vip_filter(void)
{
	struct maps m = {};
	struct conf c;
	struct lb lb;
	char err[256], path[300];
	int ret, fd;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	CHECK_EQ(lb_init(&lb, &maps_lb_ops, &m), 0);
	CHECK_EQ(model(&c, model_text), 0);
	ret = lb_apply(&lb, &c, err, sizeof(err));
	CHECK(ret == 0, "lb_apply: %s", err);
	conf_free(&c);
	CHECK_EQ(filter_has(&m, "198.18.0.100"), 1);
	CHECK_EQ(filter_has(&m, "198.18.0.101"), 0);
	/* the last VIP on the address gone: its bit clears */
	CHECK_EQ(model(&c, "interface lo\nencap-source 198.18.0.2\n"
		       "vip add tcp 198.18.0.101:80\n"), 0);
	ret = lb_apply(&lb, &c, err, sizeof(err));
	CHECK(ret == 0, "lb_apply: %s", err);
	conf_free(&c);
	CHECK_EQ(filter_has(&m, "198.18.0.100"), 0);
	CHECK_EQ(filter_has(&m, "198.18.0.101"), 1);
	lb_free(&lb);
	maps_close(&m);
	/* a restart rebuilds the filter from the pinned VIPs (an upgrade
	 * from a build without the filter finds it empty) */
	snprintf(path, sizeof(path), "%s/xlb_vip_filter", pins);
	fd = bpf_obj_get(path);
	CHECK(fd >= 0, "%s: %s", path, strerror(errno));
	CHECK_EQ(bpf_map_update_elem(fd, &(__u32){0},
				     &(struct xlb_vip_filter){}, 0), 0);
	close(fd);
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	CHECK_EQ(filter_has(&m, "198.18.0.101"), 1);
	maps_close(&m);
	test_end("the VIP filter follows the VIP addresses and survives a "
		 "restart");
}

static void poison(struct maps *m, const struct bpf_map *map, __u32 id)
{
	struct xlb_ctr *v = calloc(m->ncpus, sizeof(*v));
	int i;

	for (i = 0; i < m->ncpus; i++)
		v[i].packets = v[i].bytes = v[i].new_flows = 1000 + i;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(map), &id, v, 0), 0);
	free(v);
}

/* A new VIP or backend never shows the counts of a former owner of its
 * id; one that stays keeps its counts through an apply. */
static void test_ctr_zero(void)
{
	struct xlb_ctr sum;
	struct maps m = {};
	struct conf c;
	struct lb lb;
	char err[256];
	__u32 id;
	int ret;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	for (id = 0; id < 4; id++) {
		poison(&m, m.skel->maps.xlb_vip_stats, id);
		poison(&m, m.skel->maps.xlb_backend_stats, id + 1);
	}
	/* an engine that does not know the ids: they are all new to it */
	CHECK_EQ(lb_init(&lb, &maps_lb_ops, &m), 0);
	CHECK_EQ(model(&c, model_text), 0);
	ret = lb_apply(&lb, &c, err, sizeof(err));
	CHECK(ret == 0, "lb_apply: %s", err);
	for (id = 0; id < 2; id++) {
		CHECK_EQ(maps_vip_ctr(&m, id, &sum), 0);
		CHECK_EQ(sum.packets + sum.bytes + sum.new_flows, 0);
	}
	for (id = 1; id <= 4; id++) {
		CHECK_EQ(maps_backend_ctr(&m, id, &sum), 0);
		CHECK_EQ(sum.packets + sum.bytes + sum.new_flows, 0);
	}
	/* ids not given out keep whatever they hold */
	CHECK_EQ(maps_vip_ctr(&m, 2, &sum), 0);
	CHECK_EQ(sum.packets, m.ncpus * 1000 + m.ncpus * (m.ncpus - 1) / 2);
	/* counts of kept objects survive the next apply */
	poison(&m, m.skel->maps.xlb_vip_stats, 0);
	poison(&m, m.skel->maps.xlb_backend_stats, 1);
	ret = lb_apply(&lb, &c, err, sizeof(err));
	CHECK(ret == 0, "lb_apply: %s", err);
	conf_free(&c);
	CHECK_EQ(maps_vip_ctr(&m, 0, &sum), 0);
	CHECK_EQ(sum.new_flows, m.ncpus * 1000 + m.ncpus * (m.ncpus - 1) / 2);
	CHECK_EQ(maps_backend_ctr(&m, 1, &sum), 0);
	CHECK_EQ(sum.bytes, m.ncpus * 1000 + m.ncpus * (m.ncpus - 1) / 2);
	lb_free(&lb);
	maps_close(&m);
	test_end("new VIP and backend ids start with zeroed per-CPU counters; "
		 "kept ones keep theirs");
}

static void test_remove(void)
{
	struct stat st;

	test_begin();
	CHECK_EQ(maps_remove(pins, 0), 0);
	CHECK(stat(pins, &st) != 0, "%s still exists", pins);
	test_end("maps_remove unpins every map");
}

int main(void)
{
	int err = setup_bpffs();

	if (err) {
		printf("not ok 1 - private bpffs: %s\n", strerror(-err));
		return 1;
	}
	test_pin_and_reuse();
	test_apply_and_recover();
	test_percpu_sum();
	test_flood_state();
	test_ct_purge();
	test_ct_walk_concurrent();
	test_vip_filter();
	test_ctr_zero();
	test_remove();
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	return test_exit();
}
