/*
 * tests/unit/test_status.c - signed status reports: what DNS TAPIR's
 * receiver decodes, the node's key files, the rate limiter.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "feeds/tapir/jws.h"
#include "feeds/tapir/observation.h"
#include "feeds/tapir/status.h"

#define EDGE "edge-17.example"
/* 2026-07-20T09:15:02Z */
#define T0 INT64_C(1784538902)

static char tmpdir[] = "/tmp/test_status.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
tmp_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static char *
b64(const uint8_t *in, size_t len)
{
	static char buf[4][128];
	static int next;
	char *out = buf[next++ % 4];

	jws_b64url_encode(in, len, out);
	return out;
}

/* A BIGNUM parameter of key, n bytes big-endian, base64url. */
static char *
bn_member(EVP_PKEY *key, const char *param, size_t n)
{
	BIGNUM *bn = NULL;
	uint8_t raw[48];

	assert_int_equal(EVP_PKEY_get_bn_param(key, param, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, raw, (int)n), (int)n);
	BN_clear_free(bn);
	return b64(raw, n);
}

/* The JWK of key; priv 1 includes "d".  extra: more members or "". */
static char *
jwk_of(EVP_PKEY *key, const char *kid, int priv, const char *extra)
{
	static char buf[1024];
	uint8_t raw[32];
	size_t len = sizeof(raw);

	if (EVP_PKEY_is_a(key, "ED25519")) {
		char x[64], d[64] = "";

		assert_int_equal(EVP_PKEY_get_raw_public_key(key, raw, &len),
			1);
		snprintf(x, sizeof(x), "%s", b64(raw, len));
		if (priv) {
			assert_int_equal(EVP_PKEY_get_raw_private_key(key, raw,
				&len), 1);
			snprintf(d, sizeof(d), "%s", b64(raw, len));
		}
		snprintf(buf, sizeof(buf), "{\"kty\":\"OKP\",\"crv\":"
			"\"Ed25519\",\"kid\":\"%s\",\"x\":\"%s\"%s%s%s%s}", kid,
			x, priv ? ",\"d\":\"" : "", d, priv ? "\"" : "", extra);
	} else {
		char group[16];
		size_t n;

		assert_int_equal(EVP_PKEY_get_utf8_string_param(key,
			OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL),
			1);
		n = strcmp(group, "prime256v1") == 0 ? 32 : 48;
		snprintf(buf, sizeof(buf), "{\"kty\":\"EC\",\"crv\":\"%s\","
			"\"kid\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"%s%s%s%s}",
			n == 32 ? "P-256" : "P-384", kid,
			bn_member(key, OSSL_PKEY_PARAM_EC_PUB_X, n),
			bn_member(key, OSSL_PKEY_PARAM_EC_PUB_Y, n),
			priv ? ",\"d\":\"" : "",
			priv ? bn_member(key, OSSL_PKEY_PARAM_PRIV_KEY, n) : "",
			priv ? "\"" : "", extra);
	}
	return buf;
}

static struct jws_keyset *
keyset_of(EVP_PKEY *key, const char *kid)
{
	char set[1200], err[256];
	struct jws_keyset *ks;

	snprintf(set, sizeof(set), "{\"keys\":[%s]}", jwk_of(key, kid, 0, ""));
	assert_int_equal(jws_keyset_load_buffer(set, strlen(set), &ks, err,
		sizeof(err)), JWS_OK);
	return ks;
}

static const struct status_component components[] = {
	{ .name = "tapir-observation", .state = STATUS_STATE_OK,
	  .msg = "subscribed", .last_success = T0 - 5,
	  .received = 1000, .applied = 990, .rejected = 10, .lapsed = 7,
	  .names = 4321 },
	{ .name = "rpz:local", .state = STATUS_STATE_FAIL,
	  .error_msg = "transfer refused", .warning_msg = "serial behind",
	  .num_fails = 3, .num_warnings = 1, .last_fail = T0 - 60,
	  .last_warn = T0 - 3600, .names = 12 },
	{ .name = "r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s", .state = STATUS_STATE_WARN,
	  .num_fails = 2, .last_fail = T0 - 30 }
};

static const struct status_report report = {
	.edge_id = EDGE, .timestamp = T0, .components = components,
	.n_components = 3
};

static void
assert_time(json_t *obj, const char *member, int64_t want)
{
	json_t *v = json_object_get(obj, member);
	int64_t t;

	assert_true(json_is_string(v));
	assert_int_equal(observation_parse_time(json_string_value(v),
		json_string_length(v), &t), 0);
	assert_int_equal(t, want ? want : OBSERVATION_TIME_ZERO);
}

