// SPDX-License-Identifier: GPL-2.0
/*
 * maps.c and the apply engine on real BPF maps, pinned in a private bpffs
 * (own mount and network namespaces): pinning and reuse, the flow table's
 * geometry kept by a restart and an old layout refused, what lb_apply
 * writes, recovery after a restart keeping the tables in use, per-CPU
 * sums, the flow table's scan (whole passes in slices, and passes while
 * the test or the data path rewrites slots) and compare-and-swap clear,
 * removal.
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
#include "bpf/fixture.h"
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
	/* A network namespace too: the data path's route lookups find
	 * nothing of the host's. */
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (!mkdtemp(bpffs))
		return -errno;
	if (mount("bpf", bpffs, "bpf", 0, "mode=0700"))
		return -errno;
	snprintf(pins, sizeof(pins), "%s/xlb", bpffs);
	return 0;
}

/* A pin directory of its own for a test: bpffs/name. */
static const char *pin_dir(const char *name)
{
	static char dir[300];

	snprintf(dir, sizeof(dir), "%s/%s", bpffs, name);
	return dir;
}

static void test_pin_and_reuse(void)
{
	struct maps m, m2;

	test_begin();
	CHECK_EQ(maps_open(&m, pins, 65536), 0);
	CHECK_EQ(m.pinned, 0);
	CHECK_EQ(maps_load(&m), 0);
	CHECK(access(pins, F_OK) == 0, "pin dir missing");
	/* one partition a possible CPU, 65536 flows in whole buckets */
	CHECK_EQ(m.ct_geo.parts, m.ncpus);
	CHECK_EQ(m.ct_geo.part_buckets, 65536 / XLB_CT_WAYS / m.ncpus);
	CHECK_EQ(m.ct_buckets, 65536 / XLB_CT_WAYS);
	CHECK(m.ct != NULL, "flow table not mapped");
	/* a second opener finds the pins; the pinned table keeps its
	 * size whatever is asked */
	CHECK_EQ(maps_open(&m2, pins, 8192), 0);
	CHECK_EQ(m2.pinned, 1);
	CHECK_EQ(m2.ct_size, 65536);
	CHECK_EQ(m2.ct_size_pinned, 65536);
	CHECK_EQ(maps_load(&m2), 0);
	CHECK_EQ(bpf_map__max_entries(m2.skel->maps.xlb_flows),
		 65536 / XLB_CT_WAYS);
	maps_close(&m2);
	maps_close(&m);
	test_end("maps are pinned and reused; a pinned flow table keeps its "
		 "size");
}

/*
 * A restart: maps_open() on the pins of a table reads its geometry and
 * seed back (whatever size is asked), gives them to the new program, and
 * the new mapping holds the flows the old one wrote.
 */
