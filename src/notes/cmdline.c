// SPDX-License-Identifier: MIT
/* LD_NT_CMDLINE: the process's argv, NUL-separated, as /proc had it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_cmdline(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_CMDLINE);

	d->cmdline = n->desc;
	d->cmdline_len = n->descsz;
	return err;
}

static void cmdline_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t len;
	const char *s = ld_dump__cmdline(d, &len);

	(void)o;
	if (!s) {
		ld_view__null(v, "cmdline", NULL);
		return;
	}
	ld_view__line(v, "cmdline");
	ld_view__array(v, "cmdline");
	for (size_t i = 0; i < len; ) {
		size_t n = strnlen(s + i, len - i);

		if (i)
			ld_view__text(v, " ");	/* as a shell would show it */
		ld_view__strn(v, "", "", s + i, n);
		i += n + 1;
	}
	ld_view__array_end(v);
	ld_view__line_end(v);
}

const struct ld_note_ops ld_note_cmdline = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_CMDLINE,
	.name = "LD_NT_CMDLINE",
	.flags = 0,
	.parse = parse_cmdline,
	.show = cmdline_show,
};
