/* SPDX-License-Identifier: MIT */
/*
 * Compressed dumps: the plain core cut into 1 MiB blocks, each block a
 * gzip member (RFC 1952) whose extra field says where the block belongs.
 * Concatenated members are one valid gzip file, so `gzip -dc DUMP`
 * gives the plain core; the extra field lets a reader find any block by
 * hopping from member to member, so livedump's reader reads a compressed
 * dump in place (docs/dump-format.md, "Compressed dumps").
 *
 * Member layout (all little-endian):
 *    0  1f 8b 08 04      gzip magic, deflate, FLG = FEXTRA
 *    4  00 00 00 00      MTIME
 *    8  00 03            XFL, OS = Unix
 *   10  XLEN = 20
 *   12  'L' 'D' 16 0     subfield "LD", 16 bytes:
 *   16  offset (8)       where the block starts in the plain core
 *   24  usize (4)        bytes of plain core in the block
 *   28  msize (4)        bytes of this whole member
 *   32  raw deflate data
 *   msize-8  CRC32 of the block, msize-4 ISIZE (= usize)
 */
#ifndef LIVEDUMP_COMPRESS_H
#define LIVEDUMP_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dump/dump_writer.h"

#define LD_GZ_BLOCK		(1U << 20)	/* plain bytes per member */
#define LD_GZ_HDR		32		/* bytes of a member before its data */
#define LD_GZ_MAX_USIZE		(16U << 20)	/* readers refuse bigger blocks */

/*
 * A sink that compresses what is written to it into @inner, on worker
 * threads (at most @threads; 0 = one per CPU up to 4), so the caller only
 * pays for copying.  Takes ownership of @inner: commit commits it, abort
 * aborts it.  @level is zlib's 1..9.  NULL and errno on failure (then
 * @inner is still the caller's).
 */
struct ld_sink *ld_gz_sink__new(struct ld_sink *inner, int level, unsigned threads);
/* Bytes written to the inner sink so far. */
uint64_t ld_gz_sink__out_bytes(const struct ld_sink *s);

/* Does a file that starts with these bytes look like gzip, and like ours? */
bool ld_gz_is_gzip(const unsigned char *head, size_t len);
bool ld_gz_is_livedump(const unsigned char *head, size_t len);

/* Random access to a compressed dump. */
struct ld_gz_reader;

/*
 * Indexes the members of the file @fd (@file_size bytes).  A member cut
 * by the end of the file ends the plain core there (*cut set when not
 * NULL).  0, or -EBADMSG with a message in err for damage, -errno.
 */
int ld_gz_reader__open(int fd, uint64_t file_size, struct ld_gz_reader **out, bool *cut,
		       char *err, size_t errlen);
void ld_gz_reader__free(struct ld_gz_reader *r);
/* Size of the plain core. */
uint64_t ld_gz_reader__size(const struct ld_gz_reader *r);
/*
 * Reads plain bytes [off, off+len): 0, -ENODATA past the end, -EBADMSG
 * with a message for a damaged member, -errno.
 */
int ld_gz_reader__pread(struct ld_gz_reader *r, void *buf, size_t len, uint64_t off,
			char *err, size_t errlen);

/*
 * Any gzip stream (a dump someone gzipped): decompresses all of it into
 * an anonymous memory file.  Returns its descriptor, *size its length and
 * *cut whether the stream ended early; -errno on failure.
 */
int ld_gz_inflate_all(int fd, uint64_t *size, bool *cut, char *err, size_t errlen);

/* Copies the plain file @fd (@size bytes, holes skipped) into @sink. */
int ld_copy_to_sink(int fd, uint64_t size, struct ld_sink *sink);

#endif
