// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "base/log.h"
#include "capture/proc.h"
#include "rules/rulecomp.h"
#include "detectors/threshold.h"
#include "detectors/detector.h"
#include "rules/keys.h"

#define RING		128	/* CPU samples kept per process and rule */
#define DEFAULT_PERIOD	1000000000ULL

struct sample {
	uint64_t t, cpu_ticks;
};

struct track {
	unsigned rule;
	pid_t pid;
	uint64_t seen;			/* sampling round it was last seen in */
	struct sample ring[RING];
	unsigned n, head;
	uint64_t above_since[5];	/* per enum ld_metric; 0: below */
	uint64_t last_fire;		/* for the rule's cooldown */
};

struct limits {
	uint64_t taken, ring[LD_RATE_MAX], head;
};

struct ld_sampler {
	const struct ld_ruleset *rs;
	struct ld_loader *loader;
	struct track *tracks;
	size_t ntracks;
	struct limits *limits;		/* per rule: rule limits, kept here (no BPF) */
	uint64_t period, next, round;
	long ticks;			/* sysconf(_SC_CLK_TCK) */
	/* per rule, its `where cgroup=` resolved once: the hierarchy and path of each */
	struct ld_cg_where (*cgw)[LD_RULE_LIST_MAX];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int ld_sampler__new(const struct ld_ruleset *rs, struct ld_loader *l, struct ld_sampler **out)
{
	struct ld_sampler *s;
	uint64_t period = 0;

	*out = NULL;
	for (size_t i = 0; i < rs->n; i++) {
		const struct ld_rule *r = &rs->v[i];
		uint64_t p;

		if (r->detector != LD_DET_THRESHOLD || r->retired)
			continue;
		p = r->p.thr.interval_ns ? r->p.thr.interval_ns : DEFAULT_PERIOD;
		period = !period || p < period ? p : period;
	}
	if (!period)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->limits = calloc(rs->n, sizeof(*s->limits)))) {
		free(s);
		return -ENOMEM;
	}
	s->cgw = calloc(rs->n, sizeof(*s->cgw));
	if (!s->cgw) {
		ld_sampler__free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < rs->n; i++) {
		const struct ld_rule *r = &rs->v[i];
		int err = 0;

		for (unsigned k = 0; !err && r->detector == LD_DET_THRESHOLD &&
				     k < r->where.ncgroups; k++)
			err = ld_cg_where_resolve(r, r->where.cgroups[k], &s->cgw[i][k]);
		if (err) {
			ld_sampler__free(s);
			return err;
		}
	}
	s->rs = rs;
	s->loader = l;
	s->period = period;
	s->next = now_ns();
	s->ticks = sysconf(_SC_CLK_TCK);
	*out = s;
	return 0;
}

void ld_sampler__free(struct ld_sampler *s)
{
	if (!s)
		return;
	free(s->tracks);
	free(s->limits);
	free(s->cgw);
	free(s);
}

int ld_sampler__timeout_ms(const struct ld_sampler *s)
{
	uint64_t now = now_ns();

	return s->next <= now ? 0 : (int)((s->next - now) / 1000000) + 1;
}

/* The `where` filters, read from /proc (the kernel's first stage does not run here). */
static bool filters_match(const struct ld_rule_filters *w, const struct ld_cg_where *cgw,
			  pid_t pid, const struct ld_task_info *ti)
{
	char path[64], buf[4096];
	bool ok;

	if (w->npids) {
		ok = false;
		for (unsigned i = 0; i < w->npids; i++)
			ok |= w->pids[i] == (uint32_t)pid;
		if (!ok)
			return false;
	}
	if (w->ncomms) {
		ok = false;
		for (unsigned i = 0; i < w->ncomms; i++)
			ok |= !strcmp(w->comms[i], ti->name);
		if (!ok)
			return false;
	}
	if (w->nuids) {
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (stat(path, &st))
			return false;
		ok = false;
		for (unsigned i = 0; i < w->nuids; i++)
			ok |= w->uids[i] == st.st_uid;
		if (!ok)
			return false;
	}
	if (w->nexes) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		n = readlink(path, buf, sizeof(buf) - 1);
		if (n <= 0)
			return false;
		buf[n] = 0;
		ok = false;
		for (unsigned i = 0; i < w->nexes; i++)
			ok |= !strcmp(w->exes[i], buf);
		if (!ok)
			return false;
	}
	if (w->ncgroups) {
		char *cg = NULL;
		size_t len;

		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
		if (ld_read_file(path, &cg, &len))
			return false;
		ok = false;
		/* each in its hierarchy's line: v2's, or the v1 controller's */
		for (unsigned i = 0; i < w->ncgroups; i++) {
			char in[4096];
			size_t pl = strlen(cgw[i].path);

			if (ld_proc_cgroup_find(cg, cgw[i].ctrl, NULL, in, sizeof(in)))
				continue;
			if (pl == 1)	/* "/": every cgroup */
				pl = 0;
			ok |= !strncmp(in, cgw[i].path, pl) && (in[pl] == '/' || !in[pl]);
		}
		free(cg);
		if (!ok)
			return false;
	}
	return true;
}

