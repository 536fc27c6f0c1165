/* SPDX-License-Identifier: MIT */
/*
 * Reading a fleet store (docs/fleet.md "Reading a store"): what record
 * --upload wrote, PREFIX/HOST/YYYY-MM-DD/DUMPNAME with DUMPNAME.meta.json
 * (its sidecar) beside it and the journals under PREFIX/HOST/journal/, as
 * list, report and script read it.  A store is one of a table of backends
 * (store_priv.h): s3://BUCKET[/PREFIX] (fleet/s3.h) and file://DIR, a
 * directory laid out the same way.  Only the sidecars are read to list
 * and count; a dump's bytes are fetched into the cache only when a
 * command needs them.  Everything read from a store is untrusted: keys,
 * sidecars and journals are checked before use.
 */
#ifndef LIVEDUMP_STORE_H
#define LIVEDUMP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include "analysis/symbolize.h"
#include "dump/dumpset.h"
#include "fleet/s3.h"

struct ld_store_opts {
	struct ld_s3_opts s3;		/* --s3-endpoint, --s3-region, --s3-credentials */
	const char *cache;		/* --cache; NULL: $XDG_CACHE_HOME/livedump, else
					 * ~/.cache/livedump */
};

/*
 * The options list, report and script share for stores, for their
 * getopt_long tables; ld_store_parse_opt() handles their codes: true when
 * @c was one of them.
 */
#define LD_STORE_OPT_ENDPOINT	0x1f01
#define LD_STORE_OPT_REGION	0x1f02
#define LD_STORE_OPT_CREDS	0x1f03
#define LD_STORE_OPT_CACHE	0x1f04
#define LD_STORE_LONGOPTS \
	{ "s3-endpoint", required_argument, NULL, LD_STORE_OPT_ENDPOINT }, \
	{ "s3-region", required_argument, NULL, LD_STORE_OPT_REGION }, \
	{ "s3-credentials", required_argument, NULL, LD_STORE_OPT_CREDS }, \
	{ "cache", required_argument, NULL, LD_STORE_OPT_CACHE }
bool ld_store_parse_opt(int c, const char *arg, struct ld_store_opts *o);
/* The lines the commands' --help prints for them. */
#define LD_STORE_HELP \
"  s3://BUCKET[/PREFIX], file://DIR: a fleet store (docs/fleet.md), read from\n" \
"                  the dumps' sidecars; dumps are fetched only when needed\n" \
"  --s3-endpoint URL  the S3 server (http(s)://HOST[:PORT], path-style;\n" \
"                  default https://s3.REGION.amazonaws.com)\n" \
"  --s3-region REGION  default $AWS_REGION, else us-east-1\n" \
"  --s3-credentials FILE  an AWS shared-credentials file (0600, [default]);\n" \
"                  default $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY\n" \
"  --cache DIR     where fetched dumps and journals are kept (default\n" \
"                  $XDG_CACHE_HOME/livedump, else ~/.cache/livedump)\n"

/* Whether @arg names a store ("s3://...", "file://..."). */
bool ld_store_is_url(const char *arg);

struct ld_store;

int ld_store__open(const char *url, const struct ld_store_opts *o, struct ld_store **out,
		   char *err, size_t errlen);
void ld_store__free(struct ld_store *st);

/*
 * Adds to @set a summary for every sidecar in the store (path: the dump's
 * URL; host: its key's HOST).  A bad sidecar is warned about, naming its
 * key and the bad member, and left out; so is a dump without a sidecar.
 * 0, or -errno with a message in @err when the store cannot be listed.
 */
int ld_store__load(struct ld_store *st, struct ld_dumpset *set, char *err, size_t errlen);

/* Whether @s came from a store. */
bool ld_store_summary(const struct ld_dump_summary *s);
/*
 * The local file of a dump summarized from a store: its path (the dir
 * backend's own file, or a copy fetched into the cache, reused while its
 * size matches).  0, or -errno with a message in @err.
 */
int ld_store_fetch(const struct ld_dump_summary *s, char *path, size_t len, char *err,
		   size_t errlen);
/*
 * The signature stack of a dump from a store: its sidecar's when every
 * frame has a function, else the fetched dump's, symbolized here (where
 * --symfs, debug directories and DEBUGINFOD_URLS may find what the
 * uploading host did not); the sidecar's when the dump cannot be had.
 * 0 or -ENOMEM.
 */
int ld_store_stack(const struct ld_dump_summary *s, struct ld_sym_session *ss,
		   struct ld_stack *st);

/* Each journal of each host, fetched into the cache: @cb(ctx, host, local path). */
int ld_store__journals(struct ld_store *st,
		       int (*cb)(void *ctx, const char *host, const char *path), void *ctx,
		       char *err, size_t errlen);

/* The stores a command opened, kept while the summaries that point into them live. */
struct ld_stores {
	struct ld_store **v;
	size_t n;
};

/*
 * The dumps of @paths for list and report: local directories and files as
 * ld_dumpset_load() reads them (none and no store: @default_dir), and
 * each store URL through its sidecars; sorted by time.
 */
int ld_stores_dumpset_load(struct ld_stores *stores, struct ld_dumpset *set, char **paths,
			   int npaths, const char *default_dir, const struct ld_store_opts *o,
			   char *err, size_t errlen);
void ld_stores__free(struct ld_stores *stores);

#endif /* LIVEDUMP_STORE_H */
