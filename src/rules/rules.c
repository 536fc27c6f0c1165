// SPDX-License-Identifier: MIT
/*
 * Trigger rules: text to struct ld_rule and back (rules.h, docs/rules.md).
 *
 *   NAME on ISSUE [ISSUE-PARAMS] [where FILTERS] [capture WHAT] [limit LIMITS]
 *
 * Text is read in physical lines; comments are cut, a trailing backslash
 * joins the next line, and each logical line (one rule) is split into
 * words.  The words after the issue fall into sections: the issue's
 * parameters, then the clauses `where`, `capture` and `limit` in any order,
 * each at most once.  Every section is a table of keys (KEY=VALUE, some
 * also KEY<N ...) and, for capture and limit, bare words (`mini`, `3/10m`).
 * A detector is one table entry: its name, its keys, the capture types it
 * can take and its default one.  The same tables write the canonical form,
 * so what is parsed and what is printed cannot drift apart.
 *
 * Errors never stop the file: each is reported with ORIGIN:LINE:COLUMN
 * (the column of the offending word, counted in bytes from 1) and the
 * parser goes on with the next word, or the next rule when the structure
 * of this one is lost.  A rule with an error is not added to the set.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "capture/btfsub.h"
#include "capture/hidden.h"
#include "dump/compress.h"
#include "base/cgroupfs.h"
#include "rules/rules.h"
#include "rules/ruleval.h"
#include "rules/keys.h"
#include "rules/kfollow.h"
#include "detectors/detector.h"
#include "group/group.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PID_LIMIT	4194304		/* the kernel's PID_MAX_LIMIT: pids are below it */
#define UID_VALID_MAX	0xfffffffeU	/* (uid_t)-1 is "no uid" */
#define HISTORY_MAX	65536
#define COMM_MAX	15		/* TASK_COMM_LEN - 1 */
#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "history and pids share a parser");

/* ---- diagnostics ---- */

void ld_diag__free(struct ld_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}

static void diag_add(struct ld_diag *d, char *msg)
{
	char **v;

	if (!d || !msg)
		goto drop;
	v = realloc(d->msgs, (d->n + 1) * sizeof(*v));
	if (!v)
		goto drop;
	d->msgs = v;
	d->msgs[d->n++] = msg;
	return;
drop:
	free(msg);	/* still counted by the caller: the count is what decides */
}

/* ---- the text of one rule: physical lines joined into one logical line ---- */

/* From logical offset @off on, the text is line @line from its column 1. */
struct seg {
	size_t off;
	unsigned line;
};

struct src {
	const char *origin;
	bool is_file;			/* a rule file: names are required */
	struct ld_ruleset *rs;
	struct ld_diag *diag;
	int nerr;
	bool oom;
	char *text;			/* the logical line being read */
	size_t len, cap;
	struct seg *segs;
	size_t nsegs, segcap;
	bool bad;			/* this rule already failed while being read */
};

static void src_where(const struct src *s, size_t off, unsigned *line, unsigned *col)
{
	size_t i = s->nsegs;

	while (i > 1 && s->segs[i - 1].off > off)
		i--;
	*line = i ? s->segs[i - 1].line : 0;
	*col = i ? (unsigned)(off - s->segs[i - 1].off) + 1 : 1;
}

static void src_verror(struct src *s, size_t off, const char *fmt, va_list ap)
{
	unsigned line, col;
	char *msg, *full;

	s->nerr++;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	src_where(s, off, &line, &col);
	if (asprintf(&full, "%s:%u:%u: %s", s->origin, line, col, msg) < 0)
		full = NULL;
	free(msg);
	diag_add(s->diag, full);
}

static void __attribute__((format(printf, 3, 4))) src_error(struct src *s, size_t off,
							      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	src_verror(s, off, fmt, ap);
	va_end(ap);
}

static int src_grow(struct src *s, size_t more)
{
	char *t;
	struct seg *g;

	if (s->len + more + 1 > s->cap) {
		size_t cap = (s->len + more + 1) * 2;

		t = realloc(s->text, cap);
		if (!t)
			return -ENOMEM;
		s->text = t;
		s->cap = cap;
	}
	if (s->nsegs == s->segcap) {
		size_t cap = s->segcap ? s->segcap * 2 : 8;

		g = realloc(s->segs, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		s->segs = g;
		s->segcap = cap;
	}
	return 0;
}

/* ---- sections, keys and words ---- */

struct rctx;

enum { SEC_ISSUE, SEC_WHERE, SEC_CAPTURE, SEC_LIMIT, NSECTIONS };
#define MAX_KEYS	LD_RULE_KEYS_MAX

struct section {
	const char *name;		/* the clause keyword; the detector's name for SEC_ISSUE */
	const struct ld_rule_key *keys;
	size_t nkeys;
	const char *words;		/* the bare words it takes, for messages; NULL: none */
	int (*word)(struct rctx *c, const char *s, size_t off);
	void (*fmt_words)(const struct ld_rule *r, struct ld_sb *sb);
};

/* One rule being parsed. */
struct rctx {
	struct src *src;
	struct ld_rule r;
	const struct ld_detector_ops *det;
	struct section sec[NSECTIONS];
	char **toks;
	size_t *offs;
	size_t ntoks;
	int nerr;
	bool stop;			/* the rule's structure is lost: no more messages */
	unsigned seen[NSECTIONS];	/* keys given, one bit per key */
	size_t key_off[NSECTIONS][MAX_KEYS];
	bool clause[NSECTIONS];		/* clauses given */
	size_t clause_off[NSECTIONS];
	unsigned nwords[NSECTIONS];	/* words in each clause */
	bool have_type, have_total, have_rate;
	size_t type_off;
};

static int __attribute__((format(printf, 3, 4))) rerr(struct rctx *c, size_t off,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	src_verror(c->src, off, fmt, ap);
	va_end(ap);
	c->nerr++;
	return -EINVAL;
}

static void *key_field(struct ld_rule *r, const struct ld_rule_key *k)
{
	return (char *)r + k->field;
}

static unsigned key_nvalues(const struct ld_rule *r, const struct ld_rule_key *k)
{
	static const char zero[64];	/* at least the largest single value */
	const char *f = (const char *)r + k->field;

	if (k->size > sizeof(zero))
		return k->count ? 0 : *f != 0;	/* strings: given when not empty */

	if (k->count)
		return *(const unsigned *)((const char *)r + k->count);
	return memcmp(f, zero, k->size) ? 1 : 0;
}

/* "code, param" or "code=, param=" */
static void key_names(const struct ld_rule_key *keys, size_t n, const char *suffix, struct ld_sb *sb)
{
	for (size_t i = 0; i < n; i++)
		ld_sb_printf(sb, "%s%s%s", i ? ", " : "", keys[i].name, suffix);
}

/* ---- value parsers of the keys ---- */

static int elem_u32(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	uint64_t v;
	int err = ld_val_u64(s, k->min, k->max, &v, e);

	if (!err)
		((uint32_t *)f)[idx] = (uint32_t)v;
	return err;
}

/* A user name from the passwd database (files, LDAP ...: what getpwnam_r sees). */
static int user_uid(const char *name, uint32_t *uid)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 16384;
	struct passwd pw, *res;
	char *buf = NULL, *nbuf;
	int err;

	do {
		nbuf = realloc(buf, size);
		if (!nbuf) {
			err = ENOMEM;
			break;
		}
		buf = nbuf;
		err = getpwnam_r(name, &pw, buf, size, &res);
		size *= 2;
	} while (err == ERANGE && size <= (1U << 20));
	if (!err && !res)
		err = ENOENT;
	if (!err)
		*uid = pw.pw_uid;
	free(buf);
	return -err;
}

