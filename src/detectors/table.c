// SPDX-License-Identifier: MIT
/*
 * The detector table: one entry per name in LD_DETECTORS(), each defined
 * in its own file.  The list and the table cannot disagree: both come from
 * the one macro, and a listed detector without its file does not link.
 */
#include <stdlib.h>
#include <string.h>
#include "detectors/detector.h"

#define DECLARE(id, name)	extern const struct ld_detector_ops ld_det_##name;
LD_DETECTORS(DECLARE)
#undef DECLARE

#define ENTRY(id, name)		[LD_DET_##id] = &ld_det_##name,
const struct ld_detector_ops *const ld_detectors[LD_DET__COUNT] = {
	LD_DETECTORS(ENTRY)
};
#undef ENTRY

/* The numbers are in dump files since format 1.0: appending is the only change allowed. */
_Static_assert(LD_DET_APP == 1 && LD_DET_SYSCALL == 2 && LD_DET_BLOCK == 3 &&
	       LD_DET_UPROBE == 4 && LD_DET_KRETPROBE == 8 && LD_DET_SIGNAL == 9 &&
	       LD_DET_EXIT == 12 && LD_DET_OOM == 13 && LD_DET_THRESHOLD == 14,
	       "detector numbers are part of the dump format");

const struct ld_detector_ops *ld_detector_get(uint32_t id)
{
	return id < LD_DET__COUNT ? ld_detectors[id] : NULL;
}

const struct ld_detector_ops *ld_detector_by_name(const char *name)
{
	const struct ld_detector_ops *d;

	ld_for_each_detector(d, id)
		if (!d->no_rules && !strcmp(d->name, name))
			return d;
	return NULL;
}

enum ld_detector ld_detector_id(const struct ld_detector_ops *d)
{
	for (uint32_t id = 1; id < LD_DET__COUNT; id++)
		if (ld_detectors[id] == d)
			return id;
	return LD_DET_NONE;
}

const char *ld_detector_name(uint32_t id)
{
	const struct ld_detector_ops *d = ld_detector_get(id);

	return d ? d->name : "unknown";
}

const struct ld_detector_ops *ld_detector_legacy(uint32_t issue_type, const void *rec, size_t len)
{
	const struct ld_detector_ops *d;

	ld_for_each_detector(d, id)
		if (d->legacy_issue == issue_type && (!d->legacy_match || d->legacy_match(rec, len)))
			return d;
	return NULL;
}

const struct ld_detector_ops *ld_detector_of_event(uint32_t event, bool legacy)
{
	const struct ld_detector_ops *d;

	if (!legacy)
		return ld_detector_get(event);
	ld_for_each_detector(d, id)
		if (d->legacy_event == event)
			return d;
	return NULL;
}

void ld_issue_decode(const struct ld_detector_ops *d, const struct ld_issue_src *src,
		     struct ld_fields *f)
{
	ld_fields__init(f, d ? d->name : NULL);
	if (!d) {
		ld_fields__summary(f, "an issue of a detector this livedump does not know");
		return;
	}
	if (d->record_size && src->rec && src->len < d->record_size && !src->legacy) {
		ld_fields__summary(f, "%s record of %zu bytes, shorter than its %zu", d->name,
				   src->len, d->record_size);
		return;
	}
	if (src->rec) {
		/*
		 * Detectors read their record as its struct: they get an aligned
		 * copy (a dump's notes are only 4-byte aligned), zero-filled up to
		 * the struct's size (a legacy record may be shorter; len says so).
		 */
		size_t size = src->len > d->record_size ? src->len : d->record_size;
		struct ld_issue_src copy = *src;
		void *rec = calloc(1, size ? size : 1);

		if (!rec) {
			ld_fields__summary(f, "%s record of %zu bytes: out of memory", d->name,
					   src->len);
			return;
		}
		memcpy(rec, src->rec, src->len);
		copy.rec = rec;
		d->decode(&copy, f);
		free(rec);
	} else {
		d->decode(src, f);
	}
	if (!f->summary[0])
		ld_fields__summary(f, "%s", d->name);
}

int ld_issue_from_record(const struct ld_detector_ops *d, const struct ld_issue_ctx *x,
			 struct ld_issue *is)
{
	struct ld_issue_src src;

	memset(is, 0, offsetof(struct ld_issue, fields));
	is->det = d;
	is->rec = x->hdr;
	is->len = x->hdr->size;
	/* Kernel objects follow the record proper: the trigger note keeps the record only. */
	if (x->hdr->flags & LD_EVF_KOBJ && d->record_size && x->hdr->size > d->record_size) {
		is->kobj = (const unsigned char *)x->hdr + d->record_size;
		is->kobj_len = x->hdr->size - d->record_size;
		is->len = d->record_size;
	}
	d->issue(x, is);
	src = (struct ld_issue_src){
		.rec = is->rec, .len = is->len, .text = is->text, .text_len = strlen(is->text),
		.code = is->code,
	};
	memcpy(src.params, is->params, sizeof(src.params));
	ld_issue_decode(d, &src, &is->fields);
	return 0;
}
