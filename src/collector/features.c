// SPDX-License-Identifier: MIT
/*
 * The kernel-feature probes (features.h): what the running kernel offers,
 * each feature found by a real probe — load one tiny program of
 * bpf/features.bpf.c, attach it, trigger it from this process and check
 * that it ran.  The loader asks before attaching a rule; `livedump
 * features` (cli/cmd_features.c) prints them all.  The results are cached
 * for the process's life: a probe loads and attaches BPF, asking twice
 * must be free.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/sdt.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "collector/features.h"
#include "base/log.h"
#include "features.skel.h"

#define TRACEFS		"/sys/kernel/tracing"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define ENOTSUPP_K	524	/* the kernel's internal ENOTSUPP */

/* ---- what the probes trigger: all of it lives in this process ---- */

/* The uprobe/uretprobe target: a real call into this binary. */
static __attribute__((noinline, used)) void uprobe_target(void)
{
	__asm__ volatile("");
}

/* The USDT probe livedump:feature_probe (a note in .note.stapsdt). */
static __attribute__((noinline, used)) void usdt_site(void)
{
	DTRACE_PROBE(livedump, feature_probe);
}

/* One syscall, one uprobed call, one USDT site: fires every probe but two. */
static void poke(void)
{
	syscall(SYS_getpgid, 0);
	uprobe_target();
	usdt_site();
}

/* ---- vmlinux BTF and the kernel function kprobe/fentry attach to ---- */

static struct btf *vmlinux_btf(int *err)
{
	static struct btf *btf;
	static int btf_err;

	if (!btf && !btf_err) {
		btf = btf__load_vmlinux_btf();
		if (!btf)
			btf_err = errno ? errno : ENOENT;
	}
	*err = btf_err;
	return btf;
}

/* getpgid's entry point as BTF names it (the first one present). */
static const char *syscall_fn(void)
{
	static const char *const names[] = {
		"__x64_sys_getpgid", "__arm64_sys_getpgid", "__se_sys_getpgid",
		"sys_getpgid", "__do_sys_getpgid",
	};
	int err;
	struct btf *btf = vmlinux_btf(&err);

	for (size_t i = 0; btf && i < sizeof(names) / sizeof(names[0]); i++)
		if (btf__find_by_name_kind(btf, names[i], BTF_KIND_FUNC) > 0)
			return names[i];
	return names[0];	/* no BTF: kprobes may still work */
}

