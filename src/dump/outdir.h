/* SPDX-License-Identifier: MIT */
/* The output directory and the names of the dumps in it. */
#ifndef LIVEDUMP_OUTDIR_H
#define LIVEDUMP_OUTDIR_H

#include <stdbool.h>
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

/*
 * Temporary files.  Where the filesystem has no O_TMPFILE, a dump (or a
 * spool file) NAME is written as the hidden ".NAME.WRITERPID.tmp", which
 * its writer holds an exclusive flock() on from before its first byte to
 * its last: a writer killed mid-write loses the lock with its life, and
 * its file is then stale.  The pid only names the writer in messages (a
 * writer in another pid namespace, or a reused pid, changes nothing).
 */
int ld_tmp_name(char *buf, size_t size, const char *name, pid_t writer);

struct ld_tmpfile {
	const char *name;	/* in the directory */
	pid_t writer;		/* from the name; 0 for the ".NAME.tmp" of older versions */
	uint64_t bytes;		/* on disk (allocated blocks) */
	uint64_t age_ns;	/* since its last write */
	bool stale;		/* nobody writes it any more */
	int removed;		/* stale and removed: 1; removing failed: -errno; else 0 */
};

/*
 * Looks at every temporary file of ours in the output directory @dirfd
 * (regular, owned by us, named as above); with @remove, the stale ones
 * are unlinked.  @fn (may be NULL) is told of each.  *@kept (may be NULL)
 * gets the bytes of those left on disk, being written or not removed.
 * 0 or -errno (the directory cannot be read).
 */
int ld_tmp_scan(int dirfd, bool remove, void (*fn)(void *ctx, const struct ld_tmpfile *t),
		void *ctx, uint64_t *kept);

/* Whether a directory entry is a finished dump: "NAME.core", not hidden. */
bool ld_is_dump_name(const char *name);

/* The upload spool's folder in the output directory (fleet/spool.h). */
#define LD_OUTDIR_SPOOL ".spool"

/*
 * Bytes on disk of the finished dumps in @dirfd and of the upload spool's
 * files (what --max-use counts, with ld_tmp_scan's).
 */
uint64_t ld_outdir_dumps_bytes(int dirfd);

#endif