static void test_ct_restart(void)
{
	const char *dir = pin_dir("restart");
	struct xlb_ct_geometry g, pinned = {};
	struct xlb_ct_bucket *copy;
	struct maps m, m2, m3;
	__u32 zero = 0;
	__u64 i, n = 0;

	test_begin();
	CHECK_EQ(maps_open(&m, dir, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	g = m.ct_geo;
	CHECK_EQ(g.version, XLB_CT_VERSION);
	CHECK_EQ((__u64)g.parts * g.part_buckets, m.ct_buckets);
	/* the daemon's geometry, in the pinned map and the program */
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(m.skel->maps.xlb_ct_geometry),
				     &zero, &pinned), 0);
	CHECK_MEM(&pinned, &g, sizeof(g));
	CHECK_EQ(m.skel->rodata->ct_seed, g.seed);
	/* a flow in every third slot, each its own */
	for (i = 0; i < m.ct_buckets * XLB_CT_WAYS; i += 3, n++) {
		struct xlb_ct_bucket *b = &m.ct[i / XLB_CT_WAYS];
		struct xlb_ct_entry *e = &m.ct_keys[i / XLB_CT_WAYS].e[i %
							XLB_CT_WAYS];
		int w = i % XLB_CT_WAYS;

		e->src[0] = htonl(0xc6120000u | (__u32)i);
		e->sport = htons(1024 + i % 5000);
		e->vip_id = 1;
		b->meta[w].backend_id = 1 + i % 3;
		b->meta[w].atime = (__u16)i;
		b->meta[w].tag = ((__u32)(i * 2654435761u) & XLB_CT_TAG_MASK) |
				 XLB_CT_F_USED | XLB_CT_F_SEEN2;
	}
	copy = malloc(m.ct_buckets * sizeof(*copy));
	CHECK(copy != NULL, "out of memory");
	if (copy)
		memcpy(copy, m.ct, m.ct_buckets * sizeof(*copy));
	maps_close(&m);

	CHECK_EQ(maps_open(&m2, dir, 4 * 65536), 0);
	CHECK_EQ(m2.pinned, 1);
	CHECK_MEM(&m2.ct_geo, &g, sizeof(g));
	CHECK_EQ(m2.ct_size, 65536);
	CHECK_EQ(m2.ct_size_pinned, 65536);
	CHECK_EQ(m2.skel->rodata->ct_parts, g.parts);
	CHECK_EQ(m2.skel->rodata->ct_part_buckets, g.part_buckets);
	CHECK_EQ(m2.skel->rodata->ct_seed, g.seed);
	CHECK_EQ(maps_load(&m2), 0);
	CHECK_EQ(m2.ct_buckets, m.ct_buckets);
	if (copy && m2.ct)
		CHECK_MEM(m2.ct, copy, m2.ct_buckets * sizeof(*copy));
	printf("# %llu flows kept, seed %08x\n", (unsigned long long)n,
	       g.seed);
	maps_close(&m2);
	free(copy);
	/* a new table has a seed of its own: the one above was read back,
	 * not made again */
	CHECK_EQ(maps_open(&m3, pin_dir("restart2"), 65536), 0);
	CHECK(m3.ct_geo.seed != g.seed, "seed %08x twice", g.seed);
	maps_close(&m3);
	maps_remove(dir, 0);
	maps_remove(pin_dir("restart2"), 0);
	test_end("a restart reads the pinned table's geometry and seed back "
		 "and maps the same flows");
}

/* What a pin directory of an older or broken layout holds. */
struct old_pins {
	const char *name;
	int lru;		/* an LRU hash pinned as xlb_conntrack */
	int flows;		/* xlb_flows, 8 buckets of this value size */
	int keys;		/* xlb_flow_keys, 8 buckets of this size */
	int geometry;		/* xlb_ct_geometry, holding geo */
	struct xlb_ct_geometry geo;
	int want;		/* maps_open() */
};

#define MB	sizeof(struct xlb_ct_bucket)
#define KB	sizeof(struct xlb_ct_keys)

static const struct old_pins old_pins[] = {
	{ "the old LRU conntrack", 1, 0, 0, 0, {}, -EPROTO },
	{ "the old LRU conntrack beside a flow table", 1, MB, KB, 1,
	  { 1, 8, 7, XLB_CT_VERSION }, -EPROTO },
	{ "a flow table without its geometry", 0, MB, KB, 0, {}, -EPROTO },
	{ "a geometry of another version", 0, MB, KB, 1,
	  { 1, 8, 7, XLB_CT_VERSION + 1 }, -EPROTO },
	{ "a geometry of another size", 0, MB, KB, 1,
	  { 2, 8, 7, XLB_CT_VERSION }, -EPROTO },
	{ "a geometry of no partition", 0, MB, KB, 1,
	  { 0, 8, 7, XLB_CT_VERSION }, -EPROTO },
	{ "metas without their keys", 0, MB, 0, 1,
	  { 1, 8, 7, XLB_CT_VERSION }, -EPROTO },
	{ "keys of another size", 0, MB, 2 * KB, 1,
	  { 1, 8, 7, XLB_CT_VERSION }, -EPROTO },
	{ "the first layout (256-byte buckets, one map)", 0, 256, 0, 1,
	  { 1, 8, 7, 1 }, -EPROTO },
	/* the control: the same pins, right */
	{ "a table and its geometry", 0, MB, KB, 1,
	  { 1, 8, 7, XLB_CT_VERSION }, 0 },
};

/* Pin map fd (closed) as dir/name. */
static int pin_map(const char *dir, const char *name, int fd)
{
	char path[400];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = fd < 0 ? -1 : bpf_obj_pin(fd, path);
	if (fd >= 0)
		close(fd);
	return err;
}

