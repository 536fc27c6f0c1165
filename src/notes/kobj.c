// SPDX-License-Identifier: MIT
/*
 * LD_NT_KOBJ (format 1.6): kernel objects BPF copied at the issue, with a
 * BTF of their types (docs/kernel-dumps.md), and since 1.8 the object each
 * was followed from.  Shown as C-like structs in text, followed objects
 * under their parents, and as nested objects in JSON, in one flat array
 * (analysis/btfrender.h).  The BTF is
 * the dump's, untrusted: libbpf's btf__new() checks its layout, and every
 * entry's type id, size and bytes are checked here before anything renders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "analysis/btfpath.h"
#include "analysis/btfrender.h"
#include "base/json.h"
#include "base/view.h"
#include "dump/reader_priv.h"
#include "kabi/records.h"
#include "notes/note.h"

#define KOBJ_MAX_ENTRIES	64

/* The note's parts, as parse checked them. */
struct kobj_note {
	struct ld_note_kobj h;
	const unsigned char *desc;
	uint32_t descsz;
};

static void kobj_get(const struct ld_dump *d, struct kobj_note *k)
{
	const struct ld_dump_note *n = &d->notes[d->kobj_note - 1];

	memcpy(&k->h, n->desc, sizeof(k->h));
	k->desc = n->desc;
	k->descsz = n->descsz;
}

/* Entry @i; what an older writer's shorter entry lacks reads as 0 (1.6, 1.7: no parents). */
static void kobj_ent(const struct kobj_note *k, uint32_t i, struct ld_note_kobj_ent *e)
{
	size_t n = k->h.entry_size < sizeof(*e) ? k->h.entry_size : sizeof(*e);

	memset(e, 0, sizeof(*e));
	memcpy(e, k->desc + k->h.size + (size_t)i * k->h.entry_size, n);
	e->name[sizeof(e->name) - 1] = 0;
}

/* A string at @off of the note (a path, 1.7; a via, 1.8), as parse checked it: NULL for none. */
static const char *kobj_str(const struct kobj_note *k, uint32_t off)
{
	if (!off || off >= k->descsz || !memchr(k->desc + off, 0, k->descsz - off))
		return NULL;
	return (const char *)k->desc + off;
}

/* The note's BTF, or NULL when it has none (or it does not parse, or check: @why). */
static struct btf *kobj_btf(const struct kobj_note *k, char *why, size_t len)
{
	struct btf *btf;

	snprintf(why, len, "it does not parse");
	if (!k->h.btf_len)
		return NULL;
	btf = btf__new(k->desc + k->h.btf_off, k->h.btf_len);
	if (libbpf_get_error(btf))
		return NULL;
	if (ld_btf_validate(btf, why, len)) {
		btf__free(btf);
		return NULL;
	}
	return btf;
}

