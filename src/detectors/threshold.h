/* SPDX-License-Identifier: MIT */
/*
 * The threshold detector: ProcDump's triggers, sampled in user space.
 * CPU % over a sliding window (not the lifetime average), RSS + swap,
 * threads and open fds, each of which must hold for the rule's `for`.
 */
#ifndef LIVEDUMP_THRESHOLD_H
#define LIVEDUMP_THRESHOLD_H

#include "kabi/records.h"
#include "collector/loader.h"
#include "rules/rules.h"

struct ld_sampler;

typedef void (*ld_threshold_fn)(void *ctx, const struct ld_threshold_event *e);

/* NULL in *out when no rule is a threshold rule. */
int ld_sampler__new(const struct ld_ruleset *rs, struct ld_loader *l, struct ld_sampler **out);
void ld_sampler__free(struct ld_sampler *s);
/* Milliseconds until the next sample is due (for the poll timeout). */
int ld_sampler__timeout_ms(const struct ld_sampler *s);
/* Samples when due; calls @fn for every rule and process that crossed. */
void ld_sampler__tick(struct ld_sampler *s, ld_threshold_fn fn, void *ctx);

#endif
