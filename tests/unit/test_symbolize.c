// SPDX-License-Identifier: MIT
/*
 * Unwinding and symbolization on a dump of this very test: its registers
 * (getcontext) and a copy of its stack, taken at the bottom of a known
 * call chain, written by the real writer with the module note the capture
 * would write (ld_modules_collect on ourselves).  The symbolizer must find
 * the chain with file:line from CFI alone, also from NT_FILE when the
 * module note is missing, refuse a file whose build-id differs, stop
 * cleanly where the stack copy ends; the reader must reject a damaged
 * module note with a precise message.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <ucontext.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include "dump/dump_reader.h"
#include "dump/dump_writer.h"
#include "capture/modules.h"
#include "capture/proc.h"
#include "analysis/symbolize.h"


#define STACK_COPY	(64U << 10)

static char tmpdir[64];

/* --- the snapshot ---------------------------------------------------------------- */

struct snap {
	struct user_regs_struct regs;
	uint64_t sp;
	unsigned char *stack;
	size_t len;
};

static struct snap snap;
static volatile int sink;

static void regs_from(const ucontext_t *uc, struct user_regs_struct *r)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	memset(r, 0, sizeof(*r));
	r->r8 = g[REG_R8]; r->r9 = g[REG_R9]; r->r10 = g[REG_R10]; r->r11 = g[REG_R11];
	r->r12 = g[REG_R12]; r->r13 = g[REG_R13]; r->r14 = g[REG_R14]; r->r15 = g[REG_R15];
	r->rdi = g[REG_RDI]; r->rsi = g[REG_RSI]; r->rbp = g[REG_RBP]; r->rbx = g[REG_RBX];
	r->rdx = g[REG_RDX]; r->rax = g[REG_RAX]; r->rcx = g[REG_RCX];
	r->rsp = g[REG_RSP]; r->rip = g[REG_RIP];
}

/*
 * Our own stack, read as the collector reads a process's: ASan's redzones
 * between the frames included, so not through its checked memcpy.
 */
static void __attribute__((no_sanitize_address)) copy_raw(void *dst, uint64_t src, size_t len)
{
	const volatile unsigned char *from = (const volatile unsigned char *)(uintptr_t)src;
	unsigned char *to = dst;

	for (size_t i = 0; i < len; i++)
		to[i] = from[i];
}

/* The stack from sp up to its mapping's end (at most STACK_COPY bytes). */
static void copy_stack(struct snap *s)
{
	struct ld_maps maps;
	const struct ld_map *m;

	assert_int_equal(ld_proc_maps(getpid(), &maps), 0);
	m = ld_maps__find(&maps, s->sp);
	assert_non_null(m);
	s->len = m->end - s->sp < STACK_COPY ? m->end - s->sp : STACK_COPY;
	ld_maps__free(&maps);
	s->stack = malloc(s->len);
	assert_non_null(s->stack);
	copy_raw(s->stack, s->sp, s->len);
}

static void __attribute__((noinline)) take_snapshot(void)
{
	ucontext_t uc;

	/* getcontext() fills the callee-saved registers only. */
	memset(&uc, 0, sizeof(uc));
	assert_int_equal(getcontext(&uc), 0);
	regs_from(&uc, &snap.regs);
	snap.sp = snap.regs.rsp;
	copy_stack(&snap);
}

/* A chain with recognisable names; the additions keep the calls from being tail calls. */
static int __attribute__((noinline)) level_three(int x)
{
	take_snapshot();
	sink += x;
	return x + 3;
}

static int __attribute__((noinline)) level_two(int x)
{
	int r = level_three(x + 1);

	sink += r;
	return r + 2;
}

static int __attribute__((noinline)) level_one(int x)
{
	int r = level_two(x + 1);

	sink += r;
	return r + 1;
}

/* --- writing the dump ---------------------------------------------------------------- */

