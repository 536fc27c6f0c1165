// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the dump reader (src/dump/dump_reader.c, a parser per note
 * type in src/notes/) on any file — plain dumps, livedump's compressed
 * containers (zstd frames, gzip members), any gzip or zstd stream — then
 * every note type showing itself as
 * `livedump inspect` does (text, and JSON that must read back), and every
 * accessor a tool calls: threads, regions (with their crc check), blobs,
 * fds, mapped files, modules, environment, cwd, limits, sockets, auxv,
 * the kernel's view (kproc, kstacks,
 * history, each event formatted), the kernel's side of the issue (typed
 * kernel objects rendered by the dump's own BTF, which must be checked
 * before libbpf's btf_dump reads it; D-state tasks, disk, kernel log), the issue decoded by its detector and
 * rendered as text and JSON, every note, and memory read across segment
 * edges.
 *
 * A mutated dump usually fails the metadata checksum before any accessor
 * runs; such an input is opened a second time with the completion record
 * fixed up (file size, memory bytes, checksum), so the mutation reaches
 * the accessors.
 */
#include <elf.h>
#include <zlib.h>
#include "fuzz.h"
#include "base/json.h"
#include "base/jsonl.h"
#include "collector/history.h"
#include "detectors/fields.h"
#include "base/view.h"
#include "dump/dump_reader.h"
#include "notes/note.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	return 0;
}

static int count_note(const struct ld_dump_note *n, void *ctx)
{
	const unsigned char *p = n->desc;
	unsigned *sum = ctx;

	/* Touch the first and last byte: the reader vouches for descsz. */
	if (n->descsz)
		*sum += p[0] + p[n->descsz - 1] + strlen(n->owner);
	(void)ld_dump__note_type_name(n->owner, n->type);
	return 0;
}

static void walk_threads(const struct ld_dump *d)
{
	for (size_t i = 0; i < ld_dump__nthreads(d); i++) {
		const struct ld_dump_thread *t = ld_dump__thread(d, i);
		volatile unsigned char sink = 0;

		FUZZ_CHECK(strlen(t->name) < sizeof(t->name), "thread name unterminated");
		FUZZ_CHECK(ld_dump__thread_by_tid(d, t->tid), "thread %u not found by tid", t->tid);
		if (t->fpregs_len)
			sink ^= ((const unsigned char *)t->fpregs)[t->fpregs_len - 1];
		if (t->xstate_len)
			sink ^= ((const unsigned char *)t->xstate)[t->xstate_len - 1];
		if (t->prstatus)
			sink ^= t->prstatus->pr_pid;
		(void)sink;
	}
}

static void walk_memory(const struct ld_dump *d)
{
	unsigned char buf[8192];

	for (size_t i = 0; i < ld_dump__nregions(d); i++) {
		const struct ld_dump_region *r = ld_dump__region(d, i);

		FUZZ_CHECK(strlen(r->name) < sizeof(r->name), "region name unterminated");
		(void)ld_dump__verify_region(d, i, NULL);
	}
	for (size_t i = 0; i < ld_dump__nsegments(d); i++) {
		const struct ld_dump_segment *s = ld_dump__segment(d, i);
		long n;

		FUZZ_CHECK(s->avail <= s->filesz, "segment %zu: %llu of %llu bytes", i,
			   (unsigned long long)s->avail, (unsigned long long)s->filesz);
		/* Its first bytes, and across its end into whatever follows. */
		n = ld_dump__read_mem(d, s->vaddr, buf, sizeof(buf));
		FUZZ_CHECK(n <= (long)sizeof(buf), "read_mem returned %ld", n);
		if (s->memsz > 16)
			n = ld_dump__read_mem(d, s->vaddr + s->memsz - 16, buf, sizeof(buf));
		FUZZ_CHECK(n <= (long)sizeof(buf), "read_mem returned %ld", n);
	}
	(void)ld_dump__read_mem(d, 0, buf, sizeof(buf));
	(void)ld_dump__read_mem(d, UINT64_MAX - 8, buf, sizeof(buf));
}

