// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl against a fake xlbd on a Unix socket in a temp dir: the request
 * line it sends, what it prints for each reply (streams as they arrive),
 * its exit status. xlbctl's main is compiled in, with a timeout of 300 ms
 * instead of 10 s, and run in a child process per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define XLBCTL_TIMEOUT_MS	300
#define main xlbctl_main
#include "../../user/xlbctl.c"
#undef main

#define DEADLINE_MS	5000
/* In a fake daemon's reply: a pause shorter than the timeout, and a
 * wait for xlbctl to print what it got so far. */
#define PAUSE		"\f"
#define WAIT_OUTPUT	"\v"

struct run {
	int rc;
	bool connected;
	bool stalled;		/* xlbctl printed nothing at a WAIT_OUTPUT */
	char req[4096];
	char out[8192];
	char errs[4096];
};

static char dir[64];
static char sock_path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xlb-test-xlbctl-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/xlbd.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(sock_path);
	rmdir(dir);
	return 0;
}

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static int tmpfile_fd(void)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/out-XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* Wait (bounded) for the file behind fd to grow past size. */
static bool grows(int fd, off_t size)
{
	struct stat st;
	int i;

	for (i = 0; i < DEADLINE_MS / 5; i++) {
		if (fstat(fd, &st) == 0 && st.st_size > size)
			return true;
		usleep(5000);
	}
	return false;
}

/* Write reply to fd, pausing at each PAUSE and waiting for xlbctl's
 * output (ofd) at each WAIT_OUTPUT. */
static void answer(int fd, int ofd, const char *reply, struct run *r)
{
	struct stat st;
	size_t n;

	while (*reply) {
		n = strcspn(reply, PAUSE WAIT_OUTPUT);
		if (n && send(fd, reply, n, MSG_NOSIGNAL) != (ssize_t)n)
			return;		/* xlbctl gave up */
		reply += n;
		if (*reply == *PAUSE) {
			usleep(200000);
		} else if (*reply == *WAIT_OUTPUT) {
			assert_int_equal(fstat(ofd, &st), 0);
			if (!st.st_size && !grows(ofd, 0))
				r->stalled = true;
		}
		if (*reply)
			reply++;
	}
}

/*
 * Run "xlbctl -s SOCK ARGS..." against a fake daemon that answers reply
 * (NULL: close without answering). listen_too false: no daemon at all.
 * reply is lines, PAUSE and WAIT_OUTPUT; a newline is added unless it
 * ends with one.
 */
