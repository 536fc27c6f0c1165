// SPDX-License-Identifier: MIT
/*
 * A group manifest shown (inspect, report): the group, its members, what
 * each thread was doing and the links between them, text and JSON from
 * the same calls (base/view.h).
 */
#include <stdio.h>
#include <string.h>
#include "group/manifest.h"
#include "base/view.h"

static const struct ld_view_col member_cols[] = {
	{ "PID", LD_COL_RIGHT }, { "ROLE", 0 }, { "COMM", 0 }, { "STATUS", 0 },
	{ "HELD MS", LD_COL_RIGHT }, { "DUMP", LD_COL_SHRINK },
};

static const struct ld_view_col thread_cols[] = {
	{ "PID", LD_COL_RIGHT }, { "TID", LD_COL_RIGHT }, { "ST", 0 }, { "SYSCALL", 0 },
	{ "WCHAN", LD_COL_SHRINK }, { "WAITS FOR", 0 },
};

static const struct ld_view_col link_cols[] = {
	{ "KIND", 0 }, { "A", LD_COL_RIGHT }, { "FD", LD_COL_RIGHT }, { "B", LD_COL_RIGHT },
	{ "FD", LD_COL_RIGHT }, { "WHAT", LD_COL_SHRINK },
};

#define NCOLS(c)	(sizeof(c) / sizeof((c)[0]))

static void members(struct ld_view *v, const struct ld_manifest *mf)
{
	ld_view__table(v, "members", "members", mf->n, 0, member_cols, NCOLS(member_cols));
	for (size_t i = 0; i < mf->n; i++) {
		const struct ld_manifest_member *m = &mf->m[i];
		char held[32] = "-";

		if (m->frozen_ns && m->released_ns >= m->frozen_ns)
			snprintf(held, sizeof(held), "%.3f", (m->released_ns - m->frozen_ns) / 1e6);
		ld_view__row(v);
		ld_view__int(v, "pid", "", m->pid);
		ld_view__str(v, "role", "", m->trigger ? "trigger" : "peer");
		ld_view__str(v, "comm", "", m->comm);
		ld_view__str(v, "status", "", m->status);
		ld_view__str(v, NULL, "", held);
		ld_view__str(v, "dump", "", m->dump[0] ? m->dump : m->why[0] ? m->why : "-");
		ld_view__str(v, "exe", NULL, m->exe);
		ld_view__str(v, "why", NULL, m->why[0] ? m->why : NULL);
		ld_view__time(v, "frozen", NULL, m->frozen_ns);
		ld_view__time(v, "released", NULL, m->released_ns);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

static void threads(struct ld_view *v, const struct ld_manifest *mf)
{
	ld_view__table(v, "threads", "what each thread was doing", mf->nt, 0, thread_cols,
		       NCOLS(thread_cols));
	for (size_t i = 0; i < mf->nt; i++) {
		const struct ld_manifest_thread *t = &mf->t[i];
		char sys[64], waits[64] = "-";

		snprintf(sys, sizeof(sys), "%s", t->syscall[0] ? t->syscall : "?");
		if (t->fd >= 0)
			snprintf(sys + strlen(sys), sizeof(sys) - strlen(sys), " (fd %d)", t->fd);
		if (t->waits_for)
			snprintf(waits, sizeof(waits), "%d via %s", t->waits_for, t->via);
		ld_view__row(v);
		ld_view__int(v, "pid", "", t->pid);
		ld_view__int(v, "tid", "", t->tid);
		ld_view__str(v, "state", "", t->state);
		ld_view__str(v, NULL, "", sys);
		ld_view__str(v, "syscall", NULL, t->syscall[0] ? t->syscall : NULL);
		if (t->fd >= 0)
			ld_view__int(v, "fd", NULL, t->fd);
		ld_view__str(v, "wchan", "", t->wchan[0] ? t->wchan : "-");
		ld_view__str(v, NULL, "", waits);
		if (t->waits_for) {
			ld_view__int(v, "waits_for", NULL, t->waits_for);
			ld_view__str(v, "via", NULL, t->via);
		}
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

static void links(struct ld_view *v, const struct ld_manifest *mf)
{
	ld_view__table(v, "links", "links", mf->nl, LD_VIEW_OMIT_EMPTY, link_cols, NCOLS(link_cols));
	for (size_t i = 0; i < mf->nl; i++) {
		const struct ld_manifest_link *l = &mf->l[i];

		ld_view__row(v);
		ld_view__str(v, "kind", "", l->kind);
		ld_view__int(v, "a", "", l->a);
		ld_view__int(v, "a_fd", "", l->afd);
		ld_view__int(v, "b", "", l->b);
		ld_view__int(v, "b_fd", "", l->bfd);
		ld_view__str(v, "what", "", l->what);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

void ld_manifest_show(struct ld_view *v, const struct ld_manifest *mf)
{
	size_t dumped = 0;

	for (size_t i = 0; i < mf->n; i++)
		dumped += !strcmp(mf->m[i].status, "dumped");
	ld_view__str(v, "manifest", "group", mf->path);
	ld_view__time(v, "time", "issue time", mf->time_ns);
	ld_view__str(v, "issue", "issue", mf->issue);
	ld_view__str(v, "rule", "rule", mf->rule);
	ld_view__str(v, "scope", "scope", mf->scope);
	if (mf->cgroup[0])
		ld_view__str(v, "cgroup", "cgroup", mf->cgroup);
	ld_view__str(v, "freezer", "frozen by", mf->freezer);
	ld_view__printf(v, NULL, "members", "%zu (%zu dumped)", mf->n, dumped);
	if (mf->degraded[0])
		ld_view__str(v, "degraded", "degraded", mf->degraded);
	ld_view__gap(v);
	members(v, mf);
	threads(v, mf);
	links(v, mf);
}
