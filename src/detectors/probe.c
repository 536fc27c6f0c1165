// SPDX-License-Identifier: MIT
/* The probe detectors' common library (probe.h): keys, compile, attach, record. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/libresolve.h"
#include "base/log.h"
#include "collector/features.h"
#include "collector/loader_priv.h"
#include "detectors/probe.h"
#include "rules/rulecomp.h"

#define TRACE_SLOTS	4

static int at_fits(const struct ld_rule_key *k, const char *s, struct ld_verr *e)
{
	if (strlen(s) >= LD_PROBE_AT_MAX)
		return ld_verr_set(e, 0, "%s is too long (at most %d characters)", k->name,
				   LD_PROBE_AT_MAX - 1);
	return 0;
}

int ld_probe_elem_at_user(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			  struct ld_verr *e)
{
	int err = at_fits(k, s, e);

	(void)idx;
	if (err)
		return err;
	if (!strchr(s, ':') || s[strlen(s) - 1] == ':')
		return ld_verr_set(e, 0, "bad probe '%.64s' (expected PATH:SYMBOL[+OFFSET] or"
				   " LIBRARY:SYMBOL)", s);
	strcpy(f, s);
	return 0;
}

int ld_probe_elem_at_usdt(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			  struct ld_verr *e)
{
	const char *a = strchr(s, ':'), *b = a ? strchr(a + 1, ':') : NULL;
	int err = at_fits(k, s, e);

	(void)idx;
	if (err)
		return err;
	if (!b || b == a + 1 || !b[1] || strchr(b + 1, ':'))
		return ld_verr_set(e, 0, "bad USDT probe '%.64s' (expected PATH:PROVIDER:NAME)", s);
	strcpy(f, s);
	return 0;
}

int ld_probe_elem_at_kernel(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			    struct ld_verr *e)
{
	int err = at_fits(k, s, e);

	(void)idx;
	if (err)
		return err;
	if (strchr(s, '/') || strchr(s, ':'))
		return ld_verr_set(e, 0, "bad kernel function '%.64s' (expected FUNCTION[+OFFSET]"
				   " as in /proc/kallsyms)", s);
	strcpy(f, s);
	return 0;
}

void ld_probe_fmt_at(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	(void)idx;
	ld_sb_quoted(sb, f);
}

int ld_probe_cmp_arg(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s,
		   struct ld_verr *e)
{
	struct ld_urange64 *r = f;
	struct ld_range64 rg;
	uint64_t n;
	int err = ld_val_u64(s, 0, UINT64_MAX, &n, e);

	(void)k;
	if (!err)
		err = ld_val_cmp_range(op, n, UINT64_MAX, &rg, e);
	if (!err)
		*r = (struct ld_urange64){ rg.lo, rg.hi, 1, 0 };
	return err;
}

int ld_probe_elem_arg(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	(void)idx;
	return ld_probe_cmp_arg(k, f, LD_OP_EQ, s, e);
}

void ld_probe_fmt_arg(const struct ld_rule_key *k, const void *f, struct ld_sb *sb)
{
	const struct ld_urange64 *r = f;

	if (r->lo == r->hi)
		ld_sb_printf(sb, " %s==%llu", k->name, (unsigned long long)r->lo);
	else if (r->lo == 0)
		ld_sb_printf(sb, " %s<=%llu", k->name, (unsigned long long)r->hi);
	else if (r->hi == UINT64_MAX)
		ld_sb_printf(sb, " %s>=%llu", k->name, (unsigned long long)r->lo);
	else
		ld_sb_printf(sb, " %s>=%llu %s<=%llu", k->name, (unsigned long long)r->lo, k->name,
			  (unsigned long long)r->hi);
}

/* via=kprobe|fentry: how a kernel probe is attached; default: fentry where it can. */
int ld_probe_elem_via(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	(void)k;
	(void)idx;
	if (!strcmp(s, "kprobe"))
		*(uint32_t *)f = LD_VIA_KPROBE;
	else if (!strcmp(s, "fentry"))
		*(uint32_t *)f = LD_VIA_FENTRY;
	else
		return ld_verr_set(e, 0, "unknown via '%.64s' (expected kprobe or fentry)", s);
	return 0;
}

void ld_probe_fmt_via(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	(void)idx;
	ld_sb_printf(sb, "%s", *(const uint32_t *)f == LD_VIA_FENTRY ? "fentry" : "kprobe");
}