static void run_xlbctl(const char *reply, bool listen_too, struct run *r,
		       const char *first, ...)
{
	char *argv[32] = { "xlbctl", "-s", sock_path };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int argc = 3, lfd = -1, cfd, ofd, efd, pidfd, status;
	struct pollfd pfd[2];
	size_t len = 0;
	va_list ap;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;

	unlink(sock_path);
	if (listen_too) {
		strcpy(sun.sun_path, sock_path);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(lfd >= 0);
		assert_int_equal(bind(lfd, (struct sockaddr *)&sun,
				      sizeof(sun)), 0);
		assert_int_equal(listen(lfd, 4), 0);
	}
	ofd = tmpfile_fd();
	efd = tmpfile_fd();
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(ofd, 1);
		dup2(efd, 2);
		if (lfd >= 0)
			close(lfd);
		exit(xlbctl_main(argc, argv));
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	assert_true(pidfd >= 0);

	/* Either xlbctl connects or it exits (it checked locally). */
	pfd[0] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	assert_true(poll(pfd, lfd >= 0 ? 2 : 1, DEADLINE_MS) > 0);
	if (lfd >= 0 && (pfd[1].revents & POLLIN)) {
		r->connected = true;
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		assert_true(cfd >= 0);
		while (!memchr(r->req, '\n', len)) {
			struct pollfd p = { .fd = cfd, .events = POLLIN };
			ssize_t n;

			assert_true(poll(&p, 1, DEADLINE_MS) == 1);
			n = read(cfd, r->req + len, sizeof(r->req) - 1 - len);
			assert_true(n > 0);
			len += n;
		}
		if (reply) {
			answer(cfd, ofd, reply, r);
			if (*reply && reply[strlen(reply) - 1] != '\n')
				send(cfd, "\n", 1, MSG_NOSIGNAL);
		}
		close(cfd);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	r->rc = WEXITSTATUS(status);
	close(pidfd);
	if (lfd >= 0)
		close(lfd);
	slurp(ofd, r->out, sizeof(r->out));
	slurp(efd, r->errs, sizeof(r->errs));
}

static const char vips_reply[] =
	"{\"ok\":true,\"data\":{\"vips\":["
	"{\"proto\":\"tcp\",\"vip\":\"198.18.0.100:80\",\"sticky\":false,"
	"\"mode\":\"ipip\",\"backends\":3},"
	"{\"proto\":\"udp\",\"vip\":\"[2001:db8::100]:53\",\"sticky\":true,"
	"\"mode\":\"ipip\",\"backends\":12}]}}";

static void test_vip_list(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl(vips_reply, true, &r, "vip", "list", NULL);
	assert_string_equal(r.req, "{\"argv\":[\"vip\",\"list\"]}\n");
	assert_string_equal(r.errs, "");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
		"PROTO  VIP                 MODE  STICKY  BACKENDS\n"
		"tcp    198.18.0.100:80     ipip  no      3\n"
		"udp    [2001:db8::100]:53  ipip  yes     12\n");
}

static void test_vip_list_json(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl("{\"ok\":true,\"data\":{\"vips\":[{\"proto\":\"tcp\","
		   "\"backends\":3}]}}", true, &r, "-j", "vip", "list", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
		"{\n"
		"  \"vips\": [\n"
		"    {\n"
		"      \"proto\": \"tcp\",\n"
		"      \"backends\": 3\n"
		"    }\n"
		"  ]\n"
		"}\n");
}

static void test_status(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl("{\"ok\":true,\"data\":{\"interface\":\"eth0\","
		   "\"attach_mode\":\"native\",\"vips\":[{\"proto\":\"tcp\","
		   "\"vip\":\"198.18.0.100:80\",\"sticky\":false,"
		   "\"mode\":\"ipip\",\"packets\":1234,\"bytes\":99999,"
		   "\"backends\":[{\"addr\":\"198.18.0.11\","
		   "\"state\":\"active\","
		   "\"weight\":100,\"effective_weight\":50,"
		   "\"health\":\"up\",\"flows\":12,\"packets\":1000,"
		   "\"bytes\":80000},{\"addr\":\"2001:db8::12\","
		   "\"state\":\"draining\",\"weight\":5,\"flows\":0,"
		   "\"packets\":234,\"bytes\":19999}]},{\"proto\":\"udp\","
		   "\"vip\":\"198.18.0.101:53\",\"sticky\":true,"
		   "\"mode\":\"ipip\",\"packets\":0,\"bytes\":0,"
		   "\"backends\":[]}]}}", true, &r, "status", NULL);
	assert_string_equal(r.req, "{\"argv\":[\"status\"]}\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
		"interface eth0 (native)\n"
		"\n"
		"VIP tcp 198.18.0.100:80  mode ipip  sticky no  packets 1234  "
		"bytes 99999\n"
		"  BACKEND       STATE     WEIGHT  EFFECTIVE  HEALTH  FLOWS  "
		"PACKETS  BYTES\n"
		"  198.18.0.11   active       100         50  up         12     "
		"1000  80000\n"
		"  2001:db8::12  draining       5          -  -           0      "
		"234  19999\n"
		"\n"
		"VIP udp 198.18.0.101:53  mode ipip  sticky yes  packets 0  "
		"bytes 0\n"
		"  no backends\n");
}

