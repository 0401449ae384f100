// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration model. Every change is validated completely before
 * the model is touched (arrays are grown first), so a refused change
 * leaves the model exactly as it was.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "errbuf.h"
#include "xlb.h"

#define CONF_LINE_MAX	4096	/* bytes per config line */
/* Words per statement: a vrrp statement with every option and
 * CMD_VRRP_ADDRS_MAX addresses has 36. */
#define CONF_WORDS_MAX	48
#define CONF_FILE_MAX	(16u << 20)

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->hash_seed = 0;
	c->conntrack_size = XLB_CONNTRACK_DEFAULT;
	c->table_size = XLB_RING_SIZE_DEFAULT;
	c->udp_timeout_ms = XLB_UDP_TIMEOUT_NS_DEFAULT / 1000000;
	c->stats_interval_ms = CMD_STATS_INTERVAL_DEFAULT_MS;
	c->flood_rate = 0;
	c->gue_port = XLB_GUE_PORT_DEFAULT;
}

void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->n_vips; i++)
		free(c->vips[i].be);
	free(c->vips);
	c->vips = NULL;
	c->n_vips = c->cap_vips = 0;
}

int conf_copy(struct conf *dst, const struct conf *src)
{
	size_t i;

	*dst = *src;
	dst->vips = NULL;
	dst->n_vips = dst->cap_vips = 0;
	if (!src->n_vips)
		return 0;
	dst->vips = calloc(src->n_vips, sizeof(*dst->vips));
	if (!dst->vips)
		return -ENOMEM;
	dst->cap_vips = src->n_vips;
	for (i = 0; i < src->n_vips; i++) {
		const struct conf_vip *sv = &src->vips[i];
		struct conf_vip *dv = &dst->vips[i];

		*dv = *sv;
		dv->be = NULL;
		dv->n_be = dv->cap_be = 0;
		dst->n_vips = i + 1;
		if (!sv->n_be)
			continue;
		dv->be = malloc(sv->n_be * sizeof(*dv->be));
		if (!dv->be) {
			conf_free(dst);
			return -ENOMEM;
		}
		memcpy(dv->be, sv->be, sv->n_be * sizeof(*dv->be));
		dv->n_be = dv->cap_be = sv->n_be;
	}
	return 0;
}

struct conf_vip *conf_vip_find(const struct conf *c, __u8 proto,
			       const struct ip_addr *addr, __u16 port)
{
	size_t i;

	for (i = 0; i < c->n_vips; i++) {
		struct conf_vip *v = &c->vips[i];

		if (v->proto == proto && v->port == port &&
		    !addr_cmp(&v->addr, addr))
			return v;
	}
	return NULL;
}

struct conf_backend *conf_backend_find(const struct conf_vip *v,
				       const struct ip_addr *addr)
{
	size_t i;

	for (i = 0; i < v->n_be; i++)
		if (!addr_cmp(&v->be[i].addr, addr))
			return &v->be[i];
	return NULL;
}

struct cmd_vrrp *conf_vrrp_find(const struct conf *c, __u8 vrid)
{
	size_t i;

	for (i = 0; i < c->n_vrrp; i++)
		if (c->vrrp[i].vrid == vrid)
			return (struct cmd_vrrp *)&c->vrrp[i];
	return NULL;
}

/* Which instance lists a, or -1. */
static int vrrp_listing(const struct conf *c, const struct ip_addr *a)
{
	size_t i, k;

	for (i = 0; i < c->n_vrrp; i++)
		for (k = 0; k < c->vrrp[i].naddrs; k++)
			if (!addr_cmp(&c->vrrp[i].addrs[k], a))
				return i;
	return -1;
}

size_t conf_vrrp_addrs(const struct conf *c, size_t i, struct ip_addr *out,
		       size_t max)
{
	const struct cmd_vrrp *v = &c->vrrp[i];
	size_t n = 0, j, k;

	if (v->naddrs) {
		for (k = 0; k < v->naddrs && n < max; k++)
			out[n++] = v->addrs[k];
		return n;
	}
	for (j = 0; j < c->n_vips && n < max; j++) {
		const struct ip_addr *a = &c->vips[j].addr;

		if (vrrp_listing(c, a) >= 0)
			continue;
		for (k = 0; k < n; k++)
			if (!addr_cmp(&out[k], a))
				break;
		if (k == n)
			out[n++] = *a;
	}
	return n;
}

