/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The block detector: a request fails or is slow, judged at its
 * completion, and blamed on the process that issued it.
 * Included once, by livedump.bpf.c; its collector side is
 * src/detectors/block.c.
 */
#ifndef LIVEDUMP_DET_BLOCK_BPF_H
#define LIVEDUMP_DET_BLOCK_BPF_H

#include "rules.bpf.h"
#include "history.bpf.h"

struct blk_issue {
	struct ld_match who;	/* the issuer: identity preset for the rules */
	__u64 ts;
	__u64 sector;
	__u32 tid, bytes, dev, op;
};

/* request -> its issuer, for watched processes only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct blk_issue);
} blk_issued SEC(".maps");

/*
 * blk_status_t -> errno, as blk_status_to_errno() maps them; the first
 * values have kept their numbers since 4.13.
 */
static __always_inline int blk_errno(__u32 status)
{
	switch (status) {
	case 0: return 0;
	case 1: return 95;	/* BLK_STS_NOTSUPP: EOPNOTSUPP */
	case 2: return 110;	/* BLK_STS_TIMEOUT: ETIMEDOUT */
	case 3: return 28;	/* BLK_STS_NOSPC: ENOSPC */
	case 4: return 67;	/* BLK_STS_TRANSPORT: ENOLINK */
	case 5: return 121;	/* BLK_STS_TARGET: EREMOTEIO */
	case 7: return 61;	/* BLK_STS_MEDIUM: ENODATA */
	case 8: return 84;	/* BLK_STS_PROTECTION: EILSEQ */
	case 9: return 12;	/* BLK_STS_RESOURCE: ENOMEM */
	case 12: return 11;	/* BLK_STS_AGAIN: EAGAIN */
	case 13: return 16;	/* BLK_STS_DEV_RESOURCE: EBUSY */
	default: return 5;	/* BLK_STS_IOERR and the rest: EIO */
	}
}

/*
 * bio -> its submitter.  Where the request is issued from a worker (6.1
 * issues loop requests from kblockd), the bio still names who wrote.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct blk_issue);
} blk_submitters SEC(".maps");

static __always_inline void blk_who(struct blk_issue *bi)
{
	ld_identity_current(&bi->who);
	bi->who.preset = true;
	ld_cgroups_preset(LD_DET_BLOCK, &bi->who);
	bi->tid = (__u32)bpf_get_current_pid_tgid();
}

SEC("tp_btf/block_bio_queue")
int BPF_PROG(ld_blk_bio, struct bio *bio)
{
	struct blk_issue bi = {};
	__u64 key = (__u64)bio;

	if (!ld_current_watched())
		return 0;
	ld_hist_blk_submitter(bpf_get_current_task_btf());
	blk_who(&bi);
	bpf_map_update_elem(&blk_submitters, &key, &bi, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(ld_blk_issue, struct request *rq)
{
	__u64 bio = (__u64)BPF_CORE_READ(rq, bio), key = (__u64)rq;
	struct blk_issue *sub = bpf_map_lookup_elem(&blk_submitters, &bio);
	struct blk_issue bi = {};

	if (sub) {
		bi = *sub;
		bpf_map_delete_elem(&blk_submitters, &bio);
	} else if (ld_current_watched()) {
		blk_who(&bi);
	} else {
		return 0;
	}
	bi.ts = bpf_ktime_get_ns();
	bi.sector = BPF_CORE_READ(rq, __sector);
	bi.bytes = BPF_CORE_READ(rq, __data_len);
	bi.op = BPF_CORE_READ(rq, cmd_flags) & 0xff;	/* REQ_OP_MASK */
	bi.dev = BPF_CORE_READ(rq, part, bd_dev);
	bpf_map_update_elem(&blk_issued, &key, &bi, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(ld_blk_complete, struct request *rq, blk_status_t status, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq;
	struct blk_issue *bp = bpf_map_lookup_elem(&blk_issued, &key);
	struct ld_block_event *e;
	struct ld_match m;
	int err;

	if (!bp)
		return 0;
	m = bp->who;
	bpf_map_delete_elem(&blk_issued, &key);
	err = blk_errno(status);
	m.now = bpf_ktime_get_ns();
	m.code = bp->dev;
	m.param = err;
	m.ret = -err;
	m.latency = m.now - bp->ts;
	if (!ld_rules_match(LD_DET_BLOCK, &m))
		return 0;
	if (hist_on)
		ld_hist_blk_done(rq, status);	/* before the freeze: shown done, not in flight */

	e = ld_event_reserve(LD_DET_BLOCK, sizeof(*e));
	if (!e)
		return 0;
	/* Not the current task's identity: it is whoever the completion interrupted. */
	ld_event_init_hdr(&e->hdr, LD_DET_BLOCK, sizeof(*e), m.now);
	/* The issuer, not whoever runs the completion. */
	e->hdr.pid = m.tgid;
	e->hdr.tid = bp->tid;
	__builtin_memcpy(e->hdr.comm, m.comm, sizeof(e->hdr.comm));
	ld_event_rule(&e->hdr, &m);
	e->hdr.verdict = m.verdict;
	ld_history_issue(ctx, &e->hdr, m.code, m.ret);
	e->dev = bp->dev;
	e->op = bp->op;
	e->sector = bp->sector;
	e->bytes = bp->bytes;
	e->status = status;
	e->error = -err;
	e->pad = 0;
	e->issue_ktime_ns = bp->ts;
	e->latency_ns = m.latency;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* LIVEDUMP_DET_BLOCK_BPF_H */
