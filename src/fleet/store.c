// SPDX-License-Identifier: MIT
/*
 * Fleet stores (store.h): the table of backends, the layout of the keys
 * record --upload writes, the sidecars read into summaries, the cache of
 * fetched objects, and what list, report and script share for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "analysis/signature.h"
#include "base/escape.h"
#include "base/log.h"
#include "collector/journal.h"
#include "dump/outdir.h"
#include "fleet/sidecar.h"
#include "fleet/store_priv.h"
#include "group/manifest.h"

static const struct ld_store_backend *const backends[] = {
	[LD_STORE_S3] = &ld_store_s3,
	[LD_STORE_DIR] = &ld_store_dir,
};
_Static_assert(sizeof(backends) / sizeof(backends[0]) == LD_STORE__COUNT,
	       "every store backend is in the table");

/* --- options and URLs ------------------------------------------------------------- */

bool ld_store_parse_opt(int c, const char *arg, struct ld_store_opts *o)
{
	switch (c) {
	case LD_STORE_OPT_ENDPOINT: o->s3.endpoint = arg; return true;
	case LD_STORE_OPT_REGION: o->s3.region = arg; return true;
	case LD_STORE_OPT_CREDS: o->s3.credentials = arg; return true;
	case LD_STORE_OPT_CACHE: o->cache = arg; return true;
	}
	return false;
}

static const struct ld_store_backend *backend_of(const char *url, const char **where)
{
	for (size_t i = 0; i < LD_STORE__COUNT; i++) {
		size_t n = strlen(backends[i]->scheme);

		if (!strncmp(url, backends[i]->scheme, n) && !strncmp(url + n, "://", 3)) {
			*where = url + n + 3;
			return backends[i];
		}
	}
	return NULL;
}

bool ld_store_is_url(const char *arg)
{
	const char *where;

	return backend_of(arg, &where) != NULL;
}

/* $XDG_CACHE_HOME/livedump, else ~/.cache/livedump (the XDG base directory rules). */
static void cache_dir(const struct ld_store_opts *o, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (o->cache)
		snprintf(buf, len, "%s", o->cache);
	else if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/livedump", xdg);
	else if (home && home[0] == '/')
		snprintf(buf, len, "%s/.cache/livedump", home);
	else
		buf[0] = 0;
}

