// SPDX-License-Identifier: MIT
/*
 * LD_NT_BLOB: one piece of secondary data the application handed over
 * at its trigger (struct ld_note_blob + the bytes), one note per blob.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_blob(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_dump_blob *b;
	struct ld_note_blob e;
	int err = ld_rd_need(d, n, sizeof(e));

	if (err)
		return err;
	memcpy(&e, n->desc, sizeof(e));
	if (e.len > n->descsz - sizeof(e))
		return ld_rd_note_fail(d, n, "len %llu but %zu bytes follow",
				 (unsigned long long)e.len, n->descsz - sizeof(e));
	if (ld_rd_grow((void **)&d->blobs, d->nblobs, sizeof(*b)))
		return ld_rd_fail(d, -ENOMEM, "out of memory for blobs");
	b = &d->blobs[d->nblobs++];
	memset(b, 0, sizeof(*b));
	ld_rd_copy_str(b->tag, sizeof(b->tag), e.tag, sizeof(e.tag));
	b->addr = e.addr;
	b->len = e.len;
	b->crc32 = e.crc32;
	b->flags = e.flags;
	b->data = (const unsigned char *)n->desc + sizeof(e);
	b->crc_ok = ld_rd_crc32(0, b->data, b->len) == b->crc32;
	return 0;
}

static const char *const reg_flag_names[] = {
	"unreadable", "truncated", "excluded", "clamped", "hidden",
};

/* Up to 16 bytes as hex and as printable ASCII. */
static const char *preview(const unsigned char *p, size_t len, char *buf, size_t size)
{
	size_t n = len < 16 ? len : 16, off = 0;

	for (size_t i = 0; i < n; i++)
		off += snprintf(buf + off, size - off, "%02x ", p[i]);
	off += snprintf(buf + off, size - off, "%*s|", (int)(3 * (16 - n)), "");
	for (size_t i = 0; i < n; i++)
		buf[off++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.';
	snprintf(buf + off, size - off, "|%s", len > n ? "..." : "");
	return buf;
}

static const struct ld_view_col cols[] = {
	{ "TAG", 0 }, { "LEN", LD_COL_RIGHT }, { "CRC", 0 }, { "DATA", 0 },
};

static void blob_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nblobs(d);
	char pv[128];

	ld_view__table(v, "blobs", "blobs", n, 0, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_blob *b = ld_dump__blob(d, i);

		ld_view__row(v);
		ld_view__strn(v, "tag", "", b->tag, sizeof(b->tag));
		ld_view__hex(v, "addr", NULL, b->addr);
		ld_view__uint(v, "len", "", b->len);
		ld_view__printf(v, "crc32", NULL, "0x%08x", b->crc32);
		ld_view__bool(v, "crc_ok", NULL, b->crc_ok);
		ld_view__str(v, NULL, "", b->flags & LD_REG_UNREADABLE ? "unrd" :
					  b->crc_ok ? "ok" : "BAD");
		ld_view__str(v, NULL, "", preview(b->data, b->len, pv, sizeof(pv)));
		ld_view__flags(v, "flags", NULL, b->flags, reg_flag_names,
			       sizeof(reg_flag_names) / sizeof(reg_flag_names[0]));
		if (o->data)
			ld_view__hexbytes(v, "data_hex", b->data, b->len);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

const struct ld_note_ops ld_note_blob = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_BLOB,
	.name = "LD_NT_BLOB",
	.flags = 0,
	.parse = parse_blob,
	.show = blob_show,
};
