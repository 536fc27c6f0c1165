/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON emitter for the tools' --json output.
 *
 * Callers describe the document in order (begin/end of containers, keys,
 * values) and the emitter places commas, colons and indentation.  Misuse
 * (a value where a key is due, unbalanced ends, nesting deeper than
 * LD_JSON_MAX_DEPTH) does not abort: it is remembered in `err` and
 * returned by ld_json__end(), so a long printer needs no error checks
 * until the end.
 *
 * Strings are emitted as valid JSON whatever the input: quotes, backslashes
 * and control characters are escaped, valid UTF-8 passes through, and every
 * byte that is not part of a valid UTF-8 sequence becomes \u00XX (so a
 * path with latin-1 bytes stays readable and nothing is dropped).
 *
 * Numbers are exact integers.  JSON parsers such as jq hold numbers as
 * doubles, which are exact only up to 2^53: emit addresses and other
 * full-range 64-bit values with ld_json__hex() ("0x7ffd1000") instead.
 */
#ifndef LIVEDUMP_JSON_H
#define LIVEDUMP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LD_JSON_PRETTY		(1U << 0)	/* two-space indentation, one item a line */
#define LD_JSON_MAX_DEPTH	32

struct ld_json {
	FILE *f;
	unsigned flags;
	int depth;
	/* Per open container: does the next item need a comma first? */
	bool more[LD_JSON_MAX_DEPTH + 1];
	bool is_object[LD_JSON_MAX_DEPTH + 1];
	bool after_key;		/* a key was written, its value is due */
	bool done;		/* the top-level value is complete */
	int err;		/* first error: -EINVAL misuse, -EIO write error */
};

void ld_json__init(struct ld_json *j, FILE *f, unsigned flags);
/* Finish the document (adds a newline); 0 or the first error. */
int ld_json__end(struct ld_json *j);

void ld_json__begin_object(struct ld_json *j);
void ld_json__end_object(struct ld_json *j);
void ld_json__begin_array(struct ld_json *j);
void ld_json__end_array(struct ld_json *j);
void ld_json__key(struct ld_json *j, const char *key);

/* NULL is emitted as null. */
void ld_json__string(struct ld_json *j, const char *s);
/* Exactly len bytes, NULs included (as \u0000). */
void ld_json__string_len(struct ld_json *j, const char *s, size_t len);
void ld_json__stringf(struct ld_json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ld_json__int(struct ld_json *j, int64_t v);
void ld_json__uint(struct ld_json *j, uint64_t v);
/* Non-finite values are emitted as null. */
void ld_json__double(struct ld_json *j, double v);
void ld_json__bool(struct ld_json *j, bool v);
void ld_json__null(struct ld_json *j);
/* "0x" followed by lowercase hex digits, no leading zeros: "0x0", "0x7f00". */
void ld_json__hex(struct ld_json *j, uint64_t v);
/* The bytes as a string of lowercase hex digit pairs: "00ff7f". */
void ld_json__hexbytes(struct ld_json *j, const void *buf, size_t len);

/* Key and value in one call, for the common members of an object. */
void ld_json__kstr(struct ld_json *j, const char *key, const char *s);
void ld_json__kstr_len(struct ld_json *j, const char *key, const char *s, size_t len);
void ld_json__kint(struct ld_json *j, const char *key, int64_t v);
void ld_json__kuint(struct ld_json *j, const char *key, uint64_t v);
void ld_json__kbool(struct ld_json *j, const char *key, bool v);
void ld_json__knull(struct ld_json *j, const char *key);
void ld_json__khex(struct ld_json *j, const char *key, uint64_t v);

#endif /* LIVEDUMP_JSON_H */
