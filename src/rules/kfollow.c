// SPDX-License-Identifier: MIT
/*
 * capture follow= (kfollow.h).  A path names members as C does (through
 * anonymous members, into embedded structs, across pointers); where it
 * extends another follow= path, it is followed from that object, so one
 * link crosses few pointers and the dump holds the objects on the way.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "analysis/btfpath.h"
#include "kabi/records.h"
#include "rules/kfollow.h"

_Static_assert(LD_KFOLLOW_MAX == LD_PROBE_FOLLOW_MAX && LD_KARGS_MAX == LD_PROBE_KOBJ_MAX,
	       "a rule's objects are the ones its probe program copies");
_Static_assert(LD_KFOLLOW_PATH_MAX <= sizeof(((struct ld_note_kobj_ent *)0)->name),
	       "a path is the name of its object in the dump");

#define ALIGN8(x)	(((x) + 7) & ~(uint32_t)7)

/* The argument @path starts at: 1..6, 0 for ret, -1 for neither; its length in *@n. */
static int path_root(const char *path, size_t *n)
{
	*n = strcspn(path, ".");
	if (*n == 3 && !strncmp(path, "ret", 3))
		return 0;
	if (*n == 4 && !strncmp(path, "arg", 3) && path[3] >= '1' && path[3] <= '6')
		return path[3] - '0';
	return -1;
}

int ld_kfollow_elem(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		    struct ld_verr *e)
{
	struct ld_kfollow *fo = f;
	size_t n, len = strlen(s);

	(void)k;
	if (idx >= LD_KFOLLOW_MAX)
		return ld_verr_set(e, 0, "follow= names at most %d objects", LD_KFOLLOW_MAX);
	if (path_root(s, &n) < 0 || !s[n])
		return ld_verr_set(e, 0, "follow '%.64s': expected argN.MEMBER[.MEMBER...] or "
				   "ret.MEMBER... (arg1.bio)", s);
	for (const char *p = s + n; *p; ) {
		size_t m;

		p++;	/* the dot */
		m = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
		if (!m || isdigit((unsigned char)*p) || (p[m] && p[m] != '.'))
			return ld_verr_set(e, p - s, "follow '%.64s': '%.*s' is not a member name "
					   "(expected C names between dots)", s,
					   (int)strcspn(p, "."), p);
		p += m;
	}
	if (len >= sizeof(fo[idx].path))
		return ld_verr_set(e, 0, "follow '%.64s' is too long (at most %zu characters: it "
				   "names the object in the dump)", s, sizeof(fo[idx].path) - 1);
	memset(&fo[idx], 0, sizeof(fo[idx]));
	memcpy(fo[idx].path, s, len + 1);
	fo[idx].root = path_root(s, &n);
	return 0;
}

void ld_kfollow_fmt(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	ld_sb_printf(sb, "%s", ((const struct ld_kfollow *)f)[idx].path);
}

static unsigned dots(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* Bytes the record gives an object of @size: its copy, bounded, 8-aligned. */
static uint32_t room(uint32_t size)
{
	return ALIGN8(size < LD_PROBE_KOBJ_CAP ? size : LD_PROBE_KOBJ_CAP);
}

int ld_kfollow_resolve(struct ld_rule_capture *c, const struct btf *btf, char *why, size_t len)
{
	unsigned depth[LD_KFOLLOW_MAX], nk = c->nkargs < LD_KARGS_MAX ? c->nkargs : LD_KARGS_MAX;
	uint32_t total = 0;

	if (!c->nfollows)
		return 0;
	if (!btf) {
		snprintf(why, len, "cannot check follow=: the running kernel has no BTF "
			 "(/sys/kernel/btf/vmlinux)");
		return -EINVAL;
	}
	/* Parents first: a path after the paths it extends (stable, by its depth). */
	for (unsigned i = 1; i < c->nfollows; i++)
		for (unsigned j = i; j > 0 && dots(c->follows[j - 1].path) > dots(c->follows[j].path);
		     j--) {
			struct ld_kfollow t = c->follows[j];

			c->follows[j] = c->follows[j - 1];
			c->follows[j - 1] = t;
		}
	for (unsigned i = 0; i < nk; i++)
		total += room(c->kargs[i].size);
	for (unsigned j = 0; j < c->nfollows; j++) {
		struct ld_kfollow *f = &c->follows[j];
		uint32_t ptype = 0, plen = 0;
		const char *rest = NULL;
		char whyp[192], rootname[8];
		struct ld_btf_path bp;
		size_t best = 0, n;
		long long size;

		path_root(f->path, &n);
		snprintf(rootname, sizeof(rootname), "%.*s", (int)n, f->path);
		for (unsigned i = 0; i < nk; i++)
			if (c->kargs[i].arg == f->root) {
				f->parent = i;
				ptype = c->kargs[i].btf_id;
				plen = c->kargs[i].size;
				rest = f->path + n + 1;
				depth[j] = 1;
			}
		if (!rest) {
			snprintf(why, len, "follow=%s: %s is not dumped (expected kernel=%s:TYPE too)",
				 f->path, rootname, rootname);
			return -EINVAL;
		}
		for (unsigned i = 0; i < j; i++) {
			size_t pl = strlen(c->follows[i].path);

			if (!strcmp(c->follows[i].path, f->path)) {
				snprintf(why, len, "follow=%s is named twice", f->path);
				return -EINVAL;
			}
			if (pl > best && !strncmp(c->follows[i].path, f->path, pl) && f->path[pl] == '.') {
				best = pl;
				f->parent = nk + i;
				ptype = c->follows[i].btf_id;
				plen = c->follows[i].size;
				rest = f->path + pl + 1;
				depth[j] = depth[i] + 1;
			}
		}
		if (depth[j] > LD_KOBJ_DEPTH) {
			snprintf(why, len, "follow=%s is %u objects deep from %s (at most %d)", f->path,
				 depth[j], rootname, LD_KOBJ_DEPTH);
			return -EINVAL;
		}
		if (ld_btf_path_resolve(btf, ptype, rest, &bp, whyp, sizeof(whyp))) {
			snprintf(why, len, "follow=%s: %s", f->path, whyp);
			return -EINVAL;
		}
		if (plen > LD_PROBE_KOBJ_CAP)
			plen = LD_PROBE_KOBJ_CAP;
		if (bp.off[0] + 8 > plen) {
			snprintf(why, len, "follow=%s: its pointer is at +%u, past the %u bytes copied of "
				 "the object it starts from", f->path, bp.off[0], plen);
			return -EINVAL;
		}
		size = btf__resolve_size(btf, bp.type);
		if (size <= 0) {
			snprintf(why, len, "follow=%s: its type has no size in the kernel's BTF", f->path);
			return -EINVAL;
		}
		f->field_off = bp.off[0];
		f->field_off2 = bp.hops > 1 ? bp.off[1] : LD_KOBJ_NO_HOP;
		f->btf_id = bp.type;
		f->size = size;
		total += room(f->size);
	}
	if (total > LD_PROBE_KOBJ_DATA) {
		snprintf(why, len, "kernel= and follow= objects take %u bytes, more than the %d a "
			 "record holds (each at most %d)", total, LD_PROBE_KOBJ_DATA, LD_PROBE_KOBJ_CAP);
		return -EINVAL;
	}
	return 0;
}
