// SPDX-License-Identifier: MIT
/*
 * The view: one description of an output, rendered as text or as JSON
 * (view.h).  Text tables are buffered by base/table.h so their columns
 * fit their widest cell; everything else streams.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/view.h"
#include "base/escape.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "base/table.h"

#define LABEL_COLS	12

struct ld_view {
	enum ld_view_format format;
	FILE *f;
	struct ld_json j;
	/* Text. */
	bool in_line;		/* between ld_view__line and ld_view__line_end */
	bool first;		/* no item on this line yet */
	bool nosep;		/* the next item follows ld_view__text directly */
	bool in_table;		/* between ld_view__table and ld_view__table_end */
	bool in_list;		/* between ld_view__list and ld_view__list_end */
	struct ld_table *tab;	/* the table's rows, when it has any */
	struct ld_term term;
	int err;
};

struct ld_view *ld_view__new(const struct ld_view_opts *o)
{
	struct ld_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->format = o->format;
	v->f = o->out ? o->out : stdout;
	/* Whole values, never cut: inspect's text is grepped as much as read. */
	v->term.color = false;
	v->term.width = 0;
	if (v->format == LD_VIEW_JSON)
		ld_json__init(&v->j, v->f, LD_JSON_PRETTY);
	return v;
}

int ld_view__free(struct ld_view *v)
{
	int err;

	if (!v)
		return 0;
	err = v->err;
	if (v->format == LD_VIEW_JSON) {
		int jerr = ld_json__end(&v->j);

		if (!err)
			err = jerr;
	} else {
		ld_table__free(v->tab);
	}
	if ((fflush(v->f) || ferror(v->f)) && !err)
		err = -EIO;
	free(v);
	return err;
}

bool ld_view__is_json(const struct ld_view *v)
{
	return v->format == LD_VIEW_JSON;
}

struct ld_json *ld_view__json(struct ld_view *v)
{
	return v->format == LD_VIEW_JSON ? &v->j : NULL;
}

FILE *ld_view__file(struct ld_view *v)
{
	return v->format == LD_VIEW_TEXT ? v->f : NULL;
}

/* --- JSON side ------------------------------------------------------------- */

/* The key of the next JSON value: false when the item is text only. */
static bool jkey(struct ld_view *v, const char *key)
{
	if (v->format != LD_VIEW_JSON)
		return false;
	if (v->j.depth == 0 && !v->j.is_object[0])
		return true;	/* the top-level value */
	if (!v->j.is_object[v->j.depth])
		return true;	/* in an array: values have no key */
	if (!key)
		return false;
	ld_json__key(&v->j, key);
	return true;
}

/* An item's JSON part is written when it has a key (or sits in an array). */
static bool json_wants(struct ld_view *v, const char *key)
{
	if (v->format != LD_VIEW_JSON)
		return false;
	if (v->j.depth > 0 && !v->j.is_object[v->j.depth])
		return true;
	return key != NULL;
}

/* --- text side ------------------------------------------------------------- */

static bool text_wants(const struct ld_view *v, const char *label)
{
	return v->format == LD_VIEW_TEXT && label;
}

static void put_label(struct ld_view *v, const char *label)
{
	int n = 0;

	if (*label)
		n = fprintf(v->f, "%s:", label);
	fprintf(v->f, "%*s", n < LABEL_COLS ? LABEL_COLS - n : 1, "");
}

/* One item's text, where it belongs: a table cell, the current line or a line of its own. */
static void text_item(struct ld_view *v, const char *label, const char *text, bool escape)
{
	if (v->in_table) {
		if (v->tab)
			ld_table__cell(v->tab, LD_COLOR_NONE, "%s", text);
		return;
	}
	if (v->in_list && !v->in_line) {
		fputs("  ", v->f);
		if (escape)
			ld_escape_fput(v->f, text, SIZE_MAX);
		else
			fputs(text, v->f);
		fputc('\n', v->f);
		return;
	}
	if (!v->in_line) {
		put_label(v, label);
		if (escape)
			ld_escape_fput(v->f, text, SIZE_MAX);
		else
			fputs(text, v->f);
		fputc('\n', v->f);
		return;
	}
	if (!v->first && !v->nosep)
		fputs("  ", v->f);
	v->first = false;
	v->nosep = false;
	if (*label)
		fprintf(v->f, "%s ", label);
	if (escape)
		ld_escape_fput(v->f, text, SIZE_MAX);
	else
		fputs(text, v->f);
}

