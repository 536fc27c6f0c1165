// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/dumper.h"
#include "base/log.h"
#include "dump/outdir.h"

int ld_dump_process(pid_t pid, pid_t tid, const struct ld_capture_opts *opts,
		    const char *outdir, ld_admit_fn admit, void *ctx,
		    struct ld_dump_result *res)
{
	struct ld_capture *c;
	uint64_t size = 0;
	const char *why;
	char name[256];
	int err;

	memset(res, 0, sizeof(*res));
	err = ld_capture__new(pid, tid, opts, &c);
	if (err)
		return err;
	snprintf(res->comm, sizeof(res->comm), "%s", ld_capture__comm(c));
	if (ld_capture__trigger_gone(c)) {
		/* A dump of a later instant, for a call that has returned 0 already. */
		snprintf(res->declined, sizeof(res->declined),
			 "thread %d ran on past its trigger before it was held", tid);
		res->pause_ns = ld_capture__pause_ns(c);
		ld_capture__free(c);
		return 0;
	}
	if (admit && !ld_capture__size(c, &size) &&
	    admit(ctx, size, res->declined, sizeof(res->declined))) {
		res->pause_ns = ld_capture__pause_ns(c);
		ld_capture__finish(c, 0);	/* declined: the trigger returns 0 */
		ld_capture__free(c);
		return 0;
	}
	err = ld_capture__prepare(c);
	if (err) {
		res->pause_ns = ld_capture__pause_ns(c);
		ld_capture__finish(c, err);
		ld_capture__free(c);
		return err;
	}
	/* Mini dumps and snapshots let the process run before the file is written. */
	if (!ld_capture__needs_frozen(c))
		ld_capture__resume(c);
	ld_dump_name(name, sizeof(name), opts->issue_time_ns ? opts->issue_time_ns
							     : ld_now_realtime_ns(),
		     opts->rule, res->comm, pid, 0);
	err = ld_capture__write(c, outdir, name, &res->path, &res->stats);
	ld_capture__resume(c);
	res->pause_ns = ld_capture__pause_ns(c);
	res->nthreads = ld_capture__nthreads(c);
	res->snapshot = ld_capture__snapshot(c, &why);
	if (why)
		snprintf(res->no_snapshot, sizeof(res->no_snapshot), "%s", why);
	res->nregions = ld_capture__nregions(c);
	ld_capture__finish(c, err ? err : 1);
	ld_capture__free(c);
	return err;
}

void ld_dump_result__print(const struct ld_dump_result *r)
{
	char z[64] = "";

	if (r->stats.core_size && r->stats.core_size != r->stats.file_size)
		snprintf(z, sizeof(z), ", compressed from %.1f KiB", r->stats.core_size / 1024.0);
	printf("dump: %s (%.1f KiB%s, %zu threads, %zu regions, paused %.3f ms%s%s%s)\n", r->path,
	       r->stats.file_size / 1024.0, z, r->nthreads, r->nregions, r->pause_ns / 1e6,
	       r->stats.nunreadable ? ", some pages unreadable" : "",
	       r->snapshot ? ", snapshot" : r->no_snapshot[0] ? ", no snapshot: " : "",
	       r->snapshot ? "" : r->no_snapshot);
	fflush(stdout);
}
