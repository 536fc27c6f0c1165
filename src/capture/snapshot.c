// SPDX-License-Identifier: MIT
/* Snapshot capture: see snapshot.h for how and why. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/log.h"
#include "capture/snapshot.h"
#include "collector/holds.h"
#include "capture/targetmem.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER	0x420c
#endif
#ifndef PTRACE_GETSIGMASK
#define PTRACE_GETSIGMASK	0x420a
#define PTRACE_SETSIGMASK	0x420b
#endif
#ifndef SYS_close_range
#define SYS_close_range		436
#endif
#ifndef __WALL
#define __WALL			0x40000000
#endif

/* Kernel-internal restart codes a syscall interrupted by a stop leaves in rax. */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

/*
 * Written into a page the injecting thread maps for it (and unmaps after),
 * never over the process's code.  T, C and G only ever execute the first
 * syscall and are stopped at its exit; a child that should ever run on
 * from there (its tracer died before PTRACE_O_EXITKILL was set) exits at
 * once instead of running the target's code twice.
 */
static const unsigned char trampoline[] = {
	0x0f, 0x05,			/* syscall */
	0xb8, 0xe7, 0x00, 0x00, 0x00,	/* mov $231 (exit_group), %eax */
	0x0f, 0x05,			/* syscall */
	0xeb, 0xfe,			/* jmp . */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int refuse(struct ld_snapshot *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct ld_snapshot *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	s->err = err;
	ld_dbg("snapshot of pid %d: %s", s->via, s->why);
	return err;
}

/* --- /proc ------------------------------------------------------------------ */

/* The number after "key:" in a /proc status-style file; -1 if absent. */
static long long proc_value(const char *path, const char *key)
{
	char *buf, *p;
	size_t len, klen = strlen(key);
	long long v = -1;

	if (ld_read_file(path, &buf, &len))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			v = strtoll(p + klen + 1, NULL, 10);
			break;
		}
	free(buf);
	return v;
}

/* FNV-1a over the mappings' bounds: the same layout gives the same value. */
static uint64_t layout_add(uint64_t h, uint64_t start, uint64_t end)
{
	uint64_t v[2] = { start, end };
	const unsigned char *p = (const unsigned char *)v;

	for (size_t i = 0; i < sizeof(v); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define LAYOUT_SEED	0xcbf29ce484222325ULL

uint64_t ld_snapshot__layout(const struct ld_maps *maps)
{
	uint64_t h = LAYOUT_SEED;

	for (size_t i = 0; i < maps->n; i++)
		h = layout_add(h, maps->v[i].start, maps->v[i].end);
	return h;
}

int ld_snapshot__nofork_ranges(pid_t pid, struct ld_range **out, size_t *n, uint64_t *layout)
{
	char path[64], *buf;
	size_t len;
	int err;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	err = ld_read_file(path, &buf, &len);
	if (err)
		return err;
	err = ld_snapshot__nofork_parse(buf, out, n, layout);
	free(buf);
	return err;
}

int ld_snapshot__nofork_parse(const char *buf, struct ld_range **out, size_t *n, uint64_t *layout)
{
	struct ld_range *v = NULL;
	uint64_t start = 0, end = 0, h = LAYOUT_SEED;
	size_t cap = 0;
	const char *p;

	*out = NULL;
	*n = 0;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long a, b;
		const char *f;

		/* A mapping's first line: "start-end perms ...". */
		if (sscanf(p, "%llx-%llx ", &a, &b) == 2 && strchr(p, ' ') &&
		    strchr(p, '-') < strchr(p, ' ')) {
			start = a;
			end = b;
			h = layout_add(h, start, end);
			continue;
		}
		if (strncmp(p, "VmFlags:", 8))
			continue;
		for (f = p + 8; *f && *f != '\n'; f++) {
			if (f[0] == ' ' && f[1] && f[2] && (f[3] == ' ' || f[3] == '\n' || !f[3]) &&
			    ((f[1] == 'd' && f[2] == 'c') || (f[1] == 'w' && f[2] == 'f')))
				break;
		}
		if (*f != ' ')
			continue;
		if (*n == cap) {
			struct ld_range *nv = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));

			if (!nv) {
				free(v);
				*n = 0;
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = (struct ld_range){ start, end - start };
	}
	*out = v;
	if (layout)
		*layout = h;
	return 0;
}

/* The first number in a file; 0 when unreadable or "max". */
static uint64_t file_number(const char *path)
{
	char line[64] = "";
	FILE *f = fopen(path, "re");
	uint64_t v = 0;

	if (f) {
		if (fgets(line, sizeof(line), f) && line[0] >= '0' && line[0] <= '9')
			v = strtoull(line, NULL, 10);
		fclose(f);
	}
	return v;
}

/*
 * The memory limit of @pid's cgroup and what it uses (v2, or v1's memory
 * controller); 0 when there is none.
 */
static uint64_t cgroup_headroom(pid_t pid, uint64_t *limit, uint64_t *used)
{
	char path[512], *buf, *p;
	size_t len;

	*limit = *used = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (ld_read_file(path, &buf, &len))
		return 0;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *nl = strchr(p, '\n'), *cg;

		if (nl)
			*nl = 0;
		if (!strncmp(p, "0::", 3)) {
			cg = p + 3;
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", cg);
			*limit = file_number(path);
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.current", cg);
			*used = file_number(path);
		} else if ((cg = strstr(p, ":memory:"))) {
			cg += 8;
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
				 cg);
			*limit = file_number(path);
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.usage_in_bytes",
				 cg);
			*used = file_number(path);
		}
		if (nl)
			*nl = '\n';
		/* v1 says "no limit" with a huge number. */
		if (*limit && *limit < (1ULL << 60))
			break;
		*limit = *used = 0;
	}
	free(buf);
	return *limit;
}

