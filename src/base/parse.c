// SPDX-License-Identifier: MIT
/* Sizes and durations from users (parse.h): scanning, units, bounds, reasons. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "base/log.h"
#include "base/parse.h"

struct unit {
	const char *name;
	uint64_t mul;
};

/* Largest first: the formatter picks the first that divides exactly. */
static const struct unit dur_units[] = {
	{ "d", LD_NSEC_PER_DAY }, { "h", 3600000000000ULL }, { "m", 60000000000ULL },
	{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL },
};

static const struct unit size_units[] = {
	{ "E", 1ULL << 60 }, { "P", 1ULL << 50 }, { "T", 1ULL << 40 },
	{ "G", 1ULL << 30 }, { "M", 1ULL << 20 }, { "K", 1ULL << 10 }, { "", 1 },
};

#define NUNITS(u) (sizeof(u) / sizeof((u)[0]))

struct kind {
	const char *what;		/* "size" */
	const char *syntax;		/* what a valid value looks like */
	const struct unit *units;
	size_t nunits;
	bool icase;
};

static const struct kind size_kind = {
	"size", "a whole number with an optional unit: K M G T P E",
	size_units, NUNITS(size_units), true,
};

static const struct unit no_units[] = { { "", 1 } };

static const struct kind count_kind = {
	"number", "a whole decimal number", no_units, 1, false,
};

static const struct kind dur_kind = {
	"duration", "a whole number with a unit: us ms s m h d",
	dur_units, NUNITS(dur_units), false,
};

static int format_units(const struct unit *u, size_t n, uint64_t v, char *buf, size_t size)
{
	size_t i = v ? 0 : n - 1;	/* 0 in the smallest unit: "0us", not "0d" */
	int len;

	while (i < n && v % u[i].mul)
		i++;
	if (i == n) {
		if (size)
			buf[0] = '\0';
		return -ERANGE;
	}
	len = snprintf(buf, size, "%" PRIu64 "%s", v / u[i].mul, u[i].name);
	return len < 0 || (size_t)len >= size ? -ENOSPC : 0;
}

/* A bound for a message: exact in its unit, else in bytes / nanoseconds. */
static void format_bound(const struct kind *k, uint64_t v, char *buf, size_t size)
{
	if (k->nunits == 1 || format_units(k->units, k->nunits, v, buf, size))
		snprintf(buf, size, "%" PRIu64, v);
}

static int parse(const struct kind *k, const char *s, uint64_t min, uint64_t max,
		 uint64_t *out, char *why, size_t whysz)
{
	const struct unit *unit = NULL;
	bool ovf = false;
	char bound[32];
	uint64_t v = 0;
	size_t i = 0;

	if (!*s) {
		snprintf(why, whysz, "empty (expected %s)", k->syntax);
		return -EINVAL;
	}
	if (*s == '-') {
		snprintf(why, whysz, "a %s must not be negative", k->what);
		return -EDOM;
	}
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = s[i] - '0';

		if (v > (UINT64_MAX - d) / 10)
			ovf = true;
		v = v * 10 + d;
	}
	for (size_t u = 0; i && u < k->nunits && !unit; u++)
		if (!(k->icase ? strcasecmp : strcmp)(k->units[u].name, s + i))
			unit = &k->units[u];
	if (!unit) {
		bool frac = i && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9';

		snprintf(why, whysz, "%s (expected %s)", frac ? "not a whole number" :
			 i && k->nunits > 1 ? "unknown unit" : "not a number", k->syntax);
		return -EINVAL;
	}
	if (ovf || v > UINT64_MAX / unit->mul || v * unit->mul > max) {
		format_bound(k, max, bound, sizeof(bound));
		snprintf(why, whysz, "too %s (at most %s)", k == &dur_kind ? "long" : "large", bound);
		return -ERANGE;
	}
	v *= unit->mul;
	if (v < min) {
		format_bound(k, min, bound, sizeof(bound));
		snprintf(why, whysz, "too %s (at least %s)", k == &dur_kind ? "short" : "small", bound);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int ld_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes,
		  char *why, size_t whysz)
{
	return parse(&size_kind, s, min, max, bytes, why, whysz);
}

int ld_parse_duration(const char *s, uint64_t min, uint64_t max, uint64_t *ns,
		      char *why, size_t whysz)
{
	if (max > LD_DURATION_MAX)
		max = LD_DURATION_MAX;
	return parse(&dur_kind, s, min, max, ns, why, whysz);
}

int ld_format_size(uint64_t bytes, char *buf, size_t size)
{
	return format_units(size_units, NUNITS(size_units), bytes, buf, size);
}

int ld_format_duration(uint64_t ns, char *buf, size_t size)
{
	return format_units(dur_units, NUNITS(dur_units), ns, buf, size);
}

int ld_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  char *why, size_t whysz)
{
	return parse(&count_kind, s, min, max, out, why, whysz);
}

int ld_opt_size(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char why[LD_PARSE_WHY];

	if (ld_parse_size(s, min, max, out, why, sizeof(why)))
		return ld_err("%s %s: %s", opt, s, why), -EINVAL;
	return 0;
}

int ld_opt_uint(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char why[LD_PARSE_WHY];

	if (ld_parse_uint(s, min, max, out, why, sizeof(why)))
		return ld_err("%s %s: %s", opt, s, why), -EINVAL;
	return 0;
}
