/*
 * feeds/rpz/rpz_fetch.c - a zone published over HTTPS, fetched with
 * libcurl.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/rpz/rpz_fetch.h"
#include "module/base/fileio.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* libcurl's process-wide state, once (module/base/thread.h). */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_result;

static void
init_curl(void)
{
	init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* One transfer's body and headers. */
struct body {
	const struct rpz_fetch_options *o;
	struct rpz_fetch_state *s;
	char etag[256], last_modified[64];
	char *buf;
	size_t len, cap;
	int too_large, nomem;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (b->len + len > b->o->max_bytes) {
		b->too_large = 1;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *grown;
		while (cap < b->len + len + 1)
			cap *= 2;
		if (!(grown = realloc(b->buf, cap))) {
			b->nomem = 1;
			return 0;
		}
		b->buf = grown;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	b->buf[b->len] = 0;
	return len;
}

/* Keep a header's value (without its line break) if it is the one. */
static void
header_value(const char *line, size_t len, const char *name, char *out,
	size_t size)
{
	size_t n = strlen(name);

	if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len < size) {
		memcpy(out, line, len);
		out[len] = 0;
	}
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;

	header_value(p, size * n, "ETag", b->etag, sizeof(b->etag));
	header_value(p, size * n, "Last-Modified", b->last_modified,
		sizeof(b->last_modified));
	return size * n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
	curl_off_t un)
{
	struct body *b = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return b->o->stop && b->o->stop(b->o->stop_arg);
}

enum rpz_fetch_result
rpz_fetch(const struct rpz_fetch_options *o, struct rpz_fetch_state *s,
	char *err, size_t errlen)
{
	struct body b;
	struct curl_slist *hdrs = NULL;
	char line[400], errbuf[CURL_ERROR_SIZE] = "";
	enum rpz_fetch_result res = RPZ_FETCH_FAIL;
	const char *files[3] = { o->ca_file, o->cert_file, o->key_file };
	CURLcode rc;
	CURL *h;
	int bad = 0, i, r;

	memset(&b, 0, sizeof(b));
	b.o = o;
	b.s = s;
	s->body = NULL;
	s->len = 0;
	s->status = 0;
	/* libcurl opens these itself: a FIFO in their place would hang
	 * the thread in OpenSSL, out of reach of the stop flag. */
	for (i = 0; i < 3; i++)
		if (files[i] && (r = file_check(files[i])) != 0) {
			snprintf(err, errlen, "cannot read %s: %s", files[i],
				file_strerror(r));
			return RPZ_FETCH_FAIL;
		}
	if (pthread_once(&init_once, init_curl) != 0 ||
	    init_result != CURLE_OK || !(h = curl_easy_init())) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return RPZ_FETCH_RETRY;
	}
	if (s->etag[0]) {
		snprintf(line, sizeof(line), "If-None-Match: %s", s->etag);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (s->last_modified[0]) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s",
			s->last_modified);
		hdrs = curl_slist_append(hdrs, line);
	}
#define SET(opt, v) bad |= curl_easy_setopt(h, opt, v) != CURLE_OK
	SET(CURLOPT_URL, o->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file) {
		SET(CURLOPT_CAINFO, o->ca_file);
		SET(CURLOPT_CAPATH, NULL);
	}
	if (o->cert_file) {
		SET(CURLOPT_SSLCERT, o->cert_file);
		SET(CURLOPT_SSLCERTTYPE, "PEM");
		SET(CURLOPT_SSLKEY, o->key_file);
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	}
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, &b);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &b);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, &b);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms < 10000 ?
		o->timeout_ms : 10000L);
#undef SET
	if (bad) {
		snprintf(err, errlen, "libcurl refused an option");
		goto out;
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &s->status);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "fetching %s: %s", o->url, b.too_large ?
			"the zone is larger than transfer-max-size" : b.nomem ?
			"out of memory" : errbuf[0] ? errbuf :
			curl_easy_strerror(rc));
		res = b.too_large || rc == CURLE_URL_MALFORMAT ||
			rc == CURLE_UNSUPPORTED_PROTOCOL ? RPZ_FETCH_FAIL :
			RPZ_FETCH_RETRY;
	} else if (s->status == 304) {
		res = RPZ_FETCH_NOT_MODIFIED;
	} else if (s->status != 200) {
		snprintf(err, errlen, "HTTP %ld from %s", s->status, o->url);
		res = s->status >= 500 || s->status == 408 ||
			s->status == 429 ? RPZ_FETCH_RETRY : RPZ_FETCH_FAIL;
	} else {
		s->body = b.buf ? b.buf : strdup("");
		s->len = b.len;
		b.buf = NULL;
		memcpy(s->etag, b.etag, sizeof(s->etag));
		memcpy(s->last_modified, b.last_modified,
			sizeof(s->last_modified));
		res = s->body ? RPZ_FETCH_OK : RPZ_FETCH_RETRY;
	}
out:
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	free(b.buf);
	return res;
}
