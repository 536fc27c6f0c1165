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
#include "detectors/detector.h"

#define ALIGN4(x)	(((uint64_t)(x) + 3) & ~(uint64_t)3)
/* A note segment bigger than this is damage, not metadata. */
#define MAX_NOTE_SEG	(1ULL << 30)
#define NOTE_HDR_SIZE	12

/* Notes that may appear once; the index remembers the first one. */
enum single {
	S_HEADER, S_TRIGGER, S_THREADS, S_REGIONS, S_FDS, S_MAPS, S_CMDLINE, S_ISSUE_TEXT, S_RULES,
	S_COMPLETE, S_PRPSINFO, S_SIGINFO, S_AUXV, S_FILE, S_MODULES, S_NR
};

/* A PT_NOTE segment held in memory. */
struct note_seg {
	unsigned phdr;
	uint64_t offset, filesz, avail;
	unsigned char *buf;
};

/* LD_NT_HISTORY, LD_NT_KSTACK, LD_NT_KPROC (kview.h). */
struct kview_data {
	int hist_note, kstack_note, kproc_note;		/* note index + 1 */
	struct ld_dump_history hist;
	struct ld_hist_ev *ev;
	struct ld_dump_kstack *ks;
	size_t nks;
	uint64_t *addrs;
	const char **syms;
	struct ld_dump_kproc kproc;
};

struct ld_dump {
	char *path;
	int fd;
	unsigned flags;
	uint64_t size;			/* of the plain core */
	uint64_t disk_size;		/* of the file */
	const char *compression;	/* NULL: a plain core */
	struct ld_gz_reader *gz;	/* a livedump compressed dump: read in place */
	char *gzmsg;			/* why the last block could not be read */
	struct ld_note_capture capture;	/* LD_NT_CAPTURE, when capnote */
	int capnote;			/* its note index + 1 */

	Elf64_Phdr *phdrs;
	size_t nphdrs;
	struct ld_dump_segment *segs;
	size_t nsegs;
	struct note_seg *nsegv;		/* PT_NOTE segments in phdr order */
	size_t nnsegs;
	char *cut;

	struct ld_dump_note *notes;
	size_t nnotes, notes_cap;
	int single[S_NR];		/* note index + 1 of each singleton */

	struct ld_note_header hdr;
	bool has_hdr;
	const void *trigger;
	size_t trigger_len;
	struct ld_app_trigger app;
	bool has_app;
	const char *maps, *cmdline, *issue_text, *rules;
	size_t maps_len, cmdline_len, issue_text_len, rules_len;

	/* NT_PRSTATUS threads as found, then the joined list. */
	struct ld_dump_thread *rthreads;
	struct elf_prstatus *prs;
	size_t nrthreads;
	struct ld_dump_thread *ttable;	/* LD_NT_THREADS entries */
	size_t nttable;
	struct ld_dump_thread *threads;
	size_t nthreads;

	struct ld_dump_region *regions;
	size_t nregions;
	struct ld_dump_blob *blobs;
	size_t nblobs;
	struct ld_dump_fd *fds;
	size_t nfds;
	struct ld_dump_file *files;
	size_t nfiles;
	struct ld_dump_module *modules;
	size_t nmodules;
	struct ld_dump_auxv *auxv;
	size_t nauxv;
	struct elf_prpsinfo psinfo;
	bool has_psinfo;
	siginfo_t siginfo;
	bool has_siginfo;
	struct ld_note_complete complete;
	bool has_complete;
	struct kview_data kv;

	/* Where open() puts its message. */
	char *err;
	size_t errlen;
};

/* --- messages ------------------------------------------------------------- */

