// SPDX-License-Identifier: MIT
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>
#include <zlib.h>
#include "capture/capture.h"
#include "dump/corefile.h"
#include "dump/xstate.h"
#include "detectors/detector.h"
#include "analysis/elfsym.h"
#include "livedump/abi.h"
#include "base/log.h"

#define SMALL_SEGMENT	(16U << 10)	/* ELF header pages, the vDSO, small data */

struct core {
	unsigned char *buf;
	size_t len;
	Elf64_Phdr *ph;		/* an aligned copy of the stream's */
	size_t nph;
	uint64_t sps[256];	/* the threads' stack pointers */
	size_t nsps;
	uint32_t pid;
	char comm[16], exe[256];
};

/* Test hook: stall after the first bytes, so tests can kill us mid-core. */
static void test_core_delay(size_t len)
{
	const char *ms = getenv("LIVEDUMP_TEST_CORE_DELAY_MS");

	if (len && ms && atoi(ms) > 0)
		usleep(atoi(ms) * 1000U);
}

static int read_all(int fd, struct core *c, uint64_t cap)
{
	size_t size = 1 << 20;
	bool delayed = false;

	c->buf = malloc(size);
	c->len = 0;
	for (;;) {
		ssize_t n;

		if (!c->buf)
			return -ENOMEM;
		if (c->len == size) {
			if (size >= cap) {
				/* Drain the rest: the kernel waits until the pipe is read. */
				char sink[65536];

				while (read(fd, sink, sizeof(sink)) > 0)
					;
				break;
			}
			size = size * 2 < cap ? size * 2 : cap;
			c->buf = realloc(c->buf, size);
			continue;
		}
		n = read(fd, c->buf + c->len, size - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		c->len += n;
		if (!delayed) {
			delayed = true;
			test_core_delay(c->len);
		}
	}
	return 0;
}

/*
 * The stream is the kernel's, its memory the process's: every offset and
 * count is checked against the bytes read, without overflow, and nothing
 * is read through a cast pointer (notes are 4-byte aligned, a forged
 * header may put anything anywhere).
 */
static bool in_core(const struct core *c, uint64_t off, uint64_t len)
{
	return off <= c->len && len <= c->len - off;
}

/* Note @off of [p, p + len): its header and where its desc starts; false past the end. */
static bool note_at(const unsigned char *p, size_t len, size_t off, Elf64_Nhdr *nh,
		    size_t *desc, size_t *next)
{
	uint64_t name, dsz;

	if (len - off < sizeof(*nh))
		return false;
	memcpy(nh, p + off, sizeof(*nh));
	name = (nh->n_namesz + 3ULL) & ~3ULL;
	dsz = (nh->n_descsz + 3ULL) & ~3ULL;
	if (name + dsz > len - off - sizeof(*nh))
		return false;
	*desc = off + sizeof(*nh) + name;
	*next = *desc + dsz;
	return true;
}

/* Walks the notes of the core: stack pointers, pid, command, executable. */
static void scan_notes(struct core *c, const unsigned char *p, size_t len)
{
	size_t off = 0, d, next;
	Elf64_Nhdr nh;

	for (; off < len && note_at(p, len, off, &nh, &d, &next); off = next) {
		if (nh.n_type == NT_PRSTATUS && nh.n_descsz >= sizeof(struct elf_prstatus) &&
		    c->nsps < 256) {
			uint64_t sp;	/* rsp: pr_reg[19] in user_regs_struct order */
			pid_t pid;

			memcpy(&sp, p + d + offsetof(struct elf_prstatus, pr_reg) + 19 * sizeof(sp),
			       sizeof(sp));
			memcpy(&pid, p + d + offsetof(struct elf_prstatus, pr_pid), sizeof(pid));
			c->sps[c->nsps++] = sp;
			if (!c->pid)
				c->pid = pid;
		} else if (nh.n_type == NT_PRPSINFO && nh.n_descsz >= sizeof(struct elf_prpsinfo)) {
			memcpy(c->comm, p + d + offsetof(struct elf_prpsinfo, pr_fname),
			       sizeof(c->comm) - 1);
		}
	}
}

static int parse(struct core *c)
{
	Elf64_Ehdr eh;

	if (c->len < sizeof(eh))
		return -EBADMSG;
	memcpy(&eh, c->buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_type != ET_CORE ||
	    eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_core(c, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
		return -EBADMSG;
	/* An aligned copy: e_phoff may be anything. */
	c->ph = malloc((eh.e_phnum ? eh.e_phnum : 1) * sizeof(Elf64_Phdr));
	if (!c->ph)
		return -ENOMEM;
	memcpy(c->ph, c->buf + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
	c->nph = eh.e_phnum;
	for (size_t i = 0; i < c->nph; i++)
		if (c->ph[i].p_type == PT_NOTE && in_core(c, c->ph[i].p_offset, c->ph[i].p_filesz))
			scan_notes(c, c->buf + c->ph[i].p_offset, c->ph[i].p_filesz);
	return 0;
}

/*
 * The kernel's notes, in its order, each as it wrote it but NT_X86_XSTATE:
 * that one in the layout gdb reads (dump/xstate.h), as live dumps have it.
 */
static void copy_notes(struct ld_notes *n, const unsigned char *p, size_t len,
		       const struct ld_xsave_comp *layout)
{
	size_t off = 0, at, next;
	Elf64_Nhdr nh;

	for (; off < len && !n->err && note_at(p, len, off, &nh, &at, &next); off = next) {
		const char *owner = (const char *)(p + off + sizeof(nh));
		const unsigned char *d = p + at;
		void *x = NULL;
		size_t xlen;

		if (!nh.n_namesz || owner[nh.n_namesz - 1])
			break;	/* a torn note ends what we can copy */
		if (nh.n_type == NT_X86_XSTATE && !strcmp(owner, "LINUX") &&
		    !ld_xstate_for_core(d, nh.n_descsz, layout, &x, &xlen)) {
			ld_notes__add(n, owner, nh.n_type, x, xlen, NULL, 0);
			free(x);
		} else {
			ld_notes__add(n, owner, nh.n_type, d, nh.n_descsz, NULL, 0);
		}
	}
}

/* Bytes of the core at [addr, addr+len), or NULL if not all there. */
static const void *core_mem(const struct core *c, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < c->nph; i++) {
		const Elf64_Phdr *p = &c->ph[i];

		if (p->p_type == PT_LOAD && addr >= p->p_vaddr && addr - p->p_vaddr <= p->p_filesz &&
		    len <= p->p_filesz - (addr - p->p_vaddr) && in_core(c, p->p_offset, p->p_filesz))
			return c->buf + p->p_offset + (addr - p->p_vaddr);
	}
	return NULL;
}

/* The valid slots of a registry at @addr in the core's memory. */
static size_t read_registry(const struct core *c, uint64_t addr, struct ld_note_region *out,
			    size_t n, size_t max)
{
	const unsigned char *reg = core_mem(c, addr, sizeof(struct ld_registry));
	uint64_t magic;
	uint32_t nslots;

	if (!reg)
		return n;
	memcpy(&magic, reg + offsetof(struct ld_registry, magic), sizeof(magic));
	memcpy(&nslots, reg + offsetof(struct ld_registry, nslots), sizeof(nslots));
	if (magic != LD_REGISTRY_MAGIC || nslots > LD_REGISTRY_SLOTS)
		return n;
	for (unsigned s = 0; s < nslots && n < max; s++) {
		struct ld_region_slot slot;

		memcpy(&slot, reg + offsetof(struct ld_registry, slots) + s * sizeof(slot),
		       sizeof(slot));
		if (slot.state != LD_SLOT_VALID)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].addr = slot.addr;
		out[n].len = slot.len;
		memcpy(out[n].name, slot.name, sizeof(out[n].name) - 1);
		n++;
	}
	return n;
}

/*
 * The registered regions, from the client library's registry in the core:
 * found through NT_FILE's mappings and the libraries' symbol tables.
 * NT_FILE: count, page size, count (start, end, page offset) triples,
 * then count NUL-terminated names.
 */
static size_t find_regions(const struct core *c, struct ld_note_region *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nph; i++) {
		const Elf64_Phdr *p = &c->ph[i];
		const unsigned char *d;
		size_t off = 0, at, next;
		Elf64_Nhdr nh;

		if (p->p_type != PT_NOTE || !in_core(c, p->p_offset, p->p_filesz))
			continue;
		d = c->buf + p->p_offset;
		for (; off < p->p_filesz && note_at(d, p->p_filesz, off, &nh, &at, &next); off = next) {
			const unsigned char *f = d + at, *names, *end = f + nh.n_descsz;
			uint64_t count;

			if (nh.n_type != NT_FILE || nh.n_descsz < 16)
				continue;
			memcpy(&count, f, sizeof(count));
			if (count > (nh.n_descsz - 16) / 24)
				continue;	/* more triples than the note holds */
			names = f + 16 + 24 * count;
			for (uint64_t k = 0; k < count && names < end; k++) {
				const unsigned char *nul = memchr(names, 0, end - names);
				uint64_t start, pgoff;
				struct ld_elf_sym sym;

				if (!nul)
					break;	/* a name cut by the note's end */
				memcpy(&start, f + 16 + 24 * k, sizeof(start));
				memcpy(&pgoff, f + 16 + 24 * k + 16, sizeof(pgoff));
				if (pgoff == 0 &&
				    !ld_elf_find_symbol((const char *)names, LD_REGISTRY_SYMBOL, &sym))
					n = read_registry(c, start - sym.base + sym.value, out, n, max);
				names = nul + 1;
			}
		}
	}
	return n;
}

/* Whether [addr, addr+len) touches memory the kernel left out of its core (p_filesz < p_memsz). */
static bool core_hid(const struct core *c, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < c->nph; i++) {
		const Elf64_Phdr *p = &c->ph[i];

		if (p->p_type == PT_LOAD && p->p_filesz < p->p_memsz &&
		    addr < p->p_vaddr + p->p_memsz && p->p_vaddr + p->p_filesz < addr + len)
			return true;
	}
	return false;
}

