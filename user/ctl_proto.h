/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol between xlbctl and xlbd: a Unix stream socket
 * carrying one JSON object per line each way.
 *   request: {"argv":["backend","add","tcp","198.18.0.100:80","198.18.0.11"]}
 *   reply:   {"ok":true,"data":{...}} or {"ok":false,"error":"message"}
 * The argv words are the one grammar of cmd.h; the daemon parses them with
 * cmd_parse(CMD_CTX_RUNTIME). Reply data schemas are in docs/cli.md.
 * Lines are built and checked here; this module does no I/O.
 */
#ifndef XLB_CTL_PROTO_H
#define XLB_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#define CTL_SOCKET_DEFAULT	"/run/xlb/xlbd.sock"
#define CTL_MAX_LINE		65536		/* request bytes, no newline */
#define CTL_MAX_ARGS		64
#define CTL_MAX_ARG_LEN		255
#define CTL_MAX_REPLY		(64u << 20)	/* reply bytes */
#define CTL_TIMEOUT_MS		10000		/* client waits this long */

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
 * anything else.
 */
int ctl_reply_decode(const char *line, size_t len, bool *ok,
		     struct json_object **data, char *err, size_t errlen);

#endif /* XLB_CTL_PROTO_H */
