// SPDX-License-Identifier: MIT
/*
 * livedump export DUMP -o FILE: the dump as a plain ELF core file, for
 * gdb, eu-readelf and any tool that does not read compressed dumps (or,
 * with --compress, the other way round).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "dump/compress.h"
#include "dump/dump_reader.h"
#include "base/log.h"
#include "base/parse.h"

#define COPY_CHUNK	(1U << 20)

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump export DUMP -o FILE [--compress[=KIND[:LEVEL]]] [--force]\n"
"Write DUMP as a plain ELF core file that gdb, lldb and elfutils open as it is\n"
"(DUMP may be compressed), or compressed with --compress.\n"
"  -o, --output FILE     the new file (it must not exist); - for standard output\n"
"      --compress[=KIND[:LEVEL]]  write a compressed dump instead: zstd (default,\n"
"                        LEVEL 1-19) or zlib (LEVEL 1-9); LEVEL default 1\n"
"  -f, --force           export a dump that was cut, as far as it is whole\n");
}

/* Standard output: everything in order, the zeros of holes included. */
struct stream_sink {
	struct ld_sink base;
	int fd;
	uint64_t off;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

static int stream_write(struct ld_sink *s, enum ld_write_kind kind, uint64_t off,
			const void *buf, size_t len)
{
	static const char zeros[65536];
	struct stream_sink *ss = (struct stream_sink *)s;
	int err = 0;

	(void)kind;
	if (off < ss->off)
		return -EINVAL;
	while (!err && ss->off < off) {
		size_t n = off - ss->off < sizeof(zeros) ? off - ss->off : sizeof(zeros);

		err = write_all(ss->fd, zeros, n);
		ss->off += n;
	}
	if (!err)
		err = write_all(ss->fd, buf, len);
	ss->off = off + len;
	return err;
}

static int stream_commit(struct ld_sink *s)
{
	(void)s;
	return 0;
}

static void stream_free(struct ld_sink *s)
{
	(void)s;
}

static const struct ld_sink_ops stream_ops = {
	.write = stream_write, .commit = stream_commit, .abort = stream_free,
	.free = stream_free,
};

static bool zero_page(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The plain core, zero pages left out (holes in a file). */
static int copy(const struct ld_dump *d, struct ld_sink *sink)
{
	uint64_t size = ld_dump__file_size(d), off = 0, end = 0;
	unsigned char *buf = malloc(COPY_CHUNK);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	while (!err && off < size) {
		size_t n = size - off < COPY_CHUNK ? size - off : COPY_CHUNK, i = 0;

		err = ld_dump__read_file(d, buf, n, off);
		while (!err && i < n) {
			size_t start = i;

			while (i < n && !zero_page(buf + i, n - i < 4096 ? n - i : 4096))
				i += n - i < 4096 ? n - i : 4096;
			if (i > start) {
				err = sink->ops->write(sink, LD_WR_BODY, off + start, buf + start,
						       i - start);
				end = off + i;
			}
			while (i < n && zero_page(buf + i, n - i < 4096 ? n - i : 4096))
				i += n - i < 4096 ? n - i : 4096;
		}
		off += n;
	}
	/* A core never ends in zeros, but the file size must be right anyway. */
	if (!err && end < size) {
		static const unsigned char zero;

		err = sink->ops->write(sink, LD_WR_COMPLETE, size - 1, &zero, 1);
	}
	free(buf);
	return err;
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "compress", optional_argument, NULL, 'z' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct stream_sink ss = { .base.ops = &stream_ops, .fd = STDOUT_FILENO };
	const char *in, *out = NULL;
	struct ld_sink *file = NULL, *sink;
	char err[512], *dir = NULL, *base = NULL;
	struct ld_dump *d;
	struct ld_compress how = { LD_COMPRESS_NONE, 0 };
	int c, ret;
	bool force = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'z':
			how = (struct ld_compress){ LD_COMPRESS_DEFAULT_KIND, 0 };
			if (optarg && ld_compress_parse(optarg, &how, err, sizeof(err))) {
				ld_err("export: --compress: %s", err);
				return 2;
			}
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || !out) {
		ld_err(optind >= argc ? "which dump?" : optind + 1 < argc ? "one dump at a time"
									 : "where to? give -o FILE");
		usage(stderr);
		return 2;
	}
	in = argv[optind];
	if (ld_dump__open_flags(in, force ? LD_OPEN_ALLOW_CUT : 0, &d, err, sizeof(err))) {
		ld_err("%s%s", err, strstr(err, "cut") && !force ? " (--force exports what is whole)"
								   : "");
		return 1;
	}
	if (ld_dump__cut(d))
		ld_warn("%s: exporting what is whole", ld_dump__cut(d));
	if (strcmp(out, "-")) {
		char *a = strdup(out), *b = strdup(out);

		if (!access(out, F_OK)) {
			ld_err("%s exists: not replaced", out);
			free(a);
			free(b);
			ld_dump__free(d);
			return 1;
		}
		dir = a ? strdup(dirname(a)) : NULL;
		base = b ? strdup(basename(b)) : NULL;
		free(a);
		free(b);
		file = dir && base ? ld_file_sink__new_user(dir, base) : NULL;
		if (!file) {
			ld_err("cannot create %s: %s", out, strerror(errno ? errno : ENOMEM));
			free(dir);
			free(base);
			ld_dump__free(d);
			return 1;
		}
	}
	sink = file ? file : &ss.base;
	if (how.kind) {
		struct ld_sink *gz = ld_compress_sink__new(sink, &how, 0);

		if (!gz) {
			ld_err("cannot compress: %s", strerror(errno));
			if (file)
				file->ops->abort(file);
			ld_dump__free(d);
			return 1;
		}
		sink = gz;
	}
	ret = copy(d, sink);
	if (!ret)
		ret = sink->ops->commit(sink);
	if (ret) {
		ld_err("cannot export %s to %s: %s", in, out, strerror(-ret));
		sink->ops->abort(sink);
	} else {
		if (file)
			ld_info("%s: %llu bytes%s", ld_file_sink__path(file),
				(unsigned long long)(how.kind ? ld_compress_sink__out_bytes(sink)
							   : ld_dump__file_size(d)),
				how.kind ? " (compressed)" : "");
		sink->ops->free(sink);
	}
	free(dir);
	free(base);
	ld_dump__free(d);
	return ret ? 1 : 0;
}
