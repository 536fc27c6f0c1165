// SPDX-License-Identifier: MIT
/*
 * livedump inspect DUMP [--json] [--data] [--force]: what a dump holds.
 * The field names of --json are an interface: docs/commands/inspect.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "base/strbuf.h"
#include "base/escape.h"
#include "cli/commands.h"
#include "dump/dump_reader.h"
#include "dump/hidden_note.h"
#include "collector/history.h"
#include "detectors/fields.h"
#include "base/json.h"
#include "base/log.h"
#include "capture/modules.h"
#include "rules/ruleval.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct inspect_opts {
	bool json;
	bool data;
	bool force;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: livedump inspect DUMP [--json] [--data] [--force]\n"
		"\n"
		"Shows the header, trigger, threads, registered regions (checksums\n"
		"verified), secondary data, file descriptors and completion record.\n"
		"\n"
		"  --json     machine-readable output (docs/commands/inspect.md)\n"
		"  --data     with --json: include region and blob bytes as hex\n"
		"  -f, --force  show what a cut dump holds instead of failing\n"
		"\n"
		"Exit status: 0 ok, 1 the file is not a whole, valid dump, 2 usage.\n");
}

/* --- shared helpers ------------------------------------------------------- */

/* ISO-8601 local time with milliseconds: 2024-05-01T12:34:56.789+02:00. */
static const char *fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t sec = ns / 1000000000ULL;
	unsigned ms = ns / 1000000ULL % 1000;
	struct tm tm;
	char date[32], zone[8];

	if (!ns || !localtime_r(&sec, &tm)) {
		snprintf(buf, len, "-");
		return buf;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	/* %z gives +0200; ISO-8601 extended form wants +02:00. */
	if (strlen(zone) == 5)
		snprintf(buf, len, "%s.%03u%.3s:%s", date, ms, zone, zone + 3);
	else
		snprintf(buf, len, "%s.%03u", date, ms);
	return buf;
}

/* A string from the dump on a terminal: control bytes become \xNN. */
/* Text from the target (comm, exe, cmdline, paths, tags): escape.h. */
static void put_safe(FILE *f, const char *s, size_t max)
{
	ld_escape_fput(f, s, max);
}

static const char *hdr_flag_names[] = {
	"size_limit", "unreadable", "no_registry", "cut", "hidden_taken", NULL, NULL, NULL,
	"snapshot", "snapshot_fallback",
};
static const char *thr_flag_names[] = { "trigger", "no_regs" };
static const char *reg_flag_names[] = { "unreadable", "truncated", "excluded", "clamped", "hidden" };
static const char *mod_flag_names[] = { "unreadable", "no_build_id" };

/* "a,b" for the set bits; unknown bits as 0x... */
static const char *fmt_flags(uint32_t flags, const char **names, size_t n,
			     char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(flags & (1U << i)) || !names[i])
			continue;
		ld_strbuf_add(buf, len, &off, "%s%s", off ? "," : "", names[i]);
		flags &= ~(1U << i);
	}
	if (flags)
		ld_strbuf_add(buf, len, &off, "%s0x%x", off ? "," : "", flags);
	if (!off)
		snprintf(buf, len, "-");
	return buf;
}

static void json_flags(struct ld_json *j, const char *key, uint32_t flags,
		       const char **names, size_t n)
{
	ld_json__key(j, key);
	ld_json__begin_array(j);
	for (size_t i = 0; i < n; i++)
		if ((flags & (1U << i)) && names[i])
			ld_json__string(j, names[i]);
	for (size_t i = 0; i < 32; i++)
		if ((flags & (1U << i)) && (i >= n || !names[i]))
			ld_json__stringf(j, "0x%x", 1U << i);
	ld_json__end_array(j);
}

/*
 * open(2) flags as "rdwr|append|cloexec".  O_LARGEFILE, which the kernel
 * sets on every 64-bit open, is left out as noise.
 */
static const char *fmt_oflags(uint32_t fl, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ O_CREAT, "creat" }, { O_APPEND, "append" }, { O_NONBLOCK, "nonblock" },
		{ O_DSYNC, "dsync" }, { O_DIRECT, "direct" },
		{ O_DIRECTORY, "directory" }, { O_NOFOLLOW, "nofollow" },
		{ O_NOATIME, "noatime" }, { O_CLOEXEC, "cloexec" }, { O_PATH, "path" },
		{ O_SYNC & ~O_DSYNC, "sync" }, { O_TMPFILE & ~O_DIRECTORY, "tmpfile" },
	};
	const char *acc = (fl & O_ACCMODE) == O_RDONLY ? "rdonly" :
			  (fl & O_ACCMODE) == O_WRONLY ? "wronly" :
			  (fl & O_ACCMODE) == O_RDWR ? "rdwr" : "accmode3";
	size_t off = 0;

	buf[0] = 0;
	ld_strbuf_add(buf, len, &off, "%s", acc);
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++)
		if (fl & bits[i].bit)
			ld_strbuf_add(buf, len, &off, "|%s", bits[i].name);
	return buf;
}

static const char *mode_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	case S_IFLNK: return "lnk";
	case 0: return "anon";
	}
	return "?";
}

static const char *prot_str(uint32_t prot, char buf[4])
{
	buf[0] = prot & 4 ? 'r' : '-';	/* PF_R */
	buf[1] = prot & 2 ? 'w' : '-';	/* PF_W */
	buf[2] = prot & 1 ? 'x' : '-';	/* PF_X */
	buf[3] = 0;
	return buf;
}

static bool is_trigger_thread(const struct ld_dump *d, const struct ld_dump_thread *t)
{
	const struct ld_note_header *h = ld_dump__header(d);

	return (t->flags & LD_THR_TRIGGER) || (h && h->tid && h->tid == t->tid);
}

/* What inspect says about a region's bytes. */
static const char *region_check(const struct ld_dump *d, size_t i, bool *crc_ok)
{
	const struct ld_dump_region *r = ld_dump__region(d, i);
	int err;

	*crc_ok = false;
	if (r->flags & LD_REG_EXCLUDED)
		return "excluded";
	if (!r->captured)
		return r->flags & LD_REG_UNREADABLE ? "unreadable" : "empty";
	err = ld_dump__verify_region(d, i, NULL);
	if (!err) {
		*crc_ok = true;
		return "ok";
	}
	if (err == -EBADMSG)
		return "mismatch";
	if (err == -ENODATA)
		return "missing";
	return "error";
}

static uint64_t memory_bytes(const struct ld_dump *d)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < ld_dump__nsegments(d); i++)
		sum += ld_dump__segment(d, i)->filesz;
	return sum;
}

/* --- text ------------------------------------------------------------------ */

