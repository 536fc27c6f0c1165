// SPDX-License-Identifier: MIT
/*
 * Owns the S3 requests of s3.h: libcurl signs them (CURLOPT_AWS_SIGV4,
 * path-style URLs), OpenSSL's EVP gives the MD5 of every body for
 * Content-MD5, libxml2 reads the replies (s3_xml.c).  Two quirks of the
 * servers we meet are handled here, once:
 *  - every request carries "x-amz-content-sha256: UNSIGNED-PAYLOAD": the
 *    body is streamed, so no hash of it exists before it is sent, and
 *    curl 7.88 (Debian 12) signs a payload hash without sending the header
 *    that RGW and AWS need to check it;
 *  - CompleteMultipartUpload can fail with HTTP 200 and an <Error> body.
 * The query strings are written as SigV4 canonicalizes them (sorted,
 * "key=value" also for flags): curl 7.88 signs the query as it is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include "fleet/s3.h"
#include "fleet/s3_xml.h"

#define ERR_MAX		1024
#define REPLY_MAX	(16u << 20)	/* an XML reply (a list page is ~1 MB at most) */
#define PART_MAX	10000		/* S3's limit on parts of one upload */
#define ERRBODY_MAX	(64u << 10)	/* an error document: kept apart from the caller's fd or max */

struct ld_s3 {
	CURL *curl;
	char endpoint[512];		/* without a trailing '/' */
	char bucket[64];
	char sigv4[160];		/* "aws:amz:REGION:s3" */
	char userpwd[1024];		/* ACCESS:SECRET */
	char *token;			/* $AWS_SESSION_TOKEN header, or NULL */
	long timeout_ms;
	const _Atomic int *cancel;
	curl_off_t max_send;		/* LIVEDUMP_TEST_UPLOAD_BPS; 0: no cap */
	char err[ERR_MAX];
	char code[128];			/* the last failure's S3 error code, or "" */
};

/* What a request sends. */
struct body {
	const unsigned char *mem;	/* or from fd */
	int fd;
	uint64_t off, len, pos;
};

/* What it gets back: the body into memory (at most max) or into an fd. */
struct reply {
	CURL *curl;
	bool failed;			/* a status >= 300: the body is the error document */
	char *buf;
	size_t len, cap, max;
	int fd;				/* -1: into buf */
	int werr;			/* writing to fd failed: -errno */
	bool too_big;
	char etag[80];
	uint64_t clen;
	int64_t mtime;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	ld_s3_xml_init();
}

/* --- URLs and names ------------------------------------------------------ */

/* Bucket names as S3 allows them today: 3-63 of [a-z0-9.-], starting and ending alnum. */
static bool bucket_ok(const char *b, size_t n)
{
	if (n < 3 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '.' && c != '-')
			return false;
		if ((i == 0 || i == n - 1) && !alnum)
			return false;
	}
	return true;
}

int ld_s3_url_parse(const char *url, struct ld_s3_url *u, char *why, size_t whylen)
{
	const char *b, *slash;
	size_t blen, plen;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "s3://", 5)) {
		snprintf(why, whylen, "not an s3://BUCKET[/PREFIX] URL");
		return -EINVAL;
	}
	b = url + 5;
	slash = strchr(b, '/');
	blen = slash ? (size_t)(slash - b) : strlen(b);
	if (!bucket_ok(b, blen)) {
		snprintf(why, whylen, "bad bucket name '%.*s': 3 to 63 of a-z, 0-9, '.', '-', "
			 "starting and ending with a letter or digit", (int)(blen > 80 ? 80 : blen), b);
		return -EINVAL;
	}
	memcpy(u->bucket, b, blen);
	if (!slash)
		return 0;
	slash++;
	plen = strlen(slash);
	while (plen && slash[plen - 1] == '/')
		plen--;
	if (plen >= sizeof(u->prefix)) {
		snprintf(why, whylen, "prefix longer than %zu bytes", sizeof(u->prefix) - 1);
		return -ENAMETOOLONG;
	}
	for (size_t i = 0; i < plen; i++) {
		unsigned char c = slash[i];

		if (c < 0x20 || c == 0x7f || c == '\\') {
			snprintf(why, whylen, "prefix holds a control character or '\\' at byte %zu", i);
			return -EINVAL;
		}
		if (c == '/' && (i == 0 || slash[i - 1] == '/')) {
			snprintf(why, whylen, "prefix has an empty path segment (\"//\") at byte %zu", i);
			return -EINVAL;
		}
		if (c == '.' && (i == 0 || slash[i - 1] == '/') &&
		    (i + 1 == plen || slash[i + 1] == '/' ||
		     (slash[i + 1] == '.' && (i + 2 == plen || slash[i + 2] == '/')))) {
			snprintf(why, whylen, "prefix has a '.' or '..' segment at byte %zu", i);
			return -EINVAL;
		}
	}
	memcpy(u->prefix, slash, plen);
	return 0;
}

