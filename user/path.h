/* SPDX-License-Identifier: GPL-2.0 */
/* Files the daemon creates: the control socket and the state file. */
#ifndef XLB_PATH_H
#define XLB_PATH_H

/* mkdir the directory path sits in, mode 0700 (one level; it existing is
 * fine). 0 or a negative errno. */
int path_mkdir_parent(const char *path);

#endif /* XLB_PATH_H */
