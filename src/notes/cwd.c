// SPDX-License-Identifier: MIT
/* LD_NT_CWD: the process's working directory at the capture (format 1.4). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_cwd(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_CWD);

	if (err)
		return err;
	if (!n->descsz || ((const char *)n->desc)[n->descsz - 1])
		return ld_rd_note_fail(d, n, "the path is not terminated");
	d->cwd = n->desc;
	return 0;
}

static void cwd_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	(void)o;
	ld_view__str(v, "cwd", ld_dump__cwd(d) ? "cwd" : NULL, ld_dump__cwd(d));
}

const struct ld_note_ops ld_note_cwd = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_CWD,
	.name = "LD_NT_CWD",
	.parse = parse_cwd,
	.show = cwd_show,
};
