/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol between xlbctl and xlbd: a Unix stream socket
 * carrying one JSON object per line each way.
 *   request: {"argv":["backend","add","tcp","198.18.0.100:80","198.18.0.11"]}
 *   reply:   {"ok":true,"data":{...}} or {"ok":false,"error":"message"}
 * A reply too large to build at once (flows) is a stream instead: a head,
 * one line per item, and an end line or an error line:
 *   {"ok":true,"stream":"flows"}
 *   {"item":{...}}                                 (zero or more)
 *   {"ok":true,"end":true,"count":N,"truncated":false}
 *                                 or {"ok":false,"error":"message"}
 * count is the number of items sent; truncated says the request's limit
 * stopped the stream before the items ran out. Each request gets exactly
 * one reply or one stream, in order; a client may pipeline requests.
 * The argv words are the one grammar of cmd.h; the daemon parses them with
 * cmd_parse(CMD_CTX_RUNTIME). Reply data and item schemas are in
 * docs/cli.md. Lines are built and checked here; this module does no I/O.
 */
#ifndef XLB_CTL_PROTO_H
#define XLB_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <json-c/json.h>

#define CTL_SOCKET_DEFAULT	"/run/xlb/xlbd.sock"
#define CTL_MAX_LINE		65536		/* request bytes, no newline */
#define CTL_MAX_ARGS		64
#define CTL_MAX_ARG_LEN		255
#define CTL_MAX_REPLY		(64u << 20)	/* reply bytes */
#define CTL_TIMEOUT_MS		10000		/* client waits this long
							 * for each line */
#define CTL_STREAM_NAME_MAX	31	/* [a-z][a-z0-9-]*, e.g. "flows" */

/* A request line for argv[0..argc-1], malloc'd, without the newline.
 * 0, -EINVAL (argc or a word out of bounds) or -ENOMEM. */
int ctl_request_encode(int argc, char *const *argv, char **out);
/*
 * Check and decode one request line (without its newline) strictly: an
 * object with exactly the key "argv", an array of 1..CTL_MAX_ARGS strings
 * of 1..CTL_MAX_ARG_LEN bytes without NUL or newline. On success *argv is
 * a NULL-terminated malloc'd array (free with ctl_argv_free). Otherwise
 * -EINVAL (or -ENOMEM) and a message such as "malformed JSON".
 */
int ctl_request_decode(const char *line, size_t len, int *argc, char ***argv,
		       char *err, size_t errlen);
void ctl_argv_free(char **argv);

/* Reply lines, malloc'd, without the newline; NULL with errno on failure.
 * ctl_reply_ok takes over the reference to data (NULL stands for {}). */
char *ctl_reply_ok(struct json_object *data);
char *ctl_reply_error(const char *msg);
/*
 * Decode a reply line. Returns 0 for a well-formed reply: then *ok says
 * whether the request was done; if so *data holds the data object (the
 * caller puts it), else err holds the daemon's message. -EPROTO for
 * anything else, a stream's head included.
 */
int ctl_reply_decode(const char *line, size_t len, bool *ok,
		     struct json_object **data, char *err, size_t errlen);

/* A stream's lines, malloc'd, without the newline; NULL with errno
 * (EINVAL: a name that is not [a-z][a-z0-9-]* of at most
 * CTL_STREAM_NAME_MAX bytes, or an item that is not an object; ENOMEM).
 * ctl_stream_item() does not take over the reference to item. A stream
 * that fails ends with ctl_reply_error()'s line. */
char *ctl_stream_head(const char *name);
char *ctl_stream_item(struct json_object *item);
char *ctl_stream_end(__u64 count, bool truncated);

/* A reply line as ctl_line_decode() reads it. */
enum ctl_line_kind {
	CTL_LINE_DATA,		/* a reply: done, with data */
	CTL_LINE_ERROR,		/* refused, or the stream failed: err */
	CTL_LINE_HEAD,		/* a stream begins: name */
	CTL_LINE_ITEM,		/* one item of the stream: data */
	CTL_LINE_END,		/* the stream is complete: count, truncated */
};

struct ctl_line {
	enum ctl_line_kind kind;
	struct json_object *data;	/* DATA, ITEM: the caller puts it */
	char name[CTL_STREAM_NAME_MAX + 1];	/* HEAD */
	__u64 count;			/* END */
	bool truncated;			/* END */
};

/*
 * Decode a reply line. Outside a stream (in_stream false) a line is a
 * reply (as ctl_reply_decode() takes it: DATA or ERROR) or a head, with
 * exactly the keys "ok" (true) and "stream". Inside one it is an item
 * (exactly the key "item", an object), an end (exactly "ok" true, "end"
 * true, "count" an integer >= 0 and "truncated" a boolean) or an error,
 * and nothing else. 0 and *out, or -EPROTO with "malformed reply" in err
 * (out->data NULL).
 */
int ctl_line_decode(const char *line, size_t len, bool in_stream,
		    struct ctl_line *out, char *err, size_t errlen);

#endif /* XLB_CTL_PROTO_H */
