// SPDX-License-Identifier: GPL-2.0
/* The control protocol codec: JSON lines in, checked words out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "errbuf.h"

/* Requests are flat: {"argv":[...]} nests two levels; replies a few more. */
#define CTL_REQUEST_DEPTH	4
#define CTL_REPLY_DEPTH		16

static const char *const bad_shape =
	"request must be an object with an \"argv\" array of strings";

static char *to_line(struct json_object *o)
{
	const char *s;
	char *line;

	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	line = s ? strdup(s) : NULL;
	if (!s)
		errno = ENOMEM;
	return line;
}

/* A word as the grammar allows it; returns a message or NULL. */
static const char *word_problem(const char *s, size_t len)
{
	if (len == 0)
		return "is empty";
	if (len > CTL_MAX_ARG_LEN)
		return "is too long (limit 255 bytes)";
	if (memchr(s, '\0', len))
		return "contains a NUL byte";
	if (memchr(s, '\n', len) || memchr(s, '\r', len))
		return "contains a newline";
	return NULL;
}

int ctl_request_encode(int argc, char *const *argv, char **out)
{
	struct json_object *o, *a;
	int i, err = -ENOMEM;

	if (argc < 1 || argc > CTL_MAX_ARGS)
		return -EINVAL;
	for (i = 0; i < argc; i++)
		if (word_problem(argv[i], strlen(argv[i])))
			return -EINVAL;
	o = json_object_new_object();
	a = json_object_new_array_ext(argc);
	if (!o || !a)
		goto fail;
	for (i = 0; i < argc; i++) {
		struct json_object *s = json_object_new_string(argv[i]);

		if (!s || json_object_array_add(a, s)) {
			json_object_put(s);
			goto fail;
		}
	}
	if (json_object_object_add(o, "argv", a)) {
		a = NULL;
		goto fail;
	}
	a = NULL;
	*out = to_line(o);
	if (*out)
		err = 0;
fail:
	json_object_put(a);
	json_object_put(o);
	return err;
}

/*
 * Parse one JSON value that must fill the whole line (blanks allowed).
 * 0 and *out (NULL for a JSON null), or -EINVAL / -ENOMEM.
 */
static int parse_whole(const char *line, size_t len, int depth, int flags,
		       struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end, consumed;
	int ret = -EINVAL;

	*out = NULL;
	if (len > (size_t)INT32_MAX)
		return -EINVAL;
	tok = json_tokener_new_ex(depth);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, flags);
	o = json_tokener_parse_ex(tok, line, len);
	consumed = json_tokener_get_parse_end(tok);
	/* A bare literal or number at the end waits for more input: a NUL
	 * byte tells the tokener the input is over. */
	if (!o && json_tokener_get_error(tok) == json_tokener_continue &&
	    consumed == len)
		o = json_tokener_parse_ex(tok, "", 1);
	if (json_tokener_get_error(tok) == json_tokener_success) {
		for (end = consumed; end < len; end++) {
			char ch = line[end];

			if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
				break;
		}
		if (end == len) {
			*out = o;
			o = NULL;
			ret = 0;
		}
	}
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

