// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "livedump.skel.h"
#include "kabi/records.h"
#include "collector/loader.h"
#include "collector/history.h"
#include "base/log.h"
#include "rules/rulecomp.h"
#include "rules/rules.h"
#include "collector/features.h"
#include "analysis/libresolve.h"

struct probe {
	dev_t dev;
	ino_t ino;
	struct bpf_link *link;
};

#define TRACE_SLOTS 4

struct ld_loader {
	struct livedump_bpf *skel;
	int fentry_slot[LD_BPF_MAX_RULES];	/* rule -> fentry/fexit slot + 1; 0: kprobe */
	struct bpf_link **rule_links;	/* probes attached for probe rules */
	size_t nrule_links;
	struct bpf_link *fork_link, *exit_link, *exec_link, *sync_iter, *stop_link;
	struct bpf_link *sys_links[2], *blk_links[3], *sig_link, *oom_link;
	struct ring_buffer *rb;
	struct ld_history *hist;		/* the flight recorder */
	struct probe *probes;
	size_t nprobes;
	ld_event_fn fn;
	void *ctx;
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && ld_log_level < LD_LOG_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && ld_log_level < LD_LOG_DEBUG)
		return 0;
	fputs("livedump: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct ld_loader *l = ctx;

	return l->fn(l->ctx, data, size);
}

static int set_rules(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct ld_det_rules lists[LD_DET__COUNT] = { 0 };

	if (rs->n > LD_BPF_MAX_RULES) {
		ld_err("%zu rules: at most %d are supported", rs->n, LD_BPF_MAX_RULES);
		return -E2BIG;
	}
	for (__u32 i = 0; i < rs->n; i++) {
		const struct ld_rule *r = &rs->v[i];
		struct ld_bpf_rule br;
		struct ld_det_rules *list = &lists[r->detector];
		int err = ld_rule_compile(r, &br);

		if (err)
			return err;
		if (bpf_map__update_elem(l->skel->maps.rules, &i, sizeof(i), &br, sizeof(br), BPF_ANY))
			return -errno;
		/* Probe rules run by their attach cookie; exit rules that freeze are probes. */
		if (!(r->detector == LD_DET_EXIT && r->capture.type != LD_CAPTURE_CONTEXT))
			list->idx[list->n++] = i;
		for (unsigned k = 0; r->detector == LD_DET_SYSCALL && k < r->p.sys.nnrs; k++) {
			__u32 nr = r->p.sys.nrs[k], one = 1;

			if (nr < 512 && bpf_map__update_elem(l->skel->maps.syscall_wanted, &nr,
							     sizeof(nr), &one, sizeof(one), BPF_ANY))
				return -errno;
		}
	}
	for (__u32 d = 0; d < LD_DET__COUNT; d++)
		if (bpf_map__update_elem(l->skel->maps.det_rules, &d, sizeof(d), &lists[d],
					 sizeof(lists[d]), BPF_ANY))
			return -errno;
	return 0;
}

static struct bpf_program *probe_prog(struct ld_loader *l, enum ld_detector d)
{
	switch (d) {
	case LD_DET_UPROBE: return l->skel->progs.ld_uprobe;
	case LD_DET_URETPROBE: return l->skel->progs.ld_uretprobe;
	case LD_DET_USDT: return l->skel->progs.ld_usdt;
	case LD_DET_KPROBE: return l->skel->progs.ld_kprobe;
	case LD_DET_KRETPROBE: return l->skel->progs.ld_kretprobe;
	/* libc's functions, where a failing process goes before it dies */
	case LD_DET_ABORT: case LD_DET_ASSERT: case LD_DET_EXIT: return l->skel->progs.ld_uprobe;
	default: return NULL;
	}
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

/*
 * Where a rule's probe goes: its at=, or for abort/assert/exit (with a
 * capture that freezes) the libc function the process calls.  NULL: the
 * rule has no probe.
 */
static const char *probe_at(const struct ld_rule *r)
{
	switch (r->detector) {
	case LD_DET_UPROBE: case LD_DET_URETPROBE: case LD_DET_USDT:
	case LD_DET_KPROBE: case LD_DET_KRETPROBE:
		return r->p.probe.at;
	case LD_DET_ABORT:
		return "libc.so.6:abort";
	case LD_DET_ASSERT:
		return "libc.so.6:__assert_fail";
	case LD_DET_EXIT:
		return r->capture.type == LD_CAPTURE_CONTEXT ? NULL : "libc.so.6:exit";
	default:
		return NULL;
	}
}

static bool uses_probe(const struct ld_ruleset *rs, enum ld_detector det)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == det && probe_at(&rs->v[i]))
			return true;
	return false;
}

