// SPDX-License-Identifier: MIT
/*
 * Memory a process hides from its dumps: what the plan keeps and lists
 * (ld_memplan__hide), what smaps and coredump_filter of this very process
 * say (ld_hidden_read), what a crash dump lists from the kernel's core
 * (ld_core_to_dump), and the reader's checks of LD_NT_HIDDEN.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include "capture/capture.h"
#include "capture/hidden.h"
#include "capture/memplan.h"
#include "dump/corefile.h"
#include "dump/dump_reader.h"

#define PG	4096ULL

static char tmpdir[64];

/* --- ld_memplan__hide --------------------------------------------------------- */

static const struct ld_hide hides[] = {
	{ 0x2000, 0x3000, LD_HIDDEN_DONTDUMP, 0 },	/* [0x2000, 0x5000) */
	{ 0x6000, 0x2000, LD_HIDDEN_FILTER, 2 },	/* [0x6000, 0x8000) */
};
static const struct ld_hidden hid = { (struct ld_hide *)hides, 2, 0x33, 0 };

/* A full dump's bulk [0x1000, 0x9000), a region in each hidden range. */
static void plan(struct ld_memplan *p, unsigned region_keep)
{
	memset(p, 0, sizeof(*p));
	p->prio = LD_PRIO_BULK;
	ld_memplan__add(p, 0x1000, 0x8000);
	p->prio = LD_PRIO_ESSENTIAL;
	p->keep = region_keep;
	ld_memplan__add(p, 0x3000, 0x1000);
	ld_memplan__add(p, 0x6800, 0x800);
	p->keep = 0;
}

static void expect_range(const struct ld_hidden_range *r, uint64_t addr, uint64_t len,
			 uint32_t why, uint32_t flags)
{
	if (r->addr != addr || r->len != len || r->why != why || r->flags != flags)
		fail_msg("range 0x%llx +0x%llx why %u flags %u, expected 0x%llx +0x%llx why %u flags %u",
			 (unsigned long long)r->addr, (unsigned long long)r->len, r->why, r->flags,
			 (unsigned long long)addr, (unsigned long long)len, why, flags);
}

/* The plan's merged ranges as "lo-hi lo-hi ...". */
static void expect_plan(struct ld_memplan *p, const char *want)
{
	char got[256] = "";
	size_t off = 0;
	uint64_t lo = 0, hi = 0;
	struct ld_memplan c = { 0 };

	for (size_t i = 0; i < p->n; i++)
		ld_memplan__add(&c, p->v[i].addr, p->v[i].len);
	/* Sort by hand: a handful of ranges. */
	for (size_t i = 0; i < c.n; i++)
		for (size_t k = i + 1; k < c.n; k++)
			if (c.v[k].addr < c.v[i].addr) {
				struct ld_plan_range t = c.v[i];

				c.v[i] = c.v[k];
				c.v[k] = t;
			}
	for (size_t i = 0; i <= c.n; i++) {
		if (i < c.n && hi && c.v[i].addr <= hi) {
			hi = c.v[i].addr + c.v[i].len > hi ? c.v[i].addr + c.v[i].len : hi;
			continue;
		}
		if (hi)
			off += snprintf(got + off, sizeof(got) - off, "%s%llx-%llx", off ? " " : "",
					(unsigned long long)lo, (unsigned long long)hi);
		if (i < c.n) {
			lo = c.v[i].addr;
			hi = lo + c.v[i].len;
		}
	}
	ld_memplan__free(&c);
	assert_string_equal(got, want);
}

static void test_plan_omit(void **state)
{
	struct ld_hidden_range *out;
	struct ld_memplan p;
	size_t n;

	(void)state;
	/* A region keeps what coredump_filter left out, never what was MADV_DONTDUMP. */
	plan(&p, LD_KEEP_FILTERED);
	assert_int_equal(ld_memplan__hide(&p, &hid, false, &out, &n), 0);
	assert_int_equal(n, 3);
	expect_range(&out[0], 0x2000, 0x3000, LD_HIDDEN_DONTDUMP, 0);
	expect_range(&out[1], 0x6000, 0x800, LD_HIDDEN_FILTER, 0);
	expect_range(&out[2], 0x7000, 0x1000, LD_HIDDEN_FILTER, 0);
	expect_plan(&p, "1000-2000 5000-6000 6800-7000 8000-9000");
	free(out);
	ld_memplan__free(&p);
}

