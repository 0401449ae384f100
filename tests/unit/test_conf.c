// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration model: parsing files (exact FILE:LINE messages),
 * applying changes (a refused change leaves the model as it was), writing
 * and reading back (parse(write(c)) == c, also for random models).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "conf.h"
#include "xlb.h"

static const char sample[] =
	"# an xlb config\n"
	"interface eth0 generic\n"
	"hash-seed 7\n"
	"\n"
	"encap-source 198.18.0.1\n"
	"encap-source 2001:db8::1   # for IPv6 backends\n"
	"conntrack-size 2048\r\n"
	"table-size 13\n"
	"udp-timeout 2m\n"
	"stats /run/xlb/xlb.prom interval 250ms\n"
	"vip add tcp 198.18.0.100:80 sticky\n"
	"backend add tcp 198.18.0.100:80 198.18.0.11 weight 50\n"
	"backend add tcp 198.18.0.100:80 2001:db8::12\n"
	"backend drain tcp 198.18.0.100:80 198.18.0.11 timeout 90s\n"
	"vip add udp [2001:db8::100]:53 mode ipip\n"
	"backend add udp [2001:db8::100]:53 198.18.0.21\n"
	"backend weight udp [2001:db8::100]:53 198.18.0.21 0\n"
	"\tbackend add udp [2001:db8::100]:53 198.18.0.22\n"
	"backend drain udp [2001:db8::100]:53 198.18.0.22";

static const char sample_written[] =
	"interface eth0 generic\n"
	"hash-seed 7\n"
	"encap-source 198.18.0.1\n"
	"encap-source 2001:db8::1\n"
	"conntrack-size 2048\n"
	"table-size 13\n"
	"udp-timeout 2m\n"
	"stats /run/xlb/xlb.prom interval 250ms\n"
	"\n"
	"vip add tcp 198.18.0.100:80 sticky mode ipip\n"
	"backend add tcp 198.18.0.100:80 198.18.0.11 weight 50\n"
	"backend drain tcp 198.18.0.100:80 198.18.0.11 timeout 90s\n"
	"backend add tcp 198.18.0.100:80 2001:db8::12 weight 100\n"
	"\n"
	"vip add udp [2001:db8::100]:53 mode ipip\n"
	"backend add udp [2001:db8::100]:53 198.18.0.21 weight 0\n"
	"backend add udp [2001:db8::100]:53 198.18.0.22 weight 100\n"
	"backend drain udp [2001:db8::100]:53 198.18.0.22\n";

/* conf_write into a malloc'd string. */
static char *write_str(const struct conf *c, bool objects_only)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(conf_write(c, f, objects_only), 0);
	fclose(f);
	return buf;
}

static void parse_ok(const char *text, struct conf *c)
{
	char err[512] = "";

	if (conf_parse_text("t.conf", text, c, err, sizeof(err)))
		fail_msg("parse failed: %s", err);
}

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void test_parse_sample(void **state)
{
	struct conf c;
	struct conf_vip *v;
	struct conf_backend *be;
	struct ip_addr a;
	char buf[ADDR_STRLEN];

	(void)state;
	parse_ok(sample, &c);
	assert_string_equal(c.iface, "eth0");
	assert_true(c.generic);
	assert_int_equal(c.hash_seed, 7);
	assert_string_equal(addr_str(&c.encap_src4, buf, sizeof(buf)),
			    "198.18.0.1");
	assert_string_equal(addr_str(&c.encap_src6, buf, sizeof(buf)),
			    "2001:db8::1");
	assert_int_equal(c.conntrack_size, 2048);
	assert_int_equal(c.table_size, 13);
	assert_int_equal(c.udp_timeout_ms, 120000);
	assert_string_equal(c.stats_path, "/run/xlb/xlb.prom");
	assert_int_equal(c.stats_interval_ms, 250);
	assert_int_equal(c.n_vips, 2);

	a = ip("198.18.0.100");
	v = conf_vip_find(&c, IPPROTO_TCP, &a, 80);
	assert_ptr_equal(v, &c.vips[0]);
	assert_null(conf_vip_find(&c, IPPROTO_UDP, &a, 80));
	assert_null(conf_vip_find(&c, IPPROTO_TCP, &a, 81));
	assert_int_equal(v->flags, XLB_VIP_F_STICKY);
	assert_int_equal(v->mode, XLB_MODE_IPIP);
	assert_int_equal(v->n_be, 2);
	a = ip("198.18.0.11");
	be = conf_backend_find(v, &a);
	assert_ptr_equal(be, &v->be[0]);
	assert_int_equal(be->weight, 50);
	assert_true(be->draining);
	assert_int_equal(be->drain_timeout_ms, 90000);
	assert_int_equal(v->be[1].weight, 100);
	assert_false(v->be[1].draining);
	assert_int_equal(v->be[1].addr.family, XLB_AF_INET6);

	v = &c.vips[1];
	assert_int_equal(v->proto, IPPROTO_UDP);
	assert_int_equal(v->port, 53);
	assert_int_equal(v->flags, 0);
	assert_int_equal(v->be[0].weight, 0);
	assert_true(v->be[1].draining);
	assert_int_equal(v->be[1].drain_timeout_ms, 0);
	conf_free(&c);
}

static void test_defaults(void **state)
{
	struct conf c;
	char *s;

	(void)state;
	parse_ok("interface lb0\n", &c);
	assert_int_equal(c.hash_seed, 0);
	assert_int_equal(c.conntrack_size, XLB_CONNTRACK_DEFAULT);
	assert_int_equal(c.table_size, XLB_RING_SIZE_DEFAULT);
	assert_int_equal(c.udp_timeout_ms, 30000);
	assert_string_equal(c.stats_path, "");
	assert_int_equal(c.stats_interval_ms, 5000);
	assert_int_equal(c.encap_src4.family, 0);
	assert_int_equal(c.encap_src6.family, 0);
	assert_false(c.generic);
	assert_int_equal(c.n_vips, 0);
	s = write_str(&c, false);
	assert_string_equal(s, "interface lb0\nhash-seed 0\n"
			    "conntrack-size 4194304\ntable-size 65537\n"
			    "udp-timeout 30s\n");
	free(s);
	conf_free(&c);
}

