// SPDX-License-Identifier: MIT
/* livedump script: every journaled issue event, in time order. */
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

struct event {
	unsigned long long time_ns;
	struct ld_jobj o;
	char *line;
};

struct events {
	struct event *v;
	size_t n;
	unsigned bad;
};

static int add_line(struct events *ev, const char *file, unsigned lineno, char *line)
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
	e->line = strdup(line);
	if (!e->line) {
		ld_jobj_free(&e->o);
		return -ENOMEM;
	}
	ev->n++;
	return 0;
}

static int read_journal(struct events *ev, const char *path)
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
		err = add_line(ev, path, ++lineno, line);
	free(line);
	fclose(f);
	return err;
}

static bool journaled(const struct events *ev, const char *name)
{
	for (size_t i = 0; i < ev->n; i++) {
		const char *d = ld_jobj_get(&ev->v[i].o, "dump");

		if (d && !strcmp(d, name))
			return true;
	}
	return false;
}

/*
 * A dump no journal mentions (written by another session whose journal is
 * gone, or copied here) still is an event: described from its header as a
 * journal line would, so --json stays one schema.
 */
static int add_dump(struct events *ev, const char *path)
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

	if (journaled(ev, base) || !fields) {
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
		ret = add_line(ev, path, 1, buf);
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
		err = read_journal(ev, path);
	}
	/* Then the dumps no journal told of. */
	rewinddir(d);
	while (!err && (de = readdir(d))) {
		char path[4096];

		if (!ld_is_dump_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = add_dump(ev, path);
	}
	closedir(d);
	return err;
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
	static char f[12][LD_ESC_SIZE(FIELD_MAX)];

	printf("%-23s %-16s %-6s %-15s %-15s %-10s %-18s %-8s %s\n", "TIME", "RULE", "ISSUE",
	       "PID/TID", "COMM", "CODE", "PARAM", "VERDICT", "DETAIL");
	for (size_t i = 0; i < ev->n; i++) {
		const struct event *e = &ev->v[i];
		const char *dump = ld_jobj_get(&e->o, "dump");
		const char *reason = ld_jobj_get(&e->o, "reason");
		const char *summary = ld_jobj_get(&e->o, "summary");
		char pidtid[LD_ESC_SIZE(2 * FIELD_MAX) + 2];

		snprintf(pidtid, sizeof(pidtid), "%s/%s", get(e, "pid", &f[0]), get(e, "tid", &f[1]));
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
"usage: livedump script [--json] [DIR|JOURNAL|DUMP...]\n"
"Every issue event the collector journaled (dumped, declined, failed) and every\n"
"dump no journal mentions, in time order, from DIR (default %s)\n"
"or the given journals and dumps.\n"
"  --json   one JSON object per line, as journaled (with the decoded issue:\n"
"           \"summary\" and \"fields\")\n", LD_DEFAULT_OUTDIR);
}

int cmd_script(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct events ev = { 0 };
	bool json = false;
	int c, err = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else {
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind == argc)
		err = read_dir(&ev, LD_DEFAULT_OUTDIR);
	for (int i = optind; !err && i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			ld_err("cannot read %s: %s", argv[i], strerror(errno));
			err = -errno;
		} else {
			err = S_ISDIR(st.st_mode) ? read_dir(&ev, argv[i]) :
			      ld_is_dump_name(strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i]) ?
			      add_dump(&ev, argv[i]) : read_journal(&ev, argv[i]);
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
	return err ? 1 : 0;
}
