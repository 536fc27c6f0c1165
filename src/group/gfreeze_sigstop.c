// SPDX-License-Identifier: MIT
/*
 * SIGSTOP to each member, where no cgroup freezer holds the group (peers,
 * executables, a cgroup without a freezer): all are sent at once, then
 * each one's stop is waited for and timed.  A member that was stopped
 * already is left stopped; the others get their SIGCONT at the thaw.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "group/gfreeze.h"
#include "capture/proc.h"

static bool stopped(pid_t pid)
{
	struct ld_task_info ti;

	return !ld_proc_task_info(pid, pid, &ti) && (ti.state == 'T' || ti.state == 't');
}

static bool usable(const struct ld_group *g)
{
	(void)g;
	return true;
}

static bool held_here(const struct ld_group_member *m, pid_t skip)
{
	return m->pid != skip && m->status != LD_MEMBER_LEFT_OUT && m->status != LD_MEMBER_GONE;
}

static int freeze(struct ld_group *g, pid_t skip, struct ld_ledger *lg, unsigned timeout_ms)
{
	uint64_t t0 = ld_gfreeze_now();
	size_t pending = 0;

	for (size_t i = 0; i < g->n; i++) {
		struct ld_group_member *m = &g->m[i];

		if (!held_here(m, skip))
			continue;
		if (stopped(m->pid)) {
			m->was_stopped = true;
			m->frozen_ns = ld_gfreeze_now();
			continue;
		}
		m->slot = ld_ledger__add(lg, LD_LEDGER_SIGCONT, m->pid, NULL);
		if (m->slot == -ENOSPC) {
			m->status = LD_MEMBER_LEFT_OUT;
			snprintf(m->why, sizeof(m->why), "no room in the guard's ledger");
			m->slot = -1;
			continue;
		}
		if (kill(m->pid, SIGSTOP)) {
			m->status = LD_MEMBER_GONE;
			ld_ledger__clear(lg, m->slot);
			m->slot = -1;
			continue;
		}
		pending++;
	}
	while (pending) {
		uint64_t now = ld_gfreeze_now();

		pending = 0;
		for (size_t i = 0; i < g->n; i++) {
			struct ld_group_member *m = &g->m[i];

			if (m->slot < 0 || m->frozen_ns)
				continue;
			if (stopped(m->pid))
				m->frozen_ns = ld_gfreeze_now();
			else if (kill(m->pid, 0))
				m->status = LD_MEMBER_GONE;
			else
				pending++;
		}
		if (pending && now - t0 > timeout_ms * 1000000ULL)
			return -ETIMEDOUT;
		if (pending)
			usleep(100);
	}
	return 0;
}

static void thaw(struct ld_group *g, pid_t skip, struct ld_ledger *lg)
{
	(void)skip;
	for (size_t i = 0; i < g->n; i++) {
		struct ld_group_member *m = &g->m[i];

		if (m->slot < 0)
			continue;
		kill(m->pid, SIGCONT);
		m->released_ns = ld_gfreeze_now();
		ld_ledger__clear(lg, m->slot);
		m->slot = -1;
	}
}

static void undo(const struct ld_ledger_entry *e)
{
	kill(e->pid, SIGCONT);
}

const struct ld_gfreeze_ops ld_gfreeze_sigstop = {
	.name = "sigstop", .ledger = LD_LEDGER_SIGCONT, .usable = usable, .freeze = freeze,
	.thaw = thaw, .undo = undo,
};
