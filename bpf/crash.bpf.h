/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Detectors for process failures seen by the kernel: signals at delivery,
 * exits, OOM kills.  (abort and assert are uprobes on libc: see the probe
 * programs in livedump.bpf.c.)
 */
#ifndef LIVEDUMP_CRASH_BPF_H
#define LIVEDUMP_CRASH_BPF_H

#include "rules.bpf.h"

#define LD_SIG_DFL	0
#define LD_SIG_IGN	1
#define LD_SIGSTOP_NR	19

/* Signals whose default action ends the process (with or without a core). */
static __always_inline bool sig_kills_by_default(int sig)
{
	switch (sig) {
	case 17: case 18: case 19: case 20: case 21: case 22: case 23: case 28:
		return false;	/* CHLD CONT STOP TSTP TTIN TTOU URG WINCH */
	default:
		return sig > 0;
	}
}

/*
 * signal_deliver runs in the receiving task, just before its handler (or
 * the default action) runs: a handled signal can be frozen right there.  A
 * fatal one cannot — the kill follows at once — so it is reported as
 * context (the crash path through core_pattern is not built yet).
 */
SEC("tp_btf/signal_deliver")
int BPF_PROG(ld_sig_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct ld_signal_event *e;
	struct ld_match m = {};
	__u64 handler;

	if (sig == LD_SIGSTOP_NR || !ld_current_watched())
		return 0;	/* our own freezes must not feed themselves */
	m.code = sig;
	if (!ld_rules_match(LD_DET_SIGNAL, &m))
		return 0;
	e = ld_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	ld_event_init(&e->hdr, LD_DET_SIGNAL, sizeof(*e), m.now);
	e->hdr.rule = m.rule;
	e->hdr.verdict = m.verdict;
	handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
	e->sig = sig;
	e->code = BPF_CORE_READ(info, si_code);
	e->err = BPF_CORE_READ(info, si_errno);
	/* si_code > 0: sent by the kernel, where the union holds the fault address. */
	if (e->code > 0 && (sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11)) {
		e->addr = (__u64)BPF_CORE_READ(info, _sifields._sigfault._addr);
		e->sender = 0;
	} else {
		e->addr = 0;
		e->sender = BPF_CORE_READ(info, _sifields._kill._pid);
	}
	e->handler = handler;
	e->fatal = handler == LD_SIG_DFL && sig_kills_by_default(sig);
	e->pad = 0;
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs),
			      (void *)bpf_task_pt_regs(bpf_get_current_task_btf()));
	ld_history_issue(ctx, &e->hdr, m.code, m.param);
	if (m.verdict == LD_VERDICT_DUMP && (m.flags & LD_BR_MEMORY) && !e->fatal)
		ld_freeze_current(&e->hdr);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * The instant the thread BPF froze really stops: our SIGSTOP is delivered
 * on its way back to user space and do_signal_stop() follows at once.
 * The trigger latency is measured up to here; when the collector notices
 * is a different, later figure (LD_NT_CAPTURE has both).  Always attached:
 * signal deliveries are rare enough to cost nothing.
 */
SEC("tp_btf/signal_deliver")
int BPF_PROG(ld_stopped, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ld_stop_time st, *old;
	__u64 *at;

	if (sig != LD_SIGSTOP_NR)
		return 0;
	at = bpf_map_lookup_elem(&frozen, &tgid);
	if (!at)
		return 0;
	old = bpf_map_lookup_elem(&stop_times, &tgid);
	if (old && old->frozen_at == *at)
		return 0;	/* another thread of the same group stop */
	st.frozen_at = *at;
	st.stopped_at = bpf_ktime_get_ns();
	bpf_map_update_elem(&stop_times, &tgid, &st, BPF_ANY);
	return 0;
}

/* mm_struct.rss_stat since 6.2: one percpu_counter per MM_* counter. */
struct mm_struct___pcpu_rss {
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

/*
 * Peak RSS in KiB of @task's own memory.  signal->maxrss, what getrusage()
 * says, keeps the largest of every mm the process had: after a fork and
 * exec that is the parent's, so a program the collector started would
 * report the collector's.  The mm itself has been this program's since its
 * exec: its high-water mark, or what it holds now if higher (the mark is
 * brought up to date only when memory is unmapped).  Kernels that run the
 * exit tracepoint after exit_mm() (before 6.15) have no mm here: maxrss is
 * all there is.
 */
static __always_inline __u64 ld_peak_rss_kb(struct task_struct *task, struct signal_struct *sig)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct mm_struct___pcpu_rss *pm = (void *)mm;
	__u64 hiwater, rss = 0;

