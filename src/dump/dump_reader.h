/* SPDX-License-Identifier: MIT */
/*
 * The dump reader: the one module every tool uses to open a livedump file
 * (see dumpfmt.h and docs/dump-format.md).
 *
 * ld_dump__open() validates the whole file before it returns: ELF header,
 * program headers, every segment's bounds, every note, the livedump header
 * and the completion record (file size and metadata checksum).  Nothing in
 * the file is trusted; a damaged file gives an error message that says
 * what is wrong and where, prefixed with the file's path.  Memory is not
 * loaded: ld_dump__read_mem() reads PT_LOAD bytes from the file on demand.
 *
 * All pointers returned by the accessors stay valid until ld_dump__free().
 * Every string the reader hands out is NUL-terminated, even when the field
 * in the file filled its array.
 */
#ifndef LIVEDUMP_DUMP_READER_H
#define LIVEDUMP_DUMP_READER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include "dump/dumpfmt.h"
#include "base/cgident.h"
#include "kabi/history.h"
#include "kabi/records.h"

struct ld_dump;

/*
 * Open flags.
 *
 * LD_OPEN_ALLOW_CUT: a dump that was cut while it was written (segments
 * past the end of the file, no completion record) opens anyway, with
 * whatever is whole: segments are clipped to the file, notes up to the
 * first incomplete one are read.  ld_dump__cut() then says what is
 * missing.  Damage that a cut cannot explain (bad magic, a note that
 * overruns a complete segment, a checksum mismatch) is still an error.
 * In a cut dump ld_dump__header() may return NULL.
 */
#define LD_OPEN_ALLOW_CUT	(1U << 0)

/*
 * Returns 0, or a negative errno with a message in err:
 *   -ENOEXEC          not an x86-64 ELF core file, or not a livedump dump
 *   -ENOTSUP          a format major version this reader does not know
 *   -ENODATA          the dump was cut (without LD_OPEN_ALLOW_CUT)
 *   -EBADMSG          damaged or inconsistent content
 *   -ENOMEM, -EIO, ... from the system (open, read)
 * err may be NULL; errlen 256 or more avoids truncated messages.
 */
int ld_dump__open(const char *path, struct ld_dump **out, char *err, size_t errlen);
int ld_dump__open_flags(const char *path, unsigned flags, struct ld_dump **out,
			char *err, size_t errlen);
void ld_dump__free(struct ld_dump *d);

const char *ld_dump__path(const struct ld_dump *d);
/* Size of the core: of the file, or of the plain core in a compressed dump. */
uint64_t ld_dump__file_size(const struct ld_dump *d);
/*
 * Compressed dumps are read transparently: "zstd blocks" or "gzip blocks"
 * for livedump's own container (read in place, see compress.h), "zstd"
 * or "gzip" for any other stream of that kind (decompressed into memory
 * at open), NULL for a plain core.
 * *disk_size (may be NULL) gets the size of the file itself.
 */
const char *ld_dump__compression(const struct ld_dump *d, uint64_t *disk_size);
/* Bytes of the plain core: 0, -ENODATA past its end, -errno. */
int ld_dump__read_file(const struct ld_dump *d, void *buf, size_t len, uint64_t off);
/* NULL for a whole dump, else why it is cut (same text open would fail with). */
const char *ld_dump__cut(const struct ld_dump *d);

/* --- livedump notes ------------------------------------------------------ */

/* The header (first sizeof(struct ld_note_header) bytes; strings terminated). */
const struct ld_note_header *ld_dump__header(const struct ld_dump *d);
/* The completion record, NULL in a cut dump; nranges is clamped to the ranges present. */
const struct ld_note_complete *ld_dump__complete(const struct ld_dump *d);
/*
 * LD_NT_CAPTURE: when every thread was stopped, whether the memory came
 * from a snapshot, why not when one was wanted (fallback terminated).
 * NULL in dumps without it (older ones, context-only ones).
 */
const struct ld_note_capture *ld_dump__capture_info(const struct ld_dump *d);

/* LD_NT_TRIGGER: the raw BPF record, NULL (and *len 0) when there is none. */
const void *ld_dump__trigger(const struct ld_dump *d, size_t *len);
/*
 * The trigger as an application trigger, when its type is
 * LD_DET_APP and it is long enough for the fixed part: an aligned
 * copy whose bytes past the record's end are zero.  req.nblobs is clamped
 * to LD_MAX_BLOBS.  NULL otherwise.
 */