static void test_write_exact(void **state)
{
	struct conf c, d;
	char *s, *t;

	(void)state;
	parse_ok(sample, &c);
	s = write_str(&c, false);
	assert_string_equal(s, sample_written);
	parse_ok(s, &d);
	assert_true(conf_equal(&c, &d));
	t = write_str(&d, false);
	assert_string_equal(s, t);
	free(t);
	/* Objects only: from the first "vip add" on, no blank line first. */
	t = write_str(&c, true);
	assert_string_equal(t, strstr(sample_written, "\n\n") + 2);
	free(t);
	free(s);
	conf_free(&d);
	conf_free(&c);
}

/* What conf_write starts a file with on eth1 with the defaults. */
#define WRITTEN_HEAD \
	"interface eth1\n" \
	"hash-seed 0\n" \
	"encap-source 198.18.0.2\n" \
	"conntrack-size 4194304\n" \
	"table-size 65537\n" \
	"udp-timeout 30s\n"

/* Modes, the flood guard and the GUE port round-trip. */
static void test_modes_write(void **state)
{
	static const char text[] =
		WRITTEN_HEAD
		"flood-rate 5000\n"
		"gue-port 7777\n"
		"\n"
		"vip add tcp 198.18.0.100:80 mode gue\n"
		"backend add tcp 198.18.0.100:80 198.18.0.11 weight 100\n"
		"\n"
		"vip add udp 198.18.0.100:53 sticky mode l2\n"
		"backend add udp 198.18.0.100:53 198.18.0.12 weight 100\n"
		"\n"
		"vip add tcp [2001:db8::100]:80 mode ipip\n";
	struct conf c, d;
	char *s;

	(void)state;
	parse_ok(text, &c);
	assert_int_equal(c.flood_rate, 5000);
	assert_int_equal(c.gue_port, 7777);
	assert_int_equal(c.vips[0].mode, XLB_MODE_GUE);
	assert_int_equal(c.vips[1].mode, XLB_MODE_L2);
	assert_int_equal(c.vips[2].mode, XLB_MODE_IPIP);
	s = write_str(&c, false);
	assert_string_equal(s, text);
	parse_ok(s, &d);
	assert_true(conf_equal(&c, &d));
	d.vips[0].mode = XLB_MODE_IPIP;
	assert_false(conf_equal(&c, &d));
	free(s);
	conf_free(&d);
	conf_free(&c);
	/* An l2 VIP's backends need no encap-source. */
	parse_ok("interface eth1\nvip add tcp 198.18.0.100:80 mode l2\n"
		 "backend add tcp 198.18.0.100:80 198.18.0.11\n", &c);
	conf_free(&c);
	/* Defaults: no guard, port 6080, neither written. */
	parse_ok("interface eth1\n", &c);
	assert_int_equal(c.flood_rate, 0);
	assert_int_equal(c.gue_port, XLB_GUE_PORT_DEFAULT);
	s = write_str(&c, false);
	assert_null(strstr(s, "flood-rate"));
	assert_null(strstr(s, "gue-port"));
	free(s);
	conf_free(&c);
}

/* Health and agent statements write back what was given, nothing else;
 * the damper's settings among them. */
