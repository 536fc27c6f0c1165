// SPDX-License-Identifier: MIT
/*
 * Test program for the trigger contract under concurrency: NTHREADS threads
 * each call livedump_trigger() NCALLS times at once.  The contract: a call
 * returns 1 only after its own dump is written, and the collector never
 * writes into a request that is gone.  Each call is made at a varying stack
 * depth and is followed by a canary frame over the same stack, held for a
 * while, so a late write of a request's status into a popped frame is seen.
 *
 *   trigger_storm NTHREADS NCALLS
 * prints "ret1 N ret0 N err N corrupt N" and exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "livedump.h"

#define CANARY_LEN	4096
#define CANARY_BYTE	0x5a

static unsigned ncalls;
static unsigned long ret1, ret0, err, corrupt;

static int __attribute__((noinline)) at_depth(unsigned depth, uint32_t code, uint64_t param)
{
	volatile char pad[64];
	int r;

	pad[0] = (char)depth;
	if (depth)
		r = at_depth(depth - 1, code, param);
	else
		r = livedump_trigger(code, param, NULL, 0);
	__asm__ volatile("" : : "r"(pad) : "memory");
	return r;
}

/* Covers the stack the calls used, for long enough to catch a late write. */
static unsigned long __attribute__((noinline)) canary(void)
{
	volatile unsigned char buf[CANARY_LEN];
	struct timespec ts = { 0, 300 * 1000 };
	unsigned long bad = 0;

	memset((void *)buf, CANARY_BYTE, sizeof(buf));
	nanosleep(&ts, NULL);
	for (size_t i = 0; i < sizeof(buf); i++)
		bad += buf[i] != CANARY_BYTE;
	return bad;
}

static void *worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;

	for (unsigned i = 0; i < ncalls; i++) {
		int r = at_depth(i % 8, 0x5100 + id, ((uint64_t)id << 32) | i);

		if (r == 1)
			__atomic_fetch_add(&ret1, 1, __ATOMIC_RELAXED);
		else if (r == 0) {
			__atomic_fetch_add(&ret0, 1, __ATOMIC_RELAXED);
			fprintf(stderr, "returned 0: code 0x%x param 0x%llx\n", 0x5100 + id,
				(unsigned long long)(((uint64_t)id << 32) | i));
		}
		else
			__atomic_fetch_add(&err, 1, __ATOMIC_RELAXED);
		if (canary())
			__atomic_fetch_add(&corrupt, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? atoi(argv[1]) : 8;
	pthread_t t[64];

	ncalls = argc > 2 ? atoi(argv[2]) : 100;
	if (n > 64)
		n = 64;
	for (unsigned i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	/* Late writes land after the calls returned: give them time to show. */
	for (int k = 0; k < 10; k++)
		if (canary())
			corrupt++;
	printf("ret1 %lu ret0 %lu err %lu corrupt %lu\n", ret1, ret0, err, corrupt);
	return 0;
}
