// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus stats file: exact rendering, label escaping, input
 * checks, what stats_write_file() leaves behind when it succeeds, fails or
 * dies mid-write, and what stats_clean_temps() removes of it.
 *
 * Run with arguments it is the writer of tests/e2e/test_stats_format.sh:
 *   test_stats --write PATH [COUNT]   the sample snapshot, COUNT times
 *                                     10 ms apart, each one different
 *   test_stats --write-empty PATH     a snapshot with nothing configured
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "addr.h"
#include "stats.h"
#include "xlb.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;

	if (addr_parse(s, &a))
		abort();
	return a;
}

/* Two VIPs (IPv4 TCP, IPv6 UDP), one backend each, one VRRP instance. */
static struct stats_vip small_vips[2];
static struct stats_backend small_backends[2];
static struct stats_vrrp small_vrrp[1];

static void small_snapshot(struct stats_snapshot *s)
{
	static const __u64 global[][2] = {
		{ XLB_STAT_PASS, 11 },		{ XLB_STAT_OTHERHOST, 2 },
		{ XLB_STAT_TX, 600 },		{ XLB_STAT_REDIRECT, 7 },
		{ XLB_STAT_DROP_FIREWALL, 1 },	{ XLB_STAT_DROP_NO_BACKEND, 2 },
		{ XLB_STAT_DROP_PARSE, 3 },	{ XLB_STAT_DROP_TOO_BIG, 4 },
		{ XLB_STAT_DROP_FIB, 5 },	{ XLB_STAT_DROP_NO_NEIGH, 6 },
		{ XLB_STAT_DROP_ENCAP, 7 },	{ XLB_STAT_DROP_FRAG, 8 },
		{ XLB_STAT_CT_HIT, 500 },	{ XLB_STAT_CT_MISS_SYN, 13 },
		{ XLB_STAT_CT_MISS_NONSYN, 1 },	{ XLB_STAT_CT_REPICK, 99 },
		{ XLB_STAT_CT_REMOTE, 21 },	{ XLB_STAT_CT_EVICT, 22 },
		{ XLB_STAT_CT_FULL, 23 },	{ XLB_STAT_CT_MOVED, 24 },
		{ XLB_STAT_CT_REMOTE_SKIP, 25 },
	};
	size_t i;

	memset(small_vips, 0, sizeof(small_vips));
	memset(small_backends, 0, sizeof(small_backends));
	memset(small_vrrp, 0, sizeof(small_vrrp));
	small_vips[0] = (struct stats_vip){
		.addr = ip("198.18.0.100"), .port = 80, .proto = IPPROTO_TCP,
		.packets = 1000, .bytes = 64000, .new_flows = 10,
		.fail = STATS_FAIL_OPEN,
	};
	small_vips[1] = (struct stats_vip){
		.addr = ip("2001:db8:0:0::100"), .port = 53,
		.proto = IPPROTO_UDP,
		.packets = 7, .bytes = 700, .new_flows = 3,
		.fail = STATS_FAIL_CLOSED,
	};
	small_backends[0] = (struct stats_backend){
		.vip = 0, .addr = ip("198.18.1.1"),
		.packets = 600, .bytes = 36000, .new_flows = 6,
		.active_flows = 4, .weight = 100, .up = true,
		.checks = { 50, 2, 1 },
	};
	small_backends[1] = (struct stats_backend){
		.vip = 1, .addr = ip("2001:db8::10"),
		.packets = 7, .bytes = 840, .new_flows = 3,
		.active_flows = 0, .weight = 0, .draining = true,
		.resolving = true, .nexthop_losses = 2,
		.checks = { 0, 5, 9 },
	};
	small_vrrp[0] = (struct stats_vrrp){
		.vrid = 51, .state = STATS_VRRP_MASTER, .prio = 150,
		.transitions = 3, .tx_adverts = 1200, .rx_adverts = 17,
	};
	small_vrrp[0].drops[VRRP_DROP_TTL] = 3;
	small_vrrp[0].drops[VRRP_DROP_CSUM] = 1;
	small_vrrp[0].drops[VRRP_DROP_PEER] = 4;
	memset(s, 0, sizeof(*s));
	s->vips = small_vips;
	s->n_vips = ARRAY_SIZE(small_vips);
	s->backends = small_backends;
	s->n_backends = ARRAY_SIZE(small_backends);
	s->vrrp = small_vrrp;
	s->n_vrrp = ARRAY_SIZE(small_vrrp);
	for (i = 0; i < ARRAY_SIZE(global); i++) {
		s->global[global[i][0]].packets = global[i][1];
		s->global[global[i][0]].bytes = global[i][1] * 100;
	}
	s->ct_entries = 12;
	s->ct_live = 10;
	s->ct_capacity = XLB_CONNTRACK_DEFAULT;
	s->flood_active = true;
	s->flood_syns = 42;
	s->version = "0.1.0";
	s->time_ms = 1764259049007ull;
}

