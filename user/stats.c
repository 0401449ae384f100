// SPDX-License-Identifier: GPL-2.0
/* The Prometheus stats file: text exposition format, atomic replacement. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The label set of one VIP or backend, built and escaped once per render:
 * a backend's appears on ten lines. Addresses never need escaping, but
 * every label value goes through one path.
 */
#define LABELS_MAX	256
struct labels {
	char s[LABELS_MAX];
};

/*
 * Where each xlb_stats index goes: its XDP verdict for xlb_packets_total
 * and, for drops, the reason label of xlb_drops_total. Indices not listed
 * (conntrack, repick) are not verdicts.
 */
static const struct {
	__u32 idx;
	const char *action;
	const char *reason;
} verdicts[] = {
	{ XLB_STAT_PASS,		"pass",		NULL },
	{ XLB_STAT_OTHERHOST,		"pass",		NULL },
	{ XLB_STAT_TX,			"tx",		NULL },
	{ XLB_STAT_REDIRECT,		"redirect",	NULL },
	{ XLB_STAT_DROP_FIREWALL,	"drop",		"firewall" },
	{ XLB_STAT_DROP_NO_BACKEND,	"drop",		"no_backend" },
	{ XLB_STAT_DROP_PARSE,		"drop",		"parse" },
	{ XLB_STAT_DROP_TOO_BIG,	"drop",		"too_big" },
	{ XLB_STAT_DROP_FIB,		"drop",		"fib" },
	{ XLB_STAT_DROP_NO_NEIGH,	"drop",		"no_neigh" },
	{ XLB_STAT_DROP_ENCAP,		"drop",		"encap" },
	{ XLB_STAT_DROP_FRAG,		"drop",		"fragment" },
	{ XLB_STAT_ICMP_SENT,		"tx",		NULL },
};

static const char *const actions[] = { "pass", "tx", "redirect", "drop" };

static const char *const hc_results[STATS_HC_MAX] = {
	[STATS_HC_OK] = "result=\"ok\"",
	[STATS_HC_FAIL] = "result=\"fail\"",
	[STATS_HC_TIMEOUT] = "result=\"timeout\"",
};

/* Escapes per the text format: backslash, double quote and newline. */
static size_t escape(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; *src; src++) {
		const char *e = NULL;

		if (*src == '\\')
			e = "\\\\";
		else if (*src == '"')
			e = "\\\"";
		else if (*src == '\n')
			e = "\\n";
		if (n + (e ? 2 : 1) >= len)
			break;
		if (e) {
			dst[n++] = e[0];
			dst[n++] = e[1];
		} else {
			dst[n++] = *src;
		}
	}
	dst[n] = '\0';
	return n;
}

/* Appends [,]name="value" to l; l->s is sized so addresses always fit. */
static void label_add(struct labels *l, const char *name, const char *value)
{
	size_t n = strlen(l->s);

	n += snprintf(l->s + n, LABELS_MAX - n, "%s%s=\"", n ? "," : "", name);
	/* Room for the closing quote is kept back. */
	n += escape(l->s + n, LABELS_MAX - n - 1, value);
	snprintf(l->s + n, LABELS_MAX - n, "\"");
}

static bool addr_valid(const struct ip_addr *a)
{
	return a->family == XLB_AF_INET || a->family == XLB_AF_INET6;
}

/* Everything stats_render() relies on, before it writes a byte. */
static int snapshot_check(const struct stats_snapshot *s)
{
	size_t i;

	if ((s->n_vips && !s->vips) || (s->n_backends && !s->backends) ||
	    (s->n_vrrp && !s->vrrp))
		return -EINVAL;
	for (i = 0; i < s->n_vips; i++) {
		const struct stats_vip *v = &s->vips[i];

		if (!addr_valid(&v->addr) || v->fail > STATS_FAIL_CLOSED ||
		    (v->proto != IPPROTO_TCP && v->proto != IPPROTO_UDP))
			return -EINVAL;
	}
	for (i = 0; i < s->n_backends; i++) {
		if (s->backends[i].vip >= s->n_vips ||
		    !addr_valid(&s->backends[i].addr))
			return -EINVAL;
	}
	for (i = 0; i < s->n_vrrp; i++) {
		if (s->vrrp[i].state > STATS_VRRP_MASTER)
			return -EINVAL;
	}
	return 0;
}

