// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl: the operator's CLI. Checks the command with the same grammar as
 * the daemon (so a typo never reaches xlbd), sends it as one request line
 * over the control socket and prints the reply; a streamed reply (flows)
 * line by line as it arrives. It waits at most XLBCTL_TIMEOUT_MS for each
 * piece of a reply, however long the whole takes.
 * Exit status: 0 done, 1 bad command or refused (or a listing xlbd
 * failed), 2 xlbd not reachable or not answering properly.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "ctl_print.h"
#include "ctl_proto.h"

#define EXIT_REFUSED	1
#define EXIT_NO_DAEMON	2
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
		"  -h         show this help\n", cmd_usage());
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline. 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	ssize_t n;
	int err;

	while (len) {
		err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			return err;
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* The daemon's lines, read as they come. */
struct reader {
	int fd;
	char *buf;
	size_t off, len, cap;	/* buf[off, len): read, not yet returned */
	size_t seen;		/* of those, bytes known to hold no newline */
};

static bool reader_has_line(const struct reader *r)
{
	return r->len > r->off && memchr(r->buf + r->off, '\n',
					  r->len - r->off);
}

static int reader_grow(struct reader *r)
{
	size_t cap = r->cap ? r->cap * 2 : 65536;
	char *p;

	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
		if (r->cap - r->len >= 4096)
			return 0;
	}
	if (cap > CTL_MAX_REPLY + 65536)
		return -EMSGSIZE;
	p = realloc(r->buf, cap + 1);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	r->cap = cap;
	return 0;
}

/*
 * The next line, NUL-terminated in place without its newline, valid until
 * the next call. Waits at most XLBCTL_TIMEOUT_MS for each piece. 0,
 * -ETIMEDOUT, -ECONNRESET (closed before a newline), -EMSGSIZE or -errno.
 */
