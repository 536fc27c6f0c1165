/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets share (docs/testing.md, "Fuzzing"): each
 * tests/fuzz/fuzz_NAME.c is one libFuzzer target, built with clang's
 * -fsanitize=fuzzer,address,undefined against the project's own folders.
 */
#ifndef LIVEDUMP_FUZZ_H
#define LIVEDUMP_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "base/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A bug the target checks for itself (not a crash): say what, then abort for libFuzzer. */
#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz: %s:%d: check '%s' failed: ",	\
				__FILE__, __LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/* Warnings about bad input are the point, not news: only errors are shown. */
static inline void fuzz_quiet(void)
{
	ld_log_level = getenv("LIVEDUMP_FUZZ_VERBOSE") ? LD_LOG_DEBUG : LD_LOG_ERROR;
}

/*
 * The input as a file, for parsers that take a path: one memory file per
 * process, rewritten for each input.  Returns its path ("/proc/self/fd/N").
 */
static inline const char *fuzz_file(const void *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("livedump-fuzz", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz: memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz: cannot write the input file");
		abort();
	}
	return path;
}

/* A NUL-terminated copy of the input (free it). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/*
 * Forged target memory for the parsers of a process's memory: the input is
 * chunks, each a little-endian u64 address, a u32 length and that many
 * bytes (the last chunk takes what is left).  Reads behave like
 * process_vm_readv on such an address space: the bytes from addr on,
 * across chunks that touch, up to the first byte no chunk holds.
 */
struct fuzz_chunk {
	uint64_t addr;
	const uint8_t *data;
	size_t len;
};

struct fuzz_mem {
	struct fuzz_chunk v[64];
	size_t n;
};

static inline uint64_t fuzz_get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void fuzz_mem_parse(struct fuzz_mem *m, const uint8_t *data, size_t size)
{
	size_t off = 0;

	m->n = 0;
	while (m->n < 64 && size - off >= 12) {
		struct fuzz_chunk *c = &m->v[m->n++];
		uint64_t len = fuzz_get(data + off + 8, 4);

		c->addr = fuzz_get(data + off, 8);
		off += 12;
		c->len = len < size - off ? len : size - off;
		c->data = data + off;
		off += c->len;
	}
}

static inline long fuzz_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct fuzz_mem *m = ctx;
	size_t done = 0;

	while (done < len) {
		const struct fuzz_chunk *c = NULL;
		uint64_t a = addr + done, off;
		size_t n;

		if (a < addr)
			break;	/* the end of the address space */
		for (size_t i = 0; i < m->n && !c; i++)
			if (a >= m->v[i].addr && a - m->v[i].addr < m->v[i].len)
				c = &m->v[i];
		if (!c)
			break;
		off = a - c->addr;
		n = c->len - off < len - done ? c->len - off : len - done;
		memcpy((char *)buf + done, c->data + off, n);
		done += n;
	}
	return done ? (long)done : -EFAULT;
}

#endif