static void vip_labels(const struct stats_vip *v, struct labels *l)
{
	char buf[ADDR_STRLEN];

	l->s[0] = '\0';
	label_add(l, "proto", proto_name(v->proto));
	label_add(l, "vip", addr_port_str(&v->addr, v->port, buf, sizeof(buf)));
}

/* vl: the labels of b's VIP, already built. */
static void backend_labels(const struct stats_backend *b,
			   const struct labels *vl, struct labels *l)
{
	char buf[ADDR_STRLEN];

	*l = *vl;
	label_add(l, "backend", addr_str(&b->addr, buf, sizeof(buf)));
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * A file of 10000 backends has over 100000 samples: put them together by
 * hand, without printf's format parsing or per-call stream locking.
 */
static void sample_more(FILE *f, const char *name, const char *labels,
			const char *more, __u64 v)
{
	char num[24], *p = num + sizeof(num);

	*--p = '\0';
	*--p = '\n';
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	*--p = ' ';
	fputs_unlocked(name, f);
	if (labels && labels[0]) {
		fputc_unlocked('{', f);
		fputs_unlocked(labels, f);
		if (more) {
			fputc_unlocked(',', f);
			fputs_unlocked(more, f);
		}
		fputc_unlocked('}', f);
	}
	fputs_unlocked(p, f);
}

static void sample(FILE *f, const char *name, const char *labels, __u64 v)
{
	sample_more(f, name, labels, NULL, v);
}

/* A family of one unlabelled sample. */
static void single(FILE *f, const char *name, const char *type,
		   const char *help, __u64 v)
{
	family(f, name, type, help);
	sample(f, name, NULL, v);
}

/* Fields of struct stats_vip and stats_backend a family reports. */
enum field {
	F_PACKETS,
	F_BYTES,
	F_NEW_FLOWS,
	F_FAILING_OPEN,
	F_FAILING_CLOSED,
	F_ACTIVE_FLOWS,
	F_UP,
	F_WEIGHT,
	F_DRAINING,
	F_RESOLVING,
	F_NEXTHOP_LOSSES,
};

struct family_def {
	const char *name;
	const char *type;
	const char *help;
	enum field field;
};

static const struct family_def vip_families[] = {
	{ "xlb_vip_packets_total", "counter",
	  "Packets received for the VIP.", F_PACKETS },
	{ "xlb_vip_bytes_total", "counter",
	  "Bytes received for the VIP, as they arrived.", F_BYTES },
	{ "xlb_vip_new_flows_total", "counter",
	  "Flows the VIP assigned a backend.", F_NEW_FLOWS },
	{ "xlb_vip_failing_open", "gauge",
	  "1 while every checked backend is down and the VIP keeps its last "
	  "table, else 0.", F_FAILING_OPEN },
	{ "xlb_vip_failing_closed", "gauge",
	  "1 while every checked backend is down and the VIP's table is "
	  "empty (fail-closed), else 0.", F_FAILING_CLOSED },
};

static const struct family_def backend_families[] = {
	{ "xlb_backend_packets_total", "counter",
	  "Packets forwarded to the backend.", F_PACKETS },
	{ "xlb_backend_bytes_total", "counter",
	  "Bytes forwarded to the backend, before encapsulation.", F_BYTES },
	{ "xlb_backend_new_flows_total", "counter",
	  "Flows assigned to the backend.", F_NEW_FLOWS },
	{ "xlb_backend_active_flows", "gauge",
	  "Live conntrack entries pointing at the backend.", F_ACTIVE_FLOWS },
	{ "xlb_backend_up", "gauge",
	  "1 if health checks pass, else 0.", F_UP },
	{ "xlb_backend_weight", "gauge",
	  "Effective weight in the Maglev table.", F_WEIGHT },
	{ "xlb_backend_draining", "gauge",
	  "1 while the backend drains: no new flows.", F_DRAINING },
	{ "xlb_backend_resolving", "gauge",
	  "1 while the backend's next hop is unresolved: no new flows.",
	  F_RESOLVING },
	{ "xlb_backend_nexthop_losses_total", "counter",
	  "Times the backend's next hop went from resolved to unresolved.",
	  F_NEXTHOP_LOSSES },
};

static __u64 vip_value(const struct stats_vip *v, enum field field)
{
	switch (field) {
	case F_PACKETS:
		return v->packets;
	case F_BYTES:
		return v->bytes;
	case F_FAILING_OPEN:
		return v->fail == STATS_FAIL_OPEN;
	case F_FAILING_CLOSED:
		return v->fail == STATS_FAIL_CLOSED;
	default:
		return v->new_flows;
	}
}

static __u64 backend_value(const struct stats_backend *b, enum field field)
{
	switch (field) {
	case F_PACKETS:
		return b->packets;
	case F_BYTES:
		return b->bytes;
	case F_NEW_FLOWS:
		return b->new_flows;
	case F_ACTIVE_FLOWS:
		return b->active_flows;
	case F_UP:
		return b->up;
	case F_WEIGHT:
		return b->weight;
	case F_RESOLVING:
		return b->resolving;
	case F_NEXTHOP_LOSSES:
		return b->nexthop_losses;
	default:
		return b->draining;
	}
}

static void render_vips(const struct stats_snapshot *s,
			const struct labels *vl, FILE *f)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(vip_families); i++) {
		family(f, vip_families[i].name, vip_families[i].type,
		       vip_families[i].help);
		for (j = 0; j < s->n_vips; j++)
			sample(f, vip_families[i].name, vl[j].s,
			       vip_value(&s->vips[j], vip_families[i].field));
	}
}