/* A compressed dump: inspect shows the plain core inside, and says so. */
static void text_compression(const struct ld_dump *d)
{
	uint64_t disk;
	const char *z = ld_dump__compression(d, &disk);

	if (z)
		printf("compressed: %s, %llu bytes on disk (%.1f%%)\n", z,
		       (unsigned long long)disk,
		       ld_dump__file_size(d) ? 100.0 * disk / ld_dump__file_size(d) : 0.0);
}

/* LD_NT_CAPTURE: when the process was stopped, snapshot or why not. */
static void text_capture(const struct ld_dump *d)
{
	const struct ld_note_capture *c = ld_dump__capture_info(d);
	const struct ld_note_header *h = ld_dump__header(d);

	if (!c)
		return;
	if (c->frozen_ns && h && h->issue_time_ns && c->frozen_ns >= h->issue_time_ns) {
		/* Milliseconds after the issue: in the kernel, seen by us, held by ptrace. */
		printf("stopped:    ");
		if (c->stopped_ns >= h->issue_time_ns)
			printf("by the kernel after %.3f ms; ",
			       (c->stopped_ns - h->issue_time_ns) / 1e6);
		if (c->seen_stopped_ns >= h->issue_time_ns)
			printf("seen stopped by the collector after %.3f ms; ",
			       (c->seen_stopped_ns - h->issue_time_ns) / 1e6);
		printf("every thread held after %.3f ms\n", (c->frozen_ns - h->issue_time_ns) / 1e6);
	}
	if (c->flags & LD_CAP_SNAPSHOT)
		printf("snapshot:   yes: made in %.3f ms (pid %u); the process ran on while "
		       "the dump was written%s\n", c->snapshot_ns / 1e6, c->snapshot_pid,
		       c->nofork_bytes ? "; MADV_DONTFORK/WIPEONFORK memory read before" : "");
	else if (c->flags & LD_CAP_FALLBACK)
		printf("snapshot:   no: %s (plain capture)\n", c->fallback[0] ? c->fallback : "?");
	if (c->flags & LD_CAP_CUT)
		printf("cut:        %s; what was not read yet is left out\n",
		       c->cut[0] ? c->cut : "stopped early");
}

static void text_header(const struct ld_dump *d)
{
	const struct ld_note_header *h = ld_dump__header(d);
	const char *cmdline;
	char t1[48], t2[48], fl[96];
	size_t len;

	printf("file:       %s (%llu bytes)\n", ld_dump__path(d),
	       (unsigned long long)ld_dump__file_size(d));
	text_compression(d);
	if (!h) {
		printf("header:     missing (the dump was cut before it)\n");
		return;
	}
	printf("format:     %u.%u\n", h->format_major, h->format_minor);
	printf("capture:    %s\n", ld_dump__capture_type_name(h->capture_type));
	printf("issue:      %s  rule \"", ld_dump__issue_name(d));
	put_safe(stdout, h->rule, sizeof(h->rule));
	printf("\"  code 0x%x\n", h->code);
	printf("params:     0x%llx 0x%llx 0x%llx 0x%llx\n",
	       (unsigned long long)h->params[0], (unsigned long long)h->params[1],
	       (unsigned long long)h->params[2], (unsigned long long)h->params[3]);
	printf("process:    pid %u  tid %u  comm \"", h->pid, h->tid);
	put_safe(stdout, h->comm, sizeof(h->comm));
	printf("\"  threads %u\n", h->nthreads);
	printf("exe:        ");
	put_safe(stdout, h->exe, sizeof(h->exe));
	putchar('\n');
	cmdline = ld_dump__cmdline(d, &len);
	if (cmdline) {
		printf("cmdline:   ");
		for (size_t i = 0; i < len; i += strnlen(cmdline + i, len - i) + 1) {
			putchar(' ');
			put_safe(stdout, cmdline + i, len - i);
		}
		putchar('\n');
	}
	printf("issue time: %s\n", fmt_time(h->issue_time_ns, t1, sizeof(t1)));
	printf("captured:   %s .. %s\n", fmt_time(h->capture_start_ns, t1, sizeof(t1)),
	       fmt_time(h->capture_end_ns, t2, sizeof(t2)));
	printf("pause:      %.3f ms\n", h->pause_ns / 1e6);
	printf("host:       ");
	put_safe(stdout, h->hostname, sizeof(h->hostname));
	printf("  kernel ");
	put_safe(stdout, h->kernel_release, sizeof(h->kernel_release));
	printf("  collector ");
	put_safe(stdout, h->collector_version, sizeof(h->collector_version));
	printf("\nflags:      %s\n",
	       fmt_flags(h->flags, hdr_flag_names, ARRAY_SIZE(hdr_flag_names), fl, sizeof(fl)));
}

/* The issue as its detector decodes it: every dump explains itself. */
static void text_issue(const struct ld_dump *d)
{
	struct ld_fields *f = malloc(sizeof(*f));
	char line[LD_ESC_SIZE(LD_SUMMARY_MAX)];

	if (!f || ld_dump__decode(d, f)) {
		free(f);
		return;
	}
	printf("\n%s issue: %s\n", f->detector, ld_escape(f->summary, line, sizeof(line)));
	ld_fields__print(f, stdout, "    ");
	free(f);
}

static void json_issue(struct ld_json *j, const struct ld_dump *d)
{
	struct ld_fields *f = malloc(sizeof(*f));

	ld_json__key(j, "issue");
	if (!f || ld_dump__decode(d, f)) {
		ld_json__null(j);
		free(f);
		return;
	}
	ld_json__begin_object(j);
	ld_fields__json(f, j);
	ld_json__end_object(j);
	free(f);
}

static void text_trigger(const struct ld_dump *d)
{
	const struct ld_app_trigger *t = ld_dump__app_trigger(d);
	size_t len;

	text_issue(d);
	if (!ld_dump__trigger(d, &len) || !t)
		return;
	printf("\ntrigger:    app trigger  code 0x%x  param 0x%llx  nblobs %u\n",
	       t->req.code, (unsigned long long)t->req.param, t->req.nblobs);
	printf("            ip 0x%llx  sp 0x%llx  cpu %u  tid %u%s\n",
	       (unsigned long long)t->regs.ip, (unsigned long long)t->regs.sp,
	       t->hdr.cpu, t->hdr.tid, t->hdr.flags & LD_EVF_FROZEN ? "  frozen by BPF" : "");
}

