/* SPDX-License-Identifier: MIT */
/*
 * Holding a process still with ptrace: every thread is seized and
 * interrupted, so registers can be read and memory does not move.
 */
#ifndef LIVEDUMP_FREEZE_H
#define LIVEDUMP_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ld_frozen_thread {
	pid_t tid;
	bool stopped;		/* in a ptrace-stop: registers can be read */
	bool attached;		/* still ours to detach */
	char state;		/* /proc state before we seized it */
};

struct ld_freeze {
	pid_t pid;
	struct ld_frozen_thread *t;
	size_t n;
};

/*
 * Seizes every thread of @pid (also ones created meanwhile) and waits up
 * to @timeout_ms for each to stop; threads that do not stop in time (e.g.
 * in uninterruptible sleep) stay listed with stopped == false.
 * 0, -ESRCH when the process is gone, -errno.
 */
int ld_freeze__all(struct ld_freeze *f, pid_t pid, unsigned timeout_ms);

/* Detaches every thread but @keep (0: all).  Safe to call repeatedly. */
void ld_freeze__release(struct ld_freeze *f, pid_t keep);

void ld_freeze__free(struct ld_freeze *f);

#endif