int ld_probe_check_at(const struct ld_rule *r, const char *form, char *why, size_t size)
{
	if (r->p.probe.at[0])
		return 0;
	snprintf(why, size, "missing at= for %s (expected %s)", ld_detector_name(r->detector), form);
	return -EINVAL;
}

void ld_probe_compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	const struct ld_probe_params *p = &r->p.probe;

	for (unsigned i = 0; i < LD_PROBE_ARGS; i++) {
		if (!p->args[i].set)
			continue;
		out->flags |= LD_BR_ARG(i);
		out->args[i].lo = p->args[i].lo;
		out->args[i].hi = p->args[i].hi;
	}
	if (p->ret.set) {
		out->flags |= LD_BR_RET;
		out->ret_lo = p->ret.lo;
		out->ret_hi = p->ret.hi;
	}
}

bool ld_probe_by_cookie(const struct ld_rule *r)
{
	(void)r;
	return true;
}

/* The rule's index, and its detector for the program's record (ld_probe_hit). */
static __u64 cookie(const struct ld_rule *r, __u32 idx)
{
	return (__u64)r->detector << 32 | idx;
}

/* "SYMBOL+OFF" -> SYMBOL, OFF */
static size_t split_offset(char *sym)
{
	char *plus = strrchr(sym, '+');

	if (!plus)
		return 0;
	*plus = 0;
	return strtoul(plus + 1, NULL, 0);
}

void ld_probe_want_user(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			struct bpf_program *prog, ld_probe_at_fn at_of)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == det && at_of(&rs->v[i]))
			ld_loader__want(l, prog);
}

static int attach_user(struct ld_loader *l, const struct ld_rule *r, __u32 idx,
		       struct bpf_program *prog, const char *where, bool ret, bool usdt)
{
	char at[LD_PROBE_AT_MAX], *sym, *path, *colon;
	const char *what = ld_detector_name(r->detector);
	struct bpf_link *link;
	int err;

	snprintf(at, sizeof(at), "%s", where);
	colon = strchr(at, ':');
	*colon = 0;
	sym = colon + 1;
	path = strchr(at, '/') ? realpath(at, NULL) : ld_find_library(at);
	if (!path) {
		ld_err("rule %s (%s): cannot find %s", r->name, r->origin, at);
		return -ENOENT;
	}
	if (usdt) {
		LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = cookie(r, idx));
		char *name = strchr(sym, ':');

		*name++ = 0;
		link = bpf_program__attach_usdt(prog, -1, path, sym, name, &uo);
	} else {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie(r, idx), .retprobe = ret);
		size_t off = split_offset(sym);

		uo.func_name = sym;
		link = bpf_program__attach_uprobe_opts(prog, -1, path, off, &uo);
	}
	free(path);
	if (!link) {
		err = -errno;
		ld_err("rule %s (%s): cannot attach %s to %s: %s", r->name, r->origin, what, where,
		       err == -ENOENT ? "symbol or probe not found" : strerror(-err));
		return err;
	}
	ld_info("attached %s %s for rule %s", what, where, r->name);
	return ld_loader__keep(l, link);
}

int ld_probe_attach_user(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			 struct bpf_program *prog, ld_probe_at_fn at_of, bool ret, bool usdt)
{
	int err = 0;

	for (size_t i = 0; !err && i < rs->n; i++)
		if (rs->v[i].detector == det && at_of(&rs->v[i]))
			err = attach_user(l, &rs->v[i], i, prog, at_of(&rs->v[i]), ret, usdt);
	return err;
}

static struct bpf_program *trace_prog(struct ld_loader *l, bool ret, int slot)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	struct bpf_program *entry[TRACE_SLOTS] = {
		s->progs.ld_fentry0, s->progs.ld_fentry1, s->progs.ld_fentry2, s->progs.ld_fentry3,
	};
	struct bpf_program *exit[TRACE_SLOTS] = {
		s->progs.ld_fexit0, s->progs.ld_fexit1, s->progs.ld_fexit2, s->progs.ld_fexit3,
	};

	return ret ? exit[slot] : entry[slot];
}

/*
 * Before load: each kernel probe rule gets an fentry/fexit slot where the
 * kernel allows it (via=fentry insists, via=kprobe refuses), a kprobe
 * otherwise.
 */
