// SPDX-License-Identifier: MIT
/*
 * Threads blocked in every kind of system call, to show that making a
 * snapshot through any of them (LIVEDUMP_TEST_SNAPSHOT_TID) leaves them
 * as they were: the call goes on as after any stop, the signal mask is
 * intact.  Prints "thread NAME TID" for each, then "ready PID"; prints
 * "ERR ..." whenever a call returns what it should not, "read C" for each
 * byte written to its pipe (fd printed as "pipe FD") and "woke" when the
 * sigsuspend thread gets SIGUSR1.
 */
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int pfd[2];
static int futex_word;
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_mu);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_mu);
}

static void named(const char *name)
{
	prctl(PR_SET_NAME, name);
	say("thread %s %ld\n", name, syscall(SYS_gettid));
}

static void check(const char *what, long ret)
{
	if (ret < 0)
		say("ERR %s ret %ld errno %d\n", what, ret, errno);
}

static void *t_read(void *a)
{
	char c;

	(void)a;
	named("w_read");
	for (;;) {
		long r = read(pfd[0], &c, 1);

		if (r == 1)
			say("read %c\n", c);
		else
			check("read", r ? r : -1);
	}
	return NULL;
}

static void *t_poll(void *a)
{
	(void)a;
	named("w_poll");
	for (;;) {
		struct pollfd p = { pfd[0], 0, 0 };

		check("poll", poll(&p, 1, 1000000));
	}
	return NULL;
}

static void *t_ppoll(void *a)
{
	sigset_t m;

	(void)a;
	named("w_ppoll");
	/* A temporary mask of its own that still blocks SIGUSR1. */
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	for (;;) {
		struct pollfd p = { pfd[0], 0, 0 };
		struct timespec ts = { 1000, 0 };

		check("ppoll", ppoll(&p, 1, &ts, &m));
	}
	return NULL;
}

static void *t_select(void *a)
{
	(void)a;
	named("w_select");
	for (;;) {
		struct timeval tv = { 1000, 0 };

		check("select", select(0, NULL, NULL, NULL, &tv));
	}
	return NULL;
}

static void *t_futex(void *a)
{
	(void)a;
	named("w_futex");
	for (;;) {
		long r = syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);

		if (r < 0 && errno != EAGAIN)
			check("futex", r);
	}
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *t_sigsuspend(void *a)
{
	sigset_t block, wait, now;

	(void)a;
	named("w_sigsuspend");
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&wait);
	for (;;) {
		int r = sigsuspend(&wait);

		if (r != -1 || errno != EINTR)
			check("sigsuspend", r < 0 ? r : -1);
		pthread_sigmask(SIG_BLOCK, NULL, &now);
		if (!sigismember(&now, SIGUSR1))
			say("ERR sigsuspend: the signal mask lost SIGUSR1\n");
		say("woke\n");
	}
	return NULL;
}

static void *t_spin(void *a)
{
	volatile unsigned long n = 0;

	(void)a;
	named("w_spin");
	for (;;)
		n++;
	return NULL;
}

int main(void)
{
	void *(*fns[])(void *) = { t_read, t_poll, t_ppoll, t_select, t_futex, t_sigsuspend,
				   t_spin };
	sigset_t block;
	pthread_t t;

	if (pipe(pfd))
		return 1;
	signal(SIGUSR1, on_usr1);
	/* Only the sigsuspend thread takes SIGUSR1. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		pthread_create(&t, NULL, fns[i], NULL);
	usleep(100000);
	say("thread main %d\n", getpid());
	say("pipe %d\n", pfd[1]);
	say("ready %d\n", getpid());
	for (;;) {
		struct timespec ts = { 1000, 0 };

		if (nanosleep(&ts, NULL))
			check("nanosleep", -1);
	}
}
