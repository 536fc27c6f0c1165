/* SPDX-License-Identifier: MIT */
/*
 * The livedump dump file: an ELF core (ET_CORE) that gdb and elfutils open
 * as it is, plus livedump's own notes (owner "LIVEDUMP").  docs/dump-format.md
 * describes it for people writing their own reader; this header is the
 * authority.  Every livedump note starts with fixed fields and may grow at
 * the end: readers accept a note longer than they know and reject a
 * shorter one.
 *
 * File layout (offsets increase; nothing is written out of order, so the
 * file can be produced by a sequential sink):
 *   Elf64_Ehdr
 *   Elf64_Phdr[]   PT_NOTE (metadata), PT_LOAD..., PT_NOTE (trailer)
 *   metadata notes standard CORE notes, then LIVEDUMP notes
 *   PT_LOAD data   page-aligned file offsets
 *   trailer note   LD_NT_COMPLETE, always the last bytes of the file
 */
#ifndef LIVEDUMP_DUMPFMT_H
#define LIVEDUMP_DUMPFMT_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

/* Core note types older <elf.h> headers lack. */
#ifndef NT_FILE
#define NT_FILE		0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO	0x53494749
#endif
#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE	0x202
#endif

#define LD_NOTE_OWNER		"LIVEDUMP"
#define LD_FORMAT_MAJOR		1
#define LD_FORMAT_MINOR		8
#define LD_HEADER_MAGIC		0x504d444cU	/* "LDMP" */
#define LD_COMPLETE_MAGIC	0x454e4f444c44ULL	/* "LDDONE" */
#define LD_PAGE_SIZE		4096

enum ld_note_type {
	LD_NT_HEADER	 = 0x4c440001,	/* struct ld_note_header */
	LD_NT_TRIGGER	 = 0x4c440002,	/* the detector's record (src/kabi/records.h) */
	LD_NT_THREADS	 = 0x4c440003,	/* struct ld_note_table + ld_note_thread[] */
	LD_NT_REGIONS	 = 0x4c440004,	/* struct ld_note_table + ld_note_region[] */
	LD_NT_BLOB	 = 0x4c440005,	/* struct ld_note_blob + data, one note per blob */
	LD_NT_FDS	 = 0x4c440006,	/* struct ld_note_table + ld_note_fd records */
	LD_NT_MAPS	 = 0x4c440007,	/* text of /proc/PID/maps */
	LD_NT_CMDLINE	 = 0x4c440008,	/* NUL-separated argv */
	LD_NT_MODULES	 = 0x4c440009,	/* struct ld_note_table + ld_note_module records */
	LD_NT_CAPTURE	 = 0x4c44000c,	/* struct ld_note_capture: how the memory was captured */
	LD_NT_HISTORY	 = 0x4c44000a,	/* struct ld_note_history + struct ld_hist_ev[] (livedump/history.h) */
	LD_NT_KSTACK	 = 0x4c44000b,	/* struct ld_note_table + ld_note_kstack records */
	LD_NT_KPROC	 = 0x4c440010,	/* struct ld_note_kproc + cgroup path + /proc/PID/cgroup (+ unit, container: 1.5) */
	LD_NT_ISSUE_TEXT = 0x4c440013,	/* "key=value\n" lines the detector found (assertion, file, ...) */
	LD_NT_RULES	 = 0x4c440014,	/* the collector's rule names, NUL-terminated, by index (1.3) */
	LD_NT_ENVIRON	 = 0x4c440020,	/* NUL-separated environment, as /proc/PID/environ (1.4) */
	LD_NT_CWD	 = 0x4c440021,	/* the working directory, NUL-terminated (1.4) */
	LD_NT_LIMITS	 = 0x4c440022,	/* struct ld_note_table + ld_note_limit[] (1.4) */
	LD_NT_SOCKETS	 = 0x4c440023,	/* struct ld_note_table + ld_note_socket records (1.4) */
	LD_NT_HIDDEN	 = 0x4c440015,	/* struct ld_note_hidden + ld_hidden_range[] (1.5) */
	LD_NT_KOBJ	 = 0x4c440030,	/* struct ld_note_kobj + ld_note_kobj_ent[] + bytes + BTF (1.6) */
	LD_NT_DSTATE	 = 0x4c440031,	/* struct ld_note_table + ld_note_dstate records (1.6) */
	LD_NT_DISK	 = 0x4c440032,	/* struct ld_note_disk + diskstats line + queue attributes (1.6) */
	LD_NT_KMSG	 = 0x4c440033,	/* struct ld_note_kmsg + /dev/kmsg records (1.6) */
	LD_NT_COMPLETE	 = 0x4c44000f,	/* struct ld_note_complete + ld_range[] */
};

