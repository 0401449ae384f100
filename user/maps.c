// SPDX-License-Identifier: GPL-2.0
/* BPF maps and program of xlb, reached only through the skeleton. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "xlb.skel.h"
#include "lb.h"
#include "maps.h"

#define XLB_PROG_NAME "xlb_main"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's, not in userspace headers */
#endif

int maps_mount_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir("/sys/fs/bpf", 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static int maps_set_pins(struct xlb_bpf *skel, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, skel->obj) {
		/* .rodata belongs to its program, not to the state. */
		if (bpf_map__is_internal(map))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir,
			     bpf_map__name(map)) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* max_entries and id of a pinned map, or -errno (-ENOENT: not pinned). */
static int pinned_info(const char *dir, const char *name,
		       struct bpf_map_info *info)
{
	char path[PATH_MAX];
	__u32 len = sizeof(*info);
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
}

static struct xlb_bpf *maps_skel_open(const char *dir)
{
	struct xlb_bpf *skel = xlb_bpf__open();
	int err;

	if (!skel)
		return NULL;
	err = maps_set_pins(skel, dir);
	if (err) {
		xlb_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

static int filter_sync(struct maps *m, const struct xlb_vip_key *extra);

/* Pins of earlier layouts, removed with the others (maps_remove). */
static const char *const legacy_pins[] = {
	"xlb_conntrack",	/* the LRU hash before the flow table */
};

/*
 * How the flow table is split: read back from its pins, or new for a
 * table of about ct_size flows. A pinned table of an older layout is
 * -EPROTO (the caller says what to do).
 */
static int ct_geometry(struct maps *m, __u32 ct_size)
{
	struct xlb_ct_geometry g = {};
	struct bpf_map_info info;
	char path[PATH_MAX];
	__u32 zero = 0, max;
	int fd, err;
	size_t i;

	for (i = 0; i < sizeof(legacy_pins) / sizeof(legacy_pins[0]); i++)
		if (!pinned_info(m->pin_dir, legacy_pins[i], &info))
			return -EPROTO;
	err = pinned_info(m->pin_dir, "xlb_flows", &info);
	if (err == 0) {
		if (snprintf(path, sizeof(path), "%s/xlb_ct_geometry",
			     m->pin_dir) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return -EPROTO;
		err = bpf_map_lookup_elem(fd, &zero, &g) ? -errno : 0;
		close(fd);
		if (err)
			return err;
		if (g.version != XLB_CT_VERSION || !g.parts ||
		    (__u64)g.parts * g.part_buckets != info.max_entries)
			return -EPROTO;
		/* Metas without their keys (or keys of another size): not
		 * a table of this layout. */
		max = info.max_entries;
		if (pinned_info(m->pin_dir, "xlb_flow_keys", &info) ||
		    info.max_entries != max ||
		    info.value_size != sizeof(struct xlb_ct_keys))
			return -EPROTO;
	} else if (err == -ENOENT) {
		g.parts = m->ncpus;
		g.part_buckets = ct_size / XLB_CT_WAYS / g.parts;
		if (!g.part_buckets)
			g.part_buckets = 1;
		g.version = XLB_CT_VERSION;
		/* Secret, so nobody can aim flows at one bucket; kept with
		 * the table, which a new seed would scramble. */
		if (getrandom(&g.seed, sizeof(g.seed), 0) != sizeof(g.seed))
			return -errno;
		m->ct_geo_new = true;
	} else {
		return err;
	}
	m->ct_geo = g;
	m->ct_size = g.parts * g.part_buckets * XLB_CT_WAYS;
	return 0;
}

/* Before a skeleton loads: the table's size and split. */
static int ct_prepare(const struct maps *m, struct xlb_bpf *skel)
{
	skel->rodata->ct_parts = m->ct_geo.parts;
	skel->rodata->ct_part_buckets = m->ct_geo.part_buckets;
	skel->rodata->ct_seed = m->ct_geo.seed;
	return bpf_map__set_max_entries(skel->maps.xlb_flows,
					m->ct_geo.parts *
					m->ct_geo.part_buckets) ?:
	       bpf_map__set_max_entries(skel->maps.xlb_flow_keys,
					m->ct_geo.parts *
					m->ct_geo.part_buckets);
}

static size_t page_up(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

/* After the first load: the geometry of a new table, and its mapping. */
static int ct_ready(struct maps *m)
{
	const struct bpf_map *map = m->skel->maps.xlb_flows;
	__u32 zero = 0;
	void *p;

	if (m->ct)
		return 0;
	if (m->ct_geo_new &&
	    bpf_map_update_elem(bpf_map__fd(m->skel->maps.xlb_ct_geometry),
				&zero, &m->ct_geo, 0))
		return -errno;
	m->ct_geo_new = false;
	m->ct_buckets = bpf_map__max_entries(map);
	m->ct_len = page_up(m->ct_buckets * sizeof(struct xlb_ct_bucket));
	m->ct_keys_len = page_up(m->ct_buckets * sizeof(struct xlb_ct_keys));
	p = mmap(NULL, m->ct_keys_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(m->skel->maps.xlb_flow_keys), 0);
	if (p == MAP_FAILED)
		return -errno;
	m->ct_keys = p;
	p = mmap(NULL, m->ct_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(map), 0);
	if (p == MAP_FAILED) {
		munmap(m->ct_keys, m->ct_keys_len);
		m->ct_keys = NULL;
		return -errno;
	}
	m->ct = p;
	return 0;
}

int maps_open(struct maps *m, const char *pin_dir, __u32 ct_size)
{
	struct bpf_map_info info;
	int err;

	memset(m, 0, sizeof(*m));
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus < 1)
		return m->ncpus < 0 ? m->ncpus : -EINVAL;
	if (snprintf(m->pin_dir, sizeof(m->pin_dir), "%s", pin_dir) >=
	    (int)sizeof(m->pin_dir))
		return -ENAMETOOLONG;
	if (mkdir(pin_dir, 0700) && errno != EEXIST)
		return -errno;
	m->skel = maps_skel_open(pin_dir);
	if (!m->skel)
		return -errno;
	err = pinned_info(pin_dir, "xlb_vips", &info);
	m->pinned = err == 0;
	/* A pinned table keeps its size: resizing would lose flows. */
	err = ct_geometry(m, ct_size);
	if (err)
		goto err_close;
	if (!m->ct_geo_new && m->ct_size != maps_ct_effective(ct_size,
							      m->ncpus))
		m->ct_size_pinned = m->ct_size;
	err = ct_prepare(m, m->skel);
	if (err)
		goto err_close;
	return 0;
err_close:
	xlb_bpf__destroy(m->skel);
	m->skel = NULL;
	return err;
}

/* Is prog_fd an xlb program using the map with id vips_id? */
static bool prog_is_ours(int prog_fd, __u32 vips_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64], i;

	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	if (strcmp(info.name, XLB_PROG_NAME))
		return false;
	for (i = 0; i < info.nr_map_ids && i < 64; i++)
		if (ids[i] == vips_id)
			return true;
	return false;
}

/*
 * Our program on ifindex (the one using the pinned maps under dir), as a
 * libxdp program the caller closes; NULL if there is none. *mode gets the
 * attach mode.
 */
static struct xdp_program *find_ours(const char *dir, int ifindex,
				     enum xdp_attach_mode *mode, bool *legacy)
{
	struct xdp_program *p, *found = NULL;
	struct xdp_multiprog *mp;
	struct bpf_map_info info;

	if (pinned_info(dir, "xlb_vips", &info))
		return NULL;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp)
		return NULL;
	*mode = xdp_multiprog__attach_mode(mp);
	*legacy = xdp_multiprog__is_legacy(mp);
	if (*legacy) {
		p = xdp_multiprog__main_prog(mp);
		if (p && prog_is_ours(xdp_program__fd(p), info.id))
			found = p;
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp))
			if (prog_is_ours(xdp_program__fd(p), info.id)) {
				found = p;
				break;
			}
	}
	/* The multiprog owns found: take our own reference by id. */
	if (found) {
		found = xdp_program__from_id(xdp_program__id(found));
		if (libxdp_get_error(found))
			found = NULL;
	}
	xdp_multiprog__close(mp);
	return found;
}