static const char small_expected[] =
	"# HELP xlb_vip_packets_total Packets received for the VIP.\n"
	"# TYPE xlb_vip_packets_total counter\n"
	"xlb_vip_packets_total{proto=\"tcp\",vip=\"198.18.0.100:80\"} 1000\n"
	"xlb_vip_packets_total{proto=\"udp\",vip=\"[2001:db8::100]:53\"} 7\n"
	"# HELP xlb_vip_bytes_total Bytes received for the VIP, "
	"as they arrived.\n"
	"# TYPE xlb_vip_bytes_total counter\n"
	"xlb_vip_bytes_total{proto=\"tcp\",vip=\"198.18.0.100:80\"} 64000\n"
	"xlb_vip_bytes_total{proto=\"udp\",vip=\"[2001:db8::100]:53\"} 700\n"
	"# HELP xlb_vip_new_flows_total Flows the VIP assigned a backend.\n"
	"# TYPE xlb_vip_new_flows_total counter\n"
	"xlb_vip_new_flows_total{proto=\"tcp\",vip=\"198.18.0.100:80\"} 10\n"
	"xlb_vip_new_flows_total{proto=\"udp\",vip=\"[2001:db8::100]:53\"} 3\n"
	"# HELP xlb_vip_failing_open 1 while every checked backend is down "
	"and the VIP keeps its last table, else 0.\n"
	"# TYPE xlb_vip_failing_open gauge\n"
	"xlb_vip_failing_open{proto=\"tcp\",vip=\"198.18.0.100:80\"} 1\n"
	"xlb_vip_failing_open{proto=\"udp\",vip=\"[2001:db8::100]:53\"} 0\n"
	"# HELP xlb_vip_failing_closed 1 while every checked backend is down "
	"and the VIP's table is empty (fail-closed), else 0.\n"
	"# TYPE xlb_vip_failing_closed gauge\n"
	"xlb_vip_failing_closed{proto=\"tcp\",vip=\"198.18.0.100:80\"} 0\n"
	"xlb_vip_failing_closed{proto=\"udp\",vip=\"[2001:db8::100]:53\"} 1\n"
	"# HELP xlb_backend_packets_total Packets forwarded to the backend.\n"
	"# TYPE xlb_backend_packets_total counter\n"
	"xlb_backend_packets_total{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 600\n"
	"xlb_backend_packets_total{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 7\n"
	"# HELP xlb_backend_bytes_total Bytes forwarded to the backend, "
	"before encapsulation.\n"
	"# TYPE xlb_backend_bytes_total counter\n"
	"xlb_backend_bytes_total{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 36000\n"
	"xlb_backend_bytes_total{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 840\n"
	"# HELP xlb_backend_new_flows_total Flows assigned to the backend.\n"
	"# TYPE xlb_backend_new_flows_total counter\n"
	"xlb_backend_new_flows_total{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 6\n"
	"xlb_backend_new_flows_total{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 3\n"
	"# HELP xlb_backend_active_flows Live conntrack entries pointing at "
	"the backend.\n"
	"# TYPE xlb_backend_active_flows gauge\n"
	"xlb_backend_active_flows{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 4\n"
	"xlb_backend_active_flows{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 0\n"
	"# HELP xlb_backend_up 1 if health checks pass, else 0.\n"
	"# TYPE xlb_backend_up gauge\n"
	"xlb_backend_up{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 1\n"
	"xlb_backend_up{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 0\n"
	"# HELP xlb_backend_weight Effective weight in the Maglev table.\n"
	"# TYPE xlb_backend_weight gauge\n"
	"xlb_backend_weight{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 100\n"
	"xlb_backend_weight{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 0\n"
	"# HELP xlb_backend_draining 1 while the backend drains: "
	"no new flows.\n"
	"# TYPE xlb_backend_draining gauge\n"
	"xlb_backend_draining{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 0\n"
	"xlb_backend_draining{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 1\n"
	"# HELP xlb_backend_resolving 1 while the backend's next hop is "
	"unresolved: no new flows.\n"
	"# TYPE xlb_backend_resolving gauge\n"
	"xlb_backend_resolving{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 0\n"
	"xlb_backend_resolving{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\"} 1\n"
	"# HELP xlb_backend_nexthop_losses_total Times the backend's next "
	"hop went from resolved to unresolved.\n"
	"# TYPE xlb_backend_nexthop_losses_total counter\n"
	"xlb_backend_nexthop_losses_total{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\"} 0\n"
	"xlb_backend_nexthop_losses_total{proto=\"udp\","
	"vip=\"[2001:db8::100]:53\",backend=\"2001:db8::10\"} 2\n"
	"# HELP xlb_health_checks_total Health check probes finished, "
	"by result.\n"
	"# TYPE xlb_health_checks_total counter\n"
	"xlb_health_checks_total{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\",result=\"ok\"} 50\n"
	"xlb_health_checks_total{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\",result=\"fail\"} 2\n"
	"xlb_health_checks_total{proto=\"tcp\",vip=\"198.18.0.100:80\","
	"backend=\"198.18.1.1\",result=\"timeout\"} 1\n"
	"xlb_health_checks_total{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\",result=\"ok\"} 0\n"
	"xlb_health_checks_total{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\",result=\"fail\"} 5\n"
	"xlb_health_checks_total{proto=\"udp\",vip=\"[2001:db8::100]:53\","
	"backend=\"2001:db8::10\",result=\"timeout\"} 9\n"
	"# HELP xlb_packets_total Packets seen by the XDP program, "
	"by verdict.\n"
	"# TYPE xlb_packets_total counter\n"
	"xlb_packets_total{action=\"pass\"} 13\n"
	"xlb_packets_total{action=\"tx\"} 600\n"
	"xlb_packets_total{action=\"redirect\"} 7\n"
	"xlb_packets_total{action=\"drop\"} 36\n"
	"# HELP xlb_drops_total Packets dropped by the XDP program, "
	"by reason.\n"
	"# TYPE xlb_drops_total counter\n"
	"xlb_drops_total{reason=\"firewall\"} 1\n"
	"xlb_drops_total{reason=\"no_backend\"} 2\n"
	"xlb_drops_total{reason=\"parse\"} 3\n"
	"xlb_drops_total{reason=\"too_big\"} 4\n"
	"xlb_drops_total{reason=\"fib\"} 5\n"
	"xlb_drops_total{reason=\"no_neigh\"} 6\n"
	"xlb_drops_total{reason=\"encap\"} 7\n"
	"xlb_drops_total{reason=\"fragment\"} 8\n"
	"# HELP xlb_conntrack_entries Used slots of the flow table (expired "
	"ones are freed as the daemon's scan finds them).\n"
	"# TYPE xlb_conntrack_entries gauge\n"
	"xlb_conntrack_entries 12\n"
	"# HELP xlb_conntrack_live Live flows in the flow table.\n"
	"# TYPE xlb_conntrack_live gauge\n"
	"xlb_conntrack_live 10\n"
	"# HELP xlb_conntrack_capacity Size of the flow table, in flows.\n"
	"# TYPE xlb_conntrack_capacity gauge\n"
	"xlb_conntrack_capacity 4194304\n"
	"# HELP xlb_conntrack_hits_total Packets that found their flow in "
	"conntrack.\n"
	"# TYPE xlb_conntrack_hits_total counter\n"
	"xlb_conntrack_hits_total 500\n"
	"# HELP xlb_conntrack_misses_total Packets without a conntrack entry: "
	"syn starts a flow (TCP SYN or new UDP), nonsyn is a TCP packet of an "
	"unknown flow.\n"
	"# TYPE xlb_conntrack_misses_total counter\n"
	"xlb_conntrack_misses_total{kind=\"syn\"} 13\n"
	"xlb_conntrack_misses_total{kind=\"nonsyn\"} 1\n"
	"# HELP xlb_conntrack_remote_hits_total Packets that found their flow "
	"in another CPU's part of the table (copied to their own).\n"
	"# TYPE xlb_conntrack_remote_hits_total counter\n"
	"xlb_conntrack_remote_hits_total 21\n"
	"# HELP xlb_conntrack_evictions_total Live flows that never saw a "
	"second packet, replaced by a new flow for want of room.\n"
	"# TYPE xlb_conntrack_evictions_total counter\n"
	"xlb_conntrack_evictions_total 22\n"
	"# HELP xlb_conntrack_untracked_total New flows that found no slot "
	"(every candidate an established flow): forwarded by the Maglev table "
	"alone.\n"
	"# TYPE xlb_conntrack_untracked_total counter\n"
	"xlb_conntrack_untracked_total 23\n"
	"# HELP xlb_conntrack_moves_total Entries moved to their other bucket "
	"to make room.\n"
	"# TYPE xlb_conntrack_moves_total counter\n"
	"xlb_conntrack_moves_total 24\n"
	"# HELP xlb_conntrack_remote_skipped_total Packets of flows unknown to "
	"their CPU's part of the table that did not look in the others (over "
	"the per-CPU budget): forwarded by the Maglev table, no entry.\n"
	"# TYPE xlb_conntrack_remote_skipped_total counter\n"
	"xlb_conntrack_remote_skipped_total 25\n"
	"# HELP xlb_conntrack_freed_total Slots the daemon freed: expired is "
	"an idle timeout, backend_gone a deleted or failed backend's flows.\n"
	"# TYPE xlb_conntrack_freed_total counter\n"
	"xlb_conntrack_freed_total{reason=\"expired\"} 0\n"
	"xlb_conntrack_freed_total{reason=\"backend_gone\"} 0\n"
	"# HELP xlb_vrrp_state VRRP instance state: 0 init, 1 backup, "
	"2 master.\n"
	"# TYPE xlb_vrrp_state gauge\n"
	"xlb_vrrp_state{vrid=\"51\"} 2\n"
	"# HELP xlb_vrrp_transitions_total VRRP state changes of the "
	"instance.\n"
	"# TYPE xlb_vrrp_transitions_total counter\n"
	"xlb_vrrp_transitions_total{vrid=\"51\"} 3\n"
	"# HELP xlb_vrrp_priority VRRP priority the instance advertises, "
	"after tracking.\n"
	"# TYPE xlb_vrrp_priority gauge\n"
	"xlb_vrrp_priority{vrid=\"51\"} 150\n"
	"# HELP xlb_vrrp_adverts_sent_total VRRP advertisements sent (once "
	"for all peers).\n"
	"# TYPE xlb_vrrp_adverts_sent_total counter\n"
	"xlb_vrrp_adverts_sent_total{vrid=\"51\"} 1200\n"
	"# HELP xlb_vrrp_adverts_received_total VRRP advertisements received "
	"that passed every check.\n"
	"# TYPE xlb_vrrp_adverts_received_total counter\n"
	"xlb_vrrp_adverts_received_total{vrid=\"51\"} 17\n"
	"# HELP xlb_vrrp_adverts_dropped_total VRRP advertisements received "
	"and dropped, by reason.\n"
	"# TYPE xlb_vrrp_adverts_dropped_total counter\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"family\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"ttl\"} 3\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"truncated\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"version\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"type\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"length\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"checksum\"} 1\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"interval\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"vrid\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"peer\"} 4\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"own\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"count\"} 0\n"
	"xlb_vrrp_adverts_dropped_total{vrid=\"51\","
	"reason=\"addrs\"} 0\n"
	"# HELP xlb_flood_active 1 while the SYN flood guard is active, "
	"else 0.\n"
	"# TYPE xlb_flood_active gauge\n"
	"xlb_flood_active 1\n"
	"# HELP xlb_flood_syns_total SYNs handled by the flood guard.\n"
	"# TYPE xlb_flood_syns_total counter\n"
	"xlb_flood_syns_total 42\n"
	"# HELP xlb_build_info Always 1; the version label says which xlb "
	"wrote the file.\n"
	"# TYPE xlb_build_info gauge\n"
	"xlb_build_info{version=\"0.1.0\"} 1\n"
	"# HELP xlb_stats_write_timestamp_seconds When xlb took this snapshot, "
	"in seconds since the epoch.\n"
	"# TYPE xlb_stats_write_timestamp_seconds gauge\n"
	"xlb_stats_write_timestamp_seconds 1764259049.007\n";

