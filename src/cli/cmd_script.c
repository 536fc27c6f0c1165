// SPDX-License-Identifier: MIT
/*
 * livedump script: every journaled issue event, in time order, of local
 * directories and journals, and of fleet stores (fleet/store.h: their
 * journals, and the dumps none of them mentions), each event of a store
 * with its host.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli/commands.h"
#include "dump/dump_reader.h"
#include "detectors/fields.h"
#include "base/escape.h"
#include "base/json.h"
#include "collector/journal.h"
#include "base/jsonl.h"
#include "base/log.h"
#include "dump/outdir.h"
#include "fleet/store.h"

struct event {
	unsigned long long time_ns;
	struct ld_jobj o;
	char *line;
	const char *host;		/* a store's HOST (in events.hosts); NULL local */
};

struct events {
	struct event *v;
	size_t n;
	unsigned bad;
	char **hosts;			/* the hosts events name, each once */
	size_t nhosts;
};

/* @host kept once for every event of it. */
static const char *keep_host(struct events *ev, const char *host)
{
	char **v;

	for (size_t i = 0; i < ev->nhosts; i++)
		if (!strcmp(ev->hosts[i], host))
			return ev->hosts[i];
	v = realloc(ev->hosts, (ev->nhosts + 1) * sizeof(*v));
	if (!v)
		return NULL;
	ev->hosts = v;
	v[ev->nhosts] = strdup(host);
	return v[ev->nhosts] ? v[ev->nhosts++] : NULL;
}

/* The line with "host" first: {"host":"web1",...} (the rest as journaled). */
static char *with_host(const char *line, const char *host)
{
	const char *brace = strchr(line, '{');
	struct ld_json j;
	char *buf = NULL, *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	ld_json__init(&j, f, 0);
	ld_json__string(&j, host);
	ld_json__end(&j);
	fclose(f);
	if (buf) {
		buf[strcspn(buf, "\n")] = 0;
		if (asprintf(&out, "{\"host\":%s,%s", buf, brace + 1) < 0)
			out = NULL;
	}
	free(buf);
	return out;
}

