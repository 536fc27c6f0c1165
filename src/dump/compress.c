// SPDX-License-Identifier: MIT
/*
 * Compressed dumps, whatever the kind: the kinds' table, a sink that
 * compresses blocks on worker threads and writes them in order, a reader
 * that indexes the members and decompresses the blocks it is asked for.
 * What differs between kinds is in their ops (compress_ops.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "dump/compress_ops.h"

#define NCACHE		4	/* decompressed blocks a reader keeps */
#define MAX_THREADS	4

static const struct ld_compress_ops *const kinds[LD_COMPRESS__COUNT] = {
	[LD_COMPRESS_ZSTD] = &ld_compress_zstd_ops,
	[LD_COMPRESS_ZLIB] = &ld_compress_zlib_ops,
};

const struct ld_compress_ops *ld_compress_ops(enum ld_compress_kind kind)
{
	return (unsigned)kind < LD_COMPRESS__COUNT ? kinds[kind] : NULL;
}

const char *ld_compress_name(enum ld_compress_kind kind)
{
	const struct ld_compress_ops *o = ld_compress_ops(kind);

	return o ? o->name : NULL;
}

int ld_z_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int parse_level(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

int ld_compress_parse(const char *s, struct ld_compress *out, char *err, size_t errlen)
{
	const struct ld_compress_ops *o = kinds[LD_COMPRESS_DEFAULT_KIND];
	const char *colon = strchr(s, ':'), *lv = NULL;
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	enum ld_compress_kind k = LD_COMPRESS_DEFAULT_KIND;

	if (n && s[0] >= '0' && s[0] <= '9' && !colon) {
		lv = s;		/* a bare level: of the default kind */
	} else {
		for (k = 1; k < LD_COMPRESS__COUNT; k++)
			if (kinds[k] && strlen(kinds[k]->name) == n && !strncmp(s, kinds[k]->name, n))
				break;
		if (k == LD_COMPRESS__COUNT)
			return ld_z_fail(err, errlen, -EINVAL, "unknown compression '%.32s' (expected "
					 "zstd, zlib, KIND:LEVEL or LEVEL)", s);
		o = kinds[k];
		lv = colon ? colon + 1 : NULL;
	}
	out->kind = k;
	out->level = 0;
	if (lv && parse_level(lv, o->min_level, o->max_level, &out->level))
		return ld_z_fail(err, errlen, -EINVAL, "bad %s level '%.32s' (expected %d to %d)",
				 o->name, lv, o->min_level, o->max_level);
	return 0;
}

void ld_compress_format(const struct ld_compress *c, char *buf, size_t len)
{
	const char *name = ld_compress_name(c->kind);

	if (!name)
		snprintf(buf, len, "none");
	else if (c->level)
		snprintf(buf, len, "%s:%d", name, c->level);
	else
		snprintf(buf, len, "%s", name);
}

void ld_compress_detect(const unsigned char *head, size_t len, enum ld_compress_kind *kind,
			bool *ours)
{
	*kind = LD_COMPRESS_NONE;
	*ours = false;
	for (enum ld_compress_kind k = 1; k < LD_COMPRESS__COUNT; k++) {
		if (kinds[k]->is_ours(head, len)) {
			*kind = k;
			*ours = true;
			return;
		}
		if (kinds[k]->is_stream(head, len)) {
			*kind = k;
			return;
		}
	}
}

const char *ld_compress_label(enum ld_compress_kind kind, bool ours)
{
	const struct ld_compress_ops *o = ld_compress_ops(kind);

	return !o ? NULL : ours ? o->blocks_label : o->stream_label;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
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

static void member_header(const struct ld_compress_ops *o, unsigned char *h, uint64_t off,
			  uint32_t usize, uint32_t msize)
{
	o->header(h);
	put64(h + 16, off);
	put32(h + 24, usize);
	put32(h + 28, msize);
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

struct z_sink {
	struct ld_sink base;
	struct ld_sink *inner;
	const struct ld_compress_ops *o;
	int level;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *jobs;
	unsigned njobs;
	pthread_t thr[MAX_THREADS];
	unsigned nthr;
	size_t out_cap;

	uint64_t cur_seq;	/* block being filled */
	struct job *cur;	/* NULL: nothing written to it yet */
	uint32_t cur_len;
	uint64_t write_seq;	/* next block to go to the inner sink */
	bool writing, stop;
	int err;
	uint64_t out_off;

	unsigned char *zero;	/* the data of a block of zeros */
	size_t zero_len;
};

/* The member of job j, header included, into j->out. */
static int compress_job(struct z_sink *s, void *cctx, struct job *j)
{
	size_t n;
	int err = s->o->compress(cctx, j->in, j->ulen, j->out + LD_Z_HDR, s->out_cap - LD_Z_HDR,
				 &n);

	if (err)
		return err;
	j->olen = LD_Z_HDR + n;
	member_header(s->o, j->out, j->seq * LD_Z_BLOCK, j->ulen, j->olen);
	return 0;
}

/* Writes finished blocks to the inner sink in order.  Called locked. */
static void drain(struct z_sink *s)
{
	while (!s->writing && !s->err) {
		struct job *j = &s->jobs[s->write_seq % s->njobs];
		unsigned char hdr[LD_Z_HDR];
		int err;

		if (j->state != J_DONE || j->seq != s->write_seq)
			return;
		s->writing = true;
		pthread_mutex_unlock(&s->mu);
		if (j->zero) {
			uint32_t msize = LD_Z_HDR + s->zero_len;

			member_header(s->o, hdr, j->seq * LD_Z_BLOCK, LD_Z_BLOCK, msize);
			err = s->inner->ops->write(s->inner, LD_WR_BODY, s->out_off, hdr, sizeof(hdr));
			if (!err)
				err = s->inner->ops->write(s->inner, LD_WR_BODY, s->out_off + LD_Z_HDR,
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
	struct z_sink *s = arg;
	void *cctx = s->o->cctx_new(s->level);

	pthread_mutex_lock(&s->mu);
	if (!cctx && !s->err)
		s->err = -ENOMEM;
	while (!s->stop && cctx) {
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
		err = compress_job(s, cctx, pick);
		pthread_mutex_lock(&s->mu);
		if (err && !s->err)
			s->err = err;
		pick->state = J_DONE;
		drain(s);
		pthread_cond_broadcast(&s->done);
	}
	pthread_mutex_unlock(&s->mu);
	if (cctx)
		s->o->cctx_free(cctx);
	return NULL;
}

/* The slot for block seq once it is free (locked). */
static struct job *slot(struct z_sink *s, uint64_t seq)
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
static int end_block(struct z_sink *s, uint32_t ulen)
{
	struct job *j = s->cur;

	pthread_mutex_lock(&s->mu);
	if (!j) {
		j = slot(s, s->cur_seq);
		if (j && ulen == LD_Z_BLOCK) {
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

static int z_write(struct ld_sink *sk, enum ld_write_kind kind, uint64_t off, const void *buf,
		   size_t len)
{
	struct z_sink *s = (struct z_sink *)sk;
	const unsigned char *p = buf;

	(void)kind;
	if (s->err)
		return s->err;
	if (off < s->cur_seq * LD_Z_BLOCK + s->cur_len)
		return -EINVAL;	/* offsets only grow */
	while (len) {
		uint64_t seq = off / LD_Z_BLOCK;
		uint32_t boff = off % LD_Z_BLOCK, n;

		while (s->cur_seq < seq)
			if (end_block(s, LD_Z_BLOCK))
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
		n = len < LD_Z_BLOCK - boff ? len : LD_Z_BLOCK - boff;
		memcpy(s->cur->in + boff, p, n);
		s->cur_len = boff + n;
		off += n;
		p += n;
		len -= n;
		if (s->cur_len == LD_Z_BLOCK && end_block(s, LD_Z_BLOCK))
			return s->err;
	}
	return 0;
}

static void stop_workers(struct z_sink *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->mu);
	for (unsigned i = 0; i < s->nthr; i++)
		pthread_join(s->thr[i], NULL);
	s->nthr = 0;
}

static void z_release(struct z_sink *s)
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

static int z_commit(struct ld_sink *sk)
{
	struct z_sink *s = (struct z_sink *)sk;
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

static void z_abort(struct ld_sink *sk)
{
	struct z_sink *s = (struct z_sink *)sk;

	stop_workers(s);
	s->inner->ops->abort(s->inner);
	z_release(s);
}

static void z_free(struct ld_sink *sk)
{
	struct z_sink *s = (struct z_sink *)sk;

	stop_workers(s);
	s->inner->ops->free(s->inner);
	z_release(s);
}

static const struct ld_sink_ops z_ops = {
	.write = z_write, .commit = z_commit, .abort = z_abort, .free = z_free,
};

uint64_t ld_compress_sink__out_bytes(const struct ld_sink *sk)
{
	return ((const struct z_sink *)sk)->out_off;
}

struct ld_sink *ld_compress_sink__new(struct ld_sink *inner, const struct ld_compress *how,
				      unsigned threads)
{
	const struct ld_compress_ops *o = ld_compress_ops(how->kind);
	struct z_sink *s;
	unsigned char *zeros = NULL;
	void *cctx = NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int err = ENOMEM;

	if (!o) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->base.ops = &z_ops;
	s->inner = inner;
	s->o = o;
	s->level = how->level < o->min_level || how->level > o->max_level || !how->level
		   ? o->default_level : how->level;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->done, NULL);
	if (!threads)
		threads = ncpu > 0 ? ncpu : 1;
	threads = threads < MAX_THREADS ? threads : MAX_THREADS;
	s->njobs = 2 * threads + 2;
	s->jobs = calloc(s->njobs, sizeof(*s->jobs));
	s->out_cap = LD_Z_HDR + o->bound(LD_Z_BLOCK);
	if (!s->jobs)
		goto fail;
	for (unsigned i = 0; i < s->njobs; i++) {
		s->jobs[i].in = malloc(LD_Z_BLOCK);
		s->jobs[i].out = malloc(s->out_cap);
		if (!s->jobs[i].in || !s->jobs[i].out)
			goto fail;
	}
	/* A block of zeros (holes) compresses the same every time. */
	zeros = calloc(1, LD_Z_BLOCK);
	s->zero = malloc(s->out_cap);
	cctx = o->cctx_new(s->level);
	if (!zeros || !s->zero || !cctx ||
	    o->compress(cctx, zeros, LD_Z_BLOCK, s->zero, s->out_cap, &s->zero_len))
		goto fail;
	o->cctx_free(cctx);
	cctx = NULL;
	free(zeros);
	zeros = NULL;
	for (unsigned i = 0; i < threads; i++) {
		err = pthread_create(&s->thr[i], NULL, worker, s);
		if (err)
			goto fail;
		s->nthr = i + 1;
	}
	return &s->base;
fail:
	if (cctx)
		o->cctx_free(cctx);
	free(zeros);
	z_release(s);
	errno = err;
	return NULL;
}

/* --- the reader ------------------------------------------------------------ */

struct block {
	uint64_t off;		/* in the plain core */
	uint64_t pos;		/* of its member in the file */
	uint32_t usize, msize;
};

struct ld_compress_reader {
	int fd;
	const struct ld_compress_ops *o;
	struct block *v;
	size_t n;
	uint64_t size;
	struct {
		size_t idx;
		unsigned char *buf;
		uint64_t used;
	} cache[NCACHE];
	uint64_t tick;
	void *dctx;
	unsigned char *cbuf;
	size_t ccap;
};

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
static int open_fail(struct ld_compress_reader *r, int ret, char *err, size_t errlen,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int open_fail(struct ld_compress_reader *r, int ret, char *err, size_t errlen,
		     const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	ld_compress_reader__free(r);
	return ret;
}

int ld_compress_reader__open(int fd, uint64_t file_size, enum ld_compress_kind kind,
			     struct ld_compress_reader **out, bool *cut, char *err,
			     size_t errlen)
{
	const struct ld_compress_ops *o = ld_compress_ops(kind);
	struct ld_compress_reader *r;
	uint64_t pos = 0, off = 0;
	size_t cap = 0;
	int ret;

	*out = NULL;
	if (cut)
		*cut = false;
	if (!o)
		return ld_z_fail(err, errlen, -EINVAL, "not a compression kind: %d", kind);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = fd;
	r->o = o;
	while (pos < file_size) {
		unsigned char h[LD_Z_HDR];
		struct block b;

		if (file_size - pos < LD_Z_HDR) {
			if (cut)
				*cut = true;
			break;
		}
		ret = pread_all(fd, h, sizeof(h), pos);
		if (ret)
			return open_fail(r, ret, err, errlen, "compressed block %zu at offset %llu: %s",
					 r->n, (unsigned long long)pos, strerror(-ret));
		b = (struct block){ get64(h + 16), pos, get32(h + 24), get32(h + 28) };
		if (!o->is_ours(h, sizeof(h)) || b.off != off || !b.usize ||
		    b.usize > LD_Z_MAX_USIZE || b.msize <= LD_Z_HDR)
			return open_fail(r, -EBADMSG, err, errlen, "compressed block %zu at offset "
					 "%llu: not a livedump block (%s, offset %llu, size %u, "
					 "member %u bytes)", r->n, (unsigned long long)pos, o->name,
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

void ld_compress_reader__free(struct ld_compress_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < NCACHE; i++)
		free(r->cache[i].buf);
	if (r->dctx)
		r->o->dctx_free(r->dctx);
	free(r->cbuf);
	free(r->v);
	free(r);
}

uint64_t ld_compress_reader__size(const struct ld_compress_reader *r)
{
	return r->size;
}

/* Block i, decompressed and checked. */
static const unsigned char *get_block(struct ld_compress_reader *r, size_t i, char *err,
				      size_t errlen, int *ret)
{
	const struct block *b = &r->v[i];
	size_t victim = 0;
	unsigned char *out;
	char why[120] = "";

	for (size_t k = 0; k < NCACHE; k++) {
		if (r->cache[k].buf && r->cache[k].idx == i) {
			r->cache[k].used = ++r->tick;
			return r->cache[k].buf;
		}
		if (r->cache[k].used < r->cache[victim].used)
			victim = k;
	}
	if (!r->dctx) {
		r->dctx = r->o->dctx_new();
		if (!r->dctx) {
			*ret = -ENOMEM;
			return NULL;
		}
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
		ld_z_fail(err, errlen, *ret, "compressed block %zu at offset %llu: %s", i,
			  (unsigned long long)b->pos,
			  *ret == -ENODATA ? "the file ends inside it" : strerror(-*ret));
		return NULL;
	}
	*ret = r->o->decompress(r->dctx, r->cbuf + LD_Z_HDR, b->msize - LD_Z_HDR, out, b->usize,
				why, sizeof(why));
	if (*ret) {
		ld_z_fail(err, errlen, *ret, "compressed block %zu at offset %llu (plain bytes "
			  "%llu..%llu) is damaged: %s", i, (unsigned long long)b->pos,
			  (unsigned long long)b->off, (unsigned long long)(b->off + b->usize),
			  why[0] ? why : strerror(-*ret));
		return NULL;
	}
	r->cache[victim].idx = i;
	r->cache[victim].used = ++r->tick;
	return out;
}

int ld_compress_reader__pread(struct ld_compress_reader *r, void *buf, size_t len,
			      uint64_t off, char *err, size_t errlen)
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

/* --- foreign streams -------------------------------------------------------- */

int ld_decompress_all(enum ld_compress_kind kind, int fd, uint64_t *size, bool *cut, char *err,
		      size_t errlen)
{
	const struct ld_compress_ops *o = ld_compress_ops(kind);
	int mfd, ret;

	*cut = false;
	if (!o)
		return ld_z_fail(err, errlen, -EINVAL, "not a compression kind: %d", kind);
	mfd = memfd_create("livedump-decompressed", MFD_CLOEXEC);
	if (mfd < 0)
		return ld_z_fail(err, errlen, -errno, "memfd_create: %s", strerror(errno));
	ret = o->decompress_all(fd, mfd, size, cut, err, errlen);
	if (ret) {
		close(mfd);
		return ret;
	}
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
