// SPDX-License-Identifier: MIT
/*
 * The cgroup v2 freezer: cgroup.freeze set to 1 and cgroup.events saying
 * "frozen 1".  A frozen task still takes a ptrace interrupt (its ptrace
 * trap comes before the freezer's trap in the signal path, and a
 * ptrace-stopped task counts as frozen), so captures seize it as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "group/gfreeze.h"
#include "base/log.h"

static int write_file(const char *dir, const char *name, const char *v)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The value of @key in a "key value" file (cgroup.events); -errno. */
static int read_key(const char *dir, const char *name, const char *key)
{
	char path[PATH_MAX], line[128];
	size_t klen = strlen(key);
	int v = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			v = atoi(line + klen + 1);
	fclose(f);
	return v;
}

static bool usable(const struct ld_group *g)
{
	char path[PATH_MAX];

	/* A freezer takes the cgroup whole: not with members left out (group_max=). */
	if (g->scope != LD_SCOPE_CGROUP || !g->cgroup[0] || g->self_inside ||
	    ld_group_left_out(g))
		return false;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", g->cgroup);
	return !access(path, W_OK);
}

static int freeze(struct ld_group *g, pid_t skip, struct ld_ledger *lg, unsigned timeout_ms)
{
	uint64_t t0 = ld_gfreeze_now(), now = t0, at;
	char path[PATH_MAX];
	int err;

	(void)skip;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", g->cgroup);
	if (read_key(g->cgroup, "cgroup.events", "frozen") == 1) {
		g->cg_was_frozen = true;	/* someone else's freeze: theirs to lift */
	} else {
		g->cg_slot = ld_ledger__add(lg, LD_LEDGER_CGROUP2, 0, g->cgroup);
		if (g->cg_slot == -ENOSPC)
			return -ENOSPC;
		err = write_file(g->cgroup, "cgroup.freeze", "1");
		if (err) {
			ld_ledger__clear(lg, g->cg_slot);
			g->cg_slot = -1;
			ld_warn("cannot freeze cgroup %s: %s", g->cgroup, strerror(-err));
			return err;
		}
		g->cg_frozen = true;
	}
	while (read_key(g->cgroup, "cgroup.events", "frozen") != 1) {
		now = ld_gfreeze_now();
		if (now - t0 > timeout_ms * 1000000ULL)
			break;
		usleep(100);
	}
	at = ld_gfreeze_now();
	/* The cgroup holds them all, those left out of the dumps too. */
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].status != LD_MEMBER_GONE)
			g->m[i].frozen_ns = at;
	return at - t0 > timeout_ms * 1000000ULL ? -ETIMEDOUT : 0;
}

static void thaw(struct ld_group *g, pid_t skip, struct ld_ledger *lg)
{
	uint64_t at;
	int err;

	(void)skip;
	if (!g->cg_frozen)
		return;
	err = write_file(g->cgroup, "cgroup.freeze", "0");
	if (err)
		ld_err("cannot thaw cgroup %s: %s", g->cgroup, strerror(-err));
	at = ld_gfreeze_now();
	g->cg_frozen = false;
	ld_ledger__clear(lg, g->cg_slot);
	g->cg_slot = -1;
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].frozen_ns && !g->m[i].released_ns)
			g->m[i].released_ns = at;
}

static void undo(const struct ld_ledger_entry *e)
{
	write_file(e->path, "cgroup.freeze", "0");
}

const struct ld_gfreeze_ops ld_gfreeze_cg2 = {
	.name = "cgroup2", .ledger = LD_LEDGER_CGROUP2, .usable = usable, .freeze = freeze,
	.thaw = thaw, .undo = undo,
};
