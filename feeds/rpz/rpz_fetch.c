/*
 * feeds/rpz/rpz_fetch.c - a zone published over HTTPS, fetched with
 * libcurl.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/rpz/rpz_fetch.h"
#include "feeds/https.h"
#include "module/base/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	struct feed_https req;
	struct curl_slist *hdrs = NULL;
	char line[400], errbuf[CURL_ERROR_SIZE] = "";
	enum rpz_fetch_result res = RPZ_FETCH_FAIL;
	const char *files[3] = { o->ca_file, o->cert_file, o->key_file };
	CURLcode rc;
	CURL *h;
	int bad = 0, i, r;

	memset(&b, 0, sizeof(b));
	memset(&req, 0, sizeof(req));
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
	if (feed_https_init() != 0 || !(h = curl_easy_init())) {
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
	req.url = o->url;
	req.ca_file = o->ca_file;
	req.cert_file = o->cert_file;
	req.key_file = o->key_file;
	req.headers = hdrs;
	req.max_body = o->max_bytes;
	req.on_body = on_body;
	req.on_header = on_header;
	req.on_progress = on_progress;
	req.arg = &b;
	bad = feed_https_setup(h, &req);
#define SET(opt, v) bad |= curl_easy_setopt(h, opt, v) != CURLE_OK
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
