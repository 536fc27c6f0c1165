/* SPDX-License-Identifier: MIT */
/*
 * Group dumps (docs/rules.md "scope="): the processes a rule's capture
 * names besides the one that hit the issue -- its cgroup, the peers at
 * the other end of its sockets and pipes, or a list of executables --
 * what connects them, and what each thread was doing (syscall, wchan).
 * Finding the members is here; holding them still is gfreeze.h; the
 * capture and the manifest are gcapture.c and manifest.c.
 */
#ifndef LIVEDUMP_GROUP_H
#define LIVEDUMP_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ld_scope {
	LD_SCOPE_NONE = 0,	/* the issuing process alone */
	LD_SCOPE_CGROUP,	/* every process of its cgroup and the cgroups below */
	LD_SCOPE_PEERS,		/* it and the processes at the other end of its sockets and pipes */
	LD_SCOPE_EXE,		/* it and every process running one of the executables named */
	LD_SCOPE__COUNT,
};

const char *ld_scope_name(enum ld_scope s);
/*
 * The scope a rule's scope= words say (rules.h: "cgroup", "peers", or
 * "exe:NAME" and more NAMEs); the names go to @exes (room for @n).
 */
enum ld_scope ld_scope_from_words(const char (*words)[64], unsigned n, char (*exes)[64],
				  unsigned *nexes);

enum ld_link_kind {
	LD_LINK_UNIX,		/* a connected UNIX socket pair (sock_diag peer inode) */
	LD_LINK_TCP,		/* a TCP connection between two local sockets */
	LD_LINK_PIPE,		/* one pipe (or FIFO) open in both */
	LD_LINK__COUNT,
};

const char *ld_link_kind_name(enum ld_link_kind k);

/* Members past this are listed in the manifest but neither frozen nor dumped. */
#define LD_GROUP_MAX_MEMBERS_DEFAULT	16
#define LD_GROUP_MAX_MEMBERS_LIMIT	64
/* The longest a group stays frozen; past it the members not dumped yet are released. */
#define LD_GROUP_MAX_FREEZE_NS_DEFAULT	(2ULL * 1000000000ULL)
#define LD_GROUP_MAX_FREEZE_NS_LIMIT	(60ULL * 1000000000ULL)

struct ld_group_thread {
	pid_t tid;
	char state;			/* /proc state before the freeze */
	long nr;			/* syscall it is in; -1 none (user space), -2 unknown */
	uint64_t args[6];
	char wchan[64];			/* "" none or unknown */
	int waits_on;			/* index into links it waits on (fd argument), -1 none */
};

enum ld_member_status {
	LD_MEMBER_DUMPED,
	LD_MEMBER_FAILED,		/* its capture failed: why */
	LD_MEMBER_RELEASED,		/* released undumped: the freeze time ran out */
	LD_MEMBER_LEFT_OUT,		/* past the group size limit: never frozen */
	LD_MEMBER_GONE,			/* exited before the freeze */
	LD_MEMBER__COUNT,
};

const char *ld_member_status_name(enum ld_member_status s);

struct ld_group_member {
	pid_t pid;
	bool trigger;			/* the process that hit the issue */
	bool was_stopped;		/* already stopped (T) before the freeze: left so */
	char comm[17];
	char exe[256];
	uint64_t frozen_ns, released_ns;	/* CLOCK_REALTIME; 0 unknown / not frozen */
	enum ld_member_status status;
	char dump[256];			/* file name of its dump, "" none */
	char why[160];
	uint64_t pause_ns;		/* its capture's hold */
	int slot;			/* its ledger slot while a method holds it alone, -1 none */
	struct ld_group_thread *t;
	size_t nt;
};

struct ld_link_end {
	pid_t pid;
	int fd;
	uint64_t ino;
};

struct ld_group_link {
	enum ld_link_kind kind;
	struct ld_link_end a, b;
	char what[160];			/* "/run/app.sock", "127.0.0.1:5000 -> 127.0.0.1:41234" */
};

struct ld_group {
	enum ld_scope scope;
	char cgroup[1024];		/* scope=cgroup: the directory frozen (its mount's path + path) */
	char cgroup_path[640];		/* ... its path in the hierarchy, "/system.slice/x.service" */
	bool self_inside;		/* the collector, or a process it runs under, is in that
					 * cgroup: it cannot be frozen whole */
	bool cg_frozen;			/* a cgroup freezer holds it (gfreeze_cg*.c) */
	bool cg_was_frozen;		/* ... frozen by someone else before: left frozen */
	int cg_slot;			/* the cgroup's ledger slot, -1 none */
	struct ld_group_member *m;	/* the trigger first */
	size_t n;
	struct ld_group_link *l;
	size_t nl;
};

/*
 * Finds the members of @pid's group for @scope: @exes (scope exe: names
 * matched against /proc/PID/exe, a path whole or a file name alone) with
 * @nexes of them.  At most @max members (the trigger always first); more
 * are listed LD_MEMBER_LEFT_OUT.  0, or -errno with a message in @err.
 */
int ld_group_find(struct ld_group *g, pid_t pid, enum ld_scope scope, const char (*exes)[64],
		  unsigned nexes, size_t max, char *err, size_t errlen);

/* The sockets and pipes between members (g->l), from their fds. */
int ld_group_links(struct ld_group *g);

/* Each member's threads: state, syscall and wchan, and the link a thread waits on. */
void ld_group_threads(struct ld_group *g);

/* Members past the size limit (LD_MEMBER_LEFT_OUT). */
size_t ld_group_left_out(const struct ld_group *g);

void ld_group__free(struct ld_group *g);

#endif
