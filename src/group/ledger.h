/* SPDX-License-Identifier: MIT */
/*
 * The guard's ledger: a page shared by the collector and its guard
 * (collector/guard.h) listing what a group capture holds right now -- a
 * frozen cgroup, a process it sent SIGSTOP.  An entry is written before
 * the hold is taken and cleared after it is let go, so a guard that sees
 * the collector die undoes exactly what is still held (gfreeze.h).
 */
#ifndef LIVEDUMP_LEDGER_H
#define LIVEDUMP_LEDGER_H

#include <stdint.h>
#include <sys/types.h>

enum ld_ledger_kind {
	LD_LEDGER_FREE = 0,
	LD_LEDGER_CGROUP2,		/* path: a cgroup v2 directory whose cgroup.freeze we set */
	LD_LEDGER_CGROUP1,		/* path: a v1 freezer directory we set FROZEN */
	LD_LEDGER_SIGCONT,		/* pid: a process we sent SIGSTOP */
	LD_LEDGER__COUNT,
};

#define LD_LEDGER_MAX		(LD_GROUP_LEDGER_SLOTS)
#define LD_GROUP_LEDGER_SLOTS	72	/* members (64) and a cgroup or two */

struct ld_ledger_entry {
	uint32_t kind;			/* enum ld_ledger_kind; written last, cleared first */
	int32_t pid;
	char path[1024];
};

struct ld_ledger {
	struct ld_ledger_entry e[LD_LEDGER_MAX];
};

/* A shared anonymous mapping, inherited by the guard forked after it.  NULL: -errno in errno. */
struct ld_ledger *ld_ledger__new(void);
/* Records a hold; returns its slot, or -ENOSPC (then it must not be taken). */
int ld_ledger__add(struct ld_ledger *lg, enum ld_ledger_kind kind, pid_t pid, const char *path);
void ld_ledger__clear(struct ld_ledger *lg, int slot);
void ld_ledger__free(struct ld_ledger *lg);

#endif
