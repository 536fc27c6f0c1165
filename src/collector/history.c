// SPDX-License-Identifier: MIT
/*
 * The flight recorder, user-space side: sizing the rings, giving them to
 * watched processes, and copying a process's history at a dump.
 * bpf/history.bpf.h is the other half; src/kabi/history.h the
 * layouts they share.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "base/strbuf.h"
#include "collector/history.h"
#include "detectors/detector.h"
#include "capture/kview.h"
#include "livedump.skel.h"
#include "base/log.h"
#include "rules/rules.h"
#include "rules/ruleval.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct rule_depth {
	char name[64];
	unsigned history;
};

/*
 * Made by configure (sizes, rules' history=N) before the BPF object is
 * loaded, started after; the loader owns it and the capture is handed it
 * (ld_capture_opts.history).
 */
struct ld_history {
	unsigned depth, nrings;
	struct rule_depth *rules;
	size_t nrules;
	int rings_fd, slots_fd, procs_fd, free_fd, kstacks_fd, idents_fd;
	struct ld_hist_ring *rings;	/* mmap'ed hist_rings */
	struct ld_hist_ev *slots;	/* mmap'ed hist_slots */
	size_t rings_len, slots_len;
	struct bpf_link *links[16];
	size_t nlinks;
	struct bpf_link *iter;
};

static unsigned pow2_at_least(unsigned v)
{
	unsigned p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

#define HIST_PROGS_MAX	12

/* The recorder's programs into @v (HIST_PROGS_MAX of them at most); their number. */
static size_t hist_progs(struct livedump_bpf *skel, struct bpf_program **v)
{
	size_t k = 0;

	/*
	 * With syscall rules, the detector's sys_enter/sys_exit programs run
	 * the recorder's syscall hooks too (one program per tracepoint).
	 */
	if (!bpf_program__autoload(skel->progs.ld_sys_enter)) {
		v[k++] = skel->progs.ld_hist_sys_enter;
		v[k++] = skel->progs.ld_hist_sys_exit;
	}
	v[k++] = skel->progs.ld_hist_switch;
	v[k++] = skel->progs.ld_hist_sig_gen;
	v[k++] = skel->progs.ld_hist_sig_deliver;
	v[k++] = skel->progs.ld_hist_blk_bio;
	v[k++] = skel->progs.ld_hist_blk_issue;
	v[k++] = skel->progs.ld_hist_blk_complete;
	v[k++] = skel->progs.ld_hist_fork;
	v[k++] = skel->progs.ld_hist_exec;
	v[k++] = skel->progs.ld_hist_free;
	return k;
}

void ld_history__off(struct livedump_bpf *skel)
{
	struct bpf_program *progs[HIST_PROGS_MAX];
	size_t n = hist_progs(skel, progs);

	for (size_t i = 0; i < n; i++)
		bpf_program__set_autoload(progs[i], false);
	/* hist_progs() leaves these out where the syscall detector runs them */
	bpf_program__set_autoload(skel->progs.ld_hist_sys_enter, false);
	bpf_program__set_autoload(skel->progs.ld_hist_sys_exit, false);
	bpf_program__set_autoload(skel->progs.ld_hist_sync, false);
}

int ld_history__set_rules(struct ld_history *h, const struct ld_ruleset *rules)
{
	struct rule_depth *v = calloc(rules && rules->n ? rules->n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; rules && i < rules->n; i++) {
		snprintf(v[i].name, sizeof(v[i].name), "%s", rules->v[i].name);
		v[i].history = rules->v[i].capture.history;
	}
	free(h->rules);
	h->rules = v;
	h->nrules = rules ? rules->n : 0;
	return 0;
}

static int configure(struct livedump_bpf *skel, const struct ld_ruleset *rules,
		     struct ld_history *h)
{
	unsigned depth = LD_HIST_DEFAULT_DEPTH, nrings;
	struct bpf_program *progs[HIST_PROGS_MAX];
	size_t nprogs = hist_progs(skel, progs);
	int err;

	err = ld_history__set_rules(h, rules);
	if (err)
		return err;
	for (size_t i = 0; i < h->nrules; i++)
		if (h->rules[i].history > depth)
			depth = h->rules[i].history;
	if (depth > LD_HIST_MAX_DEPTH)
		depth = LD_HIST_MAX_DEPTH;
	depth = pow2_at_least(depth);
	nrings = LD_HIST_POOL_BYTES / ((size_t)depth * sizeof(struct ld_hist_ev));
	if (nrings < LD_HIST_MIN_RINGS)
		nrings = LD_HIST_MIN_RINGS;
	if (nrings > LD_HIST_MAX_RINGS)
		nrings = LD_HIST_MAX_RINGS;
	skel->rodata->hist_on = true;
	skel->rodata->hist_depth = depth;
	err = bpf_map__set_max_entries(skel->maps.hist_rings, nrings);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.hist_slots, nrings * depth);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.hist_free, nrings);
	if (err)
		return err;
	for (size_t i = 0; i < nprogs; i++)
		bpf_program__set_autoload(progs[i], true);
	bpf_program__set_autoload(skel->progs.ld_hist_sync, true);
	h->depth = depth;
	h->nrings = nrings;
	return 0;
}

