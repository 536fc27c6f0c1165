// SPDX-License-Identifier: MIT
/*
 * The metrics exposition (metrics/metrics.h): label values escaped,
 * histogram buckets cumulative with _sum and _count, unlabelled metrics
 * present at 0, counters only rising, the table complete; and the
 * --metrics address parser (metrics/httpd.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>
#include "metrics/httpd.h"
#include "metrics/metrics.h"

static char *expose(struct ld_metrics *m)
{
	char *s;
	size_t len;

	assert_int_equal(ld_metrics__format_str(m, &s, &len), 0);
	assert_int_equal(strlen(s), len);
	return s;
}

static void has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p++;
	}
	fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_table(void **state)
{
	(void)state;
	for (unsigned id = 0; id < LD_M__COUNT; id++) {
		const struct ld_metric_def *d = ld_metric_def(id);

		assert_non_null(d->name);
		assert_non_null(d->help);
		assert_true(!strncmp(d->name, "livedump_", 9));
		if (d->type == LD_MT_COUNTER)
			assert_non_null(strstr(d->name, "_total"));
		for (unsigned b = 1; b < d->nbuckets; b++)
			assert_true(d->buckets[b] > d->buckets[b - 1]);
		assert_true(d->type != LD_MT_HISTOGRAM || d->nbuckets);
	}
	assert_null(ld_metric_def(LD_M__COUNT));
}

static void test_labels_escaped(void **state)
{
	struct ld_metrics *m;
	char *s;

	(void)state;
	assert_int_equal(ld_metrics__new(&m), 0);
	ld_metrics__add(m, LD_M_ISSUES, LD_LABELS("a\"b", "c\\d", "e\nf"), 1);
	ld_metrics__add(m, LD_M_ISSUES, LD_LABELS("a\"b", "c\\d", "e\nf"), 2);
	ld_metrics__add(m, LD_M_ISSUES, LD_LABELS("plain", "app", "dumped"), 1);
	ld_metrics__add(m, LD_M_ISSUES, LD_LABELS(NULL, "app", "dropped"), 5);
	s = expose(m);
	has_line(s, "livedump_issues_total{rule=\"a\\\"b\",detector=\"c\\\\d\",verdict=\"e\\nf\"} 3");
	has_line(s, "livedump_issues_total{rule=\"plain\",detector=\"app\",verdict=\"dumped\"} 1");
	has_line(s, "livedump_issues_total{rule=\"\",detector=\"app\",verdict=\"dropped\"} 5");
	has_line(s, "# TYPE livedump_issues_total counter");
	free(s);
	ld_metrics__free(m);
}

static void test_histogram(void **state)
{
	const struct ld_metric_def *d = ld_metric_def(LD_M_CAPTURE_PAUSE);
	struct ld_metrics *m;
	char *s, line[128];

	(void)state;
	assert_int_equal(ld_metrics__new(&m), 0);
	s = expose(m);
	/* before any observation: every bucket there, at 0 */
	has_line(s, "livedump_capture_pause_seconds_bucket{le=\"+Inf\"} 0");
	has_line(s, "livedump_capture_pause_seconds_count 0");
	free(s);
	ld_metrics__add(m, LD_M_CAPTURE_PAUSE, NULL, 0.0003);	/* le 0.0005 */
	ld_metrics__add(m, LD_M_CAPTURE_PAUSE, NULL, 0.0005);	/* le 0.0005: bounds are inclusive */
	ld_metrics__add(m, LD_M_CAPTURE_PAUSE, NULL, 0.02);	/* le 0.05 */
	ld_metrics__add(m, LD_M_CAPTURE_PAUSE, NULL, 100);	/* +Inf only */
	s = expose(m);
	has_line(s, "# TYPE livedump_capture_pause_seconds histogram");
	has_line(s, "livedump_capture_pause_seconds_bucket{le=\"0.0001\"} 0");
	has_line(s, "livedump_capture_pause_seconds_bucket{le=\"0.0005\"} 2");
	has_line(s, "livedump_capture_pause_seconds_bucket{le=\"0.001\"} 2");
	has_line(s, "livedump_capture_pause_seconds_bucket{le=\"0.01\"} 2");
	has_line(s, "livedump_capture_pause_seconds_bucket{le=\"0.05\"} 3");
	snprintf(line, sizeof(line), "livedump_capture_pause_seconds_bucket{le=\"%g\"} 3",
		 d->buckets[d->nbuckets - 1]);
	has_line(s, line);
	has_line(s, "livedump_capture_pause_seconds_bucket{le=\"+Inf\"} 4");
	has_line(s, "livedump_capture_pause_seconds_sum 100.0208");
	has_line(s, "livedump_capture_pause_seconds_count 4");
	free(s);
	ld_metrics__free(m);
}

static void test_counters_gauges(void **state)
{
	struct ld_metrics *m;
	char *s;

	(void)state;
	assert_int_equal(ld_metrics__new(&m), 0);
	s = expose(m);
	has_line(s, "livedump_dumps_written_total 0");
	has_line(s, "livedump_uploads_failed_total 0");
	has_line(s, "# TYPE livedump_upload_queue_dumps gauge");
	/* a labelled metric with no series yet: its HELP and TYPE only */
	has_line(s, "# TYPE livedump_events_lost_total counter");
	assert_null(strstr(s, "livedump_events_lost_total{"));
	free(s);
	ld_metrics__inc(m, LD_M_DUMPS_WRITTEN);
	ld_metrics__inc(m, LD_M_DUMPS_WRITTEN);
	ld_metrics__add(m, LD_M_DUMPS_WRITTEN, NULL, -5);	/* a counter never goes down */
	ld_metrics__add(m, LD_M_DUMP_BYTES, NULL, 12345678901.0);
	ld_metrics__add(m, LD_M_UPLOAD_QUEUE, NULL, 3);
	ld_metrics__add(m, LD_M_UPLOAD_QUEUE, NULL, -1);
	ld_metrics__set(m, LD_M_DECLINED, LD_LABELS("r", "rate"), 7);
	ld_metrics__set(m, LD_M_DECLINED, LD_LABELS("r", "rate"), 9);
	ld_metrics__inc(NULL, LD_M_UPLOADS_FAILED);	/* no metrics: nothing, no crash */
	s = expose(m);
	has_line(s, "livedump_dumps_written_total 2");
	has_line(s, "livedump_dump_bytes_total 12345678901");
	has_line(s, "livedump_upload_queue_dumps 2");
	has_line(s, "livedump_kernel_declined_total{rule=\"r\",reason=\"rate\"} 9");
	free(s);
	ld_metrics__free(m);
}

static void test_parse_addr(void **state)
{
	static const char *const bad[] = {
		"localhost:9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
		"127.0.0.1:+1", "127.0.0.1:9x", ":9464", "[::1:9464", "::1:9464", "1.2.3:80",
		"[127.0.0.1]:80", "",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char why[200];

	(void)state;
	assert_int_equal(ld_metrics_parse_addr("127.0.0.1:9464", &ss, &len, why, sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9464);
	assert_int_equal(ld_metrics_parse_addr("[::1]:0", &ss, &len, why, sizeof(why)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (ld_metrics_parse_addr(bad[i], &ss, &len, why, sizeof(why)) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(why[0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_labels_escaped),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_counters_gauges),
		cmocka_unit_test(test_parse_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
