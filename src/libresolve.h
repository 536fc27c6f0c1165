/* SPDX-License-Identifier: MIT */
/* Which files of an executable carry the client library's trigger. */
#ifndef LIVEDUMP_LIBRESOLVE_H
#define LIVEDUMP_LIBRESOLVE_H

#include <stddef.h>

/*
 * The executable itself when it defines the trigger symbol (static
 * linking), and every liblivedump it needs, found the way the dynamic
 * linker searches (RPATH, LD_LIBRARY_PATH, RUNPATH with $ORIGIN, then the
 * system directories).  Returns how many paths were stored (at most max)
 * or a negative errno; paths are malloc'ed.
 */
int ld_client_objects(const char *exe, char **paths, size_t max);

/* The installed shared library (LIBDIR/liblivedump.so.1), if present. */
const char *ld_installed_library(void);

#endif
