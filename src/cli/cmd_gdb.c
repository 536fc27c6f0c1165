// SPDX-License-Identifier: MIT
/*
 * livedump gdb DUMP [--exe PATH] [-- GDB-ARGS]: gdb on a dump with the
 * executable it came from, like coredumpctl debug.  A compressed dump is
 * decompressed into a private temporary file first.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/commands.h"
#include "dump/dump_reader.h"
#include "base/log.h"
#include "capture/modules.h"

struct gdb_opts {
	const char *exe;		/* --exe: instead of the header's */
	const char *debugger;		/* --debugger, default gdb */
	const char *symfs;		/* --symfs: gdb's sysroot */
	bool dry_run;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump gdb DUMP [--exe PATH] [--symfs DIR] [--debugger PROG] [-n]\n"
"                    [-- GDB-ARGS...]\n"
"\n"
"Starts gdb on DUMP with the executable its header names, like coredumpctl\n"
"debug.  A compressed dump (gzip, zstd, xz, bzip2, lz4) is decompressed\n"
"into a private temporary file first.  GDB-ARGS go to gdb before the files,\n"
"e.g. -- -batch -ex 'thread apply all bt'.\n"
"\n"
"  --exe PATH       use this executable (the recorded one is missing or moved)\n"
"  --symfs DIR      the binaries are under DIR (gdb's sysroot)\n"
"  --debugger PROG  run PROG instead of gdb\n"
"  -n, --dry-run    print the command instead of running it\n"
"\n"
"Exit status: gdb's, or 1 when the dump or its executable cannot be used,\n"
"2 usage.\n");
}

