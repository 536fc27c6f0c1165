// SPDX-License-Identifier: MIT
/*
 * The assert detector: a watched process calls libc's
 * __assert_fail(assertion, file, line, function).  A uprobe freezes it in
 * the call; the strings are read from the frozen process and kept in the
 * dump (LD_NT_ISSUE_TEXT), so the dump says what failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture/targetmem.h"
#include "collector/loader_priv.h"
#include "detectors/probe.h"

static const char *at_of(const struct ld_rule *r)
{
	(void)r;
	return "libc.so.6:__assert_fail";
}

static const char *const progs[] = { "ld_uprobe", NULL };

static int configure(struct ld_loader *l, const struct ld_ruleset *rs)
{
	ld_probe_want_user(l, rs, LD_DET_ASSERT, ld_loader__skel(l)->progs.ld_uprobe, at_of);
	return 0;
}

static int attach(struct ld_loader *l, const struct ld_ruleset *rs)
{
	return ld_probe_attach_user(l, rs, LD_DET_ASSERT, ld_loader__skel(l)->progs.ld_uprobe,
				    at_of, false, false);
}

/* One line each: a newline in the process's strings would start a key of its own. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n')
			*s = ' ';
}

static void issue(const struct ld_issue_ctx *x, struct ld_issue *is)
{
	const struct ld_probe_event *e = (const void *)x->hdr;
	char assertion[512] = "?", file[256] = "?", func[128] = "?";

	ld_probe_issue(x, is, NULL);
	ld_mem_read_str(x->hdr->pid, e->args[0], assertion, sizeof(assertion));
	ld_mem_read_str(x->hdr->pid, e->args[1], file, sizeof(file));
	ld_mem_read_str(x->hdr->pid, e->args[3], func, sizeof(func));
	one_line(assertion);
	one_line(file);
	one_line(func);
	is->params[0] = (uint32_t)e->args[2];
	snprintf(is->text, sizeof(is->text), "assertion=%s\nfile=%s\nline=%u\nfunction=%s\n",
		 assertion, file, (unsigned)e->args[2], func);
}

static void decode(const struct ld_issue_src *src, struct ld_fields *f)
{
	char assertion[512] = "?", file[256] = "?", line[16] = "0", func[128] = "?";

	ld_issue_text_get(src->text, src->text_len, "assertion", assertion, sizeof(assertion));
	ld_issue_text_get(src->text, src->text_len, "file", file, sizeof(file));
	ld_issue_text_get(src->text, src->text_len, "line", line, sizeof(line));
	ld_issue_text_get(src->text, src->text_len, "function", func, sizeof(func));
	ld_fields__str(f, "assertion", "%s", assertion);
	ld_fields__str(f, "file", "%s", file);
	ld_fields__u64(f, "line", strtoull(line, NULL, 10));
	ld_fields__str(f, "function", "%s", func);
	ld_fields__summary(f, "%s:%s: %s: Assertion `%s' failed", file, line, func, assertion);
}

const struct ld_detector_ops ld_det_assert = {
	.name = "assert",
	.doc = "libc __assert_fail() is called",
	.captures = LD_CAP_ALL,
	.default_capture = LD_CAPTURE_MINI,
	.by_cookie = ld_probe_by_cookie,
	.progs = progs,
	.configure = configure,
	.attach = attach,
	.record_size = sizeof(struct ld_probe_event),
	.issue = issue,
	.decode = decode,
	.legacy_issue = LD_ISSUE_ASSERT,
	.legacy_event = 4,
};
