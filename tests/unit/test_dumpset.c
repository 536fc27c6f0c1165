// SPDX-License-Identifier: MIT
/*
 * What list and report share: dump file names, --since, sizes, and the
 * text tables fitted to a terminal width.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <setjmp.h>
#include <cmocka.h>
#include "dump/dumpset.h"
#include "dump/outdir.h"
#include "base/table.h"

#define NS	1000000000ULL

static void test_parse_name(void **state)
{
	struct ld_dump_summary s;
	char name[256];
	uint64_t t = 1763717415123ULL * 1000000ULL;	/* 2025-11-21, ms precision */

	(void)state;
	/* What the collector writes reads back. */
	ld_dump_name(name, sizeof(name), t, "burst-rule", "my server", 4242, 0);
	memset(&s, 0, sizeof(s));
	assert_true(ld_dump_parse_name(name, &s));
	assert_int_equal(s.time_ns, t);
	assert_string_equal(s.rule, "burst_rule");
	assert_string_equal(s.comm, "my_server");
	assert_int_equal(s.pid, 4242);
	ld_dump_name(name, sizeof(name), t, "r", "c", 7, 3);
	memset(&s, 0, sizeof(s));
	assert_true(ld_dump_parse_name(name, &s));
	assert_int_equal(s.pid, 7);

	assert_false(ld_dump_parse_name("x.core", &s));
	assert_false(ld_dump_parse_name("20261121T093015.123-r-c-12.dump", &s));
	assert_false(ld_dump_parse_name("20261121T093015.123-r-c-1x.core", &s));
	assert_false(ld_dump_parse_name("2026112XT093015.123-r-c-12.core", &s));
	assert_false(ld_dump_parse_name("20261121T093015.123-r-c-12-3-4.core", &s));
	assert_false(ld_dump_parse_name("20261121T093015.123--c-12.core", &s));
}

static void test_since(void **state)
{
	uint64_t now = 1800000000ULL * NS, v;
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 21, .tm_hour = 9,
			 .tm_min = 30, .tm_isdst = -1 };
	uint64_t expect = (uint64_t)mktime(&tm) * NS;

	(void)state;
	assert_int_equal(ld_parse_since("2h", now, &v), 0);
	assert_int_equal(v, now - 7200 * NS);
	assert_int_equal(ld_parse_since("-15m", now, &v), 0);
	assert_int_equal(v, now - 900 * NS);
	assert_int_equal(ld_parse_since("90s", now, &v), 0);
	assert_int_equal(v, now - 90 * NS);
	assert_int_equal(ld_parse_since("7d ago", now, &v), 0);
	assert_int_equal(v, now - 7 * 86400 * NS);
	assert_int_equal(ld_parse_since("1w", now, &v), 0);
	assert_int_equal(v, now - 7 * 86400 * NS);
	assert_int_equal(ld_parse_since("@1700000000", now, &v), 0);
	assert_int_equal(v, 1700000000ULL * NS);
	assert_int_equal(ld_parse_since("2026-11-21 09:30", now, &v), 0);
	assert_int_equal(v, expect);
	assert_int_equal(ld_parse_since("2026-11-21T09:30:00", now, &v), 0);
	assert_int_equal(v, expect);
	assert_int_equal(ld_parse_since("today", now, &v), 0);
	assert_true(v <= now && now - v < 86400 * NS + 3600 * NS);
	assert_int_equal(ld_parse_since("yesterday", now, &v), 0);
	assert_true(v < now - 86400 * NS + 3600 * NS);

	assert_int_equal(ld_parse_since("2 hours", now, &v), -EINVAL);
	assert_int_equal(ld_parse_since("2x", now, &v), -EINVAL);
	assert_int_equal(ld_parse_since("soon", now, &v), -EINVAL);
	assert_int_equal(ld_parse_since("2026-13-45", now, &v), -EINVAL);
	assert_int_equal(ld_parse_since("99999999999w", now, &v), -EINVAL);
	assert_int_equal(ld_parse_since("@12x", now, &v), -EINVAL);
}

