// SPDX-License-Identifier: MIT
/*
 * The BTF subset a dump carries for its kernel objects (capture/btfsub.h)
 * and their rendering (analysis/btfrender.h): what is copied in full and
 * what becomes a forward declaration, ids rewritten so the subset stands
 * alone, the running kernel's struct request kept small; JSON of members,
 * bitfields, enums, char arrays, pointers and anonymous unions; and the
 * checks a type id or size from a dump must pass before anything renders.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "analysis/btfpath.h"
#include "analysis/btfrender.h"
#include "base/json.h"
#include "capture/btfsub.h"
#include "capture/knotes.h"
#include "dump/dump_writer.h"
#include "dump/dumpfmt.h"
#include "kabi/records.h"

/*
 * struct other { long x; };
 * enum colour { RED = 1, BLUE = 2 };
 * struct inner { int a; char name[8]; };
 * struct outer {
 *	struct inner in;		// 0
 *	struct other *p;		// 16
 *	enum colour c;			// 24
 *	unsigned int lo:3, hi:5;	// 28
 *	struct outer *self;		// 32
 *	union { unsigned int u; int s; };	// 40
 *	const struct other *cp;		// 48
 * };					// 56
 */
struct ids {
	int i32, u32, chr, lng, other, colour, inner, outer, arr, u32idx;
};

static struct btf *make_btf(struct ids *id)
{
	struct btf *b = btf__new_empty();
	int anon, ptr_other, ptr_outer, const_other, ptr_const;

	assert_non_null(b);
	id->i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	id->u32 = btf__add_int(b, "unsigned int", 4, 0);
	id->chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED | BTF_INT_CHAR);
	id->lng = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	id->other = btf__add_struct(b, "other", 8);
	btf__add_field(b, "x", id->lng, 0, 0);
	id->colour = btf__add_enum(b, "colour", 4);
	btf__add_enum_value(b, "RED", 1);
	btf__add_enum_value(b, "BLUE", 2);
	id->arr = btf__add_array(b, id->u32, id->chr, 8);
	id->inner = btf__add_struct(b, "inner", 12);
	btf__add_field(b, "a", id->i32, 0, 0);
	btf__add_field(b, "name", id->arr, 32, 0);
	ptr_other = btf__add_ptr(b, id->other);
	anon = btf__add_union(b, NULL, 4);
	btf__add_field(b, "u", id->u32, 0, 0);
	btf__add_field(b, "s", id->i32, 0, 0);
	const_other = btf__add_const(b, id->other);
	ptr_const = btf__add_ptr(b, const_other);
	/* The pointer to outer comes first: fields go to the type added last. */
	ptr_outer = btf__add_ptr(b, btf__type_cnt(b) + 1);
	id->outer = btf__add_struct(b, "outer", 56);
	btf__add_field(b, "in", id->inner, 0, 0);
	btf__add_field(b, "p", ptr_other, 128, 0);
	btf__add_field(b, "c", id->colour, 192, 0);
	btf__add_field(b, "lo", id->u32, 224, 3);
	btf__add_field(b, "hi", id->u32, 227, 5);
	btf__add_field(b, "self", ptr_outer, 256, 0);
	btf__add_field(b, NULL, anon, 320, 0);
	btf__add_field(b, "cp", ptr_const, 384, 0);
	assert_true(id->outer > 0 && ptr_outer > 0);
	return b;
}

static const struct btf_type *member_type(const struct btf *b, uint32_t sid, const char *name)
{
	const struct btf_type *t = btf__type_by_id(b, sid);
	const struct btf_member *m = btf_members(t);

	for (unsigned i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(b, m[i].name_off), name))
			return btf__type_by_id(b, m[i].type);
	fail_msg("no member %s", name);
	return NULL;
}

/* The subset of struct outer, parsed back from its raw bytes as a dump's reader would. */
static struct btf *subset(const struct btf *src, uint32_t root, uint32_t *out)
{
	struct ld_btfsub *s;
	const void *raw;
	struct btf *b;
	uint32_t len;

