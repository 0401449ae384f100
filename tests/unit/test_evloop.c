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

/* Two readable pipes: whichever callback runs first removes and closes
 * the other, and a new pipe takes its fd number in the same batch. The
 * old watch's queued event must reach nobody; the new one gets its own. */
struct reuse {
	int a[2], b[2], c[2];
	int first, reused, reused_fd;
};

static void reuse_new_cb(struct ev_loop *loop, int fd, uint32_t events,
			 void *arg)
{
	struct reuse *r = arg;
	char ch;

	(void)events;
	assert_int_equal(read(fd, &ch, 1), 1);
	assert_int_equal(ch, 'n');
	r->reused++;
	ev_loop_stop(loop);
}

static void reuse_first_cb(struct ev_loop *loop, int fd, uint32_t events,
			   void *arg)
{
	struct reuse *r = arg;
	int other = fd == r->a[0] ? r->b[0] : r->a[0];
	char ch;

	(void)events;
	assert_int_equal(read(fd, &ch, 1), 1);
	r->first++;
	ev_fd_del(loop, other);
	close(other);
	assert_int_equal(pipe(r->c), 0);
	r->reused_fd = r->c[0];
	assert_int_equal(r->c[0], other);
	assert_int_equal(ev_fd_add(loop, r->c[0], EPOLLIN, reuse_new_cb, r),
			 0);
	assert_int_equal(write(r->c[1], "n", 1), 1);
}

static void test_fd_reuse(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct reuse r = { 0 };
	int i, fds[1100];

	(void)state;
	assert_non_null(loop);
	assert_int_equal(pipe(r.a), 0);
	assert_int_equal(pipe(r.b), 0);
	assert_int_equal(write(r.a[1], "x", 1), 1);
	assert_int_equal(write(r.b[1], "x", 1), 1);
	assert_int_equal(ev_fd_add(loop, r.a[0], EPOLLIN, reuse_first_cb, &r),
			 0);
	assert_int_equal(ev_fd_add(loop, r.b[0], EPOLLIN, reuse_first_cb, &r),
			 0);
	ev_timer_add(loop, 1000, stop_cb, NULL);
	assert_int_equal(ev_loop_run(loop), 0);
	assert_int_equal(r.first, 1);
	assert_int_equal(r.reused, 1);
	/* Many watches (as health probes make): each found by its fd. */
	for (i = 0; i < 1100; i += 2) {
		assert_int_equal(pipe(&fds[i]), 0);
		assert_int_equal(ev_fd_add(loop, fds[i], EPOLLIN, read_cb,
					   NULL), 0);
	}
	for (i = 0; i < 1100; i += 2)
		assert_int_equal(ev_fd_mod(loop, fds[i], EPOLLIN | EPOLLOUT),
				 0);
	for (i = 0; i < 1100; i += 2) {
		ev_fd_del(loop, fds[i]);
		assert_int_equal(ev_fd_mod(loop, fds[i], EPOLLIN), -ENOENT);
		close(fds[i]);
		close(fds[i + 1]);
	}
	ev_loop_free(loop);
	close(r.a[1]);
	close(r.b[1]);
	close(r.c[0]);
	close(r.c[1]);
	close(r.reused_fd == r.a[0] ? r.b[0] : r.a[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_fd_watch),
		cmocka_unit_test(test_fd_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