static int attach_one(bool wanted, struct bpf_program *prog, struct bpf_link **link,
		      const char *what)
{
	if (!wanted)
		return 0;
	*link = bpf_program__attach(prog);
	if (!*link) {
		int err = -errno;

		ld_err("cannot attach to %s: %s", what, strerror(-err));
		return err;
	}
	ld_info("attached %s", what);
	return 0;
}

static struct bpf_program *trace_prog(struct ld_loader *l, bool ret, int slot)
{
	struct bpf_program *entry[TRACE_SLOTS] = {
		l->skel->progs.ld_fentry0, l->skel->progs.ld_fentry1,
		l->skel->progs.ld_fentry2, l->skel->progs.ld_fentry3,
	};
	struct bpf_program *exit[TRACE_SLOTS] = {
		l->skel->progs.ld_fexit0, l->skel->progs.ld_fexit1,
		l->skel->progs.ld_fexit2, l->skel->progs.ld_fexit3,
	};

	return ret ? exit[slot] : entry[slot];
}

/*
 * Before load: kernel probe rules get an fentry/fexit slot where the kernel
 * allows it (via=fentry insists, via=kprobe refuses), kprobes otherwise.
 */
static int plan_trace_slots(struct ld_loader *l, const struct ld_ruleset *rs)
{
	bool ok = false, probed = false;
	char why[256] = "";
	int next[2] = { 0, 0 };

	for (int s = 0; s < TRACE_SLOTS; s++) {
		bpf_program__set_autoload(trace_prog(l, false, s), false);
		bpf_program__set_autoload(trace_prog(l, true, s), false);
	}
	for (size_t i = 0; i < rs->n && i < LD_BPF_MAX_RULES; i++) {
		const struct ld_rule *r = &rs->v[i];
		bool ret = r->detector == LD_DET_KRETPROBE;
		struct bpf_program *prog;

		if ((r->detector != LD_DET_KPROBE && !ret) || r->p.probe.via == LD_VIA_KPROBE ||
		    strchr(r->p.probe.at, '+'))
			continue;
		if (!probed) {
			ok = !ld_feature_probe(LD_FEAT_FENTRY, why, sizeof(why));
			probed = true;
		}
		if (!ok || next[ret] == TRACE_SLOTS) {
			if (r->p.probe.via != LD_VIA_FENTRY)
				continue;
			ld_err("rule %s (%s): %s via fentry: %s", r->name, r->origin,
			       ld_detector_name(r->detector),
			       ok ? "all fentry/fexit slots are taken" : why);
			return -EOPNOTSUPP;
		}
		prog = trace_prog(l, ret, next[ret]);
		if (bpf_program__set_attach_target(prog, 0, r->p.probe.at)) {
			ld_err("rule %s (%s): no kernel function %s in BTF", r->name, r->origin,
			       r->p.probe.at);
			return -ENOENT;
		}
		bpf_program__set_autoload(prog, true);
		l->fentry_slot[i] = ++next[ret];
	}
	return 0;
}

static int attach_trace_rule(struct ld_loader *l, const struct ld_rule *r, __u32 idx)
{
	LIBBPF_OPTS(bpf_trace_opts, to, .cookie = idx);
	bool ret = r->detector == LD_DET_KRETPROBE;
	struct bpf_link *link, **v;

	link = bpf_program__attach_trace_opts(trace_prog(l, ret, l->fentry_slot[idx] - 1), &to);
	if (!link) {
		int err = -errno;

		ld_err("rule %s (%s): cannot attach %s to %s: %s", r->name, r->origin,
		       ret ? "fexit" : "fentry", r->p.probe.at, strerror(-err));
		return err;
	}
	ld_info("attached %s %s for rule %s", ret ? "fexit" : "fentry", r->p.probe.at, r->name);
	v = realloc(l->rule_links, (l->nrule_links + 1) * sizeof(*v));
	if (!v) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	l->rule_links = v;
	v[l->nrule_links++] = link;
	return 0;
}

