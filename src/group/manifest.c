// SPDX-License-Identifier: MIT
/* A group dump's manifest: writing it, reading it back (manifest.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "group/manifest.h"
#include "base/json.h"
#include "base/jsonl.h"
#include "rules/ruleval.h"

static void head_line(FILE *f, const struct ld_manifest_head *h, const struct ld_group *g)
{
	struct ld_json j;

	ld_json__init(&j, f, 0);
	ld_json__begin_object(&j);
	ld_json__kstr(&j, "livedump_group", LD_MANIFEST_VERSION);
	ld_json__kstr(&j, "issue", h->issue);
	ld_json__kstr(&j, "rule", h->rule);
	ld_json__kuint(&j, "code", h->code);
	ld_json__kuint(&j, "time_ns", h->time_ns);
	ld_json__kstr(&j, "scope", ld_scope_name(g->scope));
	if (g->cgroup_path[0])
		ld_json__kstr(&j, "cgroup", g->cgroup_path);
	ld_json__kstr(&j, "freezer", h->freezer);
	ld_json__kuint(&j, "freeze_requested_ns", h->freeze_requested_ns);
	ld_json__kuint(&j, "members", g->n);
	ld_json__kuint(&j, "links", g->nl);
	if (h->degraded)
		ld_json__kstr(&j, "degraded", h->degraded);
	ld_json__end_object(&j);
	ld_json__end(&j);
}

static void member_line(FILE *f, const struct ld_group_member *m)
{
	struct ld_json j;

	ld_json__init(&j, f, 0);
	ld_json__begin_object(&j);
	ld_json__kint(&j, "member", m->pid);
	ld_json__kstr(&j, "role", m->trigger ? "trigger" : "peer");
	ld_json__kstr(&j, "comm", m->comm);
	ld_json__kstr(&j, "exe", m->exe);
	ld_json__kstr(&j, "status", ld_member_status_name(m->status));
	if (m->dump[0])
		ld_json__kstr(&j, "dump", m->dump);
	if (m->why[0])
		ld_json__kstr(&j, "why", m->why);
	ld_json__kuint(&j, "frozen_ns", m->frozen_ns);
	ld_json__kuint(&j, "released_ns", m->released_ns);
	ld_json__kuint(&j, "pause_ns", m->pause_ns);
	ld_json__kbool(&j, "was_stopped", m->was_stopped);
	ld_json__end_object(&j);
	ld_json__end(&j);
}

static void thread_line(FILE *f, const struct ld_group *g, const struct ld_group_member *m,
			const struct ld_group_thread *t)
{
	const char *name = t->nr >= 0 ? ld_val_syscall_name((unsigned)t->nr) : NULL;
	char st[2] = { t->state, 0 };
	struct ld_json j;

	ld_json__init(&j, f, 0);
	ld_json__begin_object(&j);
	ld_json__kint(&j, "thread", t->tid);
	ld_json__kint(&j, "pid", m->pid);
	ld_json__kstr(&j, "state", st);
	if (t->nr >= 0) {
		ld_json__kint(&j, "syscall_nr", t->nr);
		if (name)
			ld_json__kstr(&j, "syscall", name);
		ld_json__key(&j, "args");
		ld_json__begin_array(&j);
		for (int i = 0; i < 6; i++)
			ld_json__hex(&j, t->args[i]);
		ld_json__end_array(&j);
	} else {
		ld_json__kstr(&j, "syscall", t->nr == -1 ? "running" : NULL);
	}
	if (t->wchan[0])
		ld_json__kstr(&j, "wchan", t->wchan);
	if (t->waits_on >= 0) {
		const struct ld_group_link *l = &g->l[t->waits_on];
		const struct ld_link_end *mine = l->a.pid == m->pid ? &l->a : &l->b;
		const struct ld_link_end *other = mine == &l->a ? &l->b : &l->a;

		ld_json__kint(&j, "fd", mine->fd);
		ld_json__kint(&j, "waits_for", other->pid);
		ld_json__kstr(&j, "via", ld_link_kind_name(l->kind));
		ld_json__kint(&j, "link", t->waits_on);
	}
	ld_json__end_object(&j);
	ld_json__end(&j);
}

static void link_line(FILE *f, const struct ld_group_link *l, size_t idx)
{
	struct ld_json j;

	ld_json__init(&j, f, 0);
	ld_json__begin_object(&j);
	ld_json__kuint(&j, "link", idx);
	ld_json__kstr(&j, "kind", ld_link_kind_name(l->kind));
	ld_json__kint(&j, "a", l->a.pid);
	ld_json__kint(&j, "a_fd", l->a.fd);
	ld_json__kuint(&j, "a_ino", l->a.ino);
	ld_json__kint(&j, "b", l->b.pid);
	ld_json__kint(&j, "b_fd", l->b.fd);
	ld_json__kuint(&j, "b_ino", l->b.ino);
	ld_json__kstr(&j, "what", l->what);
	ld_json__end_object(&j);
	ld_json__end(&j);
}

int ld_manifest_write(const char *dir, const char *name, const struct ld_manifest_head *h,
		      const struct ld_group *g)
{
	char tmp[4096], path[4096];
	int fd, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", dir, name, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	head_line(f, h, g);
	for (size_t i = 0; i < g->n; i++)
		member_line(f, &g->m[i]);
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->m[i].nt; k++)
			thread_line(f, g, &g->m[i], &g->m[i].t[k]);
	for (size_t i = 0; i < g->nl; i++)
		link_line(f, &g->l[i], i);
	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		err = -(errno ? errno : EIO);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* ---- reading ---- */

bool ld_manifest_name(const char *name)
{
	size_t n = strlen(name), s = strlen(LD_MANIFEST_SUFFIX);

	return name[0] != '.' && n > s && !strcmp(name + n - s, LD_MANIFEST_SUFFIX);
}