static void
assert_str(json_t *obj, const char *member, const char *want)
{
	json_t *v = json_object_get(obj, member);

	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), want ? want : "");
}

static void
assert_int(json_t *obj, const char *member, json_int_t want)
{
	json_t *v = json_object_get(obj, member);

	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), want);
}

/* The document as tapir.TapirFunctionStatus decodes it. */
static void
check_document(json_t *doc)
{
	json_t *comps, *c, *counters;
	size_t i;

	assert_true(json_is_object(doc));
	assert_str(doc, "Function", "tapir-pop");
	assert_str(doc, "FunctionID", EDGE);
	assert_int(doc, "NumFailures", 5);
	assert_time(doc, "LastFailure", T0 - 30);
	assert_time(doc, "Timestamp", T0);
	comps = json_object_get(doc, "ComponentStatus");
	assert_true(json_is_object(comps));
	assert_int_equal(json_object_size(comps), 3);
	for (i = 0; i < 3; i++) {
		const struct status_component *sc = &components[i];

		c = json_object_get(comps, sc->name);
		assert_non_null(c);
		assert_str(c, "Component", sc->name);
		assert_int(c, "Status", sc->state);
		assert_str(c, "Msg", sc->msg);
		assert_str(c, "ErrorMsg", sc->error_msg);
		assert_str(c, "WarningMsg", sc->warning_msg);
		assert_int(c, "NumFails", sc->num_fails);
		assert_int(c, "NumWarnings", sc->num_warnings);
		assert_time(c, "LastFail", sc->last_fail);
		assert_time(c, "LastWarn", sc->last_warn);
		assert_time(c, "LastSuccess", sc->last_success);
		counters = json_object_get(c, "Counters");
		assert_true(json_is_object(counters));
		assert_int(counters, "Received", (json_int_t)sc->received);
		assert_int(counters, "Applied", (json_int_t)sc->applied);
		assert_int(counters, "Rejected", (json_int_t)sc->rejected);
		assert_int(counters, "Lapsed", (json_int_t)sc->lapsed);
		assert_int(counters, "Names", (json_int_t)sc->names);
	}
	/* tapir.ComponentStatus numbering: StatusFail 0, Warn 1, OK 2. */
	assert_int(json_object_get(comps, "rpz:local"), "Status", 0);
	assert_int(json_object_get(comps, "tapir-observation"), "Status", 2);
}

static void
sign_verify(EVP_PKEY *key, const char *alg)
{
	struct jws_keyset *ks = keyset_of(key, EDGE);
	char *topic, *jws;
	size_t len, plen;
	uint8_t *payload;
	const char *kid;
	json_t *doc, *hdr;
	json_error_t jerr;
	uint8_t hbuf[256];
	size_t hlen;

	assert_int_equal(status_sign(&report, key, EDGE, &topic, &jws, &len),
		STATUS_OK);
	assert_string_equal(topic, "status/up/" EDGE "/tapir-pop");
	assert_int_equal(strlen(jws), len);
	/* The receiver's view: a flattened JWS that verifies with the
	 * node's public key, kid and alg in the protected header. */
	assert_int_equal(jws_verify(ks, jws, len, &payload, &plen, &kid),
		JWS_OK);
	assert_string_equal(kid, EDGE);
	doc = json_loads(jws, 0, &jerr);
	assert_non_null(doc);
	assert_true(json_is_string(json_object_get(doc, "payload")));
	assert_true(json_is_string(json_object_get(doc, "signature")));
	assert_int_equal(jws_b64url_decode(json_string_value(json_object_get(
		doc, "protected")), json_string_length(json_object_get(doc,
		"protected")), hbuf, &hlen), 0);
	json_decref(doc);
	hdr = json_loadb((char *)hbuf, hlen, 0, &jerr);
	assert_non_null(hdr);
	assert_str(hdr, "alg", alg);
	assert_str(hdr, "kid", EDGE);
	json_decref(hdr);
	doc = json_loadb((char *)payload, plen, 0, &jerr);
	assert_non_null(doc);
	check_document(doc);
	json_decref(doc);
	free(payload);
	free(topic);
	free(jws);
	jws_keyset_free(ks);
}

static void
test_signed_report(void **state)
{
	EVP_PKEY *key;

	(void)state;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(key);
	sign_verify(key, "EdDSA");
	EVP_PKEY_free(key);
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	sign_verify(key, "ES256");
	EVP_PKEY_free(key);
}