/* ADDR in this process -> the mapped file and the file offset of ADDR. */
static int self_offset(const void *addr, char *path, size_t plen, size_t *off)
{
	unsigned long a = (unsigned long)addr, start, end, pgoff;
	char line[PATH_MAX + 128], file[PATH_MAX];
	FILE *f = fopen("/proc/self/maps", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %4095s", &start, &end,
			   &pgoff, file) == 4 && a >= start && a < end) {
			snprintf(path, plen, "%s", file);
			*off = a - start + pgoff;
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

/* ---- tracefs ---- */

int ld_tracefs_ensure(char *why, size_t len)
{
	if (!access(TRACEFS "/events", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events", F_OK))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		int err = errno;

		if (why && len)
			snprintf(why, len, "mounting tracefs on %s failed: %s",
				 TRACEFS, strerror(err));
		return -err;
	}
	ld_dbg("mounted tracefs on %s", TRACEFS);
	return 1;
}

/* ---- libbpf output: silenced, but the verifier's last word is kept ---- */

static char verifier_line[200];

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg, *end, *line;

	if (ld_log_level >= LD_LOG_DEBUG) {
		va_list aq;

		va_copy(aq, ap);
		fputs("livedump: debug: ", stderr);
		vfprintf(stderr, fmt, aq);
		va_end(aq);
	}
	if (level != LIBBPF_WARN || vasprintf(&msg, fmt, ap) < 0)
		return 0;
	end = strstr(msg, "-- END PROG LOAD LOG --");
	if (end) {
		while (end > msg && end[-1] == '\n')
			end--;
		*end = 0;
		line = strrchr(msg, '\n');
		line = line ? line + 1 : msg;
		if (*line && !strstr(line, "-- BEGIN PROG LOAD LOG --"))
			snprintf(verifier_line, sizeof(verifier_line), "%s", line);
	}
	free(msg);
	return 0;
}

/* ---- the probes ---- */

enum stage { ST_LOAD, ST_ATTACH, ST_FIRE };

struct probe {
	const struct feature_def *def;
	struct features_bpf *skel;
	struct bpf_program *prog;
	const char *step;	/* what failed: "load", "perf_event_open(kprobe)" */
	char target[256];	/* what the program was attached to */
	char msg[384];		/* fire: the detail, or why it did not fire */
	bool mounted_tracefs;
};

struct feature_def {
	const char *name;
	const char *prog;	/* "feat_" NAME in features.bpf.c; NULL: not a program */
	const char *step;	/* the attach step, as named in reasons */
	const char *target;	/* NULL: the attach function names it */
	struct bpf_link *(*attach)(struct probe *p);	/* NULL + errno */
	int (*fire)(struct probe *p);	/* 0 or -errno, text in p->msg */
	bool ret;		/* kretprobe, uretprobe */
};

static __u64 hits(const struct probe *p)
{
	return __atomic_load_n(&p->skel->bss->hits, __ATOMIC_RELAXED);
}

static int fired(struct probe *p)
{
	if (hits(p))
		return 0;
	snprintf(p->msg, sizeof(p->msg), "attached, but never ran when triggered");
	return -ENODATA;
}

static struct bpf_link *attach_auto(struct probe *p)
{
	return bpf_program__attach(p->prog);
}

static struct bpf_link *attach_tracepoint(struct probe *p)
{
	int r = ld_tracefs_ensure(NULL, 0);

	if (r < 0) {
		p->step = "mount(tracefs)";
		errno = -r;
		return NULL;
	}
	p->mounted_tracefs = r > 0;
	return bpf_program__attach(p->prog);
}

static struct bpf_link *attach_kprobe(struct probe *p)
{
	snprintf(p->target, sizeof(p->target), "%s", syscall_fn());
	return bpf_program__attach_kprobe(p->prog, p->def->ret, p->target);
}

static struct bpf_link *attach_uprobe(struct probe *p)
{
	char path[PATH_MAX];
	size_t off;
	int err = self_offset((const void *)uprobe_target, path, sizeof(path), &off);

	if (err) {
		p->step = "finding the probe target in /proc/self/maps";
		errno = -err;
		return NULL;
	}
	snprintf(p->target, sizeof(p->target), "uprobe_target() at %.200s+%#zx", path, off);
	return bpf_program__attach_uprobe(p->prog, p->def->ret, getpid(), path, off);
}

static struct bpf_link *attach_usdt(struct probe *p)
{
	char path[PATH_MAX];
	size_t off;
	int err = self_offset((const void *)usdt_site, path, sizeof(path), &off);

	if (err) {
		p->step = "finding this binary in /proc/self/maps";
		errno = -err;
		return NULL;
	}
	snprintf(p->target, sizeof(p->target), "livedump:feature_probe in %.200s", path);
	return bpf_program__attach_usdt(p->prog, getpid(), path, "livedump",
					"feature_probe", NULL);
}

static struct bpf_link *attach_perf(struct probe *p)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 100000,	/* ns of CPU time */
		.disabled = 1,
	};
	struct bpf_link *link;
	int fd, err;

	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return NULL;
	link = bpf_program__attach_perf_event(p->prog, fd);	/* owns fd */
	if (!link) {
		err = errno;
		close(fd);
		p->step = "attaching to the perf event (PERF_EVENT_IOC_SET_BPF)";
		errno = err;
	}
	return link;
}

static int fire_poke(struct probe *p)
{
	p->skel->bss->target_tgid = getpid();
	poke();
	return fired(p);
}

/* Burn CPU until the cpu-clock event has sampled us (1 s at most). */
static int fire_spin(struct probe *p)
{
	struct timespec t0, t;

	p->skel->bss->target_tgid = getpid();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (!hits(p) && (t.tv_sec - t0.tv_sec) * 1000000000L +
			   (t.tv_nsec - t0.tv_nsec) < 1000000000L);
	return fired(p);
}

static int count_record(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(int *)ctx;
	return 0;
}

