/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The first stage of rule matching, in the kernel: filters, code/param
 * ranges and limits, shared by every detector.  Rules of a detector are
 * tried in order; the first one that matches and whose limits admit the
 * event wins.  When every matching rule is limited, the first one's
 * verdict is reported so the journal can say which limit declined it.
 */
#ifndef LIVEDUMP_RULES_BPF_H
#define LIVEDUMP_RULES_BPF_H

#include "common.bpf.h"

/*
 * The rules and the detectors' lists come in two banks: a reload writes
 * the bank not in use, then flips rules_bank, so that no event ever reads
 * a rule half written (a map update is a copy, not atomic).  An event
 * reads rules_bank once and uses that bank throughout.  Keys: bank *
 * LD_BPF_MAX_RULES + rule, bank * LD_DET__COUNT + detector.
 */
__u32 rules_bank = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * LD_BPF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ld_bpf_rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * LD_DET__COUNT);
	__type(key, __u32);
	__type(value, struct ld_det_rules);
} det_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LD_BPF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ld_rule_state);
} rule_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ld_cooldown_key);
	__type(value, __u64);
} cooldowns SEC(".maps");

struct ld_match {
	/* in */
	__u64 code, param, now;
	__s64 ret;		/* syscall-like detectors: the result */
	__u64 args[6];		/* probes: the arguments */
	__u64 latency;		/* ... and how long it took */
	__u32 tgid, uid;
	char comm[LD_COMM_LEN];
	struct ld_exe_key exe;
	__u64 cg_held;		/* with cg_preset: bit i, rule i's cgroup filter held */
	bool cg_preset;		/* cg_held was judged when the task was current (block) */
	bool preset;		/* tgid/uid/comm/exe describe another task (block, oom) */
	__u8 lazy;		/* LD_LAZY_*: not read yet, the current task's when a rule asks */
	__u32 det;
	__u32 bank;		/* rules_bank, as read once for this event */
	bool busy;		/* no more processes may be frozen now */
	/* out */
	int rule;		/* chosen rule, -1 none */
	__u32 verdict;
	__u32 flags;		/* the chosen rule's LD_BR_* */
};

static __always_inline bool in_ranges(const struct ld_bpf_range *r, __u32 n, __u64 v)
{
	for (__u32 i = 0; i < LD_BPF_LIST; i++) {
		if (i >= n)
			return false;
		if (v >= r[i].lo && v <= r[i].hi)
			return true;
	}
	return false;
}

static __always_inline bool in_u32s(const __u32 *a, __u32 n, __u32 v)
{
	for (__u32 i = 0; i < LD_BPF_LIST; i++) {
		if (i >= n)
			return false;
		if (a[i] == v)
			return true;
	}
	return false;
}

static __always_inline bool comm_in(const struct ld_bpf_rule *r, const char *comm)
{
	const __u64 *c = (const __u64 *)comm;

	for (__u32 i = 0; i < LD_BPF_LIST; i++) {
		const __u64 *w = (const __u64 *)r->comms[i];

		if (i >= r->ncomms)
			return false;
		if (w[0] == c[0] && w[1] == c[1])
			return true;
	}
	return false;
}

/* The current task's cgroup at @level in the hierarchy of @ctrl (enum ld_cgc). */
static __always_inline __u64 ld_current_cgroup_at(__u32 ctrl, __u32 level)
{
	if (ctrl == LD_CGC_V2)
		return bpf_get_current_ancestor_cgroup_id(level);
	return ld_cgroup_ancestor_id(ld_task_css_cgroup(bpf_get_current_task_btf(),
							ld_cgc_subsys(ctrl)), level);
}

/* Does one of the rule's `where cgroup=` prefixes hold for the current task? */
static __always_inline bool cgroup_in_current(const struct ld_bpf_rule *r)
{
	for (__u32 i = 0; i < LD_BPF_LIST; i++) {
		if (i >= r->ncgroups)
			return false;
		if (ld_current_cgroup_at(r->cgroups[i].ctrl, r->cgroups[i].level) ==
		    r->cgroups[i].id)
			return true;
	}
	return false;
}

