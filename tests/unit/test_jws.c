/*
 * tests/unit/test_jws.c - JWS verification against DNS TAPIR's signed
 * reference messages (tests/fixtures/jws), forgeries and our own signer.
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
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "feeds/tapir/jws.h"

#define ED_KID "test-core-ed25519"
#define ES_KID "test-core-es256"

/* The fixture keys, without "alg": it must be derived from kty/crv. */
static const char jwks_no_alg[] = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":"
	"\"Ed25519\",\"kid\":\"" ED_KID "\",\"x\":"
	"\"rCZBPZfUnNMJGKbxKk5Y7eHX1B5knwoT7pPmErKQF8Y\"},{\"kty\":\"EC\","
	"\"crv\":\"P-256\",\"kid\":\"" ES_KID "\","
	"\"x\":\"ihJZUfdSltMXzQKk_GbiGSWrl0OdpnGK9j8PtneN9BA\",\"y\":"
	"\"X9KUKnwXfdymrPyPDtOMSvj7OF6pM0w1gqM2_nqhmn0\"}]}";

static const char *const messages[] = {
	"globally_new", "looptest", "multi_flag", "removed_handcrafted"
};

static char *
fixture_path(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/fixtures/jws/%s",
		top ? top : ".", name);
	return path;
}

/* A fixture's bytes, NUL-terminated; the caller frees. */
static char *
slurp(const char *name, size_t *len)
{
	FILE *f = fopen(fixture_path(name), "rb");
	char *buf = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = 0;
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	struct jws_keyset *ks;
	char err[256];

	if (jws_keyset_load_file(fixture_path("trusted_jwks.json"), &ks, err,
	    sizeof(err)) != JWS_OK) {
		fprintf(stderr, "# %s\n", err);
		return -1;
	}
	*state = ks;
	return 0;
}

static int
teardown(void **state)
{
	jws_keyset_free(*state);
	return 0;
}

/* Verify msg; on success the payload must equal expect (if not NULL). */
static int
verify_str(const struct jws_keyset *ks, const char *msg, const char *expect,
	const char **kid)
{
	uint8_t *payload;
	size_t len;
	int r = jws_verify(ks, msg, strlen(msg), &payload, &len, kid);

	if (r == JWS_OK) {
		assert_non_null(payload);
		if (expect) {
			assert_int_equal(len, strlen(expect));
			assert_memory_equal(payload, expect, len);
		}
		assert_int_equal(payload[len], 0);
		free(payload);
	} else {
		assert_null(payload);
	}
	return r;
}

static int
verify_file(const struct jws_keyset *ks, const char *name, const char *expect,
	const char **kid)
{
	size_t len;
	char *msg = slurp(name, &len);
	int r = verify_str(ks, msg, expect, kid);

	free(msg);
	return r;
}

/* A flattened JWS from parts; protected given as header JSON text. */
static char *
flat(const char *header, const char *payload_b64, const char *sig_b64)
{
	static char buf[8192];
	char h64[2048];

	jws_b64url_encode((const uint8_t *)header, strlen(header), h64);
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"protected\":\"%s\","
		"\"signature\":\"%s\"}", payload_b64, h64, sig_b64);
	return buf;
}

/* A JSON string member's value from a fixture (no escapes in these). */
static char *
member(const char *json, const char *key)
{
	static char out[16][4096];
	static int slot;
	char pat[64];
	const char *p, *end;
	char *o = out[slot++ % 16];

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(json, pat);
	assert_non_null(p);
	p += strlen(pat);
	end = strchr(p, '"');
	assert_non_null(end);
	memcpy(o, p, (size_t)(end - p));
	o[end - p] = 0;
	return o;
}

