// SPDX-License-Identifier: GPL-2.0
/*
 * Streamed replies of the control socket server, with the server's loop
 * in this process so the producer's calls and frees can be counted: a
 * stream delivered whole and in order over many turns, other clients
 * served meanwhile, a request pipelined behind a stream answered after
 * it, a producer that fails, a reader that stops reading (the producer
 * waits at the high watermark, the queue stays bounded, all of it
 * arrives once the client reads) and clients that go away mid-stream
 * (the producer is freed once and never called again; LeakSanitizer
 * checks the rest at exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "evloop.h"
#include "unit/evwait.h"

#define WAIT_MS		10000	/* bound of every wait for an event */

/* The heap in use, from the sanitizer's allocator (unit tests are built
 * with it): what the server really holds, buffers' capacity included. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

/* What the producers did, over all streams of a test. */
static struct {
	int started, calls, frees;
	int calls_at_free;	/* calls when the last stream was freed */
	size_t max_at_call;	/* queued when a producer was called */
	size_t max_after;	/* queued when a producer returned */
	size_t last_after;
	size_t max_heap;	/* in use when a producer returned */
	bool nomem;		/* the handler fails after starting one */
} T;

static char dir[64], path[128];
static struct ev_loop *loop;
static struct ctl *ctl;

struct prod {
	__u64 n, total, per_call;
	size_t pad;		/* bytes of padding in each item */
	__u64 fail_at;		/* fail once n reaches it; 0: never */
};

static int produce(void *arg, struct ctl_client *cl, char *err,
		   size_t errlen)
{
	struct prod *p = arg;
	char line[1024];
	__u64 k;

	T.calls++;
	if (ctl_queued(cl) > T.max_at_call)
		T.max_at_call = ctl_queued(cl);
	for (k = 0; k < p->per_call && p->n < p->total &&
	     !ctl_stream_full(cl); k++) {
		snprintf(line, sizeof(line), "{\"item\":{\"n\":%llu,\"pad\":"
			 "\"%0*d\"}}", (unsigned long long)p->n, (int)p->pad,
			 0);
		assert_int_equal(ctl_stream_put(cl, line), 0);
		p->n++;
	}
	T.last_after = ctl_queued(cl);
	if (T.last_after > T.max_after)
		T.max_after = T.last_after;
	if (__sanitizer_get_current_allocated_bytes &&
	    __sanitizer_get_current_allocated_bytes() > T.max_heap)
		T.max_heap = __sanitizer_get_current_allocated_bytes();
	if (p->fail_at && p->n >= p->fail_at) {
		snprintf(err, errlen, "disk on fire");
		return -EIO;
	}
	if (p->n < p->total)
		return CTL_STREAM_MORE;
	snprintf(line, sizeof(line), "{\"ok\":true,\"end\":true,\"count\":"
		 "%llu,\"truncated\":false}", (unsigned long long)p->n);
	assert_int_equal(ctl_stream_put(cl, line), 0);
	return CTL_STREAM_DONE;
}

static void prod_free(void *arg)
{
	T.frees++;
	T.calls_at_free = T.calls;
	free(arg);
}

static const struct ctl_stream_ops prod_ops = {
	.produce = produce,
	.free = prod_free,
};

/*
 * "stream N K [PAD]": N items, at most K a call, each padded with PAD
 * bytes; "fail N K AT": the same, failing at item AT; "ping SEQ": one
 * reply {"ok":true,"data":{"pong":SEQ}}.
 */
static char *handler(void *arg, const char *line, size_t len,
		     struct ctl_stream *stream)
{
	unsigned long long n, k, x = 0;
	char buf[128], *r;
	struct prod *p;

