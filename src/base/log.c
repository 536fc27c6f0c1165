// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include "base/log.h"

enum ld_log_level ld_log_level = LD_LOG_INFO;

/*
 * One write() per message: stderr is unbuffered, and a watched program
 * writing to the same terminal or file must not land inside our line.
 */
void ld_log(enum ld_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LD_LOG_ERROR] = "", [LD_LOG_WARN] = "warning: ",
		[LD_LOG_INFO] = "", [LD_LOG_DEBUG] = "debug: ",
	};
	char buf[4096];
	size_t len;
	va_list ap;
	int n;

	if (level > ld_log_level)
		return;
	n = snprintf(buf, sizeof(buf), "livedump: %s", prefix[level]);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	len = (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 2;
	if ((size_t)n >= sizeof(buf) - 1)
		buf[len - 1] = '~';	/* cut: say so */
	buf[len++] = '\n';
	fflush(stderr);
	if (write(STDERR_FILENO, buf, len) < 0)
		return;		/* nowhere to say it */
}
