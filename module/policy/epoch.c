/*
 * module/policy/epoch.c - epoch-based reclamation for lock-free readers.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "module/policy/epoch.h"

#include <stdlib.h>
#include <time.h>

int
epoch_init(struct epoch *e, unsigned num_readers)
{
	e->num_readers = num_readers;
	e->slots = aligned_alloc(64, sizeof(*e->slots) *
		(num_readers ? num_readers : 1));
	if (!e->slots)
		return -1;
	for (unsigned i = 0; i < num_readers; i++)
		atomic_init(&e->slots[i].epoch, 0);
	atomic_init(&e->global, 1);
	return 0;
}

void
epoch_destroy(struct epoch *e)
{
	free(e->slots);
	e->slots = NULL;
}

void
epoch_synchronize(struct epoch *e)
{
	/* Writers are serialised by the caller, so a plain load and store
	 * advance the epoch. */
	uint64_t next = atomic_load(&e->global) + 1;
	unsigned i;

	atomic_store(&e->global, next);
	/* Pairs with the fence in epoch_enter(): either we see a reader's
	 * slot, or that reader sees what we published before this call. */
	atomic_thread_fence(memory_order_seq_cst);
	for (i = 0; i < e->num_readers; i++) {
		unsigned spins = 0;
		for (;;) {
			uint64_t v = atomic_load_explicit(&e->slots[i].epoch,
				memory_order_acquire);
			if (v == 0 || v >= next)
				break;
			/* Read sections are a few hundred nanoseconds:
			 * spin briefly, then yield the core. */
			if (++spins > 1000) {
				struct timespec ts = { 0, 20000 };
				nanosleep(&ts, NULL);
			}
		}
	}
}
