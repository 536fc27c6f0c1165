// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "collector/crash.h"
#include "base/log.h"
#include "capture/proc.h"

#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
#define CORE_PIPE_LIMIT	"/proc/sys/kernel/core_pipe_limit"

struct ld_crash {
	int lfd;
	int lock;		/* flock'ed for our lifetime: we hold core_pattern */
};

static int read_pattern(char *buf, size_t size)
{
	char *s;
	size_t len;
	int err = ld_read_file(CORE_PATTERN, &s, &len);

	if (err)
		return err;
	s[strcspn(s, "\n")] = 0;
	snprintf(buf, size, "%s", s);
	free(s);
	return 0;
}

/* Our files in LD_RUN_DIR: new contents, never through a link. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static bool is_ours(const char *pattern)
{
	return pattern[0] == '|' && strstr(pattern, " " LD_CORE_HANDLER_ARG " ");
}

/*
 * While we are the handler, the kernel must wait for it before the
 * crashed process goes (core_pipe_limit > 0): the handler reads its
 * credentials and working directory from /proc to pass a core on.
 */
static void hold_pipe_limit(void)
{
	char *s;

	if (ld_read_file(CORE_PIPE_LIMIT, &s, NULL))
		return;
	if (atoi(s) == 0 && !write_file(LD_SAVED_PIPE_LIMIT, s) &&
	    write_file(CORE_PIPE_LIMIT, "16"))
		unlink(LD_SAVED_PIPE_LIMIT);
	free(s);
}

static void restore_pipe_limit(void)
{
	char *s;

	if (ld_read_file(LD_SAVED_PIPE_LIMIT, &s, NULL))
		return;
	if (!write_file(CORE_PIPE_LIMIT, s))
		unlink(LD_SAVED_PIPE_LIMIT);
	free(s);
}

/* Puts the saved pattern back if ours is set; the caller holds the lock. */
static int repair_locked(void)
{
	char cur[4096], *saved;
	int err;

	restore_pipe_limit();

	if (read_pattern(cur, sizeof(cur)) || !is_ours(cur))
		return 0;
	err = ld_read_file(LD_SAVED_PATTERN, &saved, NULL);
	if (err)
		return err;
	saved[strcspn(saved, "\n")] = 0;
	err = write_file(CORE_PATTERN, saved);
	if (!err) {
		ld_info("restored core_pattern '%s'", saved);
		unlink(LD_SAVED_PATTERN);
	}
	free(saved);
	return err;
}

