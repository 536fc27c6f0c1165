/* SPDX-License-Identifier: MIT */
/*
 * Text that came from a target (comm, exe, cmdline, paths, blob tags,
 * assertion text...) made safe to print on a terminal or in a line-based
 * log: control characters (C0, DEL and the C1 range U+0080..U+009F),
 * backslash and every byte that is not part of valid UTF-8 become \xNN,
 * like `ls -b` or systemd's cescape; valid printable UTF-8 passes through.
 * So "\033[31m" cannot colour the terminal, a newline cannot forge a line,
 * and the escaped text still names the original bytes exactly.
 *
 * JSON output does its own escaping (json.c); this is for text only.
 */
#ifndef LIVEDUMP_ESCAPE_H
#define LIVEDUMP_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Bytes a buffer needs for @n input bytes, escaped in full. */
#define LD_ESC_SIZE(n)		(4 * (n) + 1)

/*
 * @s (NUL-terminated; NULL is "") escaped into @buf of @size bytes, always
 * terminated; what does not fit is cut at a whole character or escape, never
 * inside one.  Returns @buf, so it can be a printf argument.
 */
const char *ld_escape(const char *s, char *buf, size_t size);
/* The same for exactly @len bytes (NULs included, as \x00). */
const char *ld_escape_len(const char *s, size_t len, char *buf, size_t size);
/* At most @max bytes of @s (up to a NUL), escaped, to @f. */
void ld_escape_fput(FILE *f, const char *s, size_t max);
/* @s escaped in place of @s, in a new allocation (free it); NULL on ENOMEM. */
char *ld_escape_dup(const char *s);

/* Length of the valid UTF-8 sequence at @s (1..4), 0 if it is not one. */
size_t ld_utf8_seq(const unsigned char *s, size_t n);

#endif
