// SPDX-License-Identifier: MIT
/* The guard's ledger of group holds (ledger.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "group/ledger.h"

struct ld_ledger *ld_ledger__new(void)
{
	void *p = mmap(NULL, sizeof(struct ld_ledger), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int ld_ledger__add(struct ld_ledger *lg, enum ld_ledger_kind kind, pid_t pid, const char *path)
{
	if (!lg)
		return LD_LEDGER_MAX;	/* no guard to tell: a slot that is no slot */
	for (int i = 0; i < LD_LEDGER_MAX; i++) {
		struct ld_ledger_entry *e = &lg->e[i];

		if (__atomic_load_n(&e->kind, __ATOMIC_ACQUIRE) != LD_LEDGER_FREE)
			continue;
		e->pid = pid;
		snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
		/* The guard reads the entry only once kind says it is whole. */
		__atomic_store_n(&e->kind, kind, __ATOMIC_RELEASE);
		return i;
	}
	return -ENOSPC;
}

void ld_ledger__clear(struct ld_ledger *lg, int slot)
{
	if (lg && slot >= 0 && slot < LD_LEDGER_MAX)
		__atomic_store_n(&lg->e[slot].kind, LD_LEDGER_FREE, __ATOMIC_RELEASE);
}

void ld_ledger__free(struct ld_ledger *lg)
{
	if (lg)
		munmap(lg, sizeof(*lg));
}
