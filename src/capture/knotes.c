// SPDX-License-Identifier: MIT
/*
 * The kernel notes of a dump (knotes.h): LD_NT_KOBJ from the objects BPF
 * copied and the running kernel's BTF (which also names the pointers a
 * followed object was reached by), LD_NT_DSTATE from /proc,
 * LD_NT_DISK from /proc/diskstats and sysfs, LD_NT_KMSG from /dev/kmsg.
 */
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "analysis/btfrender.h"
#include "base/log.h"
#include "analysis/btfpath.h"
#include "capture/btfsub.h"
#include "capture/knotes.h"
#include "capture/proc.h"
#include "dump/dump_writer.h"
#include "dump/dumpfmt.h"
#include "kabi/records.h"

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)

/* A growing buffer: an allocation failure sticks (err) and later puts do nothing. */
struct gbuf {
	unsigned char *buf;
	size_t len, cap;
	int err;
};

static void gbuf_put(struct gbuf *b, const void *p, size_t len)
{
	if (b->err || !len)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		unsigned char *nb;

		while (cap < b->len + len)
			cap *= 2;
		nb = realloc(b->buf, cap);
		if (!nb) {
			b->err = -ENOMEM;
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, len);
	b->len += len;
}

/* enum ld_kobj_role as dumps name it. */
static const char *const role_names[LD_KOBJ__COUNT] = {
	[LD_KOBJ_REQUEST] = "request",
	[LD_KOBJ_BIO] = "bio",
	[LD_KOBJ_GENDISK] = "gendisk",
	[LD_KOBJ_QUEUE] = "request_queue",
	[LD_KOBJ_HCTX] = "hctx",
	[LD_KOBJ_FILE] = "file",
	[LD_KOBJ_OOM_CONTROL] = "oom_control",
	[LD_KOBJ_MM] = "mm",
	[LD_KOBJ_MEMCG] = "memcg",
	[LD_KOBJ_ARG] = "arg",
	[LD_KOBJ_FOLLOW] = "follow",
};

/* --- LD_NT_KOBJ ------------------------------------------------------------- */

/*
 * The path of the file behind the fd in argument @arg of the call, as the
 * kernel names it (/proc/PID/fd/FD, its own d_path), into @path; 0 or a
 * negative errno.  The collector reads it while the process is held, so the
 * fd is the call's; BPF cannot take it itself: bpf_d_path is for fentry and
 * LSM programs only, and a dentry walk of its own would stop at a bound and
 * miss mounts.
 */
static int file_path(const struct ld_knotes_opts *o, uint32_t arg, char *path, size_t len)
{
	char link[64];
	ssize_t got;
	int64_t fd;

	if (!o || !o->pid || !o->args || !arg || arg > o->nargs)
		return -ENOENT;
	fd = o->args[arg - 1];
	if (fd < 0 || fd > INT32_MAX)
		return -EBADF;
	snprintf(link, sizeof(link), "/proc/%d/fd/%" PRId64, o->pid, fd);
	got = readlink(link, path, len - 1);
	if (got < 0)
		return -errno;
	path[got] = 0;
	return 0;
}

/*
 * The member path by which object @k of @set was reached from its parent
 * @p ("bio", "f_path.dentry", "chosen->mm"), from the kernel's BTF; false
 * when the BTF does not name it.
 */
static bool via_name(const struct btf *btf, const struct ld_kobj_desc *p,
		     const struct ld_kobj_desc *k, char *buf, size_t len)
{
	char second[64];
	uint32_t target;
	size_t at;

	if (!btf || ld_btf_path_name(btf, p->btf_id, k->field_off, buf, len, &target))
		return false;
	if (k->field_off2 == LD_KOBJ_NO_HOP)
		return true;
	if (!target || ld_btf_path_name(btf, target, k->field_off2, second, sizeof(second), &target))
		return false;
	at = strlen(buf);
	return snprintf(buf + at, len - at, "->%s", second) < (int)(len - at);
}

