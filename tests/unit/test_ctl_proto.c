// SPDX-License-Identifier: GPL-2.0
/* The control protocol codec: exact lines, every kind of bad request. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_proto.h"

static void test_encode(void **state)
{
	char *argv[] = { "backend", "add", "tcp", "198.18.0.100:80",
			 "198.18.0.11", "weight", "50" };
	char *line = NULL;

	(void)state;
	assert_int_equal(ctl_request_encode(7, argv, &line), 0);
	assert_string_equal(line, "{\"argv\":[\"backend\",\"add\",\"tcp\","
			    "\"198.18.0.100:80\",\"198.18.0.11\",\"weight\","
			    "\"50\"]}");
	free(line);
}

static void test_encode_refused(void **state)
{
	char long_word[CTL_MAX_ARG_LEN + 2], *argv[CTL_MAX_ARGS + 1];
	char *line = NULL;
	int i;

	(void)state;
	for (i = 0; i <= CTL_MAX_ARGS; i++)
		argv[i] = "x";
	assert_int_equal(ctl_request_encode(0, argv, &line), -EINVAL);
	assert_int_equal(ctl_request_encode(CTL_MAX_ARGS + 1, argv, &line),
			 -EINVAL);
	assert_int_equal(ctl_request_encode(CTL_MAX_ARGS, argv, &line), 0);
	free(line);
	line = NULL;
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = '\0';
	argv[0] = long_word;
	assert_int_equal(ctl_request_encode(1, argv, &line), -EINVAL);
	argv[0] = "a\nb";
	assert_int_equal(ctl_request_encode(1, argv, &line), -EINVAL);
	argv[0] = "";
	assert_int_equal(ctl_request_encode(1, argv, &line), -EINVAL);
	assert_null(line);
}

/* Words with JSON's special characters survive a round trip. */
static void test_round_trip(void **state)
{
	char *argv[] = { "a\"b", "c\\d", "e/f", "\t", "\xc3\xa9t\xc3\xa9",
			 "\x01" };
	char *line, **out, err[128];
	int argc, i;

	(void)state;
	assert_int_equal(ctl_request_encode(6, argv, &line), 0);
	assert_null(strchr(line, '\n'));
	assert_int_equal(ctl_request_decode(line, strlen(line), &argc, &out,
					    err, sizeof(err)), 0);
	assert_int_equal(argc, 6);
	for (i = 0; i < 6; i++)
		assert_string_equal(out[i], argv[i]);
	assert_null(out[6]);
	ctl_argv_free(out);
	free(line);
}

static void test_decode(void **state)
{
	static const char line[] =
		" {\"argv\": [\"flows\", \"tcp\", \"198.18.0.100:80\"]}\r\n"
		"garbage after the length";
	size_t len = strstr(line, "garbage") - line;
	char **argv, err[128];
	int argc;

	(void)state;
	/* len bounds the line; blanks around the object are fine. */
	assert_int_equal(ctl_request_decode(line, len, &argc, &argv, err,
					    sizeof(err)), 0);
	assert_int_equal(argc, 3);
	assert_string_equal(argv[0], "flows");
	assert_string_equal(argv[1], "tcp");
	assert_string_equal(argv[2], "198.18.0.100:80");
	assert_null(argv[3]);
	assert_string_equal(err, "");
	ctl_argv_free(argv);
	ctl_argv_free(NULL);
}

struct bad_req {
	const char *line;
	size_t len;		/* 0: strlen */
	const char *msg;
};

#define SHAPE "request must be an object with an \"argv\" array of strings"

