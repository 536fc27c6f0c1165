/* SPDX-License-Identifier: MIT */
/*
 * Inside src/group: what the scope variants (scope_cgroup.c, scope_peers.c,
 * scope_exe.c) share with group.c -- adding a member, /proc helpers, the
 * sockets and pipes of processes by inode -- and the ops each variant is.
 */
#ifndef LIVEDUMP_GROUP_PRIV_H
#define LIVEDUMP_GROUP_PRIV_H

#include "group/group.h"

/* How a scope finds the members besides the issuing process (group.c's table). */
struct ld_scope_ops {
	const char *name;		/* the scope= word */
	bool names;			/* NAMEs follow: "exe:NAME,NAME" */
	int (*find)(struct ld_group *g, pid_t pid, const char (*exes)[64], unsigned nexes,
		    size_t max, char *err, size_t errlen);
};

extern const struct ld_scope_ops ld_scope_cgroup, ld_scope_peers, ld_scope_exe;

int ld_group_add_member(struct ld_group *g, pid_t pid, size_t max);
int ld_group_read_text(const char *path, char *buf, size_t len);
bool ld_group_is_pid_name(const char *s);

enum fd_kind { FD_SOCKET, FD_PIPE };

struct fdent {
	pid_t pid;
	int fd;
	uint64_t ino;
	enum fd_kind kind;
	unsigned flags;
};

struct fdvec {
	struct fdent *v;
	size_t n, cap;
};

int ld_group_fds_all(struct fdvec *fv);
/* Each socket or pipe end of @pid that another process (of @only) holds: @fn is told of it. */
int ld_group_ends_of(pid_t pid, const struct fdvec *fv, const struct ld_group *only,
	    int (*fn)(void *arg, enum ld_link_kind k, const struct fdent *mine,
		      const struct fdent *theirs, const char *what),
	    void *arg);

#endif