static int fire_ringbuf(struct probe *p)
{
	struct ring_buffer *rb;
	int n = 0, err = fire_poke(p);

	if (err)
		return err;
	rb = ring_buffer__new(bpf_map__fd(p->skel->maps.feat_rb), count_record, &n, NULL);
	if (!rb) {
		err = -errno;
		snprintf(p->msg, sizeof(p->msg), "mapping the ring buffer failed: %s",
			 strerror(-err));
		return err;
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	if (!n) {
		snprintf(p->msg, sizeof(p->msg),
			 "the program ran, but no record arrived in the ring buffer");
		return -ENODATA;
	}
	snprintf(p->msg, sizeof(p->msg), "record from %s read back from the ring buffer",
		 p->target);
	return 0;
}

/*
 * A child, born with SIGUSR1 blocked, waits for it; the program signals the
 * child at its next syscall.  Nothing here can hit this process.
 */
static int fire_signal(struct probe *p)
{
	int go[2], status, err = 0;
	struct timespec wait = { 2, 0 };
	sigset_t set, old;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	p->skel->bss->signo = SIGUSR1;
	if (pipe2(go, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	pthread_sigmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(sigtimedwait(&set, NULL, &wait) == SIGUSR1 ? 0 : 1);
	}
	err = pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(go[0]);
	if (err) {
		close(go[1]);
		goto fail;
	}
	p->skel->bss->target_tgid = pid;
	if (write(go[1], "", 1) != 1)
		kill(pid, SIGKILL);
	close(go[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	p->skel->bss->target_tgid = 0;

	if (!hits(p))
		return fired(p);
	if (p->skel->bss->send_ret < 0) {
		err = (int)p->skel->bss->send_ret;
		snprintf(p->msg, sizeof(p->msg), "bpf_send_signal() failed: %s",
			 strerror(-err));
		return err;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(p->msg, sizeof(p->msg),
			 "bpf_send_signal() returned 0, but the test child never got SIGUSR1");
		return -EIO;
	}
	snprintf(p->msg, sizeof(p->msg), "SIGUSR1 sent from %s to a test child and received",
		 p->target);
	return 0;
fail:
	snprintf(p->msg, sizeof(p->msg), "starting a test child failed: %s", strerror(-err));
	return err;
}

/* Program feat_NAME of features.bpf.c probes feature NAME. */
#define FEAT(id, nm, stp, tgt, att, fir, rt)					\
	[LD_FEAT_##id] = { .name = nm, .prog = "feat_" nm, .step = stp,	\
			   .target = tgt, .attach = att, .fire = fir, .ret = rt }

static const struct feature_def defs[LD_FEAT__COUNT] = {
	[LD_FEAT_BTF] = { .name = "btf" },
	FEAT(RINGBUF, "ringbuf", "raw_tracepoint_open", "raw_tp/sys_enter",
	     attach_auto, fire_ringbuf, false),
	FEAT(TRACEPOINT, "tracepoint", "attach(tracepoint)", "syscalls/sys_enter_getpgid",
	     attach_tracepoint, fire_poke, false),
	FEAT(TP_BTF, "tp_btf", "raw_tracepoint_open(tp_btf)", "sys_enter",
	     attach_auto, fire_poke, false),
	FEAT(RAW_TP, "raw_tp", "raw_tracepoint_open", "sys_enter",
	     attach_auto, fire_poke, false),
	FEAT(KPROBE, "kprobe", "perf_event_open(kprobe)", NULL, attach_kprobe, fire_poke, false),
	FEAT(KRETPROBE, "kretprobe", "perf_event_open(kretprobe)", NULL,
	     attach_kprobe, fire_poke, true),
	FEAT(FENTRY, "fentry", "trampoline attach", NULL, attach_auto, fire_poke, false),
	FEAT(FEXIT, "fexit", "trampoline attach", NULL, attach_auto, fire_poke, false),
	FEAT(UPROBE, "uprobe", "perf_event_open(uprobe)", NULL, attach_uprobe, fire_poke, false),
	FEAT(URETPROBE, "uretprobe", "perf_event_open(uretprobe)", NULL,
	     attach_uprobe, fire_poke, true),
	FEAT(USDT, "usdt", "USDT attach (perf_event_open(uprobe))", NULL,
	     attach_usdt, fire_poke, false),
	FEAT(SEND_SIGNAL, "send_signal", "raw_tracepoint_open", "raw_tp/sys_enter",
	     attach_auto, fire_signal, false),
	FEAT(PERF_EVENT, "perf_event", "perf_event_open(cpu-clock)", "software cpu-clock event",
	     attach_perf, fire_spin, false),
};

#define F(x) (1u << LD_FEAT_##x)

/* The likely cause of a failure; the first match wins. */
static const struct hint {
	unsigned int feats;	/* 0: any feature */
	enum stage stage;
	int err;		/* 0: any errno */
	const char *missing;	/* applies only when this path does not exist */
	const char *text;
} hints[] = {
	{ F(TP_BTF) | F(FENTRY) | F(FEXIT), ST_LOAD, 0, VMLINUX_BTF,
	  "needs vmlinux BTF (kernel built without CONFIG_DEBUG_INFO_BTF)" },
	{ F(FENTRY) | F(FEXIT), ST_LOAD, EPERM, NULL,
	  "fentry/fexit refused (kernel lockdown or missing trampoline support)" },
	{ F(FENTRY) | F(FEXIT), ST_LOAD, ENOTSUPP_K, NULL,
	  "no BPF trampoline on this kernel or architecture" },
	{ F(FENTRY) | F(FEXIT), ST_ATTACH, 0, NULL,
	  "fentry/fexit refused (kernel lockdown or missing trampoline support)" },
	{ F(RINGBUF), ST_LOAD, EINVAL, NULL, "no BPF ring buffer (needs Linux 5.8)" },
	{ F(SEND_SIGNAL), ST_LOAD, EINVAL, NULL, "no bpf_send_signal helper (needs Linux 5.3)" },
	{ F(TP_BTF), ST_LOAD, EINVAL, NULL, "no BTF-typed tracepoints (needs Linux 5.5)" },
	{ F(USDT) | F(UPROBE) | F(URETPROBE), ST_ATTACH, 0, "/sys/bus/event_source/devices/uprobe",
	  "kernel built without CONFIG_UPROBE_EVENTS" },
	{ F(KPROBE) | F(KRETPROBE), ST_ATTACH, 0, "/sys/bus/event_source/devices/kprobe",
	  "kernel built without CONFIG_KPROBES" },
	{ F(KPROBE) | F(KRETPROBE), ST_ATTACH, ENOENT, NULL,
	  "the function is not in kallsyms or cannot be probed" },
	{ F(TRACEPOINT), ST_ATTACH, ENODEV, NULL, "kernel without tracefs (CONFIG_TRACING)" },
	{ F(TRACEPOINT), ST_ATTACH, ENOENT, NULL,
	  "event missing (kernel without CONFIG_FTRACE_SYSCALLS) or tracefs hidden by kernel lockdown" },
	{ F(PERF_EVENT), ST_ATTACH, ENOENT, NULL, "no software perf events (CONFIG_PERF_EVENTS)" },
	{ 0, ST_LOAD, EPERM, NULL,
	  "the kernel refused the program (lockdown, missing CAP_BPF/CAP_PERFMON, or an LSM)" },
	{ 0, ST_LOAD, EINVAL, NULL, "program type or helper unsupported, or rejected by the verifier" },
	{ 0, ST_ATTACH, EPERM, NULL, "refused (kernel lockdown, perf_event_paranoid or an LSM)" },
	{ 0, ST_ATTACH, EACCES, NULL, "refused (kernel lockdown, perf_event_paranoid or an LSM)" },
	{ 0, ST_ATTACH, EOPNOTSUPP, NULL, "not supported by this kernel" },
};

static const char *errstr(int err)
{
	return err == ENOTSUPP_K ? "Operation not supported (ENOTSUPP)" : strerror(err);
}

/* " [lockdown=integrity]" when securityfs tells, else "". */
static const char *lockdown_note(void)
{
	static char note[48];
	char buf[96], *open, *close;
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	note[0] = 0;
	if (f) {
		if (fgets(buf, sizeof(buf), f) && (open = strchr(buf, '[')) &&
		    (close = strchr(open, ']')))
			snprintf(note, sizeof(note), " [lockdown=%.*s]",
				 (int)(close - open - 1), open + 1);
		fclose(f);
	}
	return note;
}

static void explain(const struct probe *p, enum stage st, int err, char *why, size_t len)
{
	unsigned int bit = 1u << (p->def - defs);
	const char *hint = NULL;
	size_t n;

	for (size_t i = 0; !hint && i < sizeof(hints) / sizeof(hints[0]); i++) {
		const struct hint *h = &hints[i];

		if ((!h->feats || (h->feats & bit)) && h->stage == st &&
		    (!h->err || h->err == err) && (!h->missing || access(h->missing, F_OK)))
			hint = h->text;
	}
	if (st == ST_FIRE)
		snprintf(why, len, "%s", p->msg);
	else
		snprintf(why, len, "%s failed: %s", p->step, errstr(err));
	n = strlen(why);
	if (hint && n < len)
		n += snprintf(why + n, len - n, " — %s%s", hint,
			      strstr(hint, "lockdown") ? lockdown_note() : "");
	if (verifier_line[0] && n < len)
		snprintf(why + n, len - n, " (verifier: %s)", verifier_line);
}

static int probe_btf(char *why, size_t len)
{
	int err;
	struct btf *btf = vmlinux_btf(&err);
	bool sysfs = !access(VMLINUX_BTF, R_OK);

	if (!btf) {
		snprintf(why, len, "loading vmlinux BTF failed: %s — %s", strerror(err),
			 sysfs ? VMLINUX_BTF " is unreadable or corrupt"
			       : "kernel built without CONFIG_DEBUG_INFO_BTF");
		return -err;
	}
	snprintf(why, len, "%s: %u types", sysfs ? VMLINUX_BTF : "vmlinux file on disk",
		 btf__type_cnt(btf) - 1);
	return 0;
}

static int probe_prog(const struct feature_def *d, char *why, size_t len)
{
	struct probe p = { .def = d, .step = "load" };
	struct bpf_link *link = NULL;
	enum bpf_attach_type type;
	enum stage st = ST_LOAD;
	int err;

	snprintf(p.target, sizeof(p.target), "%s", d->target ? d->target : "");
	verifier_line[0] = 0;
	p.skel = features_bpf__open();
	if (!p.skel) {
		err = errno ? errno : EINVAL;
		p.step = "opening the BPF object";
		goto out;
	}
	p.prog = bpf_object__find_program_by_name(p.skel->obj, d->prog);
	bpf_program__set_autoload(p.prog, true);
	bpf_map__set_autocreate(p.skel->maps.feat_rb, d == &defs[LD_FEAT_RINGBUF]);
	type = bpf_program__expected_attach_type(p.prog);
	if (type == BPF_TRACE_FENTRY || type == BPF_TRACE_FEXIT) {
		snprintf(p.target, sizeof(p.target), "%s", syscall_fn());
		err = -bpf_program__set_attach_target(p.prog, 0, p.target);
		if (err)
			goto out;
	}
	err = -features_bpf__load(p.skel);
	if (err)
		goto out;

	st = ST_ATTACH;
	p.step = d->step;
	errno = 0;
	link = d->attach(&p);
	if (!link) {
		err = errno ? errno : EINVAL;
		goto out;
	}
	st = ST_FIRE;
	err = -d->fire(&p);
	verifier_line[0] = 0;	/* the program loaded: the verifier had no word */
out:
	if (err)
		explain(&p, st, err, why, len);
	else if (p.msg[0])
		snprintf(why, len, "%s", p.msg);
	else
		snprintf(why, len, "%s: attached and fired%s", p.target,
			 p.mounted_tracefs ? " (tracefs was not mounted: mounted it on " TRACEFS ")" : "");
	bpf_link__destroy(link);
	features_bpf__destroy(p.skel);
	return -err;
}

static struct {
	bool done;
	int err;
	char why[384];
} cache[LD_FEAT__COUNT];

const char *ld_feature_name(enum ld_feature f)
{
	return (unsigned int)f < LD_FEAT__COUNT ? defs[f].name : NULL;
}

int ld_feature_from_name(const char *name)
{
	for (int f = 0; f < LD_FEAT__COUNT; f++)
		if (!strcmp(name, defs[f].name))
			return f;
	return -1;
}

int ld_feature_probe(enum ld_feature f, char *why, size_t len)
{
	if ((unsigned int)f >= LD_FEAT__COUNT)
		return -EINVAL;
	if (!cache[f].done) {
		libbpf_print_fn_t old = libbpf_set_print(quiet_print);

		cache[f].err = f == LD_FEAT_BTF
			? probe_btf(cache[f].why, sizeof(cache[f].why))
			: probe_prog(&defs[f], cache[f].why, sizeof(cache[f].why));
		libbpf_set_print(old);
		cache[f].done = true;
		ld_dbg("feature %s: %s", defs[f].name, cache[f].why);
	}
	if (why && len)
		snprintf(why, len, "%s", cache[f].why);
	return cache[f].err;
}