static int parse_kobj(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_kobj h;
	struct kobj_note k;
	struct btf *btf = NULL;
	int err = ld_rd_once_slot(d, n, &d->kobj_note);

	if (!err)
		err = ld_rd_need(d, n, sizeof(h));
	if (err)
		return err;
	memcpy(&h, n->desc, sizeof(h));
	if (h.size < sizeof(h) || h.size > n->descsz)
		return ld_rd_note_fail(d, n, "header size %u, expected %zu..%u", h.size, sizeof(h),
				       n->descsz);
	if (h.entry_size < LD_NOTE_KOBJ_ENT_V1 || h.count > KOBJ_MAX_ENTRIES ||
	    (uint64_t)h.count * h.entry_size > n->descsz - h.size)
		return ld_rd_note_fail(d, n, "%u entries of %u bytes do not fit (at most %d of %d "
				       "bytes or more)", h.count, h.entry_size, KOBJ_MAX_ENTRIES,
				       LD_NOTE_KOBJ_ENT_V1);
	if (h.btf_off > n->descsz || h.btf_len > n->descsz - h.btf_off)
		return ld_rd_note_fail(d, n, "BTF at +%u (%u bytes) runs past the note (%u bytes)",
				       h.btf_off, h.btf_len, n->descsz);
	k = (struct kobj_note){ .h = h, .desc = n->desc, .descsz = n->descsz };
	if (h.btf_len) {
		char why[128];

		btf = kobj_btf(&k, why, sizeof(why));
		if (!btf)
			return ld_rd_note_fail(d, n, "its BTF (%u bytes) is not one to render by: %s",
					       h.btf_len, why);
	}
	for (uint32_t i = 0; i < h.count; i++) {
		struct ld_note_kobj_ent e;

		kobj_ent(&k, i, &e);
		if (e.off > n->descsz || e.len > n->descsz - e.off)
			err = ld_rd_note_fail(d, n, "object %u (%s): %u bytes at +%u run past the note",
					      i, e.name, e.len, e.off);
		else if (e.type_id && (!btf || e.type_id >= btf__type_cnt(btf)))
			err = ld_rd_note_fail(d, n, "object %u (%s): type %u is not in its BTF", i,
					      e.name, e.type_id);
		else if (e.path_off && !kobj_str(&k, e.path_off))
			err = ld_rd_note_fail(d, n, "object %u (%s): its path at +%u is not a string "
					      "within the note", i, e.name, e.path_off);
		else if (e.via_off && !kobj_str(&k, e.via_off))
			err = ld_rd_note_fail(d, n, "object %u (%s): its via at +%u is not a string "
					      "within the note", i, e.name, e.via_off);
		else if (e.parent > i)	/* parents come first: no cycles */
			err = ld_rd_note_fail(d, n, "object %u (%s): its parent %u is not an object "
					      "before it", i, e.name, e.parent - 1);
		if (err)
			break;
	}
	btf__free(btf);
	return err;
}

/* LD_KOF_* by bit */
static const char *const kof_names[] = {
	[0] = "unreadable", [1] = "truncated", [8] = "no_type",
};

/* A char array member a role's objects are known by in text: a gendisk by its disk_name. */
static const char *const role_label[LD_KOBJ__COUNT] = {
	[LD_KOBJ_GENDISK] = "disk_name",
};

/* Text: the role's label member of a typed object, as `disk_name "loop3"`. */
static void show_label(struct ld_view *v, struct btf *btf, const struct ld_note_kobj_ent *e,
		       const unsigned char *bytes)
{
	const char *member = e->role < LD_KOBJ__COUNT ? role_label[e->role] : NULL;
	const struct btf_type *t;
	uint32_t off, type;
	long long size;

	if (!member || ld_btf_member(btf, e->type_id, member, &off, &type))
		return;
	t = btf__type_by_id(btf, ld_btf_skip_mods(btf, type));
	size = btf__resolve_size(btf, type);
	if (!t || !btf_is_array(t) || size <= 0 || off > e->len || (uint64_t)size > e->len - off)
		return;
	ld_view__qstr(v, NULL, member, (const char *)bytes + off, size);
}