static void
test_fixtures_verify(void **state)
{
	static const char *const kinds[] = { "ed25519", "es256" };
	const char *kid;
	size_t i, k, len;
	char name[128];

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		char *payload;
		snprintf(name, sizeof(name), "obs_%s.payload.json", messages[i]);
		payload = slurp(name, &len);
		for (k = 0; k < 2; k++) {
			snprintf(name, sizeof(name), "obs_%s.%s.jws.json",
				messages[i], kinds[k]);
			kid = NULL;
			assert_int_equal(verify_file(*state, name, payload,
				&kid), JWS_OK);
			assert_string_equal(kid, k ? ES_KID : ED_KID);
		}
		free(payload);
	}
}

static void
test_alternative_serialisations(void **state)
{
	size_t len;
	char *payload = slurp("obs_globally_new.payload.json", &len);
	char *compact = slurp("ALT_compact.ed25519.jws.txt", &len);
	char *padded = malloc(len + 8);

	assert_int_equal(verify_file(*state, "ALT_compact.ed25519.jws.txt",
		payload, NULL), JWS_OK);
	assert_int_equal(verify_file(*state,
		"ALT_general_serialization.ed25519.jws.json", payload, NULL),
		JWS_OK);
	/* A line end around a compact JWS (a file, a shell) is no harm. */
	snprintf(padded, len + 8, " %s\r\n", compact);
	assert_int_equal(verify_str(*state, padded, payload, NULL), JWS_OK);
	free(padded);
	free(compact);
	free(payload);
}

static void
test_negative_fixtures(void **state)
{
	assert_int_equal(verify_file(*state, "NEG_alg_mismatch.jws.json",
		NULL, NULL), JWS_ERR_ALG_MISMATCH);
	assert_int_equal(verify_file(*state, "NEG_no_kid.jws.json", NULL,
		NULL), JWS_ERR_MISSING_KID);
	assert_int_equal(verify_file(*state,
		"NEG_tampered_payload.ed25519.jws.json", NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	assert_int_equal(verify_file(*state, "NEG_unknown_kid.jws.json", NULL,
		NULL), JWS_ERR_UNKNOWN_KID);
}

static void
test_forbidden_headers(void **state)
{
	size_t len;
	char *msg = slurp("obs_globally_new.ed25519.jws.json", &len);
	const char *p = member(msg, "payload");
	const char *s = member(msg, "signature");

	/* Rejected before any key is tried, whatever the signature. */
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"none\",\"kid\":"
		"\"" ED_KID "\"}", p, ""), NULL, NULL), JWS_ERR_FORBIDDEN_ALG);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"none\",\"kid\":"
		"\"" ED_KID "\"}", p, s), NULL, NULL), JWS_ERR_FORBIDDEN_ALG);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"HS256\",\"kid\":"
		"\"" ED_KID "\"}", p, s), NULL, NULL), JWS_ERR_FORBIDDEN_ALG);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"HS512\",\"kid\":"
		"\"" ES_KID "\"}", p, s), NULL, NULL), JWS_ERR_FORBIDDEN_ALG);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"RS256\",\"kid\":"
		"\"" ED_KID "\"}", p, s), NULL, NULL), JWS_ERR_FORBIDDEN_ALG);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"eddsa\",\"kid\":"
		"\"" ED_KID "\"}", p, s), NULL, NULL), JWS_ERR_FORBIDDEN_ALG);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"EdDSA\",\"kid\":"
		"\"" ED_KID "\",\"crit\":[\"exp\"],\"exp\":1}", p, s), NULL,
		NULL), JWS_ERR_CRIT);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"EdDSA\",\"kid\":"
		"\"" ED_KID "\",\"crit\":[]}", p, s), NULL, NULL),
		JWS_ERR_CRIT);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"EdDSA\",\"kid\":"
		"\"" ED_KID "\",\"b64\":false,\"crit\":[\"b64\"]}", p, s), NULL,
		NULL), JWS_ERR_CRIT);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"EdDSA\",\"kid\":"
		"\"" ED_KID "\",\"b64\":false}", p, s), NULL, NULL),
		JWS_ERR_UNENCODED);
	/* Types that are wrong are malformed, not a reason to guess. */
	assert_int_equal(verify_str(*state, flat("{\"alg\":5,\"kid\":"
		"\"" ED_KID "\"}", p, s), NULL, NULL), JWS_ERR_MALFORMED);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"EdDSA\",\"kid\":"
		"7}", p, s), NULL, NULL), JWS_ERR_MALFORMED);
	assert_int_equal(verify_str(*state, flat("{\"kid\":\"" ED_KID "\"}",
		p, s), NULL, NULL), JWS_ERR_MALFORMED);
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"EdDSA\",\"kid\":"
		"\"" ED_KID "\",\"kid\":\"x\"}", p, s), NULL, NULL),
		JWS_ERR_MALFORMED);
	assert_int_equal(verify_str(*state, flat("[\"EdDSA\"]", p, s), NULL,
		NULL), JWS_ERR_MALFORMED);
	/* The genuine header in the same helper verifies: a control. */
	assert_int_equal(verify_str(*state, flat("{\"alg\":\"EdDSA\",\"kid\":"
		"\"" ED_KID "\"}", p, s), NULL, NULL), JWS_OK);
	free(msg);
}

