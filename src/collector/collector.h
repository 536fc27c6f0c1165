/* SPDX-License-Identifier: MIT */
/*
 * The collector's second stage: for each event the kernel's rules let
 * through, the final decision (global limits), the capture, the journal
 * entry and the line on stdout.
 */
#ifndef LIVEDUMP_COLLECTOR_H
#define LIVEDUMP_COLLECTOR_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "collector/loader.h"
#include "metrics/metrics.h"
#include "rules/rules.h"
#include "dump/compress.h"

/* Like systemd-coredump's MaxUse / KeepFree / size caps. */
struct ld_limits {
	uint64_t max_use;	/* bytes of *.core in the output directory; 0 = none */
	uint64_t keep_free;	/* bytes to leave free on its file system; 0 = none */
	uint64_t max_dump;	/* bytes of one dump, cut at segment boundaries; 0 = none */
	uint64_t max_hold;	/* ns a capture may hold a process; 0 = LD_DEFAULT_MAX_HOLD_NS */
};

struct ld_collector_opts {
	const char *outdir;
	const struct ld_ruleset *rules;
	struct ld_limits limits;
	bool crash_path;	/* we are the core_pattern handler: fatal signals wait for the core */
	struct ld_compress compress;	/* for rules that do not say compress; NONE: plain */
	const volatile sig_atomic_t *cancel;	/* non-zero: stop signal; captures cut short */
	struct ld_metrics *metrics;	/* counted into; NULL: none */
	struct ld_ledger *ledger;	/* the guard's, for group dumps (group/ledger.h); NULL none */
	_Atomic uint64_t *freed;	/* bytes of dumps others removed since (record
					 * --upload-delete's uploader); NULL none */
	FILE *stages;		/* the benchmark's stage lines (loader's bench_stages); NULL none */
};

struct ld_collector;
struct ld_ledger;
int ld_collector__new(const struct ld_collector_opts *o, struct ld_loader *loader,
		      struct ld_collector **out);
/* An ld_event_fn for ld_loader__poll(). */
int ld_collector__on_event(void *ctx, void *data, size_t size);
/*
 * A core stream from the core_pattern handler for @pid: 1 when a rule
 * wanted that crash and the dump was written (or failed), 0 to pass it on.
 */
struct ld_crash_req;
int ld_collector__crash(struct ld_collector *c, const struct ld_crash_req *req, int core_fd);

/* The journal's descriptor, for the guard (-1: none). */
int ld_collector__journal_fd(const struct ld_collector *c);

/* An ld_threshold_fn: events the user-space sampler makes. */
struct ld_threshold_event;
void ld_collector__threshold(void *ctx, const struct ld_threshold_event *e);

/*
 * Between events: reaps threads that died while held for their issue's
 * turn, and lets go of any held for longer than a capture may take.
 */
void ld_collector__tick(struct ld_collector *c);

/*
 * A reload (SIGHUP): flush() says and journals what the rules in force
 * counted; once the loader runs @rs (ld_loader__reload()), set_rules()
 * makes them the collector's.  @prev, the rules before, must live until
 * the next reload: records the kernel made with them may still come.
 * @prev must be the rules the collector had (set_rules() or new()), even
 * when the caller moved them; both sets are the caller's.  journal_reload() journals the outcome
 * (issue "reload", verdict "reloaded" or "refused", @reason).
 */
void ld_collector__flush(struct ld_collector *c);
int ld_collector__set_rules(struct ld_collector *c, const struct ld_ruleset *rs,
			    const struct ld_ruleset *prev);
void ld_collector__journal_reload(struct ld_collector *c, bool done, const char *reason);

/* "summary: ..." on stdout, after the declines not shown yet; returns the number of failed dumps. */
unsigned long ld_collector__summary(struct ld_collector *c);
void ld_collector__free(struct ld_collector *c);

/* "10m", "1500ms": the shortest exact form of a duration. */
void ld_fmt_duration(char *buf, size_t size, uint64_t ns);
/* "1.5 MiB" */
void ld_fmt_size(char *buf, size_t size, uint64_t bytes);

#endif
