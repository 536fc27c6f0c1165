// SPDX-License-Identifier: MIT
/*
 * BTF-typed bytes as text and JSON (btfrender.h).  Text is libbpf's
 * btf_dump; JSON is walked here, since btf_dump only prints C.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "analysis/btfrender.h"
#include "base/json.h"

static const struct btf_type *resolve(const struct btf *btf, uint32_t id, uint32_t *out);

uint32_t *ld_btf_ref(struct btf_type *t, unsigned k)
{
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return k == 0 ? &t->type : NULL;
	case BTF_KIND_ARRAY:
		return k == 0 ? &btf_array(t)->type : k == 1 ? &btf_array(t)->index_type : NULL;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return k < btf_vlen(t) ? &btf_members(t)[k].type : NULL;
	case BTF_KIND_FUNC_PROTO:
		return k == 0 ? &t->type : k <= btf_vlen(t) ? &btf_params(t)[k - 1].type : NULL;
	default:
		return NULL;
	}
}

bool ld_btf_data_kind(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT: case BTF_KIND_PTR: case BTF_KIND_ARRAY: case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_FUNC_PROTO: case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return true;
	default:
		return false;
	}
}

/* The names a type holds: its own, its members', values' or parameters'. */
static bool names_ok(const struct btf *btf, const struct btf_type *t)
{
	if (!btf__str_by_offset(btf, t->name_off))
		return false;
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		uint32_t off;

		if (btf_is_composite(t))
			off = btf_members(t)[i].name_off;
		else if (btf_is_enum(t))
			off = btf_enum(t)[i].name_off;
		else if (btf_is_enum64(t))
			off = btf_enum64(t)[i].name_off;
		else if (btf_is_func_proto(t))
			off = btf_params(t)[i].name_off;
		else
			break;
		if (!btf__str_by_offset(btf, off))
			return false;
	}
	return true;
}

/*
 * Depth first over what a type contains by value (not through pointers):
 * state 1 on the path, 2 done.  A type met again on the path contains itself.
 */
static int by_value(const struct btf *btf, uint32_t id, unsigned char *state, unsigned depth,
		    char *why, size_t len)
{
	struct btf_type *t;
	uint32_t *ref;

	if (state[id] == 2)
		return 0;
	if (state[id] == 1) {
		snprintf(why, len, "type %u contains itself", id);
		return -EINVAL;
	}
	if (depth > LD_BTF_NEST_MAX) {
		snprintf(why, len, "type %u is nested more than %d deep", id, LD_BTF_NEST_MAX);
		return -EINVAL;
	}
	t = (struct btf_type *)btf__type_by_id(btf, id);
	state[id] = 1;
	for (unsigned k = 0; !btf_is_ptr(t) && !btf_is_func_proto(t) && (ref = ld_btf_ref(t, k)); k++)
		if (*ref && by_value(btf, *ref, state, depth + 1, why, len))
			return -EINVAL;
	state[id] = 2;
	return 0;
}

/*
 * Sizes and offsets that hold together: each member within its struct,
 * integers, enums and floats of the sizes C has.  btf_dump trusts them.
 */
static bool layout_ok(const struct btf *btf, const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8 ||
			t->size == 16) && btf_int_bits(t) &&
		       btf_int_offset(t) + btf_int_bits(t) <= t->size * 8;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
	case BTF_KIND_FLOAT:
		return t->size == 2 || t->size == 4 || t->size == 8 || t->size == 12 || t->size == 16;
	case BTF_KIND_ARRAY: {
		long long es = btf__resolve_size(btf, btf_array(t)->type);

		return es >= 0 && (unsigned long long)es * btf_array(t)->nelems <= UINT32_MAX;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (unsigned i = 0; i < btf_vlen(t); i++) {
			const struct btf_type *mt = resolve(btf, btf_members(t)[i].type, NULL);
			uint64_t boff = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
			long long ms = btf__resolve_size(btf, btf_members(t)[i].type);

			if (!mt || ms < 0 || btf_is_fwd(mt) || btf_is_func_proto(mt))
				return false;
			if (bits ? bits > (uint64_t)ms * 8 || boff + bits > (uint64_t)t->size * 8 :
				   boff % 8 || boff / 8 + ms > t->size)
				return false;
		}
		return true;
	default:
		return true;
	}
}

