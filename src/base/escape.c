// SPDX-License-Identifier: MIT
/* Escaping of target-supplied text for text output (escape.h), and UTF-8 validation. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/escape.h"

size_t ld_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * The next unit at @s: its length, and whether it is printed as \xNN per
 * byte (a control, a backslash, a byte outside valid UTF-8) or as it is.
 */
static size_t next_unit(const unsigned char *s, size_t n, bool *esc)
{
	size_t len = ld_utf8_seq(s, n);

	if (!len) {
		*esc = true;
		return 1;
	}
	/* C1 controls: U+0080..U+009F, encoded C2 80..C2 9F (U+009B is CSI). */
	*esc = (len == 2 && s[0] == 0xc2 && s[1] < 0xa0) || s[0] < 0x20 || s[0] == 0x7f ||
	       s[0] == '\\';
	return len;
}

static const char hex[] = "0123456789abcdef";

const char *ld_escape_len(const char *str, size_t n, char *buf, size_t size)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, o = 0;

	if (!size)
		return buf;
	while (i < n) {
		bool esc;
		size_t len = next_unit(s + i, n - i, &esc);

		if (o + (esc ? 4 * len : len) >= size)
			break;
		for (size_t j = 0; esc && j < len; j++) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[s[i + j] >> 4];
			buf[o++] = hex[s[i + j] & 15];
		}
		if (!esc) {
			memcpy(buf + o, s + i, len);
			o += len;
		}
		i += len;
	}
	buf[o] = '\0';
	return buf;
}

void ld_escape_fput(FILE *f, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, max);

	for (size_t i = 0, len; i < n; i += len) {
		bool esc;

		len = next_unit(s + i, n - i, &esc);
		for (size_t j = 0; esc && j < len; j++)
			fprintf(f, "\\x%c%c", hex[s[i + j] >> 4], hex[s[i + j] & 15]);
		if (!esc)
			fwrite(s + i, 1, len, f);
	}
}

const char *ld_escape(const char *s, char *buf, size_t size)
{
	return ld_escape_len(s ? s : "", s ? strlen(s) : 0, buf, size);
}

char *ld_escape_dup(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *buf = malloc(LD_ESC_SIZE(n));

	return buf ? (char *)ld_escape(s, buf, LD_ESC_SIZE(n)) : NULL;
}
