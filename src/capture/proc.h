/* SPDX-License-Identifier: MIT */
/* What /proc tells about a process: maps, threads, fds, files. */
#ifndef LIVEDUMP_PROC_H
#define LIVEDUMP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LD_MAP_R	1
#define LD_MAP_W	2
#define LD_MAP_X	4
#define LD_MAP_SHARED	8

struct ld_map {
	uint64_t start, end, offset;
	uint64_t dev, ino;	/* user-space dev_t (makedev) */
	unsigned perms;		/* LD_MAP_* */
	char *path;		/* "" for anonymous, "[stack]", "/usr/lib/..." */
};

struct ld_maps {
	struct ld_map *v;
	size_t n;
	char *text;		/* the file as read */
};

int ld_proc_maps(pid_t pid, struct ld_maps *maps);
void ld_maps__free(struct ld_maps *maps);
/* The mapping holding addr, or NULL. */
const struct ld_map *ld_maps__find(const struct ld_maps *maps, uint64_t addr);
bool ld_map__is_file(const struct ld_map *m);

/* Reads a whole (proc) file; *len excludes the NUL appended to *buf. */
int ld_read_file(const char *path, char **buf, size_t *len);

/* Threads of pid, sorted; *tids is malloc'ed. */
int ld_proc_tids(pid_t pid, pid_t **tids, size_t *n);

struct ld_task_info {
	char name[16];
	char state;		/* R S D T t Z ... */
	pid_t ppid, pgrp, sid;
	long syscall;		/* -1: not in a syscall or unknown */
	uint64_t utime, stime;	/* clock ticks */
};
int ld_proc_task_info(pid_t pid, pid_t tid, struct ld_task_info *ti);
/*
 * Who traces thread @tid (TracerPid of /proc/TID/status): 0 and *@tracer,
 * its comm in @comm (may be "?"), or -ENOENT when nobody does.
 */
int ld_proc_tracer(pid_t tid, pid_t *tracer, char *comm, size_t len);
/*
 * Why thread @tid of @pid cannot be seized when another tracer has it, for
 * "cannot seize %s": "pid 1234 (server): it is already traced by pid 99
 * (gdb)"; comms escaped (escape.h).  0, or -ENOENT when nobody traces it.
 */
int ld_proc_tracer_msg(pid_t pid, pid_t tid, char *buf, size_t len);
/* This process's effective capabilities (CapEff of /proc/self/status). */
int ld_proc_self_caps(uint64_t *eff);
/* Just the syscall number from /proc/PID/task/TID/syscall (-1 if none). */
long ld_proc_task_syscall(pid_t pid, pid_t tid);

struct ld_fd {
	int fd;
	unsigned flags;
	uint64_t pos, ino;
	unsigned mode;
	char *target;
};
int ld_proc_fds(pid_t pid, struct ld_fd **fds, size_t *n);
void ld_fds__free(struct ld_fd *fds, size_t n);

struct ld_cg_ident;
/* @pid's systemd unit and container from /proc/PID/cgroup (base/cgident.h); 0 or -errno. */
int ld_proc_cg_ident(pid_t pid, struct ld_cg_ident *id);

#endif
