/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers shared by every livedump detector: which tasks are watched,
 * how a record is started and how the process is frozen.
 */
#ifndef LIVEDUMP_COMMON_BPF_H
#define LIVEDUMP_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "kabi/records.h"
#include "kabi/ident.h"

#define LD_SIGSTOP	19
#define LD_MAX_WATCHED	16384

/* Set by the loader before load. */
const volatile bool watch_all = false;		/* every process that hits a probe */
const volatile __u32 collector_tgid = 0;	/* never watch ourselves */
const volatile __u32 max_inflight = 0;		/* frozen processes at most; 0 = no limit */

/* Processes frozen and not yet released; the collector decrements it. */
__u64 inflight = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/*
 * Records that found the ring full, in all and by detector: never silent,
 * the collector reports them.
 */
__u64 events_dropped = 0;
__u64 events_dropped_by[LD_DET__COUNT] = {};

static __always_inline void *ld_event_reserve(__u32 det, __u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		if (det < LD_DET__COUNT)
			__sync_fetch_and_add(&events_dropped_by[det], 1);
	}
	return e;
}

/* tgid -> 1: processes named with -p, launched with --, or forked by one. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LD_MAX_WATCHED);
	__type(key, __u32);
	__type(value, __u32);
} watched_pids SEC(".maps");

/* executable inode -> 1: every process running it is watched. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct ld_exe_key);
	__type(value, __u32);
} watched_exes SEC(".maps");

/*
 * tgid -> ktime of the SIGSTOP.  The collector's guard process holds this
 * map too and sends SIGCONT to everything left here if the collector dies.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LD_MAX_WATCHED);
	__type(key, __u32);
	__type(value, __u64);
} frozen SEC(".maps");

/*
 * tid -> ktime of the issue it was frozen for and whose dump the collector
 * has not finished.  Several threads of one process can hit issues before
 * the group stop takes them all; the collector keeps each of them held
 * (ptrace) until its own event is handled, so none runs on from its issue
 * (and an app trigger's request stays where the collector will answer it).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LD_MAX_WATCHED);
	__type(key, __u32);
	__type(value, __u64);
} pending_issues SEC(".maps");

/* tgid -> when the kernel stopped the thread BPF froze (see ld_stopped). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LD_MAX_WATCHED);
	__type(key, __u32);
	__type(value, struct ld_stop_time);
} stop_times SEC(".maps");

/* A system call's arguments as the x86-64 syscall convention passes them (r10, not rcx). */
static __always_inline void ld_syscall_args(__u64 args[6], const struct pt_regs *regs)
{
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
}

/* Identifies the executable of @task; false for kernel threads. */
static __always_inline bool ld_task_exe_key(struct task_struct *task, struct ld_exe_key *key)
{
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);

	if (!exe)
		return false;
	key->ino = BPF_CORE_READ(exe, f_inode, i_ino);
	key->dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	return true;
}

/*
 * Executables in watched_exes: set by the collector.  Zero spares every
 * syscall of every process the walk to its executable's inode.
 */
__u32 nwatched_exes = 0;

static __always_inline bool ld_exe_watched(struct task_struct *task)
{
	struct ld_exe_key key = {};

	if (!nwatched_exes)
		return false;
	return ld_task_exe_key(task, &key) && bpf_map_lookup_elem(&watched_exes, &key);
}

/*
 * A mark on every thread of a watched process (and, for a while, on some
 * that no longer are).  A task without any BPF storage is known unwatched
 * after one load, with no helper call and no hash: that is what keeps a
 * syscall rule cheap for every other process on the machine.  The mark is
 * only a hint; watched_pids and watched_exes decide.  Tasks are marked by
 * the task iterator the collector runs when it names pids or executables
 * (ld_watch_sync), at fork and at exec.  The storage also carries the
 * syscall in flight (sys_ts 0: none).
 */
struct ld_task {
	__u64 sys_ts;
	__u64 sys_args[6];
	__u32 sys_nr;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ld_task);
} watched_tasks SEC(".maps");

/* The authoritative test, for the rare paths (fork, exec, the iterator). */
static __always_inline bool ld_task_watched_slow(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (tgid == collector_tgid)
		return false;
	return bpf_map_lookup_elem(&watched_pids, &tgid) || ld_exe_watched(task);
}