static int elem_uid(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	int err;

	if (isdigit((unsigned char)s[0]))
		return elem_u32(k, f, idx, s, e);
	err = user_uid(s, (uint32_t *)f + idx);
	if (err == -ENOENT)
		return ld_verr_set(e, 0, "unknown user '%.64s' (expected a user name from the passwd"
				   " database or a number)", s);
	if (err)
		return ld_verr_set(e, 0, "cannot look up user '%.64s': %s", s, strerror(-err));
	return 0;
}

static int elem_comm(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	size_t len = strlen(s);

	(void)k;
	if (len > COMM_MAX)
		return ld_verr_set(e, 0, "comm '%.64s' is too long (%zu bytes, expected at most %d as"
				   " in /proc/PID/comm)", s, len, COMM_MAX);
	memcpy((char (*)[16])f + idx, s, len + 1);
	return 0;
}

/* cgroup=[CONTROLLER:]PATH: the v1 controller whose hierarchy PATH is in. */
static int cgroup_controller(const char **s, struct ld_verr *e)
{
	const char *colon = strchr(*s, ':'), *slash = strchr(*s, '/');
	size_t n;

	if (!colon || (slash && slash < colon))
		return 0;
	n = (size_t)(colon - *s);
	if (n > 5 && !strncmp(*s, "name=", 5))
		return ld_verr_set(e, 0, "cgroup '%.64s': a named hierarchy has no controller the"
				   " kernel reaches a process's cgroup by (expected CONTROLLER:PATH"
				   " with a controller such as memory, or a v2 PATH)", *s);
	if (ld_cgc_parse(*s, n) < 0) {
		char names[256] = "";

		for (int c = LD_CGC_V2 + 1; c < LD_CGC__COUNT; c++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 c > LD_CGC_V2 + 1 ? ", " : "", ld_cgc_name(c));
		return ld_verr_set(e, 0, "cgroup '%.64s': unknown controller '%.*s' (expected one"
				   " of %s)", *s, (int)(n < 32 ? n : 32), *s, names);
	}
	*s = colon + 1;
	return 0;
}

static int elem_path(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	const char *whole = s;
	size_t len;
	char *p;
	int err = k->prefix ? cgroup_controller(&s, e) : 0;

	if (err)
		return err;
	len = strlen(s);
	if (s[0] != '/')
		return ld_verr_set(e, 0, "%s '%.64s' is not an absolute path (expected a path"
				   " starting with /%s)", k->name, s,
				   k->prefix ? ", as in /proc/PID/cgroup" : "");
	if (k->prefix) {
		while (len > 1 && s[len - 1] == '/')
			len--;	/* "/a/" and "/a" are the same prefix */
	} else if (s[len - 1] == '/') {
		return ld_verr_set(e, 0, "%s '%.64s' ends with / (expected the path of a file)",
				   k->name, s);
	}
	p = strndup(whole, (size_t)(s - whole) + len);	/* CONTROLLER: kept */
	if (!p)
		return ld_verr_set(e, 0, "out of memory");
	((char **)f)[idx] = p;
	return 0;
}

static int elem_size(const struct ld_rule_key *k, void *f, unsigned idx, const char *s, struct ld_verr *e)
{
	return ld_val_size(s, k->min, k->max, (uint64_t *)f + idx, e);
}

/* regions=yes|no (and environ=) into the bool no_regions (no_environ) */
static int elem_regions(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			struct ld_verr *e)
{
	bool yes;
	int err = ld_val_yesno(s, &yes, e);

	(void)k;
	if (!err)
		((bool *)f)[idx] = !yes;
	return err;
}

/* ---- writers of the keys' values ---- */

static void fmt_u32(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	ld_sb_num(sb, ((const uint32_t *)f)[idx], k->hex);
}

static void fmt_comm(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	ld_sb_quoted(sb, ((const char (*)[16])f)[idx]);
}

static void fmt_str(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	ld_sb_quoted(sb, ((char *const *)f)[idx]);
}

static void fmt_size(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	char buf[32];

	(void)k;
	if (ld_val_format_size(((const uint64_t *)f)[idx], buf, sizeof(buf)))
		sb->over = true;
	ld_sb_printf(sb, "%s", buf);
}

static void fmt_regions(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	ld_sb_printf(sb, "%s", ((const bool *)f)[idx] ? "no" : "yes");
}

/* ---- the syscall detector's values ---- */

/* ---- the block detector's values ---- */

/* ---- the probe detectors' values ---- */

/* ---- signals ---- */

/* ---- thresholds ---- */

/* ---- the tables ---- */