static void walk_tables(const struct ld_dump *d)
{
	uint64_t val;
	size_t len;

	for (size_t i = 0; i < ld_dump__nblobs(d); i++) {
		const struct ld_dump_blob *b = ld_dump__blob(d, i);

		FUZZ_CHECK(strlen(b->tag) < sizeof(b->tag), "blob tag unterminated");
		if (b->len)
			(void)(volatile unsigned char)b->data[b->len - 1];
	}
	for (size_t i = 0; i < ld_dump__nfds(d); i++)
		(void)strlen(ld_dump__fd(d, i)->target);
	for (size_t i = 0; i < ld_dump__nfiles(d); i++)
		(void)strlen(ld_dump__file(d, i)->name);
	for (size_t i = 0; i < ld_dump__nmodules(d); i++) {
		const struct ld_dump_module *m = ld_dump__module(d, i);

		(void)strlen(m->path);
		if (m->build_id_len)
			(void)(volatile unsigned char)m->build_id[m->build_id_len - 1];
	}
	for (size_t i = 0; i < ld_dump__nauxv(d); i++)
		(void)ld_dump__auxv(d, i);
	(void)ld_dump__auxv_get(d, AT_ENTRY, &val);
	(void)ld_dump__prpsinfo(d);
	(void)ld_dump__siginfo(d);
	if (ld_dump__maps(d, &len) && len)
		(void)(volatile char)ld_dump__maps(d, &len)[len - 1];
	if (ld_dump__cmdline(d, &len) && len)
		(void)(volatile char)ld_dump__cmdline(d, &len)[len - 1];
	if (ld_dump__environ(d, &len) && len)
		(void)(volatile char)ld_dump__environ(d, &len)[len - 1];
	if (ld_dump__cwd(d))
		(void)strlen(ld_dump__cwd(d));
	for (size_t i = 0; i < ld_dump__nlimits(d); i++)
		(void)ld_dump__limit(d, i);
	for (size_t i = 0; i < ld_dump__nsockets(d); i++) {
		const struct ld_dump_socket *sk = ld_dump__socket(d, i);

		(void)(sk->path ? strlen(sk->path) : 0);
		(void)(sk->peer_path ? strlen(sk->peer_path) : 0);
		FUZZ_CHECK(ld_dump__socket_by_ino(d, sk->s.ino), "socket %zu not found by inode", i);
	}
}