static struct track *track_of(struct ld_sampler *s, unsigned rule, pid_t pid)
{
	struct track *t;

	for (size_t i = 0; i < s->ntracks; i++)
		if (s->tracks[i].rule == rule && s->tracks[i].pid == pid)
			return &s->tracks[i];
	t = realloc(s->tracks, (s->ntracks + 1) * sizeof(*t));
	if (!t)
		return NULL;
	s->tracks = t;
	t = &s->tracks[s->ntracks++];
	memset(t, 0, sizeof(*t));
	t->rule = rule;
	t->pid = pid;
	return t;
}

static long status_field(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? strtol(p + strlen(key), NULL, 10) : 0;
}

static uint64_t count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	uint64_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The rule's limits, as the kernel applies them to the other detectors. */
static uint32_t limits_admit(struct ld_sampler *s, unsigned rule, struct track *t, uint64_t now)
{
	const struct ld_rule_limits *l = &s->rs->v[rule].limit;
	struct limits *st = &s->limits[rule];

	if (l->cooldown_ns && t->last_fire && now - t->last_fire < l->cooldown_ns)
		return LD_VERDICT_COOLDOWN;
	if (l->total && st->taken >= l->total)
		return LD_VERDICT_TOTAL;
	if (l->rate_n) {
		uint64_t slot = st->head % l->rate_n;

		if (st->ring[slot] && now - st->ring[slot] < l->rate_window_ns)
			return LD_VERDICT_RATE;
		st->ring[slot] = now;
		st->head++;
	}
	st->taken++;
	t->last_fire = now;
	return LD_VERDICT_DUMP;
}

/* Checks one metric; returns true (and fills e) when it fires. */
static bool crossed(struct track *t, enum ld_metric m, const struct ld_urange64 *lim,
		    uint64_t value, uint64_t for_ns, uint64_t now, struct ld_threshold_event *e)
{
	if (!lim->set)
		return false;
	if (value < lim->lo) {
		t->above_since[m] = 0;
		return false;
	}
	if (!t->above_since[m])
		t->above_since[m] = now;
	if (now - t->above_since[m] < for_ns)
		return false;
	e->metric = m;
	e->value = value;
	e->limit = lim->lo;
	e->held_ns = now - t->above_since[m];
	return true;
}

/* CPU % of one CPU over the last `for` (at least one period) of samples. */
static bool cpu_crossed(struct ld_sampler *s, struct track *t, const struct ld_threshold_params *p,
			uint64_t now, uint64_t ticks, struct ld_threshold_event *e)
{
	uint64_t window = p->for_ns ? p->for_ns : s->period;
	const struct sample *old = NULL;

	t->ring[t->head] = (struct sample){ now, ticks };
	t->head = (t->head + 1) % RING;
	t->n += t->n < RING;
	if (!p->cpu.set)
		return false;
	/* The newest sample at least a window old. */
	for (unsigned k = 1; k < t->n; k++) {
		const struct sample *x = &t->ring[(t->head + RING - 1 - k) % RING];

		if (now - x->t >= window - window / 20) {	/* 5% slack for timer jitter */
			old = x;
			break;
		}
	}
	if (!old || now == old->t)
		return false;
	e->value = (ticks - old->cpu_ticks) * 100ULL * 1000000000ULL / s->ticks / (now - old->t);
	if (e->value < p->cpu.lo)
		return false;
	e->metric = LD_METRIC_CPU;
	e->limit = p->cpu.lo;
	e->held_ns = now - old->t;
	return true;
}

