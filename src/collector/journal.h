/* SPDX-License-Identifier: MIT */
/*
 * The session journal: one JSON object per line for every issue event a
 * rule matched — dumped, declined (by which limit) or failed (why) — in
 * OUTDIR/journal-TIME-PID.jsonl.  Each line is one write(2) to an O_APPEND
 * file, so a collector that dies loses nothing it had journaled.  The file
 * is created new (O_EXCL|O_NOFOLLOW, relative to the checked output
 * directory: outdir.h); a file or link already at its name is refused.
 * docs/commands/script.md lists the fields.
 */
#ifndef LIVEDUMP_JOURNAL_H
#define LIVEDUMP_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

struct ld_fields;
struct ld_cg_ident;

struct ld_journal_entry {
	uint64_t time_ns;	/* CLOCK_REALTIME of the issue */
	const char *rule;
	const char *issue;	/* detector name */
	uint32_t pid, tid;
	const char *comm;
	uint32_t code;
	uint64_t param;
	const struct ld_fields *fields;	/* the decoded issue ("summary", "fields"); NULL */
	const char *verdict;	/* "dumped", "declined", "failed" */
	const char *reason;	/* why declined or failed; NULL */
	bool frozen;		/* the kernel stopped the process for it */
	const char *dump;	/* file name of the dump; NULL */
	uint64_t size;		/* bytes of the dump */
	uint64_t pause_ns;	/* time the process was held */
	/*
	 * Events this entry stands for: 0 or 1 one event; more for what the
	 * kernel counted without a record (declined beyond the send budget,
	 * dropped because the ring was full).
	 */
	uint64_t count;
	const struct ld_cg_ident *ident;	/* its unit and container; NULL: not known */
};

struct ld_journal;
int ld_journal__open(const char *dir, struct ld_journal **out);
int ld_journal__append(struct ld_journal *j, const struct ld_journal_entry *e);
/* The line append would write (with its newline), malloc'ed. */
int ld_journal__format(const struct ld_journal_entry *e, char **line, size_t *len);
/* For the guard, which journals what a dead collector cannot (-1: none). */
int ld_journal__fd(const struct ld_journal *j);
const char *ld_journal__path(const struct ld_journal *j);
void ld_journal__free(struct ld_journal *j);

#define LD_JOURNAL_PREFIX "journal-"
#define LD_JOURNAL_SUFFIX ".jsonl"

#endif
