/* SPDX-License-Identifier: MIT */
/*
 * Threads the collector keeps in a ptrace-stop between captures.
 *
 * Several threads of one process can hit issues before the group stop
 * takes them all.  Each one's event is handled in turn; until then the
 * thread must not run on from its issue (its dump would show a later
 * instant, and an app trigger's request would be gone from its stack by
 * the time the collector answers it).  A capture that lets a process run
 * again hands such threads over here, still seized; the capture of their
 * own event adopts them back (ld_freeze__all).
 *
 * ptrace ties a tracee to the thread that seized it: every call here
 * must come from the collector's event-loop thread.
 */
#ifndef LIVEDUMP_HOLDS_H
#define LIVEDUMP_HOLDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ld_held {
	pid_t pid, tid;
	char state;		/* /proc state before it was first seized */
	uint64_t since_ns;	/* CLOCK_MONOTONIC when it was first held */
	int sig;		/* stopped delivering it: delivered when let go (ld_ptrace_stop_sig()) */
};

struct ld_holds {
	struct ld_held *v;
	size_t n;
};

/* Keeps @tid of @pid, already seized by this thread.  0 or -ENOMEM (then it is detached). */
int ld_holds__add(struct ld_holds *h, pid_t pid, pid_t tid, char state, uint64_t since_ns,
		  int sig);
/* Takes @tid out of the set (the caller owns the ptrace hold now); false if not held. */
bool ld_holds__take(struct ld_holds *h, pid_t tid, struct ld_held *out);
/* Lets @tid run (detaches it) if it is held; true if it was. */
bool ld_holds__release(struct ld_holds *h, pid_t tid);
/*
 * Forgets threads that died while held (reaping what ptrace left to us)
 * and lets go of those held longer than @max_ns (0: no limit), which
 * @expired is told of (may be NULL).
 */
void ld_holds__tick(struct ld_holds *h, uint64_t max_ns,
		    void (*expired)(void *arg, const struct ld_held *t), void *arg);
/* Detaches everything. */
void ld_holds__free(struct ld_holds *h);

/*
 * Detaches a tracee of ours; a thread that died meanwhile is reaped, so
 * that no zombie waits on us (its real parent can reap it at once).
 */
void ld_ptrace_let_go(pid_t tid);
/*
 * ... delivering @sig: a thread we seized that stopped on its way to a
 * signal's delivery (a signal-delivery-stop) has that signal handed back,
 * or it would be lost.
 */
void ld_ptrace_let_go_sig(pid_t tid, int sig);
/*
 * From a waitpid() status of a seized thread: the signal of a
 * signal-delivery-stop that must be handed back when it is let go; 0 for
 * every other stop, and for SIGSTOP, whose stop is what holding a thread
 * stands for (a SIGSTOP is flushed by the SIGCONT that resumes it).
 */
int ld_ptrace_stop_sig(int status);

/*
 * Waits up to @timeout_ms for a seized @tid to be in a ptrace-stop (after
 * a SIGCONT it re-traps).  0, -ESRCH when it died, -ETIMEDOUT.
 */
int ld_ptrace_wait_stopped(pid_t tid, unsigned timeout_ms, int *sig);

#endif