#define W_NO_MODULES	(1U << 0)	/* leave LD_NT_MODULES out: NT_FILE only */
#define W_BAD_BUILD_ID	(1U << 1)	/* record a build-id no file has */
#define W_SHORT_STACK	(1U << 2)	/* only 256 bytes of stack */
#define W_BAD_MODULES	(1U << 3)	/* a module record that overruns the note */

static void add_header(struct ld_notes *n)
{
	struct ld_note_header h;
	ssize_t len;

	memset(&h, 0, sizeof(h));
	h.magic = LD_HEADER_MAGIC;
	h.format_major = LD_FORMAT_MAJOR;
	h.format_minor = LD_FORMAT_MINOR;
	h.size = sizeof(h);
	h.capture_type = LD_CAPTURE_MINI;
	h.issue_type = LD_ISSUE_MANUAL;
	h.pid = getpid();
	h.tid = getpid();
	h.nthreads = 1;
	strcpy(h.rule, "unit");
	strcpy(h.comm, "test_symbolize");
	len = readlink("/proc/self/exe", h.exe, sizeof(h.exe) - 1);
	assert_true(len > 0);
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_HEADER, &h, sizeof(h), NULL, 0);
}

static void add_prstatus(struct ld_notes *n)
{
	struct elf_prstatus ps;

	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = getpid();
	memcpy(&ps.pr_reg, &snap.regs, sizeof(ps.pr_reg));
	ld_notes__add(n, "CORE", NT_PRSTATUS, &ps, sizeof(ps), NULL, 0);
}

/* NT_FILE from our maps, as the capture writes it. */
static void add_files(struct ld_notes *n, const struct ld_maps *maps)
{
	size_t count = 0, names = 0, off;
	uint64_t *desc;

	for (size_t i = 0; i < maps->n; i++)
		if (ld_map__is_file(&maps->v[i])) {
			count++;
			names += strlen(maps->v[i].path) + 1;
		}
	desc = calloc(1, (2 + 3 * count) * 8 + names);
	assert_non_null(desc);
	desc[0] = count;
	desc[1] = 4096;
	off = (2 + 3 * count) * 8;
	for (size_t i = 0, k = 0; i < maps->n; i++) {
		const struct ld_map *m = &maps->v[i];

		if (!ld_map__is_file(m))
			continue;
		desc[2 + 3 * k] = m->start;
		desc[3 + 3 * k] = m->end;
		desc[4 + 3 * k] = m->offset / 4096;
		strcpy((char *)desc + off, m->path);
		off += strlen(m->path) + 1;
		k++;
	}
	ld_notes__add(n, "CORE", NT_FILE, desc, off, NULL, 0);
	free(desc);
}

static void add_modules(struct ld_notes *n, const struct ld_maps *maps, unsigned flags)
{
	struct ld_note_table tab = { 0, 0 };
	struct ld_module *mods;
	size_t nmods, len;
	void *buf;

	assert_int_equal(ld_modules_collect(getpid(), maps, &mods, &nmods), 0);
	assert_true(nmods >= 2);	/* this test and libc at least */
	if (flags & W_BAD_BUILD_ID)
		for (size_t i = 0; i < nmods; i++)
			memset(mods[i].build_id, 0x5a, mods[i].build_id_len);
	assert_int_equal(ld_modules_encode(mods, nmods, &buf, &len), 0);
	if (flags & W_BAD_MODULES)
		((struct ld_note_module *)buf)->size = len + 8;
	tab.count = nmods;
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_MODULES, &tab, sizeof(tab), buf, len);
	free(buf);
	ld_modules__free(mods, nmods);
}