static void fire_event(struct ld_sampler *s, struct track *t, unsigned r, pid_t pid, uint64_t now,
		       struct ld_threshold_event *e, ld_threshold_fn fn, void *ctx)
{
	struct ld_task_info ti;

	/* Once it fired, the condition must hold a whole window again. */
	memset(t->above_since, 0, sizeof(t->above_since));
	t->n = 0;
	if (ld_proc_task_info(pid, pid, &ti))
		return;
	e->hdr.type = LD_DET_THRESHOLD;
	e->hdr.size = sizeof(*e);
	e->hdr.ktime_ns = now;
	e->hdr.pid = e->hdr.tid = pid;
	e->hdr.rule = r;
	e->hdr.verdict = limits_admit(s, r, t, now);
	memcpy(e->hdr.comm, ti.name, sizeof(e->hdr.comm));
	fn(ctx, e);
}

static void sample_process(struct ld_sampler *s, pid_t pid, uint64_t now, ld_threshold_fn fn,
			   void *ctx)
{
	struct ld_task_info ti;
	char path[64], *status = NULL;
	long rss_kb = 0, swap_kb = 0, threads = 0;
	bool have_status = false;

	if (ld_proc_task_info(pid, pid, &ti))
		return;
	for (unsigned r = 0; r < s->rs->n; r++) {
		const struct ld_rule *rule = &s->rs->v[r];
		const struct ld_threshold_params *p = &rule->p.thr;
		struct ld_threshold_event e = { 0 };
		struct track *t;
		bool fire;

		if (rule->detector != LD_DET_THRESHOLD || rule->retired || p->scope ||
		    !filters_match(&rule->where, s->cgw[r], pid, &ti))
			continue;
		if (!have_status) {
			snprintf(path, sizeof(path), "/proc/%d/status", pid);
			if (ld_read_file(path, &status, NULL))
				return;
			rss_kb = status_field(status, "VmRSS:");
			swap_kb = status_field(status, "VmSwap:");
			threads = status_field(status, "Threads:");
			have_status = true;
		}
		t = track_of(s, r, pid);
		if (!t)
			break;
		t->seen = s->round;
		fire = cpu_crossed(s, t, p, now, ti.utime + ti.stime, &e) ||
		       crossed(t, LD_METRIC_RSS, &p->rss, (rss_kb + swap_kb) * 1024ULL, p->for_ns,
			       now, &e) ||
		       crossed(t, LD_METRIC_THREADS, &p->threads, threads, p->for_ns, now, &e) ||
		       (p->fds.set &&
			crossed(t, LD_METRIC_FDS, &p->fds, count_fds(pid), p->for_ns, now, &e));
		if (fire)
			fire_event(s, t, r, pid, now, &e, fn, ctx);
	}
	free(status);
}

/* The member using the most CPU: the one a cgroup's dump is taken of. */
static pid_t top_member(const char *procs, uint64_t *rss, uint64_t *threads, uint64_t *fds)
{
	uint64_t best = 0;
	pid_t top = 0;

	*rss = *threads = *fds = 0;
	for (const char *p = procs; *p;) {
		pid_t pid = strtol(p, NULL, 10);
		struct ld_task_info ti;
		char path[64], *status;

		p += strcspn(p, "\n");
		p += *p == '\n';
		if (pid <= 0 || ld_proc_task_info(pid, pid, &ti))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		if (!ld_read_file(path, &status, NULL)) {
			*rss += (status_field(status, "VmRSS:") + status_field(status, "VmSwap:")) * 1024ULL;
			*threads += status_field(status, "Threads:");
			free(status);
		}
		*fds += count_fds(pid);
		if (!top || ti.utime + ti.stime > best) {
			best = ti.utime + ti.stime;
			top = pid;
		}
	}
	return top;
}

