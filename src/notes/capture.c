// SPDX-License-Identifier: MIT
/*
 * LD_NT_CAPTURE: how the memory was captured: when the process was
 * stopped (by the kernel, seen by us, held by ptrace), snapshot or why not,
 * and whether the capture was cut short.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

/* LD_NT_CAPTURE: how the memory was captured (snapshot or why not). */
static int parse_capture(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_capture *c = &d->capture;
	int err;

	if (d->capnote)
		return ld_rd_note_fail(d, n, "a second one (the first is note %d)", d->capnote - 1);
	d->capnote = n->index + 1;
	err = ld_rd_need(d, n, LD_NOTE_CAPTURE_SIZE_1_0);
	if (err)
		return err;
	memset(c, 0, sizeof(*c));
	memcpy(c, n->desc, n->descsz < sizeof(*c) ? n->descsz : sizeof(*c));
	if (c->size < LD_NOTE_CAPTURE_SIZE_1_0 || c->size > n->descsz)
		return ld_rd_note_fail(d, n, "size field %u, expected %zu..%u", c->size,
				 (size_t)LD_NOTE_CAPTURE_SIZE_1_0, n->descsz);
	if (c->size < sizeof(*c))	/* written by an older collector */
		memset((char *)c + c->size, 0, sizeof(*c) - c->size);
	c->fallback[sizeof(c->fallback) - 1] = 0;
	c->cut[sizeof(c->cut) - 1] = 0;
	return 0;
}

static void stop_times(struct ld_view *v, const struct ld_note_capture *c,
		       const struct ld_note_header *h)
{
	bool text = c->frozen_ns && h && h->issue_time_ns && c->frozen_ns >= h->issue_time_ns;

	/* Text: milliseconds after the issue; JSON: the times themselves. */
	if (text) {
		ld_view__line(v, "stopped");
		if (c->stopped_ns >= h->issue_time_ns)
			ld_view__text(v, "by the kernel after %.3f ms; ",
				      (c->stopped_ns - h->issue_time_ns) / 1e6);
		if (c->seen_stopped_ns >= h->issue_time_ns)
			ld_view__text(v, "seen stopped by the collector after %.3f ms; ",
				      (c->seen_stopped_ns - h->issue_time_ns) / 1e6);
		ld_view__text(v, "every thread held after %.3f ms",
			      (c->frozen_ns - h->issue_time_ns) / 1e6);
	}
	ld_view__time(v, "frozen", NULL, c->frozen_ns);
	ld_view__time(v, "seen_stopped", NULL, c->seen_stopped_ns);
	ld_view__time(v, "stopped", NULL, c->stopped_ns);
	if (text)
		ld_view__line_end(v);
}

static void capture_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_note_capture *c = ld_dump__capture_info(d);
	bool snap, fb, cut;

	(void)o;
	if (!c) {
		ld_view__null(v, "capture", NULL);
		return;
	}
	snap = c->flags & LD_CAP_SNAPSHOT;
	fb = c->flags & LD_CAP_FALLBACK;
	cut = c->flags & LD_CAP_CUT;
	ld_view__object(v, "capture");
	stop_times(v, c, ld_dump__header(d));
	if (snap || fb)
		ld_view__line(v, "snapshot");
	ld_view__bool(v, "snapshot", snap ? "" : NULL, snap);
	if (snap)
		ld_view__text(v, ": made in %.3f ms (pid %u); the process ran on while the dump "
			      "was written%s", c->snapshot_ns / 1e6, c->snapshot_pid,
			      c->nofork_bytes ? "; MADV_DONTFORK/WIPEONFORK memory read before" : "");
	ld_view__bool(v, "fallback", NULL, fb);
	if (fb && !snap)
		ld_view__text(v, "no: %s (plain capture)", c->fallback[0] ? c->fallback : "?");
	if (snap || fb)
		ld_view__line_end(v);
	ld_view__uint(v, "snapshot_ns", NULL, c->snapshot_ns);
	ld_view__uint(v, "snapshot_pid", NULL, c->snapshot_pid);
	ld_view__int(v, "snapshot_errno", NULL, c->snapshot_err);
	if (fb)
		ld_view__strn(v, "fallback_reason", NULL, c->fallback, sizeof(c->fallback));
	else
		ld_view__null(v, "fallback_reason", NULL);
	ld_view__uint(v, "nofork_bytes", NULL, c->nofork_bytes);
	ld_view__bool(v, "cut", NULL, cut);
	if (cut) {
		ld_view__line(v, "cut");
		ld_view__strn(v, "cut_reason", "", c->cut[0] ? c->cut : "stopped early",
			      sizeof(c->cut));
		ld_view__text(v, "; what was not read yet is left out");
		ld_view__line_end(v);
	} else {
		ld_view__null(v, "cut_reason", NULL);
	}
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_capture = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_CAPTURE,
	.name = "LD_NT_CAPTURE",
	.flags = 0,
	.parse = parse_capture,
	.show = capture_show,
};