/* An entry's name: its role's, a probe argument's, or a followed object's path. */
static void ent_name(struct ld_note_kobj_ent *e, const struct ld_kobj_desc *k,
		     const struct ld_note_kobj_ent *parent, const char *via)
{
	const char *role = role_names[k->role];

	if (k->role == LD_KOBJ_FOLLOW && parent) {
		/* As a follow= rule names it: its parent's name, then the members, by dots. */
		char path[64];
		size_t j = 0;

		for (const char *c = via ? via : ""; *c && j + 1 < sizeof(path); c++) {
			if (c[0] == '-' && c[1] == '>')
				path[j++] = '.', c++;
			else
				path[j++] = *c;
		}
		path[j] = 0;
		/* The rule checker keeps its paths within a name: a cut one is a guess. */
		if ((via ? snprintf(e->name, sizeof(e->name), "%s.%s", parent->name, path) :
			   snprintf(e->name, sizeof(e->name), "%s.+%u", parent->name, k->field_off)) >=
		    (int)sizeof(e->name))
			ld_dbg("kernel object %s...: its name is cut", e->name);
	} else if (k->role == LD_KOBJ_ARG && !k->arg) {	/* a kretprobe's return value */
		snprintf(e->name, sizeof(e->name), "ret");
	} else if (k->role == LD_KOBJ_ARG) {
		snprintf(e->name, sizeof(e->name), "%s%u", role, k->arg);
	} else if (k->arg && k->role != LD_KOBJ_FOLLOW) {	/* a syscall's fd: "file_arg1" */
		snprintf(e->name, sizeof(e->name), "%s_arg%u", role, k->arg);
	} else {
		snprintf(e->name, sizeof(e->name), "%s", role);
	}
}

static bool desc_ok(const struct ld_kobj_set *set, const struct ld_kobj_desc *k)
{
	return k->role != LD_KOBJ_NONE && k->role < LD_KOBJ__COUNT && k->len <= set->data_len &&
	       k->off <= set->data_len - k->len;
}

