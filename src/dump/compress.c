// SPDX-License-Identifier: MIT
/* Compressed dumps: a sink that writes them, a reader that reads them in place. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include "dump/compress.h"

#define NCACHE		4	/* decompressed blocks a reader keeps */
#define MAX_THREADS	4

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void member_header(unsigned char *h, uint64_t off, uint32_t usize, uint32_t msize)
{
	static const unsigned char fixed[16] = {
		0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 20, 0, 'L', 'D', 16, 0,
	};

	memcpy(h, fixed, sizeof(fixed));
	put64(h + 16, off);
	put32(h + 24, usize);
	put32(h + 28, msize);
}

bool ld_gz_is_gzip(const unsigned char *head, size_t len)
{
	return len >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8;
}

bool ld_gz_is_livedump(const unsigned char *head, size_t len)
{
	return len >= LD_GZ_HDR && ld_gz_is_gzip(head, len) && head[3] == 4 && head[10] == 20 &&
	       head[11] == 0 && head[12] == 'L' && head[13] == 'D' && head[14] == 16 &&
	       head[15] == 0;
}

/* --- the sink --------------------------------------------------------------- */

enum { J_FREE, J_READY, J_BUSY, J_DONE };

struct job {
	int state;
	uint64_t seq;
	uint32_t ulen;
	bool zero;		/* all zeros: the precomputed member */
	unsigned char *in, *out;
	size_t olen;
};

struct gz_sink {
	struct ld_sink base;
	struct ld_sink *inner;
	int level;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *jobs;
	unsigned njobs;
	pthread_t thr[MAX_THREADS];
	unsigned nthr;
	size_t out_cap;

	uint64_t pos;		/* plain bytes accounted for */
	uint64_t cur_seq;	/* block being filled */
	struct job *cur;	/* NULL: nothing written to it yet */
	uint32_t cur_len;
	uint64_t write_seq;	/* next block to go to the inner sink */
	bool writing, stop;
	int err;
	uint64_t out_off;

	unsigned char *zero;	/* deflate data + trailer of a block of zeros */
	size_t zero_len;
};

static int deflate_block(z_stream *z, const unsigned char *in, uint32_t ulen, unsigned char *out,
			 size_t cap, size_t *olen)
{
	int ret;

	if (deflateReset(z) != Z_OK)
		return -EINVAL;
	z->next_in = (unsigned char *)in;
	z->avail_in = ulen;
	z->next_out = out;
	z->avail_out = cap;
	ret = deflate(z, Z_FINISH);
	if (ret != Z_STREAM_END)
		return -ENOBUFS;
	*olen = cap - z->avail_out;
	return 0;
}

/* The member of job j, header and trailer included, into j->out. */
static int compress_job(struct gz_sink *s, z_stream *z, struct job *j)
{
	size_t n;
	int err = deflate_block(z, j->in, j->ulen, j->out + LD_GZ_HDR, s->out_cap - LD_GZ_HDR - 8,
				&n);
	unsigned char *t;

	if (err)
		return err;
	t = j->out + LD_GZ_HDR + n;
	put32(t, crc32(0, j->in, j->ulen));
	put32(t + 4, j->ulen);
	j->olen = LD_GZ_HDR + n + 8;
	member_header(j->out, j->seq * LD_GZ_BLOCK, j->ulen, j->olen);
	return 0;
}

/* Writes finished blocks to the inner sink in order.  Called locked. */
static void drain(struct gz_sink *s)
{
	while (!s->writing && !s->err) {
		struct job *j = &s->jobs[s->write_seq % s->njobs];
		unsigned char hdr[LD_GZ_HDR];
		int err;

		if (j->state != J_DONE || j->seq != s->write_seq)
			return;
		s->writing = true;
		pthread_mutex_unlock(&s->mu);
		if (j->zero) {
			uint32_t msize = LD_GZ_HDR + s->zero_len;

			member_header(hdr, j->seq * LD_GZ_BLOCK, LD_GZ_BLOCK, msize);
			err = s->inner->ops->write(s->inner, LD_WR_BODY, s->out_off, hdr, sizeof(hdr));
			if (!err)
				err = s->inner->ops->write(s->inner, LD_WR_BODY, s->out_off + LD_GZ_HDR,
							   s->zero, s->zero_len);
			j->olen = msize;
		} else {
			err = s->inner->ops->write(s->inner, LD_WR_BODY, s->out_off, j->out, j->olen);
		}
		pthread_mutex_lock(&s->mu);
		s->writing = false;
		if (err && !s->err)
			s->err = err;
		s->out_off += j->olen;
		j->state = J_FREE;
		s->write_seq++;
		pthread_cond_broadcast(&s->done);
	}
}