/* Every family of the contract, in file order. */
static const char *const families[] = {
	"xlb_vip_packets_total", "xlb_vip_bytes_total",
	"xlb_vip_new_flows_total", "xlb_vip_failing_open",
	"xlb_vip_failing_closed", "xlb_backend_packets_total",
	"xlb_backend_bytes_total", "xlb_backend_new_flows_total",
	"xlb_backend_active_flows", "xlb_backend_up", "xlb_backend_weight",
	"xlb_backend_draining", "xlb_backend_resolving",
	"xlb_backend_nexthop_losses_total", "xlb_health_checks_total",
	"xlb_packets_total", "xlb_drops_total", "xlb_conntrack_entries",
	"xlb_conntrack_live", "xlb_conntrack_capacity",
	"xlb_conntrack_hits_total", "xlb_conntrack_misses_total",
	"xlb_conntrack_remote_hits_total", "xlb_conntrack_evictions_total",
	"xlb_conntrack_untracked_total", "xlb_conntrack_moves_total",
	"xlb_conntrack_remote_skipped_total", "xlb_conntrack_freed_total",
	"xlb_vrrp_state",
	"xlb_vrrp_transitions_total", "xlb_vrrp_priority",
	"xlb_vrrp_adverts_sent_total", "xlb_vrrp_adverts_received_total",
	"xlb_vrrp_adverts_dropped_total", "xlb_flood_active",
	"xlb_flood_syns_total", "xlb_build_info",
	"xlb_stats_write_timestamp_seconds",
};

