// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket server on a real Unix socket, served by a child
 * process running the event loop: directory and socket modes, stale and
 * live sockets, partial and pipelined lines, the line limit, many clients
 * at once, and a client that never reads its (large) reply not delaying
 * the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "evloop.h"

#define BIG	(8u << 20)	/* far more than a socket buffer */

static char dir[64], path[128];
static pid_t child;

/* Echo "got:LEN:FIRST-16-BYTES"; "big" gets BIG bytes of 'x'. */
static char *handler(void *arg, const char *line, size_t len,
		     struct ctl_stream *stream)
{
	char *r;

	(void)arg;
	(void)stream;
	if (len == 3 && !memcmp(line, "big", 3)) {
		r = malloc(BIG + 1);
		if (r) {
			memset(r, 'x', BIG);
			r[BIG] = '\0';
		}
		return r;
	}
	if (asprintf(&r, "got:%zu:%.*s", len, (int)(len < 16 ? len : 16),
		     line) < 0)
		return NULL;
	return r;
}

static void stop_cb(struct ev_loop *loop, void *arg)
{
	(void)arg;
	ev_loop_stop(loop);
}

static int setup(void **state)
{
	int p[2];
	char c;

	(void)state;
	strcpy(dir, "/tmp/xd_ctl_XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* a directory ctl_open must create */
	snprintf(path, sizeof(path), "%s/run/ctl.sock", dir);
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct ev_loop *loop = ev_loop_new();
		struct ctl *ctl;

		close(p[0]);
		if (!loop || ctl_open(&ctl, loop, path, handler, NULL))
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		/* bounded: the parent's tests take a few seconds */
		ev_timer_add(loop, 30000, stop_cb, NULL);
		ev_loop_run(loop);
		ctl_close(ctl);
		ev_loop_free(loop);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return 0;
}

static int teardown(void **state)
{
	char sub[160];

	(void)state;
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	unlink(path);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	rmdir(sub);
	rmdir(dir);
	return 0;
}

static int connect_to(const char *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(sun.sun_path, p);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;		/* the server may close on us */
		buf += n;
		len -= n;
	}
}

/* Read one line (without newline) within ms; "" on EOF, NULL on timeout. */
static char *read_line(int fd, int ms)
{
	static char buf[256];
	size_t len = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	while (len < sizeof(buf) - 1) {
		if (poll(&pfd, 1, ms) != 1)
			return NULL;
		if (read(fd, &c, 1) != 1)
			break;
		if (c == '\n')
			break;
		buf[len++] = c;
	}
	buf[len] = '\0';
	return buf;
}

static void test_modes(void **state)
{
	struct stat st;
	char sub[160];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/run", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_live_socket_refused(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct ctl *ctl;

	(void)state;
	assert_int_equal(ctl_open(&ctl, loop, path, handler, NULL),
			 -EADDRINUSE);
	/* and the running server still answers */
	{
		int fd = connect_to(path);

		send_all(fd, "ping\n", 5);
		assert_string_equal(read_line(fd, 2000), "got:4:ping");
		close(fd);
	}
	ev_loop_free(loop);
}

static void test_stale_socket_replaced(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ev_loop *loop = ev_loop_new();
	char stale[160];
	struct ctl *ctl;
	int fd;

	(void)state;
	snprintf(stale, sizeof(stale), "%s/stale.sock", dir);
	strcpy(sun.sun_path, stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);	/* the file stays, nobody listens */
	assert_int_equal(ctl_open(&ctl, loop, stale, handler, NULL), 0);
	ctl_close(ctl);
	assert_int_equal(access(stale, F_OK), -1);	/* removed on close */
	ev_loop_free(loop);
}

static void test_partial_and_pipelined(void **state)
{
	int fd = connect_to(path);

	(void)state;
	send_all(fd, "pi", 2);
	usleep(50000);
	send_all(fd, "ng\nsecond\nthird\n", 16);
	assert_string_equal(read_line(fd, 2000), "got:4:ping");
	assert_string_equal(read_line(fd, 2000), "got:6:second");
	assert_string_equal(read_line(fd, 2000), "got:5:third");
	close(fd);
}

