// SPDX-License-Identifier: MIT
/*
 * What a process hid from its dumps, decided per mapping as the kernel's
 * vma_dump_size() (fs/coredump.c) decides for a core, from what
 * /proc/PID/smaps and /proc/PID/coredump_filter say of it.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "capture/hidden.h"
#include "capture/proc.h"
#include "capture/targetmem.h"

/* coredump_filter's bits (MMF_DUMP_* - MMF_DUMP_FILTER_SHIFT), which ld_hidden_range.kind uses. */
enum {
	KIND_ANON_PRIVATE = 0, KIND_ANON_SHARED = 1, KIND_FILE_PRIVATE = 2, KIND_FILE_SHARED = 3,
	KIND_ELF_HEADERS = 4, KIND_HUGETLB_PRIVATE = 5, KIND_HUGETLB_SHARED = 6,
	KIND_UNKNOWN = 0xff,
};

/* A mapping as smaps describes it. */
struct vma {
	uint64_t start, end, pgoff;
	bool read, shared;
	const char *path;		/* "" anonymous */
	size_t path_len;
	uint64_t anon_kb;		/* Anonymous + Swap: it has private copies (an anon_vma) */
	bool dd, io, ht;		/* VmFlags */
};

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

/*
 * always_dump_vma(): the gate page and special mappings ([vdso], [vvar],
 * [uprobes], ...) are dumped whatever their flags say.
 */
static bool always_dumped(const struct vma *v)
{
	return v->path_len && v->path[0] == '[' && !has_prefix(v->path, v->path_len, "[heap]") &&
	       !has_prefix(v->path, v->path_len, "[stack") &&
	       !has_prefix(v->path, v->path_len, "[anon:") &&
	       !has_prefix(v->path, v->path_len, "[anon_shmem:");
}

static bool is_file(const struct vma *v)
{
	return v->path_len && v->path[0] == '/';
}

/* i_nlink == 0: shared anonymous memory (/dev/zero, memfd, SysV) and deleted files. */
static bool unlinked(const struct vma *v)
{
	static const char deleted[] = " (deleted)";

	return has_prefix(v->path, v->path_len, "[anon_shmem:") ||
	       (v->path_len >= sizeof(deleted) - 1 &&
		!memcmp(v->path + v->path_len - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1));
}

/*
 * FILTER(ELF_HEADERS): the first page of a file mapped from offset 0 is
 * kept when the file is executable or starts with the ELF magic.
 */
static bool elf_header_page(pid_t pid, const struct vma *v)
{
	unsigned char magic[SELFMAG];
	char path[4096];
	struct stat st;

	if (ld_mem_read(pid, v->start, magic, sizeof(magic)) == (long)sizeof(magic) &&
	    !memcmp(magic, ELFMAG, SELFMAG))
		return true;
	if (unlinked(v) || v->path_len >= sizeof(path))
		return false;
	memcpy(path, v->path, v->path_len);
	path[v->path_len] = 0;
	return !stat(path, &st) && (st.st_mode & 0111);
}

/*
 * vma_dump_size(): how many bytes from the mapping's start a core holds;
 * for the rest, why not and what kind of memory it is.
 */
static uint64_t dump_size(pid_t pid, const struct vma *v, uint32_t filter, uint32_t *why,
			  uint32_t *kind)
{
	uint64_t whole = v->end - v->start;

#define FILTER(k)	(filter & (1U << (k)))
	*why = LD_HIDDEN_FILTER;
	if (always_dumped(v))
		return whole;
	*kind = v->ht ? (v->shared ? KIND_HUGETLB_SHARED : KIND_HUGETLB_PRIVATE) :
		v->shared ? (unlinked(v) ? KIND_ANON_SHARED : KIND_FILE_SHARED) :
		is_file(v) && !v->anon_kb ? KIND_FILE_PRIVATE : KIND_ANON_PRIVATE;
	if (v->dd) {
		*why = LD_HIDDEN_DONTDUMP;
		return 0;
	}
	/* DAX mappings are not told apart in smaps: they count as files here. */
	if (v->ht)
		return FILTER(*kind) ? whole : 0;
	if (v->io) {
		*why = LD_HIDDEN_IO;
		return 0;
	}
	if (v->shared)
		return FILTER(*kind) ? whole : 0;
	/* Written to (the kernel: vma->anon_vma), or anonymous memory never touched (zeros). */
	if ((v->anon_kb || !is_file(v)) && FILTER(KIND_ANON_PRIVATE))
		return whole;
	if (!is_file(v))
		return 0;
	*kind = KIND_FILE_PRIVATE;
	if (FILTER(KIND_FILE_PRIVATE))
		return whole;
	if (FILTER(KIND_ELF_HEADERS) && v->pgoff == 0 && v->read && elf_header_page(pid, v))
		return LD_PAGE_SIZE < whole ? LD_PAGE_SIZE : whole;
	return 0;
#undef FILTER
}

