/* SPDX-License-Identifier: MIT */
/*
 * Records that BPF programs send to the collector through the ring buffer.
 * Shared verbatim by bpf/ and src/; every record starts with ld_event_hdr
 * and `hdr.size` is the record's size, so readers can skip unknown types.
 */
#ifndef LIVEDUMP_RECORDS_H
#define LIVEDUMP_RECORDS_H

#include "livedump/abi.h"

#define LD_COMM_LEN	16

/*
 * Every detector, in the order of its number: X(ID, name).  The numbers are
 * in dump files (ld_note_header.detector) and in every BPF record's
 * hdr.type, so entries are only ever appended.  Each name is a detector
 * file src/detectors/NAME.c that defines ld_det_NAME (detectors/table.c
 * makes a missing one a link error).
 */
#define LD_DETECTORS(X)							\
	X(APP, app)		/* livedump_trigger() */			\
	X(SYSCALL, syscall)	/* a syscall fails or is slow */		\
	X(BLOCK, block)		/* a block request fails or is slow */		\
	X(UPROBE, uprobe)	/* a user function is entered ... */		\
	X(URETPROBE, uretprobe)	/* ... or returns */				\
	X(USDT, usdt)		/* a USDT probe is hit */			\
	X(KPROBE, kprobe)	/* a kernel function is entered ... */		\
	X(KRETPROBE, kretprobe)	/* ... or returns */				\
	X(SIGNAL, signal)	/* a signal is delivered to a watched process */ \
	X(ABORT, abort)		/* libc abort() is called */			\
	X(ASSERT, assert)	/* libc __assert_fail() is called */		\
	X(EXIT, exit)		/* a process exits with a failure or by a signal */ \
	X(OOM, oom)		/* the OOM killer chose a victim */		\
	X(THRESHOLD, threshold)	/* a resource stays above a limit (sampled) */	\
	X(MANUAL, manual)	/* livedump capture -p: no rule, no record */

#define LD_DET_ENUM_(id, name)	LD_DET_##id,
/* Also the key of det_rules and the type of every BPF record. */
enum ld_detector {
	LD_DET_NONE = 0,
	LD_DETECTORS(LD_DET_ENUM_)
	LD_DET__COUNT,
};
#undef LD_DET_ENUM_

/* ld_event_hdr.flags */
#define LD_EVF_FROZEN	(1U << 0)	/* BPF sent SIGSTOP to the process */
#define LD_EVF_PROBE	(1U << 1)	/* a struct ld_probe_event (probe rules, libc's abort/assert/exit) */
#define LD_EVF_KOBJ	(1U << 2)	/* typed kernel objects follow the record: struct ld_kobj_set */
/*
 * The matched rule was of the odd generation of the rules (its LD_BR_GEN):
 * each reload flips it, so the collector reads a record the kernel made
 * just before a reload against the rules it was made with.
 */
#define LD_EVF_GEN	(1U << 3)

/* struct pt_regs of x86-64, which is also the head of user_regs_struct. */
struct ld_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10;
	__u64 r9, r8, ax, cx, dx, si, di, orig_ax;
	__u64 ip, cs, flags, sp, ss;
};

/* What the kernel decided for an event a rule matched. */
enum ld_verdict {
	LD_VERDICT_DUMP = 0,		/* take the dump (frozen if memory is wanted) */
	LD_VERDICT_TOTAL = 1,		/* declined: the rule's total limit is reached */
	LD_VERDICT_RATE = 2,		/* declined: the rule's rate limit */
	LD_VERDICT_COOLDOWN = 3,	/* declined: the process's cooldown */
	LD_VERDICT_BUSY = 4,		/* declined: max_inflight processes are frozen already */
	LD_VERDICT__COUNT
};

/*
 * Declined records a rule sends up in one second; the rest are counted in
 * the kernel (ld_rule_state), not sent: a storm of declined events cannot
 * fill the ring buffer nor the journal, and its count stays exact.
 */
