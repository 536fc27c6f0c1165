// SPDX-License-Identifier: MIT
/*
 * Members of a group dump (test_group): each prints "ready PID" and then
 *
 *   group member             sleeps (in pause)
 *   group trigger GOFILE     once GOFILE exists, makes one failing faccessat
 *                            (a syscall rule's issue), then sleeps
 *   group server PATH        listens on the UNIX socket PATH, accepts one
 *                            client, and waits in read() for its request
 *   group client PATH GOFILE connects to PATH; once GOFILE exists, makes the
 *                            failing faccessat, then waits in read() for the
 *                            server's answer
 *   group tcpserver PORTFILE the server over TCP on 127.0.0.1 (a port of the
 *                            kernel's choosing, written to PORTFILE)
 *   group tcpclient PORT GOFILE  the client over TCP to 127.0.0.1:PORT
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void ready(void)
{
	printf("ready %d\n", getpid());
	fflush(stdout);
}

static void wait_go(const char *go)
{
	while (access(go, F_OK))
		usleep(10000);
}

static void issue(void)
{
	syscall(SYS_faccessat, AT_FDCWD, "/nonexistent/livedump-group-test", F_OK);
}

static int unix_addr(const char *path, struct sockaddr_un *un)
{
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(un->sun_path))
		return -1;
	strcpy(un->sun_path, path);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un un;
	char buf[64];
	int s, c;

	if (argc >= 2 && !strcmp(argv[1], "member")) {
		ready();
		for (;;)
			pause();
	}
	if (argc >= 3 && !strcmp(argv[1], "trigger")) {
		ready();
		wait_go(argv[2]);
		issue();
		for (;;)
			pause();
	}
	if (argc >= 3 && !strcmp(argv[1], "server")) {
		if (unix_addr(argv[2], &un))
			die("path too long");
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&un, sizeof(un)) || listen(s, 1))
			die("listen");
		ready();
		c = accept(s, NULL, NULL);
		if (c < 0)
			die("accept");
		if (read(c, buf, sizeof(buf)) < 0)	/* the request that never comes */
			die("read");
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "client")) {
		if (unix_addr(argv[2], &un))
			die("path too long");
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&un, sizeof(un)))
			die("connect");
		ready();
		wait_go(argv[3]);
		issue();
		if (read(s, buf, sizeof(buf)) < 0)	/* the answer that never comes */
			die("read");
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "tcpserver")) {
		struct sockaddr_in in = { .sin_family = AF_INET };
		socklen_t len = sizeof(in);
		FILE *f;

		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&in, sizeof(in)) || listen(s, 1) ||
		    getsockname(s, (struct sockaddr *)&in, &len))
			die("listen");
		f = fopen(argv[2], "w");
		if (!f || fprintf(f, "%u\n", ntohs(in.sin_port)) < 0 || fclose(f))
			die(argv[2]);
		ready();
		c = accept(s, NULL, NULL);
		if (c < 0)
			die("accept");
		if (read(c, buf, sizeof(buf)) < 0)
			die("read");
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "tcpclient")) {
		struct sockaddr_in in = { .sin_family = AF_INET };

		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in.sin_port = htons(atoi(argv[2]));
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, (struct sockaddr *)&in, sizeof(in)))
			die("connect");
		ready();
		wait_go(argv[3]);
		issue();
		if (read(s, buf, sizeof(buf)) < 0)
			die("read");
		return 0;
	}
	fprintf(stderr, "usage: group member | trigger GOFILE | server PATH | client PATH GOFILE |"
		" tcpserver PORTFILE | tcpclient PORT GOFILE\n");
	return 2;
}
