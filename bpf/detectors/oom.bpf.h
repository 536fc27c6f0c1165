/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The oom detector: the OOM killer picks a watched process as its victim.
 * Included once, by livedump.bpf.c; its collector side is
 * src/detectors/oom.c.
 */
#ifndef LIVEDUMP_DET_OOM_BPF_H
#define LIVEDUMP_DET_OOM_BPF_H

#include "rules.bpf.h"
#include "history.bpf.h"
#include "kobj.bpf.h"

/* 6.18: mm_struct 1472 bytes, mem_cgroup 2176 (both grow with NR_CPUS and config). */
#define OOM_KO_MM_CAP		2048
#define OOM_KO_MEMCG_CAP	4096
#define OOM_KO_OC_CAP		256	/* struct oom_control: 80 bytes on 6.1 */
#define OOM_KO_OC		0
#define OOM_KO_MM		(OOM_KO_OC + OOM_KO_OC_CAP)
#define OOM_KO_MEMCG		(OOM_KO_MM + OOM_KO_MM_CAP)

struct ld_oom_kobj_event {
	struct ld_oom_event e;		/* record_size bytes: the set follows */
	struct ld_kobj_set set;
	__u8 data[OOM_KO_MM_CAP + OOM_KO_MEMCG_CAP + OOM_KO_OC_CAP];
};

/*
 * Before 6.2 (f1a7941243c1 "mm: convert mm's rss stats into
 * percpu_counter") the rss counters were atomics in struct mm_rss_stat.
 */
struct mm_rss_stat___ld_old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___ld_old {
	struct mm_rss_stat___ld_old rss_stat;
} __attribute__((preserve_access_index));

/*
 * The victim's rss counters in KiB, as the kernel's own mark_victim
 * tracepoint reports them (get_mm_counter(): since 6.2 a percpu_counter's
 * count, without the CPUs' deltas not yet folded in).
 */
static __always_inline void oom_rss(struct ld_oom_event *e, struct mm_struct *mm)
{
	__s64 pages[4] = {};

	if (!mm)
		return;
	if (bpf_core_type_exists(struct mm_rss_stat___ld_old)) {
		struct mm_struct___ld_old *o = (void *)mm;

		pages[MM_FILEPAGES] = BPF_CORE_READ(o, rss_stat.count[MM_FILEPAGES].counter);
		pages[MM_ANONPAGES] = BPF_CORE_READ(o, rss_stat.count[MM_ANONPAGES].counter);
		pages[MM_SHMEMPAGES] = BPF_CORE_READ(o, rss_stat.count[MM_SHMEMPAGES].counter);
	} else {
		pages[MM_FILEPAGES] = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count);
		pages[MM_ANONPAGES] = BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count);
		pages[MM_SHMEMPAGES] = BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count);
	}
	/* a percpu_counter's count can be below zero for a while */
	e->file_rss_kb = pages[MM_FILEPAGES] > 0 ? pages[MM_FILEPAGES] * 4 : 0;
	e->anon_rss_kb = pages[MM_ANONPAGES] > 0 ? pages[MM_ANONPAGES] * 4 : 0;
	e->shmem_rss_kb = pages[MM_SHMEMPAGES] > 0 ? pages[MM_SHMEMPAGES] * 4 : 0;
	e->pgtables_kb = (__u64)BPF_CORE_READ(mm, pgtables_bytes.counter) / 1024;
}

/*
 * The oom_control of the OOM kill each task is making, by thread id:
 * oom_kill_process(oc, message) is where mark_victim is called from, and
 * no tracepoint carries oc.  Set and cleared by a kprobe and kretprobe on
 * it where the kernel has kprobes (src/detectors/oom.c), so mark_victim
 * reads the struct while it is alive on the killer's stack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} oom_ctl SEC(".maps");

SEC("kprobe/oom_kill_process")
int ld_oom_kill(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 oc = PT_REGS_PARM1(ctx);

	bpf_map_update_elem(&oom_ctl, &tid, &oc, BPF_ANY);
	return 0;
}

SEC("kretprobe/oom_kill_process")
int ld_oom_kill_ret(struct pt_regs *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&oom_ctl, &tid);
	return 0;
}

/*
 * The memory cgroup of @task: its memory css, which is a struct
 * mem_cgroup's first member (css).  NULL without the controller.
 */
