// SPDX-License-Identifier: MIT
/*
 * The block detector: a block request fails or is slow.  block_rq_issue
 * remembers who issued a request and when (block_bio_queue the submitter
 * of requests issued from a plug or a worker); block_rq_complete, often in
 * interrupt context, checks the rules and sends the record, which names
 * the issuer: the collector captures it from user space (context by
 * default, as there was no freeze in the kernel).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collector/loader_priv.h"
#include "capture/knotes.h"
#include "detectors/detector.h"
#include "rules/keys.h"
#include "rules/rulecomp.h"

/* error=any or errno names; "any" is stored as 0 */
static int elem_block_error(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			    struct ld_verr *e)
{
	if (!strcmp(s, "any")) {
		((uint32_t *)f)[idx] = 0;
		return 0;
	}
	return ld_key_elem_errno(k, f, idx, s, e);
}

static void fmt_block_error(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	if (((const uint32_t *)f)[idx] == 0)
		ld_sb_printf(sb, "any");
	else
		ld_key_fmt_errno(k, f, idx, sb);
}

/* dev=MAJ:MIN, kept as the kernel's dev_t (20-bit minor) */
static int elem_dev(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	unsigned long maj, min;
	char *end;

	(void)k;
	errno = 0;
	maj = strtoul(s, &end, 10);
	if (end == s || *end != ':' || maj > 4095)
		goto bad;
	s = end + 1;
	min = strtoul(s, &end, 10);
	if (end == s || *end || errno || min > 0xfffff)
		goto bad;
	((uint32_t *)f)[idx] = maj << 20 | min;
	return 0;
bad:
	return ld_verr_set(e, 0, "bad device '%.64s' (expected MAJOR:MINOR as in /proc/partitions,"
			   " e.g. 8:0 or 7:0)", s);
}

static void fmt_dev(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	uint32_t dev = ((const uint32_t *)f)[idx];

	(void)k;
	ld_sb_printf(sb, "%u:%u", dev >> 20, dev & 0xfffff);
}

static const struct ld_rule_key keys[] = {
	{ .name = "error", LD_KEY_LIST(p.blk.errnos, p.blk.nerrnos), .elem = elem_block_error,
	  .fmt = fmt_block_error },
	{ .name = "latency", .cmp = true, LD_KEY_ONE(p.blk.latency), .elem = ld_key_elem_latency,
	  .cmp_elem = ld_key_cmp_latency, .fmt_kv = ld_key_fmt_latency },
	{ .name = "dev", LD_KEY_LIST(p.blk.devs, p.blk.ndevs), .elem = elem_dev, .fmt = fmt_dev },
};
LD_KEYS_FIT(keys);

/* dev= becomes the code list; error= the param list, error=any a ret range. */
static void compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	const struct ld_block_params *p = &r->p.blk;
	bool any = false;

	out->ncodes = p->ndevs;
	for (unsigned i = 0; i < p->ndevs; i++)
		out->codes[i].lo = out->codes[i].hi = p->devs[i];
	for (unsigned i = 0; i < p->nerrnos; i++) {
		any |= p->errnos[i] == 0;
		out->params[out->nparams].lo = out->params[out->nparams].hi = p->errnos[i];
		out->nparams++;
	}
	if (p->latency.hi) {
		out->flags |= LD_BR_LATENCY;
		out->latency_lo = p->latency.lo;
		out->latency_hi = p->latency.hi;
	}
	if (any || (!p->nerrnos && !p->latency.hi)) {
		out->nparams = 0;
		out->flags |= LD_BR_RET;
		out->ret_lo = -4095;
		out->ret_hi = -1;
	}
}

static const char *const progs[] = { "ld_blk_issue", "ld_blk_bio", "ld_blk_complete", NULL };

static bool used(const struct ld_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == LD_DET_BLOCK)
			return true;
	return false;
}

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct livedump_bpf *s = ld_loader__skel(l);

	if (used(rs)) {
		ld_loader__want(l, s->progs.ld_blk_issue);
		ld_loader__want(l, s->progs.ld_blk_bio);
		ld_loader__want(l, s->progs.ld_blk_complete);
	}
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	int err;

	if (!used(rs))
		return 0;
	err = ld_loader__attach(l, s->progs.ld_blk_issue, "tp_btf block_rq_issue");
	if (!err)
		err = ld_loader__attach(l, s->progs.ld_blk_complete, "tp_btf block_rq_complete");
	if (!err)
		err = ld_loader__attach(l, s->progs.ld_blk_bio, "tp_btf block_bio_queue");
	return err;
}

