// SPDX-License-Identifier: MIT
/* NT_SIGINFO: the signal of a crash dump, for gdb ($_siginfo) and ld_dump__siginfo. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_siginfo(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_SIGINFO);

	if (!err)
		err = ld_rd_need(d, n, sizeof(d->siginfo));
	if (err)
		return err;
	memcpy(&d->siginfo, n->desc, sizeof(d->siginfo));
	d->has_siginfo = true;
	return 0;
}

const struct ld_note_ops ld_note_siginfo = {
	.owner = "CORE",
	.type = NT_SIGINFO,
	.name = "NT_SIGINFO",
	.flags = 0,
	.parse = parse_siginfo,
	.show = NULL,
};
