/*
 * feeds/tapir/certfile.c - what the edge's client certificate says.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 */
#include "tapir_config.h"
#include "feeds/tapir/certfile.h"
#include "module/base/fileio.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Certificates and keys are a few kB; a chain with its CA a few more. */
#define CERTFILE_MAX (1024 * 1024)

/* A file's PEM contents as a memory BIO; the text is returned too, so
 * that a key can be wiped after use. */
static BIO *
read_pem(const char *path, char **text, size_t *len, char *why,
	size_t whylen)
{
	BIO *bio;
	int r;

	if ((r = file_read_all(path, CERTFILE_MAX, text, len)) != 0) {
		snprintf(why, whylen, "%s: %s", path, file_strerror(r));
		return NULL;
	}
	if (!(bio = BIO_new_mem_buf(*text, (int)*len))) {
		free(*text);
		snprintf(why, whylen, "%s: out of memory", path);
	}
	return bio;
}

static int64_t
asn1_seconds(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

int
certfile_read(const char *cert_file, const char *key_file,
	struct certfile_info *out, char *why, size_t whylen)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	char *text = NULL;
	size_t len = 0;
	BIO *bio;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (!(bio = read_pem(cert_file, &text, &len, why, whylen)))
		return -1;
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(text);
	if (!cert) {
		snprintf(why, whylen, "%s: no PEM certificate in it",
			cert_file);
		goto out;
	}
	out->not_after = asn1_seconds(X509_get0_notAfter(cert));
	out->not_before = asn1_seconds(X509_get0_notBefore(cert));
	X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
		NID_commonName, out->common_name, sizeof(out->common_name));
	if (!out->not_after) {
		snprintf(why, whylen, "%s: unreadable validity", cert_file);
		goto out;
	}
	if (key_file) {
		if (!(bio = read_pem(key_file, &text, &len, why, whylen)))
			goto out;
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
		OPENSSL_cleanse(text, len);
		free(text);
		if (!key) {
			snprintf(why, whylen, "%s: no unencrypted PEM private "
				"key in it", key_file);
			goto out;
		}
		if (X509_check_private_key(cert, key) != 1) {
			snprintf(why, whylen, "%s is not the key of %s",
				key_file, cert_file);
			goto out;
		}
	}
	r = 0;
out:
	/* Nothing of this attempt may show up in paho's or libcurl's
	 * error reports later. */
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	return r;
}
