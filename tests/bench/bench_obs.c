/*
 * tests/bench/bench_obs.c - figures for the DNS TAPIR observation feed:
 * how long a received message takes to become a visible decision, and how
 * many observations a second the feed applies while reader threads decide
 * without pause.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * usage: bench_obs [MESSAGES] [READERS]   (default: 1000 and 2)
 *        bench_obs --emit N JWKS_FILE      (for tests/bench/mqtt-load.sh)
 * Each message is a real Ed25519 flattened JWS over an observation, as
 * Core publishes them; the feed verifies, parses and commits it exactly
 * as when the MQTT transport hands it over (feed_obs_apply_message), so
 * "received" here is the moment the transport has the payload.  Build
 * without sanitizers (-O2) for meaningful numbers.
 *
 * With --emit it only writes a fresh key's JWK Set to JWKS_FILE and N
 * signed observations to stdout, one per line, for a load through a real
 * broker (mosquitto_pub -l).
 */
#include "tapir_config.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeds/tapir/feed_obs.h"
#include "feeds/tapir/jws.h"
#include "module/base/names.h"
#include "module/policy/policy.h"
#include "tests/bench/bench.h"

/* A signed observation adding one name with the tag the rule wants. */
static char *
signed_observation(EVP_PKEY *key, unsigned i, int64_t now, const char *zone)
{
	char payload[512], when[32];
	time_t t = (time_t)now;
	struct tm tm;
	char *jws = NULL;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(payload, sizeof(payload),
		"{\"src_name\":\"dns-tapir\",\"creator\":\"bench\","
		"\"msg_type\":\"observation\",\"list_type\":\"doubtlist\","
		"\"added\":[{\"name\":\"n%u.%s-%u.example.\","
		"\"time_added\":\"%s\",\"ttl\":3600,\"tag_mask\":4}],"
		"\"removed\":[]}", i, zone, i % 97, when);
	if (jws_sign_flattened((const uint8_t *)payload, strlen(payload), key,
	    "bench-1", &jws, NULL) != JWS_OK)
		return NULL;
	return jws;
}

static char *
keyset_json(EVP_PKEY *key)
{
	uint8_t raw[32];
	size_t len = sizeof(raw);
	char x[64], *json = malloc(256);

	if (!json || EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) {
		free(json);
		return NULL;
	}
	jws_b64url_encode(raw, len, x);
	snprintf(json, 256, "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
		"\"kid\":\"bench-1\",\"x\":\"%s\"}]}", x);
	return json;
}

struct reader {
	pthread_t tid;
	struct policy_store *store;
	unsigned index;
	atomic_int *stop;
	double worst_ns;
	unsigned long decisions;
};

/* Decide in a loop, keeping the longest single decision: a stall shows
 * up as a decision that took milliseconds. */
static void *
reader_thread(void *arg)
{
	struct reader *r = arg;
	uint8_t wire[NAME_WIRE_MAX];
	size_t len;
	unsigned i = 0;

	while (!atomic_load_explicit(r->stop, memory_order_relaxed)) {
		char text[64];
		struct policy_decision d;
		double t0;
		snprintf(text, sizeof(text), "n%u.bench-%u.example", i % 20000,
			(i % 20000) % 97);
		name_from_text(text, strlen(text), wire, &len);
		t0 = now_ns();
		policy_read_begin(r->store, r->index);
		policy_decide(r->store, wire, len, (int64_t)time(NULL), &d);
		policy_read_end(r->store, r->index);
		t0 = now_ns() - t0;
		if (t0 > r->worst_ns)
			r->worst_ns = t0;
		r->decisions++;
		i++;
	}
	return NULL;
}

/* --emit N FILE: the key set to FILE, N signed messages to stdout. */
static int
emit(EVP_PKEY *key, const char *keys, unsigned n, const char *path)
{
	int64_t now = (int64_t)time(NULL);
	FILE *f = fopen(path, "w");
	unsigned i;

	if (!f || fputs(keys, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "bench_obs: cannot write %s\n", path);
		return 1;
	}
	for (i = 0; i < n; i++) {
		char *jws = signed_observation(key, i, now, "load");
		if (!jws)
			return 1;
		puts(jws);
		free(jws);
	}
	return fflush(stdout) != 0;
}