int ld_history__configure(struct livedump_bpf *skel, const struct ld_ruleset *rules,
			  struct ld_history **out)
{
	struct ld_history *h = calloc(1, sizeof(*h));
	int err = h ? configure(skel, rules, h) : -ENOMEM;

	*out = NULL;
	if (err) {
		ld_warn("flight recorder: cannot size its maps (%s): off", strerror(-err));
		ld_history__free(h);
		return err;
	}
	*out = h;
	return 0;
}

static void *map_array(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static size_t page_round(size_t n)
{
	size_t pg = sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

int ld_history__start(struct livedump_bpf *skel, struct ld_history **hp)
{
	struct ld_history *h = *hp;
	struct bpf_program *progs[HIST_PROGS_MAX];
	size_t nprogs = hist_progs(skel, progs);
	int err = 0;

	if (!h)
		return 0;
	*hp = NULL;
	h->rings_fd = bpf_map__fd(skel->maps.hist_rings);
	h->slots_fd = bpf_map__fd(skel->maps.hist_slots);
	h->procs_fd = bpf_map__fd(skel->maps.hist_procs);
	h->free_fd = bpf_map__fd(skel->maps.hist_free);
	h->kstacks_fd = bpf_map__fd(skel->maps.hist_kstacks);
	h->idents_fd = bpf_map__fd(skel->maps.idents);
	h->rings_len = page_round((size_t)h->nrings * sizeof(struct ld_hist_ring));
	h->slots_len = page_round((size_t)h->nrings * h->depth * sizeof(struct ld_hist_ev));
	h->rings = map_array(h->rings_fd, h->rings_len);
	h->slots = map_array(h->slots_fd, h->slots_len);
	if (!h->rings || !h->slots) {
		err = -errno;
		ld_err("flight recorder: cannot map its rings: %s", strerror(-err));
		goto fail;
	}
	for (__u32 id = 0; id < h->nrings; id++)
		if (bpf_map_update_elem(h->free_fd, NULL, &id, 0)) {
			err = -errno;
			ld_err("flight recorder: cannot fill the ring pool: %s", strerror(-err));
			goto fail;
		}
	for (size_t i = 0; i < nprogs; i++) {
		struct bpf_link *link = bpf_program__attach(progs[i]);

		if (!link) {
			err = -errno;
			ld_err("flight recorder: cannot attach %s: %s", bpf_program__name(progs[i]),
			       strerror(-err));
			goto fail;
		}
		h->links[h->nlinks++] = link;
	}
	h->iter = bpf_program__attach_iter(skel->progs.ld_hist_sync, NULL);
	if (!h->iter) {
		err = -errno;
		ld_err("flight recorder: cannot attach its task iterator: %s", strerror(-err));
		goto fail;
	}
	ld_info("flight recorder: %u events per process, %u rings (%.1f MiB)", h->depth,
		h->nrings, (h->rings_len + h->slots_len) / 1048576.0);
	ld_ksyms_get();		/* now, not in the first dump's pause */
	ld_history__sync(h);
	*hp = h;
	return 0;
fail:
	ld_history__free(h);
	return err;
}

void ld_history__sync(struct ld_history *h)
{
	char buf[64];
	int fd;

	if (!h || !h->iter)
		return;
	fd = bpf_iter_create(bpf_link__fd(h->iter));
	if (fd < 0) {
		ld_warn("flight recorder: cannot run the task iterator: %s", strerror(errno));
		return;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* The ring of @pid, or -1. */
static long ring_of(const struct ld_history *h, pid_t pid)
{
	__u32 key = pid, id;

	if (bpf_map_lookup_elem(h->procs_fd, &key, &id) || id >= h->nrings ||
	    h->rings[id].tgid != (__u32)pid)
		return -1;
	return id;
}

static void ring_free(struct ld_history *h, __u32 id)
{
	struct ld_hist_ring *r = &h->rings[id];
	__u32 key = r->tgid, cur;

	if (!bpf_map_lookup_elem(h->procs_fd, &key, &cur) && cur == id)
		bpf_map_delete_elem(h->procs_fd, &key);
	r->tgid = 0;
	__atomic_store_n(&r->state, 0, __ATOMIC_RELEASE);
	if (bpf_map_update_elem(h->free_fd, NULL, &id, 0))
		ld_warn("flight recorder: cannot return ring %u to the pool: %s", id,
			strerror(errno));
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Unfreezes ring @id; a ring whose process died meanwhile goes back to the pool. */
static void ring_release(struct ld_history *h, __u32 id)
{
	uint64_t old = __atomic_fetch_and(&h->rings[id].state, ~(uint64_t)LD_HRING_FROZEN,
					  __ATOMIC_ACQ_REL);

	if ((old & LD_HRING_FROZEN) && (old & LD_HRING_DEAD))
		ring_free(h, id);
}

/* Rings of dead processes nobody collected (their issue was declined). */
static void ring_gc(struct ld_history *h)
{
	uint64_t now = mono_ns();

	for (__u32 id = 0; id < h->nrings; id++) {
		const struct ld_hist_ring *r = &h->rings[id];

		if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) ==
			    (LD_HRING_FROZEN | LD_HRING_DEAD) &&
		    now - r->frozen_ktime > LD_HIST_FREEZE_TIMEOUT_NS)
			ring_release(h, id);
	}
}

void ld_history__release_pid(struct ld_history *h, pid_t pid, uint64_t issue_ktime)
{
	long id;

	if (!h)
		return;
	id = ring_of(h, pid);
	/* Not a freeze that came since: the process may have run on to another issue. */
	if (id >= 0 && h->rings[id].frozen_ktime == issue_ktime)
		ring_release(h, id);
	ring_gc(h);
}

void ld_history__free(struct ld_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nlinks; i++)
		bpf_link__destroy(h->links[i]);
	bpf_link__destroy(h->iter);
	if (h->rings)
		munmap(h->rings, h->rings_len);
	if (h->slots)
		munmap(h->slots, h->slots_len);
	free(h->rules);
	free(h);
}

unsigned ld_history__depth(const struct ld_history *h)
{
	return h ? h->depth : 0;
}

unsigned ld_history__nrings(const struct ld_history *h)
{
	return h ? h->nrings : 0;
}

/* --- capture side ----------------------------------------------------------- */

unsigned ld_history_wanted(const struct ld_history *h, const char *rule)
{
	for (size_t i = 0; h && rule && i < h->nrules; i++)
		if (!strcmp(h->rules[i].name, rule) && h->rules[i].history)
			return h->rules[i].history;
	return LD_HIST_DEFAULT_DEPTH;
}

int ld_history__ident(const struct ld_history *h, pid_t pid, uint64_t issue_ktime,
		      struct ld_ident *out)
{
	__u32 key = pid;

	if (!h || h->idents_fd < 0 || bpf_map_lookup_elem(h->idents_fd, &key, out))
		return -ENOENT;
	/* Saved before this issue: by a process that had the pid before it. */
	if (out->tgid != key || out->ktime_ns < issue_ktime)
		return -ENOENT;
	return 0;
}

/* A consistent copy of the slot for position @pos, or false. */
static bool copy_slot(const struct ld_history *h, __u32 id, uint64_t pos, struct ld_hist_ev *out)
{
	const struct ld_hist_ev *s = &h->slots[(size_t)id * h->depth + (pos & (h->depth - 1))];
	uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	if (seq != pos + 1)
		return false;
	memcpy(out, s, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq && out->seq == seq;
}

/* The stacks BPF saved for @pid's issue; every stack of pid leaves the map. */
static void take_kstacks(struct ld_history *h, pid_t pid, uint64_t issue_ktime,
			 struct ld_hist_snap *s)
{
	struct ld_kstack_key key, next, *mine = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(h->kstacks_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (next.tgid != (__u32)pid)
			continue;
		if (n == cap) {
			void *v = realloc(mine, (cap = cap ? 2 * cap : 8) * sizeof(*mine));

			if (!v)
				break;
			mine = v;
		}
		mine[n++] = next;
	}
	s->ks = calloc(n ? n : 1, sizeof(*s->ks));
	for (size_t i = 0; s->ks && i < n; i++) {
		struct ld_hist_kstack *o = &s->ks[s->nks];

		if (bpf_map_lookup_elem(h->kstacks_fd, &mine[i], &o->ks))
			continue;
		bpf_map_delete_elem(h->kstacks_fd, &mine[i]);
		if (!issue_ktime || o->ks.ktime_ns != issue_ktime)
			continue;	/* left from an earlier issue */
		if (o->ks.nr > LD_KSTACK_MAX)
			o->ks.nr = LD_KSTACK_MAX;
		o->tid = mine[i].tid;
		s->nks++;
	}
	free(mine);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ld_hist_ev *x = a, *y = b;

	if (x->ktime_ns != y->ktime_ns)
		return x->ktime_ns < y->ktime_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int ld_history_take(struct ld_history *h, pid_t pid, uint64_t issue_ktime, unsigned wanted,
		    struct ld_hist_snap *s)
{
	const struct ld_hist_ring *r;
	uint64_t head, first;
	long id;

	memset(s, 0, sizeof(*s));
	if (!h)
		return -ENOENT;
	take_kstacks(h, pid, issue_ktime, s);
	id = ring_of(h, pid);
	if (id < 0)
		return s->nks ? 0 : -ENOENT;
	r = &h->rings[id];
	s->depth = h->depth;
	s->wanted = wanted ? wanted : LD_HIST_DEFAULT_DEPTH;
	if (s->wanted > h->depth)
		s->wanted = h->depth;
	s->frozen = __atomic_load_n(&r->state, __ATOMIC_ACQUIRE) & LD_HRING_FROZEN;
	s->frozen_ktime = s->frozen ? r->frozen_ktime : 0;
	head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	s->total = head;
	s->dropped = s->frozen ? r->frozen_dropped : r->dropped;
	s->wrapped = head > h->depth;
	first = head > s->wanted ? head - s->wanted : 0;
	s->ev = calloc(head - first ? head - first : 1, sizeof(*s->ev));
	if (!s->ev) {
		ring_release(h, id);
		return -ENOMEM;
	}
	/*
	 * Other threads may write for a moment after the issue, until the
	 * freeze is seen: the history ends at the instant it was frozen.
	 */
	for (uint64_t p = first; p < head; p++)
		if (copy_slot(h, id, p, &s->ev[s->n]) &&
		    (!s->frozen || s->ev[s->n].ktime_ns <= s->frozen_ktime))
			s->n++;
	ring_release(h, id);
	/* Written in the order they ended (a syscall at its return): shown by time. */
	qsort(s->ev, s->n, sizeof(*s->ev), ev_cmp);
	return 0;
}

void ld_hist_snap__free(struct ld_hist_snap *s)
{
	free(s->ev);
	free(s->ks);
	memset(s, 0, sizeof(*s));
}

/* --- names ----------------------------------------------------------------- */

const char *ld_hist_type_name(unsigned type)
{
	static const char *const names[] = {
		[LD_HEV_SYSCALL] = "syscall", [LD_HEV_SIGNAL_GEN] = "signal",
		[LD_HEV_SIGNAL_DELIVER] = "deliver", [LD_HEV_SWITCH] = "switch",
		[LD_HEV_BLOCK] = "block", [LD_HEV_TRIGGER] = "issue", [LD_HEV_EXEC] = "exec",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "?";
}

const char *ld_task_state_name(uint32_t state, bool preempt)
{
	if (preempt)
		return "R+";
	if (state & 0x0400 && state & 0x0002)
		return "I";	/* TASK_IDLE: uninterruptible, not counted as load */
	if (state & 0x0001)
		return "S";	/* TASK_INTERRUPTIBLE */
	if (state & 0x0002)
		return "D";	/* TASK_UNINTERRUPTIBLE */
	if (state & 0x0004)
		return "T";	/* __TASK_STOPPED */
	if (state & 0x0008)
		return "t";	/* __TASK_TRACED */
	if (state & 0x0080)
		return "X";	/* TASK_DEAD */
	if (state & 0x0040)
		return "P";	/* TASK_PARKED */
	if (state & 0x1000)
		return "D";	/* TASK_RTLOCK_WAIT: a sleeping spinlock */
	return state ? "?" : "R";
}

/* --- formatting events --------------------------------------------------------- */

/*
 * How the arguments of common syscalls are shown, one letter each:
 * f fd (AT_FDCWD), d signed, u unsigned, x hex, p pointer, s path (the
 * copy BPF made, else a pointer), o open flags, m mode (octal), g signal,
 * c clock id.  Syscalls not listed show six hex arguments.
 */
static const struct { unsigned nr; const char *args; } sys_args[] = {
	{ 0, "fpu" }, { 1, "fpu" }, { 2, "som" }, { 3, "f" }, { 4, "sp" }, { 5, "fp" },
	{ 6, "sp" }, { 7, "pud" }, { 8, "fdd" }, { 9, "puxxfx" }, { 10, "pux" }, { 11, "pu" },
	{ 12, "p" }, { 13, "gppu" }, { 14, "dppu" }, { 15, "" }, { 16, "fxx" }, { 17, "fpud" },
	{ 18, "fpud" }, { 19, "fpu" }, { 20, "fpu" }, { 21, "sx" }, { 22, "p" }, { 23, "dpppp" },
	{ 24, "" }, { 32, "f" }, { 33, "ff" }, { 34, "" }, { 35, "pp" }, { 39, "" }, { 41, "ddd" },
	{ 42, "fpu" }, { 43, "fpp" }, { 44, "fpuxpu" }, { 45, "fpuxpp" }, { 46, "fpx" },
	{ 47, "fpx" }, { 48, "fd" }, { 49, "fpu" }, { 50, "fd" }, { 56, "xpppx" }, { 57, "" },
	{ 58, "" }, { 59, "spp" }, { 60, "d" }, { 61, "dpxp" }, { 62, "dg" }, { 72, "fdx" },
	{ 74, "f" }, { 75, "f" }, { 76, "sd" }, { 77, "fd" }, { 78, "fpu" }, { 79, "pu" },
	{ 80, "s" }, { 82, "sp" }, { 83, "sm" }, { 84, "s" }, { 85, "sm" }, { 86, "sp" },
	{ 87, "s" }, { 88, "sp" }, { 89, "spu" }, { 90, "sm" }, { 92, "sdd" }, { 110, "" },
	{ 186, "" }, { 200, "dg" }, { 202, "pxxppx" }, { 217, "fpu" }, { 228, "cp" },
	{ 230, "cxpp" }, { 231, "d" }, { 232, "fpud" }, { 233, "fdfp" }, { 234, "ddg" },
	{ 257, "fsom" }, { 258, "fsm" }, { 262, "fspx" }, { 263, "fsx" }, { 264, "fsfp" },
	{ 267, "fspu" }, { 268, "fsm" }, { 269, "fsx" }, { 270, "dpppp" }, { 271, "pupp" },
	{ 280, "fspx" }, { 281, "fpudpu" }, { 288, "fppx" }, { 290, "ux" }, { 291, "x" },
	{ 292, "ffx" }, { 293, "px" }, { 316, "fsfpx" }, { 318, "pux" }, { 322, "fsppx" },
	{ 332, "fsxxp" }, { 435, "pu" }, { 437, "fspu" }, { 439, "fsxx" },
};

/* A string from the dump, quoted, control bytes escaped. */
static void put_quoted(char *buf, size_t len, size_t *off, const char *s, size_t max, bool cut)
{
	ld_strbuf_add(buf, len, off, "\"");
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			ld_strbuf_add(buf, len, off, "\\x%02x", c);
		else
			ld_strbuf_add(buf, len, off, "%c", c);
	}
	ld_strbuf_add(buf, len, off, cut ? "\"..." : "\"");
}

static void put_oflags(char *buf, size_t len, size_t *off, uint64_t fl)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 01000, "O_TRUNC" }, { 02000, "O_APPEND" },
		{ 04000, "O_NONBLOCK" }, { 010000, "O_DSYNC" }, { 040000, "O_DIRECT" },
		{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 02000000, "O_CLOEXEC" },
		{ 010000000, "O_PATH" }, { 04000000, "O_SYNC" }, { 020000000, "O_TMPFILE" },
	};
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	ld_strbuf_add(buf, len, off, "%s", acc[fl & 3]);
	fl &= ~3ULL;
	fl &= ~0100000ULL;	/* O_LARGEFILE: on every 64-bit open */
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
		if ((fl & bits[i].bit) == bits[i].bit) {
			ld_strbuf_add(buf, len, off, "|%s", bits[i].name);
			fl &= ~bits[i].bit;
		}
	if (fl)
		ld_strbuf_add(buf, len, off, "|0x%llx", (unsigned long long)fl);
}

static void put_signal(char *buf, size_t len, size_t *off, int sig)
{
	char name[32];

	if (ld_val_signal_name(sig, name, sizeof(name)) || isdigit((unsigned char)name[0]))
		ld_strbuf_add(buf, len, off, "%d", sig);
	else
		ld_strbuf_add(buf, len, off, "SIG%s", name);
}

static void put_errno(char *buf, size_t len, size_t *off, int err)
{
	char name[32];

	if (ld_val_errno_name(err, name, sizeof(name)))
		snprintf(name, sizeof(name), "%d", err);
	ld_strbuf_add(buf, len, off, "%s", name);
}

const char *ld_hist_si_code_name(int code)
{
	switch (code) {
	case 0: return "SI_USER";
	case 0x80: return "SI_KERNEL";
	case -1: return "SI_QUEUE";
	case -2: return "SI_TIMER";
	case -3: return "SI_MESGQ";
	case -4: return "SI_ASYNCIO";
	case -5: return "SI_SIGIO";
	case -6: return "SI_TKILL";
	}
	return NULL;
}

static void put_duration(char *buf, size_t len, size_t *off, uint64_t ns)
{
	if (ns < 10000)
		ld_strbuf_add(buf, len, off, "%llu ns", (unsigned long long)ns);
	else if (ns < 10000000)
		ld_strbuf_add(buf, len, off, "%.1f us", ns / 1e3);
	else if (ns < 10000000000ULL)
		ld_strbuf_add(buf, len, off, "%.1f ms", ns / 1e6);
	else
		ld_strbuf_add(buf, len, off, "%.1f s", ns / 1e9);
}

static void format_sys(const struct ld_hist_ev *e, char *buf, size_t len, size_t *off)
{
	const struct ld_hist_sys *s = &e->u.sys;
	const char *name = ld_val_syscall_name(s->nr), *spec = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(sys_args); i++)
		if (sys_args[i].nr == s->nr)
			spec = sys_args[i].args;
	if (name)
		ld_strbuf_add(buf, len, off, "%s(", name);
	else
		ld_strbuf_add(buf, len, off, "syscall_%u(", s->nr);
	for (unsigned a = 0; a < (spec ? strlen(spec) : 6); a++) {
		uint64_t v = s->args[a];

		if (a)
			ld_strbuf_add(buf, len, off, ", ");
		switch (spec ? spec[a] : 'x') {
		case 'f':
			if ((int32_t)v == -100)
				ld_strbuf_add(buf, len, off, "AT_FDCWD");
			else
				ld_strbuf_add(buf, len, off, "%d", (int32_t)v);
			break;
		case 'd':
			ld_strbuf_add(buf, len, off, "%lld", (long long)v);
			break;
		case 'u':
			ld_strbuf_add(buf, len, off, "%llu", (unsigned long long)v);
			break;
		case 's':
			if ((e->flags & LD_HEVF_STR) && s->str_arg == a) {
				put_quoted(buf, len, off, s->str, sizeof(s->str),
					   e->flags & LD_HEVF_STR_CUT);
				break;
			}
			/* fall through */
		case 'p':
			ld_strbuf_add(buf, len, off, v ? "0x%llx" : "NULL", (unsigned long long)v);
			break;
		case 'o':
			put_oflags(buf, len, off, v);
			break;
		case 'm':
			ld_strbuf_add(buf, len, off, "0%llo", (unsigned long long)v);
			break;
		case 'g':
			put_signal(buf, len, off, (int)v);
			break;
		case 'c':
			ld_strbuf_add(buf, len, off, "%s", v == 0 ? "CLOCK_REALTIME" : v == 1 ?
			    "CLOCK_MONOTONIC" : v == 7 ? "CLOCK_BOOTTIME" : "clock");
			if (v > 1 && v != 7)
				ld_strbuf_add(buf, len, off, "_%llu", (unsigned long long)v);
			break;
		default:
			ld_strbuf_add(buf, len, off, "0x%llx", (unsigned long long)v);
		}
	}
	if (e->flags & LD_HEVF_NORETURN) {
		ld_strbuf_add(buf, len, off, ") = ?");
		return;
	}
	if (s->ret < 0 && s->ret >= -4095) {
		ld_strbuf_add(buf, len, off, ") = -1 ");
		put_errno(buf, len, off, (int)-s->ret);
	} else if ((uint64_t)s->ret > 0xffffffffULL) {
		ld_strbuf_add(buf, len, off, ") = 0x%llx", (unsigned long long)s->ret);
	} else {
		ld_strbuf_add(buf, len, off, ") = %lld", (long long)s->ret);
	}
	ld_strbuf_add(buf, len, off, "  <");
	put_duration(buf, len, off, s->dur_ns);
	ld_strbuf_add(buf, len, off, ">");
}

