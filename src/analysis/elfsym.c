// SPDX-License-Identifier: MIT
/*
 * libelf does the ELF parsing: it validates section and symbol tables for
 * us, and its symbol iteration is what every other tool in this space uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/elfsym.h"

static int find_in(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *name,
		   uint64_t *value)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; data && i < n; i++) {
		GElf_Sym s;
		const char *sname;

		if (!gelf_getsym(data, i, &s) || s.st_shndx == SHN_UNDEF)
			continue;
		sname = elf_strptr(elf, sh->sh_link, s.st_name);
		if (sname && !strcmp(sname, name)) {
			*value = s.st_value;
			return 0;
		}
	}
	return -ENOENT;
}

static int first_load_base(Elf *elf, uint64_t *base)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum))
		return -ENOEXEC;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD) {
			*base = (ph.p_vaddr - ph.p_offset) & ~(uint64_t)4095;
			return 0;
		}
	}
	return -ENOEXEC;
}

int ld_elf_find_symbol(const char *path, const char *name, struct ld_elf_sym *sym)
{
	static const unsigned types[] = { SHT_SYMTAB, SHT_DYNSYM };
	int fd, err = -ENOENT;
	Elf *elf;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	for (unsigned t = 0; t < 2 && err == -ENOENT; t++) {
		Elf_Scn *scn = NULL;

		while (err == -ENOENT && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) && sh.sh_type == types[t])
				err = find_in(elf, scn, &sh, name, &sym->value);
		}
	}
	if (!err)
		err = first_load_base(elf, &sym->base);
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

struct cache_entry {
	uint64_t dev, ino;
	char *name;
	int err;
	struct ld_elf_sym sym;
};

struct ld_symcache {
	struct cache_entry *v;
	size_t n, cap;
};

struct ld_symcache *ld_symcache__new(void)
{
	return calloc(1, sizeof(struct ld_symcache));
}

void ld_symcache__free(struct ld_symcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	free(c);
}

int ld_symcache__find(struct ld_symcache *c, const char *path, uint64_t dev,
		      uint64_t ino, const char *name, struct ld_elf_sym *sym)
{
	struct cache_entry *e;
	int err;

	for (size_t i = 0; i < c->n; i++) {
		e = &c->v[i];
		if (e->dev == dev && e->ino == ino && !strcmp(e->name, name)) {
			*sym = e->sym;
			return e->err;
		}
	}
	err = ld_elf_find_symbol(path, name, sym);
	/* Files we could not open may be readable later: do not cache that. */
	if (err && err != -ENOENT && err != -ENOEXEC)
		return err;
	if (c->n == c->cap) {
		struct cache_entry *v = realloc(c->v, (c->cap = c->cap ? c->cap * 2 : 32) * sizeof(*v));

		if (!v)
			return err;
		c->v = v;
	}
	e = &c->v[c->n];
	e->name = strdup(name);
	if (!e->name)
		return err;
	e->dev = dev;
	e->ino = ino;
	e->err = err;
	e->sym = *sym;
	c->n++;
	return err;
}
