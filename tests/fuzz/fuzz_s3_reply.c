// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the readers of an S3 server's XML replies (src/fleet/s3_xml.c):
 * the error document, a ListObjectsV2 page, a ListMultipartUploads page,
 * CreateMultipartUpload's and CompleteMultipartUpload's results.  The server is not ours to trust.
 * Every input goes to each reader.  Beyond not crashing: every string given
 * back is terminated within its buffer, every listed object has a key, and
 * a truncated page names where the next one starts.
 */
#include "fuzz.h"
#include "fleet/s3_xml.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	ld_s3_xml_init();
	return 0;
}

static int each(void *ctx, const struct ld_s3_obj *obj)
{
	size_t *n = ctx;

	FUZZ_CHECK(memchr(obj->key, 0, sizeof(obj->key)) && obj->key[0], "a key unterminated or empty");
	FUZZ_CHECK(memchr(obj->etag, 0, sizeof(obj->etag)), "an ETag unterminated");
	/* A walk stops when told to. */
	return ++*n == 1000 ? 7 : 0;
}

static int each_upload(void *ctx, const char *key, const char *id)
{
	size_t *n = ctx;

	FUZZ_CHECK(key[0] && id[0], "an upload without a key or an id");
	return ++*n == 1000 ? 7 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char code[64], msg[128], token[96], id[80], etag[40];
	struct ld_s3_upload_marker next;
	const char *xml = (const char *)data;
	bool truncated;
	size_t n = 0;
	int rc;

	rc = ld_s3_xml_error(xml, size, code, sizeof(code), msg, sizeof(msg));
	FUZZ_CHECK(rc == 0 || rc == 1 || rc == -EBADMSG, "error: rc %d", rc);
	FUZZ_CHECK(memchr(code, 0, sizeof(code)) && memchr(msg, 0, sizeof(msg)), "error strings");
	rc = ld_s3_xml_list(xml, size, each, &n, &truncated, token, sizeof(token));
	FUZZ_CHECK(rc == 0 || rc == 7 || rc == -EBADMSG, "list: rc %d", rc);
	FUZZ_CHECK(memchr(token, 0, sizeof(token)), "token unterminated");
	FUZZ_CHECK(rc || !truncated || token[0], "a truncated page without a next token accepted");
	n = 0;
	rc = ld_s3_xml_uploads(xml, size, each_upload, &n, &next);
	FUZZ_CHECK(rc == 0 || rc == 7 || rc == -EBADMSG, "uploads: rc %d", rc);
	FUZZ_CHECK(memchr(next.key, 0, sizeof(next.key)) &&
		   memchr(next.upload_id, 0, sizeof(next.upload_id)), "upload markers unterminated");
	FUZZ_CHECK(rc || !next.truncated || next.key[0], "a truncated uploads page without a marker accepted");
	rc = ld_s3_xml_upload_id(xml, size, id, sizeof(id));
	FUZZ_CHECK((rc == 0 && id[0]) || rc == -EBADMSG, "upload id: rc %d", rc);
	FUZZ_CHECK(memchr(id, 0, sizeof(id)), "upload id unterminated");
	rc = ld_s3_xml_complete(xml, size, etag, sizeof(etag));
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG, "complete: rc %d", rc);
	FUZZ_CHECK(memchr(etag, 0, sizeof(etag)), "etag unterminated");
	return 0;
}
