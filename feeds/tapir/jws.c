/*
 * feeds/tapir/jws.c - JSON Web Signatures on DNS TAPIR messages (RFC 7515).
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/jws.h"
#include "module/base/fileio.h"
#include "module/base/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* A JWK Set is a few keys; anything this big is not one. */
#define KEYSET_FILE_MAX (1024 * 1024)
/* Longest raw signature: ES384's R||S. */
#define SIG_MAX 96

/** One trusted public key. */
struct jws_key {
	char *kid;         /* its kid, never NULL */
	enum jws_alg alg;  /* the only algorithm it verifies */
	EVP_PKEY *pkey;
};

struct jws_keyset {
	struct jws_key *keys;
	size_t count;
};

static const char *const alg_names[] = {
	[JWS_ALG_EDDSA] = "EdDSA",
	[JWS_ALG_ES256] = "ES256",
	[JWS_ALG_ES384] = "ES384"
};

const char *
jws_alg_name(enum jws_alg alg)
{
	return alg_names[alg];
}

static int
alg_from_name(const char *s, enum jws_alg *alg)
{
	size_t i;

	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
		if (strcmp(s, alg_names[i]) == 0) {
			*alg = (enum jws_alg)i;
			return 0;
		}
	}
	return -1;
}

/* Bytes of one coordinate (and of R or S) of an ECDSA algorithm. */
static size_t
alg_coord_len(enum jws_alg alg)
{
	return alg == JWS_ALG_ES384 ? 48 : 32;
}

static size_t
alg_sig_len(enum jws_alg alg)
{
	return alg == JWS_ALG_EDDSA ? 64 : 2 * alg_coord_len(alg);
}

static const EVP_MD *
alg_md(enum jws_alg alg)
{
	switch (alg) {
	case JWS_ALG_ES256: return EVP_sha256();
	case JWS_ALG_ES384: return EVP_sha384();
	default: return NULL; /* Ed25519 hashes internally */
	}
}

/* ---- base64url (RFC 4648 §5, without padding, RFC 7515 §2) ---- */

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
jws_b64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, n = 0;

	/* One character left over carries only 6 bits: not a whole byte. */
	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Non-zero leftover bits would give one value many encodings. */
	if (acc != 0)
		return -1;
	*out_len = n;
	return 0;
}

