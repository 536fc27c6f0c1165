// SPDX-License-Identifier: MIT
/*
 * Owns the uploader of record --upload (upload.h): what is queued, when it
 * is sent, how it is verified, and the keys in the bucket.  The event loop
 * shares nothing with it but the metrics (their own mutex) and the count
 * of bytes --upload-delete freed (an atomic the limits read).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "base/log.h"
#include "collector/journal.h"
#include "dump/outdir.h"
#include "fleet/spool.h"
#include "fleet/upload.h"
#include "group/manifest.h"
#include "metrics/metrics.h"
#include "fleet/sidecar.h"

#define BACKOFF_MIN_NS	(1000000000ULL)		/* the first retry after 1 s, */
#define BACKOFF_MAX_NS	(30000000000ULL)	/* doubling up to 30 s */
#define JOURNAL_EVERY_NS (5000000000ULL)	/* our own journal: at most this often */
#define RESCAN_EVERY_NS	(30000000000ULL)	/* a scan even without inotify's word */

enum { RUN, DRAIN, STOP };

/* A queued file's retries, in memory: a restart retries at once. */
struct retry {
	char name[256];
	unsigned attempts;
	uint64_t next_ns;
};

struct ld_upload {
	struct ld_upload_opts o;
	char outdir[4096];
	struct ld_s3_url url;
	char host[256];
	uint64_t part_size;
	struct ld_s3 *s3;
	struct ld_spool *spool;
	int dirfd, inotify, wake;
	pthread_t thread;
	bool started;
	_Atomic int state;
	_Atomic int cancel;		/* cuts the transfer in flight */
	uint64_t drain_until_ns;
	struct retry *retries;
	size_t nretries;
	uint64_t journals_at_ns;
	bool journals_pending;		/* a journal was not in sync at the last sweep */
	bool final_swept;		/* the stop's sweep, past any backoff, was made */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* --- keys ----------------------------------------------------------------- */

void ld_upload_host(char *buf, size_t size, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < size; i++) {
		char c = s[i];

		buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '-' || c == '_' ? c : '_';
	}
	buf[i] = 0;
	if (!i || !strcmp(buf, ".") || !strcmp(buf, ".."))
		snprintf(buf, size, "unknown-host");
}

