/* SPDX-License-Identifier: MIT */
/*
 * capture follow= (docs/rules.md, docs/kernel-dumps.md): the objects a
 * kprobe or kretprobe rule follows from the kernel arguments it dumps
 * typed (kernel=), by member paths: parsed as a key of the capture
 * section, and resolved against the running kernel's BTF once the whole
 * rule is known (which argument has which type).
 */
#ifndef LIVEDUMP_RULES_KFOLLOW_H
#define LIVEDUMP_RULES_KFOLLOW_H

#include <stddef.h>
#include "rules/keys.h"

struct btf;

/* follow=PATH: the syntax only (argN.MEMBER[.MEMBER...] or ret.MEMBER...). */
int ld_kfollow_elem(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		    struct ld_verr *e);
void ld_kfollow_fmt(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb);

/*
 * Resolves every follow= of @c in @btf: orders them parents first, finds
 * each one's parent (the longest earlier path it extends, else its
 * kernel= argument), its pointers and its type, and checks the bounds
 * (LD_BTF_HOPS_MAX pointers a link, LD_KOBJ_DEPTH deep, the record's
 * LD_PROBE_KOBJ_DATA bytes).  0, or -EINVAL with @why.
 */
int ld_kfollow_resolve(struct ld_rule_capture *c, const struct btf *btf, char *why, size_t len);

#endif
