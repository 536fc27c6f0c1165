/* SPDX-License-Identifier: MIT */
/* One dump of one process: capture, resume, write, answer, release. */
#ifndef LIVEDUMP_DUMPER_H
#define LIVEDUMP_DUMPER_H

#include "capture.h"

struct ld_dump_result {
	char *path;			/* malloc'ed; NULL on failure */
	struct ld_write_stats stats;
	uint64_t pause_ns;
	size_t nthreads, nregions;
	char comm[16];
};

/*
 * Mini dumps let the process run before the file is written (the
 * triggering thread waits for its answer); full dumps are written while
 * the process is still frozen.  0 or -errno; the process runs again on
 * every path.
 */
int ld_dump_process(pid_t pid, pid_t tid, const struct ld_capture_opts *opts,
		    const char *outdir, struct ld_dump_result *res);

/* "dump: PATH (SIZE, N threads, M regions, paused X ms)" on stdout. */
void ld_dump_result__print(const struct ld_dump_result *res);

#endif
