// SPDX-License-Identifier: MIT
/*
 * The crash path's core parser (dump/corefile.c) on cores made here, laid
 * out as the kernel writes them (test_corefile takes a real one): notes at
 * 4-byte alignment (NT_PRSTATUS's desc is not 8-byte aligned), NT_FILE
 * naming this very test binary, whose client registry (a region registered
 * here) lies in a PT_LOAD.  A mini dump keeps
 * the small segments, the stack and the region, a full dump everything;
 * forged headers (offsets that overflow, counts larger than their note)
 * are refused or skipped, never followed.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <unistd.h>
#include <cmocka.h>
#include "livedump.h"
#include "livedump/abi.h"
#include "analysis/elfsym.h"
#include "detectors/detector.h"
#include "dump/corefile.h"
#include "dump/dump_reader.h"

extern struct ld_registry livedump_registry;

#define STACK_ADDR	0x7ff000000000ULL	/* 64 KiB, holding the thread's sp */
#define BULK_ADDR	0x7fe000000000ULL	/* 64 KiB nobody needs in a mini dump */
#define BIG		(64U << 10)

static unsigned char region[4096];
static char dir[64];

struct core {
	unsigned char *buf;
	size_t len, cap;
};

static void put(struct core *c, const void *p, size_t n)
{
	if (c->len + n > c->cap) {
		c->cap = (c->len + n) * 2;
		c->buf = realloc(c->buf, c->cap);
		assert_non_null(c->buf);
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void pad4(struct core *c)
{
	static const unsigned char z[4];

	put(c, z, (4 - c->len % 4) % 4);
}

static void note(struct core *c, const char *owner, uint32_t type, const void *d, size_t n)
{
	Elf64_Nhdr nh = { strlen(owner) + 1, n, type };

	put(c, &nh, sizeof(nh));
	put(c, owner, nh.n_namesz);
	pad4(c);
	put(c, d, n);
	pad4(c);
}

/* The notes: thread, process, and NT_FILE mapping this binary where its registry is. */
static void notes(struct core *c, uint64_t nt_file_count)
{
	struct elf_prstatus ps = { .pr_pid = 4321 };
	struct elf_prpsinfo pi = { 0 };
	struct ld_elf_sym sym;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	uint64_t start, file[5];

	assert_true(n > 0);
	exe[n] = 0;
	ps.pr_reg[19] = STACK_ADDR + BIG / 2;	/* rsp */
	snprintf(pi.pr_fname, sizeof(pi.pr_fname), "corefile-test");
	note(c, "CORE", NT_PRSTATUS, &ps, sizeof(ps));
	note(c, "CORE", NT_PRPSINFO, &pi, sizeof(pi));
	assert_int_equal(ld_elf_find_symbol(exe, LD_REGISTRY_SYMBOL, &sym), 0);
	/* Where the mapping at offset 0 must start for the symbol to be our registry. */
	start = (uintptr_t)&livedump_registry + sym.base - sym.value;
	file[0] = nt_file_count;
	file[1] = 4096;
	file[2] = start;
	file[3] = start + 4096;
	file[4] = 0;
	{
		unsigned char d[sizeof(file) + sizeof(exe)];

		memcpy(d, file, sizeof(file));
		memcpy(d + sizeof(file), exe, n + 1);
		note(c, "CORE", NT_FILE, d, sizeof(file) + n + 1);
	}
}

struct load {
	uint64_t vaddr;
	const void *data;
	size_t len;
};

/* An ET_CORE: header, PT_NOTE and PT_LOADs, then the notes, then the memory. */
static struct core make_core(uint64_t nt_file_count)
{
	static unsigned char stack[BIG], bulk[BIG];
	const struct load loads[] = {
		{ (uintptr_t)&livedump_registry, &livedump_registry, sizeof(livedump_registry) },
		{ (uintptr_t)region, region, sizeof(region) },
		{ STACK_ADDR, stack, sizeof(stack) },
		{ BULK_ADDR, bulk, sizeof(bulk) },
	};
	size_t nload = sizeof(loads) / sizeof(loads[0]);
	struct core c = { 0 }, nt = { 0 };
	Elf64_Ehdr eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_phoff = sizeof(eh), .e_ehsize = sizeof(eh),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1 + nload };
	Elf64_Phdr ph;
	uint64_t off;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memset(stack, 0x5a, sizeof(stack));
	memset(bulk, 0xb0, sizeof(bulk));
	notes(&nt, nt_file_count);
	put(&c, &eh, sizeof(eh));
	off = sizeof(eh) + eh.e_phnum * sizeof(ph);
	ph = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off, .p_filesz = nt.len };
	put(&c, &ph, sizeof(ph));
	off += nt.len;
	for (size_t i = 0; i < nload; i++) {
		ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = off,
				   .p_vaddr = loads[i].vaddr, .p_filesz = loads[i].len,
				   .p_memsz = loads[i].len, .p_align = 4096 };
		put(&c, &ph, sizeof(ph));
		off += loads[i].len;
	}
	put(&c, nt.buf, nt.len);
	for (size_t i = 0; i < nload; i++)
		put(&c, loads[i].data, loads[i].len);
	free(nt.buf);
	return c;
}