#define HEAD	"{\"ok\":true,\"stream\":\"flows\"}\n"
#define ITEM1	"{\"item\":{\"proto\":\"tcp\",\"client\":\"198.18.0.1:40000\"," \
		"\"vip\":\"198.18.0.100:80\",\"backend\":\"198.18.0.11\"," \
		"\"idle_ms\":1500,\"closing\":false}}\n"
#define ITEM2	"{\"item\":{\"proto\":\"tcp\"," \
		"\"client\":\"[2001:db8::7]:51000\"," \
		"\"vip\":\"198.18.0.100:80\",\"backend\":\"198.18.0.12\"," \
		"\"idle_ms\":20,\"closing\":true}}\n"
#define END(n, t) "{\"ok\":true,\"end\":true,\"count\":" #n \
		",\"truncated\":" #t "}"
#define ROW1	"tcp    198.18.0.1:40000       198.18.0.100:80        " \
		"198.18.0.11      open        1500\n"

static void test_flows(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl(HEAD ITEM1 ITEM2 END(2, true), true, &r, "flows", "tcp",
		   "198.18.0.100:80", "limit", "2", NULL);
	assert_string_equal(r.req, "{\"argv\":[\"flows\",\"tcp\","
			    "\"198.18.0.100:80\",\"limit\",\"2\"]}\n");
	assert_string_equal(r.errs, "");
	assert_int_equal(r.rc, 0);
	/* columns fit IPv4 flows, whatever comes later */
	assert_string_equal(r.out,
		"PROTO  CLIENT                 VIP                    BACKEND  "
		"        STATE    IDLE_MS\n"
		ROW1
		"tcp    [2001:db8::7]:51000    198.18.0.100:80        "
		"198.18.0.12      closing       20\n"
		"(2 flows, limit reached: more are not shown)\n");

	run_xlbctl(HEAD ITEM1 END(1, false), true, &r, "flows", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
		"PROTO  CLIENT                 VIP                    BACKEND  "
		"        STATE    IDLE_MS\n" ROW1 "(1 flow)\n");

	run_xlbctl(HEAD END(0, false), true, &r, "flows", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "no flows\n");

	/* A cell wider than its column widens it for the rows after. */
	run_xlbctl(HEAD "{\"item\":{\"proto\":\"udp\",\"client\":"
		   "\"[2001:db8:1234:5678:9abc:def0:1234:5678]:53000\","
		   "\"vip\":\"[2001:db8::100]:53\",\"backend\":\"2001:db8::21\","
		   "\"idle_ms\":7,\"closing\":false}}\n" ITEM1 END(2, false),
		   true, &r, "flows", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
		"PROTO  CLIENT                 VIP                    BACKEND  "
		"        STATE    IDLE_MS\n"
		"udp    [2001:db8:1234:5678:9abc:def0:1234:5678]:53000  "
		"[2001:db8::100]:53     2001:db8::21     open           7\n"
		"tcp    198.18.0.1:40000                                "
		"198.18.0.100:80        198.18.0.11      open        1500\n"
		"(2 flows)\n");
}

