// SPDX-License-Identifier: MIT
/*
 * What list and report share: dump file names, --since, sizes, and the
 * text tables fitted to a terminal width; and the output directory's
 * temporary files, stale or being written (ld_tmp_scan).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* --- temporary files (outdir.h) ------------------------------------------------- */

struct seen {
	char name[64][64];
	bool stale[64];
	int removed[64];
	pid_t writer[64];
	size_t n;
};

static void note_tmp(void *ctx, const struct ld_tmpfile *t)
{
	struct seen *s = ctx;

	assert_true(s->n < 64);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", t->name);
	s->stale[s->n] = t->stale;
	s->removed[s->n] = t->removed;
	s->writer[s->n] = t->writer;
	s->n++;
}

static int seen_at(const struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return (int)i;
	return -1;
}

static void make_file(const char *dir, const char *name, size_t len, time_t age)
{
	char path[256], buf[4096];
	struct timespec ts[2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	if (age) {
		clock_gettime(CLOCK_REALTIME, &ts[0]);
		ts[0].tv_sec -= age;
		ts[1] = ts[0];
		assert_int_equal(futimens(fd, ts), 0);
	}
	close(fd);
}

static bool exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !lstat(path, &st);
}

static void test_tmp_scan(void **state)
{
	char dir[] = "/tmp/test_tmp_scan.XXXXXX", path[256], name[64];
	int go[2], ready[2], dfd;
	uint64_t kept = 0;
	struct seen s = { 0 };
	pid_t child;
	char c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* Ours and stale: killed mid-write (unlocked, written to), or empty for a minute. */
	make_file(dir, ".20261203T060026.558-big-snapmem-1.core.111.tmp", 4096, 0);
	make_file(dir, ".20261203T060026.558-big-snapmem-1.core.spool.112.tmp", 100, 0);
	make_file(dir, ".empty-old.core.113.tmp", 0, 120);
	make_file(dir, ".old-version.core.tmp", 4096, 120);
	/* Ours, not stale: an empty one just made, an older version's young one. */
	make_file(dir, ".empty-new.core.114.tmp", 0, 0);
	make_file(dir, ".old-young.core.tmp", 4096, 0);
	/* Not ours: other names, a link (not followed), a directory. */
	make_file(dir, "visible.core.115.tmp", 4096, 0);
	make_file(dir, ".notadump.116.tmp", 4096, 0);
	snprintf(path, sizeof(path), "%s/.link.core.117.tmp", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/.dir.core.118.tmp", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	/* Being written: a live writer holds its lock (as dump_writer.c does). */
	snprintf(name, sizeof(name), ".live.core.%d.tmp", (int)getpid());
	make_file(dir, name, 4096, 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_RDWR);
		if (fd < 0 || flock(fd, LOCK_EX) || write(ready[1], "r", 1) != 1)
			_exit(1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);

	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	/* list's look: nothing is removed. */
	assert_int_equal(ld_tmp_scan(dfd, false, note_tmp, &s, &kept), 0);
	assert_int_equal(s.n, 7);
	assert_true(s.stale[seen_at(&s, ".20261203T060026.558-big-snapmem-1.core.111.tmp")]);
	assert_int_equal(s.writer[seen_at(&s, ".20261203T060026.558-big-snapmem-1.core.111.tmp")], 111);
	assert_true(s.stale[seen_at(&s, ".20261203T060026.558-big-snapmem-1.core.spool.112.tmp")]);
	assert_true(s.stale[seen_at(&s, ".empty-old.core.113.tmp")]);
	assert_true(s.stale[seen_at(&s, ".old-version.core.tmp")]);
	assert_int_equal(s.writer[seen_at(&s, ".old-version.core.tmp")], 0);
	assert_false(s.stale[seen_at(&s, ".empty-new.core.114.tmp")]);
	assert_false(s.stale[seen_at(&s, ".old-young.core.tmp")]);
	assert_false(s.stale[seen_at(&s, name)]);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.removed[i], 0);
	assert_true(exists(dir, ".20261203T060026.558-big-snapmem-1.core.111.tmp"));

	/* record's: the stale ones go, the rest stays and counts. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ld_tmp_scan(dfd, true, note_tmp, &s, &kept), 0);
	assert_int_equal(s.removed[seen_at(&s, ".20261203T060026.558-big-snapmem-1.core.111.tmp")], 1);
	assert_false(exists(dir, ".20261203T060026.558-big-snapmem-1.core.111.tmp"));
	assert_false(exists(dir, ".20261203T060026.558-big-snapmem-1.core.spool.112.tmp"));
	assert_false(exists(dir, ".empty-old.core.113.tmp"));
	assert_false(exists(dir, ".old-version.core.tmp"));
	assert_true(exists(dir, ".empty-new.core.114.tmp"));
	assert_true(exists(dir, ".old-young.core.tmp"));
	assert_true(exists(dir, name));
	assert_true(exists(dir, "visible.core.115.tmp"));
	assert_true(exists(dir, ".notadump.116.tmp"));
	assert_true(exists(dir, ".link.core.117.tmp"));
	assert_true(exists(dir, ".dir.core.118.tmp"));
	assert_true(kept >= 2 * 4096);	/* the live one and the young old-version one */

	/* Its writer killed: now it is stale. */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(ld_tmp_scan(dfd, true, note_tmp, &s, NULL), 0);
	assert_int_equal(s.removed[seen_at(&s, name)], 1);
	assert_false(exists(dir, name));
	close(dfd);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
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
		cmocka_unit_test(test_tmp_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
