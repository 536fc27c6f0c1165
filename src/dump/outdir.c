// SPDX-License-Identifier: MIT
/* The output directory: its creation, the checks that make it safe to write in, dump names. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "base/log.h"
#include "dump/outdir.h"

/* "uid 1000 (alice)": a number alone makes the reader look it up. */
static void describe_uid(char *buf, size_t size, uid_t uid)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (!getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) && res)
		snprintf(buf, size, "uid %u (%s)", (unsigned)uid, res->pw_name);
	else
		snprintf(buf, size, "uid %u", (unsigned)uid);
}

static void describe_gid(char *buf, size_t size, gid_t gid)
{
	struct group gr, *res = NULL;
	char tmp[1024];

	if (!getgrgid_r(gid, &gr, tmp, sizeof(tmp), &res) && res)
		snprintf(buf, size, "gid %u (%s)", (unsigned)gid, res->gr_name);
	else
		snprintf(buf, size, "gid %u", (unsigned)gid);
}

/*
 * The policy of docs/safety.md, "The files livedump writes": whoever else
 * can write into the directory (or owns it, and so can chmod it) can
 * rename, replace and read the dumps and plant names for the collector
 * to trip on.  Like logrotate, refuse rather than guess; a directory that
 * others can only read gets a warning (the dumps themselves are 0600).
 */
static int check_dir(const char *dir, const struct stat *st)
{
	char who[300], us[300], grp[300];

	if (!S_ISDIR(st->st_mode)) {
		ld_err("refusing output directory %s: not a directory", dir);
		return -ENOTDIR;
	}
	if (st->st_uid != geteuid()) {
		describe_uid(who, sizeof(who), st->st_uid);
		describe_uid(us, sizeof(us), geteuid());
		ld_err("refusing output directory %s: owned by %s, not by %s who writes the dumps "
		       "(mode %04o): its owner could read or replace them; chown it or choose another",
		       dir, who, us, st->st_mode & 07777);
		return -EPERM;
	}
	if (st->st_mode & S_IWOTH) {
		ld_err("refusing output directory %s: writable by everyone (mode %04o%s, owner %u): "
		       "anyone could plant or read files there; use a 0700 directory (chmod 0700 %s)",
		       dir, st->st_mode & 07777, st->st_mode & S_ISVTX ? ", sticky" : "",
		       (unsigned)st->st_uid, dir);
		return -EPERM;
	}
	if ((st->st_mode & S_IWGRP) && st->st_gid != getegid()) {
		describe_gid(grp, sizeof(grp), st->st_gid);
		ld_err("refusing output directory %s: writable by group %s (mode %04o): its members "
		       "could plant or read files there; use a 0700 directory (chmod 0700 %s)",
		       dir, grp, st->st_mode & 07777, dir);
		return -EPERM;
	}
	return 0;
}

int ld_outdir_open(const char *dir)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;

	if (fd < 0) {
		char target[4096];
		ssize_t n;

		err = -errno;
		/* O_NOFOLLOW on a symlink: ELOOP (ENOTDIR on some kernels for O_DIRECTORY). */
		if ((err == -ELOOP || err == -ENOTDIR) && !lstat(dir, &st) && S_ISLNK(st.st_mode)) {
			n = readlink(dir, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = 0;
			ld_err("refusing output directory %s: it is a symlink (to %s), which whoever "
			       "can change it could point anywhere; give the directory itself",
			       dir, n > 0 ? target : "?");
			return -ELOOP;
		}
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = check_dir(dir, &st);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int ld_outdir_prepare(const char *dir)
{
	char path[4096];
	struct stat st;
	size_t len = strlen(dir);
	int fd;

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
	fd = ld_outdir_open(dir);
	if (fd < 0)
		return fd;
	if (!fstat(fd, &st) && (st.st_mode & 077))
		ld_warn("%s is accessible by others (mode %04o): dumps hold process memory; prefer a 0700 directory",
			dir, st.st_mode & 07777);
	close(fd);
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
