// SPDX-License-Identifier: MIT
/*
 * Value parsers of the rule grammar: see ruleval.h.  They are strict on
 * purpose (no sign, no spaces, no unit guessed): a rule that means
 * something else than it says is worse than one that is refused with a
 * message saying what was expected.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rules/ruleval.h"

#define ERRNO_MAX	4095	/* the kernel's MAX_ERRNO */
#define ERRNO_NAMED	200	/* beyond the last errno glibc names (133 in 2.36) */

int ld_verr_set(struct ld_verr *e, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->off = off;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- numbers ---- */

static int digit_value(char c, bool hex)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (hex && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (hex && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The digits at the start of @s (decimal, or hex after 0x when @hex_ok).
 * Returns how many characters they take, 0 when there are none; *@ovf is
 * set when the value does not fit in 64 bits.
 */
static size_t scan_u64(const char *s, bool hex_ok, uint64_t *v, bool *ovf, bool *hex)
{
	unsigned base = 10;
	size_t i = 0;
	int d;

	*v = 0;
	*ovf = false;
	*hex = hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (*hex) {
		base = 16;
		i = 2;
	}
	for (; (d = digit_value(s[i], *hex)) >= 0; i++) {
		if (*v > (UINT64_MAX - d) / base)
			*ovf = true;
		*v = *v * base + d;
	}
	if (*hex && i == 2)
		return 0;	/* "0x" alone */
	return i;
}

int ld_val_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct ld_verr *e)
{
	bool ovf, hex;
	uint64_t v;
	size_t n = scan_u64(s, true, &v, &ovf, &hex);

	if (!n || s[n])
		return ld_verr_set(e, 0, "bad number '%.64s' (expected a decimal number or 0x hex)", s);
	if (ovf || v < min || v > max) {
		if (hex)
			return ld_verr_set(e, 0, "number '%.64s' out of range (expected 0x%" PRIx64
					   " to 0x%" PRIx64 ")", s, min, max);
		return ld_verr_set(e, 0, "number '%.64s' out of range (expected %" PRIu64 " to %"
				   PRIu64 ")", s, min, max);
	}
	*out = v;
	return 0;
}

int ld_val_range(const char *s, uint64_t max, struct ld_range64 *out, struct ld_verr *e)
{
	const char *dash = strchr(s, '-');
	char lo[72];
	size_t n;
	int err;

	if (!dash) {
		err = ld_val_u64(s, 0, max, &out->lo, e);
		out->hi = out->lo;
		return err;
	}
	n = dash - s;
	if (!n || !dash[1])
		return ld_verr_set(e, 0, "bad range '%.64s' (expected a number or a range LOW-HIGH)", s);
	if (n >= sizeof(lo))
		n = sizeof(lo) - 1;	/* too long for a number anyway */
	memcpy(lo, s, n);
	lo[n] = '\0';
	err = ld_val_u64(lo, 0, max, &out->lo, e);
	if (err)
		return err;
	err = ld_val_u64(dash + 1, 0, max, &out->hi, e);
	if (err) {
		e->off += dash + 1 - s;
		return err;
	}
	if (out->lo > out->hi)
		return ld_verr_set(e, 0, "empty range '%.64s' (expected LOW-HIGH with LOW <= HIGH)", s);
	return 0;
}

/* ---- key, operator, value ---- */

static const char *const op_strs[] = {
	[LD_OP_NONE] = "", [LD_OP_SET] = "=", [LD_OP_EQ] = "==", [LD_OP_NE] = "!=",
	[LD_OP_LT] = "<", [LD_OP_LE] = "<=", [LD_OP_GT] = ">", [LD_OP_GE] = ">=",
};

const char *ld_val_op_str(enum ld_val_op op)
{
	return (unsigned)op < sizeof(op_strs) / sizeof(op_strs[0]) ? op_strs[op] : "?";
}

int ld_val_split(const char *tok, char *key, size_t keysz, enum ld_val_op *op,
		 const char **val, size_t *val_off, struct ld_verr *e)
{
	size_t klen = strcspn(tok, "=<>!");
	size_t olen = strspn(tok + klen, "=<>!");
	unsigned i;

	snprintf(key, keysz, "%.*s", (int)klen, tok);
	*val = tok + klen + olen;
	*val_off = klen + olen;
	*op = LD_OP_NONE;
	if (!olen)
		return 0;
	if (!klen)
		return ld_verr_set(e, 0, "missing key in '%.64s' (expected KEY%.*sVALUE)", tok,
				   (int)olen, tok);
	for (i = LD_OP_SET; i < sizeof(op_strs) / sizeof(op_strs[0]); i++) {
		if (strlen(op_strs[i]) == olen && !strncmp(op_strs[i], tok + klen, olen)) {
			*op = i;
			return 0;
		}
	}
	return ld_verr_set(e, klen, "bad operator '%.*s' in '%.64s' (expected =, ==, <, <=, > or >=)",
			   (int)olen, tok + klen, tok);
}

int ld_val_cmp_range(enum ld_val_op op, uint64_t n, uint64_t max, struct ld_range64 *out,
		     struct ld_verr *e)
{
	switch (op) {
	case LD_OP_SET:
	case LD_OP_EQ:
		out->lo = out->hi = n;
		return 0;
	case LD_OP_LE:
		out->lo = 0;
		out->hi = n;
		return 0;
	case LD_OP_GE:
		out->lo = n;
		out->hi = max;
		return 0;
	case LD_OP_LT:
		if (!n)
			return ld_verr_set(e, 0, "'<0' matches no value (expected a bound above 0)");
		out->lo = 0;
		out->hi = n - 1;
		return 0;
	case LD_OP_GT:
		if (n >= max)
			return ld_verr_set(e, 0, "'>%" PRIu64 "' matches no value (expected a bound below %"
					   PRIu64 ")", n, max);
		out->lo = n + 1;
		out->hi = max;
		return 0;
	default:
		return ld_verr_set(e, 0, "operator '%s' is not supported (expected =, ==, <, <=, > or >=;"
				   " a list of ranges can leave values out)", ld_val_op_str(op));
	}
}

/* ---- lists and quoting ---- */

size_t ld_val_scan(const char *s, const char *stop, const char **open)
{
	const char *quote = NULL;	/* the quote that opened the current quoted part */
	size_t i;

	for (i = 0; s[i]; i++) {
		if (quote) {
			if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
				i++;
			else if (s[i] == '"')
				quote = NULL;
		} else if (s[i] == '"') {
			quote = s + i;
		} else if (strchr(stop, s[i])) {
			break;
		}
	}
	if (open)
		*open = quote;
	return i;
}

/* @len bytes of @s without their quotes into @out; -ENAMETOOLONG if they do not fit. */
static int unquote(const char *s, size_t len, char *out, size_t size)
{
	bool quoted = false;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && s[i] == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		if (o + 1 >= size)
			return -ENAMETOOLONG;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return 0;
}

int ld_val_list(const char *s, unsigned max, ld_val_elem_fn fn, void *arg, struct ld_verr *e)
{
	char buf[LD_VAL_MAX];
	unsigned idx = 0;
	const char *open;
	size_t pos = 0, len;
	int err;

	if (!*s)
		return ld_verr_set(e, 0, "missing value (expected %s)",
				   max > 1 ? "a value or a list of values a,b,..." : "a value");
	for (;;) {
		len = ld_val_scan(s + pos, ",", &open);
		if (open)
			return ld_verr_set(e, open - s, "unterminated quote in '%.64s' (expected a"
					   " closing \")", s + pos);
		if (!len)
			return ld_verr_set(e, pos, "empty value in list '%.64s' (expected values separated"
					   " by single commas)", s);
		if (idx == max) {
			if (max == 1)
				return ld_verr_set(e, pos, "list '%.64s' where one value is expected"
						   " (expected a single value)", s);
			return ld_verr_set(e, pos, "too many values in list (expected at most %u)", max);
		}
		if (unquote(s + pos, len, buf, sizeof(buf)))
			return ld_verr_set(e, pos, "value too long (expected at most %zu bytes)",
					   sizeof(buf) - 1);
		if (!buf[0])
			return ld_verr_set(e, pos, "empty value '%.*s' (expected a value)", (int)len,
					   s + pos);
		err = fn(arg, idx, buf, e);
		if (err) {
			/* Offsets inside a quoted value do not map back: point at its start. */
			e->off = pos + (memchr(s + pos, '"', len) ? 0 : e->off);
			return err;
		}
		idx++;
		pos += len;
		if (!s[pos])
			return 0;
		pos++;		/* the comma */
	}
}

bool ld_val_needs_quotes(const char *s)
{
	if (!*s || strchr("=<>!", *s))
		return true;	/* empty, or would read as part of the operator */
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || strchr(" \t\",#\\", *s))
			return true;
	return false;
}

int ld_val_quote(const char *s, char *buf, size_t size)
{
	size_t o = 0;

#define PUT(c) do { if (o + 1 >= size) goto nospace; buf[o++] = (c); } while (0)
	if (!size)
		return -ENOSPC;
	if (!ld_val_needs_quotes(s)) {
		if (strlen(s) >= size)
			goto nospace;
		strcpy(buf, s);
		return 0;
	}
	PUT('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			PUT('\\');
		PUT(*s);
	}
	PUT('"');
#undef PUT
	buf[o] = '\0';
	return 0;
nospace:
	buf[o < size ? o : size - 1] = '\0';
	return -ENOSPC;
}

/* ---- numbers with units: parse.c, in the grammar's message form ---- */

static bool is_fraction(const char *s)
{
	const char *dot = strchr(s, '.');

	return dot && dot > s && isdigit((unsigned char)dot[-1]) && isdigit((unsigned char)dot[1]);
}

int ld_val_duration(const char *s, uint64_t min, uint64_t max, uint64_t *ns, struct ld_verr *e)
{
	char lo[32], hi[32], why[LD_PARSE_WHY];
	int err = ld_parse_duration(s, min, max, ns, why, sizeof(why));

	if (err == -EINVAL)
		return ld_verr_set(e, 0, "bad duration '%.64s' (expected a %snumber with a unit:"
				   " us ms s m h d)", s, is_fraction(s) ? "whole " : "");
	if (err == -EDOM)
		return ld_verr_set(e, 0, "bad duration '%.64s' (%s)", s, why);
	if (err && !strncmp(why, "too short", 9)) {
		ld_format_duration(min, lo, sizeof(lo));
		return ld_verr_set(e, 0, "duration '%.64s' too short (expected at least %s)", s, lo);
	}
	if (err) {
		ld_format_duration(max < LD_DURATION_MAX ? max : LD_DURATION_MAX, hi, sizeof(hi));
		return ld_verr_set(e, 0, "duration '%.64s' too long (expected at most %s)", s, hi);
	}
	return 0;
}

int ld_val_format_duration(uint64_t ns, char *buf, size_t size)
{
	return ld_format_duration(ns, buf, size);
}

int ld_val_size(const char *s, uint64_t min, uint64_t max, uint64_t *bytes, struct ld_verr *e)
{
	char lo[32], hi[32], why[LD_PARSE_WHY];
	int err = ld_parse_size(s, min, max, bytes, why, sizeof(why));

	if (err == -EINVAL)
		return ld_verr_set(e, 0, "bad size '%.64s' (expected a %snumber with an optional unit:"
				   " K M G T P E)", s, is_fraction(s) ? "whole " : "");
	if (err == -EDOM)
		return ld_verr_set(e, 0, "bad size '%.64s' (%s)", s, why);
	if (err) {
		if (ld_format_size(min, lo, sizeof(lo)))
			snprintf(lo, sizeof(lo), "%" PRIu64, min);
		if (ld_format_size(max, hi, sizeof(hi)))
			snprintf(hi, sizeof(hi), "%" PRIu64, max);
		return ld_verr_set(e, 0, "size '%.64s' out of range (expected %s to %s)", s, lo, hi);
	}
	return 0;
}

int ld_val_format_size(uint64_t bytes, char *buf, size_t size)
{
	return ld_format_size(bytes, buf, size);
}

int ld_val_yesno(const char *s, bool *out, struct ld_verr *e)
{
	if (!strcmp(s, "yes") || !strcmp(s, "no")) {
		*out = s[0] == 'y';
		return 0;
	}
	return ld_verr_set(e, 0, "bad value '%.64s' (expected yes or no)", s);
}

/* ---- signals ---- */

/*
 * @s as a number in [1, @max] for values that are names or numbers;
 * -ENOENT when @s is not a number at all (then it may be a name).
 */
static int small_number(const char *s, int max, const char *what, int *out, struct ld_verr *e)
{
	bool ovf, hex;
	uint64_t n;
	size_t len = scan_u64(s, true, &n, &ovf, &hex);

	if (!len || s[len])
		return -ENOENT;
	if (ovf || n < 1 || n > (uint64_t)max)
		return ld_verr_set(e, 0, "%s '%.64s' out of range (expected 1 to %d)", what, s, max);
	*out = (int)n;
	return 0;
}

struct alias {
	const char *name;
	int value;
};

/* Names glibc's sigabbrev_np() does not return: it gives one per number. */
static const struct alias sig_aliases[] = {
	{ "IOT", SIGABRT }, { "CLD", SIGCHLD }, { "IO", SIGIO },
};

/*
 * "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (@s without SIG) into *sig;
 * -ENOENT if @s is none of them.  @shown is what the user wrote.
 */
static int rt_signal(const char *s, const char *shown, int *sig, struct ld_verr *e)
{
	bool max = !strncasecmp(s, "RTMAX", 5);
	uint64_t n = 0;
	bool ovf, hex;
	size_t len;

	if (!max && strncasecmp(s, "RTMIN", 5))
		return -ENOENT;
	if (s[5]) {
		if (s[5] != (max ? '-' : '+'))
			return -ENOENT;
		len = scan_u64(s + 6, false, &n, &ovf, &hex);
		if (!len || s[6 + len])
			return -ENOENT;
		if (ovf || n > (uint64_t)(SIGRTMAX - SIGRTMIN))
			return ld_verr_set(e, 0, "signal '%.64s' out of range (expected %s%c0 to %s%c%d)",
					   shown, max ? "RTMAX" : "RTMIN", s[5], max ? "RTMAX" : "RTMIN",
					   s[5], SIGRTMAX - SIGRTMIN);
	}
	*sig = max ? SIGRTMAX - (int)n : SIGRTMIN + (int)n;
	return 0;
}

int ld_val_signal(const char *s, int *sig, struct ld_verr *e)
{
	const char *name = s;
	int i, err;

	err = small_number(s, SIGRTMAX, "signal", sig, e);
	if (err != -ENOENT)
		return err;
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	err = rt_signal(name, s, sig, e);
	if (err != -ENOENT)
		return err;
	for (i = 1; i < SIGRTMIN; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev && !strcasecmp(abbrev, name)) {
			*sig = i;
			return 0;
		}
	}
	for (i = 0; i < (int)(sizeof(sig_aliases) / sizeof(sig_aliases[0])); i++) {
		if (!strcasecmp(sig_aliases[i].name, name)) {
			*sig = sig_aliases[i].value;
			return 0;
		}
	}
	return ld_verr_set(e, 0, "unknown signal '%.64s' (expected a signal name like SEGV or a number)", s);
}

