// SPDX-License-Identifier: GPL-2.0
/*
 * Bytes as a config file. Parsing must never crash, fail with a
 * "FILE:..." message, and whatever parses must write back to text that
 * parses to an equal model and the same text again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

static char *write_str(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || conf_write(c, f, false))
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], *text, *s1, *s2;
	struct conf c, d;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (conf_parse_text("fuzz.conf", text, &c, err, sizeof(err))) {
		if (strncmp(err, "fuzz.conf:", 10) || c.vips || c.n_vips)
			abort();
		free(text);
		return 0;
	}
	s1 = write_str(&c);
	if (conf_parse_text("written", s1, &d, err, sizeof(err))) {
		fprintf(stderr, "written config does not parse: %s\n%s\n", err,
			s1);
		abort();
	}
	if (!conf_equal(&c, &d)) {
		fprintf(stderr, "round trip differs:\n%s\n", s1);
		abort();
	}
	s2 = write_str(&d);
	if (strcmp(s1, s2))
		abort();
	free(s2);
	free(s1);
	conf_free(&d);
	conf_free(&c);
	free(text);
	return 0;
}
