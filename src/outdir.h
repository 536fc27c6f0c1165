/* SPDX-License-Identifier: MIT */
/* The output directory and the names of the dumps in it. */
#ifndef LIVEDUMP_OUTDIR_H
#define LIVEDUMP_OUTDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LD_DEFAULT_OUTDIR "/var/lib/livedump"

/* Creates @dir (and parents) with mode 0700; warns when others can read it. */
int ld_outdir_prepare(const char *dir);

/*
 * "20261121T093015.123-RULE-COMM-PID.core": what happened, sortable by time.
 * Unsafe characters of rule and comm become '_'.  A name is never reused:
 * @seq > 0 adds "-SEQ" before ".core".
 */
void ld_dump_name(char *buf, size_t size, uint64_t realtime_ns, const char *rule,
		  const char *comm, pid_t pid, unsigned seq);

#endif