/*
 * A cgroup's CPU time in clock ticks: v2's cpu.stat; on v1 the cpuacct
 * hierarchy's cpuacct.usage (ns) at the same path (systemd and the
 * container engines make the same path in every hierarchy).  0, or -errno.
 */
static int cgroup_cpu(const struct ld_cg_where *w, long hz, uint64_t *ticks)
{
	char path[4096], *text = NULL, *u;
	struct ld_cg_hiers hs;
	const struct ld_cg_hier *h;
	int err;

	if (w->ctrl == LD_CGC_V2) {
		snprintf(path, sizeof(path), "%s%s/cpu.stat", w->mnt, w->path);
		err = ld_read_file(path, &text, NULL);
		if (err)
			return err;
		u = strstr(text, "usage_usec ");
		*ticks = u ? strtoull(u + 11, NULL, 10) * hz / 1000000 : 0;
		free(text);
		return 0;
	}
	err = ld_cg_hiers_load(&hs);
	if (err)
		return err;
	h = ld_cg_hiers__ctrl(&hs, LD_CGC_CPUACCT);
	if (!h)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s%s/cpuacct.usage", h->mnt, w->path);
	err = ld_read_file(path, &text, NULL);
	if (err)
		return err;
	*ticks = strtoull(text, NULL, 10) / 1000 * hz / 1000000;
	free(text);
	return 0;
}

/*
 * scope=cgroup: each `where cgroup=` as a whole — CPU from its cpu.stat
 * (exited members included), memory, threads and fds summed over its
 * members — so a container is judged like one process.
 */
static void sample_cgroups(struct ld_sampler *s, unsigned r, uint64_t now, ld_threshold_fn fn,
			   void *ctx)
{
	const struct ld_rule *rule = &s->rs->v[r];
	const struct ld_threshold_params *p = &rule->p.thr;

	for (unsigned k = 0; k < rule->where.ncgroups; k++) {
		const struct ld_cg_where *w = &s->cgw[r][k];
		struct ld_threshold_event e = { 0 };
		char path[4096], *procs = NULL;
		uint64_t rss, threads, fds, ticks;
		struct track *t;
		pid_t top;
		bool fire;

		/* v2: gone; v1: no cpuacct at that path, judged without CPU */
		ticks = 0;
		if (cgroup_cpu(w, s->ticks, &ticks) && w->ctrl == LD_CGC_V2)
			continue;
		snprintf(path, sizeof(path), "%s%s/cgroup.procs", w->mnt, w->path);
		if (ld_read_file(path, &procs, NULL))
			continue;
		top = top_member(procs, &rss, &threads, &fds);
		free(procs);
		t = track_of(s, r, -(pid_t)(k + 1));
		if (!t || !top)
			continue;
		e.cgroup = k + 1;
		t->seen = s->round;
		fire = cpu_crossed(s, t, p, now, ticks, &e) ||
		       crossed(t, LD_METRIC_RSS, &p->rss, rss, p->for_ns, now, &e) ||
		       crossed(t, LD_METRIC_THREADS, &p->threads, threads, p->for_ns, now, &e) ||
		       crossed(t, LD_METRIC_FDS, &p->fds, fds, p->for_ns, now, &e);
		if (fire)
			fire_event(s, t, r, top, now, &e, fn, ctx);
	}
}

void ld_sampler__tick(struct ld_sampler *s, ld_threshold_fn fn, void *ctx)
{
	uint64_t now = now_ns();
	pid_t self = getpid();
	struct dirent *de;
	DIR *d;

	if (now < s->next)
		return;
	s->next = now + s->period;
	s->round++;
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid != self && ld_loader__watched(s->loader, pid))
			sample_process(s, pid, now, fn, ctx);
	}
	closedir(d);
	for (unsigned r = 0; r < s->rs->n; r++)
		if (s->rs->v[r].detector == LD_DET_THRESHOLD && !s->rs->v[r].retired &&
		    s->rs->v[r].p.thr.scope)
			sample_cgroups(s, r, now, fn, ctx);
	/* Forget processes that are gone. */
	for (size_t i = 0; i < s->ntracks;) {
		if (s->tracks[i].seen != s->round)
			s->tracks[i] = s->tracks[--s->ntracks];
		else
			i++;
	}
}

