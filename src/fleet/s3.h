/* SPDX-License-Identifier: MIT */
/*
 * An S3-compatible object store (AWS S3, Ceph RGW, MinIO), through
 * libcurl: requests are signed by libcurl's own SigV4 (CURLOPT_AWS_SIGV4),
 * never by hand.  One struct ld_s3 is one bucket at one endpoint with one
 * set of credentials; it is not thread-safe (the uploader and a reader
 * each make their own).  Every call returns 0 or a negative errno and,
 * on failure, leaves a message naming the request, the key and what the
 * server or the transport said in ld_s3__error().
 *
 * This header is the contract between the uploader (spool.c, upload.c)
 * and the fleet readers (store.c): change it in one place, on main.
 */
#ifndef LD_FLEET_S3_H
#define LD_FLEET_S3_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ld_s3;

/* s3://BUCKET[/PREFIX]: the bucket and the key prefix (no leading or
 * trailing '/'; "" when absent). */
struct ld_s3_url {
	char bucket[64];
	char prefix[512];
};
int ld_s3_url_parse(const char *url, struct ld_s3_url *u, char *why, size_t whylen);

struct ld_s3_opts {
	const char *endpoint;		/* http(s)://HOST[:PORT]; path-style requests */
	const char *region;		/* NULL: $AWS_REGION, else "us-east-1" */
	const char *credentials;	/* NULL: $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY
					 * ($AWS_SESSION_TOKEN); else a 0600 file in the
					 * AWS shared-credentials format ([default]) */
	long timeout_ms;		/* a request that makes no progress this long
					 * fails (connecting: 10 s at most); 0: 60 s */
	const _Atomic int *cancel;	/* non-zero: the request in flight ends with
					 * -ECANCELED (NULL: never) */
};

int ld_s3__new(const struct ld_s3_opts *opts, const char *bucket, struct ld_s3 **out);
void ld_s3__free(struct ld_s3 *s);
const char *ld_s3__error(const struct ld_s3 *s);
/* The S3 error code of the last request's failure ("EntityTooSmall"), or "". */
const char *ld_s3__error_code(const struct ld_s3 *s);

/* What LIST and HEAD say of an object. */
struct ld_s3_obj {
	char key[1024];
	uint64_t size;
	int64_t mtime;			/* seconds since the epoch */
	char etag[80];			/* without quotes */
};

/* PUT a whole small object from memory, with Content-MD5 (the server
 * refuses a body that does not match it). */
int ld_s3__put_mem(struct ld_s3 *s, const char *key, const void *buf, size_t len,
		   const char *content_type);
/* PUT LEN bytes of FD from offset 0: one PUT up to PART_SIZE, else a
 * multipart upload of PART_SIZE parts (each with its Content-MD5),
 * aborted on failure.  The object is visible only once complete. */
int ld_s3__put_fd(struct ld_s3 *s, const char *key, int fd, uint64_t len,
		  uint64_t part_size);
/* -ENOENT when there is no such object. */
int ld_s3__head(struct ld_s3 *s, const char *key, struct ld_s3_obj *obj);
/* GET into a malloc'ed buffer (at most MAX bytes: -EFBIG beyond). */
int ld_s3__get_mem(struct ld_s3 *s, const char *key, size_t max, void **buf, size_t *len);
/* GET into FD (written from its current offset). */
int ld_s3__get_fd(struct ld_s3 *s, const char *key, int fd);
int ld_s3__delete(struct ld_s3 *s, const char *key);
/* Every object whose key starts with PREFIX, in key order, page by page
 * (ListObjectsV2); CB returning non-zero stops the walk with that value. */
int ld_s3__list(struct ld_s3 *s, const char *prefix,
		int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx);

/* Aborts the multipart uploads in progress for KEY exactly (those a
 * killed uploader left: invisible, but their parts take space).  The
 * number aborted, or -errno. */
int ld_s3__abort_uploads(struct ld_s3 *s, const char *key);

/* The ETag (lower-case hex, no quotes) ld_s3__put_fd(FD, LEN, PART_SIZE)
 * makes: the MD5 of the bytes, or for a multipart upload the MD5 of the
 * parts' MD5s followed by "-PARTS".  SIZE >= 48.  0 or -errno. */
int ld_s3_etag_fd(int fd, uint64_t len, uint64_t part_size, char *etag, size_t size);

#endif
