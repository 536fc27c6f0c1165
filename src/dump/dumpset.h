/* SPDX-License-Identifier: MIT */
/*
 * A set of dumps for list and report: the .core files of directories and
 * the files named, each opened once (cut dumps too) and summarized, sorted
 * by issue time, and the filters both commands share (--comm, --since).
 */
#ifndef LIVEDUMP_DUMPSET_H
#define LIVEDUMP_DUMPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/table.h"

enum ld_dump_state {
	LD_DUMP_COMPLETE,	/* whole and valid */
	LD_DUMP_CUT,		/* cut while written or copied: what is whole is readable
				   (nothing when the cut is inside the ELF headers) */
	LD_DUMP_DAMAGED,	/* cannot be read at all */
};

struct ld_dump_summary {
	char *path;
	const char *name;		/* file name within path */
	uint64_t file_size;
	enum ld_dump_state state;
	char *why;			/* cut or damaged: the reader's message */
	/*
	 * From the header; a dump without one (cut before it, damaged) gets
	 * time, rule, comm and pid from its file name when that has the
	 * collector's form (TIME-RULE-COMM-PID.core), and has_header false.
	 */
	bool has_header;
	bool named;			/* the fields below came from the file name */
	uint64_t time_ns;		/* issue time, CLOCK_REALTIME; 0 unknown */
	const char *issue;		/* the detector's name (static); NULL without a header */
	struct ld_fields *fields;	/* the issue decoded; NULL without a header */
	uint32_t capture_type, code, pid, tid;
	char rule[64];
	char comm[17];
	char exe[256];
	/* From LD_NT_KPROC: "" unknown or none */
	char unit[256];			/* systemd unit */
	char container_runtime[16];	/* docker, containerd, cri-o, podman, lxc, kubernetes */
	char container_id[128];
	char pod_uid[64];
	/*
	 * The kernel function of the issue: a kernel probe's function, else
	 * the first frame of BPF's stack at the issue past the tracing
	 * machinery (LD_NT_KSTACK); "" none.
	 */
	char kfunc[128];
	/* A member of a group dump (group/manifest.h): its manifest, NULL none. */
	const struct ld_manifest *group;
	bool group_trigger;		/* the member that hit the issue */
	/* The host that took it: the header's (or the store's HOST); "" unknown. */
	char host[65];
	/*
	 * A dump in a store (fleet/store.h), summarized from its sidecar: path
	 * is its URL, and the bytes are fetched only when a command needs them.
	 * NULL for a file here.
	 */
	struct ld_remote *remote;
};

/* What a store keeps of one of its dumps; the summary owns it and frees it with ->free. */
struct ld_remote {
	void (*free)(struct ld_remote *r);
};

/*
 * Summarizes the dump at @path into @s (zeroed first): 0, or -ENOMEM.  A
 * dump that cannot be read is still summarized (state and why say so).
 */
int ld_dump_summary__load(struct ld_dump_summary *s, const char *path);
void ld_dump_summary__clear(struct ld_dump_summary *s);
/*
 * The summary's members ("file", "name", "size", "state", ... "group") in
 * the object the caller has open: list --json's entries and the fleet
 * sidecar's keys (docs/commands/list.md).
 */
struct ld_json;
void ld_dump_summary__json(const struct ld_dump_summary *s, struct ld_json *j);

/* "RUNTIME:ID" (or "kubernetes:pod-UID" for a pod's cgroup without one); "" none. */
const char *ld_dump_summary__container(const struct ld_dump_summary *s, char *buf, size_t len);

struct ld_manifest;

struct ld_dumpset {
	struct ld_dump_summary *v;
	size_t n;
	/* The group manifests (NAME.group) of the directories and files named. */
	struct ld_manifest *groups;
	size_t ngroups;
};

/*
 * Adds every DIR/ *.core (hidden files, i.e. dumps still being written,
 * are left out) and DIR/ *.group manifest for each path that is a
 * directory, and each other path as a dump (a manifest: with its members'
 * dumps); none: default_dir.  Sorted by time (unknown times by name).
 * Errors that concern one file are in its summary; 0, or -errno with a
 * message in err when a path cannot be read at all.
 */
int ld_dumpset_load(struct ld_dumpset *set, char **paths, int npaths, const char *default_dir,
		    char *err, size_t errlen);
void ld_dumpset__free(struct ld_dumpset *set);
/* A new zeroed summary at the end of @set (to be filled by the caller); NULL on ENOMEM. */
struct ld_dump_summary *ld_dumpset__append(struct ld_dumpset *set);
/*
 * Sorts by time (unknown times by path) and links each group's members to
 * its manifest (by name, in the manifest's directory), as ld_dumpset_load
 * does: after every summary and manifest is in.
 */
void ld_dumpset__finish(struct ld_dumpset *set);

const char *ld_dump_state_name(enum ld_dump_state s);

/* Parses "TIME-RULE-COMM-PID[-SEQ].core" into s (time, rule, comm, pid). */
bool ld_dump_parse_name(const char *name, struct ld_dump_summary *s);

struct ld_dump_filter {
	const char *comm;		/* NULL: any */
	uint64_t since_ns;		/* 0: any */
};

bool ld_dump_filter__match(const struct ld_dump_filter *f, const struct ld_dump_summary *s);

/*
 * The options list and report share, for their getopt_long tables:
 * --comm, --since, --color.  ld_dumpset_parse_opt() handles their short
 * codes: -1 to go on, else the exit status (2 after a message).
 */
#define LD_DUMPSET_LONGOPTS \
	{ "comm", required_argument, NULL, 'c' }, \
	{ "since", required_argument, NULL, 's' }, \
	{ "color", required_argument, NULL, 'C' }

int ld_dumpset_parse_opt(int c, const char *arg, const char *cmd, struct ld_dump_filter *f,
			 enum ld_color_when *color);

/*
 * --since: "2026-11-21", "2026-11-21 09:30[:15]" (or with a T; local
 * time), "@EPOCH", "today", "yesterday", or a duration before now: "90s",
 * "15m", "2h", "7d", "1w" (optionally "-2h" or "2h ago").  0 or -EINVAL.
 */
int ld_parse_since(const char *s, uint64_t now_ns, uint64_t *out_ns);

/* "2026-11-21 09:30:15" in local time; "-" for 0. */
const char *ld_fmt_local_time(uint64_t ns, char *buf, size_t len);
/* ISO-8601 with milliseconds and offset, as inspect --json prints times. */
const char *ld_fmt_iso_time(uint64_t ns, char *buf, size_t len);
/* "812", "14.2K", "3.1M", "1.2G" */
const char *ld_fmt_short_size(uint64_t bytes, char *buf, size_t len);

#endif /* LIVEDUMP_DUMPSET_H */
