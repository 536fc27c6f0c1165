// SPDX-License-Identifier: MIT
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "capture/capture_priv.h"
#include "livedump.h"
#include "base/log.h"
#include "dump/compress.h"
#include "dump/xstate.h"
#include "capture/memplan.h"
#include "capture/pagemap.h"
#include "capture/registry.h"
#include "capture/targetmem.h"
#include "collector/history.h"

#define XSTATE_MAX	(64U << 10)
#define STOP_TIMEOUT_MS	2000
#define RED_ZONE	128
#define TCB_SIZE	4096	/* glibc's struct pthread is 2.3 KiB */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t ld_now_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/* The registers, the XSAVE area as a core carries it (dump/xstate.h). */
static void read_regs(struct ld_thread_cap *t, const struct ld_xsave_comp *layout)
{
	struct iovec iov = { &t->regs, sizeof(t->regs) };
	static __thread unsigned char xbuf[XSTATE_MAX];

	t->have_regs = !ptrace(PTRACE_GETREGSET, t->tid, NT_PRSTATUS, &iov);
	iov = (struct iovec){ &t->fp, sizeof(t->fp) };
	t->have_fp = !ptrace(PTRACE_GETREGSET, t->tid, NT_PRFPREG, &iov);
	iov = (struct iovec){ xbuf, sizeof(xbuf) };
	/* Out of memory, the thread gets no XSAVE note, as on a CPU without XSAVE. */
	if (!ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &iov) && iov.iov_len)
		ld_xstate_for_core(xbuf, iov.iov_len, layout, &t->xstate, &t->xstate_len);
}

static int collect_threads(struct ld_capture *c)
{
	struct ld_xsave_comp layout[LD_XSAVE_NCOMP];

	ld_xsave_cpu_layout(layout);
	c->threads = calloc(c->fz.n, sizeof(*c->threads));
	if (!c->threads)
		return -ENOMEM;
	for (size_t i = 0; i < c->fz.n; i++) {
		const struct ld_frozen_thread *f = &c->fz.t[i];
		struct ld_thread_cap *t;

		if (!f->attached)
			continue;	/* exited while we froze the rest */
		t = &c->threads[c->nthreads++];
		t->tid = f->tid;
		t->trigger = f->tid == c->trigger_tid;
		if (ld_proc_task_info(c->pid, f->tid, &t->info) == 0)
			t->info.state = f->state;	/* the state before we stopped it */
		if (f->stopped)
			read_regs(t, layout);
	}
	/* The triggering thread goes first: gdb shows the first thread as current. */
	for (size_t i = 1; i < c->nthreads; i++) {
		if (c->threads[i].trigger) {
			struct ld_thread_cap tmp = c->threads[0];

			c->threads[0] = c->threads[i];
			c->threads[i] = tmp;
		}
	}
	return c->nthreads ? 0 : -ESRCH;
}

/*
 * What surrounds the process, as systemd-coredump keeps it: environment
 * (unless the rule leaves it out), cwd, limits, and the sockets among its
 * fds.  A context dump has no other use for the fds: it reads them here.
 */
static void collect_surroundings(struct ld_capture *c, bool have_fds)
{
	if (!have_fds && ld_proc_fds(c->pid, &c->fds, &c->nfds))
		ld_dbg("pid %d: cannot list open files", c->pid);
	ld_proc_env_read(c->pid, c->fds, c->nfds, !c->opts.no_environ, &c->env);
	if (c->opts.no_environ)
		c->hdr_flags |= LD_HDR_NO_ENVIRON;
}

/* Command line, executable and surroundings: what a context dump keeps of the process. */
static void collect_identity(struct ld_capture *c)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", c->pid);
	if (ld_read_file(path, &c->cmdline, &c->cmdline_len) || !c->cmdline_len) {
		free(c->cmdline);	/* a zombie's is empty */
		c->cmdline = NULL;
		c->cmdline_len = 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", c->pid);
	n = readlink(path, c->exe, sizeof(c->exe) - 1);
	c->exe[n > 0 ? n : 0] = 0;
	collect_surroundings(c, false);
}

/* "/usr/bin/ls" from BPF's components, file first ("ls\0bin\0usr\0"). */
static void ident_exe(const struct ld_ident *id, char *buf, size_t len)
{
	const char *comp[64];
	size_t n = 0, off = 0;

	buf[0] = 0;
	for (size_t p = 0; n < id->exe_ncomp && n < 64 && p < sizeof(id->exe); n++) {
		size_t l = strnlen(id->exe + p, sizeof(id->exe) - p);

		if (p + l >= sizeof(id->exe))
			break;
		comp[n] = id->exe + p;
		p += l + 1;
	}
	if (id->flags & LD_IDF_EXE_CUT)
		off += snprintf(buf, len, "...");
	while (n-- && off < len)
		off += snprintf(buf + off, len - off, "/%s", comp[n]);
}

/*
 * What /proc did not say (the process is gone, or a zombie without its
 * exe and argv) from what BPF saved with the issue's record.
 */
static void identity_from_bpf(struct ld_capture *c)
{
	const struct ld_event_hdr *hdr = c->opts.trigger;
	const struct ld_ident *id = &c->ident;

	if (!c->opts.history || !hdr || c->opts.trigger_len < sizeof(*hdr) ||
	    ld_history__ident(c->opts.history, c->pid, hdr->ktime_ns, &c->ident))
		return;
	c->have_ident = true;
	if (!c->exe[0] && (id->flags & LD_IDF_EXE))
		ident_exe(id, c->exe, sizeof(c->exe));
	if (!c->cmdline && (id->flags & LD_IDF_ARGS) && id->args_len &&
	    id->args_len <= sizeof(id->args)) {
		c->cmdline = malloc(id->args_len);
		if (c->cmdline) {
			memcpy(c->cmdline, id->args, id->args_len);
			c->cmdline_len = id->args_len;
		}
	}
}

static void collect_files(struct ld_capture *c)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/auxv", c->pid);
	if (ld_read_file(path, &c->auxv, &c->auxv_len))
		ld_warn("pid %d: cannot read %s", c->pid, path);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", c->pid);
	ld_read_file(path, &c->cmdline, &c->cmdline_len);
	snprintf(path, sizeof(path), "/proc/%d/exe", c->pid);
	n = readlink(path, c->exe, sizeof(c->exe) - 1);
	c->exe[n > 0 ? n : 0] = 0;
	if (ld_proc_fds(c->pid, &c->fds, &c->nfds))
		ld_warn("pid %d: cannot list open files", c->pid);
	collect_surroundings(c, true);
}

/*
 * The capture's bound: once its deadline has passed, or the collector was
 * told to stop, nothing more is read from the process; what was not read
 * is left out and the dump says why.  The first call that finds it over
 * records the reason.
 */
static bool capture_cut(struct ld_capture *c)
{
	uint64_t now;

	if (c->hdr_flags & LD_HDR_CUT)
		return true;
	if (c->opts.cancel && *c->opts.cancel) {
		snprintf(c->cut, sizeof(c->cut), "the collector was told to stop (signal %d)",
			 (int)*c->opts.cancel);
	} else {
		now = clock_ns(CLOCK_MONOTONIC);
		if (now < c->deadline)
			return false;
		snprintf(c->cut, sizeof(c->cut), "the process was held for the capture's limit of %.1f s",
			 (c->deadline - c->mono_start) / 1e9);
	}
	c->hdr_flags |= LD_HDR_CUT;
	ld_warn("pid %d: capture cut short: %s", c->pid, c->cut);
	return true;
}

/* CRC of @n zero bytes, by doubling: unmapped or unread parts of a region. */
static uint32_t crc_zeros(uint64_t n)
{
	static const unsigned char zeros[64 << 10];
	uint32_t res = 0, p = crc32(0, zeros, sizeof(zeros));
	uint64_t q = n / sizeof(zeros), plen = sizeof(zeros);

	for (; q; q >>= 1) {
		if (q & 1)
			res = crc32_combine(res, p, plen);
		p = crc32_combine(p, p, plen);
		plen *= 2;
	}
	return crc32_combine(res, crc32(0, zeros, n % sizeof(zeros)), n % sizeof(zeros));
}

