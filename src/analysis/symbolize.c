// SPDX-License-Identifier: MIT
/*
 * Stacks from dumps, symbolized (see symbolize.h).
 *
 * Two kinds of libdwfl sessions: one per dump unwinds (dwfl_dump.c: the
 * objects at the dump's addresses, its threads and memory), and one per
 * object symbolizes, at the object's link-time addresses, for the whole
 * session — so each object's symbol table and debug info are read once
 * however many dumps, at however many load addresses, refer to it.
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/debuginfod.h"
#include "analysis/dwfl_dump.h"
#include "base/log.h"
#include "capture/modules.h"
#include "analysis/symbolize.h"

#define DEFAULT_MAX_FRAMES	128

/* An object file loaded for symbolization, at its link-time addresses. */
struct object {
	char *key;		/* build-id in hex, or the file's path when it has none */
	Dwfl *dwfl;
	Dwfl_Module *mod;	/* NULL: libdwfl could not load the file */
};

struct ld_sym_session {
	struct ld_sym_opts o;
	char *debuginfo_path;	/* Dwfl_Callbacks points at it */
	Dwfl_Callbacks cb;
	struct object *objs;
	size_t nobjs;
	char **missing;
	size_t nmissing;
	struct ld_debuginfod *dbgd;	/* NULL: no DEBUGINFOD_URLS */
};

struct ld_symbolizer {
	struct ld_sym_session *ss;
	const struct ld_dump *d;
	struct ld_dwfl_dump *dd;
};

/* --- the session ---------------------------------------------------------------------- */

/*
 * The standard places first (build-id and .gnu_debuglink under the debug
 * directories); what is not there, from debuginfod by build-id.  The
 * module's userdata is its session (load_object).
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct ld_sym_session *ss = *userdata;
	const unsigned char *bits;
	GElf_Addr vaddr;
	char *path;
	char *hidden = ld_debuginfod__hide(ss ? ss->dbgd : NULL);
	int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					      debuglink_file, debuglink_crc,
					      debuginfo_file_name);
	int len;

	ld_debuginfod__unhide(hidden);
	if (fd >= 0 || !ss || !ss->dbgd)
		return fd;
	len = dwfl_module_build_id(mod, &bits, &vaddr);
	if (len <= 0)
		return fd;
	fd = ld_debuginfod__find(ss->dbgd, LD_DBGD_DEBUGINFO, bits, len, &path);
	if (fd < 0)
		return -1;
	free(*debuginfo_file_name);
	*debuginfo_file_name = path;
	return fd;
}

int ld_sym_session__new(const struct ld_sym_opts *o, struct ld_sym_session **out)
{
	struct ld_sym_session *ss = calloc(1, sizeof(*ss));

	*out = NULL;
	if (!ss)
		return -ENOMEM;
	ss->o = *o;
	if (o->debuginfo_path && !(ss->debuginfo_path = strdup(o->debuginfo_path))) {
		free(ss);
		return -ENOMEM;
	}
	ss->cb.find_elf = dwfl_build_id_find_elf;
	ss->cb.find_debuginfo = find_debuginfo;
	ss->cb.debuginfo_path = &ss->debuginfo_path;
	if (ld_debuginfod__new(&ss->dbgd)) {
		ld_sym_session__free(ss);
		return -ENOMEM;
	}
	*out = ss;
	return 0;
}

void ld_sym_session__free(struct ld_sym_session *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->nobjs; i++) {
		free(ss->objs[i].key);
		if (ss->objs[i].dwfl)
			dwfl_end(ss->objs[i].dwfl);
	}
	free(ss->objs);
	for (size_t i = 0; i < ss->nmissing; i++)
		free(ss->missing[i]);
	free(ss->missing);
	free(ss->debuginfo_path);
	ld_debuginfod__free(ss->dbgd);
	free(ss);
}

const struct ld_debuginfod *ld_sym_session__debuginfod(const struct ld_sym_session *ss)
{
	return ss->dbgd;
}

size_t ld_sym_session__nmissing(const struct ld_sym_session *ss)
{
	return ss->nmissing;
}

const char *ld_sym_session__missing(const struct ld_sym_session *ss, size_t i)
{
	return i < ss->nmissing ? ss->missing[i] : NULL;
}

/* Called by the dump sessions: each missing object is kept once. */
static void note_missing(void *ctx, const char *msg)
{
	struct ld_sym_session *ss = ctx;
	char **v;

	for (size_t i = 0; i < ss->nmissing; i++)
		if (!strcmp(ss->missing[i], msg))
			return;
	v = realloc(ss->missing, (ss->nmissing + 1) * sizeof(*v));
	if (!v)
		return;
	ss->missing = v;
	if ((v[ss->nmissing] = strdup(msg)))
		ss->nmissing++;
}