/* Memory the copy may cost: every anonymous page the target writes meanwhile. */
static int check_memory(struct ld_snapshot *s, pid_t pid)
{
	long long anon_kb, avail_kb;
	uint64_t limit, used;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	anon_kb = proc_value(path, "RssAnon");
	avail_kb = proc_value("/proc/meminfo", "MemAvailable");
	if (anon_kb < 0 || avail_kb < 0)
		return 0;	/* cannot tell: try */
	if (avail_kb < anon_kb + (64 << 10))
		return refuse(s, -ENOMEM, "memory pressure: %lld MiB available, the process "
			      "may copy %lld MiB", avail_kb >> 10, anon_kb >> 10);
	/* The same within its cgroup: the copies are charged to it. */
	if (cgroup_headroom(pid, &limit, &used) && used + (uint64_t)anon_kb * 1024 > limit)
		return refuse(s, -ENOMEM, "memory pressure in its cgroup: %llu of %llu MiB "
			      "used, the process may copy %lld MiB",
			      (unsigned long long)(used >> 20), (unsigned long long)(limit >> 20),
			      anon_kb >> 10);
	return 0;
}

/* --- seccomp ------------------------------------------------------------------ */

/*
 * Runs a classic BPF seccomp filter on @sd, as the kernel would.  Returns
 * its verdict, or SECCOMP_RET_KILL_PROCESS for anything it does not know
 * (then we do not try).
 */
