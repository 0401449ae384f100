// SPDX-License-Identifier: GPL-2.0
/*
 * The one grammar of xlb, as keyword tables. Each statement is a path of
 * keywords ("backend drain") ending in a leaf that names its verb, where it
 * may appear and a handler for its arguments. Adding a statement is one
 * table entry and one handler.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "errbuf.h"
#include "xlb.h"

#define DEFAULT_WEIGHT		100
#define WEIGHT_MAX		65535
#define CONNTRACK_MIN		1024
#define CONNTRACK_MAX		(1ull << 26)
#define TABLE_SIZE_MIN		2
#define FLOOD_RATE_MAX		100000000	/* new flows a second per CPU */
/* Words are quoted into messages with this many bytes at most. */
#define QUOTE_MAX		40

struct cmd_parser {
	int argc;
	char *const *argv;
	int i;				/* next word */
	const char *path;		/* "vip add", for messages */
	const char *args;		/* "PROTO ADDR:PORT ...", for usage */
	char *err;
	size_t errlen;
};

typedef int (*cmd_handler)(struct cmd_parser *p, struct cmd *c);

struct cmd_node {
	const char *word;
	/* a leaf: */
	enum cmd_verb verb;
	unsigned int ctx;
	unsigned int flags;		/* CMD_F_* */
	const char *args;
	cmd_handler parse;
	const char *help;		/* one line for the usage text */
	/* matches any word no other node of its level names, which its
	 * handler then parses (word is only for messages) */
	bool any;
	/* or a group of further keywords: */
	const struct cmd_node *sub;
	/* A word that is a query at runtime and a setting in the config
	 * file (stats): the config file's verb, arguments and handler. */
	enum cmd_verb cfg_verb;
	unsigned int cfg_flags;
	const char *cfg_args;
	cmd_handler cfg_parse;
};

/* Optional trailing words such as "sticky" or "weight N". */
struct cmd_opt {
	const char *word;
	cmd_handler parse;		/* called with p->i after the word */
};

#define seterr(p, ...)	errbuf_set((p)->err, (p)->errlen, __VA_ARGS__)

/*
 * Words come from files and sockets: quote them harmlessly (printable
 * ASCII only, bounded) so a message can be printed anywhere.
 */
static const char *quote(const char *w, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; w[i] && n + 1 < len; i++) {
		if (i == QUOTE_MAX) {
			n += snprintf(buf + n, len - n, "...");
			break;
		}
		buf[n++] = (w[i] >= 0x20 && w[i] < 0x7f) ? w[i] : '?';
	}
	if (n >= len)
		n = len - 1;
	buf[n] = '\0';
	return buf;
}

#define Q(w)	quote((w), (char[QUOTE_MAX + 8]){ 0 }, QUOTE_MAX + 8)

/* ---- argument handlers' building blocks ---------------------------- */

static const char *next(struct cmd_parser *p, const char *what)
{
	if (p->i >= p->argc) {
		seterr(p, "missing %s; usage: %s %s", what, p->path, p->args);
		return NULL;
	}
	return p->argv[p->i++];
}

static int p_end(struct cmd_parser *p)
{
	if (p->i < p->argc) {
		seterr(p, "unexpected word '%s'; usage: %s%s%s",
		       Q(p->argv[p->i]), p->path, *p->args ? " " : "",
		       p->args);
		return -EINVAL;
	}
	return 0;
}

static int p_proto(struct cmd_parser *p, __u8 *proto)
{
	const char *w = next(p, "PROTO");

	if (!w)
		return -EINVAL;
	if (!strcmp(w, "tcp")) {
		*proto = IPPROTO_TCP;
	} else if (!strcmp(w, "udp")) {
		*proto = IPPROTO_UDP;
	} else {
		seterr(p, "bad protocol '%s'; expected one of: tcp udp", Q(w));
		return -EINVAL;
	}
	return 0;
}

/* Traffic cannot be balanced to or from "any", a group or broadcast. */
static bool unicast(const struct ip_addr *a)
{
	__u32 v4 = ntohl(a->a[0]);

	if (a->family == XLB_AF_INET)
		return v4 != 0 && (v4 >> 28) != 0xe && v4 != 0xffffffff;
	if ((v4 >> 24) == 0xff)
		return false;
	return a->a[0] || a->a[1] || a->a[2] || a->a[3];
}

/* what: "ADDR:PORT" in vip statements, "VIP:PORT" in backend ones. */
static int p_vip(struct cmd_parser *p, struct cmd *c, const char *what)
{
	const char *w = next(p, what);

	if (!w)
		return -EINVAL;
	if (addr_port_parse(w, &c->vip, &c->port)) {
		seterr(p, "bad VIP '%s'; expected ADDR:PORT, e.g. "
		       "198.18.0.100:80 or [2001:db8::1]:443", Q(w));
		return -EINVAL;
	}
	if (!unicast(&c->vip)) {
		seterr(p, "bad VIP '%s'; expected a unicast address", Q(w));
		return -EINVAL;
	}
	return 0;
}

static int p_addr(struct cmd_parser *p, struct ip_addr *a)
{
	const char *w = next(p, "ADDR");

	if (!w)
		return -EINVAL;
	if (addr_parse(w, a)) {
		seterr(p, "bad address '%s'; expected an IPv4 or IPv6 address",
		       Q(w));
		return -EINVAL;
	}
	if (!unicast(a)) {
		seterr(p, "bad address '%s'; expected a unicast address",
		       Q(w));
		return -EINVAL;
	}
	return 0;
}

static int p_uint(struct cmd_parser *p, const char *what,
		  unsigned long long min, unsigned long long max, __u64 *v)
{
	const char *w = next(p, "N");
	unsigned long long n;

	if (!w)
		return -EINVAL;
	if (uint_parse(w, min, max, &n)) {
		seterr(p, "bad %s '%s'; expected a number %llu..%llu", what,
		       Q(w), min, max);
		return -EINVAL;
	}
	*v = n;
	return 0;
}

