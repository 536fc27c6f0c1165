/* SPDX-License-Identifier: MIT */
/*
 * A detector, defined once.  Each detector is one file src/detectors/NAME.c
 * (its BPF part in bpf/detectors/NAME.bpf.h) that fills one struct
 * ld_detector: its rule keys and captures, how its rules compile for the
 * kernel, which programs it loads and attaches, what its record becomes at
 * the collector and how that record is decoded for every tool.  The table
 * (table.c) is indexed by enum ld_detector, which LD_DETECTORS() in
 * kabi/records.h generates; a name in that list without its file is a link
 * error.  Nothing outside the detector files and the table asks which
 * detector it has: it calls through the table.  docs/hacking.md says how to
 * add one.
 */
#ifndef LIVEDUMP_DETECTOR_H
#define LIVEDUMP_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "detectors/fields.h"
#include "dump/dumpfmt.h"
#include "kabi/records.h"

struct ld_loader;
struct ld_rule;
struct ld_ruleset;
struct ld_rule_key;
struct ld_bpf_rule;

/* Capture types as a mask: ld_detector.captures. */
#define LD_CAP(t)		(1U << (t))
#define LD_CAP_ALL		(LD_CAP(LD_CAPTURE_CONTEXT) | LD_CAP(LD_CAPTURE_MINI) | \
				 LD_CAP(LD_CAPTURE_FULL))

/* What a record becomes at the collector: what to capture and how to name it. */
struct ld_issue {
	const struct ld_detector_ops *det;
	const void *rec;		/* the record, kept as the dump's trigger note */
	size_t len;
	uint32_t code;			/* ld_note_header.code and params: the record's */
	uint64_t params[4];		/*   main numbers, for readers of format < 1.3 */
	uint64_t req_addr;		/* app: where the trigger waits for its answer */
	const struct ld_trigger_req *req;	/* app: the request as BPF read it */
	const struct ld_blob_desc *blobs;
	unsigned nblobs;
	const struct ld_regs *regs;	/* what BPF saw, for ld_capture_opts.issue_regs */
	bool context_only;		/* nothing live to capture: a fatal signal, an exit, an OOM kill */
	/*
	 * "key=value\n" lines the collector learned beside the record (the
	 * probe's location, the device's name, the assertion's text ...),
	 * kept as LD_NT_ISSUE_TEXT so that a dump read elsewhere decodes the
	 * same; "" for none.
	 */
	char text[1536];
	/*
	 * Typed kernel objects BPF copied (LD_EVF_KOBJ: a struct ld_kobj_set
	 * and their bytes after the record), or NULL; and what of the
	 * system's kernel state ->issue wants in the dump (LD_KSYS_* of
	 * capture/knotes.h; ksys_dev the disk of LD_KSYS_DISK).
	 */
	const void *kobj;
	size_t kobj_len;
	unsigned ksys;
	uint32_t ksys_dev;
	const int64_t *kargs;		/* the call's arguments, for a file object's path */
	unsigned nkargs;
	struct ld_fields fields;	/* decoded, after ->issue */
};

#define LD_KARGS_ARGS	(1U << 0)	/* arg1..arg6 */
#define LD_KARGS_RET	(1U << 1)	/* ret */

/* What ->issue gets: the record as it came, and the rule it matched. */
struct ld_issue_ctx {
	const struct ld_event_hdr *hdr;
	size_t size;			/* >= the detector's record_size */
	const struct ld_rule *rule;
};

/* What ->decode gets: from the ring buffer, the journal's collector or a dump. */
struct ld_issue_src {
	const void *rec;		/* the detector's record; NULL when none */
	size_t len;
	const char *text;		/* LD_NT_ISSUE_TEXT; NULL */
	size_t text_len;
	uint32_t code;			/* a dump's header, for dumps without a record */
	uint64_t params[4];
	bool legacy;			/* a dump older than format 1.3 (records may be shorter) */
};

struct ld_detector_ops {
	const char *name;		/* the rule keyword and its name in every tool */
	const char *doc;		/* one line: what it sees */

