// SPDX-License-Identifier: MIT
/*
 * The pure parts of the fleet uploader: s3:// URLs (s3.c), object keys and
 * the dump name's time (upload.c), the multipart ETag (s3.c, against MD5s
 * computed apart), the XML replies (s3_xml.c) and the spool (spool.c) in a
 * scratch directory: entries durable and read back, done records, the
 * lock, a damaged entry refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "fleet/s3.h"
#include "fleet/s3_xml.h"
#include "fleet/spool.h"
#include "fleet/upload.h"

static void url_ok(const char *url, const char *bucket, const char *prefix)
{
	struct ld_s3_url u;
	char why[200] = "";

	assert_int_equal(ld_s3_url_parse(url, &u, why, sizeof(why)), 0);
	assert_string_equal(u.bucket, bucket);
	assert_string_equal(u.prefix, prefix);
}

static void url_bad(const char *url, const char *why_part)
{
	struct ld_s3_url u;
	char why[200] = "";

	assert_true(ld_s3_url_parse(url, &u, why, sizeof(why)) < 0);
	if (!strstr(why, why_part))
		fail_msg("%s: '%s' does not say '%s'", url, why, why_part);
}

static void test_urls(void **state)
{
	char long_prefix[700];

	(void)state;
	url_ok("s3://dumps", "dumps", "");
	url_ok("s3://dumps/", "dumps", "");
	url_ok("s3://dumps/fleet", "dumps", "fleet");
	url_ok("s3://my.bucket-1/a/b/c//", "my.bucket-1", "a/b/c");
	url_ok("s3://abc/x.y/..z", "abc", "x.y/..z");
	url_bad("http://dumps/x", "not an s3://");
	url_bad("s3://", "bad bucket name");
	url_bad("s3://ab/x", "bad bucket name 'ab'");
	url_bad("s3://Dumps/x", "bad bucket name");
	url_bad("s3://-dumps", "bad bucket name");
	url_bad("s3://dumps-/x", "bad bucket name");
	url_bad("s3://du_mps", "bad bucket name");
	url_bad("s3://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bad bucket name");
	url_bad("s3://dumps//x", "empty path segment");
	url_bad("s3://dumps/a//b", "empty path segment");
	url_bad("s3://dumps/a/../b", "'..' segment");
	url_bad("s3://dumps/./b", "'.' or '..'");
	url_bad("s3://dumps/a\nb", "control character");
	memset(long_prefix, 'p', sizeof(long_prefix) - 1);
	long_prefix[sizeof(long_prefix) - 1] = 0;
	memcpy(long_prefix, "s3://abc/", 9);
	url_bad(long_prefix, "prefix longer");
}

static void test_keys(void **state)
{
	char key[1100], host[64];
	int64_t t;

	(void)state;
	/* 2026-12-07 23:59:59 UTC, and one second later */
	assert_int_equal(ld_upload_key(key, sizeof(key), "fleet", "web1", "D.core", 1796687999), 0);
	assert_string_equal(key, "fleet/web1/2026-12-07/D.core");
	assert_int_equal(ld_upload_key(key, sizeof(key), "", "web1", "D.core", 1796688000), 0);
	assert_string_equal(key, "web1/2026-12-08/D.core");
	assert_int_equal(ld_upload_journal_key(key, sizeof(key), "a/b", "h", "journal-1-2.jsonl"), 0);
	assert_string_equal(key, "a/b/h/journal/journal-1-2.jsonl");
	assert_int_equal(ld_upload_key(key, 20, "fleet", "web1", "D.core", 0), -ENAMETOOLONG);
	ld_upload_host(host, sizeof(host), "web1.example.com");
	assert_string_equal(host, "web1.example.com");
	ld_upload_host(host, sizeof(host), "a/b c");
	assert_string_equal(host, "a_b_c");
	ld_upload_host(host, sizeof(host), "..");
	assert_string_equal(host, "unknown-host");
	ld_upload_host(host, sizeof(host), "");
	assert_string_equal(host, "unknown-host");
	/* The name is local time: back to the same instant whatever TZ is. */
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	t = ld_upload_name_time("20261207T093015.123-rule-comm-42.core");
	assert_int_equal(t, 1796632215);	/* 08:30:15 UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(ld_upload_name_time("20261207T093015.123-rule-comm-42.core"), 1796635815);
	assert_int_equal(ld_upload_name_time("20261207T093015-x.group"), 1796635815);
	assert_int_equal(ld_upload_name_time("core.1234"), -1);
	assert_int_equal(ld_upload_name_time("20261207T0930"), -1);
}

static int scratch_fd(const void *data, size_t len)
{
	char path[] = "/tmp/test_s3.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void test_etags(void **state)
{
	unsigned char big[10240];
	char etag[80];
	int fd;

	(void)state;
	fd = scratch_fd("hello\n", 6);
	assert_int_equal(ld_s3_etag_fd(fd, 6, 0, etag, sizeof(etag)), 0);
	assert_string_equal(etag, "b1946ac92492d2347c6235b4d2611184");	/* md5sum, and RGW's ETag */
	assert_int_equal(ld_s3_etag_fd(fd, 6, 6, etag, sizeof(etag)), 0);	/* one part: plain */
	assert_string_equal(etag, "b1946ac92492d2347c6235b4d2611184");
	close(fd);
	fd = scratch_fd("abc", 3);
	assert_int_equal(ld_s3_etag_fd(fd, 3, 1, etag, sizeof(etag)), 0);
	assert_string_equal(etag, "4054c6f7787ecb7b323323155b0c0583-3");	/* md5(md5(a)md5(b)md5(c)) */
	close(fd);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = i & 0xff;
	fd = scratch_fd(big, sizeof(big));
	assert_int_equal(ld_s3_etag_fd(fd, sizeof(big), 4096, etag, sizeof(etag)), 0);
	assert_string_equal(etag, "b9a4d6e74e6be4117e4726aa450242ec-3");	/* 4096 + 4096 + 2048 */
	assert_int_equal(ld_s3_etag_fd(fd, sizeof(big), 1 << 20, etag, sizeof(etag)), 0);
	assert_string_equal(etag, "c3cd26e07e555c0116db237fbc06d99c");
	assert_int_equal(ld_s3_etag_fd(fd, sizeof(big) + 1, 4096, etag, sizeof(etag)), -ENODATA);
	assert_int_equal(ld_s3_etag_fd(fd, sizeof(big), 4096, etag, 20), -ENOSPC);
	close(fd);
}