/* RFC 3986 percent-encoding of all but the unreserved characters (and '/' when @path). */
static int encode(char *out, size_t size, const char *s, bool path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = *s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
			     c == '~' || (path && c == '/');

		if (o + 4 > size)
			return -ENAMETOOLONG;
		if (plain) {
			out[o++] = c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = 0;
	return 0;
}

static void fail(struct ld_s3 *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct ld_s3 *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

const char *ld_s3__error(const struct ld_s3 *s)
{
	return s->err;
}

const char *ld_s3__error_code(const struct ld_s3 *s)
{
	return s->code;
}

/* --- credentials --------------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/*
 * The [default] profile of an AWS shared-credentials file, which must be
 * ours and readable by us alone (it holds a secret).
 */
static int read_credentials(const char *path, char *ak, char *sk, char *tok, size_t size,
			    char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char line[2048];
	bool in_default = false;
	struct stat st;
	FILE *f;

	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & 077 || st.st_uid != geteuid()) {
		snprintf(why, whylen, "refusing credentials file %s: mode %04o, owner uid %u: "
			 "it must be ours and 0600 (it holds a secret key)", path,
			 st.st_mode & 07777, (unsigned)st.st_uid);
		close(fd);
		return -EPERM;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *l = trim(line), *eq, *k, *v;

		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			in_default = !strcmp(l, "[default]");
			continue;
		}
		eq = strchr(l, '=');
		if (!in_default || !eq)
			continue;
		*eq = 0;
		k = trim(l);
		v = trim(eq + 1);
		if (!strcmp(k, "aws_access_key_id"))
			snprintf(ak, size, "%s", v);
		else if (!strcmp(k, "aws_secret_access_key"))
			snprintf(sk, size, "%s", v);
		else if (!strcmp(k, "aws_session_token"))
			snprintf(tok, size, "%s", v);
	}
	fclose(f);
	if (!ak[0] || !sk[0]) {
		snprintf(why, whylen, "%s: no aws_access_key_id and aws_secret_access_key under [default]",
			 path);
		return -EINVAL;
	}
	return 0;
}

