/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The flight recorder (docs/flight-recorder.md): per watched process, its
 * most recent events in a ring kept in BPF, frozen at an issue; and the
 * kernel stacks of the issue.
 *
 * Cost model.  Every hook starts with one load of task->bpf_storage: NULL
 * for a task without BPF task storage, i.e. every task that is not
 * watched (if another tool gave it storage, bpf_task_storage_get() without
 * the create flag decides).  No helper call, no hash lookup, nothing
 * written.  A watched task's storage holds its ring id and its syscall in
 * flight; recording is an atomic add on the ring head and a 160-byte
 * slot write into an array map (no user-space wake-up: the collector
 * reads the ring only when it dumps the process).  bench/history measures
 * it: docs/flight-recorder.md.
 *
 * Who has a ring.  Rings (hist_rings + hist_slots) are taken from the
 * queue hist_free and given to a process when it becomes watched:
 *  - at fork, when the parent has one (threads share their process's);
 *  - at exec, when the new image is watched (watched_pids, watched_exes);
 *  - by the iterator ld_hist_sync, which the collector runs after it
 *    adds pids or executables to watch (processes already running).
 * The ring goes back to the queue when the process's task is freed, or,
 * if an issue froze it, when the collector has read it.
 *
 * Detectors call ld_history_issue() where they fill their record: it
 * saves the kernel stack of the issue's context, records the issue in the
 * process's ring and, when the rule's verdict is a dump, freezes the ring.
 * Threads asleep at that instant leave their kernel stack as they wake
 * for the stop (sched_switch, before they leave the sleeping call).
 */
#ifndef LIVEDUMP_HISTORY_BPF_H
#define LIVEDUMP_HISTORY_BPF_H

#include "common.bpf.h"
#include "kabi/history.h"

/* Set by the loader before load. */
const volatile bool hist_on = false;
const volatile __u32 hist_depth = LD_HIST_DEFAULT_DEPTH;	/* a power of two */

/* Rings that no process holds (ring ids); filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1);		/* the loader sets the number of rings */
	__type(value, __u32);
} hist_free SEC(".maps");

/* Ring id -> its control block.  The collector maps it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* rings */
	__type(key, __u32);
	__type(value, struct ld_hist_ring);
} hist_rings SEC(".maps");

/* Ring id * depth + position % depth -> event.  The collector maps it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);		/* rings * depth */
	__type(key, __u32);
	__type(value, struct ld_hist_ev);
} hist_slots SEC(".maps");

/* tgid -> ring id, for the collector and for events seen from other tasks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LD_MAX_WATCHED);
	__type(key, __u32);
	__type(value, __u32);
} hist_procs SEC(".maps");

/* Per watched thread. */
struct ld_hist_task {
	__u32 ring;
	__u32 tgid;
	/* the syscall in flight (sys_ts 0: none) */
	__u64 sys_ts;
	__u64 sys_args[6];
	__s32 sys_nr;
	__u16 str_flags;
	__u16 str_arg;
	char str[LD_HIST_STR];
	/* the last time it left a CPU, and its switch event (position + 1, 0 none) */
	__u64 sw_ktime;
	__u64 sw_pos;
	__u32 sw_state;
	__u32 pad;
	/* the issue (frozen_ktime) whose wake-up stack it already left */
	__u64 stack_for;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ld_hist_task);
} hist_tasks SEC(".maps");

/* (tgid, tid) -> the kernel stack saved for the latest issue. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ld_kstack_key);
	__type(value, struct ld_kstack);
} hist_kstacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ld_kstack);
} hist_kstack_buf SEC(".maps");

/* A block request a watched process issued -> its event. */
struct ld_hist_rq {
	__u32 ring;
	__u32 pad;
	__u64 pos;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct ld_hist_rq);
} hist_rqs SEC(".maps");

