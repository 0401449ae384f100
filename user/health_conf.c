// SPDX-License-Identifier: GPL-2.0
/* Health check and agent settings: validation and names. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "health_conf.h"

/* NUL within the array and nothing that could break a request line. */
static bool text_ok(const char *s, size_t max, bool allow_space)
{
	size_t i, n = strnlen(s, max);

	if (n == max)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space))
			return false;
	}
	return true;
}

static int timing_valid(__u32 interval_ms, __u32 timeout_ms)
{
	__u32 iv = interval_ms ? interval_ms : HEALTH_INTERVAL_MS_DEFAULT;

	if (iv < HEALTH_INTERVAL_MS_MIN || iv > HEALTH_INTERVAL_MS_MAX)
		return -EINVAL;
	if (timeout_ms > iv)
		return -EINVAL;
	return 0;
}

int health_check_valid(const struct health_check *c)
{
	if (c->kind == HEALTH_NONE)
		return 0;
	if (c->kind != HEALTH_TCP && c->kind != HEALTH_HTTP &&
	    c->kind != HEALTH_UDP)
		return -EINVAL;
	if (timing_valid(c->interval_ms, c->timeout_ms))
		return -EINVAL;
	if (c->expect_code && (c->expect_code < HEALTH_EXPECT_MIN ||
			       c->expect_code > HEALTH_EXPECT_MAX))
		return -EINVAL;
	if (!text_ok(c->path, sizeof(c->path), false) ||
	    (c->path[0] && c->path[0] != '/'))
		return -EINVAL;
	if (!text_ok(c->host, sizeof(c->host), false))
		return -EINVAL;
	if (!text_ok(c->send, sizeof(c->send), true) ||
	    !text_ok(c->expect, sizeof(c->expect), true))
		return -EINVAL;
	return 0;
}

int health_agent_valid(const struct health_agent *a)
{
	if (!a->port)
		return 0;
	if (timing_valid(a->interval_ms, a->timeout_ms))
		return -EINVAL;
	if (a->damp_interval_ms &&
	    (a->damp_interval_ms < HEALTH_DAMP_INTERVAL_MS_MIN ||
	     a->damp_interval_ms > HEALTH_DAMP_INTERVAL_MS_MAX))
		return -EINVAL;
	if (a->damp_change_pct > HEALTH_DAMP_CHANGE_PCT_MAX)
		return -EINVAL;
	return 0;
}

const char *health_kind_str(int kind)
{
	switch (kind) {
	case HEALTH_TCP:
		return "tcp";
	case HEALTH_HTTP:
		return "http";
	case HEALTH_UDP:
		return "udp";
	default:
		return "none";
	}
}
