// SPDX-License-Identifier: GPL-2.0
/* The state file: round trip, config hash, missing and foreign files,
 * no temporary file left behind. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "state.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/xd_state_XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* a directory state_write must create */
	snprintf(path, sizeof(path), "%s/lib/xlbd.state", dir);
	return 0;
}

static int teardown(void **state)
{
	char sub[128];

	(void)state;
	unlink(path);
	snprintf(sub, sizeof(sub), "%s/lib", dir);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/other", dir);
	unlink(sub);
	rmdir(dir);
	return 0;
}

static const char *text =
	"interface eth0\nhash-seed 9\nencap-source 198.18.0.2\n"
	"vip add tcp 198.18.0.100:80 sticky\n"
	"backend add tcp 198.18.0.100:80 198.18.0.11 weight 7\n"
	"backend add tcp 198.18.0.100:80 198.18.0.12\n"
	"backend drain tcp 198.18.0.100:80 198.18.0.12 timeout 30s\n";

static void test_round_trip(void **state)
{
	struct conf a, b;
	char err[256];
	__u64 h = 0;
	struct dirent *e;
	char sub[128];
	DIR *d;
	int n = 0;

	(void)state;
	assert_int_equal(conf_parse_text("t", text, &a, err, sizeof(err)), 0);
	assert_int_equal(state_write(path, &a, 0x0123456789abcdefull), 0);
	assert_int_equal(state_read(path, &b, &h, err, sizeof(err)), 0);
	assert_true(h == 0x0123456789abcdefull);
	assert_true(conf_equal(&a, &b));
	assert_true(b.vips[0].be[1].draining);
	assert_int_equal(b.vips[0].be[1].drain_timeout_ms, 30000);
	/* rewritten in place; only the state file is in its directory */
	assert_int_equal(state_write(path, &b, 1), 0);
	snprintf(sub, sizeof(sub), "%s/lib", dir);
	d = opendir(sub);
	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);
	conf_free(&a);
	conf_free(&b);
}

static void test_missing_and_foreign(void **state)
{
	char other[128], err[256];
	struct conf c;
	__u64 h;
	FILE *f;

	(void)state;
	assert_int_equal(state_read(path, &c, &h, err, sizeof(err)), -ENOENT);
	snprintf(other, sizeof(other), "%s/other", dir);
	f = fopen(other, "w");
	assert_non_null(f);
	fputs("interface eth0\n", f);
	fclose(f);
	assert_int_equal(state_read(other, &c, &h, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1: not an xlbd state file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_foreign,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
