/* SPDX-License-Identifier: MIT */
/*
 * The dump reader's insides, for the note types that parse into it
 * (src/notes/): struct ld_dump and the checks every note parser shares.
 * Nothing outside src/dump and src/notes includes this; the public face is
 * dump_reader.h.
 */
#ifndef LIVEDUMP_READER_PRIV_H
#define LIVEDUMP_READER_PRIV_H

#include <elf.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/procfs.h>
#include "dump/dump_reader.h"

/* Notes that may appear once; the index remembers the first one. */
enum single {
	S_HEADER, S_TRIGGER, S_THREADS, S_REGIONS, S_FDS, S_MAPS, S_CMDLINE, S_ISSUE_TEXT, S_RULES,
	S_COMPLETE, S_PRPSINFO, S_SIGINFO, S_AUXV, S_FILE, S_MODULES, S_ENVIRON, S_CWD,
	S_LIMITS, S_SOCKETS, S_HIDDEN, S_NR
};

/* A PT_NOTE segment held in memory. */
struct note_seg {
	unsigned phdr;
	uint64_t offset, filesz, avail;
	unsigned char *buf;
};

/* LD_NT_HISTORY, LD_NT_KSTACK, LD_NT_KPROC (kview.h). */
struct kview_data {
	int hist_note, kstack_note, kproc_note;		/* note index + 1 */
	struct ld_dump_history hist;
	struct ld_hist_ev *ev;
	struct ld_dump_kstack *ks;
	size_t nks;
	uint64_t *addrs;
	const char **syms;
	struct ld_dump_kproc kproc;
};

struct ld_dump {
	char *path;
	int fd;
	unsigned flags;
	uint64_t size;			/* of the plain core */
	uint64_t disk_size;		/* of the file */
	const char *compression;	/* NULL: a plain core */
	struct ld_compress_reader *gz;	/* a livedump compressed dump: read in place */
	char *gzmsg;			/* why the last block could not be read */
	struct ld_note_capture capture;	/* LD_NT_CAPTURE, when capnote */
	int capnote;			/* its note index + 1 */

	Elf64_Phdr *phdrs;
	size_t nphdrs;
	struct ld_dump_segment *segs;
	size_t nsegs;
	struct note_seg *nsegv;		/* PT_NOTE segments in phdr order */
	size_t nnsegs;
	char *cut;

	struct ld_dump_note *notes;
	size_t nnotes, notes_cap;
	int single[S_NR];		/* note index + 1 of each singleton */

	struct ld_note_header hdr;
	bool has_hdr;
	const void *trigger;
	size_t trigger_len;
	struct ld_app_trigger app;
	bool has_app;
	const char *maps, *cmdline, *issue_text, *rules;
	size_t maps_len, cmdline_len, issue_text_len, rules_len;

	/* NT_PRSTATUS threads as found, then the joined list. */
	struct ld_dump_thread *rthreads;
	struct elf_prstatus *prs;
	size_t nrthreads;
	struct ld_dump_thread *ttable;	/* LD_NT_THREADS entries */
	size_t nttable;
	struct ld_dump_thread *threads;
	size_t nthreads;

	struct ld_dump_region *regions;
	size_t nregions;
	struct ld_dump_blob *blobs;
	size_t nblobs;
	struct ld_dump_fd *fds;
	size_t nfds;
	struct ld_dump_file *files;
	size_t nfiles;
	struct ld_dump_module *modules;
	size_t nmodules;
	const char *environ, *cwd;	/* LD_NT_ENVIRON, LD_NT_CWD */
	size_t environ_len;
	struct ld_note_hidden hidden;	/* LD_NT_HIDDEN, when has_hidden */
	bool has_hidden;
	struct ld_hidden_range *hid;
	size_t nhid;
	struct ld_note_limit *limits;	/* LD_NT_LIMITS */
	size_t nlimits;
	struct ld_dump_socket *sockets;	/* LD_NT_SOCKETS, by inode */
	size_t nsockets;
	struct ld_dump_auxv *auxv;
	size_t nauxv;
	struct elf_prpsinfo psinfo;
	bool has_psinfo;
	siginfo_t siginfo;
	bool has_siginfo;
	struct ld_note_complete complete;
	bool has_complete;
	struct kview_data kv;
	/* LD_NT_KOBJ, LD_NT_DSTATE, LD_NT_DISK, LD_NT_KMSG: note index + 1 (notes/kobj.c ...) */
	int kobj_note, dstate_note, disk_note, kmsg_note;

	/* Where open() puts its message. */
	char *err;
	size_t errlen;
};

/* --- shared by the note parsers (dump_reader.c) ------------------------------ */

/* The open() error message "PATH: ..."; returns @err. */
int ld_rd_fail(struct ld_dump *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ld_rd_vfail(struct ld_dump *d, int err, const char *fmt, va_list ap);
/* "note N at offset 0x.. (LD_NT_X): ..."; returns -EBADMSG. */
int ld_rd_note_fail(struct ld_dump *d, const struct ld_dump_note *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note that may appear once: its index is remembered, a second one rejected. */
int ld_rd_once(struct ld_dump *d, const struct ld_dump_note *n, enum single s);
/* The same for a slot of its own (note index + 1, 0 when none yet). */
int ld_rd_once_slot(struct ld_dump *d, const struct ld_dump_note *n, int *slot);
/* At least @size bytes of description. */
int ld_rd_need(struct ld_dump *d, const struct ld_dump_note *n, size_t size);
/* Room for element @n of an array that doubles at powers of two: 0 or -ENOMEM. */
int ld_rd_grow(void **arr, size_t n, size_t size);
/*
 * A fixed-entry table: a struct ld_note_table, then count entries of
 * entry_size bytes, of which the first @min_size are read.  The first
 * entry, or NULL after reporting the problem in *err.
 */
const unsigned char *ld_rd_table(struct ld_dump *d, const struct ld_dump_note *n,
				 size_t min_size, struct ld_note_table *t, int *err);
uint32_t ld_rd_crc32(uint32_t crc, const void *buf, uint64_t len);
/* A fixed-size string field, copied and terminated. */
void ld_rd_copy_str(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif /* LIVEDUMP_READER_PRIV_H */
