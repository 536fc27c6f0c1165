// SPDX-License-Identifier: MIT
/*
 * scope=peers: the processes at the other end of the issuing process's
 * sockets and pipes on this host (group.c finds the ends).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "group/group_priv.h"

struct peer_arg {
	struct ld_group *g;
	size_t max;
};

static int add_peer(void *arg, enum ld_link_kind k, const struct fdent *mine,
		    const struct fdent *theirs, const char *what)
{
	struct peer_arg *a = arg;

	(void)k;
	(void)what;
	/*
	 * Standard streams lead to whoever started or logs the process (a
	 * terminal, a supervisor's pipe, journald's socket), not to a peer it
	 * works with: a pipeline's neighbours are for scope=exe:.
	 */
	if (mine->fd <= 2)
		return 0;
	return ld_group_add_member(a->g, theirs->pid, a->max);
}

static int find_peers(struct ld_group *g, pid_t pid, const char (*exes)[64], unsigned nexes,
		      size_t max, char *err, size_t errlen)
{
	struct fdvec fv = { 0 };
	int e = ld_group_fds_all(&fv);

	(void)exes;
	(void)nexes;
	if (!e)
		e = ld_group_ends_of(pid, &fv, NULL, add_peer, &(struct peer_arg){ g, max });
	free(fv.v);
	if (e)
		snprintf(err, errlen, "cannot find the peers of pid %d: %s", pid, strerror(-e));
	return e;
}

const struct ld_scope_ops ld_scope_peers = { .name = "peers", .find = find_peers };
