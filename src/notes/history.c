// SPDX-License-Identifier: MIT
/*
 * LD_NT_HISTORY: the flight recorder's events of the process up to the
 * issue (struct ld_note_history + struct ld_hist_ev[], kabi/history.h):
 * syscalls, signals, context switches, block I/O, triggers, execs.  Each
 * event shows as one line of text (ld_hist_format) and, in JSON, its
 * fields as well.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump/reader_priv.h"
#include "notes/note.h"
#include "base/view.h"
#include "collector/history.h"
#include "rules/ruleval.h"

static int parse_history(struct ld_dump *d, const struct ld_dump_note *n)
{
	struct kview_data *kv = &d->kv;
	struct ld_note_history h;
	const unsigned char *p;
	int err = ld_rd_once_slot(d, n, &kv->hist_note);

	if (!err)
		err = ld_rd_need(d, n, sizeof(h));
	if (err)
		return err;
	memcpy(&h, n->desc, sizeof(h));
	if (h.size < sizeof(h) || h.size > n->descsz)
		return ld_rd_note_fail(d, n, "size field %u, expected %zu..%u", h.size, sizeof(h),
				 n->descsz);
	if (h.entry_size < sizeof(struct ld_hist_ev))
		return ld_rd_note_fail(d, n, "entry_size %u, at least %zu expected", h.entry_size,
				 sizeof(struct ld_hist_ev));
	if ((uint64_t)h.count * h.entry_size > n->descsz - h.size)
		return ld_rd_note_fail(d, n, "%u events of %u bytes do not fit in %u bytes", h.count,
				 h.entry_size, n->descsz - h.size);
	kv->ev = calloc(h.count ? h.count : 1, sizeof(*kv->ev));
	if (!kv->ev)
		return ld_rd_fail(d, -ENOMEM, "out of memory for %u history events", h.count);
	p = (const unsigned char *)n->desc + h.size;
	for (uint32_t i = 0; i < h.count; i++, p += h.entry_size)
		memcpy(&kv->ev[i], p, sizeof(kv->ev[i]));
	kv->hist = (struct ld_dump_history){
		.count = h.count, .depth = h.depth, .wanted = h.wanted, .flags = h.flags,
		.issue_ktime_ns = h.issue_ktime_ns, .frozen_ktime_ns = h.frozen_ktime_ns,
		.total = h.total, .dropped = h.dropped,
		.realtime_offset_ns = h.realtime_offset_ns, .ev = kv->ev,
	};
	return 0;
}

/* Time of an event relative to the issue: "-12.345678 ms". */
static const char *rel_time(int64_t ns, char *buf, size_t len)
{
	/* Negated as unsigned: event times are the file's, INT64_MIN among them. */
	uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	snprintf(buf, len, "%c%llu.%06llu ms", ns < 0 ? '-' : '+',
		 (unsigned long long)(mag / 1000000), (unsigned long long)(mag % 1000000));
	return buf;
}

static void show_syscall(struct ld_view *v, const struct ld_hist_ev *e)
{
	char name[32];

	ld_view__uint(v, "nr", NULL, e->u.sys.nr);
	ld_view__str(v, "name", NULL, ld_val_syscall_name(e->u.sys.nr));
	ld_view__array(v, "args");
	for (int a = 0; a < 6; a++)
		ld_view__hex(v, "", NULL, e->u.sys.args[a]);
	ld_view__array_end(v);
	if (e->flags & LD_HEVF_STR) {
		ld_view__strn(v, "path", NULL, e->u.sys.str, sizeof(e->u.sys.str));
		ld_view__uint(v, "path_arg", NULL, e->u.sys.str_arg);
		ld_view__bool(v, "path_cut", NULL, e->flags & LD_HEVF_STR_CUT);
	}
	if (e->flags & LD_HEVF_NORETURN) {
		ld_view__null(v, "ret", NULL);
		return;
	}
	ld_view__int(v, "ret", NULL, e->u.sys.ret);
	if (e->u.sys.ret < 0 && e->u.sys.ret >= -4095 &&
	    !ld_val_errno_name(-e->u.sys.ret, name, sizeof(name)))
		ld_view__str(v, "errno", NULL, name);
	ld_view__uint(v, "dur_ns", NULL, e->u.sys.dur_ns);
}

