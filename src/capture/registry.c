// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "livedump/abi.h"
#include "base/log.h"
#include "capture/registry.h"
#include "capture/targetmem.h"

uint64_t ld_sym_runtime(const struct ld_map *m, const struct ld_elf_sym *sym)
{
	return m->start - sym->base + sym->value;
}

static int append_slots(const struct ld_registry *r, struct ld_region_info **v, size_t *n)
{
	for (unsigned i = 0; i < r->nslots; i++) {
		const struct ld_region_slot *s = &r->slots[i];
		struct ld_region_info *w;

		if (s->state != LD_SLOT_VALID)
			continue;	/* free, or caught mid-update */
		w = realloc(*v, (*n + 1) * sizeof(**v));
		if (!w)
			return -ENOMEM;
		*v = w;
		w[*n].addr = s->addr;
		w[*n].len = s->len;
		memcpy(w[*n].name, s->name, sizeof(w[*n].name));
		w[*n].name[sizeof(w[*n].name) - 1] = 0;
		(*n)++;
	}
	return 0;
}

int ld_registry_read_at(const struct ld_mem_source *src, pid_t pid, uint64_t addr,
			const char *obj, struct ld_region_info **v, size_t *n)
{
	struct ld_registry *r = malloc(sizeof(*r));
	long got;
	int err = -EPROTO;

	if (!r)
		return -ENOMEM;
	got = src->read(src->ctx, addr, r, sizeof(*r));
	if (got > (long)sizeof(*r))
		got = sizeof(*r);	/* a source that claims more than it was asked for */
	if (got < (long)offsetof(struct ld_registry, slots)) {
		ld_warn("pid %d: registry in %s at 0x%llx is unreadable", pid, obj,
			(unsigned long long)addr);
	} else if (r->magic != LD_REGISTRY_MAGIC) {
		ld_warn("pid %d: registry in %s has a bad magic 0x%llx", pid, obj,
			(unsigned long long)r->magic);
	} else if (r->version != LD_REGISTRY_VERSION ||
		   r->slot_size != sizeof(struct ld_region_slot) ||
		   r->nslots > LD_REGISTRY_SLOTS) {
		ld_warn("pid %d: registry in %s has version %u, %u slots of %u bytes; this collector reads version %d",
			pid, obj, r->version, r->nslots, r->slot_size, LD_REGISTRY_VERSION);
	} else {
		if ((size_t)got < offsetof(struct ld_registry, slots) + r->nslots * sizeof(r->slots[0]))
			r->nslots = (got - offsetof(struct ld_registry, slots)) / sizeof(r->slots[0]);
		err = append_slots(r, v, n);
	}
	free(r);
	return err;
}

int ld_registry_read(pid_t pid, const struct ld_maps *maps, struct ld_symcache *cache,
		     struct ld_region_info **regions, size_t *n)
{
	struct ld_mem_source src = { .read = ld_mem_read_pid, .ctx = &pid };
	int found = 0;

	*regions = NULL;
	*n = 0;
	for (size_t i = 0; i < maps->n; i++) {
		const struct ld_map *m = &maps->v[i];
		struct ld_elf_sym sym;
		char path[96];
		bool seen = false;

		if (!ld_map__is_file(m) || m->offset != 0)
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= maps->v[j].offset == 0 && maps->v[j].ino == m->ino &&
				maps->v[j].dev == m->dev;
		if (seen)
			continue;
		/* map_files reaches the very file mapped, even in another mount namespace. */
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
			 (unsigned long long)m->start, (unsigned long long)m->end);
		if (ld_symcache__find(cache, path, m->dev, m->ino, LD_REGISTRY_SYMBOL, &sym))
			continue;
		if (!ld_registry_read_at(&src, pid, ld_sym_runtime(m, &sym), m->path, regions, n))
			found++;
	}
	return found;
}
