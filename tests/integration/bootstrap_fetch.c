/*
 * tests/integration/bootstrap_fetch.c - drive feeds/tapir/bootstrap.c from a
 * shell test, and make its test data.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 *   bootstrap_fetch [options] URL     fetch a snapshot, print what came
 *   bootstrap_fetch --snapshot N OUT  write a snapshot of N names
 *   bootstrap_fetch --sign KEY KID IN OUT
 *                                     sign IN as a flattened JWS (KEY: a
 *                                     JWK or PEM private key file)
 *
 * Fetch options: --ca FILE, --cert FILE, --key FILE, --jwks FILE,
 * --unsigned, --etag ETAG, --timeout MS, --connect-timeout MS,
 * --max-body BYTES, --attempts N, --backoff MS, --stop-after MS (the
 * stop callback fires that long after the start).
 *
 * A fetch prints "name: value" lines (result, http, etag, added, skipped,
 * kid, attempts, elapsed_ms, error) and exits 0 for a snapshot, 3 for
 * "not modified", 1 for a failure, 2 for bad usage.
 */
#include "tapir_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "feeds/tapir/bootstrap.h"
#include "feeds/tapir/jws.h"
#include "feeds/tapir/observation.h"
#include "feeds/tapir/status.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t stop_at;

static int
stop_cb(void *arg)
{
	(void)arg;
	return now_ms() >= stop_at;
}

static int
usage(void)
{
	fprintf(stderr, "usage: bootstrap_fetch [options] URL\n"
		"       bootstrap_fetch --snapshot N OUT\n"
		"       bootstrap_fetch --sign KEY KID IN OUT\n");
	return 2;
}

/* A snapshot of n names n<i>.bootstrap.test., as the module writes. */
static int
make_snapshot(long n, const char *out)
{
	struct observation_writer w;
	struct observation_entry e;
	uint8_t name[64];
	FILE *f = fopen(out, "w");
	long i;
	int r;

	if (!f) {
		perror(out);
		return 1;
	}
	observation_writer_file(&w, f);
	observation_snapshot_begin(&w, "dns-tapir", "bootstrap_fetch",
		POLICY_LIST_DOUBT, 1784538902);
	for (i = 0; i < n; i++) {
		int len = snprintf((char *)name + 1, sizeof(name) - 1, "n%ld",
			i);

		name[0] = (uint8_t)len;
		memcpy(name + 1 + len, "\011bootstrap\004test", 16);
		memset(&e, 0, sizeof(e));
		e.name = name;
		e.name_len = (size_t)len + 1 + 16;
		e.time_added = 1784538902 - i;
		e.ttl = 3600;
		e.tag_mask = 1u << (i % 6);
		observation_snapshot_add(&w, &e);
	}
	r = observation_snapshot_end(&w);
	if (fclose(f) != 0 || r != OBSERVATION_OK) {
		fprintf(stderr, "%s: %s\n", out, observation_strerror(r));
		return 1;
	}
	return 0;
}

static int
sign_file(const char *keyfile, const char *kid, const char *in,
	const char *out)
{
	EVP_PKEY *key;
	char *key_kid, *jws = NULL, err[512];
	uint8_t *buf;
	size_t len, jws_len;
	long size;
	FILE *f;
	int r;

	if ((r = status_key_load(keyfile, &key, &key_kid, err, sizeof(err))) !=
	    STATUS_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	free(key_kid);
	if (!(f = fopen(in, "rb")) || fseek(f, 0, SEEK_END) != 0 ||
	    (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)size + 1)) ||
	    (len = fread(buf, 1, (size_t)size, f)) != (size_t)size) {
		perror(in);
		return 1;
	}
	fclose(f);
	r = jws_sign_flattened(buf, len, key, kid, &jws, &jws_len);
	free(buf);
	EVP_PKEY_free(key);
	if (r != JWS_OK) {
		fprintf(stderr, "signing: %s\n", jws_strerror(r));
		return 1;
	}
	if (!(f = fopen(out, "wb")) || fwrite(jws, 1, jws_len, f) != jws_len ||
	    fclose(f) != 0) {
		perror(out);
		return 1;
	}
	free(jws);
	return 0;
}

