// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "capture/pagemap.h"

#define PAGE		4096ULL
#define MAX_RUNS	512
#define READ_PAGES	4096	/* pagemap entries per read without PAGEMAP_SCAN */

/* <linux/fs.h> of Linux 6.7; the build headers may be older. */
struct ld_page_region {
	uint64_t start, end, categories;
};
struct ld_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define LD_PAGEMAP_SCAN		_IOWR('f', 16, struct ld_pm_scan_arg)
#define LD_PAGE_IS_PRESENT	(1ULL << 3)
#define LD_PAGE_IS_SWAPPED	(1ULL << 4)
#define LD_PAGE_IS_PFNZERO	(1ULL << 5)

#define PM_PRESENT		(1ULL << 63)
#define PM_SWAPPED		(1ULL << 62)

int ld_pagemap__open(struct ld_pagemap *pm, pid_t pid)
{
	char path[64];

	memset(pm, 0, sizeof(*pm));
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pm->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pm->fd < 0)
		return -errno;
	pm->scan = true;
	return 0;
}

void ld_pagemap__close(struct ld_pagemap *pm)
{
	if (pm->fd > 0)
		close(pm->fd);
	free(pm->v);
	memset(pm, 0, sizeof(*pm));
}

static int add_run(struct ld_pagemap *pm, uint64_t start, uint64_t end)
{
	if (pm->n && pm->v[pm->n - 1].end == start) {
		pm->v[pm->n - 1].end = end;
		return 0;
	}
	if (pm->n == pm->cap) {
		struct ld_pagemap_run *v = realloc(pm->v, (pm->cap = pm->cap ? pm->cap * 2 : 64) *
						   sizeof(*v));

		if (!v)
			return -ENOMEM;
		pm->v = v;
	}
	pm->v[pm->n++] = (struct ld_pagemap_run){ start, end };
	return 0;
}

static int scan(struct ld_pagemap *pm, uint64_t addr, uint64_t end)
{
	struct ld_page_region r[MAX_RUNS];
	struct ld_pm_scan_arg a = {
		.size = sizeof(a), .start = addr, .end = end, .vec = (uintptr_t)r,
		.vec_len = MAX_RUNS, .category_anyof_mask = LD_PAGE_IS_PRESENT | LD_PAGE_IS_SWAPPED,
		.return_mask = LD_PAGE_IS_PRESENT | LD_PAGE_IS_SWAPPED | LD_PAGE_IS_PFNZERO,
	};
	long n = ioctl(pm->fd, LD_PAGEMAP_SCAN, &a);

	if (n < 0)
		return -errno;
	for (long i = 0; i < n; i++) {
		/* The shared zero page reads as zeros: nothing to write. */
		if ((r[i].categories & (LD_PAGE_IS_PFNZERO | LD_PAGE_IS_SWAPPED)) ==
		    LD_PAGE_IS_PFNZERO)
			continue;
		if (add_run(pm, r[i].start, r[i].end))
			return -ENOMEM;
	}
	pm->lo = addr;
	pm->hi = n == MAX_RUNS && a.walk_end > r[n - 1].end ? r[n - 1].end : a.walk_end;
	if (pm->hi <= addr)
		return -EIO;
	return 0;
}

static int read_entries(struct ld_pagemap *pm, uint64_t addr, uint64_t end)
{
	uint64_t e[READ_PAGES];
	size_t npages = (end - addr) / PAGE < READ_PAGES ? (end - addr) / PAGE : READ_PAGES;
	ssize_t got = pread(pm->fd, e, npages * 8, addr / PAGE * 8);

	if (got < 8)
		return got < 0 ? -errno : -EIO;
	npages = got / 8;
	for (size_t i = 0; i < npages; i++)
		if ((e[i] & (PM_PRESENT | PM_SWAPPED)) &&
		    add_run(pm, addr + i * PAGE, addr + (i + 1) * PAGE))
			return -ENOMEM;
	pm->lo = addr;
	pm->hi = addr + npages * PAGE;
	return 0;
}

uint64_t ld_pagemap__run(struct ld_pagemap *pm, uint64_t addr, uint64_t end, bool *empty)
{
	if (pm->fd <= 0 || addr % PAGE || end <= addr)
		return 0;
	end &= ~(PAGE - 1);
	if (end <= addr)
		return 0;
	if (addr < pm->lo || addr >= pm->hi) {
		int err = -ENOTTY;

		pm->n = 0;
		pm->lo = pm->hi = 0;
		if (pm->scan) {
			err = scan(pm, addr, end);
			if (err == -ENOTTY || err == -EINVAL)
				pm->scan = false;
		}
		if (err && !pm->scan)
			err = read_entries(pm, addr, end);
		if (err) {
			pm->n = 0;
			pm->lo = pm->hi = 0;
			return 0;
		}
	}
	for (size_t i = 0; i < pm->n; i++) {
		const struct ld_pagemap_run *r = &pm->v[i];

		if (r->end <= addr)
			continue;
		if (r->start <= addr) {
			*empty = false;
			return (r->end < end ? r->end : end) - addr;
		}
		*empty = true;
		return (r->start < end ? r->start : end) - addr;
	}
	*empty = true;
	return (pm->hi < end ? pm->hi : end) - addr;
}
