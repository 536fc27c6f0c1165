// SPDX-License-Identifier: MIT
/*
 * Test program for the probe detectors.
 *   probes items   calls process_item() with sizes 10, 2000000, 30, each
 *                  also passing the USDT probe livedump_test:item(id, size)
 *   probes malloc  under RLIMIT_AS = 256 MiB, malloc(1 GiB) returns NULL
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sdt.h>

static volatile long total;

long __attribute__((noinline)) process_item(long size)
{
	total += size;
	return total;
}

static void items(void)
{
	static const long sizes[] = { 10, 2000000, 30 };

	for (long id = 0; id < 3; id++) {
		long size = sizes[id];

		/* Plain registers as USDT operands: libbpf 1.1 does not decode indexed ones. */
		__asm__ volatile("" : "+r"(size), "+r"(id));
		DTRACE_PROBE2(livedump_test, item, id, size);
		process_item(size);
	}
	printf("items done: %ld\n", total);
}

static void __attribute__((noinline)) alloc_too_much(void)
{
	struct rlimit rl = { 256 << 20, 256 << 20 };
	void *p;

	setrlimit(RLIMIT_AS, &rl);
	p = malloc(1UL << 30);
	printf("malloc(1 GiB) = %p\n", p);
	free(p);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "items"))
		items();
	else if (argc == 2 && !strcmp(argv[1], "malloc"))
		alloc_too_much();
	else
		return fprintf(stderr, "usage: probes items|malloc\n"), 2;
	return 0;
}
