/* SPDX-License-Identifier: MIT */
/*
 * One description, two renderings.  A section of a command's output (a
 * dump's note in inspect, for one) describes itself once through these
 * calls; the view prints it as aligned text for people or as JSON for
 * programs.  That is what keeps a text output and its --json from being
 * hand-written twins that drift apart.
 *
 * Every item has a JSON key and a text label:
 *   key NULL      the item is text only;
 *   label NULL    the item is JSON only;
 *   label ""      text shows the value alone;
 *   label "pid"   text shows "pid 1234".
 * Inside an array (ld_view__array, JSON) the key is not written.
 *
 * Text layout:
 *   a line      `label:` padded to 12 columns, then its items two spaces
 *               apart (ld_view__line .. ld_view__line_end);
 *   an item outside a line and a table is a line of its own, "label: value";
 *   a table     a blank line, "title (N):", then a header and its rows,
 *               aligned by base/table.h; each row's items with a label fill
 *               the columns in order.
 * Strings from the target are escaped in text (escape.h) and in JSON (json.c).
 */
#ifndef LIVEDUMP_VIEW_H
#define LIVEDUMP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/table.h"	/* LD_COL_* for ld_view_col */

enum ld_view_format { LD_VIEW_TEXT, LD_VIEW_JSON };

struct ld_view_opts {
	enum ld_view_format format;
	FILE *out;
};

struct ld_view;
struct ld_json;

/* NULL on ENOMEM. */
struct ld_view *ld_view__new(const struct ld_view_opts *opts);
/* Finishes the output: 0, or -EIO when writing failed, -ENOMEM when a table could not be kept. */
int ld_view__free(struct ld_view *v);

bool ld_view__is_json(const struct ld_view *v);
/* For renderers of their own (detectors/fields.h): the JSON writer, NULL in text. */
struct ld_json *ld_view__json(struct ld_view *v);
/* ... and the text stream, NULL in JSON; the caller indents and escapes. */
FILE *ld_view__file(struct ld_view *v);

/* --- structure ----------------------------------------------------------- */

/* JSON: "key": { ... }  (key ignored in an array); text: nothing. */
void ld_view__object(struct ld_view *v, const char *key);
void ld_view__object_end(struct ld_view *v);
/* JSON: "key": [ ... ]; text: the items go on as they would without it. */
void ld_view__array(struct ld_view *v, const char *key);
void ld_view__array_end(struct ld_view *v);
/* JSON: "key": null; text: @text as a line of its own when not NULL. */
void ld_view__null(struct ld_view *v, const char *key, const char *text);

/* Text: a blank line (between sections). */
void ld_view__gap(struct ld_view *v);
/* Text: a line starting with "label:" padded to 12 columns ("" pads, NULL starts at @indent). */
void ld_view__line(struct ld_view *v, const char *label);
void ld_view__line_at(struct ld_view *v, unsigned indent, const char *label);
void ld_view__line_end(struct ld_view *v);

struct ld_view_col {
	const char *title;
	unsigned flags;		/* LD_COL_* of base/table.h */
};

/* Text flags of a table. */
#define LD_VIEW_OMIT_EMPTY	(1U << 0)	/* no text at all when it has no rows */
#define LD_VIEW_NO_TITLE	(1U << 1)	/* the caller wrote the title line */

/*
 * JSON: "key": [ {row}, ... ]; text: "\ntitle (count):" then the header
 * and the rows, or the title alone when count is 0.
 */
void ld_view__table(struct ld_view *v, const char *key, const char *title, size_t count,
		    unsigned flags, const struct ld_view_col *cols, unsigned ncols);
void ld_view__row(struct ld_view *v);
void ld_view__row_end(struct ld_view *v);
void ld_view__table_end(struct ld_view *v);

/*
 * A list of plain values: JSON "key": [ v, ... ]; text "\ntitle (count):"
 * then each value on a line of its own, indented (nothing when count is 0
 * and LD_VIEW_OMIT_EMPTY).
 */
void ld_view__list(struct ld_view *v, const char *key, const char *title, size_t count,
		   unsigned flags);
void ld_view__list_end(struct ld_view *v);

/* --- items --------------------------------------------------------------- */

void ld_view__uint(struct ld_view *v, const char *key, const char *label, uint64_t val);
void ld_view__int(struct ld_view *v, const char *key, const char *label, int64_t val);
/* JSON "0x1f" (a string: > 2^53); text 0x1f, or zero-padded to @digits (text only). */
void ld_view__hex(struct ld_view *v, const char *key, const char *label, uint64_t val);
void ld_view__hexw(struct ld_view *v, const char *key, const char *label, uint64_t val,
		   unsigned digits);
/* A count of nanoseconds: JSON the number, text "%.3f ms". */
void ld_view__ns_ms(struct ld_view *v, const char *key, const char *label, uint64_t ns);
/* A large number JSON keeps exact as a decimal string (ktime); text the number. */
void ld_view__u64s(struct ld_view *v, const char *key, const char *label, uint64_t val);
/* A wall-clock time in ns: JSON "key" ISO-8601 (null when 0) and "key_ns"; text ISO-8601 or "-". */
void ld_view__time(struct ld_view *v, const char *key, const char *label, uint64_t ns);
void ld_view__bool(struct ld_view *v, const char *key, const char *label, bool val);
/* A string (NULL: JSON null, text "-"). */
void ld_view__str(struct ld_view *v, const char *key, const char *label, const char *s);
/* At most @len bytes of @s, up to a NUL. */
void ld_view__strn(struct ld_view *v, const char *key, const char *label, const char *s,
		   size_t len);
/* The same, quoted in text: comm "bash". */
void ld_view__qstr(struct ld_view *v, const char *key, const char *label, const char *s,
		   size_t len);
/* A one-letter state; 0: JSON null, text "?". */
void ld_view__char(struct ld_view *v, const char *key, const char *label, char c);
/* A string made by printf (not escaped in text: for our own words and numbers). */
void ld_view__printf(struct ld_view *v, const char *key, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Bytes: JSON lower-case hex; text not shown (label ignored). */
void ld_view__hexbytes(struct ld_view *v, const char *key, const void *buf, size_t len);
/*
 * Bit flags by name: JSON an array of names (unknown bits as "0x.."), text
 * "a,b" or "-".  names[i] names bit i; NULL entries are unknown bits.
 */
void ld_view__flags(struct ld_view *v, const char *key, const char *label, uint32_t flags,
		    const char *const *names, size_t nnames);
/*
 * Text only: words of our own, printed as they are with no separator
 * before them.  When they end in a space or one of "/(.+:=" the next item
 * follows them directly ("a .. b", "12 (3 bytes)", "uid 0/0"); otherwise it
 * is two spaces away as usual ("1 bytes  memory 2").
 */
void ld_view__text(struct ld_view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* LIVEDUMP_VIEW_H */
