// SPDX-License-Identifier: MIT
/*
 * Trigger rules: the parser on the corpus in tests/rules/ (valid rules with
 * their canonical form, invalid ones with their exact messages), round
 * trips through ld_rule__format, generated and duplicate names, and the
 * value parsers of ruleval.h.  `livedump rules check` is run in-process.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include "analysis/btfpath.h"
#include "capture/btfsub.h"
#include "capture/hidden.h"
#include "rules/rules.h"
#include "detectors/detector.h"
#include "rules/ruleval.h"

int cmd_rules(int argc, char **argv);

#define NS	1000000000ULL

/* ---- helpers ---- */

/* The lines of @path without their newline; NULL-terminated. */
static char **read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char **v = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t len;

	assert_non_null(f);
	*n = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		v = realloc(v, (*n + 2) * sizeof(*v));
		assert_non_null(v);
		v[(*n)++] = strdup(line);
		v[*n] = NULL;
	}
	free(line);
	fclose(f);
	return v;
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void assert_ranges_equal(const struct ld_range64 *a, unsigned na,
				const struct ld_range64 *b, unsigned nb)
{
	assert_int_equal(na, nb);
	for (unsigned i = 0; i < na; i++) {
		assert_true(a[i].lo == b[i].lo);
		assert_true(a[i].hi == b[i].hi);
	}
}

static void assert_strs_equal(char *const *a, unsigned na, char *const *b, unsigned nb)
{
	assert_int_equal(na, nb);
	for (unsigned i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

/* Everything but origin and name_generated, which say where a rule came from. */
static void assert_rules_equal(const struct ld_rule *a, const struct ld_rule *b)
{
	const struct ld_rule_filters *wa = &a->where, *wb = &b->where;

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->detector, b->detector);
	if (a->detector == LD_DET_APP) {
		assert_ranges_equal(a->p.app.codes, a->p.app.ncodes, b->p.app.codes,
				    b->p.app.ncodes);
		assert_ranges_equal(a->p.app.params, a->p.app.nparams, b->p.app.params,
				    b->p.app.nparams);
	} else {
		/* The other detectors' parameters hold no pointers: compare the bytes. */
		assert_memory_equal(&a->p, &b->p, sizeof(a->p));
	}
	assert_int_equal(wa->npids, wb->npids);
	for (unsigned i = 0; i < wa->npids; i++)
		assert_int_equal(wa->pids[i], wb->pids[i]);
	assert_int_equal(wa->ncomms, wb->ncomms);
	for (unsigned i = 0; i < wa->ncomms; i++)
		assert_string_equal(wa->comms[i], wb->comms[i]);
	assert_strs_equal(wa->exes, wa->nexes, wb->exes, wb->nexes);
	assert_strs_equal(wa->cgroups, wa->ncgroups, wb->cgroups, wb->ncgroups);
	assert_int_equal(wa->nuids, wb->nuids);
	for (unsigned i = 0; i < wa->nuids; i++)
		assert_int_equal(wa->uids[i], wb->uids[i]);
	assert_int_equal(a->capture.type, b->capture.type);
	assert_int_equal(a->capture.history, b->capture.history);
	assert_true(a->capture.stack == b->capture.stack);
	assert_int_equal(a->capture.no_regions, b->capture.no_regions);
	assert_int_equal(a->capture.hidden, b->capture.hidden);
	assert_true(a->limit.total == b->limit.total);
	assert_true(a->limit.rate_n == b->limit.rate_n);
	assert_true(a->limit.rate_window_ns == b->limit.rate_window_ns);
	assert_true(a->limit.cooldown_ns == b->limit.cooldown_ns);
}

/* Canonical form of @r, parsed back: the same rule, and the same text again. */
static void assert_round_trip(const struct ld_rule *r)
{
	static char text[1 << 17], again[1 << 17];
	struct ld_ruleset rs = { 0 };
	struct ld_diag d = { 0 };
	int ret;

	assert_int_equal(ld_rule__format(r, text, sizeof(text)), 0);
	ret = ld_rules_parse_string(&rs, text, "rt", &d);
	if (ret)
		fail_msg("'%s' does not parse back: %s", text, d.n ? d.msgs[0] : "?");
	assert_int_equal(rs.n, 1);
	assert_rules_equal(r, &rs.v[0]);
	assert_int_equal(ld_rule__format(&rs.v[0], again, sizeof(again)), 0);
	assert_string_equal(text, again);
	ld_ruleset__free(&rs);
	ld_diag__free(&d);
}

/* Parses @text alone; its messages must be exactly @want (NULL-terminated). */
static void expect_messages(const char *text, const char *const *want)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag d = { 0 };
	size_t n = 0;
	int ret = ld_rules_parse_string(&rs, text, "t", &d);

	while (want[n])
		n++;
	for (size_t i = 0; i < d.n || i < n; i++) {
		const char *got = i < d.n ? d.msgs[i] : "(no message)";

		if (i >= n || strcmp(got, want[i]))
			fail_msg("rule: %s\n  message %zu: %s\n  expected:  %s", text, i + 1, got,
				 i < n ? want[i] : "(none)");
	}
	assert_int_equal(ret, n);
	assert_int_equal(rs.n, 0);	/* a rule with an error is not added */
	ld_ruleset__free(&rs);
	ld_diag__free(&d);
}

static void parse_ok(struct ld_ruleset *rs, const char *text, const char *origin)
{
	struct ld_diag d = { 0 };
	int ret = ld_rules_parse_string(rs, text, origin, &d);

	if (ret)
		fail_msg("'%s': %s", text, d.n ? d.msgs[0] : "?");
	ld_diag__free(&d);
}

/* ---- the corpus ---- */

static void test_valid_corpus(void **state)
{
	glob_t g;

	(void)state;
	assert_int_equal(glob("valid/*.rules", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 6);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		const char *path = g.gl_pathv[f];
		struct ld_ruleset rs = { 0 };
		struct ld_diag d = { 0 };
		char exp_path[PATH_MAX], text[8192];
		char **exp;
		size_t nexp;
		int ret;

		snprintf(exp_path, sizeof(exp_path), "%.*s.expected", (int)(strlen(path) - 6), path);
		exp = read_lines(exp_path, &nexp);
		ret = ld_rules_parse_file(&rs, path, &d);
		if (ret)
			fail_msg("%s: %d errors, first: %s", path, ret, d.n ? d.msgs[0] : "?");
		if (rs.n != nexp)
			fail_msg("%s: %zu rules, %s has %zu", path, rs.n, exp_path, nexp);
		for (size_t i = 0; i < rs.n; i++) {
			assert_int_equal(ld_rule__format(&rs.v[i], text, sizeof(text)), 0);
			if (strcmp(text, exp[i]))
				fail_msg("%s rule %zu:\n  got      %s\n  expected %s", path, i + 1,
					 text, exp[i]);
			assert_false(rs.v[i].name_generated);
			assert_round_trip(&rs.v[i]);
		}
		free_lines(exp, nexp);
		ld_ruleset__free(&rs);
		ld_diag__free(&d);
	}
	globfree(&g);
}

static const struct ld_rule *rule_named(const struct ld_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].name, name))
			return &rs->v[i];
	fail_msg("no rule '%s'", name);
	return NULL;
}

