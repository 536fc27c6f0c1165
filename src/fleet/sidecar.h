/* SPDX-License-Identifier: MIT */
/*
 * A dump's sidecar: the small JSON object stored beside it in a fleet
 * store (DUMPNAME.meta.json, docs/fleet.md "The sidecar") so that fleet
 * tools read the store without fetching dumps.  Its members are list
 * --json's for the dump (dumpset.h: ld_dump_summary__json) and what a
 * store reader needs besides: the format version, the compression, the
 * command line, the build-ids of the mapped objects, the kinds of the
 * decoded fields and the signature (analysis/signature.h).
 *
 * Sidecars read back from a store are untrusted: ld_sidecar__parse()
 * checks every member it uses and names the key that is wrong.
 */
#ifndef LIVEDUMP_SIDECAR_H
#define LIVEDUMP_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/symbolize.h"
#include "dump/dumpset.h"

#define LD_SIDECAR_VERSION	1
#define LD_SIDECAR_SUFFIX	".meta.json"
/* A sidecar is small (a few KiB); a larger one is refused. */
#define LD_SIDECAR_MAX		(1U << 20)

/*
 * The sidecar of the dump at @dump_path, one line of JSON ending in a
 * newline, malloc'ed in *json (*len bytes, NUL-terminated).  @host names
 * the host (NULL: the dump header's).  A cut or damaged dump gets a
 * sidecar too (its state says so).  0, or -ENOMEM / -EIO.
 */
int ld_sidecar__build(const char *dump_path, const char *host, char **json, size_t *len);

/* What a sidecar holds beyond the summary. */
struct ld_sidecar {
	struct ld_dump_summary sum;	/* path and name: the sidecar's "file" and "name" */
	unsigned version;
	char format[16];		/* "1.7"; "" unknown */
	uint64_t disk_size;		/* the file's size (compressed dumps: smaller than sum.file_size) */
	char compression[16];		/* "" plain */
	char *signature;		/* the folded stack; NULL: none recorded */
	struct ld_stack stack;		/* its frames, leaf first */
	size_t nbuild_ids;
};

/*
 * Parses @len bytes of @text into @sc (zeroed first).  0, or -EINVAL with
 * a message naming the key in @why ("key \"time_ns\": not a number"),
 * -ENOMEM.  Free with ld_sidecar__clear() either way.
 */
int ld_sidecar__parse(const char *text, size_t len, struct ld_sidecar *sc, char *why,
		      size_t whylen);
void ld_sidecar__clear(struct ld_sidecar *sc);

#endif /* LIVEDUMP_SIDECAR_H */
