// SPDX-License-Identifier: MIT
/*
 * The BTF subset of btfsub.h.  btf__add_type() copies a type and its
 * strings but keeps its references as ids of the source: each reference
 * of a copied type is rewritten to the id its target got in the subset,
 * added first (depth first, a type's own id assigned before its members
 * are visited, so that cycles through wanted types close).
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "analysis/btfrender.h"
#include "capture/btfsub.h"

/* Depth of the walk: pointers to wanted types and function types chain far. */
#define BTFSUB_MAX_DEPTH	2048

struct ld_btfsub {
	const struct btf *src;
	struct btf *dst;
	uint32_t nsrc;			/* btf__type_cnt(src) */
	uint32_t *map;			/* source id -> subset id, 0: not yet */
	uint32_t *fwd;			/* source struct id -> its forward declaration */
	unsigned char *want;
};

int ld_btfsub__new(const struct btf *src, struct ld_btfsub **out)
{
	struct ld_btfsub *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->src = src;
	s->nsrc = btf__type_cnt(src);
	s->map = calloc(s->nsrc, sizeof(*s->map));
	s->fwd = calloc(s->nsrc, sizeof(*s->fwd));
	s->want = calloc(s->nsrc, 1);
	s->dst = btf__new_empty();
	if (!s->map || !s->fwd || !s->want || libbpf_get_error(s->dst)) {
		if (libbpf_get_error(s->dst))
			s->dst = NULL;
		ld_btfsub__free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void ld_btfsub__want(struct ld_btfsub *s, uint32_t id)
{
	if (id && id < s->nsrc)
		s->want[id] = 1;
}

static int add(struct ld_btfsub *s, uint32_t id, unsigned depth, uint32_t *out);

/*
 * A pointer's target: through modifiers and typedefs to a struct or
 * union not wanted, a forward declaration of it; anything else in full.
 */
static int add_pointee(struct ld_btfsub *s, uint32_t id, unsigned depth, uint32_t *out)
{
	const struct btf_type *t;
	const char *name;
	uint32_t r = id;
	int n;

	for (unsigned hops = 0; r && hops < BTFSUB_MAX_DEPTH; hops++) {
		t = btf__type_by_id(s->src, r);
		if (!t)
			return -EINVAL;
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			break;
		r = t->type;
	}
	t = r ? btf__type_by_id(s->src, r) : NULL;
	name = t ? btf__name_by_offset(s->src, t->name_off) : NULL;
	/* An anonymous one has no name to declare: copied (they are small). */
	if (!t || !btf_is_composite(t) || s->want[r] || !name || !*name)
		return add(s, id, depth + 1, out);
	if (!s->fwd[r]) {
		n = btf__add_fwd(s->dst, name,
				 btf_is_union(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		if (n < 0)
			return n;
		s->fwd[r] = n;
	}
	*out = s->fwd[r];
	return 0;
}

static int add(struct ld_btfsub *s, uint32_t id, unsigned depth, uint32_t *out)
{
	const struct btf_type *t;
	struct btf_type *nt;
	uint32_t child;
	bool ptr;
	int n, err;

	if (!id) {
		*out = 0;
		return 0;
	}
	if (id >= s->nsrc)
		return -EINVAL;
	if (s->map[id]) {
		*out = s->map[id];
		return 0;
	}
	if (depth > BTFSUB_MAX_DEPTH)
		return -ELOOP;
	t = btf__type_by_id(s->src, id);
	if (!t || !ld_btf_data_kind(t))
		return -EINVAL;
	ptr = btf_is_ptr(t);
	n = btf__add_type(s->dst, s->src, t);
	if (n < 0)
		return n;
	s->map[id] = n;
	for (unsigned k = 0;; k++) {
		/* Adding may move the subset's types: find ours again each time. */
		nt = (struct btf_type *)btf__type_by_id(s->dst, n);
		uint32_t *slot = ld_btf_ref(nt, k);

		if (!slot)
			break;
		err = ptr ? add_pointee(s, *slot, depth, &child) : add(s, *slot, depth + 1, &child);
		if (err)
			return err;
		nt = (struct btf_type *)btf__type_by_id(s->dst, n);
		*ld_btf_ref(nt, k) = child;
	}
	*out = n;
	return 0;
}

int ld_btfsub__add(struct ld_btfsub *s, uint32_t id, uint32_t *out)
{
	return add(s, id, 0, out);
}

const void *ld_btfsub__raw(struct ld_btfsub *s, uint32_t *size)
{
	return btf__raw_data(s->dst, size);
}

void ld_btfsub__free(struct ld_btfsub *s)
{
	if (!s)
		return;
	btf__free(s->dst);
	free(s->map);
	free(s->fwd);
	free(s->want);
	free(s);
}

const struct btf *ld_kernel_btf(void)
{
	static struct btf *vmlinux;
	static int err;

	if (!vmlinux && !err) {
		vmlinux = btf__load_vmlinux_btf();
		err = libbpf_get_error(vmlinux);
		if (err)
			vmlinux = NULL;
	}
	if (err)
		errno = -err;
	return vmlinux;
}
