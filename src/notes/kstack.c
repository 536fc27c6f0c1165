// SPDX-License-Identifier: MIT
/*
 * LD_NT_KSTACK: kernel stacks, symbolized when the dump was taken
 * (variable-size ld_note_kstack records): the issuing thread's at the
 * issue from BPF, a sleeper's as it woke, the others' from /proc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"
#include "rules/ruleval.h"

/* Kernel stack records: entry_size 0, each record sized by its own size field. */
static int parse_kstacks(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct kview_data *kv = &d->kv;
	const unsigned char *p = n->desc, *end = p + n->descsz;
	size_t frames = 0, fi = 0;
	struct ld_note_table t;
	int err = ld_rd_once_slot(d, n, &kv->kstack_note);

	if (!err)
		err = ld_rd_need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	p += sizeof(t);
	if (t.entry_size)
		return ld_rd_note_fail(d, n, "entry_size %u, expected 0 (variable-size records)",
				 t.entry_size);
	if (t.count > (n->descsz - sizeof(t)) / sizeof(struct ld_note_kstack))
		return ld_rd_note_fail(d, n, "%u stacks do not fit in %u bytes", t.count, n->descsz);
	/* First pass: check every record and count the frames. */
	for (uint32_t i = 0; i < t.count; i++) {
		size_t off = p - (const unsigned char *)n->desc, room = end - p;
		const char *s, *send;
		struct ld_note_kstack e;

		if (room < sizeof(e))
			return ld_rd_note_fail(d, n, "stack %u at +%zu: runs past the note", i, off);
		memcpy(&e, p, sizeof(e));
		if (e.size < sizeof(e) || e.size > room ||
		    e.nframes > (e.size - sizeof(e)) / 9)
			return ld_rd_note_fail(d, n, "stack %u at +%zu: size %u with %u frames, expected "
					 "%zu..%zu", i, off, e.size, e.nframes,
					 sizeof(e) + (size_t)e.nframes * 9, room);
		s = (const char *)p + sizeof(e) + (size_t)e.nframes * 8;
		send = (const char *)p + e.size;
		for (uint32_t f = 0; f < e.nframes; f++) {
			const char *nul = memchr(s, 0, send - s);

			if (!nul)
				return ld_rd_note_fail(d, n, "stack %u (tid %u): symbol %u not terminated",
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
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u kernel stacks", t.count);
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

static const struct {
	const char *key, *text;
} sources[] = {
	[LD_KSTACK_ISSUE] = { "issue", "at the issue (BPF)" },
	[LD_KSTACK_WAKE] = { "wake", "asleep at the issue (BPF, as it woke)" },
	[LD_KSTACK_PROC] = { "proc", "at capture time (/proc)" },
};

static void show_source(struct ld_view *v, uint32_t s)
{
	bool known = s < sizeof(sources) / sizeof(sources[0]) && sources[s].key;

	ld_view__str(v, "source", NULL, known ? sources[s].key : "?");
	ld_view__str(v, NULL, "", known ? sources[s].text : "?");
}

static void show_stack(struct ld_view *v, const struct ld_dump_kstack *k)
{
	const char *name = k->syscall >= 0 ? ld_val_syscall_name(k->syscall) : NULL;

	ld_view__object(v, NULL);
	ld_view__line_at(v, 2, NULL);
	ld_view__text(v, "%c ", k->flags & LD_KS_TRIGGER ? '*' : ' ');
	ld_view__uint(v, "tid", "tid", k->tid);
	ld_view__uint(v, "ns_tid", NULL, k->ns_tid);
	if (k->ns_tid != k->tid)
		ld_view__text(v, " (%u in its pid namespace)", k->ns_tid);
	ld_view__bool(v, "trigger", NULL, k->flags & LD_KS_TRIGGER);
	ld_view__char(v, "state", "", k->state);
	show_source(v, k->source);
	ld_view__int(v, "syscall", NULL, k->syscall);
	ld_view__str(v, "syscall_name", NULL, name);
	if (k->syscall >= 0 && name)
		ld_view__printf(v, NULL, "in", "%s", name);
	else if (k->syscall >= 0)
		ld_view__printf(v, NULL, "in syscall", "%d", k->syscall);
	ld_view__uint(v, "ctx_tid", NULL, k->ctx_tid);
	if (k->flags & LD_KS_OTHER_CTX)
		ld_view__printf(v, NULL, "", "(in the context of tid %u)", k->ctx_tid);
	ld_view__bool(v, "user", NULL, k->flags & LD_KS_USER);
	ld_view__u64s(v, "ktime_ns", NULL, k->ktime_ns);
	ld_view__line_end(v);
	if (k->flags & LD_KS_USER) {
		ld_view__line_at(v, 8, NULL);
		ld_view__text(v, "(in user space: no kernel frames)");
		ld_view__line_end(v);
	}
	ld_view__array(v, "frames");
	for (size_t f = 0; f < k->nframes; f++) {
		ld_view__object(v, NULL);
		ld_view__line_at(v, 8, NULL);
		if (k->addrs[f]) {
			ld_view__hexw(v, "addr", "", k->addrs[f], 16);
			ld_view__text(v, " ");
		} else {
			ld_view__null(v, "addr", NULL);
		}
		ld_view__str(v, "sym", "", k->syms[f]);
		ld_view__line_end(v);
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
	ld_view__object_end(v);
}

static void kstack_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nkstacks(d);

	(void)o;
	/* Not a table in text: each stack is a line and its frames. */
	ld_view__array(v, "kernel_stacks");
	if (n)
		ld_view__text(v, "\nkernel stacks (%zu):\n", n);
	for (size_t i = 0; i < n; i++)
		show_stack(v, ld_dump__kstack(d, i));
	ld_view__array_end(v);
}

const struct ld_note_ops ld_note_kstack = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_KSTACK,
	.name = "LD_NT_KSTACK",
	.flags = 0,
	.parse = parse_kstacks,
	.show = kstack_show,
};
