// SPDX-License-Identifier: GPL-2.0 OR MIT
/* livedump's detectors: the application trigger and process tracking. */
#include "rules.bpf.h"
#include "history.bpf.h"
#include "crash.bpf.h"
#include <bpf/usdt.bpf.h>

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

	e = ld_event_reserve(sizeof(*e));
	if (!e)
		return 0;	/* ring full: the call returns 0, nothing frozen */
	ld_event_init(&e->hdr, LD_DET_APP, sizeof(*e), m.now);
	e->hdr.rule = m.rule;
	e->hdr.verdict = m.verdict;
	ld_history_issue(ctx, &e->hdr, m.code, m.param);
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

/* ---- syscall: an error or a slow call, seen at its return ---- */

const volatile bool syscall_any = false;	/* a syscall rule without name= */

/* syscall nr -> 1 when a rule names it: the first, cheapest test on every syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} syscall_wanted SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(ld_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ld_task *t;
	__u32 nr = id;

	if (hist_on)
		ld_hist_on_sys_enter(task, regs, id);
	if (!syscall_any) {
		__u32 *w = bpf_map_lookup_elem(&syscall_wanted, &nr);

		if (!w || !*w)
			return 0;
	}
	if (!ld_task_watched(task))
		return 0;
	/* Created here only under --all, where no task was marked beforehand. */
	t = bpf_task_storage_get(&watched_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return 0;
	t->sys_nr = nr;
	ld_syscall_args(t->sys_args, regs);
	t->sys_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ld_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ld_syscall_event *e;
	struct ld_match m = {};
	__u64 enter_ts;
	struct ld_task *t;
	__u32 nr;

	if (!task->bpf_storage)
		return 0;	/* the common case: nothing marked, one load */
	if (hist_on)		/* first: the call precedes the issue in the history */
		ld_hist_on_sys_exit(task, ret);
	t = bpf_task_storage_get(&watched_tasks, task, 0, 0);
	if (!t || !t->sys_ts)
		return 0;
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
		return 0;

	e = ld_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	ld_event_init(&e->hdr, LD_DET_SYSCALL, sizeof(*e), m.now);
	e->hdr.rule = m.rule;
	e->hdr.verdict = m.verdict;
	ld_history_issue(ctx, &e->hdr, m.code, m.ret);
	e->nr = nr;
	e->pad = 0;
	e->ret = ret;
	__builtin_memcpy(e->args, t->sys_args, sizeof(e->args));
	e->enter_ktime_ns = enter_ts;
	e->latency_ns = m.latency;
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs), regs);
	/* The signal is delivered on the way back to user space: right after the call. */
	if (m.verdict == LD_VERDICT_DUMP && (m.flags & LD_BR_MEMORY))
		ld_freeze_current(&e->hdr);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- block: a request fails or is slow, judged at its completion ---- */

struct blk_issue {
	struct ld_match who;	/* the issuer: identity preset for the rules */
	__u64 ts;
	__u64 sector;
	__u32 tid, bytes, dev, op;
};

/* request -> its issuer, for watched processes only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct blk_issue);
} blk_issued SEC(".maps");

/*
 * blk_status_t -> errno, as blk_status_to_errno() maps them; the first
 * values have kept their numbers since 4.13.
 */
static __always_inline int blk_errno(__u32 status)
{
	switch (status) {
	case 0: return 0;
	case 1: return 95;	/* BLK_STS_NOTSUPP: EOPNOTSUPP */
	case 2: return 110;	/* BLK_STS_TIMEOUT: ETIMEDOUT */
	case 3: return 28;	/* BLK_STS_NOSPC: ENOSPC */
	case 4: return 67;	/* BLK_STS_TRANSPORT: ENOLINK */
	case 5: return 121;	/* BLK_STS_TARGET: EREMOTEIO */
	case 7: return 61;	/* BLK_STS_MEDIUM: ENODATA */
	case 8: return 84;	/* BLK_STS_PROTECTION: EILSEQ */
	case 9: return 12;	/* BLK_STS_RESOURCE: ENOMEM */
	case 12: return 11;	/* BLK_STS_AGAIN: EAGAIN */
	case 13: return 16;	/* BLK_STS_DEV_RESOURCE: EBUSY */
	default: return 5;	/* BLK_STS_IOERR and the rest: EIO */
	}
}

