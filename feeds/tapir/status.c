/*
 * feeds/tapir/status.c - signed status reports to DNS TAPIR.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/status.h"
#include "module/base/fileio.h"
#include "module/base/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "feeds/tapir/jws.h"
#include "feeds/tapir/observation.h"

/* A key file is a few hundred bytes; anything this big is not one. */
#define KEY_FILE_MAX (64 * 1024)
/* Longest edge id accepted; DNS TAPIR's are node names. */
#define EDGE_ID_MAX 128

static const char topic_prefix[] = "status/up/";
static const char topic_suffix[] = "/tapir-pop";

/* ---- the key ---- */

static EVP_PKEY *
jwk_ed25519(json_t *jwk)
{
	uint8_t d[32], x[32], pub[32];
	size_t pub_len = sizeof(pub);
	EVP_PKEY *key;

	if (jws_jwk_bytes(jwk, "d", d, sizeof(d)) != 0)
		return NULL;
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d,
		sizeof(d));
	OPENSSL_cleanse(d, sizeof(d));
	/* A stated public key must be this private key's. */
	if (key && json_object_get(jwk, "x") &&
	    (jws_jwk_bytes(jwk, "x", x, sizeof(x)) != 0 ||
	    EVP_PKEY_get_raw_public_key(key, pub, &pub_len) != 1 ||
	    memcmp(x, pub, sizeof(x)) != 0)) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

