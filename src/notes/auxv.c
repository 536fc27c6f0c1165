// SPDX-License-Identifier: MIT
/* NT_AUXV: the auxiliary vector (AT_ENTRY, AT_PHDR... for unwinders and gdb). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_auxv(struct ld_dump *d, const struct ld_dump_note *n)
{
	size_t count = n->descsz / sizeof(struct ld_dump_auxv);
	int err = ld_rd_once(d, n, S_AUXV);

	if (err)
		return err;
	if (n->descsz % sizeof(struct ld_dump_auxv))
		return ld_rd_note_fail(d, n, "%u bytes is not a whole number of entries", n->descsz);
	d->auxv = calloc(count ? count : 1, sizeof(*d->auxv));
	if (!d->auxv)
		return ld_rd_fail(d, -ENOMEM, "out of memory for the auxv");
	memcpy(d->auxv, n->desc, count * sizeof(*d->auxv));
	for (d->nauxv = 0; d->nauxv < count; d->nauxv++)
		if (d->auxv[d->nauxv].type == AT_NULL)
			break;
	return 0;
}

const struct ld_note_ops ld_note_auxv = {
	.owner = "CORE",
	.type = NT_AUXV,
	.name = "NT_AUXV",
	.flags = 0,
	.parse = parse_auxv,
	.show = NULL,
};
