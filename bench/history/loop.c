// SPDX-License-Identifier: MIT
/*
 * The flight recorder's benchmark load (bench/history/run.sh).
 *
 *   loop syscall N    N getppid() calls: one recorded event each when watched
 *   loop pingpong N   N round trips of one byte between two processes over
 *                     pipes, both on this CPU: per round trip 4 syscalls and
 *                     2 blocking context switches, 6 recorded events
 *
 * Prints "ns_per_op X": CPU time (user + system, of both processes for
 * pingpong) per call or round trip, so that other work on the machine
 * does not count; and "wall_ns_per_op X".
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double wall;

/* User + system time of this process (and its reaped children) in ns. */
static double cpu_ns(void)
{
	struct rusage s, c;

	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	return (s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) * 1e9 +
	       (s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec +
		c.ru_stime.tv_usec) * 1e3;
}

static double syscalls(long n)
{
	double t0 = now_ns(), c0 = cpu_ns();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	wall = (now_ns() - t0) / n;
	return (cpu_ns() - c0) / n;
}

static double pingpong(long n)
{
	int ab[2], ba[2];
	double t0, c0;
	char c = 0;
	pid_t child;

	if (pipe(ab) || pipe(ba))
		return -1;
	child = fork();
	if (child == 0) {
		for (long i = 0; i < n; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t0 = now_ns();
	c0 = cpu_ns();
	for (long i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return -1;
	wall = (now_ns() - t0) / n;
	waitpid(child, NULL, 0);
	return (cpu_ns() - c0) / n;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	double r;

	if (argc < 2 || n <= 0) {
		fprintf(stderr, "usage: loop syscall|pingpong N\n");
		return 2;
	}
	if (!strcmp(argv[1], "syscall"))
		r = syscalls(n);
	else if (!strcmp(argv[1], "pingpong"))
		r = pingpong(n);
	else
		return 2;
	if (r < 0)
		return 1;
	printf("ns_per_op %.1f\nwall_ns_per_op %.1f\n", r, wall);
	return 0;
}
