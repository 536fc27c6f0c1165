// SPDX-License-Identifier: MIT
/*
 * A group's members (scope=cgroup, peers, exe), the sockets and pipes
 * between them, and what each thread was doing (group.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "group/group.h"
#include "base/cgroupfs.h"
#include "base/cgident.h"
#include "capture/proc.h"
#include "capture/procenv.h"

static const char *const scope_names[LD_SCOPE__COUNT] = {
	[LD_SCOPE_NONE] = "process", [LD_SCOPE_CGROUP] = "cgroup", [LD_SCOPE_PEERS] = "peers",
	[LD_SCOPE_EXE] = "exe",
};

static const char *const link_names[LD_LINK__COUNT] = {
	[LD_LINK_UNIX] = "unix", [LD_LINK_TCP] = "tcp", [LD_LINK_PIPE] = "pipe",
};

static const char *const status_names[LD_MEMBER__COUNT] = {
	[LD_MEMBER_DUMPED] = "dumped", [LD_MEMBER_FAILED] = "failed",
	[LD_MEMBER_RELEASED] = "released", [LD_MEMBER_LEFT_OUT] = "left-out",
	[LD_MEMBER_GONE] = "gone",
};

const char *ld_scope_name(enum ld_scope s)
{
	return (unsigned)s < LD_SCOPE__COUNT ? scope_names[s] : "?";
}

const char *ld_link_kind_name(enum ld_link_kind k)
{
	return (unsigned)k < LD_LINK__COUNT ? link_names[k] : "?";
}

const char *ld_member_status_name(enum ld_member_status s)
{
	return (unsigned)s < LD_MEMBER__COUNT ? status_names[s] : "?";
}

enum ld_scope ld_scope_from_words(const char (*words)[64], unsigned n, char (*exes)[64],
				  unsigned *nexes)
{
	*nexes = 0;
	if (!n)
		return LD_SCOPE_NONE;
	if (!strcmp(words[0], "cgroup"))
		return LD_SCOPE_CGROUP;
	if (!strcmp(words[0], "peers"))
		return LD_SCOPE_PEERS;
	if (strncmp(words[0], "exe:", 4))
		return LD_SCOPE_NONE;
	for (unsigned i = 0; i < n; i++)
		snprintf(exes[(*nexes)++], 64, "%s", words[i] + (i ? 0 : 4));
	return LD_SCOPE_EXE;
}

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

static bool has_member(const struct ld_group *g, pid_t pid)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].pid == pid)
			return true;
	return false;
}

/* The collector and what it forked (the guard) are never members. */
static bool is_self(pid_t pid)
{
	struct ld_task_info ti;

	return pid == getpid() || (!ld_proc_task_info(pid, pid, &ti) && ti.ppid == getpid());
}

/*
 * Nor init, nor any process the collector runs under (its shell, sshd,
 * tmux, the service manager): stopping one could stop what reads the
 * collector's output (a full pipe would then hold the collector, and the
 * group with it) or the host's session.  They show up as peers through
 * the pipes and sockets their children inherit.
 */
static bool is_ancestor(pid_t pid)
{
	struct ld_task_info ti;
	pid_t p = getppid();

	if (pid == 1)
		return true;
	for (int depth = 0; p > 1 && depth < 64; depth++) {
		if (p == pid)
			return true;
		if (ld_proc_task_info(p, p, &ti))
			break;
		p = ti.ppid;
	}
	return false;
}

