/* SPDX-License-Identifier: MIT */
/*
 * A process's identity as BPF saw it at its last issue record: written by
 * bpf/common.bpf.h (ld_ident_save, from every record's ld_event_init) into
 * the `idents` map, keyed by tgid, and read by the capture when /proc can
 * no longer say (a context dump of a process that exited, was killed, or
 * is a zombie whose exe and cmdline are gone).  Shared verbatim by BPF and
 * src/.
 */
#ifndef LIVEDUMP_KABI_IDENT_H
#define LIVEDUMP_KABI_IDENT_H

#ifndef __BPF__		/* vmlinux.h provides __u32 / __u64 */
#include <linux/types.h>
#endif

#define LD_IDENT_LEVELS		8	/* pid namespace levels kept (as LD_KPROC_LEVELS) */
#define LD_IDENT_NS		10	/* namespace inodes, in enum ld_ns_index order (dumpfmt.h) */
#define LD_IDENT_COMP		128	/* bytes per path component read at most */
#define LD_IDENT_EXE		(2 * LD_IDENT_COMP)	/* the executable's path components */
#define LD_IDENT_ARGS		256	/* bytes of argv */

/* ld_ident.flags */
#define LD_IDF_EXE		(1U << 0)	/* exe holds the executable's path */
#define LD_IDF_EXE_CUT		(1U << 1)	/* ... whose leading components did not fit */
#define LD_IDF_ARGS		(1U << 2)	/* args holds the start of argv */
#define LD_IDF_ARGS_CUT		(1U << 3)	/* ... cut to LD_IDENT_ARGS bytes */

struct ld_ident {
	__u64 ktime_ns;			/* the record it was saved with (bpf_ktime_get_ns) */
	__u32 tgid;			/* in the root pid namespace */
	__u32 flags;			/* LD_IDF_* */
	__u32 level;			/* the process's pid namespace level: nspid[0..level] */
	__u32 nspid[LD_IDENT_LEVELS];	/* its tgid in each pid namespace, the root's first */
	__u32 ppid;			/* the parent's tgid in the root pid namespace */
	__u32 uid, euid, gid, egid;	/* as the initial user namespace sees them */
	__u32 exe_ncomp;		/* components in exe */
	__u32 args_len;			/* bytes of args */
	__u64 cgroup_id;		/* cgroup v2 id of its cgroup, 0 unknown */
	__u64 memcg_id;			/* its memcg's cgroup (kernfs id), 0 unknown */
	__u32 memcg_hier;		/* ... in this hierarchy: 0 v2, else v1 memory's id */
	__u32 pad;
	__u64 ns[LD_IDENT_NS];		/* namespace inodes, 0 unknown */
	__u64 start_ns;			/* the process's start (CLOCK_MONOTONIC): tells a reused pid */
	/*
	 * The path's components from the file up to the root, each
	 * NUL-terminated ("ls\0bin\0usr\0"): BPF walks the dentries upwards.
	 */
	char exe[2 * LD_IDENT_EXE];
	char args[LD_IDENT_ARGS];	/* NUL-separated argv, as /proc/PID/cmdline */
};

#endif