static void test_filter(void **state)
{
	struct ld_dump_summary s = { .time_ns = 100 * NS };
	struct ld_dump_filter f = { 0 };

	(void)state;
	strcpy(s.comm, "server");
	assert_true(ld_dump_filter__match(&f, &s));
	f.comm = "server";
	assert_true(ld_dump_filter__match(&f, &s));
	f.comm = "serve";
	assert_false(ld_dump_filter__match(&f, &s));
	f.comm = NULL;
	f.since_ns = 100 * NS;
	assert_true(ld_dump_filter__match(&f, &s));
	f.since_ns = 101 * NS;
	assert_false(ld_dump_filter__match(&f, &s));
}

static void test_sizes(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(ld_fmt_short_size(812, buf, sizeof(buf)), "812");
	assert_string_equal(ld_fmt_short_size(14540, buf, sizeof(buf)), "14K");
	assert_string_equal(ld_fmt_short_size(3 << 20, buf, sizeof(buf)), "3.0M");
	assert_string_equal(ld_fmt_short_size(5ULL << 30, buf, sizeof(buf)), "5.0G");
}

/* The table printed at width columns, into a string. */
static char *print_table(unsigned width, bool color)
{
	struct ld_term term = { .color = color, .width = width };
	struct ld_table *t = ld_table__new(2);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(t);
	assert_non_null(f);
	ld_table__column(t, "COUNT", LD_COL_RIGHT);
	ld_table__column(t, "NAME", LD_COL_SHRINK);
	ld_table__column(t, "STATE", 0);
	ld_table__column(t, "FILE", LD_COL_SHRINK | LD_COL_OPTIONAL);
	ld_table__row(t);
	ld_table__cell(t, LD_COLOR_NONE, "%d", 7);
	ld_table__cell(t, LD_COLOR_NONE, "a-rather-long-process-name");
	ld_table__cell(t, LD_COLOR_RED, "cut");
	ld_table__cell(t, LD_COLOR_NONE, "20261121T093015.123-rule-comm-4242.core");
	ld_table__row(t);
	ld_table__cell(t, LD_COLOR_NONE, "%d", 1234);
	ld_table__cell(t, LD_COLOR_NONE, "tab\there");
	ld_table__cell(t, LD_COLOR_NONE, "complete");
	ld_table__cell(t, LD_COLOR_NONE, "x.core");
	assert_int_equal(ld_table__print(t, f, &term), 0);
	fclose(f);
	ld_table__free(t);
	return out;
}

static void test_table(void **state)
{
	char *out;

	(void)state;
	/*
	 * Unlimited: everything, aligned, two spaces apart, no trailing blanks;
	 * a control character from a target is escaped (escape.c).
	 */
	out = print_table(0, false);
	assert_string_equal(out,
		"  COUNT  NAME                        STATE     FILE\n"
		"      7  a-rather-long-process-name  cut       20261121T093015.123-rule-comm-4242.core\n"
		"   1234  tab\\x09here                 complete  x.core\n");
	free(out);
	/* 40 columns: the optional FILE goes, gaps narrow, NAME is cut. */
	out = print_table(40, false);
	assert_string_equal(out,
		"  COUNT NAME                    STATE\n"
		"      7 a-rather-long-proces... cut\n"
		"   1234 tab\\x09here             complete\n");
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		assert_true(strlen(line) <= 40);
	free(out);
	/* Colour: escape sequences around the coloured cell and the titles only. */
	out = print_table(0, true);
	assert_non_null(strstr(out, "\033[31mcut\033[0m"));
	assert_non_null(strstr(out, "\033[1mCOUNT\033[0m"));
	assert_null(strstr(out, "\033[31mcomplete"));
	free(out);
}

static void test_color_when(void **state)
{
	enum ld_color_when w;
	struct ld_term t;
	FILE *f = tmpfile();

	(void)state;
	assert_int_equal(ld_parse_color_when("always", &w), 0);
	assert_int_equal(w, LD_COLOR_ALWAYS);
	assert_int_equal(ld_parse_color_when("never", &w), 0);
	assert_int_equal(ld_parse_color_when("auto", &w), 0);
	assert_int_equal(ld_parse_color_when("yes", &w), -EINVAL);
	/* A file is not a terminal: no colour, no width, unless forced. */
	ld_term_init(&t, f, LD_COLOR_AUTO);
	assert_false(t.color);
	assert_int_equal(t.width, 0);
	ld_term_init(&t, f, LD_COLOR_ALWAYS);
	assert_true(t.color);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_color_when),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