/* Render into a malloc'd string; returns stats_render()'s result. */
static int render(const struct stats_snapshot *s, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	int err;

	assert_non_null(f);
	err = stats_render(s, f);
	assert_int_equal(fclose(f), 0);
	return err;
}

/*
 * The text format's structure, independent of values: each family is one
 * HELP line, one TYPE line, then only its own samples; families come in
 * contract order, each once; counters (and only counters) end in _total.
 * Returns the number of samples.
 */
static int check_structure(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;
	size_t fam = 0;
	/* state: 0 wants HELP, 1 wants TYPE, 2 reads samples */
	int samples = 0, state = 0;

	assert_non_null(copy);
	assert_true(text[0] && text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *name = fam < ARRAY_SIZE(families) ?
				   families[fam] : "";
		size_t nl = strlen(name);
		char want[160];
		bool counter;

		if (!strncmp(line, "# HELP ", 7)) {
			assert_true(state != 1);
			if (state == 2)
				fam++;
			assert_true(fam < ARRAY_SIZE(families));
			name = families[fam];
			snprintf(want, sizeof(want), "# HELP %s ", name);
			assert_memory_equal(line, want, strlen(want));
			state = 1;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(state, 1);
			counter = nl > 6 && !strcmp(name + nl - 6, "_total");
			snprintf(want, sizeof(want), "# TYPE %s %s", name,
				 counter ? "counter" : "gauge");
			assert_string_equal(line, want);
			state = 2;
			continue;
		}
		assert_int_equal(state, 2);
		assert_memory_equal(line, name, nl);
		assert_true(line[nl] == ' ' || line[nl] == '{');
		assert_non_null(strrchr(line, ' '));
		assert_true(strspn(strrchr(line, ' ') + 1, "0123456789.") ==
			    strlen(strrchr(line, ' ') + 1));
		samples++;
	}
	assert_int_equal(fam, ARRAY_SIZE(families) - 1);
	assert_int_equal(state, 2);
	free(copy);
	return samples;
}

