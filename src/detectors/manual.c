// SPDX-License-Identifier: MIT
/*
 * The manual "detector": `livedump capture -p PID`, asked for by a person.
 * No rule names it and there is no record; it is in the table so that
 * every dump has a detector every tool can name.
 */
#include "detectors/detector.h"

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	(void)src;
	ld_fields__str(f, "requested_by", "livedump capture");
	ld_fields__summary(f, "captured on request (livedump capture)");
}

const struct ld_detector_ops ld_det_manual = {
	.name = "manual",
	.doc = "livedump capture -p PID",
	.no_rules = true,
	.decode = decode,
	.legacy_issue = LD_ISSUE_MANUAL,
};