/* Bytes of [a, b) found unreadable while the segments were buffered. */
static uint64_t unread_in(const struct ld_capture *c, uint64_t a, uint64_t b)
{
	uint64_t n = 0;

	for (size_t i = 0; i < c->nunreadable; i++) {
		uint64_t lo = c->unreadable[i].addr, hi = lo + c->unreadable[i].len;

		lo = lo > a ? lo : a;
		hi = hi < b ? hi : b;
		n += hi > lo ? hi - lo : 0;
	}
	return n;
}

/*
 * CRC of [a, b) as the dump holds it, and how many of its bytes are the
 * process's: from the buffered segments when they hold it (the memory is
 * read once), else read from the snapshot or the (frozen) process; what lies outside its
 * mappings or cannot be read counts as zeros, as in the dump.
 */
static uint32_t crc_of_range(struct ld_capture *c, uint64_t a, uint64_t b, uint64_t *got_out)
{
	static unsigned char buf[64 << 10];
	uint32_t crc = 0;
	uint64_t got_total = 0;

	while (a < b) {
		const struct ld_map *m = ld_maps__find(&c->maps, a);
		uint64_t end = b, n;
		const struct ld_seg *seg = NULL;
		long got;

		if (!m) {
			/* A hole in the address space: zeros up to the next mapping. */
			for (size_t i = 0; i < c->maps.n; i++)
				if (c->maps.v[i].start > a) {
					end = c->maps.v[i].start < b ? c->maps.v[i].start : b;
					break;
				}
			crc = crc32_combine(crc, crc_zeros(end - a), end - a);
			a = end;
			continue;
		}
		end = m->end < b ? m->end : b;
		for (size_t i = 0; i < c->nsegs && !seg; i++)
			if (c->segs[i].data && a >= c->segs[i].vaddr &&
			    a < c->segs[i].vaddr + c->segs[i].len)
				seg = &c->segs[i];
		if (seg) {
			n = seg->vaddr + seg->len - a;
			n = n < end - a ? n : end - a;
			crc = crc32(crc, (const unsigned char *)seg->data + (a - seg->vaddr), n);
			got_total += n - unread_in(c, a, a + n);
			a += n;
			continue;
		}
		n = end - a < sizeof(buf) ? end - a : sizeof(buf);
		got = capture_cut(c) ? 0 : c->snap.pid ? ld_snapshot__read(&c->snap, a, buf, n)
						       : ld_mem_read(c->pid, a, buf, n);
		if (got < 0)
			got = 0;
		if ((uint64_t)got < n) {
			/* Zeros to the next page after the fault (to the end when cut). */
			uint64_t zero = capture_cut(c) ? end - a - got : 4096 - ((a + got) & 4095);

			zero = zero < end - a - got ? zero : end - a - got;
			crc = crc32(crc, buf, got);
			crc = crc32_combine(crc, crc_zeros(zero), zero);
			got_total += got;
			a += got + zero;
			continue;
		}
		crc = crc32(crc, buf, n);
		got_total += n;
		a += n;
	}
	*got_out = got_total;
	return crc;
}

/*
 * Region CRCs over elementary pieces: the boundaries of every region cut
 * the address space into pieces, each read once however many regions
 * overlap it; a region's CRC is its pieces' combined (crc32_combine).
 * 256 overlapping regions of 256 MiB cost one read of 256 MiB.
 */
struct piece {
	uint64_t a, b, got;
	uint32_t crc;
};

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int region_crcs(struct ld_capture *c)
{
	uint64_t *cuts = calloc(2 * c->nregions + 1, sizeof(*cuts));
	struct piece *pc = calloc(2 * c->nregions + 1, sizeof(*pc));
	size_t ncuts = 0, np = 0;

	if (!cuts || !pc) {
		free(cuts);
		free(pc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->nregions; i++) {
		const struct ld_note_region *r = &c->regions[i];

		if (r->flags & LD_REG_EXCLUDED)
			continue;
		cuts[ncuts++] = r->addr;
		cuts[ncuts++] = r->addr + r->len;
	}
	qsort(cuts, ncuts, sizeof(*cuts), cmp_u64);
	for (size_t i = 0; i + 1 < ncuts; i++) {
		bool inside = false;

		if (cuts[i] == cuts[i + 1])
			continue;
		for (size_t j = 0; j < c->nregions && !inside; j++) {
			const struct ld_note_region *r = &c->regions[j];

			inside = !(r->flags & LD_REG_EXCLUDED) && r->addr <= cuts[i] &&
				 cuts[i + 1] <= r->addr + r->len;
		}
		if (!inside)
			continue;
		pc[np].a = cuts[i];
		pc[np].b = cuts[i + 1];
		pc[np].crc = crc_of_range(c, pc[np].a, pc[np].b, &pc[np].got);
		np++;
	}
	for (size_t i = 0; i < c->nregions; i++) {
		struct ld_note_region *r = &c->regions[i];

		if (r->flags & LD_REG_EXCLUDED)
			continue;
		r->crc32 = 0;
		r->captured = 0;
		for (size_t k = 0; k < np; k++) {
			if (pc[k].a < r->addr || pc[k].b > r->addr + r->len)
				continue;
			r->crc32 = crc32_combine(r->crc32, pc[k].crc, pc[k].b - pc[k].a);
			r->captured += pc[k].got;
		}
		if (r->captured < r->len) {
			r->flags |= LD_REG_UNREADABLE;
			c->hdr_flags |= LD_HDR_UNREADABLE;
		}
	}
	free(cuts);
	free(pc);
	c->crcs_done = true;
	return 0;
}

/* Bytes of [addr, addr + len) inside the process's mappings. */
static uint64_t mapped_bytes(const struct ld_maps *maps, uint64_t addr, uint64_t len)
{
	uint64_t n = 0, end = addr + len;

	for (size_t i = 0; i < maps->n; i++) {
		uint64_t lo = maps->v[i].start > addr ? maps->v[i].start : addr;
		uint64_t hi = maps->v[i].end < end ? maps->v[i].end : end;

		n += hi > lo ? hi - lo : 0;
	}
	return n;
}

static int collect_regions(struct ld_capture *c, struct ld_memplan *plan)
{
	struct ld_symcache *own = NULL, *cache = c->opts.symcache;
	struct ld_region_info *r;
	size_t n;
	int found;

	if (!cache && !(cache = own = ld_symcache__new()))
		return -ENOMEM;
	found = ld_registry_read(c->pid, &c->maps, cache, &r, &n);
	ld_symcache__free(own);
	if (found < 0)
		return found;
	if (!found)
		c->hdr_flags |= LD_HDR_NO_REGISTRY;
	c->regions = calloc(n ? n : 1, sizeof(*c->regions));
	if (!c->regions) {
		free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct ld_note_region *nr = &c->regions[c->nregions++];

		nr->addr = r[i].addr;
		nr->len = r[i].len;
		memcpy(nr->name, r[i].name, sizeof(nr->name));
		if (c->opts.no_regions) {
			nr->flags |= LD_REG_EXCLUDED;
			continue;
		}
		/*
		 * The registry lives in the target's memory: a hostile or broken
		 * process can claim any length at any address.  Only what the
		 * client library allows, and only what is mapped, is planned.
		 */
		if (nr->len > LIVEDUMP_MAX_REGION_LEN || nr->addr + nr->len < nr->addr) {
			nr->len = nr->addr + LIVEDUMP_MAX_REGION_LEN < nr->addr ?
				  -nr->addr : LIVEDUMP_MAX_REGION_LEN;
			nr->flags |= LD_REG_CLAMPED;
		}
		if (mapped_bytes(&c->maps, nr->addr, nr->len) < nr->len)
			nr->flags |= LD_REG_CLAMPED;
		plan->prio = LD_PRIO_ESSENTIAL;
		/*
		 * coredump_filter leaves out kinds of memory (code and constants
		 * are in the files); a registered region is the application's own
		 * precise request and overrides it.  What it hid, it keeps hidden.
		 */
		plan->keep = LD_KEEP_FILTERED |
			     (c->opts.hidden == LD_HIDDEN_REGIONS ? LD_KEEP_HIDDEN : 0);
		ld_memplan__add(plan, nr->addr, nr->len);
		plan->keep = 0;
	}
	free(r);
	return 0;
}

/*
 * Whether [addr, addr + len) touches memory the process hid from dumps
 * (what coredump_filter leaves out by kind aside, as for regions).
 */
static bool in_hidden(const struct ld_capture *c, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < c->hidden.n; i++)
		if (c->hidden.v[i].why != LD_HIDDEN_FILTER && c->hidden.v[i].addr < addr + len &&
		    addr < c->hidden.v[i].addr + c->hidden.v[i].len)
			return true;
	return false;
}

