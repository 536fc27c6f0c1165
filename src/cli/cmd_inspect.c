// SPDX-License-Identifier: MIT
/*
 * livedump inspect DUMP [--json] [--data] [--force]: what a dump holds.
 * The field names of --json are an interface: docs/commands/inspect.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "group/manifest.h"
#include "base/view.h"
#include "cli/commands.h"
#include "dump/dump_reader.h"
#include "fleet/sidecar.h"
#include "notes/note.h"

struct inspect_opts {
	bool json;
	bool data;
	bool force;
	bool sidecar;
	const char *host;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: livedump inspect DUMP|MANIFEST.group [--json] [--data] [--force]\n"
		"       livedump inspect DUMP --sidecar [--host NAME]\n"
		"\n"
		"Shows the header, trigger, threads, registered regions (checksums\n"
		"verified), secondary data, file descriptors and completion record;\n"
		"for a group dump's manifest, its members, what each thread was doing\n"
		"and the sockets and pipes between them.\n"
		"\n"
		"  --json     machine-readable output (docs/commands/inspect.md)\n"
		"  --data     with --json: include region and blob bytes as hex\n"
		"  -f, --force  show what a cut dump holds instead of failing\n"
		"  --sidecar  the dump's fleet sidecar: the one line of JSON stored beside\n"
		"             it in a fleet store (docs/fleet.md)\n"
		"  --host NAME  with --sidecar: the host it names (default: the dump's)\n"
		"\n"
		"Exit status: 0 ok, 1 the file is not a whole, valid dump, 2 usage.\n");
}

/* --- output --------------------------------------------------------------- */

/* Every note type shows itself (notes/note.h): one description, text or JSON. */
static int print_dump(const struct ld_dump *d, const struct inspect_opts *o)
{
	struct ld_view_opts vo = { .format = o->json ? LD_VIEW_JSON : LD_VIEW_TEXT, .out = stdout };
	struct ld_show_opts so = { .data = o->data };
	struct ld_view *v = ld_view__new(&vo);

	if (!v)
		return -ENOMEM;
	ld_notes__show(d, v, &so);
	return ld_view__free(v);
}

/* --- command --------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct inspect_opts *o, const char **path)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "data", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "sidecar", no_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;	/* a fresh scan, also when called twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'd': o->data = true; break;
		case 'f': o->force = true; break;
		case 's': o->sidecar = true; break;
		case 'H': o->host = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			ld_err("inspect: unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	/* Options may also follow the dump: DUMP --json. */
	for (; optind < argc; optind++) {
		const char *a = argv[optind];

		if (!strcmp(a, "--json"))
			o->json = true;
		else if (!strcmp(a, "--data"))
			o->data = true;
		else if (!strcmp(a, "--force") || !strcmp(a, "-f"))
			o->force = true;
		else if (!strcmp(a, "--sidecar"))
			o->sidecar = true;
		else if (!strncmp(a, "--host=", 7))
			o->host = a + 7;
		else if (!strcmp(a, "--host") && optind + 1 < argc)
			o->host = argv[++optind];
		else if (a[0] == '-' && a[1]) {
			ld_err("inspect: unknown option '%s'", a);
			usage(stderr);
			return 2;
		} else if (*path) {
			ld_err("inspect: one dump at a time ('%s' and '%s')", *path, a);
			return 2;
		} else {
			*path = a;
		}
	}
	if (!*path) {
		usage(stderr);
		return 2;
	}
	if (o->host && !o->sidecar) {
		ld_err("inspect: --host is for --sidecar");
		return 2;
	}
	return -1;
}

/* The sidecar the uploader stores beside the dump (fleet/sidecar.h). */
static int print_sidecar(const char *path, const struct inspect_opts *o)
{
	char *json;
	size_t len;
	int ret = ld_sidecar__build(path, o->host, &json, &len);

	if (ret) {
		ld_err("inspect: cannot build the sidecar of %s: %s", path, strerror(-ret));
		return 1;
	}
	ret = fwrite(json, 1, len, stdout) != len || fflush(stdout);
	free(json);
	if (ret) {
		ld_err("inspect: writing the output failed");
		return 1;
	}
	return 0;
}

/* A group dump's manifest (NAME.group): the group, as one issue. */
static int print_manifest(const char *path, const struct inspect_opts *o)
{
	struct ld_view_opts vo = { .format = o->json ? LD_VIEW_JSON : LD_VIEW_TEXT, .out = stdout };
	struct ld_manifest mf;
	struct ld_view *v;
	char err[512];
	int ret = ld_manifest_read(path, &mf, err, sizeof(err));

	if (ret) {
		ld_err("%s", err);
		return 1;
	}
	v = ld_view__new(&vo);
	if (!v) {
		ld_manifest__free(&mf);
		return 1;
	}
	ld_view__object(v, NULL);
	ld_manifest_show(v, &mf);
	ld_view__object_end(v);
	ret = ld_view__free(v);
	ld_manifest__free(&mf);
	if (ret) {
		ld_err("inspect: writing the output failed");
		return 1;
	}
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	struct inspect_opts o = { 0 };
	const char *path = NULL;
	struct ld_dump *d;
	char err[512];
	int ret;

	ret = parse_args(argc, argv, &o, &path);
	if (ret >= 0)
		return ret;
	if (ld_manifest_name(strrchr(path, '/') ? strrchr(path, '/') + 1 : path)) {
		if (o.sidecar) {
			ld_err("inspect: %s: a group manifest has no sidecar (its members' dumps do)",
			       path);
			return 2;
		}
		return print_manifest(path, &o);
	}
	if (o.sidecar)
		return print_sidecar(path, &o);
	ret = ld_dump__open_flags(path, o.force ? LD_OPEN_ALLOW_CUT : 0, &d, err, sizeof(err));
	if (ret) {
		ld_err("%s", err);
		return 1;
	}
	if (ld_dump__cut(d))
		ld_warn("%s", ld_dump__cut(d));
	ret = print_dump(d, &o);
	ld_dump__free(d);
	if (ret) {
		ld_err("inspect: writing the output failed");
		return 1;
	}
	return 0;
}