static void test_plan_regions(void **state)
{
	struct ld_hidden_range *out;
	struct ld_memplan p;
	size_t n;

	(void)state;
	/* hidden=regions: the region in MADV_DONTDUMP memory is taken, the rest not. */
	plan(&p, LD_KEEP_FILTERED | LD_KEEP_HIDDEN);
	assert_int_equal(ld_memplan__hide(&p, &hid, false, &out, &n), 0);
	assert_int_equal(n, 5);
	expect_range(&out[0], 0x2000, 0x1000, LD_HIDDEN_DONTDUMP, 0);
	expect_range(&out[1], 0x3000, 0x1000, LD_HIDDEN_DONTDUMP, LD_HIDR_TAKEN);
	expect_range(&out[2], 0x4000, 0x1000, LD_HIDDEN_DONTDUMP, 0);
	expect_range(&out[3], 0x6000, 0x800, LD_HIDDEN_FILTER, 0);
	expect_range(&out[4], 0x7000, 0x1000, LD_HIDDEN_FILTER, 0);
	expect_plan(&p, "1000-2000 3000-4000 5000-6000 6800-7000 8000-9000");
	free(out);
	ld_memplan__free(&p);
}

static void test_plan_all(void **state)
{
	struct ld_hidden_range *out;
	struct ld_memplan p;
	size_t n;

	(void)state;
	/* Forensic: nothing leaves the plan, every hidden byte it wanted is listed taken. */
	plan(&p, LD_KEEP_FILTERED);
	assert_int_equal(ld_memplan__hide(&p, &hid, true, &out, &n), 0);
	assert_int_equal(n, 3);
	expect_range(&out[0], 0x2000, 0x3000, LD_HIDDEN_DONTDUMP, LD_HIDR_TAKEN);
	expect_range(&out[1], 0x6000, 0x800, LD_HIDDEN_FILTER, LD_HIDR_TAKEN);
	expect_range(&out[2], 0x7000, 0x1000, LD_HIDDEN_FILTER, LD_HIDR_TAKEN);
	expect_plan(&p, "1000-9000");
	free(out);
	ld_memplan__free(&p);

	/* A mini dump wants less: only what it wanted is listed. */
	memset(&p, 0, sizeof(p));
	ld_memplan__add(&p, 0x4000, 0x2000);
	assert_int_equal(ld_memplan__hide(&p, &hid, false, &out, &n), 0);
	assert_int_equal(n, 1);
	expect_range(&out[0], 0x4000, 0x1000, LD_HIDDEN_DONTDUMP, 0);
	expect_plan(&p, "5000-6000");
	free(out);
	ld_memplan__free(&p);
}

/* --- ld_hidden_read on this process -------------------------------------------- */

static const struct ld_hide *find(const struct ld_hidden *h, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].addr <= addr && addr + len <= h->v[i].addr + h->v[i].len)
			return &h->v[i];
	return NULL;
}

static void set_filter(const char *v)
{
	int fd = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, v, strlen(v)), (ssize_t)strlen(v));
	close(fd);
}

static void test_read_self(void **state)
{
	char *dd = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *sh = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *heap = malloc(64 * PG);
	uint64_t text = (uintptr_t)test_read_self & ~(PG - 1);
	const struct ld_hide *r;
	struct ld_hidden h;

	(void)state;
	assert_true(dd != MAP_FAILED && sh != MAP_FAILED && heap);
	memset(dd, 0x5a, 16 * PG);
	memset(sh, 0x5b, 4 * PG);
	memset(heap, 0x5c, 64 * PG);
	assert_int_equal(madvise(dd, 16 * PG, MADV_DONTDUMP), 0);
	set_filter("0x31");
	assert_int_equal(ld_hidden_read(getpid(), &h), 0);
	assert_int_equal(h.filter, 0x31);
	r = find(&h, (uintptr_t)dd, 16 * PG);
	assert_non_null(r);
	assert_int_equal(r->why, LD_HIDDEN_DONTDUMP);
	assert_int_equal(r->kind, 0);
	r = find(&h, (uintptr_t)sh, 4 * PG);
	assert_non_null(r);
	assert_int_equal(r->why, LD_HIDDEN_FILTER);
	assert_int_equal(r->kind, 1);
	/* Our code: a file mapping never written; its file's first page stays (ELF headers). */
	r = find(&h, text, PG);
	assert_non_null(r);
	assert_int_equal(r->why, LD_HIDDEN_FILTER);
	assert_int_equal(r->kind, 2);
	assert_null(find(&h, (uintptr_t)heap, 64 * PG));
	ld_hidden__free(&h);

	/* Bit 2 takes file mappings too, bit 1 shared anonymous memory. */
	set_filter("0x37");
	assert_int_equal(ld_hidden_read(getpid(), &h), 0);
	assert_null(find(&h, (uintptr_t)sh, 4 * PG));
	assert_null(find(&h, text, PG));
	assert_non_null(find(&h, (uintptr_t)dd, 16 * PG));
	ld_hidden__free(&h);
	set_filter("0x33");
	munmap(dd, 16 * PG);
	munmap(sh, 4 * PG);
	free(heap);
}

