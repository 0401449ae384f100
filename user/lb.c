// SPDX-License-Identifier: GPL-2.0
/* The apply engine: compute everything, then publish in a safe order. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "lb.h"
#include "maglev.h"

/* --- backend id allocator ---------------------------------------------- */

#define IDS_N	(XLB_MAX_BACKENDS - 1)	/* ids 1..65535 */

int idalloc_init(struct idalloc *a)
{
	__u32 id;

	a->q = calloc(IDS_N, sizeof(*a->q));
	a->used = calloc(XLB_MAX_BACKENDS, 1);
	if (!a->q || !a->used) {
		idalloc_free(a);
		return -ENOMEM;
	}
	a->head = 0;
	a->count = IDS_N;
	for (id = 1; id <= IDS_N; id++)
		a->q[id - 1] = id;
	return 0;
}

void idalloc_free(struct idalloc *a)
{
	free(a->q);
	free(a->used);
	a->q = NULL;
	a->used = NULL;
}

__u32 idalloc_get(struct idalloc *a)
{
	__u32 id;

	if (!a->count)
		return 0;
	id = a->q[a->head];
	a->head = (a->head + 1) % IDS_N;
	a->count--;
	a->used[id] = 1;
	return id;
}

void idalloc_put(struct idalloc *a, __u32 id)
{
	if (!id || id > IDS_N || !a->used[id])
		return;
	a->used[id] = 0;
	a->q[(a->head + a->count) % IDS_N] = id;
	a->count++;
}

void idalloc_reset(struct idalloc *a, const __u8 *used)
{
	__u32 id;

	a->head = 0;
	a->count = 0;
	for (id = 1; id <= IDS_N; id++) {
		a->used[id] = used[id] ? 1 : 0;
		if (!used[id])
			a->q[a->count++] = id;
	}
}

int idalloc_copy(struct idalloc *dst, const struct idalloc *src)
{
	dst->q = malloc(IDS_N * sizeof(*dst->q));
	dst->used = malloc(XLB_MAX_BACKENDS);
	if (!dst->q || !dst->used) {
		idalloc_free(dst);
		return -ENOMEM;
	}
	memcpy(dst->q, src->q, IDS_N * sizeof(*dst->q));
	memcpy(dst->used, src->used, XLB_MAX_BACKENDS);
	dst->head = src->head;
	dst->count = src->count;
	return 0;
}

/* --- runtime state ------------------------------------------------------ */

int lb_init(struct lb *lb, const struct lb_map_ops *ops, void *ctx)
{
	memset(lb, 0, sizeof(*lb));
	lb->ops = ops;
	lb->ctx = ctx;
	return idalloc_init(&lb->ids);
}

static void vips_free(struct lb_vip *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].be);
	free(v);
}

void lb_free(struct lb *lb)
{
	vips_free(lb->vips, lb->n_vips);
	idalloc_free(&lb->ids);
	free(lb->purged);
	memset(lb, 0, sizeof(*lb));
}

void lb_vip_key(struct xlb_vip_key *k, __u8 proto, const struct ip_addr *a,
		__u16 port)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->a, sizeof(k->addr));
	k->port = htons(port);
	k->proto = proto;
	k->family = a->family;
}

static void addr_key(struct xlb_addr_key *k, const struct ip_addr *a)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->a, sizeof(k->addr));
	k->family = a->family;
}

static struct lb_vip *vip_find(struct lb_vip *v, size_t n, __u8 proto,
			       const struct ip_addr *addr, __u16 port)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].proto == proto && v[i].port == port &&
		    !addr_cmp(&v[i].addr, addr))
			return &v[i];
	return NULL;
}

const struct lb_vip *lb_vip_find(const struct lb *lb, __u8 proto,
				 const struct ip_addr *addr, __u16 port)
{
	return vip_find(lb->vips, lb->n_vips, proto, addr, port);
}

const struct lb_be *lb_be_find(const struct lb_vip *v,
			       const struct ip_addr *addr)
{
	size_t i;

	for (i = 0; i < v->n_be; i++)
		if (!addr_cmp(&v->be[i].addr, addr))
			return &v->be[i];
	return NULL;
}

