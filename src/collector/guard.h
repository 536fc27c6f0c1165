/* SPDX-License-Identifier: MIT */
/*
 * The guard: a small process forked by the collector that outlives it.
 * When the collector dies, however it dies (even SIGKILL), the guard sees
 * its pipe close and sends SIGCONT to every process BPF froze for us that
 * nobody resumed, so no watched process is left stopped; it puts back the
 * core_pattern the collector borrowed, and journals a crash it was reading.
 */
#ifndef LIVEDUMP_GUARD_H
#define LIVEDUMP_GUARD_H

#include <sys/types.h>

/*
 * Starts the guard watching @frozen_map_fd; it journals into @journal_fd
 * (-1: none) a crash the collector died reading.  Returns its pid or -errno.
 */
pid_t ld_guard__start(int frozen_map_fd, int journal_fd);



/* Sends SIGCONT to every process listed in the frozen map. */
void ld_thaw_frozen(int frozen_map_fd);
#endif
