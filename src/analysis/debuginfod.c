// SPDX-License-Identifier: MIT
/*
 * The debuginfod client of report (see debuginfod.h).
 */
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/debuginfod.h"
#include "base/log.h"
#include "capture/modules.h"

#define URLS_ENV	"DEBUGINFOD_URLS"

/* An answer, kept: a build-id no server has is asked once per session. */
struct answer {
	enum ld_dbgd_kind kind;
	char id[2 * LD_BUILD_ID_MAX + 1];
	char *path;		/* NULL: none had it */
	int err;
};

struct ld_debuginfod {
	debuginfod_client *client;
	char *urls;
	struct answer *v;
	size_t n;
	char **got;
	size_t ngot;
};

static const char *const kind_names[LD_DBGD__COUNT] = {
	[LD_DBGD_DEBUGINFO] = "debug info",
	[LD_DBGD_EXECUTABLE] = "executable",
};

/*
 * libdwfl asks debuginfod by itself in dwfl_standard_find_debuginfo and
 * dwfl_build_id_find_elf whenever DEBUGINFOD_URLS is set at that moment
 * (elfutils 0.188 makes its client whatever the variable says, and reads
 * it at each query), and says nothing of where a file came from.  So our
 * callbacks call those with the variable hidden, then ask our client,
 * which reads it again.  report is single-threaded: nothing else reads
 * the environment meanwhile.
 */
char *ld_debuginfod__hide(const struct ld_debuginfod *c)
{
	const char *urls = c ? getenv(URLS_ENV) : NULL;
	char *saved = urls ? strdup(urls) : NULL;

	if (saved)
		unsetenv(URLS_ENV);
	return saved;
}

void ld_debuginfod__unhide(char *saved)
{
	if (saved)
		setenv(URLS_ENV, saved, 1);
	free(saved);
}

int ld_debuginfod__new(struct ld_debuginfod **out)
{
	const char *urls = getenv(URLS_ENV);
	struct ld_debuginfod *c;

	*out = NULL;
	if (!urls || !urls[strspn(urls, " \t")])
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->urls = strdup(urls))) {
		free(c);
		return -ENOMEM;
	}
	c->client = debuginfod_begin();
	if (!c->client) {
		ld_warn("debuginfod: cannot start a client (%s): debug info from %s not used",
			strerror(errno), urls);
		ld_debuginfod__free(c);
		return 0;
	}
	*out = c;
	return 0;
}

void ld_debuginfod__free(struct ld_debuginfod *c)
{
	if (!c)
		return;
	if (c->client)
		debuginfod_end(c->client);
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	for (size_t i = 0; i < c->ngot; i++)
		free(c->got[i]);
	free(c->got);
	free(c->urls);
	free(c);
}

static void remember_got(struct ld_debuginfod *c, const struct answer *a)
{
	char **v = realloc(c->got, (c->ngot + 1) * sizeof(*v));

	if (!v)
		return;
	c->got = v;
	if (asprintf(&v[c->ngot], "%s of build-id %s: %s", kind_names[a->kind], a->id,
		     a->path) >= 0)
		c->ngot++;
}

int ld_debuginfod__find(struct ld_debuginfod *c, enum ld_dbgd_kind kind,
			const unsigned char *build_id, size_t len, char **path)
{
	struct answer a = { .kind = kind }, *v;
	char *got = NULL;
	int fd;

	*path = NULL;
	if (!c || !len || (unsigned)kind >= LD_DBGD__COUNT)
		return -ENOENT;
	ld_build_id_hex(build_id, len, a.id, sizeof(a.id));
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].kind != kind || strcmp(c->v[i].id, a.id))
			continue;
		if (!c->v[i].path)
			return c->v[i].err;
		fd = open(c->v[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		*path = strdup(c->v[i].path);
		return fd;
	}
	fd = kind == LD_DBGD_DEBUGINFO
		? debuginfod_find_debuginfo(c->client, build_id, len, &got)
		: debuginfod_find_executable(c->client, build_id, len, &got);
	if (fd < 0) {
		ld_dbg("debuginfod: no %s for build-id %s from %s: %s", kind_names[kind], a.id,
		       c->urls, strerror(-fd));
		a.err = fd;
		free(got);
		got = NULL;
	} else {
		a.path = got;
		*path = strdup(got);
	}
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (v) {
		c->v = v;
		v[c->n++] = a;
		if (a.path)
			remember_got(c, &a);
	} else {
		free(a.path);
	}
	return fd;
}

bool ld_debuginfod__gave(const struct ld_debuginfod *c, const char *path)
{
	for (size_t i = 0; c && path && i < c->n; i++)
		if (c->v[i].path && !strcmp(c->v[i].path, path))
			return true;
	return false;
}

size_t ld_debuginfod__ngot(const struct ld_debuginfod *c)
{
	return c ? c->ngot : 0;
}

const char *ld_debuginfod__got(const struct ld_debuginfod *c, size_t i)
{
	return c && i < c->ngot ? c->got[i] : NULL;
}

const char *ld_debuginfod__urls(const struct ld_debuginfod *c)
{
	return c ? c->urls : NULL;
}
