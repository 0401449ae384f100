/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client's half of the control protocol (ctl_proto.h): connect to
 * xlbd's socket, send one request and hand each line of the reply on as
 * it is decoded, so that a stream (flows) can be shown as it arrives.
 * It waits at most timeout_ms for each piece of the reply, however long
 * the whole takes. Checks the reply's framing (a stream's count
 * included); prints nothing: what goes wrong is a message in err.
 */
#ifndef XLB_CTL_CALL_H
#define XLB_CTL_CALL_H

#include <stddef.h>
#include "ctl_proto.h"

#define CTL_CALL_ERR_MAX	512

enum ctl_call_failure {
	CTL_CALL_FAIL_NONE,
	CTL_CALL_FAIL_REQUEST,	/* argv can't be encoded: nothing sent */
	CTL_CALL_FAIL_DAEMON,	/* xlbd unreachable, silent or garbled */
	CTL_CALL_FAIL_STOPPED,	/* a callback returned an error */
};

struct ctl_call {
	/* For each piece of the reply; 0 stands for CTL_TIMEOUT_MS. */
	unsigned int timeout_ms;
	/*
	 * Each line in order: one reply (DATA or ERROR), or a stream's
	 * HEAD, its ITEMs, then END or ERROR. msg is xlbd's message for
	 * ERROR, else "". line->data is put after the call. 0 to go on,
	 * or a negative errno that stops the call.
	 */
	int (*line)(void *arg, const struct ctl_line *line, const char *msg);
	/* NULL, or called inside a stream before waiting for more of it
	 * with no whole line at hand (time to flush). As line. */
	int (*idle)(void *arg);
	void *arg;
	/* Results: why ctl_call failed, and what to tell the user. */
	enum ctl_call_failure failure;
	char err[CTL_CALL_ERR_MAX];
};

/*
 * Send argv[0..argc-1] to the xlbd listening on socket and read its
 * reply. 0 when the whole reply arrived and went to call->line (the
 * request done or refused: ERROR says which). Otherwise a negative errno,
 * with call->failure set; call->err holds a message such as "connect
 * PATH: No such file or directory (is xlbd running?)", unless a callback
 * stopped the call (its return value is returned).
 */
int ctl_call(const char *socket, int argc, char **argv,
	     struct ctl_call *call);

#endif /* XLB_CTL_CALL_H */
