// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_call against a fake xlbd: a child process listening on a Unix
 * socket in a temp dir that reads the request line and answers a script.
 * Checked: the request sent, each line handed on in order (a stream's as
 * they arrive), and for each way a reply goes wrong the errno, the kind
 * of failure and the message: malformed lines, a wrong count, silence
 * past the timeout, xlbd gone mid-stream or not there, a request that
 * can't be encoded, a callback that stops the call.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl_call.h"

#define TIMEOUT_MS	300
/* In a script: wait until the client has handed on one more item (so
 * the client can't have waited for the whole reply), or until ctl_call
 * has returned (so the client hears nothing more). */
#define HOLD		"\v"
#define HANG		"\f"

#define HEAD	"{\"ok\":true,\"stream\":\"flows\"}\n"
#define ITEM	"{\"item\":{\"proto\":\"tcp\"}}\n"
#define END(n)	"{\"ok\":true,\"end\":true,\"count\":" #n \
		",\"truncated\":false}\n"

/* What the callbacks saw: one letter per call (H head, I item, E end,
 * D data, R error, . idle), and the last of each line's contents. */
struct seen {
	char req[4096];		/* the request line the fake xlbd got */
	char seq[64];
	char data[256];
	char msg[256];
	char name[32];
	unsigned long long count;
	int go;			/* write end: one byte per item */
	int stop_at;		/* -EIO at this call (from 1); 0: never */
};

static char dir[64], sock_path[128];

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);	/* see on_line */
	snprintf(dir, sizeof(dir), "/tmp/xlb-test-ctl-call-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/xlbd.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(sock_path);
	rmdir(dir);
	return 0;
}

static int note(struct seen *s, char c)
{
	size_t n = strlen(s->seq);

	if (n < sizeof(s->seq) - 1)
		s->seq[n] = c;
	return s->stop_at && (int)n + 1 == s->stop_at ? -EIO : 0;
}

static int on_line(void *arg, const struct ctl_line *l, const char *msg)
{
	static const char kinds[] = {
		[CTL_LINE_DATA] = 'D', [CTL_LINE_ERROR] = 'R',
		[CTL_LINE_HEAD] = 'H', [CTL_LINE_ITEM] = 'I',
		[CTL_LINE_END] = 'E',
	};
	struct seen *s = arg;
	bool gone = false;

	snprintf(s->msg, sizeof(s->msg), "%s", msg);
	if (l->data)
		snprintf(s->data, sizeof(s->data), "%s",
			 json_object_to_json_string(l->data));
	if (l->kind == CTL_LINE_HEAD)
		snprintf(s->name, sizeof(s->name), "%s", l->name);
	if (l->kind == CTL_LINE_END)
		s->count = l->count;
	/* The fake xlbd may be gone already (EPIPE): no check. */
	if (l->kind == CTL_LINE_ITEM && s->go >= 0)
		gone = write(s->go, "i", 1) < 0;
	(void)gone;
	return note(s, kinds[l->kind]);
}

/* The lines seen, without the idle calls between them. */
static const char *lines(const struct seen *s)
{
	static char buf[sizeof(s->seq)];
	size_t n = 0;

	for (const char *c = s->seq; *c; c++)
		if (*c != '.')
			buf[n++] = *c;
	buf[n] = '\0';
	return buf;
}

static int on_idle(void *arg)
{
	return note(arg, '.');
}

/* The fake xlbd: one connection, the request to reqfd, then the script.
 * Runs in the child; never returns. */
static void serve(int lfd, int go, int reqfd, const char *script)
{
	char req[4096], c;
	size_t len = 0, n;
	ssize_t got;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		_exit(1);
	while (!memchr(req, '\n', len) &&
	       (got = read(fd, req + len, sizeof(req) - len)) > 0)
		len += got;
	if (write(reqfd, req, len) != (ssize_t)len)
		_exit(1);
	close(reqfd);
	while (*script) {
		n = strcspn(script, HOLD HANG);
		if (n && send(fd, script, n, MSG_NOSIGNAL) != (ssize_t)n)
			_exit(1);	/* the client gave up */
		script += n;
		if (*script == *HOLD && read(go, &c, 1) != 1)
			_exit(1);
		if (*script == *HANG)
			while (read(go, &c, 1) > 0)
				;
		if (*script)
			script++;
	}
	_exit(0);
}