/*
 * bio -> the ring and thread of the recorded process that submitted it.
 * A request may be issued from a worker (6.1 issues loop requests from
 * kblockd): its event still goes into the submitter's history.  LRU: a
 * bio merged into another request is never issued on its own.
 */
struct ld_hist_bio {
	__u32 ring;
	__u32 tid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ld_hist_bio);
} hist_bios SEC(".maps");

/* Diagnostics the collector can read from .bss. */
__u64 hist_no_ring = 0;		/* watched processes that found the pool empty */

/* ---- the ring ----------------------------------------------------------- */

static __always_inline struct ld_hist_ring *ld_hist_ring(__u32 id)
{
	return bpf_map_lookup_elem(&hist_rings, &id);
}

/*
 * A slot for one event of ring @id at @now, its type, thread and time set,
 * or NULL when the ring is frozen (counted as dropped).  A freeze nobody
 * released for LD_HIST_FREEZE_TIMEOUT_NS ends by itself.  The caller fills
 * the rest and calls ld_hist_commit().
 */
static __always_inline struct ld_hist_ev *ld_hist_reserve(__u32 id, __u64 now, __u32 type,
							  __u32 tid, __u64 *pos)
{
	struct ld_hist_ring *r = ld_hist_ring(id);
	struct ld_hist_ev *ev;
	__u32 idx;
	__u64 p;

	if (!r)
		return NULL;
	if (r->state) {
		if (r->state != LD_HRING_FROZEN ||
		    now - r->frozen_ktime < LD_HIST_FREEZE_TIMEOUT_NS) {
			__sync_fetch_and_add(&r->dropped, 1);
			return NULL;
		}
		__sync_fetch_and_and(&r->state, ~(__u64)LD_HRING_FROZEN);
	}
	p = __sync_fetch_and_add(&r->head, 1);
	idx = id * hist_depth + (__u32)(p & (hist_depth - 1));
	ev = bpf_map_lookup_elem(&hist_slots, &idx);
	if (!ev)
		return NULL;
	ev->seq = 0;		/* being written */
	ev->type = type;
	ev->tid = tid;
	ev->ktime_ns = now;
	ev->flags = 0;
	ev->cpu = bpf_get_smp_processor_id();
	ev->pad = 0;
	*pos = p;
	return ev;
}

static __always_inline void ld_hist_commit(struct ld_hist_ev *ev, __u64 pos)
{
	asm volatile("" ::: "memory");
	ev->seq = pos + 1;
}

/* The slot of ring @id at @pos if it still holds that event. */
static __always_inline struct ld_hist_ev *ld_hist_slot(__u32 id, __u64 pos)
{
	__u32 idx = id * hist_depth + (__u32)(pos & (hist_depth - 1));
	struct ld_hist_ev *ev = bpf_map_lookup_elem(&hist_slots, &idx);

	return ev && ev->seq == pos + 1 ? ev : NULL;
}

static __always_inline struct ld_hist_task *ld_hist_task(struct task_struct *task)
{
	/* Most tasks have no BPF storage at all: one load says so, no helper call. */
	if (!task->bpf_storage)
		return NULL;
	return bpf_task_storage_get(&hist_tasks, task, 0, 0);
}

/* Whether @task's process should have a ring (it is watched, and not us). */
static __always_inline bool ld_hist_wanted(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (tgid == collector_tgid || !BPF_CORE_READ(task, mm))
		return false;
	return bpf_map_lookup_elem(&watched_pids, &tgid) || ld_exe_watched(task);
}

/* Gives @tgid a ring from the pool; returns its id or -1. */
static __always_inline long ld_hist_new_ring(__u32 tgid)
{
	struct ld_hist_ring *r;
	__u32 id;

	if (bpf_map_pop_elem(&hist_free, &id)) {
		__sync_fetch_and_add(&hist_no_ring, 1);
		return -1;
	}
	r = ld_hist_ring(id);
	if (!r)
		return -1;
	r->head = 0;
	r->frozen_ktime = 0;
	r->frozen_head = 0;
	r->dropped = 0;
	r->frozen_dropped = 0;
	r->tgid = tgid;
	r->state = 0;
	__sync_fetch_and_add(&r->gen, 1);
	bpf_map_update_elem(&hist_procs, &tgid, &id, BPF_ANY);
	return id;
}