static void *worker(void *arg)
{
	struct gz_sink *s = arg;
	z_stream z = { 0 };
	bool ok = deflateInit2(&z, s->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;

	pthread_mutex_lock(&s->mu);
	if (!ok && !s->err)
		s->err = -ENOMEM;
	while (!s->stop && ok) {
		struct job *pick = NULL;
		int err;

		for (unsigned i = 0; i < s->njobs; i++) {
			struct job *j = &s->jobs[i];

			if (j->state == J_READY && (!pick || j->seq < pick->seq))
				pick = j;
		}
		if (!pick) {
			pthread_cond_wait(&s->work, &s->mu);
			continue;
		}
		pick->state = J_BUSY;
		pthread_mutex_unlock(&s->mu);
		err = compress_job(s, &z, pick);
		pthread_mutex_lock(&s->mu);
		if (err && !s->err)
			s->err = err;
		pick->state = J_DONE;
		drain(s);
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->mu);
	if (ok)
		deflateEnd(&z);
	return NULL;
}

/* The slot for block seq once it is free (locked). */
static struct job *slot(struct gz_sink *s, uint64_t seq)
{
	struct job *j = &s->jobs[seq % s->njobs];

	for (;;) {
		drain(s);
		if (s->err)
			return NULL;
		if (j->state == J_FREE)
			break;
		pthread_cond_wait(&s->done, &s->mu);
	}
	j->seq = seq;
	j->zero = false;
	j->ulen = 0;
	return j;
}

/* Ends the current block (its length: ulen) and moves on to the next. */
static int end_block(struct gz_sink *s, uint32_t ulen)
{
	struct job *j = s->cur;

	pthread_mutex_lock(&s->mu);
	if (!j) {
		j = slot(s, s->cur_seq);
		if (j && ulen == LD_GZ_BLOCK) {
			j->zero = true;
			j->ulen = ulen;
			j->state = J_DONE;
		} else if (j) {
			memset(j->in, 0, ulen);
			j->ulen = ulen;
			j->state = J_READY;
		}
	} else {
		if (s->cur_len < ulen)
			memset(j->in + s->cur_len, 0, ulen - s->cur_len);
		j->ulen = ulen;
		j->state = J_READY;
	}
	if (j && j->state == J_READY)
		pthread_cond_signal(&s->work);
	drain(s);
	pthread_mutex_unlock(&s->mu);
	s->cur = NULL;
	s->cur_len = 0;
	s->cur_seq++;
	return s->err;
}

static int gz_write(struct ld_sink *sk, enum ld_write_kind kind, uint64_t off, const void *buf,
		    size_t len)
{
	struct gz_sink *s = (struct gz_sink *)sk;
	const unsigned char *p = buf;

	(void)kind;
	if (s->err)
		return s->err;
	if (off < s->cur_seq * LD_GZ_BLOCK + s->cur_len)
		return -EINVAL;	/* offsets only grow */
	while (len) {
		uint64_t seq = off / LD_GZ_BLOCK;
		uint32_t boff = off % LD_GZ_BLOCK, n;

		while (s->cur_seq < seq)
			if (end_block(s, LD_GZ_BLOCK))
				return s->err;
		if (!s->cur) {
			pthread_mutex_lock(&s->mu);
			s->cur = slot(s, seq);
			pthread_mutex_unlock(&s->mu);
			if (!s->cur)
				return s->err;
		}
		if (boff > s->cur_len)
			memset(s->cur->in + s->cur_len, 0, boff - s->cur_len);
		n = len < LD_GZ_BLOCK - boff ? len : LD_GZ_BLOCK - boff;
		memcpy(s->cur->in + boff, p, n);
		s->cur_len = boff + n;
		off += n;
		p += n;
		len -= n;
		if (s->cur_len == LD_GZ_BLOCK && end_block(s, LD_GZ_BLOCK))
			return s->err;
	}
	return 0;
}

static void stop_workers(struct gz_sink *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < s->nthr; i++)
		pthread_join(s->thr[i], NULL);
	s->nthr = 0;
}