static void show_obj(struct ld_view *v, struct btf *btf, const struct kobj_note *k,
		     const struct ld_note_kobj_ent *e, const struct ld_note_kobj_ent *parent,
		     unsigned depth)
{
	const unsigned char *bytes = k->desc + e->off;
	bool typed = btf && e->type_id && !ld_btf_render_check(btf, e->type_id, e->len);
	const char *path = kobj_str(k, e->path_off), *via = kobj_str(k, e->via_off);
	unsigned indent = 2 + 2 * (depth < 8 ? depth : 8);
	char tname[128] = "?";

	if (btf && e->type_id)
		ld_btf_type_name(btf, e->type_id, tname, sizeof(tname));
	ld_view__object(v, NULL);
	ld_view__line_at(v, indent, NULL);
	ld_view__str(v, "name", "", e->name);
	ld_view__str(v, "type", "", tname);
	ld_view__hex(v, "addr", "at", e->addr);
	ld_view__uint(v, "size", NULL, e->size);
	ld_view__uint(v, "len", NULL, e->len);
	ld_view__printf(v, NULL, "", "(%u of %u bytes)", e->len, e->size);
	ld_view__uint(v, "type_id", NULL, e->type_id);
	ld_view__uint(v, "kernel_type_id", NULL, e->kernel_type_id);
	ld_view__uint(v, "role", NULL, e->role);
	if (e->arg)
		ld_view__uint(v, "arg", NULL, e->arg);
	if (e->flags)
		ld_view__flags(v, "flags", "", e->flags, kof_names,
			       sizeof(kof_names) / sizeof(kof_names[0]));
	else
		ld_view__flags(v, "flags", NULL, 0, kof_names, sizeof(kof_names) / sizeof(kof_names[0]));
	if (parent) {
		ld_view__str(v, "parent", NULL, parent->name);
		ld_view__str(v, "via", NULL, via);
		ld_view__uint(v, "field_off", NULL, e->field_off);
		if (via)
			ld_view__printf(v, NULL, "", "= %s->%s", parent->name, via);
		else
			ld_view__printf(v, NULL, "", "= the pointer at +%u of %s", e->field_off,
					parent->name);
	} else {
		ld_view__null(v, "parent", NULL);
		ld_view__null(v, "via", NULL);
		ld_view__null(v, "field_off", NULL);
	}
	if (typed)
		show_label(v, btf, e, bytes);
	ld_view__line_end(v);
	if (path) {
		ld_view__line_at(v, indent + 2, NULL);
		ld_view__str(v, "path", "path", path);
		ld_view__line_end(v);
	}
	if (ld_view__is_json(v)) {
		struct ld_json *j = ld_view__json(v);

		ld_json__key(j, "value");
		if (typed)
			ld_btf_render_json(j, btf, e->type_id, bytes, e->len);
		else
			ld_json__null(j);
		ld_json__key(j, "bytes");
		ld_json__hexbytes(j, bytes, e->len);
	} else if (typed) {
		ld_btf_render_text(ld_view__file(v), btf, e->type_id, bytes, e->len, indent + 2);
	} else {
		ld_view__line_at(v, indent + 2, NULL);
		ld_view__text(v, "(no type to render it by: %u bytes)", e->len);
		ld_view__line_end(v);
	}
	ld_view__object_end(v);
}

/*
 * Text: object @i, then the objects reached from it, indented under it
 * (parents come before their children: the recursion ends).
 */
static void show_tree(struct ld_view *v, struct btf *btf, const struct kobj_note *k, uint32_t i,
		      const struct ld_note_kobj_ent *parent, unsigned depth)
{
	struct ld_note_kobj_ent e;

	kobj_ent(k, i, &e);
	show_obj(v, btf, k, &e, parent, depth);
	for (uint32_t c = i + 1; c < k->h.count; c++) {
		struct ld_note_kobj_ent ce;

		kobj_ent(k, c, &ce);
		if (ce.parent == i + 1)
			show_tree(v, btf, k, c, &e, depth + 1);
	}
}

/*
 * JSON: the objects as the note lists them, flat (kernel_objects[]), each
 * naming its parent; text: each root with what was followed from it.
 */
static void kobj_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	struct kobj_note k = { 0 };
	struct btf *btf = NULL;
	char why[128];

	(void)o;
	ld_view__array(v, "kernel_objects");
	if (d->kobj_note) {
		kobj_get(d, &k);
		btf = kobj_btf(&k, why, sizeof(why));
		ld_view__text(v, "\nkernel objects (%u):\n", k.h.count);
	}
	for (uint32_t i = 0; i < k.h.count; i++) {
		struct ld_note_kobj_ent e, p;

		kobj_ent(&k, i, &e);
		if (e.parent)
			kobj_ent(&k, e.parent - 1, &p);
		if (ld_view__is_json(v))
			show_obj(v, btf, &k, &e, e.parent ? &p : NULL, 0);
		else if (!e.parent)
			show_tree(v, btf, &k, i, NULL, 0);
	}
	ld_view__array_end(v);
	btf__free(btf);
}

const struct ld_note_ops ld_note_kobj = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_KOBJ,
	.name = "LD_NT_KOBJ",
	.parse = parse_kobj,
	.show = kobj_show,
};