static int p_duration(struct cmd_parser *p, const char *what, __u64 *ms)
{
	const char *w = next(p, "DURATION");
	int err;

	if (!w)
		return -EINVAL;
	err = duration_parse(w, ms);
	if (err == -ERANGE) {
		seterr(p, "bad %s '%s'; expected 1ms..24h", what, Q(w));
		return -EINVAL;
	}
	if (err) {
		seterr(p, "bad %s '%s'; expected a number with a unit "
		       "(ms s m h), e.g. 250ms or 2s", what, Q(w));
		return -EINVAL;
	}
	return 0;
}

/* Parse optional words in any order, each at most once, to the end. */
static int p_options(struct cmd_parser *p, struct cmd *c,
		     const struct cmd_opt *opts, size_t n)
{
	unsigned int seen = 0;
	char valid[128];
	size_t k, off;
	int err;

	while (p->i < p->argc) {
		const char *w = p->argv[p->i];

		for (k = 0; k < n; k++)
			if (!strcmp(w, opts[k].word))
				break;
		if (k == n) {
			valid[0] = '\0';
			for (k = 0, off = 0; k < n && off < sizeof(valid); k++)
				off += snprintf(valid + off,
						sizeof(valid) - off, "%s%s",
						k ? " " : "", opts[k].word);
			seterr(p, "unknown word '%s'; expected one of: %s",
			       Q(w), valid);
			return -EINVAL;
		}
		if (seen & (1u << k)) {
			seterr(p, "'%s' given twice", opts[k].word);
			return -EINVAL;
		}
		seen |= 1u << k;
		p->i++;
		err = opts[k].parse(p, c);
		if (err)
			return err;
	}
	return 0;
}

#define P_OPTIONS(p, c, opts) \
	p_options(p, c, opts, sizeof(opts) / sizeof(opts[0]))

static bool is_prime(__u64 n)
{
	__u64 d;

	if (n < 2)
		return false;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

/* ---- handlers: one per statement ----------------------------------- */

static int opt_sticky(struct cmd_parser *p, struct cmd *c)
{
	(void)p;
	c->vip_flags |= XLB_VIP_F_STICKY;
	return 0;
}

/* The words for XLB_MODE_*: parsed here, printed by conf and the daemon.
 * The first (mode 0, the default) also names any mode not listed. */
static const struct {
	__u8 mode;
	const char *word;
} mode_words[] = {
	{ XLB_MODE_IPIP, "ipip" },
	{ XLB_MODE_GUE, "gue" },
	{ XLB_MODE_L2, "l2" },
};
#define N_MODE_WORDS	(sizeof(mode_words) / sizeof(mode_words[0]))

const char *cmd_mode_name(__u8 mode)
{
	size_t i;

	for (i = 0; i < N_MODE_WORDS; i++)
		if (mode_words[i].mode == mode)
			return mode_words[i].word;
	return mode_words[0].word;
}

static int opt_mode(struct cmd_parser *p, struct cmd *c)
{
	const char *w = next(p, "MODE");
	char valid[32];
	size_t i, off;

	if (!w)
		return -EINVAL;
	for (i = 0; i < N_MODE_WORDS; i++)
		if (!strcmp(w, mode_words[i].word)) {
			c->mode = mode_words[i].mode;
			return 0;
		}
	valid[0] = '\0';
	for (i = 0, off = 0; i < N_MODE_WORDS && off < sizeof(valid); i++)
		off += snprintf(valid + off, sizeof(valid) - off, "%s%s",
				i ? " " : "", mode_words[i].word);
	seterr(p, "unknown mode '%s'; expected: %s", Q(w), valid);
	return -EINVAL;
}

static int opt_weight(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "weight", 0, WEIGHT_MAX, &v);

	c->weight = v;
	return err;
}

static int opt_timeout(struct cmd_parser *p, struct cmd *c)
{
	return p_duration(p, "timeout", &c->duration_ms);
}

static int opt_force(struct cmd_parser *p, struct cmd *c)
{
	(void)p;
	c->force = true;
	return 0;
}

static int opt_generic(struct cmd_parser *p, struct cmd *c)
{
	(void)p;
	c->generic = true;
	return 0;
}

static int h_none(struct cmd_parser *p, struct cmd *c)
{
	(void)c;
	return p_end(p);
}

static int h_vip_add(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "sticky", opt_sticky },
		{ "mode", opt_mode },
	};

	c->mode = XLB_MODE_IPIP;
	return p_proto(p, &c->proto) ?: p_vip(p, c, "ADDR:PORT") ?:
	       P_OPTIONS(p, c, opts);
}

static int h_vip(struct cmd_parser *p, struct cmd *c)
{
	return p_proto(p, &c->proto) ?: p_vip(p, c, "ADDR:PORT") ?: p_end(p);
}

/* [PROTO VIP:PORT]: one VIP, or all of them without the words. */
static int h_vip_filter(struct cmd_parser *p, struct cmd *c)
{
	if (p->i == p->argc)
		return 0;
	c->has_vip = true;
	return p_proto(p, &c->proto) ?: p_vip(p, c, "VIP:PORT") ?: p_end(p);
}

static int opt_limit(struct cmd_parser *p, struct cmd *c)
{
	return p_uint(p, "limit", CMD_FLOWS_LIMIT_MIN, CMD_FLOWS_LIMIT_MAX,
		      &c->limit);
}

/* [PROTO VIP:PORT] [limit N]: the first word tells which comes first,
 * so a typo names both choices. */
