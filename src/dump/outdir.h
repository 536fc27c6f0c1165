/* SPDX-License-Identifier: MIT */
/* The output directory and the names of the dumps in it. */
#ifndef LIVEDUMP_OUTDIR_H
#define LIVEDUMP_OUTDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LD_DEFAULT_OUTDIR "/var/lib/livedump"

/*
 * Creates @dir (and parents) with mode 0700 if missing, then checks it as
 * ld_outdir_open() does; warns when others can read it.  0 or -errno.
 */
int ld_outdir_prepare(const char *dir);

/*
 * Opens the output directory @dir, for creating files in it with openat().
 * Refused (with a message naming the path, owner and mode): a symlink
 * (-ELOOP), not a directory (-ENOTDIR), owned by another user than the
 * effective one, writable by others (0777 and 1777 alike), or writable by
 * a group other than ours (-EPERM).  docs/safety.md explains why.
 * Returns the descriptor (O_CLOEXEC) or -errno.
 */
int ld_outdir_open(const char *dir);

/*
 * "20261121T093015.123-RULE-COMM-PID.core": what happened, sortable by time.
 * Unsafe characters of rule and comm become '_'.  A name is never reused:
 * @seq > 0 adds "-SEQ" before ".core".
 */
void ld_dump_name(char *buf, size_t size, uint64_t realtime_ns, const char *rule,
		  const char *comm, pid_t pid, unsigned seq);

#endif
