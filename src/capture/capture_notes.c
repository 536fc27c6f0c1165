// SPDX-License-Identifier: MIT
/*
 * The notes of a dump, in the order the kernel writes them for a core file
 * (first thread's NT_PRSTATUS, process-wide notes, its FP state, then the
 * other threads), which is the order gdb and elfutils expect; livedump's
 * own notes follow.
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "capture/capture_priv.h"
#include "detectors/detector.h"

#define CORE	"CORE"
#define LINUX	"LINUX"

static void add_prstatus(struct ld_notes *n, const struct ld_capture *c,
			 const struct ld_thread_cap *t)
{
	struct elf_prstatus ps;

	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = t->tid;
	ps.pr_ppid = c->pinfo.ppid;
	ps.pr_pgrp = c->pinfo.pgrp;
	ps.pr_sid = c->pinfo.sid;
	if (t->trigger) {
		ps.pr_info.si_signo = SIGSTOP;
		ps.pr_cursig = SIGSTOP;
	}
	memcpy(&ps.pr_reg, &t->regs, sizeof(ps.pr_reg) < sizeof(t->regs) ?
	       sizeof(ps.pr_reg) : sizeof(t->regs));
	ps.pr_fpvalid = t->have_fp;
	ld_notes__add(n, CORE, NT_PRSTATUS, &ps, sizeof(ps), NULL, 0);
}

static void add_fp(struct ld_notes *n, const struct ld_thread_cap *t)
{
	if (t->have_fp)
		ld_notes__add(n, CORE, NT_FPREGSET, &t->fp, sizeof(t->fp), NULL, 0);
	if (t->xstate_len)
		ld_notes__add(n, LINUX, NT_X86_XSTATE, t->xstate, t->xstate_len, NULL, 0);
}

static void add_prpsinfo(struct ld_notes *n, const struct ld_capture *c)
{
	struct elf_prpsinfo pi;
	size_t len = c->cmdline_len < sizeof(pi.pr_psargs) - 1 ? c->cmdline_len
							       : sizeof(pi.pr_psargs) - 1;

	memset(&pi, 0, sizeof(pi));
	pi.pr_state = 0;
	pi.pr_sname = 'T';
	pi.pr_pid = c->pid;
	pi.pr_ppid = c->pinfo.ppid;
	pi.pr_pgrp = c->pinfo.pgrp;
	pi.pr_sid = c->pinfo.sid;
	pi.pr_uid = getuid();
	pi.pr_gid = getgid();
	strncpy(pi.pr_fname, c->pinfo.name, sizeof(pi.pr_fname));
	if (c->cmdline)
		memcpy(pi.pr_psargs, c->cmdline, len);
	for (size_t i = 0; i < len; i++)
		if (!pi.pr_psargs[i])
			pi.pr_psargs[i] = ' ';
	ld_notes__add(n, CORE, NT_PRPSINFO, &pi, sizeof(pi), NULL, 0);
}

static void add_siginfo(struct ld_notes *n)
{
	siginfo_t si;

	/* bpf_send_signal() sends with SEND_SIG_PRIV, which reads as SI_KERNEL. */
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSTOP;
	si.si_code = SI_KERNEL;
	ld_notes__add(n, CORE, NT_SIGINFO, &si, sizeof(si), NULL, 0);
}

/* NT_FILE: count, page size, (start, end, page offset) triples, then names. */
static void add_files(struct ld_notes *n, const struct ld_capture *c)
{
	size_t count = 0, names = 0, off;
	uint64_t *desc;

	for (size_t i = 0; i < c->maps.n; i++)
		if (ld_map__is_file(&c->maps.v[i])) {
			count++;
			names += strlen(c->maps.v[i].path) + 1;
		}
	desc = calloc(1, (2 + 3 * count) * 8 + names);
	if (!desc) {
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	desc[0] = count;
	desc[1] = 4096;
	off = (2 + 3 * count) * 8;
	for (size_t i = 0, k = 0; i < c->maps.n; i++) {
		const struct ld_map *m = &c->maps.v[i];

		if (!ld_map__is_file(m))
			continue;
		desc[2 + 3 * k] = m->start;
		desc[3 + 3 * k] = m->end;
		desc[4 + 3 * k] = m->offset / 4096;
		strcpy((char *)desc + off, m->path);
		off += strlen(m->path) + 1;
		k++;
	}
	ld_notes__add(n, CORE, NT_FILE, desc, off, NULL, 0);
	free(desc);
}

void ld_header_init(struct ld_note_header *h)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	h->magic = LD_HEADER_MAGIC;
	h->format_major = LD_FORMAT_MAJOR;
	h->format_minor = LD_FORMAT_MINOR;
	h->size = sizeof(*h);
	gethostname(h->hostname, sizeof(h->hostname) - 1);
	if (!uname(&u))
		snprintf(h->kernel_release, sizeof(h->kernel_release), "%s", u.release);
	snprintf(h->collector_version, sizeof(h->collector_version), "livedump %s", LD_VERSION);
}

