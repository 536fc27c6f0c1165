// SPDX-License-Identifier: MIT
/*
 * LD_NT_LIMITS: the process's resource limits at the capture, as
 * prlimit(2) gave them (struct ld_note_table + ld_note_limit[], format
 * 1.4): what /proc/PID/limits shows, exact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_limits(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p;
	struct ld_note_table t;
	int err = ld_rd_once(d, n, S_LIMITS);

	if (err || !(p = ld_rd_table(d, n, sizeof(struct ld_note_limit), &t, &err)))
		return err;
	d->limits = calloc(t.count ? t.count : 1, sizeof(*d->limits));
	if (!d->limits)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u limits", t.count);
	for (uint32_t i = 0; i < t.count; i++, p += t.entry_size)
		memcpy(&d->limits[i], p, sizeof(d->limits[i]));
	d->nlimits = t.count;
	return 0;
}

/* By RLIMIT_* number, as /proc/PID/limits names them. */
static const struct {
	const char *key, *units;
} resources[] = {
	[0] = { "cpu", "seconds" },		[1] = { "fsize", "bytes" },
	[2] = { "data", "bytes" },		[3] = { "stack", "bytes" },
	[4] = { "core", "bytes" },		[5] = { "rss", "bytes" },
	[6] = { "nproc", "processes" },		[7] = { "nofile", "files" },
	[8] = { "memlock", "bytes" },		[9] = { "as", "bytes" },
	[10] = { "locks", "locks" },		[11] = { "sigpending", "signals" },
	[12] = { "msgqueue", "bytes" },		[13] = { "nice", "" },
	[14] = { "rtprio", "" },		[15] = { "rttime", "us" },
};

/* A limit: JSON the number or null for unlimited; text the number or "unlimited". */
static void show_value(struct ld_view *v, const char *key, uint64_t val)
{
	if (val == ~0ULL)
		ld_view__null(v, key, "unlimited");
	else
		ld_view__uint(v, key, "", val);
}

static const struct ld_view_col cols[] = {
	{ "RESOURCE", 0 }, { "SOFT", LD_COL_RIGHT }, { "HARD", LD_COL_RIGHT }, { "UNITS", 0 },
};

static void limits_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nlimits(d);

	(void)o;
	ld_view__table(v, "limits", "limits", n, LD_VIEW_OMIT_EMPTY, cols,
		       sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct ld_note_limit *l = ld_dump__limit(d, i);
		bool known = l->resource < sizeof(resources) / sizeof(resources[0]);

		ld_view__row(v);
		if (known)
			ld_view__str(v, "resource", "", resources[l->resource].key);
		else
			ld_view__printf(v, "resource", "", "%u", l->resource);
		show_value(v, "soft", l->cur);
		show_value(v, "hard", l->max);
		ld_view__str(v, "units", "", known ? resources[l->resource].units : "");
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

const struct ld_note_ops ld_note_limits = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_LIMITS,
	.name = "LD_NT_LIMITS",
	.parse = parse_limits,
	.show = limits_show,
};
