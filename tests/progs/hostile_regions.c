// SPDX-License-Identifier: MIT
/*
 * Test program: a process whose registry asks the collector for more than
 * it should ever read, then triggers a dump.
 *
 *   hostile_regions huge           slots claiming 64 GiB and 1 TiB at
 *                                  unmapped addresses (written into the
 *                                  registry directly, as a broken or hostile
 *                                  process could), beside one real region
 *   hostile_regions overlap N MB   N overlapping regions inside one touched
 *                                  mapping of MB MiB
 * Prints "trigger ret=R" and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "livedump.h"
#include "livedump/abi.h"

extern struct ld_registry livedump_registry;

static char real[4096] = "the one real region";

/* What livedump_region_add() refuses, put straight into a free slot. */
static void plant(uint64_t addr, uint64_t len, const char *name)
{
	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++) {
		struct ld_region_slot *s = &livedump_registry.slots[i];

		if (s->state != LD_SLOT_FREE)
			continue;
		s->addr = addr;
		s->len = len;
		snprintf(s->name, sizeof(s->name), "%s", name);
		__atomic_store_n(&s->state, LD_SLOT_VALID, __ATOMIC_RELEASE);
		return;
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "huge";
	int r;

	if (livedump_region_add(real, sizeof(real), "real"))
		return 2;
	if (!strcmp(mode, "huge")) {
		plant(0x100000000000ULL, 64ULL << 30, "64GiB-unmapped");
		plant(0x200000000000ULL, 1ULL << 40, "1TiB-unmapped");
		plant(~0ULL - 4095, 1ULL << 30, "wraps");
	} else if (!strcmp(mode, "overlap") && argc > 3) {
		unsigned n = atoi(argv[2]);
		size_t len = (size_t)atoi(argv[3]) << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 2;
		memset(p, 0x5a, len);
		for (unsigned i = 0; i + 1 < n; i++) {
			char name[32];

			snprintf(name, sizeof(name), "overlap%u", i);
			if (livedump_region_add(p + i * 4096, len - i * 4096, name))
				return 3;
		}
	} else {
		fprintf(stderr, "usage: hostile_regions huge | overlap N MB\n");
		return 2;
	}
	r = livedump_trigger(0x4242, 0, NULL, 0);
	printf("trigger ret=%d\n", r);
	return 0;
}
