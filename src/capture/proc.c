// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "base/cgident.h"
#include "base/escape.h"
#include "capture/proc.h"

int ld_read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0 || !p) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *q = realloc(p, cap *= 2);

			if (!q) {
				err = -ENOMEM;
				goto fail;
			}
			p = q;
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	p[n] = 0;
	*buf = p;
	if (len)
		*len = n;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(p);
	return err;
}

static int parse_map_line(char *line, struct ld_map *m)
{
	char perms[8] = "", *path;
	unsigned maj, min;
	unsigned long long start, end, off, ino;
	int pos = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n",
		   &start, &end, perms, &off, &maj, &min, &ino, &pos) < 7)
		return -EINVAL;
	path = line + pos;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->dev = makedev(maj, min);
	m->ino = ino;
	m->perms = (perms[0] == 'r' ? LD_MAP_R : 0) | (perms[1] == 'w' ? LD_MAP_W : 0) |
		   (perms[2] == 'x' ? LD_MAP_X : 0) | (perms[3] == 's' ? LD_MAP_SHARED : 0);
	m->path = strdup(pos ? path : "");
	return m->path ? 0 : -ENOMEM;
}

int ld_proc_maps(pid_t pid, struct ld_maps *maps)
{
	char path[64], *text, *line, *save = NULL, *copy;
	size_t cap = 0;
	int err;

	memset(maps, 0, sizeof(*maps));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	err = ld_read_file(path, &text, NULL);
	if (err)
		return err;
	copy = strdup(text);
	if (!copy) {
		free(text);
		return -ENOMEM;
	}
	maps->text = text;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (maps->n == cap) {
			struct ld_map *v = realloc(maps->v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!v) {
				err = -ENOMEM;
				break;
			}
			maps->v = v;
		}
		err = parse_map_line(line, &maps->v[maps->n]);
		if (err)
			break;
		maps->n++;
	}
	free(copy);
	if (err)
		ld_maps__free(maps);
	return err;
}

void ld_maps__free(struct ld_maps *maps)
{
	for (size_t i = 0; i < maps->n; i++)
		free(maps->v[i].path);
	free(maps->v);
	free(maps->text);
	memset(maps, 0, sizeof(*maps));
}

const struct ld_map *ld_maps__find(const struct ld_maps *maps, uint64_t addr)
{
	size_t lo = 0, hi = maps->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < maps->v[mid].start)
			hi = mid;
		else if (addr >= maps->v[mid].end)
			lo = mid + 1;
		else
			return &maps->v[mid];
	}
	return NULL;
}

bool ld_map__is_file(const struct ld_map *m)
{
	return m->path[0] == '/' && m->ino;
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

int ld_proc_tids(pid_t pid, pid_t **tids, size_t *n)
{
	char path[64];
	struct dirent *de;
	size_t cap = 16;
	pid_t *v = malloc(cap * sizeof(*v));
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d || !v) {
		int err = d ? -ENOMEM : -errno;

		if (d)
			closedir(d);
		free(v);
		return err;
	}
	*n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (*n == cap) {
			pid_t *w = realloc(v, (cap *= 2) * sizeof(*v));

			if (!w) {
				closedir(d);
				free(v);
				return -ENOMEM;
			}
			v = w;
		}
		v[(*n)++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(v, *n, sizeof(*v), cmp_pid);
	*tids = v;
	return 0;
}

long ld_proc_task_syscall(pid_t pid, pid_t tid)
{
	char path[80], buf[64] = "";
	long nr = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] >= '0' && buf[0] <= '9')
		nr = strtol(buf, NULL, 10);
	close(fd);
	return nr;
}

