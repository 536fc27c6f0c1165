// SPDX-License-Identifier: MIT
/*
 * LD_NT_ENVIRON: the process's environment, NUL-separated, as
 * /proc/PID/environ had it at the capture (format 1.4).  A rule with
 * environ=no leaves it out and the header says so (no_environ).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_environ(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_ENVIRON);

	d->environ = n->desc;
	d->environ_len = n->descsz;
	return err;
}

static void environ_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	size_t len, count = 0;
	const char *s = ld_dump__environ(d, &len);

	(void)o;
	if (!s) {
		ld_view__null(v, "environ", NULL);
		return;
	}
	for (size_t i = 0; i < len; i += strnlen(s + i, len - i) + 1)
		count++;
	ld_view__list(v, "environ", "environment", count, 0);
	for (size_t i = 0; i < len; ) {
		size_t n = strnlen(s + i, len - i);

		ld_view__strn(v, "", "", s + i, n);
		i += n + 1;
	}
	ld_view__list_end(v);
}

const struct ld_note_ops ld_note_environ = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_ENVIRON,
	.name = "LD_NT_ENVIRON",
	.parse = parse_environ,
	.show = environ_show,
};
