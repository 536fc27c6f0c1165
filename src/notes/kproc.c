// SPDX-License-Identifier: MIT
/*
 * LD_NT_KPROC: the process as the kernel sees it (struct ld_note_kproc +
 * cgroup path + /proc/PID/cgroup): its pid in every pid namespace, parent,
 * credentials, cgroup and namespaces, marked where they differ from the
 * collector's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_kproc(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct kview_data *kv = &d->kv;
	struct ld_dump_kproc *kp = &kv->kproc;
	const char *tail;
	int err = ld_rd_once_slot(d, n, &kv->kproc_note);

	if (!err)
		err = ld_rd_need(d, n, sizeof(kp->k));
	if (err)
		return err;
	memcpy(&kp->k, n->desc, sizeof(kp->k));
	if (kp->k.size < sizeof(kp->k) || kp->k.size > n->descsz)
		return ld_rd_note_fail(d, n, "size field %u, expected %zu..%u", kp->k.size,
				 sizeof(kp->k), n->descsz);
	if (!kp->k.cgroup_len || !kp->k.cgroups_len ||
	    (uint64_t)kp->k.cgroup_len + kp->k.cgroups_len > n->descsz - kp->k.size)
		return ld_rd_note_fail(d, n, "strings of %u and %u bytes do not fit in %u bytes",
				 kp->k.cgroup_len, kp->k.cgroups_len, n->descsz - kp->k.size);
	tail = (const char *)n->desc + kp->k.size;
	if (tail[kp->k.cgroup_len - 1] || tail[kp->k.cgroup_len + kp->k.cgroups_len - 1])
		return ld_rd_note_fail(d, n, "cgroup strings not terminated");
	if (kp->k.levels > LD_KPROC_LEVELS)
		kp->k.levels = LD_KPROC_LEVELS;
	kp->cgroup = tail;
	kp->cgroups = tail + kp->k.cgroup_len;
	return 0;
}

static void show_pids(struct ld_view *v, const struct ld_note_kproc *k)
{
	ld_view__array(v, "pids");
	for (uint32_t i = 0; i < k->levels; i++)
		ld_view__uint(v, "", NULL, k->nstgid[i]);
	ld_view__array_end(v);
	ld_view__uint(v, "pid", "pid", k->levels ? k->nstgid[0] : 0);
	ld_view__uint(v, "ns_pid", NULL, k->levels ? k->nstgid[k->levels - 1] : 0);
	if (k->levels > 1) {
		ld_view__text(v, " = pid %u in its own pid namespace", k->nstgid[k->levels - 1]);
		for (uint32_t i = 1; i + 1 < k->levels; i++)
			ld_view__text(v, " (%u in the one between)", k->nstgid[i]);
	}
}

static void kproc_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_dump_kproc *kp = ld_dump__kproc(d);
	const struct ld_note_kproc *k;
	unsigned shown = 0;

	(void)o;
	if (!kp) {
		ld_view__null(v, "kernel", NULL);
		return;
	}
	k = &kp->k;
	ld_view__object(v, "kernel");
	ld_view__gap(v);
	ld_view__line(v, "kernel");
	show_pids(v, k);
	ld_view__uint(v, "ppid", "ppid", k->ppid);
	ld_view__uint(v, "uid", "uid", k->uid);
	ld_view__text(v, "/");
	ld_view__uint(v, "euid", "", k->euid);
	ld_view__uint(v, "gid", "gid", k->gid);
	ld_view__text(v, "/");
	ld_view__uint(v, "egid", "", k->egid);
	ld_view__char(v, "state", "state", k->state);
	ld_view__text(v, " at capture");
	ld_view__line_end(v);
	ld_view__line(v, "cgroup");
	ld_view__str(v, "cgroup", NULL, kp->cgroup);
	ld_view__str(v, NULL, "", kp->cgroup[0] ? kp->cgroup : "?");
	ld_view__uint(v, "cgroup_id", NULL, k->cgroup_id);
	if (k->cgroup_id)
		ld_view__printf(v, NULL, "", "(id %llu)", (unsigned long long)k->cgroup_id);
	ld_view__line_end(v);
	ld_view__str(v, "cgroups", NULL, kp->cgroups);
	ld_view__line(v, "namespaces");
	ld_view__object(v, "namespaces");
	for (unsigned i = 0; i < LD_NS_COUNT; i++) {
		bool own = k->ns_own & (1U << i);

		ld_view__object(v, ld_dump__ns_name(i));
		ld_view__uint(v, "inode", NULL, k->ns[i]);
		ld_view__bool(v, "own", NULL, own);
		if (k->ns[i])
			ld_view__text(v, "%s%s:%llu%s", shown++ ? " " : "", ld_dump__ns_name(i),
				      (unsigned long long)k->ns[i], own ? "*" : "");
		ld_view__object_end(v);
	}
	ld_view__object_end(v);
	ld_view__line_end(v);
	ld_view__line(v, "");
	ld_view__text(v, "(* differs from the collector's)");
	ld_view__line_end(v);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_kproc = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_KPROC,
	.name = "LD_NT_KPROC",
	.flags = 0,
	.parse = parse_kproc,
	.show = kproc_show,
};
