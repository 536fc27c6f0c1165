// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "log.h"
#include "outdir.h"

int ld_outdir_prepare(const char *dir)
{
	char path[4096];
	struct stat st;
	size_t len = strlen(dir);

	if (!len || len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_mode & 077)
		ld_warn("%s is accessible by others (mode %04o): dumps hold process memory; prefer a 0700 directory",
			dir, st.st_mode & 07777);
	return 0;
}

static void sanitize(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++) {
		char c = src[i];

		dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ? c : '_';
	}
	dst[i] = 0;
	if (!i)
		snprintf(dst, size, "unknown");
}

void ld_dump_name(char *buf, size_t size, uint64_t realtime_ns, const char *rule,
		  const char *comm, pid_t pid, unsigned seq)
{
	char r[64], c[32], when[32], suffix[16] = "";
	time_t secs = realtime_ns / 1000000000ULL;
	struct tm tm;

	sanitize(r, sizeof(r), rule);
	sanitize(c, sizeof(c), comm);
	localtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	if (seq)
		snprintf(suffix, sizeof(suffix), "-%u", seq);
	snprintf(buf, size, "%s.%03u-%s-%s-%d%s.core", when,
		 (unsigned)(realtime_ns / 1000000ULL % 1000), r, c, pid, suffix);
}