static void test_health_write(void **state)
{
	static const char text[] =
		WRITTEN_HEAD
		"\n"
		"vip add tcp 198.18.0.100:80 mode ipip\n"
		"backend add tcp 198.18.0.100:80 198.18.0.11 weight 100\n"
		"health tcp 198.18.0.100:80 http interval 500ms path /h\n"
		"agent tcp 198.18.0.100:80 port 4444 interval 2s "
		"damp-interval 30s damp-change 25%\n"
		"\n"
		"vip add tcp 198.18.0.101:80 mode ipip\n"
		"agent tcp 198.18.0.101:80 port 4444 damp-change 1%\n"
		"\n"
		"vip add tcp 198.18.0.102:80 mode ipip\n"
		"agent tcp 198.18.0.102:80 port 4444 damp-interval 1500ms\n"
		"\n"
		"vip add tcp 198.18.0.103:80 mode ipip\n"
		"agent tcp 198.18.0.103:80 port 4444\n";
	struct conf c, d;
	char err[256], *s;
	struct cmd cmd;

	(void)state;
	parse_ok(text, &c);
	assert_int_equal(c.vips[0].agent.damp_interval_ms, 30000);
	assert_int_equal(c.vips[0].agent.damp_change_pct, 25);
	assert_int_equal(c.vips[1].agent.damp_interval_ms, 0);
	assert_int_equal(c.vips[1].agent.damp_change_pct, 1);
	assert_int_equal(c.vips[2].agent.damp_interval_ms, 1500);
	assert_int_equal(c.vips[3].agent.damp_change_pct, 0);
	s = write_str(&c, false);
	assert_string_equal(s, text);
	parse_ok(s, &d);
	assert_true(conf_equal(&c, &d));
	d.vips[1].agent.damp_change_pct = 2;
	assert_false(conf_equal(&c, &d));
	d.vips[1].agent.damp_change_pct = 1;
	d.vips[2].agent.damp_interval_ms = 1501;
	assert_false(conf_equal(&c, &d));
	free(s);
	conf_free(&d);

	/* The model refuses settings the grammar cannot produce, and
	 * stays as it was. */
	assert_int_equal(conf_copy(&d, &c), 0);
	memset(&cmd, 0, sizeof(cmd));
	cmd.verb = CMD_AGENT_SET;
	cmd.proto = IPPROTO_TCP;
	cmd.vip = ip("198.18.0.103");
	cmd.port = 80;
	cmd.agent.port = 4444;
	cmd.agent.damp_change_pct = HEALTH_DAMP_CHANGE_PCT_MAX + 1;
	assert_int_equal(conf_apply(&c, &cmd, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad agent settings for VIP tcp "
			    "198.18.0.103:80");
	cmd.agent.damp_change_pct = 0;
	cmd.agent.damp_interval_ms = HEALTH_DAMP_INTERVAL_MS_MAX + 1;
	assert_int_equal(conf_apply(&c, &cmd, err, sizeof(err)), -EINVAL);
	assert_true(conf_equal(&c, &d));
	cmd.agent.damp_interval_ms = HEALTH_DAMP_INTERVAL_MS_MAX;
	assert_int_equal(conf_apply(&c, &cmd, err, sizeof(err)), 0);
	assert_int_equal(c.vips[3].agent.damp_interval_ms, 3600000);
	conf_free(&d);
	conf_free(&c);
}

/* Encap sources may follow the backends that need them. */
static void test_encap_later(void **state)
{
	struct conf c;

	(void)state;
	parse_ok("vip add tcp 198.18.0.100:80\n"
		 "backend add tcp 198.18.0.100:80 2001:db8::11\n"
		 "interface eth0\n"
		 "encap-source 2001:db8::1\n", &c);
	assert_int_equal(c.vips[0].n_be, 1);
	conf_free(&c);
}

struct bad_file {
	const char *text;
	int ret;
	const char *msg;
};

#define HEAD	"interface eth0\nencap-source 198.18.0.1\n" \
		"vip add tcp 198.18.0.100:80\n"
#define BE	"backend add tcp 198.18.0.100:80 "

static const struct bad_file bad_files[] = {
	{ "", -EINVAL, "t.conf: missing 'interface' statement" },
	{ "# nothing\n\n", -EINVAL, "t.conf: missing 'interface' statement" },
	{ "interface eth0\ninterface eth1\n", -EINVAL,
	  "t.conf:2: 'interface' already set on line 1" },
	{ "interface eth0\n\nhash-seed 1\n# c\nhash-seed 2\n", -EINVAL,
	  "t.conf:5: 'hash-seed' already set on line 3" },
	{ "interface eth0\nencap-source 198.18.0.1\n"
	  "encap-source 2001:db8::1\nencap-source 198.18.0.2\n", -EINVAL,
	  "t.conf:4: IPv4 encap-source already set on line 2" },
	{ "interface eth0\nfrontend x\n", -EINVAL,
	  "t.conf:2: unknown word 'frontend'; expected one of: vip backend "
	  "health agent vrrp stats interface hash-seed encap-source "
	  "conntrack-size table-size udp-timeout flood-rate gue-port" },
	{ "interface eth0\nstats /a.prom\n\nstats /b.prom interval 1s\n",
	  -EINVAL, "t.conf:4: 'stats' already set on line 2" },
	{ "interface eth0\nstats\n", -EINVAL, "t.conf:2: missing FILE; "
	  "usage: stats FILE [interval DURATION]" },
	{ "interface eth0\nstats xlb.prom\n", -EINVAL, "t.conf:2: bad stats "
	  "file 'xlb.prom'; expected an absolute path to a file, e.g. "
	  "/var/lib/node_exporter/xlb.prom" },
	{ "interface eth0\nstats /a.prom interval 5ms\n", -EINVAL,
	  "t.conf:2: bad interval '5ms'; expected 10ms..1h" },
	{ "interface eth0\nstats /a.prom every 5s\n", -EINVAL,
	  "t.conf:2: unknown word 'every'; expected one of: interval" },
	{ "interface eth0\r\n\r\nstatus\r\n", -EINVAL,
	  "t.conf:3: 'status' is not allowed in a config file" },
	{ HEAD BE "198.18.0.11\nbackend add tcp 198.18.0.100:81 198.18.0.12\n",
	  -ENOENT, "t.conf:5: no such VIP tcp 198.18.0.100:81" },
	{ HEAD "vip add tcp 198.18.0.100:80 sticky\n", -EEXIST,
	  "t.conf:4: VIP tcp 198.18.0.100:80 already exists" },
	{ HEAD BE "198.18.0.11\n" BE "198.18.0.11 weight 3\n", -EEXIST,
	  "t.conf:5: backend 198.18.0.11 already exists for VIP "
	  "tcp 198.18.0.100:80" },
	{ HEAD BE "198.18.0.11\nbackend weight tcp 198.18.0.100:80 "
	  "198.18.0.12 5\n", -ENOENT, "t.conf:5: no such backend 198.18.0.12 "
	  "for VIP tcp 198.18.0.100:80" },
	{ HEAD BE "198.18.0.11\n" BE "2001:db8::11\n" BE "2001:db8::12\n",
	  -EINVAL, "t.conf:5: no IPv6 encap-source for backend 2001:db8::11" },
	{ "interface eth0\nencap-source 2001:db8::1\n"
	  "vip add tcp [2001:db8::100]:80\n"
	  "backend add tcp [2001:db8::100]:80 2001:db8::11\n"
	  "backend add tcp [2001:db8::100]:80 198.18.0.11\n", -EINVAL,
	  "t.conf:5: no IPv4 encap-source for backend 198.18.0.11" },
	{ "table-size 3\n" HEAD BE "198.18.0.11\n" BE "198.18.0.12\n"
	  BE "198.18.0.13\n", -ENOSPC, "t.conf:7: too many backends for VIP "
	  "tcp 198.18.0.100:80 (table-size 3 allows 2)" },
	{ HEAD BE "198.18.0.11\n" BE "198.18.0.12\n" BE "198.18.0.13\n"
	  "table-size 3\n", -EINVAL, "t.conf:7: table-size 3 is too small: "
	  "VIP tcp 198.18.0.100:80 has 3 backends" },
	{ "interface eth0\nvip add tcp 198.18.0.100:80 mode vxlan\n", -EINVAL,
	  "t.conf:2: unknown mode 'vxlan'; expected: ipip gue l2" },
	{ "interface eth0\nflood-rate 10\nflood-rate 20\n", -EINVAL,
	  "t.conf:3: 'flood-rate' already set on line 2" },
	{ "interface eth0\nconntrack-size 1024\nconntrack-size 2048\n",
	  -EINVAL, "t.conf:3: 'conntrack-size' already set on line 2" },
	{ "interface eth0\ntable-size 7\ntable-size 11\n", -EINVAL,
	  "t.conf:3: 'table-size' already set on line 2" },
	{ "interface eth0\nudp-timeout 30s\nudp-timeout 1m\n", -EINVAL,
	  "t.conf:3: 'udp-timeout' already set on line 2" },
	{ "interface eth0\ngue-port 6080\ngue-port 6081\n", -EINVAL,
	  "t.conf:3: 'gue-port' already set on line 2" },
	{ "interface eth0\nvip add tcp 198.18.0.100:80 a b c d e f g h i j k l "
	  "m n o p q r s t u v w x y z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
	  "16 17 18 19\n", -EINVAL, "t.conf:2: too many words (limit 48)" },
	{ HEAD "agent tcp 198.18.0.100:80 port 4444 damp-change 0\n",
	  -EINVAL, "t.conf:4: bad damp-change '0'; expected a percentage "
	  "1..50, e.g. 20%" },
	{ HEAD "\nagent tcp 198.18.0.100:80 port 4444 damp-change 200%\n",
	  -EINVAL, "t.conf:5: bad damp-change '200%'; expected a percentage "
	  "1..50, e.g. 20%" },
	{ HEAD "agent tcp 198.18.0.100:80 port 4444 damp-interval 0ms\n",
	  -EINVAL, "t.conf:4: bad damp-interval '0ms'; expected 1ms..24h" },
	{ HEAD "agent tcp 198.18.0.100:80 port 4444 damp-interval 5ms\n",
	  -EINVAL, "t.conf:4: bad damp-interval '5ms'; expected 10ms..1h" },
	{ HEAD "agent tcp 198.18.0.100:80 port 4444 damp-interval 2h\n",
	  -EINVAL, "t.conf:4: bad damp-interval '2h'; expected 10ms..1h" },
	{ HEAD "agent tcp 198.18.0.100:80 damp-interval 1s\n", -EINVAL,
	  "t.conf:4: missing 'port N'; usage: agent PROTO VIP:PORT port N "
	  "[interval DURATION] [timeout DURATION] [damp-interval DURATION] "
	  "[damp-change PCT]" },
	{ "interface eth0\nudp-timeout 5\n", -EINVAL,
	  "t.conf:2: bad udp-timeout '5'; expected a number with a unit "
	  "(ms s m h), e.g. 250ms or 2s" },
};

static void test_bad_files(void **state)
{
	struct conf c;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct bad_file *b = &bad_files[i];
		int ret = conf_parse_text("t.conf", b->text, &c, err,
					  sizeof(err));

		if (ret != b->ret)
			fail_msg("case %zu: returned %d, expected %d (%s)", i,
				 ret, b->ret, err);
		if (strcmp(err, b->msg))
			fail_msg("case %zu:\n  got      %s\n  expected %s", i,
				 err, b->msg);
		/* Freed on error: nothing left to leak. */
		assert_null(c.vips);
		assert_int_equal(c.n_vips, 0);
	}
}

