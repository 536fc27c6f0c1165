// SPDX-License-Identifier: MIT
/*
 * The BPF skeleton: open, let each detector turn on and attach what its
 * rules need, load, fill the rule maps, poll the ring; the core programs
 * (fork/exec/exit marks, stop times, the flight recorder) are always on.
 */
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
#include "collector/loader_priv.h"
#include "detectors/detector.h"
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

struct ld_loader {
	struct livedump_bpf *skel;
	int rule_slot[LD_BPF_MAX_RULES];	/* ld_loader__rule_slot() */
	struct bpf_link **links;	/* what the detectors attached */
	size_t nlinks;
	struct bpf_link *fork_link, *exit_link, *exec_link, *sync_iter, *stop_link;
	struct bpf_link *stage_links[2];	/* opts.bench_stages: the collector's wake-up */
	struct ring_buffer *rb;
	struct ld_history *hist;		/* the flight recorder */
	struct probe *probes;
	size_t nprobes;
	ld_event_fn fn;
	void *ctx;
	struct ld_loader_opts opts;	/* rules: NULL after new(); reload gets them */
	struct shape *shape;		/* what the rules made of the object before load */
	bool gen;			/* the rules' generation: LD_BR_GEN, LD_EVF_GEN */
};

/*
 * What configure made of the BPF object before load: which programs load,
 * the read-only data, the maps' sizes.  Rules whose shape is the loaded
 * one's need no program the kernel does not run already, so a reload can
 * swap them in the maps; any other reload would mean loading again.
 */
struct shape {
	size_t nprogs, nmaps, rodata_len;
	bool *autoload;
	const char **prog_names;	/* the object's own strings: valid while it is open */
	uint32_t *max_entries;
	void *rodata;
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

static int set_rules(struct ld_loader *l, const struct ld_ruleset *rs, bool gen)
{
	struct ld_det_rules lists[LD_DET__COUNT] = { 0 };

	if (rs->n > LD_BPF_MAX_RULES) {
		ld_err("%zu rules: at most %d are supported", rs->n, LD_BPF_MAX_RULES);
		return -E2BIG;
	}
	for (__u32 i = 0; i < rs->n; i++) {
		const struct ld_rule *r = &rs->v[i];
		struct ld_bpf_rule br = { 0 };
		struct ld_det_rules *list = &lists[r->detector];
		int err = r->retired ? 0 : ld_rule_compile(r, &br);

		if (err)
			return err;
		__u32 key = (gen ? LD_BPF_MAX_RULES : 0) + i;

		if (gen)
			br.flags |= LD_BR_GEN;
		if (bpf_map__update_elem(l->skel->maps.rules, &key, sizeof(key), &br, sizeof(br),
					 BPF_ANY))
			return -errno;
		const struct ld_detector_ops *det = ld_detector_get(r->detector);

		/* Rules of probes run by their attach cookie, not from the list. */
		if (!r->retired && (!det->by_cookie || !det->by_cookie(r)))
			list->idx[list->n++] = i;
	}
	for (__u32 d = 0; d < LD_DET__COUNT; d++) {
		__u32 key = (gen ? LD_DET__COUNT : 0) + d;

		if (bpf_map__update_elem(l->skel->maps.det_rules, &key, sizeof(key), &lists[d],
					 sizeof(lists[d]), BPF_ANY))
			return -errno;
	}
	/* The bank complete, events read it from now on (rules.bpf.h). */
	__atomic_store_n(&l->skel->bss->rules_bank, gen ? 1 : 0, __ATOMIC_RELEASE);
	return 0;
}

struct livedump_bpf *ld_loader__skel(struct ld_loader *l)
{
	return l->skel;
}

void ld_loader__want(struct ld_loader *l, struct bpf_program *prog)
{
	(void)l;
	bpf_program__set_autoload(prog, true);
}

int ld_loader__keep(struct ld_loader *l, struct bpf_link *link)
{
	struct bpf_link **v = realloc(l->links, (l->nlinks + 1) * sizeof(*v));

	if (!v) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	l->links = v;
	v[l->nlinks++] = link;
	return 0;
}

int ld_loader__attach(struct ld_loader *l, struct bpf_program *prog, const char *what)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link) {
		int err = -errno;

		ld_err("cannot attach to %s: %s", what, strerror(-err));
		return err;
	}
	ld_info("attached %s", what);
	return ld_loader__keep(l, link);
}