static void walk_kernel_view(const struct ld_dump *d)
{
	const struct ld_dump_history *h = ld_dump__history(d);
	const struct ld_dump_kproc *kp = ld_dump__kproc(d);
	struct ld_hist_names names;
	char line[512];

	ld_dump__hist_names(d, &names);
	for (uint32_t i = 0; h && i < h->count; i++) {
		size_t n = ld_hist_format(&h->ev[i], &names, line, sizeof(line));

		FUZZ_CHECK(n < sizeof(line) && strlen(line) == n, "history line %u: %zu bytes", i, n);
	}
	for (size_t i = 0; i < ld_dump__nkstacks(d); i++) {
		const struct ld_dump_kstack *k = ld_dump__kstack(d, i);

		for (size_t f = 0; f < k->nframes; f++)
			(void)(strlen(k->syms[f]) + k->addrs[f]);
	}
	if (kp) {
		(void)strlen(kp->cgroup);
		(void)strlen(kp->cgroups);
		FUZZ_CHECK(kp->k.levels <= LD_KPROC_LEVELS, "kproc levels %u", kp->k.levels);
	}
	for (unsigned i = 0; i < LD_NS_COUNT; i++)
		(void)ld_dump__ns_name(i);
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* The decoded issue as the journal writes it is JSON its reader reads back. */
static void check_json(const struct ld_fields *f)
{
	struct ld_json js;
	struct ld_jobj o;
	char *buf = NULL;
	size_t len = 0, where = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		abort();
	ld_json__init(&js, m, 0);
	ld_json__begin_object(&js);
	ld_json__kstr(&js, "summary", f->summary);
	ld_json__key(&js, "fields");
	ld_fields__json_object(f, &js);
	ld_json__end_object(&js);
	FUZZ_CHECK(!ld_json__end(&js), "JSON writer failed");
	fclose(m);
	buf[strcspn(buf, "\n")] = 0;
	FUZZ_CHECK(!ld_jobj_parse(buf, &o, &where), "decoded issue is not JSON at column %zu: %s",
		   where, buf);
	/* Bytes that are not UTF-8 come back as the code points of their values. */
	FUZZ_CHECK(ld_jobj_get(&o, "summary") && (!ascii(f->summary) ||
		   !strcmp(ld_jobj_get(&o, "summary"), f->summary)),
		   "summary did not survive JSON: %s", buf);
	ld_jobj_free(&o);
	free(buf);
}

static void walk_issue(const struct ld_dump *d)
{
	const struct ld_note_header *h = ld_dump__header(d);
	const struct ld_note_complete *c = ld_dump__complete(d);
	struct ld_fields *f = malloc(sizeof(*f));
	size_t len;

	if (!f)
		abort();
	if (h) {
		FUZZ_CHECK(strlen(h->rule) < sizeof(h->rule) && strlen(h->exe) < sizeof(h->exe),
			   "header strings unterminated");
		(void)ld_dump__capture_type_name(h->capture_type);
	}
	if (c)
		FUZZ_CHECK(c->nranges <= LD_COMPLETE_MAX_RANGES, "nranges %u", c->nranges);
	(void)ld_dump__capture_info(d);
	(void)ld_dump__trigger(d, &len);
	(void)ld_dump__app_trigger(d);
	(void)ld_dump__detector(d);
	(void)ld_dump__issue_name(d);
	(void)ld_dump__issue_text(d, &len);
	if (!ld_dump__decode(d, f)) {
		FUZZ_CHECK(f->n <= LD_FIELDS_MAX && f->used <= sizeof(f->buf), "fields overrun");
		FUZZ_CHECK(strlen(f->summary) < sizeof(f->summary), "summary unterminated");
		ld_fields__print(f, devnull, "  ");
		check_json(f);
	}
	free(f);
}

/* What inspect prints: text to nowhere, JSON that its own reader accepts. */
static void show(const struct ld_dump *d)
{
	struct ld_show_opts so = { .data = true };
	struct ld_view_opts vo = { .format = LD_VIEW_TEXT, .out = devnull };
	struct ld_view *v = ld_view__new(&vo);
	char *buf = NULL;
	size_t len = 0, where = 0;
	struct ld_jobj o;
	FILE *m;

	if (!v)
		abort();
	ld_notes__show(d, v, &so);
	FUZZ_CHECK(!ld_view__free(v), "text view failed");
	m = open_memstream(&buf, &len);
	vo = (struct ld_view_opts){ .format = LD_VIEW_JSON, .out = m };
	if (!m || !(v = ld_view__new(&vo)))
		abort();
	ld_notes__show(d, v, &so);
	FUZZ_CHECK(!ld_view__free(v), "JSON view failed");
	fclose(m);
	FUZZ_CHECK(!ld_jobj_parse(buf, &o, &where), "inspect --json is not an object at %zu: %.200s",
		   where, buf + (where > 40 ? where - 40 : 0));
	ld_jobj_free(&o);
	free(buf);
}

static void walk(const struct ld_dump *d)
{
	uint64_t disk;
	unsigned sum = 0;

	(void)ld_dump__path(d);
	(void)ld_dump__file_size(d);
	(void)ld_dump__compression(d, &disk);
	(void)ld_dump__cut(d);
	show(d);
	walk_issue(d);
	walk_threads(d);
	walk_memory(d);
	walk_tables(d);
	walk_kernel_view(d);
	(void)ld_dump__foreach_note(d, count_note, &sum);
}

/*
 * The completion record made to agree with the file: size, memory bytes
 * and the metadata checksum as the reader computes them.  False when the
 * input has no record to fix (or it already agrees).
 */
static bool fix_complete(uint8_t *p, size_t size)
{
	Elf64_Phdr ph, meta = { 0 }, trailer = { 0 };
	uint64_t mem = 0, meta_len;
	bool changed = false, have_meta = false;
	Elf64_Ehdr eh;

	if (size < sizeof(eh))
		return false;
	memcpy(&eh, p, sizeof(eh));	/* the input's bytes: copies, never casts */
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || !eh.e_phnum || eh.e_phoff > size ||
	    (size - eh.e_phoff) / sizeof(ph) < eh.e_phnum)
		return false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, p + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD)
			mem += ph.p_filesz;
		else if (ph.p_type == PT_NOTE && !have_meta)
			meta = ph, have_meta = true;
		else if (ph.p_type == PT_NOTE)
			trailer = ph;
	}
	if (!trailer.p_filesz || trailer.p_offset >= size ||
	    size - trailer.p_offset < trailer.p_filesz || meta.p_offset > size)
		return false;
	meta_len = size - meta.p_offset < meta.p_filesz ? size - meta.p_offset : meta.p_filesz;
	for (uint64_t off = 0; off + sizeof(Elf64_Nhdr) <= trailer.p_filesz;) {
		Elf64_Nhdr nh;
		uint64_t name, desc, at;
		struct ld_note_complete c;
		uint8_t *cp;

		memcpy(&nh, p + trailer.p_offset + off, sizeof(nh));
		name = (nh.n_namesz + 3ULL) & ~3ULL;
		desc = (nh.n_descsz + 3ULL) & ~3ULL;
		at = off + sizeof(nh) + name;
		if (at + desc > trailer.p_filesz)
			break;
		cp = p + trailer.p_offset + at;
		if (nh.n_type == LD_NT_COMPLETE &&
		    nh.n_descsz >= offsetof(struct ld_note_complete, ranges)) {
			memcpy(&c, cp, offsetof(struct ld_note_complete, ranges));
			changed = c.file_size != size || c.memory_bytes != mem;
			c.file_size = size;
			c.memory_bytes = mem;
			memcpy(cp, &c, offsetof(struct ld_note_complete, ranges));
			/* The trailer may lie inside the metadata: checksum last. */
			c.meta_crc32 = crc32(0, p + meta.p_offset, meta_len);
			changed |= memcmp(&c.meta_crc32, cp + offsetof(struct ld_note_complete,
								       meta_crc32), 4) != 0;
			memcpy(cp + offsetof(struct ld_note_complete, meta_crc32), &c.meta_crc32, 4);
		}
		off = at + desc;
	}
	return changed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_dump *d;
	char err[512];
	uint8_t *copy;
	int ret;

	ret = ld_dump__open_flags(fuzz_file(data, size), LD_OPEN_ALLOW_CUT, &d, err, sizeof(err));
	if (!ret) {
		walk(d);
		ld_dump__free(d);
		return 0;
	}
	FUZZ_CHECK(ret < 0 && err[0], "open failed (%d) without a message", ret);
	if (ret != -EBADMSG || !(copy = malloc(size ? size : 1)))
		return 0;
	memcpy(copy, data, size);
	if (fix_complete(copy, size) &&
	    !ld_dump__open(fuzz_file(copy, size), &d, err, sizeof(err))) {
		walk(d);
		ld_dump__free(d);
	}
	free(copy);
	return 0;
}
