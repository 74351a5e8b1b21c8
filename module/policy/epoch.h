/*
 * module/policy/epoch.h - epoch-based reclamation for lock-free readers.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Readers (Unbound's worker threads, our control thread) enter a read
 * section by storing the current epoch in their own slot and leave it by
 * storing zero: plain stores and a fence, no lock, no read-modify-write
 * on a shared cache line.  A writer that has unlinked an object calls
 * epoch_synchronize(), which waits until every reader that might still
 * hold the old object has left; then the object can be freed.
 *
 * Why not liburcu: its readers must be registered per thread, and Unbound
 * creates and ends worker threads on every reload with no hook for us to
 * unregister them, while our library itself is unloaded and reloaded.
 * Slots indexed by Unbound's own thread number need no registration and
 * survive all of that.
 */
#ifndef TAPIR_EPOCH_H
#define TAPIR_EPOCH_H

#include <stdatomic.h>
#include <stdint.h>

/** One reader's slot, alone on its cache line. */
struct epoch_slot {
	/** The epoch the reader entered in, or 0 outside a read section. */
	_Atomic uint64_t epoch;
	/** Padding to a cache line: readers never share one. */
	char pad[64 - sizeof(uint64_t)];
};

/** The reclamation domain. */
struct epoch {
	/** Current epoch, advanced by writers only; starts at 1. */
	_Atomic uint64_t global;
	/** One slot per reader. */
	struct epoch_slot *slots;
	/** Number of slots. */
	unsigned num_readers;
};

/**
 * Set up a domain for num_readers readers.
 * @return 0, or -1 when out of memory.
 */
int epoch_init(struct epoch *e, unsigned num_readers);

/**
 * Free the slots; no reader may be inside.
 */
void epoch_destroy(struct epoch *e);

/**
 * Enter a read section as reader r (0 .. num_readers-1).  Pointers loaded
 * after this stay valid until epoch_leave().
 */
static inline void
epoch_enter(struct epoch *e, unsigned r)
{
	atomic_store_explicit(&e->slots[r].epoch,
		atomic_load_explicit(&e->global, memory_order_relaxed),
		memory_order_relaxed);
	/* The slot must be visible before we read any shared pointer:
	 * pairs with the fence in epoch_synchronize(). */
	atomic_thread_fence(memory_order_seq_cst);
}

/**
 * Leave the read section.
 */
static inline void
epoch_leave(struct epoch *e, unsigned r)
{
	atomic_store_explicit(&e->slots[r].epoch, 0, memory_order_release);
}

/**
 * Wait until every reader that entered before this call has left.  Call
 * after unlinking (publishing a replacement for) an object, before
 * freeing it.  Writers only; may sleep.
 */
void epoch_synchronize(struct epoch *e);

#endif /* TAPIR_EPOCH_H */