static void
test_document(void **state)
{
	char *a, *b;
	size_t len;
	struct status_component rev[3];
	struct status_report r = report;
	json_error_t jerr;
	json_t *doc;

	(void)state;
	assert_int_equal(status_document(&report, 1, &a, &len), STATUS_OK);
	assert_int_equal(strlen(a), len);
	doc = json_loads(a, 0, &jerr);
	check_document(doc);
	json_decref(doc);
	free(a);
	/* Without the timestamp, and the same whatever the order of the
	 * components, so the limiter compares contents. */
	assert_int_equal(status_document(&report, 0, &a, NULL), STATUS_OK);
	assert_null(strstr(a, "Timestamp"));
	rev[0] = components[2];
	rev[1] = components[0];
	rev[2] = components[1];
	r.components = rev;
	r.timestamp = T0 + 999;
	assert_int_equal(status_document(&r, 0, &b, NULL), STATUS_OK);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* No component at all is still a report. */
	r.n_components = 0;
	assert_int_equal(status_document(&r, 1, &a, NULL), STATUS_OK);
	doc = json_loads(a, 0, &jerr);
	assert_int_equal(json_object_size(json_object_get(doc,
		"ComponentStatus")), 0);
	assert_int(doc, "NumFailures", 0);
	assert_time(doc, "LastFailure", 0);
	json_decref(doc);
	free(a);
}

static void
test_bad_reports(void **state)
{
	static const char *const bad_ids[] = {
		"", "a/b", "a+", "#", "tab\there", "\xff\xfe", NULL
	};
	struct status_component c[2] = { components[0], components[1] };
	struct status_report r = { .edge_id = EDGE, .timestamp = T0,
		.components = c, .n_components = 2 };
	char topic[256], long_id[200], *doc = (char *)1;
	size_t i;

	(void)state;
	for (i = 0; bad_ids[i]; i++) {
		assert_int_equal(status_topic(bad_ids[i], topic, sizeof(topic)),
			STATUS_ERR_ARG);
		r.edge_id = bad_ids[i];
		assert_int_equal(status_document(&r, 1, &doc, NULL),
			STATUS_ERR_ARG);
		assert_null(doc);
	}
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = 0;
	assert_int_equal(status_topic(long_id, topic, sizeof(topic)),
		STATUS_ERR_ARG);
	assert_int_equal(status_topic(EDGE, topic, 10), STATUS_ERR_ARG);
	assert_int_equal(status_topic(EDGE, topic, sizeof(topic)), STATUS_OK);
	assert_string_equal(topic, "status/up/" EDGE "/tapir-pop");
	r.edge_id = EDGE;
	/* Two components of one name would collapse into one. */
	c[1].name = c[0].name;
	assert_int_equal(status_document(&r, 1, &doc, NULL), STATUS_ERR_ARG);
	c[1] = components[1];
	c[1].name = "";
	assert_int_equal(status_document(&r, 1, &doc, NULL), STATUS_ERR_ARG);
	c[1] = components[1];
	c[1].state = (enum status_state)3;
	assert_int_equal(status_document(&r, 1, &doc, NULL), STATUS_ERR_ARG);
	c[1] = components[1];
	c[1].error_msg = "not \xc0 UTF-8";
	assert_int_equal(status_document(&r, 1, &doc, NULL), STATUS_ERR_ARG);
	c[1] = components[1];
	c[1].last_warn = INT64_C(400000000000);
	assert_int_equal(status_document(&r, 1, &doc, NULL), STATUS_ERR_ARG);
	c[1] = components[1];
	r.timestamp = INT64_C(-400000000000);
	assert_int_equal(status_document(&r, 1, &doc, NULL), STATUS_ERR_ARG);
	assert_null(doc);
}

/* Load path and check that it signs as key (same public key). */
static void
assert_same_key(const char *path, EVP_PKEY *key, const char *want_kid)
{
	struct jws_keyset *ks = keyset_of(key, "k");
	EVP_PKEY *loaded;
	char *kid, *jws, err[256];
	size_t len;
	uint8_t *payload;

	assert_int_equal(status_key_load(path, &loaded, &kid, err,
		sizeof(err)), STATUS_OK);
	if (want_kid)
		assert_string_equal(kid, want_kid);
	else
		assert_null(kid);
	assert_int_equal(jws_sign_flattened((const uint8_t *)"{}", 2, loaded,
		"k", &jws, &len), JWS_OK);
	assert_int_equal(jws_verify(ks, jws, len, &payload, &len, NULL),
		JWS_OK);
	free(payload);
	free(jws);
	free(kid);
	EVP_PKEY_free(loaded);
	jws_keyset_free(ks);
}