int ld_s3__new(const struct ld_s3_opts *opts, const char *bucket, struct ld_s3 **out)
{
	char ak[512] = "", sk[512] = "", tok[2048] = "", why[600] = "";
	const char *region = opts->region, *hook = getenv("LIVEDUMP_TEST_UPLOAD_BPS");
	struct ld_s3 *s;
	size_t n;
	int err;

	*out = NULL;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*out = s;	/* so the caller can read ld_s3__error() of a failure */
	if (!opts->endpoint || (strncmp(opts->endpoint, "http://", 7) &&
				strncmp(opts->endpoint, "https://", 8))) {
		fail(s, "endpoint '%s': not an http:// or https:// URL",
		     opts->endpoint ? opts->endpoint : "");
		return -EINVAL;
	}
	n = strlen(opts->endpoint);
	while (n && opts->endpoint[n - 1] == '/')
		n--;
	if (n >= sizeof(s->endpoint) || strlen(bucket) >= sizeof(s->bucket)) {
		fail(s, "endpoint or bucket name too long");
		return -ENAMETOOLONG;
	}
	memcpy(s->endpoint, opts->endpoint, n);
	snprintf(s->bucket, sizeof(s->bucket), "%s", bucket);
	if (!region)
		region = getenv("AWS_REGION");
	if (!region || !*region)
		region = "us-east-1";
	snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", region);
	if (opts->credentials) {
		err = read_credentials(opts->credentials, ak, sk, tok, sizeof(ak), why, sizeof(why));
		if (err) {
			fail(s, "%s", why);
			return err;
		}
	} else {
		const char *a = getenv("AWS_ACCESS_KEY_ID"), *k = getenv("AWS_SECRET_ACCESS_KEY"),
			   *t = getenv("AWS_SESSION_TOKEN");

		if (!a || !*a || !k || !*k) {
			fail(s, "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
			     "or give a credentials file");
			return -ENOKEY;
		}
		snprintf(ak, sizeof(ak), "%s", a);
		snprintf(sk, sizeof(sk), "%s", k);
		snprintf(tok, sizeof(tok), "%s", t ? t : "");
	}
	if (strchr(ak, ':')) {
		fail(s, "access key id holds a ':'");
		return -EINVAL;
	}
	snprintf(s->userpwd, sizeof(s->userpwd), "%s:%s", ak, sk);
	if (tok[0] && asprintf(&s->token, "x-amz-security-token: %s", tok) < 0) {
		s->token = NULL;
		return -ENOMEM;
	}
	s->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 60000;
	s->cancel = opts->cancel;
	if (hook)
		s->max_send = strtoll(hook, NULL, 10);
	s->curl = curl_easy_init();
	if (!s->curl)
		return -ENOMEM;
	s->err[0] = 0;
	return 0;
}

void ld_s3__free(struct ld_s3 *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	explicit_bzero(s->userpwd, sizeof(s->userpwd));
	free(s->token);
	free(s);
}

/* --- one request ---------------------------------------------------------- */

static size_t read_body(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t want = size * nmemb;
	ssize_t n;

	if (b->pos >= b->len)
		return 0;
	if (want > b->len - b->pos)
		want = b->len - b->pos;
	if (b->mem) {
		memcpy(dst, b->mem + b->pos, want);
		b->pos += want;
		return want;
	}
	n = pread(b->fd, dst, want, b->off + b->pos);
	if (n <= 0)
		return CURL_READFUNC_ABORT;	/* the file shrank or cannot be read */
	b->pos += n;
	return n;
}

static int rewind_body(void *arg, curl_off_t offset, int origin)
{
	struct body *b = arg;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > b->len)
		return CURL_SEEKFUNC_FAIL;
	b->pos = offset;
	return CURL_SEEKFUNC_OK;
}

static size_t write_reply(char *src, size_t size, size_t nmemb, void *arg)
{
	struct reply *r = arg;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 300 && !r->failed) {
		/* The server's error document: never into the caller's file, never cut by its max. */
		r->failed = true;
		r->fd = -1;
		r->max = ERRBODY_MAX;
		r->len = 0;
	}
	if (r->failed && r->len + n > r->max)
		n = r->max > r->len ? r->max - r->len : 0;	/* enough of it to say what it is */
	if (!n)
		return size * nmemb;
	if (r->fd >= 0) {
		for (size_t done = 0; done < n;) {
			ssize_t w = write(r->fd, src + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r->werr = w < 0 ? -errno : -EIO;
				return 0;
			}
			done += w;
		}
		return n;
	}
	if (r->len + n > r->max) {
		r->too_big = true;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->buf, cap);
		if (!p)
			return 0;
		r->buf = p;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, src, n);
	r->len += n;
	r->buf[r->len] = 0;
	return size * nmemb;
}

static bool header_is(const char *line, size_t n, const char *name, const char **val)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return false;
	*val = line + k + 1;
	return true;
}

static size_t read_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct reply *r = arg;
	size_t n = size * nmemb, len;
	const char *v;
	char tmp[200];

	if (!header_is(line, n, "ETag", &v) && !header_is(line, n, "Content-Length", &v) &&
	    !header_is(line, n, "Last-Modified", &v))
		return n;
	len = n - (v - line);
	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, v, len);
	tmp[len] = 0;
	v = trim(tmp);
	if (!strncasecmp(line, "ETag", 4)) {
		size_t l = strlen(v);

		if (l >= 2 && v[0] == '"' && v[l - 1] == '"')
			snprintf(r->etag, sizeof(r->etag), "%.*s", (int)(l - 2), v + 1);
		else
			snprintf(r->etag, sizeof(r->etag), "%s", v);
	} else if (!strncasecmp(line, "Content-Length", 14)) {
		r->clen = strtoull(v, NULL, 10);
	} else {
		r->mtime = curl_getdate(v, NULL);
	}
	return n;
}