enum ld_capture_type {
	LD_CAPTURE_CONTEXT = 0,	/* kernel context only, no process memory */
	LD_CAPTURE_MINI = 1,	/* threads, stacks, registered regions, metadata */
	LD_CAPTURE_FULL = 2,	/* every mapping a core would hold (LD_NT_HIDDEN) */
};

enum ld_issue_type {
	LD_ISSUE_APP = 1,	/* livedump_trigger() */
	LD_ISSUE_MANUAL = 2,	/* livedump capture -p */
	LD_ISSUE_SYSCALL = 3,	/* a syscall failed or was slow: code = nr, params = ret, latency ns, arg0, arg1 */
	LD_ISSUE_BLOCK = 4,	/* a block request failed or was slow: code = dev, params = -errno, latency ns, sector, bytes */
	LD_ISSUE_PROBE = 5,	/* a probe rule: code = detector, params = arg1, arg2, arg3, ret */
	LD_ISSUE_SIGNAL = 6,	/* code = signal, params = si_code, fault address, sender pid, fatal */
	LD_ISSUE_ABORT = 7,	/* libc abort() */
	LD_ISSUE_ASSERT = 8,	/* libc __assert_fail(): params[0] = line; LD_NT_ISSUE_TEXT has the text */
	LD_ISSUE_EXIT = 9,	/* code = status, params = signal, runtime ns, cpu ns, peak RSS KiB */
	LD_ISSUE_OOM = 10,	/* code = 0, params = anon RSS KiB, total VM KiB, file RSS KiB, oom_score_adj */
	LD_ISSUE_THRESHOLD = 11,	/* code = metric (1 cpu, 2 rss, 3 threads, 4 fds), params = value, threshold, held ns */
};

/* ld_note_header.flags */
#define LD_HDR_SIZE_LIMIT	(1U << 0)	/* memory left out to respect a size limit */
#define LD_HDR_UNREADABLE	(1U << 1)	/* a registered region or blob could not be read */
#define LD_HDR_NO_REGISTRY	(1U << 2)	/* no client registry found in the process */
#define LD_HDR_CUT		(1U << 3)	/* capture stopped early (ld_note_capture.cut says why) */
#define LD_HDR_HIDDEN_TAKEN	(1U << 4)	/* holds memory the process hid from dumps (LD_NT_HIDDEN) */
#define LD_HDR_SNAPSHOT		(1U << 8)	/* memory read from a copy-on-write snapshot */
#define LD_HDR_SNAPSHOT_FALLBACK (1U << 9)	/* a snapshot was wanted: plain capture instead */
#define LD_HDR_NO_ENVIRON	(1U << 10)	/* the environment was left out (rule environ=no) */

struct ld_note_header {
	uint32_t magic;			/* LD_HEADER_MAGIC */
	uint16_t format_major;		/* incompatible changes */
	uint16_t format_minor;		/* compatible additions */
	uint32_t size;			/* sizeof this struct as written */
	uint32_t capture_type;		/* enum ld_capture_type */
	uint32_t issue_type;		/* enum ld_issue_type: what readers before 1.3 know */
	uint32_t flags;			/* LD_HDR_* */
	uint32_t code;			/* trigger code */
	uint32_t pid;
	uint32_t tid;			/* thread that hit the issue */
	uint32_t nthreads;
	uint64_t params[4];		/* params[0]: trigger parameter */
	uint64_t issue_time_ns;		/* CLOCK_REALTIME of the in-kernel issue */
	uint64_t capture_start_ns;	/* CLOCK_REALTIME */
	uint64_t capture_end_ns;	/* when the process was released */
	uint64_t pause_ns;		/* time the process was stopped by us */
	char rule[64];			/* rule or component name */
	char comm[16];
	char hostname[65];
	char kernel_release[65];
	char collector_version[32];
	char exe[256];
	char pad[6];
	/* format 1.3 */
	uint32_t detector;		/* enum ld_detector (kabi/records.h); 0 in older dumps */
	uint32_t pad2;
};

