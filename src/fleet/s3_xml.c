// SPDX-License-Identifier: MIT
/*
 * Owns the reading of S3's XML replies (s3_xml.h), by libxml2's tree API.
 * Nothing the server sends is trusted: no network, no DTD, no entity
 * substitution (no XXE, no billion laughs beyond libxml2's own limits),
 * errors kept off stderr; names compared without their namespace, since
 * servers differ in declaring one.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "fleet/s3_xml.h"

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init_once(void)
{
	xmlInitParser();
}

void ld_s3_xml_init(void)
{
	pthread_once(&xml_once, xml_init_once);
}

static xmlDocPtr parse(const char *xml, size_t len)
{
	if (!xml || !len || len > (size_t)INT32_MAX)
		return NULL;
	ld_s3_xml_init();
	return xmlReadMemory(xml, (int)len, "s3-reply.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
			     XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA);
}

static bool named(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->name && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* The text of @n's child @name into @buf: true if there is one. */
static bool text_of(const xmlNode *n, const char *name, char *buf, size_t size)
{
	const xmlNode *c = child(n, name);
	xmlChar *t;

	if (size)
		buf[0] = 0;
	if (!c)
		return false;
	t = xmlNodeGetContent(c);
	if (!t)
		return false;
	if (size)
		snprintf(buf, size, "%s", (const char *)t);
	xmlFree(t);
	return true;
}

/* An ETag as servers quote it ("..." or &quot;...&quot;), without the quotes. */
static void unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		memmove(s, s + 1, n - 2);
		s[n - 2] = 0;
	}
}

int ld_s3_xml_error(const char *xml, size_t len, char *code, size_t codelen, char *msg,
		    size_t msglen)
{
	xmlDocPtr doc = parse(xml, len);
	const xmlNode *root;
	int ret = 0;

	if (codelen)
		code[0] = 0;
	if (msglen)
		msg[0] = 0;
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (named(root, "Error")) {
		text_of(root, "Code", code, codelen);
		text_of(root, "Message", msg, msglen);
		ret = 1;
	}
	xmlFreeDoc(doc);
	return ret;
}

int64_t ld_s3_parse_iso8601(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!end)
		return -1;
	return (int64_t)timegm(&tm);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

int ld_s3_xml_list(const char *xml, size_t len,
		   int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx,
		   bool *truncated, char *token, size_t tokenlen)
{
	xmlDocPtr doc = parse(xml, len);
	const xmlNode *root;
	char buf[64];
	int ret = 0;

	*truncated = false;
	if (tokenlen)
		token[0] = 0;
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (!named(root, "ListBucketResult")) {
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	text_of(root, "IsTruncated", buf, sizeof(buf));
	*truncated = !strcmp(buf, "true");
	text_of(root, "NextContinuationToken", token, tokenlen);
	for (const xmlNode *c = root->children; c && !ret; c = c->next) {
		struct ld_s3_obj obj = { .mtime = -1 };

		if (!named(c, "Contents"))
			continue;
		if (!text_of(c, "Key", obj.key, sizeof(obj.key)) || !obj.key[0]) {
			ret = -EBADMSG;
			break;
		}
		if (text_of(c, "Size", buf, sizeof(buf)) && !parse_u64(buf, &obj.size)) {
			ret = -EBADMSG;
			break;
		}
		if (text_of(c, "LastModified", buf, sizeof(buf)))
			obj.mtime = ld_s3_parse_iso8601(buf);
		text_of(c, "ETag", obj.etag, sizeof(obj.etag));
		unquote(obj.etag);
		ret = cb(ctx, &obj);
	}
	/* A truncated page must say where the next starts. */
	if (!ret && *truncated && !(tokenlen && token[0]))
		ret = -EBADMSG;
	xmlFreeDoc(doc);
	return ret;
}

int ld_s3_xml_uploads(const char *xml, size_t len,
		      int (*cb)(void *ctx, const char *key, const char *upload_id), void *ctx,
		      struct ld_s3_upload_marker *next)
{
	xmlDocPtr doc = parse(xml, len);
	const xmlNode *root;
	char buf[16], key[1024], id[512];
	int ret = 0;

	memset(next, 0, sizeof(*next));
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (!named(root, "ListMultipartUploadsResult")) {
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	text_of(root, "IsTruncated", buf, sizeof(buf));
	next->truncated = !strcmp(buf, "true");
	text_of(root, "NextKeyMarker", next->key, sizeof(next->key));
	text_of(root, "NextUploadIdMarker", next->upload_id, sizeof(next->upload_id));
	for (const xmlNode *c = root->children; c && !ret; c = c->next) {
		if (!named(c, "Upload"))
			continue;
		if (!text_of(c, "Key", key, sizeof(key)) || !key[0] ||
		    !text_of(c, "UploadId", id, sizeof(id)) || !id[0]) {
			ret = -EBADMSG;
			break;
		}
		ret = cb(ctx, key, id);
	}
	if (!ret && next->truncated && !next->key[0])
		ret = -EBADMSG;
	xmlFreeDoc(doc);
	return ret;
}

int ld_s3_xml_upload_id(const char *xml, size_t len, char *id, size_t idlen)
{
	xmlDocPtr doc = parse(xml, len);
	const xmlNode *root;
	int ret = -EBADMSG;

	if (idlen)
		id[0] = 0;
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (named(root, "InitiateMultipartUploadResult") &&
	    text_of(root, "UploadId", id, idlen) && idlen && id[0])
		ret = 0;
	xmlFreeDoc(doc);
	return ret;
}

int ld_s3_xml_complete(const char *xml, size_t len, char *etag, size_t etaglen)
{
	xmlDocPtr doc = parse(xml, len);
	const xmlNode *root;
	int ret = -EBADMSG;

	if (etaglen)
		etag[0] = 0;
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (named(root, "CompleteMultipartUploadResult") && text_of(root, "ETag", etag, etaglen)) {
		unquote(etag);
		ret = 0;
	}
	xmlFreeDoc(doc);
	return ret;
}
