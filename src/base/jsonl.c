// SPDX-License-Identifier: MIT
/*
 * Just enough JSON for objects whose values are strings, numbers,
 * booleans or null — what ld_journal__append() writes — and for arrays;
 * nested objects and arrays are kept as their text, for the caller to
 * parse in turn (fleet sidecars).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/jsonl.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static void put_utf8(char **out, unsigned cp)
{
	if (cp < 0x80) {
		*(*out)++ = cp;
	} else if (cp < 0x800) {
		*(*out)++ = 0xc0 | cp >> 6;
		*(*out)++ = 0x80 | (cp & 0x3f);
	} else {
		*(*out)++ = 0xe0 | cp >> 12;
		*(*out)++ = 0x80 | ((cp >> 6) & 0x3f);
		*(*out)++ = 0x80 | (cp & 0x3f);
	}
}

/* Parses a string at p (after the quote); returns the end or NULL. */
static const char *parse_string(const char *p, char **res)
{
	char *out = malloc(strlen(p) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	while (*p && *p != '"') {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case '"': case '\\': case '/': *o++ = *p; break;
		case 'u': {
			char hex[5] = { 0 };
			char *end;

			/* Never past the terminator: the text may end inside the escape. */
			for (int i = 0; i < 4 && p[1 + i]; i++)
				hex[i] = p[1 + i];
			if (strlen(hex) != 4)
				goto bad;
			put_utf8(&o, strtoul(hex, &end, 16));
			if (*end)
				goto bad;
			p += 4;
			break;
		}
		default:
			goto bad;
		}
		p++;
	}
	if (*p != '"')
		goto bad;
	*o = 0;
	*res = out;
	return p + 1;
bad:
	free(out);
	return NULL;
}

static int add(struct ld_jobj *o, char *k, char *v)
{
	char **keys = realloc(o->keys, (o->n + 1) * sizeof(*keys)), **vals;

	if (!keys)
		return -ENOMEM;
	o->keys = keys;
	vals = realloc(o->vals, (o->n + 1) * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	o->vals = vals;
	o->keys[o->n] = k;
	o->vals[o->n++] = v;
	return 0;
}

/*
 * The end of a nested object or array starting at @p (strings inside are
 * skipped whole, escapes included); NULL when it does not end on the line.
 */
static const char *skip_nested(const char *p)
{
	char stack[32];
	int depth = 0;

	for (; *p; p++) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && !*++p)
					return NULL;
			if (!*p)
				return NULL;
		} else if (*p == '{' || *p == '[') {
			if (depth == (int)sizeof(stack))
				return NULL;
			stack[depth++] = *p == '{' ? '}' : ']';
		} else if (*p == '}' || *p == ']') {
			if (!depth || stack[--depth] != *p)
				return NULL;
			if (!depth)
				return p + 1;
		}
	}
	return NULL;
}

/* A value at p: a string unescaped, null as NULL, anything else as its text; the end or NULL. */
static const char *parse_value(const char *p, char **v)
{
	*v = NULL;
	if (*p == '"')
		return parse_string(p + 1, v);
	if (!strncmp(p, "null", 4))
		return p + 4;	/* stored as NULL: absent and null read alike */
	if (*p == '{' || *p == '[') {
		/* Kept as its JSON text, for a caller to parse or pass on. */
		const char *end = skip_nested(p);

		if (end && (*v = strndup(p, end - p)))
			return end;
		return NULL;
	}
	{
		size_t n = strcspn(p, ",}] \t\r\n");

		if (!n)
			return NULL;
		if (!(*v = strndup(p, n)))
			return NULL;
		return p + n;
	}
}

int ld_jobj_parse(const char *line, struct ld_jobj *o, size_t *where)
{
	const char *p = skip_ws(line);

	memset(o, 0, sizeof(*o));
	if (*p != '{')
		goto bad;	/* *where: the offending character itself */
	p++;
	p = skip_ws(p);
	if (*p == '}')
		return 0;
	for (;;) {
		char *k = NULL, *v = NULL;
		const char *q;

		if (*p != '"' || !(p = parse_string(p + 1, &k)))
			goto bad;
		p = skip_ws(p);
		if (*p != ':') {
			free(k);
			goto bad;
		}
		p++;
		p = skip_ws(p);
		q = parse_value(p, &v);
		if (!q || add(o, k, v)) {
			free(k);
			free(v);
			goto bad;	/* *where: the start of the value */
		}
		p = q;
		p = skip_ws(p);
		if (*p == '}') {
			p = skip_ws(p + 1);
			if (*p)
				goto bad;	/* something after the object */
			return 0;
		}
		if (*p != ',')
			goto bad;
		p++;
		p = skip_ws(p);
	}
bad:
	if (where)
		*where = p ? (size_t)(p - line) : 0;
	ld_jobj_free(o);
	return -EINVAL;
}

int ld_jarr_parse(const char *text, struct ld_jarr *a, size_t *where)
{
	const char *p = skip_ws(text);

	memset(a, 0, sizeof(*a));
	if (*p != '[')
		goto bad;
	p = skip_ws(p + 1);
	if (*p == ']')
		goto end;
	for (;;) {
		char *v = NULL, **vals;
		const char *q = parse_value(p, &v);

		if (!q)
			goto bad;
		vals = realloc(a->vals, (a->n + 1) * sizeof(*vals));
		if (!vals) {
			free(v);
			goto bad;
		}
		p = q;
		a->vals = vals;
		a->vals[a->n++] = v;
		p = skip_ws(p);
		if (*p == ']')
			break;
		if (*p != ',')
			goto bad;
		p = skip_ws(p + 1);
	}
end:
	p = skip_ws(p + 1);
	if (*p)
		goto bad;	/* something after the array */
	return 0;
bad:
	if (where)
		*where = p ? (size_t)(p - text) : 0;
	ld_jarr_free(a);
	return -EINVAL;
}

void ld_jarr_free(struct ld_jarr *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->vals[i]);
	free(a->vals);
	memset(a, 0, sizeof(*a));
}

const char *ld_jobj_get(const struct ld_jobj *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return o->vals[i];
	return NULL;
}

void ld_jobj_free(struct ld_jobj *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->keys[i]);
		free(o->vals[i]);
	}
	free(o->keys);
	free(o->vals);
	memset(o, 0, sizeof(*o));
}