int ld_probe_plan_kernel(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			 bool ret)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	bool ok = false, probed = false, kprobes = false;
	char why[256] = "";
	int next = 0;

	for (size_t i = 0; i < rs->n && i < LD_BPF_MAX_RULES; i++) {
		const struct ld_rule *r = &rs->v[i];
		struct bpf_program *prog;

		if (r->detector != det)
			continue;
		if (r->p.probe.via == LD_VIA_KPROBE || strchr(r->p.probe.at, '+')) {
			kprobes = true;
			continue;
		}
		if (!probed) {
			ok = !ld_feature_probe(LD_FEAT_FENTRY, why, sizeof(why));
			probed = true;
		}
		if (!ok || next == TRACE_SLOTS) {
			if (r->p.probe.via == LD_VIA_FENTRY) {
				ld_err("rule %s (%s): %s via fentry: %s", r->name, r->origin,
				       ld_detector_name(det),
				       ok ? "all fentry/fexit slots are taken" : why);
				return -EOPNOTSUPP;
			}
			kprobes = true;
			continue;
		}
		prog = trace_prog(l, ret, next);
		if (bpf_program__set_attach_target(prog, 0, r->p.probe.at)) {
			ld_err("rule %s (%s): no kernel function %s in BTF", r->name, r->origin,
			       r->p.probe.at);
			return -ENOENT;
		}
		ld_loader__want(l, prog);
		*ld_loader__rule_slot(l, i) = ++next;
	}
	if (kprobes)
		ld_loader__want(l, ret ? s->progs.ld_kretprobe : s->progs.ld_kprobe);
	return 0;
}

static int attach_trace(struct ld_loader *l, const struct ld_rule *r, __u32 idx, bool ret)
{
	LIBBPF_OPTS(bpf_trace_opts, to, .cookie = cookie(r, idx));
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_trace_opts(trace_prog(l, ret, *ld_loader__rule_slot(l, idx) - 1),
					      &to);
	if (!link) {
		err = -errno;
		ld_err("rule %s (%s): cannot attach %s to %s: %s", r->name, r->origin,
		       ret ? "fexit" : "fentry", r->p.probe.at, strerror(-err));
		return err;
	}
	ld_info("attached %s %s for rule %s", ret ? "fexit" : "fentry", r->p.probe.at, r->name);
	return ld_loader__keep(l, link);
}

static int attach_kprobe(struct ld_loader *l, const struct ld_rule *r, __u32 idx, bool ret)
{
	LIBBPF_OPTS(bpf_kprobe_opts, ko, .bpf_cookie = cookie(r, idx), .retprobe = ret);
	struct livedump_bpf *s = ld_loader__skel(l);
	const char *what = ld_detector_name(r->detector);
	char sym[LD_PROBE_AT_MAX], why[256];
	struct bpf_link *link;
	int err;

	if (ld_feature_probe(ret ? LD_FEAT_KRETPROBE : LD_FEAT_KPROBE, why, sizeof(why))) {
		ld_err("rule %s (%s): %s is not available on this kernel: %s (see livedump features)",
		       r->name, r->origin, what, why);
		return -EOPNOTSUPP;
	}
	snprintf(sym, sizeof(sym), "%s", r->p.probe.at);
	ko.offset = split_offset(sym);
	link = bpf_program__attach_kprobe_opts(ret ? s->progs.ld_kretprobe : s->progs.ld_kprobe,
					       sym, &ko);
	if (!link) {
		err = -errno;
		ld_err("rule %s (%s): cannot attach %s to %s: %s", r->name, r->origin, what,
		       r->p.probe.at, err == -ENOENT ? "symbol or probe not found" : strerror(-err));
		return err;
	}
	ld_info("attached %s %s for rule %s", what, r->p.probe.at, r->name);
	return ld_loader__keep(l, link);
}

/*
 * capture kernel= and follow=: the objects the rule's program copies,
 * typed (probe_kobj): the arguments, then what is followed from them,
 * their bytes packed into the record's data (the rule checker kept the
 * sum within it).
 */
