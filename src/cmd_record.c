// SPDX-License-Identifier: MIT
/* livedump record: the collector. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "commands.h"
#include "dumper.h"
#include "elfsym.h"
#include "guard.h"
#include "libresolve.h"
#include "livedump/records.h"
#include "loader.h"
#include "log.h"
#include "outdir.h"
#include "proc.h"

#define MAX_TARGETS 64

struct record_opts {
	const char *outdir;
	pid_t pids[MAX_TARGETS];
	size_t npids;
	const char *exes[MAX_TARGETS];
	size_t nexes;
	const char *libs[MAX_TARGETS];
	size_t nlibs;
	bool all, full;
	uint64_t stack_max;
	char **cmd;
};

struct collector {
	const struct record_opts *o;
	struct ld_loader *loader;
	struct ld_symcache *symcache;
	pid_t child;
	unsigned long triggers, dumps, failed;
	uint64_t bytes;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: livedump record [OPTIONS] [-- COMMAND [ARGS...]]\n"
"Watch processes and write a live dump each time one calls livedump_trigger().\n"
"\n"
"What to watch (at least one):\n"
"  -p, --pid PID        a running process (repeatable)\n"
"  -x, --exe PATH       every process running this executable (repeatable)\n"
"  -a, --all            every process using the installed client library\n"
"      --lib PATH       also probe this copy of liblivedump.so (repeatable)\n"
"  -- COMMAND ARGS      launch COMMAND, watched from its first instruction;\n"
"                       recording stops when it exits\n"
"\n"
"Options:\n"
"  -o, --output DIR     where dumps go (default %s, created 0700)\n"
"      --full           dump all memory instead of a mini dump\n"
"      --stack SIZE     bytes of each thread's stack in a mini dump (default 256K)\n"
"  -h, --help           this text\n", LD_DEFAULT_OUTDIR);
}

/* "256K", "1M", "4096": bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct record_opts *o)
{
	enum { OPT_FULL = 256, OPT_LIB, OPT_STACK };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "exe", required_argument, NULL, 'x' },
		{ "all", no_argument, NULL, 'a' },
		{ "lib", required_argument, NULL, OPT_LIB },
		{ "output", required_argument, NULL, 'o' },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "stack", required_argument, NULL, OPT_STACK },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	o->outdir = LD_DEFAULT_OUTDIR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:x:ao:h", longopts, NULL)) != -1) {
		char *end;
		long pid;

		switch (c) {
		case 'p':
			pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0 || pid > 0x3fffffff) {
				ld_err("-p %s: not a process id", optarg);
				return -EINVAL;
			}
			if (o->npids == MAX_TARGETS)
				return ld_err("too many -p (at most %d)", MAX_TARGETS), -E2BIG;
			o->pids[o->npids++] = pid;
			break;
		case 'x':
			if (o->nexes == MAX_TARGETS)
				return ld_err("too many -x (at most %d)", MAX_TARGETS), -E2BIG;
			o->exes[o->nexes++] = optarg;
			break;
		case OPT_LIB:
			if (o->nlibs == MAX_TARGETS)
				return ld_err("too many --lib (at most %d)", MAX_TARGETS), -E2BIG;
			o->libs[o->nlibs++] = optarg;
			break;
		case 'a':
			o->all = true;
			break;
		case 'o':
			o->outdir = optarg;
			break;
		case OPT_FULL:
			o->full = true;
			break;
		case OPT_STACK:
			if (parse_size(optarg, &o->stack_max) || !o->stack_max) {
				ld_err("--stack %s: expected a size like 64K or 1M", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc)
		o->cmd = argv + optind;
	if (!o->npids && !o->nexes && !o->all && !o->cmd && !o->nlibs) {
		ld_err("nothing to watch: give -p PID, -x EXE, --all or -- COMMAND");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Probes every client object that an executable file uses. */
static int attach_exe_objects(struct collector *col, const char *exe)
{
	char *paths[8];
	int n = ld_client_objects(exe, paths, 8), err = 0;

	if (n < 0) {
		ld_err("cannot read %s: %s", exe, strerror(-n));
		return n;
	}
	if (n == 0)
		ld_warn("%s does not use the livedump client library: nothing in it can trigger a dump",
			exe);
	for (int i = 0; i < n; i++) {
		if (!err)
			err = ld_loader__attach_trigger(col->loader, paths[i], paths[i]);
		free(paths[i]);
	}
	return err;
}

