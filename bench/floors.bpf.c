// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The floors bench/run.sh measures livedump against (bench/floors.c):
 * - a bare uprobe on livedump__fire() that only sends SIGSTOP, with the
 *   same stop measurement as livedump's (signal_deliver), for the trigger
 *   path;
 * - empty programs on the tracepoints the syscall detector uses
 *   (tp_btf/sys_enter, tp_btf/sys_exit), for the detector's cost.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define SIGSTOP_NR	19

const volatile __u32 target_tgid = 0;

__u64 issue_ns = 0;	/* at the uprobe */
__u64 sent_ns = 0;	/* the SIGSTOP sent, the program returns */
__u64 stopped_ns = 0;	/* when the kernel delivers the SIGSTOP */

SEC("uprobe")
int BPF_KPROBE(floor_fire)
{
	issue_ns = bpf_ktime_get_ns();
	bpf_send_signal(SIGSTOP_NR);
	sent_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(floor_stopped, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	if (sig == SIGSTOP_NR && bpf_get_current_pid_tgid() >> 32 == target_tgid)
		stopped_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