/* base64 of the MD5 of @len bytes at @mem, or of @fd from @off. */
static int content_md5(const struct body *b, char *b64, size_t size, unsigned char raw[16])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[1 << 16];
	unsigned int mdlen = 0;
	int err = 0;

	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, EVP_md5(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return -EIO;
	}
	if (b->mem) {
		EVP_DigestUpdate(ctx, b->mem, b->len);
	} else {
		for (uint64_t done = 0; done < b->len;) {
			size_t want = b->len - done < sizeof(buf) ? b->len - done : sizeof(buf);
			ssize_t n = pread(b->fd, buf, want, b->off + done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? -errno : -ENODATA;
				break;
			}
			EVP_DigestUpdate(ctx, buf, n);
			done += n;
		}
	}
	if (!err && !EVP_DigestFinal_ex(ctx, raw, &mdlen))
		err = -EIO;
	EVP_MD_CTX_free(ctx);
	if (err)
		return err;
	if (size < 25)
		return -ENOSPC;
	EVP_EncodeBlock((unsigned char *)b64, raw, 16);
	return 0;
}

static int progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	const struct ld_s3 *s = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return s->cancel && atomic_load(s->cancel);
}

static int map_http(long code)
{
	switch (code) {
	case 404: return -ENOENT;
	case 401: case 403: return -EACCES;
	case 400: case 411: return -EINVAL;
	case 409: return -EBUSY;
	case 412: return -ESTALE;
	case 413: return -EFBIG;
	case 408: return -ETIMEDOUT;
	case 429: case 503: return -EAGAIN;
	default: return -EIO;
	}
}

static int map_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST: return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY: return -ENOMEM;
	case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE: return -ECONNRESET;
	case CURLE_ABORTED_BY_CALLBACK: return -ECANCELED;
	default: return -EIO;
	}
}

/*
 * METHOD /BUCKET/KEY?QUERY.  0 on a 2xx, else a negative errno with the
 * message in s->err: the request, the key and what the server (its error
 * code and message) or the transport said.
 */
static int request(struct ld_s3 *s, const char *method, const char *key, const char *query,
		   struct body *body, struct reply *r, const char *content_type)
{
	char ekey[3200], url[4096], md5[32] = "", md5hdr[64], ebuf[CURL_ERROR_SIZE] = "", ctype[160];
	struct curl_slist *hdrs = NULL, *h;
	unsigned char raw[16];
	long code = 0;
	CURLcode rc;
	CURL *c = s->curl;
	int err;

