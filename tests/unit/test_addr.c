// SPDX-License-Identifier: GPL-2.0
/* Addresses, ports, durations and numbers as operators write them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "addr.h"
#include "xlb.h"

static void test_addr_parse_v4(void **state)
{
	struct ip_addr a;
	char buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("198.18.0.1", &a), 0);
	assert_int_equal(a.family, XLB_AF_INET);
	assert_int_equal(a.a[0], htonl(0xc6120001));
	assert_int_equal(a.a[1], 0);
	assert_int_equal(a.a[2], 0);
	assert_int_equal(a.a[3], 0);
	assert_string_equal(addr_str(&a, buf, sizeof(buf)), "198.18.0.1");
}

static void test_addr_parse_v6(void **state)
{
	struct ip_addr a;
	char buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("2001:DB8:0::0:1", &a), 0);
	assert_int_equal(a.family, XLB_AF_INET6);
	assert_int_equal(a.a[0], htonl(0x20010db8));
	assert_int_equal(a.a[3], htonl(1));
	assert_string_equal(addr_str(&a, buf, sizeof(buf)), "2001:db8::1");
}

static void test_addr_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "198.18.0", "198.18.0.256", "198.18.0.1.2", " 198.18.0.1",
		"198.18.0.1 ", "01.2.3.4", "2001:db8::1::2", "[2001:db8::1]",
		"2001:db8::g", "localhost", "198.18.0.1:80", "-1",
		"0000000000000000000000000000000000000000000000000000:1",
	};
	struct ip_addr a = { .family = 99 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(addr_parse(bad[i], &a), -EINVAL);
		assert_int_equal(a.family, 99);	/* untouched */
	}
}

static void test_addr_port(void **state)
{
	struct ip_addr a;
	__u16 port = 0;
	char buf[ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_port_parse("198.18.0.100:80", &a, &port), 0);
	assert_int_equal(a.family, XLB_AF_INET);
	assert_int_equal(port, 80);
	assert_string_equal(addr_port_str(&a, port, buf, sizeof(buf)),
			    "198.18.0.100:80");
	assert_int_equal(addr_port_parse("[2001:db8::1]:443", &a, &port), 0);
	assert_int_equal(a.family, XLB_AF_INET6);
	assert_int_equal(port, 443);
	assert_string_equal(addr_port_str(&a, port, buf, sizeof(buf)),
			    "[2001:db8::1]:443");
	assert_int_equal(addr_port_parse("198.18.0.1:65535", &a, &port), 0);
	assert_int_equal(port, 65535);
	/* The longest form fits ADDR_STRLEN. */
	assert_int_equal(addr_port_parse(
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", &a, &port),
		0);
	assert_string_equal(addr_port_str(&a, port, buf, sizeof(buf)),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

static void test_addr_port_bad(void **state)
{
	static const char *const bad[] = {
		"198.18.0.1", "198.18.0.1:", "198.18.0.1:0",
		"198.18.0.1:65536", "198.18.0.1:-1", "198.18.0.1:8x",
		"2001:db8::1:443", "[2001:db8::1]443", "[2001:db8::1]:",
		"[198.18.0.1]:80", "[2001:db8::1:443", ":80", "[]:80",
		"198.18.0.1:80:80", "198.18.0.1: 80", "x:80",
	};
	struct ip_addr a;
	__u16 port = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(addr_port_parse(bad[i], &a, &port), -EINVAL);
		assert_int_equal(port, 7);
	}
}

static void test_addr_cmp(void **state)
{
	struct ip_addr a, b, c;

	(void)state;
	assert_int_equal(addr_parse("198.18.0.1", &a), 0);
	assert_int_equal(addr_parse("198.18.0.1", &b), 0);
	assert_int_equal(addr_parse("2001:db8::1", &c), 0);
	assert_int_equal(addr_cmp(&a, &b), 0);
	assert_true(addr_cmp(&a, &c) < 0);
	assert_true(addr_cmp(&c, &a) > 0);
	assert_int_equal(addr_parse("198.18.0.2", &b), 0);
	assert_true(addr_cmp(&a, &b) < 0);
}

static void test_duration(void **state)
{
	static const struct {
		const char *s;
		__u64 ms;
		const char *canon;
	} good[] = {
		{ "250ms", 250, "250ms" },
		{ "2s", 2000, "2s" },
		{ "1m", 60000, "1m" },
		{ "1h", 3600000, "1h" },
		{ "1000ms", 1000, "1s" },
		{ "90s", 90000, "90s" },
		{ "120s", 120000, "2m" },
		{ "24h", 86400000, "24h" },
		{ "1440m", 86400000, "24h" },
		{ "1ms", 1, "1ms" },
	};
	static const char *const bad[] = {
		"5", "", "s", "1.5s", "-1s", "1 s", "1S", "1sec", "1d", "ms1",
		"2s ", "+2s",
	};
	static const char *const range[] = {
		"0s", "0ms", "25h", "86400001ms", "99999999999999999999999h",
	};
	char buf[32];
	__u64 ms = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(duration_parse(good[i].s, &ms), 0);
		assert_int_equal(ms, good[i].ms);
		assert_string_equal(duration_str(ms, buf, sizeof(buf)),
				    good[i].canon);
	}
	ms = 42;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(duration_parse(bad[i], &ms), -EINVAL);
	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		assert_int_equal(duration_parse(range[i], &ms), -ERANGE);
	assert_int_equal(ms, 42);
}

static void test_uint(void **state)
{
	unsigned long long v = 5;

	(void)state;
	assert_int_equal(uint_parse("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(uint_parse("4294967295", 0, 0xffffffffull, &v), 0);
	assert_int_equal(v, 4294967295ull);
	assert_int_equal(uint_parse("18446744073709551615", 0, ~0ull, &v), 0);
	assert_true(v == ~0ull);
	assert_int_equal(uint_parse("18446744073709551616", 0, ~0ull, &v),
			 -ERANGE);
	assert_int_equal(uint_parse("4294967296", 0, 0xffffffffull, &v),
			 -ERANGE);
	assert_int_equal(uint_parse("9", 10, 20, &v), -ERANGE);
	assert_int_equal(uint_parse("", 0, 10, &v), -EINVAL);
	assert_int_equal(uint_parse("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(uint_parse("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(uint_parse("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(uint_parse(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(v, ~0ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_v4),
		cmocka_unit_test(test_addr_parse_v6),
		cmocka_unit_test(test_addr_parse_bad),
		cmocka_unit_test(test_addr_port),
		cmocka_unit_test(test_addr_port_bad),
		cmocka_unit_test(test_addr_cmp),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_uint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