static void show_signal(struct ld_view *v, const struct ld_hist_ev *e)
{
	char name[32];

	ld_view__int(v, "sig", NULL, e->u.sig.sig);
	if (!ld_val_signal_name(e->u.sig.sig, name, sizeof(name)))
		ld_view__str(v, "sig_name", NULL, name);
	ld_view__int(v, "code", NULL, e->u.sig.code);
	ld_view__str(v, "code_name", NULL, ld_hist_si_code_name(e->u.sig.code));
	ld_view__int(v, "errno", NULL, e->u.sig.err);
	ld_view__hex(v, "addr", NULL, e->u.sig.addr);
	if (e->type == LD_HEV_SIGNAL_GEN) {
		ld_view__int(v, "result", NULL, e->u.sig.result);
		ld_view__bool(v, "group", NULL, e->flags & LD_HEVF_GROUP);
		ld_view__uint(v, "sender_pid", NULL, e->u.sig.sender_pid);
		ld_view__uint(v, "sender_tid", NULL, e->u.sig.sender_tid);
		ld_view__strn(v, "sender_comm", NULL, e->u.sig.sender_comm, LD_COMM_LEN);
	} else {
		ld_view__hex(v, "handler", NULL, e->u.sig.handler);
		ld_view__hex(v, "sa_flags", NULL, e->u.sig.sa_flags);
	}
}

static void show_switch(struct ld_view *v, const struct ld_hist_ev *e)
{
	ld_view__str(v, "state", NULL, ld_task_state_name(e->u.sw.state,
							  e->flags & LD_HEVF_PREEMPT));
	ld_view__uint(v, "state_bits", NULL, e->u.sw.state);
	ld_view__bool(v, "preempted", NULL, e->flags & LD_HEVF_PREEMPT);
	ld_view__int(v, "syscall", NULL, e->u.sw.syscall);
	if (e->flags & LD_HEVF_DONE)
		ld_view__uint(v, "off_cpu_ns", NULL, e->u.sw.off_cpu_ns);
	else
		ld_view__null(v, "off_cpu_ns", NULL);
	ld_view__uint(v, "next_tid", NULL, e->u.sw.next_tid);
	ld_view__strn(v, "next_comm", NULL, e->u.sw.next_comm, LD_COMM_LEN);
}

static void show_block(struct ld_view *v, const struct ld_hist_ev *e)
{
	ld_view__uint(v, "dev_major", NULL, e->u.blk.dev >> 20);
	ld_view__uint(v, "dev_minor", NULL, e->u.blk.dev & 0xfffff);
	ld_view__uint(v, "op", NULL, e->u.blk.op);
	ld_view__uint(v, "sector", NULL, e->u.blk.sector);
	ld_view__uint(v, "bytes", NULL, e->u.blk.bytes);
	ld_view__bool(v, "done", NULL, e->flags & LD_HEVF_DONE);
	ld_view__int(v, "status", NULL, e->u.blk.error);
	ld_view__uint(v, "latency_ns", NULL, e->u.blk.latency_ns);
}

static void show_trigger(struct ld_view *v, const struct ld_hist_ev *e)
{
	ld_view__uint(v, "event", NULL, e->u.trig.event);
	ld_view__uint(v, "rule", NULL, e->u.trig.rule);
	ld_view__uint(v, "verdict", NULL, e->u.trig.verdict);
	ld_view__hex(v, "code", NULL, e->u.trig.code);
	ld_view__hex(v, "param", NULL, e->u.trig.param);
	ld_view__bool(v, "froze", NULL, e->flags & LD_HEVF_FROZE);
}

static void show_exec(struct ld_view *v, const struct ld_hist_ev *e)
{
	ld_view__uint(v, "old_tid", NULL, e->u.exec.old_tid);
	ld_view__strn(v, "comm", NULL, e->u.exec.comm, LD_COMM_LEN);
}

/* Each event type's own fields (JSON; text has ld_hist_format's line). */
static void (*const show_fields[])(struct ld_view *v, const struct ld_hist_ev *e) = {
	[LD_HEV_SYSCALL] = show_syscall,
	[LD_HEV_SIGNAL_GEN] = show_signal,
	[LD_HEV_SIGNAL_DELIVER] = show_signal,
	[LD_HEV_SWITCH] = show_switch,
	[LD_HEV_BLOCK] = show_block,
	[LD_HEV_TRIGGER] = show_trigger,
	[LD_HEV_EXEC] = show_exec,
};