	/* Rules (rules/rules.c). */
	bool no_rules;			/* not a rule's detector (manual) */
	/* Its rules need the client library's trigger probed in every watched executable. */
	bool needs_clients;
	const struct ld_rule_key *keys;	/* ISSUE-PARAMS keys */
	size_t nkeys;
	unsigned captures;		/* LD_CAP() mask of the allowed capture types */
	enum ld_capture_type default_capture;
	/* What capture kernel= may name (LD_KARGS_*): typed kernel arguments; 0 none. */
	unsigned kernel_args;
	/* Checks across keys once a rule is parsed: 0, or fills @why. */
	int (*check)(const struct ld_rule *r, char *why, size_t size);
	/* Its ISSUE-PARAMS into the kernel's rule (filters and limits are common); NULL: none. */
	void (*compile)(const struct ld_rule *r, struct ld_bpf_rule *out);
	/*
	 * The rule's program finds it by its attach cookie, not in the
	 * detector's det_rules list; NULL: never.
	 */
	bool (*by_cookie)(const struct ld_rule *r);

	/* BPF (collector/loader.c): programs by the skeleton's names. */
	const char *const *progs;	/* NULL-terminated; the loader turns them off first */
	/* Before load: turn on (ld_loader__autoload) what its rules need, set rodata. */
	int (*configure)(struct ld_loader *l, const struct ld_ruleset *rs);
	/*
	 * After load, before attach, and again at each reload: fill the maps
	 * its rules configure, other than the rules map (which syscalls a
	 * syscall rule names, ...).  NULL: none.
	 */
	int (*update)(struct ld_loader *l, const struct ld_ruleset *rs);
	/* After load: attach its programs (links go to the loader). */
	int (*attach)(struct ld_loader *l, const struct ld_ruleset *rs);

	/* Events (collector/collector.c). */
	size_t record_size;		/* smallest record it takes; 0: it has none */
	/* A fatal issue whose process the kernel is dumping: the crash path takes it. */
	bool core_follows;
	/* Fills @is (code, params, what to capture, text) from the record. */
	void (*issue)(const struct ld_issue_ctx *x, struct ld_issue *is);
	/* Decodes a record (and its text) into named values and a summary. */
	void (*decode)(const struct ld_issue_src *src, struct ld_fields *f);

	/* Dumps older than format 1.3 (dump/dump_reader.c). */
	uint32_t legacy_issue;		/* their ld_note_header.issue_type */
	uint32_t legacy_event;		/* their record's (and history's) event type */
	/* Several detectors shared a legacy type: is this record ours? NULL: yes. */
	bool (*legacy_match)(const void *rec, size_t len);
};

extern const struct ld_detector_ops *const ld_detectors[LD_DET__COUNT];

/* NULL for LD_DET_NONE and numbers this build does not know. */
const struct ld_detector_ops *ld_detector_get(uint32_t id);
/* By name, rule detectors only; NULL. */
const struct ld_detector_ops *ld_detector_by_name(const char *name);
/* Its number in the table. */
enum ld_detector ld_detector_id(const struct ld_detector_ops *d);
/* "syscall", or "unknown" for an id this build does not know. */
const char *ld_detector_name(uint32_t id);
/* The detector of a dump older than format 1.3; NULL. */
const struct ld_detector_ops *ld_detector_legacy(uint32_t issue_type, const void *rec, size_t len);
/* The detector of a history event's type (@legacy: a dump before 1.3); NULL. */
const struct ld_detector_ops *ld_detector_of_event(uint32_t event, bool legacy);

#define ld_for_each_detector(d, id)						\
	for (uint32_t id = 1; id < LD_DET__COUNT; id++)				\
		if (((d) = ld_detectors[id]) != NULL)

/*
 * Decodes through @d (NULL: unknown detector) into @f: the fields and the
 * summary; a record shorter than the detector's says so in the summary.
 */
void ld_issue_decode(const struct ld_detector_ops *d, const struct ld_issue_src *src,
		     struct ld_fields *f);
/* At the collector: ->issue then ->decode, for a record of @x->hdr->type. */
int ld_issue_from_record(const struct ld_detector_ops *d, const struct ld_issue_ctx *x,
			 struct ld_issue *is);

#endif
