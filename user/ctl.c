// SPDX-License-Identifier: GPL-2.0
/* Control socket: non-blocking line I/O for many clients. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "ctl.h"
#include "ctl_proto.h"
#include "path.h"

/* Queued output beyond this drops the client: it does not read. */
#define CTL_MAX_OUT	(2 * (size_t)CTL_MAX_REPLY)
/* Each client holds a line buffer: bound the memory they can take. */
#define CTL_MAX_CLIENTS	256

struct ctl_client {
	struct ctl *ctl;
	int fd;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	bool close_after;	/* close once out is flushed */
	bool eof;		/* the client sent all it will send */
	struct ev_timer *idle;
	struct ctl_stream st;		/* the reply being streamed, if ops */
	struct ev_timer *st_turn;	/* its producer's next call */
	struct ctl_client *next;
};

struct ctl {
	struct ev_loop *loop;
	int fd;
	char *path;
	ctl_handler handler;
	void *arg;
	struct ctl_client *clients;
	size_t n_clients;
};

static size_t queued(const struct ctl_client *cl)
{
	return cl->out_len - cl->out_off;
}

/* The stream is over (or abandoned): its producer's state goes. */
static void stream_end(struct ctl_client *cl)
{
	const struct ctl_stream_ops *ops = cl->st.ops;

	if (!ops)
		return;
	if (cl->st_turn)
		ev_timer_cancel(cl->ctl->loop, cl->st_turn);
	cl->st_turn = NULL;
	cl->st.ops = NULL;
	ops->free(cl->st.arg);
	cl->st.arg = NULL;
}