/* -j: one JSON document, whatever the number of flows. */
static void test_flows_json(void **state)
{
	struct json_object *d;
	struct run r;

	(void)state;
	run_xlbctl(HEAD ITEM1 ITEM2 END(2, false), true, &r, "-j", "flows",
		   NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
		"{\n"
		"  \"flows\": [\n"
		"    { \"proto\": \"tcp\", \"client\": \"198.18.0.1:40000\", "
		"\"vip\": \"198.18.0.100:80\", \"backend\": \"198.18.0.11\", "
		"\"idle_ms\": 1500, \"closing\": false },\n"
		"    { \"proto\": \"tcp\", \"client\": \"[2001:db8::7]:51000\", "
		"\"vip\": \"198.18.0.100:80\", \"backend\": \"198.18.0.12\", "
		"\"idle_ms\": 20, \"closing\": true }\n"
		"  ],\n"
		"  \"count\": 2,\n"
		"  \"truncated\": false\n"
		"}\n");
	d = json_tokener_parse(r.out);
	assert_non_null(d);
	assert_int_equal(json_object_array_length(
		json_object_object_get(d, "flows")), 2);
	json_object_put(d);

	run_xlbctl(HEAD END(0, false), true, &r, "-j", "flows", NULL);
	assert_int_equal(r.rc, 0);
	d = json_tokener_parse(r.out);
	assert_non_null(d);
	assert_int_equal(json_object_array_length(
		json_object_object_get(d, "flows")), 0);
	assert_int_equal(json_object_get_int(
		json_object_object_get(d, "count")), 0);
	json_object_put(d);

	/* failed midway: still a document, with the error */
	run_xlbctl(HEAD ITEM1 "{\"ok\":false,\"error\":\"reading the flow "
		   "table: No such device\"}", true, &r, "-j", "flows", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.errs, "xlbctl: reading the flow table: No such "
			    "device\n");
	d = json_tokener_parse(r.out);
	assert_non_null(d);
	assert_int_equal(json_object_array_length(
		json_object_object_get(d, "flows")), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(d,
		"error")), "reading the flow table: No such device");
	json_object_put(d);
}

/* Each way a listing can go wrong: a clear message and exit status. */
static void test_flows_broken(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl(HEAD ITEM1 "{\"ok\":false,\"error\":\"VIP tcp "
		   "198.18.0.100:80 was removed during the listing\"}", true,
		   &r, "flows", NULL);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out,
		"PROTO  CLIENT                 VIP                    BACKEND  "
		"        STATE    IDLE_MS\n" ROW1);
	assert_string_equal(r.errs, "xlbctl: VIP tcp 198.18.0.100:80 was "
			    "removed during the listing\n");

	/* the fake daemon closes after its last line */
	run_xlbctl(HEAD ITEM1 ITEM2, true, &r, "flows", NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: xlbd closed the connection before "
			    "the end of the flows\n");

	run_xlbctl(HEAD ITEM1 END(2, false), true, &r, "flows", NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: the flows from xlbd end with a "
			    "count of 2, but 1 arrived\n");

	run_xlbctl(HEAD ITEM1 "{\"ok\":true,\"data\":{}}", true, &r, "flows",
		   NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: malformed line in the flows from "
			    "xlbd\n");

	run_xlbctl(HEAD "{\"ok\":true,\"stream\":\"flows\"}", true, &r,
		   "flows", NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: malformed line in the flows from "
			    "xlbd\n");
}

/* Rows show as they arrive: the fake daemon holds the end back until
 * xlbctl has printed the first row. */
static void test_flows_streamed(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl(HEAD ITEM1 WAIT_OUTPUT ITEM2 END(2, false), true, &r,
		   "flows", NULL);
	assert_false(r.stalled);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "(2 flows)\n"));
	run_xlbctl(HEAD ITEM1 WAIT_OUTPUT END(1, false), true, &r, "-j",
		   "flows", NULL);
	assert_false(r.stalled);
	assert_int_equal(r.rc, 0);
}

/* The timeout (here 300 ms) is for each piece, not the whole reply. */
static void test_timeout_per_line(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl(HEAD PAUSE ITEM1 PAUSE ITEM2 PAUSE END(2, false), true, &r,
		   "flows", NULL);
	assert_string_equal(r.errs, "");
	assert_int_equal(r.rc, 0);
	/* one piece of a line, then another */
	run_xlbctl(HEAD "{\"item\":" PAUSE "{\"proto\":\"tcp\"}}\n" PAUSE
		   END(1, false), true, &r, "flows", NULL);
	assert_int_equal(r.rc, 0);

	run_xlbctl(HEAD ITEM1 PAUSE PAUSE END(1, false), true, &r, "flows",
		   NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: xlbd sent nothing for 300ms "
			    "before the end of the flows\n");
	run_xlbctl(PAUSE PAUSE "{\"ok\":true}", true, &r, "status", NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: no reply from xlbd within "
			    "300ms\n");
}