static void test_long_line(void **state)
{
	char *text = malloc(5000), err[256];
	struct conf c;

	(void)state;
	strcpy(text, "interface eth0\n# ");
	memset(text + 17, 'x', 4100);
	strcpy(text + 17 + 4100, "\n");
	assert_int_equal(conf_parse_text("t.conf", text, &c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:2: line too long (limit 4096 bytes)");
	free(text);
}

/* conf_load_file: the model and the hash of the same bytes, which
 * tell one version of a file from another; -ENOENT for no file. */
static void test_load_hash(void **state)
{
	char path[] = "/tmp/xlb-test-conf-XXXXXX", err[512];
	const char *v1 = "interface eth0\n", *v2 = "interface eth1\n";
	__u64 h1 = 0, h2 = 0, h3 = 0;
	struct conf c;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	f = fopen(path, "w");
	fputs(v1, f);
	fclose(f);
	assert_int_equal(conf_load_file(path, &c, &h1, err, sizeof(err)), 0);
	assert_string_equal(c.iface, "eth0");
	conf_free(&c);
	assert_true(h1 == conf_hash_text(v1, strlen(v1)));
	assert_int_equal(conf_load_file(path, &c, &h2, err, sizeof(err)), 0);
	conf_free(&c);
	assert_true(h1 == h2);
	f = fopen(path, "w");
	fputs(v2, f);
	fclose(f);
	assert_int_equal(conf_load_file(path, &c, &h3, err, sizeof(err)), 0);
	assert_string_equal(c.iface, "eth1");
	conf_free(&c);
	assert_true(h3 != h1);
	assert_true(h3 == conf_hash_text(v2, strlen(v2)));
	unlink(path);
	assert_int_equal(conf_load_file(path, &c, &h3, err, sizeof(err)),
			 -ENOENT);
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/xlb-test-conf-XXXXXX", err[512];
	struct conf c, d;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(sample, f);
	fclose(f);
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), 0);
	parse_ok(sample, &d);
	assert_true(conf_equal(&c, &d));
	conf_free(&c);
	conf_free(&d);

	/* Messages name the file. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("interface eth0\nvip add tcp 198.18.0.1:80 slow\n", f);
	fclose(f);
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -EINVAL);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s:2: unknown word 'slow'; "
			 "expected one of: sticky mode", path);
		assert_string_equal(err, want);
	}
	/* A NUL byte is an error, not the end of the file. */
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("interface eth0\n\0hash-seed x\n", 1, 28, f);
	fclose(f);
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -EINVAL);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s: file contains a NUL byte",
			 path);
		assert_string_equal(err, want);
	}
	unlink(path);
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -ENOENT);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s: No such file or directory",
			 path);
		assert_string_equal(err, want);
	}
}

/* Parse a runtime command and apply it. */
static int run(struct conf *c, const char *line, char *err, size_t errlen)
{
	char buf[256], *argv[16];
	struct cmd cmd;
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = cmd_split(buf, argv, 16);
	assert_true(argc > 0);
	if (cmd_parse(argc, argv, CMD_CTX_RUNTIME, &cmd, err, errlen))
		fail_msg("'%s': %s", line, err);
	return conf_apply(c, &cmd, err, errlen);
}

struct refused {
	const char *line;
	int ret;
	const char *msg;
};

