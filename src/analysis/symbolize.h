/* SPDX-License-Identifier: MIT */
/*
 * Stacks from a dump, symbolized.
 *
 * elfutils' libdwfl unwinds each thread from its registers (NT_PRSTATUS)
 * and the stack memory the dump holds (ld_dump__read_mem), using the CFI
 * of the mapped objects (.eh_frame, .debug_frame), so code built without
 * frame pointers unwinds too.  Mini dumps work: only the stacks and the
 * objects' files are needed.  The objects come from the dump's module
 * note (paths, address ranges, build-ids) or, in dumps without one, from
 * NT_FILE; the vDSO is read from the dump itself.  Each object is looked
 * for under --symfs, at its path (accepted only when its build-id is the
 * recorded one), then by build-id in the debug directories (and through
 * debuginfod when DEBUGINFOD_URLS is set).  Debug info is found the
 * standard way (build-id, .gnu_debuglink, /usr/lib/debug), and with it
 * frames get file:line and inlined calls become frames of their own.
 *
 * A session symbolizes many dumps: each object's symbols and debug info
 * are loaded once per session (libc's compressed debug info alone takes
 * tens of milliseconds), whatever address each process had it at.
 */
#ifndef LIVEDUMP_SYMBOLIZE_H
#define LIVEDUMP_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dump/dump_reader.h"

struct ld_frame {
	uint64_t pc;		/* return address in callers; the same for inline frames */
	char *function;		/* NULL: no symbol covers pc */
	uint64_t offset;	/* pc - start of function (0 for inline frames) */
	char *module;		/* path of the object, NULL: pc is in none */
	uint64_t module_offset;	/* pc - start of the object's mapping */
	char *file;		/* source file, NULL without debug info */
	unsigned line;		/* 0 when unknown */
	bool inlined;		/* an inlined call inside the next frame's function */
	bool kernel;		/* a kernel frame (see ld_dump_kernel_stack) */
	bool debuginfod;	/* its object's file or debug info came from debuginfod */
};

struct ld_stack {
	struct ld_frame *frames;	/* leaf first: kernel frames, then user frames */
	size_t n;
	bool truncated;			/* stopped at the frame limit */
};

struct ld_sym_opts {
	const char *symfs;		/* look for objects under this root first */
	const char *debuginfo_path;	/* libdwfl's search path; NULL: ":.debug:/usr/lib/debug" */
	unsigned max_frames;		/* 0: 128 */
};

struct ld_sym_session;
struct ld_symbolizer;

/* The options are copied.  0 or -ENOMEM. */
int ld_sym_session__new(const struct ld_sym_opts *o, struct ld_sym_session **out);
void ld_sym_session__free(struct ld_sym_session *ss);

/*
 * Objects whose file was not found (or had another build-id), each once:
 * frames in them show as object+offset.  Each is "PATH (build-id HEX): why".
 */
size_t ld_sym_session__nmissing(const struct ld_sym_session *ss);
const char *ld_sym_session__missing(const struct ld_sym_session *ss, size_t i);

/* The session's debuginfod client (analysis/debuginfod.h): NULL without DEBUGINFOD_URLS. */
struct ld_debuginfod;
const struct ld_debuginfod *ld_sym_session__debuginfod(const struct ld_sym_session *ss);

/*
 * Prepares unwinding for the threads of d (which must outlive it) within
 * the session.  0, or -ENOMEM / -EINVAL (libdwfl refused) with a message
 * in err.
 */
int ld_symbolizer__new(struct ld_sym_session *ss, const struct ld_dump *d,
		       struct ld_symbolizer **out, char *err, size_t errlen);
void ld_symbolizer__free(struct ld_symbolizer *s);

/*
 * The stack of thread tid, leaf first, in *st (free with ld_stack__free).
 * A thread without registers gives an empty stack.  0 or -ENOMEM.
 */
int ld_symbolizer__stack(struct ld_symbolizer *s, uint32_t tid, struct ld_stack *st);

void ld_stack__free(struct ld_stack *st);

/*
 * The kernel stack of thread tid as captured, symbolized by the capture,
 * leaf first, appended to st with kernel set.  Captures do not record
 * kernel stacks yet (a later issue adds a note for them): this is where
 * they will be read, and every consumer of struct ld_stack already shows
 * kernel frames.  Returns the number of frames added (0 today) or -ENOMEM.
 */
int ld_dump_kernel_stack(const struct ld_dump *d, uint32_t tid, struct ld_stack *st);

/* "function", "function+0x1f", "libc.so.6+0x2a3f0" or "0x7f00..": for display and grouping. */
const char *ld_frame__name(const struct ld_frame *f, bool with_offset, char *buf, size_t len);

/* The triggering thread of a dump: header tid, else LD_THR_TRIGGER, else the first. */
const struct ld_dump_thread *ld_dump_trigger_thread(const struct ld_dump *d);

#endif /* LIVEDUMP_SYMBOLIZE_H */