static void
assert_key_refused(const char *path, int want)
{
	EVP_PKEY *loaded = (EVP_PKEY *)1;
	char *kid = (char *)1, err[256] = "";

	assert_int_equal(status_key_load(path, &loaded, &kid, err,
		sizeof(err)), want);
	assert_null(loaded);
	assert_null(kid);
	/* The message names the file. */
	assert_non_null(strstr(err, path));
}

static char *
pem_of(EVP_PKEY *key, const EVP_CIPHER *enc)
{
	static char buf[4096];
	BIO *bio = BIO_new(BIO_s_mem());
	int n;

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, key, enc,
		(unsigned char *)(enc ? "secret" : NULL), enc ? 6 : 0, NULL,
		NULL), 1);
	n = BIO_read(bio, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	BIO_free(bio);
	return buf;
}

static void
test_key_files(void **state)
{
	EVP_PKEY *ed, *ec, *ec384, *other, *other_ec, *x25519;
	char text[2048];
	const char *path;

	(void)state;
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	other_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_true(ed && ec && ec384 && other && other_ec && x25519);

	/* What enrollment writes: datakey-priv.json, an Ed25519 JWK with
	 * the node's name as kid, alg and the issuer. */
	path = tmp_file("datakey-priv.json", jwk_of(ed, EDGE, 1,
		",\"alg\":\"EdDSA\",\"iss\":\"https://nodeman.example/\""));
	assert_same_key(path, ed, EDGE);
	path = tmp_file("ec.json", jwk_of(ec, "ec-node", 1, ""));
	assert_same_key(path, ec, "ec-node");
	path = tmp_file("ec384.json", jwk_of(ec384, "", 1,
		",\"alg\":\"ES384\""));
	assert_same_key(path, ec384, NULL);
	/* PEM, PKCS#8 and traditional EC: no kid. */
	path = tmp_file("ed.pem", pem_of(ed, NULL));
	assert_same_key(path, ed, NULL);
	path = tmp_file("ec.pem", pem_of(ec, NULL));
	assert_same_key(path, ec, NULL);

	/* A public JWK cannot sign. */
	path = tmp_file("pub.json", jwk_of(ed, EDGE, 0, ""));
	assert_key_refused(path, STATUS_ERR_KEY);
	/* x of another key than d. */
	snprintf(text, sizeof(text), "%s", jwk_of(ed, EDGE, 1, ""));
	memcpy(strstr(text, "\"x\":\"") + 5, strstr(jwk_of(other, EDGE, 0,
		""), "\"x\":\"") + 5, 43);
	path = tmp_file("mismatch.json", text);
	assert_key_refused(path, STATUS_ERR_KEY);
	/* An EC d with another key's x, y. */
	snprintf(text, sizeof(text), "%s", jwk_of(ec, EDGE, 1, ""));
	memcpy(strstr(text, "\"d\":\"") + 5, strstr(jwk_of(other_ec, EDGE, 1,
		""), "\"d\":\"") + 5, 43);
	path = tmp_file("ec-mismatch.json", text);
	assert_key_refused(path, STATUS_ERR_KEY);
	/* alg that does not fit the key. */
	path = tmp_file("alg.json", jwk_of(ed, EDGE, 1, ",\"alg\":\"ES256\""));
	assert_key_refused(path, STATUS_ERR_KEY);
	path = tmp_file("rsa.json", "{\"kty\":\"RSA\",\"crv\":\"x\","
		"\"d\":\"AA\"}");
	assert_key_refused(path, STATUS_ERR_KEY);
	path = tmp_file("broken.json", "{\"kty\":");
	assert_key_refused(path, STATUS_ERR_KEY);
	path = tmp_file("garbage.pem", "not a key\n");
	assert_key_refused(path, STATUS_ERR_KEY);
	/* An encrypted key is refused, not prompted for. */
	path = tmp_file("enc.pem", pem_of(ed, EVP_aes_128_cbc()));
	assert_key_refused(path, STATUS_ERR_KEY);
	path = tmp_file("x25519.pem", pem_of(x25519, NULL));
	assert_key_refused(path, STATUS_ERR_KEY);
	assert_key_refused("/nonexistent/datakey-priv.json", STATUS_ERR_IO);

	EVP_PKEY_free(ed);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(other);
	EVP_PKEY_free(other_ec);
	EVP_PKEY_free(x25519);
}

