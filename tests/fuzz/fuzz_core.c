// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the crash path's core parser (src/dump/corefile.c), which
 * turns the core stream the kernel pipes to core_pattern into a dump: ELF
 * and program headers, the kernel's notes (stack pointers, pid, command,
 * NT_FILE), the client registry found in the core's memory, the segments
 * a mini dump keeps.  The kernel writes the headers, the process the
 * memory.  Each input is one stream, as mini and as full dump (by its
 * size's parity), written to a private directory in /dev/shm (one per
 * input, which must be empty again after it: nothing left behind); the dump
 * it writes is opened and walked when the reader takes it (the kernel's
 * notes are copied as they came: a forged stream may make a dump the
 * reader rightly refuses).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include "fuzz.h"
#include "detectors/fields.h"
#include "dump/corefile.h"
#include "dump/dump_reader.h"
#include "kabi/records.h"

static const char *base;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	base = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	return 0;
}

static void open_result(const char *path)
{
	struct ld_fields *f = malloc(sizeof(*f));
	unsigned char buf[4096];
	struct ld_dump *d;
	char err[512];

	if (!f)
		abort();
	if (!ld_dump__open(path, &d, err, sizeof(err))) {
		for (size_t i = 0; i < ld_dump__nregions(d); i++)
			(void)ld_dump__verify_region(d, i, NULL);
		for (size_t i = 0; i < ld_dump__nsegments(d); i++)
			(void)ld_dump__read_mem(d, ld_dump__segment(d, i)->vaddr, buf, sizeof(buf));
		(void)ld_dump__decode(d, f);
		ld_dump__free(d);
	}
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_crash_dump cd = {
		.type = size & 1 ? LD_CAPTURE_FULL : LD_CAPTURE_MINI, .rule = "fuzz",
		.detector = LD_DET_SIGNAL, .code = 11, .params = { 1, 0x1000, 0, 1 },
		.issue_time_ns = 1, .issue_text = "fuzz=1\n", .max_core = 1 << 20,
	};
	struct ld_write_stats stats;
	char *path = NULL, dir[64];
	int fd, err;

	/* A directory per input: libFuzzer ends without running destructors. */
	snprintf(dir, sizeof(dir), "%s/livedump-fuzz-core.XXXXXX", base);
	fd = open(fuzz_file(data, size), O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !mkdtemp(dir))
		abort();
	err = ld_core_to_dump(fd, &cd, dir, "fuzz.core", &path, &stats);
	close(fd);
	FUZZ_CHECK(err || path, "no error and no dump");
	FUZZ_CHECK(!err || !path, "an error (%d) and a dump %s", err, path);
	if (path) {
		open_result(path);
		unlink(path);
		free(path);
	}
	FUZZ_CHECK(!rmdir(dir), "%s: %s (a file left behind?)", dir, strerror(errno));
	return 0;
}
