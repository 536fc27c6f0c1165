// SPDX-License-Identifier: MIT
/*
 * The syscall detector: a syscall of a watched process fails or is slow.
 * Its enter program remembers when a call began; its exit program checks
 * the rules against the number, the result and the latency, and sends the
 * record.  They run on tp_btf sys_enter/sys_exit, or, where the kernel has
 * fentry and every syscall rule names its syscalls (at most SYS_SLOTS in
 * all), as fentry/fexit on those syscalls' functions only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <bpf/btf.h>
#include "base/log.h"
#include "collector/loader_priv.h"
#include "detectors/detector.h"
#include "rules/keys.h"
#include "rules/rulecomp.h"
#include "rules/ruleval.h"
#include "collector/features.h"

static int elem_syscall(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			struct ld_verr *e)
{
	unsigned nr;
	int err = ld_val_syscall(s, &nr, e);

	(void)k;
	if (!err)
		((uint32_t *)f)[idx] = nr;
	return err;
}

static void fmt_syscall(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	uint32_t nr = ((const uint32_t *)f)[idx];
	const char *name = ld_val_syscall_name(nr);

	(void)k;
	if (name)
		ld_sb_printf(sb, "%s", name);
	else
		ld_sb_printf(sb, "%u", nr);
}

static const struct ld_rule_key keys[] = {
	{ .name = "name", LD_KEY_LIST(p.sys.nrs, p.sys.nnrs), .elem = elem_syscall,
	  .fmt = fmt_syscall },
	{ .name = "errno", LD_KEY_LIST(p.sys.errnos, p.sys.nerrnos), .elem = ld_key_elem_errno,
	  .fmt = ld_key_fmt_errno },
	{ .name = "latency", .cmp = true, LD_KEY_ONE(p.sys.latency), .elem = ld_key_elem_latency,
	  .cmp_elem = ld_key_cmp_latency, .fmt_kv = ld_key_fmt_latency },
	{ .name = "ret", .cmp = true, LD_KEY_ONE(p.sys.ret), .elem = ld_key_elem_ret,
	  .cmp_elem = ld_key_cmp_ret, .fmt_kv = ld_key_fmt_ret },
};
LD_KEYS_FIT(keys);

/*
 * name= becomes the code list, errno= the param list (the kernel matches
 * -ret against it); with no errno=, ret or latency condition a syscall
 * rule means "the call failed".
 */
static void compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	const struct ld_syscall_params *p = &r->p.sys;

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

static const char *const progs[] = {
	"ld_sys_enter", "ld_sys_exit",
	"ld_sys_fentry0", "ld_sys_fentry1", "ld_sys_fentry2", "ld_sys_fentry3",
	"ld_sys_fexit0", "ld_sys_fexit1", "ld_sys_fexit2", "ld_sys_fexit3", NULL
};

#define SYS_SLOTS	4	/* LD_SYS_SLOT()s in bpf/detectors/syscall.bpf.h */

static struct bpf_program *slot_prog(struct livedump_bpf *s, bool exit, unsigned i)
{
	struct bpf_program *entry[SYS_SLOTS] = {
		s->progs.ld_sys_fentry0, s->progs.ld_sys_fentry1, s->progs.ld_sys_fentry2,
		s->progs.ld_sys_fentry3,
	};
	struct bpf_program *ret[SYS_SLOTS] = {
		s->progs.ld_sys_fexit0, s->progs.ld_sys_fexit1, s->progs.ld_sys_fexit2,
		s->progs.ld_sys_fexit3,
	};

	return exit ? ret[i] : entry[i];
}

/*
 * The syscalls the rules name into @nrs (*n of them), when every syscall
 * rule names its own and they fit the slots; else why not, in @why.
 */
static int named_syscalls(const struct ld_ruleset *rs, __u32 *nrs, unsigned *n, char *why,
			  size_t len)
{
	*n = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct ld_syscall_params *p = &rs->v[i].p.sys;

		if (rs->v[i].detector != LD_DET_SYSCALL || rs->v[i].retired)
			continue;
		if (!p->nnrs) {
			snprintf(why, len, "rule %s names no syscall", rs->v[i].name);
			return -EINVAL;
		}
		for (unsigned k = 0; k < p->nnrs; k++) {
			unsigned j = 0;

			while (j < *n && nrs[j] != p->nrs[k])
				j++;
			if (j < *n)
				continue;
			if (*n == SYS_SLOTS) {
				snprintf(why, len, "the rules name more than %d syscalls", SYS_SLOTS);
				return -E2BIG;
			}
			nrs[(*n)++] = p->nrs[k];
		}
	}
	return 0;
}

