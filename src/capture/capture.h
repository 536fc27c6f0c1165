/* SPDX-License-Identifier: MIT */
/*
 * Capturing a live process: freeze it, collect threads, registers, maps,
 * fds, registered regions and memory, let it run again, write the dump.
 *
 *   ld_capture__new()     freeze and collect (mini: memory is buffered)
 *   ld_capture__resume()  let the process run; the triggering thread stays
 *                         held until ld_capture__finish()
 *   ld_capture__write()   write the dump file (full: still frozen, streamed)
 *   ld_capture__finish()  tell the triggering thread the result, release it
 *   ld_capture__free()    releases whatever is still held, on every path
 */
#ifndef LIVEDUMP_CAPTURE_H
#define LIVEDUMP_CAPTURE_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include "dump/dump_writer.h"
#include "dump/compress.h"
#include "capture/hidden.h"
#include "analysis/elfsym.h"
#include "livedump/abi.h"
#include "kabi/records.h"

struct ld_history;

enum ld_snapshot_mode {
	LD_SNAPSHOT_AUTO = 0,		/* full dumps: yes; mini dumps: no */
	LD_SNAPSHOT_ON,
	LD_SNAPSHOT_OFF,
};

struct ld_capture_opts {
	enum ld_capture_type type;
	enum ld_detector detector;	/* the issue's (kabi/records.h) */
	const char *rule;		/* rule or component name */
	const char *comm;		/* the process's name as BPF saw it at the issue, or NULL */
	uint32_t code;
	uint64_t params[4];
	uint64_t issue_time_ns;		/* CLOCK_REALTIME; 0 = now */
	const void *trigger;		/* raw BPF record for LD_NT_TRIGGER */
	size_t trigger_len;
	uint64_t req_addr;		/* app trigger: struct ld_trigger_req in the target */
	/*
	 * The request as BPF read it at the call.  The answer is written only
	 * while the request is still there as it was (the thread is held in
	 * the call): never into a frame the thread has left.
	 */
	const struct ld_trigger_req *req;
	const struct ld_blob_desc *blobs;
	unsigned nblobs;
	bool frozen_by_bpf;		/* SIGSTOP was sent: SIGCONT on resume */
	/*
	 * With frozen_by_bpf, callbacks into whoever loaded the BPF programs
	 * (each may be NULL; bpf_arg is their first argument).  stopped_at:
	 * when the kernel stopped the thread BPF froze (CLOCK_REALTIME; 0
	 * unknown), asked once every thread is held.  thawed: the group stop
	 * has ended while ptrace still holds every thread, so no thread has
	 * run yet: BPF may forget the freeze (and freeze it again for a new
	 * issue from the next instruction on).
	 */
	uint64_t (*stopped_at)(void *arg, pid_t pid);
	void (*thawed)(void *arg, pid_t pid);
	void *bpf_arg;
	/*
	 * Threads of this process held for issues of their own (holds.h; NULL:
	 * none): adopted when the process is frozen; at the resume, threads
	 * for which @pending(bpf_arg, tid) says an issue is still to come are
	 * handed back instead of let go.
	 */
	struct ld_holds *holds;
	bool (*pending)(void *arg, pid_t tid);
	/*
	 * The registers BPF saw at the issue.  They replace what ptrace reads
	 * for the triggering thread when that one stands in the kernel's
	 * [uprobes] trampoline, which no debugger can unwind (uretprobes).
	 */
	const struct ld_regs *issue_regs;
	const char *issue_text;		/* LD_NT_ISSUE_TEXT: what the detector found, or NULL */
	/* The kernel's side of the issue (knotes.h), notes made when it came in; NULL. */
	const struct ld_notes *kernel_notes;
	/* LD_NT_RULES: the collector's rule names, each NUL-terminated; NULL for none. */
	const char *rule_names;
	size_t rule_names_len;
	bool no_regions;		/* leave registered regions out */
	/*
	 * Memory the process hid from its dumps (hidden.h: MADV_DONTDUMP,
	 * coredump_filter): left out (default), but for registered regions and
	 * blobs, or all taken (forensic).  The dump lists it either way.
	 */
	enum ld_hidden_mode hidden;
	bool no_environ;		/* leave the environment out (rule environ=no) */
	uint64_t stack_max;		/* bytes per thread stack; 0 = default */
	uint64_t max_memory;		/* cut the dump's memory to this (least important first); 0 = none */
	unsigned stop_timeout_ms;	/* per thread; 0 = default */
	/*
	 * The longest a capture may hold the process (0: LD_DEFAULT_MAX_HOLD_NS);
	 * past it nothing more is read, the process runs again, and the dump
	 * says it was cut.  A non-zero *cancel (a stop signal's number) cuts
	 * it the same way at once.
	 */
	uint64_t max_hold_ns;
	const volatile sig_atomic_t *cancel;
	struct ld_symcache *symcache;	/* NULL: a private one */
	/*
	 * The flight recorder of the collector that loaded the BPF programs
	 * (collector/history.h), or NULL: the process's history, the kernel
	 * stacks BPF saved at the issue, and its identity as BPF saw it.
	 */
	struct ld_history *history;
	/*
	 * Snapshot capture (snapshot.h): the memory is read from a
	 * copy-on-write copy of the process, which runs again at once.  The
	 * default (0) takes one for full dumps, not for mini ones.  When it
	 * cannot be made, the capture is a plain one and the dump says why.
	 */
	enum ld_snapshot_mode snapshot;
	struct ld_compress compress;	/* kind NONE: a plain dump */
	/*
	 * With LD_CAPTURE_CONTEXT: the process is dumping its core (the crash
	 * path).  It can be neither stopped nor read by ptrace, and the
	 * kernel's core has its registers and memory: what /proc says of it
	 * while the kernel writes the core (threads, maps, modules, fds and
	 * the rest) is all this capture reads, for ld_capture__proc_notes().
	 */
	bool crashing;
};

