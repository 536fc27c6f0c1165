/* SPDX-License-Identifier: MIT */
/*
 * record --upload: a thread that sends the output directory's dumps,
 * group manifests and journals to an S3 bucket (docs/fleet.md).  It never
 * holds up a capture: the event loop only starts and stops it.  Finished
 * files are found in the directory itself (inotify, and a scan at start),
 * queued in the durable spool (spool.h), uploaded as whole objects to
 * deterministic keys, verified by HEAD (size and MD5 ETag) and only then
 * marked done (and, with --upload-delete, removed); failures retry with
 * capped exponential backoff.  A collector killed anywhere in this starts
 * again where the spool says: what is already in the bucket with the
 * right size and ETag is not sent again.
 */
#ifndef LD_FLEET_UPLOAD_H
#define LD_FLEET_UPLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fleet/s3.h"

#define LD_UPLOAD_PART_SIZE	(16ULL << 20)	/* --s3-part-size default */
#define LD_UPLOAD_PART_MIN	(1ULL << 20)	/* AWS and RGW want 5 MiB; RGW can be told less */
#define LD_UPLOAD_PART_S3	(5ULL << 20)	/* S3's minimum part (but the last) */
#define LD_UPLOAD_PART_MAX	(5ULL << 30)	/* S3's largest part */

struct ld_metrics;

struct ld_upload_opts {
	const char *outdir;
	const char *url;		/* s3://BUCKET[/PREFIX] */
	struct ld_s3_opts s3;
	uint64_t part_size;		/* 0: LD_UPLOAD_PART_SIZE */
	bool delete_after;		/* --upload-delete: remove what was verified */
	struct ld_metrics *metrics;	/* counted into; NULL: none */
	const char *host;		/* the keys' HOST; NULL: gethostname() */
	_Atomic uint64_t *freed;	/* bytes on disk removed (--upload-delete); NULL */
};

struct ld_upload;

/*
 * Checks the URL, opens the spool and the bucket, and asks the server once
 * (a GET of a key that need not exist): wrong credentials or a missing
 * bucket fail here, with the endpoint and the server's error code in the
 * message; an unreachable server only warns (the spool waits for it).
 * In the thread that will call the others, before any thread starts
 * (libcurl's and libxml2's global setup).  0 or -errno, said on stderr.
 */
int ld_upload__new(const struct ld_upload_opts *o, struct ld_upload **out);
/* The thread. */
int ld_upload__start(struct ld_upload *u);
/*
 * Stops the thread: what is queued gets up to @drain_ms more to go (and
 * the journals their last upload), then a transfer in flight is cut; the
 * spool keeps the rest for the next start.
 */
void ld_upload__stop(struct ld_upload *u, unsigned drain_ms);
void ld_upload__free(struct ld_upload *u);

/* "PREFIX/HOST/YYYY-MM-DD/NAME" (UTC date of @when; no "PREFIX/" if empty). */
int ld_upload_key(char *buf, size_t size, const char *prefix, const char *host,
		  const char *name, int64_t when);
/* "PREFIX/HOST/journal/NAME". */
int ld_upload_journal_key(char *buf, size_t size, const char *prefix, const char *host,
			  const char *name);
/* When a dump was taken, from its name (outdir.h: local time): seconds, or -1. */
int64_t ld_upload_name_time(const char *name);
/* @s as a key's HOST segment: '/' and unsafe bytes become '_'. */
void ld_upload_host(char *buf, size_t size, const char *s);

#endif
