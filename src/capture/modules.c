// SPDX-License-Identifier: MIT
/*
 * Mapped ELF objects and their build-ids.  libelf parses the files: it
 * validates program headers and note alignment, which hand-written code
 * would have to redo for files we do not control.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dump/dumpfmt.h"
#include "capture/modules.h"

/* --- one ELF file ----------------------------------------------------------- */

/* Looks for NT_GNU_BUILD_ID among the notes of one chunk of the file. */
static bool build_id_in(Elf_Data *data, struct ld_elf_ident *id)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;

		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 || memcmp(name, "GNU", 4) ||
		    !nh.n_descsz)
			continue;
		id->build_id_len = nh.n_descsz < LD_BUILD_ID_MAX ? nh.n_descsz : LD_BUILD_ID_MAX;
		memcpy(id->build_id, (const char *)data->d_buf + desc_off, id->build_id_len);
		return true;
	}
	return false;
}

/* Program headers first (what the loader sees), sections for odd files. */
static void find_build_id(Elf *elf, size_t phnum, struct ld_elf_ident *id)
{
	Elf_Scn *scn = NULL;

	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (build_id_in(elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR),
				id))
			return;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE &&
		    build_id_in(elf_getdata(scn, NULL), id))
			return;
	}
}

int ld_elf_ident_fd(int fd, struct ld_elf_ident *id)
{
	bool have_load = false;
	size_t phnum;
	Elf *elf;

	memset(id, 0, sizeof(*id));
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &phnum)) {
		elf_end(elf);
		return -ENOEXEC;
	}
	for (size_t i = 0; i < phnum && !have_load; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD) {
			id->first_load_vaddr = ph.p_vaddr;
			id->first_load_offset = ph.p_offset;
			have_load = true;
		}
	}
	if (have_load)
		find_build_id(elf, phnum, id);
	elf_end(elf);
	return have_load ? 0 : -ENOEXEC;
}

int ld_elf_ident_path(const char *path, struct ld_elf_ident *id)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = ld_elf_ident_fd(fd, id);
	close(fd);
	return err;
}

/* --- the cache ---------------------------------------------------------------- */

/*
 * What each file said, by device and inode.  The collector dumps one
 * process at a time from one thread, so a plain array does; it is emptied
 * when full rather than grown without bound.
 */
#define CACHE_MAX	1024

struct cached_ident {
	uint64_t dev, ino;
	int err;		/* 0, -ENOEXEC (not ELF) or why it could not be read */
	struct ld_elf_ident id;
};

static struct cached_ident cache[CACHE_MAX];
static size_t ncache;

static const struct cached_ident *cache_find(uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < ncache; i++)
		if (cache[i].dev == dev && cache[i].ino == ino)
			return &cache[i];
	return NULL;
}

/* The mapped file itself when we may, else the path in the process's root. */
static int read_ident(pid_t pid, const struct ld_map *m, struct ld_elf_ident *id)
{
	char path[4200];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	err = ld_elf_ident_path(path, id);
	if (err == -ENOEXEC)
		return err;
	if (err) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
		err = ld_elf_ident_path(path, id);
	}
	return err;
}

static const struct cached_ident *ident_of(pid_t pid, const struct ld_map *m)
{
	const struct cached_ident *c = cache_find(m->dev, m->ino);
	struct cached_ident *e;

	if (c)
		return c;
	if (ncache == CACHE_MAX)
		ncache = 0;
	e = &cache[ncache];
	e->dev = m->dev;
	e->ino = m->ino;
	e->err = read_ident(pid, m, &e->id);
	/* A transient failure is not remembered: the next dump tries again. */
	if (!e->err || e->err == -ENOEXEC)
		ncache++;
	return e;
}

/* --- a process's modules --------------------------------------------------- */

/* The object a mapping belongs to: the last one of the same file before it. */
static struct ld_module *owner(struct ld_module *mods, size_t n, const struct ld_map *m,
			       const struct ld_maps *maps)
{
	for (size_t i = n; i-- > 0; ) {
		const struct ld_map *first = ld_maps__find(maps, mods[i].start);

		if (first && first->dev == m->dev && first->ino == m->ino)
			return &mods[i];
	}
	return NULL;
}

static int add_module(struct ld_module **mods, size_t *n, size_t *cap, const struct ld_map *m,
		      const struct cached_ident *c)
{
	struct ld_module *mod;

	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 32;
		struct ld_module *v = realloc(*mods, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		*mods = v;
		*cap = ncap;
	}
	mod = &(*mods)[*n];
	memset(mod, 0, sizeof(*mod));
	mod->path = strdup(m->path);
	if (!mod->path)
		return -ENOMEM;
	mod->start = m->start;
	mod->end = m->end;
	if (c->err) {
		mod->flags = LD_MOD_UNREADABLE;
	} else {
		/* File offset X is at m->start + X - m->offset; p_vaddr is at p_vaddr + bias. */
		mod->bias = m->start - m->offset + c->id.first_load_offset -
			    c->id.first_load_vaddr;
		mod->build_id_len = c->id.build_id_len;
		memcpy(mod->build_id, c->id.build_id, c->id.build_id_len);
		if (!mod->build_id_len)
			mod->flags = LD_MOD_NO_BUILD_ID;
	}
	(*n)++;
	return 0;
}

int ld_modules_collect(pid_t pid, const struct ld_maps *maps, struct ld_module **mods,
		       size_t *n)
{
	size_t cap = 0;
	int err = 0;

	*mods = NULL;
	*n = 0;
	for (size_t i = 0; i < maps->n && !err; i++) {
		const struct ld_map *m = &maps->v[i];
		const struct cached_ident *c;
		struct ld_module *prev;

		if (!ld_map__is_file(m))
			continue;
		prev = owner(*mods, *n, m, maps);
		if (prev && m->offset) {
			prev->end = m->end;
			continue;
		}
		c = ident_of(pid, m);
		if (c->err == -ENOEXEC)
			continue;	/* a data file: fonts, locale archives, ... */
		err = add_module(mods, n, &cap, m, c);
	}
	if (err) {
		ld_modules__free(*mods, *n);
		*mods = NULL;
		*n = 0;
	}
	return err;
}

void ld_modules__free(struct ld_module *mods, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(mods[i].path);
	free(mods);
}

/* --- the note ------------------------------------------------------------------ */

static size_t record_size(const struct ld_module *m)
{
	return (sizeof(struct ld_note_module) + m->build_id_len + strlen(m->path) + 1 + 7) &
	       ~(size_t)7;
}

int ld_modules_encode(const struct ld_module *mods, size_t n, void **buf, size_t *len)
{
	size_t total = 0, off = 0;
	unsigned char *p;

	for (size_t i = 0; i < n; i++)
		total += record_size(&mods[i]);
	p = calloc(1, total ? total : 1);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ld_module *m = &mods[i];
		struct ld_note_module r = {
			.size = record_size(m), .flags = m->flags, .start = m->start,
			.end = m->end, .bias = m->bias, .build_id_len = m->build_id_len,
		};

		memcpy(p + off, &r, sizeof(r));
		memcpy(p + off + sizeof(r), m->build_id, m->build_id_len);
		strcpy((char *)p + off + sizeof(r) + m->build_id_len, m->path);
		off += r.size;
	}
	*buf = p;
	*len = total;
	return 0;
}

const char *ld_build_id_hex(const unsigned char *id, size_t len, char *buf, size_t size)
{
	size_t off = 0;

	if (size)
		buf[0] = 0;
	for (size_t i = 0; i < len && off + 3 <= size; i++)
		off += snprintf(buf + off, size - off, "%02x", id[i]);
	return buf;
}
