/* SPDX-License-Identifier: MIT */
/*
 * Value parsers of the rule grammar (docs/rules.md), shared by every
 * detector: numbers, ranges and comparisons, comma lists with optional
 * double quotes, durations, sizes, yes/no, signal and errno names.
 *
 * Every parser takes one NUL-terminated value, returns 0 or -EINVAL, and
 * on error fills a struct ld_verr with a complete message naming what was
 * found and what was expected, e.g.
 *
 *     bad duration '10' (expected a number with a unit: us ms s m h d)
 *
 * and the byte offset in the value where the problem is, so the rule parser
 * can prefix "ORIGIN:LINE:COL: ".  Formatters write the canonical text that
 * the matching parser reads back to the same value.
 */
#ifndef LIVEDUMP_RULEVAL_H
#define LIVEDUMP_RULEVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/parse.h"
#include "rules/rules.h"

#define LD_VERR_MSG		256
#define LD_VAL_MAX		4096	/* bytes of one unquoted list element, NUL included */

/* Longest duration: LD_DURATION_MAX of parse.h, whole days in 64 bits of ns (213503d). */

struct ld_verr {
	size_t off;			/* offset of the offending part in the value */
	char msg[LD_VERR_MSG];
};

/* Sets @e (may be NULL) and returns -EINVAL: for callers' own checks. */
int ld_verr_set(struct ld_verr *e, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- numbers ---- */

/*
 * An unsigned number, decimal or 0x hex, in [@min, @max].  No sign, no
 * spaces, no suffix.  Out-of-range messages show the bounds in the base the
 * user wrote.
 */
int ld_val_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct ld_verr *e);

/* "N" or an inclusive range "A-B" (A <= B), both within [0, @max]. */
int ld_val_range(const char *s, uint64_t max, struct ld_range64 *out, struct ld_verr *e);

/* ---- key, operator, value ---- */

enum ld_val_op {
	LD_OP_NONE = 0,		/* a bare word: no operator */
	LD_OP_SET,		/* =  (a list for keys that take lists) */
	LD_OP_EQ,		/* == */
	LD_OP_NE,		/* != */
	LD_OP_LT,		/* <  */
	LD_OP_LE,		/* <= */
	LD_OP_GT,		/* >  */
	LD_OP_GE,		/* >= */
};

const char *ld_val_op_str(enum ld_val_op op);

/*
 * Splits "key<op>value" at the first of = < > !.  @key gets the key
 * (truncated to @keysz), *@val points into @tok after the operator, and
 * *@val_off is its offset.  A word without an operator gives LD_OP_NONE and
 * the whole word as key.  An operator that is none of the above is an error.
 */
int ld_val_split(const char *tok, char *key, size_t keysz, enum ld_val_op *op,
		 const char **val, size_t *val_off, struct ld_verr *e);

/*
 * The values "x OP n" selects, as one inclusive range within [0, @max]:
 * x<100 is [0, 99], x>=5 is [5, max], x==7 is [7, 7].  != is not a range
 * and is refused, as is a comparison that matches nothing (x<0).
 */
int ld_val_cmp_range(enum ld_val_op op, uint64_t n, uint64_t max, struct ld_range64 *out,
		     struct ld_verr *e);

/* ---- lists and quoting ---- */

/*
 * Called for element @idx of a list, unquoted and NUL-terminated.  On
 * error it sets e->off relative to @elem.
 */
typedef int (*ld_val_elem_fn)(void *arg, unsigned idx, const char *elem, struct ld_verr *e);

/*
 * Splits @s at commas that are not inside double quotes and calls @fn on
 * each element (at most @max of them; max 1 means "one value, no list").
 * Inside quotes \" and \\ stand for " and \; quotes may cover part of an
 * element (a"b c" is the value ab c).  Empty elements are errors.
 */
int ld_val_list(const char *s, unsigned max, ld_val_elem_fn fn, void *arg, struct ld_verr *e);

/*
 * Length of the start of @s up to the first character of @stop (e.g. ","
 * or " \t") that is not inside double quotes.  *@open (may be NULL) points
 * to a quote left open at the end of @s, NULL when all are closed.
 */
size_t ld_val_scan(const char *s, const char *stop, const char **open);

/* Whether @s has to be quoted to be read back as one list element. */
bool ld_val_needs_quotes(const char *s);

/* @s quoted when needed; 0 or -ENOSPC (output truncated). */
int ld_val_quote(const char *s, char *buf, size_t size);

/* ---- durations, sizes, yes/no ---- */

/*
 * A whole number with a unit, us ms s m h d (no unit is an error: "10"
 * would otherwise be a guess), in nanoseconds within [@min, @max].
 */
int ld_val_duration(const char *s, uint64_t min, uint64_t max, uint64_t *ns, struct ld_verr *e);
/* In the largest unit that divides it exactly ("30s", "1500ms"). */
int ld_val_format_duration(uint64_t ns, char *buf, size_t size);

/* A whole number of bytes with an optional unit K M G T P E (powers of 1024). */
int ld_val_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes, struct ld_verr *e);
/* In the largest unit that divides it exactly ("64K", "4100"). */
int ld_val_format_size(uint64_t bytes, char *buf, size_t size);

/* "yes" or "no". */
int ld_val_yesno(const char *s, bool *out, struct ld_verr *e);

/* ---- names of signals and errors ---- */

/*
 * A signal: a name with or without SIG in any case (SEGV, sigsegv), RTMIN,
 * RTMIN+n, RTMAX-n (as kill -l numbers them: RTMIN is glibc's SIGRTMIN),
 * or a number 1..64.
 */
int ld_val_signal(const char *s, int *sig, struct ld_verr *e);
/* "SEGV", "RTMIN+3"; a number when the signal has no name. */
int ld_val_signal_name(int sig, char *buf, size_t size);
/* "SIGSEGV", "SIGRTMIN+3", or the number. */
int ld_val_signal_fullname(int sig, char *buf, size_t size);

/* An errno: a name glibc knows (ENOENT, eio; aliases like EWOULDBLOCK) or 1..4095. */
int ld_val_errno(const char *s, int *err, struct ld_verr *e);
/* "ENOENT"; a number when glibc has no name for it. */
int ld_val_errno_name(int err, char *buf, size_t size);

/* x86-64 syscall names (from the kernel headers at build time). */
int ld_val_syscall(const char *s, unsigned *nr, struct ld_verr *e);
const char *ld_val_syscall_name(unsigned nr);	/* NULL if unknown */

/* A signed decimal or 0x number. */
int ld_val_s64(const char *s, int64_t *out, struct ld_verr *e);

#endif
