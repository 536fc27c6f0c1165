/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Typed kernel objects (docs/kernel-dumps.md): a detector copies the
 * kernel objects of its issue into its ring-buffer record, after the
 * record proper, as a struct ld_kobj_set and the objects' bytes.  Each
 * object's type is named by its BTF id in the running kernel
 * (bpf_core_type_id_kernel) and copied at that kernel's size
 * (bpf_core_type_size), up to its slot: the collector adds the BTF of
 * those types to the dump.  The copies live in the ring buffer's
 * reservation, never on the 512-byte BPF stack.
 */
#ifndef LIVEDUMP_KOBJ_BPF_H
#define LIVEDUMP_KOBJ_BPF_H

#include "common.bpf.h"

/*
 * Copies *@ptr as @type into slot @i of @set, whose bytes start @off into
 * @data and hold @cap bytes.  A NULL @ptr leaves the slot unused; an
 * unreadable one is kept, flagged (bpf_probe_read_kernel zeroes the copy).
 * @i, @off and @cap are constants: the verifier sees each copy in bounds.
 */
#define LD_KOBJ_PUT(set, data, i, off_, cap, ptr, type, role_)			\
	do {									\
		struct ld_kobj_desc *d_ = &(set)->d[(i)];			\
		const void *p_ = (const void *)(ptr);				\
		__u32 sz_ = bpf_core_type_size(type);				\
		__u32 len_ = sz_ < (cap) ? sz_ : (cap);				\
										\
		if (!p_)							\
			break;							\
		d_->addr = (__u64)p_;						\
		d_->btf_id = bpf_core_type_id_kernel(type);			\
		d_->size = sz_;							\
		d_->len = len_;							\
		d_->off = (off_);						\
		d_->role = (role_);						\
		d_->arg = 0;							\
		d_->flags = len_ < sz_ ? LD_KOF_TRUNCATED : 0;			\
		if (bpf_probe_read_kernel((data) + (off_), len_, p_)) \
			d_->flags |= LD_KOF_UNREADABLE;				\
		(set)->n = (i) + 1;						\
	} while (0)

/* Starts a set: nothing described yet, @data_len bytes after it. */
static __always_inline void ld_kobj_init(struct ld_kobj_set *set, __u32 data_len)
{
	set->n = 0;
	set->data_len = data_len;
	for (int i = 0; i < LD_KOBJ_MAX; i++)
		set->d[i].role = LD_KOBJ_NONE;
}

#endif /* LIVEDUMP_KOBJ_BPF_H */