static const char *state_words(uint32_t st, bool preempt)
{
	const char *s = ld_task_state_name(st, preempt);

	switch (s[0]) {
	case 'R': return preempt ? "preempted" : "runnable (yield)";
	case 'S': return "blocked (S, interruptible)";
	case 'D': return "blocked (D, uninterruptible)";
	case 'I': return "blocked (I, idle)";
	case 'T': return "stopped (T)";
	case 't': return "traced (t)";
	case 'X': return "exiting (X)";
	case 'P': return "parked (P)";
	}
	return "off CPU";
}

/* The name of rule @idx, or NULL. */
static const char *rule_name(const struct ld_hist_names *n, unsigned idx)
{
	const char *p, *end;

	if (!n || !n->rules)
		return NULL;
	for (p = n->rules, end = n->rules + n->rules_len; p < end; p += strnlen(p, end - p) + 1)
		if (!idx--)
			return memchr(p, 0, end - p) ? p : NULL;
	return NULL;
}

size_t ld_hist_format(const struct ld_hist_ev *e, const struct ld_hist_names *n, char *buf,
		      size_t len)
{
	size_t off = 0;
	const char *name;

	buf[0] = 0;
	switch (e->type) {
	case LD_HEV_SYSCALL:
		format_sys(e, buf, len, &off);
		break;
	case LD_HEV_SIGNAL_GEN:
		ld_strbuf_add(buf, len, &off, "signal ");
		put_signal(buf, len, &off, e->u.sig.sig);
		ld_strbuf_add(buf, len, &off, " sent to %s by ", e->flags & LD_HEVF_GROUP ? "the process"
									   : "the thread");
		if (e->u.sig.sender_pid) {
			ld_strbuf_add(buf, len, &off, "%u/%u ", e->u.sig.sender_pid, e->u.sig.sender_tid);
			put_quoted(buf, len, &off, e->u.sig.sender_comm,
				   sizeof(e->u.sig.sender_comm), false);
		} else {
			ld_strbuf_add(buf, len, &off, "the kernel");
		}
		name = ld_hist_si_code_name(e->u.sig.code);
		if (name)
			ld_strbuf_add(buf, len, &off, " %s", name);
		else
			ld_strbuf_add(buf, len, &off, " si_code %d", e->u.sig.code);
		if (e->u.sig.addr)
			ld_strbuf_add(buf, len, &off, " addr 0x%llx", (unsigned long long)e->u.sig.addr);
		if (e->u.sig.result) {
			static const char *const res[] = { "delivered", "ignored", "already pending",
							   "queue overflow", "info lost" };

			ld_strbuf_add(buf, len, &off, " (%s)", e->u.sig.result >= 0 && e->u.sig.result < 5 ?
			    res[e->u.sig.result] : "?");
		}
		break;
	case LD_HEV_SIGNAL_DELIVER:
		ld_strbuf_add(buf, len, &off, "takes signal ");
		put_signal(buf, len, &off, e->u.sig.sig);
		name = ld_hist_si_code_name(e->u.sig.code);
		if (name)
			ld_strbuf_add(buf, len, &off, " %s", name);
		else
			ld_strbuf_add(buf, len, &off, " si_code %d", e->u.sig.code);
		if (e->u.sig.addr)
			ld_strbuf_add(buf, len, &off, " addr 0x%llx", (unsigned long long)e->u.sig.addr);
		if (e->u.sig.handler == 0)
			ld_strbuf_add(buf, len, &off, ": default action");
		else if (e->u.sig.handler == 1)
			ld_strbuf_add(buf, len, &off, ": ignored");
		else
			ld_strbuf_add(buf, len, &off, ": handler 0x%llx flags 0x%llx",
			    (unsigned long long)e->u.sig.handler,
			    (unsigned long long)e->u.sig.sa_flags);
		break;
	case LD_HEV_SWITCH:
		ld_strbuf_add(buf, len, &off, "off CPU: %s", state_words(e->u.sw.state,
								 e->flags & LD_HEVF_PREEMPT));
		if (e->u.sw.syscall >= 0) {
			name = ld_val_syscall_name(e->u.sw.syscall);
			if (name)
				ld_strbuf_add(buf, len, &off, " in %s", name);
			else
				ld_strbuf_add(buf, len, &off, " in syscall %d", e->u.sw.syscall);
		}
		if (e->flags & LD_HEVF_DONE) {
			ld_strbuf_add(buf, len, &off, " for ");
			put_duration(buf, len, &off, e->u.sw.off_cpu_ns);
		} else {
			ld_strbuf_add(buf, len, &off, ", still off CPU");
		}
		if (e->flags & LD_HEVF_PREEMPT) {
			ld_strbuf_add(buf, len, &off, " (CPU to %u ", e->u.sw.next_tid);
			put_quoted(buf, len, &off, e->u.sw.next_comm, sizeof(e->u.sw.next_comm),
				   false);
			ld_strbuf_add(buf, len, &off, ")");
		}
		break;
	case LD_HEV_BLOCK: {
		static const char *const ops[] = { "read", "write", "flush", "discard" };

		ld_strbuf_add(buf, len, &off, "block %s %u:%u sector %llu %u bytes",
		    e->u.blk.op < 4 ? ops[e->u.blk.op] : "op?", e->u.blk.dev >> 20,
		    e->u.blk.dev & 0xfffff, (unsigned long long)e->u.blk.sector, e->u.blk.bytes);
		if (e->flags & LD_HEVF_DONE) {
			ld_strbuf_add(buf, len, &off, e->u.blk.error ? " -> status %d after " : " -> ok after ",
			    e->u.blk.error);
			put_duration(buf, len, &off, e->u.blk.latency_ns);
		} else {
			ld_strbuf_add(buf, len, &off, ", in flight");
		}
		break;
	}
	case LD_HEV_TRIGGER: {
		const struct ld_detector_ops *det = ld_detector_of_event(e->u.trig.event,
									 n && n->legacy);
		const char *rule = rule_name(n, e->u.trig.rule);

		ld_strbuf_add(buf, len, &off, "%s issue, rule ", det ? det->name : "unknown");
		if (rule)
			put_quoted(buf, len, &off, rule, strlen(rule), false);
		else
			ld_strbuf_add(buf, len, &off, "#%u", e->u.trig.rule);
		ld_strbuf_add(buf, len, &off, ": code 0x%llx param 0x%llx%s",
		    (unsigned long long)e->u.trig.code,
		    (unsigned long long)e->u.trig.param,
		    e->flags & LD_HEVF_FROZE ? ", froze the history" :
		    e->u.trig.verdict ? ", declined by a limit" : "");
		break;
	}
	case LD_HEV_EXEC:
		ld_strbuf_add(buf, len, &off, "exec: now ");
		put_quoted(buf, len, &off, e->u.exec.comm, sizeof(e->u.exec.comm), false);
		if (e->u.exec.old_tid != e->tid)
			ld_strbuf_add(buf, len, &off, " (execve by thread %u)", e->u.exec.old_tid);
		break;
	default:
		ld_strbuf_add(buf, len, &off, "event type %u", e->type);
	}
	return off;
}