static void text_threads(const struct ld_dump *d)
{
	size_t n = ld_dump__nthreads(d);

	printf("\nthreads (%zu):\n", n);
	if (!n)
		return;
	printf("     %-8s %-16s %-2s %-18s %s\n", "TID", "NAME", "S", "PC", "SP");
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_thread *t = ld_dump__thread(d, i);

		printf("  %c  %-8u ", is_trigger_thread(d, t) ? '*' : ' ', t->tid);
		put_safe(stdout, t->name, sizeof(t->name));
		printf("%*s %-2c ", (int)(16 - strnlen(t->name, 16)), "",
		       t->state ? t->state : '?');
		if (t->has_regs)
			printf("0x%016llx 0x%016llx\n", (unsigned long long)t->pc,
			       (unsigned long long)t->sp);
		else
			printf("%-18s -\n", "-");
	}
}

static void text_regions(const struct ld_dump *d)
{
	size_t n = ld_dump__nregions(d);
	char fl[64];

	printf("\nregions (%zu):\n", n);
	if (!n)
		return;
	printf("  %-24s %-18s %10s %10s %-10s %-10s %s\n", "NAME", "ADDR", "LEN",
	       "CAPTURED", "CRC32", "CHECK", "FLAGS");
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_region *r = ld_dump__region(d, i);
		const char *check;
		bool ok;

		check = region_check(d, i, &ok);
		printf("  ");
		put_safe(stdout, r->name, sizeof(r->name));
		printf("%*s 0x%016llx %10llu %10llu 0x%08x %-10s %s\n",
		       (int)(24 - strnlen(r->name, 24)), "", (unsigned long long)r->addr,
		       (unsigned long long)r->len, (unsigned long long)r->captured,
		       r->crc32, !strcmp(check, "mismatch") ? "MISMATCH" : check,
		       fmt_flags(r->flags, reg_flag_names, ARRAY_SIZE(reg_flag_names),
				 fl, sizeof(fl)));
	}
}

/* Up to 16 bytes as hex and as printable ASCII. */
static void preview(const unsigned char *p, size_t len)
{
	size_t n = len < 16 ? len : 16;

	for (size_t i = 0; i < n; i++)
		printf("%02x ", p[i]);
	printf("%*s|", (int)(3 * (16 - n)), "");
	for (size_t i = 0; i < n; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	printf("|%s", len > n ? "..." : "");
}

static void text_blobs(const struct ld_dump *d)
{
	size_t n = ld_dump__nblobs(d);

	printf("\nblobs (%zu):\n", n);
	if (!n)
		return;
	printf("  %-24s %10s %-5s %s\n", "TAG", "LEN", "CRC", "DATA");
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_blob *b = ld_dump__blob(d, i);

		printf("  ");
		put_safe(stdout, b->tag, sizeof(b->tag));
		printf("%*s %10llu %-5s ", (int)(24 - strnlen(b->tag, 24)), "",
		       (unsigned long long)b->len,
		       b->flags & LD_REG_UNREADABLE ? "unrd" : b->crc_ok ? "ok" : "BAD");
		preview(b->data, b->len);
		putchar('\n');
	}
}

static void text_fds(const struct ld_dump *d)
{
	size_t n = ld_dump__nfds(d);
	char fl[128];

	printf("\nfds (%zu):\n", n);
	if (!n)
		return;
	printf("  %5s %-5s %-24s %12s  %s\n", "FD", "TYPE", "FLAGS", "POS", "TARGET");
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_fd *f = ld_dump__fd(d, i);

		printf("  %5d %-5s %-24s %12llu  ", f->fd, mode_type(f->mode),
		       fmt_oflags(f->flags, fl, sizeof(fl)), (unsigned long long)f->pos);
		put_safe(stdout, f->target, SIZE_MAX);
		putchar('\n');
	}
}

static void text_modules(const struct ld_dump *d)
{
	size_t n = ld_dump__nmodules(d);
	char id[2 * LD_BUILD_ID_MAX + 1], fl[64];

	if (!n)
		return;
	printf("\nmodules (%zu):\n", n);
	printf("  %-18s %-18s %-18s %-40s %s\n", "START", "END", "BIAS", "BUILD-ID", "PATH");
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_module *m = ld_dump__module(d, i);

		printf("  0x%016llx 0x%016llx 0x%016llx %-40s ", (unsigned long long)m->start,
		       (unsigned long long)m->end, (unsigned long long)m->bias,
		       m->build_id_len ? ld_build_id_hex(m->build_id, m->build_id_len, id,
							 sizeof(id))
				       : fmt_flags(m->flags, mod_flag_names,
						   ARRAY_SIZE(mod_flag_names), fl, sizeof(fl)));
		put_safe(stdout, m->path, SIZE_MAX);
		putchar('\n');
	}
}

static void text_complete(const struct ld_dump *d)
{
	const struct ld_note_complete *c = ld_dump__complete(d);
	char t[48];

	printf("\nmapped files: %zu\n", ld_dump__nfiles(d));
	printf("memory:     %zu segments, %llu bytes\n", ld_dump__nsegments(d),
	       (unsigned long long)memory_bytes(d));
	if (!c) {
		printf("complete:   NO: %s\n", ld_dump__cut(d) ? ld_dump__cut(d) : "?");
		return;
	}
	printf("complete:   yes, %s  file %llu bytes  memory %llu bytes  "
	       "meta crc32 0x%08x\n", fmt_time(c->end_time_ns, t, sizeof(t)),
	       (unsigned long long)c->file_size, (unsigned long long)c->memory_bytes,
	       c->meta_crc32);
	printf("unreadable: %llu bytes in %u range%s\n",
	       (unsigned long long)c->unreadable_bytes, c->nranges,
	       c->nranges == 1 ? "" : "s");
	for (uint32_t i = 0; i < c->nranges; i++)
		printf("            0x%016llx +%llu\n", (unsigned long long)c->ranges[i].addr,
		       (unsigned long long)c->ranges[i].len);
}

/* --- the kernel's view (text) ------------------------------------------------ */

static const char *kstack_source(uint32_t s)
{
	switch (s) {
	case LD_KSTACK_ISSUE: return "at the issue (BPF)";
	case LD_KSTACK_WAKE: return "asleep at the issue (BPF, as it woke)";
	case LD_KSTACK_PROC: return "at capture time (/proc)";
	}
	return "?";
}

