// SPDX-License-Identifier: MIT
/*
 * LD_NT_HIDDEN (format 1.5): the memory a capture wanted that the process
 * hid from its dumps (MADV_DONTDUMP, VM_IO, coredump_filter; for a crash
 * dump, what the kernel's core left out), each range left out or taken by
 * the rule's hidden=, and why (struct ld_note_hidden + ld_hidden_range[]).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

const char *ld_hidden_why_name(uint32_t why)
{
	static const char *const names[] = {
		[LD_HIDDEN_DONTDUMP] = "MADV_DONTDUMP", [LD_HIDDEN_IO] = "VM_IO",
		[LD_HIDDEN_FILTER] = "coredump_filter", [LD_HIDDEN_CORE] = "not in the kernel's core",
		[LD_HIDDEN_CHANGED] = "mapping changed",
	};

	return why < sizeof(names) / sizeof(names[0]) && names[why] ? names[why] : "?";
}

const char *ld_hidden_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		[0] = "anonymous private", [1] = "anonymous shared", [2] = "file private",
		[3] = "file shared", [5] = "hugetlb private", [6] = "hugetlb shared",
		[7] = "DAX private", [8] = "DAX shared",
	};

	return kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "?";
}

static int parse_hidden(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_hidden *h = &d->hidden;
	const unsigned char *p = n->desc;
	uint64_t need;
	int err = ld_rd_once(d, n, S_HIDDEN);

	if (!err)
		err = ld_rd_need(d, n, sizeof(*h));
	if (err)
		return err;
	memcpy(h, p, sizeof(*h));
	/* Newer writers may add fields after ours, and to each range. */
	need = (uint64_t)h->count * h->entry_size;
	if (h->size < sizeof(*h) || h->size > n->descsz ||
	    h->entry_size < sizeof(struct ld_hidden_range) || need > n->descsz - h->size)
		return ld_rd_note_fail(d, n, "header size %u, %u ranges of %u bytes do not fit in "
				       "%u bytes", h->size, h->count, h->entry_size, n->descsz);
	d->hid = calloc(h->count ? h->count : 1, sizeof(*d->hid));
	if (!d->hid)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u hidden ranges", h->count);
	for (uint32_t i = 0; i < h->count; i++)
		memcpy(&d->hid[i], p + h->size + (uint64_t)i * h->entry_size, sizeof(d->hid[i]));
	d->nhid = h->count;
	d->has_hidden = true;
	return 0;
}

const struct ld_note_hidden *ld_dump__hidden(const struct ld_dump *d)
{
	return d->has_hidden ? &d->hidden : NULL;
}

size_t ld_dump__nhidden(const struct ld_dump *d)
{
	return d->nhid;
}

const struct ld_hidden_range *ld_dump__hidden_range(const struct ld_dump *d, size_t i)
{
	return i < d->nhid ? &d->hid[i] : NULL;
}

/* What the rule's hidden= chose, for people. */
static const char *policy(uint32_t flags)
{
	if (flags & LD_HID_KERNEL_CORE)
		return "the kernel's core left it out";
	if (flags & LD_HID_TAKE_ALL)
		return "hidden=all (forensic): taken anyway";
	if (flags & LD_HID_TAKE_REGIONS)
		return "hidden=regions: left out, registered regions taken";
	return "left out";
}

static void hidden_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_note_hidden *h = ld_dump__hidden(d);
	size_t n = ld_dump__nhidden(d);

	(void)o;
	if (!h) {
		ld_view__null(v, "hidden", NULL);
		return;
	}
	ld_view__gap(v);
	ld_view__object(v, "hidden");
	ld_view__line(v, "hidden");
	ld_view__str(v, "mode", NULL, h->flags & LD_HID_TAKE_ALL ? "all" :
				      h->flags & LD_HID_TAKE_REGIONS ? "regions" : "no");
	ld_view__bool(v, "kernel_core", NULL, h->flags & LD_HID_KERNEL_CORE);
	ld_view__text(v, "%s; ", policy(h->flags));
	ld_view__printf(v, "coredump_filter", "coredump_filter", "0x%x", h->coredump_filter);
	ld_view__bool(v, "filter_unreadable", NULL, h->flags & LD_HID_NO_FILTER);
	if (h->flags & LD_HID_NO_FILTER)
		ld_view__text(v, "(unreadable: the kernel's default)");
	ld_view__text(v, "; ");
	ld_view__uint(v, "left_out_bytes", "", h->left_out_bytes);
	ld_view__text(v, " bytes left out, %zu range%s", n, n == 1 ? "" : "s");
	ld_view__line_end(v);
	ld_view__array(v, "ranges");
	for (size_t i = 0; i < n; i++) {
		const struct ld_hidden_range *r = ld_dump__hidden_range(d, i);

		ld_view__object(v, NULL);
		ld_view__line(v, "");
		ld_view__hexw(v, "addr", "", r->addr, 16);
		ld_view__text(v, " +");
		ld_view__uint(v, "len", "", r->len);
		ld_view__bool(v, "taken", NULL, r->flags & LD_HIDR_TAKEN);
		ld_view__text(v, "  %-8s  ", r->flags & LD_HIDR_TAKEN ? "taken" : "left out");
		ld_view__str(v, "why", "", ld_hidden_why_name(r->why));
		ld_view__text(v, " (");
		ld_view__str(v, "kind", "", ld_hidden_kind_name(r->kind));
		ld_view__text(v, ")");
		ld_view__line_end(v);
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_hidden = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_HIDDEN,
	.name = "LD_NT_HIDDEN",
	.parse = parse_hidden,
	.show = hidden_show,
};