static void gz_release(struct gz_sink *s)
{
	stop_workers(s);
	/* Also for a sink whose job table could not be allocated. */
	for (unsigned i = 0; s->jobs && i < s->njobs; i++) {
		free(s->jobs[i].in);
		free(s->jobs[i].out);
	}
	free(s->jobs);
	free(s->zero);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->done);
	free(s);
}

static int gz_commit(struct ld_sink *sk)
{
	struct gz_sink *s = (struct gz_sink *)sk;
	int err;

	if (s->cur)
		end_block(s, s->cur_len);
	pthread_mutex_lock(&s->mu);
	while (!s->err && s->write_seq < s->cur_seq) {
		drain(s);
		if (s->write_seq < s->cur_seq && !s->err)
			pthread_cond_wait(&s->done, &s->mu);
	}
	err = s->err;
	pthread_mutex_unlock(&s->mu);
	stop_workers(s);
	return err ? err : s->inner->ops->commit(s->inner);
}

static void gz_abort(struct ld_sink *sk)
{
	struct gz_sink *s = (struct gz_sink *)sk;

	stop_workers(s);
	s->inner->ops->abort(s->inner);
	gz_release(s);
}

static void gz_free(struct ld_sink *sk)
{
	struct gz_sink *s = (struct gz_sink *)sk;

	stop_workers(s);
	s->inner->ops->free(s->inner);
	gz_release(s);
}

static const struct ld_sink_ops gz_ops = {
	.write = gz_write, .commit = gz_commit, .abort = gz_abort, .free = gz_free,
};

uint64_t ld_gz_sink__out_bytes(const struct ld_sink *sk)
{
	return ((const struct gz_sink *)sk)->out_off;
}

struct ld_sink *ld_gz_sink__new(struct ld_sink *inner, int level, unsigned threads)
{
	struct gz_sink *s = calloc(1, sizeof(*s));
	unsigned char *zeros = NULL;
	z_stream z = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int err = ENOMEM;