static void render_backends(const struct stats_snapshot *s,
			    const struct labels *bl, FILE *f)
{
	static const char hc[] = "xlb_health_checks_total";
	size_t i, j, r;

	for (i = 0; i < ARRAY_SIZE(backend_families); i++) {
		family(f, backend_families[i].name, backend_families[i].type,
		       backend_families[i].help);
		for (j = 0; j < s->n_backends; j++)
			sample(f, backend_families[i].name, bl[j].s,
			       backend_value(&s->backends[j],
					     backend_families[i].field));
	}
	family(f, hc, "counter", "Health check probes finished, by result.");
	for (j = 0; j < s->n_backends; j++) {
		for (r = 0; r < STATS_HC_MAX; r++)
			sample_more(f, hc, bl[j].s, hc_results[r],
				    s->backends[j].checks[r]);
	}
}

static void render_verdicts(const struct stats_snapshot *s, FILE *f)
{
	char labels[64];
	size_t i, j;

	family(f, "xlb_packets_total", "counter",
	       "Packets seen by the XDP program, by verdict.");
	for (i = 0; i < ARRAY_SIZE(actions); i++) {
		__u64 sum = 0;

		for (j = 0; j < ARRAY_SIZE(verdicts); j++) {
			if (!strcmp(verdicts[j].action, actions[i]))
				sum += s->global[verdicts[j].idx].packets;
		}
		snprintf(labels, sizeof(labels), "action=\"%s\"", actions[i]);
		sample(f, "xlb_packets_total", labels, sum);
	}
	family(f, "xlb_drops_total", "counter",
	       "Packets dropped by the XDP program, by reason.");
	for (j = 0; j < ARRAY_SIZE(verdicts); j++) {
		if (!verdicts[j].reason)
			continue;
		snprintf(labels, sizeof(labels), "reason=\"%s\"",
			 verdicts[j].reason);
		sample(f, "xlb_drops_total", labels,
		       s->global[verdicts[j].idx].packets);
	}
}

