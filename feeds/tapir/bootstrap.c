/*
 * feeds/tapir/bootstrap.c - fetch a DNS TAPIR snapshot over HTTPS (libcurl).
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/bootstrap.h"
#include "feeds/https.h"
#include "module/base/fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

/* How often a pause between attempts looks at the stop callback. */
#define STOP_POLL_MS 50

/* The state of one call, shared with libcurl's callbacks. */
struct fetch {
	const struct bootstrap_options *opt;
	size_t max_body;
	/* The body of the current attempt. */
	char *body;
	size_t len, cap;
	/* The ETag of the current response, malloc'd. */
	char *etag;
	/* Why a callback ended the transfer. */
	int too_large, nomem, stopped;
};

int
bootstrap_global_init(void)
{
	return feed_https_init() == 0 ? BOOTSTRAP_OK : BOOTSTRAP_ERR_INIT;
}

static void
set_err(struct bootstrap_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
want_stop(const struct bootstrap_options *opt)
{
	return opt->stop && opt->stop(opt->stop_arg);
}

/* Sleep until the monotonic time until; 1 if asked to stop meanwhile. */
static int
pause_until(const struct bootstrap_options *opt, int64_t until)
{
	int64_t left;
	struct timespec ts;

	while ((left = until - now_ms()) > 0) {
		if (want_stop(opt))
			return 1;
		if (left > STOP_POLL_MS)
			left = STOP_POLL_MS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000;
		nanosleep(&ts, NULL);
	}
	return want_stop(opt);
}

/* ---- libcurl callbacks ---- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb, cap;
	char *p;

	if (n > f->max_body - f->len) {
		f->too_large = 1;
		return 0;
	}
	if (f->len + n > f->cap) {
		cap = f->cap ? f->cap : 64 * 1024;
		while (cap < f->len + n)
			cap = cap > f->max_body / 2 ? f->max_body : cap * 2;
		if (!(p = realloc(f->body, cap))) {
			f->nomem = 1;
			return 0;
		}
		f->body = p;
		f->cap = cap;
	}
	memcpy(f->body + f->len, data, n);
	f->len += n;
	return n;
}

static size_t
on_header(char *line, size_t size, size_t nitems, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nitems, start, end;

	/* A new status line starts another response (after a 100 Continue,
	 * say): only the last one's ETag counts. */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(f->etag);
		f->etag = NULL;
		return n;
	}
	if (n < 5 || strncasecmp(line, "etag:", 5) != 0)
		return n;
	for (start = 5; start < n && (line[start] == ' ' ||
	    line[start] == '\t'); start++)
		;
	for (end = n; end > start && (line[end - 1] == '\r' ||
	    line[end - 1] == '\n' || line[end - 1] == ' ' ||
	    line[end - 1] == '\t'); end--)
		;
	free(f->etag);
	if (!(f->etag = strndup(line + start, end - start))) {
		f->nomem = 1;
		return 0;
	}
	return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
	curl_off_t ultotal, curl_off_t ulnow)
{
	struct fetch *f = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (want_stop(f->opt)) {
		f->stopped = 1;
		return 1;
	}
	return 0;
}

/* ---- one call ---- */

static int
check_options(const struct bootstrap_options *opt,
	struct bootstrap_result *res)
{
	const char *files[] = { opt->ca_file, opt->client_cert,
		opt->client_key };
	size_t i;
	int r;