	s->code[0] = 0;
	if (encode(ekey, sizeof(ekey), key ? key : "", true)) {
		fail(s, "%s %s: key too long", method, key);
		return -ENAMETOOLONG;
	}
	snprintf(url, sizeof(url), "%s/%s%s%s%s%s", s->endpoint, s->bucket, key ? "/" : "",
		 ekey, query ? "?" : "", query ? query : "");
	if (body) {
		err = content_md5(body, md5, sizeof(md5), raw);
		if (err) {
			fail(s, "%s %s: cannot read what to send: %s", method, url, strerror(-err));
			return err;
		}
		snprintf(md5hdr, sizeof(md5hdr), "Content-MD5: %s", md5);
	}
	curl_easy_reset(c);
	r->curl = c;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
	curl_easy_setopt(c, CURLOPT_USERPWD, s->userpwd);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* No bound on the whole: a large part on a slow link takes its time; a stall does not. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (s->timeout_ms + 999) / 1000);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms < 10000 ? s->timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_reply);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (s->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	h = curl_slist_append(hdrs, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	hdrs = h;
	/* Each header given is signed (curl 7.88): none that curl would drop, like "Expect:". */
	if (h && s->token)
		h = curl_slist_append(hdrs, s->token);
	if (h && body)
		h = curl_slist_append(hdrs, md5hdr);
	if (h && content_type && !strpbrk(content_type, "\r\n")) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		h = curl_slist_append(hdrs, ctype);
	}
	if (!h) {
		curl_slist_free_all(hdrs);
		fail(s, "%s %s: out of memory", method, url);
		return -ENOMEM;
	}
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "PUT") || !strcmp(method, "POST")) {
		struct body empty = { .mem = (const unsigned char *)"" };
		struct body *b = body ? body : &empty;

		b->pos = 0;
		if (!strcmp(method, "PUT")) {
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b->len);
		} else {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
		}
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
		curl_easy_setopt(c, CURLOPT_READDATA, b);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, rewind_body);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, b);
		if (s->max_send > 0)
			curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, s->max_send);
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	if (r->werr) {
		fail(s, "%s %s: cannot write what came: %s", method, url, strerror(-r->werr));
		return r->werr;
	}
	if (r->too_big) {
		fail(s, "%s %s: the reply is larger than %zu bytes", method, url, r->max);
		return -EFBIG;
	}
	if (rc != CURLE_OK) {
		fail(s, "%s %s: %s", method, url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return map_curl(rc);
	}
	if (code >= 200 && code < 300)
		return 0;
	if (r->failed && r->len) {
		char ecode[128], msg[400];

		if (ld_s3_xml_error(r->buf, r->len, ecode, sizeof(ecode), msg, sizeof(msg)) == 1) {
			fail(s, "%s %s: HTTP %ld %s%s%s", method, url, code, ecode,
			     msg[0] ? ": " : "", msg);
			snprintf(s->code, sizeof(s->code), "%s", ecode);
			return map_http(code);
		}
	}
	fail(s, "%s %s: HTTP %ld%s", method, url, code,
	     !strcmp(method, "HEAD") ? " (a HEAD reply has no body to say more)" : "");
	return map_http(code);
}

static void reply_init(struct reply *r, size_t max)
{
	*r = (struct reply){ .max = max, .fd = -1, .mtime = -1 };
}

/* --- the calls of s3.h ------------------------------------------------------ */

int ld_s3__put_mem(struct ld_s3 *s, const char *key, const void *buf, size_t len,
		   const char *content_type)
{
	struct body b = { .mem = buf ? buf : "", .len = len };
	struct reply r;
	int err;

	reply_init(&r, REPLY_MAX);
	err = request(s, "PUT", key, NULL, &b, &r, content_type);
	free(r.buf);
	return err;
}

static int put_range(struct ld_s3 *s, const char *key, const char *query, int fd,
		     uint64_t off, uint64_t len, char *etag, size_t etaglen)
{
	struct body b = { .fd = fd, .off = off, .len = len };
	struct reply r;
	int err;

	reply_init(&r, REPLY_MAX);
	err = request(s, "PUT", key, query, &b, &r, NULL);
	if (!err && etag)
		snprintf(etag, etaglen, "%s", r.etag);
	free(r.buf);
	return err;
}

static void abort_upload(struct ld_s3 *s, const char *key, const char *query)
{
	char saved[ERR_MAX];
	struct reply r;

	char code[sizeof(s->code)];

	memcpy(saved, s->err, sizeof(saved));	/* the first failure is the one to tell */
	memcpy(code, s->code, sizeof(code));
	reply_init(&r, REPLY_MAX);
	request(s, "DELETE", key, query, NULL, &r, NULL);
	free(r.buf);
	memcpy(s->err, saved, sizeof(saved));
	memcpy(s->code, code, sizeof(code));
}