const struct ld_app_trigger *ld_dump__app_trigger(const struct ld_dump *d);

/*
 * The issue's detector: the header's (format 1.3), or for older dumps the
 * one its legacy issue type (and record) names; NULL without a header or
 * for a detector this build does not know.
 */
const struct ld_detector_ops *ld_dump__detector(const struct ld_dump *d);
/* Its name, "unknown" when there is none. */
const char *ld_dump__issue_name(const struct ld_dump *d);
/* What a dump's history lines name besides the event: detectors and rules. */
struct ld_hist_names {
	bool legacy;			/* a dump before 1.3: issue events in the old numbering */
	const char *rules;		/* rule names, each NUL-terminated, by index; NULL */
	size_t rules_len;
};
/* What the history's lines name: the numbering of its issues, the rules (LD_NT_RULES). */
void ld_dump__hist_names(const struct ld_dump *d, struct ld_hist_names *n);
/* LD_NT_ISSUE_TEXT: "key=value" lines the collector learned; NULL. */
const char *ld_dump__issue_text(const struct ld_dump *d, size_t *len);
/* The issue decoded (record, text, header) by its detector; -ENODATA without a header. */
struct ld_fields;
int ld_dump__decode(const struct ld_dump *d, struct ld_fields *f);

/* The text of /proc/PID/maps and the NUL-separated argv; NULL when absent. */
const char *ld_dump__maps(const struct ld_dump *d, size_t *len);
const char *ld_dump__cmdline(const struct ld_dump *d, size_t *len);

/* --- threads -------------------------------------------------------------- */

/*
 * A thread: the LIVEDUMP threads table joined with NT_PRSTATUS by tid.
 * Threads of the table come first in table order, then threads that only
 * have an NT_PRSTATUS, in note order.
 */
struct ld_dump_thread {
	uint32_t tid;
	uint32_t flags;		/* LD_THR_* (0 when not in the table) */
	char name[17];
	char state;		/* R, S, D, T, ... or 0 when unknown */
	int64_t syscall;	/* -1: not in a syscall */
	uint64_t stack_lo, stack_hi;
	bool in_table;		/* listed in LD_NT_THREADS */
	bool has_regs;		/* has an NT_PRSTATUS */
	struct user_regs_struct regs;	/* pr_reg, zero without NT_PRSTATUS */
	uint64_t pc, sp;	/* regs.rip, regs.rsp */
	int cursig;		/* pr_cursig */
	bool has_fp;		/* has an NT_FPREGSET */
	const void *fpregs;	/* struct user_fpregs_struct bytes (unaligned) */
	size_t fpregs_len;
	const void *xstate;	/* NT_X86_XSTATE bytes (unaligned), NULL if none */
	size_t xstate_len;
	const struct elf_prstatus *prstatus;	/* aligned copy, NULL without regs */
};

size_t ld_dump__nthreads(const struct ld_dump *d);
const struct ld_dump_thread *ld_dump__thread(const struct ld_dump *d, size_t i);
/* The thread with this tid, or NULL. */
const struct ld_dump_thread *ld_dump__thread_by_tid(const struct ld_dump *d, uint32_t tid);

/* --- regions, blobs, fds -------------------------------------------------- */

struct ld_dump_region {
	uint64_t addr;
	uint64_t len;		/* as registered */
	uint64_t captured;	/* bytes the writer put in PT_LOAD segments */
	uint32_t crc32;		/* of the captured bytes, as recorded */
	uint32_t flags;		/* LD_REG_* */
	char name[33];
};

size_t ld_dump__nregions(const struct ld_dump *d);
const struct ld_dump_region *ld_dump__region(const struct ld_dump *d, size_t i);
/*
 * Recompute the crc32 of region i's captured bytes from the PT_LOAD
 * segments.  0: it matches (also when nothing was captured);
 * -EBADMSG: mismatch; -ENODATA: the captured bytes are not all in the dump;
 * -EINVAL: no such region; other negative errnos from reading the file.
 * *crc (may be NULL) receives the computed value.
 */
int ld_dump__verify_region(const struct ld_dump *d, size_t i, uint32_t *crc);

struct ld_dump_blob {
	char tag[33];
	uint64_t addr;		/* where the data was in the process */
	uint64_t len;		/* bytes at data */
	uint32_t crc32;		/* as recorded */
	uint32_t flags;		/* LD_REG_* */
	bool crc_ok;		/* crc32 of data matches the recorded one */
	const unsigned char *data;
};

