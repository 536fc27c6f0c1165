// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include "base/log.h"
#include "rules/rulecomp.h"

#define CGROUP2_MAGIC	0x63677270

uint64_t ld_kernel_dev(uint64_t dev)
{
	return ((uint64_t)major(dev) << 20) | minor(dev);
}

/* cgroup v2 is at /sys/fs/cgroup, or at .../unified on hybrid systems. */
const char *ld_cgroup2_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs sfs;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!statfs(roots[i], &sfs) && sfs.f_type == CGROUP2_MAGIC)
			return roots[i];
	return NULL;
}

static int compile_cgroup(const struct ld_rule *r, const char *prefix, struct ld_bpf_cgroup *cg)
{
	const char *root = ld_cgroup2_root();
	char path[4096];
	struct stat st;
	unsigned level = 0;

	if (!root) {
		ld_err("%s: cgroup=%s needs cgroup v2 (mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified)",
		       r->origin, prefix);
		return -ENOTSUP;
	}
	snprintf(path, sizeof(path), "%s%s", root, prefix);
	if (stat(path, &st)) {
		int err = -errno;

		ld_err("%s: cgroup=%s: %s: %s", r->origin, prefix, path, strerror(errno));
		return err;
	}
	for (const char *p = prefix; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	/* On cgroup v2 a cgroup's id is the inode number of its directory. */
	cg->id = st.st_ino;
	cg->level = level;
	return 0;
}

static int compile_exe(const struct ld_rule *r, const char *path, struct ld_exe_key *k)
{
	struct stat st;

	if (stat(path, &st)) {
		int err = -errno;

		ld_err("%s: exe=%s: %s", r->origin, path, strerror(errno));
		return err;
	}
	k->dev = ld_kernel_dev(st.st_dev);
	k->ino = st.st_ino;
	return 0;
}

static void copy_ranges(struct ld_bpf_range *dst, __u32 *n, const struct ld_range64 *src,
			unsigned count)
{
	*n = count < LD_BPF_LIST ? count : LD_BPF_LIST;
	for (unsigned i = 0; i < *n; i++) {
		dst[i].lo = src[i].lo;
		dst[i].hi = src[i].hi;
	}
}

/*
 * name= becomes the code list, errno= the param list (the kernel matches
 * -ret against it); with no errno=, ret or latency condition a syscall
 * rule means "the call failed".
 */
static void compile_syscall(const struct ld_syscall_params *p, struct ld_bpf_rule *out)
{
	out->ncodes = p->nnrs;
	for (unsigned i = 0; i < p->nnrs; i++)
		out->codes[i].lo = out->codes[i].hi = p->nrs[i];
	out->nparams = p->nerrnos;
	for (unsigned i = 0; i < p->nerrnos; i++)
		out->params[i].lo = out->params[i].hi = p->errnos[i];
	if (p->latency.hi) {
		out->flags |= LD_BR_LATENCY;
		out->latency_lo = p->latency.lo;
		out->latency_hi = p->latency.hi;
	}
	if (p->ret.set) {
		out->flags |= LD_BR_RET;
		out->ret_lo = p->ret.lo;
		out->ret_hi = p->ret.hi;
	} else if (!p->nerrnos && !p->latency.hi) {
		out->flags |= LD_BR_RET;
		out->ret_lo = -4095;
		out->ret_hi = -1;
	}
}

/* dev= becomes the code list; error= the param list, error=any a ret range. */
static void compile_block(const struct ld_block_params *p, struct ld_bpf_rule *out)
{
	bool any = false;

	out->ncodes = p->ndevs;
	for (unsigned i = 0; i < p->ndevs; i++)
		out->codes[i].lo = out->codes[i].hi = p->devs[i];
	for (unsigned i = 0; i < p->nerrnos; i++) {
		any |= p->errnos[i] == 0;
		out->params[out->nparams].lo = out->params[out->nparams].hi = p->errnos[i];
		out->nparams++;
	}
	if (p->latency.hi) {
		out->flags |= LD_BR_LATENCY;
		out->latency_lo = p->latency.lo;
		out->latency_hi = p->latency.hi;
	}
	if (any || (!p->nerrnos && !p->latency.hi)) {
		out->nparams = 0;
		out->flags |= LD_BR_RET;
		out->ret_lo = -4095;
		out->ret_hi = -1;
	}
}

static void compile_probe(const struct ld_probe_params *p, struct ld_bpf_rule *out)
{
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

/* Without sig=: the signals that mean trouble, not job control or SIGCHLD. */
static void compile_signal(const struct ld_signal_params *p, struct ld_bpf_rule *out)
{
	static const unsigned trouble[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP,
					    SIGSYS, SIGPIPE, SIGUSR1, SIGUSR2, SIGTERM, SIGINT,
					    SIGHUP, SIGQUIT, SIGXCPU, SIGXFSZ };
	const unsigned *v = p->nsigs ? p->sigs : trouble;
	unsigned n = p->nsigs ? p->nsigs : sizeof(trouble) / sizeof(trouble[0]);

	out->ncodes = n;
	for (unsigned i = 0; i < n; i++)
		out->codes[i].lo = out->codes[i].hi = v[i];
}

/*
 * The exit tracepoint gives code = status, param = signal; a rule that
 * freezes runs as a uprobe on libc exit(), where code = its argument.
 * Without status= and signal=: any failure.
 */
static void compile_exit(const struct ld_exit_params *p, enum ld_capture_type type,
			 struct ld_bpf_rule *out)
{
	copy_ranges(out->codes, &out->ncodes, p->statuses, p->nstatuses);
	out->nparams = p->nsigs;
	for (unsigned i = 0; i < p->nsigs; i++)
		out->params[i].lo = out->params[i].hi = p->sigs[i];
	if (p->nstatuses || p->nsigs)
		return;
	if (type == LD_CAPTURE_CONTEXT) {
		out->flags |= LD_BR_RET;
		out->ret_lo = -4095;
		out->ret_hi = -1;
	} else {
		out->ncodes = 1;
		out->codes[0].lo = 1;
		out->codes[0].hi = 255;
	}
}

int ld_rule_compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	const struct ld_rule_filters *w = &r->where;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (r->capture.type != LD_CAPTURE_CONTEXT)
		out->flags |= LD_BR_MEMORY;
	if (r->detector == LD_DET_APP) {
		copy_ranges(out->codes, &out->ncodes, r->p.app.codes, r->p.app.ncodes);
		copy_ranges(out->params, &out->nparams, r->p.app.params, r->p.app.nparams);
	} else if (r->detector == LD_DET_SYSCALL) {
		compile_syscall(&r->p.sys, out);
	} else if (r->detector == LD_DET_BLOCK) {
		compile_block(&r->p.blk, out);
	} else if (r->detector >= LD_DET_UPROBE && r->detector <= LD_DET_KRETPROBE) {
		compile_probe(&r->p.probe, out);
	} else if (r->detector == LD_DET_SIGNAL) {
		compile_signal(&r->p.sig, out);
	} else if (r->detector == LD_DET_EXIT) {
		compile_exit(&r->p.exit, r->capture.type, out);
	}
	out->npids = w->npids;
	memcpy(out->pids, w->pids, w->npids * sizeof(w->pids[0]));
	out->nuids = w->nuids;
	memcpy(out->uids, w->uids, w->nuids * sizeof(w->uids[0]));
	out->ncomms = w->ncomms;
	for (unsigned i = 0; i < w->ncomms; i++)
		strncpy(out->comms[i], w->comms[i], LD_COMM_LEN);	/* zero-padded */
	out->ncgroups = w->ncgroups;
	for (unsigned i = 0; !err && i < w->ncgroups; i++)
		err = compile_cgroup(r, w->cgroups[i], &out->cgroups[i]);
	out->nexes = w->nexes;
	for (unsigned i = 0; !err && i < w->nexes; i++)
		err = compile_exe(r, w->exes[i], &out->exes[i]);
	if (err)
		return err;
	if (r->limit.rate_n > LD_RATE_MAX) {
		ld_err("%s: rule %s: a rate limit allows at most %d dumps per window", r->origin,
		       r->name, LD_RATE_MAX);
		return -E2BIG;
	}
	out->total = r->limit.total;
	out->rate_n = r->limit.rate_n;
	out->rate_window_ns = r->limit.rate_window_ns;
	out->cooldown_ns = r->limit.cooldown_ns;
	return 0;
}