static const struct ld_rule_key where_keys[] = {
	{ .name = "pid", LD_KEY_LIST(where.pids, where.npids), .min = 1, .max = PID_LIMIT - 1,
	  .elem = elem_u32, .fmt = fmt_u32 },
	{ .name = "comm", LD_KEY_LIST(where.comms, where.ncomms), .elem = elem_comm, .fmt = fmt_comm },
	{ .name = "exe", LD_KEY_LIST(where.exes, where.nexes), .elem = elem_path, .fmt = fmt_str },
	{ .name = "cgroup", .prefix = true, LD_KEY_LIST(where.cgroups, where.ncgroups),
	  .elem = elem_path, .fmt = fmt_str },
	{ .name = "uid", LD_KEY_LIST(where.uids, where.nuids), .max = UID_VALID_MAX,
	  .elem = elem_uid, .fmt = fmt_u32 },
};

/* snapshot=yes|no (stored 1 / 2; 0: not given, full dumps take one) */
static int elem_snapshot(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			 struct ld_verr *e)
{
	bool yes;
	int err = ld_val_yesno(s, &yes, e);

	(void)k;
	(void)idx;
	if (!err)
		*(uint32_t *)f = yes ? 1 : 2;
	return err;
}

static void fmt_snapshot(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	(void)idx;
	ld_sb_printf(sb, "%s", *(const uint32_t *)f == 1 ? "yes" : "no");
}

/* hidden=no|regions|all (enum ld_hidden_mode; no is 0, the default) */
static int elem_hidden(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		       struct ld_verr *e)
{
	(void)k;
	(void)idx;
	for (uint32_t m = 0; m < LD_HIDDEN_MODE_COUNT; m++)
		if (!strcmp(s, ld_hidden_mode_name(m))) {
			*(uint32_t *)f = m;
			return 0;
		}
	return ld_verr_set(e, 0, "hidden '%.64s': expected no, regions or all", s);
}

static void fmt_hidden(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	uint32_t m = *(const uint32_t *)f;

	(void)k;
	(void)idx;
	ld_sb_printf(sb, "%s", m < LD_HIDDEN_MODE_COUNT ? ld_hidden_mode_name(m) : "?");
}

/*
 * kernel=argN:TYPE or ret:TYPE: TYPE names a struct (or union) of the
 * running kernel's BTF; a kernel without it refuses the rule by its name.
 */
static int elem_kernel(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		       struct ld_verr *e)
{
	struct ld_karg *a = &((struct ld_karg *)f)[idx];
	const char *colon = strchr(s, ':'), *type;
	const struct btf *btf;
	unsigned long n = 0;
	int id;

	(void)k;
	if (idx >= LD_KARGS_MAX)
		return ld_verr_set(e, 0, "kernel= names at most %d arguments", LD_KARGS_MAX);
	if (!colon || colon[1] == 0)
		return ld_verr_set(e, 0, "kernel '%.64s': expected argN:TYPE or ret:TYPE (arg1:request)",
				   s);
	if (!strncmp(s, "ret:", 4)) {
		n = 0;
	} else if (!strncmp(s, "arg", 3) && s[3] >= '1' && s[3] <= '6' && colon == s + 4) {
		n = s[3] - '0';
	} else {
		return ld_verr_set(e, 0, "kernel '%.64s': expected arg1..arg6 or ret before ':'", s);
	}
	type = colon + 1;
	if (strlen(type) >= sizeof(a->type))
		return ld_verr_set(e, colon + 1 - s, "kernel type '%.64s' is too long", type);
	btf = ld_kernel_btf();
	if (!btf)
		return ld_verr_set(e, colon + 1 - s, "cannot check kernel type '%s': the running kernel"
				   " has no BTF (/sys/kernel/btf/vmlinux)", type);
	id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	if (id <= 0)
		id = btf__find_by_name_kind(btf, type, BTF_KIND_UNION);
	if (id <= 0)
		return ld_verr_set(e, colon + 1 - s, "the running kernel has no type 'struct %s' (in its"
				   " BTF)", type);
	*a = (struct ld_karg){ .arg = n, .btf_id = id, .size = btf__resolve_size(btf, id) };
	snprintf(a->type, sizeof(a->type), "%s", type);
	return 0;
}

static void fmt_kernel(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	const struct ld_karg *a = &((const struct ld_karg *)f)[idx];

	(void)k;
	if (a->arg)
		ld_sb_printf(sb, "arg%u:%s", a->arg, a->type);
	else
		ld_sb_printf(sb, "ret:%s", a->type);
}

/* scope=cgroup | peers | exe:NAME[,NAME...]: the words are kept as given. */
static int elem_scope(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
		      struct ld_verr *e)
{
	char (*w)[64] = f;

	(void)k;
	if (strlen(s) >= sizeof(w[0]))
		return ld_verr_set(e, 0, "scope '%.64s...' is too long (at most %zu characters)", s,
				   sizeof(w[0]) - 1);
	if (idx == 0) {
		if (strcmp(s, "cgroup") && strcmp(s, "peers") && (strncmp(s, "exe:", 4) || !s[4]))
			return ld_verr_set(e, 0, "scope '%.64s': expected cgroup, peers or"
					   " exe:NAME[,NAME...]", s);
	} else if (strncmp(w[0], "exe:", 4)) {
		return ld_verr_set(e, 0, "scope %s takes one value (a list is for exe:NAME,NAME)",
				   w[0]);
	}
	snprintf(w[idx], sizeof(w[idx]), "%s", s);
	return 0;
}

static void fmt_scope(const struct ld_rule_key *k, const void *f, unsigned idx, struct ld_sb *sb)
{
	(void)k;
	ld_sb_printf(sb, "%s", ((const char (*)[64])f)[idx]);
}

/* compress=KIND[:LEVEL] (ld_compress_pack(); the word compress alone: the default kind) */
static int elem_compress(const struct ld_rule_key *k, void *f, unsigned idx, const char *s,
			 struct ld_verr *e)
{
	struct ld_compress z;
	char msg[120];

	(void)k;
	(void)idx;
	if (ld_compress_parse(s, &z, msg, sizeof(msg)))
		return ld_verr_set(e, 0, "compress: %s", msg);
	*(uint32_t *)f = ld_compress_pack(&z);
	return 0;
}