static const char *
code_name(int r)
{
	static const char *const names[] = {
		"OK", "NOT_MODIFIED", "ERR_NOMEM", "ERR_CONFIG", "ERR_INIT",
		"ERR_CONNECT", "ERR_TLS", "ERR_TIMEOUT", "ERR_TRANSFER",
		"ERR_HTTP", "ERR_TOO_LARGE", "ERR_SIGNATURE", "ERR_PARSE",
		"ERR_STOPPED"
	};

	return r >= 0 && r < (int)(sizeof(names) / sizeof(names[0])) ?
		names[r] : "?";
}

int
main(int argc, char **argv)
{
	struct bootstrap_options opt;
	struct bootstrap_result res;
	struct jws_keyset *ks = NULL;
	char err[512];
	int64_t start;
	int i, r;

	if (argc == 4 && strcmp(argv[1], "--snapshot") == 0)
		return make_snapshot(atol(argv[2]), argv[3]);
	if (argc == 6 && strcmp(argv[1], "--sign") == 0)
		return sign_file(argv[2], argv[3], argv[4], argv[5]);
	memset(&opt, 0, sizeof(opt));
	for (i = 1; i < argc - 1; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--unsigned") == 0) {
			opt.allow_unsigned = 1;
			continue;
		}
		if (i + 1 >= argc - 1)
			return usage();
		if (strcmp(o, "--ca") == 0)
			opt.ca_file = argv[++i];
		else if (strcmp(o, "--cert") == 0)
			opt.client_cert = argv[++i];
		else if (strcmp(o, "--key") == 0)
			opt.client_key = argv[++i];
		else if (strcmp(o, "--etag") == 0)
			opt.etag = argv[++i];
		else if (strcmp(o, "--timeout") == 0)
			opt.timeout_ms = atol(argv[++i]);
		else if (strcmp(o, "--connect-timeout") == 0)
			opt.connect_timeout_ms = atol(argv[++i]);
		else if (strcmp(o, "--max-body") == 0)
			opt.max_body = (size_t)atol(argv[++i]);
		else if (strcmp(o, "--attempts") == 0)
			opt.max_attempts = (unsigned)atoi(argv[++i]);
		else if (strcmp(o, "--backoff") == 0)
			opt.backoff_ms = atol(argv[++i]);
		else if (strcmp(o, "--stop-after") == 0) {
			stop_at = now_ms() + atol(argv[++i]);
			opt.stop = stop_cb;
		} else if (strcmp(o, "--jwks") == 0) {
			if (jws_keyset_load_file(argv[++i], &ks, err,
			    sizeof(err)) != JWS_OK) {
				fprintf(stderr, "%s: %s\n", argv[i], err);
				return 2;
			}
			opt.keys = ks;
		} else
			return usage();
	}
	if (i != argc - 1)
		return usage();
	opt.url = argv[i];
	if (bootstrap_global_init() != BOOTSTRAP_OK) {
		fprintf(stderr, "libcurl initialisation failed\n");
		return 1;
	}
	memset(&res, 0, sizeof(res));
	start = now_ms();
	r = bootstrap_fetch(&opt, &res);
	printf("result: %s (%s)\n", code_name(r), bootstrap_strerror(r));
	printf("http: %ld\n", res.http_status);
	printf("etag: %s\n", res.etag ? res.etag : "-");
	printf("added: %zu\n", res.msg.n_added);
	printf("skipped: %zu\n", res.msg.n_skipped);
	printf("kid: %s\n", *res.kid ? res.kid : "-");
	printf("bytes: %zu\n", res.body_len);
	printf("attempts: %u\n", res.attempts);
	printf("elapsed_ms: %lld\n", (long long)(now_ms() - start));
	printf("error: %s\n", *res.error ? res.error : "-");
	bootstrap_result_clear(&res);
	jws_keyset_free(ks);
	return r == BOOTSTRAP_OK ? 0 : r == BOOTSTRAP_NOT_MODIFIED ? 3 : 1;
}