static uint32_t run_filter(const struct sock_filter *f, size_t n, const struct seccomp_data *sd)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	const unsigned char *data = (const unsigned char *)sd;

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;

			switch (BPF_MODE(i->code)) {
			case BPF_ABS:
				if (BPF_SIZE(i->code) != BPF_W || i->k % 4 ||
				    i->k + 4 > sizeof(*sd))
					return SECCOMP_RET_KILL_PROCESS;
				memcpy(&v, data + i->k, 4);
				break;
			case BPF_LEN:
				v = sizeof(*sd);
				break;
			case BPF_IMM:
				v = i->k;
				break;
			case BPF_MEM:
				if (i->k >= BPF_MEMWORDS)
					return SECCOMP_RET_KILL_PROCESS;
				v = mem[i->k];
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			if (BPF_CLASS(i->code) == BPF_LD)
				a = v;
			else
				x = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (i->k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			mem[i->k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV:
				if (!src)
					return SECCOMP_RET_KILL_PROCESS;
				a /= src;
				break;
			case BPF_MOD:
				if (!src)
					return SECCOMP_RET_KILL_PROCESS;
				a %= src;
				break;
			case BPF_OR: a |= src; break;
			case BPF_AND: a &= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_JMP: {
			bool t;

			if (BPF_OP(i->code) == BPF_JA) {
				pc += i->k;
				continue;
			}
			switch (BPF_OP(i->code)) {
			case BPF_JEQ: t = a == src; break;
			case BPF_JGT: t = a > src; break;
			case BPF_JGE: t = a >= src; break;
			case BPF_JSET: t = (a & src) != 0; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			pc += t ? i->jt : i->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : BPF_RVAL(i->code) == BPF_X ? x : i->k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			return SECCOMP_RET_KILL_PROCESS;
		}
	}
	return SECCOMP_RET_KILL_PROCESS;	/* fell off the end: the kernel refuses such filters */
}

struct probe_call {
	const char *name;
	int nr;
	uint64_t args[6];
	bool needed;		/* not allowed: no snapshot (else the step is skipped) */
	bool allowed;
};

/*
 * Would the seccomp filters of thread @tid let the calls through?  The
 * filters are read from the kernel and run here: a KILL action must never
 * fire in the target.
 */
static int check_seccomp(struct ld_snapshot *s, pid_t pid, pid_t tid, uint64_t ip,
			 struct probe_call *calls, size_t ncalls)
{
	char path[64];
	long long mode;

	for (size_t c = 0; c < ncalls; c++)
		calls[c].allowed = true;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	mode = proc_value(path, "Seccomp");
	if (mode <= 0)
		return 0;
	if (mode == 1)
		return refuse(s, -EPERM, "strict seccomp mode: no fork");
	for (long idx = 0;; idx++) {
		long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)idx, NULL);
		struct sock_filter *f;

		if (n < 0 && errno == ENOENT && idx > 0)
			break;
		if (n <= 0)
			return refuse(s, -EPERM, "seccomp filter %ld cannot be read (%s): fork "
				      "may be forbidden", idx, n < 0 ? strerror(errno) : "empty");
		f = calloc(n, sizeof(*f));
		if (!f)
			return refuse(s, -ENOMEM, "out of memory");
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)idx, f) != n) {
			free(f);
			return refuse(s, -EPERM, "seccomp filter %ld cannot be read", idx);
		}
		for (size_t c = 0; c < ncalls; c++) {
			struct seccomp_data sd = {
				.nr = calls[c].nr, .arch = AUDIT_ARCH_X86_64,
				.instruction_pointer = ip,
			};
			uint32_t act;

			memcpy(sd.args, calls[c].args, sizeof(sd.args));
			act = run_filter(f, n, &sd) & SECCOMP_RET_ACTION_FULL;
			if (act != SECCOMP_RET_ALLOW && act != SECCOMP_RET_LOG)
				calls[c].allowed = false;
		}
		free(f);
	}
	for (size_t c = 0; c < ncalls; c++)
		if (calls[c].needed && !calls[c].allowed)
			return refuse(s, -EPERM, "a seccomp filter forbids %s", calls[c].name);
	return 0;
}

/* --- ptrace plumbing -------------------------------------------------------------- */

static int wait_task(pid_t tid, int *status)
{
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL);

		if (r == tid)
			return WIFSTOPPED(*status) ? 0 : -ESRCH;
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -errno : -ESRCH;
	}
}