static int prog_tag(int fd, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

static int attach_new(struct xlb_bpf *skel, int ifindex,
		      enum xdp_attach_mode mode, struct xdp_program **out)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = skel->obj,
			    .prog_name = XLB_PROG_NAME);
	struct xdp_program *prog;
	int err;

	prog = xdp_program__create(&opts);
	err = libxdp_get_error(prog);
	if (err)
		return err;
	/* Loads the object (maps reused from their pins) and attaches
	 * through the dispatcher, next to other XDP programs. */
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (err) {
		xdp_program__close(prog);
		return err;
	}
	*out = prog;
	return 0;
}

int maps_attach(struct maps *m, int ifindex, bool generic,
		enum maps_attach_result *res)
{
	enum xdp_attach_mode mode = generic ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	enum xdp_attach_mode old_mode = mode;
	__u8 old_tag[BPF_TAG_SIZE], new_tag[BPF_TAG_SIZE];
	struct xdp_program *old;
	bool legacy = false;
	int err;

	m->ifindex = ifindex;
	m->generic = generic;
	old = find_ours(m->pin_dir, ifindex, &old_mode, &legacy);
	if (!old) {
		*res = MAPS_ATTACHED;
		err = attach_new(m->skel, ifindex, mode, &m->prog);
		return err ?: ct_ready(m) ?: filter_sync(m, NULL);
	}
	/* Restart: load the object for its maps and compare the program. */
	err = xlb_bpf__load(m->skel);
	if (!err)
		err = ct_ready(m) ?: filter_sync(m, NULL);
	if (err)
		goto out;
	err = prog_tag(xdp_program__fd(old), old_tag);
	if (!err)
		err = prog_tag(bpf_program__fd(m->skel->progs.xlb_main),
			       new_tag);
	if (err)
		goto out;
	if (!memcmp(old_tag, new_tag, BPF_TAG_SIZE) && old_mode == mode) {
		*res = MAPS_KEPT;
		m->prog = old;
		return 0;
	}
	*res = MAPS_UPGRADED;
	if (legacy) {
		/* No dispatcher (the kernel or libxdp could not use one): the
		 * kernel swaps the program atomically, if it is still the
		 * one we found. */
		LIBBPF_OPTS(bpf_xdp_attach_opts, xopts,
			    .old_prog_fd = xdp_program__fd(old));
		__u32 flags = XDP_FLAGS_REPLACE | (generic ?
			      XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);

		if (bpf_xdp_attach(ifindex,
				   bpf_program__fd(m->skel->progs.xlb_main),
				   flags, &xopts))
			err = -errno;
		goto out;
	}
	/* Upgrade: the new program joins the dispatcher, then the old one
	 * leaves; each is one atomic swap of the dispatcher. */
	m->skel_new = maps_skel_open(m->pin_dir);
	if (!m->skel_new) {
		err = -errno;
		goto out;
	}
	err = ct_prepare(m, m->skel_new);
	if (!err)
		err = attach_new(m->skel_new, ifindex, mode, &m->prog);
	if (err)
		goto out;
	err = xdp_program__detach(old, ifindex, old_mode, 0);
out:
	xdp_program__close(old);
	return err;
}