/* The file at path, alone in a Dwfl, with bias 0: addresses are link-time ones. */
static void load_object(struct ld_sym_session *ss, struct object *obj, const char *name,
			const char *path)
{
	obj->dwfl = dwfl_begin(&ss->cb);
	if (!obj->dwfl)
		return;
	dwfl_report_begin(obj->dwfl);
	obj->mod = dwfl_report_elf(obj->dwfl, name, path, -1, 0, true);
	if (dwfl_report_end(obj->dwfl, NULL, NULL))
		obj->mod = NULL;
	if (obj->mod) {
		void **ud;

		dwfl_module_info(obj->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
		*ud = ss;	/* for find_debuginfo */
	}
	if (!obj->mod)
		ld_dbg("cannot load %s for symbols: %s", path, dwfl_errmsg(-1));
}

/*
 * The session's copy of the object that mod (in a dump session) was
 * loaded from, or NULL when it has no file (the vDSO) or no memory is left.
 */
static struct object *object_of(struct ld_sym_session *ss, Dwfl_Module *mod)
{
	const unsigned char *bits;
	const char *name, *file = NULL;
	char key[2 * LD_BUILD_ID_MAX + 1];
	struct object *v, *obj;
	GElf_Addr vaddr;
	int len;

	name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &file, NULL);
	if (!file)
		return NULL;
	len = dwfl_module_build_id(mod, &bits, &vaddr);
	if (len > 0)
		ld_build_id_hex(bits, len, key, sizeof(key));
	for (size_t i = 0; i < ss->nobjs; i++)
		if (!strcmp(ss->objs[i].key, len > 0 ? key : file))
			return &ss->objs[i];
	v = realloc(ss->objs, (ss->nobjs + 1) * sizeof(*v));
	if (!v)
		return NULL;
	ss->objs = v;
	obj = &v[ss->nobjs];
	memset(obj, 0, sizeof(*obj));
	obj->key = strdup(len > 0 ? key : file);
	if (!obj->key)
		return NULL;
	ss->nobjs++;
	load_object(ss, obj, name, file);
	return obj;
}

/* --- a dump ------------------------------------------------------------------------------ */

