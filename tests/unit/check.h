/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A very small unit-test framework for the host tests. A test file defines
 * functions with TEST(name) { ... } and checks with CHECK*(); each test runs
 * in turn and prints one line, "PASS: <suite>/<name>" or "FAIL: <suite>/<name>",
 * which tests/run counts. A failing CHECK prints where and what, and the test
 * goes on so one run shows every broken expectation. The suite name is the
 * binary's name.
 */
#ifndef UNUM_TESTS_CHECK_H
#define UNUM_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>

struct check_test {
	const char *name;
	void (*fn)(void);
	struct check_test *next;
};

void check_register(struct check_test *t);
void check_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Number of CHECK failures so far in the running test. */
int check_failures(void);

#define TEST(tname)                                                                \
	static void test_##tname(void);                                            \
	static struct check_test check_t_##tname = { #tname, test_##tname, NULL }; \
	__attribute__((constructor)) static void check_reg_##tname(void)           \
	{                                                                          \
		check_register(&check_t_##tname);                                  \
	}                                                                          \
	static void test_##tname(void)

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond))                                                         \
			check_fail(__FILE__, __LINE__, "CHECK(%s) is false", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ != check_b_)                                                          \
			check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, check_a_, \
				   check_b_);                                                      \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                   \
	do {                                                                                 \
		unsigned long long check_a_ = (a), check_b_ = (b);                           \
		if (check_a_ != check_b_)                                                    \
			check_fail(__FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", #a, #b, \
				   check_a_, check_b_);                                      \
	} while (0)

#define CHECK_STR(a, b)                                                                      \
	do {                                                                                 \
		const char *check_a_ = (a), *check_b_ = (b);                                 \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)               \
			check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				   check_a_ ? check_a_ : "(null)",                           \
				   check_b_ ? check_b_ : "(null)");                          \
	} while (0)

#endif
