// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "collector/collector.h"
#include "base/cgident.h"
#include "base/escape.h"
#include "dump/corefile.h"
#include "collector/crash.h"
#include "capture/memplan.h"
#include "capture/dumper.h"
#include "capture/freeze.h"
#include "group/gcapture.h"
#include "collector/holds.h"
#include "collector/journal.h"
#include "kabi/records.h"
#include "detectors/detector.h"
#include "base/log.h"
#include "dump/outdir.h"
#include "capture/proc.h"
#include "rules/ruleval.h"
#include "capture/targetmem.h"
#include "capture/knotes.h"

#define LD_CRASH_REC_MAX	512

/* A fatal issue a rule wants memory for: its core is on the way. */
struct pending_crash {
	uint32_t pid, tid;
	char rule[LD_RULE_NAME_MAX];	/* by name: a reload may move it */
	uint64_t time_ns;
	char comm[LD_COMM_LEN + 1];
	unsigned char rec[LD_CRASH_REC_MAX];	/* the record; is.rec points here */
	struct ld_issue is;
};

/*
 * record's stdout under a storm: the first declined event of a rule is
 * shown at once, the ones after it within a second as one line per second
 * (the journal keeps every one).
 */
struct declines {
	unsigned long n;		/* not printed yet */
	uint64_t since_ns;		/* CLOCK_MONOTONIC of the window's start; 0 quiet */
	char reason[160];		/* the latest */
	uint64_t unsent_said;		/* the kernel's unsent count, as last journaled */
};

struct ld_collector {
	struct ld_collector_opts o;
	struct pending_crash pending[16];
	unsigned npending;
	struct ld_loader *loader;
	struct ld_journal *journal;
	struct ld_symcache *symcache;
	struct ld_holds holds;		/* threads waiting, held, for their own issue's turn */
	struct declines *decl;		/* per rule: declined events not printed yet */
	uint64_t dropped, dropped_said;	/* ring-full records: in all, and when last told */
	uint64_t dropped_at_ns;
	uint64_t dropped_by_said[LD_DET__COUNT];	/* ... by detector, as last journaled */
	uint64_t unsent;		/* declined events counted in the kernel, no record sent */
	uint64_t used;			/* bytes of dumps in the output directory */
	unsigned long events, dumps, declined, failed;
	uint64_t bytes;
	bool thawed;			/* the capture under way said BPF may forget its freeze */
	/*
	 * The rules before the last reload, for records the kernel made with
	 * them (LD_EVF_GEN differs from gen); NULL: never reloaded.
	 */
	const struct ld_ruleset *prev;
	bool gen;
	char *rule_names;		/* LD_NT_RULES: the history names the rules of its issues */
	size_t rule_names_len;
	uint64_t capture_ns;		/* o.stages: when the capture of the record in hand started */
};

void ld_fmt_duration(char *buf, size_t size, uint64_t ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "d", 86400000000000ULL }, { "h", 3600000000000ULL }, { "m", 60000000000ULL },
		{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns && ns % units[i].ns == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(ns / units[i].ns),
				 units[i].unit);
			return;
		}
	snprintf(buf, size, "%lluns", (unsigned long long)ns);
}