/*
 * The regions in hidden memory: a region whose memory, or part of it, was
 * left out is left out as a whole (no CRC is taken over what it hid).
 */
static void mark_hidden_regions(struct ld_capture *c)
{
	for (size_t i = 0; i < c->nregions; i++) {
		struct ld_note_region *r = &c->regions[i];

		for (size_t k = 0; k < c->nhid; k++) {
			const struct ld_hidden_range *h = &c->hid[k];

			if (h->addr >= r->addr + r->len || r->addr >= h->addr + h->len)
				continue;
			r->flags |= LD_REG_HIDDEN;
			if (!(h->flags & LD_HIDR_TAKEN))
				r->flags |= LD_REG_EXCLUDED;
		}
	}
}

/*
 * A blob is the application's like a region: in memory it hid, it is left
 * out too (its bytes, read already, are wiped), unless the rule takes it.
 */
static void hide_blobs(struct ld_capture *c)
{
	for (size_t i = 0; i < c->nblobs; i++) {
		struct ld_blob_cap *b = &c->blobs[i];
		const struct ld_blob_desc *d = &c->opts.blobs[i];
		uint64_t len = d->len < LD_MAX_BLOB_LEN ? d->len : LD_MAX_BLOB_LEN;

		if (!len || !in_hidden(c, d->data, len))
			continue;
		b->n.flags |= LD_REG_HIDDEN;
		if (c->opts.hidden == LD_HIDDEN_OMIT) {
			b->n.flags |= LD_REG_EXCLUDED;
			memset(b->data, 0, b->n.len);
			b->n.len = 0;
			b->n.crc32 = 0;
		} else {
			c->hdr_flags |= LD_HDR_HIDDEN_TAKEN;
		}
	}
}

static int collect_blobs(struct ld_capture *c)
{
	pid_t pid = c->pid;
	struct ld_mem_source src = { .read = ld_mem_read_pid, .ctx = &pid };
	bool unreadable = false;
	int err;

	err = ld_blobs_read(&src, c->opts.blobs, c->opts.nblobs, &c->blobs, &c->nblobs,
			    &unreadable);
	if (unreadable)
		c->hdr_flags |= LD_HDR_UNREADABLE;
	return err;
}

/* [sp - red zone, sp + stack_max) within the stack's mapping. */
static void plan_stacks(struct ld_capture *c, struct ld_memplan *plan)
{
	uint64_t max = c->opts.stack_max ? c->opts.stack_max : LD_DEFAULT_STACK_MAX;

	for (size_t i = 0; i < c->nthreads; i++) {
		struct ld_thread_cap *t = &c->threads[i];
		const struct ld_map *m;
		uint64_t sp = t->regs.rsp, lo, hi;

		if (!t->have_regs || !(m = ld_maps__find(&c->maps, sp)))
			continue;
		lo = (sp - RED_ZONE) & ~4095ULL;
		lo = lo < m->start ? m->start : lo;
		hi = sp + max < m->end ? sp + max : m->end;
		t->stack_lo = lo;
		t->stack_hi = hi;
		plan->prio = t->trigger ? LD_PRIO_ESSENTIAL : LD_PRIO_CONTEXT;
		ld_memplan__add(plan, lo, hi - lo);
	}
	/*
	 * Each thread's struct pthread, at its thread pointer: libthread_db
	 * reads it to name the threads, and gdb warns when it cannot.
	 */
	plan->prio = LD_PRIO_CONTEXT;
	for (size_t i = 0; i < c->nthreads; i++)
		if (c->threads[i].have_regs && c->threads[i].regs.fs_base &&
		    ld_maps__find(&c->maps, c->threads[i].regs.fs_base))
			ld_memplan__add_pages(plan, c->threads[i].regs.fs_base, TCB_SIZE);
}

static void plan_full(struct ld_capture *c, struct ld_memplan *plan)
{
	plan->prio = LD_PRIO_BULK;
	for (size_t i = 0; i < c->maps.n; i++)
		ld_memplan__add(plan, c->maps.v[i].start, c->maps.v[i].end - c->maps.v[i].start);
}

static int add_unreadable(struct ld_capture *c, uint64_t addr, uint64_t len)
{
	struct ld_range *v = realloc(c->unreadable, (c->nunreadable + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	c->unreadable = v;
	v[c->nunreadable++] = (struct ld_range){ addr, len };
	return 0;
}

/*
 * The buffer of buffer_segs(): in transparent huge pages where the kernel
 * has them, so that filling it while the process is held faults in one
 * page per 2 MiB instead of one per 4 KiB (malloc'd, 1 GiB of fresh 4 KiB
 * pages took seconds here: faults and clearing).  Its length is kept in
 * the page before it, for seg_buf_free().
 */
static void *seg_buf_alloc(uint64_t total)
{
	unsigned char *p = mmap(NULL, total + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, total + 4096, MADV_HUGEPAGE);	/* a hint: fine without */
	memcpy(p, &total, sizeof(total));
	return p + 4096;
}

static void seg_buf_free(void *buf)
{
	unsigned char *p = buf;
	uint64_t total;

	if (!p)
		return;
	memcpy(&total, p - 4096, sizeof(total));
	munmap(p - 4096, total + 4096);
}

/*
 * Segments @want picks, read from the process into one buffer (*bufp):
 * mini dumps keep all of theirs so the process can run on, snapshots the
 * mappings a fork does not copy.
 */
static int buffer_segs(struct ld_capture *c, bool (*want)(const struct ld_capture *c,
							  const struct ld_seg *s),
		       void **bufp)
{
	uint64_t total = 0, off = 0;

	for (size_t i = 0; i < c->nsegs; i++)
		if (want(c, &c->segs[i]))
			total += c->segs[i].len;
	*bufp = seg_buf_alloc(total);
	if (!*bufp)
		return -ENOMEM;
	for (size_t i = 0; i < c->nsegs; i++) {
		struct ld_seg *s = &c->segs[i];
		unsigned char *dst = (unsigned char *)*bufp + off;
		uint64_t done = 0;

		if (!want(c, s))
			continue;
		while (done < s->len) {
			size_t chunk = s->len - done < (64U << 20) ? s->len - done : (64U << 20);
			long got;
			uint64_t bad, zero;

			if (capture_cut(c)) {
				/* Left out: zeros, listed unreadable, and the dump says why. */
				memset(dst + done, 0, s->len - done);
				if (add_unreadable(c, s->vaddr + done, s->len - done))
					return -ENOMEM;
				break;
			}
			got = ld_mem_read(c->pid, s->vaddr + done, dst + done, chunk);
			if (got < 0)
				got = 0;
			done += got;
			if (done == s->len)
				break;
			if ((size_t)got == chunk)
				continue;
			bad = s->vaddr + done;
			zero = 4096 - (bad & 4095);
			zero = zero < s->len - done ? zero : s->len - done;
			memset(dst + done, 0, zero);
			if (add_unreadable(c, bad, zero))
				return -ENOMEM;
			done += zero;
		}
		s->data = dst;
		off += s->len;
	}
	return 0;
}

static bool any_seg(const struct ld_capture *c, const struct ld_seg *s)
{
	(void)c;
	return !s->data;
}

static int buffer_segments(struct ld_capture *c)
{
	return buffer_segs(c, any_seg, &c->membuf);
}

static bool covered(const struct ld_capture *c, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < c->nsegs && len; i++) {
		const struct ld_seg *s = &c->segs[i];

		if (addr >= s->vaddr && addr < s->vaddr + s->len) {
			uint64_t n = s->vaddr + s->len - addr;

			n = n < len ? n : len;
			addr += n;
			len -= n;
		}
	}
	return len == 0;
}

/* A size limit left memory out: say so, and which regions lost bytes. */
static void mark_cut(struct ld_capture *c)
{
	c->hdr_flags |= LD_HDR_SIZE_LIMIT;
	for (size_t i = 0; i < c->nregions; i++) {
		struct ld_note_region *r = &c->regions[i];

		if (!(r->flags & LD_REG_EXCLUDED) && !covered(c, r->addr, r->len))
			r->flags |= LD_REG_TRUNCATED;
	}
}

_Static_assert(offsetof(struct user_regs_struct, ss) == offsetof(struct ld_regs, ss) &&
	       offsetof(struct user_regs_struct, rip) == offsetof(struct ld_regs, ip),
	       "struct ld_regs is the head of user_regs_struct");

/* See ld_capture_opts.issue_regs. */
static void fix_trampoline_regs(struct ld_capture *c)
{
	const struct ld_regs *r = c->opts.issue_regs;
	struct ld_thread_cap *t = c->nthreads ? &c->threads[0] : NULL;
	const struct ld_map *m;

	if (!r || !t || !t->trigger || !t->have_regs ||
	    !(m = ld_maps__find(&c->maps, t->regs.rip)) || strcmp(m->path, "[uprobes]"))
		return;
	/* struct ld_regs is pt_regs, the head of user_regs_struct. */
	memcpy(&t->regs, r, sizeof(*r));
}

static bool wants_snapshot(const struct ld_capture *c)
{
	switch (c->opts.snapshot) {
	case LD_SNAPSHOT_ON:
		return c->opts.type != LD_CAPTURE_CONTEXT;
	case LD_SNAPSHOT_OFF:
		return false;
	default:
		return c->opts.type == LD_CAPTURE_FULL ||
		       (c->opts.type == LD_CAPTURE_MINI && c->big_regions);
	}
}

/*
 * Registered regions this large make a mini dump take a snapshot (with
 * snapshot= not given): copying 1 GiB out of the held process into fresh
 * memory takes seconds here (every destination page is faulted in and
 * cleared), a fork of it about 10 ms.
 */
#define LD_SNAP_REGIONS_MIN	(64ULL << 20)

static bool regions_are_big(const struct ld_capture *c)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < c->nregions; i++)
		if (!(c->regions[i].flags & LD_REG_EXCLUDED))
			bytes += c->regions[i].len;
	return bytes >= LD_SNAP_REGIONS_MIN;
}

