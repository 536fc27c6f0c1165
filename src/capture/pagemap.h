/* SPDX-License-Identifier: MIT */
/*
 * Which pages of a process hold anything (/proc/PID/pagemap): a full dump
 * need not read never-touched anonymous memory, which reads as zeros, and
 * reading it would even fill the process's page tables with zero-page
 * entries.  Uses the PAGEMAP_SCAN ioctl (Linux 6.7), which skips empty
 * page tables, else reads the pagemap entries.
 */
#ifndef LIVEDUMP_PAGEMAP_H
#define LIVEDUMP_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ld_pagemap_run {
	uint64_t start, end;
};

struct ld_pagemap {
	int fd;
	bool scan;			/* PAGEMAP_SCAN works */
	uint64_t lo, hi;		/* the window the runs below describe */
	struct ld_pagemap_run *v;	/* populated runs in [lo, hi), sorted */
	size_t n, cap;
};

/* 0 or -errno. */
int ld_pagemap__open(struct ld_pagemap *pm, pid_t pid);
void ld_pagemap__close(struct ld_pagemap *pm);

/*
 * The length of the run of pages at @addr (page aligned), up to @end,
 * that are all present or swapped (*empty false) or all neither (*empty
 * true: never touched, or the shared zero page).  0 when it cannot tell.
 * Only meaningful for private anonymous mappings: pages of files and of
 * shared memory have contents without being mapped.
 */
uint64_t ld_pagemap__run(struct ld_pagemap *pm, uint64_t addr, uint64_t end, bool *empty);

#endif
