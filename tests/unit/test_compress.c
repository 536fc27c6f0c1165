// SPDX-License-Identifier: MIT
/*
 * The compressed dump container (compress.h): what the sink writes, the
 * reader reads back byte for byte at any offset, gzip sees one stream,
 * a cut file is cut where a block is missing and a changed byte is
 * damage that names its block.
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
static uint64_t compress_to(int fd, const unsigned char *plain, size_t len, unsigned threads)
{
	struct fd_sink fs = { .base.ops = &fd_ops, .fd = fd };
	struct ld_sink *gz = ld_gz_sink__new(&fs.base, 1, threads);
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
	out = ld_gz_sink__out_bytes(gz);
	gz->ops->free(gz);
	return out;
}

static void test_roundtrip(void **state)
{
	size_t len = (7U << 20) + 12345;
	unsigned char *plain = make_plain(len), *back = malloc(len), head[LD_GZ_HDR];
	int fd = tmpfile_fd();
	uint64_t csize = compress_to(fd, plain, len, 0);
	struct ld_gz_reader *r;
	char err[256];
	bool cut;

	(void)state;
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)csize);
	assert_int_equal(pread(fd, head, sizeof(head), 0), sizeof(head));
	assert_true(ld_gz_is_gzip(head, sizeof(head)));
	assert_true(ld_gz_is_livedump(head, sizeof(head)));
	assert_int_equal(ld_gz_reader__open(fd, csize, &r, &cut, err, sizeof(err)), 0);
	assert_false(cut);
	assert_int_equal(ld_gz_reader__size(r), len);
	/* All of it, then pieces across block boundaries, in any order. */
	assert_int_equal(ld_gz_reader__pread(r, back, len, 0, err, sizeof(err)), 0);
	assert_memory_equal(back, plain, len);
	for (uint64_t off = len - 5000; off > 100; off = off * 5 / 7) {
		size_t n = len - off < 3000000 ? len - off : 3000000;

		assert_int_equal(ld_gz_reader__pread(r, back, n, off, err, sizeof(err)), 0);
		assert_memory_equal(back, plain + off, n);
	}
	assert_int_equal(ld_gz_reader__pread(r, back, 0, len, err, sizeof(err)), 0);
	assert_int_equal(ld_gz_reader__pread(r, back, 2, len - 1, err, sizeof(err)), -ENODATA);
	ld_gz_reader__free(r);

	/* Any gzip reader sees one stream: the plain bytes. */
	{
		uint64_t size;
		int mfd = ld_gz_inflate_all(fd, &size, &cut, err, sizeof(err));

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
	size_t len = (5U << 20) + 7;
	unsigned char *plain = make_plain(len);
	int a = tmpfile_fd(), b = tmpfile_fd();
	uint64_t ca = compress_to(a, plain, len, 1), cb = compress_to(b, plain, len, 4);
	unsigned char *x = malloc(ca), *y = malloc(cb);

	(void)state;
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
	size_t len = (4U << 20) + 100;
	unsigned char *plain = make_plain(len), *back = malloc(len), byte;
	int fd = tmpfile_fd();
	uint64_t csize = compress_to(fd, plain, len, 0), first;
	struct ld_gz_reader *r;
	unsigned char head[LD_GZ_HDR];
	char err[256] = "";
	bool cut;

	(void)state;
	/* Cut inside the third member: two whole blocks are left. */
	assert_int_equal(pread(fd, head, sizeof(head), 0), sizeof(head));
	first = head[28] | head[29] << 8 | head[30] << 16 | (uint64_t)head[31] << 24;
	assert_true(first < csize);
	assert_int_equal(ld_gz_reader__open(fd, first + 10, &r, &cut, err, sizeof(err)), 0);
	assert_true(cut);
	assert_int_equal(ld_gz_reader__size(r), 1U << 20);
	assert_int_equal(ld_gz_reader__pread(r, back, 1U << 20, 0, err, sizeof(err)), 0);
	assert_memory_equal(back, plain, 1U << 20);
	ld_gz_reader__free(r);

	/* A changed byte in the deflate data of block 0: damage, named. */
	assert_int_equal(pread(fd, &byte, 1, LD_GZ_HDR + 40), 1);
	byte ^= 0x55;
	assert_int_equal(pwrite(fd, &byte, 1, LD_GZ_HDR + 40), 1);
	assert_int_equal(ld_gz_reader__open(fd, csize, &r, &cut, err, sizeof(err)), 0);
	assert_int_equal(ld_gz_reader__pread(r, back, 100, 0, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "compressed block 0 at offset 0"));
	/* Other blocks still read. */
	assert_int_equal(ld_gz_reader__pread(r, back, 100, 2U << 20, err, sizeof(err)), 0);
	assert_memory_equal(back, plain + (2U << 20), 100);
	ld_gz_reader__free(r);

	/* A header that lies about its offset: not a livedump block. */
	byte ^= 0x55;
	assert_int_equal(pwrite(fd, &byte, 1, LD_GZ_HDR + 40), 1);
	head[16] = 1;
	assert_int_equal(pwrite(fd, head, sizeof(head), 0), sizeof(head));
	assert_int_equal(ld_gz_reader__open(fd, csize, &r, &cut, err, sizeof(err)), -EBADMSG);
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
	size_t len = (3U << 20) + 100;
	unsigned char *plain = make_plain(len), head[LD_GZ_HDR];
	int fd = tmpfile_fd();
	uint64_t csize = compress_to(fd, plain, len, 0), first;
	struct ld_gz_reader *r = (struct ld_gz_reader *)&r;
	char err[256] = "", want[128];
	bool cut;

	(void)state;
	assert_int_equal(pread(fd, head, sizeof(head), 0), sizeof(head));
	first = head[28] | head[29] << 8 | head[30] << 16 | (uint64_t)head[31] << 24;
	assert_true(first + LD_GZ_HDR < csize);
	/* Break the magic, then (separately) the offset the header claims. */
	assert_int_equal(pread(fd, head, sizeof(head), first), sizeof(head));
	head[0] ^= 0xff;
	assert_int_equal(pwrite(fd, head, sizeof(head), first), sizeof(head));
	assert_int_equal(ld_gz_reader__open(fd, csize, &r, &cut, err, sizeof(err)), -EBADMSG);
	assert_null(r);
	snprintf(want, sizeof(want), "compressed block 1 at offset %llu: not a livedump block",
		 (unsigned long long)first);
	assert_non_null(strstr(err, want));

	head[0] ^= 0xff;
	head[16] ^= 0x01;
	assert_int_equal(pwrite(fd, head, sizeof(head), first), sizeof(head));
	err[0] = 0;
	assert_int_equal(ld_gz_reader__open(fd, csize, &r, &cut, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, want));

	/* A member size too small to hold its own trailer. */
	head[16] ^= 0x01;
	head[28] = 3;
	head[29] = head[30] = head[31] = 0;
	assert_int_equal(pwrite(fd, head, sizeof(head), first), sizeof(head));
	err[0] = 0;
	assert_int_equal(ld_gz_reader__open(fd, csize, &r, &cut, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, want));
	close(fd);
	free(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_cut_and_damage),
		cmocka_unit_test(test_damaged_second_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
