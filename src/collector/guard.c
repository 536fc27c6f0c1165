// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "collector/crash.h"
#include "collector/guard.h"
#include "base/log.h"
#include "group/gfreeze.h"

void ld_thaw_frozen(int map_fd)
{
	__u32 key, next;
	__u32 *prev = NULL;

	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		/* A process that exited meanwhile gives ESRCH: nothing to do. */
		kill((pid_t)next, SIGCONT);
		key = next;
		prev = &key;
	}
}

static void __attribute__((noreturn)) guard_main(int rfd, int map_fd, int journal_fd,
						 pid_t collector, struct ld_ledger *ledger)
{
	char c;

	prctl(PR_SET_NAME, "livedump-guard");
	/* ^C in the terminal is for the collector, which then exits cleanly. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	setsid();
	/* Nothing is ever written: read returns when the last writer is gone. */
	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	/* A group first: its cgroup may hold the process BPF froze too. */
	ld_gfreeze_undo_ledger(ledger);
	ld_thaw_frozen(map_fd);
	/*
	 * A collector that was the core_pattern handler leaves the previous one
	 * behind, and the crash it was reading, if any, in the journal.
	 */
	ld_crash_repair(collector);
	ld_crash_inflight_lost(collector, journal_fd);
	_exit(0);
}

pid_t ld_guard__start(int frozen_map_fd, int journal_fd, struct ld_ledger *ledger)
{
	pid_t pid, collector = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		int keep[3] = { p[0], frozen_map_fd, journal_fd }, from = 3;

		close(p[1]);
		/* Hold nothing else of the collector's: only the pipe, the map and the journal. */
		for (int i = 0; i < 3; i++)
			for (int j = i + 1; j < 3; j++)
				if (keep[j] < keep[i]) {
					int t = keep[i];

					keep[i] = keep[j];
					keep[j] = t;
				}
		for (int i = 0; i < 3; i++) {
			if (keep[i] < from)
				continue;
			if (keep[i] > from)
				close_range(from, keep[i] - 1, 0);
			from = keep[i] + 1;
		}
		close_range(from, ~0U, 0);
		guard_main(p[0], frozen_map_fd, journal_fd, collector, ledger);
	}
	close(p[0]);
	/* p[1] stays open for the collector's lifetime; the kernel closes it on death. */
	return pid;
}
