// SPDX-License-Identifier: MIT
/*
 * The demo for `make demo`: a small order service.  It registers its
 * order table and its configuration with livedump, serves orders from two
 * worker threads, and when it finds an order whose total does not add up
 * it asks for a live dump — with the offending order and its statistics
 * attached — and goes on serving.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "livedump.h"

#define ORDERS 64

struct order {
	unsigned id;
	unsigned items;
	unsigned unit_cents;
	unsigned total_cents;	/* must be items * unit_cents */
	char customer[16];
};

static struct config {
	char service[16];
	unsigned max_items;
	unsigned workers;
} config = { "orders", 100, 2 };

static struct order orders[ORDERS];
static struct { unsigned served, bad; } stats;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void report_bad_order(const struct order *o)
{
	char text[96];
	struct livedump_blob blobs[] = {
		{ "order", text, 0 },
		{ "stats", &stats, sizeof(stats) },
	};
	int ret;

	blobs[0].len = snprintf(text, sizeof(text), "order %u: %u x %u != %u", o->id,
				o->items, o->unit_cents, o->total_cents) + 1;
	ret = livedump_trigger(0x2001, o->id, blobs, 2);
	printf("demo: order %u is inconsistent; livedump_trigger() = %d (%s)\n", o->id, ret,
	       ret == 1 ? "dump written" : ret == 0 ? "no collector watching" : "error");
}

static void serve(unsigned id)
{
	struct order *o = &orders[id % ORDERS];

	pthread_mutex_lock(&lock);
	o->id = id;
	o->items = 1 + id % 7;
	o->unit_cents = 250 + id;
	o->total_cents = o->items * o->unit_cents;
	snprintf(o->customer, sizeof(o->customer), "cust-%u", id * 13 % 1000);
	if (id == 42)
		o->total_cents += 1;	/* the bug this demo catches */
	stats.served++;
	if (o->total_cents != o->items * o->unit_cents) {
		stats.bad++;
		pthread_mutex_unlock(&lock);
		report_bad_order(o);
		return;
	}
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	unsigned first = (unsigned)(uintptr_t)arg;

	for (unsigned id = first; id < 60; id += 2) {
		serve(id);
		usleep(2000);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	livedump_region_add(orders, sizeof(orders), "orders");
	livedump_region_add(&config, sizeof(config), "config");
	livedump_region_add(&stats, sizeof(stats), "stats");
	for (unsigned i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("demo: served %u orders, %u inconsistent\n", stats.served, stats.bad);
	return 0;
}
