// SPDX-License-Identifier: MIT
/*
 * `livedump features`: the table of what the running kernel offers, from
 * the probes of collector/features.c.  See docs/commands/features.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cli/commands.h"
#include "collector/features.h"
#include "base/json.h"
#include "base/log.h"

/* ---- the command ---- */

static void usage(FILE *f)
{
	fprintf(f, "usage: livedump features [--json] [FEATURE...]\n\n"
		"Probe which BPF features the running kernel offers, each by loading,\n"
		"attaching and firing a small program.  Needs root.  Features:\n ");
	for (int i = 0; i < LD_FEAT__COUNT; i++)
		fprintf(f, " %s", ld_feature_name(i));
	fprintf(f, "\n");
}

/* Root, and a bpf() that works at all; otherwise there is nothing to report. */
static int bpf_usable(void)
{
	int fd;

	if (geteuid() != 0) {
		ld_err("features: must be run as root (the probes load and attach BPF programs)");
		return 0;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd < 0) {
		int err = errno;

		ld_err("features: BPF is unusable: bpf(BPF_MAP_CREATE) failed: %s — %s",
		       strerror(err), err == ENOSYS ? "kernel built without CONFIG_BPF_SYSCALL"
			: "blocked by seccomp, an LSM or a container runtime");
		return 0;
	}
	close(fd);
	return 1;
}

int cmd_features(int argc, char **argv)
{
	bool json = false, want[LD_FEAT__COUNT] = { false }, any = false;
	int width = (int)strlen("FEATURE");
	struct ld_json j;

	for (int i = 1; i < argc; i++) {
		int f;

		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if ((f = ld_feature_from_name(argv[i])) >= 0) {
			want[f] = any = true;
		} else {
			ld_err("features: unknown %s '%s'", argv[i][0] == '-' ? "option" : "feature",
			       argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!bpf_usable())
		return 1;

	for (int f = 0; f < LD_FEAT__COUNT; f++) {
		want[f] |= !any;
		if (want[f] && (int)strlen(ld_feature_name(f)) > width)
			width = (int)strlen(ld_feature_name(f));
	}
	if (json) {
		ld_json__init(&j, stdout, LD_JSON_PRETTY);
		ld_json__begin_object(&j);
	} else {
		printf("%-*s  %-6s  %s\n", width, "FEATURE", "STATUS", "DETAIL");
	}
	for (int f = 0; f < LD_FEAT__COUNT; f++) {
		char why[384];
		bool ok;

		if (!want[f])
			continue;
		ok = ld_feature_probe(f, why, sizeof(why)) == 0;
		if (!json) {
			printf("%-*s  %-6s  %s\n", width, ld_feature_name(f), ok ? "yes" : "no", why);
			fflush(stdout);
			continue;
		}
		ld_json__key(&j, ld_feature_name(f));
		ld_json__begin_object(&j);
		ld_json__kstr(&j, "name", ld_feature_name(f));
		ld_json__kbool(&j, "available", ok);
		ld_json__kstr(&j, "reason", ok ? "" : why);
		ld_json__kstr(&j, "detail", ok ? why : "");
		ld_json__end_object(&j);
	}
	if (json) {
		ld_json__end_object(&j);
		if (ld_json__end(&j)) {
			ld_err("features: writing the JSON output failed");
			return 1;
		}
	}
	return 0;
}