#define LD_DEFAULT_STACK_MAX	(256U << 10)
#define LD_DEFAULT_MAX_HOLD_NS	(10ULL * 1000000000ULL)

struct ld_capture;

int ld_capture__new(pid_t pid, pid_t tid, const struct ld_capture_opts *opts,
		    struct ld_capture **out);
/*
 * Once the dump is admitted: takes the snapshot when one is wanted (or
 * falls back to a plain capture, recorded in the dump).  0 or -errno
 * (-ESRCH: the process is gone).
 */
int ld_capture__prepare(struct ld_capture *c);
/* Must the process stay frozen while the dump is written (a plain full dump)? */
bool ld_capture__needs_frozen(const struct ld_capture *c);
/* Whether the memory comes from a snapshot; *why says why not when one was wanted. */
bool ld_capture__snapshot(const struct ld_capture *c, const char **why);
void ld_capture__resume(struct ld_capture *c);
/* Writes DIR/NAME; *path gets the final path (malloc'ed). */
int ld_capture__write(struct ld_capture *c, const char *dir, const char *name,
		      char **path, struct ld_write_stats *stats);
void ld_capture__finish(struct ld_capture *c, int status);
void ld_capture__free(struct ld_capture *c);

/*
 * The app trigger's thread ran on past its call before it was held: the
 * capture is not of the issue's instant, and the call cannot be answered.
 */
bool ld_capture__trigger_gone(const struct ld_capture *c);

/* The size the dump file will have. */
int ld_capture__size(const struct ld_capture *c, uint64_t *size);

/*
 * The notes of what /proc and BPF said of the process (crashing captures):
 * threads' names and states, fds and their sockets, maps, cmdline,
 * modules, environment, cwd, limits, the kernel's view and the history.
 * Not the header, the trigger or anything the kernel's core holds.
 */
void ld_capture__proc_notes(const struct ld_capture *c, struct ld_notes *n);

struct ld_plan_range;
/*
 * Crashing captures: the memory a debugger needs to find the loaded
 * objects (memplan.h's debug metadata), for the crash mini dump to keep.
 */
size_t ld_capture__crash_keep(const struct ld_capture *c, const struct ld_plan_range **v);

/* For messages and file names. */
const char *ld_capture__comm(const struct ld_capture *c);
/* The executable's path, "" unknown. */
const char *ld_capture__exe(const struct ld_capture *c);
size_t ld_capture__nthreads(const struct ld_capture *c);
size_t ld_capture__nregions(const struct ld_capture *c);
/* Time the process was held still, in ns (so far, if not yet resumed). */
uint64_t ld_capture__pause_ns(const struct ld_capture *c);

uint64_t ld_now_realtime_ns(void);

/* A header with the format, host, kernel and collector filled in. */
void ld_header_init(struct ld_note_header *h);

#endif
