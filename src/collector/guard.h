/* SPDX-License-Identifier: MIT */
/*
 * The guard: a small process forked by the collector that outlives it.
 * When the collector dies, however it dies (even SIGKILL), the guard sees
 * its pipe close and sends SIGCONT to every process BPF froze for us that
 * nobody resumed, and thaws what a group dump froze (cgroups, members
 * it stopped), so no watched process is left stopped; it puts back the
 * core_pattern the collector borrowed, and journals a crash it was reading.
 */
#ifndef LIVEDUMP_GUARD_H
#define LIVEDUMP_GUARD_H

#include <sys/types.h>

struct ld_ledger;

/*
 * Starts the guard watching @frozen_map_fd and @ledger (group/ledger.h:
 * what a group dump holds -- frozen cgroups, stopped members -- NULL:
 * none); it journals into @journal_fd (-1: none) a crash the collector
 * died reading.  Returns its pid or -errno.
 */
pid_t ld_guard__start(int frozen_map_fd, int journal_fd, struct ld_ledger *ledger);



/* Sends SIGCONT to every process listed in the frozen map. */
void ld_thaw_frozen(int frozen_map_fd);
#endif