static void fmt_compress(const struct ld_rule_key *k, const void *f, struct ld_sb *sb)
{
	struct ld_compress z = ld_compress_unpack(*(const uint32_t *)f);
	char buf[32];

	(void)k;
	if (z.kind == LD_COMPRESS_DEFAULT_KIND && !z.level) {
		ld_sb_printf(sb, " compress");
		return;
	}
	ld_compress_format(&z, buf, sizeof(buf));
	ld_sb_printf(sb, " compress=%s", buf);
}

static const struct ld_rule_key capture_keys[] = {
	{ .name = "compress", .word = true, LD_KEY_ONE(capture.compress), .elem = elem_compress,
	  .fmt_kv = fmt_compress },
	{ .name = "snapshot", .memory = true, LD_KEY_ONE(capture.snapshot), .elem = elem_snapshot,
	  .fmt = fmt_snapshot },

	{ .name = "history", LD_KEY_ONE(capture.history), .max = HISTORY_MAX,
	  .elem = elem_u32, .fmt = fmt_u32 },
	{ .name = "stack", .memory = true, LD_KEY_ONE(capture.stack), .min = LD_STACK_MIN, .max = LD_STACK_MAX,
	  .elem = elem_size, .fmt = fmt_size },
	{ .name = "regions", .memory = true, LD_KEY_ONE(capture.no_regions),
	  .elem = elem_regions, .fmt = fmt_regions },
	{ .name = "hidden", .memory = true, LD_KEY_ONE(capture.hidden),
	  .elem = elem_hidden, .fmt = fmt_hidden },
	/* Not memory: context dumps keep the environment too. */
	{ .name = "environ", LD_KEY_ONE(capture.no_environ),
	  .elem = elem_regions, .fmt = fmt_regions },
	/* Not memory either: kernel objects come with every capture type. */
	{ .name = "kernel", LD_KEY_LIST(capture.kargs, capture.nkargs),
	  .elem = elem_kernel, .fmt = fmt_kernel },
	{ .name = "follow", LD_KEY_LIST(capture.follows, capture.nfollows),
	  .elem = ld_kfollow_elem, .fmt = ld_kfollow_fmt },
	{ .name = "scope", LD_KEY_LIST(capture.scope, capture.nscope),
	  .elem = elem_scope, .fmt = fmt_scope },
	/* A group's limits (group/group.h): past them the capture degrades, see docs/rules.md. */
	{ .name = "group_max", LD_KEY_ONE(capture.group_max), .min = 1,
	  .max = LD_GROUP_MAX_MEMBERS_LIMIT, .elem = elem_u32, .fmt = fmt_u32 },
	{ .name = "freeze_max", LD_KEY_ONE(capture.freeze_max_ns), .min = 1000000,
	  .max = LD_GROUP_MAX_FREEZE_NS_LIMIT, .elem = ld_key_elem_duration,
	  .fmt = ld_key_fmt_duration },
};

static const struct ld_rule_key limit_keys[] = {
	{ .name = "cooldown", LD_KEY_ONE(limit.cooldown_ns), .min = 1000, .max = LD_DURATION_MAX,
	  .elem = ld_key_elem_duration, .fmt = ld_key_fmt_duration },
};

LD_KEYS_FIT(where_keys);
LD_KEYS_FIT(capture_keys);
LD_KEYS_FIT(limit_keys);
_Static_assert(sizeof(struct ld_srange64) <= 64 && sizeof(struct ld_range64) <= 64,
	       "key_nvalues() compares single values against 64 zero bytes");

static const char *const capture_names[] = {
	[LD_CAPTURE_CONTEXT] = "context", [LD_CAPTURE_MINI] = "mini", [LD_CAPTURE_FULL] = "full",
};

static int capture_word(struct rctx *c, const char *s, size_t off);
static int limit_word(struct rctx *c, const char *s, size_t off);
static void capture_fmt_words(const struct ld_rule *r, struct ld_sb *sb);
static void limit_fmt_words(const struct ld_rule *r, struct ld_sb *sb);

static const struct section clause_sections[NSECTIONS] = {
	[SEC_WHERE] = { "where", where_keys, ARRAY_SIZE(where_keys), NULL, NULL, NULL },
	[SEC_CAPTURE] = { "capture", capture_keys, ARRAY_SIZE(capture_keys), "context, mini, full, compress",
			  capture_word, capture_fmt_words },
	[SEC_LIMIT] = { "limit", limit_keys, ARRAY_SIZE(limit_keys), "N, N/WINDOW",
			limit_word, limit_fmt_words },
};

static const char *const keywords[] = { "on", "where", "capture", "limit" };

/* The sections of a rule for detector @det: its parameters, then the clauses. */
static void sections_for(const struct ld_detector_ops *det, struct section sec[NSECTIONS])
{
	memcpy(sec, clause_sections, sizeof(clause_sections));
	sec[SEC_ISSUE] = (struct section){ det->name, det->keys, det->nkeys, NULL, NULL, NULL };
}

/* ---- capture and limit words ---- */

static int capture_word(struct rctx *c, const char *s, size_t off)
{
	size_t t;

	/* "compress": a compressed dump of the default kind (fast; the pause is unchanged). */
	if (!strcmp(s, "compress")) {
		struct ld_compress z = { LD_COMPRESS_DEFAULT_KIND, 0 };

		if (c->r.capture.compress)
			return rerr(c, off, "compress given twice (expected it once)");
		c->r.capture.compress = ld_compress_pack(&z);
		return 0;
	}

	for (t = 0; t < ARRAY_SIZE(capture_names); t++)
		if (!strcmp(s, capture_names[t]))
			break;
	if (t == ARRAY_SIZE(capture_names))
		return rerr(c, off, "unknown capture type '%.64s' (expected context, mini, full or compress)", s);
	if (c->have_type)
		return rerr(c, off, "capture type given twice: '%s' after '%s' (expected exactly one"
			    " of context, mini, full)", s, capture_names[c->r.capture.type]);
	c->have_type = true;
	c->type_off = off;
	c->r.capture.type = t;
	return 0;
}

static void capture_fmt_words(const struct ld_rule *r, struct ld_sb *sb)
{
	if ((unsigned)r->capture.type < ARRAY_SIZE(capture_names))
		ld_sb_printf(sb, " %s", capture_names[r->capture.type]);
	/* compress: written by its key (fmt_compress). */
}