static int count_obj(void *ctx, const struct ld_s3_obj *obj)
{
	struct ld_s3_obj *seen = ctx;

	seen[seen[0].size ? 1 : 0] = *obj;
	return 0;
}

static int count_upload(void *ctx, const char *key, const char *id)
{
	char *ids = ctx;

	(void)key;
	strcat(ids, id);
	strcat(ids, "|");
	return 0;
}

static void test_replies(void **state)
{
	static const char list[] =
		"<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		"<IsTruncated>true</IsTruncated><NextContinuationToken>tok/1=</NextContinuationToken>"
		"<Contents><Key>a/b.core</Key><LastModified>2026-12-07T14:03:49.120Z</LastModified>"
		"<ETag>&quot;0123-3&quot;</ETag><Size>12000000</Size></Contents>"
		"<Contents><Key>a/c</Key><Size>7</Size></Contents></ListBucketResult>";
	static const char no_token[] =
		"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
	static const char bad_size[] =
		"<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>";
	static const char uploads[] =
		"<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
		"<Upload><Key>p/x.core</Key><UploadId>2~a</UploadId></Upload>"
		"<Upload><Key>p/x.core2</Key><UploadId>2~b</UploadId></Upload></ListMultipartUploadsResult>";
	static const char uploads_page[] =
		"<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
		"<NextKeyMarker>p/x.core</NextKeyMarker><NextUploadIdMarker>2~a</NextUploadIdMarker>"
		"<Upload><Key>p/x.core</Key><UploadId>2~a</UploadId></Upload></ListMultipartUploadsResult>";
	static const char uploads_nomark[] =
		"<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
		"<Upload><Key>p/x.core</Key><UploadId>2~a</UploadId></Upload></ListMultipartUploadsResult>";
	struct ld_s3_upload_marker next;
	static const char err[] = "<Error><Code>InvalidAccessKeyId</Code><Message>no such key</Message></Error>";
	struct ld_s3_obj seen[2] = { 0 };
	char code[64], msg[64], token[64], id[64];
	bool truncated;

	(void)state;
	id[0] = 0;
	assert_int_equal(ld_s3_xml_list(list, strlen(list), count_obj, seen, &truncated, token,
					 sizeof(token)), 0);
	assert_true(truncated);
	assert_string_equal(token, "tok/1=");
	assert_string_equal(seen[0].key, "a/b.core");
	assert_int_equal(seen[0].size, 12000000);
	assert_string_equal(seen[0].etag, "0123-3");
	assert_int_equal(seen[0].mtime, 1796652229);
	assert_string_equal(seen[1].key, "a/c");
	assert_int_equal(seen[1].mtime, -1);
	assert_int_equal(ld_s3_xml_list(no_token, strlen(no_token), count_obj, seen, &truncated,
					 token, sizeof(token)), -EBADMSG);
	assert_int_equal(ld_s3_xml_list(bad_size, strlen(bad_size), count_obj, seen, &truncated,
					 token, sizeof(token)), -EBADMSG);
	assert_int_equal(ld_s3_xml_list(err, strlen(err), count_obj, seen, &truncated, token,
					 sizeof(token)), -EBADMSG);
	assert_int_equal(ld_s3_xml_error(err, strlen(err), code, sizeof(code), msg, sizeof(msg)), 1);
	assert_string_equal(code, "InvalidAccessKeyId");
	assert_string_equal(msg, "no such key");
	assert_int_equal(ld_s3_xml_error(list, strlen(list), code, 4, msg, 4), 0);
	assert_int_equal(ld_s3_xml_error("<Error", 6, code, 4, msg, 4), -EBADMSG);
	assert_int_equal(ld_s3_xml_error(err, strlen(err), code, 4, msg, 4), 1);
	assert_string_equal(code, "Inv");	/* cut, terminated */
	assert_int_equal(ld_s3_xml_uploads(uploads, strlen(uploads), count_upload, id, &next), 0);
	assert_false(next.truncated);
	assert_string_equal(id, "2~a|2~b|");
	assert_int_equal(ld_s3_xml_uploads(list, strlen(list), count_upload, id, &next), -EBADMSG);
	id[0] = 0;
	assert_int_equal(ld_s3_xml_uploads(uploads_page, strlen(uploads_page), count_upload, id,
					   &next), 0);
	assert_true(next.truncated);
	assert_string_equal(next.key, "p/x.core");
	assert_string_equal(next.upload_id, "2~a");
	assert_string_equal(id, "2~a|");
	assert_int_equal(ld_s3_xml_uploads(uploads_nomark, strlen(uploads_nomark), count_upload, id,
					   &next), -EBADMSG);
	assert_int_equal(ld_s3_xml_upload_id("<InitiateMultipartUploadResult><UploadId>2~x</UploadId>"
					     "</InitiateMultipartUploadResult>", 87, id, sizeof(id)), 0);
	assert_string_equal(id, "2~x");
	assert_int_equal(ld_s3_xml_upload_id("<InitiateMultipartUploadResult><UploadId></UploadId>"
					     "</InitiateMultipartUploadResult>", 84, id, sizeof(id)),
			 -EBADMSG);
}

