/* SPDX-License-Identifier: MIT */
/*
 * The store backends (store.h): one file each (store_s3.c, store_dir.c),
 * one entry each in store.c's table.  A backend lists keys under a
 * prefix, reads small objects into memory and gives a local file of an
 * object; store.c does the layout, the checks and the cache.
 */
#ifndef LIVEDUMP_STORE_PRIV_H
#define LIVEDUMP_STORE_PRIV_H

#include "fleet/s3.h"
#include "fleet/store.h"

struct ld_store {
	const struct ld_store_backend *be;
	void *priv;
	char url[600];			/* as given, without a trailing '/' */
	char prefix[512];		/* keys start with "PREFIX/" ("" none) */
	char cache[4096];		/* the cache directory of this store */
	char err[1024];			/* the backend's last error */
};

struct ld_store_backend {
	const char *scheme;		/* "s3" for s3://... */
	/* @where: the URL after "SCHEME://"; sets prefix and, if it caches, cache. */
	int (*open)(struct ld_store *st, const char *where, const struct ld_store_opts *o);
	void (*close)(struct ld_store *st);
	/* Every key under @prefix, in key order (LIST). */
	int (*list)(struct ld_store *st, const char *prefix,
		    int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx);
	/* At most @max bytes (-EFBIG beyond; -ENOENT none). */
	int (*get_mem)(struct ld_store *st, const char *key, size_t max, void **buf, size_t *len);
	/* The object's bytes from offset 0 into @fd (GET); NULL: objects are local files. */
	int (*get_fd)(struct ld_store *st, const char *key, int fd);
	/* The object's own local file, for backends without get_fd. */
	int (*local)(struct ld_store *st, const char *key, char *path, size_t len);
};

/* One entry each in store.c's table (designated, checked there against the count). */
enum ld_store_kind {
	LD_STORE_S3,
	LD_STORE_DIR,
	LD_STORE__COUNT,
};

extern const struct ld_store_backend ld_store_s3, ld_store_dir;

#endif /* LIVEDUMP_STORE_PRIV_H */
