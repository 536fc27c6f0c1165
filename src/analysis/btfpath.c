// SPDX-License-Identifier: MIT
/*
 * Member paths in a BTF (btfpath.h).  The BTF is the running kernel's
 * (rules, capture) or any that libbpf parsed: every id is checked as it
 * is looked up, and the walks into anonymous and embedded members are
 * bounded in depth.  The reader uses them on a dump's BTF too, which
 * ld_btf_validate() checked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "analysis/btfpath.h"

#define NEST_MAX	32	/* anonymous and embedded members within each other */
#define NAME_MAX_	64	/* a member's name in a path */

uint32_t ld_btf_skip_mods(const struct btf *btf, uint32_t id)
{
	for (unsigned hops = 0; id && hops < NEST_MAX; hops++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t)
			return 0;
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			return id;
		id = t->type;
	}
	return 0;
}

/* @id as a struct or union (through modifiers and typedefs), else NULL. */
static const struct btf_type *composite(const struct btf *btf, uint32_t id, uint32_t *out)
{
	const struct btf_type *t;

	id = ld_btf_skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t || !btf_is_composite(t))
		return NULL;
	if (out)
		*out = id;
	return t;
}

/* The struct or union pointer type @id points to (0 when it is none). */
static uint32_t pointee(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t;
	uint32_t c = 0;

	id = ld_btf_skip_mods(btf, id);
	t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t || !btf_is_ptr(t) || !composite(btf, t->type, &c))
		return 0;
	return c;
}

const char *ld_btf_composite_name(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	const struct btf_type *t = composite(btf, id, &id);
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;

	if (!t)
		snprintf(buf, len, "type %u", id);
	else if (!name || !*name)
		snprintf(buf, len, "an anonymous %s", btf_is_union(t) ? "union" : "struct");
	else
		snprintf(buf, len, "%s %s", btf_is_union(t) ? "union" : "struct", name);
	return buf;
}

/*
 * Member @name of composite @t, looked for through its anonymous members:
 * its byte offset and type.  0, -ENOENT, or -EINVAL for a bitfield.
 */
static int member(const struct btf *btf, const struct btf_type *t, const char *name,
		  unsigned depth, uint32_t *off, uint32_t *type)
{
	const struct btf_member *m = btf_members(t);

	if (depth > NEST_MAX)
		return -ENOENT;
	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t bit = btf_member_bit_offset(t, i);
		const struct btf_type *inner;
		uint32_t o, ty;

		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			if (bit % 8 || btf_member_bitfield_size(t, i))
				return -EINVAL;
			*off = bit / 8;
			*type = m->type;
			return 0;
		}
		inner = composite(btf, m->type, NULL);
		if (inner && !(bit % 8) && !member(btf, inner, name, depth + 1, &o, &ty)) {
			*off = bit / 8 + o;
			*type = ty;
			return 0;
		}
	}
	return -ENOENT;
}

int ld_btf_member(const struct btf *btf, uint32_t id, const char *name, uint32_t *off,
		  uint32_t *type)
{
	const struct btf_type *t = composite(btf, id, NULL);

	return t ? member(btf, t, name, 0, off, type) : -ENOENT;
}

int ld_btf_path_resolve(const struct btf *btf, uint32_t id, const char *path,
			struct ld_btf_path *out, char *why, size_t len)
{
	const struct btf_type *t = composite(btf, id, &id);
	uint32_t off = 0, type = 0;
	char tname[128], name[NAME_MAX_];
	const char *p = path;

