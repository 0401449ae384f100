// SPDX-License-Identifier: GPL-2.0
/* The event loop: timers fire in due order and once, cancelled timers
 * never fire, fd callbacks see readiness, a watch removed from inside a
 * callback gets no further event, stop ends the loop. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "evloop.h"

static char order[16];
static int n_order;

static void mark_cb(struct ev_loop *loop, void *arg)
{
	(void)loop;
	order[n_order++] = *(const char *)arg;
}

static void stop_cb(struct ev_loop *loop, void *arg)
{
	(void)arg;
	ev_loop_stop(loop);
}

static void test_timer_order(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_timer *t;
	uint64_t t0 = ev_now_ms();

	(void)state;
	n_order = 0;
	assert_non_null(loop);
	ev_timer_add(loop, 30, mark_cb, "c");
	ev_timer_add(loop, 10, mark_cb, "a");
	t = ev_timer_add(loop, 20, mark_cb, "x");
	ev_timer_add(loop, 20, mark_cb, "b");
	ev_timer_add(loop, 50, stop_cb, NULL);
	ev_timer_cancel(loop, t);
	assert_int_equal(ev_loop_run(loop), 0);
	assert_int_equal(n_order, 3);
	assert_memory_equal(order, "abc", 3);
	assert_true(ev_now_ms() - t0 >= 50);
	ev_loop_free(loop);
}

struct pipe_state {
	int fds[2];
	int reads;
};

static void read_cb(struct ev_loop *loop, int fd, uint32_t events, void *arg)
{
	struct pipe_state *ps = arg;
	char c;

	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	ps->reads++;
	/* removed from inside its own callback: no further event */
	ev_fd_del(loop, fd);
}

static void write_more_cb(struct ev_loop *loop, void *arg)
{
	struct pipe_state *ps = arg;

	(void)loop;
	assert_int_equal(write(ps->fds[1], "yz", 2), 2);
}

static void test_fd_watch(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct pipe_state ps = {};

	(void)state;
	assert_int_equal(pipe(ps.fds), 0);
	assert_int_equal(ev_fd_add(loop, ps.fds[0], EPOLLIN, read_cb, &ps), 0);
	assert_int_equal(ev_fd_add(loop, ps.fds[0], EPOLLIN, read_cb, &ps),
			 -EEXIST);
	assert_int_equal(write(ps.fds[1], "x", 1), 1);
	ev_timer_add(loop, 20, write_more_cb, &ps);
	ev_timer_add(loop, 60, stop_cb, NULL);
	assert_int_equal(ev_loop_run(loop), 0);
	assert_int_equal(ps.reads, 1);
	assert_int_equal(ev_fd_mod(loop, ps.fds[0], EPOLLIN), -ENOENT);
	close(ps.fds[0]);
	close(ps.fds[1]);
	ev_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_fd_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
