// SPDX-License-Identifier: MIT
/* A group dump: freeze together, dump each, release, manifest (gcapture.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "group/gcapture.h"
#include "group/gfreeze.h"
#include "group/manifest.h"
#include "base/log.h"
#include "collector/holds.h"
#include "detectors/detector.h"
#include "dump/outdir.h"

/* Freezing waits this long for the members to stop (a task in D state may not). */
#define FREEZE_WAIT_MS		500

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A member's own options: the issue's, without what belongs to the trigger alone. */
static void member_opts(struct ld_capture_opts *mo, const struct ld_capture_opts *o,
			uint64_t hold_ns)
{
	*mo = *o;
	mo->trigger = NULL;
	mo->trigger_len = 0;
	mo->req_addr = 0;
	mo->req = NULL;
	mo->blobs = NULL;
	mo->nblobs = 0;
	mo->frozen_by_bpf = false;
	mo->stopped_at = NULL;
	mo->thawed = NULL;
	mo->issue_regs = NULL;
	mo->comm = NULL;
	mo->max_hold_ns = hold_ns;
}

/* Lets go what a handover left held of @pid (a member not dumped). */
static void release_holds(struct ld_holds *h, pid_t pid)
{
	for (size_t i = 0; h && i < h->n;) {
		if (h->v[i].pid == pid)
			ld_holds__release(h, h->v[i].tid);	/* removes it: i stays */
		else
			i++;
	}
}

static void record(struct ld_group_member *m, int err, const struct ld_dump_result *r)
{
	m->pause_ns = r->pause_ns;
	if (err) {
		m->status = LD_MEMBER_FAILED;
		snprintf(m->why, sizeof(m->why), "%s", err == -ESRCH ? "the process is gone" :
			 strerror(-err));
	} else if (r->declined[0]) {
		m->status = LD_MEMBER_FAILED;
		snprintf(m->why, sizeof(m->why), "declined: %s", r->declined);
	} else if (r->path) {
		m->status = LD_MEMBER_DUMPED;
		snprintf(m->dump, sizeof(m->dump), "%s", base_name(r->path));
	}
}