int *ld_loader__rule_slot(struct ld_loader *l, unsigned idx)
{
	return idx < LD_BPF_MAX_RULES ? &l->rule_slot[idx] : NULL;
}

static void shape_free(struct shape *sh)
{
	if (!sh)
		return;
	free(sh->autoload);
	free(sh->prog_names);
	free(sh->max_entries);
	free(sh->rodata);
	free(sh);
}

/* Before load: the shape the skeleton has now. */
static int shape_take(struct livedump_bpf *skel, struct shape **out)
{
	struct shape *sh = calloc(1, sizeof(*sh));
	struct bpf_program *prog;
	struct bpf_map *map;
	const void *ro;
	size_t i = 0;

	*out = NULL;
	if (!sh)
		return -ENOMEM;
	bpf_object__for_each_program(prog, skel->obj)
		sh->nprogs++;
	bpf_object__for_each_map(map, skel->obj)
		sh->nmaps++;
	ro = bpf_map__initial_value(skel->maps.rodata, &sh->rodata_len);
	sh->autoload = calloc(sh->nprogs + 1, sizeof(*sh->autoload));
	sh->prog_names = calloc(sh->nprogs + 1, sizeof(*sh->prog_names));
	sh->max_entries = calloc(sh->nmaps + 1, sizeof(*sh->max_entries));
	sh->rodata = malloc(sh->rodata_len + 1);
	if (!sh->autoload || !sh->prog_names || !sh->max_entries || !sh->rodata || !ro) {
		shape_free(sh);
		return -ENOMEM;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		sh->prog_names[i] = bpf_program__name(prog);
		sh->autoload[i++] = bpf_program__autoload(prog);
	}
	i = 0;
	bpf_object__for_each_map(map, skel->obj)
		sh->max_entries[i++] = bpf_map__max_entries(map);
	memcpy(sh->rodata, ro, sh->rodata_len);
	*out = sh;
	return 0;
}

static int configure_detectors(struct ld_loader *l, const struct ld_ruleset *rs);

/*
 * The shape @rs would give a new object opened as @l's was, or -errno.
 * Opening the object parses the embedded ELF; nothing goes to the kernel.
 */
/* @rs without its retired rules (a shallow copy, to free()), for what detectors make of them. */
static int live_rules(const struct ld_ruleset *rs, struct ld_ruleset *out)
{
	out->n = 0;
	out->v = calloc(rs->n ? rs->n : 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->v[i].retired)
			out->v[out->n++] = rs->v[i];
	return 0;
}

/* The read-only data every rule set gets alike, and the benchmark's programs. */
static void set_common(struct livedump_bpf *skel, const struct ld_loader_opts *o)
{
	skel->rodata->watch_all = o->watch_all;
	skel->rodata->collector_tgid = getpid();
	skel->rodata->max_inflight = o->max_inflight;
	skel->rodata->bench_stages = o->bench_stages;
	bpf_program__set_autoload(skel->progs.ld_stage_woken, o->bench_stages);
	bpf_program__set_autoload(skel->progs.ld_stage_runs, o->bench_stages);
}

static int shape_of(const struct ld_loader *l, const struct ld_ruleset *rs, struct shape **out)
{
	struct ld_loader t = { 0 };
	struct ld_history *hist = NULL;
	int err;

	*out = NULL;
	t.skel = livedump_bpf__open();
	if (!t.skel)
		return -errno;
	set_common(t.skel, &l->opts);
	err = configure_detectors(&t, rs);
	if (!err) {
		if (!l->opts.no_history)
			ld_history__configure(t.skel, rs, &hist);
		else
			ld_history__off(t.skel);
		ld_history__free(hist);
		err = shape_take(t.skel, out);
	}
	livedump_bpf__destroy(t.skel);
	return err;
}