/*
 * LD_NT_HIDDEN of a crash dump: what the kernel's core left out, as
 * MADV_DONTDUMP and coredump_filter told it (the kernel writes such a
 * mapping with p_filesz short of p_memsz).  It cannot be taken back.
 */
static void add_hidden(struct ld_notes *n, const struct core *c)
{
	struct ld_note_hidden h = { .size = sizeof(h), .flags = LD_HID_KERNEL_CORE,
				    .entry_size = sizeof(struct ld_hidden_range) };
	struct ld_hidden_range *v = calloc(c->nph ? c->nph : 1, sizeof(*v));

	if (!v) {
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->nph; i++) {
		const Elf64_Phdr *p = &c->ph[i];

		if (p->p_type != PT_LOAD || p->p_filesz >= p->p_memsz)
			continue;
		v[h.count++] = (struct ld_hidden_range){ .addr = p->p_vaddr + p->p_filesz,
							 .len = p->p_memsz - p->p_filesz,
							 .why = LD_HIDDEN_CORE, .kind = 0xff };
		h.left_out_bytes += p->p_memsz - p->p_filesz;
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_HIDDEN, &h, sizeof(h), v, h.count * sizeof(*v));
	free(v);
}

static bool wanted(const struct core *c, const Elf64_Phdr *p, const struct ld_note_region *r,
		   size_t nr)
{
	if (p->p_filesz <= SMALL_SEGMENT)
		return true;
	for (size_t i = 0; i < c->nsps; i++)
		if (c->sps[i] >= p->p_vaddr && c->sps[i] < p->p_vaddr + p->p_memsz)
			return true;
	for (size_t i = 0; i < nr; i++)
		if (r[i].addr < p->p_vaddr + p->p_filesz && r[i].addr + r[i].len > p->p_vaddr)
			return true;
	return false;
}

