// SPDX-License-Identifier: MIT
/* The group freezers' table, and what they share (gfreeze.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "group/gfreeze.h"

/* In order of preference: the cgroup's own freezer holds the group at one instant. */
static const struct ld_gfreeze_ops *const methods[] = {
	&ld_gfreeze_cg2, &ld_gfreeze_cg1, &ld_gfreeze_sigstop,
};

const struct ld_gfreeze_ops *ld_gfreeze_pick(const struct ld_group *g)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i]->usable(g))
			return methods[i];
	return &ld_gfreeze_sigstop;
}

void ld_gfreeze_undo_ledger(struct ld_ledger *lg)
{
	for (int i = 0; lg && i < LD_LEDGER_MAX; i++) {
		const struct ld_ledger_entry *e = &lg->e[i];
		uint32_t kind = __atomic_load_n(&e->kind, __ATOMIC_ACQUIRE);

		for (size_t k = 0; kind != LD_LEDGER_FREE &&
				   k < sizeof(methods) / sizeof(methods[0]); k++)
			if (methods[k]->ledger == kind) {
				methods[k]->undo(e);
				break;
			}
	}
}

uint64_t ld_gfreeze_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
