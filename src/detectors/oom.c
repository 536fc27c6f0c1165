// SPDX-License-Identifier: MIT
/*
 * The oom detector: the OOM killer chose a watched process as its victim
 * (raw_tp mark_victim).  The victim is being killed, so there is nothing
 * live to freeze: context dumps only.  The record names the victim (its
 * header), its memory counters, and the cgroup whose limit was hit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "base/log.h"
#include "collector/features.h"
#include "collector/loader_priv.h"
#include "detectors/detector.h"
#include "rules/rulecomp.h"

static const char *const progs[] = { "ld_oom", "ld_oom_kill", "ld_oom_kill_ret", NULL };

static bool used(const struct ld_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == LD_DET_OOM)
			return true;
	return false;
}

/*
 * The oom_control is an argument of oom_kill_process only: a kprobe and
 * kretprobe there, where the kernel has kprobes, hand it to mark_victim
 * (oom.bpf.h); without them the dump has what mark_victim gives.
 */
static bool want_oc(void)
{
	char why[160];

	if (ld_feature_probe(LD_FEAT_KPROBE, why, sizeof(why)) ||
	    ld_feature_probe(LD_FEAT_KRETPROBE, why, sizeof(why))) {
		ld_info("oom: no oom_control in its dumps: %s", why);
		return false;
	}
	return true;
}

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct livedump_bpf *s = ld_loader__skel(l);

	if (!used(rs))
		return 0;
	ld_loader__want(l, s->progs.ld_oom);
	if (want_oc()) {
		ld_loader__want(l, s->progs.ld_oom_kill);
		ld_loader__want(l, s->progs.ld_oom_kill_ret);
	}
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	struct livedump_bpf *s = ld_loader__skel(l);
	struct bpf_link *in, *out;
	int err;

	if (!used(rs))
		return 0;
	err = ld_loader__attach(l, s->progs.ld_oom, "oom/mark_victim");
	if (err || !bpf_program__autoload(s->progs.ld_oom_kill))
		return err;
	/* Both or neither: a set entry nothing clears would be read by a later OOM. */
	in = bpf_program__attach(s->progs.ld_oom_kill_ret);
	out = in ? bpf_program__attach(s->progs.ld_oom_kill) : NULL;
	if (!in || !out) {
		ld_info("oom: no oom_control in its dumps: cannot probe oom_kill_process: %s",
			strerror(errno));
		bpf_link__destroy(in);
		return 0;
	}
	ld_info("attached kprobe and kretprobe oom_kill_process");
	err = ld_loader__keep(l, in);
	if (err) {
		bpf_link__destroy(out);
		return err;
	}
	return ld_loader__keep(l, out);
}

/*
 * The memcg's path: in the v2 hierarchy, or "memory:/PATH" in the v1 one
 * the record names (the form a rule's cgroup= takes).
 */
static bool cgroup_path(const struct ld_oom_event *e, char *buf, size_t size)
{
	char mnt[256], ctrls[64], path[1024];
	struct ld_cg_hiers hs;

	buf[0] = 0;
	if (!e->cgroup_id || ld_cg_hiers_load(&hs) ||
	    ld_cg_hier_by_id(&hs, e->cgroup_hier, mnt, sizeof(mnt), ctrls, sizeof(ctrls)) ||
	    ld_cgroup_path(mnt, e->cgroup_id, path, sizeof(path)))
		return false;
	return (size_t)snprintf(buf, size, "%s%s%s", ctrls, ctrls[0] ? ":" : "", path) < size;
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_oom_event *e = (const void *)x->hdr;
	char path[1024];

	is->params[0] = e->anon_rss_kb;
	is->params[1] = e->total_vm_kb;
	is->params[2] = e->file_rss_kb;
	is->params[3] = (uint64_t)(int64_t)e->oom_score_adj;
	is->context_only = true;
	if (cgroup_path(e, path, sizeof(path)) && !strchr(path, '\n'))
		snprintf(is->text, sizeof(is->text), "memcg=%s\n", path);
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	const struct ld_oom_event *e = src->rec;
	char comm[LD_COMM_LEN + 1], memcg[1024];
	bool have_memcg;

	if (!e || src->len < sizeof(*e)) {
		ld_fields__summary(f, "OOM kill");
		return;
	}
	memcpy(comm, e->hdr.comm, LD_COMM_LEN);
	comm[LD_COMM_LEN] = 0;
	have_memcg = ld_issue_text_get(src->text, src->text_len, "memcg", memcg, sizeof(memcg));
	ld_fields__u64(f, "victim_pid", e->hdr.pid);
	ld_fields__str(f, "victim_comm", "%s", comm);
	if (have_memcg)
		ld_fields__str(f, "memcg", "%s", memcg);
	ld_fields__bytes(f, "total_vm", e->total_vm_kb * 1024);
	ld_fields__bytes(f, "anon_rss", e->anon_rss_kb * 1024);
	ld_fields__bytes(f, "file_rss", e->file_rss_kb * 1024);
	ld_fields__bytes(f, "shmem_rss", e->shmem_rss_kb * 1024);
	ld_fields__bytes(f, "pgtables", e->pgtables_kb * 1024);
	ld_fields__s64(f, "oom_score_adj", e->oom_score_adj);
	ld_fields__u64(f, "trigger_pid", e->trigger_pid);
	ld_fields__u64(f, "cgroup_id", e->cgroup_id);
	ld_fields__u64(f, "cgroup_hier", e->cgroup_hier);
	ld_fields__summary(f, "OOM killer chose pid %u (%s), anon rss %" PRIu64 " KiB, "
			   "oom_score_adj %d; limit hit by pid %u%s%s", e->hdr.pid, comm,
			   (uint64_t)e->anon_rss_kb, e->oom_score_adj, e->trigger_pid,
			   have_memcg ? " in " : "", have_memcg ? memcg : "");
}

const struct ld_detector_ops ld_det_oom = {
	.name = "oom",
	.doc = "the OOM killer chose a watched process as its victim",
	.captures = LD_CAP(LD_CAPTURE_CONTEXT),
	.default_capture = LD_CAPTURE_CONTEXT,
	.progs = progs,
	.configure = configure,
	.attach = attach,
	.record_size = sizeof(struct ld_oom_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_OOM,
	.legacy_event = 7,
};