static int h_flows(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "limit", opt_limit },
	};
	const char *w = p->i < p->argc ? p->argv[p->i] : NULL;

	if (w && strcmp(w, "limit")) {
		if (strcmp(w, "tcp") && strcmp(w, "udp")) {
			seterr(p, "unknown word '%s'; expected one of: tcp udp "
			       "limit", Q(w));
			return -EINVAL;
		}
		c->has_vip = true;
		if (p_proto(p, &c->proto) || p_vip(p, c, "VIP:PORT"))
			return -EINVAL;
	}
	return P_OPTIONS(p, c, opts);
}

static int p_backend(struct cmd_parser *p, struct cmd *c)
{
	return p_proto(p, &c->proto) ?: p_vip(p, c, "VIP:PORT") ?:
	       p_addr(p, &c->addr);
}

static int h_backend_add(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "weight", opt_weight },
	};

	c->weight = DEFAULT_WEIGHT;
	return p_backend(p, c) ?: P_OPTIONS(p, c, opts);
}

static int h_backend_weight(struct cmd_parser *p, struct cmd *c)
{
	return p_backend(p, c) ?: opt_weight(p, c) ?: p_end(p);
}

static int h_backend_drain(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "timeout", opt_timeout },
	};

	return p_backend(p, c) ?: P_OPTIONS(p, c, opts);
}

static int h_backend(struct cmd_parser *p, struct cmd *c)
{
	return p_backend(p, c) ?: p_end(p);
}

static int h_backend_del(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "force", opt_force },
	};

	return p_backend(p, c) ?: P_OPTIONS(p, c, opts);
}

/* The kernel's rule for interface names (dev_valid_name). */
static bool iface_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IF_NAMESIZE || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int h_interface(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "generic", opt_generic },
	};
	const char *w = next(p, "IFACE");

	if (!w)
		return -EINVAL;
	if (!iface_valid(w)) {
		seterr(p, "bad interface name '%s'", Q(w));
		return -EINVAL;
	}
	strcpy(c->iface, w);
	return P_OPTIONS(p, c, opts);
}

static int h_hash_seed(struct cmd_parser *p, struct cmd *c)
{
	return p_uint(p, "hash-seed", 0, 0xffffffffull, &c->num) ?: p_end(p);
}

static int h_flood_rate(struct cmd_parser *p, struct cmd *c)
{
	return p_uint(p, "flood-rate", 0, FLOOD_RATE_MAX, &c->num) ?:
	       p_end(p);
}

static int h_gue_port(struct cmd_parser *p, struct cmd *c)
{
	return p_uint(p, "gue-port", 1, 65535, &c->num) ?: p_end(p);
}

static int h_encap_source(struct cmd_parser *p, struct cmd *c)
{
	return p_addr(p, &c->addr) ?: p_end(p);
}

static int h_conntrack_size(struct cmd_parser *p, struct cmd *c)
{
	return p_uint(p, "conntrack-size", CONNTRACK_MIN, CONNTRACK_MAX,
		      &c->num) ?: p_end(p);
}

static int h_table_size(struct cmd_parser *p, struct cmd *c)
{
	__u64 n;
	int err;

	err = p_uint(p, "table-size", TABLE_SIZE_MIN, XLB_RING_SIZE_MAX,
		     &c->num);
	if (err)
		return err;
	if (!is_prime(c->num)) {
		for (n = c->num + 1; !is_prime(n); n++)
			;
		seterr(p, "table-size %llu is not prime; the next prime is "
		       "%llu", (unsigned long long)c->num,
		       (unsigned long long)n);
		return -EINVAL;
	}
	return p_end(p);
}

static int h_udp_timeout(struct cmd_parser *p, struct cmd *c)
{
	int err = p_duration(p, "udp-timeout", &c->duration_ms);

	if (err)
		return err;
	if (c->duration_ms < XLB_UDP_TIMEOUT_MIN_NS / 1000000 ||
	    c->duration_ms > XLB_UDP_TIMEOUT_MAX_NS / 1000000) {
		seterr(p, "bad udp-timeout '%s'; expected 1s..1h",
		       Q(p->argv[p->i - 1]));
		return -EINVAL;
	}
	return p_end(p);
}

static int opt_interval(struct cmd_parser *p, struct cmd *c)
{
	int err = p_duration(p, "interval", &c->duration_ms);

	if (err)
		return err;
	if (c->duration_ms < CMD_STATS_INTERVAL_MIN_MS ||
	    c->duration_ms > CMD_STATS_INTERVAL_MAX_MS) {
		seterr(p, "bad interval '%s'; expected 10ms..1h",
		       Q(p->argv[p->i - 1]));
		return -EINVAL;
	}
	return 0;
}

/*
 * The file is named in logs and written back by save: an absolute path of
 * printable bytes (cmd_split already excludes blanks and '#'), naming a
 * file rather than a directory.
 */
static int h_stats_file(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "interval", opt_interval },
	};
	const char *w = next(p, "FILE");
	size_t len, i;

	if (!w)
		return -EINVAL;
	len = strlen(w);
	for (i = 0; i < len; i++)
		if (w[i] <= ' ' || w[i] >= 0x7f)
			break;
	if (w[0] != '/' || i < len || w[len - 1] == '/' ||
	    len >= sizeof(c->path)) {
		seterr(p, "bad stats file '%s'; expected an absolute path to "
		       "a file, e.g. /var/lib/node_exporter/xlb.prom", Q(w));
		return -EINVAL;
	}
	memcpy(c->path, w, len + 1);
	c->duration_ms = CMD_STATS_INTERVAL_DEFAULT_MS;
	return P_OPTIONS(p, c, opts);
}

/* ---- health checks and load agents --------------------------------- */

