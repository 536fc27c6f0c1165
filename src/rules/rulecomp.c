// SPDX-License-Identifier: MIT
/* Rules into what the BPF programs check: the common filters and limits; each detector compiles its own parameters. */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "base/log.h"
#include "detectors/detector.h"
#include "rules/rulecomp.h"

uint64_t ld_kernel_dev(uint64_t dev)
{
	return ((uint64_t)major(dev) << 20) | minor(dev);
}

static unsigned path_level(const char *path)
{
	unsigned level = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

static bool cg_dir(const char *mnt, const char *path, uint64_t *ino, int *err)
{
	char dir[4096];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s%s", mnt, path);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		*err = errno ? -errno : -ENOTDIR;
		return false;
	}
	*ino = st.st_ino;
	return true;
}

/* Is controller @c bound to the v2 hierarchy at @mnt (its cgroup.controllers)? */
static bool v2_has(const char *mnt, enum ld_cgc c)
{
	char path[512], buf[1024];
	const char *name = ld_cgc_name(c);
	size_t n, nl = strlen(name);
	FILE *f;

	if (c == LD_CGC_IO)
		name = "io", nl = 2;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", mnt);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
		if (strlen(p) == nl && !strncmp(p, name, nl))
			return true;
	return false;
}

static int found(struct ld_cg_where *w, enum ld_cgc c, const char *mnt, uint64_t ino)
{
	w->ctrl = c;
	snprintf(w->mnt, sizeof(w->mnt), "%s", mnt);
	w->id = ino;
	w->level = path_level(w->path);
	return 0;
}

int ld_cg_where_resolve(const struct ld_rule *r, const char *value, struct ld_cg_where *w)
{
	const char *colon = strchr(value, ':'), *slash = strchr(value, '/');
	const struct ld_cg_hier *h, *v2;
	struct ld_cg_hiers hs;
	int ctrl = -1, err = ld_cg_hiers_load(&hs);
	uint64_t ino;

	memset(w, 0, sizeof(*w));
	w->path = value;
	if (err) {
		ld_err("%s: cgroup=%s: cannot read /proc/self/mountinfo: %s", r->origin, value,
		       strerror(-err));
		return err;
	}
	v2 = ld_cg_hiers__v2(&hs);
	if (colon && (!slash || colon < slash)) {
		w->path = colon + 1;
		ctrl = ld_cgc_parse(value, (size_t)(colon - value));
		if (ctrl < 0) {	/* the parser let only known controllers through */
			ld_err("%s: cgroup=%s: unknown controller", r->origin, value);
			return -EINVAL;
		}
		h = ld_cg_hiers__ctrl(&hs, ctrl);
		if (h) {
			if (!cg_dir(h->mnt, w->path, &ino, &err))
				goto missing_in;
			return found(w, ctrl, h->mnt, ino);
		}
		if (v2 && v2_has(v2->mnt, ctrl)) {	/* bound to v2: the same paths */
			if (!cg_dir(v2->mnt, w->path, &ino, &err)) {
				h = v2;
				goto missing_in;
			}
			return found(w, LD_CGC_V2, v2->mnt, ino);
		}
		ld_err("%s: cgroup=%s: no cgroup hierarchy has the %s controller on this host",
		       r->origin, value, ld_cgc_name(ctrl));
		return -ENOENT;
	}
	if (v2 && cg_dir(v2->mnt, w->path, &ino, &err))
		return found(w, LD_CGC_V2, v2->mnt, ino);
	/* v1 (or hybrid): the controllers' hierarchies, memory's first */
	for (int pass = 0; pass < 2; pass++)
		for (int c = LD_CGC_V2 + 1; c < LD_CGC__COUNT; c++) {
			if ((pass == 0) != (c == LD_CGC_MEMORY))
				continue;
			h = ld_cg_hiers__ctrl(&hs, c);
			if (h && cg_dir(h->mnt, w->path, &ino, &err))
				return found(w, c, h->mnt, ino);
		}
	h = ld_cg_hiers__named(&hs, "systemd");
	if (h && cg_dir(h->mnt, w->path, &ino, &err)) {
		ld_err("%s: cgroup=%s: only the name=systemd hierarchy (%s) has it, and the kernel"
		       " reaches a process's v1 cgroups through its controllers' (name one: "
		       "cgroup=memory:%s)", r->origin, value, h->mnt, w->path);
		return -ENOENT;
	}
	if (!hs.n) {
		ld_err("%s: cgroup=%s: no cgroup hierarchy is mounted", r->origin, value);
		return -ENOTSUP;
	}
	{
		char where[300];

		if (v2)
			snprintf(where, sizeof(where), "%s%s", v2->mnt,
				 hs.n > 1 ? " nor in the v1 hierarchies" : "");
		else
			snprintf(where, sizeof(where), "the v1 hierarchies");
		ld_err("%s: cgroup=%s: no such cgroup in %s", r->origin, value, where);
	}
	return -ENOENT;
missing_in:
	ld_err("%s: cgroup=%s: %s%s: %s", r->origin, value, h->mnt, w->path, strerror(-err));
	return err;
}

static int compile_cgroup(const struct ld_rule *r, const char *value, struct ld_bpf_cgroup *cg)
{
	struct ld_cg_where w;
	int err = ld_cg_where_resolve(r, value, &w);

	if (err)
		return err;
	/* A cgroup's kernfs id is the inode number of its directory (v1 and v2). */
	cg->id = w.id;
	cg->level = w.level;
	cg->ctrl = w.ctrl;
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