static EVP_PKEY *
jwk_ec(json_t *jwk, const char *group, size_t n)
{
	uint8_t d[48], point[1 + 2 * 48];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *priv = NULL;
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	EVP_PKEY *key = NULL;

	point[0] = 4;
	if (jws_jwk_bytes(jwk, "d", d, n) != 0 ||
	    jws_jwk_bytes(jwk, "x", point + 1, n) != 0 ||
	    jws_jwk_bytes(jwk, "y", point + 1 + n, n) != 0)
		goto out;
	if (!(priv = BN_secure_new()) || !BN_bin2bn(d, (int)n, priv) ||
	    !(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    point, 1 + 2 * n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		goto out;
	/* x, y must be d's public point, or we would sign with a key the
	 * receiver does not have. */
	if (!(check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) ||
	    EVP_PKEY_pairwise_check(check) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
out:
	OPENSSL_cleanse(d, sizeof(d));
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	return key;
}

static int
key_from_jwk(const char *text, size_t len, EVP_PKEY **key, char **kid,
	char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *jwk = json_loadb(text, len, 0, &jerr);
	const char *kty, *crv, *alg, *id, *want;
	int r = STATUS_ERR_KEY;

	if (!json_is_object(jwk)) {
		tapir_err_set(err, errlen, "not a JWK: %s", jwk ? "not an object" :
			jerr.text);
		goto out;
	}
	kty = json_string_value(json_object_get(jwk, "kty"));
	crv = json_string_value(json_object_get(jwk, "crv"));
	alg = json_string_value(json_object_get(jwk, "alg"));
	id = json_string_value(json_object_get(jwk, "kid"));
	if (!kty || !crv) {
		tapir_err_set(err, errlen, "JWK without kty or crv");
		goto out;
	}
	if (!json_object_get(jwk, "d")) {
		tapir_err_set(err, errlen, "JWK is a public key (no \"d\")");
		goto out;
	}
	if (strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0) {
		want = "EdDSA";
		*key = jwk_ed25519(jwk);
	} else if (strcmp(kty, "EC") == 0 && strcmp(crv, "P-256") == 0) {
		want = "ES256";
		*key = jwk_ec(jwk, "P-256", 32);
	} else if (strcmp(kty, "EC") == 0 && strcmp(crv, "P-384") == 0) {
		want = "ES384";
		*key = jwk_ec(jwk, "P-384", 48);
	} else {
		tapir_err_set(err, errlen, "JWK of kty %s crv %s cannot sign a "
			"status (Ed25519, P-256 or P-384 only)", kty, crv);
		goto out;
	}
	ERR_clear_error();
	if (!*key) {
		tapir_err_set(err, errlen, "bad %s %s JWK (members d, x, y)", kty,
			crv);
		goto out;
	}
	if (alg && strcmp(alg, want) != 0) {
		tapir_err_set(err, errlen, "JWK alg %s does not fit a %s key", alg,
			crv);
		goto fail;
	}
	if (id && *id && !(*kid = strdup(id))) {
		r = STATUS_ERR_NOMEM;
		tapir_err_set(err, errlen, "out of memory");
		goto fail;
	}
	r = STATUS_OK;
	goto out;
fail:
	EVP_PKEY_free(*key);
	*key = NULL;
out:
	json_decref(jwk);
	return r;
}

/* An encrypted PEM key would make OpenSSL prompt on the terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int
key_from_pem(const char *text, size_t len, EVP_PKEY **key, char *err,
	size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	char *probe = NULL;
	int r;

	if (!bio) {
		tapir_err_set(err, errlen, "out of memory");
		return STATUS_ERR_NOMEM;
	}
	*key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!*key) {
		tapir_err_set(err, errlen, "no unencrypted PEM private key");
		return STATUS_ERR_KEY;
	}
	/* Only a key jws_sign_flattened() can use is of any good. */
	r = jws_sign_flattened((const uint8_t *)"", 0, *key, "probe", &probe,
		NULL);
	free(probe);
	if (r == JWS_OK)
		return STATUS_OK;
	tapir_err_set(err, errlen, "PEM key cannot sign a status: %s (Ed25519, "
		"P-256 or P-384 only)", jws_strerror(r));
	EVP_PKEY_free(*key);
	*key = NULL;
	return r == JWS_ERR_NOMEM ? STATUS_ERR_NOMEM : STATUS_ERR_KEY;
}

int
status_key_load(const char *path, EVP_PKEY **key, char **kid, char *err,
	size_t errlen)
{
	char *text;
	size_t len, i;
	int r;

	*key = NULL;
	*kid = NULL;
	if ((r = file_read_all(path, KEY_FILE_MAX, &text, &len)) != 0) {
		tapir_err_set(err, errlen, "%s: %s", path, file_strerror(r));
		return r == ENOMEM ? STATUS_ERR_NOMEM : STATUS_ERR_IO;
	}
	for (i = 0; i < len && strchr(" \t\r\n", text[i]); i++)
		;
	if (i < len && text[i] == '{')
		r = key_from_jwk(text, len, key, kid, err, errlen);
	else
		r = key_from_pem(text, len, key, err, errlen);
	OPENSSL_cleanse(text, len);
	free(text);
	if (r != STATUS_OK && err && errlen) {
		/* Name the file, the message alone does not. */
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%s", err);
		tapir_err_set(err, errlen, "%s: %s", path, tmp);
	}
	return r;
}

/* ---- the document ---- */

/* An RFC 3339 time; 0 is Go's zero time (never). */
static json_t *
json_time(int64_t t)
{
	char buf[32];

	if (observation_format_time(t ? t : OBSERVATION_TIME_ZERO, buf,
	    sizeof(buf)) != 0)
		return NULL;
	return json_string(buf);
}

static json_t *
json_count(uint64_t n)
{
	return json_integer(n > (uint64_t)INT64_MAX ? INT64_MAX :
		(json_int_t)n);
}

/* "" for NULL; NULL if not UTF-8. */
static json_t *
json_text(const char *s)
{
	return json_string(s ? s : "");
}

static json_t *
component_json(const struct status_component *c)
{
	return json_pack("{s:o?, s:i, s:o?, s:o?, s:o?, s:I, s:I, s:o?, s:o?,"
		" s:o?, s:{s:o?, s:o?, s:o?, s:o?, s:o?}}",
		"Component", json_string(c->name),
		"Status", (int)c->state,
		"Msg", json_text(c->msg),
		"ErrorMsg", json_text(c->error_msg),
		"WarningMsg", json_text(c->warning_msg),
		"NumFails", (json_int_t)c->num_fails,
		"NumWarnings", (json_int_t)c->num_warnings,
		"LastFail", json_time(c->last_fail),
		"LastWarn", json_time(c->last_warn),
		"LastSuccess", json_time(c->last_success),
		"Counters",
		"Received", json_count(c->received),
		"Applied", json_count(c->applied),
		"Rejected", json_count(c->rejected),
		"Lapsed", json_count(c->lapsed),
		"Names", json_count(c->names));
}

/* json_pack's "o?" turns a failed member into null; a report with a
 * null where a string or time belongs is refused instead. */
static int
component_complete(json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		if (json_is_null(v))
			return 0;
		if (json_is_object(v) && !component_complete(v))
			return 0;
	}
	return 1;
}

int
status_document(const struct status_report *r, int with_timestamp,
	char **out, size_t *out_len)
{
	json_t *doc = NULL, *comps, *c, *t;
	char topic[EDGE_ID_MAX + sizeof(topic_prefix) + sizeof(topic_suffix)];
	json_int_t failures = 0;
	int64_t last_failure = 0;
	size_t i;
	int ret = STATUS_ERR_NOMEM;

	*out = NULL;
	if (status_topic(r->edge_id, topic, sizeof(topic)) != STATUS_OK)
		return STATUS_ERR_ARG;
	if (!(comps = json_object()))
		return STATUS_ERR_NOMEM;
	for (i = 0; i < r->n_components; i++) {
		const struct status_component *sc = &r->components[i];

		if (!sc->name || !*sc->name || json_object_get(comps, sc->name) ||
		    (unsigned)sc->state > STATUS_STATE_OK) {
			ret = STATUS_ERR_ARG;
			goto out;
		}
		if (!(c = component_json(sc)) || !component_complete(c) ||
		    json_object_set_new(comps, sc->name, c) != 0) {
			/* Not UTF-8, or a time out of range. */
			json_decref(c);
			ret = STATUS_ERR_ARG;
			goto out;
		}
		failures += sc->num_fails;
		if (sc->last_fail > last_failure)
			last_failure = sc->last_fail;
	}
	if (!(t = json_time(last_failure))) {
		ret = STATUS_ERR_ARG;
		goto out;
	}
	doc = json_pack("{s:s, s:s, s:O, s:I, s:o}", "Function", "tapir-pop",
		"FunctionID", r->edge_id, "ComponentStatus", comps,
		"NumFailures", failures, "LastFailure", t);
	if (!doc)
		goto out;
	if (with_timestamp) {
		if (!(t = json_time(r->timestamp))) {
			ret = STATUS_ERR_ARG;
			goto out;
		}
		if (json_object_set_new(doc, "Timestamp", t) != 0)
			goto out;
	}
	if (!(*out = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)))
		goto out;
	if (out_len)
		*out_len = strlen(*out);
	ret = STATUS_OK;
out:
	json_decref(comps);
	json_decref(doc);
	return ret;
}

