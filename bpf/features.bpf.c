// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `livedump features`: one tiny program per kernel feature.  Every program
 * has autoload disabled ("?" section prefix); the prober enables exactly
 * one, loads, attaches, triggers it from its own process and checks that it
 * ran.  Only events from target_tgid count, so the rest of the machine
 * never disturbs (or is disturbed by) a probe.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * libbpf's USDT attach needs the two maps of <bpf/usdt.bpf.h>.  That header
 * includes <linux/errno.h>, whose <asm/errno.h> lives in the multiarch
 * directory clang -target bpf does not search; until BPF_CFLAGS adds it
 * (-idirafter /usr/include/$(gcc -dumpmachine)), declare the maps with the
 * same layout (libbpf 1.1).  feat_usdt reads no arguments, so only the map
 * names and value size matter here.
 */
#define BPF_USDT_MAX_SPEC_CNT 4
#define BPF_USDT_MAX_IP_CNT 16
#if __has_include(<asm/errno.h>)
#include <bpf/usdt.bpf.h>
#else
struct __bpf_usdt_arg_spec {
	__u64 val_off;
	int arg_type;
	short reg_off;
	bool arg_signed;
	char arg_bitshift;
};

struct __bpf_usdt_spec {
	struct __bpf_usdt_arg_spec args[12];
	__u64 usdt_cookie;
	short arg_cnt;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BPF_USDT_MAX_SPEC_CNT);
	__type(key, int);
	__type(value, struct __bpf_usdt_spec);
} __bpf_usdt_specs SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPF_USDT_MAX_IP_CNT);
	__type(key, long);
	__type(value, __u32);
} __bpf_usdt_ip_to_spec_id SEC(".maps") __weak;
#endif

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* .bss, written by the prober after load and read back after the trigger. */
__u32 target_tgid;
__u32 signo;		/* send_signal: the signal to send */
__u64 hits;		/* times the enabled program ran for target_tgid */
__s64 send_ret;		/* send_signal: what bpf_send_signal() returned */

/* Only created for the ringbuf probe (bpf_map__set_autocreate). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} feat_rb SEC(".maps");

static __always_inline bool hit(void)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return false;
	__sync_fetch_and_add(&hits, 1);
	return true;
}

#define FEATURE_PROG(sec, name)			\
	SEC(sec) int name(void *ctx)		\
	{					\
		hit();				\
		return 0;			\
	}

FEATURE_PROG("?tracepoint/syscalls/sys_enter_getpgid", feat_tracepoint)
FEATURE_PROG("?tp_btf/sys_enter", feat_tp_btf)
FEATURE_PROG("?raw_tp/sys_enter", feat_raw_tp)
/* Attach targets are set at run time (a syscall function found in BTF). */
FEATURE_PROG("?kprobe", feat_kprobe)
FEATURE_PROG("?kretprobe", feat_kretprobe)
FEATURE_PROG("?fentry", feat_fentry)
FEATURE_PROG("?fexit", feat_fexit)
/* A noinline function and a USDT probe inside the livedump binary. */
FEATURE_PROG("?uprobe", feat_uprobe)
FEATURE_PROG("?uretprobe", feat_uretprobe)
FEATURE_PROG("?usdt", feat_usdt)
/* A software cpu-clock event opened on the prober itself. */
FEATURE_PROG("?perf_event", feat_perf_event)

SEC("?raw_tp/sys_enter")
int feat_ringbuf(void *ctx)
{
	__u64 *rec;

	if (!hit())
		return 0;
	rec = bpf_ringbuf_reserve(&feat_rb, sizeof(*rec), 0);
	if (!rec)
		return 0;
	*rec = target_tgid;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

/* Signals a test child (blocking signo) once, at its next syscall. */
SEC("?raw_tp/sys_enter")
int feat_send_signal(void *ctx)
{
	if (!hit() || hits != 1)
		return 0;
	send_ret = bpf_send_signal(signo);
	return 0;
}