/* The fields themselves, not only their canonical text. */
static void test_issue_fields(void **state)
{
	struct ld_ruleset rs = { 0 };
	const struct ld_rule *r;

	(void)state;
	assert_int_equal(ld_rules_parse_file(&rs, "valid/issue.rules", NULL), 0);
	assert_int_equal(rs.n, 3);

	r = rule_named(&rs, "appdump");
	assert_string_equal(r->origin, "valid/issue.rules:2");
	assert_int_equal(r->detector, LD_DET_APP);
	assert_int_equal(r->p.app.ncodes, 1);
	assert_true(r->p.app.codes[0].lo == 0x1000 && r->p.app.codes[0].hi == 0x1fff);
	assert_int_equal(r->p.app.nparams, 0);
	assert_int_equal(r->where.npids + r->where.ncomms + r->where.nexes + r->where.ncgroups +
			 r->where.nuids, 0);
	assert_int_equal(r->capture.type, LD_CAPTURE_FULL);
	assert_int_equal(r->capture.history, 0);
	assert_true(r->capture.stack == 0);
	assert_false(r->capture.no_regions);
	assert_true(r->limit.total == 5);
	assert_true(r->limit.rate_n == 0 && r->limit.rate_window_ns == 0);
	assert_true(r->limit.cooldown_ns == 30 * NS);

	r = rule_named(&rs, "crashy");
	assert_int_equal(r->p.app.ncodes, 3);
	assert_true(r->p.app.codes[0].lo == 1 && r->p.app.codes[0].hi == 1);
	assert_true(r->p.app.codes[1].lo == 2 && r->p.app.codes[1].hi == 2);
	assert_true(r->p.app.codes[2].lo == 0x10 && r->p.app.codes[2].hi == 0x20);
	assert_int_equal(r->p.app.nparams, 1);
	assert_true(r->p.app.params[0].lo == 0 && r->p.app.params[0].hi == 99);
	assert_int_equal(r->where.ncomms, 2);
	assert_string_equal(r->where.comms[0], "myserver");
	assert_string_equal(r->where.comms[1], "other");
	assert_int_equal(r->where.nuids, 1);
	assert_int_equal(r->where.uids[0], 0);
	assert_int_equal(r->capture.type, LD_CAPTURE_MINI);
	assert_int_equal(r->capture.history, 256);
	assert_true(r->capture.stack == 64 * 1024);
	assert_true(r->capture.no_regions);
	assert_true(r->limit.total == 0);
	assert_true(r->limit.rate_n == 3 && r->limit.rate_window_ns == 600 * NS);
	assert_true(r->limit.cooldown_ns == 0);

	r = rule_named(&rs, "everything");
	assert_int_equal(r->p.app.ncodes + r->p.app.nparams, 0);
	assert_int_equal(r->capture.type, LD_CAPTURE_MINI);	/* app's default */
	assert_true(r->limit.total == 0 && r->limit.rate_window_ns == 0 && r->limit.cooldown_ns == 0);
	ld_ruleset__free(&rs);
}

static void test_filter_fields(void **state)
{
	struct ld_ruleset rs = { 0 };
	const struct ld_rule *r;

	(void)state;
	assert_int_equal(ld_rules_parse_file(&rs, "valid/filters.rules", NULL), 0);
	r = rule_named(&rs, "pids");
	assert_int_equal(r->where.npids, 2);
	assert_int_equal(r->where.pids[1], 4194303);
	r = rule_named(&rs, "spaced");
	assert_int_equal(r->where.ncomms, 3);
	assert_string_equal(r->where.comms[0], "Web Content");
	assert_string_equal(r->where.comms[1], "a,b");
	assert_string_equal(r->where.comms[2], "q\"uote");
	r = rule_named(&rs, "hash");
	assert_string_equal(r->where.comms[0], "x#1");
	r = rule_named(&rs, "exes");
	assert_int_equal(r->where.nexes, 2);
	assert_string_equal(r->where.exes[1], "/opt/my app/bin/server");
	r = rule_named(&rs, "cgroups");
	assert_int_equal(r->where.ncgroups, 3);
	assert_string_equal(r->where.cgroups[0], "/");
	assert_string_equal(r->where.cgroups[1], "/system.slice");
	assert_string_equal(r->where.cgroups[2], "/user.slice/user-1000.slice");
	r = rule_named(&rs, "v1cgroups");	/* the controller kept, the trailing / dropped */
	assert_int_equal(r->where.ncgroups, 4);
	assert_string_equal(r->where.cgroups[0], "memory:/docker");
	assert_string_equal(r->where.cgroups[1], "blkio:/");
	assert_string_equal(r->where.cgroups[2], "io:/x");
	assert_string_equal(r->where.cgroups[3], "pids:/a:b");
	r = rule_named(&rs, "username");
	assert_int_equal(r->where.nuids, 1);
	assert_int_equal(r->where.uids[0], 0);		/* root */
	ld_ruleset__free(&rs);

	assert_int_equal(ld_rules_parse_file(&rs, "valid/syntax.rules", NULL), 0);
	r = rule_named(&rs, "continued");
	assert_string_equal(r->origin, "valid/syntax.rules:5");
	assert_int_equal(r->capture.type, LD_CAPTURE_FULL);
	assert_true(r->limit.total == 1);
	r = rule_named(&rs, "comment-cont");
	assert_true(r->limit.total == 2);
	ld_ruleset__free(&rs);
}

/* tests/rules/invalid.txt: RULE ==> MESSAGE [==> MESSAGE ...] */
static void test_invalid_corpus(void **state)
{
	size_t n, checked = 0;
	char **lines = read_lines("invalid.txt", &n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *want[8] = { 0 };
		char *sep, *p = lines[i];
		size_t nwant = 0;

		if (!*p || *p == '#')
			continue;
		sep = strstr(p, " ==> ");
		if (!sep)
			fail_msg("invalid.txt:%zu: no ' ==> '", i + 1);
		*sep = '\0';
		for (p = sep + 5; p; p = sep ? sep + 5 : NULL) {
			sep = strstr(p, " ==> ");
			if (sep)
				*sep = '\0';
			assert_true(nwant < 7);
			want[nwant++] = p;
		}
		expect_messages(lines[i], want);
		checked++;
	}
	assert_true(checked >= 80);
	free_lines(lines, n);
}

/* invalid/X.rules: messages exactly as in invalid/X.errors, their count returned. */
static void test_invalid_files(void **state)
{
	glob_t g;

	(void)state;
	assert_int_equal(glob("invalid/*.rules", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 3);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		struct ld_ruleset rs = { 0 };
		struct ld_diag d = { 0 };
		char path[PATH_MAX];
		char **want;
		size_t nwant;
		int ret;

		snprintf(path, sizeof(path), "%.*s.errors", (int)(strlen(g.gl_pathv[f]) - 6),
			 g.gl_pathv[f]);
		want = read_lines(path, &nwant);
		ret = ld_rules_parse_file(&rs, g.gl_pathv[f], &d);
		for (size_t i = 0; i < d.n || i < nwant; i++)
			if (i >= d.n || i >= nwant || strcmp(d.msgs[i], want[i]))
				fail_msg("%s message %zu:\n  got      %s\n  expected %s", g.gl_pathv[f],
					 i + 1, i < d.n ? d.msgs[i] : "(none)",
					 i < nwant ? want[i] : "(none)");
		assert_int_equal(ret, nwant);
		free_lines(want, nwant);
		ld_ruleset__free(&rs);
		ld_diag__free(&d);
	}
	globfree(&g);
}

static void test_valid_rules_of_bad_files(void **state)
{
	struct ld_ruleset rs = { 0 };

	(void)state;
	/* The good rules of a file with errors are still read, the bad ones are not. */
	assert_int_equal(ld_rules_parse_file(&rs, "invalid/continuation.rules", NULL), 5);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.v[0].name, "good");
	assert_string_equal(rs.v[1].name, "good2");
	ld_ruleset__free(&rs);
	assert_int_equal(ld_rules_parse_file(&rs, "invalid/quotes.rules", NULL), 2);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.v[1].name, "q4");
	assert_string_equal(rs.v[1].where.comms[0], "q\"");
	ld_ruleset__free(&rs);
}

/* ---- names ---- */

static void test_duplicates_across_files(void **state)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag d = { 0 };

	(void)state;
	assert_int_equal(ld_rules_parse_file(&rs, "dup/a.rules", &d), 0);
	assert_int_equal(ld_rules_parse_file(&rs, "dup/b.rules", &d), 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0],
			    "dup/b.rules:2:1: duplicate rule name 'shared' (first defined at dup/a.rules:1)");
	assert_int_equal(rs.n, 3);
	assert_true(rule_named(&rs, "shared")->p.app.codes[0].lo == 1);	/* the first one */
	/* and against an -e rule */
	assert_int_equal(ld_rules_parse_string(&rs, "only-b on app", "-e #1", &d), 1);
	assert_string_equal(d.msgs[1], "-e #1:1:1: duplicate rule name 'only-b' (first defined at"
			    " dup/b.rules:1)");
	ld_ruleset__free(&rs);
	ld_diag__free(&d);
}

