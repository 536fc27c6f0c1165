// SPDX-License-Identifier: MIT
/*
 * The shared parsers of sizes, durations and counts (parse.h): units,
 * bounds, overflow of the number and of number x unit, signs, empty
 * values, trailing junk, and the reasons the options print.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "base/parse.h"

#define NS	1000000000ULL

static void expect_size(const char *s, uint64_t min, uint64_t max, int err, const char *why)
{
	char buf[LD_PARSE_WHY] = "";
	uint64_t v = 12345;

	assert_int_equal(ld_parse_size(s, min, max, &v, buf, sizeof(buf)), err);
	assert_string_equal(buf, why);
	assert_true(v == 12345);	/* untouched on error */
}

static void test_sizes_ok(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "1", 1 }, { "4096", 4096 }, { "4k", 4096 }, { "4K", 4096 },
		{ "3m", 3 << 20 }, { "2G", 2ULL << 30 }, { "1t", 1ULL << 40 },
		{ "1P", 1ULL << 50 }, { "15E", 15ULL << 60 },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", 16777215ULL << 40 },
		{ "00012K", 12 << 10 },
	};
	char why[LD_PARSE_WHY];
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ld_parse_size(ok[i].s, 0, UINT64_MAX, &v, why, sizeof(why)), 0);
		assert_true(v == ok[i].v);
	}
}

static void test_sizes_bad(void **state)
{
	const char *syntax = "(expected a whole number with an optional unit: K M G T P E)";
	char want[LD_PARSE_WHY];

	(void)state;
	/* The campaign's wrap: 2^54 + 1 KiB is 2^64 + 1 KiB, once 1 KiB. */
	expect_size("18014398509481985K", 1, 1ULL << 60, -ERANGE, "too large (at most 1E)");
	expect_size("18014398509481984K", 0, UINT64_MAX, -ERANGE,
		    "too large (at most 18446744073709551615)");
	expect_size("16E", 0, UINT64_MAX, -ERANGE, "too large (at most 18446744073709551615)");
	expect_size("18446744073709551616", 0, UINT64_MAX, -ERANGE,
		    "too large (at most 18446744073709551615)");
	expect_size("99999999999999999999999999G", 0, UINT64_MAX, -ERANGE,
		    "too large (at most 18446744073709551615)");
	expect_size("65M", 4096, 64 << 20, -ERANGE, "too large (at most 64M)");
	expect_size("1K", 4096, 64 << 20, -ERANGE, "too small (at least 4K)");
	expect_size("0", 1, 100, -ERANGE, "too small (at least 1)");
	expect_size("-1", 0, UINT64_MAX, -EDOM, "a size must not be negative");
	expect_size("-0", 0, UINT64_MAX, -EDOM, "a size must not be negative");
	expect_size("-18446744073709551615", 0, UINT64_MAX, -EDOM, "a size must not be negative");
	snprintf(want, sizeof(want), "empty %s", syntax);
	expect_size("", 0, UINT64_MAX, -EINVAL, want);
	snprintf(want, sizeof(want), "not a number %s", syntax);
	expect_size("K", 0, UINT64_MAX, -EINVAL, want);
	expect_size("+1", 0, UINT64_MAX, -EINVAL, want);
	expect_size(" 1", 0, UINT64_MAX, -EINVAL, want);
	snprintf(want, sizeof(want), "unknown unit %s", syntax);
	expect_size("64KB", 0, UINT64_MAX, -EINVAL, want);
	expect_size("1 K", 0, UINT64_MAX, -EINVAL, want);
	expect_size("1K ", 0, UINT64_MAX, -EINVAL, want);
	expect_size("0x10", 0, UINT64_MAX, -EINVAL, want);
	expect_size("1Z", 0, UINT64_MAX, -EINVAL, want);
	expect_size("1KK", 0, UINT64_MAX, -EINVAL, want);
	snprintf(want, sizeof(want), "not a whole number %s", syntax);
	expect_size("1.5M", 0, UINT64_MAX, -EINVAL, want);
}

static void test_durations(void **state)
{
	char why[LD_PARSE_WHY];
	uint64_t v;

	(void)state;
	assert_int_equal(ld_parse_duration("10ms", 0, UINT64_MAX, &v, why, sizeof(why)), 0);
	assert_true(v == 10000000);
	assert_int_equal(ld_parse_duration("213503d", 0, UINT64_MAX, &v, why, sizeof(why)), 0);
	assert_true(v == LD_DURATION_MAX);
	assert_int_equal(ld_parse_duration("213504d", 0, UINT64_MAX, &v, why, sizeof(why)),
			 -ERANGE);
	assert_string_equal(why, "too long (at most 213503d)");
	assert_int_equal(ld_parse_duration("18446744073709551615s", 0, UINT64_MAX, &v, why,
					   sizeof(why)), -ERANGE);
	assert_string_equal(why, "too long (at most 213503d)");
	assert_int_equal(ld_parse_duration("0s", 1000, UINT64_MAX, &v, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "too short (at least 1us)");
	assert_int_equal(ld_parse_duration("-1s", 0, UINT64_MAX, &v, why, sizeof(why)), -EDOM);
	assert_string_equal(why, "a duration must not be negative");
	assert_int_equal(ld_parse_duration("10", 0, UINT64_MAX, &v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "unknown unit (expected a whole number with a unit: us ms s m h d)");
	assert_int_equal(ld_parse_duration("10S", 0, UINT64_MAX, &v, why, sizeof(why)), -EINVAL);
	assert_int_equal(ld_parse_duration("", 0, UINT64_MAX, &v, why, sizeof(why)), -EINVAL);
	assert_int_equal(ld_parse_duration("1.5s", 0, UINT64_MAX, &v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why,
			    "not a whole number (expected a whole number with a unit: us ms s m h d)");
	assert_int_equal(ld_format_duration(90 * NS, why, sizeof(why)), 0);
	assert_string_equal(why, "90s");
}

static void test_counts(void **state)
{
	char why[LD_PARSE_WHY];
	uint64_t v;

	(void)state;
	assert_int_equal(ld_parse_uint("4096", 0, 4096, &v, why, sizeof(why)), 0);
	assert_true(v == 4096);
	assert_int_equal(ld_parse_uint("4097", 0, 4096, &v, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "too large (at most 4096)");
	/* 2^32 + 1: once read into an unsigned, 1 */
	assert_int_equal(ld_parse_uint("4294967297", 1, UINT32_MAX, &v, why, sizeof(why)),
			 -ERANGE);
	assert_string_equal(why, "too large (at most 4294967295)");
	assert_int_equal(ld_parse_uint("-1", 0, 9, &v, why, sizeof(why)), -EDOM);
	assert_string_equal(why, "a number must not be negative");
	assert_int_equal(ld_parse_uint("1K", 0, UINT64_MAX, &v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "not a number (expected a whole decimal number)");
	assert_int_equal(ld_parse_uint("0", 1, 9, &v, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "too small (at least 1)");
}

static void test_short_buffer(void **state)
{
	char why[8];
	uint64_t v;

	(void)state;
	assert_int_equal(ld_parse_size("-1", 0, 1, &v, why, sizeof(why)), -EDOM);
	assert_int_equal(strlen(why), 7);	/* truncated, still terminated */
	assert_int_equal(ld_format_size(1ULL << 60, why, sizeof(why)), 0);
	assert_string_equal(why, "1E");
	assert_int_equal(ld_format_size(4100, why, 3), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_ok),
		cmocka_unit_test(test_sizes_bad),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