int ld_s3__put_fd(struct ld_s3 *s, const char *key, int fd, uint64_t len, uint64_t part_size)
{
	char id[512], eid[1600], query[1800], (*etags)[80] = NULL;
	uint64_t nparts;
	struct body none = { .mem = (const unsigned char *)"" };
	struct reply r;
	char *xml = NULL;
	size_t xlen = 0;
	FILE *x;
	int err;

	if (!part_size || len <= part_size)
		return put_range(s, key, NULL, fd, 0, len, NULL, 0);
	nparts = (len + part_size - 1) / part_size;
	if (nparts > PART_MAX) {
		fail(s, "PUT %s: %" PRIu64 " parts of %" PRIu64 " bytes, more than S3's %d: "
		     "a larger part size is needed", key, nparts, part_size, PART_MAX);
		return -EFBIG;
	}
	reply_init(&r, REPLY_MAX);
	err = request(s, "POST", key, "uploads=", &none, &r, NULL);
	if (!err && ld_s3_xml_upload_id(r.buf, r.len, id, sizeof(id))) {
		fail(s, "POST %s?uploads: no UploadId in the reply", key);
		err = -EBADMSG;
	}
	free(r.buf);
	if (err)
		return err;
	if (encode(eid, sizeof(eid), id, false)) {
		fail(s, "POST %s?uploads: upload id too long", key);
		return -ENAMETOOLONG;
	}
	etags = calloc(nparts, sizeof(*etags));
	if (!etags) {
		err = -ENOMEM;
		goto abort;
	}
	for (uint64_t i = 0; i < nparts && !err; i++) {
		uint64_t off = i * part_size, n = len - off < part_size ? len - off : part_size;

		snprintf(query, sizeof(query), "partNumber=%" PRIu64 "&uploadId=%s", i + 1, eid);
		err = put_range(s, key, query, fd, off, n, etags[i], sizeof(etags[i]));
	}
	if (err)
		goto abort;
	x = open_memstream(&xml, &xlen);
	if (!x) {
		err = -ENOMEM;
		goto abort;
	}
	fputs("<CompleteMultipartUpload>", x);
	for (uint64_t i = 0; i < nparts; i++)
		fprintf(x, "<Part><PartNumber>%" PRIu64 "</PartNumber><ETag>\"%s\"</ETag></Part>",
			i + 1, etags[i]);
	fputs("</CompleteMultipartUpload>", x);
	if (fclose(x)) {
		err = -ENOMEM;
		goto abort;
	}
	snprintf(query, sizeof(query), "uploadId=%s", eid);
	{
		struct body b = { .mem = (const unsigned char *)xml, .len = xlen };
		char ecode[128], msg[400], etag[80];

		reply_init(&r, REPLY_MAX);
		err = request(s, "POST", key, query, &b, &r, NULL);
		if (!err && ld_s3_xml_error(r.buf, r.len, ecode, sizeof(ecode), msg, sizeof(msg)) == 1) {
			fail(s, "POST %s/%s/%s?uploadId: HTTP 200 with %s%s%s", s->endpoint, s->bucket,
			     key, ecode, msg[0] ? ": " : "", msg);
			snprintf(s->code, sizeof(s->code), "%s", ecode);
			err = -EIO;
		} else if (!err && ld_s3_xml_complete(r.buf, r.len, etag, sizeof(etag))) {
			fail(s, "POST %s/%s/%s?uploadId: no CompleteMultipartUploadResult in the reply",
			     s->endpoint, s->bucket, key);
			err = -EBADMSG;
		}
		free(r.buf);
	}
	free(xml);
	if (!err) {
		free(etags);
		return 0;
	}
abort:
	free(etags);
	snprintf(query, sizeof(query), "uploadId=%s", eid);
	abort_upload(s, key, query);
	return err;
}

int ld_s3__head(struct ld_s3 *s, const char *key, struct ld_s3_obj *obj)
{
	struct reply r;
	int err;

	reply_init(&r, 0);
	err = request(s, "HEAD", key, NULL, NULL, &r, NULL);
	free(r.buf);
	if (err)
		return err;
	memset(obj, 0, sizeof(*obj));
	snprintf(obj->key, sizeof(obj->key), "%s", key);
	obj->size = r.clen;
	obj->mtime = r.mtime;
	snprintf(obj->etag, sizeof(obj->etag), "%s", r.etag);
	return 0;
}