/* The storage of @task in ring @ring of @tgid. */
static __always_inline struct ld_hist_task *ld_hist_attach(struct task_struct *task, __u32 ring,
							   __u32 tgid)
{
	struct ld_hist_task *t = bpf_task_storage_get(&hist_tasks, task, 0,
						      BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!t)
		return NULL;
	t->ring = ring;
	t->tgid = tgid;
	t->sys_ts = 0;
	t->sw_pos = 0;
	t->sw_ktime = 0;
	t->stack_for = 0;
	return t;
}

/* Storage for @task, with its process's ring (a new one if it has none). */
static __always_inline struct ld_hist_task *ld_hist_adopt(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 *idp = bpf_map_lookup_elem(&hist_procs, &tgid);
	long id;

	if (idp) {
		struct ld_hist_ring *r = ld_hist_ring(*idp);

		/* A ring left frozen by a process that died keeps its data. */
		if (r && r->tgid == tgid && !(r->state & LD_HRING_DEAD))
			return ld_hist_attach(task, *idp, tgid);
	}
	id = ld_hist_new_ring(tgid);
	if (id < 0)
		return NULL;
	return ld_hist_attach(task, id, tgid);
}

static __always_inline void ld_hist_ring_free(__u32 id, struct ld_hist_ring *r)
{
	r->state = 0;
	r->tgid = 0;
	bpf_map_push_elem(&hist_free, &id, 0);
}

/* ---- kernel stacks -------------------------------------------------------- */

static __always_inline struct ld_kstack *ld_kstack_buf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&hist_kstack_buf, &zero);
}

/* ---- events ---------------------------------------------------------------- */

/* The argument of syscall @nr that is a path, or -1. */
static __always_inline int ld_hist_path_arg(long nr)
{
	switch (nr) {
	case 2:		/* open */
	case 4:		/* stat */
	case 6:		/* lstat */
	case 21:	/* access */
	case 59:	/* execve */
	case 76:	/* truncate */
	case 80:	/* chdir */
	case 82:	/* rename */
	case 83:	/* mkdir */
	case 84:	/* rmdir */
	case 85:	/* creat */
	case 86:	/* link */
	case 87:	/* unlink */
	case 88:	/* symlink */
	case 89:	/* readlink */
	case 90:	/* chmod */
	case 92:	/* chown */
	case 133:	/* mknod */
	case 161:	/* chroot */
		return 0;
	case 257:	/* openat */
	case 258:	/* mkdirat */
	case 262:	/* newfstatat */
	case 263:	/* unlinkat */
	case 264:	/* renameat */
	case 267:	/* readlinkat */
	case 268:	/* fchmodat */
	case 269:	/* faccessat */
	case 280:	/* utimensat */
	case 316:	/* renameat2 */
	case 322:	/* execveat */
	case 332:	/* statx */
	case 437:	/* openat2 */
	case 439:	/* faccessat2 */
		return 1;
	}
	return -1;
}

static __always_inline void ld_hist_put_sys(struct ld_hist_task *t, struct ld_hist_ev *ev,
					    __u32 tid, long ret, __u64 now)
{
	ev->type = LD_HEV_SYSCALL;
	ev->tid = tid;
	ev->ktime_ns = t->sys_ts;
	ev->flags = t->str_flags;
	ev->u.sys.nr = t->sys_nr;
	ev->u.sys.str_arg = t->str_arg;
	ev->u.sys.ret = ret;
	ev->u.sys.dur_ns = now - t->sys_ts;
	__builtin_memcpy(ev->u.sys.args, t->sys_args, sizeof(ev->u.sys.args));
	if (t->str_flags & LD_HEVF_STR)
		__builtin_memcpy(ev->u.sys.str, t->str, sizeof(ev->u.sys.str));
}

