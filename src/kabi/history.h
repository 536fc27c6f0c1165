/* SPDX-License-Identifier: MIT */
/*
 * The flight recorder: what BPF keeps of each watched process's recent
 * life, and the kernel stacks it saves at an issue.  Shared verbatim by
 * bpf/history.bpf.h (which writes these) and src/ (which reads them from
 * the maps and writes them into dumps: LD_NT_HISTORY, LD_NT_KSTACK).
 *
 * Each watched process owns one ring of `depth` slots (a power of two) in
 * one big array map; a slot is struct ld_hist_ev.  Writers take a position
 * with an atomic add on the ring's head and write the slot; `seq` (the
 * position + 1) is written last, so a reader can tell a complete slot of
 * this lap from an old or half-written one.  At an issue the detector
 * freezes the ring (LD_HRING_FROZEN): nothing more is written to it until
 * the collector has copied it and released it.
 */
#ifndef LIVEDUMP_HISTORY_H
#define LIVEDUMP_HISTORY_H

#include "kabi/records.h"

#define LD_HIST_DEFAULT_DEPTH	256	/* events per process when rules do not say */
#define LD_HIST_MAX_DEPTH	65536	/* history=N at most */
#define LD_HIST_STR		56	/* bytes of a syscall's path argument kept */
#define LD_HIST_POOL_BYTES	(32U << 20)	/* default memory for all rings */
#define LD_HIST_MIN_RINGS	16
#define LD_HIST_MAX_RINGS	4096
/* A ring no one released (collector gone, event declined) records again after this. */
#define LD_HIST_FREEZE_TIMEOUT_NS	(60ULL * 1000000000ULL)

/* ld_hist_ev.type */
enum ld_hist_type {
	LD_HEV_SYSCALL = 1,	/* a system call returned (time = its entry) */
	LD_HEV_SIGNAL_GEN = 2,	/* a signal was sent to the process (time = when it was sent) */
	LD_HEV_SIGNAL_DELIVER = 3,	/* a thread takes a signal: handler, default action */
	LD_HEV_SWITCH = 4,	/* the thread left its CPU: blocked (state) or preempted */
	LD_HEV_BLOCK = 5,	/* the process issued a block request (completion filled in later) */
	LD_HEV_TRIGGER = 6,	/* a rule matched an issue of this process (any detector) */
	LD_HEV_EXEC = 7,	/* the process became watched at exec, or exec'ed while watched */
	LD_HEV__COUNT,
};

/* ld_hist_ev.flags */
#define LD_HEVF_STR		(1U << 0)	/* syscall: u.sys.str holds its path argument */
#define LD_HEVF_STR_CUT		(1U << 1)	/* ... cut to LD_HIST_STR - 1 bytes */
#define LD_HEVF_NORETURN	(1U << 2)	/* syscall: recorded at its entry (exit, exit_group) */
#define LD_HEVF_DONE		(1U << 3)	/* switch: back on a CPU (off_cpu_ns valid); block: completed */
#define LD_HEVF_PREEMPT		(1U << 4)	/* switch: preempted, still runnable */
#define LD_HEVF_GROUP		(1U << 5)	/* signal gen: sent to the whole process */
#define LD_HEVF_FROZE		(1U << 6)	/* trigger: this issue froze the recorder */

struct ld_hist_sys {
	__u32 nr;		/* x86-64 syscall number */
	__u32 str_arg;		/* index of the argument u.sys.str is a copy of */
	__s64 ret;
	__u64 dur_ns;		/* entry to return */
	__u64 args[6];
	char str[LD_HIST_STR];	/* with LD_HEVF_STR: the path argument, NUL-terminated */
};

struct ld_hist_sig {
	__s32 sig;
	__s32 code;		/* si_code */
	__s32 err;		/* si_errno */
	__s32 result;		/* gen: TRACE_SIGNAL_* (0 delivered, 1 ignored, 2 already pending, 3 overflow, 4 lose info) */
	__u32 sender_pid;	/* gen: tgid and tid of the sender, 0 from the kernel/irq */
	__u32 sender_tid;
	char sender_comm[LD_COMM_LEN];
	__u64 handler;		/* deliver: sa_handler (0 SIG_DFL, 1 SIG_IGN) */
	__u64 sa_flags;		/* deliver */
	__u64 addr;		/* si_addr for faults */
};