/* Probes the client objects mapped by a running process. */
static int attach_pid(struct collector *col, pid_t pid)
{
	struct ld_maps maps;
	int err = ld_proc_maps(pid, &maps), found = 0;

	if (err) {
		ld_err("cannot watch pid %d: %s", pid,
		       err == -ENOENT ? "no such process" : strerror(-err));
		return err;
	}
	err = ld_loader__watch_pid(col->loader, pid);
	for (size_t i = 0; !err && i < maps.n; i++) {
		const struct ld_map *m = &maps.v[i];
		struct ld_elf_sym sym;
		char path[4200];

		if (!ld_map__is_file(m) || m->offset)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
		if (ld_symcache__find(col->symcache, path, m->dev, m->ino, LD_FIRE_SYMBOL, &sym))
			continue;
		err = ld_loader__attach_trigger(col->loader, path, m->path);
		found++;
	}
	if (!err && !found)
		ld_warn("pid %d does not use the livedump client library: nothing in it can trigger a dump",
			pid);
	if (!err)
		printf("watching pid %d\n", pid);
	ld_maps__free(&maps);
	return err;
}

/* execvp's search, so we probe the file that will really run. */
static char *find_in_path(const char *cmd)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *found = NULL;

	if (strchr(cmd, '/'))
		return realpath(cmd, NULL);
	copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); copy && dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char p[4096];

		snprintf(p, sizeof(p), "%s/%s", dir, cmd);
		if (!access(p, X_OK))
			found = realpath(p, NULL);
	}
	free(copy);
	return found;
}

/*
 * The child waits on a pipe until its pid is in the watch map and the
 * probes are in place, then execs: nothing it runs escapes us.
 */