#define LD_DECLINED_SEND_PER_S	64

struct ld_event_hdr {
	__u32 type;		/* enum ld_detector */
	__u32 size;		/* whole record */
	__u64 ktime_ns;		/* bpf_ktime_get_ns() at the issue */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 flags;		/* LD_EVF_* */
	__u32 cpu;
	__u32 rule;		/* index of the rule that matched */
	__u32 verdict;		/* enum ld_verdict */
	char comm[LD_COMM_LEN];
};

struct ld_app_trigger {
	struct ld_event_hdr hdr;
	__u64 req_addr;		/* struct ld_trigger_req * in the target */
	struct ld_trigger_req req;	/* as read at the probe */
	struct ld_regs regs;		/* user registers at the probe */
	struct ld_blob_desc blobs[LD_MAX_BLOBS];	/* req.nblobs valid */
};

struct ld_syscall_event {
	struct ld_event_hdr hdr;
	__u32 nr;
	__u32 pad;
	__s64 ret;
	__u64 args[6];
	__u64 enter_ktime_ns;
	__u64 latency_ns;
	struct ld_regs regs;	/* user registers at the return */
};

/*
 * A block request, completed (often in interrupt context): hdr names the
 * process that issued it, remembered at issue time.
 */
struct ld_block_event {
	struct ld_event_hdr hdr;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 op;		/* REQ_OP_*: 0 read, 1 write, 2 flush, 3 discard ... */
	__u64 sector;
	__u32 bytes;
	__u32 status;		/* blk_status_t */
	__s32 error;		/* -errno, 0: success */
	__u32 pad;
	__u64 issue_ktime_ns;
	__u64 latency_ns;
};

struct ld_probe_event {
	struct ld_event_hdr hdr;
	__u32 det;		/* enum ld_detector */
	__u32 pad;
	__u64 args[6];
	__s64 ret;		/* return probes */
	__u64 ip;		/* where the probe hit */
	struct ld_regs regs;	/* the task's user registers */
};

struct ld_signal_event {
	struct ld_event_hdr hdr;
	__s32 sig;
	__s32 code;		/* si_code */
	__s32 err;		/* si_errno */
	__u32 sender;		/* si_pid for signals sent by a process */
	__u64 addr;		/* si_addr for SEGV, BUS, FPE, ILL, TRAP */
	__u64 handler;		/* sa_handler: 0 default, 1 ignored, else a function */
	__u32 fatal;		/* the default action kills the process */
	__u32 pad;
	struct ld_regs regs;	/* user registers when the signal is delivered */
};

struct ld_exit_event {
	struct ld_event_hdr hdr;
	__u32 status;		/* exit status, when it exited */
	__u32 sig;		/* the signal that killed it, 0 if none */
	__u32 core;		/* it dumped core */
	__u32 pad;
	__u64 runtime_ns;	/* since it started */
	__u64 cpu_ns;		/* user + system time of all its threads */
	__u64 maxrss_kb;	/* peak resident set size */
};

struct ld_oom_event {
	struct ld_event_hdr hdr;	/* the victim */
	__u64 total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb, pgtables_kb;
	__s32 oom_score_adj;
	__u32 uid;
	__u64 cgroup_id;	/* the memcg of the task that ran into the limit: its cgroup's kernfs id */
	__u32 trigger_pid;	/* that task */
	__u32 cgroup_hier;	/* cgroup_id's hierarchy, as in /proc/PID/cgroup: 0 v2, else v1 memory */
};

/* ld_threshold_event.metric */
enum ld_metric { LD_METRIC_CPU = 1, LD_METRIC_RSS, LD_METRIC_THREADS, LD_METRIC_FDS, LD_METRIC__COUNT };

struct ld_threshold_event {
	struct ld_event_hdr hdr;
	__u32 metric;		/* enum ld_metric */
	__u32 cgroup;		/* scope=cgroup: 1 + the index of the where cgroup= judged; 0 a process */
	__u64 value;		/* % for cpu, bytes for rss, a count otherwise */
	__u64 limit;		/* the rule's threshold */
	__u64 held_ns;		/* how long it held */
};

