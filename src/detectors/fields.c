// SPDX-License-Identifier: MIT
/* Decoded issues (fields.h): filling them and rendering them, once for every tool. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
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

/* Names read back from JSON live in the buffer too (ld_fields__add_json). */
static bool in_buf(const struct ld_fields *f, const char *p)
{
	return p >= f->buf && p < f->buf + sizeof(f->buf);
}

void ld_fields__copy(struct ld_fields *dst, const struct ld_fields *src)
{
	if (dst == src)
		return;
	memcpy(dst, src, sizeof(*dst));
	for (unsigned i = 0; i < dst->n; i++) {
		if (dst->v[i].kind == LD_FK_STR)
			dst->v[i].str = dst->buf + (src->v[i].str - src->buf);
		if (in_buf(src, src->v[i].name))
			dst->v[i].name = dst->buf + (src->v[i].name - src->buf);
	}
	if (in_buf(src, src->detector))
		dst->detector = dst->buf + (src->detector - src->buf);
}

static const char *const kind_names[LD_FK__COUNT] = {
	[LD_FK_STR] = "str", [LD_FK_U64] = "u64", [LD_FK_S64] = "s64", [LD_FK_HEX] = "hex",
	[LD_FK_NS] = "ns", [LD_FK_BYTES] = "bytes", [LD_FK_BOOL] = "bool",
};
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == LD_FK__COUNT,
	       "every field kind has a name");

const char *ld_field_kind_name(enum ld_field_kind k)
{
	return k < LD_FK__COUNT && kind_names[k] ? kind_names[k] : "?";
}

void ld_fields__json_kinds(const struct ld_fields *f, struct ld_json *j)
{
	ld_json__begin_object(j);
	for (unsigned i = 0; i < f->n; i++)
		ld_json__kstr(j, f->v[i].name, ld_field_kind_name(f->v[i].kind));
	ld_json__end_object(j);
}

/* A copy of @s in the buffer; NULL when it does not fit. */
static const char *keep(struct ld_fields *f, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (n > sizeof(f->buf) - f->used)
		return NULL;
	p = memcpy(f->buf + f->used, s, n);
	f->used += n;
	return p;
}

static bool json_number(const char *val, bool sign, bool hex, uint64_t *u)
{
	const char *p = val;
	char *end;

	if (!val || !*val || (!sign && *p == '-'))
		return false;
	if (hex && strncmp(p, "0x", 2))
		return false;
	errno = 0;
	if (sign && *p == '-')
		*u = (uint64_t)strtoll(p, &end, 10);
	else
		*u = strtoull(p, &end, hex ? 16 : 10);
	return !errno && end != p && !*end && (hex || (*p != '+' && *p != ' '));
}

int ld_fields__add_json(struct ld_fields *f, const char *name, const char *kind, const char *val,
			char *why, size_t whylen)
{
	enum ld_field_kind k = 0;
	struct ld_field *x;
	const char *n;
	uint64_t u = 0;

	while (k < LD_FK__COUNT && (!kind || strcmp(kind, kind_names[k])))
		k++;
	if (k == LD_FK__COUNT) {
		snprintf(why, whylen, "field \"%s\": kind %s%s%s is not one of str, u64, s64, "
			 "hex, ns, bytes, bool", name, kind ? "\"" : "", kind ? kind : "missing",
			 kind ? "\"" : "");
		return -EINVAL;
	}
	if (!name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name) ||
	    strlen(name) > 47) {
		snprintf(why, whylen, "field name \"%.48s\" is not a lower_snake_case name", name);
		return -EINVAL;
	}
	if (ld_fields__get(f, name)) {
		snprintf(why, whylen, "field \"%s\" is given twice", name);
		return -EINVAL;
	}
	if (!val && k == LD_FK_STR)
		val = "";
	if ((k == LD_FK_BOOL && (!val || (strcmp(val, "true") && strcmp(val, "false")))) ||
	    (k != LD_FK_STR && k != LD_FK_BOOL &&
	     !json_number(val, k == LD_FK_S64, k == LD_FK_HEX, &u))) {
		snprintf(why, whylen, "field \"%s\": \"%.64s\" is not a %s value", name,
			 val ? val : "null", kind_names[k]);
		return -EINVAL;
	}
	n = keep(f, name);
	if (!n || f->n == LD_FIELDS_MAX) {
		snprintf(why, whylen, "field \"%s\": more fields than fit (%d, %d bytes)", name,
			 LD_FIELDS_MAX, LD_FIELDS_BUF);
		return -ENOSPC;
	}
	if (k == LD_FK_STR) {
		ld_fields__str(f, n, "%s", val);
		return 0;
	}
	x = add(f, n, k);
	if (k == LD_FK_BOOL)
		x->b = !strcmp(val, "true");
	else
		x->u = u;
	return 0;
}