static __always_inline bool cgroup_in(__u32 idx, const struct ld_bpf_rule *r,
				      const struct ld_match *m)
{
	if (m->cg_preset)
		return (m->cg_held >> (idx & (LD_BPF_MAX_RULES - 1))) & 1;
	return cgroup_in_current(r);
}

/* The identity of the current task, for detectors that judge another one later. */
static __always_inline void ld_identity_current(struct ld_match *m)
{
	m->tgid = bpf_get_current_pid_tgid() >> 32;
	m->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(m->comm, sizeof(m->comm));
	ld_task_exe_key(bpf_get_current_task_btf(), &m->exe);
}

#define LD_LAZY_COMM	(1U << 0)
#define LD_LAZY_EXE	(1U << 1)

/*
 * The current task's comm and executable, read the first time a rule
 * filters by them: each read is a helper call or four, on the path of
 * every event, and most rules name neither.
 */
static __always_inline const char *ld_match_comm(struct ld_match *m)
{
	if (m->lazy & LD_LAZY_COMM) {
		bpf_get_current_comm(m->comm, sizeof(m->comm));
		m->lazy &= ~LD_LAZY_COMM;
	}
	return m->comm;
}

static __always_inline const struct ld_exe_key *ld_match_exe(struct ld_match *m)
{
	if (m->lazy & LD_LAZY_EXE) {
		ld_task_exe_key(bpf_get_current_task_btf(), &m->exe);
		m->lazy &= ~LD_LAZY_EXE;
	}
	return &m->exe;
}

static __always_inline bool exe_in(const struct ld_bpf_rule *r, const struct ld_exe_key *k)
{
	for (__u32 i = 0; i < LD_BPF_LIST; i++) {
		if (i >= r->nexes)
			return false;
		if (r->exes[i].ino == k->ino && r->exes[i].dev == k->dev)
			return true;
	}
	return false;
}

static __always_inline bool args_hold(const struct ld_bpf_rule *r, const struct ld_match *m)
{
	for (__u32 i = 0; i < 6; i++)
		if ((r->flags & LD_BR_ARG(i)) &&
		    (m->args[i] < r->args[i].lo || m->args[i] > r->args[i].hi))
			return false;
	return true;
}

static __always_inline bool ld_rule_matches(__u32 idx, const struct ld_bpf_rule *r,
					    struct ld_match *m)
{
	return (!r->ncodes || in_ranges(r->codes, r->ncodes, m->code)) &&
	       (!r->nparams || in_ranges(r->params, r->nparams, m->param)) &&
	       (!r->npids || in_u32s(r->pids, r->npids, m->tgid)) &&
	       (!r->nuids || in_u32s(r->uids, r->nuids, m->uid)) &&
	       (!r->ncomms || comm_in(r, ld_match_comm(m))) &&
	       (!r->nexes || exe_in(r, ld_match_exe(m))) &&
	       (!r->ncgroups || cgroup_in(idx, r, m)) &&
	       (!(r->flags & LD_BR_RET) || (m->ret >= r->ret_lo && m->ret <= r->ret_hi)) &&
	       (!(r->flags & LD_BR_LATENCY) ||
		(m->latency >= r->latency_lo && m->latency <= r->latency_hi)) &&
	       args_hold(r, m);
}

/*
 * Limits: cooldown and rate are checked first (no side effects), then the
 * total is taken atomically, so N triggers under "limit 3" admit exactly 3.
 */