/*
 * Typed kernel objects, copied by BPF at the issue (docs/kernel-dumps.md).
 * With LD_EVF_KOBJ, the detector's record (its record_size bytes) is
 * followed, up to hdr.size, by a struct ld_kobj_set and the objects'
 * bytes; the collector turns them into LD_NT_KOBJ with the BTF of their
 * types.  Roles are numbers in dumps: only ever appended.
 */
enum ld_kobj_role {
	LD_KOBJ_NONE = 0,
	LD_KOBJ_REQUEST,	/* struct request */
	LD_KOBJ_BIO,		/* struct bio: the request's first */
	LD_KOBJ_GENDISK,	/* struct gendisk */
	LD_KOBJ_QUEUE,		/* struct request_queue */
	LD_KOBJ_HCTX,		/* struct blk_mq_hw_ctx: the hardware queue */
	LD_KOBJ_FILE,		/* struct file of an fd argument */
	LD_KOBJ_OOM_CONTROL,	/* struct oom_control */
	LD_KOBJ_MM,		/* struct mm_struct of the victim */
	LD_KOBJ_MEMCG,		/* struct mem_cgroup */
	LD_KOBJ_ARG,		/* a probe argument (arg = which) */
	LD_KOBJ_FOLLOW,		/* reached from its parent by a pointer: named after the path */
	LD_KOBJ__COUNT
};

#define LD_KOBJ_MAX	8	/* a power of two: BPF bounds a slot's index by a mask */

/* ld_kobj_desc.flags */
#define LD_KOF_UNREADABLE	(1U << 0)	/* bpf_probe_read_kernel failed: bytes are zeros */
#define LD_KOF_TRUNCATED	(1U << 1)	/* the type is larger than BPF's slot: len < size */

/*
 * Pointer following (docs/kernel-dumps.md): an object reached from an
 * object of the same set, its parent, by the pointer at field_off of the
 * parent's copy and, where a second pointer is crossed (a struct not
 * copied itself), the one at field_off2 of what the first points to.
 * Bounded: a parent comes before its children, the tree is at most
 * LD_KOBJ_DEPTH deep, and every object has its slot.
 */
#define LD_KOBJ_NO_HOP		0xffffffffU	/* field_off2: one pointer only */
#define LD_KOBJ_DEPTH		3		/* parent links from an object to its root */

struct ld_kobj_desc {
	__u64 addr;		/* where the object is in the kernel */
	__u32 btf_id;		/* its type in the running kernel's BTF (vmlinux) */
	__u32 size;		/* that type's size */
	__u32 len;		/* bytes copied */
	__u32 off;		/* of the bytes, from the end of struct ld_kobj_set */
	__u16 role;		/* enum ld_kobj_role */
	__u16 flags;		/* LD_KOF_* */
	__u32 arg;		/* LD_KOBJ_ARG: the argument's number, 1-based; 0 otherwise */
	__u32 parent;		/* 1 + the index of the object it was reached from; 0: a root */
	__u32 field_off;	/* with a parent: the pointer's offset in the parent */
	__u32 field_off2;	/* then in what that points to; LD_KOBJ_NO_HOP: none */
	__u32 pad;
};

struct ld_kobj_set {
	__u32 n;		/* descs to read: unused ones have role LD_KOBJ_NONE */
	__u32 data_len;		/* bytes after this struct */
	struct ld_kobj_desc d[LD_KOBJ_MAX];
};

/*
 * probe_kobj value, by rule index: the kernel objects a kprobe or
 * kretprobe rule dumps typed: its arguments (capture kernel=; arg 1..6, 0
 * the return value), then the objects followed from them (follow=, each
 * from an object before it); btf_id and size as the running kernel has
 * the type.  The collector packs their bytes into the record's data
 * (off), each at most LD_PROBE_KOBJ_CAP; BPF checks every bound again.
 */
