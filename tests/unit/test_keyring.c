/*
 * tests/unit/test_keyring.c - a trusted key file rewritten under a
 * running keyring: new versions are taken, broken ones leave the keys in
 * force, and a set held by a verifier outlives its replacement.
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "feeds/tapir/jws.h"
#include "feeds/tapir/keyring.h"

static char dir[] = "/tmp/test_keyring.XXXXXX";
static char path[256];

/* The public JWK of a new Ed25519 key, as kid. */
static void
jwk(const char *kid, char *out, size_t size)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *key = NULL;
	uint8_t raw[32];
	size_t len = sizeof(raw);
	char x[64];

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &key), 1);
	assert_int_equal(EVP_PKEY_get_raw_public_key(key, raw, &len), 1);
	jws_b64url_encode(raw, len, x);
	snprintf(out, size, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":"
		"\"%s\",\"x\":\"%s\"}", kid, x);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
}

/* Replace the file as an editor does (a new inode, so the watcher sees
 * a new version whatever the clock's resolution). */
static void
write_keys(const char *text)
{
	char tmp[300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_non_null(f = fopen(tmp, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

/* Wait (at most 5 s) until the keyring has tried n versions. */
static void
wait_versions(struct keyring *k, uint64_t n)
{
	struct keyring_stats st;
	int i;

	for (i = 0; i < 500; i++) {
		keyring_get_stats(k, &st);
		if (st.loads + st.failures >= n)
			return;
		usleep(10000);
	}
	fail_msg("the keyring did not see version %llu",
		(unsigned long long)n);
}

static void
test_follows_the_file(void **state)
{
	char a[256], b[256], text[1024], err[256];
	const struct jws_keyset *first, *second;
	struct keyring_ref *r1, *r2;
	struct keyring_stats st;
	struct keyring *k;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/keys.json", dir);
	jwk("a", a, sizeof(a));
	jwk("b", b, sizeof(b));
	snprintf(text, sizeof(text), "{\"keys\":[%s]}", a);
	write_keys(text);
	assert_non_null(k = keyring_create(path, "test", 10, err,
		sizeof(err)));
	assert_int_equal(keyring_start(k), 0);
	first = keyring_acquire(k, &r1);
	assert_int_equal(jws_keyset_count(first), 1);

	/* A key added: the next acquire has both; the set held stays. */
	snprintf(text, sizeof(text), "{\"keys\":[%s,%s]}", a, b);
	write_keys(text);
	wait_versions(k, 2);
	second = keyring_acquire(k, &r2);
	assert_int_equal(jws_keyset_count(second), 2);
	assert_int_equal(jws_keyset_count(first), 1);
	keyring_release(k, r1);
	keyring_release(k, r2);

	/* Broken versions keep the two keys. */
	write_keys("{\"keys\":[{\"kty\":\"OKP\"");
	wait_versions(k, 3);
	write_keys("{\"keys\":[]}");
	wait_versions(k, 4);
	keyring_get_stats(k, &st);
	assert_int_equal(st.loads, 2);
	assert_int_equal(st.failures, 2);
	assert_int_equal(st.keys, 2);
	assert_non_null(strstr(st.last_error, path));
	second = keyring_acquire(k, &r2);
	assert_int_equal(jws_keyset_count(second), 2);
	keyring_release(k, r2);

	/* A key removed: gone from the next acquire on. */
	snprintf(text, sizeof(text), "{\"keys\":[%s]}", b);
	write_keys(text);
	wait_versions(k, 5);
	keyring_get_stats(k, &st);
	assert_int_equal(st.keys, 1);
	assert_string_equal(st.last_error, "");
	keyring_destroy(k);

	/* An unusable file at the start is an error. */
	write_keys("not json");
	assert_null(keyring_create(path, "test", 10, err, sizeof(err)));
	assert_non_null(strstr(err, "trusted-keys"));
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_follows_the_file),
	};

	return cmocka_run_group_tests_name("keyring", tests, NULL, NULL);
}
