/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For unit tests that run an event loop (evloop.h) with cmocka: turn it
 * until a condition holds or a time is up. Include after cmocka.h.
 */
#ifndef XLB_TESTS_EVWAIT_H
#define XLB_TESTS_EVWAIT_H

#include <stdbool.h>
#include <linux/types.h>
#include "evloop.h"

struct evwait {
	bool (*pred)(void *arg);
	void *arg;
	__u64 until;		/* ms, ev_now_ms() */
	bool met;
};

static void evwait_tick(struct ev_loop *l, void *arg)
{
	struct evwait *w = arg;

	if (w->pred(w->arg)) {
		w->met = true;
		ev_loop_stop(l);
	} else if (ev_now_ms() >= w->until) {
		ev_loop_stop(l);
	} else {
		assert_non_null(ev_timer_add(l, 1, evwait_tick, w));
	}
}

/* Run loop until pred(arg) holds (true) or ms pass (false). */
static inline bool evwait_until(struct ev_loop *loop,
				bool (*pred)(void *arg), void *arg, __u64 ms)
{
	struct evwait w = { pred, arg, ev_now_ms() + ms, false };

	assert_non_null(ev_timer_add(loop, 0, evwait_tick, &w));
	assert_int_equal(ev_loop_run(loop), 0);
	return w.met;
}

#endif /* XLB_TESTS_EVWAIT_H */
