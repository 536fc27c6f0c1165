// SPDX-License-Identifier: MIT
/*
 * The note table (notes/note.h) and the view that shows the notes
 * (base/view.h): every note type has one entry with a name and a parser,
 * no (owner, type) is listed twice, lookups find what the writer writes;
 * and one description gives the text and the JSON it promises.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <elf.h>
#include "dump/dumpfmt.h"
#include "notes/note.h"
#include "base/view.h"

static void test_table_complete(void **state)
{
	(void)state;
	for (unsigned i = 0; i < LD_NOTE__COUNT; i++) {
		const struct ld_note_ops *a = ld_notes[i];

		assert_non_null(a);
		assert_non_null(a->owner);
		assert_non_null(a->name);
		assert_non_null(a->parse);
		assert_ptr_equal(ld_note_find(a->owner, a->type), a);
		for (unsigned j = i + 1; j < LD_NOTE__COUNT; j++)
			assert_false(ld_notes[j]->type == a->type &&
				     !strcmp(ld_notes[j]->owner, a->owner));
	}
}

/* Every note the writer writes (dumpfmt.h and the core's own) has its entry. */
static void test_writer_notes_known(void **state)
{
	static const uint32_t ours[] = {
		LD_NT_HEADER, LD_NT_TRIGGER, LD_NT_THREADS, LD_NT_REGIONS, LD_NT_BLOB,
		LD_NT_FDS, LD_NT_MAPS, LD_NT_CMDLINE, LD_NT_MODULES, LD_NT_CAPTURE,
		LD_NT_HISTORY, LD_NT_KSTACK, LD_NT_KPROC, LD_NT_ISSUE_TEXT, LD_NT_RULES,
		LD_NT_ENVIRON, LD_NT_CWD, LD_NT_LIMITS, LD_NT_SOCKETS,
		LD_NT_COMPLETE,
	};
	static const uint32_t core[] = {
		NT_PRSTATUS, NT_FPREGSET, NT_PRPSINFO, NT_AUXV, NT_SIGINFO, NT_FILE,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		assert_non_null(ld_note_find(LD_NOTE_OWNER, ours[i]));
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		assert_non_null(ld_note_find("CORE", core[i]));
	assert_non_null(ld_note_find("LINUX", NT_X86_XSTATE));
	assert_null(ld_note_find(LD_NOTE_OWNER, 0x4c4400ff));
	assert_null(ld_note_find("GNU", NT_PRSTATUS));
	/* Only the completion record belongs in the trailer. */
	for (unsigned i = 0; i < LD_NOTE__COUNT; i++)
		assert_int_equal(!!(ld_notes[i]->flags & LD_NOTE_TRAILER),
				 ld_notes[i]->type == LD_NT_COMPLETE);
}

/* A small description: a line, an own-line item, a table, JSON-only and text-only items. */
static void describe(struct ld_view *v)
{
	static const struct ld_view_col cols[] = { { "TID", LD_COL_RIGHT }, { "NAME", 0 } };

	ld_view__object(v, NULL);
	ld_view__line(v, "process");
	ld_view__uint(v, "pid", "pid", 42);
	ld_view__qstr(v, "comm", "comm", "a\nb", 16);
	ld_view__uint(v, "secret", NULL, 7);
	ld_view__text(v, " (");
	ld_view__uint(v, "n", "", 3);
	ld_view__text(v, " bytes)");
	ld_view__printf(v, NULL, "", "text only");
	ld_view__line_end(v);
	ld_view__hex(v, "addr", "addr", 0x1f);
	ld_view__table(v, "threads", "threads", 2, 0, cols, 2);
	for (int i = 0; i < 2; i++) {
		ld_view__row(v);
		ld_view__uint(v, "tid", "", 100 + i);
		ld_view__str(v, "name", "", i ? "worker" : "main");
		ld_view__bool(v, "trigger", NULL, !i);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
	ld_view__array(v, "args");
	ld_view__line(v, "args");
	ld_view__str(v, "", "", "x");
	ld_view__text(v, " ");
	ld_view__str(v, "", "", "y");
	ld_view__line_end(v);
	ld_view__array_end(v);
	ld_view__null(v, "complete", "complete:   NO");
	ld_view__object_end(v);
}

static char *render(enum ld_view_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ld_view_opts o = { .format = fmt, .out = f };
	struct ld_view *v;

	assert_non_null(f);
	v = ld_view__new(&o);
	assert_non_null(v);
	describe(v);
	assert_int_equal(ld_view__free(v), 0);
	fclose(f);
	return buf;
}

static void test_view_text(void **state)
{
	char *t = render(LD_VIEW_TEXT);

	(void)state;
	assert_string_equal(t,
		"process:    pid 42  comm \"a\\x0ab\" (3 bytes)  text only\n"
		"addr:       0x1f\n"
		"\n"
		"threads (2):\n"
		"  TID  NAME\n"
		"  100  main\n"
		"  101  worker\n"
		"args:       x y\n"
		"complete:   NO\n");
	free(t);
}

static void test_view_json(void **state)
{
	char *t = render(LD_VIEW_JSON);

	(void)state;
	assert_string_equal(t,
		"{\n"
		"  \"pid\": 42,\n"
		"  \"comm\": \"a\\nb\",\n"
		"  \"secret\": 7,\n"
		"  \"n\": 3,\n"
		"  \"addr\": \"0x1f\",\n"
		"  \"threads\": [\n"
		"    {\n"
		"      \"tid\": 100,\n"
		"      \"name\": \"main\",\n"
		"      \"trigger\": true\n"
		"    },\n"
		"    {\n"
		"      \"tid\": 101,\n"
		"      \"name\": \"worker\",\n"
		"      \"trigger\": false\n"
		"    }\n"
		"  ],\n"
		"  \"args\": [\n"
		"    \"x\",\n"
		"    \"y\"\n"
		"  ],\n"
		"  \"complete\": null\n"
		"}\n");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_writer_notes_known),
		cmocka_unit_test(test_view_text),
		cmocka_unit_test(test_view_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
