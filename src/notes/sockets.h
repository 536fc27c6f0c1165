/* SPDX-License-Identifier: MIT */
/*
 * A socket of LD_NT_SOCKETS in words, for every note that names one (the
 * fds' targets): "tcp 127.0.0.1:5432 <- 127.0.0.1:40112 ESTABLISHED".
 */
#ifndef LIVEDUMP_NOTES_SOCKETS_H
#define LIVEDUMP_NOTES_SOCKETS_H

#include <stddef.h>
#include "dump/dump_reader.h"

/* "tcp", "udp6", "unix-stream", ... */
const char *ld_socket_proto(const struct ld_dump_socket *s);
/* TCP_* numbering: "ESTABLISHED", "LISTEN", ...; "" for an unconnected datagram socket. */
const char *ld_socket_state(const struct ld_dump_socket *s);
/* "127.0.0.1:80", "[::1]:80", "/run/x.sock", "@name"; NULL when unknown or none. */
const char *ld_socket_local(const struct ld_dump_socket *s, char *buf, size_t len);
const char *ld_socket_peer(const struct ld_dump_socket *s, char *buf, size_t len);
/* The whole line: protocol, local end, "->" peer, state. */
const char *ld_socket_describe(const struct ld_dump_socket *s, char *buf, size_t len);

#endif