/* Header of the table notes: fixed-size entries unless entry_size is 0. */
struct ld_note_table {
	uint32_t count;
	uint32_t entry_size;
};

#define LD_THR_TRIGGER		(1U << 0)	/* the thread that hit the issue */
#define LD_THR_NO_REGS		(1U << 1)	/* registers could not be read */

struct ld_note_thread {
	uint32_t tid;
	uint32_t flags;			/* LD_THR_* */
	char name[16];
	char state;			/* from /proc/PID/task/TID/stat before the stop */
	char pad[7];
	int64_t syscall;		/* syscall it was in, -1 none */
	uint64_t stack_lo;		/* captured stack [lo, hi) */
	uint64_t stack_hi;
};

#define LD_REG_UNREADABLE	(1U << 0)	/* part of the bytes could not be read */
#define LD_REG_TRUNCATED	(1U << 1)	/* longer than the capture limit */
#define LD_REG_EXCLUDED		(1U << 2)	/* left out by request */
#define LD_REG_CLAMPED		(1U << 3)	/* beyond the client's limit or the process's
						 * mappings: only the part within was read */
#define LD_REG_HIDDEN		(1U << 4)	/* in memory the process hid from dumps (LD_NT_HIDDEN):
						 * left out (with LD_REG_EXCLUDED) unless the rule took it */

struct ld_note_region {
	uint64_t addr;
	uint64_t len;			/* as registered */
	uint64_t captured;		/* bytes present in PT_LOAD segments */
	uint32_t crc32;			/* zlib crc32 of the captured bytes */
	uint32_t flags;			/* LD_REG_* */
	char name[32];
};

struct ld_note_blob {
	char tag[32];
	uint64_t addr;			/* where the data was in the process */
	uint64_t len;			/* bytes that follow this struct */
	uint32_t crc32;
	uint32_t flags;			/* LD_REG_UNREADABLE if it could not be read */
};

/* One fd record; `size` covers the struct and its NUL-terminated target. */
struct ld_note_fd {
	uint32_t size;
	int32_t fd;
	uint32_t flags;			/* open flags from fdinfo */
	uint32_t mode;			/* st_mode of the target (S_IFMT bits) */
	uint64_t pos;
	uint64_t ino;
	char target[];			/* readlink of /proc/PID/fd/N */
};

/* One resource limit (LD_NT_LIMITS), as prlimit(2) gives it; RLIM_INFINITY is ~0. */
struct ld_note_limit {
	uint32_t resource;		/* RLIMIT_* */
	uint32_t pad;
	uint64_t cur;			/* soft */
	uint64_t max;			/* hard */
};

/* ld_note_socket.flags */
#define LD_SOCK_PEER		(1U << 0)	/* peer_* are known */
#define LD_SOCK_PEER_INO	(1U << 1)	/* peer_ino is known (UNIX, from sock_diag) */

/*
 * One socket among the fds (LD_NT_SOCKETS, entry_size 0), from the
 * process's own /proc/PID/net tables (its network namespace) and, for UNIX
 * sockets in the collector's namespace, sock_diag's peer.  `size` covers
 * the struct, path_len bytes of its UNIX name and peer_path_len bytes of
 * the peer's (each NUL-terminated when not 0; an abstract name starts with
 * '@'), and padding to a multiple of 8.
 */
struct ld_note_socket {
	uint32_t size;
	int32_t fd;			/* the first fd that holds it */
	uint64_t ino;			/* socket:[ino] */
	uint16_t family;		/* AF_INET, AF_INET6, AF_UNIX */
	uint16_t type;			/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW */
	uint16_t protocol;		/* IPPROTO_TCP, IPPROTO_UDP, ...; 0 for UNIX */
	uint8_t state;			/* TCP_* numbering (TCP_LISTEN 10), as /proc/net shows it */
	uint8_t flags;			/* LD_SOCK_* */
	uint8_t local_addr[16];		/* network byte order; IPv4 in the first 4 bytes */
	uint8_t peer_addr[16];
	uint16_t local_port;		/* host byte order */
	uint16_t peer_port;
	uint32_t peer_ino;		/* UNIX: the peer socket's inode */
	uint32_t path_len;
	uint32_t peer_path_len;
	char data[];
};