int ld_btf_validate(const struct btf *btf, char *why, size_t len)
{
	uint32_t n = btf__type_cnt(btf);
	unsigned char *state;
	int err = 0;

	for (uint32_t id = 1; id < n; id++) {
		struct btf_type *t = (struct btf_type *)btf__type_by_id(btf, id);
		uint32_t *ref;

		if (!t || !ld_btf_data_kind(t)) {
			snprintf(why, len, "type %u is of kind %u, not one of data", id, t ? btf_kind(t) : 0);
			return -EINVAL;
		}
		if (!names_ok(btf, t)) {
			snprintf(why, len, "type %u names a string past the BTF's", id);
			return -EINVAL;
		}
		for (unsigned k = 0; (ref = ld_btf_ref(t, k)); k++)
			if (*ref >= n) {
				snprintf(why, len, "type %u refers to type %u, past its last (%u)", id,
					 *ref, n - 1);
				return -EINVAL;
			}
	}
	state = calloc(n ? n : 1, 1);
	if (!state) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t id = 1; id < n && !err; id++)
		err = by_value(btf, id, state, 0, why, len);
	free(state);
	if (err)
		return err;
	/* Layouts once the references are known good and acyclic (sizes follow them). */
	for (uint32_t id = 1; id < n; id++)
		if (!layout_ok(btf, btf__type_by_id(btf, id))) {
			snprintf(why, len, "type %u: a size or offset that does not hold", id);
			return -EINVAL;
		}
	return 0;
}

/* Through modifiers and typedefs; NULL for void, an unknown id or a loop. */
static const struct btf_type *resolve(const struct btf *btf, uint32_t id, uint32_t *out)
{
	uint32_t n = btf__type_cnt(btf);
	const struct btf_type *t;

	for (unsigned hops = 0; hops < LD_BTF_RENDER_DEPTH; hops++) {
		if (!id || id >= n)
			return NULL;
		t = btf__type_by_id(btf, id);
		if (!t)
			return NULL;
		if (!btf_is_mod(t) && !btf_is_typedef(t)) {
			if (out)
				*out = id;
			return t;
		}
		id = t->type;
	}
	return NULL;
}

int ld_btf_render_check(const struct btf *btf, uint32_t id, size_t len)
{
	const struct btf_type *t = resolve(btf, id, NULL);
	long long size;

	if (!t || btf_is_fwd(t) || btf_is_func(t) || btf_is_func_proto(t) || btf_is_var(t) ||
	    btf_is_datasec(t))
		return -EINVAL;
	size = btf__resolve_size(btf, id);
	return size > 0 && (unsigned long long)size <= len ? 0 : -EINVAL;
}

/* @size bytes at @off of @len, little-endian, as an unsigned number; false past the end. */
static bool load(const unsigned char *data, size_t len, size_t off, size_t size, uint64_t *v)
{
	if (size > 8 || off > len || size > len - off)
		return false;
	*v = 0;
	memcpy(v, data + off, size);
	return true;
}

static int64_t sext(uint64_t v, unsigned bits)
{
	return bits >= 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
}

struct walk {
	struct ld_json *j;
	const struct btf *btf;
	const unsigned char *data;
	size_t len;
	unsigned budget;		/* values left to write: a bound on the output */
};

static void value(struct walk *w, uint32_t id, size_t off, unsigned depth);