static const struct refused refused[] = {
	{ "vip add tcp 198.18.0.100:80", -EEXIST,
	  "VIP tcp 198.18.0.100:80 already exists" },
	{ "vip del tcp 198.18.0.200:80", -ENOENT,
	  "no such VIP tcp 198.18.0.200:80" },
	{ "vip del udp 198.18.0.100:80", -ENOENT,
	  "no such VIP udp 198.18.0.100:80" },
	{ "backend add tcp 198.18.0.100:81 198.18.0.11", -ENOENT,
	  "no such VIP tcp 198.18.0.100:81" },
	{ "backend add tcp 198.18.0.100:80 198.18.0.11 weight 1", -EEXIST,
	  "backend 198.18.0.11 already exists for VIP tcp 198.18.0.100:80" },
	{ "backend weight tcp 198.18.0.100:80 198.18.0.99 1", -ENOENT,
	  "no such backend 198.18.0.99 for VIP tcp 198.18.0.100:80" },
	{ "backend drain udp [2001:db8::100]:53 198.18.0.11", -ENOENT,
	  "no such backend 198.18.0.11 for VIP udp [2001:db8::100]:53" },
	{ "backend undrain tcp 198.18.0.100:80 2001:db8::12", -EINVAL,
	  "backend 2001:db8::12 of VIP tcp 198.18.0.100:80 is not draining" },
	{ "backend del tcp 198.18.0.100:80 198.18.0.13", -ENOENT,
	  "no such backend 198.18.0.13 for VIP tcp 198.18.0.100:80" },
	{ "status", -EOPNOTSUPP, "not a configuration change" },
	{ "vip list", -EOPNOTSUPP, "not a configuration change" },
	{ "save", -EOPNOTSUPP, "not a configuration change" },
	{ "shutdown", -EOPNOTSUPP, "not a configuration change" },
};

static void check_refused(struct conf *c, const char *line, int ret,
			  const char *msg)
{
	struct conf before;
	char err[256], *s0, *s1;

	assert_int_equal(conf_copy(&before, c), 0);
	s0 = write_str(c, false);
	if (run(c, line, err, sizeof(err)) != ret)
		fail_msg("'%s' not refused with %d: %s", line, ret, err);
	if (strcmp(err, msg))
		fail_msg("'%s':\n  got      %s\n  expected %s", line, err, msg);
	assert_true(conf_equal(&before, c));
	s1 = write_str(c, false);
	assert_string_equal(s0, s1);
	free(s0);
	free(s1);
	conf_free(&before);
}

static void test_apply_refused(void **state)
{
	struct conf c;
	char err[256];
	size_t i;

	(void)state;
	parse_ok(sample, &c);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		check_refused(&c, refused[i].line, refused[i].ret,
			      refused[i].msg);

	/* table-size 13: at most 12 backends per VIP. */
	for (i = 0; i < 10; i++) {
		char line[128];

		snprintf(line, sizeof(line), "backend add tcp 198.18.0.100:80 "
			 "198.18.1.%zu", i);
		assert_int_equal(run(&c, line, err, sizeof(err)), 0);
	}
	assert_int_equal(c.vips[0].n_be, 12);
	check_refused(&c, "backend add tcp 198.18.0.100:80 198.18.2.1",
		      -ENOSPC, "too many backends for VIP tcp 198.18.0.100:80 "
		      "(table-size 13 allows 12)");
	conf_free(&c);

	/* Without an IPv6 encap source, IPv6 backends are refused. */
	parse_ok("interface eth0\nencap-source 198.18.0.1\n"
		 "vip add tcp [2001:db8::100]:80\n", &c);
	check_refused(&c, "backend add tcp [2001:db8::100]:80 2001:db8::13",
		      -EINVAL, "no IPv6 encap-source for backend 2001:db8::13");
	assert_int_equal(run(&c, "backend add tcp [2001:db8::100]:80 "
			     "198.18.0.13", err, sizeof(err)), 0);
	conf_free(&c);
}

static void test_apply_limits(void **state)
{
	struct conf c;
	char err[256], line[128];
	size_t i, j;

	(void)state;
	parse_ok("interface eth0\nencap-source 198.18.0.1\n", &c);
	for (i = 0; i < XLB_MAX_VIPS; i++) {
		snprintf(line, sizeof(line), "vip add tcp 198.18.%zu.%zu:80",
			 i / 256, i % 256);
		assert_int_equal(run(&c, line, err, sizeof(err)), 0);
	}
	check_refused(&c, "vip add tcp 198.19.0.1:80", -ENOSPC,
		      "too many VIPs (limit 1024)");
	/* 1024 VIPs x 64 backends would be 65536: the last one is refused. */
	for (i = 0; i < XLB_MAX_VIPS; i++) {
		for (j = 0; j < 64; j++) {
			struct cmd cmd = {
				.verb = CMD_BACKEND_ADD, .proto = IPPROTO_TCP,
				.port = 80, .weight = 1,
			};

			cmd.vip = c.vips[i].addr;
			cmd.addr.family = XLB_AF_INET;
			cmd.addr.a[0] = htonl(0xc6130000 + j);
			if (i == XLB_MAX_VIPS - 1 && j == 63)
				break;
			assert_int_equal(conf_apply(&c, &cmd, err,
						    sizeof(err)), 0);
		}
	}
	check_refused(&c, "backend add tcp 198.18.3.255:80 198.19.0.63",
		      -ENOSPC, "too many backends (limit 65535)");
	conf_free(&c);
}

