/* SPDX-License-Identifier: MIT */
/*
 * Which memory goes into a dump: ranges are collected from many sources
 * (stacks, regions, debugger metadata), then merged and cut along the
 * process's mappings into PT_LOAD segments.
 */
#ifndef LIVEDUMP_MEMPLAN_H
#define LIVEDUMP_MEMPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dump/dump_writer.h"
#include "capture/proc.h"

/*
 * How much a range matters when a size limit forces memory out of a dump:
 * lower is kept longer.
 */
enum ld_prio {
	LD_PRIO_ESSENTIAL = 0,	/* the triggering thread's stack, registered regions */
	LD_PRIO_CONTEXT = 1,	/* other stacks, what debuggers need to find modules */
	LD_PRIO_BULK = 2,	/* the rest of a full dump */
};

/* ld_plan_range.keep: hidden memory (hidden.h) a range is taken in all the same */
#define LD_KEEP_FILTERED	(1U << 0)	/* what coredump_filter leaves out by kind: the
						 * application registered it, more precisely */
#define LD_KEEP_HIDDEN		(1U << 1)	/* any of it (hidden=regions) */

struct ld_plan_range {
	uint64_t addr, len;
	unsigned prio;
	unsigned keep;		/* LD_KEEP_* */
};

struct ld_memplan {
	struct ld_plan_range *v;
	size_t n, cap;
	unsigned prio;		/* given to ranges added from now on */
	unsigned keep;		/* likewise */
	int err;
};

void ld_memplan__add(struct ld_memplan *p, uint64_t addr, uint64_t len);
/* Adds [addr, addr+len) widened to whole pages. */
void ld_memplan__add_pages(struct ld_memplan *p, uint64_t addr, uint64_t len);
/*
 * Like ld_memplan__segments(), at most @max bytes in all (0: no limit):
 * when everything does not fit, the most important ranges are kept first
 * (smaller before larger within a priority) and *cut is set.
 */
int ld_memplan__segments_max(struct ld_memplan *p, const struct ld_maps *maps, uint64_t max,
			     struct ld_seg **segs, size_t *nsegs, bool *cut);

/*
 * Sorted, merged segments that lie inside readable mappings, split at
 * mapping boundaries so each carries its mapping's protection.
 */
int ld_memplan__segments(struct ld_memplan *p, const struct ld_maps *maps,
			 struct ld_seg **segs, size_t *nsegs);
void ld_memplan__free(struct ld_memplan *p);

struct ld_hidden;

/*
 * Takes out of the plan the memory @h says the process hid, but what the
 * ranges' keep flags keep, or all of it with @take_all.  *out gets every
 * hidden range the plan wanted, in address order, flagged LD_HIDR_TAKEN
 * where it stays in (malloc'ed; *nout may be 0); what coredump_filter left
 * out and an LD_KEEP_FILTERED range keeps is not hidden from this capture
 * and not listed.  Call it after every range is added, before the
 * segments.  0 or -ENOMEM.
 */
int ld_memplan__hide(struct ld_memplan *p, const struct ld_hidden *h, bool take_all,
		     struct ld_hidden_range **out, size_t *nout);

/*
 * What a debugger needs to find and unwind the loaded objects in a mini
 * dump: the vDSO, each object's ELF header page and relocated data (GOT,
 * RELRO, .data), the executable's dynamic section, r_debug and the link_map
 * chain with the object names — read through @src from the process, which
 * may have forged any of them (tests/fuzz/fuzz_linkmap.c).
 */
void ld_memplan__debug_meta(struct ld_memplan *p, const struct ld_mem_source *src,
			    const struct ld_maps *maps, const void *auxv, size_t auxv_len);

#endif