/* ---- the table entry: rule keys and the record ---- */

/* cpu>90%: at least that (a sample is never exactly on the boundary). */
static int cmp_percent(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s,
		       struct ld_verr *e)
{
	struct ld_urange64 *r = f;
	char num[32];
	size_t len = strlen(s);
	uint64_t n;
	int err;

	(void)k;
	if (!len || s[len - 1] != '%' || len >= sizeof(num))
		return ld_verr_set(e, 0, "bad percentage '%.64s' (expected a number with %%, like"
				   " 90%%; 100%% is one CPU)", s);
	snprintf(num, sizeof(num), "%.*s", (int)len - 1, s);
	err = ld_val_u64(num, 1, 100 * 4096, &n, e);
	if (err)
		return err;
	if (op != LD_OP_GT && op != LD_OP_GE)
		return ld_verr_set(e, 0, "a threshold is a lower bound (expected cpu>N%%)");
	*r = (struct ld_urange64){ n, UINT64_MAX, 1, 0 };
	return 0;
}

static int cmp_size_min(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s,
			struct ld_verr *e)
{
	struct ld_urange64 *r = f;
	uint64_t n;
	int err = ld_val_size(s, 1, UINT64_MAX / 2, &n, e);

	if (err)
		return err;
	if (op != LD_OP_GT && op != LD_OP_GE)
		return ld_verr_set(e, 0, "a threshold is a lower bound (expected %s>SIZE)", k->name);
	*r = (struct ld_urange64){ n, UINT64_MAX, 1, 0 };
	return 0;
}

static int cmp_count_min(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s,
			 struct ld_verr *e)
{
	struct ld_urange64 *r = f;
	uint64_t n;
	int err = ld_val_u64(s, 1, 1 << 30, &n, e);

	if (err)
		return err;
	if (op != LD_OP_GT && op != LD_OP_GE)
		return ld_verr_set(e, 0, "a threshold is a lower bound (expected %s>N)", k->name);
	*r = (struct ld_urange64){ n, UINT64_MAX, 1, 0 };
	return 0;
}

static int elem_no_set(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		       struct ld_verr *e)
{
	(void)f;
	(void)idx;
	(void)s;
	return ld_verr_set(e, 0, "a threshold is a lower bound (expected %s>VALUE)", k->name);
}

static void fmt_min(const struct ld_rule_key *k, const void *f, struct ld_sb *sb)
{
	const struct ld_urange64 *r = f;
	char buf[32];

	if (!strcmp(k->name, "cpu"))
		ld_sb_printf(sb, " cpu>=%llu%%", (unsigned long long)r->lo);
	else if (!strcmp(k->name, "rss") && !ld_val_format_size(r->lo, buf, sizeof(buf)))
		ld_sb_printf(sb, " rss>=%s", buf);
	else
		ld_sb_printf(sb, " %s>=%llu", k->name, (unsigned long long)r->lo);
}

/* scope=process|cgroup (cgroup stored as 1) */
static int elem_scope(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		      struct ld_verr *e)
{
	(void)k;
	(void)idx;
	if (strcmp(s, "process") && strcmp(s, "cgroup"))
		return ld_verr_set(e, 0, "unknown scope '%.64s' (expected process or cgroup)", s);
	*(uint32_t *)f = !strcmp(s, "cgroup");
	return 0;
}

static void fmt_scope(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	(void)idx;
	ld_sb_printf(sb, "%s", *(const uint32_t *)f ? "cgroup" : "process");
}

#define MIN_KEY(n, f, fn)	{ .name = n, .cmp = true, LD_KEY_ONE(f), .elem = elem_no_set, \
				  .cmp_elem = fn, .fmt_kv = fmt_min }

static const struct ld_rule_key keys[] = {
	MIN_KEY("cpu", p.thr.cpu, cmp_percent),
	MIN_KEY("rss", p.thr.rss, cmp_size_min),
	MIN_KEY("threads", p.thr.threads, cmp_count_min),
	MIN_KEY("fds", p.thr.fds, cmp_count_min),
	{ .name = "for", LD_KEY_ONE(p.thr.for_ns), .min = 1000000, .max = LD_DURATION_MAX,
	  .elem = ld_key_elem_duration, .fmt = ld_key_fmt_duration },
	{ .name = "interval", LD_KEY_ONE(p.thr.interval_ns), .min = 10000000,
	  .max = 3600000000000ULL, .elem = ld_key_elem_duration, .fmt = ld_key_fmt_duration },
	{ .name = "scope", LD_KEY_ONE(p.thr.scope), .elem = elem_scope, .fmt = fmt_scope },
};
LD_KEYS_FIT(keys);

