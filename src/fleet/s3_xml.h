/* SPDX-License-Identifier: MIT */
/*
 * The XML an S3 server answers with, read by libxml2: the error document,
 * a ListObjectsV2 page, CreateMultipartUpload's upload id and
 * CompleteMultipartUpload's result (which may be an error sent with HTTP
 * 200).  The server is not trusted: any bytes give an answer or -EBADMSG,
 * never a crash (tests/fuzz/fuzz_s3_reply.c); strings are cut to their
 * buffers, always terminated.
 */
#ifndef LD_FLEET_S3_XML_H
#define LD_FLEET_S3_XML_H

#include <stdbool.h>
#include <stddef.h>
#include "fleet/s3.h"

/* Once, before any thread parses (libxml2 wants its globals set up in one). */
void ld_s3_xml_init(void);

/* <Error><Code>..</Code><Message>..</Message></Error>: 1 if it is one, 0 if not, -EBADMSG. */
int ld_s3_xml_error(const char *xml, size_t len, char *code, size_t codelen, char *msg,
		    size_t msglen);

/*
 * <ListBucketResult>: CB for each <Contents> (a non-zero return stops the
 * walk with it), *truncated and the next continuation token ("" if none).
 * 0, CB's value, or -EBADMSG (not a list result, or an entry without a key).
 */
int ld_s3_xml_list(const char *xml, size_t len,
		   int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx,
		   bool *truncated, char *token, size_t tokenlen);

/* <InitiateMultipartUploadResult><UploadId>: 0 or -EBADMSG (none, or empty). */
int ld_s3_xml_upload_id(const char *xml, size_t len, char *id, size_t idlen);

/* <CompleteMultipartUploadResult><ETag> (quotes removed): 0 or -EBADMSG. */
int ld_s3_xml_complete(const char *xml, size_t len, char *etag, size_t etaglen);

/* Where the next page of a ListMultipartUploads starts. */
struct ld_s3_upload_marker {
	bool truncated;
	char key[1024];		/* NextKeyMarker */
	char upload_id[512];	/* NextUploadIdMarker */
};

/*
 * <ListMultipartUploadsResult>: CB for each <Upload> (its key and upload
 * id; non-zero stops the walk with it), and where the next page starts.
 * 0, CB's value, or -EBADMSG (not that result, an upload without a key or
 * an id, or a truncated page without a NextKeyMarker).
 */
int ld_s3_xml_uploads(const char *xml, size_t len,
		      int (*cb)(void *ctx, const char *key, const char *upload_id), void *ctx,
		      struct ld_s3_upload_marker *next);

/* "2026-12-07T10:00:00.000Z" (ISO 8601, UTC): seconds since the epoch, or -1. */
int64_t ld_s3_parse_iso8601(const char *s);

#endif
