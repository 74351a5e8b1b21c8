/*
 * module/output/output_int.h - an output's parts, for its two files:
 * output.c (configuration, life, the zone keeper) and serve.c (the
 * server: transfers, SOA, NOTIFY).
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#ifndef TAPIR_OUTPUT_INT_H
#define TAPIR_OUTPUT_INT_H

#include <pthread.h>
#include <stdint.h>

#include "module/base/thread.h"
#include "module/output/output.h"
#include "module/output/zone.h"

struct serve;

/** An output. */
struct output {
	/** Its configuration (a copy: the strings are ours). */
	struct output_conf c;
	/** What the engine gave. */
	struct output_env env;
	/** The configured redirect's local data, ours. */
	uint8_t *redirect;
	/** The zone, its journal and images. */
	struct zone zone;
	/** The zone keeper. */
	struct tapir_thread keeper;
	/** Guards the pending keys and the flags below. */
	pthread_mutex_t pending_lock;
	/** Keys the store reported since the last round: name length,
	 *  subtree, name. */
	uint8_t *pending;
	/** Bytes of pending used and allocated. */
	size_t pending_len, pending_cap;
	/** A change the keys cannot describe: walk the whole store. */
	int rebuild;
	/** The mark of the zone keeper's last walk (keeper only). */
	uint8_t gen;
	/** The server. */
	struct serve *serve;
	/** Counters (the server's, under stats_lock). */
	pthread_mutex_t stats_lock;
	/** The server's counters. */
	struct output_stats stats;
	/** The zone name as text, for messages. */
	char zone_text[NAME_TEXT_MAX];
};

/**
 * Open the server's sockets.
 * @return 0, or -1 with the reason in err.
 */
int serve_open(struct output *o, char *err, size_t errlen);

/** Start the server's thread; 0 or an errno value. */
int serve_start(struct output *o);

/** The zone has a new serial: NOTIFY the downstreams (any thread). */
void serve_new_serial(struct output *o);

/** Stop and join the server's thread, close and free what it holds. */
void serve_destroy(struct output *o);

#endif /* TAPIR_OUTPUT_INT_H */