static int reader_line(struct reader *r, char **line, size_t *len)
{
	char *nl;
	ssize_t n;
	int err;

	for (;;) {
		nl = r->len > r->off + r->seen ?
		     memchr(r->buf + r->off + r->seen, '\n',
			    r->len - r->off - r->seen) : NULL;
		if (nl) {
			*nl = '\0';
			*line = r->buf + r->off;
			*len = nl - *line;
			r->off = nl - r->buf + 1;
			r->seen = 0;
			return 0;
		}
		r->seen = r->len - r->off;
		if (r->cap - r->len < 4096) {
			err = reader_grow(r);
			if (err)
				return err;
		}
		err = wait_fd(r->fd, POLLIN, now_ms() + XLBCTL_TIMEOUT_MS);
		if (err)
			return err;
		n = recv(r->fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		r->len += n;
	}
}

/* What a failed read means for the user: of the reply's first line
 * (stream NULL), or in the middle of a stream. */
static void read_failed(int err, const char *stream, char *buf, size_t len)
{
	char d[32];

	duration_str(XLBCTL_TIMEOUT_MS, d, sizeof(d));
	if (!stream && err == -ETIMEDOUT)
		snprintf(buf, len, "no reply from xlbd within %s", d);
	else if (!stream && err == -ECONNRESET)
		snprintf(buf, len, "xlbd closed the connection without a "
			 "reply");
	else if (err == -ETIMEDOUT)
		snprintf(buf, len, "xlbd sent nothing for %s before the end "
			 "of the %s", d, stream);
	else if (err == -ECONNRESET)
		snprintf(buf, len, "xlbd closed the connection before the end "
			 "of the %s", stream);
	else
		snprintf(buf, len, "receive from xlbd: %s", strerror(-err));
}

/*
 * Print a stream's items as they arrive, until its end line. Output is
 * flushed whenever no whole line is waiting, so a row shows as soon as
 * it came. Returns the exit status.
 */
static int print_stream(struct reader *r, const char *name, bool json)
{
	struct ctl_printer *p = ctl_printer_new(name, json, stdout);
	unsigned long long n = 0;
	char err[512];
	int ret, rc = EXIT_NO_DAEMON;
	struct ctl_line l;
	size_t len;
	char *line;

	if (!p) {
		fprintf(stderr, "xlbctl: out of memory\n");
		return EXIT_NO_DAEMON;
	}
	for (;;) {
		if (!reader_has_line(r) && fflush(stdout))
			goto write_err;
		ret = reader_line(r, &line, &len);
		if (ret) {
			read_failed(ret, name, err, sizeof(err));
			break;
		}
		if (ctl_line_decode(line, len, true, &l, err, sizeof(err))) {
			snprintf(err, sizeof(err), "malformed line in the %s "
				 "from xlbd", name);
			break;
		}
		if (l.kind == CTL_LINE_ITEM) {
			ret = ctl_printer_item(p, l.data);
			json_object_put(l.data);
			if (ret)
				goto write_err;
			n++;
			continue;
		}
		if (l.kind == CTL_LINE_ERROR) {
			rc = EXIT_REFUSED;
		} else if (l.count != n) {
			snprintf(err, sizeof(err), "the %s from xlbd end with a "
				 "count of %llu, but %llu arrived", name,
				 (unsigned long long)l.count, n);
		} else {
			if (ctl_printer_end(p, l.count, l.truncated))
				goto write_err;
			ctl_printer_free(p);
			return 0;
		}
		break;
	}
	/* JSON output stays a whole document, with the error in it. */
	ctl_printer_fail(p, err);
	ctl_printer_free(p);
	fprintf(stderr, "xlbctl: %s\n", err);
	return rc;
write_err:
	ctl_printer_free(p);
	fprintf(stderr, "xlbctl: write output: %s\n", strerror(errno ?: EIO));
	return EXIT_NO_DAEMON;
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

int main(int argc, char **argv)
{
	const char *sock_path = CTL_SOCKET_DEFAULT;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct reader r = { .fd = -1 };
	char *req = NULL, *line;
	char err[512];
	bool json = false;
	long long deadline;
	struct ctl_line l;
	struct cmd cmd;
	size_t len;
	int opt, ret, rc = EXIT_NO_DAEMON;

	while ((opt = getopt(argc, argv, "+s:jh")) != -1) {
		switch (opt) {
		case 's':
			sock_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
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
	/* Check locally first: the same words, the same messages. */
	if (cmd_parse(argc - optind, argv + optind, CMD_CTX_RUNTIME, &cmd, err,
		      sizeof(err))) {
		fprintf(stderr, "xlbctl: %s\n", err);
		return EXIT_REFUSED;
	}
	ret = ctl_request_encode(argc - optind, argv + optind, &req);
	if (ret) {
		fprintf(stderr, "xlbctl: encode request: %s\n", strerror(-ret));
		return EXIT_REFUSED;
	}
	if (strlen(sock_path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "xlbctl: socket path too long: %s\n",
			sock_path);
		goto out;
	}
	strcpy(sun.sun_path, sock_path);
	r.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r.fd < 0) {
		fprintf(stderr, "xlbctl: socket: %s\n", strerror(errno));
		goto out;
	}
	if (connect(r.fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "xlbctl: connect %s: %s (is xlbd running?)\n",
			sock_path, strerror(errno));
		goto out;
	}
	deadline = now_ms() + XLBCTL_TIMEOUT_MS;
	ret = send_all(r.fd, req, strlen(req), deadline) ?:
	      send_all(r.fd, "\n", 1, deadline);
	if (ret) {
		fprintf(stderr, "xlbctl: send to %s: %s\n", sock_path,
			strerror(-ret));
		goto out;
	}
	ret = reader_line(&r, &line, &len);
	if (ret) {
		read_failed(ret, NULL, err, sizeof(err));
		fprintf(stderr, "xlbctl: %s\n", err);
		goto out;
	}
	if (ctl_line_decode(line, len, false, &l, err, sizeof(err))) {
		fprintf(stderr, "xlbctl: %s from xlbd\n", err);
		goto out;
	}
	switch (l.kind) {
	case CTL_LINE_ERROR:
		fprintf(stderr, "xlbctl: %s\n", err);
		rc = EXIT_REFUSED;
		break;
	case CTL_LINE_HEAD:
		rc = print_stream(&r, l.name, json);
		break;
	default:
		ret = print_data(cmd.verb, l.data, json);
		json_object_put(l.data);
		if (ret) {
			fprintf(stderr, "xlbctl: write output: %s\n",
				strerror(-ret));
			break;
		}
		rc = 0;
		break;
	}
out:
	free(r.buf);
	free(req);
	if (r.fd >= 0)
		close(r.fd);
	return rc;
}