/* The N of "N" and "N/WINDOW": a positive number of dumps. */
static int limit_count(struct rctx *c, const char *s, const char *word, size_t off, uint64_t *n)
{
	struct ld_verr e;

	if (!isdigit((unsigned char)s[0]))
		return rerr(c, off, "bad limit '%.64s' (expected N, N/WINDOW or cooldown=DURATION)",
			    word);
	if (ld_val_u64(s, 0, UINT64_MAX, n, &e))
		return rerr(c, off + e.off, "%s", e.msg);
	if (!*n)
		return rerr(c, off, "bad limit '%.64s' (expected a positive number of dumps)", word);
	return 0;
}

static int limit_word(struct rctx *c, const char *s, size_t off)
{
	struct ld_rule_limits *l = &c->r.limit;
	const char *slash = strchr(s, '/');
	char count[32];
	struct ld_verr e;
	int err;

	if (!slash) {
		if (c->have_total)
			return rerr(c, off, "second total limit '%.64s' (expected at most one N)", s);
		c->have_total = true;
		return limit_count(c, s, s, off, &l->total);
	}
	if (c->have_rate)
		return rerr(c, off, "second rate limit '%.64s' (expected at most one N/WINDOW)", s);
	c->have_rate = true;
	snprintf(count, sizeof(count), "%.*s", (int)(slash - s), s);
	err = limit_count(c, count, s, off, &l->rate_n);
	if (err)
		return err;
	/* The kernel keeps the times of the last N dumps of the rule: N is bounded. */
	if (l->rate_n > LD_RATE_MAX)
		return rerr(c, off, "rate limit '%.64s' too high (expected at most %d dumps per window)",
			    s, LD_RATE_MAX);
	if (ld_val_duration(slash + 1, 1000, LD_DURATION_MAX, &l->rate_window_ns, &e))
		return rerr(c, off + (slash + 1 - s) + e.off, "%s", e.msg);
	return 0;
}

static void limit_fmt_words(const struct ld_rule *r, struct ld_sb *sb)
{
	char win[32];

	if (r->limit.total)
		ld_sb_printf(sb, " %" PRIu64, r->limit.total);
	if (r->limit.rate_window_ns) {
		if (ld_val_format_duration(r->limit.rate_window_ns, win, sizeof(win)))
			sb->over = true;
		ld_sb_printf(sb, " %" PRIu64 "/%s", r->limit.rate_n, win);
	}
}

/* ---- KEY=VALUE ---- */

struct elem_arg {
	struct rctx *c;
	const struct ld_rule_key *k;
	enum ld_val_op op;
};

/* One value of a key's list (or its single value) into the rule. */
static int key_elem(void *arg, unsigned idx, const char *s, struct ld_verr *e)
{
	struct elem_arg *a = arg;
	const struct ld_rule_key *k = a->k;
	void *f = key_field(&a->c->r, k);
	uint64_t n;
	int err;

	if (a->op == LD_OP_SET) {
		err = k->elem(k, f, idx, s, e);
	} else if (k->cmp_elem) {
		err = k->cmp_elem(k, f, a->op, s, e);
	} else {
		/* A comparison: one number, which becomes one range. */
		err = ld_val_u64(s, 0, k->max, &n, e);
		if (!err)
			err = ld_val_cmp_range(a->op, n, k->max, f, e);
	}
	if (!err && k->count)
		*(unsigned *)((char *)&a->c->r + k->count) = idx + 1;
	return err;
}

static const struct ld_rule_key *find_key(const struct section *s, const char *name)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (!strcmp(s->keys[i].name, name))
			return &s->keys[i];
	return NULL;
}

static int parse_key(struct rctx *c, int sec, const char *tok, size_t off)
{
	const struct section *s = &c->sec[sec];
	struct elem_arg a = { .c = c };
	const char *val;
	char key[64], names[256];
	struct ld_sb sb = LD_SB(names);
	struct ld_verr e;
	size_t voff;
	unsigned bit, max;

	if (ld_val_split(tok, key, sizeof(key), &a.op, &val, &voff, &e))
		return rerr(c, off + e.off, "%s", e.msg);
	a.k = find_key(s, key);
	if (!a.k) {
		key_names(s->keys, s->nkeys, "", &sb);
		return rerr(c, off, "unknown key '%.64s' for %s (expected %s)", key, s->name, names);
	}
	bit = 1U << (a.k - s->keys);
	if (c->seen[sec] & bit)
		return rerr(c, off, "duplicate key '%s' for %s (expected each key once per rule)",
			    key, s->name);
	c->seen[sec] |= bit;
	c->key_off[sec][a.k - s->keys] = off;
	if (a.op != LD_OP_SET && (!a.k->cmp || a.op == LD_OP_NE)) {
		/* != would need a set complement: a list of ranges says it instead. */
		if (a.k->cmp)
			return rerr(c, off + strlen(key), "operator '%s' not supported for %s (expected"
				    " =, ==, <, <=, > or >=)", ld_val_op_str(a.op), key);
		return rerr(c, off + strlen(key), "operator '%s' not allowed for %s (expected %s=VALUE)",
			    ld_val_op_str(a.op), key, key);
	}
	if (!*val)
		return rerr(c, off + voff, "missing value for %s (expected %s%sVALUE)", key, key,
			    ld_val_op_str(a.op));
	max = a.op == LD_OP_SET && !a.k->size ? LD_RULE_LIST_MAX : 1;
	if (ld_val_list(val, max, key_elem, &a, &e))
		return rerr(c, off + voff + e.off, "%s", e.msg);
	return 0;
}

/* A word of section @sec that is no clause keyword. */
static void parse_word(struct rctx *c, int sec, const char *tok, size_t off)
{
	const struct section *s = &c->sec[sec];
	char expected[256];
	struct ld_sb sb = LD_SB(expected);

	if (strpbrk(tok, "=<>!")) {
		parse_key(c, sec, tok, off);
		return;
	}
	if (find_key(s, tok) && !find_key(s, tok)->word) {
		rerr(c, off, "missing value for %s (expected %s=VALUE)", tok, tok);
		return;
	}
	if (s->word) {
		s->word(c, tok, off);
		return;
	}
	/* Not a key, not a clause: the rest of the rule cannot be read reliably. */
	key_names(s->keys, s->nkeys, "=", &sb);
	rerr(c, off, "unexpected '%.64s' (expected %s%sor a clause: where, capture, limit)", tok,
	     expected, s->nkeys ? ", " : "");
	c->stop = true;
}

