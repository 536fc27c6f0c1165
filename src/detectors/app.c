// SPDX-License-Identifier: MIT
/*
 * The app detector: livedump_trigger() in a watched process.  The client
 * library calls livedump__fire(), where the collector's uprobe (attached
 * to every watched executable's copy of the library, cmd_record.c) reads
 * the request; the thread waits in the call until the collector answers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "capture/targetmem.h"
#include "detectors/detector.h"
#include "rules/keys.h"
#include "rules/rulecomp.h"

static const struct ld_rule_key keys[] = {
	{ .name = "code", .cmp = true, .hex = true, LD_KEY_LIST(p.app.codes, p.app.ncodes),
	  .max = UINT32_MAX, .elem = ld_key_elem_range, .fmt = ld_key_fmt_range },
	{ .name = "param", .cmp = true, LD_KEY_LIST(p.app.params, p.app.nparams),
	  .max = UINT64_MAX, .elem = ld_key_elem_range, .fmt = ld_key_fmt_range },
};
LD_KEYS_FIT(keys);

static void compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	ld_bpf_ranges(out->codes, &out->ncodes, r->p.app.codes, r->p.app.ncodes);
	ld_bpf_ranges(out->params, &out->nparams, r->p.app.params, r->p.app.nparams);
}

/* The blobs' tags are strings in the process, which waits in the trigger. */
static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_app_trigger *e = (const void *)x->hdr;
	unsigned n = e->req.nblobs < LD_MAX_BLOBS ? e->req.nblobs : LD_MAX_BLOBS;
	size_t off = 0;

	is->code = e->req.code;
	is->params[0] = e->req.param;
	is->req_addr = e->req_addr;
	is->req = &e->req;
	is->blobs = e->blobs;
	is->nblobs = e->req.nblobs;
	is->regs = &e->regs;
	for (unsigned i = 0; i < n; i++) {
		char tag[64] = "?";

		if (e->blobs[i].tag)
			ld_mem_read_str(x->hdr->pid, e->blobs[i].tag, tag, sizeof(tag));
		tag[strcspn(tag, ",\n")] = 0;
		off += snprintf(is->text + off, off < sizeof(is->text) ? sizeof(is->text) - off : 0,
				"%s%s", i ? "," : "blob_tags=", tag);
	}
	if (n && off < sizeof(is->text) - 1)
		snprintf(is->text + off, sizeof(is->text) - off, "\n");
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	const struct ld_app_trigger *e = src->rec;
	uint32_t code = src->code;
	uint64_t param = src->params[0];
	unsigned nblobs = 0;
	char tags[512];

	if (e && src->len >= sizeof(*e)) {
		code = e->req.code;
		param = e->req.param;
		nblobs = e->req.nblobs;
	}
	ld_fields__hex(f, "code", code);
	ld_fields__hex(f, "param", param);
	ld_fields__u64(f, "blobs", nblobs);
	if (ld_issue_text_get(src->text, src->text_len, "blob_tags", tags, sizeof(tags)))
		ld_fields__str(f, "blob_tags", "%s", tags);
	ld_fields__summary(f, "livedump_trigger() code 0x%x param 0x%" PRIx64 ", %u blob%s", code,
			   param, nblobs, nblobs == 1 ? "" : "s");
}

const struct ld_detector_ops ld_det_app = {
	.name = "app",
	.doc = "livedump_trigger() is called in a watched process",
	.needs_clients = true,
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_MINI,
	.compile = compile,
	.record_size = sizeof(struct ld_app_trigger),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_APP,
	.legacy_event = 1,
};
