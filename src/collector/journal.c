// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collector/journal.h"
#include "base/cgident.h"
#include "base/json.h"
#include "detectors/fields.h"
#include "base/log.h"
#include "dump/outdir.h"

struct ld_journal {
	int fd;
	char *path;
};

int ld_journal__open(const char *dir, struct ld_journal **out)
{
	struct ld_journal *j = calloc(1, sizeof(*j));
	char when[32], *name = NULL;
	time_t now = time(NULL);
	struct tm tm;
	struct stat st;
	int err, dirfd;

	*out = NULL;
	if (!j)
		return -ENOMEM;
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	if (asprintf(&name, LD_JOURNAL_PREFIX "%s-%d" LD_JOURNAL_SUFFIX, when, getpid()) < 0 ||
	    asprintf(&j->path, "%s/%s", dir, name) < 0) {
		free(name);
		free(j);
		return -ENOMEM;
	}
	dirfd = ld_outdir_open(dir);
	if (dirfd < 0) {
		err = dirfd;
		goto fail;
	}
	/*
	 * A new file, never an existing one: the name is predictable, and a
	 * link planted there would have root append to whatever it points at.
	 */
	j->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND |
		       O_CLOEXEC, 0600);
	err = j->fd < 0 ? -errno : 0;
	if (err == -EEXIST && !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		char target[4096] = "?";
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n > 0)
			target[n] = 0;
		if (S_ISLNK(st.st_mode))
			ld_err("cannot open journal %s: it is a symlink (to %s): not followed",
			       j->path, target);
		else
			ld_err("cannot open journal %s: a file of that name exists (owner uid %u, "
			       "mode %04o): not appended to", j->path, (unsigned)st.st_uid,
			       st.st_mode & 07777);
	}
	close(dirfd);
	if (err)
		goto fail;
	free(name);
	*out = j;
	return 0;
fail:
	free(name);
	free(j->path);
	free(j);
	return err;
}

static void kopt(struct ld_json *js, const char *key, const char *v)
{
	if (v)
		ld_json__kstr(js, key, v);
	else
		ld_json__knull(js, key);
}

int ld_journal__format(const struct ld_journal_entry *e, char **line, size_t *linelen)
{
	struct ld_json js;
	char *buf = NULL, iso[40];
	size_t len = 0;
	time_t secs = e->time_ns / 1000000000ULL;
	struct tm tm;
	FILE *f = open_memstream(&buf, &len);
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
	if (e->fields) {
		ld_json__kstr(&js, "summary", e->fields->summary);
		ld_json__key(&js, "fields");
		ld_fields__json_object(e->fields, &js);
	}
	ld_json__kstr(&js, "verdict", e->verdict);
	kopt(&js, "reason", e->reason);
	ld_json__kbool(&js, "frozen", e->frozen);
	kopt(&js, "dump", e->dump);
	ld_json__kuint(&js, "size", e->size);
	ld_json__kuint(&js, "pause_us", e->pause_ns / 1000);
	ld_json__kuint(&js, "count", e->count ? e->count : 1);
	/* flat, as every key of a line: null where not known */
	kopt(&js, "unit", e->ident && e->ident->unit[0] ? e->ident->unit : NULL);
	kopt(&js, "container_runtime", e->ident && e->ident->runtime[0] ? e->ident->runtime : NULL);
	kopt(&js, "container_id", e->ident && e->ident->container[0] ? e->ident->container : NULL);
	kopt(&js, "pod_uid", e->ident && e->ident->pod[0] ? e->ident->pod : NULL);
	ld_json__end_object(&js);
	err = ld_json__end(&js);	/* ends the line too */
	if (fclose(f) || err) {
		free(buf);
		return err ? err : -ENOMEM;
	}
	*line = buf;
	*linelen = len;
	return 0;
}

int ld_journal__fd(const struct ld_journal *j)
{
	return j ? j->fd : -1;
}

int ld_journal__append(struct ld_journal *j, const struct ld_journal_entry *e)
{
	char *buf;
	size_t len;
	ssize_t n;
	int err = ld_journal__format(e, &buf, &len);

	if (err)
		return err;
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
