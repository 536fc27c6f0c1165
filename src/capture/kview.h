/* SPDX-License-Identifier: MIT */
/*
 * The kernel's view of a dumped process (docs/flight-recorder.md):
 * kernel stacks (BPF's at the issue, else /proc's at capture time)
 * symbolized from /proc/kallsyms while the dump is taken, the process's
 * identity as the kernel sees it (pids in every pid namespace, namespace
 * inodes, cgroup, credentials, state: from /proc while the process is
 * there, else from BPF at the issue), and its flight-recorder history.
 * They become the notes LD_NT_KSTACK, LD_NT_KPROC and LD_NT_HISTORY.
 */
#ifndef LIVEDUMP_KVIEW_H
#define LIVEDUMP_KVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dump/dumpfmt.h"
#include "collector/history.h"

struct ld_notes;

/* --- /proc/kallsyms --------------------------------------------------------- */

struct ld_ksyms;

/*
 * The kernel's text symbols, read once per process (call early: the
 * first read takes some milliseconds).  NULL when unreadable, or when the
 * kernel hides addresses (kptr_restrict).
 */
const struct ld_ksyms *ld_ksyms_get(void);
/* Reads /proc/kallsyms again (a module was loaded since). */
const struct ld_ksyms *ld_ksyms_reload(void);
/*
 * "func+0x1a/0x80 [module]" for a return address, as the kernel's %pB
 * prints it (the call may be the function's last instruction).  0, or
 * -ENOENT with "0x..." in buf.
 */
int ld_ksyms__name(const struct ld_ksyms *k, uint64_t addr, bool return_addr, char *buf,
		   size_t len);

/* --- the kernel's view of one dump ------------------------------------------ */

struct ld_kframe {
	uint64_t addr;			/* 0: /proc did not say */
	char *sym;
};

struct ld_kthread {
	uint32_t tid, ns_tid, ctx_tid;
	uint32_t source;		/* enum ld_kstack_source */
	uint32_t flags;			/* LD_KS_* */
	int32_t syscall;
	uint64_t ktime_ns;
	char state;
	struct ld_kframe *frames;
	size_t nframes;
};

struct ld_kview {
	bool have_proc;
	struct ld_note_kproc proc;
	char *cgroup;			/* cgroup v2 path */
	char *cgroups;			/* /proc/PID/cgroup as read */
	char *memcg_v1;			/* gone from /proc: its v1 memcg "memory:/PATH" (BPF's) */
	struct ld_kthread *threads;
	size_t nthreads;
	bool have_hist;
	struct ld_hist_snap hist;
	uint64_t issue_ktime;
	uint64_t realtime_offset;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

struct ld_kview_opts {
	pid_t pid, trigger_tid;
	const pid_t *tids;		/* threads of the dump; NULL: read /proc */
	const char *states;		/* their states before the stop, or NULL */
	size_t ntids;
	const void *trigger;		/* the BPF record of the issue, or NULL */
	size_t trigger_len;
	const char *rule;		/* for its history=N */
	bool stopped;			/* the process was stopped by ptrace */
	struct ld_history *history;	/* the flight recorder (history.h), or NULL */
	/*
	 * What BPF saw of the process at the issue, or NULL: the identity
	 * when /proc no longer has the process.
	 */
	const struct ld_ident *ident;
};

/* Collects; what cannot be read is left out.  0 or -ENOMEM. */
int ld_kview__collect(struct ld_kview *kv, const struct ld_kview_opts *o);
void ld_kview__notes(const struct ld_kview *kv, struct ld_notes *n);
void ld_kview__free(struct ld_kview *kv);

#endif
