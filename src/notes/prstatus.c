// SPDX-License-Identifier: MIT
/*
 * NT_PRSTATUS: one thread's general registers, as the kernel's cores and
 * gdb have them.  Shown in the thread list (threads.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_prstatus(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_dump_thread *t;
	struct elf_prstatus *pr;
	int err = ld_rd_need(d, n, sizeof(*pr));

	if (err)
		return err;
	if (ld_rd_grow((void **)&d->rthreads, d->nrthreads, sizeof(*t)) ||
	    ld_rd_grow((void **)&d->prs, d->nrthreads, sizeof(*pr)))
		return ld_rd_fail(d, -ENOMEM, "out of memory for threads");
	pr = &d->prs[d->nrthreads];
	t = &d->rthreads[d->nrthreads++];
	memcpy(pr, n->desc, sizeof(*pr));
	memset(t, 0, sizeof(*t));
	t->tid = pr->pr_pid;
	t->syscall = -1;
	t->has_regs = true;
	memcpy(&t->regs, &pr->pr_reg, sizeof(t->regs));
	t->pc = t->regs.rip;
	t->sp = t->regs.rsp;
	t->cursig = pr->pr_cursig;
	return 0;
}

const struct ld_note_ops ld_note_prstatus = {
	.owner = "CORE",
	.type = NT_PRSTATUS,
	.name = "NT_PRSTATUS",
	.flags = 0,
	.parse = parse_prstatus,
	.show = NULL,
};
