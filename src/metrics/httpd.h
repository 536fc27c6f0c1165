/* SPDX-License-Identifier: MIT */
/*
 * record --metrics ADDR: the metrics served over HTTP (GET /metrics) by
 * libmicrohttpd's own thread, which reads the table through
 * ld_metrics__format (a snapshot under its lock) and nothing else.
 */
#ifndef LIVEDUMP_METRICS_HTTPD_H
#define LIVEDUMP_METRICS_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>
#include "metrics/metrics.h"

/*
 * "127.0.0.1:9464", "[::1]:9464": a numeric address (names are refused:
 * the listener binds only where it is told) and a port, 0 for any free one.
 * 0, or -EINVAL with the reason in why.
 */
int ld_metrics_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			  char *why, size_t whylen);

struct ld_metrics_httpd;

/*
 * Listens on addr (ld_metrics_parse_addr) for m, which must outlive it:
 * 0 or -errno, said.  Nothing is served before ld_metrics_httpd__serve.
 */
int ld_metrics_httpd__new(struct ld_metrics *m, const char *addr, struct ld_metrics_httpd **out);
/*
 * Starts the server's thread.  Call it after the collector's forks that
 * do not exec (the guard): a child of a threaded process must not take a
 * lock another thread may hold.  0 or -EIO, said.
 */
int ld_metrics_httpd__serve(struct ld_metrics_httpd *h);
/* The address it listens on, as "127.0.0.1:PORT" (the real port when 0 was asked). */
const char *ld_metrics_httpd__addr(const struct ld_metrics_httpd *h);
void ld_metrics_httpd__stop(struct ld_metrics_httpd *h);

#endif /* LIVEDUMP_METRICS_HTTPD_H */
