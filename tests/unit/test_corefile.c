// SPDX-License-Identifier: MIT
/*
 * The crash path's notes (dump/corefile.c): a real kernel core of a child
 * that dies of SIGSEGV, turned into a dump as the core_pattern handler
 * does, keeps every note of the kernel's in its order but NT_X86_XSTATE,
 * which has gdb's layout: XCR0 and the size agree (dump/xstate.h); gdb
 * reads the dump without a warning.  Needs core_pattern to write a plain
 * file in the crashing process's directory (the test never changes it):
 * skipped otherwise.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "dump/corefile.h"
#include "dump/xstate.h"

struct note {
	uint32_t type;
	const unsigned char *desc;
	uint32_t size;
};

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc(n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, n, f), n);
	fclose(f);
	*len = n;
	return b;
}

/* The notes of the core or dump in @b, in file order; CORE and LINUX owners only. */
static size_t notes_of(const unsigned char *b, size_t len, struct note *v, size_t max)
{
	const Elf64_Ehdr *eh = (const void *)b;
	const Elf64_Phdr *ph = (const void *)(b + eh->e_phoff);
	size_t n = 0;

	assert_true(len > sizeof(*eh) && !memcmp(eh->e_ident, ELFMAG, SELFMAG));
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		size_t off = ph[i].p_offset, end = off + ph[i].p_filesz;

		if (ph[i].p_type != PT_NOTE)
			continue;
		assert_true(end <= len);
		while (off + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = (const void *)(b + off);
			const char *name = (const char *)(nh + 1);
			size_t nsz = (nh->n_namesz + 3) & ~3UL, dsz = (nh->n_descsz + 3) & ~3UL;

			if ((!strcmp(name, "CORE") || !strcmp(name, "LINUX")) && n < max)
				v[n++] = (struct note){ nh->n_type,
							b + off + sizeof(*nh) + nsz, nh->n_descsz };
			off += sizeof(*nh) + nsz + dsz;
		}
	}
	return n;
}

/* A kernel core of a child of ours in @dir, or skip. */
static void make_core(const char *dir, char *core, size_t size)
{
	char pattern[256] = "";
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
	struct dirent *de;
	int status;
	pid_t pid;
	DIR *d;

	if (f) {
		if (!fgets(pattern, sizeof(pattern), f))
			pattern[0] = 0;
		fclose(f);
	}
	pattern[strcspn(pattern, "\n")] = 0;
	if (!pattern[0] || strchr(pattern, '|') || strchr(pattern, '/')) {
		print_message("core_pattern '%s' writes no core beside the process\n", pattern);
		skip();
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chdir(dir) || setrlimit(RLIMIT_CORE, &unlimited))
			_exit(2);
		prctl(PR_SET_DUMPABLE, 1);
		signal(SIGSEGV, SIG_DFL);	/* cmocka's handler would catch it */
		raise(SIGSEGV);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || !WCOREDUMP(status)) {
		print_message("the kernel wrote no core (status 0x%x)\n", status);
		skip();
	}
	d = opendir(dir);
	assert_non_null(d);
	core[0] = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			snprintf(core, size, "%s/%s", dir, de->d_name);
	closedir(d);
	assert_true(core[0]);
}

static void test_crash_xstate(void **state)
{
	char tmp[] = "/tmp/livedump-corefile-XXXXXX", cdir[PATH_MAX], core[PATH_MAX + 300];
	char exe[PATH_MAX], cmd[3 * PATH_MAX], line[1024], *path = NULL;
	struct ld_crash_dump cd = { .type = LD_CAPTURE_MINI, .rule = "t", .code = SIGSEGV };
	struct note kn[64], dn[64];
	struct ld_write_stats st;
	unsigned char *kb, *db;
	size_t klen, dlen, nk, nd, ix = 0;
	ssize_t n;
	FILE *gdb;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(cdir, sizeof(cdir), "%s/core", tmp);
	assert_int_equal(mkdir(cdir, 0700), 0);
	make_core(cdir, core, sizeof(core));

	fd = open(core, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(ld_core_to_dump(fd, &cd, tmp, "crash.core", &path, &st), 0);
	close(fd);
	kb = slurp(core, &klen);
	db = slurp(path, &dlen);
	nk = notes_of(kb, klen, kn, 64);
	nd = notes_of(db, dlen, dn, 64);

	/* The kernel's notes, in its order; only the XSAVE ones changed. */
	assert_int_equal(nk, nd);
	for (size_t i = 0; i < nk; i++) {
		assert_int_equal(kn[i].type, dn[i].type);
		if (kn[i].type != NT_X86_XSTATE) {
			assert_int_equal(kn[i].size, dn[i].size);
			assert_memory_equal(kn[i].desc, dn[i].desc, kn[i].size);
			continue;
		}
		uint64_t xcr0;

		ix++;
		memcpy(&xcr0, dn[i].desc + 464, 8);
		assert_int_equal(dn[i].size, ld_xstate_core_size(xcr0));
		assert_int_equal(xcr0 & ~0x2ffULL, 0);	/* only what gdb reads */
		assert_memory_equal(kn[i].desc, dn[i].desc, 464);	/* x87, SSE */
	}
	assert_int_not_equal(ix, 0);

	/* gdb reads it without a word of warning. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = 0;
	snprintf(cmd, sizeof(cmd), "gdb -nx -batch -ex 'info registers' -ex 'p $xmm0' '%s' '%s' 2>&1",
		 exe, path);
	if (access("/usr/bin/gdb", X_OK) == 0) {
		bool regs = false;

		gdb = popen(cmd, "r");
		assert_non_null(gdb);
		while (fgets(line, sizeof(line), gdb)) {
			if (!strncasecmp(line, "warning", 7))
				fail_msg("gdb: %s", line);
			regs |= !strncmp(line, "rip ", 4);
		}
		assert_int_equal(pclose(gdb), 0);
		assert_true(regs);
	}
	unlink(core);
	unlink(path);
	rmdir(cdir);
	rmdir(tmp);
	free(kb);
	free(db);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_xstate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