/* Attaches the probe of a probe rule; the cookie is the rule's index. */
static int attach_probe_rule(struct ld_loader *l, const struct ld_rule *r, __u32 idx)
{
	struct bpf_program *prog = probe_prog(l, r->detector);
	bool ret = r->detector == LD_DET_URETPROBE || r->detector == LD_DET_KRETPROBE;
	char at[LD_PROBE_AT_MAX], *sym = at, *path = NULL, why[256];
	struct bpf_link *link = NULL, **v;
	size_t off;

	if (!prog || !probe_at(r))
		return 0;
	if (idx < LD_BPF_MAX_RULES && l->fentry_slot[idx])
		return attach_trace_rule(l, r, idx);
	snprintf(at, sizeof(at), "%s", probe_at(r));
	if (r->detector == LD_DET_KPROBE || r->detector == LD_DET_KRETPROBE) {
		LIBBPF_OPTS(bpf_kprobe_opts, ko, .bpf_cookie = idx, .retprobe = ret);
		enum ld_feature f = ret ? LD_FEAT_KRETPROBE : LD_FEAT_KPROBE;

		if (ld_feature_probe(f, why, sizeof(why))) {
			ld_err("rule %s (%s): %s is not available on this kernel: %s (see livedump features)",
			       r->name, r->origin, ld_detector_name(r->detector), why);
			return -EOPNOTSUPP;
		}
		ko.offset = split_offset(sym);
		link = bpf_program__attach_kprobe_opts(prog, sym, &ko);
	} else {
		char *colon = strchr(at, ':');

		*colon = 0;
		sym = colon + 1;
		path = strchr(at, '/') ? realpath(at, NULL) : ld_find_library(at);
		if (!path) {
			ld_err("rule %s (%s): cannot find %s", r->name, r->origin, at);
			return -ENOENT;
		}
		if (r->detector == LD_DET_USDT) {
			LIBBPF_OPTS(bpf_usdt_opts, uo, .usdt_cookie = idx);
			char *name = strchr(sym, ':');

			*name++ = 0;
			link = bpf_program__attach_usdt(prog, -1, path, sym, name, &uo);
		} else {
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = idx, .retprobe = ret);

			off = split_offset(sym);
			uo.func_name = sym;
			link = bpf_program__attach_uprobe_opts(prog, -1, path, off, &uo);
		}
	}
	if (!link) {
		int err = -errno;

		ld_err("rule %s (%s): cannot attach %s to %s: %s", r->name, r->origin,
		       ld_detector_name(r->detector), probe_at(r),
		       err == -ENOENT ? "symbol or probe not found" : strerror(-err));
		free(path);
		return err;
	}
	ld_info("attached %s %s for rule %s", ld_detector_name(r->detector), probe_at(r), r->name);
	free(path);
	v = realloc(l->rule_links, (l->nrule_links + 1) * sizeof(*v));
	if (!v) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	l->rule_links = v;
	v[l->nrule_links++] = link;
	return 0;
}

/* Whether a rule uses detector @det; *any: one of them names no syscall. */
static bool uses(const struct ld_ruleset *rs, enum ld_detector det, bool *any)
{
	bool used = false;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].detector != det)
			continue;
		used = true;
		if (det == LD_DET_SYSCALL && !rs->v[i].p.sys.nnrs)
			*any = true;
	}
	return used;
}

