// SPDX-License-Identifier: MIT
/*
 * A libdwfl session on one dump (see dwfl_dump.h).
 *
 * The dump's state goes to libdwfl through Dwfl_Thread_Callbacks rather
 * than dwfl_core_file_attach(): our own reader already validated the file,
 * and a mini dump's memory is partial, which the callbacks handle by
 * failing a read (the walk then ends there).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/debuginfod.h"
#include "analysis/dwfl_dump.h"
#include "base/log.h"
#include "capture/modules.h"

#define VDSO_DEFAULT_SIZE	8192
#define PAGE			4096ULL

/* An object as the dump describes it, attached to its Dwfl_Module. */
struct sym_module {
	struct ld_dwfl_dump *s;
	char *path;
	uint64_t start, end;
	const unsigned char *build_id;
	size_t build_id_len;
	bool vdso;
	void *image;		/* the vDSO's bytes, alive as long as the Dwfl */
};

struct ld_dwfl_dump {
	const struct ld_dump *d;
	struct ld_dwfl_dump_opts o;
	Dwfl_Callbacks cb;
	Dwfl *dwfl;
	/* An ELF header alone, for dwfl_attach_state() to learn the architecture. */
	Elf64_Ehdr arch_img;
	Elf *arch;
	struct sym_module *mods;
	size_t nmods;
	/* One page of stack memory: the unwinder reads words next to each other. */
	uint64_t page_addr;
	long page_len;		/* -1: nothing cached */
	unsigned char page[PAGE];
};

/* --- memory and threads ------------------------------------------------------ */

static bool read_word(struct ld_dwfl_dump *s, uint64_t addr, Dwarf_Word *out)
{
	uint64_t base = addr & ~(PAGE - 1);

	if (addr - base > PAGE - sizeof(*out))
		return ld_dump__read_mem(s->d, addr, out, sizeof(*out)) == sizeof(*out);
	if (s->page_len < 0 || s->page_addr != base) {
		s->page_addr = base;
		s->page_len = ld_dump__read_mem(s->d, base, s->page, PAGE);
	}
	if (s->page_len < (long)(addr - base + sizeof(*out))) {
		/* The page may start uncaptured (stacks start at sp): ask exactly. */
		return ld_dump__read_mem(s->d, addr, out, sizeof(*out)) == sizeof(*out);
	}
	memcpy(out, s->page + (addr - base), sizeof(*out));
	return true;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	return read_word(arg, addr, result);
}

static size_t thread_index(const struct ld_dump *d, const struct ld_dump_thread *t)
{
	for (size_t i = 0; i < ld_dump__nthreads(d); i++)
		if (ld_dump__thread(d, i) == t)
			return i;
	return ld_dump__nthreads(d);
}

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct ld_dwfl_dump *s = arg;
	size_t i = *thread_argp ? thread_index(s->d, *thread_argp) + 1 : 0;

	(void)dwfl;
	for (; i < ld_dump__nthreads(s->d); i++) {
		const struct ld_dump_thread *t = ld_dump__thread(s->d, i);

		if (t->has_regs) {
			*thread_argp = (void *)t;
			return t->tid;
		}
	}
	return 0;
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct ld_dwfl_dump *s = arg;
	const struct ld_dump_thread *t = ld_dump__thread_by_tid(s->d, tid);

	(void)dwfl;
	if (!t || !t->has_regs)
		return false;
	*thread_argp = (void *)t;
	return true;
}

/* x86-64 DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8-r15, then rip (16). */
static bool cb_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	const struct ld_dump_thread *t = thread_arg;
	const struct user_regs_struct *r = &t->regs;
	Dwarf_Word regs[17] = {
		r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi, r->rbp, r->rsp,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip,
	};

	if (!dwfl_thread_state_registers(thread, 0, 17, regs))
		return false;
	dwfl_thread_state_register_pc(thread, r->rip);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

/* --- finding the objects ------------------------------------------------------ */

static void add_missing(struct ld_dwfl_dump *s, const struct sym_module *m, const char *why)
{
	char id[2 * LD_BUILD_ID_MAX + 1], msg[4400];

	if (!s->o.missing)
		return;
	ld_build_id_hex(m->build_id, m->build_id_len, id, sizeof(id));
	snprintf(msg, sizeof(msg), "%s (build-id %s): %s", m->path,
		 m->build_id_len ? id : "unknown", why);
	s->o.missing(s->o.ctx, msg);
}