/* --- the crash path's core ------------------------------------------------------- */

/* An x86-64 core: one thread, a page of data, and 16 pages the kernel left out. */
static int write_core(int fd)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[3];
		Elf64_Nhdr nh;
		char name[8];
		struct elf_prstatus ps;
	} __attribute__((packed)) c;
	unsigned char page[PG];
	uint64_t data_off = (sizeof(c) + PG - 1) & ~(PG - 1);
	static const unsigned char zeros[PG];

	memset(&c, 0, sizeof(c));
	memcpy(c.eh.e_ident, ELFMAG, SELFMAG);
	c.eh.e_ident[EI_CLASS] = ELFCLASS64;
	c.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	c.eh.e_ident[EI_VERSION] = EV_CURRENT;
	c.eh.e_type = ET_CORE;
	c.eh.e_machine = EM_X86_64;
	c.eh.e_version = EV_CURRENT;
	c.eh.e_phoff = sizeof(c.eh);
	c.eh.e_ehsize = sizeof(c.eh);
	c.eh.e_phentsize = sizeof(Elf64_Phdr);
	c.eh.e_phnum = 3;
	c.ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(typeof(c), nh),
				.p_filesz = sizeof(c) - offsetof(typeof(c), nh), .p_align = 4 };
	c.ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = data_off,
				.p_vaddr = 0x10000, .p_filesz = PG, .p_memsz = PG, .p_align = PG };
	c.ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = data_off + PG,
				.p_vaddr = 0x20000, .p_filesz = 0, .p_memsz = 16 * PG, .p_align = PG };
	c.nh = (Elf64_Nhdr){ .n_namesz = 5, .n_descsz = sizeof(c.ps), .n_type = NT_PRSTATUS };
	memcpy(c.name, "CORE", 5);
	c.ps.pr_pid = 4242;
	c.ps.pr_reg[19] = 0x10800;	/* rsp */
	memset(page, 0x77, sizeof(page));
	if (write(fd, &c, sizeof(c)) != (ssize_t)sizeof(c) ||
	    write(fd, zeros, data_off - sizeof(c)) != (ssize_t)(data_off - sizeof(c)) ||
	    write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
		return -1;
	return 0;
}

static void test_crash_core(void **state)
{
	struct ld_crash_dump cd = { .type = LD_CAPTURE_FULL, .rule = "crash", .code = 11 };
	const struct ld_note_hidden *h;
	struct ld_dump *d;
	char *path, err[256];
	int pipefd[2];

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write_core(pipefd[1]), 0);
	close(pipefd[1]);
	assert_int_equal(ld_core_to_dump(pipefd[0], &cd, tmpdir, "crash.core", &path, NULL), 0);
	close(pipefd[0]);
	assert_int_equal(ld_dump__open(path, &d, err, sizeof(err)), 0);
	h = ld_dump__hidden(d);
	assert_non_null(h);
	assert_true(h->flags & LD_HID_KERNEL_CORE);
	assert_int_equal(ld_dump__nhidden(d), 1);
	expect_range(ld_dump__hidden_range(d, 0), 0x20000, 16 * PG, LD_HIDDEN_CORE, 0);
	assert_true(h->left_out_bytes == 16 * PG);
	ld_dump__free(d);
	unlink(path);
	free(path);
}

/* --- the reader's checks ----------------------------------------------------------- */