int ld_loader__new(const struct ld_loader_opts *opts, struct ld_loader **out)
{
	struct ld_loader *l = calloc(1, sizeof(*l));
	bool syscalls, blocks, signals, ooms, any = false;
	int err;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	libbpf_set_print(libbpf_log);
	l->skel = livedump_bpf__open();
	if (!l->skel) {
		err = -errno;
		ld_err("cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	l->skel->rodata->watch_all = opts->watch_all;
	l->skel->rodata->collector_tgid = getpid();
	l->skel->rodata->max_inflight = opts->max_inflight;
	syscalls = uses(opts->rules, LD_DET_SYSCALL, &l->skel->rodata->syscall_any);
	bpf_program__set_autoload(l->skel->progs.ld_sys_enter, syscalls);
	bpf_program__set_autoload(l->skel->progs.ld_sys_exit, syscalls);
	blocks = uses(opts->rules, LD_DET_BLOCK, &any);
	bpf_program__set_autoload(l->skel->progs.ld_blk_issue, blocks);
	bpf_program__set_autoload(l->skel->progs.ld_blk_bio, blocks);
	bpf_program__set_autoload(l->skel->progs.ld_blk_complete, blocks);
	/* Probe programs are shared by detectors: all off, then on where a rule needs one. */
	for (enum ld_detector d = LD_DET_UPROBE; d < LD_DET__COUNT; d++)
		if (probe_prog(l, d))
			bpf_program__set_autoload(probe_prog(l, d), false);
	for (enum ld_detector d = LD_DET_UPROBE; d < LD_DET__COUNT; d++)
		if (probe_prog(l, d) && uses_probe(opts->rules, d))
			bpf_program__set_autoload(probe_prog(l, d), true);
	signals = uses(opts->rules, LD_DET_SIGNAL, &any);
	bpf_program__set_autoload(l->skel->progs.ld_sig_deliver, signals);
	ooms = uses(opts->rules, LD_DET_OOM, &any);
	bpf_program__set_autoload(l->skel->progs.ld_oom, ooms);
	err = plan_trace_slots(l, opts->rules);
	if (err)
		goto fail;	/* said why */
	ld_history__configure(l->skel, opts->rules, &l->hist);
	err = livedump_bpf__load(l->skel);
	if (err) {
		ld_err("cannot load the BPF programs: %s%s", strerror(-err),
		       err == -EPERM ? " (run as root)" : "");
		goto fail;
	}
	err = set_rules(l, opts->rules);
	if (err)
		goto fail;
	l->fork_link = bpf_program__attach(l->skel->progs.ld_fork);
	l->exit_link = bpf_program__attach(l->skel->progs.ld_exit);
	l->exec_link = bpf_program__attach(l->skel->progs.ld_exec);
	if (!l->fork_link || !l->exit_link || !l->exec_link) {
		err = -errno;
		ld_err("cannot attach to sched_process_fork/exit/exec: %s", strerror(-err));
		goto fail;
	}
	l->stop_link = bpf_program__attach(l->skel->progs.ld_stopped);
	if (!l->stop_link)
		ld_warn("cannot attach to signal_deliver (%s): dumps will not say when the "
			"kernel stopped the process", strerror(errno));
	l->sync_iter = bpf_program__attach_iter(l->skel->progs.ld_watch_sync, NULL);
	if (!l->sync_iter) {
		err = -errno;
		ld_err("cannot attach the task iterator that marks watched threads: %s",
		       strerror(-err));
		goto fail;
	}
	if (syscalls) {
		l->sys_links[0] = bpf_program__attach(l->skel->progs.ld_sys_enter);
		l->sys_links[1] = bpf_program__attach(l->skel->progs.ld_sys_exit);
		if (!l->sys_links[0] || !l->sys_links[1]) {
			err = -errno;
			ld_err("cannot attach to sys_enter/sys_exit: %s", strerror(-err));
			goto fail;
		}
		ld_info("attached tp_btf sys_enter/sys_exit for syscall rules");
	}
	if (blocks) {
		l->blk_links[0] = bpf_program__attach(l->skel->progs.ld_blk_issue);
		l->blk_links[1] = bpf_program__attach(l->skel->progs.ld_blk_complete);
		l->blk_links[2] = bpf_program__attach(l->skel->progs.ld_blk_bio);
		if (!l->blk_links[0] || !l->blk_links[1] || !l->blk_links[2]) {
			err = -errno;
			ld_err("cannot attach to block_rq_issue/complete: %s", strerror(-err));
			goto fail;
		}
		ld_info("attached tp_btf block_rq_issue/block_rq_complete for block rules");
	}
	err = attach_one(signals, l->skel->progs.ld_sig_deliver, &l->sig_link, "signal_deliver");
	if (!err)
		err = attach_one(ooms, l->skel->progs.ld_oom, &l->oom_link, "oom/mark_victim");
	for (size_t i = 0; !err && i < opts->rules->n; i++)
		err = attach_probe_rule(l, &opts->rules->v[i], i);
	if (err)
		goto fail;
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_event, l, NULL);
	if (!l->rb) {
		err = -errno;
		ld_err("cannot open the ring buffer: %s", strerror(-err));
		goto fail;
	}
	if (ld_history__start(l->skel, &l->hist))
		ld_warn("continuing without the flight recorder");
	*out = l;
	return 0;
fail:
	ld_loader__free(l);
	return err;
}

void ld_loader__free(struct ld_loader *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	for (size_t i = 0; i < l->nprobes; i++)
		bpf_link__destroy(l->probes[i].link);
	free(l->probes);
	bpf_link__destroy(l->sync_iter);
	bpf_link__destroy(l->stop_link);
	bpf_link__destroy(l->fork_link);
	bpf_link__destroy(l->exit_link);
	bpf_link__destroy(l->exec_link);
	bpf_link__destroy(l->sys_links[0]);
	bpf_link__destroy(l->sys_links[1]);
	bpf_link__destroy(l->blk_links[0]);
	bpf_link__destroy(l->blk_links[1]);
	bpf_link__destroy(l->blk_links[2]);
	bpf_link__destroy(l->sig_link);
	bpf_link__destroy(l->oom_link);
	for (size_t i = 0; i < l->nrule_links; i++)
		bpf_link__destroy(l->rule_links[i]);
	free(l->rule_links);
	ld_history__free(l->hist);
	livedump_bpf__destroy(l->skel);
	free(l);
}

int ld_loader__attach_trigger(struct ld_loader *l, const char *path, const char *shown)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = LD_FIRE_SYMBOL);
	struct bpf_link *link;
	struct probe *v;
	struct stat st;

	if (stat(path, &st)) {
		ld_err("cannot attach uprobe to %s:%s: %s", shown, LD_FIRE_SYMBOL, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < l->nprobes; i++)
		if (l->probes[i].dev == st.st_dev && l->probes[i].ino == st.st_ino)
			return 0;
	link = bpf_program__attach_uprobe_opts(l->skel->progs.ld_app_fire, -1, path, 0, &uo);
	if (!link) {
		int err = -errno;

		ld_err("cannot attach uprobe to %s:%s: %s", shown, LD_FIRE_SYMBOL,
		       err == -ENOENT ? "symbol not found" : strerror(-err));
		return err;
	}
	v = realloc(l->probes, (l->nprobes + 1) * sizeof(*v));
	if (!v) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	l->probes = v;
	v[l->nprobes++] = (struct probe){ st.st_dev, st.st_ino, link };
	ld_info("attached uprobe %s:%s", shown, LD_FIRE_SYMBOL);
	return 0;
}

