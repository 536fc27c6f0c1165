// SPDX-License-Identifier: MIT
/*
 * LD_NT_SOCKETS: the sockets among the process's fds with their local and
 * peer ends (struct ld_note_table + ld_note_socket records, entry_size 0,
 * format 1.4).  JSON has them as "sockets"; text shows each beside its fd
 * (fds.c) through ld_socket_describe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "notes/sockets.h"
#include "base/view.h"

static int parse_socket(struct ld_dump *d, const struct ld_dump_note *n, uint32_t i,
			const unsigned char *p, size_t room, size_t *slot)
{
	struct ld_dump_socket *s = &d->sockets[i];
	size_t off = p - (const unsigned char *)n->desc, fixed = sizeof(struct ld_note_socket);
	const char *str;

	if (room < fixed)
		return ld_rd_note_fail(d, n, "socket %u at +%zu: runs past the note", i, off);
	memcpy(&s->s, p, fixed);
	if (s->s.size < fixed || s->s.size > room ||
	    (uint64_t)s->s.path_len + s->s.peer_path_len > s->s.size - fixed)
		return ld_rd_note_fail(d, n, "socket %u at +%zu: size %u with names of %u and %u "
				       "bytes, expected %zu..%zu", i, off, s->s.size, s->s.path_len,
				       s->s.peer_path_len, fixed + s->s.path_len + s->s.peer_path_len,
				       room);
	str = (const char *)p + fixed;
	if ((s->s.path_len && str[s->s.path_len - 1]) ||
	    (s->s.peer_path_len && str[s->s.path_len + s->s.peer_path_len - 1]))
		return ld_rd_note_fail(d, n, "socket %u (inode %llu): name not terminated", i,
				       (unsigned long long)s->s.ino);
	s->path = s->s.path_len ? str : NULL;
	s->peer_path = s->s.peer_path_len ? str + s->s.path_len : NULL;
	*slot = s->s.size;
	return 0;
}

static int parse_sockets(struct ld_dump *d, const struct ld_dump_note *n)
{
	const unsigned char *p = n->desc, *end = p + n->descsz;
	struct ld_note_table t;
	int err = ld_rd_once(d, n, S_SOCKETS);

	if (!err)
		err = ld_rd_need(d, n, sizeof(t));
	if (err)
		return err;
	memcpy(&t, p, sizeof(t));
	p += sizeof(t);
	if (t.entry_size)
		return ld_rd_note_fail(d, n, "entry_size %u, expected 0 (variable-size records)",
				       t.entry_size);
	if (t.count > (n->descsz - sizeof(t)) / sizeof(struct ld_note_socket))
		return ld_rd_note_fail(d, n, "%u sockets do not fit in %u bytes", t.count,
				       n->descsz);
	d->sockets = calloc(t.count ? t.count : 1, sizeof(*d->sockets));
	if (!d->sockets)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u sockets", t.count);
	for (uint32_t i = 0; i < t.count; i++) {
		size_t slot = 0;

		err = parse_socket(d, n, i, p, end - p, &slot);
		if (err)
			return err;
		p += slot;
	}
	d->nsockets = t.count;
	return 0;
}

/* --- in words ------------------------------------------------------------------ */

const char *ld_socket_proto(const struct ld_dump_socket *s)
{
	bool v6 = s->s.family == AF_INET6;

	if (s->s.family == AF_UNIX)
		return s->s.type == SOCK_STREAM ? "unix-stream" : s->s.type == SOCK_DGRAM ?
		       "unix-dgram" : s->s.type == SOCK_SEQPACKET ? "unix-seqpacket" : "unix";
	if (s->s.family != AF_INET && !v6)
		return "socket";	/* a family the capture does not resolve (netlink, ...) */
	if (s->s.protocol == 6)
		return v6 ? "tcp6" : "tcp";
	if (s->s.protocol == 17)
		return v6 ? "udp6" : "udp";
	return v6 ? "inet6" : "inet";
}

const char *ld_socket_state(const struct ld_dump_socket *s)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2", [6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	};

	if (!s->s.family)
		return "";
	/* An unconnected datagram socket is "closed" only in the kernel's numbering. */
	if (s->s.type == SOCK_DGRAM && s->s.state == 7)
		return "";
	return s->s.state < sizeof(names) / sizeof(names[0]) && names[s->s.state] ?
	       names[s->s.state] : "?";
}

static const char *inet_end(const struct ld_dump_socket *s, const uint8_t *addr, uint16_t port,
			    char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(s->s.family, addr, a, sizeof(a)))
		return NULL;
	snprintf(buf, len, s->s.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

const char *ld_socket_local(const struct ld_dump_socket *s, char *buf, size_t len)
{
	if (s->s.family == AF_UNIX)
		return s->path;
	if (s->s.family != AF_INET && s->s.family != AF_INET6)
		return NULL;
	return inet_end(s, s->s.local_addr, s->s.local_port, buf, len);
}

const char *ld_socket_peer(const struct ld_dump_socket *s, char *buf, size_t len)
{
	if (s->s.family == AF_UNIX) {
		if (s->peer_path)
			return s->peer_path;
		if (s->s.flags & LD_SOCK_PEER_INO) {
			snprintf(buf, len, "socket:[%u]", s->s.peer_ino);
			return buf;
		}
		return NULL;
	}
	if (!(s->s.flags & LD_SOCK_PEER))
		return NULL;
	return inet_end(s, s->s.peer_addr, s->s.peer_port, buf, len);
}

const char *ld_socket_describe(const struct ld_dump_socket *s, char *buf, size_t len)
{
	char lb[128], pb[128];
	const char *l = ld_socket_local(s, lb, sizeof(lb)), *p = ld_socket_peer(s, pb, sizeof(pb));
	const char *st = ld_socket_state(s);

	if (!s->s.family) {
		snprintf(buf, len, "(not found in the process's socket tables)");
		return buf;
	}
	snprintf(buf, len, "%s%s%s%s%s%s%s", ld_socket_proto(s), l ? " " : "", l ? l : "",
		 p ? " -> " : "", p ? p : "", *st ? " " : "", st);
	return buf;
}

/* --- shown --------------------------------------------------------------------- */

static void sockets_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t n = ld_dump__nsockets(d);
	char lb[128], pb[128];

	(void)o;
	/* JSON only: text names each socket at its fd. */
	ld_view__array(v, "sockets");
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_socket *s = ld_dump__socket(d, i);

		ld_view__object(v, NULL);
		ld_view__int(v, "fd", NULL, s->s.fd);
		ld_view__uint(v, "ino", NULL, s->s.ino);
		ld_view__str(v, "protocol", NULL, s->s.family ? ld_socket_proto(s) : NULL);
		ld_view__str(v, "state", NULL, *ld_socket_state(s) ? ld_socket_state(s) : NULL);
		ld_view__str(v, "local", NULL, ld_socket_local(s, lb, sizeof(lb)));
		ld_view__str(v, "peer", NULL, ld_socket_peer(s, pb, sizeof(pb)));
		if (s->s.flags & LD_SOCK_PEER_INO)
			ld_view__uint(v, "peer_ino", NULL, s->s.peer_ino);
		else
			ld_view__null(v, "peer_ino", NULL);
		ld_view__object_end(v);
	}
	ld_view__array_end(v);
}

const struct ld_note_ops ld_note_sockets = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_SOCKETS,
	.name = "LD_NT_SOCKETS",
	.parse = parse_sockets,
	.show = sockets_show,
};
