/*
 * feeds/https.c - the HTTPS set-up the fetching feeds share.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/https.h"

#include <pthread.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_result = CURLE_FAILED_INIT;

static void
init_curl(void)
{
	init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
feed_https_init(void)
{
	if (pthread_once(&init_once, init_curl) != 0)
		return -1;
	return init_result == CURLE_OK ? 0 : -1;
}

int
feed_https_setup(CURL *h, const struct feed_https *r)
{
	int bad = 0;

#define SET(o, v) bad |= curl_easy_setopt(h, o, v) != CURLE_OK
	SET(CURLOPT_URL, r->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (r->ca_file) {
		SET(CURLOPT_CAINFO, r->ca_file);
		SET(CURLOPT_CAPATH, NULL);
	}
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (r->cert_file) {
		SET(CURLOPT_SSLCERT, r->cert_file);
		SET(CURLOPT_SSLCERTTYPE, "PEM");
		SET(CURLOPT_SSLKEY, r->key_file);
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	}
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	SET(CURLOPT_HTTPHEADER, r->headers);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_body);
	SET(CURLOPT_WRITEFUNCTION, r->on_body);
	SET(CURLOPT_WRITEDATA, r->arg);
	SET(CURLOPT_HEADERFUNCTION, r->on_header);
	SET(CURLOPT_HEADERDATA, r->arg);
	SET(CURLOPT_XFERINFOFUNCTION, r->on_progress);
	SET(CURLOPT_XFERINFODATA, r->arg);
	SET(CURLOPT_NOPROGRESS, 0L);
#undef SET
	return bad ? -1 : 0;
}
