/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Typed kernel objects (docs/kernel-dumps.md): a detector copies the
 * kernel objects of its issue into its ring-buffer record, after the
 * record proper, as a struct ld_kobj_set and the objects' bytes.  Each
 * object's type is named by its BTF id in the running kernel
 * (bpf_core_type_id_kernel) and copied at that kernel's size
 * (bpf_core_type_size), up to its slot: the collector adds the BTF of
 * those types to the dump.  The copies live in the ring buffer's
 * reservation, never on the 512-byte BPF stack.  An object can be
 * followed from one copied before it (its parent): the pointer is read
 * from the parent's copy, so the dump's tree is consistent with itself.
 */
#ifndef LIVEDUMP_KOBJ_BPF_H
#define LIVEDUMP_KOBJ_BPF_H

#include "common.bpf.h"

/*
 * Copies @len of the @size bytes at @p, type @btf_id of the kernel, into
 * slot @i of @set, whose bytes start @off into @data: @i and @off checked
 * against the set and @data_cap (a constant: the verifier sees the copy in
 * bounds).  A NULL @p leaves the slot unused; an unreadable one is kept,
 * flagged (bpf_probe_read_kernel zeroes the copy).  True when it is used.
 */
static __always_inline bool ld_kobj_put(struct ld_kobj_set *set, __u8 *data, __u32 data_cap,
					__u32 i, __u32 off, __u32 len, const void *p, __u32 btf_id,
					__u32 size, __u32 role)
{
	struct ld_kobj_desc *d;

	if (!p || i >= LD_KOBJ_MAX || len > data_cap || off > data_cap - len)
		return false;
	d = &set->d[i];
	d->addr = (__u64)p;
	d->btf_id = btf_id;
	d->size = size;
	d->len = len;
	d->off = off;
	d->role = role;
	d->arg = 0;
	d->parent = 0;
	d->field_off = 0;
	d->field_off2 = LD_KOBJ_NO_HOP;
	d->flags = len < size ? LD_KOF_TRUNCATED : 0;
	if (bpf_probe_read_kernel(data + off, len, p))
		d->flags |= LD_KOF_UNREADABLE;
	return true;
}

/*
 * Copies *@ptr as @type into slot @i of @set, its bytes at @off_ of
 * @data, at most @cap of them: the running kernel's size of the type
 * (CO-RE) and its id in the kernel's BTF.
 */
#define LD_KOBJ_PUT(set, data, i, off_, cap, ptr, type, role_)			\
	({									\
		__u32 sz_ = bpf_core_type_size(type);				\
										\
		ld_kobj_put((set), (data), sizeof(data), (i), (off_),		\
			    sz_ < (cap) ? sz_ : (cap), (const void *)(ptr),	\
			    bpf_core_type_id_kernel(type), sz_, (role_));		\
	})

/* Bytes of a @type a slot of @cap bytes holds: the running kernel's size, bounded. */
#define LD_KOBJ_LEN(type, cap)							\
	({									\
		__u32 sz_ = bpf_core_type_size(type);				\
										\
		sz_ < (cap) ? sz_ : (cap);					\
	})

/*
 * The pointer at byte @at of @data (a copy) and past that, unless
 * @field_off2 is LD_KOBJ_NO_HOP, the one at @field_off2 of what it points
 * to (read from the kernel); 0 when one cannot be read.  Read from the
 * copy, so that a child is what its parent, as the dump has it, points to.
 */
static __always_inline __u64 ld_kobj_ptr_at(const __u8 *data, __u32 data_cap, __u32 at,
					    __u32 field_off2)
{
	__u64 p = 0;

	if (data_cap < 8 || at > data_cap - 8 || bpf_probe_read_kernel(&p, sizeof(p), data + at))
		return 0;
	if (p && field_off2 != LD_KOBJ_NO_HOP &&
	    bpf_probe_read_kernel(&p, sizeof(p), (const void *)(p + field_off2)))
		return 0;
	return p;
}

/*
 * The same from slot @pi as the set describes it, at @field_off of its
 * copy: a probe rule's, whose offsets are known only at run time.  The
 * masks bound them for the verifier (6.1's does not carry the bounds of
 * the comparisons over): an object's bytes start within the data, the
 * pointer within a slot, and the record has that much room past its data.
 */
static __always_inline __u64 ld_kobj_ptr(struct ld_kobj_set *set, __u8 *data, __u32 data_cap,
					 __u32 pi, __u32 field_off, __u32 field_off2)
{
	struct ld_kobj_desc *pd;
	__u32 len, off;

	if (pi >= LD_KOBJ_MAX)
		return 0;
	barrier_var(pi);
	pd = &set->d[pi & (LD_KOBJ_MAX - 1)];
	len = pd->len;
	off = pd->off;
	if (pd->role == LD_KOBJ_NONE || len < 8 || field_off > len - 8 ||
	    off >= LD_PROBE_KOBJ_DATA || field_off >= LD_PROBE_KOBJ_CAP)
		return 0;
	/* Masks clang would prove redundant: barrier_var() keeps them for the verifier. */
	barrier_var(off);
	off &= LD_PROBE_KOBJ_DATA - 1;
	barrier_var(field_off);
	field_off &= LD_PROBE_KOBJ_CAP - 1;
	return ld_kobj_ptr_at(data, data_cap, off + field_off, field_off2);
}

/* Marks slot @i, just put, as reached from slot @pi by those offsets. */
static __always_inline void ld_kobj_link(struct ld_kobj_set *set, __u32 i, __u32 pi,
					 __u32 field_off, __u32 field_off2)
{
	if (i >= LD_KOBJ_MAX)
		return;
	set->d[i].parent = pi + 1;
	set->d[i].field_off = field_off;
	set->d[i].field_off2 = field_off2;
}

/*
 * Follows the pointer at @field_off of the copy of slot @pi, put by
 * LD_KOBJ_PUT at @poff with @plen bytes (LD_KOBJ_LEN), and then at
 * @field_off2 of its target, to a @type copied into slot @i as
 * LD_KOBJ_PUT does, linked to its parent.  The caller knows the parent is
 * there; every offset is a constant once relocated, so the verifier
 * follows one path.  True when the child is there.
 */
#define LD_KOBJ_FOLLOW(set, data, i, off_, cap, pi, poff, plen, field_off, field_off2, type, \
		       role_)								\
	({									\
		__u32 fo_ = (field_off);					\
		__u64 p_ = fo_ + 8 <= (plen) ?					\
			   ld_kobj_ptr_at((data), sizeof(data), (poff) + fo_, (field_off2)) : 0; \
		bool ok_ = LD_KOBJ_PUT(set, data, i, off_, cap, p_, type, role_);	\
										\
		if (ok_)							\
			ld_kobj_link((set), (i), (pi), fo_, (field_off2));	\
		ok_;								\
	})

/*
 * Starts a set: every slot unused (the collector skips those), @data_len
 * bytes after it.  Slots are filled in any order, parents first.
 */
static __always_inline void ld_kobj_init(struct ld_kobj_set *set, __u32 data_len)
{
	set->n = LD_KOBJ_MAX;
	set->data_len = data_len;
	for (int i = 0; i < LD_KOBJ_MAX; i++)
		set->d[i].role = LD_KOBJ_NONE;
}

#endif /* LIVEDUMP_KOBJ_BPF_H */