int maps_load(struct maps *m)
{
	return xlb_bpf__load(m->skel) ?: ct_ready(m) ?: filter_sync(m, NULL);
}

void maps_close(struct maps *m)
{
	if (m->ct)
		munmap(m->ct, m->ct_len);
	if (m->ct_keys)
		munmap(m->ct_keys, m->ct_keys_len);
	m->ct = NULL;
	m->ct_keys = NULL;
	if (m->prog)
		xdp_program__close(m->prog);
	if (m->skel_new)
		xlb_bpf__destroy(m->skel_new);
	if (m->skel)
		xlb_bpf__destroy(m->skel);
	m->prog = NULL;
	m->skel = m->skel_new = NULL;
}

int maps_remove(const char *pin_dir, int ifindex)
{
	enum xdp_attach_mode mode = XDP_MODE_NATIVE;
	char path[PATH_MAX];
	struct xdp_program *ours = NULL;
	struct bpf_map *map;
	struct xlb_bpf *skel;
	bool legacy;
	int err = 0;
	size_t i;

	if (ifindex > 0)
		ours = find_ours(pin_dir, ifindex, &mode, &legacy);
	if (ours) {
		err = xdp_program__detach(ours, ifindex, mode, 0);
		xdp_program__close(ours);
		if (err)
			return err;
	}
	/* The skeleton only names the maps; nothing is loaded. */
	skel = xlb_bpf__open();
	if (!skel)
		return -errno;
	bpf_object__for_each_map(map, skel->obj) {
		/* Never pinned (and bpffs refuses names with a dot). */
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir,
			 bpf_map__name(map));
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	for (i = 0; i < sizeof(legacy_pins) / sizeof(legacy_pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, legacy_pins[i]);
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	xlb_bpf__destroy(skel);
	if (!err && rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY)
		err = -errno;
	return err;
}

static int map_fd(const struct bpf_map *map)
{
	return bpf_map__fd(map);
}

/*
 * Rewrite xlb_vip_filter from the VIPs in xlb_vips, plus extra (a VIP about
 * to be added). Bits of VIPs that stay are rewritten with the value they
 * had, so the data path never sees them clear.
 */
static int filter_sync(struct maps *m, const struct xlb_vip_key *extra)
{
	int vfd = map_fd(m->skel->maps.xlb_vips);
	struct xlb_vip_filter f = {};
	struct xlb_vip_key k, next;
	void *prev = NULL;
	__u32 zero = 0, bit;

	if (extra) {
		bit = xlb_vip_filter_bit(extra->addr, extra->family);
		f.bits[bit / 64] |= 1ull << (bit % 64);
	}
	while (!bpf_map_get_next_key(vfd, prev, &next)) {
		bit = xlb_vip_filter_bit(next.addr, next.family);
		f.bits[bit / 64] |= 1ull << (bit % 64);
		k = next;
		prev = &k;
	}
	if (errno != ENOENT)
		return -errno;
	if (bpf_map_update_elem(map_fd(m->skel->maps.xlb_vip_filter), &zero,
				&f, 0))
		return -errno;
	return 0;
}

int maps_cfg_write(struct maps *m, const struct xlb_config *cfg)
{
	__u32 k = 0;

	if (bpf_map_update_elem(map_fd(m->skel->maps.xlb_cfg), &k, cfg, 0))
		return -errno;
	return 0;
}

int maps_vips_walk(struct maps *m,
		   int (*cb)(void *arg, const struct xlb_vip_key *k,
			     const struct xlb_vip *v), void *arg)
{
	int fd = map_fd(m->skel->maps.xlb_vips), err;
	struct xlb_vip_key k, next;
	struct xlb_vip v;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		err = cb(arg, &k, &v);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int maps_backends_walk(struct maps *m,
		       int (*cb)(void *arg, __u32 id,
				 const struct xlb_backend *b), void *arg)
{
	int fd = map_fd(m->skel->maps.xlb_backends), err;
	struct xlb_backend b;
	__u32 id;

	for (id = 1; id < XLB_MAX_BACKENDS; id++) {
		if (bpf_map_lookup_elem(fd, &id, &b))
			return -errno;
		if (!(b.flags & XLB_BE_F_VALID))
			continue;
		err = cb(arg, id, &b);
		if (err)
			return err;
	}
	return 0;
}

static int percpu_sum(struct maps *m, const struct bpf_map *map, __u32 key,
		      struct xlb_ctr *sum)
{
	struct xlb_ctr *vals = calloc(m->ncpus, sizeof(*vals));
	int i, err = 0;

	if (!vals)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(map_fd(map), &key, vals)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < m->ncpus; i++) {
		sum->packets += vals[i].packets;
		sum->bytes += vals[i].bytes;
		sum->new_flows += vals[i].new_flows;
	}
out:
	free(vals);
	return err;
}

int maps_vip_ctr(struct maps *m, __u32 vip_id, struct xlb_ctr *sum)
{
	return percpu_sum(m, m->skel->maps.xlb_vip_stats, vip_id, sum);
}

int maps_backend_ctr(struct maps *m, __u32 be_id, struct xlb_ctr *sum)
{
	return percpu_sum(m, m->skel->maps.xlb_backend_stats, be_id, sum);
}

int maps_global_ctr(struct maps *m, __u32 idx, struct xlb_ctr *sum)
{
	return percpu_sum(m, m->skel->maps.xlb_stats, idx, sum);
}

int maps_flood_state(struct maps *m, __u32 rate, __u64 now_ns, bool *active,
		     __u64 *held)
{
	struct xlb_rate *r = calloc(m->ncpus, sizeof(*r));
	__u32 key = XLB_RATE_FLOWS;
	struct xlb_ctr c;
	int i, err;

	if (!r)
		return -ENOMEM;
	*active = false;
	err = percpu_sum(m, m->skel->maps.xlb_stats, XLB_STAT_FLOOD, &c);
	if (err)
		goto out;
	*held = c.packets;
	if (bpf_map_lookup_elem(map_fd(m->skel->maps.xlb_rates), &key, r)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < m->ncpus && rate; i++)
		if (now_ns - r[i].window_ns < XLB_RATE_WINDOW_NS &&
		    r[i].count > rate)
			*active = true;
out:
	free(r);
	return err;
}

__u32 maps_ct_effective(__u32 ct_size, int ncpus)
{
	__u32 per = ct_size / XLB_CT_WAYS / (ncpus > 0 ? ncpus : 1);

	return (per ? per : 1) * XLB_CT_WAYS * (ncpus > 0 ? ncpus : 1);
}

__u32 maps_ct_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec) >>
	       XLB_CT_TICK_SHIFT;
}

