// SPDX-License-Identifier: MIT
/*
 * The kernel's view of a dumped process: kernel stacks symbolized from
 * /proc/kallsyms while the dump is taken (the addresses change with every
 * boot and KASLR; the file may not be readable where the dump is read),
 * the process's identity in its namespaces and cgroup, and its flight
 * recorder history.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include "dump/dump_writer.h"
#include "capture/kview.h"
#include "base/cgident.h"
#include "base/cgroupfs.h"
#include "kabi/records.h"
#include "base/log.h"
#include "capture/proc.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* --- /proc/kallsyms --------------------------------------------------------- */

struct ksym {
	uint64_t addr;
	const char *name;
	const char *mod;	/* NULL: the kernel itself */
};

struct ld_ksyms {
	struct ksym *v;
	size_t n;
	char *text;		/* the file; names point into it */
};

static struct ld_ksyms *ksyms_cache;
static bool ksyms_tried;

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void ksyms_free(struct ld_ksyms *k)
{
	if (!k)
		return;
	free(k->v);
	free(k->text);
	free(k);
}

static struct ld_ksyms *ksyms_read(void)
{
	struct ld_ksyms *k = calloc(1, sizeof(*k));
	size_t len, cap = 0;
	bool nonzero = false;
	char *line;

	if (!k || ld_read_file("/proc/kallsyms", &k->text, &len)) {
		ksyms_free(k);
		return NULL;
	}
	for (line = k->text; line && *line; ) {
		char *nl = strchr(line, '\n'), *type, *name, *mod, *end;
		uint64_t addr;

		if (nl)
			*nl = 0;
		addr = strtoull(line, &end, 16);
		type = end + 1;
		if (*end != ' ' || !*type || type[1] != ' ')
			goto next;
		if (!strchr("tTwW", *type))
			goto next;
		name = type + 2;
		mod = strchr(name, '\t');
		if (mod) {
			*mod++ = 0;
			if (*mod == '[')
				mod++;
			mod[strcspn(mod, "]")] = 0;
		}
		if (k->n == cap) {
			void *v = realloc(k->v, (cap = cap ? 2 * cap : 65536) * sizeof(*k->v));

			if (!v) {
				ksyms_free(k);
				return NULL;
			}
			k->v = v;
		}
		k->v[k->n++] = (struct ksym){ addr, name, mod };
		nonzero |= addr != 0;
next:
		line = nl ? nl + 1 : NULL;
	}
	if (!nonzero) {		/* kptr_restrict: every address reads 0 */
		ksyms_free(k);
		return NULL;
	}
	qsort(k->v, k->n, sizeof(*k->v), ksym_cmp);
	return k;
}

const struct ld_ksyms *ld_ksyms_get(void)
{
	if (!ksyms_tried) {
		ksyms_tried = true;
		ksyms_cache = ksyms_read();
		if (!ksyms_cache)
			ld_warn("cannot read kernel symbols from /proc/kallsyms: kernel stacks "
				"will show addresses only");
	}
	return ksyms_cache;
}

const struct ld_ksyms *ld_ksyms_reload(void)
{
	struct ld_ksyms *k = ksyms_read();

	if (k) {
		ksyms_free(ksyms_cache);
		ksyms_cache = k;
	}
	ksyms_tried = true;
	return ksyms_cache;
}

int ld_ksyms__name(const struct ld_ksyms *k, uint64_t addr, bool return_addr, char *buf,
		   size_t len)
{
	uint64_t look = return_addr && addr ? addr - 1 : addr, next = 0;
	size_t lo = 0, hi = k ? k->n : 0;
	const struct ksym *s;

	/* The last symbol at or below look. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= look)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return -ENOENT;
	}
	s = &k->v[lo - 1];
	for (size_t i = lo; i < k->n; i++)
		if (k->v[i].addr > s->addr) {
			next = k->v[i].addr;
			break;
		}
	/* Past the end of the last symbol of a region: not something we know. */
	if (!next || next - s->addr > (1U << 24)) {
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
		return -ENOENT;
	}
	if (s->mod)
		snprintf(buf, len, "%s+0x%llx/0x%llx [%s]", s->name,
			 (unsigned long long)(addr - s->addr), (unsigned long long)(next - s->addr),
			 s->mod);
	else
		snprintf(buf, len, "%s+0x%llx/0x%llx", s->name,
			 (unsigned long long)(addr - s->addr), (unsigned long long)(next - s->addr));
	return 0;
}