const struct lb_be *lb_be_by_id(const struct lb *lb, __u32 id,
				const struct lb_vip **vip)
{
	size_t i, j;

	for (i = 0; i < lb->n_vips; i++)
		for (j = 0; j < lb->vips[i].n_be; j++)
			if (lb->vips[i].be[j].id == id) {
				if (vip)
					*vip = &lb->vips[i];
				return &lb->vips[i].be[j];
			}
	return NULL;
}

static int purge_add(struct lb *lb, __u32 id)
{
	__u32 *p;

	if (lb->n_purged == lb->cap_purged) {
		size_t cap = lb->cap_purged ? 2 * lb->cap_purged : 16;

		p = realloc(lb->purged, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		lb->purged = p;
		lb->cap_purged = cap;
	}
	lb->purged[lb->n_purged++] = id;
	return 0;
}

size_t lb_take_purged(struct lb *lb, __u32 **ids)
{
	size_t n = lb->n_purged;

	*ids = lb->purged;
	lb->purged = NULL;
	lb->n_purged = lb->cap_purged = 0;
	return n;
}

static void warnf(struct lb *lb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warnf(struct lb *lb, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!lb->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lb->warn(lb->warn_arg, buf);
}

static void be_value(struct xlb_backend *b, const struct lb_be *be,
		     __u32 vip_id)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->addr, be->addr.a, sizeof(b->addr));
	b->family = be->addr.family;
	b->vip_id = vip_id;
	b->flags = be->flags;
}

static void vip_value(struct xlb_vip *val, const struct lb_vip *v)
{
	memset(val, 0, sizeof(*val));
	val->id = v->id;
	val->flags = v->flags;
	val->ring_size = v->ring_size;
	val->mode = v->mode;
}

/* --- recovery ----------------------------------------------------------- */

int lb_recover(struct lb *lb, const struct xlb_vip_key *vk,
	       const struct xlb_vip *vv, size_t n_vips, const __u32 *be_ids,
	       const struct xlb_backend *bv, size_t n_be)
{
	struct lb_vip *vips = NULL, *v;
	struct xlb_backend zero = {};
	__u8 *used = NULL;
	size_t i, j;
	int err = -ENOMEM;

	used = calloc(XLB_MAX_BACKENDS, 1);
	if (n_vips > XLB_MAX_VIPS)
		return -EINVAL;
	vips = calloc(n_vips ? n_vips : 1, sizeof(*vips));
	if (!used || !vips)
		goto err;
	for (i = 0; i < n_vips; i++) {
		v = &vips[i];
		if (vv[i].id >= XLB_MAX_VIPS) {
			err = -EINVAL;
			goto err;
		}
		v->proto = vk[i].proto;
		v->port = ntohs(vk[i].port);
		v->addr.family = vk[i].family;
		memcpy(v->addr.a, vk[i].addr, sizeof(v->addr.a));
		v->id = vv[i].id;
		v->flags = vv[i].flags;
		v->mode = vv[i].mode;
		v->ring_size = vv[i].ring_size;
		v->ring_unknown = true;
		v->be = calloc(n_be ? n_be : 1, sizeof(*v->be));
		if (!v->be)
			goto err;
	}
	for (j = 0; j < n_be; j++) {
		struct lb_be *be;

		v = NULL;
		for (i = 0; i < n_vips; i++)
			if (vips[i].id == bv[j].vip_id)
				v = &vips[i];
		if (!v || !be_ids[j] || be_ids[j] >= XLB_MAX_BACKENDS) {
			/* Written for a VIP that never got published. */
			if (be_ids[j] && be_ids[j] < XLB_MAX_BACKENDS)
				lb->ops->backend_put(lb->ctx, be_ids[j], &zero);
			continue;
		}
		be = &v->be[v->n_be++];
		be->addr.family = bv[j].family;
		memcpy(be->addr.a, bv[j].addr, sizeof(be->addr.a));
		be->id = be_ids[j];
		be->flags = bv[j].flags;
		be->down = bv[j].flags & XLB_BE_F_DOWN;
		be->unresolved = bv[j].flags & XLB_BE_F_UNRESOLVED;
		used[be->id] = 1;
	}
	vips_free(lb->vips, lb->n_vips);
	lb->vips = vips;
	lb->n_vips = n_vips;
	lb->gen++;
	memset(lb->vip_used, 0, sizeof(lb->vip_used));
	for (i = 0; i < n_vips; i++)
		lb->vip_used[vips[i].id] = 1;
	idalloc_reset(&lb->ids, used);
	/* Unknown until the first apply: every ring is recomputed and
	 * compared with what the data path uses. */
	lb->seed = 0;
	lb->table_size = 0;
	free(used);
	return 0;
err:
	if (vips)
		vips_free(vips, n_vips);
	free(used);
	return err;
}

