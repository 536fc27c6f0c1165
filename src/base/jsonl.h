/* SPDX-License-Identifier: MIT */
/*
 * Reading back JSON objects, one per line (the journal's lines): members
 * whose values are objects or arrays are kept as their JSON text.
 */
#ifndef LIVEDUMP_JSONL_H
#define LIVEDUMP_JSONL_H

#include <stdbool.h>
#include <stddef.h>

struct ld_jobj {
	char **keys, **vals;	/* vals: unescaped strings, or the literal text (nested: JSON) */
	size_t n;
};

/* 0, or -EINVAL with *where set to the offending column (0-based). */
int ld_jobj_parse(const char *line, struct ld_jobj *o, size_t *where);
/* The value of @key, NULL when absent or null. */
const char *ld_jobj_get(const struct ld_jobj *o, const char *key);
void ld_jobj_free(struct ld_jobj *o);

/* An array: its elements as ld_jobj's values are (NULL for null). */
struct ld_jarr {
	char **vals;
	size_t n;
};
/* 0, or -EINVAL with *where set to the offending column (0-based). */
int ld_jarr_parse(const char *text, struct ld_jarr *a, size_t *where);
void ld_jarr_free(struct ld_jarr *a);

#endif
