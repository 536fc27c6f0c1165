/* SPDX-License-Identifier: MIT */
/*
 * livedump client library: register the memory that matters and ask a
 * watching collector for a live dump of this process.
 *
 * Every function is lock-free and async-signal-safe: call it from any
 * thread or from a signal handler.  When no collector watches the process
 * they cost a few atomic operations and never block.
 */
#ifndef LIVEDUMP_H
#define LIVEDUMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Capacity of the region registry (slots shared by all threads). */
#define LIVEDUMP_MAX_REGIONS	256
/* Region names longer than this (including the NUL) are truncated. */
#define LIVEDUMP_NAME_MAX	32
/* Largest region the collector will read; larger ones are refused (-E2BIG). */
#define LIVEDUMP_MAX_REGION_LEN	(256ULL << 20)

/* Secondary data attached to one trigger. */
#define LIVEDUMP_MAX_BLOBS	16
#define LIVEDUMP_MAX_BLOB_LEN	(1U << 20)	/* bytes per blob */
#define LIVEDUMP_TAG_MAX	32		/* tag length incl. NUL */

struct livedump_blob {
	const char *tag;	/* short name, 1..LIVEDUMP_TAG_MAX-1 chars */
	const void *data;
	size_t len;		/* <= LIVEDUMP_MAX_BLOB_LEN */
};

/*
 * Add [addr, addr+len) under @name to every future dump of this process.
 * Returns 0, -EINVAL (NULL addr, len 0, bad name), -E2BIG (len too large),
 * -EEXIST (addr already registered) or -ENOSPC (table full).
 */
int livedump_region_add(const void *addr, size_t len, const char *name);

/* Remove the region starting at @addr.  Returns 0 or -ENOENT. */
int livedump_region_remove(const void *addr);

/*
 * Ask for a live dump now.  The calling thread is frozen inside this call
 * until the collector has written the dump.
 * Returns 1 when a dump was written, 0 at once when no collector watches
 * this process (or its rules declined), -EINVAL / -E2BIG for bad
 * arguments, or the collector's negative errno when the capture failed.
 */
int livedump_trigger(uint32_t code, uint64_t param,
		     const struct livedump_blob *blobs, unsigned nblobs);

/* Number of regions currently registered (for diagnostics). */
int livedump_region_count(void);

#ifdef __cplusplus
}
#endif
#endif /* LIVEDUMP_H */