static void show_event(struct ld_view *v, const struct ld_hist_ev *e, uint64_t base,
		       const struct ld_hist_names *names)
{
	char line[512], t[48];

	ld_view__row(v);
	ld_view__str(v, NULL, "", rel_time((int64_t)(e->ktime_ns - base), t, sizeof(t)));
	ld_view__int(v, "time_ns", NULL, (int64_t)(e->ktime_ns - base));
	ld_view__u64s(v, "ktime_ns", NULL, e->ktime_ns);
	ld_view__uint(v, "tid", "", e->tid);
	ld_view__uint(v, "cpu", "", e->cpu);
	ld_view__str(v, "type", "", ld_hist_type_name(e->type));
	ld_view__uint(v, "flags", NULL, e->flags);
	if (e->type < sizeof(show_fields) / sizeof(show_fields[0]) && show_fields[e->type])
		show_fields[e->type](v, e);
	ld_hist_format(e, names, line, sizeof(line));
	ld_view__str(v, "text", "", line);
	ld_view__row_end(v);
}

static const struct ld_view_col cols[] = {
	{ "TIME", LD_COL_RIGHT }, { "TID", LD_COL_RIGHT }, { "CPU", LD_COL_RIGHT },
	{ "EVENT", 0 }, { "DETAIL", 0 },
};

/* "(12 events of 40 recorded; 64 asked, 64 kept per process; frozen at the issue)" */
static void show_title(struct ld_view *v, const struct ld_dump_history *h)
{
	char t[48];

	ld_view__text(v, "\nhistory (%u events of %llu recorded; %u asked, %u kept per process; ",
		      h->count, (unsigned long long)h->total, h->wanted, h->depth);
	if (!(h->flags & LD_HISTF_FROZEN))
		ld_view__text(v, "not frozen: as it was at capture");
	else if (h->frozen_ktime_ns == h->issue_ktime_ns || !h->issue_ktime_ns)
		ld_view__text(v, "frozen at the issue");
	else
		ld_view__text(v, "frozen by an earlier issue %s before",
			      rel_time((int64_t)(h->issue_ktime_ns - h->frozen_ktime_ns), t,
				       sizeof(t)) + 1);
	ld_view__text(v, "%s):\n", h->flags & LD_HISTF_WRAPPED ? "; older ones overwritten" : "");
	if (h->dropped)
		ld_view__text(v, "  (%llu events were not recorded while an earlier issue had "
			      "frozen it)\n", (unsigned long long)h->dropped);
}

static void history_show(const struct ld_dump *d, struct ld_view *v, const struct ld_show_opts *o)
{
	const struct ld_dump_history *h = ld_dump__history(d);
	struct ld_hist_names names;
	uint64_t base;

	(void)o;
	ld_dump__hist_names(d, &names);
	if (!h) {
		ld_view__null(v, "history", NULL);
		return;
	}
	base = h->issue_ktime_ns ? h->issue_ktime_ns :
	       h->count ? h->ev[h->count - 1].ktime_ns : 0;
	ld_view__object(v, "history");
	show_title(v, h);
	ld_view__uint(v, "count", NULL, h->count);
	ld_view__uint(v, "depth", NULL, h->depth);
	ld_view__uint(v, "wanted", NULL, h->wanted);
	ld_view__bool(v, "frozen", NULL, h->flags & LD_HISTF_FROZEN);
	ld_view__bool(v, "wrapped", NULL, h->flags & LD_HISTF_WRAPPED);
	ld_view__uint(v, "total", NULL, h->total);
	ld_view__uint(v, "dropped", NULL, h->dropped);
	ld_view__u64s(v, "issue_ktime_ns", NULL, h->issue_ktime_ns);
	ld_view__u64s(v, "frozen_ktime_ns", NULL, h->frozen_ktime_ns);
	ld_view__u64s(v, "realtime_offset_ns", NULL, h->realtime_offset_ns);
	/* The title above says how many: the table's own would say it twice. */
	ld_view__table(v, "events", NULL, h->count, LD_VIEW_OMIT_EMPTY | LD_VIEW_NO_TITLE, cols,
		       sizeof(cols) / sizeof(cols[0]));
	for (uint32_t i = 0; i < h->count; i++)
		show_event(v, &h->ev[i], base, &names);
	ld_view__table_end(v);
	ld_view__object_end(v);
}

const struct ld_note_ops ld_note_history = {
	.owner = LD_NOTE_OWNER,
	.type = LD_NT_HISTORY,
	.name = "LD_NT_HISTORY",
	.flags = 0,
	.parse = parse_history,
	.show = history_show,
};