static const struct bad_req bad_reqs[] = {
	{ "", 0, "malformed JSON" },
	{ "   ", 0, "malformed JSON" },
	{ "status", 0, "malformed JSON" },
	{ "{\"argv\":[", 0, "malformed JSON" },
	{ "{\"argv\":[\"status\"]}}", 0, "malformed JSON" },
	{ "{\"argv\":[\"status\"]} {}", 0, "malformed JSON" },
	{ "{\"argv\":[\"status\"],}", 0, "malformed JSON" },
	{ "{'argv':['status']}", 0, "malformed JSON" },
	{ "{argv:[\"status\"]}", 0, "malformed JSON" },
	{ "{\"argv\":[\"st\xff\"]}", 0, "malformed JSON" },
	{ "{\"argv\":[[[[[\"status\"]]]]]}", 0, "malformed JSON" },
	{ "[\"status\"]", 0, SHAPE },
	{ "\"status\"", 0, SHAPE },
	{ "null", 0, SHAPE },
	{ "true", 0, SHAPE },
	{ "42", 0, SHAPE },
	{ "{}", 0, SHAPE },
	{ "{\"args\":[\"status\"]}", 0, SHAPE },
	{ "{\"ARGV\":[\"status\"]}", 0, SHAPE },
	{ "{\"argv\":\"status\"}", 0, SHAPE },
	{ "{\"argv\":{\"0\":\"status\"}}", 0, SHAPE },
	{ "{\"argv\":null}", 0, SHAPE },
	{ "{\"argv\":[\"status\"],\"id\":1}", 0, SHAPE },
	{ "{\"argv\":[]}", 0, "argv is empty" },
	{ "{\"argv\":[\"vip\",1]}", 0, "argv[1] is not a string" },
	{ "{\"argv\":[\"vip\",\"add\",null]}", 0, "argv[2] is not a string" },
	{ "{\"argv\":[[\"vip\"]]}", 0, "argv[0] is not a string" },
	{ "{\"argv\":[true]}", 0, "argv[0] is not a string" },
	{ "{\"argv\":[\"vip\",\"\"]}", 0, "argv[1] is empty" },
	{ "{\"argv\":[\"a\\u0000b\"]}", 0, "argv[0] contains a NUL byte" },
	{ "{\"argv\":[\"status\",\"a\\nb\"]}", 0,
	  "argv[1] contains a newline" },
	{ "{\"argv\":[\"a\\rb\"]}", 0, "argv[0] contains a newline" },
	{ "{\"argv\":[\"status\"]}\0", 20, "request contains a NUL byte" },
	{ "{\"argv\":[\"sta\0tus\"]}", 20, "request contains a NUL byte" },
};

static void check_bad(const char *line, size_t len, const char *msg)
{
	char **argv = (char **)0x1, err[256];
	int argc = -7;

	memset(err, 'x', sizeof(err));
	if (ctl_request_decode(line, len, &argc, &argv, err, sizeof(err)) !=
	    -EINVAL)
		fail_msg("accepted: %.80s", line);
	if (strcmp(err, msg))
		fail_msg("%.80s:\n  got      %s\n  expected %s", line, err,
			 msg);
	assert_int_equal(argc, -7);
	assert_ptr_equal(argv, (char **)0x1);
}

static void test_decode_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_reqs) / sizeof(bad_reqs[0]); i++)
		check_bad(bad_reqs[i].line,
			  bad_reqs[i].len ?: strlen(bad_reqs[i].line),
			  bad_reqs[i].msg);
}

/* Build {"argv":["w","w",...]} with n words of wlen bytes. */
static char *make_req(int n, size_t wlen)
{
	size_t cap = 16 + (size_t)n * (wlen + 3), off;
	char *s = malloc(cap);
	int i;

	assert_non_null(s);
	off = sprintf(s, "{\"argv\":[");
	for (i = 0; i < n; i++) {
		s[off++] = i ? ',' : ' ';
		s[off++] = '"';
		memset(s + off, 'w', wlen);
		off += wlen;
		s[off++] = '"';
	}
	strcpy(s + off, "]}");
	return s;
}

static void test_decode_limits(void **state)
{
	char **argv, err[128], *s;
	int argc;

	(void)state;
	s = make_req(CTL_MAX_ARGS, 1);
	assert_int_equal(ctl_request_decode(s, strlen(s), &argc, &argv, err,
					    sizeof(err)), 0);
	assert_int_equal(argc, CTL_MAX_ARGS);
	ctl_argv_free(argv);
	free(s);
	s = make_req(CTL_MAX_ARGS + 1, 1);
	check_bad(s, strlen(s), "too many arguments (limit 64)");
	free(s);
	s = make_req(2, CTL_MAX_ARG_LEN);
	assert_int_equal(ctl_request_decode(s, strlen(s), &argc, &argv, err,
					    sizeof(err)), 0);
	assert_int_equal(strlen(argv[1]), CTL_MAX_ARG_LEN);
	ctl_argv_free(argv);
	free(s);
	s = make_req(1, CTL_MAX_ARG_LEN + 1);
	check_bad(s, strlen(s), "argv[0] is too long (limit 255 bytes)");
	free(s);
	/* Oversize is refused before any parsing. */
	s = calloc(1, CTL_MAX_LINE + 2);
	memset(s, ' ', CTL_MAX_LINE + 1);
	memcpy(s, "{\"argv\":[\"status\"]}", 19);
	assert_int_equal(ctl_request_decode(s, CTL_MAX_LINE, &argc, &argv, err,
					    sizeof(err)), 0);
	ctl_argv_free(argv);
	check_bad(s, CTL_MAX_LINE + 1, "request too long (limit 65536 bytes)");
	free(s);
}