/* ld_note_module.flags */
#define LD_MOD_UNREADABLE	(1U << 0)	/* the file could not be read: bias and build-id unknown */
#define LD_MOD_NO_BUILD_ID	(1U << 1)	/* an ELF object without a GNU build-id note */

/*
 * One mapped ELF object (LD_NT_MODULES, entry_size 0): `size` covers the
 * struct, build_id_len bytes of GNU build-id, the NUL-terminated path and
 * padding to a multiple of 8.  Analysis on another machine finds the same
 * binaries and their debug info by build-id.
 */
struct ld_note_module {
	uint32_t size;
	uint32_t flags;			/* LD_MOD_* */
	uint64_t start;			/* lowest address the file is mapped at */
	uint64_t end;			/* end of its highest mapping */
	uint64_t bias;			/* load bias: run-time minus link-time address */
	uint32_t build_id_len;		/* 0: none */
	uint32_t pad;
	unsigned char data[];		/* build-id, then the path */
};

struct ld_range {
	uint64_t addr;
	uint64_t len;
};

/* ld_note_capture.flags */
#define LD_CAP_SNAPSHOT		(1U << 0)	/* memory read from a snapshot (LD_HDR_SNAPSHOT) */
#define LD_CAP_FALLBACK		(1U << 1)	/* a snapshot was wanted and could not be made */
#define LD_CAP_CUT		(1U << 2)	/* stopped early: the hold's deadline, or a stop request */

/*
 * How the memory was captured (LD_NT_CAPTURE, optional, format 1.0):
 * timings of the freeze and the snapshot, and why there is no snapshot
 * when one was wanted.
 */
struct ld_note_capture {
	uint32_t size;			/* sizeof this struct as written */
	uint32_t flags;			/* LD_CAP_* */
	uint64_t frozen_ns;		/* CLOCK_REALTIME when every thread was held by ptrace */
	uint64_t seen_stopped_ns;	/* CLOCK_REALTIME when the collector first saw the thread
					 * BPF stopped at the issue stopped (0: not seen so) */
	uint64_t snapshot_ns;		/* time making the snapshot took (inside the pause) */
	int32_t snapshot_err;		/* fallback: the errno that stopped it (positive) */
	uint32_t snapshot_pid;		/* pid the copy had (gone once the dump is written) */
	uint64_t nofork_bytes;		/* MADV_DONTFORK/WIPEONFORK memory read from the original */
	char fallback[96];		/* fallback: why, for people */
	/* format 1.1 */
	uint64_t stopped_ns;		/* CLOCK_REALTIME when the kernel stopped the thread BPF
					 * stopped at the issue (0: unknown) */
	/* format 1.2 */
	char cut[96];			/* LD_CAP_CUT: why the capture stopped early, for people */
};

/* Notes written by format 1.0 end here: readers take them, with 0 for the rest. */
#define LD_NOTE_CAPTURE_SIZE_1_0	offsetof(struct ld_note_capture, stopped_ns)

/* ld_note_hidden.flags: what the rule's hidden= chose */
#define LD_HID_TAKE_ALL		(1U << 0)	/* hidden=all (forensic): all of it is in the dump */
#define LD_HID_TAKE_REGIONS	(1U << 1)	/* hidden=regions: registered regions in it are */
#define LD_HID_NO_FILTER	(1U << 2)	/* coredump_filter unreadable: the kernel's default used */
#define LD_HID_KERNEL_CORE	(1U << 3)	/* memory from the kernel's core (crash path): it
						 * left these out, as coredump_filter and MADV_DONTDUMP say */

/* ld_hidden_range.why */
enum ld_hidden_why {
	LD_HIDDEN_DONTDUMP = 1,		/* VM_DONTDUMP ("dd"): madvise(MADV_DONTDUMP), or a
					 * mapping the kernel never dumps */
	LD_HIDDEN_IO = 2,		/* VM_IO ("io"): device memory */
	LD_HIDDEN_FILTER = 3,		/* coredump_filter leaves memory of its kind out */
	LD_HIDDEN_CORE = 4,		/* not in the kernel's core (LD_HID_KERNEL_CORE) */
	LD_HIDDEN_CHANGED = 5,		/* its mapping changed before its flags were read (a mini
					 * dump reads them after the process runs again): left out */
	LD_HIDDEN_ENVIRON = 6,		/* the environment's strings, left out by environ=no */
};

