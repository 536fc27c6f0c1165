// SPDX-License-Identifier: MIT
/*
 * Test program for the failure detectors: each mode fails one way, from a
 * function with a recognisable name.
 *   failures segv | bus | assert | abort | exit3 | usr1 | sleep | hog
 *            | burn | fdleak | spawn | grow     (these run for 3 s)
 */
#include <pthread.h>
#include <assert.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static void __attribute__((noinline)) burn_cpu(void)
{
	time_t end = time(NULL) + 5;	/* long enough to stand out on a loaded machine */

	while (time(NULL) < end)
		sink++;
}

static void __attribute__((noinline)) leak_fds(void)
{
	for (int i = 0; i < 200; i++)
		open("/dev/null", O_RDONLY);
	sleep(3);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	sleep(3);
	return NULL;
}

static void __attribute__((noinline)) spawn_threads(void)
{
	pthread_t t;

	for (int i = 0; i < 50; i++)
		pthread_create(&t, NULL, idle_thread, NULL);
	sleep(3);
}

static char *volatile grown;	/* kept where the compiler cannot drop it */

static void __attribute__((noinline)) grow(void)
{
	grown = malloc(200 << 20);
	memset(grown, 1, 200 << 20);
	sleep(3);
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
	else if (!strcmp(m, "burn"))
		burn_cpu();
	else if (!strcmp(m, "fdleak"))
		leak_fds();
	else if (!strcmp(m, "spawn"))
		spawn_threads();
	else if (!strcmp(m, "grow"))
		grow();
	else
		return fprintf(stderr, "usage: failures MODE\n"), 2;
	return 0;
}
