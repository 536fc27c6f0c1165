// SPDX-License-Identifier: MIT
/*
 * The abort detector: a watched process calls libc's abort().  A uprobe on
 * the function freezes it before the SIGABRT, with its stack intact.
 */
#include "collector/loader_priv.h"
#include "detectors/probe.h"

static const char *at_of(const struct ld_rule *r)
{
	(void)r;
	return "libc.so.6:abort";
}

static const char *const progs[] = { "ld_uprobe", NULL };

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	ld_probe_want_user(l, rs, LD_DET_ABORT, ld_loader__skel(l)->progs.ld_uprobe, at_of);
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	return ld_probe_attach_user(l, rs, LD_DET_ABORT, ld_loader__skel(l)->progs.ld_uprobe, at_of,
				    false, false);
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	ld_probe_issue(x, is, NULL);
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	(void)src;
	ld_fields__str(f, "function", "abort");
	ld_fields__summary(f, "abort() called");
}

const struct ld_detector_ops ld_det_abort = {
	.name = "abort",
	.doc = "libc abort() is called",
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_MINI,
	.by_cookie = ld_probe_by_cookie,
	.progs = progs,
	.configure = configure,
	.attach = attach,
	.record_size = sizeof(struct ld_probe_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_ABORT,
	.legacy_event = 4,
};