int ld_store__open(const char *url, const struct ld_store_opts *o, struct ld_store **out,
		   char *err, size_t errlen)
{
	const char *where;
	const struct ld_store_backend *be = backend_of(url, &where);
	struct ld_store *st;
	int ret;

	*out = NULL;
	if (!be) {
		snprintf(err, errlen, "%s: not a store URL (s3://BUCKET[/PREFIX] or file://DIR)", url);
		return -EINVAL;
	}
	if (strlen(url) >= sizeof(st->url)) {
		snprintf(err, errlen, "%.64s...: URL longer than %zu bytes", url, sizeof(st->url) - 1);
		return -ENAMETOOLONG;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->be = be;
	snprintf(st->url, sizeof(st->url), "%s", url);
	while (strlen(st->url) > strlen(be->scheme) + 4 && st->url[strlen(st->url) - 1] == '/')
		st->url[strlen(st->url) - 1] = 0;
	cache_dir(o, st->cache, sizeof(st->cache));
	ret = be->open(st, where, o);
	if (ret) {
		snprintf(err, errlen, "%s", st->err[0] ? st->err : strerror(-ret));
		free(st);
		return ret;
	}
	*out = st;
	return 0;
}

void ld_store__free(struct ld_store *st)
{
	if (!st)
		return;
	st->be->close(st);
	free(st);
}

/* --- the layout: PREFIX/HOST/YYYY-MM-DD/NAME, PREFIX/HOST/journal/NAME -------------- */

enum key_kind { KEY_OTHER, KEY_DUMP, KEY_SIDECAR, KEY_GROUP, KEY_JOURNAL };

struct key_parts {
	enum key_kind kind;
	char host[65];
	char name[256];
	const char *rel;		/* the key after "PREFIX/" */
};

/*
 * A key's segment as a file name here: the server is not trusted, and the
 * cache writes under these names ("..", hidden names and control
 * characters would leave it or hide in it).
 */
static bool segment_ok(const char *s, size_t n, size_t max)
{
	if (!n || n > max || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
			return false;
	return true;
}

static bool date_ok(const char *s, size_t n)
{
	static const char form[] = "dddd-dd-dd";

	if (n != sizeof(form) - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

static void parse_key(const struct ld_store *st, const char *key, struct key_parts *k)
{
	size_t plen = strlen(st->prefix);
	const char *rel = key, *s1, *s2;

	memset(k, 0, sizeof(*k));
	k->kind = KEY_OTHER;
	if (plen) {
		if (strncmp(key, st->prefix, plen) || key[plen] != '/')
			return;
		rel = key + plen + 1;
	}
	k->rel = rel;
	s1 = strchr(rel, '/');
	s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	if (!s1 || !s2 || strchr(s2 + 1, '/') || !segment_ok(rel, s1 - rel, 64) ||
	    !segment_ok(s2 + 1, strlen(s2 + 1), 255))
		return;
	memcpy(k->host, rel, s1 - rel);
	snprintf(k->name, sizeof(k->name), "%s", s2 + 1);
	if ((size_t)(s2 - s1 - 1) == strlen("journal") && !strncmp(s1 + 1, "journal", 7)) {
		if (!strncmp(k->name, LD_JOURNAL_PREFIX, strlen(LD_JOURNAL_PREFIX)) &&
		    ends_with(k->name, LD_JOURNAL_SUFFIX))
			k->kind = KEY_JOURNAL;
		return;
	}
	if (!date_ok(s1 + 1, s2 - s1 - 1))
		return;
	if (ends_with(k->name, LD_SIDECAR_SUFFIX)) {
		k->name[strlen(k->name) - strlen(LD_SIDECAR_SUFFIX)] = 0;
		if (ld_is_dump_name(k->name))
			k->kind = KEY_SIDECAR;
	} else if (ld_is_dump_name(k->name)) {
		k->kind = KEY_DUMP;
	} else if (ld_manifest_name(k->name)) {
		k->kind = KEY_GROUP;
	}
}

static const char *list_prefix(const struct ld_store *st, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", st->prefix, st->prefix[0] ? "/" : "");
	return buf;
}

/* --- loading the sidecars ----------------------------------------------------------------- */

/* What a summary from a store keeps (dumpset.h: struct ld_remote). */
struct remote {
	struct ld_remote base;
	struct ld_store *st;
	char *key;			/* the dump's */
	uint64_t disk_size;		/* the sidecar's, or LIST's size of the dump; 0 unknown */
	bool listed;			/* the dump is in the store (not only its sidecar) */
	char *signature;
	struct ld_stack stack;
};

static void remote_free(struct ld_remote *base)
{
	struct remote *r = (struct remote *)base;

	free(r->key);
	free(r->signature);
	ld_stack__free(&r->stack);
	free(r);
}

struct listing {
	struct ld_store *st;
	struct ld_s3_obj *sidecars, *dumps, *groups;
	size_t nsidecars, ndumps, ngroups;
	int err;
};

static int push(struct ld_s3_obj **v, size_t *n, const struct ld_s3_obj *o)
{
	struct ld_s3_obj *w = realloc(*v, (*n + 1) * sizeof(*w));

	if (!w)
		return -ENOMEM;
	*v = w;
	w[(*n)++] = *o;
	return 0;
}

static int on_object(void *ctx, const struct ld_s3_obj *obj)
{
	struct listing *l = ctx;
	struct key_parts k;

	parse_key(l->st, obj->key, &k);
	if (k.kind == KEY_SIDECAR)
		return push(&l->sidecars, &l->nsidecars, obj);
	if (k.kind == KEY_DUMP)
		return push(&l->dumps, &l->ndumps, obj);
	if (k.kind == KEY_GROUP)
		return push(&l->groups, &l->ngroups, obj);
	return 0;
}

static int cmp_obj(const void *a, const void *b)
{
	return strcmp(((const struct ld_s3_obj *)a)->key, ((const struct ld_s3_obj *)b)->key);
}

static const struct ld_s3_obj *find_obj(const struct ld_s3_obj *v, size_t n, const char *key)
{
	struct ld_s3_obj want;

	snprintf(want.key, sizeof(want.key), "%s", key);
	return n ? bsearch(&want, v, n, sizeof(*v), cmp_obj) : NULL;
}

static int fetch(struct ld_store *st, const char *key, uint64_t size, const char *etag,
		 char *path, size_t len, char *err, size_t errlen);

/*
 * A sidecar's bytes: through the cache where the store has one (a fleet's
 * report reads every sidecar each time; once written they do not change),
 * else from the store.  0 or a negative errno with @why.
 */
static int get_sidecar(struct ld_store *st, const struct ld_s3_obj *obj, void **buf, size_t *len,
		       char *why, size_t whylen)
{
	char path[4096];
	struct stat sb;
	int fd, ret;

	if (!st->be->get_fd || !st->cache[0]) {
		ret = st->be->get_mem(st, obj->key, LD_SIDECAR_MAX, buf, len);
		if (ret)
			snprintf(why, whylen, "%s", ret == -EFBIG ? "larger than 1 MiB" : st->err);
		return ret;
	}
	if (obj->size > LD_SIDECAR_MAX) {
		snprintf(why, whylen, "larger than 1 MiB");
		return -EFBIG;
	}
	ret = fetch(st, obj->key, obj->size, obj->etag, path, sizeof(path), why, whylen);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) || (uint64_t)sb.st_size > LD_SIDECAR_MAX) {
		ret = fd < 0 ? -errno : -EFBIG;
		snprintf(why, whylen, "%s: %s", path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	*len = sb.st_size;
	*buf = malloc(*len + 1);
	ret = *buf ? 0 : -ENOMEM;
	for (size_t done = 0; !ret && done < *len;) {
		ssize_t n = pread(fd, (char *)*buf + done, *len - done, done);

		ret = n < 0 ? -errno : !n ? -EIO : 0;
		done += n > 0 ? n : 0;
	}
	close(fd);
	if (ret) {
		snprintf(why, whylen, "%s: %s", path, strerror(-ret));
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

/* One sidecar into @set: 0 (a bad one is warned about and left out), or -ENOMEM. */
static int load_sidecar(struct ld_store *st, struct ld_dumpset *set, const struct listing *l,
			const struct ld_s3_obj *obj)
{
	struct ld_sidecar sc;
	struct key_parts k;
	struct remote *r;
	struct ld_dump_summary *s;
	const struct ld_s3_obj *dump;
	char why[4400], dkey[1024];
	void *buf = NULL;
	size_t len = 0;
	int ret;

	parse_key(st, obj->key, &k);
	ret = get_sidecar(st, obj, &buf, &len, why, sizeof(why));
	if (ret) {
		ld_warn("%s/%s: cannot read the sidecar: %s", st->url, k.rel, why);
		return ret == -ENOMEM ? ret : 0;
	}
	ret = ld_sidecar__parse(buf, len, &sc, why, sizeof(why));
	free(buf);
	if (!ret && strcmp(sc.sum.name, k.name)) {
		char esc[LD_ESC_SIZE(64)];

		snprintf(why, sizeof(why), "key \"name\": \"%s\" is not the dump's name %s",
			 ld_escape(sc.sum.name, esc, sizeof(esc)), k.name);
		ret = -EINVAL;
	}
	if (ret) {
		if (ret != -ENOMEM)
			ld_warn("%s/%s: bad sidecar, not listed: %s", st->url, k.rel, why);
		ld_sidecar__clear(&sc);
		return ret == -ENOMEM ? ret : 0;
	}
	snprintf(dkey, sizeof(dkey), "%.*s", (int)(strlen(obj->key) - strlen(LD_SIDECAR_SUFFIX)),
		 obj->key);
	dump = find_obj(l->dumps, l->ndumps, dkey);
	r = calloc(1, sizeof(*r));
	s = r ? ld_dumpset__append(set) : NULL;
	if (!s || !(r->key = strdup(dkey))) {
		if (r)
			remote_free(&r->base);
		ld_sidecar__clear(&sc);
		return -ENOMEM;
	}
	r->base.free = remote_free;
	r->st = st;
	r->listed = dump != NULL;
	r->disk_size = dump ? dump->size : sc.disk_size;
	r->signature = sc.signature;
	r->stack = sc.stack;
	sc.signature = NULL;
	memset(&sc.stack, 0, sizeof(sc.stack));
	*s = sc.sum;
	memset(&sc.sum, 0, sizeof(sc.sum));
	ld_sidecar__clear(&sc);
	s->remote = &r->base;
	/* The store's HOST is the host: the sidecar's own word is the uploader's. */
	snprintf(s->host, sizeof(s->host), "%s", k.host);
	free(s->path);
	if (asprintf(&s->path, "%s/%.*s", st->url,
		     (int)(strlen(k.rel) - strlen(LD_SIDECAR_SUFFIX)), k.rel) < 0) {
		s->path = NULL;
		return -ENOMEM;
	}
	s->name = strrchr(s->path, '/') + 1;
	return 0;
}

/*
 * A group manifest (NAME.group beside its members' dumps, group/manifest.h)
 * into @set, named by its URL so that its members (by name, beside it)
 * link to it; fetched (it is small).  A bad one leaves its members single
 * dumps, as in a directory.
 */
static int load_group(struct ld_store *st, struct ld_dumpset *set, const struct ld_s3_obj *obj)
{
	struct ld_manifest *v = realloc(set->groups, (set->ngroups + 1) * sizeof(*v));
	char path[4096], err[1024];
	struct key_parts k;

	if (!v)
		return -ENOMEM;
	set->groups = v;
	parse_key(st, obj->key, &k);
	if (fetch(st, obj->key, obj->size, obj->etag, path, sizeof(path), err, sizeof(err)) ||
	    ld_manifest_read(path, &v[set->ngroups], err, sizeof(err))) {
		ld_warn("%s/%s: %s (its members are shown as single dumps)", st->url, k.rel, err);
		return 0;
	}
	snprintf(v[set->ngroups].path, sizeof(v[set->ngroups].path), "%s/%s", st->url, k.rel);
	set->ngroups++;
	return 0;
}

int ld_store__load(struct ld_store *st, struct ld_dumpset *set, char *err, size_t errlen)
{
	struct listing l = { .st = st };
	char prefix[600];
	int ret = st->be->list(st, list_prefix(st, prefix, sizeof(prefix)), on_object, &l);

	if (ret) {
		snprintf(err, errlen, "cannot list %s: %s", st->url, ret == -ENOMEM ? "out of memory" :
			 st->err[0] ? st->err : strerror(-ret));
		goto out;
	}
	if (l.ndumps)
		qsort(l.dumps, l.ndumps, sizeof(*l.dumps), cmp_obj);
	if (l.nsidecars)
		qsort(l.sidecars, l.nsidecars, sizeof(*l.sidecars), cmp_obj);
	for (size_t i = 0; i < l.nsidecars && !ret; i++)
		ret = load_sidecar(st, set, &l, &l.sidecars[i]);
	for (size_t i = 0; i < l.ngroups && !ret; i++)
		ret = load_group(st, set, &l.groups[i]);
	/* A dump whose sidecar is not there (yet): said, as list says of unfinished dumps. */
	for (size_t i = 0; i < l.ndumps && !ret; i++) {
		char skey[1100];
		struct key_parts k;

		snprintf(skey, sizeof(skey), "%s%s", l.dumps[i].key, LD_SIDECAR_SUFFIX);
		if (find_obj(l.sidecars, l.nsidecars, skey))
			continue;
		parse_key(st, l.dumps[i].key, &k);
		ld_warn("%s/%s: no sidecar (%s%s): not listed", st->url, k.rel, k.name,
			LD_SIDECAR_SUFFIX);
	}
	if (ret)
		snprintf(err, errlen, "%s: out of memory", st->url);
out:
	free(l.dumps);
	free(l.sidecars);
	free(l.groups);
	return ret;
}

/* --- fetching ---------------------------------------------------------------------------------- */

bool ld_store_summary(const struct ld_dump_summary *s)
{
	return s->remote && s->remote->free == remote_free;
}

/* mkdir -p of the directories of @path (0700: the cache holds dumps). */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST) {
			int ret = -errno;

			*p = '/';
			return ret;
		}
		*p = '/';
	}
	return 0;
}

/* An ETag that is the object's MD5 (a single PUT's; a multipart one's is not). */
static bool md5_etag(const char *etag)
{
	return etag && strlen(etag) == 32 && strspn(etag, "0123456789abcdefABCDEF") == 32;
}

/* The cached copy at @path is the object: @size bytes and, when @etag is an MD5, that MD5. */
static bool cached(const char *path, uint64_t size, const char *etag)
{
	char md5[64];
	struct stat sb;
	bool same;
	int fd;

	if (!size || stat(path, &sb) || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != size)
		return false;
	if (!md5_etag(etag))
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	same = !ld_s3_etag_fd(fd, size, 0, md5, sizeof(md5)) && !strcasecmp(md5, etag);
	close(fd);
	return same;
}

/*
 * The object @key as a file of the cache, fetched unless a copy of @size
 * bytes is there (@size 0: always fetched: journals grow) and, where the
 * listing's @etag is an MD5, with that MD5 (sidecars and manifests, small:
 * one PUT again under the same key is seen; dumps are checked by size).
 * Written under a hidden name and renamed, so a fetch cut short never
 * passes for a copy.
 */
static int fetch(struct ld_store *st, const char *key, uint64_t size, const char *etag,
		 char *path, size_t len, char *err, size_t errlen)
{
	char tmp[4200];
	struct stat sb;
	int fd, ret;

	if (!st->be->get_fd) {
		ret = st->be->local(st, key, path, len);
		if (ret)
			snprintf(err, errlen, "%s", st->err);
		return ret;
	}
	if (!st->cache[0]) {
		snprintf(err, errlen, "no cache directory for %s/%s: neither $XDG_CACHE_HOME nor "
			 "$HOME is set (--cache DIR)", st->url, key);
		return -EINVAL;
	}
	if ((size_t)snprintf(path, len, "%s/%s", st->cache, key) >= len)
		return -ENAMETOOLONG;
	if (cached(path, size, etag)) {
		ld_dbg("%s/%s: the cached copy", st->url, key);
		return 0;
	}
	ret = make_dirs(path);
	if (ret) {
		snprintf(err, errlen, "cannot make the cache directory for %s: %s", path,
			 strerror(-ret));
		return ret;
	}
	snprintf(tmp, sizeof(tmp), "%.*s.%s.%d.tmp", (int)(strrchr(path, '/') + 1 - path), path,
		 strrchr(path, '/') + 1, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
		return ret;
	}
	ret = st->be->get_fd(st, key, fd);
	if (ret)
		snprintf(err, errlen, "cannot fetch %s/%s: %s", st->url, key, st->err);
	if (!ret && size && (fstat(fd, &sb) || (uint64_t)sb.st_size != size)) {
		snprintf(err, errlen, "fetched %s/%s: %lld bytes, the store listed %llu", st->url,
			 key, (long long)sb.st_size, (unsigned long long)size);
		ret = -EIO;
	}
	if (close(fd) && !ret) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
	}
	if (!ret && rename(tmp, path)) {
		ret = -errno;
		snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(-ret));
	}
	if (ret)
		unlink(tmp);
	return ret;
}

int ld_store_fetch(const struct ld_dump_summary *s, char *path, size_t len, char *err,
		   size_t errlen)
{
	const struct remote *r = (const struct remote *)s->remote;

	if (!ld_store_summary(s)) {
		snprintf(path, len, "%s", s->path);
		return 0;
	}
	if (!r->listed) {
		snprintf(err, errlen, "%s: not in the store (only its sidecar is)", s->path);
		return -ENOENT;
	}
	ld_dbg("fetching %s", s->path);
	return fetch(r->st, r->key, r->disk_size, NULL, path, len, err, errlen);
}

int ld_store_stack(const struct ld_dump_summary *s, struct ld_sym_session *ss,
		   struct ld_stack *st)
{
	const struct remote *r = (const struct remote *)s->remote;
	char path[4096], err[1024];
	int ret;

	if (!ld_store_summary(s))
		return ld_sym_session__dump_stack(ss, s->path, st);
	if (ld_stack__symbolized(&r->stack))
		return ld_stack__copy(st, &r->stack);
	/* Frames the uploading host could not name: the dump, symbolized here. */
	ret = ld_store_fetch(s, path, sizeof(path), err, sizeof(err));
	if (!ret)
		return ld_sym_session__dump_stack(ss, path, st);
	ld_warn("%s (the stack is the sidecar's)", err);
	return ret == -ENOMEM ? ret : ld_stack__copy(st, &r->stack);
}

/* --- journals ----------------------------------------------------------------------------------- */

struct journals {
	struct ld_store *st;
	struct ld_s3_obj *v;
	size_t n;
};

static int on_journal(void *ctx, const struct ld_s3_obj *obj)
{
	struct journals *j = ctx;
	struct key_parts k;

	parse_key(j->st, obj->key, &k);
	return k.kind == KEY_JOURNAL ? push(&j->v, &j->n, obj) : 0;
}

int ld_store__journals(struct ld_store *st,
		       int (*cb)(void *ctx, const char *host, const char *path), void *ctx,
		       char *err, size_t errlen)
{
	struct journals j = { .st = st };
	char prefix[600];
	int ret = st->be->list(st, list_prefix(st, prefix, sizeof(prefix)), on_journal, &j);

	if (ret)
		snprintf(err, errlen, "cannot list %s: %s", st->url, ret == -ENOMEM ? "out of memory" :
			 st->err[0] ? st->err : strerror(-ret));
	for (size_t i = 0; i < j.n && !ret; i++) {
		struct key_parts k;
		char path[4096];

		parse_key(st, j.v[i].key, &k);
		ret = fetch(st, j.v[i].key, 0, NULL, path, sizeof(path), err, errlen);
		if (!ret)
			ret = cb(ctx, k.host, path);
	}
	free(j.v);
	return ret;
}

/* --- what the commands share ------------------------------------------------------------------- */

int ld_stores_dumpset_load(struct ld_stores *stores, struct ld_dumpset *set, char **paths,
			   int npaths, const char *default_dir, const struct ld_store_opts *o,
			   char *err, size_t errlen)
{
	char **local = calloc(npaths + 1, sizeof(*local));
	int nlocal = 0, nurl = 0, ret = 0;

	memset(stores, 0, sizeof(*stores));
	memset(set, 0, sizeof(*set));
	if (!local)
		return -ENOMEM;
	for (int i = 0; i < npaths; i++) {
		if (ld_store_is_url(paths[i]))
			nurl++;
		else
			local[nlocal++] = paths[i];
	}
	if (nlocal || !nurl)
		ret = ld_dumpset_load(set, local, nlocal, default_dir, err, errlen);
	free(local);
	for (int i = 0; i < npaths && !ret; i++) {
		struct ld_store **v, *st;

		if (!ld_store_is_url(paths[i]))
			continue;
		ret = ld_store__open(paths[i], o, &st, err, errlen);
		if (ret)
			break;
		v = realloc(stores->v, (stores->n + 1) * sizeof(*v));
		if (!v) {
			ld_store__free(st);
			ret = -ENOMEM;
			break;
		}
		stores->v = v;
		v[stores->n++] = st;
		ret = ld_store__load(st, set, err, errlen);
	}
	if (!ret)
		ld_dumpset__finish(set);
	return ret;
}

void ld_stores__free(struct ld_stores *stores)
{
	for (size_t i = 0; i < stores->n; i++)
		ld_store__free(stores->v[i]);
	free(stores->v);
	memset(stores, 0, sizeof(*stores));
}
