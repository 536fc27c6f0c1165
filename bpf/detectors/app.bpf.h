/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The app detector: livedump_trigger() in the application, through the
 * uprobe on livedump__fire() in the client library.
 * Included once, by livedump.bpf.c; its collector side is
 * src/detectors/app.c.
 */
#ifndef LIVEDUMP_DET_APP_BPF_H
#define LIVEDUMP_DET_APP_BPF_H

#include "rules.bpf.h"
#include "history.bpf.h"
#include "stages.bpf.h"

/*
 * Attached by the collector to livedump__fire() in the client library or
 * in a statically linked executable.
 */
SEC("uprobe")
int BPF_KPROBE(ld_app_fire, struct ld_trigger_req *ureq)
{
	struct ld_stages *st = ld_stages_begin();
	struct ld_match m = {};
	struct ld_trigger_req req;
	struct ld_app_trigger *e;
	bool at_stop = false;
	__u32 n, tgid;

	if (!ld_current_watched())
		return 0;
	if (bpf_probe_read_user(&req, sizeof(req), ureq))
		return 0;
	m.code = req.code;
	m.param = req.param;
	if (!ld_rules_match(LD_DET_APP, &m))
		return 0;	/* no rule wants it: nothing leaves the kernel */
	ld_stage(st, LD_STG_MATCHED);

	e = ld_event_reserve(LD_DET_APP, sizeof(*e));
	if (!e)
		return 0;	/* ring full: the call returns 0, nothing frozen */
	ld_stage(st, LD_STG_RESERVED);
	ld_event_init_hdr(&e->hdr, LD_DET_APP, sizeof(*e), m.now);
	ld_event_rule(&e->hdr, &m);
	e->hdr.verdict = m.verdict;
	ld_history_issue_user(&e->hdr, m.code, m.param);
	ld_stage(st, LD_STG_HISTORY);
	e->req_addr = (__u64)ureq;
	e->req = req;
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs), ctx);

	n = e->req.nblobs;
	if (n > LD_MAX_BLOBS)
		n = LD_MAX_BLOBS;
	if (n && bpf_probe_read_user(e->blobs, n * sizeof(e->blobs[0]),
				     (void *)e->req.blobs))
		n = 0;
	e->req.nblobs = n;
	ld_stage(st, LD_STG_COPIED);

	if (m.verdict == LD_VERDICT_DUMP && (m.flags & LD_BR_MEMORY))
		at_stop = ld_freeze_current(&e->hdr);
	ld_stage(st, LD_STG_SIGNAL);
	/*
	 * The process's identity can wait for the stop: this thread runs no
	 * user code before it, and ld_stopped saves it there, before it
	 * wakes the collector.  Everything here delays the stop.
	 */
	if (!at_stop) {
		ld_ident_save(bpf_get_current_task_btf(), m.now, true);
		ld_stage(st, LD_STG_IDENT);
	}
	ld_stages_file(st, m.now);
	tgid = e->hdr.pid;
	ld_event_submit(e, at_stop, tgid, m.now);
	ld_stage_submitted(st, m.now);
	return 0;
}

#endif /* LIVEDUMP_DET_APP_BPF_H */