static void test_save_and_mutation(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl("{\"ok\":true,\"data\":{\"config\":\"interface eth0\\n"
		   "hash-seed 0\"}}", true, &r, "save", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "interface eth0\nhash-seed 0\n");

	/* stats: the text as it is, nothing added */
	run_xlbctl("{\"ok\":true,\"data\":{\"text\":\"# HELP xlb_build_info "
		   "x\\n# TYPE xlb_build_info gauge\\nxlb_build_info{version="
		   "\\\"1\\\"} 1\\n\"}}", true, &r, "stats", NULL);
	assert_string_equal(r.req, "{\"argv\":[\"stats\"]}\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "# HELP xlb_build_info x\n# TYPE "
			    "xlb_build_info gauge\nxlb_build_info{version="
			    "\"1\"} 1\n");

	run_xlbctl("{\"ok\":true,\"data\":{\"message\":\"198.18.0.11 is "
		   "draining: 12 flows left\"}}", true, &r, "backend", "drain",
		   "tcp", "198.18.0.100:80", "198.18.0.11", "timeout", "30s",
		   NULL);
	assert_string_equal(r.req, "{\"argv\":[\"backend\",\"drain\",\"tcp\","
			    "\"198.18.0.100:80\",\"198.18.0.11\",\"timeout\","
			    "\"30s\"]}\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "198.18.0.11 is draining: 12 flows left\n");

	run_xlbctl("{\"ok\":true,\"data\":{}}", true, &r, "vip", "add", "tcp",
		   "198.18.0.100:80", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.errs, "");
}

static void test_refused(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl("{\"ok\":false,\"error\":\"no such VIP tcp "
		   "198.18.0.100:80\"}",
		   true, &r, "backend", "add", "tcp", "198.18.0.100:80",
		   "198.18.0.11", "weight", "50", NULL);
	assert_string_equal(r.req, "{\"argv\":[\"backend\",\"add\",\"tcp\","
			    "\"198.18.0.100:80\",\"198.18.0.11\",\"weight\","
			    "\"50\"]}\n");
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.errs,
			    "xlbctl: no such VIP tcp 198.18.0.100:80\n");
}

/* A mistake is caught locally: nothing is sent. */
static void test_local_check(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl("{\"ok\":true}", true, &r, "vip", "add", "tcp",
		   "198.18.0.100:80", "mode", "dsr", NULL);
	assert_false(r.connected);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.errs, "xlbctl: unknown mode 'dsr'; expected: "
			    "ipip gue l2\n");
	run_xlbctl("{\"ok\":true}", true, &r, "vips", NULL);
	assert_false(r.connected);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.errs, "xlbctl: unknown word 'vips'; expected "
			    "one of: vip backend health agent vrrp status "
			    "flows save stats shutdown\n");
	run_xlbctl("{\"ok\":true}", true, &r, "interface", "eth1", NULL);
	assert_false(r.connected);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.errs, "xlbctl: 'interface' is only allowed in "
			    "the config file\n");
	run_xlbctl("{\"ok\":true}", true, &r, NULL);
	assert_false(r.connected);
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.errs, "usage: xlbctl [-s SOCKET] [-j] "
			       "COMMAND\n"));
	assert_non_null(strstr(r.errs, "  backend drain PROTO VIP:PORT ADDR "
			       "[timeout DURATION]\n"));
	/* Asked for: on stdout, exit 0, no daemon needed. */
	run_xlbctl(NULL, false, &r, "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "usage: xlbctl [-s SOCKET] [-j] "
			       "COMMAND\n"));
	assert_string_equal(r.errs, "");
	run_xlbctl(NULL, false, &r, "--version", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(!strncmp(r.out, "xlbctl ", 7) && strlen(r.out) > 8 &&
		    r.out[strlen(r.out) - 1] == '\n');
}

