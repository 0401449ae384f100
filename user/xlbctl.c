// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl: the operator's CLI. Checks the command with the same grammar as
 * the daemon (so a typo never reaches xlbd), sends it as one request line
 * over the control socket and prints the reply; a streamed reply (flows)
 * line by line as it arrives. It waits at most XLBCTL_TIMEOUT_MS for each
 * piece of a reply, however long the whole takes. Talking to xlbd is
 * ctl_call's, printing ctl_print's; this file is options and exit codes.
 * Exit status: 0 done, 1 bad command or refused (or a listing xlbd
 * failed), 2 xlbd not reachable or not answering properly.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl_call.h"
#include "ctl_print.h"

#define EXIT_REFUSED	1
#define EXIT_NO_DAEMON	2
#ifndef XLB_VERSION
#define XLB_VERSION "unknown"
#endif
/* Tests wait less. */
#ifndef XLBCTL_TIMEOUT_MS
#define XLBCTL_TIMEOUT_MS	CTL_TIMEOUT_MS
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlbctl [-s SOCKET] [-j] COMMAND\n"
		"\n"
		"commands:\n%s"
		"\n"
		"options:\n"
		"  -s SOCKET  control socket (default " CTL_SOCKET_DEFAULT ")\n"
		"  -j         print the reply's data as JSON\n"
		"  -h, --help show this help\n"
		"  --version  print the version\n", cmd_usage());
}

/* What main needs from the reply as it arrives. */
struct out {
	enum cmd_verb verb;
	bool json;
	bool refused;
	struct ctl_printer *stream;	/* since a stream's head */
};

/* A write failed: say so, and stop the call. */
static int write_failed(int err)
{
	fprintf(stderr, "xlbctl: write output: %s\n", strerror(-err));
	return err;
}

/* Output is flushed whenever no whole line is waiting, so a row shows as
 * soon as it came. */
static int out_idle(void *arg)
{
	(void)arg;
	return fflush(stdout) ? write_failed(-(errno ?: EIO)) : 0;
}

/* A whole reply's data: as JSON, or for people. 0 or -errno. */
static int print_data(enum cmd_verb verb, struct json_object *data,
		      bool json)
{
	if (!json)
		return ctl_print(verb, data, stdout);
	puts(json_object_to_json_string_ext(data, JSON_C_TO_STRING_PRETTY |
		JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	return fflush(stdout) ? -EIO : 0;
}

/* Each line of xlbd's reply, printed as it comes. */
static int out_line(void *arg, const struct ctl_line *l, const char *msg)
{
	struct out *o = arg;
	int err;

	switch (l->kind) {
	case CTL_LINE_HEAD:
		o->stream = ctl_printer_new(l->name, o->json, stdout);
		if (!o->stream) {
			fprintf(stderr, "xlbctl: out of memory\n");
			return -ENOMEM;
		}
		return 0;
	case CTL_LINE_ITEM:
		if (ctl_printer_item(o->stream, l->data))
			return write_failed(-(errno ?: EIO));
		return 0;
	case CTL_LINE_END:
		if (ctl_printer_end(o->stream, l->count, l->truncated))
			return write_failed(-(errno ?: EIO));
		return 0;
	case CTL_LINE_ERROR:
		/* JSON output stays a whole document, with the error in it. */
		if (o->stream)
			ctl_printer_fail(o->stream, msg);
		o->refused = true;
		fprintf(stderr, "xlbctl: %s\n", msg);
		return 0;
	default:
		err = print_data(o->verb, l->data, o->json);
		return err ? write_failed(err) : 0;
	}
}

/* The options before the command; -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, const char **sock_path,
			 bool *json)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			*sock_path = optarg;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xlbctl %s\n", XLB_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_REFUSED;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_REFUSED;
	}
	return -1;
}

/* ctl_call failed: tell the user (a callback already did) and say how. */
static int call_failed(const struct ctl_call *call, struct out *o)
{
	if (call->failure == CTL_CALL_FAIL_STOPPED)
		return EXIT_NO_DAEMON;
	/* JSON output stays a whole document, with the error in it. */
	if (o->stream)
		ctl_printer_fail(o->stream, call->err);
	fprintf(stderr, "xlbctl: %s\n", call->err);
	return call->failure == CTL_CALL_FAIL_REQUEST ? EXIT_REFUSED :
							EXIT_NO_DAEMON;
}

int main(int argc, char **argv)
{
	const char *sock_path = CTL_SOCKET_DEFAULT;
	struct out o = { .json = false };
	struct ctl_call call = {
		.timeout_ms = XLBCTL_TIMEOUT_MS,
		.line = out_line,
		.idle = out_idle,
		.arg = &o,
	};
	char err[512];
	struct cmd cmd;
	int rc;

	rc = parse_options(argc, argv, &sock_path, &o.json);
	if (rc >= 0)
		return rc;
	/* Check locally first: the same words, the same messages. */
	if (cmd_parse(argc - optind, argv + optind, CMD_CTX_RUNTIME, &cmd, err,
		      sizeof(err))) {
		fprintf(stderr, "xlbctl: %s\n", err);
		return EXIT_REFUSED;
	}
	o.verb = cmd.verb;
	if (ctl_call(sock_path, argc - optind, argv + optind, &call))
		rc = call_failed(&call, &o);
	else
		rc = o.refused ? EXIT_REFUSED : 0;
	if (o.stream)
		ctl_printer_free(o.stream);
	return rc;
}
