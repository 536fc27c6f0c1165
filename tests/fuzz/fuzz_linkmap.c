// SPDX-License-Identifier: MIT
/*
 * Fuzz target: what a mini dump keeps for debuggers (src/capture/memplan.c,
 * ld_memplan__debug_meta): the executable's program headers found through
 * the auxv, its dynamic section, DT_DEBUG's r_debug and the link_map chain
 * with the object names — all in the target's memory, forged here (fuzz.h:
 * the first chunk is the auxv, the others the address space, each chunk
 * also a mapping).  The chain may loop, point anywhere, claim any size.
 * The plan must stay bounded and its segments inside the mappings, sorted,
 * apart.
 */
#include "fuzz.h"
#include "capture/memplan.h"

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
	struct ld_map maps_v[64];
	struct ld_maps maps = { .v = maps_v };
	struct ld_memplan plan = { 0 };
	struct ld_seg *segs;
	size_t nsegs;
	char anon[] = "";
	void *auxv;
	int err;

	fuzz_mem_parse(&m, data, size);
	for (size_t i = 1; i < m.n; i++) {
		uint64_t start = m.v[i].addr & ~4095ULL;
		uint64_t end = (m.v[i].addr + m.v[i].len + 4095) & ~4095ULL;

		if (end <= start)
			continue;	/* wraps around the address space */
		maps_v[maps.n++] = (struct ld_map){ .start = start, .end = end,
						    .perms = LD_MAP_R | LD_MAP_W, .path = anon };
	}
	/* As /proc/PID/maps lists them: sorted, apart (chunks that overlap: one mapping). */
	for (size_t i = 1; i < maps.n; i++)
		for (size_t k = i; k && maps_v[k].start < maps_v[k - 1].start; k--) {
			struct ld_map t = maps_v[k];

			maps_v[k] = maps_v[k - 1];
			maps_v[k - 1] = t;
		}
	for (size_t i = 1; i < maps.n;) {
		if (maps_v[i].start < maps_v[i - 1].end) {
			if (maps_v[i].end > maps_v[i - 1].end)
				maps_v[i - 1].end = maps_v[i].end;
			memmove(&maps_v[i], &maps_v[i + 1], (maps.n - i - 1) * sizeof(maps_v[0]));
			maps.n--;
		} else {
			i++;
		}
	}
	/* The auxv as the capture has it: read from /proc into its own (aligned) buffer. */
	auxv = malloc(m.n && m.v[0].len ? m.v[0].len : 1);
	if (!auxv)
		abort();
	if (m.n)
		memcpy(auxv, m.v[0].data, m.v[0].len);
	ld_memplan__debug_meta(&plan, &src, &maps, auxv, m.n ? m.v[0].len : 0);
	free(auxv);
	/* 4096 links, each its struct, its name and its dynamic section; a few more. */
	FUZZ_CHECK(plan.n <= 3 * 4096 + 2 + maps.n + 1, "%zu ranges planned", plan.n);
	err = ld_memplan__segments(&plan, &maps, &segs, &nsegs);
	FUZZ_CHECK(!err || err == -ENOMEM, "segments: %d", err);
	for (size_t i = 0; !err && i < nsegs; i++) {
		bool inside = false;

		for (size_t k = 0; k < maps.n && !inside; k++)
			inside = segs[i].vaddr >= maps.v[k].start &&
				 segs[i].vaddr + segs[i].len <= maps.v[k].end;
		FUZZ_CHECK(inside && segs[i].len, "segment %zu at 0x%llx (%llu bytes) outside the maps",
			   i, (unsigned long long)segs[i].vaddr, (unsigned long long)segs[i].len);
		FUZZ_CHECK(!i || segs[i].vaddr >= segs[i - 1].vaddr + segs[i - 1].len,
			   "segment %zu overlaps or precedes the one before", i);
	}
	if (!err)
		free(segs);
	ld_memplan__free(&plan);
	return 0;
}