static int add_line(struct events *ev, const char *file, const char *host, unsigned lineno,
		    char *line)
{
	struct event *v, *e;
	size_t col = 0;
	const char *t;

	line[strcspn(line, "\n")] = 0;
	if (!*line)
		return 0;
	v = realloc(ev->v, (ev->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ev->v = v;
	e = &v[ev->n];
	if (ld_jobj_parse(line, &e->o, &col) || !(t = ld_jobj_get(&e->o, "time_ns"))) {
		ld_warn("%s:%u:%zu: not a journal entry: skipped", file, lineno, col + 1);
		ld_jobj_free(&e->o);	/* an object without time_ns parsed */
		ev->bad++;
		return 0;
	}
	e->time_ns = strtoull(t, NULL, 10);
	e->host = host ? keep_host(ev, host) : NULL;
	e->line = host ? (e->host ? with_host(line, host) : NULL) : strdup(line);
	if (!e->line) {
		ld_jobj_free(&e->o);
		return -ENOMEM;
	}
	ev->n++;
	return 0;
}

static int read_journal(struct events *ev, const char *path, const char *host)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int err = 0;

	if (!f) {
		ld_err("cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	while (!err && getline(&line, &cap, f) > 0)
		err = add_line(ev, path, host, ++lineno, line);
	free(line);
	fclose(f);
	return err;
}

static bool journaled(const struct events *ev, const char *host, const char *name)
{
	for (size_t i = 0; i < ev->n; i++) {
		const char *d = ld_jobj_get(&ev->v[i].o, "dump");

		if (d && !strcmp(d, name) && (!host) == (!ev->v[i].host) &&
		    (!host || !strcmp(host, ev->v[i].host)))
			return true;
	}
	return false;
}

/*
 * A dump no journal mentions (written by another session whose journal is
 * gone, or copied here) still is an event: described from its header as a
 * journal line would, so --json stays one schema.
 */
static int add_dump(struct events *ev, const char *path, const char *host)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const struct ld_note_header *h;
	struct ld_fields *fields = malloc(sizeof(*fields));
	struct ld_dump *d;
	struct ld_json js;
	char err[512], *buf = NULL, iso[40];
	size_t len = 0;
	time_t secs;
	struct tm tm;
	FILE *f;
	int ret;

	if (journaled(ev, host, base) || !fields) {
		free(fields);
		return fields ? 0 : -ENOMEM;
	}
	if (ld_dump__open_flags(path, LD_OPEN_ALLOW_CUT, &d, err, sizeof(err))) {
		ld_warn("%s", err);
		ev->bad++;
		free(fields);
		return 0;
	}
	h = ld_dump__header(d);
	f = h ? open_memstream(&buf, &len) : NULL;
	if (!f) {
		ld_dump__free(d);
		free(fields);
		return h ? -ENOMEM : 0;
	}
	secs = h->issue_time_ns / 1000000000ULL;
	localtime_r(&secs, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(iso + strlen(iso), sizeof(iso) - strlen(iso), ".%03u",
		 (unsigned)(h->issue_time_ns / 1000000 % 1000));
	ld_json__init(&js, f, 0);
	ld_json__begin_object(&js);
	ld_json__kstr(&js, "time", iso);
	ld_json__key(&js, "time_ns");
	ld_json__stringf(&js, "%llu", (unsigned long long)h->issue_time_ns);
	ld_json__kstr(&js, "rule", h->rule);
	ld_json__kstr(&js, "issue", ld_dump__issue_name(d));
	ld_json__kuint(&js, "pid", h->pid);
	ld_json__kuint(&js, "tid", h->tid);
	ld_json__kstr(&js, "comm", h->comm);
	ld_json__khex(&js, "code", h->code);
	ld_json__khex(&js, "param", h->params[0]);
	if (fields && !ld_dump__decode(d, fields)) {
		ld_json__kstr(&js, "summary", fields->summary);
		ld_json__key(&js, "fields");
		ld_fields__json_object(fields, &js);
	}
	ld_json__kstr(&js, "verdict", ld_dump__cut(d) ? "cut" : "dumped");
	ld_json__knull(&js, "reason");
	ld_json__kstr(&js, "dump", base);
	ld_json__kuint(&js, "size", ld_dump__file_size(d));
	ld_json__kuint(&js, "pause_us", h->pause_ns / 1000);
	ld_json__end_object(&js);
	ret = ld_json__end(&js);
	fclose(f);
	ld_dump__free(d);
	free(fields);
	if (!ret) {
		buf[strcspn(buf, "\n")] = 0;
		ret = add_line(ev, path, host, 1, buf);
	}
	free(buf);
	return ret;
}

static int is_journal(const char *name)
{
	size_t n = strlen(name), sl = strlen(LD_JOURNAL_SUFFIX);

	return !strncmp(name, LD_JOURNAL_PREFIX, strlen(LD_JOURNAL_PREFIX)) && n > sl &&
	       !strcmp(name + n - sl, LD_JOURNAL_SUFFIX);
}

static int read_dir(struct events *ev, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int err = 0;

	if (!d) {
		ld_err("cannot read %s: %s", dir, strerror(errno));
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		char path[4096];

		if (!is_journal(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = read_journal(ev, path, NULL);
	}
	/* Then the dumps no journal told of. */
	rewinddir(d);
	while (!err && (de = readdir(d))) {
		char path[4096];

		if (!ld_is_dump_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = add_dump(ev, path, NULL);
	}
	closedir(d);
	return err;
}

static int on_journal(void *ctx, const char *host, const char *path)
{
	return read_journal(ctx, path, host);
}

/*
 * A store: its journals, then the dumps no journal told of, described
 * from their headers as a local one is (so fetched: script needs their
 * bytes).
 */
static int read_store(struct events *ev, const char *url, const struct ld_store_opts *o)
{
	struct ld_dumpset set = { 0 };
	struct ld_store *st;
	char err[1024], path[4096];
	int ret = ld_store__open(url, o, &st, err, sizeof(err));

	if (!ret)
		ret = ld_store__journals(st, on_journal, ev, err, sizeof(err));
	if (!ret)
		ret = ld_store__load(st, &set, err, sizeof(err));
	for (size_t i = 0; !ret && i < set.n; i++) {
		const struct ld_dump_summary *s = &set.v[i];

		if (journaled(ev, s->host, s->name))
			continue;
		if (ld_store_fetch(s, path, sizeof(path), err, sizeof(err))) {
			ld_warn("%s", err);
			ev->bad++;
			continue;
		}
		ret = add_dump(ev, path, s->host);
		if (ret)
			snprintf(err, sizeof(err), "%s: %s", s->path, strerror(-ret));
	}
	if (ret)
		ld_err("script: %s", err);
	ld_dumpset__free(&set);
	ld_store__free(st);
	return ret;
}

static int cmp_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

/*
 * A field for the text listing, escaped: journal values are the target's
 * comm and the like (escape.h).  Each call has its own slot of @slots.
 */
#define FIELD_MAX	512

static const char *get(const struct event *e, const char *key, char (*slot)[LD_ESC_SIZE(FIELD_MAX)])
{
	const char *v = ld_jobj_get(&e->o, key);

	return v ? ld_escape(v, *slot, sizeof(*slot)) : "-";
}

static void print_text(const struct events *ev)
{
	static char f[13][LD_ESC_SIZE(FIELD_MAX)];

	if (ev->nhosts)
		printf("%-16s ", "HOST");
	printf("%-23s %-16s %-6s %-15s %-15s %-10s %-18s %-8s %s\n", "TIME", "RULE", "ISSUE",
	       "PID/TID", "COMM", "CODE", "PARAM", "VERDICT", "DETAIL");
	for (size_t i = 0; i < ev->n; i++) {
		const struct event *e = &ev->v[i];
		const char *dump = ld_jobj_get(&e->o, "dump");
		const char *reason = ld_jobj_get(&e->o, "reason");
		const char *summary = ld_jobj_get(&e->o, "summary");
		char pidtid[LD_ESC_SIZE(2 * FIELD_MAX) + 2];

		snprintf(pidtid, sizeof(pidtid), "%s/%s", get(e, "pid", &f[0]), get(e, "tid", &f[1]));
		if (ev->nhosts)
			printf("%-16s ", e->host ? ld_escape(e->host, f[12], sizeof(f[12])) : "-");
		printf("%-23s %-16s %-6s %-15s %-15s %-10s %-18s %-8s %s%s%s%s%s\n",
		       get(e, "time", &f[2]), get(e, "rule", &f[3]), get(e, "issue", &f[4]), pidtid,
		       get(e, "comm", &f[5]), get(e, "code", &f[6]), get(e, "param", &f[7]),
		       get(e, "verdict", &f[8]), summary ? get(e, "summary", &f[11]) : "",
		       summary && (reason || dump) ? "; " : "", reason ? get(e, "reason", &f[9]) : "",
		       reason && dump ? " " : "", dump ? get(e, "dump", &f[10]) : "");
	}
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump script [--json] [DIR|JOURNAL|DUMP|STORE...]\n"
"                       [--s3-endpoint URL] [--s3-region REGION] [--s3-credentials FILE]\n"
"Every issue event the collector journaled (dumped, declined, failed) and every\n"
"dump no journal mentions, in time order, from DIR (default %s),\n"
"the given journals and dumps, or a fleet store's hosts (STORE: their journals,\n"
"and the dumps no journal mentions, fetched), each event with its \"host\".\n"
"  --json   one JSON object per line, as journaled (with the decoded issue:\n"
"           \"summary\" and \"fields\")\n"
LD_STORE_HELP, LD_DEFAULT_OUTDIR);
}

int cmd_script(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		LD_STORE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ld_store_opts so = { 0 };
	struct events ev = { 0 };
	bool json = false;
	int c, err = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (!ld_store_parse_opt(c, optarg, &so)) {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind == argc)
		err = read_dir(&ev, LD_DEFAULT_OUTDIR);
	for (int i = optind; !err && i < argc; i++) {
		struct stat st;

		if (ld_store_is_url(argv[i])) {
			err = read_store(&ev, argv[i], &so);
		} else if (stat(argv[i], &st)) {
			ld_err("cannot read %s: %s", argv[i], strerror(errno));
			err = -errno;
		} else {
			err = S_ISDIR(st.st_mode) ? read_dir(&ev, argv[i]) :
			      ld_is_dump_name(strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i]) ?
			      add_dump(&ev, argv[i], NULL) : read_journal(&ev, argv[i], NULL);
		}
	}
	if (!err) {
		if (ev.n)	/* no events: ev.v is NULL, which qsort may not be given */
			qsort(ev.v, ev.n, sizeof(*ev.v), cmp_time);
		if (json)
			for (size_t i = 0; i < ev.n; i++)
				puts(ev.v[i].line);
		else
			print_text(&ev);
	}
	for (size_t i = 0; i < ev.n; i++) {
		ld_jobj_free(&ev.v[i].o);
		free(ev.v[i].line);
	}
	free(ev.v);
	for (size_t i = 0; i < ev.nhosts; i++)
		free(ev.hosts[i]);
	free(ev.hosts);
	return err ? 1 : 0;
}
