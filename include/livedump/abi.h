/* SPDX-License-Identifier: MIT */
/*
 * The in-process ABI between the client library and the collector.
 *
 * The collector reads these structures out of a target's memory with
 * process_vm_readv, so their layout is fixed: fields are only ever added
 * at the end, and `size` tells a reader how much of a newer layout exists.
 */
#ifndef LIVEDUMP_ABI_H
#define LIVEDUMP_ABI_H

#ifdef __BPF__
/* vmlinux.h provides __u32 / __u64 */
#else
#include <linux/types.h>
#endif

/* Symbol the collector looks up in every mapped ELF object. */
#define LD_REGISTRY_SYMBOL	"livedump_registry"
/* Function the collector puts its uprobe on: void livedump__fire(struct ld_trigger_req *). */
#define LD_FIRE_SYMBOL		"livedump__fire"

#define LD_REGISTRY_MAGIC	0x5453494745524c44ULL	/* "LDREGIST" little-endian */
#define LD_REGISTRY_VERSION	1
#define LD_REGISTRY_SLOTS	256
#define LD_REGION_NAME_MAX	32

/* ld_region_slot.state */
enum ld_slot_state {
	LD_SLOT_FREE = 0,
	LD_SLOT_BUSY = 1,	/* being written or removed: readers skip it */
	LD_SLOT_VALID = 2,
};

struct ld_region_slot {
	__u64 addr;
	__u64 len;
	__u32 state;		/* enum ld_slot_state */
	__u32 seq;		/* bumped on every change of this slot */
	char name[LD_REGION_NAME_MAX];
};

struct ld_registry {
	__u64 magic;		/* LD_REGISTRY_MAGIC */
	__u32 version;		/* LD_REGISTRY_VERSION */
	__u32 size;		/* sizeof(struct ld_registry) of the writer */
	__u32 nslots;
	__u32 slot_size;	/* sizeof(struct ld_region_slot) */
	__u64 generation;	/* bumped after every add/remove */
	__u64 reserved[4];
	struct ld_region_slot slots[LD_REGISTRY_SLOTS];
};

#define LD_TRIGGER_MAGIC	0x4752544cU	/* "LTRG" */
#define LD_TRIGGER_VERSION	1
#define LD_MAX_BLOBS		16
#define LD_MAX_BLOB_LEN		(1U << 20)
#define LD_TAG_MAX		32

/* Same layout as struct livedump_blob on LP64. */
struct ld_blob_desc {
	__u64 tag;		/* const char * */
	__u64 data;		/* const void * */
	__u64 len;
};

/*
 * Built on the caller's stack by livedump_trigger() and passed to
 * livedump__fire().  The collector writes `status` before it lets the
 * thread run again: 1 = dump written, negative errno = capture failed.
 * Nobody writes it when no collector is watching, so it stays 0.
 */
struct ld_trigger_req {
	__u32 magic;		/* LD_TRIGGER_MAGIC */
	__u32 version;
	__u32 size;		/* sizeof(struct ld_trigger_req) */
	__u32 code;
	__u64 param;
	__u64 blobs;		/* const struct ld_blob_desc * */
	__u32 nblobs;
	__s32 status;
};

#endif /* LIVEDUMP_ABI_H */