static int add_member(struct ld_group *g, pid_t pid, size_t max)
{
	struct ld_group_member *v, *m;
	struct ld_task_info ti;
	char path[64];
	ssize_t len;

	if (has_member(g, pid))
		return 0;
	if (is_self(pid)) {
		g->self_inside = true;
		return 0;
	}
	/* Never a member but as the trigger; a cgroup holding one is not frozen whole either. */
	if (g->n && is_ancestor(pid)) {
		g->self_inside = true;
		return 0;
	}
	if (ld_proc_task_info(pid, pid, &ti))
		return 0;	/* gone meanwhile */
	if (ti.state == 'Z' || ti.state == 'X')
		return 0;
	v = realloc(g->m, (g->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	g->m = v;
	m = &v[g->n];
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	m->slot = -1;
	m->trigger = g->n == 0;
	snprintf(m->comm, sizeof(m->comm), "%s", ti.name);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	len = readlink(path, m->exe, sizeof(m->exe) - 1);
	m->exe[len > 0 ? len : 0] = 0;
	if (g->n >= max) {
		m->status = LD_MEMBER_LEFT_OUT;
		snprintf(m->why, sizeof(m->why), "the group has more than %zu members", max);
	}
	g->n++;
	return 0;
}

static bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ---- scope=cgroup ---- */

/* Every process of @dir and the cgroups below it. */
static int add_cgroup_procs(struct ld_group *g, const char *dir, size_t max, int depth)
{
	char path[PATH_MAX], line[32];
	struct dirent *de;
	FILE *f;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f))
		err = add_member(g, atoi(line), max);
	fclose(f);
	if (err || depth > 32)
		return err;
	d = opendir(dir);
	if (!d)
		return 0;
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		err = add_cgroup_procs(g, path, max, depth + 1);
		if (err == -ENOENT)
			err = 0;	/* removed meanwhile */
	}
	closedir(d);
	return err;
}

static bool file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

/*
 * The cgroup to take: the v2 one if it can be frozen, else the v1
 * freezer's, else the first one below a root (held by SIGSTOP then).
 * The root of a hierarchy is the whole host: never taken.
 */
static int pick_cgroup(struct ld_group *g, pid_t pid, char *err, size_t errlen)
{
	const struct ld_cg_hier *h2, *hf, *hs = NULL;
	char text[8192], path[512], hier[64], file[64];
	struct ld_cg_hiers hh;
	int e;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	e = read_text(file, text, sizeof(text));
	if (!e)
		e = ld_cg_hiers_load(&hh);
	if (e) {
		snprintf(err, errlen, "cannot read the cgroups of pid %d: %s", pid, strerror(-e));
		return e;
	}
	h2 = ld_cg_hiers__v2(&hh);
	hf = ld_cg_hiers__ctrl(&hh, LD_CGC_FREEZER);
	if (h2 && !ld_proc_cgroup_find(text, LD_CGC_V2, NULL, path, sizeof(path)) &&
	    strcmp(path, "/")) {
		snprintf(g->cgroup, sizeof(g->cgroup), "%s%s", h2->mnt, path);
		snprintf(g->cgroup_path, sizeof(g->cgroup_path), "%s", path);
		if (file_exists(g->cgroup, "cgroup.freeze"))
			return 0;
		hs = h2;
	}
	if (hf && !ld_proc_cgroup_find(text, LD_CGC_FREEZER, NULL, path, sizeof(path)) &&
	    strcmp(path, "/")) {
		snprintf(g->cgroup, sizeof(g->cgroup), "%s%s", hf->mnt, path);
		snprintf(g->cgroup_path, sizeof(g->cgroup_path), "freezer:%s", path);
		return 0;
	}
	if (hs)
		return 0;	/* the v2 one, without a freezer */
	if (!ld_cg_ident_source(text, path, sizeof(path), hier, sizeof(hier)) && strcmp(path, "/")) {
		int c = ld_cgc_parse(hier, strlen(hier));

		hs = c >= 0 ? ld_cg_hiers__ctrl(&hh, c) :
		     !strncmp(hier, "name=", 5) ? ld_cg_hiers__named(&hh, hier + 5) : NULL;
		if (hs) {
			snprintf(g->cgroup, sizeof(g->cgroup), "%s%s", hs->mnt, path);
			snprintf(g->cgroup_path, sizeof(g->cgroup_path), "%s:%s", hier, path);
			return 0;
		}
	}
	snprintf(err, errlen, "pid %d is in the root cgroup of every hierarchy: scope=cgroup"
		 " would be the whole host", pid);
	return -ENOENT;
}

/* ---- the fds of processes: sockets and pipes by inode ---- */

