/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The trigger path's stage stamps, for the benchmark only (kabi/records.h
 * LD_STAGES, docs/performance.md): the app detector's program stamps its
 * stages into a per-CPU buffer and files them by issue in the stages map;
 * the SIGSTOP's delivery and the collector's wake-up add theirs.  The
 * loader sets bench_stages only under LIVEDUMP_BENCH_STAGES: otherwise the
 * verifier prunes every stamp (a read-only false) and the two programs
 * here are not loaded.
 */
#ifndef LIVEDUMP_STAGES_BPF_H
#define LIVEDUMP_STAGES_BPF_H

#include "common.bpf.h"

const volatile bool bench_stages = false;

/* issue (ld_event_hdr.ktime_ns) -> its stages; the collector deletes them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ld_stages);
} stages SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ld_stages);
} stage_buf SEC(".maps");

/* The issue whose record was submitted last: the collector's wake-up is for it. */
__u64 stage_issue = 0;

/* The buffer for a program's stages, its entry stamped; NULL when not benchmarking. */
static __always_inline struct ld_stages *ld_stages_begin(void)
{
	struct ld_stages *s;
	__u32 zero = 0;

	if (!bench_stages)
		return NULL;
	s = bpf_map_lookup_elem(&stage_buf, &zero);
	if (s) {
		__builtin_memset(s, 0, sizeof(*s));
		s->t[LD_STG_ENTRY] = bpf_ktime_get_ns();
	}
	return s;
}

static __always_inline void ld_stage(struct ld_stages *s, __u32 stage)
{
	if (s && stage < LD_STG__COUNT)
		s->t[stage] = bpf_ktime_get_ns();
}

/*
 * Files the stages under @issue before the record goes (the collector may
 * be woken, and stamped, before the submit returns); ld_stage_submitted()
 * then stamps the submit itself.
 */
static __always_inline void ld_stages_file(struct ld_stages *s, __u64 issue)
{
	if (!s)
		return;
	bpf_map_update_elem(&stages, &issue, s, BPF_ANY);
	stage_issue = issue;
}

/* Stamps @stage of @issue at @t (ktime); @first: unless it has a stamp. */
static __always_inline void ld_stage_at(__u64 issue, __u32 stage, __u64 t, bool first)
{
	struct ld_stages *s;

	if (!bench_stages || stage >= LD_STG__COUNT)
		return;
	s = bpf_map_lookup_elem(&stages, &issue);
	if (s && (!first || !s->t[stage]))
		s->t[stage] = t;
}

static __always_inline void ld_stage_submitted(struct ld_stages *s, __u64 issue)
{
	if (s)
		ld_stage_at(issue, LD_STG_SUBMIT, bpf_ktime_get_ns(), false);
}

/* The collector's thread that polls the ring (its main thread) is woken ... */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(ld_stage_woken, struct task_struct *p)
{
	if (p->pid == collector_tgid && stage_issue)
		ld_stage_at(stage_issue, LD_STG_WOKEN, bpf_ktime_get_ns(), true);
	return 0;
}

/* ... and runs. */
SEC("tp_btf/sched_switch")
int BPF_PROG(ld_stage_runs, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (next->pid == collector_tgid && stage_issue)
		ld_stage_at(stage_issue, LD_STG_RUNS, bpf_ktime_get_ns(), true);
	return 0;
}

#endif /* LIVEDUMP_STAGES_BPF_H */