/* Slot i as read now, its key too, if used and not rewritten while
 * read. */
static bool ct_read(const struct maps *m, __u64 i, struct maps_ct_slot *s)
{
	__u64 b = i / XLB_CT_WAYS;
	unsigned int w = i % XLB_CT_WAYS;
	struct xlb_ct_meta *mt = &m->ct[b].meta[w];
	__u32 tag;

	/* As a seqlock's reader: the data path frees the slot (tag 0)
	 * before it writes, and sets the tag last. */
	tag = __atomic_load_n(&mt->tag, __ATOMIC_ACQUIRE);
	if (!(tag & XLB_CT_F_USED))
		return false;
	s->meta.atime = __atomic_load_n(&mt->atime, __ATOMIC_RELAXED);
	s->backend_id = __atomic_load_n(&mt->backend_id, __ATOMIC_RELAXED);
	s->e = m->ct_keys[b].e[w];
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&mt->tag, __ATOMIC_RELAXED) != tag)
		return false;
	s->live = mt;
	s->index = i;
	s->meta.tag = tag;
	s->meta.backend_id = s->backend_id;
	return true;
}

__u64 maps_ct_slots(const struct maps *m)
{
	return m->ct ? m->ct_buckets * XLB_CT_WAYS : 0;
}

bool maps_ct_slot_keys(const struct maps *m, struct maps_ct_slot *s)
{
	struct maps_ct_slot k;

	if (!ct_read(m, s->index, &k) || k.meta.tag != s->meta.tag ||
	    k.backend_id != s->backend_id)
		return false;
	s->e = k.e;
	return true;
}