enum fd_kind { FD_SOCKET, FD_PIPE };

struct fdent {
	pid_t pid;
	int fd;
	uint64_t ino;
	enum fd_kind kind;
	unsigned flags;
};

struct fdvec {
	struct fdent *v;
	size_t n, cap;
};

static int fds_of(pid_t pid, struct fdvec *fv)
{
	struct ld_fd *fds;
	size_t n;
	int err = ld_proc_fds(pid, &fds, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		unsigned long long ino;
		enum fd_kind k;

		if (!fds[i].target)
			continue;
		if (sscanf(fds[i].target, "socket:[%llu]", &ino) == 1)
			k = FD_SOCKET;
		else if (sscanf(fds[i].target, "pipe:[%llu]", &ino) == 1)
			k = FD_PIPE;
		else
			continue;
		if (fv->n == fv->cap) {
			struct fdent *w = realloc(fv->v, (fv->cap = fv->cap ? fv->cap * 2 : 64) *
						  sizeof(*w));

			if (!w) {
				ld_fds__free(fds, n);
				return -ENOMEM;
			}
			fv->v = w;
		}
		fv->v[fv->n++] = (struct fdent){ .pid = pid, .fd = fds[i].fd, .ino = ino, .kind = k,
						 .flags = fds[i].flags };
	}
	ld_fds__free(fds, n);
	return 0;
}

/* Every process's sockets and pipes but ours. */
static int fds_all(struct fdvec *fv)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		pid_t pid;

		if (!is_pid_name(de->d_name))
			continue;
		pid = atoi(de->d_name);
		if (is_self(pid))
			continue;
		err = fds_of(pid, fv);
		if (err && err != -ENOMEM)
			err = 0;	/* gone, or a kernel thread */
	}
	closedir(d);
	return err;
}

/* ---- TCP connections between local sockets, from /proc/PID/net/tcp{,6} ---- */

struct tcpent {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint64_t ino;
	unsigned state;
};

static void hex_addr(const char *s, uint8_t addr[16])
{
	unsigned words = strlen(s) / 8;

	memset(addr, 0, 16);
	/* Each 32-bit word is printed in host order. */
	for (unsigned w = 0; w < words && w < 4; w++) {
		char part[9];
		uint32_t v;

		memcpy(part, s + w * 8, 8);
		part[8] = 0;
		v = (uint32_t)strtoul(part, NULL, 16);
		memcpy(addr + w * 4, &v, 4);
	}
}

static void tcp_table(pid_t pid, const char *name, struct tcpent **v, size_t *n)
{
	char path[64], line[512], la[40], ra[40];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, name);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned lp, rp, st;
		unsigned long long ino;
		struct tcpent *w;

		if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*u %*u %llu",
			   la, &lp, ra, &rp, &st, &ino) != 6 || !ino)
			continue;
		w = realloc(*v, (*n + 1) * sizeof(*w));
		if (!w)
			break;
		*v = w;
		w = &w[(*n)++];
		hex_addr(la, w->laddr);
		hex_addr(ra, w->raddr);
		w->lport = (uint16_t)lp;
		w->rport = (uint16_t)rp;
		w->state = st;
		w->ino = ino;
	}
	fclose(f);
}

static const struct tcpent *tcp_find(const struct tcpent *v, size_t n, uint64_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ino == ino)
			return &v[i];
	return NULL;
}

/* The socket at the other end of @e, among @v: local and remote swapped. */
static const struct tcpent *tcp_other(const struct tcpent *v, size_t n, const struct tcpent *e)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].lport == e->rport && v[i].rport == e->lport &&
		    !memcmp(v[i].laddr, e->raddr, 16) && !memcmp(v[i].raddr, e->laddr, 16))
			return &v[i];
	return NULL;
}

static void fmt_ep(char *buf, size_t len, const uint8_t a[16], uint16_t port, bool v6)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (!v6)
		snprintf(buf, len, "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], port);
	else if (inet_ntop(AF_INET6, a, ip, sizeof(ip)))
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "[?]:%u", port);
}

