// SPDX-License-Identifier: MIT
/*
 * NT_X86_XSTATE: the XSAVE area (AVX, AVX-512, AMX...) of the thread whose
 * NT_PRSTATUS comes before it.  Shown in the thread list (xstate_len).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_xstate(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct ld_dump_thread *t;

	if (!d->nrthreads)
		return ld_rd_note_fail(d, n, "comes before any NT_PRSTATUS");
	t = &d->rthreads[d->nrthreads - 1];
	if (t->xstate)
		return ld_rd_note_fail(d, n, "a second one for thread %u", t->tid);
	t->xstate = n->desc;
	t->xstate_len = n->descsz;
	return 0;
}

const struct ld_note_ops ld_note_xstate = {
	.owner = "LINUX",
	.type = NT_X86_XSTATE,
	.name = "NT_X86_XSTATE",
	.flags = 0,
	.parse = parse_xstate,
	.show = NULL,
};