static void test_render_small(void **state)
{
	struct stats_snapshot s;
	char *text;
	size_t len;

	(void)state;
	small_snapshot(&s);
	assert_int_equal(render(&s, &text, &len), 0);
	assert_string_equal(text, small_expected);
	assert_int_equal(len, strlen(small_expected));
	/* 5 VIP + 9 backend families x 2, 6 checks, 4 + 8 verdicts, 13 ct,
	 * 5 VRRP + 13 drop reasons, 2 flood, build, timestamp. */
	assert_int_equal(check_structure(text),
			 10 + 18 + 6 + 12 + 13 + 5 + 13 + 4);
	free(text);
}

static void test_render_escape(void **state)
{
	static const char build[] = "xlb_build_info{version=\"";
	struct stats_snapshot s;
	char *text, *longv;
	const char *v;
	size_t len, i;

	(void)state;
	small_snapshot(&s);
	s.version = "a\\b\"c\nd";
	assert_int_equal(render(&s, &text, &len), 0);
	assert_non_null(strstr(text,
		"\nxlb_build_info{version=\"a\\\\b\\\"c\\nd\"} 1\n"));
	check_structure(text);
	free(text);

	/* Long enough to need more than any fixed buffer would hold. */
	longv = malloc(5001);
	assert_non_null(longv);
	for (i = 0; i < 5000; i++)
		longv[i] = i % 2 ? '"' : 'x';
	longv[5000] = '\0';
	s.version = longv;
	assert_int_equal(render(&s, &text, &len), 0);
	v = strstr(text, build);
	assert_non_null(v);
	v += strlen(build);
	for (i = 0; i < 2500; i++)
		assert_memory_equal(v + 3 * i, "x\\\"", 3);
	assert_memory_equal(v + 7500, "\"} 1\n", 5);
	free(text);

	s.version = NULL;
	assert_int_equal(render(&s, &text, &len), 0);
	assert_non_null(strstr(text,
			       "\nxlb_build_info{version=\"unknown\"} 1\n"));
	free(text);
	free(longv);
}

static void test_render_ipv6(void **state)
{
	struct stats_vip vip = {
		.addr = ip("2001:db8:0:0:0:0:0:100"), .port = 443,
		.proto = IPPROTO_TCP, .packets = 5,
	};
	struct stats_backend be[2] = {
		{ .vip = 0, .addr = ip("2001:DB8::a:1"), .packets = 2 },
		{ .vip = 0, .addr = ip("2001:db8:1:2:3:4:5:6"), .packets = 3 },
	};
	struct stats_snapshot s = {
		.vips = &vip, .n_vips = 1, .backends = be, .n_backends = 2,
	};
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(render(&s, &text, &len), 0);
	assert_non_null(strstr(text, "\nxlb_vip_packets_total{proto=\"tcp\","
			       "vip=\"[2001:db8::100]:443\"} 5\n"));
	assert_non_null(strstr(text,
			       "\nxlb_backend_packets_total{proto=\"tcp\","
			       "vip=\"[2001:db8::100]:443\","
			       "backend=\"2001:db8::a:1\"} 2\n"
			       "xlb_backend_packets_total{proto=\"tcp\","
			       "vip=\"[2001:db8::100]:443\","
			       "backend=\"2001:db8:1:2:3:4:5:6\"} 3\n"));
	assert_int_equal(check_structure(text), 5 + 18 + 6 + 12 + 13 + 4);
	free(text);
}

static void test_render_empty(void **state)
{
	static const char tail[] =
		"\nxlb_stats_write_timestamp_seconds 0.000\n";
	struct stats_snapshot s = { 0 };
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(render(&s, &text, &len), 0);
	/* No VIP, backend or VRRP sample; the fixed label sets remain. */
	assert_int_equal(check_structure(text), 4 + 8 + 13 + 2 + 2);
	assert_null(strstr(text, "xlb_vip_packets_total{"));
	assert_null(strstr(text, "xlb_backend_up{"));
	assert_null(strstr(text, "xlb_vrrp_state{"));
	assert_non_null(strstr(text,
			       "\nxlb_packets_total{action=\"drop\"} 0\n"));
	assert_non_null(strstr(text, "\nxlb_conntrack_entries 0\n"));
	assert_non_null(strstr(text,
			       "\nxlb_build_info{version=\"unknown\"} 1\n"));
	assert_true(len > strlen(tail));
	assert_string_equal(text + len - strlen(tail), tail);
	free(text);
}

