/* SPDX-License-Identifier: MIT */
/* Compiling parsed rules into what the BPF programs check. */
#ifndef LIVEDUMP_RULECOMP_H
#define LIVEDUMP_RULECOMP_H

#include "kabi/records.h"
#include "base/cgroupfs.h"
#include "rules/rules.h"

/*
 * Fills @out from @r: executables become inode keys, cgroup prefixes their
 * hierarchy, kernfs ids and depths.  0, or -errno with a message naming the rule
 * and the value that could not be resolved.
 */
int ld_rule_compile(const struct ld_rule *r, struct ld_bpf_rule *out);

/* @count ranges into the kernel's fixed list (cut at LD_BPF_LIST). */
void ld_bpf_ranges(struct ld_bpf_range *dst, __u32 *n, const struct ld_range64 *src,
		   unsigned count);

/*
 * A `where cgroup=[CONTROLLER:]PATH` resolved on this host (docs/rules.md):
 * the hierarchy it is matched in, its directory there, the kernfs id and
 * depth BPF compares.
 */
struct ld_cg_where {
	enum ld_cgc ctrl;		/* LD_CGC_V2, or the v1 hierarchy's controller */
	char mnt[256];			/* the hierarchy's mount point */
	const char *path;		/* PATH within it (points into the value) */
	uint64_t id;			/* the directory's inode */
	unsigned level;			/* PATH's depth: 0 for / */
};

/*
 * Resolves @value for rule @r (messages name it): with a controller, in
 * its v1 hierarchy (or v2, where it is bound there); without, in v2 where
 * PATH exists there, else in the first v1 controller hierarchy that has
 * it, memory first.  0, or -errno with a message.
 */
int ld_cg_where_resolve(const struct ld_rule *r, const char *value, struct ld_cg_where *w);

/* Kernel form of a device number (MKDEV: 20-bit minor), as s_dev holds it. */
uint64_t ld_kernel_dev(uint64_t user_dev);

#endif