static __always_inline __u32 ld_rule_admit(__u32 idx, const struct ld_bpf_rule *r,
					   const struct ld_match *m)
{
	struct ld_cooldown_key ck = { .rule = idx, .tgid = m->tgid };
	struct ld_rule_state *st = bpf_map_lookup_elem(&rule_state, &idx);
	__u64 *last, slot = 0, old;

	if (!st)
		return LD_VERDICT_TOTAL;
	if (r->cooldown_ns && (last = bpf_map_lookup_elem(&cooldowns, &ck)) &&
	    m->now - *last < r->cooldown_ns)
		return LD_VERDICT_COOLDOWN;
	if (r->rate_n && r->rate_n <= LD_RATE_MAX) {
		/*
		 * slot < rate_n <= LD_RATE_MAX, but clang drops a mask it can
		 * prove redundant: barrier_var() keeps it for the verifier.
		 */
		slot = st->head % r->rate_n;
		barrier_var(slot);
		slot &= LD_RATE_MAX - 1;
		if (st->ring[slot] && m->now - st->ring[slot] < r->rate_window_ns)
			return LD_VERDICT_RATE;
	}
	old = __sync_fetch_and_add(&st->taken, 1);
	if (r->total && old >= r->total) {
		__sync_fetch_and_sub(&st->taken, 1);
		return LD_VERDICT_TOTAL;
	}
	if (r->rate_n && r->rate_n <= LD_RATE_MAX) {
		slot = __sync_fetch_and_add(&st->head, 1) % r->rate_n;
		barrier_var(slot);
		st->ring[slot & (LD_RATE_MAX - 1)] = m->now;
	}
	if (r->cooldown_ns) {
		/* m may point to memory of the caller (ld_try_rule_g): 6.1 takes
		 * only stack or map memory as a helper's value */
		__u64 now = m->now;

		bpf_map_update_elem(&cooldowns, &ck, &now, BPF_ANY);
	}
	return LD_VERDICT_DUMP;
}

/* Tries rule @idx; returns 1 when it matched and admitted the event. */
static __always_inline int ld_try_rule(__u32 idx, struct ld_match *m)
{
	__u32 key = (m->bank & 1) * LD_BPF_MAX_RULES + idx;
	const struct ld_bpf_rule *r = bpf_map_lookup_elem(&rules, &key);
	__u32 verdict;

	if (!r || !ld_rule_matches(idx, r, m))
		return 0;
	/* Declined before the limits count it: a busy collector takes nothing. */
	verdict = m->busy && (r->flags & LD_BR_MEMORY) ? LD_VERDICT_BUSY
						       : ld_rule_admit(idx, r, m);
	if (m->rule < 0 || verdict == LD_VERDICT_DUMP) {
		m->rule = idx;
		m->verdict = verdict;
		m->flags = r->flags;
	}
	return verdict == LD_VERDICT_DUMP;
}

/*
 * One rule's try, as a global function: the verifier checks it once, on
 * its own, instead of once per path into every bpf_loop callback of every
 * detector.  Inlined, the app program passed the 1M-instruction limit on
 * 6.18 kernels whose verifier explores callbacks as loops (ab5cfac139ab,
 * 6.7) with little pruning across the filters' bounded loops.  A global
 * function's pointer argument may be NULL, as far as the verifier knows.
 */
__noinline int ld_try_rule_g(__u32 idx, struct ld_match *m)
{
	if (!m)
		return 0;
	return ld_try_rule(idx, m);
}

/* The record's rule, and the generation of the rules it was matched against. */
static __always_inline void ld_event_rule(struct ld_event_hdr *h, const struct ld_match *m)
{
	h->rule = m->rule;
	if (m->flags & LD_BR_GEN)
		h->flags |= LD_EVF_GEN;
}

static long ld_match_one(__u32 i, void *ctx)
{
	struct ld_match *m = ctx;
	__u32 key = (m->bank & 1) * LD_DET__COUNT + m->det;
	const struct ld_det_rules *list = bpf_map_lookup_elem(&det_rules, &key);

	if (!list || i >= list->n)
		return 1;
	barrier_var(i);
	/* the mask is for the verifier; stop at the first admitted rule */
	return ld_try_rule_g(list->idx[i & (LD_BPF_MAX_RULES - 1)], m) ? 1 : 0;
}