static int environ_overlay(struct ld_capture *c);

/*
 * smaps, read once for two readers: what the process hid from dumps
 * (hidden.h) and what a snapshot must read from the original (snapshot.h).
 * It walks every page table (tens of ms per GiB touched), so the capture reads
 * it before the process is held and again, held, only when the mappings'
 * bounds changed meanwhile: a madvise() that changes a whole mapping's
 * flags in that millisecond goes unseen (docs/security.md).
 */
static int read_smaps(struct ld_capture *c)
{
	char path[64], *buf;
	size_t len;
	int err;

	ld_hidden__free(&c->hidden);
	free(c->nofork);
	c->nofork = NULL;
	c->nnofork = 0;
	c->smaps_layout = c->nofork_layout = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps", c->pid);
	err = ld_read_file(path, &buf, &len);
	if (err)
		return err;
	err = ld_hidden_parse(c->pid, buf, &c->hidden);
	if (!err)
		err = environ_overlay(c);
	if (!err)
		err = ld_snapshot__nofork_parse(buf, &c->nofork, &c->nnofork, &c->smaps_layout);
	free(buf);
	if (err) {
		c->smaps_layout = 0;
		return err;
	}
	/* take_snapshot() reads them again only if the layout changes. */
	c->nofork_layout = c->smaps_layout;
	return 0;
}

static int collect(struct ld_capture *c)
{
	struct ld_mem_source target = { .read = ld_mem_read_pid, .ctx = &c->pid };
	struct ld_memplan plan = { 0 };
	bool cut = false;
	int err;

	err = collect_threads(c);
	if (!err)
		err = ld_proc_maps(c->pid, &c->maps);
	if (err)
		return err;
	fix_trampoline_regs(c);
	collect_files(c);
	/* Without it analysis still works from NT_FILE, only less surely elsewhere. */
	if (ld_modules_collect(c->pid, &c->maps, &c->modules, &c->nmodules))
		ld_warn("pid %d: out of memory listing its modules", c->pid);
	/*
	 * smaps was read before the hold, and is read again now only if a
	 * mapping was made or moved since.  A mini dump of a process BPF
	 * stopped (not read before) reads it once the process runs again:
	 * smaps walks every page table, ~35 ms per GiB, too long a pause for
	 * a few stacks.  hide_late() leaves out then what it hid, and what
	 * changed meanwhile.
	 */
	c->hide_late = !c->smaps_layout && c->opts.type == LD_CAPTURE_MINI && !wants_snapshot(c);
	if (!c->hide_late &&
	    (!c->smaps_layout || c->smaps_layout != ld_snapshot__layout(&c->maps))) {
		if (c->smaps_layout)
			ld_dbg("pid %d: its mappings changed: reading its smaps while it is held",
			       c->pid);
		err = read_smaps(c);
	}
	if (err == -ENOENT || err == -ESRCH)
		return -ESRCH;
	if (err) {
		ld_err("pid %d: cannot read /proc/%d/smaps: %s: what it hid from dumps is unknown, "
		       "so nothing of its memory is taken", c->pid, c->pid, strerror(-err));
		return err;
	}
	err = collect_regions(c, &plan);
	if (!err)
		err = collect_blobs(c);
	if (err)
		goto out;
	if (c->opts.type == LD_CAPTURE_MINI && c->opts.snapshot == LD_SNAPSHOT_AUTO &&
	    regions_are_big(c)) {
		c->big_regions = true;
		/* A snapshot needs smaps now: what a fork does not copy (snapshot.h). */
		if (c->hide_late) {
			c->hide_late = false;
			err = read_smaps(c);
			if (err)
				goto out;
		}
	}
	if (!c->hide_late)
		hide_blobs(c);
	/*
	 * Stacks and debugger metadata are planned for full dumps too: their
	 * priority decides what survives a size limit.
	 */
	plan_stacks(c, &plan);
	ld_memplan__debug_meta(&plan, &target, &c->maps, c->auxv, c->auxv_len);
	if (c->opts.type == LD_CAPTURE_FULL)
		plan_full(c, &plan);
	/* Before the size limit: what the process hid never competes for room. */
	if (!c->hide_late) {
		err = ld_memplan__hide(&plan, &c->hidden, c->opts.hidden == LD_HIDDEN_ALL,
				       &c->hid, &c->nhid);
		if (err)
			goto out;
		mark_hidden_regions(c);
		for (size_t i = 0; i < c->nhid; i++)
			if (c->hid[i].flags & LD_HIDR_TAKEN)
				c->hdr_flags |= LD_HDR_HIDDEN_TAKEN;
	}
	err = ld_memplan__segments_max(&plan, &c->maps, c->opts.max_memory, &c->segs, &c->nsegs,
				       &cut);
	if (!err && cut)
		mark_cut(c);
	/* A mini dump from a snapshot reads its memory after the resume. */
	if (!err && c->opts.type != LD_CAPTURE_FULL && !wants_snapshot(c))
		err = buffer_segments(c);
	/* From a snapshot: once the process runs again (ld_capture__write). */
	if (!err && !wants_snapshot(c))
		err = region_crcs(c);
	if (!err && c->hide_late) {
		c->late_plan = plan;
		return 0;
	}
out:
	ld_memplan__free(&plan);
	return err;
}

