/* SPDX-License-Identifier: MIT */
/*
 * Trigger rules: one grammar for `-e RULE` and rule files (docs/rules.md).
 *
 *   NAME on ISSUE [ISSUE-PARAMS] [where FILTERS] [capture WHAT] [limit LIMITS]
 *
 * The parser turns text into struct ld_rule; the collector compiles the
 * rules into BPF maps (cheap conditions, filters, limits) and makes the
 * final decision in user space.
 */
#ifndef LIVEDUMP_RULES_H
#define LIVEDUMP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dump/dumpfmt.h"
#include "kabi/records.h"	/* enum ld_detector */

#define LD_RULE_NAME_MAX	64
#define LD_RULE_LIST_MAX	16	/* values in one list (pid=1,2,3 ...) */
#define LD_MAX_RULES		64
/* Bytes of each thread's stack: capture ... stack= and record --stack. */
#define LD_STACK_MIN		(4ULL << 10)
#define LD_STACK_MAX		(64ULL << 20)

/* An inclusive range; a single value has lo == hi. */
struct ld_range64 {
	uint64_t lo, hi;
};

struct ld_app_params {
	struct ld_range64 codes[LD_RULE_LIST_MAX];	/* none: every code */
	unsigned ncodes;
	struct ld_range64 params[LD_RULE_LIST_MAX];	/* none: every param */
	unsigned nparams;
};

/* A signed inclusive range; set == 0: not given. */
struct ld_srange64 {
	int64_t lo, hi;
	uint32_t set;
	uint32_t pad;
};

struct ld_syscall_params {
	uint32_t nrs[LD_RULE_LIST_MAX];		/* name=: syscall numbers; none: every syscall */
	unsigned nnrs;
	uint32_t errnos[LD_RULE_LIST_MAX];	/* errno=: the call failed with one of these */
	unsigned nerrnos;
	struct ld_range64 latency;		/* latency>=: ns; {0, 0}: not given */
	struct ld_srange64 ret;			/* ret<0, ret==0, ret>N ... */
};

struct ld_block_params {
	uint32_t errnos[LD_RULE_LIST_MAX];	/* error=: 0 stands for "any" */
	unsigned nerrnos;
	struct ld_range64 latency;		/* latency>=: issue to completion, ns */
	uint32_t devs[LD_RULE_LIST_MAX];	/* dev=MAJ:MIN, as the kernel's dev_t */
	unsigned ndevs;
};

/* An unsigned inclusive range; set == 0: not given. */
struct ld_urange64 {
	uint64_t lo, hi;
	uint32_t set;
	uint32_t pad;
};

#define LD_PROBE_AT_MAX		256
#define LD_PROBE_ARGS		6

/* uprobe, uretprobe, usdt, kprobe, kretprobe */
struct ld_probe_params {
	/*
	 * uprobe/uretprobe: PATH:SYMBOL[+OFFSET] or LIBRARY:SYMBOL (found like
	 * the dynamic linker does); usdt: PATH:PROVIDER:NAME; kprobe/kretprobe:
	 * FUNCTION[+OFFSET].  "" when not given.
	 */
	char at[LD_PROBE_AT_MAX];
	struct ld_urange64 args[LD_PROBE_ARGS];	/* arg1..arg6 conditions */
	struct ld_srange64 ret;			/* return probes: ret conditions */
	uint32_t via;				/* kernel probes: enum ld_probe_via */
};

enum ld_probe_via { LD_VIA_AUTO = 0, LD_VIA_KPROBE = 1, LD_VIA_FENTRY = 2 };

struct ld_signal_params {
	uint32_t sigs[LD_RULE_LIST_MAX];	/* sig=: none: the usual trouble signals */
	unsigned nsigs;
};

struct ld_exit_params {
	struct ld_range64 statuses[LD_RULE_LIST_MAX];	/* status=: exit codes */
	unsigned nstatuses;
	uint32_t sigs[LD_RULE_LIST_MAX];		/* signal=: killed by one of them */
	unsigned nsigs;
};

/* Sampled in user space: ProcDump's triggers, over a sliding window. */
struct ld_threshold_params {
	struct ld_urange64 cpu;		/* % of one CPU over the `for` window */
	struct ld_urange64 rss;		/* bytes, resident + swapped */
	struct ld_urange64 threads;
	struct ld_urange64 fds;
	uint64_t for_ns;		/* must hold this long; 0: one sample */
	uint64_t interval_ns;		/* sampling period; 0: 1 s */
	uint32_t scope;			/* 0: each process; 1: each where-cgroup as a whole */
};

struct ld_rule_filters {
	uint32_t pids[LD_RULE_LIST_MAX];
	unsigned npids;
	char comms[LD_RULE_LIST_MAX][16];		/* exact, as in /proc/PID/comm */
	unsigned ncomms;
	char *exes[LD_RULE_LIST_MAX];			/* absolute paths */
	unsigned nexes;
	char *cgroups[LD_RULE_LIST_MAX];		/* cgroup v2 path prefixes, e.g. /system.slice */
	unsigned ncgroups;
	uint32_t uids[LD_RULE_LIST_MAX];
	unsigned nuids;
};

/*
 * capture kernel=argN:TYPE (docs/kernel-dumps.md): a kprobe's argument N
 * (ret: a kretprobe's return value) points to a struct TYPE, copied typed
 * into the dump.  btf_id and size are the running kernel's.
 */
