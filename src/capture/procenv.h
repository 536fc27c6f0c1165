/* SPDX-License-Identifier: MIT */
/*
 * What surrounds a process, for its dump (what systemd-coredump keeps of a
 * crash): its environment, working directory, resource limits and the
 * sockets among its fds with their local and peer addresses.  Read from
 * /proc, prlimit(2) and sock_diag while the process lives.
 */
#ifndef LIVEDUMP_PROCENV_H
#define LIVEDUMP_PROCENV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "capture/proc.h"
#include "dump/dumpfmt.h"

/* Environments longer than this are cut (and the cut one says so: proc_env.cut). */
#define LD_ENVIRON_MAX		(256 * 1024)
#define LD_NLIMITS		16	/* RLIMIT_CPU .. RLIMIT_RTTIME */

struct ld_socket {
	struct ld_note_socket s;	/* size, path_len, peer_path_len unset */
	char *path;			/* UNIX name, NULL: none */
	char *peer_path;		/* the peer's UNIX name, NULL: none or unknown */
};

struct ld_proc_env {
	char *environ;			/* NUL-separated, NULL: not read (gone, or left out) */
	size_t environ_len;
	bool environ_cut;		/* longer than LD_ENVIRON_MAX */
	char cwd[4096];			/* "" unknown */
	struct ld_note_limit limits[LD_NLIMITS];
	unsigned nlimits;		/* 0: unknown */
	struct ld_socket *sockets;
	size_t nsockets;
};

/*
 * Reads what it can of @pid's surroundings into @e (zeroed first); the
 * environment only when @environ.  Sockets are matched to @fds by inode.
 * Never fails: what cannot be read stays unknown.
 */
void ld_proc_env_read(pid_t pid, const struct ld_fd *fds, size_t nfds, bool environ,
		      struct ld_proc_env *e);
void ld_proc_env_free(struct ld_proc_env *e);

/*
 * The sockets of @fds (targets "socket:[INO]") from @pid's /proc/PID/net
 * tables and, for UNIX sockets, sock_diag's peers.  0 or -errno.
 */
int ld_proc_sockets(pid_t pid, const struct ld_fd *fds, size_t nfds, struct ld_socket **out,
		    size_t *n);

#endif /* LIVEDUMP_PROCENV_H */
