// SPDX-License-Identifier: MIT
/* The host's cgroup hierarchies and the paths in them (cgroupfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "base/cgroupfs.h"

#define CGROUP2_MAGIC	0x63677270
/* struct file_handle's type for kernfs files (cgroup v1 and v2): the 64-bit id. */
#define FILEID_KERNFS	0xfe

static const char *const cgc_names[LD_CGC__COUNT] = {
	[LD_CGC_V2] = "", [LD_CGC_CPUSET] = "cpuset", [LD_CGC_CPU] = "cpu",
	[LD_CGC_CPUACCT] = "cpuacct", [LD_CGC_IO] = "blkio", [LD_CGC_MEMORY] = "memory",
	[LD_CGC_DEVICES] = "devices", [LD_CGC_FREEZER] = "freezer", [LD_CGC_NET_CLS] = "net_cls",
	[LD_CGC_PERF_EVENT] = "perf_event", [LD_CGC_NET_PRIO] = "net_prio",
	[LD_CGC_HUGETLB] = "hugetlb", [LD_CGC_PIDS] = "pids",
};

const char *ld_cgc_name(enum ld_cgc c)
{
	return (unsigned)c < LD_CGC__COUNT ? cgc_names[c] : "?";
}

int ld_cgc_parse(const char *name, size_t len)
{
	if (len == 2 && !strncmp(name, "io", 2))
		return LD_CGC_IO;	/* the v2 name of blkio */
	for (int c = LD_CGC_V2 + 1; c < LD_CGC__COUNT; c++)
		if (strlen(cgc_names[c]) == len && !strncmp(cgc_names[c], name, len))
			return c;
	return -ENOENT;
}

/* mountinfo escapes blanks, tabs, newlines and backslashes as \ooo. */
static void unescape(char *dst, size_t size, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < size; i++) {
		if (src[i] == '\\' && i + 3 < len &&
		    src[i + 1] >= '0' && src[i + 1] <= '3' && src[i + 2] >= '0' && src[i + 2] <= '7' &&
		    src[i + 3] >= '0' && src[i + 3] <= '7') {
			dst[o++] = (char)((src[i + 1] - '0') << 6 | (src[i + 2] - '0') << 3 |
					  (src[i + 3] - '0'));
			i += 3;
		} else {
			dst[o++] = src[i];
		}
	}
	dst[o] = 0;
}

/* The @n-th blank-separated field of @line (up to @end), or NULL. */
static const char *field(const char *line, const char *end, unsigned n, size_t *len)
{
	const char *p = line;

	for (unsigned i = 0;; i++) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return NULL;
		*len = strcspn(p, " \n");
		if (p + *len > end)
			*len = (size_t)(end - p);
		if (i == n)
			return p;
		p += *len;
	}
}

static void parse_v1_opts(const char *opts, size_t len, struct ld_cg_hier *h)
{
	const char *end = opts + len;

	for (const char *p = opts; p < end;) {
		size_t n = strcspn(p, ",\n ");
		int c;

		if (p + n > end)
			n = (size_t)(end - p);
		if (n > 5 && !strncmp(p, "name=", 5))
			snprintf(h->name, sizeof(h->name), "%.*s", (int)(n - 5), p + 5);
		else if ((c = ld_cgc_parse(p, n)) > 0)
			h->ctrls |= 1U << c;
		p += n + 1;
	}
}

static bool same_hier(const struct ld_cg_hier *a, const struct ld_cg_hier *b)
{
	return a->v2 == b->v2 && a->ctrls == b->ctrls && !strcmp(a->name, b->name);
}

void ld_cg_hiers_parse(const char *text, struct ld_cg_hiers *hs)
{
	memset(hs, 0, sizeof(*hs));
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n'), *sep, *root, *mnt, *type, *opts;
		size_t rl, ml, tl, ol;
		struct ld_cg_hier h = { 0 };
		bool dup = false;

		if (!end)
			end = line + strlen(line);
		/* id parent dev root mountpoint opts [optional...] - fstype source superopts */
		sep = strstr(line, " - ");
		if (!sep || sep > end)
			goto next;
		root = field(line, sep, 3, &rl);
		mnt = field(line, sep, 4, &ml);
		type = field(sep + 3, end, 0, &tl);
		opts = field(sep + 3, end, 2, &ol);
		/* a bind mount of a cgroup below the root does not show the hierarchy's paths */
		if (!root || !mnt || !type || rl != 1 || *root != '/')
			goto next;
		if (tl == 7 && !strncmp(type, "cgroup2", 7))
			h.v2 = true;
		else if (tl == 6 && !strncmp(type, "cgroup", 6) && opts)
			parse_v1_opts(opts, ol, &h);
		else
			goto next;
		if (!h.v2 && !h.ctrls && !h.name[0])
			goto next;
		unescape(h.mnt, sizeof(h.mnt), mnt, ml);
		for (unsigned i = 0; i < hs->n; i++)
			dup |= same_hier(&hs->h[i], &h);
		if (!dup && hs->n < LD_CG_HIERS_MAX)
			hs->h[hs->n++] = h;
next:
		line = *end ? end + 1 : NULL;
	}
}

