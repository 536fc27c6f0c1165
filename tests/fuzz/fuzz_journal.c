// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the journal reader — `livedump script JOURNAL` (the line
 * reader in src/cli/cmd_script.c and its JSON parser, src/base/jsonl.c)
 * on any file, listed as text.  Journals sit in the output directory and
 * their values (comm, paths, summaries) come from watched processes.
 *
 * The same input also checks the writer against the reader: its bytes,
 * split at NULs, are an entry's strings; the line ld_journal__format()
 * makes of them is one line that the reader parses back to the same
 * values (nested "fields" included).
 */
#include <fcntl.h>
#include "fuzz.h"
#include "base/jsonl.h"
#include "cli/commands.h"
#include "collector/journal.h"
#include "detectors/fields.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	(void)argc;
	(void)argv;
	fuzz_quiet();
	/* The listing is not the point: only libFuzzer's stderr is kept. */
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		abort();
	close(fd);
	return 0;
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Value @key of @o is @want (bytes that are not UTF-8 come back as code points). */
static void check_value(const struct ld_jobj *o, const char *key, const char *want,
			const char *line)
{
	const char *v = ld_jobj_get(o, key);

	if (!want) {
		FUZZ_CHECK(!v, "%s: null came back as '%s' in %s", key, v, line);
		return;
	}
	FUZZ_CHECK(v, "%s: missing in %s", key, line);
	FUZZ_CHECK(!ascii(want) || !strcmp(v, want), "%s: '%s' came back as '%s' in %s", key,
		   want, v, line);
}

static void round_trip(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *str[6], *line = NULL;
	struct ld_fields *f = malloc(sizeof(*f));
	struct ld_journal_entry e;
	struct ld_jobj o, fo;
	size_t len, where = 0, pos = 0;

	if (!f)
		abort();
	/* Up to six strings: NULs in the input end each (fuzz_str added the last). */
	for (int i = 0; i < 6; i++) {
		str[i] = pos <= size ? s + pos : s + size;
		pos += strlen(str[i]) + 1;
	}
	ld_fields__init(f, str[1]);
	ld_fields__str(f, "path", "%s", str[5]);
	ld_fields__u64(f, "count", size);
	ld_fields__summary(f, "%s", str[4]);
	e = (struct ld_journal_entry){
		.time_ns = fuzz_get(data, size < 8 ? size : 8), .rule = str[0], .issue = str[1],
		.pid = size, .tid = pos, .comm = str[2], .code = size * 7, .param = ~size,
		.fields = f, .verdict = "declined", .reason = *str[3] ? str[3] : NULL,
		.frozen = size & 1, .dump = size & 2 ? str[5] : NULL, .size = size,
		.pause_ns = size * 1000,
	};
	FUZZ_CHECK(!ld_journal__format(&e, &line, &len), "format failed");
	FUZZ_CHECK(len && line[len - 1] == '\n' && strlen(line) == len &&
		   !memchr(line, '\n', len - 1), "not one line: %s", line);
	line[len - 1] = 0;
	FUZZ_CHECK(!ld_jobj_parse(line, &o, &where), "column %zu: the reader rejects %s", where,
		   line);
	check_value(&o, "rule", e.rule, line);
	check_value(&o, "issue", e.issue, line);
	check_value(&o, "comm", e.comm, line);
	check_value(&o, "reason", e.reason, line);
	check_value(&o, "dump", e.dump, line);
	check_value(&o, "summary", f->summary, line);
	FUZZ_CHECK(ld_jobj_get(&o, "time_ns") &&
		   strtoull(ld_jobj_get(&o, "time_ns"), NULL, 10) == e.time_ns, "time_ns in %s", line);
	FUZZ_CHECK(ld_jobj_get(&o, "fields") &&
		   !ld_jobj_parse(ld_jobj_get(&o, "fields"), &fo, &where),
		   "column %zu: fields are not an object in %s", where, line);
	if (ld_fields__get(f, "path"))
		check_value(&fo, "path", ld_fields__get(f, "path")->str, line);
	ld_jobj_free(&fo);
	ld_jobj_free(&o);
	free(line);
	free(f);
	free(s);
}

/* Each line alone in a buffer of its size, so a read past its end is caught. */
static void parse_lines(const uint8_t *data, size_t size)
{
	for (size_t off = 0; off < size;) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - data) - off : size - off, where;
		char *line = fuzz_str(data + off, len);
		struct ld_jobj o;

		if (!ld_jobj_parse(line, &o, &where)) {
			for (size_t i = 0; i < o.n; i++)
				FUZZ_CHECK(!o.vals[i] || strlen(o.vals[i]) <= 3 * len, "value %zu", i);
			ld_jobj_free(&o);
		} else {
			FUZZ_CHECK(where <= strlen(line), "error at column %zu of %zu", where, len);
		}
		free(line);
		off += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { "script", (char *)fuzz_file(data, size), NULL };
	int ret = cmd_script(2, argv);

	FUZZ_CHECK(ret == 0, "script failed (%d) on a readable journal", ret);
	parse_lines(data, size);
	round_trip(data, size);
	return 0;
}
