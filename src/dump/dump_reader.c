// SPDX-License-Identifier: MIT
/*
 * The dump reader: validates a livedump file and gives typed access to it.
 *
 * The file is never trusted.  Headers and notes are read with pread into
 * private buffers (so a file truncated under us cannot SIGBUS the tool the
 * way an mmap would) and every offset and size is checked, in 64-bit
 * arithmetic that cannot overflow, before it is used.  Memory segments stay
 * in the file and are read on demand.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "dump/compress.h"
#include "dump/dump_reader.h"
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "detectors/detector.h"

#define ALIGN4(x)	(((uint64_t)(x) + 3) & ~(uint64_t)3)
/* A note segment bigger than this is damage, not metadata. */
#define MAX_NOTE_SEG	(1ULL << 30)
#define NOTE_HDR_SIZE	12


/* --- messages ------------------------------------------------------------- */

int ld_rd_vfail(struct ld_dump *d, int err, const char *fmt, va_list ap)
{
	int n;

	if (!d->err || !d->errlen)
		return err;
	n = snprintf(d->err, d->errlen, "%s: ", d->path);
	if (n >= 0 && (size_t)n < d->errlen)
		vsnprintf(d->err + n, d->errlen - n, fmt, ap);
	return err;
}

int ld_rd_fail(struct ld_dump *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_rd_vfail(d, err, fmt, ap);
	va_end(ap);
	return err;
}

int ld_rd_note_fail(struct ld_dump *d, const struct ld_dump_note *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ld_rd_fail(d, -EBADMSG, "note %u at offset 0x%llx (%s): %s", n->index,
		    (unsigned long long)n->offset,
		    ld_dump__note_type_name(n->owner, n->type), msg);
}

/* Reject a second copy of a note that may appear once. */
int ld_rd_once(struct ld_dump *d, const struct ld_dump_note *n, enum single s)
{
	if (d->single[s])
		return ld_rd_note_fail(d, n, "a second one (the first is note %d)", d->single[s] - 1);
	d->single[s] = n->index + 1;
	return 0;
}

int ld_rd_once_slot(struct ld_dump *d, const struct ld_dump_note *n, int *slot)
{
	if (*slot)
		return ld_rd_note_fail(d, n, "a second one (the first is note %d)", *slot - 1);
	*slot = n->index + 1;
	return 0;
}

int ld_rd_need(struct ld_dump *d, const struct ld_dump_note *n, size_t size)
{
	if (n->descsz < size)
		return ld_rd_note_fail(d, n, "%u bytes, at least %zu expected", n->descsz, size);
	return 0;
}