/* --- apply -------------------------------------------------------------- */

struct plan {
	struct lb_vip *cur;	/* same VIP in the running state, or NULL */
	int ring_fd;		/* new ring to publish, or -1 */
};

static bool be_active(const struct lb_be *be)
{
	return !(be->flags & (XLB_BE_F_DRAINING | XLB_BE_F_DOWN |
			      XLB_BE_F_UNRESOLVED)) && be->weight > 0;
}

__u32 lb_be_effective_weight(const struct lb_be *be)
{
	return be_active(be) ? be->weight : 0;
}

/* Do the active members and weights of two backend sets differ? */
static bool ring_members_differ(const struct lb_vip *cur,
				const struct lb_vip *nv)
{
	size_t i, n_cur = 0, n_new = 0;
	const struct lb_be *c;

	for (i = 0; i < cur->n_be; i++)
		n_cur += be_active(&cur->be[i]);
	for (i = 0; i < nv->n_be; i++) {
		if (!be_active(&nv->be[i]))
			continue;
		n_new++;
		c = lb_be_find(cur, &nv->be[i].addr);
		if (!c || !be_active(c) || c->weight != nv->be[i].weight)
			return true;
	}
	return n_cur != n_new;
}

static int ring_build(struct lb *lb, const struct lb_vip *v, __u32 *table)
{
	struct maglev_backend *mb;
	size_t i, n = 0;
	char buf[ADDR_STRLEN];
	int err;

	mb = calloc(v->n_be ? v->n_be : 1, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	for (i = 0; i < v->n_be; i++) {
		if (!be_active(&v->be[i]))
			continue;
		mb[n].id = v->be[i].id;
		mb[n].weight = v->be[i].weight;
		/* Identity = family + address: both LBs of a pair with the
		 * same seed build the same table whatever the ids. */
		mb[n].key[0] = v->be[i].addr.family;
		memcpy(&mb[n].key[4], v->be[i].addr.a, 16);
		n++;
	}
	if (!n) {
		memset(table, 0, v->ring_size * sizeof(*table));
		warnf(lb, "%s %s has no active backend: its table is empty "
		      "and its packets are dropped", proto_name(v->proto),
		      addr_port_str(&v->addr, v->port, buf, sizeof(buf)));
		free(mb);
		return 0;
	}
	err = maglev_build(mb, n, v->ring_size, lb->seed, table);
	free(mb);
	return err;
}

static __u32 vip_id_alloc(__u8 *used)
{
	__u32 id;

	for (id = 0; id < XLB_MAX_VIPS; id++)
		if (!used[id]) {
			used[id] = 1;
			return id;
		}
	return XLB_MAX_VIPS;
}

/* VIPs published on addr while publishing: cur ones still alive plus the
 * new ones published so far. */
static __u32 addr_count(const struct lb *lb, const bool *cur_alive,
			const struct lb_vip *nv, const struct plan *p,
			const bool *new_pub, size_t n_new,
			const struct ip_addr *addr)
{
	__u32 n = 0;
	size_t i;

	for (i = 0; i < lb->n_vips; i++)
		n += cur_alive[i] && !addr_cmp(&lb->vips[i].addr, addr);
	for (i = 0; i < n_new; i++)
		n += new_pub[i] && !p[i].cur && !addr_cmp(&nv[i].addr, addr);
	return n;
}

#define KEEP_ERR(e, x) do { int ___r = (x); if (___r && !(e)) (e) = ___r; } \
	while (0)

static bool going_down(const struct lb_be *old, const struct lb_be *nb)
{
	return !(old->flags & XLB_BE_F_DOWN) && (nb->flags & XLB_BE_F_DOWN);
}

static int publish(struct lb *lb, struct lb_vip *nv, struct plan *p,
		   size_t n_new)
{
	const struct lb_map_ops *ops = lb->ops;
	struct xlb_backend zero = {}, bval;
	struct xlb_vip_key vk;
	struct xlb_addr_key ak;
	struct xlb_vip vval;
	bool *cur_alive, *new_pub;
	size_t i, j;
	int err = 0;

	cur_alive = calloc(lb->n_vips + 1, sizeof(bool));
	new_pub = calloc(n_new + 1, sizeof(bool));
	if (!cur_alive || !new_pub) {
		free(cur_alive);
		free(new_pub);
		return -ENOMEM;
	}
	for (i = 0; i < lb->n_vips; i++)
		cur_alive[i] = true;

	/* 1. Removed VIPs: unreachable first, then their table, backends. */
	for (i = 0; i < lb->n_vips; i++) {
		struct lb_vip *c = &lb->vips[i];
		bool kept = false;

		for (j = 0; j < n_new; j++)
			kept |= p[j].cur == c;
		if (kept)
			continue;
		lb_vip_key(&vk, c->proto, &c->addr, c->port);
		KEEP_ERR(err, ops->vip_del(lb->ctx, &vk));
		cur_alive[i] = false;
		addr_key(&ak, &c->addr);
		KEEP_ERR(err, ops->addr_put(lb->ctx, &ak,
			 addr_count(lb, cur_alive, nv, p, new_pub, n_new,
				    &c->addr)));
		KEEP_ERR(err, ops->ring_del(lb->ctx, c->id));
		for (j = 0; j < c->n_be; j++) {
			KEEP_ERR(err, ops->backend_put(lb->ctx, c->be[j].id,
						       &zero));
			idalloc_put(&lb->ids, c->be[j].id);
			KEEP_ERR(err, purge_add(lb, c->be[j].id));
		}
		lb->vip_used[c->id] = 0;
	}

	/* 2. New VIPs: backends, table, then reachable. */
	for (i = 0; i < n_new; i++) {
		if (p[i].cur)
			continue;
		for (j = 0; j < nv[i].n_be; j++) {
			be_value(&bval, &nv[i].be[j], nv[i].id);
			KEEP_ERR(err, ops->backend_put(lb->ctx, nv[i].be[j].id,
						       &bval));
		}
		KEEP_ERR(err, ops->ring_set(lb->ctx, nv[i].id, p[i].ring_fd));
		lb_vip_key(&vk, nv[i].proto, &nv[i].addr, nv[i].port);
		vip_value(&vval, &nv[i]);
		KEEP_ERR(err, ops->vip_put(lb->ctx, &vk, &vval));
		new_pub[i] = true;
		addr_key(&ak, &nv[i].addr);
		KEEP_ERR(err, ops->addr_put(lb->ctx, &ak,
			 addr_count(lb, cur_alive, nv, p, new_pub, n_new,
				    &nv[i].addr)));
	}

	/* 3. Changed VIPs: new and changed backends, one table swap, then
	 * the deleted backends (their flows re-pick). */
	for (i = 0; i < n_new; i++) {
		struct lb_vip *c = p[i].cur;
		bool vip_changed;

		if (!c)
			continue;
		for (j = 0; j < nv[i].n_be; j++) {
			const struct lb_be *old = lb_be_find(c,
							     &nv[i].be[j].addr);

			if (old && old->flags == nv[i].be[j].flags &&
			    !c->ring_unknown)
				continue;
			/* Going down: out of the table first, then its
			 * flows re-pick (step below). */
			if (old && going_down(old, &nv[i].be[j]))
				continue;
			be_value(&bval, &nv[i].be[j], nv[i].id);
			KEEP_ERR(err, ops->backend_put(lb->ctx, nv[i].be[j].id,
						       &bval));
		}
		vip_changed = c->flags != nv[i].flags ||
			      c->mode != nv[i].mode ||
			      c->ring_size != nv[i].ring_size;
		lb_vip_key(&vk, nv[i].proto, &nv[i].addr, nv[i].port);
		vip_value(&vval, &nv[i]);
		/* The VIP's ring_size must never exceed the table in use:
		 * a growing table goes in first, a shrinking one last. */
		if (vip_changed && nv[i].ring_size <= c->ring_size)
			KEEP_ERR(err, ops->vip_put(lb->ctx, &vk, &vval));
		if (p[i].ring_fd >= 0)
			KEEP_ERR(err, ops->ring_set(lb->ctx, nv[i].id,
						    p[i].ring_fd));
		if (vip_changed && nv[i].ring_size > c->ring_size)
			KEEP_ERR(err, ops->vip_put(lb->ctx, &vk, &vval));
		for (j = 0; j < nv[i].n_be; j++) {
			const struct lb_be *old = lb_be_find(c,
							     &nv[i].be[j].addr);

			if (!old || !going_down(old, &nv[i].be[j]))
				continue;
			be_value(&bval, &nv[i].be[j], nv[i].id);
			KEEP_ERR(err, ops->backend_put(lb->ctx, nv[i].be[j].id,
						       &bval));
		}
		for (j = 0; j < c->n_be; j++) {
			if (lb_be_find(&nv[i], &c->be[j].addr))
				continue;
			KEEP_ERR(err, ops->backend_put(lb->ctx, c->be[j].id,
						       &zero));
			idalloc_put(&lb->ids, c->be[j].id);
			KEEP_ERR(err, purge_add(lb, c->be[j].id));
		}
	}
	free(cur_alive);
	free(new_pub);
	return err;
}

int lb_apply(struct lb *lb, const struct conf *c, char *err, size_t errlen)
{
	__u32 table_size = c->table_size ? c->table_size :
			   XLB_RING_SIZE_DEFAULT;
	bool rebuild_all = table_size != lb->table_size ||
			   c->hash_seed != lb->seed;
	__u32 *table = NULL, *old = NULL, old_size;
	__u8 vip_used[XLB_MAX_VIPS];
	struct idalloc saved = {};
	struct lb_vip *nv = NULL;
	struct plan *p = NULL;
	__u32 seed_saved = lb->seed;
	char buf[ADDR_STRLEN];
	size_t i, j, n = c->n_vips;
	int ret;

	lb->partial = false;
	if (n > XLB_MAX_VIPS) {
		snprintf(err, errlen, "too many VIPs (%zu, at most %d)", n,
			 XLB_MAX_VIPS);
		return -ENOSPC;
	}
	ret = idalloc_copy(&saved, &lb->ids);
	if (ret) {
		snprintf(err, errlen, "%s", strerror(-ret));
		return ret;
	}
	memcpy(vip_used, lb->vip_used, sizeof(vip_used));
	nv = calloc(n ? n : 1, sizeof(*nv));
	p = calloc(n ? n : 1, sizeof(*p));
	table = malloc(table_size * sizeof(*table));
	if (!nv || !p || !table) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto rollback;
	}
	for (i = 0; i < n; i++)
		p[i].ring_fd = -1;
	lb->seed = c->hash_seed;	/* ring_build() reads it */

	/* Compute: ids, backend flags, and every new table, unpublished. */
	for (i = 0; i < n; i++) {
		const struct conf_vip *cv = &c->vips[i];
		struct lb_vip *v = &nv[i], *cur;
		bool need_ring;

		cur = vip_find(lb->vips, lb->n_vips, cv->proto, &cv->addr,
			       cv->port);
		p[i].cur = cur;
		v->proto = cv->proto;
		v->mode = cv->mode;
		v->port = cv->port;
		v->flags = cv->flags;
		v->addr = cv->addr;
		v->ring_size = table_size;
		v->id = cur ? cur->id : vip_id_alloc(lb->vip_used);
		if (v->id >= XLB_MAX_VIPS) {
			ret = -ENOSPC;
			snprintf(err, errlen, "no free VIP id");
			goto rollback;
		}
		/* A free id: nothing counts on it until it is published. */
		ret = cur ? 0 : lb->ops->vip_ctr_zero(lb->ctx, v->id);
		if (ret) {
			snprintf(err, errlen, "zeroing the counters of VIP id "
				 "%u: %s", v->id, strerror(-ret));
			goto rollback;
		}
		v->be = calloc(cv->n_be ? cv->n_be : 1, sizeof(*v->be));
		if (!v->be) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto rollback;
		}
		v->n_be = cv->n_be;
		for (j = 0; j < cv->n_be; j++) {
			const struct lb_be *ob = cur ?
				lb_be_find(cur, &cv->be[j].addr) : NULL;
			struct lb_be *be = &v->be[j];

			be->addr = cv->be[j].addr;
			be->weight = cv->be[j].weight;
			be->down = ob ? ob->down : false;
			be->unresolved = ob ? ob->unresolved : false;
			be->id = ob ? ob->id : idalloc_get(&lb->ids);
			if (!be->id) {
				ret = -ENOSPC;
				snprintf(err, errlen, "no free backend id");
				goto rollback;
			}
			ret = ob ? 0 : lb->ops->backend_ctr_zero(lb->ctx,
								 be->id);
			if (ret) {
				snprintf(err, errlen, "zeroing the counters of "
					 "backend id %u: %s", be->id,
					 strerror(-ret));
				goto rollback;
			}
		}
		if (lb->health)
			lb->health(lb->health_arg, cv, cur, v);
		for (j = 0; j < cv->n_be; j++) {
			struct lb_be *be = &v->be[j];

			be->flags = XLB_BE_F_VALID;
			if (cv->be[j].draining)
				be->flags |= XLB_BE_F_DRAINING;
			if (be->down)
				be->flags |= XLB_BE_F_DOWN;
			if (be->unresolved)
				be->flags |= XLB_BE_F_UNRESOLVED;
		}
		need_ring = !cur || rebuild_all || cur->ring_unknown ||
			    ring_members_differ(cur, v);
		if (!need_ring)
			continue;
		ret = ring_build(lb, v, table);
		if (ret) {
			snprintf(err, errlen, "%s %s: building its table: %s",
				 proto_name(v->proto),
				 addr_port_str(&v->addr, v->port, buf,
					       sizeof(buf)), strerror(-ret));
			goto rollback;
		}
		/* After a restart, keep the table the data path already
		 * uses when it is the same. */
		if (cur && cur->ring_unknown && !old)
			old = malloc(XLB_RING_SIZE_MAX * sizeof(*old));
		if (cur && cur->ring_unknown && old &&
		    lb->ops->ring_read(lb->ctx, cur->id, &old_size, old,
				       XLB_RING_SIZE_MAX) == 0 &&
		    old_size == table_size &&
		    !memcmp(old, table, table_size * sizeof(*table)))
			continue;
		ret = lb->ops->ring_create(lb->ctx, table_size, table);
		if (ret < 0) {
			snprintf(err, errlen, "%s %s: creating its table: %s",
				 proto_name(v->proto),
				 addr_port_str(&v->addr, v->port, buf,
					       sizeof(buf)), strerror(-ret));
			goto rollback;
		}
		p[i].ring_fd = ret;
	}

	/* Publish. Errors now are map update failures on existing maps;
	 * continue so the maps converge as far as possible. */
	ret = publish(lb, nv, p, n);
	lb->partial = ret != 0;
	for (i = 0; i < n; i++)
		if (p[i].ring_fd >= 0)
			lb->ops->ring_close(lb->ctx, p[i].ring_fd);
	vips_free(lb->vips, lb->n_vips);
	lb->vips = nv;
	lb->n_vips = n;
	lb->gen++;
	lb->table_size = table_size;
	idalloc_free(&saved);
	free(p);
	free(table);
	free(old);
	if (ret)
		snprintf(err, errlen, "updating maps: %s (state may be "
			 "partly applied)", strerror(-ret));
	return ret;

rollback:
	for (i = 0; p && i < n; i++)
		if (p[i].ring_fd >= 0)
			lb->ops->ring_close(lb->ctx, p[i].ring_fd);
	if (nv)
		vips_free(nv, n);
	idalloc_free(&lb->ids);
	lb->ids = saved;
	memcpy(lb->vip_used, vip_used, sizeof(vip_used));
	lb->seed = seed_saved;
	free(p);
	free(table);
	free(old);
	return ret;
}
