// SPDX-License-Identifier: MIT
/*
 * The exit detector: a watched process exits with a failure or by a
 * signal.  The sched_process_exit tracepoint (in the core program, which
 * asks det_rules) sees every exit, after the memory is gone: context
 * dumps.  A rule that wants memory freezes at libc's exit() instead, with
 * a uprobe (its record is then a probe record: LD_EVF_PROBE).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "collector/loader_priv.h"
#include "detectors/probe.h"
#include "rules/rulecomp.h"

static const struct ld_rule_key keys[] = {
	{ .name = "status", .cmp = true, LD_KEY_LIST(p.exit.statuses, p.exit.nstatuses),
	  .max = 255, .elem = ld_key_elem_range, .fmt = ld_key_fmt_range },
	{ .name = "signal", LD_KEY_LIST(p.exit.sigs, p.exit.nsigs), .elem = ld_key_elem_signal,
	  .fmt = ld_key_fmt_signal },
};
LD_KEYS_FIT(keys);

/*
 * The exit tracepoint gives code = status, param = signal; a rule that
 * freezes runs as a uprobe on libc exit(), where code = its argument.
 * Without status= and signal=: any failure.
 */
static void compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	const struct ld_exit_params *p = &r->p.exit;

	ld_bpf_ranges(out->codes, &out->ncodes, p->statuses, p->nstatuses);
	out->nparams = p->nsigs;
	for (unsigned i = 0; i < p->nsigs; i++)
		out->params[i].lo = out->params[i].hi = p->sigs[i];
	if (p->nstatuses || p->nsigs)
		return;
	if (r->capture.type == LD_CAPTURE_CONTEXT) {
		out->flags |= LD_BR_RET;
		out->ret_lo = -4095;
		out->ret_hi = -1;
	} else {
		out->ncodes = 1;
		out->codes[0].lo = 1;
		out->codes[0].hi = 255;
	}
}

static const char *at_of(const struct ld_rule *r)
{
	return r->capture.type == LD_CAPTURE_CONTEXT ? NULL : "libc.so.6:exit";
}

static bool by_cookie(const struct ld_rule *r)
{
	return at_of(r) != NULL;
}

static const char *const progs[] = { "ld_uprobe", "ld_exit_group", NULL };

static bool used(const struct ld_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == LD_DET_EXIT)
			return true;
	return false;
}

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	ld_probe_want_user(l, rs, LD_DET_EXIT, ld_loader__skel(l)->progs.ld_uprobe, at_of);
	if (used(rs))
		ld_loader__want(l, ld_loader__skel(l)->progs.ld_exit_group);
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	int err = ld_probe_attach_user(l, rs, LD_DET_EXIT, ld_loader__skel(l)->progs.ld_uprobe,
				       at_of, false, false);

	/* The peak RSS before 6.15, where the exit tracepoint comes after exit_mm(). */
	if (!err && used(rs))
		err = ld_loader__attach(l, ld_loader__skel(l)->progs.ld_exit_group,
					"syscalls/sys_enter_exit_group");
	return err;
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_exit_event *e = (const void *)x->hdr;

	if (x->hdr->flags & LD_EVF_PROBE) {
		ld_probe_issue(x, is, NULL);
		is->code = ((const struct ld_probe_event *)x->hdr)->args[0];
		is->params[0] = 0;
		return;
	}
	if (x->size < sizeof(*e))
		return;
	is->code = e->status;
	is->params[0] = e->sig;
	is->params[1] = e->runtime_ns;
	is->params[2] = e->cpu_ns;
	is->params[3] = e->maxrss_kb;
	is->context_only = true;
}

/* Records of the libc probe: LD_EVF_PROBE, or before 1.3 the probe event type (4). */
static bool is_probe(const struct ld_issue_src *src)
{
	const struct ld_event_hdr *h = src->rec;

	return h && src->len >= sizeof(struct ld_probe_event) &&
	       ((h->flags & LD_EVF_PROBE) || (src->legacy && h->type == 4));
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	const struct ld_exit_event *e = src->rec;
	char name[32];

	if (is_probe(src)) {
		const struct ld_probe_event *p = src->rec;

		ld_fields__u64(f, "status", (uint32_t)p->args[0]);
		ld_fields__str(f, "via", "exit()");
		ld_fields__summary(f, "exit(%d) called", (int)p->args[0]);
		return;
	}
	if (!e || src->len < sizeof(*e)) {
		ld_fields__u64(f, "status", src->code);
		ld_fields__summary(f, "exited with status %u", src->code);
		return;
	}
	ld_fields__u64(f, "status", e->status);
	if (e->sig) {
		ld_val_signal_fullname(e->sig, name, sizeof(name));
		ld_fields__str(f, "signal", "%s", name);
	}
	ld_fields__bool(f, "core", e->core);
	ld_fields__ns(f, "runtime_ns", e->runtime_ns);
	ld_fields__ns(f, "cpu_ns", e->cpu_ns);
	ld_fields__bytes(f, "maxrss", e->maxrss_kb * 1024);
	if (e->sig)
		ld_fields__summary(f, "killed by %s%s after %.3f s (cpu %.3f s, peak rss %" PRIu64
				   " KiB)", name, e->core ? " (core dumped)" : "", e->runtime_ns / 1e9,
				   e->cpu_ns / 1e9, (uint64_t)e->maxrss_kb);
	else
		ld_fields__summary(f, "exited with status %u after %.3f s (cpu %.3f s, peak rss %"
				   PRIu64 " KiB)", e->status, e->runtime_ns / 1e9, e->cpu_ns / 1e9,
				   (uint64_t)e->maxrss_kb);
}

const struct ld_detector_ops ld_det_exit = {
	.name = "exit",
	.doc = "a process exits with a non-zero status or by a signal",
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_CONTEXT,
	.compile = compile,
	.by_cookie = by_cookie,
	.progs = progs,
	.configure = configure,
	.attach = attach,
	.record_size = sizeof(struct ld_exit_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_EXIT,
	.legacy_event = 6,
};