size_t ld_loader__nprobes(const struct ld_loader *l)
{
	return l->nprobes;
}

/*
 * Marks every thread of the processes just named (see watched_tasks in
 * bpf/common.bpf.h): after this, threads they create are marked at fork.
 */
static void sync_marks(struct ld_loader *l)
{
	char buf[64];
	int fd;

	fd = bpf_iter_create(bpf_link__fd(l->sync_iter));
	if (fd < 0) {
		ld_warn("cannot run the task iterator that marks watched threads: %s",
			strerror(errno));
		return;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	ld_history__sync(l->hist);
}

int ld_loader__watch_pid(struct ld_loader *l, pid_t pid)
{
	__u32 key = pid, one = 1;

	if (bpf_map__update_elem(l->skel->maps.watched_pids, &key, sizeof(key), &one,
				 sizeof(one), BPF_ANY))
		return -errno;
	sync_marks(l);
	return 0;
}

int ld_loader__watch_exe(struct ld_loader *l, const char *path)
{
	struct ld_exe_key key = { 0 };
	__u32 one = 1;
	struct stat st;

	if (stat(path, &st))
		return -errno;
	key.dev = ld_kernel_dev(st.st_dev);
	key.ino = st.st_ino;
	if (bpf_map__update_elem(l->skel->maps.watched_exes, &key, sizeof(key), &one,
				 sizeof(one), BPF_ANY))
		return -errno;
	__sync_fetch_and_add(&l->skel->bss->nwatched_exes, 1);
	sync_marks(l);
	return 0;
}

bool ld_loader__watched(const struct ld_loader *l, pid_t pid)
{
	struct ld_exe_key key = { 0 };
	char path[64];
	struct stat st;
	__u32 k = pid, v;

	if (l->skel->rodata->watch_all ||
	    !bpf_map__lookup_elem(l->skel->maps.watched_pids, &k, sizeof(k), &v, sizeof(v), 0))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &st))
		return false;
	key.dev = ld_kernel_dev(st.st_dev);
	key.ino = st.st_ino;
	return !bpf_map__lookup_elem(l->skel->maps.watched_exes, &key, sizeof(key), &v, sizeof(v), 0);
}