/* --- structure ------------------------------------------------------------- */

void ld_view__object(struct ld_view *v, const char *key)
{
	if (v->format == LD_VIEW_JSON) {
		jkey(v, key ? key : "");
		ld_json__begin_object(&v->j);
	}
}

void ld_view__object_end(struct ld_view *v)
{
	if (v->format == LD_VIEW_JSON)
		ld_json__end_object(&v->j);
}

void ld_view__array(struct ld_view *v, const char *key)
{
	if (v->format == LD_VIEW_JSON) {
		jkey(v, key ? key : "");
		ld_json__begin_array(&v->j);
	}
}

void ld_view__array_end(struct ld_view *v)
{
	if (v->format == LD_VIEW_JSON)
		ld_json__end_array(&v->j);
}

void ld_view__null(struct ld_view *v, const char *key, const char *text)
{
	if (v->format == LD_VIEW_JSON) {
		if (jkey(v, key))
			ld_json__null(&v->j);
		return;
	}
	if (!text)
		return;
	if (v->in_line || v->in_table) {
		text_item(v, "", text, false);
		return;
	}
	fprintf(v->f, "%s\n", text);
}

void ld_view__gap(struct ld_view *v)
{
	if (v->format == LD_VIEW_TEXT)
		fputc('\n', v->f);
}

void ld_view__line_at(struct ld_view *v, unsigned indent, const char *label)
{
	if (v->format != LD_VIEW_TEXT)
		return;
	fprintf(v->f, "%*s", (int)indent, "");
	if (label)
		put_label(v, label);
	v->in_line = true;
	v->first = true;
	v->nosep = false;
}

void ld_view__line(struct ld_view *v, const char *label)
{
	ld_view__line_at(v, 0, label);
}

void ld_view__line_end(struct ld_view *v)
{
	if (v->format != LD_VIEW_TEXT || !v->in_line)
		return;
	fputc('\n', v->f);
	v->in_line = false;
}

void ld_view__table(struct ld_view *v, const char *key, const char *title, size_t count,
		    unsigned flags, const struct ld_view_col *cols, unsigned ncols)
{
	if (v->format == LD_VIEW_JSON) {
		jkey(v, key ? key : "");
		ld_json__begin_array(&v->j);
		return;
	}
	v->in_table = true;
	if (!count && (flags & LD_VIEW_OMIT_EMPTY))
		return;
	if (!(flags & LD_VIEW_NO_TITLE))
		fprintf(v->f, "\n%s (%zu):\n", title, count);
	if (!count)
		return;
	v->tab = ld_table__new(2);
	if (!v->tab) {
		v->err = -ENOMEM;
		return;
	}
	for (unsigned c = 0; c < ncols; c++)
		ld_table__column(v->tab, cols[c].title, cols[c].flags);
}

void ld_view__list(struct ld_view *v, const char *key, const char *title, size_t count,
		   unsigned flags)
{
	if (v->format == LD_VIEW_JSON) {
		jkey(v, key ? key : "");
		ld_json__begin_array(&v->j);
		return;
	}
	v->in_list = true;
	if (count || !(flags & LD_VIEW_OMIT_EMPTY))
		fprintf(v->f, "\n%s (%zu):\n", title, count);
}

void ld_view__list_end(struct ld_view *v)
{
	if (v->format == LD_VIEW_JSON)
		ld_json__end_array(&v->j);
	else
		v->in_list = false;
}

void ld_view__row(struct ld_view *v)
{
	if (v->format == LD_VIEW_JSON)
		ld_json__begin_object(&v->j);
	else if (v->tab)
		ld_table__row(v->tab);
}

void ld_view__row_end(struct ld_view *v)
{
	if (v->format == LD_VIEW_JSON)
		ld_json__end_object(&v->j);
}