struct ld_hist_switch {
	__u32 state;		/* prev_state as the kernel had it (TASK_* bits; 0 running) */
	__s32 syscall;		/* the syscall it was in, -1 none known */
	__u64 off_cpu_ns;	/* with LD_HEVF_DONE: until it ran again */
	__u32 next_tid;		/* who got the CPU */
	__u32 pad;
	char next_comm[LD_COMM_LEN];
};

struct ld_hist_block {
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 op;		/* REQ_OP_* */
	__u64 sector;
	__u32 bytes;
	__s32 error;		/* with LD_HEVF_DONE: -errno, 0 success */
	__u64 latency_ns;	/* with LD_HEVF_DONE */
};

struct ld_hist_trigger {
	__u32 event;		/* enum ld_event_type of the detector's record */
	__u32 rule;
	__u32 verdict;		/* enum ld_verdict */
	__u32 pad;
	__u64 code;
	__u64 param;
};

struct ld_hist_exec {
	__u32 old_tid;		/* the thread that called execve */
	__u32 pad;
	char comm[LD_COMM_LEN];	/* the new name */
};

/* One event: 160 bytes. */
struct ld_hist_ev {
	__u64 seq;		/* ring position + 1; 0: never written */
	__u64 ktime_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 tid;
	__u16 type;		/* enum ld_hist_type */
	__u16 flags;		/* LD_HEVF_* */
	__u32 cpu;
	__u32 pad;
	union {
		struct ld_hist_sys sys;
		struct ld_hist_sig sig;
		struct ld_hist_switch sw;
		struct ld_hist_block blk;
		struct ld_hist_trigger trig;
		struct ld_hist_exec exec;
		__u8 raw[128];
	} u;
};

/* ld_hist_ring.state */
#define LD_HRING_FROZEN		(1U << 0)	/* an issue froze it: nothing is written */
#define LD_HRING_DEAD		(1U << 1)	/* its process is gone; freed on release */

/* The control block of one ring (array map hist_rings, index = ring id). */
struct ld_hist_ring {
	__u64 head;		/* positions taken so far */
	__u64 state;		/* LD_HRING_* (64 bits: BPF's atomic and/or) */
	__u32 tgid;		/* owner */
	__u32 pad;
	__u64 frozen_ktime;	/* when it was frozen: the issue's ktime */
	__u64 frozen_head;	/* head when it was frozen */
	__u64 dropped;		/* events not recorded while frozen */
	__u64 frozen_dropped;	/* dropped when it was frozen: gaps before the issue */
	__u64 gen;		/* bumped each time the ring is given to a process */
};

#define LD_KSTACK_MAX		64	/* frames kept */

/* ld_kstack.source */
enum ld_kstack_source {
	LD_KSTACK_ISSUE = 1,	/* the detector's own context at the issue (bpf_get_stack) */
	LD_KSTACK_WAKE = 2,	/* a thread asleep at the issue, as it woke for the stop */
	LD_KSTACK_PROC = 3,	/* /proc/PID/task/TID/stack at capture time (no addresses) */
};

struct ld_kstack_key {
	__u32 tgid;
	__u32 tid;
	__u32 source;		/* enum ld_kstack_source */
	__u32 pad;
};

/* Map hist_kstacks: a kernel stack BPF saved for an issue. */
struct ld_kstack {
	__u64 ktime_ns;		/* the issue it belongs to (its ktime) */
	__u32 source;		/* enum ld_kstack_source */
	__u32 nr;		/* frames in ips */
	__u32 ctx_pid;		/* whose stack: differs from the key for block completions */
	__u32 ctx_tid;
	__u32 state;		/* task state when it was taken (TASK_* bits) */
	__s32 syscall;		/* the syscall it was in, -1 none known */
	__u64 ips[LD_KSTACK_MAX];
};

#endif /* LIVEDUMP_HISTORY_H */