static const char *write_dump(const char *name, unsigned flags)
{
	static char path[128];
	struct ld_seg seg = {
		.vaddr = snap.sp, .len = flags & W_SHORT_STACK ? 256 : snap.len,
		.prot = PF_R | PF_W, .data = snap.stack,
	};
	struct ld_notes notes = { 0 };
	struct ld_dump_desc desc = { .notes = &notes, .segs = &seg, .nsegs = 1 };
	struct ld_write_stats st;
	struct ld_maps maps;
	struct ld_sink *s;

	assert_int_equal(ld_proc_maps(getpid(), &maps), 0);
	add_prstatus(&notes);
	add_files(&notes, &maps);
	add_header(&notes);
	if (!(flags & W_NO_MODULES))
		add_modules(&notes, &maps, flags);
	ld_maps__free(&maps);
	assert_int_equal(notes.err, 0);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	s = ld_file_sink__new(tmpdir, name);
	assert_non_null(s);
	assert_int_equal(ld_dump_write(&desc, s, &st), 0);
	assert_int_equal(s->ops->commit(s), 0);
	s->ops->free(s);
	ld_notes__free(&notes);
	return path;
}

/* --- checks ------------------------------------------------------------------------ */

struct result {
	struct ld_stack st;
	size_t nmissing;
	char missing[512];
};

static void unwind_dump(const char *path, struct result *r)
{
	struct ld_sym_opts o = { 0 };
	struct ld_sym_session *ss;
	struct ld_symbolizer *s;
	struct ld_dump *d;
	char err[512];

	memset(r, 0, sizeof(*r));
	assert_int_equal(ld_dump__open(path, &d, err, sizeof(err)), 0);
	assert_int_equal(ld_sym_session__new(&o, &ss), 0);
	assert_int_equal(ld_symbolizer__new(ss, d, &s, err, sizeof(err)), 0);
	assert_int_equal(ld_symbolizer__stack(s, ld_dump_trigger_thread(d)->tid, &r->st), 0);
	ld_symbolizer__free(s);
	r->nmissing = ld_sym_session__nmissing(ss);
	if (r->nmissing)
		snprintf(r->missing, sizeof(r->missing), "%s", ld_sym_session__missing(ss, 0));
	ld_sym_session__free(ss);
	ld_dump__free(d);
}

/* Index of the frame named fn, or -1. */
static int find_frame(const struct ld_stack *st, const char *fn)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->frames[i].function && !strcmp(st->frames[i].function, fn))
			return i;
	return -1;
}

static void expect_chain(const struct ld_stack *st)
{
	int three = find_frame(st, "level_three"), two = find_frame(st, "level_two");
	int one = find_frame(st, "level_one"), snapshot = find_frame(st, "take_snapshot");

	assert_true(snapshot >= 0);
	assert_int_equal(three, snapshot + 1);
	assert_int_equal(two, three + 1);
	assert_int_equal(one, two + 1);
	/* And beyond: the cmocka runner and main, from CFI alone. */
	assert_true(find_frame(st, "main") > one);
	for (int i = snapshot; i <= one; i++) {
		const struct ld_frame *f = &st->frames[i];

		assert_non_null(f->file);
		assert_non_null(strstr(f->file, "test_symbolize.c"));
		assert_true(f->line > 0);
		assert_non_null(f->module);
		assert_non_null(strstr(f->module, "test_symbolize"));
		assert_false(f->inlined);
		assert_false(f->kernel);
	}
}

static void test_unwind_with_modules(void **state)
{
	struct result r;

	(void)state;
	unwind_dump(write_dump("mods.core", 0), &r);
	expect_chain(&r.st);
	assert_int_equal(r.nmissing, 0);
	ld_stack__free(&r.st);
}

static void test_unwind_from_nt_file(void **state)
{
	struct result r;

	(void)state;
	unwind_dump(write_dump("files.core", W_NO_MODULES), &r);
	expect_chain(&r.st);
	ld_stack__free(&r.st);
}