static void add_header(struct ld_notes *n, const struct ld_capture *c)
{
	struct ld_note_header h;

	ld_header_init(&h);
	h.capture_type = c->opts.type;
	h.detector = c->opts.detector;
	h.issue_type = ld_detector_get(c->opts.detector) ?
		       ld_detector_get(c->opts.detector)->legacy_issue : 0;
	h.flags = c->hdr_flags;
	h.code = c->opts.code;
	h.pid = c->pid;
	h.tid = c->trigger_tid;
	h.nthreads = c->nthreads;
	memcpy(h.params, c->opts.params, sizeof(h.params));
	h.issue_time_ns = c->t_issue;
	h.capture_start_ns = c->t_start;
	h.capture_end_ns = c->resumed ? c->t_resumed : 0;
	h.pause_ns = c->resumed ? c->mono_resumed - c->mono_start : 0;
	snprintf(h.rule, sizeof(h.rule), "%s", c->opts.rule ? c->opts.rule : "");
	snprintf(h.comm, sizeof(h.comm), "%s", c->pinfo.name);
	snprintf(h.exe, sizeof(h.exe), "%s", c->exe);
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_HEADER, &h, sizeof(h), NULL, 0);
}

static void add_threads(struct ld_notes *n, const struct ld_capture *c)
{
	struct ld_note_table tab = { c->nthreads, sizeof(struct ld_note_thread) };
	struct ld_note_thread *v = calloc(c->nthreads ? c->nthreads : 1, sizeof(*v));

	if (!v) {
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->nthreads; i++) {
		const struct ld_thread_cap *t = &c->threads[i];

		v[i].tid = t->tid;
		v[i].flags = (t->trigger ? LD_THR_TRIGGER : 0) | (t->have_regs ? 0 : LD_THR_NO_REGS);
		memcpy(v[i].name, t->info.name, sizeof(v[i].name));
		v[i].state = t->info.state;
		v[i].syscall = t->info.syscall;
		v[i].stack_lo = t->stack_lo;
		v[i].stack_hi = t->stack_hi;
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_THREADS, &tab, sizeof(tab), v, c->nthreads * sizeof(*v));
	free(v);
}

static void add_fds(struct ld_notes *n, const struct ld_capture *c)
{
	struct ld_note_table tab = { c->nfds, 0 };
	size_t total = 0, off = 0;
	unsigned char *buf;

	for (size_t i = 0; i < c->nfds; i++)
		total += (sizeof(struct ld_note_fd) + strlen(c->fds[i].target) + 1 + 7) & ~7UL;
	buf = calloc(1, total ? total : 1);
	if (!buf) {
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->nfds; i++) {
		const struct ld_fd *f = &c->fds[i];
		struct ld_note_fd *r = (struct ld_note_fd *)(buf + off);
		size_t tl = strlen(f->target) + 1;

		r->size = (sizeof(*r) + tl + 7) & ~7UL;
		r->fd = f->fd;
		r->flags = f->flags;
		r->mode = f->mode;
		r->pos = f->pos;
		r->ino = f->ino;
		memcpy(r->target, f->target, tl);
		off += r->size;
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_FDS, &tab, sizeof(tab), buf, off);
	free(buf);
}

static void add_sockets(struct ld_notes *n, const struct ld_proc_env *e)
{
	struct ld_note_table tab = { e->nsockets, 0 };
	size_t total = 0, off = 0;
	unsigned char *buf;

	for (size_t i = 0; i < e->nsockets; i++) {
		const struct ld_socket *s = &e->sockets[i];

		total += (sizeof(struct ld_note_socket) + (s->path ? strlen(s->path) + 1 : 0) +
			  (s->peer_path ? strlen(s->peer_path) + 1 : 0) + 7) & ~7UL;
	}
	buf = calloc(1, total ? total : 1);
	if (!buf) {
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	for (size_t i = 0; i < e->nsockets; i++) {
		const struct ld_socket *s = &e->sockets[i];
		struct ld_note_socket *r = (struct ld_note_socket *)(buf + off);
		size_t pl = s->path ? strlen(s->path) + 1 : 0;
		size_t ppl = s->peer_path ? strlen(s->peer_path) + 1 : 0;

		*r = s->s;
		r->path_len = pl;
		r->peer_path_len = ppl;
		r->size = (sizeof(*r) + pl + ppl + 7) & ~7UL;
		if (pl)
			memcpy(r->data, s->path, pl);
		if (ppl)
			memcpy(r->data + pl, s->peer_path, ppl);
		off += r->size;
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_SOCKETS, &tab, sizeof(tab), buf, off);
	free(buf);
}

/* Environment, cwd, limits and sockets: what systemd-coredump keeps of a crash. */
static void add_surroundings(struct ld_notes *n, const struct ld_proc_env *e)
{
	struct ld_note_table tab = { e->nlimits, sizeof(struct ld_note_limit) };

	if (e->environ)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_ENVIRON, e->environ, e->environ_len, NULL, 0);
	if (e->cwd[0])
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_CWD, e->cwd, strlen(e->cwd) + 1, NULL, 0);
	if (e->nlimits)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_LIMITS, &tab, sizeof(tab), e->limits,
			      e->nlimits * sizeof(e->limits[0]));
	if (e->nsockets)
		add_sockets(n, e);
}

