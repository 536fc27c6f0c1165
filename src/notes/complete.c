// SPDX-License-Identifier: MIT
/*
 * LD_NT_COMPLETE: the completion record, the last bytes of a whole dump
 * (struct ld_note_complete + ld_range[]): sizes, the metadata's crc32 and
 * the ranges that could not be read.  A dump without it was cut.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_complete(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_complete *c = &d->complete;
	size_t fixed = offsetof(struct ld_note_complete, ranges);
	size_t room;
	int err = ld_rd_once(d, n, S_COMPLETE);

	if (!err)
		err = ld_rd_need(d, n, fixed);
	if (err)
		return err;
	memset(c, 0, sizeof(*c));
	memcpy(c, n->desc, n->descsz < sizeof(*c) ? n->descsz : sizeof(*c));
	if (c->magic != LD_COMPLETE_MAGIC)
		return ld_rd_note_fail(d, n, "magic 0x%llx, expected 0x%llx",
				       (unsigned long long)c->magic, LD_COMPLETE_MAGIC);
	room = (n->descsz - fixed) / sizeof(struct ld_range);
	if (room > LD_COMPLETE_MAX_RANGES)
		room = LD_COMPLETE_MAX_RANGES;
	if (c->nranges > room)
		return ld_rd_note_fail(d, n, "nranges %u, but the note holds %zu", c->nranges,
				       room);
	d->has_complete = true;
	return 0;
}

static void complete_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_note_complete *c = ld_dump__complete(d);

	(void)o;
	ld_view__gap(v);
	ld_view__str(v, "cut", NULL, ld_dump__cut(d));
	if (!c) {
		ld_view__null(v, "complete", NULL);
		ld_view__line(v, "complete");
		ld_view__printf(v, NULL, "", "NO: %s", ld_dump__cut(d) ? ld_dump__cut(d) : "?");
		ld_view__line_end(v);
		return;
	}
	ld_view__object(v, "complete");
	ld_view__line(v, "complete");
	ld_view__text(v, "yes, ");
	ld_view__time(v, "end_time", "", c->end_time_ns);
	ld_view__uint(v, "file_size", "file", c->file_size);
	ld_view__text(v, " bytes");
	ld_view__uint(v, "memory_bytes", "memory", c->memory_bytes);
	ld_view__text(v, " bytes");
	ld_view__printf(v, "meta_crc32", "meta crc32", "0x%08x", c->meta_crc32);
	ld_view__line_end(v);
	ld_view__line(v, "unreadable");
	ld_view__uint(v, "unreadable_bytes", "", c->unreadable_bytes);
	ld_view__text(v, " bytes in %u range%s", c->nranges, c->nranges == 1 ? "" : "s");
	ld_view__line_end(v);
	ld_view__array(v, "unreadable");
	for (uint32_t i = 0; i < c->nranges; i++) {
		ld_view__object(v, NULL);
		ld_view__line(v, "");
		ld_view__hexw(v, "addr", "", c->ranges[i].addr, 16);
		ld_view__text(v, " +");
		ld_view__uint(v, "len", "", c->ranges[i].len);
		ld_view__line_end(v);
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_complete = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_COMPLETE,
	.name = "LD_NT_COMPLETE",
	.flags = LD_NOTE_TRAILER,
	.parse = parse_complete,
	.show = complete_show,
};
