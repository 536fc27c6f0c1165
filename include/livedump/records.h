/* SPDX-License-Identifier: MIT */
/*
 * Records that BPF programs send to the collector through the ring buffer.
 * Shared verbatim by bpf/ and src/; every record starts with ld_event_hdr
 * and `hdr.size` is the record's size, so readers can skip unknown types.
 */
#ifndef LIVEDUMP_RECORDS_H
#define LIVEDUMP_RECORDS_H

#include "abi.h"

#define LD_COMM_LEN	16

enum ld_event_type {
	LD_EV_APP_TRIGGER = 1,	/* livedump_trigger() in a watched process */
};

/* ld_event_hdr.flags */
#define LD_EVF_FROZEN	(1U << 0)	/* BPF sent SIGSTOP to the process */

/* struct pt_regs of x86-64, which is also the head of user_regs_struct. */
struct ld_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10;
	__u64 r9, r8, ax, cx, dx, si, di, orig_ax;
	__u64 ip, cs, flags, sp, ss;
};

struct ld_event_hdr {
	__u32 type;		/* enum ld_event_type */
	__u32 size;		/* whole record */
	__u64 ktime_ns;		/* bpf_ktime_get_ns() at the issue */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 flags;		/* LD_EVF_* */
	__u32 cpu;
	char comm[LD_COMM_LEN];
};

struct ld_app_trigger {
	struct ld_event_hdr hdr;
	__u64 req_addr;		/* struct ld_trigger_req * in the target */
	struct ld_trigger_req req;	/* as read at the probe */
	struct ld_regs regs;		/* user registers at the probe */
	struct ld_blob_desc blobs[LD_MAX_BLOBS];	/* req.nblobs valid */
};

/* Keys of the watch filter maps. */
struct ld_exe_key {
	__u64 dev;
	__u64 ino;
};

#endif /* LIVEDUMP_RECORDS_H */