int ld_loader__stopped_ktime(const struct ld_loader *l, pid_t pid, uint64_t *ktime)
{
	struct ld_stop_time st;
	__u32 key = pid;
	__u64 at;

	if (bpf_map__lookup_elem(l->skel->maps.frozen, &key, sizeof(key), &at, sizeof(at), 0) ||
	    bpf_map__lookup_elem(l->skel->maps.stop_times, &key, sizeof(key), &st, sizeof(st), 0))
		return -ENOENT;
	if (st.frozen_at != at)
		return -ENOENT;		/* a stop of an earlier freeze */
	*ktime = st.stopped_at;
	return 0;
}

int ld_loader__pending_issue(const struct ld_loader *l, pid_t tid, uint64_t *ktime)
{
	__u32 key = tid;
	__u64 at;

	if (bpf_map__lookup_elem(l->skel->maps.pending_issues, &key, sizeof(key), &at,
				 sizeof(at), 0))
		return -ENOENT;
	*ktime = at;
	return 0;
}

void ld_loader__issue_done(struct ld_loader *l, pid_t tid, uint64_t ktime)
{
	uint64_t at;
	__u32 key = tid;

	/* Only this issue's mark: the thread cannot have a later one while held. */
	if (!ld_loader__pending_issue(l, tid, &at) && at == ktime)
		bpf_map__delete_elem(l->skel->maps.pending_issues, &key, sizeof(key), 0);
}

void ld_loader__thawed(struct ld_loader *l, pid_t pid)
{
	__u32 key = pid;
	__u64 at;

	/* The history BPF froze with the process (not a later issue's). */
	if (!bpf_map__lookup_elem(l->skel->maps.frozen, &key, sizeof(key), &at, sizeof(at), 0))
		ld_history__release_pid(l->hist, pid, at);
	/* Only a process BPF froze has an entry, and counted in inflight. */
	if (!bpf_map__delete_elem(l->skel->maps.frozen, &key, sizeof(key), 0))
		__sync_fetch_and_sub(&l->skel->bss->inflight, 1);
}

void ld_loader__history_release(struct ld_loader *l, pid_t pid, uint64_t issue_ktime)
{
	ld_history__release_pid(l->hist, pid, issue_ktime);
}

struct ld_history *ld_loader__history(const struct ld_loader *l)
{
	return l->hist;
}

uint64_t ld_loader__dropped(const struct ld_loader *l)
{
	return __atomic_load_n(&l->skel->bss->events_dropped, __ATOMIC_RELAXED);
}

int ld_loader__frozen_fd(const struct ld_loader *l)
{
	return bpf_map__fd(l->skel->maps.frozen);
}

int ld_loader__poll(struct ld_loader *l, int timeout_ms, ld_event_fn fn, void *ctx)
{
	l->fn = fn;
	l->ctx = ctx;
	return ring_buffer__poll(l->rb, timeout_ms);
}
