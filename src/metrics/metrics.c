// SPDX-License-Identifier: MIT
/*
 * The metrics table and its series (see metrics.h), and their exposition
 * in the Prometheus text format 0.0.4:
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "metrics/metrics.h"

/* Capture pauses: from a context capture's tenth of a millisecond to a full dump's seconds. */
#define PAUSE_BUCKETS	{ 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10 }
#define PAUSE_NBUCKETS	11

static const struct ld_metric_def defs[LD_M__COUNT] = {
	[LD_M_EVENTS] = {
		.name = "livedump_events_total", .type = LD_MT_COUNTER,
		.help = "Issue records the kernel sent up to the collector",
	},
	[LD_M_ISSUES] = {
		.name = "livedump_issues_total", .type = LD_MT_COUNTER,
		.help = "Issues by rule, detector and what became of them (dumped, declined, failed, dropped)",
		.labels = { "rule", "detector", "verdict" },
	},
	[LD_M_DUMPS_WRITTEN] = {
		.name = "livedump_dumps_written_total", .type = LD_MT_COUNTER,
		.help = "Dumps written into the output directory",
	},
	[LD_M_DUMP_BYTES] = {
		.name = "livedump_dump_bytes_total", .type = LD_MT_COUNTER,
		.help = "Bytes of the dumps written",
	},
	[LD_M_CAPTURE_PAUSE] = {
		.name = "livedump_capture_pause_seconds", .type = LD_MT_HISTOGRAM,
		.help = "How long a live capture held the process stopped",
		.buckets = PAUSE_BUCKETS, .nbuckets = PAUSE_NBUCKETS,
	},
	[LD_M_EVENTS_LOST] = {
		.name = "livedump_events_lost_total", .type = LD_MT_COUNTER,
		.help = "Issue records lost in the kernel because the ring buffer was full, by detector",
		.labels = { "detector" },
	},
	[LD_M_DECLINED] = {
		.name = "livedump_kernel_declined_total", .type = LD_MT_COUNTER,
		.help = "Events the kernel's rule limits declined, by rule and reason (total, rate, cooldown, busy)",
		.labels = { "rule", "reason" },
	},
	[LD_M_UPLOAD_QUEUE] = {
		.name = "livedump_upload_queue_dumps", .type = LD_MT_GAUGE,
		.help = "Dumps waiting in the upload spool",
	},
	[LD_M_UPLOADS_DONE] = {
		.name = "livedump_uploads_done_total", .type = LD_MT_COUNTER,
		.help = "Dumps uploaded and verified",
	},
	[LD_M_UPLOADS_FAILED] = {
		.name = "livedump_uploads_failed_total", .type = LD_MT_COUNTER,
		.help = "Upload attempts that failed",
	},
	[LD_M_UPLOADS_RETRIED] = {
		.name = "livedump_uploads_retried_total", .type = LD_MT_COUNTER,
		.help = "Upload attempts that were retries of a failed one",
	},
	[LD_M_UPLOAD_BYTES] = {
		.name = "livedump_upload_bytes_total", .type = LD_MT_COUNTER,
		.help = "Bytes uploaded",
	},
};

struct series {
	char *labels[LD_METRIC_LABELS_MAX];
	double value;				/* counters, gauges; histograms: the sum */
	uint64_t count;				/* histograms */
	uint64_t buckets[LD_METRIC_BUCKETS_MAX];	/* histograms: per bucket, not cumulative */
};

struct metric {
	struct series *v;
	size_t n;
};

struct ld_metrics {
	pthread_mutex_t lock;
	struct metric m[LD_M__COUNT];
	bool said_enomem;
};

const struct ld_metric_def *ld_metric_def(enum ld_metric_id id)
{
	return (unsigned)id < LD_M__COUNT ? &defs[id] : NULL;
}

static unsigned nlabels(const struct ld_metric_def *d)
{
	unsigned n = 0;

	while (n < LD_METRIC_LABELS_MAX && d->labels[n])
		n++;
	return n;
}