/* ---- a rule ---- */

static int clause_index(const char *s)
{
	for (int i = SEC_ISSUE + 1; i < NSECTIONS; i++)
		if (!strcmp(s, clause_sections[i].name))
			return i;
	return -1;
}

static void end_clause(struct rctx *c, int sec)
{
	const struct section *s = &c->sec[sec];
	char expected[256];
	struct ld_sb sb = LD_SB(expected);

	if (sec == SEC_ISSUE || c->nwords[sec])
		return;
	if (s->words)
		ld_sb_printf(&sb, "%s%s", s->words, s->nkeys ? ", " : "");
	key_names(s->keys, s->nkeys, "=", &sb);
	rerr(c, c->clause_off[sec], "empty '%s' (expected at least one of: %s)", s->name, expected);
}

/* Splits the logical line into words, in place. */
static int tokenize(struct rctx *c, char *text)
{
	size_t pos = 0, len, cap = 0;
	char **t;
	size_t *o;

	for (;;) {
		pos += strspn(text + pos, " \t");
		if (!text[pos])
			return 0;
		if (c->ntoks == cap) {
			cap = cap ? cap * 2 : 16;
			t = realloc(c->toks, cap * sizeof(*t));
			if (t)
				c->toks = t;
			o = realloc(c->offs, cap * sizeof(*o));
			if (o)
				c->offs = o;
			if (!t || !o)
				return -ENOMEM;
		}
		len = ld_val_scan(text + pos, " \t", NULL);
		c->toks[c->ntoks] = text + pos;
		c->offs[c->ntoks++] = pos;
		pos += len;
		if (text[pos])
			text[pos++] = '\0';
	}
}

static bool is_keyword(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
		if (!strcmp(s, keywords[i]))
			return true;
	return false;
}

static void check_name(struct rctx *c, const char *name, size_t off)
{
	size_t len = strlen(name), good = strspn(name, NAME_CHARS);

	if (len >= LD_RULE_NAME_MAX)
		rerr(c, off, "rule name too long (%zu characters, expected at most %d)", len,
		     LD_RULE_NAME_MAX - 1);
	else if (name[good])
		rerr(c, off + good, "bad character '%c' in rule name '%.64s' (expected letters, digits,"
		     " '_', '.', '-')", name[good], name);
	else if (is_keyword(name))
		rerr(c, off, "rule name '%s' is a keyword (expected a name other than on, where,"
		     " capture, limit)", name);
	else
		memcpy(c->r.name, name, len + 1);
}

static struct ld_rule *find_rule(struct ld_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].name, name))
			return &rs->v[i];
	return NULL;
}

/*
 * "DET-N" with the smallest N that no rule has and that is not @avoid (the
 * name of the rule being added).
 */
static void generate_name(struct ld_ruleset *rs, const char *det, const char *avoid,
			  char name[LD_RULE_NAME_MAX])
{
	for (unsigned n = 1;; n++) {
		snprintf(name, LD_RULE_NAME_MAX, "%s-%u", det, n);
		if (!find_rule(rs, name) && strcmp(name, avoid))
			return;
	}
}

/*
 * An explicit name that a generated one already took: the generated one
 * moves, as nobody refers to it by its name.
 */
static void check_duplicate(struct rctx *c, size_t off)
{
	struct ld_ruleset *rs = c->src->rs;
	struct ld_rule *old = find_rule(rs, c->r.name);
	char name[LD_RULE_NAME_MAX];

	if (!old)
		return;
	if (old->name_generated) {
		/* Not into old->name directly: the search must still see the old name taken. */
		generate_name(rs, ld_detector_name(old->detector), c->r.name, name);
		memcpy(old->name, name, sizeof(name));
	} else
		rerr(c, off, "duplicate rule name '%s' (first defined at %s)", c->r.name, old->origin);
}

static void detector_list(struct ld_sb *sb)
{
	const struct ld_detector_ops *d;

	ld_for_each_detector(d, id)
		if (!d->no_rules)
			ld_sb_printf(sb, "%s%s", sb->len ? ", " : "", d->name);
}

/* NAME on ISSUE: returns the index of the next word, or -1 when the rule cannot be read. */
static int parse_head(struct rctx *c)
{
	char avail[128];
	struct ld_sb sb = LD_SB(avail);
	size_t i = 0, end;
	const char *issue;

	detector_list(&sb);
	if (strcmp(c->toks[0], "on")) {
		check_name(c, c->toks[0], c->offs[0]);
		if (c->r.name[0])
			check_duplicate(c, c->offs[0]);
		i = 1;
	} else if (c->src->is_file) {
		rerr(c, c->offs[0], "missing rule name before 'on' (expected NAME on ISSUE; only -e"
		     " rules may leave the name out)");
	}
	end = c->offs[c->ntoks - 1] + strlen(c->toks[c->ntoks - 1]);
	if (i >= c->ntoks || strcmp(c->toks[i], "on")) {
		if (i < c->ntoks)
			rerr(c, c->offs[i], "expected 'on' after rule name '%.64s', found '%.64s'",
			     c->toks[0], c->toks[i]);
		else
			rerr(c, end, "expected 'on' after rule name '%.64s', found end of rule",
			     c->toks[0]);
		return -1;
	}
	if (++i >= c->ntoks) {
		rerr(c, end, "missing issue after 'on' (expected one of: %s)", avail);
		return -1;
	}
	issue = c->toks[i];
	c->det = ld_detector_by_name(issue);
	if (c->det)
		return i + 1;
	rerr(c, c->offs[i], "unknown issue '%.64s' (expected one of: %s)", issue, avail);
	return -1;
}

static void parse_body(struct rctx *c, size_t i)
{
	int cur = SEC_ISSUE, k;

	sections_for(c->det, c->sec);
	c->r.detector = ld_detector_id(c->det);
	c->r.capture.type = c->det->default_capture;
	for (; i < c->ntoks && !c->stop; i++) {
		k = clause_index(c->toks[i]);
		if (k < 0) {
			c->nwords[cur]++;
			parse_word(c, cur, c->toks[i], c->offs[i]);
			continue;
		}
		end_clause(c, cur);
		if (c->clause[k]) {
			rerr(c, c->offs[i], "duplicate clause '%s' (expected each clause once per rule)",
			     c->toks[i]);
			c->stop = true;
			return;
		}
		c->clause[k] = true;
		c->clause_off[k] = c->offs[i];
		cur = k;
	}
	if (!c->stop)
		end_clause(c, cur);
}

