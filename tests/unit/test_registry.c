// SPDX-License-Identifier: MIT
/* The client library's region registry: add, remove, limits, concurrency. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "livedump.h"
#include "livedump/abi.h"

extern struct ld_registry livedump_registry;
static char buf[LIVEDUMP_MAX_REGIONS + 8][16];

static void clear_all(void)
{
	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++) {
		struct ld_region_slot *s = &livedump_registry.slots[i];

		if (s->state == LD_SLOT_VALID)
			assert_int_equal(livedump_region_remove((void *)(uintptr_t)s->addr), 0);
	}
	assert_int_equal(livedump_region_count(), 0);
}

static void test_layout(void **state)
{
	(void)state;
	assert_true(livedump_registry.magic == LD_REGISTRY_MAGIC);
	assert_int_equal(livedump_registry.version, LD_REGISTRY_VERSION);
	assert_int_equal(livedump_registry.size, sizeof(struct ld_registry));
	assert_int_equal(livedump_registry.nslots, LD_REGISTRY_SLOTS);
	assert_int_equal(livedump_registry.slot_size, sizeof(struct ld_region_slot));
}

static void test_add_remove(void **state)
{
	uint64_t gen = livedump_registry.generation;
	int found = 0;

	(void)state;
	assert_int_equal(livedump_region_add(buf[0], 16, "first"), 0);
	assert_int_equal(livedump_region_add(buf[1], 8, "second"), 0);
	assert_int_equal(livedump_region_count(), 2);
	assert_true(livedump_registry.generation == gen + 2);
	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++) {
		struct ld_region_slot *s = &livedump_registry.slots[i];

		if (s->state == LD_SLOT_VALID && s->addr == (uintptr_t)buf[1]) {
			assert_int_equal(s->len, 8);
			assert_string_equal(s->name, "second");
			found++;
		}
	}
	assert_int_equal(found, 1);
	assert_int_equal(livedump_region_add(buf[0], 4, "again"), -EEXIST);
	assert_int_equal(livedump_region_remove(buf[0]), 0);
	assert_int_equal(livedump_region_remove(buf[0]), -ENOENT);
	assert_int_equal(livedump_region_remove(buf[1]), 0);
	assert_int_equal(livedump_region_count(), 0);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(livedump_region_add(NULL, 16, "x"), -EINVAL);
	assert_int_equal(livedump_region_add(buf[0], 0, "x"), -EINVAL);
	assert_int_equal(livedump_region_add(buf[0], 16, NULL), -EINVAL);
	assert_int_equal(livedump_region_add(buf[0], 16, ""), -EINVAL);
	assert_int_equal(livedump_region_add(buf[0], LIVEDUMP_MAX_REGION_LEN + 1, "x"), -E2BIG);
	assert_int_equal(livedump_region_add((void *)(uintptr_t)-16, 64, "wrap"), -E2BIG);
	assert_int_equal(livedump_region_remove(NULL), -ENOENT);
	assert_int_equal(livedump_region_count(), 0);
}

static void test_long_name_truncated(void **state)
{
	char name[100];

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	assert_int_equal(livedump_region_add(buf[2], 16, name), 0);
	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++) {
		struct ld_region_slot *s = &livedump_registry.slots[i];

		if (s->state == LD_SLOT_VALID)
			assert_int_equal(strlen(s->name), LD_REGION_NAME_MAX - 1);
	}
	clear_all();
}

static void test_full_table(void **state)
{
	(void)state;
	for (unsigned i = 0; i < LIVEDUMP_MAX_REGIONS; i++)
		assert_int_equal(livedump_region_add(buf[i], 16, "slot"), 0);
	assert_int_equal(livedump_region_add(buf[LIVEDUMP_MAX_REGIONS], 16, "one too many"), -ENOSPC);
	assert_int_equal(livedump_region_count(), LIVEDUMP_MAX_REGIONS);
	assert_int_equal(livedump_region_remove(buf[7]), 0);
	assert_int_equal(livedump_region_add(buf[LIVEDUMP_MAX_REGIONS], 16, "fits now"), 0);
	clear_all();
}

#define THREADS 4
#define ROUNDS 20000

static void *churn(void *arg)
{
	char *mine = arg;	/* 32 addresses per thread */

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 32; i++)
			if (livedump_region_add(mine + i, 1, "churn"))
				return (void *)1;
		for (int i = 0; i < 32; i++)
			if (livedump_region_remove(mine + i))
				return (void *)2;
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	static char area[THREADS][32];
	pthread_t t[THREADS];

	(void)state;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, churn, area[i]);
	for (int i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		assert_null(ret);
	}
	assert_int_equal(livedump_region_count(), 0);
	for (unsigned i = 0; i < LD_REGISTRY_SLOTS; i++)
		assert_int_equal(livedump_registry.slots[i].state, LD_SLOT_FREE);
}

static volatile int handler_result = 1;

static void on_signal(int sig)
{
	(void)sig;
	handler_result = livedump_region_add(buf[3], 16, "from handler");
	if (!handler_result)
		handler_result = livedump_region_remove(buf[3]);
}

static void test_signal_handler(void **state)
{
	(void)state;
	signal(SIGUSR1, on_signal);
	raise(SIGUSR1);
	assert_int_equal(handler_result, 0);
	assert_int_equal(livedump_region_count(), 0);
}

static void test_trigger_arguments(void **state)
{
	struct livedump_blob blobs[LIVEDUMP_MAX_BLOBS + 1];
	char longtag[LIVEDUMP_TAG_MAX + 4];

	(void)state;
	for (unsigned i = 0; i < LIVEDUMP_MAX_BLOBS + 1; i++)
		blobs[i] = (struct livedump_blob){ "tag", buf[0], 16 };
	/* No collector runs in unit tests: valid calls return 0 at once. */
	assert_int_equal(livedump_trigger(1, 2, NULL, 0), 0);
	assert_int_equal(livedump_trigger(1, 2, blobs, LIVEDUMP_MAX_BLOBS), 0);
	assert_int_equal(livedump_trigger(1, 2, blobs, LIVEDUMP_MAX_BLOBS + 1), -E2BIG);
	assert_int_equal(livedump_trigger(1, 2, NULL, 1), -EINVAL);
	blobs[0].len = LIVEDUMP_MAX_BLOB_LEN + 1;
	assert_int_equal(livedump_trigger(1, 2, blobs, 1), -E2BIG);
	blobs[0] = (struct livedump_blob){ NULL, buf[0], 16 };
	assert_int_equal(livedump_trigger(1, 2, blobs, 1), -EINVAL);
	blobs[0] = (struct livedump_blob){ "", buf[0], 16 };
	assert_int_equal(livedump_trigger(1, 2, blobs, 1), -EINVAL);
	memset(longtag, 't', sizeof(longtag) - 1);
	longtag[sizeof(longtag) - 1] = 0;
	blobs[0] = (struct livedump_blob){ longtag, buf[0], 16 };
	assert_int_equal(livedump_trigger(1, 2, blobs, 1), -EINVAL);
	blobs[0] = (struct livedump_blob){ "nodata", NULL, 4 };
	assert_int_equal(livedump_trigger(1, 2, blobs, 1), -EINVAL);
	blobs[0] = (struct livedump_blob){ "empty", NULL, 0 };
	assert_int_equal(livedump_trigger(1, 2, blobs, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_long_name_truncated),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_signal_handler),
		cmocka_unit_test(test_trigger_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
