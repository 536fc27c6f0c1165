/* SPDX-License-Identifier: MIT */
/*
 * The dump's note types, one table entry each (as perf's feature_ops is for
 * its file header): the note's owner and type, its name, how the reader
 * parses it into struct ld_dump (dump/reader_priv.h) and how inspect shows
 * it, once, as text and as JSON (base/view.h).  One file per note type,
 * src/notes/NAME.c, defines `ld_note_NAME`.
 *
 * LD_NOTES() lists them in the order inspect shows them.  Adding a note
 * type: its LD_NT_ value in dump/dumpfmt.h, one line here, one file, a
 * section in docs/dump-format.md.  A line without its file does not link.
 */
#ifndef LIVEDUMP_NOTE_H
#define LIVEDUMP_NOTE_H

#include <stdbool.h>
#include <stdint.h>

#define LD_NOTES(X)						\
	X(header)	/* LD_NT_HEADER, with the file itself */	\
	X(cmdline)	/* LD_NT_CMDLINE */				\
	X(cwd)		/* LD_NT_CWD */					\
	X(capture)	/* LD_NT_CAPTURE */				\
	X(trigger)	/* LD_NT_TRIGGER: the issue, decoded */		\
	X(issue_text)	/* LD_NT_ISSUE_TEXT */				\
	X(rules)	/* LD_NT_RULES */				\
	X(threads)	/* LD_NT_THREADS, joined with NT_PRSTATUS */	\
	X(prstatus)	/* NT_PRSTATUS */				\
	X(fpregset)	/* NT_FPREGSET */				\
	X(xstate)	/* NT_X86_XSTATE */				\
	X(psinfo)	/* NT_PRPSINFO */				\
	X(siginfo)	/* NT_SIGINFO */				\
	X(auxv)		/* NT_AUXV */					\
	X(regions)	/* LD_NT_REGIONS */				\
	X(blob)		/* LD_NT_BLOB */				\
	X(hidden)	/* LD_NT_HIDDEN */				\
	X(fds)		/* LD_NT_FDS, with their sockets' ends */	\
	X(sockets)	/* LD_NT_SOCKETS */				\
	X(limits)	/* LD_NT_LIMITS */				\
	X(maps)		/* LD_NT_MAPS */				\
	X(file)		/* NT_FILE, with the memory segments */		\
	X(modules)	/* LD_NT_MODULES */				\
	X(environ)	/* LD_NT_ENVIRON */				\
	X(kproc)	/* LD_NT_KPROC */				\
	X(kstack)	/* LD_NT_KSTACK */				\
	X(kobj)		/* LD_NT_KOBJ: typed kernel objects */		\
	X(dstate)	/* LD_NT_DSTATE */				\
	X(disk)		/* LD_NT_DISK */				\
	X(kmsg)		/* LD_NT_KMSG */				\
	X(history)	/* LD_NT_HISTORY */				\
	X(complete)	/* LD_NT_COMPLETE, the trailer */

enum ld_note_id {
#define LD_NOTE_ENUM(name) LD_NOTE_##name,
	LD_NOTES(LD_NOTE_ENUM)
#undef LD_NOTE_ENUM
	LD_NOTE__COUNT
};

struct ld_dump;
struct ld_dump_note;
struct ld_view;

struct ld_show_opts {
	bool data;		/* inspect --data: region and blob bytes in JSON */
};

#define LD_NOTE_TRAILER	(1U << 0)	/* belongs in the trailer, and only it does */

struct ld_note_ops {
	const char *owner;	/* the ELF note's name: "LIVEDUMP", "CORE", "LINUX" */
	uint32_t type;
	const char *name;	/* "LD_NT_HEADER", as messages and readelf say it */
	unsigned flags;		/* LD_NOTE_* */
	/* Checks the note and fills the reader's fields: 0 or a negative errno (message in d). */
	int (*parse)(struct ld_dump *d, const struct ld_dump_note *n);
	/* Shows what the dump holds of it, also when it is missing (NULL: shown elsewhere). */
	void (*show)(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o);
};

#define LD_NOTE_DECL(name) extern const struct ld_note_ops ld_note_##name;
LD_NOTES(LD_NOTE_DECL)
#undef LD_NOTE_DECL

/* In LD_NOTES() order. */
extern const struct ld_note_ops *const ld_notes[LD_NOTE__COUNT];

/* The note type of @owner and @type, NULL when this reader does not know it. */
const struct ld_note_ops *ld_note_find(const char *owner, uint32_t type);

/* Every note's show, in order: what `livedump inspect` prints. */
void ld_notes__show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o);

#endif /* LIVEDUMP_NOTE_H */