void ld_view__table_end(struct ld_view *v)
{
	if (v->format == LD_VIEW_JSON) {
		ld_json__end_array(&v->j);
		return;
	}
	if (v->tab) {
		int err = ld_table__print(v->tab, v->f, &v->term);

		if (err && !v->err)
			v->err = err;
		ld_table__free(v->tab);
		v->tab = NULL;
	}
	v->in_table = false;
}

/* --- items ----------------------------------------------------------------- */

void ld_view__uint(struct ld_view *v, const char *key, const char *label, uint64_t val)
{
	char buf[24];

	if (json_wants(v, key) && jkey(v, key))
		ld_json__uint(&v->j, val);
	if (text_wants(v, label)) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
		text_item(v, label, buf, false);
	}
}

void ld_view__int(struct ld_view *v, const char *key, const char *label, int64_t val)
{
	char buf[24];

	if (json_wants(v, key) && jkey(v, key))
		ld_json__int(&v->j, val);
	if (text_wants(v, label)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)val);
		text_item(v, label, buf, false);
	}
}

void ld_view__hexw(struct ld_view *v, const char *key, const char *label, uint64_t val,
		   unsigned digits)
{
	char buf[24];

	if (json_wants(v, key) && jkey(v, key))
		ld_json__hex(&v->j, val);
	if (text_wants(v, label)) {
		snprintf(buf, sizeof(buf), "0x%0*llx", (int)digits, (unsigned long long)val);
		text_item(v, label, buf, false);
	}
}

void ld_view__hex(struct ld_view *v, const char *key, const char *label, uint64_t val)
{
	ld_view__hexw(v, key, label, val, 0);
}

void ld_view__ns_ms(struct ld_view *v, const char *key, const char *label, uint64_t ns)
{
	char buf[32];

	if (json_wants(v, key) && jkey(v, key))
		ld_json__uint(&v->j, ns);
	if (text_wants(v, label)) {
		snprintf(buf, sizeof(buf), "%.3f ms", ns / 1e6);
		text_item(v, label, buf, false);
	}
}

void ld_view__u64s(struct ld_view *v, const char *key, const char *label, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	if (json_wants(v, key) && jkey(v, key))
		ld_json__string(&v->j, buf);
	if (text_wants(v, label))
		text_item(v, label, buf, false);
}

/* ISO-8601 local time with milliseconds: 2024-05-01T12:34:56.789+02:00; "-" for 0. */
static const char *fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t sec = ns / 1000000000ULL;
	unsigned ms = ns / 1000000ULL % 1000;
	struct tm tm;
	char date[32], zone[8];

	if (!ns || !localtime_r(&sec, &tm)) {
		snprintf(buf, len, "-");
		return buf;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	/* %z gives +0200; ISO-8601 extended form wants +02:00. */
	if (strlen(zone) == 5)
		snprintf(buf, len, "%s.%03u%.3s:%s", date, ms, zone, zone + 3);
	else
		snprintf(buf, len, "%s.%03u", date, ms);
	return buf;
}

void ld_view__time(struct ld_view *v, const char *key, const char *label, uint64_t ns)
{
	char buf[48], nskey[64];

	fmt_time(ns, buf, sizeof(buf));
	if (json_wants(v, key) && key) {
		snprintf(nskey, sizeof(nskey), "%s_ns", key);
		ld_json__key(&v->j, key);
		if (ns)
			ld_json__string(&v->j, buf);
		else
			ld_json__null(&v->j);
		ld_json__key(&v->j, nskey);
		ld_json__stringf(&v->j, "%llu", (unsigned long long)ns);
	}
	if (text_wants(v, label))
		text_item(v, label, buf, false);
}

void ld_view__bool(struct ld_view *v, const char *key, const char *label, bool val)
{
	if (json_wants(v, key) && jkey(v, key))
		ld_json__bool(&v->j, val);
	if (text_wants(v, label))
		text_item(v, label, val ? "yes" : "no", false);
}