static __always_inline struct mem_cgroup *ld_task_memcg(struct task_struct *task)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	int subsys = ld_cgc_subsys(LD_CGC_MEMORY);
	unsigned long addr;

	if (!cset || subsys < 0 || subsys >= 64)
		return NULL;
	addr = (unsigned long)cset + bpf_core_field_offset(struct css_set, subsys) +
	       (unsigned long)subsys * sizeof(css);
	if (bpf_probe_read_kernel(&css, sizeof(css), (const void *)addr) || !css)
		return NULL;
	return (struct mem_cgroup *)((unsigned long)css - bpf_core_field_offset(struct mem_cgroup, css));
}

/*
 * The memcg of the task that hit the limit: the cgroup its memory css is
 * in, in the v2 hierarchy or (v1, hybrid hosts) the memory controller's
 * own, told by the hierarchy's id (0 for v2, as /proc/PID/cgroup says).
 */
static __always_inline void ld_oom_memcg(struct ld_oom_event *e)
{
	struct cgroup *cgrp = ld_task_css_cgroup(bpf_get_current_task_btf(),
						 ld_cgc_subsys(LD_CGC_MEMORY));

	e->cgroup_id = cgrp ? BPF_CORE_READ(cgrp, kn, id) : 0;
	e->cgroup_hier = cgrp ? BPF_CORE_READ(cgrp, root, hierarchy_id) : 0;
	if (!cgrp)	/* a kernel without the memory controller */
		e->cgroup_id = bpf_get_current_cgroup_id();
}

/*
 * The oom_control (slot 0, where the kprobe saw it), the victim's mm
 * (slot 1: oc->chosen->mm where the victim is the chosen task) and the
 * memcg whose limit was hit (slot 2: oc->memcg), followed from the
 * oom_control's copy; without it, or for a global OOM (no oc->memcg),
 * the mm from the victim and the memcg of the task that hit the limit.
 */
static __always_inline void oom_kobjs(struct ld_oom_kobj_event *k, struct oom_control *oc,
				      struct task_struct *victim)
{
	struct ld_kobj_set *set = &k->set;
	__u32 ocl = LD_KOBJ_LEN(struct oom_control, OOM_KO_OC_CAP);
	bool have_oc, chosen = false;

	ld_kobj_init(set, sizeof(k->data));
	have_oc = LD_KOBJ_PUT(set, k->data, 0, OOM_KO_OC, OOM_KO_OC_CAP, oc, struct oom_control,
			      LD_KOBJ_OOM_CONTROL);
	if (have_oc && victim && BPF_CORE_READ(oc, chosen) == victim)
		chosen = LD_KOBJ_FOLLOW(set, k->data, 1, OOM_KO_MM, OOM_KO_MM_CAP, 0, OOM_KO_OC, ocl,
					bpf_core_field_offset(oc->chosen),
					bpf_core_field_offset(victim->mm), struct mm_struct, LD_KOBJ_MM);
	if (!chosen && victim)
		LD_KOBJ_PUT(set, k->data, 1, OOM_KO_MM, OOM_KO_MM_CAP, BPF_CORE_READ(victim, mm),
			    struct mm_struct, LD_KOBJ_MM);
	if (!have_oc || !LD_KOBJ_FOLLOW(set, k->data, 2, OOM_KO_MEMCG, OOM_KO_MEMCG_CAP, 0,
					OOM_KO_OC, ocl, bpf_core_field_offset(oc->memcg), LD_KOBJ_NO_HOP,
					struct mem_cgroup, LD_KOBJ_MEMCG))
		LD_KOBJ_PUT(set, k->data, 2, OOM_KO_MEMCG, OOM_KO_MEMCG_CAP,
			    ld_task_memcg(bpf_get_current_task_btf()), struct mem_cgroup,
			    LD_KOBJ_MEMCG);
}