#define LD_KARGS_MAX	4
struct ld_karg {
	uint32_t arg;			/* 1..6; 0: the return value */
	uint32_t btf_id;		/* the struct in /sys/kernel/btf/vmlinux */
	uint32_t size;
	char type[48];			/* its name, as the rule said it */
};

/*
 * capture follow=argN.MEMBER[.MEMBER...] (docs/kernel-dumps.md): an object
 * a kernel= argument points to, through its members, copied typed too.
 * The rule checker resolves it in the running kernel's BTF (kfollow.c):
 * the object it is followed from, the one or two pointers crossed, and
 * the type at the end.
 */
#define LD_KFOLLOW_MAX		4
#define LD_KFOLLOW_PATH_MAX	32	/* with its NUL: the object's name in the dump */
struct ld_kfollow {
	char path[LD_KFOLLOW_PATH_MAX];	/* as the rule says it: "arg1.q.disk" */
	uint32_t root;			/* the argument it starts at: 1..6, 0 the return value */
	uint32_t parent;		/* the object it is followed from: kargs[0..], then follows[] */
	uint32_t field_off;		/* the pointer's offset in the parent */
	uint32_t field_off2;		/* a second pointer's in what the first points to; ~0: none */
	uint32_t btf_id;		/* the struct at the end, in /sys/kernel/btf/vmlinux */
	uint32_t size;
};

struct ld_rule_capture {
	enum ld_capture_type type;	/* default: mini where the detector allows it */
	unsigned history;		/* flight recorder depth; 0 = default */
	uint64_t stack;			/* bytes of each thread's stack; 0 = default */
	bool no_regions;		/* regions=no */
	bool no_environ;		/* environ=no */
	uint32_t snapshot;		/* snapshot=: 0 auto (full dumps), 1 yes, 2 no */
	uint32_t compress;		/* compress[=KIND[:LEVEL]]: ld_compress_pack(); 0 plain */
	uint32_t hidden;		/* hidden=: enum ld_hidden_mode (capture/hidden.h), 0 no */
	unsigned nkargs;		/* kernel=: typed kernel arguments */
	struct ld_karg kargs[LD_RULE_LIST_MAX];	/* the first LD_KARGS_MAX only */
	unsigned nfollows;		/* follow=: objects followed from them, parents first */
	struct ld_kfollow follows[LD_KFOLLOW_MAX];
	/*
	 * scope=: a group dump (group/group.h).  The words as given: "cgroup",
	 * "peers", or "exe:NAME" followed by more NAMEs; none: the process alone.
	 */
	char scope[LD_RULE_LIST_MAX][64];
	unsigned nscope;
	uint32_t group_max;		/* group_max=: members frozen and dumped at most; 0 default */
	uint64_t freeze_max_ns;		/* freeze_max=: the group's longest freeze; 0 default */
};

struct ld_rule_limits {
	uint64_t total;			/* dumps for the rule in all; 0 = no limit */
	uint64_t rate_n;		/* at most rate_n per rate_window_ns ... */
	uint64_t rate_window_ns;	/* ... 0 = no rate limit */
	uint64_t cooldown_ns;		/* per process; 0 = none */
};

struct ld_rule {
	char name[LD_RULE_NAME_MAX];
	bool name_generated;		/* -e without a name */
	enum ld_detector detector;
	union {
		struct ld_app_params app;
		struct ld_syscall_params sys;
		struct ld_block_params blk;
		struct ld_probe_params probe;
		struct ld_signal_params sig;
		struct ld_exit_params exit;
		struct ld_threshold_params thr;
	} p;
	struct ld_rule_filters where;
	struct ld_rule_capture capture;
	struct ld_rule_limits limit;
	char origin[256];		/* "rules.conf:3" or "-e #1" */
	/*
	 * Removed by a reload, kept (name, detector, origin only) so that the
	 * rules after it keep their index: the kernel never matches it.
	 */
	bool retired;
};

struct ld_ruleset {
	struct ld_rule *v;
	size_t n;
};

/*
 * Diagnostics: every error is one line "ORIGIN:LINE:COL: message" with what
 * was found and what was expected.
 */
struct ld_diag {
	char **msgs;
	size_t n;
};
void ld_diag__free(struct ld_diag *d);

/*
 * Parse rules from a file or from one -e argument (@origin names it in
 * messages, e.g. "-e #2").  Rules are appended to @rs.  Returns the number
 * of errors added to @diag (0: all good), or a negative errno when the
 * file cannot be read.  Duplicate names across everything parsed into the
 * same ruleset are errors.
 */
int ld_rules_parse_file(struct ld_ruleset *rs, const char *path, struct ld_diag *diag);
int ld_rules_parse_string(struct ld_ruleset *rs, const char *text, const char *origin,
			  struct ld_diag *diag);
void ld_ruleset__free(struct ld_ruleset *rs);
/*
 * Reorders @rs so that each rule named as one of @old sits at that rule's
 * index (new rules fill the gaps, in their order; a gap left over holds
 * the old rule, retired): a rule's kernel state, its flight-recorder
 * issues and a probe attached for it stay where they are while events
 * come.  0 or -ENOMEM.
 */
int ld_ruleset__align(struct ld_ruleset *rs, const struct ld_ruleset *old);
/* Rules not retired. */
size_t ld_ruleset__live(const struct ld_ruleset *rs);

/* The rule in the grammar's canonical text form (for messages and `rules check -v`). */
int ld_rule__format(const struct ld_rule *r, char *buf, size_t size);



#endif