static void client_free(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;
	struct ctl_client **pp;

	stream_end(cl);
	for (pp = &c->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	c->n_clients--;
	if (cl->idle)
		ev_timer_cancel(c->loop, cl->idle);
	ev_fd_del(c->loop, cl->fd);
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	free(cl);
}

static int client_queue(struct ctl_client *cl, const char *line)
{
	size_t n = strlen(line), need;
	char *p;

	if (cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	/* A stream appends while the client still reads the last lines:
	 * drop what was sent before growing, or the buffer grows with
	 * everything ever streamed. */
	if (cl->out_off && cl->out_len + n + 1 > cl->out_cap) {
		memmove(cl->out, cl->out + cl->out_off, queued(cl));
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	need = cl->out_len + n + 1;
	if (need > CTL_MAX_OUT)
		return -ENOBUFS;
	if (need > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;

		while (cap < need)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (!p)
			return -ENOMEM;
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, line, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len += n + 1;
	return 0;
}

/* Write what the socket takes. 0, or -errno when the client is gone. */
static int client_flush(struct ctl_client *cl)
{
	ssize_t n;

	while (cl->out_off < cl->out_len) {
		n = send(cl->fd, cl->out + cl->out_off,
			 cl->out_len - cl->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		cl->out_off += n;
	}
	return 0;
}

static void client_idle(struct ev_loop *loop, void *arg);

/* The idle timeout runs while the server waits for a request, not while
 * the client waits for a stream. */
static void client_rearm(struct ctl_client *cl)
{
	if (cl->idle)
		ev_timer_cancel(cl->ctl->loop, cl->idle);
	cl->idle = NULL;
	if (!cl->st.ops)
		cl->idle = ev_timer_add(cl->ctl->loop, CTL_IDLE_MS,
					client_idle, cl);
}

/* The producer failed: an error line ends the stream, the connection
 * goes on. Without that line the client would wait for an end. */
static void stream_fail(struct ctl_client *cl, const char *msg)
{
	char *r = ctl_reply_error(msg);

	stream_end(cl);
	if (!r || client_queue(cl, r))
		cl->close_after = true;
	free(r);
}

/* An error line ends whatever was being answered (a stream too: the
 * line is a valid end of one), then the connection. */
static void client_error(struct ctl_client *cl, const char *msg)
{
	stream_fail(cl, msg);
	cl->close_after = true;
}

static void stream_turn(struct ev_loop *loop, void *arg);

/* The producer's next call once the client took enough of the last. */
static void stream_kick(struct ctl_client *cl)
{
	if (!cl->st.ops || cl->st_turn || cl->close_after ||
	    queued(cl) >= CTL_STREAM_LOW)
		return;
	cl->st_turn = ev_timer_add(cl->ctl->loop, 0, stream_turn, cl);
	if (!cl->st_turn)
		client_error(cl, "out of memory");
}

/* Flush and set the events: returns false if the client was freed. */
static bool client_update(struct ctl_client *cl)
{
	bool pending;

	if (client_flush(cl)) {
		client_free(cl);
		return false;
	}
	stream_kick(cl);
	pending = queued(cl) > 0;
	if (!pending && cl->close_after) {
		client_free(cl);
		return false;
	}
	/* Backpressure: no new request is read while replies wait or a
	 * stream runs. A peer that closes still shows as EPOLLHUP. */
	ev_fd_mod(cl->ctl->loop, cl->fd, pending ? EPOLLOUT :
		  (cl->close_after || cl->eof || cl->st.ops) ? 0 : EPOLLIN);
	return true;
}

static void client_idle(struct ev_loop *loop, void *arg)
{
	struct ctl_client *cl = arg;

	(void)loop;
	cl->idle = NULL;	/* freed by the loop after this call */
	client_error(cl, "idle timeout: no complete request within 5 s");
	client_update(cl);
}

/* Handle complete lines in the input buffer while no reply is pending
 * and no stream runs. */
static void client_process(struct ctl_client *cl)
{
	char *nl, *reply;
	size_t len;

	while (!cl->close_after && !cl->st.ops && !queued(cl) &&
	       (nl = memchr(cl->in, '\n', cl->in_len))) {
		struct ctl_stream st = { 0 };

		len = nl - cl->in;
		reply = cl->ctl->handler(cl->ctl->arg, cl->in, len, &st);
		memmove(cl->in, nl + 1, cl->in_len - len - 1);
		cl->in_len -= len + 1;
		if (st.ops) {
			/* Its first call comes on a later turn. */
			cl->st = st;
			client_rearm(cl);
		}
		if (!reply || client_queue(cl, reply)) {
			free(reply);
			client_error(cl, "out of memory");
			return;
		}
		free(reply);
		client_flush(cl);
	}
	if (!cl->close_after && cl->in_len > CTL_MAX_LINE &&
	    !memchr(cl->in, '\n', cl->in_len))
		client_error(cl, "request line too long");
	/* After a half close, answer what came in full, then close. */
	if (cl->eof && !cl->st.ops && !memchr(cl->in, '\n', cl->in_len))
		cl->close_after = true;
}


/* A turn of the stream's producer, then the requests that waited. */
static void stream_turn(struct ev_loop *loop, void *arg)
{
	struct ctl_client *cl = arg;
	char err[512] = "";
	int ret;

	(void)loop;
	cl->st_turn = NULL;	/* freed by the loop after this call */
	ret = cl->st.ops->produce(cl->st.arg, cl, err, sizeof(err));
	if (ret < 0)
		stream_fail(cl, err[0] ? err : strerror(-ret));
	else if (ret != CTL_STREAM_MORE)
		stream_end(cl);
	if (!cl->st.ops)
		client_rearm(cl);
	if (!client_update(cl))
		return;
	client_process(cl);
	client_update(cl);
}

static void client_cb(struct ev_loop *loop, int fd, uint32_t events,
		      void *arg)
{
	struct ctl_client *cl = arg;
	ssize_t n;

	(void)loop;
	if (events & EPOLLIN) {
		n = recv(fd, cl->in + cl->in_len,
			 CTL_MAX_LINE + 2 - cl->in_len, MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			client_free(cl);
			return;
		}
		if (n == 0)
			cl->eof = true;
		if (n > 0) {
			cl->in_len += n;
			client_rearm(cl);
		}
	} else if (events & (EPOLLERR | EPOLLHUP)) {
		client_free(cl);
		return;
	}
	if (!client_update(cl))
		return;
	client_process(cl);
	client_update(cl);
}

static void accept_cb(struct ev_loop *loop, int fd, uint32_t events,
		      void *arg)
{
	struct ctl *c = arg;
	struct ctl_client *cl;
	int cfd;

	(void)events;
	while ((cfd = accept4(fd, NULL, NULL,
			      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (c->n_clients >= CTL_MAX_CLIENTS) {
			char *r = ctl_reply_error("too many clients");

			if (r) {
				send(cfd, r, strlen(r), MSG_NOSIGNAL |
				     MSG_DONTWAIT);
				send(cfd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
				free(r);
			}
			close(cfd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl)
			cl->in = malloc(CTL_MAX_LINE + 2);
		if (!cl || !cl->in ||
		    ev_fd_add(loop, cfd, EPOLLIN, client_cb, cl)) {
			if (cl)
				free(cl->in);
			free(cl);
			close(cfd);
			continue;
		}
		cl->ctl = c;
		cl->fd = cfd;
		cl->next = c->clients;
		c->clients = cl;
		c->n_clients++;
		client_rearm(cl);
	}
}

int ctl_open(struct ctl **out, struct ev_loop *loop, const char *path,
	     ctl_handler handler, void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *c;
	mode_t um;
	int fd, err, probe;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	err = path_mkdir_parent(path);
	if (err)
		return err;
	/* A socket nobody answers on is stale; one that answers is a
	 * running daemon we must not steal from. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		return -EADDRINUSE;
	}
	err = errno;
	close(probe);
	if (err == ECONNREFUSED && unlink(path))
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	um = umask(0177);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0;
	umask(um);
	if (!err && chmod(path, 0600))
		err = -errno;
	if (!err && listen(fd, 64))
		err = -errno;
	if (err)
		goto err_close;
	c = calloc(1, sizeof(*c));
	if (!c) {
		err = -ENOMEM;
		goto err_close;
	}
	c->path = strdup(path);
	c->loop = loop;
	c->fd = fd;
	c->handler = handler;
	c->arg = arg;
	err = c->path ? ev_fd_add(loop, fd, EPOLLIN, accept_cb, c) : -ENOMEM;
	if (err) {
		free(c->path);
		free(c);
		goto err_close;
	}
	*out = c;
	return 0;
err_close:
	close(fd);
	return err;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	while (c->clients) {
		client_flush(c->clients);
		client_free(c->clients);
	}
	ev_fd_del(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}

size_t ctl_clients(const struct ctl *c)
{
	return c->n_clients;
}

int ctl_stream_put(struct ctl_client *cl, const char *line)
{
	return client_queue(cl, line);
}

bool ctl_stream_full(const struct ctl_client *cl)
{
	return queued(cl) >= CTL_STREAM_HIGH;
}

size_t ctl_queued(const struct ctl_client *cl)
{
	return queued(cl);
}
