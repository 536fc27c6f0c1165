// SPDX-License-Identifier: MIT
/*
 * The output directory: its creation, the checks that make it safe to write
 * in, dump names, and the temporary files of dumps being written (or left
 * by a writer killed meanwhile).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

/* --- temporary files -------------------------------------------------------- */

/*
 * A file nobody holds the lock of may still be in its writer's first
 * instant: created, not yet locked, nothing written.  Empty and younger
 * than this, it is left alone.  Files of older versions (no lock at all)
 * are stale only once nothing was written to them for this long.
 */
#define TMP_GRACE_NS	(60 * 1000000000ULL)

int ld_tmp_name(char *buf, size_t size, const char *name, pid_t writer)
{
	int n = snprintf(buf, size, ".%s.%d.tmp", name, (int)writer);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* ".NAME[.PID].tmp" with NAME a dump's or a spool file's name: *writer gets PID (0: none). */
static bool parse_tmp_name(const char *name, pid_t *writer)
{
	size_t len = strlen(name), digits = 0;
	const char *s = name + 1;

	*writer = 0;
	if (name[0] != '.' || !ends_with(name, len, ".tmp"))
		return false;
	len -= 1 + 4;
	while (digits < len && s[len - 1 - digits] >= '0' && s[len - 1 - digits] <= '9')
		digits++;
	if (digits && digits < 10 && digits < len && s[len - 1 - digits] == '.') {
		*writer = atoi(s + len - digits);
		len -= digits + 1;
	}
	return ends_with(s, len, ".core") || ends_with(s, len, ".core.spool");
}

static uint64_t timespec_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

/* Whether @fd (locked by us, or not lockable: !locked) is a file nobody writes any more. */
static bool is_stale(const struct ld_tmpfile *t, const struct stat *st, bool locked)
{
	bool old = t->age_ns > TMP_GRACE_NS;

	if (!t->writer)
		return old;
	if (locked)
		return st->st_size > 0 || old;
	/* No flock() here (some FUSE filesystems): the writer's pid, where we can see it. */
	return old && kill(t->writer, 0) && errno == ESRCH;
}

/* Unlinks @name if it still is the file @st describes, with one link. */
static int remove_tmp(int dirfd, const char *name, const struct stat *st)
{
	struct stat now;

	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (now.st_dev != st->st_dev || now.st_ino != st->st_ino || now.st_nlink != 1)
		return -ESTALE;
	return unlinkat(dirfd, name, 0) ? -errno : 1;
}

int ld_tmp_scan(int dirfd, bool remove, void (*fn)(void *ctx, const struct ld_tmpfile *t),
		void *ctx, uint64_t *kept)
{
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct timespec now;
	struct dirent *de;
	DIR *d;

	if (kept)
		*kept = 0;
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	while ((de = readdir(d))) {
		struct ld_tmpfile t = { .name = de->d_name };
		bool locked = false;
		struct stat st;
		int fd;

		if (!parse_tmp_name(de->d_name, &t.writer))
			continue;
		/* O_NONBLOCK: a FIFO planted there must not hang us (and is not ours anyway). */
		fd = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
			    O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
			close(fd);
			continue;
		}
		if (!flock(fd, LOCK_EX | LOCK_NB))
			locked = true;
		else if (errno == EWOULDBLOCK)
			goto report;	/* its writer is at it */
		t.age_ns = timespec_ns(&now) > timespec_ns(&st.st_mtim) ?
			   timespec_ns(&now) - timespec_ns(&st.st_mtim) : 0;
		t.stale = is_stale(&t, &st, locked);
		if (t.stale && remove)
			t.removed = remove_tmp(dirfd, de->d_name, &st);
report:
		t.bytes = st.st_blocks * 512ULL;
		if (kept && t.removed != 1)
			*kept += t.bytes;
		if (fn)
			fn(ctx, &t);
		close(fd);	/* and with it our lock */
	}
	closedir(d);
	return 0;
}

bool ld_is_dump_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ends_with(name, n, ".core") && n > 5;
}

/* Bytes on disk of the regular files in @dirfd's subdirectory @sub (and, with @depth, below). */
static uint64_t tree_bytes(int dirfd, const char *sub, int depth)
{
	int dfd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	uint64_t total = 0;
	DIR *d;

	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISREG(st.st_mode))
			total += st.st_blocks * 512ULL;
		else if (S_ISDIR(st.st_mode) && depth > 0)
			total += tree_bytes(dfd, de->d_name, depth - 1);
	}
	closedir(d);
	return total;
}

uint64_t ld_outdir_dumps_bytes(int dirfd)
{
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	/* The upload spool's files (fleet/spool.h) count as well. */
	uint64_t total = tree_bytes(dirfd, LD_OUTDIR_SPOOL, 1);
	DIR *d;

	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (ld_is_dump_name(de->d_name) &&
		    !fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))
			total += st.st_blocks * 512ULL;
	}
	closedir(d);
	return total;
}
