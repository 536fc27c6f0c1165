/* SPDX-License-Identifier: MIT */
/*
 * The upload spool, OUTDIR/.spool (docs/fleet.md, "The spool"): one small
 * file per file of the output directory waiting for its upload
 * (.spool/NAME), and one per file uploaded and verified
 * (.spool/done/NAME), each written whole to a temporary name, fsync'ed,
 * renamed into place and its directory fsync'ed, so that what it says
 * survives a crash of the collector or of the host.  One collector at a
 * time uses a spool (an flock on the directory).
 */
#ifndef LD_FLEET_SPOOL_H
#define LD_FLEET_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump/outdir.h"

#define LD_SPOOL_DIR	LD_OUTDIR_SPOOL

/* What one file says. */
struct ld_spool_entry {
	char key[1024];		/* the object's key in the bucket */
	uint64_t size;		/* bytes: queued (an entry) or uploaded (done) */
	uint64_t part_size;	/* of the upload: the ETag depends on it */
	int64_t queued;		/* when it was queued, seconds since the epoch */
	char etag[80];		/* done: the ETag verified */
};

struct ld_spool;

/*
 * Opens (creating, 0700) OUTDIR/.spool and .spool/done, takes the lock
 * (-EBUSY: another collector holds it) and removes the temporary files a
 * killed writer left.  0 or -errno, with @why filled.
 */
int ld_spool__open(const char *outdir, struct ld_spool **out, char *why, size_t whylen);
void ld_spool__free(struct ld_spool *s);

/* Queues NAME (durably); replaces an entry already there. */
int ld_spool__add(struct ld_spool *s, const char *name, const struct ld_spool_entry *e);
/* The entry of NAME: 0, -ENOENT, or -EBADMSG (a file that is not one of ours). */
int ld_spool__get(struct ld_spool *s, const char *name, struct ld_spool_entry *e);
/* The names queued, sorted (oldest dumps first): *names malloc'ed, each too. */
int ld_spool__list(struct ld_spool *s, char ***names, size_t *n);
void ld_spool__list_free(char **names, size_t n);
/* NAME uploaded and verified: its done record written, then its entry removed. */
int ld_spool__done(struct ld_spool *s, const char *name, const struct ld_spool_entry *e);
/* The done record of NAME: 0, -ENOENT, -EBADMSG. */
int ld_spool__done_get(struct ld_spool *s, const char *name, struct ld_spool_entry *e);
/* Removes NAME's entry (@done false) or its done record (@done true); 0 or -errno. */
int ld_spool__remove(struct ld_spool *s, const char *name, bool done);

/* The entry's text, and back: for the spool's files and its unit test. */
int ld_spool_entry_format(const struct ld_spool_entry *e, char *buf, size_t size);
int ld_spool_entry_parse(const char *text, size_t len, struct ld_spool_entry *e);

#endif