static void test_replies(void **state)
{
	struct json_object *d, *data;
	char *line, err[128];
	bool ok;

	(void)state;
	line = ctl_reply_ok(NULL);
	assert_string_equal(line, "{\"ok\":true,\"data\":{}}");
	free(line);
	d = json_object_new_object();
	json_object_object_add(d, "message", json_object_new_string(
		"draining 198.18.0.11/8: 3 flows left"));
	line = ctl_reply_ok(d);
	assert_string_equal(line, "{\"ok\":true,\"data\":{\"message\":"
			    "\"draining 198.18.0.11/8: 3 flows left\"}}");
	assert_int_equal(ctl_reply_decode(line, strlen(line), &ok, &data, err,
					  sizeof(err)), 0);
	assert_true(ok);
	assert_string_equal(json_object_get_string(
		json_object_object_get(data, "message")),
		"draining 198.18.0.11/8: 3 flows left");
	json_object_put(data);
	free(line);

	line = ctl_reply_error("no such VIP tcp 198.18.0.100:80");
	assert_string_equal(line, "{\"ok\":false,\"error\":"
			    "\"no such VIP tcp 198.18.0.100:80\"}");
	assert_int_equal(ctl_reply_decode(line, strlen(line), &ok, &data, err,
					  sizeof(err)), 0);
	assert_false(ok);
	assert_null(data);
	assert_string_equal(err, "no such VIP tcp 198.18.0.100:80");
	free(line);
	/* A message with a newline stays on one line. */
	line = ctl_reply_error("a\nb");
	assert_string_equal(line, "{\"ok\":false,\"error\":\"a\\nb\"}");
	free(line);
}

static void test_reply_decode_bad(void **state)
{
	static const char *const bad[] = {
		"", "x", "[]", "{}", "{\"ok\":1}", "{\"ok\":\"true\"}",
		"{\"ok\":false}", "{\"ok\":false,\"error\":3}",
		"{\"ok\":true,\"data\":[]}", "{\"ok\":true,\"data\":\"x\"}",
		"{\"ok\":true} x",
	};
	struct json_object *data;
	char err[128];
	bool ok;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ctl_reply_decode(bad[i], strlen(bad[i]), &ok, &data, err,
				     sizeof(err)) != -EPROTO)
			fail_msg("accepted reply %s", bad[i]);
		assert_string_equal(err, "malformed reply");
		assert_null(data);
	}
	/* data may be left out of a successful reply. */
	assert_int_equal(ctl_reply_decode("{\"ok\":true}", 11, &ok, &data, err,
					  sizeof(err)), 0);
	assert_true(ok);
	assert_int_equal(json_object_object_length(data), 0);
	json_object_put(data);
}

