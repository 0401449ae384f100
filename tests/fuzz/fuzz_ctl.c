// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes as a control request, through the daemon's whole path: decode,
 * parse as a runtime command, apply to a copy of a small model. Nothing
 * may crash; a refused change must leave the copy equal to the model; an
 * accepted one must still write and read back equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl_proto.h"

static const char model_text[] =
	"interface eth0\n"
	"encap-source 198.18.0.1\n"
	"encap-source 2001:db8::1\n"
	"table-size 7\n"
	"vip add tcp 198.18.0.100:80\n"
	"backend add tcp 198.18.0.100:80 198.18.0.11\n"
	"backend add tcp 198.18.0.100:80 2001:db8::12 weight 5\n"
	"backend drain tcp 198.18.0.100:80 2001:db8::12 timeout 2s\n"
	"vip add udp [2001:db8::100]:53 sticky\n"
	"backend add udp [2001:db8::100]:53 198.18.0.21\n";

static struct conf model;

static void check_round_trip(const struct conf *c)
{
	char *buf = NULL, err[512];
	size_t len = 0;
	struct conf d;
	FILE *f = open_memstream(&buf, &len);

	if (!f || conf_write(c, f, false))
		abort();
	fclose(f);
	if (conf_parse_text("written", buf, &d, err, sizeof(err)) ||
	    !conf_equal(c, &d)) {
		fprintf(stderr, "round trip failed: %s\n%s\n", err, buf);
		abort();
	}
	conf_free(&d);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], **argv, *line, **argv2;
	struct conf copy;
	struct cmd cmd;
	int argc, argc2, i;

	if (!model.iface[0] &&
	    conf_parse_text("model", model_text, &model, err, sizeof(err)))
		abort();
	if (ctl_request_decode((const char *)data, size, &argc, &argv, err,
			       sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	/* What decodes encodes back to the same words. */
	if (ctl_request_encode(argc, argv, &line))
		abort();
	if (ctl_request_decode(line, strlen(line), &argc2, &argv2, err,
			       sizeof(err)) || argc2 != argc)
		abort();
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], argv2[i]))
			abort();
	ctl_argv_free(argv2);
	free(line);

	if (cmd_parse(argc, argv, CMD_CTX_RUNTIME, &cmd, err, sizeof(err)))
		goto out;
	if (conf_copy(&copy, &model))
		abort();
	if (conf_apply(&copy, &cmd, err, sizeof(err))) {
		if (!err[0] || !conf_equal(&copy, &model))
			abort();
	} else {
		if (!cmd_verb_mutates(cmd.verb))
			abort();
		check_round_trip(&copy);
	}
	conf_free(&copy);
out:
	ctl_argv_free(argv);
	return 0;
}
