// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the region registry reader (src/capture/registry.c) fed
 * forged target memory (fuzz.h: chunks of an address space).  The capture
 * reads the registry out of a process that may be hostile, as root: any
 * magic, version, slot count, slot contents, or a registry cut by an
 * unmapped page.  A process may carry two registries (a static and a
 * shared copy): they are read at the first two chunks' addresses, into
 * one list, as ld_registry_read() does.
 */
#include "fuzz.h"
#include "capture/registry.h"
#include "livedump/abi.h"

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
	struct ld_region_info *r = NULL;
	size_t n = 0, found = 0;
	int err;

	fuzz_mem_parse(&m, data, size);
	for (size_t i = 0; i < 2 && i < (m.n ? m.n : 1); i++) {
		err = ld_registry_read_at(&src, 1, m.n ? m.v[i].addr : 0, "fuzz", &r, &n);
		FUZZ_CHECK(!err || err == -EPROTO || err == -ENOMEM, "unexpected error %d", err);
		found += !err;
	}
	FUZZ_CHECK(n <= found * LD_REGISTRY_SLOTS, "%zu regions from %zu registries", n, found);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(strlen(r[i].name) < sizeof(r[i].name), "region %zu: name unterminated", i);
	free(r);
	return 0;
}
