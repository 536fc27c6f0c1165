/* SPDX-License-Identifier: MIT */
/*
 * Snapshot capture (the seed's PssCaptureSnapshot "VA clone"): a
 * copy-on-write copy of a frozen process's address space, so the process
 * can run again at once while its dump is written from the copy.
 *
 * With every thread of the target in a ptrace-stop (ld_freeze), one
 * stopped thread T is made to run a few system calls, each through
 * ptrace (registers set, PTRACE_SYSCALL to its exit), with every signal
 * blocked meanwhile:
 *
 *   T:  mmap(4 KiB, r-x)  a page for a trampoline (syscall; exit_group):
 *                         through a syscall instruction the process has
 *                         (where T stopped, the vDSO); its code is never
 *                         changed
 *   T:  clone(CLONE_VM|CLONE_FS|CLONE_FILES, exit signal 0) -> C
 *       (shares T's memory: cheap; the kernel attaches it to us, stopped)
 *   C:  fork() -> G       the copy: page tables copied, pages shared COW
 *   -   SIGKILL C, reap it as its tracer
 *   T:  wait4(C, __WALL|WNOHANG)   T reaps its child: no zombie
 *   G:  close_range(0, ~0)         G holds none of the target's files
 *   T:  munmap(the page)
 *
 * G is an orphan (its parent C is gone: init or a subreaper reaps it),
 * traced by us with PTRACE_O_EXITKILL, so it dies with the collector even
 * on SIGKILL; it never runs a single instruction of the target's code.
 * The target's parent sees nothing (C's exit signal is 0, and C is reaped
 * by the target itself), the target sees no SIGCHLD either.  Between the
 * calls T holds its own registers (an interrupted system call restarts as
 * after any ptrace stop), so a collector killed even in the middle leaves
 * T going on as before, unless it dies within one of T's calls (a few
 * microseconds each).  All of it happens while the process is frozen
 * anyway: its cost is one page-table copy.
 *
 * Refused (the caller falls back to a plain capture) when a seccomp
 * filter of T would not allow these calls (the filters are read with
 * PTRACE_SECCOMP_GET_FILTER and run here, so a KILL action never fires),
 * when the process uses userfaultfd (fork would wait for its monitor,
 * which is frozen), when memory is short (the target may have to copy
 * every page it writes while the snapshot lives), when its
 * MADV_DONTFORK / MADV_WIPEONFORK mappings are too big to read from the
 * original during the pause, and when clone or fork fail (RLIMIT_NPROC,
 * pids.max, ENOMEM).
 */
#ifndef LIVEDUMP_SNAPSHOT_H
#define LIVEDUMP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dump/dumpfmt.h"
#include "capture/freeze.h"
#include "capture/proc.h"

/* MADV_DONTFORK / MADV_WIPEONFORK mappings above this make a plain capture. */
#define LD_SNAPSHOT_MAX_NOFORK	(256ULL << 20)

struct ld_snapshot {
	pid_t pid;		/* the copy (in our pid namespace); 0: none */
	pid_t via;		/* the thread that made it */
	int err;		/* why there is none: -errno (0 when made) */
	char why[96];		/* the same for people */
	uint64_t ns;		/* time it took to make (all of it inside the pause) */
	uint64_t at;		/* where the trampoline page was (unmapped again) */
};

/*
 * Mappings whose contents are not in a fork: smaps "VmFlags: dc" (absent
 * in the copy) or "wf" (zero in the copy).  *v is malloc'ed; *layout (may
 * be NULL) gets ld_snapshot__layout() of the mappings smaps listed.
 * smaps costs a walk of every page table (~14 ms per GiB), so the capture
 * reads it before it freezes the process, and again while it is frozen
 * only when the layout changed meanwhile.
 */
int ld_snapshot__nofork_ranges(pid_t pid, struct ld_range **v, size_t *n, uint64_t *layout);
/* The same from the text of smaps read already (the capture reads it once for hidden.h too). */
int ld_snapshot__nofork_parse(const char *smaps, struct ld_range **v, size_t *n, uint64_t *layout);
/* A hash of the mappings' bounds. */
uint64_t ld_snapshot__layout(const struct ld_maps *maps);

struct ld_snapshot_opts {
	const struct ld_maps *maps;	/* the target's mappings */
	bool uses_uffd;			/* it has a userfaultfd open */
	uint64_t nofork_bytes;		/* what ld_snapshot__nofork_ranges() found */
	pid_t prefer;			/* thread to use if stopped (0: any) */
};

/*
 * Makes the copy of the frozen process @fz.  Returns 0 with s->pid set,
 * or a negative errno with s->err and s->why saying why not: the target
 * is unchanged and still frozen then, and a plain capture can go on
 * (-ESRCH: the target is gone).
 */
int ld_snapshot__take(struct ld_snapshot *s, struct ld_freeze *fz,
		      const struct ld_snapshot_opts *o);

/* Reads the copy's memory: like ld_mem_read(). */
long ld_snapshot__read(const struct ld_snapshot *s, uint64_t addr, void *buf, size_t len);

/* Kills and reaps the copy.  Safe to call repeatedly and on a failed take. */
void ld_snapshot__drop(struct ld_snapshot *s);

#endif
