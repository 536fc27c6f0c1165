/* SPDX-License-Identifier: MIT */
/*
 * A dump's issue signature: the symbolized stack of the thread that hit
 * the issue, and its folded form (frame names root first, ';' between
 * them, as `report --folded` prints), which is the key `report --by
 * stack` groups by and the sidecar (fleet/sidecar.h) carries, so a
 * fleet report groups the same dumps together as a local one does.
 */
#ifndef LIVEDUMP_SIGNATURE_H
#define LIVEDUMP_SIGNATURE_H

#include "analysis/symbolize.h"

struct ld_json;

/*
 * The triggering thread's stack of the dump at @path, in *st (free with
 * ld_stack__free).  A dump that cannot be opened or unwound gives an
 * empty stack and a warning naming it; 0, or -ENOMEM.
 */
int ld_sym_session__dump_stack(struct ld_sym_session *ss, const char *path, struct ld_stack *st);

/* The folded key of @st (malloc'ed, "" for an empty stack); NULL on ENOMEM. */
char *ld_stack__folded(const struct ld_stack *st);

/* A deep copy of @src into @dst (free with ld_stack__free); 0 or -ENOMEM. */
int ld_stack__copy(struct ld_stack *dst, const struct ld_stack *src);

/* Whether @st has frames and every one has a function name (nothing left to symbolize). */
bool ld_stack__symbolized(const struct ld_stack *st);

/* One frame as the JSON object report --json and the sidecar write. */
void ld_frame__json(const struct ld_frame *f, struct ld_json *j);

#endif /* LIVEDUMP_SIGNATURE_H */