	assert_int_equal(ld_btfsub__new(src, &s), 0);
	ld_btfsub__want(s, root);
	assert_int_equal(ld_btfsub__add(s, root, out), 0);
	raw = ld_btfsub__raw(s, &len);
	assert_non_null(raw);
	b = btf__new(raw, len);
	assert_false(libbpf_get_error(b));
	ld_btfsub__free(s);
	return b;
}

static void test_subset(void **state)
{
	struct ids id;
	struct btf *src = make_btf(&id), *b;
	const struct btf_type *t, *p;
	uint32_t outer;

	(void)state;
	b = subset(src, id.outer, &outer);
	t = btf__type_by_id(b, outer);
	assert_true(btf_is_struct(t));
	assert_string_equal(btf__name_by_offset(b, t->name_off), "outer");
	assert_int_equal(btf__resolve_size(b, outer), 56);
	/* By value: in full, inner's array of char too. */
	p = member_type(b, outer, "in");
	assert_true(btf_is_struct(p));
	assert_int_equal(p->size, 12);
	/* Through a pointer: struct other is a forward declaration, with or without const. */
	p = btf__type_by_id(b, member_type(b, outer, "p")->type);
	assert_true(btf_is_fwd(p));
	assert_string_equal(btf__name_by_offset(b, p->name_off), "other");
	p = btf__type_by_id(b, member_type(b, outer, "cp")->type);
	assert_true(btf_is_fwd(p));
	/* A pointer to a wanted type points at it, not at a declaration. */
	assert_int_equal(member_type(b, outer, "self")->type, outer);
	/* Nothing of the source that outer does not need: no struct other in full. */
	for (uint32_t i = 1; i < btf__type_cnt(b); i++) {
		t = btf__type_by_id(b, i);
		if (btf_is_struct(t))
			assert_string_not_equal(btf__name_by_offset(b, t->name_off), "other");
	}
	btf__free(b);
	btf__free(src);
}

static void test_subset_bad_id(void **state)
{
	struct ids id;
	struct btf *src = make_btf(&id);
	struct ld_btfsub *s;
	uint32_t out;

	(void)state;
	assert_int_equal(ld_btfsub__new(src, &s), 0);
	assert_int_equal(ld_btfsub__add(s, btf__type_cnt(src) + 5, &out), -EINVAL);
	ld_btfsub__free(s);
	btf__free(src);
}

static char *render_json(const struct btf *b, uint32_t tid, const void *data, size_t len, int *ret)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct ld_json j;

	assert_non_null(f);
	ld_json__init(&j, f, 0);
	*ret = ld_btf_render_json(&j, b, tid, data, len);
	ld_json__end(&j);
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void fill(unsigned char *obj)
{
	int32_t a = -7, s = -2;
	uint64_t p = 0xffff888100001000ULL, self = 0xffff888100002000ULL;
	uint32_t c = 2, bits = 5 | 17 << 3;

	memset(obj, 0, 56);
	memcpy(obj, &a, 4);
	memcpy(obj + 4, "loop0", 5);
	memcpy(obj + 16, &p, 8);
	memcpy(obj + 24, &c, 4);
	memcpy(obj + 28, &bits, 4);
	memcpy(obj + 32, &self, 8);
	memcpy(obj + 40, &s, 4);
}

