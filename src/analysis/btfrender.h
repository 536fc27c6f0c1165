/* SPDX-License-Identifier: MIT */
/*
 * Kernel objects rendered by their BTF type (LD_NT_KOBJ): as C-like text
 * by libbpf's btf_dump__dump_type_data(), and as JSON by a walk of our
 * own (struct and union members as keys, arrays, enums by name, char
 * arrays as strings, pointers as "0x..." addresses).  The BTF and the
 * bytes come from a dump: every type id, size and offset is checked
 * against them before it is used, and the walk is bounded in depth.
 */
#ifndef LIVEDUMP_BTFRENDER_H
#define LIVEDUMP_BTFRENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct btf;
struct ld_json;

#define LD_BTF_RENDER_DEPTH	32
/* Types within types by value (modifiers and typedefs count), at most. */
#define LD_BTF_NEST_MAX		256

struct btf_type;

/* The @k-th type id @t refers to (members, elements, targets ...), NULL past the last. */
uint32_t *ld_btf_ref(struct btf_type *t, unsigned k);
/* A kind whose values have bytes (or that such a type refers to): no FUNC, VAR, DATASEC. */
bool ld_btf_data_kind(const struct btf_type *t);
/*
 * Checks a BTF from a dump before anything reads it by its references
 * (libbpf's btf_dump follows them unchecked): every type of a data kind,
 * every reference and name within it, no type containing itself by value,
 * nesting at most LD_BTF_NEST_MAX deep.  0, or -EINVAL with @why.
 */
int ld_btf_validate(const struct btf *btf, char *why, size_t len);

/*
 * Whether type @id of @btf can render @len bytes: a data type whose size
 * is known and at most @len.  0 or -EINVAL.
 */
int ld_btf_render_check(const struct btf *btf, uint32_t id, size_t len);
/* One JSON value; 0 or -EINVAL (null written) when the type does not check. */
int ld_btf_render_json(struct ld_json *j, const struct btf *btf, uint32_t id, const void *data,
		       size_t len);
/* As C, each line prefixed by @indent spaces; 0 or a negative errno. */
int ld_btf_render_text(FILE *f, const struct btf *btf, uint32_t id, const void *data, size_t len,
		       unsigned indent);
/* "struct request", "unsigned int[4]" ... into @buf; @buf. */
const char *ld_btf_type_name(const struct btf *btf, uint32_t id, char *buf, size_t len);

#endif /* LIVEDUMP_BTFRENDER_H */
