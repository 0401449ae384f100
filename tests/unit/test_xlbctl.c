// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl against a fake xlbd on a Unix socket in a temp dir: the request
 * line it sends, what it prints for each reply, its exit status. xlbctl's
 * main is compiled in and run in a child process per case.
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
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define main xlbctl_main
#include "../../user/xlbctl.c"
#undef main

#define DEADLINE_MS	5000

struct run {
	int rc;
	bool connected;
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

/*
 * Run "xlbctl -s SOCK ARGS..." against a fake daemon that answers reply
 * (NULL: close without answering). listen_too false: no daemon at all.
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
			assert_int_equal(write(cfd, reply, strlen(reply)),
					 strlen(reply));
			assert_int_equal(write(cfd, "\n", 1), 1);
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

static void test_flows(void **state)
{
	struct run r;

	(void)state;
	run_xlbctl("{\"ok\":true,\"data\":{\"flows\":[{\"proto\":\"tcp\","
		   "\"client\":\"198.18.0.1:40000\","
		   "\"vip\":\"198.18.0.100:80\","
		   "\"backend\":\"198.18.0.11\",\"idle_ms\":1500,"
		   "\"closing\":false},{\"proto\":\"tcp\","
		   "\"client\":\"[2001:db8::7]:51000\","
		   "\"vip\":\"198.18.0.100:80\",\"backend\":\"198.18.0.12\","
		   "\"idle_ms\":20,\"closing\":true}],\"truncated\":true}}",
		   true, &r, "flows", "tcp", "198.18.0.100:80", NULL);
	assert_string_equal(r.req, "{\"argv\":[\"flows\",\"tcp\","
			    "\"198.18.0.100:80\"]}\n");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
		"PROTO  CLIENT               VIP              BACKEND      "
		"STATE    IDLE_MS\n"
		"tcp    198.18.0.1:40000     198.18.0.100:80  198.18.0.11  "
		"open        1500\n"
		"tcp    [2001:db8::7]:51000  198.18.0.100:80  198.18.0.12  "
		"closing       20\n"
		"(truncated: only the first 2 flows are shown)\n");

	run_xlbctl("{\"ok\":true,\"data\":{\"flows\":[],\"truncated\":false}}",
		   true, &r, "flows", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "no flows\n");
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
		cmocka_unit_test(test_save_and_mutation),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_local_check),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_print_missing_fields),
		cmocka_unit_test(test_print_vrrp),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