	if (!mm)
		return BPF_CORE_READ(sig, maxrss) * 4;	/* pages of 4 KiB on x86-64 */
	hiwater = BPF_CORE_READ(mm, hiwater_rss);
	if (bpf_core_field_exists(pm->rss_stat)) {
		/* MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES; MM_SWAPENTS is not resident. */
		__s64 f = BPF_CORE_READ(pm, rss_stat[0].count);
		__s64 a = BPF_CORE_READ(pm, rss_stat[1].count);
		__s64 sh = BPF_CORE_READ(pm, rss_stat[3].count);

		rss = (f > 0 ? f : 0) + (a > 0 ? a : 0) + (sh > 0 ? sh : 0);
	}
	return (hiwater > rss ? hiwater : rss) * 4;
}

/* Called by the exit tracepoint for the last thread of a watched process. */
static __always_inline void ld_exit_detect(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;
	struct ld_exit_event *e;
	struct ld_match m = {};
	int code = task->exit_code;
	__u32 status, signo;

	/* SIGNAL_GROUP_EXIT: the code the whole group exits with. */
	if (BPF_CORE_READ(sig, flags) & 0x00000004)
		code = BPF_CORE_READ(sig, group_exit_code);
	status = (code >> 8) & 0xff;
	signo = code & 0x7f;
	m.code = status;
	m.param = signo;
	m.ret = status || signo ? -1 : 0;	/* "failed", for rules without status/signal */
	if (!ld_rules_match(LD_DET_EXIT, &m))
		return;
	e = ld_event_reserve(sizeof(*e));
	if (!e)
		return;
	ld_event_init(&e->hdr, LD_DET_EXIT, sizeof(*e), m.now);
	e->hdr.rule = m.rule;
	e->hdr.verdict = m.verdict;
	e->status = status;
	e->sig = signo;
	e->core = (code & 0x80) != 0;
	e->pad = 0;
	e->runtime_ns = m.now - task->start_time;
	e->cpu_ns = BPF_CORE_READ(sig, utime) + BPF_CORE_READ(sig, stime) + task->utime +
		    task->stime;
	e->maxrss_kb = ld_peak_rss_kb(task, sig);
	ld_history_issue(NULL, &e->hdr, m.code, m.param);	/* no stack: it is exiting */
	bpf_ringbuf_submit(e, 0);
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
	struct ld_oom_event *e;
	struct ld_match m = {};
	struct mm_struct *mm;
	__u32 pid;

	if (bpf_core_field_exists(struct trace_event_raw_mark_victim, total_vm)) {
		victim = (struct task_struct *)ctx->args[0];
		pid = BPF_CORE_READ(victim, tgid);
	} else {
		pid = (__u32)ctx->args[0];
	}
	/*
	 * Rules judge the victim where we know it, else the task that hit the
	 * limit; cgroup filters always see the latter, whose limit it was.
	 */
	ld_identity_current(&m);
	m.preset = true;
	for (__u32 l = 0; l < LD_CG_LEVELS; l++)
		m.cg[l] = bpf_get_current_ancestor_cgroup_id(l);
	if (victim) {
		m.tgid = pid;
		m.uid = BPF_CORE_READ(victim, cred, uid.val);
		BPF_CORE_READ_STR_INTO(&m.comm, victim, comm);
		ld_task_exe_key(victim, &m.exe);
	}
	if (!ld_rules_match(LD_DET_OOM, &m))
		return 0;
	e = ld_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	ld_event_init(&e->hdr, LD_DET_OOM, sizeof(*e), m.now);
	e->hdr.pid = pid;
	e->hdr.tid = pid;
	__builtin_memcpy(e->hdr.comm, m.comm, sizeof(e->hdr.comm));
	e->hdr.rule = m.rule;
	e->hdr.verdict = m.verdict;
	e->total_vm_kb = e->anon_rss_kb = e->file_rss_kb = e->shmem_rss_kb = e->pgtables_kb = 0;
	e->oom_score_adj = 0;
	e->uid = m.uid;
	if (victim) {
		mm = BPF_CORE_READ(victim, mm);
		e->total_vm_kb = BPF_CORE_READ(mm, total_vm) * 4;
		e->oom_score_adj = BPF_CORE_READ(victim, signal, oom_score_adj);
	}
	if (victim)	/* its /proc goes with the kill: what its dump can say of it */
		ld_ident_save(victim, m.now, false);
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->trigger_pid = bpf_get_current_pid_tgid() >> 32;
	e->pad = 0;
	ld_history_issue(ctx, &e->hdr, m.code, m.param);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* LIVEDUMP_CRASH_BPF_H */