static int apply_vrrp(struct conf *c, const struct cmd_vrrp *v, char *err,
		      size_t errlen)
{
	char an[ADDR_STRLEN];
	size_t i;
	int owner;

	if (conf_vrrp_find(c, v->vrid)) {
		errbuf_set(err, errlen, "vrrp %u already exists", v->vrid);
		return -EEXIST;
	}
	if (c->n_vrrp >= CONF_VRRP_MAX) {
		errbuf_set(err, errlen, "too many vrrp instances (limit %d)",
			   CONF_VRRP_MAX);
		return -ENOSPC;
	}
	for (i = 0; i < c->n_vrrp && !v->naddrs; i++)
		if (!c->vrrp[i].naddrs) {
			errbuf_set(err, errlen, "vrrp %u has no address list "
				   "either; only one instance may own the VIP "
				   "addresses", c->vrrp[i].vrid);
			return -EINVAL;
		}
	for (i = 0; i < v->naddrs; i++) {
		owner = vrrp_listing(c, &v->addrs[i]);
		if (owner < 0)
			continue;
		errbuf_set(err, errlen, "address %s is already in vrrp %u",
			   addr_str(&v->addrs[i], an, sizeof(an)),
			   c->vrrp[owner].vrid);
		return -EEXIST;
	}
	for (i = 0; i < v->naddrs && v->peer.family; i++)
		if (!addr_cmp(&v->addrs[i], &v->peer)) {
			errbuf_set(err, errlen, "peer %s is also a virtual "
				   "address",
				   addr_str(&v->peer, an, sizeof(an)));
			return -EINVAL;
		}
	c->vrrp[c->n_vrrp++] = *v;
	return 0;
}

/* "tcp 198.18.0.100:80" */
static const char *vip_name(__u8 proto, const struct ip_addr *a, __u16 port,
			    char *buf, size_t len)
{
	char ap[ADDR_STRLEN];

	snprintf(buf, len, "%s %s", proto_name(proto),
		 addr_port_str(a, port, ap, sizeof(ap)));
	return buf;
}

static const char *family_str(__u8 family)
{
	return family == XLB_AF_INET6 ? "IPv6" : "IPv4";
}

static size_t total_backends(const struct conf *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_vips; i++)
		n += c->vips[i].n_be;
	return n;
}

/* Make room for one more element; nothing changes on failure. */
static int grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static bool has_encap(const struct conf *c, __u8 family)
{
	return family == XLB_AF_INET6 ? c->encap_src6.family != 0 :
					c->encap_src4.family != 0;
}

/* Apply flags: a config file checks encap sources once it is all read. */
#define APPLY_F_DEFER_ENCAP	(1u << 0)

