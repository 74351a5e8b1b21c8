/*
 * feeds/https.h - what every feed that fetches over HTTPS sets up the
 * same way with libcurl: HTTPS only, the server authenticated by the
 * configured CA, an optional client certificate, a bounded body, no
 * signals.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#ifndef TAPIR_FEEDS_HTTPS_H
#define TAPIR_FEEDS_HTTPS_H

#include <stddef.h>

#include <curl/curl.h>

/** One GET and where libcurl hands its parts. */
struct feed_https {
	/** The https: URL. */
	const char *url;
	/** PEM file of the CAs that may sign the server's certificate;
	 *  NULL: the system's CAs. */
	const char *ca_file;
	/** Client certificate and key (PEM), or NULL for none. */
	const char *cert_file, *key_file;
	/** Extra request headers (If-None-Match ...), or NULL. */
	struct curl_slist *headers;
	/** The longest body accepted, decoded: a compression bomb is cut
	 *  off like any other large body. */
	size_t max_body;
	/** libcurl's write, header and progress callbacks, all given arg;
	 *  the progress callback is where a stop request ends a
	 *  transfer. */
	curl_write_callback on_body;
	curl_write_callback on_header;
	curl_xferinfo_callback on_progress;
	void *arg;
};

/**
 * libcurl's process-wide set-up, once (module/base/thread.h says how).
 * @return 0, or -1 when libcurl cannot be used.
 */
int feed_https_init(void);

/**
 * Set a handle up for r.  Redirects are not followed, TLS is 1.2 or
 * newer, and no signal is raised for timeouts (libcurl's resolver
 * threads inherit the caller's mask: every signal blocked on a module
 * thread).  Timeouts are the caller's to set.
 * @return 0, or -1 when libcurl refused an option.
 */
int feed_https_setup(CURL *h, const struct feed_https *r);

#endif
