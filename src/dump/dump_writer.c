// SPDX-License-Identifier: MIT
/* Lays out an ELF core and emits it as typed writes to a sink. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "dump/dump_writer.h"
#include "base/log.h"
#include "dump/outdir.h"

#define ALIGN4(x)	(((x) + 3) & ~(size_t)3)
#define PAGE_ALIGN(x)	(((x) + LD_PAGE_SIZE - 1) & ~(uint64_t)(LD_PAGE_SIZE - 1))
#define CHUNK		(4U << 20)	/* bytes per read of target memory */

/* --- notes -------------------------------------------------------------- */

static int notes_reserve(struct ld_notes *n, size_t more)
{
	unsigned char *p;
	size_t cap;

	if (n->len + more <= n->cap)
		return 0;
	cap = n->cap ? n->cap : 4096;
	while (cap < n->len + more)
		cap *= 2;
	p = realloc(n->buf, cap);
	if (!p)
		return -ENOMEM;
	n->buf = p;
	n->cap = cap;
	return 0;
}

void ld_notes__append(struct ld_notes *n, const struct ld_notes *more)
{
	if (n->err || !more->len)
		return;
	if (more->err) {
		n->err = more->err;
		return;
	}
	if (notes_reserve(n, more->len)) {
		n->err = -ENOMEM;
		return;
	}
	memcpy(n->buf + n->len, more->buf, more->len);
	n->len += more->len;
}

void ld_notes__add(struct ld_notes *n, const char *owner, uint32_t type,
		   const void *a, size_t alen, const void *b, size_t blen)
{
	size_t namesz = strlen(owner) + 1, descsz = alen + blen;
	Elf64_Nhdr nh = { .n_namesz = namesz, .n_descsz = descsz, .n_type = type };
	unsigned char *p;

	if (n->err)
		return;
	if (descsz > UINT32_MAX) {
		n->err = -E2BIG;
		return;
	}
	if (notes_reserve(n, sizeof(nh) + ALIGN4(namesz) + ALIGN4(descsz))) {
		n->err = -ENOMEM;
		return;
	}
	p = n->buf + n->len;
	memcpy(p, &nh, sizeof(nh));
	p += sizeof(nh);
	memset(p, 0, ALIGN4(namesz));
	memcpy(p, owner, namesz);
	p += ALIGN4(namesz);
	if (alen)
		memcpy(p, a, alen);
	if (blen)
		memcpy(p + alen, b, blen);
	memset(p + descsz, 0, ALIGN4(descsz) - descsz);
	n->len += sizeof(nh) + ALIGN4(namesz) + ALIGN4(descsz);
}

void ld_notes__free(struct ld_notes *n)
{
	free(n->buf);
	memset(n, 0, sizeof(*n));
}

/* --- file sink ---------------------------------------------------------- */

/*
 * The file is created unnamed (O_TMPFILE) in the directory and linked to
 * its name only when whole, so no name exists that anyone could plant a
 * link at or that a killed collector leaves behind.  Filesystems without
 * O_TMPFILE get a hidden ".NAME.PID.tmp", created O_EXCL|O_NOFOLLOW (an
 * existing file or link there is an error, never followed) and locked
 * while written, so the next record knows it from one a kill left behind.
 */
struct file_sink {
	struct ld_sink base;
	int dirfd, fd;
	char *tmpname;		/* NULL: an O_TMPFILE file */
	char *name, *path, *orig, *dir;
};