static int apply(struct conf *c, const struct cmd *cmd, unsigned int flags,
		 char *err, size_t errlen)
{
	char vn[ADDR_STRLEN + 8], an[ADDR_STRLEN];
	struct conf_backend *be = NULL;
	struct conf_vip *v = NULL;
	size_t i;
	int ret;

	if (errlen)
		err[0] = '\0';
	switch (cmd->verb) {
	case CMD_VIP_ADD:
	case CMD_VIP_DEL:
	case CMD_BACKEND_ADD:
	case CMD_BACKEND_WEIGHT:
	case CMD_BACKEND_DRAIN:
	case CMD_BACKEND_UNDRAIN:
	case CMD_BACKEND_DEL:
	case CMD_HEALTH_SET:
	case CMD_AGENT_SET:
	case CMD_AGENT_DEL:
		vip_name(cmd->proto, &cmd->vip, cmd->port, vn, sizeof(vn));
		addr_str(&cmd->addr, an, sizeof(an));
		v = conf_vip_find(c, cmd->proto, &cmd->vip, cmd->port);
		if (cmd->verb == CMD_VIP_ADD)
			break;
		if (!v) {
			errbuf_set(err, errlen, "no such VIP %s", vn);
			return -ENOENT;
		}
		if (cmd->verb == CMD_VIP_DEL || cmd->verb == CMD_HEALTH_SET ||
		    cmd->verb == CMD_AGENT_SET || cmd->verb == CMD_AGENT_DEL)
			break;
		be = conf_backend_find(v, &cmd->addr);
		if (cmd->verb == CMD_BACKEND_ADD)
			break;
		if (!be) {
			errbuf_set(err, errlen, "no such backend %s for VIP %s",
				   an, vn);
			return -ENOENT;
		}
		break;
	default:
		break;
	}

	switch (cmd->verb) {
	case CMD_VIP_ADD:
		if (v) {
			errbuf_set(err, errlen, "VIP %s already exists", vn);
			return -EEXIST;
		}
		if (c->n_vips >= XLB_MAX_VIPS) {
			errbuf_set(err, errlen, "too many VIPs (limit %d)",
				   XLB_MAX_VIPS);
			return -ENOSPC;
		}
		ret = grow((void **)&c->vips, c->n_vips, &c->cap_vips,
			   sizeof(*c->vips));
		if (ret) {
			errbuf_set(err, errlen, "out of memory");
			return ret;
		}
		v = &c->vips[c->n_vips++];
		memset(v, 0, sizeof(*v));
		v->proto = cmd->proto;
		v->mode = cmd->mode;
		v->port = cmd->port;
		v->flags = cmd->vip_flags;
		v->addr = cmd->vip;
		return 0;
	case CMD_VIP_DEL:
		i = v - c->vips;
		free(v->be);
		memmove(v, v + 1, (c->n_vips - i - 1) * sizeof(*v));
		c->n_vips--;
		return 0;
	case CMD_BACKEND_ADD:
		if (be) {
			errbuf_set(err, errlen,
				   "backend %s already exists for VIP %s", an,
				   vn);
			return -EEXIST;
		}
		/* Maglev needs more slots than backends. */
		if (v->n_be + 1 >= c->table_size) {
			errbuf_set(err, errlen, "too many backends for VIP %s "
				   "(table-size %u allows %u)", vn,
				   c->table_size, c->table_size - 1);
			return -ENOSPC;
		}
		if (total_backends(c) >= XLB_MAX_BACKENDS - 1) {
			errbuf_set(err, errlen, "too many backends (limit %d)",
				   XLB_MAX_BACKENDS - 1);
			return -ENOSPC;
		}
		/* l2 forwards the client's packet as it is: no outer
		 * header, no source needed. */
		if (!(flags & APPLY_F_DEFER_ENCAP) && v->mode != XLB_MODE_L2 &&
		    !has_encap(c, cmd->addr.family)) {
			errbuf_set(err, errlen,
				   "no %s encap-source for backend %s",
				   family_str(cmd->addr.family), an);
			return -EINVAL;
		}
		ret = grow((void **)&v->be, v->n_be, &v->cap_be,
			   sizeof(*v->be));
		if (ret) {
			errbuf_set(err, errlen, "out of memory");
			return ret;
		}
		be = &v->be[v->n_be++];
		memset(be, 0, sizeof(*be));
		be->addr = cmd->addr;
		be->weight = cmd->weight;
		return 0;
	case CMD_BACKEND_WEIGHT:
		be->weight = cmd->weight;
		return 0;
	case CMD_BACKEND_DRAIN:
		/* Draining again only changes the timeout. */
		be->draining = true;
		be->drain_timeout_ms = cmd->duration_ms;
		return 0;
	case CMD_BACKEND_UNDRAIN:
		if (!be->draining) {
			errbuf_set(err, errlen,
				   "backend %s of VIP %s is not draining", an,
				   vn);
			return -EINVAL;
		}
		be->draining = false;
		be->drain_timeout_ms = 0;
		return 0;
	case CMD_BACKEND_DEL:
		i = be - v->be;
		memmove(be, be + 1, (v->n_be - i - 1) * sizeof(*be));
		v->n_be--;
		return 0;
	case CMD_HEALTH_SET:
		if (health_check_valid(&cmd->check)) {
			errbuf_set(err, errlen, "bad health check for VIP %s",
				   vn);
			return -EINVAL;
		}
		v->check = cmd->check;
		v->fail_closed = cmd->check.kind != HEALTH_NONE &&
				 cmd->fail_closed;
		return 0;
	case CMD_AGENT_SET:
		if (!cmd->agent.port) {
			errbuf_set(err, errlen, "agent of VIP %s: no port", vn);
			return -EINVAL;
		}
		if (health_agent_valid(&cmd->agent)) {
			errbuf_set(err, errlen, "bad agent settings for VIP %s",
				   vn);
			return -EINVAL;
		}
		v->agent = cmd->agent;
		return 0;
	case CMD_AGENT_DEL:
		if (!v->agent.port) {
			errbuf_set(err, errlen, "VIP %s has no agent", vn);
			return -ENOENT;
		}
		memset(&v->agent, 0, sizeof(v->agent));
		return 0;
	case CMD_INTERFACE:
		snprintf(c->iface, sizeof(c->iface), "%s", cmd->iface);
		c->generic = cmd->generic;
		return 0;
	case CMD_HASH_SEED:
		c->hash_seed = cmd->num;
		return 0;
	case CMD_ENCAP_SOURCE:
		if (cmd->addr.family == XLB_AF_INET6)
			c->encap_src6 = cmd->addr;
		else
			c->encap_src4 = cmd->addr;
		return 0;
	case CMD_CONNTRACK_SIZE:
		c->conntrack_size = cmd->num;
		return 0;
	case CMD_TABLE_SIZE:
		for (i = 0; i < c->n_vips; i++) {
			v = &c->vips[i];
			if (v->n_be < cmd->num)
				continue;
			errbuf_set(err, errlen, "table-size %llu is too small: "
				   "VIP %s has %zu backends",
				   (unsigned long long)cmd->num,
				   vip_name(v->proto, &v->addr, v->port, vn,
					sizeof(vn)), v->n_be);
			return -EINVAL;
		}
		c->table_size = cmd->num;
		return 0;
	case CMD_UDP_TIMEOUT:
		c->udp_timeout_ms = cmd->duration_ms;
		return 0;
	case CMD_STATS_FILE:
		snprintf(c->stats_path, sizeof(c->stats_path), "%s",
			 cmd->path);
		c->stats_interval_ms = cmd->duration_ms;
		return 0;
	case CMD_FLOOD_RATE:
		c->flood_rate = cmd->num;
		return 0;
	case CMD_GUE_PORT:
		c->gue_port = cmd->num;
		return 0;
	case CMD_VRRP:
		return apply_vrrp(c, &cmd->vrrp, err, errlen);
	default:
		errbuf_set(err, errlen, "not a configuration change");
		return -EOPNOTSUPP;
	}
}