/* The disk's name, which a dump read on another machine cannot look up. */
static void device_name(uint32_t dev, char *buf, size_t size)
{
	char path[64], line[256];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", dev >> 20, dev & 0xfffff);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, size, "%.*s", (int)(size - 1), line + 8);
			break;
		}
	fclose(f);
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_block_event *e = (const void *)x->hdr;
	char name[64];

	is->code = e->dev;
	is->params[0] = (uint64_t)(int64_t)e->error;
	is->params[1] = e->latency_ns;
	is->params[2] = e->sector;
	is->params[3] = e->bytes;
	is->ksys = LD_KSYS_DSTATE | LD_KSYS_DISK | LD_KSYS_KMSG;
	is->ksys_dev = e->dev;
	device_name(e->dev, name, sizeof(name));
	if (name[0] && !strchr(name, '\n'))
		snprintf(is->text, sizeof(is->text), "device=%s\n", name);
}

/* REQ_OP_* of include/linux/blk_types.h */
static const char *op_name(uint32_t op)
{
	static const char *const ops[] = {
		[0] = "read", [1] = "write", [2] = "flush", [3] = "discard",
		[5] = "secure_erase", [9] = "write_zeroes", [10] = "zone_open",
		[11] = "zone_close", [12] = "zone_finish", [13] = "zone_append",
		[15] = "zone_reset", [17] = "zone_reset_all", [34] = "drv_in", [35] = "drv_out",
	};

	return op < sizeof(ops) / sizeof(ops[0]) && ops[op] ? ops[op] : NULL;
}

/* BLK_STS_* of include/linux/blk_types.h (6.x numbering) */
static const char *status_name(uint32_t status)
{
	static const char *const sts[] = {
		[0] = "BLK_STS_OK", [1] = "BLK_STS_NOTSUPP", [2] = "BLK_STS_TIMEOUT",
		[3] = "BLK_STS_NOSPC", [4] = "BLK_STS_TRANSPORT", [5] = "BLK_STS_TARGET",
		[6] = "BLK_STS_RESV_CONFLICT", [7] = "BLK_STS_MEDIUM",
		[8] = "BLK_STS_PROTECTION", [9] = "BLK_STS_RESOURCE", [10] = "BLK_STS_IOERR",
		[11] = "BLK_STS_DM_REQUEUE", [12] = "BLK_STS_AGAIN",
		[13] = "BLK_STS_DEV_RESOURCE",
	};

	return status < sizeof(sts) / sizeof(sts[0]) ? sts[status] : NULL;
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	const struct ld_block_event *e = src->rec;
	char name[64], err[32] = "", op[16], comm[LD_COMM_LEN + 1];
	unsigned maj, min;

	if (!e || src->len < sizeof(*e)) {
		ld_fields__str(f, "dev", "%u:%u", src->code >> 20, src->code & 0xfffff);
		ld_fields__summary(f, "block request on %u:%u", src->code >> 20, src->code & 0xfffff);
		return;
	}
	maj = e->dev >> 20;
	min = e->dev & 0xfffff;
	if (ld_issue_text_get(src->text, src->text_len, "device", name, sizeof(name)))
		ld_fields__str(f, "device", "%s (%u:%u)", name, maj, min);
	else
		ld_fields__str(f, "device", "%u:%u", maj, min);
	ld_fields__str(f, "dev", "%u:%u", maj, min);
	if (op_name(e->op))
		snprintf(op, sizeof(op), "%s", op_name(e->op));
	else
		snprintf(op, sizeof(op), "op %u", e->op);
	ld_fields__str(f, "op", "%s", op);
	ld_fields__u64(f, "sector", e->sector);
	ld_fields__bytes(f, "bytes", e->bytes);
	if (status_name(e->status))
		ld_fields__str(f, "status", "%s", status_name(e->status));
	else
		ld_fields__str(f, "status", "%u", e->status);
	if (e->error) {
		ld_val_errno_name(-e->error, err, sizeof(err));
		ld_fields__str(f, "errno", "%s", err);
	}
	ld_fields__ns(f, "latency_ns", e->latency_ns);
	ld_fields__u64(f, "issuer_pid", e->hdr.pid);
	memcpy(comm, e->hdr.comm, LD_COMM_LEN);
	comm[LD_COMM_LEN] = 0;
	ld_fields__str(f, "issuer_comm", "%s", comm);
	ld_fields__summary(f, "%s of %u bytes at sector %" PRIu64 " on %s%s%s after %.3f ms", op,
			   e->bytes, (uint64_t)e->sector, ld_fields__get(f, "device")->str,
			   err[0] ? " failed with " : " completed", err, e->latency_ns / 1e6);
}

const struct ld_detector_ops ld_det_block = {
	.name = "block",
	.doc = "a block request fails or is slow",
	.keys = keys,
	.nkeys = sizeof(keys) / sizeof(keys[0]),
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_CONTEXT,
	.compile = compile,
	.progs = progs,
	.configure = configure,
	.attach = attach,
	.record_size = sizeof(struct ld_block_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_BLOCK,
	.legacy_event = 3,
};
