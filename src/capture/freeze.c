// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "capture/freeze.h"
#include "base/log.h"
#include "capture/proc.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool known(const struct ld_freeze *f, pid_t tid)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->t[i].tid == tid)
			return true;
	return false;
}

/* One pass over /proc/PID/task; returns the number of threads newly seized. */
static int seize_new(struct ld_freeze *f)
{
	pid_t *tids;
	size_t n;
	int added = 0, err = ld_proc_tids(f->pid, &tids, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		struct ld_frozen_thread *t, *v;
		struct ld_task_info ti;
		char why[200];

		if (known(f, tids[i]))
			continue;
		v = realloc(f->t, (f->n + 1) * sizeof(*v));
		if (!v) {
			free(tids);
			return -ENOMEM;
		}
		f->t = v;
		t = &f->t[f->n];
		memset(t, 0, sizeof(*t));
		t->tid = tids[i];
		t->state = ld_proc_task_info(f->pid, t->tid, &ti) ? '?' : ti.state;
		if (ptrace(PTRACE_SEIZE, t->tid, 0, 0)) {
			if (errno == ESRCH)
				continue;	/* exited meanwhile */
			err = -errno;
			ld_dbg("cannot seize thread %d of %d: %s", t->tid, f->pid, strerror(errno));
			/* EPERM is most often another tracer (gdb, strace): say which. */
			if (err == -EPERM && !ld_proc_tracer_msg(f->pid, t->tid, why, sizeof(why)))
				ld_err("cannot seize %s", why);
			free(tids);
			return err;
		}
		t->attached = true;
		t->since_ns = mono_ns();
		f->n++;
		added++;
		/* Already group-stopped threads trap by themselves; this is harmless then. */
		ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
	}
	free(tids);
	return added;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void wait_stopped(struct ld_freeze *f, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	size_t pending = f->n;

	while (pending) {
		pending = 0;
		for (size_t i = 0; i < f->n; i++) {
			struct ld_frozen_thread *t = &f->t[i];
			int st;
			pid_t r;

			if (t->stopped || !t->attached)
				continue;
			r = waitpid(t->tid, &st, __WALL | WNOHANG);
			if (r == t->tid && WIFSTOPPED(st)) {
				t->stopped = true;
				/* A signal it was about to take: not ours to swallow. */
				t->sig = ld_ptrace_stop_sig(st);
			} else if (r == t->tid || (r < 0 && errno == ECHILD)) {
				t->attached = false;	/* exited */
			} else {
				pending++;
			}
		}
		if (!pending || now_ms() >= deadline)
			break;
		usleep(200);
	}
	for (size_t i = 0; i < f->n; i++)
		if (f->t[i].attached && !f->t[i].stopped)
			ld_warn("thread %d of %d did not stop within %u ms (state %c): no registers",
				f->t[i].tid, f->pid, timeout_ms, f->t[i].state);
}

/* Threads an earlier capture left held for their own issues: ours already. */
static int adopt_held(struct ld_freeze *f, struct ld_holds *holds, unsigned timeout_ms)
{
	for (size_t i = 0; holds && i < holds->n;) {
		struct ld_frozen_thread *v;
		struct ld_held h;

		if (holds->v[i].pid != f->pid) {
			i++;
			continue;
		}
		ld_holds__take(holds, holds->v[i].tid, &h);
		v = realloc(f->t, (f->n + 1) * sizeof(*v));
		if (!v) {
			ld_ptrace_let_go_sig(h.tid, h.sig);
			return -ENOMEM;
		}
		f->t = v;
		v[f->n] = (struct ld_frozen_thread){ .tid = h.tid, .attached = true, .adopted = true,
						     .state = h.state, .since_ns = h.since_ns,
						     .sig = h.sig };
		/* After the SIGCONT that let the others run it re-trapped; make sure it has. */
		switch (ld_ptrace_wait_stopped(h.tid, timeout_ms, &v[f->n].sig)) {
		case 0:
			v[f->n].stopped = true;
			break;
		case -ESRCH:
			v[f->n].attached = false;	/* died while held */
			break;
		default:
			ld_warn("thread %d of %d, held for its issue, is not in a ptrace-stop: no registers",
				h.tid, f->pid);
		}
		f->n++;
	}
	return 0;
}

int ld_freeze__all(struct ld_freeze *f, pid_t pid, unsigned timeout_ms, struct ld_holds *holds)
{
	int added, rounds = 0;

	memset(f, 0, sizeof(*f));
	f->pid = pid;
	added = adopt_held(f, holds, timeout_ms);
	if (added < 0) {
		ld_freeze__release(f, 0);
		return added;
	}
	/* Threads may be cloned until every thread is stopped: repeat until stable. */
	do {
		added = seize_new(f);
		if (added < 0) {
			ld_freeze__release(f, 0);
			return added == -ENOENT ? -ESRCH : added;
		}
		wait_stopped(f, timeout_ms);
	} while (added > 0 && ++rounds < 16);
	if (!f->n)
		return -ESRCH;
	return 0;
}

void ld_freeze__release(struct ld_freeze *f, pid_t keep)
{
	/*
	 * The group leader last: a leader that died is reapable only once
	 * every other thread is, so its tracer can collect it only then.
	 */
	for (int leader = 0; leader < 2; leader++) {
		for (size_t i = 0; i < f->n; i++) {
			struct ld_frozen_thread *t = &f->t[i];

			if (!t->attached || t->tid == keep || (t->tid == f->pid) != leader)
				continue;
			/* A SIGSTOP still pending is flushed by the SIGCONT after this. */
			ld_ptrace_let_go_sig(t->tid, t->sig);
			t->attached = false;
		}
	}
}

void ld_freeze__handoff(struct ld_freeze *f, pid_t keep, struct ld_holds *holds,
			bool (*pending)(void *arg, pid_t tid), void *arg)
{
	for (size_t i = 0; holds && pending && i < f->n; i++) {
		struct ld_frozen_thread *t = &f->t[i];

		if (!t->attached || t->tid == keep || !pending(arg, t->tid))
			continue;
		t->attached = false;
		ld_holds__add(holds, f->pid, t->tid, t->state, t->since_ns, t->sig);
	}
	ld_freeze__release(f, keep);
}

void ld_freeze__free(struct ld_freeze *f)
{
	ld_freeze__release(f, 0);
	free(f->t);
	memset(f, 0, sizeof(*f));
}
