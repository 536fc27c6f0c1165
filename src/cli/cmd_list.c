// SPDX-License-Identifier: MIT
/*
 * livedump list [DIR|DUMP...] [--json] [--comm C] [--since T]: one line per
 * dump, like coredumpctl list.  The --json fields are an interface:
 * docs/commands/list.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "dump/dump_reader.h"
#include "dump/dumpset.h"
#include "detectors/fields.h"
#include "base/json.h"
#include "base/log.h"
#include "group/manifest.h"
#include "dump/outdir.h"
#include "base/table.h"
#include "fleet/store.h"

struct list_opts {
	bool json;
	enum ld_color_when color;
	struct ld_dump_filter filter;
	struct ld_store_opts store;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump list [DIR|DUMP|STORE...] [--json] [--comm COMM] [--since TIME]\n"
"                     [--s3-endpoint URL] [--s3-region REGION] [--s3-credentials FILE]\n"
"\n"
"One line per dump in DIR (default %s), of the dumps named,\n"
"or in a fleet store (STORE: s3://BUCKET[/PREFIX], file://DIR), with its HOST,\n"
"oldest first: issue time, issue, rule, pid, comm, code, capture type, size\n"
"and state (complete, cut: readable up to where it was cut, damaged).\n"
"\n"
"  --json          machine-readable output (docs/commands/list.md)\n"
"  --comm COMM     only dumps of processes named COMM\n"
"  --since TIME    only dumps of issues since TIME: 2026-11-21, \"2026-11-21 09:30\",\n"
"                  today, yesterday, @EPOCH, or a time ago: 90s, 15m, 2h, 7d\n"
"  --color WHEN    auto (on a terminal, default), always, never\n"
LD_STORE_HELP
"\n"
"Exit status: 0 ok (also when some dumps are cut or damaged), 1 a path\n"
"cannot be read, 2 usage.\n", LD_DEFAULT_OUTDIR);
}

static int parse_args(int argc, char **argv, struct list_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		LD_DUMPSET_LONGOPTS,
		LD_STORE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'c': case 's': case 'C':
			ret = ld_dumpset_parse_opt(c, optarg, "list", &o->filter, &o->color);
			if (ret >= 0)
				return ret;
			break;
		default:
			if (ld_store_parse_opt(c, optarg, &o->store))
				break;
			ld_err("list: unknown option or missing argument '%s'", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

/* --- unfinished dumps ---------------------------------------------------------------- */

/* A temporary file of a dump in a directory listed: never shown as a dump, but said. */
struct unfinished {
	char *path;
	pid_t writer;
	uint64_t bytes;
	bool stale;
};

struct unfinished_set {
	struct unfinished *v;
	size_t n;
	int err;
};

struct scan_ctx {
	struct unfinished_set *u;
	const char *dir;
};

static void add_unfinished(void *arg, const struct ld_tmpfile *t)
{
	const struct scan_ctx *ctx = arg;
	struct unfinished_set *u = ctx->u;
	const char *dir = ctx->dir;
	struct unfinished *v = realloc(u->v, (u->n + 1) * sizeof(*v));

	if (!v || asprintf(&v[u->n].path, "%s/%s", dir, t->name) < 0) {
		if (v)
			u->v = v;
		u->err = -ENOMEM;
		return;
	}
	u->v = v;
	v[u->n].writer = t->writer;
	v[u->n].bytes = t->bytes;
	v[u->n].stale = t->stale;
	u->n++;
}

/*
 * The temporary files of dumps in the directories listed (none: the
 * default one).  list only reads: the next record removes the stale ones.
 */