int ld_proc_task_info(pid_t pid, pid_t tid, struct ld_task_info *ti)
{
	char path[80], *buf, *rp;
	unsigned long long ut = 0, st = 0;
	int err, ppid = 0, pgrp = 0, sid = 0;

	memset(ti, 0, sizeof(*ti));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	err = ld_read_file(path, &buf, NULL);
	if (err)
		return err;
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	rp = strrchr(buf, ')');
	if (!rp || sscanf(rp + 2, "%c %d %d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			  &ti->state, &ppid, &pgrp, &sid, &ut, &st) < 4) {
		free(buf);
		return -EINVAL;
	}
	ti->ppid = ppid;
	ti->pgrp = pgrp;
	ti->sid = sid;
	ti->utime = ut;
	ti->stime = st;
	free(buf);

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	if (!ld_read_file(path, &buf, NULL)) {
		size_t len = strlen(buf);

		/* Only the kernel's newline: a comm may hold newlines of its own. */
		if (len && buf[len - 1] == '\n')
			buf[len - 1] = 0;
		snprintf(ti->name, sizeof(ti->name), "%s", buf);
		free(buf);
	}
	ti->syscall = ld_proc_task_syscall(pid, tid);
	return 0;
}

static void fd_info(pid_t pid, struct ld_fd *f)
{
	char path[80], *buf, *p;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, f->fd);
	if (!ld_read_file(path, &buf, NULL)) {
		if ((p = strstr(buf, "pos:")))
			f->pos = strtoull(p + 4, NULL, 10);
		if ((p = strstr(buf, "flags:")))
			f->flags = strtoul(p + 6, NULL, 8);
		free(buf);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, f->fd);
	if (!stat(path, &st)) {
		f->mode = st.st_mode;
		f->ino = st.st_ino;
	}
}

int ld_proc_fds(pid_t pid, struct ld_fd **fds, size_t *n)
{
	char path[64], link[80], target[4096];
	struct dirent *de;
	struct ld_fd *v = NULL;
	size_t cap = 0;
	DIR *d;

	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		ssize_t len;
		struct ld_fd *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (*n == cap) {
			struct ld_fd *w = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!w)
				break;
			v = w;
		}
		f = &v[*n];
		memset(f, 0, sizeof(*f));
		f->fd = atoi(de->d_name);
		snprintf(link, sizeof(link), "%s/%d", path, f->fd);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;	/* closed meanwhile */
		target[len] = 0;
		f->target = strdup(target);
		if (!f->target)
			break;
		fd_info(pid, f);
		(*n)++;
	}
	closedir(d);
	*fds = v;
	return 0;
}

void ld_fds__free(struct ld_fd *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(fds[i].target);
	free(fds);
}

int ld_proc_tracer(pid_t tid, pid_t *tracer, char *comm, size_t len)
{
	char path[64], *buf, *p;
	long t = 0;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	err = ld_read_file(path, &buf, NULL);
	if (err)
		return err;
	p = strstr(buf, "\nTracerPid:");
	if (p)
		t = strtol(p + 11, NULL, 10);
	free(buf);
	if (t <= 0)
		return -ENOENT;
	*tracer = t;
	snprintf(comm, len, "?");
	snprintf(path, sizeof(path), "/proc/%ld/comm", t);
	if (!ld_read_file(path, &buf, NULL)) {
		size_t n = strlen(buf);

		if (n && buf[n - 1] == '\n')
			buf[n - 1] = 0;
		snprintf(comm, len, "%s", buf);
		free(buf);
	}
	return 0;
}

int ld_proc_tracer_msg(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char tcomm[32], ecomm[LD_ESC_SIZE(16)], etcomm[LD_ESC_SIZE(32)];
	struct ld_task_info ti = { .name = "?" };
	pid_t tracer;
	int err = ld_proc_tracer(tid, &tracer, tcomm, sizeof(tcomm));

	if (err)
		return err;
	ld_proc_task_info(pid, pid, &ti);
	ld_escape(ti.name, ecomm, sizeof(ecomm));
	ld_escape(tcomm, etcomm, sizeof(etcomm));
	if (tid == pid)
		snprintf(buf, len, "pid %d (%s): it is already traced by pid %d (%s)",
			 pid, ecomm, tracer, etcomm);
	else
		snprintf(buf, len, "thread %d of pid %d (%s): it is already traced by pid %d (%s)",
			 tid, pid, ecomm, tracer, etcomm);
	return 0;
}

int ld_proc_self_caps(uint64_t *eff)
{
	char *buf, *p;
	int err = ld_read_file("/proc/self/status", &buf, NULL);

	if (err)
		return err;
	p = strstr(buf, "\nCapEff:");
	if (p)
		*eff = strtoull(p + 8, NULL, 16);
	free(buf);
	return p ? 0 : -ENOENT;
}

int ld_proc_cg_ident(pid_t pid, struct ld_cg_ident *id)
{
	char path[64], cg[4096], hier[128], *text;
	int err;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	err = ld_read_file(path, &text, NULL);
	if (err)
		return err;
	if (!ld_cg_ident_source(text, cg, sizeof(cg), hier, sizeof(hier)))
		ld_cg_ident_parse(cg, id);
	free(text);
	return 0;
}