/* Where @b differs from @a, in a message; 0 when they are the same. */
static int shape_diff(const struct shape *a, const struct shape *b, char *why, size_t len)
{
	if (a->nprogs != b->nprogs || a->nmaps != b->nmaps || a->rodata_len != b->rodata_len) {
		snprintf(why, len, "the BPF object changed under us");
		return -EINVAL;
	}
	/* A program no rule needs any more stays: it finds no rule and returns. */
	for (size_t i = 0; i < a->nprogs; i++)
		if (b->autoload[i] && !a->autoload[i]) {
			snprintf(why, len, "they need BPF program %s, which the running rules did "
				 "not load", a->prog_names[i]);
			return -EBUSY;
		}
	for (size_t i = 0; i < a->nmaps; i++)
		if (a->max_entries[i] != b->max_entries[i]) {
			snprintf(why, len, "they size the BPF maps otherwise (the flight recorder's "
				 "depth, ...)");
			return -EBUSY;
		}
	if (memcmp(a->rodata, b->rodata, a->rodata_len)) {
		snprintf(why, len, "they set the BPF programs' constants otherwise (a syscall rule "
			 "that names no syscall, the flight recorder's depth, ...)");
		return -EBUSY;
	}
	return 0;
}

/*
 * Before load: every detector's programs off, then each detector turns on
 * what its rules need (programs may serve several detectors).
 */
static int configure_detectors(struct ld_loader *l, const struct ld_ruleset *rs)
{
	const struct ld_detector_ops *d;
	int err;

	ld_for_each_detector(d, id)
		for (const char *const *p = d->progs; p && *p; p++) {
			struct bpf_program *prog = bpf_object__find_program_by_name(l->skel->obj, *p);

			if (!prog) {
				ld_err("detector %s: no BPF program %s in the object", d->name, *p);
				return -ENOENT;
			}
			bpf_program__set_autoload(prog, false);
		}
	ld_for_each_detector(d, id)
		if (d->configure && (err = d->configure(l, rs)))
			return err;	/* said why */
	return 0;
}

static int update_detectors(struct ld_loader *l, const struct ld_ruleset *rs)
{
	const struct ld_detector_ops *d;
	int err;

	ld_for_each_detector(d, id)
		if (d->update && (err = d->update(l, rs))) {
			ld_err("detector %s: cannot fill its maps: %s", d->name, strerror(-err));
			return err;
		}
	return 0;
}

static int attach_detectors(struct ld_loader *l, const struct ld_ruleset *rs)
{
	const struct ld_detector_ops *d;
	int err;

	ld_for_each_detector(d, id)
		if (d->attach && (err = d->attach(l, rs)))
			return err;	/* said why */
	return 0;
}