int
status_topic(const char *edge_id, char *buf, size_t size)
{
	json_t *utf8;
	size_t i, n;

	if (!edge_id || !(n = strlen(edge_id)) || n > EDGE_ID_MAX)
		return STATUS_ERR_ARG;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)edge_id[i];

		if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '+' ||
		    ch == '#')
			return STATUS_ERR_ARG;
	}
	/* MQTT topics are UTF-8; jansson checks it. */
	if (!(utf8 = json_string(edge_id)))
		return STATUS_ERR_ARG;
	json_decref(utf8);
	if ((size_t)snprintf(buf, size, "%s%s%s", topic_prefix, edge_id,
	    topic_suffix) >= size)
		return STATUS_ERR_ARG;
	return STATUS_OK;
}

int
status_sign(const struct status_report *r, EVP_PKEY *key, const char *kid,
	char **topic, char **payload, size_t *payload_len)
{
	char buf[EDGE_ID_MAX + sizeof(topic_prefix) + sizeof(topic_suffix)];
	char *doc = NULL;
	size_t len;
	int ret;

	*topic = NULL;
	*payload = NULL;
	if ((ret = status_topic(r->edge_id, buf, sizeof(buf))) != STATUS_OK)
		return ret;
	if ((ret = status_document(r, 1, &doc, &len)) != STATUS_OK)
		return ret;
	ret = jws_sign_flattened((const uint8_t *)doc, len, key, kid, payload,
		payload_len);
	free(doc);
	if (ret != JWS_OK)
		return ret == JWS_ERR_NOMEM ? STATUS_ERR_NOMEM : STATUS_ERR_SIGN;
	if (!(*topic = strdup(buf))) {
		free(*payload);
		*payload = NULL;
		return STATUS_ERR_NOMEM;
	}
	return STATUS_OK;
}

/* ---- rate limiting ---- */

void
status_limiter_init(struct status_limiter *l, int64_t interval)
{
	memset(l, 0, sizeof(*l));
	l->interval = interval;
}

int
status_limiter_check(struct status_limiter *l, const char *doc, size_t len,
	int64_t now)
{
	unsigned char digest[32];
	unsigned int dlen = sizeof(digest);

	if (EVP_Digest(doc, len, digest, &dlen, EVP_sha256(), NULL) != 1) {
		ERR_clear_error();
		return -1;
	}
	if (l->sent && (now - l->last < l->interval ||
	    memcmp(digest, l->digest, sizeof(digest)) == 0))
		return 0;
	memcpy(l->digest, digest, sizeof(digest));
	l->last = now;
	l->sent = 1;
	return 1;
}

void
status_limiter_forget(struct status_limiter *l)
{
	l->sent = 0;
}

int
status_poll(struct status_limiter *l, const struct status_report *r,
	EVP_PKEY *key, const char *kid, char **topic, char **payload,
	size_t *payload_len)
{
	char *doc;
	size_t len;
	int ret, due;

	*topic = NULL;
	*payload = NULL;
	if ((ret = status_document(r, 0, &doc, &len)) != STATUS_OK)
		return ret;
	due = status_limiter_check(l, doc, len, r->timestamp);
	free(doc);
	if (due < 0)
		return STATUS_ERR_NOMEM;
	if (!due)
		return STATUS_NOT_DUE;
	ret = status_sign(r, key, kid, topic, payload, payload_len);
	if (ret != STATUS_OK)
		status_limiter_forget(l);
	return ret;
}

const char *
status_strerror(int err)
{
	switch (err) {
	case STATUS_OK: return "ok";
	case STATUS_NOT_DUE: return "no report due";
	case STATUS_ERR_NOMEM: return "out of memory";
	case STATUS_ERR_ARG: return "bad status report";
	case STATUS_ERR_IO: return "cannot read key file";
	case STATUS_ERR_KEY: return "unusable signing key";
	case STATUS_ERR_SIGN: return "signing failed";
	default: return "unknown error";
	}
}
