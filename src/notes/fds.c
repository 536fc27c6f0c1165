// SPDX-License-Identifier: MIT
/*
 * LD_NT_FDS: the open file descriptors (struct ld_note_table + variable
 * ld_note_fd records): number, type, open flags, position and target.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"
#include "base/strbuf.h"
#include "notes/sockets.h"

/*
 * Fd records vary in size: each starts with its own size, and the next
 * one starts right after it (entry_size 0).  A nonzero entry_size means
 * fixed slots of that size.
 */
static int parse_fds(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc, *end = p + n->descsz;
	struct ld_note_table t;
	int err = ld_rd_once(d, n, S_FDS);

	if (!err)
		err = ld_rd_need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	p += sizeof(t);
	if (t.count > (n->descsz - sizeof(t)) / sizeof(struct ld_note_fd))
		return ld_rd_note_fail(d, n, "%u records do not fit in %u bytes", t.count,
				 n->descsz);
	d->fds = calloc(t.count ? t.count : 1, sizeof(*d->fds));
	if (!d->fds)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u fds", t.count);
	for (uint32_t i = 0; i < t.count; i++) {
		struct ld_dump_fd *f = &d->fds[i];
		struct ld_note_fd e;
		size_t room = end - p, slot;

		if (room < sizeof(e))
			return ld_rd_note_fail(d, n, "record %u at +%zu: runs past the note", i,
					 (size_t)(p - (const unsigned char *)n->desc));
		memcpy(&e, p, sizeof(e));
		slot = t.entry_size ? t.entry_size : e.size;
		if (e.size < sizeof(e) + 1 || e.size > room || slot < e.size || slot > room)
			return ld_rd_note_fail(d, n, "record %u at +%zu: size %u, expected %zu..%zu",
					 i, (size_t)(p - (const unsigned char *)n->desc),
					 e.size, sizeof(e) + 1, t.entry_size ? t.entry_size : room);
		if (!memchr(p + sizeof(e), 0, e.size - sizeof(e)))
			return ld_rd_note_fail(d, n, "record %u (fd %d): target not terminated",
					 i, e.fd);
		f->fd = e.fd;
		f->flags = e.flags;
		f->mode = e.mode;
		f->pos = e.pos;
		f->ino = e.ino;
		f->target = (const char *)p + sizeof(e);
		p += slot;
	}
	d->nfds = t.count;
	return 0;
}

/*
 * open(2) flags as "rdwr|append|cloexec".  O_LARGEFILE, which the kernel
 * sets on every 64-bit open, is left out as noise.
 */
static const char *fmt_oflags(uint32_t fl, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ O_CREAT, "creat" }, { O_APPEND, "append" }, { O_NONBLOCK, "nonblock" },
		{ O_DSYNC, "dsync" }, { O_DIRECT, "direct" },
		{ O_DIRECTORY, "directory" }, { O_NOFOLLOW, "nofollow" },
		{ O_NOATIME, "noatime" }, { O_CLOEXEC, "cloexec" }, { O_PATH, "path" },
		{ O_SYNC & ~O_DSYNC, "sync" }, { O_TMPFILE & ~O_DIRECTORY, "tmpfile" },
	};
	const char *acc = (fl & O_ACCMODE) == O_RDONLY ? "rdonly" :
			  (fl & O_ACCMODE) == O_WRONLY ? "wronly" :
			  (fl & O_ACCMODE) == O_RDWR ? "rdwr" : "accmode3";
	size_t off = 0;

	buf[0] = 0;
	ld_strbuf_add(buf, len, &off, "%s", acc);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (fl & bits[i].bit)
			ld_strbuf_add(buf, len, &off, "|%s", bits[i].name);
	return buf;
}

static const char *mode_type(uint32_t mode)
{
	static const struct { uint32_t fmt; const char *name; } types[] = {
		{ S_IFREG, "reg" }, { S_IFDIR, "dir" }, { S_IFCHR, "chr" }, { S_IFBLK, "blk" },
		{ S_IFIFO, "fifo" }, { S_IFSOCK, "sock" }, { S_IFLNK, "lnk" }, { 0, "anon" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((mode & S_IFMT) == types[i].fmt)
			return types[i].name;
	return "?";
}

/* The target, and for a socket both its ends (LD_NT_SOCKETS). */
static void show_target(const struct ld_dump *d, struct ld_view *v, const struct ld_dump_fd *f)
{
	const struct ld_dump_socket *s = S_ISSOCK(f->mode) ? ld_dump__socket_by_ino(d, f->ino)
							    : NULL;
	char desc[512], cell[4096 + 520];

	ld_view__str(v, "target", s ? NULL : "", f->target);
	if (!s)
		return;
	ld_socket_describe(s, desc, sizeof(desc));
	ld_view__str(v, "socket", NULL, desc);
	snprintf(cell, sizeof(cell), "%s %s", f->target, desc);
	ld_view__str(v, NULL, "", cell);
}

static const struct ld_view_col cols[] = {
	{ "FD", LD_COL_RIGHT }, { "TYPE", 0 }, { "FLAGS", 0 }, { "POS", LD_COL_RIGHT },
	{ "TARGET", 0 },
};

static void fds_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nfds(d);
	char fl[128];

	(void)o;
	ld_view__table(v, "fds", "fds", n, 0, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_fd *f = ld_dump__fd(d, i);

		ld_view__row(v);
		ld_view__int(v, "fd", "", f->fd);
		ld_view__str(v, "type", "", mode_type(f->mode));
		ld_view__uint(v, "mode", NULL, f->mode);
		ld_view__uint(v, "flags", NULL, f->flags);
		ld_view__str(v, "flags_text", "", fmt_oflags(f->flags, fl, sizeof(fl)));
		ld_view__uint(v, "pos", "", f->pos);
		ld_view__uint(v, "ino", NULL, f->ino);
		show_target(d, v, f);
		ld_view__row_end(v);
	}
	ld_view__table_end(v);
}

const struct ld_note_ops ld_note_fds = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_FDS,
	.name = "LD_NT_FDS",
	.flags = 0,
	.parse = parse_fds,
	.show = fds_show,
};
