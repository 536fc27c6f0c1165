// SPDX-License-Identifier: MIT
/*
 * A process with surroundings to dump (test_surroundings): a TCP listener
 * and both ends of a connection to it, a UNIX listener at PATH and both
 * ends of a connection, a bound UDP socket, RLIMIT_NOFILE 777/888 and its
 * cwd in DIR.  Prints "ready PID TCPPORT", then makes one failing
 * faccessat (for a syscall rule) and sleeps SECONDS; with "segv" it then
 * crashes in crash_with_sockets() (the crash path's test).
 *
 *   sockets PATH DIR SECONDS [segv]
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void __attribute__((noinline)) crash_with_sockets(void)
{
	*(volatile int *)8 = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct rlimit rl = { 777, 888 };
	socklen_t len = sizeof(in);
	int l, c, a, ul, uc, ua, u;

	if (argc != 4 && argc != 5)
		return 2;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&in, sizeof(in)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&in, &len))
		die("tcp listener");
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&in, sizeof(in)) || (a = accept(l, NULL, NULL)) < 0)
		die("tcp connection");
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", argv[1]);
	ul = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ul < 0 || bind(ul, (struct sockaddr *)&un, sizeof(un)) || listen(ul, 1))
		die("unix listener");
	uc = socket(AF_UNIX, SOCK_STREAM, 0);
	if (uc < 0 || connect(uc, (struct sockaddr *)&un, sizeof(un)) ||
	    (ua = accept(ul, NULL, NULL)) < 0)
		die("unix connection");
	u = socket(AF_INET, SOCK_DGRAM, 0);
	in.sin_port = 0;
	if (u < 0 || bind(u, (struct sockaddr *)&in, sizeof(in)))
		die("udp");
	if (setrlimit(RLIMIT_NOFILE, &rl) || chdir(argv[2]))
		die("limits, cwd");
	len = sizeof(in);
	getsockname(l, (struct sockaddr *)&in, &len);
	printf("ready %d %u\n", getpid(), ntohs(in.sin_port));
	fflush(stdout);
	syscall(SYS_faccessat, AT_FDCWD, "/nonexistent/livedump-sockets", F_OK, 0);
	sleep(atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[4], "segv"))
		crash_with_sockets();
	(void)a; (void)ua;
	return 0;
}
