// SPDX-License-Identifier: MIT
/*
 * The dump reader against the real writer: note encoding, a full round
 * trip, precise rejection of damaged files, and random damage that must
 * never crash the reader.  Also the JSON emitter and `livedump inspect`.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "cli/commands.h"
#include "dump/dump_reader.h"
#include "detectors/fields.h"
#include "dump/dump_writer.h"
#include "base/json.h"

/* The test process's memory, as the dump describes it. */
#define SEG0		0x10000ULL	/* 8192 bytes from a buffer */
#define SEG1		0x20000ULL	/* 4096 bytes from a buffer */
#define SEG2		0x40000ULL	/* 12288 bytes read through the source */
#define SEG3		0x43000ULL	/* 4096 bytes, adjacent to SEG2 */
#define BAD_PAGE	0x41000ULL	/* the source cannot read this page */
#define PAGE		4096ULL

#define B_NO_HEADER	(1U << 0)
#define B_MAJOR2	(1U << 1)
#define B_OVERLAP	(1U << 2)
#define B_FP_FIRST	(1U << 3)
#define B_CAP_1_0	(1U << 4)	/* an LD_NT_CAPTURE note as format 1.0 wrote it */
#define B_CAP_1_1	(1U << 5)	/* ... as 1.1 writes it */
#define B_CAP_SHORT	(1U << 6)	/* ... shorter than any version */

static char tmpdir[64];
static unsigned char seg0[8192], seg1[4096], seg3[4096];

/* Every byte of the fake address space has a value derived from its address. */
static unsigned char pat(uint64_t a)
{
	return (a * 131 + (a >> 9) + 7) & 0xff;
}

static void fill(unsigned char *p, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(addr + i);
}

static uint32_t pat_crc(uint64_t addr, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);
	uint32_t crc;

	fill(p, addr, len);
	crc = crc32(0, p, len);
	free(p);
	return crc;
}

static long src_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++) {
		if (addr + i >= BAD_PAGE && addr + i < BAD_PAGE + PAGE)
			break;
		p[i] = pat(addr + i);
	}
	return i ? (long)i : -EFAULT;
}

/* --- building dumps ------------------------------------------------------- */

static void add_thread_regs(struct ld_notes *n, uint32_t tid, uint64_t pc, uint64_t sp,
			    bool fp, size_t xstate_len)
{
	struct elf_prstatus ps;
	unsigned char fpregs[512], xs[1024];

	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = tid;
	ps.pr_cursig = tid == 1001 ? SIGSTOP : 0;
	ps.pr_reg[16] = pc;	/* rip */
	ps.pr_reg[19] = sp;	/* rsp */
	ps.pr_reg[10] = tid;	/* rax */
	ld_notes__add(n, "CORE", NT_PRSTATUS, &ps, sizeof(ps), NULL, 0);
	if (fp) {
		memset(fpregs, tid & 0xff, sizeof(fpregs));
		ld_notes__add(n, "CORE", NT_FPREGSET, fpregs, sizeof(fpregs), NULL, 0);
	}
	if (xstate_len) {
		memset(xs, 0xa5, sizeof(xs));
		ld_notes__add(n, "LINUX", NT_X86_XSTATE, xs, xstate_len, NULL, 0);
	}
}

static void add_process_notes(struct ld_notes *n)
{
	struct elf_prpsinfo pi;
	siginfo_t si;
	uint64_t auxv[] = { AT_PAGESZ, 4096, AT_ENTRY, 0x401000, AT_NULL, 0 };
	unsigned char file[2 * 8 + 2 * 24 + 64];
	uint64_t hdr[2] = { 2, 4096 };
	uint64_t ent[6] = { 0x400000, 0x401000, 0, 0x7f0000, 0x7f2000, 3 };
	const char names[] = "/usr/bin/testprog\0/lib/libc.so.6";

	memset(&pi, 0, sizeof(pi));
	pi.pr_pid = 1000;
	strcpy(pi.pr_fname, "testprog");
	ld_notes__add(n, "CORE", NT_PRPSINFO, &pi, sizeof(pi), NULL, 0);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSTOP;
	ld_notes__add(n, "CORE", NT_SIGINFO, &si, sizeof(si), NULL, 0);
	ld_notes__add(n, "CORE", NT_AUXV, auxv, sizeof(auxv), NULL, 0);
	memcpy(file, hdr, sizeof(hdr));
	memcpy(file + sizeof(hdr), ent, sizeof(ent));
	memcpy(file + sizeof(hdr) + sizeof(ent), names, sizeof(names));
	ld_notes__add(n, "CORE", NT_FILE, file, sizeof(hdr) + sizeof(ent) + sizeof(names),
		      NULL, 0);
}

static void add_header(struct ld_notes *n, unsigned flags)
{
	struct ld_note_header h;

	memset(&h, 0, sizeof(h));
	h.magic = LD_HEADER_MAGIC;
	h.format_major = flags & B_MAJOR2 ? 2 : LD_FORMAT_MAJOR;
	h.format_minor = LD_FORMAT_MINOR;
	h.size = sizeof(h);
	h.capture_type = LD_CAPTURE_MINI;
	h.issue_type = LD_ISSUE_APP;
	h.flags = LD_HDR_UNREADABLE;
	h.code = 0xdeadbeef;
	h.pid = 1000;
	h.tid = 1001;
	h.nthreads = 3;
	h.params[0] = 42;
	h.params[3] = 0xffffffffffffffffULL;
	h.issue_time_ns = 1700000000123456789ULL;
	h.capture_start_ns = 1700000000200000000ULL;
	h.capture_end_ns = 1700000000201000000ULL;
	h.pause_ns = 412000;
	strcpy(h.rule, "app-rule");
	/* A full-length field without NUL: the reader must terminate it. */
	memset(h.comm, 'c', sizeof(h.comm));
	strcpy(h.hostname, "testhost");
	strcpy(h.kernel_release, "6.18.0-test");
	strcpy(h.collector_version, "livedump 0.1.0");
	strcpy(h.exe, "/usr/bin/testprog");
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_HEADER, &h, sizeof(h), NULL, 0);
}

static void add_trigger(struct ld_notes *n)
{
	struct ld_app_trigger t;

	memset(&t, 0, sizeof(t));
	t.hdr.type = LD_DET_APP;
	t.hdr.size = sizeof(t);
	t.hdr.pid = 1000;
	t.hdr.tid = 1001;
	t.hdr.cpu = 3;
	t.hdr.flags = LD_EVF_FROZEN;
	strcpy(t.hdr.comm, "testprog");
	t.req_addr = 0x7ffd1000;
	t.req.magic = LD_TRIGGER_MAGIC;
	t.req.code = 0xdeadbeef;
	t.req.param = 42;
	t.req.nblobs = 2;
	t.regs.ip = 0x401234;
	t.regs.sp = 0x7ffd0ff0;
	t.blobs[0].len = 40;
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_TRIGGER, &t, sizeof(t), NULL, 0);
}

