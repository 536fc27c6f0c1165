// SPDX-License-Identifier: MIT
/* Decoded issues (fields.h): filling them and rendering them, once for every tool. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "base/escape.h"
#include "base/json.h"
#include "detectors/fields.h"

void ld_fields__init(struct ld_fields *f, const char *detector)
{
	f->detector = detector ? detector : "unknown";
	f->n = 0;
	f->summary[0] = 0;
	f->used = 0;
	f->truncated = false;
}

static struct ld_field *add(struct ld_fields *f, const char *name, enum ld_field_kind kind)
{
	struct ld_field *x;

	if (f->n == LD_FIELDS_MAX) {
		f->truncated = true;
		return NULL;
	}
	x = &f->v[f->n++];
	x->name = name;
	x->kind = kind;
	x->u = 0;
	return x;
}

void ld_fields__str(struct ld_fields *f, const char *name, const char *fmt, ...)
{
	size_t room = sizeof(f->buf) - f->used;
	struct ld_field *x;
	va_list ap;
	int n;

	if (room < 2 || !(x = add(f, name, LD_FK_STR))) {
		f->truncated = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(f->buf + f->used, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= room) {
		f->truncated = true;
		n = room - 1;
	}
	x->str = f->buf + f->used;
	f->used += n + 1;
}

void ld_fields__u64(struct ld_fields *f, const char *name, uint64_t v)
{
	struct ld_field *x = add(f, name, LD_FK_U64);

	if (x)
		x->u = v;
}

void ld_fields__s64(struct ld_fields *f, const char *name, int64_t v)
{
	struct ld_field *x = add(f, name, LD_FK_S64);

	if (x)
		x->s = v;
}

void ld_fields__hex(struct ld_fields *f, const char *name, uint64_t v)
{
	struct ld_field *x = add(f, name, LD_FK_HEX);

	if (x)
		x->u = v;
}

void ld_fields__ns(struct ld_fields *f, const char *name, uint64_t ns)
{
	struct ld_field *x = add(f, name, LD_FK_NS);

	if (x)
		x->u = ns;
}

void ld_fields__bytes(struct ld_fields *f, const char *name, uint64_t v)
{
	struct ld_field *x = add(f, name, LD_FK_BYTES);

	if (x)
		x->u = v;
}

void ld_fields__bool(struct ld_fields *f, const char *name, bool v)
{
	struct ld_field *x = add(f, name, LD_FK_BOOL);

	if (x)
		x->b = v;
}

void ld_fields__summary(struct ld_fields *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(f->summary, sizeof(f->summary), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(f->summary))
		f->truncated = true;
}

const struct ld_field *ld_fields__get(const struct ld_fields *f, const char *name)
{
	for (unsigned i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

static void duration(uint64_t ns, char *buf, size_t size)
{
	if (ns < 1000)
		snprintf(buf, size, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.3f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.3f s", ns / 1e9);
}

const char *ld_field__text(const struct ld_field *x, char *buf, size_t size)
{
	switch (x->kind) {
	case LD_FK_STR: snprintf(buf, size, "%s", x->str); break;
	case LD_FK_U64: case LD_FK_BYTES: snprintf(buf, size, "%" PRIu64, x->u); break;
	case LD_FK_S64: snprintf(buf, size, "%" PRId64, x->s); break;
	case LD_FK_HEX: snprintf(buf, size, "0x%" PRIx64, x->u); break;
	case LD_FK_NS: duration(x->u, buf, size); break;
	case LD_FK_BOOL: snprintf(buf, size, "%s", x->b ? "yes" : "no"); break;
	default: snprintf(buf, size, "?"); break;
	}
	return buf;
}

const char *ld_field__pretty(const struct ld_field *x, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = x->u;
	unsigned u = 0;

	if (x->kind != LD_FK_BYTES || x->u < 1024)
		return ld_field__text(x, buf, size);
	for (v /= 1024; v >= 1024 && u < 3; u++)
		v /= 1024;
	snprintf(buf, size, "%" PRIu64 " (%.1f %s)", x->u, v, units[u]);
	return buf;
}

/* "latency_ns" shows as "latency": the unit is in the value. */
static void text_name(const struct ld_field *x, char *buf, size_t size)
{
	size_t n = strlen(x->name);

	if (x->kind == LD_FK_NS && n > 3 && !strcmp(x->name + n - 3, "_ns"))
		n -= 3;
	snprintf(buf, size, "%.*s", (int)n, x->name);
}

void ld_fields__print(const struct ld_fields *f, FILE *out, const char *indent)
{
	char name[64], val[512];
	int w = 0;

	for (unsigned i = 0; i < f->n; i++) {
		text_name(&f->v[i], name, sizeof(name));
		if ((int)strlen(name) > w)
			w = strlen(name);
	}
	for (unsigned i = 0; i < f->n; i++) {
		text_name(&f->v[i], name, sizeof(name));
		/* Strings come from the target (paths, comms, assertion text): escaped. */
		fprintf(out, "%s%s:%*s ", indent, name, (int)(w - strlen(name)), "");
		ld_escape_fput(out, ld_field__pretty(&f->v[i], val, sizeof(val)), SIZE_MAX);
		fputc('\n', out);
	}
}

void ld_fields__json_object(const struct ld_fields *f, struct ld_json *j)
{
	ld_json__begin_object(j);
	for (unsigned i = 0; i < f->n; i++) {
		const struct ld_field *x = &f->v[i];

		switch (x->kind) {
		case LD_FK_STR: ld_json__kstr(j, x->name, x->str); break;
		case LD_FK_S64: ld_json__kint(j, x->name, x->s); break;
		case LD_FK_HEX: ld_json__khex(j, x->name, x->u); break;
		case LD_FK_BOOL: ld_json__kbool(j, x->name, x->b); break;
		default: ld_json__kuint(j, x->name, x->u); break;
		}
	}
	ld_json__end_object(j);
}

void ld_fields__json(const struct ld_fields *f, struct ld_json *j)
{
	ld_json__kstr(j, "detector", f->detector);
	ld_json__kstr(j, "summary", f->summary);
	ld_json__key(j, "fields");
	ld_fields__json_object(f, j);
}

const char *ld_issue_text_get(const char *text, size_t len, const char *key, char *buf,
			      size_t size)
{
	size_t klen = strlen(key);
	const char *p = text, *end;

	if (!text)
		return NULL;
	end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > klen && !memcmp(p, key, klen) && p[klen] == '=') {
			size_t n = eol - p - klen - 1;

			if (n >= size)
				n = size - 1;
			memcpy(buf, p + klen + 1, n);
			buf[n] = 0;
			return buf;
		}
		p = eol + 1;
	}
	return NULL;
}

void ld_fields__copy(struct ld_fields *dst, const struct ld_fields *src)
{
	if (dst != src)
		memcpy(dst, src, sizeof(*dst));
	for (unsigned i = 0; i < dst->n; i++)
		if (dst->v[i].kind == LD_FK_STR)
			dst->v[i].str = dst->buf + (src->v[i].str - src->buf);
}