int ld_val_signal_name(int sig, char *buf, size_t size)
{
	const char *abbrev = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
	int len;

	if (abbrev)
		len = snprintf(buf, size, "%s", abbrev);
	else if (sig == SIGRTMAX)
		len = snprintf(buf, size, "RTMAX");
	else if (sig == SIGRTMIN)
		len = snprintf(buf, size, "RTMIN");
	else if (sig > SIGRTMIN && sig < SIGRTMAX)
		len = snprintf(buf, size, "RTMIN+%d", sig - SIGRTMIN);
	else
		len = snprintf(buf, size, "%d", sig);
	return len < 0 || (size_t)len >= size ? -ENOSPC : 0;
}

int ld_val_signal_fullname(int sig, char *buf, size_t size)
{
	char name[32];
	int err = ld_val_signal_name(sig, name, sizeof(name));

	if (!err && snprintf(buf, size, "%s%s", name[0] >= 'A' && name[0] <= 'Z' ? "SIG" : "",
			     name) >= (int)size)
		err = -ENOSPC;
	return err;
}

/* ---- errno names ---- */

/* Names strerrorname_np() does not return: it gives one per number. */
static const struct alias errno_aliases[] = {
	{ "EWOULDBLOCK", EWOULDBLOCK }, { "EDEADLOCK", EDEADLOCK }, { "ENOTSUP", ENOTSUP },
};