static void
test_unprotected_header(void **state)
{
	size_t len;
	char *msg = slurp("obs_globally_new.ed25519.jws.json", &len);
	char buf[4096];
	const char *p = member(msg, "payload");
	const char *h = member(msg, "protected");
	const char *s = member(msg, "signature");

	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"protected\":\"%s\","
		"\"header\":{\"x-note\":1},\"signature\":\"%s\"}", p, h, s);
	assert_int_equal(verify_str(*state, buf, NULL, NULL), JWS_OK);
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"protected\":\"%s\","
		"\"header\":{\"crit\":[\"x\"]},\"signature\":\"%s\"}", p, h, s);
	assert_int_equal(verify_str(*state, buf, NULL, NULL), JWS_ERR_CRIT);
	/* An unsigned kid could steer key choice: refused. */
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"protected\":\"%s\","
		"\"header\":{\"kid\":\"" ES_KID "\"},\"signature\":\"%s\"}", p,
		h, s);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_MALFORMED);
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"protected\":\"%s\","
		"\"header\":[],\"signature\":\"%s\"}", p, h, s);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_MALFORMED);
	free(msg);
}

static void
test_signature_damage(void **state)
{
	size_t len;
	char *msg = slurp("obs_globally_new.ed25519.jws.json", &len);
	char *es = slurp("obs_globally_new.es256.jws.json", &len);
	char *tampered = slurp("NEG_tampered_payload.ed25519.jws.json", &len);
	const char *p = member(msg, "payload");
	const char *h = member(msg, "protected");
	char sig[256], buf[4096];

	/* Truncated: 84 characters are 63 bytes; 85 are no whole bytes. */
	snprintf(sig, sizeof(sig), "%s", member(msg, "signature"));
	assert_int_equal(strlen(sig), 86);
	sig[84] = 0;
	snprintf(buf, sizeof(buf), "%s.%s.%s", h, p, sig);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	sig[85 - 1] = 'A';
	sig[85] = 0;
	snprintf(buf, sizeof(buf), "%s.%s.%s", h, p, sig);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_MALFORMED);
	/* Too long: 67 bytes, and far too long. */
	snprintf(buf, sizeof(buf), "%s.%s.%sAAAA", h, p,
		member(msg, "signature"));
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	snprintf(buf, sizeof(buf), "%s.%s.%s%s%s", h, p,
		member(msg, "signature"), member(msg, "signature"),
		member(msg, "signature"));
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	/* An empty signature. */
	snprintf(buf, sizeof(buf), "%s.%s.", h, p);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	/* Not base64url: the standard alphabet, padding. */
	snprintf(sig, sizeof(sig), "%s", member(msg, "signature"));
	sig[10] = '+';
	snprintf(buf, sizeof(buf), "%s.%s.%s", h, p, sig);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_MALFORMED);
	snprintf(buf, sizeof(buf), "%s.%s.%s==", h, p,
		member(msg, "signature"));
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_MALFORMED);
	/* A payload changed outside the alphabet: the signature fails
	 * first (test_sign has a signed one). */
	snprintf(buf, sizeof(buf), "%s.%s!.%s", h, p,
		member(msg, "signature"));
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	/* ES256: another payload under a genuine signature, a flipped bit. */
	snprintf(buf, sizeof(buf), "%s.%s.%s", member(es, "protected"),
		member(tampered, "payload"), member(es, "signature"));
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	snprintf(sig, sizeof(sig), "%s", member(es, "signature"));
	sig[20] = sig[20] == 'A' ? 'B' : 'A';
	snprintf(buf, sizeof(buf), "%s.%s.%s", member(es, "protected"),
		member(es, "payload"), sig);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	/* An ES256 signature of EdDSA's length (64 bytes both): no luck. */
	snprintf(buf, sizeof(buf), "%s.%s.%s", member(es, "protected"),
		member(es, "payload"), member(msg, "signature"));
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	/* R = S = 0. */
	memset(sig, 'A', 86);
	sig[86] = 0;
	snprintf(buf, sizeof(buf), "%s.%s.%s", member(es, "protected"),
		member(es, "payload"), sig);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	free(msg);
	free(es);
	free(tampered);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "   ", "{}", "{", "[]", "null", "a.b", "a.b.c.d", "...",
		"{\"payload\":5,\"protected\":\"e30\",\"signature\":\"\"}",
		"{\"protected\":\"e30\",\"signature\":\"\"}",
		"{\"payload\":\"\",\"signature\":\"\"}",
		"{\"payload\":\"\",\"protected\":\"e30\"}",
		"{\"payload\":\"\",\"protected\":\"\",\"signature\":\"\"}",
		"{\"payload\":\"\",\"protected\":\"e30\",\"signature\":\"\","
			"\"payload\":\"\"}",
		"{\"payload\":\"\",\"signatures\":[]}",
		"{\"payload\":\"\",\"signatures\":{}}",
		"{\"payload\":\"\",\"signatures\":[5]}",
		"{\"payload\":\"\",\"signatures\":[{\"protected\":\"e30\"}]}",
		"{\"payload\":\"\",\"protected\":\"e30\",\"signature\":\"\","
			"\"signatures\":[{\"protected\":\"e30\","
			"\"signature\":\"\"}]}",
		"bm90IGpzb24.e30.AAAA",   /* protected is "not json" */
		"e30.e30.AAAA",           /* {}: no alg */
		"e3=.e30.AAAA",
		"e30\n.e30.AAAA",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *payload = (uint8_t *)1;
		size_t len = 1;
		int r = jws_verify(*state, bad[i], strlen(bad[i]), &payload,
			&len, NULL);
		if (r != JWS_ERR_MALFORMED)
			fprintf(stderr, "# case %zu: %s\n", i, jws_strerror(r));
		assert_int_equal(r, JWS_ERR_MALFORMED);
		assert_null(payload);
		assert_int_equal(len, 0);
	}
}