static void render_conntrack(const struct stats_snapshot *s, FILE *f)
{
	single(f, "xlb_conntrack_entries", "gauge",
	       "Used slots of the flow table (expired ones are freed as the "
	       "daemon's scan finds them).", s->ct_entries);
	single(f, "xlb_conntrack_live", "gauge",
	       "Live flows in the flow table.", s->ct_live);
	single(f, "xlb_conntrack_capacity", "gauge",
	       "Size of the flow table, in flows.", s->ct_capacity);
	single(f, "xlb_conntrack_hits_total", "counter",
	       "Packets that found their flow in conntrack.",
	       s->global[XLB_STAT_CT_HIT].packets);
	family(f, "xlb_conntrack_misses_total", "counter",
	       "Packets without a conntrack entry: syn starts a flow (TCP SYN "
	       "or new UDP), nonsyn is a TCP packet of an unknown flow.");
	sample(f, "xlb_conntrack_misses_total", "kind=\"syn\"",
	       s->global[XLB_STAT_CT_MISS_SYN].packets);
	sample(f, "xlb_conntrack_misses_total", "kind=\"nonsyn\"",
	       s->global[XLB_STAT_CT_MISS_NONSYN].packets);
	single(f, "xlb_conntrack_remote_hits_total", "counter",
	       "Packets that found their flow in another CPU's part of the "
	       "table (copied to their own).",
	       s->global[XLB_STAT_CT_REMOTE].packets);
	single(f, "xlb_conntrack_evictions_total", "counter",
	       "Live flows that never saw a second packet, replaced by a new "
	       "flow for want of room.", s->global[XLB_STAT_CT_EVICT].packets);
	single(f, "xlb_conntrack_untracked_total", "counter",
	       "New flows that found no slot (every candidate an established "
	       "flow): forwarded by the Maglev table alone.",
	       s->global[XLB_STAT_CT_FULL].packets);
	single(f, "xlb_conntrack_moves_total", "counter",
	       "Entries moved to their other bucket to make room.",
	       s->global[XLB_STAT_CT_MOVED].packets);
	single(f, "xlb_conntrack_remote_skipped_total", "counter",
	       "Packets of flows unknown to their CPU's part of the table that "
	       "did not look in the others (over the per-CPU budget): "
	       "forwarded by the Maglev table, no entry.",
	       s->global[XLB_STAT_CT_REMOTE_SKIP].packets);
	family(f, "xlb_conntrack_freed_total", "counter",
	       "Slots the daemon freed: expired is an idle timeout, "
	       "backend_gone a deleted or failed backend's flows.");
	sample(f, "xlb_conntrack_freed_total", "reason=\"expired\"",
	       s->ct_expired);
	sample(f, "xlb_conntrack_freed_total", "reason=\"backend_gone\"",
	       s->ct_purged);
}

/* One sample per VRRP instance of the snapshot for each of these. */
enum vrrp_field {
	V_STATE,
	V_TRANSITIONS,
	V_PRIO,
	V_TX,
	V_RX,
};

static const struct {
	const char *name;
	const char *type;
	const char *help;
	enum vrrp_field field;
} vrrp_families[] = {
	{ "xlb_vrrp_state", "gauge",
	  "VRRP instance state: 0 init, 1 backup, 2 master.", V_STATE },
	{ "xlb_vrrp_transitions_total", "counter",
	  "VRRP state changes of the instance.", V_TRANSITIONS },
	{ "xlb_vrrp_priority", "gauge",
	  "VRRP priority the instance advertises, after tracking.", V_PRIO },
	{ "xlb_vrrp_adverts_sent_total", "counter",
	  "VRRP advertisements sent (once for all peers).", V_TX },
	{ "xlb_vrrp_adverts_received_total", "counter",
	  "VRRP advertisements received that passed every check.", V_RX },
};

static __u64 vrrp_value(const struct stats_vrrp *v, enum vrrp_field field)
{
	switch (field) {
	case V_STATE:
		return v->state;
	case V_TRANSITIONS:
		return v->transitions;
	case V_PRIO:
		return v->prio;
	case V_TX:
		return v->tx_adverts;
	default:
		return v->rx_adverts;
	}
}