/* The vDSO is not a file: its image is in the dump (mini dumps include it). */
static int open_vdso(struct sym_module *m, const struct ld_dump *d, Elf **elfp)
{
	size_t size = m->end - m->start;
	long got;

	m->image = malloc(size);
	if (!m->image)
		return -1;
	got = ld_dump__read_mem(d, m->start, m->image, size);
	if (got < (long)sizeof(Elf64_Ehdr))
		return -1;
	*elfp = elf_memory(m->image, got);
	return -1;	/* no file descriptor: *elfp is the object */
}

/*
 * A candidate file: accepted when it is an ELF object whose build-id is the
 * recorded one (or when nothing was recorded).  *why says why not.
 */
static int try_path(const struct sym_module *m, const char *path, const char **why)
{
	struct ld_elf_ident id;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ld_elf_ident_fd(fd, &id)) {
		*why = "not an ELF object";
	} else if (m->build_id_len &&
		   (id.build_id_len != m->build_id_len ||
		    memcmp(id.build_id, m->build_id, m->build_id_len))) {
		*why = "the file there has another build-id";
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

static int cb_find_elf(Dwfl_Module *mod, void **userdata, const char *modname,
		       Dwarf_Addr base, char **file_name, Elf **elfp)
{
	struct sym_module *m = *userdata;
	const char *why = "not found";
	char path[4200];
	int fd = -1;

	*elfp = NULL;
	if (!m)
		return -1;
	if (m->vdso)
		return open_vdso(m, m->s->d, elfp);
	if (m->s->o.symfs) {
		snprintf(path, sizeof(path), "%s/%s", m->s->o.symfs, m->path);
		fd = try_path(m, path, &why);
	}
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s", m->path);
		fd = try_path(m, path, &why);
	}
	if (fd >= 0) {
		*elfp = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		*file_name = strdup(path);
		return fd;
	}
	/* By build-id: /usr/lib/debug/.build-id/xx/yyyy, then debuginfod. */
	if (m->build_id_len) {
		char *got;

		char *hidden = ld_debuginfod__hide(m->s->o.debuginfod);

		fd = dwfl_build_id_find_elf(mod, userdata, modname, base, file_name, elfp);
		ld_debuginfod__unhide(hidden);
		if (fd >= 0 || *elfp)
			return fd;
		fd = ld_debuginfod__find(m->s->o.debuginfod, LD_DBGD_EXECUTABLE, m->build_id,
					 m->build_id_len, &got);
		if (fd >= 0) {
			*elfp = elf_begin(fd, ELF_C_READ_MMAP, NULL);
			*file_name = got;
			return fd;
		}
	}
	add_missing(m->s, m, why);
	return -1;
}

/* CFI is all this session needs of debug info: what is local, no server asked. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct sym_module *m = *userdata;
	char *hidden = ld_debuginfod__hide(m ? m->s->o.debuginfod : NULL);
	int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					      debuglink_file, debuglink_crc, debuginfo_file_name);

	ld_debuginfod__unhide(hidden);
	return fd;
}

/* --- reporting the objects ------------------------------------------------------ */

static struct sym_module *new_module(struct ld_dwfl_dump *s, const char *path,
				     uint64_t start, uint64_t end)
{
	struct sym_module *v = realloc(s->mods, (s->nmods + 1) * sizeof(*v)), *m;

	if (!v)
		return NULL;
	s->mods = v;
	m = &v[s->nmods];
	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	if (!m->path)
		return NULL;
	m->s = s;
	m->start = start;
	m->end = end;
	s->nmods++;
	return m;
}

static int modules_from_note(struct ld_dwfl_dump *s)
{
	for (size_t i = 0; i < ld_dump__nmodules(s->d); i++) {
		const struct ld_dump_module *dm = ld_dump__module(s->d, i);
		struct sym_module *m = new_module(s, dm->path, dm->start, dm->end);

		if (!m)
			return -ENOMEM;
		m->build_id = dm->build_id;
		m->build_id_len = dm->build_id_len;
	}
	return 0;
}

/*
 * Dumps without the module note: NT_FILE.  A mapping at file offset 0
 * starts an object; later mappings of the same path extend the last one.
 */
static int modules_from_files(struct ld_dwfl_dump *s)
{
	for (size_t i = 0; i < ld_dump__nfiles(s->d); i++) {
		const struct ld_dump_file *f = ld_dump__file(s->d, i);
		struct sym_module *last = NULL;

		for (size_t k = s->nmods; k-- > 0 && !last; )
			if (!strcmp(s->mods[k].path, f->name))
				last = &s->mods[k];
		if (last && f->offset) {
			last->end = f->end > last->end ? f->end : last->end;
			continue;
		}
		if (!new_module(s, f->name, f->start, f->end))
			return -ENOMEM;
	}
	return 0;
}

