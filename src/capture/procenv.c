// SPDX-License-Identifier: MIT
/*
 * A process's surroundings for its dump (procenv.h): environment, working
 * directory, limits, and its sockets with both ends' addresses.
 *
 * TCP and UDP come from the process's own /proc/PID/net tables, which are
 * its network namespace's: a container's connections are seen as it sees
 * them.  UNIX sockets come from sock_diag when the process shares the
 * collector's namespace (names and peers, binary and exact), else from
 * /proc/PID/net/unix (names only).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include "capture/procenv.h"
#include "base/log.h"

#define TCP_ESTABLISHED_	1
#define TCP_CLOSE_		7
#define TCP_LISTEN_		10

/* --- the sockets' inodes among the fds ------------------------------------ */

struct sockset {
	struct ld_socket *v;
	size_t n;
};

static int by_ino(const void *a, const void *b)
{
	const struct ld_socket *x = a, *y = b;

	return x->s.ino < y->s.ino ? -1 : x->s.ino > y->s.ino;
}

static struct ld_socket *find(struct sockset *set, uint64_t ino)
{
	struct ld_socket key = { .s.ino = ino };

	return ino ? bsearch(&key, set->v, set->n, sizeof(*set->v), by_ino) : NULL;
}

/* "socket:[12345]" -> 12345; 0 for anything else. */
static uint64_t socket_ino(const char *target)
{
	unsigned long long ino;
	char end;

	if (!target || sscanf(target, "socket:[%llu%c", &ino, &end) != 2 || end != ']')
		return 0;
	return ino;
}

/* --- /proc/PID/net/{tcp,tcp6,udp,udp6} ------------------------------------- */

/* "0100007F:0016" or 32 hex digits for IPv6: each 32-bit word as the kernel printed it. */
static int parse_addr(const char *s, unsigned words, uint8_t addr[16], uint16_t *port)
{
	unsigned p;

	memset(addr, 0, 16);
	for (unsigned w = 0; w < words; w++) {
		unsigned v;

		if (sscanf(s + 8 * w, "%8x", &v) != 1)
			return -EINVAL;
		/* printed as a host-order integer of the network-order word */
		memcpy(addr + 4 * w, &v, 4);
	}
	if (s[8 * words] != ':' || sscanf(s + 8 * words + 1, "%4x", &p) != 1)
		return -EINVAL;
	*port = p;
	return 0;
}

static void read_inet(pid_t pid, const char *table, uint16_t family, uint16_t type,
		      uint16_t protocol, struct sockset *set)
{
	unsigned words = family == AF_INET6 ? 4 : 1;
	char path[64], line[512], local[64], peer[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, table);
	f = fopen(path, "re");
	if (!f)
		return;		/* no IPv6, or the process is gone */
	if (!fgets(line, sizeof(line), f)) {	/* the column titles */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long ino;
		unsigned state;
		struct ld_socket *s;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*u: %63s %63s %x %*x:%*x %*x:%*x %*x %*u %*u %llu", local,
			   peer, &state, &ino) != 4)
			continue;
		s = find(set, ino);
		if (!s || s->s.family)
			continue;
		if (parse_addr(local, words, s->s.local_addr, &s->s.local_port) ||
		    parse_addr(peer, words, s->s.peer_addr, &s->s.peer_port))
			continue;
		s->s.family = family;
		s->s.type = type;
		s->s.protocol = protocol;
		s->s.state = state;
		/* An unconnected end has a zero peer: nothing to say of it. */
		if (s->s.peer_port || memcmp(s->s.peer_addr, (uint8_t[16]){ 0 }, 16))
			s->s.flags |= LD_SOCK_PEER;
	}
	fclose(f);
}

/* --- UNIX sockets ------------------------------------------------------------ */

