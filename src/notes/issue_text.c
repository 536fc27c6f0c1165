// SPDX-License-Identifier: MIT
/*
 * LD_NT_ISSUE_TEXT: "key=value" lines the detector found at the issue
 * (assertion text, device name, probe location...).  Shown as part of the
 * decoded issue (trigger.c), not on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_issue_text(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_ISSUE_TEXT);

	d->issue_text = n->desc;
	d->issue_text_len = n->descsz;
	return err;
}

const struct ld_note_ops ld_note_issue_text = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_ISSUE_TEXT,
	.name = "LD_NT_ISSUE_TEXT",
	.flags = 0,
	.parse = parse_issue_text,
	.show = NULL,
};