static void test_apply_changes(void **state)
{
	struct conf c, d;
	char err[256], *s;

	(void)state;
	parse_ok(sample, &c);
	assert_int_equal(run(&c, "backend undrain tcp 198.18.0.100:80 "
			     "198.18.0.11", err, sizeof(err)), 0);
	assert_false(c.vips[0].be[0].draining);
	assert_int_equal(c.vips[0].be[0].drain_timeout_ms, 0);
	assert_int_equal(run(&c, "backend drain tcp 198.18.0.100:80 "
			     "198.18.0.11 timeout 1s", err, sizeof(err)), 0);
	assert_int_equal(c.vips[0].be[0].drain_timeout_ms, 1000);
	/* Draining again changes the timeout. */
	assert_int_equal(run(&c, "backend drain tcp 198.18.0.100:80 "
			     "198.18.0.11 timeout 2s", err, sizeof(err)), 0);
	assert_int_equal(c.vips[0].be[0].drain_timeout_ms, 2000);
	assert_int_equal(run(&c, "backend weight tcp 198.18.0.100:80 "
			     "2001:db8::12 7", err, sizeof(err)), 0);
	assert_int_equal(c.vips[0].be[1].weight, 7);
	assert_int_equal(run(&c, "backend del tcp 198.18.0.100:80 198.18.0.11",
			     err, sizeof(err)), 0);
	assert_int_equal(c.vips[0].n_be, 1);
	/* Deleting a VIP takes its backends along. */
	assert_int_equal(run(&c, "vip del udp [2001:db8::100]:53", err,
			     sizeof(err)), 0);
	assert_int_equal(run(&c, "vip add udp [2001:db8::100]:53", err,
			     sizeof(err)), 0);
	assert_int_equal(c.vips[1].n_be, 0);
	s = write_str(&c, true);
	assert_string_equal(s,
		"vip add tcp 198.18.0.100:80 sticky mode ipip\n"
		"backend add tcp 198.18.0.100:80 2001:db8::12 weight 7\n"
		"\n"
		"vip add udp [2001:db8::100]:53 mode ipip\n");
	free(s);
	/* The same objects in another order are an equal model. */
	parse_ok("interface eth0 generic\nhash-seed 7\n"
		 "encap-source 2001:db8::1\n"
		 "encap-source 198.18.0.1\nconntrack-size 2048\n"
		 "table-size 13\nudp-timeout 120s\n"
		 "stats /run/xlb/xlb.prom interval 250ms\n"
		 "vip add udp [2001:db8::100]:53\n"
		 "vip add tcp 198.18.0.100:80 sticky\n"
		 "backend add tcp 198.18.0.100:80 2001:db8::12 weight 7\n", &d);
	assert_true(conf_equal(&c, &d));
	d.vips[1].be[0].weight = 8;
	assert_false(conf_equal(&c, &d));
	d.vips[1].be[0].weight = 7;
	d.vips[1].flags = 0;
	assert_false(conf_equal(&c, &d));
	d.vips[1].flags = XLB_VIP_F_STICKY;
	d.hash_seed = 8;
	assert_false(conf_equal(&c, &d));
	d.hash_seed = 7;
	d.stats_interval_ms = 251;
	assert_false(conf_equal(&c, &d));
	d.stats_interval_ms = 250;
	d.stats_path[1] = 'R';
	assert_false(conf_equal(&c, &d));
	d.stats_path[1] = 'r';
	assert_true(conf_equal(&c, &d));
	d.encap_src6.family = 0;
	assert_false(conf_equal(&c, &d));
	conf_free(&d);
	conf_free(&c);
}

/* ---- random models: parse(write(c)) == c ---------------------------- */

static __u32 rnd_state;