size_t
jws_b64url_encode(const uint8_t *in, size_t len, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, n = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			in[i + 2];
		out[n++] = alphabet[v >> 18];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = alphabet[(v >> 6) & 63];
		out[n++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		out[n++] = alphabet[in[i] >> 2];
		out[n++] = alphabet[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
		out[n++] = alphabet[v >> 10];
		out[n++] = alphabet[(v >> 4) & 63];
		out[n++] = alphabet[(v & 15) << 2];
	}
	out[n] = 0;
	return n;
}

/* Decode into a fresh buffer, NUL-terminated for the JSON parser. */
static uint8_t *
b64url_decode_alloc(const char *in, size_t len, size_t *out_len, int *err)
{
	uint8_t *out = malloc(len / 4 * 3 + 3);

	if (!out) {
		*err = JWS_ERR_NOMEM;
		return NULL;
	}
	if (jws_b64url_decode(in, len, out, out_len) != 0) {
		free(out);
		*err = JWS_ERR_MALFORMED;
		return NULL;
	}
	out[*out_len] = 0;
	return out;
}

int
jws_jwk_bytes(json_t *jwk, const char *member, uint8_t *out, size_t want)
{
	json_t *v = json_object_get(jwk, member);
	uint8_t buf[80];
	size_t len;

	if (!json_is_string(v) || json_string_length(v) > 4 * sizeof(buf) / 3 ||
	    jws_b64url_decode(json_string_value(v), json_string_length(v),
	    buf, &len) != 0 || len != want)
		return -1;
	memcpy(out, buf, want);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* ---- the key set ---- */

static EVP_PKEY *
ed25519_key(json_t *jwk)
{
	uint8_t x[32];

	if (jws_jwk_bytes(jwk, "x", x, sizeof(x)) != 0)
		return NULL;
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x,
		sizeof(x));
}

static EVP_PKEY *
ec_key(json_t *jwk, enum jws_alg alg)
{
	/* Uncompressed point: 0x04 || x || y. */
	uint8_t point[1 + 2 * 48];
	size_t n = alg_coord_len(alg);
	char group[16];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	EVP_PKEY *pkey = NULL;

	point[0] = 4;
	if (jws_jwk_bytes(jwk, "x", point + 1, n) != 0 ||
	    jws_jwk_bytes(jwk, "y", point + 1 + n, n) != 0)
		return NULL;
	strcpy(group, alg == JWS_ALG_ES384 ? "P-384" : "P-256");
	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
		OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * n);
	params[2] = OSSL_PARAM_construct_end();
	if (!(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto fail;
	/* A point off the curve would make ECDSA verification meaningless. */
	if (!(check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ||
	    EVP_PKEY_public_check(check) != 1)
		goto fail;
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
fail:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

static const char *
member_string(json_t *obj, const char *member)
{
	return json_string_value(json_object_get(obj, member));
}

/*
 * Turn one JWK into a key.  Returns 1 with *key filled, 0 when the key is
 * of no use to us (skipped), -1 on error with err set.
 */
static int
key_from_jwk(json_t *jwk, size_t index, struct jws_key *key, char *err,
	size_t errlen)
{
	const char *kty, *crv, *kid, *use, *alg;
	enum jws_alg derived, stated;

	if (!json_is_object(jwk)) {
		tapir_err_set(err, errlen, "key %zu is not an object", index);
		return -1;
	}
	kty = member_string(jwk, "kty");
	crv = member_string(jwk, "crv");
	kid = member_string(jwk, "kid");
	use = member_string(jwk, "use");
	alg = member_string(jwk, "alg");
	if (!kty) {
		tapir_err_set(err, errlen, "key %zu has no kty", index);
		return -1;
	}
	if (strcmp(kty, "OKP") == 0 && crv && strcmp(crv, "Ed25519") == 0)
		derived = JWS_ALG_EDDSA;
	else if (strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0)
		derived = JWS_ALG_ES256;
	else if (strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-384") == 0)
		derived = JWS_ALG_ES384;
	else
		return 0;
	/* A message must name its key, so a key without kid is unusable. */
	if (!kid || !*kid || (use && strcmp(use, "sig") != 0))
		return 0;
	if (alg && (alg_from_name(alg, &stated) != 0 || stated != derived))
		return 0;
	key->alg = derived;
	key->pkey = derived == JWS_ALG_EDDSA ? ed25519_key(jwk) :
		ec_key(jwk, derived);
	if (!key->pkey) {
		ERR_clear_error();
		tapir_err_set(err, errlen, "key %zu (%s): bad public key", index,
			kid);
		return -1;
	}
	if (!(key->kid = strdup(kid))) {
		EVP_PKEY_free(key->pkey);
		tapir_err_set(err, errlen, "out of memory");
		return -1;
	}
	return 1;
}

static int
keyset_from_json(json_t *root, struct jws_keyset **out, char *err,
	size_t errlen)
{
	json_t *keys = json_object_get(root, "keys");
	struct jws_keyset *ks;
	size_t i, n;

	if (!json_is_array(keys)) {
		tapir_err_set(err, errlen, "not a JWK Set: no \"keys\" array");
		return JWS_ERR_KEYSET;
	}
	n = json_array_size(keys);
	if (!(ks = calloc(1, sizeof(*ks))) ||
	    (n && !(ks->keys = calloc(n, sizeof(*ks->keys))))) {
		free(ks);
		tapir_err_set(err, errlen, "out of memory");
		return JWS_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		int r = key_from_jwk(json_array_get(keys, i), i,
			&ks->keys[ks->count], err, errlen);
		if (r < 0) {
			jws_keyset_free(ks);
			return JWS_ERR_KEYSET;
		}
		ks->count += (size_t)r;
	}
	if (ks->count == 0) {
		jws_keyset_free(ks);
		tapir_err_set(err, errlen, "no usable key (Ed25519, P-256 or P-384 "
			"with a kid)");
		return JWS_ERR_KEYSET;
	}
	*out = ks;
	return JWS_OK;
}

int
jws_keyset_load_buffer(const char *buf, size_t len, struct jws_keyset **out,
	char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int r;

	*out = NULL;
	if (!(root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr))) {
		tapir_err_set(err, errlen, "bad JSON at line %d: %s", jerr.line,
			jerr.text);
		return JWS_ERR_KEYSET;
	}
	r = keyset_from_json(root, out, err, errlen);
	json_decref(root);
	return r;
}

int
jws_keyset_load_file(const char *path, struct jws_keyset **out, char *err,
	size_t errlen)
{
	char *buf;
	size_t len;
	int r;

	*out = NULL;
	switch ((r = file_read_all(path, KEYSET_FILE_MAX, &buf, &len))) {
	case 0:
		break;
	case ENOMEM:
		tapir_err_set(err, errlen, "out of memory");
		return JWS_ERR_NOMEM;
	case EFBIG:
		tapir_err_set(err, errlen, "%s: too large for a JWK Set", path);
		return JWS_ERR_KEYSET;
	default:
		tapir_err_set(err, errlen, "%s: %s", path, file_strerror(r));
		return JWS_ERR_IO;
	}
	r = jws_keyset_load_buffer(buf, len, out, err, errlen);
	if (r == JWS_ERR_KEYSET && err && errlen) {
		char inner[256];
		snprintf(inner, sizeof(inner), "%s", err);
		tapir_err_set(err, errlen, "%s: %s", path, inner);
	}
	free(buf);
	return r;
}

size_t
jws_keyset_count(const struct jws_keyset *ks)
{
	return ks->count;
}

void
jws_keyset_free(struct jws_keyset *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->count; i++) {
		free(ks->keys[i].kid);
		EVP_PKEY_free(ks->keys[i].pkey);
	}
	free(ks->keys);
	free(ks);
}

/* ---- verification ---- */

/* One signature of a message, as received (base64url text). */
struct sig_in {
	const char *protected_b64;
	size_t protected_len;
	const char *sig_b64;
	size_t sig_len;
	json_t *header; /* unprotected header object, or NULL */
};

/* Check a raw signature with one key: 1 valid, 0 not, -1 no memory. */
static int
check_signature(const struct jws_key *key, const uint8_t *sig, size_t sig_len,
	const uint8_t *tbs, size_t tbs_len)
{
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *ecsig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int der_len, ok = -1;

	if (key->alg != JWS_ALG_EDDSA) {
		/* JWS carries R||S (RFC 7518 §3.4); OpenSSL wants DER. */
		size_t n = sig_len / 2;
		if (!(ecsig = ECDSA_SIG_new()) ||
		    !(r = BN_bin2bn(sig, (int)n, NULL)) ||
		    !(s = BN_bin2bn(sig + n, (int)n, NULL)) ||
		    !ECDSA_SIG_set0(ecsig, r, s))
			goto out;
		r = s = NULL;
		if ((der_len = i2d_ECDSA_SIG(ecsig, &der)) <= 0)
			goto out;
		sig = der;
		sig_len = (size_t)der_len;
	}
	if (!(md = EVP_MD_CTX_new()) ||
	    EVP_DigestVerifyInit(md, NULL, alg_md(key->alg), NULL,
	    key->pkey) != 1)
		goto out;
	ok = EVP_DigestVerify(md, sig, sig_len, tbs, tbs_len) == 1;
out:
	/* A failed verification leaves errors on this thread's queue. */
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(ecsig);
	return ok;
}

/* Header checks that do not depend on the key: returns JWS_OK or why not. */
static int
check_header(json_t *hdr, json_t *unprotected, enum jws_alg *alg,
	const char **kid)
{
	json_t *alg_v = json_object_get(hdr, "alg");
	json_t *kid_v = json_object_get(hdr, "kid");
	json_t *b64 = json_object_get(hdr, "b64");
	const char *name;

	/* We implement no extension, so any critical one is unknown. */
	if (json_object_get(hdr, "crit") ||
	    (unprotected && json_object_get(unprotected, "crit")))
		return JWS_ERR_CRIT;
	if (b64 && !json_is_boolean(b64))
		return JWS_ERR_MALFORMED;
	if (json_is_false(b64))
		return JWS_ERR_UNENCODED;
	/* What selects the key or changes the signing input must be signed. */
	if (unprotected && (json_object_get(unprotected, "alg") ||
	    json_object_get(unprotected, "kid") ||
	    json_object_get(unprotected, "b64")))
		return JWS_ERR_MALFORMED;
	if (!json_is_string(alg_v))
		return JWS_ERR_MALFORMED;
	name = json_string_value(alg_v);
	if (alg_from_name(name, alg) != 0)
		return JWS_ERR_FORBIDDEN_ALG;
	if (!kid_v)
		return JWS_ERR_MISSING_KID;
	if (!json_is_string(kid_v))
		return JWS_ERR_MALFORMED;
	*kid = json_string_value(kid_v);
	return JWS_OK;
}

/* Verify one signature over payload_b64; *used is the key on success. */
static int
verify_one(const struct jws_keyset *ks, const struct sig_in *in,
	const char *payload_b64, size_t payload_len,
	const struct jws_key **used)
{
	uint8_t *hdr_text, sig[SIG_MAX];
	size_t hdr_len, sig_len, i, tbs_len;
	json_t *hdr;
	enum jws_alg alg;
	const char *kid = NULL;
	int r, have_kid = 0, have_alg = 0;
	uint8_t *tbs;

	if (in->protected_len == 0)
		return JWS_ERR_MALFORMED;
	if (!(hdr_text = b64url_decode_alloc(in->protected_b64,
	    in->protected_len, &hdr_len, &r)))
		return r;
	hdr = json_loadb((const char *)hdr_text, hdr_len,
		JSON_REJECT_DUPLICATES, NULL);
	free(hdr_text);
	if (!json_is_object(hdr)) {
		json_decref(hdr);
		return JWS_ERR_MALFORMED;
	}
	r = check_header(hdr, in->header, &alg, &kid);
	if (r == JWS_OK) {
		for (i = 0; i < ks->count; i++) {
			if (strcmp(ks->keys[i].kid, kid) != 0)
				continue;
			have_kid = 1;
			have_alg |= ks->keys[i].alg == alg;
		}
		r = !have_kid ? JWS_ERR_UNKNOWN_KID :
			!have_alg ? JWS_ERR_ALG_MISMATCH : JWS_OK;
	}
	if (r != JWS_OK)
		goto out;
	/* Too long to be ours: do not decode what we cannot hold. */
	if (in->sig_len > (SIG_MAX * 4 + 2) / 3) {
		r = JWS_ERR_BAD_SIGNATURE;
		goto out;
	}
	if (jws_b64url_decode(in->sig_b64, in->sig_len, sig, &sig_len) != 0) {
		r = JWS_ERR_MALFORMED;
		goto out;
	}
	if (sig_len != alg_sig_len(alg)) {
		r = JWS_ERR_BAD_SIGNATURE;
		goto out;
	}
	/* Signing input: ASCII(protected) "." ASCII(payload), as received. */
	tbs_len = in->protected_len + 1 + payload_len;
	if (!(tbs = malloc(tbs_len))) {
		r = JWS_ERR_NOMEM;
		goto out;
	}
	memcpy(tbs, in->protected_b64, in->protected_len);
	tbs[in->protected_len] = '.';
	memcpy(tbs + in->protected_len + 1, payload_b64, payload_len);
	r = JWS_ERR_BAD_SIGNATURE;
	for (i = 0; i < ks->count && r == JWS_ERR_BAD_SIGNATURE; i++) {
		const struct jws_key *k = &ks->keys[i];
		int ok;
		if (k->alg != alg || strcmp(k->kid, kid) != 0)
			continue;
		ok = check_signature(k, sig, sig_len, tbs, tbs_len);
		if (ok < 0) {
			r = JWS_ERR_NOMEM;
		} else if (ok) {
			*used = k;
			r = JWS_OK;
		}
	}
	free(tbs);
out:
	json_decref(hdr);
	return r;
}

/*
 * How far a failed signature got, for choosing which error of a general
 * JWS to report: the later the check that failed, the more it tells.
 */
static int
error_rank(int err)
{
	switch (err) {
	case JWS_ERR_BAD_SIGNATURE: return 6;
	case JWS_ERR_ALG_MISMATCH: return 5;
	case JWS_ERR_UNKNOWN_KID: return 4;
	case JWS_ERR_MISSING_KID: return 3;
	case JWS_ERR_FORBIDDEN_ALG: return 2;
	case JWS_ERR_CRIT: case JWS_ERR_UNENCODED: return 1;
	default: return 0;
	}
}

/* Fill one sig_in from a JSON object with protected/signature/header. */
static int
sig_from_json(json_t *obj, struct sig_in *in)
{
	json_t *p = json_object_get(obj, "protected");
	json_t *s = json_object_get(obj, "signature");
	json_t *h = json_object_get(obj, "header");

	if (!json_is_string(p) || !json_is_string(s) ||
	    (h && !json_is_object(h)))
		return -1;
	in->protected_b64 = json_string_value(p);
	in->protected_len = json_string_length(p);
	in->sig_b64 = json_string_value(s);
	in->sig_len = json_string_length(s);
	in->header = h;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Split a message into its payload and signatures.  *root keeps the JSON
 * the pointers point into (NULL for the compact form).  Returns the
 * number of signatures, or -1 if malformed.
 */
static long
split_message(const char *msg, size_t len, json_t **root,
	const char **payload, size_t *payload_len, struct sig_in *one,
	json_t **sigs)
{
	const char *dot1, *dot2;
	json_t *p;

	*root = NULL;
	*sigs = NULL;
	while (len && is_blank(*msg)) {
		msg++;
		len--;
	}
	while (len && is_blank(msg[len - 1]))
		len--;
	if (len && *msg == '{') {
		if (!(*root = json_loadb(msg, len, JSON_REJECT_DUPLICATES,
		    NULL)))
			return -1;
		p = json_object_get(*root, "payload");
		if (!json_is_string(p))
			return -1;
		*payload = json_string_value(p);
		*payload_len = json_string_length(p);
		*sigs = json_object_get(*root, "signatures");
		if (!*sigs)
			return sig_from_json(*root, one) == 0 ? 1 : -1;
		/* General: the flattened members must not be there too. */
		if (!json_is_array(*sigs) || json_array_size(*sigs) == 0 ||
		    json_object_get(*root, "protected") ||
		    json_object_get(*root, "signature") ||
		    json_object_get(*root, "header"))
			return -1;
		return (long)json_array_size(*sigs);
	}
	/* Compact: three base64url parts; the decoders police the alphabet. */
	if (!(dot1 = memchr(msg, '.', len)) ||
	    !(dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - msg))) ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - msg)))
		return -1;
	one->protected_b64 = msg;
	one->protected_len = (size_t)(dot1 - msg);
	*payload = dot1 + 1;
	*payload_len = (size_t)(dot2 - dot1 - 1);
	one->sig_b64 = dot2 + 1;
	one->sig_len = len - (size_t)(dot2 + 1 - msg);
	one->header = NULL;
	return 1;
}