static void test_generated_names(void **state)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag d = { 0 };
	char text[256];

	(void)state;
	parse_ok(&rs, "on app capture mini", "-e #1");
	parse_ok(&rs, "on app code=1", "-e #2");
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.v[0].name, "app-1");
	assert_true(rs.v[0].name_generated);
	assert_string_equal(rs.v[0].origin, "-e #1");
	assert_string_equal(rs.v[1].name, "app-2");
	assert_true(rs.v[1].name_generated);
	/* The canonical form names it, so it can be pasted into a file. */
	assert_int_equal(ld_rule__format(&rs.v[0], text, sizeof(text)), 0);
	assert_string_equal(text, "app-1 on app capture mini");

	/* An explicit name a generated one took: the generated one moves. */
	parse_ok(&rs, "app-1 on app code=3", "-e #3");
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.v[2].name, "app-1");
	assert_false(rs.v[2].name_generated);
	assert_string_equal(rs.v[0].name, "app-3");
	assert_string_equal(rs.v[1].name, "app-2");
	/* A gap is filled, names stay unique. */
	parse_ok(&rs, "on app", "-e #4");
	assert_string_equal(rs.v[3].name, "app-4");

	/* In a file the name is required. */
	assert_int_equal(ld_rules_parse_file(&rs, "invalid/continuation.rules", &d), 5);
	assert_string_equal(d.msgs[2], "invalid/continuation.rules:6:1: missing rule name before"
			    " 'on' (expected NAME on ISSUE; only -e rules may leave the name out)");
	ld_ruleset__free(&rs);
	ld_diag__free(&d);
}

static void test_string_lines(void **state)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag d = { 0 };

	(void)state;
	/* An -e text may hold several lines; origins name the line after the first. */
	parse_ok(&rs, "a on app # first\n\nb on app \\\n  capture full\n# end", "-e #1");
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.v[0].origin, "-e #1");
	assert_string_equal(rs.v[1].origin, "-e #1:3");
	assert_int_equal(rs.v[1].capture.type, LD_CAPTURE_FULL);
	assert_int_equal(ld_rules_parse_string(&rs, "c on app \\\n  limit 3/10", "-e #2", &d), 1);
	assert_string_equal(d.msgs[0], "-e #2:2:11: bad duration '10' (expected a number with a"
			    " unit: us ms s m h d)");
	/* Nothing but comments and blanks: no rule, no error. */
	assert_int_equal(ld_rules_parse_string(&rs, "  # nothing\n\t\n", "-e #3", &d), 0);
	assert_int_equal(ld_rules_parse_string(&rs, "", "-e #4", &d), 0);
	assert_int_equal(rs.n, 2);
	/* Without a place for messages the errors are still counted. */
	assert_int_equal(ld_rules_parse_string(&rs, "x on foo\ny on app limit 0", "-e #5", NULL), 2);
	ld_ruleset__free(&rs);
	ld_diag__free(&d);
}

static void test_max_rules(void **state)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag d = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	for (int i = 1; i <= LD_MAX_RULES + 1; i++)
		fprintf(f, "r%d on app\n", i);
	fclose(f);
	assert_int_equal(ld_rules_parse_string(&rs, text, "t", &d), 1);
	assert_int_equal(rs.n, LD_MAX_RULES);
	assert_string_equal(d.msgs[0], "t:65:1: too many rules (expected at most 64 in all)");
	free(text);
	ld_ruleset__free(&rs);
	ld_diag__free(&d);
}

static void test_file_errors(void **state)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag d = { 0 };
	char path[] = "/tmp/test_rules_XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(ld_rules_parse_file(&rs, "no/such/file.rules", &d), -ENOENT);
	assert_int_equal(ld_rules_parse_file(&rs, "valid", &d), -EISDIR);
	assert_int_equal(d.n, 0);

	/* A NUL byte: one message for that rule, the next rule is still read. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a on app\nb on\0app\nc on app\n", 27), 27);
	close(fd);
	assert_int_equal(ld_rules_parse_file(&rs, path, &d), 1);
	assert_int_equal(rs.n, 2);
	assert_non_null(strstr(d.msgs[0], ":2:5: NUL byte in the text (expected a text file)"));
	unlink(path);
	ld_ruleset__free(&rs);
	ld_diag__free(&d);
}

/* ---- the canonical form ---- */

static void test_format(void **state)
{
	struct ld_ruleset rs = { 0 };
	struct ld_rule r = { .detector = LD_DET_NONE };
	char small[12];

	(void)state;
	parse_ok(&rs, "x on app code=1 where comm=abc capture full", "t");
	assert_int_equal(ld_rule__format(&rs.v[0], small, sizeof(small)), -ENOSPC);
	assert_string_equal(small, "x on app co");	/* cut, but a string */
	assert_int_equal(ld_rule__format(&r, small, sizeof(small)), -EINVAL);
	assert_string_equal(ld_detector_name(LD_DET_APP), "app");
	assert_string_equal(ld_detector_name(LD_DET_NONE), "unknown");
	ld_ruleset__free(&rs);
}

/* Every field at its limits, strings that need quoting: format, parse, compare. */
static void test_round_trip_extremes(void **state)
{
	static char *strs[] = {
		"/a", "/with space", "/q\"uote", "/back\\slash", "/com,ma", "/ha#sh",
		"/=eq", "/t\tab", "/\xc3\xa9t\xc3\xa9", "/end\\", "/x/y/z", "/!", "/<", "/>",
		"/\"", "/last",
	};
	static const char *comms[] = {
		"a", "with space", "q\"", "b\\", "c,d", "#", "=x", "<y", ">z", "!w",
		"\xc3\xa9t\xc3\xa9", "exactly15chars_", "t\tab", "\"\"", "\\", "z",
	};
	struct ld_rule r = { .detector = LD_DET_APP };

	(void)state;
	strcpy(r.name, "x");
	for (unsigned i = 0; i < LD_RULE_LIST_MAX; i++) {
		r.p.app.codes[i] = (struct ld_range64){ i * 0x1000, i == 15 ? UINT32_MAX : i * 0x1000 + i };
		r.p.app.params[i] = (struct ld_range64){ i ? UINT64_MAX - i : 0, UINT64_MAX - (i ? 0 : 1) };
		r.where.pids[i] = i == 15 ? 4194303 : i + 1;
		strcpy(r.where.comms[i], comms[i]);
		r.where.exes[i] = strs[i];
		r.where.cgroups[i] = i ? strs[i] : "/";
		r.where.uids[i] = i == 15 ? 0xfffffffe : i * 1000;
	}
	r.p.app.ncodes = r.p.app.nparams = LD_RULE_LIST_MAX;
	r.where.npids = r.where.ncomms = r.where.nexes = r.where.ncgroups = r.where.nuids =
		LD_RULE_LIST_MAX;
	r.capture = (struct ld_rule_capture){ .type = LD_CAPTURE_FULL, .history = 65536, .stack = 64 << 20,
					      .no_regions = true, .no_environ = true, .snapshot = 1,
					      .compress = 1, .hidden = LD_HIDDEN_REGIONS };
	r.limit = (struct ld_rule_limits){ UINT64_MAX, LD_RATE_MAX, LD_DURATION_MAX, 1000 };
	assert_round_trip(&r);
}

/* A deterministic pseudo-random generator: the same rules on every run. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static uint64_t rnd_upto(uint64_t max)
{
	uint64_t v = rnd();

	switch (rnd() % 4) {	/* edges often, anything else otherwise */
	case 0: return 0;
	case 1: return max;
	default: return max == UINT64_MAX ? v : v % (max + 1);
	}
}

