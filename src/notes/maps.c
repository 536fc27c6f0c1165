// SPDX-License-Identifier: MIT
/*
 * LD_NT_MAPS: /proc/PID/maps as read at the capture, for gdb-less readers
 * and the symbolizer (ld_dump__maps).  Too long for inspect: export it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_maps(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_MAPS);

	d->maps = n->desc;
	d->maps_len = n->descsz;
	return err;
}

const struct ld_note_ops ld_note_maps = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_MAPS,
	.name = "LD_NT_MAPS",
	.flags = 0,
	.parse = parse_maps,
	.show = NULL,
};
