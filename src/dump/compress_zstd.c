// SPDX-License-Identifier: MIT
/*
 * zstd compressed dumps (the default): each block a skippable frame
 * holding the common header fields (compress.h) followed by one zstd
 * frame with its content size and checksum, so concatenated members are
 * one zstd stream (`zstd -dc` skips the skippable frames).  Member layout:
 *    0  5e 2a 4d 18      skippable frame magic 0x184D2A5E
 *    4  24 (4)           bytes of the skippable frame that follow
 *    8  'L' 'D' 'Z' 'S'  ours
 *   12  0 (4)            reserved, zero
 *   16  offset, usize, msize (compress.h)
 *   32  one zstd frame: content size usize, XXH64 checksum
 * Blocks are compressed on the sink's worker threads, one block per job,
 * rather than with ZSTD_c_nbWorkers: that splits one frame into jobs and
 * the frame would no longer be one block a reader can find on its own.
 * Also reads any zstd stream (a dump someone compressed with zstd).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "dump/compress_ops.h"

static const unsigned char fixed[16] = {
	0x5e, 0x2a, 0x4d, 0x18, 24, 0, 0, 0, 'L', 'D', 'Z', 'S', 0, 0, 0, 0,
};

static bool zstd_is_stream(const unsigned char *head, size_t len)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

	return len >= 4 && !memcmp(head, magic, 4);
}

static bool zstd_is_ours(const unsigned char *head, size_t len)
{
	return len >= LD_Z_HDR && !memcmp(head, fixed, sizeof(fixed));
}

static void zstd_header(unsigned char h[16])
{
	memcpy(h, fixed, sizeof(fixed));
}

static size_t zstd_bound(size_t ulen)
{
	return ZSTD_compressBound(ulen);
}

static void *zstd_cctx_new(int level)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();

	if (!c ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1))) {
		ZSTD_freeCCtx(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

static void zstd_cctx_free(void *cctx)
{
	ZSTD_freeCCtx(cctx);
}

static int zstd_compress(void *cctx, const unsigned char *in, uint32_t ulen, unsigned char *out,
			 size_t cap, size_t *olen)
{
	size_t n = ZSTD_compress2(cctx, out, cap, in, ulen);

	if (ZSTD_isError(n))
		return ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall ? -ENOBUFS : -EINVAL;
	*olen = n;
	return 0;
}

static void *zstd_dctx_new(void)
{
	return ZSTD_createDCtx();
}

static void zstd_dctx_free(void *dctx)
{
	ZSTD_freeDCtx(dctx);
}

static int zstd_decompress(void *dctx, const unsigned char *data, size_t dlen,
			   unsigned char *out, uint32_t usize, char *why, size_t whylen)
{
	unsigned long long csize = ZSTD_getFrameContentSize(data, dlen);
	size_t flen = ZSTD_findFrameCompressedSize(data, dlen), n;

	/* Exactly one frame of exactly the block: nothing else hides in a member. */
	if (ZSTD_isError(flen) || flen != dlen || !zstd_is_stream(data, dlen))
		return ld_z_fail(why, whylen, -EBADMSG, "not one zstd frame");
	if (csize != usize)
		return ld_z_fail(why, whylen, -EBADMSG, "the zstd frame holds %s, the block %u bytes",
				 csize == ZSTD_CONTENTSIZE_UNKNOWN ? "an unknown size" :
				 csize == ZSTD_CONTENTSIZE_ERROR ? "a bad size" : "another size",
				 usize);
	n = ZSTD_decompressDCtx(dctx, out, usize, data, dlen);
	if (ZSTD_isError(n))
		return ld_z_fail(why, whylen, -EBADMSG, "%s", ZSTD_getErrorName(n));
	if (n != usize)
		return ld_z_fail(why, whylen, -EBADMSG, "the data does not fill the block");
	return 0;
}

static int zstd_decompress_all(int fd, int mfd, uint64_t *size, bool *cut, char *err,
			       size_t errlen)
{
	size_t icap = ZSTD_DStreamInSize(), ocap = ZSTD_DStreamOutSize(), last = 0;
	unsigned char *in = malloc(icap), *out = malloc(ocap);
	ZSTD_DCtx *d = ZSTD_createDCtx();
	uint64_t total = 0, pos = 0;
	int ret = 0;

	if (!in || !out || !d) {
		ret = ld_z_fail(err, errlen, -ENOMEM, "out of memory decompressing");
		goto out;
	}
	for (;;) {
		ssize_t n = pread(fd, in, icap, pos);
		ZSTD_inBuffer ib = { in, n > 0 ? (size_t)n : 0, 0 };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = ld_z_fail(err, errlen, -errno, "%s", strerror(errno));
			break;
		}
		if (!n) {
			/* Not 0: the decoder still waits for the rest of a frame. */
			*cut = last != 0;
			break;
		}
		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = { out, ocap, 0 };
			ssize_t w;

			last = ZSTD_decompressStream(d, &ob, &ib);
			if (ZSTD_isError(last)) {
				ret = ld_z_fail(err, errlen, -EBADMSG, "zstd data damaged near "
						"compressed offset %llu: %s",
						(unsigned long long)(pos + ib.pos),
						ZSTD_getErrorName(last));
				break;
			}
			if (!ob.pos)
				continue;
			w = pwrite(mfd, out, ob.pos, total);
			/* A short write sets no errno: do not report a stale one. */
			if (w != (ssize_t)ob.pos) {
				ret = ld_z_fail(err, errlen, w < 0 ? -errno : -ENOSPC,
						"out of memory decompressing");
				break;
			}
			total += ob.pos;
		}
		if (ret)
			break;
		pos += n;
	}
	if (!ret)
		*size = total;
out:
	ZSTD_freeDCtx(d);
	free(in);
	free(out);
	return ret;
}

const struct ld_compress_ops ld_compress_zstd_ops = {
	.name = "zstd",
	.stream_label = "zstd",
	.blocks_label = "zstd blocks",
	.min_level = 1, .max_level = 19, .default_level = 1,
	.is_stream = zstd_is_stream,
	.is_ours = zstd_is_ours,
	.header = zstd_header,
	.bound = zstd_bound,
	.cctx_new = zstd_cctx_new,
	.cctx_free = zstd_cctx_free,
	.compress = zstd_compress,
	.dctx_new = zstd_dctx_new,
	.dctx_free = zstd_dctx_free,
	.decompress = zstd_decompress,
	.decompress_all = zstd_decompress_all,
};