/* ---- links ---- */

static const struct fdent *owner(const struct fdvec *fv, uint64_t ino, enum fd_kind k,
				 pid_t not_pid, const struct ld_group *only)
{
	for (size_t i = 0; i < fv->n; i++)
		if (fv->v[i].ino == ino && fv->v[i].kind == k && fv->v[i].pid != not_pid &&
		    (!only || has_member(only, fv->v[i].pid)))
			return &fv->v[i];
	return NULL;
}

static bool same_end(const struct ld_link_end *e, const struct fdent *f)
{
	return e->pid == f->pid && e->ino == f->ino;
}

/* Seen from the other end already (a pipe's ends share one inode: the pids tell them apart). */
static bool have_link(const struct ld_group *g, enum ld_link_kind k, const struct fdent *a,
		      const struct fdent *b)
{
	for (size_t i = 0; i < g->nl; i++)
		if (g->l[i].kind == k && ((same_end(&g->l[i].a, a) && same_end(&g->l[i].b, b)) ||
					  (same_end(&g->l[i].a, b) && same_end(&g->l[i].b, a))))
			return true;
	return false;
}

static int add_link(struct ld_group *g, enum ld_link_kind k, const struct fdent *a,
		    const struct fdent *b, const char *what)
{
	struct ld_group_link *v;

	if (have_link(g, k, a, b))
		return 0;
	v = realloc(g->l, (g->nl + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	g->l = v;
	v[g->nl] = (struct ld_group_link){
		.kind = k, .a = { a->pid, a->fd, a->ino }, .b = { b->pid, b->fd, b->ino },
	};
	snprintf(v[g->nl].what, sizeof(v[g->nl].what), "%s", what);
	g->nl++;
	return 0;
}

/*
 * The other ends of @pid's sockets and pipes among @fv (owners limited to
 * @only's members when not NULL): each one @fn is told of.
 */
static int ends_of(pid_t pid, const struct fdvec *fv, const struct ld_group *only,
		   int (*fn)(void *arg, enum ld_link_kind k, const struct fdent *mine,
			     const struct fdent *theirs, const char *what), void *arg)
{
	struct ld_socket *socks = NULL;
	struct tcpent *tcp = NULL;
	size_t nsocks = 0, ntcp = 0, nmine = 0;
	struct ld_fd *fds;
	int err = 0;

	if (ld_proc_fds(pid, &fds, &nmine))
		return 0;	/* gone */
	ld_proc_sockets(pid, fds, nmine, &socks, &nsocks);
	ld_fds__free(fds, nmine);
	tcp_table(pid, "tcp", &tcp, &ntcp);
	tcp_table(pid, "tcp6", &tcp, &ntcp);
	for (size_t i = 0; !err && i < fv->n; i++) {
		const struct fdent *me = &fv->v[i], *o;
		char what[160];

		if (me->pid != pid)
			continue;
		if (me->kind == FD_PIPE) {
			/*
			 * A link to each process with the other end: writers that
			 * share an inherited write end (a shell's stdout) are no peers.
			 */
			for (size_t k = 0; !err && k < fv->n; k++) {
				o = &fv->v[k];
				if (o->kind != FD_PIPE || o->ino != me->ino || o->pid == pid ||
				    (only && !has_member(only, o->pid)) ||
				    (me->flags & O_ACCMODE) == (o->flags & O_ACCMODE))
					continue;
				snprintf(what, sizeof(what), "pipe:[%llu], %s writes",
					 (unsigned long long)me->ino,
					 (me->flags & O_ACCMODE) == O_WRONLY ? "a" : "b");
				err = fn(arg, LD_LINK_PIPE, me, o, what);
			}
			continue;
		}
		for (size_t s = 0; s < nsocks; s++) {
			const struct ld_socket *so = &socks[s];

			if (so->s.ino != me->ino)
				continue;
			if (so->s.family == AF_UNIX && so->s.peer_ino) {
				o = owner(fv, so->s.peer_ino, FD_SOCKET, pid, only);
				if (!o)
					break;
				snprintf(what, sizeof(what), "%s", so->path ? so->path :
					 so->peer_path ? so->peer_path : "(unnamed)");
				err = fn(arg, LD_LINK_UNIX, me, o, what);
			} else if (so->s.family == AF_INET || so->s.family == AF_INET6) {
				const struct tcpent *e = tcp_find(tcp, ntcp, me->ino), *t;
				char l[64], r[64];

				if (!e || !e->rport || !(t = tcp_other(tcp, ntcp, e)))
					break;
				o = owner(fv, t->ino, FD_SOCKET, pid, only);
				if (!o)
					break;
				fmt_ep(l, sizeof(l), e->laddr, e->lport, so->s.family == AF_INET6);
				fmt_ep(r, sizeof(r), e->raddr, e->rport, so->s.family == AF_INET6);
				snprintf(what, sizeof(what), "%s - %s", l, r);
				err = fn(arg, LD_LINK_TCP, me, o, what);
			}
			break;
		}
	}
	for (size_t s = 0; s < nsocks; s++) {
		free(socks[s].path);
		free(socks[s].peer_path);
	}
	free(socks);
	free(tcp);
	return err;
}

struct peer_arg {
	struct ld_group *g;
	size_t max;
};

static int add_peer(void *arg, enum ld_link_kind k, const struct fdent *mine,
		    const struct fdent *theirs, const char *what)
{
	struct peer_arg *a = arg;

	(void)k;
	(void)what;
	/*
	 * Standard streams lead to whoever started or logs the process (a
	 * terminal, a supervisor's pipe, journald's socket), not to a peer it
	 * works with: a pipeline's neighbours are for scope=exe:.
	 */
	if (mine->fd <= 2)
		return 0;
	return add_member(a->g, theirs->pid, a->max);
}

static int link_fn(void *arg, enum ld_link_kind k, const struct fdent *mine,
		   const struct fdent *theirs, const char *what)
{
	return add_link(arg, k, mine, theirs, what);
}

int ld_group_links(struct ld_group *g)
{
	struct fdvec fv = { 0 };
	int err = 0;

	for (size_t i = 0; !err && i < g->n; i++)
		if (g->m[i].status != LD_MEMBER_LEFT_OUT)
			err = fds_of(g->m[i].pid, &fv) == -ENOMEM ? -ENOMEM : 0;
	for (size_t i = 0; !err && i < g->n; i++)
		if (g->m[i].status != LD_MEMBER_LEFT_OUT)
			err = ends_of(g->m[i].pid, &fv, g, link_fn, g);
	free(fv.v);
	return err;
}

size_t ld_group_left_out(const struct ld_group *g)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++)
		n += g->m[i].status == LD_MEMBER_LEFT_OUT;
	return n;
}

