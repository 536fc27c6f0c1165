/* SPDX-License-Identifier: MIT */
/*
 * Debug info and executables by build-id from debuginfod servers, the way
 * elfutils finds them (DEBUGINFOD_URLS, DEBUGINFOD_CACHE_PATH,
 * DEBUGINFOD_TIMEOUT, ... as debuginfod-find(1) says), through elfutils'
 * libdebuginfod.  We ask it ourselves rather than letting libdwfl do it
 * behind our back, so that report can say which frames it symbolized with
 * what came from a server: each file it gave is remembered.
 */
#ifndef LIVEDUMP_DEBUGINFOD_H
#define LIVEDUMP_DEBUGINFOD_H

#include <stdbool.h>
#include <stddef.h>

enum ld_dbgd_kind {
	LD_DBGD_DEBUGINFO,
	LD_DBGD_EXECUTABLE,
	LD_DBGD__COUNT,
};

struct ld_debuginfod;

/* A client when DEBUGINFOD_URLS names servers; *out NULL without any.  0 or -ENOMEM. */
int ld_debuginfod__new(struct ld_debuginfod **out);
void ld_debuginfod__free(struct ld_debuginfod *c);

/*
 * An open descriptor of the file of that kind for that build-id, its path
 * (in the client's cache) in *path (malloc'd), or -errno (-ENOENT: no
 * server has it).  Asked once per build-id and kind: a failure is kept.
 */
int ld_debuginfod__find(struct ld_debuginfod *c, enum ld_dbgd_kind kind,
			const unsigned char *build_id, size_t len, char **path);

/*
 * Around libdwfl's standard lookups (they would ask debuginfod themselves,
 * unattributed): DEBUGINFOD_URLS hidden while c exists, then put back.
 */
char *ld_debuginfod__hide(const struct ld_debuginfod *c);
void ld_debuginfod__unhide(char *saved);

/* Whether path is a file the client gave (c may be NULL). */
bool ld_debuginfod__gave(const struct ld_debuginfod *c, const char *path);

/* What it gave, "debug info of build-id HEX: PATH", in the order asked. */
size_t ld_debuginfod__ngot(const struct ld_debuginfod *c);
const char *ld_debuginfod__got(const struct ld_debuginfod *c, size_t i);

/* "http://127.0.0.1:8002": the servers asked (DEBUGINFOD_URLS). */
const char *ld_debuginfod__urls(const struct ld_debuginfod *c);

#endif /* LIVEDUMP_DEBUGINFOD_H */
