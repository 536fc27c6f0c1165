// SPDX-License-Identifier: MIT
/*
 * The oom detector: the OOM killer chose a watched process as its victim
 * (raw_tp mark_victim).  The victim is being killed, so there is nothing
 * live to freeze: context dumps only.  The record names the victim (its
 * header), its memory counters, and the cgroup whose limit was hit.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "collector/loader_priv.h"
#include "detectors/detector.h"
#include "rules/rulecomp.h"

static const char *const progs[] = { "ld_oom", NULL };

static bool used(const struct ld_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].detector == LD_DET_OOM)
			return true;
	return false;
}

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	if (used(rs))
		ld_loader__want(l, ld_loader__skel(l)->progs.ld_oom);
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	if (!used(rs))
		return 0;
	return ld_loader__attach(l, ld_loader__skel(l)->progs.ld_oom, "oom/mark_victim");
}

/* nftw has no context argument: the search is one call, on this thread only. */
static __thread struct {
	uint64_t id;
	char *path;
	size_t size;
	size_t root_len;
	unsigned visited;
} find;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (++find.visited > 100000)
		return 1;	/* a pathological tree: give up rather than stall the collector */
	if ((uint64_t)st->st_ino != find.id)
		return 0;
	snprintf(find.path, find.size, "%s", path[find.root_len] ? path + find.root_len : "/");
	return 1;
}

/* A cgroup v2 id is the inode of its directory. */
static bool cgroup_path(uint64_t id, char *buf, size_t size)
{
	const char *root = ld_cgroup2_root();

	buf[0] = 0;
	if (!root || !id)
		return false;
	find.id = id;
	find.path = buf;
	find.size = size;
	find.root_len = strlen(root);
	find.visited = 0;
	nftw(root, visit, 16, FTW_PHYS | FTW_MOUNT);
	return buf[0] != 0;
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
	if (cgroup_path(e->cgroup_id, path, sizeof(path)) && !strchr(path, '\n'))
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