static int file_write(struct ld_sink *s, enum ld_write_kind kind, uint64_t off,
		      const void *buf, size_t len)
{
	struct file_sink *fs = (struct file_sink *)s;
	const char *p = buf;

	(void)kind;
	while (len) {
		ssize_t n = pwrite(fs->fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* NAME.core -> NAME-SEQ.core, from the name the sink was created with. */
static int next_name(struct file_sink *fs, unsigned seq)
{
	const char *dot = strrchr(fs->orig, '.');
	int stem = dot && !strcmp(dot, ".core") ? (int)(dot - fs->orig) : (int)strlen(fs->orig);
	char *name, *path;

	if (asprintf(&name, "%.*s-%u%s", stem, fs->orig, seq, fs->orig + stem) < 0)
		return errno = ENOMEM;
	if (asprintf(&path, "%s/%s", fs->dir, name) < 0) {
		free(name);
		return errno = ENOMEM;
	}
	free(fs->name);
	free(fs->path);
	fs->name = name;
	fs->path = path;
	return 0;
}

/* Gives the file its name; linkat() never replaces what is there (EEXIST). */
static int link_name(struct file_sink *fs)
{
	char proc[64];

	if (fs->tmpname)
		return linkat(fs->dirfd, fs->tmpname, fs->dirfd, fs->name, 0);
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works for anyone. */
	if (!linkat(fs->fd, "", fs->dirfd, fs->name, AT_EMPTY_PATH))
		return 0;
	if (errno == EEXIST)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fs->fd);
	return linkat(AT_FDCWD, proc, fs->dirfd, fs->name, AT_SYMLINK_FOLLOW);
}

static int file_commit(struct ld_sink *s)
{
	struct file_sink *fs = (struct file_sink *)s;

	if (fsync(fs->fd))
		return -errno;
	/* Never replace an existing dump: try NAME-2... */
	for (unsigned seq = 2; link_name(fs); seq++) {
		if (errno != EEXIST || seq > 9999 || next_name(fs, seq))
			return -errno;
	}
	if (fs->tmpname)
		unlinkat(fs->dirfd, fs->tmpname, 0);
	fsync(fs->dirfd);
	return 0;
}

static void file_free(struct ld_sink *s)
{
	struct file_sink *fs = (struct file_sink *)s;

	if (fs->fd >= 0)
		close(fs->fd);
	if (fs->dirfd >= 0)
		close(fs->dirfd);
	free(fs->tmpname);
	free(fs->name);
	free(fs->path);
	free(fs->orig);
	free(fs->dir);
	free(fs);
}

static void file_abort(struct ld_sink *s)
{
	struct file_sink *fs = (struct file_sink *)s;

	/* An O_TMPFILE file goes with its last descriptor. */
	if (fs->tmpname && fs->fd >= 0)
		unlinkat(fs->dirfd, fs->tmpname, 0);
	file_free(s);
}

static const struct ld_sink_ops file_ops = {
	.write = file_write, .commit = file_commit, .abort = file_abort, .free = file_free,
};

static struct ld_sink *file_sink_new(int dirfd, const char *dir, const char *name)
{
	struct file_sink *fs = calloc(1, sizeof(*fs));
	int err;

	if (!fs) {
		close(dirfd);
		errno = ENOMEM;
		return NULL;
	}
	fs->base.ops = &file_ops;
	fs->fd = -1;
	fs->dirfd = dirfd;
	errno = 0;
	if (!(fs->name = strdup(name)) || !(fs->orig = strdup(name)) ||
	    !(fs->dir = strdup(dir)) || asprintf(&fs->path, "%s/%s", dir, name) < 0)
		goto fail;
	/* The test suite runs the fallback too (test_outdir_safety). */
	if (!getenv("LIVEDUMP_TEST_NO_TMPFILE")) {
		fs->fd = openat(fs->dirfd, ".", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
		if (fs->fd >= 0)
			return &fs->base;
		/* No O_TMPFILE on this filesystem (or kernel): a hidden name. */
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			goto fail;
	}
	fs->tmpname = malloc(strlen(name) + 32);
	if (!fs->tmpname)
		goto fail;
	err = ld_tmp_name(fs->tmpname, strlen(name) + 32, name, getpid());
	if (err) {
		errno = -err;
		goto fail;
	}
	fs->fd = openat(fs->dirfd, fs->tmpname,
			O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fs->fd < 0) {
		err = errno;
		if (err == EEXIST)
			ld_err("cannot create %s/%s: something is already there; not replaced, "
			       "not followed", dir, fs->tmpname);
		errno = err;
		goto fail;
	}
	/*
	 * Held until the file is named or gone: whoever finds it unlocked
	 * knows we were killed (ld_tmp_scan).  A cleaner that holds it for a
	 * moment sees an empty new file and lets it be; we wait for it.
	 */
	while (flock(fs->fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		/* No flock() on this filesystem: ld_tmp_scan goes by our pid and age. */
		if (errno != ENOLCK && errno != EOPNOTSUPP && errno != EINVAL) {
			err = errno;
			file_abort(&fs->base);
			errno = err;
			return NULL;
		}
		break;
	}
	return &fs->base;
fail:
	err = errno ? errno : ENOMEM;
	file_free(&fs->base);
	errno = err;
	return NULL;
}

struct ld_sink *ld_file_sink__new(const char *dir, const char *name)
{
	int dirfd = ld_outdir_open(dir);

	if (dirfd < 0) {
		errno = -dirfd;
		return NULL;
	}
	return file_sink_new(dirfd, dir, name);
}

struct ld_sink *ld_file_sink__new_user(const char *dir, const char *name)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dirfd < 0)
		return NULL;
	return file_sink_new(dirfd, dir, name);
}

const char *ld_file_sink__path(const struct ld_sink *s)
{
	return ((const struct file_sink *)s)->path;
}

int ld_file_sink__fd(const struct ld_sink *s)
{
	return ((const struct file_sink *)s)->fd;
}

/* --- writer ------------------------------------------------------------- */

struct writer {
	struct ld_sink *sink;
	uint64_t off;
	uint64_t holes;		/* bytes of zero pages not written */
	struct ld_note_complete done;
	void *chunk;
};

static int emit(struct writer *w, enum ld_write_kind kind, uint64_t off,
		const void *buf, size_t len)
{
	int err;

	if (!len)
		return 0;
	err = w->sink->ops->write(w->sink, kind, off, buf, len);
	if (!err)
		w->off = off + len;
	return err;
}

static void note_unreadable(struct ld_note_complete *c, uint64_t addr, uint64_t len)
{
	struct ld_range *last = c->nranges ? &c->ranges[c->nranges - 1] : NULL;

	c->unreadable_bytes += len;
	if (last && last->addr + last->len == addr) {
		last->len += len;
	} else if (c->nranges < LD_COMPLETE_MAX_RANGES) {
		c->ranges[c->nranges].addr = addr;
		c->ranges[c->nranges].len = len;
		c->nranges++;
	} else {
		/* Full: widen the last entry so nothing unreadable goes unmentioned. */
		last->len = addr + len - last->addr;
	}
}

/* Whether len bytes (a multiple of 8 at an 8-aligned address) are all zero. */
static bool all_zero(const void *p, size_t len)
{
	const uint64_t *w = p;
	size_t n = len / 8, i = 0;

	/* Most pages that are not zero say so in their first words. */
	if (n >= 2 && (w[0] | w[1]))
		return false;
	for (; i + 8 <= n; i += 8)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7])
			return false;
	for (; i < n; i++)
		if (w[i])
			return false;
	for (size_t b = n * 8; b < len; b++)
		if (((const unsigned char *)p)[b])
			return false;
	return true;
}

