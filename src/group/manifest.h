/* SPDX-License-Identifier: MIT */
/*
 * A group dump's manifest (docs/dump-format.md, "Group manifests"): the
 * file NAME.group beside the members' dumps, JSON objects one per line --
 * the group, then each member, each thread, each link -- so that it is
 * read back with the journal's line reader (base/jsonl.h).
 */
#ifndef LIVEDUMP_MANIFEST_H
#define LIVEDUMP_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "group/group.h"

#define LD_MANIFEST_SUFFIX	".group"
#define LD_MANIFEST_VERSION	"1.6"

struct ld_manifest_head {
	const char *issue, *rule, *freezer;
	uint64_t time_ns;		/* the issue's, CLOCK_REALTIME */
	uint64_t freeze_requested_ns;
	uint32_t code;
	const char *degraded;		/* NULL, or what the limits cut */
};

/* Writes @dir/@name atomically (a hidden temporary renamed).  0 or -errno. */
int ld_manifest_write(const char *dir, const char *name, const struct ld_manifest_head *h,
		      const struct ld_group *g);

/* ---- reading one back (list, inspect, report) ---- */

struct ld_manifest_member {
	pid_t pid;
	bool trigger;
	char comm[17], status[16], dump[256], why[160], exe[256];
	uint64_t frozen_ns, released_ns;
};

struct ld_manifest_thread {
	pid_t pid, tid;
	char state[4], syscall[32], wchan[64];
	int fd;				/* the fd it waits on, -1 none */
	pid_t waits_for;		/* the process at the other end, 0 none */
	char via[16];			/* "unix", "tcp", "pipe", "" */
};

struct ld_manifest_link {
	char kind[8], what[160];
	pid_t a, b;
	int afd, bfd;
};

struct ld_manifest {
	char path[4096];
	char issue[32], rule[64], scope[16], cgroup[512], freezer[16], degraded[160];
	uint64_t time_ns, freeze_requested_ns;
	struct ld_manifest_member *m;
	size_t n;
	struct ld_manifest_thread *t;
	size_t nt;
	struct ld_manifest_link *l;
	size_t nl;
};

/* 0, or -errno (-EINVAL: not a manifest) with a message in @err. */
int ld_manifest_read(const char *path, struct ld_manifest *mf, char *err, size_t errlen);
void ld_manifest__free(struct ld_manifest *mf);

struct ld_view;
/* The manifest through @v (inspect, report): members, threads, links. */
void ld_manifest_show(struct ld_view *v, const struct ld_manifest *mf);

/* Whether @name (a file name) is a manifest's. */
bool ld_manifest_name(const char *name);

#endif