/*
 * bio -> its submitter.  Where the request is issued from a worker (6.1
 * issues loop requests from kblockd), the bio still names who wrote.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct blk_issue);
} blk_submitters SEC(".maps");

static __always_inline void blk_who(struct blk_issue *bi)
{
	ld_identity_current(&bi->who);
	bi->who.preset = true;
	for (__u32 l = 0; l < LD_CG_LEVELS; l++)
		bi->who.cg[l] = bpf_get_current_ancestor_cgroup_id(l);
	bi->tid = (__u32)bpf_get_current_pid_tgid();
}

SEC("tp_btf/block_bio_queue")
int BPF_PROG(ld_blk_bio, struct bio *bio)
{
	struct blk_issue bi = {};
	__u64 key = (__u64)bio;

	if (!ld_current_watched())
		return 0;
	blk_who(&bi);
	bpf_map_update_elem(&blk_submitters, &key, &bi, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(ld_blk_issue, struct request *rq)
{
	__u64 bio = (__u64)BPF_CORE_READ(rq, bio), key = (__u64)rq;
	struct blk_issue *sub = bpf_map_lookup_elem(&blk_submitters, &bio);
	struct blk_issue bi = {};

	if (sub) {
		bi = *sub;
		bpf_map_delete_elem(&blk_submitters, &bio);
	} else if (ld_current_watched()) {
		blk_who(&bi);
	} else {
		return 0;
	}
	bi.ts = bpf_ktime_get_ns();
	bi.sector = BPF_CORE_READ(rq, __sector);
	bi.bytes = BPF_CORE_READ(rq, __data_len);
	bi.op = BPF_CORE_READ(rq, cmd_flags) & 0xff;	/* REQ_OP_MASK */
	bi.dev = BPF_CORE_READ(rq, part, bd_dev);
	bpf_map_update_elem(&blk_issued, &key, &bi, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(ld_blk_complete, struct request *rq, blk_status_t status, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq;
	struct blk_issue *bp = bpf_map_lookup_elem(&blk_issued, &key);
	struct ld_block_event *e;
	struct ld_match m;
	int err;

	if (!bp)
		return 0;
	m = bp->who;
	bpf_map_delete_elem(&blk_issued, &key);
	err = blk_errno(status);
	m.now = bpf_ktime_get_ns();
	m.code = bp->dev;
	m.param = err;
	m.ret = -err;
	m.latency = m.now - bp->ts;
	if (!ld_rules_match(LD_DET_BLOCK, &m))
		return 0;

	e = ld_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	ld_event_init(&e->hdr, LD_DET_BLOCK, sizeof(*e), m.now);
	/* The issuer, not whoever runs the completion. */
	e->hdr.pid = m.tgid;
	e->hdr.tid = bp->tid;
	__builtin_memcpy(e->hdr.comm, m.comm, sizeof(e->hdr.comm));
	e->hdr.rule = m.rule;
	e->hdr.verdict = m.verdict;
	ld_history_issue(ctx, &e->hdr, m.code, m.ret);
	e->dev = bp->dev;
	e->op = bp->op;
	e->sector = bp->sector;
	e->bytes = bp->bytes;
	e->status = status;
	e->error = -err;
	e->pad = 0;
	e->issue_ktime_ns = bp->ts;
	e->latency_ns = m.latency;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- probes: uprobe, uretprobe, usdt, kprobe, kretprobe ---- */

/*
 * One body for every probe type.  @regs are the registers the probe saw
 * (user ones for uprobes, kernel ones for kprobes); the record always
 * carries the task's user registers, which is what a dump needs.
 */
/*
 * The attach cookie is the rule's index, and its detector above bit 32:
 * one program serves several detectors (uprobe, and libc's abort, assert
 * and exit), and the record must say which.
 */
static __always_inline int ld_probe_hit(void *ctx, struct ld_match *m, __u64 cookie, __u32 det,
					struct pt_regs *regs, bool user)
{
	__u32 idx = (__u32)cookie;

	if (cookie >> 32)
		det = cookie >> 32;
	struct task_struct *task = bpf_get_current_task_btf();
	struct ld_probe_event *e;

	if (!ld_current_watched())
		return 0;
	if (!ld_rule_match_idx(idx, m))
		return 0;
	e = ld_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	ld_event_init(&e->hdr, det, sizeof(*e), m->now);
	e->hdr.flags |= LD_EVF_PROBE;
	e->hdr.rule = m->rule;
	e->hdr.verdict = m->verdict;
	ld_history_issue(ctx, &e->hdr, det, m->ret ? (__u64)m->ret : m->args[0]);
	e->det = det;
	e->pad = 0;
	__builtin_memcpy(e->args, m->args, sizeof(e->args));
	e->ret = m->ret;
	e->ip = regs ? BPF_CORE_READ(regs, ip) : 0;
	/*
	 * User probes see the user registers as the program will resume (for a
	 * uretprobe: back in the caller, which the trampoline hides from
	 * ptrace); kernel probes take the task's saved user registers.
	 */
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs),
			      user ? (void *)regs : (void *)bpf_task_pt_regs(task));
	if (m->verdict == LD_VERDICT_DUMP && (m->flags & LD_BR_MEMORY) && task->mm)
		ld_freeze_current(&e->hdr);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The x86-64 calling convention, for user and kernel functions alike. */
static __always_inline void ld_regs_args(struct ld_match *m, struct pt_regs *ctx)
{
	m->args[0] = ctx->di;
	m->args[1] = ctx->si;
	m->args[2] = ctx->dx;
	m->args[3] = ctx->cx;
	m->args[4] = ctx->r8;
	m->args[5] = ctx->r9;
}

SEC("uprobe")
int ld_uprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	ld_regs_args(&m, ctx);
	m.code = m.args[0];	/* exit() rules match its status as their code */
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_UPROBE, ctx, true);
}