static void add_threads(struct ld_notes *n)
{
	struct ld_note_table tab = { 3, sizeof(struct ld_note_thread) };
	struct ld_note_thread v[3];

	memset(v, 0, sizeof(v));
	v[0] = (struct ld_note_thread){ .tid = 1001, .flags = LD_THR_TRIGGER, .state = 'S',
					.syscall = -1, .stack_lo = SEG0, .stack_hi = SEG0 + 8192 };
	strcpy(v[0].name, "main");
	v[1] = (struct ld_note_thread){ .tid = 1002, .state = 'R', .syscall = 7 };
	memset(v[1].name, 'w', sizeof(v[1].name));	/* 16 chars, no NUL */
	v[2] = (struct ld_note_thread){ .tid = 1004, .flags = LD_THR_NO_REGS, .state = 'D',
					.syscall = -1 };
	strcpy(v[2].name, "noregs");
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_THREADS, &tab, sizeof(tab), v, sizeof(v));
}

enum { R_ALPHA, R_BETA, R_EXCL, R_CORRUPT, R_MISSING, R_ACROSS, R_NR };

static void add_regions(struct ld_notes *n)
{
	struct ld_note_table tab = { R_NR, sizeof(struct ld_note_region) };
	struct ld_note_region r[R_NR];

	memset(r, 0, sizeof(r));
	r[R_ALPHA] = (struct ld_note_region){ .addr = SEG0 + 0x100, .len = 300, .captured = 300,
					      .crc32 = pat_crc(SEG0 + 0x100, 300) };
	strcpy(r[R_ALPHA].name, "alpha");
	/* Runs into the unreadable page: captured up to it. */
	r[R_BETA] = (struct ld_note_region){ .addr = BAD_PAGE - 0x800, .len = 0x1000,
					     .captured = 0x800, .flags = LD_REG_UNREADABLE,
					     .crc32 = pat_crc(BAD_PAGE - 0x800, 0x800) };
	strcpy(r[R_BETA].name, "beta");
	r[R_EXCL] = (struct ld_note_region){ .addr = 0x90000, .len = 64,
					     .flags = LD_REG_EXCLUDED };
	strcpy(r[R_EXCL].name, "excluded");
	r[R_CORRUPT] = (struct ld_note_region){ .addr = SEG1, .len = 16, .captured = 16,
						.crc32 = pat_crc(SEG1, 16) ^ 1 };
	strcpy(r[R_CORRUPT].name, "corrupt");
	r[R_MISSING] = (struct ld_note_region){ .addr = 0x90000, .len = 64, .captured = 64 };
	strcpy(r[R_MISSING].name, "missing");
	/* Crosses from SEG2 into the adjacent SEG3. */
	r[R_ACROSS] = (struct ld_note_region){ .addr = SEG3 - 0x10, .len = 0x20, .captured = 0x20,
					       .crc32 = pat_crc(SEG3 - 0x10, 0x20) };
	memset(r[R_ACROSS].name, 'x', sizeof(r[R_ACROSS].name));	/* 32 chars, no NUL */
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_REGIONS, &tab, sizeof(tab), r, sizeof(r));
}

static const char blob_text[] = "request id=17 \"quoted\"\n\x01 end of blob.";

static void add_blobs(struct ld_notes *n)
{
	struct ld_note_blob b;

	memset(&b, 0, sizeof(b));
	strcpy(b.tag, "request");
	b.addr = 0x7ffd2000;
	b.len = sizeof(blob_text);
	b.crc32 = crc32(0, (const void *)blob_text, sizeof(blob_text));
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_BLOB, &b, sizeof(b), blob_text, sizeof(blob_text));
	memset(&b, 0, sizeof(b));
	strcpy(b.tag, "empty");
	b.crc32 = crc32(0, NULL, 0);
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_BLOB, &b, sizeof(b), NULL, 0);
}

static const char *fd_targets[] = {
	"/dev/null", "pipe:[1234]",
	"/a/rather/long/path/that/needs/several/words/to/write/down/in/full/file.txt",
};

static void add_fds(struct ld_notes *n)
{
	struct ld_note_table tab = { 3, 0 };
	unsigned char buf[512];
	size_t off = 0;

	memset(buf, 0, sizeof(buf));
	for (int i = 0; i < 3; i++) {
		struct ld_note_fd r = { .fd = i == 2 ? 5 : i, .flags = i == 2 ? O_RDWR | O_APPEND : 0,
					.mode = i == 1 ? S_IFIFO : S_IFREG, .pos = 100 * i,
					.ino = 7000 + i };
		size_t tl = strlen(fd_targets[i]) + 1;

		/* Records are padded to 8 bytes, the padding counted in size. */
		r.size = (sizeof(r) + tl + 7) & ~7UL;
		memcpy(buf + off, &r, sizeof(r));
		memcpy(buf + off + sizeof(r), fd_targets[i], tl);
		off += r.size;
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_FDS, &tab, sizeof(tab), buf, off);
}

static const char maps_text[] = "00400000-00401000 r-xp 00000000 08:01 1 /usr/bin/testprog\n";
static const char cmdline[] = "testprog\0--flag\0";

static void build_notes(struct ld_notes *n, unsigned flags)
{
	if (flags & B_FP_FIRST)
		ld_notes__add(n, "CORE", NT_FPREGSET, seg0, 512, NULL, 0);
	/* Kernel order: first thread, process notes, its FP state, others. */
	add_thread_regs(n, 1001, 0x401234, 0x7ffd0ff0, false, 0);
	add_process_notes(n);
	ld_notes__add(n, "CORE", NT_FPREGSET, seg0, 512, NULL, 0);
	ld_notes__add(n, "LINUX", NT_X86_XSTATE, seg0, 832, NULL, 0);
	add_thread_regs(n, 1002, 0x402000, 0x7ffc0000, true, 1024);
	add_thread_regs(n, 1003, 0x403000, 0x7ffb0000, false, 0);
	if (!(flags & B_NO_HEADER))
		add_header(n, flags);
	add_trigger(n);
	add_threads(n);
	add_regions(n);
	add_blobs(n);
	add_fds(n);
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_MAPS, maps_text, strlen(maps_text), NULL, 0);
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_CMDLINE, cmdline, sizeof(cmdline) - 1, NULL, 0);
	if (flags & (B_CAP_1_0 | B_CAP_1_1 | B_CAP_SHORT)) {
		struct ld_note_capture c = {
			.frozen_ns = 1700000000123556789ULL, .seen_stopped_ns = 1700000000123500000ULL,
			.stopped_ns = 1700000000123470000ULL, .nofork_bytes = 4096,
		};
		size_t len = flags & B_CAP_1_1 ? sizeof(c) : flags & B_CAP_1_0 ? 144 : 100;

		c.size = len;
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_CAPTURE, &c, len, NULL, 0);
	}
}

