// SPDX-License-Identifier: MIT
/*
 * NT_FPREGSET: the legacy FXSAVE area of the thread whose NT_PRSTATUS
 * comes before it.  Shown in the thread list (has_fpregs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_fpregset(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_dump_thread *t;

	if (!d->nrthreads)
		return ld_rd_note_fail(d, n, "comes before any NT_PRSTATUS");
	t = &d->rthreads[d->nrthreads - 1];
	if (t->has_fp)
		return ld_rd_note_fail(d, n, "a second one for thread %u", t->tid);
	if (n->descsz < sizeof(struct user_fpregs_struct))
		return ld_rd_need(d, n, sizeof(struct user_fpregs_struct));
	t->has_fp = true;
	t->fpregs = n->desc;
	t->fpregs_len = n->descsz;
	return 0;
}

const struct ld_note_ops ld_note_fpregset = {
	.owner = "CORE",
	.type = NT_FPREGSET,
	.name = "NT_FPREGSET",
	.flags = 0,
	.parse = parse_fpregset,
	.show = NULL,
};