static void test_line_limit(void **state)
{
	char *buf = malloc(CTL_MAX_LINE + 16), *r;
	int fd;

	(void)state;
	/* exactly CTL_MAX_LINE bytes: served */
	memset(buf, 'a', CTL_MAX_LINE);
	buf[CTL_MAX_LINE] = '\n';
	fd = connect_to(path);
	send_all(fd, buf, CTL_MAX_LINE + 1);
	r = read_line(fd, 2000);
	assert_non_null(r);
	assert_string_equal(r, "got:65536:aaaaaaaaaaaaaaaa");
	close(fd);
	/* more without a newline: an error reply, then closed */
	memset(buf, 'a', CTL_MAX_LINE + 16);
	fd = connect_to(path);
	send_all(fd, buf, CTL_MAX_LINE + 10);
	r = read_line(fd, 2000);
	assert_non_null(r);
	assert_non_null(strstr(r, "\"ok\":false"));
	assert_non_null(strstr(r, "too long"));
	assert_string_equal(read_line(fd, 2000), "");	/* EOF */
	close(fd);
	free(buf);
}

static void test_slow_reader_many_clients(void **state)
{
	int slow, fds[40], i;
	char req[32], want[32];

	(void)state;
	/* a client that asks for a huge reply and never reads it */
	slow = connect_to(path);
	send_all(slow, "big\n", 4);
	usleep(100000);
	for (i = 0; i < 40; i++)
		fds[i] = connect_to(path);
	for (i = 0; i < 40; i++) {
		snprintf(req, sizeof(req), "client%d\n", i);
		send_all(fds[i], req, strlen(req));
	}
	for (i = 39; i >= 0; i--) {
		snprintf(want, sizeof(want), "got:%zu:client%d",
			 strlen("client") + (i < 10 ? 1 : 2), i);
		assert_string_equal(read_line(fds[i], 2000), want);
		close(fds[i]);
	}
	/* the slow one still gets all of its reply once it reads */
	{
		size_t got = 0;
		char buf[65536];
		ssize_t n;
		struct pollfd pfd = { .fd = slow, .events = POLLIN };

		while (got < BIG + 1 && poll(&pfd, 1, 2000) == 1 &&
		       (n = read(slow, buf, sizeof(buf))) > 0)
			got += n;
		assert_int_equal(got, BIG + 1);
	}
	close(slow);
}

/* A client that half-closes after its request still gets the whole
 * reply, then EOF. */
static void test_half_close(void **state)
{
	struct pollfd pfd;
	char buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd;

	(void)state;
	fd = connect_to(path);
	send_all(fd, "ping\nbig\n", 9);
	shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 2000) == 1 && (n = read(fd, buf, sizeof(buf))) > 0)
		got += n;
	assert_int_equal(got, strlen("got:4:ping\n") + BIG + 1);
	close(fd);
}

/* Clients are bounded (256): one more gets an error, the others are
 * served. */
static void test_client_limit(void **state)
{
	int fds[256], extra, i;
	char *r;

	(void)state;
	for (i = 0; i < 256; i++) {
		fds[i] = connect_to(path);
		send_all(fds[i], "hi\n", 3);
		assert_string_equal(read_line(fds[i], 2000), "got:2:hi");
	}
	extra = connect_to(path);
	r = read_line(extra, 2000);
	assert_non_null(r);
	assert_non_null(strstr(r, "too many clients"));
	close(extra);
	/* a freed slot is usable again, once the server saw the close */
	close(fds[0]);
	for (i = 0; i < 100; i++) {
		extra = connect_to(path);
		send_all(extra, "hi\n", 3);
		r = read_line(extra, 2000);
		close(extra);
		if (r && !strcmp(r, "got:2:hi"))
			break;
		usleep(10000);
	}
	assert_true(i < 100);
	for (i = 1; i < 256; i++)
		close(fds[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_live_socket_refused),
		cmocka_unit_test(test_stale_socket_replaced),
		cmocka_unit_test(test_partial_and_pipelined),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_slow_reader_many_clients),
		cmocka_unit_test(test_half_close),
		cmocka_unit_test(test_client_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