static int p_ms(struct cmd_parser *p, const char *what, __u32 *ms)
{
	__u64 v;
	int err = p_duration(p, what, &v);

	if (err)
		return err;
	if (v < HEALTH_INTERVAL_MS_MIN || v > HEALTH_INTERVAL_MS_MAX) {
		seterr(p, "bad %s '%s'; expected 10ms..1h", what,
		       Q(p->argv[p->i - 1]));
		return -EINVAL;
	}
	*ms = v;
	return 0;
}

/* A word of printable bytes that fits buf (NUL included). */
static int p_text(struct cmd_parser *p, const char *what, char *buf,
		  size_t len)
{
	const char *w = next(p, what);
	size_t i;

	if (!w)
		return -EINVAL;
	for (i = 0; w[i]; i++)
		if ((unsigned char)w[i] <= 0x20 || (unsigned char)w[i] >= 0x7f)
			break;
	if (w[i] || i >= len || !i) {
		seterr(p, "bad %s '%s'; expected 1..%zu printable characters",
		       what, Q(w), len - 1);
		return -EINVAL;
	}
	memcpy(buf, w, i + 1);
	return 0;
}

static int opt_hc_port(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "port", 1, 65535, &v);

	c->check.port = v;
	return err;
}

static int opt_hc_interval(struct cmd_parser *p, struct cmd *c)
{
	return p_ms(p, "interval", &c->check.interval_ms);
}

static int opt_hc_timeout(struct cmd_parser *p, struct cmd *c)
{
	return p_ms(p, "timeout", &c->check.timeout_ms);
}

static int opt_hc_rise(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "rise", 1, HEALTH_COUNT_MAX, &v);

	c->check.rise = v;
	return err;
}

static int opt_hc_fall(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "fall", 1, HEALTH_COUNT_MAX, &v);

	c->check.fall = v;
	return err;
}

static int opt_hc_fail_closed(struct cmd_parser *p, struct cmd *c)
{
	(void)p;
	c->fail_closed = true;
	return 0;
}

static int opt_http_path(struct cmd_parser *p, struct cmd *c)
{
	int err = p_text(p, "path", c->check.path, sizeof(c->check.path));

	if (!err && c->check.path[0] != '/') {
		seterr(p, "bad path '%s'; expected one starting with '/'",
		       Q(c->check.path));
		return -EINVAL;
	}
	return err;
}

static int opt_http_expect(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "status code", HEALTH_EXPECT_MIN,
			 HEALTH_EXPECT_MAX, &v);

	c->check.expect_code = v;
	return err;
}

static int opt_http_host(struct cmd_parser *p, struct cmd *c)
{
	return p_text(p, "host", c->check.host, sizeof(c->check.host));
}

static int opt_udp_send(struct cmd_parser *p, struct cmd *c)
{
	return p_text(p, "send string", c->check.send,
		      sizeof(c->check.send));
}

static int opt_udp_expect(struct cmd_parser *p, struct cmd *c)
{
	return p_text(p, "expect string", c->check.expect,
		      sizeof(c->check.expect));
}

#define HC_COMMON_OPTS \
	{ "port", opt_hc_port }, { "interval", opt_hc_interval }, \
	{ "timeout", opt_hc_timeout }, { "rise", opt_hc_rise }, \
	{ "fall", opt_hc_fall }, { "fail-closed", opt_hc_fail_closed }

static int h_health(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt tcp_opts[] = { HC_COMMON_OPTS };
	static const struct cmd_opt http_opts[] = {
		HC_COMMON_OPTS, { "path", opt_http_path },
		{ "expect", opt_http_expect }, { "host", opt_http_host },
	};
	static const struct cmd_opt udp_opts[] = {
		HC_COMMON_OPTS, { "send", opt_udp_send },
		{ "expect", opt_udp_expect },
	};
	const char *w;
	__u32 iv;
	int err;

	err = p_proto(p, &c->proto) ?: p_vip(p, c, "VIP:PORT");
	if (err)
		return err;
	w = next(p, "CHECK");
	if (!w)
		return -EINVAL;
	if (!strcmp(w, "none")) {
		c->check.kind = HEALTH_NONE;
		return p_end(p);
	} else if (!strcmp(w, "tcp")) {
		c->check.kind = HEALTH_TCP;
		err = P_OPTIONS(p, c, tcp_opts);
	} else if (!strcmp(w, "http")) {
		c->check.kind = HEALTH_HTTP;
		err = P_OPTIONS(p, c, http_opts);
	} else if (!strcmp(w, "udp")) {
		c->check.kind = HEALTH_UDP;
		err = P_OPTIONS(p, c, udp_opts);
	} else {
		seterr(p, "bad check '%s'; expected one of: tcp http udp none",
		       Q(w));
		return -EINVAL;
	}
	if (err)
		return err;
	iv = c->check.interval_ms ? c->check.interval_ms :
	     HEALTH_INTERVAL_MS_DEFAULT;
	if (c->check.timeout_ms > iv) {
		seterr(p, "timeout %ums is longer than the interval %ums",
		       c->check.timeout_ms, iv);
		return -EINVAL;
	}
	if (c->check.send[0] && !c->check.expect[0]) {
		seterr(p, "'send' needs 'expect' (what the reply must "
		       "contain)");
		return -EINVAL;
	}
	return 0;
}

static int opt_agent_port(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "port", 1, 65535, &v);

	c->agent.port = v;
	return err;
}

static int opt_agent_interval(struct cmd_parser *p, struct cmd *c)
{
	return p_ms(p, "interval", &c->agent.interval_ms);
}

static int opt_agent_timeout(struct cmd_parser *p, struct cmd *c)
{
	return p_ms(p, "timeout", &c->agent.timeout_ms);
}

