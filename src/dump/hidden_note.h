/* SPDX-License-Identifier: MIT */
/*
 * LD_NT_HIDDEN for readers: the memory the process hid from its dumps that
 * a capture wanted (left out, or taken by the rule's hidden=), its parse,
 * and how inspect shows it (text and JSON).  Kept apart from
 * dump_reader.c, which finds it with ld_dump__foreach_note().
 */
#ifndef LIVEDUMP_HIDDEN_NOTE_H
#define LIVEDUMP_HIDDEN_NOTE_H

#include <stdio.h>
#include "base/json.h"
#include "dump/dump_reader.h"

struct ld_dump_hidden {
	struct ld_note_hidden h;	/* as written, fields after ours zero */
	struct ld_hidden_range *v;	/* h.count, copied aligned */
	size_t n;
};

/*
 * Fills @out from @d's LD_NT_HIDDEN: 0, -ENOENT (a dump before format 1.4,
 * or a context dump), -EBADMSG with @err saying what is wrong, -ENOMEM.
 * Free with ld_dump_hidden__free().
 */
int ld_dump__hidden(const struct ld_dump *d, struct ld_dump_hidden *out, char *err, size_t errlen);
void ld_dump_hidden__free(struct ld_dump_hidden *h);

/* "MADV_DONTDUMP", "VM_IO", "coredump_filter", "not in the kernel's core", "mapping changed"; "?" */
const char *ld_hidden_why_name(uint32_t why);
/* "anonymous private", ... "hugetlb shared" (coredump_filter's bits); "?" */
const char *ld_hidden_kind_name(uint32_t kind);

/* inspect's "hidden" section, and its "hidden" key (null when absent). */
void ld_dump_hidden__print(const struct ld_dump *d, FILE *f);
void ld_dump_hidden__json(const struct ld_dump *d, struct ld_json *j);

#endif