static int parse_args(int argc, char **argv, struct gdb_opts *o, const char **dump,
		      int *first_gdb_arg)
{
	static const struct option longopts[] = {
		{ "exe", required_argument, NULL, 'e' },
		{ "symfs", required_argument, NULL, 'y' },
		{ "debugger", required_argument, NULL, 'D' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c, end = 1;

	/* Ours end at "--": what follows goes to gdb untouched. */
	while (end < argc && strcmp(argv[end], "--"))
		end++;
	*first_gdb_arg = end < argc ? end + 1 : argc;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(end, argv, "nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->exe = optarg; break;
		case 'y': o->symfs = optarg; break;
		case 'D': o->debugger = optarg; break;
		case 'n': o->dry_run = true; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			ld_err("gdb: unknown option or missing argument '%s'", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (end - optind != 1) {
		ld_err("gdb: %s", optind == end ? "which dump?" : "one dump at a time");
		usage(stderr);
		return 2;
	}
	*dump = argv[optind];
	return -1;
}

/* --- compressed dumps ----------------------------------------------------------- */

static const struct {
	const unsigned char magic[6];
	size_t len;
	const char *tool;
} compressors[] = {
	{ { 0x1f, 0x8b }, 2, "gzip" },
	{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd" },
	/* livedump's zstd container starts with a skippable frame (compress_zstd.c) */
	{ { 0x5e, 0x2a, 0x4d, 0x18 }, 4, "zstd" },
	{ { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, "xz" },
	{ { 'B', 'Z', 'h' }, 3, "bzip2" },
	{ { 0x04, 0x22, 0x4d, 0x18 }, 4, "lz4" },
};

/* The tool that decompresses path, or NULL for an uncompressed file. */
static const char *compressed_with(const char *path)
{
	unsigned char head[8] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;

	if (fd >= 0)
		close(fd);
	for (size_t i = 0; n > 0 && i < sizeof(compressors) / sizeof(compressors[0]); i++)
		if ((size_t)n >= compressors[i].len &&
		    !memcmp(head, compressors[i].magic, compressors[i].len))
			return compressors[i].tool;
	return NULL;
}

/* TOOL -dc PATH > a new 0600 file in $TMPDIR; its path in tmp. */
static int decompress(const char *path, const char *tool, char *tmp, size_t len)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
	int fd, status;
	pid_t pid;

	snprintf(tmp, len, "%s/livedump-gdb-XXXXXX.core", dir);
	fd = mkstemps(tmp, 5);	/* mode 0600: a dump holds process memory */
	if (fd < 0) {
		ld_err("gdb: cannot create a temporary file in %s: %s", dir, strerror(errno));
		return -errno;
	}
	ld_info("decompressing %s with %s into %s", path, tool, tmp);
	pid = fork();
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		execlp(tool, tool, "-dc", path, (char *)NULL);
		fprintf(stderr, "livedump: gdb: cannot run %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ld_err("gdb: decompressing %s with %s failed", path, tool);
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

/* --- the executable ------------------------------------------------------------- */

/* The module note's entry for path: its build-id, when recorded. */
static const struct ld_dump_module *module_of(const struct ld_dump *d, const char *path)
{
	for (size_t i = 0; i < ld_dump__nmodules(d); i++)
		if (!strcmp(ld_dump__module(d, i)->path, path))
			return ld_dump__module(d, i);
	return NULL;
}

static bool same_build_id(const struct ld_elf_ident *id, const struct ld_dump_module *m)
{
	return id->build_id_len == m->build_id_len &&
	       !memcmp(id->build_id, m->build_id, m->build_id_len);
}

/*
 * The executable: --exe, else the header's (under --symfs), else the file
 * its build-id names in /usr/lib/debug/.build-id.  A file with another
 * build-id than the recorded one is used with a warning: gdb would show
 * wrong symbols, but that is better than nothing when it is all there is.
 */
static int find_exe(const struct ld_dump *d, const struct gdb_opts *o, char *exe, size_t len)
{
	const struct ld_note_header *h = ld_dump__header(d);
	const char *rec = h && h->exe[0] ? h->exe : NULL;
	const struct ld_dump_module *m = rec ? module_of(d, rec) : NULL;
	char hex[2 * LD_BUILD_ID_MAX + 1];
	struct ld_elf_ident id;

	if (o->exe) {
		snprintf(exe, len, "%s", o->exe);
	} else if (!rec) {
		ld_err("gdb: %s does not name its executable (%s); give it with --exe PATH",
		       ld_dump__path(d), h ? "the header's exe is empty" : "it has no header");
		return -ENOENT;
	} else {
		snprintf(exe, len, "%s%s", o->symfs ? o->symfs : "", rec);
	}
	if (!access(exe, R_OK) && (!m || !m->build_id_len || ld_elf_ident_path(exe, &id) ||
				   same_build_id(&id, m)))
		return 0;
	if (m && m->build_id_len && !o->exe) {
		char byid[256];

		ld_build_id_hex(m->build_id, m->build_id_len, hex, sizeof(hex));
		snprintf(byid, sizeof(byid), "/usr/lib/debug/.build-id/%.2s/%s", hex, hex + 2);
		if (!access(byid, R_OK)) {
			ld_info("using %s: %s", byid, access(exe, R_OK) ? "the executable is missing"
					: "the executable has another build-id");
			snprintf(exe, len, "%s", byid);
			return 0;
		}
	}
	if (!access(exe, R_OK)) {
		ld_warn("%s has another build-id than the dump's executable (%s): gdb may show "
			"wrong symbols", exe, ld_build_id_hex(m->build_id, m->build_id_len, hex,
							      sizeof(hex)));
		return 0;
	}
	ld_err("gdb: the executable %s is missing (%s)%s", exe, strerror(errno),
	       o->exe ? "" : "; give it with --exe PATH");
	return -ENOENT;
}

/* --- running gdb ---------------------------------------------------------------- */

static void print_cmd(char **argv)
{
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];

		if (a[strcspn(a, " \t\n'\"\\$`*?;&|<>()")] || !*a) {
			putchar('\'');
			for (; *a; a++)
				if (*a == '\'')
					fputs("'\\''", stdout);
				else
					putchar(*a);
			putchar('\'');
		} else {
			fputs(a, stdout);
		}
		putchar(argv[i + 1] ? ' ' : '\n');
	}
}

static char **gdb_argv(const struct gdb_opts *o, char **extra, int nextra, const char *exe,
		       const char *dump, char *sysroot_cmd)
{
	char **v = calloc(nextra + 8, sizeof(*v));
	int n = 0;

	if (!v)
		return NULL;
	v[n++] = (char *)(o->debugger ? o->debugger : "gdb");
	if (o->symfs) {
		v[n++] = "-iex";
		v[n++] = sysroot_cmd;
	}
	for (int i = 0; i < nextra; i++)
		v[n++] = extra[i];
	v[n++] = (char *)exe;
	v[n++] = (char *)dump;
	return v;
}

/*
 * Replaces this process with gdb, unless a temporary file must be removed
 * afterwards: then gdb runs as a child and its exit status is returned.
 */
static int run(char **argv, const char *tmp)
{
	int status;
	pid_t pid;

	fflush(NULL);
	if (!tmp) {
		execvp(argv[0], argv);
		ld_err("gdb: cannot run %s: %s", argv[0], strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "livedump: gdb: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = 1 << 8;
	unlink(tmp);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int cmd_gdb(int argc, char **argv)
{
	struct gdb_opts o = { 0 };
	const char *path = NULL, *tool;
	char tmp[4096] = "", exe[4096], err[512], sysroot[4200];
	struct ld_dump *d;
	char **gargv;
	int first, ret = parse_args(argc, argv, &o, &path, &first);

	if (ret >= 0)
		return ret;
	tool = compressed_with(path);
	if (tool && decompress(path, tool, tmp, sizeof(tmp)))
		return 1;
	if (ld_dump__open_flags(tmp[0] ? tmp : path, LD_OPEN_ALLOW_CUT, &d, err, sizeof(err))) {
		ld_err("gdb: %s", err);
		goto fail;
	}
	if (ld_dump__cut(d))
		ld_warn("%s: gdb sees what is whole", ld_dump__cut(d));
	ret = find_exe(d, &o, exe, sizeof(exe));
	ld_dump__free(d);
	if (ret)
		goto fail;
	snprintf(sysroot, sizeof(sysroot), "set sysroot %s", o.symfs ? o.symfs : "");
	gargv = gdb_argv(&o, argv + first, argc - first, exe, tmp[0] ? tmp : path, sysroot);
	if (!gargv)
		goto fail;
	if (o.dry_run) {
		print_cmd(gargv);
		ret = 0;
	} else {
		ret = run(gargv, tmp[0] ? tmp : NULL);
		tmp[0] = 0;	/* run() removed it */
	}
	free(gargv);
	if (tmp[0])
		unlink(tmp);
	return ret;
fail:
	if (tmp[0])
		unlink(tmp);
	return 1;
}