/* ld_hidden_range.flags */
#define LD_HIDR_TAKEN		(1U << 0)	/* in the dump anyway (hidden=all, or a registered
						 * region with hidden=regions) */

/*
 * LD_NT_HIDDEN (format 1.5): memory the capture wanted that the process
 * hid from its dumps, as the kernel decides for a core (vma_dump_size():
 * MADV_DONTDUMP, VM_IO, /proc/PID/coredump_filter), each range once, in
 * address order: left out (no PT_LOAD covers it), or LD_HIDR_TAKEN.
 */
struct ld_note_hidden {
	uint32_t size;			/* of this struct as written */
	uint32_t flags;			/* LD_HID_* */
	uint32_t coredump_filter;	/* as read from /proc/PID/coredump_filter */
	uint32_t count;			/* ranges that follow */
	uint32_t entry_size;		/* bytes per range */
	uint32_t pad;
	uint64_t left_out_bytes;	/* of the ranges not taken */
};

struct ld_hidden_range {
	uint64_t addr;
	uint64_t len;
	uint32_t why;			/* enum ld_hidden_why */
	uint32_t kind;			/* its kind as coredump_filter's bit numbers it: 0 anonymous
					 * private, 1 anonymous shared, 2 file private, 3 file
					 * shared, 5 hugetlb private, 6 hugetlb shared; 0xff unknown */
	uint32_t flags;			/* LD_HIDR_* */
	uint32_t pad;
};

#define LD_COMPLETE_MAX_RANGES	64

/*
 * The trailer: written last, at a size fixed before the dump starts, so a
 * file without it was cut.  Unreadable ranges beyond the capacity are
 * merged into the last entry.
 */
struct ld_note_complete {
	uint64_t magic;			/* LD_COMPLETE_MAGIC */
	uint64_t file_size;		/* size of the whole file */
	uint64_t memory_bytes;		/* bytes in PT_LOAD segments */
	uint64_t unreadable_bytes;
	uint32_t meta_crc32;		/* crc32 of the metadata PT_NOTE segment */
	uint32_t nranges;		/* unreadable ranges that follow */
	uint64_t end_time_ns;		/* CLOCK_REALTIME when the file was complete */
	struct ld_range ranges[LD_COMPLETE_MAX_RANGES];
};


/*
 * LD_NT_HISTORY: the flight recorder's events of the process, oldest
 * first; each entry is a struct ld_hist_ev (src/kabi/history.h)
 * of entry_size bytes.  Times are CLOCK_MONOTONIC; show them relative to
 * issue_ktime_ns.
 */
#define LD_HISTF_FROZEN		(1U << 0)	/* frozen by the issue: nothing after it was recorded */
#define LD_HISTF_WRAPPED	(1U << 1)	/* older events were overwritten */

struct ld_note_history {
	uint32_t size;			/* of this struct as written */
	uint32_t entry_size;		/* bytes per event */
	uint32_t count;			/* events that follow */
	uint32_t depth;			/* events the kernel kept per process */
	uint32_t wanted;		/* events the rule asked for (history=N) */
	uint32_t flags;			/* LD_HISTF_* */
	uint64_t issue_ktime_ns;	/* the issue, CLOCK_MONOTONIC; 0 unknown */
	uint64_t frozen_ktime_ns;	/* when it was frozen, 0 not frozen */
	uint64_t total;			/* events recorded since the process got its ring */
	uint64_t dropped;		/* events not recorded while it was frozen */
	uint64_t realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC at capture */
};

/* ld_note_kstack.flags */
#define LD_KS_TRIGGER		(1U << 0)	/* the thread of the issue */
#define LD_KS_OTHER_CTX		(1U << 1)	/* taken in another task's context (ctx_tid): an interrupt */
#define LD_KS_USER		(1U << 2)	/* the issue was in user space: no kernel frames */

