/* SPDX-License-Identifier: MIT */
/*
 * A libdwfl session on one dump, for unwinding: the objects the process
 * mapped (from the module note, else NT_FILE, plus the vDSO from the
 * dump's memory) and its threads, whose registers and stack memory come
 * from the dump through Dwfl_Thread_Callbacks.  Used by symbolize.c.
 */
#ifndef LIVEDUMP_DWFL_DUMP_H
#define LIVEDUMP_DWFL_DUMP_H

#include <elfutils/libdwfl.h>
#include "dump/dump_reader.h"

struct ld_dwfl_dump_opts {
	const char *symfs;		/* look for objects under this root first */
	char **debuginfo_path;		/* Dwfl_Callbacks.debuginfo_path; must outlive the session */
	/* Told about each object whose file is not found: "PATH (build-id HEX): why". */
	void (*missing)(void *ctx, const char *msg);
	void *ctx;
	struct ld_debuginfod *debuginfod;	/* objects not found: by build-id from there; NULL */
};

struct ld_dwfl_dump;

/* d must outlive it.  0, or -ENOMEM / -EINVAL (libdwfl refused) with a message in err. */
int ld_dwfl_dump__new(const struct ld_dump *d, const struct ld_dwfl_dump_opts *o,
		      struct ld_dwfl_dump **out, char *err, size_t errlen);
void ld_dwfl_dump__free(struct ld_dwfl_dump *s);
Dwfl *ld_dwfl_dump__dwfl(const struct ld_dwfl_dump *s);

#endif /* LIVEDUMP_DWFL_DUMP_H */