/*
 * Writes buf at off (a page-aligned file offset) leaving out the pages
 * that are all zero: the file gets holes there, which read as zeros, and
 * a sequential sink writes the zeros itself.
 */
static int emit_sparse(struct writer *w, uint64_t off, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i = 0;

	if ((uintptr_t)p % 8)
		return emit(w, LD_WR_BODY, off, buf, len);
	while (i < len) {
		size_t start, n;

		/* Skip zero pages... */
		while (i < len) {
			n = len - i < LD_PAGE_SIZE ? len - i : LD_PAGE_SIZE;
			if (!all_zero(p + i, n))
				break;
			w->holes += n;
			i += n;
		}
		/* ...and write the run of pages that are not. */
		start = i;
		while (i < len) {
			n = len - i < LD_PAGE_SIZE ? len - i : LD_PAGE_SIZE;
			if (all_zero(p + i, n))
				break;
			i += n;
		}
		if (i > start) {
			int err = emit(w, LD_WR_BODY, off + start, p + start, i - start);

			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Streams one segment from the target.  A short read means an unreadable
 * page: it is written as zeros (a hole), recorded, and reading goes on
 * after it.  Ranges the source knows to be empty are not even read.
 */
static int write_from_source(struct writer *w, const struct ld_mem_source *src,
			     const struct ld_seg *seg, uint64_t off)
{
	uint64_t done = 0;

	while (done < seg->len) {
		size_t want = seg->len - done < CHUNK ? seg->len - done : CHUNK;
		long got;
		int err;

		if (src && src->probe && !((seg->vaddr + done) % LD_PAGE_SIZE)) {
			bool empty = false;
			uint64_t run = src->probe(src->ctx, seg->vaddr + done, seg->len - done, &empty);

			if (run && empty) {
				run = run < seg->len - done ? run : seg->len - done;
				w->holes += run;
				done += run;
				continue;
			}
			/* Read only up to the next empty range. */
			if (run && run < want)
				want = run;
		}
		got = src ? src->read(src->ctx, seg->vaddr + done, w->chunk, want) : -EFAULT;
		if (got < 0)
			got = 0;
		if ((size_t)got < want) {
			/* Skip to the next page boundary after the fault. */
			uint64_t bad = seg->vaddr + done + got;
			uint64_t next = (bad | (LD_PAGE_SIZE - 1)) + 1;
			size_t zero = next - bad;

			if (zero > want - got)
				zero = want - got;
			memset((char *)w->chunk + got, 0, zero);
			note_unreadable(&w->done, bad, zero);
			got += zero;
		}
		err = emit_sparse(w, off + done, w->chunk, got);
		if (err)
			return err;
		done += got;
	}
	return 0;
}

#define TRAILER_LEN (sizeof(Elf64_Nhdr) + ALIGN4(sizeof(LD_NOTE_OWNER)) + \
		     ALIGN4(sizeof(struct ld_note_complete)))

/*
 * Where everything goes; fills @ph (d->nsegs + 2 entries) and returns the
 * offset of the trailer, whose size is fixed: every offset is known before
 * the first byte is written.
 */
static uint64_t layout(const struct ld_dump_desc *d, Elf64_Phdr *ph)
{
	size_t nph = d->nsegs + 2;
	uint64_t meta_off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
	uint64_t off = PAGE_ALIGN(meta_off + d->notes->len);

	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = meta_off,
			      .p_filesz = d->notes->len, .p_align = 4 };
	for (size_t i = 0; i < d->nsegs; i++) {
		const struct ld_seg *s = &d->segs[i];

		ph[i + 1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = s->prot,
					  .p_offset = off, .p_vaddr = s->vaddr,
					  .p_filesz = s->len, .p_memsz = s->len,
					  .p_align = LD_PAGE_SIZE };
		off = PAGE_ALIGN(off + s->len);
	}
	ph[nph - 1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off,
				    .p_filesz = TRAILER_LEN, .p_align = 4 };
	return off;
}

uint64_t ld_dump_size(const struct ld_dump_desc *d)
{
	uint64_t off = PAGE_ALIGN(sizeof(Elf64_Ehdr) + (d->nsegs + 2) * sizeof(Elf64_Phdr) +
				  d->notes->len);

	for (size_t i = 0; i < d->nsegs; i++)
		off = PAGE_ALIGN(off + d->segs[i].len);
	return off + TRAILER_LEN;
}

int ld_dump_write(const struct ld_dump_desc *d, struct ld_sink *sink,
		  struct ld_write_stats *stats)
{
	struct writer w = { .sink = sink };
	size_t nph = d->nsegs + 2;
	Elf64_Phdr *ph = NULL;
	Elf64_Ehdr eh = { 0 };
	struct ld_notes trailer = { 0 };
	uint64_t meta_off, trailer_off;
	struct timespec ts;
	int err = d->notes->err;

	if (err)
		return err;
	ph = calloc(nph, sizeof(*ph));
	w.chunk = malloc(CHUNK);
	if (!ph || !w.chunk) {
		err = -ENOMEM;
		goto out;
	}

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = nph < PN_XNUM ? nph : PN_XNUM;
	if (nph >= PN_XNUM) {
		/* More segments than e_phnum holds: not needed at our sizes. */
		err = -E2BIG;
		goto out;
	}

	trailer_off = layout(d, ph);
	w.done.memory_bytes = 0;
	for (size_t i = 0; i < d->nsegs; i++)
		w.done.memory_bytes += d->segs[i].len;
	meta_off = ph[0].p_offset;

	err = emit(&w, LD_WR_HEADER, 0, &eh, sizeof(eh));
	if (!err)
		err = emit(&w, LD_WR_HEADER, sizeof(eh), ph, nph * sizeof(*ph));
	if (!err)
		err = emit(&w, LD_WR_SECONDARY, meta_off, d->notes->buf, d->notes->len);
	for (size_t i = 0; i < d->nunreadable; i++)
		note_unreadable(&w.done, d->unreadable[i].addr, d->unreadable[i].len);
	for (size_t i = 0; !err && i < d->nsegs; i++) {
		const struct ld_seg *s = &d->segs[i];

		if (s->data)
			err = emit_sparse(&w, ph[i + 1].p_offset, s->data, s->len);
		else
			err = write_from_source(&w, d->src, s, ph[i + 1].p_offset);
	}
	if (err)
		goto out;

	w.done.magic = LD_COMPLETE_MAGIC;
	w.done.file_size = trailer_off + TRAILER_LEN;
	w.done.meta_crc32 = crc32(0, d->notes->buf, d->notes->len);
	clock_gettime(CLOCK_REALTIME, &ts);
	w.done.end_time_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	ld_notes__add(&trailer, LD_NOTE_OWNER, LD_NT_COMPLETE, &w.done, sizeof(w.done), NULL, 0);
	err = trailer.err;
	if (!err)
		err = emit(&w, LD_WR_COMPLETE, trailer_off, trailer.buf, trailer.len);
	if (!err && stats) {
		stats->file_size = stats->core_size = w.done.file_size;
		stats->memory_bytes = w.done.memory_bytes;
		stats->unreadable_bytes = w.done.unreadable_bytes;
		stats->nunreadable = w.done.nranges;
		stats->hole_bytes = w.holes;
	}
out:
	ld_notes__free(&trailer);
	free(ph);
	free(w.chunk);
	return err;
}