static void test_json(void **state)
{
	struct ids id;
	struct btf *src = make_btf(&id), *b;
	unsigned char obj[56];
	uint32_t outer;
	char *s;
	int ret;

	(void)state;
	b = subset(src, id.outer, &outer);
	fill(obj);
	s = render_json(b, outer, obj, sizeof(obj), &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(s, "{\"in\":{\"a\":-7,\"name\":\"loop0\"},\"p\":\"0xffff888100001000\","
			    "\"c\":\"BLUE\",\"lo\":5,\"hi\":17,\"self\":\"0xffff888100002000\","
			    "\"u\":4294967294,\"s\":-2,\"cp\":\"0x0\"}");
	free(s);
	/* An enum value without a name is its number. */
	obj[24] = 9;
	s = render_json(b, outer, obj, sizeof(obj), &ret);
	assert_non_null(strstr(s, "\"c\":9,"));
	free(s);
	btf__free(b);
	btf__free(src);
}

static void test_checks(void **state)
{
	struct ids id;
	struct btf *b = make_btf(&id);
	unsigned char obj[56];
	char *s, name[64];
	int ret;

	(void)state;
	fill(obj);
	/* Fewer bytes than the type: nothing rendered, null. */
	s = render_json(b, id.outer, obj, 40, &ret);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(s, "null");
	free(s);
	/* Type ids past the BTF, void, a forward declaration. */
	assert_int_equal(ld_btf_render_check(b, btf__type_cnt(b), 56), -EINVAL);
	assert_int_equal(ld_btf_render_check(b, 0, 56), -EINVAL);
	assert_int_equal(ld_btf_render_check(b, btf__add_fwd(b, "x", BTF_FWD_STRUCT), 56), -EINVAL);
	assert_int_equal(ld_btf_render_check(b, id.outer, 56), 0);
	assert_int_equal(ld_btf_render_text(stdout, b, id.outer, obj, 8, 0), -EINVAL);
	assert_string_equal(ld_btf_type_name(b, id.outer, name, sizeof(name)), "struct outer");
	assert_string_equal(ld_btf_type_name(b, 99999, name, sizeof(name)), "?");
	btf__free(b);
}

/* What a dump's BTF must pass before btf_dump (which follows ids unchecked) sees it. */
static void test_validate(void **state)
{
	struct ids id;
	struct btf *b = make_btf(&id);
	char why[128];
	int self;

	(void)state;
	assert_int_equal(ld_btf_validate(b, why, sizeof(why)), 0);
	/* A struct holding itself by value: rendering it would never end. */
	self = btf__add_struct(b, "loop", 4);
	btf__add_field(b, "again", self, 0, 0);
	assert_int_equal(ld_btf_validate(b, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "contains itself"));
	btf__free(b);
	/* A reference past the last type. */
	b = make_btf(&id);
	btf__add_ptr(b, 4000);
	assert_int_equal(ld_btf_validate(b, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "refers to type 4000"));
	btf__free(b);
	/* A pointer to itself is fine: not by value. */
	b = make_btf(&id);
	btf__add_ptr(b, btf__type_cnt(b));
	assert_int_equal(ld_btf_validate(b, why, sizeof(why)), 0);
	btf__free(b);
}

static void test_text(void **state)
{
	struct ids id;
	struct btf *b = make_btf(&id);
	unsigned char obj[56];
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	(void)state;
	fill(obj);
	assert_int_equal(ld_btf_render_text(f, b, id.outer, obj, sizeof(obj), 4), 0);
	fclose(f);
	assert_non_null(strstr(buf, "    (struct outer){\n"));
	assert_non_null(strstr(buf, ".c = (enum colour)BLUE,"));
	assert_non_null(strstr(buf, ".a = (int)-7,"));
	free(buf);
	btf__free(b);
}

/* The running kernel's struct request: its subset is small and stands alone. */
static void test_kernel_request(void **state)
{
	const struct btf *k = ld_kernel_btf();
	struct btf *b;
	const struct btf_type *t;
	uint32_t rq;
	int id;

	(void)state;
	if (!k) {
		skip();
		return;
	}
	id = btf__find_by_name_kind(k, "request", BTF_KIND_STRUCT);
	assert_true(id > 0);
	b = subset(k, id, &rq);
	assert_int_equal(btf__resolve_size(b, rq), btf__resolve_size(k, id));
	assert_true(btf__type_cnt(b) < 400);
	/* Its task is reached through pointers only: declared, not copied. */
	for (uint32_t i = 1; i < btf__type_cnt(b); i++) {
		t = btf__type_by_id(b, i);
		if (btf_is_struct(t))
			assert_string_not_equal(btf__name_by_offset(b, t->name_off), "task_struct");
	}
	btf__free(b);
}

/* Every type a detector copies: its subset from the running kernel checks as a dump's must. */
static void test_kernel_types(void **state)
{
	static const char *const names[] = {
		"request", "bio", "gendisk", "request_queue", "blk_mq_hw_ctx", "file",
		"mm_struct", "mem_cgroup", "oom_control", "dentry",
	};
	const struct btf *k = ld_kernel_btf();
	char why[128];

	(void)state;
	if (!k) {
		skip();
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int id = btf__find_by_name_kind(k, names[i], BTF_KIND_STRUCT);
		uint32_t nid;
		struct btf *b;

		assert_true(id > 0);
		b = subset(k, id, &nid);
		if (ld_btf_validate(b, why, sizeof(why)))
			fail_msg("struct %s: %s", names[i], why);
		assert_int_equal(btf__resolve_size(b, nid), btf__resolve_size(k, id));
		btf__free(b);
	}
}


/*
 * Member paths (analysis/btfpath.h) in struct outer and in
 *   struct path2 { struct other *mnt; struct other *dentry; };
 *   struct file2 { long x; struct path2 f_path; union { struct other *u1; long u2; }; };
 */
static uint32_t add_file2(struct btf *b, const struct ids *id)
{
	int ptr_other = btf__add_ptr(b, id->other), path2, anon, file2;

	path2 = btf__add_struct(b, "path2", 16);
	btf__add_field(b, "mnt", ptr_other, 0, 0);
	btf__add_field(b, "dentry", ptr_other, 64, 0);
	anon = btf__add_union(b, NULL, 8);
	btf__add_field(b, "u1", ptr_other, 0, 0);
	btf__add_field(b, "u2", id->lng, 0, 0);
	file2 = btf__add_struct(b, "file2", 32);
	btf__add_field(b, "x", id->lng, 0, 0);
	btf__add_field(b, "f_path", path2, 64, 0);
	btf__add_field(b, NULL, anon, 192, 0);
	assert_true(file2 > 0);
	return file2;
}

static void expect_path_error(const struct btf *b, uint32_t id, const char *path, int err,
			      const char *want)
{
	struct ld_btf_path p;
	char why[192];

	assert_int_equal(ld_btf_path_resolve(b, id, path, &p, why, sizeof(why)), err);
	assert_string_equal(why, want);
}

static void test_paths(void **state)
{
	struct ids id;
	struct btf *b = make_btf(&id);
	uint32_t file2 = add_file2(b, &id), target;
	struct ld_btf_path p;
	char why[192], name[64];

	(void)state;
	assert_int_equal(ld_btf_path_resolve(b, id.outer, "p", &p, why, sizeof(why)), 0);
	assert_int_equal(p.hops, 1);
	assert_int_equal(p.off[0], 16);
	assert_int_equal(p.type, id.other);
	/* A const pointer is one, and two pointers may be crossed. */
	assert_int_equal(ld_btf_path_resolve(b, id.outer, "cp", &p, why, sizeof(why)), 0);
	assert_int_equal(p.off[0], 48);
	assert_int_equal(p.type, id.other);
	assert_int_equal(ld_btf_path_resolve(b, id.outer, "self.p", &p, why, sizeof(why)), 0);
	assert_int_equal(p.hops, 2);
	assert_int_equal(p.off[0], 32);
	assert_int_equal(p.off[1], 16);
	/* Into an embedded struct, and through an anonymous union. */
	assert_int_equal(ld_btf_path_resolve(b, file2, "f_path.dentry", &p, why, sizeof(why)), 0);
	assert_int_equal(p.hops, 1);
	assert_int_equal(p.off[0], 16);
	assert_int_equal(ld_btf_path_resolve(b, file2, "u1", &p, why, sizeof(why)), 0);
	assert_int_equal(p.off[0], 24);
	expect_path_error(b, id.outer, "self.self.p", -E2BIG,
			  "'self.self.p' crosses more than 2 pointers (follow one on the way too)");
	expect_path_error(b, id.outer, "nope", -ENOENT, "struct outer has no member 'nope'");
	expect_path_error(b, id.outer, "self.nope", -ENOENT, "struct outer has no member 'nope'");
	expect_path_error(b, id.outer, "in", -EINVAL, "'in' in struct outer is not a pointer to a struct");
	expect_path_error(b, id.outer, "in.a", -EINVAL, "'a' in struct inner is not a pointer to a struct");
	expect_path_error(b, id.outer, "c.x", -EINVAL, "'c' in struct outer is neither a struct nor a "
			  "pointer to one: nothing to go on into");
	expect_path_error(b, id.outer, "lo", -EINVAL,
			  "'lo' in struct outer is a bitfield, not a pointer to a struct");
	expect_path_error(b, id.outer, "p..x", -EINVAL,
			  "'p..x' is not a member name (expected NAME.NAME...)");
	/* And back: offsets to names, the target's type beside. */
	assert_int_equal(ld_btf_path_name(b, file2, 16, name, sizeof(name), &target), 0);
	assert_string_equal(name, "f_path.dentry");
	assert_int_equal(target, id.other);
	assert_int_equal(ld_btf_path_name(b, file2, 24, name, sizeof(name), &target), 0);
	assert_string_equal(name, "u1");
	assert_int_equal(ld_btf_path_name(b, id.outer, 32, name, sizeof(name), &target), 0);
	assert_string_equal(name, "self");
	assert_int_equal(target, id.outer);
	assert_int_equal(ld_btf_path_name(b, id.outer, 0, name, sizeof(name), &target), -ENOENT);
	assert_int_equal(ld_btf_path_name(b, id.outer, 20, name, sizeof(name), &target), -ENOENT);
	assert_int_equal(ld_btf_path_name(b, file2, 16, name, 8, &target), -ENOENT);	/* no room */
	btf__free(b);
}

/*
 * A set as BPF sends it, with a followed object: the note names its parent,
 * the pointer and the path (from the BTF), and a link to a later slot (not
 * a parent: parents come first) makes a root.
 */
static void test_kobj_note(void **state)
{
	struct ids id;
	struct btf *b = make_btf(&id);
	uint32_t file2 = add_file2(b, &id);
	struct {
		struct ld_kobj_set set;
		unsigned char data[64];
	} k = { 0 };
	struct ld_notes n = { 0 };
	struct ld_note_kobj h;
	struct ld_note_kobj_ent e[3];
	const unsigned char *desc;
	uint32_t namesz;

	(void)state;
	k.set.n = LD_KOBJ_MAX;
	k.set.data_len = sizeof(k.data);
	k.set.d[0] = (struct ld_kobj_desc){ .addr = 0xffff0000, .btf_id = file2, .size = 32,
					    .len = 32, .off = 0, .role = LD_KOBJ_REQUEST };
	k.set.d[1] = (struct ld_kobj_desc){ .addr = 0xffff1000, .btf_id = id.other, .size = 8,
					    .len = 8, .off = 32, .role = LD_KOBJ_FOLLOW, .parent = 1,
					    .field_off = 16, .field_off2 = LD_KOBJ_NO_HOP };
	k.set.d[2] = (struct ld_kobj_desc){ .addr = 0xffff2000, .btf_id = id.other, .size = 8,
					    .len = 8, .off = 40, .role = LD_KOBJ_BIO, .parent = 4,
					    .field_off = 0, .field_off2 = LD_KOBJ_NO_HOP };
	assert_int_equal(ld_knotes__kobj(&n, b, &k, sizeof(k), NULL), 0);
	memcpy(&namesz, n.buf, sizeof(namesz));
	desc = n.buf + 12 + ((namesz + 3) & ~3U);
	memcpy(&h, desc, sizeof(h));
	assert_int_equal(h.count, 3);
	assert_int_equal(h.entry_size, sizeof(e[0]));
	memcpy(e, desc + h.size, sizeof(e));
	assert_string_equal(e[0].name, "request");
	assert_int_equal(e[0].parent, 0);
	assert_int_equal(e[0].via_off, 0);
	assert_string_equal(e[1].name, "request.f_path.dentry");
	assert_int_equal(e[1].parent, 1);
	assert_int_equal(e[1].field_off, 16);
	assert_true(e[1].via_off > 0);
	assert_string_equal((const char *)desc + e[1].via_off, "f_path.dentry");
	assert_string_equal(e[2].name, "bio");
	assert_int_equal(e[2].parent, 0);
	assert_int_equal(e[2].field_off, 0);
	ld_notes__free(&n);
	btf__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subset),
		cmocka_unit_test(test_subset_bad_id),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_kernel_request),
		cmocka_unit_test(test_kernel_types),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_kobj_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
