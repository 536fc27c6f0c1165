// SPDX-License-Identifier: MIT
/* scope=exe:NAME[,NAME...]: every process running one of the executables named. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "group/group_priv.h"

static bool exe_matches(const char *exe, const char (*exes)[64], unsigned nexes)
{
	const char *base = strrchr(exe, '/');

	base = base ? base + 1 : exe;
	for (unsigned i = 0; i < nexes; i++)
		if (strchr(exes[i], '/') ? !strcmp(exe, exes[i]) : !strcmp(base, exes[i]))
			return true;
	return false;
}

static int add_exes(struct ld_group *g, const char (*exes)[64], unsigned nexes, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		char path[64], exe[PATH_MAX];
		ssize_t len;

		if (!ld_group_is_pid_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", atoi(de->d_name));
		len = readlink(path, exe, sizeof(exe) - 1);
		if (len <= 0)
			continue;
		exe[len] = 0;
		/* A replaced binary reads "PATH (deleted)": still the one named. */
		if (len > 10 && !strcmp(exe + len - 10, " (deleted)"))
			exe[len - 10] = 0;
		if (exe_matches(exe, exes, nexes))
			err = ld_group_add_member(g, atoi(de->d_name), max);
	}
	closedir(d);
	return err;
}

static int find_exes(struct ld_group *g, pid_t pid, const char (*exes)[64], unsigned nexes,
		     size_t max, char *err, size_t errlen)
{
	int e = add_exes(g, exes, nexes, max);

	(void)pid;
	if (e)
		snprintf(err, errlen, "cannot list the processes: %s", strerror(-e));
	return e;
}

const struct ld_scope_ops ld_scope_exe = { .name = "exe", .names = true, .find = find_exes };
