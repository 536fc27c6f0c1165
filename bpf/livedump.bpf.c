// SPDX-License-Identifier: GPL-2.0 OR MIT
/* livedump's detectors: the application trigger and process tracking. */
#include "rules.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/*
 * Attached by the collector to livedump__fire() in the client library or
 * in a statically linked executable.
 */
SEC("uprobe")
int BPF_KPROBE(ld_app_fire, struct ld_trigger_req *ureq)
{
	struct ld_match m = {};
	struct ld_trigger_req req;
	struct ld_app_trigger *e;
	__u32 n;

	if (!ld_current_watched())
		return 0;
	if (bpf_probe_read_user(&req, sizeof(req), ureq))
		return 0;
	m.code = req.code;
	m.param = req.param;
	if (!ld_rules_match(LD_DET_APP, &m))
		return 0;	/* no rule wants it: nothing leaves the kernel */

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;	/* ring full: the call returns 0, nothing frozen */
	ld_event_init(&e->hdr, LD_EV_APP_TRIGGER, sizeof(*e), m.now);
	e->hdr.rule = m.rule;
	e->hdr.verdict = m.verdict;
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

	if (m.verdict == LD_VERDICT_DUMP && (m.flags & LD_BR_MEMORY))
		ld_freeze_current(&e->hdr);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Children of a watched process are watched from their first instruction. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(ld_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u32 one = 1;

	if (ptgid == ctgid || !bpf_map_lookup_elem(&watched_pids, &ptgid))
		return 0;
	bpf_map_update_elem(&watched_pids, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ld_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;	/* other threads still run */
	bpf_map_delete_elem(&watched_pids, &tgid);
	bpf_map_delete_elem(&frozen, &tgid);
	return 0;
}
