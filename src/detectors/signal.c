// SPDX-License-Identifier: MIT
/*
 * The signal detector: a signal is about to be handled by a watched
 * process (tp_btf signal_deliver), with its si_code, fault address, sender
 * and disposition.  A fatal one leaves nothing live to freeze: its memory
 * comes from the kernel's core, through the crash path (collector/crash.c).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "collector/loader_priv.h"
#include "detectors/detector.h"
#include "rules/keys.h"

static const struct ld_rule_key keys[] = {
	{ .name = "sig", LD_KEY_LIST(p.sig.sigs, p.sig.nsigs), .elem = ld_key_elem_signal,
	  .fmt = ld_key_fmt_signal },
};
LD_KEYS_FIT(keys);

/* Without sig=: the signals that mean trouble, not job control or SIGCHLD. */
static void compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	static const unsigned trouble[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP,
					    SIGSYS, SIGPIPE, SIGUSR1, SIGUSR2, SIGTERM, SIGINT,
					    SIGHUP, SIGQUIT, SIGXCPU, SIGXFSZ };
	const struct ld_signal_params *p = &r->p.sig;
	const unsigned *v = p->nsigs ? p->sigs : trouble;
	unsigned n = p->nsigs ? p->nsigs : sizeof(trouble) / sizeof(trouble[0]);

	out->ncodes = n;
	for (unsigned i = 0; i < n; i++)
		out->codes[i].lo = out->codes[i].hi = v[i];
}

static const char *const progs[] = { "ld_sig_deliver", NULL };

static bool used(const struct ld_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == LD_DET_SIGNAL)
			return true;
	return false;
}

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	if (used(rs))
		ld_loader__want(l, ld_loader__skel(l)->progs.ld_sig_deliver);
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	if (!used(rs))
		return 0;
	return ld_loader__attach(l, ld_loader__skel(l)->progs.ld_sig_deliver, "signal_deliver");
}

static const char *disposition(uint64_t handler)
{
	return handler == 0 ? "default" : handler == 1 ? "ignored" : "handled";
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_signal_event *e = (const void *)x->hdr;
	char name[32];

	is->code = e->sig;
	is->params[0] = (uint64_t)(int64_t)e->code;
	is->params[1] = e->addr;
	is->params[2] = e->sender;
	is->params[3] = e->fatal;
	is->regs = &e->regs;
	is->context_only = e->fatal;
	ld_val_signal_name(e->sig, name, sizeof(name));
	/* Readers before format 1.3 show these lines. */
	snprintf(is->text, sizeof(is->text), "signal=%s\nsi_code=%d\naddr=0x%llx\nsender=%u\n"
		 "handler=%s\n", name, e->code, (unsigned long long)e->addr, e->sender,
		 e->handler == 0 ? "default" : e->handler == 1 ? "ignore" : "function");
}

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* si_code by name, as <asm-generic/siginfo.h> defines them. */
static const char *code_name(int sig, int code)
{
	static const char *const segv[] = { NULL, "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR",
					    "SEGV_PKUERR", "SEGV_ACCADI", "SEGV_ADIDERR",
					    "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR",
					    "SEGV_CPERR" };
	static const char *const bus[] = { NULL, "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR",
					   "BUS_MCEERR_AR", "BUS_MCEERR_AO" };
	static const char *const fpe[] = { NULL, "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV",
					   "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV",
					   "FPE_FLTSUB", [14] = "FPE_FLTUNK", [15] = "FPE_CONDTRAP" };
	static const char *const ill[] = { NULL, "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR",
					   "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC",
					   "ILL_BADSTK", "ILL_BADIADDR" };
	static const char *const trap[] = { NULL, "TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH",
					    "TRAP_HWBKPT", "TRAP_UNK", "TRAP_PERF" };
	static const char *const chld[] = { NULL, "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED",
					    "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED" };
	static const char *const si[] = { "SI_USER", "SI_QUEUE", "SI_TIMER", "SI_MESGQ",
					  "SI_ASYNCIO", "SI_SIGIO", "SI_TKILL" };
	const char *const *v = NULL;
	size_t n = 0;

	if (code == 0x80)
		return "SI_KERNEL";
	if (code <= 0)
		return -code < (int)N(si) ? si[-code] : NULL;
	if (sig == SIGSEGV)
		v = segv, n = N(segv);
	else if (sig == SIGBUS)
		v = bus, n = N(bus);
	else if (sig == SIGFPE)
		v = fpe, n = N(fpe);
	else if (sig == SIGILL)
		v = ill, n = N(ill);
	else if (sig == SIGTRAP)
		v = trap, n = N(trap);
	else if (sig == SIGCHLD)
		v = chld, n = N(chld);
	return (size_t)code < n ? v[code] : NULL;
}

/* The signals whose si_addr is the faulting address. */
static bool has_addr(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	const struct ld_signal_event *e = src->rec;
	int sig = src->code, code = (int)(int64_t)src->params[0];
	uint64_t addr = src->params[1], sender = src->params[2];
	bool fatal = src->params[3], have = e && src->len >= sizeof(*e);
	const char *cname;
	char name[32], cbuf[32];

	if (have) {
		sig = e->sig;
		code = e->code;
		addr = e->addr;
		sender = e->sender;
		fatal = e->fatal;
	}
	ld_val_signal_fullname(sig, name, sizeof(name));
	cname = code_name(sig, code);
	if (!cname) {
		snprintf(cbuf, sizeof(cbuf), "%d", code);
		cname = cbuf;
	}
	ld_fields__str(f, "signal", "%s", name);
	ld_fields__u64(f, "signo", sig);
	ld_fields__str(f, "si_code", "%s", cname);
	if (has_addr(sig))
		ld_fields__hex(f, "addr", addr);
	if (code <= 0 && sender)
		ld_fields__u64(f, "sender_pid", sender);
	if (have)
		ld_fields__str(f, "disposition", "%s", disposition(e->handler));
	ld_fields__bool(f, "fatal", fatal);
	if (has_addr(sig))
		ld_fields__summary(f, "%s (%s) at 0x%" PRIx64 "%s", name, cname, addr,
				   fatal ? ", fatal" : "");
	else if (code <= 0 && sender)
		ld_fields__summary(f, "%s (%s) from pid %" PRIu64 "%s", name, cname, sender,
				   fatal ? ", fatal" : "");
	else
		ld_fields__summary(f, "%s (%s)%s", name, cname, fatal ? ", fatal" : "");
}

const struct ld_detector_ops ld_det_signal = {
	.name = "signal",
	.doc = "a signal is delivered to a watched process",
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_MINI,
	.compile = compile,
	.progs = progs,
	.configure = configure,
	.attach = attach,
	.record_size = sizeof(struct ld_signal_event),
	.core_follows = true,
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_SIGNAL,
	.legacy_event = 5,
};