/* ---- scope=exe ---- */

static bool exe_matches(const char *exe, const char (*exes)[64], unsigned nexes)
{
	const char *base = strrchr(exe, '/');

	base = base ? base + 1 : exe;
	for (unsigned i = 0; i < nexes; i++)
		if (strchr(exes[i], '/') ? !strcmp(exe, exes[i]) : !strcmp(base, exes[i]))
			return true;
	return false;
}

static int add_exes(struct ld_group *g, const char (*exes)[64], unsigned nexes, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		char path[64], exe[PATH_MAX];
		ssize_t len;

		if (!is_pid_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", atoi(de->d_name));
		len = readlink(path, exe, sizeof(exe) - 1);
		if (len <= 0)
			continue;
		exe[len] = 0;
		/* A replaced binary reads "PATH (deleted)": still the one named. */
		if (len > 10 && !strcmp(exe + len - 10, " (deleted)"))
			exe[len - 10] = 0;
		if (exe_matches(exe, exes, nexes))
			err = add_member(g, atoi(de->d_name), max);
	}
	closedir(d);
	return err;
}

int ld_group_find(struct ld_group *g, pid_t pid, enum ld_scope scope, const char (*exes)[64],
		  unsigned nexes, size_t max, char *err, size_t errlen)
{
	struct fdvec fv = { 0 };
	int e;

	memset(g, 0, sizeof(*g));
	g->scope = scope;
	g->cg_slot = -1;
	if (max < 1)
		max = 1;
	e = add_member(g, pid, max);
	if (!e && !g->n)
		e = -ESRCH;
	if (e) {
		snprintf(err, errlen, "pid %d: %s", pid, e == -ESRCH ? "gone" : strerror(-e));
		return e;
	}
	switch (scope) {
	case LD_SCOPE_CGROUP:
		e = pick_cgroup(g, pid, err, errlen);
		if (e)
			return e;
		e = add_cgroup_procs(g, g->cgroup, max, 0);
		if (e)
			snprintf(err, errlen, "cannot read the processes of %s: %s", g->cgroup,
				 strerror(-e));
		return e;
	case LD_SCOPE_PEERS:
		e = fds_all(&fv);
		if (!e)
			e = ends_of(pid, &fv, NULL, add_peer, &(struct peer_arg){ g, max });
		free(fv.v);
		if (e)
			snprintf(err, errlen, "cannot find the peers of pid %d: %s", pid, strerror(-e));
		return e;
	case LD_SCOPE_EXE:
		e = add_exes(g, exes, nexes, max);
		if (e)
			snprintf(err, errlen, "cannot list the processes: %s", strerror(-e));
		return e;
	default:
		return 0;
	}
}

