// SPDX-License-Identifier: MIT
/*
 * livedump report [DIR|DUMP...]: what many dumps say together, the way
 * perf report sums samples — counts by issue type, rule, executable and
 * code, and the distinct stacks of the triggering thread, symbolized,
 * with counts and an example dump each.  --sort KEYS makes one histogram
 * over a combination of keys instead; --folded prints the stacks for
 * flame-graph tools.  The --json fields are an interface:
 * docs/commands/report.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "base/escape.h"
#include "dump/dump_reader.h"
#include "dump/dumpset.h"
#include "base/json.h"
#include "base/log.h"
#include "dump/outdir.h"
#include "analysis/debuginfod.h"
#include "analysis/signature.h"
#include "analysis/symbolize.h"
#include "base/table.h"
#include "base/parse.h"
#include "detectors/fields.h"
#include "group/manifest.h"
#include "fleet/store.h"

#define TEXT_TOP_DEFAULT	10

/* K_FIELD: a decoded field of the issue (errno, device, signal ...), named by report_opts.field. */
enum key { K_ISSUE, K_RULE, K_EXE, K_COMM, K_CODE, K_PID, K_STACK, K_UNIT, K_CONTAINER, K_KFUNC,
	   K_HOST, K_FIELD,
	   K_NR };

static const char *const key_names[K_NR] = {
	[K_ISSUE] = "issue", [K_RULE] = "rule", [K_EXE] = "exe", [K_COMM] = "comm",
	[K_CODE] = "code", [K_PID] = "pid", [K_STACK] = "stack", [K_UNIT] = "unit",
	[K_CONTAINER] = "container", [K_KFUNC] = "kfunc", [K_HOST] = "host", [K_FIELD] = "field",
};
static const char *const key_titles[K_NR] = {
	[K_ISSUE] = "ISSUE", [K_RULE] = "RULE", [K_EXE] = "EXECUTABLE", [K_COMM] = "COMM",
	[K_CODE] = "CODE", [K_PID] = "PID", [K_STACK] = "STACK", [K_UNIT] = "UNIT",
	[K_CONTAINER] = "CONTAINER", [K_KFUNC] = "KFUNC", [K_HOST] = "HOST", [K_FIELD] = "FIELD",
};

struct report_opts {
	bool json, folded;
	enum ld_color_when color;
	struct ld_dump_filter filter;
	enum key sort[K_NR];
	size_t nsort;
	char field[48];			/* K_FIELD's name; upper case in field_title */
	char field_title[48];
	unsigned top;			/* 0: the default */
	struct ld_sym_opts sym;
	struct ld_store_opts store;
};

/* A distinct stack: the frames of its first dump, and how many share it. */
struct stack_group {
	char *folded;			/* root;...;leaf, the grouping key */
	struct ld_stack frames;
	const char *example;		/* path of the first dump with it */
	size_t count;
};

/* One dump that counts: its summary, the index of its stack group and of its host. */
struct sample {
	const struct ld_dump_summary *s;
	size_t stack;
	size_t host;
};

struct counts {
	size_t total, used, complete, cut, damaged, no_header, filtered;
};

struct report {
	struct report_opts o;
	struct ld_dumpset set;
	struct sample *samples;
	size_t nsamples;
	struct stack_group *stacks;
	size_t nstacks;
	struct ld_sym_session *ss;
	struct counts c;
	struct ld_term term;
	char **pool;			/* key values made for histograms (codes, pids) */
	size_t npool;
	struct ld_stores stores;
	const char **hosts;		/* the distinct hosts of the samples */
	size_t nhosts;
	bool fleet;			/* from a store, or more than one host: say hosts and times */
};

/* A row of a histogram: one combination of key values. */
struct row {
	const char *val[K_NR];
	const struct sample *example;
	size_t count;
	uint64_t first_ns, last_ns;	/* issue times of its first and last dump */
	bool *seen;			/* by host index: a dump of the row from that host */
	size_t nhosts;
};

struct hist {
	enum key keys[K_NR];
	size_t nkeys;
	struct row *rows;
	size_t nrows;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump report [DIR|DUMP|STORE...] [--sort KEYS] [--comm COMM] [--since TIME]\n"
"                       [--json | --folded] [--top N] [--symfs DIR]\n"
"                       [--s3-endpoint URL] [--s3-region REGION] [--s3-credentials FILE]\n"
"\n"
"Counts by issue type, rule, executable and code of the dumps in DIR (default\n"
"%s), the dumps named or those of a fleet store (STORE), and the\n"
"distinct stacks of the thread that hit the issue, symbolized, with counts and\n"
"an example dump each; across hosts, each row also says on how many hosts and\n"
"when it was first and last seen.\n"
"\n"
"  --sort KEYS, --by KEYS\n"
"                  one histogram over a combination of keys instead, most\n"
"                  frequent first: a comma list of issue, rule, exe, comm, code,\n"
"                  pid, stack, unit (systemd's), container (RUNTIME:ID), host, kfunc\n"
"                  (the kernel function of the issue: a kernel probe's, else\n"
"                  the first of BPF's stack at the issue), and at\n"
"                  most one field of the decoded issue\n"
"                  (errno, device, syscall, signal, si_code, ...: docs/detectors.md)\n"
"  --comm COMM     only dumps of processes named COMM\n"
"  --since TIME    only issues since TIME (see livedump list --help)\n"
"  --top N         show the N most frequent stacks/rows (text: 10; JSON: all)\n"
"  --json          machine-readable output (docs/commands/report.md)\n"
"  --folded        the stacks as 'root;caller;leaf COUNT' lines, for flame graphs\n"
"  --symfs DIR     look for binaries under DIR first (analysis on another machine)\n"
"  --debuginfo-path PATH  where debug info is looked for (libdwfl syntax,\n"
"                  default \":.debug:/usr/lib/debug\")\n"
"  --color WHEN    auto (on a terminal, default), always, never\n"
LD_STORE_HELP
"\n"
"Cut dumps count with what they hold; damaged ones are skipped with a warning.\n"
"Exit status: 0 ok, 1 a path cannot be read, 2 usage.\n", LD_DEFAULT_OUTDIR);
}