int ld_group_dump(pid_t pid, pid_t tid, const struct ld_capture_opts *o,
		  const struct ld_group_req *req, const char *outdir, ld_admit_fn admit,
		  void *ctx, struct ld_dump_result *res, struct ld_group_result *gres)
{
	size_t max = req->max_members ? req->max_members : LD_GROUP_MAX_MEMBERS_DEFAULT;
	uint64_t budget = req->max_freeze_ns ? req->max_freeze_ns : LD_GROUP_MAX_FREEZE_NS_DEFAULT;
	const struct ld_gfreeze_ops *fz;
	struct ld_manifest_head mh;
	struct ld_holds local = { 0 }, *holds = o->holds ? o->holds : &local;
	pid_t skip = o->frozen_by_bpf ? pid : 0;
	char why[256], degraded[160] = "", name[256];
	struct ld_capture_opts to = *o;
	struct ld_group g;
	uint64_t t_req, t_frozen, t_start;
	int err, e2;

	memset(gres, 0, sizeof(*gres));
	memset(res, 0, sizeof(*res));
	err = ld_group_find(&g, pid, req->scope, req->exes, req->nexes, max, why, sizeof(why));
	if (err) {
		ld_warn("no group for rule %s: %s; dumping pid %d alone", o->rule, why, pid);
		ld_group__free(&g);
		return ld_dump_process(pid, tid, o, outdir, admit, ctx, res);
	}
	/*
	 * No snapshots: a snapshot is a fork of the process, which a frozen
	 * cgroup freezes too (the capture would wait for it for ever), and
	 * the group is held for its freeze time anyway.
	 */
	to.snapshot = LD_SNAPSHOT_OFF;
	o = &to;
	if (ld_group_links(&g))
		ld_warn("cannot list the links between the members of pid %d's group", pid);
	/* Before the freeze: a frozen thread's wchan is the freezer's. */
	ld_group_threads(&g);

	if (ld_group_left_out(&g))
		snprintf(degraded, sizeof(degraded), "%zu of %zu members left out (group_max %zu):"
			 " the others stopped one by one, not by a cgroup freezer",
			 ld_group_left_out(&g), g.n, max);
	fz = ld_gfreeze_pick(&g);
	t_req = ld_gfreeze_now();
	err = fz->freeze(&g, skip, req->ledger, FREEZE_WAIT_MS);
	if (err && err != -ETIMEDOUT && fz != &ld_gfreeze_sigstop) {
		ld_warn("cannot freeze pid %d's group with %s (%s): sending SIGSTOP instead",
			pid, fz->name, strerror(-err));
		fz = &ld_gfreeze_sigstop;
		t_req = ld_gfreeze_now();
		err = fz->freeze(&g, skip, req->ledger, FREEZE_WAIT_MS);
	}
	if (err == -ETIMEDOUT)
		snprintf(degraded, sizeof(degraded), "not every member froze within %d ms",
			 FREEZE_WAIT_MS);
	else if (err)
		ld_warn("cannot freeze pid %d's group: %s", pid, strerror(-err));
	if (fz->handover)
		fz->handover(&g, skip, holds, req->ledger);
	t_frozen = ld_gfreeze_now();

	/* Held by BPF since its issue (not by the method): stopped then, let go by its capture. */
	if (!g.m[0].frozen_ns)
		g.m[0].frozen_ns = o->stopped_at ? o->stopped_at(o->bpf_arg, pid) : 0;
	if (!g.m[0].frozen_ns)
		g.m[0].frozen_ns = t_frozen;
	/* The trigger first: its dump is the issue's. */
	t_start = ld_gfreeze_now();
	err = ld_dump_process(pid, tid, o, outdir, admit, ctx, res);
	record(&g.m[0], err, res);
	if (!err && res->path) {
		ld_dump_result__print(res);	/* the issue's dump line first */
		res->printed = true;
	}
	if (fz->handover || (skip == pid && !g.cg_frozen))
		g.m[0].released_ns = t_start + res->pause_ns;
	for (size_t i = 1; i < g.n; i++) {
		struct ld_group_member *m = &g.m[i];
		struct ld_dump_result r;
		struct ld_capture_opts mo;
		uint64_t spent = ld_gfreeze_now() - t_frozen;
		int e;

		if (m->status == LD_MEMBER_LEFT_OUT || m->status == LD_MEMBER_GONE)
			continue;
		if (err || !res->path) {
			m->status = LD_MEMBER_RELEASED;
			snprintf(m->why, sizeof(m->why), "the issuing process was not dumped");
		} else if (spent >= budget) {
			m->status = LD_MEMBER_RELEASED;
			snprintf(m->why, sizeof(m->why), "the group's freeze time limit (%.3f s) was"
				 " reached", budget / 1e9);
			snprintf(degraded, sizeof(degraded), "freeze time limit %.3f s reached:"
				 " members released undumped", budget / 1e9);
		} else {
			uint64_t start = ld_gfreeze_now();

			member_opts(&mo, o, budget - spent);
			e = ld_dump_process(m->pid, m->pid, &mo, outdir, admit, ctx, &r);
			record(m, e, &r);
			if (r.path) {
				ld_dump_result__print(&r);
				gres->bytes += r.stats.file_size;
			}
			free(r.path);
			/* Held by ptrace alone (handover): it ran again when its capture let go. */
			if (fz->handover && m->frozen_ns)
				m->released_ns = start + r.pause_ns;
		}
		release_holds(holds, m->pid);
		if (fz->handover && m->frozen_ns && !m->released_ns)
			m->released_ns = ld_gfreeze_now();
	}
	fz->thaw(&g, skip, req->ledger);
	ld_holds__free(&local);

	for (size_t i = 0; i < g.n; i++) {
		struct ld_group_member *m = &g.m[i];

		gres->members++;
		gres->dumped += m->status == LD_MEMBER_DUMPED;
		if (m->frozen_ns && m->released_ns > m->frozen_ns &&
		    m->released_ns - m->frozen_ns > gres->frozen_ns)
			gres->frozen_ns = m->released_ns - m->frozen_ns;
	}
	gres->freezer = fz->name;
	if (!res->path) {
		ld_group__free(&g);
		return err;
	}
	/* NAME.core's manifest is NAME.group. */
	snprintf(name, sizeof(name), "%s", base_name(res->path));
	if (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, ".core"))
		name[strlen(name) - 5] = 0;
	snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s", LD_MANIFEST_SUFFIX);
	mh = (struct ld_manifest_head){
		.issue = ld_detector_name(o->detector), .rule = o->rule, .freezer = fz->name,
		.time_ns = o->issue_time_ns, .freeze_requested_ns = t_req, .code = o->code,
		.degraded = degraded[0] ? degraded : NULL,
	};
	e2 = ld_manifest_write(outdir, name, &mh, &g);
	if (e2)
		ld_err("cannot write the group manifest %s/%s: %s", outdir, name, strerror(-e2));
	else if (asprintf(&gres->manifest, "%s/%s", outdir, name) < 0)
		gres->manifest = NULL;
	ld_group__free(&g);
	return err;
}

void ld_group_result__print(const struct ld_group_result *g)
{
	if (!g->manifest)
		return;
	printf("group: %s (%zu members, %zu dumped, held at most %.3f ms by %s)\n", g->manifest,
	       g->members, g->dumped, g->frozen_ns / 1e6, g->freezer);
	fflush(stdout);
}
