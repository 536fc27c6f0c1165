// SPDX-License-Identifier: MIT
/*
 * The table of note types, built from LD_NOTES() (note.h): a listed note
 * without its file is a link error, a type listed twice a test failure
 * (tests/unit/test_notes.c).
 */
#include <string.h>
#include "notes/note.h"
#include "base/view.h"

const struct ld_note_ops *const ld_notes[LD_NOTE__COUNT] = {
#define LD_NOTE_ENTRY(name) [LD_NOTE_##name] = &ld_note_##name,
	LD_NOTES(LD_NOTE_ENTRY)
#undef LD_NOTE_ENTRY
};

_Static_assert(sizeof(ld_notes) / sizeof(ld_notes[0]) == LD_NOTE__COUNT,
	       "every note type has its entry");

const struct ld_note_ops *ld_note_find(const char *owner, uint32_t type)
{
	for (unsigned i = 0; i < LD_NOTE__COUNT; i++)
		if (ld_notes[i]->type == type && !strcmp(ld_notes[i]->owner, owner))
			return ld_notes[i];
	return NULL;
}

void ld_notes__show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	ld_view__object(v, NULL);
	for (unsigned i = 0; i < LD_NOTE__COUNT; i++)
		if (ld_notes[i]->show)
			ld_notes[i]->show(d, v, o);
	ld_view__object_end(v);
}
