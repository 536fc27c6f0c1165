/* SPDX-License-Identifier: MIT */
/*
 * The kernel's side of an issue, for its dump (docs/kernel-dumps.md): the
 * typed kernel objects BPF copied (LD_NT_KOBJ, with the BTF of their
 * types), and the system as the collector finds it when the issue comes
 * in: tasks in uninterruptible sleep and their kernel stacks
 * (LD_NT_DSTATE), the device's statistics and queue attributes
 * (LD_NT_DISK), the kernel log of the issue's window (LD_NT_KMSG).  A
 * detector says which it wants (ld_issue.ksys); what cannot be read is
 * left out, never fails the dump.
 */
#ifndef LIVEDUMP_KNOTES_H
#define LIVEDUMP_KNOTES_H

#include <stddef.h>
#include <stdint.h>

struct ld_notes;

/* ld_knotes_opts.what */
#define LD_KSYS_DSTATE	(1U << 0)	/* tasks in D state */
#define LD_KSYS_DISK	(1U << 1)	/* the device @dev */
#define LD_KSYS_KMSG	(1U << 2)	/* the kernel log from a while before the issue on */

/* Tasks and log records a dump keeps at most. */
#define LD_DSTATE_MAX		256
#define LD_KMSG_MAX		512
#define LD_KMSG_BEFORE_US	(10 * 1000000ULL)	/* the window opens this long before the issue */

struct ld_knotes_opts {
	const void *kobj;		/* struct ld_kobj_set and the bytes BPF copied, or NULL */
	size_t kobj_len;
	unsigned what;			/* LD_KSYS_* */
	uint32_t dev;			/* LD_KSYS_DISK: kernel dev_t */
	uint64_t issue_ktime_ns;	/* CLOCK_MONOTONIC of the issue (bpf_ktime_get_ns) */
	/*
	 * A file object's path: the process, and its call's arguments (the fd
	 * of file_argN is args[N - 1]), read through /proc/PID/fd while the
	 * process is held; pid 0 or args NULL: no paths.
	 */
	int pid;
	const int64_t *args;
	unsigned nargs;
};

/* Appends the notes to @n (n->err says if memory ran out). */
void ld_knotes__collect(struct ld_notes *n, const struct ld_knotes_opts *o);

/*
 * LD_NT_KOBJ from a BPF set, its types copied from @btf (NULL: objects
 * without types); exposed for the tests.  0 or a negative errno.
 */
struct btf;
int ld_knotes__kobj(struct ld_notes *n, const struct btf *btf, const void *kobj, size_t len,
		    const struct ld_knotes_opts *o);

#endif /* LIVEDUMP_KNOTES_H */