	(void)arg;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
	if (sscanf(buf, "ping %llu", &n) == 1) {
		if (asprintf(&r, "{\"ok\":true,\"data\":{\"pong\":%llu}}",
			     n) < 0)
			return NULL;
		return r;
	}
	if (sscanf(buf, "stream %llu %llu %llu", &n, &k, &x) < 2 &&
	    sscanf(buf, "fail %llu %llu %llu", &n, &k, &x) != 3)
		return ctl_reply_error("bad test request");
	p = calloc(1, sizeof(*p));
	assert_non_null(p);
	p->total = n;
	p->per_call = k;
	if (buf[0] == 'f')
		p->fail_at = x;
	else
		p->pad = x;
	stream->ops = &prod_ops;
	stream->arg = p;
	T.started++;
	if (T.nomem)
		return NULL;
	return ctl_stream_head("test");
}

/* A client that reads what it can and checks every line strictly. */
struct tcl {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
	bool in_stream;
	bool bad;		/* a line out of order or malformed */
	char why[256];
	int heads, ends, errors, replies;
	__u64 items;		/* of the current stream */
	__u64 end_count;
	__u64 last_pong;
	char error[128];
	/* line kinds in order, a run of items as one: "HIER" is a head,
	 * items, the end, a reply */
	char seq[64];
};

static void tcl_seq(struct tcl *c, char k)
{
	size_t n = strlen(c->seq);

	if ((k != 'I' || !n || c->seq[n - 1] != 'I') && n + 1 < sizeof(c->seq))
		c->seq[n] = k;
}

static void tcl_line(struct tcl *c, const char *line, size_t len)
{
	struct ctl_line l;
	struct json_object *v;
	char err[128];

	if (ctl_line_decode(line, len, c->in_stream, &l, err, sizeof(err))) {
		c->bad = true;
		snprintf(c->why, sizeof(c->why), "%s: %.*s", err,
			 (int)(len < 100 ? len : 100), line);
		return;
	}
	switch (l.kind) {
	case CTL_LINE_HEAD:
		tcl_seq(c, 'H');
		c->heads++;
		c->in_stream = true;
		c->items = 0;
		break;
	case CTL_LINE_ITEM:
		tcl_seq(c, 'I');
		v = json_object_object_get(l.data, "n");
		if ((__u64)json_object_get_int64(v) != c->items) {
			c->bad = true;
			snprintf(c->why, sizeof(c->why), "item %lld after %llu",
				 (long long)json_object_get_int64(v),
				 (unsigned long long)c->items);
		}
		c->items++;
		break;
	case CTL_LINE_END:
		tcl_seq(c, 'E');
		c->ends++;
		c->end_count = l.count;
		c->in_stream = false;
		break;
	case CTL_LINE_ERROR:
		tcl_seq(c, 'X');
		c->errors++;
		snprintf(c->error, sizeof(c->error), "%s", err);
		c->in_stream = false;
		break;
	case CTL_LINE_DATA:
		tcl_seq(c, 'R');
		c->replies++;
		c->last_pong = json_object_get_int64(
			json_object_object_get(l.data, "pong"));
		break;
	}
	json_object_put(l.data);
}

/* Read what is there (max bytes at most), handle the complete lines. */
static void tcl_read(struct tcl *c, size_t max)
{
	size_t done = 0, off;
	char *nl;
	ssize_t n;

	while (!c->eof && done < max) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 1 << 17;
			c->buf = realloc(c->buf, c->cap);
			assert_non_null(c->buf);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len < max - done ?
			 c->cap - c->len : max - done, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0)
			c->eof = true;
		c->len += n;
		done += n;
	}
	for (off = 0; (nl = memchr(c->buf + off, '\n', c->len - off));
	     off = nl - c->buf + 1)
		tcl_line(c, c->buf + off, nl - (c->buf + off));
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
}

static void tcl_open(struct tcl *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	strcpy(sun.sun_path, path);
	/* A Unix socket connects at once; the server accepts on its turn. */
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)),
			 0);
}