static int mem_rw(pid_t pid, uint64_t addr, void *buf, size_t len, bool write)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write ? pwrite(fd, buf, len, addr) : pread(fd, buf, len, addr);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Runs system call @nr with @args in the stopped tracee @tid, whose
 * registers are @base, through the syscall instruction at @at: it is
 * stopped again at the call's exit, with the registers @after when not
 * NULL (so that it holds its own registers but for the call itself).
 * *ret gets the call's return value, *child the pid of a task it created
 * (fork/clone events).  A SIGSTOP it takes on the way (the one BPF sent at
 * the issue, or anyone's: it cannot be blocked) is held back and *sigstop
 * set, for the caller to send again once the thread holds its own state.
 */
static int run_syscall(pid_t tid, const struct user_regs_struct *base, uint64_t at, long nr,
		       const uint64_t args[6], long *ret, pid_t *child,
		       const struct user_regs_struct *after, bool *sigstop)
{
	struct user_regs_struct r = *base;
	bool entered = false;
	int st, err;

	r.rip = at;
	r.rax = nr;
	r.orig_rax = -1;	/* not in a syscall: the kernel must not "restart" anything */
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	if (ptrace(PTRACE_SETREGS, tid, 0, &r))
		return -errno;
	for (int steps = 0; steps < 32; steps++) {
		int sig, ev;

		if (ptrace(PTRACE_SYSCALL, tid, 0, 0))
			return -errno;
		err = wait_task(tid, &st);
		if (err)
			return err;
		sig = WSTOPSIG(st);
		ev = st >> 16;
		if (sig == (SIGTRAP | 0x80)) {
			if (!entered) {
				entered = true;
				continue;
			}
			if (ptrace(PTRACE_GETREGS, tid, 0, &r))
				return -errno;
			*ret = r.rax;
			if (after && ptrace(PTRACE_SETREGS, tid, 0, after))
				return -errno;
			return 0;
		}
		if (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK ||
		    ev == PTRACE_EVENT_VFORK) {
			unsigned long msg = 0;

			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
			if (child)
				*child = msg;
			continue;
		}
		if (ev == PTRACE_EVENT_STOP)
			continue;	/* a group stop reported on the way: go on */
		if (!ev && sig == SIGSTOP && sigstop) {
			*sigstop = true;
			continue;
		}
		/*
		 * Any other signal is blocked during the injection, so this is
		 * a fault the trampoline caused.  It is suppressed and the
		 * injection given up.
		 */
		ld_warn("snapshot: thread %d got signal %d at 0x%llx during injection", tid, sig,
			(unsigned long long)r.rip);
		return -EFAULT;
	}
	return -EPROTO;
}

/* The registers the thread would resume with after a plain ptrace stop. */
static void apply_restart(struct user_regs_struct *r)
{
	if ((long)r->orig_rax < 0)
		return;
	switch (-(long)r->rax) {
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= 2;
		r->orig_rax = -1;
		break;
	case ERESTART_RESTARTBLOCK:
		r->rax = SYS_restart_syscall;
		r->rip -= 2;
		r->orig_rax = -1;
		break;
	}
}

/* The pid of @pid in its own (innermost) pid namespace. */
static pid_t ns_pid(pid_t pid)
{
	char path[64], *buf, *p;
	size_t len;
	pid_t v = pid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (ld_read_file(path, &buf, &len))
		return pid;
	p = strstr(buf, "\nNSpid:");
	if (p) {
		char *end = strchr(p + 1, '\n'), *last = NULL;

		if (end)
			*end = 0;
		for (char *t = strtok(p + 7, " \t"); t; t = strtok(NULL, " \t"))
			last = t;
		if (last)
			v = atoi(last);
	}
	free(buf);
	return v;
}

/* Kills a task we trace and collects its end. */
static void kill_traced(pid_t pid)
{
	int st;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, __WALL) == pid && !WIFEXITED(st) && !WIFSIGNALED(st))
		;
}

/* Is there a syscall instruction (0f 05) at addr in the process? */
static bool is_syscall_insn(pid_t pid, uint64_t addr)
{
	unsigned char b[2];

	return addr && !mem_rw(pid, addr, b, sizeof(b), false) && b[0] == 0x0f && b[1] == 0x05;
}

/* The first 0f 05 in [start, end) of the process, or 0. */
static uint64_t scan_syscall(pid_t pid, uint64_t start, uint64_t end)
{
	unsigned char buf[65536];

	for (uint64_t a = start; a < end; a += sizeof(buf) - 1) {
		size_t n = end - a < sizeof(buf) ? end - a : sizeof(buf);

		if (mem_rw(pid, a, buf, n, false))
			return 0;
		for (size_t i = 0; i + 1 < n; i++)
			if (buf[i] == 0x0f && buf[i + 1] == 0x05)
				return a + i;
	}
	return 0;
}

