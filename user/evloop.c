// SPDX-License-Identifier: GPL-2.0
/* epoll loop with fd callbacks and a sorted list of one-shot timers. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "evloop.h"

struct ev_watch {
	int fd;
	ev_fd_cb cb;
	void *arg;
	struct ev_watch *next;
	bool dead;
};

struct ev_timer {
	uint64_t due_ms;
	ev_timer_cb cb;
	void *arg;
	struct ev_timer *next;
};

struct ev_loop {
	int epfd;
	bool stop;
	struct ev_watch *watches;
	struct ev_timer *timers;	/* sorted by due_ms */
};

uint64_t ev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ev_loop *ev_loop_new(void)
{
	struct ev_loop *loop = calloc(1, sizeof(*loop));
	int err;

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		err = errno;
		free(loop);
		errno = err;
		return NULL;
	}
	return loop;
}

static void ev_reap(struct ev_loop *loop)
{
	struct ev_watch **pp = &loop->watches, *w;

	while ((w = *pp)) {
		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

void ev_loop_free(struct ev_loop *loop)
{
	struct ev_timer *t;
	struct ev_watch *w;

	if (!loop)
		return;
	while ((w = loop->watches)) {
		loop->watches = w->next;
		free(w);
	}
	while ((t = loop->timers)) {
		loop->timers = t->next;
		free(t);
	}
	close(loop->epfd);
	free(loop);
}

int ev_fd_add(struct ev_loop *loop, int fd, uint32_t events, ev_fd_cb cb,
	      void *arg)
{
	struct epoll_event ev = { .events = events };
	struct ev_watch *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		free(w);
		return err;
	}
	w->next = loop->watches;
	loop->watches = w;
	return 0;
}

static struct ev_watch *ev_find(struct ev_loop *loop, int fd)
{
	struct ev_watch *w;

	for (w = loop->watches; w; w = w->next)
		if (w->fd == fd && !w->dead)
			return w;
	return NULL;
}

int ev_fd_mod(struct ev_loop *loop, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };
	struct ev_watch *w = ev_find(loop, fd);

	if (!w)
		return -ENOENT;
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev))
		return -errno;
	return 0;
}

void ev_fd_del(struct ev_loop *loop, int fd)
{
	struct ev_watch *w = ev_find(loop, fd);

	if (!w)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* Freed after the current batch: events for it may still be queued. */
	w->dead = true;
}

struct ev_timer *ev_timer_add(struct ev_loop *loop, uint64_t ms,
			      ev_timer_cb cb, void *arg)
{
	struct ev_timer *t = calloc(1, sizeof(*t)), **pp;

	if (!t)
		return NULL;
	t->due_ms = ev_now_ms() + ms;
	t->cb = cb;
	t->arg = arg;
	for (pp = &loop->timers; *pp && (*pp)->due_ms <= t->due_ms;
	     pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t;
}

void ev_timer_cancel(struct ev_loop *loop, struct ev_timer *t)
{
	struct ev_timer **pp;

	for (pp = &loop->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
	}
}

void ev_loop_stop(struct ev_loop *loop)
{
	loop->stop = true;
}

static void ev_run_timers(struct ev_loop *loop)
{
	uint64_t now = ev_now_ms();
	struct ev_timer *t;

	while ((t = loop->timers) && t->due_ms <= now) {
		loop->timers = t->next;
		t->cb(loop, t->arg);
		free(t);
		if (loop->stop)
			return;
	}
}

int ev_loop_run(struct ev_loop *loop)
{
	struct epoll_event evs[32];
	int n, i, timeout;
	uint64_t now;

	loop->stop = false;
	while (!loop->stop) {
		timeout = -1;
		if (loop->timers) {
			now = ev_now_ms();
			timeout = loop->timers->due_ms > now ?
				  (int)(loop->timers->due_ms - now) : 0;
		}
		n = epoll_wait(loop->epfd, evs, 32, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !loop->stop; i++) {
			struct ev_watch *w = evs[i].data.ptr;

			if (!w->dead)
				w->cb(loop, w->fd, evs[i].events, w->arg);
		}
		ev_reap(loop);
		if (!loop->stop)
			ev_run_timers(loop);
	}
	return 0;
}
