// SPDX-License-Identifier: GPL-2.0
/* The one grammar: every statement, every mistake, exact messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "cmd.h"
#include "conf.h"
#include "xlb.h"

#define CFG	CMD_CTX_CONFIG
#define RUN	CMD_CTX_RUNTIME
#define BOTH	(CMD_CTX_CONFIG | CMD_CTX_RUNTIME)

/* Parse a line in ctx; returns cmd_parse's result. */
static int parse(const char *line, unsigned int ctx, struct cmd *c,
		 char *err, size_t errlen)
{
	char buf[512], *argv[32];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = cmd_split(buf, argv, 32);
	assert_true(argc >= 0);
	return cmd_parse(argc, argv, ctx, c, err, errlen);
}

static void test_split(void **state)
{
	char line[] = "  backend\tadd tcp  198.18.0.100:80 198.18.0.11 # x y";
	char line2[] = "# only a comment";
	char line3[] = "a b c d";
	char line4[] = "iface#x y";
	char *argv[5];

	(void)state;
	assert_int_equal(cmd_split(line, argv, 5), 5);
	assert_string_equal(argv[0], "backend");
	assert_string_equal(argv[1], "add");
	assert_string_equal(argv[2], "tcp");
	assert_string_equal(argv[3], "198.18.0.100:80");
	assert_string_equal(argv[4], "198.18.0.11");
	assert_int_equal(cmd_split(line2, argv, 4), 0);
	assert_int_equal(cmd_split(line3, argv, 3), -E2BIG);
	/* '#' only starts a comment at the start of a word. */
	assert_int_equal(cmd_split(line4, argv, 4), 2);
	assert_string_equal(argv[0], "iface#x");
}

