/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket server: a Unix stream socket (mode 0600) on the
 * event loop. Each client sends request lines; each line is handed to the
 * handler, whose reply line is queued for the client. Reads and writes
 * never block: a slow reader gets its replies buffered (and no new
 * request is read until they are out), an oversize line gets an error
 * reply and the connection closed, an idle client is closed after
 * CTL_IDLE_MS.
 *
 * A reply too large to build in one turn of the loop is a stream
 * (ctl_proto.h): the handler returns its first line and hands over a
 * producer, which the server calls on later turns to queue the next
 * lines, each call for at most CTL_STREAM_BUDGET_US. It is called only
 * while less than CTL_STREAM_LOW bytes wait for the client and stops at
 * CTL_STREAM_HIGH (ctl_stream_full()), so a slow reader holds at most
 * about CTL_STREAM_HIGH bytes, however long the stream. The client's
 * next requests wait until the stream has ended; it is not idle
 * meanwhile.
 */
#ifndef XLB_CTL_H
#define XLB_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include "evloop.h"

#define CTL_IDLE_MS		5000
#define CTL_STREAM_HIGH		(256u << 10)	/* producer stops above */
#define CTL_STREAM_LOW		(64u << 10)	/* and is called below */
#define CTL_STREAM_BUDGET_US	500		/* of work per call */

struct ctl;
struct ctl_client;

/* What a producer returns, or -errno. */
enum {
	CTL_STREAM_MORE = 0,	/* call again on a later turn */
	CTL_STREAM_DONE = 1,	/* the last line is queued */
};

struct ctl_stream_ops {
	/*
	 * Queue the next lines with ctl_stream_put() for at most
	 * CTL_STREAM_BUDGET_US, returning early once ctl_stream_full().
	 * CTL_STREAM_MORE, CTL_STREAM_DONE (its end line queued), or
	 * -errno with a message in err: the server then ends the stream
	 * with that error line.
	 */
	int (*produce)(void *arg, struct ctl_client *cl, char *err,
		       size_t errlen);
	/* Free arg: once, when the stream is done or failed, or when the
	 * client goes away (or ctl_close()) in the middle of it. */
	void (*free)(void *arg);
};

struct ctl_stream {
	const struct ctl_stream_ops *ops;	/* NULL: a single reply */
	void *arg;
};

/*
 * Returns the reply line (malloc'd, no newline), or NULL on -ENOMEM. To
 * answer with a stream instead, return its head line and set stream
 * (zeroed on entry): the server owns stream->arg from then on and frees
 * it with ops->free, even when the line is NULL.
 */
typedef char *(*ctl_handler)(void *arg, const char *line, size_t len,
			     struct ctl_stream *stream);

/* Listen on path: creates its directory (0700) if missing, replaces a
 * stale socket, fails with -EADDRINUSE if a live daemon answers there. */
int ctl_open(struct ctl **out, struct ev_loop *loop, const char *path,
	     ctl_handler handler, void *arg);
/* Close every client and the socket, and remove the socket file. */
void ctl_close(struct ctl *c);
/* Number of connected clients. */
size_t ctl_clients(const struct ctl *c);

/* For a producer: queue one line (no newline) of its stream. 0 or
 * -ENOMEM (-ENOBUFS far above CTL_STREAM_HIGH). */
int ctl_stream_put(struct ctl_client *cl, const char *line);
/* True when the producer should stop and wait for the client to read. */
bool ctl_stream_full(const struct ctl_client *cl);
/* Bytes queued for the client, not yet taken by its socket. */
size_t ctl_queued(const struct ctl_client *cl);

#endif /* XLB_CTL_H */
