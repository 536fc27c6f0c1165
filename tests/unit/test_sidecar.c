// SPDX-License-Identifier: MIT
/*
 * Reading fleet sidecars back (fleet/sidecar.h): arrays in the JSON
 * reader, decoded fields of every kind round-tripped through their JSON
 * and kinds, a sidecar read into a summary, and a bad member named by its
 * key.  Building sidecars from real dumps is test_fleet_sidecar.sh's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "base/json.h"
#include "base/jsonl.h"
#include "detectors/fields.h"
#include "fleet/sidecar.h"

static void test_arrays(void **state)
{
	struct ld_jarr a;
	size_t where = 99;

	(void)state;
	assert_int_equal(ld_jarr_parse(" [\"a\\u0041\", 12, null, {\"k\": [1, 2]}, [3] ] ", &a, &where), 0);
	assert_int_equal(a.n, 5);
	assert_string_equal(a.vals[0], "aA");
	assert_string_equal(a.vals[1], "12");
	assert_null(a.vals[2]);
	assert_string_equal(a.vals[3], "{\"k\": [1, 2]}");
	assert_string_equal(a.vals[4], "[3]");
	ld_jarr_free(&a);
	assert_int_equal(ld_jarr_parse("[]", &a, &where), 0);
	assert_int_equal(a.n, 0);
	ld_jarr_free(&a);
	assert_int_equal(ld_jarr_parse("[1,]", &a, &where), -EINVAL);
	assert_int_equal(ld_jarr_parse("[1 2]", &a, &where), -EINVAL);
	assert_int_equal(where, 3);
	assert_int_equal(ld_jarr_parse("[\"open", &a, &where), -EINVAL);
	assert_int_equal(ld_jarr_parse("[1] x", &a, &where), -EINVAL);
	assert_int_equal(ld_jarr_parse("{}", &a, &where), -EINVAL);
	assert_int_equal(where, 0);
}

/* Every kind, out as JSON with its kinds and back through ld_fields__add_json. */
static void test_fields_round_trip(void **state)
{
	struct ld_fields f, back, copy;
	struct ld_jobj vals, kinds;
	char *buf = NULL, why[192];
	size_t len = 0, where;
	struct ld_json j;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	ld_fields__init(&f, "syscall");
	ld_fields__str(&f, "errno", "%s", "ENOENT \"quoted\"");
	ld_fields__u64(&f, "nr", 257);
	ld_fields__s64(&f, "ret", -2);
	ld_fields__hex(&f, "arg0", 0xffffffffffffff9cULL);
	ld_fields__ns(&f, "latency_ns", 1250000);
	ld_fields__bytes(&f, "len", 4096);
	ld_fields__bool(&f, "cut", true);
	ld_json__init(&j, out, 0);
	ld_json__begin_object(&j);
	ld_json__key(&j, "v");
	ld_fields__json_object(&f, &j);
	ld_json__key(&j, "k");
	ld_fields__json_kinds(&f, &j);
	ld_json__end_object(&j);
	assert_int_equal(ld_json__end(&j), 0);
	fclose(out);

	{
		struct ld_jobj top;

		assert_int_equal(ld_jobj_parse(buf, &top, &where), 0);
		assert_int_equal(ld_jobj_parse(ld_jobj_get(&top, "v"), &vals, &where), 0);
		assert_int_equal(ld_jobj_parse(ld_jobj_get(&top, "k"), &kinds, &where), 0);
		ld_jobj_free(&top);
	}
	ld_fields__init(&back, "syscall");
	for (size_t i = 0; i < vals.n; i++)
		assert_int_equal(ld_fields__add_json(&back, vals.keys[i], ld_jobj_get(&kinds, vals.keys[i]),
						     vals.vals[i], why, sizeof(why)), 0);
	assert_int_equal(back.n, f.n);
	/* A copy keeps its names (now in its own buffer) and strings. */
	ld_fields__copy(&copy, &back);
	memset(&back, 0x55, sizeof(back));
	for (unsigned i = 0; i < f.n; i++) {
		char a[128], b[128];

		assert_string_equal(copy.v[i].name, f.v[i].name);
		assert_int_equal(copy.v[i].kind, f.v[i].kind);
		assert_string_equal(ld_field__text(&copy.v[i], b, sizeof(b)),
				    ld_field__text(&f.v[i], a, sizeof(a)));
	}
	assert_int_equal(ld_fields__add_json(&copy, "nr", "u64", "1", why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "field \"nr\" is given twice");
	assert_int_equal(ld_fields__add_json(&copy, "x", "u64", "-1", why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "field \"x\": \"-1\" is not a u64 value");
	assert_int_equal(ld_fields__add_json(&copy, "x", "hex", "12", why, sizeof(why)), -EINVAL);
	assert_int_equal(ld_fields__add_json(&copy, "x", "float", "1", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "kind \"float\" is not one of"));
	assert_int_equal(ld_fields__add_json(&copy, "Bad-Name", "str", "1", why, sizeof(why)), -EINVAL);
	assert_int_equal(ld_fields__add_json(&copy, "y", NULL, "1", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "kind missing"));
	ld_jobj_free(&vals);
	ld_jobj_free(&kinds);
	free(buf);
}

#define GOOD "{\"version\":1,\"file\":\"/var/lib/livedump/20261207T135455.265-r-srv-42.core\"," \
	"\"name\":\"20261207T135455.265-r-srv-42.core\",\"size\":4096,\"state\":\"complete\"," \
	"\"why\":null,\"has_header\":true,\"host\":\"web1\",\"time_ns\":\"1796651695246994677\"," \
	"\"issue\":\"syscall\",\"summary\":\"openat failed\",\"fields\":{\"errno\":\"ENOENT\"," \
	"\"latency_ns\":1200},\"field_kinds\":{\"errno\":\"str\",\"latency_ns\":\"ns\"}," \
	"\"rule\":\"r\",\"pid\":42,\"tid\":43,\"comm\":\"srv\",\"exe\":\"/srv/bin/srv\",\"code\":0," \
	"\"capture_type\":\"context\",\"unit\":\"srv.service\",\"container\":{\"runtime\":\"docker\"," \
	"\"id\":\"4f1d\",\"pod_uid\":null},\"kfunc\":null,\"group\":null,\"format\":\"1.7\"," \
	"\"disk_size\":4096,\"compression\":null,\"cmdline\":[\"/srv/bin/srv\",\"-x\"]," \
	"\"build_ids\":[{\"path\":\"/srv/bin/srv\",\"build_id\":\"4e03dc\"}]," \
	"\"signature\":{\"folded\":\"main;f\",\"truncated\":false,\"frames\":[{\"pc\":\"0x401000\"," \
	"\"function\":\"f\",\"offset\":16,\"module\":\"/srv/bin/srv\",\"module_offset\":\"0x1000\"," \
	"\"file\":\"srv.c\",\"line\":9,\"inlined\":false,\"kernel\":false,\"debuginfod\":false}," \
	"{\"pc\":\"0x401100\",\"function\":\"main\",\"offset\":0,\"module\":null," \
	"\"module_offset\":\"0x0\",\"file\":null,\"line\":null,\"inlined\":false,\"kernel\":false," \
	"\"debuginfod\":true}]}}\n"

static void test_parse_good(void **state)
{
	struct ld_sidecar sc;
	char why[512], buf[64];

	(void)state;
	assert_int_equal(ld_sidecar__parse(GOOD, strlen(GOOD), &sc, why, sizeof(why)), 0);
	assert_string_equal(sc.sum.name, "20261207T135455.265-r-srv-42.core");
	assert_int_equal(sc.sum.state, LD_DUMP_COMPLETE);
	assert_true(sc.sum.has_header);
	assert_string_equal(sc.sum.host, "web1");
	assert_int_equal(sc.sum.time_ns, 1796651695246994677ULL);
	assert_string_equal(sc.sum.issue, "syscall");
	assert_string_equal(sc.sum.fields->detector, "syscall");
	assert_string_equal(sc.sum.fields->summary, "openat failed");
	assert_string_equal(ld_field__text(ld_fields__get(sc.sum.fields, "latency_ns"), buf, sizeof(buf)),
			    "1.200 us");
	assert_int_equal(sc.sum.pid, 42);
	assert_int_equal(sc.sum.tid, 43);
	assert_int_equal(sc.sum.capture_type, 0);
	assert_string_equal(sc.sum.unit, "srv.service");
	assert_string_equal(sc.sum.container_runtime, "docker");
	assert_string_equal(sc.sum.container_id, "4f1d");
	assert_string_equal(sc.format, "1.7");
	assert_int_equal(sc.nbuild_ids, 1);
	assert_string_equal(sc.signature, "main;f");
	assert_int_equal(sc.stack.n, 2);
	assert_int_equal(sc.stack.frames[0].pc, 0x401000);
	assert_string_equal(sc.stack.frames[0].function, "f");
	assert_int_equal(sc.stack.frames[0].line, 9);
	assert_null(sc.stack.frames[1].module);
	assert_true(sc.stack.frames[1].debuginfod);
	ld_sidecar__clear(&sc);
}

/* GOOD with one member's text replaced: the message names that key. */
static void expect_bad(const char *from, const char *to, const char *msg)
{
	char text[sizeof(GOOD) + 256], why[512];
	const char *at = strstr(GOOD, from);
	struct ld_sidecar sc;

	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
	assert_int_equal(ld_sidecar__parse(text, strlen(text), &sc, why, sizeof(why)), -EINVAL);
	if (!strstr(why, msg))
		fail_msg("for %s -> %s: '%s' does not say '%s'", from, to, why, msg);
	ld_sidecar__clear(&sc);
}

static void test_parse_bad(void **state)
{
	struct ld_sidecar sc;
	char why[512];

	(void)state;
	expect_bad("\"version\":1", "\"version\":2", "key \"version\": 2 is not a sidecar version");
	expect_bad("\"time_ns\":\"1796651695246994677\"", "\"time_ns\":\"soon\"",
		   "key \"time_ns\": \"soon\" is not a number");
	expect_bad("\"size\":4096,", "", "key \"size\": missing");
	expect_bad("\"state\":\"complete\"", "\"state\":\"fine\"", "key \"state\": \"fine\" is not complete");
	expect_bad("\"name\":\"20261207T135455.265-r-srv-42.core\"", "\"name\":\"other.core\"",
		   "key \"name\": \"other.core\" is not the name in \"file\"");
	expect_bad("\"name\":\"20261207T135455.265-r-srv-42.core\"", "\"name\":\"../x\"",
		   "key \"name\": \"../x\" is not a file name");
	expect_bad("\"pid\":42", "\"pid\":4294967296", "key \"pid\": \"4294967296\" is not a number from 0 to 4294967295");
	expect_bad("\"comm\":\"srv\"", "\"comm\":\"a-name-longer-than-sixteen\"", "key \"comm\": longer than 16 bytes");
	expect_bad("\"capture_type\":\"context\"", "\"capture_type\":\"huge\"", "key \"capture_type\": \"huge\"");
	expect_bad("\"latency_ns\":1200", "\"latency_ns\":\"slow\"", "key \"fields\": field \"latency_ns\": \"slow\" is not a ns value");
	expect_bad("\"build_id\":\"4e03dc\"", "\"build_id\":\"XYZ\"", "key \"build_ids\": entry 0: build_id \"XYZ\" is not lower-case hex");
	expect_bad("\"container\":{\"runtime\":\"docker\"", "\"container\":{\"runtime\":\"a-runtime-too-long\"",
		   "key \"container\": key \"runtime\": longer than 15 bytes");
	expect_bad("\"pc\":\"0x401000\"", "\"pc\":\"401000\"", "key \"signature\": key \"frames\": key \"pc\": \"401000\" is not a hex number");
	expect_bad("\"frames\":[{", "\"frames\":[7,{", "key \"signature\": key \"frames\": a frame is not a JSON object");
	expect_bad("\"folded\":\"main;f\",", "", "key \"signature\": key \"folded\": missing");
	expect_bad("\"cmdline\":[", "\"cmdline\":{[", "not a JSON object");
	assert_int_equal(ld_sidecar__parse("[1]", 3, &sc, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "not a JSON object (at column 0)");
	ld_sidecar__clear(&sc);
	assert_int_equal(ld_sidecar__parse("{\"a\":1}\0x", 9, &sc, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "holds a NUL byte");
	ld_sidecar__clear(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_fields_round_trip),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
