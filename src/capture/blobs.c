// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "capture/blobs.h"
#include "capture/targetmem.h"

int ld_blobs_read(const struct ld_mem_source *src, const struct ld_blob_desc *d, unsigned n,
		  struct ld_blob_cap **out, size_t *nout, bool *unreadable)
{
	struct ld_blob_cap *v;

	*nout = 0;
	*out = v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (unsigned i = 0; i < n && i < LD_MAX_BLOBS; i++) {
		struct ld_blob_cap *b = &v[(*nout)++];
		uint64_t len = d[i].len < LD_MAX_BLOB_LEN ? d[i].len : LD_MAX_BLOB_LEN;
		long got = 0;

		if (ld_mem_read_str_src(src, d[i].tag, b->n.tag, sizeof(b->n.tag)))
			snprintf(b->n.tag, sizeof(b->n.tag), "blob%u", i);
		b->n.addr = d[i].data;
		b->data = malloc(len ? len : 1);
		if (!b->data)
			return -ENOMEM;
		if (len)
			got = src->read(src->ctx, d[i].data, b->data, len);
		if (got > (long)len)
			got = len;	/* a source that claims more than it was asked for */
		if (got < (long)len) {
			b->n.flags |= LD_REG_UNREADABLE;
			*unreadable = true;
			len = got > 0 ? got : 0;
		}
		b->n.len = len;
		b->n.crc32 = crc32(0, b->data, len);
	}
	return 0;
}

void ld_blobs__free(struct ld_blob_cap *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(b[i].data);
	free(b);
}