/* ctl_call(words) against a fake xlbd answering script (NULL: no xlbd
 * at all). Returns ctl_call's return. */
static int run(const char *script, struct seen *s, struct ctl_call *call,
	       char **words)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, go[2], rp[2], argc = 0, ret, status;
	ssize_t n;
	pid_t pid;

	*call = (struct ctl_call){ .timeout_ms = TIMEOUT_MS, .line = on_line,
				   .idle = on_idle, .arg = s };
	s->go = -1;
	while (words[argc])
		argc++;
	unlink(sock_path);
	if (!script)
		return ctl_call(sock_path, argc, words, call);
	strcpy(sun.sun_path, sock_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(rp), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		close(rp[0]);
		serve(lfd, go[0], rp[1], script);
	}
	close(go[0]);
	close(rp[1]);
	close(lfd);
	s->go = go[1];
	ret = ctl_call(sock_path, argc, words, call);
	close(go[1]);	/* HANG ends */
	n = read(rp[0], s->req, sizeof(s->req) - 1);
	s->req[n > 0 ? n : 0] = '\0';
	close(rp[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return ret;
}

#define CALL(script, s, call, ...) ({					\
	char *___w[] = { __VA_ARGS__, NULL };				\
	memset((s), 0, sizeof(*(s)));					\
	run((script), (s), (call), ___w);				\
})

/* A reply in one line: handed on once, done or refused. */
static void test_single_reply(void **state)
{
	struct ctl_call call;
	struct seen s;

	(void)state;
	assert_int_equal(CALL("{\"ok\":true,\"data\":{\"a\":1}}\n", &s, &call,
			      "vip", "list"), 0);
	assert_string_equal(s.req, "{\"argv\":[\"vip\",\"list\"]}\n");
	assert_string_equal(s.seq, "D");
	assert_string_equal(s.data, "{ \"a\": 1 }");
	assert_int_equal(call.failure, CTL_CALL_FAIL_NONE);
	assert_string_equal(call.err, "");

	/* refused: still a whole reply, the message handed on */
	assert_int_equal(CALL("{\"ok\":false,\"error\":\"no such VIP\"}\n",
			      &s, &call, "status"), 0);
	assert_string_equal(s.seq, "R");
	assert_string_equal(s.msg, "no such VIP");
	assert_int_equal(call.failure, CTL_CALL_FAIL_NONE);

	/* nothing after the reply is read */
	assert_int_equal(CALL("{\"ok\":true}\n" HANG, &s, &call, "status"), 0);
	assert_string_equal(s.seq, "D");
}

static void test_stream(void **state)
{
	struct ctl_call call;
	struct seen s;

	(void)state;
	assert_int_equal(CALL(HEAD ITEM ITEM END(2), &s, &call, "flows"), 0);
	assert_string_equal(s.req, "{\"argv\":[\"flows\"]}\n");
	assert_string_equal(s.name, "flows");
	assert_int_equal(s.count, 2);
	assert_string_equal(s.data, "{ \"proto\": \"tcp\" }");
	assert_string_equal(lines(&s), "HIIE");

	assert_int_equal(CALL(HEAD END(0), &s, &call, "flows"), 0);
	assert_string_equal(lines(&s), "HE");
	assert_int_equal(s.count, 0);

	/* a stream that fails: its error line, the message handed on */
	assert_int_equal(CALL(HEAD ITEM "{\"ok\":false,\"error\":\"gone\"}\n",
			      &s, &call, "flows"), 0);
	assert_string_equal(lines(&s), "HIR");
	assert_string_equal(s.msg, "gone");
}

/* Items are handed on as they arrive: the fake xlbd holds back the rest
 * until the first item was handed on, and idle comes before the wait. */
static void test_stream_as_it_arrives(void **state)
{
	struct ctl_call call;
	struct seen s;

	(void)state;
	assert_int_equal(CALL(HEAD ITEM HOLD ITEM END(2), &s, &call, "flows"),
			 0);
	assert_non_null(strstr(s.seq, "I.I"));
	assert_string_equal(lines(&s), "HIIE");

	/* the rest of a line comes later */
	assert_int_equal(CALL(HEAD ITEM "{\"item\":" HOLD "{}}\n" END(2), &s,
			      &call, "flows"), 0);
	assert_string_equal(lines(&s), "HIIE");
}

