/* SPDX-License-Identifier: MIT */
/* Compiling parsed rules into what the BPF programs check. */
#ifndef LIVEDUMP_RULECOMP_H
#define LIVEDUMP_RULECOMP_H

#include "kabi/records.h"
#include "rules/rules.h"

/*
 * Fills @out from @r: executables become inode keys, cgroup prefixes their
 * cgroup v2 ids and depths.  0, or -errno with a message naming the rule
 * and the value that could not be resolved.
 */
int ld_rule_compile(const struct ld_rule *r, struct ld_bpf_rule *out);

/* @count ranges into the kernel's fixed list (cut at LD_BPF_LIST). */
void ld_bpf_ranges(struct ld_bpf_range *dst, __u32 *n, const struct ld_range64 *src,
		   unsigned count);

/* The cgroup v2 hierarchy's mount point, or NULL. */
const char *ld_cgroup2_root(void);

/* Kernel form of a device number (MKDEV: 20-bit minor), as s_dev holds it. */
uint64_t ld_kernel_dev(uint64_t user_dev);

#endif
