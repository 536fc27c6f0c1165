// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/elfsym.h"
#include "analysis/libresolve.h"
#include "livedump/abi.h"

#define CLIENT_SONAME_PREFIX "liblivedump.so"

struct dyninfo {
	char *needed[64];
	size_t nneeded;
	char *rpath, *runpath;
};

static void dyninfo_free(struct dyninfo *d)
{
	for (size_t i = 0; i < d->nneeded; i++)
		free(d->needed[i]);
	free(d->rpath);
	free(d->runpath);
}

static int read_dynamic(const char *path, struct dyninfo *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	Elf *elf;

	memset(d, 0, sizeof(*d));
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -ENOEXEC;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(data, i, &dyn))
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
				continue;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED && d->nneeded < 64)
				d->needed[d->nneeded++] = strdup(s);
			else if (dyn.d_tag == DT_RPATH && !d->rpath)
				d->rpath = strdup(s);
			else if (dyn.d_tag == DT_RUNPATH && !d->runpath)
				d->runpath = strdup(s);
		}
	}
	elf_end(elf);
	close(fd);
	return 0;
}

/* Looks for @lib in a colon-separated list; $ORIGIN is the exe's directory. */
static char *search(const char *list, const char *origin, const char *lib)
{
	char *copy, *dir, *save = NULL, *found = NULL;

	if (!list || !(copy = strdup(list)))
		return NULL;
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char path[4096];
		const char *rest = NULL;

		if (!strncmp(dir, "$ORIGIN", 7))
			rest = dir + 7;
		else if (!strncmp(dir, "${ORIGIN}", 9))
			rest = dir + 9;
		if (rest)
			snprintf(path, sizeof(path), "%s%s/%s", origin, rest, lib);
		else
			snprintf(path, sizeof(path), "%s/%s", *dir ? dir : ".", lib);
		if (!access(path, R_OK))
			found = realpath(path, NULL);
	}
	free(copy);
	return found;
}

static char *resolve(const struct dyninfo *d, const char *origin, const char *lib)
{
	static const char sysdirs[] = LD_LIBDIR ":/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:"
				      "/lib64:/usr/lib64:/lib:/usr/lib:/usr/local/lib";
	char *p = NULL;

	if (strchr(lib, '/'))
		return realpath(lib, NULL);
	if (!d->runpath)
		p = search(d->rpath, origin, lib);
	if (!p)
		p = search(getenv("LD_LIBRARY_PATH"), origin, lib);
	if (!p)
		p = search(d->runpath, origin, lib);
	if (!p)
		p = search(sysdirs, origin, lib);
	return p;
}

int ld_client_objects(const char *exe, char **paths, size_t max)
{
	struct ld_elf_sym sym;
	struct dyninfo d;
	char *exe_real = realpath(exe, NULL), *origin;
	size_t n = 0;
	int err;

	if (!exe_real)
		return -errno;
	if (!ld_elf_find_symbol(exe_real, LD_FIRE_SYMBOL, &sym) && n < max)
		paths[n++] = strdup(exe_real);
	err = read_dynamic(exe_real, &d);
	if (err) {
		free(exe_real);
		for (size_t i = 0; i < n; i++)
			free(paths[i]);
		return err;
	}
	origin = dirname(exe_real);
	for (size_t i = 0; i < d.nneeded && n < max; i++) {
		char *p;

		if (!d.needed[i] || strncmp(d.needed[i], CLIENT_SONAME_PREFIX,
					    strlen(CLIENT_SONAME_PREFIX)))
			continue;
		p = resolve(&d, origin, d.needed[i]);
		if (p)
			paths[n++] = p;
	}
	dyninfo_free(&d);
	free(exe_real);
	return n;
}

char *ld_find_library(const char *name)
{
	struct dyninfo d = { 0 };

	return resolve(&d, ".", name);
}

const char *ld_installed_library(void)
{
	static const char path[] = LD_LIBDIR "/liblivedump.so.1";

	return access(path, R_OK) ? NULL : path;
}