/*
 * fentry/fexit for the named syscalls: where the kernel has BPF
 * trampolines and each syscall's function (__x64_sys_NAME) is in its BTF.
 * 0 with the slots bound and turned on; else why not, in @why.
 */
static int plan_fentry(struct ld_loader *l, const struct ld_ruleset *rs, char *why, size_t len)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	char fns[SYS_SLOTS][64];
	__u32 nrs[SYS_SLOTS];
	struct btf *btf;
	unsigned n;
	int err = named_syscalls(rs, nrs, &n, why, len);

	if (err)
		return err;
	if (ld_feature_probe(LD_FEAT_FENTRY, why, len))
		return -EOPNOTSUPP;
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(why, len, "no kernel BTF: %s", strerror(errno));
		return -ENOENT;
	}
	for (unsigned i = 0; !err && i < n; i++) {
		const char *name = ld_val_syscall_name(nrs[i]);

		snprintf(fns[i], sizeof(fns[i]), "__x64_sys_%s", name ? name : "?");
		if (!name || btf__find_by_name_kind(btf, fns[i], BTF_KIND_FUNC) <= 0) {
			snprintf(why, len, "no kernel function %s in BTF", fns[i]);
			err = -ENOENT;
		}
	}
	btf__free(btf);
	for (unsigned i = 0; !err && i < n; i++) {
		if (bpf_program__set_attach_target(slot_prog(s, false, i), 0, fns[i]) ||
		    bpf_program__set_attach_target(slot_prog(s, true, i), 0, fns[i])) {
			snprintf(why, len, "cannot bind fentry/fexit to %s", fns[i]);
			return -EINVAL;
		}
		s->rodata->sys_slot_nr[i] = nrs[i];
		ld_loader__want(l, slot_prog(s, false, i));
		ld_loader__want(l, slot_prog(s, true, i));
	}
	return err;
}

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	bool any = false;
	char why[320];

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].detector != LD_DET_SYSCALL || rs->v[i].retired)
			continue;
		any = true;
		/* A rule that names no syscall: every call is timed, not just the named ones. */
		if (!rs->v[i].p.sys.nnrs)
			s->rodata->syscall_any = true;
	}
	if (!any)
		return 0;
	if (!plan_fentry(l, rs, why, sizeof(why)))
		return 0;
	ld_dbg("syscall rules on the sys_enter/sys_exit tracepoints: %s", why);
	ld_loader__want(l, s->progs.ld_sys_enter);
	ld_loader__want(l, s->progs.ld_sys_exit);
	return 0;
}

/*
 * Which arguments of a call are file descriptors (bit i: args[i]): its
 * dump holds their struct file (docs/kernel-dumps.md).  close() is not
 * here: at its return the file is gone from the table.
 */
static const struct {
	unsigned nr, mask;
} fd_args[] = {
	{ SYS_read, 1 }, { SYS_write, 1 }, { SYS_pread64, 1 }, { SYS_pwrite64, 1 },
	{ SYS_readv, 1 }, { SYS_writev, 1 }, { SYS_preadv, 1 }, { SYS_pwritev, 1 },
	{ SYS_preadv2, 1 }, { SYS_pwritev2, 1 }, { SYS_lseek, 1 }, { SYS_fsync, 1 },
	{ SYS_fdatasync, 1 }, { SYS_ftruncate, 1 }, { SYS_fallocate, 1 }, { SYS_fstat, 1 },
	{ SYS_ioctl, 1 }, { SYS_fcntl, 1 }, { SYS_flock, 1 }, { SYS_getdents64, 1 },
	{ SYS_sync_file_range, 1 }, { SYS_fadvise64, 1 }, { SYS_syncfs, 1 },
	{ SYS_sendfile, 1 | 2 }, { SYS_splice, 1 | 4 }, { SYS_tee, 1 | 2 },
	{ SYS_copy_file_range, 1 | 4 }, { SYS_mmap, 16 },
	{ SYS_connect, 1 }, { SYS_accept, 1 }, { SYS_accept4, 1 }, { SYS_bind, 1 },
	{ SYS_listen, 1 }, { SYS_sendto, 1 }, { SYS_recvfrom, 1 }, { SYS_sendmsg, 1 },
	{ SYS_recvmsg, 1 }, { SYS_shutdown, 1 }, { SYS_getsockopt, 1 }, { SYS_setsockopt, 1 },
	{ SYS_epoll_wait, 1 }, { SYS_epoll_ctl, 1 | 4 }, { SYS_epoll_pwait, 1 },
	{ SYS_fchmod, 1 }, { SYS_fchown, 1 }, { SYS_fstatfs, 1 }, { SYS_fgetxattr, 1 },
	{ SYS_fsetxattr, 1 },
};