/* Writes tmpdir/name; returns its path (static buffer). */
static const char *build(const char *name, unsigned flags)
{
	static char path[128];
	struct ld_seg segs[] = {
		{ .vaddr = SEG0, .len = sizeof(seg0), .prot = PF_R | PF_W, .data = seg0 },
		{ .vaddr = SEG1, .len = sizeof(seg1), .prot = PF_R, .data = seg1 },
		{ .vaddr = SEG2, .len = 3 * PAGE, .prot = PF_R | PF_W },
		{ .vaddr = SEG3, .len = sizeof(seg3), .prot = PF_R | PF_X, .data = seg3 },
	};
	struct ld_mem_source src = { .read = src_read };
	struct ld_notes notes = { 0 };
	struct ld_dump_desc desc = { .notes = &notes, .segs = segs, .nsegs = 4, .src = &src };
	struct ld_write_stats st;
	struct ld_sink *sink;

	if (flags & B_OVERLAP)
		segs[1].vaddr = SEG0 + PAGE;
	build_notes(&notes, flags);
	assert_int_equal(notes.err, 0);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	sink = ld_file_sink__new(tmpdir, name);
	assert_non_null(sink);
	assert_int_equal(ld_dump_write(&desc, sink, &st), 0);
	assert_int_equal(sink->ops->commit(sink), 0);
	sink->ops->free(sink);
	ld_notes__free(&notes);
	assert_int_equal(st.unreadable_bytes, PAGE);
	return path;
}

/* --- file helpers ----------------------------------------------------------- */

struct image {
	unsigned char *buf;
	size_t len;
};

static struct image load(const char *path)
{
	struct image im;
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	im.len = st.st_size;
	im.buf = malloc(im.len);
	assert_non_null(im.buf);
	assert_int_equal(read(fd, im.buf, im.len), (ssize_t)im.len);
	close(fd);
	return im;
}

static const char *save(const char *name, const void *buf, size_t len)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

static const Elf64_Phdr *phdr(const struct image *im, int i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->buf;

	return (const Elf64_Phdr *)(im->buf + eh->e_phoff) + i;
}

static int nphdrs(const struct image *im)
{
	return ((const Elf64_Ehdr *)im->buf)->e_phnum;
}

/* Open a damaged copy; expect ret and a message containing each fragment. */
static void expect_error(const struct image *im, size_t len, unsigned flags, int ret, ...)
{
	const char *path = save("damaged.core", im->buf, len);
	struct ld_dump *d = (void *)1;
	char err[512];
	const char *frag;
	va_list ap;

	assert_int_equal(ld_dump__open_flags(path, flags, &d, err, sizeof(err)), ret);
	assert_null(d);
	assert_true(!strncmp(err, path, strlen(path)));
	va_start(ap, ret);
	while ((frag = va_arg(ap, const char *))) {
		if (!strstr(err, frag))
			fail_msg("message \"%s\" lacks \"%s\"", err, frag);
	}
	va_end(ap);
}

/* --- tests: notes ------------------------------------------------------------ */

static void test_notes_encoding(void **state)
{
	struct ld_notes n = { 0 };
	const unsigned char *p;
	uint32_t w[3];

	(void)state;
	ld_notes__add(&n, "CORE", 1, "abcde", 5, NULL, 0);
	ld_notes__add(&n, "LIVEDUMP", 0x4c440007, "ab", 2, "cd", 2);
	ld_notes__add(&n, "X", 9, NULL, 0, NULL, 0);
	assert_int_equal(n.err, 0);
	/* 12 + align4(5) + align4(5); 12 + align4(9) + 4; 12 + 4 + 0 */
	assert_int_equal(n.len, 28 + 28 + 16);
	p = n.buf;
	memcpy(w, p, 12);
	assert_int_equal(w[0], 5);
	assert_int_equal(w[1], 5);
	assert_int_equal(w[2], 1);
	assert_memory_equal(p + 12, "CORE\0\0\0\0", 8);
	assert_memory_equal(p + 20, "abcde\0\0\0", 8);
	p += 28;
	memcpy(w, p, 12);
	assert_int_equal(w[0], 9);
	assert_int_equal(w[1], 4);
	assert_int_equal(w[2], 0x4c440007);
	assert_memory_equal(p + 12, "LIVEDUMP\0\0\0\0", 12);
	assert_memory_equal(p + 24, "abcd", 4);
	p += 28;
	memcpy(w, p, 12);
	assert_int_equal(w[0], 2);
	assert_int_equal(w[1], 0);
	assert_memory_equal(p + 12, "X\0\0\0", 4);
	ld_notes__free(&n);
	assert_null(n.buf);
	assert_int_equal(n.len, 0);
}

struct note_count {
	int n, complete_at, first_type;
	char first_owner[32];
};

static int count_note(const struct ld_dump_note *n, void *ctx)
{
	struct note_count *c = ctx;

	if (c->n == 0) {
		c->first_type = n->type;
		strcpy(c->first_owner, n->owner);
	}
	if (n->type == LD_NT_COMPLETE && !strcmp(n->owner, LD_NOTE_OWNER))
		c->complete_at = c->n;
	assert_int_equal(n->index, c->n);
	c->n++;
	return 0;
}

static int stop_at_third(const struct ld_dump_note *n, void *ctx)
{
	(void)ctx;
	return n->index == 2 ? 77 : 0;
}

/* --- tests: round trip ------------------------------------------------------- */

static void check_header(struct ld_dump *d)
{
	const struct ld_note_header *h = ld_dump__header(d);

	assert_non_null(h);
	assert_int_equal(h->format_major, LD_FORMAT_MAJOR);
	assert_int_equal(h->capture_type, LD_CAPTURE_MINI);
	assert_int_equal(h->issue_type, LD_ISSUE_APP);
	assert_int_equal(h->code, 0xdeadbeef);
	assert_int_equal(h->pid, 1000);
	assert_int_equal(h->tid, 1001);
	assert_true(h->params[3] == 0xffffffffffffffffULL);
	assert_true(h->issue_time_ns == 1700000000123456789ULL);
	assert_int_equal(h->pause_ns, 412000);
	assert_string_equal(h->rule, "app-rule");
	assert_string_equal(h->comm, "ccccccccccccccc");	/* terminated by the reader */
	assert_string_equal(h->hostname, "testhost");
	assert_string_equal(h->exe, "/usr/bin/testprog");
	assert_string_equal(ld_dump__capture_type_name(h->capture_type), "mini");
	/* No detector field: a legacy (1.2-style) header, named through its issue type. */
	assert_string_equal(ld_dump__issue_name(d), "app");
	{
		struct ld_fields f;
		const struct ld_field *x;

		assert_int_equal(ld_dump__decode(d, &f), 0);
		assert_string_equal(f.detector, "app");
		x = ld_fields__get(&f, "code");
		assert_non_null(x);
		assert_int_equal(x->kind, LD_FK_HEX);
	}
}