/* What only the whole rule can tell: combinations. */
static void check_rule(struct rctx *c)
{
	const struct section *s = &c->sec[SEC_CAPTURE];
	enum ld_capture_type type = c->r.capture.type;
	char allowed[64], why[256];
	struct ld_sb sb = LD_SB(allowed);

	if (c->clause[SEC_CAPTURE] && !c->have_type && c->nwords[SEC_CAPTURE])
		rerr(c, c->clause_off[SEC_CAPTURE], "missing capture type after 'capture' (expected"
		     " context, mini or full)");
	if (c->det->check && c->det->check(&c->r, why, sizeof(why)))
		rerr(c, c->offs[0], "%s", why);
	/* A group's limits without a group would say nothing. */
	for (unsigned g = 0; !c->r.capture.nscope && g < 2; g++) {
		const char *key = g ? "freeze_max" : "group_max";

		if (g ? c->r.capture.freeze_max_ns : c->r.capture.group_max)
			rerr(c, c->key_off[SEC_CAPTURE][find_key(s, key) - s->keys],
			     "%s= limits a group dump (expected scope=cgroup, peers or exe:NAME)", key);
	}
	for (unsigned i = 0; i < c->r.capture.nkargs; i++) {
		const struct ld_karg *a = &c->r.capture.kargs[i];
		size_t koff = c->key_off[SEC_CAPTURE][find_key(s, "kernel") - s->keys];

		if (!(c->det->kernel_args & (a->arg ? LD_KARGS_ARGS : LD_KARGS_RET)))
			rerr(c, koff, "impossible combination: kernel=%s%u:%s for issue '%s' (expected %s)",
			     a->arg ? "arg" : "ret", a->arg, a->type, c->det->name,
			     c->det->kernel_args & LD_KARGS_RET ? "ret:TYPE: a kretprobe has its return"
			     " value" : c->det->kernel_args ? "argN:TYPE" :
			     "a kprobe or kretprobe rule");
	}
	if (c->r.capture.nfollows && !c->det->kernel_args)
		rerr(c, c->key_off[SEC_CAPTURE][find_key(s, "follow") - s->keys], "impossible "
		     "combination: follow= for issue '%s' (expected a kprobe or kretprobe rule with"
		     " kernel=)", c->det->name);
	/* After the rule's other errors: a kernel= that failed would make follow= say less. */
	if (c->r.capture.nfollows && !c->nerr) {
		size_t foff = c->key_off[SEC_CAPTURE][find_key(s, "follow") - s->keys];

		if (ld_kfollow_resolve(&c->r.capture, ld_kernel_btf(), why, sizeof(why)))
			rerr(c, foff, "%s", why);
	}
	if (!(c->det->captures & LD_CAP(type))) {
		for (size_t t = 0; t < ARRAY_SIZE(capture_names); t++)
			if (c->det->captures & LD_CAP(t))
				ld_sb_printf(&sb, "%s%s", sb.len ? ", " : "", capture_names[t]);
		rerr(c, c->have_type ? c->type_off : c->offs[0], "impossible combination: capture %s"
		     " for issue '%s' (expected one of: %s)", capture_names[type], c->det->name,
		     allowed);
	}
	if (type != LD_CAPTURE_CONTEXT)
		return;
	if (c->r.capture.compress)
		rerr(c, c->have_type ? c->type_off : c->offs[0], "impossible combination: compress with"
		     " capture context (expected capture mini or full, which hold memory)");
	for (size_t k = 0; k < s->nkeys; k++)
		if (s->keys[k].memory && (c->seen[SEC_CAPTURE] & (1U << k)))
			rerr(c, c->key_off[SEC_CAPTURE][k], "impossible combination: %s= with capture"
			     " context (expected capture mini or full, which read process memory)",
			     s->keys[k].name);
}

static void rule_free(struct ld_rule *r)
{
	for (unsigned i = 0; i < r->where.nexes; i++)
		free(r->where.exes[i]);
	for (unsigned i = 0; i < r->where.ncgroups; i++)
		free(r->where.cgroups[i]);
	r->where.nexes = r->where.ncgroups = 0;
}

