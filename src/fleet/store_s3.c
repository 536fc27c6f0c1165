// SPDX-License-Identifier: MIT
/* The s3://BUCKET[/PREFIX] store backend (store_priv.h), through fleet/s3.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fleet/s3.h"
#include "fleet/store_priv.h"

static int s3_fail(struct ld_store *st, int ret)
{
	snprintf(st->err, sizeof(st->err), "%s", ld_s3__error(st->priv));
	return ret;
}

static int s3_open(struct ld_store *st, const char *where, const struct ld_store_opts *o)
{
	struct ld_s3_opts so = o->s3;
	struct ld_s3_url u;
	struct ld_s3 *s;
	char why[256], url[600], endpoint[200];
	int ret;

	snprintf(url, sizeof(url), "s3://%s", where);
	ret = ld_s3_url_parse(url, &u, why, sizeof(why));
	if (ret) {
		snprintf(st->err, sizeof(st->err), "%s: %s", url, why);
		return ret;
	}
	/* As record --upload: AWS's own endpoint of the region unless told another. */
	if (!so.endpoint) {
		const char *r = so.region ? so.region : getenv("AWS_REGION");

		snprintf(endpoint, sizeof(endpoint), "https://s3.%s.amazonaws.com",
			 r && *r ? r : "us-east-1");
		so.endpoint = endpoint;
	}
	ret = ld_s3__new(&so, u.bucket, &s);
	if (ret) {
		snprintf(st->err, sizeof(st->err), "%s: cannot use the bucket: %s", url,
			 strerror(-ret));
		return ret;
	}
	st->priv = s;
	snprintf(st->prefix, sizeof(st->prefix), "%s", u.prefix);
	/* The cache is per bucket: keys are unique within one. */
	snprintf(st->cache + strlen(st->cache), sizeof(st->cache) - strlen(st->cache), "/s3/%s",
		 u.bucket);
	return 0;
}

static void s3_close(struct ld_store *st)
{
	ld_s3__free(st->priv);
}

static int s3_list(struct ld_store *st, const char *prefix,
		   int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx)
{
	int ret = ld_s3__list(st->priv, prefix, cb, ctx);

	return ret < 0 ? s3_fail(st, ret) : ret;
}

static int s3_get_mem(struct ld_store *st, const char *key, size_t max, void **buf, size_t *len)
{
	int ret = ld_s3__get_mem(st->priv, key, max, buf, len);

	return ret ? s3_fail(st, ret) : 0;
}

static int s3_get_fd(struct ld_store *st, const char *key, int fd)
{
	int ret = ld_s3__get_fd(st->priv, key, fd);

	return ret ? s3_fail(st, ret) : 0;
}

const struct ld_store_backend ld_store_s3 = {
	.scheme = "s3",
	.open = s3_open,
	.close = s3_close,
	.list = s3_list,
	.get_mem = s3_get_mem,
	.get_fd = s3_get_fd,
};
