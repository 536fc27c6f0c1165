/* SPDX-License-Identifier: MIT */
/*
 * What the detectors see of the loader: the skeleton, and the calls that
 * turn their programs on before load and keep the links they attach after
 * it, so that the loader frees every link in one place.
 */
#ifndef LIVEDUMP_LOADER_PRIV_H
#define LIVEDUMP_LOADER_PRIV_H

#include <bpf/libbpf.h>
#include "livedump.skel.h"
#include "collector/loader.h"

struct livedump_bpf *ld_loader__skel(struct ld_loader *l);
/* Before load: the program is wanted by a rule. */
void ld_loader__want(struct ld_loader *l, struct bpf_program *prog);
/* After load: keeps @link (destroyed with the loader); -ENOMEM (link destroyed). */
int ld_loader__keep(struct ld_loader *l, struct bpf_link *link);
/* After load: attaches @prog where its section says; @what names it in messages. */
int ld_loader__attach(struct ld_loader *l, struct bpf_program *prog, const char *what);
/*
 * Per rule index, a small number a detector keeps from configure to attach
 * (the kernel probes: which fentry/fexit slot a rule got, + 1).  NULL
 * beyond LD_BPF_MAX_RULES.
 */
int *ld_loader__rule_slot(struct ld_loader *l, unsigned idx);

#endif
