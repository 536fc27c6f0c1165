// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the rule parser (src/rules/) on any bytes as a rule file
 * (NULs included), each rule's canonical form as an -e argument.  Beyond
 * not crashing it holds the
 * grammar's promise (rules.h, ruleval.h): every rule it accepts has a
 * canonical form, that form parses back without an error, to a rule whose
 * canonical form is the same text; every error is one line.
 */
#include "fuzz.h"
#include "rules/rules.h"

#define FORMAT_MAX	65536

static char *text1, *text2;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	text1 = malloc(FORMAT_MAX);
	text2 = malloc(FORMAT_MAX);
	if (!text1 || !text2)
		abort();
	return 0;
}

static void round_trip(const struct ld_rule *r)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag diag = { 0 };
	int errors;

	if (ld_rule__format(r, text1, FORMAT_MAX))
		return;		/* longer than any buffer a tool gives it */
	errors = ld_rules_parse_string(&rs, text1, "-e #1", &diag);
	FUZZ_CHECK(errors == 0 && rs.n == 1, "canonical form '%s' does not parse back: %s",
		   text1, diag.n ? diag.msgs[0] : "(no message)");
	FUZZ_CHECK(!ld_rule__format(&rs.v[0], text2, FORMAT_MAX), "'%s' cannot be formatted", text1);
	FUZZ_CHECK(!strcmp(text1, text2), "canonical form '%s' reads back as '%s'", text1, text2);
	ld_ruleset__free(&rs);
	ld_diag__free(&diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_ruleset rs = { 0 };
	struct ld_diag diag = { 0 };
	int errors;

	errors = ld_rules_parse_file(&rs, fuzz_file(data, size), &diag);
	FUZZ_CHECK(errors >= 0, "parse_string returned %d", errors);
	FUZZ_CHECK((size_t)errors >= diag.n, "%d errors, %zu messages", errors, diag.n);
	for (size_t i = 0; i < diag.n; i++)
		FUZZ_CHECK(!strchr(diag.msgs[i], '\n'), "message of more than one line: %s",
			   diag.msgs[i]);
	for (size_t i = 0; i < rs.n; i++)
		round_trip(&rs.v[i]);
	ld_ruleset__free(&rs);
	ld_diag__free(&diag);
	return 0;
}
