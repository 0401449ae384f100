// SPDX-License-Identifier: GPL-2.0
/* Reply data as aligned tables for people. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_print.h"

#define TABLE_COLS	8
#define CELL_MAX	64

struct table {
	int ncols;
	const char *align;	/* per column: 'l' left, 'r' right */
	const char *indent;
	char (*cells)[TABLE_COLS][CELL_MAX];
	size_t nrows, cap;
};

static int table_row(struct table *t, ...)
{
	va_list ap;
	int i;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		void *p = realloc(t->cells, ncap * sizeof(*t->cells));

		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap = ncap;
	}
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		snprintf(t->cells[t->nrows][i], CELL_MAX, "%s",
			 va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
	return 0;
}

static void table_print(struct table *t, FILE *f)
{
	size_t w[TABLE_COLS] = { 0 }, r;
	int i;

	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			if (strlen(t->cells[r][i]) > w[i])
				w[i] = strlen(t->cells[r][i]);
	for (r = 0; r < t->nrows; r++) {
		fputs(t->indent, f);
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r][i];
			int last = i == t->ncols - 1;

			if (t->align[i] == 'r')
				fprintf(f, "%*s", (int)w[i], c);
			else
				fprintf(f, "%-*s", last ? 0 : (int)w[i], c);
			fputs(last ? "\n" : "  ", f);
		}
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* A field as text: strings as they are, numbers in decimal, booleans as
 * yes/no, anything else "-". */
static const char *field(struct json_object *o, const char *key, char *buf,
			 size_t len)
{
	struct json_object *v;

	snprintf(buf, len, "-");
	if (!json_object_object_get_ex(o, key, &v))
		return buf;
	switch (json_object_get_type(v)) {
	case json_type_string:
		snprintf(buf, len, "%s", json_object_get_string(v));
		break;
	case json_type_int:
		if (json_object_get_int64(v) < 0 &&
		    json_object_get_uint64(v) == 0)
			snprintf(buf, len, "%" PRId64,
				 json_object_get_int64(v));
		else
			snprintf(buf, len, "%" PRIu64,
				 json_object_get_uint64(v));
		break;
	case json_type_boolean:
		snprintf(buf, len, "%s",
			 json_object_get_boolean(v) ? "yes" : "no");
		break;
	default:
		break;
	}
	return buf;
}

#define F(o, key)	field((o), (key), (char[CELL_MAX]){ 0 }, CELL_MAX)

static struct json_object *array(struct json_object *o, const char *key)
{
	struct json_object *a;