static int check(const struct ld_rule *r, char *why, size_t size)
{
	const struct ld_threshold_params *p = &r->p.thr;

	if (!p->cpu.set && !p->rss.set && !p->threads.set && !p->fds.set) {
		snprintf(why, size, "missing condition for threshold (expected cpu>N%%, rss>SIZE,"
			 " threads>N or fds>N)");
		return -EINVAL;
	}
	if (p->scope && !r->where.ncgroups) {
		snprintf(why, size, "scope=cgroup needs the cgroups to judge (expected where"
			 " cgroup=PATH)");
		return -EINVAL;
	}
	return 0;
}

static const char *const metric_names[] = {
	[LD_METRIC_CPU] = "cpu", [LD_METRIC_RSS] = "rss", [LD_METRIC_THREADS] = "threads",
	[LD_METRIC_FDS] = "fds",
};
static const char *const metric_units[] = {
	[LD_METRIC_CPU] = "%", [LD_METRIC_RSS] = "bytes", [LD_METRIC_THREADS] = "count",
	[LD_METRIC_FDS] = "count",
};
_Static_assert(sizeof(metric_names) / sizeof(metric_names[0]) == LD_METRIC__COUNT &&
	       sizeof(metric_units) / sizeof(metric_units[0]) == LD_METRIC__COUNT,
	       "a name and a unit for every metric");

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_threshold_event *e = (const void *)x->hdr;

	is->code = e->metric;
	is->params[0] = e->value;
	is->params[1] = e->limit;
	is->params[2] = e->held_ns;
	/* the cgroup judged as a whole, in the hierarchy its value named */
	if (e->cgroup && x->rule && e->cgroup <= x->rule->where.ncgroups &&
	    !strchr(x->rule->where.cgroups[e->cgroup - 1], '\n'))
		snprintf(is->text, sizeof(is->text), "cgroup=%s\n",
			 x->rule->where.cgroups[e->cgroup - 1]);
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	const struct ld_threshold_event *e = src->rec;
	uint32_t metric = src->code;
	uint64_t value = src->params[0], limit = src->params[1], held = src->params[2];
	const char *name, *unit;
	char cg[1024];
	bool have_cg = ld_issue_text_get(src->text, src->text_len, "cgroup", cg, sizeof(cg));

	if (e && src->len >= sizeof(*e)) {
		metric = e->metric;
		value = e->value;
		limit = e->limit;
		held = e->held_ns;
	}
	name = metric < LD_METRIC__COUNT && metric_names[metric] ? metric_names[metric] : "?";
	unit = metric < LD_METRIC__COUNT && metric_units[metric] ? metric_units[metric] : "";
	ld_fields__str(f, "metric", "%s", name);
	ld_fields__u64(f, "value", value);
	ld_fields__u64(f, "limit", limit);
	ld_fields__str(f, "unit", "%s", unit);
	ld_fields__ns(f, "held_ns", held);
	if (have_cg)
		ld_fields__str(f, "cgroup", "%s", cg);
	ld_fields__summary(f, "%s %" PRIu64 "%s >= %" PRIu64 "%s for %.1f s%s%s", name, value,
			   metric == LD_METRIC_CPU ? "%" : "", limit,
			   metric == LD_METRIC_CPU ? "%" : "", held / 1e9,
			   have_cg ? " in cgroup " : "", have_cg ? cg : "");
}

/* Sampled by the collector (ld_sampler__tick), not by BPF: no programs. */
const struct ld_detector_ops ld_det_threshold = {
	.name = "threshold",
	.doc = "a resource stays above a threshold (sampled in user space)",
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_MINI,
	.check = check,
	.record_size = sizeof(struct ld_threshold_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_THRESHOLD,
	.legacy_event = 8,
};