/*
 * The recorder's syscall hooks.  When the syscall detector is loaded, its
 * own sys_enter/sys_exit programs call them, so that each tracepoint runs
 * one program, not two: the cost of an unrelated process's syscall is per
 * program attached, far more than what the programs do.
 */
static __always_inline void ld_hist_on_sys_enter(struct task_struct *task, struct pt_regs *regs,
						 long id)
{
	struct ld_hist_task *t = ld_hist_task(task);
	int a;

	if (!t)
		return;
	t->sys_ts = bpf_ktime_get_ns();
	t->sys_nr = id;
	ld_syscall_args(t->sys_args, regs);
	t->str_flags = 0;
	t->str_arg = 0;
	a = ld_hist_path_arg(id);
	if (a >= 0 && a < 6) {
		long n = bpf_probe_read_user_str(t->str, sizeof(t->str), (void *)t->sys_args[a]);

		if (n > 0) {
			t->str_flags = LD_HEVF_STR | (n == sizeof(t->str) ? LD_HEVF_STR_CUT : 0);
			t->str_arg = a;
		}
	}
	if (id == 60 || id == 231) {	/* exit, exit_group: no sys_exit follows */
		struct ld_hist_ev *ev;
		__u64 pos;

		ev = ld_hist_reserve(t->ring, t->sys_ts, LD_HEV_SYSCALL, 0, &pos);
		if (ev) {
			ld_hist_put_sys(t, ev, (__u32)bpf_get_current_pid_tgid(), 0, t->sys_ts);
			ev->flags |= LD_HEVF_NORETURN;
			ld_hist_commit(ev, pos);
		}
		t->sys_ts = 0;
	}
}