int
jws_verify(const struct jws_keyset *ks, const char *msg, size_t len,
	uint8_t **payload, size_t *payload_len, const char **kid)
{
	json_t *root, *sigs;
	const char *p64 = NULL;
	size_t p64_len = 0;
	struct sig_in in;
	const struct jws_key *used = NULL;
	long n, i;
	int r = JWS_ERR_MALFORMED;

	*payload = NULL;
	*payload_len = 0;
	n = split_message(msg, len, &root, &p64, &p64_len, &in, &sigs);
	for (i = 0; i < n; i++) {
		int one = JWS_OK;
		if (sigs && sig_from_json(json_array_get(sigs, (size_t)i),
		    &in) != 0)
			one = JWS_ERR_MALFORMED;
		if (one == JWS_OK)
			one = verify_one(ks, &in, p64, p64_len, &used);
		if (one == JWS_OK || one == JWS_ERR_NOMEM) {
			r = one;
			break;
		}
		if (i == 0 || error_rank(one) > error_rank(r))
			r = one;
	}
	/* Only a verified payload is decoded. */
	if (r == JWS_OK) {
		if ((*payload = b64url_decode_alloc(p64, p64_len, payload_len,
		    &r)) != NULL && kid)
			*kid = used->kid;
	}
	json_decref(root);
	return r;
}