int ld_metrics__new(struct ld_metrics **out)
{
	struct ld_metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void ld_metrics__free(struct ld_metrics *m)
{
	if (!m)
		return;
	for (unsigned id = 0; id < LD_M__COUNT; id++) {
		for (size_t i = 0; i < m->m[id].n; i++)
			for (unsigned k = 0; k < LD_METRIC_LABELS_MAX; k++)
				free(m->m[id].v[i].labels[k]);
		free(m->m[id].v);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* The series of these label values, created if new; NULL out of memory. Under the lock. */
static struct series *series_get(struct ld_metrics *m, enum ld_metric_id id,
				 const char *const *labels)
{
	unsigned nl = nlabels(&defs[id]);
	struct metric *mt = &m->m[id];
	struct series *v, *s;

	for (size_t i = 0; i < mt->n; i++) {
		unsigned k = 0;

		while (k < nl && !strcmp(mt->v[i].labels[k], labels[k] ? labels[k] : ""))
			k++;
		if (k == nl)
			return &mt->v[i];
	}
	v = realloc(mt->v, (mt->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	mt->v = v;
	s = &v[mt->n];
	memset(s, 0, sizeof(*s));
	for (unsigned k = 0; k < nl; k++) {
		s->labels[k] = strdup(labels[k] ? labels[k] : "");
		if (!s->labels[k]) {
			for (unsigned j = 0; j < k; j++)
				free(s->labels[j]);
			return NULL;
		}
	}
	mt->n++;
	return s;
}

static void update(struct ld_metrics *m, enum ld_metric_id id, const char *const *labels,
		   double v, bool set)
{
	const struct ld_metric_def *d = ld_metric_def(id);
	static const char *const none[LD_METRIC_LABELS_MAX];
	struct series *s;

	if (!m || !d || isnan(v))
		return;
	pthread_mutex_lock(&m->lock);
	s = series_get(m, id, labels ? labels : none);
	if (!s) {
		if (!m->said_enomem)
			ld_warn("metrics: out of memory for a series of %s: updates lost", d->name);
		m->said_enomem = true;
	} else if (d->type == LD_MT_HISTOGRAM) {
		unsigned b = 0;

		while (b < d->nbuckets && v > d->buckets[b])
			b++;
		if (b < d->nbuckets)
			s->buckets[b]++;
		s->count++;
		s->value += v;
	} else if (set) {
		s->value = v;
	} else if (d->type == LD_MT_GAUGE || v >= 0) {
		s->value += v;
	}
	pthread_mutex_unlock(&m->lock);
}

void ld_metrics__add(struct ld_metrics *m, enum ld_metric_id id, const char *const *labels,
		     double v)
{
	update(m, id, labels, v, false);
}

void ld_metrics__set(struct ld_metrics *m, enum ld_metric_id id, const char *const *labels,
		     double v)
{
	update(m, id, labels, v, true);
}

/* --- the exposition ---------------------------------------------------------------- */

/* HELP text escapes \ and newline; label values " as well. */
static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

/* The shortest of %.15g and %.17g that reads back as v; Go's spellings of the infinities. */
static void put_value(FILE *f, double v)
{
	char buf[32];

	if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", f);
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fputs(buf, f);
}

/* {a="x",b="y"[,le="..."]}, or nothing without labels. */
static void put_labels(FILE *f, const struct ld_metric_def *d, const struct series *s,
		       const double *le)
{
	unsigned nl = nlabels(d);

	if (!nl && !le)
		return;
	fputc('{', f);
	for (unsigned k = 0; k < nl; k++) {
		fprintf(f, "%s%s=\"", k ? "," : "", d->labels[k]);
		put_escaped(f, s->labels[k], true);
		fputc('"', f);
	}
	if (le) {
		fprintf(f, "%sle=\"", nl ? "," : "");
		put_value(f, *le);
		fputc('"', f);
	}
	fputc('}', f);
}

static void put_series(FILE *f, const struct ld_metric_def *d, const struct series *s)
{
	uint64_t cum = 0;

	if (d->type != LD_MT_HISTOGRAM) {
		fputs(d->name, f);
		put_labels(f, d, s, NULL);
		fputc(' ', f);
		put_value(f, s->value);
		fputc('\n', f);
		return;
	}
	for (unsigned b = 0; b <= d->nbuckets; b++) {
		double le = b < d->nbuckets ? d->buckets[b] : INFINITY;

		cum += b < d->nbuckets ? s->buckets[b] : 0;
		fprintf(f, "%s_bucket", d->name);
		put_labels(f, d, s, &le);
		fprintf(f, " %llu\n", (unsigned long long)(b < d->nbuckets ? cum : s->count));
	}
	fprintf(f, "%s_sum", d->name);
	put_labels(f, d, s, NULL);
	fputc(' ', f);
	put_value(f, s->value);
	fprintf(f, "\n%s_count", d->name);
	put_labels(f, d, s, NULL);
	fprintf(f, " %llu\n", (unsigned long long)s->count);
}

static const char *const type_names[LD_MT__COUNT] = {
	[LD_MT_COUNTER] = "counter",
	[LD_MT_GAUGE] = "gauge",
	[LD_MT_HISTOGRAM] = "histogram",
};

int ld_metrics__format(struct ld_metrics *m, FILE *f)
{
	static const struct series zero;

	pthread_mutex_lock(&m->lock);
	for (unsigned id = 0; id < LD_M__COUNT; id++) {
		const struct ld_metric_def *d = &defs[id];
		const struct metric *mt = &m->m[id];

		fprintf(f, "# HELP %s ", d->name);
		put_escaped(f, d->help, false);
		fprintf(f, "\n# TYPE %s %s\n", d->name, type_names[d->type]);
		/* An unlabelled metric is 0 before its first update, not absent. */
		if (!mt->n && !nlabels(d))
			put_series(f, d, &zero);
		for (size_t i = 0; i < mt->n; i++)
			put_series(f, d, &mt->v[i]);
	}
	pthread_mutex_unlock(&m->lock);
	return ferror(f) ? -EIO : 0;
}

int ld_metrics__format_str(struct ld_metrics *m, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	int err;

	if (!f)
		return -ENOMEM;
	err = ld_metrics__format(m, f);
	if (fclose(f) || err) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