static void test_render_invalid(void **state)
{
	struct stats_snapshot s;
	char *text;
	size_t len;

	(void)state;
	small_snapshot(&s);
	small_backends[1].vip = 2;
	assert_int_equal(render(&s, &text, &len), -EINVAL);
	assert_int_equal(len, 0);
	free(text);

	small_snapshot(&s);
	small_vrrp[0].state = STATS_VRRP_MASTER + 1;
	assert_int_equal(render(&s, &text, &len), -EINVAL);
	assert_int_equal(len, 0);
	free(text);

	small_snapshot(&s);
	small_vips[1].fail = STATS_FAIL_CLOSED + 1;
	assert_int_equal(render(&s, &text, &len), -EINVAL);
	assert_int_equal(len, 0);
	free(text);

	small_snapshot(&s);
	small_vips[0].proto = IPPROTO_ICMP;
	assert_int_equal(render(&s, &text, &len), -EINVAL);
	free(text);

	small_snapshot(&s);
	small_backends[0].addr.family = 0;
	assert_int_equal(render(&s, &text, &len), -EINVAL);
	free(text);

	small_snapshot(&s);
	s.vips = NULL;
	assert_int_equal(render(&s, &text, &len), -EINVAL);
	free(text);
}

/* A fresh directory under /tmp, and helpers to look into it. */
static char *mkdir_tmp(void)
{
	char *d = strdup("/tmp/xlb-test-stats.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* The names in dir, sorted and joined by spaces. */
static char *dir_list(const char *dir)
{
	struct dirent **ents;
	char *out;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	int i, n;

	assert_non_null(f);
	n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") &&
		    strcmp(ents[i]->d_name, ".."))
			fprintf(f, "%s%s", len ? " " : "", ents[i]->d_name);
		fflush(f);
		free(ents[i]);
	}
	free(ents);
	assert_int_equal(fclose(f), 0);
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	assert_non_null(f);
	buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 16) - 1, f);
	assert_true(n < (1 << 16) - 1);
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void rm_dir(char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void test_write_replaces(void **state)
{
	struct stats_snapshot s;
	char *dir = mkdir_tmp(), *path = path_in(dir, "xlb.prom"), *text;
	char *list;
	struct stat st;
	ino_t first;

	(void)state;
	small_snapshot(&s);
	spit(path, "old\n");
	assert_int_equal(stats_write_file(path, &s), 0);
	text = slurp(path);
	assert_string_equal(text, small_expected);
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* The temporary file is gone: the directory holds the file alone. */
	list = dir_list(dir);
	assert_string_equal(list, "xlb.prom");
	free(list);

	/* A second write replaces the first one's inode, not its content. */
	first = st.st_ino;
	s.flood_syns = 43;
	assert_int_equal(stats_write_file(path, &s), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino != first);
	text = slurp(path);
	assert_non_null(strstr(text, "\nxlb_flood_syns_total 43\n"));
	free(text);
	list = dir_list(dir);
	assert_string_equal(list, "xlb.prom");
	free(list);
	free(path);
	rm_dir(dir);
}

static void test_write_relative(void **state)
{
	struct stats_snapshot s;
	char *dir = mkdir_tmp(), *path = path_in(dir, "rel.prom");
	char cwd[4096], *text, *list;

	(void)state;
	small_snapshot(&s);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(stats_write_file("rel.prom", &s), 0);
	assert_int_equal(chdir(cwd), 0);
	list = dir_list(dir);
	assert_string_equal(list, "rel.prom");
	free(list);
	text = slurp(path);
	assert_string_equal(text, small_expected);
	free(text);
	free(path);
	rm_dir(dir);
}

/* rename() onto a non-empty directory fails after the whole render. */
static void test_write_rename_fails(void **state)
{
	struct stats_snapshot s;
	char *dir = mkdir_tmp(), *path = path_in(dir, "xlb.prom");
	char *inner = path_in(path, "keep"), *slash = path_in(dir, "");
	char *list;

	(void)state;
	small_snapshot(&s);
	assert_int_equal(mkdir(path, 0755), 0);
	spit(inner, "x\n");
	assert_int_equal(stats_write_file(path, &s), -EISDIR);
	list = dir_list(dir);
	assert_string_equal(list, "xlb.prom");
	free(list);
	/* A path naming a directory is refused before anything is created. */
	assert_int_equal(stats_write_file(slash, &s), -EISDIR);
	free(slash);
	free(inner);
	free(path);
	rm_dir(dir);
}

/*
 * Runs stats_write_file() in a child that first calls limit(); returns
 * the child's result. Children keep the limits away from the other cases.
 */
static int write_in_child(const char *path, void (*limit)(void))
{
	struct stats_snapshot s;
	int status;
	pid_t pid;

	small_snapshot(&s);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		limit();
		_exit(-stats_write_file(path, &s) & 0xff);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

/* Root writes anywhere: without the DAC capabilities mode bits count. */
static void drop_dac(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		_exit(100);
	data[0].effective &= ~((1u << CAP_DAC_OVERRIDE) |
			       (1u << CAP_DAC_READ_SEARCH) |
			       (1u << CAP_FOWNER));
	if (syscall(SYS_capset, &hdr, data))
		_exit(101);
}

static void test_write_unwritable_dir(void **state)
{
	char *dir = mkdir_tmp(), *path = path_in(dir, "xlb.prom");
	char *text, *list;

	(void)state;
	spit(path, "old\n");
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(write_in_child(path, drop_dac), -EACCES);
	assert_int_equal(chmod(dir, 0755), 0);
	text = slurp(path);
	assert_string_equal(text, "old\n");
	free(text);
	list = dir_list(dir);
	assert_string_equal(list, "xlb.prom");
	free(list);
	free(path);
	rm_dir(dir);
}

/* Writes past 1 KiB fail with EFBIG: the disk fills up mid-file. */
static void limit_fsize(void)
{
	struct rlimit rl = { 1024, 1024 };

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl))
		_exit(102);
}

