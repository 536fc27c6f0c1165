// SPDX-License-Identifier: MIT
/*
 * The client library: a region registry in the process's own memory that
 * the collector finds through the symbol livedump_registry, and the trigger
 * call that the collector's uprobe on livedump__fire() turns into a dump.
 *
 * Slots change state with compare-and-swap only (FREE -> BUSY -> VALID ->
 * BUSY -> FREE), so add and remove are lock-free and async-signal-safe.
 * The collector reads the table while the process is stopped and skips
 * BUSY slots, which are the only ones that can be half-written.
 */
#include <errno.h>
#include <string.h>
#include "livedump.h"
#include "livedump/abi.h"

#define LD_PUBLIC __attribute__((visibility("default")))

LD_PUBLIC struct ld_registry livedump_registry = {
	.magic = LD_REGISTRY_MAGIC,
	.version = LD_REGISTRY_VERSION,
	.size = sizeof(struct ld_registry),
	.nslots = LD_REGISTRY_SLOTS,
	.slot_size = sizeof(struct ld_region_slot),
};

_Static_assert(LIVEDUMP_MAX_REGIONS == LD_REGISTRY_SLOTS, "registry size");
_Static_assert(LIVEDUMP_NAME_MAX == LD_REGION_NAME_MAX, "name size");
_Static_assert(LIVEDUMP_MAX_BLOBS == LD_MAX_BLOBS, "blob count");
_Static_assert(LIVEDUMP_MAX_BLOB_LEN == LD_MAX_BLOB_LEN, "blob size");
_Static_assert(sizeof(struct livedump_blob) == sizeof(struct ld_blob_desc), "blob layout");
_Static_assert(__atomic_always_lock_free(sizeof(__u32), 0), "lock-free slot state");

static int cas_state(struct ld_region_slot *s, __u32 from, __u32 to)
{
	return __atomic_compare_exchange_n(&s->state, &from, to, 0,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

static void bump_generation(void)
{
	__atomic_fetch_add(&livedump_registry.generation, 1, __ATOMIC_RELEASE);
}

static struct ld_region_slot *find_valid(const void *addr)
{
	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++) {
		struct ld_region_slot *s = &livedump_registry.slots[i];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == LD_SLOT_VALID &&
		    __atomic_load_n(&s->addr, __ATOMIC_RELAXED) == (__u64)(uintptr_t)addr)
			return s;
	}
	return NULL;
}

LD_PUBLIC int livedump_region_add(const void *addr, size_t len, const char *name)
{
	size_t nlen;

	if (!addr || !len || !name)
		return -EINVAL;
	if (len > LIVEDUMP_MAX_REGION_LEN || (uintptr_t)addr + len < (uintptr_t)addr)
		return -E2BIG;
	nlen = strnlen(name, LD_REGION_NAME_MAX);
	if (nlen == 0)
		return -EINVAL;
	/*
	 * Two threads adding the same address at once may both succeed; the
	 * collector reports both.  Checking first keeps the common mistake
	 * (registering twice) visible.
	 */
	if (find_valid(addr))
		return -EEXIST;

	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++) {
		struct ld_region_slot *s = &livedump_registry.slots[i];

		if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) != LD_SLOT_FREE ||
		    !cas_state(s, LD_SLOT_FREE, LD_SLOT_BUSY))
			continue;
		s->addr = (uintptr_t)addr;
		s->len = len;
		memset(s->name, 0, sizeof(s->name));
		memcpy(s->name, name, nlen < LD_REGION_NAME_MAX ? nlen : LD_REGION_NAME_MAX - 1);
		s->seq++;
		__atomic_store_n(&s->state, LD_SLOT_VALID, __ATOMIC_RELEASE);
		bump_generation();
		return 0;
	}
	return -ENOSPC;
}

LD_PUBLIC int livedump_region_remove(const void *addr)
{
	for (;;) {
		struct ld_region_slot *s = find_valid(addr);

		if (!s)
			return -ENOENT;
		/* Lost a race with another remove of the same slot: look again. */
		if (!cas_state(s, LD_SLOT_VALID, LD_SLOT_BUSY))
			continue;
		if (s->addr != (__u64)(uintptr_t)addr) {
			/* Reused for another address between lookup and CAS. */
			__atomic_store_n(&s->state, LD_SLOT_VALID, __ATOMIC_RELEASE);
			continue;
		}
		s->seq++;
		__atomic_store_n(&s->state, LD_SLOT_FREE, __ATOMIC_RELEASE);
		bump_generation();
		return 0;
	}
}

LD_PUBLIC int livedump_region_count(void)
{
	int n = 0;

	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++)
		n += __atomic_load_n(&livedump_registry.slots[i].state,
				     __ATOMIC_ACQUIRE) == LD_SLOT_VALID;
	return n;
}

/*
 * The collector's uprobe sits on this function's first instruction; the
 * BPF program stops the process before the thread executes the next one.
 * noinline + the asm keep it a real call that may write *req.
 */
LD_PUBLIC __attribute__((noinline, used)) void livedump__fire(struct ld_trigger_req *req)
{
	__asm__ volatile("" : : "r"(req) : "memory");
}

static int check_blobs(const struct livedump_blob *blobs, unsigned nblobs)
{
	if (nblobs > LIVEDUMP_MAX_BLOBS)
		return -E2BIG;
	if (nblobs && !blobs)
		return -EINVAL;
	for (unsigned i = 0; i < nblobs; i++) {
		size_t tlen;

		if (!blobs[i].tag || (!blobs[i].data && blobs[i].len))
			return -EINVAL;
		tlen = strnlen(blobs[i].tag, LIVEDUMP_TAG_MAX);
		if (tlen == 0 || tlen == LIVEDUMP_TAG_MAX)
			return -EINVAL;
		if (blobs[i].len > LIVEDUMP_MAX_BLOB_LEN)
			return -E2BIG;
	}
	return 0;
}

LD_PUBLIC int livedump_trigger(uint32_t code, uint64_t param,
			       const struct livedump_blob *blobs, unsigned nblobs)
{
	struct ld_trigger_req req = {
		.magic = LD_TRIGGER_MAGIC,
		.version = LD_TRIGGER_VERSION,
		.size = sizeof(req),
		.code = code,
		.param = param,
		.blobs = (__u64)(uintptr_t)blobs,
		.nblobs = nblobs,
	};
	int err = check_blobs(blobs, nblobs);

	if (err)
		return err;
	livedump__fire(&req);
	return __atomic_load_n(&req.status, __ATOMIC_ACQUIRE);
}
