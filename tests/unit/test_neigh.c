// SPDX-License-Identifier: GPL-2.0
/*
 * Next hops against the real kernel: the process moves into a private
 * network namespace (unshare, so nothing is left behind when it exits)
 * with a veth pair, tracks backends through neigh_sync() and follows the
 * neighbour and route events as xlbd does: a next hop that resolves, one
 * deleted under us (added again), a route moving a backend behind
 * another gateway, the overdue report, and malformed events.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <cmocka.h>

#include "neigh.h"
#include "xlb.h"

static struct neigh *N;
static __u64 NOW = 1000;

static int sh(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* Does `ip neigh` list a managed entry for addr? */
static bool managed(const char *addr)
{
	char cmd[128], line[256];
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip neigh show to %s dev va", addr);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		found |= strstr(line, "managed") != NULL;
	pclose(p);
	return found;
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

/* Read events for up to ms until one of want's bits is seen. */
static int wait_events(int want, int ms)
{
	struct pollfd pfd = { .fd = neigh_events_fd(N), .events = POLLIN };
	int got = 0, ret;

	while (!(got & want) && poll(&pfd, 1, ms) > 0) {
		ret = neigh_input(N, ++NOW);
		assert_true(ret >= 0);
		got |= ret;
	}
	return got;
}

static int setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (sh("ip link add va type veth peer name vb && "
	       "ip link set va up && ip link set vb up && "
	       "ip addr add 198.18.0.2/24 dev va"))
		return -1;
	return neigh_open(&N);
}

static int teardown(void **state)
{
	(void)state;
	neigh_close(N, true);
	return 0;
}

static void test_resolve_and_lose(void **state)
{
	struct ip_addr be = A("198.18.0.9");
	struct neigh_info ni;

	(void)state;
	assert_int_equal(neigh_sync(N, &be, 1, NOW, NULL, NULL), 0);
	assert_true(managed("198.18.0.9"));
	/* Nobody answers on vb: the kernel is still resolving it. */
	assert_false(neigh_resolved(N, &be));
	assert_int_equal(neigh_info(N, &be, &ni), 0);
	assert_int_equal(ni.err, 0);
	assert_int_equal(ni.ifindex, if_nametoindex("va"));
	assert_int_equal(addr_cmp(&ni.via, &be), 0);
	assert_false(ni.resolved);
	assert_int_equal(ni.since_ms, NOW);

	/* It resolves: the event says so. */
	assert_int_equal(sh("ip neigh replace 198.18.0.9 dev va lladdr "
			    "02:00:00:00:00:09 nud reachable"), 0);
	assert_true(wait_events(NEIGH_CHANGED_STATE, 2000) &
		    NEIGH_CHANGED_STATE);
	assert_true(neigh_resolved(N, &be));
	assert_int_equal(neigh_info(N, &be, &ni), 0);
	assert_string_equal(neigh_state_str(ni.state), "reachable");
	assert_int_equal(ni.losses, 0);

	/* Deleted under us: unresolved, counted, and added again. */
	assert_int_equal(sh("ip neigh del 198.18.0.9 dev va"), 0);
	assert_true(wait_events(NEIGH_CHANGED_STATE, 2000) &
		    NEIGH_CHANGED_STATE);
	assert_false(neigh_resolved(N, &be));
	assert_int_equal(neigh_info(N, &be, &ni), 0);
	assert_int_equal(ni.losses, 1);
	assert_true(managed("198.18.0.9"));

	/* An address nobody tracks is not resolved. */
	be = A("198.18.0.10");
	assert_false(neigh_resolved(N, &be));
	assert_int_equal(neigh_info(N, &be, &ni), -ENOENT);
}

static int reports;
static struct ip_addr reported;

static void report(void *arg, const struct ip_addr *backend,
		   const struct neigh_info *ni)
{
	(void)arg;
	(void)ni;
	reports++;
	reported = *backend;
}

