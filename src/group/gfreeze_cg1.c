// SPDX-License-Identifier: MIT
/*
 * The cgroup v1 freezer: freezer.state FROZEN.  Its frozen tasks sit in
 * the refrigerator, where a ptrace interrupt does not reach them, so the
 * group is handed over to ptrace at once: every thread is seized and
 * interrupted while frozen, then the cgroup is thawed and each thread
 * traps before it returns to user space -- the instant stays the freeze's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <time.h>
#include <unistd.h>
#include "group/gfreeze.h"
#include "base/log.h"
#include "capture/proc.h"
#include "collector/holds.h"

static int set_state(const char *dir, const char *v)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Reading freezer.state is what moves FREEZING on to FROZEN. */
static bool is_frozen(const char *dir)
{
	char path[PATH_MAX], v[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	return !strncmp(v, "FROZEN", 6);
}

static bool usable(const struct ld_group *g)
{
	char path[PATH_MAX];

	/* A freezer takes the cgroup whole: not with members left out (group_max=). */
	if (g->scope != LD_SCOPE_CGROUP || !g->cgroup[0] || g->self_inside ||
	    ld_group_left_out(g))
		return false;
	snprintf(path, sizeof(path), "%s/freezer.state", g->cgroup);
	return !access(path, W_OK);
}

static int freeze(struct ld_group *g, pid_t skip, struct ld_ledger *lg, unsigned timeout_ms)
{
	uint64_t t0 = ld_gfreeze_now(), at;
	int err;

	(void)skip;
	if (is_frozen(g->cgroup)) {
		g->cg_was_frozen = true;
	} else {
		g->cg_slot = ld_ledger__add(lg, LD_LEDGER_CGROUP1, 0, g->cgroup);
		if (g->cg_slot == -ENOSPC)
			return -ENOSPC;
		err = set_state(g->cgroup, "FROZEN");
		if (err) {
			ld_ledger__clear(lg, g->cg_slot);
			g->cg_slot = -1;
			ld_warn("cannot freeze cgroup %s: %s", g->cgroup, strerror(-err));
			return err;
		}
		g->cg_frozen = true;
	}
	while (!is_frozen(g->cgroup) && ld_gfreeze_now() - t0 <= timeout_ms * 1000000ULL)
		usleep(100);
	at = ld_gfreeze_now();
	/* The cgroup holds them all, those left out of the dumps too. */
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].status != LD_MEMBER_GONE)
			g->m[i].frozen_ns = at;
	return at - t0 > timeout_ms * 1000000ULL ? -ETIMEDOUT : 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void thaw(struct ld_group *g, pid_t skip, struct ld_ledger *lg)
{
	int err;

	(void)skip;
	if (!g->cg_frozen)
		return;
	err = set_state(g->cgroup, "THAWED");
	if (err)
		ld_err("cannot thaw cgroup %s: %s", g->cgroup, strerror(-err));
	g->cg_frozen = false;
	ld_ledger__clear(lg, g->cg_slot);
	g->cg_slot = -1;
	/* The others, handed over to ptrace, run again as their captures let go. */
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].status == LD_MEMBER_LEFT_OUT && g->m[i].frozen_ns)
			g->m[i].released_ns = ld_gfreeze_now();
}

static int handover(struct ld_group *g, pid_t skip, struct ld_holds *holds, struct ld_ledger *lg)
{
	for (size_t i = 0; i < g->n; i++) {
		struct ld_group_member *m = &g->m[i];
		pid_t *tids;
		size_t n;

		if (m->pid == skip || m->status == LD_MEMBER_LEFT_OUT ||
		    ld_proc_tids(m->pid, &tids, &n))
			continue;
		for (size_t k = 0; k < n; k++) {
			struct ld_task_info ti;
			char state;

			state = ld_proc_task_info(m->pid, tids[k], &ti) ? '?' : ti.state;
			if (ptrace(PTRACE_SEIZE, tids[k], 0, 0)) {
				ld_dbg("cannot seize thread %d of %d: %s", tids[k], m->pid,
				       strerror(errno));
				continue;	/* its capture tries again, and says why */
			}
			/* Queued: it traps on its way out of the refrigerator. */
			ptrace(PTRACE_INTERRUPT, tids[k], 0, 0);
			ld_holds__add(holds, m->pid, tids[k], state, mono_ns(), 0);
		}
		free(tids);
	}
	thaw(g, skip, lg);
	return 0;
}

static void undo(const struct ld_ledger_entry *e)
{
	set_state(e->path, "THAWED");
}

const struct ld_gfreeze_ops ld_gfreeze_cg1 = {
	.name = "cgroup1", .ledger = LD_LEDGER_CGROUP1, .usable = usable, .freeze = freeze,
	.handover = handover, .thaw = thaw, .undo = undo,
};
