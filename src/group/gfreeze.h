/* SPDX-License-Identifier: MIT */
/*
 * Holding a whole group still at one instant: one entry per method, each
 * in its own file (gfreeze_cg2.c, gfreeze_cg1.c, gfreeze_sigstop.c),
 * picked by what the host has for the group.  Whatever a method holds is
 * written to the guard's ledger (ledger.h) before it is held, so that the
 * guard can let it go should the collector die.
 */
#ifndef LIVEDUMP_GFREEZE_H
#define LIVEDUMP_GFREEZE_H

#include <stdbool.h>
#include <stdint.h>
#include "group/group.h"
#include "group/ledger.h"

struct ld_holds;

struct ld_gfreeze_ops {
	const char *name;		/* "cgroup2", "cgroup1", "sigstop" (the manifest's "freezer") */
	enum ld_ledger_kind ledger;	/* what the guard undoes for it */
	/* Whether it can hold @g (a cgroup method: g->cgroup has its control file). */
	bool (*usable)(const struct ld_group *g);
	/*
	 * Freezes every member not LD_MEMBER_LEFT_OUT/GONE, waiting up to
	 * @timeout_ms; sets each one's frozen_ns.  0, or -errno (then nothing
	 * is held any more).  -ETIMEDOUT: not all froze in time, but what did
	 * stays held (thaw() lets it go).
	 */
	int (*freeze)(struct ld_group *g, pid_t skip, struct ld_ledger *lg, unsigned timeout_ms);
	/*
	 * Members frozen this way can be seized with ptrace but reach no
	 * ptrace-stop (cgroup v1 keeps them in the refrigerator): handover
	 * seizes every thread of the members into @holds, then thaws, so each
	 * traps before it runs a single instruction.  NULL: ptrace works on
	 * frozen members as it is.
	 */
	int (*handover)(struct ld_group *g, pid_t skip, struct ld_holds *holds, struct ld_ledger *lg);
	/* Lets every member go (also after a failed freeze); sets released_ns. */
	void (*thaw)(struct ld_group *g, pid_t skip, struct ld_ledger *lg);
	/* The guard, the collector gone: undoes one ledger entry of this method. */
	void (*undo)(const struct ld_ledger_entry *e);
};

extern const struct ld_gfreeze_ops ld_gfreeze_cg2, ld_gfreeze_cg1, ld_gfreeze_sigstop;

/* The first usable method for @g: the cgroup's own freezer, else SIGSTOP. */
const struct ld_gfreeze_ops *ld_gfreeze_pick(const struct ld_group *g);

/* The guard: undoes every entry of @lg, each by its method. */
void ld_gfreeze_undo_ledger(struct ld_ledger *lg);

/* Shared by the methods: CLOCK_REALTIME now. */
uint64_t ld_gfreeze_now(void);

#endif
