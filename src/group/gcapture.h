/* SPDX-License-Identifier: MIT */
/*
 * A group dump: find the members, freeze them together, dump each (the
 * issuing process first), let them go, write the manifest (manifest.h).
 * Limits: at most max_members; past max_freeze_ns the members not dumped
 * yet are released undumped, and each member's capture is cut at what is
 * left of it (docs/safety.md, "Group dumps").
 */
#ifndef LIVEDUMP_GCAPTURE_H
#define LIVEDUMP_GCAPTURE_H

#include "capture/dumper.h"
#include "group/group.h"
#include "group/ledger.h"

struct ld_group_req {
	enum ld_scope scope;
	const char (*exes)[64];		/* scope exe */
	unsigned nexes;
	size_t max_members;		/* 0: LD_GROUP_MAX_MEMBERS_DEFAULT */
	uint64_t max_freeze_ns;		/* 0: LD_GROUP_MAX_FREEZE_NS_DEFAULT */
	struct ld_ledger *ledger;	/* the guard's (NULL: none) */
};

struct ld_group_result {
	char *manifest;			/* malloc'ed path; NULL: none written */
	size_t members, dumped;
	uint64_t bytes;			/* of the members' dumps but the trigger's */
	const char *freezer;
	uint64_t frozen_ns;		/* the longest a member was held */
};

/*
 * Like ld_dump_process() for @pid, @tid (whose result is @res), with the
 * rest of its group.  Without a group (it cannot be found), the process
 * is dumped alone and @gres->manifest stays NULL.
 */
int ld_group_dump(pid_t pid, pid_t tid, const struct ld_capture_opts *opts,
		  const struct ld_group_req *req, const char *outdir, ld_admit_fn admit,
		  void *ctx, struct ld_dump_result *res, struct ld_group_result *gres);

/* "group: PATH (N members, M dumped, frozen X ms by FREEZER)" on stdout. */
void ld_group_result__print(const struct ld_group_result *g);

#endif
