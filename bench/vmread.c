// SPDX-License-Identifier: MIT
/*
 * Memory capture rate (bench/run.sh): reads LEN bytes at ADDR of process
 * PID with process_vm_readv in 4 MiB chunks into one reused buffer, as
 * the dump writer does.  Prints "gbps X".
 *
 *   vmread PID ADDR LEN
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#define CHUNK	(4U << 20)

int main(int argc, char **argv)
{
	struct timespec a, b;
	unsigned long addr, len, done = 0;
	char *buf = malloc(CHUNK);
	int pid;

	if (argc != 4 || !buf)
		return 2;
	pid = atoi(argv[1]);
	addr = strtoul(argv[2], NULL, 0);
	len = strtoul(argv[3], NULL, 0);
	memset(buf, 0, CHUNK);
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (done < len) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		struct iovec l = { buf, n }, r = { (void *)(addr + done), n };
		ssize_t got = process_vm_readv(pid, &l, 1, &r, 1, 0);

		if (got <= 0) {
			perror("process_vm_readv");
			return 1;
		}
		done += got;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("gbps %.2f\n", len / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9) / 1e9);
	return 0;
}
