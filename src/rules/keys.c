// SPDX-License-Identifier: MIT
/* Rule keys (keys.h): the string builder and the value parsers and writers detectors share. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "rules/keys.h"

void ld_sb_printf(struct ld_sb *sb, const char *fmt, ...)
{
	size_t room = sb->len < sb->size ? sb->size - sb->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		sb->over = true;
		sb->len = sb->size ? sb->size - 1 : 0;
	} else {
		sb->len += n;
	}
}



void ld_sb_num(struct ld_sb *sb, uint64_t v, bool hex)
{
	if (hex)
		ld_sb_printf(sb, "0x%" PRIx64, v);
	else
		ld_sb_printf(sb, "%" PRIu64, v);
}

void ld_sb_quoted(struct ld_sb *sb, const char *s)
{
	char buf[2 * LD_VAL_MAX + 3];

	if (ld_val_quote(s, buf, sizeof(buf)))
		sb->over = true;
	ld_sb_printf(sb, "%s", buf);
}

/* ---- shared values ---- */

int ld_key_elem_range(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	return ld_val_range(s, k->max, (struct ld_range64 *)f + idx, e);
}

void ld_key_fmt_range(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	const struct ld_range64 *r = (const struct ld_range64 *)f + idx;

	ld_sb_num(sb, r->lo, k->hex);
	if (r->hi != r->lo) {
		ld_sb_printf(sb, "-");
		ld_sb_num(sb, r->hi, k->hex);
	}
}

int ld_key_elem_duration(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			 struct ld_verr *e)
{
	return ld_val_duration(s, k->min, k->max, (uint64_t *)f + idx, e);
}

void ld_key_fmt_duration(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	char buf[32];

	(void)k;
	if (ld_val_format_duration(((const uint64_t *)f)[idx], buf, sizeof(buf)))
		sb->over = true;
	ld_sb_printf(sb, "%s", buf);
}

/* latency=A-B (durations); a single duration means at least that */
int ld_key_elem_latency(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			struct ld_verr *e)
{
	struct ld_range64 *r = f;
	const char *dash = strchr(s, '-');
	char lo[64];
	int err;

	(void)idx;
	if (!dash)
		return k->cmp_elem(k, f, LD_OP_GE, s, e);
	snprintf(lo, sizeof(lo), "%.*s", (int)(dash - s), s);
	err = ld_val_duration(lo, 0, LD_DURATION_MAX, &r->lo, e);
	if (!err && (err = ld_val_duration(dash + 1, 0, LD_DURATION_MAX, &r->hi, e)))
		e->off += dash + 1 - s;
	if (!err && r->hi < r->lo)
		return ld_verr_set(e, 0, "empty latency range '%.64s' (expected LOW-HIGH)", s);
	return err;
}

/*
 * latency>D and latency>=D both mean "D or more": a nanosecond does not
 * matter, and the canonical form stays readable.
 */
int ld_key_cmp_latency(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s,
		       struct ld_verr *e)
{
	struct ld_range64 *r = f;
	uint64_t ns;
	int err = ld_val_duration(s, 1, LD_DURATION_MAX, &ns, e);

	(void)k;
	if (err)
		return err;
	switch (op) {
	case LD_OP_GT:
	case LD_OP_GE:
		*r = (struct ld_range64){ ns, LD_DURATION_MAX };
		return 0;
	case LD_OP_LT:
	case LD_OP_LE:
		*r = (struct ld_range64){ 1, ns };
		return 0;
	default:
		*r = (struct ld_range64){ ns, ns };
		return 0;
	}
}

void ld_key_fmt_latency(const struct ld_rule_key *k, const void *f, struct ld_sb *sb)
{
	const struct ld_range64 *r = f;
	char lo[32], hi[32];

	ld_val_format_duration(r->lo, lo, sizeof(lo));
	ld_val_format_duration(r->hi, hi, sizeof(hi));
	if (r->hi == LD_DURATION_MAX)
		ld_sb_printf(sb, " %s>=%s", k->name, lo);
	else if (r->lo == 1)
		ld_sb_printf(sb, " %s<=%s", k->name, hi);
	else
		ld_sb_printf(sb, " %s=%s-%s", k->name, lo, hi);
}

int ld_key_cmp_ret(const struct ld_rule_key *k, void *f, enum ld_val_op op, const char *s,
		   struct ld_verr *e)
{
	struct ld_srange64 *r = f;
	int64_t n;
	int err = ld_val_s64(s, &n, e);

	(void)k;
	if (err)
		return err;
	*r = (struct ld_srange64){ INT64_MIN, INT64_MAX, 1, 0 };
	switch (op) {
	case LD_OP_LT:
		if (n == INT64_MIN)
			return ld_verr_set(e, 0, "'<%lld' matches no value", (long long)n);
		r->hi = n - 1;
		break;
	case LD_OP_LE:
		r->hi = n;
		break;
	case LD_OP_GT:
		if (n == INT64_MAX)
			return ld_verr_set(e, 0, "'>%lld' matches no value", (long long)n);
		r->lo = n + 1;
		break;
	case LD_OP_GE:
		r->lo = n;
		break;
	default:
		r->lo = r->hi = n;
	}
	return 0;
}

int ld_key_elem_ret(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	(void)idx;
	return ld_key_cmp_ret(k, f, LD_OP_EQ, s, e);
}

void ld_key_fmt_ret(const struct ld_rule_key *k, const void *f, struct ld_sb *sb)
{
	const struct ld_srange64 *r = f;

	if (r->lo == r->hi)
		ld_sb_printf(sb, " %s==%lld", k->name, (long long)r->lo);
	else if (r->lo == INT64_MIN)
		ld_sb_printf(sb, " %s<=%lld", k->name, (long long)r->hi);
	else if (r->hi == INT64_MAX)
		ld_sb_printf(sb, " %s>=%lld", k->name, (long long)r->lo);
	else
		ld_sb_printf(sb, " %s>=%lld %s<=%lld", k->name, (long long)r->lo, k->name,
			  (long long)r->hi);
}

int ld_key_elem_signal(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		       struct ld_verr *e)
{
	int sig, err = ld_val_signal(s, &sig, e);

	(void)k;
	if (!err)
		((uint32_t *)f)[idx] = sig;
	return err;
}

void ld_key_fmt_signal(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	char buf[32];

	(void)k;
	ld_val_signal_name(((const uint32_t *)f)[idx], buf, sizeof(buf));
	ld_sb_printf(sb, "%s", buf);
}

int ld_key_elem_errno(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		      struct ld_verr *e)
{
	int err, val;

	(void)k;
	err = ld_val_errno(s, &val, e);
	if (!err)
		((uint32_t *)f)[idx] = val;
	return err;
}

void ld_key_fmt_errno(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	char buf[32];

	(void)k;
	ld_val_errno_name(((const uint32_t *)f)[idx], buf, sizeof(buf));
	ld_sb_printf(sb, "%s", buf);
}


void ld_sb_truncate(struct ld_sb *sb, size_t len)
{
	if (!sb->over && len < sb->size) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}
