// SPDX-License-Identifier: MIT
/* The threads the collector keeps held between captures (holds.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "collector/holds.h"
#include "base/log.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int ld_ptrace_stop_sig(int st)
{
	if (!WIFSTOPPED(st) || (st >> 16) || WSTOPSIG(st) == SIGSTOP)
		return 0;
	/* Seized without options: no syscall or exec traps, so a SIGTRAP too is one sent. */
	return WSTOPSIG(st);
}

void ld_ptrace_let_go(pid_t tid)
{
	ld_ptrace_let_go_sig(tid, 0);
}

void ld_ptrace_let_go_sig(pid_t tid, int sig)
{
	int st;

	if (!ptrace(PTRACE_DETACH, tid, 0, sig))
		return;
	if (errno != ESRCH) {
		ld_dbg("detach %d: %s", tid, strerror(errno));
		return;
	}
	/*
	 * ESRCH: not in a ptrace-stop, which for a tracee of ours means it is
	 * dying (SIGKILL) or dead.  Until its tracer waits for it, its parent
	 * cannot reap it: collect it now.  A thread still on its way out is
	 * given a moment; a live one that merely runs cannot be ours.
	 */
	for (int i = 0; i < 200; i++) {
		pid_t r = waitpid(tid, &st, __WALL | WNOHANG);

		if (r == tid && (WIFEXITED(st) || WIFSIGNALED(st)))
			return;
		if (r < 0)
			return;		/* ECHILD: no longer ours */
		if (r == tid && WIFSTOPPED(st)) {
			/* It stopped after all (a late trap): now it can be detached. */
			if (!sig)
				sig = ld_ptrace_stop_sig(st);
			if (!ptrace(PTRACE_DETACH, tid, 0, sig) || errno != ESRCH)
				return;
		}
		usleep(500);
	}
	ld_dbg("thread %d neither stopped nor exited within 100 ms of its detach", tid);
}

int ld_ptrace_wait_stopped(pid_t tid, unsigned timeout_ms, int *sig)
{
	uint64_t deadline = mono_ns() + timeout_ms * 1000000ULL;

	for (;;) {
		int st;
		pid_t r;

		/* Any ptrace request but a few needs the tracee stopped: ESRCH says it is not. */
		errno = 0;
		ptrace(PTRACE_PEEKUSER, tid, 0, 0);
		if (errno != ESRCH)
			return 0;
		r = waitpid(tid, &st, __WALL | WNOHANG);
		if (r < 0 || (r == tid && (WIFEXITED(st) || WIFSIGNALED(st))))
			return -ESRCH;
		if (r == tid && ld_ptrace_stop_sig(st))
			*sig = ld_ptrace_stop_sig(st);
		if (mono_ns() >= deadline)
			return -ETIMEDOUT;
		usleep(100);
	}
}

int ld_holds__add(struct ld_holds *h, pid_t pid, pid_t tid, char state, uint64_t since_ns,
		  int sig)
{
	struct ld_held *v = realloc(h->v, (h->n + 1) * sizeof(*v));

	if (!v) {
		ld_warn("out of memory holding thread %d of %d: it runs on", tid, pid);
		ld_ptrace_let_go_sig(tid, sig);
		return -ENOMEM;
	}
	h->v = v;
	v[h->n++] = (struct ld_held){ .pid = pid, .tid = tid, .state = state,
				      .since_ns = since_ns ? since_ns : mono_ns(), .sig = sig };
	ld_dbg("holding thread %d of %d until its own issue is handled", tid, pid);
	return 0;
}

static void drop(struct ld_holds *h, size_t i)
{
	h->v[i] = h->v[--h->n];
}

bool ld_holds__take(struct ld_holds *h, pid_t tid, struct ld_held *out)
{
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].tid != tid)
			continue;
		if (out)
			*out = h->v[i];
		drop(h, i);
		return true;
	}
	return false;
}

bool ld_holds__release(struct ld_holds *h, pid_t tid)
{
	struct ld_held t;

	if (!ld_holds__take(h, tid, &t))
		return false;
	ld_ptrace_let_go_sig(tid, t.sig);
	return true;
}

void ld_holds__tick(struct ld_holds *h, uint64_t max_ns,
		    void (*expired)(void *arg, const struct ld_held *t), void *arg)
{
	uint64_t now = mono_ns();

	for (size_t i = 0; i < h->n;) {
		struct ld_held t = h->v[i];
		int st;
		pid_t r = waitpid(t.tid, &st, __WALL | WNOHANG);

		if (r < 0 || (r == t.tid && (WIFEXITED(st) || WIFSIGNALED(st)))) {
			drop(h, i);	/* died while held (SIGKILL): reaped */
			continue;
		}
		if (r == t.tid && ld_ptrace_stop_sig(st))
			h->v[i].sig = t.sig = ld_ptrace_stop_sig(st);
		if (max_ns && now - t.since_ns > max_ns) {
			if (expired)
				expired(arg, &t);
			drop(h, i);
			ld_ptrace_let_go_sig(t.tid, t.sig);
			continue;
		}
		i++;
	}
}

void ld_holds__free(struct ld_holds *h)
{
	for (size_t i = 0; i < h->n; i++)
		ld_ptrace_let_go_sig(h->v[i].tid, h->v[i].sig);
	free(h->v);
	memset(h, 0, sizeof(*h));
}
