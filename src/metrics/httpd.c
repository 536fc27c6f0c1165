// SPDX-License-Identifier: MIT
/*
 * The metrics endpoint (see httpd.h), by libmicrohttpd.  We make the
 * listening socket ourselves so that a bad or busy address fails with
 * bind()'s own reason, before recording starts; libmicrohttpd then serves
 * it from its internal thread, started once the collector has forked its
 * guard.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/log.h"
#include "metrics/httpd.h"

/* What Prometheus asks for; the version is the text format's. */
#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct ld_metrics_httpd {
	struct ld_metrics *m;
	struct MHD_Daemon *d;
	int fd;
	bool ipv6;
	char addr[64];
};

int ld_metrics_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			  char *why, size_t whylen)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t hl;
	char *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || colon == s) {
		snprintf(why, whylen, "not ADDRESS:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)");
		return -EINVAL;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+') {
		snprintf(why, whylen, "port '%s' is not a number from 0 to 65535", colon + 1);
		return -EINVAL;
	}
	hl = colon - s;
	if (hl >= sizeof(host)) {
		snprintf(why, whylen, "'%.*s' is not a numeric IPv4 or IPv6 address", (int)hl, s);
		return -EINVAL;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1) {
			a->sin6_family = AF_INET6;
			a->sin6_port = htons(port);
			*len = sizeof(*a);
			return 0;
		}
		host[hl - 1] = ']';
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) == 1) {
			a->sin_family = AF_INET;
			a->sin_port = htons(port);
			*len = sizeof(*a);
			return 0;
		}
	}
	snprintf(why, whylen, "'%s' is not a numeric IPv4 address or a bracketed IPv6 one "
		 "(names are not resolved: the endpoint binds only where it is told)", host);
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **con_cls)
{
	struct ld_metrics_httpd *h = cls;
	char *body = NULL;
	size_t len = 0;

	(void)version;
	(void)data;
	(void)con_cls;
	if (*data_len)		/* a GET has no body: whatever came is ignored */
		*data_len = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		body = strdup("only GET /metrics is served\n");
		return body ? reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", body,
				    strlen(body)) : MHD_NO;
	}
	if (strcmp(url, "/metrics")) {
		body = strdup("not found: the metrics are at /metrics\n");
		return body ? reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", body, strlen(body))
			    : MHD_NO;
	}
	if (ld_metrics__format_str(h->m, &body, &len))
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, CONTENT_TYPE, body, len);
}

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	}
}

int ld_metrics_httpd__new(struct ld_metrics *m, const char *addr, struct ld_metrics_httpd **out)
{
	struct ld_metrics_httpd *h;
	struct sockaddr_storage ss;
	socklen_t sl;
	char why[200];
	int one = 1, err;

	*out = NULL;
	if (ld_metrics_parse_addr(addr, &ss, &sl, why, sizeof(why))) {
		ld_err("--metrics %s: %s", addr, why);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->m = m;
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 ||
	    setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->fd, (struct sockaddr *)&ss, sl) || listen(h->fd, 16)) {
		err = -errno;
		ld_err("--metrics %s: cannot listen there: %s", addr, strerror(errno));
		goto fail;
	}
	sl = sizeof(ss);
	getsockname(h->fd, (struct sockaddr *)&ss, &sl);
	format_addr(&ss, h->addr, sizeof(h->addr));
	h->ipv6 = ss.ss_family == AF_INET6;
	*out = h;
	return 0;
fail:
	if (h->fd >= 0)
		close(h->fd);
	free(h);
	return err;
}

int ld_metrics_httpd__serve(struct ld_metrics_httpd *h)
{
	sigset_t all, old;

	/*
	 * Its thread inherits our mask: SIGINT and SIGTERM must reach the
	 * event loop's thread, whose poll they interrupt.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* Few connections, short: a scraper or two, never a crowd. */
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				(h->ipv6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_CONNECTION_LIMIT, 16U,
				MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		ld_err("--metrics %s: libmicrohttpd cannot serve it (see its message above)", h->addr);
		return -EIO;
	}
	return 0;
}

const char *ld_metrics_httpd__addr(const struct ld_metrics_httpd *h)
{
	return h->addr;
}

void ld_metrics_httpd__stop(struct ld_metrics_httpd *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);	/* joins its thread; the socket is ours */
	close(h->fd);
	free(h);
}