static void text_kproc(const struct ld_dump *d)
{
	const struct ld_dump_kproc *kp = ld_dump__kproc(d);
	const struct ld_note_kproc *k;

	if (!kp)
		return;
	k = &kp->k;
	printf("\nkernel:     pid %u", k->levels ? k->nstgid[0] : 0);
	if (k->levels > 1) {
		printf(" = pid %u in its own pid namespace", k->nstgid[k->levels - 1]);
		for (uint32_t i = 1; i + 1 < k->levels; i++)
			printf(" (%u in the one between)", k->nstgid[i]);
	}
	printf("  ppid %u  uid %u/%u  gid %u/%u  state %c at capture\n", k->ppid, k->uid,
	       k->euid, k->gid, k->egid, k->state ? k->state : '?');
	printf("cgroup:     ");
	put_safe(stdout, kp->cgroup[0] ? kp->cgroup : "?", SIZE_MAX);
	if (k->cgroup_id)
		printf("  (id %llu)", (unsigned long long)k->cgroup_id);
	putchar('\n');
	printf("namespaces:");
	for (unsigned i = 0; i < LD_NS_COUNT; i++)
		if (k->ns[i])
			printf(" %s:%llu%s", ld_dump__ns_name(i), (unsigned long long)k->ns[i],
			       k->ns_own & (1U << i) ? "*" : "");
	printf("\n            (* differs from the collector's)\n");
}

static void text_kstacks(const struct ld_dump *d)
{
	size_t n = ld_dump__nkstacks(d);

	if (!n)
		return;
	printf("\nkernel stacks (%zu):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct ld_dump_kstack *k = ld_dump__kstack(d, i);

		printf("  %c tid %u", k->flags & LD_KS_TRIGGER ? '*' : ' ', k->tid);
		if (k->ns_tid != k->tid)
			printf(" (%u in its pid namespace)", k->ns_tid);
		printf("  %c  %s", k->state ? k->state : '?', kstack_source(k->source));
		if (k->syscall >= 0) {
			const char *name = ld_val_syscall_name(k->syscall);

			if (name)
				printf("  in %s", name);
			else
				printf("  in syscall %d", k->syscall);
		}
		if (k->flags & LD_KS_OTHER_CTX)
			printf("  (in the context of tid %u)", k->ctx_tid);
		putchar('\n');
		if (k->flags & LD_KS_USER)
			printf("        (in user space: no kernel frames)\n");
		for (size_t f = 0; f < k->nframes; f++) {
			printf("        ");
			if (k->addrs[f])
				printf("0x%016llx ", (unsigned long long)k->addrs[f]);
			put_safe(stdout, k->syms[f], SIZE_MAX);
			putchar('\n');
		}
	}
}

/* Time of an event relative to the issue: "-12.345678 ms". */
static const char *rel_time(int64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%c%llu.%06llu ms", ns < 0 ? '-' : '+',
		 (unsigned long long)((ns < 0 ? -ns : ns) / 1000000),
		 (unsigned long long)((ns < 0 ? -ns : ns) % 1000000));
	return buf;
}

static void text_history(const struct ld_dump *d)
{
	const struct ld_dump_history *h = ld_dump__history(d);
	struct ld_hist_names names;
	uint64_t base;
	char line[512], t[48];

	ld_dump__hist_names(d, &names);
	if (!h)
		return;
	base = h->issue_ktime_ns ? h->issue_ktime_ns :
	       h->count ? h->ev[h->count - 1].ktime_ns : 0;
	printf("\nhistory (%u events of %llu recorded; %u asked, %u kept per process; ", h->count,
	       (unsigned long long)h->total, h->wanted, h->depth);
	if (!(h->flags & LD_HISTF_FROZEN))
		printf("not frozen: as it was at capture");
	else if (h->frozen_ktime_ns == h->issue_ktime_ns || !h->issue_ktime_ns)
		printf("frozen at the issue");
	else
		printf("frozen by an earlier issue %s before", rel_time((int64_t)(h->issue_ktime_ns -
			h->frozen_ktime_ns), t, sizeof(t)) + 1);
	printf("%s):\n", h->flags & LD_HISTF_WRAPPED ? "; older ones overwritten" : "");
	if (h->dropped)
		printf("  (%llu events were not recorded while an earlier issue had frozen it)\n",
		       (unsigned long long)h->dropped);
	if (!h->count)
		return;
	printf("  %-17s %-8s %-3s %-8s %s\n", "TIME", "TID", "CPU", "EVENT", "");
	for (uint32_t i = 0; i < h->count; i++) {
		const struct ld_hist_ev *e = &h->ev[i];

		ld_hist_format(e, &names, line, sizeof(line));
		printf("  %17s %-8u %-3u %-8s ", rel_time((int64_t)(e->ktime_ns - base), t,
							  sizeof(t)),
		       e->tid, e->cpu, ld_hist_type_name(e->type));
		put_safe(stdout, line, SIZE_MAX);
		putchar('\n');
	}
}

static int print_text(const struct ld_dump *d)
{
	text_header(d);
	text_capture(d);
	text_trigger(d);
	text_threads(d);
	text_regions(d);
	text_blobs(d);
	ld_dump_hidden__print(d, stdout);
	text_fds(d);
	text_modules(d);
	text_kproc(d);
	text_kstacks(d);
	text_history(d);
	text_complete(d);
	if (fflush(stdout) || ferror(stdout))
		return -EIO;
	return 0;
}

/* --- JSON ------------------------------------------------------------------ */

/* A time as ISO-8601 and as exact nanoseconds (a decimal string: > 2^53). */
static void json_time(struct ld_json *j, const char *key, uint64_t ns)
{
	char buf[48], nskey[48];

	snprintf(nskey, sizeof(nskey), "%s_ns", key);
	ld_json__key(j, key);
	if (ns)
		ld_json__string(j, fmt_time(ns, buf, sizeof(buf)));
	else
		ld_json__null(j);
	ld_json__key(j, nskey);
	ld_json__stringf(j, "%llu", (unsigned long long)ns);
}

static void json_header(struct ld_json *j, const struct ld_dump *d)
{
	const struct ld_note_header *h = ld_dump__header(d);

	ld_json__key(j, "header");
	if (!h) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_object(j);
	ld_json__kstr(j, "capture_type", ld_dump__capture_type_name(h->capture_type));
	ld_json__kstr(j, "issue_type", ld_dump__issue_name(d));
	ld_json__kstr(j, "rule", h->rule);
	ld_json__kuint(j, "code", h->code);
	ld_json__key(j, "code_hex");
	ld_json__stringf(j, "0x%x", h->code);
	ld_json__key(j, "params");
	ld_json__begin_array(j);
	for (int i = 0; i < 4; i++)
		ld_json__hex(j, h->params[i]);
	ld_json__end_array(j);
	ld_json__kuint(j, "pid", h->pid);
	ld_json__kuint(j, "tid", h->tid);
	ld_json__kuint(j, "nthreads", h->nthreads);
	ld_json__kstr(j, "comm", h->comm);
	ld_json__kstr(j, "exe", h->exe);
	json_time(j, "issue_time", h->issue_time_ns);
	json_time(j, "capture_start", h->capture_start_ns);
	json_time(j, "capture_end", h->capture_end_ns);
	ld_json__kuint(j, "pause_ns", h->pause_ns);
	ld_json__kstr(j, "hostname", h->hostname);
	ld_json__kstr(j, "kernel", h->kernel_release);
	ld_json__kstr(j, "collector_version", h->collector_version);
	json_flags(j, "flags", h->flags, hdr_flag_names, ARRAY_SIZE(hdr_flag_names));
	ld_json__kuint(j, "size", h->size);
	ld_json__end_object(j);
}