static __always_inline void ld_task_mark(struct task_struct *task)
{
	bpf_task_storage_get(&watched_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

static __always_inline bool ld_task_watched(struct task_struct *task)
{
	if (task->tgid == collector_tgid)
		return false;
	if (watch_all)
		return true;
	if (!task->bpf_storage || !bpf_task_storage_get(&watched_tasks, task, 0, 0))
		return false;
	return ld_task_watched_slow(task);
}

static __always_inline bool ld_current_watched(void)
{
	return ld_task_watched(bpf_get_current_task_btf());
}

/* --- cgroups: v2, and v1 through a controller's css (docs/rules.md) --- */

/*
 * enum ld_cgc -> the kernel's enum cgroup_subsys_id, whose numbering
 * follows the kernel's config; -1 for a controller it was built without.
 */
#define LD_SUBSYS(c, e)								\
	case c:									\
		return bpf_core_enum_value_exists(enum cgroup_subsys_id, e) ?		\
			       bpf_core_enum_value(enum cgroup_subsys_id, e) : -1

static __always_inline int ld_cgc_subsys(__u32 c)
{
	switch (c) {
	LD_SUBSYS(LD_CGC_CPUSET, cpuset_cgrp_id);
	LD_SUBSYS(LD_CGC_CPU, cpu_cgrp_id);
	LD_SUBSYS(LD_CGC_CPUACCT, cpuacct_cgrp_id);
	LD_SUBSYS(LD_CGC_IO, io_cgrp_id);
	LD_SUBSYS(LD_CGC_MEMORY, memory_cgrp_id);
	LD_SUBSYS(LD_CGC_DEVICES, devices_cgrp_id);
	LD_SUBSYS(LD_CGC_FREEZER, freezer_cgrp_id);
	LD_SUBSYS(LD_CGC_NET_CLS, net_cls_cgrp_id);
	LD_SUBSYS(LD_CGC_PERF_EVENT, perf_event_cgrp_id);
	LD_SUBSYS(LD_CGC_NET_PRIO, net_prio_cgrp_id);
	LD_SUBSYS(LD_CGC_HUGETLB, hugetlb_cgrp_id);
	LD_SUBSYS(LD_CGC_PIDS, pids_cgrp_id);
	default:
		return -1;
	}
}

/* Before 6.1 (7f203bc89eb6 "cgroup: Replace cgroup->ancestor_ids[] with ->ancestors[]"). */
struct cgroup___ld_ids {
	__u64 ancestor_ids[0];
} __attribute__((preserve_access_index));

/*
 * The cgroup a controller's css of @task is in: its own v1 hierarchy's
 * cgroup on v1 and hybrid hosts (task->cgroups->subsys[ID]->cgroup).
 */
static __always_inline struct cgroup *ld_task_css_cgroup(struct task_struct *task, int subsys)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	unsigned long addr;

	if (!cset || subsys < 0 || subsys >= 64)
		return NULL;
	addr = (unsigned long)cset + bpf_core_field_offset(struct css_set, subsys) +
	       (unsigned long)subsys * sizeof(css);
	bpf_probe_read_kernel(&css, sizeof(css), (const void *)addr);
	return css ? BPF_CORE_READ(css, cgroup) : NULL;
}

/*
 * The kernfs id (inode) of @cgrp's ancestor at @level of its hierarchy
 * (0: the root), itself at its own level; 0 when it is not that deep.
 */
static __always_inline __u64 ld_cgroup_ancestor_id(struct cgroup *cgrp, __u32 level)
{
	struct cgroup *anc = NULL;
	unsigned long addr;
	__u64 id = 0;

	if (!cgrp || level > (__u32)BPF_CORE_READ(cgrp, level))
		return 0;
	if (bpf_core_field_exists(struct cgroup, ancestors)) {
		addr = (unsigned long)cgrp + bpf_core_field_offset(struct cgroup, ancestors) +
		       (unsigned long)level * sizeof(anc);
		bpf_probe_read_kernel(&anc, sizeof(anc), (const void *)addr);
		return anc ? BPF_CORE_READ(anc, kn, id) : 0;
	}
	/* kernfs ids since 5.5 (743210386c03 "cgroup: use cgrp->kn->id as the cgroup ID") */
	addr = (unsigned long)cgrp + bpf_core_field_offset(struct cgroup___ld_ids, ancestor_ids) +
	       (unsigned long)level * sizeof(id);
	bpf_probe_read_kernel(&id, sizeof(id), (const void *)addr);
	return id;
}

/*
 * tgid -> the process's identity at its last issue record (kabi/ident.h).
 * A process that exits or is killed takes its /proc entry with it, often
 * before the collector reads its record; this is what its dump can still
 * say of it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LD_MAX_WATCHED);
	__type(key, __u32);
	__type(value, struct ld_ident);
} idents SEC(".maps");

/*
 * The walk up the executable's path (ld_ident_exe), one bpf_loop step per
 * dentry.  Its state lives beside the identity in the scratch map, not on
 * the stack: ld_ident_save is called from every program that makes a
 * record, and its frame adds to theirs against the 512-byte limit of
 * caller and callee together (6.1 refuses ld_sys_exit otherwise).
 */
struct ld_ident_scratch {
	struct ld_ident id;
	struct dentry *d;
	struct mount *mnt;
	struct pid_namespace *pidns;
	__u32 off;
};

/* Too big for the BPF stack: built here, then copied into idents. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ld_ident_scratch);
} ident_scratch SEC(".maps");

/* bpf_loop's context must be on the stack: one pointer to the scratch. */
struct ld_path_walk {
	struct ld_ident_scratch *s;
};

static long ld_path_step(__u64 i, struct ld_path_walk *w)
{
	struct ld_ident_scratch *s = w->s;
	/* Locals: CO-RE reads must not start from a field of the map value. */
	struct mount *mnt = s->mnt;
	struct vfsmount *vfsmnt = (void *)mnt + bpf_core_field_offset(struct mount, mnt);
	struct dentry *parent, *d = s->d;
	struct ld_ident *id = &s->id;
	const unsigned char *name;
	__u32 off = s->off;
	long n;

	if (d == BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt)
			return 1;	/* the root of it all */
		s->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		s->mnt = up;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d)
		return 1;
	if (off >= LD_IDENT_EXE) {
		id->flags |= LD_IDF_EXE_CUT;
		return 1;
	}
	name = BPF_CORE_READ(d, d_name.name);
	n = bpf_probe_read_kernel_str(&id->exe[off & (LD_IDENT_EXE - 1)], LD_IDENT_COMP, name);
	if (n <= 0)
		return 1;
	s->off = off + n;
	id->exe_ncomp++;
	s->d = parent;
	return 0;
}

