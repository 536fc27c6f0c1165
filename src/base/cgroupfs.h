/* SPDX-License-Identifier: MIT */
/*
 * The host's cgroup hierarchies (docs/rules.md, "cgroup="): the v2 one
 * at /sys/fs/cgroup or /sys/fs/cgroup/unified, the v1 ones and the
 * controllers bound to each (from /proc/self/mountinfo), a cgroup's path
 * from its kernfs id in any of them, and a hierarchy's line of
 * /proc/PID/cgroup.  Pure v2, pure v1 and hybrid hosts alike.
 */
#ifndef LIVEDUMP_CGROUPFS_H
#define LIVEDUMP_CGROUPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kabi/records.h"	/* enum ld_cgc */

/* "memory", "cpu", ...; "" for LD_CGC_V2. */
const char *ld_cgc_name(enum ld_cgc c);
/* The controller named @name ("blkio" and "io" alike), or -ENOENT. */
int ld_cgc_parse(const char *name, size_t len);

#define LD_CG_HIERS_MAX		32

struct ld_cg_hier {
	char mnt[256];			/* mount point */
	bool v2;
	uint32_t ctrls;			/* v1: bit LD_CGC_* of the controllers bound */
	char name[64];			/* v1: NAME of a name=NAME hierarchy, "" none */
};

struct ld_cg_hiers {
	struct ld_cg_hier h[LD_CG_HIERS_MAX];
	unsigned n;
};

/*
 * The cgroup mounts of a /proc/PID/mountinfo text, each hierarchy once
 * (its first mount of the hierarchy's root).  Pure: for tests.
 */
void ld_cg_hiers_parse(const char *mountinfo, struct ld_cg_hiers *hs);
/* The same from /proc/self/mountinfo; 0 or -errno. */
int ld_cg_hiers_load(struct ld_cg_hiers *hs);
/* The v2 hierarchy; the v1 one of a controller; the name=NAME one; NULL: none. */
const struct ld_cg_hier *ld_cg_hiers__v2(const struct ld_cg_hiers *hs);
const struct ld_cg_hier *ld_cg_hiers__ctrl(const struct ld_cg_hiers *hs, enum ld_cgc c);
const struct ld_cg_hier *ld_cg_hiers__named(const struct ld_cg_hiers *hs, const char *name);

/*
 * The mount point of the hierarchy whose id (the first field of
 * /proc/PID/cgroup, 0 for v2; cgroup_root.hierarchy_id) is @hier, and in
 * @ctrls its controller list ("memory", "" for v2).  0, or -ENOENT.
 */
int ld_cg_hier_by_id(const struct ld_cg_hiers *hs, unsigned hier, char *mnt, size_t len,
		     char *ctrls, size_t ctrls_len);

/* The cgroup v2 hierarchy's mount point, or NULL. */
const char *ld_cgroup2_root(void);

/*
 * The path under @mnt (a cgroup mount, v2 or v1; NULL: none) of the
 * cgroup whose kernfs id (its directory's inode) is @id.  0, or -errno
 * (-ENOENT: removed since, or outside the mount).
 */
int ld_cgroup_path(const char *mnt, uint64_t id, char *buf, size_t len);

/*
 * In a /proc/PID/cgroup text, the path of the v2 hierarchy (@ctrl
 * LD_CGC_V2, @name NULL), of the v1 hierarchy that has @ctrl, or of the
 * name=@name one.  0, or -ENOENT.
 */
int ld_proc_cgroup_find(const char *text, enum ld_cgc ctrl, const char *name, char *buf,
			size_t len);

#endif
