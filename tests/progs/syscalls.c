// SPDX-License-Identifier: MIT
/*
 * Test program for the syscall detector: one failing openat (ENOENT) from
 * open_missing(), one 150 ms nanosleep from sleep_long(), and calls that
 * must not fire: a successful openat, a short sleep, getppid().
 * usage: syscalls [--go FILE]   prints "pid N" and "done"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int __attribute__((noinline)) open_missing(void)
{
	return open("/nonexistent/livedump-syscall-test", O_RDONLY);
}

static void __attribute__((noinline)) sleep_long(void)
{
	struct timespec ts = { 0, 150 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	struct timespec short_ts = { 0, 1000 * 1000 };
	int fd;

	printf("pid %d\n", getpid());
	fflush(stdout);
	if (argc == 3 && !strcmp(argv[1], "--go"))
		while (access(argv[2], F_OK))
			nanosleep(&short_ts, NULL);
	fd = open("/proc/self/stat", O_RDONLY);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 100; i++)
		getppid();
	nanosleep(&short_ts, NULL);
	if (open_missing() < 0)
		printf("open_missing: %s\n", strerror(errno));
	sleep_long();
	printf("done\n");
	return 0;
}
