// SPDX-License-Identifier: MIT
/*
 * A process with large registered regions (bench/run.sh, test_big_regions):
 * N regions of MIB MiB each, every page filled with non-zero data that is not a plain
 * pattern, registered with livedump_region_add(); then it waits, with a
 * heartbeat thread like tests/progs/snapmem that remembers its longest
 * gap (SIGUSR2 prints "stall_max_us N" and starts over).  Prints
 * "region ADDR LEN" per region, then "ready".  With FILE the regions
 * hold FILE's bytes instead, one after the other (realistic data for
 * compression: bench/run.sh gives a tar of /usr).
 *
 *   bigregions [N [MIB [FILE]]]     (default 4 regions of 256 MiB)
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "livedump.h"

static volatile sig_atomic_t report;
static uint64_t stall_max;

static uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000ULL + t.tv_nsec / 1000;
}

static void *heartbeat(void *arg)
{
	uint64_t last = now_us();

	(void)arg;
	for (;;) {
		uint64_t t;

		usleep(100);
		t = now_us();
		if (t - last > stall_max)
			stall_max = t - last;
		last = t;
		if (report) {
			report = 0;
			printf("stall_max_us %llu\n", (unsigned long long)stall_max);
			fflush(stdout);
			stall_max = 0;
		}
	}
	return NULL;
}

static void on_usr2(int sig)
{
	(void)sig;
	report = 1;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? strtoul(argv[1], NULL, 0) : 4;
	size_t len = (argc > 2 ? strtoul(argv[2], NULL, 0) : 256) << 20;
	const char *file = argc > 3 ? argv[3] : NULL;
	int fd = file ? open(file, O_RDONLY) : -1;
	bool ever = false;
	pthread_t t;

	signal(SIGUSR2, on_usr2);
	for (unsigned r = 0; r < n; r++) {
		uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
		uint64_t x = 0x9e3779b97f4a7c15ULL * (r + 1);
		char name[32];
		int err;

		if (p == MAP_FAILED || (file && fd < 0)) {
			perror(file && fd < 0 ? file : "bigregions: mmap");
			return 1;
		}
		for (size_t done = 0; fd >= 0 && done < len;) {
			ssize_t got = read(fd, (char *)p + done, len - done);

			if (!got && ever && !lseek(fd, 0, SEEK_SET))
				continue;	/* from the start again */
			if (got <= 0) {
				fprintf(stderr, "bigregions: %s: empty or unreadable\n", file);
				return 1;
			}
			done += got;
			ever = true;
		}
		for (size_t i = 0; fd < 0 && i < len / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Half the bits random: compressible like real data, not like a pattern. */
			p[i] = x & 0x0f0f0f0f0f0f0f0fULL;
		}
		snprintf(name, sizeof(name), "big%u", r);
		err = livedump_region_add(p, len, name);
		if (err) {
			fprintf(stderr, "bigregions: livedump_region_add: %s\n", strerror(-err));
			return 1;
		}
		printf("region %p %zu\n", (void *)p, len);
	}
	pthread_create(&t, NULL, heartbeat, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
