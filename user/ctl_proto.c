// SPDX-License-Identifier: GPL-2.0
/* The control protocol codec: JSON lines in, checked words out. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

/* Requests are flat: {"argv":[...]} nests two levels; replies a few more. */
#define CTL_REQUEST_DEPTH	4
#define CTL_REPLY_DEPTH		16

static const char *const bad_shape =
	"request must be an object with an \"argv\" array of strings";

static void seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

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
		seterr(err, errlen, "request too long (limit %d bytes)",
		       CTL_MAX_LINE);
		return -EINVAL;
	}
	if (memchr(line, '\0', len)) {
		seterr(err, errlen, "request contains a NUL byte");
		return -EINVAL;
	}
	if (parse_whole(line, len, CTL_REQUEST_DEPTH,
			JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, &o)) {
		seterr(err, errlen, "malformed JSON");
		return -EINVAL;
	}
	if (!json_object_is_type(o, json_type_object) ||
	    json_object_object_length(o) != 1 ||
	    !json_object_object_get_ex(o, "argv", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		seterr(err, errlen, "%s", bad_shape);
		goto out;
	}
	n = json_object_array_length(a);
	if (n == 0) {
		seterr(err, errlen, "argv is empty");
		goto out;
	}
	if (n > CTL_MAX_ARGS) {
		seterr(err, errlen, "too many arguments (limit %d)",
		       CTL_MAX_ARGS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		const char *problem;

		if (!json_object_is_type(s, json_type_string)) {
			seterr(err, errlen, "argv[%zu] is not a string", i);
			goto out;
		}
		problem = word_problem(json_object_get_string(s),
				       json_object_get_string_len(s));
		if (problem) {
			seterr(err, errlen, "argv[%zu] %s", i, problem);
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
	seterr(err, errlen, "out of memory");
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

int ctl_reply_decode(const char *line, size_t len, bool *ok,
		     struct json_object **data, char *err, size_t errlen)
{
	struct json_object *o, *v;
	int ret = -EPROTO;

	if (errlen)
		err[0] = '\0';
	*data = NULL;
	o = NULL;
	if (len > CTL_MAX_REPLY || memchr(line, '\0', len) ||
	    parse_whole(line, len, CTL_REPLY_DEPTH, 0, &o) ||
	    !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ok", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		goto bad;
	*ok = json_object_get_boolean(v);
	if (*ok) {
		if (!json_object_object_get_ex(o, "data", &v)) {
			v = json_object_new_object();
			if (!v)
				goto bad;
		} else if (!json_object_is_type(v, json_type_object)) {
			goto bad;
		} else {
			json_object_get(v);
		}
		*data = v;
	} else {
		if (!json_object_object_get_ex(o, "error", &v) ||
		    !json_object_is_type(v, json_type_string))
			goto bad;
		seterr(err, errlen, "%s", json_object_get_string(v));
	}
	ret = 0;
	goto out;
bad:
	seterr(err, errlen, "malformed reply");
out:
	json_object_put(o);
	return ret;
}