int ld_s3__get_mem(struct ld_s3 *s, const char *key, size_t max, void **buf, size_t *len)
{
	struct reply r;
	int err;

	*buf = NULL;
	*len = 0;
	reply_init(&r, max);
	err = request(s, "GET", key, NULL, NULL, &r, NULL);
	if (err) {
		free(r.buf);
		return err;
	}
	if (!r.buf)
		r.buf = calloc(1, 1);
	if (!r.buf)
		return -ENOMEM;
	*buf = r.buf;
	*len = r.len;
	return 0;
}

int ld_s3__get_fd(struct ld_s3 *s, const char *key, int fd)
{
	struct reply r;
	int err;

	reply_init(&r, REPLY_MAX);
	r.fd = fd;
	err = request(s, "GET", key, NULL, NULL, &r, NULL);
	free(r.buf);
	return err;
}

int ld_s3__delete(struct ld_s3 *s, const char *key)
{
	struct reply r;
	int err;

	reply_init(&r, REPLY_MAX);
	err = request(s, "DELETE", key, NULL, NULL, &r, NULL);
	free(r.buf);
	return err;
}

int ld_s3__list(struct ld_s3 *s, const char *prefix,
		int (*cb)(void *ctx, const struct ld_s3_obj *obj), void *ctx)
{
	char token[1024] = "", etok[3200], epre[1600], query[5000];
	bool truncated;
	int err;

	if (encode(epre, sizeof(epre), prefix ? prefix : "", false)) {
		fail(s, "LIST %s: prefix too long", prefix);
		return -ENAMETOOLONG;
	}
	do {
		struct reply r;

		if (encode(etok, sizeof(etok), token, false)) {
			fail(s, "LIST %s: continuation token too long", prefix);
			return -ENAMETOOLONG;
		}
		/* Sorted, as SigV4's canonical query string is. */
		snprintf(query, sizeof(query), "%s%s%slist-type=2&prefix=%s",
			 token[0] ? "continuation-token=" : "", token[0] ? etok : "",
			 token[0] ? "&" : "", epre);
		reply_init(&r, REPLY_MAX);
		err = request(s, "GET", NULL, query, NULL, &r, NULL);
		if (!err) {
			char prev[sizeof(token)];

			memcpy(prev, token, sizeof(prev));
			err = ld_s3_xml_list(r.buf, r.len, cb, ctx, &truncated, token, sizeof(token));
			if (err == -EBADMSG)
				fail(s, "GET %s/%s?list-type=2&prefix=%s: not a ListBucketResult the walk "
				     "can go on from", s->endpoint, s->bucket, prefix);
			else if (!err && truncated && !strcmp(prev, token)) {
				fail(s, "GET %s/%s?list-type=2: the server gave the same continuation "
				     "token twice", s->endpoint, s->bucket);
				err = -ELOOP;
			}
		}
		free(r.buf);
	} while (!err && truncated);
	return err;
}

struct stale {
	const char *key;
	char (*ids)[512];
	size_t n, cap;
};

static int add_stale(void *ctx, const char *key, const char *id)
{
	struct stale *st = ctx;

	if (strcmp(key, st->key))
		return 0;	/* a longer key with the same beginning */
	if (st->n == st->cap) {
		char (*p)[512] = realloc(st->ids, (st->cap = st->cap ? 2 * st->cap : 4) * sizeof(*p));

		if (!p)
			return -ENOMEM;
		st->ids = p;
	}
	snprintf(st->ids[st->n++], sizeof(st->ids[0]), "%s", id);
	return 0;
}

/* Test hook: pages of N uploads, so that tests walk several (S3's default is 1000). */
static int test_max_uploads(void)
{
	const char *v = getenv("LIVEDUMP_TEST_S3_MAX_UPLOADS");

	return v && atoi(v) > 0 ? atoi(v) : 0;
}

