// SPDX-License-Identifier: MIT
/*
 * LD_NT_THREADS: every thread's name, state, syscall and stack bounds
 * (struct ld_note_table + ld_note_thread[]).  The reader joins them with
 * the registers of NT_PRSTATUS (prstatus.c): the section shows the joined
 * list, the thread of the issue marked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_threads(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p;
	struct ld_note_table t;
	int err = ld_rd_once(d, n, S_THREADS);

	if (err || !(p = ld_rd_table(d, n, sizeof(struct ld_note_thread), &t, &err)))
		return err;
	d->ttable = calloc(t.count ? t.count : 1, sizeof(*d->ttable));
	if (!d->ttable)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u threads", t.count);
	for (uint32_t i = 0; i < t.count; i++, p += t.entry_size) {
		struct ld_dump_thread *th = &d->ttable[i];
		struct ld_note_thread e;

		memcpy(&e, p, sizeof(e));
		th->tid = e.tid;
		th->flags = e.flags;
		ld_rd_copy_str(th->name, sizeof(th->name), e.name, sizeof(e.name));
		th->state = e.state;
		th->syscall = e.syscall;
		th->stack_lo = e.stack_lo;
		th->stack_hi = e.stack_hi;
		th->in_table = true;
	}
	d->nttable = t.count;
	return 0;
}

static const char *const thr_flag_names[] = { "trigger", "no_regs" };

static bool is_trigger_thread(const struct ld_dump *d, const struct ld_dump_thread *t)
{
	const struct ld_note_header *h = ld_dump__header(d);

	return (t->flags & LD_THR_TRIGGER) || (h && h->tid && h->tid == t->tid);
}

static const struct ld_view_col cols[] = {
	{ "", 0 }, { "TID", LD_COL_RIGHT }, { "NAME", 0 }, { "S", 0 }, { "PC", 0 }, { "SP", 0 },
};

static void threads_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nthreads(d);

	(void)o;
	ld_view__table(v, "threads", "threads", n, 0, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_thread *t = ld_dump__thread(d, i);
		bool trig = is_trigger_thread(d, t);

		ld_view__row(v);
		ld_view__printf(v, NULL, "", "%s", trig ? "*" : "");
		ld_view__uint(v, "tid", "", t->tid);
		ld_view__strn(v, "name", "", t->name, sizeof(t->name));
		ld_view__char(v, "state", "", t->state);
		ld_view__bool(v, "trigger", NULL, trig);
		ld_view__flags(v, "flags", NULL, t->flags, thr_flag_names,
			       sizeof(thr_flag_names) / sizeof(thr_flag_names[0]));
		ld_view__bool(v, "in_table", NULL, t->in_table);
		ld_view__int(v, "syscall", NULL, t->syscall);
		ld_view__bool(v, "has_regs", NULL, t->has_regs);
		if (t->has_regs) {
			ld_view__hexw(v, "pc", "", t->pc, 16);
			ld_view__hexw(v, "sp", "", t->sp, 16);
		} else {
			ld_view__null(v, "pc", "-");
			ld_view__null(v, "sp", "-");
		}
		ld_view__int(v, "signal", NULL, t->cursig);
		ld_view__hex(v, "stack_lo", NULL, t->stack_lo);
		ld_view__hex(v, "stack_hi", NULL, t->stack_hi);
		ld_view__bool(v, "has_fpregs", NULL, t->has_fp);
		ld_view__uint(v, "xstate_len", NULL, t->xstate_len);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

const struct ld_note_ops ld_note_threads = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_THREADS,
	.name = "LD_NT_THREADS",
	.flags = 0,
	.parse = parse_threads,
	.show = threads_show,
};
