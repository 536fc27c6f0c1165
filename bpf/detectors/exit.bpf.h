/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The exit detector: the last thread of a watched process exits (status or
 * signal, run and CPU time, peak RSS).  ld_exit in livedump.bpf.c calls it.
 * Included once, by livedump.bpf.c; its collector side is
 * src/detectors/exit.c.
 */
#ifndef LIVEDUMP_DET_EXIT_BPF_H
#define LIVEDUMP_DET_EXIT_BPF_H

#include "rules.bpf.h"
#include "history.bpf.h"

/* mm_struct.rss_stat since 6.2: one percpu_counter per MM_* counter. */
struct mm_struct___pcpu_rss {
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

/* The peak RSS in KiB of @mm: its high-water mark, or what it holds now if higher. */
static __always_inline __u64 ld_mm_peak_kb(struct mm_struct *mm)
{
	struct mm_struct___pcpu_rss *pm = (void *)mm;
	__u64 hiwater, rss = 0;

	hiwater = BPF_CORE_READ(mm, hiwater_rss);
	if (bpf_core_field_exists(pm->rss_stat)) {
		/* MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES; MM_SWAPENTS is not resident. */
		__s64 f = BPF_CORE_READ(pm, rss_stat[0].count);
		__s64 a = BPF_CORE_READ(pm, rss_stat[1].count);
		__s64 sh = BPF_CORE_READ(pm, rss_stat[3].count);

		rss = (f > 0 ? f : 0) + (a > 0 ? a : 0) + (sh > 0 ? sh : 0);
	}
	return (hiwater > rss ? hiwater : rss) * 4;	/* pages of 4 KiB on x86-64 */
}

/*
 * tgid -> its peak RSS in KiB as it called exit_group(): kernels before
 * 6.15 run the exit tracepoint after exit_mm(), when the mm is gone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LD_MAX_WATCHED);
	__type(key, __u32);
	__type(value, __u64);
} exit_peaks SEC(".maps");

/* Attached with exit rules: exit_group() is rare, and its own tracepoint costs no other call. */
SEC("tracepoint/syscalls/sys_enter_exit_group")
int ld_exit_group(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;
	__u32 tgid = task->tgid;
	__u64 kb;

	if (!mm || !ld_current_watched())
		return 0;
	kb = ld_mm_peak_kb(mm);
	bpf_map_update_elem(&exit_peaks, &tgid, &kb, BPF_ANY);
	return 0;
}

/*
 * Peak RSS in KiB of @task's own memory.  signal->maxrss, what getrusage()
 * says, keeps the largest of every mm the process had: after a fork and
 * exec that is the parent's, so a program the collector started would
 * report the collector's.  The mm itself has been this program's since its
 * exec.  Where the exit tracepoint comes after exit_mm() (before 6.15),
 * its exit_group() said it (ld_exit_group); a process killed by a signal
 * has only maxrss.
 */
static __always_inline __u64 ld_peak_rss_kb(struct task_struct *task, struct signal_struct *sig)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u64 *kb;

	if (mm)
		return ld_mm_peak_kb(mm);
	kb = bpf_map_lookup_elem(&exit_peaks, &tgid);
	if (kb) {
		__u64 v = *kb;

		bpf_map_delete_elem(&exit_peaks, &tgid);
		return v;
	}
	return BPF_CORE_READ(sig, maxrss) * 4;
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
	e = ld_event_reserve(LD_DET_EXIT, sizeof(*e));
	if (!e)
		return;
	ld_event_init(&e->hdr, LD_DET_EXIT, sizeof(*e), m.now);
	ld_event_rule(&e->hdr, &m);
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

#endif /* LIVEDUMP_DET_EXIT_BPF_H */