static bool same_netns(pid_t pid)
{
	struct stat a, b;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	return !stat("/proc/self/ns/net", &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* A UNIX name as /proc/net/unix writes it: abstract ones start with '@'. */
static char *unix_name(const char *name, size_t len)
{
	char *p;

	while (len && !name[len - 1] && name[0])
		len--;	/* a path name's trailing NUL */
	if (!len)
		return NULL;
	p = malloc(len + 1);
	if (!p)
		return NULL;
	memcpy(p, name, len);
	p[len] = 0;
	if (!p[0])
		p[0] = '@';
	for (size_t i = 1; i < len; i++)
		if (!p[i])
			p[i] = '@';
	return p;
}

/* What sock_diag says of one UNIX socket. */
struct unix_info {
	uint8_t type, state;
	uint32_t peer;		/* 0: none */
	char *name;		/* NULL: none */
};

static void parse_unix_msg(const struct nlmsghdr *h, struct unix_info *u)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	int left = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));

	u->type = m->udiag_type;
	u->state = m->udiag_state;
	for (; left > 0 && RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == UNIX_DIAG_NAME && !u->name)
			u->name = unix_name(RTA_DATA(a), RTA_PAYLOAD(a));
		else if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= 4)
			memcpy(&u->peer, RTA_DATA(a), 4);
	}
}

/*
 * One socket by its inode (unix_diag's exact lookup): one request, one
 * answer, however many sockets the host has.  0, -ENOENT (not a UNIX
 * socket of this namespace), or -errno.
 */
static int unix_diag_exact(int fd, uint32_t ino, struct unix_info *u)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0U, .udiag_ino = ino,
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER,
		       .udiag_cookie = { ~0U, ~0U } },	/* INET_DIAG_NOCOOKIE: any */
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	long buf[8192 / sizeof(long)];
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	ssize_t n;

	memset(u, 0, sizeof(*u));
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	do
		n = recv(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(h, (size_t)n))
		return -EIO;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : -EIO;
	}
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
		return -EIO;
	parse_unix_msg(h, u);
	return 0;
}

/*
 * The UNIX sockets among ours (those the inet tables did not name), and
 * their peers' names, by exact lookups in the collector's network
 * namespace, which the process shares: the process is held meanwhile,
 * and a dump of every socket of a busy host would hold it longer.
 */
static int read_unix_diag(struct sockset *set)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < set->n; i++) {
		struct ld_socket *s = &set->v[i];
		struct unix_info u, pu;

		if (s->s.family || s->s.ino > UINT32_MAX || unix_diag_exact(fd, s->s.ino, &u))
			continue;
		s->s.family = AF_UNIX;
		s->s.type = u.type;
		s->s.state = u.state;
		s->path = u.name;
		if (!u.peer)
			continue;
		s->s.peer_ino = u.peer;
		s->s.flags |= LD_SOCK_PEER_INO;
		/* A client's peer is usually the server's named socket. */
		if (!unix_diag_exact(fd, u.peer, &pu))
			s->peer_path = pu.name;
	}
	close(fd);
	return 0;
}

/* Another network namespace: names from its /proc/PID/net/unix, no peers. */
static void read_unix_proc(pid_t pid, struct sockset *set)
{
	char path[64], line[4096 + 128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/unix", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned flags, type, st;
		unsigned long long ino;
		struct ld_socket *s;
		int off = 0;

		/* Num: RefCount Protocol Flags Type St Inode [Path] */
		if (sscanf(line, "%*x: %*x %*x %x %x %x %llu%n", &flags, &type, &st, &ino,
			   &off) != 4)
			continue;
		s = find(set, ino);
		if (!s || s->s.family)
			continue;
		s->s.family = AF_UNIX;
		s->s.type = type;
		/* SS_* numbering here; the note keeps TCP_* as sock_diag does. */
		s->s.state = (flags & 0x10000) ? TCP_LISTEN_ : st == 3 ? TCP_ESTABLISHED_
									: TCP_CLOSE_;
		if (line[off] == ' ') {
			size_t len = strcspn(line + off + 1, "\n");

			if (len)
				s->path = strndup(line + off + 1, len);
		}
	}
	fclose(f);
}