/* Room for element n of an array that doubles at powers of two. */
int ld_rd_grow(void **arr, size_t n, size_t size)
{
	void *p;

	if (n && (n & (n - 1)))
		return 0;
	p = realloc(*arr, (n ? 2 * n : 1) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/*
 * The fixed-entry tables: a struct ld_note_table, then count entries of
 * entry_size bytes, of which we read the first min_size.  Returns the
 * first entry or NULL after reporting the problem.
 */
const unsigned char *ld_rd_table(struct ld_dump *d, const struct ld_dump_note *n,
				  size_t min_size, struct ld_note_table *t, int *err)
{
	*err = ld_rd_need(d, n, sizeof(*t));
	if (*err)
		return NULL;
	memcpy(t, n->desc, sizeof(*t));
	if (t->entry_size < min_size) {
		*err = ld_rd_note_fail(d, n, "entry_size %u, at least %zu expected",
				 t->entry_size, min_size);
		return NULL;
	}
	if ((uint64_t)t->count * t->entry_size > n->descsz - sizeof(*t)) {
		*err = ld_rd_note_fail(d, n, "%u entries of %u bytes do not fit in %u bytes",
				 t->count, t->entry_size, n->descsz);
		return NULL;
	}
	return (const unsigned char *)n->desc + sizeof(*t);
}

uint32_t ld_rd_crc32(uint32_t crc, const void *buf, uint64_t len)
{
	const unsigned char *p = buf;

	while (len) {
		uInt n = len > (1U << 30) ? (1U << 30) : (uInt)len;

		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}

/* Copy a fixed-size string field and terminate it. */
void ld_rd_copy_str(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}


/*
 * A piece of the dump is missing because the file ends early.  Fatal
 * unless the caller asked for cut dumps; then the first reason is kept.
 */
__attribute__((format(printf, 2, 3)))
static int cut(struct ld_dump *d, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (!(d->flags & LD_OPEN_ALLOW_CUT)) {
		ld_rd_vfail(d, -ENODATA, fmt, ap);
		va_end(ap);
		return -ENODATA;
	}
	if (!d->cut && vasprintf(&msg, fmt, ap) >= 0) {
		/* Same text as the error open() would have given. */
		if (asprintf(&d->cut, "%s: %s", d->path, msg) < 0)
			d->cut = NULL;
		free(msg);
	}
	va_end(ap);
	return 0;
}

/* --- names ---------------------------------------------------------------- */

const char *ld_dump__capture_type_name(uint32_t type)
{
	switch (type) {
	case LD_CAPTURE_CONTEXT: return "context";
	case LD_CAPTURE_MINI: return "mini";
	case LD_CAPTURE_FULL: return "full";
	}
	return "?";
}

const struct ld_detector_ops *ld_dump__detector(const struct ld_dump *d)
{
	if (!d->has_hdr)
		return NULL;
	if (d->hdr.detector)
		return ld_detector_get(d->hdr.detector);
	return ld_detector_legacy(d->hdr.issue_type, d->trigger, d->trigger_len);
}

const char *ld_dump__issue_name(const struct ld_dump *d)
{
	const struct ld_detector_ops *det = ld_dump__detector(d);

	return det ? det->name : "unknown";
}

void ld_dump__hist_names(const struct ld_dump *d, struct ld_hist_names *n)
{
	n->legacy = !d->has_hdr || !d->hdr.detector;
	n->rules = d->rules;
	n->rules_len = d->rules_len;
}

const char *ld_dump__issue_text(const struct ld_dump *d, size_t *len)
{
	if (len)
		*len = d->issue_text_len;
	return d->issue_text;
}

int ld_dump__decode(const struct ld_dump *d, struct ld_fields *f)
{
	struct ld_issue_src src = {
		.rec = d->trigger, .len = d->trigger_len, .text = d->issue_text,
		.text_len = d->issue_text_len,
	};

	if (!d->has_hdr) {
		ld_fields__init(f, NULL);
		ld_fields__summary(f, "no header: the issue is unknown");
		return -ENODATA;
	}
	src.code = d->hdr.code;
	memcpy(src.params, d->hdr.params, sizeof(src.params));
	src.legacy = !d->hdr.detector;
	ld_issue_decode(ld_dump__detector(d), &src, f);
	return 0;
}

const char *ld_dump__note_type_name(const char *owner, uint32_t type)
{
	const struct ld_note_ops *ops = ld_note_find(owner, type);

	return ops ? ops->name : "?";
}

/* --- file access ---------------------------------------------------------- */

/* Exactly len bytes at off, or -EIO (the file shrank) / -errno. */
static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * The plain core's bytes: from the file, or decompressed from a livedump
 * compressed dump.  The reader below never sees the difference.
 */
static int dump_pread(const struct ld_dump *d, void *buf, size_t len, uint64_t off)
{
	int err;

	if (!d->gz)
		return pread_full(d->fd, buf, len, off);
	d->gzmsg[0] = 0;
	err = ld_compress_reader__pread(d->gz, buf, len, off, d->gzmsg, 256);
	return err == -ENODATA ? -EIO : err;
}

/* What a failed dump_pread() means, for messages. */
static const char *read_error(const struct ld_dump *d, int err)
{
	return err == -EBADMSG && d->gzmsg && d->gzmsg[0] ? d->gzmsg : strerror(-err);
}

/* --- ELF header and program headers --------------------------------------- */

static int read_ehdr(struct ld_dump *d, Elf64_Ehdr *eh)
{
	size_t n = d->size < sizeof(*eh) ? d->size : sizeof(*eh);
	const unsigned char *id = eh->e_ident;
	int err;

	if (d->size == 0)
		return ld_rd_fail(d, -ENOEXEC, "empty file: not an ELF core file");
	memset(eh, 0, sizeof(*eh));
	err = dump_pread(d, eh, n, 0);
	if (err)
		return ld_rd_fail(d, err, "cannot read the ELF header: %s", read_error(d, err));
	if (memcmp(id, ELFMAG, n < SELFMAG ? n : SELFMAG))
		return ld_rd_fail(d, -ENOEXEC, "not an ELF file (starts with %02x %02x %02x %02x)",
			    id[0], id[1], id[2], id[3]);
	if (n < sizeof(*eh))
		return ld_rd_fail(d, -ENODATA, "cut at %zu bytes: the ELF header needs %zu bytes",
			    n, sizeof(*eh));
	if (id[EI_CLASS] != ELFCLASS64)
		return ld_rd_fail(d, -ENOEXEC, "not a 64-bit ELF file (EI_CLASS %u)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return ld_rd_fail(d, -ENOEXEC, "not a little-endian ELF file (EI_DATA %u)", id[EI_DATA]);
	if (eh->e_type != ET_CORE)
		return ld_rd_fail(d, -ENOEXEC, "not an ELF core file (e_type %u)", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return ld_rd_fail(d, -ENOEXEC, "not an x86-64 core file (e_machine %u)", eh->e_machine);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return ld_rd_fail(d, -EBADMSG, "e_phentsize %u, expected %zu",
			    eh->e_phentsize, sizeof(Elf64_Phdr));
	return 0;
}

/* With PN_XNUM the real count is in section header 0's sh_info. */
static int phdr_count(struct ld_dump *d, const Elf64_Ehdr *eh, size_t *count)
{
	Elf64_Shdr sh;
	int err;

	*count = eh->e_phnum;
	if (eh->e_phnum != PN_XNUM)
		return 0;
	if (eh->e_shentsize != sizeof(sh) || eh->e_shoff > d->size ||
	    d->size - eh->e_shoff < sizeof(sh))
		return ld_rd_fail(d, -EBADMSG, "e_phnum is PN_XNUM but section header 0 "
			    "(offset 0x%llx) is not in the file",
			    (unsigned long long)eh->e_shoff);
	err = dump_pread(d, &sh, sizeof(sh), eh->e_shoff);
	if (err)
		return ld_rd_fail(d, err, "cannot read section header 0: %s", read_error(d, err));
	*count = sh.sh_info;
	return 0;
}

static int read_phdrs(struct ld_dump *d)
{
	Elf64_Ehdr eh;
	uint64_t end;
	size_t count;
	int err;

	err = read_ehdr(d, &eh);
	if (!err)
		err = phdr_count(d, &eh, &count);
	if (err)
		return err;
	if (count == 0)
		return ld_rd_fail(d, -EBADMSG, "no program headers (e_phnum 0)");
	if (eh.e_phoff >= d->size)
		return ld_rd_fail(d, -EBADMSG, "program header table at offset 0x%llx is past "
			    "the end of the file (%llu bytes)",
			    (unsigned long long)eh.e_phoff, (unsigned long long)d->size);
	end = eh.e_phoff + (uint64_t)count * sizeof(Elf64_Phdr);
	if (end > d->size)
		return ld_rd_fail(d, -ENODATA, "cut at %llu bytes: the program header table "
			    "(%zu entries) needs bytes up to %llu",
			    (unsigned long long)d->size, count, (unsigned long long)end);
	d->phdrs = calloc(count, sizeof(Elf64_Phdr));
	if (!d->phdrs)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %zu program headers", count);
	d->nphdrs = count;
	err = dump_pread(d, d->phdrs, count * sizeof(Elf64_Phdr), eh.e_phoff);
	if (err)
		return ld_rd_fail(d, err, "cannot read the program headers: %s", read_error(d, err));
	return 0;
}

/* --- segments --------------------------------------------------------------- */

static int seg_cmp(const void *a, const void *b)
{
	const struct ld_dump_segment *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* Describe program header i for messages: "PT_LOAD 3 (vaddr 0x...)". */
static void phdr_name(const struct ld_dump *d, size_t i, char *buf, size_t len)
{
	const Elf64_Phdr *ph = &d->phdrs[i];
	unsigned nth = 0;

	for (size_t k = 0; k < i; k++)
		nth += d->phdrs[k].p_type == ph->p_type;
	if (ph->p_type == PT_LOAD)
		snprintf(buf, len, "PT_LOAD %u (vaddr 0x%llx)", nth,
			 (unsigned long long)ph->p_vaddr);
	else if (ph->p_type == PT_NOTE)
		snprintf(buf, len, "PT_NOTE %u (%s)", nth,
			 nth == 0 ? "metadata notes" : "trailer");
	else
		snprintf(buf, len, "program header %zu (type 0x%x)", i, ph->p_type);
}

/* Index of the last PT_NOTE, which holds the completion record; -1 if only one. */
static long trailer_phdr(const struct ld_dump *d)
{
	long first = -1, last = -1;

	for (size_t i = 0; i < d->nphdrs; i++) {
		if (d->phdrs[i].p_type != PT_NOTE)
			continue;
		if (first < 0)
			first = i;
		last = i;
	}
	return last > first ? last : -1;
}

/*
 * A writer emits segments in file order, so a cut file misses everything
 * from some offset on: report the segment with the lowest offset that
 * does not fit.
 */
static int check_cut(struct ld_dump *d)
{
	long trailer = trailer_phdr(d), first = -1;
	unsigned long long need;
	char name[96];

	for (size_t i = 0; i < d->nphdrs; i++) {
		const Elf64_Phdr *ph = &d->phdrs[i];

		if (ph->p_type != PT_LOAD && ph->p_type != PT_NOTE)
			continue;
		if (ph->p_offset + ph->p_filesz <= d->size)
			continue;
		if (first < 0 || ph->p_offset < d->phdrs[first].p_offset)
			first = i;
	}
	if (first < 0)
		return 0;
	need = d->phdrs[first].p_offset + d->phdrs[first].p_filesz;
	if (first == trailer && d->phdrs[first].p_offset >= d->size)
		return cut(d, "completion record missing: the dump was cut while it was "
			   "written (the file ends at %llu bytes, where the completion "
			   "record should start)", (unsigned long long)d->size);
	if (first == trailer)
		return cut(d, "completion record missing: the dump was cut while it was "
			   "written (cut at %llu bytes, the completion record needs bytes "
			   "up to %llu)", (unsigned long long)d->size, need);
	phdr_name(d, first, name, sizeof(name));
	return cut(d, "cut at %llu bytes: %s needs bytes up to %llu",
		   (unsigned long long)d->size, name, need);
}

static int add_load(struct ld_dump *d, size_t i, unsigned nth)
{
	const Elf64_Phdr *ph = &d->phdrs[i];
	struct ld_dump_segment *s = &d->segs[d->nsegs++];
	char name[96];

	phdr_name(d, i, name, sizeof(name));
	if (ph->p_filesz > ph->p_memsz)
		return ld_rd_fail(d, -EBADMSG, "%s: p_filesz %llu is larger than p_memsz %llu",
			    name, (unsigned long long)ph->p_filesz,
			    (unsigned long long)ph->p_memsz);
	if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr && ph->p_vaddr + ph->p_memsz != 0)
		return ld_rd_fail(d, -EBADMSG, "%s: p_memsz %llu wraps around the address space",
			    name, (unsigned long long)ph->p_memsz);
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->prot = ph->p_flags & (PF_R | PF_W | PF_X);
	s->index = nth;
	if (ph->p_offset >= d->size)
		s->avail = 0;
	else if (d->size - ph->p_offset < ph->p_filesz)
		s->avail = d->size - ph->p_offset;
	else
		s->avail = ph->p_filesz;
	return 0;
}

static int read_note_seg(struct ld_dump *d, size_t i)
{
	const Elf64_Phdr *ph = &d->phdrs[i];
	struct note_seg *ns = &d->nsegv[d->nnsegs];
	char name[96];
	int err;

	ns->phdr = i;
	ns->offset = ph->p_offset;
	ns->filesz = ph->p_filesz;
	if (ph->p_offset >= d->size)
		ns->avail = 0;
	else if (d->size - ph->p_offset < ph->p_filesz)
		ns->avail = d->size - ph->p_offset;
	else
		ns->avail = ph->p_filesz;
	if (ns->avail > MAX_NOTE_SEG) {
		phdr_name(d, i, name, sizeof(name));
		return ld_rd_fail(d, -EBADMSG, "%s: %llu bytes of notes is more than this reader "
			    "accepts (%llu)", name, (unsigned long long)ns->avail,
			    MAX_NOTE_SEG);
	}
	ns->buf = malloc(ns->avail ? ns->avail : 1);
	if (!ns->buf)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %llu bytes of notes",
			    (unsigned long long)ns->avail);
	d->nnsegs++;
	err = dump_pread(d, ns->buf, ns->avail, ns->offset);
	if (err)
		return ld_rd_fail(d, err, "cannot read the notes at offset 0x%llx: %s",
			    (unsigned long long)ns->offset, read_error(d, err));
	return 0;
}

static int read_segments(struct ld_dump *d)
{
	unsigned nloads = 0;
	int err;

	d->segs = calloc(d->nphdrs, sizeof(*d->segs));
	d->nsegv = calloc(d->nphdrs, sizeof(*d->nsegv));
	if (!d->segs || !d->nsegv)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %zu segments", d->nphdrs);
	for (size_t i = 0; i < d->nphdrs; i++) {
		const Elf64_Phdr *ph = &d->phdrs[i];

		if (ph->p_type != PT_LOAD && ph->p_type != PT_NOTE)
			continue;
		if (ph->p_offset + ph->p_filesz < ph->p_offset)
			return ld_rd_fail(d, -EBADMSG, "program header %zu: offset 0x%llx + size "
				    "%llu overflows", i, (unsigned long long)ph->p_offset,
				    (unsigned long long)ph->p_filesz);
	}
	err = check_cut(d);
	if (err)
		return err;
	for (size_t i = 0; i < d->nphdrs; i++) {
		if (d->phdrs[i].p_type == PT_LOAD)
			err = add_load(d, i, nloads++);
		else if (d->phdrs[i].p_type == PT_NOTE)
			err = read_note_seg(d, i);
		if (err)
			return err;
	}
	qsort(d->segs, d->nsegs, sizeof(*d->segs), seg_cmp);
	for (size_t i = 1; i < d->nsegs; i++) {
		const struct ld_dump_segment *a = &d->segs[i - 1], *b = &d->segs[i];

		if (b->vaddr - a->vaddr < a->memsz)
			return ld_rd_fail(d, -EBADMSG, "PT_LOAD %u (vaddr 0x%llx) overlaps PT_LOAD "
				    "%u (vaddr 0x%llx, %llu bytes)", b->index,
				    (unsigned long long)b->vaddr, a->index,
				    (unsigned long long)a->vaddr,
				    (unsigned long long)a->memsz);
	}
	return 0;
}

/* --- notes: standard ------------------------------------------------------ */

/* --- notes: livedump ------------------------------------------------------- */

/* --- notes: the kernel's view ------------------------------------------------ */

static void kview_free(struct kview_data *kv)
{
	free(kv->ev);
	free(kv->ks);
	free(kv->addrs);
	free(kv->syms);
}

/*
 * One note, by its entry in the note table.  A note this reader does not
 * know is a newer minor version's and skipped, except in the trailer,
 * which holds the completion record alone.
 */
static int parse_note(struct ld_dump *d, const struct ld_dump_note *n, bool trailer)
{
	const struct ld_note_ops *ops = ld_note_find(n->owner, n->type);
	bool trailer_note = ops && (ops->flags & LD_NOTE_TRAILER);

	if (trailer && !trailer_note)
		return ld_rd_note_fail(d, n, "only the completion record belongs in the trailer");
	if (!trailer && trailer_note)
		return ld_rd_note_fail(d, n, "the completion record is outside the trailer");
	return ops && ops->parse ? ops->parse(d, n) : 0;
}

/* --- note walking ---------------------------------------------------------- */

static int add_note(struct ld_dump *d, const struct ld_dump_note *n)
{
	if (d->nnotes == d->notes_cap) {
		size_t cap = d->notes_cap ? 2 * d->notes_cap : 64;
		void *p = realloc(d->notes, cap * sizeof(*d->notes));

		if (!p)
			return ld_rd_fail(d, -ENOMEM, "out of memory for notes");
		d->notes = p;
		d->notes_cap = cap;
	}
	d->notes[d->nnotes++] = *n;
	return 0;
}

static void note_owner(struct ld_dump_note *n, const unsigned char *name, uint32_t namesz)
{
	size_t len = strnlen((const char *)name, namesz);

	if (len >= sizeof(n->owner))
		len = sizeof(n->owner) - 1;
	memcpy(n->owner, name, len);
	n->owner[len] = 0;
}

/*
 * Walk the notes of one segment.  In a cut segment the walk stops at the
 * first note that does not fit in what is there; in a whole one that is
 * damage.
 */
static int walk_seg(struct ld_dump *d, struct note_seg *ns, bool trailer)
{
	uint64_t off = 0;
	bool seg_cut = ns->avail < ns->filesz;

	while (off < ns->avail) {
		struct ld_dump_note n = { .index = d->nnotes, .phdr = ns->phdr,
					  .offset = ns->offset + off };
		Elf64_Nhdr nh;
		uint64_t desc, end;
		int err;

		if (ns->avail - off < NOTE_HDR_SIZE) {
			if (seg_cut)
				return 0;
			return ld_rd_fail(d, -EBADMSG, "note %u at offset 0x%llx: its header runs "
				    "past the note segment (%llu bytes left)", n.index,
				    (unsigned long long)n.offset,
				    (unsigned long long)(ns->avail - off));
		}
		memcpy(&nh, ns->buf + off, sizeof(nh));
		desc = off + NOTE_HDR_SIZE + ALIGN4(nh.n_namesz);
		end = desc + nh.n_descsz;
		if (off + NOTE_HDR_SIZE + nh.n_namesz > ns->filesz)
			return ld_rd_fail(d, -EBADMSG, "note %u at offset 0x%llx: namesz %u runs "
				    "past the note segment", n.index,
				    (unsigned long long)n.offset, nh.n_namesz);
		if (end > ns->filesz)
			return ld_rd_fail(d, -EBADMSG, "note %u at offset 0x%llx: descsz %u runs "
				    "past the note segment", n.index,
				    (unsigned long long)n.offset, nh.n_descsz);
		if (end > ns->avail)
			return 0;	/* cut in the middle of this note */
		note_owner(&n, ns->buf + off + NOTE_HDR_SIZE, nh.n_namesz);
		n.type = nh.n_type;
		n.desc = ns->buf + desc;
		n.descsz = nh.n_descsz;
		err = add_note(d, &n);
		if (err)
			return err;
		err = parse_note(d, &n, trailer);
		if (err)
			return err;
		/* The last note's padding may be missing. */
		off = ALIGN4(end);
	}
	return 0;
}

static int walk_notes(struct ld_dump *d)
{
	long trailer = trailer_phdr(d);
	int err;

	for (size_t i = 0; i < d->nnsegs; i++) {
		err = walk_seg(d, &d->nsegv[i], (long)d->nsegv[i].phdr == trailer);
		if (err)
			return err;
	}
	return 0;
}

/* --- consistency ----------------------------------------------------------- */

static int check_complete(struct ld_dump *d)
{
	long tr = trailer_phdr(d);
	const struct ld_note_complete *c = &d->complete;
	const struct note_seg *meta = &d->nsegv[0];
	uint64_t mem = 0, end;
	uint32_t crc;

	if (d->cut)
		return 0;
	if (tr < 0)
		return ld_rd_fail(d, -EBADMSG, "completion record missing: there is no trailer "
			    "PT_NOTE (the dump has %zu note segment%s)", d->nnsegs,
			    d->nnsegs == 1 ? "" : "s");
	end = d->phdrs[tr].p_offset + d->phdrs[tr].p_filesz;
	if (!d->has_complete)
		return ld_rd_fail(d, -EBADMSG, "completion record missing: the trailer PT_NOTE at "
			    "offset 0x%llx holds no LD_NT_COMPLETE note",
			    (unsigned long long)d->phdrs[tr].p_offset);
	if (end != d->size)
		return ld_rd_fail(d, -EBADMSG, "the trailer ends at %llu bytes but the file has "
			    "%llu: the completion record must be the last bytes",
			    (unsigned long long)end, (unsigned long long)d->size);
	if (c->file_size != d->size)
		return ld_rd_fail(d, -EBADMSG, "the completion record says the file has %llu "
			    "bytes, it has %llu", (unsigned long long)c->file_size,
			    (unsigned long long)d->size);
	crc = ld_rd_crc32(0, meta->buf, meta->avail);
	if (crc != c->meta_crc32)
		return ld_rd_fail(d, -EBADMSG, "metadata checksum mismatch: the notes at offset "
			    "0x%llx (%llu bytes) have crc32 0x%08x, the completion record "
			    "says 0x%08x", (unsigned long long)meta->offset,
			    (unsigned long long)meta->avail, crc, c->meta_crc32);
	for (size_t i = 0; i < d->nsegs; i++)
		mem += d->segs[i].filesz;
	if (mem != c->memory_bytes)
		return ld_rd_fail(d, -EBADMSG, "the completion record says %llu bytes of memory, "
			    "the PT_LOAD segments hold %llu",
			    (unsigned long long)c->memory_bytes, (unsigned long long)mem);
	return 0;
}

static int find_rthread(const struct ld_dump *d, uint32_t tid)
{
	for (size_t i = 0; i < d->nrthreads; i++)
		if (d->rthreads[i].tid == tid)
			return i;
	return -1;
}

/* Threads of the table in its order, with registers by tid; then the rest. */
static int join_threads(struct ld_dump *d)
{
	size_t max = d->nttable + d->nrthreads;
	bool *used = calloc(d->nrthreads + 1, sizeof(*used));

	d->threads = calloc(max ? max : 1, sizeof(*d->threads));
	if (!d->threads || !used) {
		free(used);
		return ld_rd_fail(d, -ENOMEM, "out of memory for threads");
	}
	for (size_t i = 0; i < d->nttable; i++) {
		struct ld_dump_thread *t = &d->threads[d->nthreads++];
		int r = find_rthread(d, d->ttable[i].tid);

		*t = d->ttable[i];
		if (r < 0 || used[r])
			continue;
		used[r] = true;
		t->has_regs = true;
		t->regs = d->rthreads[r].regs;
		t->pc = d->rthreads[r].pc;
		t->sp = d->rthreads[r].sp;
		t->cursig = d->rthreads[r].cursig;
		t->has_fp = d->rthreads[r].has_fp;
		t->fpregs = d->rthreads[r].fpregs;
		t->fpregs_len = d->rthreads[r].fpregs_len;
		t->xstate = d->rthreads[r].xstate;
		t->xstate_len = d->rthreads[r].xstate_len;
		t->prstatus = &d->prs[r];
	}
	for (size_t r = 0; r < d->nrthreads; r++) {
		if (used[r])
			continue;
		d->threads[d->nthreads] = d->rthreads[r];
		d->threads[d->nthreads++].prstatus = &d->prs[r];
	}
	free(used);
	return 0;
}

static int check_header(struct ld_dump *d)
{
	if (d->has_hdr)
		return 0;
	if (d->cut)
		return 0;
	return ld_rd_fail(d, -ENOEXEC, "not a livedump dump: no LIVEDUMP header note "
		    "(an ordinary core file?)");
}

/* --- open / free ------------------------------------------------------------ */

/*
 * A compressed dump (compress.h) is read in place; any other stream of a
 * kind we know (a dump someone gzipped or zstd-compressed) is decompressed
 * into memory first.
 */
static int open_compressed(struct ld_dump *d)
{
	unsigned char head[LD_Z_HDR];
	enum ld_compress_kind kind;
	char msg[200] = "";
	uint64_t size;
	bool cut, ours;
	int err, fd;

	if (d->size < sizeof(head) || pread_full(d->fd, head, sizeof(head), 0))
		return 0;
	ld_compress_detect(head, sizeof(head), &kind, &ours);
	if (kind == LD_COMPRESS_NONE)
		return 0;
	d->compression = ld_compress_label(kind, ours);
	if (ours) {
		err = ld_compress_reader__open(d->fd, d->disk_size, kind, &d->gz, &cut, msg,
					       sizeof(msg));
		if (err)
			return ld_rd_fail(d, err, "%s", msg[0] ? msg : strerror(-err));
		d->size = ld_compress_reader__size(d->gz);
		d->gzmsg = calloc(1, 256);
		if (!d->gzmsg)
			return ld_rd_fail(d, -ENOMEM, "out of memory");
		return 0;
	}
	fd = ld_decompress_all(kind, d->fd, &size, &cut, msg, sizeof(msg));
	if (fd < 0)
		return ld_rd_fail(d, fd, "%s", msg[0] ? msg : strerror(-fd));
	close(d->fd);
	d->fd = fd;
	d->size = size;
	return 0;
}

int ld_dump__open_flags(const char *path, unsigned flags, struct ld_dump **out,
			char *errbuf, size_t errlen)
{
	struct ld_dump *d = calloc(1, sizeof(*d));
	struct stat st;
	int err;

	*out = NULL;
	if (errbuf && errlen)
		errbuf[0] = 0;
	if (!d || !(d->path = strdup(path))) {
		free(d);
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	d->fd = -1;
	d->flags = flags;
	d->err = errbuf;
	d->errlen = errlen;
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		err = ld_rd_fail(d, -errno, "%s", strerror(errno));
		goto out;
	}
	if (fstat(d->fd, &st)) {
		err = ld_rd_fail(d, -errno, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = ld_rd_fail(d, -EINVAL, "not a regular file");
		goto out;
	}
	d->size = d->disk_size = st.st_size;
	err = open_compressed(d);
	if (!err)
		err = read_phdrs(d);
	if (!err)
		err = read_segments(d);
	if (!err)
		err = walk_notes(d);
	if (!err)
		err = check_header(d);
	if (!err)
		err = check_complete(d);
	if (!err)
		err = join_threads(d);
out:
	d->err = NULL;
	d->errlen = 0;
	if (err) {
		ld_dump__free(d);
		return err;
	}
	*out = d;
	return 0;
}

const char *ld_dump__compression(const struct ld_dump *d, uint64_t *disk_size)
{
	if (disk_size)
		*disk_size = d->disk_size;
	return d->compression;
}

int ld_dump__read_file(const struct ld_dump *d, void *buf, size_t len, uint64_t off)
{
	if (off > d->size || len > d->size - off)
		return -ENODATA;
	return dump_pread(d, buf, len, off);
}

int ld_dump__open(const char *path, struct ld_dump **out, char *err, size_t errlen)
{
	return ld_dump__open_flags(path, 0, out, err, errlen);
}

void ld_dump__free(struct ld_dump *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	ld_compress_reader__free(d->gz);
	free(d->gzmsg);
	for (size_t i = 0; i < d->nnsegs; i++)
		free(d->nsegv[i].buf);
	free(d->nsegv);
	free(d->segs);
	free(d->phdrs);
	free(d->notes);
	free(d->rthreads);
	free(d->prs);
	free(d->ttable);
	free(d->threads);
	free(d->regions);
	free(d->blobs);
	free(d->fds);
	free(d->files);
	free(d->modules);
	free(d->limits);
	free(d->hid);
	free(d->sockets);
	kview_free(&d->kv);
	free(d->auxv);
	free(d->cut);
	free(d->path);
	free(d);
}

/* --- accessors --------------------------------------------------------------- */

const char *ld_dump__path(const struct ld_dump *d) { return d->path; }
uint64_t ld_dump__file_size(const struct ld_dump *d) { return d->size; }
const char *ld_dump__cut(const struct ld_dump *d) { return d->cut; }

const struct ld_note_header *ld_dump__header(const struct ld_dump *d)
{
	return d->has_hdr ? &d->hdr : NULL;
}

const struct ld_note_capture *ld_dump__capture_info(const struct ld_dump *d)
{
	return d->capnote ? &d->capture : NULL;
}

const struct ld_note_complete *ld_dump__complete(const struct ld_dump *d)
{
	return d->has_complete && !d->cut ? &d->complete : NULL;
}

const void *ld_dump__trigger(const struct ld_dump *d, size_t *len)
{
	if (len)
		*len = d->trigger_len;
	return d->trigger;
}

const struct ld_app_trigger *ld_dump__app_trigger(const struct ld_dump *d)
{
	return d->has_app ? &d->app : NULL;
}

const char *ld_dump__maps(const struct ld_dump *d, size_t *len)
{
	if (len)
		*len = d->maps_len;
	return d->maps;
}

const char *ld_dump__cmdline(const struct ld_dump *d, size_t *len)
{
	if (len)
		*len = d->cmdline_len;
	return d->cmdline;
}

size_t ld_dump__nthreads(const struct ld_dump *d) { return d->nthreads; }

const struct ld_dump_thread *ld_dump__thread(const struct ld_dump *d, size_t i)
{
	return i < d->nthreads ? &d->threads[i] : NULL;
}

const struct ld_dump_thread *ld_dump__thread_by_tid(const struct ld_dump *d, uint32_t tid)
{
	for (size_t i = 0; i < d->nthreads; i++)
		if (d->threads[i].tid == tid)
			return &d->threads[i];
	return NULL;
}

size_t ld_dump__nregions(const struct ld_dump *d) { return d->nregions; }

const struct ld_dump_region *ld_dump__region(const struct ld_dump *d, size_t i)
{
	return i < d->nregions ? &d->regions[i] : NULL;
}

size_t ld_dump__nblobs(const struct ld_dump *d) { return d->nblobs; }

const struct ld_dump_blob *ld_dump__blob(const struct ld_dump *d, size_t i)
{
	return i < d->nblobs ? &d->blobs[i] : NULL;
}

size_t ld_dump__nfds(const struct ld_dump *d) { return d->nfds; }

const struct ld_dump_fd *ld_dump__fd(const struct ld_dump *d, size_t i)
{
	return i < d->nfds ? &d->fds[i] : NULL;
}

size_t ld_dump__nfiles(const struct ld_dump *d) { return d->nfiles; }

const struct ld_dump_file *ld_dump__file(const struct ld_dump *d, size_t i)
{
	return i < d->nfiles ? &d->files[i] : NULL;
}

size_t ld_dump__nmodules(const struct ld_dump *d) { return d->nmodules; }

const struct ld_dump_module *ld_dump__module(const struct ld_dump *d, size_t i)
{
	return i < d->nmodules ? &d->modules[i] : NULL;
}

const char *ld_dump__environ(const struct ld_dump *d, size_t *len)
{
	if (len)
		*len = d->environ_len;
	return d->environ;
}

const char *ld_dump__cwd(const struct ld_dump *d) { return d->cwd; }

size_t ld_dump__nlimits(const struct ld_dump *d) { return d->nlimits; }

const struct ld_note_limit *ld_dump__limit(const struct ld_dump *d, size_t i)
{
	return i < d->nlimits ? &d->limits[i] : NULL;
}

size_t ld_dump__nsockets(const struct ld_dump *d) { return d->nsockets; }

const struct ld_dump_socket *ld_dump__socket(const struct ld_dump *d, size_t i)
{
	return i < d->nsockets ? &d->sockets[i] : NULL;
}

const struct ld_dump_socket *ld_dump__socket_by_ino(const struct ld_dump *d, uint64_t ino)
{
	for (size_t i = 0; i < d->nsockets; i++)
		if (d->sockets[i].s.ino == ino)
			return &d->sockets[i];
	return NULL;
}

size_t ld_dump__nauxv(const struct ld_dump *d) { return d->nauxv; }

const struct ld_dump_auxv *ld_dump__auxv(const struct ld_dump *d, size_t i)
{
	return i < d->nauxv ? &d->auxv[i] : NULL;
}

int ld_dump__auxv_get(const struct ld_dump *d, uint64_t type, uint64_t *val)
{
	for (size_t i = 0; i < d->nauxv; i++) {
		if (d->auxv[i].type == type) {
			*val = d->auxv[i].val;
			return 0;
		}
	}
	return -ENOENT;
}

const struct elf_prpsinfo *ld_dump__prpsinfo(const struct ld_dump *d)
{
	return d->has_psinfo ? &d->psinfo : NULL;
}

const siginfo_t *ld_dump__siginfo(const struct ld_dump *d)
{
	return d->has_siginfo ? &d->siginfo : NULL;
}

size_t ld_dump__nsegments(const struct ld_dump *d) { return d->nsegs; }

const struct ld_dump_segment *ld_dump__segment(const struct ld_dump *d, size_t i)
{
	return i < d->nsegs ? &d->segs[i] : NULL;
}

int ld_dump__foreach_note(const struct ld_dump *d, ld_dump_note_fn fn, void *ctx)
{
	for (size_t i = 0; i < d->nnotes; i++) {
		int ret = fn(&d->notes[i], ctx);

		if (ret)
			return ret;
	}
	return 0;
}

/* --- memory ------------------------------------------------------------------ */

/* The segment whose file bytes hold addr, or NULL. */
static const struct ld_dump_segment *seg_at(const struct ld_dump *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nsegs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->segs[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (addr - d->segs[lo - 1].vaddr >= d->segs[lo - 1].avail)
		return NULL;
	return &d->segs[lo - 1];
}

/*
 * How many bytes from addr (up to len) are not in an unreadable range:
 * 0 when addr itself is in one.
 */
static uint64_t readable_len(const struct ld_dump *d, uint64_t addr, uint64_t len)
{
	const struct ld_note_complete *c = ld_dump__complete(d);

	for (uint32_t i = 0; c && i < c->nranges; i++) {
		const struct ld_range *r = &c->ranges[i];

		if (addr - r->addr < r->len)
			return 0;
		if (r->addr > addr && r->addr - addr < len)
			len = r->addr - addr;
	}
	return len;
}

static long read_mem(const struct ld_dump *d, uint64_t addr, void *buf, size_t len,
		     bool raw)
{
	size_t total = 0;

	if (len > LONG_MAX)
		len = LONG_MAX;
	while (total < len) {
		uint64_t a = addr + total, n;
		const struct ld_dump_segment *s;
		int err;

		if (a < addr)
			break;	/* wrapped around */
		s = seg_at(d, a);
		if (!s)
			break;
		n = s->avail - (a - s->vaddr);
		if (n > len - total)
			n = len - total;
		if (!raw)
			n = readable_len(d, a, n);
		if (!n)
			break;
		err = dump_pread(d, (char *)buf + total, n, s->offset + (a - s->vaddr));
		if (err)
			return total ? (long)total : err;
		total += n;
	}
	return total;
}

long ld_dump__read_mem(const struct ld_dump *d, uint64_t addr, void *buf, size_t len)
{
	return read_mem(d, addr, buf, len, false);
}

int ld_dump__verify_region(const struct ld_dump *d, size_t i, uint32_t *crcp)
{
	const struct ld_dump_region *r = ld_dump__region(d, i);
	unsigned char buf[65536];
	uint32_t crc = crc32(0, NULL, 0);
	uint64_t done = 0;

	if (!r)
		return -EINVAL;
	/*
	 * The recorded crc covers the bytes as written, zero-filled
	 * unreadable pages included, so they are read raw here.
	 */
	while (done < r->captured) {
		size_t want = r->captured - done < sizeof(buf) ? r->captured - done : sizeof(buf);
		long got = read_mem(d, r->addr + done, buf, want, true);

		if (got < 0)
			return got;
		if ((size_t)got < want)
			return -ENODATA;
		crc = crc32(crc, buf, got);
		done += got;
	}
	if (crcp)
		*crcp = crc;
	return crc == r->crc32 ? 0 : -EBADMSG;
}

/* --- the kernel's view ------------------------------------------------------- */

const struct ld_dump_history *ld_dump__history(const struct ld_dump *d)
{
	return d->kv.hist_note ? &d->kv.hist : NULL;
}

size_t ld_dump__nkstacks(const struct ld_dump *d)
{
	return d->kv.nks;
}

const struct ld_dump_kstack *ld_dump__kstack(const struct ld_dump *d, size_t i)
{
	return i < d->kv.nks ? &d->kv.ks[i] : NULL;
}

const struct ld_dump_kproc *ld_dump__kproc(const struct ld_dump *d)
{
	return d->kv.kproc_note ? &d->kv.kproc : NULL;
}

const char *ld_dump__ns_name(unsigned i)
{
	static const char *const names[LD_NS_COUNT] = {
		[LD_NS_PID] = "pid", [LD_NS_PID_CHILDREN] = "pid_for_children",
		[LD_NS_MNT] = "mnt", [LD_NS_NET] = "net", [LD_NS_UTS] = "uts",
		[LD_NS_IPC] = "ipc", [LD_NS_USER] = "user", [LD_NS_CGROUP] = "cgroup",
		[LD_NS_TIME] = "time", [LD_NS_TIME_CHILDREN] = "time_for_children",
	};

	return i < LD_NS_COUNT ? names[i] : "?";
}