int ld_loader__new(const struct ld_loader_opts *opts, struct ld_loader **out)
{
	struct ld_loader *l = calloc(1, sizeof(*l));
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
	set_common(l->skel, opts);
	l->opts = *opts;
	l->opts.rules = NULL;
	err = configure_detectors(l, opts->rules);
	if (err)
		goto fail;
	if (!opts->no_history)
		ld_history__configure(l->skel, opts->rules, &l->hist);
	else
		ld_history__off(l->skel);
	if (opts->no_history)
		ld_info("flight recorder: off (--no-history)");
	err = shape_take(l->skel, &l->shape);
	if (err)
		goto fail;
	err = livedump_bpf__load(l->skel);
	if (err) {
		ld_err("cannot load the BPF programs: %s%s", strerror(-err),
		       err == -EPERM ? " (run as root)" : "");
		goto fail;
	}
	err = set_rules(l, opts->rules, l->gen);
	if (!err)
		err = update_detectors(l, opts->rules);
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
	/* A freeze's record wakes us at the stop's delivery (common.bpf.h ld_event_submit). */
	l->skel->bss->wake_at_stop = l->stop_link != NULL;
	if (!l->stop_link)
		ld_warn("cannot attach to signal_deliver (%s): dumps will not say when the "
			"kernel stopped the process", strerror(errno));
	if (opts->bench_stages) {
		l->stage_links[0] = bpf_program__attach(l->skel->progs.ld_stage_woken);
		l->stage_links[1] = bpf_program__attach(l->skel->progs.ld_stage_runs);
		if (!l->stage_links[0] || !l->stage_links[1])
			ld_warn("cannot attach to sched_wakeup/sched_switch (%s): no wake-up stages",
				strerror(errno));
	}
	l->sync_iter = bpf_program__attach_iter(l->skel->progs.ld_watch_sync, NULL);
	if (!l->sync_iter) {
		err = -errno;
		ld_err("cannot attach the task iterator that marks watched threads: %s",
		       strerror(-err));
		goto fail;
	}
	err = attach_detectors(l, opts->rules);
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
	bpf_link__destroy(l->stage_links[0]);
	bpf_link__destroy(l->stage_links[1]);
	bpf_link__destroy(l->fork_link);
	bpf_link__destroy(l->exit_link);
	bpf_link__destroy(l->exec_link);
	for (size_t i = 0; i < l->nlinks; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	ld_history__free(l->hist);
	shape_free(l->shape);
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

uint64_t ld_loader__dropped_by(const struct ld_loader *l, unsigned det)
{
	return det < LD_DET__COUNT ?
	       __atomic_load_n(&l->skel->bss->events_dropped_by[det], __ATOMIC_RELAXED) : 0;
}

int ld_loader__rule_counts(const struct ld_loader *l, unsigned idx, struct ld_rule_counts *out)
{
	struct ld_rule_state st;
	__u32 key = idx;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.rule_state), &key, &st))
		return -errno;
	memcpy(out->declined, st.declined, sizeof(out->declined));
	out->unsent = st.unsent;
	return 0;
}

int ld_loader__take_stages(struct ld_loader *l, uint64_t issue, struct ld_stages *out)
{
	int fd = bpf_map__fd(l->skel->maps.stages);
	__u64 key = issue;

	if (!l->opts.bench_stages || bpf_map_lookup_elem(fd, &key, out))
		return -ENOENT;
	bpf_map_delete_elem(fd, &key);
	return 0;
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

bool ld_loader__rules_gen(const struct ld_loader *l)
{
	return l->gen;
}

/* Rule @i of @rs is attached for itself (its probe, its cookie). */
static bool by_cookie(const struct ld_ruleset *rs, size_t i)
{
	const struct ld_detector_ops *d;

	if (i >= rs->n)
		return false;
	d = ld_detector_get(rs->v[i].detector);
	return d && d->by_cookie && d->by_cookie(&rs->v[i]);
}

static long rule_by_name(const struct ld_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].name, name))
			return i;
	return -1;
}

/*
 * A rule that kept its name follows it to its new index with what the
 * kernel remembers of it (dumps taken for its limits, declined counts,
 * cooldowns); a new rule starts from nothing.  A rule that kept its index
 * too is not touched, so the kernel counts it on through the reload.
 */
static int move_rule_state(struct ld_loader *l, const struct ld_ruleset *old,
			   const struct ld_ruleset *rs)
{
	int sfd = bpf_map__fd(l->skel->maps.rule_state), cfd = bpf_map__fd(l->skel->maps.cooldowns);
	struct ld_rule_state *prev = calloc(LD_BPF_MAX_RULES, sizeof(*prev));
	long from[LD_BPF_MAX_RULES];
	struct ld_cooldown_key key, next, *kp = NULL;
	__u64 when;
	int err = 0;

	if (!prev)
		return -ENOMEM;
	for (__u32 i = 0; !err && i < old->n && i < LD_BPF_MAX_RULES; i++)
		if (bpf_map_lookup_elem(sfd, &i, &prev[i]))
			err = -errno;
	for (__u32 i = 0; !err && i < LD_BPF_MAX_RULES; i++) {
		struct ld_rule_state st = { 0 };

		from[i] = i < rs->n ? rule_by_name(old, rs->v[i].name) : -1;
		if (from[i] == (long)i)
			continue;
		if (from[i] >= 0)
			st = prev[from[i]];
		if (bpf_map_update_elem(sfd, &i, &st, BPF_ANY))
			err = -errno;
	}
	free(prev);
	if (err)
		return err;
	/* Cooldowns are keyed by rule index: moved with their rule, or dropped. */
	while (!bpf_map_get_next_key(cfd, kp, &next)) {
		long to = -1;

		key = next;
		kp = &key;
		for (__u32 i = 0; i < rs->n && to < 0; i++)
			if (from[i] == (long)key.rule)
				to = i;
		if (to == (long)key.rule)
			continue;
		if (to >= 0 && !bpf_map_lookup_elem(cfd, &key, &when)) {
			struct ld_cooldown_key moved = { .rule = to, .tgid = key.tgid };

			bpf_map_update_elem(cfd, &moved, &when, BPF_ANY);
		}
		bpf_map_delete_elem(cfd, &key);
	}
	return 0;
}