/* ---- what each thread was doing ---- */

/* Syscalls whose first argument is the fd they wait on. */
static bool fd_syscall(long nr)
{
	static const long nrs[] = {
		SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64,
		SYS_recvfrom, SYS_sendto, SYS_recvmsg, SYS_sendmsg, SYS_accept, SYS_accept4,
		SYS_connect, SYS_recvmmsg, SYS_sendmmsg,
	};

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		if (nrs[i] == nr)
			return true;
	return false;
}

static void read_thread(struct ld_group *g, const struct ld_group_member *m,
			struct ld_group_thread *t)
{
	char path[96], text[512];
	struct ld_task_info ti;

	t->nr = -2;
	t->waits_on = -1;
	t->state = ld_proc_task_info(m->pid, t->tid, &ti) ? '?' : ti.state;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", m->pid, t->tid);
	if (!read_text(path, text, sizeof(text))) {
		unsigned long long a[6] = { 0 };

		if (!strncmp(text, "running", 7))
			t->nr = -1;
		else if (sscanf(text, "%ld %llx %llx %llx %llx %llx %llx", &t->nr, &a[0], &a[1],
				&a[2], &a[3], &a[4], &a[5]) >= 1)
			for (int i = 0; i < 6; i++)
				t->args[i] = a[i];
		if (t->nr < -1)
			t->nr = -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", m->pid, t->tid);
	if (read_text(path, t->wchan, sizeof(t->wchan)) || !strcmp(t->wchan, "0"))
		t->wchan[0] = 0;
	if (t->nr < 0 || !fd_syscall(t->nr))
		return;
	for (size_t i = 0; i < g->nl; i++) {
		const struct ld_group_link *l = &g->l[i];

		if ((l->a.pid == m->pid && l->a.fd == (int)t->args[0]) ||
		    (l->b.pid == m->pid && l->b.fd == (int)t->args[0])) {
			t->waits_on = (int)i;
			return;
		}
	}
}

void ld_group_threads(struct ld_group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct ld_group_member *m = &g->m[i];
		pid_t *tids;
		size_t n;

		if (m->status == LD_MEMBER_LEFT_OUT || ld_proc_tids(m->pid, &tids, &n))
			continue;
		m->t = calloc(n, sizeof(*m->t));
		if (!m->t) {
			free(tids);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			m->t[k].tid = tids[k];
			read_thread(g, m, &m->t[k]);
		}
		m->nt = n;
		free(tids);
	}
}

void ld_group__free(struct ld_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->m[i].t);
	free(g->m);
	free(g->l);
	memset(g, 0, sizeof(*g));
}
