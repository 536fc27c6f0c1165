// SPDX-License-Identifier: MIT
/* livedump capture -p PID: an immediate dump through the same pipeline. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "capture/dumper.h"
#include "base/log.h"
#include "dump/outdir.h"
#include "base/parse.h"
#include "capture/proc.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump capture -p PID [--full] [--[no-]snapshot] [--compress[=KIND[:LEVEL]]]\n"
"                        [--hidden no|regions|all] [-o DIR] [--name NAME]\n"
"Dump a running process now: it is stopped for the capture and runs again after.\n"
"  -p, --pid PID      the process\n"
"      --tid TID      the thread shown first, as the one with the issue (default PID)\n"
"      --full         all memory a core would hold (default: mini dump: threads,\n"
"                     stacks, regions)\n"
"      --snapshot     read the memory from a copy-on-write snapshot, so the process\n"
"                     runs again at once (the default for --full)\n"
"      --no-snapshot  keep the process stopped until its memory is read\n"
"      --compress[=KIND[:LEVEL]]  write a compressed dump: KIND zstd (default,\n"
"                     LEVEL 1-19) or zlib (LEVEL 1-9), LEVEL default 1; every\n"
"                     livedump tool reads it, `livedump export` makes a plain one\n"
"      --hidden MODE  memory the process hid from dumps (MADV_DONTDUMP, coredump_filter):\n"
"                     no: left out (default); regions: registered regions in it taken;\n"
"                     all: everything taken (forensic), and the dump says so\n"
"  -o, --output DIR   where the dump goes (default %s)\n"
"      --name NAME    component name recorded in the dump (default: manual)\n"
"      --no-environ   leave the process's environment out of the dump\n",
		LD_DEFAULT_OUTDIR);
}

int cmd_capture(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "tid", required_argument, NULL, 't' },
		{ "full", no_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "snapshot", no_argument, NULL, 's' },
		{ "no-snapshot", no_argument, NULL, 'S' },
		{ "compress", optional_argument, NULL, 'z' },
		{ "hidden", required_argument, NULL, 'H' },
		{ "no-environ", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ld_capture_opts o = { .type = LD_CAPTURE_MINI, .detector = LD_DET_MANUAL,
				     .rule = "manual" };
	const char *outdir = LD_DEFAULT_OUTDIR;
	struct ld_dump_result res;
	long pid = 0, tid = 0;
	char why[200];
	uint64_t num;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (ld_opt_uint("-p", optarg, 1, LD_PID_MAX, &num))
				return 2;
			pid = num;
			break;
		case 't':
			if (ld_opt_uint("--tid", optarg, 1, LD_PID_MAX, &num))
				return 2;
			tid = num;
			break;
		case 'f':
			o.type = LD_CAPTURE_FULL;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'n':
			o.rule = optarg;
			break;
		case 's':
			o.snapshot = LD_SNAPSHOT_ON;
			break;
		case 'S':
			o.snapshot = LD_SNAPSHOT_OFF;
			break;
		case 'z':
			o.compress = (struct ld_compress){ LD_COMPRESS_DEFAULT_KIND, 0 };
			if (optarg && ld_compress_parse(optarg, &o.compress, why, sizeof(why))) {
				ld_err("--compress: %s", why);
				return 2;
			}
			break;
		case 'H':
			for (o.hidden = 0; o.hidden < LD_HIDDEN_MODE_COUNT; o.hidden++)
				if (!strcmp(optarg, ld_hidden_mode_name(o.hidden)))
					break;
			if (o.hidden == LD_HIDDEN_MODE_COUNT) {
				ld_err("--hidden %s: expected no, regions or all", optarg);
				return 2;
			}
			break;
		case 'E':
			o.no_environ = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!pid || optind < argc) {
		ld_err(pid ? "unexpected argument '%s'" : "which process? give -p PID",
		       pid ? argv[optind] : "");
		usage(stderr);
		return 2;
	}
	err = ld_outdir_prepare(outdir);
	if (err) {
		ld_err("cannot use output directory %s: %s", outdir, strerror(-err));
		return 1;
	}
	if (tid) {
		char task[64];

		snprintf(task, sizeof(task), "/proc/%ld/task/%ld", pid, tid);
		if (access(task, F_OK)) {
			ld_err("--tid %ld: not a thread of pid %ld", tid, pid);
			return 1;
		}
	}
	err = ld_dump_process(pid, tid ? tid : pid, &o, outdir, NULL, NULL, &res);
	if (err == -EPERM && !ld_proc_tracer_msg(pid, tid ? tid : pid, why, sizeof(why)))
		return 1;	/* freeze.c said who traces it */
	if (err) {
		ld_err("cannot dump pid %ld: %s", pid,
		       err == -ESRCH ? "no such process" :
		       err == -EPERM ? "not permitted (run as root, or check ptrace_scope)" :
		       strerror(-err));
		return 1;
	}
	ld_dump_result__print(&res);
	free(res.path);
	return 0;
}
