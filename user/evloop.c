// SPDX-License-Identifier: GPL-2.0
/*
 * epoll loop with fd callbacks and a sorted list of one-shot timers.
 * Watches are indexed by fd: health probes add, change and remove
 * thousands of fds per second, so finding one must not walk a list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "evloop.h"

struct ev_watch {
	int fd;
	ev_fd_cb cb;
	void *arg;
	struct ev_watch *next;	/* on the dead list */
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
	struct ev_watch **by_fd;	/* live watches */
	size_t n_fd;
	struct ev_watch *dead;		/* deleted, freed after the batch */
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
	struct ev_watch *w;

	while ((w = loop->dead)) {
		loop->dead = w->next;
		free(w);
	}
}

void ev_loop_free(struct ev_loop *loop)
{
	struct ev_timer *t;
	size_t i;

	if (!loop)
		return;
	ev_reap(loop);
	for (i = 0; i < loop->n_fd; i++)
		free(loop->by_fd[i]);
	free(loop->by_fd);
	while ((t = loop->timers)) {
		loop->timers = t->next;
		free(t);
	}
	close(loop->epfd);
	free(loop);
}

static int ev_index_reserve(struct ev_loop *loop, int fd)
{
	size_t n = loop->n_fd ? loop->n_fd : 64;
	struct ev_watch **nb;

	if ((size_t)fd < loop->n_fd)
		return 0;
	while (n <= (size_t)fd)
		n *= 2;
	nb = realloc(loop->by_fd, n * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	memset(nb + loop->n_fd, 0, (n - loop->n_fd) * sizeof(*nb));
	loop->by_fd = nb;
	loop->n_fd = n;
	return 0;
}

int ev_fd_add(struct ev_loop *loop, int fd, uint32_t events, ev_fd_cb cb,
	      void *arg)
{
	struct epoll_event ev = { .events = events };
	struct ev_watch *w;
	int err;

	if (fd < 0)
		return -EBADF;
	err = ev_index_reserve(loop, fd);
	if (err)
		return err;
	if (loop->by_fd[fd])
		return -EEXIST;
	w = calloc(1, sizeof(*w));
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
	loop->by_fd[fd] = w;
	return 0;
}

static struct ev_watch *ev_find(struct ev_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->n_fd)
		return NULL;
	return loop->by_fd[fd];
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
	/* Freed after the current batch: events for it may still be queued,
	 * and the fd number may be reused before then. */
	loop->by_fd[fd] = NULL;
	w->dead = true;
	w->next = loop->dead;
	loop->dead = w;
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
	struct epoll_event evs[64];
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
		n = epoll_wait(loop->epfd, evs, 64, timeout);
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
