/* SPDX-License-Identifier: MIT */
/*
 * The dump writer: lays out an ELF core (see dumpfmt.h) and emits it as
 * typed writes to a sink, in increasing offset order.
 */
#ifndef LIVEDUMP_DUMP_WRITER_H
#define LIVEDUMP_DUMP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dump/dumpfmt.h"

/* --- note builder ------------------------------------------------------ */

struct ld_notes {
	unsigned char *buf;
	size_t len, cap;
	int err;		/* first allocation error, reported by the writer */
};

/* Append one note; desc is the concatenation of (a, alen) and (b, blen). */
void ld_notes__add(struct ld_notes *n, const char *owner, uint32_t type,
		   const void *a, size_t alen, const void *b, size_t blen);
/* Appends the notes of @more (built by another ld_notes). */
void ld_notes__append(struct ld_notes *n, const struct ld_notes *more);
void ld_notes__free(struct ld_notes *n);

/* --- sinks ------------------------------------------------------------- */

/* What a write carries (KBUGCHECK_DUMP_IO's types). */
enum ld_write_kind {
	LD_WR_HEADER,		/* ELF header and program headers */
	LD_WR_SECONDARY,	/* metadata notes */
	LD_WR_BODY,		/* memory */
	LD_WR_COMPLETE,		/* the trailer: the dump is whole */
};

struct ld_sink;
struct ld_sink_ops {
	/*
	 * off is where buf goes.  Offsets only grow; a gap between two writes
	 * reads as zeros (a sequential sink writes the zeros itself): the
	 * writer leaves out pages that are all zero, so a file gets holes.
	 */
	int (*write)(struct ld_sink *s, enum ld_write_kind kind, uint64_t off,
		     const void *buf, size_t len);
	/* Make the written dump durable and visible.  0 or -errno. */
	int (*commit)(struct ld_sink *s);
	/* Throw away everything written; also frees the sink. */
	void (*abort)(struct ld_sink *s);
	void (*free)(struct ld_sink *s);
};
struct ld_sink {
	const struct ld_sink_ops *ops;
};

/*
 * A file NAME (mode 0600) in the output directory @dir, which must pass
 * ld_outdir_open()'s checks (checked again for every file: a directory
 * made unsafe meanwhile is refused).  Written unnamed (O_TMPFILE), or as
 * ".NAME.PID.tmp" (locked while written: outdir.h) where the filesystem
 * lacks it, fsynced and linked to NAME on
 * commit — never over an existing file: NAME-2, NAME-3...  Abort leaves
 * nothing.  Returns NULL and sets errno.
 */
struct ld_sink *ld_file_sink__new(const char *dir, const char *name);
/*
 * The same in a directory a user named for one file (export -o FILE): a
 * link to the directory is followed and no ownership is required, as the
 * user asked for that place.
 */
struct ld_sink *ld_file_sink__new_user(const char *dir, const char *name);
/* Final path of a file sink. */
const char *ld_file_sink__path(const struct ld_sink *s);
/* Its descriptor, open for reading and writing (to read back a spooled dump). */
int ld_file_sink__fd(const struct ld_sink *s);

/* --- the writer -------------------------------------------------------- */

/* A PT_LOAD segment. */
struct ld_seg {
	uint64_t vaddr;
	uint64_t len;
	uint32_t prot;		/* PF_R | PF_W | PF_X */
	const void *data;	/* the bytes, or NULL to read them from the source */
	unsigned prio;		/* for the capture's size limit; the writer ignores it */
};

/*
 * Reads target memory for segments without data.  Returns the number of
 * bytes read (fewer than len means the byte at addr+ret is unreadable) or
 * a negative errno when nothing could be read.
 */
struct ld_mem_source {
	long (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/*
	 * Optional: the length (at most len, 0 if unknown) of the run of
	 * pages at addr that are all known to read as zero without reading
	 * them (never-touched anonymous memory: *empty set), or all to be
	 * read (*empty clear).  addr is page aligned.
	 */
	uint64_t (*probe)(void *ctx, uint64_t addr, uint64_t len, bool *empty);
	void *ctx;
};

struct ld_dump_desc {
	const struct ld_notes *notes;	/* metadata notes, in order */
	const struct ld_seg *segs;
	size_t nsegs;
	const struct ld_mem_source *src;
	/* Unreadable ranges already found while buffering segment data. */
	const struct ld_range *unreadable;
	size_t nunreadable;
};

struct ld_write_stats {
	uint64_t file_size;		/* bytes of the file (compressed: after compression) */
	uint64_t core_size;		/* bytes of the plain core */
	uint64_t memory_bytes;
	uint64_t unreadable_bytes;
	unsigned nunreadable;
	uint64_t hole_bytes;		/* zero pages left as holes (not written) */
};

/* Size of the file ld_dump_write() would produce. */
uint64_t ld_dump_size(const struct ld_dump_desc *d);

/* 0, or a negative errno from the sink or the note builder. */
int ld_dump_write(const struct ld_dump_desc *d, struct ld_sink *sink,
		  struct ld_write_stats *stats);

#endif /* LIVEDUMP_DUMP_WRITER_H */
