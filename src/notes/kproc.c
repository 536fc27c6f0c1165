// SPDX-License-Identifier: MIT
/*
 * LD_NT_KPROC: the process as the kernel sees it (struct ld_note_kproc +
 * cgroup path + /proc/PID/cgroup + its unit and container): its pid in
 * every pid namespace, parent, credentials, cgroup, systemd unit,
 * container and namespaces, marked where they differ from the collector's.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

/* The keys of the strings after the two (docs/dump-format.md) and where each goes. */
#define IDENT_FIELD(key, member) { key, offsetof(struct ld_dump_kproc, member), \
				   sizeof(((struct ld_dump_kproc *)0)->member) }
static const struct {
	const char *key;
	size_t off, size;
} ident_keys[] = {
	IDENT_FIELD("cgroup_source", source),
	IDENT_FIELD("unit", ident.unit),
	IDENT_FIELD("user_unit", ident.user_unit),
	IDENT_FIELD("slice", ident.slice),
	IDENT_FIELD("container_runtime", ident.runtime),
	IDENT_FIELD("container_id", ident.container),
	IDENT_FIELD("pod_uid", ident.pod),
};

/*
 * After the two strings, "key=value" strings, unknown keys skipped; an
 * older dump has none, and its cgroup paths say the same.
 */
static int parse_ident(struct ld_dump *d, const struct ld_dump_note *n, struct ld_dump_kproc *kp,
		       const char *p, const char *end)
{
	char hier[128] = "", path[4096] = "";

	memset(&kp->ident, 0, sizeof(kp->ident));
	kp->source[0] = 0;
	if (p == end) {
		if (ld_cg_ident_source(kp->cgroups, path, sizeof(path), hier, sizeof(hier)) &&
		    strcmp(kp->cgroup, "/"))
			snprintf(path, sizeof(path), "%s", kp->cgroup);
		ld_cg_ident_parse(path, &kp->ident);
		if (path[0])
			snprintf(kp->source, sizeof(kp->source), "%s%s%s", hier, hier[0] ? ":" : "",
				 path);
		return 0;
	}
	if (end[-1])
		return ld_rd_note_fail(d, n, "unit and container strings not terminated");
	for (; p < end; p += strlen(p) + 1) {
		const char *eq = strchr(p, '=');

		for (size_t i = 0; eq && i < sizeof(ident_keys) / sizeof(ident_keys[0]); i++)
			if (strlen(ident_keys[i].key) == (size_t)(eq - p) &&
			    !strncmp(p, ident_keys[i].key, (size_t)(eq - p)))
				snprintf((char *)kp + ident_keys[i].off, ident_keys[i].size, "%s",
					 eq + 1);
	}
	return 0;
}

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
	return parse_ident(d, n, kp, tail + kp->k.cgroup_len + kp->k.cgroups_len,
			   (const char *)n->desc + n->descsz);
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

/* Text: the v1 hierarchies' paths below their roots (hybrid and v1 hosts). */
static void show_v1(struct ld_view *v, const char *cgroups)
{
	bool any = false;

	for (const char *l = cgroups; *l;) {
		size_t ll = strcspn(l, "\n");
		const char *c2 = NULL, *c1 = memchr(l, ':', ll);

		if (c1)
			c2 = memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - l));
		if (c2 && c2 > c1 + 1 && !(l + ll == c2 + 2 && c2[1] == '/')) {
			if (!any)
				ld_view__line(v, "cgroups v1");
			any = true;
			ld_view__strn(v, NULL, "", c1 + 1, (size_t)(l + ll - c1 - 1));
		}
		if (!l[ll])
			break;
		l += ll + 1;
	}
	if (any)
		ld_view__line_end(v);
}

/* unit: nginx.service (system.slice); container: docker 4f1d2c9b... pod UID */
static void show_ident(struct ld_view *v, const struct ld_dump_kproc *kp)
{
	const struct ld_cg_ident *id = &kp->ident;

	ld_view__str(v, "cgroup_source", NULL, kp->source[0] ? kp->source : NULL);
	/* JSON has each key, null where not known; text the line where there is a unit */
	if (id->unit[0])
		ld_view__line(v, "unit");
	ld_view__str(v, "unit", id->unit[0] ? "" : NULL, id->unit[0] ? id->unit : NULL);
	ld_view__str(v, "user_unit", id->user_unit[0] ? "user unit" : NULL,
		     id->user_unit[0] ? id->user_unit : NULL);
	ld_view__str(v, "slice", id->slice[0] ? "in" : NULL, id->slice[0] ? id->slice : NULL);
	if (id->unit[0])
		ld_view__line_end(v);
	if (!id->runtime[0]) {
		ld_view__null(v, "container", NULL);
		return;
	}
	ld_view__line(v, "container");
	ld_view__object(v, "container");
	ld_view__str(v, "runtime", "", id->runtime);
	/* text leaves out what is not known; JSON says null */
	ld_view__str(v, "id", id->container[0] ? "" : NULL, id->container[0] ? id->container : NULL);
	ld_view__str(v, "pod_uid", id->pod[0] ? "pod" : NULL, id->pod[0] ? id->pod : NULL);
	ld_view__object_end(v);
	ld_view__line_end(v);
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
	show_v1(v, kp->cgroups);
	show_ident(v, kp);
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