/* Another binary at the recorded path: not used, and said so. */
static void test_build_id_mismatch(void **state)
{
	char name[64];
	struct result r;

	(void)state;
	unwind_dump(write_dump("badid.core", W_BAD_BUILD_ID), &r);
	assert_true(r.nmissing > 0);
	assert_non_null(strstr(r.missing, "5a5a5a5a"));
	assert_non_null(strstr(r.missing, "another build-id"));
	assert_int_equal(find_frame(&r.st, "level_three"), -1);
	/* The first frame still names its object and offset. */
	assert_true(r.st.n >= 1);
	ld_frame__name(&r.st.frames[0], true, name, sizeof(name));
	assert_non_null(strstr(name, "test_symbolize+0x"));
	ld_stack__free(&r.st);
}

/* A stack cut after 256 bytes: the walk ends there, with what it found. */
static void test_short_stack(void **state)
{
	struct result r;

	(void)state;
	unwind_dump(write_dump("short.core", W_SHORT_STACK), &r);
	assert_true(r.st.n >= 1);
	assert_string_equal(r.st.frames[0].function, "take_snapshot");
	assert_int_equal(find_frame(&r.st, "main"), -1);
	ld_stack__free(&r.st);
}

static void test_modules_note(void **state)
{
	char err[512], id[2 * LD_BUILD_ID_MAX + 1], exe[256] = "";
	struct ld_elf_ident ident;
	struct ld_dump *d;
	bool found = false;

	(void)state;
	assert_true(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0);
	assert_int_equal(ld_elf_ident_path(exe, &ident), 0);
	assert_true(ident.build_id_len >= 8);
	assert_int_equal(ld_dump__open(write_dump("note.core", 0), &d, err, sizeof(err)), 0);
	for (size_t i = 0; i < ld_dump__nmodules(d); i++) {
		const struct ld_dump_module *m = ld_dump__module(d, i);

		assert_true(m->start < m->end);
		if (strcmp(m->path, exe))
			continue;
		found = true;
		assert_int_equal(m->build_id_len, ident.build_id_len);
		assert_memory_equal(m->build_id, ident.build_id, ident.build_id_len);
		/* The bias puts the first PT_LOAD where the lowest mapping is. */
		assert_int_equal(m->bias + (ident.first_load_vaddr & ~4095ULL), m->start);
		assert_true((uint64_t)(uintptr_t)level_one >= m->start &&
			    (uint64_t)(uintptr_t)level_one < m->end);
	}
	assert_true(found);
	ld_build_id_hex(ident.build_id, 2, id, sizeof(id));
	assert_int_equal(strlen(id), 4);
	ld_dump__free(d);

	assert_int_equal(ld_dump__open(write_dump("damaged.core", W_BAD_MODULES), &d, err,
				       sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "module 0 at +8: size"));
}

static void test_kernel_hook(void **state)
{
	struct ld_stack st = { 0 };

	(void)state;
	/* No capture records kernel stacks yet: nothing, and no error. */
	assert_int_equal(ld_dump_kernel_stack(NULL, 1, &st), 0);
	assert_int_equal(st.n, 0);
}

static void test_frame_names(void **state)
{
	struct ld_frame f = { .pc = 0x7f0012345678ULL };
	char buf[128];

	(void)state;
	assert_string_equal(ld_frame__name(&f, true, buf, sizeof(buf)), "0x7f0012345678");
	f.module = "/usr/lib/libfoo.so.1";
	f.module_offset = 0x1234;
	assert_string_equal(ld_frame__name(&f, true, buf, sizeof(buf)), "libfoo.so.1+0x1234");
	f.function = "do_work";
	f.offset = 0x1f;
	assert_string_equal(ld_frame__name(&f, true, buf, sizeof(buf)), "do_work+0x1f");
	assert_string_equal(ld_frame__name(&f, false, buf, sizeof(buf)), "do_work");
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ld-symtest.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	sink = level_one(1);
	return snap.stack ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	free(snap.stack);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwind_with_modules),
		cmocka_unit_test(test_unwind_from_nt_file),
		cmocka_unit_test(test_build_id_mismatch),
		cmocka_unit_test(test_short_stack),
		cmocka_unit_test(test_modules_note),
		cmocka_unit_test(test_kernel_hook),
		cmocka_unit_test(test_frame_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
