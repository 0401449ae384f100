/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP test helper for xlb's C tests that do not use cmocka (the BPF
 * tests). Each check prints actual and expected values on failure; each
 * test case ends with one "ok N - name" or "not ok N - name" line, which
 * tests/run.sh counts.
 */
#ifndef XLB_TEST_H
#define XLB_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_failed_checks;	/* checks failed in the current case */
static int test_cases, test_cases_failed;

#define CHECK(cond, fmt, ...) ({					\
	int ___ok = !!(cond);						\
	if (!___ok) {							\
		test_failed_checks++;					\
		printf("#   %s:%d: %s: " fmt "\n", __FILE__, __LINE__,	\
		       #cond, ##__VA_ARGS__);				\
	}								\
	___ok;								\
})

#define CHECK_EQ(actual, expected) ({					\
	long long ___a = (long long)(actual);				\
	long long ___e = (long long)(expected);				\
	CHECK(___a == ___e, "actual %lld, expected %lld", ___a, ___e);	\
})

#define CHECK_MEM(actual, expected, len) ({				\
	const unsigned char *___a = (const void *)(actual);		\
	const unsigned char *___e = (const void *)(expected);		\
	size_t ___i, ___n = (len);					\
	for (___i = 0; ___i < ___n && ___a[___i] == ___e[___i]; ___i++)	\
		;							\
	CHECK(___i == ___n, "bytes differ at offset %zu: "		\
	      "actual 0x%02x, expected 0x%02x", ___i,			\
	      ___i < ___n ? ___a[___i] : 0, ___i < ___n ? ___e[___i] : 0); \
})

/* Begin a case; returns nothing, pair with test_end(). */
static inline void test_begin(void)
{
	test_failed_checks = 0;
}

static inline void test_end(const char *name)
{
	test_cases++;
	if (test_failed_checks) {
		test_cases_failed++;
		printf("not ok %d - %s\n", test_cases, name);
	} else {
		printf("ok %d - %s\n", test_cases, name);
	}
	fflush(stdout);
}

/* Exit status for main(). */
static inline int test_exit(void)
{
	printf("1..%d\n", test_cases);
	return test_cases_failed ? 1 : 0;
}

#endif /* XLB_TEST_H */