static int add(struct ld_hidden *h, size_t *cap, uint64_t addr, uint64_t len, uint32_t why,
	       uint32_t kind)
{
	struct ld_hide *last = h->n ? &h->v[h->n - 1] : NULL;

	if (last && last->addr + last->len == addr && last->why == why && last->kind == kind) {
		last->len += len;
		return 0;
	}
	if (h->n == *cap) {
		struct ld_hide *v = realloc(h->v, (*cap = *cap ? *cap * 2 : 16) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
	}
	h->v[h->n++] = (struct ld_hide){ addr, len, why, kind };
	return 0;
}

static int decide(pid_t pid, struct ld_hidden *h, size_t *cap, const struct vma *v)
{
	uint32_t why = LD_HIDDEN_FILTER, kind = KIND_UNKNOWN;
	uint64_t keep;

	if (!v->end)
		return 0;
	keep = dump_size(pid, v, h->filter, &why, &kind);
	if (v->start + keep >= v->end)
		return 0;
	return add(h, cap, v->start + keep, v->end - v->start - keep, why, kind);
}

/* "VmFlags: rd wr mr mw me dd ac sd": whether two-letter flag @f is there. */
static bool vmflag(const char *line, const char *f)
{
	for (const char *p = line + 8; *p && *p != '\n'; p++)
		if (p[0] == ' ' && p[1] == f[0] && p[2] == f[1] &&
		    (p[3] == ' ' || p[3] == '\n' || !p[3]))
			return true;
	return false;
}

static uint32_t read_filter(pid_t pid, uint32_t *flags)
{
	char path[64], *buf;
	unsigned long v;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/coredump_filter", pid);
	if (!ld_read_file(path, &buf, &len)) {
		int ok = sscanf(buf, "%lx", &v) == 1;

		free(buf);
		if (ok)
			return (uint32_t)v;
	}
	*flags |= LD_HID_NO_FILTER;
	return LD_COREDUMP_FILTER_DEFAULT;
}

int ld_hidden_read(pid_t pid, struct ld_hidden *h)
{
	char path[64], *buf;
	size_t len;
	int err;

	memset(h, 0, sizeof(*h));
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	err = ld_read_file(path, &buf, &len);
	if (err)
		return err;
	err = ld_hidden_parse(pid, buf, h);
	free(buf);
	return err;
}

int ld_hidden_parse(pid_t pid, const char *buf, struct ld_hidden *h)
{
	struct vma v = { 0 };
	const char *p;
	size_t cap = 0;
	int err = 0;

	memset(h, 0, sizeof(*h));
	h->filter = read_filter(pid, &h->flags);
	for (p = buf; !err && p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long a, b, off, kb;
		char perms[8];
		int n = 0;

		/* A mapping's first line: "start-end perms offset dev inode [path]". */
		if (sscanf(p, "%llx-%llx %7s %llx %*s %*u %n", &a, &b, perms, &off, &n) == 4 && n) {
			const char *end = strchr(p, '\n');

			err = decide(pid, h, &cap, &v);
			v = (struct vma){ .start = a, .end = b, .pgoff = off, .read = perms[0] == 'r',
					  .shared = perms[3] == 's', .path = p + n };
			v.path_len = end ? (size_t)(end - v.path) : strlen(v.path);
			continue;
		}
		if (sscanf(p, "Anonymous: %llu kB", &kb) == 1 || sscanf(p, "Swap: %llu kB", &kb) == 1)
			v.anon_kb += kb;
		else if (!strncmp(p, "VmFlags:", 8)) {
			v.dd = vmflag(p, "dd");
			v.io = vmflag(p, "io");
			v.ht = vmflag(p, "ht");
		}
	}
	if (!err)
		err = decide(pid, h, &cap, &v);
	if (err)
		ld_hidden__free(h);
	return err;
}

void ld_hidden__free(struct ld_hidden *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
}