int ld_knotes__kobj(struct ld_notes *n, const struct btf *btf, const void *kobj, size_t len,
		    const struct ld_knotes_opts *o)
{
	/* Each entry's strings: its path, then what it was reached by. */
	char *strs[LD_KOBJ_MAX][2] = { { NULL } };
	struct ld_note_kobj_ent ents[LD_KOBJ_MAX];
	const unsigned char *data = (const unsigned char *)kobj + sizeof(struct ld_kobj_set);
	struct ld_note_kobj h = { .size = sizeof(h), .entry_size = sizeof(ents[0]) };
	struct ld_btfsub *sub = NULL;
	uint32_t ids[LD_KOBJ_MAX] = { 0 }, bad = 0, src[LD_KOBJ_MAX];
	int ent_of[LD_KOBJ_MAX], depth[LD_KOBJ_MAX];
	struct ld_kobj_set set;
	const void *raw = NULL;
	unsigned char *buf;
	uint32_t rawlen = 0;
	size_t off, total;
	int err = 0;

	if (len < sizeof(set))
		return -EINVAL;
	memcpy(&set, kobj, sizeof(set));
	if (set.n > LD_KOBJ_MAX || set.data_len > len - sizeof(set))
		return -EINVAL;
	/*
	 * A root whose closure cannot be copied leaves half-copied types
	 * behind: the subset is made again without it.
	 */
	for (int tries = 0; btf && tries <= LD_KOBJ_MAX; tries++) {
		bool again = false;

		ld_btfsub__free(sub);
		if (ld_btfsub__new(btf, &sub))
			return -ENOMEM;
		for (uint32_t i = 0; i < set.n; i++)
			if (!(bad & 1U << i))
				ld_btfsub__want(sub, set.d[i].btf_id);
		for (uint32_t i = 0; i < set.n && !again; i++) {
			const struct ld_kobj_desc *k = &set.d[i];

			if (bad & 1U << i || k->role == LD_KOBJ_NONE)
				continue;
			if (!k->btf_id || btf__resolve_size(btf, k->btf_id) != (long long)k->size ||
			    ld_btfsub__add(sub, k->btf_id, &ids[i])) {
				ld_dbg("kernel object %u (role %u, type %u): no type for it", i, k->role,
				       k->btf_id);
				bad |= 1U << i;
				again = true;
			}
		}
		if (!again)
			break;
	}
	raw = sub ? ld_btfsub__raw(sub, &rawlen) : NULL;
	if (raw) {
		struct btf *check = btf__new(raw, rawlen);
		char why[128];

		if (libbpf_get_error(check) || ld_btf_validate(check, why, sizeof(why))) {
			ld_warn("kernel objects without their types: the BTF made for them does not check: %s",
				libbpf_get_error(check) ? "it does not parse" : why);
			raw = NULL;
			bad = ~0U;
		}
		if (!libbpf_get_error(check))
			btf__free(check);
	}
	if (!raw)
		rawlen = 0;
	for (uint32_t i = 0; i < set.n; i++) {
		const struct ld_kobj_desc *k = &set.d[i];
		struct ld_note_kobj_ent *e = &ents[h.count], *parent = NULL;
		uint32_t pi = k->parent - 1;
		char via[96];
		bool have_via = false;

		ent_of[i] = -1;
		if (!desc_ok(&set, k))
			continue;
		/* A parent comes first: a link elsewhere, or too deep, makes a root. */
		depth[i] = 0;
		if (k->parent && pi < i && ent_of[pi] >= 0 && depth[pi] < LD_KOBJ_DEPTH) {
			parent = &ents[ent_of[pi]];
			depth[i] = depth[pi] + 1;
			have_via = via_name(btf, &set.d[pi], k, via, sizeof(via));
		}
		*e = (struct ld_note_kobj_ent){
			.addr = k->addr, .kernel_type_id = k->btf_id, .size = k->size, .len = k->len,
			.role = k->role, .flags = k->flags, .arg = k->arg,
			.parent = parent ? (uint32_t)ent_of[pi] + 1 : 0,
			.field_off = parent ? k->field_off : 0,
		};
		ent_name(e, k, parent, have_via ? via : NULL);
		if (have_via)
			strs[h.count][1] = strdup(via);
		if (k->role == LD_KOBJ_FILE) {
			char p[PATH_MAX];
			int perr = file_path(o, k->arg, p, sizeof(p));

			if (!perr)
				strs[h.count][0] = strdup(p);
			else if (perr != -ENOENT)
				ld_dbg("%s: no path: %s", e->name, strerror(-perr));
		}
		if (bad & 1U << i || !rawlen) {
			e->type_id = 0;
			e->flags |= LD_KOF_NO_TYPE;
		} else {
			e->type_id = ids[i];
		}
		src[h.count] = i;
		ent_of[i] = h.count++;
	}
	off = sizeof(h) + h.count * sizeof(ents[0]);
	for (uint32_t i = 0; i < h.count; i++) {
		ents[i].off = off;
		off = ALIGN8(off + ents[i].len);
	}
	for (uint32_t i = 0; i < h.count; i++)
		for (int w = 0; w < 2; w++)
			if (strs[i][w]) {
				*(w ? &ents[i].via_off : &ents[i].path_off) = off;
				off = ALIGN8(off + strlen(strs[i][w]) + 1);
			}
	h.btf_off = rawlen ? off : 0;
	h.btf_len = rawlen;
	total = off + rawlen;
	buf = calloc(1, total);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), ents, h.count * sizeof(ents[0]));
	for (uint32_t j = 0; j < h.count; j++) {
		const struct ld_kobj_desc *k = &set.d[src[j]];

		memcpy(buf + ents[j].off, data + k->off, k->len);
		for (int w = 0; w < 2; w++)
			if (strs[j][w])
				memcpy(buf + (w ? ents[j].via_off : ents[j].path_off), strs[j][w],
				       strlen(strs[j][w]) + 1);
	}
	if (rawlen)
		memcpy(buf + h.btf_off, raw, rawlen);
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_KOBJ, buf, total, NULL, 0);
	free(buf);
out:
	for (uint32_t i = 0; i < LD_KOBJ_MAX; i++)
		for (int w = 0; w < 2; w++)
			free(strs[i][w]);
	ld_btfsub__free(sub);
	return err;
}

/* --- LD_NT_DSTATE ----------------------------------------------------------- */

/* From /proc/PID/task/TID/stat: the state, and the name between the parentheses. */
static char task_state(int pid, int tid, char *comm, size_t len)
{
	char path[64], buf[512], *lp, *rp;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return 0;
	buf[got] = 0;
	lp = strchr(buf, '(');
	rp = strrchr(buf, ')');
	if (!lp || !rp || rp < lp || rp[1] != ' ')
		return 0;
	snprintf(comm, len, "%.*s", (int)(rp - lp - 1), lp + 1);
	return rp[2];
}

