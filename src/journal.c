// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "journal.h"
#include "json.h"

struct ld_journal {
	int fd;
	char *path;
};

int ld_journal__open(const char *dir, struct ld_journal **out)
{
	struct ld_journal *j = calloc(1, sizeof(*j));
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int err;

	*out = NULL;
	if (!j)
		return -ENOMEM;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	if (asprintf(&j->path, "%s/" LD_JOURNAL_PREFIX "%s-%d" LD_JOURNAL_SUFFIX, dir, when,
		     getpid()) < 0) {
		free(j);
		return -ENOMEM;
	}
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		err = -errno;
		free(j->path);
		free(j);
		return err;
	}
	*out = j;
	return 0;
}

static void kopt(struct ld_json *js, const char *key, const char *v)
{
	if (v)
		ld_json__kstr(js, key, v);
	else
		ld_json__knull(js, key);
}

int ld_journal__append(struct ld_journal *j, const struct ld_journal_entry *e)
{
	struct ld_json js;
	char *buf = NULL, iso[40];
	size_t len = 0;
	time_t secs = e->time_ns / 1000000000ULL;
	struct tm tm;
	FILE *f = open_memstream(&buf, &len);
	ssize_t n;
	int err = 0;

	if (!f)
		return -ENOMEM;
	localtime_r(&secs, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(iso + strlen(iso), sizeof(iso) - strlen(iso), ".%03u",
		 (unsigned)(e->time_ns / 1000000 % 1000));
	ld_json__init(&js, f, 0);
	ld_json__begin_object(&js);
	ld_json__kstr(&js, "time", iso);
	/* A string: JSON readers that use doubles would round 19 digits. */
	ld_json__key(&js, "time_ns");
	ld_json__stringf(&js, "%llu", (unsigned long long)e->time_ns);
	ld_json__kstr(&js, "rule", e->rule);
	ld_json__kstr(&js, "issue", e->issue);
	ld_json__kuint(&js, "pid", e->pid);
	ld_json__kuint(&js, "tid", e->tid);
	ld_json__kstr(&js, "comm", e->comm);
	ld_json__khex(&js, "code", e->code);
	ld_json__khex(&js, "param", e->param);
	ld_json__kstr(&js, "verdict", e->verdict);
	kopt(&js, "reason", e->reason);
	ld_json__kbool(&js, "frozen", e->frozen);
	kopt(&js, "dump", e->dump);
	ld_json__kuint(&js, "size", e->size);
	ld_json__kuint(&js, "pause_us", e->pause_ns / 1000);
	ld_json__end_object(&js);
	err = ld_json__end(&js);	/* ends the line too */
	if (fclose(f) || err) {
		free(buf);
		return err ? err : -ENOMEM;
	}
	/* One write per line: O_APPEND keeps lines whole even with several writers. */
	n = write(j->fd, buf, len);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	free(buf);
	return err;
}

const char *ld_journal__path(const struct ld_journal *j)
{
	return j->path;
}

void ld_journal__free(struct ld_journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}
