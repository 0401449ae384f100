// SPDX-License-Identifier: GPL-2.0
/* Persisting the running model: temp file + fsync + rename. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "state.h"
#include "path.h"

#define STATE_MAGIC "# xlbd state, config hash "

int state_write(const char *path, const struct conf *c, __u64 conf_hash)
{
	char tmp[4096];
	FILE *f;
	int fd, err;

	err = path_mkdir_parent(path);
	if (err)
		return err;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto err_unlink;
	}
	fprintf(f, STATE_MAGIC "%016" PRIx64 "\n", (uint64_t)conf_hash);
	err = conf_write(c, f, false);
	if (!err && fflush(f))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		goto err_unlink;
	if (rename(tmp, path)) {
		err = -errno;
		goto err_unlink;
	}
	return 0;
err_unlink:
	unlink(tmp);
	return err;
}

int state_read(const char *path, struct conf *c, __u64 *conf_hash,
	       char *err, size_t errlen)
{
	char line[128];
	uint64_t h;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) ||
	    strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC)) ||
	    sscanf(line + strlen(STATE_MAGIC), "%" SCNx64, &h) != 1) {
		fclose(f);
		snprintf(err, errlen, "%s:1: not an xlbd state file", path);
		return -EINVAL;
	}
	fclose(f);
	*conf_hash = h;
	/* The first line is a comment for the parser. */
	return conf_parse_file(path, c, err, errlen);
}