static int open_run_dir(void)
{
	struct stat st;

	if (mkdir(LD_RUN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(LD_RUN_DIR, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		ld_err("refusing %s: not a directory only root can write (mode %04o, owner %u)",
		       LD_RUN_DIR, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		return -EPERM;
	}
	return 0;
}

static int open_lock(void)
{
	int fd = open(LD_CORE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

/* The pid written in the lock by the collector that holds it; 0 unknown. */
static pid_t lock_holder(int fd)
{
	char buf[32] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return 0;
	return atoi(buf);
}

int ld_crash_repair(pid_t dead)
{
	int fd, err = 0;

	if (open_run_dir() || (fd = open_lock()) < 0)
		return -EPERM;
	/*
	 * Only while nobody holds core_pattern: a collector that started
	 * meanwhile took it over (and repaired it) already.  The dead one's
	 * lock goes with its last descriptor: give that a moment.
	 */
	for (int i = 0; i < 200; i++) {
		if (!flock(fd, LOCK_EX | LOCK_NB)) {
			err = repair_locked();
			flock(fd, LOCK_UN);
			break;
		}
		if (errno != EWOULDBLOCK || (dead && lock_holder(fd) != dead) || !dead)
			break;
		usleep(10000);
	}
	close(fd);
	return err;
}

int ld_crash__install(struct ld_crash **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = LD_CORE_SOCKET };
	char cur[4096], self[PATH_MAX], pattern[PATH_MAX + 256], pid[24], comm[64] = "?";
	struct ld_crash *c;
	ssize_t n;
	int err;

	*out = NULL;
	if ((err = open_run_dir()))
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->lfd = -1;
	c->lock = open_lock();
	if (c->lock < 0) {
		err = c->lock;
		free(c);
		return err;
	}
	/* One handler at a time: a second would take the crashes of the first. */
	if (flock(c->lock, LOCK_EX | LOCK_NB)) {
		pid_t holder = lock_holder(c->lock);
		char path[64], *s;

		snprintf(path, sizeof(path), "/proc/%d/comm", holder);
		if (!ld_read_file(path, &s, NULL)) {
			snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(s, "\n"), s);
			free(s);
		}
		ld_err("core_pattern is held by another collector, pid %d (%s): only one can take "
		       "the crashes; stop it first, or leave signal rules to that one", holder, comm);
		close(c->lock);
		free(c);
		return -EBUSY;
	}
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (ftruncate(c->lock, 0) || pwrite(c->lock, pid, strlen(pid), 0) < 0)
		ld_dbg("cannot write %s: %s", LD_CORE_LOCK, strerror(errno));
	/* With the lock, a pattern of ours is a dead collector's: put the one before it back. */
	repair_locked();
	if ((err = read_pattern(cur, sizeof(cur))))
		goto fail;
	if (is_ours(cur)) {
		ld_err("core_pattern is a livedump handler ('%s') and the pattern before it was "
		       "not saved in %s: set core_pattern yourself first", cur, LD_SAVED_PATTERN);
		err = -EBUSY;
		goto fail;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		err = -errno;
		goto fail;
	}
	self[n] = 0;
	unlink(LD_CORE_SOCKET);
	c->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0 || bind(c->lfd, (void *)&sa, sizeof(sa)) || listen(c->lfd, 16)) {
		err = -errno;
		goto fail;
	}
	err = write_file(LD_SAVED_PATTERN, cur);
	snprintf(pattern, sizeof(pattern),
		 "|%s %s %%P %%s %%t %%c %%p %%u %%g %%h %%e %%d %%i %%I %%E", self,
		 LD_CORE_HANDLER_ARG);
	/* The kernel keeps 127 bytes of it (CORENAME_MAX_SIZE). */
	if (!err && strlen(pattern) > 127) {
		ld_err("core_pattern '%s' is longer than the kernel's 127 bytes: install livedump"
		       " in a shorter path", pattern);
		err = -ENAMETOOLONG;
	}
	if (!err)
		err = write_file(CORE_PATTERN, pattern);
	if (err) {
		ld_err("cannot set core_pattern: %s", strerror(-err));
		goto fail;
	}
	hold_pipe_limit();
	ld_info("core_pattern: crashes go through livedump (was '%s')", cur);
	*out = c;
	return 0;
fail:
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(LD_CORE_SOCKET);
	}
	close(c->lock);
	free(c);
	return err;
}

void ld_crash__free(struct ld_crash *c)
{
	if (!c)
		return;
	repair_locked();
	close(c->lfd);
	unlink(LD_CORE_SOCKET);
	ld_crash_inflight(NULL);
	/* Last: until the pattern is back, nobody else may take it. */
	close(c->lock);
	free(c);
}

int ld_crash__fd(const struct ld_crash *c)
{
	return c->lfd;
}

int ld_crash__accept(struct ld_crash *c, struct ld_crash_req *req, int *core_fd, int *conn)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { req, sizeof(*req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (recvmsg(fd, &msg, MSG_CMSG_CLOEXEC) != sizeof(*req) || req->magic != LD_CRASH_MAGIC ||
	    !(cm = CMSG_FIRSTHDR(&msg)) || cm->cmsg_type != SCM_RIGHTS) {
		close(fd);
		return -EPROTO;
	}
	memcpy(core_fd, CMSG_DATA(cm), sizeof(int));
	*conn = fd;
	return 1;
}

void ld_crash__answer(int conn, int taken)
{
	unsigned char b = taken;

	if (write(conn, &b, 1) != 1)
		ld_warn("core handler went away before the answer");
	close(conn);
}

int ld_crash_inflight(const char *journal_line)
{
	char path[64];

	snprintf(path, sizeof(path), LD_CORE_INFLIGHT, getpid());
	if (!journal_line) {
		unlink(path);
		return 0;
	}
	return write_file(path, journal_line);
}

void ld_crash_inflight_lost(pid_t dead, int journal_fd)
{
	char path[64], *line;
	size_t len;

	snprintf(path, sizeof(path), LD_CORE_INFLIGHT, dead);
	if (ld_read_file(path, &line, &len))
		return;
	/* One write: the journal is O_APPEND, its lines stay whole. */
	if (journal_fd >= 0 && write(journal_fd, line, len) != (ssize_t)len)
		ld_warn("cannot journal the crash lost with collector %d", dead);
	free(line);
	unlink(path);
}

/* ---- the handler, run by the kernel for every core dump ---- */

/* argv of the handler, after "core-handler": the specifiers of the pattern. */
enum {
	A_PID_INIT, A_SIG, A_TIME, A_LIMIT, A_PID, A_UID, A_GID, A_HOST, A_COMM,
	A_DUMPABLE, A_TID, A_TID_INIT, A_EXE, A_MAX
};

static const char *spec_value(char **argv, char spec)
{
	switch (spec) {
	case 'P': return argv[A_PID_INIT];
	case 's': return argv[A_SIG];
	case 't': return argv[A_TIME];
	case 'c': return argv[A_LIMIT];
	case 'p': return argv[A_PID];
	case 'u': return argv[A_UID];
	case 'g': return argv[A_GID];
	case 'h': return argv[A_HOST];
	case 'e': return argv[A_COMM];
	case 'd': return argv[A_DUMPABLE];
	case 'i': return argv[A_TID];
	case 'I': return argv[A_TID_INIT];
	case 'E': return argv[A_EXE];
	case '%': return "%";
	default: return "";	/* the kernel drops specifiers it does not know */
	}
}

/*
 * Expands one word of a core_pattern as the kernel does: %-specifiers
 * from the crash; for a file, '/' in a value becomes '!' (a comm cannot
 * make a path), as format_corename() does for %e.  0 or -ENAMETOOLONG.
 */
static int expand(const char *pat, size_t plen, char **argv, bool file, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < plen; i++) {
		const char *v;

		if (pat[i] != '%' || i + 1 == plen) {
			if (o + 1 >= size)
				return -ENAMETOOLONG;
			out[o++] = pat[i];
			continue;
		}
		v = spec_value(argv, pat[++i]);
		for (; *v; v++) {
			if (o + 1 >= size)
				return -ENAMETOOLONG;
			out[o++] = file && *v == '/' && pat[i] != 'E' ? '!' : *v;
		}
	}
	out[o] = 0;
	return 0;
}

/*
 * A pipe pattern: split at spaces into argv, each word expanded, and the
 * program run directly with the core on stdin — never through a shell,
 * which the comm (%e), chosen by whoever crashed, would get to command.
 */
static int pass_to_pipe(const char *pat, char **argv)
{
	char *words[64], buf[8192];
	size_t n = 0, used = 0;

	for (const char *p = pat; *p && n + 1 < 64;) {
		size_t len;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " ");
		if (expand(p, len, argv, false, buf + used, sizeof(buf) - used))
			return 1;
		words[n++] = buf + used;
		used += strlen(buf + used) + 1;
		p += len;
	}
	words[n] = NULL;
	if (!n)
		return 1;
	execv(words[0], words);
	return 1;	/* as the kernel: a handler that cannot run gets no core */
}