static void cpy(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v ? v : "");
}

static uint64_t num(const struct ld_jobj *o, const char *k)
{
	const char *v = ld_jobj_get(o, k);

	return v ? strtoull(v, NULL, 10) : 0;
}

static long snum(const struct ld_jobj *o, const char *k, long none)
{
	const char *v = ld_jobj_get(o, k);

	return v ? strtol(v, NULL, 10) : none;
}

#define GROW(arr, n) ({ \
	void *_w = realloc((arr), ((n) + 1) * sizeof(*(arr))); \
	if (_w) { (arr) = _w; memset(&(arr)[(n)], 0, sizeof(*(arr))); } \
	_w; })

static int take_line(struct ld_manifest *mf, const struct ld_jobj *o, bool first)
{
	if (first) {
		if (!ld_jobj_get(o, "livedump_group"))
			return -EINVAL;
		cpy(mf->issue, sizeof(mf->issue), ld_jobj_get(o, "issue"));
		cpy(mf->rule, sizeof(mf->rule), ld_jobj_get(o, "rule"));
		cpy(mf->scope, sizeof(mf->scope), ld_jobj_get(o, "scope"));
		cpy(mf->cgroup, sizeof(mf->cgroup), ld_jobj_get(o, "cgroup"));
		cpy(mf->freezer, sizeof(mf->freezer), ld_jobj_get(o, "freezer"));
		cpy(mf->degraded, sizeof(mf->degraded), ld_jobj_get(o, "degraded"));
		mf->time_ns = num(o, "time_ns");
		mf->freeze_requested_ns = num(o, "freeze_requested_ns");
		return 0;
	}
	if (ld_jobj_get(o, "member")) {
		struct ld_manifest_member *m;

		if (!GROW(mf->m, mf->n))
			return -ENOMEM;
		m = &mf->m[mf->n++];
		m->pid = (pid_t)snum(o, "member", 0);
		m->trigger = ld_jobj_get(o, "role") && !strcmp(ld_jobj_get(o, "role"), "trigger");
		cpy(m->comm, sizeof(m->comm), ld_jobj_get(o, "comm"));
		cpy(m->exe, sizeof(m->exe), ld_jobj_get(o, "exe"));
		cpy(m->status, sizeof(m->status), ld_jobj_get(o, "status"));
		cpy(m->dump, sizeof(m->dump), ld_jobj_get(o, "dump"));
		cpy(m->why, sizeof(m->why), ld_jobj_get(o, "why"));
		m->frozen_ns = num(o, "frozen_ns");
		m->released_ns = num(o, "released_ns");
	} else if (ld_jobj_get(o, "thread")) {
		struct ld_manifest_thread *t;

		if (!GROW(mf->t, mf->nt))
			return -ENOMEM;
		t = &mf->t[mf->nt++];
		t->tid = (pid_t)snum(o, "thread", 0);
		t->pid = (pid_t)snum(o, "pid", 0);
		cpy(t->state, sizeof(t->state), ld_jobj_get(o, "state"));
		cpy(t->syscall, sizeof(t->syscall), ld_jobj_get(o, "syscall"));
		if (!t->syscall[0] && ld_jobj_get(o, "syscall_nr"))
			snprintf(t->syscall, sizeof(t->syscall), "#%s", ld_jobj_get(o, "syscall_nr"));
		cpy(t->wchan, sizeof(t->wchan), ld_jobj_get(o, "wchan"));
		cpy(t->via, sizeof(t->via), ld_jobj_get(o, "via"));
		t->fd = (int)snum(o, "fd", -1);
		t->waits_for = (pid_t)snum(o, "waits_for", 0);
	} else if (ld_jobj_get(o, "link")) {
		struct ld_manifest_link *l;

		if (!GROW(mf->l, mf->nl))
			return -ENOMEM;
		l = &mf->l[mf->nl++];
		cpy(l->kind, sizeof(l->kind), ld_jobj_get(o, "kind"));
		cpy(l->what, sizeof(l->what), ld_jobj_get(o, "what"));
		l->a = (pid_t)snum(o, "a", 0);
		l->b = (pid_t)snum(o, "b", 0);
		l->afd = (int)snum(o, "a_fd", -1);
		l->bfd = (int)snum(o, "b_fd", -1);
	}
	/* Lines of kinds a later version adds are skipped. */
	return 0;
}

int ld_manifest_read(const char *path, struct ld_manifest *mf, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int e = 0;
	FILE *f;

	memset(mf, 0, sizeof(*mf));
	snprintf(mf->path, sizeof(mf->path), "%s", path);
	f = fopen(path, "re");
	if (!f) {
		e = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return e;
	}
	while (!e && getline(&line, &cap, f) > 0) {
		struct ld_jobj o;
		size_t where;

		lineno++;
		if (ld_jobj_parse(line, &o, &where)) {
			snprintf(err, errlen, "%s:%zu: not a JSON object (column %zu)", path, lineno,
				 where + 1);
			e = -EINVAL;
			break;
		}
		e = take_line(mf, &o, lineno == 1);
		if (e == -EINVAL)
			snprintf(err, errlen, "%s: not a livedump group manifest", path);
		ld_jobj_free(&o);
	}
	if (!e && !lineno) {
		snprintf(err, errlen, "%s: empty", path);
		e = -EINVAL;
	}
	free(line);
	fclose(f);
	if (e)
		ld_manifest__free(mf);
	return e;
}

void ld_manifest__free(struct ld_manifest *mf)
{
	free(mf->m);
	free(mf->t);
	free(mf->l);
	mf->m = NULL;
	mf->t = NULL;
	mf->l = NULL;
	mf->n = mf->nt = mf->nl = 0;
}