/* A stream's lines, exactly, and each decoded back. */
static void test_stream_lines(void **state)
{
	struct json_object *item = json_object_new_object();
	struct ctl_line l;
	char *line, err[128];

	(void)state;
	line = ctl_stream_head("flows");
	assert_string_equal(line, "{\"ok\":true,\"stream\":\"flows\"}");
	assert_int_equal(ctl_line_decode(line, strlen(line), false, &l, err,
					 sizeof(err)), 0);
	assert_int_equal(l.kind, CTL_LINE_HEAD);
	assert_string_equal(l.name, "flows");
	assert_null(l.data);
	free(line);

	json_object_object_add(item, "client",
			       json_object_new_string("198.18.0.1:40000"));
	json_object_object_add(item, "idle_ms", json_object_new_int64(7));
	line = ctl_stream_item(item);
	assert_string_equal(line, "{\"item\":{\"client\":\"198.18.0.1:40000\","
			    "\"idle_ms\":7}}");
	/* the item is still the caller's */
	assert_int_equal(json_object_object_length(item), 2);
	assert_int_equal(ctl_line_decode(line, strlen(line), true, &l, err,
					 sizeof(err)), 0);
	assert_int_equal(l.kind, CTL_LINE_ITEM);
	assert_string_equal(json_object_get_string(
		json_object_object_get(l.data, "client")), "198.18.0.1:40000");
	json_object_put(l.data);
	free(line);
	json_object_put(item);

	line = ctl_stream_end(1048576, false);
	assert_string_equal(line, "{\"ok\":true,\"end\":true,\"count\":1048576,"
			    "\"truncated\":false}");
	assert_int_equal(ctl_line_decode(line, strlen(line), true, &l, err,
					 sizeof(err)), 0);
	assert_int_equal(l.kind, CTL_LINE_END);
	assert_int_equal(l.count, 1048576);
	assert_false(l.truncated);
	free(line);
	line = ctl_stream_end(UINT64_MAX, true);
	assert_int_equal(ctl_line_decode(line, strlen(line), true, &l, err,
					 sizeof(err)), 0);
	assert_true(l.count == UINT64_MAX);
	assert_true(l.truncated);
	free(line);

	/* a stream fails with an error line */
	line = ctl_reply_error("reading the flow table: No such device");
	assert_int_equal(ctl_line_decode(line, strlen(line), true, &l, err,
					 sizeof(err)), 0);
	assert_int_equal(l.kind, CTL_LINE_ERROR);
	assert_string_equal(err, "reading the flow table: No such device");
	free(line);

	/* the plain replies decode as before */
	assert_int_equal(ctl_line_decode("{\"ok\":true,\"data\":{\"a\":1}}", 26,
					 false, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kind, CTL_LINE_DATA);
	assert_int_equal(json_object_object_length(l.data), 1);
	json_object_put(l.data);
}

static void test_stream_encode_refused(void **state)
{
	struct json_object *a = json_object_new_array();

	(void)state;
	errno = 0;
	assert_null(ctl_stream_head(""));
	assert_int_equal(errno, EINVAL);
	assert_null(ctl_stream_head("Flows"));
	assert_null(ctl_stream_head("9flows"));
	assert_null(ctl_stream_head("flows list"));
	assert_null(ctl_stream_head("abcdefghijklmnopqrstuvwxyzabcdef"));
	assert_null(ctl_stream_head("a\"b"));
	assert_null(ctl_stream_item(a));
	assert_int_equal(errno, EINVAL);
	assert_null(ctl_stream_item(NULL));
	json_object_put(a);
}

static void test_stream_decode_bad(void **state)
{
	/* outside a stream: heads must be exact */
	static const char *const bad_out[] = {
		"{\"ok\":true,\"stream\":\"\"}",
		"{\"ok\":true,\"stream\":\"Flows\"}",
		"{\"ok\":true,\"stream\":3}",
		"{\"ok\":false,\"stream\":\"flows\"}",
		"{\"stream\":\"flows\"}",
		"{\"ok\":true,\"stream\":\"flows\",\"data\":{}}",
		"{\"ok\":true,\"stream\":\"abcdefghijklmnopqrstuvwxyzabcdef\"}",
		"{\"ok\":true,\"stream\":\"flows\"} {}",
	};
	/* inside one: items, the end, or an error; nothing else */
	static const char *const bad_in[] = {
		"", "x", "[]", "{}", "null", "{\"item\":[]}", "{\"item\":1}",
		"{\"item\":{},\"ok\":true}",
		"{\"ok\":true,\"data\":{}}",
		"{\"ok\":true,\"stream\":\"flows\"}",
		"{\"ok\":true,\"end\":true,\"count\":1}",
		"{\"ok\":true,\"end\":false,\"count\":1,\"truncated\":false}",
		"{\"ok\":true,\"end\":true,\"count\":-1,\"truncated\":false}",
		"{\"ok\":true,\"end\":true,\"count\":1.5,\"truncated\":false}",
		"{\"ok\":true,\"end\":true,\"count\":\"1\",\"truncated\":false}",
		"{\"ok\":true,\"end\":true,\"count\":1,\"truncated\":0}",
		"{\"ok\":true,\"end\":true,\"count\":1,\"truncated\":false,"
		"\"x\":1}",
		"{\"end\":true,\"count\":1,\"truncated\":false,\"x\":1}",
		"{\"ok\":false}",
		"{\"ok\":false,\"error\":1}",
		"{\"ok\":false,\"error\":\"x\",\"data\":{}}",
		"{\"item\":{}}\n{\"item\":{}}",
		"{\"item\":{\"a\":\"\\u0000\"}}x",
	};
	struct ctl_line l;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_out) / sizeof(bad_out[0]); i++) {
		if (ctl_line_decode(bad_out[i], strlen(bad_out[i]), false, &l,
				    err, sizeof(err)) != -EPROTO)
			fail_msg("accepted %s outside a stream", bad_out[i]);
		assert_string_equal(err, "malformed reply");
		assert_null(l.data);
	}
	for (i = 0; i < sizeof(bad_in) / sizeof(bad_in[0]); i++) {
		if (ctl_line_decode(bad_in[i], strlen(bad_in[i]), true, &l,
				    err, sizeof(err)) != -EPROTO)
			fail_msg("accepted %s in a stream", bad_in[i]);
		assert_string_equal(err, "malformed reply");
		assert_null(l.data);
	}
	/* a NUL inside the line */
	assert_int_equal(ctl_line_decode("{\"item\":{}}\0", 12, true, &l, err,
					 sizeof(err)), -EPROTO);
	/* a client that expects one reply is not handed a stream */
	{
		struct json_object *data;
		bool ok;

		assert_int_equal(ctl_reply_decode(
			"{\"ok\":true,\"stream\":\"flows\"}", 28, &ok, &data, err,
			sizeof(err)), -EPROTO);
		assert_null(data);
		assert_string_equal(err, "unexpected stream");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_refused),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_reply_decode_bad),
		cmocka_unit_test(test_stream_lines),
		cmocka_unit_test(test_stream_encode_refused),
		cmocka_unit_test(test_stream_decode_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
