/* SPDX-License-Identifier: MIT */
/*
 * What the probe detectors share (uprobe, uretprobe, usdt, kprobe,
 * kretprobe, and abort, assert and exit, which probe libc): their rule
 * keys, their compiled form, attaching a rule's probe with its index as
 * the cookie, and their record, struct ld_probe_event.  Each detector is
 * still its own file and table entry; this is their common library.
 */
#ifndef LIVEDUMP_DETECTORS_PROBE_H
#define LIVEDUMP_DETECTORS_PROBE_H

#include "detectors/detector.h"
#include "rules/keys.h"

int ld_probe_elem_at_user(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			  struct ld_verr *e);
int ld_probe_elem_at_usdt(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			  struct ld_verr *e);
int ld_probe_elem_at_kernel(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			    struct ld_verr *e);
void ld_probe_fmt_at(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb);
int ld_probe_cmp_arg(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s,
		     struct ld_verr *e);
int ld_probe_elem_arg(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		      struct ld_verr *e);
void ld_probe_fmt_arg(const struct ld_rule_key *k, const void *f, struct ld_sb *sb);
int ld_probe_elem_via(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		      struct ld_verr *e);
void ld_probe_fmt_via(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb);

#define LD_PROBE_AT(parse)	{ .name = "at", .size = LD_PROBE_AT_MAX, \
				  .field = offsetof(struct ld_rule, p.probe.at), \
				  .elem = (parse), .fmt = ld_probe_fmt_at }
#define LD_PROBE_ARG(n)		{ .name = "arg" #n, .cmp = true, LD_KEY_ONE(p.probe.args[n - 1]), \
				  .elem = ld_probe_elem_arg, .cmp_elem = ld_probe_cmp_arg, \
				  .fmt_kv = ld_probe_fmt_arg }
#define LD_PROBE_RET		{ .name = "ret", .cmp = true, LD_KEY_ONE(p.probe.ret), \
				  .elem = ld_key_elem_ret, .cmp_elem = ld_key_cmp_ret, \
				  .fmt_kv = ld_key_fmt_ret }
/* via=kprobe|fentry: how a kernel probe is attached; default: fentry where it can. */
#define LD_PROBE_VIA		{ .name = "via", LD_KEY_ONE(p.probe.via), \
				  .elem = ld_probe_elem_via, .fmt = ld_probe_fmt_via }

/* at= is required: @form says what it takes. */
int ld_probe_check_at(const struct ld_rule *r, const char *form, char *why, size_t size);
/* arg and ret conditions into the kernel's rule. */
void ld_probe_compile(const struct ld_rule *r, struct ld_bpf_rule *out);
bool ld_probe_by_cookie(const struct ld_rule *r);

/*
 * User probes: @prog is wanted when a rule of @det has a location
 * (@at_of(r) != NULL); attach puts it there for each, cookie = rule index.
 */
typedef const char *(*ld_probe_at_fn)(const struct ld_rule *r);
void ld_probe_want_user(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			struct bpf_program *prog, ld_probe_at_fn at_of);
int ld_probe_attach_user(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			 struct bpf_program *prog, ld_probe_at_fn at_of, bool ret, bool usdt);
/* Kernel probes: fentry/fexit slots where the kernel allows, kprobes otherwise. */
int ld_probe_plan_kernel(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			 bool ret);
int ld_probe_attach_kernel(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			   bool ret);

/* The record: params = arg1..arg3 and ret; "at=" into the text when known. */
void ld_probe_issue(const struct ld_issue_ctx *x, struct ld_issue *is, const char *at);
/* at, ip, and arg1..arg6 (@ret: ret instead). */
void ld_probe_decode(const struct ld_issue_src *src, struct ld_fields *f, bool ret);
/* A probe record of a dump before 1.3 names its detector in det. */
bool ld_probe_legacy_is(const void *rec, size_t len, enum ld_detector det);

#endif
