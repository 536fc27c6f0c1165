// SPDX-License-Identifier: MIT
/*
 * A process that counts the signals it is sent, for the test that a
 * capture never loses one (test_signals_kept.sh): real-time signals queue,
 * so every one sent must be handled.  It prints "ready", and on SIGTERM
 * the counts: "rt N" and "usr1 N" (SIGUSR1 may coalesce while pending).
 * Two more threads, so a capture has threads to hold and inject into.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Every thread may run a handler at once: the counts are atomic (and lock-free). */
static int rt, usr1;
static volatile sig_atomic_t done;

static void on_rt(int sig)
{
	(void)sig;
	__atomic_fetch_add(&rt, 1, __ATOMIC_RELAXED);
}

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_fetch_add(&usr1, 1, __ATOMIC_RELAXED);
}

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

static void *spin(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	while (!done) {
		n++;
		if (!(n & 0xffff))
			usleep(100);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	pthread_t t[2];

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_rt;
	sigaction(SIGRTMIN, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!done)
		pause();
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("rt %d\nusr1 %d\n", __atomic_load_n(&rt, __ATOMIC_RELAXED),
	       __atomic_load_n(&usr1, __ATOMIC_RELAXED));
	return 0;
}