static void test_spool(void **state)
{
	char dir[] = "/tmp/test_spool.XXXXXX", path[200], why[300], **names;
	struct ld_spool_entry e = { .key = "p/h/2026-12-07/b.core", .size = 42, .part_size = 5 << 20,
				    .queued = 1796652229 }, got;
	struct ld_spool *s, *other;
	size_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ld_spool__open(dir, &s, why, sizeof(why)), 0);
	/* One collector at a time. */
	assert_int_equal(ld_spool__open(dir, &other, why, sizeof(why)), -EBUSY);
	assert_non_null(strstr(why, "another collector uploads"));
	assert_int_equal(ld_spool__get(s, "b.core", &got), -ENOENT);
	assert_int_equal(ld_spool__add(s, "b.core", &e), 0);
	snprintf(e.key, sizeof(e.key), "p/h/2026-12-07/a.core");
	assert_int_equal(ld_spool__add(s, "a.core", &e), 0);
	assert_int_equal(ld_spool__add(s, "../x", &e), -EINVAL);
	assert_int_equal(ld_spool__add(s, ".hidden", &e), -EINVAL);
	assert_int_equal(ld_spool__get(s, "b.core", &got), 0);
	assert_string_equal(got.key, "p/h/2026-12-07/b.core");
	assert_int_equal(got.size, 42);
	assert_int_equal(got.part_size, 5 << 20);
	assert_int_equal(got.queued, 1796652229);
	assert_int_equal(ld_spool__list(s, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a.core");	/* sorted: oldest dumps first */
	assert_string_equal(names[1], "b.core");
	ld_spool__list_free(names, n);
	/* Done: the record written, the entry gone. */
	snprintf(got.etag, sizeof(got.etag), "abc-2");
	assert_int_equal(ld_spool__done(s, "b.core", &got), 0);
	assert_int_equal(ld_spool__get(s, "b.core", &got), -ENOENT);
	assert_int_equal(ld_spool__done_get(s, "b.core", &got), 0);
	assert_string_equal(got.etag, "abc-2");
	assert_int_equal(ld_spool__list(s, &names, &n), 0);
	assert_int_equal(n, 1);
	ld_spool__list_free(names, n);
	/* A damaged entry (cut short) is not taken for one. */
	snprintf(path, sizeof(path), "%s/.spool/c.core", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "livedump-spool 1\nkey=x\nsize=1", 29), 29);
	close(fd);
	assert_int_equal(ld_spool__get(s, "c.core", &got), -EBADMSG);
	assert_int_equal(ld_spool__remove(s, "c.core", false), 0);
	/* A writer killed mid-write leaves a temporary file: the next open removes it. */
	snprintf(path, sizeof(path), "%s/.spool/.d.core.99.tmp", dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	ld_spool__free(s);
	assert_int_equal(ld_spool__open(dir, &s, why, sizeof(why)), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(ld_spool__get(s, "a.core", &got), 0);	/* survived the close */
	assert_int_equal(ld_spool__remove(s, "a.core", false), 0);
	assert_int_equal(ld_spool__remove(s, "b.core", true), 0);
	assert_int_equal(ld_spool__remove(s, "b.core", true), -ENOENT);
	ld_spool__free(s);
	snprintf(path, sizeof(path), "%s/.spool/done", dir);
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/.spool", dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_entry_text(void **state)
{
	struct ld_spool_entry e = { .key = "k", .size = 1, .etag = "e" }, got;
	char text[1400];
	int n;

	(void)state;
	n = ld_spool_entry_format(&e, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(ld_spool_entry_parse(text, n, &got), 0);
	assert_string_equal(got.key, "k");
	assert_string_equal(got.etag, "e");
	/* Fields of a later version are skipped; a bad number is not. */
	assert_int_equal(ld_spool_entry_parse("livedump-spool 1\nkey=k\nnew=1\n", 29, &got), 0);
	assert_int_equal(ld_spool_entry_parse("livedump-spool 1\nkey=k\nsize=1x\n", 31, &got), -EBADMSG);
	assert_int_equal(ld_spool_entry_parse("livedump-spool 1\nsize=1\n", 24, &got), -EBADMSG);
	assert_int_equal(ld_spool_entry_parse("livedump-spool 2\nkey=k\n", 23, &got), -EBADMSG);
	assert_int_equal(ld_spool_entry_parse("livedump-spool 1\nkey=k\nsize=99999999999999999999\n",
					      48, &got), -EBADMSG);
	snprintf(e.key, sizeof(e.key), "a\nb");
	assert_int_equal(ld_spool_entry_format(&e, text, sizeof(text)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_etags),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_entry_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
