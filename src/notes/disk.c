// SPDX-License-Identifier: MIT
/*
 * LD_NT_DISK (format 1.6): the device of a block issue when the issue
 * came in: its /proc/diskstats line, parsed into its named counters, and
 * its queue's sysfs attributes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/view.h"
#include "dump/reader_priv.h"
#include "notes/note.h"

static int parse_disk(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_disk h;
	int err = ld_rd_once_slot(d, n, &d->disk_note);

	if (!err)
		err = ld_rd_need(d, n, sizeof(h));
	if (err)
		return err;
	memcpy(&h, n->desc, sizeof(h));
	if (h.size < sizeof(h) || h.size > n->descsz ||
	    (uint64_t)h.stats_len + h.attrs_len > n->descsz - h.size)
		return ld_rd_note_fail(d, n, "header of %u bytes with %u + %u bytes of text do not fit "
				       "in %u", h.size, h.stats_len, h.attrs_len, n->descsz);
	return 0;
}

/* The fields of a /proc/diskstats line after major, minor and name (Documentation/admin-guide/iostats.rst). */
static const char *const stat_names[] = {
	"reads", "reads_merged", "sectors_read", "read_ms", "writes", "writes_merged",
	"sectors_written", "write_ms", "in_flight", "io_ms", "weighted_io_ms", "discards",
	"discards_merged", "sectors_discarded", "discard_ms", "flushes", "flush_ms",
};

static void show_stats(struct ld_view *v, const char *s, size_t len)
{
	char line[512], *p, *end;
	size_t field = 0;

	snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), s);
	line[strcspn(line, "\n")] = 0;
	ld_view__str(v, "diskstats", "diskstats", line);
	ld_view__object(v, "stats");
	/* major minor name, then the counters */
	p = line;
	for (int skip = 0; skip < 3 && p; skip++) {
		p += strspn(p, " ");
		p = strchr(p, ' ');
	}
	while (p && *p && field < sizeof(stat_names) / sizeof(stat_names[0])) {
		unsigned long long val = strtoull(p, &end, 10);

		if (end == p)
			break;
		ld_view__uint(v, stat_names[field++], NULL, val);
		p = end;
	}
	ld_view__object_end(v);
}

static void show_attrs(struct ld_view *v, const char *s, size_t len)
{
	const char *end = s + len;

	ld_view__object(v, "queue");
	while (s < end) {
		const char *nl = memchr(s, '\n', end - s), *eq;
		size_t l = nl ? (size_t)(nl - s) : (size_t)(end - s);
		char key[128];

		eq = memchr(s, '=', l);
		if (eq && (size_t)(eq - s) < sizeof(key)) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - s), s);
			ld_view__line_at(v, 4, NULL);
			ld_view__text(v, "%s=", key);
			ld_view__strn(v, key, "", eq + 1, l - (eq + 1 - s));
			ld_view__line_end(v);
		}
		s += l + 1;
	}
	ld_view__object_end(v);
}

static void disk_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_dump_note *n = d->disk_note ? &d->notes[d->disk_note - 1] : NULL;
	const char *text;
	struct ld_note_disk h;

	(void)o;
	if (!n) {
		ld_view__null(v, "disk", NULL);
		return;
	}
	memcpy(&h, n->desc, sizeof(h));
	text = (const char *)n->desc + h.size;
	ld_view__text(v, "\ndisk at the issue:\n");
	ld_view__object(v, "disk");
	ld_view__line_at(v, 2, NULL);
	ld_view__strn(v, "name", "", h.name, sizeof(h.name));
	ld_view__printf(v, "dev", "", "%u:%u", h.dev >> 20, h.dev & 0xfffff);
	ld_view__line_end(v);
	if (h.stats_len) {
		ld_view__line_at(v, 2, NULL);
		show_stats(v, text, h.stats_len);
		ld_view__line_end(v);
	}
	show_attrs(v, text + h.stats_len, h.attrs_len);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_disk = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_DISK,
	.name = "LD_NT_DISK",
	.parse = parse_disk,
	.show = disk_show,
};