size_t ld_dump__nblobs(const struct ld_dump *d);
const struct ld_dump_blob *ld_dump__blob(const struct ld_dump *d, size_t i);

struct ld_dump_fd {
	int32_t fd;
	uint32_t flags;		/* open flags (O_*) */
	uint32_t mode;		/* st_mode type bits (S_IFMT) */
	uint64_t pos;
	uint64_t ino;
	const char *target;	/* readlink of /proc/PID/fd/N */
};

size_t ld_dump__nfds(const struct ld_dump *d);
const struct ld_dump_fd *ld_dump__fd(const struct ld_dump *d, size_t i);

/* --- standard notes ------------------------------------------------------- */

/* NT_FILE: one mapped file range. */
struct ld_dump_file {
	uint64_t start, end;	/* [start, end) in the address space */
	uint64_t offset;	/* file offset in bytes */
	const char *name;
};

size_t ld_dump__nfiles(const struct ld_dump *d);
const struct ld_dump_file *ld_dump__file(const struct ld_dump *d, size_t i);

/*
 * LD_NT_MODULES: a mapped ELF object as the capture found it.  Dumps
 * without the note (older collectors, context-only captures) have none:
 * NT_FILE still says what was mapped, without build-ids.
 */
struct ld_dump_module {
	uint64_t start, end;		/* [lowest mapping, end of the highest) */
	uint64_t bias;			/* run-time minus link-time address */
	uint32_t flags;			/* LD_MOD_* */
	const unsigned char *build_id;	/* build_id_len bytes; NULL when none */
	size_t build_id_len;
	const char *path;
};

size_t ld_dump__nmodules(const struct ld_dump *d);
const struct ld_dump_module *ld_dump__module(const struct ld_dump *d, size_t i);

/* LD_NT_ENVIRON: the NUL-separated environment; NULL when the dump has none. */
const char *ld_dump__environ(const struct ld_dump *d, size_t *len);
/* LD_NT_CWD: the working directory; NULL when unknown. */
const char *ld_dump__cwd(const struct ld_dump *d);
/* LD_NT_LIMITS: resource limits as prlimit(2) gave them. */
/*
 * LD_NT_HIDDEN (1.5): what the process hid from dumps that the capture
 * wanted; NULL for context dumps and older ones.  Ranges in address order.
 */
const struct ld_note_hidden *ld_dump__hidden(const struct ld_dump *d);
size_t ld_dump__nhidden(const struct ld_dump *d);
const struct ld_hidden_range *ld_dump__hidden_range(const struct ld_dump *d, size_t i);
/* "MADV_DONTDUMP", "VM_IO", "coredump_filter", ...; "?".  The kind: "anonymous private", ... */
const char *ld_hidden_why_name(uint32_t why);
const char *ld_hidden_kind_name(uint32_t kind);

size_t ld_dump__nlimits(const struct ld_dump *d);
const struct ld_note_limit *ld_dump__limit(const struct ld_dump *d, size_t i);

/* LD_NT_SOCKETS: a socket among the fds, with both ends. */
struct ld_dump_socket {
	struct ld_note_socket s;	/* size, path_len and peer_path_len as read */
	const char *path;		/* UNIX name or NULL */
	const char *peer_path;		/* the peer's UNIX name or NULL */
};
size_t ld_dump__nsockets(const struct ld_dump *d);
const struct ld_dump_socket *ld_dump__socket(const struct ld_dump *d, size_t i);
/* The socket of socket:[ino], or NULL. */
const struct ld_dump_socket *ld_dump__socket_by_ino(const struct ld_dump *d, uint64_t ino);

/* NT_AUXV: (type, value) pairs up to and excluding AT_NULL. */
struct ld_dump_auxv {
	uint64_t type, val;
};
size_t ld_dump__nauxv(const struct ld_dump *d);
const struct ld_dump_auxv *ld_dump__auxv(const struct ld_dump *d, size_t i);
/* 0 and *val, or -ENOENT. */
int ld_dump__auxv_get(const struct ld_dump *d, uint64_t type, uint64_t *val);

/* Aligned copies of NT_PRPSINFO and NT_SIGINFO, NULL when absent. */
const struct elf_prpsinfo *ld_dump__prpsinfo(const struct ld_dump *d);
const siginfo_t *ld_dump__siginfo(const struct ld_dump *d);

/* --- memory --------------------------------------------------------------- */