/* The [vdso] line of the maps note gives its size; 2 pages otherwise. */
static uint64_t vdso_end(const struct ld_dump *d, uint64_t start)
{
	size_t len;
	const char *maps = ld_dump__maps(d, &len);
	char key[32];
	int n = snprintf(key, sizeof(key), "%llx-", (unsigned long long)start);

	for (const char *p = maps; p && p < maps + len; ) {
		const char *nl = memchr(p, '\n', maps + len - p);

		if (!strncmp(p, key, n))
			return strtoull(p + n, NULL, 16);
		p = nl ? nl + 1 : maps + len;
	}
	return start + VDSO_DEFAULT_SIZE;
}

static int add_vdso(struct ld_dwfl_dump *s)
{
	struct sym_module *m;
	uint64_t start;

	if (ld_dump__auxv_get(s->d, AT_SYSINFO_EHDR, &start) || !start)
		return 0;
	m = new_module(s, "[vdso]", start, vdso_end(s->d, start));
	if (!m)
		return -ENOMEM;
	m->vdso = true;
	return 0;
}

static int report_modules(struct ld_dwfl_dump *s, char *err, size_t errlen)
{
	int ret = ld_dump__nmodules(s->d) ? modules_from_note(s) : modules_from_files(s);

	if (!ret)
		ret = add_vdso(s);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory for its modules", ld_dump__path(s->d));
		return ret;
	}
	dwfl_report_begin(s->dwfl);
	for (size_t i = 0; i < s->nmods; i++) {
		struct sym_module *m = &s->mods[i];
		Dwfl_Module *mod = dwfl_report_module(s->dwfl, m->path, m->start, m->end);
		void **ud;

		if (!mod) {
			/* Overlapping or bogus ranges: that object is left out, the rest works. */
			ld_dbg("%s: module %s [0x%llx, 0x%llx) not accepted: %s",
			       ld_dump__path(s->d), m->path, (unsigned long long)m->start,
			       (unsigned long long)m->end, dwfl_errmsg(-1));
			continue;
		}
		if (m->build_id_len)
			dwfl_module_report_build_id(mod, m->build_id, m->build_id_len, 0);
		dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
		*ud = m;
	}
	if (dwfl_report_end(s->dwfl, NULL, NULL)) {
		snprintf(err, errlen, "%s: libdwfl refused the module list: %s",
			 ld_dump__path(s->d), dwfl_errmsg(-1));
		return -EINVAL;
	}
	return 0;
}

/* --- the session ------------------------------------------------------------------ */

static int attach(struct ld_dwfl_dump *s, char *err, size_t errlen)
{
	const struct ld_note_header *h = ld_dump__header(s->d);
	Elf64_Ehdr *e = &s->arch_img;

	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_CORE;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_ehsize = sizeof(*e);
	s->arch = elf_memory((char *)e, sizeof(*e));
	if (!s->arch || !dwfl_attach_state(s->dwfl, s->arch, h && h->pid ? h->pid : 1,
					   &thread_callbacks, s)) {
		snprintf(err, errlen, "%s: libdwfl cannot unwind it: %s", ld_dump__path(s->d),
			 s->arch ? dwfl_errmsg(-1) : elf_errmsg(-1));
		return -EINVAL;
	}
	return 0;
}

int ld_dwfl_dump__new(const struct ld_dump *d, const struct ld_dwfl_dump_opts *o,
		      struct ld_dwfl_dump **out, char *err, size_t errlen)
{
	struct ld_dwfl_dump *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	elf_version(EV_CURRENT);
	s->d = d;
	s->o = *o;
	s->page_len = -1;
	s->cb.find_elf = cb_find_elf;
	s->cb.find_debuginfo = find_debuginfo;
	s->cb.debuginfo_path = o->debuginfo_path;
	s->dwfl = dwfl_begin(&s->cb);
	if (!s->dwfl) {
		snprintf(err, errlen, "libdwfl: %s", dwfl_errmsg(-1));
		ld_dwfl_dump__free(s);
		return -ENOMEM;
	}
	ret = report_modules(s, err, errlen);
	if (!ret)
		ret = attach(s, err, errlen);
	if (ret) {
		ld_dwfl_dump__free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void ld_dwfl_dump__free(struct ld_dwfl_dump *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);	/* ends the Elfs it opened, before their images go */
	if (s->arch)
		elf_end(s->arch);
	for (size_t i = 0; i < s->nmods; i++) {
		free(s->mods[i].path);
		free(s->mods[i].image);
	}
	free(s->mods);
	free(s);
}

Dwfl *ld_dwfl_dump__dwfl(const struct ld_dwfl_dump *s)
{
	return s->dwfl;
}