	memset(out, 0, sizeof(*out));
	if (!t) {
		snprintf(why, len, "type %u is not a struct or union", id);
		return -EINVAL;
	}
	for (;;) {
		size_t n = strcspn(p, ".");
		uint32_t moff, target;
		bool last = !p[n];
		int err;

		if (!n || n >= sizeof(name)) {
			snprintf(why, len, "'%.64s' is not a member name (expected NAME.NAME...)", path);
			return -EINVAL;
		}
		memcpy(name, p, n);
		name[n] = 0;
		err = member(btf, t, name, 0, &moff, &type);
		if (err == -ENOENT) {
			snprintf(why, len, "%s has no member '%s'",
				 ld_btf_composite_name(btf, id, tname, sizeof(tname)), name);
			return err;
		}
		if (err) {
			snprintf(why, len, "'%s' in %s is a bitfield, not a pointer to a struct", name,
				 ld_btf_composite_name(btf, id, tname, sizeof(tname)));
			return err;
		}
		off += moff;
		target = pointee(btf, type);
		if (last) {
			if (!target) {
				snprintf(why, len, "'%s' in %s is not a pointer to a struct", name,
					 ld_btf_composite_name(btf, id, tname, sizeof(tname)));
				return -EINVAL;
			}
		} else if (!target) {
			/* An embedded struct or union: its members are at offsets of ours. */
			t = composite(btf, type, &id);
			if (!t) {
				snprintf(why, len, "'%s' in %s is neither a struct nor a pointer to "
					 "one: nothing to go on into", name,
					 ld_btf_composite_name(btf, id, tname, sizeof(tname)));
				return -EINVAL;
			}
			p += n + 1;
			continue;
		}
		if (out->hops == LD_BTF_HOPS_MAX) {
			snprintf(why, len, "'%.64s' crosses more than %d pointers (follow one on the way"
				 " too)", path, LD_BTF_HOPS_MAX);
			return -E2BIG;
		}
		out->off[out->hops++] = off;
		out->type = target;
		if (last)
			return 0;
		t = composite(btf, target, &id);
		off = 0;
		p += n + 1;
	}
}

/* The path to the pointer at byte @off of composite @t, appended at @buf[at]. */
static int name_at(const struct btf *btf, const struct btf_type *t, uint32_t off, unsigned depth,
		   char *buf, size_t len, size_t at, uint32_t *target)
{
	const struct btf_member *m = btf_members(t);

	if (depth > NEST_MAX)
		return -ENOENT;
	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t bit = btf_member_bit_offset(t, i), moff = bit / 8, size;
		const struct btf_type *inner;
		long long sz;
		int w;

		if (bit % 8 || btf_member_bitfield_size(t, i) || moff > off)
			continue;
		inner = composite(btf, m->type, NULL);
		if (moff == off && !inner) {
			uint32_t c = pointee(btf, m->type);
			const struct btf_type *pt = btf__type_by_id(btf, ld_btf_skip_mods(btf, m->type));

			if (!pt || !btf_is_ptr(pt) || !mn || !*mn)
				continue;
			w = snprintf(buf + at, len - at, "%s%s", at ? "." : "", mn);
			if (w < 0 || (size_t)w >= len - at)
				return -ENOENT;
			*target = c;
			return 0;
		}
		if (!inner)
			continue;
		sz = btf__resolve_size(btf, m->type);
		size = sz < 0 ? 0 : (uint32_t)sz;
		if (off - moff >= size)
			continue;
		w = mn && *mn ? snprintf(buf + at, len - at, "%s%s", at ? "." : "", mn) : 0;
		if (w < 0 || (size_t)w >= len - at)
			return -ENOENT;
		if (!name_at(btf, inner, off - moff, depth + 1, buf, len, at + w, target))
			return 0;
		buf[at] = 0;
	}
	return -ENOENT;
}

int ld_btf_path_name(const struct btf *btf, uint32_t id, uint32_t off, char *buf, size_t len,
		     uint32_t *target)
{
	const struct btf_type *t = composite(btf, id, NULL);

	if (!len)
		return -ENOENT;
	buf[0] = 0;
	*target = 0;
	if (!t)
		return -ENOENT;
	return name_at(btf, t, off, 0, buf, len, 0, target);
}