static void test_malformed(void **state)
{
	struct ctl_call call;
	struct seen s;

	(void)state;
	assert_int_equal(CALL("{\"ok\":\"maybe\"}\n", &s, &call, "status"),
			 -EPROTO);
	assert_int_equal(call.failure, CTL_CALL_FAIL_DAEMON);
	assert_string_equal(call.err, "malformed reply from xlbd");
	assert_string_equal(s.seq, "");

	/* a reply where an item belongs */
	assert_int_equal(CALL(HEAD ITEM "{\"ok\":true,\"data\":{}}\n", &s,
			      &call, "flows"), -EPROTO);
	assert_int_equal(call.failure, CTL_CALL_FAIL_DAEMON);
	assert_string_equal(call.err, "malformed line in the flows from xlbd");
	assert_string_equal(lines(&s), "HI");

	/* an item outside a stream */
	assert_int_equal(CALL(ITEM, &s, &call, "flows"), -EPROTO);
	assert_string_equal(call.err, "malformed reply from xlbd");

	/* the end's count must be the items that came; the end not handed
	 * on */
	assert_int_equal(CALL(HEAD ITEM END(2), &s, &call, "flows"), -EPROTO);
	assert_string_equal(call.err, "the flows from xlbd end with a count "
			    "of 2, but 1 arrived");
	assert_string_equal(lines(&s), "HI");
}

static void test_timeout(void **state)
{
	struct ctl_call call;
	struct seen s;

	(void)state;
	assert_int_equal(CALL(HANG, &s, &call, "status"), -ETIMEDOUT);
	assert_int_equal(call.failure, CTL_CALL_FAIL_DAEMON);
	assert_string_equal(call.err, "no reply from xlbd within 300ms");
	assert_string_equal(s.seq, "");

	assert_int_equal(CALL(HEAD ITEM HANG, &s, &call, "flows"),
			 -ETIMEDOUT);
	assert_int_equal(call.failure, CTL_CALL_FAIL_DAEMON);
	assert_string_equal(call.err, "xlbd sent nothing for 300ms before the "
			    "end of the flows");
	assert_int_equal(s.seq[strlen(s.seq) - 1], '.');
}

static void test_daemon_gone(void **state)
{
	char want[256];
	struct ctl_call call;
	struct seen s;

	(void)state;
	assert_int_equal(CALL(HEAD ITEM, &s, &call, "flows"), -ECONNRESET);
	assert_int_equal(call.failure, CTL_CALL_FAIL_DAEMON);
	assert_string_equal(call.err, "xlbd closed the connection before the "
			    "end of the flows");
	assert_string_equal(lines(&s), "HI");

	/* in the middle of a line */
	assert_int_equal(CALL(HEAD "{\"item\":{", &s, &call, "flows"),
			 -ECONNRESET);
	assert_string_equal(lines(&s), "H");

	assert_int_equal(CALL("", &s, &call, "status"), -ECONNRESET);
	assert_string_equal(call.err, "xlbd closed the connection without a "
			    "reply");

	assert_int_equal(CALL(NULL, &s, &call, "status"), -ENOENT);
	assert_int_equal(call.failure, CTL_CALL_FAIL_DAEMON);
	snprintf(want, sizeof(want), "connect %s: No such file or directory "
		 "(is xlbd running?)", sock_path);
	assert_string_equal(call.err, want);
}

/* Nothing is sent for a request that can't be encoded. */
static void test_bad_request(void **state)
{
	char word[CTL_MAX_ARG_LEN + 2];
	struct ctl_call call;
	struct seen s;

	(void)state;
	memset(word, 'a', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	assert_int_equal(CALL(NULL, &s, &call, "vip", word), -EINVAL);
	assert_int_equal(call.failure, CTL_CALL_FAIL_REQUEST);
	assert_string_equal(call.err, "encode request: Invalid argument");
}

/* A callback's error stops the call at once and is returned. */
static void test_stopped(void **state)
{
	struct ctl_call call;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(run(HEAD ITEM ITEM END(2), &s, &call,
			     (char *[]){ "flows", NULL }), -EIO);
	assert_int_equal(call.failure, CTL_CALL_FAIL_STOPPED);
	assert_int_equal(strlen(s.seq), 2);
	assert_string_equal(call.err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_reply),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_as_it_arrives),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_daemon_gone),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_stopped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
