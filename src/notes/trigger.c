// SPDX-License-Identifier: MIT
/*
 * LD_NT_TRIGGER: the detector's record (src/kabi/records.h), byte for
 * byte.  Its section is the issue as the detector decodes it (every dump
 * explains itself: detectors/fields.h), then the app trigger's own
 * record when it is one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"
#include "detectors/fields.h"
#include "base/escape.h"

static int parse_trigger(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_event_hdr eh;
	int err = ld_rd_once(d, n, S_TRIGGER);

	if (err)
		return err;
	d->trigger = n->desc;
	d->trigger_len = n->descsz;
	if (n->descsz < sizeof(eh))
		return 0;
	memcpy(&eh, n->desc, sizeof(eh));
	if (eh.type != LD_DET_APP ||
	    n->descsz < offsetof(struct ld_app_trigger, blobs))
		return 0;
	memcpy(&d->app, n->desc, n->descsz < sizeof(d->app) ? n->descsz : sizeof(d->app));
	if (d->app.req.nblobs > LD_MAX_BLOBS)
		d->app.req.nblobs = LD_MAX_BLOBS;
	d->app.hdr.comm[LD_COMM_LEN - 1] = 0;
	d->has_app = true;
	return 0;
}

/* The issue as its detector decodes it. */
static void show_issue(const struct ld_dump *d, struct ld_view *v)
{
	struct ld_fields *f = malloc(sizeof(*f));
	char line[LD_ESC_SIZE(LD_SUMMARY_MAX)];

	if (!f || ld_dump__decode(d, f)) {
		ld_view__null(v, "issue", NULL);
		free(f);
		return;
	}
	/* The fields have their renderers, shared with script, list and the journal. */
	if (ld_view__is_json(v)) {
		ld_view__object(v, "issue");
		ld_fields__json(f, ld_view__json(v));
		ld_view__object_end(v);
	} else {
		FILE *out = ld_view__file(v);

		fprintf(out, "\n%s issue: %s\n", f->detector,
			ld_escape(f->summary, line, sizeof(line)));
		ld_fields__print(f, out, "    ");
	}
	free(f);
}

static void show_app(struct ld_view *v, const struct ld_app_trigger *t)
{
	ld_view__str(v, "type", NULL, "app_trigger");
	ld_view__gap(v);
	ld_view__line(v, "trigger");
	ld_view__printf(v, NULL, "", "app trigger");
	ld_view__uint(v, "pid", NULL, t->hdr.pid);
	ld_view__uint(v, "code", NULL, t->req.code);
	ld_view__printf(v, "code_hex", "code", "0x%x", t->req.code);
	ld_view__hex(v, "param", "param", t->req.param);
	ld_view__uint(v, "nblobs", "nblobs", t->req.nblobs);
	ld_view__line_end(v);
	ld_view__line(v, "");
	ld_view__hex(v, "ip", "ip", t->regs.ip);
	ld_view__hex(v, "sp", "sp", t->regs.sp);
	ld_view__uint(v, "cpu", "cpu", t->hdr.cpu);
	ld_view__uint(v, "tid", "tid", t->hdr.tid);
	ld_view__bool(v, "frozen", NULL, t->hdr.flags & LD_EVF_FROZEN);
	if (t->hdr.flags & LD_EVF_FROZEN)
		ld_view__printf(v, NULL, "", "frozen by BPF");
	ld_view__line_end(v);
	ld_view__strn(v, "comm", NULL, t->hdr.comm, sizeof(t->hdr.comm));
	ld_view__u64s(v, "ktime_ns", NULL, t->hdr.ktime_ns);
	ld_view__hex(v, "req_addr", NULL, t->req_addr);
	ld_view__array(v, "blobs");
	for (unsigned i = 0; i < t->req.nblobs; i++) {
		ld_view__object(v, NULL);
		ld_view__hex(v, "tag_addr", NULL, t->blobs[i].tag);
		ld_view__hex(v, "data_addr", NULL, t->blobs[i].data);
		ld_view__uint(v, "len", NULL, t->blobs[i].len);
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
}

static void trigger_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_app_trigger *t = ld_dump__app_trigger(d);
	size_t len;
	const void *raw = ld_dump__trigger(d, &len);

	show_issue(d, v);
	if (!raw) {
		ld_view__null(v, "trigger", NULL);
		return;
	}
	ld_view__object(v, "trigger");
	ld_view__uint(v, "len", NULL, len);
	if (t)
		show_app(v, t);
	else
		ld_view__str(v, "type", NULL, "unknown");	/* decoded in "issue" */
	if (o->data)
		ld_view__hexbytes(v, "data_hex", raw, len);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_trigger = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_TRIGGER,
	.name = "LD_NT_TRIGGER",
	.flags = 0,
	.parse = parse_trigger,
	.show = trigger_show,
};
