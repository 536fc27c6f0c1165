// SPDX-License-Identifier: MIT
/*
 * Test program for unwinding without frame pointers: built with -O2
 * -fomit-frame-pointer (the Makefile's _nofp rule), it triggers from the
 * bottom of a call chain chain_one -> chain_two -> chain_three, where
 * chain_two also zeroes %rbp for its callee, so a frame-pointer walk
 * cannot get past it and only the CFI finds every caller.
 *
 * usage: trigger_chain_nofp [--count N] [--code C]
 * Prints "pid N", then "trigger ret=R" per call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "livedump.h"

static volatile unsigned sink;

/* Each level keeps something on its own stack so the frames are real. */
static int __attribute__((noinline)) chain_three(unsigned code, unsigned depth)
{
	volatile unsigned char scratch[64];
	int ret;

	memset((void *)scratch, (int)depth, sizeof(scratch));
	ret = livedump_trigger(code, 0xc0ffee00ULL + depth, NULL, 0);
	sink += scratch[depth % sizeof(scratch)];
	return ret;
}

static int __attribute__((noinline)) chain_two(unsigned code, unsigned depth)
{
	volatile unsigned char scratch[96];
	int ret;

	memset((void *)scratch, (int)depth + 1, sizeof(scratch));
	/* %rbp is saved and restored around this: callees see 0 in it. */
	__asm__ volatile("xor %%ebp, %%ebp" : : : "rbp", "memory");
	ret = chain_three(code, depth + 1);
	sink += scratch[depth % sizeof(scratch)];
	return ret;
}

static int __attribute__((noinline)) chain_one(unsigned code, unsigned depth)
{
	volatile unsigned char scratch[128];
	int ret;

	memset((void *)scratch, (int)depth + 2, sizeof(scratch));
	ret = chain_two(code, depth + 1);
	sink += scratch[depth % sizeof(scratch)];
	return ret;
}

int main(int argc, char **argv)
{
	unsigned count = 1, code = 0x2001;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--code"))
			code = strtoul(argv[i + 1], NULL, 0);
	}
	printf("pid %d\n", getpid());
	fflush(stdout);
	for (unsigned i = 0; i < count; i++) {
		int ret = chain_one(code, i);

		printf("trigger ret=%d\n", ret);
		fflush(stdout);
	}
	return 0;
}