/* p_ms: HEALTH_DAMP_INTERVAL_MS_* are the probe intervals' bounds. */
static int opt_agent_damp_interval(struct cmd_parser *p, struct cmd *c)
{
	return p_ms(p, "damp-interval", &c->agent.damp_interval_ms);
}

/* damp-change PCT: "20%" or "20". */
static int opt_agent_damp_change(struct cmd_parser *p, struct cmd *c)
{
	const char *w = next(p, "PCT");
	unsigned long long v;
	char num[8];
	size_t len;

	if (!w)
		return -EINVAL;
	len = strlen(w);
	if (len && w[len - 1] == '%')
		len--;
	if (len < sizeof(num)) {
		memcpy(num, w, len);
		num[len] = '\0';
	}
	if (len >= sizeof(num) ||
	    uint_parse(num, 1, HEALTH_DAMP_CHANGE_PCT_MAX, &v)) {
		seterr(p, "bad damp-change '%s'; expected a percentage "
		       "1..%d, e.g. 20%%", Q(w), HEALTH_DAMP_CHANGE_PCT_MAX);
		return -EINVAL;
	}
	c->agent.damp_change_pct = v;
	return 0;
}

static int h_agent(struct cmd_parser *p, struct cmd *c)
{
	static const struct cmd_opt opts[] = {
		{ "port", opt_agent_port },
		{ "interval", opt_agent_interval },
		{ "timeout", opt_agent_timeout },
		{ "damp-interval", opt_agent_damp_interval },
		{ "damp-change", opt_agent_damp_change },
	};
	__u32 iv;
	int err;

	err = p_proto(p, &c->proto) ?: p_vip(p, c, "VIP:PORT") ?:
	      P_OPTIONS(p, c, opts);
	if (err)
		return err;
	if (!c->agent.port) {
		seterr(p, "missing 'port N'; usage: %s %s", p->path, p->args);
		return -EINVAL;
	}
	iv = c->agent.interval_ms ? c->agent.interval_ms :
	     HEALTH_INTERVAL_MS_DEFAULT;
	if (c->agent.timeout_ms > iv) {
		seterr(p, "timeout %ums is longer than the interval %ums",
		       c->agent.timeout_ms, iv);
		return -EINVAL;
	}
	return 0;
}

/* ---- vrrp ------------------------------------------------------------ */

#define VRRP_ADVERT_MAX_MS	40950	/* 4095 centiseconds */
#define TRACK_MAX		253	/* a decrement: priority stays >= 1 */

static int p_vrid(struct cmd_parser *p, __u8 *vrid)
{
	__u64 v;
	int err = p_uint(p, "VRID", 1, 255, &v);

	*vrid = v;
	return err;
}

static int p_prio(struct cmd_parser *p, __u8 *prio)
{
	__u64 v;
	int err = p_uint(p, "priority", 1, 254, &v);

	*prio = v;
	return err;
}

static int opt_peer(struct cmd_parser *p, struct cmd *c)
{
	return p_addr(p, &c->vrrp.peer);
}

static int opt_advert(struct cmd_parser *p, struct cmd *c)
{
	const char *w = p->i < p->argc ? p->argv[p->i] : "";
	__u64 ms;
	int err;

	err = p_duration(p, "advert", &ms);
	if (err)
		return err;
	if (ms % 10 || ms > VRRP_ADVERT_MAX_MS) {
		seterr(p, "bad advert '%s'; expected 10ms..40950ms in steps "
		       "of 10ms", Q(w));
		return -EINVAL;
	}
	c->vrrp.advert_cs = ms / 10;
	return 0;
}

static int opt_nopreempt(struct cmd_parser *p, struct cmd *c)
{
	(void)p;
	c->vrrp.nopreempt = true;
	return 0;
}

static int opt_preempt_delay(struct cmd_parser *p, struct cmd *c)
{
	return p_duration(p, "preempt-delay", &c->vrrp.preempt_delay_ms);
}

static int opt_vrrp_iface(struct cmd_parser *p, struct cmd *c)
{
	const char *w = next(p, "IFACE");

	if (!w)
		return -EINVAL;
	if (!iface_valid(w)) {
		seterr(p, "bad interface name '%s'", Q(w));
		return -EINVAL;
	}
	strcpy(c->vrrp.iface, w);
	return 0;
}

static int opt_track_iface(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "track-interface", 0, TRACK_MAX, &v);

	c->vrrp.track_iface = v;
	return err;
}

static int opt_track_vips(struct cmd_parser *p, struct cmd *c)
{
	__u64 v;
	int err = p_uint(p, "track-vips", 0, TRACK_MAX, &v);

	c->vrrp.track_vips = v;
	return err;
}

static int opt_notify(struct cmd_parser *p, struct cmd *c)
{
	const char *w = next(p, "PATH");
	size_t i;

	if (!w)
		return -EINVAL;
	/* Run without a shell or a search path: it must name the file. */
	for (i = 0; w[i]; i++)
		if (w[i] < 0x21 || w[i] == 0x7f)
			break;
	if (w[0] != '/' || w[i] || i >= CMD_NOTIFY_MAX) {
		seterr(p, "bad notify command '%s'; expected an absolute path "
		       "(at most %d bytes)", Q(w), CMD_NOTIFY_MAX - 1);
		return -EINVAL;
	}
	strcpy(c->vrrp.notify, w);
	return 0;
}

static int opt_address(struct cmd_parser *p, struct cmd *c);

static const struct cmd_opt vrrp_opts[] = {
	{ "peer", opt_peer },
	{ "advert", opt_advert },
	{ "nopreempt", opt_nopreempt },
	{ "preempt-delay", opt_preempt_delay },
	{ "interface", opt_vrrp_iface },
	{ "track-interface", opt_track_iface },
	{ "track-vips", opt_track_vips },
	{ "notify", opt_notify },
	{ "address", opt_address },
};

