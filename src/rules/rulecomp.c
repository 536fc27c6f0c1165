// SPDX-License-Identifier: MIT
/* Rules into what the BPF programs check: the common filters and limits; each detector compiles its own parameters. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include "base/log.h"
#include "detectors/detector.h"
#include "rules/rulecomp.h"

#define CGROUP2_MAGIC	0x63677270

uint64_t ld_kernel_dev(uint64_t dev)
{
	return ((uint64_t)major(dev) << 20) | minor(dev);
}

/* cgroup v2 is at /sys/fs/cgroup, or at .../unified on hybrid systems. */
const char *ld_cgroup2_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs sfs;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!statfs(roots[i], &sfs) && sfs.f_type == CGROUP2_MAGIC)
			return roots[i];
	return NULL;
}

static int compile_cgroup(const struct ld_rule *r, const char *prefix, struct ld_bpf_cgroup *cg)
{
	const char *root = ld_cgroup2_root();
	char path[4096];
	struct stat st;
	unsigned level = 0;

	if (!root) {
		ld_err("%s: cgroup=%s needs cgroup v2 (mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified)",
		       r->origin, prefix);
		return -ENOTSUP;
	}
	snprintf(path, sizeof(path), "%s%s", root, prefix);
	if (stat(path, &st)) {
		int err = -errno;

		ld_err("%s: cgroup=%s: %s: %s", r->origin, prefix, path, strerror(errno));
		return err;
	}
	for (const char *p = prefix; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	/* On cgroup v2 a cgroup's id is the inode number of its directory. */
	cg->id = st.st_ino;
	cg->level = level;
	return 0;
}

static int compile_exe(const struct ld_rule *r, const char *path, struct ld_exe_key *k)
{
	struct stat st;

	if (stat(path, &st)) {
		int err = -errno;

		ld_err("%s: exe=%s: %s", r->origin, path, strerror(errno));
		return err;
	}
	k->dev = ld_kernel_dev(st.st_dev);
	k->ino = st.st_ino;
	return 0;
}

void ld_bpf_ranges(struct ld_bpf_range *dst, __u32 *n, const struct ld_range64 *src,
		   unsigned count)
{
	*n = count < LD_BPF_LIST ? count : LD_BPF_LIST;
	for (unsigned i = 0; i < *n; i++) {
		dst[i].lo = src[i].lo;
		dst[i].hi = src[i].hi;
	}
}

int ld_rule_compile(const struct ld_rule *r, struct ld_bpf_rule *out)
{
	const struct ld_rule_filters *w = &r->where;
	const struct ld_detector_ops *det;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (r->capture.type != LD_CAPTURE_CONTEXT)
		out->flags |= LD_BR_MEMORY;
	det = ld_detector_get(r->detector);
	if (det && det->compile)
		det->compile(r, out);
	out->npids = w->npids;
	memcpy(out->pids, w->pids, w->npids * sizeof(w->pids[0]));
	out->nuids = w->nuids;
	memcpy(out->uids, w->uids, w->nuids * sizeof(w->uids[0]));
	out->ncomms = w->ncomms;
	for (unsigned i = 0; i < w->ncomms; i++)
		strncpy(out->comms[i], w->comms[i], LD_COMM_LEN);	/* zero-padded */
	out->ncgroups = w->ncgroups;
	for (unsigned i = 0; !err && i < w->ncgroups; i++)
		err = compile_cgroup(r, w->cgroups[i], &out->cgroups[i]);
	out->nexes = w->nexes;
	for (unsigned i = 0; !err && i < w->nexes; i++)
		err = compile_exe(r, w->exes[i], &out->exes[i]);
	if (err)
		return err;
	if (r->limit.rate_n > LD_RATE_MAX) {
		ld_err("%s: rule %s: a rate limit allows at most %d dumps per window", r->origin,
		       r->name, LD_RATE_MAX);
		return -E2BIG;
	}
	out->total = r->limit.total;
	out->rate_n = r->limit.rate_n;
	out->rate_window_ns = r->limit.rate_window_ns;
	out->cooldown_ns = r->limit.cooldown_ns;
	return 0;
}