/* ---- signing ---- */

/* The algorithm our own key signs with, or -1 if it is of another kind. */
static int
key_alg(EVP_PKEY *key, enum jws_alg *alg)
{
	char group[64];

	if (EVP_PKEY_is_a(key, "ED25519")) {
		*alg = JWS_ALG_EDDSA;
		return 0;
	}
	if (!EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL))
		return -1;
	if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
		*alg = JWS_ALG_ES256;
	else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
		*alg = JWS_ALG_ES384;
	else
		return -1;
	return 0;
}

/* Sign tbs; sig gets the raw JWS signature (R||S for ECDSA). */
static int
sign_raw(EVP_PKEY *key, enum jws_alg alg, const uint8_t *tbs, size_t tbs_len,
	uint8_t *sig, size_t *sig_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[SIG_MAX + 16];
	const unsigned char *dp = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *ecsig = NULL;
	int r = JWS_ERR_KEY;

	if (!md)
		return JWS_ERR_NOMEM;
	if (EVP_DigestSignInit(md, NULL, alg_md(alg), NULL, key) != 1 ||
	    EVP_DigestSign(md, der, &der_len, tbs, tbs_len) != 1)
		goto out;
	if (alg == JWS_ALG_EDDSA) {
		memcpy(sig, der, der_len);
		*sig_len = der_len;
		r = JWS_OK;
		goto out;
	}
	*sig_len = alg_sig_len(alg);
	if (!(ecsig = d2i_ECDSA_SIG(NULL, &dp, (long)der_len)) ||
	    BN_bn2binpad(ECDSA_SIG_get0_r(ecsig), sig,
	    (int)(*sig_len / 2)) < 0 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(ecsig), sig + *sig_len / 2,
	    (int)(*sig_len / 2)) < 0) {
		r = JWS_ERR_CRYPTO;
		goto out;
	}
	r = JWS_OK;
