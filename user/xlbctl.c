// SPDX-License-Identifier: GPL-2.0
/*
 * xlbctl: the operator's CLI. Checks the command with the same grammar as
 * the daemon (so a typo never reaches xlbd), sends it as one request line
 * over the control socket and prints the reply.
 * Exit status: 0 done, 1 bad command or refused, 2 xlbd not reachable or
 * not answering properly.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl_print.h"
#include "ctl_proto.h"

#define EXIT_REFUSED	1
#define EXIT_NO_DAEMON	2

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

/* Read up to the first newline; the reply is one line. *out is malloc'd
 * and NUL-terminated, without the newline. */
static int recv_line(int fd, char **out, size_t *outlen, long long deadline)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nl;
	ssize_t n;
	int err;

	for (;;) {
		if (cap - len < 4096) {
			char *p;

			cap = cap ? cap * 2 : 65536;
			if (cap > CTL_MAX_REPLY + 65536) {
				err = -EMSGSIZE;
				goto fail;
			}
			p = realloc(buf, cap + 1);
			if (!p) {
				err = -ENOMEM;
				goto fail;
			}
			buf = p;
		}
		err = wait_fd(fd, POLLIN, deadline);
		if (err)
			goto fail;
		n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			goto fail;
		}
		if (n == 0) {
			err = -ECONNRESET;
			goto fail;
		}
		nl = memchr(buf + len, '\n', n);
		len += n;
		if (nl) {
			*nl = '\0';
			*out = buf;
			*outlen = nl - buf;
			return 0;
		}
	}
fail:
	free(buf);
	return err;
}

int main(int argc, char **argv)
{
	const char *sock_path = CTL_SOCKET_DEFAULT;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct json_object *data = NULL;
	char *req = NULL, *reply = NULL;
	char err[512];
	bool json = false, ok;
	long long deadline;
	size_t reply_len = 0;
	struct cmd cmd;
	int opt, fd = -1, ret, rc = EXIT_NO_DAEMON;

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
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "xlbctl: socket: %s\n", strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "xlbctl: connect %s: %s (is xlbd running?)\n",
			sock_path, strerror(errno));
		goto out;
	}
	deadline = now_ms() + CTL_TIMEOUT_MS;
	ret = send_all(fd, req, strlen(req), deadline) ?:
	      send_all(fd, "\n", 1, deadline);
	if (ret) {
		fprintf(stderr, "xlbctl: send to %s: %s\n", sock_path,
			strerror(-ret));
		goto out;
	}
	ret = recv_line(fd, &reply, &reply_len, deadline);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "xlbctl: no reply from xlbd within %ds\n",
			CTL_TIMEOUT_MS / 1000);
		goto out;
	}
	if (ret == -ECONNRESET) {
		fprintf(stderr, "xlbctl: xlbd closed the connection without "
			"a reply\n");
		goto out;
	}
	if (ret) {
		fprintf(stderr, "xlbctl: receive from %s: %s\n", sock_path,
			strerror(-ret));
		goto out;
	}
	if (ctl_reply_decode(reply, reply_len, &ok, &data, err, sizeof(err))) {
		fprintf(stderr, "xlbctl: %s from xlbd\n", err);
		goto out;
	}
	if (!ok) {
		fprintf(stderr, "xlbctl: %s\n", err);
		rc = EXIT_REFUSED;
		goto out;
	}
	if (json) {
		puts(json_object_to_json_string_ext(data,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			JSON_C_TO_STRING_NOSLASHESCAPE));
		ret = fflush(stdout) ? -EIO : 0;
	} else {
		ret = ctl_print(cmd.verb, data, stdout);
	}
	if (ret) {
		fprintf(stderr, "xlbctl: write output: %s\n", strerror(-ret));
		goto out;
	}
	rc = 0;
out:
	json_object_put(data);
	free(reply);
	free(req);
	if (fd >= 0)
		close(fd);
	return rc;
}
