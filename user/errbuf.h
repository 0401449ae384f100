/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The caller's error buffer: library modules (cmd, conf, ctl_proto) never
 * print; they fill a (char *err, size_t errlen) the caller passed in.
 */
#ifndef XLB_ERRBUF_H
#define XLB_ERRBUF_H

#include <stddef.h>

/* printf into err, truncated to len; len 0 means the caller wants none. */
void errbuf_set(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* XLB_ERRBUF_H */
