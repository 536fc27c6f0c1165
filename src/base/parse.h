/* SPDX-License-Identifier: MIT */
/*
 * The one parser of sizes and the one of durations that everything reading
 * them from a user goes through: command-line options (record --stack,
 * --max-use, ...) and the rule grammar (ruleval.c wraps these in its own
 * message form).  A value is a whole decimal number and a unit; no sign,
 * no spaces, no hex; overflow of the number or of number x unit is caught,
 * never wrapped.
 *
 * On error the functions return a negative errno and write into @why a
 * complete reason a caller can put after "--opt VALUE: ":
 *
 *     -EINVAL  not a number with a unit ("expected a whole number with an
 *              optional unit: K M G T P E"), or empty
 *     -EDOM    a leading '-' ("a size must not be negative")
 *     -ERANGE  outside [min, max] ("too large (at most 64M)")
 */
#ifndef LIVEDUMP_PARSE_H
#define LIVEDUMP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define LD_PARSE_WHY		128

/* Sizes: bytes, units K M G T P E (powers of 1024, any case). */
int ld_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes,
		  char *why, size_t whysz);
/* In the largest unit that divides it exactly ("64K", "4100"). */
int ld_format_size(uint64_t bytes, char *buf, size_t size);

/* Durations: nanoseconds, units us ms s m h d (a unit is required). */
int ld_parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *ns,
		      char *why, size_t whysz);
int ld_format_duration(uint64_t ns, char *buf, size_t size);

/*
 * A plain decimal count in [@min, @max] (process ids, levels, --top): no
 * unit, no sign; the same reasons as above, "a number must not be negative".
 */
int ld_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  char *why, size_t whysz);

/*
 * Command-line options: the above, and on error the message
 * "livedump: OPT VALUE: WHY" (ld_err); 0 or -EINVAL.
 */
int ld_opt_size(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int ld_opt_uint(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Largest process id there can be (PID_MAX_LIMIT on 64-bit). */
#define LD_PID_MAX		4194304

/* Whole days that fit in 64 bits of nanoseconds (213503d). */
#define LD_NSEC_PER_DAY		(86400ULL * 1000000000ULL)
#define LD_DURATION_MAX		(213503ULL * LD_NSEC_PER_DAY)

#endif