/*
 * One kernel stack (LD_NT_KSTACK, entry_size 0): the struct, nframes
 * 8-byte addresses (0 where /proc hid them), nframes NUL-terminated
 * symbols ("func+0x1a/0x80 [module]", symbolized when the dump was
 * taken), padding to a multiple of 8; `size` covers it all.
 */
struct ld_note_kstack {
	uint32_t size;
	uint32_t tid;			/* thread, as the collector's pid namespace sees it */
	uint32_t ns_tid;		/* ... and its own */
	uint32_t source;		/* 1 BPF at the issue, 2 BPF as it woke for the stop, 3 /proc at capture */
	uint32_t nframes;
	uint32_t flags;			/* LD_KS_* */
	uint32_t ctx_tid;		/* whose context it was taken in */
	int32_t syscall;		/* the syscall it was in, -1 none or unknown */
	uint64_t ktime_ns;		/* when (CLOCK_MONOTONIC), 0 for /proc */
	char state;			/* R S D T t I ... when taken, 0 unknown */
	char pad[7];
	/* uint64_t addrs[nframes]; char syms[]; */
};

/* ld_note_kproc.ns[] order */
enum ld_ns_index {
	LD_NS_PID, LD_NS_PID_CHILDREN, LD_NS_MNT, LD_NS_NET, LD_NS_UTS, LD_NS_IPC,
	LD_NS_USER, LD_NS_CGROUP, LD_NS_TIME, LD_NS_TIME_CHILDREN, LD_NS_COUNT = 10,
};

#define LD_KPROC_LEVELS		8

/*
 * LD_NT_KPROC: the process as the kernel sees it, then cgroup_len bytes
 * of its cgroup v2 path and cgroups_len bytes of /proc/PID/cgroup, each
 * NUL-terminated; from format 1.5, "key=value" strings after them (unit,
 * container: docs/dump-format.md), which older readers do not reach.
 */
struct ld_note_kproc {
	uint32_t size;			/* of this struct as written */
	uint32_t levels;		/* pid namespace levels: valid entries of nstgid */
	uint32_t nstgid[LD_KPROC_LEVELS];	/* its pid in each, the collector's first, its own last */
	uint32_t ppid;
	uint32_t uid, euid, gid, egid;
	uint32_t ns_own;		/* bit LD_NS_*: differs from the collector's namespace */
	char state;			/* R S D T ... from /proc/PID/status at capture */
	char pad[7];
	uint64_t cgroup_id;		/* cgroup v2 id (inode of its directory), 0 unknown */
	uint64_t ns[LD_NS_COUNT];	/* namespace inodes, 0 unknown */
	uint32_t cgroup_len;		/* bytes after the struct: the v2 path and its NUL */
	uint32_t cgroups_len;		/* then /proc/PID/cgroup and its NUL */
};

/*
 * LD_NT_KOBJ (format 1.6): kernel objects BPF copied at the issue, with
 * their types (docs/kernel-dumps.md), and since 1.8 the object each one
 * was followed from by a pointer.  The note holds this struct, count
 * entries, the objects' bytes and a BTF (the kernel's BTF format, no
 * base) holding their types and what those reference by value; structs
 * reached only through pointers are forward declarations.  Offsets are
 * from the start of the note's description.
 */
struct ld_note_kobj {
	uint32_t size;			/* of this struct as written */
	uint32_t count;			/* ld_note_kobj_ent that follow it */
	uint32_t entry_size;		/* bytes per entry */
	uint32_t btf_off;		/* the BTF: 0 and btf_len 0 when none */
	uint32_t btf_len;
	uint32_t flags;			/* 0 */
};

/* ld_note_kobj_ent.flags: LD_KOF_* of kabi/records.h, and */
#define LD_KOF_NO_TYPE		(1U << 8)	/* its type was not found: bytes only (type_id 0) */