	if (!opt->url || strncasecmp(opt->url, "https://", 8) != 0) {
		set_err(res, "snapshot URL must be https:// (got %s)",
			opt->url ? opt->url : "none");
		return BOOTSTRAP_ERR_CONFIG;
	}
	if (!opt->ca_file || !*opt->ca_file) {
		set_err(res, "no CA file to verify %s with", opt->url);
		return BOOTSTRAP_ERR_CONFIG;
	}
	if (!opt->client_cert != !opt->client_key) {
		set_err(res, "a client certificate needs its key and a key "
			"its certificate");
		return BOOTSTRAP_ERR_CONFIG;
	}
	/* libcurl opens these itself: a FIFO in their place would hang
	 * this thread in OpenSSL's open, out of reach of the stop flag. */
	for (i = 0; i < 3; i++) {
		if (files[i] && (r = file_check(files[i])) != 0) {
			set_err(res, "cannot read %s: %s", files[i],
				file_strerror(r));
			return BOOTSTRAP_ERR_CONFIG;
		}
	}
	if (!opt->keys && !opt->allow_unsigned) {
		set_err(res, "no trusted keys to verify the snapshot with, "
			"and unsigned snapshots are not allowed");
		return BOOTSTRAP_ERR_CONFIG;
	}
	if (opt->etag && strpbrk(opt->etag, "\r\n")) {
		set_err(res, "ETag contains a line break");
		return BOOTSTRAP_ERR_CONFIG;
	}
	if (opt->api_key) {
		const unsigned char *k = (const unsigned char *)opt->api_key;
		for (; *k; k++)
			if (*k <= 0x20 || *k >= 0x7f) {
				set_err(res, "the API key cannot be a header "
					"value");
				return BOOTSTRAP_ERR_CONFIG;
			}
	}
	return BOOTSTRAP_OK;
}

/* Options that stay the same for every attempt. */
static int
setup_handle(CURL *h, struct fetch *f, struct curl_slist *hdrs)
{
	const struct bootstrap_options *opt = f->opt;
	struct feed_https req = {
		.url = opt->url,
		.ca_file = opt->ca_file,
		.cert_file = opt->client_cert,
		.key_file = opt->client_key,
		.headers = hdrs,
		.max_body = f->max_body,
		.on_body = on_body,
		.on_header = on_header,
		.on_progress = on_progress,
		.arg = f,
	};

	return feed_https_setup(h, &req);
}

/* Whether another attempt may succeed where this one failed. */
static int
transient(int err, long status)
{
	switch (err) {
	case BOOTSTRAP_ERR_CONNECT:
	case BOOTSTRAP_ERR_TIMEOUT:
	case BOOTSTRAP_ERR_TRANSFER:
		return 1;
	case BOOTSTRAP_ERR_HTTP:
		return status >= 500 || status == 408 || status == 429;
	default:
		return 0;
	}
}

/* Map a failed transfer to our error, with a message. */
static int
transfer_error(struct fetch *f, CURLcode rc, const char *errbuf,
	struct bootstrap_result *res)
{
	const char *detail = *errbuf ? errbuf : curl_easy_strerror(rc);
	const char *url = f->opt->url;

	if (f->stopped || rc == CURLE_ABORTED_BY_CALLBACK) {
		set_err(res, "fetching %s: stopped", url);
		return BOOTSTRAP_ERR_STOPPED;
	}
	if (f->nomem || rc == CURLE_OUT_OF_MEMORY) {
		set_err(res, "fetching %s: out of memory", url);
		return BOOTSTRAP_ERR_NOMEM;
	}
	if (f->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		set_err(res, "snapshot from %s is larger than %zu bytes", url,
			f->max_body);
		return BOOTSTRAP_ERR_TOO_LARGE;
	}
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		set_err(res, "cannot connect to %s: %s", url, detail);
		return BOOTSTRAP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		set_err(res, "fetching %s timed out: %s", url, detail);
		return BOOTSTRAP_ERR_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		set_err(res, "TLS with %s failed: %s", url, detail);
		return BOOTSTRAP_ERR_TLS;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		set_err(res, "bad snapshot URL %s: %s", url, detail);
		return BOOTSTRAP_ERR_CONFIG;
	default:
		set_err(res, "fetching %s failed: %s", url, detail);
		return BOOTSTRAP_ERR_TRANSFER;
	}
}

/* One attempt, with what is left of the deadline. */
static int
attempt(CURL *h, struct fetch *f, int64_t left_ms, long connect_ms,
	struct bootstrap_result *res)
{
	char errbuf[CURL_ERROR_SIZE];
	CURLcode rc;
	long status = 0;