/*
 * A syscall instruction to run the first calls through (the process's
 * code is never changed): the one the thread is stopped after, else one
 * in the vDSO, else one in the first executable mapping.  Any 0f 05 will
 * do, even inside another instruction: the thread is stopped at the
 * call's exit and never runs the bytes after it.
 */
static uint64_t find_syscall(pid_t pid, const struct user_regs_struct *r,
			     const struct ld_maps *maps)
{
	uint64_t at = 0;

	if ((long)r->orig_rax >= 0 && is_syscall_insn(pid, r->rip - 2))
		return r->rip - 2;
	for (size_t i = 0; i < maps->n && !at; i++)
		if (!strcmp(maps->v[i].path, "[vdso]"))
			at = scan_syscall(pid, maps->v[i].start, maps->v[i].end);
	for (size_t i = 0; i < maps->n && !at; i++)
		if ((maps->v[i].perms & (LD_MAP_R | LD_MAP_X)) == (LD_MAP_R | LD_MAP_X))
			at = scan_syscall(pid, maps->v[i].start,
					  maps->v[i].end - maps->v[i].start > (1 << 20) ?
					  maps->v[i].start + (1 << 20) : maps->v[i].end);
	return at;
}

/*
 * The thread that makes the copy: a 64-bit one stopped in a system call
 * (never inside an rseq critical section, which has none), the leader or
 * @prefer first; else any 64-bit one.
 */
static pid_t pick_thread(const struct ld_freeze *fz, pid_t prefer)
{
	/* Test hook: make the copy through this thread if it can. */
	const char *forced = getenv("LIVEDUMP_TEST_SNAPSHOT_TID");
	pid_t force = forced ? atoi(forced) : 0, best = 0;
	int best_score = 0;

	for (size_t i = 0; i < fz->n; i++) {
		const struct ld_frozen_thread *t = &fz->t[i];
		struct user_regs_struct r;
		int score;

		if (!t->attached || !t->stopped || ptrace(PTRACE_GETREGS, t->tid, 0, &r) ||
		    r.cs != 0x33)
			continue;
		/* One taking a signal would have it sent again, without its siginfo. */
		score = 1 + ((long)r.orig_rax >= 0 ? 4 : 0) + (t->tid == fz->pid ? 2 : 0) +
			(t->tid == prefer ? 1 : 0) + (t->tid == force ? 32 : 0) + (t->sig ? 0 : 16);
		if (score > best_score) {
			best = t->tid;
			best_score = score;
		}
	}
	return best;
}

/* --- the snapshot ------------------------------------------------------------- */

struct inject {
	pid_t tgid, tid;
	struct user_regs_struct regs;	/* as stopped */
	struct user_regs_struct resume;	/* what it goes on with: regs, the restart applied */
	uint64_t mask;
	bool have_regs, mask_set, opts_set;
	uint64_t insn;			/* a syscall instruction of the process */
	uint64_t page;			/* the page we mapped for the trampoline */
	bool sigstop;			/* a SIGSTOP held back: sent again */
	int sig;			/* T stopped delivering it: sent again (it cannot be handed back) */
};

/*
 * T back in the stop it was seized in, with its own registers: an
 * interrupt trap on its way back to user space, where the kernel decides
 * about the call it interrupted as it would have — restarted, or -EINTR
 * when a signal's handler runs first.  Restarting it here instead would
 * swallow that -EINTR: a signal that came while T was held would run its
 * handler and then T would go back into, say, pause().  Until the trap T
 * holds in->resume, which is safe should we die meanwhile.
 */
static int settle(struct inject *in)
{
	int st, err;

	/* The trap first: T then leaves through the signal path whatever happens next. */
	if (ptrace(PTRACE_INTERRUPT, in->tid, 0, 0) ||
	    ptrace(PTRACE_SETREGS, in->tid, 0, &in->regs) || ptrace(PTRACE_CONT, in->tid, 0, 0))
		return -errno;
	for (int steps = 0; steps < 8; steps++) {
		int sig;

		err = wait_task(in->tid, &st);
		if (err)
			return err;
		if ((st >> 16) == PTRACE_EVENT_STOP)
			return 0;
		/* Its signals are unblocked again: one may come before the trap. */
		if (!(st >> 16) && WSTOPSIG(st) == SIGSTOP)
			in->sigstop = true;
		else if ((sig = ld_ptrace_stop_sig(st)))
			in->sig = sig;
		if (ptrace(PTRACE_CONT, in->tid, 0, 0))
			return -errno;
	}
	return -EPROTO;
}

