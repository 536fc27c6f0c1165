// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the blob reader (src/capture/blobs.c) fed forged target
 * memory (fuzz.h).  The descriptors of an application trigger come from
 * the process (BPF copies them at the probe), so they are forged too: the
 * first chunk's bytes are the struct ld_blob_desc array, as many as fit
 * (the request's nblobs: any number), the other chunks the memory their
 * tag and data pointers point into.
 */
#include <zlib.h>
#include "fuzz.h"
#include "capture/blobs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem m;
	struct ld_mem_source src = { .read = fuzz_mem_read, .ctx = &m };
	struct ld_blob_desc *d;
	struct ld_blob_cap *b;
	bool unreadable = false;
	size_t nb = 0;
	unsigned n;
	int err;

	fuzz_mem_parse(&m, data, size);
	n = m.n ? m.v[0].len / sizeof(*d) : 0;
	/* An aligned copy: the chunk's bytes are where the input put them. */
	d = malloc(n ? n * sizeof(*d) : 1);
	if (!d)
		abort();
	if (n)
		memcpy(d, m.v[0].data, n * sizeof(*d));
	err = ld_blobs_read(&src, d, n, &b, &nb, &unreadable);
	FUZZ_CHECK(!err || err == -ENOMEM, "unexpected error %d", err);
	FUZZ_CHECK(err || nb == (n < LD_MAX_BLOBS ? n : LD_MAX_BLOBS), "%zu blobs of %u", nb, n);
	for (size_t i = 0; !err && i < nb; i++) {
		FUZZ_CHECK(strlen(b[i].n.tag) < sizeof(b[i].n.tag), "blob %zu: tag unterminated", i);
		FUZZ_CHECK(b[i].n.len <= d[i].len && b[i].n.len <= LD_MAX_BLOB_LEN,
			   "blob %zu: %llu bytes of %llu", i, (unsigned long long)b[i].n.len,
			   (unsigned long long)d[i].len);
		FUZZ_CHECK(b[i].n.crc32 == crc32(0, b[i].data, b[i].n.len), "blob %zu: crc", i);
		FUZZ_CHECK(!(b[i].n.flags & LD_REG_UNREADABLE) || unreadable, "flag without summary");
	}
	ld_blobs__free(b, nb);
	free(d);
	return 0;
}