static void test_write_full(void **state)
{
	char *dir = mkdir_tmp(), *path = path_in(dir, "xlb.prom");
	char *text, *list;

	(void)state;
	spit(path, "old\n");
	assert_int_equal(write_in_child(path, limit_fsize), -EFBIG);
	text = slurp(path);
	assert_string_equal(text, "old\n");
	free(text);
	list = dir_list(dir);
	assert_string_equal(list, "xlb.prom");
	free(list);
	free(path);
	rm_dir(dir);
}

/*
 * A writer that dies mid-write: past 1 KiB SIGXFSZ's default action kills
 * it, as kill -9 or a crash would, between mkostemp and rename.
 */
static void die_at_1k(void)
{
	struct rlimit core = { 0, 0 }, fsize = { 1024, 1024 };

	signal(SIGXFSZ, SIG_DFL);
	if (setrlimit(RLIMIT_CORE, &core) || setrlimit(RLIMIT_FSIZE, &fsize))
		_exit(102);
}

static void test_clean_temps(void **state)
{
	static const char *const keep[] = {
		".other.prom.abc123",	/* another file's */
		".xlb.prom.ab12",	/* not six characters */
		".xlb.prom.abc-12",	/* not mkostemp's alphabet */
		".xlb.prom.abc1234",
		"xlb.prom.abc123",	/* not hidden */
	};
	struct stats_snapshot s;
	char *dir = mkdir_tmp(), *path = path_in(dir, "xlb.prom");
	char *list, *p, *text, *gone = path_in(dir, "gone/xlb.prom");
	struct dirent **ents;
	int status, i, n;
	pid_t pid;

	(void)state;
	small_snapshot(&s);
	spit(path, "old\n");
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		die_at_1k();
		stats_write_file(path, &s);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGXFSZ);
	/* What it left: the file untouched and a temporary file. */
	n = scandir(dir, &ents, NULL, alphasort);
	assert_int_equal(n, 4);
	assert_memory_equal(ents[2]->d_name, ".xlb.prom.", 10);
	assert_int_equal(strlen(ents[2]->d_name), 10 + 6);
	assert_string_equal(ents[3]->d_name, "xlb.prom");
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);

	/* Names it must leave alone, a directory and a symlink among them. */
	for (i = 0; i < (int)ARRAY_SIZE(keep); i++) {
		p = path_in(dir, keep[i]);
		spit(p, "x\n");
		free(p);
	}
	p = path_in(dir, ".xlb.prom.dir123");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = path_in(dir, ".xlb.prom.lnk123");
	assert_int_equal(symlink("xlb.prom", p), 0);
	free(p);

	assert_int_equal(stats_clean_temps(path), 1);
	list = dir_list(dir);
	assert_string_equal(list, ".other.prom.abc123 .xlb.prom.ab12 "
			    ".xlb.prom.abc-12 .xlb.prom.abc1234 "
			    ".xlb.prom.dir123 .xlb.prom.lnk123 xlb.prom "
			    "xlb.prom.abc123");
	free(list);
	text = slurp(path);
	assert_string_equal(text, "old\n");
	free(text);
	assert_int_equal(stats_clean_temps(path), 0);
	assert_int_equal(stats_clean_temps(gone), -ENOENT);
	/* And the next write goes through. */
	assert_int_equal(stats_write_file(path, &s), 0);
	text = slurp(path);
	assert_string_equal(text, small_expected);
	free(text);
	free(gone);
	free(path);
	rm_dir(dir);
}