int ld_symbolizer__new(struct ld_sym_session *ss, const struct ld_dump *d,
		       struct ld_symbolizer **out, char *err, size_t errlen)
{
	struct ld_dwfl_dump_opts o = {
		.symfs = ss->o.symfs, .debuginfo_path = &ss->debuginfo_path,
		.missing = note_missing, .ctx = ss, .debuginfod = ss->dbgd,
	};
	struct ld_symbolizer *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->ss = ss;
	s->d = d;
	ret = ld_dwfl_dump__new(d, &o, &s->dd, err, errlen);
	if (ret) {
		free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void ld_symbolizer__free(struct ld_symbolizer *s)
{
	if (!s)
		return;
	ld_dwfl_dump__free(s->dd);
	free(s);
}

/* --- frames ------------------------------------------------------------------------ */

static struct ld_frame *push(struct ld_stack *st)
{
	struct ld_frame *v = realloc(st->frames, (st->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	st->frames = v;
	memset(&v[st->n], 0, sizeof(v[0]));
	return &v[st->n++];
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The source file named by an inlined call's DW_AT_call_file. */
static const char *call_file(Dwarf_Die *inl, Dwarf_Die *cudie)
{
	Dwarf_Attribute a;
	Dwarf_Files *files;
	Dwarf_Word idx;
	size_t nfiles;

	if (!dwarf_attr(inl, DW_AT_call_file, &a) || dwarf_formudata(&a, &idx) ||
	    dwarf_getsrcfiles(cudie, &files, &nfiles) || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

static unsigned call_line(Dwarf_Die *inl)
{
	Dwarf_Attribute a;
	Dwarf_Word line;

	if (!dwarf_attr(inl, DW_AT_call_line, &a) || dwarf_formudata(&a, &line))
		return 0;
	return line;
}

struct where {
	const char *file;
	unsigned line;
};

/*
 * Inlined calls at addr, innermost first, each a frame of its own: its
 * location is where execution is, and the call site becomes the location
 * of the frame around it (*at is updated for the caller).
 */
static int push_inlined(struct ld_stack *st, Dwfl_Module *mod, uint64_t addr, uint64_t pc,
			struct where *at)
{
	Dwarf_Addr bias;
	Dwarf_Die *cudie = dwfl_module_addrdie(mod, addr, &bias), *inner = NULL, *scopes = NULL;
	int n = cudie ? dwarf_getscopes(cudie, addr - bias, &inner) : 0;
	int ret = 0;

	/*
	 * dwarf_getscopes() follows an inlined call into its abstract
	 * definition; the DIE tree above the innermost scope is the chain of
	 * calls as inlined here.
	 */
	n = n > 0 ? dwarf_getscopes_die(&inner[0], &scopes) : 0;
	free(inner);

	for (int i = 0; i < n; i++) {
		struct ld_frame *f;

		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
			break;
		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		f = push(st);
		if (!f) {
			ret = -ENOMEM;
			break;
		}
		f->pc = pc;
		f->inlined = true;
		f->function = dup_or_null(dwarf_diename(&scopes[i]));
		f->file = dup_or_null(at->file);
		f->line = at->line;
		at->file = call_file(&scopes[i], cudie);
		at->line = call_line(&scopes[i]);
	}
	free(scopes);
	return ret;
}

/*
 * Where addr (an address in the dump) is in its object's own Dwfl: that
 * module and address, or the dump session's when the object has no file
 * of its own (the vDSO).  False when addr is in no object or its file was
 * not found.
 */
static bool locate(struct ld_symbolizer *s, Dwfl_Module *mod, uint64_t addr,
		   Dwfl_Module **smod, uint64_t *saddr)
{
	Dwarf_Addr bias, sbias;
	struct object *obj;

	if (!dwfl_module_getelf(mod, &bias))
		return false;
	obj = object_of(s->ss, mod);
	if (!obj) {
		*smod = mod;
		*saddr = addr;
		return true;
	}
	if (!obj->mod || !dwfl_module_getelf(obj->mod, &sbias))
		return false;
	*smod = obj->mod;
	*saddr = addr - bias + sbias;
	return true;
}

/* The object's file or its debug info came from a debuginfod server. */
static bool from_debuginfod(const struct ld_sym_session *ss, Dwfl_Module *mod)
{
	const char *main = NULL, *debug = NULL;

	if (!ss->dbgd)
		return false;
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &main, &debug);
	return ld_debuginfod__gave(ss->dbgd, main) || ld_debuginfod__gave(ss->dbgd, debug);
}

/* One unwound pc: its inlined calls, then the function it is in. */
static int symbolize(struct ld_symbolizer *s, struct ld_stack *st, uint64_t pc, bool activation)
{
	/* A return address points after the call: look up the call itself. */
	uint64_t addr = activation ? pc : pc - 1, start = 0, off = 0, saddr;
	Dwfl_Module *mod = dwfl_addrmodule(ld_dwfl_dump__dwfl(s->dd), addr), *smod;
	struct where at = { NULL, 0 };
	const char *name = NULL, *modname = NULL;
	struct ld_frame *f;
	Dwfl_Line *line;
	GElf_Sym sym;
	bool via = false;
	int l;

	if (mod)
		modname = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	if (mod && locate(s, mod, addr, &smod, &saddr)) {
		name = dwfl_module_addrinfo(smod, saddr, &off, &sym, NULL, NULL, NULL);
		line = dwfl_module_getsrc(smod, saddr);
		if (line && (at.file = dwfl_lineinfo(line, NULL, &l, NULL, NULL, NULL)))
			at.line = l > 0 ? l : 0;
		if (push_inlined(st, smod, saddr, pc, &at))
			return -ENOMEM;
		via = from_debuginfod(s->ss, smod);
	}
	f = push(st);
	if (!f)
		return -ENOMEM;
	f->pc = pc;
	/* "__libc_start_main@@GLIBC_2.34": the version is not part of the function. */
	f->function = name ? strndup(name, strcspn(name, "@")) : NULL;
	f->offset = name ? off + (pc - addr) : 0;
	f->module = dup_or_null(modname);
	f->module_offset = mod ? pc - start : 0;
	f->file = dup_or_null(at.file);
	f->line = at.line;
	f->debuginfod = via;
	/* Inline frames belong to the same object. */
	for (size_t i = st->n - 1; i-- > 0 && st->frames[i].inlined && !st->frames[i].module; ) {
		st->frames[i].module = dup_or_null(modname);
		st->frames[i].debuginfod = via;
	}
	return 0;
}

struct walk {
	struct ld_symbolizer *s;
	struct ld_stack *st;
	unsigned max;
	int err;
};

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (w->st->n >= w->max) {
		w->st->truncated = true;
		return DWARF_CB_ABORT;
	}
	w->err = symbolize(w->s, w->st, pc, activation);
	return w->err ? DWARF_CB_ABORT : DWARF_CB_OK;
}

int ld_symbolizer__stack(struct ld_symbolizer *s, uint32_t tid, struct ld_stack *st)
{
	const struct ld_dump_thread *t = ld_dump__thread_by_tid(s->d, tid);
	struct walk w = { s, st, s->ss->o.max_frames ? s->ss->o.max_frames : DEFAULT_MAX_FRAMES,
			  0 };
	int ret;

	memset(st, 0, sizeof(*st));
	ret = ld_dump_kernel_stack(s->d, tid, st);
	if (ret < 0 || !t || !t->has_regs)
		return ret < 0 ? ret : 0;
	/* The walk ends with an error where memory or CFI runs out: that is its end. */
	if (dwfl_getthread_frames(ld_dwfl_dump__dwfl(s->dd), tid, frame_cb, &w) && !w.err)
		ld_dbg("%s: thread %u: unwinding stopped after %zu frames: %s",
		       ld_dump__path(s->d), tid, st->n, dwfl_errmsg(-1));
	return w.err;
}

void ld_stack__free(struct ld_stack *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->frames[i].function);
		free(st->frames[i].module);
		free(st->frames[i].file);
	}
	free(st->frames);
	memset(st, 0, sizeof(*st));
}

int ld_dump_kernel_stack(const struct ld_dump *d, uint32_t tid, struct ld_stack *st)
{
	(void)d;
	(void)tid;
	(void)st;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const char *ld_frame__name(const struct ld_frame *f, bool with_offset, char *buf, size_t len)
{
	if (f->function && with_offset && f->offset)
		snprintf(buf, len, "%s+0x%llx", f->function, (unsigned long long)f->offset);
	else if (f->function)
		snprintf(buf, len, "%s", f->function);
	else if (f->module)
		snprintf(buf, len, "%s+0x%llx", base_name(f->module),
			 (unsigned long long)f->module_offset);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)f->pc);
	return buf;
}

const struct ld_dump_thread *ld_dump_trigger_thread(const struct ld_dump *d)
{
	const struct ld_note_header *h = ld_dump__header(d);
	const struct ld_dump_thread *t = h && h->tid ? ld_dump__thread_by_tid(d, h->tid) : NULL;

	for (size_t i = 0; !t && i < ld_dump__nthreads(d); i++)
		if (ld_dump__thread(d, i)->flags & LD_THR_TRIGGER)
			t = ld_dump__thread(d, i);
	return t ? t : ld_dump__thread(d, 0);
}
