/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The signal detector: a signal at its delivery, handled or fatal.
 * Included once, by livedump.bpf.c; its collector side is
 * src/detectors/signal.c.
 */
#ifndef LIVEDUMP_DET_SIGNAL_BPF_H
#define LIVEDUMP_DET_SIGNAL_BPF_H

#include "rules.bpf.h"
#include "history.bpf.h"

#define LD_SIG_DFL	0
#define LD_SIG_IGN	1
#define LD_SIGSTOP_NR	19

/* Signals whose default action ends the process (with or without a core). */
static __always_inline bool sig_kills_by_default(int sig)
{
	switch (sig) {
	case 17: case 18: case 19: case 20: case 21: case 22: case 23: case 28:
		return false;	/* CHLD CONT STOP TSTP TTIN TTOU URG WINCH */
	default:
		return sig > 0;
	}
}

/*
 * signal_deliver runs in the receiving task, just before its handler (or
 * the default action) runs: a handled signal can be frozen right there.  A
 * fatal one cannot — the kill follows at once — so it is reported as
 * context (the crash path through core_pattern is not built yet).
 */
SEC("tp_btf/signal_deliver")
int BPF_PROG(ld_sig_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct ld_signal_event *e;
	struct ld_match m = {};
	__u64 handler;

	if (sig == LD_SIGSTOP_NR || !ld_current_watched())
		return 0;	/* our own freezes must not feed themselves */
	m.code = sig;
	if (!ld_rules_match(LD_DET_SIGNAL, &m))
		return 0;
	e = ld_event_reserve(LD_DET_SIGNAL, sizeof(*e));
	if (!e)
		return 0;
	ld_event_init(&e->hdr, LD_DET_SIGNAL, sizeof(*e), m.now);
	ld_event_rule(&e->hdr, &m);
	e->hdr.verdict = m.verdict;
	handler = (__u64)BPF_CORE_READ(ka, sa.sa_handler);
	e->sig = sig;
	e->code = BPF_CORE_READ(info, si_code);
	e->err = BPF_CORE_READ(info, si_errno);
	/* si_code > 0: sent by the kernel, where the union holds the fault address. */
	if (e->code > 0 && (sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11)) {
		e->addr = (__u64)BPF_CORE_READ(info, _sifields._sigfault._addr);
		e->sender = 0;
	} else {
		e->addr = 0;
		e->sender = BPF_CORE_READ(info, _sifields._kill._pid);
	}
	e->handler = handler;
	e->fatal = handler == LD_SIG_DFL && sig_kills_by_default(sig);
	e->pad = 0;
	bpf_probe_read_kernel(&e->regs, sizeof(e->regs),
			      (void *)bpf_task_pt_regs(bpf_get_current_task_btf()));
	ld_history_issue(ctx, &e->hdr, m.code, m.param);
	if (m.verdict == LD_VERDICT_DUMP && (m.flags & LD_BR_MEMORY) && !e->fatal)
		ld_freeze_current(&e->hdr);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* LIVEDUMP_DET_SIGNAL_BPF_H */