static void rnd_text(char *buf, size_t len, bool path)
{
	static const char chars[] = "abcXYZ019 _-.,#\"\\=<>!/\t";
	size_t i = 0;

	if (path)
		buf[i++] = '/';
	for (; i < len; i++)
		buf[i] = chars[rnd() % (sizeof(chars) - 1)];
	if (path && len > 1 && buf[len - 1] == '/')
		buf[len - 1] = 'e';	/* a trailing / is not kept */
	buf[len] = '\0';
}

static void rnd_ranges(struct ld_range64 *v, unsigned *n, uint64_t max)
{
	*n = rnd() % (LD_RULE_LIST_MAX + 1);
	for (unsigned i = 0; i < *n; i++) {
		v[i].lo = rnd_upto(max);
		v[i].hi = v[i].lo + rnd_upto(max - v[i].lo);
	}
}

static void test_round_trip_random(void **state)
{
	static char strings[2 * LD_RULE_LIST_MAX][64];

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		struct ld_rule r = { .detector = LD_DET_APP };
		struct ld_rule_filters *w = &r.where;

		snprintf(r.name, sizeof(r.name), "r%d", iter);
		rnd_ranges(r.p.app.codes, &r.p.app.ncodes, UINT32_MAX);
		rnd_ranges(r.p.app.params, &r.p.app.nparams, UINT64_MAX);
		w->npids = rnd() % (LD_RULE_LIST_MAX + 1);
		w->ncomms = rnd() % (LD_RULE_LIST_MAX + 1);
		w->nexes = rnd() % (LD_RULE_LIST_MAX + 1);
		w->ncgroups = rnd() % (LD_RULE_LIST_MAX + 1);
		w->nuids = rnd() % (LD_RULE_LIST_MAX + 1);
		for (unsigned i = 0; i < LD_RULE_LIST_MAX; i++) {
			w->pids[i] = 1 + rnd_upto(4194302);
			rnd_text(w->comms[i], 1 + rnd() % 15, false);
			rnd_text(strings[i], 2 + rnd() % 60, true);
			rnd_text(strings[LD_RULE_LIST_MAX + i], 1 + rnd() % 60, true);
			w->exes[i] = strings[i];
			w->cgroups[i] = strings[LD_RULE_LIST_MAX + i];
			w->uids[i] = rnd_upto(0xfffffffe);
		}
		r.capture.type = rnd() % 3;
		r.capture.history = rnd_upto(65536);
		if (r.capture.type != LD_CAPTURE_CONTEXT) {
			r.capture.stack = rnd() % 2 ? 0 : 4096 + rnd_upto((64 << 20) - 4096);
			r.capture.no_regions = rnd() % 2;
			r.capture.hidden = rnd() % LD_HIDDEN_MODE_COUNT;
		}
		r.limit.total = rnd_upto(UINT64_MAX);
		if (rnd() % 2) {
			r.limit.rate_n = 1 + rnd_upto(LD_RATE_MAX - 1);
			r.limit.rate_window_ns = 1000 * (1 + rnd_upto(LD_DURATION_MAX / 1000 - 1));
		}
		r.limit.cooldown_ns = 1000 * rnd_upto(LD_DURATION_MAX / 1000);
		assert_round_trip(&r);
	}
}

/* ---- value parsers ---- */

static void expect_verr(int ret, const struct ld_verr *e, size_t off, const char *msg)
{
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(e->msg, msg);
	assert_int_equal(e->off, off);
}

static void test_val_numbers(void **state)
{
	struct ld_verr e;
	uint64_t v;

	(void)state;
	assert_int_equal(ld_val_u64("0", 0, 10, &v, &e), 0);
	assert_true(v == 0);
	assert_int_equal(ld_val_u64("0x1F", 0, 100, &v, &e), 0);
	assert_true(v == 31);
	assert_int_equal(ld_val_u64("010", 0, 100, &v, &e), 0);
	assert_true(v == 10);					/* decimal, not octal */
	assert_int_equal(ld_val_u64("18446744073709551615", 0, UINT64_MAX, &v, &e), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ld_val_u64("0xffffffffffffffff", 0, UINT64_MAX, &v, &e), 0);
	expect_verr(ld_val_u64("18446744073709551616", 0, UINT64_MAX, &v, &e), &e, 0,
		    "number '18446744073709551616' out of range (expected 0 to 18446744073709551615)");
	expect_verr(ld_val_u64("0x10000000000000000", 0, UINT64_MAX, &v, &e), &e, 0,
		    "number '0x10000000000000000' out of range (expected 0x0 to 0xffffffffffffffff)");
	expect_verr(ld_val_u64("0x100000000", 0, UINT32_MAX, &v, &e), &e, 0,
		    "number '0x100000000' out of range (expected 0x0 to 0xffffffff)");
	expect_verr(ld_val_u64("5", 6, 9, &v, &e), &e, 0, "number '5' out of range (expected 6 to 9)");
	expect_verr(ld_val_u64("", 0, 9, &v, &e), &e, 0,
		    "bad number '' (expected a decimal number or 0x hex)");
	expect_verr(ld_val_u64("+1", 0, 9, &v, &e), &e, 0,
		    "bad number '+1' (expected a decimal number or 0x hex)");
	expect_verr(ld_val_u64(" 1", 0, 9, &v, &e), &e, 0,
		    "bad number ' 1' (expected a decimal number or 0x hex)");
	expect_verr(ld_val_u64("1k", 0, 9, &v, &e), &e, 0,
		    "bad number '1k' (expected a decimal number or 0x hex)");
	expect_verr(ld_val_u64("0x", 0, 9, &v, &e), &e, 0,
		    "bad number '0x' (expected a decimal number or 0x hex)");
	expect_verr(ld_val_u64("0xg", 0, 9, &v, &e), &e, 0,
		    "bad number '0xg' (expected a decimal number or 0x hex)");
	assert_true(v == UINT64_MAX);		/* untouched by the failures */
	assert_int_equal(ld_val_u64("x", 0, 9, &v, NULL), -EINVAL);	/* no message wanted */
}

static void test_val_ranges(void **state)
{
	struct ld_range64 r;
	struct ld_verr e;

	(void)state;
	assert_int_equal(ld_val_range("7", 10, &r, &e), 0);
	assert_true(r.lo == 7 && r.hi == 7);
	assert_int_equal(ld_val_range("0x10-0x20", UINT32_MAX, &r, &e), 0);
	assert_true(r.lo == 0x10 && r.hi == 0x20);
	assert_int_equal(ld_val_range("5-5", 10, &r, &e), 0);
	assert_true(r.lo == 5 && r.hi == 5);
	expect_verr(ld_val_range("0x20-0x10", 0xff, &r, &e), &e, 0,
		    "empty range '0x20-0x10' (expected LOW-HIGH with LOW <= HIGH)");
	expect_verr(ld_val_range("1-0x100", 0xff, &r, &e), &e, 2,
		    "number '0x100' out of range (expected 0x0 to 0xff)");
	expect_verr(ld_val_range("1-", 9, &r, &e), &e, 0,
		    "bad range '1-' (expected a number or a range LOW-HIGH)");
	expect_verr(ld_val_range("-1", 9, &r, &e), &e, 0,
		    "bad range '-1' (expected a number or a range LOW-HIGH)");
	expect_verr(ld_val_range("1-2-3", 9, &r, &e), &e, 2,
		    "bad number '2-3' (expected a decimal number or 0x hex)");
}

