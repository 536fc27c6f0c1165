// SPDX-License-Identifier: MIT
/*
 * Test program: registers three regions with known byte patterns, runs two
 * helper threads in functions with recognisable names, then calls
 * livedump_trigger() with two blobs from trigger_site().
 *
 * usage: trigger_regions [--go FILE] [--count N] [--code C]... [--hold-ms MS]
 *                        [--idle-workers 1]
 *   --go FILE   wait until FILE exists before triggering
 *   --count N   trigger N times (default 1)
 *   --code C    trigger with code C (default 0x1234); several --code
 *               options trigger once with each, in order
 *   --hold-ms   keep running this long after the last trigger
 *   --idle-workers 1  the helper threads wait in pause() instead of
 *               waking every 1 and 1.5 ms (their syscalls would fill a
 *               flight recorder's ring between two triggers)
 * Prints "pid N", then "trigger ret=R us=T" per call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "livedump.h"

static unsigned char region_a[4096];		/* 0xA5 everywhere */
static unsigned char region_b[1000];		/* i * 7 + 3 */
static char *region_c;				/* 64 KiB of text, on the heap */
static volatile int stop;
static int idle_workers;
static int started;				/* threads inside their loops */

static void fill_patterns(void)
{
	memset(region_a, 0xA5, sizeof(region_a));
	for (unsigned i = 0; i < sizeof(region_b); i++)
		region_b[i] = (unsigned char)(i * 7 + 3);
	region_c = malloc(65536);
	for (unsigned i = 0; i < 65536; i++)
		region_c[i] = "livedump-region-c "[i % 18];
}

static void __attribute__((noinline)) worker_alpha_loop(void)
{
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	while (!stop)
		idle_workers ? pause() : usleep(1000);
}

static void __attribute__((noinline)) worker_beta_loop(void)
{
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	while (!stop)
		idle_workers ? pause() : usleep(1500);
}

static void *worker_alpha(void *arg)
{
	(void)arg;
	worker_alpha_loop();
	return NULL;
}

static void *worker_beta(void *arg)
{
	(void)arg;
	worker_beta_loop();
	return NULL;
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static int __attribute__((noinline)) trigger_site(unsigned code, unsigned n)
{
	static const char note[] = "blob one: the request that failed";
	unsigned long long counters[4] = { 1, 2, 3, 0x1122334455667788ULL };
	struct livedump_blob blobs[2] = {
		{ "request", note, sizeof(note) },
		{ "counters", counters, sizeof(counters) },
	};
	long t0 = now_us();
	int ret = livedump_trigger(code, 0xdeadbeefULL + n, blobs, 2);

	printf("trigger ret=%d us=%ld\n", ret, now_us() - t0);
	fflush(stdout);
	return ret;
}

int main(int argc, char **argv)
{
	const char *go = NULL;
	unsigned count = 1, hold_ms = 0, codes[16], ncodes = 0;
	pthread_t a, b;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--go"))
			go = argv[i + 1];
		else if (!strcmp(argv[i], "--count"))
			count = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--idle-workers"))
			idle_workers = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--hold-ms"))
			hold_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--code") && ncodes < 16)
			codes[ncodes++] = strtoul(argv[i + 1], NULL, 0);
	}
	if (!ncodes)
		codes[ncodes++] = 0x1234;
	fill_patterns();
	if (livedump_region_add(region_a, sizeof(region_a), "region_a") ||
	    livedump_region_add(region_b, sizeof(region_b), "region_b") ||
	    livedump_region_add(region_c, 65536, "region_c")) {
		fprintf(stderr, "region_add failed\n");
		return 1;
	}
	pthread_create(&a, NULL, worker_alpha, NULL);
	pthread_create(&b, NULL, worker_beta, NULL);
	/* Both threads must be in their loops so their backtraces say so. */
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 2)
		usleep(100);
	usleep(5000);
	printf("pid %d\n", getpid());
	fflush(stdout);
	while (go && access(go, F_OK))
		usleep(10000);
	for (unsigned c = 0; c < ncodes; c++)
		for (unsigned i = 0; i < count; i++)
			trigger_site(codes[c], i);
	usleep(hold_ms * 1000);
	stop = 1;
	if (idle_workers)
		return 0;	/* they wait in pause(): the exit ends them */
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
