/* SPDX-License-Identifier: MIT */
/*
 * A decoded issue: the named, typed values a detector finds in its record
 * (syscall "openat", errno "ENOENT", latency_ns 1200, ...) and a one-line
 * summary.  Detectors fill it (detector.h: ->decode); every tool renders
 * it the same way from here — inspect and script as text and JSON, the
 * journal as JSON, list/report as the name-value pairs they group and
 * filter by — so no tool renders a detector's record by hand.
 *
 * Names are lower_snake_case and stable: they are JSON keys, `report --by`
 * keys and documented per detector in docs/detectors.md.  A value of kind
 * LD_FK_NS is a duration in nanoseconds and its name ends in "_ns".
 */
#ifndef LIVEDUMP_FIELDS_H
#define LIVEDUMP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ld_json;

enum ld_field_kind {
	LD_FK_STR,	/* text (names, paths, "loop0 (7:0)") */
	LD_FK_U64,	/* a count or an id */
	LD_FK_S64,	/* a signed value (return values) */
	LD_FK_HEX,	/* an address, a code, a flag word: JSON "0x..." */
	LD_FK_NS,	/* a duration, ns: text "1.250 ms" */
	LD_FK_BYTES,	/* a size in bytes: text "4096 (4.0 KiB)" */
	LD_FK_BOOL,
	LD_FK__COUNT,
};

struct ld_field {
	const char *name;	/* static storage */
	enum ld_field_kind kind;
	union {
		uint64_t u;
		int64_t s;
		bool b;
		const char *str;	/* into ld_fields.buf */
	};
};

#define LD_FIELDS_MAX		32
#define LD_FIELDS_BUF		3072
#define LD_SUMMARY_MAX		384

struct ld_fields {
	const char *detector;	/* the detector's name; "unknown" */
	unsigned n;
	struct ld_field v[LD_FIELDS_MAX];
	char summary[LD_SUMMARY_MAX];	/* one line, no newline */
	size_t used;
	char buf[LD_FIELDS_BUF];
	bool truncated;		/* a field or text did not fit */
};

void ld_fields__init(struct ld_fields *f, const char *detector);
void ld_fields__str(struct ld_fields *f, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ld_fields__u64(struct ld_fields *f, const char *name, uint64_t v);
void ld_fields__s64(struct ld_fields *f, const char *name, int64_t v);
void ld_fields__hex(struct ld_fields *f, const char *name, uint64_t v);
void ld_fields__ns(struct ld_fields *f, const char *name, uint64_t ns);
void ld_fields__bytes(struct ld_fields *f, const char *name, uint64_t v);
void ld_fields__bool(struct ld_fields *f, const char *name, bool v);
void ld_fields__summary(struct ld_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A copy whose strings point into its own buffer (a plain struct copy would not). */
void ld_fields__copy(struct ld_fields *dst, const struct ld_fields *src);

/* The field called @name; NULL. */
const struct ld_field *ld_fields__get(const struct ld_fields *f, const char *name);
/*
 * A value as text, the way `report --by` groups it and the text renderers
 * show it: a string as it is, numbers in decimal, hex as 0x..., a duration
 * as "1.250 ms", bytes as "4096", a bool as yes/no.  Returns @buf.
 */
const char *ld_field__text(const struct ld_field *x, char *buf, size_t size);
/* Like ld_field__text, but sizes with their unit ("4096 (4.0 KiB)"). */
const char *ld_field__pretty(const struct ld_field *x, char *buf, size_t size);

/* "  name: value" lines, @indent before each; names padded to one column. */
void ld_fields__print(const struct ld_fields *f, FILE *out, const char *indent);
/*
 * The members "detector", "summary" and "fields": { name: value ... } of
 * the object the caller has open (durations and sizes as numbers, hex as
 * "0x..." strings).
 */
void ld_fields__json(const struct ld_fields *f, struct ld_json *j);
/* Just the { name: value ... } object, as the value of the current key. */
void ld_fields__json_object(const struct ld_fields *f, struct ld_json *j);

/*
 * Reading a decoded issue back from JSON (fleet sidecars, which are
 * untrusted): each field's kind by name ("str", "u64", "s64", "hex",
 * "ns", "bytes", "bool"), written by ld_fields__json_kinds() as an object
 * { name: kind ... } beside ld_fields__json_object()'s.
 */
const char *ld_field_kind_name(enum ld_field_kind k);
void ld_fields__json_kinds(const struct ld_fields *f, struct ld_json *j);
/*
 * Adds the field @name (copied into f's buffer) of the kind named @kind
 * from @val, its value as ld_fields__json_object() wrote it (a string
 * unescaped, else the literal).  0, or -EINVAL (bad name, kind or value)
 * / -ENOSPC (no room) with why in @why.
 */
int ld_fields__add_json(struct ld_fields *f, const char *name, const char *kind, const char *val,
			char *why, size_t whylen);

/*
 * The value of "key=" in @text, "key=value\n" lines (LD_NT_ISSUE_TEXT),
 * copied into @buf; NULL when the key is missing.
 */
const char *ld_issue_text_get(const char *text, size_t len, const char *key, char *buf,
			      size_t size);

#endif
