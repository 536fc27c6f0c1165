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

/*
 * A library by name ("libc.so.6"), searched like the dynamic linker does
 * for a program without RPATH: LD_LIBRARY_PATH, then the system
 * directories.  A name with a '/' is taken as a path.  malloc'ed or NULL.
 */
char *ld_find_library(const char *name);

/* The installed shared library (LIBDIR/liblivedump.so.1), if present. */
const char *ld_installed_library(void);

#endif