	if (!s)
		goto fail_early;
	s->base.ops = &gz_ops;
	s->inner = inner;
	s->level = level < 1 || level > 9 ? 1 : level;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->done, NULL);
	if (!threads)
		threads = ncpu > 0 ? ncpu : 1;
	threads = threads < MAX_THREADS ? threads : MAX_THREADS;
	s->njobs = 2 * threads + 2;
	s->jobs = calloc(s->njobs, sizeof(*s->jobs));
	if (deflateInit2(&z, s->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto fail;
	s->out_cap = LD_GZ_HDR + deflateBound(&z, LD_GZ_BLOCK) + 8;
	if (!s->jobs)
		goto fail_z;
	for (unsigned i = 0; i < s->njobs; i++) {
		s->jobs[i].in = malloc(LD_GZ_BLOCK);
		s->jobs[i].out = malloc(s->out_cap);
		if (!s->jobs[i].in || !s->jobs[i].out)
			goto fail_z;
	}
	/* A block of zeros (holes) compresses the same every time. */
	zeros = calloc(1, LD_GZ_BLOCK);
	s->zero = malloc(s->out_cap);
	if (!zeros || !s->zero || deflate_block(&z, zeros, LD_GZ_BLOCK, s->zero, s->out_cap - 8,
						&s->zero_len))
		goto fail_z;
	put32(s->zero + s->zero_len, crc32(0, zeros, LD_GZ_BLOCK));
	put32(s->zero + s->zero_len + 4, LD_GZ_BLOCK);
	s->zero_len += 8;
	free(zeros);
	zeros = NULL;
	deflateEnd(&z);
	for (unsigned i = 0; i < threads; i++) {
		err = pthread_create(&s->thr[i], NULL, worker, s);
		if (err)
			goto fail;
		s->nthr = i + 1;
	}
	return &s->base;
fail_z:
	deflateEnd(&z);
fail:
	free(zeros);
	gz_release(s);
	errno = err;
	return NULL;
fail_early:
	errno = err;
	return NULL;
}

/* --- the reader ------------------------------------------------------------ */

struct block {
	uint64_t off;		/* in the plain core */
	uint64_t pos;		/* of its member in the file */
	uint32_t usize, msize;
};

struct ld_gz_reader {
	int fd;
	struct block *v;
	size_t n;
	uint64_t size;
	struct {
		size_t idx;
		unsigned char *buf;
		uint64_t used;
	} cache[NCACHE];
	uint64_t tick;
	z_stream z;
	bool zinit;
	unsigned char *cbuf;
	size_t ccap;
};

static int rfail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int rfail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Every failure below reports before it frees: the message names the block
 * (r->n) and that count lives in the reader.
 */
static int open_fail(struct ld_gz_reader *r, int ret, char *err, size_t errlen,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int open_fail(struct ld_gz_reader *r, int ret, char *err, size_t errlen,
		     const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	ld_gz_reader__free(r);
	return ret;
}

int ld_gz_reader__open(int fd, uint64_t file_size, struct ld_gz_reader **out, bool *cut,
		       char *err, size_t errlen)
{
	struct ld_gz_reader *r = calloc(1, sizeof(*r));
	uint64_t pos = 0, off = 0;
	size_t cap = 0;
	int ret;

	*out = NULL;
	if (cut)
		*cut = false;
	if (!r)
		return -ENOMEM;
	r->fd = fd;
	while (pos < file_size) {
		unsigned char h[LD_GZ_HDR];
		struct block b;

		if (file_size - pos < LD_GZ_HDR) {
			if (cut)
				*cut = true;
			break;
		}
		ret = pread_all(fd, h, sizeof(h), pos);
		if (ret)
			return open_fail(r, ret, err, errlen, "compressed block %zu at offset %llu: %s",
					 r->n, (unsigned long long)pos, strerror(-ret));
		b = (struct block){ get64(h + 16), pos, get32(h + 24), get32(h + 28) };
		if (!ld_gz_is_livedump(h, sizeof(h)) || b.off != off || !b.usize ||
		    b.usize > LD_GZ_MAX_USIZE || b.msize < LD_GZ_HDR + 8)
			return open_fail(r, -EBADMSG, err, errlen, "compressed block %zu at offset "
					 "%llu: not a livedump block (offset %llu, size %u, member "
					 "%u bytes)", r->n, (unsigned long long)pos,
					 (unsigned long long)b.off, b.usize, b.msize);
		if (b.msize > file_size - pos) {
			if (cut)
				*cut = true;
			break;
		}
		if (r->n == cap) {
			struct block *v = realloc(r->v, (cap ? 2 * cap : 256) * sizeof(*v));

			if (!v)
				return open_fail(r, -ENOMEM, err, errlen, "compressed block %zu at "
						 "offset %llu: out of memory indexing blocks", r->n,
						 (unsigned long long)pos);
			cap = cap ? 2 * cap : 256;
			r->v = v;
		}
		r->v[r->n++] = b;
		pos += b.msize;
		off += b.usize;
	}
	r->size = off;
	*out = r;
	return 0;
}

void ld_gz_reader__free(struct ld_gz_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < NCACHE; i++)
		free(r->cache[i].buf);
	if (r->zinit)
		inflateEnd(&r->z);
	free(r->cbuf);
	free(r->v);
	free(r);
}

uint64_t ld_gz_reader__size(const struct ld_gz_reader *r)
{
	return r->size;
}

/* Block i, decompressed and checked. */
static const unsigned char *get_block(struct ld_gz_reader *r, size_t i, char *err, size_t errlen,
				      int *ret)
{
	const struct block *b = &r->v[i];
	size_t victim = 0, dlen;
	unsigned char *out;
	int zr;

	for (size_t k = 0; k < NCACHE; k++) {
		if (r->cache[k].buf && r->cache[k].idx == i) {
			r->cache[k].used = ++r->tick;
			return r->cache[k].buf;
		}
		if (r->cache[k].used < r->cache[victim].used)
			victim = k;
	}
	if (!r->zinit) {
		if (inflateInit2(&r->z, -15) != Z_OK) {
			*ret = -ENOMEM;
			return NULL;
		}
		r->zinit = true;
	}
	if (b->msize > r->ccap) {
		unsigned char *c = realloc(r->cbuf, b->msize);

		if (!c) {
			*ret = -ENOMEM;
			return NULL;
		}
		r->cbuf = c;
		r->ccap = b->msize;
	}
	out = realloc(r->cache[victim].buf, b->usize);
	if (!out) {
		*ret = -ENOMEM;
		return NULL;
	}
	r->cache[victim].buf = out;
	r->cache[victim].used = 0;
	r->cache[victim].idx = (size_t)-1;
	*ret = pread_all(r->fd, r->cbuf, b->msize, b->pos);
	if (*ret) {
		rfail(err, errlen, *ret, "compressed block %zu at offset %llu: %s", i,
		      (unsigned long long)b->pos,
		      *ret == -ENODATA ? "the file ends inside it" : strerror(-*ret));
		return NULL;
	}
	inflateReset(&r->z);
	dlen = b->msize - LD_GZ_HDR - 8;
	r->z.next_in = r->cbuf + LD_GZ_HDR;
	r->z.avail_in = dlen;
	r->z.next_out = out;
	r->z.avail_out = b->usize;
	zr = inflate(&r->z, Z_FINISH);
	if (zr != Z_STREAM_END || r->z.avail_out || r->z.avail_in ||
	    get32(r->cbuf + b->msize - 8) != crc32(0, out, b->usize) ||
	    get32(r->cbuf + b->msize - 4) != b->usize) {
		*ret = -EBADMSG;
		rfail(err, errlen, -EBADMSG, "compressed block %zu at offset %llu (plain bytes "
		      "%llu..%llu) is damaged: %s", i, (unsigned long long)b->pos,
		      (unsigned long long)b->off, (unsigned long long)(b->off + b->usize),
		      zr != Z_STREAM_END ? (r->z.msg ? r->z.msg : "bad deflate data")
					 : "checksum mismatch");
		return NULL;
	}
	r->cache[victim].idx = i;
	r->cache[victim].used = ++r->tick;
	return out;
}

int ld_gz_reader__pread(struct ld_gz_reader *r, void *buf, size_t len, uint64_t off,
			char *err, size_t errlen)
{
	unsigned char *p = buf;

	if (!len)
		return 0;
	if (off > r->size || len > r->size - off)
		return -ENODATA;
	while (len) {
		size_t lo = 0, hi = r->n, n;
		const unsigned char *data;
		int ret = 0;

		/* The last block starting at or before off. */
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;

			if (r->v[mid].off <= off)
				lo = mid;
			else
				hi = mid;
		}
		data = get_block(r, lo, err, errlen, &ret);
		if (!data)
			return ret;
		n = r->v[lo].off + r->v[lo].usize - off;
		n = n < len ? n : len;
		memcpy(p, data + (off - r->v[lo].off), n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* --- plain gzip ------------------------------------------------------------- */

int ld_gz_inflate_all(int fd, uint64_t *size, bool *cut, char *err, size_t errlen)
{
	unsigned char in[1 << 16], out[1 << 16];
	z_stream z = { 0 };
	uint64_t total = 0, pos = 0;
	int mfd, zr = Z_OK, ret = 0;

	*cut = false;
	mfd = memfd_create("livedump-gunzip", MFD_CLOEXEC);
	if (mfd < 0)
		return rfail(err, errlen, -errno, "memfd_create: %s", strerror(errno));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		close(mfd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = pread(fd, in, sizeof(in), pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = rfail(err, errlen, -errno, "%s", strerror(errno));
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
				ret = rfail(err, errlen, -EBADMSG, "gzip data damaged at compressed "
					    "offset %llu: %s", (unsigned long long)(pos - z.avail_in),
					    z.msg ? z.msg : "inflate error");
				break;
			}
			if (sizeof(out) - z.avail_out) {
				ssize_t w = pwrite(mfd, out, sizeof(out) - z.avail_out, total);

				/* A short write sets no errno: do not report a stale one. */
				if (w != (ssize_t)(sizeof(out) - z.avail_out)) {
					ret = rfail(err, errlen, w < 0 ? -errno : -ENOSPC,
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
	if (ret) {
		close(mfd);
		return ret;
	}
	*size = total;
	return mfd;
}

/* --- copying ---------------------------------------------------------------- */

int ld_copy_to_sink(int fd, uint64_t size, struct ld_sink *sink)
{
	size_t cap = 1 << 20;
	unsigned char *buf = malloc(cap);
	uint64_t pos = 0;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	while (pos < size && !err) {
		off_t data = lseek(fd, pos, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			data = size - 1;	/* holes to the end: write the last byte */
		else if (data < 0)
			data = pos;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || (uint64_t)hole > size)
			hole = size;
		if (hole <= data)
			hole = data + 1;
		for (pos = data; pos < (uint64_t)hole && !err;) {
			size_t n = (uint64_t)hole - pos < cap ? (uint64_t)hole - pos : cap;

			err = pread_all(fd, buf, n, pos);
			if (!err)
				err = sink->ops->write(sink, LD_WR_BODY, pos, buf, n);
			pos += n;
		}
	}
	free(buf);
	return err;
}