static int launch(struct collector *col, char **cmd)
{
	char *exe = find_in_path(cmd[0]);
	int go[2], err;
	pid_t pid;

	if (!exe) {
		ld_err("cannot run %s: command not found", cmd[0]);
		return -ENOENT;
	}
	if (pipe2(go, O_CLOEXEC)) {
		free(exe);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* the collector gave up before we started */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(exe, cmd);
		fprintf(stderr, "livedump: cannot run %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(go[0]);
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	col->child = pid;
	err = ld_loader__watch_pid(col->loader, pid);
	if (!err)
		err = attach_exe_objects(col, exe);
	if (!err) {
		printf("launched %s as pid %d\n", exe, pid);
		fflush(stdout);
		if (write(go[1], "g", 1) != 1)
			err = -errno;
	}
out:
	close(go[1]);	/* on error the child exits without running anything */
	free(exe);
	return err;
}

static uint64_t ktime_to_realtime(uint64_t ktime)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return real.tv_sec * 1000000000ULL + real.tv_nsec -
	       (mono.tv_sec * 1000000000ULL + mono.tv_nsec - ktime);
}

static void on_app_trigger(struct collector *col, const struct ld_app_trigger *e)
{
	struct ld_capture_opts o = {
		.type = col->o->full ? LD_CAPTURE_FULL : LD_CAPTURE_MINI,
		.issue = LD_ISSUE_APP,
		.rule = "app",
		.code = e->req.code,
		.params = { e->req.param },
		.issue_time_ns = ktime_to_realtime(e->hdr.ktime_ns),
		.trigger = e,
		.trigger_len = sizeof(*e),
		.req_addr = e->req_addr,
		.blobs = e->blobs,
		.nblobs = e->req.nblobs,
		.frozen_by_bpf = e->hdr.flags & LD_EVF_FROZEN,
		.stack_max = col->o->stack_max,
		.symcache = col->symcache,
	};
	struct ld_dump_result res;
	int err;

	col->triggers++;
	printf("trigger: pid %u (%.16s) tid %u code 0x%x param 0x%llx blobs %u%s\n",
	       e->hdr.pid, e->hdr.comm, e->hdr.tid, e->req.code,
	       (unsigned long long)e->req.param, e->req.nblobs,
	       e->hdr.flags & LD_EVF_FROZEN ? "" : " (not frozen)");
	fflush(stdout);
	if (e->req.magic != LD_TRIGGER_MAGIC)
		ld_warn("pid %u: trigger request has a bad magic 0x%x: dumping anyway",
			e->hdr.pid, e->req.magic);
	err = ld_dump_process(e->hdr.pid, e->hdr.tid, &o, col->o->outdir, &res);
	ld_loader__thawed(col->loader, e->hdr.pid);
	if (err) {
		col->failed++;
		ld_err("dump of pid %u failed: %s", e->hdr.pid,
		       err == -ESRCH ? "the process is gone" : strerror(-err));
		return;
	}
	col->dumps++;
	col->bytes += res.stats.file_size;
	ld_dump_result__print(&res);
	free(res.path);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct collector *col = ctx;
	const struct ld_event_hdr *h = data;

	if (size < sizeof(*h) || h->size > size) {
		ld_warn("short BPF record (%zu bytes): ignored", size);
		return 0;
	}
	switch (h->type) {
	case LD_EV_APP_TRIGGER:
		if (h->size >= sizeof(struct ld_app_trigger))
			on_app_trigger(col, data);
		break;
	default:
		ld_dbg("BPF record of unknown type %u ignored", h->type);
	}
	return 0;
}

static int child_exited(struct collector *col)
{
	siginfo_t si = { 0 };

	if (!col->child || waitid(P_PID, col->child, &si, WEXITED | WNOHANG) || !si.si_pid)
		return 0;
	if (si.si_code == CLD_EXITED)
		printf("pid %d exited with status %d\n", col->child, si.si_status);
	else
		printf("pid %d was killed by signal %d\n", col->child, si.si_status);
	col->child = 0;
	return 1;
}

static int attach_all(struct collector *col)
{
	const struct record_opts *o = col->o;
	int err = 0;

	if (o->all && !o->nlibs) {
		const char *lib = ld_installed_library();

		if (!lib) {
			ld_err("--all: no installed liblivedump.so.1 in %s: install it (make install) or give --lib PATH",
			       LD_LIBDIR);
			return -ENOENT;
		}
		err = ld_loader__attach_trigger(col->loader, lib, lib);
	}
	for (size_t i = 0; !err && i < o->nlibs; i++)
		err = ld_loader__attach_trigger(col->loader, o->libs[i], o->libs[i]);
	for (size_t i = 0; !err && i < o->nexes; i++) {
		err = ld_loader__watch_exe(col->loader, o->exes[i]);
		if (err)
			ld_err("cannot watch %s: %s", o->exes[i], strerror(-err));
		else
			err = attach_exe_objects(col, o->exes[i]);
	}
	for (size_t i = 0; !err && i < o->npids; i++)
		err = attach_pid(col, o->pids[i]);
	if (!err && o->cmd)
		err = launch(col, o->cmd);
	return err;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	/* No SA_RESTART: the poll must return so the loop sees the flag. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o = { 0 };
	struct collector col = { .o = &o };
	struct ld_loader_opts lo = { 0 };
	int err;

	if (parse_args(argc, argv, &o))
		return 2;
	err = ld_outdir_prepare(o.outdir);
	if (err) {
		ld_err("cannot use output directory %s: %s", o.outdir, strerror(-err));
		return 1;
	}
	lo.watch_all = o.all;
	install_signals();
	col.symcache = ld_symcache__new();
	err = col.symcache ? ld_loader__new(&lo, &col.loader) : -ENOMEM;
	if (err)
		goto out;
	err = ld_guard__start(ld_loader__frozen_fd(col.loader));
	if (err < 0) {
		ld_err("cannot start the guard process: %s", strerror(-err));
		goto out;
	}
	err = attach_all(&col);
	if (err)
		goto out;
	printf("recording into %s (%s dumps); Ctrl-C to stop\n", o.outdir, o.full ? "full" : "mini");
	fflush(stdout);

	while (!stop_signal) {
		int n = ld_loader__poll(col.loader, 100, on_event, &col);

		if (n < 0 && n != -EINTR) {
			ld_err("ring buffer: %s", strerror(-n));
			err = n;
			break;
		}
		if (child_exited(&col))
			break;
	}
	if (stop_signal)
		printf("stopping on %s\n", strsignal(stop_signal));
out:
	if (col.loader) {
		/* Anything frozen whose record we never handled runs again now. */
		ld_thaw_frozen(ld_loader__frozen_fd(col.loader));
		ld_loader__free(col.loader);
	}
	ld_symcache__free(col.symcache);
	printf("summary: %lu triggers, %lu dumps written (%.1f KiB), %lu failed\n",
	       col.triggers, col.dumps, col.bytes / 1024.0, col.failed);
	return err ? 1 : (col.failed ? 1 : 0);
}
