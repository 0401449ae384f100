/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small epoll event loop: file descriptor callbacks and one-shot timers.
 * The control socket, drain checks, and later health probes and VRRP all
 * run on it; nothing in the daemon blocks.
 */
#ifndef XLB_EVLOOP_H
#define XLB_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct ev_timer;

typedef void (*ev_fd_cb)(struct ev_loop *loop, int fd, uint32_t events,
			 void *arg);
typedef void (*ev_timer_cb)(struct ev_loop *loop, void *arg);

struct ev_loop *ev_loop_new(void);
void ev_loop_free(struct ev_loop *loop);

/* Watch fd for events (EPOLLIN/EPOLLOUT). 0 or -errno. */
int ev_fd_add(struct ev_loop *loop, int fd, uint32_t events, ev_fd_cb cb,
	      void *arg);
int ev_fd_mod(struct ev_loop *loop, int fd, uint32_t events);
/* Stop watching fd (does not close it). */
void ev_fd_del(struct ev_loop *loop, int fd);

/* Run cb once, after ms milliseconds. NULL with errno on error. The timer
 * is freed after it fired; cancel it before then with ev_timer_cancel(). */
struct ev_timer *ev_timer_add(struct ev_loop *loop, uint64_t ms,
			      ev_timer_cb cb, void *arg);
void ev_timer_cancel(struct ev_loop *loop, struct ev_timer *t);

/* Milliseconds on the monotonic clock. */
uint64_t ev_now_ms(void);

/* Dispatch events until ev_loop_stop(). 0 or -errno. */
int ev_loop_run(struct ev_loop *loop);
void ev_loop_stop(struct ev_loop *loop);

#endif /* XLB_EVLOOP_H */
