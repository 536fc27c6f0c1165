/* SPDX-License-Identifier: MIT */
/*
 * A small BTF holding some types of a big one (the running kernel's) and
 * what they reference by value: what a dump carries so that its kernel
 * objects render on a machine without that kernel (LD_NT_KOBJ).  A struct
 * or union reached only through a pointer becomes a forward declaration,
 * unless it is one of the types asked for: a struct request's pointer to
 * its task does not bring in task_struct and half of the kernel.
 */
#ifndef LIVEDUMP_BTFSUB_H
#define LIVEDUMP_BTFSUB_H

#include <stddef.h>
#include <stdint.h>

struct btf;
struct ld_btfsub;

/* Over @src, which must outlive it: 0 or -ENOMEM. */
int ld_btfsub__new(const struct btf *src, struct ld_btfsub **out);
/*
 * Marks @id as wanted in full wherever it is reached, also through a
 * pointer; call for every type before the first add.
 */
void ld_btfsub__want(struct ld_btfsub *s, uint32_t id);
/*
 * Adds type @id of the source and its closure; *out is its id in the
 * subset.  0 or a negative errno (-EINVAL: not a type of the source, or a
 * kind a data type does not reference; -ELOOP: nested too deep).
 */
int ld_btfsub__add(struct ld_btfsub *s, uint32_t id, uint32_t *out);
/* The subset as raw BTF (header, types, strings); valid until the next add. */
const void *ld_btfsub__raw(struct ld_btfsub *s, uint32_t *size);
void ld_btfsub__free(struct ld_btfsub *s);

/*
 * The running kernel's BTF, loaded on first use (some tens of
 * milliseconds) and kept for the process; NULL (with errno) when it has none.
 */
const struct btf *ld_kernel_btf(void);

#endif /* LIVEDUMP_BTFSUB_H */