static void
test_general_serialisation(void **state)
{
	size_t len;
	char *msg = slurp("obs_globally_new.ed25519.jws.json", &len);
	char *es = slurp("obs_globally_new.es256.jws.json", &len);
	char *unknown = slurp("NEG_unknown_kid.jws.json", &len);
	const char *p = member(msg, "payload");
	char good[512], bad_sig[512], other_kid[512], buf[4096];
	const char *kid;

	snprintf(good, sizeof(good), "{\"protected\":\"%s\",\"signature\":"
		"\"%s\"}", member(msg, "protected"), member(msg, "signature"));
	snprintf(other_kid, sizeof(other_kid), "{\"protected\":\"%s\","
		"\"signature\":\"%s\"}", member(unknown, "protected"),
		member(unknown, "signature"));
	/* The ES256 signature is over the same payload but ours is valid
	 * only with its own header: with EdDSA's header it is bad. */
	snprintf(bad_sig, sizeof(bad_sig), "{\"protected\":\"%s\","
		"\"signature\":\"%s\"}", member(msg, "protected"),
		member(es, "signature"));

	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"signatures\":"
		"[%s,5,%s]}", p, other_kid, good);
	kid = NULL;
	assert_int_equal(verify_str(*state, buf, NULL, &kid), JWS_OK);
	assert_string_equal(kid, ED_KID);
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"signatures\":"
		"[{\"protected\":\"%s\",\"signature\":\"%s\"}]}", p,
		member(es, "protected"), member(es, "signature"));
	assert_int_equal(verify_str(*state, buf, NULL, &kid), JWS_OK);
	assert_string_equal(kid, ES_KID);
	/* None verifies: the most telling failure is reported. */
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"signatures\":"
		"[%s,%s]}", p, other_kid, bad_sig);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"signatures\":"
		"[%s,%s]}", p, bad_sig, other_kid);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_BAD_SIGNATURE);
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"signatures\":"
		"[5,%s]}", p, other_kid);
	assert_int_equal(verify_str(*state, buf, NULL, NULL),
		JWS_ERR_UNKNOWN_KID);
	free(msg);
	free(es);
	free(unknown);
}