int ld_s3__abort_uploads(struct ld_s3 *s, const char *key)
{
	char ekey[3200], eid[1600], ekm[3200], eum[1600], query[9800], max[32] = "";
	struct ld_s3_upload_marker next = { 0 };
	struct stale st = { .key = key };
	struct reply r;
	int err, n = 0;

	if (encode(ekey, sizeof(ekey), key, false)) {
		fail(s, "LIST uploads of %s: key too long", key);
		return -ENAMETOOLONG;
	}
	if (test_max_uploads())
		snprintf(max, sizeof(max), "max-uploads=%d&", test_max_uploads());
	/* Every page: a key has as many uploads as uploaders were killed sending
	 * it, and a bucket's others come before it in the walk's order. */
	do {
		char prev_key[sizeof(next.key)], prev_id[sizeof(next.upload_id)];
		bool more = next.truncated;

		if (more && (encode(ekm, sizeof(ekm), next.key, false) ||
			     encode(eum, sizeof(eum), next.upload_id, false))) {
			fail(s, "LIST uploads of %s: marker too long", key);
			err = -ENAMETOOLONG;
			break;
		}
		/* Sorted, as SigV4's canonical query string is. */
		snprintf(query, sizeof(query), "%s%s%s%sprefix=%s&%s%s%suploads=",
			 more ? "key-marker=" : "", more ? ekm : "", more ? "&" : "", max, ekey,
			 more && next.upload_id[0] ? "upload-id-marker=" : "",
			 more && next.upload_id[0] ? eum : "", more && next.upload_id[0] ? "&" : "");
		memcpy(prev_key, next.key, sizeof(prev_key));
		memcpy(prev_id, next.upload_id, sizeof(prev_id));
		reply_init(&r, REPLY_MAX);
		err = request(s, "GET", NULL, query, NULL, &r, NULL);
		if (!err) {
			err = ld_s3_xml_uploads(r.buf, r.len, add_stale, &st, &next);
			if (err == -EBADMSG)
				fail(s, "GET %s/%s?uploads&prefix=%s: not a ListMultipartUploadsResult "
				     "the walk can go on from", s->endpoint, s->bucket, key);
			else if (!err && next.truncated && more && !strcmp(prev_key, next.key) &&
				 !strcmp(prev_id, next.upload_id)) {
				fail(s, "GET %s/%s?uploads: the server gave the same markers twice",
				     s->endpoint, s->bucket);
				err = -ELOOP;
			}
		}
		free(r.buf);
	} while (!err && next.truncated);
	for (size_t i = 0; !err && i < st.n; i++) {
		if (encode(eid, sizeof(eid), st.ids[i], false))
			continue;
		snprintf(query, sizeof(query), "uploadId=%s", eid);
		reply_init(&r, REPLY_MAX);
		err = request(s, "DELETE", key, query, NULL, &r, NULL);
		free(r.buf);
		if (err == -ENOENT)
			err = 0;	/* completed or aborted meanwhile */
		else if (!err)
			n++;
	}
	free(st.ids);
	return err ? err : n;
}

int ld_s3_etag_fd(int fd, uint64_t len, uint64_t part_size, char *etag, size_t size)
{
	unsigned char raw[16], all[16];
	uint64_t nparts = part_size && len > part_size ? (len + part_size - 1) / part_size : 1;
	EVP_MD_CTX *ctx;
	char b64[32];
	int err = 0;

	if (nparts == 1) {
		struct body b = { .fd = fd, .len = len };

		err = content_md5(&b, b64, sizeof(b64), raw);
		if (err)
			return err;
		for (int i = 0; i < 16 && size >= 33; i++)
			snprintf(etag + 2 * i, 3, "%02x", raw[i]);
		return size >= 33 ? 0 : -ENOSPC;
	}
	/* A multipart object's: the MD5 of its parts' MD5s, then "-PARTS". */
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_md5(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < nparts && !err; i++) {
		uint64_t off = i * part_size;
		struct body b = { .fd = fd, .off = off,
				  .len = len - off < part_size ? len - off : part_size };

		err = content_md5(&b, b64, sizeof(b64), raw);
		if (!err)
			EVP_DigestUpdate(ctx, raw, 16);
	}
	if (!err && !EVP_DigestFinal_ex(ctx, all, NULL))
		err = -EIO;
	EVP_MD_CTX_free(ctx);
	if (err)
		return err;
	if (size < 33 + 7)
		return -ENOSPC;
	for (int i = 0; i < 16; i++)
		snprintf(etag + 2 * i, 3, "%02x", all[i]);
	snprintf(etag + 32, size - 32, "-%" PRIu64, nparts);
	return 0;
}
