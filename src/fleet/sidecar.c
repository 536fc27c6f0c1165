// SPDX-License-Identifier: MIT
/*
 * Sidecars (sidecar.h): built from a dump with the reader, the summary
 * list uses and the signature report groups by; parsed back, as untrusted
 * input, with the project's JSON reader (base/jsonl.h).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/signature.h"
#include "base/escape.h"
#include "base/json.h"
#include "base/jsonl.h"
#include "detectors/detector.h"
#include "detectors/fields.h"
#include "dump/dump_reader.h"
#include "fleet/sidecar.h"
#include "group/manifest.h"

/* --- building ------------------------------------------------------------------------ */

/*
 * The group manifest beside the dump that names it as a member, if any
 * (as list finds it: a NAME.group in the same directory).
 */
static bool find_group(const char *dump_path, struct ld_manifest *mf, bool *trigger)
{
	const char *slash = strrchr(dump_path, '/');
	const char *name = slash ? slash + 1 : dump_path;
	char dir[4096];
	struct dirent *de;
	bool found = false;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - dump_path) : 1,
		 slash ? dump_path : ".");
	dp = opendir(dir);
	if (!dp)
		return false;
	while (!found && (de = readdir(dp))) {
		char path[4096 + 256], err[256];

		if (!ld_manifest_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (ld_manifest_read(path, mf, err, sizeof(err)))
			continue;
		for (size_t i = 0; i < mf->n && !found; i++)
			if (!strcmp(mf->m[i].dump, name)) {
				found = true;
				*trigger = mf->m[i].trigger;
			}
		if (!found)
			ld_manifest__free(mf);
	}
	closedir(dp);
	return found;
}

static void json_cmdline(struct ld_json *j, const struct ld_dump *d)
{
	size_t len;
	const char *p = d ? ld_dump__cmdline(d, &len) : NULL;

	ld_json__key(j, "cmdline");
	if (!p) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_array(j);
	for (size_t off = 0; off < len; ) {
		size_t n = strnlen(p + off, len - off);

		ld_json__string_len(j, p + off, n);
		off += n + 1;
	}
	ld_json__end_array(j);
}