SEC("uretprobe")
int ld_uretprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	m.ret = ctx->ax;
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_URETPROBE, ctx, true);
}

SEC("usdt")
int ld_usdt(struct pt_regs *ctx)
{
	struct ld_match m = {};
	long v;

	for (__u32 i = 0; i < 6; i++)
		if (bpf_usdt_arg(ctx, i, &v) == 0)
			m.args[i] = v;
	return ld_probe_hit(ctx, &m, bpf_usdt_cookie(ctx), LD_DET_USDT, ctx, true);
}

SEC("kprobe")
int ld_kprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	ld_regs_args(&m, ctx);
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_KPROBE, ctx, false);
}

SEC("kretprobe")
int ld_kretprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	m.ret = ctx->ax;
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_KRETPROBE, ctx, false);
}

/*
 * fentry/fexit: kernel probes where the kernel has BPF trampolines.  Each
 * program is bound to one function at load, so there are a few slots; the
 * attach cookie names the rule as for kprobes.
 */
static __always_inline int ld_trace_hit(void *ctx, bool ret, __u32 det)
{
	struct ld_match m = {};
	__u64 v;

	for (__u32 i = 0; i < 6; i++)
		if (bpf_get_func_arg(ctx, i, &v) == 0)
			m.args[i] = v;
	if (ret && bpf_get_func_ret(ctx, &v) == 0)
		m.ret = v;
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), det, NULL, false);
}

#define LD_TRACE_SLOT(n)							\
	SEC("fentry") int ld_fentry##n(void *ctx)				\
	{ return ld_trace_hit(ctx, false, LD_DET_KPROBE); }			\
	SEC("fexit") int ld_fexit##n(void *ctx)					\
	{ return ld_trace_hit(ctx, true, LD_DET_KRETPROBE); }

LD_TRACE_SLOT(0)
LD_TRACE_SLOT(1)
LD_TRACE_SLOT(2)
LD_TRACE_SLOT(3)

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
	if (bpf_map_delete_elem(&frozen, &tgid) == 0)
		__sync_fetch_and_sub(&inflight, 1);	/* died before we released it */
	return 0;
}
