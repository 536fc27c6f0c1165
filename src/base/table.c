// SPDX-License-Identifier: MIT
/* Aligned, terminal-fitted text tables (see table.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "base/escape.h"
#include "base/table.h"

#define MAX_COLS	16
#define GAP		2	/* between columns; 1 when that makes the table fit */
#define MIN_SHRUNK	8	/* a cut column keeps at least this many characters */

static const char *const sgr[] = {
	[LD_COLOR_NONE] = "", [LD_COLOR_BOLD] = "\033[1m", [LD_COLOR_DIM] = "\033[2m",
	[LD_COLOR_RED] = "\033[31m", [LD_COLOR_YELLOW] = "\033[33m",
	[LD_COLOR_GREEN] = "\033[32m", [LD_COLOR_BLUE] = "\033[34m",
	[LD_COLOR_CYAN] = "\033[36m",
};

void ld_term_init(struct ld_term *t, FILE *f, enum ld_color_when when)
{
	const char *term = getenv("TERM"), *cols = getenv("COLUMNS");
	bool tty = isatty(fileno(f));
	struct winsize ws;

	t->color = when == LD_COLOR_ALWAYS ||
		   (when == LD_COLOR_AUTO && tty && !getenv("NO_COLOR") &&
		    !(term && !strcmp(term, "dumb")));
	t->width = 0;
	if (!tty)
		return;
	if (cols && atoi(cols) > 0)
		t->width = atoi(cols);
	else if (!ioctl(fileno(f), TIOCGWINSZ, &ws) && ws.ws_col)
		t->width = ws.ws_col;
}

int ld_parse_color_when(const char *s, enum ld_color_when *when)
{
	if (!strcmp(s, "auto"))
		*when = LD_COLOR_AUTO;
	else if (!strcmp(s, "always"))
		*when = LD_COLOR_ALWAYS;
	else if (!strcmp(s, "never"))
		*when = LD_COLOR_NEVER;
	else
		return -EINVAL;
	return 0;
}

void ld_term_puts(const struct ld_term *t, FILE *f, enum ld_color c, const char *s)
{
	if (t->color && c != LD_COLOR_NONE)
		fprintf(f, "%s%s\033[0m", sgr[c], s);
	else
		fputs(s, f);
}

/* --- tables ------------------------------------------------------------------------ */

struct cell {
	char *text;
	enum ld_color color;
};

struct ld_table {
	unsigned indent, gap;
	unsigned ncols;
	char *title[MAX_COLS];
	unsigned flags[MAX_COLS];
	size_t width[MAX_COLS];
	struct cell *cells;	/* nrows * MAX_COLS */
	size_t nrows, cur;	/* cur: next cell of the last row */
	int err;
};

struct ld_table *ld_table__new(unsigned indent)
{
	struct ld_table *t = calloc(1, sizeof(*t));

	if (t) {
		t->indent = indent;
		t->gap = GAP;
	}
	return t;
}

void ld_table__free(struct ld_table *t)
{
	if (!t)
		return;
	for (unsigned c = 0; c < t->ncols; c++)
		free(t->title[c]);
	for (size_t i = 0; i < t->nrows * MAX_COLS; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t);
}

void ld_table__column(struct ld_table *t, const char *title, unsigned flags)
{
	if (t->ncols == MAX_COLS || t->nrows || !(t->title[t->ncols] = strdup(title))) {
		t->err = -ENOMEM;
		return;
	}
	t->flags[t->ncols] = flags;
	t->width[t->ncols] = strlen(title);
	t->ncols++;
}

void ld_table__row(struct ld_table *t)
{
	struct cell *v = realloc(t->cells, (t->nrows + 1) * MAX_COLS * sizeof(*v));

	if (!v) {
		t->err = -ENOMEM;
		return;
	}
	memset(&v[t->nrows * MAX_COLS], 0, MAX_COLS * sizeof(*v));
	t->cells = v;
	t->nrows++;
	t->cur = 0;
}

