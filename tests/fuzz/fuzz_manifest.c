// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the group manifest reader (src/group/manifest.c) and its
 * display (manifest_show.c, text and JSON) on any file.  Manifests sit in
 * the output directory and their values (comm, exe, socket paths, wchan)
 * come from watched processes.  Beyond not crashing: what was read is
 * shown whole, and its JSON is one valid document (the view says so).
 */
#include <fcntl.h>
#include "fuzz.h"
#include "base/view.h"
#include "group/manifest.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	return 0;
}

static void show(const struct ld_manifest *mf, enum ld_view_format fmt)
{
	struct ld_view_opts vo = { .format = fmt, .out = devnull };
	struct ld_view *v = ld_view__new(&vo);

	if (!v)
		abort();
	ld_view__object(v, NULL);
	ld_manifest_show(v, mf);
	ld_view__object_end(v);
	FUZZ_CHECK(!ld_view__free(v), "showing a manifest read back failed (%s)",
		   fmt == LD_VIEW_JSON ? "json" : "text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_manifest mf;
	char err[512];

	if (ld_manifest_read(fuzz_file(data, size), &mf, err, sizeof(err)))
		return 0;
	show(&mf, LD_VIEW_TEXT);
	show(&mf, LD_VIEW_JSON);
	ld_manifest__free(&mf);
	return 0;
}
