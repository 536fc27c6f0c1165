// SPDX-License-Identifier: MIT
/* The JSON emitter: see json.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "base/escape.h"
#include "base/json.h"

void ld_json__init(struct ld_json *j, FILE *f, unsigned flags)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->flags = flags;
}

static void set_err(struct ld_json *j, int err)
{
	if (!j->err)
		j->err = err;
}

static void indent(struct ld_json *j, int depth)
{
	fputc('\n', j->f);
	for (int i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/*
 * Called before every value and key: places the separator that the
 * position needs.  Returns false (and records misuse) when no value may
 * go here.
 */
static bool before_item(struct ld_json *j, bool is_key)
{
	if (j->done) {
		set_err(j, -EINVAL);
		return false;
	}
	if (j->after_key) {
		if (is_key) {
			set_err(j, -EINVAL);
			return false;
		}
		j->after_key = false;
		return true;
	}
	if (j->depth == 0) {
		if (is_key)
			set_err(j, -EINVAL);
		return !is_key;
	}
	/* Inside an object only keys may start an item, inside an array only values. */
	if (j->is_object[j->depth] != is_key) {
		set_err(j, -EINVAL);
		return false;
	}
	if (j->more[j->depth])
		fputc(',', j->f);
	if (j->flags & LD_JSON_PRETTY)
		indent(j, j->depth);
	j->more[j->depth] = true;
	return true;
}

/* After a complete value: the document may be finished. */
static void after_value(struct ld_json *j)
{
	if (j->depth == 0)
		j->done = true;
}

static void begin(struct ld_json *j, bool object)
{
	if (!before_item(j, false))
		return;
	if (j->depth >= LD_JSON_MAX_DEPTH) {
		set_err(j, -EINVAL);
		/* Still emit something balanced-looking for the reader's sake. */
		fputs(object ? "{}" : "[]", j->f);
		return;
	}
	fputc(object ? '{' : '[', j->f);
	j->depth++;
	j->more[j->depth] = false;
	j->is_object[j->depth] = object;
}

static void end(struct ld_json *j, bool object)
{
	if (j->depth == 0 || j->is_object[j->depth] != object || j->after_key) {
		set_err(j, -EINVAL);
		return;
	}
	if (j->more[j->depth] && (j->flags & LD_JSON_PRETTY))
		indent(j, j->depth - 1);
	fputc(object ? '}' : ']', j->f);
	j->depth--;
	after_value(j);
}

void ld_json__begin_object(struct ld_json *j) { begin(j, true); }
void ld_json__end_object(struct ld_json *j) { end(j, true); }
void ld_json__begin_array(struct ld_json *j) { begin(j, false); }
void ld_json__end_array(struct ld_json *j) { end(j, false); }

static void put_escaped(struct ld_json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', j->f);
	while (i < n) {
		unsigned char c = s[i];
		size_t len;

		switch (c) {
		case '"':  fputs("\\\"", j->f); i++; continue;
		case '\\': fputs("\\\\", j->f); i++; continue;
		case '\b': fputs("\\b", j->f); i++; continue;
		case '\f': fputs("\\f", j->f); i++; continue;
		case '\n': fputs("\\n", j->f); i++; continue;
		case '\r': fputs("\\r", j->f); i++; continue;
		case '\t': fputs("\\t", j->f); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(j->f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, j->f);
			i++;
		} else if ((len = ld_utf8_seq(s + i, n - i))) {
			fwrite(s + i, 1, len, j->f);
			i += len;
		} else {
			fprintf(j->f, "\\u%04x", c);
			i++;
		}
	}
	fputc('"', j->f);
}

void ld_json__key(struct ld_json *j, const char *key)
{
	if (!before_item(j, true))
		return;
	put_escaped(j, key, strlen(key));
	fputs((j->flags & LD_JSON_PRETTY) ? ": " : ":", j->f);
	j->after_key = true;
}

void ld_json__string_len(struct ld_json *j, const char *s, size_t len)
{
	if (!before_item(j, false))
		return;
	put_escaped(j, s, len);
	after_value(j);
}

void ld_json__string(struct ld_json *j, const char *s)
{
	if (!s)
		ld_json__null(j);
	else
		ld_json__string_len(j, s, strlen(s));
}

void ld_json__stringf(struct ld_json *j, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		set_err(j, -ENOMEM);
		ld_json__null(j);
		return;
	}
	ld_json__string_len(j, s, n);
	free(s);
}

static void raw_value(struct ld_json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void raw_value(struct ld_json *j, const char *fmt, ...)
{
	va_list ap;

	if (!before_item(j, false))
		return;
	va_start(ap, fmt);
	vfprintf(j->f, fmt, ap);
	va_end(ap);
	after_value(j);
}

void ld_json__int(struct ld_json *j, int64_t v) { raw_value(j, "%lld", (long long)v); }
void ld_json__uint(struct ld_json *j, uint64_t v) { raw_value(j, "%llu", (unsigned long long)v); }
void ld_json__bool(struct ld_json *j, bool v) { raw_value(j, "%s", v ? "true" : "false"); }
void ld_json__null(struct ld_json *j) { raw_value(j, "null"); }
void ld_json__hex(struct ld_json *j, uint64_t v) { raw_value(j, "\"0x%llx\"", (unsigned long long)v); }

void ld_json__double(struct ld_json *j, double v)
{
	if (!isfinite(v))
		ld_json__null(j);
	else
		raw_value(j, "%.17g", v);
}

void ld_json__hexbytes(struct ld_json *j, const void *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = buf;

	if (!before_item(j, false))
		return;
	fputc('"', j->f);
	for (size_t i = 0; i < len; i++) {
		fputc(digits[p[i] >> 4], j->f);
		fputc(digits[p[i] & 15], j->f);
	}
	fputc('"', j->f);
	after_value(j);
}

void ld_json__kstr(struct ld_json *j, const char *key, const char *s)
{
	ld_json__key(j, key);
	ld_json__string(j, s);
}

void ld_json__kstr_len(struct ld_json *j, const char *key, const char *s, size_t len)
{
	ld_json__key(j, key);
	ld_json__string_len(j, s, len);
}

void ld_json__kint(struct ld_json *j, const char *key, int64_t v)
{
	ld_json__key(j, key);
	ld_json__int(j, v);
}

void ld_json__kuint(struct ld_json *j, const char *key, uint64_t v)
{
	ld_json__key(j, key);
	ld_json__uint(j, v);
}

void ld_json__kbool(struct ld_json *j, const char *key, bool v)
{
	ld_json__key(j, key);
	ld_json__bool(j, v);
}

void ld_json__knull(struct ld_json *j, const char *key)
{
	ld_json__key(j, key);
	ld_json__null(j);
}

void ld_json__khex(struct ld_json *j, const char *key, uint64_t v)
{
	ld_json__key(j, key);
	ld_json__hex(j, v);
}

int ld_json__end(struct ld_json *j)
{
	if (!j->done)
		set_err(j, -EINVAL);
	fputc('\n', j->f);
	if (fflush(j->f) || ferror(j->f))
		set_err(j, -EIO);
	return j->err;
}
