/* SPDX-License-Identifier: MIT */
/*
 * Member paths in a BTF, for kernel objects followed by pointer
 * (docs/kernel-dumps.md): from names to offsets, for the rule checker's
 * follow= (rules/kfollow.c) and the reader's short labels (notes/kobj.c),
 * and from offsets back to names, for what a followed object's note says
 * it was reached by (capture/knotes.c).
 * Anonymous members are looked through as C does; embedded structs and
 * unions are entered; a pointer to a struct or union is crossed.
 */
#ifndef LIVEDUMP_BTFPATH_H
#define LIVEDUMP_BTFPATH_H

#include <stddef.h>
#include <stdint.h>

struct btf;

/* Pointers a path may cross between an object and the one it reaches. */
#define LD_BTF_HOPS_MAX	2

struct ld_btf_path {
	unsigned hops;				/* pointers crossed, 1..LD_BTF_HOPS_MAX */
	uint32_t off[LD_BTF_HOPS_MAX];		/* each pointer's byte offset in its struct */
	uint32_t type;				/* the struct or union the last one points to */
};

/*
 * Follows @path, member names separated by dots ("bio", "f_path.dentry",
 * "q.disk"), from struct or union @id of @btf: its last member must be a
 * pointer to a struct or union.  0, or -ENOENT / -EINVAL / -E2BIG with
 * @why saying which member and why ("struct request has no member
 * 'bioo'", "'tag' in struct request is not a pointer to a struct").
 */
int ld_btf_path_resolve(const struct btf *btf, uint32_t id, const char *path,
			struct ld_btf_path *out, char *why, size_t len);

/*
 * The member path ("f_path.dentry") of the pointer at byte @off of struct
 * or union @id into @buf, and the struct or union it points to into
 * *@pointee (0 when it points to none).  0 or -ENOENT.
 */
int ld_btf_path_name(const struct btf *btf, uint32_t id, uint32_t off, char *buf, size_t len,
		     uint32_t *pointee);

/*
 * Member @name of struct or union @id, also within its anonymous members:
 * its byte offset and type.  0, -ENOENT, or -EINVAL for a bitfield.
 */
int ld_btf_member(const struct btf *btf, uint32_t id, const char *name, uint32_t *off,
		  uint32_t *type);

/* "struct request", "union foo", "an anonymous struct" for struct or union @id. */
const char *ld_btf_composite_name(const struct btf *btf, uint32_t id, char *buf, size_t len);

/* Through modifiers and typedefs: the type @id is (0 for void or a bad id). */
uint32_t ld_btf_skip_mods(const struct btf *btf, uint32_t id);

#endif /* LIVEDUMP_BTFPATH_H */