int ld_val_errno(const char *s, int *err, struct ld_verr *e)
{
	int i, ret;

	ret = small_number(s, ERRNO_MAX, "errno", err, e);
	if (ret != -ENOENT)
		return ret;
	for (i = 1; i < ERRNO_NAMED; i++) {
		const char *name = strerrorname_np(i);

		if (name && !strcasecmp(name, s)) {
			*err = i;
			return 0;
		}
	}
	for (i = 0; i < (int)(sizeof(errno_aliases) / sizeof(errno_aliases[0])); i++) {
		if (!strcasecmp(errno_aliases[i].name, s)) {
			*err = errno_aliases[i].value;
			return 0;
		}
	}
	return ld_verr_set(e, 0, "unknown errno '%.64s' (expected an errno name like ENOENT or EIO,"
			   " or a number)", s);
}

int ld_val_errno_name(int err, char *buf, size_t size)
{
	const char *name = err > 0 && err < ERRNO_NAMED ? strerrorname_np(err) : NULL;
	int len = name ? snprintf(buf, size, "%s", name) : snprintf(buf, size, "%d", err);

	return len < 0 || (size_t)len >= size ? -ENOSPC : 0;
}

static const struct { const char *name; unsigned nr; } syscall_table[] = {
#include "syscalls.inc"
};

int ld_val_syscall(const char *s, unsigned *nr, struct ld_verr *e)
{
	for (size_t i = 0; i < sizeof(syscall_table) / sizeof(syscall_table[0]); i++)
		if (!strcmp(syscall_table[i].name, s)) {
			*nr = syscall_table[i].nr;
			return 0;
		}
	return ld_verr_set(e, 0, "unknown syscall '%.64s' (expected an x86-64 syscall name like"
			   " openat or fsync)", s);
}

const char *ld_val_syscall_name(unsigned nr)
{
	for (size_t i = 0; i < sizeof(syscall_table) / sizeof(syscall_table[0]); i++)
		if (syscall_table[i].nr == nr)
			return syscall_table[i].name;
	return NULL;
}

int ld_val_s64(const char *s, int64_t *out, struct ld_verr *e)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		return ld_verr_set(e, 0, "bad number '%.64s' (expected a signed integer like -1, 0"
				   " or 4096)", s);
	*out = v;
	return 0;
}
