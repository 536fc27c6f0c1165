// SPDX-License-Identifier: MIT
/*
 * Test and benchmark target for snapshot capture.
 *
 *   snapmem [--mib N] [--holes-mib N] [--dontfork-mib N] [--wipeonfork-mib N]
 *           [--seccomp kill|errno] [--threads N] [--dirty]
 *
 * Touches N MiB of anonymous memory (every page non-zero: page i holds
 * the 64-bit words i, i+1, ...), maps --holes-mib more that is never
 * touched, and optionally MADV_DONTFORK / MADV_WIPEONFORK mappings filled
 * with 0xdf / 0x3f.  A heartbeat thread measures how long the process was
 * held still (the longest gap between two 100 us sleeps); --dirty makes
 * another thread rewrite the touched memory continuously.
 * --seccomp installs a filter on every thread that forbids fork, clone
 * and vfork (KILL_PROCESS or EPERM).
 *
 * Signals: SIGUSR1 sets `marker` from 1 to 2 and prints "marked";
 * SIGUSR2 prints "stall_max_us N sigchld N" and resets the maximum.
 * Prints "ready PID", then the addresses of its mappings.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <livedump.h>

volatile unsigned long marker = 1;
static volatile sig_atomic_t sigchld_count, report, marked;
static volatile uint64_t stall_max_ns;
static char *mem;
static size_t mem_len;
static char pattern[4096];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void on_usr1(int sig)
{
	(void)sig;
	marker = 2;
	marked = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	report = 1;
}

static void on_chld(int sig)
{
	(void)sig;
	sigchld_count++;
}

static void *heartbeat(void *arg)
{
	struct timespec d = { 0, 100000 };
	uint64_t last = now_ns();

	(void)arg;
	prctl(PR_SET_TIMERSLACK, 1);
	for (;;) {
		uint64_t t;

		nanosleep(&d, NULL);
		t = now_ns();
		if (t - last > stall_max_ns)
			stall_max_ns = t - last;
		last = t;
	}
	return NULL;
}

static void *dirty(void *arg)
{
	(void)arg;
	for (unsigned long round = 1;; round++)
		for (size_t off = 0; off < mem_len; off += 4096)
			((volatile uint64_t *)(mem + off))[1] = round;
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static char *map_filled(size_t mib, int c, int advice, const char *what)
{
	char *p;

	if (!mib)
		return NULL;
	p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memset(p, c, mib << 20);
	if (advice && madvise(p, mib << 20, advice)) {
		perror(what);
		exit(1);
	}
	printf("%s %p %zu\n", what, (void *)p, mib << 20);
	return p;
}

static void no_fork(const char *how)
{
	unsigned ret = !strcmp(how, "kill") ? SECCOMP_RET_KILL_PROCESS
					    : SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fork, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_vfork, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 435 /* clone3 */, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, ret),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)) {
		perror("seccomp");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t mib = 64, holes = 0, dontfork = 0, wipe = 0;
	unsigned nthreads = 0;
	const char *seccomp = NULL;
	bool do_dirty = false;
	sigset_t sigs;
	pthread_t t;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "0";

		if (!strcmp(argv[i], "--mib"))
			mib = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--holes-mib"))
			holes = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--dontfork-mib"))
			dontfork = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--wipeonfork-mib"))
			wipe = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--threads"))
			nthreads = strtoul(v, NULL, 0), i++;
		else if (!strcmp(argv[i], "--seccomp"))
			seccomp = v, i++;
		else if (!strcmp(argv[i], "--dirty"))
			do_dirty = true;
		else {
			fprintf(stderr, "snapmem: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	signal(SIGCHLD, on_chld);
	/*
	 * Only the main thread takes the signals (it prints what they ask):
	 * the threads made below start with them blocked.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigaddset(&sigs, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	mem_len = mib << 20;
	mem = mmap(NULL, mem_len + (holes << 20) + 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t off = 0; off < mem_len; off += 4096)
		for (size_t w = 0; w < 4096 / 8; w++)
			((uint64_t *)(mem + off))[w] = off / 4096 + w + 1;
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = "livedump snapshot "[i % 18];
	livedump_region_add(pattern, sizeof(pattern), "pattern");
	livedump_region_add((void *)&marker, sizeof(marker), "marker");

	pthread_create(&t, NULL, heartbeat, NULL);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_create(&t, NULL, idle, NULL);
	if (do_dirty)
		pthread_create(&t, NULL, dirty, NULL);
	printf("ready %d\n", getpid());
	printf("mem %p %zu\n", (void *)mem, mem_len);
	if (holes)
		printf("holes %p %zu\n", (void *)(mem + mem_len), holes << 20);
	map_filled(dontfork, 0xdf, MADV_DONTFORK, "dontfork");
	map_filled(wipe, 0x3f, MADV_WIPEONFORK, "wipeonfork");
	if (seccomp)
		no_fork(seccomp);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	printf("marker %p\n", (void *)&marker);
	fflush(stdout);
	for (;;) {
		pause();
		if (marked) {
			marked = 0;
			printf("marked\n");
			fflush(stdout);
		}
		if (report) {
			report = 0;
			printf("stall_max_us %llu sigchld %d\n",
			       (unsigned long long)(stall_max_ns / 1000), (int)sigchld_count);
			stall_max_ns = 0;
			fflush(stdout);
		}
	}
}