static int set_fd_args(struct livedump_bpf *s)
{
	for (size_t i = 0; i < sizeof(fd_args) / sizeof(fd_args[0]); i++) {
		__u32 nr = fd_args[i].nr, mask = fd_args[i].mask;

		if (bpf_map__update_elem(s->maps.syscall_fdargs, &nr, sizeof(nr), &mask,
					 sizeof(mask), BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Which syscalls the rules name; also at a reload, so one pass over every number. */
static int update(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	static const __u32 one = 1, zero = 0;

	for (__u32 nr = 0; nr < 512; nr++) {
		bool wanted = false;

		for (size_t i = 0; !wanted && i < rs->n; i++) {
			const struct ld_rule *r = &rs->v[i];

			if (r->detector != LD_DET_SYSCALL)
				continue;
			for (unsigned k = 0; !wanted && k < r->p.sys.nnrs; k++)
				wanted = r->p.sys.nrs[k] == nr;
		}
		if (bpf_map__update_elem(s->maps.syscall_wanted, &nr, sizeof(nr),
					 wanted ? &one : &zero, sizeof(one), BPF_ANY))
			return -errno;
	}
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	char what[96];
	int err;

	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == LD_DET_SYSCALL) {
			err = set_fd_args(s);
			if (err) {
				ld_err("cannot fill syscall_fdargs: %s", strerror(-err));
				return err;
			}
			break;
		}
	if (bpf_program__autoload(s->progs.ld_sys_enter)) {
		err = ld_loader__attach(l, s->progs.ld_sys_enter, "tp_btf sys_enter");
		return err ? err : ld_loader__attach(l, s->progs.ld_sys_exit, "tp_btf sys_exit");
	}
	for (unsigned i = 0; i < SYS_SLOTS; i++) {
		const char *name = ld_val_syscall_name(s->rodata->sys_slot_nr[i]);

		if (!bpf_program__autoload(slot_prog(s, false, i)))
			continue;
		snprintf(what, sizeof(what), "fentry __x64_sys_%s", name ? name : "?");
		err = ld_loader__attach(l, slot_prog(s, false, i), what);
		snprintf(what, sizeof(what), "fexit __x64_sys_%s", name ? name : "?");
		if (!err)
			err = ld_loader__attach(l, slot_prog(s, true, i), what);
		if (err)
			return err;
	}
	return 0;
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_syscall_event *e = (const void *)x->hdr;

	is->code = e->nr;
	is->params[0] = (uint64_t)e->ret;
	is->params[1] = e->latency_ns;
	is->params[2] = e->args[0];
	is->params[3] = e->args[1];
	is->regs = &e->regs;
	is->kargs = (const int64_t *)e->args;
	is->nkargs = sizeof(e->args) / sizeof(e->args[0]);
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	static const char *const args[6] = { "arg0", "arg1", "arg2", "arg3", "arg4", "arg5" };
	const struct ld_syscall_event *e = src->rec;
	uint32_t nr = src->code;
	int64_t ret = (int64_t)src->params[0];
	uint64_t latency = src->params[1];
	const char *name;
	char err[32] = "";

	if (e && src->len >= sizeof(*e)) {
		nr = e->nr;
		ret = e->ret;
		latency = e->latency_ns;
	}
	name = ld_val_syscall_name(nr);
	ld_fields__str(f, "syscall", "%s", name ? name : "?");
	ld_fields__u64(f, "nr", nr);
	ld_fields__s64(f, "ret", ret);
	if (ret < 0 && ret >= -4095) {
		ld_val_errno_name(-ret, err, sizeof(err));
		ld_fields__str(f, "errno", "%s", err);
	}
	if (e && src->len >= sizeof(*e))
		for (unsigned i = 0; i < 6; i++)
			ld_fields__hex(f, args[i], e->args[i]);
	ld_fields__ns(f, "latency_ns", latency);
	if (err[0])
		ld_fields__summary(f, "%s (%u) failed with %s after %.3f ms", name ? name : "syscall",
				   nr, err, latency / 1e6);
	else
		ld_fields__summary(f, "%s (%u) returned %" PRId64 " after %.3f ms",
				   name ? name : "syscall", nr, ret, latency / 1e6);
}

const struct ld_detector_ops ld_det_syscall = {
	.name = "syscall",
	.doc = "a syscall of a watched process fails or is slow",
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_MINI,
	.compile = compile,
	.progs = progs,
	.configure = configure,
	.update = update,
	.attach = attach,
	.record_size = sizeof(struct ld_syscall_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_SYSCALL,
	.legacy_event = 2,
};
