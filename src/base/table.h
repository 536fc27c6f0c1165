/* SPDX-License-Identifier: MIT */
/*
 * Aligned text tables for the analysis commands: columns as wide as their
 * widest cell, fitted to the terminal (optional columns dropped, then
 * shrinkable ones cut with "..."), colour only when asked or on a tty.
 * Output to a pipe is never cut, so scripts and grep see whole values.
 */
#ifndef LIVEDUMP_TABLE_H
#define LIVEDUMP_TABLE_H

#include <stdbool.h>
#include <stdio.h>

enum ld_color {
	LD_COLOR_NONE, LD_COLOR_BOLD, LD_COLOR_DIM, LD_COLOR_RED, LD_COLOR_YELLOW,
	LD_COLOR_GREEN, LD_COLOR_BLUE, LD_COLOR_CYAN,
};

enum ld_color_when { LD_COLOR_AUTO, LD_COLOR_ALWAYS, LD_COLOR_NEVER };

struct ld_term {
	bool color;
	unsigned width;		/* columns; 0: do not fit (not a terminal) */
};

/*
 * For f: colour when ALWAYS, or AUTO on a tty with NO_COLOR unset and TERM
 * not "dumb"; the width from the tty ($COLUMNS when set), else none.
 */
void ld_term_init(struct ld_term *t, FILE *f, enum ld_color_when when);
/* "auto", "always", "never": 0 or -EINVAL. */
int ld_parse_color_when(const char *s, enum ld_color_when *when);

/* Text in a colour (when the terminal has colour). */
void ld_term_puts(const struct ld_term *t, FILE *f, enum ld_color c, const char *s);

#define LD_COL_RIGHT	(1U << 0)	/* right-aligned (numbers) */
#define LD_COL_SHRINK	(1U << 1)	/* may be cut to fit the width */
#define LD_COL_OPTIONAL	(1U << 2)	/* dropped first when the table is too wide */

struct ld_table;

struct ld_table *ld_table__new(unsigned indent);
void ld_table__free(struct ld_table *t);
/* Columns first, then rows; a table with errors prints nothing and returns -ENOMEM. */
void ld_table__column(struct ld_table *t, const char *title, unsigned flags);
void ld_table__row(struct ld_table *t);
/* The next cell of the current row; escaped for the terminal as escape.h says (\x1b). */
void ld_table__cell(struct ld_table *t, enum ld_color c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ld_table__print(struct ld_table *t, FILE *f, const struct ld_term *term);

#endif /* LIVEDUMP_TABLE_H */