static void
test_derived_alg(void **state)
{
	struct jws_keyset *ks;
	char err[256], name[128];
	size_t i;

	(void)state;
	assert_int_equal(jws_keyset_load_buffer(jwks_no_alg,
		strlen(jwks_no_alg), &ks, err, sizeof(err)), JWS_OK);
	assert_int_equal(jws_keyset_count(ks), 2);
	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		snprintf(name, sizeof(name), "obs_%s.ed25519.jws.json",
			messages[i]);
		assert_int_equal(verify_file(ks, name, NULL, NULL), JWS_OK);
		snprintf(name, sizeof(name), "obs_%s.es256.jws.json",
			messages[i]);
		assert_int_equal(verify_file(ks, name, NULL, NULL), JWS_OK);
	}
	/* Derived EdDSA still differs from the header's ES256. */
	assert_int_equal(verify_file(ks, "NEG_alg_mismatch.jws.json", NULL,
		NULL), JWS_ERR_ALG_MISMATCH);
	jws_keyset_free(ks);
}

static int
load(const char *json)
{
	struct jws_keyset *ks = NULL;
	char err[256] = "";
	int r = jws_keyset_load_buffer(json, strlen(json), &ks, err,
		sizeof(err));

	if (r == JWS_OK) {
		assert_non_null(ks);
		r = (int)jws_keyset_count(ks) * 100;
	} else {
		assert_null(ks);
		assert_true(err[0] != 0);
	}
	jws_keyset_free(ks);
	return r;
}

