// SPDX-License-Identifier: MIT
/*
 * LD_NT_KMSG (format 1.6): the kernel log of the window, records
 * as /dev/kmsg gives them ("PRIO,SEQ,TS_US,FLAGS;TEXT"), shown by level,
 * sequence number, time and text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/view.h"
#include "dump/reader_priv.h"
#include "notes/note.h"

struct kmsg_rec {
	unsigned prio;
	uint64_t seq, ts_us;
	const char *text;
	size_t len;
};

/* One record from @s (up to @end): 0, or -EINVAL when it is not one. */
static int kmsg_rec(const char *s, const char *end, struct kmsg_rec *r, const char **next)
{
	const char *nl = memchr(s, '\n', end - s), *semi;
	char head[96], *p;

	if (!nl)
		return -EINVAL;
	semi = memchr(s, ';', nl - s);
	if (!semi || (size_t)(semi - s) >= sizeof(head))
		return -EINVAL;
	memcpy(head, s, semi - s);
	head[semi - s] = 0;
	r->prio = strtoul(head, &p, 10);
	if (*p != ',')
		return -EINVAL;
	r->seq = strtoull(p + 1, &p, 10);
	if (*p != ',')
		return -EINVAL;
	r->ts_us = strtoull(p + 1, &p, 10);
	if (*p != ',' && *p)
		return -EINVAL;
	r->text = semi + 1;
	r->len = nl - semi - 1;
	*next = nl + 1;
	return 0;
}

static int parse_kmsg(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_kmsg h;
	const char *s, *end;
	int err = ld_rd_once_slot(d, n, &d->kmsg_note);

	if (!err)
		err = ld_rd_need(d, n, sizeof(h));
	if (err)
		return err;
	memcpy(&h, n->desc, sizeof(h));
	if (h.size < sizeof(h) || h.size > n->descsz)
		return ld_rd_note_fail(d, n, "header size %u, expected %zu..%u", h.size, sizeof(h),
				       n->descsz);
	s = (const char *)n->desc + h.size;
	end = (const char *)n->desc + n->descsz;
	for (uint32_t i = 0; i < h.count; i++) {
		struct kmsg_rec r;

		if (kmsg_rec(s, end, &r, &s))
			return ld_rd_note_fail(d, n, "record %u of %u at +%zu is not PRIO,SEQ,TS;TEXT", i,
					       h.count, s - (const char *)n->desc);
	}
	return 0;
}

static const char *const levels[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static void kmsg_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_dump_note *n = d->kmsg_note ? &d->notes[d->kmsg_note - 1] : NULL;
	static const char *const flag_names[] = { "lost", "cut" };
	struct ld_note_kmsg h;
	const char *s, *end;

	(void)o;
	if (!n) {
		ld_view__null(v, "kmsg", NULL);
		return;
	}
	memcpy(&h, n->desc, sizeof(h));
	s = (const char *)n->desc + h.size;
	end = (const char *)n->desc + n->descsz;
	ld_view__text(v, "\nkernel log from %" PRIu64 ".%06" PRIu64 " to %" PRIu64 ".%06" PRIu64
		      " (%u records):\n", h.from_us / 1000000, h.from_us % 1000000,
		      h.to_us / 1000000, h.to_us % 1000000, h.count);
	ld_view__object(v, "kmsg");
	ld_view__uint(v, "from_us", NULL, h.from_us);
	ld_view__uint(v, "to_us", NULL, h.to_us);
	ld_view__flags(v, "flags", h.flags ? "flags" : NULL, h.flags, flag_names, 2);
	ld_view__array(v, "records");
	for (uint32_t i = 0; i < h.count; i++) {
		struct kmsg_rec r;

		if (kmsg_rec(s, end, &r, &s))
			break;
		ld_view__object(v, NULL);
		ld_view__line_at(v, 2, NULL);
		ld_view__text(v, "[%5" PRIu64 ".%06" PRIu64 "] ", r.ts_us / 1000000, r.ts_us % 1000000);
		ld_view__uint(v, "ts_us", NULL, r.ts_us);
		ld_view__uint(v, "seq", NULL, r.seq);
		ld_view__uint(v, "facility", NULL, r.prio >> 3);
		ld_view__str(v, "level", NULL, levels[r.prio & 7]);
		ld_view__strn(v, "text", "", r.text, r.len);
		ld_view__line_end(v);
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_kmsg = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_KMSG,
	.name = "LD_NT_KMSG",
	.parse = parse_kmsg,
	.show = kmsg_show,
};