int maps_ct_scan(struct maps *m, __u64 *pos, __u64 budget,
		 int (*cb)(void *arg, const struct maps_ct_slot *s),
		 void *arg)
{
	__u64 i, end, slots = maps_ct_slots(m);
	struct maps_ct_slot s;
	int err;

	if (!m->ct)
		return -ENODEV;
	end = *pos < slots && budget < slots - *pos ? *pos + budget : slots;
	for (i = *pos; i < end; i++) {
		/* A whole free bucket in one look: its first line. */
		if (i % XLB_CT_WAYS == 0 && i + XLB_CT_WAYS <= end) {
			const struct xlb_ct_meta *mt = m->ct[i / XLB_CT_WAYS].meta;
			__u32 any = 0;
			int w;

			for (w = 0; w < XLB_CT_WAYS; w++)
				any |= __atomic_load_n(&mt[w].tag,
						       __ATOMIC_RELAXED);
			if (!(any & XLB_CT_F_USED)) {
				i += XLB_CT_WAYS - 1;
				continue;
			}
		}
		if (!ct_read(m, i, &s))
			continue;
		err = cb(arg, &s);
		if (err) {
			*pos = i + 1;
			return err;
		}
	}
	*pos = end;
	if (end < slots)
		return 0;
	*pos = 0;
	return 1;
}