static int set_kobj_spec(struct ld_loader *l, const struct ld_rule *r, __u32 idx)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	struct ld_probe_kobj_spec spec = { 0 };
	const struct ld_rule_capture *c = &r->capture;
	unsigned nk = c->nkargs < LD_PROBE_KOBJ_MAX ? c->nkargs : LD_PROBE_KOBJ_MAX;
	__u32 off = 0;

	if (!c->nkargs || idx >= LD_BPF_MAX_RULES)
		return 0;
	for (unsigned i = 0; i < nk + c->nfollows && i < LD_KOBJ_MAX; i++) {
		const struct ld_kfollow *f = i >= nk ? &c->follows[i - nk] : NULL;
		__u32 size = f ? f->size : c->kargs[i].size;

		spec.a[i].arg = f ? 0 : c->kargs[i].arg;
		spec.a[i].btf_id = f ? f->btf_id : c->kargs[i].btf_id;
		spec.a[i].size = size;
		spec.a[i].off = off;
		spec.a[i].parent = f ? f->parent + 1 : 0;
		spec.a[i].field_off = f ? f->field_off : 0;
		spec.a[i].field_off2 = f ? f->field_off2 : LD_KOBJ_NO_HOP;
		size = size < LD_PROBE_KOBJ_CAP ? size : LD_PROBE_KOBJ_CAP;
		if (off + size > LD_PROBE_KOBJ_DATA) {
			ld_err("rule %s: its kernel objects do not fit the %d bytes of a record", r->name,
			       LD_PROBE_KOBJ_DATA);
			return -E2BIG;
		}
		off = (off + size + 7) & ~7U;
		spec.n = i + 1;
	}
	if (bpf_map__update_elem(s->maps.probe_kobj, &idx, sizeof(idx), &spec, sizeof(spec),
				 BPF_ANY)) {
		ld_err("rule %s: cannot set its kernel arguments: %s", r->name, strerror(errno));
		return -errno;
	}
	return 0;
}

int ld_probe_attach_kernel(struct ld_loader *l, const struct ld_ruleset *rs, enum ld_detector det,
			   bool ret)
{
	int err = 0;

	for (size_t i = 0; !err && i < rs->n; i++) {
		if (rs->v[i].detector != det)
			continue;
		err = set_kobj_spec(l, &rs->v[i], i);
		if (err)
			break;
		if (i < LD_BPF_MAX_RULES && *ld_loader__rule_slot(l, i))
			err = attach_trace(l, &rs->v[i], i, ret);
		else
			err = attach_kprobe(l, &rs->v[i], i, ret);
	}
	return err;
}

void ld_probe_issue(const struct ld_issue_ctx *x, struct ld_issue *is, const char *at)
{
	const struct ld_probe_event *e = (const void *)x->hdr;

	is->code = e->det;
	is->params[0] = e->args[0];
	is->params[1] = e->args[1];
	is->params[2] = e->args[2];
	is->params[3] = (uint64_t)e->ret;
	is->regs = &e->regs;
	if (at && at[0])
		snprintf(is->text, sizeof(is->text), "at=%s\n", at);
}

void ld_probe_decode(const struct ld_issue_src *src, struct ld_fields *f, bool ret)
{
	static const char *const names[LD_PROBE_ARGS] = {
		"arg1", "arg2", "arg3", "arg4", "arg5", "arg6",
	};
	const struct ld_probe_event *e = src->rec;
	char at[LD_PROBE_AT_MAX];
	bool have_at = ld_issue_text_get(src->text, src->text_len, "at", at, sizeof(at));

	if (have_at)
		ld_fields__str(f, "at", "%s", at);
	if (!e || src->len < sizeof(*e)) {
		ld_fields__summary(f, "%s%s%s", f->detector, have_at ? " " : "", have_at ? at : "");
		return;
	}
	ld_fields__hex(f, "ip", e->ip);
	if (ret) {
		ld_fields__s64(f, "ret", e->ret);
		ld_fields__summary(f, "%s returned %" PRId64, have_at ? at : "?", (int64_t)e->ret);
		return;
	}
	for (unsigned i = 0; i < LD_PROBE_ARGS; i++)
		ld_fields__hex(f, names[i], e->args[i]);
	ld_fields__summary(f, "%s hit (arg1 0x%" PRIx64 ", arg2 0x%" PRIx64 ", arg3 0x%" PRIx64 ")",
			   have_at ? at : "?", (uint64_t)e->args[0],
			   (uint64_t)e->args[1], (uint64_t)e->args[2]);
}

bool ld_probe_legacy_is(const void *rec, size_t len, enum ld_detector det)
{
	__u32 d;

	/* A record in a dump's note is only 4-byte aligned: no struct access. */
	if (!rec || len < sizeof(struct ld_probe_event))
		return false;
	memcpy(&d, (const char *)rec + offsetof(struct ld_probe_event, det), sizeof(d));
	return d == det;
}
