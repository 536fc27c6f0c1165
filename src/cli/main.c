// SPDX-License-Identifier: MIT
/* livedump: the command table. */
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"
#include "collector/crash.h"
#include "base/log.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	/* Run by the kernel through core_pattern while a collector has fatal-signal rules. */
	{ LD_CORE_HANDLER_ARG, cmd_core_handler, NULL },
	{ "record",   cmd_record,   "watch processes and write a live dump for each trigger" },
	{ "capture",  cmd_capture,  "dump a running process now" },
	{ "inspect",  cmd_inspect,  "show what a dump holds" },
	{ "list",     cmd_list,     "one line per dump: time, issue, rule, process, state" },
	{ "report",   cmd_report,   "counts by issue, rule, executable and code; top stacks" },
	{ "script",   cmd_script,   "every journaled issue event, in time order" },
	{ "gdb",      cmd_gdb,      "start gdb on a dump with its executable" },
	{ "export",   cmd_export,   "write a dump as a plain core file (or compressed)" },
	{ "rules",    cmd_rules,    "check rule files (rules check FILE...)" },
	{ "features", cmd_features, "show which BPF features this kernel offers" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: livedump [-v|-q] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`livedump COMMAND --help` describes each; see also docs/.\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			ld_log_level = LD_LOG_DEBUG;
		else if (!strcmp(argv[i], "-q"))
			ld_log_level = LD_LOG_WARN;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("livedump %s\n", LD_VERSION);
			return 0;
		} else {
			ld_err("unknown option '%s'", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(argc - i, argv + i);
	ld_err("unknown command '%s'", argv[i]);
	usage(stderr);
	return 2;
}