static void add_dstate_task(struct gbuf *tasks, size_t *count, int pid, int tid,
			    const char *comm)
{
	struct ld_note_dstate e = { .pid = pid, .tid = tid };
	char path[64], *stack = NULL, *wchan = NULL;
	size_t slen = 0, wlen = 0;
	static const char pad[8];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	if (ld_read_file(path, &stack, &slen))
		stack = NULL, slen = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	if (!ld_read_file(path, &wchan, &wlen))
		snprintf(e.wchan, sizeof(e.wchan), "%.*s", (int)wlen, wchan);
	free(wchan);
	snprintf(e.comm, sizeof(e.comm), "%.15s", comm);
	if (slen > 8192)
		slen = 8192;
	e.stack_len = slen;
	e.size = ALIGN8(sizeof(e) + slen + 1);
	gbuf_put(tasks, &e, sizeof(e));
	gbuf_put(tasks, stack, slen);
	gbuf_put(tasks, pad, e.size - sizeof(e) - slen);
	free(stack);
	(*count)++;
}

static int numeric(const struct dirent *de)
{
	return isdigit((unsigned char)de->d_name[0]);
}

static void add_dstate(struct ld_notes *n)
{
	struct gbuf tasks = { 0 };
	struct ld_note_table t = { 0 };
	size_t count = 0;
	DIR *proc = opendir("/proc");
	struct dirent *de;

	if (!proc) {
		ld_dbg("cannot list /proc for tasks in D state: %s", strerror(errno));
		return;
	}
	while ((de = readdir(proc)) && count < LD_DSTATE_MAX) {
		char path[64], comm[64];
		struct dirent *te;
		DIR *task;

		if (!numeric(de))
			continue;
		snprintf(path, sizeof(path), "/proc/%.32s/task", de->d_name);
		task = opendir(path);
		if (!task)
			continue;
		while ((te = readdir(task)) && count < LD_DSTATE_MAX) {
			int pid = atoi(de->d_name), tid = atoi(te->d_name);

			if (numeric(te) && task_state(pid, tid, comm, sizeof(comm)) == 'D')
				add_dstate_task(&tasks, &count, pid, tid, comm);
		}
		closedir(task);
	}
	closedir(proc);
	if (!tasks.err) {
		t.count = count;
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_DSTATE, &t, sizeof(t), tasks.buf, tasks.len);
	}
	free(tasks.buf);
}

/* --- LD_NT_DISK ------------------------------------------------------------- */

static void disk_name(uint32_t dev, char *buf, size_t size)
{
	char path[64], line[256];
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", dev >> 20, dev & 0xfffff);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "DEVNAME=", 8)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, size, "%.*s", (int)(size - 1), line + 8);
			break;
		}
	fclose(f);
}

/* Its line of /proc/diskstats, malloc'ed; NULL. */
static char *diskstats_line(uint32_t dev)
{
	unsigned maj, min;
	char line[512];
	FILE *f = fopen("/proc/diskstats", "re");
	char *found = NULL;

	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %u", &maj, &min) == 2 && maj == dev >> 20 &&
		    min == (dev & 0xfffff))
			found = strdup(line);
	fclose(f);
	return found;
}

/* "name=value\n" for each readable file of the queue directory. */
static void queue_attrs(uint32_t dev, struct gbuf *out)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent **names = NULL;
	int nn;

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/queue", dev >> 20, dev & 0xfffff);
	if (access(dir, F_OK))	/* a partition: its disk's */
		snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/../queue", dev >> 20, dev & 0xfffff);
	nn = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < nn; i++) {
		char val[256];
		ssize_t got;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		fd = names[i]->d_name[0] == '.' ? -1 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		got = fd < 0 ? -1 : read(fd, val, sizeof(val) - 1);
		if (fd >= 0)
			close(fd);
		if (got >= 0) {
			val[got] = 0;
			val[strcspn(val, "\n")] = 0;
			gbuf_put(out, names[i]->d_name, strlen(names[i]->d_name));
			gbuf_put(out, "=", 1);
			gbuf_put(out, val, strlen(val));
			gbuf_put(out, "\n", 1);
		}
		free(names[i]);
	}
	free(names);
}

