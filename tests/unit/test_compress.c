// SPDX-License-Identifier: MIT
/*
 * The compressed dump container (compress.h), for every kind (zstd,
 * zlib): what the sink writes, the reader reads back byte for byte at any
 * offset, the kind's own tool sees one stream, a cut file is cut where a
 * block is missing and a changed byte is damage that names its block.
 * Also the spec parser (--compress=KIND:LEVEL) and telling kinds apart.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>
#include "dump/compress.h"

/* A sink into a file descriptor (a temporary file), no renaming. */
struct fd_sink {
	struct ld_sink base;
	int fd;
	int commits;
};

static int fd_write(struct ld_sink *s, enum ld_write_kind kind, uint64_t off, const void *buf,
		    size_t len)
{
	(void)kind;
	return pwrite(((struct fd_sink *)s)->fd, buf, len, off) == (ssize_t)len ? 0 : -EIO;
}

static int fd_commit(struct ld_sink *s)
{
	((struct fd_sink *)s)->commits++;
	return 0;
}

static void fd_free(struct ld_sink *s)
{
	(void)s;
}

static const struct ld_sink_ops fd_ops = {
	.write = fd_write, .commit = fd_commit, .abort = fd_free, .free = fd_free,
};

static int tmpfile_fd(void)
{
	char path[] = "/tmp/livedump-test-compress.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* Plain bytes with structure: runs of zeros (holes) between patterns. */
static unsigned char *make_plain(size_t len)
{
	unsigned char *p = calloc(1, len);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++) {
		size_t mib = i >> 20;

		if (mib % 3 == 1)
			continue;	/* a whole MiB of zeros */
		p[i] = (unsigned char)(i * 2654435761u >> (i % 7));
	}
	return p;
}

/*
 * Writes plain through a gz sink the way the dump writer does: increasing
 * offsets, zero pages left out as gaps.  Returns the compressed size.
 */
static uint64_t compress_to(enum ld_compress_kind kind, int fd, const unsigned char *plain,
			    size_t len, unsigned threads)
{
	struct fd_sink fs = { .base.ops = &fd_ops, .fd = fd };
	struct ld_compress how = { kind, 1 };
	struct ld_sink *gz = ld_compress_sink__new(&fs.base, &how, threads);
	uint64_t out;

	assert_non_null(gz);
	for (size_t off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096, z = 0;

		while (z < n && !plain[off + z])
			z++;
		if (z == n && off + n != len)
			continue;	/* a hole (the last bytes are always written) */
		assert_int_equal(gz->ops->write(gz, LD_WR_BODY, off, plain + off, n), 0);
	}
	assert_int_equal(gz->ops->commit(gz), 0);
	assert_int_equal(fs.commits, 1);
	out = ld_compress_sink__out_bytes(gz);
	gz->ops->free(gz);
	return out;
}

static void test_roundtrip(void **state)
{
	enum ld_compress_kind kind = *(enum ld_compress_kind *)*state;
	size_t len = (7U << 20) + 12345;
	unsigned char *plain = make_plain(len), *back = malloc(len), head[LD_Z_HDR];
	int fd = tmpfile_fd();
	uint64_t csize = compress_to(kind, fd, plain, len, 0);
	struct ld_compress_reader *r;
	char err[256];
	bool cut;

	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)csize);
	assert_int_equal(pread(fd, head, sizeof(head), 0), sizeof(head));
	{
		enum ld_compress_kind k;
		bool ours;

		ld_compress_detect(head, sizeof(head), &k, &ours);
		assert_int_equal(k, kind);
		assert_true(ours);
	}
	assert_int_equal(ld_compress_reader__open(fd, csize, kind, &r, &cut, err, sizeof(err)), 0);
	assert_false(cut);
	assert_int_equal(ld_compress_reader__size(r), len);
	/* All of it, then pieces across block boundaries, in any order. */
	assert_int_equal(ld_compress_reader__pread(r, back, len, 0, err, sizeof(err)), 0);
	assert_memory_equal(back, plain, len);
	for (uint64_t off = len - 5000; off > 100; off = off * 5 / 7) {
		size_t n = len - off < 3000000 ? len - off : 3000000;

		assert_int_equal(ld_compress_reader__pread(r, back, n, off, err, sizeof(err)), 0);
		assert_memory_equal(back, plain + off, n);
	}
	assert_int_equal(ld_compress_reader__pread(r, back, 0, len, err, sizeof(err)), 0);
	assert_int_equal(ld_compress_reader__pread(r, back, 2, len - 1, err, sizeof(err)), -ENODATA);
	ld_compress_reader__free(r);

	/* The kind's own stream reader sees one stream: the plain bytes. */
	{
		uint64_t size;
		int mfd = ld_decompress_all(kind, fd, &size, &cut, err, sizeof(err));

		assert_true(mfd >= 0);
		assert_false(cut);
		assert_int_equal(size, len);
		assert_int_equal(pread(mfd, back, len, 0), (ssize_t)len);
		assert_memory_equal(back, plain, len);
		close(mfd);
	}
	close(fd);
	free(back);
	free(plain);
}

