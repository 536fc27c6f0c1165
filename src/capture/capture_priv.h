/* SPDX-License-Identifier: MIT */
/* Shared by capture.c (collecting) and capture_notes.c (describing). */
#ifndef LIVEDUMP_CAPTURE_PRIV_H
#define LIVEDUMP_CAPTURE_PRIV_H

#include <sys/user.h>
#include "capture/blobs.h"
#include "capture/capture.h"
#include "capture/freeze.h"
#include "capture/kview.h"
#include "capture/memplan.h"
#include "capture/modules.h"
#include "capture/proc.h"
#include "capture/procenv.h"
#include "capture/snapshot.h"
#include "kabi/ident.h"

struct ld_thread_cap {
	pid_t tid;
	struct ld_task_info info;
	bool trigger;
	bool have_regs, have_fp;
	struct user_regs_struct regs;
	struct user_fpregs_struct fp;
	void *xstate;
	size_t xstate_len;
	uint64_t stack_lo, stack_hi;
};

struct ld_capture {
	pid_t pid, trigger_tid;
	struct ld_capture_opts opts;
	struct ld_freeze fz;
	bool resumed, finished;
	uint64_t deadline;		/* CLOCK_MONOTONIC: no reads after it (capture_cut()) */
	char cut[96];			/* why the capture stopped early; "" not */
	bool req_gone;			/* the trigger's request is not where it was: no answer */
	struct ld_task_info pinfo;
	char exe[256];

	struct ld_thread_cap *threads;
	size_t nthreads;
	struct ld_maps maps;
	struct ld_module *modules;	/* mapped ELF objects, for LD_NT_MODULES */
	size_t nmodules;
	char *auxv, *cmdline;
	size_t auxv_len, cmdline_len;
	struct ld_fd *fds;
	size_t nfds;
	struct ld_hidden hidden;	/* what the process hid from dumps (hidden.h) */
	uint64_t smaps_layout;		/* of the mappings smaps listed for it (0: not read) */
	/*
	 * A mini dump of a process BPF stopped reads smaps only once the
	 * process runs again (hide_late()): its plan waits here till then.
	 */
	bool hide_late;
	/*
	 * A mini dump whose registered regions are large (LD_SNAP_REGIONS_MIN)
	 * takes a snapshot too: copying them while the process is held costs
	 * far more than a fork.
	 */
	bool big_regions;
	bool crcs_done;			/* regions' crc32 computed (region_crcs()) */
	struct ld_memplan late_plan;
	struct ld_memplan crash_plan;	/* crashing: what a debugger needs (ld_capture__crash_keep) */
	struct ld_hidden_range *hid;	/* LD_NT_HIDDEN: what of it the capture wanted */
	size_t nhid;
	struct ld_proc_env env;		/* environment, cwd, limits, sockets */
	struct ld_note_region *regions;
	size_t nregions;
	struct ld_blob_cap *blobs;
	size_t nblobs;
	uint32_t hdr_flags;
	struct ld_kview kview;		/* kernel stacks, namespaces, history */
	struct ld_ident ident;		/* what BPF saw of the process at the issue */
	bool have_ident;

	struct ld_seg *segs;
	size_t nsegs;
	void *membuf;			/* mini: the bytes of every segment */
	struct ld_range *unreadable;	/* found while filling membuf */
	size_t nunreadable;

	uint64_t t_issue, t_start, t_resumed, mono_start, mono_resumed;
	uint64_t t_frozen;		/* CLOCK_REALTIME when every thread was stopped */
	uint64_t t_seen_stopped;	/* when the thread BPF stopped was seen stopped */
	uint64_t t_stopped;		/* when the kernel stopped it (BPF saw the SIGSTOP) */
	uint64_t mono_frozen, mono_collected;

	/* Snapshot capture (snapshot.h). */
	struct ld_snapshot snap;
	bool snap_tried;		/* wanted and attempted: the dump says how it went */
	struct ld_range *nofork;	/* MADV_DONTFORK/WIPEONFORK mappings */
	size_t nnofork;
	uint64_t nofork_layout;		/* of the mappings when nofork was read (0: not read) */
	uint64_t nofork_bytes;		/* of them, bytes in the dump: read from the original */
	void *nofork_buf;
};

/* Builds every metadata note of the dump. */
int ld_capture__notes(const struct ld_capture *c, struct ld_notes *notes);

#endif
