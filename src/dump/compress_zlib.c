// SPDX-License-Identifier: MIT
/*
 * zlib compressed dumps: each block a gzip member (RFC 1952) whose extra
 * field "LD" holds the common header fields (compress.h), so
 * concatenated members are one gzip file.  Member layout:
 *    0  1f 8b 08 04      gzip magic, deflate, FLG = FEXTRA
 *    4  00 00 00 00      MTIME
 *    8  00 03            XFL, OS = Unix
 *   10  XLEN = 20
 *   12  'L' 'D' 16 0     subfield "LD", 16 bytes: offset, usize, msize
 *   32  raw deflate data
 *   msize-8  CRC32 of the block, msize-4 ISIZE (= usize)
 * Also reads any gzip stream (a dump someone gzipped).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "dump/compress_ops.h"

static const unsigned char fixed[16] = {
	0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 20, 0, 'L', 'D', 16, 0,
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool zlib_is_stream(const unsigned char *head, size_t len)
{
	return len >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8;
}

static bool zlib_is_ours(const unsigned char *head, size_t len)
{
	return len >= LD_Z_HDR && !memcmp(head, fixed, 4) && !memcmp(head + 10, fixed + 10, 6);
}

static void zlib_header(unsigned char h[16])
{
	memcpy(h, fixed, sizeof(fixed));
}

static size_t zlib_bound(size_t ulen)
{
	/* deflateBound() with the default memLevel and windowBits, plus the trailer. */
	return compressBound(ulen) + 64 + 8;
}

static void *zlib_cctx_new(int level)
{
	z_stream *z = calloc(1, sizeof(*z));

	if (z && deflateInit2(z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		z = NULL;
	}
	if (!z)
		errno = ENOMEM;
	return z;
}

static void zlib_cctx_free(void *cctx)
{
	deflateEnd(cctx);
	free(cctx);
}

static int zlib_compress(void *cctx, const unsigned char *in, uint32_t ulen, unsigned char *out,
			 size_t cap, size_t *olen)
{
	z_stream *z = cctx;
	size_t n;

	if (cap < 8 || deflateReset(z) != Z_OK)
		return -EINVAL;
	z->next_in = (unsigned char *)in;
	z->avail_in = ulen;
	z->next_out = out;
	z->avail_out = cap - 8;
	if (deflate(z, Z_FINISH) != Z_STREAM_END)
		return -ENOBUFS;
	n = cap - 8 - z->avail_out;
	put32(out + n, crc32(0, in, ulen));
	put32(out + n + 4, ulen);
	*olen = n + 8;
	return 0;
}

static void *zlib_dctx_new(void)
{
	z_stream *z = calloc(1, sizeof(*z));

	if (z && inflateInit2(z, -15) != Z_OK) {
		free(z);
		z = NULL;
	}
	return z;
}

static void zlib_dctx_free(void *dctx)
{
	inflateEnd(dctx);
	free(dctx);
}

static int zlib_decompress(void *dctx, const unsigned char *data, size_t dlen,
			   unsigned char *out, uint32_t usize, char *why, size_t whylen)
{
	z_stream *z = dctx;
	int zr;

	if (dlen < 8)
		return ld_z_fail(why, whylen, -EBADMSG, "member shorter than its trailer");
	inflateReset(z);
	z->next_in = (unsigned char *)data;
	z->avail_in = dlen - 8;
	z->next_out = out;
	z->avail_out = usize;
	zr = inflate(z, Z_FINISH);
	if (zr != Z_STREAM_END || z->avail_out || z->avail_in)
		return ld_z_fail(why, whylen, -EBADMSG, "%s",
				 zr != Z_STREAM_END ? (z->msg ? z->msg : "bad deflate data")
						    : "the data does not fill the block");
	if (get32(data + dlen - 8) != crc32(0, out, usize) || get32(data + dlen - 4) != usize)
		return ld_z_fail(why, whylen, -EBADMSG, "checksum mismatch");
	return 0;
}

static int zlib_decompress_all(int fd, int mfd, uint64_t *size, bool *cut, char *err,
			       size_t errlen)
{
	unsigned char in[1 << 16], out[1 << 16];
	z_stream z = { 0 };
	uint64_t total = 0, pos = 0;
	int zr = Z_OK, ret = 0;

	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	for (;;) {
		ssize_t n = pread(fd, in, sizeof(in), pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = ld_z_fail(err, errlen, -errno, "%s", strerror(errno));
			break;
		}
		if (!n) {
			*cut = zr != Z_STREAM_END;
			break;
		}
		pos += n;
		z.next_in = in;
		z.avail_in = n;
		while (z.avail_in && !ret) {
			if (zr == Z_STREAM_END) {
				/* Another member follows. */
				inflateReset(&z);
			}
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				ret = ld_z_fail(err, errlen, -EBADMSG, "gzip data damaged at "
						"compressed offset %llu: %s",
						(unsigned long long)(pos - z.avail_in),
						z.msg ? z.msg : "inflate error");
				break;
			}
			if (sizeof(out) - z.avail_out) {
				ssize_t w = pwrite(mfd, out, sizeof(out) - z.avail_out, total);

				/* A short write sets no errno: do not report a stale one. */
				if (w != (ssize_t)(sizeof(out) - z.avail_out)) {
					ret = ld_z_fail(err, errlen, w < 0 ? -errno : -ENOSPC,
							"out of memory decompressing");
					break;
				}
			}
			total += sizeof(out) - z.avail_out;
			if (zr == Z_BUF_ERROR && !z.avail_in)
				break;
		}
		if (ret)
			break;
	}
	inflateEnd(&z);
	if (!ret)
		*size = total;
	return ret;
}

const struct ld_compress_ops ld_compress_zlib_ops = {
	.name = "zlib",
	.stream_label = "gzip",
	.blocks_label = "gzip blocks",
	.min_level = 1, .max_level = 9, .default_level = 1,
	.is_stream = zlib_is_stream,
	.is_ours = zlib_is_ours,
	.header = zlib_header,
	.bound = zlib_bound,
	.cctx_new = zlib_cctx_new,
	.cctx_free = zlib_cctx_free,
	.compress = zlib_compress,
	.dctx_new = zlib_dctx_new,
	.dctx_free = zlib_dctx_free,
	.decompress = zlib_decompress,
	.decompress_all = zlib_decompress_all,
};