/*
 * The e2e test's sample: IPv4 and IPv6 VIPs over TCP and UDP, three
 * backends each in every state, two VRRP instances, a version that needs
 * escaping. seq makes every rewrite different.
 */
static int write_sample(const char *path, __u64 seq, bool empty)
{
	static const char *const vip_addr[] = {
		"198.18.0.100", "198.18.0.100", "198.18.0.101", "2001:db8::100",
	};
	static const __u16 vip_port[] = { 80, 443, 53, 443 };
	static const __u8 vip_proto[] = {
		IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_TCP,
	};
	struct stats_backend be[ARRAY_SIZE(vip_addr) * 3];
	struct stats_vip vips[ARRAY_SIZE(vip_addr)];
	struct stats_vrrp vrrp[2] = {
		{ .vrid = 51, .state = STATS_VRRP_MASTER, .prio = 200,
		  .transitions = 3, .tx_adverts = 5000 + seq },
		{ .vrid = 52, .state = STATS_VRRP_BACKUP, .prio = 100,
		  .transitions = 1 + seq, .rx_adverts = 4000 + seq },
	};
	struct stats_snapshot s = { 0 };
	size_t i, j;

	for (i = VRRP_OK + 1; i < VRRP_DROP_MAX; i++)
		vrrp[1].drops[i] = i + seq;
	memset(vips, 0, sizeof(vips));
	memset(be, 0, sizeof(be));
	for (i = 0; i < ARRAY_SIZE(vips); i++) {
		vips[i].addr = ip(vip_addr[i]);
		vips[i].port = vip_port[i];
		vips[i].proto = vip_proto[i];
		vips[i].packets = 1000000 * (i + 1) + seq;
		vips[i].bytes = 1500000000ull * (i + 1) + seq;
		vips[i].new_flows = 1000 * (i + 1);
		vips[i].fail = i % 3;	/* none, open, closed, none */
		for (j = 0; j < 3; j++) {
			struct stats_backend *b = &be[i * 3 + j];
			char a[ADDR_STRLEN];

			if (vips[i].addr.family == XLB_AF_INET6)
				snprintf(a, sizeof(a), "2001:db8:1::%zx",
					 j + 1);
			else
				snprintf(a, sizeof(a), "198.18.%zu.%zu", i + 1,
					 j + 1);
			b->vip = i;
			b->addr = ip(a);
			b->packets = vips[i].packets / 3 + j;
			b->bytes = vips[i].bytes / 3 + j;
			b->new_flows = vips[i].new_flows / 3 + j;
			b->active_flows = 10 * j + i;
			b->up = j != 2;
			b->draining = j == 1;
			b->weight = j == 0 ? 100 : 0;
			b->checks[STATS_HC_OK] = 100 + i + seq;
			b->checks[STATS_HC_FAIL] = j;
			b->checks[STATS_HC_TIMEOUT] = 2 * j;
		}
	}
	if (!empty) {
		s.vips = vips;
		s.n_vips = ARRAY_SIZE(vips);
		s.backends = be;
		s.n_backends = ARRAY_SIZE(be);
		s.vrrp = vrrp;
		s.n_vrrp = ARRAY_SIZE(vrrp);
		for (i = 0; i < XLB_STAT_MAX; i++) {
			s.global[i].packets = 100 * i + 1 + seq;
			s.global[i].bytes = 10000 * i;
		}
		s.ct_entries = 1234 + seq;
		s.ct_capacity = XLB_CONNTRACK_DEFAULT;
		s.flood_syns = 77;
	}
	s.version = "0.1.0-e2e \"quoted\" back\\slash";
	s.time_ms = 1764259049000ull + seq;
	return stats_write_file(path, &s);
}

static int writer_main(int argc, char **argv)
{
	bool empty = !strcmp(argv[1], "--write-empty");
	unsigned long count = 1, i;
	int err = 0;

	if (argc < 3 || (!empty && strcmp(argv[1], "--write")) ||
	    argc > (empty ? 3 : 4)) {
		fprintf(stderr, "usage: test_stats [--write PATH [COUNT] | "
			"--write-empty PATH]\n");
		return 2;
	}
	if (argc == 4)
		count = strtoul(argv[3], NULL, 10);
	for (i = 0; i < count && !err; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (i)
			nanosleep(&ts, NULL);	/* pacing, not a wait */
		err = write_sample(argv[2], i, empty);
	}
	if (err) {
		fprintf(stderr, "test_stats: write %s: %s\n", argv[2],
			strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_small),
		cmocka_unit_test(test_render_escape),
		cmocka_unit_test(test_render_ipv6),
		cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_render_invalid),
		cmocka_unit_test(test_write_replaces),
		cmocka_unit_test(test_write_relative),
		cmocka_unit_test(test_write_rename_fails),
		cmocka_unit_test(test_write_unwritable_dir),
		cmocka_unit_test(test_write_full),
		cmocka_unit_test(test_clean_temps),
	};

	if (argc > 1)
		return writer_main(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