static bool vrrp_opt_word(const char *w)
{
	size_t k;

	for (k = 0; k < sizeof(vrrp_opts) / sizeof(vrrp_opts[0]); k++)
		if (!strcmp(w, vrrp_opts[k].word))
			return true;
	return false;
}

/* address ADDR...: every word up to the next option. */
static int opt_address(struct cmd_parser *p, struct cmd *c)
{
	struct cmd_vrrp *v = &c->vrrp;
	const char *w = p->i < p->argc ? p->argv[p->i] : "";
	unsigned int k;

	if (!*w || vrrp_opt_word(w)) {
		seterr(p, "missing ADDR after 'address'; usage: %s %s",
		       p->path, p->args);
		return -EINVAL;
	}
	while (p->i < p->argc && !vrrp_opt_word(p->argv[p->i])) {
		w = p->argv[p->i];
		if (v->naddrs == CMD_VRRP_ADDRS_MAX) {
			seterr(p, "too many addresses (limit %d)",
			       CMD_VRRP_ADDRS_MAX);
			return -EINVAL;
		}
		if (p_addr(p, &v->addrs[v->naddrs]))
			return -EINVAL;
		for (k = 0; k < v->naddrs; k++)
			if (!addr_cmp(&v->addrs[k], &v->addrs[v->naddrs])) {
				seterr(p, "address '%s' given twice", Q(w));
				return -EINVAL;
			}
		v->naddrs++;
	}
	return 0;
}

static int h_vrrp(struct cmd_parser *p, struct cmd *c)
{
	const char *w;

	c->vrrp.advert_cs = CMD_VRRP_ADVERT_DEFAULT_MS / 10;
	if (p_vrid(p, &c->vrrp.vrid))
		return -EINVAL;
	w = next(p, "'priority'");
	if (!w)
		return -EINVAL;
	if (strcmp(w, "priority")) {
		seterr(p, "unexpected word '%s'; usage: %s %s", Q(w), p->path,
		       p->args);
		return -EINVAL;
	}
	return p_prio(p, &c->vrrp.prio) ?: P_OPTIONS(p, c, vrrp_opts);
}

static int h_vrrp_priority(struct cmd_parser *p, struct cmd *c)
{
	return p_vrid(p, &c->vrrp.vrid) ?: p_prio(p, &c->vrrp.prio) ?:
	       p_end(p);
}

/* ---- the tables ----------------------------------------------------- */

#define CFG	CMD_CTX_CONFIG
#define RUN	CMD_CTX_RUNTIME
/* Every leaf says what its verb is; tests/unit/test_cmd.c holds them to it. */
#define MUT	CMD_F_MUTATES
#define QRY	CMD_F_QUERY
#define SET	(CMD_F_MUTATES | CMD_F_SETTING)

static const struct cmd_node vip_nodes[] = {
	{ .word = "add", .verb = CMD_VIP_ADD, .ctx = CFG | RUN,
	  .flags = MUT, .args = "PROTO ADDR:PORT [sticky] [mode ipip|gue|l2]",
	  .parse = h_vip_add,
	  .help = "add a VIP (sticky: pick by client address only)" },
	{ .word = "del", .verb = CMD_VIP_DEL, .ctx = RUN,
	  .flags = MUT, .args = "PROTO ADDR:PORT", .parse = h_vip,
	  .help = "remove a VIP and its backends" },
	{ .word = "list", .verb = CMD_VIP_LIST, .ctx = RUN,
	  .flags = QRY, .args = "",
	  .parse = h_none, .help = "list the VIPs" },
	{ 0 },
};

static const struct cmd_node backend_nodes[] = {
	{ .word = "add", .verb = CMD_BACKEND_ADD, .ctx = CFG | RUN,
	  .flags = MUT,
	  .args = "PROTO VIP:PORT ADDR [weight N]", .parse = h_backend_add,
	  .help = "add a backend to a VIP (weight 0..65535, default 100)" },
	{ .word = "weight", .verb = CMD_BACKEND_WEIGHT, .ctx = CFG | RUN,
	  .flags = MUT,
	  .args = "PROTO VIP:PORT ADDR N", .parse = h_backend_weight,
	  .help = "change a backend's weight" },
	{ .word = "drain", .verb = CMD_BACKEND_DRAIN, .ctx = CFG | RUN,
	  .flags = MUT, .args = "PROTO VIP:PORT ADDR [timeout DURATION]",
	  .parse = h_backend_drain,
	  .help = "no new flows to the backend; its flows continue" },
	{ .word = "undrain", .verb = CMD_BACKEND_UNDRAIN, .ctx = RUN,
	  .flags = MUT, .args = "PROTO VIP:PORT ADDR", .parse = h_backend,
	  .help = "put a draining backend back" },
	{ .word = "del", .verb = CMD_BACKEND_DEL, .ctx = RUN,
	  .flags = MUT,
	  .args = "PROTO VIP:PORT ADDR [force]", .parse = h_backend_del,
	  .help = "remove a backend (force: even with live flows)" },
	{ 0 },
};

#define HEALTH_ARGS	"PROTO VIP:PORT CHECK [port N] [interval DURATION] " \
			"[timeout DURATION] [rise N] [fall N] [fail-closed]"
#define AGENT_ARGS	"PROTO VIP:PORT port N [interval DURATION] " \
			"[timeout DURATION] [damp-interval DURATION] " \
			"[damp-change PCT]"

static const struct cmd_node health_nodes[] = {
	{ .word = "set", .verb = CMD_HEALTH_SET, .ctx = RUN,
	  .flags = MUT, .args = HEALTH_ARGS, .parse = h_health,
	  .help = "set a VIP's backend check; CHECK: tcp | http [path P] "
		  "[expect CODE] [host H] | udp [send S expect S] | none" },
	{ .word = "show", .verb = CMD_HEALTH_SHOW, .ctx = RUN,
	  .flags = QRY, .args = "[PROTO VIP:PORT]", .parse = h_vip_filter,
	  .help = "health of every backend, of all VIPs or of one" },
	{ 0 },
};

