/* SPDX-License-Identifier: MIT */
/*
 * The crash path: while a collector with rules for fatal signals runs, it
 * is the kernel's core_pattern pipe handler.  The handler process the
 * kernel starts (`livedump core-handler`) hands the core stream to the
 * collector over a unix socket; a crash no rule selects goes on to the
 * handler that was configured before, exactly as the kernel would have
 * handled it (docs/safety.md).  The previous pattern is saved in
 * /run/livedump and restored on exit — by the guard if the collector is
 * killed, or at the next start.  Only one collector holds core_pattern at
 * a time (a flock on LD_CORE_LOCK); a second one is refused, naming it.
 */
#ifndef LIVEDUMP_CRASH_H
#define LIVEDUMP_CRASH_H

#include <stdint.h>
#include <sys/types.h>

#define LD_RUN_DIR		"/run/livedump"
#define LD_SAVED_PATTERN	LD_RUN_DIR "/core_pattern.saved"
#define LD_SAVED_PIPE_LIMIT	LD_RUN_DIR "/core_pipe_limit.saved"
/* flock'ed by the collector that holds core_pattern; holds its pid. */
#define LD_CORE_LOCK		LD_RUN_DIR "/core_pattern.lock"
#define LD_CORE_SOCKET		LD_RUN_DIR "/core.sock"
/* The journal line of the crash being read: the guard's, should we die meanwhile. */
#define LD_CORE_INFLIGHT	LD_RUN_DIR "/core-inflight-%d.jsonl"	/* collector's pid */
#define LD_CORE_HANDLER_ARG	"core-handler"

/* What the handler tells the collector, with the core stream's fd. */
struct ld_crash_req {
	uint32_t magic;
	int32_t pid;		/* %P: in the initial pid namespace */
	int32_t sig;		/* %s */
	int32_t pad;
	uint64_t time;		/* %t */
};
#define LD_CRASH_MAGIC	0x48534352U	/* "RCSH" */

struct ld_crash;

/*
 * Installs our handler as core_pattern; *out stays NULL on error, -EBUSY
 * (with a message naming it) when another collector holds it.
 */
int ld_crash__install(struct ld_crash **out);
/* Restores the previous core_pattern and closes the socket. */
void ld_crash__free(struct ld_crash *c);
/* The listening socket (non-blocking), to poll for handlers. */
int ld_crash__fd(const struct ld_crash *c);
/*
 * Accepts one waiting handler: 1 with *req and *core_fd (the stream) and
 * *conn (to answer with ld_crash__answer), 0 when none waits, -errno.
 */
int ld_crash__accept(struct ld_crash *c, struct ld_crash_req *req, int *core_fd, int *conn);
/* 1: the collector took the dump; 0: pass the core on. Closes conn. */
void ld_crash__answer(int conn, int taken);

/*
 * Puts the saved core_pattern back if ours is still set and no live
 * collector holds it: the guard's, once collector @dead has died (waits a
 * moment for its lock to go).  0 or -errno.
 */
int ld_crash_repair(pid_t dead);

/*
 * The journal line to write should the collector die while it reads a
 * core (the guard appends it); NULL once that crash is handled.
 */
int ld_crash_inflight(const char *journal_line);
/* The guard's side: appends collector @dead's in-flight line to @journal_fd. */
void ld_crash_inflight_lost(pid_t dead, int journal_fd);

/* `livedump core-handler %P %s %t %c %p %u %g %h %e %d %i %I %E` — run by the kernel. */
int cmd_core_handler(int argc, char **argv);

#endif