/* The parts of @s inside the segments @old (whose bytes are buffered), appended to *v. */
static int keep_buffered(const struct ld_seg *s, const struct ld_seg *old, size_t nold,
			 struct ld_seg **v, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < nold; i++) {
		uint64_t lo = s->vaddr > old[i].vaddr ? s->vaddr : old[i].vaddr;
		uint64_t a = s->vaddr + s->len, b = old[i].vaddr + old[i].len, hi = a < b ? a : b;

		if (lo >= hi)
			continue;
		if (*n == *cap) {
			struct ld_seg *w = realloc(*v, (*cap = *cap ? *cap * 2 : 32) * sizeof(**v));

			if (!w)
				return -ENOMEM;
			*v = w;
		}
		(*v)[(*n)++] = (struct ld_seg){ .vaddr = lo, .len = hi - lo, .prot = old[i].prot,
						.prio = old[i].prio,
						.data = (const char *)old[i].data + (lo - old[i].vaddr) };
	}
	return 0;
}

/* The bounds of the mappings smaps lists, in its (address) order. */
static int smaps_bounds(const char *smaps, struct ld_range **out, size_t *n)
{
	struct ld_range *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (const char *p = smaps; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long a, b;
		char perms[8];

		if (sscanf(p, "%llx-%llx %7s ", &a, &b, perms) != 3)
			continue;
		if (*n == cap) {
			struct ld_range *w = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!w) {
				free(v);
				return -ENOMEM;
			}
			v = w;
		}
		v[(*n)++] = (struct ld_range){ a, b - a };
	}
	*out = v;
	return 0;
}

/* Whether smaps still has the mapping @m, with the same bounds. */
static bool same_mapping(const struct ld_range *v, size_t n, const struct ld_map *m)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].addr < m->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].addr == m->start && v[lo].addr + v[lo].len == m->end;
}

/* @h with the mapping @m hidden as changed, whatever it said of its range before. */
/* [start, end) joins the hidden ranges (for @why), in address order, over what was there. */
static int hidden_overlay_range(struct ld_hidden *h, uint64_t start, uint64_t end, uint32_t why)
{
	struct ld_map span = { .start = start, .end = end };
	struct ld_map *m = &span;
	struct ld_hide *v = malloc((h->n * 2 + 1) * sizeof(*v));
	size_t n = 0;
	bool placed = false;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i <= h->n; i++) {
		const struct ld_hide *e = i < h->n ? &h->v[i] : NULL;

		if (!placed && (!e || e->addr + e->len > m->start)) {
			/* What of e lies before the mapping, then the mapping. */
			if (e && e->addr < m->start) {
				v[n] = *e;
				v[n++].len = m->start - e->addr;
			}
			v[n++] = (struct ld_hide){ m->start, m->end - m->start, why, 0xff };
			placed = true;
		}
		if (!e)
			break;
		if (e->addr + e->len <= m->start || e->addr >= m->end) {
			if (e->addr >= m->end || !placed)
				v[n++] = *e;
			continue;
		}
		/* What of e lies after the mapping. */
		if (e->addr + e->len > m->end)
			v[n++] = (struct ld_hide){ m->end, e->addr + e->len - m->end, e->why, e->kind };
	}
	free(h->v);
	h->v = v;
	h->n = n;
	return 0;
}

static int hidden_overlay(struct ld_hidden *h, const struct ld_map *m)
{
	return hidden_overlay_range(h, m->start, m->end, LD_HIDDEN_CHANGED);
}

/*
 * environ=no: the environment's strings, at the top of the main thread's
 * stack ([env_start, env_end) of /proc/PID/stat, fields 50 and 51), are
 * left out of the memory as well as the LD_NT_ENVIRON note.
 */
static int environ_overlay(struct ld_capture *c)
{
	unsigned long long start = 0, end = 0;
	char path[64], *buf, *p;
	int err;

	if (!c->opts.no_environ)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", c->pid);
	err = ld_read_file(path, &buf, NULL);
	if (err)
		return err;
	/* After the comm, which may hold anything but ends at the last ')': field 3 on. */
	p = strrchr(buf, ')');
	for (int field = 2; p && *p && field < 50; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu %llu", &start, &end) != 2 || end <= start) {
		free(buf);
		ld_warn("pid %d: environ=no: /proc/%d/stat does not say where its environment is; "
			"the note is left out, its memory may not be", c->pid, c->pid);
		return 0;
	}
	free(buf);
	return hidden_overlay_range(&c->hidden, start, end, LD_HIDDEN_ENVIRON);
}

/*
 * What a mini dump of a process BPF stopped leaves out, decided from smaps
 * read once the process runs again.  A mapping the capture saw that smaps
 * no longer has as it was (unmapped, moved, replaced) might have been
 * hidden at the capture: left out too, as "mapping changed".  Memory only
 * leaves the dump here: what goes is wiped from the buffer.
 */
static int hide_late(struct ld_capture *c)
{
	struct ld_seg *segs = NULL, *fresh = NULL;
	size_t n = 0, cap = 0, nnew = 0, nbounds = 0;
	struct ld_range *bounds = NULL;
	char path[64], *buf = NULL;
	size_t len;
	int err;

	c->hide_late = false;
	snprintf(path, sizeof(path), "/proc/%d/smaps", c->pid);
	err = ld_read_file(path, &buf, &len);
	if (!err)
		err = ld_hidden_parse(c->pid, buf, &c->hidden);
	if (!err)
		err = environ_overlay(c);
	if (!err)
		err = smaps_bounds(buf, &bounds, &nbounds);
	free(buf);
	if (err) {
		ld_err("pid %d: cannot read /proc/%d/smaps: %s: what it hid from dumps is unknown, "
		       "so nothing of its memory is taken", c->pid, c->pid, strerror(-err));
		return err == -ENOENT ? -ESRCH : err;
	}
	/* Changed mappings join the hidden ones, in address order. */
	for (size_t i = 0; i < c->maps.n && !err; i++)
		if (!same_mapping(bounds, nbounds, &c->maps.v[i]))
			err = hidden_overlay(&c->hidden, &c->maps.v[i]);
	free(bounds);
	if (!err)
		err = ld_memplan__hide(&c->late_plan, &c->hidden, c->opts.hidden == LD_HIDDEN_ALL,
				       &c->hid, &c->nhid);
	if (!err)
		err = ld_memplan__segments(&c->late_plan, &c->maps, &fresh, &nnew);
	for (size_t i = 0; !err && i < nnew; i++)
		err = keep_buffered(&fresh[i], c->segs, c->nsegs, &segs, &n, &cap);
	if (!err) {
		free(fresh);
		fresh = NULL;
	}
	/* What left the dump is wiped from the buffer too. */
	for (size_t i = 0; !err && i < c->nhid; i++) {
		if (c->hid[i].flags & LD_HIDR_TAKEN)
			continue;
		for (size_t k = 0; k < c->nsegs; k++) {
			const struct ld_seg *o = &c->segs[k];
			uint64_t lo = c->hid[i].addr > o->vaddr ? c->hid[i].addr : o->vaddr;
			uint64_t a = c->hid[i].addr + c->hid[i].len, b = o->vaddr + o->len;
			uint64_t hi = a < b ? a : b;

			if (lo < hi && o->data)
				memset((char *)o->data + (lo - o->vaddr), 0, hi - lo);
		}
	}
	ld_memplan__free(&c->late_plan);
	if (err) {
		free(fresh);
		free(segs);
		return err;
	}
	free(c->segs);
	c->segs = segs;
	c->nsegs = n;
	mark_hidden_regions(c);
	for (size_t i = 0; i < c->nregions; i++)
		if ((c->regions[i].flags & (LD_REG_HIDDEN | LD_REG_EXCLUDED)) ==
		    (LD_REG_HIDDEN | LD_REG_EXCLUDED)) {
			c->regions[i].crc32 = 0;
			c->regions[i].captured = 0;
			c->regions[i].flags &= ~LD_REG_UNREADABLE;
		}
	hide_blobs(c);
	for (size_t i = 0; i < c->nhid; i++)
		if (c->hid[i].flags & LD_HIDR_TAKEN)
			c->hdr_flags |= LD_HDR_HIDDEN_TAKEN;
	return 0;
}