static const struct cmd_node agent_nodes[] = {
	{ .word = "set", .verb = CMD_AGENT_SET, .ctx = RUN,
	  .flags = MUT, .args = AGENT_ARGS, .parse = h_agent,
	  .help = "ask each backend's load agent on port N for its weight" },
	{ .word = "del", .verb = CMD_AGENT_DEL, .ctx = RUN,
	  .flags = MUT, .args = "PROTO VIP:PORT", .parse = h_vip,
	  .help = "stop asking the load agents; configured weights again" },
	{ 0 },
};

static const struct cmd_node vrrp_nodes[] = {
	{ .word = "show", .verb = CMD_VRRP_SHOW, .ctx = RUN,
	  .flags = QRY, .args = "",
	  .parse = h_none,
	  .help = "VRRP instances: state, priority, master, counters" },
	{ .word = "priority", .verb = CMD_VRRP_PRIORITY, .ctx = RUN,
	  .flags = QRY, .args = "VRID N", .parse = h_vrrp_priority,
	  .help = "set an instance's priority (1..254) until restart" },
	/* Any other word: the VRID of a config statement. */
	{ .word = "VRID", .any = true, .verb = CMD_VRRP, .ctx = CFG,
	  .flags = MUT, .args = "VRID priority N [peer ADDR] [advert DURATION] "
		  "[nopreempt] [preempt-delay DURATION] [interface IFACE] "
		  "[track-interface N] [track-vips N] [notify PATH] "
		  "[address ADDR...]", .parse = h_vrrp },
	{ 0 },
};

static const struct cmd_node top_nodes[] = {
	{ .word = "vip", .sub = vip_nodes },
	{ .word = "backend", .sub = backend_nodes },
	/* In a config file "health"/"agent" are statements themselves; at
	 * runtime they lead to set/show/del. */
	{ .word = "health", .verb = CMD_HEALTH_SET, .ctx = CFG,
	  .flags = MUT,
	  .args = HEALTH_ARGS, .parse = h_health, .sub = health_nodes },
	{ .word = "agent", .verb = CMD_AGENT_SET, .ctx = CFG,
	  .flags = MUT,
	  .args = AGENT_ARGS, .parse = h_agent, .sub = agent_nodes },
	{ .word = "vrrp", .sub = vrrp_nodes },
	{ .word = "status", .verb = CMD_STATUS, .ctx = RUN,
	  .flags = QRY, .args = "",
	  .parse = h_none,
	  .help = "VIPs and backends with state and counters" },
	{ .word = "flows", .verb = CMD_FLOWS, .ctx = RUN,
	  .flags = QRY, .args = "[PROTO VIP:PORT] [limit N]", .parse = h_flows,
	  .help = "tracked flows, of all VIPs or of one (limit: at most N)" },
	{ .word = "save", .verb = CMD_SAVE, .ctx = RUN,
	  .flags = QRY, .args = "",
	  .parse = h_none, .help = "print the running config" },
	{ .word = "stats", .verb = CMD_STATS, .ctx = CFG | RUN,
	  .flags = QRY, .args = "",
	  .parse = h_none, .help = "print the stats file's text (Prometheus "
	  "format)", .cfg_verb = CMD_STATS_FILE, .cfg_flags = SET,
	  .cfg_args = "FILE [interval DURATION]", .cfg_parse = h_stats_file },
	{ .word = "shutdown", .verb = CMD_SHUTDOWN, .ctx = RUN,
	  .flags = QRY, .args = "",
	  .parse = h_none, .help = "detach the data path and stop xlbd" },
	{ .word = "interface", .verb = CMD_INTERFACE, .ctx = CFG,
	  .flags = SET, .args = "IFACE [generic]", .parse = h_interface },
	{ .word = "hash-seed", .verb = CMD_HASH_SEED, .ctx = CFG,
	  .flags = SET, .args = "N", .parse = h_hash_seed },
	{ .word = "encap-source", .verb = CMD_ENCAP_SOURCE, .ctx = CFG,
	  .flags = SET, .args = "ADDR", .parse = h_encap_source },
	{ .word = "conntrack-size", .verb = CMD_CONNTRACK_SIZE, .ctx = CFG,
	  .flags = SET, .args = "N", .parse = h_conntrack_size },
	{ .word = "table-size", .verb = CMD_TABLE_SIZE, .ctx = CFG,
	  .flags = SET, .args = "N", .parse = h_table_size },
	{ .word = "udp-timeout", .verb = CMD_UDP_TIMEOUT, .ctx = CFG,
	  .flags = SET, .args = "DURATION", .parse = h_udp_timeout },
	{ .word = "flood-rate", .verb = CMD_FLOOD_RATE, .ctx = CFG,
	  .flags = SET, .args = "N", .parse = h_flood_rate },
	{ .word = "gue-port", .verb = CMD_GUE_PORT, .ctx = CFG,
	  .flags = SET, .args = "N", .parse = h_gue_port },
	{ 0 },
};

/* A node is a leaf where its own ctx allows, a group elsewhere. */
static unsigned int node_ctx(const struct cmd_node *n)
{
	unsigned int ctx = n->ctx;

	if (!n->sub)
		return n->ctx;
	for (n = n->sub; n->word; n++)
		ctx |= node_ctx(n);
	return ctx;
}