void ld_fmt_size(char *buf, size_t size, uint64_t b)
{
	if (b < 1024)
		snprintf(buf, size, "%llu B", (unsigned long long)b);
	else if (b < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", b / 1024.0);
	else if (b < 1024ULL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", b / 1048576.0);
	else
		snprintf(buf, size, "%.2f GiB", b / 1073741824.0);
}

static void tell_tmp(void *ctx, const struct ld_tmpfile *t)
{
	const char *dir = ctx;
	char sz[32], who[48];

	ld_fmt_size(sz, sizeof(sz), t->bytes);
	if (t->writer)
		snprintf(who, sizeof(who), "pid %d", (int)t->writer);
	else
		snprintf(who, sizeof(who), "an older livedump");
	if (t->removed == 1)
		printf("removed %s/%s (%s): a dump never finished, its writer (%s) was killed "
		       "while writing it\n", dir, t->name, sz, who);
	else if (t->stale)
		ld_warn("cannot remove %s/%s (%s), a dump its writer (%s) never finished: %s",
			dir, t->name, sz, who, strerror(-t->removed));
	else
		printf("%s/%s: being written by %s (%s so far), counted against --max-use\n",
		       dir, t->name, who, sz);
}

/*
 * What the directory holds: the dumps (systemd-coredump's MaxUse counts
 * them too) and the temporary files of dumps being written by another
 * collector; those a killed one left are removed first.
 */
static uint64_t dir_usage(const char *dir)
{
	int fd = ld_outdir_open(dir), err;
	uint64_t dumps, tmp = 0;

	if (fd < 0)
		return 0;
	err = ld_tmp_scan(fd, true, tell_tmp, (void *)dir, &tmp);
	if (err)
		ld_warn("cannot look for unfinished dumps in %s: %s", dir, strerror(-err));
	dumps = ld_outdir_dumps_bytes(fd);
	close(fd);
	fflush(stdout);
	return dumps + tmp;
}

/* LD_NT_RULES: the names by index, NUL-separated. */
static int rule_names(struct ld_collector *c, const struct ld_ruleset *rs)
{
	size_t len = 0;
	char *names;

	for (size_t i = 0; i < rs->n; i++)
		len += strlen(rs->v[i].name) + 1;
	names = malloc(len ? len : 1);
	if (!names)
		return -ENOMEM;
	for (size_t i = 0, off = 0; i < rs->n; i++) {
		strcpy(names + off, rs->v[i].name);
		off += strlen(rs->v[i].name) + 1;
	}
	free(c->rule_names);
	c->rule_names = names;
	c->rule_names_len = len;
	return 0;
}

int ld_collector__new(const struct ld_collector_opts *o, struct ld_loader *loader,
		      struct ld_collector **out)
{
	struct ld_collector *c = calloc(1, sizeof(*c));
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->o = *o;
	c->loader = loader;
	c->used = dir_usage(o->outdir);
	if (o->limits.max_use) {
		char a[32], b[32];

		ld_fmt_size(a, sizeof(a), c->used);
		ld_fmt_size(b, sizeof(b), o->limits.max_use);
		printf("%s holds %s of dumps (--max-use %s)\n", o->outdir, a, b);
	}
	c->symcache = ld_symcache__new();
	c->decl = calloc(o->rules->n ? o->rules->n : 1, sizeof(*c->decl));
	err = c->symcache && c->decl ? rule_names(c, o->rules) : -ENOMEM;
	if (!err)
		err = ld_journal__open(o->outdir, &c->journal);
	if (err) {
		ld_err("cannot open a journal in %s: %s", o->outdir, strerror(-err));
		ld_collector__free(c);
		return err;
	}
	*out = c;
	return 0;
}

void ld_collector__free(struct ld_collector *c)
{
	if (!c)
		return;
	ld_holds__free(&c->holds);
	free(c->decl);
	free(c->rule_names);
	ld_journal__free(c->journal);
	ld_symcache__free(c->symcache);
	free(c);
}

/* The global limits; 0 to go on, or fills @why. */
static int check_limits(struct ld_collector *c, uint64_t size, char *why, size_t len)
{
	const struct ld_limits *l = &c->o.limits;
	char a[32], b[32];
	struct statvfs vfs;
	/* What --upload-delete removed since is no longer used. */
	uint64_t freed = c->o.freed ? atomic_load(c->o.freed) : 0;
	uint64_t used = c->used > freed ? c->used - freed : 0;

	if (l->max_use && used + size > l->max_use) {
		ld_fmt_size(a, sizeof(a), l->max_use);
		ld_fmt_size(b, sizeof(b), used);
		snprintf(why, len, "max-use %s reached (%s used)", a, b);
		return 1;
	}
	if (l->keep_free && !statvfs(c->o.outdir, &vfs) &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < l->keep_free + size) {
		ld_fmt_size(a, sizeof(a), l->keep_free);
		ld_fmt_size(b, sizeof(b), (uint64_t)vfs.f_bavail * vfs.f_frsize);
		snprintf(why, len, "keep-free %s (%s free)", a, b);
		return 1;
	}
	return 0;
}

static int admit(void *ctx, uint64_t size, char *why, size_t len)
{
	return check_limits(ctx, size, why, len);
}

static void verdict_reason(const struct ld_rule *r, uint32_t verdict, uint32_t pid,
			   char *buf, size_t len)
{
	char d[32];

	switch (verdict) {
	case LD_VERDICT_TOTAL:
		snprintf(buf, len, "total limit %llu reached", (unsigned long long)r->limit.total);
		break;
	case LD_VERDICT_RATE:
		ld_fmt_duration(d, sizeof(d), r->limit.rate_window_ns);
		snprintf(buf, len, "rate limit %llu/%s", (unsigned long long)r->limit.rate_n, d);
		break;
	case LD_VERDICT_COOLDOWN:
		ld_fmt_duration(d, sizeof(d), r->limit.cooldown_ns);
		snprintf(buf, len, "cooldown %s for pid %u", d, pid);
		break;
	case LD_VERDICT_BUSY:
		snprintf(buf, len, "max-concurrent: other captures in flight");
		break;
	default:
		snprintf(buf, len, "verdict %u", verdict);
	}
}

static uint64_t ktime_to_realtime(uint64_t ktime)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return real.tv_sec * 1000000000ULL + real.tv_nsec -
	       (mono.tv_sec * 1000000000ULL + mono.tv_nsec - ktime);
}

/* ld_capture_opts.stopped_at: from the BPF probe on the SIGSTOP's delivery. */
static uint64_t stopped_at(void *arg, pid_t pid)
{
	struct ld_collector *c = arg;
	uint64_t kt;

	return ld_loader__stopped_ktime(c->loader, pid, &kt) ? 0 : ktime_to_realtime(kt);
}

/* ld_capture_opts.thawed */
static void thawed(void *arg, pid_t pid)
{
	struct ld_collector *c = arg;

	ld_loader__thawed(c->loader, pid);
	c->thawed = true;
}

/* ld_capture_opts.pending */
static bool issue_pending(void *arg, pid_t tid)
{
	struct ld_collector *c = arg;
	uint64_t kt;

	return !ld_loader__pending_issue(c->loader, tid, &kt);
}

/* Lets a held thread run, unless it is held for a later issue of its own. */
static void release_held(struct ld_collector *c, pid_t tid)
{
	if (!issue_pending(c, tid))
		ld_holds__release(&c->holds, tid);
}

/* Whether a thread of @pid other than @tid was frozen for an issue still to come. */
static bool others_pending(struct ld_collector *c, pid_t pid, pid_t tid)
{
	pid_t *tids;
	size_t n;
	bool any = false;

	if (ld_proc_tids(pid, &tids, &n))
		return false;
	for (size_t i = 0; i < n && !any; i++)
		any = tids[i] != tid && issue_pending(c, tids[i]);
	free(tids);
	return any;
}

/*
 * A process BPF froze for a dump we will not take runs again, but threads
 * frozen for issues of their own are held first: their dumps come next.
 */
static void release_frozen(struct ld_collector *c, const struct ld_event_hdr *h)
{
	struct ld_freeze fz;

	if (!(h->flags & LD_EVF_FROZEN))
		return;
	release_held(c, h->tid);
	if (others_pending(c, h->pid, h->tid) &&
	    ld_freeze__all(&fz, h->pid, 2000, &c->holds) == 0) {
		kill(h->pid, SIGCONT);
		ld_loader__thawed(c->loader, h->pid);
		ld_freeze__handoff(&fz, 0, &c->holds, issue_pending, c);
		ld_freeze__free(&fz);
		return;
	}
	kill(h->pid, SIGCONT);
	ld_loader__thawed(c->loader, h->pid);
}

/* Every verdict passes through the journal: the metrics count them there. */
static void count(struct ld_collector *c, const struct ld_journal_entry *e)
{
	struct ld_metrics *m = c->o.metrics;
	double n = e->count ? e->count : 1;

	if (!m || !e->verdict)
		return;
	ld_metrics__add(m, LD_M_ISSUES, LD_LABELS(e->rule, e->issue, e->verdict), n);
	if (!strcmp(e->verdict, "dropped"))
		ld_metrics__add(m, LD_M_EVENTS_LOST, LD_LABELS(e->issue), n);
	if (strcmp(e->verdict, "dumped"))
		return;
	ld_metrics__inc(m, LD_M_DUMPS_WRITTEN);
	ld_metrics__add(m, LD_M_DUMP_BYTES, NULL, e->size);
	/* Crash dumps come from the kernel's core: nothing was held by us. */
	if (e->pause_ns)
		ld_metrics__add(m, LD_M_CAPTURE_PAUSE, NULL, e->pause_ns / 1e9);
}

static void journal(struct ld_collector *c, const struct ld_journal_entry *e)
{
	int err = ld_journal__append(c->journal, e);

	count(c, e);

	if (err)
		ld_warn("cannot write the journal %s: %s", ld_journal__path(c->journal),
			strerror(-err));
}

#define DECLINE_WINDOW_NS	1000000000ULL

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The count of rule @i's window, said; the next window starts now if it had any. */
static void flush_window(struct ld_collector *c, size_t i, uint64_t now)
{
	struct declines *d = &c->decl[i];

	if (d->n) {
		printf("declined: rule %s: %lu more in the last %.3f s (%s)\n",
		       c->o.rules->v[i].name, d->n, (now - d->since_ns) / 1e9, d->reason);
		fflush(stdout);
	}
	/* A storm goes on: the next window starts now; a quiet rule rests. */
	d->since_ns = d->n ? now : 0;
	d->n = 0;
}

static void flush_declines(struct ld_collector *c, bool all)
{
	uint64_t now = mono_now();

	for (size_t i = 0; c->decl && i < c->o.rules->n; i++) {
		struct declines *d = &c->decl[i];

		if (d->since_ns && (all || now - d->since_ns >= DECLINE_WINDOW_NS))
			flush_window(c, i, now);
	}
}

/*
 * The rule a record names: of the rules in force, or of those before the
 * last reload when the kernel made it with them.  NULL: no such rule.
 */
static const struct ld_rule *rule_of(const struct ld_collector *c, const struct ld_event_hdr *h)
{
	const struct ld_ruleset *rs = !(h->flags & LD_EVF_GEN) == !c->gen ? c->o.rules : c->prev;

	return rs && h->rule < rs->n ? &rs->v[h->rule] : NULL;
}

static const struct ld_rule *rule_named(const struct ld_collector *c, const char *name)
{
	for (size_t i = 0; i < c->o.rules->n; i++)
		if (!strcmp(c->o.rules->v[i].name, name))
			return &c->o.rules->v[i];
	for (size_t i = 0; c->prev && i < c->prev->n; i++)
		if (!strcmp(c->prev->v[i].name, name))
			return &c->prev->v[i];
	return NULL;
}

/* Its declines' window, for a rule in force; NULL for one a reload removed. */
static struct declines *declines_of(struct ld_collector *c, const struct ld_rule *r)
{
	const struct ld_rule *v = c->o.rules->v;

	return c->decl && r >= v && r < v + c->o.rules->n ? &c->decl[r - v] : NULL;
}

static void say_declined(struct ld_collector *c, const struct ld_event_hdr *h, const char *why)
{
	const struct ld_rule *r = rule_of(c, h);
	struct declines *d = declines_of(c, r);
	char comm[LD_COMM_LEN + 1] = "", ecomm[LD_ESC_SIZE(LD_COMM_LEN)];

	if (d && d->since_ns && mono_now() - d->since_ns < DECLINE_WINDOW_NS) {
		d->n++;
		snprintf(d->reason, sizeof(d->reason), "%s", why);
		return;
	}
	/* A window that ended before the tick said its count: said first, not lost. */
	if (d && d->n)
		flush_window(c, d - c->decl, mono_now());
	memcpy(comm, h->comm, LD_COMM_LEN);
	printf("declined: rule %s pid %u (%s): %s\n", r->name, h->pid,
	       ld_escape(comm, ecomm, sizeof(ecomm)), why);
	fflush(stdout);
	if (d) {
		d->since_ns = mono_now();
		d->n = 0;
	}
}

static void expect_core(struct ld_collector *c, const struct ld_event_hdr *h,
			const struct ld_issue *is)
{
	struct pending_crash *p = &c->pending[c->npending < 16 ? c->npending++ : 15];

	p->pid = h->pid;
	p->tid = h->tid;
	snprintf(p->rule, sizeof(p->rule), "%s", rule_of(c, h)->name);
	p->time_ns = ktime_to_realtime(h->ktime_ns);
	memcpy(p->comm, h->comm, LD_COMM_LEN);
	p->comm[LD_COMM_LEN] = 0;
	p->is = *is;
	ld_fields__copy(&p->is.fields, &is->fields);
	p->is.len = is->len < sizeof(p->rec) ? is->len : sizeof(p->rec);
	memcpy(p->rec, is->rec, p->is.len);
	p->is.rec = p->rec;
	p->is.regs = NULL;
	p->is.req = NULL;
	p->is.blobs = NULL;
	p->is.kobj = NULL;	/* in the ring buffer: gone by the time the core comes */
	p->is.kobj_len = 0;
	printf("fatal: pid %u: waiting for its core from the kernel\n", h->pid);
}

static void on_issue_turn(struct ld_collector *c, const struct ld_event_hdr *h,
			  const struct ld_issue *is, const struct ld_rule *r,
			  struct ld_journal_entry *je);

static void on_issue(struct ld_collector *c, const struct ld_event_hdr *h, const struct ld_issue *is)
{
	const struct ld_rule *r = rule_of(c, h);
	char comm[LD_COMM_LEN + 1] = "";
	char ecomm[LD_ESC_SIZE(LD_COMM_LEN)], edetail[LD_ESC_SIZE(LD_SUMMARY_MAX)];
	struct ld_journal_entry je;
	struct ld_cg_ident ident;

	memcpy(comm, h->comm, LD_COMM_LEN);
	je = (struct ld_journal_entry){
		.time_ns = ktime_to_realtime(h->ktime_ns), .rule = r->name, .issue = is->det->name,
		.pid = h->pid, .tid = h->tid, .comm = comm, .code = is->code,
		.param = is->params[0], .fields = &is->fields, .frozen = h->flags & LD_EVF_FROZEN,
	};
	/* gone (an OOM victim, an exit): the journal says null, its dump what BPF saw */
	if (!ld_proc_cg_ident(h->pid, &ident))
		je.ident = &ident;
	/* Declined in the kernel: one line (say_declined), not two. */
	if (h->verdict == LD_VERDICT_DUMP) {
		printf("trigger: rule %s pid %u (%s) tid %u %s: %s\n", r->name, h->pid,
		       ld_escape(comm, ecomm, sizeof(ecomm)), h->tid, is->det->name,
		       ld_escape(is->fields.summary, edetail, sizeof(edetail)));
		fflush(stdout);
	}
	/* Its turn: from here on this capture (or the release below) owns the thread. */
	if (h->flags & LD_EVF_FROZEN)
		ld_loader__issue_done(c->loader, h->tid, h->ktime_ns);
	on_issue_turn(c, h, is, r, &je);
	/* Held for this issue but not taken over by a capture: it runs on now. */
	release_held(c, h->tid);
}

/* The rule's process alone, or with its group (scope=). */
static int dump(struct ld_collector *c, const struct ld_rule *r, const struct ld_event_hdr *h,
		const struct ld_capture_opts *o, struct ld_dump_result *res)
{
	char exes[LD_RULE_LIST_MAX][64];
	struct ld_group_req req = { .ledger = c->o.ledger, .max_members = r->capture.group_max,
				    .max_freeze_ns = r->capture.freeze_max_ns };
	struct ld_group_result g;
	int err;

	if (c->o.stages)
		c->capture_ns = mono_now();

	req.scope = ld_scope_from_words((const char (*)[64])r->capture.scope, r->capture.nscope,
					exes, &req.nexes);
	if (req.scope == LD_SCOPE_NONE)
		return ld_dump_process(h->pid, h->tid, o, c->o.outdir, admit, c, res);
	req.exes = (const char (*)[64])exes;
	err = ld_group_dump(h->pid, h->tid, o, &req, c->o.outdir, admit, c, res, &g);
	ld_group_result__print(&g);
	/* The trigger's dump is counted by the caller, the other members' here. */
	if (g.dumped > 1)
		c->dumps += g.dumped - 1;
	c->bytes += g.bytes;
	c->used += g.bytes;
	free(g.manifest);
	return err;
}

static void on_issue_turn(struct ld_collector *c, const struct ld_event_hdr *h,
			  const struct ld_issue *is, const struct ld_rule *r,
			  struct ld_journal_entry *jep)
{
	struct ld_journal_entry je = *jep;
	struct ld_dump_result res = { 0 };
	struct ld_notes kn = { 0 };
	struct ld_capture_opts o;
	char why[160] = "";
	int err;

	if (h->verdict == LD_VERDICT_DUMP && is->context_only && c->o.crash_path &&
	    is->det->core_follows && r->capture.type != LD_CAPTURE_CONTEXT) {
		expect_core(c, h, is);
		return;
	}
	if (h->verdict != LD_VERDICT_DUMP) {
		verdict_reason(r, h->verdict, h->pid, why, sizeof(why));
	} else if (!check_limits(c, 0, why, sizeof(why))) {
		/* Now, as close to the issue as the collector gets: the D-state tasks, the log. */
		if (is->kobj || is->ksys)
			ld_knotes__collect(&kn, &(struct ld_knotes_opts){
				.kobj = is->kobj, .kobj_len = is->kobj_len, .what = is->ksys,
				.dev = is->ksys_dev, .issue_ktime_ns = h->ktime_ns,
				.pid = h->pid, .args = is->kargs, .nargs = is->nkargs });
		o = (struct ld_capture_opts){
			.type = r->capture.type, .detector = h->type, .rule = r->name,
			.code = is->code, .issue_time_ns = je.time_ns, .trigger = is->rec,
			.trigger_len = is->len, .req_addr = is->req_addr, .blobs = is->blobs,
			.nblobs = is->nblobs, .frozen_by_bpf = je.frozen,
			.stopped_at = stopped_at, .thawed = thawed, .bpf_arg = c,
			.holds = &c->holds, .pending = issue_pending, .req = is->req,
			.comm = je.comm,
			.no_regions = r->capture.no_regions, .hidden = r->capture.hidden,
			.stack_max = r->capture.stack, .no_environ = r->capture.no_environ,
			.max_memory = c->o.limits.max_dump, .symcache = c->symcache,
			.history = ld_loader__history(c->loader),
			.max_hold_ns = c->o.limits.max_hold, .cancel = c->o.cancel,
			.issue_regs = is->regs, .issue_text = is->text[0] ? is->text : NULL,
			.kernel_notes = kn.len ? &kn : NULL,
			.rule_names = c->rule_names, .rule_names_len = c->rule_names_len,
			.snapshot = r->capture.snapshot == 1 ? LD_SNAPSHOT_ON :
				    r->capture.snapshot == 2 ? LD_SNAPSHOT_OFF : LD_SNAPSHOT_AUTO,
			.compress = r->capture.compress ? ld_compress_unpack(r->capture.compress)
							: c->o.compress,
		};
		memcpy(o.params, is->params, sizeof(o.params));
		if (is->context_only)
			o.type = LD_CAPTURE_CONTEXT;
		c->thawed = false;
		err = dump(c, r, h, &o, &res);
		ld_notes__free(&kn);
		if (!c->thawed)		/* never resumed it: it is gone, or never held */
			ld_loader__thawed(c->loader, h->pid);
		if (err) {
			c->failed++;
			snprintf(why, sizeof(why), "%s", err == -ESRCH ? "the process is gone"
							   : strerror(-err));
			je.verdict = "failed";
			je.reason = why;
			ld_err("dump of pid %u for rule %s failed: %s", h->pid, r->name, why);
			journal(c, &je);
			return;
		}
		snprintf(why, sizeof(why), "%s", res.declined);
	}
	if (why[0]) {
		release_frozen(c, h);
		ld_loader__history_release(c->loader, h->pid, h->ktime_ns);
		c->declined++;
		je.verdict = "declined";
		je.reason = why;
		say_declined(c, h, why);
		journal(c, &je);
		return;
	}
	c->dumps++;
	c->bytes += res.stats.file_size;
	c->used += res.stats.file_size;
	if (!res.printed)
		ld_dump_result__print(&res);
	je.verdict = "dumped";
	je.dump = strrchr(res.path, '/') ? strrchr(res.path, '/') + 1 : res.path;
	je.size = res.stats.file_size;
	je.pause_ns = res.pause_ns;
	journal(c, &je);
	free(res.path);
}

static const char *const stage_names[LD_STG__COUNT] = {
#define LD_STG_NAME_(id, name)	[LD_STG_##id] = #name,
	LD_STAGES(LD_STG_NAME_)
#undef LD_STG_NAME_
};

/*
 * The benchmark's line for an app trigger's issue: each stage it passed,
 * in ns since the uprobe program's entry (docs/performance.md).
 */
static void write_stages(struct ld_collector *c, const struct ld_event_hdr *h, uint64_t read_ns)
{
	struct ld_stages st;

	if (h->type != LD_DET_APP || ld_loader__take_stages(c->loader, h->ktime_ns, &st))
		return;
	st.t[LD_STG_READ] = read_ns;
	st.t[LD_STG_CAPTURE] = c->capture_ns;
	fprintf(c->o.stages, "stages");
	for (unsigned i = 0; i < LD_STG__COUNT; i++)
		if (st.t[i] >= st.t[LD_STG_ENTRY] && st.t[i])
			fprintf(c->o.stages, " %s=%llu", stage_names[i],
				(unsigned long long)(st.t[i] - st.t[LD_STG_ENTRY]));
	fprintf(c->o.stages, "\n");
	fflush(c->o.stages);
}

int ld_collector__on_event(void *ctx, void *data, size_t size)
{
	struct ld_collector *c = ctx;
	const struct ld_event_hdr *h = data;
	const struct ld_detector_ops *det;
	const struct ld_rule *r;
	uint64_t read_ns = c->o.stages ? mono_now() : 0;
	struct ld_issue_ctx x;
	struct ld_issue is;

	if (size < sizeof(*h) || h->size > size) {
		ld_warn("short BPF record (%zu bytes): ignored", size);
		return 0;
	}
	c->events++;
	ld_metrics__inc(c->o.metrics, LD_M_EVENTS);
	r = rule_of(c, h);
	if (!r) {
		ld_warn("BPF record names rule %u of %zu: ignored", h->rule, c->o.rules->n);
		release_frozen(c, h);
		return 0;
	}
	det = ld_detector_get(h->type);
	if (!det || !det->issue || h->size < det->record_size) {
		ld_dbg("BPF record of type %u (%u bytes) ignored", h->type, h->size);
		release_frozen(c, h);
		return 0;
	}
	if (r->detector != h->type)
		ld_warn("BPF record of detector %s names rule %s of detector %s", det->name,
			r->name, ld_detector_name(r->detector));
	x = (struct ld_issue_ctx){ .hdr = h, .size = h->size, .rule = r };
	ld_issue_from_record(det, &x, &is);
	c->capture_ns = 0;
	on_issue(c, h, &is);
	if (c->o.stages)
		write_stages(c, h, read_ns);
	fflush(stdout);
	return 0;
}

/*
 * Reading a core takes a while and the kernel gives it only once: should
 * we die meanwhile, the guard journals the crash from this line.
 */
static void inflight(const struct ld_journal_entry *je)
{
	struct ld_journal_entry e = *je;
	char *line;
	size_t len;

	e.verdict = "failed";
	e.reason = "the collector died while it read the crash's core";
	if (ld_journal__format(&e, &line, &len))
		return;
	if (ld_crash_inflight(line))
		ld_dbg("cannot note the crash of pid %u in flight", e.pid);
	free(line);
}

int ld_collector__journal_fd(const struct ld_collector *c)
{
	return ld_journal__fd(c->journal);
}

/*
 * What a live dump says of a process, for its crash dump: the kernel keeps
 * the crashing process's /proc while its core is read (core_pipe_limit,
 * crash.c), so its threads, fds, maps, modules, environment, cwd, limits,
 * kernel view and history are read now, as for a context capture.
 */
static void crash_proc_notes(struct ld_collector *c, const struct pending_crash *p,
			     const struct ld_rule *r, struct ld_notes *n, char *exe, size_t len,
			     struct ld_range **keep, size_t *nkeep)
{
	const struct ld_plan_range *pr;
	struct ld_capture_opts o = {
		.type = LD_CAPTURE_CONTEXT, .crashing = true, .detector = ld_detector_id(p->is.det),
		.rule = r->name, .comm = p->comm, .trigger = p->rec, .trigger_len = p->is.len,
		.history = ld_loader__history(c->loader), .no_environ = r->capture.no_environ,
		.rule_names = c->rule_names, .rule_names_len = c->rule_names_len,
		.symcache = c->symcache,
	};
	struct ld_capture *cap;
	int err = ld_capture__new(p->pid, p->tid, &o, &cap);

	if (err) {
		ld_warn("pid %u: its crash dump has the kernel's core only: %s", p->pid,
			strerror(-err));
		return;
	}
	ld_capture__proc_notes(cap, n);
	snprintf(exe, len, "%s", ld_capture__exe(cap));
	*nkeep = ld_capture__crash_keep(cap, &pr);
	*keep = *nkeep ? calloc(*nkeep, sizeof(**keep)) : NULL;
	for (size_t i = 0; *keep && i < *nkeep; i++)
		(*keep)[i] = (struct ld_range){ pr[i].addr, pr[i].len };
	if (!*keep)
		*nkeep = 0;
	ld_dbg("pid %u: its crash dump keeps %zu ranges a debugger needs", p->pid, *nkeep);
	ld_capture__free(cap);
}

int ld_collector__crash(struct ld_collector *c, const struct ld_crash_req *req, int core_fd)
{
	struct pending_crash *p = NULL;
	struct ld_crash_dump cd;
	struct ld_write_stats st = { 0 };
	struct ld_journal_entry je;
	struct ld_cg_ident ident;
	const struct ld_rule *r;
	char name[256], why[160], comm[LD_COMM_LEN + 1] = "", *path = NULL, exe[4096] = "";
	struct ld_notes pn = { 0 };
	struct ld_range *keep = NULL;
	size_t nkeep = 0;
	int err;

	for (unsigned i = 0; i < c->npending; i++)
		if (c->pending[i].pid == (uint32_t)req->pid)
			p = &c->pending[i];
	if (!p)
		return 0;
	r = rule_named(c, p->rule);
	if (!r) {
		/* Two reloads while its core was on the way: nothing says what to capture. */
		ld_warn("pid %u: rule %s of its crash is gone after a reload: its core passes on",
			p->pid, p->rule);
		*p = c->pending[--c->npending];
		return 0;
	}
	memcpy(comm, p->comm, sizeof(comm));
	cd = (struct ld_crash_dump){
		.type = r->capture.type, .rule = r->name, .detector = ld_detector_id(p->is.det),
		.code = p->is.code, .issue_time_ns = p->time_ns, .trigger = p->rec,
		.trigger_len = p->is.len, .issue_text = p->is.text[0] ? p->is.text : NULL,
		.max_core = c->o.limits.max_dump,
	};
	memcpy(cd.params, p->is.params, sizeof(cd.params));
	je = (struct ld_journal_entry){
		.time_ns = p->time_ns, .rule = r->name, .issue = p->is.det->name, .pid = p->pid,
		.tid = p->tid, .comm = comm, .code = p->is.code, .param = p->is.params[0],
		.fields = &p->is.fields,
	};
	/* its /proc stays while the core is read (core_pipe_limit) */
	if (!ld_proc_cg_ident(p->pid, &ident))
		je.ident = &ident;
	ld_dump_name(name, sizeof(name), p->time_ns, r->name, comm, p->pid, 0);
	inflight(&je);
	if (check_limits(c, 0, why, sizeof(why))) {
		je.verdict = "declined";
		je.reason = why;
		char ecomm[LD_ESC_SIZE(LD_COMM_LEN)];

		printf("declined: rule %s pid %u (%s): %s\n", r->name, p->pid,
		       ld_escape(comm, ecomm, sizeof(ecomm)), why);
		c->declined++;
	} else {
		crash_proc_notes(c, p, r, &pn, exe, sizeof(exe), &keep, &nkeep);
		cd.exe = exe[0] ? exe : NULL;
		cd.proc_notes = &pn;
		cd.keep = keep;
		cd.nkeep = nkeep;
		err = ld_core_to_dump(core_fd, &cd, c->o.outdir, name, &path, &st);
		if (err) {
			snprintf(why, sizeof(why), "crash dump: %s", strerror(-err));
			je.verdict = "failed";
			je.reason = why;
			ld_err("dump of pid %u for rule %s failed: %s", p->pid, r->name, why);
			c->failed++;
		} else {
			je.verdict = "dumped";
			je.dump = strrchr(path, '/') + 1;
			je.size = st.file_size;
			printf("dump: %s (%.1f KiB, from the kernel's core)\n", path,
			       st.file_size / 1024.0);
			c->dumps++;
			c->bytes += st.file_size;
			c->used += st.file_size;
		}
	}
	journal(c, &je);
	ld_crash_inflight(NULL);
	fflush(stdout);
	free(path);
	free(keep);
	ld_notes__free(&pn);
	*p = c->pending[--c->npending];
	return 1;
}

void ld_collector__threshold(void *ctx, const struct ld_threshold_event *e)
{
	struct ld_collector *c = ctx;
	struct ld_threshold_event x = *e;

	/* The sampler runs the rules in force: its events are of their generation. */
	x.hdr.flags = (x.hdr.flags & ~LD_EVF_GEN) | (c->gen ? LD_EVF_GEN : 0);
	ld_collector__on_event(ctx, &x, sizeof(x));
}

/* Longer than any capture is allowed to take: its event must have been lost. */
#define HOLD_MAX_NS	(30ULL * 1000000000ULL)

static void hold_expired(void *arg, const struct ld_held *t)
{
	struct ld_collector *c = arg;
	uint64_t kt;

	ld_warn("thread %d of %d was held %llu s for an issue whose event never came: it runs on",
		t->tid, t->pid, (unsigned long long)(HOLD_MAX_NS / 1000000000ULL));
	if (!ld_loader__pending_issue(c->loader, t->tid, &kt))
		ld_loader__issue_done(c->loader, t->tid, kt);
}

/* Records lost because the ring was full: said at most once a second. */
static void say_dropped(struct ld_collector *c, bool now)
{
	uint64_t t = mono_now();

	c->dropped = ld_loader__dropped(c->loader);
	if (c->dropped == c->dropped_said || (!now && t - c->dropped_at_ns < DECLINE_WINDOW_NS))
		return;
	ld_warn("%llu issue records dropped: the ring buffer was full (%llu in all); nothing "
		"was frozen or dumped for them (an app trigger returned 0)",
		(unsigned long long)(c->dropped - c->dropped_said), (unsigned long long)c->dropped);
	c->dropped_said = c->dropped;
	c->dropped_at_ns = t;
}

/*
 * What the kernel counted without sending a record up, into the journal:
 * declined events beyond a rule's send budget (LD_DECLINED_SEND_PER_S,
 * kabi/records.h) and records that found the ring full, by detector.  One
 * entry per rule or detector and interval, with its count: the journal's
 * records plus these counts are every event, exactly.
 */
static void kernel_declines(struct ld_collector *c, const struct ld_rule *r,
			    const struct ld_rule_counts *rc)
{
	static const char *const reasons[LD_VERDICT__COUNT] = {
		[LD_VERDICT_TOTAL] = "total", [LD_VERDICT_RATE] = "rate",
		[LD_VERDICT_COOLDOWN] = "cooldown", [LD_VERDICT_BUSY] = "busy",
	};

	for (unsigned v = 0; c->o.metrics && v < LD_VERDICT__COUNT; v++)
		if (reasons[v] && rc->declined[v])
			ld_metrics__set(c->o.metrics, LD_M_DECLINED, LD_LABELS(r->name, reasons[v]),
					rc->declined[v]);
}

static void journal_counts(struct ld_collector *c)
{
	uint64_t now = ld_now_realtime_ns();
	char why[200];

	for (size_t i = 0; c->decl && i < c->o.rules->n; i++) {
		const struct ld_rule *r = &c->o.rules->v[i];
		struct declines *d = &c->decl[i];
		struct ld_rule_counts rc;
		uint64_t n;

		if (ld_loader__rule_counts(c->loader, i, &rc))
			continue;
		kernel_declines(c, r, &rc);
		if (rc.unsent <= d->unsent_said)
			continue;
		n = rc.unsent - d->unsent_said;
		d->unsent_said = rc.unsent;
		c->unsent += n;
		snprintf(why, sizeof(why), "%llu declined in the kernel and counted, no record sent "
			 "(more than %u a second): total limit %llu, rate %llu, cooldown %llu, busy %llu "
			 "so far", (unsigned long long)n, LD_DECLINED_SEND_PER_S,
			 (unsigned long long)rc.declined[LD_VERDICT_TOTAL],
			 (unsigned long long)rc.declined[LD_VERDICT_RATE],
			 (unsigned long long)rc.declined[LD_VERDICT_COOLDOWN],
			 (unsigned long long)rc.declined[LD_VERDICT_BUSY]);
		printf("declined: rule %s: %llu more counted in the kernel\n", r->name,
		       (unsigned long long)n);
		fflush(stdout);
		journal(c, &(struct ld_journal_entry){
			.time_ns = now, .rule = r->name, .issue = ld_detector_name(r->detector),
			.verdict = "declined", .reason = why, .count = n,
		});
	}
	for (unsigned det = 1; det < LD_DET__COUNT; det++) {
		uint64_t all = ld_loader__dropped_by(c->loader, det);

		if (all <= c->dropped_by_said[det])
			continue;
		snprintf(why, sizeof(why), "the ring buffer was full: no record, nothing frozen or "
			 "dumped");
		journal(c, &(struct ld_journal_entry){
			.time_ns = now, .issue = ld_detector_name(det), .verdict = "dropped",
			.reason = why, .count = all - c->dropped_by_said[det],
		});
		c->dropped_by_said[det] = all;
	}
	fflush(stdout);
}

void ld_collector__tick(struct ld_collector *c)
{
	flush_declines(c, false);
	journal_counts(c);
	say_dropped(c, false);
	ld_holds__tick(&c->holds, HOLD_MAX_NS, hold_expired, c);
}

void ld_collector__flush(struct ld_collector *c)
{
	flush_declines(c, true);
	journal_counts(c);
}

int ld_collector__set_rules(struct ld_collector *c, const struct ld_ruleset *rs,
			    const struct ld_ruleset *prev)
{
	struct declines *decl = calloc(rs->n ? rs->n : 1, sizeof(*decl));
	int err;

	/*
	 * What a rule had said of its declines goes with its name.  @prev
	 * holds the rules c->decl counts: c->o.rules may be the caller's
	 * storage, holding @rs already.
	 */
	for (size_t i = 0; decl && i < rs->n; i++)
		for (size_t k = 0; c->decl && prev && k < prev->n; k++)
			if (!strcmp(rs->v[i].name, prev->v[k].name)) {
				decl[i] = c->decl[k];
				break;
			}
	/*
	 * The kernel runs @rs already: whatever fails here, the collector
	 * takes them too (without memory: declines unwindowed, the flight
	 * recorder's rule names as they were).
	 */
	err = decl ? rule_names(c, rs) : -ENOMEM;
	free(c->decl);
	c->decl = decl;
	c->prev = prev;
	c->o.rules = rs;
	c->gen = ld_loader__rules_gen(c->loader);
	/* A crash on its way keeps its rule by name (rule_named()). */
	return err;
}

void ld_collector__journal_reload(struct ld_collector *c, bool done, const char *reason)
{
	int err = ld_journal__append(c->journal, &(struct ld_journal_entry){
		.time_ns = ld_now_realtime_ns(), .issue = "reload",
		.verdict = done ? "reloaded" : "refused", .reason = reason,
	});

	if (err)
		ld_warn("cannot write the journal %s: %s", ld_journal__path(c->journal),
			strerror(-err));
}

unsigned long ld_collector__summary(struct ld_collector *c)
{
	char sz[32];

	flush_declines(c, true);
	journal_counts(c);
	say_dropped(c, true);
	ld_fmt_size(sz, sizeof(sz), c->bytes);
	printf("summary: %lu events, %lu dumps written (%s), %llu declined (%llu counted in the "
	       "kernel), %lu failed, %llu dropped; journal %s\n", c->events, c->dumps, sz,
	       (unsigned long long)(c->declined + c->unsent), (unsigned long long)c->unsent,
	       c->failed, (unsigned long long)c->dropped, ld_journal__path(c->journal));
	return c->failed;
}