static void enum_value(struct walk *w, const struct btf_type *t, int64_t v)
{
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);

		for (unsigned i = 0; i < btf_vlen(t); i++)
			if (e[i].val == (int32_t)v) {
				ld_json__string(w->j, btf__name_by_offset(w->btf, e[i].name_off));
				return;
			}
	} else {
		const struct btf_enum64 *e = btf_enum64(t);

		for (unsigned i = 0; i < btf_vlen(t); i++)
			if (btf_enum64_value(&e[i]) == (uint64_t)v) {
				ld_json__string(w->j, btf__name_by_offset(w->btf, e[i].name_off));
				return;
			}
	}
	if (btf_kflag(t))
		ld_json__int(w->j, v);
	else
		ld_json__uint(w->j, v);
}

static bool is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = resolve(btf, id, NULL);

	return t && btf_is_int(t) && t->size == 1 &&
	       (btf_int_encoding(t) & BTF_INT_CHAR || !strcmp(btf__name_by_offset(btf, t->name_off), "char"));
}

static void members(struct walk *w, const struct btf_type *t, size_t off, unsigned depth)
{
	const struct btf_member *m = btf_members(t);

	for (unsigned i = 0; i < btf_vlen(t) && w->budget; i++) {
		const char *name = btf__name_by_offset(w->btf, m[i].name_off);
		uint32_t bits = btf_member_bitfield_size(t, i), boff = btf_member_bit_offset(t, i);
		const struct btf_type *mt = resolve(w->btf, m[i].type, NULL);

		/* An anonymous struct or union: its members are the parent's, as in C. */
		if ((!name || !*name) && mt && btf_is_composite(mt)) {
			if (boff % 8 == 0 && depth < LD_BTF_RENDER_DEPTH)
				members(w, mt, off + boff / 8, depth + 1);
			continue;
		}
		ld_json__key(w->j, name && *name ? name : "?");
		if (bits) {
			size_t first = off + boff / 8, nbytes = (boff % 8 + bits + 7) / 8;
			uint64_t raw;

			if (bits > 64 || nbytes > 8 || !mt || !load(w->data, w->len, first, nbytes, &raw)) {
				ld_json__null(w->j);
				continue;
			}
			raw >>= boff % 8;
			if (bits < 64)
				raw &= (1ULL << bits) - 1;
			w->budget--;
			if (btf_is_enum(mt) || btf_is_enum64(mt))
				enum_value(w, mt, btf_kflag(mt) ? sext(raw, bits) : (int64_t)raw);
			else if (btf_is_int(mt) && btf_int_encoding(mt) & BTF_INT_SIGNED)
				ld_json__int(w->j, sext(raw, bits));
			else if (btf_is_int(mt) && btf_int_encoding(mt) & BTF_INT_BOOL)
				ld_json__bool(w->j, raw != 0);
			else
				ld_json__uint(w->j, raw);
			continue;
		}
		if (boff % 8) {
			ld_json__null(w->j);
			continue;
		}
		value(w, m[i].type, off + boff / 8, depth + 1);
	}
}