static void test_no_daemon(void **state)
{
	char want[256];
	struct run r;

	(void)state;
	run_xlbctl(NULL, false, &r, "status", NULL);
	assert_int_equal(r.rc, 2);
	snprintf(want, sizeof(want), "xlbctl: connect %s: No such file or "
		 "directory (is xlbd running?)\n", sock_path);
	assert_string_equal(r.errs, want);

	run_xlbctl(NULL, true, &r, "status", NULL);
	assert_true(r.connected);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: xlbd closed the connection "
			    "without a reply\n");

	run_xlbctl("{\"ok\":\"maybe\"}", true, &r, "status", NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.errs, "xlbctl: malformed reply from xlbd\n");
}

/* Missing or mistyped fields print as "-". */
static void test_print_missing_fields(void **state)
{
	struct json_object *d = json_tokener_parse(
		"{\"vips\":[{\"proto\":\"tcp\",\"vip\":[1],\"sticky\":null}]}");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(d);
	assert_int_equal(ctl_print(CMD_VIP_LIST, d, f), 0);
	fclose(f);
	assert_string_equal(buf,
		"PROTO  VIP  MODE  STICKY  BACKENDS\n"
		"tcp    -    -     -       -\n");
	free(buf);
	json_object_put(d);
	d = json_tokener_parse("{}");
	f = open_memstream(&buf, &len);
	assert_int_equal(ctl_print(CMD_STATUS, d, f), 0);
	assert_int_equal(ctl_print(CMD_VIP_LIST, d, f), 0);
	fclose(f);
	assert_string_equal(buf, "interface - (-)\nno VIPs\nno VIPs\n");
	free(buf);
	json_object_put(d);
}

static void test_print_vrrp(void **state)
{
	struct json_object *d = json_tokener_parse(
		"{\"instances\":[{\"vrid\":1,\"family\":\"ipv4\","
		"\"interface\":\"eth0\",\"state\":\"master\","
		"\"priority\":200,\"master\":\"198.18.0.2\","
		"\"advert_ms\":50,\"transitions\":2,\"dropped\":5,"
		"\"drops\":{\"ttl\":3,\"vrid\":2,\"peer\":0},"
		"\"addresses\":[\"198.18.0.100\",\"198.18.0.101\"]},"
		"{\"vrid\":1,\"family\":\"ipv6\",\"interface\":\"eth0\","
		"\"state\":\"backup\",\"priority\":100,"
		"\"master\":\"2001:db8::3\",\"advert_ms\":1000,"
		"\"transitions\":1,\"dropped\":0,\"drops\":{},"
		"\"addresses\":[\"2001:db8::100\"]}]}");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(d);
	assert_int_equal(ctl_print(CMD_VRRP_SHOW, d, f), 0);
	fclose(f);
	assert_string_equal(buf,
		"VRID  FAMILY  STATE   PRIO  MASTER       ADVERT_MS  "
		"TRANSITIONS  DROPPED\n"
		"1     ipv4    master   200  198.18.0.2          50  "
		"          2        5\n"
		"1     ipv6    backup   100  2001:db8::3       1000  "
		"          1        0\n"
		"vrrp 1 ipv4 on eth0: addresses 198.18.0.100 198.18.0.101; "
		"dropped: ttl 3, vrid 2\n"
		"vrrp 1 ipv6 on eth0: addresses 2001:db8::100; dropped: none\n");
	free(buf);
	json_object_put(d);
	d = json_tokener_parse("{\"instances\":[]}");
	f = open_memstream(&buf, &len);
	assert_int_equal(ctl_print(CMD_VRRP_SHOW, d, f), 0);
	fclose(f);
	assert_string_equal(buf, "no VRRP instances\n");
	free(buf);
	json_object_put(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vip_list),
		cmocka_unit_test(test_vip_list_json),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_flows_json),
		cmocka_unit_test(test_flows_broken),
		cmocka_unit_test(test_flows_streamed),
		cmocka_unit_test(test_timeout_per_line),
		cmocka_unit_test(test_save_and_mutation),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_local_check),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_print_missing_fields),
		cmocka_unit_test(test_print_vrrp),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
