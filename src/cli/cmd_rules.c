// SPDX-License-Identifier: MIT
/*
 * `livedump rules check [-v] [-e RULE]... [FILE]...`: parses rule files and
 * -e rules into one set exactly as `record` does (files first, then -e),
 * and reports every error.  See docs/commands/rules.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "base/log.h"
#include "rules/rules.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump rules check [-v] [-e RULE]... [FILE]...\n"
"Check trigger rules (docs/rules.md): every error is printed as FILE:LINE:COLUMN.\n"
"  -e, --rule RULE   a rule as on the record command line (its name may be left out)\n"
"  -v, --verbose     print each valid rule in canonical form\n"
"Exit status: 0 all rules are valid, 1 errors, 2 bad usage.\n");
}

/* Worst case of one rule in canonical form: 32 paths of 4095 bytes, all quoted. */
#define RULE_TEXT_MAX	(1 << 19)

struct check {
	struct ld_ruleset rs;
	struct ld_diag diag;
	size_t printed;		/* messages of diag already printed */
	unsigned errors;
};

/*
 * Adds a parse result, a count of errors or a file that could not be read,
 * and prints its messages: in the order they happened.
 */
static void account(struct check *ck, const char *what, int ret)
{
	for (; ck->printed < ck->diag.n; ck->printed++)
		ld_err("%s", ck->diag.msgs[ck->printed]);
	if (ret < 0) {
		ld_err("cannot read %s: %s", what, strerror(-ret));
		ck->errors++;
		return;
	}
	ck->errors += ret;
}

static void report(struct check *ck, bool verbose)
{
	char *buf = verbose ? malloc(RULE_TEXT_MAX) : NULL;

	for (size_t i = 0; buf && i < ck->rs.n; i++) {
		if (ld_rule__format(&ck->rs.v[i], buf, RULE_TEXT_MAX) == 0)
			printf("%s  # %s\n", buf, ck->rs.v[i].origin);
		else
			ld_err("%s: rule %s too long to print", ck->rs.v[i].origin, ck->rs.v[i].name);
	}
	free(buf);
	if (ck->errors)
		printf("%u error%s\n", ck->errors, ck->errors == 1 ? "" : "s");
	else
		printf("%zu rule%s OK\n", ck->rs.n, ck->rs.n == 1 ? "" : "s");
}

/* The files, then the -e rules: the order `record` reads them in, so the messages match. */
static void check_all(struct check *ck, char **files, size_t nfiles, char **exprs, size_t nexprs)
{
	char origin[32];

	for (size_t i = 0; i < nfiles; i++)
		account(ck, files[i], ld_rules_parse_file(&ck->rs, files[i], &ck->diag));
	for (size_t i = 0; i < nexprs; i++) {
		snprintf(origin, sizeof(origin), "-e #%zu", i + 1);
		account(ck, origin, ld_rules_parse_string(&ck->rs, exprs[i], origin, &ck->diag));
	}
}

static int rules_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rule", required_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct check ck = { 0 };
	char **exprs = calloc(argc, sizeof(*exprs));
	bool verbose = false;
	size_t nexprs = 0;
	int c, ret = 2;

	if (!exprs) {
		ld_err("out of memory");
		return 1;
	}
	optind = 0;	/* a full reset of getopt: the unit tests call this again and again */
	while ((c = getopt_long(argc, argv, "e:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			exprs[nexprs++] = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind == argc && !nexprs) {
		ld_err("nothing to check: give rule files or -e RULE");
		usage(stderr);
		goto out;
	}
	check_all(&ck, argv + optind, argc - optind, exprs, nexprs);
	report(&ck, verbose);
	ret = ck.errors ? 1 : 0;
out:
	free(exprs);
	ld_ruleset__free(&ck.rs);
	ld_diag__free(&ck.diag);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} subcommands[] = {
	{ "check", rules_check },
};

int cmd_rules(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	ld_err("unknown rules command '%s' (expected check)", argv[1]);
	usage(stderr);
	return 2;
}
