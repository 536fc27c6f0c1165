/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The syscall detector: an error or a slow call, seen at its return.
 * Either on the sys_enter/sys_exit tracepoints, which every syscall of
 * every process passes, or, where the kernel has BPF trampolines and the
 * rules name their syscalls, by fentry/fexit on those syscalls' functions
 * (__x64_sys_NAME), so that other syscalls do not run it at all.  The
 * same record either way.  Included once, by livedump.bpf.c; its collector
 * side is src/detectors/syscall.c.
 */
#ifndef LIVEDUMP_DET_SYSCALL_BPF_H
#define LIVEDUMP_DET_SYSCALL_BPF_H

#include "rules.bpf.h"
#include "history.bpf.h"
#include "kobj.bpf.h"

const volatile bool syscall_any = false;	/* a syscall rule without name= */
/* The syscall each fentry/fexit slot is bound to (set with its attach target). */
const volatile __u32 sys_slot_nr[4] = {};

/* syscall nr -> 1 when a rule names it: the first, cheapest test on every syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} syscall_wanted SEC(".maps");

/*
 * syscall nr -> which of its arguments are file descriptors (bit i:
 * args[i]), set by the collector: a dump of such a call holds the struct
 * file of each of the first two, as the call left it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} syscall_fdargs SEC(".maps");

#define SYS_KO_FILE_CAP		512	/* struct file: 184 bytes on 6.18 */
#define SYS_KO_DENTRY_CAP	256	/* struct dentry: 192 bytes on 6.18 */
#define SYS_KO_DENTRY		(2 * SYS_KO_FILE_CAP)

struct ld_syscall_kobj_event {
	struct ld_syscall_event e;	/* record_size bytes: the set follows */
	struct ld_kobj_set set;
	__u8 data[2 * SYS_KO_FILE_CAP + 2 * SYS_KO_DENTRY_CAP];
};