/* "vip backend status ..." : the words valid in ctx at this level. */
static void valid_words(const struct cmd_node *nodes, unsigned int ctx,
			char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (; nodes->word && off < len; nodes++) {
		if (!(node_ctx(nodes) & ctx))
			continue;
		off += snprintf(buf + off, len - off, "%s%s", off ? " " : "",
				nodes->word);
	}
}

int cmd_parse(int argc, char *const *argv, unsigned int ctx, struct cmd *out,
	      char *err, size_t errlen)
{
	struct cmd_parser p = {
		.argc = argc, .argv = argv, .err = err, .errlen = errlen,
	};
	const struct cmd_node *nodes = top_nodes, *n;
	char path[64] = "", valid[256];
	struct cmd c = { 0 };
	int ret;

	if (errlen)
		err[0] = '\0';
	/*
	 * Whatever the transport, a command is one a config file could hold
	 * and save could write back: no empty word, no blank inside one, no
	 * word that a file would read as the start of a comment.
	 */
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (!*w || *w == '#' || w[strcspn(w, " \t\r\n\v\f")]) {
			seterr(&p, "bad word '%s'; a word is not empty, "
			       "holds no blank and does not start with '#'",
			       Q(w));
			return -EINVAL;
		}
	}
	for (;;) {
		valid_words(nodes, ctx, valid, sizeof(valid));
		if (p.i >= argc) {
			if (p.i == 0)
				seterr(&p, "missing command; expected one "
				       "of: %s", valid);
			else
				seterr(&p, "missing word after '%s'; expected "
				       "one of: %s", path, valid);
			return -EINVAL;
		}
		for (n = nodes; n->word; n++)
			if (!n->any && !strcmp(n->word, argv[p.i]))
				break;
		if (!n->word)
			for (n = nodes; n->word; n++)
				if (n->any && (node_ctx(n) & ctx))
					break;
		if (!n->word) {
			seterr(&p, "unknown word '%s'; expected one of: %s",
			       Q(argv[p.i]), valid);
			return -EINVAL;
		}
		if (n->any)
			break;	/* the handler takes the word */
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
			 "%s%s", p.i ? " " : "", n->word);
		p.i++;
		if (!(node_ctx(n) & ctx)) {
			if (ctx & CMD_CTX_CONFIG)
				seterr(&p, "'%s' is not allowed in a config "
				       "file", path);
			else
				seterr(&p, "'%s' is only allowed in the config "
				       "file", path);
			return -EINVAL;
		}
		if (!n->sub || (n->parse && (n->ctx & ctx)))
			break;
		nodes = n->sub;
	}
	c.verb = n->verb;
	p.path = path;
	p.args = n->args;
	if ((ctx & CMD_CTX_CONFIG) && n->cfg_parse) {
		c.verb = n->cfg_verb;
		p.args = n->cfg_args;
		ret = n->cfg_parse(&p, &c);
	} else {
		ret = n->parse(&p, &c);
	}
	if (ret)
		return ret;
	*out = c;
	return 0;
}

int cmd_split(char *line, char **argv, int maxargs)
{
	int argc = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' ||
		       *s == '\v' || *s == '\f')
			s++;
		if (!*s || *s == '#')
			break;
		if (argc == maxargs)
			return -E2BIG;
		argv[argc++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' &&
		       *s != '\n' && *s != '\v' && *s != '\f')
			s++;
		if (!*s)
			break;
		*s++ = '\0';
	}
	return argc;
}

static void usage_add(char *buf, size_t len, size_t *off, const char *pfx,
		      const struct cmd_node *nodes)
{
	char path[64];

	for (; nodes->word; nodes++) {
		snprintf(path, sizeof(path), "%s%s%s", pfx, *pfx ? " " : "",
			 nodes->word);
		if (nodes->sub) {
			usage_add(buf, len, off, path, nodes->sub);
		} else if ((nodes->ctx & CMD_CTX_RUNTIME) && *off < len) {
			*off += snprintf(buf + *off, len - *off,
					 "  %s%s%s\n      %s\n", path,
					 *nodes->args ? " " : "", nodes->args,
					 nodes->help ? nodes->help : "");
		}
	}
}

const char *cmd_usage(void)
{
	static char buf[4096];
	size_t off = 0;

	if (!buf[0])
		usage_add(buf, sizeof(buf), &off, "", top_nodes);
	return buf;
}

static void walk(const struct cmd_node *nodes, cmd_walk_fn fn, void *arg)
{
	const struct cmd_node *n;

	for (n = nodes; n->word; n++) {
		if (n->parse && n->cfg_parse) {
			fn(arg, n->verb, n->ctx & ~CMD_CTX_CONFIG, n->flags);
			fn(arg, n->cfg_verb, CMD_CTX_CONFIG, n->cfg_flags);
		} else if (n->parse) {
			fn(arg, n->verb, n->ctx, n->flags);
		}
		if (n->sub)
			walk(n->sub, fn, arg);
	}
}

void cmd_walk(cmd_walk_fn fn, void *arg)
{
	walk(top_nodes, fn, arg);
}

struct verb_flags {
	enum cmd_verb verb;
	unsigned int flags;
};

static void find_flags(void *arg, enum cmd_verb verb, unsigned int ctx,
		       unsigned int flags)
{
	struct verb_flags *vf = arg;

	(void)ctx;
	if (verb == vf->verb)
		vf->flags = flags;
}

/* A verb's entries agree on its flags (test_cmd checks), so any will do. */
static unsigned int verb_flags(enum cmd_verb verb)
{
	struct verb_flags vf = { .verb = verb };

	cmd_walk(find_flags, &vf);
	return vf.flags;
}

bool cmd_verb_mutates(enum cmd_verb verb)
{
	return verb_flags(verb) & CMD_F_MUTATES;
}

bool cmd_verb_is_setting(enum cmd_verb verb)
{
	return verb_flags(verb) & CMD_F_SETTING;
}
