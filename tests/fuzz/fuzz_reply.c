// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes as a reply line, as xlbctl reads it: outside a stream (a reply or
 * a stream's head) and inside one (an item, the end, an error). Nothing
 * may crash or leak; a line refused says so with an empty object; a line
 * accepted encodes back, with the daemon's encoders, to a line that
 * decodes to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

/* line must decode as kind in this mode; returns what it decoded. */
static struct ctl_line again(char *line, bool in_stream,
			     enum ctl_line_kind kind, char *err, size_t len)
{
	struct ctl_line l;

	if (!line || ctl_line_decode(line, strlen(line), in_stream, &l, err,
				     len) || l.kind != kind)
		abort();
	free(line);
	return l;
}

static void round_trip(const struct ctl_line *l, bool in_stream,
		       const char *err)
{
	char err2[512];
	struct ctl_line b;

	switch (l->kind) {
	case CTL_LINE_DATA:
		b = again(ctl_reply_ok(json_object_get(l->data)), in_stream,
			  l->kind, err2, sizeof(err2));
		if (!json_object_equal(l->data, b.data))
			abort();
		json_object_put(b.data);
		break;
	case CTL_LINE_ERROR:
		again(ctl_reply_error(err), in_stream, l->kind, err2,
		      sizeof(err2));
		if (strcmp(err, err2))
			abort();
		break;
	case CTL_LINE_HEAD:
		b = again(ctl_stream_head(l->name), in_stream, l->kind, err2,
			  sizeof(err2));
		if (strcmp(l->name, b.name))
			abort();
		break;
	case CTL_LINE_ITEM:
		b = again(ctl_stream_item(l->data), in_stream, l->kind, err2,
			  sizeof(err2));
		if (!json_object_equal(l->data, b.data))
			abort();
		json_object_put(b.data);
		break;
	case CTL_LINE_END:
		b = again(ctl_stream_end(l->count, l->truncated), in_stream,
			  l->kind, err2, sizeof(err2));
		if (b.count != l->count || b.truncated != l->truncated)
			abort();
		break;
	}
}

static void one(const uint8_t *data, size_t size, bool in_stream)
{
	struct ctl_line l;
	char err[512];

	if (ctl_line_decode((const char *)data, size, in_stream, &l, err,
			    sizeof(err))) {
		if (strcmp(err, "malformed reply") || l.data)
			abort();
		return;
	}
	/* Each mode has its kinds. */
	if (in_stream ? l.kind == CTL_LINE_DATA || l.kind == CTL_LINE_HEAD :
			l.kind == CTL_LINE_ITEM || l.kind == CTL_LINE_END)
		abort();
	round_trip(&l, in_stream, err);
	json_object_put(l.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, false);
	one(data, size, true);
	return 0;
}