/* The file behind @fd in the current task's table, or NULL. */
static __always_inline struct file *sys_fd_file(struct task_struct *task, __s64 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/*
 * The struct file of the call's first two fd arguments (@mask:
 * syscall_fdargs), slots 0 and 1, and the dentry each file's f_path names
 * (slots 2 and 3, followed from the file's copy: its name, inode, parent).
 */
static __always_inline void sys_kobjs(struct ld_syscall_kobj_event *k, struct task_struct *task,
				      __u32 mask)
{
	struct ld_kobj_set *set = &k->set;
	__u32 fl = LD_KOBJ_LEN(struct file, SYS_KO_FILE_CAP);
	struct file *f = NULL;
	int a0 = -1, a1 = -1;
	__s64 fd0 = -1, fd1 = -1;

	ld_kobj_init(set, sizeof(k->data));
	/* Unrolled: each argument read at a constant offset of the record. */
#pragma unroll
	for (int i = 0; i < 6; i++) {
		if (!(mask & (1U << i)))
			continue;
		if (a0 < 0) {
			a0 = i;
			fd0 = k->e.args[i];
		} else if (a1 < 0) {
			a1 = i;
			fd1 = k->e.args[i];
		}
	}
	if (a0 >= 0 && LD_KOBJ_PUT(set, k->data, 0, 0, SYS_KO_FILE_CAP, sys_fd_file(task, fd0),
				   struct file, LD_KOBJ_FILE)) {
		set->d[0].arg = a0 + 1;
		if (LD_KOBJ_FOLLOW(set, k->data, 2, SYS_KO_DENTRY, SYS_KO_DENTRY_CAP, 0, 0, fl,
				   bpf_core_field_offset(f->f_path.dentry), LD_KOBJ_NO_HOP,
				   struct dentry, LD_KOBJ_FOLLOW))
			set->d[2].arg = a0 + 1;
	}
	if (a1 >= 0 && LD_KOBJ_PUT(set, k->data, 1, SYS_KO_FILE_CAP, SYS_KO_FILE_CAP,
				   sys_fd_file(task, fd1), struct file, LD_KOBJ_FILE)) {
		set->d[1].arg = a1 + 1;
		if (LD_KOBJ_FOLLOW(set, k->data, 3, SYS_KO_DENTRY + SYS_KO_DENTRY_CAP,
				   SYS_KO_DENTRY_CAP, 1, SYS_KO_FILE_CAP, fl,
				   bpf_core_field_offset(f->f_path.dentry), LD_KOBJ_NO_HOP,
				   struct dentry, LD_KOBJ_FOLLOW))
			set->d[3].arg = a1 + 1;
	}
}

/* A watched task enters syscall @nr: when, and its arguments. */
static __always_inline void ld_sys_begin(struct task_struct *task, struct pt_regs *regs, __u32 nr)
{
	struct ld_task *t;

	if (!ld_task_watched(task))
		return;
	/* Created here only under --all, where no task was marked beforehand. */
	t = bpf_task_storage_get(&watched_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return;
	t->sys_nr = nr;
	ld_syscall_args(t->sys_args, regs);
	t->sys_ts = bpf_ktime_get_ns();
}

/* ... and returns @ret: the rules, the record.  @ctx: for the issue's kernel stack. */
static __always_inline void ld_sys_end(void *ctx, struct task_struct *task, struct pt_regs *regs,
				       long ret)
{
	struct ld_syscall_kobj_event *k = NULL;
	struct ld_syscall_event *e;
	struct ld_match m = {};
	__u32 *fdmask = NULL;
	__u64 enter_ts;
	struct ld_task *t;
	__u32 nr;

	t = bpf_task_storage_get(&watched_tasks, task, 0, 0);
	if (!t || !t->sys_ts)
		return;
	/*
	 * Not a copy of *t: its arguments are read from the task storage
	 * below, which only this task's own enter writes.  A copy on the stack
	 * would leave too little of the 512 bytes for ld_ident_save.
	 */
	enter_ts = t->sys_ts;
	nr = t->sys_nr;
	t->sys_ts = 0;
	m.now = bpf_ktime_get_ns();
	m.code = nr;
	m.ret = ret;
	m.param = ret < 0 ? -ret : 0;	/* errno= matches the error number */
	m.latency = m.now - enter_ts;
	if (!ld_rules_match(LD_DET_SYSCALL, &m))
		return;

	if (m.verdict == LD_VERDICT_DUMP)
		fdmask = bpf_map_lookup_elem(&syscall_fdargs, &nr);
	if (fdmask && *fdmask) {
		k = ld_event_reserve(LD_DET_SYSCALL, sizeof(*k));
		e = k ? &k->e : NULL;
	} else {
		e = ld_event_reserve(LD_DET_SYSCALL, sizeof(*e));
	}
	if (!e)
		return;
	ld_event_init(&e->hdr, LD_DET_SYSCALL, k ? sizeof(*k) : sizeof(*e), m.now);
	ld_event_rule(&e->hdr, &m);
	e->hdr.verdict = m.verdict;
	ld_history_issue(ctx, &e->hdr, m.code, m.ret);
	e->nr = nr;
	e->pad = 0;
	e->ret = ret;
	__builtin_memcpy(e->args, t->sys_args, sizeof(e->args));
	e->enter_ktime_ns = enter_ts;
	e->latency_ns = m.latency;
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs), regs);
	if (k && fdmask) {
		e->hdr.flags |= LD_EVF_KOBJ;
		sys_kobjs(k, task, *fdmask);
	}
	/* The signal is delivered on the way back to user space: right after the call. */
	if (m.verdict == LD_VERDICT_DUMP && (m.flags & LD_BR_MEMORY))
		ld_freeze_current(&e->hdr);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ld_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 nr = id;

	if (hist_on)
		ld_hist_on_sys_enter(task, regs, id);
	if (!syscall_any) {
		__u32 *w = bpf_map_lookup_elem(&syscall_wanted, &nr);

		if (!w || !*w)
			return 0;
	}
	ld_sys_begin(task, regs, nr);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ld_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!task->bpf_storage)
		return 0;	/* the common case: nothing marked, one load */
	if (hist_on)		/* first: the call precedes the issue in the history */
		ld_hist_on_sys_exit(task, ret);
	ld_sys_end(ctx, task, regs, ret);
	return 0;
}

/*
 * The fentry/fexit slots, each bound at load to the function of one
 * syscall a rule names (__x64_sys_NAME(const struct pt_regs *), the user
 * registers of the call).  The flight recorder keeps its own programs on
 * the tracepoints meanwhile: its sys_enter runs before fentry, its sys_exit
 * after fexit, so the call still precedes the issue in the history.
 */
#define LD_SYS_SLOT(n)								\
	SEC("fentry")								\
	int BPF_PROG(ld_sys_fentry##n, struct pt_regs *regs)			\
	{									\
		ld_sys_begin(bpf_get_current_task_btf(), regs, sys_slot_nr[n]);	\
		return 0;							\
	}									\
	SEC("fexit")								\
	int BPF_PROG(ld_sys_fexit##n, struct pt_regs *regs, long ret)		\
	{									\
		struct task_struct *task = bpf_get_current_task_btf();		\
										\
		if (task->bpf_storage)						\
			ld_sys_end(ctx, task, regs, ret);			\
		return 0;							\
	}

LD_SYS_SLOT(0)
LD_SYS_SLOT(1)
LD_SYS_SLOT(2)
LD_SYS_SLOT(3)

#endif /* LIVEDUMP_DET_SYSCALL_BPF_H */