int maps_ct_scan_buckets(struct maps *m, __u64 *pos, __u64 budget,
			 int (*cb)(void *arg, __u64 bucket,
				   struct xlb_ct_meta *line),
			 void *arg)
{
	__u64 b, end, nb = m->ct_buckets;
	int err;

	if (!m->ct)
		return -ENODEV;
	end = *pos < nb && budget < nb - *pos ? *pos + budget : nb;
	for (b = *pos; b < end; b++) {
		err = cb(arg, b, m->ct[b].meta);
		if (err) {
			*pos = b + 1;
			return err;
		}
	}
	*pos = end;
	if (end < nb)
		return 0;
	*pos = 0;
	return 1;
}

bool maps_ct_twin(struct maps *m, const struct maps_ct_slot *s,
		  struct maps_ct_slot *twin)
{
	__u32 nb = m->ct_geo.part_buckets, tag = s->meta.tag, part, idx[2], p;
	__u64 b = s->index / XLB_CT_WAYS;
	int i, w;

	if (!m->ct || b >= m->ct_buckets)
		return false;
	part = b / nb;
	idx[0] = b % nb;
	idx[1] = xlb_ct_alt(idx[0], tag & XLB_CT_TAG_MASK, nb);
	for (p = 0; p < m->ct_geo.parts; p++) {
		if (p == part)
			continue;
		for (i = 0; i < 2; i++) {
			__u64 tb = (__u64)p * nb + idx[i];

			for (w = 0; w < XLB_CT_WAYS; w++) {
				if (!ct_read(m, tb * XLB_CT_WAYS + w, twin))
					continue;
				if ((twin->meta.tag & XLB_CT_TAG_MASK) ==
				    (tag & XLB_CT_TAG_MASK) &&
				    !memcmp(twin->e.src, s->e.src,
					    sizeof(s->e.src)) &&
				    twin->e.sport == s->e.sport &&
				    twin->e.vip_id == s->e.vip_id)
					return true;
			}
		}
	}
	return false;
}