/* Uid, Gid (fs ids: the fourth field) and groups of @pid, from /proc. */
static int crash_creds(const char *pid, uid_t *uid, gid_t *gid, gid_t *groups, int *ngroups)
{
	char path[64], *text, *l;
	unsigned long long fs[4];
	int err, found = 0;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	err = ld_read_file(path, &text, NULL);
	if (err)
		return err;
	*ngroups = 0;
	for (l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, "Uid:", 4) && sscanf(l + 4, "%llu %llu %llu %llu", &fs[0], &fs[1],
						     &fs[2], &fs[3]) == 4) {
			*uid = fs[3];
			found |= 1;
		} else if (!strncmp(l, "Gid:", 4) && sscanf(l + 4, "%llu %llu %llu %llu", &fs[0],
							    &fs[1], &fs[2], &fs[3]) == 4) {
			*gid = fs[3];
			found |= 2;
		} else if (!strncmp(l, "Groups:", 7)) {
			char *q = l + 7, *end;

			while (*ngroups < 64) {
				unsigned long g = strtoul(q, &end, 10);

				if (end == q)
					break;
				groups[(*ngroups)++] = g;
				q = end;
			}
		}
	}
	free(text);
	return found == 3 ? 0 : -EPROTO;
}

static bool core_uses_pid(void)
{
	char *s;
	bool on = false;

	if (!ld_read_file("/proc/sys/kernel/core_uses_pid", &s, NULL)) {
		on = s[0] == '1';
		free(s);
	}
	return on;
}