/* --- options --------------------------------------------------------------------- */

static int parse_sort(const char *arg, struct report_opts *o)
{
	char *copy = strdup(arg), *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	o->nsort = 0;
	for (char *k = strtok_r(copy, ",", &save); k && !ret; k = strtok_r(NULL, ",", &save)) {
		size_t i = 0;

		while (i < K_FIELD && strcmp(k, key_names[i]))
			i++;
		/* Any other word names a decoded field (docs/detectors.md). */
		if (i == K_FIELD && k[0] && strlen(k) < sizeof(o->field) &&
		    strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(k) && !o->field[0]) {
			snprintf(o->field, sizeof(o->field), "%s", k);
			for (size_t c = 0; k[c]; c++)
				o->field_title[c] = k[c] >= 'a' && k[c] <= 'z' ? k[c] - 32 : k[c];
			o->field_title[strlen(k)] = 0;
		} else if (i == K_FIELD) {
			i = K_NR;
		}
		for (size_t j = 0; j < o->nsort && i < K_NR; j++)
			if (o->sort[j] == (enum key)i)
				i = K_NR + 1;
		if (i >= K_NR) {
			ld_err("report: --sort: '%s' is %s (keys: issue, rule, exe, comm, code, "
			       "pid, stack, unit, container, host, kfunc, or one field of the decoded issue such as "
			       "errno)", k,
			       i == K_NR ? "not a key" : "given twice");
			ret = -EINVAL;
		} else {
			o->sort[o->nsort++] = i;
		}
	}
	free(copy);
	if (!ret && !o->nsort) {
		ld_err("report: --sort needs at least one key");
		ret = -EINVAL;
	}
	return ret;
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "folded", no_argument, NULL, 'F' },
		{ "sort", required_argument, NULL, 'S' },
		{ "by", required_argument, NULL, 'S' },
		{ "top", required_argument, NULL, 'n' },
		{ "symfs", required_argument, NULL, 'y' },
		{ "debuginfo-path", required_argument, NULL, 'd' },
		LD_DUMPSET_LONGOPTS,
		LD_STORE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t num;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'F': o->folded = true; break;
		case 'y': o->sym.symfs = optarg; break;
		case 'd': o->sym.debuginfo_path = optarg; break;
		case 'S':
			if (parse_sort(optarg, o))
				return 2;
			break;
		case 'n':
			if (ld_opt_uint("--top", optarg, 1, UINT32_MAX, &num))
				return 2;
			o->top = num;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'c': case 's': case 'C':
			ret = ld_dumpset_parse_opt(c, optarg, "report", &o->filter, &o->color);
			if (ret >= 0)
				return ret;
			break;
		default:
			if (ld_store_parse_opt(c, optarg, &o->store))
				break;
			ld_err("report: unknown option or missing argument '%s'", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (o->json && o->folded) {
		ld_err("report: --json and --folded are two different outputs: choose one");
		return 2;
	}
	return -1;
}

/* --- stacks ------------------------------------------------------------------------- */

/* The triggering thread's stack of one dump; an empty one when it cannot be had. */
static int unwind(struct report *r, const struct ld_dump_summary *sum, struct ld_stack *st)
{
	/* A dump of a store: its sidecar's stack, or the dump fetched when that lacks names. */
	return ld_store_stack(sum, r->ss, st);
}

/* Adds st to its group (taking it when it starts a new one); the group's index. */
static int group_stack(struct report *r, struct ld_stack *st, const char *path, size_t *idx)
{
	char *key = ld_stack__folded(st);
	struct stack_group *v, *g;

	if (!key)
		return -ENOMEM;
	for (size_t i = 0; i < r->nstacks; i++) {
		if (!strcmp(r->stacks[i].folded, key)) {
			r->stacks[i].count++;
			*idx = i;
			free(key);
			ld_stack__free(st);
			return 0;
		}
	}
	v = realloc(r->stacks, (r->nstacks + 1) * sizeof(*v));
	if (!v) {
		free(key);
		return -ENOMEM;
	}
	r->stacks = v;
	g = &v[r->nstacks];
	g->folded = key;
	g->frames = *st;
	g->example = path;
	g->count = 1;
	*idx = r->nstacks++;
	return 0;
}

/* --- collecting ------------------------------------------------------------------------ */

static bool needs_stacks(const struct report_opts *o)
{
	if (!o->nsort || o->json || o->folded)
		return true;
	for (size_t i = 0; i < o->nsort; i++)
		if (o->sort[i] == K_STACK)
			return true;
	return false;
}

