// SPDX-License-Identifier: MIT
/* Units and containers from cgroup paths (cgident.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "base/cgident.h"

/* systemd unit types whose units have cgroups of their own. */
static const char *const unit_suffixes[] = {
	".service", ".scope", ".socket", ".mount", ".swap", ".slice",
};

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len > sl && !memcmp(s + len - sl, suffix, sl);
}

static bool is_unit(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(unit_suffixes) / sizeof(unit_suffixes[0]); i++)
		if (ends_with(s, len, unit_suffixes[i]))
			return true;
	return false;
}

static bool all_of(const char *s, size_t len, const char *set, size_t min)
{
	if (len < min)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr(set, s[i]))
			return false;
	return true;
}

#define HEX		"0123456789abcdef"
#define ID_CHARS	HEX "ABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ_.-"

static bool is_hex_id(const char *s, size_t len)
{
	return len <= 64 && all_of(s, len, HEX, 12);
}

/* A container engine's scope or cgroup: PREFIX-ID[.scope]. */
static const struct engine {
	const char *prefix, *runtime;
} engines[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
	{ "lxc.payload.", "lxc" },
};

static void set(char *dst, size_t size, const char *s, size_t len)
{
	snprintf(dst, size, "%.*s", (int)len, s);
}

static bool engine_component(const char *c, size_t len, struct ld_cg_ident *id)
{
	if (ends_with(c, len, ".scope"))
		len -= 6;
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		size_t pl = strlen(engines[i].prefix);
		const char *rest = c + pl;
		size_t rl = len - pl;

		if (len <= pl || memcmp(c, engines[i].prefix, pl))
			continue;
		/* crio-conmon-ID, libpod-conmon-ID: the monitor beside the container */
		if (rl > 7 && !memcmp(rest, "conmon-", 7))
			return false;
		if (rl >= sizeof(id->container) || !all_of(rest, rl, ID_CHARS, 1))
			return false;
		set(id->runtime, sizeof(id->runtime), engines[i].runtime, strlen(engines[i].runtime));
		set(id->container, sizeof(id->container), rest, rl);
		return true;
	}
	return false;
}

/*
 * kubepods-burstable-pod<UID>.slice (systemd driver: the UID's dashes are
 * underscores) or pod<UID> (cgroupfs driver).
 */
static bool pod_component(const char *c, size_t len, struct ld_cg_ident *id)
{
	const char *uid = NULL;
	size_t ul = 0;

	if (ends_with(c, len, ".slice") && len > 8 && !memcmp(c, "kubepods", 8)) {
		for (size_t i = 8; i + 4 <= len - 6; i++)
			if (!memcmp(c + i, "-pod", 4)) {
				uid = c + i + 4;
				ul = len - 6 - (i + 4);
				break;
			}
	} else if (len > 3 && !memcmp(c, "pod", 3)) {
		uid = c + 3;
		ul = len - 3;
	}
	if (!uid || !ul || ul >= sizeof(id->pod) || !all_of(uid, ul, HEX "ABCDEF-_", 8))
		return false;
	for (size_t i = 0; i < ul; i++)
		id->pod[i] = uid[i] == '_' ? '-' : uid[i];
	id->pod[ul] = 0;
	return true;
}

void ld_cg_ident_parse(const char *path, struct ld_cg_ident *id)
{
	const char *prev = NULL;
	size_t prev_len = 0;
	bool in_kubepods = false, unit_done = false, user_done = false, in_user = false;

	memset(id, 0, sizeof(*id));
	for (const char *p = path ? path : ""; *p;) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!len)
			break;
		/*
		 * The unit: the first component below the slices (systemd's
		 * cg_path_get_unit); in a user manager's subtree, the same again.
		 */
		if (!unit_done || (in_user && !user_done)) {
			bool slice = ends_with(p, len, ".slice");

			if (slice && !unit_done) {
				set(id->slice, sizeof(id->slice), p, len);
			} else if (!slice && is_unit(p, len)) {
				if (!unit_done) {
					set(id->unit, sizeof(id->unit), p, len);
					unit_done = true;
					in_user = len > 5 && !memcmp(p, "user@", 5) &&
						  ends_with(p, len, ".service");
				} else {
					set(id->user_unit, sizeof(id->user_unit), p, len);
					user_done = true;
				}
			} else if (!slice) {
				unit_done = user_done = true;	/* below a unit: its own subgroups */
			}
		}
		if (len >= 8 && !memcmp(p, "kubepods", 8))
			in_kubepods = true;
		if (!engine_component(p, len, id)) {
			if (in_kubepods)
				pod_component(p, len, id);
			/* cgroupfs driver: /docker/ID, /kubepods/.../pod<UID>/ID */
			if (prev && is_hex_id(p, len) &&
			    ((prev_len == 6 && !memcmp(prev, "docker", 6)) ||
			     (in_kubepods && prev_len > 3 && !memcmp(prev, "pod", 3)))) {
				set(id->container, sizeof(id->container), p, len);
				if (prev_len == 6)
					set(id->runtime, sizeof(id->runtime), "docker", 6);
				else if (!id->runtime[0])
					set(id->runtime, sizeof(id->runtime), "kubernetes", 10);
			}
		}
		prev = p;
		prev_len = len;
		p += len;
	}
	if (!id->unit[0])
		id->slice[0] = 0;	/* only slices: no unit to be in */
	if (id->pod[0] && !id->runtime[0])
		set(id->runtime, sizeof(id->runtime), "kubernetes", 10);
}

/* The order hierarchies are read in: v2, systemd's own, memory, the rest. */
static int source_rank(const char *list, size_t len)
{
	if (!len)
		return 0;
	if (len == 12 && !memcmp(list, "name=systemd", 12))
		return 1;
	for (const char *p = list, *end = list + len; p < end;) {
		size_t n = strcspn(p, ",");

		if (p + n > end)
			n = (size_t)(end - p);
		if (n == 6 && !memcmp(p, "memory", 6))
			return 2;
		p += n + 1;
	}
	return 3;
}

int ld_cg_ident_source(const char *text, char *path, size_t len, char *hier, size_t hier_len)
{
	int best = 4;

	for (const char *line = text ? text : ""; *line;) {
		size_t ll = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', ll), *c2;

		c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			const char *list = c1 + 1, *cg = c2 + 1;
			size_t cl = (size_t)(c2 - list), pl = ll - (size_t)(cg - line);
			int rank = source_rank(list, cl);

			if (rank < best && pl && !(pl == 1 && *cg == '/')) {
				best = rank;
				set(path, len, cg, pl);
				set(hier, hier_len, list, cl);
			}
		}
		if (!line[ll])
			break;
		line += ll + 1;
	}
	return best < 4 ? 0 : -ENOENT;
}
