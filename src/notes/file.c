// SPDX-License-Identifier: MIT
/*
 * NT_FILE: the mapped files, as the kernel's cores list them for gdb.  Its
 * section also shows the memory the dump holds (the PT_LOAD segments).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

/*
 * NT_FILE: count and page size, count (start, end, offset in pages)
 * triples, then count NUL-terminated names.
 */
static int parse_file(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc, *names, *end = p + n->descsz;
	uint64_t count, page, v[3];
	int err = ld_rd_once(d, n, S_FILE);

	if (!err)
		err = ld_rd_need(d, n, 16);
	if (err)
		return err;
	memcpy(&count, p, 8);
	memcpy(&page, p + 8, 8);
	if (count > (n->descsz - 16) / 24)
		return ld_rd_note_fail(d, n, "%llu entries do not fit in %u bytes",
				 (unsigned long long)count, n->descsz);
	d->files = calloc(count ? count : 1, sizeof(*d->files));
	if (!d->files)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %llu mapped files",
			    (unsigned long long)count);
	names = p + 16 + count * 24;
	for (uint64_t i = 0; i < count; i++) {
		struct ld_dump_file *f = &d->files[i];
		const unsigned char *nul;

		memcpy(v, p + 16 + i * 24, sizeof(v));
		nul = memchr(names, 0, end - names);
		if (!nul)
			return ld_rd_note_fail(d, n, "the name of entry %llu is missing or not "
					 "terminated", (unsigned long long)i);
		if (v[0] > v[1])
			return ld_rd_note_fail(d, n, "entry %llu ends (0x%llx) before it starts "
					 "(0x%llx)", (unsigned long long)i,
					 (unsigned long long)v[1], (unsigned long long)v[0]);
		if (__builtin_mul_overflow(v[2], page, &f->offset))
			return ld_rd_note_fail(d, n, "entry %llu: offset %llu pages of %llu bytes "
					 "overflows", (unsigned long long)i,
					 (unsigned long long)v[2], (unsigned long long)page);
		f->start = v[0];
		f->end = v[1];
		f->name = (const char *)names;
		names = nul + 1;
	}
	d->nfiles = count;
	return 0;
}

static const char *prot_str(uint32_t prot, char buf[4])
{
	buf[0] = prot & 4 ? 'r' : '-';	/* PF_R */
	buf[1] = prot & 2 ? 'w' : '-';	/* PF_W */
	buf[2] = prot & 1 ? 'x' : '-';	/* PF_X */
	buf[3] = 0;
	return buf;
}

static void file_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	uint64_t sum = 0;
	char prot[4];

	(void)o;
	ld_view__gap(v);
	ld_view__uint(v, NULL, "mapped files", ld_dump__nfiles(d));
	ld_view__array(v, "files");
	for (size_t i = 0; i < ld_dump__nfiles(d); i++) {
		const struct ld_dump_file *f = ld_dump__file(d, i);

		ld_view__object(v, NULL);
		ld_view__hex(v, "start", NULL, f->start);
		ld_view__hex(v, "end", NULL, f->end);
		ld_view__uint(v, "offset", NULL, f->offset);
		ld_view__str(v, "name", NULL, f->name);
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
	ld_view__array(v, "segments");
	for (size_t i = 0; i < ld_dump__nsegments(d); i++) {
		const struct ld_dump_segment *s = ld_dump__segment(d, i);

		sum += s->filesz;
		ld_view__object(v, NULL);
		ld_view__hex(v, "vaddr", NULL, s->vaddr);
		ld_view__uint(v, "memsz", NULL, s->memsz);
		ld_view__uint(v, "offset", NULL, s->offset);
		ld_view__uint(v, "filesz", NULL, s->filesz);
		ld_view__uint(v, "avail", NULL, s->avail);
		ld_view__str(v, "prot", NULL, prot_str(s->prot, prot));
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
	ld_view__line(v, "memory");
	ld_view__uint(v, NULL, "", ld_dump__nsegments(d));
	ld_view__text(v, " segments, ");
	ld_view__uint(v, "memory_bytes", "", sum);
	ld_view__text(v, " bytes");
	ld_view__line_end(v);
}

const struct ld_note_ops ld_note_file = {
	.owner = "CORE",
	.type = NT_FILE,
	.name = "NT_FILE",
	.flags = 0,
	.parse = parse_file,
	.show = file_show,
};
