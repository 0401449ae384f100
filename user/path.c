// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "path.h"

int path_mkdir_parent(const char *path)
{
	char *dup = strdup(path), *dir;
	int err = 0;

	if (!dup)
		return -ENOMEM;
	dir = dirname(dup);
	if (mkdir(dir, 0700) && errno != EEXIST)
		err = -errno;
	free(dup);
	return err;
}
