// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

enum ld_log_level ld_log_level = LD_LOG_INFO;

void ld_log(enum ld_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LD_LOG_ERROR] = "", [LD_LOG_WARN] = "warning: ",
		[LD_LOG_INFO] = "", [LD_LOG_DEBUG] = "debug: ",
	};
	va_list ap;

	if (level > ld_log_level)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "livedump: %s", prefix[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