int ld_cg_hiers_load(struct ld_cg_hiers *hs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *text = NULL;
	size_t size = 0, len = 0, n;

	memset(hs, 0, sizeof(*hs));
	if (!f)
		return -errno;
	do {
		if (len + 4096 + 1 > size) {
			char *t = realloc(text, size = (size ? 2 * size : 16384));

			if (!t) {
				free(text);
				fclose(f);
				return -ENOMEM;
			}
			text = t;
		}
		n = fread(text + len, 1, size - len - 1, f);
		len += n;
	} while (n);
	fclose(f);
	text[len] = 0;
	ld_cg_hiers_parse(text, hs);
	free(text);
	return 0;
}

const struct ld_cg_hier *ld_cg_hiers__v2(const struct ld_cg_hiers *hs)
{
	for (unsigned i = 0; i < hs->n; i++)
		if (hs->h[i].v2)
			return &hs->h[i];
	return NULL;
}

const struct ld_cg_hier *ld_cg_hiers__ctrl(const struct ld_cg_hiers *hs, enum ld_cgc c)
{
	for (unsigned i = 0; c != LD_CGC_V2 && i < hs->n; i++)
		if (!hs->h[i].v2 && (hs->h[i].ctrls & (1U << c)))
			return &hs->h[i];
	return NULL;
}

const struct ld_cg_hier *ld_cg_hiers__named(const struct ld_cg_hiers *hs, const char *name)
{
	for (unsigned i = 0; i < hs->n; i++)
		if (!hs->h[i].v2 && !strcmp(hs->h[i].name, name))
			return &hs->h[i];
	return NULL;
}

int ld_cg_hier_by_id(const struct ld_cg_hiers *hs, unsigned hier, char *mnt, size_t len,
		     char *ctrls, size_t ctrls_len)
{
	const struct ld_cg_hier *h = NULL;
	char line[512], prefix[16];
	FILE *f;

	if (!hier) {
		h = ld_cg_hiers__v2(hs);
		if (!h)
			return -ENOENT;
		snprintf(mnt, len, "%s", h->mnt);
		snprintf(ctrls, ctrls_len, "%s", "");
		return 0;
	}
	/* our own /proc/self/cgroup numbers the hierarchies as the kernel does */
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	snprintf(prefix, sizeof(prefix), "%u:", hier);
	while (!h && fgets(line, sizeof(line), f)) {
		char *list = line + strlen(prefix), *end;

		if (strncmp(line, prefix, strlen(prefix)) || !(end = strchr(list, ':')))
			continue;
		*end = 0;
		snprintf(ctrls, ctrls_len, "%s", list);
		if (!strncmp(list, "name=", 5)) {
			h = ld_cg_hiers__named(hs, list + 5);
		} else {
			int c = ld_cgc_parse(list, strcspn(list, ","));

			h = c > 0 ? ld_cg_hiers__ctrl(hs, c) : NULL;
		}
	}
	fclose(f);
	if (!h)
		return -ENOENT;
	snprintf(mnt, len, "%s", h->mnt);
	return 0;
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

int ld_cgroup_path(const char *mnt, uint64_t id, char *buf, size_t len)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	char link[64], target[4096];
	size_t rlen;
	ssize_t n;
	int mfd, fd;

	if (!mnt || !id)
		return -ENOENT;
	h.fh.handle_bytes = sizeof(id);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return errno == ESTALE ? -ENOENT : -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	target[n] = 0;
	rlen = strlen(mnt);
	if (strncmp(target, mnt, rlen) || (target[rlen] && target[rlen] != '/'))
		return -ENOENT;	/* outside the mount we know */
	snprintf(buf, len, "%s", target[rlen] ? target + rlen : "/");
	return 0;
}

/* Does the controller list @list (up to @len; "cpu,cpuacct", "name=systemd") hold the one wanted? */
static bool list_has(const char *list, size_t len, enum ld_cgc ctrl, const char *name)
{
	for (const char *p = list, *end = list + len; p < end;) {
		size_t n = strcspn(p, ",:");

		if (p + n > end)
			n = (size_t)(end - p);
		if (name ? n == strlen(name) + 5 && !strncmp(p, "name=", 5) &&
			   !strncmp(p + 5, name, n - 5)
			 : ld_cgc_parse(p, n) == (int)ctrl)
			return true;
		p += n + 1;
	}
	return false;
}

int ld_proc_cgroup_find(const char *text, enum ld_cgc ctrl, const char *name, char *buf,
			size_t len)
{
	for (const char *line = text; line && *line;) {
		size_t ll = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', ll), *c2;

		c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			size_t cl = (size_t)(c2 - c1 - 1);
			bool v2 = !name && ctrl == LD_CGC_V2;
			bool hit = v2 ? cl == 0 && c1 - line == 1 && *line == '0'
				      : cl && list_has(c1 + 1, cl, ctrl, name);

			if (hit) {
				snprintf(buf, len, "%.*s", (int)(ll - (size_t)(c2 + 1 - line)), c2 + 1);
				return 0;
			}
		}
		line = line[ll] ? line + ll + 1 : NULL;
	}
	return -ENOENT;
}