/* A dump with a header and the given LD_NT_HIDDEN descriptor(s); its path. */
static char *dump_with(const char *name, const void *desc, size_t len, int copies)
{
	struct ld_notes notes = { 0 };
	struct ld_note_header hdr;
	struct ld_dump_desc d = { .notes = &notes };
	struct ld_sink *sink;
	char *path;

	ld_header_init(&hdr);
	hdr.capture_type = LD_CAPTURE_MINI;
	ld_notes__add(&notes, LD_NOTE_OWNER, LD_NT_HEADER, &hdr, sizeof(hdr), NULL, 0);
	for (int i = 0; i < copies; i++)
		ld_notes__add(&notes, LD_NOTE_OWNER, LD_NT_HIDDEN, desc, len, NULL, 0);
	sink = ld_file_sink__new_user(tmpdir, name);
	assert_non_null(sink);
	assert_int_equal(ld_dump_write(&d, sink, NULL), 0);
	assert_int_equal(sink->ops->commit(sink), 0);
	path = strdup(ld_file_sink__path(sink));
	sink->ops->free(sink);
	ld_notes__free(&notes);
	return path;
}

/*
 * Opening a dump with that note: @want 0 (and then the ranges as written)
 * or the reader's error with @msg; -ENOENT: opens, without the note.
 */
static void expect_parse(const char *name, const void *desc, size_t len, int copies, int want,
			 const char *msg)
{
	char *path = dump_with(name, desc, len, copies), err[256] = "";
	struct ld_dump *d = NULL;
	int ret = ld_dump__open(path, &d, err, sizeof(err));

	if (want == 0 || want == -ENOENT) {
		assert_int_equal(ret, 0);
		if (want == -ENOENT)
			assert_null(ld_dump__hidden(d));
		else
			assert_non_null(ld_dump__hidden(d));
	} else {
		assert_int_equal(ret, want);
	}
	if (msg && !strstr(err, msg))
		fail_msg("%s: message '%s' lacks '%s'", name, err, msg);
	if (!ret && want == 0) {
		assert_int_equal(ld_dump__nhidden(d), 2);
		expect_range(ld_dump__hidden_range(d, 0), 0x1000, 0x1000, LD_HIDDEN_DONTDUMP, 0);
		expect_range(ld_dump__hidden_range(d, 1), 0x5000, 0x2000, LD_HIDDEN_FILTER,
			     LD_HIDR_TAKEN);
		assert_null(ld_dump__hidden_range(d, 2));
	}
	if (!ret)
		ld_dump__free(d);
	unlink(path);
	free(path);
}

static void test_reader_checks(void **state)
{
	struct {
		struct ld_note_hidden h;
		struct ld_hidden_range r[2];
		uint64_t newer;		/* a field a later version may add after the ranges */
	} n = { .h = { .size = sizeof(struct ld_note_hidden), .count = 2,
		       .entry_size = sizeof(struct ld_hidden_range), .coredump_filter = 0x33 },
		.r = { { 0x1000, 0x1000, LD_HIDDEN_DONTDUMP, 0, 0, 0 },
		       { 0x5000, 0x2000, LD_HIDDEN_FILTER, 3, LD_HIDR_TAKEN, 0 } } };

	(void)state;
	expect_parse("ok.core", &n, sizeof(n), 1, 0, NULL);
	n.h.count = 3;
	expect_parse("count.core", &n, sizeof(n) - 8, 1, -EBADMSG, "3 ranges of 32 bytes do not fit");
	n.h.count = 0x8000000;
	n.h.entry_size = 0x40;
	expect_parse("overflow.core", &n, sizeof(n), 1, -EBADMSG, "do not fit");
	n.h.count = 2;
	n.h.entry_size = 16;
	expect_parse("entry.core", &n, sizeof(n), 1, -EBADMSG, "ranges of 16 bytes");
	n.h.entry_size = sizeof(struct ld_hidden_range);
	expect_parse("short.core", &n, 20, 1, -EBADMSG, "20 bytes, at least 32 expected");
	expect_parse("twice.core", &n, sizeof(n), 2, -EBADMSG, "(LD_NT_HIDDEN): a second one");
	expect_parse("none.core", &n, sizeof(n), 0, -ENOENT, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_omit),
		cmocka_unit_test(test_plan_regions),
		cmocka_unit_test(test_plan_all),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_crash_core),
		cmocka_unit_test(test_reader_checks),
	};
	int ret;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_hidden.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return ret;
}