int ld_proc_sockets(pid_t pid, const struct ld_fd *fds, size_t nfds, struct ld_socket **out,
		    size_t *n)
{
	struct sockset set = { 0 };
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < nfds; i++)
		set.n += socket_ino(fds[i].target) != 0;
	if (!set.n)
		return 0;
	set.v = calloc(set.n, sizeof(*set.v));
	if (!set.v)
		return -ENOMEM;
	for (size_t i = 0; i < nfds; i++) {
		uint64_t ino = socket_ino(fds[i].target);
		bool dup = false;

		for (size_t j = 0; j < k && ino; j++)
			dup |= set.v[j].s.ino == ino;
		if (!ino || dup)
			continue;	/* the first fd that holds it names it */
		set.v[k].s.ino = ino;
		set.v[k].s.fd = fds[i].fd;
		k++;
	}
	set.n = k;
	qsort(set.v, set.n, sizeof(*set.v), by_ino);
	read_inet(pid, "tcp", AF_INET, SOCK_STREAM, IPPROTO_TCP, &set);
	read_inet(pid, "tcp6", AF_INET6, SOCK_STREAM, IPPROTO_TCP, &set);
	read_inet(pid, "udp", AF_INET, SOCK_DGRAM, IPPROTO_UDP, &set);
	read_inet(pid, "udp6", AF_INET6, SOCK_DGRAM, IPPROTO_UDP, &set);
	/*
	 * sock_diag where the process shares our namespace (names and
	 * peers); /proc/PID/net/unix for what it did not name (another
	 * namespace, or a kernel without unix_diag): names only.
	 */
	if (same_netns(pid))
		read_unix_diag(&set);
	read_unix_proc(pid, &set);
	*out = set.v;
	*n = set.n;
	return 0;
}

/* --- the rest ----------------------------------------------------------------- */

static void read_environ(pid_t pid, struct ld_proc_env *e)
{
	char path[64];
	size_t len = 0;
	char *buf;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	if (ld_read_file(path, &buf, &len))
		return;
	if (len > LD_ENVIRON_MAX) {
		/* Cut at a variable's end: no half variable in the dump. */
		len = LD_ENVIRON_MAX;
		while (len && buf[len - 1])
			len--;
		e->environ_cut = true;
	}
	if (!len) {
		free(buf);	/* a zombie's, or really empty */
		return;
	}
	e->environ = buf;
	e->environ_len = len;
}

void ld_proc_env_read(pid_t pid, const struct ld_fd *fds, size_t nfds, bool environ,
		      struct ld_proc_env *e)
{
	char path[64];
	ssize_t n;

	memset(e, 0, sizeof(*e));
	if (environ)
		read_environ(pid, e);
	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	n = readlink(path, e->cwd, sizeof(e->cwd) - 1);
	e->cwd[n > 0 ? n : 0] = 0;
	for (unsigned r = 0; r < LD_NLIMITS; r++) {
		struct rlimit rl;

		if (prlimit(pid, r, NULL, &rl))
			break;	/* gone, or a resource this kernel does not have */
		e->limits[r] = (struct ld_note_limit){ .resource = r, .cur = rl.rlim_cur,
						       .max = rl.rlim_max };
		e->nlimits = r + 1;
	}
	if (ld_proc_sockets(pid, fds, nfds, &e->sockets, &e->nsockets))
		ld_dbg("pid %d: cannot resolve its sockets", pid);
}

void ld_proc_env_free(struct ld_proc_env *e)
{
	free(e->environ);
	for (size_t i = 0; i < e->nsockets; i++) {
		free(e->sockets[i].path);
		free(e->sockets[i].peer_path);
	}
	free(e->sockets);
	memset(e, 0, sizeof(*e));
}