out:
	ERR_clear_error();
	ECDSA_SIG_free(ecsig);
	EVP_MD_CTX_free(md);
	return r;
}

int
jws_sign_flattened(const uint8_t *payload, size_t len, EVP_PKEY *key,
	const char *kid, char **out, size_t *out_len)
{
	static const char fmt[] =
		"{\"payload\":\"%s\",\"protected\":\"%s\",\"signature\":\"%s\"}";
	enum jws_alg alg;
	json_t *hdr = NULL;
	char *hdr_text = NULL, *p64 = NULL, *h64 = NULL, *tbs = NULL;
	char s64[(SIG_MAX + 2) / 3 * 4 + 1];
	uint8_t sig[SIG_MAX];
	size_t sig_len, h64_len, p64_len, total;
	int r = JWS_ERR_NOMEM;

	*out = NULL;
	if (!kid || key_alg(key, &alg) != 0)
		return JWS_ERR_KEY;
	if (!(hdr = json_pack("{s:s, s:s}", "alg", jws_alg_name(alg), "kid",
	    kid))) {
		/* json_pack refuses a kid that is not UTF-8. */
		return JWS_ERR_KEY;
	}
	if (!(hdr_text = json_dumps(hdr, JSON_COMPACT)) ||
	    !(h64 = malloc((strlen(hdr_text) + 2) / 3 * 4 + 1)) ||
	    !(p64 = malloc((len + 2) / 3 * 4 + 1)))
		goto out;
	h64_len = jws_b64url_encode((const uint8_t *)hdr_text,
		strlen(hdr_text), h64);
	p64_len = jws_b64url_encode(payload, len, p64);
	if (!(tbs = malloc(h64_len + 1 + p64_len + 1)))
		goto out;
	snprintf(tbs, h64_len + 1 + p64_len + 1, "%s.%s", h64, p64);
	if ((r = sign_raw(key, alg, (const uint8_t *)tbs, h64_len + 1 + p64_len,
	    sig, &sig_len)) != JWS_OK)
		goto out;
	jws_b64url_encode(sig, sig_len, s64);
	total = sizeof(fmt) + h64_len + p64_len + strlen(s64);
	r = JWS_ERR_NOMEM;
	if (!(*out = malloc(total)))
		goto out;
	total = (size_t)snprintf(*out, total, fmt, p64, h64, s64);
	if (out_len)
		*out_len = total;
	r = JWS_OK;
out:
	json_decref(hdr);
	free(hdr_text);
	free(h64);
	free(p64);
	free(tbs);
	return r;
}

const char *
jws_strerror(int err)
{
	switch (err) {
	case JWS_OK: return "ok";
	case JWS_ERR_NOMEM: return "out of memory";
	case JWS_ERR_MALFORMED: return "malformed JWS";
	case JWS_ERR_MISSING_KID: return "no kid in the protected header";
	case JWS_ERR_UNKNOWN_KID: return "kid names no trusted key";
	case JWS_ERR_ALG_MISMATCH: return "alg does not match the key's";
	case JWS_ERR_FORBIDDEN_ALG: return "forbidden or unsupported alg";
	case JWS_ERR_CRIT: return "critical header extension not supported";
	case JWS_ERR_UNENCODED: return "unencoded payload (b64:false) refused";
	case JWS_ERR_BAD_SIGNATURE: return "signature does not verify";
	case JWS_ERR_KEYSET: return "unusable JWK Set";
	case JWS_ERR_KEY: return "unusable signing key";
	case JWS_ERR_IO: return "cannot read file";
	case JWS_ERR_CRYPTO: return "OpenSSL failure";
	default: return "unknown error";
	}
}
