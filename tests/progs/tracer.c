// SPDX-License-Identifier: MIT
/*
 * tracer PID: seize PID with ptrace (it keeps running) and hold it until
 * killed, as gdb or strace would; says "tracing PID" once it holds it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid = argc > 1 ? atoi(argv[1]) : 0;

	if (pid <= 0) {
		fprintf(stderr, "usage: tracer PID\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, 0)) {
		fprintf(stderr, "tracer: cannot seize %d: %s\n", pid, strerror(errno));
		return 1;
	}
	printf("tracing %d\n", pid);
	fflush(stdout);
	for (;;)
		pause();
}