int ld_core_to_dump(int fd, const struct ld_crash_dump *cd, const char *dir, const char *name,
		    char **path, struct ld_write_stats *stats)
{
	struct ld_note_region regions[LD_REGISTRY_SLOTS];
	struct ld_xsave_comp layout[LD_XSAVE_NCOMP];
	struct core c = { 0 };
	struct ld_notes notes = { 0 };
	struct ld_seg *segs = NULL;
	struct ld_note_header h;
	struct ld_note_table tab;
	struct ld_dump_desc d;
	struct ld_sink *sink;
	size_t nsegs = 0, nregions;
	int err;

	*path = NULL;
	err = read_all(fd, &c, cd->max_core ? cd->max_core : (1ULL << 30));
	if (!err)
		err = parse(&c);
	if (err)
		goto out;
	nregions = find_regions(&c, regions, LD_REGISTRY_SLOTS);
	ld_xsave_cpu_layout(layout);	/* the kernel's XSAVE area is this CPU's */
	segs = calloc(c.nph ? c.nph : 1, sizeof(*segs));
	if (!segs) {
		err = -ENOMEM;
		goto out;
	}
	/* The kernel's notes stand first, in the kernel's order: gdb reads them as ever. */
	for (size_t i = 0; i < c.nph; i++) {
		const Elf64_Phdr *p = &c.ph[i];

		if (p->p_type == PT_NOTE && p->p_filesz && in_core(&c, p->p_offset, p->p_filesz)) {
			copy_notes(&notes, c.buf + p->p_offset, p->p_filesz, layout);
		} else if (p->p_type == PT_LOAD && p->p_filesz &&
			   (cd->type == LD_CAPTURE_FULL || wanted(&c, p, regions, nregions))) {
			uint64_t avail = p->p_offset < c.len ? c.len - p->p_offset : 0;

			if (!avail)
				continue;	/* the stream ended before it */
			segs[nsegs++] = (struct ld_seg){
				.vaddr = p->p_vaddr, .prot = p->p_flags,
				.len = p->p_filesz < avail ? p->p_filesz : avail,
				.data = c.buf + p->p_offset,
			};
		}
	}
	for (size_t i = 0; i < nregions; i++) {
		const void *bytes = core_mem(&c, regions[i].addr, regions[i].len);

		regions[i].captured = bytes ? regions[i].len : 0;
		regions[i].crc32 = bytes ? crc32(0, bytes, regions[i].len) : 0;
		regions[i].flags = bytes ? 0 :
				   core_hid(&c, regions[i].addr, regions[i].len) ?
				   LD_REG_HIDDEN | LD_REG_EXCLUDED : LD_REG_UNREADABLE;
	}

	ld_header_init(&h);
	h.capture_type = cd->type;
	h.detector = cd->detector;
	h.issue_type = ld_detector_get(cd->detector) ? ld_detector_get(cd->detector)->legacy_issue : 0;
	h.code = cd->code;
	h.pid = h.tid = c.pid;
	h.nthreads = c.nsps;
	memcpy(h.params, cd->params, sizeof(h.params));
	h.issue_time_ns = h.capture_start_ns = cd->issue_time_ns;
	h.capture_end_ns = ld_now_realtime_ns();
	h.flags = c.len >= (cd->max_core ? cd->max_core : (1ULL << 30)) ? LD_HDR_SIZE_LIMIT : 0;
	snprintf(h.rule, sizeof(h.rule), "%s", cd->rule);
	snprintf(h.comm, sizeof(h.comm), "%s", c.comm);
	snprintf(h.exe, sizeof(h.exe), "%s", cd->exe ? cd->exe : "");
	ld_notes__add(&notes, LD_NOTE_OWNER, LD_NT_HEADER, &h, sizeof(h), NULL, 0);
	if (cd->trigger_len)
		ld_notes__add(&notes, LD_NOTE_OWNER, LD_NT_TRIGGER, cd->trigger, cd->trigger_len,
			      NULL, 0);
	if (cd->issue_text)
		ld_notes__add(&notes, LD_NOTE_OWNER, LD_NT_ISSUE_TEXT, cd->issue_text,
			      strlen(cd->issue_text), NULL, 0);
	tab = (struct ld_note_table){ nregions, sizeof(regions[0]) };
	ld_notes__add(&notes, LD_NOTE_OWNER, LD_NT_REGIONS, &tab, sizeof(tab), regions,
		      nregions * sizeof(regions[0]));
	add_hidden(&notes, &c);
	if (cd->proc_notes && cd->proc_notes->len) {
		/* Whole notes, already aligned: they follow ours as they are. */
		if (notes.len + cd->proc_notes->len > notes.cap) {
			unsigned char *b = realloc(notes.buf, notes.len + cd->proc_notes->len);

			if (!b) {
				err = -ENOMEM;
				goto out;
			}
			notes.buf = b;
			notes.cap = notes.len + cd->proc_notes->len;
		}
		memcpy(notes.buf + notes.len, cd->proc_notes->buf, cd->proc_notes->len);
		notes.len += cd->proc_notes->len;
	}

	sink = ld_file_sink__new(dir, name);
	if (!sink) {
		err = -errno;
		goto out;
	}
	d = (struct ld_dump_desc){ .notes = &notes, .segs = segs, .nsegs = nsegs };
	err = ld_dump_write(&d, sink, stats);
	if (!err)
		err = sink->ops->commit(sink);
	if (err) {
		sink->ops->abort(sink);
	} else {
		*path = strdup(ld_file_sink__path(sink));
		sink->ops->free(sink);
	}
out:
	ld_notes__free(&notes);
	free(segs);
	free(c.ph);
	free(c.buf);
	return err;
}