/*
 * Puts back everything the injection changed in T: the page it mapped,
 * its options, registers and signal mask.
 */
static void restore(struct inject *in)
{
	if (in->page) {
		uint64_t args[6] = { in->page, 4096 };
		long ret;

		if (run_syscall(in->tid, &in->regs, in->insn, SYS_munmap, args, &ret, NULL,
				&in->resume, &in->sigstop) || ret)
			ld_warn("snapshot: thread %d could not unmap the page at 0x%llx", in->tid,
				(unsigned long long)in->page);
	}
	if (in->opts_set)
		ptrace(PTRACE_SETOPTIONS, in->tid, 0, 0);
	if (in->have_regs && ptrace(PTRACE_SETREGS, in->tid, 0, &in->resume))
		ld_err("snapshot: cannot restore the registers of %d: %s", in->tid,
		       strerror(errno));
	if (in->mask_set && ptrace(PTRACE_SETSIGMASK, in->tid, sizeof(in->mask), &in->mask))
		ld_err("snapshot: cannot restore the signal mask of %d: %s", in->tid,
		       strerror(errno));
	if (in->have_regs) {
		int err = settle(in);

		if (err)
			ld_warn("snapshot: thread %d goes on with its interrupted call restarted, "
				"not back in its own stop: %s", in->tid, strerror(-err));
	}
	/* Detached from an interrupt trap, a signal is not delivered: sent again. */
	if (in->sig) {
		ld_dbg("snapshot: thread %d was taking signal %d: sent again", in->tid, in->sig);
		if (syscall(SYS_tgkill, in->tgid, in->tid, in->sig))
			ld_warn("snapshot: cannot send signal %d back to %d: %s", in->sig, in->tid,
				strerror(errno));
	}
	/* The process stops as it was meant to once we let it go. */
	if (in->sigstop) {
		ld_dbg("snapshot: thread %d took a SIGSTOP meanwhile: sent again", in->tid);
		if (syscall(SYS_tgkill, in->tgid, in->tid, SIGSTOP))
			ld_warn("snapshot: cannot send SIGSTOP back to %d: %s", in->tid,
				strerror(errno));
	}
}

