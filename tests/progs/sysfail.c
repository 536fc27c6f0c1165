// SPDX-License-Identifier: MIT
/*
 * Ring buffer load (bench/run.sh, test_dropped): N system calls that fail with ENOENT
 * (faccessat of a path that does not exist), as fast as possible or at
 * RATE per second.  Prints "calls N seconds S".
 *
 *   sysfail N [RATE]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	double rate = argc > 2 ? atof(argv[2]) : 0, t0;

	/* Give the collector time to attach before the first call. */
	usleep(200000);
	t0 = now();
	for (long i = 0; i < n; i++) {
		syscall(SYS_faccessat, AT_FDCWD, "/nonexistent/livedump-bench", F_OK, 0);
		if (rate > 0)
			while (now() - t0 < (i + 1) / rate)
				;
	}
	printf("calls %ld seconds %.6f\n", n, now() - t0);
	return 0;
}