int
main(int argc, char **argv)
{
	unsigned messages = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	unsigned readers = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
	unsigned burst = 10000, i;
	struct policy_rules rules;
	struct policy_store *store;
	struct feed_obs_params p;
	struct feed_obs *feed;
	struct keyring *ring;
	struct reader *rd;
	atomic_int stop = 0;
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *key = NULL;
	char keyfile[] = "/tmp/bench_obs.XXXXXX", err[256], **jws;
	double *lat, t0, elapsed, worst = 0;
	int64_t now = (int64_t)time(NULL);
	char *keys;
	FILE *f;
	int fd;

	if (!kctx || EVP_PKEY_keygen_init(kctx) != 1 ||
	    EVP_PKEY_keygen(kctx, &key) != 1 || !(keys = keyset_json(key)) ||
	    (fd = mkstemp(keyfile)) < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "bench_obs: cannot make a key\n");
		return 1;
	}
	fputs(keys, f);
	fclose(f);
	if (argc == 4 && strcmp(argv[1], "--emit") == 0) {
		unlink(keyfile);
		return emit(key, keys, (unsigned)atoi(argv[2]), argv[3]);
	}
	policy_rules_default(&rules);
	rules.tags = 4;
	rules.tags_action = POLICY_ACTION_NXDOMAIN;
	store = policy_store_create(&rules, readers + 1);
	memset(&p, 0, sizeof(p));
	policy_source_add(store, "dns-tapir", POLICY_LIST_DOUBT, 0,
		&p.source);
	p.source_name = "dns-tapir";
	p.list = POLICY_LIST_DOUBT;
	if (!(ring = keyring_create(keyfile, "bench", 1000, err,
	    sizeof(err)))) {
		fprintf(stderr, "bench_obs: %s\n", err);
		return 1;
	}
	p.keys = ring;
	p.max_entries = 10000000;
	p.store = store;
	if (!(feed = feed_obs_create(&p, err, sizeof(err)))) {
		fprintf(stderr, "bench_obs: %s\n", err);
		return 1;
	}
	unlink(keyfile);

	/* Received -> visible, one message at a time. */
	jws = calloc(messages + burst, sizeof(*jws));
	lat = calloc(messages, sizeof(*lat));
	for (i = 0; i < messages + burst; i++)
		if (!(jws[i] = signed_observation(key, i, now, "bench")))
			return 1;
	for (i = 0; i < messages; i++) {
		char text[64];
		uint8_t wire[NAME_WIRE_MAX];
		size_t len;
		struct policy_decision d;
		snprintf(text, sizeof(text), "n%u.bench-%u.example", i, i % 97);
		name_from_text(text, strlen(text), wire, &len);
		t0 = now_ns();
		feed_obs_apply_message(feed, (const uint8_t *)jws[i],
			strlen(jws[i]), now);
		policy_read_begin(store, readers);
		policy_decide(store, wire, len, now, &d);
		policy_read_end(store, readers);
		lat[i] = now_ns() - t0;
		if (d.action != POLICY_ACTION_NXDOMAIN) {
			fprintf(stderr, "bench_obs: message %u not visible\n",
				i);
			return 1;
		}
	}
	qsort(lat, messages, sizeof(*lat), cmp_double);
	printf("received -> visible over %u messages: median %.1f us, "
		"p99 %.1f us, max %.1f us\n", messages,
		lat[messages / 2] / 1e3, lat[messages * 99 / 100] / 1e3,
		lat[messages - 1] / 1e3);

	/* Throughput with readers deciding all along. */
	rd = calloc(readers, sizeof(*rd));
	for (i = 0; i < readers; i++) {
		rd[i].store = store;
		rd[i].index = i;
		rd[i].stop = &stop;
		pthread_create(&rd[i].tid, NULL, reader_thread, &rd[i]);
	}
	t0 = now_ns();
	for (i = messages; i < messages + burst; i++)
		feed_obs_apply_message(feed, (const uint8_t *)jws[i],
			strlen(jws[i]), now);
	elapsed = now_ns() - t0;
	atomic_store(&stop, 1);
	for (i = 0; i < readers; i++) {
		pthread_join(rd[i].tid, NULL);
		if (rd[i].worst_ns > worst)
			worst = rd[i].worst_ns;
	}
	printf("applied %u observations in %.0f ms: %.0f/s; %u readers, "
		"longest single decision meanwhile %.1f us\n", burst,
		elapsed / 1e6, burst / (elapsed / 1e9), readers, worst / 1e3);

	feed_obs_destroy(feed);
	keyring_destroy(ring);
	policy_store_destroy(store);
	for (i = 0; i < messages + burst; i++)
		free(jws[i]);
	free(jws);
	free(lat);
	free(rd);
	free(keys);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(kctx);
	return 0;
}
