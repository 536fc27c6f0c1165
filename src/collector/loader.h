/* SPDX-License-Identifier: MIT */
/*
 * Loading and attaching livedump's BPF detectors (libbpf skeleton):
 * open -> configure rodata -> load -> attach, and one cleanup path.
 */
#ifndef LIVEDUMP_LOADER_H
#define LIVEDUMP_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "kabi/records.h"

struct ld_loader;

struct ld_ruleset;
struct ld_history;

struct ld_loader_opts {
	bool watch_all;		/* every process that reaches a probe */
	const struct ld_ruleset *rules;	/* compiled into the kernel's first stage */
	unsigned max_inflight;		/* frozen processes at most; 0 = no limit */
	bool bench_stages;		/* stamp the trigger path's stages (LD_STAGES) */
	bool no_history;		/* no flight recorder: its programs are not loaded */
};

/*
 * Detectors no rule uses are not even loaded: a syscall detector costs
 * every syscall on the machine something, so it only runs when wanted.
 */
int ld_loader__new(const struct ld_loader_opts *opts, struct ld_loader **out);
void ld_loader__free(struct ld_loader *l);

/*
 * Puts the trigger uprobe on LD_FIRE_SYMBOL in @path (once per file).
 * @shown is the name used in messages.  0, or -errno with a message logged.
 */
int ld_loader__attach_trigger(struct ld_loader *l, const char *path, const char *shown);
size_t ld_loader__nprobes(const struct ld_loader *l);

int ld_loader__watch_pid(struct ld_loader *l, pid_t pid);
int ld_loader__watch_exe(struct ld_loader *l, const char *path);

/* Whether @pid is one the BPF programs watch (for detectors that run in user space). */
bool ld_loader__watched(const struct ld_loader *l, pid_t pid);

/*
 * When (ktime) the kernel stopped the thread BPF froze in @pid, for the
 * freeze in force; -ENOENT when not known (not stopped yet, or no probe).
 */
/*
 * With opts.bench_stages: the stages BPF stamped for the issue at @issue
 * (ktime), taken out of the kernel's map; -ENOENT when there are none.
 */
struct ld_stages;
int ld_loader__take_stages(struct ld_loader *l, uint64_t issue, struct ld_stages *out);

int ld_loader__stopped_ktime(const struct ld_loader *l, pid_t pid, uint64_t *ktime);

/*
 * Whether BPF froze thread @tid for an issue whose event is not handled
 * yet (0, *ktime set) or not (-ENOENT).
 */
int ld_loader__pending_issue(const struct ld_loader *l, pid_t tid, uint64_t *ktime);
/* The event of @tid's issue at @ktime is being handled: no longer pending. */
void ld_loader__issue_done(struct ld_loader *l, pid_t tid, uint64_t ktime);

/* The process was resumed: forget that BPF froze it. */
void ld_loader__thawed(struct ld_loader *l, pid_t pid);
/* An issue we declined: the flight recorder BPF froze for it records again. */
void ld_loader__history_release(struct ld_loader *l, pid_t pid, uint64_t issue_ktime);
/* The flight recorder, for the capture (ld_capture_opts.history); NULL: none. */
struct ld_history *ld_loader__history(const struct ld_loader *l);

/* Issue records the kernel could not queue (the ring buffer was full), so far. */
uint64_t ld_loader__dropped(const struct ld_loader *l);
/* ... of detector @det (enum ld_detector). */
uint64_t ld_loader__dropped_by(const struct ld_loader *l, unsigned det);

/* What the kernel counted of rule @idx's declined events (kabi/records.h). */
struct ld_rule_counts {
	uint64_t declined[LD_VERDICT__COUNT];	/* by verdict; [LD_VERDICT_DUMP] unused */
	uint64_t unsent;		/* declined events of which no record came up */
};
/* 0 or -errno. */
int ld_loader__rule_counts(const struct ld_loader *l, unsigned idx, struct ld_rule_counts *out);

/*
 * Swaps @rs in for @old, the rules in force, without detaching anything:
 * only when @rs needs the very programs, constants and map sizes loaded
 * now, and keeps every probe rule (attached by its index) where and as it
 * is.  Else -EBUSY and @why says what would need a new load; the old rules
 * stay in force.  The kernel then marks its records with the new
 * generation (ld_loader__rules_gen(), LD_EVF_GEN).
 */
int ld_loader__reload(struct ld_loader *l, const struct ld_ruleset *old,
		      const struct ld_ruleset *rs, char *why, size_t len);
/* The generation of the rules in force (flips at each reload). */
bool ld_loader__rules_gen(const struct ld_loader *l);

/* fd of the map of frozen processes, for the guard. */
int ld_loader__frozen_fd(const struct ld_loader *l);

/* Ring buffer: fn gets every record; returns events consumed or -errno. */
typedef int (*ld_event_fn)(void *ctx, void *data, size_t size);
int ld_loader__poll(struct ld_loader *l, int timeout_ms, ld_event_fn fn, void *ctx);

#endif