static void render_vrrp(const struct stats_snapshot *s, FILE *f)
{
	static const char dropped[] = "xlb_vrrp_adverts_dropped_total";
	char labels[32], reason[48];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(vrrp_families); i++) {
		family(f, vrrp_families[i].name, vrrp_families[i].type,
		       vrrp_families[i].help);
		for (j = 0; j < s->n_vrrp; j++) {
			snprintf(labels, sizeof(labels), "vrid=\"%u\"",
				 s->vrrp[j].vrid);
			sample(f, vrrp_families[i].name, labels,
			       vrrp_value(&s->vrrp[j],
					  vrrp_families[i].field));
		}
	}
	/* Every reason of every instance, zeros included: rate() needs a
	 * series before its first drop. */
	family(f, dropped, "counter",
	       "VRRP advertisements received and dropped, by reason.");
	for (j = 0; j < s->n_vrrp; j++) {
		snprintf(labels, sizeof(labels), "vrid=\"%u\"",
			 s->vrrp[j].vrid);
		for (i = VRRP_OK + 1; i < VRRP_DROP_MAX; i++) {
			snprintf(reason, sizeof(reason), "reason=\"%s\"",
				 vrrp_drop_str(i));
			sample_more(f, dropped, labels, reason,
				    s->vrrp[j].drops[i]);
		}
	}
}

int stats_render(const struct stats_snapshot *s, FILE *f)
{
	const char *version = s->version ? s->version : "unknown";
	struct labels *vl, *bl;
	size_t i, vlen;
	char *ver;
	int err;

	err = snapshot_check(s);
	if (err)
		return err;
	/* calloc(0) may return NULL; one spare slot keeps that simple. */
	vl = calloc(s->n_vips + 1, sizeof(*vl));
	bl = calloc(s->n_backends + 1, sizeof(*bl));
	/* The one label value of any length: escaping at most doubles it. */
	vlen = 2 * strlen(version) + 1;
	ver = malloc(vlen);
	if (!vl || !bl || !ver) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < s->n_vips; i++)
		vip_labels(&s->vips[i], &vl[i]);
	for (i = 0; i < s->n_backends; i++)
		backend_labels(&s->backends[i], &vl[s->backends[i].vip],
			       &bl[i]);
	escape(ver, vlen, version);

	render_vips(s, vl, f);
	render_backends(s, bl, f);
	render_verdicts(s, f);
	render_conntrack(s, f);
	render_vrrp(s, f);
	single(f, "xlb_flood_active", "gauge",
	       "1 while the SYN flood guard is active, else 0.",
	       s->flood_active);
	single(f, "xlb_flood_syns_total", "counter",
	       "SYNs handled by the flood guard.", s->flood_syns);
	family(f, "xlb_build_info", "gauge",
	       "Always 1; the version label says which xlb wrote the file.");
	fprintf(f, "xlb_build_info{version=\"%s\"} 1\n", ver);
	/* Last, so a reader can tell a complete file by its last line. */
	family(f, "xlb_stats_write_timestamp_seconds", "gauge",
	       "When xlb took this snapshot, in seconds since the epoch.");
	fprintf(f, "xlb_stats_write_timestamp_seconds %llu.%03llu\n",
		(unsigned long long)(s->time_ms / 1000),
		(unsigned long long)(s->time_ms % 1000));
	err = ferror(f) ? -EIO : 0;
out:
	free(ver);
	free(bl);
	free(vl);
	return err;
}

/*
 * DIR for the final fsync and "DIR/.BASE.XXXXXX" for mkostemp: hidden, and
 * never ending in .prom, so the textfile collector skips it.
 */
