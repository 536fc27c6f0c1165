// SPDX-License-Identifier: MIT
/*
 * LD_NT_RULES: the collector's rule names by index (format 1.3), so the
 * history names the rule of each issue it holds.  Shown in JSON; text
 * shows the names where they are used (history.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"

static int parse_rules(struct ld_dump *d, const struct ld_dump_note *n)
{
	int err = ld_rd_once(d, n, S_RULES);

	d->rules = n->desc;
	d->rules_len = n->descsz;
	return err;
}

static void rules_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	(void)o;
	if (!d->rules) {
		ld_view__null(v, "rules", NULL);
		return;
	}
	ld_view__array(v, "rules");
	for (size_t i = 0; i < d->rules_len; ) {
		size_t n = strnlen(d->rules + i, d->rules_len - i);

		ld_view__strn(v, "", NULL, d->rules + i, n);
		i += n + 1;
	}
	ld_view__array_end(v);
}

const struct ld_note_ops ld_note_rules = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_RULES,
	.name = "LD_NT_RULES",
	.flags = 0,
	.parse = parse_rules,
	.show = rules_show,
};
