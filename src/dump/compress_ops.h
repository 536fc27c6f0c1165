/* SPDX-License-Identifier: MIT */
/*
 * One compression kind of compressed dumps (compress.h): how it writes
 * and checks a member's header, compresses and decompresses one block,
 * and decompresses a foreign stream of its kind.  One file per kind
 * (compress_zstd.c, compress_zlib.c); the table in compress.c.
 */
#ifndef LIVEDUMP_COMPRESS_OPS_H
#define LIVEDUMP_COMPRESS_OPS_H

#include "dump/compress.h"

struct ld_compress_ops {
	const char *name;		/* the option's word */
	const char *stream_label;	/* a foreign stream, for inspect */
	const char *blocks_label;	/* livedump's container */
	int min_level, max_level, default_level;

	/* Any stream of this kind, and livedump's container of it. */
	bool (*is_stream)(const unsigned char *head, size_t len);
	bool (*is_ours)(const unsigned char *head, size_t len);
	/* The kind's first 16 bytes of a member's header (compress.h). */
	void (*header)(unsigned char h[16]);

	/* Upper bound of the data after the header for a block of ulen bytes. */
	size_t (*bound)(size_t ulen);
	/* One per worker thread; NULL and errno on failure. */
	void *(*cctx_new)(int level);
	void (*cctx_free)(void *cctx);
	/* A block's data (what follows the header): 0 or -errno. */
	int (*compress)(void *cctx, const unsigned char *in, uint32_t ulen, unsigned char *out,
			size_t cap, size_t *olen);

	void *(*dctx_new)(void);
	void (*dctx_free)(void *dctx);
	/*
	 * A member's data (dlen bytes) back into exactly usize bytes, checked
	 * against the member's own checksum: 0, or -EBADMSG with why.
	 */
	int (*decompress)(void *dctx, const unsigned char *data, size_t dlen, unsigned char *out,
			  uint32_t usize, char *why, size_t whylen);

	/* The whole stream of @fd into @mfd: *size, *cut; 0 or -errno with err. */
	int (*decompress_all)(int fd, int mfd, uint64_t *size, bool *cut, char *err,
			      size_t errlen);
};

extern const struct ld_compress_ops ld_compress_zstd_ops;
extern const struct ld_compress_ops ld_compress_zlib_ops;

/* The kind's ops, NULL for NONE or out of range. */
const struct ld_compress_ops *ld_compress_ops(enum ld_compress_kind kind);

/* Shared by the kinds. */
int ld_z_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