static int add_rule(struct rctx *c)
{
	struct ld_ruleset *rs = c->src->rs;
	struct ld_rule *v;

	if (rs->n >= LD_MAX_RULES)
		return rerr(c, c->offs[0], "too many rules (expected at most %d in all)", LD_MAX_RULES);
	v = realloc(rs->v, (rs->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rs->v = v;
	rs->v[rs->n++] = c->r;
	return 0;
}

static void parse_rule(struct src *s)
{
	struct rctx c = { .src = s };
	unsigned line, col;
	int next, err;

	if (tokenize(&c, s->text)) {
		s->oom = true;
		goto out;
	}
	src_where(s, c.offs[0], &line, &col);
	if (s->is_file || line > 1)
		snprintf(c.r.origin, sizeof(c.r.origin), "%s:%u", s->origin, line);
	else
		snprintf(c.r.origin, sizeof(c.r.origin), "%s", s->origin);
	next = parse_head(&c);
	if (next < 0)
		goto out;
	if (!c.r.name[0] && !c.nerr) {
		generate_name(s->rs, c.det->name, "", c.r.name);
		c.r.name_generated = true;
	}
	parse_body(&c, next);
	if (!c.nerr)
		check_rule(&c);
	if (!c.nerr) {
		err = add_rule(&c);
		if (!err)	/* the set owns the strings now */
			c.r.where.nexes = c.r.where.ncgroups = 0;
		else if (err == -ENOMEM)
			s->oom = true;
	}
out:
	rule_free(&c.r);
	free(c.toks);
	free(c.offs);
}

/* ---- physical lines ---- */

static void end_rule(struct src *s)
{
	if (!s->bad && s->len && strspn(s->text, " \t") < s->len)
		parse_rule(s);
	s->len = 0;
	s->nsegs = 0;
	s->bad = false;
}

/*
 * One line of text: the comment is cut, and a backslash at its end (after
 * the comment is cut) joins the next line to this rule.
 */
static void feed_line(struct src *s, const char *line, size_t n, unsigned lineno)
{
	size_t start = s->len;
	const char *nul = memchr(line, '\0', n), *open;

	if (src_grow(s, n + 1)) {
		s->oom = true;
		return;
	}
	s->segs[s->nsegs++] = (struct seg){ start, lineno };
	memcpy(s->text + start, line, n);
	s->text[start + n] = '\0';
	s->len = start + ld_val_scan(s->text + start, "#", &open);
	/* One message per rule: what follows a broken line of it is noise. */
	if (nul && !s->bad)
		src_error(s, start + (nul - line), "NUL byte in the text (expected a text file)");
	else if (open && !s->bad)
		src_error(s, open - s->text, "unterminated quote (expected a closing \" on the same"
			  " line)");
	s->bad |= nul || open;
	while (s->len > start && strchr(" \t\r", s->text[s->len - 1]))
		s->len--;
	s->text[s->len] = '\0';
	if (s->len > start && s->text[s->len - 1] == '\\') {
		s->text[s->len - 1] = ' ';
		return;
	}
	end_rule(s);
}

static int parse_text(struct ld_ruleset *rs, const char *text, size_t len, const char *origin,
		      bool is_file, struct ld_diag *diag)
{
	struct src s = { .origin = origin, .is_file = is_file, .rs = rs, .diag = diag };
	unsigned lineno = 0;
	size_t pos = 0, n;
	const char *nl;

	while (pos < len && !s.oom) {
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		feed_line(&s, text + pos, n, ++lineno);
		pos += n + 1;
	}
	if (!s.oom)
		end_rule(&s);
	free(s.text);
	free(s.segs);
	return s.oom ? -ENOMEM : s.nerr;
}

int ld_rules_parse_string(struct ld_ruleset *rs, const char *text, const char *origin,
			  struct ld_diag *diag)
{
	return parse_text(rs, text, strlen(text), origin, false, diag);
}

int ld_rules_parse_file(struct ld_ruleset *rs, const char *path, struct ld_diag *diag)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, n;
	int ret = 0;

	if (!f)
		return -errno;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 8192;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				ret = -ENOMEM;
				break;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	if (!ret && ferror(f))
		ret = errno ? -errno : -EIO;
	fclose(f);
	if (!ret)
		ret = parse_text(rs, buf, len, path, true, diag);
	free(buf);
	return ret;
}

void ld_ruleset__free(struct ld_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

/*
 * A reload keeps every rule that stays where it was: the kernel's state,
 * the flight recorder's issues and a probe attached for its rule all name
 * rules by index.
 */
int ld_ruleset__align(struct ld_ruleset *rs, const struct ld_ruleset *old)
{
	size_t total = rs->n, next = 0, nv;
	long *at = calloc(rs->n ? rs->n : 1, sizeof(*at));	/* rs->v[j]'s old index, or -1 */
	struct ld_rule *v = NULL;
	bool *taken = NULL;

	if (!at)
		return -ENOMEM;
	for (size_t j = 0; j < rs->n; j++) {
		at[j] = -1;
		for (size_t i = 0; i < old->n; i++)
			if (!old->v[i].retired && !strcmp(rs->v[j].name, old->v[i].name)) {
				at[j] = i;
				if (i + 1 > total)
					total = i + 1;
				break;
			}
	}
	v = calloc(total ? total : 1, sizeof(*v));
	taken = calloc(total ? total : 1, sizeof(*taken));
	if (!v || !taken) {
		free(at);
		free(v);
		free(taken);
		return -ENOMEM;
	}
	for (size_t j = 0; j < rs->n; j++)
		if (at[j] >= 0) {
			v[at[j]] = rs->v[j];
			taken[at[j]] = true;
		}
	for (size_t j = 0; j < rs->n; j++) {
		if (at[j] >= 0)
			continue;
		while (taken[next])
			next++;
		v[next] = rs->v[j];
		taken[next] = true;
	}
	/* Gaps left are below a rule that stays, so old has a rule there: gone now. */
	for (nv = 0; nv < total; nv++) {
		const struct ld_rule *o;

		if (taken[nv])
			continue;
		o = &old->v[nv];
		snprintf(v[nv].name, sizeof(v[nv].name), "%s", o->name);
		snprintf(v[nv].origin, sizeof(v[nv].origin), "%s", o->origin);
		v[nv].detector = o->detector;
		v[nv].retired = true;
	}
	free(rs->v);
	rs->v = v;
	rs->n = total;
	free(at);
	free(taken);
	return 0;
}

size_t ld_ruleset__live(const struct ld_ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += !rs->v[i].retired;
	return n;
}

/* ---- the canonical form ---- */

static void format_keys(const struct ld_rule *r, const struct section *s, struct ld_sb *sb)
{
	for (size_t k = 0; k < s->nkeys; k++) {
		const struct ld_rule_key *key = &s->keys[k];
		unsigned n = key_nvalues(r, key);

		if (n && key->fmt_kv) {
			key->fmt_kv(key, (const char *)r + key->field, sb);
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			ld_sb_printf(sb, i ? "," : " %s=", key->name);
			key->fmt(key, (const char *)r + key->field, i, sb);
		}
	}
}

int ld_rule__format(const struct ld_rule *r, char *buf, size_t size)
{
	const struct ld_detector_ops *det = ld_detector_get(r->detector);
	struct section sec[NSECTIONS];
	struct ld_sb sb = { .buf = buf, .size = size };
	size_t mark;

	if (!det)
		return -EINVAL;
	sections_for(det, sec);
	ld_sb_printf(&sb, "%s on %s", r->name, det->name);
	format_keys(r, &sec[SEC_ISSUE], &sb);
	for (int i = SEC_ISSUE + 1; i < NSECTIONS; i++) {
		ld_sb_printf(&sb, " %s", sec[i].name);
		mark = sb.len;
		if (sec[i].fmt_words)
			sec[i].fmt_words(r, &sb);
		format_keys(r, &sec[i], &sb);
		if (sb.len == mark)
			ld_sb_truncate(&sb, mark - strlen(sec[i].name) - 1);
	}
	return sb.over ? -ENOSPC : 0;
}
