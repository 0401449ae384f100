/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket server: a Unix stream socket (mode 0600) on the
 * event loop. Each client sends request lines; each line is handed to the
 * handler, whose reply line is queued for the client. Reads and writes
 * never block: a slow reader gets its replies buffered (and no new
 * request is read until they are out), an oversize line gets an error
 * reply and the connection closed, an idle client is closed after
 * CTL_IDLE_MS.
 */
#ifndef XLB_CTL_H
#define XLB_CTL_H

#include <stddef.h>
#include "evloop.h"

#define CTL_IDLE_MS	5000

struct ctl;

/* Returns the reply line (malloc'd, no newline), or NULL on -ENOMEM. */
typedef char *(*ctl_handler)(void *arg, const char *line, size_t len);

/* Listen on path: creates its directory (0700) if missing, replaces a
 * stale socket, fails with -EADDRINUSE if a live daemon answers there. */
int ctl_open(struct ctl **out, struct ev_loop *loop, const char *path,
	     ctl_handler handler, void *arg);
/* Close every client and the socket, and remove the socket file. */
void ctl_close(struct ctl *c);
/* Number of connected clients. */
size_t ctl_clients(const struct ctl *c);

#endif /* XLB_CTL_H */
