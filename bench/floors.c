// SPDX-License-Identifier: MIT
/*
 * Floors for bench/run.sh (programs in bench/floors.bpf.c):
 *
 *   floors stop N [GAP_US]   a child calls livedump_trigger() N times; a
 *                            bare uprobe stops it with SIGSTOP; prints one
 *                            "stop_ns X sent_ns Y" per trigger (uprobe to
 *                            the SIGSTOP's delivery, and to the program's
 *                            end, the signal sent), then resumes the child
 *   floors empty -- CMD...   runs CMD with empty programs attached to
 *                            tp_btf/sys_enter and sys_exit
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "livedump.h"
#include "floors.skel.h"

/* The library this program calls livedump_trigger() from. */
static const char *lib_path(void)
{
	static char path[4096];
	char line[4200];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		if (p && strstr(p, "liblivedump.so")) {
			p[strcspn(p, "\n")] = 0;
			snprintf(path, sizeof(path), "%s", p);
			break;
		}
	}
	if (f)
		fclose(f);
	return path[0] ? path : NULL;
}

static int run_stop(long n, long gap)
{
	struct floors_bpf *skel = floors_bpf__open();
	int go[2], status;
	const char *lib = lib_path();
	pid_t child;
	char c;

	if (!skel || !lib || pipe(go)) {
		fprintf(stderr, "floors: cannot open the BPF object or find liblivedump.so\n");
		return 1;
	}
	child = fork();
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (long i = 0; i < n; i++) {
			livedump_trigger(0x7e57, i, NULL, 0);
			if (gap)
				usleep(gap);
		}
		_exit(0);
	}
	close(go[0]);
	skel->rodata->target_tgid = child;
	if (floors_bpf__load(skel)) {
		fprintf(stderr, "floors: cannot load: %s\n", strerror(errno));
		return 1;
	}
	{
		/* By name: libbpf finds the symbol's offset, as the collector does. */
		LIBBPF_OPTS(bpf_uprobe_opts, o, .func_name = "livedump__fire");

		skel->links.floor_fire = bpf_program__attach_uprobe_opts(skel->progs.floor_fire,
									 child, lib, 0, &o);
	}
	skel->links.floor_stopped = bpf_program__attach(skel->progs.floor_stopped);
	if (!skel->links.floor_fire || !skel->links.floor_stopped) {
		fprintf(stderr, "floors: cannot attach: %s\n", strerror(errno));
		kill(child, SIGKILL);
		return 1;
	}
	if (write(go[1], "g", 1) != 1)
		return 1;
	for (;;) {
		if (waitpid(child, &status, WUNTRACED) < 0)
			return 1;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (WIFSTOPPED(status)) {
			if (skel->bss->stopped_ns > skel->bss->issue_ns)
				printf("stop_ns %llu sent_ns %llu\n",
				       (unsigned long long)(skel->bss->stopped_ns - skel->bss->issue_ns),
				       (unsigned long long)(skel->bss->sent_ns - skel->bss->issue_ns));
			skel->bss->stopped_ns = 0;
			kill(child, SIGCONT);
		}
	}
	floors_bpf__destroy(skel);
	return 0;
}

static int run_empty(char **cmd)
{
	struct floors_bpf *skel = floors_bpf__open_and_load();
	int status;
	pid_t child;

	if (!skel) {
		fprintf(stderr, "floors: cannot load: %s\n", strerror(errno));
		return 1;
	}
	skel->links.floor_sys_enter = bpf_program__attach(skel->progs.floor_sys_enter);
	skel->links.floor_sys_exit = bpf_program__attach(skel->progs.floor_sys_exit);
	if (!skel->links.floor_sys_enter || !skel->links.floor_sys_exit) {
		fprintf(stderr, "floors: cannot attach to sys_enter/sys_exit: %s\n", strerror(errno));
		return 1;
	}
	child = fork();
	if (child == 0) {
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	waitpid(child, &status, 0);
	floors_bpf__destroy(skel);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "stop"))
		return run_stop(atol(argv[2]), argc > 3 ? atol(argv[3]) : 1000);
	if (argc >= 4 && !strcmp(argv[1], "empty") && !strcmp(argv[2], "--"))
		return run_empty(argv + 3);
	fprintf(stderr, "usage: floors stop N [GAP_US] | floors empty -- CMD...\n");
	return 2;
}