/*
 * Whether a probe rule copies the same kernel objects (kernel=, follow=):
 * its program's table of them is set when it attaches, not on a reload.
 */
static bool same_kobjs(const struct ld_rule_capture *a, const struct ld_rule_capture *b)
{
	if (a->nkargs != b->nkargs || a->nfollows != b->nfollows)
		return false;
	for (unsigned i = 0; i < a->nkargs && i < LD_KARGS_MAX; i++)
		if (a->kargs[i].arg != b->kargs[i].arg || a->kargs[i].btf_id != b->kargs[i].btf_id)
			return false;
	for (unsigned i = 0; i < a->nfollows && i < LD_KFOLLOW_MAX; i++)
		if (strcmp(a->follows[i].path, b->follows[i].path))
			return false;
	return true;
}

int ld_loader__reload(struct ld_loader *l, const struct ld_ruleset *old,
		      const struct ld_ruleset *rs, char *why, size_t len)
{
	struct ld_ruleset live;
	struct shape *sh = NULL;
	int err;

	if (rs->n > LD_BPF_MAX_RULES) {
		snprintf(why, len, "%zu rules: at most %d are supported", rs->n, LD_BPF_MAX_RULES);
		return -E2BIG;
	}
	err = live_rules(rs, &live);
	if (err) {
		snprintf(why, len, "%s", strerror(-err));
		return err;
	}
	err = shape_of(l, &live, &sh);
	if (err) {
		snprintf(why, len, "cannot configure the BPF object for them: %s", strerror(-err));
		free(live.v);
		return err;
	}
	err = shape_diff(l->shape, sh, why, len);
	shape_free(sh);
	if (err) {
		free(live.v);
		return err;
	}
	for (size_t i = 0; i < old->n || i < rs->n; i++) {
		if (!by_cookie(old, i) && !by_cookie(rs, i))
			continue;
		if (i >= old->n || i >= rs->n || old->v[i].detector != rs->v[i].detector ||
		    memcmp(&old->v[i].p, &rs->v[i].p, sizeof(rs->v[i].p)) ||
		    !same_kobjs(&old->v[i].capture, &rs->v[i].capture)) {
			snprintf(why, len, "rule %s (%s) is attached for itself, as rule %zu: a probe "
				 "rule must stay where it is, as it is, and no probe rule may come or go",
				 i < rs->n ? rs->v[i].name : old->v[i].name,
				 i < rs->n ? rs->v[i].origin : old->v[i].origin, i + 1);
			free(live.v);
			return -EBUSY;
		}
	}
	/*
	 * From here on the kernel runs the new rules: a failure leaves a mix,
	 * so it is said as such (the maps are ours; these calls do not fail
	 * short of ENOMEM).
	 */
	err = move_rule_state(l, old, rs);
	if (!err)
		err = update_detectors(l, &live);
	free(live.v);
	if (!err)
		err = set_rules(l, rs, !l->gen);
	if (err) {
		snprintf(why, len, "cannot fill the BPF maps: %s; the rules in force are mixed: "
			 "restart the collector", strerror(-err));
		return err;
	}
	l->gen = !l->gen;
	if (l->hist)
		ld_history__set_rules(l->hist, rs);
	return 0;
}