static void add_disk(struct ld_notes *n, uint32_t dev)
{
	struct ld_note_disk h = { .size = sizeof(h), .dev = dev };
	struct gbuf attrs = { 0 };
	char *stats = diskstats_line(dev), *buf;

	disk_name(dev, h.name, sizeof(h.name));
	queue_attrs(dev, &attrs);
	h.stats_len = stats ? strlen(stats) : 0;
	h.attrs_len = attrs.err ? 0 : attrs.len;
	buf = malloc(h.stats_len + h.attrs_len + 1);
	if (buf) {
		if (h.stats_len)
			memcpy(buf, stats, h.stats_len);
		if (h.attrs_len)
			memcpy(buf + h.stats_len, attrs.buf, h.attrs_len);
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_DISK, &h, sizeof(h), buf,
			      h.stats_len + h.attrs_len);
	} else {
		n->err = -ENOMEM;
	}
	free(buf);
	free(stats);
	free(attrs.buf);
}

/* --- LD_NT_KMSG ------------------------------------------------------------- */

struct kmsg_rec {
	char *text;			/* "PRIO,SEQ,TS,FLAGS;MESSAGE\n" */
	size_t len;
};

static void add_kmsg(struct ld_notes *n, uint64_t issue_ktime_ns)
{
	struct ld_note_kmsg h = { .size = sizeof(h) };
	struct kmsg_rec *recs = calloc(LD_KMSG_MAX, sizeof(*recs));
	size_t head = 0, nrec = 0, total = 0;
	struct timespec now;
	char rec[8192];
	unsigned char *buf;
	int fd;

	if (!recs) {
		n->err = -ENOMEM;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	h.to_us = now.tv_sec * 1000000ULL + now.tv_nsec / 1000 + 1000000;
	h.from_us = issue_ktime_ns / 1000 > LD_KMSG_BEFORE_US ?
		    issue_ktime_ns / 1000 - LD_KMSG_BEFORE_US : 0;
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ld_dbg("cannot open /dev/kmsg: %s", strerror(errno));
		free(recs);
		return;
	}
	for (;;) {
		unsigned long long ts;
		ssize_t got = read(fd, rec, sizeof(rec) - 1);
		struct kmsg_rec *slot;
		char *cont;

		if (got < 0 && errno == EPIPE) {	/* overwritten under us: read on */
			h.flags |= LD_KMSG_LOST;
			continue;
		}
		if (got <= 0)
			break;
		rec[got] = 0;
		if (sscanf(rec, "%*u,%*u,%llu", &ts) != 1 || ts < h.from_us || ts > h.to_us)
			continue;
		/* The message is one line: its continuation lines ("\n KEY=value") go. */
		cont = strchr(rec, '\n');
		if (!cont)
			continue;
		cont[1] = 0;
		/* A ring of the last LD_KMSG_MAX: the ones nearest the issue stay. */
		if (nrec == LD_KMSG_MAX) {
			total -= recs[head].len;
			free(recs[head].text);
			recs[head].text = NULL;
			head = (head + 1) % LD_KMSG_MAX;
			nrec--;
			h.flags |= LD_KMSG_CUT;
		}
		slot = &recs[(head + nrec) % LD_KMSG_MAX];
		*slot = (struct kmsg_rec){ strdup(rec), cont + 1 - rec };
		if (!slot->text)
			break;
		total += slot->len;
		nrec++;
	}
	close(fd);
	h.count = nrec;
	buf = malloc(total + 1);
	if (buf) {
		size_t off = 0;

		for (size_t i = 0; i < nrec; i++) {
			struct kmsg_rec *r = &recs[(head + i) % LD_KMSG_MAX];

			memcpy(buf + off, r->text, r->len);
			off += r->len;
		}
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_KMSG, &h, sizeof(h), buf, off);
	} else {
		n->err = -ENOMEM;
	}
	free(buf);
	for (size_t i = 0; i < LD_KMSG_MAX; i++)
		free(recs[i].text);
	free(recs);
}

void ld_knotes__collect(struct ld_notes *n, const struct ld_knotes_opts *o)
{
	if (o->kobj) {
		const struct btf *btf = ld_kernel_btf();
		int err;

		if (!btf)
			ld_warn("kernel objects of the issue without their types: no kernel BTF: %s",
				strerror(errno));
		err = ld_knotes__kobj(n, btf, o->kobj, o->kobj_len, o);
		if (err)
			ld_warn("kernel objects of the issue left out: %s", strerror(-err));
	}
	if (o->what & LD_KSYS_DSTATE)
		add_dstate(n);
	if (o->what & LD_KSYS_DISK && o->dev)
		add_disk(n, o->dev);
	if (o->what & LD_KSYS_KMSG)
		add_kmsg(n, o->issue_ktime_ns);
}