void ld_table__cell(struct ld_table *t, enum ld_color c, const char *fmt, ...)
{
	struct cell *cell;
	va_list ap;
	char *s, *e;
	int n;

	if (!t->nrows || t->cur >= t->ncols) {
		t->err = -EINVAL;
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->err = -ENOMEM;
		return;
	}
	/* Cells carry comm, paths and the like from targets: escaped (escape.h). */
	e = ld_escape_dup(s);
	free(s);
	if (!e) {
		t->err = -ENOMEM;
		return;
	}
	s = e;
	n = strlen(s);
	cell = &t->cells[(t->nrows - 1) * MAX_COLS + t->cur];
	cell->text = s;
	cell->color = c;
	if ((size_t)n > t->width[t->cur])
		t->width[t->cur] = n;
	t->cur++;
}

static size_t total_width(const struct ld_table *t, const bool *shown, const size_t *w)
{
	size_t sum = t->indent, cols = 0;

	for (unsigned c = 0; c < t->ncols; c++)
		if (shown[c]) {
			sum += w[c];
			cols++;
		}
	return sum + (cols ? (cols - 1) * t->gap : 0);
}

/*
 * Narrow gaps, then drop optional columns from the right, then cut
 * shrinkable ones, widest first.
 */
static void fit(struct ld_table *t, unsigned width, bool *shown, size_t *w)
{
	if (total_width(t, shown, w) > width)
		t->gap = 1;
	for (unsigned c = t->ncols; c-- > 0 && total_width(t, shown, w) > width; )
		if (t->flags[c] & LD_COL_OPTIONAL)
			shown[c] = false;
	while (total_width(t, shown, w) > width) {
		int widest = -1;

		for (unsigned c = 0; c < t->ncols; c++)
			if (shown[c] && (t->flags[c] & LD_COL_SHRINK) && w[c] > MIN_SHRUNK &&
			    (widest < 0 || w[c] > w[widest]))
				widest = c;
		if (widest < 0)
			return;		/* as narrow as it gets: the terminal wraps */
		w[widest]--;
	}
}

static void put_cell(FILE *f, const struct ld_term *term, const char *s, enum ld_color color,
		     size_t w, bool right, bool last)
{
	size_t len = strlen(s);
	char cut[4096];

	if (len > w) {
		snprintf(cut, sizeof(cut), "%.*s...", (int)(w > 3 ? w - 3 : 0), s);
		s = cut;
		len = strlen(s);
	}
	if (right)
		fprintf(f, "%*s", (int)(w - len), "");
	ld_term_puts(term, f, color, s);
	if (!right && !last)
		fprintf(f, "%*s", (int)(w - len), "");
}

static void put_row(const struct ld_table *t, FILE *f, const struct ld_term *term,
		    const bool *shown, const size_t *w, const struct cell *cells, bool title)
{
	unsigned last = 0;
	bool first = true;

	for (unsigned c = 0; c < t->ncols; c++)
		if (shown[c])
			last = c;
	fprintf(f, "%*s", (int)t->indent, "");
	for (unsigned c = 0; c < t->ncols; c++) {
		if (!shown[c])
			continue;
		if (!first)
			fprintf(f, "%*s", (int)t->gap, "");
		first = false;
		put_cell(f, term, title ? t->title[c] : cells[c].text ? cells[c].text : "",
			 title ? LD_COLOR_BOLD : cells[c].color, w[c],
			 t->flags[c] & LD_COL_RIGHT, c == last);
	}
	fputc('\n', f);
}

int ld_table__print(struct ld_table *t, FILE *f, const struct ld_term *term)
{
	bool shown[MAX_COLS];
	size_t w[MAX_COLS];

	if (t->err)
		return t->err;
	for (unsigned c = 0; c < t->ncols; c++) {
		shown[c] = true;
		w[c] = t->width[c];
	}
	if (term->width)
		fit(t, term->width, shown, w);
	put_row(t, f, term, shown, w, NULL, true);
	for (size_t r = 0; r < t->nrows; r++)
		put_row(t, f, term, shown, w, &t->cells[r * MAX_COLS], false);
	return ferror(f) ? -EIO : 0;
}
