/* SPDX-License-Identifier: MIT */
/*
 * Compressed dumps: the plain core cut into 1 MiB blocks, each block one
 * member that says where it belongs, so a reader finds any block by
 * hopping from member to member and reads a compressed dump in place
 * (docs/dump-format.md, "Compressed dumps").  The members of a kind
 * concatenate into one valid stream of that kind's tool: `zstd -dc DUMP`
 * or `gzip -dc DUMP` gives the plain core.
 *
 * Every member starts with a 32-byte header whose last 16 bytes are the
 * same for every kind (all little-endian):
 *    0  16 bytes         the kind's own (compress_ops.h)
 *   16  offset (8)       where the block starts in the plain core
 *   24  usize (4)        bytes of plain core in the block
 *   28  msize (4)        bytes of this whole member, header included
 *
 * The kinds are a table of ops (compress_ops.h), one file per kind:
 * compress_zstd.c, compress_zlib.c.
 */
#ifndef LIVEDUMP_COMPRESS_H
#define LIVEDUMP_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dump/dump_writer.h"

#define LD_Z_BLOCK		(1U << 20)	/* plain bytes per member */
#define LD_Z_HDR		32		/* bytes of a member before its data */
#define LD_Z_MAX_USIZE		(16U << 20)	/* readers refuse bigger blocks */

enum ld_compress_kind {
	LD_COMPRESS_NONE = 0,		/* a plain core */
	LD_COMPRESS_ZSTD,
	LD_COMPRESS_ZLIB,
	LD_COMPRESS__COUNT,
};

#define LD_COMPRESS_DEFAULT_KIND	LD_COMPRESS_ZSTD

/* What to compress with: kind NONE is a plain dump; level 0 is the kind's default. */
struct ld_compress {
	enum ld_compress_kind kind;
	int level;
};

/* One word for rules (struct ld_rule's capture.compress): 0 is a plain dump. */
static inline uint32_t ld_compress_pack(const struct ld_compress *c)
{
	return (uint32_t)c->kind | (uint32_t)c->level << 8;
}

static inline struct ld_compress ld_compress_unpack(uint32_t v)
{
	return (struct ld_compress){ (enum ld_compress_kind)(v & 0xff), (int)(v >> 8) };
}

/* "zstd", "zlib" (the option's words), NULL for NONE or out of range. */
const char *ld_compress_name(enum ld_compress_kind kind);
/*
 * Parses a compression spec: KIND, KIND:LEVEL or LEVEL (of the default
 * kind), KIND one of ld_compress_name()'s.  0, or -EINVAL with a message
 * in err naming what was expected.
 */
int ld_compress_parse(const char *s, struct ld_compress *out, char *err, size_t errlen);
/* The spec as ld_compress_parse() reads it back ("zstd", "zlib:6"). */
void ld_compress_format(const struct ld_compress *c, char *buf, size_t len);

/*
 * A sink that compresses what is written to it into @inner, on worker
 * threads (at most @threads; 0 = one per CPU up to 4), one block per job,
 * so the caller only pays for copying.  Takes ownership of @inner: commit
 * commits it, abort aborts it.  NULL and errno on failure (then @inner is
 * still the caller's).
 */
struct ld_sink *ld_compress_sink__new(struct ld_sink *inner, const struct ld_compress *how,
				      unsigned threads);
/* Bytes written to the inner sink so far. */
uint64_t ld_compress_sink__out_bytes(const struct ld_sink *s);

/*
 * What a file that starts with these bytes is: *kind the compression
 * (NONE: not compressed, or not by a kind we know), *ours whether it is
 * livedump's container (read in place) or any other stream of that kind
 * (decompressed whole).
 */
void ld_compress_detect(const unsigned char *head, size_t len, enum ld_compress_kind *kind,
			bool *ours);
/* What inspect calls the container or the stream: "zstd blocks", "gzip". */
const char *ld_compress_label(enum ld_compress_kind kind, bool ours);

/* Random access to a compressed dump. */
struct ld_compress_reader;

/*
 * Indexes the members of the file @fd (@file_size bytes) compressed with
 * @kind.  A member cut by the end of the file ends the plain core there
 * (*cut set when not NULL).  0, or -EBADMSG with a message in err for
 * damage, -errno.
 */
int ld_compress_reader__open(int fd, uint64_t file_size, enum ld_compress_kind kind,
			     struct ld_compress_reader **out, bool *cut, char *err,
			     size_t errlen);
void ld_compress_reader__free(struct ld_compress_reader *r);
/* Size of the plain core. */
uint64_t ld_compress_reader__size(const struct ld_compress_reader *r);
/*
 * Reads plain bytes [off, off+len): 0, -ENODATA past the end, -EBADMSG
 * with a message for a damaged member, -errno.
 */
int ld_compress_reader__pread(struct ld_compress_reader *r, void *buf, size_t len,
			      uint64_t off, char *err, size_t errlen);

/*
 * Any stream of @kind (a dump someone compressed): decompresses all of it
 * into an anonymous memory file.  Returns its descriptor, *size its
 * length and *cut whether the stream ended early; -errno on failure.
 */
int ld_decompress_all(enum ld_compress_kind kind, int fd, uint64_t *size, bool *cut, char *err,
		      size_t errlen);

/* Copies the plain file @fd (@size bytes, holes skipped) into @sink. */
int ld_copy_to_sink(int fd, uint64_t size, struct ld_sink *sink);

#endif
