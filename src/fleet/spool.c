// SPDX-License-Identifier: MIT
/*
 * Owns OUTDIR/.spool (spool.h): its files, their text ("key=value" lines,
 * docs/fleet.md), the durability of each change and the lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fleet/spool.h"

struct ld_spool {
	int dirfd;		/* .spool, locked */
	int donefd;		/* .spool/done */
};

static bool name_ok(const char *name)
{
	return name && name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) < 256;
}

int ld_spool_entry_format(const struct ld_spool_entry *e, char *buf, size_t size)
{
	int n;

	if (strchr(e->key, '\n') || strchr(e->etag, '\n'))
		return -EINVAL;
	n = snprintf(buf, size, "livedump-spool 1\nkey=%s\nsize=%" PRIu64 "\npart_size=%" PRIu64
		     "\nqueued=%" PRId64 "\netag=%s\n", e->key, e->size, e->part_size, e->queued,
		     e->etag);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

static bool num(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (!n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - (v[i] - '0')) / 10)
			return false;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return true;
}

static bool copy(char *dst, size_t size, const char *v, size_t n)
{
	if (n >= size || memchr(v, 0, n))
		return false;
	memcpy(dst, v, n);
	dst[n] = 0;
	return true;
}

int ld_spool_entry_parse(const char *text, size_t len, struct ld_spool_entry *e)
{
	static const char magic[] = "livedump-spool 1\n";
	const char *p = text, *end = text + len;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	if (len < sizeof(magic) - 1 || memcmp(text, magic, sizeof(magic) - 1))
		return -EBADMSG;
	p += sizeof(magic) - 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p), *eq;
		size_t n;

		if (!nl)
			return -EBADMSG;	/* every line ends: a cut file is not ours */
		eq = memchr(p, '=', nl - p);
		if (!eq)
			return -EBADMSG;
		n = nl - (eq + 1);
#define IS(k) ((size_t)(eq - p) == strlen(k) && !memcmp(p, k, eq - p))
		if (IS("key")) {
			if (!copy(e->key, sizeof(e->key), eq + 1, n))
				return -EBADMSG;
		} else if (IS("etag")) {
			if (!copy(e->etag, sizeof(e->etag), eq + 1, n))
				return -EBADMSG;
		} else if (IS("size") || IS("part_size") || IS("queued")) {
			if (!num(eq + 1, n, &v))
				return -EBADMSG;
			if (IS("size"))
				e->size = v;
			else if (IS("part_size"))
				e->part_size = v;
			else
				e->queued = (int64_t)v;
		}	/* else: a field of a later version */
#undef IS
		p = nl + 1;
	}
	return e->key[0] ? 0 : -EBADMSG;
}

/* Removes the temporary files of a writer killed mid-write (we hold the lock: none is live). */
static void remove_tmp(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' && n > 5 && !strcmp(de->d_name + n - 4, ".tmp"))
			unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}

static int open_dir(int at, const char *name)
{
	struct stat st;
	int fd;

	if (mkdirat(at, name, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int ld_spool__open(const char *outdir, struct ld_spool **out, char *why, size_t whylen)
{
	struct ld_spool *s = calloc(1, sizeof(*s));
	int top, err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->dirfd = s->donefd = -1;
	top = open(outdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (top < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot open %s: %s", outdir, strerror(errno));
		goto fail;
	}
	s->dirfd = open_dir(top, LD_SPOOL_DIR);
	close(top);
	if (s->dirfd < 0) {
		err = s->dirfd;
		snprintf(why, whylen, "cannot use %s/%s: %s%s", outdir, LD_SPOOL_DIR, strerror(-err),
			 err == -EPERM ? " (not ours, or writable by others)" : "");
		goto fail;
	}
	if (flock(s->dirfd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(why, whylen, "%s/%s: %s", outdir, LD_SPOOL_DIR, err == -EBUSY ?
			 "another collector uploads from this output directory" : strerror(-err));
		goto fail;
	}
	s->donefd = open_dir(s->dirfd, "done");
	if (s->donefd < 0) {
		err = s->donefd;
		snprintf(why, whylen, "cannot use %s/%s/done: %s", outdir, LD_SPOOL_DIR,
			 strerror(-err));
		goto fail;
	}
	remove_tmp(s->dirfd);
	remove_tmp(s->donefd);
	*out = s;
	return 0;
fail:
	ld_spool__free(s);
	return err;
}

void ld_spool__free(struct ld_spool *s)
{
	if (!s)
		return;
	if (s->donefd >= 0)
		close(s->donefd);
	if (s->dirfd >= 0)
		close(s->dirfd);	/* and the lock */
	free(s);
}

/* NAME's file in DIRFD, whole or not at all, after a crash too. */
static int write_file(int dirfd, const char *name, const struct ld_spool_entry *e)
{
	char text[1400], tmp[300];
	int fd, n, err = 0;

	if (!name_ok(name))
		return -EINVAL;
	n = ld_spool_entry_format(e, text, sizeof(text));
	if (n < 0)
		return n;
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != n)
		err = errno ? -errno : -EIO;
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && renameat(dirfd, tmp, dirfd, name))
		err = -errno;
	if (err) {
		unlinkat(dirfd, tmp, 0);
		return err;
	}
	return fsync(dirfd) ? -errno : 0;
}

static int read_file(int dirfd, const char *name, struct ld_spool_entry *e)
{
	char text[1500];
	ssize_t n;
	int fd;

	if (!name_ok(name))
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(text))
		return -EBADMSG;
	return ld_spool_entry_parse(text, n, e);
}

int ld_spool__add(struct ld_spool *s, const char *name, const struct ld_spool_entry *e)
{
	return write_file(s->dirfd, name, e);
}

int ld_spool__get(struct ld_spool *s, const char *name, struct ld_spool_entry *e)
{
	return read_file(s->dirfd, name, e);
}

int ld_spool__done_get(struct ld_spool *s, const char *name, struct ld_spool_entry *e)
{
	return read_file(s->donefd, name, e);
}

int ld_spool__done(struct ld_spool *s, const char *name, const struct ld_spool_entry *e)
{
	int err = write_file(s->donefd, name, e);

	if (err)
		return err;
	/* A crash here leaves both: the done record wins (the uploader removes the entry). */
	err = ld_spool__remove(s, name, false);
	return err == -ENOENT ? 0 : err;
}

int ld_spool__remove(struct ld_spool *s, const char *name, bool done)
{
	int fd = done ? s->donefd : s->dirfd;

	if (!name_ok(name))
		return -EINVAL;
	if (unlinkat(fd, name, 0))
		return -errno;
	return fsync(fd) ? -errno : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ld_spool__list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int ld_spool__list(struct ld_spool *s, char ***names, size_t *n)
{
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	size_t cap = 0;
	struct dirent *de;
	char **v = NULL;
	DIR *d;

	*names = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!name_ok(de->d_name) || !strcmp(de->d_name, "done"))
			continue;
		if (*n == cap) {
			char **p = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			v = p;
		}
		v[*n] = strdup(de->d_name);
		if (!v[*n]) {
			err = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (err) {
		ld_spool__list_free(v, *n);
		*n = 0;
		return err;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_names);
	*names = v;
	return 0;
}