static __always_inline void ld_match_prepare(struct ld_match *m)
{
	m->rule = -1;
	m->bank = rules_bank;
	m->busy = max_inflight && inflight >= max_inflight;
	if (!m->now)
		m->now = bpf_ktime_get_ns();
	if (!m->preset) {
		m->tgid = bpf_get_current_pid_tgid() >> 32;
		m->uid = (__u32)bpf_get_current_uid_gid();
		m->lazy = LD_LAZY_COMM | LD_LAZY_EXE;
	}
}

/*
 * A declined event: counted, by verdict, in its rule's state; sent up as a
 * record only while the rule has sent fewer than LD_DECLINED_SEND_PER_S
 * this second (else counted as unsent).  The collector journals the
 * records and the unsent count: records + unsent = declined, exactly, in
 * any storm.  Returns whether the detector should make a record.
 */
static __always_inline bool ld_verdict_send(struct ld_match *m)
{
	__u32 idx = m->rule, v = m->verdict;
	struct ld_rule_state *st;
	__u64 sec;

	if (m->rule < 0)
		return false;
	if (v == LD_VERDICT_DUMP)
		return true;
	st = bpf_map_lookup_elem(&rule_state, &idx);
	if (!st)
		return true;
	if (v < LD_VERDICT__COUNT)
		__sync_fetch_and_add(&st->declined[v], 1);
	sec = m->now / 1000000000ULL;
	if (st->send_second != sec) {
		/* Racy by design: the budget is approximate, the counts are not. */
		st->send_second = sec;
		st->sent_in_second = 0;
	}
	if (__sync_fetch_and_add(&st->sent_in_second, 1) < LD_DECLINED_SEND_PER_S)
		return true;
	__sync_fetch_and_add(&st->unsent, 1);
	return false;
}

/* Probes are attached per rule: the attach cookie names the one rule to try. */
static __always_inline bool ld_rule_match_idx(__u32 idx, struct ld_match *m)
{
	ld_match_prepare(m);
	ld_try_rule_g(idx, m);
	return ld_verdict_send(m);
}

/*
 * Fills m->rule / verdict / flags for detector @det.  Returns false when no
 * rule matched, or when the event was declined and only counted
 * (ld_verdict_send): the event goes nowhere.
 */
static __always_inline bool ld_rules_match(__u32 det, struct ld_match *m)
{
	const struct ld_det_rules *list;
	__u32 key;

	m->det = det;
	ld_match_prepare(m);
	key = (m->bank & 1) * LD_DET__COUNT + det;
	list = bpf_map_lookup_elem(&det_rules, &key);
	if (!list || !list->n)
		return false;
	bpf_loop(LD_BPF_MAX_RULES, ld_match_one, m, 0);
	return ld_verdict_send(m);
}

struct ld_cg_scan {
	__u32 det, bank;
	__u64 held;
};

static long ld_cg_scan_one(__u32 i, void *ctx)
{
	struct ld_cg_scan *sc = ctx;
	__u32 key = (sc->bank & 1) * LD_DET__COUNT + sc->det;
	const struct ld_det_rules *list = bpf_map_lookup_elem(&det_rules, &key);
	const struct ld_bpf_rule *r;
	__u32 idx;

	if (!list || i >= list->n)
		return 1;
	barrier_var(i);
	idx = list->idx[i & (LD_BPF_MAX_RULES - 1)];
	key = (sc->bank & 1) * LD_BPF_MAX_RULES + idx;
	r = bpf_map_lookup_elem(&rules, &key);
	if (r && r->ncgroups && cgroup_in_current(r))
		sc->held |= 1ULL << (idx & (LD_BPF_MAX_RULES - 1));
	return 0;
}

/*
 * For a detector that judges the current task later, from another context
 * (block: at the request's completion): which of @det's rules' cgroup
 * filters hold for it now, into m->cg_held.
 */
static __always_inline void ld_cgroups_preset(__u32 det, struct ld_match *m)
{
	struct ld_cg_scan sc = { .det = det, .bank = rules_bank };

	bpf_loop(LD_BPF_MAX_RULES, ld_cg_scan_one, &sc, 0);
	m->cg_held = sc.held;
	m->cg_preset = true;
}

#endif /* LIVEDUMP_RULES_BPF_H */