static void
test_keyset(void **state)
{
	struct jws_keyset *ks;
	char err[256];
	const char *ed = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k\","
		"\"x\":\"rCZBPZfUnNMJGKbxKk5Y7eHX1B5knwoT7pPmErKQF8Y\"";
	char buf[1024];

	assert_int_equal(jws_keyset_count(*state), 2);
	assert_int_equal(jws_keyset_load_file(fixture_path("no-such-file"),
		&ks, err, sizeof(err)), JWS_ERR_IO);
	assert_null(ks);
	assert_non_null(strstr(err, "no-such-file"));
	assert_int_equal(jws_keyset_load_file(fixture_path(
		"obs_looptest.payload.json"), &ks, err, sizeof(err)),
		JWS_ERR_KEYSET);
	assert_int_equal(load("not json"), JWS_ERR_KEYSET);
	assert_int_equal(load("[]"), JWS_ERR_KEYSET);
	assert_int_equal(load("{\"keys\":{}}"), JWS_ERR_KEYSET);
	assert_int_equal(load("{\"keys\":[]}"), JWS_ERR_KEYSET);
	assert_int_equal(load("{\"keys\":[5]}"), JWS_ERR_KEYSET);
	assert_int_equal(load("{\"keys\":[{\"crv\":\"Ed25519\"}]}"),
		JWS_ERR_KEYSET);
	snprintf(buf, sizeof(buf), "{\"keys\":[%s}]}", ed);
	assert_int_equal(load(buf), 100);
	/* Keys for other software are skipped, not fatal ... */
	snprintf(buf, sizeof(buf), "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\","
		"\"n\":\"AQAB\",\"e\":\"AQAB\"},{\"kty\":\"oct\",\"kid\":\"h\","
		"\"k\":\"c2VjcmV0\"},{\"kty\":\"OKP\",\"crv\":\"Ed448\","
		"\"kid\":\"e\",\"x\":\"AAAA\"},%s,\"use\":\"enc\"},"
		"%s,\"alg\":\"ES256\"},%s,\"alg\":\"HS256\"},%s}]}", ed, ed, ed,
		ed);
	assert_int_equal(load(buf), 100);
	/* ... but a set of nothing usable, or without kids, is an error. */
	snprintf(buf, sizeof(buf), "{\"keys\":[%s,\"use\":\"enc\"}]}", ed);
	assert_int_equal(load(buf), JWS_ERR_KEYSET);
	assert_int_equal(load("{\"keys\":[{\"kty\":\"OKP\",\"crv\":"
		"\"Ed25519\",\"x\":\"rCZBPZfUnNMJGKbxKk5Y7eHX1B5knwoT7pPmErKQF8Y"
		"\"}]}"), JWS_ERR_KEYSET);
	/* Bad key material of a supported type: refused with its kid. */
	assert_int_equal(load("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
		"\"kid\":\"k\",\"x\":\"rCZBPZfUnNMJGKbxKk5Y7eHX1B5knwoT7pPmErKQF8\""
		"}]}"), JWS_ERR_KEYSET);
	assert_int_equal(load("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
		"\"kid\":\"k\",\"x\":\"ihJZUfdSltMXzQKk_GbiGSWrl0OdpnGK9j8PtneN9BA\""
		"}]}"), JWS_ERR_KEYSET);
	/* A point not on the curve (y + 1). */
	assert_int_equal(load("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
		"\"kid\":\"k\",\"x\":\"ihJZUfdSltMXzQKk_GbiGSWrl0OdpnGK9j8PtneN9BA\","
		"\"y\":\"X9KUKnwXfdymrPyPDtOMSvj7OF6pM0w1gqM2_nqhmn4\"}]}"),
		JWS_ERR_KEYSET);
	/* A P-256 point called P-384 has coordinates of the wrong size. */
	assert_int_equal(load("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\","
		"\"kid\":\"k\",\"x\":\"ihJZUfdSltMXzQKk_GbiGSWrl0OdpnGK9j8PtneN9BA\","
		"\"y\":\"X9KUKnwXfdymrPyPDtOMSvj7OF6pM0w1gqM2_nqhmn0\"}]}"),
		JWS_ERR_KEYSET);
	assert_int_equal(load("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
		"\"kid\":\"k\",\"alg\":\"ES384\",\"x\":"
		"\"ihJZUfdSltMXzQKk_GbiGSWrl0OdpnGK9j8PtneN9BA\",\"y\":"
		"\"X9KUKnwXfdymrPyPDtOMSvj7OF6pM0w1gqM2_nqhmn0\"}]}"),
		JWS_ERR_KEYSET);
}

