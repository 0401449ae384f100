// SPDX-License-Identifier: GPL-2.0
/* xlbd: the xlb daemon. Command line only; the work is in daemon.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "ctl_proto.h"
#include "daemon.h"
#include "log.h"

#ifndef XLB_VERSION
#define XLB_VERSION "unknown"
#endif
#define PIN_DIR_DEFAULT		"/sys/fs/bpf/xlb"
#define STATE_FILE_DEFAULT	"/var/lib/xlb/xlbd.state"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlbd -c CONFIG [-s SOCKET] [-p PIN_DIR] [-S STATE_FILE]"
		" [-n] [-v] [--detach]\n"
		"  -c CONFIG      configuration file\n"
		"  -s SOCKET      control socket (default " CTL_SOCKET_DEFAULT
		")\n"
		"  -p PIN_DIR     BPF pin directory (default " PIN_DIR_DEFAULT
		")\n"
		"  -S STATE_FILE  running state (default " STATE_FILE_DEFAULT
		")\n"
		"  -n, --check    check the configuration and exit\n"
		"  -v             debug logging\n"
		"  --detach       remove the data path and exit\n"
		"  -h, --help     show this help\n"
		"  --version      print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'D' },
		{ "check", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = {
		.sock_path = CTL_SOCKET_DEFAULT,
		.pin_dir = PIN_DIR_DEFAULT,
		.state_path = STATE_FILE_DEFAULT,
	};
	bool check = false, detach = false;
	char err[512];
	struct conf c;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:s:p:S:nvh", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.conf_path = optarg;
			break;
		case 's':
			d.sock_path = optarg;
			break;
		case 'p':
			d.pin_dir = optarg;
			break;
		case 'S':
			d.state_path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'D':
			detach = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xlbd %s\n", XLB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!d.conf_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check) {
		if (conf_parse_file(d.conf_path, &c, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		conf_free(&c);
		printf("configuration OK\n");
		return 0;
	}
	if (detach)
		return daemon_detach(d.conf_path, d.pin_dir) ? 1 : 0;
	ret = daemon_start(&d);
	if (!ret)
		ret = daemon_run(&d);
	daemon_stop(&d);
	return ret ? 1 : 0;
}