static void value(struct walk *w, uint32_t id, size_t off, unsigned depth)
{
	const struct btf_type *t = resolve(w->btf, id, &id);
	long long size = t ? btf__resolve_size(w->btf, id) : -1;
	uint64_t v;

	if (!t || !w->budget || depth > LD_BTF_RENDER_DEPTH || size < 0 || off > w->len ||
	    (unsigned long long)size > w->len - off) {
		ld_json__null(w->j);
		return;
	}
	w->budget--;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint8_t enc = btf_int_encoding(t);
		unsigned bits = btf_int_bits(t), shift = btf_int_offset(t);

		if (t->size > 8 || !load(w->data, w->len, off, t->size, &v)) {
			ld_json__hexbytes(w->j, w->data + off, t->size);
			break;
		}
		if (shift < 64)
			v >>= shift;
		if (bits && bits < 64)
			v &= (1ULL << bits) - 1;
		if (enc & BTF_INT_BOOL)
			ld_json__bool(w->j, v != 0);
		else if (enc & BTF_INT_SIGNED)
			ld_json__int(w->j, sext(v, bits ? bits : 64));
		else
			ld_json__uint(w->j, v);
		break;
	}
	case BTF_KIND_PTR:
		if (load(w->data, w->len, off, size, &v))
			ld_json__stringf(w->j, "0x%" PRIx64, v);
		else
			ld_json__null(w->j);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (!load(w->data, w->len, off, t->size, &v)) {
			ld_json__null(w->j);
			break;
		}
		enum_value(w, t, btf_kflag(t) ? sext(v, t->size * 8) : (int64_t)v);
		break;
	case BTF_KIND_FLOAT:
		if (t->size == 8 && load(w->data, w->len, off, 8, &v)) {
			double d;

			memcpy(&d, &v, 8);
			ld_json__double(w->j, d);
		} else if (t->size == 4 && load(w->data, w->len, off, 4, &v)) {
			float f;
			uint32_t u = v;

			memcpy(&f, &u, 4);
			ld_json__double(w->j, f);
		} else {
			ld_json__null(w->j);
		}
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		long long esize = btf__resolve_size(w->btf, a->type);

		if (is_char(w->btf, a->type)) {
			const char *s = (const char *)w->data + off;

			ld_json__string_len(w->j, s, strnlen(s, a->nelems));
			break;
		}
		ld_json__begin_array(w->j);
		for (uint32_t i = 0; esize > 0 && i < a->nelems && w->budget; i++)
			value(w, a->type, off + (size_t)i * esize, depth + 1);
		ld_json__end_array(w->j);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		ld_json__begin_object(w->j);
		members(w, t, off, depth);
		ld_json__end_object(w->j);
		break;
	default:
		ld_json__null(w->j);
		break;
	}
}

int ld_btf_render_json(struct ld_json *j, const struct btf *btf, uint32_t id, const void *data,
		       size_t len)
{
	struct walk w = { .j = j, .btf = btf, .data = data, .len = len, .budget = 100000 };

	if (ld_btf_render_check(btf, id, len)) {
		ld_json__null(j);
		return -EINVAL;
	}
	value(&w, id, 0, 0);
	return 0;
}

struct text_ctx {
	FILE *f;
	unsigned indent;
	bool bol;			/* at the beginning of a line */
};

static void text_printf(void *ctx, const char *fmt, va_list ap)
{
	struct text_ctx *c = ctx;
	char buf[1024], *p, *nl;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (p = buf; *p; p = nl + 1) {
		if (c->bol)
			fprintf(c->f, "%*s", (int)c->indent, "");
		nl = strchr(p, '\n');
		if (!nl) {
			fputs(p, c->f);
			c->bol = false;
			break;
		}
		fwrite(p, 1, nl + 1 - p, c->f);
		c->bol = true;
	}
}

int ld_btf_render_text(FILE *f, const struct btf *btf, uint32_t id, const void *data, size_t len,
		       unsigned indent)
{
	struct text_ctx c = { .f = f, .indent = indent, .bol = true };
	struct btf_dump_type_data_opts o = { .sz = sizeof(o), .indent_str = "    " };
	struct btf_dump *d;
	int err;

	if (ld_btf_render_check(btf, id, len))
		return -EINVAL;
	d = btf_dump__new(btf, text_printf, &c, NULL);
	err = libbpf_get_error(d);
	if (err)
		return err;
	err = btf_dump__dump_type_data(d, id, data, len, &o);
	if (!c.bol)
		fputc('\n', f);
	btf_dump__free(d);
	return err < 0 ? err : 0;
}

const char *ld_btf_type_name(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	const struct btf_type *t = id && id < btf__type_cnt(btf) ? btf__type_by_id(btf, id) : NULL;
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;

	if (!t)
		snprintf(buf, len, "?");
	else if (btf_is_struct(t))
		snprintf(buf, len, "struct %s", name && *name ? name : "(anon)");
	else if (btf_is_union(t))
		snprintf(buf, len, "union %s", name && *name ? name : "(anon)");
	else if (btf_is_enum(t) || btf_is_enum64(t))
		snprintf(buf, len, "enum %s", name && *name ? name : "(anon)");
	else
		snprintf(buf, len, "%s", name && *name ? name : "?");
	return buf;
}
