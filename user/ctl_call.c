// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl's conversation with xlbd (ctl_call.h): connect, send the
 * request line, read the reply line by line with a timeout for each
 * piece, decode and hand on each line.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "ctl_call.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline. 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	ssize_t n;
	int err;

	while (len) {
		err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			return err;
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* The daemon's lines, read as they come. */
struct reader {
	int fd;
	unsigned int timeout_ms;	/* for each piece */
	char *buf;
	size_t off, len, cap;	/* buf[off, len): read, not yet returned */
	size_t seen;		/* of those, bytes known to hold no newline */
};

static bool reader_has_line(const struct reader *r)
{
	return r->len > r->off && memchr(r->buf + r->off, '\n',
					  r->len - r->off);
}

static int reader_grow(struct reader *r)
{
	size_t cap = r->cap ? r->cap * 2 : 65536;
	char *p;

	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
		if (r->cap - r->len >= 4096)
			return 0;
	}
	if (cap > CTL_MAX_REPLY + 65536)
		return -EMSGSIZE;
	p = realloc(r->buf, cap + 1);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap = cap;
	return 0;
}

/*
 * The next line, NUL-terminated in place without its newline, valid until
 * the next call. Waits at most r->timeout_ms for each piece. 0,
 * -ETIMEDOUT, -ECONNRESET (closed before a newline), -EMSGSIZE or -errno.
 */
static int reader_line(struct reader *r, char **line, size_t *len)
{
	char *nl;
	ssize_t n;
	int err;

	for (;;) {
		nl = r->len > r->off + r->seen ?
		     memchr(r->buf + r->off + r->seen, '\n',
			    r->len - r->off - r->seen) : NULL;
		if (nl) {
			*nl = '\0';
			*line = r->buf + r->off;
			*len = nl - *line;
			r->off = nl - r->buf + 1;
			r->seen = 0;
			return 0;
		}
		r->seen = r->len - r->off;
		if (r->cap - r->len < 4096) {
			err = reader_grow(r);
			if (err)
				return err;
		}
		err = wait_fd(r->fd, POLLIN, now_ms() + r->timeout_ms);
		if (err)
			return err;
		n = recv(r->fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		r->len += n;
	}
}

/* xlbd is not there or did not answer properly: err, with a message. */
__attribute__((format(printf, 3, 4)))
static int fail(struct ctl_call *call, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->err, sizeof(call->err), fmt, ap);
	va_end(ap);
	call->failure = CTL_CALL_FAIL_DAEMON;
	return err;
}

/* What a failed read means for the user: of the reply's first line
 * (stream NULL), or in the middle of a stream. */
static int read_failed(struct ctl_call *call, int err, const char *stream,
		       unsigned int timeout_ms)
{
	char d[32];

	duration_str(timeout_ms, d, sizeof(d));
	if (!stream && err == -ETIMEDOUT)
		return fail(call, err, "no reply from xlbd within %s", d);
	if (!stream && err == -ECONNRESET)
		return fail(call, err, "xlbd closed the connection without "
			    "a reply");
	if (err == -ETIMEDOUT)
		return fail(call, err, "xlbd sent nothing for %s before the "
			    "end of the %s", d, stream);
	if (err == -ECONNRESET)
		return fail(call, err, "xlbd closed the connection before the "
			    "end of the %s", stream);
	return fail(call, err, "receive from xlbd: %s", strerror(-err));
}

/* A connected socket, or -errno. */
static int call_connect(struct ctl_call *call, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return fail(call, -ENAMETOOLONG, "socket path too long: %s",
			    path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		return fail(call, err, "socket: %s", strerror(-err));
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		close(fd);
		return fail(call, err, "connect %s: %s (is xlbd running?)",
			    path, strerror(-err));
	}
	return fd;
}

static int call_send(struct ctl_call *call, const char *path,
		     const struct reader *r, const char *req)
{
	long long deadline = now_ms() + r->timeout_ms;
	int err;

	err = send_all(r->fd, req, strlen(req), deadline) ?:
	      send_all(r->fd, "\n", 1, deadline);
	if (err)
		return fail(call, err, "send to %s: %s", path, strerror(-err));
	return 0;
}

/* Give a decoded line to the caller, who may stop the call. */
static int hand_on(struct ctl_call *call, struct ctl_line *l,
		   const char *msg)
{
	int err = call->line(call->arg, l, l->kind == CTL_LINE_ERROR ?
			     msg : "");

	json_object_put(l->data);
	l->data = NULL;
	if (err)
		call->failure = CTL_CALL_FAIL_STOPPED;
	return err;
}

/* A stream's lines after its head, until its end or error line. */
static int read_stream(struct reader *r, struct ctl_call *call,
		       const char *name)
{
	char msg[CTL_CALL_ERR_MAX], *line;
	unsigned long long n = 0;
	struct ctl_line l;
	size_t len;
	int err;

	for (;;) {
		if (!reader_has_line(r) && call->idle) {
			err = call->idle(call->arg);
			if (err) {
				call->failure = CTL_CALL_FAIL_STOPPED;
				return err;
			}
		}
		err = reader_line(r, &line, &len);
		if (err)
			return read_failed(call, err, name, r->timeout_ms);
		if (ctl_line_decode(line, len, true, &l, msg, sizeof(msg)))
			return fail(call, -EPROTO, "malformed line in the %s "
				    "from xlbd", name);
		if (l.kind == CTL_LINE_END && l.count != n)
			return fail(call, -EPROTO, "the %s from xlbd end with "
				    "a count of %llu, but %llu arrived", name,
				    (unsigned long long)l.count, n);
		err = hand_on(call, &l, msg);
		if (err || l.kind != CTL_LINE_ITEM)
			return err;
		n++;
	}
}

/* The reply's first line, and the rest of it if it is a stream. */
static int read_reply(struct reader *r, struct ctl_call *call)
{
	char msg[CTL_CALL_ERR_MAX], *line;
	struct ctl_line l;
	size_t len;
	int err;

	err = reader_line(r, &line, &len);
	if (err)
		return read_failed(call, err, NULL, r->timeout_ms);
	if (ctl_line_decode(line, len, false, &l, msg, sizeof(msg)))
		return fail(call, -EPROTO, "%s from xlbd", msg);
	err = hand_on(call, &l, msg);
	if (err || l.kind != CTL_LINE_HEAD)
		return err;
	return read_stream(r, call, l.name);
}

int ctl_call(const char *socket, int argc, char **argv,
	     struct ctl_call *call)
{
	struct reader r = {
		.fd = -1,
		.timeout_ms = call->timeout_ms ?: CTL_TIMEOUT_MS,
	};
	char *req = NULL;
	int err;

	call->failure = CTL_CALL_FAIL_NONE;
	call->err[0] = '\0';
	err = ctl_request_encode(argc, argv, &req);
	if (err) {
		call->failure = CTL_CALL_FAIL_REQUEST;
		snprintf(call->err, sizeof(call->err), "encode request: %s",
			 strerror(-err));
		return err;
	}
	r.fd = call_connect(call, socket);
	if (r.fd < 0) {
		err = r.fd;
		goto out;
	}
	err = call_send(call, socket, &r, req) ?: read_reply(&r, call);
out:
	free(r.buf);
	free(req);
	if (r.fd >= 0)
		close(r.fd);
	return err;
}