static void json_build_ids(struct ld_json *j, const struct ld_dump *d)
{
	ld_json__key(j, "build_ids");
	ld_json__begin_array(j);
	for (size_t i = 0; d && i < ld_dump__nmodules(d); i++) {
		const struct ld_dump_module *m = ld_dump__module(d, i);

		ld_json__begin_object(j);
		ld_json__kstr(j, "path", m->path);
		ld_json__key(j, "build_id");
		if (m->build_id)
			ld_json__hexbytes(j, m->build_id, m->build_id_len);
		else
			ld_json__null(j);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static void json_signature(struct ld_json *j, const struct ld_stack *st, const char *folded)
{
	ld_json__key(j, "signature");
	if (!folded) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_object(j);
	ld_json__kstr(j, "folded", folded);
	ld_json__kbool(j, "truncated", st->truncated);
	ld_json__key(j, "frames");
	ld_json__begin_array(j);
	for (size_t f = 0; f < st->n; f++)
		ld_frame__json(&st->frames[f], j);
	ld_json__end_array(j);
	ld_json__end_object(j);
}

/* The triggering thread's stack, symbolized here, where the binaries are. */
static int signature(const struct ld_dump_summary *s, struct ld_stack *st, char **folded)
{
	struct ld_sym_opts so = { 0 };
	struct ld_sym_session *ss;
	int ret;

	memset(st, 0, sizeof(*st));
	*folded = NULL;
	if (!s->has_header)
		return 0;
	ret = ld_sym_session__new(&so, &ss);
	if (ret)
		return ret;
	ret = ld_sym_session__dump_stack(ss, s->path, st);
	ld_sym_session__free(ss);
	if (!ret && !(*folded = ld_stack__folded(st)))
		ret = -ENOMEM;
	return ret;
}

static int emit(struct ld_json *j, const struct ld_dump_summary *s, const struct ld_dump *d,
		const struct ld_stack *st, const char *folded)
{
	const struct ld_note_header *h = d ? ld_dump__header(d) : NULL;
	uint64_t disk = s->file_size;
	const char *comp = d ? ld_dump__compression(d, &disk) : NULL;

	ld_json__begin_object(j);
	ld_json__kuint(j, "version", LD_SIDECAR_VERSION);
	ld_dump_summary__json(s, j);
	ld_json__key(j, "format");
	if (h)
		ld_json__stringf(j, "%u.%u", h->format_major, h->format_minor);
	else
		ld_json__null(j);
	ld_json__kuint(j, "disk_size", disk);
	ld_json__kstr(j, "compression", comp);
	if (s->fields) {
		ld_json__key(j, "field_kinds");
		ld_fields__json_kinds(s->fields, j);
	}
	json_cmdline(j, d);
	json_build_ids(j, d);
	json_signature(j, st, folded);
	ld_json__end_object(j);
	return ld_json__end(j);
}

int ld_sidecar__build(const char *dump_path, const char *host, char **json, size_t *len)
{
	struct ld_dump_summary s;
	struct ld_manifest mf;
	struct ld_stack st = { 0 };
	struct ld_dump *d = NULL;
	char *folded = NULL;
	struct ld_json j;
	FILE *f = NULL;
	int ret;

	*json = NULL;
	*len = 0;
	memset(&s, 0, sizeof(s));
	/* A damaged dump gets a sidecar that says so; a missing one gets none. */
	if (access(dump_path, R_OK))
		return -errno;
	ret = ld_dump_summary__load(&s, dump_path);
	if (ret)
		goto out;
	if (host)
		snprintf(s.host, sizeof(s.host), "%s", host);
	if (find_group(dump_path, &mf, &s.group_trigger))
		s.group = &mf;
	if (s.state != LD_DUMP_DAMAGED)
		ld_dump__open_flags(dump_path, LD_OPEN_ALLOW_CUT, &d, NULL, 0);
	ret = signature(&s, &st, &folded);
	if (ret)
		goto out;
	f = open_memstream(json, len);
	if (!f) {
		ret = -ENOMEM;
		goto out;
	}
	ld_json__init(&j, f, 0);
	ret = emit(&j, &s, d, &st, folded);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	f = NULL;
	if (ret) {
		free(*json);
		*json = NULL;
		*len = 0;
		ret = -ENOMEM;	/* the only way a memory stream fails */
	}
out:
	if (s.group)
		ld_manifest__free(&mf);
	s.group = NULL;
	ld_dump_summary__clear(&s);
	ld_dump__free(d);
	ld_stack__free(&st);
	free(folded);
	return ret;
}

/* --- parsing --------------------------------------------------------------------------- */

struct parse {
	char *why;
	size_t whylen;
};

static int bad(struct parse *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct parse *p, const char *key, const char *fmt, ...)
{
	char what[256], esc[LD_ESC_SIZE(256)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* What the sidecar said is quoted in the message: one line, whatever it holds. */
	snprintf(p->why, p->whylen, "key \"%s\": %s", key, ld_escape(what, esc, sizeof(esc)));
	return -EINVAL;
}

/* An error inside the member @key, said as one of @key's. */
static int nest(struct parse *p, const char *key)
{
	char inner[512];

	/* Escaped once already, by the bad() that wrote it. */
	snprintf(inner, sizeof(inner), "%s", p->why);
	snprintf(p->why, p->whylen, "key \"%s\": %s", key, inner);
	return -EINVAL;
}

/* A member that must be there (not null). */
static int need(struct parse *p, const struct ld_jobj *o, const char *key, const char **v)
{
	*v = ld_jobj_get(o, key);
	return *v ? 0 : bad(p, key, "missing");
}

static int get_u64(struct parse *p, const struct ld_jobj *o, const char *key, bool required,
		   uint64_t max, uint64_t *out)
{
	const char *v = ld_jobj_get(o, key);
	char *end;

	*out = 0;
	if (!v)
		return required ? bad(p, key, "missing") : 0;
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (!*v || *v < '0' || *v > '9' || *end || errno || *out > max)
		return bad(p, key, "\"%.32s\" is not a number from 0 to %" PRIu64, v, max);
	return 0;
}

static int get_hex(struct parse *p, const struct ld_jobj *o, const char *key, uint64_t *out)
{
	const char *v = ld_jobj_get(o, key);
	char *end;

	*out = 0;
	if (!v)
		return 0;
	errno = 0;
	if (strncmp(v, "0x", 2) || !v[2] || (*out = strtoull(v + 2, &end, 16), *end) || errno)
		return bad(p, key, "\"%.32s\" is not a hex number (0x...)", v);
	return 0;
}

static int get_bool(struct parse *p, const struct ld_jobj *o, const char *key, bool *out)
{
	const char *v = ld_jobj_get(o, key);

	*out = false;
	if (!v)
		return 0;
	if (strcmp(v, "true") && strcmp(v, "false"))
		return bad(p, key, "\"%.32s\" is not true or false", v);
	*out = !strcmp(v, "true");
	return 0;
}

/* A string into a fixed array: too long is an error, not a silent cut. */
static int get_str(struct parse *p, const struct ld_jobj *o, const char *key, char *buf,
		   size_t size)
{
	const char *v = ld_jobj_get(o, key);

	buf[0] = 0;
	if (!v)
		return 0;
	if (strlen(v) >= size)
		return bad(p, key, "longer than %zu bytes", size - 1);
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

static int get_obj(struct parse *p, const struct ld_jobj *o, const char *key, struct ld_jobj *out,
		   bool *present)
{
	const char *v = ld_jobj_get(o, key);
	size_t where;

	memset(out, 0, sizeof(*out));
	*present = v != NULL;
	if (!v)
		return 0;
	if (ld_jobj_parse(v, out, &where))
		return bad(p, key, "not a JSON object (at column %zu of its value)", where);
	return 0;
}

static int get_arr(struct parse *p, const struct ld_jobj *o, const char *key, struct ld_jarr *out,
		   bool *present)
{
	const char *v = ld_jobj_get(o, key);
	size_t where;

	memset(out, 0, sizeof(*out));
	*present = v != NULL;
	if (!v)
		return 0;
	if (ld_jarr_parse(v, out, &where))
		return bad(p, key, "not a JSON array (at column %zu of its value)", where);
	return 0;
}

static int parse_state(struct parse *p, const struct ld_jobj *o, enum ld_dump_state *st)
{
	const char *v;
	int ret = need(p, o, "state", &v);

	for (int i = LD_DUMP_COMPLETE; !ret && i <= LD_DUMP_DAMAGED; i++)
		if (!strcmp(v, ld_dump_state_name(i))) {
			*st = i;
			return 0;
		}
	return ret ? ret : bad(p, "state", "\"%.32s\" is not complete, cut or damaged", v);
}

static int parse_capture_type(struct parse *p, const struct ld_jobj *o, uint32_t *type)
{
	const char *v = ld_jobj_get(o, "capture_type");

	if (!v)
		return 0;
	for (uint32_t t = LD_CAPTURE_CONTEXT; t <= LD_CAPTURE_FULL; t++)
		if (!strcmp(v, ld_dump__capture_type_name(t))) {
			*type = t;
			return 0;
		}
	return bad(p, "capture_type", "\"%.32s\" is not context, mini or full", v);
}

/* The detector named @name, rule-less ones (manual) included; NULL: this build knows none. */
static const struct ld_detector_ops *detector_named(const char *name)
{
	const struct ld_detector_ops *d;

	ld_for_each_detector(d, id)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

static int parse_fields(struct parse *p, const struct ld_jobj *o, struct ld_dump_summary *s)
{
	const struct ld_detector_ops *det = s->issue ? detector_named(s->issue) : NULL;
	struct ld_jobj fields, kinds;
	bool has_f, has_k;
	const char *summary = ld_jobj_get(o, "summary");
	int ret = get_obj(p, o, "fields", &fields, &has_f);

	if (!ret)
		ret = get_obj(p, o, "field_kinds", &kinds, &has_k);
	else
		memset(&kinds, 0, sizeof(kinds));
	if (!ret && !has_f && !summary)
		goto out;	/* no decoded issue */
	if (!ret && !(s->fields = malloc(sizeof(*s->fields))))
		ret = -ENOMEM;
	if (ret)
		goto out;
	ld_fields__init(s->fields, det ? det->name : NULL);
	if (summary && strlen(summary) >= sizeof(s->fields->summary)) {
		ret = bad(p, "summary", "longer than %zu bytes", sizeof(s->fields->summary) - 1);
		goto out;
	}
	ld_fields__summary(s->fields, "%s", summary ? summary : "");
	for (size_t i = 0; i < fields.n && !ret; i++) {
		char why[192];

		ret = ld_fields__add_json(s->fields, fields.keys[i],
					  ld_jobj_get(&kinds, fields.keys[i]), fields.vals[i],
					  why, sizeof(why));
		if (ret)
			ret = bad(p, "fields", "%s", why);
	}
out:
	ld_jobj_free(&fields);
	ld_jobj_free(&kinds);
	return ret;
}

static int parse_container(struct parse *p, const struct ld_jobj *o, struct ld_dump_summary *s)
{
	struct ld_jobj c;
	bool has;
	int ret = get_obj(p, o, "container", &c, &has);

	if (!ret && has) {
		ret = get_str(p, &c, "runtime", s->container_runtime, sizeof(s->container_runtime));
		if (!ret)
			ret = get_str(p, &c, "id", s->container_id, sizeof(s->container_id));
		if (!ret)
			ret = get_str(p, &c, "pod_uid", s->pod_uid, sizeof(s->pod_uid));
		if (ret)
			ret = nest(p, "container");
	}
	ld_jobj_free(&c);
	return ret;
}

static int parse_frame(struct parse *p, const char *text, struct ld_frame *f)
{
	struct ld_jobj o;
	uint64_t line = 0;
	size_t where;
	const char *v;
	int ret;

	memset(f, 0, sizeof(*f));
	if (!text || ld_jobj_parse(text, &o, &where))
		return bad(p, "frames", "a frame is not a JSON object");
	ret = get_hex(p, &o, "pc", &f->pc);
	if (!ret)
		ret = get_u64(p, &o, "offset", false, UINT64_MAX, &f->offset);
	if (!ret)
		ret = get_hex(p, &o, "module_offset", &f->module_offset);
	if (!ret)
		ret = get_u64(p, &o, "line", false, UINT32_MAX, &line);
	f->line = line;
	if (!ret)
		ret = get_bool(p, &o, "inlined", &f->inlined);
	if (!ret)
		ret = get_bool(p, &o, "kernel", &f->kernel);
	if (!ret)
		ret = get_bool(p, &o, "debuginfod", &f->debuginfod);
	if (!ret && (((v = ld_jobj_get(&o, "function")) && !(f->function = strdup(v))) ||
		     ((v = ld_jobj_get(&o, "module")) && !(f->module = strdup(v))) ||
		     ((v = ld_jobj_get(&o, "file")) && !(f->file = strdup(v)))))
		ret = -ENOMEM;
	if (ret == -EINVAL)
		ret = nest(p, "frames");
	ld_jobj_free(&o);
	return ret;
}

static int parse_signature(struct parse *p, const struct ld_jobj *o, struct ld_sidecar *sc)
{
	struct ld_jobj sig;
	struct ld_jarr frames = { 0 };
	bool has, has_frames;
	const char *folded;
	int ret = get_obj(p, o, "signature", &sig, &has);

	if (ret || !has)
		return ret;
	ret = need(p, &sig, "folded", &folded);
	if (!ret && !(sc->signature = strdup(folded)))
		ret = -ENOMEM;
	if (!ret)
		ret = get_bool(p, &sig, "truncated", &sc->stack.truncated);
	if (!ret)
		ret = get_arr(p, &sig, "frames", &frames, &has_frames);
	if (!ret && frames.n > 1024)
		ret = bad(p, "frames", "%zu frames: more than 1024", frames.n);
	if (!ret && frames.n && !(sc->stack.frames = calloc(frames.n, sizeof(struct ld_frame))))
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < frames.n; i++) {
		ret = parse_frame(p, frames.vals[i], &sc->stack.frames[i]);
		sc->stack.n = i + 1;	/* what parse_frame allocated is freed with the stack */
	}
	if (ret == -EINVAL)
		ret = nest(p, "signature");
	ld_jarr_free(&frames);
	ld_jobj_free(&sig);
	return ret;
}

static int parse_build_ids(struct parse *p, const struct ld_jobj *o, struct ld_sidecar *sc)
{
	struct ld_jarr a;
	bool has;
	int ret = get_arr(p, o, "build_ids", &a, &has);

	for (size_t i = 0; !ret && i < a.n; i++) {
		struct ld_jobj m;
		size_t where;
		const char *id;

		if (!a.vals[i] || ld_jobj_parse(a.vals[i], &m, &where)) {
			ret = bad(p, "build_ids", "entry %zu is not a JSON object", i);
			break;
		}
		id = ld_jobj_get(&m, "build_id");
		if (id && (strlen(id) % 2 || strlen(id) > 128 ||
			   strspn(id, "0123456789abcdef") != strlen(id)))
			ret = bad(p, "build_ids", "entry %zu: build_id \"%.32s\" is not lower-case hex",
				  i, id);
		ld_jobj_free(&m);
	}
	sc->nbuild_ids = a.n;
	ld_jarr_free(&a);
	return ret;
}

static int parse_summary(struct parse *p, const struct ld_jobj *o, struct ld_sidecar *sc)
{
	struct ld_dump_summary *s = &sc->sum;
	const char *file, *name, *why, *issue;
	uint64_t v;
	int ret;

	if ((ret = need(p, o, "file", &file)) || (ret = need(p, o, "name", &name)))
		return ret;
	if (!name[0] || strchr(name, '/'))
		return bad(p, "name", "\"%.64s\" is not a file name", name);
	s->path = strdup(file);
	if (!s->path)
		return -ENOMEM;
	s->name = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
	if (strcmp(s->name, name))
		return bad(p, "name", "\"%.64s\" is not the name in \"file\"", name);
	if ((ret = get_u64(p, o, "size", true, UINT64_MAX, &s->file_size)) ||
	    (ret = parse_state(p, o, &s->state)) ||
	    (ret = get_bool(p, o, "has_header", &s->has_header)) ||
	    (ret = get_str(p, o, "host", s->host, sizeof(s->host))) ||
	    (ret = get_u64(p, o, "time_ns", true, UINT64_MAX, &s->time_ns)) ||
	    (ret = get_str(p, o, "rule", s->rule, sizeof(s->rule))) ||
	    (ret = get_str(p, o, "comm", s->comm, sizeof(s->comm))) ||
	    (ret = get_str(p, o, "exe", s->exe, sizeof(s->exe))) ||
	    (ret = get_str(p, o, "unit", s->unit, sizeof(s->unit))) ||
	    (ret = get_str(p, o, "kfunc", s->kfunc, sizeof(s->kfunc))) ||
	    (ret = parse_container(p, o, s)) ||
	    (ret = parse_capture_type(p, o, &s->capture_type)))
		return ret;
	if ((ret = get_u64(p, o, "pid", false, UINT32_MAX, &v)))
		return ret;
	s->pid = v;
	if ((ret = get_u64(p, o, "tid", false, UINT32_MAX, &v)))
		return ret;
	s->tid = v;
	if ((ret = get_u64(p, o, "code", false, UINT32_MAX, &v)))
		return ret;
	s->code = v;
	why = ld_jobj_get(o, "why");
	if (why && !(s->why = strdup(why)))
		return -ENOMEM;
	issue = ld_jobj_get(o, "issue");
	if (s->has_header) {
		const struct ld_detector_ops *det = issue ? detector_named(issue) : NULL;

		/* A detector this build does not know (a newer collector's): "unknown". */
		s->issue = det ? det->name : "unknown";
	}
	s->named = !s->has_header && s->rule[0];
	return parse_fields(p, o, s);
}

int ld_sidecar__parse(const char *text, size_t len, struct ld_sidecar *sc, char *why,
		      size_t whylen)
{
	struct parse p = { why, whylen };
	struct ld_jobj o;
	uint64_t version;
	size_t where;
	char *line;
	int ret;

	memset(sc, 0, sizeof(*sc));
	why[0] = 0;
	if (len > LD_SIDECAR_MAX || memchr(text, 0, len)) {
		snprintf(why, whylen, "%s", len > LD_SIDECAR_MAX ? "larger than 1 MiB" :
			 "holds a NUL byte");
		return -EINVAL;
	}
	line = strndup(text, len);
	if (!line)
		return -ENOMEM;
	ret = ld_jobj_parse(line, &o, &where);
	free(line);
	if (ret) {
		snprintf(why, whylen, "not a JSON object (at column %zu)", where);
		return -EINVAL;
	}
	ret = get_u64(&p, &o, "version", true, UINT32_MAX, &version);
	sc->version = version;
	if (!ret && version != LD_SIDECAR_VERSION)
		ret = bad(&p, "version", "%u is not a sidecar version this livedump reads (%u)",
			  sc->version, LD_SIDECAR_VERSION);
	if (!ret)
		ret = parse_summary(&p, &o, sc);
	if (!ret)
		ret = get_str(&p, &o, "format", sc->format, sizeof(sc->format));
	if (!ret)
		ret = get_u64(&p, &o, "disk_size", false, UINT64_MAX, &sc->disk_size);
	if (!ret)
		ret = get_str(&p, &o, "compression", sc->compression, sizeof(sc->compression));
	if (!ret)
		ret = parse_build_ids(&p, &o, sc);
	if (!ret)
		ret = parse_signature(&p, &o, sc);
	ld_jobj_free(&o);
	if (ret == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	return ret;
}

void ld_sidecar__clear(struct ld_sidecar *sc)
{
	ld_dump_summary__clear(&sc->sum);
	free(sc->signature);
	ld_stack__free(&sc->stack);
	memset(sc, 0, sizeof(*sc));
}
