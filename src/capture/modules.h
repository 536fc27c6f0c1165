/* SPDX-License-Identifier: MIT */
/*
 * The ELF objects a process maps — where, at which load bias, and the GNU
 * build-id of each, read from the files themselves with libelf — and the
 * LD_NT_MODULES note that carries them, so that a dump analysed on another
 * machine finds the same binaries and their debug info by build-id.
 */
#ifndef LIVEDUMP_MODULES_H
#define LIVEDUMP_MODULES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "capture/proc.h"

#define LD_BUILD_ID_MAX		64	/* longer ids (--build-id=0x...) are cut */

struct ld_module {
	uint64_t start, end;	/* [lowest mapping, end of the highest) */
	uint64_t bias;		/* run-time minus link-time address */
	uint32_t flags;		/* LD_MOD_* (dumpfmt.h) */
	uint32_t build_id_len;
	unsigned char build_id[LD_BUILD_ID_MAX];
	char *path;
};

/* What an ELF file says about itself: enough for the bias and the identity. */
struct ld_elf_ident {
	uint64_t first_load_vaddr;	/* p_vaddr of the first PT_LOAD */
	uint64_t first_load_offset;	/* its p_offset */
	uint32_t build_id_len;		/* 0: no NT_GNU_BUILD_ID note */
	unsigned char build_id[LD_BUILD_ID_MAX];
};

/*
 * Reads the first PT_LOAD and the GNU build-id note of the ELF file open
 * on fd.  0, -ENOEXEC when it is not an ELF object with a PT_LOAD.
 */
int ld_elf_ident_fd(int fd, struct ld_elf_ident *id);
int ld_elf_ident_path(const char *path, struct ld_elf_ident *id);

/*
 * The ELF objects among the file mappings of pid (maps in address order):
 * a mapping at file offset 0 starts an object, later mappings of the same
 * file extend it.  Files are read through /proc/PID/map_files (the very
 * inode mapped, even when deleted or replaced on disk), else
 * /proc/PID/root/PATH.  Mapped files that are not ELF objects are left
 * out; an unreadable one is kept with LD_MOD_UNREADABLE.  What a file says
 * is cached by device and inode for the life of the program, so repeated
 * dumps do not read the same libraries again while the process waits.
 * 0 or -ENOMEM; *mods is malloc'ed (free with ld_modules__free).
 */
int ld_modules_collect(pid_t pid, const struct ld_maps *maps, struct ld_module **mods,
		       size_t *n);
void ld_modules__free(struct ld_module *mods, size_t n);

/*
 * The LD_NT_MODULES descriptor without its struct ld_note_table header:
 * the variable-size records.  *buf is malloc'ed.  0 or -ENOMEM.
 */
int ld_modules_encode(const struct ld_module *mods, size_t n, void **buf, size_t *len);

/* Lowercase hex of a build-id into buf ("" for none); returns buf. */
const char *ld_build_id_hex(const unsigned char *id, size_t len, char *buf, size_t size);

#endif /* LIVEDUMP_MODULES_H */