/* The JWK Set of one generated key, as enrollment would write it. */
static char *
jwks_of(EVP_PKEY *key, const char *kid)
{
	static char buf[1024];
	uint8_t raw[200];
	char x[100], y[100];
	size_t len = sizeof(raw);

	if (EVP_PKEY_is_a(key, "ED25519")) {
		assert_int_equal(EVP_PKEY_get_raw_public_key(key, raw, &len), 1);
		jws_b64url_encode(raw, len, x);
		snprintf(buf, sizeof(buf), "{\"keys\":[{\"kty\":\"OKP\",\"crv\":"
			"\"Ed25519\",\"kid\":\"%s\",\"x\":\"%s\"}]}", kid, x);
	} else {
		size_t n;
		assert_int_equal(EVP_PKEY_get_octet_string_param(key,
			OSSL_PKEY_PARAM_PUB_KEY, raw, sizeof(raw), &len), 1);
		n = (len - 1) / 2;
		jws_b64url_encode(raw + 1, n, x);
		jws_b64url_encode(raw + 1 + n, n, y);
		snprintf(buf, sizeof(buf), "{\"keys\":[{\"kty\":\"EC\",\"crv\":"
			"\"%s\",\"kid\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}]}",
			n == 32 ? "P-256" : "P-384", kid, x, y);
	}
	return buf;
}

static void
sign_and_verify(EVP_PKEY *key, const char *alg)
{
	static const char payload[] = "{\"status\":\"ok\"}";
	struct jws_keyset *ks;
	char *jws, err[256], *h;
	size_t len;
	const char *kid = NULL;
	uint8_t hdr[256];
	size_t hdr_len;

	assert_int_equal(jws_keyset_load_buffer(jwks_of(key, "edge-1"),
		strlen(jwks_of(key, "edge-1")), &ks, err, sizeof(err)), JWS_OK);
	assert_int_equal(jws_sign_flattened((const uint8_t *)payload,
		strlen(payload), key, "edge-1", &jws, &len), JWS_OK);
	assert_int_equal(strlen(jws), len);
	assert_int_equal(verify_str(ks, jws, payload, &kid), JWS_OK);
	assert_string_equal(kid, "edge-1");
	/* The header says what the key is. */
	h = member(jws, "protected");
	assert_int_equal(jws_b64url_decode(h, strlen(h), hdr, &hdr_len), 0);
	hdr[hdr_len] = 0;
	assert_non_null(strstr((char *)hdr, alg));
	assert_non_null(strstr((char *)hdr, "\"kid\":\"edge-1\""));
	free(jws);
	/* Another kid is not in the receiver's set. */
	assert_int_equal(jws_sign_flattened((const uint8_t *)"", 0, key,
		"edge-2", &jws, NULL), JWS_OK);
	assert_int_equal(verify_str(ks, jws, "", NULL), JWS_ERR_UNKNOWN_KID);
	free(jws);
	jws_keyset_free(ks);
}

/* Sign a compact JWS by hand, payload text as given (maybe invalid). */
static char *
sign_compact(EVP_PKEY *key, const char *kid, const char *payload_text)
{
	static char buf[1024];
	char hdr[256], h64[512], s64[128];
	uint8_t sig[64];
	size_t sig_len = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int n;

	snprintf(hdr, sizeof(hdr), "{\"alg\":\"EdDSA\",\"kid\":\"%s\"}", kid);
	jws_b64url_encode((const uint8_t *)hdr, strlen(hdr), h64);
	n = snprintf(buf, sizeof(buf), "%s.%s", h64, payload_text);
	assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &sig_len,
		(const uint8_t *)buf, (size_t)n), 1);
	EVP_MD_CTX_free(md);
	jws_b64url_encode(sig, sig_len, s64);
	snprintf(buf + n, sizeof(buf) - (size_t)n, ".%s", s64);
	return buf;
}

