/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The probe detectors (uprobe, uretprobe, usdt, kprobe, kretprobe) and
 * the libc ones that are uprobes underneath (abort, assert, exit status
 * through exit()): one body for every probe type.
 * Included once, by livedump.bpf.c; its collector side is
 * src/detectors/probe.c.
 */
#ifndef LIVEDUMP_DET_PROBE_BPF_H
#define LIVEDUMP_DET_PROBE_BPF_H

#include "rules.bpf.h"
#include "history.bpf.h"
#include "kobj.bpf.h"

#include <bpf/usdt.bpf.h>

/* Rule index -> the kernel arguments it dumps typed (capture kernel=). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LD_BPF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ld_probe_kobj_spec);
} probe_kobj SEC(".maps");

struct ld_probe_kobj_event {
	struct ld_probe_event e;	/* record_size bytes: the set follows */
	struct ld_kobj_set set;
	/*
	 * Past the data, room for a slot and a pointer in one: an object at any
	 * offset within the data fits, as does a pointer read from it (the
	 * verifier's bounds are the masks', not the collector's packing).
	 */
	__u8 data[LD_PROBE_KOBJ_DATA + 2 * LD_PROBE_KOBJ_CAP];
};

/* Argument @a (1-based; 0 the return value), each read at a constant place. */
static __always_inline __u64 probe_arg(const struct ld_match *m, __u32 a)
{
	switch (a) {
	case 0: return m->ret;
	case 1: return m->args[0];
	case 2: return m->args[1];
	case 3: return m->args[2];
	case 4: return m->args[3];
	case 5: return m->args[4];
	case 6: return m->args[5];
	default: return 0;
	}
}

/*
 * The objects the rule's arguments point to, each as the type the rule
 * named, then those followed from them (follow=): the sizes and places
 * are the collector's (the rule's types are known only at run time),
 * bounded here again by the slot and the data.
 */
static __always_inline void probe_kobjs(struct ld_probe_kobj_event *k, const struct ld_match *m,
					const struct ld_probe_kobj_spec *spec)
{
	struct ld_kobj_set *set = &k->set;

	ld_kobj_init(set, sizeof(k->data));
#pragma unroll
	for (__u32 j = 0; j < LD_PROBE_KOBJ_MAX + LD_PROBE_FOLLOW_MAX; j++) {
		__u32 len = spec->a[j].size, parent = spec->a[j].parent, off = spec->a[j].off;
		__u64 p;

		if (j >= spec->n)
			break;
		if (len > LD_PROBE_KOBJ_CAP)
			len = LD_PROBE_KOBJ_CAP;
		if (off >= LD_PROBE_KOBJ_DATA)
			continue;
		barrier_var(off);	/* the mask stays, for the verifier */
		off &= LD_PROBE_KOBJ_DATA - 1;
		barrier_var(len);
		len &= 2 * LD_PROBE_KOBJ_CAP - 1;
		if (parent)
			p = parent <= j ? ld_kobj_ptr(set, k->data, sizeof(k->data), parent - 1,
						      spec->a[j].field_off, spec->a[j].field_off2) : 0;
		else
			p = probe_arg(m, spec->a[j].arg);
		if (!ld_kobj_put(set, k->data, sizeof(k->data), j, off, len,
				 (const void *)p, spec->a[j].btf_id, spec->a[j].size,
				 parent ? LD_KOBJ_FOLLOW : LD_KOBJ_ARG))
			continue;
		set->d[j].arg = spec->a[j].arg;
		if (parent)
			ld_kobj_link(set, j, parent - 1, spec->a[j].field_off, spec->a[j].field_off2);
	}
}

/*
 * One body for every probe type.  @regs are the registers the probe saw
 * (user ones for uprobes, kernel ones for kprobes); the record always
 * carries the task's user registers, which is what a dump needs.
 */
/*
 * The attach cookie is the rule's index, and its detector above bit 32:
 * one program serves several detectors (uprobe, and libc's abort, assert
 * and exit), and the record must say which.
 */
static __always_inline int ld_probe_hit(void *ctx, struct ld_match *m, __u64 cookie, __u32 det,
					struct pt_regs *regs, bool user)
{
	__u32 idx = (__u32)cookie;

	if (cookie >> 32)
		det = cookie >> 32;
	struct task_struct *task = bpf_get_current_task_btf();
	struct ld_probe_kobj_spec *spec = NULL;
	struct ld_probe_kobj_event *k = NULL;
	struct ld_probe_event *e;

