/*
 * tests/fuzz/fuzz_jws.c - libFuzzer target: JWS verification of arbitrary
 * messages against DNS TAPIR's test key set, JWK Set parsing, base64url.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
/* fuzz-sources: feeds/tapir/jws.c module/base/names.c module/base/fileio.c */
/* fuzz-libs: -ljansson -lcrypto */
#include "tapir_config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/tapir/jws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/fixtures/jws/trusted_jwks.json */
static const char jwks[] = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	"\"kid\":\"test-core-ed25519\",\"alg\":\"EdDSA\",\"use\":\"sig\","
	"\"x\":\"rCZBPZfUnNMJGKbxKk5Y7eHX1B5knwoT7pPmErKQF8Y\"},{\"kty\":\"EC\","
	"\"crv\":\"P-256\",\"kid\":\"test-core-es256\",\"alg\":\"ES256\","
	"\"use\":\"sig\",\"x\":\"ihJZUfdSltMXzQKk_GbiGSWrl0OdpnGK9j8PtneN9BA\","
	"\"y\":\"X9KUKnwXfdymrPyPDtOMSvj7OF6pM0w1gqM2_nqhmn0\"}]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jws_keyset *ks;
	struct jws_keyset *other;
	uint8_t *payload, *raw;
	char *text;
	size_t len;

	if (!ks && jws_keyset_load_buffer(jwks, sizeof(jwks) - 1, &ks, NULL,
	    0) != JWS_OK)
		__builtin_trap();
	if (jws_verify(ks, (const char *)data, size, &payload, &len,
	    NULL) == JWS_OK)
		free(payload);
	/* Key sets come from files an operator may get wrong. */
	if (jws_keyset_load_buffer((const char *)data, size, &other, NULL,
	    0) == JWS_OK)
		jws_keyset_free(other);
	/* Strict base64url: whatever decodes re-encodes to the same text. */
	raw = malloc(size / 4 * 3 + 3);
	text = malloc(size + 4);
	if (raw && text && jws_b64url_decode((const char *)data, size, raw,
	    &len) == 0 && (jws_b64url_encode(raw, len, text) != size ||
	    memcmp(text, data, size) != 0))
		__builtin_trap();
	free(raw);
	free(text);
	return 0;
}