static __u32 rnd(void)
{
	/* xorshift32: deterministic for a given seed, enough for tests. */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static struct ip_addr rnd_addr(bool v6)
{
	struct ip_addr a = { 0 };

	if (v6) {
		a.family = XLB_AF_INET6;
		a.a[0] = htonl(0x20010db8);
		a.a[1] = rnd() & 0x0000ffff;
		a.a[2] = rnd() % 3 ? 0 : rnd();
		a.a[3] = rnd();
	} else {
		a.family = XLB_AF_INET;
		a.a[0] = htonl(0xc6120000 | (rnd() & 0x1ffff));
	}
	return a;
}

static __u64 rnd_duration(void)
{
	static const __u64 unit[] = { 1, 1000, 60000, 3600000 };
	__u64 u = unit[rnd() % 4];

	return (1 + rnd() % (DURATION_MAX_MS / u)) * u;
}

/* Interval 10ms..1h or default; timeout 10ms..interval or default. */
static void rnd_timing(__u32 *iv, __u32 *to)
{
	__u32 i;

	*iv = rnd() % 2 ? 10 + rnd() % 3599991 : 0;
	i = *iv ? *iv : 1000;
	*to = rnd() % 2 ? 10 + rnd() % (i - 9) : 0;
}

static void rnd_health(struct conf *c, struct cmd *cmd)
{
	char err[256];

	memset(&cmd->check, 0, sizeof(cmd->check));
	memset(&cmd->agent, 0, sizeof(cmd->agent));
	cmd->verb = CMD_HEALTH_SET;
	cmd->check.kind = 1 + rnd() % 3;
	rnd_timing(&cmd->check.interval_ms, &cmd->check.timeout_ms);
	cmd->check.rise = rnd() % 2 ? 1 + rnd() % 100 : 0;
	cmd->check.fall = rnd() % 2 ? 1 + rnd() % 100 : 0;
	cmd->check.port = rnd() % 2 ? 1 + rnd() % 65535 : 0;
	cmd->fail_closed = rnd() & 1;
	if (cmd->check.kind == HEALTH_HTTP) {
		if (rnd() % 2)
			snprintf(cmd->check.path, sizeof(cmd->check.path),
				 "/p%u", rnd());
		cmd->check.expect_code = rnd() % 2 ? 100 + rnd() % 500 : 0;
		if (rnd() % 2)
			snprintf(cmd->check.host, sizeof(cmd->check.host),
				 "h%u.example", rnd());
	} else if (cmd->check.kind == HEALTH_UDP && rnd() % 2) {
		snprintf(cmd->check.expect, sizeof(cmd->check.expect), "e%u",
			 rnd());
		if (rnd() % 2)
			snprintf(cmd->check.send, sizeof(cmd->check.send),
				 "s%u", rnd());
	}
	assert_int_equal(conf_apply(c, cmd, err, sizeof(err)), 0);
	if (rnd() % 2) {
		cmd->verb = CMD_AGENT_SET;
		cmd->agent.port = 1 + rnd() % 65535;
		rnd_timing(&cmd->agent.interval_ms, &cmd->agent.timeout_ms);
		cmd->agent.damp_interval_ms = rnd() % 2 ?
			HEALTH_DAMP_INTERVAL_MS_MIN + rnd() %
			(HEALTH_DAMP_INTERVAL_MS_MAX -
			 HEALTH_DAMP_INTERVAL_MS_MIN + 1) : 0;
		cmd->agent.damp_change_pct = rnd() % 2 ?
			1 + rnd() % HEALTH_DAMP_CHANGE_PCT_MAX : 0;
		assert_int_equal(conf_apply(c, cmd, err, sizeof(err)), 0);
	}
}

static void rnd_vrrp(struct conf *c);

static void rnd_conf(struct conf *c)
{
	static const __u32 primes[] = { 7, 13, 31, 251, 65537, 1048573 };
	char err[256];
	size_t i, j, nv, nb;
	struct cmd cmd;

	conf_init(c);
	snprintf(c->iface, sizeof(c->iface), "if%u", rnd() % 1000);
	c->generic = rnd() & 1;
	c->hash_seed = rnd();
	if (rnd() % 4)
		c->encap_src4 = rnd_addr(false);
	if (rnd() % 4)
		c->encap_src6 = rnd_addr(true);
	c->conntrack_size = 1024 + rnd() % ((1u << 26) - 1023);
	c->table_size = primes[rnd() % 6];
	/* udp-timeout: 1s..1h, whole seconds or minutes */
	c->udp_timeout_ms = rnd() & 1 ? (1 + rnd() % 3600) * 1000ull :
			    (1 + rnd() % 60) * 60000ull;
	if (rnd() & 1) {
		snprintf(c->stats_path, sizeof(c->stats_path),
			 "/var/lib/x%u/xlb.prom", rnd() % 1000);
		c->stats_interval_ms = 10 + rnd() % 3599991;
	}
	nv = rnd() % 12;
	for (i = 0; i < nv; i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.verb = CMD_VIP_ADD;
		cmd.proto = rnd() & 1 ? IPPROTO_TCP : IPPROTO_UDP;
		cmd.port = 1 + rnd() % 65535;
		cmd.vip = rnd_addr(rnd() & 1);
		cmd.vip_flags = rnd() & 1 ? XLB_VIP_F_STICKY : 0;
		if (conf_apply(c, &cmd, err, sizeof(err)))
			continue;	/* a random duplicate */
		nb = rnd() % (c->table_size < 12 ? c->table_size : 12);
		for (j = 0; j < nb; j++) {
			cmd.verb = CMD_BACKEND_ADD;
			cmd.addr = rnd_addr(rnd() & 1);
			cmd.weight = rnd() % 3 ? rnd() % 65536 : 100;
			if (conf_apply(c, &cmd, err, sizeof(err)))
				continue;	/* no encap, full, duplicate */
			if (rnd() % 3)
				continue;
			cmd.verb = CMD_BACKEND_DRAIN;
			cmd.duration_ms = rnd() & 1 ? rnd_duration() : 0;
			assert_int_equal(conf_apply(c, &cmd, err, sizeof(err)),
					 0);
		}
		if (rnd() % 2)
			rnd_health(c, &cmd);
	}
	rnd_vrrp(c);
}

/* Up to three random vrrp statements; only the first may lack an
 * address list. */
static void rnd_vrrp(struct conf *c)
{
	struct cmd cmd;
	char err[256];
	size_t i, n = rnd() % 4;
	unsigned int k;

	for (i = 0; i < n; i++) {
		struct cmd_vrrp *v = &cmd.vrrp;

		memset(&cmd, 0, sizeof(cmd));
		cmd.verb = CMD_VRRP;
		v->vrid = 1 + rnd() % 255;
		v->prio = 1 + rnd() % 254;
		v->advert_cs = 1 + rnd() % 4095;
		v->nopreempt = rnd() & 1;
		v->preempt_delay_ms = rnd() & 1 ? rnd_duration() : 0;
		if (rnd() & 1)
			v->peer = rnd_addr(rnd() & 1);
		if (rnd() & 1)
			snprintf(v->iface, sizeof(v->iface), "if%u",
				 rnd() % 100);
		v->track_iface = rnd() % 254;
		v->track_vips = rnd() % 254;
		if (rnd() & 1)
			snprintf(v->notify, sizeof(v->notify), "/bin/n%u",
				 rnd() % 100);
		v->naddrs = i || rnd() % 2 ? 1 + rnd() % CMD_VRRP_ADDRS_MAX :
			    0;
		for (k = 0; k < v->naddrs; k++)
			v->addrs[k] = rnd_addr(rnd() & 1);
		/* Random duplicates are refused: fine. */
		conf_apply(c, &cmd, err, sizeof(err));
	}
}

static void test_round_trip_random(void **state)
{
	char err[512], *s, *t;
	struct conf c, d;
	unsigned int n, vips = 0, bes = 0;
	size_t i;

	(void)state;
	rnd_state = 0x12345678;
	for (n = 0; n < 300; n++) {
		rnd_conf(&c);
		s = write_str(&c, false);
		if (conf_parse_text("rnd", s, &d, err, sizeof(err)))
			fail_msg("model %u: %s\n%s", n, err, s);
		if (!conf_equal(&c, &d))
			fail_msg("model %u differs after a round trip:\n%s", n,
				 s);
		t = write_str(&d, false);
		assert_string_equal(s, t);
		vips += c.n_vips;
		for (i = 0; i < c.n_vips; i++)
			bes += c.vips[i].n_be;
		free(t);
		free(s);
		conf_free(&d);
		conf_free(&c);
	}
	/* The generator really produced objects. */
	assert_true(vips > 1000);
	assert_true(bes > 3000);
}

static const char vrrp_text[] =
	"interface eth0\n"
	"vip add tcp 198.18.0.100:80\n"
	"vip add udp 198.18.0.100:53\n"
	"vip add tcp [2001:db8::100]:80\n"
	"vip add tcp 198.18.0.102:80\n"
	"vrrp 1 priority 200\n"
	"vrrp 2 priority 100 address 198.18.0.102 198.18.0.103 advert 50ms "
	"nopreempt peer 198.18.0.3 preempt-delay 1500ms interface eth1 "
	"track-interface 60 track-vips 150 notify /usr/bin/note\n";

static void test_vrrp(void **state)
{
	struct ip_addr a[8];
	struct conf c, d;
	char buf[ADDR_STRLEN], *s;
	size_t n;

	(void)state;
	parse_ok(vrrp_text, &c);
	assert_int_equal(c.n_vrrp, 2);
	assert_non_null(conf_vrrp_find(&c, 2));
	assert_null(conf_vrrp_find(&c, 3));
	/* vrrp 1 has every VIP address vrrp 2 does not list, each once. */
	n = conf_vrrp_addrs(&c, 0, a, 8);
	assert_int_equal(n, 2);
	assert_string_equal(addr_str(&a[0], buf, sizeof(buf)),
			    "198.18.0.100");
	assert_string_equal(addr_str(&a[1], buf, sizeof(buf)),
			    "2001:db8::100");
	assert_int_equal(conf_vrrp_addrs(&c, 0, a, 1), 1);
	n = conf_vrrp_addrs(&c, 1, a, 8);
	assert_int_equal(n, 2);
	assert_string_equal(addr_str(&a[1], buf, sizeof(buf)),
			    "198.18.0.103");
	s = write_str(&c, false);
	assert_non_null(strstr(s, "udp-timeout 30s\n"
		"vrrp 1 priority 200 advert 100ms\n"
		"vrrp 2 priority 100 advert 50ms peer 198.18.0.3 nopreempt "
		"preempt-delay 1500ms interface eth1 track-interface 60 "
		"track-vips 150 notify /usr/bin/note address 198.18.0.102 "
		"198.18.0.103\n\nvip add"));
	parse_ok(s, &d);
	assert_true(conf_equal(&c, &d));
	d.vrrp[1].prio = 101;
	assert_false(conf_equal(&c, &d));
	free(s);
	/* Objects only: no vrrp statement. */
	s = write_str(&c, true);
	assert_null(strstr(s, "vrrp"));
	free(s);
	conf_free(&d);
	conf_free(&c);
}

static void test_vrrp_refused(void **state)
{
	static const struct {
		const char *text, *msg;
		int ret;
	} bad[] = {
		{ "interface eth0\nvrrp 1 priority 9\nvrrp 1 priority 8 "
		  "address 198.18.0.1\n",
		  "t.conf:3: vrrp 1 already exists", -EEXIST },
		{ "interface eth0\nvrrp 1 priority 9\nvrrp 2 priority 8\n",
		  "t.conf:3: vrrp 1 has no address list either; only one "
		  "instance may own the VIP addresses", -EINVAL },
		{ "interface eth0\nvrrp 1 priority 9 address 198.18.0.1\n"
		  "vrrp 2 priority 8 address 198.18.0.2 198.18.0.1\n",
		  "t.conf:3: address 198.18.0.1 is already in vrrp 1",
		  -EEXIST },
		{ "interface eth0\nvrrp 1 priority 9 peer 198.18.0.1 address "
		  "198.18.0.1\n",
		  "t.conf:2: peer 198.18.0.1 is also a virtual address",
		  -EINVAL },
		{ "interface eth0\nvrrp 1 priority 9 address 198.18.0.1\n"
		  "vrrp 2 priority 9 address 198.18.0.2\n"
		  "vrrp 3 priority 9 address 198.18.0.3\n"
		  "vrrp 4 priority 9 address 198.18.0.4\n"
		  "vrrp 5 priority 9 address 198.18.0.5\n"
		  "vrrp 6 priority 9 address 198.18.0.6\n"
		  "vrrp 7 priority 9 address 198.18.0.7\n"
		  "vrrp 8 priority 9 address 198.18.0.8\n"
		  "vrrp 9 priority 9 address 198.18.0.9\n",
		  "t.conf:10: too many vrrp instances (limit 8)", -ENOSPC },
	};
	struct conf c;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = conf_parse_text("t.conf", bad[i].text, &c, err,
					  sizeof(err));

		if (ret != bad[i].ret || strcmp(err, bad[i].msg))
			fail_msg("case %zu: %d\n  got      %s\n  expected %s",
				 i, ret, err, bad[i].msg);
	}
}