static void json_compression(struct ld_json *j, const struct ld_dump *d)
{
	uint64_t disk;
	const char *z = ld_dump__compression(d, &disk);

	ld_json__key(j, "compression");
	if (!z) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_object(j);
	ld_json__kstr(j, "format", z);
	ld_json__kuint(j, "disk_size", disk);
	ld_json__end_object(j);
}

static void json_capture(struct ld_json *j, const struct ld_dump *d)
{
	const struct ld_note_capture *c = ld_dump__capture_info(d);

	ld_json__key(j, "capture");
	if (!c) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_object(j);
	json_time(j, "frozen", c->frozen_ns);
	json_time(j, "seen_stopped", c->seen_stopped_ns);
	json_time(j, "stopped", c->stopped_ns);
	ld_json__kbool(j, "snapshot", c->flags & LD_CAP_SNAPSHOT);
	ld_json__kbool(j, "fallback", c->flags & LD_CAP_FALLBACK);
	ld_json__kuint(j, "snapshot_ns", c->snapshot_ns);
	ld_json__kuint(j, "snapshot_pid", c->snapshot_pid);
	ld_json__kint(j, "snapshot_errno", c->snapshot_err);
	ld_json__key(j, "fallback_reason");
	if (c->flags & LD_CAP_FALLBACK)
		ld_json__string(j, c->fallback);
	else
		ld_json__null(j);
	ld_json__kuint(j, "nofork_bytes", c->nofork_bytes);
	ld_json__kbool(j, "cut", c->flags & LD_CAP_CUT);
	ld_json__key(j, "cut_reason");
	if (c->flags & LD_CAP_CUT)
		ld_json__string(j, c->cut);
	else
		ld_json__null(j);
	ld_json__end_object(j);
}

static void json_cmdline(struct ld_json *j, const struct ld_dump *d)
{
	size_t len;
	const char *s = ld_dump__cmdline(d, &len);

	ld_json__key(j, "cmdline");
	if (!s) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_array(j);
	for (size_t i = 0; i < len; ) {
		size_t n = strnlen(s + i, len - i);

		ld_json__string_len(j, s + i, n);
		i += n + 1;
	}
	ld_json__end_array(j);
}

static void json_trigger(struct ld_json *j, const struct ld_dump *d, bool data)
{
	const struct ld_app_trigger *t = ld_dump__app_trigger(d);
	size_t len;
	const void *raw = ld_dump__trigger(d, &len);

	ld_json__key(j, "trigger");
	if (!raw) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_object(j);
	ld_json__kuint(j, "len", len);
	if (t) {
		ld_json__kstr(j, "type", "app_trigger");
		ld_json__kuint(j, "pid", t->hdr.pid);
		ld_json__kuint(j, "tid", t->hdr.tid);
		ld_json__kuint(j, "cpu", t->hdr.cpu);
		ld_json__kstr(j, "comm", t->hdr.comm);
		ld_json__kbool(j, "frozen", t->hdr.flags & LD_EVF_FROZEN);
		ld_json__key(j, "ktime_ns");
		ld_json__stringf(j, "%llu", (unsigned long long)t->hdr.ktime_ns);
		ld_json__kuint(j, "code", t->req.code);
		ld_json__key(j, "code_hex");
		ld_json__stringf(j, "0x%x", t->req.code);
		ld_json__khex(j, "param", t->req.param);
		ld_json__kuint(j, "nblobs", t->req.nblobs);
		ld_json__khex(j, "req_addr", t->req_addr);
		ld_json__khex(j, "ip", t->regs.ip);
		ld_json__khex(j, "sp", t->regs.sp);
		ld_json__key(j, "blobs");
		ld_json__begin_array(j);
		for (unsigned i = 0; i < t->req.nblobs; i++) {
			ld_json__begin_object(j);
			ld_json__khex(j, "tag_addr", t->blobs[i].tag);
			ld_json__khex(j, "data_addr", t->blobs[i].data);
			ld_json__kuint(j, "len", t->blobs[i].len);
			ld_json__end_object(j);
		}
		ld_json__end_array(j);
	} else {
		ld_json__kstr(j, "type", "unknown");
	}
	if (data) {
		ld_json__key(j, "data_hex");
		ld_json__hexbytes(j, raw, len);
	}
	ld_json__end_object(j);
}

