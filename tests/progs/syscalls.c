// SPDX-License-Identifier: MIT
/*
 * Test program for the syscall detector: one failing openat (ENOENT) from
 * open_missing(), one 150 ms nanosleep from sleep_long(), and calls that
 * must not fire: a successful openat, a short sleep, getppid().  With
 * --thread, the failing openat runs in a thread created after --go (the
 * collector must watch threads born after it started).
 * usage: syscalls [--go FILE] [--thread]   prints "pid N" and "done"
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
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

static void *open_missing_thread(void *arg)
{
	(void)arg;
	return (void *)(long)open_missing();
}

int main(int argc, char **argv)
{
	struct timespec short_ts = { 0, 1000 * 1000 };
	const char *go = NULL;
	bool in_thread = false;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--go") && i + 1 < argc)
			go = argv[++i];
		else if (!strcmp(argv[i], "--thread"))
			in_thread = true;
	}
	printf("pid %d\n", getpid());
	fflush(stdout);
	while (go && access(go, F_OK))
		nanosleep(&short_ts, NULL);
	fd = open("/proc/self/stat", O_RDONLY);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 100; i++)
		getppid();
	nanosleep(&short_ts, NULL);
	if (in_thread) {
		pthread_t t;
		void *ret;

		if (pthread_create(&t, NULL, open_missing_thread, NULL) ||
		    pthread_join(t, &ret))
			return 1;
		printf("open_missing in a thread: %ld\n", (long)ret);
	} else if (open_missing() < 0) {
		printf("open_missing: %s\n", strerror(errno));
	}
	sleep_long();
	printf("done\n");
	return 0;
}
