// SPDX-License-Identifier: MIT
/*
 * LD_NT_MODULES: the mapped ELF objects with their load bias and GNU
 * build-id (variable-size ld_note_module records), so a dump symbolizes
 * on another host and debuginfod finds the right files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"
#include "capture/modules.h"

static int parse_module(struct ld_dump *d, const struct ld_dump_note *n, uint32_t i,
			const unsigned char *p, size_t room, size_t *slot)
{
	struct ld_dump_module *m = &d->modules[i];
	size_t off = p - (const unsigned char *)n->desc;
	struct ld_note_module e;

	if (room < sizeof(e))
		return ld_rd_note_fail(d, n, "module %u at +%zu: runs past the note", i, off);
	memcpy(&e, p, sizeof(e));
	if (e.size < sizeof(e) + 1 || e.size > room || e.build_id_len > e.size - sizeof(e) - 1)
		return ld_rd_note_fail(d, n, "module %u at +%zu: size %u with a %u-byte build-id, "
				 "expected %zu..%zu", i, off, e.size, e.build_id_len,
				 sizeof(e) + e.build_id_len + 1, room);
	if (!memchr(p + sizeof(e) + e.build_id_len, 0, e.size - sizeof(e) - e.build_id_len))
		return ld_rd_note_fail(d, n, "module %u at +%zu: path not terminated", i, off);
	if (e.start > e.end)
		return ld_rd_note_fail(d, n, "module %u ends (0x%llx) before it starts (0x%llx)", i,
				 (unsigned long long)e.end, (unsigned long long)e.start);
	m->start = e.start;
	m->end = e.end;
	m->bias = e.bias;
	m->flags = e.flags;
	m->build_id = e.build_id_len ? p + sizeof(e) : NULL;
	m->build_id_len = e.build_id_len;
	m->path = (const char *)p + sizeof(e) + e.build_id_len;
	*slot = e.size;
	return 0;
}

/* LD_NT_MODULES: variable-size records like the fds (entry_size 0). */
static int parse_modules(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc, *end = p + n->descsz;
	struct ld_note_table t;
	int err = ld_rd_once(d, n, S_MODULES);

	if (!err)
		err = ld_rd_need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	p += sizeof(t);
	if (t.entry_size)
		return ld_rd_note_fail(d, n, "entry_size %u, expected 0 (variable-size records)",
				 t.entry_size);
	if (t.count > (n->descsz - sizeof(t)) / sizeof(struct ld_note_module))
		return ld_rd_note_fail(d, n, "%u modules do not fit in %u bytes", t.count, n->descsz);
	d->modules = calloc(t.count ? t.count : 1, sizeof(*d->modules));
	if (!d->modules)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u modules", t.count);
	for (uint32_t i = 0; i < t.count; i++) {
		size_t slot = 0;

		err = parse_module(d, n, i, p, end - p, &slot);
		if (err)
			return err;
		p += slot;
	}
	d->nmodules = t.count;
	return 0;
}

static const char *const mod_flag_names[] = { "unreadable", "no_build_id" };

static const struct ld_view_col cols[] = {
	{ "START", 0 }, { "END", 0 }, { "BIAS", 0 }, { "BUILD-ID", 0 }, { "PATH", 0 },
};

static void modules_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nmodules(d);
	char id[2 * LD_BUILD_ID_MAX + 1];

	(void)o;
	ld_view__table(v, "modules", "modules", n, LD_VIEW_OMIT_EMPTY, cols,
		       sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_module *m = ld_dump__module(d, i);

		ld_view__row(v);
		ld_view__hexw(v, "start", "", m->start, 16);
		ld_view__hexw(v, "end", "", m->end, 16);
		ld_view__hexw(v, "bias", "", m->bias, 16);
		/* Text: the build-id, or why there is none. */
		if (m->build_id_len)
			ld_view__str(v, "build_id", "", ld_build_id_hex(m->build_id,
						m->build_id_len, id, sizeof(id)));
		else
			ld_view__null(v, "build_id", NULL);
		ld_view__flags(v, "flags", m->build_id_len ? NULL : "", m->flags, mod_flag_names,
			       sizeof(mod_flag_names) / sizeof(mod_flag_names[0]));
		ld_view__str(v, "path", "", m->path);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

const struct ld_note_ops ld_note_modules = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_MODULES,
	.name = "LD_NT_MODULES",
	.flags = 0,
	.parse = parse_modules,
	.show = modules_show,
};