static void check_threads(struct ld_dump *d)
{
	const struct ld_dump_thread *t;

	assert_int_equal(ld_dump__nthreads(d), 4);
	/* Table order first, then NT_PRSTATUS-only threads. */
	t = ld_dump__thread(d, 0);
	assert_int_equal(t->tid, 1001);
	assert_string_equal(t->name, "main");
	assert_int_equal(t->state, 'S');
	assert_int_equal(t->flags, LD_THR_TRIGGER);
	assert_true(t->in_table && t->has_regs && t->has_fp);
	assert_true(t->pc == 0x401234 && t->sp == 0x7ffd0ff0);
	assert_int_equal(t->regs.rax, 1001);
	assert_int_equal(t->cursig, SIGSTOP);
	assert_int_equal(t->xstate_len, 832);
	assert_int_equal(t->fpregs_len, 512);
	assert_memory_equal(t->fpregs, seg0, 512);
	assert_non_null(t->prstatus);
	assert_int_equal(t->prstatus->pr_pid, 1001);
	assert_int_equal(t->syscall, -1);
	assert_true(t->stack_lo == SEG0);

	t = ld_dump__thread(d, 1);
	assert_int_equal(t->tid, 1002);
	assert_string_equal(t->name, "wwwwwwwwwwwwwwww");
	assert_int_equal(t->syscall, 7);
	assert_true(t->has_regs && t->pc == 0x402000);
	assert_int_equal(t->xstate_len, 1024);
	assert_int_equal(((const unsigned char *)t->fpregs)[0], 1002 & 0xff);

	t = ld_dump__thread(d, 2);
	assert_int_equal(t->tid, 1004);
	assert_false(t->has_regs);
	assert_null(t->prstatus);
	assert_int_equal(t->flags, LD_THR_NO_REGS);

	t = ld_dump__thread(d, 3);
	assert_int_equal(t->tid, 1003);
	assert_false(t->in_table);
	assert_true(t->has_regs && t->sp == 0x7ffb0000);
	assert_false(t->has_fp);
	assert_null(t->xstate);

	assert_null(ld_dump__thread(d, 4));
	assert_ptr_equal(ld_dump__thread_by_tid(d, 1003), t);
	assert_null(ld_dump__thread_by_tid(d, 9999));
}

static void check_regions(struct ld_dump *d)
{
	const struct ld_dump_region *r;
	uint32_t crc;

	assert_int_equal(ld_dump__nregions(d), R_NR);
	r = ld_dump__region(d, R_ALPHA);
	assert_string_equal(r->name, "alpha");
	assert_true(r->addr == SEG0 + 0x100 && r->len == 300 && r->captured == 300);
	assert_int_equal(ld_dump__verify_region(d, R_ALPHA, &crc), 0);
	assert_int_equal(crc, r->crc32);
	r = ld_dump__region(d, R_BETA);
	assert_int_equal(r->flags, LD_REG_UNREADABLE);
	assert_int_equal(ld_dump__verify_region(d, R_BETA, NULL), 0);
	assert_int_equal(ld_dump__verify_region(d, R_EXCL, NULL), 0);
	assert_int_equal(ld_dump__verify_region(d, R_CORRUPT, &crc), -EBADMSG);
	assert_int_equal(crc, pat_crc(SEG1, 16));
	assert_int_equal(ld_dump__verify_region(d, R_MISSING, NULL), -ENODATA);
	assert_int_equal(ld_dump__verify_region(d, R_ACROSS, NULL), 0);
	assert_int_equal(strlen(ld_dump__region(d, R_ACROSS)->name), 32);
	assert_int_equal(ld_dump__verify_region(d, R_NR, NULL), -EINVAL);
}

static void check_blobs_fds(struct ld_dump *d)
{
	const struct ld_dump_blob *b;
	const struct ld_dump_fd *f;

	assert_int_equal(ld_dump__nblobs(d), 2);
	b = ld_dump__blob(d, 0);
	assert_string_equal(b->tag, "request");
	assert_int_equal(b->len, sizeof(blob_text));
	assert_true(b->crc_ok);
	assert_true(b->addr == 0x7ffd2000);
	assert_memory_equal(b->data, blob_text, sizeof(blob_text));
	b = ld_dump__blob(d, 1);
	assert_string_equal(b->tag, "empty");
	assert_int_equal(b->len, 0);
	assert_true(b->crc_ok);

	assert_int_equal(ld_dump__nfds(d), 3);
	for (int i = 0; i < 3; i++) {
		f = ld_dump__fd(d, i);
		assert_string_equal(f->target, fd_targets[i]);
		assert_int_equal(f->pos, 100 * i);
		assert_int_equal(f->ino, 7000 + i);
	}
	assert_int_equal(ld_dump__fd(d, 2)->fd, 5);
	assert_int_equal(ld_dump__fd(d, 2)->flags, O_RDWR | O_APPEND);
	assert_int_equal(ld_dump__fd(d, 1)->mode, S_IFIFO);
}

static void check_standard(struct ld_dump *d)
{
	const struct ld_dump_file *f;
	const struct ld_app_trigger *t;
	const char *s;
	uint64_t v;
	size_t len;

	assert_int_equal(ld_dump__nfiles(d), 2);
	f = ld_dump__file(d, 1);
	assert_true(f->start == 0x7f0000 && f->end == 0x7f2000 && f->offset == 3 * 4096);
	assert_string_equal(f->name, "/lib/libc.so.6");
	assert_string_equal(ld_dump__file(d, 0)->name, "/usr/bin/testprog");
	assert_int_equal(ld_dump__nauxv(d), 2);
	assert_int_equal(ld_dump__auxv_get(d, AT_ENTRY, &v), 0);
	assert_true(v == 0x401000);
	assert_int_equal(ld_dump__auxv_get(d, AT_HWCAP, &v), -ENOENT);
	assert_string_equal(ld_dump__prpsinfo(d)->pr_fname, "testprog");
	assert_int_equal(ld_dump__siginfo(d)->si_signo, SIGSTOP);

	s = ld_dump__maps(d, &len);
	assert_int_equal(len, strlen(maps_text));
	assert_memory_equal(s, maps_text, len);
	s = ld_dump__cmdline(d, &len);
	assert_int_equal(len, sizeof(cmdline) - 1);
	assert_memory_equal(s, cmdline, len);

	assert_non_null(ld_dump__trigger(d, &len));
	assert_int_equal(len, sizeof(struct ld_app_trigger));
	t = ld_dump__app_trigger(d);
	assert_non_null(t);
	assert_int_equal(t->req.code, 0xdeadbeef);
	assert_int_equal(t->req.nblobs, 2);
	assert_true(t->regs.ip == 0x401234 && t->regs.sp == 0x7ffd0ff0);
	assert_string_equal(t->hdr.comm, "testprog");
}