/*
 * A process dumping its core: its threads (names, states, syscalls), maps
 * and modules from /proc, as the kernel writes the core that holds their
 * registers and memory.  Nothing of it is stopped or ptrace'd.
 */
static int collect_crashing(struct ld_capture *c)
{
	struct ld_mem_source target = { .read = ld_mem_read_pid, .ctx = &c->pid };
	pid_t *tids = NULL;
	char path[64];
	size_t n = 0;

	if (ld_proc_tids(c->pid, &tids, &n))
		return 0;	/* gone: the core still stands */
	c->threads = calloc(n ? n : 1, sizeof(*c->threads));
	if (!c->threads) {
		free(tids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct ld_thread_cap *t = &c->threads[c->nthreads];

		if (ld_proc_task_info(c->pid, tids[i], &t->info))
			continue;	/* already gone in the exit */
		t->tid = tids[i];
		t->trigger = tids[i] == c->trigger_tid;
		t->have_regs = true;	/* in the kernel's NT_PRSTATUS */
		c->nthreads++;
	}
	free(tids);
	if (ld_proc_maps(c->pid, &c->maps))
		return 0;
	if (ld_modules_collect(c->pid, &c->maps, &c->modules, &c->nmodules))
		ld_dbg("pid %d: cannot read its modules", c->pid);
	/*
	 * What gdb needs to find the loaded objects (r_debug, the link_map
	 * chain, each object's relocated data): where it lies, read from the
	 * process, whose memory stays until its core is written.  A crash
	 * mini dump keeps the core's segments that hold it.
	 */
	snprintf(path, sizeof(path), "/proc/%d/auxv", c->pid);
	if (!ld_read_file(path, &c->auxv, &c->auxv_len))
		ld_memplan__debug_meta(&c->crash_plan, &target, &c->maps, c->auxv, c->auxv_len);
	return 0;
}

size_t ld_capture__crash_keep(const struct ld_capture *c, const struct ld_plan_range **v)
{
	*v = c->crash_plan.v;
	return c->crash_plan.err ? 0 : c->crash_plan.n;
}

/* The kernel's view: kernel stacks, namespaces, cgroup, the flight recorder. */
static int collect_kview(struct ld_capture *c)
{
	struct ld_kview_opts o = {
		.pid = c->pid, .trigger_tid = c->trigger_tid, .trigger = c->opts.trigger,
		.trigger_len = c->opts.trigger_len, .rule = c->opts.rule,
		.stopped = c->opts.type != LD_CAPTURE_CONTEXT, .history = c->opts.history,
		.ident = c->have_ident ? &c->ident : NULL,
	};
	pid_t *tids = calloc(c->nthreads + 1, sizeof(*tids));
	char *states = calloc(c->nthreads + 1, 1);
	int err = -ENOMEM;

	if (tids && states) {
		for (size_t i = 0; i < c->nthreads; i++) {
			tids[i] = c->threads[i].tid;
			states[i] = c->threads[i].info.state;
		}
		o.tids = c->nthreads ? tids : NULL;
		o.states = states;
		o.ntids = c->nthreads;
		err = ld_kview__collect(&c->kview, &o);
	}
	free(tids);
	free(states);
	return err;
}

/*
 * Whether the app trigger's request is still in the calling thread's live
 * stack as BPF saw it.  It is unless the thread ran on past its call before
 * it was held (a SIGCONT from elsewhere): then nothing may be written there.
 */
static bool req_intact(const struct ld_capture *c)
{
	const struct ld_trigger_req *want = c->opts.req;
	const struct ld_thread_cap *t = c->nthreads ? &c->threads[0] : NULL;
	struct ld_trigger_req now;

	if (!want)
		return true;	/* no copy to compare (capture -p has no request) */
	if (t && t->trigger && t->have_regs && t->regs.rsp > c->opts.req_addr)
		return false;	/* the frame holding it was popped */
	if (ld_mem_read(c->pid, c->opts.req_addr, &now, sizeof(now)) != (long)sizeof(now))
		return false;
	return now.magic == want->magic && now.version == want->version &&
	       now.size == want->size && now.code == want->code && now.param == want->param &&
	       now.blobs == want->blobs && now.nblobs == want->nblobs && now.status == 0;
}

/* Killed (a zombie now, or reaped): nothing of it can be read any more. */
static bool process_gone(pid_t pid)
{
	struct ld_task_info ti;

	return ld_proc_task_info(pid, pid, &ti) || ti.state == 'Z' || ti.state == 'X';
}

/*
 * Test hook: hold the process for a while so tests can kill us or the
 * process mid-capture; it ends early, as any capture does, at its bound.
 */
static void test_delay(struct ld_capture *c)
{
	const char *ms = getenv("LIVEDUMP_TEST_CAPTURE_DELAY_MS");
	uint64_t end;

	if (!ms || atoi(ms) <= 0)
		return;
	end = clock_ns(CLOCK_MONOTONIC) + atoi(ms) * 1000000ULL;
	while (clock_ns(CLOCK_MONOTONIC) < end && !capture_cut(c))
		usleep(10000);
}

int ld_capture__new(pid_t pid, pid_t tid, const struct ld_capture_opts *opts,
		    struct ld_capture **out)
{
	struct ld_capture *c = calloc(1, sizeof(*c));
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->pid = pid;
	c->trigger_tid = tid ? tid : pid;
	c->opts = *opts;
	c->t_start = ld_now_realtime_ns();
	c->mono_start = clock_ns(CLOCK_MONOTONIC);
	c->t_issue = opts->issue_time_ns ? opts->issue_time_ns : c->t_start;
	c->deadline = c->mono_start + (opts->max_hold_ns ? opts->max_hold_ns
							 : LD_DEFAULT_MAX_HOLD_NS);

	if (opts->type == LD_CAPTURE_CONTEXT) {
		/* The kernel's record is the dump: the process is neither stopped nor read. */
		err = ld_proc_task_info(pid, pid, &c->pinfo);
		if (!err)
			collect_identity(c);
		if (err == -ENOENT)
			err = 0;	/* gone already: the record still stands */
		/* Gone (an exit, an OOM kill): the name BPF saw at the event, not none. */
		if (!c->pinfo.name[0] && opts->comm)
			snprintf(c->pinfo.name, sizeof(c->pinfo.name), "%s", opts->comm);
		identity_from_bpf(c);
		if (!err && opts->crashing)
			err = collect_crashing(c);
	} else {
		struct ld_task_info ti;

		/*
		 * What it hid from dumps, and what a snapshot must read from the
		 * original: read before the process is held, unless BPF holds it
		 * already (then collect() reads it); failing, it is read held.
		 */
		if (!opts->frozen_by_bpf)
			read_smaps(c);
		c->mono_start = clock_ns(CLOCK_MONOTONIC);
		/* Trigger latency: BPF stopped it at the issue; is it stopped by now? */
		if (opts->frozen_by_bpf && !ld_proc_task_info(pid, c->trigger_tid, &ti) &&
		    (ti.state == 'T' || ti.state == 't'))
			c->t_seen_stopped = ld_now_realtime_ns();
		err = ld_freeze__all(&c->fz, pid, opts->stop_timeout_ms ? opts->stop_timeout_ms
									 : STOP_TIMEOUT_MS, opts->holds);
		if (!err) {
			c->t_frozen = ld_now_realtime_ns();
			c->mono_frozen = clock_ns(CLOCK_MONOTONIC);
			if (opts->frozen_by_bpf && opts->stopped_at)
				c->t_stopped = opts->stopped_at(opts->bpf_arg, pid);
			ld_proc_task_info(pid, pid, &c->pinfo);
			test_delay(c);
			err = collect(c);
			if (!err && opts->req_addr && !req_intact(c) && process_gone(pid))
				err = -ESRCH;	/* killed meanwhile: its memory is gone with it */
			else if (!err && opts->req_addr && !req_intact(c)) {
				c->req_gone = true;
				ld_warn("pid %d: thread %d ran on past its trigger before it was held: "
					"its request at 0x%llx is gone, and it gets no answer", pid,
					c->trigger_tid, (unsigned long long)opts->req_addr);
			}
			c->mono_collected = clock_ns(CLOCK_MONOTONIC);
		}
	}
	if (!err)
		err = collect_kview(c);
	if (!err && c->mono_frozen)
		ld_dbg("pid %d: held in %.3f ms, collected in %.3f ms, kernel view in %.3f ms", pid,
		       (c->mono_frozen - c->mono_start) / 1e6,
		       (c->mono_collected - c->mono_frozen) / 1e6,
		       (clock_ns(CLOCK_MONOTONIC) - c->mono_collected) / 1e6);
	if (err) {
		ld_capture__free(c);
		return err;
	}
	*out = c;
	return 0;
}

/* A segment in a mapping the snapshot does not have: read from the original. */
static bool nofork_seg(const struct ld_capture *c, const struct ld_seg *s)
{
	for (size_t i = 0; i < c->nnofork; i++)
		if (s->vaddr < c->nofork[i].addr + c->nofork[i].len &&
		    c->nofork[i].addr < s->vaddr + s->len)
			return !s->data;
	return false;
}

static bool uses_userfaultfd(const struct ld_capture *c)
{
	for (size_t i = 0; i < c->nfds; i++)
		if (c->fds[i].target && strstr(c->fds[i].target, "[userfaultfd]"))
			return true;
	return false;
}

static int take_snapshot(struct ld_capture *c)
{
	struct ld_snapshot_opts so = { .maps = &c->maps, .prefer = c->trigger_tid };
	int err;

	/*
	 * smaps was read before the freeze; a mapping made or moved since
	 * (the layout differs) makes it read again, frozen this time.
	 */
	if (!c->nofork_layout || c->nofork_layout != ld_snapshot__layout(&c->maps)) {
		ld_dbg("pid %d: reading its smaps while it is held%s", c->pid,
		       c->nofork_layout ? ": its mappings changed" : "");
		free(c->nofork);
		c->nofork = NULL;
		c->nnofork = 0;
		if (ld_snapshot__nofork_ranges(c->pid, &c->nofork, &c->nnofork, NULL))
			ld_dbg("pid %d: cannot read its smaps: MADV_DONTFORK mappings unknown",
			       c->pid);
	}
	for (size_t i = 0; i < c->nsegs; i++)
		if (nofork_seg(c, &c->segs[i]))
			c->nofork_bytes += c->segs[i].len;
	so.nofork_bytes = c->nofork_bytes;
	so.uses_uffd = uses_userfaultfd(c);
	err = ld_snapshot__take(&c->snap, &c->fz, &so);
	if (err)
		return err;
	/* What the copy lacks comes from the original, still frozen. */
	if (c->nofork_bytes) {
		err = buffer_segs(c, nofork_seg, &c->nofork_buf);
		if (err) {
			ld_snapshot__drop(&c->snap);
			c->snap.err = err;
			snprintf(c->snap.why, sizeof(c->snap.why), "out of memory for %llu bytes "
				 "of MADV_DONTFORK/WIPEONFORK memory",
				 (unsigned long long)c->nofork_bytes);
		}
	}
	return err;
}

int ld_capture__prepare(struct ld_capture *c)
{
	int err;

	if (c->snap_tried || c->resumed || !wants_snapshot(c))
		return 0;
	c->snap_tried = true;
	err = take_snapshot(c);
	if (!err) {
		c->hdr_flags |= LD_HDR_SNAPSHOT;
		ld_dbg("pid %d: snapshot %d made through thread %d in %.3f ms", c->pid,
		       c->snap.pid, c->snap.via, c->snap.ns / 1e6);
		return 0;
	}
	if (err == -ESRCH)
		return err;
	c->hdr_flags |= LD_HDR_SNAPSHOT_FALLBACK;
	ld_dbg("pid %d: no snapshot (%s): plain capture", c->pid, c->snap.why);
	/* A mini dump planned to read its memory from the snapshot. */
	if (c->opts.type != LD_CAPTURE_FULL) {
		err = buffer_segments(c);
		return err ? err : region_crcs(c);
	}
	/* A plain full dump holds the process until written: read it now. */
	return region_crcs(c);
}

bool ld_capture__needs_frozen(const struct ld_capture *c)
{
	return c->opts.type == LD_CAPTURE_FULL && !c->snap.pid;
}

bool ld_capture__snapshot(const struct ld_capture *c, const char **why)
{
	bool made = c->hdr_flags & LD_HDR_SNAPSHOT;

	if (why)
		*why = c->snap_tried && !made ? c->snap.why : NULL;
	return made;
}

void ld_capture__resume(struct ld_capture *c)
{
	if (c->resumed)
		return;
	/*
	 * The group stop BPF started ends first, while ptrace still holds the
	 * threads: were we killed from here on, the kernel's detach would let
	 * them run, so BPF (and the guard) can forget the freeze before any
	 * thread runs, and a new issue right after is frozen and tracked.
	 */
	if (c->opts.frozen_by_bpf) {
		if (kill(c->pid, SIGCONT) && errno != ESRCH)
			ld_warn("cannot resume pid %d: %s", c->pid, strerror(errno));
		if (c->opts.thawed)
			c->opts.thawed(c->opts.bpf_arg, c->pid);
	}
	/*
	 * The triggering thread waits for its answer in ld_capture__finish();
	 * threads with issues of their own still to come stay held.  A mini
	 * dump that reads smaps only now (hide_late()) keeps it held till
	 * then: a process stopped in abort() or exit() must not be gone, its
	 * mappings with it, before they are read.
	 */
	ld_freeze__handoff(&c->fz, (c->opts.req_addr && !c->finished) || c->hide_late ?
				   c->trigger_tid : 0,
			   c->opts.holds, c->opts.pending, c->opts.bpf_arg);
	c->resumed = true;
	c->t_resumed = ld_now_realtime_ns();
	c->mono_resumed = clock_ns(CLOCK_MONOTONIC);
}

void ld_capture__finish(struct ld_capture *c, int status)
{
	if (c->finished)
		return;
	if (c->opts.req_addr && !c->req_gone) {
		int32_t st = status;
		int err = ld_mem_write(c->pid, c->opts.req_addr +
				       offsetof(struct ld_trigger_req, status), &st, sizeof(st));

		if (err)
			ld_warn("pid %d: cannot tell the trigger its result: %s", c->pid,
				strerror(-err));
	}
	c->finished = true;
	ld_capture__resume(c);
	ld_freeze__handoff(&c->fz, 0, c->opts.holds, c->opts.pending, c->opts.bpf_arg);
}

bool ld_capture__trigger_gone(const struct ld_capture *c)
{
	return c->req_gone;
}

/* Where a dump's memory comes from: the process, or its snapshot. */
struct mem_reader {
	struct ld_capture *c;
	struct ld_pagemap pm;
};

static long read_target(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct ld_capture *c = ((struct mem_reader *)ctx)->c;

	/* Told to stop: the rest is left out (listed unreadable), even from a snapshot. */
	if (c->opts.cancel && *c->opts.cancel && capture_cut(c))
		return -ECANCELED;
	if (c->snap.pid)
		return ld_snapshot__read(&c->snap, addr, buf, len);
	/* A plain full dump is read while the process is held: within its bound. */
	if (!c->resumed && capture_cut(c))
		return -ETIME;
	return ld_mem_read(c->pid, addr, buf, len);
}

/* Private anonymous memory: a page that is not there reads as zeros. */
static bool anon_private(const struct ld_map *m)
{
	return !(m->perms & LD_MAP_SHARED) &&
	       (!m->path[0] || !strcmp(m->path, "[heap]") || !strcmp(m->path, "[stack]") ||
		!strncmp(m->path, "[anon:", 6));
}

static uint64_t probe_target(void *ctx, uint64_t addr, uint64_t len, bool *empty)
{
	struct mem_reader *r = ctx;
	const struct ld_map *m = ld_maps__find(&r->c->maps, addr);
	uint64_t end = addr + len, run;

	if (!m)
		return 0;
	end = end < m->end ? end : m->end;
	if (anon_private(m) && (run = ld_pagemap__run(&r->pm, addr, end, empty)))
		return run;
	*empty = false;
	return end - addr;
}

/* LD_NT_CAPTURE: how the memory was captured. */
static void add_capture_note(const struct ld_capture *c, struct ld_notes *n)
{
	struct ld_note_capture nc = {
		.size = sizeof(nc), .frozen_ns = c->t_frozen, .seen_stopped_ns = c->t_seen_stopped,
		.nofork_bytes = c->nofork_bytes, .stopped_ns = c->t_stopped,
	};

	if (c->opts.type == LD_CAPTURE_CONTEXT)
		return;
	if (c->hdr_flags & LD_HDR_CUT) {
		nc.flags |= LD_CAP_CUT;
		snprintf(nc.cut, sizeof(nc.cut), "%s", c->cut);
	}
	if (c->hdr_flags & LD_HDR_SNAPSHOT) {
		nc.flags |= LD_CAP_SNAPSHOT;
		nc.snapshot_ns = c->snap.ns;
		nc.snapshot_pid = c->snap.pid;
	} else if (c->snap_tried) {
		nc.flags |= LD_CAP_FALLBACK;
		nc.snapshot_err = -c->snap.err;
		snprintf(nc.fallback, sizeof(nc.fallback), "%s", c->snap.why);
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_CAPTURE, &nc, sizeof(nc), NULL, 0);
}

static int all_notes(const struct ld_capture *c, struct ld_notes *n)
{
	int err = ld_capture__notes(c, n);

	if (!err) {
		add_capture_note(c, n);
		err = n->err;
	}
	return err;
}

/* Test hook: hold a snapshot capture after the resume, so tests can kill us then. */
static void test_snapshot_delay(struct ld_capture *c)
{
	const char *ms = getenv("LIVEDUMP_TEST_SNAPSHOT_DELAY_MS");
	uint64_t end;

	if (!c->snap.pid || !ms || atoi(ms) <= 0)
		return;
	end = clock_ns(CLOCK_MONOTONIC) + atoi(ms) * 1000000ULL;
	while (clock_ns(CLOCK_MONOTONIC) < end && !(c->opts.cancel && *c->opts.cancel))
		usleep(10000);
}

int ld_capture__write(struct ld_capture *c, const char *dir, const char *name,
		      char **path, struct ld_write_stats *stats)
{
	struct ld_notes notes = { 0 };
	struct mem_reader reader = { .c = c };
	struct ld_mem_source src = { .ctx = &reader, .read = read_target, .probe = probe_target };
	struct ld_sink *file = NULL, *sink = NULL, *spool = NULL;
	struct ld_write_stats st = { 0 };
	char spool_name[300];
	struct ld_dump_desc d;
	uint64_t t0, t1;
	int err;

	*path = NULL;
	if (c->hide_late) {
		err = hide_late(c);
		/* Read: the triggering thread held for it goes on, unless it waits for an answer. */
		if (c->resumed && !c->opts.req_addr)
			ld_freeze__handoff(&c->fz, 0, c->opts.holds, c->opts.pending,
					   c->opts.bpf_arg);
		if (err)
			return err;
	}
	test_snapshot_delay(c);
	/* Told to stop before a byte is written: the notes say the dump is cut. */
	if (c->opts.cancel && *c->opts.cancel)
		capture_cut(c);
	if (c->opts.type == LD_CAPTURE_FULL &&
	    ld_pagemap__open(&reader.pm, c->snap.pid ? c->snap.pid : c->pid))
		ld_dbg("pid %d: no pagemap: untouched memory is read too", c->pid);
	/* Of a snapshot (the process may run), or of the held process. */
	err = c->crcs_done ? 0 : region_crcs(c);
	if (!err)
		err = all_notes(c, &notes);
	if (err)
		goto out;
	file = sink = ld_file_sink__new(dir, name);
	if (!file) {
		err = -errno;
		goto out;
	}
	if (c->opts.compress.kind) {
		sink = ld_compress_sink__new(file, &c->opts.compress, 0);
		if (!sink) {
			err = -errno;
			file->ops->abort(file);
			goto out;
		}
		if (ld_capture__needs_frozen(c)) {
			snprintf(spool_name, sizeof(spool_name), "%s.spool", name);
			spool = ld_file_sink__new(dir, spool_name);
			if (!spool) {
				err = -errno;
				sink->ops->abort(sink);
				goto out;
			}
		}
	}
	d = (struct ld_dump_desc){
		.notes = &notes, .segs = c->segs, .nsegs = c->nsegs, .src = &src,
		.unreadable = c->unreadable, .nunreadable = c->nunreadable,
	};
	t0 = clock_ns(CLOCK_MONOTONIC);
	err = ld_dump_write(&d, spool ? spool : sink, &st);
	t1 = clock_ns(CLOCK_MONOTONIC);
	/*
	 * Every byte is in the file: the copy can go, and a process held for
	 * a plain full dump need not wait for the disk.
	 */
	ld_snapshot__drop(&c->snap);
	ld_capture__resume(c);
	/*
	 * A plain full dump that is also compressed was written to a spool
	 * file at disk speed while the process was held; it is compressed
	 * from there now that the process runs again.
	 */
	if (!err && spool)
		err = ld_copy_to_sink(ld_file_sink__fd(spool), st.core_size, sink);
	if (spool)
		spool->ops->abort(spool);
	if (!err)
		err = sink->ops->commit(sink);
	if (err) {
		sink->ops->abort(sink);
		goto out;
	}
	if (c->opts.compress.kind)
		st.file_size = ld_compress_sink__out_bytes(sink);
	ld_dbg("pid %d: written in %.1f ms, %s in %.1f ms", c->pid, (t1 - t0) / 1e6,
	       c->opts.compress.kind ? "compressed and made durable" : "made durable",
	       (clock_ns(CLOCK_MONOTONIC) - t1) / 1e6);
	*path = strdup(ld_file_sink__path(file));
	sink->ops->free(sink);
	if (stats)
		*stats = st;
out:
	ld_pagemap__close(&reader.pm);
	ld_notes__free(&notes);
	return err;
}

int ld_capture__size(const struct ld_capture *c, uint64_t *size)
{
	struct ld_notes notes = { 0 };
	struct ld_dump_desc d = { .notes = &notes, .segs = c->segs, .nsegs = c->nsegs };
	int err = all_notes(c, &notes);

	if (!err)
		*size = ld_dump_size(&d);
	ld_notes__free(&notes);
	return err;
}

void ld_capture__free(struct ld_capture *c)
{
	if (!c)
		return;
	if (!c->finished)
		ld_capture__finish(c, c->opts.req_addr ? -ECANCELED : 0);
	ld_snapshot__drop(&c->snap);
	ld_freeze__free(&c->fz);
	ld_kview__free(&c->kview);
	for (size_t i = 0; i < c->nthreads; i++)
		free(c->threads[i].xstate);
	free(c->threads);
	ld_blobs__free(c->blobs, c->nblobs);
	free(c->regions);
	ld_maps__free(&c->maps);
	ld_modules__free(c->modules, c->nmodules);
	ld_fds__free(c->fds, c->nfds);
	ld_proc_env_free(&c->env);
	ld_memplan__free(&c->crash_plan);
	free(c->auxv);
	free(c->cmdline);
	free(c->segs);
	seg_buf_free(c->membuf);
	free(c->nofork);
	seg_buf_free(c->nofork_buf);
	free(c->unreadable);
	ld_hidden__free(&c->hidden);
	free(c->hid);
	ld_memplan__free(&c->late_plan);
	free(c);
}

const char *ld_capture__comm(const struct ld_capture *c)
{
	return c->pinfo.name;
}

const char *ld_capture__exe(const struct ld_capture *c)
{
	return c->exe;
}

size_t ld_capture__nthreads(const struct ld_capture *c)
{
	return c->nthreads;
}

size_t ld_capture__nregions(const struct ld_capture *c)
{
	return c->nregions;
}

uint64_t ld_capture__pause_ns(const struct ld_capture *c)
{
	return (c->resumed ? c->mono_resumed : clock_ns(CLOCK_MONOTONIC)) - c->mono_start;
}
