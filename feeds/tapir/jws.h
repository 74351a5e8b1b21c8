/*
 * feeds/tapir/jws.h - JSON Web Signatures on DNS TAPIR messages.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * DNS TAPIR Core signs every observation it publishes as a JWS (RFC 7515)
 * with a key from a trusted JWK Set (RFC 7517) that enrollment writes on
 * the edge.  This verifies such messages (ARCHITECTURE.md §9): the flattened
 * and general JSON serialisations and the compact form, EdDSA (Ed25519),
 * ES256 and ES384, with a key chosen by the protected header's kid.  The
 * choice is deliberately narrow: no "none", no HMAC (a public key as an
 * HMAC secret is the classic JWS forgery), no critical extensions and no
 * unencoded payloads, because a verifier that understands less cannot
 * be talked into accepting more.
 *
 * It also signs our own status messages (flattened serialisation).
 *
 * All cryptography is OpenSSL's.  A key set is immutable once loaded, so
 * any number of threads may verify against one set at the same time.
 */
#ifndef TAPIR_JWS_H
#define TAPIR_JWS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

/** Result codes of the JWS functions. */
enum jws_error {
	JWS_OK = 0,            /**< success */
	JWS_ERR_NOMEM,         /**< out of memory */
	JWS_ERR_MALFORMED,     /**< not a JWS, bad JSON or bad base64url */
	JWS_ERR_MISSING_KID,   /**< the protected header has no kid */
	JWS_ERR_UNKNOWN_KID,   /**< kid names no key of the trusted set */
	JWS_ERR_ALG_MISMATCH,  /**< header alg differs from the key's alg */
	JWS_ERR_FORBIDDEN_ALG, /**< alg none, HMAC, or not supported */
	JWS_ERR_CRIT,          /**< a crit header (no extension is known) */
	JWS_ERR_UNENCODED,     /**< b64:false (RFC 7797) */
	JWS_ERR_BAD_SIGNATURE, /**< the signature does not verify */
	JWS_ERR_KEYSET,        /**< unusable JWK Set */
	JWS_ERR_KEY,           /**< unusable signing key */
	JWS_ERR_IO,            /**< a file could not be read */
	JWS_ERR_CRYPTO         /**< OpenSSL failed unexpectedly */
};

/** The signature algorithms supported. */
enum jws_alg {
	JWS_ALG_EDDSA, /**< Ed25519 (RFC 8037) */
	JWS_ALG_ES256, /**< ECDSA P-256 with SHA-256, R||S signature */
	JWS_ALG_ES384  /**< ECDSA P-384 with SHA-384, R||S signature */
};

/** A trusted JWK Set: public keys by kid.  Opaque, immutable. */
struct jws_keyset;

/**
 * Load a JWK Set ({"keys": [...]}) from memory.  Keys that cannot verify
 * anything we accept (RSA, symmetric "oct", Ed448, use other than "sig",
 * alg not matching the key type) are skipped, so a set that also carries
 * keys for other software still works; a malformed key of a supported
 * type, or a set with no usable key at all, is an error.
 * @param buf: the JSON text; need not be NUL-terminated.
 * @param len: length of buf.
 * @param out: out, the key set (free with jws_keyset_free()).
 * @param err: out, a message on failure (may be NULL).
 * @param errlen: size of err.
 * @return JWS_OK, JWS_ERR_KEYSET or JWS_ERR_NOMEM.
 */
int jws_keyset_load_buffer(const char *buf, size_t len,
	struct jws_keyset **out, char *err, size_t errlen);

/**
 * Load a JWK Set from a file; as jws_keyset_load_buffer().
 * @return JWS_OK, JWS_ERR_IO, JWS_ERR_KEYSET or JWS_ERR_NOMEM.
 */
int jws_keyset_load_file(const char *path, struct jws_keyset **out,
	char *err, size_t errlen);

/**
 * Number of usable keys in the set.
 */
size_t jws_keyset_count(const struct jws_keyset *ks);

/**
 * Free a key set; NULL is fine.
 */
void jws_keyset_free(struct jws_keyset *ks);

/**
 * Verify a JWS and return its payload.  The serialisation is told by the
 * first non-blank character: '{' for JSON (flattened, or general with
 * "signatures", which verifies if any one signature does), anything else
 * for compact.  The payload is decoded only once a signature verified.
 * When no signature of a general JWS verifies, the error reported is
 * that of the signature that got furthest (a bad signature by a trusted
 * key tells more than an unknown kid).
 * @param ks: the trusted keys.
 * @param msg: the message as received.
 * @param len: length of msg.
 * @param payload: out, the decoded payload, malloc'd and NUL-terminated
 *	(the NUL is not counted); the caller frees it.  NULL on failure.
 * @param payload_len: out, length of the payload.
 * @param kid: out, if not NULL: the kid of the key that verified, valid
 *	as long as ks is.
 * @return JWS_OK or an enum jws_error.
 */
int jws_verify(const struct jws_keyset *ks, const char *msg, size_t len,
	uint8_t **payload, size_t *payload_len, const char **kid);

/**
 * Sign a payload with our own key, in the flattened JSON serialisation
 * with a protected header of alg and kid.  The alg follows the key:
 * Ed25519 gives EdDSA, EC P-256 ES256, EC P-384 ES384.
 * @param payload: the bytes to sign.
 * @param len: length of payload.
 * @param key: a private key.
 * @param kid: the key's id, as the receiver's JWK Set names it.
 * @param out: out, the JWS, malloc'd and NUL-terminated; caller frees.
 * @param out_len: out, its length without the NUL (may be NULL).
 * @return JWS_OK, JWS_ERR_KEY, JWS_ERR_CRYPTO or JWS_ERR_NOMEM.
 */
int jws_sign_flattened(const uint8_t *payload, size_t len, EVP_PKEY *key,
	const char *kid, char **out, size_t *out_len);

/**
 * Decode unpadded base64url strictly: only the URL-safe alphabet, no '=',
 * no whitespace, and zero bits in the unused tail.
 * @param in: the text.
 * @param len: length of in.
 * @param out: out buffer of at least len * 3 / 4 + 1 bytes.
 * @param out_len: out, bytes written.
 * @return 0, or -1 if in is not valid.
 */
int jws_b64url_decode(const char *in, size_t len, uint8_t *out,
	size_t *out_len);

struct json_t;

/**
 * Decode a JWK member (base64url) that must be exactly want bytes, e.g.
 * "x" of an Ed25519 key or "d" of a private one; the scratch copy is
 * wiped, as it may be a private key.
 * @param jwk: the JWK, a jansson object.
 * @return 0, or -1 if the member is missing, not base64url or not want
 *	bytes long.
 */
int jws_jwk_bytes(struct json_t *jwk, const char *member, uint8_t *out,
	size_t want);

/**
 * Encode in unpadded base64url.
 * @param in: the bytes.
 * @param len: length of in.
 * @param out: out buffer of at least (len + 2) / 3 * 4 + 1 bytes; it is
 *	NUL-terminated.
 * @return length written, without the NUL.
 */
size_t jws_b64url_encode(const uint8_t *in, size_t len, char *out);

/**
 * Name of an algorithm as JWS writes it ("EdDSA", "ES256").
 */
const char *jws_alg_name(enum jws_alg alg);

/**
 * Human-readable text for an enum jws_error.
 */
const char *jws_strerror(int err);

#endif /* TAPIR_JWS_H */
