// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * livedump's BPF object: every detector's programs (bpf/detectors/, one
 * file each), the flight recorder (history.bpf.h), and what they all rely
 * on: which processes are watched (fork, exec, exit, the iterator) and
 * when a frozen one really stopped.
 */
#include "rules.bpf.h"
#include "history.bpf.h"
#include "stages.bpf.h"
#include "detectors/app.bpf.h"
#include "detectors/syscall.bpf.h"
#include "detectors/block.bpf.h"
#include "detectors/probe.bpf.h"
#include "detectors/signal.bpf.h"
#include "detectors/exit.bpf.h"
#include "detectors/oom.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* ---- watched processes ---- */

/*
 * Children of a watched process are watched from their first instruction;
 * new threads of a watched process, and such children, get the mark.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(ld_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u32 one = 1;

	if (ptgid != ctgid && bpf_map_lookup_elem(&watched_pids, &ptgid))
		bpf_map_update_elem(&watched_pids, &ctgid, &one, BPF_ANY);
	if (!watch_all && ld_task_watched_slow(child))
		ld_task_mark(child);
	return 0;
}

/* A process that starts running a watched executable. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(ld_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!watch_all && nwatched_exes && ld_task_watched_slow(task))
		ld_task_mark(task);
	/*
	 * Its identity, fresh: kernels before 6.15 run the exit tracepoint
	 * after exit_mm(), when the exe and argv are no longer there to read.
	 */
	if (ld_task_watched(task))
		ld_ident_save(task, bpf_ktime_get_ns(), true);
	return 0;
}

/* Run by the collector each time it names pids or executables to watch. */
SEC("iter/task")
int ld_watch_sync(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task && !watch_all && ld_task_watched_slow(task))
		ld_task_mark(task);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ld_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid, tid = task->pid;

	bpf_map_delete_elem(&pending_issues, &tid);
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;	/* other threads still run */
	if (ld_current_watched())
		ld_exit_detect(task);
	bpf_map_delete_elem(&watched_pids, &tgid);
	if (bpf_map_delete_elem(&frozen, &tgid) == 0) {
		__sync_fetch_and_sub(&inflight, 1);	/* died before we released it */
		if (wake_at_stop)
			ld_ring_wake();	/* its record may wait for a stop that never came */
	}
	return 0;
}

/*
 * The instant the thread BPF froze really stops: our SIGSTOP is delivered
 * on its way back to user space and do_signal_stop() follows at once.
 * The trigger latency is measured up to here; when the collector notices
 * is a different, later figure (LD_NT_CAPTURE has both).  Always attached:
 * signal deliveries are rare enough to cost nothing.  Once the stamp is
 * taken (the thread runs no user code from here on) it saves the process's
 * identity and wakes the collector for the freeze's record, which an app
 * trigger leaves to the stop (ld_event_submit).
 */
SEC("tp_btf/signal_deliver")
int BPF_PROG(ld_stopped, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ld_stop_time st, *old;
	__u64 *at, now;

	if (sig != LD_SIGSTOP)
		return 0;
	now = bpf_ktime_get_ns();	/* the delivery, not our lookups after it */
	at = bpf_map_lookup_elem(&frozen, &tgid);
	if (!at)
		return 0;
	old = bpf_map_lookup_elem(&stop_times, &tgid);
	if (old && old->frozen_at == *at)
		return 0;	/* another thread of the same group stop */
	st.frozen_at = *at;
	st.stopped_at = now;
	bpf_map_update_elem(&stop_times, &tgid, &st, BPF_ANY);
	ld_stage_at(st.frozen_at, LD_STG_STOPPED, now, true);
	/*
	 * The identity as of the issue: no user code ran since.  An app
	 * trigger leaves it to here; other detectors saved it already, with
	 * their record (and then it is the same).
	 */
	ld_ident_save(bpf_get_current_task_btf(), st.frozen_at, true);
	ld_stage_at(st.frozen_at, LD_STG_IDENT, bpf_ktime_get_ns(), false);
	/* Its record did not wake the collector (ld_event_submit): the stop does. */
	if (wake_at_stop)
		ld_ring_wake();
	return 0;
}
