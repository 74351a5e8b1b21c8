/*
 * feeds/tapir/certfile.h - what the edge's client certificate says.
 *
 * Copyright (c) 2026, DNS TAPIR project.  BSD 3-Clause licence, see LICENSE.
 *
 * Enrollment issues certificates valid for days and a timer renews them,
 * rewriting tls.crt and tls.key.  The connection reads them again when
 * they change, but only once the new pair is usable (a certificate and
 * the key it was issued for: a renewal caught between its two writes is
 * not), and the status report tells how long the certificate in use has
 * left.  OpenSSL reads the files; they are opened through fileio's
 * opener first, so a FIFO or a device at the path is refused, not
 * waited on.
 */
#ifndef TAPIR_CERTFILE_H
#define TAPIR_CERTFILE_H

#include <stddef.h>
#include <stdint.h>

/** What a certificate file holds. */
struct certfile_info {
	/** End of validity, Unix seconds. */
	int64_t not_after;
	/** Start of validity, Unix seconds. */
	int64_t not_before;
	/** The subject's common name, "" if it has none. */
	char common_name[128];
};

/**
 * Read the first certificate of a PEM file and, when key_file is given,
 * check that the key is the certificate's.
 * @param cert_file: PEM certificate (chain).
 * @param key_file: PEM private key, or NULL.
 * @param out: out, what the certificate says.
 * @param why: out on failure, with the file's name.
 * @param whylen: size of why.
 * @return 0, or -1 with why set.
 */
int certfile_read(const char *cert_file, const char *key_file,
	struct certfile_info *out, char *why, size_t whylen);

#endif /* TAPIR_CERTFILE_H */
