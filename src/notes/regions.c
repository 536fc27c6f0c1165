// SPDX-License-Identifier: MIT
/*
 * LD_NT_REGIONS: the memory the application registered (struct
 * ld_note_table + ld_note_region[]): name, range, what was captured and
 * its crc32, which the section checks against the bytes in the dump.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_regions(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p;
	struct ld_note_table t;
	int err = ld_rd_once(d, n, S_REGIONS);

	if (err || !(p = ld_rd_table(d, n, sizeof(struct ld_note_region), &t, &err)))
		return err;
	d->regions = calloc(t.count ? t.count : 1, sizeof(*d->regions));
	if (!d->regions)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u regions", t.count);
	for (uint32_t i = 0; i < t.count; i++, p += t.entry_size) {
		struct ld_dump_region *r = &d->regions[i];
		struct ld_note_region e;

		memcpy(&e, p, sizeof(e));
		if (e.captured > e.len)
			return ld_rd_note_fail(d, n, "region %u (%.32s): %llu bytes captured of "
					 "%llu", i, e.name, (unsigned long long)e.captured,
					 (unsigned long long)e.len);
		r->addr = e.addr;
		r->len = e.len;
		r->captured = e.captured;
		r->crc32 = e.crc32;
		r->flags = e.flags;
		ld_rd_copy_str(r->name, sizeof(r->name), e.name, sizeof(e.name));
	}
	d->nregions = t.count;
	return 0;
}

static const char *const reg_flag_names[] = {
	"unreadable", "truncated", "excluded", "clamped", "hidden",
};

/* What inspect says about a region's bytes. */
static const char *region_check(const struct ld_dump *d, size_t i, bool *crc_ok)
{
	const struct ld_dump_region *r = ld_dump__region(d, i);
	int err;

	*crc_ok = false;
	if (r->flags & LD_REG_EXCLUDED)
		return "excluded";
	if (!r->captured)
		return r->flags & LD_REG_UNREADABLE ? "unreadable" : "empty";
	err = ld_dump__verify_region(d, i, NULL);
	if (!err) {
		*crc_ok = true;
		return "ok";
	}
	if (err == -EBADMSG)
		return "mismatch";
	if (err == -ENODATA)
		return "missing";
	return "error";
}

/* The region's bytes as the dump holds them (unreadable pages left out). */
static void region_data(const struct ld_dump *d, struct ld_view *v, const struct ld_dump_region *r)
{
	/* captured is the note's claim: the dump cannot hold more than its size. */
	uint64_t len = r->captured < ld_dump__file_size(d) ? r->captured : ld_dump__file_size(d);
	unsigned char *buf = len ? malloc(len) : NULL;
	long got = buf ? ld_dump__read_mem(d, r->addr, buf, len) : 0;

	ld_view__hexbytes(v, "data_hex", buf, got > 0 ? got : 0);
	free(buf);
}

static const struct ld_view_col cols[] = {
	{ "NAME", 0 }, { "ADDR", 0 }, { "LEN", LD_COL_RIGHT }, { "CAPTURED", LD_COL_RIGHT },
	{ "CRC32", 0 }, { "CHECK", 0 }, { "FLAGS", 0 },
};

static void regions_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nregions(d);

	ld_view__table(v, "regions", "regions", n, 0, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_region *r = ld_dump__region(d, i);
		bool ok;
		const char *check = region_check(d, i, &ok);

		ld_view__row(v);
		ld_view__strn(v, "name", "", r->name, sizeof(r->name));
		ld_view__hexw(v, "addr", "", r->addr, 16);
		ld_view__uint(v, "len", "", r->len);
		ld_view__uint(v, "captured", "", r->captured);
		ld_view__printf(v, "crc32", "", "0x%08x", r->crc32);
		if (!strcmp(check, "ok") || !strcmp(check, "mismatch"))
			ld_view__bool(v, "crc_ok", NULL, ok);
		else
			ld_view__null(v, "crc_ok", NULL);
		ld_view__str(v, "check", NULL, check);
		/* Loud in text: a mismatch is what a reader must not miss. */
		ld_view__str(v, NULL, "", !strcmp(check, "mismatch") ? "MISMATCH" : check);
		ld_view__flags(v, "flags", "", r->flags, reg_flag_names,
			       sizeof(reg_flag_names) / sizeof(reg_flag_names[0]));
		if (o->data)
			region_data(d, v, r);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

const struct ld_note_ops ld_note_regions = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_REGIONS,
	.name = "LD_NT_REGIONS",
	.flags = 0,
	.parse = parse_regions,
	.show = regions_show,
};