	if (!json_object_object_get_ex(o, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	return a;
}

static int print_vips(struct json_object *data, FILE *f)
{
	struct table t = { .ncols = 5, .align = "lllll", .indent = "" };
	struct json_object *a = array(data, "vips");
	size_t i, n = a ? json_object_array_length(a) : 0;
	int err;

	if (!n) {
		fputs("no VIPs\n", f);
		return 0;
	}
	err = table_row(&t, "PROTO", "VIP", "MODE", "STICKY", "BACKENDS");
	for (i = 0; i < n && !err; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		err = table_row(&t, F(v, "proto"), F(v, "vip"), F(v, "mode"),
				F(v, "sticky"), F(v, "backends"));
	}
	table_print(&t, f);
	return err;
}

/* A VIP whose backends are all down says so before anything else. */
static void print_vip_health(struct json_object *v, FILE *f)
{
	const char *h = F(v, "health");

	if (!strcmp(h, "fail-open"))
		fprintf(f, "  !! every backend is down: failing open, the "
			"last table is kept\n");
	else if (!strcmp(h, "fail-closed"))
		fprintf(f, "  !! every backend is down: fail-closed, packets "
			"are dropped\n");
}

static int print_status(struct json_object *data, FILE *f)
{
	struct table t = { .ncols = 8, .align = "llrrlrrr", .indent = "  " };
	struct json_object *a = array(data, "vips"), *ft;
	size_t i, j, n = a ? json_object_array_length(a) : 0;
	int err = 0;

	fprintf(f, "interface %s (%s)\n", F(data, "interface"),
		F(data, "attach_mode"));
	if (json_object_object_get_ex(data, "flow_table", &ft))
		fprintf(f, "flow table %s slots: %s used, %s live; evicted %s, "
			"untracked %s, moved %s, remote hits %s\n",
			F(ft, "slots"), F(ft, "used"), F(ft, "live"),
			F(ft, "evictions"), F(ft, "untracked"), F(ft, "moves"),
			F(ft, "remote_hits"));
	if (!n)
		fputs("no VIPs\n", f);
	for (i = 0; i < n && !err; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		struct json_object *b = array(v, "backends");
		size_t nb = b ? json_object_array_length(b) : 0;

		fprintf(f, "\nVIP %s %s  mode %s  sticky %s  packets %s  "
			"bytes %s\n", F(v, "proto"), F(v, "vip"), F(v, "mode"),
			F(v, "sticky"), F(v, "packets"), F(v, "bytes"));
		print_vip_health(v, f);
		if (!nb) {
			fputs("  no backends\n", f);
			continue;
		}
		err = table_row(&t, "BACKEND", "STATE", "WEIGHT", "EFFECTIVE",
				"HEALTH", "FLOWS", "PACKETS", "BYTES");
		for (j = 0; j < nb && !err; j++) {
			struct json_object *e = json_object_array_get_idx(b, j);

			err = table_row(&t, F(e, "addr"), F(e, "state"),
					F(e, "weight"),
					F(e, "effective_weight"),
					F(e, "health"), F(e, "flows"),
					F(e, "packets"), F(e, "bytes"));
		}
		table_print(&t, f);
	}
	return err;
}

/* "1.2s ago" from milliseconds, "never" without a change. */
static const char *ago(struct json_object *o, char *buf, size_t len)
{
	struct json_object *v;
	__u64 ms;

	if (!json_object_object_get_ex(o, "changed_ago_ms", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		snprintf(buf, len, "never");
		return buf;
	}
	ms = json_object_get_uint64(v);
	if (ms < 10000)
		snprintf(buf, len, "%llu.%llus ago",
			 (unsigned long long)ms / 1000,
			 (unsigned long long)ms % 1000 / 100);
	else
		snprintf(buf, len, "%llus ago", (unsigned long long)ms / 1000);
	return buf;
}

static int print_health(struct json_object *data, FILE *f)
{
	struct table t = { .ncols = 8, .align = "llrlrlll", .indent = "  " };
	struct json_object *a = array(data, "vips"), *c;
	size_t i, j, n = a ? json_object_array_length(a) : 0;
	char lat[CELL_MAX], when[CELL_MAX];
	int err = 0;

	if (!n)
		fputs("no VIPs\n", f);
	for (i = 0; i < n && !err; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		struct json_object *b = array(v, "backends");
		size_t nb = b ? json_object_array_length(b) : 0;

		fprintf(f, "%sVIP %s %s  health %s  up %s of %zu\n",
			i ? "\n" : "", F(v, "proto"), F(v, "vip"),
			F(v, "health"), F(v, "backends_up"), nb);
		if (json_object_object_get_ex(v, "check", &c) &&
		    strcmp(F(c, "kind"), "none"))
			fprintf(f, "  check %s port %s interval %sms timeout "
				"%sms rise %s fall %s, all down: %s\n",
				F(c, "kind"), F(c, "port"), F(c, "interval_ms"),
				F(c, "timeout_ms"), F(c, "rise"), F(c, "fall"),
				F(c, "all_down"));
		else
			fputs("  no check\n", f);
		if (json_object_object_get_ex(v, "agent", &c))
			fprintf(f, "  agent port %s interval %sms, weight "
				"changes at least %sms apart and %s%% large\n",
				F(c, "port"), F(c, "interval_ms"),
				F(c, "damp_interval_ms"),
				F(c, "damp_change_pct"));
		print_vip_health(v, f);
		if (!nb)
			continue;
		err = table_row(&t, "BACKEND", "HEALTH", "IN_ROW",
				"LAST_CHECK", "LATENCY", "CHANGED", "WEIGHT",
				"AGENT");
		for (j = 0; j < nb && !err; j++) {
			struct json_object *e = json_object_array_get_idx(b, j);
			char w[CELL_MAX];

			snprintf(lat, sizeof(lat), "%sms", F(e, "latency_ms"));
			snprintf(w, sizeof(w), "%s/%s",
				 F(e, "effective_weight"), F(e, "weight"));
			err = table_row(&t, F(e, "addr"), F(e, "health"),
					F(e, "consecutive"), F(e, "last_check"),
					lat, ago(e, when, sizeof(when)), w,
					F(e, "agent"));
		}
		table_print(&t, f);
	}
	return err;
}

/* The drop reasons with a count, "ttl 3, vrid 1", or "none". */
static void drops_str(struct json_object *e, char *buf, size_t len)
{
	struct json_object *d;
	size_t off = 0;

	buf[0] = '\0';
	if (json_object_object_get_ex(e, "drops", &d) &&
	    json_object_is_type(d, json_type_object)) {
		json_object_object_foreach(d, k, v) {
			if (!json_object_is_type(v, json_type_int) ||
			    json_object_get_int64(v) <= 0 || off >= len)
				continue;
			off += snprintf(buf + off, len - off, "%s%s %" PRId64,
					off ? ", " : "", k,
					json_object_get_int64(v));
		}
	}
	if (!off)
		snprintf(buf, len, "none");
}

static int print_vrrp(struct json_object *data, FILE *f)
{
	struct table t = { .ncols = 8, .align = "lllrlrrr", .indent = "" };
	struct json_object *a = array(data, "instances");
	size_t i, j, n = a ? json_object_array_length(a) : 0;
	char drops[256];
	int err;

	if (!n) {
		fputs("no VRRP instances\n", f);
		return 0;
	}
	err = table_row(&t, "VRID", "FAMILY", "STATE", "PRIO", "MASTER",
			"ADVERT_MS", "TRANSITIONS", "DROPPED");
	for (i = 0; i < n && !err; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		err = table_row(&t, F(e, "vrid"), F(e, "family"),
				F(e, "state"), F(e, "priority"),
				F(e, "master"), F(e, "advert_ms"),
				F(e, "transitions"), F(e, "dropped"));
	}
	table_print(&t, f);
	for (i = 0; i < n && !err; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct json_object *ad = array(e, "addresses");
		size_t na = ad ? json_object_array_length(ad) : 0;

		fprintf(f, "vrrp %s %s on %s: addresses", F(e, "vrid"),
			F(e, "family"), F(e, "interface"));
		for (j = 0; j < na; j++) {
			struct json_object *x = json_object_array_get_idx(ad,
									  j);

			fprintf(f, " %s", json_object_is_type(x,
				json_type_string) ? json_object_get_string(x) :
				"-");
		}
		drops_str(e, drops, sizeof(drops));
		fprintf(f, "; dropped: %s\n", drops);
	}
	return err;
}

int ctl_print(enum cmd_verb verb, struct json_object *data, FILE *f)
{
	struct json_object *v;
	int err = 0;

	switch (verb) {
	case CMD_VIP_LIST:
		err = print_vips(data, f);
		break;
	case CMD_STATUS:
		err = print_status(data, f);
		break;
	case CMD_STATS:
		if (json_object_object_get_ex(data, "text", &v) &&
		    json_object_is_type(v, json_type_string))
			fputs(json_object_get_string(v), f);
		break;
	case CMD_HEALTH_SHOW:
		err = print_health(data, f);
		break;
	case CMD_VRRP_SHOW:
		err = print_vrrp(data, f);
		break;
	case CMD_SAVE:
		if (json_object_object_get_ex(data, "config", &v) &&
		    json_object_is_type(v, json_type_string)) {
			const char *s = json_object_get_string(v);
			size_t len = strlen(s);

			fputs(s, f);
			if (len && s[len - 1] != '\n')
				fputc('\n', f);
		}
		break;
	default:
		if (json_object_object_get_ex(data, "message", &v) &&
		    json_object_is_type(v, json_type_string))
			fprintf(f, "%s\n", json_object_get_string(v));
		break;
	}
	fflush(f);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}

/* --- streams -------------------------------------------------------------- */

#define FLOW_COLS	6

static const char *const flow_head[FLOW_COLS] = {
	"PROTO", "CLIENT", "VIP", "BACKEND", "STATE", "IDLE_MS",
};
/* Widths that fit any IPv4 flow ("255.255.255.255:65535"): rows line up
 * without waiting for the widest. */
static const size_t flow_width[FLOW_COLS] = { 5, 21, 21, 15, 7, 7 };
static const char flow_align[FLOW_COLS + 1] = "lllllr";

struct ctl_printer {
	FILE *f;
	bool json;
	bool flows;			/* text: the flows table */
	unsigned long long n;		/* items printed */
	size_t w[FLOW_COLS];		/* the table's widths so far */
};

struct ctl_printer *ctl_printer_new(const char *name, bool json, FILE *f)
{
	struct ctl_printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->f = f;
	p->json = json;
	p->flows = !strcmp(name, "flows");
	memcpy(p->w, flow_width, sizeof(p->w));
	/* The name is [a-z][a-z0-9-]* (ctl_proto.h): no escaping. */
	if (json)
		fprintf(f, "{\n  \"%s\": [", name);
	return p;
}

static int printer_status(struct ctl_printer *p)
{
	return ferror(p->f) ? -EIO : 0;
}

/* A row of the flows table; a cell wider than its column widens it. */
static void flow_row(struct ctl_printer *p, const char *const *cells)
{
	int i;

	for (i = 0; i < FLOW_COLS; i++) {
		size_t len = strlen(cells[i]);
		bool last = i == FLOW_COLS - 1;

		if (len > p->w[i])
			p->w[i] = len;
		if (flow_align[i] == 'r')
			fprintf(p->f, "%*s", (int)p->w[i], cells[i]);
		else
			fprintf(p->f, "%-*s", last ? 0 : (int)p->w[i],
				cells[i]);
		fputs(last ? "\n" : "  ", p->f);
	}
}

static void flow_item(struct ctl_printer *p, struct json_object *e)
{
	char b[FLOW_COLS][CELL_MAX];
	const char *cells[FLOW_COLS];
	struct json_object *c;

	if (!p->n)
		flow_row(p, flow_head);
	cells[0] = field(e, "proto", b[0], CELL_MAX);
	cells[1] = field(e, "client", b[1], CELL_MAX);
	cells[2] = field(e, "vip", b[2], CELL_MAX);
	cells[3] = field(e, "backend", b[3], CELL_MAX);
	cells[4] = "-";
	if (json_object_object_get_ex(e, "closing", &c) &&
	    json_object_is_type(c, json_type_boolean))
		cells[4] = json_object_get_boolean(c) ? "closing" : "open";
	cells[5] = field(e, "idle_ms", b[5], CELL_MAX);
	flow_row(p, cells);
}

int ctl_printer_item(struct ctl_printer *p, struct json_object *item)
{
	if (p->json)
		fprintf(p->f, "%s\n    %s", p->n ? "," : "",
			json_object_to_json_string_ext(item,
				JSON_C_TO_STRING_SPACED |
				JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (p->flows)
		flow_item(p, item);
	else
		fprintf(p->f, "%s\n", json_object_to_json_string_ext(item,
			JSON_C_TO_STRING_PLAIN |
			JSON_C_TO_STRING_NOSLASHESCAPE));
	p->n++;
	return printer_status(p);
}

int ctl_printer_end(struct ctl_printer *p, unsigned long long count,
		    bool truncated)
{
	if (p->json) {
		fprintf(p->f, "\n  ],\n  \"count\": %llu,\n  \"truncated\": "
			"%s\n}\n", count, truncated ? "true" : "false");
	} else if (p->flows) {
		if (!count)
			fputs("no flows\n", p->f);
		else
			fprintf(p->f, "(%llu flow%s%s)\n", count,
				count == 1 ? "" : "s", truncated ?
				", limit reached: more are not shown" : "");
	}
	fflush(p->f);
	return printer_status(p);
}

int ctl_printer_fail(struct ctl_printer *p, const char *msg)
{
	struct json_object *s;

	if (p->json) {
		s = json_object_new_string(msg);
		fprintf(p->f, "\n  ],\n  \"error\": %s\n}\n", s ?
			json_object_to_json_string_ext(s,
				JSON_C_TO_STRING_NOSLASHESCAPE) :
			"\"out of memory\"");
		json_object_put(s);
	}
	fflush(p->f);
	return printer_status(p);
}

void ctl_printer_free(struct ctl_printer *p)
{
	free(p);
}