static int join(char *buf, size_t size, const char *prefix, const char *host, const char *mid,
		const char *name)
{
	int n = snprintf(buf, size, "%s%s%s/%s/%s", prefix, *prefix ? "/" : "", host, mid, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int ld_upload_key(char *buf, size_t size, const char *prefix, const char *host,
		  const char *name, int64_t when)
{
	time_t t = when;
	struct tm tm;
	char day[16];

	if (!gmtime_r(&t, &tm) || !strftime(day, sizeof(day), "%Y-%m-%d", &tm))
		return -EINVAL;
	return join(buf, size, prefix, host, day, name);
}

int ld_upload_journal_key(char *buf, size_t size, const char *prefix, const char *host,
			  const char *name)
{
	return join(buf, size, prefix, host, "journal", name);
}

int64_t ld_upload_name_time(const char *name)
{
	struct tm tm = { 0 };
	const char *end = strptime(name, "%Y%m%dT%H%M%S", &tm);

	if (!end || (*end != '.' && *end != '-'))
		return -1;
	tm.tm_isdst = -1;	/* the name is local time, whatever DST was */
	return (int64_t)mktime(&tm);
}

/* --- what is ours to upload ----------------------------------------------- */

static bool is_artifact(const char *name)
{
	return ld_is_dump_name(name) || ld_manifest_name(name);
}

static bool is_journal(const char *name)
{
	size_t n = strlen(name), p = strlen(LD_JOURNAL_PREFIX), s = strlen(LD_JOURNAL_SUFFIX);

	return n > p + s && !strncmp(name, LD_JOURNAL_PREFIX, p) &&
	       !strcmp(name + n - s, LD_JOURNAL_SUFFIX);
}

static struct retry *retry_of(struct ld_upload *u, const char *name, bool make)
{
	struct retry *r;

	for (size_t i = 0; i < u->nretries; i++)
		if (!strcmp(u->retries[i].name, name))
			return &u->retries[i];
	if (!make)
		return NULL;
	r = realloc(u->retries, (u->nretries + 1) * sizeof(*r));
	if (!r)
		return NULL;
	u->retries = r;
	r = &u->retries[u->nretries++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static void retry_forget(struct ld_upload *u, const char *name)
{
	struct retry *r = retry_of(u, name, false);

	if (r)
		*r = u->retries[--u->nretries];
}

/* A failed attempt: counted, said, and the next one put off. */
static void failed(struct ld_upload *u, const char *name, const char *why)
{
	struct retry *r = retry_of(u, name, true);
	uint64_t wait = BACKOFF_MIN_NS;

	ld_metrics__inc(u->o.metrics, LD_M_UPLOADS_FAILED);
	if (!r) {
		ld_warn("upload: %s: %s", name, why);
		return;
	}
	for (unsigned i = 0; i < r->attempts && wait < BACKOFF_MAX_NS; i++)
		wait *= 2;
	if (wait > BACKOFF_MAX_NS)
		wait = BACKOFF_MAX_NS;
	r->attempts++;
	r->next_ns = now_ns() + wait;
	ld_warn("upload: %s: %s; attempt %u failed, next in %.0f s", name, why, r->attempts,
		wait / 1e9);
}

/*
 * The directory as it is now: every finished dump and manifest without a
 * done record is queued (new ones, and those a killed collector had not
 * queued yet); done records of files no longer there go.
 */
static void scan(struct ld_upload *u)
{
	int fd = openat(u->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	char **names;
	size_t n;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		ld_warn("upload: cannot read %s: %s", u->outdir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		struct ld_spool_entry e = { 0 };
		struct stat st;
		int64_t when;
		int err;

		if (!is_artifact(de->d_name) ||
		    fstatat(u->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (!ld_spool__done_get(u->spool, de->d_name, &e)) {
			/* A crash between the done record and the entry's removal. */
			ld_spool__remove(u->spool, de->d_name, false);
			continue;
		}
		if (!ld_spool__get(u->spool, de->d_name, &e))
			continue;
		when = ld_upload_name_time(de->d_name);
		e = (struct ld_spool_entry){ .size = st.st_size, .part_size = u->part_size,
					     .queued = time(NULL) };
		err = ld_upload_key(e.key, sizeof(e.key), u->url.prefix, u->host, de->d_name,
				    when >= 0 ? when : st.st_mtim.tv_sec);
		if (!err)
			err = ld_spool__add(u->spool, de->d_name, &e);
		if (err)
			ld_warn("upload: cannot queue %s/%s: %s", u->outdir, de->d_name, strerror(-err));
	}
	closedir(d);
	/* Done records of what is gone (removed after its upload, or by hand). */
	fd = openat(u->dirfd, LD_SPOOL_DIR "/done", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && (d = fdopendir(fd))) {
		while ((de = readdir(d))) {
			struct stat st;

			if (de->d_name[0] != '.' &&
			    fstatat(u->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && errno == ENOENT)
				ld_spool__remove(u->spool, de->d_name, true);
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	if (!ld_spool__list(u->spool, &names, &n)) {
		ld_metrics__set(u->o.metrics, LD_M_UPLOAD_QUEUE, NULL, n);
		ld_spool__list_free(names, n);
	}
}

/* --- one upload ------------------------------------------------------------ */

static bool same_etag(const char *a, const char *b)
{
	return a[0] && !strcasecmp(a, b);
}

/*
 * @len bytes of @fd at @key, unless the bucket holds them already (a
 * restart after the PUT, before the done record): then nothing is sent.
 * Verified by HEAD either way.  0, or -errno with @why.
 */
static int put_verified(struct ld_upload *u, const char *key, int fd, uint64_t len,
			uint64_t *partp, char *etag, size_t etaglen, bool *sent,
			char *why, size_t whylen)
{
	uint64_t part_size = *partp;
	struct ld_s3_obj obj;
	int err;

	*sent = false;
	err = ld_s3_etag_fd(fd, len, part_size, etag, etaglen);
	if (err) {
		snprintf(why, whylen, "cannot read it: %s", strerror(-err));
		return err;
	}
	err = ld_s3__head(u->s3, key, &obj);
	if (!err && obj.size == len && same_etag(obj.etag, etag))
		return 0;
	if (err && err != -ENOENT) {
		snprintf(why, whylen, "%s", ld_s3__error(u->s3));
		return err;
	}
	/* What a killed uploader left of a multipart upload of this key goes first. */
	if (len > part_size) {
		err = ld_s3__abort_uploads(u->s3, key);
		if (err > 0)
			printf("upload: aborted %d unfinished multipart upload%s of %s (a collector "
			       "killed while sending it)\n", err, err == 1 ? "" : "s", key);
		else if (err < 0)
			ld_warn("upload: cannot look for unfinished uploads of %s: %s", key,
				ld_s3__error(u->s3));
	}
	err = ld_s3__put_fd(u->s3, key, fd, len, part_size);
	if (err && len > part_size && part_size < LD_UPLOAD_PART_S3 &&
	    !strcmp(ld_s3__error_code(u->s3), "EntityTooSmall")) {
		/* The server keeps S3's minimum: retrying the same parts would fail forever. */
		if (u->part_size < LD_UPLOAD_PART_S3)
			ld_warn("upload: s3://%s refuses parts of %" PRIu64 " KiB (EntityTooSmall): "
				"5 MiB parts from now on (say --s3-part-size 5M or more)", u->url.bucket,
				part_size >> 10);
		u->part_size = LD_UPLOAD_PART_S3;
		*partp = part_size = LD_UPLOAD_PART_S3;
		err = ld_s3_etag_fd(fd, len, part_size, etag, etaglen);
		if (err) {
			snprintf(why, whylen, "cannot read it: %s", strerror(-err));
			return err;
		}
		err = ld_s3__put_fd(u->s3, key, fd, len, part_size);
	}
	if (err) {
		snprintf(why, whylen, "%s", ld_s3__error(u->s3));
		return err;
	}
	*sent = true;
	ld_metrics__add(u->o.metrics, LD_M_UPLOAD_BYTES, NULL, len);
	err = ld_s3__head(u->s3, key, &obj);
	if (err) {
		snprintf(why, whylen, "verifying: %s", ld_s3__error(u->s3));
		return err;
	}
	if (obj.size != len || !same_etag(obj.etag, etag)) {
		snprintf(why, whylen, "verifying %s: the bucket holds %" PRIu64 " bytes with ETag "
			 "'%s', not the %" PRIu64 " bytes with ETag '%s' sent", key, obj.size,
			 obj.etag, len, etag);
		return -EIO;
	}
	return 0;
}

static int put_sidecar(struct ld_upload *u, const char *name, const char *key, char *why,
		       size_t whylen)
{
	char path[4400], skey[1100];
	char *json = NULL;
	size_t len = 0;
	int err;

	if (!ld_is_dump_name(name))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", u->outdir, name);
	snprintf(skey, sizeof(skey), "%s%s", key, LD_SIDECAR_SUFFIX);
	err = ld_sidecar__build(path, u->host, &json, &len);
	if (err) {
		snprintf(why, whylen, "cannot build its sidecar: %s", strerror(-err));
		return err;
	}
	err = ld_s3__put_mem(u->s3, skey, json, len, "application/json");
	free(json);
	if (err)
		snprintf(why, whylen, "sidecar: %s", ld_s3__error(u->s3));
	return err;
}

/* One queued file: 0 done (or dropped), else a failure said and put off. */
static int upload_one(struct ld_upload *u, const char *name)
{
	struct ld_spool_entry e;
	uint64_t part_size;
	char why[1400];
	struct stat st;
	bool sent;
	int fd, err;

	err = ld_spool__get(u->spool, name, &e);
	if (err) {
		/* Not one of ours: gone, and queued again by the next scan. */
		ld_warn("upload: %s/%s/%s: %s: queued again", u->outdir, LD_SPOOL_DIR, name,
			err == -EBADMSG ? "not a spool entry" : strerror(-err));
		ld_spool__remove(u->spool, name, false);
		return 0;
	}
	fd = openat(u->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		/* Nothing of ours removes a queued file: someone did; it is lost to the store. */
		printf("upload: dropped %s: %s before its upload\n", name,
		       err == ENOENT ? "removed" : strerror(err));
		fflush(stdout);
		ld_metrics__inc(u->o.metrics, LD_M_UPLOADS_FAILED);
		ld_spool__remove(u->spool, name, false);
		retry_forget(u, name);
		return 0;
	}
	if (retry_of(u, name, false))
		ld_metrics__inc(u->o.metrics, LD_M_UPLOADS_RETRIED);
	if (!e.part_size)
		e.part_size = u->part_size;
	part_size = e.part_size;
	err = put_verified(u, e.key, fd, st.st_size, &e.part_size, e.etag, sizeof(e.etag), &sent,
			   why, sizeof(why));
	/* Sent in other parts than queued: the entry says so, for the HEAD after a restart. */
	if (err && e.part_size != part_size)
		ld_spool__add(u->spool, name, &e);
	if (!err)
		err = put_sidecar(u, name, e.key, why, sizeof(why));
	if (!err) {
		e.size = st.st_size;
		err = ld_spool__done(u->spool, name, &e);
		if (err)
			snprintf(why, sizeof(why), "cannot write its done record: %s", strerror(-err));
	}
	close(fd);
	if (err) {
		if (err != -ECANCELED)
			failed(u, name, why);
		return err;
	}
	retry_forget(u, name);
	ld_metrics__inc(u->o.metrics, LD_M_UPLOADS_DONE);
	printf("uploaded: %s to s3://%s/%s (%" PRIu64 " bytes, ETag %s%s)\n", name, u->url.bucket,
	       e.key, (uint64_t)st.st_size, e.etag, sent ? "" : ", already there");
	if (u->o.delete_after) {
		if (unlinkat(u->dirfd, name, 0)) {
			ld_warn("upload: cannot remove %s/%s after its upload: %s", u->outdir, name,
				strerror(errno));
		} else {
			if (u->o.freed)
				atomic_fetch_add(u->o.freed, (uint64_t)st.st_blocks * 512);
			ld_spool__remove(u->spool, name, true);
			printf("removed: %s/%s (verified in the bucket)\n", u->outdir, name);
		}
	}
	fflush(stdout);
	return 0;
}

/* --- journals --------------------------------------------------------------- */

/* The length of @fd's first @size bytes up to and with its last newline. */
static uint64_t whole_lines(int fd, uint64_t size)
{
	char buf[4096];

	for (uint64_t end = size; end > 0;) {
		size_t n = end < sizeof(buf) ? end : sizeof(buf);
		ssize_t r = pread(fd, buf, n, end - n);

		if (r != (ssize_t)n)
			return 0;
		for (size_t i = n; i > 0; i--)
			if (buf[i - 1] == '\n')
				return end - n + i;
		end -= n;
	}
	return 0;
}

/*
 * A journal is appended to: its object is replaced by a longer copy of
 * itself (whole lines only), so the store always holds one object per
 * journal, a prefix of the file.  Ours is sent at most every
 * JOURNAL_EVERY_NS while we run, and once more at the end.
 */
static void sync_journals(struct ld_upload *u, bool final)
{
	int fd = openat(u->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	u->journals_pending = false;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && atomic_load(&u->state) != STOP) {
		struct ld_spool_entry done = { 0 }, e = { 0 };
		struct retry *r = retry_of(u, de->d_name, false);
		char why[1400];
		struct stat st;
		uint64_t len;
		bool sent;
		int jfd, err;

		if (!is_journal(de->d_name))
			continue;
		if (r && r->next_ns > now_ns() && !final) {
			u->journals_pending = true;
			continue;
		}
		jfd = openat(u->dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (jfd < 0)
			continue;
		if (fstat(jfd, &st) || !S_ISREG(st.st_mode)) {
			close(jfd);
			continue;
		}
		ld_spool__done_get(u->spool, de->d_name, &done);
		len = whole_lines(jfd, st.st_size);
		if (len == done.size) {
			close(jfd);
			continue;
		}
		e.part_size = u->part_size;
		e.queued = time(NULL);
		err = ld_upload_journal_key(e.key, sizeof(e.key), u->url.prefix, u->host, de->d_name);
		if (!err) {
			if (r)
				ld_metrics__inc(u->o.metrics, LD_M_UPLOADS_RETRIED);
			err = put_verified(u, e.key, jfd, len, &e.part_size, e.etag, sizeof(e.etag),
					   &sent, why, sizeof(why));
		} else {
			snprintf(why, sizeof(why), "key too long");
		}
		close(jfd);
		e.size = len;
		if (!err)
			err = ld_spool__done(u->spool, de->d_name, &e);
		if (err) {
			u->journals_pending = true;
			if (err != -ECANCELED)
				failed(u, de->d_name, why);
			continue;
		}
		retry_forget(u, de->d_name);
		ld_dbg("upload: journal %s: %" PRIu64 " bytes in s3://%s/%s", de->d_name, len,
		       u->url.bucket, e.key);
	}
	closedir(d);
}

/* --- the thread -------------------------------------------------------------- */

/* Works through what is due; true when nothing is left to do at all. */
static bool work(struct ld_upload *u)
{
	bool idle = true, draining = atomic_load(&u->state) == DRAIN;
	char **names;
	size_t n;

	if (ld_spool__list(u->spool, &names, &n))
		return false;
	ld_metrics__set(u->o.metrics, LD_M_UPLOAD_QUEUE, NULL, n);
	for (size_t i = 0; i < n && atomic_load(&u->state) != STOP; i++) {
		struct retry *r = retry_of(u, names[i], false);

		if (r && r->next_ns > now_ns()) {
			idle = false;
			continue;
		}
		if (upload_one(u, names[i]))
			idle = false;
	}
	ld_spool__list_free(names, n);
	if (draining || now_ns() - u->journals_at_ns >= JOURNAL_EVERY_NS || u->journals_pending) {
		/* At the stop, once without waiting for a backoff; then as the backoff says. */
		sync_journals(u, draining && !u->final_swept);
		u->final_swept = draining;
		u->journals_at_ns = now_ns();
	}
	if (!ld_spool__list(u->spool, &names, &n)) {
		ld_metrics__set(u->o.metrics, LD_M_UPLOAD_QUEUE, NULL, n);
		idle = idle && !n;
		ld_spool__list_free(names, n);
	}
	return idle && !u->journals_pending;
}

/* Until the next retry is due, at most a second. */
static int timeout_ms(const struct ld_upload *u)
{
	uint64_t now = now_ns(), next = now + 1000000000ULL;

	for (size_t i = 0; i < u->nretries; i++)
		if (u->retries[i].next_ns < next)
			next = u->retries[i].next_ns > now ? u->retries[i].next_ns : now;
	return (next - now) / 1000000 + 1;
}

static void *thread_main(void *arg)
{
	struct ld_upload *u = arg;
	uint64_t scanned = now_ns();
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	scan(u);
	for (;;) {
		struct pollfd p[2] = { { .fd = u->inotify, .events = POLLIN },
				       { .fd = u->wake, .events = POLLIN } };
		int state = atomic_load(&u->state);
		bool idle;

		if (state == STOP)
			break;
		idle = work(u);
		/*
		 * Idle counts for a drain only from a round that began draining:
		 * one begun before the stop did not send the journal's last lines.
		 */
		if (state != DRAIN)
			idle = false;
		state = atomic_load(&u->state);
		if (state == STOP || (state == DRAIN && (idle || now_ns() >= u->drain_until_ns)))
			break;
		if (poll(p, 2, state == DRAIN ? 100 : timeout_ms(u)) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			while (read(u->inotify, buf, sizeof(buf)) > 0)
				;
			scan(u);
			scanned = now_ns();
		} else if (now_ns() - scanned > RESCAN_EVERY_NS || u->inotify < 0) {
			scan(u);
			scanned = now_ns();
		}
		if (p[1].revents & POLLIN) {
			uint64_t v;

			if (read(u->wake, &v, sizeof(v)) < 0)
				v = 0;
			scan(u);	/* a stop: a dump just finished is in the last round */
		}
	}
	return NULL;
}

/* --- life -------------------------------------------------------------------- */

static int check_bucket(void *ctx, const struct ld_s3_obj *obj)
{
	(void)ctx, (void)obj;
	return 1;	/* one is enough: the bucket is there and lets us in */
}

int ld_upload__new(const struct ld_upload_opts *o, struct ld_upload **out)
{
	struct ld_upload *u = calloc(1, sizeof(*u));
	char why[600], host[256] = "", probe[1200];
	int err;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->o = *o;
	u->dirfd = u->inotify = u->wake = -1;
	snprintf(u->outdir, sizeof(u->outdir), "%s", o->outdir);
	u->part_size = o->part_size ? o->part_size : LD_UPLOAD_PART_SIZE;
	err = ld_s3_url_parse(o->url, &u->url, why, sizeof(why));
	if (err) {
		ld_err("--upload %s: %s", o->url, why);
		goto fail;
	}
	if (o->host)
		snprintf(host, sizeof(host), "%s", o->host);
	else if (gethostname(host, sizeof(host) - 1))
		host[0] = 0;
	ld_upload_host(u->host, sizeof(u->host), host);
	u->o.s3.cancel = &u->cancel;
	err = ld_s3__new(&u->o.s3, u->url.bucket, &u->s3);
	if (err) {
		ld_err("--upload %s: %s", o->url, u->s3 ? ld_s3__error(u->s3) : strerror(-err));
		goto fail;
	}
	err = ld_spool__open(o->outdir, &u->spool, why, sizeof(why));
	if (err) {
		ld_err("--upload: the spool: %s", why);
		goto fail;
	}
	u->dirfd = ld_outdir_open(o->outdir);
	if (u->dirfd < 0) {
		err = u->dirfd;
		ld_err("--upload: cannot open %s: %s", o->outdir, strerror(-err));
		goto fail;
	}
	/* One page at most: the bucket exists and takes our signature. */
	snprintf(probe, sizeof(probe), "%s%s%s/", u->url.prefix, u->url.prefix[0] ? "/" : "",
		 u->host);
	err = ld_s3__list(u->s3, probe, check_bucket, NULL);
	if (err < 0 && (err == -EACCES || err == -ENOENT || err == -EINVAL)) {
		ld_err("--upload %s: the server at %s refuses us: %s", o->url, o->s3.endpoint,
		       ld_s3__error(u->s3));
		goto fail;
	}
	if (err < 0)
		ld_warn("--upload %s: %s: uploads wait in %s/%s until it answers", o->url,
			ld_s3__error(u->s3), o->outdir, LD_SPOOL_DIR);
	u->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (u->inotify >= 0 &&
	    inotify_add_watch(u->inotify, o->outdir, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		close(u->inotify);
		u->inotify = -1;
	}
	u->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->wake < 0) {
		err = -errno;
		goto fail;
	}
	*out = u;
	return 0;
fail:
	ld_upload__free(u);
	return err < 0 ? err : -EINVAL;
}

int ld_upload__start(struct ld_upload *u)
{
	int err = pthread_create(&u->thread, NULL, thread_main, u);

	if (err) {
		ld_err("--upload: cannot start the uploader thread: %s", strerror(err));
		return -err;
	}
	u->started = true;
	return 0;
}

static void wake(struct ld_upload *u)
{
	uint64_t one = 1;

	if (write(u->wake, &one, sizeof(one)) < 0)
		ld_dbg("upload: cannot wake the uploader: %s", strerror(errno));
}

void ld_upload__stop(struct ld_upload *u, unsigned drain_ms)
{
	struct timespec ts;

	if (!u || !u->started)
		return;
	u->drain_until_ns = now_ns() + drain_ms * 1000000ULL;
	atomic_store(&u->state, DRAIN);
	wake(u);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += drain_ms / 1000 + 1;
	ts.tv_nsec += (drain_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(u->thread, NULL, &ts)) {
		/* Past the drain: the transfer in flight is cut, the spool keeps it. */
		atomic_store(&u->state, STOP);
		atomic_store(&u->cancel, 1);
		wake(u);
		pthread_join(u->thread, NULL);
	}
	u->started = false;
}

void ld_upload__free(struct ld_upload *u)
{
	if (!u)
		return;
	ld_upload__stop(u, 0);
	ld_s3__free(u->s3);
	ld_spool__free(u->spool);
	if (u->dirfd >= 0)
		close(u->dirfd);
	if (u->inotify >= 0)
		close(u->inotify);
	if (u->wake >= 0)
		close(u->wake);
	free(u->retries);
	free(u);
}