/* A PT_LOAD segment. */
struct ld_dump_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t offset;	/* in the file */
	uint64_t filesz;	/* as the program header says */
	uint64_t avail;		/* bytes of it in the file (< filesz when cut) */
	uint32_t prot;		/* PF_R | PF_W | PF_X */
	unsigned index;		/* ordinal among PT_LOADs, as in error messages */
};

/* PT_LOAD segments sorted by address (they never overlap). */
size_t ld_dump__nsegments(const struct ld_dump *d);
const struct ld_dump_segment *ld_dump__segment(const struct ld_dump *d, size_t i);

/*
 * Copy captured memory at addr into buf: returns the number of bytes that
 * the dump holds contiguously from addr (at most len; adjacent segments
 * are crossed), 0 when addr was not captured, or a negative errno when
 * the file cannot be read.  Bytes the writer could not read from the
 * process (the completion record's unreadable ranges) count as not
 * captured.
 */
long ld_dump__read_mem(const struct ld_dump *d, uint64_t addr, void *buf, size_t len);

/* --- the kernel's view (docs/flight-recorder.md) ------------------------------ */

/*
 * LD_NT_HISTORY: the flight recorder's events, oldest first.  ev[] are
 * aligned copies of the first sizeof(struct ld_hist_ev) bytes of each
 * entry; events of a type this reader does not know are kept (show them
 * by type number).  NULL when the dump has no history.
 */
struct ld_dump_history {
	uint32_t count;
	uint32_t depth;			/* events the kernel kept per process */
	uint32_t wanted;		/* the rule's history=N */
	uint32_t flags;			/* LD_HISTF_* */
	uint64_t issue_ktime_ns;	/* show times relative to this */
	uint64_t frozen_ktime_ns;
	uint64_t total, dropped;
	uint64_t realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC when taken */
	const struct ld_hist_ev *ev;
};
const struct ld_dump_history *ld_dump__history(const struct ld_dump *d);

/* LD_NT_KSTACK: one kernel stack, symbolized when the dump was taken. */
struct ld_dump_kstack {
	uint32_t tid, ns_tid;
	uint32_t source;		/* enum ld_kstack_source */
	uint32_t flags;			/* LD_KS_* */
	uint32_t ctx_tid;
	int32_t syscall;		/* -1: none or unknown */
	uint64_t ktime_ns;		/* 0 for /proc stacks */
	char state;			/* 0 unknown */
	size_t nframes;
	const uint64_t *addrs;		/* aligned copy; 0 where /proc hid them */
	const char *const *syms;
};
size_t ld_dump__nkstacks(const struct ld_dump *d);
const struct ld_dump_kstack *ld_dump__kstack(const struct ld_dump *d, size_t i);

/* LD_NT_KPROC: the process as the kernel saw it; NULL when absent. */
struct ld_dump_kproc {
	struct ld_note_kproc k;		/* levels clamped to LD_KPROC_LEVELS */
	const char *cgroup;		/* cgroup v2 path, "" unknown */
	const char *cgroups;		/* /proc/PID/cgroup as read */
	/*
	 * The systemd unit and container (the strings after those two; in
	 * older dumps read from them), and the cgroup path they were
	 * read from: "/system.slice/x.service" (v2), "name=systemd:/..." (v1).
	 */
	struct ld_cg_ident ident;
	char source[4224];		/* "" none */
};
const struct ld_dump_kproc *ld_dump__kproc(const struct ld_dump *d);
/* "pid", "mnt", ... for an LD_NS_* index. */
const char *ld_dump__ns_name(unsigned i);

/* --- every note ------------------------------------------------------------ */

struct ld_dump_note {
	unsigned index;		/* 0-based over the whole file, as in error messages */
	unsigned phdr;		/* index of its PT_NOTE program header */
	uint64_t offset;	/* file offset of the note header */
	char owner[32];		/* name, terminated (truncated if longer) */
	uint32_t type;
	const void *desc;	/* descsz bytes, 4-byte aligned in the file only */
	uint32_t descsz;
};

/*
 * Call fn for every note of every PT_NOTE segment in file order (the
 * completion record last).  A nonzero return from fn stops the walk and
 * is returned.
 */
typedef int (*ld_dump_note_fn)(const struct ld_dump_note *n, void *ctx);
int ld_dump__foreach_note(const struct ld_dump *d, ld_dump_note_fn fn, void *ctx);

/* Names for display: "mini", "NT_PRSTATUS"...; "?" when unknown. */
const char *ld_dump__capture_type_name(uint32_t type);
const char *ld_dump__note_type_name(const char *owner, uint32_t type);

#endif /* LIVEDUMP_DUMP_READER_H */