int ctl_request_decode(const char *line, size_t len, int *argc, char ***argv,
		       char *err, size_t errlen)
{
	struct json_object *o, *a = NULL;
	char **v = NULL;
	size_t i, n;
	int ret = -EINVAL;

	if (errlen)
		err[0] = '\0';
	if (len > CTL_MAX_LINE) {
		errbuf_set(err, errlen, "request too long (limit %d bytes)",
			   CTL_MAX_LINE);
		return -EINVAL;
	}
	if (memchr(line, '\0', len)) {
		errbuf_set(err, errlen, "request contains a NUL byte");
		return -EINVAL;
	}
	if (parse_whole(line, len, CTL_REQUEST_DEPTH,
			JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, &o)) {
		errbuf_set(err, errlen, "malformed JSON");
		return -EINVAL;
	}
	if (!json_object_is_type(o, json_type_object) ||
	    json_object_object_length(o) != 1 ||
	    !json_object_object_get_ex(o, "argv", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		errbuf_set(err, errlen, "%s", bad_shape);
		goto out;
	}
	n = json_object_array_length(a);
	if (n == 0) {
		errbuf_set(err, errlen, "argv is empty");
		goto out;
	}
	if (n > CTL_MAX_ARGS) {
		errbuf_set(err, errlen, "too many arguments (limit %d)",
			   CTL_MAX_ARGS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		const char *problem;

		if (!json_object_is_type(s, json_type_string)) {
			errbuf_set(err, errlen, "argv[%zu] is not a string", i);
			goto out;
		}
		problem = word_problem(json_object_get_string(s),
				       json_object_get_string_len(s));
		if (problem) {
			errbuf_set(err, errlen, "argv[%zu] %s", i, problem);
			goto out;
		}
	}
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		goto nomem;
	for (i = 0; i < n; i++) {
		v[i] = strdup(json_object_get_string(
				json_object_array_get_idx(a, i)));
		if (!v[i])
			goto nomem;
	}
	*argc = n;
	*argv = v;
	v = NULL;
	ret = 0;
	goto out;
nomem:
	errbuf_set(err, errlen, "out of memory");
	ret = -ENOMEM;
out:
	ctl_argv_free(v);
	json_object_put(o);
	return ret;
}

void ctl_argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

char *ctl_reply_ok(struct json_object *data)
{
	struct json_object *o = json_object_new_object();
	char *line = NULL;

	if (!data)
		data = json_object_new_object();
	if (!o || !data)
		goto out;
	if (json_object_object_add(o, "ok", json_object_new_boolean(1)))
		goto out;
	if (json_object_object_add(o, "data", data))
		goto out;
	data = NULL;
	line = to_line(o);
out:
	json_object_put(data);
	json_object_put(o);
	if (!line)
		errno = ENOMEM;
	return line;
}

char *ctl_reply_error(const char *msg)
{
	struct json_object *o = json_object_new_object();
	char *line = NULL;

	if (!o)
		goto out;
	if (json_object_object_add(o, "ok", json_object_new_boolean(0)) ||
	    json_object_object_add(o, "error", json_object_new_string(msg)))
		goto out;
	line = to_line(o);
out:
	json_object_put(o);
	if (!line)
		errno = ENOMEM;
	return line;
}

/* [a-z][a-z0-9-]*, at most CTL_STREAM_NAME_MAX bytes. */
static bool name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CTL_STREAM_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

char *ctl_stream_head(const char *name)
{
	struct json_object *o;
	char *line = NULL;

	if (!name_valid(name, strlen(name))) {
		errno = EINVAL;
		return NULL;
	}
	o = json_object_new_object();
	if (o && !json_object_object_add(o, "ok", json_object_new_boolean(1)) &&
	    !json_object_object_add(o, "stream", json_object_new_string(name)))
		line = to_line(o);
	json_object_put(o);
	if (!line)
		errno = ENOMEM;
	return line;
}

char *ctl_stream_item(struct json_object *item)
{
	const char *s;
	char *line;

	if (!json_object_is_type(item, json_type_object)) {
		errno = EINVAL;
		return NULL;
	}
	/* The serializer's text is one JSON value: wrapping it is cheaper
	 * than an object per item, and as exact. */
	s = json_object_to_json_string_ext(item, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || asprintf(&line, "{\"item\":%s}", s) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return line;
}

char *ctl_stream_end(__u64 count, bool truncated)
{
	char *line;

	if (asprintf(&line, "{\"ok\":true,\"end\":true,\"count\":%llu,"
		     "\"truncated\":%s}", (unsigned long long)count,
		     truncated ? "true" : "false") < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return line;
}

/* o's member key if it has type t, else NULL. */
static struct json_object *member(struct json_object *o, const char *key,
				  enum json_type t)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* {"ok":true,"data":{...}} or {"ok":false,"error":"..."}; data may be
 * left out, other members are ignored. */
static int decode_reply(struct json_object *o, struct ctl_line *out,
			char *err, size_t errlen)
{
	struct json_object *ok = member(o, "ok", json_type_boolean), *v;

	if (!ok)
		return -EPROTO;
	if (!json_object_get_boolean(ok)) {
		v = member(o, "error", json_type_string);
		if (!v)
			return -EPROTO;
		out->kind = CTL_LINE_ERROR;
		errbuf_set(err, errlen, "%s", json_object_get_string(v));
		return 0;
	}
	if (!json_object_object_get_ex(o, "data", &v))
		v = json_object_new_object();
	else if (json_object_is_type(v, json_type_object))
		json_object_get(v);
	else
		return -EPROTO;
	if (!v)
		return -EPROTO;
	out->kind = CTL_LINE_DATA;
	out->data = v;
	return 0;
}

/* {"ok":true,"stream":"NAME"}, nothing else. */
static int decode_head(struct json_object *o, struct ctl_line *out)
{
	struct json_object *ok = member(o, "ok", json_type_boolean);
	struct json_object *n = member(o, "stream", json_type_string);

	if (json_object_object_length(o) != 2 || !ok ||
	    !json_object_get_boolean(ok) || !n ||
	    !name_valid(json_object_get_string(n),
			json_object_get_string_len(n)))
		return -EPROTO;
	out->kind = CTL_LINE_HEAD;
	memcpy(out->name, json_object_get_string(n),
	       json_object_get_string_len(n) + 1);
	return 0;
}

/* {"ok":true,"end":true,"count":N,"truncated":B}, nothing else. */
static int decode_end(struct json_object *o, struct ctl_line *out)
{
	struct json_object *ok = member(o, "ok", json_type_boolean);
	struct json_object *end = member(o, "end", json_type_boolean);
	struct json_object *n = member(o, "count", json_type_int);
	struct json_object *t = member(o, "truncated", json_type_boolean);

	if (json_object_object_length(o) != 4 || !ok || !end || !n || !t ||
	    !json_object_get_boolean(ok) || !json_object_get_boolean(end) ||
	    json_object_get_int64(n) < 0)
		return -EPROTO;
	out->kind = CTL_LINE_END;
	out->count = json_object_get_uint64(n);
	out->truncated = json_object_get_boolean(t);
	return 0;
}

/* A line of a stream: an item, the end, or the error that ends it. */
static int decode_in_stream(struct json_object *o, struct ctl_line *out,
			    char *err, size_t errlen)
{
	struct json_object *v = member(o, "item", json_type_object);
	struct json_object *ok = member(o, "ok", json_type_boolean);

	if (v) {
		if (json_object_object_length(o) != 1)
			return -EPROTO;
		out->kind = CTL_LINE_ITEM;
		out->data = json_object_get(v);
		return 0;
	}
	if (ok && !json_object_get_boolean(ok))
		return json_object_object_length(o) == 2 ?
		       decode_reply(o, out, err, errlen) : -EPROTO;
	return decode_end(o, out);
}

int ctl_line_decode(const char *line, size_t len, bool in_stream,
		    struct ctl_line *out, char *err, size_t errlen)
{
	struct json_object *o = NULL;
	int ret = -EPROTO;

	if (errlen)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (len > CTL_MAX_REPLY || memchr(line, '\0', len) ||
	    parse_whole(line, len, CTL_REPLY_DEPTH, 0, &o) ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	if (in_stream)
		ret = decode_in_stream(o, out, err, errlen);
	else if (json_object_object_get_ex(o, "stream", NULL))
		ret = decode_head(o, out);
	else
		ret = decode_reply(o, out, err, errlen);
out:
	json_object_put(o);
	if (ret) {
		json_object_put(out->data);
		memset(out, 0, sizeof(*out));
		errbuf_set(err, errlen, "malformed reply");
	}
	return ret;
}

int ctl_reply_decode(const char *line, size_t len, bool *ok,
		     struct json_object **data, char *err, size_t errlen)
{
	struct ctl_line l;
	int ret;

	*data = NULL;
	ret = ctl_line_decode(line, len, false, &l, err, errlen);
	if (ret)
		return ret;
	if (l.kind == CTL_LINE_HEAD) {
		errbuf_set(err, errlen, "unexpected stream");
		return -EPROTO;
	}
	*ok = l.kind == CTL_LINE_DATA;
	*data = l.data;
	return 0;
}