static int vfail(struct ld_dump *d, int err, const char *fmt, va_list ap)
{
	int n;

	if (!d->err || !d->errlen)
		return err;
	n = snprintf(d->err, d->errlen, "%s: ", d->path);
	if (n >= 0 && (size_t)n < d->errlen)
		vsnprintf(d->err + n, d->errlen - n, fmt, ap);
	return err;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct ld_dump *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(d, err, fmt, ap);
	va_end(ap);
	return err;
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
		vfail(d, -ENODATA, fmt, ap);
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

static int note_fail(struct ld_dump *d, const struct ld_dump_note *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int note_fail(struct ld_dump *d, const struct ld_dump_note *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(d, -EBADMSG, "note %u at offset 0x%llx (%s): %s", n->index,
		    (unsigned long long)n->offset,
		    ld_dump__note_type_name(n->owner, n->type), msg);
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
	if (!strcmp(owner, "CORE")) {
		switch (type) {
		case NT_PRSTATUS: return "NT_PRSTATUS";
		case NT_FPREGSET: return "NT_FPREGSET";
		case NT_PRPSINFO: return "NT_PRPSINFO";
		case NT_AUXV: return "NT_AUXV";
		case NT_SIGINFO: return "NT_SIGINFO";
		case NT_FILE: return "NT_FILE";
		}
	} else if (!strcmp(owner, "LINUX")) {
		if (type == NT_X86_XSTATE)
			return "NT_X86_XSTATE";
	} else if (!strcmp(owner, LD_NOTE_OWNER)) {
		switch (type) {
		case LD_NT_HEADER: return "LD_NT_HEADER";
		case LD_NT_TRIGGER: return "LD_NT_TRIGGER";
		case LD_NT_THREADS: return "LD_NT_THREADS";
		case LD_NT_REGIONS: return "LD_NT_REGIONS";
		case LD_NT_BLOB: return "LD_NT_BLOB";
		case LD_NT_FDS: return "LD_NT_FDS";
		case LD_NT_MAPS: return "LD_NT_MAPS";
		case LD_NT_CMDLINE: return "LD_NT_CMDLINE";
		case LD_NT_CAPTURE: return "LD_NT_CAPTURE";
		case LD_NT_MODULES: return "LD_NT_MODULES";
		case LD_NT_HISTORY: return "LD_NT_HISTORY";
		case LD_NT_KSTACK: return "LD_NT_KSTACK";
		case LD_NT_KPROC: return "LD_NT_KPROC";
		case LD_NT_ISSUE_TEXT: return "LD_NT_ISSUE_TEXT";
		case LD_NT_RULES: return "LD_NT_RULES";
		case LD_NT_HIDDEN: return "LD_NT_HIDDEN";
		case LD_NT_COMPLETE: return "LD_NT_COMPLETE";
		}
	}
	return "?";
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
	err = ld_gz_reader__pread(d->gz, buf, len, off, d->gzmsg, 256);
	return err == -ENODATA ? -EIO : err;
}

/* What a failed dump_pread() means, for messages. */
static const char *read_error(const struct ld_dump *d, int err)
{
	return err == -EBADMSG && d->gzmsg && d->gzmsg[0] ? d->gzmsg : strerror(-err);
}

static uint32_t crc32_buf(uint32_t crc, const void *buf, uint64_t len)
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
static void copy_str(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* --- ELF header and program headers --------------------------------------- */

static int read_ehdr(struct ld_dump *d, Elf64_Ehdr *eh)
{
	size_t n = d->size < sizeof(*eh) ? d->size : sizeof(*eh);
	const unsigned char *id = eh->e_ident;
	int err;

	if (d->size == 0)
		return fail(d, -ENOEXEC, "empty file: not an ELF core file");
	memset(eh, 0, sizeof(*eh));
	err = dump_pread(d, eh, n, 0);
	if (err)
		return fail(d, err, "cannot read the ELF header: %s", read_error(d, err));
	if (memcmp(id, ELFMAG, n < SELFMAG ? n : SELFMAG))
		return fail(d, -ENOEXEC, "not an ELF file (starts with %02x %02x %02x %02x)",
			    id[0], id[1], id[2], id[3]);
	if (n < sizeof(*eh))
		return fail(d, -ENODATA, "cut at %zu bytes: the ELF header needs %zu bytes",
			    n, sizeof(*eh));
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(d, -ENOEXEC, "not a 64-bit ELF file (EI_CLASS %u)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(d, -ENOEXEC, "not a little-endian ELF file (EI_DATA %u)", id[EI_DATA]);
	if (eh->e_type != ET_CORE)
		return fail(d, -ENOEXEC, "not an ELF core file (e_type %u)", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return fail(d, -ENOEXEC, "not an x86-64 core file (e_machine %u)", eh->e_machine);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(d, -EBADMSG, "e_phentsize %u, expected %zu",
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
		return fail(d, -EBADMSG, "e_phnum is PN_XNUM but section header 0 "
			    "(offset 0x%llx) is not in the file",
			    (unsigned long long)eh->e_shoff);
	err = dump_pread(d, &sh, sizeof(sh), eh->e_shoff);
	if (err)
		return fail(d, err, "cannot read section header 0: %s", read_error(d, err));
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
		return fail(d, -EBADMSG, "no program headers (e_phnum 0)");
	if (eh.e_phoff >= d->size)
		return fail(d, -EBADMSG, "program header table at offset 0x%llx is past "
			    "the end of the file (%llu bytes)",
			    (unsigned long long)eh.e_phoff, (unsigned long long)d->size);
	end = eh.e_phoff + (uint64_t)count * sizeof(Elf64_Phdr);
	if (end > d->size)
		return fail(d, -ENODATA, "cut at %llu bytes: the program header table "
			    "(%zu entries) needs bytes up to %llu",
			    (unsigned long long)d->size, count, (unsigned long long)end);
	d->phdrs = calloc(count, sizeof(Elf64_Phdr));
	if (!d->phdrs)
		return fail(d, -ENOMEM, "out of memory for %zu program headers", count);
	d->nphdrs = count;
	err = dump_pread(d, d->phdrs, count * sizeof(Elf64_Phdr), eh.e_phoff);
	if (err)
		return fail(d, err, "cannot read the program headers: %s", read_error(d, err));
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
		return fail(d, -EBADMSG, "%s: p_filesz %llu is larger than p_memsz %llu",
			    name, (unsigned long long)ph->p_filesz,
			    (unsigned long long)ph->p_memsz);
	if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr && ph->p_vaddr + ph->p_memsz != 0)
		return fail(d, -EBADMSG, "%s: p_memsz %llu wraps around the address space",
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
		return fail(d, -EBADMSG, "%s: %llu bytes of notes is more than this reader "
			    "accepts (%llu)", name, (unsigned long long)ns->avail,
			    MAX_NOTE_SEG);
	}
	ns->buf = malloc(ns->avail ? ns->avail : 1);
	if (!ns->buf)
		return fail(d, -ENOMEM, "out of memory for %llu bytes of notes",
			    (unsigned long long)ns->avail);
	d->nnsegs++;
	err = dump_pread(d, ns->buf, ns->avail, ns->offset);
	if (err)
		return fail(d, err, "cannot read the notes at offset 0x%llx: %s",
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
		return fail(d, -ENOMEM, "out of memory for %zu segments", d->nphdrs);
	for (size_t i = 0; i < d->nphdrs; i++) {
		const Elf64_Phdr *ph = &d->phdrs[i];

		if (ph->p_type != PT_LOAD && ph->p_type != PT_NOTE)
			continue;
		if (ph->p_offset + ph->p_filesz < ph->p_offset)
			return fail(d, -EBADMSG, "program header %zu: offset 0x%llx + size "
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
			return fail(d, -EBADMSG, "PT_LOAD %u (vaddr 0x%llx) overlaps PT_LOAD "
				    "%u (vaddr 0x%llx, %llu bytes)", b->index,
				    (unsigned long long)b->vaddr, a->index,
				    (unsigned long long)a->vaddr,
				    (unsigned long long)a->memsz);
	}
	return 0;
}

/* --- notes: standard ------------------------------------------------------ */

/* Reject a second copy of a note that may appear once. */
static int once(struct ld_dump *d, const struct ld_dump_note *n, enum single s)
{
	if (d->single[s])
		return note_fail(d, n, "a second one (the first is note %d)", d->single[s] - 1);
	d->single[s] = n->index + 1;
	return 0;
}

static int need(struct ld_dump *d, const struct ld_dump_note *n, size_t size)
{
	if (n->descsz < size)
		return note_fail(d, n, "%u bytes, at least %zu expected", n->descsz, size);
	return 0;
}

/* Room for element n of an array that doubles at powers of two. */
static int grow(void **arr, size_t n, size_t size)
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

static int parse_prstatus(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_dump_thread *t;
	struct elf_prstatus *pr;
	int err = need(d, n, sizeof(*pr));

	if (err)
		return err;
	if (grow((void **)&d->rthreads, d->nrthreads, sizeof(*t)) ||
	    grow((void **)&d->prs, d->nrthreads, sizeof(*pr)))
		return fail(d, -ENOMEM, "out of memory for threads");
	pr = &d->prs[d->nrthreads];
	t = &d->rthreads[d->nrthreads++];
	memcpy(pr, n->desc, sizeof(*pr));
	memset(t, 0, sizeof(*t));
	t->tid = pr->pr_pid;
	t->syscall = -1;
	t->has_regs = true;
	memcpy(&t->regs, &pr->pr_reg, sizeof(t->regs));
	t->pc = t->regs.rip;
	t->sp = t->regs.rsp;
	t->cursig = pr->pr_cursig;
	return 0;
}

/* NT_FPREGSET and NT_X86_XSTATE belong to the NT_PRSTATUS before them. */
static int parse_fp(struct ld_dump *d, const struct ld_dump_note *n, bool xstate)
{
	struct ld_dump_thread *t;

	if (!d->nrthreads)
		return note_fail(d, n, "comes before any NT_PRSTATUS");
	t = &d->rthreads[d->nrthreads - 1];
	if (xstate ? t->xstate != NULL : t->has_fp)
		return note_fail(d, n, "a second one for thread %u", t->tid);
	if (xstate) {
		t->xstate = n->desc;
		t->xstate_len = n->descsz;
		return 0;
	}
	if (n->descsz < sizeof(struct user_fpregs_struct))
		return need(d, n, sizeof(struct user_fpregs_struct));
	t->has_fp = true;
	t->fpregs = n->desc;
	t->fpregs_len = n->descsz;
	return 0;
}

static int parse_auxv(struct ld_dump *d, const struct ld_dump_note *n)
{
	size_t count = n->descsz / sizeof(struct ld_dump_auxv);
	int err = once(d, n, S_AUXV);

	if (err)
		return err;
	if (n->descsz % sizeof(struct ld_dump_auxv))
		return note_fail(d, n, "%u bytes is not a whole number of entries", n->descsz);
	d->auxv = calloc(count ? count : 1, sizeof(*d->auxv));
	if (!d->auxv)
		return fail(d, -ENOMEM, "out of memory for the auxv");
	memcpy(d->auxv, n->desc, count * sizeof(*d->auxv));
	for (d->nauxv = 0; d->nauxv < count; d->nauxv++)
		if (d->auxv[d->nauxv].type == AT_NULL)
			break;
	return 0;
}

/*
 * NT_FILE: count and page size, count (start, end, offset in pages)
 * triples, then count NUL-terminated names.
 */
static int parse_file(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc, *names, *end = p + n->descsz;
	uint64_t count, page, v[3];
	int err = once(d, n, S_FILE);

	if (!err)
		err = need(d, n, 16);
	if (err)
		return err;
	memcpy(&count, p, 8);
	memcpy(&page, p + 8, 8);
	if (count > (n->descsz - 16) / 24)
		return note_fail(d, n, "%llu entries do not fit in %u bytes",
				 (unsigned long long)count, n->descsz);
	d->files = calloc(count ? count : 1, sizeof(*d->files));
	if (!d->files)
		return fail(d, -ENOMEM, "out of memory for %llu mapped files",
			    (unsigned long long)count);
	names = p + 16 + count * 24;
	for (uint64_t i = 0; i < count; i++) {
		struct ld_dump_file *f = &d->files[i];
		const unsigned char *nul;

		memcpy(v, p + 16 + i * 24, sizeof(v));
		nul = memchr(names, 0, end - names);
		if (!nul)
			return note_fail(d, n, "the name of entry %llu is missing or not "
					 "terminated", (unsigned long long)i);
		if (v[0] > v[1])
			return note_fail(d, n, "entry %llu ends (0x%llx) before it starts "
					 "(0x%llx)", (unsigned long long)i,
					 (unsigned long long)v[1], (unsigned long long)v[0]);
		if (__builtin_mul_overflow(v[2], page, &f->offset))
			return note_fail(d, n, "entry %llu: offset %llu pages of %llu bytes "
					 "overflows", (unsigned long long)i,
					 (unsigned long long)v[2], (unsigned long long)page);
		f->start = v[0];
		f->end = v[1];
		f->name = (const char *)names;
		names = nul + 1;
	}
	d->nfiles = count;
	return 0;
}

static int parse_core(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err;

	switch (n->type) {
	case NT_PRSTATUS:
		return parse_prstatus(d, n);
	case NT_FPREGSET:
		return parse_fp(d, n, false);
	case NT_PRPSINFO:
		err = once(d, n, S_PRPSINFO);
		if (!err)
			err = need(d, n, sizeof(d->psinfo));
		if (err)
			return err;
		memcpy(&d->psinfo, n->desc, sizeof(d->psinfo));
		d->has_psinfo = true;
		return 0;
	case NT_SIGINFO:
		err = once(d, n, S_SIGINFO);
		if (!err)
			err = need(d, n, sizeof(d->siginfo));
		if (err)
			return err;
		memcpy(&d->siginfo, n->desc, sizeof(d->siginfo));
		d->has_siginfo = true;
		return 0;
	case NT_AUXV:
		return parse_auxv(d, n);
	case NT_FILE:
		return parse_file(d, n);
	}
	return 0;
}

/* --- notes: livedump ------------------------------------------------------- */

static int parse_header(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_header *h = &d->hdr;
	int err = once(d, n, S_HEADER);

	/* Format 1.2 and older end before the detector field. */
	if (!err)
		err = need(d, n, offsetof(struct ld_note_header, detector));
	if (err)
		return err;
	memset(h, 0, sizeof(*h));
	memcpy(h, n->desc, n->descsz < sizeof(*h) ? n->descsz : sizeof(*h));
	if (h->magic != LD_HEADER_MAGIC)
		return note_fail(d, n, "magic 0x%08x, expected 0x%08x", h->magic,
				 LD_HEADER_MAGIC);
	if (h->format_major != LD_FORMAT_MAJOR)
		return fail(d, -ENOTSUP, "format version %u.%u is not supported (this "
			    "reader knows %u.x)", h->format_major, h->format_minor,
			    LD_FORMAT_MAJOR);
	if (h->size < offsetof(struct ld_note_header, detector) || h->size > n->descsz)
		return note_fail(d, n, "size field %u, expected %zu..%u", h->size,
				 offsetof(struct ld_note_header, detector), n->descsz);
	if (h->size < sizeof(*h))
		h->detector = 0;
	h->rule[sizeof(h->rule) - 1] = 0;
	h->comm[sizeof(h->comm) - 1] = 0;
	h->hostname[sizeof(h->hostname) - 1] = 0;
	h->kernel_release[sizeof(h->kernel_release) - 1] = 0;
	h->collector_version[sizeof(h->collector_version) - 1] = 0;
	h->exe[sizeof(h->exe) - 1] = 0;
	d->has_hdr = true;
	return 0;
}

static int parse_trigger(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_event_hdr eh;
	int err = once(d, n, S_TRIGGER);

	if (err)
		return err;
	d->trigger = n->desc;
	d->trigger_len = n->descsz;
	if (n->descsz < sizeof(eh))
		return 0;
	memcpy(&eh, n->desc, sizeof(eh));
	if (eh.type != LD_DET_APP ||
	    n->descsz < offsetof(struct ld_app_trigger, blobs))
		return 0;
	memcpy(&d->app, n->desc, n->descsz < sizeof(d->app) ? n->descsz : sizeof(d->app));
	if (d->app.req.nblobs > LD_MAX_BLOBS)
		d->app.req.nblobs = LD_MAX_BLOBS;
	d->app.hdr.comm[LD_COMM_LEN - 1] = 0;
	d->has_app = true;
	return 0;
}

/*
 * The fixed-entry tables: a struct ld_note_table, then count entries of
 * entry_size bytes, of which we read the first min_size.  Returns the
 * first entry or NULL after reporting the problem.
 */
static const unsigned char *table(struct ld_dump *d, const struct ld_dump_note *n,
				  size_t min_size, struct ld_note_table *t, int *err)
{
	*err = need(d, n, sizeof(*t));
	if (*err)
		return NULL;
	memcpy(t, n->desc, sizeof(*t));
	if (t->entry_size < min_size) {
		*err = note_fail(d, n, "entry_size %u, at least %zu expected",
				 t->entry_size, min_size);
		return NULL;
	}
	if ((uint64_t)t->count * t->entry_size > n->descsz - sizeof(*t)) {
		*err = note_fail(d, n, "%u entries of %u bytes do not fit in %u bytes",
				 t->count, t->entry_size, n->descsz);
		return NULL;
	}
	return (const unsigned char *)n->desc + sizeof(*t);
}

static int parse_threads(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p;
	struct ld_note_table t;
	int err = once(d, n, S_THREADS);

	if (err || !(p = table(d, n, sizeof(struct ld_note_thread), &t, &err)))
		return err;
	d->ttable = calloc(t.count ? t.count : 1, sizeof(*d->ttable));
	if (!d->ttable)
		return fail(d, -ENOMEM, "out of memory for %u threads", t.count);
	for (uint32_t i = 0; i < t.count; i++, p += t.entry_size) {
		struct ld_dump_thread *th = &d->ttable[i];
		struct ld_note_thread e;

		memcpy(&e, p, sizeof(e));
		th->tid = e.tid;
		th->flags = e.flags;
		copy_str(th->name, sizeof(th->name), e.name, sizeof(e.name));
		th->state = e.state;
		th->syscall = e.syscall;
		th->stack_lo = e.stack_lo;
		th->stack_hi = e.stack_hi;
		th->in_table = true;
	}
	d->nttable = t.count;
	return 0;
}

static int parse_regions(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p;
	struct ld_note_table t;
	int err = once(d, n, S_REGIONS);

	if (err || !(p = table(d, n, sizeof(struct ld_note_region), &t, &err)))
		return err;
	d->regions = calloc(t.count ? t.count : 1, sizeof(*d->regions));
	if (!d->regions)
		return fail(d, -ENOMEM, "out of memory for %u regions", t.count);
	for (uint32_t i = 0; i < t.count; i++, p += t.entry_size) {
		struct ld_dump_region *r = &d->regions[i];
		struct ld_note_region e;

		memcpy(&e, p, sizeof(e));
		if (e.captured > e.len)
			return note_fail(d, n, "region %u (%.32s): %llu bytes captured of "
					 "%llu", i, e.name, (unsigned long long)e.captured,
					 (unsigned long long)e.len);
		r->addr = e.addr;
		r->len = e.len;
		r->captured = e.captured;
		r->crc32 = e.crc32;
		r->flags = e.flags;
		copy_str(r->name, sizeof(r->name), e.name, sizeof(e.name));
	}
	d->nregions = t.count;
	return 0;
}

static int parse_blob(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_dump_blob *b;
	struct ld_note_blob e;
	int err = need(d, n, sizeof(e));

	if (err)
		return err;
	memcpy(&e, n->desc, sizeof(e));
	if (e.len > n->descsz - sizeof(e))
		return note_fail(d, n, "len %llu but %zu bytes follow",
				 (unsigned long long)e.len, n->descsz - sizeof(e));
	if (grow((void **)&d->blobs, d->nblobs, sizeof(*b)))
		return fail(d, -ENOMEM, "out of memory for blobs");
	b = &d->blobs[d->nblobs++];
	memset(b, 0, sizeof(*b));
	copy_str(b->tag, sizeof(b->tag), e.tag, sizeof(e.tag));
	b->addr = e.addr;
	b->len = e.len;
	b->crc32 = e.crc32;
	b->flags = e.flags;
	b->data = (const unsigned char *)n->desc + sizeof(e);
	b->crc_ok = crc32_buf(0, b->data, b->len) == b->crc32;
	return 0;
}

/*
 * Fd records vary in size: each starts with its own size, and the next
 * one starts right after it (entry_size 0).  A nonzero entry_size means
 * fixed slots of that size.
 */
static int parse_fds(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc, *end = p + n->descsz;
	struct ld_note_table t;
	int err = once(d, n, S_FDS);

	if (!err)
		err = need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	p += sizeof(t);
	if (t.count > (n->descsz - sizeof(t)) / sizeof(struct ld_note_fd))
		return note_fail(d, n, "%u records do not fit in %u bytes", t.count,
				 n->descsz);
	d->fds = calloc(t.count ? t.count : 1, sizeof(*d->fds));
	if (!d->fds)
		return fail(d, -ENOMEM, "out of memory for %u fds", t.count);
	for (uint32_t i = 0; i < t.count; i++) {
		struct ld_dump_fd *f = &d->fds[i];
		struct ld_note_fd e;
		size_t room = end - p, slot;

		if (room < sizeof(e))
			return note_fail(d, n, "record %u at +%zu: runs past the note", i,
					 (size_t)(p - (const unsigned char *)n->desc));
		memcpy(&e, p, sizeof(e));
		slot = t.entry_size ? t.entry_size : e.size;
		if (e.size < sizeof(e) + 1 || e.size > room || slot < e.size || slot > room)
			return note_fail(d, n, "record %u at +%zu: size %u, expected %zu..%zu",
					 i, (size_t)(p - (const unsigned char *)n->desc),
					 e.size, sizeof(e) + 1, t.entry_size ? t.entry_size : room);
		if (!memchr(p + sizeof(e), 0, e.size - sizeof(e)))
			return note_fail(d, n, "record %u (fd %d): target not terminated",
					 i, e.fd);
		f->fd = e.fd;
		f->flags = e.flags;
		f->mode = e.mode;
		f->pos = e.pos;
		f->ino = e.ino;
		f->target = (const char *)p + sizeof(e);
		p += slot;
	}
	d->nfds = t.count;
	return 0;
}

/* LD_NT_CAPTURE: how the memory was captured (snapshot or why not). */
static int parse_capture(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_capture *c = &d->capture;
	int err;

	if (d->capnote)
		return note_fail(d, n, "a second one (the first is note %d)", d->capnote - 1);
	d->capnote = n->index + 1;
	err = need(d, n, LD_NOTE_CAPTURE_SIZE_1_0);
	if (err)
		return err;
	memset(c, 0, sizeof(*c));
	memcpy(c, n->desc, n->descsz < sizeof(*c) ? n->descsz : sizeof(*c));
	if (c->size < LD_NOTE_CAPTURE_SIZE_1_0 || c->size > n->descsz)
		return note_fail(d, n, "size field %u, expected %zu..%u", c->size,
				 (size_t)LD_NOTE_CAPTURE_SIZE_1_0, n->descsz);
	if (c->size < sizeof(*c))	/* written by an older collector */
		memset((char *)c + c->size, 0, sizeof(*c) - c->size);
	c->fallback[sizeof(c->fallback) - 1] = 0;
	c->cut[sizeof(c->cut) - 1] = 0;
	return 0;
}

static int parse_module(struct ld_dump *d, const struct ld_dump_note *n, uint32_t i,
			const unsigned char *p, size_t room, size_t *slot)
{
	struct ld_dump_module *m = &d->modules[i];
	size_t off = p - (const unsigned char *)n->desc;
	struct ld_note_module e;

	if (room < sizeof(e))
		return note_fail(d, n, "module %u at +%zu: runs past the note", i, off);
	memcpy(&e, p, sizeof(e));
	if (e.size < sizeof(e) + 1 || e.size > room || e.build_id_len > e.size - sizeof(e) - 1)
		return note_fail(d, n, "module %u at +%zu: size %u with a %u-byte build-id, "
				 "expected %zu..%zu", i, off, e.size, e.build_id_len,
				 sizeof(e) + e.build_id_len + 1, room);
	if (!memchr(p + sizeof(e) + e.build_id_len, 0, e.size - sizeof(e) - e.build_id_len))
		return note_fail(d, n, "module %u at +%zu: path not terminated", i, off);
	if (e.start > e.end)
		return note_fail(d, n, "module %u ends (0x%llx) before it starts (0x%llx)", i,
				 (unsigned long long)e.end, (unsigned long long)e.start);
	m->start = e.start;
	m->end = e.end;
	m->bias = e.bias;
	m->flags = e.flags;
	m->build_id = e.build_id_len ? p + sizeof(e) : NULL;
	m->build_id_len = e.build_id_len;
	m->path = (const char *)p + sizeof(e) + e.build_id_len;
	*slot = e.size;
	return 0;
}

/* LD_NT_MODULES: variable-size records like the fds (entry_size 0). */
static int parse_modules(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc, *end = p + n->descsz;
	struct ld_note_table t;
	int err = once(d, n, S_MODULES);

	if (!err)
		err = need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	p += sizeof(t);
	if (t.entry_size)
		return note_fail(d, n, "entry_size %u, expected 0 (variable-size records)",
				 t.entry_size);
	if (t.count > (n->descsz - sizeof(t)) / sizeof(struct ld_note_module))
		return note_fail(d, n, "%u modules do not fit in %u bytes", t.count, n->descsz);
	d->modules = calloc(t.count ? t.count : 1, sizeof(*d->modules));
	if (!d->modules)
		return fail(d, -ENOMEM, "out of memory for %u modules", t.count);
	for (uint32_t i = 0; i < t.count; i++) {
		size_t slot = 0;

		err = parse_module(d, n, i, p, end - p, &slot);
		if (err)
			return err;
		p += slot;
	}
	d->nmodules = t.count;
	return 0;
}

static int parse_complete(struct ld_dump *d, const struct ld_dump_note *n, bool in_trailer)
{
	struct ld_note_complete *c = &d->complete;
	size_t fixed = offsetof(struct ld_note_complete, ranges);
	size_t room;
	int err = once(d, n, S_COMPLETE);

	if (!err)
		err = need(d, n, fixed);
	if (err)
		return err;
	if (!in_trailer)
		return note_fail(d, n, "the completion record is outside the trailer");
	memset(c, 0, sizeof(*c));
	memcpy(c, n->desc, n->descsz < sizeof(*c) ? n->descsz : sizeof(*c));
	if (c->magic != LD_COMPLETE_MAGIC)
		return note_fail(d, n, "magic 0x%llx, expected 0x%llx",
				 (unsigned long long)c->magic, LD_COMPLETE_MAGIC);
	room = (n->descsz - fixed) / sizeof(struct ld_range);
	if (room > LD_COMPLETE_MAX_RANGES)
		room = LD_COMPLETE_MAX_RANGES;
	if (c->nranges > room)
		return note_fail(d, n, "nranges %u, but the note holds %zu", c->nranges, room);
	d->has_complete = true;
	return 0;
}

/* --- notes: the kernel's view ------------------------------------------------ */

static int kv_once(struct ld_dump *d, const struct ld_dump_note *n, int *slot)
{
	if (*slot)
		return note_fail(d, n, "a second one (the first is note %d)", *slot - 1);
	*slot = n->index + 1;
	return 0;
}

static int parse_history(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct kview_data *kv = &d->kv;
	struct ld_note_history h;
	const unsigned char *p;
	int err = kv_once(d, n, &kv->hist_note);

	if (!err)
		err = need(d, n, sizeof(h));
	if (err)
		return err;
	memcpy(&h, n->desc, sizeof(h));
	if (h.size < sizeof(h) || h.size > n->descsz)
		return note_fail(d, n, "size field %u, expected %zu..%u", h.size, sizeof(h),
				 n->descsz);
	if (h.entry_size < sizeof(struct ld_hist_ev))
		return note_fail(d, n, "entry_size %u, at least %zu expected", h.entry_size,
				 sizeof(struct ld_hist_ev));
	if ((uint64_t)h.count * h.entry_size > n->descsz - h.size)
		return note_fail(d, n, "%u events of %u bytes do not fit in %u bytes", h.count,
				 h.entry_size, n->descsz - h.size);
	kv->ev = calloc(h.count ? h.count : 1, sizeof(*kv->ev));
	if (!kv->ev)
		return fail(d, -ENOMEM, "out of memory for %u history events", h.count);
	p = (const unsigned char *)n->desc + h.size;
	for (uint32_t i = 0; i < h.count; i++, p += h.entry_size)
		memcpy(&kv->ev[i], p, sizeof(kv->ev[i]));
	kv->hist = (struct ld_dump_history){
		.count = h.count, .depth = h.depth, .wanted = h.wanted, .flags = h.flags,
		.issue_ktime_ns = h.issue_ktime_ns, .frozen_ktime_ns = h.frozen_ktime_ns,
		.total = h.total, .dropped = h.dropped,
		.realtime_offset_ns = h.realtime_offset_ns, .ev = kv->ev,
	};
	return 0;
}

/* Kernel stack records: entry_size 0, each record sized by its own size field. */
static int parse_kstacks(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct kview_data *kv = &d->kv;
	const unsigned char *p = n->desc, *end = p + n->descsz;
	size_t frames = 0, fi = 0;
	struct ld_note_table t;
	int err = kv_once(d, n, &kv->kstack_note);

	if (!err)
		err = need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	p += sizeof(t);
	if (t.entry_size)
		return note_fail(d, n, "entry_size %u, expected 0 (variable-size records)",
				 t.entry_size);
	if (t.count > (n->descsz - sizeof(t)) / sizeof(struct ld_note_kstack))
		return note_fail(d, n, "%u stacks do not fit in %u bytes", t.count, n->descsz);
	/* First pass: check every record and count the frames. */
	for (uint32_t i = 0; i < t.count; i++) {
		size_t off = p - (const unsigned char *)n->desc, room = end - p;
		const char *s, *send;
		struct ld_note_kstack e;

		if (room < sizeof(e))
			return note_fail(d, n, "stack %u at +%zu: runs past the note", i, off);
		memcpy(&e, p, sizeof(e));
		if (e.size < sizeof(e) || e.size > room ||
		    e.nframes > (e.size - sizeof(e)) / 9)
			return note_fail(d, n, "stack %u at +%zu: size %u with %u frames, expected "
					 "%zu..%zu", i, off, e.size, e.nframes,
					 sizeof(e) + (size_t)e.nframes * 9, room);
		s = (const char *)p + sizeof(e) + (size_t)e.nframes * 8;
		send = (const char *)p + e.size;
		for (uint32_t f = 0; f < e.nframes; f++) {
			const char *nul = memchr(s, 0, send - s);

			if (!nul)
				return note_fail(d, n, "stack %u (tid %u): symbol %u not terminated",
						 i, e.tid, f);
			s = nul + 1;
		}
		frames += e.nframes;
		p += e.size;
	}
	kv->ks = calloc(t.count ? t.count : 1, sizeof(*kv->ks));
	kv->addrs = calloc(frames ? frames : 1, sizeof(*kv->addrs));
	kv->syms = calloc(frames ? frames : 1, sizeof(*kv->syms));
	if (!kv->ks || !kv->addrs || !kv->syms)
		return fail(d, -ENOMEM, "out of memory for %u kernel stacks", t.count);
	p = (const unsigned char *)n->desc + sizeof(t);
	for (uint32_t i = 0; i < t.count; i++) {
		struct ld_dump_kstack *k = &kv->ks[i];
		struct ld_note_kstack e;
		const char *s;

		memcpy(&e, p, sizeof(e));
		*k = (struct ld_dump_kstack){
			.tid = e.tid, .ns_tid = e.ns_tid, .source = e.source, .flags = e.flags,
			.ctx_tid = e.ctx_tid, .syscall = e.syscall, .ktime_ns = e.ktime_ns,
			.state = e.state, .nframes = e.nframes, .addrs = kv->addrs + fi,
			.syms = kv->syms + fi,
		};
		memcpy(kv->addrs + fi, p + sizeof(e), (size_t)e.nframes * 8);
		s = (const char *)p + sizeof(e) + (size_t)e.nframes * 8;
		for (uint32_t f = 0; f < e.nframes; f++) {
			kv->syms[fi + f] = s;
			s += strlen(s) + 1;
		}
		fi += e.nframes;
		p += e.size;
	}
	kv->nks = t.count;
	return 0;
}

static int parse_kproc(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct kview_data *kv = &d->kv;
	struct ld_dump_kproc *kp = &kv->kproc;
	const char *tail;
	int err = kv_once(d, n, &kv->kproc_note);

	if (!err)
		err = need(d, n, sizeof(kp->k));
	if (err)
		return err;
	memcpy(&kp->k, n->desc, sizeof(kp->k));
	if (kp->k.size < sizeof(kp->k) || kp->k.size > n->descsz)
		return note_fail(d, n, "size field %u, expected %zu..%u", kp->k.size,
				 sizeof(kp->k), n->descsz);
	if (!kp->k.cgroup_len || !kp->k.cgroups_len ||
	    (uint64_t)kp->k.cgroup_len + kp->k.cgroups_len > n->descsz - kp->k.size)
		return note_fail(d, n, "strings of %u and %u bytes do not fit in %u bytes",
				 kp->k.cgroup_len, kp->k.cgroups_len, n->descsz - kp->k.size);
	tail = (const char *)n->desc + kp->k.size;
	if (tail[kp->k.cgroup_len - 1] || tail[kp->k.cgroup_len + kp->k.cgroups_len - 1])
		return note_fail(d, n, "cgroup strings not terminated");
	if (kp->k.levels > LD_KPROC_LEVELS)
		kp->k.levels = LD_KPROC_LEVELS;
	kp->cgroup = tail;
	kp->cgroups = tail + kp->k.cgroup_len;
	return 0;
}

static void kview_free(struct kview_data *kv)
{
	free(kv->ev);
	free(kv->ks);
	free(kv->addrs);
	free(kv->syms);
}

static int parse_livedump(struct ld_dump *d, const struct ld_dump_note *n, bool in_trailer)
{
	int err;

	if (in_trailer && n->type != LD_NT_COMPLETE)
		return note_fail(d, n, "only the completion record belongs in the trailer");
	switch (n->type) {
	case LD_NT_HEADER:
		return parse_header(d, n);
	case LD_NT_TRIGGER:
		return parse_trigger(d, n);
	case LD_NT_THREADS:
		return parse_threads(d, n);
	case LD_NT_REGIONS:
		return parse_regions(d, n);
	case LD_NT_BLOB:
		return parse_blob(d, n);
	case LD_NT_FDS:
		return parse_fds(d, n);
	case LD_NT_CAPTURE:
		return parse_capture(d, n);
	case LD_NT_MAPS:
		err = once(d, n, S_MAPS);
		d->maps = n->desc;
		d->maps_len = n->descsz;
		return err;
	case LD_NT_CMDLINE:
		err = once(d, n, S_CMDLINE);
		d->cmdline = n->desc;
		d->cmdline_len = n->descsz;
		return err;
	case LD_NT_RULES:
		err = once(d, n, S_RULES);
		d->rules = n->desc;
		d->rules_len = n->descsz;
		return err;
	case LD_NT_ISSUE_TEXT:
		err = once(d, n, S_ISSUE_TEXT);
		d->issue_text = n->desc;
		d->issue_text_len = n->descsz;
		return err;
	case LD_NT_MODULES:
		return parse_modules(d, n);
	case LD_NT_HISTORY:
		return parse_history(d, n);
	case LD_NT_KSTACK:
		return parse_kstacks(d, n);
	case LD_NT_KPROC:
		return parse_kproc(d, n);
	case LD_NT_COMPLETE:
		return parse_complete(d, n, in_trailer);
	}
	/* A newer minor version's note: skipped. */
	return 0;
}

/* --- note walking ---------------------------------------------------------- */

static int add_note(struct ld_dump *d, const struct ld_dump_note *n)
{
	if (d->nnotes == d->notes_cap) {
		size_t cap = d->notes_cap ? 2 * d->notes_cap : 64;
		void *p = realloc(d->notes, cap * sizeof(*d->notes));

		if (!p)
			return fail(d, -ENOMEM, "out of memory for notes");
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
			return fail(d, -EBADMSG, "note %u at offset 0x%llx: its header runs "
				    "past the note segment (%llu bytes left)", n.index,
				    (unsigned long long)n.offset,
				    (unsigned long long)(ns->avail - off));
		}
		memcpy(&nh, ns->buf + off, sizeof(nh));
		desc = off + NOTE_HDR_SIZE + ALIGN4(nh.n_namesz);
		end = desc + nh.n_descsz;
		if (off + NOTE_HDR_SIZE + nh.n_namesz > ns->filesz)
			return fail(d, -EBADMSG, "note %u at offset 0x%llx: namesz %u runs "
				    "past the note segment", n.index,
				    (unsigned long long)n.offset, nh.n_namesz);
		if (end > ns->filesz)
			return fail(d, -EBADMSG, "note %u at offset 0x%llx: descsz %u runs "
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
		if (!strcmp(n.owner, "CORE") && !trailer)
			err = parse_core(d, &n);
		else if (!strcmp(n.owner, "LINUX") && n.type == NT_X86_XSTATE && !trailer)
			err = parse_fp(d, &n, true);
		else if (!strcmp(n.owner, LD_NOTE_OWNER))
			err = parse_livedump(d, &n, trailer);
		else if (trailer)
			err = note_fail(d, &n, "only the completion record belongs in the trailer");
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
		return fail(d, -EBADMSG, "completion record missing: there is no trailer "
			    "PT_NOTE (the dump has %zu note segment%s)", d->nnsegs,
			    d->nnsegs == 1 ? "" : "s");
	end = d->phdrs[tr].p_offset + d->phdrs[tr].p_filesz;
	if (!d->has_complete)
		return fail(d, -EBADMSG, "completion record missing: the trailer PT_NOTE at "
			    "offset 0x%llx holds no LD_NT_COMPLETE note",
			    (unsigned long long)d->phdrs[tr].p_offset);
	if (end != d->size)
		return fail(d, -EBADMSG, "the trailer ends at %llu bytes but the file has "
			    "%llu: the completion record must be the last bytes",
			    (unsigned long long)end, (unsigned long long)d->size);
	if (c->file_size != d->size)
		return fail(d, -EBADMSG, "the completion record says the file has %llu "
			    "bytes, it has %llu", (unsigned long long)c->file_size,
			    (unsigned long long)d->size);
	crc = crc32_buf(0, meta->buf, meta->avail);
	if (crc != c->meta_crc32)
		return fail(d, -EBADMSG, "metadata checksum mismatch: the notes at offset "
			    "0x%llx (%llu bytes) have crc32 0x%08x, the completion record "
			    "says 0x%08x", (unsigned long long)meta->offset,
			    (unsigned long long)meta->avail, crc, c->meta_crc32);
	for (size_t i = 0; i < d->nsegs; i++)
		mem += d->segs[i].filesz;
	if (mem != c->memory_bytes)
		return fail(d, -EBADMSG, "the completion record says %llu bytes of memory, "
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
		return fail(d, -ENOMEM, "out of memory for threads");
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
	return fail(d, -ENOEXEC, "not a livedump dump: no LIVEDUMP header note "
		    "(an ordinary core file?)");
}

/* --- open / free ------------------------------------------------------------ */

/*
 * A compressed dump (compress.h) is read in place; any other gzip stream
 * (a dump someone gzipped) is decompressed into memory first.
 */
static int open_compressed(struct ld_dump *d)
{
	unsigned char head[LD_GZ_HDR];
	char msg[200] = "";
	uint64_t size;
	bool cut;
	int err, fd;

	if (d->size < sizeof(head) ||
	    pread_full(d->fd, head, sizeof(head), 0) || !ld_gz_is_gzip(head, sizeof(head)))
		return 0;
	if (ld_gz_is_livedump(head, sizeof(head))) {
		err = ld_gz_reader__open(d->fd, d->disk_size, &d->gz, &cut, msg, sizeof(msg));
		if (err)
			return fail(d, err, "%s", msg[0] ? msg : strerror(-err));
		d->size = ld_gz_reader__size(d->gz);
		d->compression = "gzip blocks";
		d->gzmsg = calloc(1, 256);
		if (!d->gzmsg)
			return fail(d, -ENOMEM, "out of memory");
		return 0;
	}
	fd = ld_gz_inflate_all(d->fd, &size, &cut, msg, sizeof(msg));
	if (fd < 0)
		return fail(d, fd, "%s", msg[0] ? msg : strerror(-fd));
	close(d->fd);
	d->fd = fd;
	d->size = size;
	d->compression = "gzip";
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
		err = fail(d, -errno, "%s", strerror(errno));
		goto out;
	}
	if (fstat(d->fd, &st)) {
		err = fail(d, -errno, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = fail(d, -EINVAL, "not a regular file");
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
	ld_gz_reader__free(d->gz);
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
