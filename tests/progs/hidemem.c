// SPDX-License-Identifier: MIT
/*
 * Test program: memory a process hides from its dumps, as OpenSSL's secure
 * heap and password managers do.
 *
 *   hidemem [--mib N] [--trigger | --exit]
 *
 * Fills N MiB (default 16) of anonymous memory with the 16-byte pattern
 * "hunter2-PASSWORD" and marks it MADV_DONTDUMP; fills 1 MiB of shared
 * anonymous memory (what coredump_filter bit 1 decides) with
 * "SHARED-ANON-MEM!" and 64 KiB of heap with "VISIBLE-PATTERN!".  Registers
 * a region "secret" (4 KiB inside the hidden memory) and a region "visible"
 * (in the heap).  Prints "ready PID", then "secret ADDR LEN", "shared ADDR
 * LEN", "visible ADDR LEN".  With --trigger, each SIGUSR1 makes it call
 * livedump_trigger(0x15, 0, ...) with a blob "pw" of 64 bytes of the hidden
 * memory and prints "trigger ret=R".  With --exit, SIGUSR1 makes it exit(3).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "livedump.h"

static const char secret_pat[16] = "hunter2-PASSWORD";
static const char shared_pat[16] = "SHARED-ANON-MEM!";
static const char visible_pat[16] = "VISIBLE-PATTERN!";
static volatile sig_atomic_t fire;

static void on_usr1(int sig)
{
	(void)sig;
	fire = 1;
}

static void fill(char *p, size_t len, const char pat[16])
{
	for (size_t i = 0; i + 16 <= len; i += 16)
		memcpy(p + i, pat, 16);
}

int main(int argc, char **argv)
{
	size_t mib = 16, len, shared_len = 1 << 20, visible_len = 64 << 10;
	char *secret, *shared, *visible;
	int trigger = 0, leave = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			mib = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--trigger"))
			trigger = 1;
		else if (!strcmp(argv[i], "--exit"))
			leave = 1;
		else {
			fprintf(stderr, "hidemem: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	len = mib << 20;
	secret = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	visible = malloc(visible_len);
	if (secret == MAP_FAILED || shared == MAP_FAILED || !visible) {
		perror("hidemem: mmap");
		return 1;
	}
	fill(secret, len, secret_pat);
	fill(shared, shared_len, shared_pat);
	fill(visible, visible_len, visible_pat);
	if (madvise(secret, len, MADV_DONTDUMP)) {
		perror("hidemem: madvise(MADV_DONTDUMP)");
		return 1;
	}
	if (livedump_region_add(secret + (1 << 20), 4096, "secret") ||
	    livedump_region_add(visible, 4096, "visible")) {
		fprintf(stderr, "hidemem: livedump_region_add failed\n");
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	printf("ready %d\n", getpid());
	printf("secret %p %zu\n", (void *)secret, len);
	printf("shared %p %zu\n", (void *)shared, shared_len);
	printf("visible %p %zu\n", (void *)visible, visible_len);
	fflush(stdout);
	for (;;) {
		if (leave && fire)
			exit(3);
		if (trigger && fire) {
			struct livedump_blob b = { "pw", secret + 4096, 64 };

			fire = 0;
			printf("trigger ret=%d\n", livedump_trigger(0x15, 0, &b, 1));
			fflush(stdout);
		}
		usleep(10000);
	}
}
