// SPDX-License-Identifier: MIT
/*
 * The file://DIR store backend (store_priv.h): a directory laid out like
 * a bucket (DIR/HOST/YYYY-MM-DD/DUMPNAME ...), as a copy of one made with
 * `aws s3 sync` or `rclone` is.  Objects are its files: nothing is cached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fleet/store_priv.h"

struct dir_store {
	char root[4096];
};

static int dir_open(struct ld_store *st, const char *where, const struct ld_store_opts *o)
{
	struct dir_store *d;
	struct stat sb;
	size_t n = strlen(where);

	(void)o;
	while (n > 1 && where[n - 1] == '/')
		n--;
	if (where[0] != '/' || n >= sizeof(d->root)) {
		snprintf(st->err, sizeof(st->err), "file://%.900s: the directory must be an "
			 "absolute path (file:///srv/store)", where);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	memcpy(d->root, where, n);
	if (stat(d->root, &sb) || !S_ISDIR(sb.st_mode)) {
		int ret = stat(d->root, &sb) ? -errno : -ENOTDIR;

		snprintf(st->err, sizeof(st->err), "%.900s: %s", d->root, strerror(-ret));
		free(d);
		return ret;
	}
	st->priv = d;
	return 0;
}

static void dir_close(struct ld_store *st)
{
	free(st->priv);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under ROOT/@rel, depth first, names sorted: the keys in key order. */
static int walk(struct ld_store *st, const char *rel, int depth,
		int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx)
{
	const struct dir_store *d = st->priv;
	char path[8192], **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int ret = 0;
	DIR *dp;

	snprintf(path, sizeof(path), "%s%s%s", d->root, rel[0] ? "/" : "", rel);
	dp = opendir(path);
	if (!dp) {
		snprintf(st->err, sizeof(st->err), "cannot read %.900s: %s", path, strerror(errno));
		return -errno;
	}
	while ((de = readdir(dp))) {
		char **v;

		if (de->d_name[0] == '.')	/* ., .., and files being copied in */
			continue;
		v = realloc(names, (n + 1) * sizeof(*v));
		if (!v || !(v[n] = strdup(de->d_name))) {
			names = v ? v : names;
			ret = -ENOMEM;
			break;
		}
		names = v;
		n++;
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && !ret; i++) {
		struct ld_s3_obj obj = { 0 };
		struct stat sb;
		char key[sizeof(obj.key)];

		if ((size_t)snprintf(key, sizeof(key), "%s%s%s", rel, rel[0] ? "/" : "", names[i]) >=
		    sizeof(key))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->root, key);
		if (lstat(path, &sb))
			continue;
		if (S_ISDIR(sb.st_mode) && depth < 8) {
			ret = walk(st, key, depth + 1, cb, ctx);
		} else if (S_ISREG(sb.st_mode)) {
			snprintf(obj.key, sizeof(obj.key), "%s", key);
			obj.size = sb.st_size;
			obj.mtime = sb.st_mtime;
			ret = cb(ctx, &obj);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

static int dir_list(struct ld_store *st, const char *prefix,
		    int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx)
{
	char rel[1024];

	/* Prefixes here are whole path segments ("HOST/journal/"): walk from there. */
	snprintf(rel, sizeof(rel), "%s", prefix);
	while (rel[0] && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = 0;
	if (rel[0]) {
		const struct dir_store *d = st->priv;
		char path[8192];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", d->root, rel);
		if (stat(path, &sb))
			return 0;	/* nothing under it, as LIST would say */
	}
	return walk(st, rel, 0, cb, ctx);
}

static int dir_local(struct ld_store *st, const char *key, char *path, size_t len)
{
	const struct dir_store *d = st->priv;

	if ((size_t)snprintf(path, len, "%s/%s", d->root, key) >= len)
		return -ENAMETOOLONG;
	if (access(path, R_OK)) {
		snprintf(st->err, sizeof(st->err), "%.900s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int dir_get_mem(struct ld_store *st, const char *key, size_t max, void **buf, size_t *len)
{
	char path[8192];
	struct stat sb;
	ssize_t n;
	int fd, ret = dir_local(st, key, path, sizeof(path));

	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb)) {
		ret = -errno;
		snprintf(st->err, sizeof(st->err), "%.900s: %s", path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if ((uint64_t)sb.st_size > max) {
		snprintf(st->err, sizeof(st->err), "%.900s: %lld bytes, more than %zu", path,
			 (long long)sb.st_size, max);
		close(fd);
		return -EFBIG;
	}
	*buf = malloc(sb.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = pread(fd, *buf, sb.st_size, 0);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		snprintf(st->err, sizeof(st->err), "%.900s: %s", path, strerror(-ret));
		free(*buf);
		*buf = NULL;
		return ret;
	}
	((char *)*buf)[n] = 0;
	*len = n;
	return 0;
}

const struct ld_store_backend ld_store_dir = {
	.scheme = "file",
	.open = dir_open,
	.close = dir_close,
	.list = dir_list,
	.get_mem = dir_get_mem,
	.local = dir_local,
};