static void test_copy(void **state)
{
	struct conf c, d;

	(void)state;
	parse_ok(sample, &c);
	assert_int_equal(conf_copy(&d, &c), 0);
	assert_true(conf_equal(&c, &d));
	assert_ptr_not_equal(c.vips, d.vips);
	assert_ptr_not_equal(c.vips[0].be, d.vips[0].be);
	d.vips[0].be[0].weight = 1;
	assert_int_equal(c.vips[0].be[0].weight, 50);
	conf_free(&c);
	conf_free(&d);
}

/* The worked example in docs/cli.md is a valid config (run from the top
 * of the tree, as tests/run.sh does). */
static void test_docs_example(void **state)
{
	static const char mark[] = "`/etc/xlb/xlb.conf`:\n\n```\n";
	char *doc, *start, *end, err[512];
	struct ip_addr a = ip("198.18.0.12");
	size_t len = 0;
	struct conf c;
	FILE *f;

	(void)state;
	f = fopen("docs/cli.md", "r");
	assert_non_null(f);
	doc = calloc(1, 65536);
	len = fread(doc, 1, 65535, f);
	fclose(f);
	assert_true(len > 0);
	start = strstr(doc, mark);
	assert_non_null(start);
	start += strlen(mark);
	end = strstr(start, "```");
	assert_non_null(end);
	*end = '\0';
	if (conf_parse_text("cli.md", start, &c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(c.n_vips, 2);
	assert_int_equal(c.vips[0].n_be, 3);
	assert_true(conf_backend_find(&c.vips[0], &a)->draining);
	assert_int_equal(c.vips[1].n_be, 1);
	assert_int_equal(c.vips[1].flags, XLB_VIP_F_STICKY);
	conf_free(&c);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_sample),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_write_exact),
		cmocka_unit_test(test_modes_write),
		cmocka_unit_test(test_health_write),
		cmocka_unit_test(test_encap_later),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_load_hash),
		cmocka_unit_test(test_apply_refused),
		cmocka_unit_test(test_apply_limits),
		cmocka_unit_test(test_apply_changes),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_vrrp),
		cmocka_unit_test(test_vrrp_refused),
		cmocka_unit_test(test_docs_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
