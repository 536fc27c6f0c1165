// SPDX-License-Identifier: MIT
/*
 * Test program for the failure detectors: each mode fails one way, from a
 * function with a recognisable name.
 *   failures segv | bus | assert | abort | exit3 | usr1 | sleep | hog
 */
#include <assert.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int sink;

static int *volatile nowhere;	/* NULL, and the compiler cannot know it */

static void __attribute__((noinline)) crash_here(void)
{
	*nowhere = 42;
}

static void __attribute__((noinline)) touch_truncated(void)
{
	char path[] = "/tmp/livedump-bus-XXXXXX";
	int fd = mkstemp(path);
	char *m;

	ftruncate(fd, 8192);
	m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	ftruncate(fd, 0);
	unlink(path);
	sink = m[4096];	/* past the end of the file: SIGBUS */
}

static void __attribute__((noinline)) check_invariant(int items)
{
	assert(items < 10 && "too many items in flight");
}

static void __attribute__((noinline)) give_up(void)
{
	abort();
}

static void __attribute__((noinline)) leave_with_3(void)
{
	exit(3);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void __attribute__((noinline)) poke_myself(void)
{
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	printf("usr1 handled: %d\n", got_usr1);
}

static void __attribute__((noinline)) hog(void)
{
	for (;;) {
		char *p = malloc(1 << 20);

		if (!p)
			break;
		memset(p, 1, 1 << 20);
	}
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid %d\n", getpid());
	if (!strcmp(m, "segv"))
		crash_here();
	else if (!strcmp(m, "bus"))
		touch_truncated();
	else if (!strcmp(m, "assert"))
		check_invariant(12);
	else if (!strcmp(m, "abort"))
		give_up();
	else if (!strcmp(m, "exit3"))
		leave_with_3();
	else if (!strcmp(m, "usr1"))
		poke_myself();
	else if (!strcmp(m, "sleep"))
		pause();
	else if (!strcmp(m, "hog"))
		hog();
	else
		return fprintf(stderr, "usage: failures MODE\n"), 2;
	return 0;
}
