/* SPDX-License-Identifier: MIT */
/*
 * The blobs of an application trigger: the tag strings and data the
 * application named in livedump_trigger(), read from its memory for
 * LD_NT_BLOB notes.  The descriptors come from the target too (BPF copied
 * them at the probe): every address and length is the process's word.
 */
#ifndef LIVEDUMP_BLOBS_H
#define LIVEDUMP_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include "livedump/abi.h"
#include "dump/dumpfmt.h"
#include "dump/dump_writer.h"

struct ld_blob_cap {
	struct ld_note_blob n;
	void *data;		/* n.len bytes */
};

/*
 * Reads the first @n descriptors (at most LD_MAX_BLOBS, each at most
 * LD_MAX_BLOB_LEN bytes) through @src into *out, *nout of them; a tag
 * that cannot be read becomes "blobN", data that cannot be read all is
 * kept as far as it could and flagged LD_REG_UNREADABLE (*unreadable set).
 * 0 or -ENOMEM; *out and *nout are set either way, for ld_blobs__free().
 */
int ld_blobs_read(const struct ld_mem_source *src, const struct ld_blob_desc *d, unsigned n,
		  struct ld_blob_cap **out, size_t *nout, bool *unreadable);
void ld_blobs__free(struct ld_blob_cap *b, size_t n);

#endif
