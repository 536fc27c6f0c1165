/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing another process's memory (process_vm_readv).
 *
 * The parsers of target memory (the registry, blobs, the link_map chain)
 * read through a struct ld_mem_source (dump/dump_writer.h) rather than a
 * pid: the capture gives them the process (ld_mem_read_pid), their fuzzers
 * forged bytes (tests/fuzz/).  A hostile process controls every byte they
 * read.
 */
#ifndef LIVEDUMP_TARGETMEM_H
#define LIVEDUMP_TARGETMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "dump/dump_writer.h"

/*
 * Bytes readable contiguously from @addr (fewer than @len: the next byte is
 * on an unreadable page), or a negative errno when none is.
 */
long ld_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
/* Reads a NUL-terminated string of at most @size-1 bytes; 0 or -errno. */
int ld_mem_read_str(pid_t pid, uint64_t addr, char *buf, size_t size);
int ld_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len);

/* ld_mem_read as a source's read: @ctx points to the pid_t. */
long ld_mem_read_pid(void *ctx, uint64_t addr, void *buf, size_t len);
/* ld_mem_read_str through any source. */
int ld_mem_read_str_src(const struct ld_mem_source *src, uint64_t addr, char *buf, size_t size);

#endif
