/* SPDX-License-Identifier: MIT */
/*
 * Holding a process still with ptrace: every thread is seized and
 * interrupted, so registers can be read and memory does not move.
 */
#ifndef LIVEDUMP_FREEZE_H
#define LIVEDUMP_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "collector/holds.h"

struct ld_frozen_thread {
	pid_t tid;
	bool stopped;		/* in a ptrace-stop: registers can be read */
	bool attached;		/* still ours to detach */
	bool adopted;		/* held since an earlier capture (holds.h) */
	char state;		/* /proc state before we seized it */
	uint64_t since_ns;	/* CLOCK_MONOTONIC when it was seized */
	int sig;		/* it stopped delivering this signal: handed back when let go */
};

struct ld_freeze {
	pid_t pid;
	struct ld_frozen_thread *t;
	size_t n;
};

/*
 * Seizes every thread of @pid (also ones created meanwhile) and waits up
 * to @timeout_ms for each to stop; threads that do not stop in time (e.g.
 * in uninterruptible sleep) stay listed with stopped == false.  Threads
 * of @pid in @holds (may be NULL) are taken over as they are.
 * 0, -ESRCH when the process is gone, -EPERM with a message naming the
 * tracer when another one traces it, -errno.
 */
int ld_freeze__all(struct ld_freeze *f, pid_t pid, unsigned timeout_ms, struct ld_holds *holds);

/* Detaches every thread but @keep (0: all).  Safe to call repeatedly. */
void ld_freeze__release(struct ld_freeze *f, pid_t keep);

/*
 * Like ld_freeze__release(), but threads for which @pending says an issue
 * of their own is still to be handled go to @holds instead, still seized.
 */
void ld_freeze__handoff(struct ld_freeze *f, pid_t keep, struct ld_holds *holds,
			bool (*pending)(void *arg, pid_t tid), void *arg);

void ld_freeze__free(struct ld_freeze *f);

#endif