/* Counts one dump; false when it does not count (filtered, damaged, no header). */
static bool admit(struct report *r, const struct ld_dump_summary *s)
{
	/* A group is one issue, counted by its trigger's dump; the others are in "Groups". */
	if (s->group && !s->group_trigger)
		return false;
	r->c.total++;
	if (!ld_dump_filter__match(&r->o.filter, s)) {
		r->c.filtered++;
		return false;
	}
	if (s->state == LD_DUMP_DAMAGED) {
		r->c.damaged++;
		ld_warn("%s (skipped)", s->why);
		return false;
	}
	if (s->state == LD_DUMP_CUT)
		r->c.cut++;
	else
		r->c.complete++;
	if (!s->has_header) {
		r->c.no_header++;
		ld_warn("%s (not counted: the header is missing)", s->why ? s->why : s->path);
		return false;
	}
	r->c.used++;
	return true;
}

static int host_index(struct report *r, const char *host, size_t *idx)
{
	const char **v;

	for (size_t i = 0; i < r->nhosts; i++)
		if (!strcmp(r->hosts[i], host)) {
			*idx = i;
			return 0;
		}
	v = realloc(r->hosts, (r->nhosts + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->hosts = v;
	v[r->nhosts] = host;	/* the summary's, which outlives the report */
	*idx = r->nhosts++;
	return 0;
}

static int collect(struct report *r)
{
	bool stacks = needs_stacks(&r->o);

	r->samples = calloc(r->set.n ? r->set.n : 1, sizeof(*r->samples));
	if (!r->samples)
		return -ENOMEM;
	for (size_t i = 0; i < r->set.n; i++) {
		const struct ld_dump_summary *s = &r->set.v[i];
		struct sample *sm = &r->samples[r->nsamples];
		struct ld_stack st = { 0 };
		int err;

		if (!admit(r, s))
			continue;
		sm->s = s;
		err = host_index(r, s->host[0] ? s->host : "-", &sm->host);
		if (!err)
			err = stacks ? unwind(r, s, &st) : 0;
		if (!err)
			err = group_stack(r, &st, s->path, &sm->stack);
		if (err) {
			ld_stack__free(&st);
			return err;
		}
		r->nsamples++;
	}
	r->fleet = r->nhosts > 1 || r->stores.n;
	for (size_t i = 0; i < ld_sym_session__nmissing(r->ss); i++)
		ld_warn("no file for %s: frames in it show as object+offset%s",
			ld_sym_session__missing(r->ss, i),
			r->o.sym.symfs ? "" : " (--symfs DIR looks under DIR first)");
	return 0;
}

/* --- histograms ------------------------------------------------------------------------- */

static const char *key_name(const struct report *r, enum key k)
{
	return k == K_FIELD ? r->o.field : key_names[k];
}

/* Key values as strings; the stack as its group index, so rows can point at it. */
static const char *key_value(const struct report *r, const struct sample *sm, enum key k,
			     char *buf, size_t len)
{
	const struct ld_dump_summary *s = sm->s;

	switch (k) {
	case K_ISSUE: return s->issue ? s->issue : "-";
	case K_FIELD: {
		const struct ld_field *x = s->fields ? ld_fields__get(s->fields, r->o.field) : NULL;

		return x ? ld_field__text(x, buf, len) : "-";
	}
	case K_RULE: return s->rule[0] ? s->rule : "-";
	case K_EXE: return s->exe[0] ? s->exe : "-";
	case K_COMM: return s->comm[0] ? s->comm : "-";
	case K_CODE: snprintf(buf, len, "0x%x", s->code); return buf;
	case K_PID: snprintf(buf, len, "%u", s->pid); return buf;
	case K_STACK: return r->stacks[sm->stack].folded;
	case K_UNIT: return s->unit[0] ? s->unit : "-";
	case K_CONTAINER: return s->container_runtime[0] ? ld_dump_summary__container(s, buf, len)
						  : "-";
	case K_KFUNC: return s->kfunc[0] ? s->kfunc : "-";
	case K_HOST: return s->host[0] ? s->host : "-";
	case K_NR: break;
	}
	return "-";
}

static bool row_matches(const struct row *row, const struct hist *h, const char **vals)
{
	for (size_t k = 0; k < h->nkeys; k++)
		if (strcmp(row->val[h->keys[k]], vals[h->keys[k]]))
			return false;
	return true;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	/* Equal counts: the earlier example first, for a stable order. */
	return x->example < y->example ? -1 : x->example > y->example;
}

/*
 * Values point into the samples' summaries and the stack groups, which
 * outlive the histogram, except those key_value() made in its buffer
 * (code, pid, a field, a container): those are kept in the pool.
 */
static const char *intern(struct report *r, const char *v, enum key k)
{
	char **p;

	if (k != K_CODE && k != K_PID && k != K_FIELD && k != K_CONTAINER)
		return v;
	for (size_t i = 0; i < r->npool; i++)
		if (!strcmp(r->pool[i], v))
			return r->pool[i];
	p = realloc(r->pool, (r->npool + 1) * sizeof(*p));
	if (!p)
		return NULL;
	r->pool = p;
	p[r->npool] = strdup(v);
	return p[r->npool] ? p[r->npool++] : NULL;
}

static int build_hist(struct report *r, struct hist *h)
{
	for (size_t i = 0; i < r->nsamples; i++) {
		const struct sample *sm = &r->samples[i];
		const char *vals[K_NR] = { 0 };
		struct row *row = NULL;
		char buf[K_NR][512];

		for (size_t k = 0; k < h->nkeys; k++) {
			enum key key = h->keys[k];

			vals[key] = intern(r, key_value(r, sm, key, buf[key], sizeof(buf[key])), key);
			if (!vals[key])
				return -ENOMEM;
		}
		for (size_t j = 0; j < h->nrows && !row; j++)
			if (row_matches(&h->rows[j], h, vals))
				row = &h->rows[j];
		if (!row) {
			struct row *v = realloc(h->rows, (h->nrows + 1) * sizeof(*v));

			if (!v)
				return -ENOMEM;
			h->rows = v;
			row = &v[h->nrows++];
			memset(row, 0, sizeof(*row));
			memcpy(row->val, vals, sizeof(vals));
			row->example = sm;
			row->first_ns = row->last_ns = sm->s->time_ns;
			row->seen = calloc(r->nhosts ? r->nhosts : 1, sizeof(*row->seen));
			if (!row->seen)
				return -ENOMEM;
		}
		row->count++;
		/* Samples are in time order, but unknown times (0) sort first. */
		if (sm->s->time_ns && (!row->first_ns || sm->s->time_ns < row->first_ns))
			row->first_ns = sm->s->time_ns;
		if (sm->s->time_ns > row->last_ns)
			row->last_ns = sm->s->time_ns;
		if (!row->seen[sm->host]) {
			row->seen[sm->host] = true;
			row->nhosts++;
		}
	}
	if (h->nrows)	/* none: h->rows is NULL, which qsort may not be given */
		qsort(h->rows, h->nrows, sizeof(*h->rows), cmp_rows);
	return 0;
}

static void hist_free(struct hist *h)
{
	for (size_t i = 0; i < h->nrows; i++)
		free(h->rows[i].seen);
	free(h->rows);
	memset(h, 0, sizeof(*h));
}

static int hist_of(struct report *r, const enum key *keys, size_t nkeys, struct hist *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->keys, keys, nkeys * sizeof(*keys));
	h->nkeys = nkeys;
	return build_hist(r, h);
}

static bool hist_has(const struct hist *h, enum key k)
{
	for (size_t i = 0; i < h->nkeys; i++)
		if (h->keys[i] == k)
			return true;
	return false;
}

static double percent(const struct report *r, size_t count)
{
	return r->nsamples ? 100.0 * count / r->nsamples : 0;
}

static size_t stack_index(const struct report *r, const struct row *row)
{
	return row->example->stack < r->nstacks ? row->example->stack : 0;
}

/* --- text -------------------------------------------------------------------------------- */

static const char *short_path(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

static void text_frames(const struct report *r, const struct ld_stack *st)
{
	struct ld_table *t = ld_table__new(6);
	char name[512];

	if (!st->n) {
		printf("      (no stack: the thread has no registers or its stack is not in the dump)\n");
		ld_table__free(t);
		return;
	}
	if (!t)
		return;
	ld_table__column(t, "FUNCTION", LD_COL_SHRINK);
	ld_table__column(t, "OBJECT", LD_COL_SHRINK);
	ld_table__column(t, "SOURCE", LD_COL_SHRINK | LD_COL_OPTIONAL);
	for (size_t i = 0; i < st->n; i++) {
		const struct ld_frame *f = &st->frames[i];

		ld_table__row(t);
		ld_table__cell(t, f->function ? LD_COLOR_NONE : LD_COLOR_DIM, "%s%s%s",
			       ld_frame__name(f, true, name, sizeof(name)),
			       f->inlined ? " (inlined)" : "", f->kernel ? " [kernel]" : "");
		ld_table__cell(t, LD_COLOR_DIM, "%s%s", f->module ? short_path(f->module) :
			       f->kernel ? "[kernel]" : "?", f->debuginfod ? " [debuginfod]" : "");
		if (f->file)
			ld_table__cell(t, LD_COLOR_NONE, "%s:%u", short_path(f->file), f->line);
		else
			ld_table__cell(t, LD_COLOR_NONE, "-");
	}
	ld_table__print(t, stdout, &r->term);
	ld_table__free(t);
	if (st->truncated)
		printf("      ... (more frames: the walk stopped at the frame limit)\n");
}

static void text_heading(const struct report *r, const char *title)
{
	putchar('\n');
	ld_term_puts(&r->term, stdout, LD_COLOR_BOLD, title);
	putchar('\n');
}

/* Rows without the stack key: one table; rows with it: a block each. */
static void text_hist(const struct report *r, const struct hist *h, unsigned top)
{
	size_t n = top && top < h->nrows ? top : h->nrows;
	struct ld_table *t;

	if (hist_has(h, K_STACK)) {
		for (size_t i = 0; i < n; i++) {
			const struct row *row = &h->rows[i];
			char head[128];

			snprintf(head, sizeof(head), "#%zu  %zu dump%s (%.1f%%)", i + 1, row->count,
				 row->count == 1 ? "" : "s", percent(r, row->count));
			printf("\n  ");
			ld_term_puts(&r->term, stdout, LD_COLOR_BOLD, head);
			if (r->fleet) {
				char t1[32], t2[32];

				printf("  on %zu host%s, first %s, last %s", row->nhosts,
				       row->nhosts == 1 ? "" : "s",
				       ld_fmt_local_time(row->first_ns, t1, sizeof(t1)),
				       ld_fmt_local_time(row->last_ns, t2, sizeof(t2)));
			}
			for (size_t k = 0; k < h->nkeys; k++)
				if (h->keys[k] != K_STACK) {
					/* exe, comm: the target's (escape.h) */
					printf("  %s ", key_name(r, h->keys[k]));
					ld_escape_fput(stdout, row->val[h->keys[k]], SIZE_MAX);
				}
			printf("  e.g. ");
			ld_escape_fput(stdout, short_path(row->example->s->path), SIZE_MAX);
			putchar('\n');
			text_frames(r, &r->stacks[stack_index(r, row)].frames);
		}
	} else {
		t = ld_table__new(2);
		if (!t)
			return;
		ld_table__column(t, "COUNT", LD_COL_RIGHT);
		ld_table__column(t, "%", LD_COL_RIGHT);
		if (r->fleet) {
			ld_table__column(t, "HOSTS", LD_COL_RIGHT);
			ld_table__column(t, "FIRST SEEN", 0);
			ld_table__column(t, "LAST SEEN", 0);
		}
		for (size_t k = 0; k < h->nkeys; k++)
			ld_table__column(t, h->keys[k] == K_FIELD ? r->o.field_title :
					 key_titles[h->keys[k]], LD_COL_SHRINK);
		for (size_t i = 0; i < n; i++) {
			char t1[32], t2[32];

			ld_table__row(t);
			ld_table__cell(t, LD_COLOR_NONE, "%zu", h->rows[i].count);
			ld_table__cell(t, LD_COLOR_NONE, "%.1f", percent(r, h->rows[i].count));
			if (r->fleet) {
				ld_table__cell(t, LD_COLOR_NONE, "%zu", h->rows[i].nhosts);
				ld_table__cell(t, LD_COLOR_NONE, "%s",
					       ld_fmt_local_time(h->rows[i].first_ns, t1, sizeof(t1)));
				ld_table__cell(t, LD_COLOR_NONE, "%s",
					       ld_fmt_local_time(h->rows[i].last_ns, t2, sizeof(t2)));
			}
			for (size_t k = 0; k < h->nkeys; k++)
				ld_table__cell(t, LD_COLOR_NONE, "%s", h->rows[i].val[h->keys[k]]);
		}
		ld_table__print(t, stdout, &r->term);
		ld_table__free(t);
	}
	if (n < h->nrows)
		printf("  ... %zu more (--top N shows more)\n", h->nrows - n);
}

static void text_summary(const struct report *r)
{
	char t1[32], t2[32];

	printf("%zu dump%s", r->c.used, r->c.used == 1 ? "" : "s");
	if (r->fleet)
		printf(" on %zu host%s", r->nhosts, r->nhosts == 1 ? "" : "s");
	/* Cut dumps without a header are among the unreadable ones below. */
	if (r->c.cut > r->c.no_header)
		printf(" (%zu cut)", r->c.cut - r->c.no_header);
	if (r->nsamples)
		printf(", %s .. %s",
		       ld_fmt_local_time(r->samples[0].s->time_ns, t1, sizeof(t1)),
		       ld_fmt_local_time(r->samples[r->nsamples - 1].s->time_ns, t2, sizeof(t2)));
	if (r->c.filtered)
		printf("; %zu filtered out", r->c.filtered);
	if (r->c.damaged + r->c.no_header)
		printf("; %zu unreadable, skipped", r->c.damaged + r->c.no_header);
	putchar('\n');
}

/* What came from debuginfod: the frames marked [debuginfod] were symbolized with it. */
static void text_debuginfod(const struct report *r)
{
	const struct ld_debuginfod *c = ld_sym_session__debuginfod(r->ss);

	if (!ld_debuginfod__ngot(c))
		return;
	text_heading(r, "From debuginfod");
	printf("  frames marked [debuginfod] were symbolized with files from %s:\n",
	       ld_debuginfod__urls(c));
	for (size_t i = 0; i < ld_debuginfod__ngot(c); i++)
		printf("  %s\n", ld_debuginfod__got(c, i));
}

/* --- groups (dumps taken together: group/manifest.h) --------------------------------------- */

static const struct ld_manifest_thread *main_thread(const struct ld_manifest *mf, pid_t pid)
{
	for (size_t i = 0; i < mf->nt; i++)
		if (mf->t[i].tid == pid)
			return &mf->t[i];
	return NULL;
}

static const struct ld_dump_summary *member_dump(const struct report *r,
						 const struct ld_manifest *mf,
						 const struct ld_manifest_member *m)
{
	for (size_t i = 0; m->dump[0] && i < r->set.n; i++)
		if (r->set.v[i].group == mf && !strcmp(r->set.v[i].name, m->dump))
			return &r->set.v[i];
	return NULL;
}

/* "read (fd 4) in unix_stream_read_generic, waits for 1234 via unix" */
static const char *doing(const struct ld_manifest_thread *t, char *buf, size_t len)
{
	if (!t) {
		snprintf(buf, len, "(not read)");
		return buf;
	}
	snprintf(buf, len, "%s", t->syscall[0] ? t->syscall : "?");
	if (t->fd >= 0)
		snprintf(buf + strlen(buf), len - strlen(buf), " (fd %d)", t->fd);
	if (t->wchan[0])
		snprintf(buf + strlen(buf), len - strlen(buf), " in %s", t->wchan);
	if (t->waits_for)
		snprintf(buf + strlen(buf), len - strlen(buf), ", waits for %d via %s",
			 t->waits_for, t->via);
	return buf;
}

static int text_groups(struct report *r)
{
	if (!r->set.ngroups)
		return 0;
	text_heading(r, "Groups: what each member was doing");
	for (size_t g = 0; g < r->set.ngroups; g++) {
		const struct ld_manifest *mf = &r->set.groups[g];
		char tbuf[64], what[256];

		printf("group %s rule %s scope %s%s%s frozen by %s: %zu members  %s\n",
		       ld_fmt_local_time(mf->time_ns, tbuf, sizeof(tbuf)), mf->rule, mf->scope,
		       mf->cgroup[0] ? " " : "", mf->cgroup, mf->freezer, mf->n, short_path(mf->path));
		if (mf->degraded[0])
			printf("  degraded: %s\n", mf->degraded);
		for (size_t i = 0; i < mf->n; i++) {
			const struct ld_manifest_member *m = &mf->m[i];
			const struct ld_dump_summary *sum = member_dump(r, mf, m);
			struct ld_stack st;
			int err;

			printf("  pid %d (%s) %s %s: %s\n", m->pid, m->comm, m->trigger ? "trigger" : "peer",
			       m->status, doing(main_thread(mf, m->pid), what, sizeof(what)));
			if (!sum || !needs_stacks(&r->o))
				continue;
			err = unwind(r, sum, &st);
			if (err)
				return err;
			text_frames(r, &st);
			ld_stack__free(&st);
		}
		for (size_t i = 0; i < mf->nl; i++)
			printf("  link %s: %d fd %d <-> %d fd %d  %s\n", mf->l[i].kind, mf->l[i].a,
			       mf->l[i].afd, mf->l[i].b, mf->l[i].bfd, mf->l[i].what);
	}
	return 0;
}

static void json_groups(struct ld_json *j, const struct report *r)
{
	ld_json__key(j, "groups");
	ld_json__begin_array(j);
	for (size_t g = 0; g < r->set.ngroups; g++) {
		const struct ld_manifest *mf = &r->set.groups[g];

		ld_json__begin_object(j);
		ld_json__kstr(j, "manifest", mf->path);
		ld_json__kstr(j, "rule", mf->rule);
		ld_json__kstr(j, "issue", mf->issue);
		ld_json__kstr(j, "scope", mf->scope);
		ld_json__kstr(j, "freezer", mf->freezer);
		ld_json__key(j, "members");
		ld_json__begin_array(j);
		for (size_t i = 0; i < mf->n; i++) {
			const struct ld_manifest_member *m = &mf->m[i];
			const struct ld_manifest_thread *t = main_thread(mf, m->pid);

			ld_json__begin_object(j);
			ld_json__kint(j, "pid", m->pid);
			ld_json__kstr(j, "comm", m->comm);
			ld_json__kstr(j, "role", m->trigger ? "trigger" : "peer");
			ld_json__kstr(j, "status", m->status);
			ld_json__kstr(j, "dump", m->dump[0] ? m->dump : NULL);
			ld_json__kstr(j, "syscall", t && t->syscall[0] ? t->syscall : NULL);
			ld_json__kstr(j, "wchan", t && t->wchan[0] ? t->wchan : NULL);
			if (t && t->waits_for)
				ld_json__kint(j, "waits_for", t->waits_for);
			else
				ld_json__knull(j, "waits_for");
			ld_json__end_object(j);
		}
		ld_json__end_array(j);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static int print_text(struct report *r)
{
	static const enum key overview[] = { K_ISSUE, K_RULE, K_EXE, K_CODE, K_HOST };
	static const char *const titles[] = {
		"By issue type", "By rule", "By executable", "By code", "By host",
	};
	/* By host: for a fleet only (one host says nothing). */
	size_t noverview = r->fleet ? 5 : 4;
	unsigned top = r->o.top ? r->o.top : TEXT_TOP_DEFAULT;
	struct hist h;
	int err = 0;

	ld_term_init(&r->term, stdout, r->o.color);
	text_summary(r);
	if (!r->nsamples)
		return 0;
	if (r->o.nsort) {
		err = hist_of(r, r->o.sort, r->o.nsort, &h);
		if (!err) {
			char title[128] = "By";

			for (size_t k = 0; k < r->o.nsort; k++)
				snprintf(title + strlen(title), sizeof(title) - strlen(title), "%s %s",
					 k ? "," : "", key_name(r, r->o.sort[k]));
			text_heading(r, title);
			text_hist(r, &h, top);
		}
		hist_free(&h);
		return err;
	}
	for (size_t i = 0; i < noverview && !err; i++) {
		err = hist_of(r, &overview[i], 1, &h);
		if (!err) {
			text_heading(r, titles[i]);
			text_hist(r, &h, top);
		}
		hist_free(&h);
	}
	if (!err) {
		enum key k = K_STACK;

		err = hist_of(r, &k, 1, &h);
		if (!err) {
			text_heading(r, r->fleet ? "Top signatures across the fleet: stacks of the "
				     "thread that hit the issue" : "Stacks of the thread that hit the issue");
			text_hist(r, &h, top);
		}
		hist_free(&h);
	}
	if (!err)
		err = text_groups(r);
	if (!err)
		text_debuginfod(r);
	return err;
}

/* --- folded ------------------------------------------------------------------------------ */

static int print_folded(struct report *r)
{
	enum key k = K_STACK;
	struct hist h;
	int err = hist_of(r, &k, 1, &h);

	for (size_t i = 0; !err && i < h.nrows && (!r->o.top || i < r->o.top); i++)
		if (h.rows[i].val[K_STACK][0])
		{
			ld_escape_fput(stdout, h.rows[i].val[K_STACK], SIZE_MAX);
			printf(" %zu\n", h.rows[i].count);
		}
	hist_free(&h);
	return err;
}

/* --- JSON ------------------------------------------------------------------------------------ */

static void json_time(struct ld_json *j, const char *key, uint64_t ns)
{
	char buf[48];

	ld_json__key(j, key);
	if (ns)
		ld_json__string(j, ld_fmt_iso_time(ns, buf, sizeof(buf)));
	else
		ld_json__null(j);
}

static void json_counts(struct ld_json *j, const struct report *r)
{
	ld_json__key(j, "dumps");
	ld_json__begin_object(j);
	ld_json__kuint(j, "total", r->c.total);
	ld_json__kuint(j, "counted", r->c.used);
	ld_json__kuint(j, "complete", r->c.complete);
	ld_json__kuint(j, "cut", r->c.cut);
	ld_json__kuint(j, "damaged", r->c.damaged);
	ld_json__kuint(j, "no_header", r->c.no_header);
	ld_json__kuint(j, "filtered_out", r->c.filtered);
	ld_json__end_object(j);
	json_time(j, "first", r->nsamples ? r->samples[0].s->time_ns : 0);
	json_time(j, "last", r->nsamples ? r->samples[r->nsamples - 1].s->time_ns : 0);
	ld_json__key(j, "filters");
	ld_json__begin_object(j);
	ld_json__kstr(j, "comm", r->o.filter.comm);
	json_time(j, "since", r->o.filter.since_ns);
	ld_json__end_object(j);
}

static void json_key_value(struct ld_json *j, const struct report *r, const struct row *row,
			   enum key k)
{
	const struct ld_dump_summary *s = row->example->s;

	switch (k) {
	case K_CODE:
		ld_json__kuint(j, "code", s->code);
		ld_json__key(j, "code_hex");
		ld_json__stringf(j, "0x%x", s->code);
		break;
	case K_PID:
		ld_json__kuint(j, "pid", s->pid);
		break;
	case K_STACK:
		ld_json__kuint(j, "stack", stack_index(r, row));
		break;
	default:
		ld_json__kstr(j, key_name(r, k), row->val[k]);
	}
}

static void json_rows(struct ld_json *j, const struct report *r, const struct hist *h,
		      bool nested)
{
	size_t n = r->o.top && r->o.top < h->nrows ? r->o.top : h->nrows;

	ld_json__begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const struct row *row = &h->rows[i];

		ld_json__begin_object(j);
		ld_json__kuint(j, "count", row->count);
		ld_json__key(j, "percent");
		ld_json__double(j, percent(r, row->count));
		ld_json__kuint(j, "hosts", row->nhosts);
		json_time(j, "first", row->first_ns);
		json_time(j, "last", row->last_ns);
		if (nested) {
			ld_json__key(j, "keys");
			ld_json__begin_object(j);
		}
		for (size_t k = 0; k < h->nkeys; k++)
			json_key_value(j, r, row, h->keys[k]);
		if (nested)
			ld_json__end_object(j);
		ld_json__kstr(j, "example", row->example->s->path);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

/* Every distinct stack, in the order of the stack histogram (which "stack" indexes). */
static void json_stacks(struct ld_json *j, struct report *r)
{
	size_t n = r->o.top && r->o.top < r->nstacks ? r->o.top : r->nstacks;
	enum key k = K_STACK;
	struct hist h;
	int err = hist_of(r, &k, 1, &h);

	ld_json__key(j, "stacks");
	ld_json__begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const struct stack_group *g = &r->stacks[i];

		ld_json__begin_object(j);
		ld_json__kuint(j, "count", g->count);
		ld_json__key(j, "percent");
		ld_json__double(j, percent(r, g->count));
		ld_json__kstr(j, "example", g->example);
		/* The stack's row (the histogram is in the same order, ties aside). */
		for (size_t row = 0; !err && row < h.nrows; row++)
			if (stack_index(r, &h.rows[row]) == i) {
				ld_json__kuint(j, "hosts", h.rows[row].nhosts);
				json_time(j, "first", h.rows[row].first_ns);
				json_time(j, "last", h.rows[row].last_ns);
			}
		ld_json__kstr(j, "folded", g->folded);
		ld_json__kbool(j, "truncated", g->frames.truncated);
		ld_json__key(j, "frames");
		ld_json__begin_array(j);
		for (size_t f = 0; f < g->frames.n; f++)
			ld_frame__json(&g->frames.frames[f], j);
		ld_json__end_array(j);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
	hist_free(&h);
}

static void json_problems(struct ld_json *j, const struct report *r)
{
	ld_json__key(j, "problems");
	ld_json__begin_array(j);
	for (size_t i = 0; i < r->set.n; i++) {
		const struct ld_dump_summary *s = &r->set.v[i];

		if (s->state == LD_DUMP_COMPLETE || !ld_dump_filter__match(&r->o.filter, s))
			continue;
		ld_json__begin_object(j);
		ld_json__kstr(j, "file", s->path);
		ld_json__kstr(j, "state", ld_dump_state_name(s->state));
		ld_json__kbool(j, "counted", s->state == LD_DUMP_CUT && s->has_header);
		ld_json__kstr(j, "why", s->why);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
	ld_json__key(j, "missing_objects");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_sym_session__nmissing(r->ss); i++)
		ld_json__string(j, ld_sym_session__missing(r->ss, i));
	ld_json__end_array(j);
	ld_json__key(j, "debuginfod");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_debuginfod__ngot(ld_sym_session__debuginfod(r->ss)); i++)
		ld_json__string(j, ld_debuginfod__got(ld_sym_session__debuginfod(r->ss), i));
	ld_json__end_array(j);
}

static int print_json(struct report *r)
{
	static const enum key overview[] = { K_ISSUE, K_RULE, K_EXE, K_CODE, K_HOST };
	static const char *const names[] = { "by_issue", "by_rule", "by_exe", "by_code", "by_host" };
	struct ld_json j;
	struct hist h;
	int err = 0;

	ld_json__init(&j, stdout, LD_JSON_PRETTY);
	ld_json__begin_object(&j);
	ld_json__kuint(&j, "version", 1);
	json_counts(&j, r);
	for (size_t i = 0; i < 5 && !err; i++) {
		err = hist_of(r, &overview[i], 1, &h);
		ld_json__key(&j, names[i]);
		json_rows(&j, r, &h, false);
		hist_free(&h);
	}
	json_stacks(&j, r);
	ld_json__key(&j, "sorted");
	if (r->o.nsort && !err) {
		ld_json__begin_object(&j);
		ld_json__key(&j, "keys");
		ld_json__begin_array(&j);
		for (size_t k = 0; k < r->o.nsort; k++)
			ld_json__string(&j, key_name(r, r->o.sort[k]));
		ld_json__end_array(&j);
		err = hist_of(r, r->o.sort, r->o.nsort, &h);
		ld_json__key(&j, "rows");
		json_rows(&j, r, &h, true);
		hist_free(&h);
		ld_json__end_object(&j);
	} else {
		ld_json__null(&j);
	}
	json_groups(&j, r);
	json_problems(&j, r);
	ld_json__end_object(&j);
	return err ? err : ld_json__end(&j);
}

/* --- command ---------------------------------------------------------------------------- */

/*
 * The stacks in the order of their histogram — most frequent first, ties
 * in the order of their first dump — so that JSON's "stacks" array, the
 * "stack" indexes and the text's #N agree.
 */
struct order {
	size_t count, old;
};

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->old < y->old ? -1 : x->old > y->old;
}

static int sort_stacks(struct report *r)
{
	size_t n = r->nstacks ? r->nstacks : 1;
	struct order *order = malloc(n * sizeof(*order));
	struct stack_group *old = malloc(n * sizeof(*old));
	size_t *pos = malloc(n * sizeof(*pos));

	if (!order || !old || !pos) {
		free(order);
		free(old);
		free(pos);
		return -ENOMEM;
	}
	if (r->nstacks)	/* none: r->stacks is NULL, which memcpy may not be given */
		memcpy(old, r->stacks, r->nstacks * sizeof(*old));
	for (size_t i = 0; i < r->nstacks; i++)
		order[i] = (struct order){ r->stacks[i].count, i };
	qsort(order, r->nstacks, sizeof(*order), cmp_order);
	for (size_t i = 0; i < r->nstacks; i++) {
		r->stacks[i] = old[order[i].old];
		pos[order[i].old] = i;
	}
	for (size_t i = 0; i < r->nsamples; i++)
		r->samples[i].stack = pos[r->samples[i].stack];
	free(order);
	free(old);
	free(pos);
	return 0;
}

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->nstacks; i++) {
		free(r->stacks[i].folded);
		ld_stack__free(&r->stacks[i].frames);
	}
	free(r->stacks);
	ld_sym_session__free(r->ss);
	free(r->samples);
	free(r->hosts);
	for (size_t i = 0; i < r->npool; i++)
		free(r->pool[i]);
	free(r->pool);
	ld_dumpset__free(&r->set);
	ld_stores__free(&r->stores);
}

int cmd_report(int argc, char **argv)
{
	struct report r;
	char err[1024];
	int ret;

	memset(&r, 0, sizeof(r));
	ret = parse_args(argc, argv, &r.o);
	if (ret >= 0)
		return ret;
	ret = ld_stores_dumpset_load(&r.stores, &r.set, argv + optind, argc - optind,
				     LD_DEFAULT_OUTDIR, &r.o.store, err, sizeof(err));
	if (ret) {
		ld_err("report: %s", err);
		report_free(&r);
		return 1;
	}
	ret = ld_sym_session__new(&r.o.sym, &r.ss);
	if (!ret)
		ret = collect(&r);
	if (!ret)
		ret = sort_stacks(&r);
	if (!ret)
		ret = r.o.json ? print_json(&r) : r.o.folded ? print_folded(&r) : print_text(&r);
	if (!ret && (fflush(stdout) || ferror(stdout)))
		ret = -EIO;
	report_free(&r);
	if (ret) {
		ld_err("report: %s", ret == -EIO ? "writing the output failed" : strerror(-ret));
		return 1;
	}
	return 0;
}