struct ld_note_kobj_ent {
	uint64_t addr;			/* where it is in the kernel */
	uint32_t type_id;		/* in the note's BTF; 0: none */
	uint32_t kernel_type_id;	/* in the BTF of the kernel it was copied on */
	uint32_t size;			/* its type's size */
	uint32_t len;			/* bytes at off */
	uint32_t off;
	uint16_t role;			/* enum ld_kobj_role (kabi/records.h) */
	uint16_t flags;			/* LD_KOF_* */
	uint32_t arg;			/* a probe argument's number, 1-based; else 0 */
	uint32_t path_off;		/* a file object's path, NUL-terminated (1.7); 0: none */
	char name[32];			/* the role, for people: "request", "arg1" */
	/* 1.8: the object it was reached from by a pointer (docs/kernel-dumps.md) */
	uint32_t parent;		/* 1 + that entry's index, which is below this one's; 0: a root */
	uint32_t field_off;		/* the pointer's offset in the parent */
	uint32_t via_off;		/* the member path followed ("bio", "chosen->mm"), NUL-terminated; 0: none */
	uint32_t pad;			/* 0 */
};

/* ld_note_kobj_ent as format 1.6 and 1.7 wrote it: readers accept entries this long */
#define LD_NOTE_KOBJ_ENT_V1	72

/*
 * One task in uninterruptible sleep (LD_NT_DSTATE, entry_size 0), seen
 * when the collector took the issue: `size` covers the struct, its
 * /proc/PID/task/TID/stack text and NUL, and padding to a multiple of 8.
 */
struct ld_note_dstate {
	uint32_t size;
	uint32_t pid;
	uint32_t tid;
	uint32_t stack_len;		/* bytes of text, its NUL not counted */
	char comm[16];
	char wchan[48];			/* /proc/PID/task/TID/wchan */
};

/*
 * LD_NT_DISK: the device of a block issue as the collector found it: its
 * /proc/diskstats line, then "name=value\n" lines of /sys/block/DISK/queue/
 * (the whole disk's, for a partition).
 */
struct ld_note_disk {
	uint32_t size;			/* of this struct as written */
	uint32_t dev;			/* kernel dev_t: major << 20 | minor */
	char name[32];
	uint32_t stats_len;		/* bytes of the diskstats line that follows */
	uint32_t attrs_len;		/* then the attributes */
};

/*
 * LD_NT_KMSG: the kernel log around the issue, from /dev/kmsg: records
 * "PRIO,SEQ,TS_US,FLAGS;TEXT\n" as the kernel gives them (their
 * continuation lines dropped) whose TS_US falls in [from_us, to_us].
 */
struct ld_note_kmsg {
	uint32_t size;			/* of this struct as written */
	uint32_t count;			/* records that follow */
	uint64_t from_us;		/* the window, in the log's clock: microseconds since boot */
	uint64_t to_us;
	uint32_t flags;			/* LD_KMSG_* */
	uint32_t pad;
};

#define LD_KMSG_LOST		(1U << 0)	/* records were overwritten while it was read (EPIPE) */
#define LD_KMSG_CUT		(1U << 1)	/* more records than the note keeps: the first ones */

_Static_assert(sizeof(struct ld_note_kobj) == 24 && sizeof(struct ld_note_kobj_ent) == 88 &&
	       offsetof(struct ld_note_kobj_ent, parent) == LD_NOTE_KOBJ_ENT_V1, "kobj layout");
_Static_assert(sizeof(struct ld_note_dstate) == 80, "dstate layout");
_Static_assert(sizeof(struct ld_note_disk) == 48, "disk layout");
_Static_assert(sizeof(struct ld_note_kmsg) == 32, "kmsg layout");
_Static_assert(sizeof(struct ld_note_header) == 616, "header layout");
_Static_assert(sizeof(struct ld_note_thread) == 56, "thread layout");
_Static_assert(sizeof(struct ld_note_region) == 64, "region layout");
_Static_assert(sizeof(struct ld_note_module) == 40, "module layout");
_Static_assert(sizeof(struct ld_note_capture) == 248 && LD_NOTE_CAPTURE_SIZE_1_0 == 144,
	       "capture layout");
_Static_assert(sizeof(struct ld_note_history) == 64, "history layout");
_Static_assert(sizeof(struct ld_note_kstack) == 48, "kstack layout");
_Static_assert(sizeof(struct ld_note_kproc) == 168, "kproc layout");
_Static_assert(sizeof(struct ld_note_hidden) == 32 && sizeof(struct ld_hidden_range) == 32,
	       "hidden layout");

#endif /* LIVEDUMP_DUMPFMT_H */