/* status_poll at time now with component 0's received counter set. */
static int
poll_at(struct status_limiter *l, EVP_PKEY *key, int64_t now,
	uint64_t received)
{
	struct status_component c[3] = {
		components[0], components[1], components[2]
	};
	struct status_report r = report;
	char *topic, *payload;
	size_t len;
	int ret;

	c[0].received = received;
	r.components = c;
	r.timestamp = now;
	ret = status_poll(l, &r, key, EDGE, &topic, &payload, &len);
	if (ret == STATUS_OK) {
		assert_string_equal(topic, "status/up/" EDGE "/tapir-pop");
		assert_int_equal(strlen(payload), len);
	} else {
		assert_null(topic);
		assert_null(payload);
	}
	free(topic);
	free(payload);
	return ret;
}

static void
test_rate_limit(void **state)
{
	struct status_limiter l;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	(void)state;
	assert_non_null(key);
	status_limiter_init(&l, STATUS_DEFAULT_INTERVAL);
	/* The first report goes out. */
	assert_int_equal(poll_at(&l, key, T0, 1), STATUS_OK);
	/* Unchanged: not again (the timestamp differs, but does not
	 * count). */
	assert_int_equal(poll_at(&l, key, T0 + 1, 1), STATUS_NOT_DUE);
	/* Changed, within a minute of the last report: wait. */
	assert_int_equal(poll_at(&l, key, T0 + 30, 2), STATUS_NOT_DUE);
	assert_int_equal(poll_at(&l, key, T0 + 59, 2), STATUS_NOT_DUE);
	/* A minute later, the changed report goes out. */
	assert_int_equal(poll_at(&l, key, T0 + 60, 2), STATUS_OK);
	/* Unchanged for an hour: nothing. */
	assert_int_equal(poll_at(&l, key, T0 + 3600, 2), STATUS_NOT_DUE);
	/* A change long after the last report goes out at once. */
	assert_int_equal(poll_at(&l, key, T0 + 3601, 3), STATUS_OK);
	assert_int_equal(poll_at(&l, key, T0 + 3602, 4), STATUS_NOT_DUE);
	assert_int_equal(poll_at(&l, key, T0 + 3661, 4), STATUS_OK);
	/* Back to an older content is a change too. */
	assert_int_equal(poll_at(&l, key, T0 + 3721, 3), STATUS_OK);
	/* After a failed publication, the same report goes out again. */
	assert_int_equal(poll_at(&l, key, T0 + 3900, 3), STATUS_NOT_DUE);
	status_limiter_forget(&l);
	assert_int_equal(poll_at(&l, key, T0 + 3901, 3), STATUS_OK);
	assert_int_equal(poll_at(&l, key, T0 + 3902, 5), STATUS_NOT_DUE);
	/* A bad report is an error, not "not due". */
	{
		struct status_report r = report;
		char *topic, *payload;

		r.edge_id = "a/b";
		assert_int_equal(status_poll(&l, &r, key, EDGE, &topic,
			&payload, NULL), STATUS_ERR_ARG);
	}
	/* A key that cannot sign: error, and the limiter does not count
	 * the report as sent. */
	{
		EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");

		assert_int_equal(poll_at(&l, x, T0 + 4000, 6),
			STATUS_ERR_SIGN);
		assert_int_equal(poll_at(&l, key, T0 + 4000, 6), STATUS_OK);
		EVP_PKEY_free(x);
	}
	EVP_PKEY_free(key);
}

static void
test_limiter_direct(void **state)
{
	struct status_limiter l;

	(void)state;
	status_limiter_init(&l, 10);
	assert_int_equal(status_limiter_check(&l, "a", 1, 100), 1);
	assert_int_equal(status_limiter_check(&l, "b", 1, 109), 0);
	assert_int_equal(status_limiter_check(&l, "a", 1, 110), 0);
	assert_int_equal(status_limiter_check(&l, "b", 1, 110), 1);
	assert_int_equal(status_limiter_check(&l, "b", 1, 500), 0);
}

static void
test_strerror(void **state)
{
	int i, j;

	(void)state;
	for (i = STATUS_OK; i <= STATUS_ERR_SIGN; i++) {
		assert_string_not_equal(status_strerror(i), "unknown error");
		for (j = STATUS_OK; j < i; j++)
			assert_string_not_equal(status_strerror(i),
				status_strerror(j));
	}
	assert_string_equal(status_strerror(-1), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_report),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_bad_reports),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_limiter_direct),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("status", tests, setup, teardown);
}