static int find_unfinished(char **paths, int npaths, struct unfinished_set *u)
{
	const char *def = LD_DEFAULT_OUTDIR;

	if (!npaths) {
		paths = (char **)&def;
		npaths = 1;
	}
	for (int i = 0; i < npaths && !u->err; i++) {
		int fd = open(paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct scan_ctx ctx = { u, paths[i] };

		if (fd < 0)
			continue;	/* a dump, or said by ld_dumpset_load */
		ld_tmp_scan(fd, false, add_unfinished, &ctx, NULL);
		close(fd);
	}
	return u->err;
}

static void tell_unfinished(const struct unfinished_set *u)
{
	for (size_t i = 0; i < u->n; i++) {
		const struct unfinished *f = &u->v[i];
		char sz[16], who[48];
		const char *slash = strrchr(f->path, '/');

		ld_fmt_short_size(f->bytes, sz, sizeof(sz));
		if (f->writer)
			snprintf(who, sizeof(who), "pid %d", (int)f->writer);
		else
			snprintf(who, sizeof(who), "an older livedump");
		if (f->stale)
			ld_warn("%s (%s): a dump never finished, its writer (%s) was killed while "
				"writing it: not listed; the next record into %.*s removes it",
				f->path, sz, who, (int)(slash - f->path), f->path);
		else
			ld_info("%s (%s so far): a dump %s is writing: not listed yet",
				f->path, sz, who);
	}
}

static void json_unfinished(struct ld_json *j, const struct unfinished_set *u)
{
	ld_json__key(j, "unfinished");
	ld_json__begin_array(j);
	for (size_t i = 0; i < u->n; i++) {
		ld_json__begin_object(j);
		ld_json__kstr(j, "file", u->v[i].path);
		ld_json__kuint(j, "size", u->v[i].bytes);
		ld_json__kstr(j, "state", u->v[i].stale ? "stale" : "writing");
		if (u->v[i].writer)
			ld_json__kuint(j, "writer_pid", u->v[i].writer);
		else
			ld_json__knull(j, "writer_pid");
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static void unfinished_free(struct unfinished_set *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->v[i].path);
	free(u->v);
}

/* --- text ---------------------------------------------------------------------- */

static enum ld_color state_color(enum ld_dump_state s)
{
	return s == LD_DUMP_COMPLETE ? LD_COLOR_NONE :
	       s == LD_DUMP_CUT ? LD_COLOR_YELLOW : LD_COLOR_RED;
}

static size_t group_dumped(const struct ld_manifest *mf)
{
	size_t n = 0;

	for (size_t i = 0; i < mf->n; i++)
		n += !strcmp(mf->m[i].status, "dumped");
	return n;
}

static void text_row(struct ld_table *t, const struct ld_dump_summary *s, bool hosts)
{
	char buf[64];
	bool h = s->has_header;

	ld_table__row(t);
	ld_table__cell(t, LD_COLOR_NONE, "%s", ld_fmt_local_time(s->time_ns, buf, sizeof(buf)));
	if (hosts)
		ld_table__cell(t, LD_COLOR_NONE, "%s", s->host[0] ? s->host : "-");
	ld_table__cell(t, LD_COLOR_NONE, "%s", h ? s->issue : "-");
	ld_table__cell(t, LD_COLOR_NONE, "%s", h || s->named ? s->rule : "-");
	if (h || s->named)
		ld_table__cell(t, LD_COLOR_NONE, "%u", s->pid);
	else
		ld_table__cell(t, LD_COLOR_NONE, "-");
	ld_table__cell(t, LD_COLOR_NONE, "%s", h || s->named ? s->comm : "-");
	ld_table__cell(t, LD_COLOR_NONE, "%s", h ? ld_dump__capture_type_name(s->capture_type) : "-");
	ld_table__cell(t, LD_COLOR_NONE, "%s", ld_fmt_short_size(s->file_size, buf, sizeof(buf)));
	ld_table__cell(t, state_color(s->state), "%s", ld_dump_state_name(s->state));
	/* The dump explains itself: its detector's one line (escaped by the table). */
	if (s->group)
		ld_table__cell(t, LD_COLOR_NONE, "group of %zu (%s, %zu dumped): %s", s->group->n,
			       s->group->scope, group_dumped(s->group),
			       h && s->fields ? s->fields->summary : "-");
	else
		ld_table__cell(t, LD_COLOR_NONE, "%s", h && s->fields ? s->fields->summary : "-");
	ld_table__cell(t, LD_COLOR_NONE, "%s", s->name);
}

static int print_text(const struct ld_dumpset *set, const struct list_opts *o)
{
	struct ld_table *t = ld_table__new(0);
	struct ld_term term;
	size_t shown = 0;
	bool hosts = false;
	int err = 0;

	if (!t)
		return -ENOMEM;
	/* A store's dumps are a fleet's: each row says its host. */
	for (size_t i = 0; i < set->n; i++)
		hosts |= ld_store_summary(&set->v[i]);
	ld_term_init(&term, stdout, o->color);
	ld_table__column(t, "TIME", 0);
	if (hosts)
		ld_table__column(t, "HOST", LD_COL_SHRINK);
	ld_table__column(t, "ISSUE", 0);
	ld_table__column(t, "RULE", LD_COL_SHRINK);
	ld_table__column(t, "PID", LD_COL_RIGHT);
	ld_table__column(t, "COMM", LD_COL_SHRINK);
	ld_table__column(t, "TYPE", 0);
	ld_table__column(t, "SIZE", LD_COL_RIGHT);
	ld_table__column(t, "STATE", 0);
	ld_table__column(t, "SUMMARY", LD_COL_SHRINK);
	ld_table__column(t, "FILE", LD_COL_SHRINK | LD_COL_OPTIONAL);
	for (size_t i = 0; i < set->n; i++) {
		if (!ld_dump_filter__match(&o->filter, &set->v[i]))
			continue;
		/* A group is one issue: its row is the trigger's (--json lists every member). */
		if (set->v[i].group && !set->v[i].group_trigger)
			continue;
		text_row(t, &set->v[i], hosts);
		shown++;
	}
	if (shown)
		err = ld_table__print(t, stdout, &term);
	else
		ld_info("no dumps%s", set->n ? " match" : "");
	ld_table__free(t);
	return err;
}

/* --- JSON ------------------------------------------------------------------------ */

static void json_entry(struct ld_json *j, const struct ld_dump_summary *s)
{
	ld_json__begin_object(j);
	ld_dump_summary__json(s, j);
	ld_json__end_object(j);
}

static int print_json(const struct ld_dumpset *set, const struct unfinished_set *u,
		      const struct list_opts *o)
{
	struct ld_json j;

	ld_json__init(&j, stdout, LD_JSON_PRETTY);
	ld_json__begin_object(&j);
	ld_json__kuint(&j, "version", 1);
	ld_json__key(&j, "dumps");
	ld_json__begin_array(&j);
	for (size_t i = 0; i < set->n; i++)
		if (ld_dump_filter__match(&o->filter, &set->v[i]))
			json_entry(&j, &set->v[i]);
	ld_json__end_array(&j);
	json_unfinished(&j, u);
	ld_json__end_object(&j);
	return ld_json__end(&j);
}

/* --- command ------------------------------------------------------------------------ */

int cmd_list(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct unfinished_set unf = { 0 };
	struct ld_stores stores;
	struct ld_dumpset set;
	char err[1024];
	int ret = parse_args(argc, argv, &o);

	if (ret >= 0)
		return ret;
	ret = ld_stores_dumpset_load(&stores, &set, argv + optind, argc - optind,
				     LD_DEFAULT_OUTDIR, &o.store, err, sizeof(err));
	if (ret) {
		ld_err("list: %s", err);
		ld_dumpset__free(&set);
		ld_stores__free(&stores);
		return 1;
	}
	for (size_t i = 0; i < set.n; i++)
		if (set.v[i].state == LD_DUMP_DAMAGED)
			ld_warn("%s", set.v[i].why);
	ret = find_unfinished(argv + optind, argc - optind, &unf);
	if (ret) {
		ld_err("list: cannot look for unfinished dumps: %s", strerror(-ret));
		unfinished_free(&unf);
		ld_dumpset__free(&set);
		ld_stores__free(&stores);
		return 1;
	}
	tell_unfinished(&unf);
	ret = o.json ? print_json(&set, &unf, &o) : print_text(&set, &o);
	unfinished_free(&unf);
	ld_dumpset__free(&set);
	ld_stores__free(&stores);
	if (ret) {
		ld_err("list: writing the output failed");
		return 1;
	}
	return 0;
}
