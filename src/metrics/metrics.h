/* SPDX-License-Identifier: MIT */
/*
 * The collector's metrics, in the Prometheus text exposition format
 * (docs/metrics.md).  Every metric is one entry of a table (metrics.c):
 * name, type, help, label names, buckets for a histogram.  Code that counts
 * something says which entry and, for a labelled metric, the label values:
 *
 *	ld_metrics__inc(m, LD_M_UPLOADS_FAILED);
 *	ld_metrics__add(m, LD_M_ISSUES, LD_LABELS(rule, detector, "dumped"), 1);
 *
 * A NULL m counts nothing, so callers need not ask whether --metrics was
 * given.  Updates and the exposition take the table's mutex: the HTTP
 * server's thread renders a consistent snapshot while the event loop
 * counts, and neither holds it for longer than a copy.
 */
#ifndef LIVEDUMP_METRICS_H
#define LIVEDUMP_METRICS_H

#include <stdio.h>

enum ld_metric_type {
	LD_MT_COUNTER,
	LD_MT_GAUGE,
	LD_MT_HISTOGRAM,
	LD_MT__COUNT,
};

enum ld_metric_id {
	LD_M_EVENTS,			/* records the kernel sent up */
	LD_M_ISSUES,			/* by rule, detector, verdict */
	LD_M_DUMPS_WRITTEN,
	LD_M_DUMP_BYTES,
	LD_M_CAPTURE_PAUSE,		/* histogram, seconds */
	LD_M_EVENTS_LOST,		/* ring-full drops, by detector */
	LD_M_DECLINED,			/* by rule and reason */
	LD_M_UPLOAD_QUEUE,		/* gauge: dumps waiting in the spool */
	LD_M_UPLOADS_DONE,
	LD_M_UPLOADS_FAILED,
	LD_M_UPLOADS_RETRIED,
	LD_M_UPLOAD_BYTES,
	LD_M__COUNT,
};

#define LD_METRIC_LABELS_MAX	3
#define LD_METRIC_BUCKETS_MAX	16

struct ld_metric_def {
	const char *name;		/* as exposed: counters end in _total */
	enum ld_metric_type type;
	const char *help;
	const char *labels[LD_METRIC_LABELS_MAX];	/* NULL-ended */
	double buckets[LD_METRIC_BUCKETS_MAX];		/* histograms: upper bounds, rising; +Inf implied */
	unsigned nbuckets;
};

const struct ld_metric_def *ld_metric_def(enum ld_metric_id id);

/* Label values, as many as the metric has label names. */
#define LD_LABELS(...)	((const char *const[]){ __VA_ARGS__ })

struct ld_metrics;

/* 0 or -ENOMEM. */
int ld_metrics__new(struct ld_metrics **out);
void ld_metrics__free(struct ld_metrics *m);

/*
 * Counters: add v (>= 0); gauges: add v (any sign); histograms: observe v.
 * labels is NULL for a metric without labels.  A series is created at its
 * first update; out of memory, the update is lost (and said once).
 */
void ld_metrics__add(struct ld_metrics *m, enum ld_metric_id id, const char *const *labels,
		     double v);
/* Gauges: set to v. */
void ld_metrics__set(struct ld_metrics *m, enum ld_metric_id id, const char *const *labels,
		     double v);

static inline void ld_metrics__inc(struct ld_metrics *m, enum ld_metric_id id)
{
	ld_metrics__add(m, id, NULL, 1);
}

/*
 * The exposition (text format 0.0.4) of every metric, also those never
 * updated (unlabelled ones as 0), into f.  0 or -EIO.
 */
int ld_metrics__format(struct ld_metrics *m, FILE *f);

/* The same into a malloc'd string: 0 or -ENOMEM. */
int ld_metrics__format_str(struct ld_metrics *m, char **out, size_t *len);

#endif /* LIVEDUMP_METRICS_H */
