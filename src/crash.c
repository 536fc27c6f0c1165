// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "crash.h"
#include "log.h"
#include "proc.h"

#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"

struct ld_crash {
	int lfd;
	char sock[108];
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

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600);
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

int ld_crash_repair(void)
{
	char cur[4096], *saved;
	int err;

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

int ld_crash__install(struct ld_crash **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char cur[4096], self[PATH_MAX], pattern[PATH_MAX + 256];
	struct ld_crash *c;
	ssize_t n;
	int err;

	*out = NULL;
	/* A collector that died left its pattern: put the one before it back first. */
	ld_crash_repair();
	if ((err = read_pattern(cur, sizeof(cur))))
		return err;
	if (is_ours(cur)) {
		ld_err("core_pattern is already another livedump collector's ('%s')", cur);
		return -EBUSY;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	mkdir(LD_RUN_DIR, 0700);
	snprintf(c->sock, sizeof(c->sock), LD_RUN_DIR "/collector-%d.sock", getpid());
	unlink(c->sock);
	memcpy(sa.sun_path, c->sock, sizeof(c->sock));
	c->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0 || bind(c->lfd, (void *)&sa, sizeof(sa)) || listen(c->lfd, 16)) {
		err = -errno;
		goto fail;
	}
	err = write_file(LD_SAVED_PATTERN, cur);
	snprintf(pattern, sizeof(pattern), "|%s %s %s %%P %%s %%t %%c %%p %%u %%g %%h %%e",
		 self, LD_CORE_HANDLER_ARG, c->sock);
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
	ld_info("core_pattern: crashes go through livedump (was '%s')", cur);
	*out = c;
	return 0;
fail:
	if (c->lfd >= 0)
		close(c->lfd);
	unlink(c->sock);
	free(c);
	return err;
}

void ld_crash__free(struct ld_crash *c)
{
	if (!c)
		return;
	ld_crash_repair();
	close(c->lfd);
	unlink(c->sock);
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

/* ---- the handler, run by the kernel for every core dump ---- */

/*
 * Expands a file core_pattern the way the kernel would for the specifiers
 * we were given; the rest are left out.
 */
static void expand(const char *pat, char **argv, char *out, size_t size)
{
	/* argv: SOCKET %P %s %t %c %p %u %g %h %e */
	size_t o = 0;

	for (const char *p = pat; *p && o + 1 < size; p++) {
		const char *v = NULL;

		if (*p != '%') {
			out[o++] = *p;
			continue;
		}
		switch (*++p) {
		case 'P': v = argv[1]; break;
		case 's': v = argv[2]; break;
		case 't': v = argv[3]; break;
		case 'c': v = argv[4]; break;
		case 'p': v = argv[5]; break;
		case 'u': v = argv[6]; break;
		case 'g': v = argv[7]; break;
		case 'h': v = argv[8]; break;
		case 'e': v = argv[9]; break;
		case '%': v = "%"; break;
		case 0: p--; break;
		default: v = ""; break;
		}
		if (v)
			o += snprintf(out + o, size - o, "%s", v);
	}
	out[o < size ? o : size - 1] = 0;
}

/* The core goes where it would have gone without us. */
static int pass_on(char **argv)
{
	char *saved, cmd[4096];
	int err = ld_read_file(LD_SAVED_PATTERN, &saved, NULL);

	if (err)
		return 1;	/* nothing to pass to: the core is dropped, as before */
	saved[strcspn(saved, "\n")] = 0;
	expand(saved, argv, cmd, sizeof(cmd));
	free(saved);
	if (cmd[0] == '|') {
		execl("/bin/sh", "sh", "-c", cmd + 1, (char *)NULL);
		return 1;
	}
	/* A file pattern: relative to the crashing process's cwd, within its RLIMIT_CORE. */
	if (!strcmp(argv[4], "0") || !cmd[0])
		return 0;
	{
		char dir[64], buf[65536];
		int dfd, fd;
		ssize_t n;

		snprintf(dir, sizeof(dir), "/proc/%s/cwd", argv[1]);
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		fd = openat(dfd < 0 ? AT_FDCWD : dfd, cmd, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    0600);
		if (dfd >= 0)
			close(dfd);
		if (fd < 0)
			return 1;
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				break;
		close(fd);
	}
	return 0;
}

int cmd_core_handler(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ld_crash_req req = { .magic = LD_CRASH_MAGIC };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &req, sizeof(req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	unsigned char taken = 0;
	int s, in = 0;

	/* argv[0] = "core-handler" */
	if (argc != 11)
		return 2;
	argv++;
	req.pid = atoi(argv[1]);
	req.sig = atoi(argv[2]);
	req.time = strtoull(argv[3], NULL, 10);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[0]);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s >= 0 && !connect(s, (void *)&sa, sizeof(sa))) {
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &in, sizeof(int));
		if (sendmsg(s, &msg, 0) == sizeof(req) && read(s, &taken, 1) != 1)
			taken = 0;
	}
	if (s >= 0)
		close(s);
	return taken ? 0 : pass_on(argv);
}