static void
test_payload_decoded_after_verification(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct jws_keyset *ks;
	char err[256];
	const char *set;

	(void)state;
	assert_non_null(key);
	set = jwks_of(key, "k");
	assert_int_equal(jws_keyset_load_buffer(set, strlen(set), &ks, err,
		sizeof(err)), JWS_OK);
	assert_int_equal(verify_str(ks, sign_compact(key, "k", "Zm9v"), "foo",
		NULL), JWS_OK);
	assert_int_equal(verify_str(ks, sign_compact(key, "k", ""), "", NULL),
		JWS_OK);
	/* Signed, but not base64url: still refused. */
	assert_int_equal(verify_str(ks, sign_compact(key, "k", "Zm9v="), NULL,
		NULL), JWS_ERR_MALFORMED);
	assert_int_equal(verify_str(ks, sign_compact(key, "k", "Zm9"), NULL,
		NULL), JWS_ERR_MALFORMED);
	jws_keyset_free(ks);
	EVP_PKEY_free(key);
}

static void
test_sign(void **state)
{
	EVP_PKEY *key;
	char *jws = (char *)1;

	(void)state;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(key);
	sign_and_verify(key, "\"alg\":\"EdDSA\"");
	EVP_PKEY_free(key);
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	sign_and_verify(key, "\"alg\":\"ES256\"");
	EVP_PKEY_free(key);
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(key);
	sign_and_verify(key, "\"alg\":\"ES384\"");
	/* No kid, or a kid that is not UTF-8: no JWS. */
	assert_int_equal(jws_sign_flattened((const uint8_t *)"x", 1, key, NULL,
		&jws, NULL), JWS_ERR_KEY);
	assert_null(jws);
	assert_int_equal(jws_sign_flattened((const uint8_t *)"x", 1, key,
		"\xff", &jws, NULL), JWS_ERR_KEY);
	EVP_PKEY_free(key);
	/* A key that cannot sign. */
	key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_non_null(key);
	assert_int_equal(jws_sign_flattened((const uint8_t *)"x", 1, key, "k",
		&jws, NULL), JWS_ERR_KEY);
	EVP_PKEY_free(key);
}

static void
test_base64url(void **state)
{
	static const struct {
		const char *text, *bytes;
	} good[] = {
		{ "", "" }, { "Zg", "f" }, { "Zm8", "fo" }, { "Zm9v", "foo" },
		{ "Zm9vYg", "foob" }, { "_-8", "\xff\xef" }, { "QQ", "A" }
	};
	static const char *const bad[] = {
		"Z", "Zm9vY", "Zg==", "Zg=", "Zm+v", "Zm/v", "Zm9 ", "QR", "Zm9",
		"Zm9vYh"
	};
	uint8_t out[64];
	char text[64];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(jws_b64url_decode(good[i].text,
			strlen(good[i].text), out, &len), 0);
		assert_int_equal(len, strlen(good[i].bytes));
		assert_memory_equal(out, good[i].bytes, len);
		assert_int_equal(jws_b64url_encode(out, len, text),
			strlen(good[i].text));
		assert_string_equal(text, good[i].text);
	}
	/* "Zm9" is "fo" only if its last bits are zero: '9' has 01 there. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(jws_b64url_decode(bad[i], strlen(bad[i]), out,
			&len), -1);
}

static void
test_strerror(void **state)
{
	int i, j;

	(void)state;
	for (i = JWS_OK; i <= JWS_ERR_CRYPTO; i++) {
		assert_string_not_equal(jws_strerror(i), "unknown error");
		for (j = JWS_OK; j < i; j++)
			assert_string_not_equal(jws_strerror(i),
				jws_strerror(j));
	}
	assert_string_equal(jws_strerror(-1), "unknown error");
	assert_string_equal(jws_alg_name(JWS_ALG_ES384), "ES384");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_verify),
		cmocka_unit_test(test_alternative_serialisations),
		cmocka_unit_test(test_negative_fixtures),
		cmocka_unit_test(test_forbidden_headers),
		cmocka_unit_test(test_unprotected_header),
		cmocka_unit_test(test_signature_damage),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_general_serialisation),
		cmocka_unit_test(test_derived_alg),
		cmocka_unit_test(test_keyset),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_payload_decoded_after_verification),
		cmocka_unit_test(test_base64url),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("jws", tests, setup, teardown);
}