static void add_modules(struct ld_notes *n, const struct ld_capture *c)
{
	struct ld_note_table tab = { c->nmodules, 0 };
	size_t len;
	void *buf;

	if (ld_modules_encode(c->modules, c->nmodules, &buf, &len)) {
		n->err = n->err ? n->err : -ENOMEM;
		return;
	}
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_MODULES, &tab, sizeof(tab), buf, len);
	free(buf);
}

/* LD_NT_HIDDEN: what of the memory the process hid the capture wanted, taken or not. */
static void add_hidden(struct ld_notes *n, const struct ld_capture *c)
{
	struct ld_note_hidden h = {
		.size = sizeof(h), .flags = c->hidden.flags, .coredump_filter = c->hidden.filter,
		.count = c->nhid, .entry_size = sizeof(struct ld_hidden_range),
	};

	if (c->opts.hidden == LD_HIDDEN_ALL)
		h.flags |= LD_HID_TAKE_ALL;
	else if (c->opts.hidden == LD_HIDDEN_REGIONS)
		h.flags |= LD_HID_TAKE_REGIONS;
	for (size_t i = 0; i < c->nhid; i++)
		if (!(c->hid[i].flags & LD_HIDR_TAKEN))
			h.left_out_bytes += c->hid[i].len;
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_HIDDEN, &h, sizeof(h), c->hid,
		      c->nhid * sizeof(*c->hid));
}

void ld_capture__proc_notes(const struct ld_capture *c, struct ld_notes *n)
{
	if (c->opts.rule_names)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_RULES, c->opts.rule_names,
			      c->opts.rule_names_len, NULL, 0);
	if (c->nthreads)
		add_threads(n, c);
	add_fds(n, c);
	if (c->maps.text)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_MAPS, c->maps.text, strlen(c->maps.text),
			      NULL, 0);
	if (c->cmdline_len)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_CMDLINE, c->cmdline, c->cmdline_len, NULL, 0);
	if (c->nmodules)
		add_modules(n, c);
	add_surroundings(n, &c->env);
	ld_kview__notes(&c->kview, n);
}

int ld_capture__notes(const struct ld_capture *c, struct ld_notes *n)
{
	struct ld_note_table tab;

	for (size_t i = 0; i < c->nthreads; i++) {
		add_prstatus(n, c, &c->threads[i]);
		if (i == 0) {
			add_prpsinfo(n, c);
			add_siginfo(n);
			if (c->auxv_len)
				ld_notes__add(n, CORE, NT_AUXV, c->auxv, c->auxv_len, NULL, 0);
			add_files(n, c);
		}
		add_fp(n, &c->threads[i]);
	}
	add_header(n, c);
	if (c->opts.trigger_len)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_TRIGGER, c->opts.trigger,
			      c->opts.trigger_len, NULL, 0);
	if (c->opts.rule_names)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_RULES, c->opts.rule_names,
			      c->opts.rule_names_len, NULL, 0);
	if (c->opts.issue_text)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_ISSUE_TEXT, c->opts.issue_text,
			      strlen(c->opts.issue_text), NULL, 0);
	add_threads(n, c);
	tab = (struct ld_note_table){ c->nregions, sizeof(struct ld_note_region) };
	ld_notes__add(n, LD_NOTE_OWNER, LD_NT_REGIONS, &tab, sizeof(tab), c->regions,
		      c->nregions * sizeof(*c->regions));
	for (size_t i = 0; i < c->nblobs; i++)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_BLOB, &c->blobs[i].n, sizeof(c->blobs[i].n),
			      c->blobs[i].data, c->blobs[i].n.len);
	if (c->opts.type != LD_CAPTURE_CONTEXT)
		add_hidden(n, c);
	add_fds(n, c);
	if (c->maps.text)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_MAPS, c->maps.text, strlen(c->maps.text),
			      NULL, 0);
	if (c->cmdline_len)
		ld_notes__add(n, LD_NOTE_OWNER, LD_NT_CMDLINE, c->cmdline, c->cmdline_len, NULL, 0);
	if (c->nmodules)
		add_modules(n, c);
	add_surroundings(n, &c->env);
	ld_kview__notes(&c->kview, n);
	if (c->opts.kernel_notes)
		ld_notes__append(n, c->opts.kernel_notes);
	return n->err;
}