bool maps_ct_clear(struct xlb_ct_meta *mt, __u32 tag)
{
	return __atomic_compare_exchange_n(&mt->tag, &tag, 0, false,
					   __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* --- apply-engine operations on the real maps ------------------------- */

static int op_vip_put(void *ctx, const struct xlb_vip_key *k,
		      const struct xlb_vip *v)
{
	struct maps *m = ctx;
	int err;

	/* The filter bit first: the VIP must never be visible behind a
	 * clear bit. */
	err = filter_sync(m, k);
	if (err)
		return err;
	if (bpf_map_update_elem(map_fd(m->skel->maps.xlb_vips), k, v, 0))
		return -errno;
	return 0;
}

static int op_vip_del(void *ctx, const struct xlb_vip_key *k)
{
	struct maps *m = ctx;

	if (bpf_map_delete_elem(map_fd(m->skel->maps.xlb_vips), k) &&
	    errno != ENOENT)
		return -errno;
	return filter_sync(m, NULL);
}

static int op_addr_put(void *ctx, const struct xlb_addr_key *k, __u32 count)
{
	struct maps *m = ctx;
	int fd = map_fd(m->skel->maps.xlb_vip_addrs);

	if (count == 0) {
		if (bpf_map_delete_elem(fd, k) && errno != ENOENT)
			return -errno;
		return 0;
	}
	if (bpf_map_update_elem(fd, k, &count, 0))
		return -errno;
	return 0;
}

static int op_backend_put(void *ctx, __u32 id, const struct xlb_backend *b)
{
	struct maps *m = ctx;

	if (bpf_map_update_elem(map_fd(m->skel->maps.xlb_backends), &id, b, 0))
		return -errno;
	return 0;
}

static int op_ring_create(void *ctx, __u32 size, const __u32 *table)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	__u32 *keys, i, n = size;
	int fd, err;

	(void)ctx;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_ring", sizeof(__u32),
			    sizeof(__u32), size, &opts);
	if (fd < 0)
		return -errno;
	keys = malloc(size * sizeof(*keys));
	if (!keys) {
		close(fd);
		return -ENOMEM;
	}
	for (i = 0; i < size; i++)
		keys[i] = i;
	err = bpf_map_update_batch(fd, keys, table, &n, &bopts);
	if (err) {
		/* Older kernels: one update per slot. */
		for (i = 0, err = 0; i < size && !err; i++)
			if (bpf_map_update_elem(fd, &keys[i], &table[i], 0))
				err = -errno;
	}
	free(keys);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static void op_ring_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static int op_ring_set(void *ctx, __u32 vip_id, int fd)
{
	struct maps *m = ctx;

	/* The one update that swaps a VIP's table. */
	if (bpf_map_update_elem(map_fd(m->skel->maps.xlb_rings), &vip_id, &fd,
				0))
		return -errno;
	return 0;
}

static int op_ring_del(void *ctx, __u32 vip_id)
{
	struct maps *m = ctx;

	if (bpf_map_delete_elem(map_fd(m->skel->maps.xlb_rings), &vip_id) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

static int op_ring_read(void *ctx, __u32 vip_id, __u32 *size, __u32 *table,
			__u32 table_len)
{
	struct maps *m = ctx;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), inner_id, i;
	int fd, err = 0;

	if (bpf_map_lookup_elem(map_fd(m->skel->maps.xlb_rings), &vip_id,
				&inner_id))
		return -errno;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	*size = info.max_entries;
	if (!table || table_len < info.max_entries)
		goto out;
	for (i = 0; i < info.max_entries; i++) {
		if (bpf_map_lookup_elem(fd, &i, &table[i])) {
			err = -errno;
			break;
		}
	}
out:
	close(fd);
	return err;
}

static int ctr_zero(struct maps *m, const struct bpf_map *map, __u32 id)
{
	struct xlb_ctr *vals = calloc(m->ncpus, sizeof(*vals));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_update_elem(map_fd(map), &id, vals, 0))
		err = -errno;
	free(vals);
	return err;
}

static int op_vip_ctr_zero(void *ctx, __u32 vip_id)
{
	struct maps *m = ctx;

	return ctr_zero(m, m->skel->maps.xlb_vip_stats, vip_id);
}

static int op_backend_ctr_zero(void *ctx, __u32 id)
{
	struct maps *m = ctx;

	return ctr_zero(m, m->skel->maps.xlb_backend_stats, id);
}

const struct lb_map_ops maps_lb_ops = {
	.vip_put = op_vip_put,
	.vip_del = op_vip_del,
	.addr_put = op_addr_put,
	.backend_put = op_backend_put,
	.ring_create = op_ring_create,
	.ring_close = op_ring_close,
	.ring_set = op_ring_set,
	.ring_del = op_ring_del,
	.ring_read = op_ring_read,
	.vip_ctr_zero = op_vip_ctr_zero,
	.backend_ctr_zero = op_backend_ctr_zero,
};
