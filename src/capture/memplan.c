// SPDX-License-Identifier: MIT
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include "capture/hidden.h"
#include "capture/memplan.h"
#include "capture/targetmem.h"

#define PAGE		4096ULL
#define PAGE_DOWN(x)	((x) & ~(PAGE - 1))
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define DATA_MAX	(256ULL << 10)	/* an object's data kept whole up to this */

void ld_memplan__add(struct ld_memplan *p, uint64_t addr, uint64_t len)
{
	if (!len || p->err)
		return;
	if (addr + len < addr)
		len = -addr;
	if (p->n == p->cap) {
		struct ld_plan_range *v = realloc(p->v, (p->cap = p->cap ? p->cap * 2 : 64) * sizeof(*v));

		if (!v) {
			p->err = -ENOMEM;
			return;
		}
		p->v = v;
	}
	p->v[p->n++] = (struct ld_plan_range){ addr, len, p->prio, p->keep };
}

void ld_memplan__add_pages(struct ld_memplan *p, uint64_t addr, uint64_t len)
{
	uint64_t lo = PAGE_DOWN(addr), hi = PAGE_UP(addr + len);

	if (hi > lo)
		ld_memplan__add(p, lo, hi - lo);
}

static int cmp_range(const void *a, const void *b)
{
	const struct ld_plan_range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static uint32_t map_prot(const struct ld_map *m)
{
	return (m->perms & LD_MAP_R ? PF_R : 0) | (m->perms & LD_MAP_W ? PF_W : 0) |
	       (m->perms & LD_MAP_X ? PF_X : 0);
}

int ld_memplan__segments(struct ld_memplan *p, const struct ld_maps *maps,
			 struct ld_seg **segs, size_t *nsegs)
{
	struct ld_seg *v = NULL;
	size_t n = 0, cap = 0, m = 0;

	*segs = NULL;
	*nsegs = 0;
	if (p->err)
		return p->err;
	if (p->n)	/* nothing planned: p->v is NULL, which qsort may not be given */
		qsort(p->v, p->n, sizeof(*p->v), cmp_range);
	for (size_t i = 0; i < p->n; i++) {
		uint64_t lo = p->v[i].addr, hi = lo + p->v[i].len;
		unsigned prio = p->v[i].prio;

		/* Absorb every following range that overlaps or touches this one. */
		while (i + 1 < p->n && p->v[i + 1].addr <= hi) {
			uint64_t h = p->v[i + 1].addr + p->v[i + 1].len;

			hi = h > hi ? h : hi;
			prio = p->v[i + 1].prio < prio ? p->v[i + 1].prio : prio;
			i++;
		}
		/* Cut along the mappings; unmapped or unreadable gaps are dropped. */
		while (lo < hi) {
			const struct ld_map *mp;
			uint64_t end;

			while (m < maps->n && maps->v[m].end <= lo)
				m++;
			if (m == maps->n)
				break;
			mp = &maps->v[m];
			if (mp->start >= hi)
				break;
			if (mp->start > lo)
				lo = mp->start;
			end = mp->end < hi ? mp->end : hi;
			/* [vvar*] and [vsyscall] cannot be read through process_vm_readv. */
			if ((mp->perms & LD_MAP_R) && strncmp(mp->path, "[vvar", 5) &&
			    strcmp(mp->path, "[vsyscall]")) {
				if (n == cap) {
					struct ld_seg *w = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

					if (!w) {
						free(v);
						return -ENOMEM;
					}
					v = w;
				}
				v[n++] = (struct ld_seg){ .vaddr = lo, .len = end - lo,
							  .prot = map_prot(mp), .prio = prio };
			}
			lo = end;
		}
	}
	*segs = v;
	*nsegs = n;
	return 0;
}

static int cmp_importance(const void *a, const void *b)
{
	const struct ld_plan_range *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

static uint64_t seg_total(const struct ld_seg *segs, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += segs[i].len;
	return total;
}

int ld_memplan__segments_max(struct ld_memplan *p, const struct ld_maps *maps, uint64_t max,
			     struct ld_seg **segs, size_t *nsegs, bool *cut)
{
	struct ld_memplan kept = { 0 };
	int err;

	*cut = false;
	err = ld_memplan__segments(p, maps, segs, nsegs);
	if (err || !max || seg_total(*segs, *nsegs) <= max)
		return err;
	free(*segs);
	*cut = true;
	/*
	 * Most important first, small before large within a priority: a range
	 * is kept when the merged whole still fits.  Ranges are few (mappings,
	 * stacks, a page per loaded object), so re-merging each time is cheap.
	 */
	qsort(p->v, p->n, sizeof(*p->v), cmp_importance);
	for (size_t i = 0; i < p->n && !err; i++) {
		struct ld_memplan trial = { 0 };

		/* ld_memplan__segments() sorts what it is given: try on a copy. */
		for (size_t k = 0; k < kept.n; k++)
			ld_memplan__add(&trial, kept.v[k].addr, kept.v[k].len);
		ld_memplan__add(&trial, p->v[i].addr, p->v[i].len);
		err = ld_memplan__segments(&trial, maps, segs, nsegs);
		if (!err && seg_total(*segs, *nsegs) <= max) {
			kept.prio = p->v[i].prio;
			ld_memplan__add(&kept, p->v[i].addr, p->v[i].len);
		}
		free(*segs);
		*segs = NULL;
		ld_memplan__free(&trial);
	}
	if (!err)
		err = ld_memplan__segments(&kept, maps, segs, nsegs);
	ld_memplan__free(&kept);
	return err;
}

/* --- hidden memory ------------------------------------------------------------ */

struct ivals {
	struct ld_range *v;
	size_t n, cap;
	int err;
};

static void ivals_add(struct ivals *s, uint64_t addr, uint64_t len)
{
	if (!len || s->err)
		return;
	if (s->n == s->cap) {
		struct ld_range *v = realloc(s->v, (s->cap = s->cap ? s->cap * 2 : 32) * sizeof(*v));

		if (!v) {
			s->err = -ENOMEM;
			return;
		}
		s->v = v;
	}
	s->v[s->n++] = (struct ld_range){ addr, len };
}

static int cmp_ival(const void *a, const void *b)
{
	const struct ld_range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sorted and merged in place. */
static void ivals_merge(struct ivals *s)
{
	size_t k = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_ival);
	for (size_t i = 0; i < s->n; i++) {
		struct ld_range *last = k ? &s->v[k - 1] : NULL;

		if (last && s->v[i].addr <= last->addr + last->len) {
			uint64_t end = s->v[i].addr + s->v[i].len;

			if (end > last->addr + last->len)
				last->len = end - last->addr;
		} else {
			s->v[k++] = s->v[i];
		}
	}
	s->n = k;
}

/* The plan's ranges with any of the keep flags @mask (0: all of them), merged. */
static void plan_union(const struct ld_memplan *p, unsigned mask, struct ivals *s)
{
	for (size_t i = 0; i < p->n; i++)
		if (!mask || (p->v[i].keep & mask))
			ivals_add(s, p->v[i].addr, p->v[i].len);
	ivals_merge(s);
}

struct hid_out {
	struct ld_hidden_range *v;
	size_t n, cap;
	int err;
};

static void out_add(struct hid_out *o, uint64_t addr, uint64_t len, const struct ld_hide *h,
		    uint32_t flags)
{
	struct ld_hidden_range *last = o->n ? &o->v[o->n - 1] : NULL;

	if (!len || o->err)
		return;
	if (last && last->addr + last->len == addr && last->why == h->why &&
	    last->kind == h->kind && last->flags == flags) {
		last->len += len;
		return;
	}
	if (o->n == o->cap) {
		struct ld_hidden_range *v = realloc(o->v, (o->cap = o->cap ? o->cap * 2 : 16) *
						    sizeof(*v));

		if (!v) {
			o->err = -ENOMEM;
			return;
		}
		o->v = v;
	}
	o->v[o->n++] = (struct ld_hidden_range){ .addr = addr, .len = len, .why = h->why,
						 .kind = h->kind, .flags = flags };
}

/* The index of the first interval of @s that ends after @addr. */
static size_t first_after(const struct ld_range *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].addr + v[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* [lo, hi) cut by @s: fn(ctx, a, b, inside) for each piece, in order. */
static void cut_by(const struct ivals *s, uint64_t lo, uint64_t hi,
		   void (*fn)(void *ctx, uint64_t a, uint64_t b, bool inside), void *ctx)
{
	for (size_t i = first_after(s->v, s->n, lo); i < s->n && lo < hi; i++) {
		uint64_t a = s->v[i].addr, b = a + s->v[i].len;

		if (a >= hi)
			break;
		if (a > lo)
			fn(ctx, lo, a, false);
		a = a > lo ? a : lo;
		b = b < hi ? b : hi;
		fn(ctx, a, b, true);
		lo = b;
	}
	if (lo < hi)
		fn(ctx, lo, hi, false);
}

struct listing {
	struct hid_out *o;
	const struct ld_hide *h;
	const struct ivals *all;	/* ranges that take any hidden memory */
};

static void list_piece(void *ctx, uint64_t a, uint64_t b, bool inside)
{
	struct listing *l = ctx;

	out_add(l->o, a, b - a, l->h, inside ? LD_HIDR_TAKEN : 0);
}

/* Pieces outside the LD_KEEP_FILTERED ranges are hidden from this capture. */
static void list_unfiltered(void *ctx, uint64_t a, uint64_t b, bool inside)
{
	struct listing *l = ctx;

	if (!inside)
		cut_by(l->all, a, b, list_piece, l);
}

/* Range @r without the hidden memory it does not keep, appended to @dst. */
static void subtract(struct ld_memplan *dst, const struct ld_plan_range *r,
		     const struct ld_hidden *h)
{
	uint64_t lo = r->addr, hi = r->addr + r->len;
	size_t i = 0, top = h->n;

	dst->prio = r->prio;
	dst->keep = r->keep;
	/* The first hidden range that ends after lo (they are sorted and apart). */
	while (i < top) {
		size_t mid = i + (top - i) / 2;

		if (h->v[mid].addr + h->v[mid].len <= lo)
			i = mid + 1;
		else
			top = mid;
	}
	for (; !(r->keep & LD_KEEP_HIDDEN) && i < h->n && lo < hi; i++) {
		uint64_t hlo = h->v[i].addr, hhi = hlo + h->v[i].len;

		if (hlo >= hi)
			break;
		if ((r->keep & LD_KEEP_FILTERED) && h->v[i].why == LD_HIDDEN_FILTER)
			continue;
		if (hlo > lo)
			ld_memplan__add(dst, lo, hlo - lo);
		lo = hhi;
	}
	if (lo < hi)
		ld_memplan__add(dst, lo, hi - lo);
}

int ld_memplan__hide(struct ld_memplan *p, const struct ld_hidden *h, bool take_all,
		     struct ld_hidden_range **out, size_t *nout)
{
	struct ivals want = { 0 }, all = { 0 }, filtered = { 0 };
	struct ld_memplan left = { 0 };
	struct hid_out o = { 0 };
	int err;

	*out = NULL;
	*nout = 0;
	if (p->err)
		return p->err;
	plan_union(p, 0, &want);
	if (take_all)
		plan_union(p, 0, &all);
	else
		plan_union(p, LD_KEEP_HIDDEN, &all);
	plan_union(p, LD_KEEP_FILTERED | LD_KEEP_HIDDEN, &filtered);
	err = want.err ? want.err : all.err ? all.err : filtered.err;
	/* What the plan wanted of each hidden range: the taken parts and the rest. */
	for (size_t i = 0; !err && i < h->n; i++) {
		uint64_t hlo = h->v[i].addr, hhi = hlo + h->v[i].len;
		struct listing l = { &o, &h->v[i], &all };

		for (size_t k = first_after(want.v, want.n, hlo); k < want.n && want.v[k].addr < hhi; k++) {
			uint64_t lo = want.v[k].addr > hlo ? want.v[k].addr : hlo;
			uint64_t e = want.v[k].addr + want.v[k].len, hi = e < hhi ? e : hhi;

			if (h->v[i].why == LD_HIDDEN_FILTER)
				cut_by(&filtered, lo, hi, list_unfiltered, &l);
			else
				cut_by(&all, lo, hi, list_piece, &l);
		}
		err = o.err;
	}
	if (!err && !take_all) {
		for (size_t i = 0; i < p->n; i++)
			subtract(&left, &p->v[i], h);
		err = left.err;
		if (!err) {
			left.prio = p->prio;
			left.keep = p->keep;
			ld_memplan__free(p);
			*p = left;
		} else {
			ld_memplan__free(&left);
		}
	}
	free(want.v);
	free(all.v);
	free(filtered.v);
	if (err) {
		free(o.v);
		return err;
	}
	*out = o.v;
	*nout = o.n;
	return 0;
}

void ld_memplan__free(struct ld_memplan *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static uint64_t auxv_get(const void *auxv, size_t len, uint64_t type)
{
	const Elf64_auxv_t *a = auxv;

	for (size_t i = 0; i < len / sizeof(*a) && a[i].a_type != AT_NULL; i++)
		if (a[i].a_type == type)
			return a[i].a_un.a_val;
	return 0;
}

/* The executable's dynamic section, from its program headers in memory. */
static uint64_t exe_dynamic(const struct ld_mem_source *src, const void *auxv, size_t auxv_len,
			    uint64_t *dynsz)
{
	uint64_t phdr = auxv_get(auxv, auxv_len, AT_PHDR);
	uint64_t phnum = auxv_get(auxv, auxv_len, AT_PHNUM), bias = 0, dyn = 0;
	Elf64_Phdr ph[64];

	if (!phdr || !phnum || phnum > 64)
		return 0;
	if (src->read(src->ctx, phdr, ph, phnum * sizeof(ph[0])) != (long)(phnum * sizeof(ph[0])))
		return 0;
	for (uint64_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			bias = phdr - ph[i].p_vaddr;
	for (uint64_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC) {
			dyn = ph[i].p_vaddr + bias;
			*dynsz = ph[i].p_memsz;
		}
	return dyn;
}

static void walk_link_map(struct ld_memplan *p, const struct ld_mem_source *src, uint64_t rdebug)
{
	struct r_debug rd;
	uint64_t lm;

	if (src->read(src->ctx, rdebug, &rd, sizeof(rd)) != sizeof(rd))
		return;
	ld_memplan__add_pages(p, rdebug, sizeof(rd));
	lm = (uintptr_t)rd.r_map;
	/* Bounded: a corrupted chain must not keep us busy. */
	for (int i = 0; lm && i < 4096; i++) {
		struct link_map l;
		char name[4096];

		if (src->read(src->ctx, lm, &l, sizeof(l)) != sizeof(l))
			break;
		ld_memplan__add_pages(p, lm, sizeof(l));
		if (l.l_name && !ld_mem_read_str_src(src, (uintptr_t)l.l_name, name, sizeof(name)))
			ld_memplan__add_pages(p, (uintptr_t)l.l_name, strlen(name) + 1);
		if (l.l_ld)
			ld_memplan__add_pages(p, (uintptr_t)l.l_ld, sizeof(Elf64_Dyn) * 64);
		lm = (uintptr_t)l.l_next;
	}
}

void ld_memplan__debug_meta(struct ld_memplan *p, const struct ld_mem_source *src,
			    const struct ld_maps *maps, const void *auxv, size_t auxv_len)
{
	uint64_t dynsz = 0, dyn = exe_dynamic(src, auxv, auxv_len, &dynsz);
	unsigned prio = p->prio;

	p->prio = LD_PRIO_CONTEXT;

	for (size_t i = 0; i < maps->n; i++) {
		const struct ld_map *m = &maps->v[i];

		if (!strcmp(m->path, "[vdso]"))
			ld_memplan__add(p, m->start, m->end - m->start);
		else if (ld_map__is_file(m) && m->offset == 0)
			ld_memplan__add(p, m->start, PAGE);	/* ELF header, phdrs, build-id */
		/*
		 * An object's relocated data: its writable mapping and the RELRO
		 * one before it.  The file has them unrelocated, and libthread_db
		 * follows libc's GOT to ld.so's thread lists: read from the file,
		 * gdb warns that it cannot find the threads.
		 */
		if (ld_map__is_file(m) && (m->perms & LD_MAP_W) && m->end - m->start <= DATA_MAX) {
			const struct ld_map *r = i ? &maps->v[i - 1] : NULL;

			ld_memplan__add(p, m->start, m->end - m->start);
			if (r && r->end == m->start && r->ino == m->ino && r->dev == m->dev &&
			    !(r->perms & (LD_MAP_W | LD_MAP_X)) && r->end - r->start <= DATA_MAX)
				ld_memplan__add(p, r->start, r->end - r->start);
		}
	}
	if (dyn && dynsz < (1 << 20)) {
		uint64_t rdebug = 0;
		Elf64_Dyn d;

		ld_memplan__add_pages(p, dyn, dynsz);
		for (uint64_t off = 0; off + sizeof(d) <= dynsz; off += sizeof(d)) {
			if (src->read(src->ctx, dyn + off, &d, sizeof(d)) != sizeof(d) ||
			    d.d_tag == DT_NULL)
				break;
			/*
			 * The dynamic linker fills the last DT_DEBUG: one walk, of
			 * that one.  A forged section of 65536 of them would have
			 * had us walk 4096 links each, and plan as many ranges.
			 */
			if (d.d_tag == DT_DEBUG && d.d_un.d_ptr)
				rdebug = d.d_un.d_ptr;
		}
		if (rdebug)
			walk_link_map(p, src, rdebug);
	}
	p->prio = prio;
}