static void test_ct_old_layout(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, mmapable,
		    .map_flags = BPF_F_MMAPABLE);
	const char *dir = pin_dir("old");
	char path[400];
	struct maps m;
	size_t i;
	int fd, ret;

	test_begin();
	for (i = 0; i < sizeof(old_pins) / sizeof(old_pins[0]); i++) {
		const struct old_pins *c = &old_pins[i];
		__u32 zero = 0;

		CHECK(mkdir(dir, 0700) == 0, "%s: %s", dir, strerror(errno));
		if (c->lru)
			CHECK_EQ(pin_map(dir, "xlb_conntrack",
				 bpf_map_create(BPF_MAP_TYPE_LRU_HASH,
						"xlb_conntrack",
						sizeof(struct xlb_flow_key), 16,
						1024, NULL)), 0);
		if (c->flows)
			CHECK_EQ(pin_map(dir, "xlb_flows",
				 bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_flows",
						4, c->flows, 8, &mmapable)), 0);
		if (c->keys)
			CHECK_EQ(pin_map(dir, "xlb_flow_keys",
				 bpf_map_create(BPF_MAP_TYPE_ARRAY,
						"xlb_flow_keys", 4, c->keys, 8,
						&mmapable)), 0);
		if (c->geometry) {
			fd = bpf_map_create(BPF_MAP_TYPE_ARRAY,
					    "xlb_ct_geometry", 4,
					    sizeof(c->geo), 1, NULL);
			if (fd >= 0)
				bpf_map_update_elem(fd, &zero, &c->geo, 0);
			CHECK_EQ(pin_map(dir, "xlb_ct_geometry", fd), 0);
		}
		ret = maps_open(&m, dir, 65536);
		CHECK(ret == c->want, "%s: maps_open %d (%s), expected %d",
		      c->name, ret, strerror(-ret), c->want);
		if (!ret) {
			CHECK_MEM(&m.ct_geo, &c->geo, sizeof(c->geo));
			maps_close(&m);
		}
		/* refused, the pins stay for the operator */
		snprintf(path, sizeof(path), "%s/%s", dir,
			 c->lru ? "xlb_conntrack" : "xlb_flows");
		CHECK(access(path, F_OK) == 0, "%s: %s gone", c->name, path);
		/* and maps_remove() takes them all, old names too */
		CHECK_EQ(maps_remove(dir, 0), 0);
		CHECK(access(dir, F_OK) != 0, "%s: %s still there", c->name,
		      dir);
		rmdir(dir);
	}
	test_end("maps_open refuses pins of an old or broken flow table "
		 "(-EPROTO), keeps them, maps_remove removes them");
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

/* --- the flow table's scan and clear ----------------------------------- */

/* Slot s of table m: flow id, its tag and entry derived from id. */
static void slot_write(struct maps *m, __u64 s, __u32 id, __u32 flags)
{
	struct xlb_ct_bucket *b = &m->ct[s / XLB_CT_WAYS];
	struct xlb_ct_entry *e = &m->ct_keys[s / XLB_CT_WAYS].e[s % XLB_CT_WAYS];
	int w = s % XLB_CT_WAYS;

	memset(e, 0, sizeof(*e));
	e->src[0] = htonl(id);
	e->sport = htons((__u16)(id * 7));
	e->vip_id = 1;
	b->meta[w].backend_id = 1 + id % 3;
	b->meta[w].atime = maps_ct_now();
	b->meta[w].tag = ((id * 2654435761u) & XLB_CT_TAG_MASK) |
			 XLB_CT_F_USED | flags;
}

/* Slot s: a flow of its own, whose entry says which slot. */
static void slot_put(struct maps *m, __u64 s, __u32 flags)
{
	slot_write(m, s, (__u32)s, flags);
}

/* Is slot s used in the scan tests' pattern? About two in three. */
static int slot_used(__u64 s)
{
	return (s * 0x9e3779b97f4a7c15ull) >> 62 != 0;
}

struct pass {
	struct maps *m;
	unsigned char *seen;	/* by slot */
	__u64 slots, wrong, reported;
	int stop_at;		/* > 0: stop with 7 at that report */
};