static void test_val_split_cmp(void **state)
{
	static const struct { const char *tok; enum ld_val_op op; const char *key, *val; } ok[] = {
		{ "code=1,2", LD_OP_SET, "code", "1,2" }, { "code==1", LD_OP_EQ, "code", "1" },
		{ "code!=1", LD_OP_NE, "code", "1" }, { "code<1", LD_OP_LT, "code", "1" },
		{ "code<=1", LD_OP_LE, "code", "1" }, { "code>1", LD_OP_GT, "code", "1" },
		{ "code>=1", LD_OP_GE, "code", "1" }, { "latency>50ms", LD_OP_GT, "latency", "50ms" },
		{ "mini", LD_OP_NONE, "mini", "" }, { "comm=\"a=b\"", LD_OP_SET, "comm", "\"a=b\"" },
		{ "x=", LD_OP_SET, "x", "" },
	};
	struct ld_range64 r;
	struct ld_verr e;
	enum ld_val_op op;
	const char *val;
	char key[16];
	size_t off;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ld_val_split(ok[i].tok, key, sizeof(key), &op, &val, &off, &e), 0);
		assert_int_equal(op, ok[i].op);
		assert_string_equal(key, ok[i].key);
		assert_string_equal(val, ok[i].val);
		assert_ptr_equal(val, ok[i].tok + off);
	}
	expect_verr(ld_val_split("code=>1", key, sizeof(key), &op, &val, &off, &e), &e, 4,
		    "bad operator '=>' in 'code=>1' (expected =, ==, <, <=, > or >=)");
	expect_verr(ld_val_split("code<>1", key, sizeof(key), &op, &val, &off, &e), &e, 4,
		    "bad operator '<>' in 'code<>1' (expected =, ==, <, <=, > or >=)");
	expect_verr(ld_val_split("=5", key, sizeof(key), &op, &val, &off, &e), &e, 0,
		    "missing key in '=5' (expected KEY=VALUE)");

	assert_int_equal(ld_val_cmp_range(LD_OP_LT, 100, UINT64_MAX, &r, &e), 0);
	assert_true(r.lo == 0 && r.hi == 99);
	assert_int_equal(ld_val_cmp_range(LD_OP_LE, 100, UINT64_MAX, &r, &e), 0);
	assert_true(r.lo == 0 && r.hi == 100);
	assert_int_equal(ld_val_cmp_range(LD_OP_GT, 100, 1000, &r, &e), 0);
	assert_true(r.lo == 101 && r.hi == 1000);
	assert_int_equal(ld_val_cmp_range(LD_OP_GE, 100, 1000, &r, &e), 0);
	assert_true(r.lo == 100 && r.hi == 1000);
	assert_int_equal(ld_val_cmp_range(LD_OP_EQ, 7, 1000, &r, &e), 0);
	assert_true(r.lo == 7 && r.hi == 7);
	assert_int_equal(ld_val_cmp_range(LD_OP_GE, 0, UINT64_MAX, &r, &e), 0);
	assert_true(r.lo == 0 && r.hi == UINT64_MAX);
	expect_verr(ld_val_cmp_range(LD_OP_LT, 0, 10, &r, &e), &e, 0,
		    "'<0' matches no value (expected a bound above 0)");
	expect_verr(ld_val_cmp_range(LD_OP_GT, 10, 10, &r, &e), &e, 0,
		    "'>10' matches no value (expected a bound below 10)");
	expect_verr(ld_val_cmp_range(LD_OP_NE, 1, 10, &r, &e), &e, 0,
		    "operator '!=' is not supported (expected =, ==, <, <=, > or >=; a list of ranges"
		    " can leave values out)");
}

struct collected {
	char v[8][64];
	unsigned n;
	int fail_at;		/* element that fails, -1 none */
};

static int collect(void *arg, unsigned idx, const char *elem, struct ld_verr *e)
{
	struct collected *c = arg;

	assert_int_equal(idx, c->n);
	if ((int)idx == c->fail_at)
		return ld_verr_set(e, 1, "no '%s'", elem);
	strcpy(c->v[c->n++], elem);
	return 0;
}

static void test_val_lists(void **state)
{
	struct collected c = { .fail_at = -1 };
	char q[64];
	struct ld_verr e;

	(void)state;
	assert_int_equal(ld_val_list("a,\"b,c\",d\" e\"f,\"g\\\"h\\\\\"", 8, collect, &c, &e), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.v[0], "a");
	assert_string_equal(c.v[1], "b,c");
	assert_string_equal(c.v[2], "d ef");
	assert_string_equal(c.v[3], "g\"h\\");
	c.n = 0;
	assert_int_equal(ld_val_list("\"x\\y\"", 8, collect, &c, &e), 0);
	assert_string_equal(c.v[0], "x\\y");	/* other backslashes are kept */
	c.n = 0;
	expect_verr(ld_val_list("a,b,c", 2, collect, &c, &e), &e, 4,
		    "too many values in list (expected at most 2)");
	c.n = 0;
	expect_verr(ld_val_list("a,b", 1, collect, &c, &e), &e, 2,
		    "list 'a,b' where one value is expected (expected a single value)");
	c.n = 0;
	expect_verr(ld_val_list("", 4, collect, &c, &e), &e, 0,
		    "missing value (expected a value or a list of values a,b,...)");
	c.n = 0;
	expect_verr(ld_val_list("a,,b", 4, collect, &c, &e), &e, 2,
		    "empty value in list 'a,,b' (expected values separated by single commas)");
	c.n = 0;
	expect_verr(ld_val_list("a,\"\"", 4, collect, &c, &e), &e, 2,
		    "empty value '\"\"' (expected a value)");
	c.n = 0;
	expect_verr(ld_val_list("a,\"b", 4, collect, &c, &e), &e, 2,
		    "unterminated quote in '\"b' (expected a closing \")");
	/* An element's error offset is moved to where the element is in the list. */
	c.n = 0;
	c.fail_at = 1;
	expect_verr(ld_val_list("aa,bbb", 4, collect, &c, &e), &e, 4, "no 'bbb'");

	assert_false(ld_val_needs_quotes("/usr/bin/x"));
	assert_true(ld_val_needs_quotes(""));
	assert_true(ld_val_needs_quotes("a b"));
	assert_true(ld_val_needs_quotes("a,b"));
	assert_true(ld_val_needs_quotes("a#b"));
	assert_true(ld_val_needs_quotes("=a"));
	assert_true(ld_val_needs_quotes("a\\"));
	assert_int_equal(ld_val_quote("a \"b\"\\", q, sizeof(q)), 0);
	assert_string_equal(q, "\"a \\\"b\\\"\\\\\"");
	assert_int_equal(ld_val_quote("plain", q, sizeof(q)), 0);
	assert_string_equal(q, "plain");
	assert_int_equal(ld_val_quote("a b c d", q, 5), -ENOSPC);
	assert_string_equal(q, "\"a b");
}