/*
 * oom/mark_victim: a raw tracepoint, because its arguments changed: 6.1
 * passes the victim's pid, newer kernels the task (with the memory figures
 * the trace event prints) — told apart by the trace event's fields (CO-RE).
 */
SEC("raw_tp/mark_victim")
int ld_oom(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *victim = NULL;
	struct ld_oom_kobj_event *k = NULL;
	struct ld_oom_event *e;
	struct ld_match m = {};
	struct oom_control *oc = NULL;
	struct mm_struct *mm;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *ocp = bpf_map_lookup_elem(&oom_ctl, &tid);
	__u32 pid;

	if (ocp)
		oc = (struct oom_control *)*ocp;
	if (bpf_core_field_exists(struct trace_event_raw_mark_victim, total_vm)) {
		victim = (struct task_struct *)ctx->args[0];
		pid = BPF_CORE_READ(victim, tgid);
	} else {
		/* 6.1: a pid; the task is oom_kill_process's choice, where we saw it. */
		struct task_struct *chosen = oc ? BPF_CORE_READ(oc, chosen) : NULL;

		pid = (__u32)ctx->args[0];
		if (chosen && BPF_CORE_READ(chosen, pid) == pid) {
			victim = chosen;
			pid = BPF_CORE_READ(chosen, tgid);
		}
	}
	/*
	 * Rules judge the victim where we know it, else the task that hit the
	 * limit; cgroup filters always see the latter (current: m.cg_preset
	 * stays false), whose limit it was.
	 */
	ld_identity_current(&m);
	m.preset = true;
	if (victim) {
		m.tgid = pid;
		m.uid = BPF_CORE_READ(victim, cred, uid.val);
		BPF_CORE_READ_STR_INTO(&m.comm, victim, comm);
		ld_task_exe_key(victim, &m.exe);
	}
	if (!ld_rules_match(LD_DET_OOM, &m))
		return 0;
	/*
	 * The victim's mm and the memcg whose limit was hit, where the victim
	 * is known (6.1: through the oom_control), and the oom_control.
	 */
	if ((victim || oc) && m.verdict == LD_VERDICT_DUMP) {
		k = ld_event_reserve(LD_DET_OOM, sizeof(*k));
		e = k ? &k->e : NULL;
	} else {
		e = ld_event_reserve(LD_DET_OOM, sizeof(*e));
	}
	if (!e)
		return 0;
	ld_event_init(&e->hdr, LD_DET_OOM, k ? sizeof(*k) : sizeof(*e), m.now);
	if (k) {
		e->hdr.flags |= LD_EVF_KOBJ;
		oom_kobjs(k, oc, victim);
	}
	e->hdr.pid = pid;
	e->hdr.tid = pid;
	__builtin_memcpy(e->hdr.comm, m.comm, sizeof(e->hdr.comm));
	ld_event_rule(&e->hdr, &m);
	e->hdr.verdict = m.verdict;
	e->total_vm_kb = e->anon_rss_kb = e->file_rss_kb = e->shmem_rss_kb = e->pgtables_kb = 0;
	e->oom_score_adj = 0;
	e->uid = m.uid;
	if (victim) {
		mm = BPF_CORE_READ(victim, mm);
		e->total_vm_kb = BPF_CORE_READ(mm, total_vm) * 4;
		oom_rss(e, mm);
		e->oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	}
	if (victim)	/* its /proc goes with the kill: what its dump can say of it */
		ld_ident_save(victim, m.now, false);
	ld_oom_memcg(e);
	e->trigger_pid = bpf_get_current_pid_tgid() >> 32;
	ld_history_issue(ctx, &e->hdr, m.code, m.param);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* LIVEDUMP_DET_OOM_BPF_H */
