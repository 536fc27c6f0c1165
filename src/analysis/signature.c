// SPDX-License-Identifier: MIT
/* Issue signatures (signature.h): the triggering thread's stack and its folded key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/signature.h"
#include "base/json.h"
#include "base/log.h"

int ld_sym_session__dump_stack(struct ld_sym_session *ss, const char *path, struct ld_stack *st)
{
	const struct ld_dump_thread *t;
	struct ld_symbolizer *s;
	struct ld_dump *d;
	char err[512];
	int ret;

	memset(st, 0, sizeof(*st));
	if (ld_dump__open_flags(path, LD_OPEN_ALLOW_CUT, &d, err, sizeof(err))) {
		ld_warn("%s", err);	/* changed since it was listed */
		return 0;
	}
	t = ld_dump_trigger_thread(d);
	ret = ld_symbolizer__new(ss, d, &s, err, sizeof(err));
	if (ret) {
		ld_warn("%s", err);
		ld_dump__free(d);
		return ret == -ENOMEM ? ret : 0;
	}
	if (t)
		ret = ld_symbolizer__stack(s, t->tid, st);
	ld_symbolizer__free(s);
	ld_dump__free(d);
	return ret;
}

/* A frame's name in the folded format, where ';' separates frames. */
static int append_folded(char **buf, size_t *len, size_t *cap, const struct ld_frame *f)
{
	char name[512], *p;
	const char *suffix = f->kernel ? "_[k]" : f->inlined ? "_[i]" : "";
	size_t need;

	ld_frame__name(f, false, name, sizeof(name));
	for (p = name; *p; p++)
		if (*p == ';' || *p == '\n' || *p == '\r')
			*p = '_';
	need = *len + strlen(name) + strlen(suffix) + 2;
	if (need > *cap) {
		char *q = realloc(*buf, need * 2);

		if (!q)
			return -ENOMEM;
		*buf = q;
		*cap = need * 2;
	}
	*len += sprintf(*buf + *len, "%s%s%s", *len ? ";" : "", name, suffix);
	return 0;
}

char *ld_stack__folded(const struct ld_stack *st)
{
	size_t len = 0, cap = 64;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	buf[0] = 0;
	for (size_t i = st->n; i-- > 0; )
		if (append_folded(&buf, &len, &cap, &st->frames[i])) {
			free(buf);
			return NULL;
		}
	return buf;
}

void ld_frame__json(const struct ld_frame *f, struct ld_json *j)
{
	ld_json__begin_object(j);
	ld_json__khex(j, "pc", f->pc);
	ld_json__kstr(j, "function", f->function);
	ld_json__kuint(j, "offset", f->offset);
	ld_json__kstr(j, "module", f->module);
	ld_json__khex(j, "module_offset", f->module_offset);
	ld_json__kstr(j, "file", f->file);
	if (f->line)
		ld_json__kuint(j, "line", f->line);
	else
		ld_json__knull(j, "line");
	ld_json__kbool(j, "inlined", f->inlined);
	ld_json__kbool(j, "kernel", f->kernel);
	ld_json__kbool(j, "debuginfod", f->debuginfod);
	ld_json__end_object(j);
}

bool ld_stack__symbolized(const struct ld_stack *st)
{
	for (size_t i = 0; i < st->n; i++)
		if (!st->frames[i].function)
			return false;
	return st->n > 0;
}

static int dup_or_null(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

int ld_stack__copy(struct ld_stack *dst, const struct ld_stack *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->truncated = src->truncated;
	if (!src->n)
		return 0;
	dst->frames = calloc(src->n, sizeof(*dst->frames));
	if (!dst->frames)
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		struct ld_frame *f = &dst->frames[i];

		*f = src->frames[i];
		f->function = f->module = f->file = NULL;
		dst->n = i + 1;
		if (dup_or_null(&f->function, src->frames[i].function) ||
		    dup_or_null(&f->module, src->frames[i].module) ||
		    dup_or_null(&f->file, src->frames[i].file)) {
			ld_stack__free(dst);
			return -ENOMEM;
		}
	}
	return 0;
}
