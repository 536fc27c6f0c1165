/* SPDX-License-Identifier: MIT */
/* Leveled logging to stderr: every message starts with "livedump: ". */
#ifndef LIVEDUMP_LOG_H
#define LIVEDUMP_LOG_H

enum ld_log_level { LD_LOG_ERROR, LD_LOG_WARN, LD_LOG_INFO, LD_LOG_DEBUG };

extern enum ld_log_level ld_log_level;

void ld_log(enum ld_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ld_err(...)	ld_log(LD_LOG_ERROR, __VA_ARGS__)
#define ld_warn(...)	ld_log(LD_LOG_WARN, __VA_ARGS__)
#define ld_info(...)	ld_log(LD_LOG_INFO, __VA_ARGS__)
#define ld_dbg(...)	ld_log(LD_LOG_DEBUG, __VA_ARGS__)

#endif
