// SPDX-License-Identifier: MIT
/*
 * LD_NT_HEADER: who, what and when (struct ld_note_header).  Its section
 * in inspect opens with the file itself: path, size, format, compression.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_header(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_note_header *h = &d->hdr;
	int err = ld_rd_once(d, n, S_HEADER);

	/* Format 1.2 and older end before the detector field. */
	if (!err)
		err = ld_rd_need(d, n, offsetof(struct ld_note_header, detector));
	if (err)
		return err;
	memset(h, 0, sizeof(*h));
	memcpy(h, n->desc, n->descsz < sizeof(*h) ? n->descsz : sizeof(*h));
	if (h->magic != LD_HEADER_MAGIC)
		return ld_rd_note_fail(d, n, "magic 0x%08x, expected 0x%08x", h->magic,
				 LD_HEADER_MAGIC);
	if (h->format_major != LD_FORMAT_MAJOR)
		return ld_rd_fail(d, -ENOTSUP, "format version %u.%u is not supported (this "
			    "reader knows %u.x)", h->format_major, h->format_minor,
			    LD_FORMAT_MAJOR);
	if (h->size < offsetof(struct ld_note_header, detector) || h->size > n->descsz)
		return ld_rd_note_fail(d, n, "size field %u, expected %zu..%u", h->size,
				 offsetof(struct ld_note_header, detector), n->descsz);
	if (h->size < sizeof(*h))
		h->detector = 0;
	h->rule[sizeof(h->rule) - 1] = 0;
	h->comm[sizeof(h->comm) - 1] = 0;
	h->hostname[sizeof(h->hostname) - 1] = 0;
	h->kernel_release[sizeof(h->kernel_release) - 1] = 0;
	h->collector_version[sizeof(h->collector_version) - 1] = 0;
	h->exe[sizeof(h->exe) - 1] = 0;
	d->has_hdr = true;
	return 0;
}

static const char *const hdr_flag_names[] = {
	"size_limit", "unreadable", "no_registry", "cut", "hidden_taken", NULL, NULL, NULL,
	"snapshot", "snapshot_fallback", "no_environ",
};

static void show_file(const struct ld_dump *d, struct ld_view *v, const struct ld_note_header *h)
{
	uint64_t disk;
	const char *z = ld_dump__compression(d, &disk);

	ld_view__line(v, "file");
	ld_view__str(v, "file", "", ld_dump__path(d));
	ld_view__text(v, " (");
	ld_view__uint(v, "file_size", "", ld_dump__file_size(d));
	ld_view__text(v, " bytes)");
	ld_view__line_end(v);
	if (h) {
		ld_view__object(v, "format");
		ld_view__line(v, "format");
		ld_view__uint(v, "major", "", h->format_major);
		ld_view__text(v, ".");
		ld_view__uint(v, "minor", "", h->format_minor);
		ld_view__line_end(v);
		ld_view__object_end(v);
	} else {
		ld_view__null(v, "format", NULL);
	}
	if (!z) {
		ld_view__null(v, "compression", NULL);
		return;
	}
	/* inspect shows the plain core inside a compressed dump, and says so */
	ld_view__object(v, "compression");
	ld_view__line(v, "compressed");
	ld_view__str(v, "format", "", z);
	ld_view__text(v, ", ");
	ld_view__uint(v, "disk_size", "", disk);
	ld_view__text(v, " bytes on disk (%.1f%%)",
		      ld_dump__file_size(d) ? 100.0 * disk / ld_dump__file_size(d) : 0.0);
	ld_view__line_end(v);
	ld_view__object_end(v);
}

static void header_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_note_header *h = ld_dump__header(d);

	(void)o;
	show_file(d, v, h);
	if (!h) {
		ld_view__null(v, "header", "header:     missing (the dump was cut before it)");
		return;
	}
	ld_view__object(v, "header");
	ld_view__str(v, "capture_type", "capture", ld_dump__capture_type_name(h->capture_type));
	ld_view__line(v, "issue");
	ld_view__str(v, "issue_type", "", ld_dump__issue_name(d));
	ld_view__qstr(v, "rule", "rule", h->rule, sizeof(h->rule));
	ld_view__uint(v, "code", NULL, h->code);
	ld_view__printf(v, "code_hex", "code", "0x%x", h->code);
	ld_view__line_end(v);
	ld_view__line(v, "params");
	ld_view__array(v, "params");
	for (int i = 0; i < 4; i++) {
		if (i)
			ld_view__text(v, " ");
		ld_view__hex(v, "", "", h->params[i]);
	}
	ld_view__array_end(v);
	ld_view__line_end(v);
	ld_view__line(v, "process");
	ld_view__uint(v, "pid", "pid", h->pid);
	ld_view__uint(v, "tid", "tid", h->tid);
	ld_view__qstr(v, "comm", "comm", h->comm, sizeof(h->comm));
	ld_view__uint(v, "nthreads", "threads", h->nthreads);
	ld_view__line_end(v);
	ld_view__strn(v, "exe", "exe", h->exe, sizeof(h->exe));
	ld_view__time(v, "issue_time", "issue time", h->issue_time_ns);
	ld_view__line(v, "captured");
	ld_view__time(v, "capture_start", "", h->capture_start_ns);
	ld_view__text(v, " .. ");
	ld_view__time(v, "capture_end", "", h->capture_end_ns);
	ld_view__line_end(v);
	ld_view__ns_ms(v, "pause_ns", "pause", h->pause_ns);
	ld_view__line(v, "host");
	ld_view__strn(v, "hostname", "", h->hostname, sizeof(h->hostname));
	ld_view__strn(v, "kernel", "kernel", h->kernel_release, sizeof(h->kernel_release));
	ld_view__strn(v, "collector_version", "collector", h->collector_version,
		      sizeof(h->collector_version));
	ld_view__line_end(v);
	ld_view__flags(v, "flags", "flags", h->flags, hdr_flag_names,
		       sizeof(hdr_flag_names) / sizeof(hdr_flag_names[0]));
	ld_view__uint(v, "size", NULL, h->size);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_header = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_HEADER,
	.name = "LD_NT_HEADER",
	.flags = 0,
	.parse = parse_header,
	.show = header_show,
};
