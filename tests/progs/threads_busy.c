// SPDX-License-Identifier: MIT
/*
 * Test program for `livedump capture -p`: three threads in recognisable
 * functions — one spinning, one sleeping, one waiting on a condition
 * variable — and main waiting in pause().  Prints "ready PID".
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile unsigned long spins;

static void __attribute__((noinline)) spin_in_alpha(void)
{
	for (;;)
		spins++;
}

static void __attribute__((noinline)) sleep_in_beta(void)
{
	for (;;)
		sleep(1);
}

static void __attribute__((noinline)) wait_in_gamma(void)
{
	pthread_mutex_lock(&mu);
	for (;;)
		pthread_cond_wait(&cv, &mu);
}

static void *alpha(void *a) { (void)a; spin_in_alpha(); return NULL; }
static void *beta(void *a) { (void)a; sleep_in_beta(); return NULL; }
static void *gamma_(void *a) { (void)a; wait_in_gamma(); return NULL; }

int main(void)
{
	pthread_t t[3];

	pthread_create(&t[0], NULL, alpha, NULL);
	pthread_create(&t[1], NULL, beta, NULL);
	pthread_create(&t[2], NULL, gamma_, NULL);
	printf("ready %d\n", getpid());
	fflush(stdout);
	for (;;)
		pause();
}