static void test_vip_add(void **state)
{
	struct cmd c;
	char err[256];
	char buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(parse("vip add tcp 198.18.0.100:80", BOTH, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_VIP_ADD);
	assert_int_equal(c.proto, IPPROTO_TCP);
	assert_int_equal(c.port, 80);
	assert_int_equal(c.mode, XLB_MODE_IPIP);
	assert_int_equal(c.vip_flags, 0);
	assert_string_equal(addr_str(&c.vip, buf, sizeof(buf)),
			    "198.18.0.100");
	assert_int_equal(parse("vip add udp [2001:db8::1]:443 mode ipip sticky",
			       RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.proto, IPPROTO_UDP);
	assert_int_equal(c.port, 443);
	assert_int_equal(c.vip.family, XLB_AF_INET6);
	assert_int_equal(c.vip_flags, XLB_VIP_F_STICKY);
	assert_true(cmd_verb_mutates(c.verb));
}

static void test_backend(void **state)
{
	struct cmd c;
	char err[256];
	char buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(parse("backend add tcp 198.18.0.100:80 198.18.0.11",
			       CFG, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_BACKEND_ADD);
	assert_int_equal(c.weight, 100);
	assert_string_equal(addr_str(&c.addr, buf, sizeof(buf)),
			    "198.18.0.11");
	assert_int_equal(parse("backend add tcp 198.18.0.100:80 2001:db8::11 "
			       "weight 0", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.weight, 0);
	assert_int_equal(c.addr.family, XLB_AF_INET6);
	assert_int_equal(parse("backend weight udp 198.18.0.100:53 198.18.0.11 "
			       "65535", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_BACKEND_WEIGHT);
	assert_int_equal(c.weight, 65535);
	assert_int_equal(parse("backend drain tcp 198.18.0.100:80 198.18.0.11 "
			       "timeout 250ms", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_BACKEND_DRAIN);
	assert_int_equal(c.duration_ms, 250);
	assert_int_equal(parse("backend drain tcp 198.18.0.100:80 198.18.0.11",
			       CFG, &c, err, sizeof(err)), 0);
	assert_int_equal(c.duration_ms, 0);
	assert_int_equal(parse("backend undrain tcp 198.18.0.100:80 "
			       "198.18.0.11", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_BACKEND_UNDRAIN);
	assert_int_equal(parse("backend del tcp 198.18.0.100:80 198.18.0.11 "
			       "force", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_BACKEND_DEL);
	assert_true(c.force);
	assert_int_equal(parse("backend del tcp 198.18.0.100:80 198.18.0.11",
			       RUN, &c, err, sizeof(err)), 0);
	assert_false(c.force);
}

static void test_health(void **state)
{
	struct cmd c;
	char err[256];

	(void)state;
	/* Config form and runtime form are the same words after "set". */
	assert_int_equal(parse("health tcp 198.18.0.100:80 http path /x "
			       "expect 204 interval 200ms timeout 50ms rise 4 "
			       "fall 5 port 8080 fail-closed", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_HEALTH_SET);
	assert_int_equal(c.check.kind, HEALTH_HTTP);
	assert_string_equal(c.check.path, "/x");
	assert_int_equal(c.check.expect_code, 204);
	assert_int_equal(c.check.interval_ms, 200);
	assert_int_equal(c.check.timeout_ms, 50);
	assert_int_equal(c.check.rise, 4);
	assert_int_equal(c.check.fall, 5);
	assert_int_equal(c.check.port, 8080);
	assert_true(c.fail_closed);
	assert_true(cmd_verb_mutates(c.verb));
	assert_int_equal(parse("health set udp 198.18.0.100:53 udp send ping "
			       "expect pong", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_HEALTH_SET);
	assert_int_equal(c.check.kind, HEALTH_UDP);
	assert_string_equal(c.check.send, "ping");
	assert_string_equal(c.check.expect, "pong");
	assert_false(c.fail_closed);
	/* Defaults stay 0: the model writes back only what was given. */
	assert_int_equal(parse("health set tcp 198.18.0.100:80 tcp", RUN, &c,
			       err, sizeof(err)), 0);
	assert_int_equal(c.check.kind, HEALTH_TCP);
	assert_int_equal(c.check.interval_ms, 0);
	assert_int_equal(c.check.rise, 0);
	assert_int_equal(parse("health set tcp 198.18.0.100:80 none", RUN, &c,
			       err, sizeof(err)), 0);
	assert_int_equal(c.check.kind, HEALTH_NONE);
	assert_int_equal(parse("health show", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_HEALTH_SHOW);
	assert_false(c.has_vip);
	assert_false(cmd_verb_mutates(c.verb));
	assert_int_equal(parse("health show tcp 198.18.0.100:80", RUN, &c,
			       err, sizeof(err)), 0);
	assert_true(c.has_vip);
	assert_int_equal(parse("agent tcp 198.18.0.100:80 port 4444 interval "
			       "300ms", CFG, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_AGENT_SET);
	assert_int_equal(c.agent.port, 4444);
	assert_int_equal(c.agent.interval_ms, 300);
	/* The damper's settings stay 0 (default) unless given. */
	assert_int_equal(c.agent.damp_interval_ms, 0);
	assert_int_equal(c.agent.damp_change_pct, 0);
	assert_int_equal(parse("agent set tcp 198.18.0.100:80 port 1", RUN,
			       &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_AGENT_SET);
	/* Same words in both places, in any order, PCT with or without %. */
	assert_int_equal(parse("agent tcp 198.18.0.100:80 damp-change 25% "
			       "port 4444 damp-interval 30s", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.agent.port, 4444);
	assert_int_equal(c.agent.damp_interval_ms, 30000);
	assert_int_equal(c.agent.damp_change_pct, 25);
	assert_int_equal(parse("agent set tcp 198.18.0.100:80 port 1 "
			       "damp-interval 10ms damp-change 50", RUN, &c,
			       err, sizeof(err)), 0);
	assert_int_equal(c.agent.damp_interval_ms, 10);
	assert_int_equal(c.agent.damp_change_pct, 50);
	assert_int_equal(parse("agent set tcp 198.18.0.100:80 port 1 "
			       "damp-interval 1h damp-change 1%", RUN, &c,
			       err, sizeof(err)), 0);
	assert_int_equal(c.agent.damp_interval_ms, 3600000);
	assert_int_equal(c.agent.damp_change_pct, 1);
	assert_int_equal(parse("agent del tcp 198.18.0.100:80", RUN, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_AGENT_DEL);
}

static void test_queries(void **state)
{
	struct cmd c;
	char err[256];

	(void)state;
	assert_int_equal(parse("vip list", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_VIP_LIST);
	assert_false(cmd_verb_mutates(c.verb));
	assert_int_equal(parse("status", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_STATUS);
	assert_int_equal(parse("flows", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_FLOWS);
	assert_false(c.has_vip);
	assert_int_equal(parse("flows udp 198.18.0.100:53", RUN, &c, err,
			       sizeof(err)), 0);
	assert_true(c.has_vip);
	assert_int_equal(c.proto, IPPROTO_UDP);
	assert_int_equal(c.port, 53);
	assert_int_equal(c.limit, 0);	/* no limit unless asked */
	assert_int_equal(parse("flows limit 1", RUN, &c, err, sizeof(err)), 0);
	assert_false(c.has_vip);
	assert_int_equal(c.limit, 1);
	assert_int_equal(parse("flows tcp 198.18.0.100:80 limit 4294967295",
			       RUN, &c, err, sizeof(err)), 0);
	assert_true(c.has_vip);
	assert_int_equal(c.proto, IPPROTO_TCP);
	assert_int_equal(c.limit, 4294967295ull);
	assert_int_equal(parse("save", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_SAVE);
	assert_int_equal(parse("shutdown", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_SHUTDOWN);
	assert_false(cmd_verb_mutates(c.verb));
	assert_int_equal(parse("vip del tcp 198.18.0.100:80", RUN, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_VIP_DEL);
}

static void test_daemon_statements(void **state)
{
	struct cmd c;
	char err[256];
	char buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(parse("interface eth0", CFG, &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.verb, CMD_INTERFACE);
	assert_string_equal(c.iface, "eth0");
	assert_false(c.generic);
	assert_int_equal(parse("interface veth-lb.1 generic", CFG, &c, err,
			       sizeof(err)), 0);
	assert_string_equal(c.iface, "veth-lb.1");
	assert_true(c.generic);
	assert_int_equal(parse("interface abcdefghijklmno", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(parse("hash-seed 4294967295", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.num, 4294967295ull);
	assert_int_equal(parse("encap-source 2001:db8::5", CFG, &c, err,
			       sizeof(err)), 0);
	assert_string_equal(addr_str(&c.addr, buf, sizeof(buf)),
			    "2001:db8::5");
	assert_int_equal(parse("conntrack-size 1024", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.num, 1024);
	assert_int_equal(parse("table-size 1048573", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.num, 1048573);
	assert_int_equal(parse("table-size 7", CFG, &c, err, sizeof(err)), 0);
	assert_int_equal(parse("udp-timeout 1m", CFG, &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.duration_ms, 60000);
	assert_true(cmd_verb_mutates(c.verb));
}

/* One word, two statements: a setting in the file, a query at runtime. */
static void test_stats(void **state)
{
	struct cmd c;
	char err[256];

	(void)state;
	assert_int_equal(parse("stats /var/lib/ne/xlb.prom", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_STATS_FILE);
	assert_string_equal(c.path, "/var/lib/ne/xlb.prom");
	assert_int_equal(c.duration_ms, 5000);
	assert_true(cmd_verb_mutates(c.verb));
	assert_int_equal(parse("stats /x.prom interval 10ms", CFG, &c, err,
			       sizeof(err)), 0);
	assert_string_equal(c.path, "/x.prom");
	assert_int_equal(c.duration_ms, 10);
	assert_int_equal(parse("stats /x.prom interval 1h", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.duration_ms, 3600000);
	assert_int_equal(parse("stats", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_STATS);
	assert_false(cmd_verb_mutates(c.verb));
	assert_non_null(strstr(cmd_usage(), "  stats\n      print the stats "
			       "file's text (Prometheus format)\n"));
}

struct bad_case {
	unsigned int ctx;
	const char *line;
	const char *msg;
};

static void test_vrrp(void **state)
{
	struct cmd c;
	char err[256], buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(parse("vrrp 1 priority 200", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_VRRP);
	assert_int_equal(c.vrrp.vrid, 1);
	assert_int_equal(c.vrrp.prio, 200);
	assert_int_equal(c.vrrp.advert_cs, 10);	/* 100 ms */
	assert_false(c.vrrp.nopreempt);
	assert_int_equal(c.vrrp.preempt_delay_ms, 0);
	assert_int_equal(c.vrrp.peer.family, 0);
	assert_string_equal(c.vrrp.iface, "");
	assert_int_equal(c.vrrp.track_iface, 0);
	assert_int_equal(c.vrrp.track_vips, 0);
	assert_string_equal(c.vrrp.notify, "");
	assert_int_equal(c.vrrp.naddrs, 0);
	assert_true(cmd_verb_mutates(c.verb));

	assert_int_equal(parse("vrrp 255 priority 1 address 198.18.0.100 "
			       "2001:db8::100 advert 10ms nopreempt peer "
			       "198.18.0.3 preempt-delay 2s interface eth1 "
			       "track-interface 50 track-vips 253 notify "
			       "/usr/local/bin/vrrp-note", CFG, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.vrrp.vrid, 255);
	assert_int_equal(c.vrrp.prio, 1);
	assert_int_equal(c.vrrp.naddrs, 2);
	assert_string_equal(addr_str(&c.vrrp.addrs[0], buf, sizeof(buf)),
			    "198.18.0.100");
	assert_string_equal(addr_str(&c.vrrp.addrs[1], buf, sizeof(buf)),
			    "2001:db8::100");
	assert_int_equal(c.vrrp.advert_cs, 1);
	assert_true(c.vrrp.nopreempt);
	assert_string_equal(addr_str(&c.vrrp.peer, buf, sizeof(buf)),
			    "198.18.0.3");
	assert_int_equal(c.vrrp.preempt_delay_ms, 2000);
	assert_string_equal(c.vrrp.iface, "eth1");
	assert_int_equal(c.vrrp.track_iface, 50);
	assert_int_equal(c.vrrp.track_vips, 253);
	assert_string_equal(c.vrrp.notify, "/usr/local/bin/vrrp-note");
	assert_int_equal(parse("vrrp 2 priority 9 advert 40950ms", CFG, &c,
			       err, sizeof(err)), 0);
	assert_int_equal(c.vrrp.advert_cs, 4095);

	assert_int_equal(parse("vrrp show", RUN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_VRRP_SHOW);
	assert_false(cmd_verb_mutates(c.verb));
	assert_int_equal(parse("vrrp priority 7 254", RUN, &c, err,
			       sizeof(err)), 0);
	assert_int_equal(c.verb, CMD_VRRP_PRIORITY);
	assert_int_equal(c.vrrp.vrid, 7);
	assert_int_equal(c.vrrp.prio, 254);
	assert_false(cmd_verb_mutates(c.verb));
}

static const struct bad_case bad_cases[] = {
	{ RUN, "", "missing command; expected one of: vip backend health "
	  "agent vrrp status flows save stats shutdown" },
	{ CFG, "", "missing command; expected one of: vip backend health "
	  "agent vrrp stats interface hash-seed encap-source conntrack-size "
	  "table-size udp-timeout flood-rate gue-port" },
	{ RUN, "vips", "unknown word 'vips'; expected one of: vip backend "
	  "health agent vrrp status flows save stats shutdown" },
	{ CFG, "vrrp", "missing word after 'vrrp'; expected one of: VRID" },
	{ RUN, "vrrp", "missing word after 'vrrp'; expected one of: show "
	  "priority" },
	{ RUN, "vrrp 1 priority 100", "unknown word '1'; expected one of: "
	  "show priority" },
	{ CFG, "vrrp show", "'vrrp show' is not allowed in a config file" },
	{ CFG, "vrrp 0 priority 100", "bad VRID '0'; expected a number "
	  "1..255" },
	{ CFG, "vrrp x priority 100", "bad VRID 'x'; expected a number "
	  "1..255" },
	{ CFG, "vrrp 1", "missing 'priority'; usage: vrrp VRID priority N "
	  "[peer ADDR] [advert DURATION] [nopreempt] [preempt-delay "
	  "DURATION] [interface IFACE] [track-interface N] [track-vips N] "
	  "[notify PATH] [address ADDR...]" },
	{ CFG, "vrrp 1 prio 100", "unexpected word 'prio'; usage: vrrp "
	  "VRID priority N [peer ADDR] [advert DURATION] [nopreempt] "
	  "[preempt-delay DURATION] [interface IFACE] [track-interface N] "
	  "[track-vips N] [notify PATH] [address ADDR...]" },
	{ CFG, "vrrp 1 priority 255", "bad priority '255'; expected a "
	  "number 1..254" },
	{ CFG, "vrrp 1 priority 0", "bad priority '0'; expected a number "
	  "1..254" },
	{ CFG, "vrrp 1 priority 10 advert 5ms", "bad advert '5ms'; expected "
	  "10ms..40950ms in steps of 10ms" },
	{ CFG, "vrrp 1 priority 10 advert 15ms", "bad advert '15ms'; "
	  "expected 10ms..40950ms in steps of 10ms" },
	{ CFG, "vrrp 1 priority 10 advert 41s", "bad advert '41s'; expected "
	  "10ms..40950ms in steps of 10ms" },
	{ CFG, "vrrp 1 priority 10 advert 1", "bad advert '1'; expected a "
	  "number with a unit (ms s m h), e.g. 250ms or 2s" },
	{ CFG, "vrrp 1 priority 10 nopreempt nopreempt", "'nopreempt' given "
	  "twice" },
	{ CFG, "vrrp 1 priority 10 peer 224.0.0.18", "bad address "
	  "'224.0.0.18'; expected a unicast address" },
	{ CFG, "vrrp 1 priority 10 address", "missing ADDR after 'address'; "
	  "usage: vrrp VRID priority N [peer ADDR] [advert DURATION] "
	  "[nopreempt] [preempt-delay DURATION] [interface IFACE] "
	  "[track-interface N] [track-vips N] [notify PATH] "
	  "[address ADDR...]" },
	{ CFG, "vrrp 1 priority 10 address nopreempt", "missing ADDR after "
	  "'address'; usage: vrrp VRID priority N [peer ADDR] [advert "
	  "DURATION] [nopreempt] [preempt-delay DURATION] [interface IFACE] "
	  "[track-interface N] [track-vips N] [notify PATH] "
	  "[address ADDR...]" },
	{ CFG, "vrrp 1 priority 10 address 198.18.0.100 198.18.0.100",
	  "address '198.18.0.100' given twice" },
	{ CFG, "vrrp 1 priority 10 address 198.18.0.300", "bad address "
	  "'198.18.0.300'; expected an IPv4 or IPv6 address" },
	{ CFG, "vrrp 1 priority 10 address 198.18.0.1 198.18.0.2 198.18.0.3 "
	  "198.18.0.4 198.18.0.5 198.18.0.6 198.18.0.7 198.18.0.8 "
	  "198.18.0.9 198.18.0.10 198.18.0.11 198.18.0.12 198.18.0.13 "
	  "198.18.0.14 198.18.0.15 198.18.0.16 198.18.0.17",
	  "too many addresses (limit 16)" },
	{ CFG, "vrrp 1 priority 10 track-vips 254", "bad track-vips '254'; "
	  "expected a number 0..253" },
	{ CFG, "vrrp 1 priority 10 track-interface -1", "bad "
	  "track-interface '-1'; expected a number 0..253" },
	{ CFG, "vrrp 1 priority 10 notify vrrp-note", "bad notify command "
	  "'vrrp-note'; expected an absolute path (at most 255 bytes)" },
	{ CFG, "vrrp 1 priority 10 interface a/b", "bad interface name "
	  "'a/b'" },
	{ CFG, "vrrp 1 priority 10 preempt", "unknown word 'preempt'; "
	  "expected one of: peer advert nopreempt preempt-delay interface "
	  "track-interface track-vips notify address" },
	{ RUN, "vrrp priority 1", "missing N; usage: vrrp priority VRID N" },
	{ RUN, "vrrp priority 1 255", "bad priority '255'; expected a "
	  "number 1..254" },
	{ RUN, "vrrp priority 256 10", "bad VRID '256'; expected a number "
	  "1..255" },
	{ RUN, "vrrp priority 1 10 now", "unexpected word 'now'; usage: "
	  "vrrp priority VRID N" },
	{ RUN, "vrrp show all", "unexpected word 'all'; usage: vrrp show" },
	{ RUN, "vip", "missing word after 'vip'; expected one of: add del "
	  "list" },
	{ CFG, "vip", "missing word after 'vip'; expected one of: add" },
	{ RUN, "backend remove", "unknown word 'remove'; expected one of: add "
	  "weight drain undrain del" },
	{ CFG, "backend undrain tcp 198.18.0.100:80 198.18.0.11",
	  "'backend undrain' is not allowed in a config file" },
	{ CFG, "status", "'status' is not allowed in a config file" },
	{ CFG, "vip del tcp 198.18.0.100:80",
	  "'vip del' is not allowed in a config file" },
	{ RUN, "interface eth0", "'interface' is only allowed in the config "
	  "file" },
	{ RUN, "table-size 7", "'table-size' is only allowed in the config "
	  "file" },
	{ RUN, "vip add", "missing PROTO; usage: vip add PROTO ADDR:PORT "
	  "[sticky] [mode ipip|gue|l2]" },
	{ RUN, "vip add sctp 198.18.0.100:80", "bad protocol 'sctp'; expected "
	  "one of: tcp udp" },
	{ RUN, "vip add tcp", "missing ADDR:PORT; usage: vip add PROTO "
	  "ADDR:PORT [sticky] [mode ipip|gue|l2]" },
	{ RUN, "vip add tcp 198.18.0.100", "bad VIP '198.18.0.100'; expected "
	  "ADDR:PORT, e.g. 198.18.0.100:80 or [2001:db8::1]:443" },
	{ RUN, "vip add tcp 2001:db8::1:443", "bad VIP '2001:db8::1:443'; "
	  "expected ADDR:PORT, e.g. 198.18.0.100:80 or [2001:db8::1]:443" },
	{ RUN, "vip add tcp 198.18.0.100:80 mode dsr", "unknown mode 'dsr'; "
	  "expected: ipip gue l2" },
	{ CFG, "flood-rate -1", "bad flood-rate '-1'; expected a number "
	  "0..100000000" },
	{ CFG, "gue-port 0", "bad gue-port '0'; expected a number 1..65535" },
	{ CFG, "gue-port 65536", "bad gue-port '65536'; expected a number "
	  "1..65535" },
	{ RUN, "gue-port 7000", "'gue-port' is only allowed in the config "
	  "file" },
	{ RUN, "vip add tcp 198.18.0.100:80 mode", "missing MODE; usage: vip "
	  "add PROTO ADDR:PORT [sticky] [mode ipip|gue|l2]" },
	{ RUN, "vip add tcp 198.18.0.100:80 sticky sticky",
	  "'sticky' given twice" },
	{ RUN, "vip add tcp 198.18.0.100:80 stiky", "unknown word 'stiky'; "
	  "expected one of: sticky mode" },
	{ RUN, "vip del tcp 198.18.0.100:80 now", "unexpected word 'now'; "
	  "usage: vip del PROTO ADDR:PORT" },
	{ RUN, "vip list all", "unexpected word 'all'; usage: vip list" },
	{ RUN, "backend add tcp 198.18.0.100:80", "missing ADDR; usage: "
	  "backend add PROTO VIP:PORT ADDR [weight N]" },
	{ RUN, "backend add tcp", "missing VIP:PORT; usage: backend add PROTO "
	  "VIP:PORT ADDR [weight N]" },
	{ RUN, "backend add tcp 198.18.0.100:80 198.18.0.11:80",
	  "bad address '198.18.0.11:80'; expected an IPv4 or IPv6 address" },
	{ RUN, "vip add tcp 0.0.0.0:80", "bad VIP '0.0.0.0:80'; expected a "
	  "unicast address" },
	{ RUN, "vip add udp [ff02::1]:53", "bad VIP '[ff02::1]:53'; expected "
	  "a unicast address" },
	{ RUN, "vip add udp 239.1.1.1:53", "bad VIP '239.1.1.1:53'; expected "
	  "a unicast address" },
	{ RUN, "backend add tcp 198.18.0.100:80 ::", "bad address '::'; "
	  "expected a unicast address" },
	{ RUN, "backend add tcp 198.18.0.100:80 255.255.255.255", "bad address "
	  "'255.255.255.255'; expected a unicast address" },
	{ CFG, "encap-source 224.0.0.1", "bad address '224.0.0.1'; expected a "
	  "unicast address" },
	{ RUN, "backend add tcp 198.18.0.100:80 198.18.0.11 weight 65536",
	  "bad weight '65536'; expected a number 0..65535" },
	{ RUN, "backend add tcp 198.18.0.100:80 198.18.0.11 weight -1",
	  "bad weight '-1'; expected a number 0..65535" },
	{ RUN, "backend add tcp 198.18.0.100:80 198.18.0.11 weight",
	  "missing N; usage: backend add PROTO VIP:PORT ADDR [weight N]" },
	{ RUN, "backend add tcp 198.18.0.100:80 198.18.0.11 weight 1 weight 2",
	  "'weight' given twice" },
	{ RUN, "backend weight tcp 198.18.0.100:80 198.18.0.11",
	  "missing N; usage: backend weight PROTO VIP:PORT ADDR N" },
	{ RUN, "backend weight tcp 198.18.0.100:80 198.18.0.11 5 6",
	  "unexpected word '6'; usage: backend weight PROTO VIP:PORT ADDR N" },
	{ RUN, "backend drain tcp 198.18.0.100:80 198.18.0.11 timeout 5",
	  "bad timeout '5'; expected a number with a unit (ms s m h), e.g. "
	  "250ms or 2s" },
	{ RUN, "backend drain tcp 198.18.0.100:80 198.18.0.11 timeout 0s",
	  "bad timeout '0s'; expected 1ms..24h" },
	{ RUN, "backend drain tcp 198.18.0.100:80 198.18.0.11 timeout 25h",
	  "bad timeout '25h'; expected 1ms..24h" },
	{ RUN, "backend del tcp 198.18.0.100:80 198.18.0.11 now",
	  "unknown word 'now'; expected one of: force" },
	{ RUN, "flows tcp", "missing VIP:PORT; usage: flows [PROTO VIP:PORT] "
	  "[limit N]" },
	{ RUN, "flows icmp 198.18.0.100:80", "unknown word 'icmp'; expected "
	  "one of: tcp udp limit" },
	{ RUN, "flows limt 5", "unknown word 'limt'; expected one of: tcp udp "
	  "limit" },
	{ RUN, "flows limit", "missing N; usage: flows [PROTO VIP:PORT] "
	  "[limit N]" },
	{ RUN, "flows limit 0", "bad limit '0'; expected a number "
	  "1..4294967295" },
	{ RUN, "flows limit -1", "bad limit '-1'; expected a number "
	  "1..4294967295" },
	{ RUN, "flows limit x", "bad limit 'x'; expected a number "
	  "1..4294967295" },
	{ RUN, "flows limit 4294967296", "bad limit '4294967296'; expected a "
	  "number 1..4294967295" },
	{ RUN, "flows limit 5 limit 6", "'limit' given twice" },
	{ RUN, "flows limit 5 tcp 198.18.0.100:80", "unknown word 'tcp'; "
	  "expected one of: limit" },
	{ RUN, "flows tcp 198.18.0.100:80 all", "unknown word 'all'; expected "
	  "one of: limit" },
	{ CFG, "flows", "'flows' is not allowed in a config file" },
	{ CFG, "flows limit 5", "'flows' is not allowed in a config file" },
	{ RUN, "health show tcp 198.18.0.100:80 limit 5", "unexpected word "
	  "'limit'; usage: health show [PROTO VIP:PORT]" },
	{ CFG, "interface", "missing IFACE; usage: interface IFACE [generic]" },
	{ CFG, "interface abcdefghijklmnop", "bad interface name "
	  "'abcdefghijklmnop'" },
	{ CFG, "interface eth0/1", "bad interface name 'eth0/1'" },
	{ CFG, "interface ..", "bad interface name '..'" },
	{ CFG, "interface eth0 native", "unknown word 'native'; expected one "
	  "of: generic" },
	{ CFG, "hash-seed 4294967296", "bad hash-seed '4294967296'; expected "
	  "a number 0..4294967295" },
	{ CFG, "hash-seed", "missing N; usage: hash-seed N" },
	{ CFG, "encap-source 198.18.0.300", "bad address '198.18.0.300'; "
	  "expected an IPv4 or IPv6 address" },
	{ CFG, "encap-source 198.18.0.1 2001:db8::1", "unexpected word "
	  "'2001:db8::1'; usage: encap-source ADDR" },
	{ CFG, "conntrack-size 1023", "bad conntrack-size '1023'; expected a "
	  "number 1024..67108864" },
	{ CFG, "table-size 100", "table-size 100 is not prime; the next prime "
	  "is 101" },
	{ CFG, "table-size 1048576", "bad table-size '1048576'; expected a "
	  "number 2..1048573" },
	{ CFG, "table-size 1", "bad table-size '1'; expected a number "
	  "2..1048573" },
	{ CFG, "udp-timeout 30", "bad udp-timeout '30'; expected a number "
	  "with a unit (ms s m h), e.g. 250ms or 2s" },
	{ RUN, "stats /x.prom", "unexpected word '/x.prom'; usage: stats" },
	{ CFG, "stats", "missing FILE; usage: stats FILE [interval DURATION]" },
	{ CFG, "stats x.prom", "bad stats file 'x.prom'; expected an absolute "
	  "path to a file, e.g. /var/lib/node_exporter/xlb.prom" },
	{ CFG, "stats /var/lib/", "bad stats file '/var/lib/'; expected an "
	  "absolute path to a file, e.g. /var/lib/node_exporter/xlb.prom" },
	{ CFG, "stats /a\x7f" "b", "bad stats file '/a?b'; expected an absolute "
	  "path to a file, e.g. /var/lib/node_exporter/xlb.prom" },
	{ CFG, "stats /x.prom interval", "missing DURATION; usage: stats FILE "
	  "[interval DURATION]" },
	{ CFG, "stats /x.prom interval 9ms", "bad interval '9ms'; expected "
	  "10ms..1h" },
	{ CFG, "stats /x.prom interval 61m", "bad interval '61m'; expected "
	  "10ms..1h" },
	{ CFG, "stats /x.prom interval 2", "bad interval '2'; expected a "
	  "number with a unit (ms s m h), e.g. 250ms or 2s" },
	{ CFG, "stats /x.prom interval 1s interval 2s", "'interval' given "
	  "twice" },
	{ RUN, "health", "missing word after 'health'; expected one of: set "
	  "show" },
	{ CFG, "health set tcp 198.18.0.100:80 tcp", "bad protocol 'set'; "
	  "expected one of: tcp udp" },
	{ RUN, "health tcp 198.18.0.100:80 tcp", "unknown word 'tcp'; "
	  "expected one of: set show" },
	{ CFG, "health show", "bad protocol 'show'; expected one of: tcp "
	  "udp" },
	{ RUN, "health set tcp 198.18.0.100:80 ping", "bad check 'ping'; "
	  "expected one of: tcp http udp none" },
	{ RUN, "health set tcp 198.18.0.100:80", "missing CHECK; usage: "
	  "health set PROTO VIP:PORT CHECK [port N] [interval DURATION] "
	  "[timeout DURATION] [rise N] [fall N] [fail-closed]" },
	{ RUN, "health set tcp 198.18.0.100:80 tcp path /x", "unknown word "
	  "'path'; expected one of: port interval timeout rise fall "
	  "fail-closed" },
	{ RUN, "health set tcp 198.18.0.100:80 http path x", "bad path 'x'; "
	  "expected one starting with '/'" },
	{ RUN, "health set tcp 198.18.0.100:80 http expect 600", "bad status "
	  "code '600'; expected a number 100..599" },
	{ RUN, "health set tcp 198.18.0.100:80 tcp interval 5ms", "bad "
	  "interval '5ms'; expected 10ms..1h" },
	{ RUN, "health set tcp 198.18.0.100:80 tcp interval 100ms timeout "
	  "200ms", "timeout 200ms is longer than the interval 100ms" },
	{ RUN, "health set tcp 198.18.0.100:80 tcp timeout 2s", "timeout "
	  "2000ms is longer than the interval 1000ms" },
	{ RUN, "health set tcp 198.18.0.100:80 tcp rise 0", "bad rise '0'; "
	  "expected a number 1..100" },
	{ RUN, "health set tcp 198.18.0.100:80 tcp fall 3 fall 3", "'fall' "
	  "given twice" },
	{ RUN, "health set udp 198.18.0.100:53 udp send ping", "'send' needs "
	  "'expect' (what the reply must contain)" },
	{ RUN, "health set tcp 198.18.0.100:80 none rise 2", "unexpected word "
	  "'rise'; usage: health set PROTO VIP:PORT CHECK [port N] [interval "
	  "DURATION] [timeout DURATION] [rise N] [fall N] [fail-closed]" },
	{ RUN, "agent set tcp 198.18.0.100:80", "missing 'port N'; usage: "
	  "agent set PROTO VIP:PORT port N [interval DURATION] [timeout "
	  "DURATION] [damp-interval DURATION] [damp-change PCT]" },
	{ CFG, "agent tcp 198.18.0.100:80 damp-change 20%", "missing 'port "
	  "N'; usage: agent PROTO VIP:PORT port N [interval DURATION] "
	  "[timeout DURATION] [damp-interval DURATION] [damp-change PCT]" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp", "unknown word "
	  "'damp'; expected one of: port interval timeout damp-interval "
	  "damp-change" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-interval 0s",
	  "bad damp-interval '0s'; expected 1ms..24h" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-interval 9ms",
	  "bad damp-interval '9ms'; expected 10ms..1h" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-interval 2h",
	  "bad damp-interval '2h'; expected 10ms..1h" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-interval -5s",
	  "bad damp-interval '-5s'; expected a number with a unit (ms s m h), "
	  "e.g. 250ms or 2s" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-interval",
	  "missing DURATION; usage: agent set PROTO VIP:PORT port N [interval "
	  "DURATION] [timeout DURATION] [damp-interval DURATION] [damp-change "
	  "PCT]" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change 0",
	  "bad damp-change '0'; expected a percentage 1..50, e.g. 20%" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change 0%",
	  "bad damp-change '0%'; expected a percentage 1..50, e.g. 20%" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change 51%",
	  "bad damp-change '51%'; expected a percentage 1..50, e.g. 20%" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change -10%",
	  "bad damp-change '-10%'; expected a percentage 1..50, e.g. 20%" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change %",
	  "bad damp-change '%'; expected a percentage 1..50, e.g. 20%" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change 10%%",
	  "bad damp-change '10%%'; expected a percentage 1..50, e.g. 20%" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change "
	  "99999999999999999999", "bad damp-change '99999999999999999999'; "
	  "expected a percentage 1..50, e.g. 20%" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 1 damp-change 20 "
	  "damp-change 30", "'damp-change' given twice" },
	{ RUN, "agent set tcp 198.18.0.100:80 port 0", "bad port '0'; "
	  "expected a number 1..65535" },
	/* Bad words are quoted harmlessly and bounded. */
	{ RUN, "vip\x01", "unknown word 'vip?'; expected one of: vip backend "
	  "health agent vrrp status flows save stats shutdown" },
	{ RUN, "vip add tcp aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaa",
	  "bad VIP 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'; expected "
	  "ADDR:PORT, e.g. 198.18.0.100:80 or [2001:db8::1]:443" },
};

static void test_bad(void **state)
{
	struct cmd c = { .verb = CMD_STATUS }, before;
	char err[256];
	size_t i;

	(void)state;
	before = c;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];

		memset(err, 'x', sizeof(err));
		err[sizeof(err) - 1] = '\0';
		if (parse(b->line, b->ctx, &c, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' parsed", b->line);
		if (strcmp(err, b->msg))
			fail_msg("'%s':\n  got      %s\n  expected %s", b->line,
				 err, b->msg);
		/* A failed parse leaves the output alone. */
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

/*
 * The control socket hands argv over as JSON, so a word may hold what no
 * config line can: a blank, nothing at all, or a leading '#' that a file
 * reads as a comment. Such a command could not be saved and read back
 * (fuzz_ctl found "host #x" written by save and lost on reload).
 */
static void test_unsavable_words(void **state)
{
	static const struct {
		const char *w;
		const char *shown;
	} words[] = {
		{ "#x", "#x" }, { "#", "#" }, { "", "" }, { "a b", "a b" },
		{ "a\tb", "a?b" }, { "a\nb", "a?b" },
	};
	struct cmd c = { .verb = CMD_STATUS }, before = c;
	char err[256], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		char *argv[] = { "health", "set", "tcp", "198.18.0.100:80",
				 "http", "host", (char *)words[i].w };

		assert_int_equal(cmd_parse(7, argv, RUN, &c, err, sizeof(err)),
				 -EINVAL);
		snprintf(want, sizeof(want), "bad word '%s'; a word is not "
			 "empty, holds no blank and does not start with '#'",
			 words[i].shown);
		assert_string_equal(err, want);
		assert_memory_equal(&c, &before, sizeof(c));
	}
	/* '#' inside a word is an ordinary character. */
	{
		char *argv[] = { "health", "set", "tcp", "198.18.0.100:80",
				 "http", "path", "/a#b" };

		assert_int_equal(cmd_parse(7, argv, RUN, &c, err, sizeof(err)),
				 0);
		assert_string_equal(c.check.path, "/a#b");
	}
}

static void test_usage(void **state)
{
	(void)state;
	assert_string_equal(cmd_usage(),
		"  vip add PROTO ADDR:PORT [sticky] [mode ipip|gue|l2]\n"
		"      add a VIP (sticky: pick by client address only)\n"
		"  vip del PROTO ADDR:PORT\n"
		"      remove a VIP and its backends\n"
		"  vip list\n"
		"      list the VIPs\n"
		"  backend add PROTO VIP:PORT ADDR [weight N]\n"
		"      add a backend to a VIP (weight 0..65535, default 100)\n"
		"  backend weight PROTO VIP:PORT ADDR N\n"
		"      change a backend's weight\n"
		"  backend drain PROTO VIP:PORT ADDR [timeout DURATION]\n"
		"      no new flows to the backend; its flows continue\n"
		"  backend undrain PROTO VIP:PORT ADDR\n"
		"      put a draining backend back\n"
		"  backend del PROTO VIP:PORT ADDR [force]\n"
		"      remove a backend (force: even with live flows)\n"
		"  health set PROTO VIP:PORT CHECK [port N] [interval DURATION] "
		"[timeout DURATION] [rise N] [fall N] [fail-closed]\n"
		"      set a VIP's backend check; CHECK: tcp | http [path P] "
		"[expect CODE] [host H] | udp [send S expect S] | none\n"
		"  health show [PROTO VIP:PORT]\n"
		"      health of every backend, of all VIPs or of one\n"
		"  agent set PROTO VIP:PORT port N [interval DURATION] "
		"[timeout DURATION] [damp-interval DURATION] "
		"[damp-change PCT]\n"
		"      ask each backend's load agent on port N for its weight\n"
		"  agent del PROTO VIP:PORT\n"
		"      stop asking the load agents; configured weights again\n"
		"  vrrp show\n"
		"      VRRP instances: state, priority, master, counters\n"
		"  vrrp priority VRID N\n"
		"      set an instance's priority (1..254) until restart\n"
		"  status\n"
		"      VIPs and backends with state and counters\n"
		"  flows [PROTO VIP:PORT] [limit N]\n"
		"      tracked flows, of all VIPs or of one (limit: at most N)\n"
		"  save\n"
		"      print the running config\n"
		"  stats\n"
		"      print the stats file's text (Prometheus format)\n"
		"  shutdown\n"
		"      detach the data path and stop xlbd\n");
}

static void test_small_err_buffer(void **state)
{
	struct cmd c;
	char err[8];

	(void)state;
	assert_int_equal(parse("vips", RUN, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown");
	assert_int_equal(parse("vips", RUN, &c, NULL, 0), -EINVAL);
}

/* What the grammar table says about each verb, gathered by cmd_walk. */
struct verbs {
	unsigned int leaves[CMD__MAX][2];	/* [0]: config, [1]: runtime */
	unsigned int flags[CMD__MAX];
	bool disagree[CMD__MAX];
	unsigned int out_of_range;
};

static void gather(void *arg, enum cmd_verb verb, unsigned int ctx,
		   unsigned int flags)
{
	struct verbs *vs = arg;

	if (verb <= CMD_NONE || verb >= CMD__MAX) {
		vs->out_of_range++;
		return;
	}
	if (vs->leaves[verb][0] + vs->leaves[verb][1] &&
	    vs->flags[verb] != flags)
		vs->disagree[verb] = true;
	vs->flags[verb] = flags;
	vs->leaves[verb][0] += !!(ctx & CFG);
	vs->leaves[verb][1] += !!(ctx & RUN);
}

/* A failed check names the verb, its flags and the rule it broke. */
#define VERB_CHECK(v, f, cond)						\
	do {								\
		if (!(cond))						\
			fail_msg("verb %d (flags %#x): %s", (v), (f), #cond); \
	} while (0)

/*
 * Every verb is described once, in the grammar table, and the description
 * holds together: a new verb without its leaf or its flags fails here.
 */
static void test_verb_table(void **state)
{
	struct verbs vs = { 0 };
	struct conf conf;
	char err[256];
	int v, ret;

	(void)state;
	cmd_walk(gather, &vs);
	assert_int_equal(vs.out_of_range, 0);
	conf_init(&conf);
	for (v = CMD_NONE + 1; v < CMD__MAX; v++) {
		unsigned int f = vs.flags[v], cfg = vs.leaves[v][0],
			     run = vs.leaves[v][1];
		struct cmd c = { .verb = v };
		bool mut = f & CMD_F_MUTATES;

		/* parsed somewhere, and one way in each context */
		VERB_CHECK(v, f, cfg + run > 0);
		VERB_CHECK(v, f, cfg <= 1 && run <= 1);
		VERB_CHECK(v, f, !vs.disagree[v]);
		/* a mutation or a query, never both or neither */
		VERB_CHECK(v, f, mut != !!(f & CMD_F_QUERY));
		VERB_CHECK(v, f, !(f & ~(CMD_F_MUTATES | CMD_F_QUERY |
					 CMD_F_SETTING)));
		/* a setting is a config file's, and changes the config */
		VERB_CHECK(v, f, !(f & CMD_F_SETTING) || (mut && !run));
		/* a statement in a file is there to change the config */
		VERB_CHECK(v, f, !cfg || mut);
		/* the functions read the table */
		VERB_CHECK(v, f, cmd_verb_mutates(v) == mut);
		VERB_CHECK(v, f, cmd_verb_is_setting(v) ==
				 !!(f & CMD_F_SETTING));
		/* and conf_apply takes exactly the mutations */
		ret = conf_apply(&conf, &c, err, sizeof(err));
		VERB_CHECK(v, f, mut == (ret != -EOPNOTSUPP));
	}
	conf_free(&conf);
	assert_false(cmd_verb_mutates(CMD_NONE));
	assert_false(cmd_verb_is_setting(CMD_NONE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_vip_add),
		cmocka_unit_test(test_backend),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_daemon_statements),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_vrrp),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_unsavable_words),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_verb_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
