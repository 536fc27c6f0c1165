/* SPDX-License-Identifier: MIT */
#ifndef LIVEDUMP_STRBUF_H
#define LIVEDUMP_STRBUF_H

#include <stddef.h>

/*
 * printf at @*off into @buf of @len bytes, advancing @*off; what does not
 * fit is dropped (the buffer stays terminated), so a caller can append
 * piece after piece and check for overflow once, if at all.
 */
__attribute__((format(printf, 4, 5)))
void ld_strbuf_add(char *buf, size_t len, size_t *off, const char *fmt, ...);

#endif