/* --- the process ------------------------------------------------------------- */

static const char *const ns_names[LD_NS_COUNT] = {
	[LD_NS_PID] = "pid", [LD_NS_PID_CHILDREN] = "pid_for_children", [LD_NS_MNT] = "mnt",
	[LD_NS_NET] = "net", [LD_NS_UTS] = "uts", [LD_NS_IPC] = "ipc", [LD_NS_USER] = "user",
	[LD_NS_CGROUP] = "cgroup", [LD_NS_TIME] = "time",
	[LD_NS_TIME_CHILDREN] = "time_for_children",
};

/* "pid:[4026531836]" -> 4026531836 */
static uint64_t ns_inode(const char *proc, const char *name)
{
	char path[96], link[64], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/ns/%s", proc, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = 0;
	p = strchr(link, '[');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* Numbers after "Key:" in a /proc status text; returns how many. */
static unsigned status_nums(const char *text, const char *key, uint32_t *v, unsigned max)
{
	size_t klen = strlen(key);
	const char *p = text;
	unsigned n = 0;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			char *end;

			p += klen + 1;
			while (n < max) {
				unsigned long x = strtoul(p, &end, 10);

				if (end == p)
					break;
				v[n++] = x;
				p = end;
				if (*p == '\n')
					break;
			}
			return n;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

static char status_state(const char *text)
{
	const char *p = strstr(text, "\nState:");

	if (!p)
		return 0;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p && *p != '\n' ? *p : 0;
}

/* The collector's own pid namespace level: where NStgid starts as /proc shows it. */
static unsigned own_pid_level(void)
{
	uint32_t v[LD_KPROC_LEVELS];
	char *status = NULL;
	unsigned n = 0;
	size_t len;

	if (!ld_read_file("/proc/self/status", &status, &len))
		n = status_nums(status, "NStgid", v, LD_KPROC_LEVELS);
	free(status);
	return n ? n - 1 : 0;
}

/* The collector's namespace inodes, read once: which of the process's are its own. */
static uint64_t own_ns(int i)
{
	static uint64_t mine[LD_NS_COUNT];

	if (!mine[i])
		mine[i] = ns_inode("/proc/self", ns_names[i]);
	return mine[i];
}

_Static_assert(LD_IDENT_NS == LD_NS_COUNT && LD_IDENT_LEVELS == LD_KPROC_LEVELS,
	       "kabi/ident.h follows ld_note_kproc");

/* "memory:/PATH" of the v1 memcg BPF saw, for the unit and container; NULL unknown. */
static char *memcg_v1_path(const struct ld_ident *id)
{
	char mnt[256], ctrls[64], path[4096], *out;
	struct ld_cg_hiers hs;

	if (!id->memcg_id || ld_cg_hiers_load(&hs) ||
	    ld_cg_hier_by_id(&hs, id->memcg_hier, mnt, sizeof(mnt), ctrls, sizeof(ctrls)) ||
	    ld_cgroup_path(mnt, id->memcg_id, path, sizeof(path)) ||
	    asprintf(&out, "%s:%s", ctrls, path) < 0)
		return NULL;
	return out;
}

/*
 * The process has left /proc (or was never seen there): what BPF saved
 * with its record of the issue.  The state stays 0, unknown.
 */
static void proc_from_ident(struct ld_kview *kv, const struct ld_ident *id)
{
	struct ld_note_kproc *k = &kv->proc;
	unsigned from = own_pid_level();
	char path[4096];

	memset(k, 0, sizeof(*k));
	k->size = sizeof(*k);
	for (unsigned l = from; l <= id->level && l < LD_IDENT_LEVELS; l++)
		k->nstgid[k->levels++] = id->nspid[l];
	if (!k->levels) {
		k->nstgid[0] = id->tgid;
		k->levels = 1;
	}
	k->ppid = id->ppid;
	k->uid = id->uid;
	k->euid = id->euid;
	k->gid = id->gid;
	k->egid = id->egid;
	k->cgroup_id = id->cgroup_id;
	for (int i = 0; i < LD_NS_COUNT; i++) {
		k->ns[i] = id->ns[i];
		if (k->ns[i] && k->ns[i] != own_ns(i))
			k->ns_own |= 1U << i;
	}
	if (id->cgroup_id && !ld_cgroup_path(ld_cgroup2_root(), id->cgroup_id, path, sizeof(path)))
		kv->cgroup = strdup(path);
	if (id->memcg_hier)
		kv->memcg_v1 = memcg_v1_path(id);
	kv->have_proc = true;
}

/* Does a /proc/PID/cgroup text put the process below the root of some hierarchy? */
static bool below_root(const char *cgroups)
{
	char path[16], hier[16];

	/* ENOENT: each path is "/"; a path too long for the buffer is not the root */
	return ld_cg_ident_source(cgroups, path, sizeof(path), hier, sizeof(hier)) == 0;
}

/*
 * A zombie (or a process exiting) is still in /proc, without the
 * namespaces and cgroups its exit let go (/proc/PID/cgroup says / in
 * every hierarchy once past cgroup_exit()): those BPF saw at the issue
 * fill the gaps.
 */
static void fill_from_ident(struct ld_kview *kv, const struct ld_ident *id)
{
	struct ld_note_kproc *k = &kv->proc;
	char path[4096];

	for (int i = 0; i < LD_NS_COUNT; i++)
		if (!k->ns[i] && id->ns[i]) {
			k->ns[i] = id->ns[i];
			if (k->ns[i] != own_ns(i))
				k->ns_own |= 1U << i;
		}
	if (!kv->cgroups || !below_root(kv->cgroups)) {	/* past cgroup_exit() */
		if (id->cgroup_id &&
		    !ld_cgroup_path(ld_cgroup2_root(), id->cgroup_id, path, sizeof(path))) {
			free(kv->cgroup);
			kv->cgroup = strdup(path);
			k->cgroup_id = id->cgroup_id;
		}
		if (id->memcg_hier)
			kv->memcg_v1 = memcg_v1_path(id);
	}
	if (!k->cgroup_id)
		k->cgroup_id = id->cgroup_id;
	if (!kv->cgroup && k->cgroup_id && !ld_cgroup_path(ld_cgroup2_root(), k->cgroup_id, path,
								 sizeof(path)))
		kv->cgroup = strdup(path);
}

static void collect_proc(struct ld_kview *kv, pid_t pid)
{
	struct ld_note_kproc *k = &kv->proc;
	char proc[32], path[64], *status = NULL;
	uint32_t v[4];
	size_t len;

	snprintf(proc, sizeof(proc), "/proc/%d", pid);
	snprintf(path, sizeof(path), "%s/status", proc);
	if (ld_read_file(path, &status, &len))
		return;
	memset(k, 0, sizeof(*k));
	k->size = sizeof(*k);
	k->levels = status_nums(status, "NStgid", k->nstgid, LD_KPROC_LEVELS);
	if (!k->levels) {	/* kernels before 4.1 */
		k->nstgid[0] = pid;
		k->levels = 1;
	}
	if (status_nums(status, "PPid", v, 1))
		k->ppid = v[0];
	if (status_nums(status, "Uid", v, 2) == 2) {
		k->uid = v[0];
		k->euid = v[1];
	}
	if (status_nums(status, "Gid", v, 2) == 2) {
		k->gid = v[0];
		k->egid = v[1];
	}
	k->state = status_state(status);
	free(status);
	for (int i = 0; i < LD_NS_COUNT; i++) {
		k->ns[i] = ns_inode(proc, ns_names[i]);
		if (k->ns[i] && k->ns[i] != own_ns(i))
			k->ns_own |= 1U << i;
	}
	snprintf(path, sizeof(path), "%s/cgroup", proc);
	if (!ld_read_file(path, &kv->cgroups, &len)) {
		const char *line = kv->cgroups, *root = ld_cgroup2_root();

		for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
			if (!strncmp(line, "0::", 3)) {
				size_t n = strcspn(line + 3, "\n");

				kv->cgroup = strndup(line + 3, n);
				break;
			}
		if (kv->cgroup && root) {
			char *dir;
			struct stat st;

			if (asprintf(&dir, "%s%s", root, kv->cgroup) > 0) {
				if (!stat(dir, &st))
					k->cgroup_id = st.st_ino;
				free(dir);
			}
		}
	}
	kv->have_proc = true;
}

/* --- kernel stacks -------------------------------------------------------------- */

static char state_letter(uint32_t st)
{
	return ld_task_state_name(st, false)[0];
}

static struct ld_kthread *new_thread(struct ld_kview *kv)
{
	void *v = realloc(kv->threads, (kv->nthreads + 1) * sizeof(*kv->threads));

	if (!v)
		return NULL;
	kv->threads = v;
	memset(&kv->threads[kv->nthreads], 0, sizeof(kv->threads[0]));
	return &kv->threads[kv->nthreads++];
}

static int from_bpf(struct ld_kview *kv, const struct ld_hist_kstack *hk, pid_t trigger_tid)
{
	const struct ld_ksyms *k = ld_ksyms_get();
	const struct ld_kstack *ks = &hk->ks;
	struct ld_kthread *t = new_thread(kv);
	bool reloaded = false;
	char name[256];

	if (!t)
		return -ENOMEM;
	t->tid = hk->tid;
	t->ns_tid = hk->tid;
	t->ctx_tid = ks->ctx_tid;
	t->source = ks->source;
	t->syscall = ks->syscall;
	t->ktime_ns = ks->ktime_ns;
	t->state = ks->source == LD_KSTACK_ISSUE ? 'R' : state_letter(ks->state);
	if (hk->tid == (uint32_t)trigger_tid)
		t->flags |= LD_KS_TRIGGER;
	if (ks->source == LD_KSTACK_ISSUE && ks->ctx_tid != hk->tid)
		t->flags |= LD_KS_OTHER_CTX;
	if (ks->source == LD_KSTACK_ISSUE && !ks->nr)
		t->flags |= LD_KS_USER;
	t->frames = calloc(ks->nr ? ks->nr : 1, sizeof(*t->frames));
	if (!t->frames)
		return -ENOMEM;
	for (uint32_t i = 0; i < ks->nr; i++) {
		if (ld_ksyms__name(k, ks->ips[i], true, name, sizeof(name)) && !reloaded) {
			reloaded = true;	/* a module loaded since we read the symbols? */
			k = ld_ksyms_reload();
			ld_ksyms__name(k, ks->ips[i], true, name, sizeof(name));
		}
		t->frames[i].addr = ks->ips[i];
		t->frames[i].sym = strdup(name);
		if (!t->frames[i].sym)
			return -ENOMEM;
		t->nframes++;
	}
	return 0;
}

/* /proc/PID/task/TID/stack: "[<addr>] sym+0x../0x..", addresses hidden as 0. */
static int from_proc(struct ld_kview *kv, pid_t pid, pid_t tid, char state, pid_t trigger_tid)
{
	char path[64], *text = NULL, *line;
	struct ld_kthread *t;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	if (ld_read_file(path, &text, &len))
		return 0;	/* gone, or not allowed: no stack */
	t = new_thread(kv);
	if (!t) {
		free(text);
		return -ENOMEM;
	}
	t->tid = tid;
	t->ns_tid = tid;
	t->ctx_tid = tid;
	t->source = LD_KSTACK_PROC;
	t->state = state;
	t->syscall = ld_proc_task_syscall(pid, tid);
	if (tid == trigger_tid)
		t->flags |= LD_KS_TRIGGER;
	for (line = text; line && *line; ) {
		char *nl = strchr(line, '\n'), *sym = strstr(line, "] ");
		void *v;

		if (nl)
			*nl = 0;
		if (sym) {
			v = realloc(t->frames, (t->nframes + 1) * sizeof(*t->frames));
			if (!v)
				break;
			t->frames = v;
			t->frames[t->nframes].addr = line[0] == '[' && line[1] == '<' ?
						     strtoull(line + 2, NULL, 16) : 0;
			t->frames[t->nframes].sym = strdup(sym + 2);
			if (t->frames[t->nframes].sym)
				t->nframes++;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return 0;
}

static char proc_state(pid_t pid, pid_t tid)
{
	struct ld_task_info ti;

	return ld_proc_task_info(pid, tid, &ti) ? 0 : ti.state;
}

static uint32_t ns_tid_of(pid_t pid, pid_t tid)
{
	char path[64], *status = NULL;
	uint32_t v[LD_KPROC_LEVELS];
	unsigned n = 0;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (!ld_read_file(path, &status, &len))
		n = status_nums(status, "NSpid", v, LD_KPROC_LEVELS);
	free(status);
	return n ? v[n - 1] : (uint32_t)tid;
}

static bool has_bpf_stack(const struct ld_kview *kv, uint32_t tid)
{
	for (size_t i = 0; i < kv->nthreads; i++)
		if (kv->threads[i].tid == tid && kv->threads[i].source != LD_KSTACK_PROC)
			return true;
	return false;
}

static int thread_cmp(const void *a, const void *b)
{
	const struct ld_kthread *x = a, *y = b;
	int tx = !(x->flags & LD_KS_TRIGGER), ty = !(y->flags & LD_KS_TRIGGER);

	if (tx != ty)
		return tx - ty;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (int)x->source - (int)y->source;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int ld_kview__collect(struct ld_kview *kv, const struct ld_kview_opts *o)
{
	const struct ld_event_hdr *hdr = o->trigger;
	pid_t *own = NULL;
	const pid_t *tids = o->tids;
	size_t ntids = o->ntids;
	int err = 0;

	memset(kv, 0, sizeof(*kv));
	kv->realtime_offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	if (hdr && o->trigger_len >= sizeof(*hdr))
		kv->issue_ktime = hdr->ktime_ns;
	collect_proc(kv, o->pid);
	if (!kv->have_proc && o->ident)
		proc_from_ident(kv, o->ident);
	else if (kv->have_proc && o->ident)
		fill_from_ident(kv, o->ident);
	if (!ld_history_take(o->history, o->pid, kv->issue_ktime,
			     ld_history_wanted(o->history, o->rule), &kv->hist))
		kv->have_hist = kv->hist.depth != 0;
	for (size_t i = 0; !err && i < kv->hist.nks; i++)
		err = from_bpf(kv, &kv->hist.ks[i], o->trigger_tid);
	if (!tids && !ld_proc_tids(o->pid, &own, &ntids))
		tids = own;
	/*
	 * Threads BPF did not see asleep: /proc at capture time.  Stopped ones
	 * would all show the stop itself, except those in uninterruptible
	 * sleep, which the stop does not interrupt.
	 */
	for (size_t i = 0; !err && tids && i < ntids; i++) {
		char st = o->states ? o->states[i] : 0;

		if (has_bpf_stack(kv, tids[i]))
			continue;
		if (o->stopped && st != 'D')
			continue;
		err = from_proc(kv, o->pid, tids[i], st ? st : proc_state(o->pid, tids[i]),
				o->trigger_tid);
	}
	free(own);
	if (kv->have_proc && kv->proc.levels > 1)
		for (size_t i = 0; i < kv->nthreads; i++)
			kv->threads[i].ns_tid = ns_tid_of(o->pid, kv->threads[i].tid);
	if (kv->nthreads > 1)
		qsort(kv->threads, kv->nthreads, sizeof(*kv->threads), thread_cmp);
	return err;
}

/* --- notes ----------------------------------------------------------------------- */

static void add_kstacks(const struct ld_kview *kv, struct ld_notes *n)
{
	struct ld_note_table tab = { kv->nthreads, 0 };
	size_t total = 0, off = 0;
	unsigned char *buf;

	for (size_t i = 0; i < kv->nthreads; i++) {
		size_t sz = sizeof(struct ld_note_kstack) + kv->threads[i].nframes * 8;

		for (size_t f = 0; f < kv->threads[i].nframes; f++)
			sz += strlen(kv->threads[i].frames[f].sym) + 1;
		total += (sz + 7) & ~7UL;
	}
	buf = calloc(1, total ? total : 1);
	if (!buf) {
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	for (size_t i = 0; i < kv->nthreads; i++) {
		const struct ld_kthread *t = &kv->threads[i];
		struct ld_note_kstack *r = (struct ld_note_kstack *)(buf + off);
		unsigned char *p = buf + off + sizeof(*r);

		r->tid = t->tid;
		r->ns_tid = t->ns_tid;
		r->source = t->source;
		r->nframes = t->nframes;
		r->flags = t->flags;
		r->ctx_tid = t->ctx_tid;
		r->syscall = t->syscall;
		r->ktime_ns = t->ktime_ns;
		r->state = t->state;
		for (size_t f = 0; f < t->nframes; f++, p += 8)
			memcpy(p, &t->frames[f].addr, 8);
		for (size_t f = 0; f < t->nframes; f++) {
			size_t l = strlen(t->frames[f].sym) + 1;

			memcpy(p, t->frames[f].sym, l);
			p += l;
		}
		r->size = ((size_t)(p - (buf + off)) + 7) & ~7UL;
		off += r->size;
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_KSTACK, &tab, sizeof(tab), buf, off);
	free(buf);
}

/*
 * The unit and container, after the two strings (older readers stop at
 * those): key=value strings, each NUL-terminated, read from the cgroup
 * path that shows them (docs/dump-format.md).
 */
static int ident_tail(const struct ld_kview *kv, char **out, size_t *len)
{
	char path[4096] = "", hier[128] = "", *buf;
	struct ld_cg_ident id;
	const struct { const char *key, *val; } pairs[] = {
		{ "unit", id.unit }, { "user_unit", id.user_unit }, { "slice", id.slice },
		{ "container_runtime", id.runtime }, { "container_id", id.container },
		{ "pod_uid", id.pod },
	};
	const size_t size = sizeof(path) + sizeof(hier) + sizeof(id) + 128;
	size_t off = 0;

	/* of a process gone, what BPF saw: the v2 path, else the v1 memcg */
	if (ld_cg_ident_source(kv->cgroups, path, sizeof(path), hier, sizeof(hier))) {
		const char *colon = kv->memcg_v1 ? strchr(kv->memcg_v1, ':') : NULL;

		if (kv->cgroup && strcmp(kv->cgroup, "/")) {
			snprintf(path, sizeof(path), "%s", kv->cgroup);
		} else if (colon) {
			snprintf(hier, sizeof(hier), "%.*s", (int)(colon - kv->memcg_v1),
				 kv->memcg_v1);
			snprintf(path, sizeof(path), "%s", colon + 1);
		}
	}
	ld_cg_ident_parse(path, &id);
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	/* each string with its NUL: off counts past it */
	if (path[0])
		off += (size_t)snprintf(buf + off, size - off, "cgroup_source=%s%s%s", hier,
					hier[0] ? ":" : "", path) + 1;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (pairs[i].val[0])
			off += (size_t)snprintf(buf + off, size - off, "%s=%s", pairs[i].key,
						pairs[i].val) + 1;
	*out = buf;
	*len = off;
	return 0;
}

static void add_kproc(const struct ld_kview *kv, struct ld_notes *n)
{
	const char *cg = kv->cgroup ? kv->cgroup : "", *cgs = kv->cgroups ? kv->cgroups : "";
	size_t l1 = strlen(cg) + 1, l2 = strlen(cgs) + 1, l3 = 0;
	struct ld_note_kproc k = kv->proc;
	char *ident = NULL, *tail;

	if (ident_tail(kv, &ident, &l3) || !(tail = malloc(l1 + l2 + l3))) {
		free(ident);
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	memcpy(tail, cg, l1);
	memcpy(tail + l1, cgs, l2);
	if (l3)
		memcpy(tail + l1 + l2, ident, l3);
	free(ident);
	k.cgroup_len = l1;
	k.cgroups_len = l2;
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_KPROC, &k, sizeof(k), tail, l1 + l2 + l3);
	free(tail);
}

static void add_history(const struct ld_kview *kv, struct ld_notes *n)
{
	const struct ld_hist_snap *s = &kv->hist;
	struct ld_note_history h = {
		.size = sizeof(h), .entry_size = sizeof(struct ld_hist_ev), .count = s->n,
		.depth = s->depth, .wanted = s->wanted,
		.flags = (s->frozen ? LD_HISTF_FROZEN : 0) | (s->wrapped ? LD_HISTF_WRAPPED : 0),
		.issue_ktime_ns = kv->issue_ktime, .frozen_ktime_ns = s->frozen_ktime,
		.total = s->total, .dropped = s->dropped,
		.realtime_offset_ns = kv->realtime_offset,
	};

	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_HISTORY, &h, sizeof(h), s->ev,
		      s->n * sizeof(*s->ev));
}

void ld_kview__notes(const struct ld_kview *kv, struct ld_notes *n)
{
	if (kv->have_proc)
		add_kproc(kv, n);
	if (kv->nthreads)
		add_kstacks(kv, n);
	if (kv->have_hist)
		add_history(kv, n);
}

void ld_kview__free(struct ld_kview *kv)
{
	for (size_t i = 0; i < kv->nthreads; i++) {
		for (size_t f = 0; f < kv->threads[i].nframes; f++)
			free(kv->threads[i].frames[f].sym);
		free(kv->threads[i].frames);
	}
	free(kv->threads);
	free(kv->cgroup);
	free(kv->cgroups);
	free(kv->memcg_v1);
	ld_hist_snap__free(&kv->hist);
	memset(kv, 0, sizeof(*kv));
}
