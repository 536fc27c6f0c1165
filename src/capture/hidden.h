/* SPDX-License-Identifier: MIT */
/*
 * What a process hid from its dumps: the mappings, or parts of them, the
 * kernel would leave out of its core (fs/coredump.c, vma_dump_size()):
 * MADV_DONTDUMP and other VM_DONTDUMP mappings, VM_IO, and what
 * /proc/PID/coredump_filter leaves out by kind.  Every capture honours it
 * (memplan.h, ld_memplan__hide()), and the dump lists it (LD_NT_HIDDEN).
 */
#ifndef LIVEDUMP_HIDDEN_H
#define LIVEDUMP_HIDDEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dump/dumpfmt.h"

/* The kernel's default filter (anonymous private and shared, ELF headers, hugetlb private). */
#define LD_COREDUMP_FILTER_DEFAULT	0x33U

/* The rule's hidden=: what happens to hidden memory the capture wanted. */
enum ld_hidden_mode {
	LD_HIDDEN_OMIT = 0,		/* left out (default), registered regions in it too */
	LD_HIDDEN_REGIONS,		/* left out, but registered regions and blobs in it taken */
	LD_HIDDEN_ALL,			/* forensic: taken, and the dump says so */
	LD_HIDDEN_MODE_COUNT,
};

/* "no", "regions", "all" (the rule's words); NULL out of range.  Inline: rules use it too. */
static inline const char *ld_hidden_mode_name(unsigned m)
{
	static const char *const names[LD_HIDDEN_MODE_COUNT] = {
		[LD_HIDDEN_OMIT] = "no", [LD_HIDDEN_REGIONS] = "regions", [LD_HIDDEN_ALL] = "all",
	};

	return m < LD_HIDDEN_MODE_COUNT ? names[m] : NULL;
}

/* One hidden part of a mapping. */
struct ld_hide {
	uint64_t addr, len;
	uint32_t why;			/* enum ld_hidden_why */
	uint32_t kind;			/* ld_hidden_range.kind */
};

struct ld_hidden {
	struct ld_hide *v;		/* sorted, not overlapping */
	size_t n;
	uint32_t filter;		/* coredump_filter as read (or the default) */
	uint32_t flags;			/* LD_HID_NO_FILTER */
};

/*
 * Reads @pid's coredump_filter and smaps (VmFlags, Anonymous, Swap) and
 * decides for each mapping what the kernel would leave out of a core.
 * Read while the process is held: a madvise() between the reading and the
 * capture would otherwise go unseen.  0 or -errno (smaps unreadable: then
 * nobody can tell what it hid, and a capture must not guess).
 */
int ld_hidden_read(pid_t pid, struct ld_hidden *h);
/* The same from the text of its smaps, read already; coredump_filter is read now. */
int ld_hidden_parse(pid_t pid, const char *smaps, struct ld_hidden *h);
void ld_hidden__free(struct ld_hidden *h);

#endif
