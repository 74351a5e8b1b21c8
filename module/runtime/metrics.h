/*
 * module/runtime/metrics.h - /metrics: the counters in Prometheus's text
 * format, over HTTP.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * With metrics-listen: set, the module serves GET /metrics on that
 * address only, as Knot Resolver and PowerDNS Recursor serve theirs, so
 * that Prometheus scrapes the module itself (Unbound's own statistics
 * see nothing of a dynlib module).  libmicrohttpd speaks HTTP; it runs
 * in the module's own thread (started with every signal blocked, joined
 * in deinit) on an epoll descriptor, never one of Unbound's.  Rendering
 * reads the workers' counters and the sources' counters, under their
 * own locks, nothing the query path waits for.  The exposition format
 * is https://prometheus.io/docs/instrumenting/exposition_formats/.
 */
#ifndef TAPIR_METRICS_H
#define TAPIR_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct engine;
struct counters;
struct metrics;

/** Writes the whole exposition to out; called on the metrics thread for
 *  every scrape. */
typedef void (*metrics_render_fn)(void *arg, FILE *out);

/** What only the Unbound adapter counts: the cache flushes. */
struct metrics_cache {
	/** Names queued for removal from Unbound's caches. */
	uint64_t flush_names;
	/** Drains of the queue by a worker. */
	uint64_t flush_drains;
	/** Drains that emptied the whole cache. */
	uint64_t flush_full;
	/** Passes over the caches. */
	uint64_t flush_passes;
	/** Cache entries removed. */
	uint64_t flush_removed;
};

/**
 * Listen on an address and serve /metrics from a thread of its own.
 * @param listen: "address@port" (IPv4 or IPv6).
 * @param render: writes the exposition.
 * @param arg: for render.
 * @param err: out, the reason on failure.
 * @param errlen: size of err.
 * @return the server, or NULL (the address is bad or taken, out of
 *	memory).
 */
struct metrics *metrics_start(const char *listen, metrics_render_fn render,
	void *arg, char *err, size_t errlen);

/**
 * Stop serving: closes the socket, ends and joins the thread.  NULL is
 * fine.
 */
void metrics_stop(struct metrics *m);

/**
 * Write the exposition of an engine's sources and the query counters.
 * The caller keeps the engine alive meanwhile.
 * @param cache: the adapter's cache counters, or NULL.
 */
void metrics_write(FILE *out, struct engine *e, struct counters *c,
	const struct metrics_cache *cache);

#endif /* TAPIR_METRICS_H */