/*
 * The executable's path, component by component from the file up, as
 * d_path would give it from the root of the mount namespace: at a mount's
 * root the walk goes on at its mount point in the parent mount.
 */
static __always_inline void ld_ident_exe(struct ld_ident_scratch *s, struct file *exe)
{
	struct ld_path_walk w = { .s = s };

	if (!exe)
		return;
	s->d = BPF_CORE_READ(exe, f_path.dentry);
	s->mnt = (void *)BPF_CORE_READ(exe, f_path.mnt) - bpf_core_field_offset(struct mount, mnt);
	s->off = 0;
	bpf_loop(64, ld_path_step, &w, 0);
	if (s->id.exe_ncomp)
		s->id.flags |= LD_IDF_EXE;
}

/*
 * Saves @task's identity for its dump.  @user: @task is the current task,
 * whose argv can be read from its memory.  Not inlined: every program that
 * makes a record calls it, and once is enough code for the verifier.
 */
static __noinline void ld_ident_save(struct task_struct *task, __u64 now, bool user)
{
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	struct pid *pid = BPF_CORE_READ(leader, thread_pid);
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u32 zero = 0, tgid = BPF_CORE_READ(task, tgid), level;
	struct ld_ident_scratch *s;
	struct ld_ident *id;

	if (!tgid)
		return;	/* the idle task */
	s = bpf_map_lookup_elem(&ident_scratch, &zero);
	if (!s)
		return;
	id = &s->id;
	__builtin_memset(id, 0, sizeof(*id) - sizeof(id->exe) - sizeof(id->args));
	id->ktime_ns = now;
	id->tgid = tgid;
	id->start_ns = BPF_CORE_READ(leader, start_time);
	level = BPF_CORE_READ(pid, level);
	level = level < LD_IDENT_LEVELS ? level : LD_IDENT_LEVELS - 1;
	id->level = level;
#pragma unroll
	for (__u32 l = 0; l < LD_IDENT_LEVELS; l++) {
		if (l > level)
			break;
		bpf_core_read(&id->nspid[l], sizeof(id->nspid[l]), &pid->numbers[l].nr);
	}
	id->ppid = BPF_CORE_READ(task, real_parent, tgid);
	id->uid = BPF_CORE_READ(cred, uid.val);
	id->euid = BPF_CORE_READ(cred, euid.val);
	id->gid = BPF_CORE_READ(cred, gid.val);
	id->egid = BPF_CORE_READ(cred, egid.val);
	id->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	{	/* v1 and hybrid hosts: the memcg, in the memory hierarchy */
		struct cgroup *memcg = ld_task_css_cgroup(task, ld_cgc_subsys(LD_CGC_MEMORY));

		id->memcg_id = memcg ? BPF_CORE_READ(memcg, kn, id) : 0;
		id->memcg_hier = memcg ? BPF_CORE_READ(memcg, root, hierarchy_id) : 0;
	}
	s->pidns = NULL;
	bpf_core_read(&s->pidns, sizeof(s->pidns), &pid->numbers[level].ns);
	{
		struct pid_namespace *pidns = s->pidns;

		id->ns[0] = BPF_CORE_READ(pidns, ns.inum);
	}
	if (nsp) {	/* gone once the exit has passed exit_task_namespaces() */
		id->ns[1] = BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
		id->ns[2] = BPF_CORE_READ(nsp, mnt_ns, ns.inum);
		id->ns[3] = BPF_CORE_READ(nsp, net_ns, ns.inum);
		id->ns[4] = BPF_CORE_READ(nsp, uts_ns, ns.inum);
		id->ns[5] = BPF_CORE_READ(nsp, ipc_ns, ns.inum);
		id->ns[7] = BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
		id->ns[8] = BPF_CORE_READ(nsp, time_ns, ns.inum);
		id->ns[9] = BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
	}
	id->ns[6] = BPF_CORE_READ(cred, user_ns, ns.inum);
	if (!mm) {
		/*
		 * An exit past exit_mm() (kernels before 6.15; or a kernel
		 * thread, which has no entry): what the exec of this same
		 * process saved (ld_exec) keeps its exe and argv, the rest is
		 * brought up to this record.
		 */
		struct ld_ident *old = bpf_map_lookup_elem(&idents, &tgid);
		__u32 flags, ncomp, args_len;

		if (!old || old->start_ns != id->start_ns)
			return;
		flags = old->flags;
		ncomp = old->exe_ncomp;
		args_len = old->args_len;
		__builtin_memcpy(old, id, sizeof(*id) - sizeof(id->exe) - sizeof(id->args));
		old->flags = flags;
		old->exe_ncomp = ncomp;
		old->args_len = args_len;
		return;
	}
	ld_ident_exe(s, BPF_CORE_READ(mm, exe_file));
	if (user) {
		__u64 start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
		__u64 len = end > start ? end - start : 0;

		if (len > LD_IDENT_ARGS) {
			len = LD_IDENT_ARGS;
			id->flags |= LD_IDF_ARGS_CUT;
		}
		barrier_var(len);
		if (len && len <= LD_IDENT_ARGS && !bpf_probe_read_user(id->args, len, (void *)start)) {
			id->args_len = len;
			id->flags |= LD_IDF_ARGS;
		}
	}
	bpf_map_update_elem(&idents, &id->tgid, id, BPF_ANY);
}