/*
 * Runs the crash path on @c: 0 and *d the dump it wrote (NULL when the
 * reader refuses it: the kernel's notes are copied as they came), or its
 * error.
 */
static int to_dump(const struct core *c, enum ld_capture_type type, struct ld_dump **d)
{
	struct ld_crash_dump cd = {
		.type = type, .rule = "crash", .detector = LD_DET_SIGNAL, .code = 11,
		.issue_time_ns = 1, .max_core = 1 << 24,
	};
	struct ld_write_stats stats;
	char *path = NULL, err[512];
	int fd = memfd_create("core", MFD_CLOEXEC), ret;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, c->buf, c->len), (ssize_t)c->len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	ret = ld_core_to_dump(fd, &cd, dir, "crash.core", &path, &stats);
	close(fd);
	*d = NULL;
	if (ret) {
		assert_null(path);
		return ret;
	}
	assert_non_null(path);
	if (ld_dump__open(path, d, err, sizeof(err)))
		print_message("reader refuses it: %s\n", err);
	unlink(path);
	free(path);
	return 0;
}

static const struct ld_dump_segment *segment_at(const struct ld_dump *d, uint64_t addr)
{
	for (size_t i = 0; i < ld_dump__nsegments(d); i++)
		if (ld_dump__segment(d, i)->vaddr == addr)
			return ld_dump__segment(d, i);
	return NULL;
}

static void test_mini_and_full(void **state)
{
	struct core c = make_core(1);

	(void)state;
	for (int full = 0; full < 2; full++) {
		struct ld_dump *d;
		const struct ld_dump_region *r;

		assert_int_equal(to_dump(&c, full ? LD_CAPTURE_FULL : LD_CAPTURE_MINI, &d), 0);
		assert_non_null(d);
		assert_int_equal(ld_dump__header(d)->pid, 4321);
		assert_string_equal(ld_dump__header(d)->comm, "corefile-test");
		assert_int_equal(ld_dump__nthreads(d), 1);
		/* The registry was found through NT_FILE and read from the core's memory. */
		assert_int_equal(ld_dump__nregions(d), 1);
		r = ld_dump__region(d, 0);
		assert_string_equal(r->name, "corefile");
		assert_true(r->addr == (uintptr_t)region && r->captured == sizeof(region));
		assert_int_equal(ld_dump__verify_region(d, 0, NULL), 0);
		assert_non_null(segment_at(d, STACK_ADDR));
		assert_non_null(segment_at(d, (uintptr_t)region));
		if (full)
			assert_non_null(segment_at(d, BULK_ADDR));
		else
			assert_null(segment_at(d, BULK_ADDR));
		ld_dump__free(d);
	}
	free(c.buf);
}

/*
 * An NT_FILE claiming more mappings than it holds (24 * count wrapping
 * around, for some): not followed past its end, so no region; the reader
 * then refuses the note, which the dump carries as it came.
 */
static void test_nt_file_count(void **state)
{
	const uint64_t counts[] = { 100, 1ULL << 40, 0x0aaaaaaaaaaaaaabULL, UINT64_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct core c = make_core(counts[i]);
		struct ld_dump *d;

		assert_int_equal(to_dump(&c, LD_CAPTURE_MINI, &d), 0);
		assert_null(d);
		free(c.buf);
	}
}

/* Program headers or notes whose offset + size overflows are not followed. */
static void test_overflowing_offsets(void **state)
{
	struct core c = make_core(1);
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	struct ld_dump *d;

	(void)state;
	memcpy(&eh, c.buf, sizeof(eh));
	eh.e_phoff = UINT64_MAX - 16;
	memcpy(c.buf, &eh, sizeof(eh));
	assert_int_equal(to_dump(&c, LD_CAPTURE_MINI, &d), -EBADMSG);
	free(c.buf);

	c = make_core(1);
	memcpy(&ph, c.buf + sizeof(eh), sizeof(ph));
	ph.p_offset = UINT64_MAX - 8;	/* the PT_NOTE: offset + size wraps */
	memcpy(c.buf + sizeof(eh), &ph, sizeof(ph));
	assert_int_equal(to_dump(&c, LD_CAPTURE_MINI, &d), 0);
	assert_non_null(d);
	assert_int_equal(ld_dump__nregions(d), 0);
	assert_int_equal(ld_dump__header(d)->pid, 0);	/* its notes were not read */
	ld_dump__free(d);
	free(c.buf);

	c = make_core(1);
	c.len = sizeof(eh) + 10;	/* cut inside the program headers */
	assert_int_equal(to_dump(&c, LD_CAPTURE_MINI, &d), -EBADMSG);
	free(c.buf);
}

static int setup(void **state)
{
	(void)state;
	memset(region, 0xc3, sizeof(region));
	snprintf(dir, sizeof(dir), "/tmp/livedump-coreforge.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return livedump_region_add(region, sizeof(region), "corefile");
}

static int teardown(void **state)
{
	(void)state;
	livedump_region_remove(region);
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mini_and_full),
		cmocka_unit_test(test_nt_file_count),
		cmocka_unit_test(test_overflowing_offsets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