static void check_memory(struct ld_dump *d)
{
	unsigned char buf[3 * 4096], want[3 * 4096];
	const struct ld_dump_segment *s;

	assert_int_equal(ld_dump__nsegments(d), 4);
	s = ld_dump__segment(d, 2);
	assert_true(s->vaddr == SEG2 && s->memsz == 3 * PAGE && s->avail == 3 * PAGE);
	assert_int_equal(s->prot, PF_R | PF_W);
	assert_int_equal(s->offset % 4096, 0);

	assert_int_equal(ld_dump__read_mem(d, SEG0, buf, 8192), 8192);
	assert_memory_equal(buf, seg0, 8192);
	/* SEG0 ends at 0x12000 and nothing follows it. */
	assert_int_equal(ld_dump__read_mem(d, SEG0 + 8192 - 16, buf, 64), 16);
	assert_memory_equal(buf, seg0 + 8192 - 16, 16);
	assert_int_equal(ld_dump__read_mem(d, SEG0 - 1, buf, 16), 0);
	assert_int_equal(ld_dump__read_mem(d, 0x90000, buf, 16), 0);
	assert_int_equal(ld_dump__read_mem(d, SEG1 + 5, buf, 100), 100);
	assert_memory_equal(buf, seg1 + 5, 100);
	/* The unreadable page stops a read and cannot be read itself. */
	assert_int_equal(ld_dump__read_mem(d, BAD_PAGE - 16, buf, 64), 16);
	fill(want, BAD_PAGE - 16, 16);
	assert_memory_equal(buf, want, 16);
	assert_int_equal(ld_dump__read_mem(d, BAD_PAGE + 100, buf, 16), 0);
	/* SEG2's last page and adjacent SEG3 read as one. */
	assert_int_equal(ld_dump__read_mem(d, SEG3 - PAGE, buf, 2 * PAGE), 2 * PAGE);
	fill(want, SEG3 - PAGE, PAGE);
	memcpy(want + PAGE, seg3, PAGE);
	assert_memory_equal(buf, want, 2 * PAGE);
	/* Reads that would wrap the address space stop. */
	assert_int_equal(ld_dump__read_mem(d, UINT64_MAX - 4, buf, 64), 0);
}