static void test_val_durations(void **state)
{
	static const struct { const char *s; uint64_t ns; const char *canon; } ok[] = {
		{ "1us", 1000, "1us" }, { "1500us", 1500000, "1500us" }, { "1ms", 1000000, "1ms" },
		{ "1500ms", 1500 * 1000000ULL, "1500ms" }, { "30s", 30 * NS, "30s" },
		{ "60s", 60 * NS, "1m" }, { "90s", 90 * NS, "90s" }, { "10m", 600 * NS, "10m" },
		{ "2h", 7200 * NS, "2h" }, { "48h", 2 * 86400 * NS, "2d" }, { "0s", 0, "0us" },
		{ "213503d", LD_DURATION_MAX, "213503d" }, { "007s", 7 * NS, "7s" },
	};
	char buf[32];
	struct ld_verr e;
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ld_val_duration(ok[i].s, 0, LD_DURATION_MAX, &v, &e), 0);
		assert_true(v == ok[i].ns);
		assert_int_equal(ld_val_format_duration(v, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ok[i].canon);
	}
	expect_verr(ld_val_duration("10", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "bad duration '10' (expected a number with a unit: us ms s m h d)");
	expect_verr(ld_val_duration("10ns", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "bad duration '10ns' (expected a number with a unit: us ms s m h d)");
	expect_verr(ld_val_duration("10S", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "bad duration '10S' (expected a number with a unit: us ms s m h d)");
	expect_verr(ld_val_duration("s", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "bad duration 's' (expected a number with a unit: us ms s m h d)");
	expect_verr(ld_val_duration("1.5s", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "bad duration '1.5s' (expected a whole number with a unit: us ms s m h d)");
	expect_verr(ld_val_duration("1m30s", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "bad duration '1m30s' (expected a number with a unit: us ms s m h d)");
	expect_verr(ld_val_duration("213504d", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "duration '213504d' too long (expected at most 213503d)");
	expect_verr(ld_val_duration("99999999999999999999us", 0, LD_DURATION_MAX, &v, &e), &e, 0,
		    "duration '99999999999999999999us' too long (expected at most 213503d)");
	expect_verr(ld_val_duration("0s", 1000, LD_DURATION_MAX, &v, &e), &e, 0,
		    "duration '0s' too short (expected at least 1us)");
	expect_verr(ld_val_duration("-1s", 1000, LD_DURATION_MAX, &v, &e), &e, 0,
		    "bad duration '-1s' (a duration must not be negative)");
	expect_verr(ld_val_duration("2h", 0, 3600 * NS, &v, &e), &e, 0,
		    "duration '2h' too long (expected at most 1h)");
	assert_int_equal(ld_val_format_duration(1500, buf, sizeof(buf)), -ERANGE);	/* no ns unit */
	assert_int_equal(ld_val_format_duration(30 * NS, buf, 3), -ENOSPC);
}

static void test_val_sizes(void **state)
{
	static const struct { const char *s; uint64_t b; const char *canon; } ok[] = {
		{ "4096", 4096, "4K" }, { "4K", 4096, "4K" }, { "4k", 4096, "4K" },
		{ "64K", 65536, "64K" }, { "1024K", 1 << 20, "1M" }, { "3m", 3 << 20, "3M" },
		{ "2G", 2ULL << 30, "2G" }, { "4100", 4100, "4100" }, { "0", 0, "0" },
		{ "17179869183G", 17179869183ULL << 30, "17179869183G" },
		{ "1024G", 1ULL << 40, "1T" }, { "2p", 2ULL << 50, "2P" }, { "15E", 15ULL << 60, "15E" },
	};
	char buf[32];
	struct ld_verr e;
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ld_val_size(ok[i].s, 0, UINT64_MAX, &v, &e), 0);
		assert_true(v == ok[i].b);
		assert_int_equal(ld_val_format_size(v, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ok[i].canon);
	}
	expect_verr(ld_val_size("64KB", 0, UINT64_MAX, &v, &e), &e, 0,
		    "bad size '64KB' (expected a number with an optional unit: K M G T P E)");
	expect_verr(ld_val_size("1Z", 0, UINT64_MAX, &v, &e), &e, 0,
		    "bad size '1Z' (expected a number with an optional unit: K M G T P E)");
	expect_verr(ld_val_size("-1", 0, UINT64_MAX, &v, &e), &e, 0,
		    "bad size '-1' (a size must not be negative)");
	expect_verr(ld_val_size("18014398509481985K", 0, UINT64_MAX, &v, &e), &e, 0,
		    "size '18014398509481985K' out of range (expected 0 to 18446744073709551615)");
	expect_verr(ld_val_size("1.5M", 0, UINT64_MAX, &v, &e), &e, 0,
		    "bad size '1.5M' (expected a whole number with an optional unit: K M G T P E)");
	expect_verr(ld_val_size("17179869184G", 0, UINT64_MAX, &v, &e), &e, 0,
		    "size '17179869184G' out of range (expected 0 to 18446744073709551615)");
	expect_verr(ld_val_size("1K", 4096, 64 << 20, &v, &e), &e, 0,
		    "size '1K' out of range (expected 4K to 64M)");
	expect_verr(ld_val_size("65M", 4096, 64 << 20, &v, &e), &e, 0,
		    "size '65M' out of range (expected 4K to 64M)");
	expect_verr(ld_val_size("0x1000", 0, UINT64_MAX, &v, &e), &e, 0,
		    "bad size '0x1000' (expected a number with an optional unit: K M G T P E)");
}

static void test_val_yesno(void **state)
{
	struct ld_verr e;
	bool b = false;

	(void)state;
	assert_int_equal(ld_val_yesno("yes", &b, &e), 0);
	assert_true(b);
	assert_int_equal(ld_val_yesno("no", &b, &e), 0);
	assert_false(b);
	expect_verr(ld_val_yesno("true", &b, &e), &e, 0, "bad value 'true' (expected yes or no)");
	expect_verr(ld_val_yesno("YES", &b, &e), &e, 0, "bad value 'YES' (expected yes or no)");
}

static void test_val_signals(void **state)
{
	static const struct { const char *s; int sig; const char *canon; } ok[] = {
		{ "SEGV", SIGSEGV, "SEGV" }, { "SIGSEGV", SIGSEGV, "SEGV" }, { "segv", SIGSEGV, "SEGV" },
		{ "SigBus", SIGBUS, "BUS" }, { "ABRT", SIGABRT, "ABRT" }, { "IOT", SIGABRT, "ABRT" },
		{ "CLD", SIGCHLD, "CHLD" }, { "IO", SIGIO, "POLL" }, { "POLL", SIGPOLL, "POLL" },
		{ "KILL", 9, "KILL" }, { "11", 11, "SEGV" }, { "1", 1, "HUP" }, { "SYS", 31, "SYS" },
		{ "64", 64, "RTMAX" }, { "RTMIN", 34, "RTMIN" }, { "SIGRTMIN+1", 35, "RTMIN+1" },
		{ "rtmax-1", 63, "RTMIN+29" }, { "RTMAX", 64, "RTMAX" }, { "RTMIN+30", 64, "RTMAX" },
		{ "32", 32, "32" }, { "0x1f", 31, "SYS" },
	};
	char buf[16];
	struct ld_verr e;
	int sig;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (ld_val_signal(ok[i].s, &sig, &e))
			fail_msg("%s: %s", ok[i].s, e.msg);
		assert_int_equal(sig, ok[i].sig);
		assert_int_equal(ld_val_signal_name(sig, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ok[i].canon);
		assert_int_equal(ld_val_signal(buf, &sig, &e), 0);	/* the name reads back */
		assert_int_equal(sig, ok[i].sig);
	}
	expect_verr(ld_val_signal("SEGVV", &sig, &e), &e, 0,
		    "unknown signal 'SEGVV' (expected a signal name like SEGV or a number)");
	expect_verr(ld_val_signal("SIG", &sig, &e), &e, 0,
		    "unknown signal 'SIG' (expected a signal name like SEGV or a number)");
	expect_verr(ld_val_signal("", &sig, &e), &e, 0,
		    "unknown signal '' (expected a signal name like SEGV or a number)");
	expect_verr(ld_val_signal("11x", &sig, &e), &e, 0,
		    "unknown signal '11x' (expected a signal name like SEGV or a number)");
	expect_verr(ld_val_signal("RTMIN-1", &sig, &e), &e, 0,
		    "unknown signal 'RTMIN-1' (expected a signal name like SEGV or a number)");
	expect_verr(ld_val_signal("0", &sig, &e), &e, 0, "signal '0' out of range (expected 1 to 64)");
	expect_verr(ld_val_signal("65", &sig, &e), &e, 0, "signal '65' out of range (expected 1 to 64)");
	expect_verr(ld_val_signal("99999999999999999999", &sig, &e), &e, 0,
		    "signal '99999999999999999999' out of range (expected 1 to 64)");
	expect_verr(ld_val_signal("RTMIN+31", &sig, &e), &e, 0,
		    "signal 'RTMIN+31' out of range (expected RTMIN+0 to RTMIN+30)");
	expect_verr(ld_val_signal("SIGRTMAX-31", &sig, &e), &e, 0,
		    "signal 'SIGRTMAX-31' out of range (expected RTMAX-0 to RTMAX-30)");
}

static void test_val_errnos(void **state)
{
	static const struct { const char *s; int err; const char *canon; } ok[] = {
		{ "ENOENT", ENOENT, "ENOENT" }, { "eio", EIO, "EIO" }, { "EPERM", 1, "EPERM" },
		{ "EAGAIN", EAGAIN, "EAGAIN" }, { "EWOULDBLOCK", EAGAIN, "EAGAIN" },
		{ "EDEADLOCK", EDEADLK, "EDEADLK" }, { "ENOTSUP", EOPNOTSUPP, "EOPNOTSUPP" },
		{ "ENOSPC", ENOSPC, "ENOSPC" }, { "EHWPOISON", EHWPOISON, "EHWPOISON" },
		{ "2", 2, "ENOENT" }, { "524", 524, "524" }, { "4095", 4095, "4095" },
	};
	char buf[32];
	struct ld_verr e;
	int err;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (ld_val_errno(ok[i].s, &err, &e))
			fail_msg("%s: %s", ok[i].s, e.msg);
		assert_int_equal(err, ok[i].err);
		assert_int_equal(ld_val_errno_name(err, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ok[i].canon);
	}
	/* Every errno glibc names reads back to its number. */
	for (int i = 1; i < 134; i++) {
		assert_int_equal(ld_val_errno_name(i, buf, sizeof(buf)), 0);
		assert_int_equal(ld_val_errno(buf, &err, &e), 0);
		assert_int_equal(err, i);
	}
	expect_verr(ld_val_errno("ENOENTT", &err, &e), &e, 0,
		    "unknown errno 'ENOENTT' (expected an errno name like ENOENT or EIO, or a number)");
	expect_verr(ld_val_errno("NOENT", &err, &e), &e, 0,
		    "unknown errno 'NOENT' (expected an errno name like ENOENT or EIO, or a number)");
	expect_verr(ld_val_errno("0", &err, &e), &e, 0, "errno '0' out of range (expected 1 to 4095)");
	expect_verr(ld_val_errno("4096", &err, &e), &e, 0,
		    "errno '4096' out of range (expected 1 to 4095)");
}

/* ---- livedump rules check ---- */

struct run {
	int ret;
	char out[4096], err[4096];
};

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* cmd_rules(argv) with stdout and stderr caught. */
static void run_rules(struct run *r, ...)
{
	char *argv[16];
	int argc = 0, out, err, save_out, save_err;
	char out_path[] = "/tmp/test_rules_out_XXXXXX", err_path[] = "/tmp/test_rules_err_XXXXXX";
	va_list ap;

	va_start(ap, r);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	out = mkstemp(out_path);
	err = mkstemp(err_path);
	assert_true(out >= 0 && err >= 0);
	unlink(out_path);
	unlink(err_path);
	fflush(stdout);
	fflush(stderr);
	save_out = dup(1);
	save_err = dup(2);
	dup2(out, 1);
	dup2(err, 2);
	r->ret = cmd_rules(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static void test_cmd_rules(void **state)
{
	struct run r;

	(void)state;
	run_rules(&r, "rules", "check", "valid/issue.rules", "valid/limits.rules", NULL);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, "13 rules OK\n");
	assert_string_equal(r.err, "");

	run_rules(&r, "rules", "check", "-e", "on app capture full", "-v", "-e", "x on app limit 1",
		  NULL);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, "app-1 on app capture full  # -e #1\n"
			    "x on app capture mini limit 1  # -e #2\n2 rules OK\n");

	run_rules(&r, "rules", "check", "-e", "x on app limit 3/10", NULL);
	assert_int_equal(r.ret, 1);
	assert_string_equal(r.err, "livedump: -e #1:1:18: bad duration '10' (expected a number with"
			    " a unit: us ms s m h d)\n");
	assert_string_equal(r.out, "1 error\n");

	run_rules(&r, "rules", "check", "invalid/many.rules", NULL);
	assert_int_equal(r.ret, 1);
	assert_non_null(strstr(r.err, "livedump: invalid/many.rules:3:7: unknown issue 'sginal'"
			       " (expected one of: app, syscall, block, uprobe, uretprobe, usdt, kprobe, kretprobe, signal, abort, assert, exit, oom, threshold)\n"));
	assert_string_equal(r.out, "7 errors\n");

	/* Files first, then the -e rules, as record reads them, wherever -e is given. */
	run_rules(&r, "rules", "check", "-e", "shared on app", "dup/a.rules", NULL);
	assert_int_equal(r.ret, 1);
	assert_string_equal(r.err, "livedump: -e #1:1:1: duplicate rule name 'shared' (first"
			    " defined at dup/a.rules:1)\n");

	run_rules(&r, "rules", "check", "no-such.rules", "valid/issue.rules", NULL);
	assert_int_equal(r.ret, 1);
	assert_string_equal(r.err, "livedump: cannot read no-such.rules: No such file or directory\n");
	assert_string_equal(r.out, "1 error\n");

	run_rules(&r, "rules", "check", NULL);
	assert_int_equal(r.ret, 2);
	run_rules(&r, "rules", "check", "--frob", "valid/issue.rules", NULL);
	assert_int_equal(r.ret, 2);
	run_rules(&r, "rules", NULL);
	assert_int_equal(r.ret, 2);
	run_rules(&r, "rules", "frob", NULL);
	assert_int_equal(r.ret, 2);
	assert_non_null(strstr(r.err, "unknown rules command 'frob' (expected check)"));
	run_rules(&r, "rules", "check", "--help", NULL);
	assert_int_equal(r.ret, 0);
	assert_non_null(strstr(r.out, "usage: livedump rules check"));
}

/* ---- setup: the corpus directory, wherever the test runs from ---- */

static int enter_corpus(void **state)
{
	char exe[PATH_MAX], path[PATH_MAX * 2];
	const char *top = getenv("LD_TOP");
	ssize_t n;

	(void)state;
	if (top) {
		snprintf(path, sizeof(path), "%s/tests/rules", top);
		if (!chdir(path))
			return 0;
	}
	if (!chdir("tests/rules"))
		return 0;
	/* BUILD/tests/unit/test_rules, BUILD in the top directory */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 3 && strrchr(exe, '/'); up++)
			*strrchr(exe, '/') = '\0';
		snprintf(path, sizeof(path), "%s/../tests/rules", exe);
	}
	if (n > 0 && !chdir(path))
		return 0;
	fprintf(stderr, "cannot find tests/rules: run from the top directory or set LD_TOP\n");
	return -1;
}

/* names of @rs, "-" for a retired rule's prefix: "d -b c" */
static void names_of(const struct ld_ruleset *rs, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < rs->n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s%s", i ? " " : "",
				rs->v[i].retired ? "-" : "", rs->v[i].name);
}

/* A reload keeps each rule's index by name (ld_ruleset__align). */
static void test_align(void **state)
{
	static const struct {
		const char *old, *new, *want;
		size_t live;
	} cases[] = {
		{ "a on app\nb on app\nc on app", "c on app\nd on app", "d -b c", 2 },
		{ "a on app\nb on app", "b on app\nx on app\na on app", "a b x", 3 },
		{ "a on app\nb on app\nc on app", "a on app", "a", 1 },
		{ "a on app\nb on app\nc on app", "c on app", "-a -b c", 1 },
		{ "a on app", "b on app\nc on app", "b c", 2 },
	};
	char got[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ld_ruleset old = { 0 }, rs = { 0 };

		parse_ok(&old, cases[i].old, "old");
		parse_ok(&rs, cases[i].new, "new");
		assert_int_equal(ld_ruleset__align(&rs, &old), 0);
		names_of(&rs, got, sizeof(got));
		assert_string_equal(got, cases[i].want);
		assert_int_equal(ld_ruleset__live(&rs), cases[i].live);
		/* A second reload from there keeps the retired slots' names. */
		if (i == 3) {
			struct ld_ruleset again = { 0 };

			parse_ok(&again, "c on app\nz on app", "again");
			assert_int_equal(ld_ruleset__align(&again, &rs), 0);
			names_of(&again, got, sizeof(got));
			assert_string_equal(got, "z -b c");
			ld_ruleset__free(&again);
		}
		ld_ruleset__free(&old);
		ld_ruleset__free(&rs);
	}
}

/* ---- capture follow=, checked in the running kernel's BTF ---- */

static uint32_t kmember(const struct btf *k, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(k, type, BTF_KIND_STRUCT);
	uint32_t off, t;

	assert_true(id > 0);
	assert_int_equal(ld_btf_member(k, id, member, &off, &t), 0);
	return off;
}

static void test_follow(void **state)
{
	const struct btf *k = ld_kernel_btf();
	const char *rq = "x on kprobe at=blk_mq_end_request capture context kernel=arg1:request ";
	struct ld_ruleset rs = { 0 };
	const struct ld_rule_capture *c;
	char text[512], out[1024];

	(void)state;
	if (!k) {
		skip();	/* no BTF: kernel= refuses every type, as test_invalid_corpus's corpus says */
		return;
	}
	/* Parents first, whatever the order given; each link from the nearest object. */
	snprintf(text, sizeof(text), "%sfollow=arg1.q.disk,arg1.bio,arg1.q", rq);
	parse_ok(&rs, text, "t");
	c = &rs.v[0].capture;
	assert_int_equal(c->nfollows, 3);
	assert_string_equal(c->follows[0].path, "arg1.bio");
	assert_string_equal(c->follows[1].path, "arg1.q");
	assert_string_equal(c->follows[2].path, "arg1.q.disk");
	assert_int_equal(c->follows[0].parent, 0);
	assert_int_equal(c->follows[0].field_off, kmember(k, "request", "bio"));
	assert_int_equal(c->follows[0].field_off2, LD_KOBJ_NO_HOP);
	assert_int_equal(c->follows[0].btf_id, btf__find_by_name_kind(k, "bio", BTF_KIND_STRUCT));
	assert_int_equal(c->follows[0].size, btf__resolve_size(k, c->follows[0].btf_id));
	assert_int_equal(c->follows[2].parent, 2);	/* kargs[0], then follows[1]: arg1.q */
	assert_int_equal(c->follows[2].field_off, kmember(k, "request_queue", "disk"));
	assert_int_equal(c->follows[2].field_off2, LD_KOBJ_NO_HOP);
	assert_int_equal(ld_rule__format(&rs.v[0], out, sizeof(out)), 0);
	assert_non_null(strstr(out, " kernel=arg1:request follow=arg1.bio,arg1.q,arg1.q.disk"));
	ld_ruleset__free(&rs);
	/* Alone, arg1.q.disk crosses two pointers from arg1. */
	snprintf(text, sizeof(text), "%sfollow=arg1.q.disk", rq);
	parse_ok(&rs, text, "t");
	c = &rs.v[0].capture;
	assert_int_equal(c->follows[0].parent, 0);
	assert_int_equal(c->follows[0].field_off, kmember(k, "request", "q"));
	assert_int_equal(c->follows[0].field_off2, kmember(k, "request_queue", "disk"));
	assert_int_equal(c->follows[0].btf_id, btf__find_by_name_kind(k, "gendisk", BTF_KIND_STRUCT));
	ld_ruleset__free(&rs);
	/* Into embedded structs: a file's f_path.dentry; a kretprobe's ret. */
	parse_ok(&rs, "y on kretprobe at=filp_open capture context kernel=ret:file "
		 "follow=ret.f_path.dentry,ret.f_path.dentry.d_parent", "t");
	c = &rs.v[0].capture;
	assert_int_equal(c->follows[0].root, 0);
	assert_int_equal(c->follows[0].field_off, kmember(k, "file", "f_path") +
			 kmember(k, "path", "dentry"));
	assert_int_equal(c->follows[1].parent, 1);
	assert_int_equal(c->follows[1].field_off, kmember(k, "dentry", "d_parent"));
	ld_ruleset__free(&rs);

	/* Refusals, by the names of what is wrong. */
#define FOLLOW_ERR(f, col, msg)								\
	do {										\
		const char *want_[] = { msg, NULL };					\
		snprintf(text, sizeof(text), "%s%s", rq, f);				\
		expect_messages(text, want_);						\
	} while (0)
	FOLLOW_ERR("follow=arg1.bioo", 71, "t:1:71: follow=arg1.bioo: struct request has no member 'bioo'");
	FOLLOW_ERR("follow=arg1.tag", 71,
		   "t:1:71: follow=arg1.tag: 'tag' in struct request is not a pointer to a struct");
	FOLLOW_ERR("follow=arg1.q.nosuch", 71,
		   "t:1:71: follow=arg1.q.nosuch: struct request_queue has no member 'nosuch'");
	FOLLOW_ERR("follow=arg1.__sector.x", 71, "t:1:71: follow=arg1.__sector.x: '__sector' in "
		   "struct request is neither a struct nor a pointer to one: nothing to go on into");
	FOLLOW_ERR("follow=arg2.bio", 71,
		   "t:1:71: follow=arg2.bio: arg2 is not dumped (expected kernel=arg2:TYPE too)");
	FOLLOW_ERR("follow=arg1.bio,arg1.bio", 71, "t:1:71: follow=arg1.bio is named twice");
	FOLLOW_ERR("follow=arg1.q.disk.part0.bd_disk", 71, "t:1:71: follow=arg1.q.disk.part0.bd_disk: "
		   "'q.disk.part0.bd_disk' crosses more than 2 pointers (follow one on the way too)");
	FOLLOW_ERR("follow=arg1.q,arg1.q.disk,arg1.q.disk.part0,arg1.q.disk.part0.bd_disk", 71,
		   "t:1:71: follow=arg1.q.disk.part0.bd_disk is 4 objects deep from arg1 (at most 3)");
	FOLLOW_ERR("follow=arg1", 71, "t:1:78: follow 'arg1': expected argN.MEMBER[.MEMBER...] or "
		   "ret.MEMBER... (arg1.bio)");
	FOLLOW_ERR("follow=arg1.bio.", 71, "t:1:87: follow 'arg1.bio.': '' is not a member name "
		   "(expected C names between dots)");
	FOLLOW_ERR("follow=arg1.a,arg1.b,arg1.c,arg1.d,arg1.e", 71,
		   "t:1:106: follow= names at most 4 objects");
	FOLLOW_ERR("follow=arg1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 71, "t:1:78: follow "
		   "'arg1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is too long (at most 31 characters: it "
		   "names the object in the dump)");
	FOLLOW_ERR("kernel=arg2:request follow=arg1.bio", 0, "t:1:71: duplicate key 'kernel' for "
		   "capture (expected each key once per rule)");
#undef FOLLOW_ERR
	{
		const char *want[] = { "t:1:30: impossible combination: follow= for issue 'syscall' "
				       "(expected a kprobe or kretprobe rule with kernel=)", NULL };

		expect_messages("x on syscall capture context follow=arg1.bio", want);
	}
	{
		/* Four arguments and four followed objects of 2 KiB each do not fit a record. */
		const char *want[] = { "t:1:109: kernel= and follow= objects take 10240 bytes, more than "
				       "the 8192 a record holds (each at most 2048)", NULL };

		expect_messages("x on kprobe at=f capture context kernel=arg1:task_struct,"
				"arg2:task_struct,arg3:task_struct,arg4:task_struct "
				"follow=arg1.parent", want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_corpus),
		cmocka_unit_test(test_issue_fields),
		cmocka_unit_test(test_filter_fields),
		cmocka_unit_test(test_invalid_corpus),
		cmocka_unit_test(test_invalid_files),
		cmocka_unit_test(test_valid_rules_of_bad_files),
		cmocka_unit_test(test_duplicates_across_files),
		cmocka_unit_test(test_generated_names),
		cmocka_unit_test(test_string_lines),
		cmocka_unit_test(test_max_rules),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip_extremes),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_val_numbers),
		cmocka_unit_test(test_val_ranges),
		cmocka_unit_test(test_val_split_cmp),
		cmocka_unit_test(test_val_lists),
		cmocka_unit_test(test_val_durations),
		cmocka_unit_test(test_val_sizes),
		cmocka_unit_test(test_val_yesno),
		cmocka_unit_test(test_val_signals),
		cmocka_unit_test(test_val_errnos),
		cmocka_unit_test(test_cmd_rules),
		cmocka_unit_test(test_align),
		cmocka_unit_test(test_follow),
	};

	return cmocka_run_group_tests(tests, enter_corpus, NULL);
}