	if (!ld_current_watched())
		return 0;
	if (!ld_rule_match_idx(idx, m))
		return 0;
	if (!user && m->verdict == LD_VERDICT_DUMP)
		spec = bpf_map_lookup_elem(&probe_kobj, &idx);
	if (spec && spec->n) {
		k = ld_event_reserve(det, sizeof(*k));
		e = k ? &k->e : NULL;
	} else {
		e = ld_event_reserve(det, sizeof(*e));
	}
	if (!e)
		return 0;
	ld_event_init(&e->hdr, det, k ? sizeof(*k) : sizeof(*e), m->now);
	if (k && spec) {
		e->hdr.flags |= LD_EVF_KOBJ;
		probe_kobjs(k, m, spec);
	}
	e->hdr.flags |= LD_EVF_PROBE;
	ld_event_rule(&e->hdr, m);
	e->hdr.verdict = m->verdict;
	ld_history_issue(ctx, &e->hdr, det, m->ret ? (__u64)m->ret : m->args[0]);
	e->det = det;
	e->pad = 0;
	__builtin_memcpy(e->args, m->args, sizeof(e->args));
	e->ret = m->ret;
	e->ip = regs ? BPF_CORE_READ(regs, ip) : 0;
	/*
	 * User probes see the user registers as the program will resume (for a
	 * uretprobe: back in the caller, which the trampoline hides from
	 * ptrace); kernel probes take the task's saved user registers.
	 */
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs),
			      user ? (void *)regs : (void *)bpf_task_pt_regs(task));
	if (m->verdict == LD_VERDICT_DUMP && (m->flags & LD_BR_MEMORY) && task->mm)
		ld_freeze_current(&e->hdr);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The x86-64 calling convention, for user and kernel functions alike. */
static __always_inline void ld_regs_args(struct ld_match *m, struct pt_regs *ctx)
{
	m->args[0] = ctx->di;
	m->args[1] = ctx->si;
	m->args[2] = ctx->dx;
	m->args[3] = ctx->cx;
	m->args[4] = ctx->r8;
	m->args[5] = ctx->r9;
}

SEC("uprobe")
int ld_uprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	ld_regs_args(&m, ctx);
	m.code = m.args[0];	/* exit() rules match its status as their code */
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_UPROBE, ctx, true);
}

SEC("uretprobe")
int ld_uretprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	m.ret = ctx->ax;
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_URETPROBE, ctx, true);
}

SEC("usdt")
int ld_usdt(struct pt_regs *ctx)
{
	struct ld_match m = {};
	long v;

	for (__u32 i = 0; i < 6; i++)
		if (bpf_usdt_arg(ctx, i, &v) == 0)
			m.args[i] = v;
	return ld_probe_hit(ctx, &m, bpf_usdt_cookie(ctx), LD_DET_USDT, ctx, true);
}

SEC("kprobe")
int ld_kprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	ld_regs_args(&m, ctx);
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_KPROBE, ctx, false);
}

SEC("kretprobe")
int ld_kretprobe(struct pt_regs *ctx)
{
	struct ld_match m = {};

	m.ret = ctx->ax;
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), LD_DET_KRETPROBE, ctx, false);
}

/*
 * fentry/fexit: kernel probes where the kernel has BPF trampolines.  Each
 * program is bound to one function at load, so there are a few slots; the
 * attach cookie names the rule as for kprobes.
 */
static __always_inline int ld_trace_hit(void *ctx, bool ret, __u32 det)
{
	struct ld_match m = {};
	__u64 v;

	for (__u32 i = 0; i < 6; i++)
		if (bpf_get_func_arg(ctx, i, &v) == 0)
			m.args[i] = v;
	if (ret && bpf_get_func_ret(ctx, &v) == 0)
		m.ret = v;
	return ld_probe_hit(ctx, &m, bpf_get_attach_cookie(ctx), det, NULL, false);
}

#define LD_TRACE_SLOT(n)							\
	SEC("fentry") int ld_fentry##n(void *ctx)				\
	{ return ld_trace_hit(ctx, false, LD_DET_KPROBE); }			\
	SEC("fexit") int ld_fexit##n(void *ctx)					\
	{ return ld_trace_hit(ctx, true, LD_DET_KRETPROBE); }

LD_TRACE_SLOT(0)
LD_TRACE_SLOT(1)
LD_TRACE_SLOT(2)
LD_TRACE_SLOT(3)

#endif /* LIVEDUMP_DET_PROBE_BPF_H */
