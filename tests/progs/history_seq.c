// SPDX-License-Identifier: MIT
/*
 * Test program for the flight recorder: a known sequence of events, then
 * livedump_trigger().  Between the marker open and the trigger the main
 * thread makes exactly these system calls:
 *
 *   openat(AT_FDCWD, FILE, O_RDONLY) = fd
 *   read(fd, buf, 64) = n
 *   write(pipe, buf, n) = n
 *   kill(pid, SIGUSR1) = 0            -> SIGUSR1 sent, then taken by a handler
 *   rt_sigreturn()                       (the handler makes no system call)
 *   clock_nanosleep(...) = 0           -> the thread blocks (S) for 20 ms
 *   livedump_trigger(0x4157, n)        (a function call: no system call)
 *
 * Meanwhile a second thread, "blocker", sits in read() on an empty pipe:
 * its kernel stack is in the dump.
 *
 * usage: history_seq FILE [--go GOFILE]
 * Prints "pid N tid N blocker N pipe N" before the sequence, then
 * "fd N n N usr1 1" and "trigger ret=R".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "livedump.h"

static volatile sig_atomic_t got_usr1;
static int block_pipe[2];
static volatile pid_t blocker_tid;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static void *blocker(void *arg)
{
	sigset_t set;
	char c;

	(void)arg;
	/* The process-wide SIGUSR1 goes to the main thread, never here. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	blocker_tid = syscall(SYS_gettid);
	while (read(block_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/*
 * Whether a thread other than this one sleeps in read(2) (syscall 0).
 * /proc may belong to another pid namespace than ours (unshare -p without
 * --mount-proc), so threads are found by listing /proc/self/task.
 */
static int blocker_in_read(void)
{
	char self[32] = "", path[300], buf[64];
	struct dirent *de;
	int found = 0;
	ssize_t n;
	DIR *d;

	n = readlink("/proc/thread-self", path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = 0;
		snprintf(self, sizeof(self), "%s", strrchr(path, '/') + 1);
	}
	d = opendir("/proc/self/task");
	while (d && !found && (de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/syscall", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		found = fgets(buf, sizeof(buf), f) && !strncmp(buf, "0 ", 2);
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	const struct timespec nap = { 0, 20 * 1000 * 1000 };
	struct sigaction sa = { .sa_handler = on_usr1 };
	const char *file = argc > 1 ? argv[1] : "/etc/hostname";
	const char *go = argc > 3 && !strcmp(argv[2], "--go") ? argv[3] : NULL;
	int out[2], fd, ret;
	char buf[64];
	ssize_t n;
	pthread_t t;
	pid_t pid = getpid();

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || pipe(out) || pipe(block_pipe)) {
		perror("setup");
		return 1;
	}
	pthread_create(&t, NULL, blocker, NULL);
	while (!blocker_tid || !blocker_in_read())
		usleep(1000);
	while (go && access(go, F_OK))
		usleep(10000);
	printf("pid %d tid %ld blocker %d pipe %d\n", pid, (long)syscall(SYS_gettid), blocker_tid,
	       out[1]);
	fflush(stdout);

	/* The sequence: nothing else in between. */
	fd = open(file, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	if (write(out[1], buf, n > 0 ? n : 0) < 0)
		return 1;
	kill(pid, SIGUSR1);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL);
	ret = livedump_trigger(0x4157, n, NULL, 0);

	printf("fd %d n %zd usr1 %d\n", fd, n, (int)got_usr1);
	printf("trigger ret=%d\n", ret);
	fflush(stdout);
	if (write(block_pipe[1], "x", 1) != 1)
		return 1;
	pthread_join(t, NULL);
	return 0;
}