static void json_threads(struct ld_json *j, const struct ld_dump *d)
{
	ld_json__key(j, "threads");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nthreads(d); i++) {
		const struct ld_dump_thread *t = ld_dump__thread(d, i);

		ld_json__begin_object(j);
		ld_json__kuint(j, "tid", t->tid);
		ld_json__kstr(j, "name", t->name);
		ld_json__key(j, "state");
		if (t->state)
			ld_json__string_len(j, &t->state, 1);
		else
			ld_json__null(j);
		ld_json__kbool(j, "trigger", is_trigger_thread(d, t));
		json_flags(j, "flags", t->flags, thr_flag_names, ARRAY_SIZE(thr_flag_names));
		ld_json__kbool(j, "in_table", t->in_table);
		ld_json__kint(j, "syscall", t->syscall);
		ld_json__kbool(j, "has_regs", t->has_regs);
		if (t->has_regs) {
			ld_json__khex(j, "pc", t->pc);
			ld_json__khex(j, "sp", t->sp);
		} else {
			ld_json__knull(j, "pc");
			ld_json__knull(j, "sp");
		}
		ld_json__kint(j, "signal", t->cursig);
		ld_json__khex(j, "stack_lo", t->stack_lo);
		ld_json__khex(j, "stack_hi", t->stack_hi);
		ld_json__kbool(j, "has_fpregs", t->has_fp);
		ld_json__kuint(j, "xstate_len", t->xstate_len);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

/* The region's bytes as the dump holds them (unreadable pages left out). */
static void json_region_data(struct ld_json *j, const struct ld_dump *d,
			     const struct ld_dump_region *r)
{
	unsigned char *buf = r->captured ? malloc(r->captured) : NULL;
	long got = buf ? ld_dump__read_mem(d, r->addr, buf, r->captured) : 0;

	ld_json__key(j, "data_hex");
	ld_json__hexbytes(j, buf, got > 0 ? got : 0);
	free(buf);
}

static void json_regions(struct ld_json *j, const struct ld_dump *d, bool data)
{
	ld_json__key(j, "regions");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nregions(d); i++) {
		const struct ld_dump_region *r = ld_dump__region(d, i);
		const char *check;
		bool ok;

		check = region_check(d, i, &ok);
		ld_json__begin_object(j);
		ld_json__kstr(j, "name", r->name);
		ld_json__khex(j, "addr", r->addr);
		ld_json__kuint(j, "len", r->len);
		ld_json__kuint(j, "captured", r->captured);
		ld_json__key(j, "crc32");
		ld_json__stringf(j, "0x%08x", r->crc32);
		ld_json__key(j, "crc_ok");
		if (!strcmp(check, "ok") || !strcmp(check, "mismatch"))
			ld_json__bool(j, ok);
		else
			ld_json__null(j);
		ld_json__kstr(j, "check", check);
		json_flags(j, "flags", r->flags, reg_flag_names, ARRAY_SIZE(reg_flag_names));
		if (data)
			json_region_data(j, d, r);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static void json_blobs(struct ld_json *j, const struct ld_dump *d, bool data)
{
	ld_json__key(j, "blobs");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nblobs(d); i++) {
		const struct ld_dump_blob *b = ld_dump__blob(d, i);

		ld_json__begin_object(j);
		ld_json__kstr(j, "tag", b->tag);
		ld_json__khex(j, "addr", b->addr);
		ld_json__kuint(j, "len", b->len);
		ld_json__key(j, "crc32");
		ld_json__stringf(j, "0x%08x", b->crc32);
		ld_json__kbool(j, "crc_ok", b->crc_ok);
		json_flags(j, "flags", b->flags, reg_flag_names, ARRAY_SIZE(reg_flag_names));
		if (data) {
			ld_json__key(j, "data_hex");
			ld_json__hexbytes(j, b->data, b->len);
		}
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static void json_fds(struct ld_json *j, const struct ld_dump *d)
{
	char fl[128];

	ld_json__key(j, "fds");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nfds(d); i++) {
		const struct ld_dump_fd *f = ld_dump__fd(d, i);

		ld_json__begin_object(j);
		ld_json__kint(j, "fd", f->fd);
		ld_json__kstr(j, "type", mode_type(f->mode));
		ld_json__kuint(j, "mode", f->mode);
		ld_json__kuint(j, "flags", f->flags);
		ld_json__kstr(j, "flags_text", fmt_oflags(f->flags, fl, sizeof(fl)));
		ld_json__kuint(j, "pos", f->pos);
		ld_json__kuint(j, "ino", f->ino);
		ld_json__kstr(j, "target", f->target);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static void json_memory(struct ld_json *j, const struct ld_dump *d)
{
	char prot[4];

	ld_json__key(j, "files");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nfiles(d); i++) {
		const struct ld_dump_file *f = ld_dump__file(d, i);

		ld_json__begin_object(j);
		ld_json__khex(j, "start", f->start);
		ld_json__khex(j, "end", f->end);
		ld_json__kuint(j, "offset", f->offset);
		ld_json__kstr(j, "name", f->name);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
	ld_json__key(j, "segments");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nsegments(d); i++) {
		const struct ld_dump_segment *s = ld_dump__segment(d, i);

		ld_json__begin_object(j);
		ld_json__khex(j, "vaddr", s->vaddr);
		ld_json__kuint(j, "memsz", s->memsz);
		ld_json__kuint(j, "offset", s->offset);
		ld_json__kuint(j, "filesz", s->filesz);
		ld_json__kuint(j, "avail", s->avail);
		ld_json__kstr(j, "prot", prot_str(s->prot, prot));
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
	ld_json__kuint(j, "memory_bytes", memory_bytes(d));
}

static void json_modules(struct ld_json *j, const struct ld_dump *d)
{
	char id[2 * LD_BUILD_ID_MAX + 1];

	ld_json__key(j, "modules");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nmodules(d); i++) {
		const struct ld_dump_module *m = ld_dump__module(d, i);

		ld_json__begin_object(j);
		ld_json__khex(j, "start", m->start);
		ld_json__khex(j, "end", m->end);
		ld_json__khex(j, "bias", m->bias);
		ld_json__key(j, "build_id");
		if (m->build_id_len)
			ld_json__string(j, ld_build_id_hex(m->build_id, m->build_id_len, id,
							   sizeof(id)));
		else
			ld_json__null(j);
		json_flags(j, "flags", m->flags, mod_flag_names, ARRAY_SIZE(mod_flag_names));
		ld_json__kstr(j, "path", m->path);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static void json_complete(struct ld_json *j, const struct ld_dump *d)
{
	const struct ld_note_complete *c = ld_dump__complete(d);

	ld_json__kstr(j, "cut", ld_dump__cut(d));
	ld_json__key(j, "complete");
	if (!c) {
		ld_json__null(j);
		return;
	}
	ld_json__begin_object(j);
	ld_json__kuint(j, "file_size", c->file_size);
	ld_json__kuint(j, "memory_bytes", c->memory_bytes);
	ld_json__kuint(j, "unreadable_bytes", c->unreadable_bytes);
	ld_json__key(j, "meta_crc32");
	ld_json__stringf(j, "0x%08x", c->meta_crc32);
	json_time(j, "end_time", c->end_time_ns);
	ld_json__key(j, "unreadable");
	ld_json__begin_array(j);
	for (uint32_t i = 0; i < c->nranges; i++) {
		ld_json__begin_object(j);
		ld_json__khex(j, "addr", c->ranges[i].addr);
		ld_json__kuint(j, "len", c->ranges[i].len);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
	ld_json__end_object(j);
}

/* --- the kernel's view (JSON) ------------------------------------------------ */

static void json_kproc(struct ld_json *j, const struct ld_dump *d)
{
	const struct ld_dump_kproc *kp = ld_dump__kproc(d);
	const struct ld_note_kproc *k;

	ld_json__key(j, "kernel");
	if (!kp) {
		ld_json__null(j);
		return;
	}
	k = &kp->k;
	ld_json__begin_object(j);
	ld_json__key(j, "pids");
	ld_json__begin_array(j);
	for (uint32_t i = 0; i < k->levels; i++)
		ld_json__uint(j, k->nstgid[i]);
	ld_json__end_array(j);
	ld_json__kuint(j, "pid", k->levels ? k->nstgid[0] : 0);
	ld_json__kuint(j, "ns_pid", k->levels ? k->nstgid[k->levels - 1] : 0);
	ld_json__kuint(j, "ppid", k->ppid);
	ld_json__kuint(j, "uid", k->uid);
	ld_json__kuint(j, "euid", k->euid);
	ld_json__kuint(j, "gid", k->gid);
	ld_json__kuint(j, "egid", k->egid);
	ld_json__key(j, "state");
	if (k->state)
		ld_json__string_len(j, &k->state, 1);
	else
		ld_json__null(j);
	ld_json__kstr(j, "cgroup", kp->cgroup);
	ld_json__kuint(j, "cgroup_id", k->cgroup_id);
	ld_json__kstr(j, "cgroups", kp->cgroups);
	ld_json__key(j, "namespaces");
	ld_json__begin_object(j);
	for (unsigned i = 0; i < LD_NS_COUNT; i++) {
		ld_json__key(j, ld_dump__ns_name(i));
		ld_json__begin_object(j);
		ld_json__kuint(j, "inode", k->ns[i]);
		ld_json__kbool(j, "own", k->ns_own & (1U << i));
		ld_json__end_object(j);
	}
	ld_json__end_object(j);
	ld_json__end_object(j);
}

static const char *kstack_source_key(uint32_t s)
{
	switch (s) {
	case LD_KSTACK_ISSUE: return "issue";
	case LD_KSTACK_WAKE: return "wake";
	case LD_KSTACK_PROC: return "proc";
	}
	return "?";
}

static void json_kstacks(struct ld_json *j, const struct ld_dump *d)
{
	ld_json__key(j, "kernel_stacks");
	ld_json__begin_array(j);
	for (size_t i = 0; i < ld_dump__nkstacks(d); i++) {
		const struct ld_dump_kstack *k = ld_dump__kstack(d, i);

		ld_json__begin_object(j);
		ld_json__kuint(j, "tid", k->tid);
		ld_json__kuint(j, "ns_tid", k->ns_tid);
		ld_json__kbool(j, "trigger", k->flags & LD_KS_TRIGGER);
		ld_json__kstr(j, "source", kstack_source_key(k->source));
		ld_json__key(j, "state");
		if (k->state)
			ld_json__string_len(j, &k->state, 1);
		else
			ld_json__null(j);
		ld_json__kint(j, "syscall", k->syscall);
		ld_json__kstr(j, "syscall_name", k->syscall >= 0 ?
			      ld_val_syscall_name(k->syscall) : NULL);
		ld_json__kuint(j, "ctx_tid", k->ctx_tid);
		ld_json__kbool(j, "user", k->flags & LD_KS_USER);
		ld_json__key(j, "ktime_ns");
		ld_json__stringf(j, "%llu", (unsigned long long)k->ktime_ns);
		ld_json__key(j, "frames");
		ld_json__begin_array(j);
		for (size_t f = 0; f < k->nframes; f++) {
			ld_json__begin_object(j);
			if (k->addrs[f])
				ld_json__khex(j, "addr", k->addrs[f]);
			else
				ld_json__knull(j, "addr");
			ld_json__kstr(j, "sym", k->syms[f]);
			ld_json__end_object(j);
		}
		ld_json__end_array(j);
		ld_json__end_object(j);
	}
	ld_json__end_array(j);
}

static void json_hist_event(struct ld_json *j, const struct ld_hist_ev *e, uint64_t base,
			    const struct ld_hist_names *names)
{
	char line[512], name[32];

	ld_json__begin_object(j);
	ld_json__kstr(j, "type", ld_hist_type_name(e->type));
	ld_json__kint(j, "time_ns", (int64_t)(e->ktime_ns - base));
	ld_json__key(j, "ktime_ns");
	ld_json__stringf(j, "%llu", (unsigned long long)e->ktime_ns);
	ld_json__kuint(j, "tid", e->tid);
	ld_json__kuint(j, "cpu", e->cpu);
	ld_json__kuint(j, "flags", e->flags);
	switch (e->type) {
	case LD_HEV_SYSCALL:
		ld_json__kuint(j, "nr", e->u.sys.nr);
		ld_json__kstr(j, "name", ld_val_syscall_name(e->u.sys.nr));
		ld_json__key(j, "args");
		ld_json__begin_array(j);
		for (int a = 0; a < 6; a++)
			ld_json__hex(j, e->u.sys.args[a]);
		ld_json__end_array(j);
		if (e->flags & LD_HEVF_STR) {
			ld_json__kstr_len(j, "path", e->u.sys.str,
					  strnlen(e->u.sys.str, sizeof(e->u.sys.str)));
			ld_json__kuint(j, "path_arg", e->u.sys.str_arg);
			ld_json__kbool(j, "path_cut", e->flags & LD_HEVF_STR_CUT);
		}
		if (e->flags & LD_HEVF_NORETURN) {
			ld_json__knull(j, "ret");
		} else {
			ld_json__kint(j, "ret", e->u.sys.ret);
			if (e->u.sys.ret < 0 && e->u.sys.ret >= -4095 &&
			    !ld_val_errno_name(-e->u.sys.ret, name, sizeof(name)))
				ld_json__kstr(j, "errno", name);
			ld_json__kuint(j, "dur_ns", e->u.sys.dur_ns);
		}
		break;
	case LD_HEV_SIGNAL_GEN:
	case LD_HEV_SIGNAL_DELIVER:
		ld_json__kint(j, "sig", e->u.sig.sig);
		if (!ld_val_signal_name(e->u.sig.sig, name, sizeof(name)))
			ld_json__kstr(j, "sig_name", name);
		ld_json__kint(j, "code", e->u.sig.code);
		ld_json__kstr(j, "code_name", ld_hist_si_code_name(e->u.sig.code));
		ld_json__kint(j, "errno", e->u.sig.err);
		ld_json__khex(j, "addr", e->u.sig.addr);
		if (e->type == LD_HEV_SIGNAL_GEN) {
			ld_json__kint(j, "result", e->u.sig.result);
			ld_json__kbool(j, "group", e->flags & LD_HEVF_GROUP);
			ld_json__kuint(j, "sender_pid", e->u.sig.sender_pid);
			ld_json__kuint(j, "sender_tid", e->u.sig.sender_tid);
			ld_json__kstr_len(j, "sender_comm", e->u.sig.sender_comm,
					  strnlen(e->u.sig.sender_comm, LD_COMM_LEN));
		} else {
			ld_json__khex(j, "handler", e->u.sig.handler);
			ld_json__khex(j, "sa_flags", e->u.sig.sa_flags);
		}
		break;
	case LD_HEV_SWITCH:
		ld_json__kstr(j, "state", ld_task_state_name(e->u.sw.state,
							     e->flags & LD_HEVF_PREEMPT));
		ld_json__kuint(j, "state_bits", e->u.sw.state);
		ld_json__kbool(j, "preempted", e->flags & LD_HEVF_PREEMPT);
		ld_json__kint(j, "syscall", e->u.sw.syscall);
		if (e->flags & LD_HEVF_DONE)
			ld_json__kuint(j, "off_cpu_ns", e->u.sw.off_cpu_ns);
		else
			ld_json__knull(j, "off_cpu_ns");
		ld_json__kuint(j, "next_tid", e->u.sw.next_tid);
		ld_json__kstr_len(j, "next_comm", e->u.sw.next_comm,
				  strnlen(e->u.sw.next_comm, LD_COMM_LEN));
		break;
	case LD_HEV_BLOCK:
		ld_json__kuint(j, "dev_major", e->u.blk.dev >> 20);
		ld_json__kuint(j, "dev_minor", e->u.blk.dev & 0xfffff);
		ld_json__kuint(j, "op", e->u.blk.op);
		ld_json__kuint(j, "sector", e->u.blk.sector);
		ld_json__kuint(j, "bytes", e->u.blk.bytes);
		ld_json__kbool(j, "done", e->flags & LD_HEVF_DONE);
		ld_json__kint(j, "status", e->u.blk.error);
		ld_json__kuint(j, "latency_ns", e->u.blk.latency_ns);
		break;
	case LD_HEV_TRIGGER:
		ld_json__kuint(j, "event", e->u.trig.event);
		ld_json__kuint(j, "rule", e->u.trig.rule);
		ld_json__kuint(j, "verdict", e->u.trig.verdict);
		ld_json__khex(j, "code", e->u.trig.code);
		ld_json__khex(j, "param", e->u.trig.param);
		ld_json__kbool(j, "froze", e->flags & LD_HEVF_FROZE);
		break;
	case LD_HEV_EXEC:
		ld_json__kuint(j, "old_tid", e->u.exec.old_tid);
		ld_json__kstr_len(j, "comm", e->u.exec.comm, strnlen(e->u.exec.comm, LD_COMM_LEN));
		break;
	}
	ld_hist_format(e, names, line, sizeof(line));
	ld_json__kstr(j, "text", line);
	ld_json__end_object(j);
}

static void json_history(struct ld_json *j, const struct ld_dump *d)
{
	const struct ld_dump_history *h = ld_dump__history(d);
	struct ld_hist_names names;
	uint64_t base;

	ld_json__key(j, "history");
	ld_dump__hist_names(d, &names);
	if (!h) {
		ld_json__null(j);
		return;
	}
	base = h->issue_ktime_ns ? h->issue_ktime_ns :
	       h->count ? h->ev[h->count - 1].ktime_ns : 0;
	ld_json__begin_object(j);
	ld_json__kuint(j, "count", h->count);
	ld_json__kuint(j, "depth", h->depth);
	ld_json__kuint(j, "wanted", h->wanted);
	ld_json__kbool(j, "frozen", h->flags & LD_HISTF_FROZEN);
	ld_json__kbool(j, "wrapped", h->flags & LD_HISTF_WRAPPED);
	ld_json__kuint(j, "total", h->total);
	ld_json__kuint(j, "dropped", h->dropped);
	ld_json__key(j, "issue_ktime_ns");
	ld_json__stringf(j, "%llu", (unsigned long long)h->issue_ktime_ns);
	ld_json__key(j, "frozen_ktime_ns");
	ld_json__stringf(j, "%llu", (unsigned long long)h->frozen_ktime_ns);
	ld_json__key(j, "realtime_offset_ns");
	ld_json__stringf(j, "%llu", (unsigned long long)h->realtime_offset_ns);
	ld_json__key(j, "events");
	ld_json__begin_array(j);
	for (uint32_t i = 0; i < h->count; i++)
		json_hist_event(j, &h->ev[i], base, &names);
	ld_json__end_array(j);
	ld_json__end_object(j);
}

static int print_json(const struct ld_dump *d, const struct inspect_opts *o)
{
	const struct ld_note_header *h = ld_dump__header(d);
	struct ld_json j;

	ld_json__init(&j, stdout, LD_JSON_PRETTY);
	ld_json__begin_object(&j);
	ld_json__kstr(&j, "file", ld_dump__path(d));
	ld_json__kuint(&j, "file_size", ld_dump__file_size(d));
	ld_json__key(&j, "format");
	if (h) {
		ld_json__begin_object(&j);
		ld_json__kuint(&j, "major", h->format_major);
		ld_json__kuint(&j, "minor", h->format_minor);
		ld_json__end_object(&j);
	} else {
		ld_json__null(&j);
	}
	json_compression(&j, d);
	json_header(&j, d);
	json_capture(&j, d);
	json_cmdline(&j, d);
	json_issue(&j, d);
	json_trigger(&j, d, o->data);
	json_threads(&j, d);
	json_regions(&j, d, o->data);
	json_blobs(&j, d, o->data);
	ld_dump_hidden__json(d, &j);
	json_fds(&j, d);
	json_memory(&j, d);
	json_modules(&j, d);
	json_kproc(&j, d);
	json_kstacks(&j, d);
	json_history(&j, d);
	json_complete(&j, d);
	ld_json__end_object(&j);
	return ld_json__end(&j);
}

/* --- command --------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct inspect_opts *o, const char **path)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "data", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;	/* a fresh scan, also when called twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'd': o->data = true; break;
		case 'f': o->force = true; break;
		case 'h': usage(stdout); return 0;
		default:
			ld_err("inspect: unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	/* Options may also follow the dump: DUMP --json. */
	for (; optind < argc; optind++) {
		const char *a = argv[optind];

		if (!strcmp(a, "--json"))
			o->json = true;
		else if (!strcmp(a, "--data"))
			o->data = true;
		else if (!strcmp(a, "--force") || !strcmp(a, "-f"))
			o->force = true;
		else if (a[0] == '-' && a[1]) {
			ld_err("inspect: unknown option '%s'", a);
			usage(stderr);
			return 2;
		} else if (*path) {
			ld_err("inspect: one dump at a time ('%s' and '%s')", *path, a);
			return 2;
		} else {
			*path = a;
		}
	}
	if (!*path) {
		usage(stderr);
		return 2;
	}
	return -1;
}

int cmd_inspect(int argc, char **argv)
{
	struct inspect_opts o = { 0 };
	const char *path = NULL;
	struct ld_dump *d;
	char err[512];
	int ret;

	ret = parse_args(argc, argv, &o, &path);
	if (ret >= 0)
		return ret;
	ret = ld_dump__open_flags(path, o.force ? LD_OPEN_ALLOW_CUT : 0, &d, err, sizeof(err));
	if (ret) {
		ld_err("%s", err);
		return 1;
	}
	if (ld_dump__cut(d))
		ld_warn("%s", ld_dump__cut(d));
	ret = o.json ? print_json(d, &o) : print_text(d);
	ld_dump__free(d);
	if (ret) {
		ld_err("inspect: writing the output failed");
		return 1;
	}
	return 0;
}