#define LD_PROBE_KOBJ_MAX	4	/* kernel= arguments */
#define LD_PROBE_FOLLOW_MAX	4	/* follow= objects */
#define LD_PROBE_KOBJ_CAP	2048	/* bytes per object at most */
#define LD_PROBE_KOBJ_DATA	8192	/* bytes of all of a record's objects */

struct ld_probe_kobj_spec {
	__u32 n;
	__u32 pad;
	struct {
		__u32 arg;		/* a root's argument; 0 for followed objects */
		__u32 btf_id;
		__u32 size;
		__u32 off;		/* of its bytes in the record's data */
		__u32 parent;		/* 1 + the index it is followed from; 0: an argument */
		__u32 field_off;	/* as in struct ld_kobj_desc */
		__u32 field_off2;
		__u32 pad;
	} a[LD_PROBE_KOBJ_MAX + LD_PROBE_FOLLOW_MAX];
};

_Static_assert(LD_PROBE_KOBJ_MAX + LD_PROBE_FOLLOW_MAX <= LD_KOBJ_MAX,
	       "every object of a probe rule has its slot");
_Static_assert(LD_PROBE_KOBJ_CAP <= LD_PROBE_KOBJ_DATA, "an object fits the data");
_Static_assert(!(LD_PROBE_KOBJ_DATA & (LD_PROBE_KOBJ_DATA - 1)) &&
	       !(LD_PROBE_KOBJ_CAP & (LD_PROBE_KOBJ_CAP - 1)), "BPF bounds offsets by masks");

/* Keys of the watch filter maps. */
struct ld_exe_key {
	__u64 dev;		/* the kernel's s_dev: MKDEV(major, minor), 20-bit minor */
	__u64 ino;
};

/* stop_times value: when the kernel stopped the thread BPF froze. */
struct ld_stop_time {
	__u64 frozen_at;	/* the frozen map's value: which freeze */
	__u64 stopped_at;	/* ktime of the SIGSTOP's delivery */
};

/*
 * The trigger path's stages, for the benchmark only (bench/run.sh sets
 * LIVEDUMP_BENCH_STAGES; docs/performance.md): the ktime at which each was
 * passed, in the app detector's program, at the SIGSTOP's delivery and in
 * the collector.  Without that variable the loader leaves the programs'
 * stage code out (a read-only flag the verifier prunes on) and nothing is
 * stamped.  Kept in the stages map by issue (ld_event_hdr.ktime_ns).
 */
#define LD_STAGES(X)								\
	X(ENTRY, entry)		/* the uprobe program starts */			\
	X(MATCHED, matched)	/* the rules matched */				\
	X(RESERVED, reserved)	/* the record is reserved in the ring */	\
	X(SIGNAL, signal)	/* SIGSTOP sent, the freeze taken */		\
	X(IDENT, ident)		/* the process's identity saved */		\
	X(HISTORY, history)	/* kernel stack saved, history frozen */	\
	X(COPIED, copied)	/* registers and blobs in the record */		\
	X(SUBMIT, submit)	/* the record submitted to the ring */		\
	X(STOPPED, stopped)	/* the SIGSTOP delivered (signal_deliver) */	\
	X(WOKEN, woken)		/* the collector's thread woken (sched_wakeup) */ \
	X(RUNS, runs)		/* ... back on a CPU (sched_switch) */		\
	X(READ, read)		/* the collector reads the record */		\
	X(CAPTURE, capture)	/* the collector starts the capture */

#define LD_STG_ENUM_(id, name)	LD_STG_##id,
enum ld_stage {
	LD_STAGES(LD_STG_ENUM_)
	LD_STG__COUNT,
};
#undef LD_STG_ENUM_

struct ld_stages {
	__u64 t[LD_STG__COUNT];	/* ktime; 0: not passed */
};

