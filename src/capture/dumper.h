/* SPDX-License-Identifier: MIT */
/* One dump of one process: capture, resume, write, answer, release. */
#ifndef LIVEDUMP_DUMPER_H
#define LIVEDUMP_DUMPER_H

#include "capture/capture.h"

struct ld_dump_result {
	char *path;			/* malloc'ed; NULL on failure or when declined */
	char declined[128];		/* why the admit callback refused the dump */
	struct ld_write_stats stats;
	uint64_t pause_ns;
	size_t nthreads, nregions;
	char comm[16];
	bool snapshot;			/* memory read from a snapshot */
	char no_snapshot[96];		/* a snapshot was wanted: why there was none */
	bool printed;			/* ld_dump_result__print() was called already */
};

/*
 * Mini dumps let the process run before the file is written (the
 * triggering thread waits for its answer); full dumps are written while
 * the process is still frozen.  0 (also when declined: res->declined) or
 * -errno; the process runs again on every path.
 */
/*
 * Asked once the capture's size is known, before anything is written:
 * returns 0 to write the dump, or fills @why (a limit's name) to decline.
 */
typedef int (*ld_admit_fn)(void *ctx, uint64_t size, char *why, size_t len);

int ld_dump_process(pid_t pid, pid_t tid, const struct ld_capture_opts *opts,
		    const char *outdir, ld_admit_fn admit, void *ctx,
		    struct ld_dump_result *res);

/* "dump: PATH (SIZE, N threads, M regions, paused X ms)" on stdout. */
void ld_dump_result__print(const struct ld_dump_result *res);

#endif
