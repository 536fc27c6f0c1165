/* SPDX-License-Identifier: MIT */
/* Finding and reading the client library's region registry in a target. */
#ifndef LIVEDUMP_REGISTRY_H
#define LIVEDUMP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "analysis/elfsym.h"
#include "capture/proc.h"
#include "dump/dump_writer.h"

struct ld_region_info {
	uint64_t addr, len;
	char name[32];
};

/*
 * Looks for LD_REGISTRY_SYMBOL in every ELF object mapped by @pid and reads
 * each registry found (a process may carry a static and a shared copy).
 * Returns the number of registries found (0: the process does not use the
 * client library) or a negative errno.
 */
int ld_registry_read(pid_t pid, const struct ld_maps *maps, struct ld_symcache *cache,
		     struct ld_region_info **regions, size_t *n);

/*
 * Reads one registry at @addr through @src (the process; forged bytes in
 * tests/fuzz/fuzz_registry.c) and appends its valid slots to *regions
 * (realloc'ed, *n counts them).  0; -EPROTO when there is no registry this
 * collector reads at @addr (warned, naming @pid and @obj); -ENOMEM.
 */
int ld_registry_read_at(const struct ld_mem_source *src, pid_t pid, uint64_t addr,
			const char *obj, struct ld_region_info **regions, size_t *n);

/* Runtime address of @sym in the object mapped by @m (offset 0 mapping). */
uint64_t ld_sym_runtime(const struct ld_map *m, const struct ld_elf_sym *sym);

#endif