static void test_roundtrip(void **state)
{
	const char *path = build("good.core", 0);
	const struct ld_note_complete *c;
	struct note_count nc = { 0 };
	struct ld_dump *d;
	struct stat st;
	char err[512];

	(void)state;
	assert_int_equal(ld_dump__open(path, &d, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(ld_dump__path(d), path);
	assert_null(ld_dump__cut(d));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(ld_dump__file_size(d), st.st_size);
	check_header(d);
	check_threads(d);
	check_regions(d);
	check_blobs_fds(d);
	check_standard(d);
	check_memory(d);

	c = ld_dump__complete(d);
	assert_non_null(c);
	assert_int_equal(c->file_size, st.st_size);
	assert_int_equal(c->memory_bytes, 8192 + 4096 + 3 * 4096 + 4096);
	assert_int_equal(c->unreadable_bytes, PAGE);
	assert_int_equal(c->nranges, 1);
	assert_true(c->ranges[0].addr == BAD_PAGE && c->ranges[0].len == PAGE);

	assert_int_equal(ld_dump__foreach_note(d, count_note, &nc), 0);
	assert_int_equal(nc.complete_at, nc.n - 1);
	assert_int_equal(nc.first_type, NT_PRSTATUS);
	assert_string_equal(nc.first_owner, "CORE");
	assert_int_equal(ld_dump__foreach_note(d, stop_at_third, NULL), 77);
	ld_dump__free(d);

	/* err may be NULL. */
	assert_int_equal(ld_dump__open(path, &d, NULL, 0), 0);
	ld_dump__free(d);
	ld_dump__free(NULL);
}

/* LD_NT_CAPTURE grew in format 1.1: both sizes read, a shorter one is refused. */
static void test_capture_versions(void **state)
{
	const struct ld_note_capture *c;
	struct ld_dump *d;
	char err[512];

	(void)state;
	assert_int_equal(ld_dump__open(build("cap11.core", B_CAP_1_1), &d, err, sizeof(err)), 0);
	c = ld_dump__capture_info(d);
	assert_non_null(c);
	assert_true(c->stopped_ns == 1700000000123470000ULL);
	assert_true(c->seen_stopped_ns == 1700000000123500000ULL);
	ld_dump__free(d);

	assert_int_equal(ld_dump__open(build("cap10.core", B_CAP_1_0), &d, err, sizeof(err)), 0);
	c = ld_dump__capture_info(d);
	assert_non_null(c);
	assert_int_equal(c->size, 144);
	assert_true(c->stopped_ns == 0);	/* not in a 1.0 note: unknown */
	assert_true(c->frozen_ns == 1700000000123556789ULL && c->nofork_bytes == 4096);
	ld_dump__free(d);

	assert_int_equal(ld_dump__open(build("capshort.core", B_CAP_SHORT), &d, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "(LD_NT_CAPTURE): 100 bytes, at least 144 expected"));
}

/* --- tests: damage ------------------------------------------------------------ */

static void test_reject_truncated(void **state)
{
	struct image im = load(build("good.core", 0));
	const Elf64_Phdr *meta = phdr(&im, 0), *load1 = phdr(&im, 2);
	const Elf64_Phdr *trailer = phdr(&im, nphdrs(&im) - 1);
	char msg[128];

	(void)state;
	expect_error(&im, 0, 0, -ENOEXEC, "empty file", NULL);
	expect_error(&im, 30, 0, -ENODATA, "cut at 30 bytes: the ELF header needs 64 bytes", NULL);
	expect_error(&im, 30, LD_OPEN_ALLOW_CUT, -ENODATA, "the ELF header", NULL);
	expect_error(&im, 100, 0, -ENODATA,
		     "cut at 100 bytes: the program header table (6 entries) needs bytes up to 400",
		     NULL);
	snprintf(msg, sizeof(msg), "cut at %llu bytes: PT_NOTE 0 (metadata notes) needs bytes up to %llu",
		 (unsigned long long)meta->p_offset + 50,
		 (unsigned long long)(meta->p_offset + meta->p_filesz));
	expect_error(&im, meta->p_offset + 50, 0, -ENODATA, msg, NULL);
	snprintf(msg, sizeof(msg), "cut at %llu bytes: PT_LOAD 1 (vaddr 0x20000) needs bytes up to %llu",
		 (unsigned long long)load1->p_offset + 1000,
		 (unsigned long long)(load1->p_offset + load1->p_filesz));
	expect_error(&im, load1->p_offset + 1000, 0, -ENODATA, msg, NULL);
	expect_error(&im, trailer->p_offset, 0, -ENODATA,
		     "completion record missing: the dump was cut while it was written", NULL);
	expect_error(&im, trailer->p_offset + 40, 0, -ENODATA,
		     "completion record missing: the dump was cut while it was written", NULL);
	expect_error(&im, im.len - 1, 0, -ENODATA, "completion record missing", NULL);
	free(im.buf);
}

/* A cut dump still opens with LD_OPEN_ALLOW_CUT and shows what is there. */
static void test_allow_cut(void **state)
{
	struct image im = load(build("good.core", 0));
	const Elf64_Phdr *meta = phdr(&im, 0), *load2 = phdr(&im, 3);
	const Elf64_Phdr *trailer = phdr(&im, nphdrs(&im) - 1);
	unsigned char buf[4096];
	struct ld_dump *d;
	const char *path;
	char err[512];

	(void)state;
	/* Cut just before the trailer: everything but the completion record. */
	path = save("cut.core", im.buf, trailer->p_offset);
	assert_int_equal(ld_dump__open_flags(path, LD_OPEN_ALLOW_CUT, &d, err, sizeof(err)), 0);
	assert_non_null(ld_dump__cut(d));
	assert_non_null(strstr(ld_dump__cut(d), "completion record missing"));
	assert_null(ld_dump__complete(d));
	check_header(d);
	check_threads(d);
	assert_int_equal(ld_dump__nregions(d), R_NR);
	/* Without the completion record the unreadable page reads as the zeros written. */
	assert_int_equal(ld_dump__read_mem(d, BAD_PAGE, buf, 16), 16);
	ld_dump__free(d);

	/* Cut inside SEG2: the segment is clipped. */
	path = save("cut.core", im.buf, load2->p_offset + 100);
	assert_int_equal(ld_dump__open_flags(path, LD_OPEN_ALLOW_CUT, &d, err, sizeof(err)), 0);
	assert_non_null(strstr(ld_dump__cut(d), "PT_LOAD 2 (vaddr 0x40000)"));
	assert_int_equal(ld_dump__segment(d, 2)->avail, 100);
	assert_int_equal(ld_dump__segment(d, 3)->avail, 0);
	assert_int_equal(ld_dump__read_mem(d, SEG2, buf, 4096), 100);
	assert_int_equal(ld_dump__read_mem(d, SEG3, buf, 16), 0);
	assert_int_equal(ld_dump__verify_region(d, R_ACROSS, NULL), -ENODATA);
	assert_int_equal(ld_dump__verify_region(d, R_ALPHA, NULL), 0);
	ld_dump__free(d);

	/* Cut inside the notes: the notes before the cut are read. */
	path = save("cut.core", im.buf, meta->p_offset + 1000);
	assert_int_equal(ld_dump__open_flags(path, LD_OPEN_ALLOW_CUT, &d, err, sizeof(err)), 0);
	assert_non_null(strstr(ld_dump__cut(d), "PT_NOTE 0 (metadata notes)"));
	assert_null(ld_dump__header(d));
	assert_int_equal(ld_dump__nthreads(d), 1);
	assert_int_equal(ld_dump__nsegments(d), 4);
	ld_dump__free(d);
	free(im.buf);
}

static void test_reject_damaged(void **state)
{
	struct image im = load(build("good.core", 0));
	const Elf64_Phdr *meta = phdr(&im, 0), *trailer = phdr(&im, nphdrs(&im) - 1);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)im.buf;
	unsigned char *big, *maps;
	struct ld_note_complete c;
	size_t coff;
	char msg[160];

	(void)state;
	im.buf[0] = 0x7e;
	expect_error(&im, im.len, 0, -ENOEXEC, "not an ELF file (starts with 7e 45 4c 46)", NULL);
	im.buf[0] = 0x7f;

	eh->e_type = ET_EXEC;
	expect_error(&im, im.len, 0, -ENOEXEC, "not an ELF core file (e_type 2)", NULL);
	eh->e_type = ET_CORE;
	eh->e_machine = EM_AARCH64;
	expect_error(&im, im.len, 0, -ENOEXEC, "not an x86-64 core file (e_machine 183)", NULL);
	eh->e_machine = EM_X86_64;
	im.buf[EI_CLASS] = ELFCLASS32;
	expect_error(&im, im.len, 0, -ENOEXEC, "not a 64-bit ELF file", NULL);
	im.buf[EI_CLASS] = ELFCLASS64;

	/* The first note's descsz. */
	memset(im.buf + meta->p_offset + 4, 0xff, 4);
	snprintf(msg, sizeof(msg), "note 0 at offset 0x%llx: descsz 4294967295 runs past the "
		 "note segment", (unsigned long long)meta->p_offset);
	expect_error(&im, im.len, 0, -EBADMSG, msg, NULL);
	expect_error(&im, im.len, LD_OPEN_ALLOW_CUT, -EBADMSG, msg, NULL);
	free(im.buf);

	/* The completion record's file_size. */
	im = load(build("good.core", 0));
	trailer = phdr(&im, nphdrs(&im) - 1);
	coff = trailer->p_offset + 12 + 12;	/* nhdr + "LIVEDUMP\0" padded */
	memcpy(&c, im.buf + coff, sizeof(c));
	assert_true(c.magic == LD_COMPLETE_MAGIC);
	c.file_size += 4096;
	memcpy(im.buf + coff, &c, sizeof(c));
	snprintf(msg, sizeof(msg), "the completion record says the file has %zu bytes, it has %zu",
		 im.len + 4096, im.len);
	expect_error(&im, im.len, 0, -EBADMSG, msg, NULL);
	c.file_size -= 4096;
	c.magic ^= 1;
	memcpy(im.buf + coff, &c, sizeof(c));
	expect_error(&im, im.len, 0, -EBADMSG, "(LD_NT_COMPLETE): magic", NULL);
	c.magic ^= 1;
	c.nranges = 65;
	memcpy(im.buf + coff, &c, sizeof(c));
	expect_error(&im, im.len, 0, -EBADMSG, "nranges 65", NULL);
	c.nranges = 1;
	memcpy(im.buf + coff, &c, sizeof(c));

	/* A byte of the metadata: the maps text still parses, the crc does not match. */
	maps = memmem(im.buf, im.len, maps_text, strlen(maps_text));
	assert_non_null(maps);
	maps[0] ^= 0x20;
	expect_error(&im, im.len, 0, -EBADMSG, "metadata checksum mismatch", "the completion "
		     "record says", NULL);
	maps[0] ^= 0x20;

	/* Bytes appended after the trailer. */
	big = calloc(1, im.len + 10);
	memcpy(big, im.buf, im.len);
	free(im.buf);
	im.buf = big;
	snprintf(msg, sizeof(msg), "the trailer ends at %zu bytes but the file has %zu",
		 im.len, im.len + 10);
	im.len += 10;
	expect_error(&im, im.len, 0, -EBADMSG, msg, NULL);
	free(im.buf);
}

static void test_reject_content(void **state)
{
	struct ld_dump *d;
	char err[512], want[64];

	(void)state;
	assert_int_equal(ld_dump__open(build("nohdr.core", B_NO_HEADER), &d, err, sizeof(err)),
			 -ENOEXEC);
	assert_non_null(strstr(err, "not a livedump dump: no LIVEDUMP header note"));
	assert_int_equal(ld_dump__open(build("v2.core", B_MAJOR2), &d, err, sizeof(err)),
			 -ENOTSUP);
	snprintf(want, sizeof(want), "format version 2.%d is not supported", LD_FORMAT_MINOR);
	assert_non_null(strstr(err, want));
	assert_int_equal(ld_dump__open(build("overlap.core", B_OVERLAP), &d, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "PT_LOAD 1 (vaddr 0x11000) overlaps PT_LOAD 0"));
	assert_int_equal(ld_dump__open(build("fp.core", B_FP_FIRST), &d, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "note 0 at offset 0x"));
	assert_non_null(strstr(err, "(NT_FPREGSET): comes before any NT_PRSTATUS"));
	assert_int_equal(ld_dump__open(tmpdir, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(ld_dump__open("/nonexistent/x.core", &d, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/x.core: No such file or directory");
	/* A short error buffer truncates the message, never overruns. */
	assert_int_equal(ld_dump__open("/nonexistent/x.core", &d, err, 8), -ENOENT);
	assert_string_equal(err, "/nonexi");
}

/* Use everything an opened dump offers, as a tool would. */
static void exercise(struct ld_dump *d)
{
	unsigned char buf[256];
	struct note_count nc = { 0 };
	uint32_t crc;

	for (size_t i = 0; i < ld_dump__nthreads(d); i++)
		(void)strlen(ld_dump__thread(d, i)->name);
	for (size_t i = 0; i < ld_dump__nregions(d); i++)
		ld_dump__verify_region(d, i, &crc);
	for (size_t i = 0; i < ld_dump__nblobs(d); i++) {
		const struct ld_dump_blob *b = ld_dump__blob(d, i);

		if (b->len)
			crc = crc32(0, b->data, b->len);
	}
	for (size_t i = 0; i < ld_dump__nfds(d); i++)
		(void)strlen(ld_dump__fd(d, i)->target);
	for (size_t i = 0; i < ld_dump__nfiles(d); i++)
		(void)strlen(ld_dump__file(d, i)->name);
	for (size_t i = 0; i < ld_dump__nsegments(d); i++)
		ld_dump__read_mem(d, ld_dump__segment(d, i)->vaddr, buf, sizeof(buf));
	ld_dump__foreach_note(d, count_note, &nc);
}

static int try_open(const char *path, unsigned flags)
{
	struct ld_dump *d;
	char err[512];
	int ret = ld_dump__open_flags(path, flags, &d, err, sizeof(err));

	if (ret) {
		assert_null(d);
		/* Every failure explains itself, naming the file. */
		assert_true(strlen(err) > strlen(path) + 2);
		return ret;
	}
	exercise(d);
	ld_dump__free(d);
	return 0;
}

static void test_fuzz(void **state)
{
	struct image im = load(build("good.core", 0));
	const Elf64_Phdr *trailer = phdr(&im, nphdrs(&im) - 1);
	size_t meta_end = phdr(&im, 0)->p_offset + phdr(&im, 0)->p_filesz;
	unsigned char *copy = malloc(im.len);
	unsigned seed = 12345;
	int opened = 0;

	(void)state;
	for (size_t len = 0; len < im.len; len += 97) {
		const char *path = save("fuzz.core", im.buf, len);

		assert_int_not_equal(try_open(path, 0), 0);
		if (!try_open(path, LD_OPEN_ALLOW_CUT))
			opened++;
	}
	/* Every cut after the notes still opens with LD_OPEN_ALLOW_CUT. */
	assert_true(opened >= (int)((trailer->p_offset - meta_end) / 97));

	for (int i = 0; i < 500; i++) {
		int nflips = 1 + rand_r(&seed) % 4;

		memcpy(copy, im.buf, im.len);
		for (int k = 0; k < nflips; k++) {
			/* Mostly where the structure is: headers, notes, trailer. */
			size_t pos = rand_r(&seed) % 4 ? rand_r(&seed) % meta_end
						       : rand_r(&seed) % im.len;

			if (rand_r(&seed) % 2)
				copy[pos] ^= 1U << (rand_r(&seed) % 8);
			else
				copy[pos] = rand_r(&seed);
		}
		try_open(save("fuzz.core", copy, im.len), 0);
		try_open(save("fuzz.core", copy, im.len), LD_OPEN_ALLOW_CUT);
		try_open(save("fuzz.core", copy, trailer->p_offset + rand_r(&seed) % 64),
			 LD_OPEN_ALLOW_CUT);
	}
	free(copy);
	free(im.buf);
}

/* --- tests: JSON ------------------------------------------------------------ */

static char *json_doc(unsigned flags, void (*fn)(struct ld_json *), int *err)
{
	struct ld_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ld_json__init(&j, f, flags);
	fn(&j);
	*err = ld_json__end(&j);
	fclose(f);
	return buf;
}

static void doc_sample(struct ld_json *j)
{
	ld_json__begin_object(j);
	ld_json__kstr(j, "s", "a\"b\\c\n\t\x01\x7f");
	ld_json__kuint(j, "u", UINT64_MAX);
	ld_json__kint(j, "i", INT64_MIN);
	ld_json__khex(j, "h", 0x7ffd1000);
	ld_json__kbool(j, "t", true);
	ld_json__knull(j, "n");
	ld_json__key(j, "a");
	ld_json__begin_array(j);
	ld_json__uint(j, 1);
	ld_json__begin_object(j);
	ld_json__end_object(j);
	ld_json__begin_array(j);
	ld_json__end_array(j);
	ld_json__hexbytes(j, "\x00\xff\x7f", 3);
	ld_json__end_array(j);
	ld_json__end_object(j);
}

static void doc_utf8(struct ld_json *j)
{
	/* Valid 2-, 3-, 4-byte sequences; a lone continuation byte; a
	 * truncated sequence; an overlong '/'; a surrogate; latin-1; NUL. */
	static const char s[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\x80|\xe2\x82|\xc0\xaf|"
				"\xed\xa0\x80|\xe9t\xe9|\0|";

	ld_json__string_len(j, s, sizeof(s) - 1);
}

static void doc_misuse(struct ld_json *j)
{
	ld_json__begin_object(j);
	ld_json__uint(j, 1);	/* a value where a key is due */
	ld_json__end_object(j);
}

static void doc_unbalanced(struct ld_json *j)
{
	ld_json__begin_array(j);
	ld_json__end_object(j);
}

static void test_json(void **state)
{
	char *s;
	int err;

	(void)state;
	s = json_doc(0, doc_sample, &err);
	assert_int_equal(err, 0);
	assert_string_equal(s, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\","
			    "\"u\":18446744073709551615,\"i\":-9223372036854775808,"
			    "\"h\":\"0x7ffd1000\",\"t\":true,\"n\":null,"
			    "\"a\":[1,{},[],\"00ff7f\"]}\n");
	free(s);
	s = json_doc(LD_JSON_PRETTY, doc_sample, &err);
	assert_int_equal(err, 0);
	assert_string_equal(s, "{\n  \"s\": \"a\\\"b\\\\c\\n\\t\\u0001\\u007f\",\n"
			    "  \"u\": 18446744073709551615,\n  \"i\": -9223372036854775808,\n"
			    "  \"h\": \"0x7ffd1000\",\n  \"t\": true,\n  \"n\": null,\n"
			    "  \"a\": [\n    1,\n    {},\n    [],\n    \"00ff7f\"\n  ]\n}\n");
	free(s);
	s = json_doc(0, doc_utf8, &err);
	assert_int_equal(err, 0);
	assert_string_equal(s, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\u0080|\\u00e2\\u0082|"
			    "\\u00c0\\u00af|\\u00ed\\u00a0\\u0080|\\u00e9t\\u00e9|\\u0000|\"\n");
	free(s);
	s = json_doc(0, doc_misuse, &err);
	assert_int_equal(err, -EINVAL);
	free(s);
	s = json_doc(0, doc_unbalanced, &err);
	assert_int_equal(err, -EINVAL);
	free(s);
}

/* --- tests: livedump inspect -------------------------------------------------- */

/* Run `livedump inspect ARGS...` with stdout into a file; returns the output. */
static char *run_inspect(int *status, ...)
{
	char *argv[8] = { "inspect" }, out[128];
	int argc = 1, fd, saved;
	struct image im;
	va_list ap;
	char *s;

	va_start(ap, status);
	while (argc < 7 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	snprintf(out, sizeof(out), "%s/inspect.out", tmpdir);
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 1);
	close(fd);
	*status = cmd_inspect(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	im = load(out);
	s = malloc(im.len + 1);
	memcpy(s, im.buf, im.len);
	s[im.len] = 0;
	free(im.buf);
	return s;
}

static void expect_in(const char *out, const char *frag)
{
	if (!strstr(out, frag))
		fail_msg("output lacks \"%s\":\n%s", frag, out);
}

static void test_inspect(void **state)
{
	char *path = strdup(build("good.core", 0)), *out, hex[2 * sizeof(blob_text) + 1], fmt[96];
	struct image im;
	int status;

	(void)state;
	out = run_inspect(&status, path, NULL);
	assert_int_equal(status, 0);
	expect_in(out, "capture:    mini");
	expect_in(out, "code 0xdeadbeef");
	expect_in(out, "app trigger  code 0xdeadbeef  param 0x2a  nblobs 2");
	expect_in(out, "ip 0x401234  sp 0x7ffd0ff0");
	expect_in(out, "  *  1001  main");
	expect_in(out, "alpha");
	expect_in(out, "MISMATCH");
	expect_in(out, "missing");
	expect_in(out, "excluded");
	expect_in(out, "pipe:[1234]");
	expect_in(out, "rdwr|append");
	expect_in(out, "unreadable: 4096 bytes in 1 range");
	expect_in(out, "pause:      0.412 ms");
	free(out);

	out = run_inspect(&status, "--json", path, "--data", NULL);
	assert_int_equal(status, 0);
	snprintf(fmt, sizeof(fmt), "\"format\": {\n    \"major\": 1,\n    \"minor\": %d\n  }",
		 LD_FORMAT_MINOR);
	expect_in(out, fmt);
	expect_in(out, "\"code\": 3735928559");
	expect_in(out, "\"params\": [\n      \"0x2a\",\n      \"0x0\",\n      \"0x0\",\n"
		  "      \"0xffffffffffffffff\"\n    ]");
	expect_in(out, "\"issue_time_ns\": \"1700000000123456789\"");
	expect_in(out, "\"name\": \"alpha\",\n      \"addr\": \"0x10100\"");
	expect_in(out, "\"check\": \"mismatch\"");
	expect_in(out, "\"crc_ok\": false");
	expect_in(out, "\"tag\": \"request\"");
	for (size_t i = 0; i < sizeof(blob_text); i++)
		sprintf(hex + 2 * i, "%02x", (unsigned char)blob_text[i]);
	expect_in(out, hex);
	expect_in(out, "\"data_hex\": \"");
	expect_in(out, "\"target\": \"pipe:[1234]\"");
	expect_in(out, "\"unreadable\": [\n      {\n        \"addr\": \"0x41000\",\n"
		  "        \"len\": 4096\n      }\n    ]");
	expect_in(out, "\"cut\": null");
	free(out);

	/* A cut dump: exit status 1 and the reader's message; --force reads it. */
	im = load(path);
	save("cut.core", im.buf, im.len - 100);
	free(im.buf);
	snprintf(path, strlen(path) + 1, "%s/cut.core", tmpdir);
	out = run_inspect(&status, path, NULL);
	assert_int_equal(status, 1);
	assert_string_equal(out, "");
	free(out);
	out = run_inspect(&status, "--force", "--json", path, NULL);
	assert_int_equal(status, 0);
	expect_in(out, "\"complete\": null");
	expect_in(out, "completion record missing");
	free(out);
	out = run_inspect(&status, NULL);
	assert_int_equal(status, 2);
	free(out);
	out = run_inspect(&status, "--help", NULL);
	assert_int_equal(status, 0);
	expect_in(out, "usage: livedump inspect");
	free(out);
	free(path);
}

/* --- main --------------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ld-test-reader.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	fill(seg0, SEG0, sizeof(seg0));
	fill(seg1, SEG1, sizeof(seg1));
	fill(seg3, SEG3, sizeof(seg3));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notes_encoding),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_capture_versions),
		cmocka_unit_test(test_reject_truncated),
		cmocka_unit_test(test_allow_cut),
		cmocka_unit_test(test_reject_damaged),
		cmocka_unit_test(test_reject_content),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_inspect),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