int conf_apply(struct conf *c, const struct cmd *cmd, char *err,
	       size_t errlen)
{
	return apply(c, cmd, 0, err, errlen);
}

/* A backend added by the file, remembered for the end-of-file checks. */
struct parse_be {
	unsigned int line;
	struct ip_addr addr;
};

int conf_parse_text(const char *name, const char *text, struct conf *c,
		    char *err, size_t errlen)
{
	unsigned int seen[CMD__MAX] = { 0 }, seen4 = 0, seen6 = 0, line = 0;
	struct parse_be *bes = NULL;
	size_t n_bes = 0, cap_bes = 0, i;
	char buf[CONF_LINE_MAX + 1], msg[256];
	char *argv[CONF_WORDS_MAX];
	const char *s = text, *eol;
	struct cmd cmd;
	int argc, ret = 0;

	conf_init(c);
	if (errlen)
		err[0] = '\0';
	while (*s) {
		size_t len;

		line++;
		eol = strchr(s, '\n');
		len = eol ? (size_t)(eol - s) : strlen(s);
		if (len > CONF_LINE_MAX) {
			errbuf_set(err, errlen, "%s:%u: line too long "
				   "(limit %d bytes)", name, line,
				   CONF_LINE_MAX);
			ret = -EINVAL;
			goto out;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		s = eol ? eol + 1 : s + len;

		argc = cmd_split(buf, argv, CONF_WORDS_MAX);
		if (argc < 0) {
			errbuf_set(err, errlen,
				   "%s:%u: too many words (limit %d)", name,
				   line, CONF_WORDS_MAX);
			ret = -EINVAL;
			goto out;
		}
		if (argc == 0)
			continue;
		ret = cmd_parse(argc, argv, CMD_CTX_CONFIG, &cmd, msg,
				sizeof(msg));
		if (ret) {
			errbuf_set(err, errlen, "%s:%u: %s", name, line, msg);
			goto out;
		}

		/* Daemon settings are given once (encap-source per family). */
		if (cmd.verb == CMD_ENCAP_SOURCE) {
			unsigned int *sl = cmd.addr.family == XLB_AF_INET6 ?
					   &seen6 : &seen4;

			if (*sl) {
				errbuf_set(err, errlen,
					   "%s:%u: %s encap-source already "
					   "set on line %u", name, line,
					   family_str(cmd.addr.family), *sl);
				ret = -EINVAL;
				goto out;
			}
			*sl = line;
		} else if (cmd_verb_is_setting(cmd.verb)) {
			if (seen[cmd.verb]) {
				errbuf_set(err, errlen,
					   "%s:%u: '%s' already set on line "
					   "%u", name, line, argv[0],
					   seen[cmd.verb]);
				ret = -EINVAL;
				goto out;
			}
			seen[cmd.verb] = line;
		}

		if (cmd.verb == CMD_BACKEND_ADD) {
			ret = grow((void **)&bes, n_bes, &cap_bes,
				   sizeof(*bes));
			if (ret) {
				errbuf_set(err, errlen, "%s:%u: out of memory",
					   name, line);
				goto out;
			}
		}
		ret = apply(c, &cmd, APPLY_F_DEFER_ENCAP, msg, sizeof(msg));
		if (ret) {
			errbuf_set(err, errlen, "%s:%u: %s", name, line, msg);
			goto out;
		}
		if (cmd.verb == CMD_BACKEND_ADD &&
		    conf_vip_find(c, cmd.proto, &cmd.vip, cmd.port)->mode !=
		    XLB_MODE_L2) {
			bes[n_bes].line = line;
			bes[n_bes].addr = cmd.addr;
			n_bes++;
		}
	}

	if (!seen[CMD_INTERFACE]) {
		errbuf_set(err, errlen, "%s: missing 'interface' statement",
			   name);
		ret = -EINVAL;
		goto out;
	}
	/* Backends cannot be deleted in a file: every one is still there. */
	for (i = 0; i < n_bes; i++) {
		char an[ADDR_STRLEN];

		if (has_encap(c, bes[i].addr.family))
			continue;
		errbuf_set(err, errlen,
			   "%s:%u: no %s encap-source for backend %s",
			   name, bes[i].line, family_str(bes[i].addr.family),
			   addr_str(&bes[i].addr, an, sizeof(an)));
		ret = -EINVAL;
		goto out;
	}
out:
	free(bes);
	if (ret)
		conf_free(c);
	return ret;
}

__u64 conf_hash_text(const char *text, size_t len)
{
	__u64 h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int conf_load_file(const char *path, struct conf *c, __u64 *hash,
		   char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		errbuf_set(err, errlen, "%s: %s", path, strerror(-ret));
		conf_init(c);
		return ret;
	}
	for (;;) {
		char *p;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(text, cap + 1);
			if (!p) {
				ret = -ENOMEM;
				errbuf_set(err, errlen, "%s: out of memory",
					   path);
				goto fail;
			}
			text = p;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (len > CONF_FILE_MAX) {
			ret = -EFBIG;
			errbuf_set(err, errlen, "%s: file too large (limit %u "
				   "bytes)", path, CONF_FILE_MAX);
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ret = -EIO;
		errbuf_set(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (memchr(text, '\0', len)) {
		ret = -EINVAL;
		errbuf_set(err, errlen, "%s: file contains a NUL byte", path);
		goto fail;
	}
	text[len] = '\0';
	fclose(f);
	/* What was parsed is what is hashed: one read of the file. */
	if (hash)
		*hash = conf_hash_text(text, len);
	ret = conf_parse_text(path, text, c, err, errlen);
	free(text);
	return ret;
fail:
	free(text);
	fclose(f);
	conf_init(c);
	return ret;
}

int conf_parse_file(const char *path, struct conf *c, char *err,
		    size_t errlen)
{
	return conf_load_file(path, c, NULL, err, errlen);
}

/* Only what differs from the defaults, so defaults can change later. */
static void write_health(const struct conf_vip *v, const char *pr,
			 const char *vp, FILE *f)
{
	const struct health_check *hc = &v->check;
	const struct health_agent *ag = &v->agent;
	char d[32];

	if (hc->kind != HEALTH_NONE) {
		fprintf(f, "health %s %s %s", pr, vp,
			health_kind_str(hc->kind));
		if (hc->port)
			fprintf(f, " port %u", hc->port);
		if (hc->interval_ms)
			fprintf(f, " interval %s",
				duration_str(hc->interval_ms, d, sizeof(d)));
		if (hc->timeout_ms)
			fprintf(f, " timeout %s",
				duration_str(hc->timeout_ms, d, sizeof(d)));
		if (hc->rise)
			fprintf(f, " rise %u", hc->rise);
		if (hc->fall)
			fprintf(f, " fall %u", hc->fall);
		if (hc->path[0])
			fprintf(f, " path %s", hc->path);
		if (hc->expect_code)
			fprintf(f, " expect %u", hc->expect_code);
		if (hc->host[0])
			fprintf(f, " host %s", hc->host);
		if (hc->send[0])
			fprintf(f, " send %s", hc->send);
		if (hc->expect[0])
			fprintf(f, " expect %s", hc->expect);
		if (v->fail_closed)
			fputs(" fail-closed", f);
		fputc('\n', f);
	}
	if (ag->port) {
		fprintf(f, "agent %s %s port %u", pr, vp, ag->port);
		if (ag->interval_ms)
			fprintf(f, " interval %s",
				duration_str(ag->interval_ms, d, sizeof(d)));
		if (ag->timeout_ms)
			fprintf(f, " timeout %s",
				duration_str(ag->timeout_ms, d, sizeof(d)));
		if (ag->damp_interval_ms)
			fprintf(f, " damp-interval %s",
				duration_str(ag->damp_interval_ms, d,
					     sizeof(d)));
		if (ag->damp_change_pct)
			fprintf(f, " damp-change %u%%", ag->damp_change_pct);
		fputc('\n', f);
	}
}

static void write_vrrp(const struct cmd_vrrp *v, FILE *f)
{
	char a[ADDR_STRLEN], d[32];
	unsigned int k;

	fprintf(f, "vrrp %u priority %u advert %s", v->vrid, v->prio,
		duration_str(v->advert_cs * 10ull, d, sizeof(d)));
	if (v->peer.family)
		fprintf(f, " peer %s", addr_str(&v->peer, a, sizeof(a)));
	if (v->nopreempt)
		fprintf(f, " nopreempt");
	if (v->preempt_delay_ms)
		fprintf(f, " preempt-delay %s",
			duration_str(v->preempt_delay_ms, d, sizeof(d)));
	if (v->iface[0])
		fprintf(f, " interface %s", v->iface);
	if (v->track_iface)
		fprintf(f, " track-interface %u", v->track_iface);
	if (v->track_vips)
		fprintf(f, " track-vips %u", v->track_vips);
	if (v->notify[0])
		fprintf(f, " notify %s", v->notify);
	if (v->naddrs)
		fprintf(f, " address");
	for (k = 0; k < v->naddrs; k++)
		fprintf(f, " %s", addr_str(&v->addrs[k], a, sizeof(a)));
	fputc('\n', f);
}

int conf_write(const struct conf *c, FILE *f, bool objects_only)
{
	char a[ADDR_STRLEN], vp[ADDR_STRLEN], d[32];
	size_t i, j;

	if (!objects_only) {
		if (c->iface[0])
			fprintf(f, "interface %s%s\n", c->iface,
				c->generic ? " generic" : "");
		fprintf(f, "hash-seed %u\n", c->hash_seed);
		if (c->encap_src4.family)
			fprintf(f, "encap-source %s\n",
				addr_str(&c->encap_src4, a, sizeof(a)));
		if (c->encap_src6.family)
			fprintf(f, "encap-source %s\n",
				addr_str(&c->encap_src6, a, sizeof(a)));
		fprintf(f, "conntrack-size %u\n", c->conntrack_size);
		fprintf(f, "table-size %u\n", c->table_size);
		fprintf(f, "udp-timeout %s\n",
			duration_str(c->udp_timeout_ms, d, sizeof(d)));
		if (c->stats_path[0])
			fprintf(f, "stats %s interval %s\n", c->stats_path,
				duration_str(c->stats_interval_ms, d,
					     sizeof(d)));
		/* Written when set, so older files round-trip unchanged. */
		if (c->flood_rate)
			fprintf(f, "flood-rate %u\n", c->flood_rate);
		if (c->gue_port != XLB_GUE_PORT_DEFAULT)
			fprintf(f, "gue-port %u\n", c->gue_port);
		for (i = 0; i < c->n_vrrp; i++)
			write_vrrp(&c->vrrp[i], f);
	}
	for (i = 0; i < c->n_vips; i++) {
		const struct conf_vip *v = &c->vips[i];
		const char *pr = proto_name(v->proto);

		addr_port_str(&v->addr, v->port, vp, sizeof(vp));
		fprintf(f, "%svip add %s %s%s mode %s\n",
			i || !objects_only ? "\n" : "", pr, vp,
			v->flags & XLB_VIP_F_STICKY ? " sticky" : "",
			cmd_mode_name(v->mode));
		for (j = 0; j < v->n_be; j++) {
			const struct conf_backend *be = &v->be[j];

			addr_str(&be->addr, a, sizeof(a));
			fprintf(f, "backend add %s %s %s weight %u\n", pr, vp,
				a, be->weight);
			if (!be->draining)
				continue;
			fprintf(f, "backend drain %s %s %s", pr, vp, a);
			if (be->drain_timeout_ms)
				fprintf(f, " timeout %s",
					duration_str(be->drain_timeout_ms, d,
						     sizeof(d)));
			fputc('\n', f);
		}
		write_health(v, pr, vp, f);
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

static bool vip_equal(const struct conf_vip *a, const struct conf_vip *b)
{
	size_t i;

	if (a->mode != b->mode || a->flags != b->flags || a->n_be != b->n_be ||
	    a->fail_closed != b->fail_closed ||
	    memcmp(&a->check, &b->check, sizeof(a->check)) ||
	    memcmp(&a->agent, &b->agent, sizeof(a->agent)))
		return false;
	for (i = 0; i < a->n_be; i++) {
		const struct conf_backend *x = &a->be[i];
		const struct conf_backend *y = conf_backend_find(b, &x->addr);

		if (!y || x->weight != y->weight ||
		    x->draining != y->draining ||
		    x->drain_timeout_ms != y->drain_timeout_ms)
			return false;
	}
	return true;
}

static bool vrrp_equal(const struct cmd_vrrp *a, const struct cmd_vrrp *b)
{
	unsigned int k;

	if (!b || a->prio != b->prio || a->nopreempt != b->nopreempt ||
	    a->advert_cs != b->advert_cs ||
	    a->preempt_delay_ms != b->preempt_delay_ms ||
	    addr_cmp(&a->peer, &b->peer) || strcmp(a->iface, b->iface) ||
	    a->track_iface != b->track_iface ||
	    a->track_vips != b->track_vips || strcmp(a->notify, b->notify) ||
	    a->naddrs != b->naddrs)
		return false;
	for (k = 0; k < a->naddrs; k++)
		if (addr_cmp(&a->addrs[k], &b->addrs[k]))
			return false;
	return true;
}

bool conf_equal(const struct conf *a, const struct conf *b)
{
	size_t i;

	if (strcmp(a->iface, b->iface) || a->generic != b->generic ||
	    a->hash_seed != b->hash_seed ||
	    addr_cmp(&a->encap_src4, &b->encap_src4) ||
	    addr_cmp(&a->encap_src6, &b->encap_src6) ||
	    a->conntrack_size != b->conntrack_size ||
	    a->table_size != b->table_size ||
	    a->udp_timeout_ms != b->udp_timeout_ms ||
	    strcmp(a->stats_path, b->stats_path) ||
	    a->stats_interval_ms != b->stats_interval_ms ||
	    a->flood_rate != b->flood_rate || a->gue_port != b->gue_port ||
	    a->n_vips != b->n_vips || a->n_vrrp != b->n_vrrp)
		return false;
	for (i = 0; i < a->n_vrrp; i++)
		if (!vrrp_equal(&a->vrrp[i], conf_vrrp_find(b,
							    a->vrrp[i].vrid)))
			return false;
	for (i = 0; i < a->n_vips; i++) {
		const struct conf_vip *x = &a->vips[i];
		const struct conf_vip *y = conf_vip_find(b, x->proto, &x->addr,
							 x->port);

		if (!y || !vip_equal(x, y))
			return false;
	}
	return true;
}