/* One thread or four: the same bytes. */
static void test_deterministic(void **state)
{
	enum ld_compress_kind kind = *(enum ld_compress_kind *)*state;
	size_t len = (5U << 20) + 7;
	unsigned char *plain = make_plain(len);
	int a = tmpfile_fd(), b = tmpfile_fd();
	uint64_t ca = compress_to(kind, a, plain, len, 1), cb = compress_to(kind, b, plain, len, 4);
	unsigned char *x = malloc(ca), *y = malloc(cb);

	assert_int_equal(ca, cb);
	assert_int_equal(pread(a, x, ca, 0), (ssize_t)ca);
	assert_int_equal(pread(b, y, cb, 0), (ssize_t)cb);
	assert_memory_equal(x, y, ca);
	free(x);
	free(y);
	close(a);
	close(b);
	free(plain);
}

static void test_cut_and_damage(void **state)
{
	enum ld_compress_kind kind = *(enum ld_compress_kind *)*state;
	size_t len = (4U << 20) + 100;
	unsigned char *plain = make_plain(len), *back = malloc(len), byte;
	int fd = tmpfile_fd();
	uint64_t csize = compress_to(kind, fd, plain, len, 0), first;
	struct ld_compress_reader *r;
	unsigned char head[LD_Z_HDR];
	char err[256] = "";
	bool cut;

	/* Cut inside the third member: two whole blocks are left. */
	assert_int_equal(pread(fd, head, sizeof(head), 0), sizeof(head));
	first = head[28] | head[29] << 8 | head[30] << 16 | (uint64_t)head[31] << 24;
	assert_true(first < csize);
	assert_int_equal(ld_compress_reader__open(fd, first + 10, kind, &r, &cut, err, sizeof(err)), 0);
	assert_true(cut);
	assert_int_equal(ld_compress_reader__size(r), 1U << 20);
	assert_int_equal(ld_compress_reader__pread(r, back, 1U << 20, 0, err, sizeof(err)), 0);
	assert_memory_equal(back, plain, 1U << 20);
	ld_compress_reader__free(r);

	/* A changed byte in the compressed data of block 0: damage, named. */
	assert_int_equal(pread(fd, &byte, 1, LD_Z_HDR + 40), 1);
	byte ^= 0x55;
	assert_int_equal(pwrite(fd, &byte, 1, LD_Z_HDR + 40), 1);
	assert_int_equal(ld_compress_reader__open(fd, csize, kind, &r, &cut, err, sizeof(err)), 0);
	assert_int_equal(ld_compress_reader__pread(r, back, 100, 0, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "compressed block 0 at offset 0"));
	/* Other blocks still read. */
	assert_int_equal(ld_compress_reader__pread(r, back, 100, 2U << 20, err, sizeof(err)), 0);
	assert_memory_equal(back, plain + (2U << 20), 100);
	ld_compress_reader__free(r);

	/* A header that lies about its offset: not a livedump block. */
	byte ^= 0x55;
	assert_int_equal(pwrite(fd, &byte, 1, LD_Z_HDR + 40), 1);
	head[16] = 1;
	assert_int_equal(pwrite(fd, head, sizeof(head), 0), sizeof(head));
	assert_int_equal(ld_compress_reader__open(fd, csize, kind, &r, &cut, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not a livedump block"));
	close(fd);
	free(back);
	free(plain);
}

/*
 * A damaged header on the second block: open fails with a message naming
 * block 1 and its file offset (the message used to be formatted from the
 * reader after it was freed; an ASan build of this test catches that).
 */
static void test_damaged_second_header(void **state)
{
	enum ld_compress_kind kind = *(enum ld_compress_kind *)*state;
	size_t len = (3U << 20) + 100;
	unsigned char *plain = make_plain(len), head[LD_Z_HDR];
	int fd = tmpfile_fd();
	uint64_t csize = compress_to(kind, fd, plain, len, 0), first;
	struct ld_compress_reader *r = (struct ld_compress_reader *)&r;
	char err[256] = "", want[128];
	bool cut;

	assert_int_equal(pread(fd, head, sizeof(head), 0), sizeof(head));
	first = head[28] | head[29] << 8 | head[30] << 16 | (uint64_t)head[31] << 24;
	assert_true(first + LD_Z_HDR < csize);
	/* Break the magic, then (separately) the offset the header claims. */
	assert_int_equal(pread(fd, head, sizeof(head), first), sizeof(head));
	head[0] ^= 0xff;
	assert_int_equal(pwrite(fd, head, sizeof(head), first), sizeof(head));
	assert_int_equal(ld_compress_reader__open(fd, csize, kind, &r, &cut, err, sizeof(err)), -EBADMSG);
	assert_null(r);
	snprintf(want, sizeof(want), "compressed block 1 at offset %llu: not a livedump block",
		 (unsigned long long)first);
	assert_non_null(strstr(err, want));

	head[0] ^= 0xff;
	head[16] ^= 0x01;
	assert_int_equal(pwrite(fd, head, sizeof(head), first), sizeof(head));
	err[0] = 0;
	assert_int_equal(ld_compress_reader__open(fd, csize, kind, &r, &cut, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, want));

	/* A member size too small to hold its own trailer. */
	head[16] ^= 0x01;
	head[28] = 3;
	head[29] = head[30] = head[31] = 0;
	assert_int_equal(pwrite(fd, head, sizeof(head), first), sizeof(head));
	err[0] = 0;
	assert_int_equal(ld_compress_reader__open(fd, csize, kind, &r, &cut, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, want));
	close(fd);
	free(plain);
}

static void test_parse(void **state)
{
	struct ld_compress c;
	char err[160], buf[32];

	(void)state;
	assert_int_equal(ld_compress_parse("zstd", &c, err, sizeof(err)), 0);
	assert_int_equal(c.kind, LD_COMPRESS_ZSTD);
	assert_int_equal(c.level, 0);
	assert_int_equal(ld_compress_parse("zlib:9", &c, err, sizeof(err)), 0);
	assert_int_equal(c.kind, LD_COMPRESS_ZLIB);
	assert_int_equal(c.level, 9);
	ld_compress_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "zlib:9");
	/* A bare level is the default kind's. */
	assert_int_equal(ld_compress_parse("3", &c, err, sizeof(err)), 0);
	assert_int_equal(c.kind, LD_COMPRESS_DEFAULT_KIND);
	assert_int_equal(c.level, 3);
	assert_int_equal(ld_compress_parse("19", &c, err, sizeof(err)), 0);
	assert_int_equal(ld_compress_parse("zlib:10", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad zlib level '10' (expected 1 to 9)"));
	assert_int_equal(ld_compress_parse("zstd:", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(ld_compress_parse("zstd:0", &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(ld_compress_parse("lz4", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown compression 'lz4'"));
	assert_int_equal(ld_compress_parse("", &c, err, sizeof(err)), -EINVAL);
	/* The rules' packed word round-trips. */
	c = (struct ld_compress){ LD_COMPRESS_ZLIB, 6 };
	c = ld_compress_unpack(ld_compress_pack(&c));
	assert_int_equal(c.kind, LD_COMPRESS_ZLIB);
	assert_int_equal(c.level, 6);
}

/* A dump someone compressed with gzip or zstd is told apart from ours and read whole. */
static void test_foreign_streams(void **state)
{
	size_t len = (2U << 20) + 99, zcap = ZSTD_compressBound(len);
	unsigned char *plain = make_plain(len), *z = malloc(zcap), *back = malloc(len);
	size_t zlen = ZSTD_compress(z, zcap, plain, len, 3);
	enum ld_compress_kind k;
	uint64_t size;
	char err[200];
	bool ours, cut;
	int fd = tmpfile_fd(), mfd;

	(void)state;
	assert_false(ZSTD_isError(zlen));
	ld_compress_detect(z, zlen, &k, &ours);
	assert_int_equal(k, LD_COMPRESS_ZSTD);
	assert_false(ours);
	assert_string_equal(ld_compress_label(k, ours), "zstd");
	assert_int_equal(pwrite(fd, z, zlen, 0), (ssize_t)zlen);
	mfd = ld_decompress_all(k, fd, &size, &cut, err, sizeof(err));
	assert_true(mfd >= 0);
	assert_false(cut);
	assert_int_equal(size, len);
	assert_int_equal(pread(mfd, back, len, 0), (ssize_t)len);
	assert_memory_equal(back, plain, len);
	close(mfd);
	/* Cut in the middle: what came out, and cut said. */
	assert_int_equal(ftruncate(fd, zlen / 2), 0);
	mfd = ld_decompress_all(k, fd, &size, &cut, err, sizeof(err));
	assert_true(mfd >= 0);
	assert_true(cut);
	assert_true(size < len);
	close(mfd);
	/* Damaged: an error, not a crash. */
	z[zlen / 2] ^= 0xff;
	z[zlen / 2 + 1] ^= 0xff;
	assert_int_equal(pwrite(fd, z, zlen, 0), (ssize_t)zlen);
	mfd = ld_decompress_all(k, fd, &size, &cut, err, sizeof(err));
	if (mfd >= 0)
		close(mfd);
	else
		assert_int_equal(mfd, -EBADMSG);
	/* Plain bytes: no kind. */
	ld_compress_detect(plain + 5, 64, &k, &ours);
	assert_int_equal(k, LD_COMPRESS_NONE);
	{
		static const unsigned char gz[4] = { 0x1f, 0x8b, 8, 0 };

		ld_compress_detect(gz, sizeof(gz), &k, &ours);
		assert_int_equal(k, LD_COMPRESS_ZLIB);
		assert_false(ours);
	}
	close(fd);
	free(plain);
	free(z);
	free(back);
}

/*
 * A zstd member's data must be exactly one frame of exactly its block:
 * a member whose data holds a second frame after the first (so that the
 * decoder would read more than the block) is damage.
 */
static void test_zstd_member_is_one_frame(void **state)
{
	size_t len = (1U << 20) + 10;
	unsigned char *plain = make_plain(len), *back = malloc(len), head[LD_Z_HDR];
	unsigned char extra[64];
	size_t xlen = ZSTD_compress(extra, sizeof(extra), "x", 1, 1);
	int fd = tmpfile_fd();
	uint64_t csize = compress_to(LD_COMPRESS_ZSTD, fd, plain, len, 0), first, tail;
	struct ld_compress_reader *r;
	unsigned char *rest;
	char err[256] = "";
	bool cut;

	(void)state;
	assert_false(ZSTD_isError(xlen));
	assert_int_equal(pread(fd, head, sizeof(head), 0), sizeof(head));
	first = head[28] | head[29] << 8 | head[30] << 16 | (uint64_t)head[31] << 24;
	/* Make room after member 0 and put a one-byte frame there; member 0 grows. */
	tail = csize - first;
	rest = malloc(tail);
	assert_int_equal(pread(fd, rest, tail, first), (ssize_t)tail);
	assert_int_equal(pwrite(fd, extra, xlen, first), (ssize_t)xlen);
	assert_int_equal(pwrite(fd, rest, tail, first + xlen), (ssize_t)tail);
	first += xlen;
	head[28] = first;
	head[29] = first >> 8;
	head[30] = first >> 16;
	head[31] = first >> 24;
	assert_int_equal(pwrite(fd, head, sizeof(head), 0), sizeof(head));
	assert_int_equal(ld_compress_reader__open(fd, csize + xlen, LD_COMPRESS_ZSTD, &r, &cut, err,
						  sizeof(err)), 0);
	assert_int_equal(ld_compress_reader__pread(r, back, 10, 0, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not one zstd frame"));
	/* The next block is untouched. */
	assert_int_equal(ld_compress_reader__pread(r, back, 10, 1U << 20, err, sizeof(err)), 0);
	assert_memory_equal(back, plain + (1U << 20), 10);
	ld_compress_reader__free(r);
	close(fd);
	free(rest);
	free(plain);
	free(back);
}

static enum ld_compress_kind zstd = LD_COMPRESS_ZSTD, zlib = LD_COMPRESS_ZLIB;

#define BOTH(t) { #t " (zstd)", t, NULL, NULL, &zstd }, { #t " (zlib)", t, NULL, NULL, &zlib }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_roundtrip),
		BOTH(test_deterministic),
		BOTH(test_cut_and_damage),
		BOTH(test_damaged_second_header),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_foreign_streams),
		cmocka_unit_test(test_zstd_member_is_one_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
