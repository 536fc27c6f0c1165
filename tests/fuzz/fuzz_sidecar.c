// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the fleet sidecar reader (src/fleet/sidecar.c, and under
 * it base/jsonl.c and the fields read back in detectors/fields.c) on any
 * bytes: sidecars come from an object store nobody here controls.
 * Beyond not crashing: an error names the key that is wrong (or says the
 * text is not an object at all); a sidecar accepted shows as list --json
 * does, as one valid object that the journal's reader reads back.
 */
#include "fuzz.h"
#include "base/json.h"
#include "base/jsonl.h"
#include "fleet/sidecar.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static bool named(const char *why)
{
	static const char *const whole[] = {
		"key \"", "not a JSON object", "larger than", "holds a NUL", "out of memory",
	};

	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
		if (!strncmp(why, whole[i], strlen(whole[i])))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_sidecar sc;
	struct ld_jobj back;
	struct ld_json j;
	char why[512], *buf = NULL;
	size_t len = 0, where;
	FILE *f;
	int ret = ld_sidecar__parse((const char *)data, size, &sc, why, sizeof(why));

	if (ret) {
		FUZZ_CHECK(why[0] && named(why), "an error that names nothing: '%s'", why);
		FUZZ_CHECK(strlen(why) < sizeof(why) && !strchr(why, '\n'), "not one line: '%s'", why);
		ld_sidecar__clear(&sc);
		return 0;
	}
	FUZZ_CHECK(sc.sum.path && sc.sum.name && strlen(sc.sum.name) > 0, "no name");
	for (size_t i = 0; i < sc.stack.n; i++)
		FUZZ_CHECK(!sc.stack.frames[i].function || strlen(sc.stack.frames[i].function) < size,
			   "frame %zu: a function longer than the input", i);
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	ld_json__init(&j, f, 0);
	ld_json__begin_object(&j);
	ld_dump_summary__json(&sc.sum, &j);
	ld_json__end_object(&j);
	FUZZ_CHECK(!ld_json__end(&j), "the summary of an accepted sidecar is not one JSON object");
	fclose(f);
	FUZZ_CHECK(!ld_jobj_parse(buf, &back, &where), "its JSON does not read back (column %zu): %s",
		   where, buf);
	ld_jobj_free(&back);
	free(buf);
	ld_sidecar__clear(&sc);
	return 0;
}
