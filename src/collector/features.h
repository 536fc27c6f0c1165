/* SPDX-License-Identifier: MIT */
/*
 * What the running kernel offers, found by loading, attaching and firing a
 * tiny BPF program per feature (bpf/features.bpf.c) — never by reading
 * config files.  `livedump features` prints the table; `record` can ask
 * before attaching a rule and refuse it with the reason.
 */
#ifndef LIVEDUMP_FEATURES_H
#define LIVEDUMP_FEATURES_H

#include <stddef.h>

enum ld_feature {
	LD_FEAT_BTF,		/* vmlinux BTF loadable */
	LD_FEAT_RINGBUF,	/* BPF_MAP_TYPE_RINGBUF, record written and read */
	LD_FEAT_TRACEPOINT,
	LD_FEAT_TP_BTF,
	LD_FEAT_RAW_TP,
	LD_FEAT_KPROBE,
	LD_FEAT_KRETPROBE,
	LD_FEAT_FENTRY,
	LD_FEAT_FEXIT,
	LD_FEAT_UPROBE,
	LD_FEAT_URETPROBE,
	LD_FEAT_USDT,
	LD_FEAT_SEND_SIGNAL,	/* bpf_send_signal() delivered to a test child */
	LD_FEAT_PERF_EVENT,	/* perf_event program on a cpu-clock event */
	LD_FEAT__COUNT
};

/* "kprobe", "send_signal", ...; NULL when out of range. */
const char *ld_feature_name(enum ld_feature f);
/* The feature called NAME, or -1. */
int ld_feature_from_name(const char *name);

/*
 * Probe F: 0 when available (WHY, if not NULL, says what was verified),
 * a negative errno when not (WHY says why, e.g. "perf_event_open(kprobe)
 * failed: No such file or directory — kernel built without
 * CONFIG_KPROBES").  Needs root.  The result is cached for the life of the
 * process, so asking again is free.  Not thread-safe: call it before
 * starting threads, or from one thread.  libbpf output is silenced during
 * the probe (shown with -v).
 */
int ld_feature_probe(enum ld_feature f, char *why, size_t len);

/*
 * Tracepoints are found through tracefs (libbpf reads the event id there).
 * Returns 0 when it is already mounted, 1 when this call mounted it on
 * /sys/kernel/tracing (and left it there, as perf does: unmounting could
 * break a concurrent user), a negative errno (reason in WHY, if not NULL)
 * when it cannot be.
 */
int ld_tracefs_ensure(char *why, size_t len);

#endif
