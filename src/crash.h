/* SPDX-License-Identifier: MIT */
/*
 * The crash path: while a collector with rules for fatal signals runs, it
 * is the kernel's core_pattern pipe handler.  The handler process the
 * kernel starts (`livedump core-handler`) hands the core stream to the
 * collector over a unix socket; a crash no rule selects goes on to the
 * handler that was configured before, untouched.  The previous pattern is
 * saved in /run/livedump and restored on exit — by the guard if the
 * collector is killed, or at the next start.
 */
#ifndef LIVEDUMP_CRASH_H
#define LIVEDUMP_CRASH_H

#include <stdint.h>
#include <sys/types.h>

#define LD_RUN_DIR		"/run/livedump"
#define LD_SAVED_PATTERN	LD_RUN_DIR "/core_pattern.saved"
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

/* Installs our handler as core_pattern; *out stays NULL on error. */
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
 * Puts the saved core_pattern back if ours is still set (a collector that
 * died).  Safe to call at any time.  0 or -errno.
 */
int ld_crash_repair(void);

/* `livedump core-handler SOCKET %P %s %t %c %p %u %g %h %e` — run by the kernel. */
int cmd_core_handler(int argc, char **argv);

#endif