static int take(struct ld_snapshot *s, struct inject *in, const struct ld_maps *maps,
		pid_t *cpid)
{
	static const uint64_t all = ~0ULL;
	uint64_t args[6] = { 0 };
	struct user_regs_struct cregs;
	pid_t c = 0, g = 0;
	long ret;
	int st, err;

	if (ptrace(PTRACE_GETREGS, in->tid, 0, &in->regs))
		return refuse(s, -errno, "cannot read the registers of %d: %s", in->tid,
			      strerror(errno));
	/*
	 * Between the calls T holds the registers it will go on with: T
	 * stops at syscall exits now, where the kernel restarts no
	 * interrupted call for it, so that is done here.  Should we die
	 * meanwhile, T simply goes on.
	 */
	in->resume = in->regs;
	apply_restart(&in->resume);
	in->have_regs = true;
	in->insn = find_syscall(in->tid, &in->regs, maps);
	if (!in->insn)
		return refuse(s, -ENOEXEC, "no syscall instruction found in the process");
	/*
	 * No signal may run a handler meanwhile.  The mask read is the real
	 * one even inside sigsuspend/ppoll (the kernel gives saved_sigmask
	 * then), and setting it back ends that temporary mask, which the
	 * restarted call installs again.
	 */
	if (ptrace(PTRACE_GETSIGMASK, in->tid, sizeof(in->mask), &in->mask) ||
	    ptrace(PTRACE_SETSIGMASK, in->tid, sizeof(all), &all))
		return refuse(s, -errno, "cannot block signals in %d: %s", in->tid,
			      strerror(errno));
	in->mask_set = true;
	if (ptrace(PTRACE_SETOPTIONS, in->tid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
		   PTRACE_O_TRACEFORK))
		return refuse(s, -errno, "PTRACE_SETOPTIONS: %s", strerror(errno));
	in->opts_set = true;

	/* A page of our own for the trampoline: no thread runs it but ours. */
	args[1] = 4096;
	args[2] = PROT_READ | PROT_EXEC;
	args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	args[4] = -1;
	err = run_syscall(in->tid, &in->regs, in->insn, SYS_mmap, args, &ret, NULL, &in->resume,
			  &in->sigstop);
	if (err)
		return refuse(s, err, "mmap in thread %d: %s", in->tid, strerror(-err));
	if (ret < 0 && ret > -4096)
		return refuse(s, (int)ret, "mmap failed in the process: %s", strerror(-ret));
	in->page = s->at = ret;
	err = mem_rw(in->tid, in->page, (void *)trampoline, sizeof(trampoline), true);
	if (err)
		return refuse(s, err, "cannot write the trampoline at 0x%llx: %s",
			      (unsigned long long)in->page, strerror(-err));

	/* C: shares T's memory, so it costs nothing to make. */
	memset(args, 0, sizeof(args));
	args[0] = CLONE_VM | CLONE_FS | CLONE_FILES;	/* exit signal 0: no SIGCHLD */
	for (int tries = 0;; tries++) {
		err = run_syscall(in->tid, &in->regs, in->page, SYS_clone, args, &ret, &c,
				  &in->resume, &in->sigstop);
		if (err)
			return refuse(s, err, "clone in thread %d: %s", in->tid, strerror(-err));
		if (ret != -ERESTARTNOINTR || tries >= 3)
			break;
	}
	if (ret < 0)
		return refuse(s, (int)ret, "clone failed in the process: %s", strerror(-ret));
	if (!c)
		return refuse(s, -EPROTO, "clone made no traced child");
	*cpid = c;
	err = wait_task(c, &st);
	if (err)
		return refuse(s, err, "the clone %d did not stop", c);
	/*
	 * From here on every child dies with us, even on SIGKILL.  (Before,
	 * C would only run the trampoline's exit_group.)
	 */
	if (ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
		   PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL) ||
	    ptrace(PTRACE_GETREGS, c, 0, &cregs))
		return refuse(s, -errno, "cannot set up the clone %d: %s", c, strerror(errno));

	/* G: the copy.  Its page tables are copied now: the whole cost. */
	memset(args, 0, sizeof(args));
	args[0] = SIGCHLD;
	err = run_syscall(c, &cregs, in->page, SYS_clone, args, &ret, &g, NULL, NULL);
	if (err)
		return refuse(s, err, "fork in the clone: %s", strerror(-err));
	if (ret < 0)
		return refuse(s, (int)ret, "fork failed in the process: %s", strerror(-ret));
	if (!g)
		return refuse(s, -EPROTO, "fork made no traced child");
	s->pid = g;
	err = wait_task(g, &st);
	if (err)
		return refuse(s, err, "the copy %d did not stop", g);
	return 0;
}

/* T reaps C (already dead and collected by us as its tracer). */
static int reap_clone(struct inject *in, pid_t c, pid_t c_ns)
{
	uint64_t args[6] = { (uint64_t)c_ns, 0, __WALL | WNOHANG, 0, 0, 0 };
	long ret = 0;
	int err = 0;

	kill_traced(c);
	for (int tries = 0; tries < 200; tries++) {
		err = run_syscall(in->tid, &in->regs, in->insn, SYS_wait4, args, &ret, NULL,
				  &in->resume, &in->sigstop);
		if (err || ret != 0)
			break;
		usleep(100);	/* not a zombie yet */
	}
	if (err || ret != c_ns) {
		ld_warn("snapshot: thread %d could not reap its clone %d: %s", in->tid, c,
			err ? strerror(-err) : ret < 0 ? strerror(-ret) : "not ready");
		return err ? err : -ECHILD;
	}
	return 0;
}