static void test_route_change(void **state)
{
	struct ip_addr be = A("198.18.5.1"), gw1 = A("198.18.0.9");
	struct ip_addr gw2 = A("198.18.0.10");
	struct neigh_info ni;
	__u64 due;

	(void)state;
	assert_int_equal(sh("ip route add 198.18.5.0/24 via 198.18.0.9"), 0);
	assert_int_equal(neigh_sync(N, &be, 1, NOW, NULL, NULL), 0);
	assert_int_equal(neigh_info(N, &be, &ni), 0);
	assert_int_equal(addr_cmp(&ni.via, &gw1), 0);
	/* The route moves it behind .10: an event, then a sync moves the
	 * managed entry. */
	wait_events(0, 0);
	assert_int_equal(sh("ip route replace 198.18.5.0/24 via 198.18.0.10"),
			 0);
	assert_true(wait_events(NEIGH_CHANGED_ROUTE, 2000) &
		    NEIGH_CHANGED_ROUTE);
	assert_int_equal(neigh_sync(N, &be, 1, NOW, NULL, NULL), 0);
	assert_int_equal(neigh_info(N, &be, &ni), 0);
	assert_int_equal(addr_cmp(&ni.via, &gw2), 0);
	assert_true(managed("198.18.0.10"));
	assert_false(managed("198.18.0.9"));
	assert_false(neigh_resolved(N, &be));

	/* Reported once when overdue, with the backend behind it. */
	reports = 0;
	due = neigh_overdue(N, ni.since_ms + 10, 3000, report, NULL);
	assert_int_equal(reports, 0);
	assert_int_equal(due, ni.since_ms + 3000);
	neigh_overdue(N, ni.since_ms + 3000, 3000, report, NULL);
	assert_int_equal(reports, 1);
	assert_int_equal(addr_cmp(&reported, &be), 0);
	due = neigh_overdue(N, ni.since_ms + 9000, 3000, report, NULL);
	assert_int_equal(reports, 1);
	assert_int_equal(due, UINT64_MAX);

	/* No route at all: tracked, unresolved, and says why. */
	assert_int_equal(sh("ip route del 198.18.5.0/24"), 0);
	assert_int_equal(neigh_sync(N, &be, 1, NOW, NULL, NULL), 1);
	assert_int_equal(neigh_info(N, &be, &ni), 0);
	assert_true(ni.err < 0);
	assert_false(neigh_resolved(N, &be));
	assert_false(managed("198.18.0.10"));
}

/* Malformed or foreign messages change nothing. */
static void test_bad_events(void **state)
{
	struct ip_addr be = A("198.18.0.9");
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
		struct rtattr rta;
		__u8 addr[16];
	} m;

	(void)state;
	assert_int_equal(sh("ip neigh replace 198.18.0.9 dev va lladdr "
			    "02:00:00:00:00:09 nud reachable"), 0);
	assert_int_equal(neigh_sync(N, &be, 1, NOW, NULL, NULL), 0);
	wait_events(0, 100);
	assert_true(neigh_resolved(N, &be));

	memset(&m, 0, sizeof(m));
	m.h.nlmsg_type = RTM_DELNEIGH;
	m.nd.ndm_family = AF_INET;
	m.nd.ndm_ifindex = if_nametoindex("va");
	m.rta.rta_type = NDA_DST;
	m.rta.rta_len = RTA_LENGTH(4);
	memcpy(m.addr, &be.a[0], 4);
	/* truncated header */
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(m.nd)) - 1;
	assert_int_equal(neigh_event(N, &m.h, NOW), 0);
	/* attribute longer than the message */
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(m.nd)) + 6;
	assert_int_equal(neigh_event(N, &m.h, NOW), 0);
	/* wrong address length */
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(m.nd)) + RTA_LENGTH(16);
	m.rta.rta_len = RTA_LENGTH(16);
	assert_int_equal(neigh_event(N, &m.h, NOW), 0);
	/* another family, another interface */
	m.rta.rta_len = RTA_LENGTH(4);
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(m.nd)) + RTA_LENGTH(4);
	m.nd.ndm_family = AF_BRIDGE;
	assert_int_equal(neigh_event(N, &m.h, NOW), 0);
	m.nd.ndm_family = AF_INET;
	m.nd.ndm_ifindex = 999;
	assert_int_equal(neigh_event(N, &m.h, NOW), 0);
	/* an unrelated message type */
	m.nd.ndm_ifindex = if_nametoindex("va");
	m.h.nlmsg_type = RTM_NEWLINK;
	assert_int_equal(neigh_event(N, &m.h, NOW), 0);
	assert_true(neigh_resolved(N, &be));
	/* the well-formed one does change it */
	m.h.nlmsg_type = RTM_DELNEIGH;
	assert_int_equal(neigh_event(N, &m.h, NOW), NEIGH_CHANGED_STATE);
	assert_false(neigh_resolved(N, &be));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_and_lose),
		cmocka_unit_test(test_route_change),
		cmocka_unit_test(test_bad_events),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
