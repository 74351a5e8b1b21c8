/*
 * feeds/rpz/rpz_fetch.h - a zone published over HTTPS, fetched with
 * libcurl for a source of type rpz with url:.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * HTTPS only; the server is authenticated by the configured CA file
 * alone when there is one (CA pinning), by the system's otherwise; a
 * client certificate when configured.  The validators of the last zone
 * applied go with every request (If-None-Match, If-Modified-Since), so a
 * zone that did not change is a 304 and costs no reload.
 */
#ifndef TAPIR_RPZ_FETCH_H
#define TAPIR_RPZ_FETCH_H

#include <stddef.h>

/** What to fetch, and how. */
struct rpz_fetch_options {
	/** The https:// URL. */
	const char *url;
	/** CA certificates the server's must chain to; NULL: the system's. */
	const char *ca_file;
	/** Client certificate and key (PEM), or NULL. */
	const char *cert_file;
	/** Key of cert_file. */
	const char *key_file;
	/** Largest body accepted. */
	size_t max_bytes;
	/** Longest a fetch may take, milliseconds. */
	long timeout_ms;
	/** Polled during the transfer: non-zero stops it. */
	int (*stop)(void *arg);
	/** Argument for stop. */
	void *stop_arg;
};

/** Outcome of a fetch. */
enum rpz_fetch_result {
	RPZ_FETCH_OK,           /**< a 200: body holds the zone */
	RPZ_FETCH_NOT_MODIFIED, /**< a 304: the zone in force is current */
	RPZ_FETCH_RETRY,        /**< a failure another try may not have */
	RPZ_FETCH_FAIL          /**< a failure that will stay */
};

/** The validators and body of a fetch. */
struct rpz_fetch_state {
	/** The last applied zone's ETag and Last-Modified, sent with the
	 *  request; replaced by the response's on RPZ_FETCH_OK. */
	char etag[256];
	/** Last-Modified. */
	char last_modified[64];
	/** The body of a 200 (malloc'd, NUL-terminated). */
	char *body;
	/** Its length. */
	size_t len;
	/** The HTTP status, 0 if none came. */
	long status;
};

/**
 * Fetch the URL once.
 * @param s: validators in; body and new validators out (the caller
 *	frees s->body).  The new validators are kept even when the zone
 *	turns out broken: it is not fetched again until it changes.
 * @param err: the reason of a failure.
 */
enum rpz_fetch_result rpz_fetch(const struct rpz_fetch_options *o,
	struct rpz_fetch_state *s, char *err, size_t errlen);

#endif /* TAPIR_RPZ_FETCH_H */
