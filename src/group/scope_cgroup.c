// SPDX-License-Identifier: MIT
/*
 * scope=cgroup: every process of the issuing process's cgroup and the
 * cgroups below it -- the v2 one when it can be frozen, else the v1
 * freezer's, else the first one below a root.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "group/group_priv.h"
#include "base/cgroupfs.h"
#include "base/cgident.h"
#include "capture/proc.h"

/* Every process of @dir and the cgroups below it. */
static int add_cgroup_procs(struct ld_group *g, const char *dir, size_t max, int depth)
{
	char path[PATH_MAX], line[32];
	struct dirent *de;
	FILE *f;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f))
		err = ld_group_add_member(g, atoi(line), max);
	fclose(f);
	if (err || depth > 32)
		return err;
	d = opendir(dir);
	if (!d)
		return 0;
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		err = add_cgroup_procs(g, path, max, depth + 1);
		if (err == -ENOENT)
			err = 0;	/* removed meanwhile */
	}
	closedir(d);
	return err;
}

static bool file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

/*
 * The cgroup to take: the v2 one if it can be frozen, else the v1
 * freezer's, else the first one below a root (held by SIGSTOP then).
 * The root of a hierarchy is the whole host: never taken.
 */
static int pick_cgroup(struct ld_group *g, pid_t pid, char *err, size_t errlen)
{
	const struct ld_cg_hier *h2, *hf, *hs = NULL;
	char text[8192], path[512], hier[64], file[64];
	struct ld_cg_hiers hh;
	int e;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	e = ld_group_read_text(file, text, sizeof(text));
	if (!e)
		e = ld_cg_hiers_load(&hh);
	if (e) {
		snprintf(err, errlen, "cannot read the cgroups of pid %d: %s", pid, strerror(-e));
		return e;
	}
	h2 = ld_cg_hiers__v2(&hh);
	hf = ld_cg_hiers__ctrl(&hh, LD_CGC_FREEZER);
	if (h2 && !ld_proc_cgroup_find(text, LD_CGC_V2, NULL, path, sizeof(path)) &&
	    strcmp(path, "/")) {
		snprintf(g->cgroup, sizeof(g->cgroup), "%s%s", h2->mnt, path);
		snprintf(g->cgroup_path, sizeof(g->cgroup_path), "%s", path);
		if (file_exists(g->cgroup, "cgroup.freeze"))
			return 0;
		hs = h2;
	}
	if (hf && !ld_proc_cgroup_find(text, LD_CGC_FREEZER, NULL, path, sizeof(path)) &&
	    strcmp(path, "/")) {
		snprintf(g->cgroup, sizeof(g->cgroup), "%s%s", hf->mnt, path);
		snprintf(g->cgroup_path, sizeof(g->cgroup_path), "freezer:%s", path);
		return 0;
	}
	if (hs)
		return 0;	/* the v2 one, without a freezer */
	if (!ld_cg_ident_source(text, path, sizeof(path), hier, sizeof(hier)) && strcmp(path, "/")) {
		int c = ld_cgc_parse(hier, strlen(hier));

		hs = c >= 0 ? ld_cg_hiers__ctrl(&hh, c) :
		     !strncmp(hier, "name=", 5) ? ld_cg_hiers__named(&hh, hier + 5) : NULL;
		if (hs) {
			snprintf(g->cgroup, sizeof(g->cgroup), "%s%s", hs->mnt, path);
			snprintf(g->cgroup_path, sizeof(g->cgroup_path), "%s:%s", hier, path);
			return 0;
		}
	}
	snprintf(err, errlen, "pid %d is in the root cgroup of every hierarchy: scope=cgroup"
		 " would be the whole host", pid);
	return -ENOENT;
}

static int find_cgroup(struct ld_group *g, pid_t pid, const char (*exes)[64], unsigned nexes,
		       size_t max, char *err, size_t errlen)
{
	int e = pick_cgroup(g, pid, err, errlen);

	(void)exes;
	(void)nexes;
	if (e)
		return e;
	e = add_cgroup_procs(g, g->cgroup, max, 0);
	if (e)
		snprintf(err, errlen, "cannot read the processes of %s: %s", g->cgroup, strerror(-e));
	return e;
}

const struct ld_scope_ops ld_scope_cgroup = { .name = "cgroup", .find = find_cgroup };
