// SPDX-License-Identifier: MIT
/* LD_NT_HIDDEN for readers: parse, names, inspect's text and JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/hidden_note.h"

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

struct find {
	const struct ld_dump_note *n;
	unsigned count;
};

static int find_note(const struct ld_dump_note *n, void *ctx)
{
	struct find *f = ctx;

	if (n->type == LD_NT_HIDDEN && !strcmp(n->owner, LD_NOTE_OWNER) && !f->count++)
		f->n = n;
	return 0;
}

int ld_dump__hidden(const struct ld_dump *d, struct ld_dump_hidden *out, char *err, size_t errlen)
{
	struct find f = { 0 };
	const unsigned char *p;
	uint64_t need;

	memset(out, 0, sizeof(*out));
	ld_dump__foreach_note(d, find_note, &f);
	if (!f.n)
		return -ENOENT;
	p = f.n->desc;
	if (f.count > 1) {
		snprintf(err, errlen, "note %u (LD_NT_HIDDEN): %u of them, expected one", f.n->index,
			 f.count);
		return -EBADMSG;
	}
	/* Newer writers may add fields: take ours, skip the rest. */
	if (f.n->descsz < sizeof(out->h)) {
		snprintf(err, errlen, "note %u (LD_NT_HIDDEN): %u bytes, expected at least %zu",
			 f.n->index, f.n->descsz, sizeof(out->h));
		return -EBADMSG;
	}
	memcpy(&out->h, p, sizeof(out->h));
	need = (uint64_t)out->h.count * out->h.entry_size;
	if (out->h.size < sizeof(out->h) || out->h.size > f.n->descsz ||
	    out->h.entry_size < sizeof(struct ld_hidden_range) ||
	    need > f.n->descsz - out->h.size) {
		snprintf(err, errlen, "note %u (LD_NT_HIDDEN): header size %u, %u ranges of %u bytes "
			 "do not fit in %u bytes", f.n->index, out->h.size, out->h.count,
			 out->h.entry_size, f.n->descsz);
		memset(&out->h, 0, sizeof(out->h));
		return -EBADMSG;
	}
	out->v = calloc(out->h.count ? out->h.count : 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (uint32_t i = 0; i < out->h.count; i++)
		memcpy(&out->v[i], p + out->h.size + (uint64_t)i * out->h.entry_size,
		       sizeof(*out->v));
	out->n = out->h.count;
	return 0;
}

void ld_dump_hidden__free(struct ld_dump_hidden *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
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

void ld_dump_hidden__print(const struct ld_dump *d, FILE *f)
{
	struct ld_dump_hidden h;
	char err[256];
	int ret = ld_dump__hidden(d, &h, err, sizeof(err));

	if (ret == -ENOENT)
		return;
	if (ret) {
		fprintf(f, "\nhidden:     unreadable: %s\n", ret == -EBADMSG ? err : strerror(-ret));
		return;
	}
	fprintf(f, "\nhidden:     %s; coredump_filter 0x%x%s; %llu bytes left out, %zu range%s\n",
		policy(h.h.flags), h.h.coredump_filter,
		h.h.flags & LD_HID_NO_FILTER ? " (unreadable: the kernel's default)" : "",
		(unsigned long long)h.h.left_out_bytes, h.n, h.n == 1 ? "" : "s");
	for (size_t i = 0; i < h.n; i++) {
		const struct ld_hidden_range *r = &h.v[i];

		fprintf(f, "            0x%016llx +%-12llu %-9s %s (%s)\n",
			(unsigned long long)r->addr, (unsigned long long)r->len,
			r->flags & LD_HIDR_TAKEN ? "taken" : "left out", ld_hidden_why_name(r->why),
			ld_hidden_kind_name(r->kind));
	}
	ld_dump_hidden__free(&h);
}

void ld_dump_hidden__json(const struct ld_dump *d, struct ld_json *j)
{
	struct ld_dump_hidden h;
	char err[256];
	int ret = ld_dump__hidden(d, &h, err, sizeof(err));

	ld_json__key(j, "hidden");
	if (ret) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_object(j);
	ld_json__kstr(j, "mode", h.h.flags & LD_HID_TAKE_ALL ? "all" :
				 h.h.flags & LD_HID_TAKE_REGIONS ? "regions" : "no");
	ld_json__kbool(j, "kernel_core", h.h.flags & LD_HID_KERNEL_CORE);
	ld_json__key(j, "coredump_filter");
	ld_json__stringf(j, "0x%x", h.h.coredump_filter);
	ld_json__kbool(j, "filter_unreadable", h.h.flags & LD_HID_NO_FILTER);
	ld_json__kuint(j, "left_out_bytes", h.h.left_out_bytes);
	ld_json__key(j, "ranges");
	ld_json__begin_array(j);
	for (size_t i = 0; i < h.n; i++) {
		ld_json__begin_object(j);
		ld_json__khex(j, "addr", h.v[i].addr);
		ld_json__kuint(j, "len", h.v[i].len);
		ld_json__kstr(j, "why", ld_hidden_why_name(h.v[i].why));
		ld_json__kstr(j, "kind", ld_hidden_kind_name(h.v[i].kind));
		ld_json__kbool(j, "taken", h.v[i].flags & LD_HIDR_TAKEN);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
	ld_json__end_object(j);
	ld_dump_hidden__free(&h);
}