/*
 * A file pattern, as the kernel's do_coredump() writes one: with the
 * crashing task's credentials (root only for a suid_dumpable=2 dump,
 * which must then name an absolute path), relative to its working
 * directory, only when RLIMIT_CORE allows a page, created new with
 * O_EXCL|O_NOFOLLOW (an old file the user may remove is removed first),
 * and no longer than that limit.  Anything the kernel would refuse is
 * refused: no file at all.
 */
static int pass_to_file(const char *pat, char **argv)
{
	char name[4096], dir[64], buf[65536];
	unsigned long long limit = strtoull(argv[A_LIMIT], NULL, 10), done = 0;
	bool suid_safe = !strcmp(argv[A_DUMPABLE], "2");
	gid_t groups[64];
	int ngroups, dfd, fd;
	uid_t uid = 0;
	gid_t gid = 0;
	struct stat st;
	ssize_t n;

	if (!strcmp(argv[A_DUMPABLE], "0") || limit < 4096 || !pat[0])
		return 0;
	if (expand(pat, strlen(pat), argv, true, name, sizeof(name) - 16))
		return 1;
	if (core_uses_pid() && !strstr(pat, "%p"))
		snprintf(name + strlen(name), sizeof(name) - strlen(name), ".%s", argv[A_PID]);
	if (suid_safe && name[0] != '/')
		return 1;	/* "can only dump core to fully qualified path" */
	if (crash_creds(argv[A_PID_INIT], &uid, &gid, groups, &ngroups))
		return 1;
	snprintf(dir, sizeof(dir), "/proc/%s/cwd", argv[A_PID_INIT]);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 1;
	/* Everything from here on is done as the crashing user, as the kernel would. */
	if (!suid_safe && (setgroups(ngroups, groups) || setresgid(gid, gid, gid) ||
			   setresuid(uid, uid, uid)))
		return 1;
	if (!suid_safe)
		unlinkat(dfd, name, 0);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (fd < 0)
		return 1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != (suid_safe ? 0 : uid)) {
		close(fd);
		return 1;
	}
	while (done < limit && (n = read(0, buf, limit - done < sizeof(buf) ? limit - done
									  : sizeof(buf))) > 0) {
		if (write(fd, buf, n) != n)
			break;
		done += n;
	}
	close(fd);
	return 0;
}

/* The core goes where it would have gone without us. */
static int pass_on(char **argv)
{
	char *saved;
	int err = ld_read_file(LD_SAVED_PATTERN, &saved, NULL), rc;

	if (err)
		return 1;	/* nothing to pass to: the core is dropped, as before */
	saved[strcspn(saved, "\n")] = 0;
	rc = saved[0] == '|' ? pass_to_pipe(saved + 1, argv) : pass_to_file(saved, argv);
	free(saved);
	return rc;
}

int cmd_core_handler(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = LD_CORE_SOCKET };
	struct ld_crash_req req = { .magic = LD_CRASH_MAGIC };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &req, sizeof(req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	unsigned char taken = 0;
	bool handed = false;
	int s, in = 0;

	/* argv[0] = "core-handler" */
	if (argc != A_MAX + 1)
		return 2;
	argv++;
	req.pid = atoi(argv[A_PID_INIT]);
	req.sig = atoi(argv[A_SIG]);
	req.time = strtoull(argv[A_TIME], NULL, 10);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s >= 0 && !connect(s, (void *)&sa, sizeof(sa))) {
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &in, sizeof(int));
		handed = sendmsg(s, &msg, 0) == sizeof(req);
		if (handed && read(s, &taken, 1) != 1)
			return 1;	/* it died with the stream half read: no fragment goes on */
	}
	if (s >= 0)
		close(s);
	return taken ? 0 : pass_on(argv);
}