/*
 * A rule as the kernel checks it (compiled from struct ld_rule by the
 * collector).  Empty lists match everything; all lists must hold.
 */
#define LD_BPF_MAX_RULES	64
#define LD_BPF_LIST		16
#define LD_RATE_MAX		64	/* largest N of a rate limit N/WINDOW */

struct ld_bpf_range {
	__u64 lo, hi;
};

/*
 * The hierarchy a `where cgroup=` prefix is matched in: the v2 one, or
 * the v1 hierarchy of a controller (BPF maps each to the kernel's enum
 * cgroup_subsys_id by name, CO-RE).  Named v1 hierarchies (name=systemd)
 * have no controller, hence no css to reach them by.
 */
enum ld_cgc {
	LD_CGC_V2, LD_CGC_CPUSET, LD_CGC_CPU, LD_CGC_CPUACCT, LD_CGC_IO, LD_CGC_MEMORY,
	LD_CGC_DEVICES, LD_CGC_FREEZER, LD_CGC_NET_CLS, LD_CGC_PERF_EVENT, LD_CGC_NET_PRIO,
	LD_CGC_HUGETLB, LD_CGC_PIDS, LD_CGC__COUNT
};

struct ld_bpf_cgroup {
	__u64 id;		/* kernfs id (inode) of the prefix directory in its hierarchy */
	__u32 level;		/* its depth below the hierarchy's root */
	__u32 ctrl;		/* enum ld_cgc: LD_CGC_V2, or the v1 controller's hierarchy */
};

/* ld_bpf_rule.flags */
#define LD_BR_MEMORY	(1U << 0)	/* wants process memory: freeze */
#define LD_BR_RET	(1U << 1)	/* ret_lo..ret_hi must hold */
#define LD_BR_LATENCY	(1U << 2)	/* latency_lo..latency_hi must hold */
#define LD_BR_GEN	(1U << 3)	/* the rules' generation (LD_EVF_GEN) */
#define LD_BR_ARG(i)	(1U << (8 + (i)))	/* args[i] must hold, i < 6 */

struct ld_bpf_rule {
	__u32 flags;
	__u32 ncodes, nparams, npids, nuids, ncomms, ncgroups, nexes;
	struct ld_bpf_range codes[LD_BPF_LIST];
	struct ld_bpf_range params[LD_BPF_LIST];
	__u32 pids[LD_BPF_LIST];
	__u32 uids[LD_BPF_LIST];
	char comms[LD_BPF_LIST][LD_COMM_LEN];
	struct ld_bpf_cgroup cgroups[LD_BPF_LIST];
	struct ld_exe_key exes[LD_BPF_LIST];
	__s64 ret_lo, ret_hi;		/* with LD_BR_RET */
	__u64 latency_lo, latency_hi;	/* with LD_BR_LATENCY, ns */
	struct ld_bpf_range args[6];	/* with LD_BR_ARG(i) */
	__u64 total;			/* 0: no limit */
	__u64 rate_n, rate_window_ns;	/* rate_n <= LD_RATE_MAX; 0: none */
	__u64 cooldown_ns;
};

/* Per rule, kept by BPF: what the limits need to remember. */
struct ld_rule_state {
	__u64 taken;			/* dumps admitted so far */
	__u64 head;			/* next slot in ring */
	__u64 ring[LD_RATE_MAX];	/* ktime of the last admitted dumps */
	__u64 declined[LD_VERDICT__COUNT];	/* every declined event, by verdict */
	__u64 unsent;			/* ... of which no record was sent up */
	__u64 send_second;		/* ktime / 1e9 of the current send budget */
	__u64 sent_in_second;		/* declined records sent up in it */
};

/* The rules of one detector, in rule order: indexes into the rules map. */
struct ld_det_rules {
	__u32 n;
	__u32 idx[LD_BPF_MAX_RULES];
};

struct ld_cooldown_key {
	__u32 rule;
	__u32 tgid;
};

#endif /* LIVEDUMP_RECORDS_H */