/* G drops its copies of the target's files. */
static void close_files(struct ld_snapshot *s, uint64_t at)
{
	uint64_t args[6] = { 0, ~0U, 0, 0, 0, 0 };
	struct user_regs_struct r;
	long ret;

	if (ptrace(PTRACE_GETREGS, s->pid, 0, &r) ||
	    run_syscall(s->pid, &r, at, SYS_close_range, args, &ret, NULL, NULL, NULL) || ret)
		ld_dbg("snapshot: the copy %d keeps the target's files open", s->pid);
}

int ld_snapshot__take(struct ld_snapshot *s, struct ld_freeze *fz,
		      const struct ld_snapshot_opts *o)
{
	struct probe_call calls[] = {
		{ "mmap", SYS_mmap, { 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
				      (uint32_t)-1 }, true, false },
		{ "clone", SYS_clone, { CLONE_VM | CLONE_FS | CLONE_FILES }, true, false },
		{ "fork", SYS_clone, { SIGCHLD }, true, false },
		{ "wait4", SYS_wait4, { 0, 0, __WALL | WNOHANG }, true, false },
		{ "munmap", SYS_munmap, { 0, 4096 }, true, false },
		{ "close_range", SYS_close_range, { 0, ~0U, 0 }, false, false },
	};
	struct inject in = { 0 };
	uint64_t t0 = mono_ns();
	pid_t c = 0, c_ns;
	int err;

	memset(s, 0, sizeof(*s));
	in.tgid = fz->pid;
	in.tid = s->via = pick_thread(fz, o->prefer);
	if (!in.tid)
		return refuse(s, -EAGAIN, "no stopped 64-bit thread to make the copy");
	/* T's signal is ours to send again now (restore()). */
	for (size_t i = 0; i < fz->n; i++)
		if (fz->t[i].tid == in.tid) {
			in.sig = fz->t[i].sig;
			fz->t[i].sig = 0;
		}
	if (o->uses_uffd)
		return refuse(s, -EBUSY, "the process uses userfaultfd (fork would wait for "
			      "its frozen monitor)");
	if (o->nofork_bytes > LD_SNAPSHOT_MAX_NOFORK)
		return refuse(s, -E2BIG, "%llu MiB of MADV_DONTFORK/WIPEONFORK memory",
			      (unsigned long long)(o->nofork_bytes >> 20));
	err = check_memory(s, fz->pid);
	if (!err)
		err = check_seccomp(s, fz->pid, in.tid, 0, calls, sizeof(calls) / sizeof(calls[0]));
	if (err)
		return err;

	/* Test hooks: a SIGSTOP, or signal N, pending for the process while it is held. */
	if (getenv("LIVEDUMP_TEST_SNAPSHOT_SIGSTOP"))
		kill(fz->pid, SIGSTOP);
	if (getenv("LIVEDUMP_TEST_SNAPSHOT_SIGNAL"))
		kill(fz->pid, atoi(getenv("LIVEDUMP_TEST_SNAPSHOT_SIGNAL")));
	err = take(s, &in, o->maps, &c);
	if (c) {
		/* C is reaped by T itself: nobody else may. */
		c_ns = ns_pid(c);
		if (reap_clone(&in, c, c_ns) && !err)
			err = refuse(s, -ECHILD, "the clone could not be reaped");
	}
	if (!err && calls[5].allowed)
		close_files(s, in.page);
	if (!err && s->pid) {
		char path[64];
		int fd;

		/* Under OOM the copy goes first. */
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", s->pid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1000", 4) < 0)
				ld_dbg("snapshot: oom_score_adj of %d: %s", s->pid, strerror(errno));
			close(fd);
		}
	}
	restore(&in);
	if (err) {
		ld_snapshot__drop(s);
		s->err = err;
		/* A target gone is an error for a plain capture too. */
		return kill(fz->pid, 0) && errno == ESRCH ? -ESRCH : err;
	}
	s->ns = mono_ns() - t0;
	return 0;
}

long ld_snapshot__read(const struct ld_snapshot *s, uint64_t addr, void *buf, size_t len)
{
	return ld_mem_read(s->pid, addr, buf, len);
}

void ld_snapshot__drop(struct ld_snapshot *s)
{
	if (s->pid > 0)
		kill_traced(s->pid);
	s->pid = 0;
}
