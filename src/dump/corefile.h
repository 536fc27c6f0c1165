/* SPDX-License-Identifier: MIT */
/*
 * The crash path: the kernel's core stream (core_pattern pipe) of a
 * process a rule selected becomes a livedump dump — the kernel's notes and
 * memory (all of it, or for a mini dump the stacks, the registered regions
 * and the small segments debuggers need) plus livedump's notes with the
 * BPF context of the fatal signal.
 */
#ifndef LIVEDUMP_COREFILE_H
#define LIVEDUMP_COREFILE_H

#include <stdint.h>
#include "dump/dump_writer.h"

struct ld_crash_dump {
	enum ld_capture_type type;	/* mini or full */
	const char *rule;
	uint32_t detector;		/* enum ld_detector of the fatal issue */
	uint32_t code;			/* the signal */
	uint64_t params[4];
	uint64_t issue_time_ns;
	const void *trigger;		/* the BPF record, or NULL */
	size_t trigger_len;
	const char *issue_text;
	uint64_t stack_max;		/* bytes above each thread's sp (mini) */
	uint64_t max_core;		/* cap on the stream kept in memory */
	const char *exe;		/* the executable's path, or NULL */
	/*
	 * LIVEDUMP notes of what /proc and BPF said of the process while the
	 * kernel wrote its core (capture.h: ld_capture__proc_notes), or NULL.
	 */
	const struct ld_notes *proc_notes;
	/* Mini: memory to keep besides stacks and regions (debugger metadata), or NULL. */
	const struct ld_range *keep;
	size_t nkeep;
};

/*
 * Reads the core from @fd to its end and writes DIR/NAME.  *path gets the
 * final path.  0 or -errno (-EBADMSG: the stream is not an x86-64 ELF core).
 */
int ld_core_to_dump(int fd, const struct ld_crash_dump *cd, const char *dir, const char *name,
		    char **path, struct ld_write_stats *stats);

#endif