static int temp_names(const char *path, char **dir, char **tmp)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dlen = slash ? (int)(slash - path) : 0;

	if (!*base)
		return -EISDIR;
	if (!slash)
		*dir = strdup(".");
	else
		*dir = dlen ? strndup(path, dlen) : strdup("/");
	if (!*dir)
		return -ENOMEM;
	if (asprintf(tmp, "%.*s%s.%s.XXXXXX", dlen, path, slash ? "/" : "",
		     base) < 0) {
		free(*dir);
		*dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* name is one of temp_names()' files for base: ".BASE." and mkostemp's
 * six letters or digits. */
static bool temp_name_of(const char *name, const char *base)
{
	size_t blen = strlen(base), i;

	if (name[0] != '.' || strncmp(name + 1, base, blen) ||
	    name[1 + blen] != '.' || strlen(name + 2 + blen) != 6)
		return false;
	for (i = 2 + blen; name[i]; i++)
		if (!isalnum((unsigned char)name[i]))
			return false;
	return true;
}

int stats_clean_temps(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir = NULL, *tmp = NULL;
	struct dirent *e;
	int n = 0, err;
	DIR *d;

	err = temp_names(path, &dir, &tmp);
	if (err)
		return err;
	d = opendir(dir);
	if (!d) {
		err = -errno;
		goto out;
	}
	while ((errno = 0, e = readdir(d))) {
		struct stat st;

		if (!temp_name_of(e->d_name, base))
			continue;
		/* Regular files only, as mkostemp makes them. */
		if (e->d_type != DT_REG &&
		    (e->d_type != DT_UNKNOWN ||
		     fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		     !S_ISREG(st.st_mode)))
			continue;
		if (!unlinkat(dirfd(d), e->d_name, 0))
			n++;
		else if (errno != ENOENT && !err)
			err = -errno;
	}
	if (errno && !err)
		err = -errno;
	closedir(d);
out:
	free(tmp);
	free(dir);
	return err ? err : n;
}

/* write(2) all of buf: 0 or -errno (ENOSPC, EDQUOT, EFBIG, EIO). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * The temporary file behind a stdio stream. A plain stream would turn a
 * full disk into a bare error flag; this one keeps the errno.
 */
#define STATS_IOBUF	(1 << 16)
struct sink {
	int fd;
	int err;		/* first write error, -errno */
};

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct sink *k = cookie;
	int err = write_all(k->fd, buf, len);

	if (err) {
		if (!k->err)
			k->err = err;
		return 0;	/* stdio's "error" for cookie writers */
	}
	return len;
}

int stats_write_file(const char *path, const struct stats_snapshot *s)
{
	cookie_io_functions_t io = { .write = sink_write };
	char *dir = NULL, *tmp = NULL, *iobuf = NULL;
	struct sink k = { .fd = -1 };
	int dfd, err;
	FILE *f;

	err = temp_names(path, &dir, &tmp);
	if (err)
		return err;
	k.fd = mkostemp(tmp, O_CLOEXEC);
	if (k.fd < 0) {
		err = -errno;
		goto out_free;
	}
	/* Megabytes for thousands of backends: in few large writes. */
	iobuf = malloc(STATS_IOBUF);
	f = iobuf ? fopencookie(&k, "w", io) : NULL;
	if (!f) {
		err = -ENOMEM;
		goto out_close;
	}
	setvbuf(f, iobuf, _IOFBF, STATS_IOBUF);
	err = stats_render(s, f);
	if (fclose(f) && !err)
		err = -EIO;
	if (k.err)
		err = k.err;
	if (err)
		goto out_close;
	if (fsync(k.fd) || fchmod(k.fd, 0644)) {
		err = -errno;
		goto out_close;
	}
	/* NFS and friends report deferred write errors on close. */
	if (close(k.fd)) {
		err = -errno;
		goto out_unlink;
	}
	if (rename(tmp, path)) {
		err = -errno;
		goto out_unlink;
	}
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = -errno;
		goto out_free;
	}
	if (fsync(dfd))
		err = -errno;
	close(dfd);
	goto out_free;

out_close:
	close(k.fd);
out_unlink:
	unlink(tmp);
out_free:
	free(iobuf);
	free(tmp);
	free(dir);
	return err;
}