/*
 * A record's header, for the current task.  Detectors whose record is
 * about another process (block: its completion runs wherever the
 * interrupt lands) use this, and fill the issuer in themselves.
 */
static __always_inline void ld_event_init_hdr(struct ld_event_hdr *hdr, __u32 type, __u32 size,
					      __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();

	hdr->type = type;
	hdr->size = size;
	hdr->ktime_ns = now;
	hdr->pid = id >> 32;
	hdr->tid = (__u32)id;
	hdr->flags = 0;
	hdr->cpu = bpf_get_smp_processor_id();
	hdr->rule = 0;
	hdr->verdict = LD_VERDICT_DUMP;
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

/* ... and the current process's identity, for its dump (ld_ident_save). */
static __always_inline void ld_event_init(struct ld_event_hdr *hdr, __u32 type, __u32 size,
					  __u64 now)
{
	ld_event_init_hdr(hdr, type, size, now);
	ld_ident_save(bpf_get_current_task_btf(), now, true);
}

/*
 * Set by the loader once ld_stopped (signal_deliver) is attached: the
 * record of a freeze then wakes the collector when the SIGSTOP is
 * delivered, not when it is submitted (ld_event_submit).
 */
bool wake_at_stop = false;

/* Wakes the collector without a record: a discarded reservation, forced awake. */
static __always_inline void ld_ring_wake(void)
{
	void *w = bpf_ringbuf_reserve(&events, 8, 0);

	if (w)
		bpf_ringbuf_discard(w, BPF_RB_FORCE_WAKEUP);
}

/*
 * Stop the whole thread group before the current thread returns to user
 * space, so nothing moves between the issue and the capture.  Only called
 * once the record is reserved: a process is never frozen for an event the
 * collector will not see.  Returns whether the SIGSTOP's delivery is to
 * wake the collector (ld_event_submit): this thread's freeze is the
 * process's, and no tracer takes the signal before it is delivered.
 */
static __always_inline bool ld_freeze_current(struct ld_event_hdr *hdr)
{
	__u64 when = hdr->ktime_ns;	/* 6.1 takes no ring buffer memory as a map value */
	__u32 tgid = hdr->pid;
	bool first = true;
	__u64 old;

	/*
	 * The slot is taken before anyone is stopped, atomically: two CPUs
	 * freezing at once cannot both pass --max-concurrent.
	 */
	old = __sync_fetch_and_add(&inflight, 1);
	if (max_inflight && old >= max_inflight) {
		__sync_fetch_and_sub(&inflight, 1);
		hdr->verdict = LD_VERDICT_BUSY;
		return false;
	}
	/* A process already frozen for an earlier event counts once. */
	if (bpf_map_update_elem(&frozen, &tgid, &when, BPF_NOEXIST) != 0) {
		__sync_fetch_and_sub(&inflight, 1);
		first = false;
	}
	/*
	 * To this thread, not the group: a group-wide SIGSTOP waits in the
	 * shared queue, where a thread the collector has seized meanwhile can
	 * dequeue it into a ptrace signal-delivery-stop, which swallows it;
	 * the issuing thread would then run on from its issue unseen.  A stop
	 * signal stops the whole group whichever thread takes it.
	 */
	if (bpf_send_signal_thread(LD_SIGSTOP) == 0) {
		__u32 tid = hdr->tid;

		hdr->flags |= LD_EVF_FROZEN;
		bpf_map_update_elem(&pending_issues, &tid, &when, BPF_ANY);
		return first && wake_at_stop && !bpf_get_current_task_btf()->ptrace;
	}
	return false;
}

/*
 * Sends a record up.  @at_stop (ld_freeze_current()): the collector is
 * woken when the SIGSTOP is delivered, by ld_stopped.  Waking it here
 * costs the frozen thread microseconds before it stops, and a collector
 * woken on this CPU would preempt it before it gets there; it only needs
 * the process stopped.  Should the stop have been delivered already (by
 * another thread, before this record was in the ring), the wake-up is now.
 * @tgid and @when: the record's, which may not be read once it is submitted.
 */
static __always_inline void ld_event_submit(void *e, bool at_stop, __u32 tgid, __u64 when)
{
	struct ld_stop_time *st;

	if (!at_stop) {
		bpf_ringbuf_submit(e, 0);
		return;
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	st = bpf_map_lookup_elem(&stop_times, &tgid);
	if (st && st->frozen_at == when)
		ld_ring_wake();
}

#endif /* LIVEDUMP_COMMON_BPF_H */