static int pass_cb(void *arg, const struct maps_ct_slot *sl)
{
	struct pass *p = arg;
	const struct xlb_ct_entry *e = &sl->e;
	__u64 s = ntohl(e->src[0]);

	p->reported++;
	/* the entry is the one of the slot reported, whole */
	if (s >= p->slots || sl->index != s ||
	    sl->live != &p->m->ct[s / XLB_CT_WAYS].meta[s % XLB_CT_WAYS] ||
	    e->sport != htons((__u16)(s * 7)) || sl->backend_id != 1 + s % 3 ||
	    sl->meta.tag != sl->live->tag) {
		p->wrong++;
		return 0;
	}
	if (p->seen[s] < 255)
		p->seen[s]++;
	if (p->stop_at && p->reported == (__u64)p->stop_at)
		return 7;
	return 0;
}

/* Budgets of a pass, in slots: one, a few (not a bucket's), a bucket,
 * the scanner's chunk, the whole table at once, and UINT64_MAX. */
static const __u64 budgets[] = { 1, 7, 8, 2048, 65536, UINT64_MAX };

static void test_ct_scan_pass(void)
{
	const char *dir = pin_dir("scan");
	struct pass p = {};
	struct maps m;
	__u64 s, pos, calls, used = 0, missed, dup, extra;
	size_t i;
	int ret;

	test_begin();
	CHECK_EQ(maps_open(&m, dir, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	p.m = &m;
	p.slots = m.ct_buckets * XLB_CT_WAYS;
	p.seen = calloc(p.slots, 1);
	for (s = 0; s < p.slots; s++)
		if (slot_used(s)) {
			slot_put(&m, s, XLB_CT_F_SEEN2);
			used++;
		}
	for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		memset(p.seen, 0, p.slots);
		p.wrong = p.reported = 0;
		pos = 0;
		calls = 0;
		do {
			ret = maps_ct_scan(&m, &pos, budgets[i], pass_cb, &p);
			calls++;
		} while (ret == 0 && calls <= p.slots);
		missed = dup = extra = 0;
		for (s = 0; s < p.slots; s++) {
			missed += slot_used(s) && !p.seen[s];
			dup += p.seen[s] > 1;
			extra += !slot_used(s) && p.seen[s];
		}
		CHECK(ret == 1 && pos == 0, "budget %llu: ret %d, pos %llu",
		      (unsigned long long)budgets[i], ret,
		      (unsigned long long)pos);
		/* sliced as asked: ceil(slots / budget) calls */
		CHECK_EQ(calls, budgets[i] >= p.slots ? 1 :
			 (p.slots + budgets[i] - 1) / budgets[i]);
		CHECK(!missed && !dup && !extra && !p.wrong &&
		      p.reported == used,
		      "budget %llu: %llu of %llu used slots reported: %llu "
		      "missed, %llu twice, %llu free ones, %llu wrong",
		      (unsigned long long)budgets[i],
		      (unsigned long long)p.reported,
		      (unsigned long long)used, (unsigned long long)missed,
		      (unsigned long long)dup, (unsigned long long)extra,
		      (unsigned long long)p.wrong);
	}
	free(p.seen);
	maps_close(&m);
	maps_remove(dir, 0);
	test_end("a scan pass in slices of any budget reports every used "
		 "slot once, with its entry, and no free one");
}

static void test_ct_scan_stop(void)
{
	const char *dir = pin_dir("stop");
	struct pass p = {};
	struct maps m;
	__u64 pos = 0, s;

	test_begin();
	CHECK_EQ(maps_open(&m, dir, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	p.m = &m;
	p.slots = m.ct_buckets * XLB_CT_WAYS;
	p.seen = calloc(p.slots, 1);
	for (s = 0; s < p.slots; s++)
		if (slot_used(s))
			slot_put(&m, s, 0);
	/* a callback's error stops the scan and is returned; the scan goes
	 * on from the next slot, the rest of that bucket included */
	p.stop_at = 1000;
	CHECK_EQ(maps_ct_scan(&m, &pos, UINT64_MAX, pass_cb, &p), 7);
	CHECK_EQ(p.reported, 1000);
	CHECK(pos > 0 && pos < p.slots && p.seen[pos - 1] == 1,
	      "pos %llu after a stop", (unsigned long long)pos);
	p.stop_at = 0;
	CHECK_EQ(maps_ct_scan(&m, &pos, UINT64_MAX, pass_cb, &p), 1);
	for (s = 0; s < p.slots; s++)
		if (slot_used(s) != (p.seen[s] == 1))
			break;
	CHECK(s == p.slots && !p.wrong, "resumed scan: slot %llu seen %d "
	      "times", (unsigned long long)s, s < p.slots ? p.seen[s] : 0);
	/* a budget past the end stops at the end (no overflow) */
	pos = p.slots - 3;
	CHECK_EQ(maps_ct_scan(&m, &pos, UINT64_MAX - 1, pass_cb, &p), 1);
	CHECK_EQ(pos, 0);
	/* no mapping, no scan */
	{
		struct maps none = {};

		pos = 0;
		CHECK_EQ(maps_ct_scan(&none, &pos, 1, pass_cb, &p), -ENODEV);
	}
	free(p.seen);
	maps_close(&m);
	maps_remove(dir, 0);
	test_end("a callback's error stops a scan and is returned");
}

/* maps_ct_clear(): what the slot became between the read and the clear. */
struct clear_case {
	const char *name;
	__u32 read;		/* the tag the caller read */
	__u32 now;		/* the slot's tag at the clear */
	bool cleared;
};

#define TAG_A	(0x12345600u | XLB_CT_F_USED)
#define TAG_B	(0x65432100u | XLB_CT_F_USED)

static const struct clear_case clear_cases[] = {
	{ "unchanged", TAG_A, TAG_A, true },
	{ "another flow now", TAG_A, TAG_B, false },
	{ "a second packet since (SEEN2)", TAG_A, TAG_A | XLB_CT_F_SEEN2,
	  false },
	{ "closing since", TAG_A | XLB_CT_F_SEEN2,
	  TAG_A | XLB_CT_F_SEEN2 | XLB_CT_F_CLOSING, false },
	{ "freed since", TAG_A, 0, false },
};

struct purge {
	struct maps *m;
	__u64 freed, kept, rewritten;
};

/* A purge of backend 2 as the scanner does it, the data path reusing
 * every other one of its slots between the read and the clear. */
static int purge_cb(void *arg, const struct maps_ct_slot *sl)
{
	struct purge *p = arg;
	struct xlb_ct_meta *mt = sl->live;
	__u32 tag = sl->meta.tag;
	__u64 s = ntohl(sl->e.src[0]);

	if (sl->backend_id != 2)
		return 0;
	if (s % 2) {
		/* another flow (id with the top bit) in the slot since */
		slot_write(p->m, s, (__u32)s | 0x80000000u, 0);
		p->rewritten++;
	}
	if (maps_ct_clear(mt, tag))
		p->freed++;
	else
		p->kept++;
	return 0;
}

static void test_ct_clear(void)
{
	const char *dir = pin_dir("clear");
	struct purge pu = {};
	struct xlb_ct_meta mt;
	struct maps m;
	__u64 s, pos, b2 = 0, left_b2 = 0, left_other = 0, other = 0;
	size_t i;

	test_begin();
	for (i = 0; i < sizeof(clear_cases) / sizeof(clear_cases[0]); i++) {
		const struct clear_case *c = &clear_cases[i];
		bool r;

		mt.tag = c->now;
		mt.atime = 5;
		r = maps_ct_clear(&mt, c->read);
		CHECK(r == c->cleared && mt.tag == (c->cleared ? 0 : c->now),
		      "%s: cleared %d, tag %08x", c->name, r, mt.tag);
	}
	CHECK_EQ(maps_open(&m, dir, 65536), 0);
	CHECK_EQ(maps_load(&m), 0);
	pu.m = &m;
	for (s = 0; s < m.ct_buckets * XLB_CT_WAYS; s++) {
		if (!slot_used(s))
			continue;
		slot_put(&m, s, XLB_CT_F_SEEN2);
		if (1 + s % 3 == 2)
			b2++;
		else
			other++;
	}
	pos = 0;
	CHECK_EQ(maps_ct_scan(&m, &pos, UINT64_MAX, purge_cb, &pu), 1);
	for (s = 0; s < m.ct_buckets * XLB_CT_WAYS; s++) {
		struct xlb_ct_bucket *b = &m.ct[s / XLB_CT_WAYS];
		int w = s % XLB_CT_WAYS;

		if (!(b->meta[w].tag & XLB_CT_F_USED))
			continue;
		if (ntohl(m.ct_keys[s / XLB_CT_WAYS].e[w].src[0]) &
		    0x80000000u)
			continue;	/* a new flow, kept */
		if (b->meta[w].backend_id == 2)
			left_b2++;
		else
			left_other++;
	}
	CHECK_EQ(pu.freed + pu.kept, b2);
	CHECK_EQ(pu.kept, pu.rewritten);
	CHECK_EQ(left_b2, 0);
	CHECK_EQ(left_other, other);
	maps_close(&m);
	maps_remove(dir, 0);
	test_end("maps_ct_clear frees a slot only if its tag is unchanged: "
		 "a purge keeps the slots reused meanwhile");
}

/*
 * Scans while slots are rewritten under them. The writer writes as the
 * data path's ct_write() does: the tag zeroed, the entry, the time, the
 * new tag. Each entry it writes is derived whole from one number, so a
 * report of an entry read half before and half after a write shows. A
 * copy without the scan's second look at the tag (naive_scan) is the
 * control: it must see torn entries, or the writer raced nothing.
 */
#define REWRITE_MS	400

struct rewriter {
	struct maps *m;
	volatile int stop;
	unsigned long writes;
};

static void entry_of(__u32 v, struct xlb_ct_entry *e)
{
	e->src[0] = v;
	e->src[1] = ~v;
	e->src[2] = v * 2654435761u;
	e->src[3] = v ^ 0x5a5a5a5au;
	e->sport = (__u16)(v >> 7);
	e->vip_id = (__u16)(v >> 3);
	e->pad = v * 5;
}

/* The backend the writer gives the flow of entry v, in the meta. */
static __u16 backend_of(__u32 v)
{
	return (__u16)(v * 3);
}

static int entry_whole(const struct xlb_ct_entry *e)
{
	struct xlb_ct_entry x;

	entry_of(e->src[0], &x);
	return !memcmp(&x, e, sizeof(x));
}

static void *rewriter_fn(void *arg)
{
	struct rewriter *r = arg;
	__u64 slots = r->m->ct_buckets * XLB_CT_WAYS, s = 0;
	__u32 v = 1;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(r->m->ncpus > 1 ? 1 : 0, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	while (!r->stop) {
		struct xlb_ct_bucket *b = &r->m->ct[s / XLB_CT_WAYS];
		struct xlb_ct_keys *k = &r->m->ct_keys[s / XLB_CT_WAYS];
		struct xlb_ct_entry e;
		int w = s % XLB_CT_WAYS;

		v = v * 1103515245u + 12345u;
		entry_of(v, &e);
		__atomic_store_n(&b->meta[w].tag, 0, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		/* field by field, as the data path's stores are */
		memcpy((void *)&k->e[w], &e, sizeof(e));
		b->meta[w].atime = (__u16)v;
		b->meta[w].backend_id = backend_of(v);
		__atomic_store_n(&b->meta[w].tag,
				 (v & XLB_CT_TAG_MASK) | XLB_CT_F_USED,
				 __ATOMIC_RELEASE);
		s = (s + 1) % slots;
		r->writes++;
	}
	return NULL;
}

struct torn {
	__u64 reports, torn;
};

static int torn_cb(void *arg, const struct maps_ct_slot *sl)
{
	struct torn *t = arg;

	t->reports++;
	t->torn += !entry_whole(&sl->e) ||
		   sl->backend_id != backend_of(sl->e.src[0]) ||
		   sl->meta.atime != (__u16)sl->e.src[0];
	return 0;
}

/* The control: the scan without its second look at the tag. */
static void naive_scan(struct maps *m, struct torn *t)
{
	__u64 b;
	int w;

	for (b = 0; b < m->ct_buckets; b++)
		for (w = 0; w < XLB_CT_WAYS; w++) {
			struct xlb_ct_entry e;
			__u16 be;

			if (!(__atomic_load_n(&m->ct[b].meta[w].tag,
					      __ATOMIC_ACQUIRE) &
			      XLB_CT_F_USED))
				continue;
			memcpy(&e, (void *)&m->ct_keys[b].e[w], sizeof(e));
			be = m->ct[b].meta[w].backend_id;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			t->reports++;
			t->torn += !entry_whole(&e) ||
				   be != backend_of(e.src[0]);
		}
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void test_ct_scan_rewrites(void)
{
	const char *dir = pin_dir("rewrite");
	struct torn scan = {}, naive = {};
	struct rewriter r = {};
	struct maps m;
	pthread_t t;
	__u64 end, pos = 0, passes = 0, naive_passes = 0;
	int ret = 0;

	test_begin();
	/* 32 buckets: the writer comes back to a slot every 256 writes */
	CHECK_EQ(maps_open(&m, dir, 256), 0);
	CHECK_EQ(maps_load(&m), 0);
	r.m = &m;
	CHECK_EQ(pthread_create(&t, NULL, rewriter_fn, &r), 0);
	end = now_ms() + REWRITE_MS;
	while (now_ms() < end && ret >= 0) {
		ret = maps_ct_scan(&m, &pos, 3, torn_cb, &scan);
		passes += ret == 1;
		naive_scan(&m, &naive);
		naive_passes++;
	}
	r.stop = 1;
	pthread_join(t, NULL);
	printf("# %lu writes; scan: %llu passes, %llu reports, %llu torn; "
	       "naive copy: %llu passes, %llu reports, %llu torn\n", r.writes,
	       (unsigned long long)passes, (unsigned long long)scan.reports,
	       (unsigned long long)scan.torn,
	       (unsigned long long)naive_passes,
	       (unsigned long long)naive.reports,
	       (unsigned long long)naive.torn);
	CHECK(ret >= 0, "scan: %s", strerror(-ret));
	CHECK(scan.reports > 0, "the scan reported nothing");
	CHECK(naive.torn > 0, "the writer never tore a naive copy: the test "
	      "raced nothing");
	CHECK_EQ(scan.torn, 0);
	maps_close(&m);
	maps_remove(dir, 0);
	test_end("a scan while slots are rewritten never reports an entry "
		 "rewritten while it was read");
}

/*
 * The same with the data path as the writer: SYNs of new tuples through
 * BPF_PROG_TEST_RUN on CPU 1 (partition 1 of a 256-slot table, so new
 * flows replace others all the time) while CPU 0 scans. A reported entry
 * must be one flow whole: its tuple hashes to the bucket it is in.
 */
#define DP_VIP		"198.18.0.100"
#define DP_PORT		80

struct dp_writer {
	struct maps *m;
	volatile int stop;
	unsigned long runs, errors;
};

static void *dp_writer_fn(void *arg)
{
	struct dp_writer *d = arg;
	struct fx_pkt p = { "198.18.1.0", DP_VIP, 1024, DP_PORT, IPPROTO_TCP,
			    0x02, .payload = 0 };
	int fd = bpf_program__fd(d->m->skel->progs.xlb_main);
	static struct fx_run r;
	__u8 fr[256];
	cpu_set_t cpus;
	size_t len;
	__u32 i = 0;

	CPU_ZERO(&cpus);
	CPU_SET(d->m->ncpus > 1 ? 1 : 0, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	len = fx_build(&p, fr);
	while (!d->stop) {
		i++;
		fx_set_client(fr, htonl(0xc6120000u | (i >> 16 & 0xffff)),
			      htons(i & 0xffff));
		fx_run(fd, fr, len, &r);
		d->runs++;
		d->errors += r.err != 0;
	}
	return NULL;
}

struct dp_check {
	struct maps *m;
	__u32 vip_dst;
	__u64 reports, wrong;
};

static int dp_cb(void *arg, const struct maps_ct_slot *sl)
{
	const struct xlb_ct_entry *e = &sl->e;
	struct dp_check *c = arg;
	__u32 nb = c->m->ct_geo.part_buckets, h, i0, i1, b;
	struct xlb_flow_key k = {};

	c->reports++;
	memcpy(k.src, e->src, sizeof(k.src));
	k.dst[0] = c->vip_dst;
	k.sport = e->sport;
	k.dport = htons(DP_PORT);
	k.proto = IPPROTO_TCP;
	k.family = XLB_AF_INET;
	h = xlb_hash_flow(&k, c->m->ct_geo.seed);
	i0 = xlb_ct_bucket1(h, nb);
	i1 = xlb_ct_alt(i0, h & XLB_CT_TAG_MASK, nb);
	b = sl->index / XLB_CT_WAYS % nb;
	if ((b != i0 && b != i1) || e->vip_id != 0 || sl->backend_id != 11)
		c->wrong++;
	return 0;
}

static void test_ct_scan_datapath(void)
{
	const char *dir = pin_dir("datapath");
	struct dp_writer d = {};
	struct dp_check c = {};
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	__u64 end, pos = 0, passes = 0;
	struct maps m;
	__u32 ring = 11;
	pthread_t t;
	int ret = 0;

	test_begin();
	CHECK_EQ(maps_open(&m, dir, 256), 0);
	CHECK_EQ(maps_load(&m), 0);
	CHECK_EQ(fx_cfg_set(m.skel, XLB_CFG_F_ENABLED,
			    XLB_UDP_TIMEOUT_NS_DEFAULT), 0);
	CHECK_EQ(fx_vip_add(m.skel, 0, DP_VIP, IPPROTO_TCP, DP_PORT, 0, 7,
			    XLB_MODE_IPIP), 0);
	CHECK_EQ(fx_backend_set(m.skel, 11, 0, "198.18.0.11",
				XLB_BE_F_VALID), 0);
	CHECK_EQ(fx_ring_set(m.skel, 0, &ring, 1, 7), 0);
	fx_stats(m.skel, before);
	c.m = &m;
	c.vip_dst = inet_addr(DP_VIP);
	d.m = &m;
	CHECK_EQ(pthread_create(&t, NULL, dp_writer_fn, &d), 0);
	end = now_ms() + REWRITE_MS;
	while (now_ms() < end && ret >= 0) {
		ret = maps_ct_scan(&m, &pos, 3, dp_cb, &c);
		passes += ret == 1;
	}
	d.stop = 1;
	pthread_join(t, NULL);
	fx_stats(m.skel, after);
	printf("# %lu SYNs, %llu replaced a flow; %llu passes, %llu "
	       "reports\n", d.runs,
	       (unsigned long long)(after[XLB_STAT_CT_EVICT] -
				    before[XLB_STAT_CT_EVICT]),
	       (unsigned long long)passes, (unsigned long long)c.reports);
	CHECK(ret >= 0, "scan: %s", strerror(-ret));
	CHECK_EQ(d.errors, 0);
	/* every SYN a new flow, and most of them in place of another */
	CHECK_EQ(after[XLB_STAT_CT_MISS_SYN] - before[XLB_STAT_CT_MISS_SYN],
		 d.runs);
	CHECK(after[XLB_STAT_CT_EVICT] - before[XLB_STAT_CT_EVICT] >
	      d.runs / 2, "%llu of %lu SYNs replaced a flow",
	      (unsigned long long)(after[XLB_STAT_CT_EVICT] -
				   before[XLB_STAT_CT_EVICT]), d.runs);
	CHECK(c.reports > 0, "the scan reported nothing");
	CHECK_EQ(c.wrong, 0);
	maps_close(&m);
	maps_remove(dir, 0);
	test_end("a scan while the data path replaces flows reports only "
		 "whole ones, where they hash");
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
	cpu_set_t cpus;
	int err = setup_bpffs();

	if (err) {
		printf("not ok 1 - private bpffs: %s\n", strerror(-err));
		return 1;
	}
	/* The scans run on CPU 0, the writers they race on CPU 1. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	test_pin_and_reuse();
	test_ct_restart();
	test_ct_old_layout();
	test_apply_and_recover();
	test_percpu_sum();
	test_flood_state();
	test_ct_scan_pass();
	test_ct_scan_stop();
	test_ct_clear();
	test_ct_scan_rewrites();
	test_ct_scan_datapath();
	test_vip_filter();
	test_ctr_zero();
	test_remove();
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	return test_exit();
}
