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
#include "kobj.bpf.h"

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

/*
 * The objects a failed or slow request's dump holds, each in a slot of
 * its own: sized for 6.1 and 6.18 with room to grow (6.18: request 248,
 * bio 120, gendisk 568, request_queue 984, blk_mq_hw_ctx 512 bytes).
 */
#define BLK_KO_RQ	0
#define BLK_KO_RQ_CAP	512
#define BLK_KO_BIO	(BLK_KO_RQ + BLK_KO_RQ_CAP)
#define BLK_KO_BIO_CAP	256
#define BLK_KO_DISK	(BLK_KO_BIO + BLK_KO_BIO_CAP)
#define BLK_KO_DISK_CAP	1536
#define BLK_KO_Q	(BLK_KO_DISK + BLK_KO_DISK_CAP)
#define BLK_KO_Q_CAP	3072
#define BLK_KO_HCTX	(BLK_KO_Q + BLK_KO_Q_CAP)
#define BLK_KO_HCTX_CAP	1024
#define BLK_KO_SIZE	(BLK_KO_HCTX + BLK_KO_HCTX_CAP)

struct ld_block_kobj_event {
	struct ld_block_event e;	/* record_size bytes: the set follows */
	struct ld_kobj_set set;
	__u8 data[BLK_KO_SIZE];
};

/*
 * The gendisk: q->disk (d152c682f03c, 5.15) in the queue's copy; before
 * 5.17 the request's own rq_disk (removed by f3fa33acca9f, "block: remove
 * the ->rq_disk field in struct request"); else part->bd_disk, through
 * the block_device, which is not copied.
 */
struct request___rq_disk {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/*
 * The request, as it is at completion, and what it points to: its first
 * bio, its queue and hardware queue (slots 1..3, followed from the
 * request's copy), and its disk (slot 4: the queue's, two levels down).
 */
static __always_inline void blk_kobjs(struct ld_block_kobj_event *k, struct request *rq)
{
	struct ld_kobj_set *set = &k->set;
	struct request___rq_disk *old = (void *)rq;
	__u32 rql = LD_KOBJ_LEN(struct request, BLK_KO_RQ_CAP);
	__u32 ql = LD_KOBJ_LEN(struct request_queue, BLK_KO_Q_CAP);
	struct request_queue *q = NULL;
	bool disk = false, have_q;

	ld_kobj_init(set, sizeof(k->data));
	if (!LD_KOBJ_PUT(set, k->data, 0, BLK_KO_RQ, BLK_KO_RQ_CAP, rq, struct request,
			 LD_KOBJ_REQUEST))
		return;
	LD_KOBJ_FOLLOW(set, k->data, 1, BLK_KO_BIO, BLK_KO_BIO_CAP, 0, BLK_KO_RQ, rql,
		       bpf_core_field_offset(rq->bio), LD_KOBJ_NO_HOP, struct bio, LD_KOBJ_BIO);
	have_q = LD_KOBJ_FOLLOW(set, k->data, 2, BLK_KO_Q, BLK_KO_Q_CAP, 0, BLK_KO_RQ, rql,
				bpf_core_field_offset(rq->q), LD_KOBJ_NO_HOP, struct request_queue,
				LD_KOBJ_QUEUE);
	LD_KOBJ_FOLLOW(set, k->data, 3, BLK_KO_HCTX, BLK_KO_HCTX_CAP, 0, BLK_KO_RQ, rql,
		       bpf_core_field_offset(rq->mq_hctx), LD_KOBJ_NO_HOP, struct blk_mq_hw_ctx,
		       LD_KOBJ_HCTX);
	if (have_q && bpf_core_field_exists(q->disk))
		disk = LD_KOBJ_FOLLOW(set, k->data, 4, BLK_KO_DISK, BLK_KO_DISK_CAP, 2, BLK_KO_Q, ql,
				      bpf_core_field_offset(q->disk), LD_KOBJ_NO_HOP,
				      struct gendisk, LD_KOBJ_GENDISK);
	if (!disk && bpf_core_field_exists(old->rq_disk))
		disk = LD_KOBJ_FOLLOW(set, k->data, 4, BLK_KO_DISK, BLK_KO_DISK_CAP, 0, BLK_KO_RQ, rql,
				      bpf_core_field_offset(old->rq_disk), LD_KOBJ_NO_HOP,
				      struct gendisk, LD_KOBJ_GENDISK);
	if (!disk)
		LD_KOBJ_FOLLOW(set, k->data, 4, BLK_KO_DISK, BLK_KO_DISK_CAP, 0, BLK_KO_RQ, rql,
			       bpf_core_field_offset(rq->part),
			       bpf_core_field_offset(struct block_device, bd_disk), struct gendisk,
			       LD_KOBJ_GENDISK);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(ld_blk_complete, struct request *rq, blk_status_t status, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq;
	struct blk_issue *bp = bpf_map_lookup_elem(&blk_issued, &key);
	struct ld_block_kobj_event *k = NULL;
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

	/* Only a dump takes the objects: declined records stay small. */
	if (m.verdict == LD_VERDICT_DUMP) {
		k = ld_event_reserve(LD_DET_BLOCK, sizeof(*k));
		e = k ? &k->e : NULL;
	} else {
		e = ld_event_reserve(LD_DET_BLOCK, sizeof(*e));
	}
	if (!e)
		return 0;
	/* Not the current task's identity: it is whoever the completion interrupted. */
	ld_event_init_hdr(&e->hdr, LD_DET_BLOCK, k ? sizeof(*k) : sizeof(*e), m.now);
	if (k) {
		e->hdr.flags |= LD_EVF_KOBJ;
		blk_kobjs(k, rq);
	}
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