static __always_inline void ld_hist_on_sys_exit(struct task_struct *task, long ret)
{
	struct ld_hist_task *t = ld_hist_task(task);
	struct ld_hist_ev *ev;
	__u64 now, pos;

	if (!t || !t->sys_ts)
		return;
	now = bpf_ktime_get_ns();
	ev = ld_hist_reserve(t->ring, now, LD_HEV_SYSCALL, 0, &pos);
	if (ev) {
		ld_hist_put_sys(t, ev, (__u32)bpf_get_current_pid_tgid(), ret, now);
		ld_hist_commit(ev, pos);
	}
	t->sys_ts = 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ld_hist_sys_enter, struct pt_regs *regs, long id)
{
	ld_hist_on_sys_enter(bpf_get_current_task_btf(), regs, id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ld_hist_sys_exit, struct pt_regs *regs, long ret)
{
	ld_hist_on_sys_exit(bpf_get_current_task_btf(), ret);
	return 0;
}

/* Saves the stack of @next, asleep when its process's ring was frozen. */
static __always_inline void ld_hist_wake_stack(struct ld_hist_task *n, struct task_struct *next)
{
	struct ld_hist_ring *r = ld_hist_ring(n->ring);
	struct ld_kstack_key key;
	struct ld_kstack *ks;
	long got;

	if (!r || !(r->state & LD_HRING_FROZEN) || n->stack_for == r->frozen_ktime ||
	    !n->sw_ktime || n->sw_ktime > r->frozen_ktime)
		return;
	n->stack_for = r->frozen_ktime;
	ks = ld_kstack_buf();
	if (!ks)
		return;
	got = bpf_get_task_stack(next, ks->ips, sizeof(ks->ips), 0);
	ks->nr = got > 0 ? got / sizeof(__u64) : 0;
	ks->ktime_ns = r->frozen_ktime;
	ks->source = LD_KSTACK_WAKE;
	ks->ctx_pid = n->tgid;
	ks->ctx_tid = next->pid;
	ks->state = n->sw_state;
	ks->syscall = n->sys_ts ? n->sys_nr : -1;
	key.tgid = n->tgid;
	key.tid = next->pid;
	key.source = LD_KSTACK_WAKE;
	key.pad = 0;
	bpf_map_update_elem(&hist_kstacks, &key, ks, BPF_ANY);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(ld_hist_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct ld_hist_task *t = ld_hist_task(prev), *n;
	struct ld_hist_ev *ev;
	__u64 now = 0, pos;

	if (t) {
		now = bpf_ktime_get_ns();
		t->sw_ktime = now;
		t->sw_state = prev_state;
		t->sw_pos = 0;
		ev = ld_hist_reserve(t->ring, now, LD_HEV_SWITCH, prev->pid, &pos);
		if (ev) {
			ev->flags = preempt ? LD_HEVF_PREEMPT : 0;
			ev->u.sw.state = prev_state;
			ev->u.sw.syscall = t->sys_ts ? t->sys_nr : -1;
			ev->u.sw.off_cpu_ns = 0;
			ev->u.sw.next_tid = next->pid;
			ev->u.sw.pad = 0;
			bpf_probe_read_kernel(ev->u.sw.next_comm, sizeof(ev->u.sw.next_comm),
					      next->comm);
			ld_hist_commit(ev, pos);
			t->sw_pos = pos + 1;
		}
	}
	n = ld_hist_task(next);
	if (n) {
		struct ld_hist_ring *r = ld_hist_ring(n->ring);

		if (!now)
			now = bpf_ktime_get_ns();

		/* Back on a CPU: how long it was off, unless the ring is frozen. */
		if (n->sw_pos && r && !r->state) {
			ev = ld_hist_slot(n->ring, n->sw_pos - 1);
			if (ev && ev->type == LD_HEV_SWITCH) {
				ev->u.sw.off_cpu_ns = now - ev->ktime_ns;
				ev->flags |= LD_HEVF_DONE;
			}
		}
		n->sw_pos = 0;
		ld_hist_wake_stack(n, next);
	}
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(ld_hist_sig_gen, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct ld_hist_task *t = ld_hist_task(task);
	struct ld_hist_ev *ev;
	__u64 id, now, pos;

	if (!t)
		return 0;
	now = bpf_ktime_get_ns();
	ev = ld_hist_reserve(t->ring, now, LD_HEV_SIGNAL_GEN, task->pid, &pos);
	if (!ev)
		return 0;
	id = bpf_get_current_pid_tgid();
	ev->flags = group ? LD_HEVF_GROUP : 0;
	__builtin_memset(&ev->u.sig, 0, sizeof(ev->u.sig));
	ev->u.sig.sig = sig;
	ev->u.sig.result = result;
	/* SEND_SIG_NOINFO (0) is a signal from a process, SEND_SIG_PRIV (1) from the kernel. */
	if ((unsigned long)info > 1) {
		ev->u.sig.code = BPF_CORE_READ(info, si_code);
		ev->u.sig.err = BPF_CORE_READ(info, si_errno);
		if (sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11)
			ev->u.sig.addr = (__u64)BPF_CORE_READ(info, _sifields._sigfault._addr);
	} else {
		ev->u.sig.code = info ? 0x80 : 0;	/* SI_KERNEL : SI_USER */
	}
	ev->u.sig.sender_pid = id >> 32;
	ev->u.sig.sender_tid = (__u32)id;
	bpf_get_current_comm(ev->u.sig.sender_comm, sizeof(ev->u.sig.sender_comm));
	ld_hist_commit(ev, pos);
	return 0;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(ld_hist_sig_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct ld_hist_task *t = ld_hist_task(bpf_get_current_task_btf());
	struct ld_hist_ev *ev;
	__u64 now, pos;

	if (!t)
		return 0;
	now = bpf_ktime_get_ns();
	ev = ld_hist_reserve(t->ring, now, LD_HEV_SIGNAL_DELIVER, (__u32)bpf_get_current_pid_tgid(),
			     &pos);
	if (!ev)
		return 0;
	__builtin_memset(&ev->u.sig, 0, sizeof(ev->u.sig));
	ev->u.sig.sig = sig;
	ev->u.sig.code = BPF_CORE_READ(info, si_code);
	ev->u.sig.err = BPF_CORE_READ(info, si_errno);
	if (sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11)
		ev->u.sig.addr = (__u64)BPF_CORE_READ(info, _sifields._sigfault._addr);
	ev->u.sig.handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
	ev->u.sig.sa_flags = BPF_CORE_READ(ka, sa.sa_flags);
	ld_hist_commit(ev, pos);
	return 0;
}

SEC("tp_btf/block_bio_queue")
int BPF_PROG(ld_hist_blk_bio, struct bio *bio)
{
	struct ld_hist_task *t = ld_hist_task(bpf_get_current_task_btf());
	struct ld_hist_bio hb;
	__u64 key = (__u64)bio;

	if (!t)
		return 0;
	hb.ring = t->ring;
	hb.tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&hist_bios, &key, &hb, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(ld_hist_blk_issue, struct request *rq)
{
	struct ld_hist_task *t = ld_hist_task(bpf_get_current_task_btf());
	__u64 now, pos, key = (__u64)rq, bio = (__u64)BPF_CORE_READ(rq, bio);
	struct ld_hist_bio *hb = bpf_map_lookup_elem(&hist_bios, &bio);
	struct ld_hist_rq hr = {};
	struct ld_hist_ev *ev;
	__u32 ring, tid;

	/* The submitter's history, also when a worker issues the request. */
	if (hb) {
		ring = hb->ring;
		tid = hb->tid;
		bpf_map_delete_elem(&hist_bios, &bio);
	} else if (t) {
		ring = t->ring;
		tid = (__u32)bpf_get_current_pid_tgid();
	} else {
		return 0;
	}
	now = bpf_ktime_get_ns();
	ev = ld_hist_reserve(ring, now, LD_HEV_BLOCK, tid, &pos);
	if (!ev)
		return 0;
	__builtin_memset(&ev->u.blk, 0, sizeof(ev->u.blk));
	ev->u.blk.dev = BPF_CORE_READ(rq, part, bd_dev);
	ev->u.blk.op = BPF_CORE_READ(rq, cmd_flags) & 0xff;	/* REQ_OP_MASK */
	ev->u.blk.sector = BPF_CORE_READ(rq, __sector);
	ev->u.blk.bytes = BPF_CORE_READ(rq, __data_len);
	ld_hist_commit(ev, pos);
	hr.ring = ring;
	hr.pos = pos;
	hr.ts = now;
	bpf_map_update_elem(&hist_rqs, &key, &hr, BPF_ANY);
	return 0;
}

/*
 * The request's event in its issuer's history gets its completion.  Called
 * by the block detector before it freezes the history at a failed or slow
 * request (that completion is the issue: the frozen history shows it
 * done, not in flight), and by the recorder's own completion program for
 * the others, which a frozen ring no longer takes.
 */
static __always_inline void ld_hist_blk_done(struct request *rq, blk_status_t status)
{
	__u64 key = (__u64)rq;
	struct ld_hist_rq *hr = bpf_map_lookup_elem(&hist_rqs, &key);
	struct ld_hist_ring *r;
	struct ld_hist_ev *ev;

	if (!hr)
		return;
	r = ld_hist_ring(hr->ring);
	ev = r && !r->state ? ld_hist_slot(hr->ring, hr->pos) : NULL;
	if (ev && ev->type == LD_HEV_BLOCK) {
		ev->u.blk.latency_ns = bpf_ktime_get_ns() - hr->ts;
		ev->u.blk.error = status;	/* blk_status_t; user space maps it to an errno */
		ev->flags |= LD_HEVF_DONE;
	}
	bpf_map_delete_elem(&hist_rqs, &key);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(ld_hist_blk_complete, struct request *rq, blk_status_t status, unsigned int nr_bytes)
{
	ld_hist_blk_done(rq, status);
	return 0;
}

/*
 * Under --all no process is watched beforehand, so none has a ring: one
 * that submits block I/O gets its ring then, and the history of a block
 * issue shows its requests and the calls around them from its first I/O on.
 */
static __always_inline void ld_hist_blk_submitter(struct task_struct *task)
{
	if (hist_on && watch_all && !ld_hist_task(task) && BPF_CORE_READ(task, mm) &&
	    BPF_CORE_READ(task, tgid) != collector_tgid)
		ld_hist_adopt(task);
}

/* ---- who has a ring ----------------------------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ld_hist_fork, struct task_struct *parent, struct task_struct *child)
{
	struct ld_hist_task *pt = ld_hist_task(parent);
	__u32 ctgid = child->tgid;
	long id;

	if (!pt)
		return 0;
	if (ctgid == pt->tgid) {	/* a thread */
		ld_hist_attach(child, pt->ring, ctgid);
		return 0;
	}
	id = ld_hist_new_ring(ctgid);
	if (id >= 0)
		ld_hist_attach(child, id, ctgid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ld_hist_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ld_hist_task *t = ld_hist_task(task);
	struct ld_hist_ev *ev;
	__u64 now, pos;

	if (!t) {
		if (!ld_hist_wanted(task))
			return 0;
		t = ld_hist_adopt(task);
		if (!t)
			return 0;
	}
	now = bpf_ktime_get_ns();
	ev = ld_hist_reserve(t->ring, now, LD_HEV_EXEC, task->pid, &pos);
	if (!ev)
		return 0;
	__builtin_memset(&ev->u.exec, 0, sizeof(ev->u.exec));
	ev->u.exec.old_tid = old_pid;
	bpf_get_current_comm(ev->u.exec.comm, sizeof(ev->u.exec.comm));
	ld_hist_commit(ev, pos);
	return 0;
}

/*
 * The process is gone when its leader's task is freed (after its parent
 * reaped it).  A frozen ring stays with its data until the collector has
 * read it (the collector then frees it).
 */
SEC("tp_btf/sched_process_free")
int BPF_PROG(ld_hist_free, struct task_struct *task)
{
	__u32 tgid = task->tgid, *idp, id;
	struct ld_hist_ring *r;
	__u64 old;

	if (task->pid != tgid)
		return 0;
	idp = bpf_map_lookup_elem(&hist_procs, &tgid);
	if (!idp)
		return 0;
	id = *idp;
	r = ld_hist_ring(id);
	if (!r || r->tgid != tgid)
		return 0;
	old = __sync_fetch_and_or(&r->state, LD_HRING_DEAD);
	if (old & LD_HRING_DEAD)
		return 0;
	if (!(old & LD_HRING_FROZEN)) {
		bpf_map_delete_elem(&hist_procs, &tgid);
		ld_hist_ring_free(id, r);
	}
	return 0;
}

/*
 * Run by the collector (a task iterator) after it named pids or
 * executables to watch: every task of a watched process gets its storage,
 * and the process a ring.
 */
SEC("iter/task")
int ld_hist_sync(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task || ld_hist_task(task))
		return 0;
	if (!ld_hist_wanted(task))
		return 0;
	ld_hist_adopt(task);
	return 0;
}

/* ---- for detectors ------------------------------------------------------------- */

/*
 * Called by a detector once its record is filled (rule and verdict set):
 * saves the kernel stack of the context the issue was seen in (the
 * triggering thread's; for a block completion, the completion's), records
 * the issue in the process's history and, when the verdict is a dump,
 * freezes the history at this instant.  @ctx is the program's context
 * (what bpf_get_stack() takes), or NULL when the caller has none.
 */
static __always_inline void ld_history_issue_at(void *ctx, bool user, struct ld_event_hdr *hdr,
						__u64 code, __u64 param)
{
	struct ld_hist_ring *r;
	struct ld_hist_ev *ev;
	struct ld_kstack *ks;
	__u32 tgid = hdr->pid, *idp;
	bool dump = hdr->verdict == LD_VERDICT_DUMP;
	__u64 pos, id;

	if (!hist_on)
		return;
	/* fentry/fexit detectors have no pt_regs context to pass (NULL): no stack. */
	if ((ctx || user) && dump && (ks = ld_kstack_buf())) {
		struct ld_kstack_key key = { .tgid = tgid, .tid = hdr->tid,
					     .source = LD_KSTACK_ISSUE };
		long got = user ? 0 : bpf_get_stack(ctx, ks->ips, sizeof(ks->ips), 0);

		id = bpf_get_current_pid_tgid();
		ks->nr = got > 0 ? got / sizeof(__u64) : 0;
		ks->ktime_ns = hdr->ktime_ns;
		ks->source = LD_KSTACK_ISSUE;
		ks->ctx_pid = id >> 32;
		ks->ctx_tid = (__u32)id;
		ks->state = 0;
		ks->syscall = -1;
		bpf_map_update_elem(&hist_kstacks, &key, ks, BPF_ANY);
	}
	idp = bpf_map_lookup_elem(&hist_procs, &tgid);
	if (!idp)
		return;
	r = ld_hist_ring(*idp);
	if (!r || r->tgid != tgid)
		return;
	/*
	 * A syscall issue is seen at sys_exit, maybe before the recorder's own
	 * sys_exit program: the call goes into the history here, before the issue.
	 */
	if (hdr->type == LD_DET_SYSCALL) {
		struct ld_hist_task *t = ld_hist_task(bpf_get_current_task_btf());

		if (t && t->sys_ts && t->ring == *idp) {
			ev = ld_hist_reserve(t->ring, hdr->ktime_ns, LD_HEV_SYSCALL, 0, &pos);
			if (ev) {
				ld_hist_put_sys(t, ev, hdr->tid, (long)param, hdr->ktime_ns);
				ld_hist_commit(ev, pos);
			}
			t->sys_ts = 0;
		}
	}
	ev = ld_hist_reserve(*idp, hdr->ktime_ns, LD_HEV_TRIGGER, hdr->tid, &pos);
	if (ev) {
		ev->flags = dump ? LD_HEVF_FROZE : 0;
		ev->u.trig.event = hdr->type;
		ev->u.trig.rule = hdr->rule;
		ev->u.trig.verdict = hdr->verdict;
		ev->u.trig.pad = 0;
		ev->u.trig.code = code;
		ev->u.trig.param = param;
		ld_hist_commit(ev, pos);
	}
	if (dump && !(r->state & LD_HRING_FROZEN)) {
		r->frozen_ktime = hdr->ktime_ns;
		r->frozen_head = r->head;
		r->frozen_dropped = r->dropped;
		__sync_fetch_and_or(&r->state, LD_HRING_FROZEN);
	}
}

static __always_inline void ld_history_issue(void *ctx, struct ld_event_hdr *hdr, __u64 code,
					     __u64 param)
{
	ld_history_issue_at(ctx, false, hdr, code, param);
}

/*
 * The same from a uprobe: the issue is in user space, its kernel stack is
 * empty by construction (bpf_get_stack() would walk nothing, at the price
 * of a helper call); the entry says so (the dump's "user" stack).
 */
static __always_inline void ld_history_issue_user(struct ld_event_hdr *hdr, __u64 code,
						  __u64 param)
{
	ld_history_issue_at(NULL, true, hdr, code, param);
}

#endif /* LIVEDUMP_HISTORY_BPF_H */
