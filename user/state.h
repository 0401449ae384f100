/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's running state on disk: the whole model in the config
 * grammar, preceded by a comment line recording the hash of the config
 * file it derives from. Written atomically (temp file, fsync, rename), so
 * a crash leaves either the old or the new state.
 */
#ifndef XLB_STATE_H
#define XLB_STATE_H

#include <linux/types.h>
#include "conf.h"

int state_write(const char *path, const struct conf *c, __u64 conf_hash);
/* Reads the state; -ENOENT if there is none, -EINVAL with a FILE:LINE
 * message in err if it does not parse. */
int state_read(const char *path, struct conf *c, __u64 *conf_hash,
	       char *err, size_t errlen);

#endif /* XLB_STATE_H */
