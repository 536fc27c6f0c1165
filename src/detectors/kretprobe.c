// SPDX-License-Identifier: MIT
/*
 * The kretprobe detector: a kernel function returns.  fentry/fexit where the kernel has BPF
 * trampolines (via=fentry insists), kprobes otherwise (probe.h).
 */
#include "collector/loader_priv.h"
#include "detectors/probe.h"

static const struct ld_rule_key keys[] = { LD_PROBE_AT(ld_probe_elem_at_kernel), LD_PROBE_RET, LD_PROBE_VIA };
LD_KEYS_FIT(keys);

static int check(const struct ld_rule *r, char *why, size_t size)
{
	return ld_probe_check_at(r, "at=FUNCTION[+OFFSET]", why, size);
}

static const char *const progs[] = { "ld_kretprobe", "ld_fexit0", "ld_fexit1", "ld_fexit2", "ld_fexit3", NULL };

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	return ld_probe_plan_kernel(l, rs, LD_DET_KRETPROBE, true);
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	return ld_probe_attach_kernel(l, rs, LD_DET_KRETPROBE, true);
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	ld_probe_issue(x, is, x->rule->p.probe.at);
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	ld_probe_decode(src, f, true);
}

static bool legacy_match(const void *rec, size_t len)
{
	return ld_probe_legacy_is(rec, len, LD_DET_KRETPROBE);
}

const struct ld_detector_ops ld_det_kretprobe = {
	.name = "kretprobe",
	.doc = "a kernel function returns",
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_MINI,
	.kernel_args = LD_KARGS_RET,
	.check = check,
	.compile = ld_probe_compile,
	.by_cookie = ld_probe_by_cookie,
	.progs = progs,
	.configure = configure,
	.attach = attach,
	.record_size = sizeof(struct ld_probe_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_PROBE,
	.legacy_event = 4,
	.legacy_match = legacy_match,
};
