// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include "base/strbuf.h"

void ld_strbuf_add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += n;
}