	f->len = 0;
	f->too_large = f->nomem = f->stopped = 0;
	free(f->etag);
	f->etag = NULL;
	errbuf[0] = 0;
	if (curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left_ms) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    connect_ms < left_ms ? connect_ms : (long)left_ms) != CURLE_OK) {
		set_err(res, "libcurl refused an option");
		return BOOTSTRAP_ERR_INIT;
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	/* errbuf lives in this frame only. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	res->http_status = status;
	if (rc != CURLE_OK)
		return transfer_error(f, rc, errbuf, res);
	if (status == 304)
		return BOOTSTRAP_NOT_MODIFIED;
	if (status != 200) {
		set_err(res, "HTTP %ld from %s", status, f->opt->url);
		return BOOTSTRAP_ERR_HTTP;
	}
	return BOOTSTRAP_OK;
}

/* Verify (when keys are set) and parse the body of a 200. */
static int
use_body(struct fetch *f, struct bootstrap_result *res)
{
	const struct bootstrap_options *opt = f->opt;
	const uint8_t *json = (const uint8_t *)f->body;
	size_t json_len = f->len;
	uint8_t *payload = NULL;
	const char *kid = NULL;
	char perr[256];
	int r;

	if (opt->keys) {
		r = jws_verify(opt->keys, f->body, f->len, &payload, &json_len,
			&kid);
		if (r == JWS_ERR_NOMEM) {
			set_err(res, "verifying the snapshot: out of memory");
			return BOOTSTRAP_ERR_NOMEM;
		}
		if (r != JWS_OK) {
			set_err(res, "snapshot from %s refused: %s", opt->url,
				jws_strerror(r));
			return BOOTSTRAP_ERR_SIGNATURE;
		}
		snprintf(res->kid, sizeof(res->kid), "%s", kid);
		json = payload;
	}
	perr[0] = 0;
	r = observation_parse(json, json_len, &res->msg, perr, sizeof(perr));
	free(payload);
	if (r == OBSERVATION_ERR_NOMEM) {
		set_err(res, "parsing the snapshot: out of memory");
		return BOOTSTRAP_ERR_NOMEM;
	}
	if (r != OBSERVATION_OK) {
		set_err(res, "snapshot from %s refused: %s%s%s", opt->url,
			observation_strerror(r), *perr ? ": " : "", perr);
		return BOOTSTRAP_ERR_PARSE;
	}
	return BOOTSTRAP_OK;
}

int
bootstrap_fetch(const struct bootstrap_options *opt,
	struct bootstrap_result *res)
{
	struct fetch f;
	struct curl_slist *hdrs = NULL, *tmp;
	char *inm = NULL;
	CURL *h = NULL;
	int64_t deadline, backoff, backoff_max;
	long connect_ms;
	int r;

	bootstrap_result_clear(res);
	if ((r = check_options(opt, res)) != BOOTSTRAP_OK)
		return r;
	if (bootstrap_global_init() != BOOTSTRAP_OK) {
		set_err(res, "libcurl global initialisation failed");
		return BOOTSTRAP_ERR_INIT;
	}
	memset(&f, 0, sizeof(f));
	f.opt = opt;
	f.max_body = opt->max_body ? opt->max_body : BOOTSTRAP_DEFAULT_MAX_BODY;
	connect_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms :
		BOOTSTRAP_DEFAULT_CONNECT_TIMEOUT_MS;
	backoff = opt->backoff_ms > 0 ? opt->backoff_ms :
		BOOTSTRAP_DEFAULT_BACKOFF_MS;
	backoff_max = opt->backoff_max_ms > 0 ? opt->backoff_max_ms :
		BOOTSTRAP_DEFAULT_BACKOFF_MAX_MS;
	deadline = now_ms() + (opt->timeout_ms > 0 ? opt->timeout_ms :
		BOOTSTRAP_DEFAULT_TIMEOUT_MS);

	r = BOOTSTRAP_ERR_NOMEM;
	set_err(res, "out of memory");
	if (opt->etag) {
		if (!(inm = malloc(strlen(opt->etag) + 16)))
			goto out;
		sprintf(inm, "If-None-Match: %s", opt->etag);
		if (!(hdrs = curl_slist_append(NULL, inm)))
			goto out;
	}
	/* A signed snapshot carries no freshness of its own: a cache on
	 * the way must not serve an old one as current. */
	if (!(tmp = curl_slist_append(hdrs, "Cache-Control: no-cache")))
		goto out;
	hdrs = tmp;
	if (opt->api_key) {
		size_t n = strlen(opt->api_key) + 12;
		char *key = malloc(n);
		if (!key)
			goto out;
		snprintf(key, n, "X-API-Key: %s", opt->api_key);
		tmp = curl_slist_append(hdrs, key);
		OPENSSL_cleanse(key, n);
		free(key);
		if (!tmp)
			goto out;
		hdrs = tmp;
	}
	if (!(h = curl_easy_init())) {
		r = BOOTSTRAP_ERR_INIT;
		set_err(res, "curl_easy_init failed");
		goto out;
	}
	if (setup_handle(h, &f, hdrs) != 0) {
		r = BOOTSTRAP_ERR_INIT;
		set_err(res, "libcurl refused an option");
		goto out;
	}
	for (;;) {
		int64_t left = deadline - now_ms();

		if (want_stop(opt)) {
			r = BOOTSTRAP_ERR_STOPPED;
			set_err(res, "fetching %s: stopped", opt->url);
			break;
		}
		if (left <= 0) {
			/* Keep the last attempt's error, it says more. */
			if (res->attempts == 0) {
				r = BOOTSTRAP_ERR_TIMEOUT;
				set_err(res, "fetching %s: deadline passed",
					opt->url);
			}
			break;
		}
		res->attempts++;
		r = attempt(h, &f, left, connect_ms, res);
		if (!transient(r, res->http_status) || (opt->max_attempts &&
		    res->attempts >= opt->max_attempts))
			break;
		/* Waiting past the deadline would only end in a timeout. */
		if (backoff >= deadline - now_ms())
			break;
		if (pause_until(opt, now_ms() + backoff)) {
			r = BOOTSTRAP_ERR_STOPPED;
			set_err(res, "fetching %s: stopped", opt->url);
			break;
		}
		backoff = backoff > backoff_max / 2 ? backoff_max : backoff * 2;
	}
	if (r != BOOTSTRAP_OK && r != BOOTSTRAP_NOT_MODIFIED) {
		if (res->attempts > 1) {
			size_t n = strlen(res->error);

			snprintf(res->error + n, sizeof(res->error) - n,
				" (after %u attempts)", res->attempts);
		}
		goto out;
	}
	res->body_len = f.len;
	res->error[0] = 0;
	if (r == BOOTSTRAP_NOT_MODIFIED) {
		res->etag = f.etag ? f.etag : strdup(opt->etag ? opt->etag : "");
		f.etag = NULL;
		if (!res->etag) {
			r = BOOTSTRAP_ERR_NOMEM;
			set_err(res, "out of memory");
		}
		goto out;
	}
	res->etag = f.etag;
	f.etag = NULL;
	r = use_body(&f, res);
	if (r != BOOTSTRAP_OK)
		observation_msg_clear(&res->msg);
out:
	if (h)
		curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	free(inm);
	free(f.body);
	free(f.etag);
	return r;
}

void
bootstrap_result_clear(struct bootstrap_result *res)
{
	observation_msg_clear(&res->msg);
	free(res->etag);
	memset(res, 0, sizeof(*res));
}

const char *
bootstrap_strerror(int err)
{
	switch (err) {
	case BOOTSTRAP_OK: return "ok";
	case BOOTSTRAP_NOT_MODIFIED: return "not modified";
	case BOOTSTRAP_ERR_NOMEM: return "out of memory";
	case BOOTSTRAP_ERR_CONFIG: return "bad bootstrap options";
	case BOOTSTRAP_ERR_INIT: return "libcurl initialisation failed";
	case BOOTSTRAP_ERR_CONNECT: return "cannot connect";
	case BOOTSTRAP_ERR_TLS: return "TLS failure";
	case BOOTSTRAP_ERR_TIMEOUT: return "timed out";
	case BOOTSTRAP_ERR_TRANSFER: return "transfer failed";
	case BOOTSTRAP_ERR_HTTP: return "HTTP error";
	case BOOTSTRAP_ERR_TOO_LARGE: return "snapshot too large";
	case BOOTSTRAP_ERR_SIGNATURE: return "snapshot signature refused";
	case BOOTSTRAP_ERR_PARSE: return "snapshot does not parse";
	case BOOTSTRAP_ERR_STOPPED: return "stopped";
	default: return "unknown error";
	}
}
