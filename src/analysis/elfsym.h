/* SPDX-License-Identifier: MIT */
/* Symbol lookup in ELF files (libelf), cached per file and symbol. */
#ifndef LIVEDUMP_ELFSYM_H
#define LIVEDUMP_ELFSYM_H

#include <stdint.h>

struct ld_elf_sym {
	uint64_t value;		/* st_value: link-time address */
	uint64_t base;		/* link-time address mapped at file offset 0 */
};

/*
 * Looks @name up in .symtab, then .dynsym.  0, -ENOENT when the file has
 * no such defined symbol, -ENOEXEC when it is not an ELF file, -errno.
 */
int ld_elf_find_symbol(const char *path, const char *name, struct ld_elf_sym *sym);

struct ld_symcache;
struct ld_symcache *ld_symcache__new(void);
void ld_symcache__free(struct ld_symcache *c);
/* Cached ld_elf_find_symbol(); the file is identified by dev/ino. */
int ld_symcache__find(struct ld_symcache *c, const char *path, uint64_t dev,
		      uint64_t ino, const char *name, struct ld_elf_sym *sym);

#endif
