// SPDX-License-Identifier: MIT
/*
 * LD_NT_DSTATE (format 1.6): the tasks in uninterruptible sleep when the
 * issue came in, each with its kernel stack as /proc gave it: the hung-I/O
 * picture (struct ld_note_table + variable-size ld_note_dstate records).
 */
#include <errno.h>
#include <string.h>
#include "base/view.h"
#include "dump/reader_priv.h"
#include "notes/note.h"

static int parse_dstate(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc;
	size_t off = sizeof(struct ld_note_table);
	struct ld_note_table t;
	int err = ld_rd_once_slot(d, n, &d->dstate_note);

	if (!err)
		err = ld_rd_need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	if (t.entry_size)
		return ld_rd_note_fail(d, n, "entry_size %u, expected 0 (variable-size records)",
				       t.entry_size);
	for (uint32_t i = 0; i < t.count; i++) {
		struct ld_note_dstate e;

		if (n->descsz - off < sizeof(e))
			return ld_rd_note_fail(d, n, "task %u at +%zu: runs past the note", i, off);
		memcpy(&e, p + off, sizeof(e));
		if (e.size < sizeof(e) || e.size > n->descsz - off ||
		    e.stack_len >= e.size - sizeof(e) || p[off + sizeof(e) + e.stack_len])
			return ld_rd_note_fail(d, n, "task %u (tid %u) at +%zu: size %u with a %u-byte "
					       "stack", i, e.tid, off, e.size, e.stack_len);
		off += e.size;
	}
	return 0;
}

static void show_task(struct ld_view *v, const struct ld_note_dstate *e, const char *stack)
{
	const char *line = stack, *nl;

	ld_view__object(v, NULL);
	ld_view__line_at(v, 2, NULL);
	ld_view__uint(v, "pid", "pid", e->pid);
	ld_view__uint(v, "tid", "tid", e->tid);
	ld_view__strn(v, "comm", "", e->comm, sizeof(e->comm));
	ld_view__strn(v, "wchan", "in", e->wchan, sizeof(e->wchan));
	ld_view__line_end(v);
	ld_view__array(v, "stack");
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		ld_view__line_at(v, 8, NULL);
		ld_view__strn(v, "frame", "", line, nl ? (size_t)(nl - line) : strlen(line));
		ld_view__line_end(v);
	}
	ld_view__array_end(v);
	ld_view__object_end(v);
}

static void dstate_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_dump_note *n = d->dstate_note ? &d->notes[d->dstate_note - 1] : NULL;
	const unsigned char *p = n ? n->desc : NULL;
	size_t off = sizeof(struct ld_note_table);
	struct ld_note_table t = { 0 };

	(void)o;
	if (n)
		memcpy(&t, p, sizeof(t));
	ld_view__array(v, "dstate_tasks");
	if (n)
		ld_view__text(v, "\ntasks in uninterruptible sleep at the issue (%u):\n", t.count);
	for (uint32_t i = 0; i < t.count; i++) {
		struct ld_note_dstate e;

		memcpy(&e, p + off, sizeof(e));
		show_task(v, &e, (const char *)p + off + sizeof(e));
		off += e.size;
	}
	ld_view__array_end(v);
}

const struct ld_note_ops ld_note_dstate = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_DSTATE,
	.name = "LD_NT_DSTATE",
	.parse = parse_dstate,
	.show = dstate_show,
};
