/* SPDX-License-Identifier: MIT */
/*
 * The keys of a rule's sections (KEY=VALUE, KEY<N ...), shared by the
 * parser (rules.c) and the detectors, whose ISSUE-PARAMS keys live in
 * their own files: the struct every key is, the bounded string builder
 * its writer uses, and the value parsers and writers more than one
 * detector needs.  A key parses a word into struct ld_rule and writes it
 * back in canonical form, so what is parsed and printed cannot drift.
 */
#ifndef LIVEDUMP_RULE_KEYS_H
#define LIVEDUMP_RULE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rules/rules.h"
#include "rules/ruleval.h"

/* ---- a bounded string builder: output is cut, never overrun ---- */

struct ld_sb {
	char *buf;
	size_t size, len;
	bool over;
};

#define LD_SB(array)	{ .buf = (array), .size = sizeof(array) }

void ld_sb_printf(struct ld_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ld_sb_num(struct ld_sb *sb, uint64_t v, bool hex);
void ld_sb_quoted(struct ld_sb *sb, const char *s);
/* Takes back what was written since @len (a clause that turned out empty). */
void ld_sb_truncate(struct ld_sb *sb, size_t len);

/*
 * A KEY=VALUE of a section.  Lists fill an array with a count; single
 * values (@size != 0) are 0 when not given, which is how the formatter
 * knows to leave them out.
 */
struct ld_rule_key {
	const char *name;
	bool cmp;			/* also KEY<N KEY<=N KEY>N KEY>=N KEY==N: one range */
	bool memory;			/* reads process memory: not with capture context */
	bool prefix;			/* a path prefix: a trailing / is dropped */
	bool hex;			/* written in hex */
	bool word;			/* alone, a word of its section (its word function) */
	size_t field;			/* offsetof(struct ld_rule, ...) of the value(s) */
	size_t count;			/* ... of the unsigned count of a list */
	size_t size;			/* sizeof a single value; 0 for lists */
	uint64_t min, max;
	int (*elem)(const struct ld_rule_key *k, void *field, unsigned idx, const char *s,
		    struct ld_verr *e);
	void (*fmt)(const struct ld_rule_key *k, const void *field, unsigned idx, struct ld_sb *sb);
	/* Comparisons of values that are no plain numbers (durations, signed). */
	int (*cmp_elem)(const struct ld_rule_key *k, void *field, enum ld_val_op op, const char *s,
			struct ld_verr *e);
	/* Writes " KEY<op>VALUE" itself, for keys whose canonical form is a comparison. */
	void (*fmt_kv)(const struct ld_rule_key *k, const void *field, struct ld_sb *sb);
};

#define LD_KEY_LIST(f, n)	.field = offsetof(struct ld_rule, f), .count = offsetof(struct ld_rule, n)
#define LD_KEY_ONE(f)		.field = offsetof(struct ld_rule, f), \
			.size = sizeof(((struct ld_rule *)0)->f)


/* Keys in one section at most (the parser keeps a bit and an offset per key). */
#define LD_RULE_KEYS_MAX	16	/* <= the bits of an unsigned */
#define LD_KEYS_FIT(keys)	_Static_assert(sizeof(keys) / sizeof((keys)[0]) <= LD_RULE_KEYS_MAX, \
					       #keys " has too many keys")

/* ---- value parsers and writers more than one section uses ---- */

int ld_key_elem_range(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e);
void ld_key_fmt_range(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb);
int ld_key_elem_duration(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e);
void ld_key_fmt_duration(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb);
int ld_key_elem_latency(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e);
int ld_key_cmp_latency(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s, struct ld_verr *e);
void ld_key_fmt_latency(const struct ld_rule_key *k, const void *f, struct ld_sb *sb);
int ld_key_cmp_ret(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s, struct ld_verr *e);
int ld_key_elem_ret(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e);
void ld_key_fmt_ret(const struct ld_rule_key *k, const void *f, struct ld_sb *sb);
int ld_key_elem_signal(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e);
void ld_key_fmt_signal(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb);
int ld_key_elem_errno(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e);
void ld_key_fmt_errno(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb);

#endif