void ld_view__strn(struct ld_view *v, const char *key, const char *label, const char *s,
		   size_t len)
{
	size_t n = s ? strnlen(s, len) : 0;

	if (json_wants(v, key) && jkey(v, key)) {
		if (s)
			ld_json__string_len(&v->j, s, n);
		else
			ld_json__null(&v->j);
	}
	if (text_wants(v, label)) {
		char *copy = s ? strndup(s, n) : NULL;

		if (s && !copy) {
			v->err = -ENOMEM;
			return;
		}
		text_item(v, label, copy ? copy : "-", true);
		free(copy);
	}
}

void ld_view__str(struct ld_view *v, const char *key, const char *label, const char *s)
{
	ld_view__strn(v, key, label, s, SIZE_MAX);
}

void ld_view__qstr(struct ld_view *v, const char *key, const char *label, const char *s,
		   size_t len)
{
	size_t n = s ? strnlen(s, len) : 0;

	if (json_wants(v, key) && jkey(v, key))
		ld_json__string_len(&v->j, s ? s : "", n);
	if (text_wants(v, label)) {
		size_t size = LD_ESC_SIZE(n) + 2;
		char *buf = malloc(size);

		if (!buf) {
			v->err = -ENOMEM;
			return;
		}
		buf[0] = '"';
		ld_escape_len(s ? s : "", n, buf + 1, size - 2);
		strcat(buf, "\"");
		text_item(v, label, buf, false);
		free(buf);
	}
}

void ld_view__char(struct ld_view *v, const char *key, const char *label, char c)
{
	char buf[2] = { c ? c : '?', 0 };

	if (json_wants(v, key) && jkey(v, key)) {
		if (c)
			ld_json__string_len(&v->j, &c, 1);
		else
			ld_json__null(&v->j);
	}
	if (text_wants(v, label))
		text_item(v, label, buf, true);
}

void ld_view__printf(struct ld_view *v, const char *key, const char *label, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!json_wants(v, key) && !text_wants(v, label))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (json_wants(v, key) && jkey(v, key))
		ld_json__string(&v->j, buf);
	if (text_wants(v, label))
		text_item(v, label, buf, false);
}

void ld_view__hexbytes(struct ld_view *v, const char *key, const void *buf, size_t len)
{
	if (json_wants(v, key) && jkey(v, key))
		ld_json__hexbytes(&v->j, buf, len);
}

void ld_view__flags(struct ld_view *v, const char *key, const char *label, uint32_t flags,
		    const char *const *names, size_t nnames)
{
	if (json_wants(v, key) && jkey(v, key)) {
		ld_json__begin_array(&v->j);
		for (size_t i = 0; i < nnames && i < 32; i++)
			if ((flags & (1U << i)) && names[i])
				ld_json__string(&v->j, names[i]);
		for (size_t i = 0; i < 32; i++)
			if ((flags & (1U << i)) && (i >= nnames || !names[i]))
				ld_json__stringf(&v->j, "0x%x", 1U << i);
		ld_json__end_array(&v->j);
	}
	if (text_wants(v, label)) {
		char buf[256];
		size_t off = 0;
		uint32_t left = flags;

		buf[0] = 0;
		for (size_t i = 0; i < nnames && i < 32; i++) {
			if (!(left & (1U << i)) || !names[i])
				continue;
			ld_strbuf_add(buf, sizeof(buf), &off, "%s%s", off ? "," : "", names[i]);
			left &= ~(1U << i);
		}
		if (left)
			ld_strbuf_add(buf, sizeof(buf), &off, "%s0x%x", off ? "," : "", left);
		text_item(v, label, off ? buf : "-", false);
	}
}

void ld_view__text(struct ld_view *v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (v->format != LD_VIEW_TEXT)
		return;
	if (v->in_table) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		text_item(v, "", buf, false);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs(buf, v->f);
	if (v->in_line && n > 0) {
		size_t last = (size_t)n < sizeof(buf) ? (size_t)n - 1 : sizeof(buf) - 2;

		v->first = false;
		/* Words that open ("a .. ", " (", "/") take the next item directly. */
		v->nosep = strchr(" /(.+:=", buf[last]) != NULL;
	}
}
