/* SPDX-License-Identifier: MIT */
/*
 * The flight recorder, user-space side (docs/flight-recorder.md).
 *
 * Loader side: ld_history__configure() makes the recorder, sizes the
 * rings and picks the programs before the BPF object is loaded;
 * ld_history__start() fills the pool, maps the rings, attaches and gives
 * rings to processes already watched; ld_history__sync() after more pids
 * or executables are watched.
 *
 * Capture side, with the recorder the loader made (passed to the capture
 * in ld_capture_opts.history; NULL: none, and these return -ENOENT):
 * ld_history_take() copies a process's history (frozen by the detector at
 * the issue) and the kernel stacks BPF saved for it, and releases the
 * ring; ld_history__ident() what BPF saw of the process at its issue.
 */
#ifndef LIVEDUMP_HISTORY_USER_H
#define LIVEDUMP_HISTORY_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "kabi/history.h"
#include "kabi/ident.h"
#include "dump/dump_reader.h"

struct livedump_bpf;
struct ld_ruleset;
struct ld_history;

/*
 * Before load.  Sizes from the rules' history=N (0: the default).  *out
 * gets the recorder, or NULL (0 or -errno, with a message).
 */
/* Before load, instead of ld_history__configure(): none of the recorder's programs is loaded. */
void ld_history__off(struct livedump_bpf *skel);
int ld_history__configure(struct livedump_bpf *skel, const struct ld_ruleset *rules,
			  struct ld_history **out);
/*
 * After load, with what configure made in *h (NULL: nothing to do).  0 or
 * -errno (with a message); on failure *h is freed and set to NULL.
 */
int ld_history__start(struct livedump_bpf *skel, struct ld_history **h);
/* Processes that became watched get a ring (runs the BPF task iterator). */
void ld_history__sync(struct ld_history *h);
/*
 * The collector is done with @pid's issue at @issue_ktime (a dump it
 * declined): its ring records again, unless a later issue froze it since.
 */
void ld_history__release_pid(struct ld_history *h, pid_t pid, uint64_t issue_ktime);
void ld_history__free(struct ld_history *h);
/*
 * The rules' history depths, by name, after a reload (the rings keep the
 * depth they were sized with: a reload that needs another is refused).
 */
int ld_history__set_rules(struct ld_history *h, const struct ld_ruleset *rules);

/* Ring capacity, and rings in the pool. */
unsigned ld_history__depth(const struct ld_history *h);
unsigned ld_history__nrings(const struct ld_history *h);

/* A kernel stack BPF saved for an issue. */
struct ld_hist_kstack {
	uint32_t tid;
	struct ld_kstack ks;
};

/* What ld_history_take() copies. */
struct ld_hist_snap {
	struct ld_hist_ev *ev;		/* oldest first */
	size_t n;
	uint32_t depth;			/* ring capacity */
	uint32_t wanted;		/* events asked for */
	bool frozen;			/* frozen by an issue when copied */
	bool wrapped;			/* older events were overwritten */
	uint64_t frozen_ktime;
	uint64_t total;			/* events ever recorded in this ring */
	uint64_t dropped;		/* not recorded while frozen */
	struct ld_hist_kstack *ks;	/* BPF stacks of this issue */
	size_t nks;
};

/*
 * Copies the last @wanted events (0: the default depth; see
 * ld_history_wanted()) of @pid and the kernel stacks BPF saved for the
 * issue at @issue_ktime (0: none), then releases the ring.  0, or
 * -ENOENT when there is no recorder, or nothing of pid.
 */
int ld_history_take(struct ld_history *h, pid_t pid, uint64_t issue_ktime, unsigned wanted,
		    struct ld_hist_snap *out);
void ld_hist_snap__free(struct ld_hist_snap *s);

/* history=N of the rule named @rule in the recorder's rules, else the default. */
unsigned ld_history_wanted(const struct ld_history *h, const char *rule);

/*
 * @pid's identity as BPF saved it with its record of the issue at
 * @issue_ktime or later (kabi/ident.h): 0, or -ENOENT.
 */
int ld_history__ident(const struct ld_history *h, pid_t pid, uint64_t issue_ktime,
		      struct ld_ident *out);

/* Display helpers shared by the writer and inspect. */


/* One line for an event, strace-like for syscalls; returns its length.  @n may be NULL. */
size_t ld_hist_format(const struct ld_hist_ev *e, const struct ld_hist_names *n, char *buf,
		      size_t len);
/* "SI_USER" ... for an si_code, NULL when it has no name. */
const char *ld_hist_si_code_name(int code);
const char *ld_hist_type_name(unsigned type);
/* "S" "D" "R+" ... for a TASK_* state (preempted: "R+"). */
const char *ld_task_state_name(uint32_t state, bool preempt);

#endif
