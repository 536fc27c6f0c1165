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
#include "group/group_priv.h"
#include "base/cgroupfs.h"
#include "base/cgident.h"
#include "capture/proc.h"
#include "capture/procenv.h"

static const char *const link_names[LD_LINK__COUNT] = {
	[LD_LINK_UNIX] = "unix", [LD_LINK_TCP] = "tcp", [LD_LINK_PIPE] = "pipe",
};

static const char *const status_names[LD_MEMBER__COUNT] = {
	[LD_MEMBER_DUMPED] = "dumped", [LD_MEMBER_FAILED] = "failed",
	[LD_MEMBER_RELEASED] = "released", [LD_MEMBER_LEFT_OUT] = "left-out",
	[LD_MEMBER_GONE] = "gone",
};

const char *ld_link_kind_name(enum ld_link_kind k)
{
	return (unsigned)k < LD_LINK__COUNT ? link_names[k] : "?";
}

const char *ld_member_status_name(enum ld_member_status s)
{
	return (unsigned)s < LD_MEMBER__COUNT ? status_names[s] : "?";
}

int ld_group_read_text(const char *path, char *buf, size_t len)
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

int ld_group_add_member(struct ld_group *g, pid_t pid, size_t max)
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

bool ld_group_is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ---- the fds of processes: sockets and pipes by inode ---- */

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
int ld_group_fds_all(struct fdvec *fv)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		pid_t pid;

		if (!ld_group_is_pid_name(de->d_name))
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
int ld_group_ends_of(pid_t pid, const struct fdvec *fv, const struct ld_group *only,
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
			err = ld_group_ends_of(g->m[i].pid, &fv, g, link_fn, g);
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

/* ---- the scopes (one file each: scope_*.c) ---- */

static const struct ld_scope_ops *const scopes[] = {
	[LD_SCOPE_NONE] = NULL,		/* the process alone */
	[LD_SCOPE_CGROUP] = &ld_scope_cgroup,
	[LD_SCOPE_PEERS] = &ld_scope_peers,
	[LD_SCOPE_EXE] = &ld_scope_exe,
};
_Static_assert(sizeof(scopes) / sizeof(scopes[0]) == LD_SCOPE__COUNT, "a scope without its entry");

const char *ld_scope_name(enum ld_scope s)
{
	if (s == LD_SCOPE_NONE)
		return "process";
	return (unsigned)s < LD_SCOPE__COUNT && scopes[s] ? scopes[s]->name : "?";
}

enum ld_scope ld_scope_from_words(const char (*words)[64], unsigned n, char (*exes)[64],
				  unsigned *nexes)
{
	*nexes = 0;
	for (unsigned s = LD_SCOPE_NONE + 1; n && s < LD_SCOPE__COUNT; s++) {
		const struct ld_scope_ops *o = scopes[s];
		size_t len = strlen(o->name);

		if (!o->names && !strcmp(words[0], o->name))
			return s;
		if (o->names && !strncmp(words[0], o->name, len) && words[0][len] == ':') {
			for (unsigned i = 0; i < n; i++)
				snprintf(exes[(*nexes)++], 64, "%s", words[i] + (i ? 0 : len + 1));
			return s;
		}
	}
	return LD_SCOPE_NONE;
}

int ld_group_find(struct ld_group *g, pid_t pid, enum ld_scope scope, const char (*exes)[64],
		  unsigned nexes, size_t max, char *err, size_t errlen)
{
	int e;

	memset(g, 0, sizeof(*g));
	g->scope = scope;
	g->cg_slot = -1;
	if (max < 1)
		max = 1;
	e = ld_group_add_member(g, pid, max);
	if (!e && !g->n)
		e = -ESRCH;
	if (e) {
		snprintf(err, errlen, "pid %d: %s", pid, e == -ESRCH ? "gone" : strerror(-e));
		return e;
	}
	if ((unsigned)scope >= LD_SCOPE__COUNT || !scopes[scope])
		return 0;
	return scopes[scope]->find(g, pid, exes, nexes, max, err, errlen);
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
	if (!ld_group_read_text(path, text, sizeof(text))) {
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
	if (ld_group_read_text(path, t->wchan, sizeof(t->wchan)) || !strcmp(t->wchan, "0"))
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
