// SPDX-License-Identifier: MIT
/* The dumps of directories and files, summarized for list and report. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "dump/dump_reader.h"
#include "dump/dumpset.h"
#include "detectors/fields.h"
#include "base/json.h"
#include "base/log.h"
#include "dump/outdir.h"
#include "group/manifest.h"

#define NS	1000000000ULL

const char *ld_dump_state_name(enum ld_dump_state s)
{
	switch (s) {
	case LD_DUMP_COMPLETE: return "complete";
	case LD_DUMP_CUT: return "cut";
	case LD_DUMP_DAMAGED: return "damaged";
	}
	return "?";
}

/* --- file names ---------------------------------------------------------------- */

/* "20261121T093015.123" (local time) to ns since the epoch. */
static bool parse_name_time(const char *s, size_t len, uint64_t *ns)
{
	struct tm tm = { 0 };
	unsigned ms;
	char buf[32], *end;
	time_t t;

	if (len != 19 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	end = strptime(buf, "%Y%m%dT%H%M%S", &tm);
	if (!end || *end != '.' || sscanf(end + 1, "%3u", &ms) != 1)
		return false;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*ns = (uint64_t)t * NS + ms * 1000000ULL;
	return true;
}

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool ld_dump_parse_name(const char *name, struct ld_dump_summary *s)
{
	const char *field[5];
	size_t flen[5], n = 0, len = strlen(name);
	const char *p = name;

	if (len < 5 || strcmp(name + len - 5, ".core"))
		return false;
	len -= 5;
	/* The collector turns '-' in rule and comm into '_': '-' only separates. */
	while (n < 5) {
		const char *dash = memchr(p, '-', name + len - p);

		field[n] = p;
		flen[n] = dash ? (size_t)(dash - p) : (size_t)(name + len - p);
		n++;
		if (!dash)
			break;
		p = dash + 1;
	}
	if ((n != 4 && n != 5) || field[n - 1] + flen[n - 1] != name + len ||
	    (n == 5 && !all_digits(field[4], flen[4])) ||
	    !all_digits(field[3], flen[3]) || !flen[1] || !flen[2] ||
	    !parse_name_time(field[0], flen[0], &s->time_ns))
		return false;
	snprintf(s->rule, sizeof(s->rule), "%.*s", (int)flen[1], field[1]);
	snprintf(s->comm, sizeof(s->comm), "%.*s", (int)flen[2], field[2]);
	s->pid = strtoul(field[3], NULL, 10);
	return true;
}

/* --- one dump -------------------------------------------------------------------- */

/* Frames of the tracing machinery that ran the BPF program, not of the issue. */
static bool tracing_frame(const char *sym)
{
	static const char *const prefixes[] = {
		"bpf_", "__bpf_", "__traceiter_", "trace_", "__trace_", "perf_", "kprobe_",
		"__kprobes", "ftrace_", "0x",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(sym, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static void find_kfunc(struct ld_dump_summary *s, const struct ld_dump *d)
{
	const struct ld_field *at = s->fields ? ld_fields__get(s->fields, "at") : NULL;
	char buf[128];

	s->kfunc[0] = 0;
	if (at && s->issue && (!strcmp(s->issue, "kprobe") || !strcmp(s->issue, "kretprobe"))) {
		snprintf(s->kfunc, sizeof(s->kfunc), "%s", ld_field__text(at, buf, sizeof(buf)));
		s->kfunc[strcspn(s->kfunc, "+")] = 0;
		return;
	}
	for (size_t i = 0; i < ld_dump__nkstacks(d); i++) {
		const struct ld_dump_kstack *k = ld_dump__kstack(d, i);

		if (k->source != LD_KSTACK_ISSUE)
			continue;
		for (size_t f = 0; f < k->nframes; f++)
			if (k->syms[f][0] && !tracing_frame(k->syms[f])) {
				snprintf(s->kfunc, sizeof(s->kfunc), "%.*s",
					 (int)strcspn(k->syms[f], "+ "), k->syms[f]);
				return;
			}
	}
}

static void from_header(struct ld_dump_summary *s, const struct ld_dump *d)
{
	const struct ld_note_header *h = ld_dump__header(d);
	const struct ld_dump_kproc *kp;

	s->has_header = true;
	s->named = false;
	s->time_ns = h->issue_time_ns ? h->issue_time_ns : h->capture_start_ns;
	s->issue = ld_dump__issue_name(d);
	s->fields = malloc(sizeof(*s->fields));
	if (s->fields)
		ld_dump__decode(d, s->fields);
	s->capture_type = h->capture_type;
	s->code = h->code;
	s->pid = h->pid;
	s->tid = h->tid;
	snprintf(s->rule, sizeof(s->rule), "%s", h->rule);
	snprintf(s->comm, sizeof(s->comm), "%s", h->comm);
	snprintf(s->exe, sizeof(s->exe), "%s", h->exe);
	snprintf(s->host, sizeof(s->host), "%s", h->hostname);
	kp = ld_dump__kproc(d);
	if (kp) {
		snprintf(s->unit, sizeof(s->unit), "%s", kp->ident.unit);
		snprintf(s->container_runtime, sizeof(s->container_runtime), "%s",
			 kp->ident.runtime);
		snprintf(s->container_id, sizeof(s->container_id), "%s", kp->ident.container);
		snprintf(s->pod_uid, sizeof(s->pod_uid), "%s", kp->ident.pod);
	}
	find_kfunc(s, d);
}

const char *ld_dump_summary__container(const struct ld_dump_summary *s, char *buf, size_t len)
{
	if (!s->container_runtime[0])
		snprintf(buf, len, "%s", "");
	else if (s->container_id[0])
		snprintf(buf, len, "%s:%s", s->container_runtime, s->container_id);
	else
		snprintf(buf, len, "%s:pod-%s", s->container_runtime, s->pod_uid);
	return buf;
}

static int summarize(struct ld_dump_summary *s)
{
	struct ld_dump *d;
	char err[512];
	struct stat st;
	int ret;

	if (!stat(s->path, &st))
		s->file_size = st.st_size;
	s->named = ld_dump_parse_name(s->name, s);
	ret = ld_dump__open_flags(s->path, LD_OPEN_ALLOW_CUT, &d, err, sizeof(err));
	if (ret) {
		/* Cut before even its ELF or program headers are whole: cut, and unreadable. */
		s->state = ret == -ENODATA ? LD_DUMP_CUT : LD_DUMP_DAMAGED;
		s->why = strdup(err);
		return s->why ? 0 : -ENOMEM;
	}
	s->file_size = ld_dump__file_size(d);
	if (ld_dump__cut(d)) {
		s->state = LD_DUMP_CUT;
		s->why = strdup(ld_dump__cut(d));
		if (!s->why) {
			ld_dump__free(d);
			return -ENOMEM;
		}
	}
	if (ld_dump__header(d))
		from_header(s, d);
	ld_dump__free(d);
	return 0;
}

int ld_dump_summary__load(struct ld_dump_summary *s, const char *path)
{
	const char *slash;

	memset(s, 0, sizeof(*s));
	s->path = strdup(path);
	if (!s->path)
		return -ENOMEM;
	slash = strrchr(s->path, '/');
	s->name = slash ? slash + 1 : s->path;
	return summarize(s);
}

void ld_dump_summary__clear(struct ld_dump_summary *s)
{
	free(s->path);
	free(s->why);
	free(s->fields);
	if (s->remote)
		s->remote->free(s->remote);
	memset(s, 0, sizeof(*s));
}

struct ld_dump_summary *ld_dumpset__append(struct ld_dumpset *set)
{
	struct ld_dump_summary *v = realloc(set->v, (set->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	set->v = v;
	memset(&v[set->n], 0, sizeof(*v));
	return &v[set->n++];
}

static int add(struct ld_dumpset *set, const char *path)
{
	struct ld_dump_summary *s = ld_dumpset__append(set);

	return s ? ld_dump_summary__load(s, path) : -ENOMEM;
}

static int add_group(struct ld_dumpset *set, const char *path, bool members)
{
	struct ld_manifest *v = realloc(set->groups, (set->ngroups + 1) * sizeof(*v));
	char err[512];

	if (!v)
		return -ENOMEM;
	set->groups = v;
	/* An unreadable manifest leaves its members single dumps. */
	if (ld_manifest_read(path, &v[set->ngroups], err, sizeof(err)))
		return 0;
	set->ngroups++;
	for (size_t i = 0; members && i < v[set->ngroups - 1].n; i++) {
		const struct ld_manifest_member *m = &v[set->ngroups - 1].m[i];
		char dp[4096];
		const char *slash = strrchr(path, '/');
		int e;

		if (!m->dump[0] || strchr(m->dump, '/'))
			continue;
		snprintf(dp, sizeof(dp), "%.*s%s", slash ? (int)(slash - path + 1) : 0, path, m->dump);
		if (access(dp, F_OK))
			continue;
		e = add(set, dp);
		if (e)
			return e;
	}
	return 0;
}

/* Each member's summary names its group (once every file is in: pointers stay put). */
static void link_groups(struct ld_dumpset *set)
{
	for (size_t g = 0; g < set->ngroups; g++) {
		const struct ld_manifest *mf = &set->groups[g];
		const char *slash = strrchr(mf->path, '/');
		size_t dirlen = slash ? (size_t)(slash - mf->path + 1) : 0;

		for (size_t i = 0; i < mf->n; i++)
			for (size_t k = 0; mf->m[i].dump[0] && k < set->n; k++) {
				struct ld_dump_summary *s = &set->v[k];

				if (strcmp(s->name, mf->m[i].dump) ||
				    (size_t)(s->name - s->path) != dirlen ||
				    strncmp(s->path, mf->path, dirlen))
					continue;
				s->group = mf;
				s->group_trigger = mf->m[i].trigger;
			}
	}
}

static int add_dir(struct ld_dumpset *set, const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int err = 0;

	if (!dp)
		return -errno;
	while (!err && (de = readdir(dp))) {
		char path[4096];

		if (ld_manifest_name(de->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			err = add_group(set, path, false);
			continue;
		}
		if (!ld_is_dump_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = add(set, path);
	}
	closedir(dp);
	return err;
}

static int cmp_summary(const void *a, const void *b)
{
	const struct ld_dump_summary *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

void ld_dumpset__finish(struct ld_dumpset *set)
{
	if (set->n)	/* no dumps: set->v is NULL, which qsort may not be given */
		qsort(set->v, set->n, sizeof(*set->v), cmp_summary);
	link_groups(set);
}

static int add_path(struct ld_dumpset *set, const char *path, char *msg, size_t msglen)
{
	struct stat st;
	int err;

	if (stat(path, &st))
		err = -errno;
	else
		err = S_ISDIR(st.st_mode) ? add_dir(set, path) :
		      ld_manifest_name(strrchr(path, '/') ? strrchr(path, '/') + 1 : path) ?
		      add_group(set, path, true) : add(set, path);
	if (err)
		snprintf(msg, msglen, "cannot read %s: %s", path, strerror(-err));
	return err;
}

int ld_dumpset_load(struct ld_dumpset *set, char **paths, int npaths, const char *default_dir,
		    char *msg, size_t msglen)
{
	int err = 0;

	memset(set, 0, sizeof(*set));
	if (!npaths)
		err = add_path(set, default_dir, msg, msglen);
	for (int i = 0; i < npaths && !err; i++)
		err = add_path(set, paths[i], msg, msglen);
	if (!err)
		ld_dumpset__finish(set);
	return err;
}

void ld_dumpset__free(struct ld_dumpset *set)
{
	for (size_t i = 0; i < set->n; i++)
		ld_dump_summary__clear(&set->v[i]);
	free(set->v);
	for (size_t i = 0; i < set->ngroups; i++)
		ld_manifest__free(&set->groups[i]);
	free(set->groups);
	memset(set, 0, sizeof(*set));
}

/* --- JSON ---------------------------------------------------------------------- */

/* The unit and container (LD_NT_KPROC), null where not known. */
static void json_opt(struct ld_json *j, const char *key, const char *v)
{
	if (v[0])
		ld_json__kstr(j, key, v);
	else
		ld_json__knull(j, key);
}

static void json_ident(struct ld_json *j, const struct ld_dump_summary *s)
{
	json_opt(j, "unit", s->unit);
	if (!s->container_runtime[0]) {
		ld_json__knull(j, "container");
		return;
	}
	ld_json__key(j, "container");
	ld_json__begin_object(j);
	json_opt(j, "runtime", s->container_runtime);
	json_opt(j, "id", s->container_id);
	json_opt(j, "pod_uid", s->pod_uid);
	ld_json__end_object(j);
}

void ld_dump_summary__json(const struct ld_dump_summary *s, struct ld_json *j)
{
	char buf[64];
	bool known = s->has_header || s->named;

	ld_json__kstr(j, "file", s->path);
	ld_json__kstr(j, "name", s->name);
	ld_json__kuint(j, "size", s->file_size);
	ld_json__kstr(j, "state", ld_dump_state_name(s->state));
	ld_json__kstr(j, "why", s->why);
	ld_json__kbool(j, "has_header", s->has_header);
	json_opt(j, "host", s->host);
	ld_json__key(j, "time");
	if (s->time_ns)
		ld_json__string(j, ld_fmt_iso_time(s->time_ns, buf, sizeof(buf)));
	else
		ld_json__null(j);
	ld_json__key(j, "time_ns");
	ld_json__stringf(j, "%llu", (unsigned long long)s->time_ns);
	ld_json__kstr(j, "issue", s->has_header ? s->issue : NULL);
	if (s->fields) {
		ld_json__kstr(j, "summary", s->fields->summary);
		ld_json__key(j, "fields");
		ld_fields__json_object(s->fields, j);
	}
	ld_json__kstr(j, "rule", known ? s->rule : NULL);
	if (known)
		ld_json__kuint(j, "pid", s->pid);
	else
		ld_json__knull(j, "pid");
	ld_json__kstr(j, "comm", known ? s->comm : NULL);
	if (s->has_header) {
		ld_json__kuint(j, "tid", s->tid);
		ld_json__kstr(j, "exe", s->exe);
		ld_json__kuint(j, "code", s->code);
		ld_json__key(j, "code_hex");
		ld_json__stringf(j, "0x%x", s->code);
		ld_json__kstr(j, "capture_type", ld_dump__capture_type_name(s->capture_type));
		json_ident(j, s);
		json_opt(j, "kfunc", s->kfunc);
	} else {
		ld_json__knull(j, "tid");
		ld_json__knull(j, "exe");
		ld_json__knull(j, "code");
		ld_json__knull(j, "code_hex");
		ld_json__knull(j, "capture_type");
		ld_json__knull(j, "unit");
		ld_json__knull(j, "container");
		ld_json__knull(j, "kfunc");
	}
	if (s->group) {
		const char *slash = strrchr(s->group->path, '/');

		ld_json__key(j, "group");
		ld_json__begin_object(j);
		ld_json__kstr(j, "manifest", slash ? slash + 1 : s->group->path);
		ld_json__kstr(j, "role", s->group_trigger ? "trigger" : "peer");
		ld_json__kstr(j, "scope", s->group->scope);
		ld_json__kuint(j, "members", s->group->n);
		ld_json__end_object(j);
	} else {
		ld_json__knull(j, "group");
	}
}

/* --- filters ------------------------------------------------------------------------ */

bool ld_dump_filter__match(const struct ld_dump_filter *f, const struct ld_dump_summary *s)
{
	if (f->comm && strcmp(f->comm, s->comm))
		return false;
	if (f->since_ns && s->time_ns < f->since_ns)
		return false;
	return true;
}

int ld_dumpset_parse_opt(int c, const char *arg, const char *cmd, struct ld_dump_filter *f,
			 enum ld_color_when *color)
{
	struct timespec now;

	switch (c) {
	case 'c':
		f->comm = arg;
		return -1;
	case 's':
		clock_gettime(CLOCK_REALTIME, &now);
		if (ld_parse_since(arg, now.tv_sec * NS + now.tv_nsec, &f->since_ns)) {
			ld_err("%s: --since '%s': expected a date (2026-11-21 09:30), today, "
			       "yesterday, @EPOCH or a time ago (15m, 2h, 7d)", cmd, arg);
			return 2;
		}
		return -1;
	case 'C':
		if (ld_parse_color_when(arg, color)) {
			ld_err("%s: --color '%s': expected auto, always or never", cmd, arg);
			return 2;
		}
		return -1;
	}
	return 2;
}

static int local_to_ns(struct tm *tm, uint64_t *out)
{
	time_t t;

	tm->tm_isdst = -1;
	t = mktime(tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (uint64_t)t * NS;
	return 0;
}

static int parse_absolute(const char *s, uint64_t *out)
{
	static const char *formats[] = {
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
		"%Y-%m-%dT%H:%M", "%Y-%m-%d",
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm = { 0 };
		const char *end = strptime(s, formats[i], &tm);

		if (end && !*end)
			return local_to_ns(&tm, out);
	}
	return -EINVAL;
}

/* "today" and "yesterday": local midnight. */
static int parse_day(const char *s, uint64_t now_ns, uint64_t *out)
{
	int back = !strcmp(s, "today") ? 0 : !strcmp(s, "yesterday") ? 1 : -1;
	time_t now = now_ns / NS;
	struct tm tm;

	if (back < 0 || !localtime_r(&now, &tm))
		return -EINVAL;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= back;
	return local_to_ns(&tm, out);
}

static int parse_ago(const char *s, uint64_t now_ns, uint64_t *out)
{
	static const struct { const char *unit; uint64_t secs; } units[] = {
		{ "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 },
		{ "d", 86400 }, { "w", 7 * 86400 },
	};
	char unit[8] = "", rest[8] = "";
	unsigned long long n;
	int got;

	if (*s == '-')
		s++;
	got = sscanf(s, "%llu%7[a-z] %7s", &n, unit, rest);
	if (got < 2 || (got == 3 && strcmp(rest, "ago")))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit))
			continue;
		if (n > now_ns / NS / units[i].secs)
			return -EINVAL;
		*out = now_ns - n * units[i].secs * NS;
		return 0;
	}
	return -EINVAL;
}

int ld_parse_since(const char *s, uint64_t now_ns, uint64_t *out_ns)
{
	char *end;

	if (s[0] == '@' && isdigit((unsigned char)s[1])) {
		unsigned long long secs = strtoull(s + 1, &end, 10);

		if (*end)
			return -EINVAL;
		*out_ns = secs * NS;
		return 0;
	}
	if (!parse_day(s, now_ns, out_ns) || !parse_absolute(s, out_ns))
		return 0;
	return parse_ago(s, now_ns, out_ns);
}

/* --- formatting ---------------------------------------------------------------------- */

const char *ld_fmt_local_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = ns / NS;
	struct tm tm;

	if (!ns || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
	return buf;
}

const char *ld_fmt_iso_time(uint64_t ns, char *buf, size_t len)
{
	time_t t = ns / NS;
	char date[32], zone[8];
	struct tm tm;

	if (!ns || !localtime_r(&t, &tm)) {
		snprintf(buf, len, "-");
		return buf;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	/* %z gives +0200; ISO-8601 extended form wants +02:00. */
	if (strlen(zone) == 5)
		snprintf(buf, len, "%s.%03u%.3s:%s", date, (unsigned)(ns / 1000000 % 1000), zone,
			 zone + 3);
	else
		snprintf(buf, len, "%s.%03u", date, (unsigned)(ns / 1000000 % 1000));
	return buf;
}

const char *ld_fmt_short_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double v = bytes;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}