static void tcl_send(struct tcl *c, const char *s)
{
	assert_int_equal(send(c->fd, s, strlen(s), MSG_NOSIGNAL),
			 (ssize_t)strlen(s));
}

static void tcl_close(struct tcl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

/* Run the loop until pred holds (true) or ms pass (false). */
static bool run_until(bool (*pred)(void *arg), void *arg, __u64 ms)
{
	return evwait_until(loop, pred, arg, ms);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

/* Let the server run for ms: only to show that nothing happens. */
static void run_for(__u64 ms)
{
	run_until(never, NULL, ms);
}

static bool got_end(void *arg)
{
	struct tcl *c = arg;

	tcl_read(c, SIZE_MAX);
	return c->ends + c->errors > 0 || c->eof || c->bad;
}

static bool got_reply(void *arg)
{
	struct tcl *c = arg;

	tcl_read(c, SIZE_MAX);
	return c->replies > 0 || c->eof || c->bad;
}

/* A reader slower than the server: 64 KiB a turn of the check, so the
 * server's queue is seldom empty. */
static bool got_end_slowly(void *arg)
{
	struct tcl *c = arg;

	tcl_read(c, 65536);
	return c->ends + c->errors > 0 || c->eof || c->bad;
}

static bool got_two_replies(void *arg)
{
	struct tcl *c = arg;

	tcl_read(c, SIZE_MAX);
	return c->replies >= 2 || c->eof || c->bad;
}

static bool got_eof(void *arg)
{
	struct tcl *c = arg;

	tcl_read(c, SIZE_MAX);
	return c->eof;
}

static bool got_50_items(void *arg)
{
	struct tcl *c = arg;

	tcl_read(c, SIZE_MAX);
	return c->items >= 50 || c->eof || c->bad;
}

static bool calls_reach(void *arg)
{
	return T.calls >= *(int *)arg;
}

static bool freed(void *arg)
{
	return T.frees == *(int *)arg;
}

/* The producer was called, then not for 50 ms: it waits for the reader.
 * (Its queue is then past the low mark: checked by the callers.) */
static bool paused(void *arg)
{
	static int calls = -1;
	static __u64 since;

	(void)arg;
	if (T.calls != calls) {
		calls = T.calls;
		since = ev_now_ms();
	}
	return T.calls > 0 && ev_now_ms() - since >= 50;
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	strcpy(dir, "/tmp/xd_ctls_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	loop = ev_loop_new();
	assert_non_null(loop);
	assert_int_equal(ctl_open(&ctl, loop, path, handler, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ctl_close(ctl);
	ev_loop_free(loop);
	rmdir(dir);
	/* Every stream's producer freed exactly once, whatever happened. */
	assert_int_equal(T.frees, T.started);
	return 0;
}

/* 20000 items, at most 100 a call: all of them, in order, over many
 * turns; another client is answered while the stream runs. */
static void test_in_order(void **state)
{
	struct tcl a, b;
	int three = 3;

	(void)state;
	tcl_open(&a);
	tcl_open(&b);
	tcl_send(&a, "stream 20000 100\n");
	/* The first turns run; then b asks something. */
	assert_true(run_until(calls_reach, &three, WAIT_MS));
	tcl_send(&b, "ping 7\n");
	assert_true(run_until(got_reply, &b, WAIT_MS));
	assert_int_equal(b.last_pong, 7);
	assert_int_equal(T.frees, 0);	/* a's stream was still running */
	assert_true(run_until(got_end, &a, WAIT_MS));
	assert_false(a.bad);
	assert_int_equal(a.heads, 1);
	assert_int_equal(a.items, 20000);
	assert_int_equal(a.ends, 1);
	assert_int_equal(a.end_count, 20000);
	assert_true(T.calls >= 200);
	assert_int_equal(T.frees, 1);
	tcl_close(&a);
	tcl_close(&b);
}

/* A request sent behind a stream is answered after the stream's end. */
static void test_pipelined(void **state)
{
	struct tcl a;

	(void)state;
	tcl_open(&a);
	tcl_send(&a, "stream 3000 50\nping 1\nstream 10 3\nping 2\n");
	assert_true(run_until(got_two_replies, &a, WAIT_MS));
	assert_false(a.bad);		/* no reply inside a stream */
	assert_string_equal(a.seq, "HIERHIER");
	assert_int_equal(a.end_count, 10);
	assert_int_equal(a.last_pong, 2);
	assert_int_equal(T.frees, 2);
	tcl_close(&a);
}

/* A producer that fails ends its stream with the error line; the
 * connection goes on. */
static void test_producer_fails(void **state)
{
	struct tcl a;

	(void)state;
	tcl_open(&a);
	tcl_send(&a, "fail 100 4 10\nping 3\n");
	assert_true(run_until(got_reply, &a, WAIT_MS));
	assert_false(a.bad);
	assert_int_equal(a.items, 12);	/* the call that reached 10 */
	assert_int_equal(a.errors, 1);
	assert_string_equal(a.error, "disk on fire");
	assert_string_equal(a.seq, "HIXR");
	assert_int_equal(a.last_pong, 3);
	assert_int_equal(T.frees, 1);
	tcl_close(&a);
}

/*
 * A client that does not read: the producer waits once the queue passed
 * the high watermark, the queue stays bounded, and others are served.
 * Once the client reads, the rest arrives, whole and in order.
 */
static void test_slow_reader(void **state)
{
	struct tcl a, b;
	size_t heap0;
	int calls;

	(void)state;
	/* Built by the Makefile, unit tests have it. */
	assert_non_null(__sanitizer_get_current_allocated_bytes);
	tcl_open(&a);
	tcl_open(&b);
	/* Both clients' read buffers: what the test itself will hold. */
	a.buf = malloc(a.cap = 1 << 20);
	b.buf = malloc(b.cap = 1 << 20);
	heap0 = __sanitizer_get_current_allocated_bytes();
	/* 100000 items of some 230 bytes: 23 MB, far past any buffer;
	 * each call may queue all of them, and stops when told full. */
	tcl_send(&a, "stream 100000 100000 200\n");
	assert_true(run_until(paused, NULL, WAIT_MS));
	assert_true(T.last_after >= CTL_STREAM_HIGH);
	calls = T.calls;
	run_for(100);
	assert_int_equal(T.calls, calls);	/* no call while full */
	tcl_send(&b, "ping 9\n");
	assert_true(run_until(got_reply, &b, WAIT_MS));
	assert_int_equal(T.calls, calls);
	/* The queue: below the low mark at each call, at most a line past
	 * the high mark at each return. */
	assert_true(T.max_at_call < CTL_STREAM_LOW);
	assert_true(T.max_after < CTL_STREAM_HIGH + 1024);
	/* Reading a little lets the producer go on only once the queue
	 * drained below the low mark. */
	tcl_read(&a, 4096);
	run_for(20);
	assert_true(T.max_at_call < CTL_STREAM_LOW);
	assert_true(run_until(got_end_slowly, &a, 30000));
	assert_false(a.bad);
	assert_int_equal(a.items, 100000);
	assert_int_equal(a.end_count, 100000);
	assert_true(T.max_at_call < CTL_STREAM_LOW);
	assert_true(T.max_after < CTL_STREAM_HIGH + 1024);
	/* 23 MB went through; the server held the clients' line buffers,
	 * a queue's buffer of 512 KiB at most (it doubles past the high
	 * mark), the timers and the producer. */
	print_message("heap: %zu bytes more at most\n", T.max_heap - heap0);
	assert_true(T.max_heap - heap0 < 2 * (CTL_MAX_LINE + 2) +
		    2 * CTL_STREAM_HIGH + 65536);
	assert_int_equal(T.frees, 1);
	tcl_close(&a);
	tcl_close(&b);
}

/* Gone while the producer waits for it to read: freed, not called. */
static void test_disconnect_while_full(void **state)
{
	int one = 1, calls;
	struct tcl a, b;

	(void)state;
	tcl_open(&a);
	tcl_send(&a, "stream 100000 100000 200\n");
	assert_true(run_until(paused, NULL, WAIT_MS));
	calls = T.calls;
	tcl_close(&a);
	assert_true(run_until(freed, &one, WAIT_MS));
	assert_int_equal(T.calls, calls);
	/* The server goes on. */
	tcl_open(&b);
	tcl_send(&b, "ping 4\n");
	assert_true(run_until(got_reply, &b, WAIT_MS));
	assert_int_equal(T.calls, calls);
	assert_int_equal(ctl_clients(ctl), 1);
	tcl_close(&b);
}

/* Gone while reading, between two calls of the producer. */
static void test_disconnect_while_reading(void **state)
{
	int one = 1, calls;
	struct tcl a;

	(void)state;
	tcl_open(&a);
	tcl_send(&a, "stream 1000000 10\n");
	assert_true(run_until(got_50_items, &a, WAIT_MS));
	assert_false(a.bad);
	assert_int_equal(a.ends, 0);
	tcl_close(&a);
	assert_true(run_until(freed, &one, WAIT_MS));
	calls = T.calls_at_free;
	run_for(20);
	assert_int_equal(T.calls, calls);
	assert_int_equal(ctl_clients(ctl), 0);
}

/* ctl_close() in the middle of a stream frees its producer. */
static void test_close_mid_stream(void **state)
{
	struct tcl a;

	(void)state;
	tcl_open(&a);
	tcl_send(&a, "stream 100000 100000 200\n");
	assert_true(run_until(paused, NULL, WAIT_MS));
	assert_int_equal(T.frees, 0);
	ctl_close(ctl);
	assert_int_equal(T.frees, 1);
	/* teardown closes a fresh server */
	assert_int_equal(ctl_open(&ctl, loop, path, handler, NULL), 0);
	tcl_close(&a);
}

/* A client that half-closes after asking still gets the whole stream,
 * then EOF. */
static void test_half_close(void **state)
{
	struct tcl a;

	(void)state;
	tcl_open(&a);
	tcl_send(&a, "stream 5000 100\n");
	shutdown(a.fd, SHUT_WR);
	assert_true(run_until(got_eof, &a, WAIT_MS));
	assert_false(a.bad);
	assert_int_equal(a.items, 5000);
	assert_int_equal(a.ends, 1);
	tcl_close(&a);
}

/* A stream outlasting the idle timeout is not cut: the client waits for
 * the server then, not the reverse (xlbctl flows | less, paused). */
static void test_not_idle_while_streaming(void **state)
{
	struct tcl a;

	(void)state;
	tcl_open(&a);
	tcl_send(&a, "stream 100000 100000 200\n");
	run_for(CTL_IDLE_MS + 500);
	assert_int_equal(T.frees, 0);
	assert_true(run_until(got_end, &a, 30000));
	assert_false(a.bad);
	assert_string_equal(a.seq, "HIE");
	assert_int_equal(a.items, 100000);
	tcl_close(&a);
}

/* A handler that starts a stream and then runs out of memory: the
 * producer is freed, the client told and closed. */
static void test_handler_nomem(void **state)
{
	struct tcl a;

	(void)state;
	T.nomem = true;
	tcl_open(&a);
	tcl_send(&a, "stream 10 1\n");
	assert_true(run_until(got_eof, &a, WAIT_MS));
	assert_int_equal(a.errors, 1);
	assert_string_equal(a.error, "out of memory");
	assert_int_equal(T.frees, 1);
	assert_int_equal(T.calls, 0);
	tcl_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_producer_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_while_full,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_while_reading,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_mid_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_handler_nomem, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_idle_while_streaming,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
