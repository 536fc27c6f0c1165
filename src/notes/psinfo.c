// SPDX-License-Identifier: MIT
/* NT_PRPSINFO: the process as ps would show it, for gdb (ld_dump__prpsinfo). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_psinfo(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_PRPSINFO);

	if (!err)
		err = ld_rd_need(d, n, sizeof(d->psinfo));
	if (err)
		return err;
	memcpy(&d->psinfo, n->desc, sizeof(d->psinfo));
	d->has_psinfo = true;
	return 0;
}

const struct ld_note_ops ld_note_psinfo = {
	.owner = "CORE",
	.type = NT_PRPSINFO,
	.name = "NT_PRPSINFO",
	.flags = 0,
	.parse = parse_psinfo,
	.show = NULL,
};
