// SPDX-License-Identifier: MIT
/*
 * Trigger latency load (bench/run.sh): calls livedump_trigger() N times,
 * one after the other (each returns once its dump is written), with a
 * small registered region.  Prints "triggers N ok M us_per_call X".
 *
 *   trigloop N [GAP_US]   GAP_US: pause between calls (default 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <livedump.h>

static char state[4096] = "trigloop state";

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, gap = argc > 2 ? atol(argv[2]) : 1000, ok = 0;
	struct timespec a, b;

	livedump_region_add(state, sizeof(state), "state");
	/* Let the collector attach its probes before the first call. */
	for (int i = 0; i < 100 && !livedump_trigger(0x7e57, 0, NULL, 0); i++)
		usleep(50000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 1; i < n; i++) {
		if (livedump_trigger(0x7e57, i, NULL, 0) == 1)
			ok++;
		if (gap)
			usleep(gap);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("triggers %ld ok %ld us_per_call %.1f\n", n, ok + 1,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / (n > 1 ? n - 1 : 1));
	return 0;
}
